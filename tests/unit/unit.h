/* unit.h: helpers shared by the unit tests (cmocka).
 *
 * Only what several test files need in the very same form; fixtures that
 * belong to one module stay in its test file. Everything here is static
 * inline, so a test that uses a part of it builds without unused-function
 * warnings, and each test binary stays one translation unit. */
#ifndef CONNECTD_UNIT_H
#define CONNECTD_UNIT_H

/* cmocka.h needs these before it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"

/* A string literal as the two arguments (pointer, length) that the code
 * under test takes, without its NUL, so NULs inside are data. */
#define IN(s) s, sizeof(s) - 1
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- tables ----------------------------------------------------------- */

/* Runs one cmocka group with a test per table row, named after the row,
 * so that a failing row is reported by its name and the other rows still
 * run. rows holds count rows of size bytes each; a row's name is the
 * const char * at name_offset, and f gets the row as its state. */
static inline int run_rows(const char *group, const void *rows, size_t size,
			   size_t count, size_t name_offset,
			   CMUnitTestFunction f)
{
	struct CMUnitTest *tests = calloc(count, sizeof(*tests));
	const char *row;
	size_t i;
	int failed;

	if (!tests)
		return 1;
	for (i = 0; i < count; i++) {
		row = (const char *)rows + i * size;
		memcpy(&tests[i].name, row + name_offset, sizeof(tests[i].name));
		tests[i].test_func = f;
		tests[i].initial_state = (void *)(uintptr_t)row;
	}
	failed = _cmocka_run_group_tests(group, tests, count, NULL, NULL);
	free(tests);
	return failed;
}

/* run_rows on an array of rows with a member `name`: the size, count and
 * name offset all come from the one array, so they cannot disagree. */
#define RUN_ROWS(group, rows, f) \
	run_rows((group), (rows), sizeof((rows)[0]), COUNT(rows), \
		 (size_t)((const char *)&(rows)[0].name - \
			  (const char *)&(rows)[0]), (f))

/* ---- sockets ---------------------------------------------------------- */

/* A deadline far enough away that only a hang reaches it. */
static inline long long far_deadline(void)
{
	return clock_now_ms() + 10000;
}

/* A socketpair of the given type: sv[0] for the code under test, sv[1]
 * for the test's side of the conversation. */
static inline void pair(int type, int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, type, 0, sv), 0);
}

static inline void close_pair(int sv[2])
{
	close(sv[0]);
	close(sv[1]);
}

/* Sends all n bytes of s on the socket fd with the given send() flags;
 * a short send only moves on, an error or 0 fails the test. */
static inline void send_flags(int fd, const char *s, size_t n, int flags)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, s, n, flags);
		assert_true(w > 0);
		s += w;
		n -= (size_t)w;
	}
}

/* Sends all n bytes, blocking as needed (a reader may be draining). */
static inline void send_all(int fd, const char *s, size_t n)
{
	send_flags(fd, s, n, 0);
}

/* Sends all n bytes without blocking: a test that writes before it reads
 * would hang if the socket buffer could not take them, so fail instead. */
static inline void send_now(int fd, const char *s, size_t n)
{
	send_flags(fd, s, n, MSG_DONTWAIT);
}

/* ---- child processes -------------------------------------------------- */

/* Runs body(arg) in a forked child, which then _exits with its result.
 * The child must never return: it would go on running the rest of the
 * tests, and a cmocka assert in it would jump into the child's copy of
 * the runner. So the body reports by its return value, 0 for success. */
static inline pid_t child_start(int (*body)(const void *), const void *arg)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(body(arg));
	return pid;
}

/* Waits for a child of child_start and fails the test unless its body
 * returned 0. */
static inline void child_wait(pid_t pid)
{
	int wstatus;

	assert_int_equal(waitpid(pid, &wstatus, 0), pid);
	assert_true(WIFEXITED(wstatus));
	assert_int_equal(WEXITSTATUS(wstatus), 0);
}

#endif
