/* resolve.c: getaddrinfo and the kernel's route lookup behind policy's
 * callbacks. */
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "resolve.h"
#include "route.h"

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

/* Whether a connection to a would reach this host itself: the kernel's
 * own route lookup (`ip route get`), over rtnetlink, says "local" for
 * every address of every interface, secondaries and keepalived's VIPs
 * among them, and for local routes (`ip route add local NET dev lo`).
 * One question per address, four system calls and no dump: listing every
 * interface (getifaddrs) cost 8,000 instructions a connection and grew
 * with a router's interfaces, and missed the local routes. */
static int resolve_is_local(void *ctx, const struct addr *a)
{
	unsigned char req[ROUTE_REQUEST_MAX], ans[8192];
	enum route_answer r = ROUTE_ERROR;
	size_t n = route_request(a, 1, req);
	ssize_t got;
	int fd;

	(void)ctx;
	/* 0: NETLINK_ROUTE (no kernel headers with musl, see route.c) */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd != -1 && send(fd, req, n, 0) == (ssize_t)n &&
	    (got = recv(fd, ans, sizeof(ans), 0)) > 0)
		r = route_answer(ans, (size_t)got, 1);
	if (fd != -1)
		close(fd);
	if (r == ROUTE_ERROR) {
		/* Not knowing must not open a way to our own services:
		 * the address counts as ours ("internal"). */
		local_check_failed = 1;
		return 1;
	}
	return r == ROUTE_LOCAL;
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
