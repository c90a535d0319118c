/* resolve.c: getaddrinfo and the kernel's route lookup behind policy's
 * callbacks. */
#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "resolve.h"

/* Duplicates (getaddrinfo repeats addresses per socket type on some
 * libcs) are dropped. */
int resolve_host(const char *host, struct addr *out, size_t max, size_t *n)
{
	struct addrinfo hints, *res, *ai;
	char name[NI_MAXHOST];
	size_t len = strlen(host);
	int rc;

	/* "localhost." is "localhost": glibc looks a name with its root dot
	 * up in DNS only, past /etc/hosts, so the dot goes before the lookup
	 * as it does before matching. */
	if (len == 0 || len >= sizeof(name))
		return EAI_NONAME;
	memcpy(name, host, len + 1);
	if (len > 1 && name[len - 1] == '.')
		name[len - 1] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	*n = 0;
	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != 0)
		return rc;
	for (ai = res; ai && *n < max; ai = ai->ai_next) {
		struct addr a;
		size_t i;

		if (addr_from_sockaddr(ai->ai_addr, &a) < 0)
			continue;
		for (i = 0; i < *n && memcmp(&out[i], &a, sizeof(a)) != 0; i++)
			;
		if (i == *n)
			out[(*n)++] = a;
	}
	freeaddrinfo(res);
	return *n ? 0 : EAI_NONAME;
}

static int resolve_name(void *ctx, const char *host, struct addr *out,
			size_t max, size_t *n)
{
	(void)ctx;
	return resolve_host(host, out, max, n);
}

static int local_check_failed;

/* Whether a connection to a would reach this host itself. A datagram
 * socket "connected" to a sends nothing, but the kernel picks its source
 * address with the same route lookup a TCP connect makes, and for one of
 * this host's own addresses it picks that very address. This asks about
 * one address with four system calls and no parsing, where listing every
 * interface (getifaddrs: a netlink dump) cost 8,000 instructions a
 * connection and grows with the interfaces of a router. */
static int resolve_is_local(void *ctx, const struct addr *a)
{
	struct sockaddr_storage to, from;
	socklen_t from_len = sizeof(from);
	struct addr source;
	int fd, rc;

	(void)ctx;
	fd = socket(addr_is_v4(a) ? AF_INET : AF_INET6,
		    SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1 && errno == EAFNOSUPPORT)
		return 0; /* no IPv6 here, so no IPv6 address of ours */
	if (fd == -1) {
		/* Not knowing must not open a way to our own services:
		 * every address counts as ours ("internal") from here on. */
		local_check_failed = 1;
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&to,
		    addr_to_sockaddr(a, 9, &to)) == -1)
		rc = 0; /* no route: the kernel would not deliver it here */
	else if (getsockname(fd, (struct sockaddr *)&from, &from_len) == -1 ||
		 addr_from_sockaddr((struct sockaddr *)&from, &source) == -1)
		rc = local_check_failed = 1;
	else
		rc = memcmp(&source, a, sizeof(*a)) == 0;
	close(fd);
	return rc;
}

int resolve_local_failed(void)
{
	return local_check_failed;
}

void resolve_env(struct policy_env *env)
{
	env->resolve = resolve_name;
	env->is_local = resolve_is_local;
	env->ctx = NULL;
}

int resolve_error_status(int eai, const char **error_type)
{
	if (eai == EAI_AGAIN) {
		*error_type = "dns_timeout";
		return HTTP_GATEWAY_TIMEOUT;
	}
	*error_type = "dns_error";
	return HTTP_BAD_GATEWAY;
}
