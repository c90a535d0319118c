/* test_lockdown.c: the relay's seccomp filter. Each row forks a child
 * that enters the lock-down, proves that the relay's own calls still
 * work, then makes one more call: a forbidden one must kill it with
 * SIGSYS, an allowed one must let it exit normally. The child uses raw
 * syscall() so that no sanitizer interceptor adds calls of its own. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "lockdown.h"

enum last_call {
	CALL_NOTHING, CALL_OPENAT, CALL_SOCKET_INET, CALL_SOCKET_UNIX_STREAM,
	CALL_SOCKET_UNIX_DGRAM, CALL_MMAP_EXEC, CALL_MMAP_DATA, CALL_MPROTECT,
	CALL_EXECVE, CALL_KILL, CALL_SETUID, CALL_PTRACE, CALL_FCNTL,
};

static const struct row {
	const char *name;
	enum last_call call;
	int killed;          /* 1: SIGSYS expected */
} rows[] = {
	{ "nothing more: the relay's calls alone", CALL_NOTHING, 0 },
	{ "openat: no file may be opened", CALL_OPENAT, 1 },
	{ "socket(AF_INET): no new connection", CALL_SOCKET_INET, 1 },
	{ "socket(AF_UNIX, SOCK_STREAM): no local service", CALL_SOCKET_UNIX_STREAM, 1 },
	{ "socket(AF_UNIX, SOCK_DGRAM): the log's socket", CALL_SOCKET_UNIX_DGRAM, 0 },
	{ "mmap with PROT_EXEC: no new code", CALL_MMAP_EXEC, 1 },
	{ "mmap of data: the log's formatting", CALL_MMAP_DATA, 0 },
	{ "mprotect: no code made writable or executable", CALL_MPROTECT, 1 },
	{ "execve: no other program", CALL_EXECVE, 1 },
	{ "kill: no signals to others", CALL_KILL, 1 },
	{ "setuid: no identity change", CALL_SETUID, 1 },
	{ "ptrace: no other process", CALL_PTRACE, 1 },
	{ "fcntl: nothing reconfigured", CALL_FCNTL, 1 },
};

/* What the relay does after the lock-down: select, read, write, the
 * clock, shutdown-free pipe traffic. Exits 3 if any of it fails. */
static void relay_calls(int rd, int wr)
{
	struct timespec ts;
	char c = 'x';
	fd_set set;
	struct timeval tv = { 0, 0 };

	FD_ZERO(&set);
	FD_SET(rd, &set);
	if (syscall(SYS_write, wr, &c, 1) != 1 ||
#ifdef SYS_select
	    syscall(SYS_select, rd + 1, &set, NULL, NULL, &tv) != 1 ||
#else
	    syscall(SYS_pselect6, rd + 1, &set, NULL, NULL, NULL, NULL) != 1 ||
#endif
	    syscall(SYS_read, rd, &c, 1) != 1 ||
	    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) != 0 ||
	    syscall(SYS_getpid) <= 0)
		syscall(SYS_exit_group, 3);
	(void)tv;
}

static void last_call(enum last_call call)
{
	switch (call) {
	case CALL_NOTHING:
		break;
	case CALL_OPENAT:
		syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY);
		break;
	case CALL_SOCKET_INET:
		syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
		break;
	case CALL_SOCKET_UNIX_STREAM:
		syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		break;
	case CALL_SOCKET_UNIX_DGRAM:
		if (syscall(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0) < 0)
			syscall(SYS_exit_group, 4);
		break;
	case CALL_MMAP_EXEC:
		syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		break;
	case CALL_MMAP_DATA:
		if (syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == (long)MAP_FAILED)
			syscall(SYS_exit_group, 4);
		break;
	case CALL_MPROTECT:
		syscall(SYS_mprotect, NULL, 0, PROT_READ);
		break;
	case CALL_EXECVE:
		syscall(SYS_execve, "/bin/true", NULL, NULL);
		break;
	case CALL_KILL:
		syscall(SYS_kill, 1, 0);
		break;
	case CALL_SETUID:
		syscall(SYS_setuid, 0);
		break;
	case CALL_PTRACE:
		syscall(SYS_ptrace, 0, 0, 0, 0);
		break;
	case CALL_FCNTL:
		syscall(SYS_fcntl, 0, F_GETFL);
		break;
	}
}

static void run_row(const struct row *row)
{
	int p[2], status;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (lockdown_enter() < 0)
			syscall(SYS_exit_group, 2);
		relay_calls(p[0], p[1]);
		last_call(row->call);
		syscall(SYS_exit_group, 0);
	}
	close(p[0]);
	close(p[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (row->killed) {
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
			fail_msg("%s: want SIGSYS, got status 0x%x", row->name, status);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fail_msg("%s: want exit 0, got status 0x%x (2: no filter, "
			 "3: a relay call failed, 4: the call failed)", row->name,
			 status);
	}
}

static void test_filter_rows(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(&rows[i]);
}

/* Not root in the test? Then dropping is nothing to do. As root, "user
 * root" keeps root on purpose and no user at all is refused. */
static void test_drop_refuses_root(void **state)
{
	char err[256] = "";

	(void)state;
	if (geteuid() != 0) {
		assert_int_equal(lockdown_drop_privileges(NULL, err, sizeof(err)), 0);
		return;
	}
	assert_int_equal(lockdown_drop_privileges(NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "refusing to relay as root"));
	assert_int_equal(lockdown_drop_privileges("root", err, sizeof(err)), 0);
	assert_int_equal(lockdown_drop_privileges("no-such-user-here", err,
						  sizeof(err)), -1);
	assert_non_null(strstr(err, "no such user"));
}

/* As root: the drop to nobody sticks (checked in a child, which can
 * never become root again). */
static void test_drop_to_nobody(void **state)
{
	char err[256];
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(lockdown_drop_privileges("nobody", err, sizeof(err)) == 0 &&
		      geteuid() != 0 && getegid() != 0 && setuid(0) < 0 ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_rows),
		cmocka_unit_test(test_drop_refuses_root),
		cmocka_unit_test(test_drop_to_nobody),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
