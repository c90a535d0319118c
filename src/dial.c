/* dial.c: non-blocking connects under one total deadline. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "dial.h"
#include "http.h"

/* errno of a failed connect, as the status and RFC 9209 type a client
 * sees. Anything unexpected is reported as an unreachable destination. */
static const struct {
	int error;
	int status;
	const char *type;
} dial_errors[] = {
	{ ETIMEDOUT, HTTP_GATEWAY_TIMEOUT, "connection_timeout" },
	{ ECONNREFUSED, HTTP_BAD_GATEWAY, "connection_refused" },
	{ ENETUNREACH, HTTP_BAD_GATEWAY, "destination_ip_unroutable" },
	{ EHOSTUNREACH, HTTP_BAD_GATEWAY, "destination_ip_unroutable" },
	{ ENETDOWN, HTTP_BAD_GATEWAY, "destination_ip_unroutable" },
	{ EADDRNOTAVAIL, HTTP_BAD_GATEWAY, "destination_ip_unroutable" },
	{ EAFNOSUPPORT, HTTP_BAD_GATEWAY, "destination_ip_unroutable" },
	{ EPERM, HTTP_BAD_GATEWAY, "destination_ip_prohibited" },
	{ EACCES, HTTP_BAD_GATEWAY, "destination_ip_prohibited" },
};

static void dial_fail(struct dial_result *out, int error)
{
	size_t i;

	out->error = error;
	out->status = HTTP_BAD_GATEWAY;
	out->error_type = "destination_unavailable";
	for (i = 0; i < sizeof(dial_errors) / sizeof(dial_errors[0]); i++) {
		if (dial_errors[i].error == error) {
			out->status = dial_errors[i].status;
			out->error_type = dial_errors[i].type;
			return;
		}
	}
}

/* Waits until fd's connect completes or deadline passes. Returns 0 when
 * connected, else an errno value (ETIMEDOUT for our own timer). */
static int connect_wait(int fd, long long deadline)
{
	for (;;) {
		long long left = clock_left_ms(deadline);
		struct timeval tv = { left / 1000, (left % 1000) * 1000 };
		fd_set wr;
		socklen_t len = sizeof(int);
		int ready, error = 0;

		FD_ZERO(&wr);
		FD_SET(fd, &wr);
		ready = select(fd + 1, NULL, &wr, NULL, &tv);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			return errno;
		if (ready == 0)
			return ETIMEDOUT;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
			return errno;
		return error;
	}
}

/* One attempt. Returns the connected socket, or -1 with *error set. */
static int connect_one(const struct addr *a, unsigned port, long long deadline,
		       int *error)
{
	struct sockaddr_storage ss;
	socklen_t sslen = addr_to_sockaddr(a, port, &ss);
	int fd, one = 1;

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*error = errno;
		return -1;
	}
	if (fd >= FD_SETSIZE) {
		*error = EMFILE;
		goto fail;
	}
	if (connect(fd, (struct sockaddr *)&ss, sslen) < 0 &&
	    errno != EINPROGRESS) {
		*error = errno;
		goto fail;
	}
	*error = connect_wait(fd, deadline);
	if (*error)
		goto fail;
	/* A tunnel forwards each byte as it comes: never wait for more. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	close(fd);
	return -1;
}

/* Orders addresses: the resolver's first choice first, then alternating
 * families (RFC 8305's interleaving), so one broken family costs a
 * single attempt, not the whole budget. Returns the count. */
static size_t dial_order(const struct addr *const *in, size_t n,
			 const struct addr **order)
{
	const struct addr *v4[POLICY_ADDRS_MAX], *v6[POLICY_ADDRS_MAX];
	size_t n4 = 0, n6 = 0, i4 = 0, i6 = 0, k = 0, i;
	int want_v4 = n > 0 && addr_is_v4(in[0]);

	for (i = 0; i < n && i < POLICY_ADDRS_MAX; i++) {
		if (addr_is_v4(in[i]))
			v4[n4++] = in[i];
		else
			v6[n6++] = in[i];
	}
	while (i4 < n4 || i6 < n6) {
		if ((want_v4 && i4 < n4) || i6 == n6)
			order[k++] = v4[i4++];
		else
			order[k++] = v6[i6++];
		want_v4 = !want_v4;
	}
	return k;
}

/* Tries each address in order with its share of the time left. */
static int dial_list(const struct addr *const *list, size_t count,
		     unsigned port, long long deadline, struct dial_result *out)
{
	const struct addr *order[POLICY_ADDRS_MAX];
	size_t n = dial_order(list, count, order), i;

	memset(out, 0, sizeof(*out));
	dial_fail(out, EHOSTUNREACH); /* no address at all */
	for (i = 0; i < n; i++) {
		/* Each attempt gets its share of what is left, the last one
		 * all of it. */
		long long share = clock_left_ms(deadline) / (long long)(n - i);
		int fd, error;

		if (share == 0 && i > 0)
			break;
		out->addr = *order[i];
		out->tried++;
		fd = connect_one(order[i], port, clock_now_ms() + share, &error);
		if (fd >= 0) {
			out->status = 0;
			out->error_type = NULL;
			out->error = 0;
			return fd;
		}
		dial_fail(out, error);
	}
	return -1;
}

int dial_addresses(const struct addr *addrs, size_t n, unsigned port,
		   long long deadline, struct dial_result *out)
{
	const struct addr *list[POLICY_ADDRS_MAX];
	size_t i;

	for (i = 0; i < n && i < POLICY_ADDRS_MAX; i++)
		list[i] = &addrs[i];
	return dial_list(list, i, port, deadline, out);
}

int dial_connect(const struct policy_result *pr, unsigned port,
		 long long deadline, struct dial_result *out)
{
	const struct addr *list[POLICY_ADDRS_MAX];
	size_t i, n = 0;

	/* An address a via-only rule allowed is for the parent to reach,
	 * not for us. */
	for (i = 0; i < pr->naddrs; i++)
		if (pr->addrs[i].allowed && rule_allows_direct(pr->addrs[i].rule))
			list[n++] = &pr->addrs[i].addr;
	return dial_list(list, n, port, deadline, out);
}
