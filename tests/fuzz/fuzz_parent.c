/* fuzz_parent.c: a parent proxy's response to our CONNECT
 * (parent_parse_response), which parent_handshake re-parses from the start
 * after every read.
 *
 * Invariants: the result is -1, 0 or 1; on 1 the head length is at most
 * the bytes given and ends in LF, and the status is a final one
 * (200..599: 1xx are skipped, 101 refused). The parser works on any
 * prefix the network may deliver, so prefixes must agree with the whole:
 * when the whole is a response, a prefix that holds its head gives the
 * same status and length, a shorter one "need more" (0); when the whole is
 * not garbage, no prefix is. */
#include "fuzz.h"
#include "parent.h"

static void check_prefix(const char *buf, size_t size, size_t k, int whole,
			 int st, size_t hl)
{
	int pst = -7, r;
	size_t phl = (size_t)-1;
	char *copy;

	if (k > size)
		return;
	/* exactly k bytes on the heap, so that ASan sees a read past them */
	copy = malloc(k > 0 ? k : 1);
	FUZZ_CHECK(copy != NULL, "out of memory");
	memcpy(copy, buf, k);
	r = parent_parse_response(copy, k, &pst, &phl);
	free(copy);
	FUZZ_CHECK(r == -1 || r == 0 || r == 1, "prefix %zu: rc %d", k, r);
	if (whole >= 0)
		FUZZ_CHECK(r != -1, "prefix %zu of a valid (%d) response is "
			   "garbage", k, whole);
	if (whole == 1 && k >= hl)
		FUZZ_CHECK(r == 1 && pst == st && phl == hl, "prefix %zu: rc %d "
			   "status %d len %zu, whole: status %d len %zu", k, r,
			   pst, phl, st, hl);
	if (whole == 1 && k < hl)
		FUZZ_CHECK(r == 0, "prefix %zu of a %zu-byte head: rc %d", k,
			   hl, r);
	if (r == 1)
		FUZZ_CHECK(whole == 1 && pst == st && phl == hl,
			   "prefix %zu complete (status %d len %zu), whole rc %d",
			   k, pst, phl, whole);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	int st = -7, r;
	size_t hl = (size_t)-1, cuts[8], i;

	r = parent_parse_response(buf, size, &st, &hl);
	FUZZ_CHECK(r == -1 || r == 0 || r == 1, "rc %d", r);
	if (r == 1) {
		FUZZ_CHECK(hl > 0 && hl <= size, "head_len %zu of %zu", hl, size);
		FUZZ_CHECK(buf[hl - 1] == '\n', "head not ending in LF");
		FUZZ_CHECK(st >= 100 && st <= 599, "status %d", st);
		FUZZ_CHECK(st >= 200, "interim status %d as final", st);
	}
	/* a few cut points: the ends, the middle, around the head's end */
	cuts[0] = 0;
	cuts[1] = 1;
	cuts[2] = size / 3;
	cuts[3] = size / 2;
	cuts[4] = size > 0 ? size - 1 : 0;
	cuts[5] = r == 1 && hl > 0 ? hl - 1 : size;
	cuts[6] = r == 1 ? hl : size;
	cuts[7] = size > 0 ? (size_t)data[0] % size : 0;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		check_prefix(buf, size, cuts[i], r, st, hl);
	return 0;
}
