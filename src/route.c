/* route.c: an RTM_GETROUTE request for one address and its answer. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "route.h"

size_t route_request(const struct addr *a, unsigned seq, unsigned char *buf)
{
	int v4 = addr_is_v4(a);
	size_t alen = v4 ? 4 : 16;
	struct nlmsghdr nh;
	struct rtmsg rt;
	struct rtattr rta;

	memset(buf, 0, ROUTE_REQUEST_MAX);
	memset(&nh, 0, sizeof(nh));
	memset(&rt, 0, sizeof(rt));
	nh.nlmsg_len = NLMSG_LENGTH(sizeof(rt)) + RTA_LENGTH(alen);
	nh.nlmsg_type = RTM_GETROUTE;
	nh.nlmsg_flags = NLM_F_REQUEST;
	nh.nlmsg_seq = seq;
	rt.rtm_family = v4 ? AF_INET : AF_INET6;
	rt.rtm_dst_len = (unsigned char)(alen * 8);
	rta.rta_type = RTA_DST;
	rta.rta_len = (unsigned short)RTA_LENGTH(alen);
	memcpy(buf, &nh, sizeof(nh));
	memcpy(buf + NLMSG_HDRLEN, &rt, sizeof(rt));
	memcpy(buf + NLMSG_LENGTH(sizeof(rt)), &rta, sizeof(rta));
	memcpy(buf + NLMSG_LENGTH(sizeof(rt)) + RTA_LENGTH(0),
	       v4 ? a->b + 12 : a->b, alen);
	return nh.nlmsg_len;
}

/* The errors that say the kernel has no way to the address: a TCP
 * connect would fail the same way, so it is not this host's. */
static int route_unreachable(int error)
{
	return error == -ENETUNREACH || error == -EHOSTUNREACH ||
	       error == -EACCES || error == -EAFNOSUPPORT;
}

enum route_answer route_answer(const unsigned char *buf, size_t len,
			       unsigned seq)
{
	struct nlmsghdr nh;
	struct nlmsgerr err;
	struct rtmsg rt;

	if (len < sizeof(nh))
		return ROUTE_ERROR;
	memcpy(&nh, buf, sizeof(nh));
	if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len > len ||
	    nh.nlmsg_seq != seq)
		return ROUTE_ERROR;
	if (nh.nlmsg_type == NLMSG_ERROR) {
		if (nh.nlmsg_len < NLMSG_LENGTH(sizeof(err)))
			return ROUTE_ERROR;
		memcpy(&err, buf + NLMSG_HDRLEN, sizeof(err));
		return route_unreachable(err.error) ? ROUTE_UNREACHABLE :
		    ROUTE_ERROR;
	}
	if (nh.nlmsg_type != RTM_NEWROUTE ||
	    nh.nlmsg_len < NLMSG_LENGTH(sizeof(rt)))
		return ROUTE_ERROR;
	memcpy(&rt, buf + NLMSG_HDRLEN, sizeof(rt));
	return rt.rtm_type == RTN_LOCAL ? ROUTE_LOCAL : ROUTE_ELSEWHERE;
}
