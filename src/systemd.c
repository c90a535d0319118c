/* systemd.c: libsystemd on demand, and the journal's native protocol. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "systemd.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define JOURNAL_FIELDS_MAX 32

static int journal_fd = -1;

int systemd_journal_open(void)
{
	if (journal_fd < 0)
		journal_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return journal_fd < 0 ? -1 : 0;
}

/* The native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL): one datagram
 * of "NAME=value\n" lines; values here never hold a newline. */
int systemd_journal_sendv(const struct iovec *iov, int n)
{
	static char newline[] = "\n";
	struct iovec lines[2 * JOURNAL_FIELDS_MAX];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct msghdr msg = { 0 };
	int i;

	if (journal_fd < 0 || n > JOURNAL_FIELDS_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		lines[2 * i] = iov[i];
		lines[2 * i + 1].iov_base = newline;
		lines[2 * i + 1].iov_len = 1;
	}
	memcpy(sa.sun_path, JOURNAL_SOCKET, sizeof(JOURNAL_SOCKET));
	msg.msg_name = &sa;
	msg.msg_namelen = sizeof(sa);
	msg.msg_iov = lines;
	msg.msg_iovlen = (size_t)(2 * n);
	return sendmsg(journal_fd, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

#ifdef WITH_SYSTEMD
#include <dlfcn.h>

int systemd_listen_fds(void)
{
	int (*listen_fds)(int);
	void *library;

	if (!getenv("LISTEN_FDS"))
		return 0;
	if (!(library = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL)))
		return 0;
	*(void **)&listen_fds = dlsym(library, "sd_listen_fds");
	return listen_fds ? listen_fds(1) : 0;
}
#else
int systemd_listen_fds(void)
{
	return 0;
}
#endif
