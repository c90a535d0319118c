/* log.h: one API for everything connectd logs. The backend is chosen once
 * from where fd 2 points: the journal (with structured fields) when fd 2
 * is the journal stream systemd named in JOURNAL_STREAM and connectd was
 * built with libsystemd; stderr when fd 2 is not a socket (tcpserver,
 * systemd-socket-activate, a terminal); syslog otherwise. Under xinetd and
 * inetd fd 2 IS the client socket, so nothing is ever written there. */
#ifndef CONNECTD_LOG_H
#define CONNECTD_LOG_H

#include "addr.h"

/* Everything the one record per connection says. Unknown values: NULL
 * pointers, has_* = 0, and -1 for the millisecond counts. */
struct log_record {
	int has_client;
	struct addr client;
	unsigned client_port;
	int has_balancer;          /* client came from a PROXY header; */
	struct addr balancer;      /* the load balancer that sent it */
	unsigned balancer_port;
	const char *user;          /* the user name the client gave, or NULL */
	const char *auth;          /* "ok", "fail" or NULL (no credentials) */
	const char *host;          /* requested host (no brackets) */
	int host_is_v6;
	unsigned port;
	int has_addr;              /* the address connected to */
	struct addr addr;
	unsigned addr_port;        /* the target's port, or a parent's */
	const char *rule_file;
	unsigned rule_line;
	int status;                /* the HTTP status sent, 0 if none */
	unsigned long long up;     /* tunnel bytes client -> server */
	unsigned long long down;   /* tunnel bytes server -> client */
	long long resolve_ms, connect_ms, total_ms;
	const char *close;         /* how the tunnel ended, NULL if none ran */
	const char *route;         /* "direct" or the parent's name; NULL: none */
	int parent_status;         /* the parent's answer, 0 if none */
	const char *error;         /* RFC 9209 error type, or NULL */
	const char *detail;        /* free text (a config error), or NULL */
	int exit_code;
};

void log_open(void);

/* Writes the record as one line (and as journal fields). */
void log_record(const struct log_record *r);

/* Formats the record's text line into buf (pure; used by log_record and
 * the tests). Returns the length. */
size_t log_format(const struct log_record *r, char *buf, size_t len);

#endif
