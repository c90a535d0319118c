/* relay.c: one fixed buffer (or spliced pipe) per direction; half-close;
 * deadlines. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "outcome.h"
#include "relay.h"
#include "reply.h"

/* A direction's pipe for splice(); fd[0] -1: that direction copies. */
struct splice_pipe {
	int fd[2];                  /* read end, write end */
	size_t size;                /* what one splice() can fill */
};

/* One direction of the tunnel: bytes read from `from` wait in buf, or in
 * the pipe, until `to` takes them. */
struct flow {
	int from, to;
	char *buf;
	const struct splice_pipe *pipe; /* NULL: copy through buf */
	size_t off, len;            /* pending bytes: buf[off .. off+len) */
	int piped;                  /* ... or the len bytes sit in the pipe */
	int eof;                    /* `from` said EOF */
	int shut;                   /* EOF passed on to `to` */
	unsigned long long bytes;   /* written to `to` */
	const char *eof_name;       /* "client-eof" or "server-eof" */
	const char *from_reset;     /* what a failed read means */
	const char *to_reset;       /* what a failed write means */
	const char *failed;         /* set by the first I/O error */
};

static char up_buf[RELAY_BUFFER_SIZE], down_buf[RELAY_BUFFER_SIZE];
static struct splice_pipe up_pipe = { { -1, -1 }, 0 };
static struct splice_pipe down_pipe = { { -1, -1 }, 0 };

enum flow_event { FLOW_IDLE, FLOW_MOVED, FLOW_FAILED };

/* Non-blocking, so a write never waits for a slow peer while the other
 * direction has work; no Nagle delay, so each byte goes on as it comes
 * (the draft's section 3.2). On a pipe the socket option just fails. */
static void client_fd_prepare(int fd)
{
	int flags = fcntl(fd, F_GETFL), one = 1;

	if (flags >= 0)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Makes a direction's pipe. A larger pipe means fewer calls per byte;
 * near the user's pipe allowance the kernel refuses the resize (the
 * default size stays), past it the pipe is too small to be worth it. An
 * end splice cannot serve (a terminal, a file opened for appending) is
 * found by splice itself: that flow then copies (splice_unusable). */
static void splice_pipe_prepare(struct splice_pipe *p)
{
	int size;

	if (pipe2(p->fd, O_NONBLOCK | O_CLOEXEC) < 0)
		return;
	if (RELAY_PIPE_SIZE)
		fcntl(p->fd[0], F_SETPIPE_SZ, RELAY_PIPE_SIZE);
	size = fcntl(p->fd[0], F_GETPIPE_SZ);
	if (size < RELAY_PIPE_MIN) {
		close(p->fd[0]);
		close(p->fd[1]);
		p->fd[0] = p->fd[1] = -1;
		return;
	}
	/* What one splice may put in the pipe must fit buf, where
	 * flow_unsplice moves it if splicing out fails: pipes are 16 pages,
	 * 1 MiB where pages are 64 KiB. */
	p->size = (size_t)size < RELAY_BUFFER_SIZE ? (size_t)size :
	    RELAY_BUFFER_SIZE;
}

/* Errors after which splice() will not serve this flow where read() and
 * write() would: a seccomp profile of someone else's without splice
 * (ENOSYS, EPERM), an end that splice refuses (EINVAL). */
static int splice_unusable(int err)
{
	return err == EINVAL || err == ENOSYS || err == EPERM;
}

/* Moves the bytes waiting in the pipe into buf; the flow copies from now
 * on. Returns 0, or -1 with errno. */
static int flow_unsplice(struct flow *f)
{
	size_t got = 0;
	ssize_t n;

	while (got < f->len) {
		n = read(f->pipe->fd[0], f->buf + got, f->len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errno = EIO; /* the bytes were there: cannot happen */
			return -1;
		}
		got += (size_t)n;
	}
	f->pipe = NULL;
	f->piped = 0;
	f->off = 0;
	return 0;
}

/* The pending bytes to `to`: from the pipe, or from buf (always so for
 * the bytes that came before the tunnel). */
static ssize_t flow_send(struct flow *f)
{
	ssize_t n;

	if (f->piped) {
		n = splice(f->pipe->fd[0], NULL, f->to, NULL, f->len,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n >= 0 || !splice_unusable(errno))
			return n;
		if (flow_unsplice(f) == -1)
			return -1;
	}
	return write(f->to, f->buf + f->off, f->len);
}

/* What `from` has, into the empty pipe or buf. splice() stops at TCP
 * urgent data: it then says EAGAIN while select() says readable (a busy
 * loop), and 0 once the FIN is in, with the bytes after the mark unread.
 * So when it moves nothing, read() answers instead: it steps over the
 * urgent byte, as the copy relay always did, and tells a real EOF. */
static ssize_t flow_receive(struct flow *f)
{
	ssize_t n;

	f->piped = 0;
	if (f->pipe != NULL) {
		n = splice(f->from, NULL, f->pipe->fd[1], NULL, f->pipe->size,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			f->piped = 1;
			return n;
		}
		if (n < 0 && splice_unusable(errno))
			f->pipe = NULL; /* the pipe is empty: just copy */
		else if (n < 0 && errno != EAGAIN)
			return n;
	}
	return read(f->from, f->buf, RELAY_BUFFER_SIZE);
}

/* Writes what is pending. Returns FLOW_MOVED if bytes went out,
 * FLOW_FAILED if the receiving peer is gone. */
static enum flow_event flow_write(struct flow *f)
{
	ssize_t n;

	if (f->len == 0)
		return FLOW_IDLE;
	n = flow_send(f);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return FLOW_IDLE;
	if (n < 0) {
		f->failed = f->to_reset;
		return FLOW_FAILED;
	}
	f->off += (size_t)n;
	f->len -= (size_t)n;
	f->bytes += (unsigned long long)n;
	if (f->len == 0)
		f->off = 0;
	return FLOW_MOVED;
}

/* Reads into the (empty) buffer and writes at once, which saves a trip
 * through select() for every chunk. */
static enum flow_event flow_read(struct flow *f)
{
	ssize_t n = flow_receive(f);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return FLOW_IDLE;
	if (n < 0) {
		f->failed = f->from_reset;
		return FLOW_FAILED;
	}
	if (n == 0) {
		f->eof = 1;
		return FLOW_MOVED;
	}
	f->off = 0;
	f->len = (size_t)n;
	if (flow_write(f) == FLOW_FAILED)
		return FLOW_FAILED;
	return FLOW_MOVED;
}

struct relay {
	struct flow up, down;
	int client_out, server;
	const struct relay_limits *limits;
	long long start, last_activity;
	const char *first_eof;    /* who closed first */
	const char *ended;        /* why the tunnel is over; NULL while it runs */
	int outcome;
};

static void relay_end(struct relay *r, const char *why, int outcome)
{
	if (!r->ended) {
		r->ended = why;
		r->outcome = outcome;
	}
}

/* Once `from` said EOF and everything it sent is delivered, pass the EOF
 * on: half-close toward `to` (D1), or in strict mode end the tunnel, as
 * RFC 9110 section 9.3.6 describes. */
static void flow_pass_eof(struct relay *r, struct flow *f)
{
	if (!f->eof || f->len || f->shut)
		return;
	f->shut = 1;
	if (!r->first_eof)
		r->first_eof = f->eof_name;
	if (!r->limits->half_close) {
		relay_end(r, f->eof_name, OUTCOME_TUNNEL);
		return;
	}
	if (f->to == r->server)
		shutdown(r->server, SHUT_WR);
	else
		reply_shutdown_output(r->client_out);
	if (r->up.shut && r->down.shut)
		relay_end(r, r->first_eof, OUTCOME_TUNNEL);
}

/* The nearest deadline (absolute ms), or -1 when none is armed. Ends the
 * tunnel if one has already passed. */
static long long relay_deadline(struct relay *r, long long now)
{
	const struct relay_limits *l = r->limits;
	long long next = -1, d;

	if (l->lifetime_ms) {
		d = r->start + l->lifetime_ms;
		if (now >= d)
			relay_end(r, "lifetime", OUTCOME_LIFETIME);
		next = d;
	}
	if (l->idle_ms) {
		d = r->last_activity + l->idle_ms;
		if (now >= d)
			relay_end(r, "idle", OUTCOME_IDLE);
		next = next < 0 || d < next ? d : next;
	}
	/* A half-closed tunnel waits for the other side only while nothing
	 * flows, so a long answer after the client's EOF is not cut. */
	if ((r->up.eof || r->down.eof) && l->half_close_ms) {
		d = r->last_activity + l->half_close_ms;
		if (now >= d)
			relay_end(r, "halfclose-timeout", OUTCOME_IDLE);
		next = next < 0 || d < next ? d : next;
	}
	return next;
}

static int fd_watch(int fd, fd_set *set, int maxfd)
{
	FD_SET(fd, set);
	return fd > maxfd ? fd : maxfd;
}

/* Waits for the next thing to do. Returns select()'s count. */
static int relay_wait(struct relay *r, fd_set *rd, fd_set *wr)
{
	struct flow *flows[2] = { &r->up, &r->down };
	long long now = clock_now_ms(), deadline = relay_deadline(r, now);
	struct timeval tv, *tvp = NULL;
	int maxfd = -1, i, n;

	if (r->ended)
		return 0;
	FD_ZERO(rd);
	FD_ZERO(wr);
	for (i = 0; i < 2; i++) {
		if (!flows[i]->eof && flows[i]->len == 0)
			maxfd = fd_watch(flows[i]->from, rd, maxfd);
		if (flows[i]->len)
			maxfd = fd_watch(flows[i]->to, wr, maxfd);
	}
	if (deadline >= 0) {
		long long left = deadline - now;

		tv.tv_sec = left / 1000;
		tv.tv_usec = (left % 1000) * 1000;
		tvp = &tv;
	}
	n = select(maxfd + 1, rd, wr, NULL, tvp);
	if (n < 0 && errno != EINTR)
		relay_end(r, "error", OUTCOME_RESET);
	return n;
}

/* Moves what select() said can move in one direction. */
static void flow_step(struct relay *r, struct flow *f, fd_set *rd, fd_set *wr)
{
	enum flow_event ev = FLOW_IDLE;

	if (f->len && FD_ISSET(f->to, wr))
		ev = flow_write(f);
	else if (!f->eof && f->len == 0 && FD_ISSET(f->from, rd))
		ev = flow_read(f);
	if (ev == FLOW_FAILED) {
		/* A reset ends both sides at once; what is pending is lost
		 * either way (RFC 9110 section 9.3.6). */
		relay_end(r, f->failed, OUTCOME_RESET);
		return;
	}
	if (ev == FLOW_MOVED)
		r->last_activity = clock_now_ms();
	flow_pass_eof(r, f);
}

static void flow_init(struct flow *f, int from, int to, char *buf,
		      const struct splice_pipe *pipe, const char *name,
		      const char *from_reset, const char *to_reset)
{
	memset(f, 0, sizeof(*f));
	f->from = from;
	f->to = to;
	f->buf = buf;
	f->pipe = pipe->fd[0] >= 0 ? pipe : NULL;
	f->eof_name = name;
	f->from_reset = from_reset;
	f->to_reset = to_reset;
}

void relay_prepare(int client_in, int client_out)
{
	client_fd_prepare(client_in);
	client_fd_prepare(client_out);
	if (RELAY_SPLICE) {
		splice_pipe_prepare(&up_pipe);
		splice_pipe_prepare(&down_pipe);
	}
}

/* Puts bytes that arrived before the tunnel into a flow's buffer. */
static void flow_preload(struct flow *f, const char *data, size_t n)
{
	if (n > RELAY_BUFFER_SIZE)
		n = RELAY_BUFFER_SIZE; /* cannot happen: heads are smaller */
	memcpy(f->buf, data, n);
	f->len = n;
}

void relay_run(int client_in, int client_out, int server,
	       const struct relay_pending *pending,
	       const struct relay_limits *limits, struct relay_stats *stats)
{
	struct relay r;
	fd_set rd, wr;

	memset(&r, 0, sizeof(r));
	flow_init(&r.up, client_in, server, up_buf, &up_pipe, "client-eof",
		  "client-reset", "server-reset");
	flow_init(&r.down, server, client_out, down_buf, &down_pipe,
		  "server-eof", "server-reset", "client-reset");
	r.client_out = client_out;
	r.server = server;
	r.limits = limits;
	r.start = r.last_activity = clock_now_ms();
	flow_preload(&r.up, pending->up, pending->nup);
	flow_preload(&r.down, pending->down, pending->ndown);
	while (!r.ended) {
		if (relay_wait(&r, &rd, &wr) <= 0)
			continue;
		flow_step(&r, &r.up, &rd, &wr);
		if (!r.ended)
			flow_step(&r, &r.down, &rd, &wr);
	}
	stats->up = r.up.bytes;
	stats->down = r.down.bytes;
	stats->close = r.ended;
	stats->outcome = r.outcome;
}
