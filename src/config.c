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
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "file.h"
#include "octets.h"
#include "config_parser.h"
#include "request.h"

#define CONFIG_LINE_MAX 4096        /* bytes per line, without the LF */
#define CONFIG_WORDS_MAX 16         /* a rule needs 7 */
#define CONFIG_INCLUDE_DEPTH 8      /* deeper is taken for an include loop */
#define CONFIG_FILE_MAX (1 << 20)   /* bytes per file */
#define DURATION_MAX_MS (7UL * 24 * 60 * 60 * 1000)
struct directive {
	const char *name;
	int (*parse)(struct parser *, const struct directive *, char **, int);
	int nargs;          /* words after the name; -1: the function checks */
	const char *usage;  /* what the arguments look like */
	size_t field;       /* offsetof the struct config member it sets */
	unsigned min_ms;    /* the smallest duration accepted */
};

static int config_parse_text(struct parser *, const char *, char *, size_t);

int
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

int
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

void *
config_grow(void *arr, size_t n, size_t size)
{
	char *grown = arr;

	/* The room is implicit: the next power of two at or above n. So
	 * the array is reallocated only when n is a power of two, log n
	 * times for n appends instead of n times (a realloc each cost
	 * ~550 instructions with musl, and copying grows with n). */
	if ((n & (n - 1)) == 0) {
		size_t room = n == 0 ? 1 : 2 * n;

		if (room < n || room > SIZE_MAX / size)
			return NULL;
		if ((grown = realloc(arr, room * size)) == NULL)
			return NULL;
	}
	memset(grown + n * size, 0, size);
	return grown;
}

int
config_keyword(const char *s, const char *keyword)
{
	for (; *s != '\0' && *keyword != '\0'; s++, keyword++) {
		char c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;

		if (c != *keyword)
			return 0;
	}
	return *s == '\0' && *keyword == '\0';
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
	size_t n = 0, i;
	unsigned long v;
	int rc;

	(void)argc;
	while (is_digit((unsigned char)s[n]))
		n++;
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

/* Reads an included file; errors name the include line. */
static int
config_include_file(struct parser *p, const char *path)
{
	char *text;
	size_t len;
	int rc;

	if ((rc = file_read(path, CONFIG_FILE_MAX, &text, &len, NULL)) != 0)
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

/* auth_file PATH: the htpasswd file, read now, so that -t reports a bad
 * line and every connection works from one consistent copy. A relative
 * path is relative to the file that names it, like include. */
static int
config_auth_file(struct parser *p, const struct directive *d, char **argv,
		 int argc)
{
	char path[PATH_MAX], err[AUTH_ERROR_MAX];

	(void)d;
	(void)argc;
	if (p->cfg->has_auth)
		return config_error(p, "auth_file: given twice (one file holds "
		    "every user)");
	if (config_include_path(p->file, argv[1], 0, path, sizeof(path)) == -1)
		return config_error(p, "auth_file: path too long");
	if (auth_file_load(path, &p->cfg->auth, err, sizeof(err),
	    &p->cfg->auth_warning) == -1)
		return config_error(p, "auth_file: %s", err);
	p->cfg->has_auth = 1;
	return 0;
}

/* realm TEXT: shown by clients when they ask for a password. It goes
 * into a quoted-string, so quotes, backslashes and controls are out. */
static int
config_realm(struct parser *p, const struct directive *d, char **argv,
	     int argc)
{
	const char *s = argv[1];
	size_t i, n = strlen(s);

	(void)d;
	(void)argc;
	if (n == 0 || n > 128)
		return config_error(p, "realm: expected 1 to 128 characters");
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '"' ||
		    s[i] == '\\')
			return config_error(p, "realm: quotes, backslashes and "
			    "control characters are not allowed");
	free(p->cfg->realm);
	if ((p->cfg->realm = strdup(s)) == NULL)
		return config_error(p, "out of memory");
	return 0;
}

/* Reads the one "user:password" line of a parent's credentials file and
 * keeps only its Basic token. The file is the admin's secret: it is read
 * here, at start, and never echoed in a message. */
static int
config_parent_credentials(struct parser *p, struct parent *par,
			  const char *name)
{
	char path[PATH_MAX], token[2 * 1024], *text;
	size_t len, i;
	int rc;

	if (config_include_path(p->file, name, 0, path, sizeof(path)) == -1)
		return config_error(p, "parent: path too long");
	if ((rc = file_read(path, CONFIG_FILE_MAX, &text, &len, NULL)) != 0)
		return config_error(p, "parent: cannot %s credentials file "
		    "'%s': %s", rc == -1 ? "open" : "read", path, strerror(errno));
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	for (i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			break;
	rc = i < len || memchr(text, ':', len) == NULL || len == 0 ||
	    auth_basic_encode(text, len, token, sizeof(token)) == 0;
	explicit_bzero(text, len);
	free(text);
	if (rc)
		return config_error(p, "parent: credentials file '%s' must hold "
		    "one line user:password", path);
	par->token = strdup(token);
	explicit_bzero(token, sizeof(token));
	return par->token == NULL ? config_error(p, "out of memory") : 0;
}

/* Whether s can name a parent: letters, digits, '-', '_'. */
static int
config_parent_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 63 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n &&
	    strcmp(s, "direct") != 0;
}

/* parent NAME HOST:PORT [credentials FILE]. HOST follows the request
 * grammar: a name, an IPv4 address or a bracketed IPv6 address. */
static int
config_parent(struct parser *p, const struct directive *d, char **argv,
	      int argc)
{
	struct config *cfg = p->cfg;
	struct parent par, *grown;
	struct request target;
	size_t i;

	(void)d;
	if (argc != 3 && !(argc == 5 && strcmp(argv[3], "credentials") == 0))
		return config_error(p, "parent: usage: parent NAME HOST:PORT "
		    "[credentials FILE]");
	if (!config_parent_name_ok(argv[1]))
		return config_error(p, "parent: invalid name '%s' (letters, "
		    "digits, '-' and '_'; not 'direct')", argv[1]);
	for (i = 0; i < cfg->nparents; i++)
		if (strcmp(cfg->parents[i].name, argv[1]) == 0)
			return config_error(p, "parent: '%s' is already "
			    "defined at %s:%u", argv[1], cfg->parents[i].file,
			    cfg->parents[i].line);
	if (request_parse_target(argv[2], strlen(argv[2]), &target) != 0)
		return config_error(p, "parent: invalid address '%s' (expected "
		    "host:port, with IPv6 in brackets)", argv[2]);
	memset(&par, 0, sizeof(par));
	par.file = p->file;
	par.line = p->line;
	par.port = target.port;
	par.host_is_v6 = target.host_kind == HOST_IPV6;
	if (argc == 5 && config_parent_credentials(p, &par, argv[4]) == -1)
		return -1;
	par.name = strdup(argv[1]);
	par.host = strdup(target.host);
	if (par.name == NULL || par.host == NULL ||
	    (grown = config_grow(cfg->parents, cfg->nparents,
	    sizeof(par))) == NULL) {
		free(par.name);
		free(par.host);
		free(par.token);
		return config_error(p, "out of memory");
	}
	cfg->parents = grown;
	cfg->parents[cfg->nparents++] = par;
	return 0;
}

/* proxy_protocol from ADDRS: the load balancers whose connections start
 * with a PROXY header. Never guessed: from these peers the header is
 * required, from any other it is just a bad request. */
static int
config_proxy_protocol(struct parser *p, const struct directive *d,
		      char **argv, int argc)
{
	struct config *cfg = p->cfg;

	(void)d;
	if (argc != 3 || strcmp(argv[1], "from") != 0)
		return config_error(p, "proxy_protocol: usage: proxy_protocol "
		    "from ADDRS");
	if (cfg->has_proxy_protocol)
		return config_error(p, "proxy_protocol: given twice (list every "
		    "load balancer in one line)");
	cfg->has_proxy_protocol = 1;
	return rule_parse_addr_set(p, "proxy_protocol", argv[2],
	    &cfg->proxy_protocol_from);
}

/* user NAME: the account connectd becomes when started as root (busybox
 * inetd cannot drop privileges itself). "user root" says that staying
 * root is meant. The name is looked up when the process starts. */
static int
config_user(struct parser *p, const struct directive *d, char **argv,
	    int argc)
{
	(void)d;
	(void)argc;
	if (argv[1][0] == '\0' || strlen(argv[1]) > 64 ||
	    strspn(argv[1], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.") != strlen(argv[1]))
		return config_error(p, "user: invalid user name '%s'", argv[1]);
	free(p->cfg->user);
	if ((p->cfg->user = strdup(argv[1])) == NULL)
		return config_error(p, "out of memory");
	return 0;
}

/* client_address socket|env */
static int
config_client_address(struct parser *p, const struct directive *d,
		      char **argv, int argc)
{
	(void)d;
	(void)argc;
	if (strcmp(argv[1], "socket") == 0)
		p->cfg->client_address_env = 0;
	else if (strcmp(argv[1], "env") == 0)
		p->cfg->client_address_env = 1;
	else
		return config_error(p, "client_address: expected socket or env, "
		    "not '%s'", argv[1]);
	return 0;
}

/* allow|deny: the rule language lives in rule.c. */
static int
config_rule(struct parser *p, const struct directive *d, char **argv,
	    int argc)
{
	(void)d;
	return rule_parse(p, argv, argc);
}

static const struct directive directives[] = {
	{ "allow", config_rule, -1, NULL, 0, 0 },
	{ "auth_file", config_auth_file, 1, "PATH", 0, 0 },
	{ "client_address", config_client_address, 1, "socket|env", 0, 0 },
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
	{ "lockdown", config_flag, 1, "yes|no",
	  offsetof(struct config, lockdown), 0 },
	{ "max_lifetime", config_duration, 1, "DURATION",
	  offsetof(struct config, max_lifetime_ms), 0 },
	{ "parent", config_parent, -1, NULL, 0, 0 },
	{ "proxy_protocol", config_proxy_protocol, -1, NULL, 0, 0 },
	{ "realm", config_realm, 1, "TEXT", 0, 0 },
	{ "request_timeout", config_duration, 1, "DURATION",
	  offsetof(struct config, request_timeout_ms), 1 },
	{ "user", config_user, 1, "NAME", 0, 0 },
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
		while (*r == ' ' || *r == '\t')
			r++;
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
		if (strcmp(argv[0], directives[i].name) == 0) {
			d = &directives[i];
			break;
		}
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

/* Parses one line of n bytes (without its LF), splitting it in place:
 * s[n], its LF or the byte after the text, becomes its NUL. */
static int
config_line(struct parser *p, char *s, size_t n)
{
	char *argv[CONFIG_WORDS_MAX];
	size_t i;
	int argc;

	if (n > CONFIG_LINE_MAX)
		return config_error(p, "line too long (more than %d bytes)",
		    CONFIG_LINE_MAX);
	if (n > 0 && s[n - 1] == '\r')
		n--;
	/* Most lines of a commented config are comments or blank: skip
	 * them without copying and splitting (every connection reads the
	 * file, so this is per-connection work). */
	for (i = 0; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i == n || s[i] == '#')
		return 0;
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return config_error(p, "control character 0x%02x in line",
			    (unsigned)(unsigned char)s[i]);
	s[n] = '\0';
	if ((argc = config_split(p, s, argv)) <= 0)
		return argc;
	return config_directive(p, argv, argc);
}

/* Records name in cfg->files and parses text line by line as that file,
 * in place: text needs one writable byte past len. */
static int
config_parse_text(struct parser *p, const char *name, char *text, size_t len)
{
	const char *saved_file = p->file;
	char *nl;
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
	/* One look for a NUL in the whole text, not one per line: every
	 * connection parses the file, and most files have none. */
	if ((nl = memchr(text, '\0', len)) != NULL) {
		for (p->line = 1; pos < (size_t)(nl - text); pos++)
			p->line += text[pos] == '\n';
		rc = config_error(p, "NUL byte in line");
	}
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
	cfg->lockdown = 1;
}

/* What only the whole file can tell: a rule that names users needs an
 * auth_file (which may come after it). */
static int
config_check(struct parser *p)
{
	size_t i;

	for (i = 0; i < p->cfg->nrules; i++) {
		const struct rule *r = &p->cfg->rules[i];

		if (r->has_user && !p->cfg->has_auth) {
			p->file = r->file;
			p->line = r->line;
			return config_error(p, "user: no auth_file is "
			    "configured to check users against");
		}
	}
	return 0;
}

/* config_parse on a text it may split in place (one writable byte past
 * len); on failure nothing parsed so far is kept: cfg is freed and back
 * to the defaults, so the caller never runs on half a policy. */
static int
config_parse_buffer(const char *name, char *text, size_t len,
		    struct config *cfg, char *err, size_t errlen)
{
	struct parser p;

	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.file = name;
	p.err = err;
	p.errlen = errlen;
	if (config_parse_text(&p, name, text, len) == 0 &&
	    config_check(&p) == 0)
		return 0;
	config_free(cfg);
	config_defaults(cfg);
	return -1;
}

int
config_parse(const char *name, const char *text, size_t len,
	     struct config *cfg, char *err, size_t errlen)
{
	char *copy;
	int rc;

	/* The parse splits lines in place: a copy, with room for the NUL
	 * after the last line. */
	if ((copy = malloc(len + 1)) == NULL) {
		if (errlen > 0)
			snprintf(err, errlen, "%s: %s", name, strerror(ENOMEM));
		return -1;
	}
	if (len > 0) /* text may be NULL then */
		memcpy(copy, text, len);
	copy[len] = '\0';
	rc = config_parse_buffer(name, copy, len, cfg, err, errlen);
	free(copy);
	return rc;
}

int
config_load(const char *path, struct config *cfg, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int rc;

	if ((rc = file_read(path, CONFIG_FILE_MAX, &text, &len, NULL)) != 0) {
		if (errlen > 0)
			snprintf(err, errlen, "%s: cannot %s: %s", path,
			    rc == -1 ? "open" : "read", strerror(errno));
		return -1;
	}
	/* file_read leaves a NUL past the text: the byte a split in place
	 * needs after the last line. */
	rc = config_parse_buffer(path, text, len, cfg, err, errlen);
	free(text);
	return rc;
}

void
config_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nrules; i++)
		rule_free(&cfg->rules[i]);
	free(cfg->rules);
	for (i = 0; i < cfg->nfiles; i++)
		free(cfg->files[i]);
	free(cfg->files);
	free(cfg->realm);
	free(cfg->user);
	cfg->user = NULL;
	for (i = 0; i < cfg->nparents; i++) {
		free(cfg->parents[i].name);
		free(cfg->parents[i].host);
		if (cfg->parents[i].token != NULL)
			explicit_bzero(cfg->parents[i].token,
			    strlen(cfg->parents[i].token));
		free(cfg->parents[i].token);
	}
	free(cfg->parents);
	free(cfg->proxy_protocol_from.cidrs);
	memset(&cfg->proxy_protocol_from, 0, sizeof(cfg->proxy_protocol_from));
	cfg->has_proxy_protocol = 0;
	cfg->parents = NULL;
	cfg->nparents = 0;
	if (cfg->has_auth)
		auth_file_free(&cfg->auth);
	cfg->rules = NULL;
	cfg->nrules = 0;
	cfg->files = NULL;
	cfg->nfiles = 0;
	cfg->realm = NULL;
	cfg->has_auth = 0;
	memset(&cfg->auth, 0, sizeof(cfg->auth));
}
