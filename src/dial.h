/* dial.h: connect to the addresses policy allowed, and to nothing else. */
#ifndef CONNECTD_DIAL_H
#define CONNECTD_DIAL_H

#include "addr.h"
#include "policy.h"

struct dial_result {
	struct addr addr;         /* the address connected to, or the last tried */
	int tried;                /* addresses attempted */
	int status;               /* 0, or 502/504 */
	const char *error_type;   /* RFC 9209 type when status != 0 */
	int error;                /* errno of the last failure */
};

/* Tries the addresses of pr that a rule allowing direct connections
 * allowed, alternating address families in the resolver's order, each
 * with a non-blocking connect and its share of the time left until the
 * absolute deadline (CLOCK_MONOTONIC ms). Returns a connected,
 * non-blocking socket with TCP_NODELAY set, or -1 with out->status and
 * out->error_type. */
int dial_connect(const struct policy_result *pr, unsigned port,
		 long long deadline, struct dial_result *out);

/* The same for a list of addresses that need no policy (a parent's). */
int dial_addresses(const struct addr *addrs, size_t n, unsigned port,
		   long long deadline, struct dial_result *out);

#endif
