/* fuzz.h: what the libFuzzer harnesses share. A broken invariant is a
 * crash: FUZZ_CHECK prints where and why, then aborts, so libFuzzer saves
 * the input as crash-* and the run fails. */
#ifndef CONNECTD_FUZZ_H
#define CONNECTD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s: ",	\
			__FILE__, __LINE__, #cond);			\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

/* An exactly-sized heap copy of the input, with no terminator, so that
 * ASan sees any read past its end (libFuzzer's own buffer is exactly
 * sized too; the copy is for parsers that need a writable or separate
 * buffer). Returns NULL only for size 0 and on allocation failure. */
static inline char *fuzz_dup(const uint8_t *data, size_t size)
{
	char *p;

	if (size == 0 || (p = malloc(size)) == NULL)
		return NULL;
	memcpy(p, data, size);
	return p;
}

/* Whether the n bytes at data contain the literal s. */
static inline int fuzz_contains(const uint8_t *data, size_t n, const char *s)
{
	size_t k = strlen(s);

	return k <= n && memmem(data, n, s, k) != NULL;
}

#endif
