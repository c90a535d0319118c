/* clock.h: milliseconds on the monotonic clock, for deadlines. */
#ifndef CONNECTD_CLOCK_H
#define CONNECTD_CLOCK_H

#include <time.h>

static inline long long clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline, never negative. */
static inline long long clock_left_ms(long long deadline)
{
	long long left = deadline - clock_now_ms();

	return left > 0 ? left : 0;
}

/* Waits until fd is writable (for_write) or readable, or the deadline
 * passes. Returns 0 when ready, or -1 with errno (ETIMEDOUT at the
 * deadline, EBADF for an fd select() cannot watch). */
int clock_wait_fd(int fd, int for_write, long long deadline_ms);

#endif
