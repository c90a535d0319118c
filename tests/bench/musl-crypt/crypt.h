/* Bench-only stand-in for <crypt.h>: Debian's musl has no crypt(3)
 * (#947193), so `make static` cannot link connectd here. The bench's
 * static build uses this header and crypt_stub.c, whose crypt_r() never
 * verifies a password (every login fails, closed). The bench uses no
 * authentication, so nothing it measures runs this code. */
#ifndef BENCH_CRYPT_H
#define BENCH_CRYPT_H

/* libxcrypt's struct is 32 KiB; the same size keeps auth_verify's
 * allocation what it is with the real library. */
struct crypt_data {
	char opaque[32768];
};

char *crypt_r(const char *phrase, const char *setting, struct crypt_data *data);

#endif
