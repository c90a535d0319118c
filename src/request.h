/* request.h: the CONNECT request head. request_parse is a pure parser:
 * bytes in, a struct request or an HTTP status out; no I/O, no allocation,
 * no logging. request_read is the one place that reads the head from the
 * client, under one deadline, keeping any bytes after the blank line. */
#ifndef CONNECTD_REQUEST_H
#define CONNECTD_REQUEST_H

#include <stddef.h>
#include "addr.h"

#define REQUEST_HEAD_MAX 8192   /* request line + fields + blank line: 431 past it */
#define REQUEST_TARGET_MAX 1024 /* the authority in the request line: 414 past it */
#define REQUEST_HOST_MAX 253    /* a DNS name, without a trailing dot */
#define REQUEST_FIELDS_MAX 100  /* header field lines: 431 past it */

enum host_kind {
	HOST_NAME,  /* a reg-name, to be resolved */
	HOST_IPV4,  /* an IPv4 literal, in any form inet_aton takes (127.1, 0x7f.1) */
	HOST_IPV6,  /* a bracketed IPv6 literal */
};

struct request {
	/* The host as the client sent it, lower-cased, without brackets and
	 * NUL-terminated. A trailing dot is kept; matching ignores it. */
	char host[REQUEST_HOST_MAX + 2];
	enum host_kind host_kind;
	struct addr literal;     /* the address, for HOST_IPV4 and HOST_IPV6 */
	unsigned port;           /* 1..65535 */
	int minor_version;       /* 0 or 1; HTTP/1.2 to 1.9 count as 1 */
	/* The Proxy-Authorization value with OWS trimmed, pointing into the
	 * parsed head; NULL when absent. */
	const char *proxy_authorization;
	size_t proxy_authorization_len;
	size_t head_len;         /* bytes of the head, blank line included */
};

/* Length of the complete head at the start of buf (through the blank line
 * that ends it; bare LF counts as CRLF), or 0 when it has not ended yet. */
size_t request_head_end(const char *buf, size_t len);

/* Parses a complete head (as measured by request_head_end). Returns 0 and
 * fills req, or the HTTP status to answer with: 400 malformed, 405 another
 * method, 501 a method longer than any known, 414 a target over
 * REQUEST_TARGET_MAX, 431 too many fields, 505 a major version other
 * than 1. */
int request_parse(const char *head, size_t len, struct request *req);

/* Parses an authority-form target "host:port" alone (n bytes of s),
 * filling host, host_kind, literal and port of req. Returns 0 or an HTTP
 * status. The config uses it, so that a parent's address follows the
 * very grammar requests do. */
int request_parse_target(const char *s, size_t n, struct request *req);

/* The status for a head that filled REQUEST_HEAD_MAX bytes without ending:
 * 414 when the request line itself is unfinished and too long, 501 for an
 * overlong method, the request line's own error if it has one, else 431. */
int request_parse_truncated(const char *buf, size_t len);

/* A buffer for reading the head; bytes past the head (pipelined tunnel
 * data) stay in it after a successful read. */
struct request_buffer {
	size_t len;       /* bytes held */
	size_t head_len;  /* head length once found, else 0 */
	/* Last, so that a short head touches only its first page: a
	 * page written is a page each open tunnel keeps. */
	char data[REQUEST_HEAD_MAX];
};

/* Reads from fd until a head is complete or the absolute deadline
 * (CLOCK_MONOTONIC milliseconds) passes, never reading past
 * REQUEST_HEAD_MAX bytes. Returns 0 when a head is in buf, -1 on EOF or a
 * read error before the head was complete (errno set; 0 for EOF), or 408,
 * 414, 431 or 501 when the head cannot be read. */
int request_read(int fd, long long deadline_ms, struct request_buffer *buf);

/* Drops the head just handled, keeping what followed it, so that the next
 * request on the same connection can be read (used after a 407). */
void request_buffer_consume(struct request_buffer *buf);

#endif
