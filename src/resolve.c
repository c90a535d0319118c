/* resolve.c: getaddrinfo and getifaddrs behind policy's callbacks. */
#include <ifaddrs.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

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

#define LOCAL_ADDRS_MAX 64

static struct addr local_addrs[LOCAL_ADDRS_MAX];
static size_t nlocal_addrs;
static int local_addrs_known;
static int local_addrs_failed;

/* This host's own addresses, read once: a tunnel back into the proxy host
 * reaches services that trust it. */
static void local_addrs_load(void)
{
	struct ifaddrs *ifs, *ifa;

	local_addrs_known = 1;
	if (getifaddrs(&ifs) < 0) {
		/* Not knowing our own addresses must not open a way to them:
		 * every address counts as ours ("internal") from here on. */
		local_addrs_failed = 1;
		return;
	}
	for (ifa = ifs; ifa && nlocal_addrs < LOCAL_ADDRS_MAX; ifa = ifa->ifa_next)
		if (ifa->ifa_addr &&
		    addr_from_sockaddr(ifa->ifa_addr, &local_addrs[nlocal_addrs]) == 0)
			nlocal_addrs++;
	freeifaddrs(ifs);
}

static int resolve_is_local(void *ctx, const struct addr *a)
{
	size_t i;

	(void)ctx;
	if (!local_addrs_known)
		local_addrs_load();
	if (local_addrs_failed)
		return 1;
	for (i = 0; i < nlocal_addrs; i++)
		if (memcmp(&local_addrs[i], a, sizeof(*a)) == 0)
			return 1;
	return 0;
}

int resolve_local_failed(void)
{
	return local_addrs_failed;
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
