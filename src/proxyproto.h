/* proxyproto.h: the PROXY protocol header a trusted load balancer puts
 * before the HTTP request (HAProxy's specification, versions 1 and 2).
 * The parser is pure; proxyproto_read takes the header off the client
 * connection under a deadline, leaving what follows it for the request
 * reader. */
#ifndef CONNECTD_PROXYPROTO_H
#define CONNECTD_PROXYPROTO_H

#include <stddef.h>
#include "addr.h"
#include "request.h"

#define PROXYPROTO_V1_MAX 107     /* the longest v1 line, CRLF included */
#define PROXYPROTO_V2_MAX (16 + 65535)

struct proxy_header {
	int version;               /* 1 or 2 */
	int has_addresses;         /* 0 for v1 UNKNOWN, v2 LOCAL, v2 UNSPEC and
				      other families: use the socket's addresses */
	struct addr src, dst;
	unsigned src_port, dst_port;
	size_t len;                /* bytes the header takes */
};

/* Parses a header at the start of buf. Returns 1 with h filled, 0 when
 * more bytes are needed to decide, -1 when the bytes are not a valid
 * header (any deviation: wrong signature, version, command, family,
 * v1 syntax, a v1 line over 107 bytes, a bare CR or LF as v1 line end).
 * For v2 it needs only the 16 fixed bytes and the address block: h->len
 * is the whole header (16 + its length field) and may exceed len, in
 * which case the caller skips the TLVs that are still to come. */
int proxyproto_parse(const unsigned char *buf, size_t len, struct proxy_header *h);

/* Reads a header from fd into buf, whose len must be 0 on entry (reading
 * no further than the header
 * where the header says how long it is, and never past REQUEST_HEAD_MAX
 * bytes), under the absolute deadline. On success the header is removed
 * from buf and the bytes after it stay for request_read (for v2 they are
 * still in the socket). Returns 0, or -1 with errno EPROTO (invalid),
 * ETIMEDOUT, 0 (EOF) or a read error: the caller closes without
 * answering. */
int proxyproto_read(int fd, long long deadline_ms, struct request_buffer *buf,
		    struct proxy_header *h);

#endif
