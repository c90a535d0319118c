/* fuzz_proxyproto.c: the PROXY protocol header a load balancer sends first
 * (proxyproto_parse, versions 1 and 2), re-parsed by proxyproto_read after
 * every read.
 *
 * Invariants: the result is -1, 0 or 1. On 1: version 1 or 2; len at most
 * 16 + 65535; a v1 header is at most 107 bytes, all present, ending in
 * CRLF; a v2 header is at least 16 bytes, and any address block it uses
 * was inside the bytes given; addresses and ports are set only when
 * has_addresses (v1 TCP4 and v2 TCP over IPv4 give IPv4-mapped ones).
 * "Need more" (0) is answered only while a header could still fit. As for
 * every incremental parser, prefixes agree with the whole: a prefix of a
 * valid header, or of one still incomplete, is never invalid, and a prefix
 * holding the part the parser needs gives the same header. */
#include "fuzz.h"
#include "proxyproto.h"

#define V2_BLOCK_MAX 216 /* the largest address block (AF_UNIX) */

static const unsigned char v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

static int parse_copy(const uint8_t *data, size_t k, struct proxy_header *h)
{
	unsigned char *copy = malloc(k > 0 ? k : 1);
	int r;

	FUZZ_CHECK(copy != NULL, "out of memory");
	memcpy(copy, data, k);
	memset(h, 0xa5, sizeof(*h));
	r = proxyproto_parse(copy, k, h);
	free(copy);
	return r;
}

static void check_header(const uint8_t *data, size_t size, int r,
			 const struct proxy_header *h)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	static const struct addr zero;

	FUZZ_CHECK(r == -1 || r == 0 || r == 1, "rc %d", r);
	if (r == 0) {
		/* an undecided answer only while a header can still complete */
		FUZZ_CHECK(size < PROXYPROTO_V1_MAX || (size >= 12 &&
			   memcmp(data, v2_sig, 12) == 0 &&
			   size < 16 + V2_BLOCK_MAX), "need more after %zu bytes",
			   size);
		return;
	}
	if (r != 1)
		return;
	FUZZ_CHECK(h->len <= PROXYPROTO_V2_MAX, "len %zu", h->len);
	FUZZ_CHECK(h->has_addresses == 0 || h->has_addresses == 1,
		   "has_addresses %d", h->has_addresses);
	if (h->version == 1) {
		FUZZ_CHECK(h->len >= 8 && h->len <= PROXYPROTO_V1_MAX &&
			   h->len <= size, "v1 len %zu of %zu", h->len, size);
		FUZZ_CHECK(memcmp(data, "PROXY ", 6) == 0 &&
			   data[h->len - 2] == '\r' && data[h->len - 1] == '\n',
			   "v1 line shape");
		FUZZ_CHECK(memchr(data, '\n', h->len - 1) == NULL,
			   "v1 line with a LF inside");
		if (h->has_addresses && memcmp(data + 6, "TCP4", 4) == 0)
			FUZZ_CHECK(memcmp(h->src.b, mapped, 12) == 0 &&
				   memcmp(h->dst.b, mapped, 12) == 0,
				   "TCP4 addresses not IPv4-mapped");
	} else {
		FUZZ_CHECK(h->version == 2, "version %d", h->version);
		FUZZ_CHECK(size >= 16 && memcmp(data, v2_sig, 12) == 0 &&
			   (data[12] & 0xf0) == 0x20, "v2 shape");
		FUZZ_CHECK(h->len == 16 + ((size_t)data[14] << 8 | data[15]),
			   "v2 len %zu", h->len);
		if (h->has_addresses) {
			size_t block = data[13] == 0x11 ? 12 : 36;

			FUZZ_CHECK((data[12] & 0x0f) == 1 &&
				   (data[13] == 0x11 || data[13] == 0x21),
				   "addresses from fam 0x%02x", data[13]);
			FUZZ_CHECK(size >= 16 + block && h->len >= 16 + block,
				   "address block past the bytes given");
			if (data[13] == 0x11)
				FUZZ_CHECK(memcmp(h->src.b, mapped, 12) == 0 &&
					   memcmp(h->dst.b, mapped, 12) == 0,
					   "TCP4 addresses not IPv4-mapped");
		}
	}
	if (h->has_addresses) {
		FUZZ_CHECK(h->src_port <= 65535 && h->dst_port <= 65535,
			   "ports %u %u", h->src_port, h->dst_port);
	} else {
		FUZZ_CHECK(memcmp(&h->src, &zero, sizeof(zero)) == 0 &&
			   memcmp(&h->dst, &zero, sizeof(zero)) == 0 &&
			   h->src_port == 0 && h->dst_port == 0,
			   "addresses without has_addresses");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_header h, p;
	size_t cuts[6], i, need;
	int r, pr;

	r = parse_copy(data, size, &h);
	check_header(data, size, r, &h);

	/* the bytes the parser needs for its answer: the v1 line, or the v2
	 * fixed part and its address block */
	need = size;
	if (r == 1 && h.version == 1)
		need = h.len;
	if (r == 1 && h.version == 2)
		need = h.has_addresses ? 16 + (data[13] == 0x11 ? 12 : 36) : 16;
	cuts[0] = 0;
	cuts[1] = size / 2;
	cuts[2] = size > 0 ? size - 1 : 0;
	cuts[3] = need > 0 ? need - 1 : 0;
	cuts[4] = need;
	cuts[5] = size > 0 ? data[size - 1] % size : 0;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		if (cuts[i] > size)
			continue;
		pr = parse_copy(data, cuts[i], &p);
		check_header(data, cuts[i], pr, &p);
		if (r >= 0)
			FUZZ_CHECK(pr != -1, "prefix %zu of a valid (%d) header "
				   "is invalid", cuts[i], r);
		if (r == 1 && cuts[i] >= need)
			FUZZ_CHECK(pr == 1 && p.version == h.version &&
				   p.len == h.len &&
				   p.has_addresses == h.has_addresses &&
				   memcmp(&p.src, &h.src, sizeof(h.src)) == 0 &&
				   memcmp(&p.dst, &h.dst, sizeof(h.dst)) == 0 &&
				   p.src_port == h.src_port &&
				   p.dst_port == h.dst_port,
				   "prefix %zu of a %zu-byte header differs",
				   cuts[i], need);
		if (r == 1 && cuts[i] < need)
			FUZZ_CHECK(pr == 0, "prefix %zu of the needed %zu: rc %d",
				   cuts[i], need, pr);
	}
	return 0;
}
