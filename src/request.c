/* request.c: reading and parsing the CONNECT request head.
 *
 * The head is octets, not text (RFC 9112 2.2): lines end in LF with an
 * optional CR before it, and every other CR is an error. The parser walks
 * a cursor (pointer + bytes left) over the buffer and never looks past it,
 * so it needs no NUL terminator; the only copies are into req->host and a
 * small stack buffer for inet_pton/inet_aton, each bounds-checked first. */
#include <sys/select.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "http.h"
#include "number.h"
#include "octets.h"
#include "request.h"

#define METHOD_MAX 7         /* strlen("CONNECT"), the longest we implement */
#define EMPTY_LINES_MAX 4    /* empty lines tolerated before the request line */
#define LABEL_MAX 63         /* one DNS label */
#define IPV6_TEXT_MAX 45     /* INET6_ADDRSTRLEN without its NUL */
#define PORT_MAX 65535

static int is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char to_lower(unsigned char c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/* reg-name characters we accept (R35): LDH, '_' and the '.' separator. */
static int is_host_char(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '_' || c == '.';
}

/* Returns 1 when s holds n > 0 bytes, all tchar. */
static int is_token(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_tchar((unsigned char)s[i]))
			return 0;
	return n > 0;
}

/* Compares s (n bytes) with the lower-case literal lit, ignoring ASCII case. */
static int name_is(const char *s, size_t n, const char *lit)
{
	size_t i;

	if (n != strlen(lit))
		return 0;
	for (i = 0; i < n; i++)
		if (to_lower((unsigned char)s[i]) != lit[i])
			return 0;
	return 1;
}

/* Takes the next line off c into line, without its LF or CR LF.
 * Returns 0, or 400 when no LF is left or a bare CR is inside. */
static int line_take(struct cursor *c, struct cursor *line)
{
	const char *lf;
	size_t len;

	if (c->n == 0 || !(lf = memchr(c->p, '\n', c->n)))
		return HTTP_BAD_REQUEST;
	len = (size_t)(lf - c->p);
	line->p = c->p;
	line->n = len;
	if (len > 0 && c->p[len - 1] == '\r')
		line->n--;
	c->p += len + 1;
	c->n -= len + 1;
	if (memchr(line->p, '\r', line->n))
		return HTTP_BAD_REQUEST;
	return 0;
}

/* Skips the empty lines RFC 9112 2.2 lets a client send before the
 * request line, up to EMPTY_LINES_MAX. Returns 0, or 400 for more. */
static int empty_lines_skip(struct cursor *c)
{
	size_t skipped = 0, eol;

	for (;;) {
		if (c->n >= 1 && c->p[0] == '\n')
			eol = 1;
		else if (c->n >= 2 && c->p[0] == '\r' && c->p[1] == '\n')
			eol = 2;
		else
			return 0;
		if (++skipped > EMPTY_LINES_MAX)
			return HTTP_BAD_REQUEST;
		c->p += eol;
		c->n -= eol;
	}
}

size_t request_head_end(const char *buf, size_t len)
{
	size_t pos = 0, empty = 0, eol, linelen;
	const char *lf;
	int started = 0;

	while (pos < len && (lf = memchr(buf + pos, '\n', len - pos))) {
		eol = (size_t)(lf - buf);
		linelen = eol - pos;
		if (linelen > 0 && buf[eol - 1] == '\r')
			linelen--;
		pos = eol + 1;
		if (linelen > 0)
			started = 1;
		else if (started || ++empty > EMPTY_LINES_MAX)
			/* past the tolerated leading lines an empty line ends
			 * the head too, so the parser can reject it */
			return pos;
	}
	return 0;
}

/* Splits a request line into exactly three parts at single spaces.
 * Returns 0, or -1 when it is not "token SP 1*char SP 1*char". */
static int reqline_split(const struct cursor *line, struct cursor *method,
			 struct cursor *target, struct cursor *version)
{
	const char *sp1, *sp2, *end = line->p + line->n;

	if (line->n == 0 || !(sp1 = memchr(line->p, ' ', line->n)))
		return -1;
	if (!(sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1))))
		return -1;
	method->p = line->p;
	method->n = (size_t)(sp1 - line->p);
	target->p = sp1 + 1;
	target->n = (size_t)(sp2 - target->p);
	version->p = sp2 + 1;
	version->n = (size_t)(end - version->p);
	if (!is_token(method->p, method->n) || target->n == 0)
		return -1;
	/* a third space: an extra part, a trailing space or a doubled one */
	if (memchr(version->p, ' ', version->n))
		return -1;
	return 0;
}

/* Checks the shape "HTTP/" DIGIT "." DIGIT, case-sensitive. */
static int version_is_valid(const struct cursor *v)
{
	return v->n == 8 && memcmp(v->p, "HTTP/", 5) == 0 &&
	       is_digit((unsigned char)v->p[5]) && v->p[6] == '.' &&
	       is_digit((unsigned char)v->p[7]);
}

/* Reads the minor version of a valid HTTP-version into *minor (0 or 1,
 * any higher 1.x counting as 1.1). Returns 0, or 505 for a major other
 * than 1. */
static int version_parse(const struct cursor *v, int *minor)
{
	if (v->p[5] != '1')
		return HTTP_VERSION_NOT_SUPPORTED;
	*minor = v->p[7] == '0' ? 0 : 1;
	return 0;
}

/* Returns 0 for CONNECT, 405 for any other method short enough to be one
 * we might know (the caller adds Allow: CONNECT), 501 for a longer one. */
static int method_check(const char *s, size_t n)
{
	if (n == METHOD_MAX && memcmp(s, "CONNECT", METHOD_MAX) == 0)
		return 0;
	return n <= METHOD_MAX ? HTTP_METHOD_NOT_ALLOWED : HTTP_NOT_IMPLEMENTED;
}

/* Checks a reg-name of n bytes, a trailing dot already removed: host
 * characters only, labels of 1..LABEL_MAX bytes. Returns 0 or -1. */
static int name_check(const char *s, size_t n)
{
	size_t i, label = 0;

	for (i = 0; i < n; i++) {
		if (!is_host_char((unsigned char)s[i]))
			return -1;
		if (s[i] != '.')
			label++;
		else if (label == 0)
			return -1;
		else
			label = 0;
		if (label > LABEL_MAX)
			return -1;
	}
	return label > 0 ? 0 : -1;
}

/* Whether the last label of host (n bytes, no trailing dot) makes it an
 * IPv4 address, by the WHATWG "ends in a number" rule: all digits, or a
 * 0x prefix. Such a name never goes to DNS, whatever inet_aton thinks. */
static int name_ends_in_number(const char *host, size_t n)
{
	size_t start = n, i;

	while (start > 0 && host[start - 1] != '.')
		start--;
	if (n - start >= 2 && host[start] == '0' && host[start + 1] == 'x')
		return 1;
	for (i = start; i < n; i++)
		if (!is_digit((unsigned char)host[i]))
			return 0;
	return 1;
}

/* Sets req->literal to the IPv4 address host (n bytes, lower-cased, no
 * trailing dot) in any form inet_aton takes, as ::ffff:a.b.c.d.
 * Returns 0, or 400 when inet_aton rejects it. */
static int ipv4_parse(const char *host, size_t n, struct request *req)
{
	char text[REQUEST_HOST_MAX + 1];
	struct in_addr in;

	if (n >= sizeof(text))
		return HTTP_BAD_REQUEST;
	memcpy(text, host, n);
	text[n] = '\0';
	if (inet_aton(text, &in) == 0)
		return HTTP_BAD_REQUEST;
	memset(&req->literal, 0, sizeof(req->literal));
	req->literal.b[10] = 0xff;
	req->literal.b[11] = 0xff;
	memcpy(&req->literal.b[12], &in.s_addr, 4);
	req->host_kind = HOST_IPV4;
	return 0;
}

/* Parses a reg-name or IPv4 host of n bytes into req->host (lower-cased,
 * trailing dot kept), host_kind and literal. Returns 0 or 400. */
static int host_parse_name(const char *s, size_t n, struct request *req)
{
	size_t body = n, i;

	if (n > 0 && s[n - 1] == '.')
		body--;
	if (body == 0 || body > REQUEST_HOST_MAX || name_check(s, body) < 0)
		return HTTP_BAD_REQUEST;
	/* n <= REQUEST_HOST_MAX + 1, and host has room for that and a NUL */
	for (i = 0; i < n; i++)
		req->host[i] = to_lower((unsigned char)s[i]);
	req->host[n] = '\0';
	req->host_kind = HOST_NAME;
	if (name_ends_in_number(req->host, body))
		return ipv4_parse(req->host, body, req);
	return 0;
}

/* Parses the inside of "[...]" (n bytes) as an IPv6 address into
 * req->host, host_kind and literal. Zone ids are refused. Returns 0 or 400. */
static int host_parse_ipv6(const char *s, size_t n, struct request *req)
{
	struct in6_addr in6;
	size_t i;

	if (n == 0 || n > IPV6_TEXT_MAX)
		return HTTP_BAD_REQUEST;
	/* inet_pton stops at a NUL, so every byte is checked here first */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_hex(c) && c != ':' && c != '.')
			return HTTP_BAD_REQUEST;
		req->host[i] = to_lower(c);
	}
	req->host[n] = '\0';
	if (inet_pton(AF_INET6, req->host, &in6) != 1)
		return HTTP_BAD_REQUEST;
	memcpy(req->literal.b, in6.s6_addr, 16);
	req->host_kind = HOST_IPV6;
	return 0;
}

/* Parses what follows the host: ":" port. With required set, the port is
 * 1..65535 and goes to *port; without (a Host field), it may be absent or
 * empty and is only checked to be digits. Returns 0 or 400. */
static int port_parse(const char *s, size_t n, int required, unsigned *port)
{
	unsigned long v;
	size_t i;

	if (n == 0)
		return required ? HTTP_BAD_REQUEST : 0;
	if (s[0] != ':')
		return HTTP_BAD_REQUEST;
	if (!required) {
		for (i = 1; i < n; i++)
			if (!is_digit((unsigned char)s[i]))
				return HTTP_BAD_REQUEST;
		return 0;
	}
	if (number_parse(s + 1, n - 1, PORT_MAX, &v) < 0 || v == 0)
		return HTTP_BAD_REQUEST;
	*port = (unsigned)v;
	return 0;
}

/* Parses an authority "host:port" or "[v6]:port" of n bytes into req.
 * For a Host field (required == 0) the port is optional. Returns 0 or 400. */
static int authority_parse(const char *s, size_t n, int required,
			   struct request *req)
{
	const char *mark;
	size_t hostlen;
	int status;

	if (n > 0 && s[0] == '[') {
		if (!(mark = memchr(s, ']', n)))
			return HTTP_BAD_REQUEST;
		hostlen = (size_t)(mark - s) + 1;
		status = host_parse_ipv6(s + 1, hostlen - 2, req);
	} else {
		/* ':' is no host character, so the first one ends the host */
		mark = memchr(s, ':', n);
		hostlen = mark ? (size_t)(mark - s) : n;
		status = host_parse_name(s, hostlen, req);
	}
	if (status != 0)
		return status;
	return port_parse(s + hostlen, n - hostlen, required, &req->port);
}

/* Parses a request line into req, checking in order: shape (400),
 * version (505), method (405, 501), target length (414), target (400). */
static int reqline_parse(const struct cursor *line, struct request *req)
{
	struct cursor method, target, version;
	int status;

	if (reqline_split(line, &method, &target, &version) < 0 ||
	    !version_is_valid(&version))
		return HTTP_BAD_REQUEST;
	if ((status = version_parse(&version, &req->minor_version)) != 0)
		return status;
	if ((status = method_check(method.p, method.n)) != 0)
		return status;
	if (target.n > REQUEST_TARGET_MAX)
		return HTTP_URI_TOO_LONG;
	return authority_parse(target.p, target.n, 1, req);
}

/* Checks a Host field value (D2): at most one, empty or a valid
 * uri-host [":" port]. It is never used for routing. Returns 0 or 400. */
static int field_host(const struct cursor *value, int *seen)
{
	struct request scratch;

	if (*seen)
		return HTTP_BAD_REQUEST;
	*seen = 1;
	if (value->n == 0)
		return 0;
	memset(&scratch, 0, sizeof(scratch));
	return authority_parse(value->p, value->n, 0, &scratch);
}

/* Acts on one field we care about; all others are ignored (R44).
 * Returns 0 or 400. */
static int field_apply(const struct cursor *name, const struct cursor *value,
		       struct request *req, int *host_seen)
{
	unsigned long v;

	if (name_is(name->p, name->n, "host"))
		return field_host(value, host_seen);
	/* a CONNECT has no content, so any framing but "none" is smuggling */
	if (name_is(name->p, name->n, "transfer-encoding"))
		return HTTP_BAD_REQUEST;
	if (name_is(name->p, name->n, "content-length"))
		return number_parse(value->p, value->n, 0, &v) < 0 ?
		       HTTP_BAD_REQUEST : 0;
	if (name_is(name->p, name->n, "proxy-authorization")) {
		if (req->proxy_authorization)
			return HTTP_BAD_REQUEST;
		req->proxy_authorization = value->p;
		req->proxy_authorization_len = value->n;
	}
	return 0;
}

/* Trims OWS (SP, HTAB) from both ends of v. */
static void value_trim(struct cursor *v)
{
	while (v->n > 0 && (v->p[0] == ' ' || v->p[0] == '\t')) {
		v->p++;
		v->n--;
	}
	while (v->n > 0 && (v->p[v->n - 1] == ' ' || v->p[v->n - 1] == '\t'))
		v->n--;
}

/* Checks a field value: controls other than HTAB (NUL, DEL...) are
 * refused; obs-text (0x80-0xff) passes as opaque octets. Returns 0 or -1. */
static int value_check(const struct cursor *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		unsigned char c = (unsigned char)v->p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -1;
	}
	return 0;
}

/* Parses one field line: a token name directly followed by ':' (so
 * leading whitespace, obs-fold and "Name :" all fail), then the value.
 * Returns 0 or 400. */
static int field_parse(const struct cursor *line, struct request *req,
		       int *host_seen)
{
	struct cursor name, value;
	size_t i = 0;

	while (i < line->n && is_tchar((unsigned char)line->p[i]))
		i++;
	if (i == 0 || i == line->n || line->p[i] != ':')
		return HTTP_BAD_REQUEST;
	name.p = line->p;
	name.n = i;
	value.p = line->p + i + 1;
	value.n = line->n - i - 1;
	value_trim(&value);
	if (value_check(&value) < 0)
		return HTTP_BAD_REQUEST;
	return field_apply(&name, &value, req, host_seen);
}

/* Parses field lines up to and including the empty line ending the head.
 * Returns 0, 400, or 431 past REQUEST_FIELDS_MAX lines. */
static int fields_parse(struct cursor *c, struct request *req)
{
	struct cursor line;
	size_t count = 0;
	int host_seen = 0, status;

	for (;;) {
		if ((status = line_take(c, &line)) != 0)
			return status;
		if (line.n == 0)
			return 0;
		if (++count > REQUEST_FIELDS_MAX)
			return HTTP_HEADERS_TOO_LARGE;
		if ((status = field_parse(&line, req, &host_seen)) != 0)
			return status;
	}
}

int request_parse(const char *head, size_t len, struct request *req)
{
	struct cursor c, line;
	int status;

	memset(req, 0, sizeof(*req));
	c.p = head;
	c.n = len;
	if ((status = empty_lines_skip(&c)) != 0)
		return status;
	if ((status = line_take(&c, &line)) != 0)
		return status;
	if ((status = reqline_parse(&line, req)) != 0)
		return status;
	if ((status = fields_parse(&c, req)) != 0)
		return status;
	/* bytes after the empty line, if the caller passed any, are not ours */
	req->head_len = (size_t)(c.p - head);
	return 0;
}

/* The status for a request line cut off by the head limit (c holds it,
 * with no LF): its method decides (400 not a token, 501 too long, 405 not
 * CONNECT); for CONNECT, 414 when the target alone is over
 * REQUEST_TARGET_MAX, else 400 since only a bogus version can be that long. */
static int reqline_unfinished(const struct cursor *c)
{
	const char *sp, *sp2;
	size_t mlen, tlen;

	/* a CR as the very last byte may still be followed by its LF */
	if (c->n > 1 && memchr(c->p, '\r', c->n - 1))
		return HTTP_BAD_REQUEST;
	sp = memchr(c->p, ' ', c->n);
	mlen = sp ? (size_t)(sp - c->p) : c->n;
	if (!is_token(c->p, mlen))
		return HTTP_BAD_REQUEST;
	if (mlen > METHOD_MAX)
		return HTTP_NOT_IMPLEMENTED;
	if (!sp)
		return HTTP_HEADERS_TOO_LARGE; /* a short head: not truncated */
	if (method_check(c->p, mlen) != 0)
		return HTTP_METHOD_NOT_ALLOWED;
	sp2 = memchr(sp + 1, ' ', c->n - mlen - 1);
	tlen = sp2 ? (size_t)(sp2 - sp - 1) : c->n - mlen - 1;
	return tlen > REQUEST_TARGET_MAX ? HTTP_URI_TOO_LONG : HTTP_BAD_REQUEST;
}

int request_parse_truncated(const char *buf, size_t len)
{
	struct cursor c, line;
	struct request scratch;
	int status;

	c.p = buf;
	c.n = len;
	if ((status = empty_lines_skip(&c)) != 0)
		return status;
	if (c.n == 0 || !memchr(c.p, '\n', c.n))
		return c.n == 0 ? HTTP_HEADERS_TOO_LARGE : reqline_unfinished(&c);
	if ((status = line_take(&c, &line)) != 0)
		return status;
	memset(&scratch, 0, sizeof(scratch));
	if ((status = reqline_parse(&line, &scratch)) != 0)
		return status;
	return HTTP_HEADERS_TOO_LARGE;
}

/* Waits until fd is readable or deadline_ms passes. Returns 0 when
 * readable, 408 on timeout, -1 with errno on error. */
static int request_wait(int fd, long long deadline_ms)
{
	if (clock_wait_fd(fd, 0, deadline_ms) == 0)
		return 0;
	return errno == ETIMEDOUT ? HTTP_REQUEST_TIMEOUT : -1;
}

/* Reads what fd has into buf, never past REQUEST_HEAD_MAX so that bytes
 * beyond the head limit stay in the socket. Returns the count (0 for
 * "nothing yet", after EINTR or EAGAIN), or -1 on EOF (errno 0) or error. */
static ssize_t request_fill(int fd, struct request_buffer *buf)
{
	ssize_t n;

	n = read(fd, buf->data + buf->len, sizeof(buf->data) - buf->len);
	if (n > 0) {
		buf->len += (size_t)n;
		return n;
	}
	if (n == 0) {
		errno = 0;
		return -1;
	}
	if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	return -1;
}

int request_read(int fd, long long deadline_ms, struct request_buffer *buf)
{
	size_t fresh = 0;
	int status;

	if (fd < 0 || fd >= FD_SETSIZE || buf->len > sizeof(buf->data)) {
		errno = EBADF;
		return -1;
	}
	buf->head_len = 0;
	for (;;) {
		/* the head can only have ended if a new LF came in */
		if (memchr(buf->data + fresh, '\n', buf->len - fresh) &&
		    (buf->head_len = request_head_end(buf->data, buf->len)))
			return 0;
		if (buf->len == sizeof(buf->data))
			return request_parse_truncated(buf->data, buf->len);
		if ((status = request_wait(fd, deadline_ms)) != 0)
			return status;
		fresh = buf->len;
		if (request_fill(fd, buf) < 0)
			return -1;
	}
}

int request_parse_target(const char *s, size_t n, struct request *req)
{
	memset(req, 0, sizeof(*req));
	if (n > REQUEST_TARGET_MAX)
		return HTTP_URI_TOO_LONG;
	return authority_parse(s, n, 1, req);
}

void request_buffer_consume(struct request_buffer *buf)
{
	size_t head = buf->head_len;

	if (head > buf->len)
		head = buf->len;
	memmove(buf->data, buf->data + head, buf->len - head);
	buf->len -= head;
	buf->head_len = 0;
}
