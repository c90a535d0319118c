/* rule.c: the rule language, allow|deny [from ADDRS] [to TARGETS]
 * [port PORTS], and its normalised text form (what connectd -t prints).
 * Lists are comma-separated in one word; "any" and "internal" are taken
 * in any case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_parser.h"

#define NAME_MAX_LEN 253
#define LABEL_MAX_LEN 63
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789-_"

/* The names a rule clause may start with, for the error message. */
#define CLAUSE_NAMES "from, user, to, port or via"

struct clause {
	const char *name;
	int (*parse)(struct parser *, struct rule *, char *);
};

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

int
rule_parse_addr_set(struct parser *p, const char *clause, char *list,
		    struct addr_set *set)
{
	struct rule r;
	int rc;

	/* The from clause's parser, borrowed through a scratch rule. */
	memset(&r, 0, sizeof(r));
	r.from = *set;
	rc = config_each_item(p, clause, list, &r, config_from_item);
	*set = r.from;
	return rc;
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

/* One "user" item: "*" (any authenticated user) or a user name as it
 * stands in the auth file: no colon, comma or control character. */
static int
config_user_item(struct parser *p, struct rule *r, char *s)
{
	char **grown, *copy;
	size_t i, n = strlen(s);

	if (strcmp(s, "*") == 0) {
		r->users.any = 1;
		return 0;
	}
	/* No byte that the printed rule (connectd -t) could not carry as a
	 * plain word: space, quote, backslash, '#', and ':' which ends the
	 * user in an auth file. */
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f ||
		    strchr(":#\"\\", s[i]) != NULL)
			return config_error(p, "user: invalid user name '%s'", s);
	if (n > AUTH_USER_MAX)
		return config_error(p, "user: user name longer than %d bytes",
		    AUTH_USER_MAX);
	if ((copy = strdup(s)) == NULL || (grown = config_grow(r->users.names,
	    r->users.nnames, sizeof(*grown))) == NULL) {
		free(copy);
		return config_error(p, "out of memory");
	}
	r->users.names = grown;
	grown[r->users.nnames++] = copy;
	return 0;
}

/* user NAMES */
static int
config_rule_user(struct parser *p, struct rule *r, char *list)
{
	r->has_user = 1;
	return config_each_item(p, "user", list, r, config_user_item);
}

/* One "via" item: "direct" or the name of a parent declared above. */
static int
config_via_item(struct parser *p, struct rule *r, char *s)
{
	const struct config *cfg = p->cfg;
	size_t i, route = ROUTE_DIRECT;

	if (strcmp(s, "direct") != 0) {
		for (i = 0; i < cfg->nparents; i++)
			if (strcmp(cfg->parents[i].name, s) == 0)
				break;
		if (i == cfg->nparents)
			return config_error(p, "via: unknown parent '%s' (declare "
			    "it with parent NAME HOST:PORT above the rule)", s);
		route = i;
	}
	for (i = 0; i < r->via.n; i++)
		if (r->via.items[i] == route)
			return config_error(p, "via: '%s' is listed twice", s);
	if (r->via.n == ROUTES_MAX)
		return config_error(p, "via: at most %d routes", ROUTES_MAX);
	r->via.names[r->via.n] = route == ROUTE_DIRECT ? "direct" :
	    cfg->parents[route].name;
	r->via.items[r->via.n++] = route;
	return 0;
}

/* via ROUTES */
static int
config_rule_via(struct parser *p, struct rule *r, char *list)
{
	r->has_via = 1;
	if (r->action == RULE_DENY)
		return config_error(p, "via: a deny rule makes no tunnel");
	return config_each_item(p, "via", list, r, config_via_item);
}

int
rule_allows_direct(const struct rule *r)
{
	size_t i;

	if (!r->has_via)
		return 1;
	for (i = 0; i < r->via.n; i++)
		if (r->via.items[i] == ROUTE_DIRECT)
			return 1;
	return 0;
}

/* The rule clauses: one row, one parse function and fields in struct
 * rule for each matcher. */
static const struct clause clauses[] = {
	{ "from", config_rule_from },
	{ "user", config_rule_user },
	{ "to", config_rule_to },
	{ "port", config_rule_port },
	{ "via", config_rule_via },
};

void
rule_free(struct rule *r)
{
	size_t i;

	free(r->from.cidrs);
	for (i = 0; i < r->users.nnames; i++)
		free(r->users.names[i]);
	free(r->users.names);
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
int
rule_parse(struct parser *p, char **argv, int argc)
{
	struct config *cfg = p->cfg;
	struct rule r, *grown;

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
	rule_free(&r);
	return -1;
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

/* Clauses in the order from, user, to, port, via; in each list any first, then
 * names, then addresses, then internal. */
size_t
config_format_rule(const struct rule *r, char *buf, size_t len)
{
	struct fmt f = { buf, len, 0 };
	size_t i;
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
	if (r->has_user) {
		first = 1;
		if (r->users.any)
			fmt_item(&f, &first, "user", "*");
		for (i = 0; i < r->users.nnames; i++)
			fmt_item(&f, &first, "user", r->users.names[i]);
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
	if (r->has_via) {
		first = 1;
		for (i = 0; i < r->via.n; i++)
			fmt_item(&f, &first, "via", r->via.names[i]);
	}
	if (len > 0)
		buf[f.need < len ? f.need : len - 1] = '\0';
	return f.need;
}

