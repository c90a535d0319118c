/* file.c: a whole file into memory, sized by the file, never past a cap. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

/* The buffer starts at the size fstat reports (plus the NUL and one byte
 * to notice growth), not at the cap: each connection reads its config,
 * and a megabyte requested for a 2 KiB file was an mmap and a munmap of
 * address space that the tunnel's page tables kept. It doubles when the
 * file is longer than it said. */
static int file_read_fd(int fd, size_t max, char **text, size_t *len,
			mode_t *mode)
{
	struct stat st;
	size_t n = 0, room;
	char *buf = NULL, *grown;
	ssize_t r;

	if (fstat(fd, &st) == -1)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	room = st.st_size > 0 && (size_t)st.st_size < max ? (size_t)st.st_size + 2 : 4096;
	for (;;) {
		if (n + 1 >= room || buf == NULL) {
			if (buf != NULL)
				room = room > max / 2 ? max + 2 : room * 2;
			/* Not realloc: it would free the old block unwiped. */
			if ((grown = malloc(room)) == NULL)
				goto fail;
			if (buf != NULL) {
				memcpy(grown, buf, n);
				explicit_bzero(buf, n);
				free(buf);
			}
			buf = grown;
		}
		if ((r = read(fd, buf + n, room - 1 - n)) == 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		n += (size_t)r;
		if (n > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	if (mode != NULL)
		*mode = st.st_mode;
	return 0;
fail:
	if (buf != NULL)
		explicit_bzero(buf, n);
	free(buf);
	return -1;
}

int file_read(const char *path, size_t max, char **text, size_t *len,
	      mode_t *mode)
{
	int fd, rc, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return -1;
	rc = file_read_fd(fd, max, text, len, mode);
	saved = errno;
	close(fd);
	errno = saved;
	return rc == 0 ? 0 : -2;
}
