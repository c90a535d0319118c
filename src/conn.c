/* conn.c: process setup and the client's identity. */
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <netinet/in.h>

#ifdef WITH_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "conn.h"

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
#ifdef WITH_SYSTEMD
	if (sd_listen_fds(1) >= 1) {
		dup2(SD_LISTEN_FDS_START, 0);
		dup2(SD_LISTEN_FDS_START, 1);
	}
#endif
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
