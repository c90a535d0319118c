/* addr.c: one 16-byte address form for IPv4 and IPv6, CIDR blocks, and the
 * built-in "internal" set. Pure: no I/O, no allocation. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "addr.h"

/* Longest address text cidr_parse copies before the '/': a full IPv6
 * address with an embedded dotted quad is 45 bytes. */
#define ADDR_PART_MAX 45

#define V4(a, b, c, d, len) \
	{ { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d } }, \
	  96 + (len) }
#define V6(b0, b1, len) \
	{ { { b0, b1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } }, len }

/* The "internal" set, tested on the unwrapped address. ::/96 covers the
 * unspecified address, loopback, and the deprecated IPv4-compatible
 * addresses (::a.b.c.d, RFC 4291 2.5.5.1), which no public host uses and
 * some stacks route to the embedded IPv4 address. */
static const struct cidr internal_nets[] = {
	V4(0, 0, 0, 0, 8),        /* "this network" */
	V4(10, 0, 0, 0, 8),       /* RFC 1918 */
	V4(100, 64, 0, 0, 10),    /* CGNAT, RFC 6598 */
	V4(127, 0, 0, 0, 8),      /* loopback */
	V4(169, 254, 0, 0, 16),   /* link-local, cloud metadata */
	V4(172, 16, 0, 0, 12),    /* RFC 1918 */
	V4(192, 168, 0, 0, 16),   /* RFC 1918 */
	V4(224, 0, 0, 0, 4),      /* multicast */
	V4(240, 0, 0, 0, 4),      /* reserved, and 255.255.255.255 */
	V6(0x00, 0x00, 96),       /* ::, ::1, IPv4-compatible */
	V6(0xfe, 0x80, 10),       /* link-local */
	V6(0xfc, 0x00, 7),        /* unique local */
	V6(0xff, 0x00, 8),        /* multicast */
};

static const unsigned char v4_mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* The NAT64 well-known prefix 64:ff9b::/96 (RFC 6052). */
static const unsigned char nat64_prefix[12] = {
	0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0
};

/* Sets a to the IPv4-mapped form of the four bytes at v4. */
static void
addr_set_v4(struct addr *a, const unsigned char *v4)
{
	memcpy(a->b, v4_mapped_prefix, sizeof(v4_mapped_prefix));
	memcpy(a->b + 12, v4, 4);
}

int
addr_from_sockaddr(const struct sockaddr *sa, struct addr *a)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		addr_set_v4(a, (const unsigned char *)&sin->sin_addr);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		memcpy(a->b, &sin6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

socklen_t
addr_to_sockaddr(const struct addr *a, unsigned port,
		 struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;

	memset(ss, 0, sizeof(*ss));
	if (addr_is_v4(a)) {
		sin = (struct sockaddr_in *)(void *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		memcpy(&sin->sin_addr, a->b + 12, 4);
		return sizeof(*sin);
	}
	sin6 = (struct sockaddr_in6 *)(void *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((unsigned short)port);
	memcpy(&sin6->sin6_addr, a->b, 16);
	return sizeof(*sin6);
}

/* The family is chosen by the text: a ':' means IPv6, so "::ffff:1.2.3.4"
 * and "1.2.3.4" give the same address but count prefixes differently. */
int
addr_parse(const char *s, struct addr *a)
{
	unsigned char v4[4];

	if (strchr(s, ':') != NULL)
		return inet_pton(AF_INET6, s, a->b) == 1 ? 0 : -1;
	/* inet_pton, unlike inet_aton, takes only the strict dotted quad. */
	if (inet_pton(AF_INET, s, v4) != 1)
		return -1;
	addr_set_v4(a, v4);
	return 0;
}

/* Parses a prefix length: decimal digits only, no sign, no leading zero,
 * at most max. Returns 0 or -1. */
static int
addr_parse_prefix(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* Whether any bit of a at or after bit prefix is set. */
static int
addr_has_host_bits(const struct addr *a, unsigned prefix)
{
	unsigned i;

	for (i = prefix; i < 128; i++)
		if (a->b[i / 8] & (0x80 >> (i % 8)))
			return 1;
	return 0;
}

int
cidr_parse(const char *s, struct cidr *c)
{
	char text[ADDR_PART_MAX + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	int v6 = memchr(s, ':', n) != NULL;
	unsigned len;

	if (n > ADDR_PART_MAX)
		return -1;
	memcpy(text, s, n);
	text[n] = '\0';
	if (addr_parse(text, &c->net) == -1)
		return -1;
	if (slash == NULL)
		len = v6 ? 128 : 32;
	else if (addr_parse_prefix(slash + 1, v6 ? 128 : 32, &len) == -1)
		return -1;
	c->prefix = v6 ? len : 96 + len;
	return addr_has_host_bits(&c->net, c->prefix) ? -1 : 0;
}

int
cidr_contains(const struct cidr *c, const struct addr *a)
{
	unsigned whole = c->prefix / 8, rest = c->prefix % 8;
	unsigned char mask;

	if (c->prefix > 128)
		return 0;
	if (memcmp(c->net.b, a->b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a->b[whole] & mask) == c->net.b[whole];
}

int
addr_is_v4(const struct addr *a)
{
	return memcmp(a->b, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0;
}

void
addr_unwrap(const struct addr *in, struct addr *out)
{
	struct addr tmp = *in;

	/* Mapped addresses are already in the IPv4 form. */
	if (memcmp(tmp.b, nat64_prefix, sizeof(nat64_prefix)) == 0)
		addr_set_v4(&tmp, in->b + 12);
	*out = tmp;
}

int
addr_is_internal(const struct addr *a)
{
	struct addr u;
	size_t i;

	addr_unwrap(a, &u);
	for (i = 0; i < sizeof(internal_nets) / sizeof(internal_nets[0]); i++)
		if (cidr_contains(&internal_nets[i], &u))
			return 1;
	return 0;
}

/* The dotted quad by hand: every record formats one or two, and musl's
 * inet_ntop goes through snprintf (2,300 instructions each). */
static size_t
addr_format_v4(const unsigned char *b, char *text)
{
	size_t n = 0;
	int i;

	for (i = 0; i < 4; i++) {
		if (i > 0)
			text[n++] = '.';
		if (b[i] >= 100)
			text[n++] = (char)('0' + b[i] / 100);
		if (b[i] >= 10)
			text[n++] = (char)('0' + b[i] / 10 % 10);
		text[n++] = (char)('0' + b[i] % 10);
	}
	text[n] = '\0';
	return n;
}

size_t
addr_format(const struct addr *a, char *buf, size_t len)
{
	char text[ADDR_TEXT_MAX];
	size_t n;

	if (addr_is_v4(a))
		addr_format_v4(a->b + 12, text);
	else if (inet_ntop(AF_INET6, a->b, text, sizeof(text)) == NULL)
		text[0] = '\0';
	if (len == 0)
		return 0;
	n = strlen(text);
	if (n >= len)
		n = len - 1;
	memcpy(buf, text, n);
	buf[n] = '\0';
	return n;
}
