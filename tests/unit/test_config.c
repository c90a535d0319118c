/* test_config.c: table-driven tests of config.c: directives, errors with
 * their exact text, quoting, comments, include, and format round trips. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

static int
parse(const char *text, struct config *cfg, char *err)
{
	config_defaults(cfg);
	err[0] = '\0';
	return config_parse("test.conf", text, strlen(text), cfg, err,
	    CONFIG_ERROR_MAX);
}

static void
test_defaults(void **state)
{
	struct config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(cfg.request_timeout_ms, 10000);
	assert_int_equal(cfg.connect_timeout_ms, 10000);
	assert_int_equal(cfg.idle_timeout_ms, 600000);
	assert_int_equal(cfg.max_lifetime_ms, 0);
	assert_int_equal(cfg.half_close, 1);
	assert_int_equal(cfg.half_close_timeout_ms, 30000);
	assert_int_equal(cfg.nrules, 0);
	config_free(&cfg);
	config_free(&cfg);  /* idempotent */
}

/* An empty text, even with no buffer behind it (the fuzzer's first
 * input; the parse copies the text before splitting it in place). */
static void
test_empty(void **state)
{
	struct config cfg;
	char err[CONFIG_ERROR_MAX];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_parse("empty.conf", NULL, 0, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.nrules, 0);
	config_free(&cfg);
	assert_int_equal(config_parse("empty.conf", "", 0, &cfg, err, sizeof(err)), 0);
	config_free(&cfg);
}

#define FIELD(f) offsetof(struct config, f)

/* Valid settings: the field they set and the value it gets. */
static const struct {
	const char *text;
	size_t field;
	unsigned value;
} setting_rows[] = {
	{ "request_timeout 5", FIELD(request_timeout_ms), 5000 },
	{ "request_timeout 250ms", FIELD(request_timeout_ms), 250 },
	{ "request_timeout 1ms", FIELD(request_timeout_ms), 1 },
	{ "request_timeout 2m", FIELD(request_timeout_ms), 120000 },
	{ "request_timeout 1h", FIELD(request_timeout_ms), 3600000 },
	{ "connect_timeout 30s", FIELD(connect_timeout_ms), 30000 },
	{ "connect_timeout 604800", FIELD(connect_timeout_ms), 604800000 },
	{ "idle_timeout 0", FIELD(idle_timeout_ms), 0 },
	{ "idle_timeout 0s", FIELD(idle_timeout_ms), 0 },
	{ "idle_timeout 10080m", FIELD(idle_timeout_ms), 604800000 },
	{ "max_lifetime 168h", FIELD(max_lifetime_ms), 604800000 },
	{ "max_lifetime 604800000ms", FIELD(max_lifetime_ms), 604800000 },
	{ "half_close_timeout 0", FIELD(half_close_timeout_ms), 0 },
	{ "half_close_timeout 45", FIELD(half_close_timeout_ms), 45000 },
	{ "half_close no", FIELD(half_close), 0 },
	{ "half_close no\nhalf_close yes", FIELD(half_close), 1 },
	{ "request_timeout 5\nrequest_timeout 7", FIELD(request_timeout_ms), 7000 },
	{ "\"request_timeout\" \"3\"", FIELD(request_timeout_ms), 3000 },
	{ "\trequest_timeout\t4\t# four", FIELD(request_timeout_ms), 4000 },
	{ "request_timeout 6#six", FIELD(request_timeout_ms), 6000 },
	{ "request_timeout 8\r\n", FIELD(request_timeout_ms), 8000 },
	{ "# comment\n\n   \n\t\nrequest_timeout 9\n", FIELD(request_timeout_ms),
	  9000 },
	{ "request_timeout 9", FIELD(request_timeout_ms), 9000 }, /* no LF */
};

static void
test_settings(void **state)
{
	char err[CONFIG_ERROR_MAX];
	struct config cfg;
	unsigned got;
	size_t i;

	(void)state;
	for (i = 0; i < NROWS(setting_rows); i++) {
		if (parse(setting_rows[i].text, &cfg, err) != 0)
			fail_msg("row %zu: %s", i, err);
		if (setting_rows[i].field == FIELD(half_close))
			got = (unsigned)cfg.half_close;
		else
			memcpy(&got, (char *)&cfg + setting_rows[i].field,
			    sizeof(got));
		if (got != setting_rows[i].value)
			fail_msg("row %zu (%s): got %u", i, setting_rows[i].text,
			    got);
		config_free(&cfg);
	}
}

/* Bad input and the exact message it gets. */
static const struct {
	const char *text;
	const char *err;
} error_rows[] = {
	{ "frobnicate 1", "test.conf:1: unknown directive 'frobnicate'" },
	{ "\n\n  bogus", "test.conf:3: unknown directive 'bogus'" },
	{ "request_timeout 5\r\nRequest_timeout 5",
	  "test.conf:2: unknown directive 'Request_timeout'" },
	{ "request_timeout",
	  "test.conf:1: request_timeout: missing argument (usage: "
	  "request_timeout DURATION)" },
	{ "request_timeout 5 6",
	  "test.conf:1: request_timeout: unexpected argument '6' (usage: "
	  "request_timeout DURATION)" },
	{ "request_timeout 0", "test.conf:1: request_timeout: must be more than 0" },
	{ "connect_timeout 0ms", "test.conf:1: connect_timeout: must be more than 0" },
	{ "idle_timeout 10x",
	  "test.conf:1: idle_timeout: invalid duration '10x' (expected a number "
	  "and an optional unit: ms, s, m or h)" },
	{ "idle_timeout -1",
	  "test.conf:1: idle_timeout: invalid duration '-1' (expected a number "
	  "and an optional unit: ms, s, m or h)" },
	{ "idle_timeout +1",
	  "test.conf:1: idle_timeout: invalid duration '+1' (expected a number "
	  "and an optional unit: ms, s, m or h)" },
	{ "idle_timeout 010",
	  "test.conf:1: idle_timeout: invalid duration '010' (expected a number "
	  "and an optional unit: ms, s, m or h)" },
	{ "idle_timeout 1.5s",
	  "test.conf:1: idle_timeout: invalid duration '1.5s' (expected a number "
	  "and an optional unit: ms, s, m or h)" },
	{ "idle_timeout s",
	  "test.conf:1: idle_timeout: invalid duration 's' (expected a number "
	  "and an optional unit: ms, s, m or h)" },
	{ "idle_timeout 5S",
	  "test.conf:1: idle_timeout: invalid duration '5S' (expected a number "
	  "and an optional unit: ms, s, m or h)" },
	{ "idle_timeout \"\"",
	  "test.conf:1: idle_timeout: invalid duration '' (expected a number "
	  "and an optional unit: ms, s, m or h)" },
	{ "max_lifetime 169h",
	  "test.conf:1: max_lifetime: duration '169h' is too long (at most 7 days)" },
	{ "max_lifetime 604800001ms",
	  "test.conf:1: max_lifetime: duration '604800001ms' is too long (at most "
	  "7 days)" },
	{ "max_lifetime 99999999999999999999999999",
	  "test.conf:1: max_lifetime: duration '99999999999999999999999999' is "
	  "too long (at most 7 days)" },
	{ "half_close maybe",
	  "test.conf:1: half_close: expected yes or no, not 'maybe'" },
	{ "half_close YES", "test.conf:1: half_close: expected yes or no, not 'YES'" },
	{ "half_close",
	  "test.conf:1: half_close: missing argument (usage: half_close yes|no)" },
	{ "include", "test.conf:1: include: missing argument (usage: include GLOB)" },
	{ "include a b",
	  "test.conf:1: include: unexpected argument 'b' (usage: include GLOB)" },
	{ "include \"\"", "test.conf:1: include: empty file name" },
	/* rules */
	{ "allow from", "test.conf:1: allow: missing list after 'from'" },
	{ "deny to a.com port", "test.conf:1: deny: missing list after 'port'" },
	{ "allow user bob",
	  "test.conf:1: user: no auth_file is configured to check users against" },
	{ "allow via corp",
	  "test.conf:1: via: unknown parent 'corp' (declare it with parent NAME HOST:PORT above the rule)" },
	{ "allow over corp",
	  "test.conf:1: unknown rule clause 'over' (expected from, user, to, port or via)" },
	{ "parent corp proxy.example:3128\ndeny via corp",
	  "test.conf:2: via: a deny rule makes no tunnel" },
	{ "parent corp proxy.example:3128\nallow via corp,corp",
	  "test.conf:2: via: 'corp' is listed twice" },
	{ "parent corp proxy.example:3128\nparent corp other.example:3128",
	  "test.conf:2: parent: 'corp' is already defined at test.conf:1" },
	{ "parent corp proxy.example",
	  "test.conf:1: parent: invalid address 'proxy.example' (expected host:port, with IPv6 in brackets)" },
	{ "parent corp ::1:3128",
	  "test.conf:1: parent: invalid address '::1:3128' (expected host:port, with IPv6 in brackets)" },
	{ "parent direct proxy.example:3128",
	  "test.conf:1: parent: invalid name 'direct' (letters, digits, '-' and '_'; not 'direct')" },
	{ "parent corp proxy.example:3128 creds x",
	  "test.conf:1: parent: usage: parent NAME HOST:PORT [credentials FILE]" },
	{ "parent corp proxy.example:3128 credentials /nonexistent",
	  "test.conf:1: parent: cannot open credentials file '/nonexistent': No such file or directory" },
	{ "allow user bob:x",
	  "test.conf:1: user: invalid user name 'bob:x'" },
	/* Found by fuzz_config: a quoted name -t could not print back. */
	{ "allow user \"a#b\"",
	  "test.conf:1: user: invalid user name 'a#b'" },
	{ "allow user \" \"",
	  "test.conf:1: user: invalid user name ' '" },
	{ "allow user a,,b",
	  "test.conf:1: user: empty item in list (check for a leading, trailing or double comma)" },
	{ "realm \"a\\\"b\"",
	  "test.conf:1: realm: quotes, backslashes and control characters are not allowed" },
	{ "realm",
	  "test.conf:1: realm: missing argument (usage: realm TEXT)" },
	{ "auth_file /nonexistent/users",
	  "test.conf:1: auth_file: /nonexistent/users: cannot open: No such file or directory" },
	{ "client_address tcp",
	  "test.conf:1: client_address: expected socket or env, not 'tcp'" },
	{ "proxy_protocol 10.0.0.1",
	  "test.conf:1: proxy_protocol: usage: proxy_protocol from ADDRS" },
	{ "proxy_protocol from 10.0.0.1/8",
	  "test.conf:1: from: '10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)" },
	{ "proxy_protocol from 10.0.0.1\nproxy_protocol from 10.0.0.2",
	  "test.conf:2: proxy_protocol: given twice (list every load balancer in one line)" },
	{ "deny via parent",
	  "test.conf:1: via: a deny rule makes no tunnel" },
	{ "allow to a.com b.com",
	  "test.conf:1: unknown rule clause 'b.com' (expected from, user, to, port or via)" },
	{ "allow To a.com",
	  "test.conf:1: unknown rule clause 'To' (expected from, user, to, port or via)" },
	{ "allow to a.com to b.com",
	  "test.conf:1: allow: 'to' given twice in one rule" },
	{ "deny from any port 1 from internal",
	  "test.conf:1: deny: 'from' given twice in one rule" },
	{ "allow to a.com,",
	  "test.conf:1: to: empty item in list (check for a leading, trailing or "
	  "double comma)" },
	{ "allow to a.com,,b.com",
	  "test.conf:1: to: empty item in list (check for a leading, trailing or "
	  "double comma)" },
	{ "allow from ,10.0.0.0/8",
	  "test.conf:1: from: empty item in list (check for a leading, trailing or "
	  "double comma)" },
	{ "allow to \"\"",
	  "test.conf:1: to: empty item in list (check for a leading, trailing or "
	  "double comma)" },
	{ "allow port 443,",
	  "test.conf:1: port: empty item in list (check for a leading, trailing or "
	  "double comma)" },
	{ "allow from 10.0.0.1/8",
	  "test.conf:1: from: '10.0.0.1/8' has host bits set (did you mean "
	  "10.0.0.0/8?)" },
	{ "allow to 2001:db8::1/32",
	  "test.conf:1: to: '2001:db8::1/32' has host bits set (did you mean "
	  "2001:db8::/32?)" },
	{ "allow to 10.0.0.0/33",
	  "test.conf:1: to: invalid prefix length in '10.0.0.0/33' (expected 0 "
	  "to 32)" },
	{ "allow from ::1/129",
	  "test.conf:1: from: invalid prefix length in '::1/129' (expected 0 to "
	  "128)" },
	{ "allow from 10.0.0.0/08",
	  "test.conf:1: from: invalid prefix length in '10.0.0.0/08' (expected 0 "
	  "to 32)" },
	{ "allow to 127.1",
	  "test.conf:1: to: invalid IPv4 address '127.1' (expected four decimal "
	  "numbers, such as 192.0.2.1)" },
	{ "allow to 0x7f.1",
	  "test.conf:1: to: invalid IPv4 address '0x7f.1' (expected four decimal "
	  "numbers, such as 192.0.2.1)" },
	{ "allow to 2130706433",
	  "test.conf:1: to: invalid IPv4 address '2130706433' (expected four "
	  "decimal numbers, such as 192.0.2.1)" },
	{ "allow to 1.2.3.4.",
	  "test.conf:1: to: invalid IPv4 address '1.2.3.4.' (expected four "
	  "decimal numbers, such as 192.0.2.1)" },
	{ "allow to example.0x1F",
	  "test.conf:1: to: invalid IPv4 address 'example.0x1F' (expected four "
	  "decimal numbers, such as 192.0.2.1)" },
	{ "allow to [::1]", "test.conf:1: to: invalid IPv6 address '[::1]'" },
	{ "allow from fe80::1%eth0",
	  "test.conf:1: from: invalid IPv6 address 'fe80::1%eth0'" },
	{ "allow from localhost",
	  "test.conf:1: from: 'localhost' is not an address, a CIDR, any or "
	  "internal" },
	{ "allow to *.example.com",
	  "test.conf:1: to: '*.example.com': wildcards are not supported (use "
	  ".example.com for a name and every name below it)" },
	{ "allow to exa*mple.com",
	  "test.conf:1: to: 'exa*mple.com': wildcards are not supported (use "
	  ".example.com for a name and every name below it)" },
	{ "allow to a..b", "test.conf:1: to: invalid host name 'a..b' (empty label)" },
	{ "allow to ..a", "test.conf:1: to: invalid host name '..a' (empty label)" },
	{ "allow to a.com..",
	  "test.conf:1: to: invalid host name 'a.com..' (empty label)" },
	{ "allow to .", "test.conf:1: to: invalid host name '.' (empty name)" },
	{ "allow to -a.com",
	  "test.conf:1: to: invalid host name '-a.com' (label starts or ends "
	  "with '-')" },
	{ "allow to a-.com",
	  "test.conf:1: to: invalid host name 'a-.com' (label starts or ends "
	  "with '-')" },
	{ "allow to exam!ple.com",
	  "test.conf:1: to: invalid host name 'exam!ple.com' (only letters, "
	  "digits, '-', '_' and '.' allowed)" },
	{ "allow to \"a#b\"",
	  "test.conf:1: to: invalid host name 'a#b' (only letters, digits, '-', "
	  "'_' and '.' allowed)" },
	{ "allow to \"a\\\\b\"",
	  "test.conf:1: to: invalid host name 'a\\b' (only letters, digits, '-', "
	  "'_' and '.' allowed)" },
	{ "allow to \"a b\"",
	  "test.conf:1: to: invalid host name 'a b' (only letters, digits, '-', "
	  "'_' and '.' allowed)" },
	{ "allow port 0",
	  "test.conf:1: port: invalid port '0' (expected 1 to 65535, a range "
	  "N-M, or any)" },
	{ "allow port 65536",
	  "test.conf:1: port: invalid port '65536' (expected 1 to 65535, a range "
	  "N-M, or any)" },
	{ "allow port 443-",
	  "test.conf:1: port: invalid port '443-' (expected 1 to 65535, a range "
	  "N-M, or any)" },
	{ "allow port -443",
	  "test.conf:1: port: invalid port '-443' (expected 1 to 65535, a range "
	  "N-M, or any)" },
	{ "allow port 0-10",
	  "test.conf:1: port: invalid port '0-10' (expected 1 to 65535, a range "
	  "N-M, or any)" },
	{ "allow port 1-2-3",
	  "test.conf:1: port: invalid port '1-2-3' (expected 1 to 65535, a range "
	  "N-M, or any)" },
	{ "allow port https",
	  "test.conf:1: port: invalid port 'https' (expected 1 to 65535, a range "
	  "N-M, or any)" },
	{ "allow port 0443",
	  "test.conf:1: port: invalid port '0443' (expected 1 to 65535, a range "
	  "N-M, or any)" },
	{ "allow port 100-10",
	  "test.conf:1: port: invalid range '100-10' (the first port is larger "
	  "than the last)" },
	/* lexical */
	{ "allow to \"a.com", "test.conf:1: unterminated quoted string" },
	{ "allow to \"a\\x\"",
	  "test.conf:1: invalid escape in quoted string (only \\\" and \\\\ are "
	  "allowed)" },
	{ "allow to \"a.com\"b", "test.conf:1: missing space after quoted string" },
	{ "allow to a\"b\"",
	  "test.conf:1: unexpected '\"' inside a word (quote the whole word)" },
	{ "\"fo\\\"o\"", "test.conf:1: unknown directive 'fo\"o'" },
	{ "allow\x01", "test.conf:1: control character 0x01 in line" },
	{ "allow to a.com\r\r\n", "test.conf:1: control character 0x0d in line" },
	{ "allow\x7f", "test.conf:1: control character 0x7f in line" },
	{ "a b c d e f g h i j k l m n o p q",
	  "test.conf:1: too many words (at most 16)" },
	/* The error leaves nothing behind: see test_error_resets. */
	{ "request_timeout 5\nallow\ndeny to x..y\n",
	  "test.conf:3: to: invalid host name 'x..y' (empty label)" },
};

static void
test_errors(void **state)
{
	char err[CONFIG_ERROR_MAX];
	struct config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < NROWS(error_rows); i++) {
		if (parse(error_rows[i].text, &cfg, err) != -1)
			fail_msg("row %zu (%s): accepted", i, error_rows[i].text);
		if (strcmp(err, error_rows[i].err) != 0)
			fail_msg("row %zu:\n got: %s\nwant: %s", i, err,
			    error_rows[i].err);
		config_free(&cfg);
	}
}

/* Errors a C string literal cannot carry: NUL bytes, long lines. */
static void
test_errors_binary(void **state)
{
	static const char nul[] = "request_timeout 5\nallow\0to x\n";
	char err[CONFIG_ERROR_MAX];
	struct config cfg;
	char *big;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_parse("test.conf", nul, sizeof(nul) - 1, &cfg,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "test.conf:2: NUL byte in line");

	big = malloc(4200);
	assert_non_null(big);
	memset(big, 'a', 4200);
	memcpy(big, "# ", 2);
	big[4096] = '\n';   /* a 4096-byte line is fine */
	config_defaults(&cfg);
	assert_int_equal(config_parse("test.conf", big, 4097, &cfg, err,
	    sizeof(err)), 0);
	config_free(&cfg);
	big[4096] = 'a';
	big[4097] = '\n';
	assert_int_equal(config_parse("test.conf", big, 4200, &cfg, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "test.conf:1: line too long (more than 4096 "
	    "bytes)");
	free(big);

	/* A short error buffer is cut, still terminated. */
	config_defaults(&cfg);
	assert_int_equal(config_parse("test.conf", "bogus", 5, &cfg, err, 10),
	    -1);
	assert_string_equal(err, "test.conf");
	assert_int_equal(config_parse("test.conf", "bogus", 5, &cfg, NULL, 0),
	    -1);
}

/* A failed parse leaves the defaults and no rules, so nothing half-read
 * is ever used. */
static void
test_error_resets(void **state)
{
	char err[CONFIG_ERROR_MAX];
	struct config cfg;

	(void)state;
	assert_int_equal(parse("request_timeout 5\nallow to a.com\nbogus\n",
	    &cfg, err), -1);
	assert_int_equal(cfg.request_timeout_ms, 10000);
	assert_int_equal(cfg.nrules, 0);
	assert_null(cfg.rules);
	assert_int_equal(cfg.nfiles, 0);
	config_free(&cfg);
}

/* parse -> format, then format must be stable across a second parse. */
static const struct {
	const char *text;
	const char *normal;
} format_rows[] = {
	{ "allow from 10.0.0.0/8,::1 to .example.com,192.0.2.0/24,internal "
	  "port 443,8000-8100",
	  "allow from 10.0.0.0/8,::1 to .example.com,192.0.2.0/24,internal "
	  "port 443,8000-8100" },
	{ "deny to internal", "deny to internal" },
	{ "allow", "allow" },
	{ "deny port 25", "deny port 25" },
	{ "allow port 443 to internal,.Example.COM from any",
	  "allow from any to .example.com,internal port 443" },
	{ "allow to 192.0.2.1/32", "allow to 192.0.2.1" },
	{ "allow to 2001:db8::1/128", "allow to 2001:db8::1" },
	{ "allow to ::ffff:10.0.0.0/104", "allow to 10.0.0.0/8" },
	{ "allow to 2001:DB8::/32", "allow to 2001:db8::/32" },
	{ "allow from 0.0.0.0/0,::/0", "allow from 0.0.0.0/0,::/0" },
	{ "allow from internal,any", "allow from any,internal" },
	{ "allow from INTERNAL to ANY", "allow from internal to any" },
	{ "allow to any.,Internal.", "allow to any.,internal." },
	{ "allow to internal,10.0.0.0/8,a.b,any,.c.d",
	  "allow to any,a.b,.c.d,10.0.0.0/8,internal" },
	{ "allow port 1-65535,any", "allow port any,1-65535" },
	{ "allow port 443-443,65535", "allow port 443,65535" },
	{ "allow to example.com.", "allow to example.com" },
	{ "allow to .Example.com.", "allow to .example.com" },
	{ "allow to _srv.ex-ample.com", "allow to _srv.ex-ample.com" },
	{ "deny to 64:ff9b::/96,fe80::/10", "deny to 64:ff9b::/96,fe80::/10" },
	{ "  deny   to   a.com   # why", "deny to a.com" },
};

/* via needs its parents declared first, so it gets its own test. */
static void
test_format_via(void **state)
{
	static const char text[] = "parent corp1 proxy.corp.example:3128\n"
	    "parent v6 [2001:db8::8]:8080\n"
	    "allow to .corp.example port 443 via corp1,v6,direct\n";
	char err[CONFIG_ERROR_MAX], got[512];
	struct config cfg;

	(void)state;
	if (parse(text, &cfg, err) != 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.nparents, 2);
	assert_string_equal(cfg.parents[1].host, "2001:db8::8");
	assert_int_equal(cfg.parents[1].host_is_v6, 1);
	assert_int_equal(cfg.parents[1].port, 8080);
	assert_null(cfg.parents[0].token);
	config_format_rule(&cfg.rules[0], got, sizeof(got));
	assert_string_equal(got, "allow to .corp.example port 443 via "
	    "corp1,v6,direct");
	assert_int_equal(rule_allows_direct(&cfg.rules[0]), 1);
	config_free(&cfg);
}

static void
test_format_rule(void **state)
{
	char err[CONFIG_ERROR_MAX], first[512], second[512];
	struct config cfg;
	size_t i, n;

	(void)state;
	for (i = 0; i < NROWS(format_rows); i++) {
		if (parse(format_rows[i].text, &cfg, err) != 0)
			fail_msg("row %zu: %s", i, err);
		assert_int_equal(cfg.nrules, 1);
		n = config_format_rule(&cfg.rules[0], first, sizeof(first));
		config_free(&cfg);
		if (strcmp(first, format_rows[i].normal) != 0 ||
		    n != strlen(first))
			fail_msg("row %zu:\n got: %s\nwant: %s", i, first,
			    format_rows[i].normal);
		if (parse(first, &cfg, err) != 0)
			fail_msg("row %zu: reparse: %s", i, err);
		config_format_rule(&cfg.rules[0], second, sizeof(second));
		config_free(&cfg);
		if (strcmp(first, second) != 0)
			fail_msg("row %zu: round trip %s -> %s", i, first, second);
	}
}

/* Like snprintf: the length it needed, a cut but terminated text. */
static void
test_format_truncated(void **state)
{
	char err[CONFIG_ERROR_MAX], buf[8];
	struct config cfg;

	(void)state;
	assert_int_equal(parse("deny to internal port 25", &cfg, err), 0);
	assert_int_equal(config_format_rule(&cfg.rules[0], buf, sizeof(buf)),
	    strlen("deny to internal port 25"));
	assert_string_equal(buf, "deny to");
	assert_int_equal(config_format_rule(&cfg.rules[0], NULL, 0),
	    strlen("deny to internal port 25"));
	config_free(&cfg);
}

/* What a rule holds after parsing. */
static void
test_rule_fields(void **state)
{
	char err[CONFIG_ERROR_MAX];
	struct config cfg;
	const struct rule *r;

	(void)state;
	assert_int_equal(parse("# policy\n\nallow to .Example.COM.,b.org "
	    "port 443\ndeny\n", &cfg, err), 0);
	assert_int_equal(cfg.nrules, 2);
	r = &cfg.rules[0];
	assert_int_equal(r->action, RULE_ALLOW);
	assert_string_equal(r->file, "test.conf");
	assert_int_equal(r->line, 3);
	assert_int_equal(r->has_from, 0);
	assert_int_equal(r->has_to, 1);
	assert_int_equal(r->has_port, 1);
	assert_int_equal(r->to.nnames, 2);
	assert_string_equal(r->to.names[0].name, "example.com");
	assert_int_equal(r->to.names[0].suffix, 1);
	assert_string_equal(r->to.names[1].name, "b.org");
	assert_int_equal(r->to.names[1].suffix, 0);
	assert_int_equal(r->ports.nranges, 1);
	assert_int_equal(r->ports.ranges[0].lo, 443);
	assert_int_equal(r->ports.ranges[0].hi, 443);
	r = &cfg.rules[1];
	assert_int_equal(r->action, RULE_DENY);
	assert_int_equal(r->line, 4);
	assert_int_equal(r->has_from + r->has_to + r->has_port, 0);
	assert_int_equal(cfg.nfiles, 1);
	config_free(&cfg);
}

/* The include tests run in a directory whose name has glob characters,
 * so that the including file's directory is escaped in the pattern. */
static char tmpdir[64];

static void
write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (f == NULL)
		fail_msg("cannot create %s", path);
	fputs(text, f);
	fclose(f);
}

static int
include_setup(void **state)
{
	char path[256];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/connectd-[t]*-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/conf.d", tmpdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/dir.conf", tmpdir);
	mkdir(path, 0700);
	write_file("main.conf", "include conf.d/*.conf\nallow to main.com\n");
	write_file("conf.d/b.conf", "allow to b.com\n");
	write_file("conf.d/a.conf", "# first\nallow to a.com\n");
	write_file("conf.d/c.txt", "bogus\n");
	write_file("conf.d/.hidden.conf", "bogus\n");
	write_file("none.conf", "include nothing/*.conf\ninclude conf.d/*.x\n");
	write_file("missing.conf", "\ninclude missing-file.conf\n");
	write_file("loop.conf", "include loop.conf\n");
	write_file("bad.conf", "include sub/bad.conf\n");
	snprintf(path, sizeof(path), "%s/sub", tmpdir);
	mkdir(path, 0700);
	write_file("sub/bad.conf", "allow\nbogus here\n");
	write_file("isdir.conf", "include dir.conf\n");
	write_file("nul.conf", "allow\n");
	write_file("plain.conf", "include conf.d/b.conf\n");
	return 0;
}

static int
remove_entry(const char *path, const struct stat *st, int flag,
	     struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
include_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static int
load(const char *name, struct config *cfg, char *err)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	config_defaults(cfg);
	return config_load(path, cfg, err, CONFIG_ERROR_MAX);
}

static void
test_include_glob(void **state)
{
	char err[CONFIG_ERROR_MAX], want[256];
	struct config cfg;

	(void)state;
	if (load("main.conf", &cfg, err) != 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.nrules, 3);
	assert_string_equal(cfg.rules[0].to.names[0].name, "a.com");
	assert_string_equal(cfg.rules[1].to.names[0].name, "b.com");
	assert_string_equal(cfg.rules[2].to.names[0].name, "main.com");
	snprintf(want, sizeof(want), "%s/conf.d/a.conf", tmpdir);
	assert_string_equal(cfg.rules[0].file, want);
	assert_int_equal(cfg.rules[0].line, 2);
	snprintf(want, sizeof(want), "%s/main.conf", tmpdir);
	assert_string_equal(cfg.rules[2].file, want);
	assert_int_equal(cfg.rules[2].line, 2);
	assert_int_equal(cfg.nfiles, 3);
	config_free(&cfg);

	if (load("none.conf", &cfg, err) != 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.nrules, 0);
	config_free(&cfg);

	if (load("plain.conf", &cfg, err) != 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.nrules, 1);
	config_free(&cfg);
}

/* From memory, an include is relative to the directory of the name. */
static void
test_include_from_memory(void **state)
{
	char err[CONFIG_ERROR_MAX], name[256], text[300];
	struct config cfg;
	char escaped[128];
	size_t i, n = 0;

	(void)state;
	/* The absolute path is written as a glob, so its own glob
	 * characters are escaped, as a user would have to. */
	for (i = 0; tmpdir[i] != '\0' && n + 2 < sizeof(escaped); i++) {
		if (strchr("*?[]", tmpdir[i]) != NULL)
			escaped[n++] = '\\';
		escaped[n++] = tmpdir[i];
	}
	escaped[n] = '\0';
	snprintf(name, sizeof(name), "%s/memory.conf", tmpdir);
	snprintf(text, sizeof(text), "include conf.d/a.conf\ninclude "
	    "%s/conf.d/b.conf\n", escaped);
	config_defaults(&cfg);
	if (config_parse(name, text, strlen(text), &cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.nrules, 2);
	assert_string_equal(cfg.rules[1].to.names[0].name, "b.com");
	config_free(&cfg);
}

static const struct {
	const char *file;
	const char *err;  /* @ is the temp directory */
} include_error_rows[] = {
	{ "missing.conf", "@/missing.conf:2: include: cannot open "
	  "'@/missing-file.conf': No such file or directory" },
	{ "loop.conf", "@/loop.conf:1: include: nested more than 8 deep (an "
	  "include loop?)" },
	{ "bad.conf", "@/sub/bad.conf:2: unknown directive 'bogus'" },
	{ "isdir.conf", "@/isdir.conf:1: include: cannot read '@/dir.conf': "
	  "Is a directory" },
	{ "no-such.conf", "@/no-such.conf: cannot open: No such file or "
	  "directory" },
	{ "dir.conf", "@/dir.conf: cannot read: Is a directory" },
};

/* Copies template to buf with each '@' replaced by the temp directory. */
static void
expand(char *buf, size_t len, const char *template)
{
	size_t n = 0, t = strlen(tmpdir);

	for (; *template != '\0'; template++) {
		if (*template == '@' && n + t < len) {
			memcpy(buf + n, tmpdir, t);
			n += t;
		} else if (n + 1 < len) {
			buf[n++] = *template;
		}
	}
	buf[n] = '\0';
}

static void
test_include_errors(void **state)
{
	char err[CONFIG_ERROR_MAX], want[CONFIG_ERROR_MAX];
	struct config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < NROWS(include_error_rows); i++) {
		if (load(include_error_rows[i].file, &cfg, err) != -1)
			fail_msg("row %zu: accepted", i);
		expand(want, sizeof(want), include_error_rows[i].err);
		if (strcmp(err, want) != 0)
			fail_msg("row %zu:\n got: %s\nwant: %s", i, err, want);
		assert_int_equal(cfg.nrules, 0);
		config_free(&cfg);
	}
}

/* NUL bytes in a file on disk. */
static void
test_load_nul(void **state)
{
	char err[CONFIG_ERROR_MAX], want[CONFIG_ERROR_MAX], path[256];
	struct config cfg;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/nul.conf", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite("allow\n\0\n", 1, 8, f);
	fclose(f);
	assert_int_equal(load("nul.conf", &cfg, err), -1);
	snprintf(want, sizeof(want), "%s:2: NUL byte in line", path);
	assert_string_equal(err, want);
	config_free(&cfg);
}

/* An unreadable directory stops the glob instead of silently dropping
 * the rules in it. Root reads everything, so this needs another user. */
static void
test_include_unreadable(void **state)
{
	char err[CONFIG_ERROR_MAX], path[256], want[CONFIG_ERROR_MAX];
	struct config cfg;

	(void)state;
	if (geteuid() == 0)
		skip();
	snprintf(path, sizeof(path), "%s/locked", tmpdir);
	mkdir(path, 0700);
	write_file("locked/x.conf", "deny\n");
	write_file("locked.conf", "include locked/*.conf\n");
	chmod(path, 0);
	assert_int_equal(load("locked.conf", &cfg, err), -1);
	chmod(path, 0700);
	snprintf(want, sizeof(want), "%s/locked.conf:1: include: cannot read "
	    "directory '%s/locked': Permission denied", tmpdir, tmpdir);
	assert_string_equal(err, want);
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_errors_binary),
		cmocka_unit_test(test_error_resets),
		cmocka_unit_test(test_format_rule),
		cmocka_unit_test(test_format_via),
		cmocka_unit_test(test_format_truncated),
		cmocka_unit_test(test_rule_fields),
	};
	const struct CMUnitTest include_tests[] = {
		cmocka_unit_test(test_include_glob),
		cmocka_unit_test(test_include_from_memory),
		cmocka_unit_test(test_include_errors),
		cmocka_unit_test(test_load_nul),
		cmocka_unit_test(test_include_unreadable),
	};
	int failed;

	failed = cmocka_run_group_tests(tests, NULL, NULL);
	failed += cmocka_run_group_tests(include_tests, include_setup,
	    include_teardown);
	return failed;
}
