/* floor.c: the least a per-connection CONNECT handler can do, for the
 * bench only. It reads the request head from fd 0, connects to the
 * dotted-quad host:port of its request line, answers 200 on fd 1 and
 * copies bytes both ways until both sides have ended. No config, policy,
 * log, limits or checks: never deploy it. Its row in the bench is the
 * floor that starting one process per tunnel under this supervisor on
 * this machine sets, which no per-connection handler can go below;
 * connectd's distance from it is what connectd itself costs. */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[65536];
static char host[64];
static unsigned port;

/* Reads up to the blank line. Returns 0, or -1. */
static int read_head(void)
{
	char head[4096];
	size_t n = 0;
	ssize_t r;

	while (n < sizeof(head) - 1) {
		if ((r = read(0, head + n, sizeof(head) - 1 - n)) <= 0)
			return -1;
		n += (size_t)r;
		head[n] = '\0';
		if (strstr(head, "\r\n\r\n") != NULL)
			break;
	}
	return sscanf(head, "CONNECT %63[0-9.]:%5u ", host, &port) == 2 ? 0 : -1;
}

static int dial(void)
{
	struct sockaddr_in sin;
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1 ||
	    (fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -1;
	return fd;
}

/* One read and its whole write. Returns bytes moved, 0 at EOF, -1. */
static ssize_t move(int from, int to)
{
	ssize_t r = read(from, buf, sizeof(buf)), w, done = 0;

	while (r > 0 && done < r) {
		if ((w = write(to, buf + done, (size_t)(r - done))) <= 0)
			return -1;
		done += w;
	}
	return r;
}

int main(void)
{
	static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
	struct pollfd p[2];
	int server, open_dirs = 2;

	if (read_head() < 0 || (server = dial()) < 0 ||
	    write(1, ok, sizeof(ok) - 1) != (ssize_t)sizeof(ok) - 1)
		return 1;
	p[0].fd = 0;
	p[1].fd = server;
	p[0].events = p[1].events = POLLIN;
	while (open_dirs > 0 && poll(p, 2, -1) > 0) {
		if (p[0].revents && p[0].fd >= 0) {
			ssize_t r = move(0, server);

			if (r < 0)
				return 2;
			if (r == 0) {
				shutdown(server, SHUT_WR);
				p[0].fd = -1;
				open_dirs--;
			}
		}
		if (p[1].revents && p[1].fd >= 0) {
			ssize_t r = move(server, 1);

			if (r < 0)
				return 2;
			if (r == 0) {
				shutdown(1, SHUT_WR);
				p[1].fd = -1;
				open_dirs--;
			}
		}
	}
	return 0;
}
