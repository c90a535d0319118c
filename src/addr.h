/* addr.h: IPv4 and IPv6 addresses in one 16-byte form (IPv4 as the
 * IPv4-mapped ::ffff:a.b.c.d), CIDR blocks, and the built-in "internal" set.
 * Pure functions: no I/O, no allocation. */
#ifndef CONNECTD_ADDR_H
#define CONNECTD_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

struct addr {
	unsigned char b[16];
};

struct cidr {
	struct addr net;  /* host bits are zero */
	unsigned prefix;  /* 0..128, counted on the 16-byte form (IPv4 /8 is 104) */
};

/* Longest text addr_format writes, with its NUL. */
#define ADDR_TEXT_MAX 46

/* Fills a from an AF_INET or AF_INET6 sockaddr. Returns 0, or -1 for any
 * other family. */
int addr_from_sockaddr(const struct sockaddr *sa, struct addr *a);

/* Builds the sockaddr to connect to: AF_INET for IPv4-mapped addresses,
 * AF_INET6 otherwise. Returns the length to pass to connect(). */
socklen_t addr_to_sockaddr(const struct addr *a, unsigned port,
			   struct sockaddr_storage *ss);

/* Parses a numeric address: a strict dotted quad or an IPv6 address (no
 * brackets, no zone). Returns 0 or -1. */
int addr_parse(const char *s, struct addr *a);

/* Parses "ADDR" or "ADDR/LEN" (LEN counted in the address's own family:
 * 0..32 for IPv4, 0..128 for IPv6). Host bits set below the prefix are an
 * error, so a typo like 10.0.0.1/8 is caught. Returns 0 or -1. */
int cidr_parse(const char *s, struct cidr *c);

int cidr_contains(const struct cidr *c, const struct addr *a);

int addr_is_v4(const struct addr *a);

/* The address a peer really is: IPv4-mapped (::ffff:0:0/96) and NAT64
 * (64:ff9b::/96) forms become the embedded IPv4 address; anything else is
 * copied unchanged. */
void addr_unwrap(const struct addr *in, struct addr *out);

/* The built-in special-purpose set behind the "internal" keyword (loopback,
 * unspecified, link-local, RFC 1918, CGNAT, ULA, multicast, broadcast and
 * reserved), tested on the unwrapped address. The host's own addresses are
 * not known here; policy adds them. */
int addr_is_internal(const struct addr *a);

/* Writes the usual text form ("192.0.2.1", "2001:db8::1") into buf.
 * Returns the length written (always NUL-terminated when len > 0). */
size_t addr_format(const struct addr *a, char *buf, size_t len);

#endif
