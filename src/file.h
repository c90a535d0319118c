/* file.h: reading a whole configuration file (the config, an include, the
 * auth_file) into memory. */
#ifndef CONNECTD_FILE_H
#define CONNECTD_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Reads the whole file at path into a malloc'd buffer, *len bytes, with a
 * NUL after them (a parser may also write there: the last line's end).
 * mode, unless NULL, gets the file's mode. Returns 0; -1 when the file
 * cannot be opened; -2 when it cannot be read (EISDIR for a directory,
 * EFBIG past max bytes), errno set. On failure what was read is wiped
 * before it is freed: an auth_file holds password hashes. */
int file_read(const char *path, size_t max, char **text, size_t *len,
	      mode_t *mode);

#endif
