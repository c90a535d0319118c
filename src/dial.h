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

/* Tries the allowed addresses of pr, alternating address families in the
 * resolver's order, each with a non-blocking connect and its share of
 * the time left in timeout_ms. Returns a connected, non-blocking socket
 * with TCP_NODELAY set, or -1 with out->status and out->error_type. */
int dial_connect(const struct policy_result *pr, unsigned port,
		 unsigned timeout_ms, struct dial_result *out);

#endif
