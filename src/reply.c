/* reply.c: responses to the client and the graceful close after errors. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "http.h"
#include "reply.h"

struct status_text {
	int status;
	const char *reason;
	const char *error_type; /* RFC 9209 */
	const char *body;
};

static const struct status_text status_table[] = {
	{ HTTP_OK, "Connection established", NULL, NULL },
	{ HTTP_BAD_REQUEST, "Bad Request", "http_request_error",
	  "The request is not a valid CONNECT request.\n" },
	{ HTTP_FORBIDDEN, "Forbidden", "http_request_denied",
	  "The proxy's policy does not allow this tunnel.\n" },
	{ HTTP_METHOD_NOT_ALLOWED, "Method Not Allowed", "http_request_error",
	  "This proxy only tunnels: use CONNECT host:port.\n" },
	{ HTTP_PROXY_AUTH_REQUIRED, "Proxy Authentication Required", NULL,
	  "The proxy needs credentials.\n" },
	{ HTTP_REQUEST_TIMEOUT, "Request Timeout", "http_request_error",
	  "The request did not arrive in time.\n" },
	{ HTTP_URI_TOO_LONG, "URI Too Long", "http_request_error",
	  "The request target is too long.\n" },
	{ HTTP_HEADERS_TOO_LARGE, "Request Header Fields Too Large",
	  "http_request_error", "The request header is too large.\n" },
	{ HTTP_INTERNAL_ERROR, "Internal Server Error", "proxy_internal_error",
	  "The proxy failed; its log says why.\n" },
	{ HTTP_NOT_IMPLEMENTED, "Not Implemented", "http_request_error",
	  "This proxy only implements CONNECT.\n" },
	{ HTTP_BAD_GATEWAY, "Bad Gateway", "destination_unavailable",
	  "The proxy could not connect to the destination.\n" },
	{ HTTP_SERVICE_UNAVAILABLE, "Service Unavailable",
	  "connection_limit_reached", "The proxy is busy.\n" },
	{ HTTP_GATEWAY_TIMEOUT, "Gateway Timeout", "connection_timeout",
	  "The destination did not answer in time.\n" },
	{ HTTP_VERSION_NOT_SUPPORTED, "HTTP Version Not Supported",
	  "http_request_error", "Only HTTP/1.x is supported.\n" },
};

static const struct status_text *status_find(int status)
{
	size_t i;

	/* Statuses of our own are in the table; any other is a parent's
	 * answer passed on (R85), described by its class alone. */
	static const struct status_text parent_4xx = { 0, "Refused by Parent Proxy",
		NULL, "The parent proxy refused the tunnel.\n" };
	static const struct status_text parent_5xx = { 0, "Parent Proxy Error",
		NULL, "The parent proxy could not make the tunnel.\n" };

	for (i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++)
		if (status_table[i].status == status)
			return &status_table[i];
	return status < 500 ? &parent_4xx : &parent_5xx;
}

const char *reply_reason(int status)
{
	return status_find(status)->reason;
}

const char *reply_default_error_type(int status)
{
	return status_find(status)->error_type;
}

/* Writes all of buf, retrying short writes: the fd is still blocking
 * here, so a short write only means a signal or a full socket buffer. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int reply_established(int fd, int minor_version)
{
	/* Constant text: every tunnel writes it, and a printf here was
	 * 1,300 instructions of a static build's 70,000. */
	static const char v0[] = "HTTP/1.0 200 Connection established\r\n\r\n";
	static const char v1[] = "HTTP/1.1 200 Connection established\r\n\r\n";

	return minor_version ? write_all(fd, v1, sizeof(v1) - 1) :
	    write_all(fd, v0, sizeof(v0) - 1);
}

size_t reply_format_error(char *buf, size_t len, int status, int minor_version,
			  const char *error_type, const char *extra, int keep_open)
{
	const struct status_text *st = status_find(status);
	char proxy_status[96] = "";
	int n;

	if (error_type)
		snprintf(proxy_status, sizeof(proxy_status),
			 "Proxy-Status: connectd; error=%s\r\n", error_type);
	n = snprintf(buf, len,
		     "HTTP/1.%d %d %s\r\n"
		     "Content-Type: text/plain\r\n"
		     "Content-Length: %zu\r\n"
		     "%s%s%s\r\n%s",
		     minor_version ? 1 : 0, status, st->reason, strlen(st->body),
		     keep_open ? "" : "Connection: close\r\nProxy-Connection: close\r\n",
		     proxy_status, extra ? extra : "", st->body);
	if (n < 0 || (size_t)n >= len)
		return 0;
	return (size_t)n;
}

void reply_shutdown_output(int fd_out)
{
	if (shutdown(fd_out, SHUT_WR) < 0 && errno == ENOTSOCK)
		close(fd_out);
}

/* RFC 9112 section 9.6: a close with unread input sends a reset. */
void reply_drain(int fd, unsigned drain_ms)
{
	long long deadline = clock_now_ms() + drain_ms;
	char scratch[4096];

	for (;;) {
		long long left = clock_left_ms(deadline);
		struct timeval tv = { left / 1000, (left % 1000) * 1000 };
		fd_set rd;
		ssize_t n;
		int ready;

		if (left == 0 || fd >= FD_SETSIZE)
			return;
		FD_ZERO(&rd);
		FD_SET(fd, &rd);
		ready = select(fd + 1, &rd, NULL, NULL, &tv);
		if (ready == 0 || (ready < 0 && errno != EINTR))
			return;
		if (ready < 0)
			continue;
		n = read(fd, scratch, sizeof(scratch));
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return;
	}
}

void reply_error(int fd_out, int status, int minor_version,
		 const char *error_type, const char *extra)
{
	char buf[REPLY_MAX];
	size_t len;

	len = reply_format_error(buf, sizeof(buf), status, minor_version,
				 error_type, extra, 0);
	if (len > 0 && write_all(fd_out, buf, len) < 0)
		return; /* the client is gone: nothing left to be graceful to */
	reply_shutdown_output(fd_out);
}

size_t reply_format_challenge(char *buf, size_t len, const char *realm)
{
	int n;

	/* RFC 7617: the realm is required; charset="UTF-8" says that
	 * passwords are compared as the UTF-8 bytes the client sends. */
	n = snprintf(buf, len, "Proxy-Authenticate: Basic realm=\"%s\", "
		     "charset=\"UTF-8\"\r\n", realm);
	return n < 0 || (size_t)n >= len ? 0 : (size_t)n;
}

int reply_challenge(int fd_out, int minor_version, const char *realm)
{
	char challenge[256], buf[REPLY_MAX];
	size_t len;

	if (reply_format_challenge(challenge, sizeof(challenge), realm) == 0)
		return -1;
	len = reply_format_error(buf, sizeof(buf), HTTP_PROXY_AUTH_REQUIRED,
				 minor_version, NULL, challenge, 1);
	return len > 0 ? write_all(fd_out, buf, len) : -1;
}

void reply_parent_status(int fd_out, int status, int minor_version)
{
	char buf[REPLY_MAX], body[64];
	int n, nbody;

	nbody = snprintf(body, sizeof(body), "The parent proxy answered %d.\n",
			 status);
	n = snprintf(buf, sizeof(buf),
		     "HTTP/1.%d %d %s\r\n"
		     "Content-Type: text/plain\r\n"
		     "Content-Length: %d\r\n"
		     "Connection: close\r\nProxy-Connection: close\r\n"
		     "Proxy-Status: connectd; received-status=%d\r\n\r\n%s",
		     minor_version ? 1 : 0, status, reply_reason(status), nbody,
		     status, body);
	if (n > 0 && (size_t)n < sizeof(buf) && write_all(fd_out, buf, (size_t)n) == 0)
		reply_shutdown_output(fd_out);
}
