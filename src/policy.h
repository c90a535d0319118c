/* policy.h: pure rule evaluation on (client, host, port, addresses).
 * Rules are read in order and the first that matches decides. A rule
 * whose "to" part needs addresses makes policy resolve the name, once,
 * through the caller's resolver; from then on each address is decided on
 * its own, and only the addresses some rule allowed are handed back to
 * connect to. No match at all is a denial. */
#ifndef CONNECTD_POLICY_H
#define CONNECTD_POLICY_H

#include <stddef.h>
#include "addr.h"
#include "config.h"

#define POLICY_ADDRS_MAX 16

/* What the request asks for. */
struct policy_input {
	int has_client;           /* 0 when the client address is unknown */
	struct addr client;
	const char *host;         /* lower-case name, or a literal's text */
	int host_is_name;         /* name patterns apply only to names */
	const struct addr *literal; /* the address when !host_is_name */
	unsigned port;
	const char *user;         /* the authenticated user, NULL if none */
};

/* The world outside the pure evaluation. resolve fills up to max
 * addresses for host and returns 0, or a getaddrinfo EAI_* code.
 * is_local says whether the address belongs to this host (part of
 * "internal"). Either may be NULL in tests (no addresses, not local). */
struct policy_env {
	int (*resolve)(void *ctx, const char *host, struct addr *out,
		       size_t max, size_t *n);
	int (*is_local)(void *ctx, const struct addr *a);
	void *ctx;
};

struct policy_address {
	struct addr addr;
	const struct rule *rule;  /* the rule that decided it; NULL = no rule matched */
	int allowed;
};

struct policy_result {
	int allowed;              /* at least one address (or the name) is allowed */
	const struct rule *rule;  /* the deciding rule: the first allowing one,
				     else the first denying one; NULL = no match */
	int resolved;             /* the name was looked up */
	int resolve_error;        /* EAI_* from that lookup, 0 if it worked */
	struct policy_address addrs[POLICY_ADDRS_MAX];
	size_t naddrs;
	/* Denied, but a rule with a user part would have matched had the
	 * request carried valid credentials: the answer is 407, not 403. */
	int auth_needed;
};

/* Decides the request. When the result is allowed and resolve_error is
 * 0, addrs holds every address looked at and the allowed ones are those
 * to connect to, in the resolver's order. Names are always resolved
 * before an allowed result comes back, so the caller never looks up
 * again, unless the deciding rule routes only through parents (via
 * without direct): then the name goes to the parent unresolved. */
void policy_decide(const struct config *cfg, const struct policy_input *in,
		   const struct policy_env *env, struct policy_result *out);

/* Whether a is in set (any, internal, CIDRs; unwrapped forms too). For
 * lists of clients outside rules, such as trusted load balancers. */
int policy_addr_in_set(const struct addr_set *set, const struct addr *a,
		       const struct policy_env *env);

/* Whether a name pattern matches a host name: case-insensitive, on label
 * boundaries, one trailing dot on host ignored. */
int policy_name_matches(const struct name_pattern *p, const char *host);

#endif
