/* conn.c: process setup and the client's identity. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <netinet/in.h>


#include "conn.h"
#include "systemd.h"

/* Closes every fd from 3 up. close_range(2) does it in one call where
 * the kernel has it; older kernels and libcs get the loop. */
static void close_from_3(void)
{
	int fd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return;
#endif
	for (fd = 3; fd < 1024; fd++)
		close(fd);
}

void conn_setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	/* Accept=yes without StandardInput=socket: the connection is fd 3. */
	if (systemd_listen_fds() >= 1) {
		dup2(3, 0);
		dup2(3, 1);
	}
	close_from_3();
}

int conn_client(struct addr *a, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(0, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (addr_from_sockaddr((struct sockaddr *)&ss, a) < 0)
		return -1;
	if (ss.ss_family == AF_INET)
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else
		*port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

/* A port from the environment: 1 to 5 digits, at most 65535. */
static unsigned env_port(const char *name)
{
	const char *s = getenv(name);
	unsigned long v = 0;
	size_t i;

	if (!s || !*s || strlen(s) > 5)
		return 0;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v <= 65535 ? (unsigned)v : 0;
}

int conn_client_env(struct addr *a, unsigned *port)
{
	static const struct {
		const char *ip, *port;
	} vars[] = {
		{ "TCPREMOTEIP", "TCPREMOTEPORT" },
		{ "TCP6REMOTEIP", "TCP6REMOTEPORT" },
		{ "REMOTE_ADDR", "REMOTE_PORT" },
		{ "TCPREMOTEADDR", "TCPREMOTEPORT" },
		{ "REMOTE_HOST", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *ip = getenv(vars[i].ip);

		if (ip && addr_parse(ip, a) == 0) {
			*port = vars[i].port ? env_port(vars[i].port) : 0;
			return 0;
		}
	}
	return -1;
}
