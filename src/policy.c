/* policy.c: pure rule evaluation. Rules are read in order; the first
 * that matches decides. A rule that can only be decided on addresses
 * makes the name resolve (once, through env); from then on each address
 * is decided on its own. Nothing here does I/O except through env. */
#include <netdb.h>
#include <string.h>

#include "policy.h"

/* The state of one evaluation. */
struct eval {
	const struct policy_input *in;
	const struct policy_env *env;
	struct policy_result *out;
	int have_addrs;  /* out->addrs holds the literal or the lookup result */
	int auth_would_help; /* an allow rule with users matched all but that */
	int decided[POLICY_ADDRS_MAX];
	size_t undecided;
	const struct rule *name_rule; /* decided the name without addresses */
};

/* ASCII lower case, whatever the locale. */
static int
policy_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* ASCII case-insensitive comparison of n bytes, independent of locale. */
static int
policy_equal(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (policy_lower((unsigned char)a[i]) !=
		    policy_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

int
policy_name_matches(const struct name_pattern *p, const char *host)
{
	size_t hlen = strlen(host), plen = strlen(p->name);

	if (hlen > 0 && host[hlen - 1] == '.')
		hlen--;
	if (plen == 0 || hlen < plen)
		return 0;
	if (hlen == plen)
		return policy_equal(host, p->name, plen);
	/* Below the suffix only on a label boundary: ".trusted.net" must
	 * not admit "untrusted.net". */
	return p->suffix && host[hlen - plen - 1] == '.' &&
	    policy_equal(host + hlen - plen, p->name, plen);
}

/* Whether a is this host's own; never without an is_local callback. */
static int
policy_is_local(const struct policy_env *env, const struct addr *a)
{
	return env != NULL && env->is_local != NULL &&
	    env->is_local(env->ctx, a);
}

/* Whether a is inside one of the CIDRs, as given or unwrapped (so that
 * ::ffff:10.0.0.1 and 64:ff9b::a00:1 are caught by 10.0.0.0/8). */
static int
policy_in_cidrs(const struct cidr *c, size_t n, const struct addr *a)
{
	struct addr u;
	size_t i;

	addr_unwrap(a, &u);
	for (i = 0; i < n; i++)
		if (cidr_contains(&c[i], a) || cidr_contains(&c[i], &u))
			return 1;
	return 0;
}

/* "internal": the built-in set, or an address of this host. */
static int
policy_internal(const struct policy_env *env, const struct addr *a)
{
	struct addr u;

	addr_unwrap(a, &u);
	if (addr_is_internal(&u) || policy_is_local(env, &u))
		return 1;
	/* Each question costs system calls: ask about the wrapped form
	 * only when it is a different address. */
	return memcmp(&u, a, sizeof(u)) != 0 && policy_is_local(env, a);
}

int
policy_addr_in_set(const struct addr_set *set, const struct addr *a,
		   const struct policy_env *env)
{
	return set->any || (set->internal && policy_internal(env, a)) ||
	    policy_in_cidrs(set->cidrs, set->ncidrs, a);
}

/* Whether the rule's from part admits the client. An unknown client is
 * matched only by a rule without a from part, or "from any". */
static int
policy_from_matches(const struct rule *r, const struct eval *e)
{
	if (!r->has_from || r->from.any)
		return 1;
	if (!e->in->has_client)
		return 0;
	return policy_addr_in_set(&r->from, &e->in->client, e->env);
}

/* Whether the rule's user part admits the authenticated user. A rule
 * with a user part never matches an unauthenticated request. */
static int
policy_user_matches(const struct rule *r, const struct policy_input *in)
{
	size_t i;

	if (!r->has_user)
		return 1;
	if (in->user == NULL)
		return 0;
	if (r->users.any)
		return 1;
	for (i = 0; i < r->users.nnames; i++)
		if (strcmp(r->users.names[i], in->user) == 0)
			return 1;
	return 0;
}

/* Whether the rule's port part admits port (no part: every port). */
static int
policy_port_matches(const struct rule *r, unsigned port)
{
	size_t i;

	if (!r->has_port || r->ports.any)
		return 1;
	for (i = 0; i < r->ports.nranges; i++)
		if (port >= r->ports.ranges[i].lo && port <= r->ports.ranges[i].hi)
			return 1;
	return 0;
}

/* Whether the to part matches whatever the addresses are: no to part,
 * "to any", or a name pattern matching the requested name. Name patterns
 * never match an IP literal. */
static int
policy_to_matches_name(const struct rule *r, const struct policy_input *in)
{
	size_t i;

	if (!r->has_to || r->to.any)
		return 1;
	if (!in->host_is_name || in->host == NULL)
		return 0;
	for (i = 0; i < r->to.nnames; i++)
		if (policy_name_matches(&r->to.names[i], in->host))
			return 1;
	return 0;
}

/* Whether the to part's address items (internal, CIDRs) take a. */
static int
policy_to_matches_addr(const struct rule *r, const struct eval *e,
		       const struct addr *a)
{
	return (r->to.internal && policy_internal(e->env, a)) ||
	    policy_in_cidrs(r->to.cidrs, r->to.ncidrs, a);
}

/* Fills out->addrs once: the literal itself, or the lookup of the name.
 * A lookup that fails, or succeeds with no address, leaves none and
 * records the error. */
static void
policy_resolve(struct eval *e)
{
	struct policy_result *out = e->out;
	struct addr got[POLICY_ADDRS_MAX];
	size_t i, n = 0;
	int rc = EAI_NONAME;

	if (e->have_addrs)
		return;
	e->have_addrs = 1;
	if (!e->in->host_is_name) {
		/* A caller that gave only the text still gets it checked. */
		if (e->in->literal != NULL)
			got[n++] = *e->in->literal;
		else if (e->in->host != NULL && addr_parse(e->in->host, got) == 0)
			n++;
		out->resolve_error = n == 0 ? EAI_NONAME : 0;
	} else {
		out->resolved = 1;
		if (e->env != NULL && e->env->resolve != NULL)
			rc = e->env->resolve(e->env->ctx, e->in->host, got,
			    POLICY_ADDRS_MAX, &n);
		if (rc != 0 || n == 0)
			n = 0;
		out->resolve_error = rc != 0 ? rc : (n == 0 ? EAI_NONAME : 0);
	}
	for (i = 0; i < n && i < POLICY_ADDRS_MAX; i++)
		out->addrs[i].addr = got[i];
	out->naddrs = e->undecided = i;
}

/* Records that rule r decided address i. */
static void
policy_decide_addr(struct eval *e, size_t i, const struct rule *r)
{
	e->decided[i] = 1;
	e->undecided--;
	e->out->addrs[i].rule = r;
	e->out->addrs[i].allowed = r->action == RULE_ALLOW;
}

/* Applies a rule whose from and port parts match. Returns 1 when
 * nothing is left to decide. */
static int
policy_apply(struct eval *e, const struct rule *r)
{
	size_t i;
	int by_name = policy_to_matches_name(r, e->in);

	if (!by_name && !r->to.internal && r->to.ncidrs == 0)
		return 0;
	if (!by_name)
		policy_resolve(e);
	if (by_name && (!e->have_addrs || e->out->naddrs == 0)) {
		/* Decided for the name itself: no address to look at yet
		 * (or none to be had). */
		e->name_rule = r;
		return 1;
	}
	for (i = 0; i < e->out->naddrs; i++)
		if (!e->decided[i] && (by_name ||
		    policy_to_matches_addr(r, e, &e->out->addrs[i].addr)))
			policy_decide_addr(e, i, r);
	return e->out->naddrs > 0 && e->undecided == 0;
}

/* For an unauthenticated request: notes whether allow rule r, which
 * names users, would match it with credentials, i.e. whether asking for
 * them (407) could change the answer. */
static void
policy_note_auth(struct eval *e, const struct rule *r)
{
	size_t i;

	if (r->action != RULE_ALLOW)
		return;
	if (policy_to_matches_name(r, e->in)) {
		e->auth_would_help = 1;
		return;
	}
	if (!r->to.internal && r->to.ncidrs == 0)
		return;
	policy_resolve(e);
	for (i = 0; i < e->out->naddrs; i++)
		if (!e->decided[i] &&
		    policy_to_matches_addr(r, e, &e->out->addrs[i].addr))
			e->auth_would_help = 1;
}

/* An allowed name is resolved before the answer goes back, and each of
 * its addresses carries the allowing rule. */
static void
policy_allow_name(struct eval *e)
{
	size_t i;

	policy_resolve(e);
	for (i = 0; i < e->out->naddrs; i++)
		if (!e->decided[i])
			policy_decide_addr(e, i, e->name_rule);
}

/* The summary: allowed if any address (or the name) is; the rule of the
 * first allowed address, else of the first denied one. */
static void
policy_summarise(struct eval *e)
{
	struct policy_result *out = e->out;
	size_t i;

	for (i = 0; i < out->naddrs; i++)
		if (out->addrs[i].allowed) {
			out->allowed = 1;
			out->rule = out->addrs[i].rule;
			return;
		}
	for (i = 0; i < out->naddrs; i++)
		if (out->addrs[i].rule != NULL) {
			out->rule = out->addrs[i].rule;
			return;
		}
	if (e->name_rule != NULL) {
		out->rule = e->name_rule;
		out->allowed = e->name_rule->action == RULE_ALLOW;
	}
}

void
policy_decide(const struct config *cfg, const struct policy_input *in,
	      const struct policy_env *env, struct policy_result *out)
{
	struct eval e;
	const struct rule *r;
	size_t i;

	memset(out, 0, sizeof(*out));
	memset(&e, 0, sizeof(e));
	e.in = in;
	e.env = env;
	e.out = out;
	/* A literal needs no lookup: its one address is known now. */
	if (!in->host_is_name)
		policy_resolve(&e);
	for (i = 0; i < cfg->nrules; i++) {
		r = &cfg->rules[i];
		if (!policy_from_matches(r, &e) ||
		    !policy_port_matches(r, in->port))
			continue;
		if (!policy_user_matches(r, in)) {
			if (in->user == NULL)
				policy_note_auth(&e, r);
			continue;
		}
		if (policy_apply(&e, r))
			break;
	}
	/* A name handed to parents only is theirs to resolve: it may exist
	 * only in their DNS. */
	if (e.name_rule != NULL && e.name_rule->action == RULE_ALLOW &&
	    rule_allows_direct(e.name_rule))
		policy_allow_name(&e);
	policy_summarise(&e);
	out->auth_needed = !out->allowed && e.auth_would_help;
}
