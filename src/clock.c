/* clock.c: waiting for an fd until a deadline, the one select() loop
 * that every reader and writer outside the relay shares. */
#include <errno.h>
#include <sys/select.h>

#include "clock.h"

int clock_wait_fd(int fd, int for_write, long long deadline_ms)
{
	struct timeval tv;
	long long left;
	fd_set fds;
	int n;

	if (fd < 0 || fd >= FD_SETSIZE) {
		errno = EBADF;
		return -1;
	}
	for (;;) {
		if ((left = clock_left_ms(deadline_ms)) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		FD_ZERO(&fds);
		FD_SET(fd, &fds);
		tv.tv_sec = (time_t)(left / 1000);
		tv.tv_usec = (suseconds_t)(left % 1000 * 1000);
		n = select(fd + 1, for_write ? NULL : &fds,
			   for_write ? &fds : NULL, NULL, &tv);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}
