/* systemd.c: libsystemd on demand. */
#include <stdlib.h>

#include "systemd.h"

#ifdef WITH_SYSTEMD
#include <dlfcn.h>

static void *library;
static int (*journal_sendv)(const struct iovec *, int);

/* A symbol of libsystemd.so.0, loading the library on first use. */
static void *systemd_symbol(const char *name)
{
	if (!library && !(library = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL)))
		return NULL;
	return dlsym(library, name);
}

int systemd_listen_fds(void)
{
	int (*listen_fds)(int);

	if (!getenv("LISTEN_FDS"))
		return 0;
	*(void **)&listen_fds = systemd_symbol("sd_listen_fds");
	return listen_fds ? listen_fds(1) : 0;
}

int systemd_journal_open(void)
{
	*(void **)&journal_sendv = systemd_symbol("sd_journal_sendv");
	return journal_sendv ? 0 : -1;
}

int systemd_journal_sendv(const struct iovec *iov, int n)
{
	return journal_sendv ? journal_sendv(iov, n) : -1;
}
#else
int systemd_listen_fds(void)
{
	return 0;
}

int systemd_journal_open(void)
{
	return -1;
}

int systemd_journal_sendv(const struct iovec *iov, int n)
{
	(void)iov;
	(void)n;
	return -1;
}
#endif
