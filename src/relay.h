/* relay.h: the select() loop that shuttles bytes both ways until the
 * tunnel ends. Fixed buffers, one per direction; a direction stops reading
 * while its buffer waits for the other side (backpressure), so memory is
 * bounded whatever the peers do. */
#ifndef CONNECTD_RELAY_H
#define CONNECTD_RELAY_H

#include <stddef.h>

/* The copy path (bytes before the tunnel, ends splice cannot use, past
 * the pipe allowance): 0.49 s CPU per GiB; 32 KiB: 0.59 (tests/bench/relay.py,
 * its copy variants). */
#ifndef RELAY_BUFFER_SIZE
#define RELAY_BUFFER_SIZE (128 * 1024)
#endif

/* A direction whose ends are sockets or pipes moves its bytes with
 * splice() through a pipe of its own, so they never cross into user
 * space: 0.22 s CPU per GiB against 0.55 for copying through the buffer
 * (tests/bench/relay.py; RELAY_SPLICE=0 builds the copy relay).
 * RELAY_PIPE_SIZE asks for the pipe's size (0: the kernel's default,
 * 64 KiB; larger pipes saved a little CPU but use up the allowance
 * below four or sixteen times faster). The lock-down allows splice. A
 * pipe smaller than RELAY_PIPE_MIN is not used: past the user's pipe
 * allowance (fs.pipe-user-pages-soft, 64 MiB for all of a user's pipes:
 * 512 tunnels at two 64 KiB pipes each) the kernel gives 8 KiB pipes,
 * which cost more calls than copying does, so that tunnel copies. */
#ifndef RELAY_SPLICE
#define RELAY_SPLICE 1
#endif
#ifndef RELAY_PIPE_SIZE
#define RELAY_PIPE_SIZE 0
#endif
#ifndef RELAY_PIPE_MIN
#define RELAY_PIPE_MIN (64 * 1024)
#endif

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
 * delay) and, with RELAY_SPLICE, makes the pipes. Called before the
 * lock-down, which forbids fcntl and pipe2. */
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
