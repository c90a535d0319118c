/* relay.h: the select() loop that shuttles bytes both ways until the
 * tunnel ends. Fixed buffers, one per direction; a direction stops reading
 * while its buffer waits for the other side (backpressure), so memory is
 * bounded whatever the peers do. */
#ifndef CONNECTD_RELAY_H
#define CONNECTD_RELAY_H

#include <stddef.h>

#define RELAY_BUFFER_SIZE (128 * 1024) /* 0.49 s CPU per GiB; 32 KiB: 0.59 */

struct relay_limits {
	unsigned idle_ms;         /* 0 = none; traffic either way resets it */
	unsigned lifetime_ms;     /* 0 = none */
	int half_close;           /* propagate EOF (1) or close both (0) */
	unsigned half_close_ms;   /* after the first EOF, while no data flows */
};

struct relay_stats {
	unsigned long long up;    /* client -> server */
	unsigned long long down;  /* server -> client */
	/* How it ended: "client-eof", "server-eof" (who closed first),
	 * "client-reset", "server-reset", "idle", "lifetime",
	 * "halfclose-timeout" or "error". */
	const char *close;
	int outcome;              /* enum outcome */
};

/* Makes the client's fds ready for the relay (non-blocking, no Nagle
 * delay). Called before the lock-down, which forbids fcntl. */
void relay_prepare(int client_in, int client_out);

/* Bytes that were read before the tunnel began: the client's, sent with
 * its request, and the destination's, which came with a parent's answer.
 * Each is at most RELAY_BUFFER_SIZE. */
struct relay_pending {
	const char *up;
	size_t nup;
	const char *down;
	size_t ndown;
};

/* Relays between the client (read client_in, write client_out: one
 * socket, or two pipes) and the connected server socket; the pending
 * bytes go first. Returns when the tunnel is over; the caller exits,
 * which closes everything. */
void relay_run(int client_in, int client_out, int server,
	       const struct relay_pending *pending,
	       const struct relay_limits *limits, struct relay_stats *stats);

#endif
