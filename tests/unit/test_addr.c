/* test_addr.c: table-driven tests of addr.c. Each bug found adds a row. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

/* Parses a row's address text; a bad row is a bug in the table. */
static struct addr
parse_or_fail(const char *s)
{
	struct addr a;

	if (addr_parse(s, &a) != 0)
		fail_msg("test table: cannot parse '%s'", s);
	return a;
}

static const struct {
	const char *text;
	int ok;
	const char *net;   /* expected network address, when ok */
	unsigned prefix;   /* expected prefix on the 16-byte form */
} cidr_rows[] = {
	{ "10.0.0.0/8", 1, "10.0.0.0", 104 },
	{ "192.0.2.1", 1, "192.0.2.1", 128 },
	{ "192.0.2.1/32", 1, "192.0.2.1", 128 },
	{ "0.0.0.0/0", 1, "0.0.0.0", 96 },
	{ "172.16.0.0/12", 1, "172.16.0.0", 108 },
	{ "255.255.255.255/32", 1, "255.255.255.255", 128 },
	{ "::/0", 1, "::", 0 },
	{ "::", 1, "::", 128 },
	{ "::1", 1, "::1", 128 },
	{ "::1/128", 1, "::1", 128 },
	{ "2001:db8::/32", 1, "2001:db8::", 32 },
	{ "2001:DB8::/32", 1, "2001:db8::", 32 },
	{ "fe80::/10", 1, "fe80::", 10 },
	{ "::ffff:10.0.0.0/104", 1, "10.0.0.0", 104 },
	{ "::ffff:0:0/96", 1, "0.0.0.0", 96 },
	{ "64:ff9b::/96", 1, "64:ff9b::", 96 },
	{ "10.0.0.1/8", 0, NULL, 0 },        /* host bits set */
	{ "2001:db8::1/32", 0, NULL, 0 },    /* host bits set */
	{ "::ffff:0:0/80", 0, NULL, 0 },     /* host bits set */
	{ "10.0.0.0/33", 0, NULL, 0 },
	{ "::/129", 0, NULL, 0 },
	{ "10.0.0.0/104", 0, NULL, 0 },      /* IPv4 length counts 0..32 */
	{ "10.0.0.0/", 0, NULL, 0 },
	{ "10.0.0.0/+8", 0, NULL, 0 },
	{ "10.0.0.0/-8", 0, NULL, 0 },
	{ "10.0.0.0/08", 0, NULL, 0 },
	{ "10.0.0.0/8/8", 0, NULL, 0 },
	{ "10.0.0.0/8 ", 0, NULL, 0 },
	{ " 10.0.0.0/8", 0, NULL, 0 },
	{ "10.0.0.0/ 8", 0, NULL, 0 },
	{ "10.0.0.0/4294967304", 0, NULL, 0 },
	{ "::1/1x", 0, NULL, 0 },
	{ "127.1", 0, NULL, 0 },
	{ "0x7f.0.0.1", 0, NULL, 0 },
	{ "2130706433", 0, NULL, 0 },
	{ "010.0.0.1", 0, NULL, 0 },
	{ "1.2.3.256", 0, NULL, 0 },
	{ "1.2.3.4.5", 0, NULL, 0 },
	{ "1.2.3.4.", 0, NULL, 0 },
	{ "", 0, NULL, 0 },
	{ "/8", 0, NULL, 0 },
	{ "[::1]", 0, NULL, 0 },
	{ "fe80::1%eth0", 0, NULL, 0 },
	{ "1:2:3:4:5:6:7:8:9", 0, NULL, 0 },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255x/128", 0, NULL, 0 },
	{ "example.com", 0, NULL, 0 },
};

static void
test_cidr_parse(void **state)
{
	struct cidr c;
	struct addr want;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < NROWS(cidr_rows); i++) {
		memset(&c, 0xa5, sizeof(c));
		rc = cidr_parse(cidr_rows[i].text, &c);
		if (rc != (cidr_rows[i].ok ? 0 : -1))
			fail_msg("cidr_parse(\"%s\") = %d", cidr_rows[i].text, rc);
		if (!cidr_rows[i].ok)
			continue;
		want = parse_or_fail(cidr_rows[i].net);
		if (memcmp(&want, &c.net, sizeof(want)) != 0 ||
		    c.prefix != cidr_rows[i].prefix)
			fail_msg("cidr_parse(\"%s\"): prefix %u, want %u",
			    cidr_rows[i].text, c.prefix, cidr_rows[i].prefix);
	}
}

static const struct {
	const char *cidr;
	const char *addr;
	int inside;
} contains_rows[] = {
	{ "10.0.0.0/8", "10.0.0.0", 1 },
	{ "10.0.0.0/8", "10.255.255.255", 1 },
	{ "10.0.0.0/8", "9.255.255.255", 0 },
	{ "10.0.0.0/8", "11.0.0.0", 0 },
	{ "10.0.0.0/8", "::ffff:10.1.2.3", 1 },
	{ "10.0.0.0/8", "64:ff9b::a01:203", 0 },   /* not unwrapped here */
	{ "172.16.0.0/12", "172.31.255.255", 1 },
	{ "172.16.0.0/12", "172.32.0.0", 0 },
	{ "0.0.0.0/0", "1.2.3.4", 1 },
	{ "0.0.0.0/0", "::1", 0 },
	{ "::/0", "1.2.3.4", 1 },
	{ "::/0", "2001:db8::1", 1 },
	{ "192.0.2.1", "192.0.2.1", 1 },
	{ "192.0.2.1", "192.0.2.2", 0 },
	{ "2001:db8::/32", "2001:db8:ffff:ffff::1", 1 },
	{ "2001:db8::/32", "2001:db9::", 0 },
	{ "fe80::/10", "febf:ffff::1", 1 },
	{ "fe80::/10", "fec0::", 0 },
	{ "::1", "::1", 1 },
	{ "::1", "::", 0 },
};

static void
test_cidr_contains(void **state)
{
	struct cidr c;
	struct addr a;
	size_t i;

	(void)state;
	for (i = 0; i < NROWS(contains_rows); i++) {
		if (cidr_parse(contains_rows[i].cidr, &c) != 0)
			fail_msg("test table: bad CIDR %s", contains_rows[i].cidr);
		a = parse_or_fail(contains_rows[i].addr);
		if (cidr_contains(&c, &a) != contains_rows[i].inside)
			fail_msg("cidr_contains(%s, %s) != %d",
			    contains_rows[i].cidr, contains_rows[i].addr,
			    contains_rows[i].inside);
	}
}

static const struct {
	const char *in;
	const char *out;
} unwrap_rows[] = {
	{ "::ffff:127.0.0.1", "127.0.0.1" },
	{ "127.0.0.1", "127.0.0.1" },
	{ "64:ff9b::7f00:1", "127.0.0.1" },
	{ "64:ff9b::1.2.3.4", "1.2.3.4" },
	{ "64:ff9b::a9fe:a9fe", "169.254.169.254" },
	{ "64:ff9b:1::7f00:1", "64:ff9b:1::7f00:1" },  /* local-use NAT64: kept */
	{ "64:ff9b::1:0:7f00:1", "64:ff9b::1:0:7f00:1" }, /* outside the /96 */
	{ "::7f00:1", "::7f00:1" },                    /* IPv4-compatible: kept */
	{ "2001:db8::1", "2001:db8::1" },
	{ "::1", "::1" },
};

static void
test_addr_unwrap(void **state)
{
	struct addr in, out, want;
	size_t i;

	(void)state;
	for (i = 0; i < NROWS(unwrap_rows); i++) {
		in = parse_or_fail(unwrap_rows[i].in);
		want = parse_or_fail(unwrap_rows[i].out);
		addr_unwrap(&in, &out);
		if (memcmp(&out, &want, sizeof(want)) != 0)
			fail_msg("addr_unwrap(%s) != %s", unwrap_rows[i].in,
			    unwrap_rows[i].out);
	}
}

/* Every range: its first and last address inside, one on either side
 * outside. */
static const struct {
	const char *addr;
	int internal;
} internal_rows[] = {
	{ "0.0.0.0", 1 }, { "0.255.255.255", 1 }, { "1.0.0.0", 0 },
	{ "9.255.255.255", 0 }, { "10.0.0.0", 1 }, { "10.255.255.255", 1 },
	{ "11.0.0.0", 0 },
	{ "100.63.255.255", 0 }, { "100.64.0.0", 1 }, { "100.127.255.255", 1 },
	{ "100.128.0.0", 0 },
	{ "126.255.255.255", 0 }, { "127.0.0.0", 1 }, { "127.0.0.1", 1 },
	{ "127.255.255.255", 1 }, { "128.0.0.0", 0 },
	{ "169.253.255.255", 0 }, { "169.254.0.0", 1 }, { "169.254.169.254", 1 },
	{ "169.254.255.255", 1 }, { "169.255.0.0", 0 },
	{ "172.15.255.255", 0 }, { "172.16.0.0", 1 }, { "172.31.255.255", 1 },
	{ "172.32.0.0", 0 },
	{ "192.167.255.255", 0 }, { "192.168.0.0", 1 }, { "192.168.255.255", 1 },
	{ "192.169.0.0", 0 },
	{ "223.255.255.255", 0 }, { "224.0.0.0", 1 }, { "239.255.255.255", 1 },
	{ "240.0.0.0", 1 }, { "255.255.255.254", 1 }, { "255.255.255.255", 1 },
	{ "8.8.8.8", 0 }, { "93.184.216.34", 0 }, { "192.0.2.1", 0 },
	{ "::", 1 }, { "::1", 1 }, { "::2", 1 },
	{ "::7f00:1", 1 }, { "::808:808", 1 }, { "::ffff", 1 },
	{ "::ffff:ffff", 1 },                 /* last of ::/96 */
	{ "::1:0:0", 0 },                     /* first after ::/96 */
	{ "::fffe:ffff:ffff", 0 },            /* just below the mapped /96 */
	{ "::ffff:127.0.0.1", 1 }, { "::ffff:10.1.1.1", 1 },
	{ "::ffff:8.8.8.8", 0 },
	{ "64:ff9b::7f00:1", 1 }, { "64:ff9b::a9fe:a9fe", 1 },
	{ "64:ff9b::", 1 },                   /* 0.0.0.0 */
	{ "64:ff9b::808:808", 0 },
	{ "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0 },
	{ "fe80::", 1 }, { "fe80::1", 1 },
	{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 }, { "fec0::", 0 },
	{ "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0 }, { "fc00::", 1 },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 }, { "fe00::", 0 },
	{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0 }, { "ff00::", 1 },
	{ "ff02::1", 1 }, { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
	{ "2001:db8::1", 0 }, { "2606:4700::1111", 0 },
	{ "64:ff9b:1::7f00:1", 0 },
};

static void
test_addr_is_internal(void **state)
{
	struct addr a;
	size_t i;

	(void)state;
	for (i = 0; i < NROWS(internal_rows); i++) {
		a = parse_or_fail(internal_rows[i].addr);
		if (addr_is_internal(&a) != internal_rows[i].internal)
			fail_msg("addr_is_internal(%s) != %d",
			    internal_rows[i].addr, internal_rows[i].internal);
	}
}

static const struct {
	const char *in;
	size_t len;       /* buffer size given */
	const char *out;
	int v4;
} format_rows[] = {
	{ "10.0.0.1", ADDR_TEXT_MAX, "10.0.0.1", 1 },
	{ "::ffff:10.0.0.1", ADDR_TEXT_MAX, "10.0.0.1", 1 },
	{ "255.255.255.255", ADDR_TEXT_MAX, "255.255.255.255", 1 },
	/* Every width of every byte, and the zeros inside a number. */
	{ "0.0.0.0", ADDR_TEXT_MAX, "0.0.0.0", 1 },
	{ "9.10.99.100", ADDR_TEXT_MAX, "9.10.99.100", 1 },
	{ "100.101.110.199", ADDR_TEXT_MAX, "100.101.110.199", 1 },
	{ "200.250.90.1", ADDR_TEXT_MAX, "200.250.90.1", 1 },
	{ "1.0.10.109", ADDR_TEXT_MAX, "1.0.10.109", 1 },
	{ "2001:0db8:0000::0001", ADDR_TEXT_MAX, "2001:db8::1", 0 },
	{ "::", ADDR_TEXT_MAX, "::", 0 },
	{ "::1", ADDR_TEXT_MAX, "::1", 0 },
	{ "64:ff9b::7f00:1", ADDR_TEXT_MAX, "64:ff9b::7f00:1", 0 },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ADDR_TEXT_MAX,
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0 },
	{ "10.0.0.1", 4, "10.", 1 },        /* truncated, NUL-terminated */
	{ "2001:db8::1", 1, "", 0 },
};

static void
test_addr_format(void **state)
{
	char buf[ADDR_TEXT_MAX];
	struct addr a;
	size_t i, n;

	(void)state;
	for (i = 0; i < NROWS(format_rows); i++) {
		a = parse_or_fail(format_rows[i].in);
		memset(buf, 'x', sizeof(buf));
		n = addr_format(&a, buf, format_rows[i].len);
		if (strcmp(buf, format_rows[i].out) != 0 ||
		    n != strlen(format_rows[i].out))
			fail_msg("addr_format(%s) = \"%s\" (%zu)",
			    format_rows[i].in, buf, n);
		if (addr_is_v4(&a) != format_rows[i].v4)
			fail_msg("addr_is_v4(%s) != %d", format_rows[i].in,
			    format_rows[i].v4);
	}
	a = parse_or_fail("10.0.0.1");
	assert_int_equal(addr_format(&a, buf, 0), 0);
}

static const struct {
	const char *addr;
	unsigned port;
	int family;
} sockaddr_rows[] = {
	{ "192.0.2.1", 443, AF_INET },
	{ "::ffff:192.0.2.1", 80, AF_INET },
	{ "2001:db8::1", 8443, AF_INET6 },
	{ "64:ff9b::c000:201", 443, AF_INET6 },
	{ "::", 65535, AF_INET6 },
};

static void
test_addr_sockaddr(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_un sun;
	struct addr a, back;
	socklen_t len;
	size_t i;

	(void)state;
	for (i = 0; i < NROWS(sockaddr_rows); i++) {
		a = parse_or_fail(sockaddr_rows[i].addr);
		len = addr_to_sockaddr(&a, sockaddr_rows[i].port, &ss);
		assert_int_equal(ss.ss_family, sockaddr_rows[i].family);
		assert_int_equal(len, sockaddr_rows[i].family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
		assert_int_equal(ntohs(sockaddr_rows[i].family == AF_INET ?
		    ((struct sockaddr_in *)&ss)->sin_port :
		    ((struct sockaddr_in6 *)&ss)->sin6_port),
		    sockaddr_rows[i].port);
		assert_int_equal(addr_from_sockaddr((struct sockaddr *)&ss,
		    &back), 0);
		assert_memory_equal(&a, &back, sizeof(a));
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_int_equal(addr_from_sockaddr((struct sockaddr *)&sun, &back), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_cidr_contains),
		cmocka_unit_test(test_addr_unwrap),
		cmocka_unit_test(test_addr_is_internal),
		cmocka_unit_test(test_addr_format),
		cmocka_unit_test(test_addr_sockaddr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
