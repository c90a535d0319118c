/* outcome.h: how one connection ended. Each outcome is also the process
 * exit code, so a supervisor's own log (xinetd's EXIT, the journal's
 * status=) is already an access log. Codes 64 and up are sysexits(3). */
#ifndef CONNECTD_OUTCOME_H
#define CONNECTD_OUTCOME_H

enum outcome {
	OUTCOME_TUNNEL = 0,          /* a tunnel ran and ended by EOF */
	OUTCOME_CLIENT_GONE = 2,     /* client left before a complete request */
	OUTCOME_BAD_REQUEST = 3,     /* 400, 405, 414, 431, 501, 505 */
	OUTCOME_REQUEST_TIMEOUT = 4, /* 408 */
	OUTCOME_DENIED = 5,          /* 403 */
	OUTCOME_AUTH = 6,            /* 407 */
	OUTCOME_DNS = 7,             /* name did not resolve: 502 or 504 */
	OUTCOME_CONNECT_FAILED = 8,  /* refused or unreachable: 502 */
	OUTCOME_CONNECT_TIMEOUT = 9, /* 504 */
	OUTCOME_PARENT = 10,         /* parent proxy failed or refused */
	OUTCOME_IDLE = 11,           /* tunnel closed by idle_timeout */
	OUTCOME_LIFETIME = 12,       /* tunnel closed by max_lifetime */
	OUTCOME_RESET = 13,          /* tunnel ended by a reset or I/O error */
	OUTCOME_USAGE = 64,          /* EX_USAGE: bad arguments, or run from a terminal */
	OUTCOME_CONFIG = 78,         /* EX_CONFIG: config error (500 to the client) */
};

#endif
