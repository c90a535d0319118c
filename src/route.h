/* route.h: the kernel's route lookup for one address, over rtnetlink
 * (RTM_GETROUTE: what `ip route get` asks). The request and the reading
 * of the answer are pure functions over bytes; resolve.c does the I/O. */
#ifndef CONNECTD_ROUTE_H
#define CONNECTD_ROUTE_H

#include <stddef.h>
#include "addr.h"

#define ROUTE_REQUEST_MAX 64

/* Builds the request for the route to a (IPv4-mapped addresses as IPv4)
 * into buf, ROUTE_REQUEST_MAX bytes. Returns its length. */
size_t route_request(const struct addr *a, unsigned seq, unsigned char *buf);

enum route_answer {
	ROUTE_LOCAL,        /* delivered on this host: a route of type local */
	ROUTE_ELSEWHERE,    /* any other route: out of an interface */
	ROUTE_UNREACHABLE,  /* no way there at all (ENETUNREACH, EHOSTUNREACH,
			       EACCES for a prohibit route; EAFNOSUPPORT,
			       EOPNOTSUPP: no IPv6 in this kernel) */
	ROUTE_ERROR         /* another error, a short or foreign answer */
};

/* Reads the kernel's answer (len bytes) to request seq. */
enum route_answer route_answer(const unsigned char *buf, size_t len,
			       unsigned seq);

#endif
