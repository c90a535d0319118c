/* fuzz_request.c: the CONNECT request head, the first untrusted bytes
 * connectd reads. The same input goes through request_head_end,
 * request_parse (on the measured head, as main.c calls it, and on all of
 * the bytes), request_parse_truncated (as request_read calls it when the
 * buffer fills) and request_parse_target (the bytes as a bare authority).
 *
 * Invariants: head_end <= len and a head ends in LF; request_parse returns
 * 0 or one of the statuses http.h defines and request.h promises; a 0
 * fills a non-empty NUL-terminated lower-case host of the declared kind,
 * a port 1..65535, a minor version 0 or 1, head_len equal to what
 * request_head_end measured, and a Proxy-Authorization view inside the
 * input; the truncated status is never 0. */
#include <arpa/inet.h>

#include "fuzz.h"
#include "http.h"
#include "request.h"

/* The statuses request_parse may answer with (request.h). */
static int parse_status_ok(int st)
{
	return st == 0 || st == HTTP_BAD_REQUEST ||
	       st == HTTP_METHOD_NOT_ALLOWED || st == HTTP_URI_TOO_LONG ||
	       st == HTTP_HEADERS_TOO_LARGE || st == HTTP_NOT_IMPLEMENTED ||
	       st == HTTP_VERSION_NOT_SUPPORTED;
}

/* Checks what request_parse / request_parse_target fill on success. */
static void check_target(const struct request *req, const char *what)
{
	size_t n = strnlen(req->host, sizeof(req->host)), i;
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	FUZZ_CHECK(n < sizeof(req->host), "%s: host not NUL-terminated", what);
	FUZZ_CHECK(n > 0, "%s: empty host", what);
	FUZZ_CHECK(req->port >= 1 && req->port <= 65535, "%s: port %u", what,
		   req->port);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)req->host[i];

		FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), "%s: upper case in host '%s'",
			   what, req->host);
		if (req->host_kind == HOST_IPV6)
			FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
				   c == ':' || c == '.',
				   "%s: byte 0x%02x in IPv6 host", what, c);
		else
			FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
				   c == '-' || c == '_' || c == '.',
				   "%s: byte 0x%02x in host", what, c);
	}
	switch (req->host_kind) {
	case HOST_NAME:
		FUZZ_CHECK(n <= REQUEST_HOST_MAX + 1, "%s: host of %zu bytes",
			   what, n);
		break;
	case HOST_IPV4:
		FUZZ_CHECK(memcmp(req->literal.b, mapped, 12) == 0,
			   "%s: IPv4 literal not IPv4-mapped", what);
		break;
	case HOST_IPV6: {
		unsigned char b[16];

		FUZZ_CHECK(inet_pton(AF_INET6, req->host, b) == 1 &&
			   memcmp(b, req->literal.b, 16) == 0,
			   "%s: IPv6 host '%s' does not match its literal", what,
			   req->host);
		break;
	}
	default:
		FUZZ_CHECK(0, "%s: host_kind %d", what, (int)req->host_kind);
	}
}

/* Parses buf[0..len) and checks the result; returns the status. */
static int parse_and_check(const char *buf, size_t len, size_t head_end,
			   const char *what)
{
	struct request req;
	int st = request_parse(buf, len, &req);

	FUZZ_CHECK(parse_status_ok(st), "%s: status %d", what, st);
	if (st != 0)
		return st;
	check_target(&req, what);
	FUZZ_CHECK(req.minor_version == 0 || req.minor_version == 1,
		   "%s: minor %d", what, req.minor_version);
	FUZZ_CHECK(req.head_len > 0 && req.head_len <= len,
		   "%s: head_len %zu of %zu", what, req.head_len, len);
	/* the parser and the reader agree on where the head ends */
	FUZZ_CHECK(req.head_len == head_end, "%s: head_len %zu, head_end %zu",
		   what, req.head_len, head_end);
	FUZZ_CHECK(buf[req.head_len - 1] == '\n', "%s: head not ending in LF",
		   what);
	if (req.proxy_authorization != NULL) {
		const char *p = req.proxy_authorization;

		FUZZ_CHECK(p >= buf && p <= buf + req.head_len &&
			   req.proxy_authorization_len <=
			   (size_t)(buf + req.head_len - p),
			   "%s: Proxy-Authorization outside the head", what);
		if (req.proxy_authorization_len > 0)
			FUZZ_CHECK(p[0] != ' ' && p[0] != '\t' &&
				   p[req.proxy_authorization_len - 1] != ' ' &&
				   p[req.proxy_authorization_len - 1] != '\t',
				   "%s: Proxy-Authorization not trimmed", what);
	} else {
		FUZZ_CHECK(req.proxy_authorization_len == 0,
			   "%s: auth length without a value", what);
	}
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct request req;
	size_t end;
	int st;

	end = request_head_end(buf, size);
	FUZZ_CHECK(end <= size, "head_end %zu of %zu", end, size);
	if (end > 0) {
		FUZZ_CHECK(buf[end - 1] == '\n', "head_end %zu not after a LF", end);
		/* what main.c does: parse exactly the measured head */
		parse_and_check(buf, end, end, "head");
	}
	/* request_read measures again after every read, so on any prefix the
	 * head must end where it ends in the whole, or not yet (edge case 3:
	 * a head arriving a byte at a time) */
	{
		size_t cuts[4], i, e;
		char *copy;

		cuts[0] = end > 0 ? end - 1 : size / 2;
		cuts[1] = end;
		cuts[2] = size / 2;
		cuts[3] = size > 0 ? (size_t)data[0] % size : 0;
		for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
			copy = malloc(cuts[i] > 0 ? cuts[i] : 1);
			FUZZ_CHECK(copy != NULL, "out of memory");
			memcpy(copy, buf, cuts[i]);
			e = request_head_end(copy, cuts[i]);
			free(copy);
			FUZZ_CHECK(e == (end > 0 && cuts[i] >= end ? end : 0),
				   "prefix %zu: head_end %zu, whole %zu", cuts[i],
				   e, end);
		}
	}

	/* all of the bytes, pipelined data included: a success needs a head */
	st = parse_and_check(buf, size, end, "all");
	FUZZ_CHECK(st != 0 || end > 0, "parsed without a complete head");

	/* what request_read answers when REQUEST_HEAD_MAX bytes hold no head */
	st = request_parse_truncated(buf, size);
	FUZZ_CHECK(st != 0 && parse_status_ok(st), "truncated: status %d", st);

	/* the authority grammar alone, as the config's parent directive uses it */
	st = request_parse_target(buf, size, &req);
	FUZZ_CHECK(st == 0 || st == HTTP_BAD_REQUEST || st == HTTP_URI_TOO_LONG,
		   "target: status %d", st);
	if (st == 0)
		check_target(&req, "target");
	return 0;
}
