/* proxyproto.c: the PROXY protocol header (HAProxy's proxy-protocol.txt,
 * versions 1 and 2) a trusted load balancer sends before the request.
 *
 * The parser walks a cursor over the bytes received so far and answers
 * "valid", "need more" or "invalid" as early as one byte can tell, so a
 * client that is not a load balancer is dropped at once. The reader never
 * takes a byte past a v2 header (its length is in the header); a v1 line
 * has no length, so what follows its CRLF may be read and is kept. */
#include <sys/select.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "number.h"
#include "proxyproto.h"

#define V1_PREFIX "PROXY "
#define V1_PREFIX_LEN 6
#define IPV6_TEXT_MAX 45      /* INET6_ADDRSTRLEN without its NUL */
#define PORT_MAX 65535

/* v2: the signature, then ver_cmd, fam and a 16-bit length at fixed offsets */
#define V2_SIG_LEN 12
#define V2_VER_CMD 12
#define V2_FAM 13
#define V2_LENGTH 14
#define V2_FIXED 16           /* the bytes before the address block */
#define V2_VERSION 0x20       /* high nibble of ver_cmd */
#define V2_CMD_LOCAL 0x0
#define V2_CMD_PROXY 0x1

static const unsigned char v2_sig[V2_SIG_LEN] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/* A v2 address family and transport: the address block it needs, and
 * whether we use its addresses (AF_INET, AF_INET6) or not (0). */
struct v2_family {
	unsigned char code;
	size_t block;
	int af;
};

/* Every valid fam byte. UDP and UNIX are valid but no TCP client can be
 * behind them, so like UNSPEC they mean "use the socket's addresses". */
static const struct v2_family v2_families[] = {
	{ 0x00, 0, 0 },           /* UNSPEC */
	{ 0x11, 12, AF_INET },    /* TCP over IPv4: 4 + 4 + 2 + 2 */
	{ 0x12, 12, 0 },          /* UDP over IPv4 */
	{ 0x21, 36, AF_INET6 },   /* TCP over IPv6: 16 + 16 + 2 + 2 */
	{ 0x22, 36, 0 },          /* UDP over IPv6 */
	{ 0x31, 216, 0 },         /* UNIX stream: 108 + 108 */
	{ 0x32, 216, 0 },         /* UNIX datagram */
};

/* A view of bytes not yet parsed: p is valid for n bytes. */
struct cursor {
	const unsigned char *p;
	size_t n;
};

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Whether the len bytes at buf agree with the first len bytes of lit
 * (n bytes long); a longer buf is compared on n bytes. */
static int prefix_agrees(const unsigned char *buf, size_t len,
			 const void *lit, size_t n)
{
	return memcmp(buf, lit, len < n ? len : n) == 0;
}

/* A number field of the v1 line: the shared parser, and no leading zero
 * (PP 2.1 forbids them). Returns 0 and sets *out, or -1. */
static int number_field(const struct cursor *s, unsigned long max,
			unsigned long *out)
{
	if (s->n > 1 && s->p[0] == '0')
		return -1;
	return number_parse((const char *)s->p, s->n, max, out);
}

/* Takes the next non-empty field off c into f: up to sep, which is
 * consumed, or for the last field up to the end, where sep may not
 * appear. So a doubled, leading or trailing separator fails. Returns 0
 * or -1. */
static int field_take(struct cursor *c, unsigned char sep, int last,
		      struct cursor *f)
{
	const unsigned char *mark = memchr(c->p, sep, c->n);
	size_t n;

	if (last ? mark != NULL : mark == NULL)
		return -1;
	n = last ? c->n : (size_t)(mark - c->p);
	if (n == 0)
		return -1;
	f->p = c->p;
	f->n = n;
	c->p += last ? n : n + 1;
	c->n -= last ? n : n + 1;
	return 0;
}

/* Advances c past lit when c starts with it. Returns 1 if it did, else 0. */
static int literal_take(struct cursor *c, const char *lit)
{
	size_t n = strlen(lit);

	if (c->n < n || memcmp(c->p, lit, n) != 0)
		return 0;
	c->p += n;
	c->n -= n;
	return 1;
}

/* Stores the four bytes at v4 in a as ::ffff:a.b.c.d. */
static void addr_set_mapped(struct addr *a, const unsigned char *v4)
{
	memset(a->b, 0, 10);
	a->b[10] = 0xff;
	a->b[11] = 0xff;
	memcpy(a->b + 12, v4, 4);
}

/* Parses a strict dotted quad (four decimal octets, no leading zeros) into
 * a as ::ffff:a.b.c.d. Written out rather than left to inet_pton, whose
 * leading-zero rule is the libc's choice. Returns 0 or -1. */
static int v1_ipv4_parse(const struct cursor *f, struct addr *a)
{
	struct cursor c = *f, octet;
	unsigned char v4[4];
	unsigned long v;
	int i;

	for (i = 0; i < 4; i++) {
		if (field_take(&c, '.', i == 3, &octet) < 0 ||
		    number_field(&octet, 255, &v) < 0)
			return -1;
		v4[i] = (unsigned char)v;
	}
	addr_set_mapped(a, v4);
	return 0;
}

/* Parses an IPv6 address in any form inet_pton takes (no brackets, no
 * zone). Returns 0 or -1. */
static int v1_ipv6_parse(const struct cursor *f, struct addr *a)
{
	char text[IPV6_TEXT_MAX + 1];
	size_t i;

	if (f->n > IPV6_TEXT_MAX)
		return -1;
	/* inet_pton stops at a NUL, so every byte is checked before the copy */
	for (i = 0; i < f->n; i++) {
		if (!is_hex(f->p[i]) && f->p[i] != ':' && f->p[i] != '.')
			return -1;
		text[i] = (char)f->p[i];
	}
	text[f->n] = '\0';
	return inet_pton(AF_INET6, text, a->b) == 1 ? 0 : -1;
}

/* Parses an address of the family the line declared: the other family's
 * syntax fails. Returns 0 or -1. */
static int v1_addr_parse(const struct cursor *f, int af, struct addr *a)
{
	return af == AF_INET ? v1_ipv4_parse(f, a) : v1_ipv6_parse(f, a);
}

/* Finds the CRLF ending a v1 line. Returns 1 and sets *n to the line's
 * length, CRLF included; 0 while it may still come; -1 for a LF without
 * CR, a CR without LF, or no CRLF within PROXYPROTO_V1_MAX bytes. */
static int v1_line_end(const unsigned char *buf, size_t len, size_t *n)
{
	size_t i;

	for (i = 0; i < len && i < PROXYPROTO_V1_MAX; i++) {
		if (buf[i] == '\n')
			return -1;
		if (buf[i] != '\r')
			continue;
		/* the LF would be byte 108 */
		if (i + 2 > PROXYPROTO_V1_MAX)
			return -1;
		if (i + 1 == len)
			return 0;
		if (buf[i + 1] != '\n')
			return -1;
		*n = i + 2;
		return 1;
	}
	return len >= PROXYPROTO_V1_MAX ? -1 : 0;
}

/* Parses "src SP dst SP sport SP dport" (c, up to the CRLF) for the family
 * af into h. Returns 0 or -1. */
static int v1_addresses_parse(struct cursor *c, int af, struct proxy_header *h)
{
	struct cursor src, dst, sport, dport;
	unsigned long sp, dp;

	if (field_take(c, ' ', 0, &src) < 0 || field_take(c, ' ', 0, &dst) < 0 ||
	    field_take(c, ' ', 0, &sport) < 0 || field_take(c, ' ', 1, &dport) < 0)
		return -1;
	if (v1_addr_parse(&src, af, &h->src) < 0 ||
	    v1_addr_parse(&dst, af, &h->dst) < 0)
		return -1;
	if (number_field(&sport, PORT_MAX, &sp) < 0 ||
	    number_field(&dport, PORT_MAX, &dp) < 0)
		return -1;
	h->src_port = (unsigned)sp;
	h->dst_port = (unsigned)dp;
	h->has_addresses = 1;
	return 0;
}

/* Parses a v1 line; buf starts with "PROXY ". Returns 1, 0 or -1 as
 * proxyproto_parse does. */
static int v1_parse(const unsigned char *buf, size_t len, struct proxy_header *h)
{
	struct cursor c;
	size_t n;
	int rc, af;

	/* nothing is decoded before the CRLF is in (PP 2.1) */
	if ((rc = v1_line_end(buf, len, &n)) <= 0)
		return rc;
	h->version = 1;
	h->len = n;
	c.p = buf + V1_PREFIX_LEN;
	c.n = n - V1_PREFIX_LEN - 2;
	/* UNKNOWN: whatever follows it is ignored (PP 2.1, R8) */
	if (literal_take(&c, "UNKNOWN"))
		return c.n == 0 || c.p[0] == ' ' ? 1 : -1;
	if (literal_take(&c, "TCP4 "))
		af = AF_INET;
	else if (literal_take(&c, "TCP6 "))
		af = AF_INET6;
	else
		return -1;
	return v1_addresses_parse(&c, af, h) < 0 ? -1 : 1;
}

/* The entry of v2_families for a fam byte, or NULL for an invalid one. */
static const struct v2_family *v2_family_find(unsigned char code)
{
	size_t i;

	for (i = 0; i < sizeof(v2_families) / sizeof(v2_families[0]); i++)
		if (v2_families[i].code == code)
			return &v2_families[i];
	return NULL;
}

/* Reads n bytes of big-endian number at p. */
static unsigned be_get(const unsigned char *p, size_t n)
{
	unsigned v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

/* Fills h from a TCP address block at p (4-byte addresses for AF_INET,
 * 16-byte for AF_INET6, then the two ports). */
static void v2_addresses_take(const unsigned char *p, int af,
			      struct proxy_header *h)
{
	size_t alen = af == AF_INET ? 4 : 16;

	if (af == AF_INET) {
		addr_set_mapped(&h->src, p);
		addr_set_mapped(&h->dst, p + alen);
	} else {
		memcpy(h->src.b, p, alen);
		memcpy(h->dst.b, p + alen, alen);
	}
	h->src_port = be_get(p + 2 * alen, 2);
	h->dst_port = be_get(p + 2 * alen + 2, 2);
	h->has_addresses = 1;
}

/* Parses a v2 header; buf starts with the signature. Each fixed byte is
 * judged as soon as it is in. Returns 1, 0 or -1 as proxyproto_parse. */
static int v2_parse(const unsigned char *buf, size_t len, struct proxy_header *h)
{
	const struct v2_family *fam = NULL;
	unsigned ver_cmd;
	size_t body;

	if (len <= V2_VER_CMD)
		return 0;
	ver_cmd = buf[V2_VER_CMD];
	if ((ver_cmd & 0xf0) != V2_VERSION ||
	    ((ver_cmd & 0x0f) != V2_CMD_LOCAL && (ver_cmd & 0x0f) != V2_CMD_PROXY))
		return -1;
	if (len <= V2_FAM)
		return 0;
	/* LOCAL ignores the family with the rest of the block (PP 2.2) */
	if ((ver_cmd & 0x0f) == V2_CMD_PROXY &&
	    !(fam = v2_family_find(buf[V2_FAM])))
		return -1;
	if (len < V2_FIXED)
		return 0;
	body = be_get(buf + V2_LENGTH, 2);
	if (fam && body < fam->block)
		return -1;
	if (fam && fam->af != 0 && len < V2_FIXED + fam->block)
		return 0;
	h->version = 2;
	h->len = V2_FIXED + body;
	if (fam && fam->af != 0)
		v2_addresses_take(buf + V2_FIXED, fam->af, h);
	return 1;
}

int proxyproto_parse(const unsigned char *buf, size_t len, struct proxy_header *h)
{
	memset(h, 0, sizeof(*h));
	/* the two signatures differ in their first byte, so at most one agrees */
	if (prefix_agrees(buf, len, v2_sig, V2_SIG_LEN))
		return len < V2_SIG_LEN ? 0 : v2_parse(buf, len, h);
	if (prefix_agrees(buf, len, V1_PREFIX, V1_PREFIX_LEN))
		return len < V1_PREFIX_LEN ? 0 : v1_parse(buf, len, h);
	return -1;
}

/* Waits for fd, then reads at most max (> 0) bytes into dst. Returns the
 * count (0 after EINTR or EAGAIN), or -1 on timeout, EOF (errno 0) or
 * error. */
static ssize_t read_some(int fd, long long deadline_ms, char *dst, size_t max)
{
	ssize_t n;

	if (clock_wait_fd(fd, 0, deadline_ms) < 0)
		return -1;
	n = read(fd, dst, max);
	if (n > 0)
		return n;
	if (n == 0) {
		errno = 0;
		return -1;
	}
	return errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
}

/* How many bytes the next read may take: while the first byte may start a
 * v2 header, no more than its fixed part and then its stated length, so
 * nothing after it leaves the socket; for v1, whatever fits in buf. */
static size_t read_limit(const struct request_buffer *buf)
{
	const unsigned char *p = (const unsigned char *)buf->data;
	size_t end = sizeof(buf->data);

	if (buf->len == 0 || p[0] == v2_sig[0])
		end = buf->len < V2_FIXED ? V2_FIXED :
		      V2_FIXED + be_get(p + V2_LENGTH, 2);
	if (end > sizeof(buf->data))
		end = sizeof(buf->data);
	return end > buf->len ? end - buf->len : 0;
}

/* Reads and drops the n bytes of a v2 header that were not needed to parse
 * it (TLVs, which may be larger than buf), using buf as scratch.
 * Returns 0 or -1 as read_some. */
static int tail_skip(int fd, long long deadline_ms, struct request_buffer *buf,
		     size_t n)
{
	ssize_t got;

	while (n > 0) {
		got = read_some(fd, deadline_ms, buf->data,
				n < sizeof(buf->data) ? n : sizeof(buf->data));
		if (got < 0)
			return -1;
		n -= (size_t)got;
	}
	buf->len = 0;
	return 0;
}

/* buf->len must be 0 on entry: the header is the first thing on the
 * connection. errno on -1: EPROTO for an invalid header, ETIMEDOUT at the
 * deadline, 0 for EOF, EINVAL for a non-empty buf, EBADF for an fd
 * select cannot watch, else read's or select's. */
int proxyproto_read(int fd, long long deadline_ms, struct request_buffer *buf,
		    struct proxy_header *h)
{
	const unsigned char *p = (const unsigned char *)buf->data;
	size_t limit;
	ssize_t got;
	int rc;

	if (fd < 0 || fd >= FD_SETSIZE) {
		errno = EBADF;
		return -1;
	}
	if (buf->len != 0) {
		errno = EINVAL;
		return -1;
	}
	buf->head_len = 0;
	while ((rc = proxyproto_parse(p, buf->len, h)) == 0) {
		/* the parser decides within 16 + 216 bytes, so a zero limit
		 * cannot happen; refuse rather than read(fd, ..., 0) */
		if ((limit = read_limit(buf)) == 0)
			break;
		if ((got = read_some(fd, deadline_ms, buf->data + buf->len,
				     limit)) < 0)
			return -1;
		buf->len += (size_t)got;
	}
	if (rc != 1) {
		errno = EPROTO;
		return -1;
	}
	if (h->len > buf->len)
		return tail_skip(fd, deadline_ms, buf, h->len - buf->len);
	/* v1: what followed the CRLF is the start of the request */
	memmove(buf->data, buf->data + h->len, buf->len - h->len);
	buf->len -= h->len;
	return 0;
}
