/* test_route.c: route.c table by table: the RTM_GETROUTE request for
 * IPv4, IPv4-mapped and IPv6 addresses, byte for byte, and every kind of
 * answer the kernel gives, with the short and foreign ones. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "route.h"

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

static struct addr parse(const char *s)
{
	struct addr a;

	if (addr_parse(s, &a) != 0)
		fail_msg("test table: cannot parse '%s'", s);
	return a;
}

static void test_request(void **state)
{
	static const struct {
		const char *addr;
		unsigned char family, dst_len;
		size_t alen;
		unsigned char bytes[16];
	} rows[] = {
		{ "198.18.0.7", AF_INET, 32, 4, { 198, 18, 0, 7 } },
		{ "::ffff:198.18.0.7", AF_INET, 32, 4, { 198, 18, 0, 7 } },
		{ "2001:2::1", AF_INET6, 128, 16,
		  { 0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } },
	};
	unsigned char buf[ROUTE_REQUEST_MAX];
	struct nlmsghdr nh;
	struct rtmsg rt;
	struct rtattr rta;
	struct addr a;
	size_t i, n;

	(void)state;
	for (i = 0; i < NROWS(rows); i++) {
		a = parse(rows[i].addr);
		n = route_request(&a, 77, buf);
		assert_int_equal(n, NLMSG_LENGTH(sizeof(rt)) + RTA_LENGTH(rows[i].alen));
		memcpy(&nh, buf, sizeof(nh));
		memcpy(&rt, buf + NLMSG_HDRLEN, sizeof(rt));
		memcpy(&rta, buf + NLMSG_LENGTH(sizeof(rt)), sizeof(rta));
		assert_int_equal(nh.nlmsg_len, n);
		assert_int_equal(nh.nlmsg_type, RTM_GETROUTE);
		assert_int_equal(nh.nlmsg_flags, NLM_F_REQUEST);
		assert_int_equal(nh.nlmsg_seq, 77);
		assert_int_equal(rt.rtm_family, rows[i].family);
		assert_int_equal(rt.rtm_dst_len, rows[i].dst_len);
		assert_int_equal(rta.rta_type, RTA_DST);
		assert_int_equal(rta.rta_len, RTA_LENGTH(rows[i].alen));
		assert_memory_equal(buf + NLMSG_LENGTH(sizeof(rt)) + RTA_LENGTH(0),
				    rows[i].bytes, rows[i].alen);
	}
}

/* An answer: a route of the given type, or an error message. */
static size_t answer(unsigned char *buf, unsigned short type, unsigned seq,
		     unsigned char rtm_type, int error, size_t len_cut)
{
	struct nlmsghdr nh;
	struct rtmsg rt;
	struct nlmsgerr err;
	size_t len;

	memset(buf, 0, 256);
	memset(&nh, 0, sizeof(nh));
	nh.nlmsg_type = type;
	nh.nlmsg_seq = seq;
	if (type == NLMSG_ERROR) {
		memset(&err, 0, sizeof(err));
		err.error = error;
		len = NLMSG_LENGTH(sizeof(err));
		memcpy(buf + NLMSG_HDRLEN, &err, sizeof(err));
	} else {
		memset(&rt, 0, sizeof(rt));
		rt.rtm_type = rtm_type;
		len = NLMSG_LENGTH(sizeof(rt)) + 40; /* attributes follow */
		memcpy(buf + NLMSG_HDRLEN, &rt, sizeof(rt));
	}
	nh.nlmsg_len = (unsigned)(len - len_cut);
	memcpy(buf, &nh, sizeof(nh));
	return len;
}

static void test_answers(void **state)
{
	static const struct {
		const char *what;
		unsigned short type;
		unsigned seq;
		unsigned char rtm_type;
		int error;
		size_t cut;       /* taken off nlmsg_len */
		size_t short_by;  /* taken off the bytes received */
		enum route_answer want;
	} rows[] = {
		{ "local route", RTM_NEWROUTE, 1, RTN_LOCAL, 0, 0, 0, ROUTE_LOCAL },
		{ "unicast route", RTM_NEWROUTE, 1, RTN_UNICAST, 0, 0, 0, ROUTE_ELSEWHERE },
		{ "broadcast", RTM_NEWROUTE, 1, RTN_BROADCAST, 0, 0, 0, ROUTE_ELSEWHERE },
		{ "IPv6 unreachable route", RTM_NEWROUTE, 1, RTN_UNREACHABLE, 0, 0, 0, ROUTE_ELSEWHERE },
		{ "no route", NLMSG_ERROR, 1, 0, -ENETUNREACH, 0, 0, ROUTE_UNREACHABLE },
		{ "unreachable route", NLMSG_ERROR, 1, 0, -EHOSTUNREACH, 0, 0, ROUTE_UNREACHABLE },
		{ "prohibit route", NLMSG_ERROR, 1, 0, -EACCES, 0, 0, ROUTE_UNREACHABLE },
		{ "no IPv6 here", NLMSG_ERROR, 1, 0, -EAFNOSUPPORT, 0, 0, ROUTE_UNREACHABLE },
		{ "no IPv6 in the kernel (ipv6.disable=1)", NLMSG_ERROR, 1, 0, -EOPNOTSUPP, 0, 0, ROUTE_UNREACHABLE },
		{ "blackhole (EINVAL)", NLMSG_ERROR, 1, 0, -EINVAL, 0, 0, ROUTE_ERROR },
		{ "refused", NLMSG_ERROR, 1, 0, -EPERM, 0, 0, ROUTE_ERROR },
		{ "an ACK is no answer", NLMSG_ERROR, 1, 0, 0, 0, 0, ROUTE_ERROR },
		{ "the most negative error", NLMSG_ERROR, 1, 0, INT32_MIN, 0, 0, ROUTE_ERROR },
		{ "another request's answer", RTM_NEWROUTE, 2, RTN_LOCAL, 0, 0, 0, ROUTE_ERROR },
		{ "another message type", RTM_NEWADDR, 1, RTN_LOCAL, 0, 0, 0, ROUTE_ERROR },
		{ "route cut short", RTM_NEWROUTE, 1, RTN_LOCAL, 0, 48, 0, ROUTE_ERROR },
		{ "error cut short", NLMSG_ERROR, 1, 0, -ENETUNREACH, 4, 0, ROUTE_ERROR },
		{ "fewer bytes than it says", RTM_NEWROUTE, 1, RTN_LOCAL, 0, 0, 1, ROUTE_ERROR },
	};
	unsigned char buf[256];
	size_t i, len;

	(void)state;
	for (i = 0; i < NROWS(rows); i++) {
		len = answer(buf, rows[i].type, rows[i].seq, rows[i].rtm_type,
			     rows[i].error, rows[i].cut);
		if (route_answer(buf, len - rows[i].short_by, 1) != rows[i].want)
			fail_msg("%s: answer %d, want %d", rows[i].what,
			    (int)route_answer(buf, len - rows[i].short_by, 1),
			    (int)rows[i].want);
	}
	/* Shorter than a header, and nothing at all. */
	assert_int_equal(route_answer(buf, sizeof(struct nlmsghdr) - 1, 1), ROUTE_ERROR);
	assert_int_equal(route_answer(buf, 0, 1), ROUTE_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
