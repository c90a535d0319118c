/* loadgen.c: the bench's client and upstream server, loopback only.
 *
 *   loadgen server ADDR PORT
 *       Single-threaded epoll server. Each connection starts with a
 *       command line: "E\n" echoes everything after it; "U N\n" reads N
 *       bytes, compares every byte with the expected stream and answers
 *       "OK N BAD\n" (BAD: bytes that differed or came in excess);
 *       "D N\n" sends N bytes of the stream.
 *   loadgen bulk up|down PHOST PPORT THOST TPORT BYTES
 *       One tunnel (PPORT 0: a direct connection to THOST:TPORT), then N
 *       bytes up or down, every byte checked. Prints one line
 *       "ok=0|1 bytes=N secs=S bad=B error=..." on stdout.
 *   loadgen tunnels PHOST PPORT THOST TPORT N CONC OUTFILE
 *       N tunnels from CONC threads; each checks the 200 and echoes 64
 *       bytes it checks. OUTFILE: one time-to-200 in microseconds per
 *       good tunnel. Prints "ok=.. fail=.. wall=.. connect_fail=..
 *       status_fail=.. echo_fail=..".
 *   loadgen hold PHOST PPORT THOST TPORT N
 *       Opens N tunnels one after another, checks the 200 and an echo on
 *       each, prints "held ok=.. fail=..", keeps them open until stdin
 *       ends, then closes them all.
 *
 * The byte stream: 4 KiB pages, each starting with its page number (8
 * bytes, little-endian) and followed by one of 61 pages of random bytes,
 * so a lost, repeated or reordered page is caught as surely as a changed
 * byte. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define NPAT 61
#define CHUNK (1u << 20)
#define ECHO_LEN 64

static unsigned char pattern[NPAT * PAGE];

static void pattern_init(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	size_t i;

	for (i = 0; i < sizeof(pattern); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		pattern[i] = (unsigned char)x;
	}
}

/* The stream's bytes [off, off+len) into p. */
static void fill(unsigned char *p, uint64_t off, size_t len)
{
	while (len > 0) {
		uint64_t page = off / PAGE;
		size_t in = (size_t)(off % PAGE), n = PAGE - in;

		if (n > len)
			n = len;
		if (in < 8) {
			unsigned char hdr[8];
			size_t k, h = 8 - in < n ? 8 - in : n;

			for (k = 0; k < 8; k++)
				hdr[k] = (unsigned char)(page >> (8 * k));
			memcpy(p, hdr + in, h);
			memcpy(p + h, pattern + (page % NPAT) * PAGE + in + h, n - h);
		} else {
			memcpy(p, pattern + (page % NPAT) * PAGE + in, n);
		}
		p += n;
		off += n;
		len -= n;
	}
}

/* Bytes of p that differ from the stream at off. */
static uint64_t check(const unsigned char *p, uint64_t off, size_t len, unsigned char *scratch)
{
	uint64_t bad = 0;
	size_t i;

	fill(scratch, off, len);
	if (memcmp(p, scratch, len) == 0)
		return 0;
	for (i = 0; i < len; i++)
		bad += p[i] != scratch[i];
	return bad;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* ------------------------------------------------------------------ server */

enum { S_CMD, S_ECHO, S_SINK, S_SOURCE, S_DRAIN };

struct sconn {
	int fd, state;
	char line[64];
	size_t linelen;
	uint64_t total, done, bad;
	unsigned char *out;        /* pending output (echo) or source chunk */
	size_t out_off, out_len;
	uint64_t out_base;         /* stream offset of out[0] when sourcing */
};

static int epfd;
static unsigned char rxbuf[CHUNK], scratch[CHUNK];

static void sconn_close(struct sconn *c)
{
	close(c->fd);
	free(c->out);
	free(c);
}

static void want(struct sconn *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e);
}

/* Echo: write what came, keep the rest and wait for room. */
static int echo_out(struct sconn *c, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(c->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			unsigned char *q = malloc(n);

			if (!q)
				return -1;
			memcpy(q, p, n);
			free(c->out);
			c->out = q;
			c->out_off = 0;
			c->out_len = n;
			want(c, EPOLLOUT);
			return 0;
		}
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Data after the command line, or read later, in the connection's mode. */
static int consume(struct sconn *c, const unsigned char *p, size_t n)
{
	switch (c->state) {
	case S_ECHO:
		return echo_out(c, p, n);
	case S_SINK: {
		size_t take = n;

		if (c->done + take > c->total) {
			c->bad += c->done + take - c->total;
			take = (size_t)(c->total - c->done);
		}
		c->bad += check(p, c->done, take, scratch);
		c->done += take;
		if (c->done == c->total) {
			char msg[64];
			int len = snprintf(msg, sizeof(msg), "OK %llu %llu\n",
					   (unsigned long long)c->done,
					   (unsigned long long)c->bad);
			c->state = S_DRAIN;
			if (write(c->fd, msg, (size_t)len) != len)
				return -1;
		}
		return 0;
	}
	case S_DRAIN:
		return 0;
	default:
		return 0; /* S_SOURCE: the client should not send; ignore */
	}
}

static int parse_cmd(struct sconn *c)
{
	unsigned long long n = 0;

	if (c->line[0] == 'E') {
		c->state = S_ECHO;
	} else if (c->line[0] == 'U' && sscanf(c->line + 1, "%llu", &n) == 1) {
		c->state = S_SINK;
		c->total = n;
		if (n == 0)
			return consume(c, NULL, 0);
	} else if (c->line[0] == 'D' && sscanf(c->line + 1, "%llu", &n) == 1) {
		c->state = S_SOURCE;
		c->total = n;
		c->out = malloc(CHUNK);
		if (!c->out)
			return -1;
		c->out_len = c->out_off = 0;
		c->out_base = 0;
		want(c, EPOLLIN | EPOLLOUT);
	} else {
		return -1;
	}
	return 0;
}

static int on_readable(struct sconn *c)
{
	ssize_t n = read(c->fd, rxbuf, sizeof(rxbuf));
	size_t i = 0;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1; /* EOF: this test's peer is done */
	if (c->state == S_CMD) {
		for (; i < (size_t)n && c->state == S_CMD; i++) {
			if (rxbuf[i] == '\n') {
				c->line[c->linelen] = '\0';
				if (parse_cmd(c) < 0)
					return -1;
			} else if (c->linelen + 1 < sizeof(c->line)) {
				c->line[c->linelen++] = (char)rxbuf[i];
			} else {
				return -1;
			}
		}
		if (c->state == S_CMD || i == (size_t)n)
			return 0;
	}
	return consume(c, rxbuf + i, (size_t)n - i);
}

static int on_writable(struct sconn *c)
{
	if (c->state == S_SOURCE) {
		for (;;) {
			ssize_t w;

			if (c->out_off == c->out_len) {
				uint64_t left = c->total - c->done;
				size_t n = left < CHUNK ? (size_t)left : CHUNK;

				if (n == 0) {
					c->state = S_DRAIN;
					want(c, EPOLLIN);
					return 0;
				}
				c->out_base = c->done;
				fill(c->out, c->out_base, n);
				c->out_off = 0;
				c->out_len = n;
			}
			w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return errno == EAGAIN ? 0 : -1;
			c->out_off += (size_t)w;
			c->done += (uint64_t)w;
		}
	}
	while (c->out_len > c->out_off) {
		ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN ? 0 : -1;
		c->out_off += (size_t)w;
	}
	free(c->out);
	c->out = NULL;
	c->out_off = c->out_len = 0;
	want(c, EPOLLIN);
	return 0;
}

static _Noreturn void server(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct epoll_event ev, evs[256];
	int ls, one = 1;

	signal(SIGPIPE, SIG_IGN);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		die("address");
	ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 4096) < 0)
		die("bind/listen");
	epfd = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(epfd, EPOLL_CTL_ADD, ls, &ev);
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int i, n = epoll_wait(epfd, evs, 256, -1);

		for (i = 0; i < n; i++) {
			struct sconn *c = evs[i].data.ptr;

			if (c == NULL) {
				int fd;

				while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					c = calloc(1, sizeof(*c));
					if (!c) {
						close(fd);
						continue;
					}
					c->fd = fd;
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			if ((evs[i].events & (EPOLLOUT | EPOLLERR)) && on_writable(c) < 0) {
				sconn_close(c);
				continue;
			}
			if ((evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && on_readable(c) < 0)
				sconn_close(c);
		}
	}
}

/* ------------------------------------------------------------------ client */

struct target {
	const char *phost, *thost;
	int pport, tport;
};

enum { OK = 0, E_CONNECT, E_STATUS, E_ECHO };

static int write_all(int fd, const void *p, size_t n)
{
	const char *q = p;

	while (n > 0) {
		ssize_t w = write(fd, q, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_full(int fd, void *p, size_t n)
{
	char *q = p;

	while (n > 0) {
		ssize_t r = read(fd, q, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		q += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Connects and, through a proxy, asks for the tunnel and checks the 200.
 * *fdp: the socket. Extra bytes after the head must not come. */
static int open_tunnel(const struct target *t, int *fdp, int timeout_s)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = timeout_s };
	int fd, one = 1;
	char buf[2048];
	size_t len = 0;

	*fdp = -1;
	sa.sin_port = htons((uint16_t)(t->pport ? t->pport : t->tport));
	if (inet_pton(AF_INET, t->pport ? t->phost : t->thost, &sa.sin_addr) != 1)
		return E_CONNECT;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return E_CONNECT;
	*fdp = fd;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return E_CONNECT;
	if (!t->pport)
		return OK;
	len = (size_t)snprintf(buf, sizeof(buf),
			       "CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n",
			       t->thost, t->tport, t->thost, t->tport);
	if (write_all(fd, buf, len) < 0)
		return E_STATUS;
	len = 0;
	for (;;) {
		ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return E_STATUS;
		len += (size_t)r;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			break;
		if (len == sizeof(buf) - 1)
			return E_STATUS;
	}
	if (strncmp(buf, "HTTP/1.", 7) != 0 || strncmp(buf + 8, " 200", 4) != 0)
		return E_STATUS;
	if (strstr(buf, "\r\n\r\n") + 4 != buf + len)
		return E_STATUS; /* nobody asked for data yet */
	return OK;
}

/* "E\n" and 64 bytes that name the tunnel, echoed back and compared. */
static int echo_check(int fd, unsigned long id)
{
	unsigned char out[2 + ECHO_LEN], in[ECHO_LEN];
	uint64_t x = 0x2545f4914f6cdd1dull ^ (id * 0x9e3779b97f4a7c15ull);
	int i;

	out[0] = 'E';
	out[1] = '\n';
	for (i = 0; i < ECHO_LEN; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		out[2 + i] = (unsigned char)x;
	}
	if (write_all(fd, out, sizeof(out)) < 0 || read_full(fd, in, sizeof(in)) < 0)
		return E_ECHO;
	return memcmp(in, out + 2, ECHO_LEN) == 0 ? OK : E_ECHO;
}

static int bulk(const struct target *t, int up, uint64_t total)
{
	unsigned char *buf = malloc(CHUNK), *scr = malloc(CHUNK);
	uint64_t done = 0, bad = 0;
	const char *error = "-";
	char line[64];
	double t0, t1;
	int fd, rc;

	signal(SIGPIPE, SIG_IGN);
	rc = open_tunnel(t, &fd, 60);
	if (rc != OK) {
		printf("ok=0 bytes=0 secs=0 bad=0 error=%s\n", rc == E_CONNECT ? "connect" : "status");
		return 1;
	}
	snprintf(line, sizeof(line), "%c %llu\n", up ? 'U' : 'D', (unsigned long long)total);
	t0 = now();
	if (write_all(fd, line, strlen(line)) < 0) {
		error = "write";
		goto out;
	}
	if (up) {
		unsigned long long got = 0, gotbad = 0;
		size_t len = 0;

		while (done < total) {
			size_t n = total - done < CHUNK ? (size_t)(total - done) : CHUNK;

			fill(buf, done, n);
			if (write_all(fd, buf, n) < 0) {
				error = "write";
				goto out;
			}
			done += n;
		}
		/* The server's verdict: how much it got, how much was wrong. */
		while (len < sizeof(line) - 1) {
			ssize_t r = read(fd, line + len, 1);

			if (r <= 0)
				break;
			if (line[len++] == '\n')
				break;
		}
		line[len] = '\0';
		if (sscanf(line, "OK %llu %llu", &got, &gotbad) != 2) {
			error = "no-verdict";
			goto out;
		}
		done = got;
		bad = gotbad;
	} else {
		while (done < total) {
			ssize_t r = read(fd, buf, CHUNK);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				error = r == 0 ? "early-eof" : "read";
				goto out;
			}
			if (done + (uint64_t)r > total) {
				bad += done + (uint64_t)r - total;
				r = (ssize_t)(total - done);
			}
			bad += check(buf, done, (size_t)r, scr);
			done += (uint64_t)r;
		}
	}
out:
	t1 = now();
	close(fd);
	printf("ok=%d bytes=%llu secs=%.6f bad=%llu error=%s\n",
	       done == total && bad == 0 && strcmp(error, "-") == 0,
	       (unsigned long long)done, t1 - t0, (unsigned long long)bad, error);
	return !(done == total && bad == 0);
}

struct tunnels_job {
	struct target t;
	long n;
	atomic_long next;
	long *us;          /* time to 200 (or to connect, direct) per tunnel; -1: failed */
	int *err;
};

static void *tunnels_worker(void *arg)
{
	struct tunnels_job *j = arg;
	long i;

	while ((i = atomic_fetch_add(&j->next, 1)) < j->n) {
		double t0 = now(), t1;
		int fd, rc = open_tunnel(&j->t, &fd, 10);

		t1 = now();
		if (rc == OK)
			rc = echo_check(fd, (unsigned long)i);
		if (fd >= 0)
			close(fd);
		j->err[i] = rc;
		j->us[i] = rc == OK ? (long)((t1 - t0) * 1e6) : -1;
	}
	return NULL;
}

static int tunnels(const struct target *t, long n, int conc, const char *outfile)
{
	struct tunnels_job j = { .t = *t, .n = n };
	pthread_t *th = calloc((size_t)conc, sizeof(*th));
	long counts[4] = { 0 }, i;
	pthread_attr_t attr;
	double t0, wall;
	FILE *f;
	int k;

	signal(SIGPIPE, SIG_IGN);
	j.us = calloc((size_t)n, sizeof(long));
	j.err = calloc((size_t)n, sizeof(int));
	atomic_init(&j.next, 0);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	t0 = now();
	for (k = 0; k < conc; k++)
		pthread_create(&th[k], &attr, tunnels_worker, &j);
	for (k = 0; k < conc; k++)
		pthread_join(th[k], NULL);
	wall = now() - t0;
	f = fopen(outfile, "w");
	if (!f)
		die(outfile);
	for (i = 0; i < n; i++) {
		counts[j.err[i]]++;
		if (j.err[i] == OK)
			fprintf(f, "%ld\n", j.us[i]);
	}
	fclose(f);
	printf("ok=%ld fail=%ld wall=%.6f connect_fail=%ld status_fail=%ld echo_fail=%ld\n",
	       counts[OK], n - counts[OK], wall, counts[E_CONNECT], counts[E_STATUS], counts[E_ECHO]);
	return counts[OK] != n;
}

static int hold(const struct target *t, long n)
{
	int *fds = calloc((size_t)n, sizeof(int));
	long i, ok = 0;
	char c;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < n; i++) {
		int rc = open_tunnel(t, &fds[i], 10);

		if (rc == OK)
			rc = echo_check(fds[i], (unsigned long)i);
		ok += rc == OK;
	}
	printf("held ok=%ld fail=%ld\n", ok, n - ok);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ok != n;
}

static void usage(void)
{
	fprintf(stderr, "usage: loadgen server ADDR PORT\n"
		"       loadgen bulk up|down PHOST PPORT THOST TPORT BYTES\n"
		"       loadgen tunnels PHOST PPORT THOST TPORT N CONC OUTFILE\n"
		"       loadgen hold PHOST PPORT THOST TPORT N\n");
	exit(64);
}

int main(int argc, char **argv)
{
	struct target t;

	pattern_init();
	if (argc == 4 && strcmp(argv[1], "server") == 0)
		server(argv[2], atoi(argv[3]));
	if (argc < 6)
		usage();
	if (strcmp(argv[1], "bulk") == 0 && argc == 8) {
		t.phost = argv[3];
		t.pport = atoi(argv[4]);
		t.thost = argv[5];
		t.tport = atoi(argv[6]);
		if (strcmp(argv[2], "up") != 0 && strcmp(argv[2], "down") != 0)
			usage();
		return bulk(&t, strcmp(argv[2], "up") == 0, strtoull(argv[7], NULL, 10));
	}
	t.phost = argv[2];
	t.pport = atoi(argv[3]);
	t.thost = argv[4];
	t.tport = atoi(argv[5]);
	if (strcmp(argv[1], "tunnels") == 0 && argc == 9)
		return tunnels(&t, atol(argv[6]), atoi(argv[7]), argv[8]);
	if (strcmp(argv[1], "hold") == 0 && argc == 7)
		return hold(&t, atol(argv[6]));
	usage();
	return 64;
}
