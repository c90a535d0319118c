/* test_file.c: file_read, table by table: sizes around the cap and the
 * first guess, files that are longer or shorter than fstat says, and the
 * errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file.h"

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

/* A file of n bytes of a repeating pattern; its path in path. */
static void make_file(char *path, size_t size, size_t n)
{
	char *data;
	size_t i;
	int fd;

	snprintf(path, size, "/tmp/connectd-test-file-XXXXXX");
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(data = malloc(n + 1));
	for (i = 0; i < n; i++)
		data[i] = (char)('a' + i % 26);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	free(data);
}

static const struct {
	size_t n;      /* bytes in the file */
	size_t max;    /* the cap given */
	int rc;        /* 0, or -2 with EFBIG */
} size_rows[] = {
	{ 0, 100, 0 },
	{ 1, 100, 0 },
	{ 99, 100, 0 },
	{ 100, 100, 0 },        /* exactly the cap */
	{ 101, 100, -2 },       /* one byte past it */
	{ 5000, 4000, -2 },
	{ 4095, 1 << 20, 0 },   /* around the 4 KiB first guess */
	{ 4096, 1 << 20, 0 },
	{ 4097, 1 << 20, 0 },
	{ 300000, 1 << 20, 0 }, /* several doublings */
	{ 1 << 20, 1 << 20, 0 },
	{ (1 << 20) + 1, 1 << 20, -2 },
};

static void test_sizes(void **state)
{
	char path[64], *text;
	size_t i, j, len;
	mode_t mode;
	int rc;

	(void)state;
	for (i = 0; i < NROWS(size_rows); i++) {
		make_file(path, sizeof(path), size_rows[i].n);
		text = NULL;
		errno = 0;
		rc = file_read(path, size_rows[i].max, &text, &len, &mode);
		unlink(path);
		if (rc != size_rows[i].rc)
			fail_msg("row %zu (%zu bytes, cap %zu): rc %d, want %d", i,
			    size_rows[i].n, size_rows[i].max, rc, size_rows[i].rc);
		if (rc != 0) {
			assert_int_equal(errno, EFBIG);
			continue;
		}
		assert_int_equal(len, size_rows[i].n);
		assert_true(S_ISREG(mode));
		assert_int_equal(text[len], '\0');
		for (j = 0; j < len; j++)
			if (text[j] != (char)('a' + j % 26))
				fail_msg("row %zu: byte %zu differs", i, j);
		free(text);
	}
}

/* A file longer than fstat says (a FIFO says 0, like /proc files): the
 * buffer starts at the 4 KiB guess and must grow, by doubling, to 300,000
 * bytes written by a child, every byte in place. */
static void test_longer_than_stat(void **state)
{
	char path[64], *text, chunk[1000];
	size_t i, len, total = 300000;
	pid_t pid;
	int fd, status;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/connectd-test-fifo-%ld", (long)getpid());
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		if ((fd = open(path, O_WRONLY)) < 0)
			_exit(1);
		for (i = 0; i < total; i++) {
			chunk[i % sizeof(chunk)] = (char)('a' + i % 26);
			if ((i + 1) % sizeof(chunk) == 0 &&
			    write(fd, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk))
				_exit(1);
		}
		_exit(0);
	}
	assert_int_equal(file_read(path, 1 << 20, &text, &len, NULL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unlink(path);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(len, total);
	assert_int_equal(text[len], '\0');
	for (i = 0; i < len; i++)
		if (text[i] != (char)('a' + i % 26))
			fail_msg("byte %zu differs", i);
	free(text);
}

static void test_errors(void **state)
{
	char *text;
	size_t len;

	(void)state;
	errno = 0;
	assert_int_equal(file_read("/nonexistent/file", 100, &text, &len, NULL), -1);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_int_equal(file_read("/tmp", 100, &text, &len, NULL), -2);
	assert_int_equal(errno, EISDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_longer_than_stat),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
