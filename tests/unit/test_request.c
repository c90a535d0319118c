/* test_request.c: table-driven tests of request.c (cmocka).
 *
 * Every parse row runs as its own cmocka test, named after the row, on an
 * exactly-sized heap copy of its bytes so that ASan catches any read past
 * the end. Inputs carry an explicit length, so NULs are part of the data. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "request.h"
#include "unit.h"

/* ---- request_parse: the table ---------------------------------------- */

struct parse_case {
	const char *name;
	const char *in;
	size_t len;
	int status;         /* 0, or the HTTP status expected */
	/* checked only when status is 0: */
	const char *host;
	enum host_kind kind;
	const char *addr;   /* text of the literal for HOST_IPV4 / HOST_IPV6 */
	unsigned port;
	int minor;
	const char *auth;   /* the Proxy-Authorization value, NULL: absent */
};

#define NAME(t, s, host, port, minor) \
	{ t, IN(s), 0, host, HOST_NAME, NULL, port, minor, NULL }
#define V4(t, s, host, addr, port, minor) \
	{ t, IN(s), 0, host, HOST_IPV4, addr, port, minor, NULL }
#define V6(t, s, host, addr, port, minor) \
	{ t, IN(s), 0, host, HOST_IPV6, addr, port, minor, NULL }
/* A request for h:443 over HTTP/1.1 carrying Proxy-Authorization. */
#define AUTH(t, s, auth) \
	{ t, IN(s), 0, "h", HOST_NAME, NULL, 443, 1, auth }
#define FAIL(t, s, status) \
	{ t, IN(s), status, NULL, HOST_NAME, NULL, 0, 0, NULL }

#define RL "CONNECT h:443 HTTP/1.1\r\n"
#define CT(target) "CONNECT " target " HTTP/1.1\r\n\r\n"

static const struct parse_case parse_cases[] = {
	/* valid requests, versions and Host (R37, R38, R40, R41, D2) */
	NAME("minimal HTTP/1.1", CT("example.com:443"), "example.com", 443, 1),
	V4("HTTP/1.0 without Host (R38)",
	   "CONNECT 127.0.0.1:8080 HTTP/1.0\r\n\r\n",
	   "127.0.0.1", "127.0.0.1", 8080, 0),
	V4("HTTP/1.1 without Host (R40, D2)",
	   "CONNECT 127.0.0.1:8080 HTTP/1.1\r\n\r\n",
	   "127.0.0.1", "127.0.0.1", 8080, 1),
	NAME("HTTP/1.9 counts as 1.1 (R37)",
	     "CONNECT h:443 HTTP/1.9\r\n\r\n", "h", 443, 1),
	NAME("Host equal to the target", RL "Host: h:443\r\n\r\n", "h", 443, 1),
	V4("Host differing from the target is not routed on (R41)",
	   "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: other.example\r\n\r\n",
	   "127.0.0.1", "127.0.0.1", 22, 1),
	NAME("empty Host is valid grammar (edge 6)",
	     RL "Host:\r\n\r\n", "h", 443, 1),
	NAME("Host of only OWS is empty", RL "Host:  \t \r\n\r\n", "h", 443, 1),
	NAME("Host bracketed IPv6 with port",
	     RL "Host: [2001:db8::1]:443\r\n\r\n", "h", 443, 1),
	NAME("Host with empty port", RL "Host: h:\r\n\r\n", "h", 443, 1),
	NAME("Host with an IPv4 literal", RL "Host: 10.1\r\n\r\n", "h", 443, 1),
	NAME("lower-case host field name", RL "host: h\r\n\r\n", "h", 443, 1),

	/* line endings and leading empty lines (R15, R17, edges 1 and 2) */
	V6("bare LF throughout (edge 1)",
	   "CONNECT [::1]:443 HTTP/1.1\nHost: [::1]:443\n\n",
	   "::1", "::1", 443, 1),
	NAME("mixed endings: CRLF line, LF fields, CRLF blank (edge 2)",
	     "CONNECT h:443 HTTP/1.1\r\nHost: h\nX-A: b\n\r\n", "h", 443, 1),
	NAME("blank line LF after CRLF field",
	     "CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\n", "h", 443, 1),
	NAME("request line LF, blank line CRLF",
	     "CONNECT h:443 HTTP/1.1\n\r\n", "h", 443, 1),
	V4("one empty line before the request line (R17)",
	   "\r\nCONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: x\r\n\r\n",
	   "127.0.0.1", "127.0.0.1", 443, 1),
	NAME("four mixed empty lines before the request line",
	     "\r\n\n\r\n\nCONNECT h:443 HTTP/1.1\r\n\r\n", "h", 443, 1),
	FAIL("five empty lines before the request line",
	     "\r\n\r\n\r\n\r\n\r\nCONNECT h:443 HTTP/1.1\r\n\r\n", 400),

	/* reg-names (R35) */
	NAME("host lower-cased", CT("EXAMPLE.Com:443"), "example.com", 443, 1),
	NAME("trailing dot kept", CT("Example.com.:443"), "example.com.", 443, 1),
	NAME("underscore and hyphen", CT("_srv-x.ex-ample:443"),
	     "_srv-x.ex-ample", 443, 1),
	NAME("single label", CT("localhost:22"), "localhost", 22, 1),
	NAME("digit label not last is a name", CT("1.example:443"),
	     "1.example", 443, 1),
	NAME("last label with digits and letters is a name", CT("a.1e1:443"),
	     "a.1e1", 443, 1),
	FAIL("empty host", CT(":443"), 400),
	FAIL("empty label a..b", CT("a..b:443"), 400),
	FAIL("leading dot", CT(".a:443"), 400),
	FAIL("two trailing dots", CT("a..:443"), 400),
	FAIL("only a dot", CT(".:443"), 400),
	FAIL("percent-encoding in host", CT("ex%61mple.com:443"), 400),
	FAIL("asterisk in host", CT("*.example:443"), 400),
	FAIL("UTF-8 in host", CT("caf\xc3\xa9.example:443"), 400),
	FAIL("NUL in host", CT("a\0b:443"), 400),

	/* ports (D7, R33, edge 7) */
	NAME("port 0443 is 443", CT("h:0443"), "h", 443, 1),
	NAME("port 1", CT("h:1"), "h", 1, 1),
	NAME("port 65535", CT("h:65535"), "h", 65535, 1),
	NAME("30 zeros then 443",
	     CT("h:000000000000000000000000000000443"), "h", 443, 1),
	FAIL("no port", CT("h"), 400),
	FAIL("empty port", CT("h:"), 400),
	FAIL("port 0", CT("h:0"), 400),
	FAIL("port 00000", CT("h:00000"), 400),
	FAIL("port 65536", CT("h:65536"), 400),
	FAIL("port -1", CT("h:-1"), 400),
	FAIL("port +443", CT("h:+443"), 400),
	FAIL("port 443abc", CT("h:443abc"), 400),
	FAIL("port 0x1bb", CT("h:0x1bb"), 400),
	FAIL("port 4 43", CT("h:4 43"), 400),
	FAIL("port followed by a space", "CONNECT h:443  HTTP/1.1\r\n\r\n", 400),
	FAIL("port of 30 nines", CT("h:999999999999999999999999999999"), 400),
	FAIL("port 2^64 + 443", CT("h:18446744073709552059"), 400),
	FAIL("two ports", CT("h:1:2"), 400),

	/* IPv4 literals by "ends in a number" */
	V4("IPv4 short form 127.1", CT("127.1:443"), "127.1", "127.0.0.1", 443, 1),
	V4("IPv4 decimal 2130706433", CT("2130706433:443"), "2130706433",
	   "127.0.0.1", 443, 1),
	V4("IPv4 hex 0x7f.1", CT("0x7f.1:443"), "0x7f.1", "127.0.0.1", 443, 1),
	V4("IPv4 upper-case 0X7F000001", CT("0X7F000001:443"), "0x7f000001",
	   "127.0.0.1", 443, 1),
	V4("IPv4 octal 0177.0.0.1", CT("0177.0.0.1:443"), "0177.0.0.1",
	   "127.0.0.1", 443, 1),
	V4("IPv4 with trailing dot", CT("127.0.0.1.:443"), "127.0.0.1.",
	   "127.0.0.1", 443, 1),
	V4("IPv4 0.0.0.0", CT("0.0.0.0:80"), "0.0.0.0", "0.0.0.0", 80, 1),
	FAIL("IPv4 octet 256", CT("1.2.3.256:443"), 400),
	FAIL("IPv4 999.1.1.1", CT("999.1.1.1:443"), 400),
	FAIL("IPv4 five parts", CT("1.2.3.4.5:443"), 400),
	FAIL("IPv4 bad octal 08", CT("08:443"), 400),
	FAIL("IPv4 over 32 bits", CT("4294967296:443"), 400),
	FAIL("name ending in 0xg", CT("a.0xg:443"), 400),
	FAIL("name ending in digits is not a name", CT("example.123:443"), 400),

	/* IPv6 literals (R34, edge 8) */
	V6("IPv6 loopback", CT("[::1]:443"), "::1", "::1", 443, 1),
	V6("IPv6 upper-case lowered", CT("[2001:DB8::A]:443"), "2001:db8::a",
	   "2001:db8::a", 443, 1),
	V6("IPv4-mapped IPv6 stays IPv6", CT("[::ffff:127.0.0.1]:443"),
	   "::ffff:127.0.0.1", "::ffff:127.0.0.1", 443, 1),
	V6("IPv6 full length", CT("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:1"),
	   "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
	   "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 1, 1),
	FAIL("IPv6 without port", CT("[::1]"), 400),
	FAIL("IPv6 with empty port", CT("[::1]:"), 400),
	FAIL("IPv6 empty brackets", CT("[]:443"), 400),
	FAIL("IPv6 port without colon", CT("[::1]443"), 400),
	FAIL("IPv6 invalid", CT("[zz::1]:443"), 400),
	FAIL("IPv6 unbracketed", CT("::1:443"), 400),
	FAIL("IPv6 zone id", CT("[fe80::1%25eth0]:443"), 400),
	FAIL("IPv6 raw zone id", CT("[fe80::1%eth0]:443"), 400),
	FAIL("IPv6 unclosed", CT("[::1:443"), 400),
	FAIL("IPv6 doubled bracket", CT("[::1]]:443"), 400),
	FAIL("IPv4 in brackets", CT("[127.0.0.1]:443"), 400),
	FAIL("IPvFuture", CT("[v1.x]:443"), 400),
	FAIL("NUL inside brackets", CT("[::1\0]:443"), 400),

	/* target form (R31) */
	FAIL("scheme in target", CT("https://h:443/"), 400),
	FAIL("path in target", CT("h:443/"), 400),
	FAIL("userinfo in target", CT("u@h:443"), 400),
	FAIL("query in target", CT("h:443?x"), 400),

	/* request-line shape (R29, R36, edge 10) */
	FAIL("double space after method", "CONNECT  h:443 HTTP/1.1\r\n\r\n", 400),
	FAIL("double space before version", "CONNECT h:443  HTTP/1.1\r\n\r\n", 400),
	FAIL("TAB after method", "CONNECT\th:443 HTTP/1.1\r\n\r\n", 400),
	FAIL("TAB before version", "CONNECT h:443\tHTTP/1.1\r\n\r\n", 400),
	FAIL("trailing space (R36)", "CONNECT h:443 HTTP/1.1 \r\n\r\n", 400),
	FAIL("leading space", " CONNECT h:443 HTTP/1.1\r\n\r\n", 400),
	FAIL("no version", "CONNECT h:443\r\n\r\n", 400),
	FAIL("method only", "CONNECT\r\n\r\n", 400),
	FAIL("empty target", "CONNECT  HTTP/1.1\r\n\r\n", 400),
	FAIL("lower-case http/1.1 (R36)", "CONNECT h:443 http/1.1\r\n\r\n", 400),
	FAIL("HTTP/1 (R36)", "CONNECT h:443 HTTP/1\r\n\r\n", 400),
	FAIL("HTTP/1.10 (R36)", "CONNECT h:443 HTTP/1.10\r\n\r\n", 400),
	FAIL("HTTP/1.1x (edge 12)", "CONNECT h:443 HTTP/1.1x\r\n\r\n", 400),
	FAIL("HTTP/a.b", "CONNECT h:443 HTTP/a.b\r\n\r\n", 400),
	FAIL("PROXY v1 line with the option off (edge 11)",
	     "PROXY TCP4 203.0.113.7 192.0.2.1 5000 443\r\n\r\n", 400),
	FAIL("GET with a bad version is a shape error",
	     "GET / http/1.1\r\n\r\n", 400),
	FAIL("non-token method", "CONN{CT h:443 HTTP/1.1\r\n\r\n", 400),
	FAIL("bare CR in the request line", "CONNECT h:443\r HTTP/1.1\r\n\r\n", 400),

	/* versions (R37, edge 12) */
	FAIL("HTTP/2.0 (R37)", "CONNECT h:443 HTTP/2.0\r\n\r\n", 505),
	FAIL("HTTP/0.9 (R37)", "CONNECT h:443 HTTP/0.9\r\n\r\n", 505),
	FAIL("version before method", "GET / HTTP/2.0\r\n\r\n", 505),
	FAIL("version before target", "CONNECT h:0 HTTP/3.0\r\n\r\n", 505),

	/* methods (R30, R32, D4, edges 10 and 11) */
	FAIL("lower-case connect (R30)", "connect h:443 HTTP/1.1\r\n\r\n", 405),
	FAIL("GET / (edge 11)", "GET / HTTP/1.1\r\n\r\n", 405),
	FAIL("GET absolute-form (R32)", "GET http://x/ HTTP/1.1\r\n\r\n", 405),
	FAIL("OPTIONS * (edge 11)", "OPTIONS * HTTP/1.1\r\n\r\n", 405),
	FAIL("HEAD", "HEAD / HTTP/1.1\r\n\r\n", 405),
	FAIL("POST", "POST / HTTP/1.0\r\n\r\n", 405),
	FAIL("PUT", "PUT h:443 HTTP/1.1\r\n\r\n", 405),
	FAIL("DELETE", "DELETE / HTTP/1.1\r\n\r\n", 405),
	FAIL("TRACE", "TRACE / HTTP/1.1\r\n\r\n", 405),
	FAIL("PATCH", "PATCH / HTTP/1.1\r\n\r\n", 405),
	FAIL("unknown short method", "BREW / HTTP/1.1\r\n\r\n", 405),
	FAIL("method before target length", "GET :0 HTTP/1.1\r\n\r\n", 405),
	FAIL("CONNECTCONNECTCONNECT (R26)",
	     "CONNECTCONNECTCONNECT h:1 HTTP/1.1\r\n\r\n", 501),
	FAIL("eight-letter method", "CONNECTX h:443 HTTP/1.1\r\n\r\n", 501),

	/* field syntax (R14, R16, R18-R22, edge 16) */
	NAME("UTF-8 with 0x0A-like bytes in a value (R14)",
	     RL "X-Name: caf\xc3\xa9 \xc4\x8a \xe0\xb4\x8a\r\n\r\n", "h", 443, 1),
	NAME("obs-text in a value (edge 16)",
	     RL "X-A: \x80\xff\r\n\r\n", "h", 443, 1),
	NAME("HTAB inside a value", RL "X-A: a\tb\r\n\r\n", "h", 443, 1),
	NAME("empty value", RL "X-A:\r\n\r\n", "h", 443, 1),
	NAME("every tchar in a name", RL "!#$%&'*+-.^_`|~09aZ: v\r\n\r\n",
	     "h", 443, 1),
	FAIL("bare CR in a value (R16)", RL "X-A: a\rb\r\n\r\n", 400),
	FAIL("CR CR LF line end", RL "X-A: a\r\r\n\r\n", 400),
	FAIL("bare CR as the blank line", RL "\r\r\n", 400),
	FAIL("whitespace-led first field (R18)", RL " Host: x\r\n\r\n", 400),
	FAIL("TAB-led first field", RL "\tHost: x\r\n\r\n", 400),
	FAIL("obs-fold (R20)", RL "X-A: a\r\n b\r\n\r\n", 400),
	FAIL("space before the colon (R19)", RL "Host : x\r\n\r\n", 400),
	FAIL("TAB before the colon", RL "X-A\t: x\r\n\r\n", 400),
	FAIL("NUL in a value (R21)", RL "X-A: a\0b\r\n\r\n", 400),
	FAIL("NUL at the end of a value", RL "X-A: a\0\r\n\r\n", 400),
	FAIL("DEL in a value", RL "X-A: a\x7f\r\n\r\n", 400),
	FAIL("control byte in a value", RL "X-A: \x01\r\n\r\n", 400),
	FAIL("NUL in a name", RL "X\0A: b\r\n\r\n", 400),
	FAIL("empty name", RL ": b\r\n\r\n", 400),
	FAIL("no colon", RL "X-A b\r\n\r\n", 400),
	FAIL("non-token name", RL "X(A): b\r\n\r\n", 400),
	FAIL("no blank line", RL "Host: h\r\n", 400),
	FAIL("no line end at all", "CONNECT h:443 HTTP/1.1", 400),
	FAIL("empty input", "", 400),

	/* Host (R39, D2, edge 6) */
	FAIL("two Host lines (R39)", RL "Host: h\r\nHost: h\r\n\r\n", 400),
	FAIL("two Host lines, one empty", RL "Host:\r\nhost: h\r\n\r\n", 400),
	FAIL("Host: a b (R39)", RL "Host: a b\r\n\r\n", 400),
	FAIL("Host with a path", RL "Host: h/x\r\n\r\n", 400),
	FAIL("Host with userinfo", RL "Host: u@h\r\n\r\n", 400),
	FAIL("Host with a bad port", RL "Host: h:x\r\n\r\n", 400),
	FAIL("Host with bad IPv6", RL "Host: [zz::1]\r\n\r\n", 400),

	/* framing fields (R42, edge 17) */
	NAME("Content-Length: 0 (edge 17)", RL "Content-Length: 0\r\n\r\n",
	     "h", 443, 1),
	NAME("Content-Length: 00", RL "content-length: 00\r\n\r\n", "h", 443, 1),
	NAME("two Content-Length: 0", RL "Content-Length: 0\r\n"
	     "Content-Length: 0\r\n\r\n", "h", 443, 1),
	FAIL("Content-Length: 5 (edge 17)", RL "Content-Length: 5\r\n\r\n", 400),
	FAIL("Content-Length empty", RL "Content-Length:\r\n\r\n", 400),
	FAIL("Content-Length: 0, 0", RL "Content-Length: 0, 0\r\n\r\n", 400),
	FAIL("Content-Length: +0", RL "Content-Length: +0\r\n\r\n", 400),
	FAIL("Transfer-Encoding: chunked (R42)",
	     RL "Transfer-Encoding: chunked\r\n\r\n", 400),
	FAIL("transfer-encoding: identity",
	     RL "transfer-encoding: identity\r\n\r\n", 400),
	FAIL("empty Transfer-Encoding", RL "Transfer-Encoding:\r\n\r\n", 400),

	/* Proxy-Authorization (R22, R43, edge 13) */
	AUTH("Proxy-Authorization stored",
	     RL "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n",
	     "Basic dXNlcjpwYXNz"),
	AUTH("name case and OWS trimmed (R22)",
	     RL "proxy-AUTHORIZATION:   Basic dXNlcjpwYXNz  \t\r\n\r\n",
	     "Basic dXNlcjpwYXNz"),
	AUTH("inner spaces kept", RL "Proxy-Authorization: Basic  abc\r\n\r\n",
	     "Basic  abc"),
	AUTH("empty value", RL "Proxy-Authorization:\r\n\r\n", ""),
	AUTH("with bare LF", "CONNECT h:443 HTTP/1.1\nProxy-Authorization: x\n\n",
	     "x"),
	FAIL("two Proxy-Authorization lines (R43, edge 13)",
	     RL "Proxy-Authorization: Basic a\r\n"
	     "Proxy-Authorization: Basic a\r\n\r\n", 400),

	/* ignored fields (R44) */
	NAME("Expect: 100-continue ignored (R44)",
	     RL "Expect: 100-continue\r\n\r\n", "h", 443, 1),
	NAME("hop-by-hop fields ignored (R44)",
	     RL "Connection: close\r\nProxy-Connection: keep-alive\r\n"
	     "Keep-Alive: 300\r\nUpgrade: h2c\r\n\r\n", "h", 443, 1),
	NAME("duplicate unknown fields ignored",
	     RL "X-A: 1\r\nX-A: 2\r\nAuthorization: a\r\n\r\n", "h", 443, 1),
};

/* Fills want with the literal a row expects. */
static void expected_literal(const struct parse_case *t, struct addr *want)
{
	memset(want, 0, sizeof(*want));
	if (t->kind == HOST_IPV6) {
		assert_int_equal(inet_pton(AF_INET6, t->addr, want->b), 1);
	} else if (t->kind == HOST_IPV4) {
		want->b[10] = 0xff;
		want->b[11] = 0xff;
		assert_int_equal(inet_pton(AF_INET, t->addr, &want->b[12]), 1);
	}
}

/* Checks the fields of a request a row expects to be valid. */
static void check_request(const struct parse_case *t, const struct request *req,
			  const char *head)
{
	struct addr want;

	assert_string_equal(req->host, t->host);
	assert_int_equal(req->host_kind, t->kind);
	assert_int_equal(req->port, t->port);
	assert_int_equal(req->minor_version, t->minor);
	assert_int_equal(req->head_len, t->len);
	assert_int_equal(request_head_end(head, t->len), t->len);
	if (t->kind != HOST_NAME) {
		expected_literal(t, &want);
		assert_memory_equal(req->literal.b, want.b, 16);
	}
	if (!t->auth) {
		assert_null(req->proxy_authorization);
		return;
	}
	assert_non_null(req->proxy_authorization);
	/* a view into the head, not a copy */
	assert_true(req->proxy_authorization >= head &&
		    req->proxy_authorization <= head + t->len);
	assert_int_equal(req->proxy_authorization_len, strlen(t->auth));
	assert_memory_equal(req->proxy_authorization, t->auth, strlen(t->auth));
}

static void test_parse_row(void **state)
{
	const struct parse_case *t = *state;
	struct request req;
	char *head;
	int status;

	/* exactly len bytes, so that ASan sees any read past the end */
	head = malloc(t->len ? t->len : 1);
	assert_non_null(head);
	memcpy(head, t->in, t->len);
	status = request_parse(head, t->len, &req);
	assert_int_equal(status, t->status);
	if (status == 0)
		check_request(t, &req, head);
	free(head);
}

/* ---- request_head_end -------------------------------------------------- */

struct end_case {
	const char *name;
	const char *in;
	size_t len;
	size_t end;
};

#define END(t, s, end) { t, IN(s), end }
#define WHOLE(t, s) { t, IN(s), sizeof(s) - 1 }

static const struct end_case end_cases[] = {
	WHOLE("CRLF CRLF", RL "Host: h\r\n\r\n"),
	WHOLE("LF LF", "CONNECT h:443 HTTP/1.1\nHost: h\n\n"),
	WHOLE("CRLF then LF", RL "Host: h\r\n\n"),
	WHOLE("LF then CRLF", "CONNECT h:443 HTTP/1.1\nHost: h\n\r\n"),
	WHOLE("request line only, CRLF", RL "\r\n"),
	WHOLE("request line only, LF", "CONNECT h:443 HTTP/1.1\n\n"),
	WHOLE("leading CRLF", "\r\n" RL "\r\n"),
	WHOLE("four leading empty lines", "\r\n\n\r\n\n" RL "\r\n"),
	END("fifth leading empty line ends the head", "\n\n\n\n\n" RL "\r\n", 5),
	WHOLE("line of a lone CR is not blank", RL "\r\r\n\r\n"),
	END("pipelined bytes excluded", RL "\r\nPAYLOAD\r\n\r\n", sizeof(RL) + 1),
	END("empty", "", 0),
	END("request line only", RL, 0),
	END("field without blank line", RL "Host: h\r\n", 0),
	END("blank line half there", RL "\r", 0),
	END("no line end", "CONNECT h:443 HTTP/1.1", 0),
	END("only empty lines", "\r\n\r\n\n\n", 0),
	END("CR CR is no blank line", RL "\r\r", 0),
};

static void test_end_row(void **state)
{
	const struct end_case *t = *state;
	char *buf;

	buf = malloc(t->len ? t->len : 1);
	assert_non_null(buf);
	memcpy(buf, t->in, t->len);
	assert_int_equal(request_head_end(buf, t->len), t->end);
	free(buf);
}

/* ---- generated heads --------------------------------------------------- */

/* A growing test buffer. */
struct tbuf {
	char *p;
	size_t len;
};

static void tbuf_add(struct tbuf *b, const char *s, size_t n)
{
	b->p = realloc(b->p, b->len + n + 1);
	assert_non_null(b->p);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void tbuf_str(struct tbuf *b, const char *s)
{
	tbuf_add(b, s, strlen(s));
}

static void tbuf_fill(struct tbuf *b, char c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		tbuf_add(b, &c, 1);
}

/* Parses b (an exactly-sized copy) and frees it. Returns the status. */
static int tbuf_parse(struct tbuf *b, struct request *req)
{
	char *head = malloc(b->len ? b->len : 1);
	int status;

	assert_non_null(head);
	memcpy(head, b->p, b->len);
	status = request_parse(head, b->len, req);
	free(head);
	free(b->p);
	b->p = NULL;
	b->len = 0;
	return status;
}

/* "CONNECT " + n bytes of c + ":443 HTTP/1.1\r\n\r\n" */
static int parse_target_of(char c, size_t n)
{
	struct tbuf b = { NULL, 0 };
	struct request req;

	tbuf_str(&b, "CONNECT ");
	tbuf_fill(&b, c, n);
	tbuf_str(&b, ":443 HTTP/1.1\r\n\r\n");
	return tbuf_parse(&b, &req);
}

static void test_target_length(void **state)
{
	/* the whole target counts, ":443" included */
	assert_int_equal(parse_target_of('a', REQUEST_TARGET_MAX - 4), 400);
	assert_int_equal(parse_target_of('a', REQUEST_TARGET_MAX - 3), 414);
	assert_int_equal(parse_target_of('a', 7000), 414);
	/* 414 before the target is looked at */
	assert_int_equal(parse_target_of('%', 2000), 414);
}

/* Parses "CONNECT " + labels of the given lengths joined by '.' + tail. */
static int parse_labels(const size_t *lens, size_t count, const char *tail)
{
	struct tbuf b = { NULL, 0 };
	struct request req;
	size_t i;

	tbuf_str(&b, "CONNECT ");
	for (i = 0; i < count; i++) {
		if (i > 0)
			tbuf_str(&b, ".");
		tbuf_fill(&b, (char)('a' + i), lens[i]);
	}
	tbuf_str(&b, tail);
	return tbuf_parse(&b, &req);
}

static void test_name_length(void **state)
{
	static const size_t l63[] = { 63 }, l64[] = { 64 };
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 */
	static const size_t n253[] = { 63, 63, 63, 61 }, n254[] = { 63, 63, 63, 62 };

	assert_int_equal(parse_labels(l63, 1, ":443 HTTP/1.1\r\n\r\n"), 0);
	assert_int_equal(parse_labels(l64, 1, ":443 HTTP/1.1\r\n\r\n"), 400);
	assert_int_equal(parse_labels(n253, 4, ":443 HTTP/1.1\r\n\r\n"), 0);
	assert_int_equal(parse_labels(n253, 4, ".:443 HTTP/1.1\r\n\r\n"), 0);
	assert_int_equal(parse_labels(n254, 4, ":443 HTTP/1.1\r\n\r\n"), 400);
	assert_int_equal(parse_labels(n254, 4, ".:443 HTTP/1.1\r\n\r\n"), 400);
}

/* Parses a head with n "X-N: v" field lines. */
static int parse_fields(size_t n)
{
	struct tbuf b = { NULL, 0 };
	struct request req;
	size_t i;

	tbuf_str(&b, RL);
	for (i = 0; i < n; i++)
		tbuf_str(&b, "X-N: v\r\n");
	tbuf_str(&b, "\r\n");
	return tbuf_parse(&b, &req);
}

static void test_field_count(void **state)
{
	assert_int_equal(parse_fields(REQUEST_FIELDS_MAX), 0);
	assert_int_equal(parse_fields(REQUEST_FIELDS_MAX + 1), 431);
}

static void test_head_len_stops_at_blank_line(void **state)
{
	static const char in[] = RL "Host: h\r\n\r\nTUNNEL\r\n\r\n";
	struct request req;

	assert_int_equal(request_parse(in, sizeof(in) - 1, &req), 0);
	assert_int_equal(req.head_len, sizeof(in) - 1 - strlen("TUNNEL\r\n\r\n"));
}

/* ---- request_parse_truncated ------------------------------------------- */

/* A REQUEST_HEAD_MAX buffer: prefix, then fill repeated to the end. */
static int truncated_of(const char *prefix, const char *fill)
{
	char *buf = malloc(REQUEST_HEAD_MAX);
	size_t len, n = strlen(fill);
	int status;

	assert_non_null(buf);
	len = strlen(prefix);
	memcpy(buf, prefix, len);
	for (; len < REQUEST_HEAD_MAX; len++)
		buf[len] = fill[(len - strlen(prefix)) % n];
	status = request_parse_truncated(buf, REQUEST_HEAD_MAX);
	free(buf);
	return status;
}

static void test_truncated(void **state)
{
	/* unfinished request lines (R26, edge 15) */
	assert_int_equal(truncated_of("CONNECT ", "a"), 414);
	assert_int_equal(truncated_of("\r\nCONNECT ", "a"), 414);
	assert_int_equal(truncated_of("", "CONNECT"), 501);
	assert_int_equal(truncated_of("CONNECTCONNECTCONNECT ", "a"), 501);
	assert_int_equal(truncated_of("GET /", "a"), 405);
	assert_int_equal(truncated_of("connect ", "a"), 405);
	assert_int_equal(truncated_of("CONNECT h:443 ", "1"), 400);
	assert_int_equal(truncated_of("CONNECT ", "a\r"), 400);
	assert_int_equal(truncated_of("", "\x01"), 400);
	assert_int_equal(truncated_of("", " "), 400);
	/* finished request lines (R25, edge 15) */
	assert_int_equal(truncated_of(RL, "X-Pad: aaaaaaaa\r\n"), 431);
	assert_int_equal(truncated_of("\n" RL, "X-Pad: aaaaaaaa\n"), 431);
	assert_int_equal(truncated_of(RL "X-Big: ", "a"), 431);
	assert_int_equal(truncated_of("CONNECT h:443 HTTP/2.0\r\n", "X: a\r\n"), 505);
	assert_int_equal(truncated_of("CONNECT h:0 HTTP/1.1\r\n", "X: a\r\n"), 400);
	assert_int_equal(truncated_of("GET / HTTP/1.1\r\n", "X: a\r\n"), 405);
	assert_int_equal(truncated_of("\n\n\n\n\n", "a"), 400);
}

/* ---- request_read ------------------------------------------------------ */

/* The socketpairs come from unit.h; sv[1] is the client end. */

/* Reads what is left in fd up to EOF (the writer has shut down). */
static size_t drain(int fd)
{
	char tmp[4096];
	size_t total = 0;
	ssize_t n;

	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		total += (size_t)n;
	assert_int_equal(n, 0);
	return total;
}

static void test_read_one_byte_per_read(void **state)
{
	/* SOCK_SEQPACKET: each one-byte send is one read(), deterministically */
	static const char head[] = "\r\nCONNECT h:443 HTTP/1.1\r\nHost: h\n\r\n";
	static struct request_buffer buf;
	struct request req;
	char c;
	size_t i;
	int sv[2];

	pair(SOCK_SEQPACKET, sv);
	for (i = 0; i < sizeof(head) - 1; i++)
		send_now(sv[1], &head[i], 1);
	send_now(sv[1], "X", 1);
	send_now(sv[1], "Y", 1);
	buf.len = 0;
	assert_int_equal(request_read(sv[0], far_deadline(), &buf), 0);
	assert_int_equal(buf.head_len, sizeof(head) - 1);
	assert_int_equal(buf.len, sizeof(head) - 1);
	assert_int_equal(request_parse(buf.data, buf.head_len, &req), 0);
	assert_string_equal(req.host, "h");
	/* nothing after the blank line was read */
	assert_int_equal(read(sv[0], &c, 1), 1);
	assert_int_equal(c, 'X');
	close_pair(sv);
}

static void test_read_keeps_pipelined_bytes(void **state)
{
	static const char in[] = RL "Host: h\r\n\r\n\x16\x03\x01 hello";
	static struct request_buffer buf;
	int sv[2];

	pair(SOCK_STREAM, sv);
	send_now(sv[1], in, sizeof(in) - 1);
	buf.len = 0;
	assert_int_equal(request_read(sv[0], far_deadline(), &buf), 0);
	assert_int_equal(buf.head_len, sizeof(RL "Host: h\r\n\r\n") - 1);
	assert_int_equal(buf.len, sizeof(in) - 1);
	assert_memory_equal(buf.data + buf.head_len, "\x16\x03\x01 hello", 9);
	close_pair(sv);
}

static void test_read_consume_then_next(void **state)
{
	static const char in[] = RL "\r\n" "CONNECT b:22 HTTP/1.0\r\n\r\nDATA";
	static struct request_buffer buf;
	struct request req;
	int sv[2];

	pair(SOCK_STREAM, sv);
	send_now(sv[1], in, sizeof(in) - 1);
	buf.len = 0;
	assert_int_equal(request_read(sv[0], far_deadline(), &buf), 0);
	assert_int_equal(request_parse(buf.data, buf.head_len, &req), 0);
	assert_string_equal(req.host, "h");
	request_buffer_consume(&buf);
	assert_int_equal(buf.head_len, 0);
	/* already buffered: found without waiting, past deadline or not */
	assert_int_equal(request_read(sv[0], clock_now_ms() - 1, &buf), 0);
	assert_int_equal(request_parse(buf.data, buf.head_len, &req), 0);
	assert_string_equal(req.host, "b");
	assert_int_equal(req.minor_version, 0);
	request_buffer_consume(&buf);
	assert_int_equal(buf.len, 4);
	assert_memory_equal(buf.data, "DATA", 4);
	close_pair(sv);
}

static void test_read_eof(void **state)
{
	static struct request_buffer buf;
	int sv[2];

	pair(SOCK_STREAM, sv);
	send_now(sv[1], RL, sizeof(RL) - 1);
	shutdown(sv[1], SHUT_WR);
	buf.len = 0;
	errno = EINVAL;
	assert_int_equal(request_read(sv[0], far_deadline(), &buf), -1);
	assert_int_equal(errno, 0);
	assert_int_equal(buf.len, sizeof(RL) - 1);
	close_pair(sv);
}

static void test_read_eof_at_once(void **state)
{
	static struct request_buffer buf;
	int sv[2];

	pair(SOCK_STREAM, sv);
	shutdown(sv[1], SHUT_WR);
	buf.len = 0;
	assert_int_equal(request_read(sv[0], far_deadline(), &buf), -1);
	assert_int_equal(errno, 0);
	close_pair(sv);
}

static void test_read_deadline_passed(void **state)
{
	static struct request_buffer buf;
	int sv[2];

	pair(SOCK_STREAM, sv);
	buf.len = 0;
	assert_int_equal(request_read(sv[0], clock_now_ms() - 1, &buf), 408);
	close_pair(sv);
}

static void test_read_deadline_while_waiting(void **state)
{
	static struct request_buffer buf;
	long long start = clock_now_ms();
	int sv[2];

	pair(SOCK_STREAM, sv);
	send_now(sv[1], "CONNECT h:443 HTT", 17);
	buf.len = 0;
	assert_int_equal(request_read(sv[0], start + 50, &buf), 408);
	assert_true(clock_now_ms() >= start + 50);
	assert_int_equal(buf.len, 17);
	close_pair(sv);
}

static void test_read_bad_fd(void **state)
{
	static struct request_buffer buf;

	buf.len = 0;
	assert_int_equal(request_read(FD_SETSIZE, far_deadline(), &buf), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(request_read(-1, far_deadline(), &buf), -1);
	assert_int_equal(errno, EBADF);
}

/* Sends prefix + fill up to total bytes, shuts the writer down, runs
 * request_read, and checks that exactly REQUEST_HEAD_MAX bytes were read. */
static int read_overlong(const char *prefix, char fill, size_t total)
{
	static struct request_buffer buf;
	struct tbuf b = { NULL, 0 };
	int sv[2], status;

	pair(SOCK_STREAM, sv);
	tbuf_str(&b, prefix);
	tbuf_fill(&b, fill, total - b.len);
	send_now(sv[1], b.p, b.len);
	free(b.p);
	shutdown(sv[1], SHUT_WR);
	buf.len = 0;
	status = request_read(sv[0], far_deadline(), &buf);
	assert_int_equal(buf.len, REQUEST_HEAD_MAX);
	assert_int_equal(drain(sv[0]), total - REQUEST_HEAD_MAX);
	close_pair(sv);
	return status;
}

static void test_read_overlong(void **state)
{
	/* a 9000-byte target (R26, edge 15) */
	assert_int_equal(read_overlong("CONNECT ", 'a', 9000), 414);
	/* 9000 bytes of junk with no line end: an overlong method */
	assert_int_equal(read_overlong("", 'x', 9000), 501);
	/* a 64 KiB field (R25, edge 15) */
	assert_int_equal(read_overlong(RL "X-Big: ", 'a', 65536), 431);
}

static void test_read_head_exactly_max(void **state)
{
	static struct request_buffer buf;
	struct tbuf b = { NULL, 0 };
	int sv[2];

	pair(SOCK_STREAM, sv);
	tbuf_str(&b, RL "X-Big: ");
	tbuf_fill(&b, 'a', REQUEST_HEAD_MAX - b.len - 4);
	tbuf_str(&b, "\r\n\r\nMORE");
	send_now(sv[1], b.p, b.len);
	free(b.p);
	buf.len = 0;
	assert_int_equal(request_read(sv[0], far_deadline(), &buf), 0);
	assert_int_equal(buf.head_len, REQUEST_HEAD_MAX);
	shutdown(sv[1], SHUT_WR);
	assert_int_equal(drain(sv[0]), 4);
	close_pair(sv);
}

static void test_consume(void **state)
{
	static struct request_buffer buf;

	memcpy(buf.data, "HEAD\n\nrest", 10);
	buf.len = 10;
	buf.head_len = 6;
	request_buffer_consume(&buf);
	assert_int_equal(buf.len, 4);
	assert_int_equal(buf.head_len, 0);
	assert_memory_equal(buf.data, "rest", 4);
}

/* ---- main -------------------------------------------------------------- */

int main(void)
{
	static const struct CMUnitTest others[] = {
		cmocka_unit_test(test_target_length),
		cmocka_unit_test(test_name_length),
		cmocka_unit_test(test_field_count),
		cmocka_unit_test(test_head_len_stops_at_blank_line),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_read_one_byte_per_read),
		cmocka_unit_test(test_read_keeps_pipelined_bytes),
		cmocka_unit_test(test_read_consume_then_next),
		cmocka_unit_test(test_read_eof),
		cmocka_unit_test(test_read_eof_at_once),
		cmocka_unit_test(test_read_deadline_passed),
		cmocka_unit_test(test_read_deadline_while_waiting),
		cmocka_unit_test(test_read_bad_fd),
		cmocka_unit_test(test_read_overlong),
		cmocka_unit_test(test_read_head_exactly_max),
		cmocka_unit_test(test_consume),
	};
	int failed = 0;

	failed += RUN_ROWS("request_parse", parse_cases, test_parse_row);
	failed += RUN_ROWS("request_head_end", end_cases, test_end_row);
	failed += cmocka_run_group_tests_name("request", others, NULL, NULL);
	return failed != 0;
}
