/* parent.c: the CONNECT we send to a parent proxy and its answer (R81-R86).
 *
 * The request is fresh and minimal (D8, W9): request line, Host and our own
 * Proxy-Authorization when configured; nothing of the client's goes up.
 *
 * The response is octets, not text, and is parsed the way request.c parses
 * a request: a cursor (pointer + bytes left) walks the buffer and never
 * looks past it, lines end in LF with an optional CR before it, and every
 * other CR is an error. Unlike request.c, the parser also judges the
 * unfinished last line, so that a parent speaking something other than
 * HTTP/1.x is refused as soon as its first bytes show it, not when the
 * buffer fills or the deadline passes. The parser keeps no state between
 * calls: the handshake parses again from the start after each read, which
 * at PARENT_RESPONSE_MAX bytes costs nothing worth a resumable parser. */
#include <sys/select.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "number.h"
#include "octets.h"
#include "parent.h"

#define STATUS_PREFIX "HTTP/1."
#define STATUS_PREFIX_LEN 7    /* strlen(STATUS_PREFIX) */
#define STATUS_SP_AT 8         /* "HTTP/1.x" then SP */
#define STATUS_CODE_AT 9       /* the three digits of the code */
#define STATUS_LINE_MIN 12     /* "HTTP/1.x DDD", no reason */
#define STATUS_MIN 100
#define STATUS_MAX 599
#define STATUS_SWITCHING 101
#define STATUS_FINAL_MIN 200
#define PORT_MAX 65535

/* A reason-phrase or field-value octet: HTAB, SP, VCHAR or obs-text,
 * i.e. anything but a control (RFC 9112 4, RFC 9110 5.5). */
static int is_text(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* Returns 1 when all n bytes of s are is_text. */
static int text_is_valid(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_text((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Returns 1 when s is non-empty visible ASCII: no SP, CR, LF or other
 * control that would let it end its line or part of the request early. */
static int word_is_valid(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

size_t parent_format_request(char *buf, size_t len, const char *host,
			     int host_is_v6, unsigned port, const char *basic_token)
{
	const char *lbr = host_is_v6 ? "[" : "", *rbr = host_is_v6 ? "]" : "";
	int n;

	/* host and token go out verbatim, so a byte that could end a line or
	 * a part, or an unbracketed ':', would let them rewrite the request */
	if (!word_is_valid(host) || (!host_is_v6 && strchr(host, ':')) ||
	    (basic_token && !word_is_valid(basic_token)) ||
	    port == 0 || port > PORT_MAX)
		return 0;
	n = snprintf(buf, len,
		     "CONNECT %s%s%s:%u HTTP/1.1\r\n"
		     "Host: %s%s%s:%u\r\n"
		     "%s%s%s"
		     "\r\n",
		     lbr, host, rbr, port, lbr, host, rbr, port,
		     basic_token ? "Proxy-Authorization: Basic " : "",
		     basic_token ? basic_token : "",
		     basic_token ? "\r\n" : "");
	if (n < 0 || (size_t)n >= len)
		return 0;
	return (size_t)n;
}

/* Takes the next line off c into line, without its LF or CR LF. With no
 * LF left, takes the unfinished rest, minus a last CR that may be the
 * start of its CR LF. Returns 1 for a finished line, 0 for an unfinished
 * one, or -1 when a bare CR is inside. */
static int line_take(struct cursor *c, struct cursor *line)
{
	const char *lf = c->n > 0 ? memchr(c->p, '\n', c->n) : NULL;
	size_t len = lf ? (size_t)(lf - c->p) : c->n;
	size_t eol = lf ? 1 : 0;

	line->p = c->p;
	line->n = len;
	if (len > 0 && c->p[len - 1] == '\r')
		line->n--;
	c->p += len + eol;
	c->n -= len + eol;
	if (line->n > 0 && memchr(line->p, '\r', line->n))
		return -1;
	return lf != NULL;
}

/* Whether byte i (< STATUS_LINE_MIN) of a status line may be c: the
 * "HTTP/1." DIGIT SP 3DIGIT of RFC 9112 4. The code's first digit must be
 * 1..5 so that a line can be refused before its end. */
static int status_byte_is_valid(size_t i, unsigned char c)
{
	if (i < STATUS_PREFIX_LEN)
		return c == (unsigned char)STATUS_PREFIX[i];
	if (i == STATUS_SP_AT)
		return c == ' ';
	if (i == STATUS_CODE_AT)
		return c >= '1' && c <= '5';
	return is_digit(c);
}

/* Checks a status line: the fixed part, then either its end or SP and a
 * reason (maybe empty). An unfinished line passes while it is a prefix of
 * one. Sets *status once the three digits are in, else to 0.
 * Returns 0, or -1 for garbage or a code outside 100..599. */
static int status_line_check(const struct cursor *line, int finished,
			     int *status)
{
	unsigned long code = 0; /* set by number_parse; zero quiets -Wmaybe-uninitialized */
	size_t i;

	*status = 0;
	for (i = 0; i < line->n && i < STATUS_LINE_MIN; i++)
		if (!status_byte_is_valid(i, (unsigned char)line->p[i]))
			return -1;
	if (line->n < STATUS_LINE_MIN)
		return finished ? -1 : 0;
	if (line->n > STATUS_LINE_MIN &&
	    (line->p[STATUS_LINE_MIN] != ' ' ||
	     !text_is_valid(line->p + STATUS_LINE_MIN + 1,
			    line->n - STATUS_LINE_MIN - 1)))
		return -1;
	if (number_parse(line->p + STATUS_CODE_AT, 3, STATUS_MAX, &code) < 0 ||
	    code < STATUS_MIN)
		return -1;
	*status = (int)code;
	return 0;
}

/* Checks a header field line loosely, since no field is acted on (R83):
 * a token name directly followed by ':' (so obs-fold and "Name :" fail),
 * then text. An unfinished line passes while it is a prefix of one.
 * Returns 0 or -1. */
static int field_check(const struct cursor *line, int finished)
{
	size_t i = 0;

	while (i < line->n && is_tchar((unsigned char)line->p[i]))
		i++;
	if (i == line->n)
		return finished ? -1 : 0;
	if (i == 0 || line->p[i] != ':')
		return -1;
	return text_is_valid(line->p + i + 1, line->n - i - 1) ? 0 : -1;
}

/* Takes one response head (status line, fields, blank line) off c.
 * Returns 1 with *status set, 0 when c ends inside it (*status may be
 * set), or -1 for garbage. */
static int head_take(struct cursor *c, int *status)
{
	struct cursor line;
	int finished;

	if ((finished = line_take(c, &line)) < 0 ||
	    status_line_check(&line, finished, status) < 0)
		return -1;
	/* a protocol switch is no tunnel: success for CONNECT is a 2xx */
	if (*status == STATUS_SWITCHING)
		return -1;
	if (!finished)
		return 0;
	for (;;) {
		if ((finished = line_take(c, &line)) < 0)
			return -1;
		if (finished && line.n == 0)
			return 1;
		if (field_check(&line, finished) < 0)
			return -1;
		if (!finished)
			return 0;
	}
}

/* The caller bounds len: a head still unfinished at PARENT_RESPONSE_MAX
 * bytes is refused by parent_handshake (EPROTO), not here. */
int parent_parse_response(const char *buf, size_t len, int *status,
			  size_t *head_len)
{
	struct cursor c;
	int r, st;

	c.p = buf;
	c.n = len;
	/* interim 1xx responses first, each a whole head of its own (R84) */
	do {
		if ((r = head_take(&c, &st)) != 1)
			return r;
	} while (st < STATUS_FINAL_MIN);
	*status = st;
	*head_len = (size_t)(c.p - buf);
	return 1;
}

/* Sends all len bytes of buf on fd by deadline_ms. MSG_DONTWAIT keeps the
 * deadline even on a blocking fd; MSG_NOSIGNAL makes a parent that hung up
 * an EPIPE to report, not a SIGPIPE to die of. Returns 0 or -1 with errno. */
static int send_all(int fd, const char *buf, size_t len, long long deadline_ms)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		/* the socket buffer is full: wait for room */
		if (clock_wait_fd(fd, 1, deadline_ms) < 0)
			return -1;
	}
	return 0;
}

/* Reads what fd has (never more) into buf after *have bytes, up to size,
 * waiting for it until deadline_ms. Returns 0, or -1 with errno:
 * ECONNRESET when the parent hung up first. */
static int response_fill(int fd, char *buf, size_t size, size_t *have,
			 long long deadline_ms)
{
	ssize_t n;

	for (;;) {
		if (clock_wait_fd(fd, 0, deadline_ms) < 0)
			return -1;
		n = recv(fd, buf + *have, size - *have, MSG_DONTWAIT);
		if (n > 0) {
			*have += (size_t)n;
			return 0;
		}
		if (n == 0) {
			/* EOF inside the head: the parent closed, not garbled */
			errno = ECONNRESET;
			return -1;
		}
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
	}
}

int parent_handshake(int fd, const char *request, size_t len,
		     long long deadline_ms, struct parent_reply *reply)
{
	char buf[PARENT_RESPONSE_MAX];
	size_t have = 0, head_len = 0;
	int r, status = 0;

	reply->status = 0;
	reply->ndata = 0;
	if (fd < 0 || fd >= FD_SETSIZE) {
		errno = EBADF;
		return -1;
	}
	if (send_all(fd, request, len, deadline_ms) < 0)
		return -1;
	while ((r = parent_parse_response(buf, have, &status, &head_len)) == 0) {
		if (have == sizeof(buf))
			break; /* a head this long is refused like garbage (R85) */
		if (response_fill(fd, buf, sizeof(buf), &have, deadline_ms) < 0)
			return -1;
	}
	if (r != 1) {
		errno = EPROTO;
		return -1;
	}
	/* what came after the blank line is the destination's (R83) */
	reply->status = status;
	reply->ndata = have - head_len;
	memcpy(reply->data, buf + head_len, reply->ndata);
	return 0;
}
