/* test_proxyproto.c: table-driven tests of proxyproto.c (cmocka).
 *
 * Every parse row runs as its own cmocka test, named after the row. Each
 * row is parsed whole and at every shorter length, on exactly-sized heap
 * copies so that ASan catches any read past the end: a valid header must
 * give 0 ("more") for every prefix shorter than what the parser needs and
 * 1 from there on; an invalid one 0 and then -1, never 1. The reader is
 * tested over socketpairs, fragmented by SOCK_SEQPACKET records (one byte
 * per read) or by a child process writing pieces with a pause. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "proxyproto.h"
#include "unit.h"

/* ---- proxyproto_parse: the table --------------------------------------- */

struct parse_case {
	const char *name;
	const char *in;
	size_t len;
	int rc;             /* 1 valid, 0 more needed, -1 invalid */
	/* checked only when rc is 1: */
	int version;
	int has_addresses;
	const char *src, *dst;  /* text for addr_parse, when has_addresses */
	unsigned sport, dport;
	size_t hlen;
};

/* through a second macro, so that P4 and P6 expand to four arguments */
#define ADDRS(...) ADDRS_(__VA_ARGS__)
#define ADDRS_(t, s, v, src, dst, sp, dp, hlen) \
	{ t, IN(s), 1, v, 1, src, dst, sp, dp, hlen }
#define NOADDR(t, s, v, hlen) { t, IN(s), 1, v, 0, NULL, NULL, 0, 0, hlen }
#define MORE(t, s) { t, IN(s), 0, 0, 0, NULL, NULL, 0, 0, 0 }
#define BAD(t, s) { t, IN(s), -1, 0, 0, NULL, NULL, 0, 0, 0 }

#define CONN "CONNECT 127.0.0.1:8080 HTTP/1.1\r\n\r\n"

/* v1 lines */
#define L4 "PROXY TCP4 203.0.113.7 192.0.2.1 5000 443\r\n"
#define L6 "PROXY TCP6 2001:db8::1 2001:db8::2 5000 443\r\n"
#define FF6 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
#define LMAX "PROXY TCP6 " FF6 " " FF6 " 65535 65535\r\n"
#define LUNK "PROXY UNKNOWN\r\n"
#define LUNK_REST "PROXY UNKNOWN " FF6 " " FF6 " 65535 65535\r\n"
#define V1(s) "PROXY TCP4 " s "\r\n"
#define V1_6(s) "PROXY TCP6 " s "\r\n"

/* v2 pieces: the signature, address blocks (203.0.113.7:5000 ->
 * 192.0.2.1:443 and [2001:db8::1]:5000 -> [2001:db8::2]:443), padding */
#define SIG "\r\n\r\n\0\r\nQUIT\n"
#define A4 "\xcb\x00\x71\x07" "\xc0\x00\x02\x01" "\x13\x88" "\x01\xbb"
#define A6 "\x20\x01\x0d\xb8" "\0\0\0\0\0\0\0\0\0\0\0\x01" \
	   "\x20\x01\x0d\xb8" "\0\0\0\0\0\0\0\0\0\0\0\x02" "\x13\x88" "\x01\xbb"
#define Z8 "\0\0\0\0\0\0\0\0"
#define Z64 Z8 Z8 Z8 Z8 Z8 Z8 Z8 Z8
#define Z216 Z64 Z64 Z64 Z8 Z8 Z8
/* 28 bytes of TLVs: a CRC32C (0x03, not verified: R12) and a NOOP */
#define TLV28 "\x03\x00\x04" "\xde\xad\xbe\xef" "\x04\x00\x12" "noop-noop-noop-nop"

#define P4 "203.0.113.7", "192.0.2.1", 5000, 443
#define P6 "2001:db8::1", "2001:db8::2", 5000, 443

static const struct parse_case parse_cases[] = {
	/* v1 valid (R7, R8, R13, edge 26) */
	ADDRS("v1 TCP4", L4, 1, P4, sizeof(L4) - 1),
	ADDRS("v1 TCP4 then a CONNECT: len stops at the CRLF (R13)",
	      L4 CONN, 1, P4, sizeof(L4) - 1),
	ADDRS("v1 TCP6", L6, 1, P6, sizeof(L6) - 1),
	ADDRS("v1 TCP6, longest addresses and ports (104 bytes)", LMAX, 1,
	      FF6, FF6, 65535, 65535, 104),
	ADDRS("v1 TCP4 extremes, port 0", V1("0.0.0.0 255.255.255.255 0 65535"),
	      1, "0.0.0.0", "255.255.255.255", 0, 65535,
	      sizeof(V1("0.0.0.0 255.255.255.255 0 65535")) - 1),
	ADDRS("v1 TCP6 with an embedded dotted quad",
	      V1_6("::ffff:192.0.2.1 ::1 1 2"), 1, "192.0.2.1", "::1", 1, 2,
	      sizeof(V1_6("::ffff:192.0.2.1 ::1 1 2")) - 1),
	ADDRS("v1 TCP6 upper-case hex", V1_6("2001:DB8::1 ::1 1 2"), 1,
	      "2001:db8::1", "::1", 1, 2, sizeof(V1_6("2001:DB8::1 ::1 1 2")) - 1),
	NOADDR("v1 UNKNOWN alone (R8)", LUNK, 1, sizeof(LUNK) - 1),
	NOADDR("v1 UNKNOWN, the rest ignored (R8)", LUNK_REST, 1,
	       sizeof(LUNK_REST) - 1),
	NOADDR("v1 UNKNOWN, junk ignored", "PROXY UNKNOWN \x01\0 x \r\n", 1, 21),
	NOADDR("v1 UNKNOWN and a space", "PROXY UNKNOWN \r\n", 1, 16),
	NOADDR("v1 UNKNOWN then a CONNECT with bare LF (edge 26, W2)",
	       LUNK "CONNECT h:1 HTTP/1.1\n\n", 1, sizeof(LUNK) - 1),

	/* v1 line ends (R7) */
	BAD("v1 bare LF (R7)", "PROXY TCP4 203.0.113.7 192.0.2.1 5000 443\n"),
	BAD("v1 bare LF then a CONNECT",
	    "PROXY TCP4 203.0.113.7 192.0.2.1 5000 443\n" CONN),
	BAD("v1 lone CR", "PROXY TCP4 203.0.113.7 192.0.2.1 5000 443\rX"),
	BAD("v1 CR CR LF", "PROXY TCP4 203.0.113.7 192.0.2.1 5000 443\r\r\n"),
	BAD("v1 CR inside the line", V1("1.2.3.4\r5.6.7.8 1 2")),
	BAD("v1 LF inside UNKNOWN's rest", "PROXY UNKNOWN a\nb\r\n"),
	BAD("v1 bare LF after UNKNOWN", "PROXY UNKNOWN\n"),
	MORE("v1 line ending in CR", "PROXY TCP4 203.0.113.7 192.0.2.1 5000 443\r"),
	MORE("v1 line without its end", "PROXY TCP4 203.0.113.7 192.0.2.1 5000 443"),

	/* v1 numbers (R7) */
	BAD("v1 leading zero in an octet (R7)",
	    V1("010.0.0.1 192.0.2.1 5000 443")),
	BAD("v1 leading zero in a dst octet", V1("10.0.0.1 192.0.02.1 5000 443")),
	BAD("v1 octet 00", V1("10.0.0.00 192.0.2.1 5000 443")),
	BAD("v1 leading zero in a port", V1("10.0.0.1 192.0.2.1 5000 0443")),
	BAD("v1 port 00", V1("10.0.0.1 192.0.2.1 00 443")),
	BAD("v1 port 65536", V1("10.0.0.1 192.0.2.1 5000 65536")),
	BAD("v1 port 99999999999999999999999",
	    V1("10.0.0.1 192.0.2.1 99999999999999999999999 443")),
	BAD("v1 port with a sign", V1("10.0.0.1 192.0.2.1 +5000 443")),
	BAD("v1 negative port", V1("10.0.0.1 192.0.2.1 5000 -1")),
	BAD("v1 port with a letter", V1("10.0.0.1 192.0.2.1 5000 443a")),
	BAD("v1 octet 256", V1("10.0.0.256 192.0.2.1 5000 443")),
	BAD("v1 three octets", V1("10.0.1 192.0.2.1 5000 443")),
	BAD("v1 five octets", V1("10.0.0.1.2 192.0.2.1 5000 443")),
	BAD("v1 empty octet", V1("10..0.1 192.0.2.1 5000 443")),
	BAD("v1 trailing dot", V1("10.0.0.1. 192.0.2.1 5000 443")),
	BAD("v1 leading dot", V1(".10.0.0.1 192.0.2.1 5000 443")),
	BAD("v1 hex octet", V1("0x0a.0.0.1 192.0.2.1 5000 443")),
	BAD("v1 short IPv4 form", V1("10.1 192.0.2.1 5000 443")),

	/* v1 fields and spaces (R7) */
	BAD("v1 double space after PROXY", "PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n"),
	BAD("v1 double space between addresses", V1("1.2.3.4  5.6.7.8 1 2")),
	BAD("v1 double space between ports", V1("1.2.3.4 5.6.7.8 1  2")),
	BAD("v1 trailing space", V1("1.2.3.4 5.6.7.8 1 2 ")),
	BAD("v1 leading space in the fields", V1(" 1.2.3.4 5.6.7.8 1 2")),
	BAD("v1 TAB as a separator", V1("1.2.3.4\t5.6.7.8 1 2")),
	BAD("v1 missing dport", V1("1.2.3.4 5.6.7.8 1")),
	BAD("v1 extra field", V1("1.2.3.4 5.6.7.8 1 2 3")),
	BAD("v1 family only", "PROXY TCP4\r\n"),
	BAD("v1 no family", "PROXY \r\n"),
	BAD("v1 empty line after PROXY", "PROXY\r\n"),
	BAD("v1 NUL in an address", "PROXY TCP4 1.2.3.4\0 5.6.7.8 1 2\r\n"),

	/* v1 families (R7) */
	BAD("v1 TCP4 with IPv6 addresses", V1("2001:db8::1 2001:db8::2 5000 443")),
	BAD("v1 TCP6 with IPv4 addresses",
	    V1_6("203.0.113.7 192.0.2.1 5000 443")),
	BAD("v1 TCP4 with an IPv6 dst", V1("1.2.3.4 ::1 1 2")),
	BAD("v1 TCP6 with an IPv4 dst", V1_6("::1 1.2.3.4 1 2")),
	BAD("v1 IPv6 with a zone", V1_6("fe80::1%eth0 ::1 1 2")),
	BAD("v1 IPv6 in brackets", V1_6("[::1] ::1 1 2")),
	BAD("v1 IPv6 with three colons", V1_6("2001:db8:::1 ::1 1 2")),
	BAD("v1 IPv6 too long", V1_6(FF6 ":ffff ::1 1 2")),
	BAD("v1 family TCP5", "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n"),
	BAD("v1 family in lower case", "PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n"),
	BAD("v1 family UDP4", "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n"),
	BAD("v1 UNKNOWNX", "PROXY UNKNOWNX\r\n"),
	BAD("v1 UNKNOWN then TAB", "PROXY UNKNOWN\t\r\n"),

	/* detection (R4, R11): early verdicts, and waiting on prefixes */
	MORE("empty", ""),
	MORE("P", "P"),
	MORE("PROXY", "PROXY"),
	MORE("PROXY and a space", "PROXY "),
	MORE("CRLF CRLF is a v2 prefix", "\r\n\r\n"),
	BAD("G decides (GET)", "G"),
	BAD("GET request (edge 11)", "GET / HTTP/1.1\r\n\r\n"),
	BAD("CONNECT without header (R4)", CONN),
	BAD("C decides (CONNECT)", "C"),
	BAD("PROXX", "PROXX"),
	BAD("PROXY then TAB", "PROXY\t"),
	BAD("proxy in lower case", "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n"),
	BAD("LF first", "\n"),
	BAD("CRLF then CONNECT", "\r\nCONNECT"),
	BAD("TLS ClientHello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
	BAD("v2 signature wrong in its last byte", "\r\n\r\n\0\r\nQUIT\x0b"),
	BAD("v2 signature wrong in its middle", "\r\n\r\n\x01"),

	/* v2 valid (R9, R10, edge 27) */
	ADDRS("v2 PROXY TCP4", SIG "\x21\x11\x00\x0c" A4, 2, P4, 28),
	ADDRS("v2 PROXY TCP4 then a CONNECT", SIG "\x21\x11\x00\x0c" A4 CONN,
	      2, P4, 28),
	ADDRS("v2 PROXY TCP6", SIG "\x21\x21\x00\x24" A6, 2, P6, 52),
	ADDRS("v2 TCP4 with TLVs, len 40 (R10)", SIG "\x21\x11\x00\x28" A4 TLV28,
	      2, P4, 56),
	ADDRS("v2 TCP4 with TLVs still to come", SIG "\x21\x11\x00\x28" A4,
	      2, P4, 56),
	ADDRS("v2 TCP4 with the largest length", SIG "\x21\x11\xff\xff" A4,
	      2, P4, 16 + 65535),
	ADDRS("v2 TCP6 with TLVs", SIG "\x21\x21\x00\x40" A6 TLV28, 2, P6, 80),
	ADDRS("v2 TCP4 ports 0 and 65535",
	      SIG "\x21\x11\x00\x0c" "\x01\x02\x03\x04\x05\x06\x07\x08"
	      "\x00\x00\xff\xff", 2, "1.2.3.4", "5.6.7.8", 0, 65535, 28),
	NOADDR("v2 LOCAL, len 12 of junk (R10)",
	       SIG "\x20\x00\x00\x0c" "junkjunkjunk", 2, 28),
	NOADDR("v2 LOCAL, len 0", SIG "\x20\x00\x00\x00", 2, 16),
	NOADDR("v2 LOCAL with a TCP4 block keeps the real endpoints",
	       SIG "\x20\x11\x00\x0c" A4, 2, 28),
	NOADDR("v2 LOCAL ignores the family: TCP4 with len 0",
	       SIG "\x20\x11\x00\x00", 2, 16),
	NOADDR("v2 LOCAL ignores the family: 0x41", SIG "\x20\x41\x00\x00", 2, 16),
	NOADDR("v2 PROXY UNSPEC", SIG "\x21\x00\x00\x00", 2, 16),
	NOADDR("v2 PROXY UNSPEC with a length", SIG "\x21\x00\x00\x05" "abcde",
	       2, 21),
	NOADDR("v2 PROXY UDP4", SIG "\x21\x12\x00\x0c" A4, 2, 28),
	NOADDR("v2 PROXY UDP6", SIG "\x21\x22\x00\x24" A6, 2, 52),
	NOADDR("v2 PROXY UNIX stream", SIG "\x21\x31\x00\xd8" Z216, 2, 232),
	NOADDR("v2 PROXY UNIX datagram", SIG "\x21\x32\x00\xd8" Z216, 2, 232),

	/* v2 invalid (R9, R10, edge 27) */
	BAD("v2 version 1 (R9: ver_cmd 0x11)", SIG "\x11\x11\x00\x0c" A4),
	BAD("v2 version 3", SIG "\x31\x11\x00\x0c" A4),
	BAD("v2 version 0", SIG "\x01\x11\x00\x0c" A4),
	BAD("v2 version 15, LOCAL", SIG "\xf0\x00\x00\x00"),
	BAD("v2 command 2 (R9: ver_cmd 0x22)", SIG "\x22\x11\x00\x0c" A4),
	BAD("v2 command 15", SIG "\x2f\x11\x00\x0c" A4),
	BAD("v2 fam 0x41 (R10)", SIG "\x21\x41\x00\x0c" A4),
	BAD("v2 fam 0x01", SIG "\x21\x01\x00\x0c" A4),
	BAD("v2 fam 0x10", SIG "\x21\x10\x00\x0c" A4),
	BAD("v2 fam 0x13", SIG "\x21\x13\x00\x0c" A4),
	BAD("v2 fam 0x23", SIG "\x21\x23\x00\x24" A6),
	BAD("v2 fam 0x33", SIG "\x21\x33\x00\xd8" Z216),
	BAD("v2 fam 0xff", SIG "\x21\xff\x00\x0c" A4),
	BAD("v2 TCP4 len 11", SIG "\x21\x11\x00\x0b" A4),
	BAD("v2 TCP4 len 0", SIG "\x21\x11\x00\x00"),
	BAD("v2 TCP6 len 35", SIG "\x21\x21\x00\x23" A6),
	BAD("v2 TCP6 len 12", SIG "\x21\x21\x00\x0c" A4),
	BAD("v2 UDP4 len 11", SIG "\x21\x12\x00\x0b" A4),
	BAD("v2 UNIX len 215", SIG "\x21\x31\x00\xd7" Z216),
	BAD("v2 bad version decided by byte 13", SIG "\x11"),
	BAD("v2 bad command decided by byte 13", SIG "\x23"),
	BAD("v2 bad family decided by byte 14", SIG "\x21\x41"),

	/* v2 waiting (R10: partial headers are not accepted) */
	MORE("v2 signature only", SIG),
	MORE("v2 fixed part short of its length", SIG "\x21\x11\x00"),
	MORE("v2 TCP4, half an address block", SIG "\x21\x11\x00\x0c" "\xcb\x00"),
	MORE("v2 TCP6, a TCP4-sized block", SIG "\x21\x21\x00\x24" A4),
	MORE("v2 LOCAL, 15 bytes", SIG "\x20\x00\x00"),
};

/* Parses the first n bytes of t->in from an exactly-sized heap copy. */
static int parse_prefix(const struct parse_case *t, size_t n,
			struct proxy_header *h)
{
	unsigned char *buf = malloc(n ? n : 1);
	int rc;

	assert_non_null(buf);
	memcpy(buf, t->in, n);
	rc = proxyproto_parse(buf, n, h);
	free(buf);
	return rc;
}

/* The shortest input a valid row's header is decided on: the whole v1
 * line; for v2 the fixed part, plus the address block when it is used. */
static size_t decided_at(const struct parse_case *t, const struct proxy_header *h)
{
	if (t->version == 1)
		return t->hlen;
	if (!h->has_addresses)
		return 16;
	return addr_is_v4(&h->src) ? 16 + 12 : 16 + 36;
}

/* Checks the header a valid row expects. */
static void check_header(const struct parse_case *t, const struct proxy_header *h)
{
	struct addr src, dst, zero;

	assert_int_equal(h->version, t->version);
	assert_int_equal(h->has_addresses, t->has_addresses);
	assert_int_equal(h->len, t->hlen);
	if (!t->has_addresses) {
		/* nothing stale for a caller that looks anyway */
		memset(&zero, 0, sizeof(zero));
		assert_memory_equal(h->src.b, zero.b, 16);
		assert_memory_equal(h->dst.b, zero.b, 16);
		assert_int_equal(h->src_port, 0);
		assert_int_equal(h->dst_port, 0);
		return;
	}
	assert_int_equal(addr_parse(t->src, &src), 0);
	assert_int_equal(addr_parse(t->dst, &dst), 0);
	assert_memory_equal(h->src.b, src.b, 16);
	assert_memory_equal(h->dst.b, dst.b, 16);
	assert_int_equal(h->src_port, t->sport);
	assert_int_equal(h->dst_port, t->dport);
}

static void test_parse_row(void **state)
{
	const struct parse_case *t = *state;
	struct proxy_header h;
	size_t n, at = 0;
	int rc, invalid = 0;

	assert_int_equal(parse_prefix(t, t->len, &h), t->rc);
	if (t->rc == 1) {
		check_header(t, &h);
		at = decided_at(t, &h);
	}
	/* every prefix: "more" until decided, then the row's verdict */
	for (n = 0; n < t->len; n++) {
		rc = parse_prefix(t, n, &h);
		if (t->rc == 1) {
			assert_int_equal(rc, n < at ? 0 : 1);
			if (rc == 1)
				check_header(t, &h);
		} else if (invalid) {
			/* once invalid, longer inputs stay invalid */
			assert_int_equal(rc, -1);
		} else if (rc != 0) {
			assert_int_equal(rc, t->rc);
			invalid = 1;
		}
	}
}

/* ---- v1 line length (R7) ----------------------------------------------- */

/* Parses "PROXY UNKNOWN " padded with 'x' to fill bytes, then tail. */
static int parse_unknown_padded(size_t fill, const char *tail, size_t *hlen)
{
	size_t tlen = strlen(tail), n = fill + tlen;
	unsigned char *buf = malloc(n);
	struct proxy_header h;
	int rc;

	assert_non_null(buf);
	assert_true(fill >= 14);
	memcpy(buf, "PROXY UNKNOWN ", 14);
	memset(buf + 14, 'x', fill - 14);
	memcpy(buf + fill, tail, tlen);
	rc = proxyproto_parse(buf, n, &h);
	*hlen = h.len;
	free(buf);
	return rc;
}

static void test_v1_line_length(void **state)
{
	size_t hlen;

	/* 107 bytes with the CRLF: the longest line */
	assert_int_equal(parse_unknown_padded(105, "\r\n", &hlen), 1);
	assert_int_equal(hlen, 107);
	assert_int_equal(parse_unknown_padded(105, "\r\nCONNECT", &hlen), 1);
	assert_int_equal(hlen, 107);
	/* 108 bytes with the CRLF */
	assert_int_equal(parse_unknown_padded(106, "\r\n", &hlen), -1);
	/* 107 bytes without a line end yet: the CRLF can no longer fit */
	assert_int_equal(parse_unknown_padded(107, "", &hlen), -1);
	assert_int_equal(parse_unknown_padded(106, "\r", &hlen), -1);
	/* 106 bytes: the CRLF may still come */
	assert_int_equal(parse_unknown_padded(106, "", &hlen), 0);
	assert_int_equal(parse_unknown_padded(105, "\r", &hlen), 0);
	/* a 120-byte line with no CRLF (R7) */
	assert_int_equal(parse_unknown_padded(120, "", &hlen), -1);
}

/* ---- proxyproto_read --------------------------------------------------- */

/* The socketpairs come from unit.h; sv[1] is the load balancer's end. */

/* Sends each byte of s as its own SOCK_SEQPACKET record. */
static void send_bytewise(int fd, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		send_all(fd, s + i, 1);
}

/* Closes the writer end and checks that fd still holds exactly want (n
 * bytes) up to EOF: what the reader left in the socket. */
static void check_left_in_socket(int sv[2], const char *want, size_t n)
{
	char *got = malloc(n + 1);
	size_t total = 0;
	ssize_t r;

	assert_non_null(got);
	close(sv[1]);
	while ((r = read(sv[0], got + total, n + 1 - total)) > 0)
		total += (size_t)r;
	assert_int_equal(r, 0);
	assert_int_equal(total, n);
	assert_memory_equal(got, want, n);
	free(got);
	close(sv[0]);
}

/* A piece of what a child writer sends. */
struct piece {
	const char *p;
	size_t n;
};

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* What a child writer sends on fd: count pieces, gap_ms apart. */
struct writer {
	int fd;
	const struct piece *pieces;
	size_t count;
	long gap_ms;
};

/* The child writer's life: writes the pieces, pausing gap_ms before each
 * but the first; returns 1 on a short write, else 0. */
static int writer_run(const void *arg)
{
	const struct writer *w = arg;
	const struct piece *p;
	size_t i;

	for (i = 0; i < w->count; i++) {
		p = &w->pieces[i];
		if (i > 0)
			pause_ms(w->gap_ms);
		if (write(w->fd, p->p, p->n) != (ssize_t)p->n)
			return 1;
	}
	return 0;
}

/* Forks a child writer (see writer_run), for child_wait. Returns its
 * pid. */
static pid_t writer_start(int fd, const struct piece *pieces, size_t count,
			  long gap_ms)
{
	struct writer w = { fd, pieces, count, gap_ms };

	return child_start(writer_run, &w);
}

static void test_read_v1_with_connect(void **state)
{
	static const char in[] = L4 CONN "\x16\x03\x01";
	static struct request_buffer buf;
	struct proxy_header h;
	struct addr want;
	int sv[2];

	pair(SOCK_STREAM, sv);
	send_all(sv[1], in, sizeof(in) - 1);
	buf.len = 0;
	buf.head_len = 99;
	assert_int_equal(proxyproto_read(sv[0], far_deadline(), &buf, &h), 0);
	assert_int_equal(h.version, 1);
	assert_int_equal(h.has_addresses, 1);
	assert_int_equal(addr_parse("203.0.113.7", &want), 0);
	assert_memory_equal(h.src.b, want.b, 16);
	assert_int_equal(h.src_port, 5000);
	assert_int_equal(h.len, sizeof(L4) - 1);
	/* the request and the pipelined bytes stay for request_read (R13) */
	assert_int_equal(buf.head_len, 0);
	assert_int_equal(buf.len, sizeof(CONN "\x16\x03\x01") - 1);
	assert_memory_equal(buf.data, CONN "\x16\x03\x01", buf.len);
	check_left_in_socket(sv, "", 0);
}

static void test_read_v1_unknown(void **state)
{
	static const char in[] = LUNK_REST "CONNECT h:1 HTTP/1.1\n\n";
	static struct request_buffer buf;
	struct proxy_header h;
	int sv[2];

	pair(SOCK_STREAM, sv);
	send_all(sv[1], in, sizeof(in) - 1);
	buf.len = 0;
	assert_int_equal(proxyproto_read(sv[0], far_deadline(), &buf, &h), 0);
	assert_int_equal(h.has_addresses, 0);
	assert_int_equal(buf.len, sizeof("CONNECT h:1 HTTP/1.1\n\n") - 1);
	assert_memory_equal(buf.data, "CONNECT h:1 HTTP/1.1\n\n", buf.len);
	check_left_in_socket(sv, "", 0);
}

/* Runs proxyproto_read on one stream write of hdr (hlen bytes) + CONN and
 * checks that v2 reads nothing past the header: CONN stays in the socket. */
static void read_v2_then_connect(const char *hdr, size_t hlen,
				 struct proxy_header *h)
{
	static struct request_buffer buf;
	struct piece one;
	char *in = malloc(hlen + sizeof(CONN) - 1);
	pid_t pid;
	int sv[2];

	assert_non_null(in);
	memcpy(in, hdr, hlen);
	memcpy(in + hlen, CONN, sizeof(CONN) - 1);
	one.p = in;
	one.n = hlen + sizeof(CONN) - 1;
	pair(SOCK_STREAM, sv);
	/* a child writes, since 64 KiB may not fit in the socket buffer */
	pid = writer_start(sv[1], &one, 1, 0);
	free(in);
	buf.len = 0;
	assert_int_equal(proxyproto_read(sv[0], far_deadline(), &buf, h), 0);
	child_wait(pid);
	assert_int_equal(h->version, 2);
	assert_int_equal(h->len, hlen);
	assert_int_equal(buf.len, 0);
	assert_int_equal(buf.head_len, 0);
	check_left_in_socket(sv, CONN, sizeof(CONN) - 1);
}

static void test_read_v2_with_connect(void **state)
{
	struct proxy_header h;
	struct addr want;

	read_v2_then_connect(IN(SIG "\x21\x11\x00\x0c" A4), &h);
	assert_int_equal(h.has_addresses, 1);
	assert_int_equal(addr_parse("192.0.2.1", &want), 0);
	assert_memory_equal(h.dst.b, want.b, 16);
	assert_int_equal(h.dst_port, 443);
	read_v2_then_connect(IN(SIG "\x21\x21\x00\x24" A6), &h);
	assert_int_equal(h.has_addresses, 1);
	/* TLVs are skipped, not left for the request reader (R10) */
	read_v2_then_connect(IN(SIG "\x21\x11\x00\x28" A4 TLV28), &h);
	assert_int_equal(h.has_addresses, 1);
	/* LOCAL: its length is still honoured (R10) */
	read_v2_then_connect(IN(SIG "\x20\x00\x00\x0c" "junkjunkjunk"), &h);
	assert_int_equal(h.has_addresses, 0);
	read_v2_then_connect(IN(SIG "\x20\x00\x00\x00"), &h);
	read_v2_then_connect(IN(SIG "\x21\x31\x00\xd8" Z216), &h);
	assert_int_equal(h.has_addresses, 0);
}

/* A v2 header with a TLV area of tlv bytes (one NOOP TLV of tlv - 3
 * bytes of value), built on the heap; *n is set to its length. */
static char *v2_with_tlvs(const char *fixed, size_t fixed_len,
			  const char *block, size_t block_len, size_t tlv,
			  size_t *n)
{
	size_t body = block_len + tlv;
	char *p = malloc(fixed_len + body);

	assert_non_null(p);
	assert_true(tlv >= 3 && body <= 65535);
	memcpy(p, fixed, fixed_len);
	p[14] = (char)(body >> 8);
	p[15] = (char)(body & 0xff);
	memcpy(p + 16, block, block_len);
	p[16 + block_len] = 0x04;
	p[16 + block_len + 1] = (char)((tlv - 3) >> 8);
	p[16 + block_len + 2] = (char)((tlv - 3) & 0xff);
	memset(p + 16 + block_len + 3, 'T', tlv - 3);
	*n = fixed_len + body;
	return p;
}

static void test_read_v2_large_tlvs(void **state)
{
	struct proxy_header h;
	struct addr want;
	char *hdr;
	size_t n;

	/* 10 KiB of TLVs: more than REQUEST_HEAD_MAX, read and discarded */
	hdr = v2_with_tlvs(IN(SIG "\x21\x11\x00\x00"), IN(A4), 10240, &n);
	assert_true(n > REQUEST_HEAD_MAX);
	read_v2_then_connect(hdr, n, &h);
	free(hdr);
	assert_int_equal(h.has_addresses, 1);
	assert_int_equal(addr_parse("203.0.113.7", &want), 0);
	assert_memory_equal(h.src.b, want.b, 16);
	/* the largest header of all, and a LOCAL one */
	hdr = v2_with_tlvs(IN(SIG "\x21\x21\x00\x00"), IN(A6), 65535 - 36, &n);
	assert_int_equal(n, PROXYPROTO_V2_MAX);
	read_v2_then_connect(hdr, n, &h);
	free(hdr);
	assert_int_equal(h.has_addresses, 1);
	hdr = v2_with_tlvs(IN(SIG "\x20\x00\x00\x00"), "", 0, 20000, &n);
	read_v2_then_connect(hdr, n, &h);
	free(hdr);
	assert_int_equal(h.has_addresses, 0);
}

/* Sends hdr one byte per SOCK_SEQPACKET record, then "X": each read
 * gets one byte, so every split point is taken. Checks the header is
 * found and the "X" and, for v1, the CONNECT records are still unread. */
static void read_bytewise(const char *hdr, size_t hlen, int version)
{
	static struct request_buffer buf;
	struct proxy_header h;
	char c;
	int sv[2];

	pair(SOCK_SEQPACKET, sv);
	send_bytewise(sv[1], hdr, hlen);
	send_bytewise(sv[1], "X", 1);
	buf.len = 0;
	assert_int_equal(proxyproto_read(sv[0], far_deadline(), &buf, &h), 0);
	assert_int_equal(h.version, version);
	assert_int_equal(h.len, hlen);
	assert_int_equal(buf.len, 0);
	assert_int_equal(read(sv[0], &c, 1), 1);
	assert_int_equal(c, 'X');
	close_pair(sv);
}

static void test_read_one_byte_per_read(void **state)
{
	read_bytewise(IN(L4), 1);
	read_bytewise(IN(L6), 1);
	read_bytewise(IN(LUNK), 1);
	read_bytewise(IN(SIG "\x21\x11\x00\x0c" A4), 2);
	read_bytewise(IN(SIG "\x21\x21\x00\x40" A6 TLV28), 2);
	read_bytewise(IN(SIG "\x20\x00\x00\x0c" "junkjunkjunk"), 2);
}

static void test_read_split_with_gap(void **state)
{
	/* R13: the same bytes in two writes 100 ms apart */
	static const struct piece v1[] = {
		{ IN("PROXY TCP4 203.0.113.7 19") },
		{ IN("2.0.2.1 5000 443\r") },
		{ IN("\n" CONN) },
	};
	static const char conn[] = CONN;
	static struct request_buffer buf;
	struct proxy_header h;
	pid_t pid;
	int sv[2];

	pair(SOCK_STREAM, sv);
	pid = writer_start(sv[1], v1, COUNT(v1), 100);
	buf.len = 0;
	assert_int_equal(proxyproto_read(sv[0], far_deadline(), &buf, &h), 0);
	child_wait(pid);
	assert_int_equal(h.version, 1);
	assert_int_equal(h.dst_port, 443);
	/* what is left of the request is read on by request_read */
	assert_true(buf.len <= sizeof(conn) - 1);
	assert_memory_equal(buf.data, conn, buf.len);
	check_left_in_socket(sv, &conn[buf.len], sizeof(conn) - 1 - buf.len);
}

static void test_read_v2_split_then_request(void **state)
{
	/* the request comes in a later write: none of it may be taken */
	static const struct piece v2[] = {
		{ IN("\r\n\r\n\0\r\nQU") },
		{ IN("IT\n\x21\x11\x00\x0c\xcb\x00") },
		{ IN("\x71\x07" "\xc0\x00\x02\x01" "\x13\x88" "\x01\xbb") },
		{ IN(CONN) },
	};
	static struct request_buffer buf;
	struct proxy_header h;
	pid_t pid;
	int sv[2];

	pair(SOCK_STREAM, sv);
	pid = writer_start(sv[1], v2, COUNT(v2), 50);
	buf.len = 0;
	assert_int_equal(proxyproto_read(sv[0], far_deadline(), &buf, &h), 0);
	child_wait(pid);
	assert_int_equal(h.version, 2);
	assert_int_equal(h.src_port, 5000);
	assert_int_equal(buf.len, 0);
	check_left_in_socket(sv, CONN, sizeof(CONN) - 1);
}

/* Sends the n bytes of s, leaves the writer open, and expects
 * proxyproto_read to give up at a deadline wait_ms from now. */
static void read_times_out(const char *s, size_t n, long long wait_ms)
{
	static struct request_buffer buf;
	struct proxy_header h;
	long long start = clock_now_ms();
	int sv[2];

	pair(SOCK_STREAM, sv);
	send_all(sv[1], s, n);
	buf.len = 0;
	assert_int_equal(proxyproto_read(sv[0], start + wait_ms, &buf, &h), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(clock_now_ms() >= start + wait_ms);
	close_pair(sv);
}

static void test_read_deadline(void **state)
{
	/* half a v2 header, then nothing (R6) */
	read_times_out(IN(SIG "\x21\x11\x00\x0c" "\xcb\x00"), 100);
	read_times_out(IN(SIG), 50);
	/* the TLVs do not come */
	read_times_out(IN(SIG "\x21\x11\x00\x28" A4 "\x03\x00"), 50);
	read_times_out(IN("PROXY TCP4 203.0.113.7"), 50);
	read_times_out("", 0, 50);
	/* a deadline already passed */
	read_times_out(IN(L4), -1);
}

/* Sends the n bytes of s, shuts the writer down, and expects
 * proxyproto_read to fail with errno want. */
static void read_fails(const char *s, size_t n, int want)
{
	static struct request_buffer buf;
	struct proxy_header h;
	int sv[2];

	pair(SOCK_STREAM, sv);
	send_all(sv[1], s, n);
	shutdown(sv[1], SHUT_WR);
	buf.len = 0;
	errno = EINVAL;
	assert_int_equal(proxyproto_read(sv[0], far_deadline(), &buf, &h), -1);
	assert_int_equal(errno, want);
	close_pair(sv);
}

static void test_read_eof_and_invalid(void **state)
{
	/* EOF mid-header: errno 0 (edge 27: truncated then EOF) */
	read_fails("", 0, 0);
	read_fails(IN("PROXY TCP4 203.0.113.7 192.0.2.1 5000 443\r"), 0);
	read_fails(IN(SIG "\x21\x11\x00\x0c" "\xcb\x00\x71"), 0);
	read_fails(IN(SIG "\x21"), 0);
	/* len larger than sent (edge 27) */
	read_fails(IN(SIG "\x21\x11\x00\x28" A4 "\x04\x00"), 0);
	read_fails(IN(SIG "\x20\x00\x01\x00" "short"), 0);
	/* invalid: EPROTO, however the input goes on */
	read_fails(IN(CONN), EPROTO);
	read_fails(IN("PROXY TCP4 203.0.113.7 192.0.2.1 5000 443\n" CONN), EPROTO);
	read_fails(IN("PROXY TCP4 010.0.0.1 192.0.2.1 5000 443\r\n"), EPROTO);
	read_fails(IN(SIG "\x22\x11\x00\x0c" A4), EPROTO);
	read_fails(IN(SIG "\x21\x41\x00\x0c" A4), EPROTO);
	read_fails(IN(SIG "\x11\x11\x00\x0c" A4 CONN), EPROTO);
}

static void test_read_v1_overlong(void **state)
{
	static struct request_buffer buf;
	struct proxy_header h;
	char line[200];
	int sv[2];

	/* 120 bytes without a CRLF (R7), the writer still open: no waiting */
	memcpy(line, "PROXY UNKNOWN ", 14);
	memset(line + 14, 'x', sizeof(line) - 14);
	pair(SOCK_STREAM, sv);
	send_all(sv[1], line, 120);
	buf.len = 0;
	assert_int_equal(proxyproto_read(sv[0], far_deadline(), &buf, &h), -1);
	assert_int_equal(errno, EPROTO);
	close_pair(sv);
}

static void test_read_bad_arguments(void **state)
{
	static struct request_buffer buf;
	struct proxy_header h;
	int sv[2];

	buf.len = 0;
	assert_int_equal(proxyproto_read(-1, far_deadline(), &buf, &h), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(proxyproto_read(FD_SETSIZE, far_deadline(), &buf, &h), -1);
	assert_int_equal(errno, EBADF);
	/* the header comes first on a connection: buf must be empty */
	pair(SOCK_STREAM, sv);
	send_all(sv[1], IN(L4));
	buf.len = 1;
	assert_int_equal(proxyproto_read(sv[0], far_deadline(), &buf, &h), -1);
	assert_int_equal(errno, EINVAL);
	check_left_in_socket(sv, L4, sizeof(L4) - 1);
}

/* ---- main -------------------------------------------------------------- */

int main(void)
{
	static const struct CMUnitTest others[] = {
		cmocka_unit_test(test_v1_line_length),
		cmocka_unit_test(test_read_v1_with_connect),
		cmocka_unit_test(test_read_v1_unknown),
		cmocka_unit_test(test_read_v2_with_connect),
		cmocka_unit_test(test_read_v2_large_tlvs),
		cmocka_unit_test(test_read_one_byte_per_read),
		cmocka_unit_test(test_read_split_with_gap),
		cmocka_unit_test(test_read_v2_split_then_request),
		cmocka_unit_test(test_read_deadline),
		cmocka_unit_test(test_read_eof_and_invalid),
		cmocka_unit_test(test_read_v1_overlong),
		cmocka_unit_test(test_read_bad_arguments),
	};
	int failed = 0;

	failed += RUN_ROWS("proxyproto_parse", parse_cases, test_parse_row);
	failed += cmocka_run_group_tests_name("proxyproto", others, NULL, NULL);
	return failed != 0;
}
