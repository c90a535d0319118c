/* route.c: an RTM_GETROUTE request for one address and its answer. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "route.h"

/* The rtnetlink messages this needs (linux/netlink.h, linux/rtnetlink.h),
 * spelled out because musl toolchains carry no kernel headers, as
 * lockdown.c does for seccomp. The layouts and values are part of the
 * Linux ABI and never change; every part is 4-byte aligned. */
struct nl_header {           /* struct nlmsghdr */
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};

struct nl_error {            /* struct nlmsgerr */
	int32_t error;
	struct nl_header request;  /* the header of the request it answers */
};

struct rt_message {          /* struct rtmsg */
	uint8_t family, dst_len, src_len, tos;
	uint8_t table, protocol, scope, type;
	uint32_t flags;
};

struct rt_attribute {        /* struct rtattr */
	uint16_t len, type;
};

#define NL_MSG_ERROR 2       /* NLMSG_ERROR */
#define NL_F_REQUEST 1       /* NLM_F_REQUEST */
#define RT_NEWROUTE 24       /* RTM_NEWROUTE */
#define RT_GETROUTE 26       /* RTM_GETROUTE */
#define RT_ATTR_DST 1        /* RTA_DST */
#define RT_TYPE_LOCAL 2      /* RTN_LOCAL */

#define HEADER_LEN sizeof(struct nl_header)                 /* NLMSG_HDRLEN */
#define BODY_AT(n) (HEADER_LEN + (n))                       /* NLMSG_LENGTH */
#define ATTR_LEN(n) (sizeof(struct rt_attribute) + (n))     /* RTA_LENGTH */

size_t route_request(const struct addr *a, unsigned seq, unsigned char *buf)
{
	int v4 = addr_is_v4(a);
	size_t alen = v4 ? 4 : 16;
	struct nl_header nh;
	struct rt_message rt;
	struct rt_attribute rta;

	memset(buf, 0, ROUTE_REQUEST_MAX);
	memset(&nh, 0, sizeof(nh));
	memset(&rt, 0, sizeof(rt));
	nh.len = (uint32_t)(BODY_AT(sizeof(rt)) + ATTR_LEN(alen));
	nh.type = RT_GETROUTE;
	nh.flags = NL_F_REQUEST;
	nh.seq = seq;
	rt.family = v4 ? AF_INET : AF_INET6;
	rt.dst_len = (uint8_t)(alen * 8);
	rta.type = RT_ATTR_DST;
	rta.len = (uint16_t)ATTR_LEN(alen);
	memcpy(buf, &nh, sizeof(nh));
	memcpy(buf + HEADER_LEN, &rt, sizeof(rt));
	memcpy(buf + BODY_AT(sizeof(rt)), &rta, sizeof(rta));
	memcpy(buf + BODY_AT(sizeof(rt)) + ATTR_LEN(0), v4 ? a->b + 12 : a->b,
	       alen);
	return nh.len;
}

/* The errors that say the kernel has no way to the address: a TCP
 * connect would fail too, so it is not this host's. A kernel without
 * IPv6 (ipv6.disable=1) has no rtnetlink handler for it: EOPNOTSUPP. */
static int route_unreachable(int32_t error)
{
	return error == -ENETUNREACH || error == -EHOSTUNREACH ||
	       error == -EACCES || error == -EAFNOSUPPORT ||
	       error == -EOPNOTSUPP;
}

enum route_answer route_answer(const unsigned char *buf, size_t len,
			       unsigned seq)
{
	struct nl_header nh;
	struct nl_error err;
	struct rt_message rt;

	if (len < sizeof(nh))
		return ROUTE_ERROR;
	memcpy(&nh, buf, sizeof(nh));
	if (nh.len < sizeof(nh) || nh.len > len || nh.seq != seq)
		return ROUTE_ERROR;
	if (nh.type == NL_MSG_ERROR) {
		if (nh.len < BODY_AT(sizeof(err)))
			return ROUTE_ERROR;
		memcpy(&err, buf + HEADER_LEN, sizeof(err));
		return route_unreachable(err.error) ? ROUTE_UNREACHABLE :
		    ROUTE_ERROR;
	}
	if (nh.type != RT_NEWROUTE || nh.len < BODY_AT(sizeof(rt)))
		return ROUTE_ERROR;
	memcpy(&rt, buf + HEADER_LEN, sizeof(rt));
	return rt.type == RT_TYPE_LOCAL ? ROUTE_LOCAL : ROUTE_ELSEWHERE;
}
