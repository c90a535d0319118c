/* test_policy.c: table-driven tests of policy.c, with a fake resolver
 * (which counts its calls: a request is looked up at most once) and a
 * fake list of this host's addresses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netdb.h>
#include <stdio.h>
#include <crypt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "addr.h"
#include "config.h"
#include "policy.h"

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

/* The shipped default policy. */
#define DEFAULT_CONF "deny to internal\nallow from internal to any port 443\n"

/* What the fake DNS knows; any other name is 198.51.100.10. */
static const struct {
	const char *host;
	int rc;
	const char *addrs[3];
} dns[] = {
	{ "example.com", 0, { "93.184.216.34" } },
	{ "localhost", 0, { "127.0.0.1", "::1" } },
	{ "mixed.example", 0, { "93.184.216.34", "127.0.0.1" } },
	{ "mixed2.example", 0, { "93.184.216.34", "198.51.100.10" } },
	{ "nxdomain.example", EAI_NONAME, { NULL } },
	{ "servfail.example", EAI_AGAIN, { NULL } },
	{ "empty.example", 0, { NULL } },
	{ "self.example", 0, { "203.0.113.7" } },
	{ "nat64.example", 0, { "64:ff9b::7f00:1" } },
	{ "mapped.example", 0, { "::ffff:169.254.169.254" } },
	{ "compat.example", 0, { "::7f00:1" } },
	{ "v6.example", 0, { "2001:db8::1" } },
	{ "internal.corp", 0, { "10.1.2.3" } },
};

/* This host's own (public) addresses. */
static const char *const local_addrs[] = { "203.0.113.7", "2001:db8::7" };

struct fake {
	int calls;
};

static struct addr
parse_or_fail(const char *s)
{
	struct addr a;

	if (addr_parse(s, &a) != 0)
		fail_msg("test table: cannot parse '%s'", s);
	return a;
}

/* Names compare like DNS: case-insensitive, one trailing dot ignored. */
static int
same_name(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (n > 0 && a[n - 1] == '.')
		n--;
	return n == strlen(b) && strncasecmp(a, b, n) == 0;
}

static int
fake_resolve(void *ctx, const char *host, struct addr *out, size_t max,
	     size_t *n)
{
	struct fake *f = ctx;
	size_t i, k;

	f->calls++;
	*n = 0;
	for (i = 0; i < NROWS(dns); i++) {
		if (!same_name(host, dns[i].host))
			continue;
		for (k = 0; k < 3 && dns[i].addrs[k] != NULL && *n < max; k++)
			out[(*n)++] = parse_or_fail(dns[i].addrs[k]);
		return dns[i].rc;
	}
	out[(*n)++] = parse_or_fail("198.51.100.10");
	return 0;
}

static int
fake_is_local(void *ctx, const struct addr *a)
{
	struct addr l;
	size_t i;

	(void)ctx;
	for (i = 0; i < NROWS(local_addrs); i++) {
		l = parse_or_fail(local_addrs[i]);
		if (memcmp(&l, a, sizeof(l)) == 0)
			return 1;
	}
	return 0;
}

/* Rows before the user columns leave them out: zero is "no user". */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct row {
	const char *config;
	const char *client;   /* NULL: unknown */
	const char *host;     /* a name, or a literal's text */
	const char *literal;  /* the address when the text is not strict,
				 e.g. "127.1"; else derived from host */
	unsigned port;
	int allowed;
	unsigned rule;        /* line of out->rule; 0 = NULL */
	int calls;            /* resolver calls (0 or 1) */
	int resolve_error;
	const char *addrs;    /* "addr allow|deny LINE|-" joined by "; " */
	const char *user;     /* the authenticated user, NULL: none */
	int auth_needed;
};

/* Rules with users need an auth file; rows say AUTH for its line. */
#define AUTH "auth_file " AUTH_PATH "\n"
#define AUTH_PATH "/tmp/connectd-test-policy.users"
#define PARENT "parent corp proxy.corp.example:3128\n"


static const struct row rows[] = {
	/* The default policy. */
	{ DEFAULT_CONF, "10.0.0.5", "example.com", NULL, 443, 1, 2, 1, 0,
	  "93.184.216.34 allow 2" },
	{ DEFAULT_CONF, "10.0.0.5", "EXAMPLE.COM.", NULL, 443, 1, 2, 1, 0,
	  "93.184.216.34 allow 2" },
	{ DEFAULT_CONF, "10.0.0.5", "93.184.216.34", NULL, 443, 1, 2, 0, 0,
	  "93.184.216.34 allow 2" },
	{ DEFAULT_CONF, "10.0.0.5", "127.0.0.1", NULL, 443, 0, 1, 0, 0,
	  "127.0.0.1 deny 1" },
	{ DEFAULT_CONF, "10.0.0.5", "127.1", "127.0.0.1", 443, 0, 1, 0, 0,
	  "127.0.0.1 deny 1" },
	{ DEFAULT_CONF, "10.0.0.5", "localhost", NULL, 443, 0, 1, 1, 0,
	  "127.0.0.1 deny 1; ::1 deny 1" },
	{ DEFAULT_CONF, "10.0.0.5", "localhost.", NULL, 443, 0, 1, 1, 0,
	  "127.0.0.1 deny 1; ::1 deny 1" },
	{ DEFAULT_CONF, "10.0.0.5", "mixed.example", NULL, 443, 1, 2, 1, 0,
	  "93.184.216.34 allow 2; 127.0.0.1 deny 1" },
	{ DEFAULT_CONF, "10.0.0.5", "::ffff:127.0.0.1", NULL, 443, 0, 1, 0, 0,
	  "127.0.0.1 deny 1" },
	{ DEFAULT_CONF, "10.0.0.5", "64:ff9b::7f00:1", NULL, 443, 0, 1, 0, 0,
	  "64:ff9b::7f00:1 deny 1" },
	{ DEFAULT_CONF, "10.0.0.5", "nat64.example", NULL, 443, 0, 1, 1, 0,
	  "64:ff9b::7f00:1 deny 1" },
	{ DEFAULT_CONF, "10.0.0.5", "mapped.example", NULL, 443, 0, 1, 1, 0,
	  "169.254.169.254 deny 1" },
	{ DEFAULT_CONF, "10.0.0.5", "compat.example", NULL, 443, 0, 1, 1, 0,
	  "::127.0.0.1 deny 1" },
	{ DEFAULT_CONF, "10.0.0.5", "169.254.169.254", NULL, 443, 0, 1, 0, 0,
	  "169.254.169.254 deny 1" },
	{ DEFAULT_CONF, "10.0.0.5", "0.0.0.0", NULL, 443, 0, 1, 0, 0,
	  "0.0.0.0 deny 1" },
	{ DEFAULT_CONF, "10.0.0.5", "::", NULL, 443, 0, 1, 0, 0, ":: deny 1" },
	{ DEFAULT_CONF, "10.0.0.5", "fe80::1", NULL, 443, 0, 1, 0, 0,
	  "fe80::1 deny 1" },
	{ DEFAULT_CONF, "10.0.0.5", "example.com", NULL, 25, 0, 0, 1, 0,
	  "93.184.216.34 deny -" },
	{ DEFAULT_CONF, "10.0.0.5", "93.184.216.34", NULL, 25, 0, 0, 0, 0,
	  "93.184.216.34 deny -" },
	{ DEFAULT_CONF, "198.51.100.7", "example.com", NULL, 443, 0, 0, 1, 0,
	  "93.184.216.34 deny -" },
	{ DEFAULT_CONF, NULL, "example.com", NULL, 443, 0, 0, 1, 0,
	  "93.184.216.34 deny -" },
	{ DEFAULT_CONF, "::ffff:10.0.0.5", "example.com", NULL, 443, 1, 2, 1, 0,
	  "93.184.216.34 allow 2" },
	{ DEFAULT_CONF, "64:ff9b::a00:5", "example.com", NULL, 443, 1, 2, 1, 0,
	  "93.184.216.34 allow 2" },
	{ DEFAULT_CONF, "::1", "v6.example", NULL, 443, 1, 2, 1, 0,
	  "2001:db8::1 allow 2" },
	/* The client on this host's public address counts as internal. */
	{ DEFAULT_CONF, "203.0.113.7", "example.com", NULL, 443, 1, 2, 1, 0,
	  "93.184.216.34 allow 2" },
	/* This host's own addresses are internal targets. */
	{ DEFAULT_CONF, "10.0.0.5", "203.0.113.7", NULL, 443, 0, 1, 0, 0,
	  "203.0.113.7 deny 1" },
	{ DEFAULT_CONF, "10.0.0.5", "::ffff:203.0.113.7", NULL, 443, 0, 1, 0, 0,
	  "203.0.113.7 deny 1" },
	{ DEFAULT_CONF, "10.0.0.5", "2001:db8::7", NULL, 443, 0, 1, 0, 0,
	  "2001:db8::7 deny 1" },
	{ DEFAULT_CONF, "10.0.0.5", "self.example", NULL, 443, 0, 1, 1, 0,
	  "203.0.113.7 deny 1" },
	/* A name that does not resolve: deny to internal cannot catch it,
	 * the any rule allows the name and the caller answers 502/504. */
	{ DEFAULT_CONF, "10.0.0.5", "nxdomain.example", NULL, 443, 1, 2, 1,
	  EAI_NONAME, "" },
	{ DEFAULT_CONF, "10.0.0.5", "servfail.example", NULL, 443, 1, 2, 1,
	  EAI_AGAIN, "" },
	{ DEFAULT_CONF, "10.0.0.5", "empty.example", NULL, 443, 1, 2, 1,
	  EAI_NONAME, "" },
	{ DEFAULT_CONF, "10.0.0.5", "nxdomain.example", NULL, 25, 0, 0, 1,
	  EAI_NONAME, "" },
	{ "deny to internal\n", "10.0.0.5", "nxdomain.example", NULL, 443, 0, 0,
	  1, EAI_NONAME, "" },
	{ "allow to 10.0.0.0/8\n", "10.0.0.5", "nxdomain.example", NULL, 443, 0,
	  0, 1, EAI_NONAME, "" },
	{ "deny to internal\ndeny to any\n", "10.0.0.5", "nxdomain.example",
	  NULL, 443, 0, 2, 1, EAI_NONAME, "" },
	/* Allowed by name before any lookup: resolved once afterwards. */
	{ "allow to any\n", NULL, "nxdomain.example", NULL, 443, 1, 1, 1,
	  EAI_NONAME, "" },
	{ "allow\n", NULL, "localhost", NULL, 22, 1, 1, 1, 0,
	  "127.0.0.1 allow 1; ::1 allow 1" },

	/* Suffix matching on label boundaries. */
	{ "allow to .trusted.net port 443\nallow to exact.org port 443\n",
	  NULL, "trusted.net", NULL, 443, 1, 1, 1, 0, "198.51.100.10 allow 1" },
	{ "allow to .trusted.net port 443\nallow to exact.org port 443\n",
	  NULL, "a.b.trusted.net", NULL, 443, 1, 1, 1, 0,
	  "198.51.100.10 allow 1" },
	{ "allow to .trusted.net port 443\nallow to exact.org port 443\n",
	  NULL, "A.Trusted.Net.", NULL, 443, 1, 1, 1, 0,
	  "198.51.100.10 allow 1" },
	{ "allow to .trusted.net port 443\nallow to exact.org port 443\n",
	  NULL, "untrusted.net", NULL, 443, 0, 0, 0, 0, "" },
	{ "allow to .trusted.net port 443\nallow to exact.org port 443\n",
	  NULL, "xtrusted.net", NULL, 443, 0, 0, 0, 0, "" },
	{ "allow to .trusted.net port 443\nallow to exact.org port 443\n",
	  NULL, "trusted.net.evil.com", NULL, 443, 0, 0, 0, 0, "" },
	{ "allow to .trusted.net port 443\nallow to exact.org port 443\n",
	  NULL, "net", NULL, 443, 0, 0, 0, 0, "" },
	{ "allow to .trusted.net port 443\nallow to exact.org port 443\n",
	  NULL, "trusted.net", NULL, 80, 0, 0, 0, 0, "" },
	{ "allow to .trusted.net port 443\nallow to exact.org port 443\n",
	  NULL, "exact.org", NULL, 443, 1, 2, 1, 0, "198.51.100.10 allow 2" },
	{ "allow to .trusted.net port 443\nallow to exact.org port 443\n",
	  NULL, "exact.org.", NULL, 443, 1, 2, 1, 0, "198.51.100.10 allow 2" },
	{ "allow to .trusted.net port 443\nallow to exact.org port 443\n",
	  NULL, "www.exact.org", NULL, 443, 0, 0, 0, 0, "" },
	{ "allow to .trusted.net port 443\nallow to exact.org port 443\n",
	  NULL, "198.51.100.10", NULL, 443, 0, 0, 0, 0, "198.51.100.10 deny -" },

	/* Name rules never match IP literals. */
	{ "allow to example.com\n", NULL, "93.184.216.34", NULL, 443, 0, 0, 0, 0,
	  "93.184.216.34 deny -" },
	{ "allow to example.com\n", NULL, "example.com", NULL, 443, 1, 1, 1, 0,
	  "93.184.216.34 allow 1" },
	{ "allow to 93.184.216.0/24\n", NULL, "93.184.216.34", NULL, 443, 1, 1,
	  0, 0, "93.184.216.34 allow 1" },
	{ "allow to 93.184.216.0/24\n", NULL, "example.com", NULL, 443, 1, 1, 1,
	  0, "93.184.216.34 allow 1" },
	{ "allow to 93.184.216.0/24\n", NULL, "mixed2.example", NULL, 443, 1, 1,
	  1, 0, "93.184.216.34 allow 1; 198.51.100.10 deny -" },
	{ "allow to ::ffff:93.184.216.34\n", NULL, "64:ff9b::5db8:d822", NULL,
	  443, 1, 1, 0, 0, "64:ff9b::5db8:d822 allow 1" },

	/* First match wins. */
	{ "allow to internal.corp port 443\ndeny to internal\n"
	  "allow to 10.1.0.0/16\nallow to any\n",
	  NULL, "internal.corp", NULL, 443, 1, 1, 1, 0, "10.1.2.3 allow 1" },
	{ "allow to internal.corp port 443\ndeny to internal\n"
	  "allow to 10.1.0.0/16\nallow to any\n",
	  NULL, "internal.corp", NULL, 80, 0, 2, 1, 0, "10.1.2.3 deny 2" },
	{ "allow to internal.corp port 443\ndeny to internal\n"
	  "allow to 10.1.0.0/16\nallow to any\n",
	  NULL, "10.1.2.3", NULL, 443, 0, 2, 0, 0, "10.1.2.3 deny 2" },
	{ "allow to internal.corp port 443\ndeny to internal\n"
	  "allow to 10.1.0.0/16\nallow to any\n",
	  NULL, "example.com", NULL, 443, 1, 4, 1, 0, "93.184.216.34 allow 4" },
	{ "allow to 10.1.0.0/16\ndeny to internal\nallow to any\n",
	  NULL, "10.1.2.3", NULL, 443, 1, 1, 0, 0, "10.1.2.3 allow 1" },
	{ "allow to 10.1.0.0/16\ndeny to internal\nallow to any\n",
	  NULL, "10.2.0.1", NULL, 443, 0, 2, 0, 0, "10.2.0.1 deny 2" },
	{ "deny to 93.184.216.0/24\nallow to any\n", NULL, "example.com", NULL,
	  443, 0, 1, 1, 0, "93.184.216.34 deny 1" },
	{ "deny to 93.184.216.0/24\nallow to any\n", NULL, "mixed2.example",
	  NULL, 443, 1, 2, 1, 0, "93.184.216.34 deny 1; 198.51.100.10 allow 2" },
	{ "deny port 25\nallow\n", NULL, "example.com", NULL, 25, 0, 1, 0, 0,
	  "" },
	{ "deny port 25\nallow\n", NULL, "example.com", NULL, 587, 1, 2, 1, 0,
	  "93.184.216.34 allow 2" },

	/* Denied by name: no lookup at all. */
	{ "deny to .evil.example\ndeny to internal\nallow to any\n", NULL,
	  "www.evil.example", NULL, 443, 0, 1, 0, 0, "" },
	{ "deny to .evil.example\ndeny to internal\nallow to any\n", NULL,
	  "evil.example", NULL, 443, 0, 1, 0, 0, "" },
	{ "deny to .evil.example\ndeny to internal\nallow to any\n", NULL,
	  "good.example", NULL, 443, 1, 3, 1, 0, "198.51.100.10 allow 3" },
	{ "deny to .evil.example\ndeny to internal\nallow to any\n", NULL,
	  "localhost", NULL, 443, 0, 2, 1, 0, "127.0.0.1 deny 2; ::1 deny 2" },
	{ "", NULL, "example.com", NULL, 443, 0, 0, 0, 0, "" },
	{ "", NULL, "127.0.0.1", NULL, 443, 0, 0, 0, 0, "127.0.0.1 deny -" },

	/* The from part. */
	{ "allow from 192.0.2.0/24\n", "192.0.2.9", "example.com", NULL, 443, 1,
	  1, 1, 0, "93.184.216.34 allow 1" },
	{ "allow from 192.0.2.0/24\n", "::ffff:192.0.2.9", "example.com", NULL,
	  443, 1, 1, 1, 0, "93.184.216.34 allow 1" },
	{ "allow from 192.0.2.0/24\n", "64:ff9b::c000:209", "example.com", NULL,
	  443, 1, 1, 1, 0, "93.184.216.34 allow 1" },
	{ "allow from 192.0.2.0/24\n", "192.0.3.1", "example.com", NULL, 443, 0,
	  0, 0, 0, "" },
	{ "allow from 192.0.2.0/24\n", NULL, "example.com", NULL, 443, 0, 0, 0,
	  0, "" },
	{ "allow from any\n", NULL, "example.com", NULL, 443, 1, 1, 1, 0,
	  "93.184.216.34 allow 1" },
	{ "allow from internal\n", NULL, "example.com", NULL, 443, 0, 0, 0, 0,
	  "" },
	{ "allow from 2001:db8::/32,internal\n", "2001:db8::99", "example.com",
	  NULL, 443, 1, 1, 1, 0, "93.184.216.34 allow 1" },
	{ "allow from 2001:db8::/32,internal\n", "fd00::1", "example.com",
	  NULL, 443, 1, 1, 1, 0, "93.184.216.34 allow 1" },
	{ "allow from 2001:db8::/32,internal\n", "2001:db9::1", "example.com",
	  NULL, 443, 0, 0, 0, 0, "" },
	/* Users (issue 3): a rule with a user part matches authenticated
	 * requests only; an allow rule that would match with credentials
	 * makes a denial a 407 (auth_needed), a deny rule never does. The
	 * auth file is on line 1, so rules start on line 2. */
	{ AUTH "allow user alice to 93.184.216.34\n", "10.0.0.5",
	  "93.184.216.34", NULL, 443, 1, 2, 0, 0, "93.184.216.34 allow 2",
	  "alice", 0 },
	{ AUTH "allow user alice to 93.184.216.34\n", "10.0.0.5",
	  "93.184.216.34", NULL, 443, 0, 0, 0, 0, "93.184.216.34 deny -",
	  NULL, 1 },
	{ AUTH "allow user alice to 93.184.216.34\n", "10.0.0.5",
	  "93.184.216.34", NULL, 443, 0, 0, 0, 0, "93.184.216.34 deny -",
	  "bob", 0 },
	{ AUTH "allow user * to .example.com\n", "10.0.0.5", "example.com",
	  NULL, 443, 1, 2, 1, 0, "93.184.216.34 allow 2", "bob", 0 },
	{ AUTH "allow user * to .example.com\n", "10.0.0.5", "example.com",
	  NULL, 443, 0, 0, 0, 0, "", NULL, 1 },
	/* The user rule does not cover the target: 403, not 407. */
	{ AUTH "allow user * to .example.org\n", "10.0.0.5", "example.com",
	  NULL, 443, 0, 0, 0, 0, "", NULL, 0 },
	{ AUTH "allow user * port 443\n", "10.0.0.5", "example.com",
	  NULL, 22, 0, 0, 0, 0, "", NULL, 0 },
	/* A deny rule with users cannot be helped by credentials. */
	{ AUTH "deny user bob to any\n", "10.0.0.5", "example.com",
	  NULL, 443, 0, 0, 0, 0, "", NULL, 0 },
	/* First match wins across user and plain rules. */
	{ AUTH "deny to internal\nallow from internal user alice,bob to any "
	  "port 443\n", "10.0.0.5", "localhost", NULL, 443, 0, 2, 1, 0,
	  "127.0.0.1 deny 2; ::1 deny 2", "alice", 0 },
	{ AUTH "deny to internal\nallow from internal user alice,bob to any "
	  "port 443\n", "10.0.0.5", "example.com", NULL, 443, 1, 3, 1, 0,
	  "93.184.216.34 allow 3", "bob", 0 },
	{ AUTH "deny to internal\nallow from internal user alice,bob to any "
	  "port 443\n", "10.0.0.5", "example.com", NULL, 443, 0, 0, 1, 0,
	  "93.184.216.34 deny -", NULL, 1 },
	{ AUTH "deny to internal\nallow from internal user alice,bob to any "
	  "port 443\n", "192.0.2.1", "example.com", NULL, 443, 0, 0, 1, 0,
	  "93.184.216.34 deny -", NULL, 0 },
	/* An address rule with users resolves to tell 407 from 403. */
	{ AUTH "allow user alice to 93.184.216.0/24\n", "10.0.0.5",
	  "example.com", NULL, 443, 0, 0, 1, 0, "93.184.216.34 deny -", NULL, 1 },
	{ AUTH "allow user alice to 10.0.0.0/8\n", "10.0.0.5",
	  "example.com", NULL, 443, 0, 0, 1, 0, "93.184.216.34 deny -", NULL, 0 },
	/* Parents (issue 4): line 1 declares the parent. A via-only rule
	 * decided by name leaves the name unresolved for the parent; address
	 * matchers still resolve first, so deny to internal holds. */
	{ PARENT "allow to .corp.example via corp\n", "10.0.0.5",
	  "www.corp.example", NULL, 443, 1, 2, 0, 0, "" },
	{ PARENT "deny to internal\nallow to any via corp\n", "10.0.0.5",
	  "internal.corp", NULL, 443, 0, 2, 1, 0, "10.1.2.3 deny 2" },
	{ PARENT "deny to internal\nallow to any via corp\n", "10.0.0.5",
	  "nxdomain.example", NULL, 443, 1, 3, 1, EAI_NONAME, "" },
	{ PARENT "deny to internal\nallow to any via corp\n", "10.0.0.5",
	  "example.com", NULL, 443, 1, 3, 1, 0, "93.184.216.34 allow 3" },
	/* via with direct: the name is resolved for the direct route. */
	{ PARENT "allow to .example.com via corp,direct\n", "10.0.0.5",
	  "example.com", NULL, 443, 1, 2, 1, 0, "93.184.216.34 allow 2" },
	{ PARENT "allow to 93.184.216.0/24\nallow to any via corp\n",
	  "10.0.0.5", "mixed.example", NULL, 443, 1, 2, 1, 0,
	  "93.184.216.34 allow 2; 127.0.0.1 allow 3" },
};

/* "addr allow|deny LINE|-; ..." for the addresses in out. */
static void
describe(const struct policy_result *out, char *buf, size_t len)
{
	char text[ADDR_TEXT_MAX], line[16];
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < out->naddrs && n < len; i++) {
		addr_format(&out->addrs[i].addr, text, sizeof(text));
		if (out->addrs[i].rule != NULL)
			snprintf(line, sizeof(line), "%u", out->addrs[i].rule->line);
		else
			snprintf(line, sizeof(line), "-");
		n += (size_t)snprintf(buf + n, len - n, "%s%s %s %s",
		    i > 0 ? "; " : "", text,
		    out->addrs[i].allowed ? "allow" : "deny", line);
	}
}

static void
run_row(size_t i, const struct row *row)
{
	char err[CONFIG_ERROR_MAX], got[512];
	struct fake fake = { 0 };
	struct policy_env env = { fake_resolve, fake_is_local, &fake };
	struct policy_input in;
	struct policy_result out;
	struct addr literal;
	struct config cfg;

	config_defaults(&cfg);
	if (config_parse("test.conf", row->config, strlen(row->config), &cfg,
	    err, sizeof(err)) != 0)
		fail_msg("row %zu: %s", i, err);
	memset(&in, 0, sizeof(in));
	in.user = row->user;
	in.has_client = row->client != NULL;
	if (row->client != NULL)
		in.client = parse_or_fail(row->client);
	in.host = row->host;
	in.port = row->port;
	if (row->literal != NULL || addr_parse(row->host, &literal) == 0) {
		if (row->literal != NULL)
			literal = parse_or_fail(row->literal);
		in.literal = &literal;
	} else {
		in.host_is_name = 1;
	}
	policy_decide(&cfg, &in, &env, &out);
	describe(&out, got, sizeof(got));
	if (out.allowed != row->allowed ||
	    (out.rule != NULL ? out.rule->line : 0) != row->rule ||
	    fake.calls != row->calls || out.resolved != row->calls ||
	    out.resolve_error != row->resolve_error ||
	    out.auth_needed != row->auth_needed ||
	    strcmp(got, row->addrs) != 0)
		fail_msg("row %zu (%s:%u): allowed %d rule %u calls %d resolved "
		    "%d error %d auth_needed %d addrs \"%s\"", i, row->host,
		    row->port, out.allowed, out.rule != NULL ? out.rule->line : 0,
		    fake.calls, out.resolved, out.resolve_error, out.auth_needed,
		    got);
	config_free(&cfg);
}

static void
test_policy_decide(void **state)
{
	FILE *f = fopen(AUTH_PATH, "w");
	size_t i;

	(void)state;
	/* Who is in the file does not matter here: policy sees only the
	 * user that main.c checked. */
	assert_non_null(f);
	fprintf(f, "alice:%s\n", crypt("secret", "$5$saltsalt$"));
	fclose(f);
	for (i = 0; i < NROWS(rows); i++)
		run_row(i, &rows[i]);
	unlink(AUTH_PATH);
}

/* Without a resolver or a local-address check (env NULL). */
static void
test_policy_no_env(void **state)
{
	char err[CONFIG_ERROR_MAX];
	struct policy_input in;
	struct policy_result out;
	struct config cfg;
	struct addr a = parse_or_fail("203.0.113.7");

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_parse("test.conf", DEFAULT_CONF,
	    strlen(DEFAULT_CONF), &cfg, err, sizeof(err)), 0);
	memset(&in, 0, sizeof(in));
	in.has_client = 1;
	in.client = parse_or_fail("10.0.0.5");
	in.host = "example.com";
	in.host_is_name = 1;
	in.port = 443;
	policy_decide(&cfg, &in, NULL, &out);
	assert_int_equal(out.allowed, 1);
	assert_int_equal(out.resolve_error, EAI_NONAME);
	assert_int_equal(out.naddrs, 0);

	/* Not local without is_local: a public literal is allowed. */
	in.host = "203.0.113.7";
	in.host_is_name = 0;
	in.literal = &a;
	policy_decide(&cfg, &in, NULL, &out);
	assert_int_equal(out.allowed, 1);
	assert_int_equal(out.naddrs, 1);

	/* A literal given only as text is still checked. */
	in.host = "127.0.0.1";
	in.literal = NULL;
	policy_decide(&cfg, &in, NULL, &out);
	assert_int_equal(out.allowed, 0);
	assert_int_equal(out.rule->line, 1);
	config_free(&cfg);
}

static const struct {
	const char *pattern;
	int suffix;
	const char *host;
	int match;
} name_rows[] = {
	{ "example.com", 0, "example.com", 1 },
	{ "example.com", 0, "EXAMPLE.Com", 1 },
	{ "example.com", 0, "example.com.", 1 },
	{ "example.com", 0, "example.com..", 0 },
	{ "example.com", 0, "www.example.com", 0 },
	{ "example.com", 0, "xexample.com", 0 },
	{ "example.com", 0, "example.co", 0 },
	{ "example.com", 0, "example.com.evil", 0 },
	{ "example.com", 0, "", 0 },
	{ "trusted.net", 1, "trusted.net", 1 },
	{ "trusted.net", 1, "trusted.net.", 1 },
	{ "trusted.net", 1, "a.trusted.net", 1 },
	{ "trusted.net", 1, "a.b.TRUSTED.NET.", 1 },
	{ "trusted.net", 1, "untrusted.net", 0 },
	{ "trusted.net", 1, ".untrusted.net", 0 },
	{ "trusted.net", 1, "trusted.net.evil.com", 0 },
	{ "trusted.net", 1, "rusted.net", 0 },
	{ "trusted.net", 1, "net", 0 },
	{ "trusted.net", 1, ".trusted.net", 1 },  /* empty label: a parser's job */
	{ "trusted.net", 1, "", 0 },
	{ "trusted.net", 1, ".", 0 },
	{ "com", 1, "example.com", 1 },
	{ "com", 1, "examplecom", 0 },
	{ "", 0, "", 0 },
	{ "", 1, "example.com", 0 },
};

static void
test_policy_name_matches(void **state)
{
	struct name_pattern p;
	char name[64];
	size_t i;

	(void)state;
	for (i = 0; i < NROWS(name_rows); i++) {
		snprintf(name, sizeof(name), "%s", name_rows[i].pattern);
		p.name = name;
		p.suffix = name_rows[i].suffix;
		if (policy_name_matches(&p, name_rows[i].host) !=
		    name_rows[i].match)
			fail_msg("%s%s vs %s: want %d", p.suffix ? "." : "",
			    p.name, name_rows[i].host, name_rows[i].match);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_decide),
		cmocka_unit_test(test_policy_no_env),
		cmocka_unit_test(test_policy_name_matches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
