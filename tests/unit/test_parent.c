/* test_parent.c: table-driven tests of parent.c (cmocka).
 *
 * Every format and parse row runs as its own cmocka test, named after the
 * row, on exactly-sized heap buffers so that ASan catches any access past
 * the end. parent_handshake runs over a socketpair against a fake parent:
 * bytes written beforehand, or a forked child that reads the request,
 * checks it and answers. With SOCK_SEQPACKET each of the child's sends is
 * one read on our side, which makes split answers deterministic. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "parent.h"
#include "unit.h"

/* ---- parent_format_request --------------------------------------------- */

struct format_case {
	const char *name;
	const char *host;
	int v6;
	unsigned port;
	const char *token;
	const char *want;   /* NULL: 0 expected whatever the buffer size */
};

#define FMT(t, host, v6, port, token, want) { t, host, v6, port, token, want }
#define NOFMT(t, host, v6, port, token) { t, host, v6, port, token, NULL }

static const struct format_case format_cases[] = {
	/* R81, D8: request line, Host, optional Proxy-Authorization, nothing more */
	FMT("name", "example.com", 0, 443, NULL,
	    "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
	FMT("IPv4", "192.0.2.7", 0, 8080, NULL,
	    "CONNECT 192.0.2.7:8080 HTTP/1.1\r\nHost: 192.0.2.7:8080\r\n\r\n"),
	FMT("IPv6 bracketed in both places", "2001:db8::1", 1, 443, NULL,
	    "CONNECT [2001:db8::1]:443 HTTP/1.1\r\n"
	    "Host: [2001:db8::1]:443\r\n\r\n"),
	FMT("IPv4-mapped IPv6 bracketed", "::ffff:192.0.2.7", 1, 22, NULL,
	    "CONNECT [::ffff:192.0.2.7]:22 HTTP/1.1\r\n"
	    "Host: [::ffff:192.0.2.7]:22\r\n\r\n"),
	FMT("with token", "example.com", 0, 443, "dXNlcjpwYXNz",
	    "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"
	    "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n"),
	FMT("IPv6 with token", "::1", 1, 3128, "YTpi",
	    "CONNECT [::1]:3128 HTTP/1.1\r\nHost: [::1]:3128\r\n"
	    "Proxy-Authorization: Basic YTpi\r\n\r\n"),
	FMT("port 1", "h", 0, 1, NULL, "CONNECT h:1 HTTP/1.1\r\nHost: h:1\r\n\r\n"),
	FMT("port 65535", "h", 0, 65535, NULL,
	    "CONNECT h:65535 HTTP/1.1\r\nHost: h:65535\r\n\r\n"),
	FMT("trailing dot kept", "example.com.", 0, 443, NULL,
	    "CONNECT example.com.:443 HTTP/1.1\r\nHost: example.com.:443\r\n\r\n"),
	/* what would make a broken or smuggled request */
	NOFMT("port 0", "h", 0, 0, NULL),
	NOFMT("port 65536", "h", 0, 65536, NULL),
	NOFMT("empty host", "", 0, 443, NULL),
	NOFMT("CRLF in host", "h\r\nX-Injected: 1", 0, 443, NULL),
	NOFMT("space in host", "h x", 0, 443, NULL),
	NOFMT("unbracketed colon in a name", "::1", 0, 443, NULL),
	NOFMT("CRLF in token", "h", 0, 443, "YTpi\r\nX-Injected: 1"),
	NOFMT("empty token", "h", 0, 443, ""),
	NOFMT("DEL in token", "h", 0, 443, "YT\x7fpi"),
};

/* Formats a row into a heap buffer of exactly size bytes; *out gets a
 * copy of the result's bytes (caller frees). Returns the length. */
static size_t format_sized(const struct format_case *t, size_t size, char **out)
{
	char *buf = malloc(size ? size : 1);
	size_t n;

	assert_non_null(buf);
	n = parent_format_request(size ? buf : NULL, size, t->host, t->v6,
				  t->port, t->token);
	*out = buf;
	return n;
}

static void test_format_row(void **state)
{
	const struct format_case *t = *state;
	size_t want = t->want ? strlen(t->want) : 0, size, n;
	char *buf;

	/* every size up to the length (no room for the NUL) is too small */
	for (size = 0; size <= want + 1; size++) {
		n = format_sized(t, size, &buf);
		if (t->want && size == want + 1) {
			assert_int_equal(n, want);
			assert_memory_equal(buf, t->want, want);
			assert_int_equal(buf[want], '\0');
		} else {
			assert_int_equal(n, 0);
		}
		free(buf);
	}
	/* and a roomy buffer changes nothing */
	n = format_sized(t, 1024, &buf);
	assert_int_equal(n, want);
	if (t->want)
		assert_string_equal(buf, t->want);
	free(buf);
}

/* ---- parent_parse_response ---------------------------------------------- */

struct parse_case {
	const char *name;
	const char *in;
	size_t len;
	int result;         /* 1, 0 or -1 */
	int status;         /* checked when result is 1 */
	size_t head_len;
};

/* A complete response head, then rest (destination data). */
#define RESP(t, head, rest, status) \
	{ t, IN(head rest), 1, status, sizeof(head) - 1 }
#define MORE(t, s) { t, IN(s), 0, 0, 0 }
#define BAD(t, s) { t, IN(s), -1, 0, 0 }

#define OK200 "HTTP/1.1 200 OK\r\n"

static const struct parse_case parse_cases[] = {
	/* edge case 25, R83-R85 */
	RESP("200 with Content-Length and a banner (R83)",
	     OK200 "Content-Length: 10\r\n\r\n", "BANNER", 200),
	RESP("407 with Proxy-Authenticate (R85)",
	     "HTTP/1.1 407 Proxy Authentication Required\r\n"
	     "Proxy-Authenticate: Basic realm=\"parent\"\r\n"
	     "Content-Length: 0\r\n\r\n", "", 407),
	RESP("200 without SP or reason (R84)", "HTTP/1.1 200\r\n\r\n", "", 200),
	RESP("200 with SP and an empty reason", "HTTP/1.1 200 \r\n\r\n", "", 200),
	RESP("100 then 200 (R84)",
	     "HTTP/1.1 100 Continue\r\n\r\n" OK200 "\r\n", "", 200),
	RESP("100 then 200 without reason (R84 test)",
	     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200\r\n\r\n", "x", 200),
	RESP("two 1xx with fields then 200",
	     "HTTP/1.1 100 Continue\r\n\r\n"
	     "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
	     OK200 "Via: 1.1 parent\r\n\r\n", "data", 200),
	RESP("102 Processing skipped",
	     "HTTP/1.1 102 Processing\r\n\r\n" OK200 "\r\n", "", 200),
	RESP("1xx then 407", "HTTP/1.1 100 Continue\r\n\r\n"
	     "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", "", 407),
	RESP("HTTP/1.0 200 Connection established",
	     "HTTP/1.0 200 Connection established\r\n\r\n", "", 200),
	RESP("HTTP/1.9 is an HTTP/1.x", "HTTP/1.9 200 OK\r\n\r\n", "", 200),
	RESP("503 with a body", "HTTP/1.1 503 Service Unavailable\r\n"
	     "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\n", "busy\n", 503),
	RESP("Transfer-Encoding on a 200 ignored (R83)",
	     OK200 "Transfer-Encoding: chunked\r\n\r\n", "5\r\nhello\r\n", 200),
	RESP("another response after the head is data",
	     OK200 "\r\n", OK200 "\r\n", 200),
	RESP("status 599", "HTTP/1.1 599 x\r\n\r\n", "", 599),
	RESP("other 2xx", "HTTP/1.1 204 No Content\r\n\r\n", "", 204),
	BAD("garbage (R85)", "garbage\r\n\r\n"),
	BAD("HTTP/2 status line", "HTTP/2 200\r\n\r\n"),
	BAD("HTTP/2.0 status line", "HTTP/2.0 200 OK\r\n\r\n"),
	BAD("101 Switching Protocols", "HTTP/1.1 101 Switching Protocols\r\n\r\n"),
	BAD("101 after a 100", "HTTP/1.1 100 Continue\r\n\r\n"
	    "HTTP/1.1 101 Switching Protocols\r\n\r\n"),
	BAD("four-digit status", "HTTP/1.1 2000 OK\r\n\r\n"),
	BAD("two-digit status", "HTTP/1.1 20 OK\r\n\r\n"),
	BAD("status 099", "HTTP/1.1 099 x\r\n\r\n"),
	BAD("status 600", "HTTP/1.1 600 x\r\n\r\n"),
	BAD("status 000", "HTTP/1.1 000 x\r\n\r\n"),
	BAD("letters in the status", "HTTP/1.1 2OO OK\r\n\r\n"),
	BAD("lower-case http", "http/1.1 200 OK\r\n\r\n"),
	BAD("two spaces before the status", "HTTP/1.1  200 OK\r\n\r\n"),
	BAD("HTAB before the status", "HTTP/1.1\t200 OK\r\n\r\n"),
	BAD("HTAB after the status", "HTTP/1.1 200\tOK\r\n\r\n"),
	BAD("no minor version", "HTTP/1 200 OK\r\n\r\n"),
	BAD("empty line before the status line", "\r\n" OK200 "\r\n"),
	BAD("blank head", "\r\n\r\n"),

	/* line endings: bare LF is tolerated, bare CR never */
	RESP("bare LF throughout", "HTTP/1.1 200 OK\nVia: 1.1 p\n\n", "BANNER", 200),
	RESP("CRLF fields, LF blank line", OK200 "Via: 1.1 p\r\n\n", "x", 200),
	RESP("LF status line, CRLF blank line", "HTTP/1.1 200 OK\n\r\n", "", 200),
	RESP("bare LF 1xx then 200", "HTTP/1.1 100 Continue\n\nHTTP/1.1 200\n\n",
	     "", 200),
	BAD("bare CR ends the status line", "HTTP/1.1 200 OK\rVia: x\r\n\r\n"),
	BAD("bare CR in a field", OK200 "Via: a\rb\r\n\r\n"),
	BAD("CR CR LF", "HTTP/1.1 200 OK\r\r\n\r\n"),
	BAD("CR CR LF blank line", OK200 "\r\r\n"),
	BAD("bare CR in an unfinished line", "HTTP/1.1 200\rX"),

	/* reason phrase: text, obs-text and HTAB, no other control */
	RESP("obs-text in the reason", "HTTP/1.1 200 \xc3\xa9t\xe9 \x80\xff\r\n\r\n",
	     "", 200),
	RESP("HTAB in the reason", "HTTP/1.1 200 Connection\testablished\r\n\r\n",
	     "", 200),
	BAD("NUL in the reason", "HTTP/1.1 200 O\0K\r\n\r\n"),
	BAD("DEL in the reason", "HTTP/1.1 200 O\x7fK\r\n\r\n"),
	BAD("ESC in the reason", "HTTP/1.1 200 \x1b[1mOK\r\n\r\n"),

	/* field lines: checked loosely, never acted on */
	RESP("empty field value", OK200 "X-Empty:\r\n\r\n", "", 200),
	RESP("obs-text and HTAB in a value", OK200 "X-A: \t\xc3\xa9\x80\t\r\n\r\n",
	     "", 200),
	RESP("odd token name", OK200 "!#$%&'*+-.^_`|~09az:v\r\n\r\n", "", 200),
	BAD("space before the colon", OK200 "Via : x\r\n\r\n"),
	BAD("obs-fold", OK200 "Via: a\r\n b\r\n\r\n"),
	BAD("no colon", OK200 "NoColon\r\n\r\n"),
	BAD("empty name", OK200 ": v\r\n\r\n"),
	BAD("NUL in a value", OK200 "X-A: a\0b\r\n\r\n"),
	BAD("garbage field after a 1xx", "HTTP/1.1 100 Continue\r\n{}\r\n\r\n"),

	/* unfinished: more is needed, unless it is already garbage */
	MORE("empty", ""),
	MORE("one byte", "H"),
	MORE("status code begun", "HTTP/1.1 2"),
	MORE("status line without its LF", "HTTP/1.1 200 OK\r"),
	MORE("final head without its blank line", OK200 "Via: x\r\n"),
	MORE("a 1xx alone", "HTTP/1.1 100 Continue\r\n\r\n"),
	BAD("first byte not H", "X"),
	BAD("TLS record", "\x16\x03\x01"),
	BAD("SSH banner", "SSH-2.0-OpenSSH_9.6"),
	BAD("a request, not a response", "GET / HTTP/1.1"),
	BAD("NUL first", "\0"),
	BAD("status beginning with 6", "HTTP/1.1 6"),
	BAD("status beginning with 0", "HTTP/1.1 0"),
	BAD("HTTP/2 unfinished", "HTTP/2"),
	BAD("101 before its line ends", "HTTP/1.1 101 Swi"),
	BAD("no SP after the status, unfinished", "HTTP/1.1 200OK"),
	BAD("space in a field name, unfinished", OK200 "Bad Name"),
	BAD("control in a reason, unfinished", "HTTP/1.1 200 \x01"),
};

/* Parses len bytes of in from an exactly-sized heap copy. */
static int parse_sized(const char *in, size_t len, int *status, size_t *head_len)
{
	char *buf = malloc(len ? len : 1);
	int r;

	assert_non_null(buf);
	memcpy(buf, in, len);
	r = parent_parse_response(buf, len, status, head_len);
	free(buf);
	return r;
}

static void test_parse_row(void **state)
{
	const struct parse_case *t = *state;
	size_t head_len = 0, k;
	int status = 0, r;

	r = parse_sized(t->in, t->len, &status, &head_len);
	assert_int_equal(r, t->result);
	if (r != 1)
		return;
	assert_int_equal(status, t->status);
	assert_int_equal(head_len, t->head_len);
	/* every proper prefix of the head needs more; longer ones end the
	 * head at the same place */
	for (k = 0; k < t->len; k++) {
		status = 0;
		head_len = 0;
		r = parse_sized(t->in, k, &status, &head_len);
		if (k < t->head_len) {
			assert_int_equal(r, 0);
			continue;
		}
		assert_int_equal(r, 1);
		assert_int_equal(status, t->status);
		assert_int_equal(head_len, t->head_len);
	}
}

/* ---- parent_handshake: helpers ------------------------------------------- */

#define REQ "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"

/* A socketpair of the given type; sv[0] is ours, made non-blocking as
 * connectd's parent socket is; sv[1] is the parent's. */
static void parent_pair(int type, int sv[2])
{
	int flags;

	pair(type, sv);
	flags = fcntl(sv[0], F_GETFL);
	assert_true(flags >= 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, flags | O_NONBLOCK), 0);
}

/* Reads exactly n bytes from the blocking fd into buf. */
static void read_exactly(int fd, char *buf, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = read(fd, buf, n);
		assert_true(r > 0);
		buf += r;
		n -= (size_t)r;
	}
}

/* Checks that the parent end received exactly the request REQ. */
static void check_request_sent(int fd)
{
	char got[sizeof(REQ) - 1];

	read_exactly(fd, got, sizeof(got));
	assert_memory_equal(got, REQ, sizeof(got));
}

/* What the fake parent gets: the socketpair, the request it expects
 * (wlen bytes) and the parts of its answer, NULL-terminated. */
struct fake {
	int *sv;
	const char *want;
	size_t wlen;
	const char *const *parts;
};

/* The fake parent's life in the child, on sv[1]: reads the request,
 * returns 3 unless it is want, sends each part in a send() of its own,
 * returns 0. */
static int fake_run(const void *arg)
{
	const struct fake *f = arg;
	const char *const *parts;
	char *got = malloc(f->wlen + 1);
	size_t have = 0;
	int fd = f->sv[1];
	ssize_t n;

	close(f->sv[0]);
	if (!got)
		return 2;
	/* room for one byte more shows a request longer than want */
	while (have < f->wlen &&
	       (n = read(fd, got + have, f->wlen + 1 - have)) > 0)
		have += (size_t)n;
	if (have != f->wlen || memcmp(got, f->want, f->wlen) != 0)
		return 3;
	for (parts = f->parts; *parts; parts++)
		if (send(fd, *parts, strlen(*parts), MSG_NOSIGNAL) !=
		    (ssize_t)strlen(*parts))
			return 4;
	return 0;
}

/* Forks a fake parent on sv[1] and leaves the test only sv[0], so that
 * the child's exit is an EOF. Returns the child's pid. */
static pid_t fake_start(int sv[2], const char *want, size_t wlen,
			const char *const *parts)
{
	struct fake f = { sv, want, wlen, parts };
	pid_t pid = child_start(fake_run, &f);

	close(sv[1]);
	return pid;
}

/* Runs a handshake with REQ against a forked parent sending parts.
 * Returns its result; errno is the handshake's. */
static int handshake_with(int type, const char *const *parts,
			  struct parent_reply *reply)
{
	int sv[2], r, saved;
	pid_t pid;

	parent_pair(type, sv);
	pid = fake_start(sv, REQ, sizeof(REQ) - 1, parts);
	r = parent_handshake(sv[0], IN(REQ), far_deadline(), reply);
	saved = errno;
	child_wait(pid);
	close(sv[0]);
	errno = saved;
	return r;
}

/* A head of exactly total bytes: a 200, one padded field, the blank line. */
static char *padded_head(size_t total)
{
	static const char start[] = OK200 "X-Pad: ", end[] = "\r\n\r\n";
	size_t fixed = sizeof(start) - 1 + sizeof(end) - 1;
	char *buf = malloc(total + 1);

	assert_true(total >= fixed);
	assert_non_null(buf);
	memcpy(buf, start, sizeof(start) - 1);
	memset(buf + sizeof(start) - 1, 'a', total - fixed);
	memcpy(buf + total - (sizeof(end) - 1), end, sizeof(end));
	return buf;
}

/* ---- parent_handshake: tests --------------------------------------------- */

static void test_handshake_banner_in_one_write(void **state)
{
	static const char *const parts[] = {
		OK200 "Content-Length: 10\r\n\r\nBANNER", NULL
	};
	static struct parent_reply reply;

	(void)state;
	assert_int_equal(handshake_with(SOCK_STREAM, parts, &reply), 0);
	assert_int_equal(reply.status, 200);
	assert_int_equal(reply.ndata, 6);
	assert_memory_equal(reply.data, "BANNER", 6);
}

static void test_handshake_request_with_token(void **state)
{
	static const char want[] =
		"CONNECT [2001:db8::1]:443 HTTP/1.1\r\n"
		"Host: [2001:db8::1]:443\r\n"
		"Proxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n";
	static const char *const parts[] = { "HTTP/1.1 200\r\n\r\n", NULL };
	static struct parent_reply reply;
	char req[256];
	size_t n;
	int sv[2];
	pid_t pid;

	(void)state;
	n = parent_format_request(req, sizeof(req), "2001:db8::1", 1, 443,
				  "dXNlcjpwYXNz");
	assert_int_equal(n, sizeof(want) - 1);
	parent_pair(SOCK_STREAM, sv);
	pid = fake_start(sv, want, sizeof(want) - 1, parts);
	assert_int_equal(parent_handshake(sv[0], req, n, far_deadline(), &reply), 0);
	child_wait(pid);
	close(sv[0]);
	assert_int_equal(reply.status, 200);
	assert_int_equal(reply.ndata, 0);
}

static void test_handshake_split_answer(void **state)
{
	/* one read per part: the head ends inside the fourth */
	static const char *const parts[] = {
		"HTTP/1.1 2", "00 OK\r", "\n\r", "\nBAN", "NER", NULL
	};
	static struct parent_reply reply;
	char rest[3];
	int sv[2];
	pid_t pid;

	(void)state;
	parent_pair(SOCK_SEQPACKET, sv);
	pid = fake_start(sv, REQ, sizeof(REQ) - 1, parts);
	assert_int_equal(parent_handshake(sv[0], IN(REQ), far_deadline(), &reply), 0);
	child_wait(pid);
	assert_int_equal(reply.status, 200);
	assert_int_equal(reply.ndata, 3);
	assert_memory_equal(reply.data, "BAN", 3);
	/* what came later is left in the socket for the relay */
	assert_int_equal(read(sv[0], rest, sizeof(rest)), 3);
	assert_memory_equal(rest, "NER", 3);
	close(sv[0]);
}

static void test_handshake_byte_by_byte_1xx(void **state)
{
	static const char answer[] =
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\nVia: p\n\nX";
	static char bytes[sizeof(answer) - 1][2];
	static const char *parts[sizeof(answer)];
	static struct parent_reply reply;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(answer) - 1; i++) {
		bytes[i][0] = answer[i];
		parts[i] = bytes[i];
	}
	parts[i] = NULL;
	assert_int_equal(handshake_with(SOCK_SEQPACKET, parts, &reply), 0);
	/* the X is a read of its own after the head: left for the relay */
	assert_int_equal(reply.status, 200);
	assert_int_equal(reply.ndata, 0);
}

static void test_handshake_407(void **state)
{
	static const char *const parts[] = {
		"HTTP/1.1 407 Proxy Authentication Required\r\n"
		"Proxy-Authenticate: Basic realm=\"p\"\r\nContent-Length: 4\r\n\r\n",
		"body", NULL
	};
	static struct parent_reply reply;

	(void)state;
	/* any status is a result: the caller turns a 407 into a 502 (R85) */
	assert_int_equal(handshake_with(SOCK_SEQPACKET, parts, &reply), 0);
	assert_int_equal(reply.status, 407);
	assert_int_equal(reply.ndata, 0);
}

static void test_handshake_garbage(void **state)
{
	static const char *const parts[] = { "SSH-2.0-OpenSSH_9.6\r\n", NULL };
	static struct parent_reply reply;

	(void)state;
	assert_int_equal(handshake_with(SOCK_STREAM, parts, &reply), -1);
	assert_int_equal(errno, EPROTO);
	assert_int_equal(reply.status, 0);
	assert_int_equal(reply.ndata, 0);
}

static void test_handshake_101(void **state)
{
	static const char *const parts[] = {
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", NULL
	};
	static struct parent_reply reply;

	(void)state;
	assert_int_equal(handshake_with(SOCK_STREAM, parts, &reply), -1);
	assert_int_equal(errno, EPROTO);
}

static void test_handshake_closes_inside_head(void **state)
{
	static const char *const parts[] = { OK200 "Via: p\r\n", NULL };
	static struct parent_reply reply;

	(void)state;
	assert_int_equal(handshake_with(SOCK_SEQPACKET, parts, &reply), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(reply.status, 0);
}

static void test_handshake_closes_silently(void **state)
{
	static const char *const parts[] = { NULL };
	static struct parent_reply reply;

	(void)state;
	assert_int_equal(handshake_with(SOCK_STREAM, parts, &reply), -1);
	assert_int_equal(errno, ECONNRESET);
}

static void test_handshake_never_answers(void **state)
{
	static struct parent_reply reply;
	long long start = clock_now_ms(), took;
	int sv[2];

	(void)state;
	parent_pair(SOCK_STREAM, sv);
	assert_int_equal(parent_handshake(sv[0], IN(REQ), start + 150, &reply), -1);
	assert_int_equal(errno, ETIMEDOUT);
	took = clock_now_ms() - start;
	assert_true(took >= 140 && took < 5000);
	check_request_sent(sv[1]);
	close_pair(sv);
}

static void test_handshake_deadline_passed(void **state)
{
	static struct parent_reply reply;
	int sv[2];

	(void)state;
	parent_pair(SOCK_STREAM, sv);
	send_all(sv[1], IN(OK200 "\r\n"));
	assert_int_equal(parent_handshake(sv[0], IN(REQ), clock_now_ms() - 1,
					  &reply), -1);
	assert_int_equal(errno, ETIMEDOUT);
	close_pair(sv);
}

static void test_handshake_parent_gone(void **state)
{
	static struct parent_reply reply;
	int sv[2];

	(void)state;
	/* MSG_NOSIGNAL: an EPIPE, not a SIGPIPE that would end the test */
	parent_pair(SOCK_STREAM, sv);
	close(sv[1]);
	assert_int_equal(parent_handshake(sv[0], IN(REQ), far_deadline(), &reply), -1);
	assert_int_equal(errno, EPIPE);
	close(sv[0]);
}

static void test_handshake_large_request(void **state)
{
	static const char *const parts[] = { OK200 "\r\n", NULL };
	static struct parent_reply reply;
	size_t len = 256 * 1024;
	char *req = malloc(len);
	int sv[2], small = 4096;
	pid_t pid;

	(void)state;
	/* far more than a small send buffer holds: short sends and EAGAIN */
	assert_non_null(req);
	memset(req, 'r', len);
	parent_pair(SOCK_STREAM, sv);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small,
				    sizeof(small)), 0);
	pid = fake_start(sv, req, len, parts);
	assert_int_equal(parent_handshake(sv[0], req, len, far_deadline(), &reply), 0);
	child_wait(pid);
	close(sv[0]);
	free(req);
	assert_int_equal(reply.status, 200);
}

/* Handshakes against an answer written beforehand; sv[1] stays open. */
static int handshake_prewritten(const char *answer, size_t len,
				struct parent_reply *reply, int sv[2])
{
	int r, saved;

	parent_pair(SOCK_STREAM, sv);
	send_all(sv[1], answer, len);
	r = parent_handshake(sv[0], IN(REQ), far_deadline(), reply);
	saved = errno;
	check_request_sent(sv[1]);
	errno = saved;
	return r;
}

static void test_handshake_head_exactly_max(void **state)
{
	static struct parent_reply reply;
	char *head = padded_head(PARENT_RESPONSE_MAX);
	int sv[2];

	(void)state;
	assert_int_equal(handshake_prewritten(head, PARENT_RESPONSE_MAX, &reply, sv), 0);
	assert_int_equal(reply.status, 200);
	assert_int_equal(reply.ndata, 0);
	free(head);
	close_pair(sv);
}

static void test_handshake_data_fills_buffer(void **state)
{
	static struct parent_reply reply;
	size_t hl = PARENT_RESPONSE_MAX - 1;
	char *buf = malloc(hl + 2), *head = padded_head(hl), c;
	int sv[2];

	(void)state;
	/* one byte of data fits next to the head; the next stays unread */
	assert_non_null(buf);
	memcpy(buf, head, hl);
	free(head);
	buf[hl] = 'X';
	buf[hl + 1] = 'Y';
	assert_int_equal(handshake_prewritten(buf, hl + 2, &reply, sv), 0);
	assert_int_equal(reply.status, 200);
	assert_int_equal(reply.ndata, 1);
	assert_int_equal(reply.data[0], 'X');
	assert_int_equal(read(sv[0], &c, 1), 1);
	assert_int_equal(c, 'Y');
	free(buf);
	close_pair(sv);
}

static void test_handshake_head_too_long(void **state)
{
	static struct parent_reply reply;
	char *head = padded_head(PARENT_RESPONSE_MAX + 1);
	int sv[2];

	(void)state;
	assert_int_equal(handshake_prewritten(head, PARENT_RESPONSE_MAX + 1,
					      &reply, sv), -1);
	assert_int_equal(errno, EPROTO);
	free(head);
	close_pair(sv);
}

static void test_handshake_bad_fd(void **state)
{
	static struct parent_reply reply;

	(void)state;
	reply.status = 7;
	assert_int_equal(parent_handshake(-1, IN(REQ), far_deadline(), &reply), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(reply.status, 0);
}

/* ---- main ------------------------------------------------------------------ */

int main(void)
{
	static const struct CMUnitTest handshake[] = {
		cmocka_unit_test(test_handshake_banner_in_one_write),
		cmocka_unit_test(test_handshake_request_with_token),
		cmocka_unit_test(test_handshake_split_answer),
		cmocka_unit_test(test_handshake_byte_by_byte_1xx),
		cmocka_unit_test(test_handshake_407),
		cmocka_unit_test(test_handshake_garbage),
		cmocka_unit_test(test_handshake_101),
		cmocka_unit_test(test_handshake_closes_inside_head),
		cmocka_unit_test(test_handshake_closes_silently),
		cmocka_unit_test(test_handshake_never_answers),
		cmocka_unit_test(test_handshake_deadline_passed),
		cmocka_unit_test(test_handshake_parent_gone),
		cmocka_unit_test(test_handshake_large_request),
		cmocka_unit_test(test_handshake_head_exactly_max),
		cmocka_unit_test(test_handshake_data_fills_buffer),
		cmocka_unit_test(test_handshake_head_too_long),
		cmocka_unit_test(test_handshake_bad_fd),
	};
	int failed = 0;

	failed += RUN_ROWS("parent_format_request", format_cases,
			   test_format_row);
	failed += RUN_ROWS("parent_parse_response", parse_cases, test_parse_row);
	failed += cmocka_run_group_tests_name("parent_handshake", handshake,
					      NULL, NULL);
	return failed != 0;
}
