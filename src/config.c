/* config.c: the flat config file. A hand-written line parser: each line is
 * split into words, the first word is looked up in a keyword table, and
 * the directive's function checks the rest. Errors are "file:line: message"
 * in the manner of OpenBSD's parse.y.
 *
 * Words are separated by spaces and tabs. '#' outside double quotes starts
 * a comment, also in the middle of a word. A word may be "double quoted";
 * inside quotes the only escapes are \" and \\ (any other backslash is an
 * error), and outside quotes a backslash is an ordinary character. Control
 * characters other than tab are errors, and so is a NUL byte; a CR right
 * before the LF is dropped.
 *
 * Directive and clause names are lower-case. In lists, "any" and
 * "internal" are taken in any case, so that "deny to Internal" can never
 * quietly become a host-name rule; a host really called "any" is written
 * "any.". A setting given twice keeps the last value, so that an included
 * file can override one. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#define CONFIG_LINE_MAX 4096        /* bytes per line, without the LF */
#define CONFIG_WORDS_MAX 16         /* a rule needs 7 */
#define CONFIG_INCLUDE_DEPTH 8      /* deeper is taken for an include loop */
#define CONFIG_FILE_MAX (1 << 20)   /* bytes per file */
#define DURATION_MAX_MS (7UL * 24 * 60 * 60 * 1000)
#define NAME_MAX_LEN 253
#define LABEL_MAX_LEN 63
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789-_"

/* The names a rule clause may start with, for the error message. */
#define CLAUSE_NAMES "from, to or port"

struct parser {
	struct config *cfg;
	const char *file;  /* the file being read, owned by cfg->files */
	unsigned line;
	int depth;         /* include nesting */
	char *err;
	size_t errlen;
};

struct directive {
	const char *name;
	int (*parse)(struct parser *, const struct directive *, char **, int);
	int nargs;          /* words after the name; -1: the function checks */
	const char *usage;  /* what the arguments look like */
	size_t field;       /* offsetof the struct config member it sets */
	unsigned min_ms;    /* the smallest duration accepted */
};

struct clause {
	const char *name;
	int (*parse)(struct parser *, struct rule *, char *);
};

static int config_error(struct parser *, const char *, ...)
	__attribute__((format(printf, 2, 3)));
static int config_parse_text(struct parser *, const char *, const char *,
			     size_t);

/* Formats "file:line: message" into the caller's buffer. Returns -1, so
 * that callers can return config_error(...). */
static int
config_error(struct parser *p, const char *fmt, ...)
{
	char msg[CONFIG_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->errlen > 0)
		snprintf(p->err, p->errlen, "%s:%u: %s", p->file, p->line, msg);
	return -1;
}

/* The one number parser: n bytes of s as a plain decimal number (digits
 * only, no sign, no leading zero) of at most max. Returns 0, -1 when it is
 * not such a number, or -2 when it is larger than max. */
static int
config_number(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || (s[0] == '0' && n > 1))
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	for (i = 0; i < n; i++) {
		if (v > (max - (unsigned long)(s[i] - '0')) / 10)
			return -2;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Returns arr (n elements of size bytes) grown by one zeroed element at
 * index n, or NULL when out of memory (arr is then left as it was). */
static void *
config_grow(void *arr, size_t n, size_t size)
{
	char *grown;

	if (n >= SIZE_MAX / size - 1)
		return NULL;
	if ((grown = realloc(arr, (n + 1) * size)) == NULL)
		return NULL;
	memset(grown + n * size, 0, size);
	return grown;
}

/* Case-insensitive ASCII comparison, independent of the locale. */
static int
config_keyword(const char *s, const char *keyword)
{
	for (; *s != '\0' && *keyword != '\0'; s++, keyword++) {
		char c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;

		if (c != *keyword)
			return 0;
	}
	return *s == '\0' && *keyword == '\0';
}

/* Sets all bits below prefix to zero, for the "did you mean" hint. */
static void
config_mask(struct addr *a, unsigned prefix)
{
	unsigned i;

	for (i = prefix; i < 128; i++)
		a->b[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
}

/* Formats a CIDR as addr/len with len in the address's own family, or
 * the bare address for a single host. */
static void
config_format_cidr(const struct cidr *c, char *buf, size_t len)
{
	char text[ADDR_TEXT_MAX];
	int v4 = addr_is_v4(&c->net);
	unsigned bits = v4 ? c->prefix - 96 : c->prefix;

	addr_format(&c->net, text, sizeof(text));
	if (c->prefix == 128)
		snprintf(buf, len, "%s", text);
	else
		snprintf(buf, len, "%s/%u", text, bits);
}

/* Whether an item is meant as an address: it has a ':' or '/', or its
 * last label is a number (decimal, or hex after 0x), which resolvers and
 * URL parsers take as an IPv4 address ("127.1", "0x7f.1", "2130706433"). */
static int
config_looks_numeric(const char *s)
{
	size_t n = strlen(s), start;
	const char *last;

	if (strpbrk(s, ":/") != NULL)
		return 1;
	if (n > 0 && s[n - 1] == '.')
		n--;
	for (start = n; start > 0 && s[start - 1] != '.'; start--)
		;
	last = s + start;
	n -= start;
	if (n == 0)
		return 0;
	if (n >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X'))
		return strspn(last + 2, "0123456789abcdefABCDEF") == n - 2;
	return strspn(last, "0123456789") == n;
}

/* Explains why cidr_parse rejected s (clause names the rule part). */
static int
config_cidr_error(struct parser *p, const char *clause, const char *s)
{
	char text[ADDR_TEXT_MAX + 8];
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	int v6 = memchr(s, ':', n) != NULL;
	unsigned long len;
	struct cidr c;

	if (!config_looks_numeric(s))
		return config_error(p, "%s: '%s' is not an address, a CIDR, "
		    "any or internal", clause, s);
	if (n < ADDR_TEXT_MAX) {
		memcpy(text, s, n);
		text[n] = '\0';
	}
	if (n >= ADDR_TEXT_MAX || addr_parse(text, &c.net) == -1)
		return v6 ? config_error(p, "%s: invalid IPv6 address '%s'",
		    clause, s) : config_error(p, "%s: invalid IPv4 address "
		    "'%s' (expected four decimal numbers, such as 192.0.2.1)",
		    clause, s);
	if (slash == NULL || config_number(slash + 1, strlen(slash + 1),
	    v6 ? 128 : 32, &len) != 0)
		return config_error(p, "%s: invalid prefix length in '%s' "
		    "(expected 0 to %d)", clause, s, v6 ? 128 : 32);
	c.prefix = (unsigned)len + (v6 ? 0 : 96);
	config_mask(&c.net, c.prefix);
	config_format_cidr(&c, text, sizeof(text));
	return config_error(p, "%s: '%s' has host bits set (did you mean "
	    "%s?)", clause, s, text);
}

/* Parses an address or CIDR list item and appends it to *cidrs. */
static int
config_add_cidr(struct parser *p, const char *clause, const char *s,
		struct cidr **cidrs, size_t *n)
{
	struct cidr c, *grown;

	if (cidr_parse(s, &c) == -1)
		return config_cidr_error(p, clause, s);
	if ((grown = config_grow(*cidrs, *n, sizeof(c))) == NULL)
		return config_error(p, "out of memory");
	*cidrs = grown;
	grown[(*n)++] = c;
	return 0;
}

/* Calls item on each comma-separated item of list, which it splits in
 * place. An empty item (leading, trailing or double comma) is an error. */
static int
config_each_item(struct parser *p, const char *clause, char *list,
		 struct rule *r, int (*item)(struct parser *, struct rule *, char *))
{
	char *s = list, *comma;

	for (;;) {
		if ((comma = strchr(s, ',')) != NULL)
			*comma = '\0';
		if (*s == '\0')
			return config_error(p, "%s: empty item in list (check "
			    "for a leading, trailing or double comma)", clause);
		if (item(p, r, s) == -1)
			return -1;
		if (comma == NULL)
			return 0;
		s = comma + 1;
	}
}

/* One "from" item: any, internal, or an address or CIDR. */
static int
config_from_item(struct parser *p, struct rule *r, char *s)
{
	if (config_keyword(s, "any"))
		r->from.any = 1;
	else if (config_keyword(s, "internal"))
		r->from.internal = 1;
	else
		return config_add_cidr(p, "from", s, &r->from.cidrs,
		    &r->from.ncidrs);
	return 0;
}

/* from ADDRS */
static int
config_rule_from(struct parser *p, struct rule *r, char *list)
{
	r->has_from = 1;
	return config_each_item(p, "from", list, r, config_from_item);
}

/* Checks the labels of name (n bytes, no leading or trailing dot):
 * letters, digits, '-' and '_', 1 to 63 bytes each, no '-' at either end
 * of a label. Returns NULL or what is wrong. */
static const char *
config_check_labels(const char *name, size_t n)
{
	size_t i, label = 0;

	if (n == 0)
		return "empty name";
	if (n > NAME_MAX_LEN)
		return "longer than 253 characters";
	for (i = 0; i <= n; i++) {
		if (i < n && name[i] != '.') {
			if (strchr(NAME_CHARS, name[i]) == NULL)
				return "only letters, digits, '-', '_' and '.' "
				    "allowed";
			label++;
			continue;
		}
		if (label == 0)
			return "empty label";
		if (label > LABEL_MAX_LEN)
			return "label longer than 63 characters";
		if (name[i - 1] == '-' || name[i - label] == '-')
			return "label starts or ends with '-'";
		label = 0;
	}
	return NULL;
}

/* Parses a host name pattern: "name" or ".name" (the name and every name
 * below it). Stored lower-case, without the leading and trailing dot. */
static int
config_add_name(struct parser *p, struct target_set *to, const char *s)
{
	const char *name = s[0] == '.' ? s + 1 : s;
	size_t n = strlen(name), i;
	struct name_pattern *grown;
	const char *why;
	char *copy;

	if (strchr(s, '*') != NULL)
		return config_error(p, "to: '%s': wildcards are not supported "
		    "(use .example.com for a name and every name below it)", s);
	if (n > 0 && name[n - 1] == '.')
		n--;
	if ((why = config_check_labels(name, n)) != NULL)
		return config_error(p, "to: invalid host name '%s' (%s)", s, why);
	if ((copy = malloc(n + 1)) == NULL ||
	    (grown = config_grow(to->names, to->nnames, sizeof(*grown))) == NULL) {
		free(copy);
		return config_error(p, "out of memory");
	}
	for (i = 0; i < n; i++)
		copy[i] = name[i] >= 'A' && name[i] <= 'Z' ?
		    (char)(name[i] - 'A' + 'a') : name[i];
	copy[n] = '\0';
	to->names = grown;
	to->names[to->nnames].name = copy;
	to->names[to->nnames++].suffix = s[0] == '.';
	return 0;
}

/* One "to" item: any, internal, an address or CIDR, or a name pattern. */
static int
config_to_item(struct parser *p, struct rule *r, char *s)
{
	if (config_keyword(s, "any"))
		r->to.any = 1;
	else if (config_keyword(s, "internal"))
		r->to.internal = 1;
	else if (config_looks_numeric(s))
		return config_add_cidr(p, "to", s, &r->to.cidrs, &r->to.ncidrs);
	else
		return config_add_name(p, &r->to, s);
	return 0;
}

/* to TARGETS */
static int
config_rule_to(struct parser *p, struct rule *r, char *list)
{
	r->has_to = 1;
	return config_each_item(p, "to", list, r, config_to_item);
}

/* One "port" item: any, N or N-M with 1 <= N <= M <= 65535. */
static int
config_port_item(struct parser *p, struct rule *r, char *s)
{
	char *dash = strchr(s, '-');
	size_t n = dash != NULL ? (size_t)(dash - s) : strlen(s);
	unsigned long lo, hi;
	struct port_range *grown;

	if (config_keyword(s, "any")) {
		r->ports.any = 1;
		return 0;
	}
	if (config_number(s, n, 65535, &lo) != 0 || lo == 0 ||
	    (dash != NULL && (config_number(dash + 1, strlen(dash + 1), 65535,
	    &hi) != 0 || hi == 0)))
		return config_error(p, "port: invalid port '%s' (expected 1 to "
		    "65535, a range N-M, or any)", s);
	if (dash == NULL)
		hi = lo;
	if (lo > hi)
		return config_error(p, "port: invalid range '%s' (the first "
		    "port is larger than the last)", s);
	if ((grown = config_grow(r->ports.ranges, r->ports.nranges,
	    sizeof(*grown))) == NULL)
		return config_error(p, "out of memory");
	r->ports.ranges = grown;
	grown[r->ports.nranges].lo = (unsigned)lo;
	grown[r->ports.nranges++].hi = (unsigned)hi;
	return 0;
}

/* port PORTS */
static int
config_rule_port(struct parser *p, struct rule *r, char *list)
{
	r->has_port = 1;
	return config_each_item(p, "port", list, r, config_port_item);
}

/* The rule clauses. Future matchers ("user NAMES", "via NAME|direct")
 * are one more row here, one parse function, and fields in struct rule. */
static const struct clause clauses[] = {
	{ "from", config_rule_from },
	{ "to", config_rule_to },
	{ "port", config_rule_port },
};

/* Frees what a rule owns, complete or half-built. */
static void
config_free_rule(struct rule *r)
{
	size_t i;

	free(r->from.cidrs);
	free(r->to.cidrs);
	for (i = 0; i < r->to.nnames; i++)
		free(r->to.names[i].name);
	free(r->to.names);
	free(r->ports.ranges);
}

/* Parses the clauses of one rule (argv[1..]) into r. */
static int
config_rule_clauses(struct parser *p, struct rule *r, char **argv, int argc)
{
	unsigned seen = 0, k;
	int i;

	for (i = 1; i < argc; i += 2) {
		for (k = 0; k < sizeof(clauses) / sizeof(clauses[0]); k++)
			if (strcmp(argv[i], clauses[k].name) == 0)
				break;
		if (k == sizeof(clauses) / sizeof(clauses[0]))
			return config_error(p, "unknown rule clause '%s' "
			    "(expected " CLAUSE_NAMES ")", argv[i]);
		if (seen & (1U << k))
			return config_error(p, "%s: '%s' given twice in one rule",
			    argv[0], argv[i]);
		seen |= 1U << k;
		if (i + 1 == argc)
			return config_error(p, "%s: missing list after '%s'",
			    argv[0], argv[i]);
		if (clauses[k].parse(p, r, argv[i + 1]) == -1)
			return -1;
	}
	return 0;
}

/* allow|deny [from ADDRS] [to TARGETS] [port PORTS] */
static int
config_rule(struct parser *p, const struct directive *d, char **argv,
	    int argc)
{
	struct config *cfg = p->cfg;
	struct rule r, *grown;

	(void)d;
	memset(&r, 0, sizeof(r));
	r.action = strcmp(argv[0], "allow") == 0 ? RULE_ALLOW : RULE_DENY;
	r.file = p->file;
	r.line = p->line;
	if (config_rule_clauses(p, &r, argv, argc) == -1)
		goto fail;
	if ((grown = config_grow(cfg->rules, cfg->nrules, sizeof(r))) == NULL) {
		config_error(p, "out of memory");
		goto fail;
	}
	cfg->rules = grown;
	cfg->rules[cfg->nrules++] = r;
	return 0;
fail:
	config_free_rule(&r);
	return -1;
}

/* DURATION: a number with an optional unit ms, s, m or h (seconds when
 * none), at most 7 days, stored in milliseconds. */
static int
config_duration(struct parser *p, const struct directive *d, char **argv,
		int argc)
{
	static const struct { const char *unit; unsigned long ms; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 },
	};
	const char *s = argv[1];
	size_t n = strspn(s, "0123456789"), i;
	unsigned long v;
	int rc;

	(void)argc;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s + n, units[i].unit) == 0)
			break;
	rc = config_number(s, n, DURATION_MAX_MS, &v);
	if (i == sizeof(units) / sizeof(units[0]) || rc == -1)
		return config_error(p, "%s: invalid duration '%s' (expected a "
		    "number and an optional unit: ms, s, m or h)", d->name, s);
	if (rc == -2 || v > DURATION_MAX_MS / units[i].ms)
		return config_error(p, "%s: duration '%s' is too long (at most "
		    "7 days)", d->name, s);
	if (v * units[i].ms < d->min_ms)
		return config_error(p, "%s: must be more than 0", d->name);
	*(unsigned *)(void *)((char *)p->cfg + d->field) =
	    (unsigned)(v * units[i].ms);
	return 0;
}

/* yes|no */
static int
config_flag(struct parser *p, const struct directive *d, char **argv,
	    int argc)
{
	int *flag = (int *)(void *)((char *)p->cfg + d->field);

	(void)argc;
	if (strcmp(argv[1], "yes") == 0)
		*flag = 1;
	else if (strcmp(argv[1], "no") == 0)
		*flag = 0;
	else
		return config_error(p, "%s: expected yes or no, not '%s'",
		    d->name, argv[1]);
	return 0;
}

/* Reads the whole file at path into a malloc'd buffer. Returns 0, -1 when
 * it cannot be opened, or -2 when it cannot be read (EISDIR for a
 * directory, EFBIG past CONFIG_FILE_MAX); errno is set. */
static int
config_read_file(const char *path, char **text, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t r;
	size_t n = 0;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return -1;
	if ((buf = malloc(CONFIG_FILE_MAX)) == NULL || fstat(fd, &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	for (;;) {
		if (n == CONFIG_FILE_MAX) {
			errno = EFBIG;
			goto fail;
		}
		if ((r = read(fd, buf + n, CONFIG_FILE_MAX - n)) == 0)
			break;
		if (r > 0)
			n += (size_t)r;
		else if (errno != EINTR)
			goto fail;
	}
	close(fd);
	*text = buf;
	*len = n;
	return 0;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -2;
}

/* Reads an included file; errors name the include line. */
static int
config_include_file(struct parser *p, const char *path)
{
	char *text;
	size_t len;
	int rc;

	if ((rc = config_read_file(path, &text, &len)) != 0)
		return config_error(p, "include: cannot %s '%s': %s",
		    rc == -1 ? "open" : "read", path, strerror(errno));
	p->depth++;
	rc = config_parse_text(p, path, text, len);
	p->depth--;
	free(text);
	return rc;
}

/* Builds the path of an include: pattern as is when absolute, else in
 * the directory of the including file (the current directory when its
 * name has no '/'). In a glob, that directory's own glob characters are
 * escaped. Returns 0, or -1 when it does not fit. */
static int
config_include_path(const char *file, const char *pattern, int is_glob,
		    char *buf, size_t len)
{
	const char *slash = strrchr(file, '/');
	size_t dir = slash != NULL && pattern[0] != '/' ?
	    (size_t)(slash - file) + 1 : 0;
	size_t i, n = 0, plen = strlen(pattern);

	for (i = 0; i < dir; i++) {
		if (n + 2 >= len)
			return -1;
		if (is_glob && strchr("*?[]\\", file[i]) != NULL)
			buf[n++] = '\\';
		buf[n++] = file[i];
	}
	if (n + plen >= len)
		return -1;
	memcpy(buf + n, pattern, plen + 1);
	return 0;
}

/* glob(3) takes no context pointer, so the failing directory is kept
 * here for the one message that needs it. */
static struct {
	char path[PATH_MAX];
	int error;
} glob_failure;

/* Stops glob on an unreadable directory, so that rules in a file that
 * cannot be read are never silently left out. A directory that does not
 * exist just matches nothing. */
static int
config_glob_error(const char *path, int error)
{
	if (error == ENOENT || error == ENOTDIR)
		return 0;
	snprintf(glob_failure.path, sizeof(glob_failure.path), "%s", path);
	glob_failure.error = error;
	return 1;
}

/* include GLOB: every matching file in sorted order. A glob that matches
 * nothing is fine; a plain path must exist. */
static int
config_include(struct parser *p, const struct directive *d, char **argv,
	       int argc)
{
	char path[PATH_MAX];
	int is_glob = strpbrk(argv[1], "*?[") != NULL, rc;
	glob_t g;
	size_t i;

	(void)d;
	(void)argc;
	if (p->depth >= CONFIG_INCLUDE_DEPTH)
		return config_error(p, "include: nested more than %d deep (an "
		    "include loop?)", CONFIG_INCLUDE_DEPTH);
	if (argv[1][0] == '\0')
		return config_error(p, "include: empty file name");
	if (config_include_path(p->file, argv[1], is_glob, path,
	    sizeof(path)) == -1)
		return config_error(p, "include: path too long");
	if (!is_glob)
		return config_include_file(p, path);
	memset(&g, 0, sizeof(g));
	rc = glob(path, 0, config_glob_error, &g);
	if (rc == GLOB_ABORTED)
		config_error(p, "include: cannot read directory '%s': %s",
		    glob_failure.path, strerror(glob_failure.error));
	else if (rc != 0 && rc != GLOB_NOMATCH)
		config_error(p, "include: '%s': out of memory", argv[1]);
	for (i = 0; rc == 0 && i < g.gl_pathc; i++)
		if (config_include_file(p, g.gl_pathv[i]) == -1)
			rc = -1;
	globfree(&g);
	return rc == 0 || rc == GLOB_NOMATCH ? 0 : -1;
}

static const struct directive directives[] = {
	{ "allow", config_rule, -1, NULL, 0, 0 },
	{ "connect_timeout", config_duration, 1, "DURATION",
	  offsetof(struct config, connect_timeout_ms), 1 },
	{ "deny", config_rule, -1, NULL, 0, 0 },
	{ "half_close", config_flag, 1, "yes|no",
	  offsetof(struct config, half_close), 0 },
	{ "half_close_timeout", config_duration, 1, "DURATION",
	  offsetof(struct config, half_close_timeout_ms), 0 },
	{ "idle_timeout", config_duration, 1, "DURATION",
	  offsetof(struct config, idle_timeout_ms), 0 },
	{ "include", config_include, 1, "GLOB", 0, 0 },
	{ "max_lifetime", config_duration, 1, "DURATION",
	  offsetof(struct config, max_lifetime_ms), 0 },
	{ "request_timeout", config_duration, 1, "DURATION",
	  offsetof(struct config, request_timeout_ms), 1 },
};

/* Copies a quoted word from *r (at the opening quote) to *w, handling
 * \" and \\. Leaves *r after the closing quote. */
static int
config_unquote(struct parser *p, char **r, char **w)
{
	char *s = *r + 1, *out = *w;

	for (;;) {
		if (*s == '\0')
			return config_error(p, "unterminated quoted string");
		if (*s == '"')
			break;
		if (*s == '\\' && s[1] != '"' && s[1] != '\\')
			return config_error(p, "invalid escape in quoted string "
			    "(only \\\" and \\\\ are allowed)");
		if (*s == '\\')
			s++;
		*out++ = *s++;
	}
	s++;
	if (*s != '\0' && *s != ' ' && *s != '\t' && *s != '#')
		return config_error(p, "missing space after quoted string");
	*r = s;
	*w = out;
	return 0;
}

/* Splits the NUL-terminated line s into words in place (a word is never
 * longer than the text it came from, so the write cursor stays behind
 * the read cursor). Returns the number of words, or -1. */
static int
config_split(struct parser *p, char *s, char **argv)
{
	char *r = s, *w = s, sep;
	int argc = 0;

	for (;;) {
		r += strspn(r, " \t");
		if (*r == '\0' || *r == '#')
			return argc;
		if (argc == CONFIG_WORDS_MAX)
			return config_error(p, "too many words (at most %d)",
			    CONFIG_WORDS_MAX);
		argv[argc++] = w;
		if (*r == '"' && config_unquote(p, &r, &w) == -1)
			return -1;
		while (*r != '\0' && *r != ' ' && *r != '\t' && *r != '#') {
			if (*r == '"')
				return config_error(p, "unexpected '\"' inside "
				    "a word (quote the whole word)");
			*w++ = *r++;
		}
		/* w may equal r here: keep the separator before the NUL
		 * overwrites it. */
		sep = *r;
		*w++ = '\0';
		if (sep == '\0' || sep == '#')
			return argc;
		r++;
	}
}

/* Looks up argv[0] and checks the number of arguments. */
static int
config_directive(struct parser *p, char **argv, int argc)
{
	const struct directive *d = NULL;
	size_t i;

	for (i = 0; i < sizeof(directives) / sizeof(directives[0]); i++)
		if (strcmp(argv[0], directives[i].name) == 0)
			d = &directives[i];
	if (d == NULL)
		return config_error(p, "unknown directive '%s'", argv[0]);
	if (d->nargs >= 0 && argc - 1 < d->nargs)
		return config_error(p, "%s: missing argument (usage: %s %s)",
		    d->name, d->name, d->usage);
	if (d->nargs >= 0 && argc - 1 > d->nargs)
		return config_error(p, "%s: unexpected argument '%s' (usage: "
		    "%s %s)", d->name, argv[d->nargs + 1], d->name, d->usage);
	return d->parse(p, d, argv, argc);
}

/* Parses one line of n bytes (without its LF). */
static int
config_line(struct parser *p, const char *s, size_t n)
{
	char buf[CONFIG_LINE_MAX + 1];
	char *argv[CONFIG_WORDS_MAX];
	size_t i;
	int argc;

	if (n > CONFIG_LINE_MAX)
		return config_error(p, "line too long (more than %d bytes)",
		    CONFIG_LINE_MAX);
	if (memchr(s, '\0', n) != NULL)
		return config_error(p, "NUL byte in line");
	if (n > 0 && s[n - 1] == '\r')
		n--;
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return config_error(p, "control character 0x%02x in line",
			    (unsigned)(unsigned char)s[i]);
	memcpy(buf, s, n);
	buf[n] = '\0';
	if ((argc = config_split(p, buf, argv)) <= 0)
		return argc;
	return config_directive(p, argv, argc);
}

/* Records name in cfg->files and parses text line by line as that file. */
static int
config_parse_text(struct parser *p, const char *name, const char *text,
		  size_t len)
{
	const char *saved_file = p->file, *nl;
	unsigned saved_line = p->line;
	char *copy, **grown;
	size_t pos = 0, n;
	int rc = 0;

	if ((copy = strdup(name)) == NULL ||
	    (grown = config_grow(p->cfg->files, p->cfg->nfiles,
	    sizeof(*grown))) == NULL) {
		free(copy);
		return config_error(p, "out of memory");
	}
	p->cfg->files = grown;
	p->cfg->files[p->cfg->nfiles++] = copy;
	p->file = copy;
	for (p->line = 1; rc == 0 && pos < len; p->line++) {
		nl = memchr(text + pos, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		rc = config_line(p, text + pos, n);
		pos += n + 1;
	}
	p->file = saved_file;
	p->line = saved_line;
	return rc;
}

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->request_timeout_ms = 10000;
	cfg->connect_timeout_ms = 10000;
	cfg->idle_timeout_ms = 600000;
	cfg->max_lifetime_ms = 0;
	cfg->half_close = 1;
	cfg->half_close_timeout_ms = 30000;
}

/* On failure nothing parsed so far is kept: cfg is freed and back to the
 * defaults, so the caller never runs on half a policy. */
int
config_parse(const char *name, const char *text, size_t len,
	     struct config *cfg, char *err, size_t errlen)
{
	struct parser p;

	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.file = name;
	p.err = err;
	p.errlen = errlen;
	if (config_parse_text(&p, name, text, len) == 0)
		return 0;
	config_free(cfg);
	config_defaults(cfg);
	return -1;
}

int
config_load(const char *path, struct config *cfg, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int rc;

	if ((rc = config_read_file(path, &text, &len)) != 0) {
		if (errlen > 0)
			snprintf(err, errlen, "%s: cannot %s: %s", path,
			    rc == -1 ? "open" : "read", strerror(errno));
		return -1;
	}
	rc = config_parse(path, text, len, cfg, err, errlen);
	free(text);
	return rc;
}

/* An output cursor that counts what it could not store, like snprintf. */
struct fmt {
	char *buf;
	size_t len;
	size_t need;
};

/* Appends s as far as it fits, and counts all of it. */
static void
fmt_put(struct fmt *f, const char *s)
{
	size_t n = strlen(s), room;

	if (f->need + 1 < f->len) {
		room = f->len - 1 - f->need;
		memcpy(f->buf + f->need, s, n < room ? n : room);
	}
	f->need += n;
}

/* Puts s as the next item of a list: "keyword a,b,c". */
static void
fmt_item(struct fmt *f, int *first, const char *keyword, const char *s)
{
	if (*first) {
		fmt_put(f, " ");
		fmt_put(f, keyword);
		fmt_put(f, " ");
	} else {
		fmt_put(f, ",");
	}
	*first = 0;
	fmt_put(f, s);
}

/* Puts each CIDR as the next list item. */
static void
fmt_cidrs(struct fmt *f, int *first, const char *keyword,
	  const struct cidr *c, size_t n)
{
	char text[ADDR_TEXT_MAX + 8];
	size_t i;

	for (i = 0; i < n; i++) {
		config_format_cidr(&c[i], text, sizeof(text));
		fmt_item(f, first, keyword, text);
	}
}

/* Names that would read back as a keyword get a trailing dot. */
static void
fmt_names(struct fmt *f, int *first, const struct target_set *to)
{
	size_t i;

	for (i = 0; i < to->nnames; i++) {
		fmt_item(f, first, "to", to->names[i].suffix ? "." : "");
		fmt_put(f, to->names[i].name);
		if (config_keyword(to->names[i].name, "any") ||
		    config_keyword(to->names[i].name, "internal"))
			fmt_put(f, ".");
	}
}

/* "port any,443,8000-8100" */
static void
fmt_ports(struct fmt *f, const struct port_set *ports)
{
	char text[16];
	int first = 1;
	size_t i;

	if (ports->any)
		fmt_item(f, &first, "port", "any");
	for (i = 0; i < ports->nranges; i++) {
		if (ports->ranges[i].lo == ports->ranges[i].hi)
			snprintf(text, sizeof(text), "%u", ports->ranges[i].lo);
		else
			snprintf(text, sizeof(text), "%u-%u",
			    ports->ranges[i].lo, ports->ranges[i].hi);
		fmt_item(f, &first, "port", text);
	}
}

/* Clauses in the order from, to, port; in each list any first, then
 * names, then addresses, then internal. */
size_t
config_format_rule(const struct rule *r, char *buf, size_t len)
{
	struct fmt f = { buf, len, 0 };
	int first;

	fmt_put(&f, r->action == RULE_ALLOW ? "allow" : "deny");
	if (r->has_from) {
		first = 1;
		if (r->from.any)
			fmt_item(&f, &first, "from", "any");
		fmt_cidrs(&f, &first, "from", r->from.cidrs, r->from.ncidrs);
		if (r->from.internal)
			fmt_item(&f, &first, "from", "internal");
	}
	if (r->has_to) {
		first = 1;
		if (r->to.any)
			fmt_item(&f, &first, "to", "any");
		fmt_names(&f, &first, &r->to);
		fmt_cidrs(&f, &first, "to", r->to.cidrs, r->to.ncidrs);
		if (r->to.internal)
			fmt_item(&f, &first, "to", "internal");
	}
	if (r->has_port)
		fmt_ports(&f, &r->ports);
	if (len > 0)
		buf[f.need < len ? f.need : len - 1] = '\0';
	return f.need;
}

void
config_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nrules; i++)
		config_free_rule(&cfg->rules[i]);
	free(cfg->rules);
	for (i = 0; i < cfg->nfiles; i++)
		free(cfg->files[i]);
	free(cfg->files);
	cfg->rules = NULL;
	cfg->nrules = 0;
	cfg->files = NULL;
	cfg->nfiles = 0;
}
