/* parent.h: talking to a parent (upstream) proxy, the draft's section 5:
 * connectd sends its own fresh CONNECT and reads the parent's answer.
 * Formatting and parsing are pure; parent_handshake does the I/O. */
#ifndef CONNECTD_PARENT_H
#define CONNECTD_PARENT_H

#include <stddef.h>

#define PARENT_RESPONSE_MAX 8192   /* a longer response head is a 502 */

/* Writes "CONNECT host:port HTTP/1.1", "Host: host:port" and, when
 * basic_token is not NULL, "Proxy-Authorization: Basic TOKEN", then the
 * blank line. IPv6 hosts (host_is_v6) are bracketed. Returns the length,
 * or 0 if buf is too small or an argument is invalid (an empty host or
 * token, a control byte or space in either, port 0 or over 65535): no
 * header can be injected through them. */
size_t parent_format_request(char *buf, size_t len, const char *host,
			     int host_is_v6, unsigned port, const char *basic_token);

/* Parses the parent's response at the start of buf: any number of 1xx
 * interim responses, then a final status line "HTTP/1.x DDD[ reason]" and
 * header fields up to the blank line (bare LF tolerated). Returns 1 with
 * *status and *head_len (through the final blank line; bytes after it are
 * destination data) set; 0 when more bytes are needed; -1 when the bytes
 * are not an HTTP/1.x response. Headers (Content-Length, Transfer-
 * Encoding) are not interpreted: a 2xx is a tunnel. */
int parent_parse_response(const char *buf, size_t len, int *status,
			  size_t *head_len);

/* The result of a handshake with a parent. */
struct parent_reply {
	int status;          /* the parent's final status, 0 if none */
	size_t ndata;
	char data[PARENT_RESPONSE_MAX]; /* bytes after the head: destination data */
};

/* Sends the request on the connected socket fd and reads the response
 * until its head is complete or deadline_ms (CLOCK_MONOTONIC) passes.
 * Returns 0 with reply filled (any status), or -1 with errno: ETIMEDOUT
 * for the deadline, EPROTO for garbage or a head over
 * PARENT_RESPONSE_MAX, ECONNRESET or another errno for I/O errors. */
int parent_handshake(int fd, const char *request, size_t len,
		     long long deadline_ms, struct parent_reply *reply);

#endif
