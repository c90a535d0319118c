/* fuzz_policy.c: rule evaluation (policy_decide) on a fuzzed config and
 * request, with a fake resolver and a fake list of this host's addresses,
 * both read from the input, so every run is deterministic.
 *
 * Input: a config, a line "%%", then up to five lines:
 *   host:port           the request target (request_parse_target grammar)
 *   user                the authenticated user; empty: none
 *   client              the client address; empty: unknown
 *   answer              the resolver's answer: "E<n>" for getaddrinfo
 *                       error n (as a negative EAI_* code), else a comma
 *                       list of addresses (at most 16 are returned)
 *   local               this host's addresses, a comma list
 * The config is parsed as fuzz_config.c does (include, auth_file and
 * credentials skipped; an empty auth_file assumed, so user rules load).
 *
 * Invariants: the resolver is called at most once, and never for an IP
 * literal; allowed addresses (and an allowed result) carry an allowing
 * rule; an allowed name whose rule connects directly was resolved, and
 * with a working lookup has an allowed address; and each address's
 * deciding rule is the one an independent first-match evaluation written
 * here picks: the first rule whose from, port, user and to parts all
 * match that address. */
#include <netdb.h>
#include <strings.h>

#include "config.h"
#include "fuzz.h"
#include "policy.h"
#include "request.h"

#define LIST_MAX 24

struct fake {
	struct addr answer[LIST_MAX];
	size_t nanswer;
	int rc;
	struct addr local[LIST_MAX];
	size_t nlocal;
	int calls;
};

static int fake_resolve(void *ctx, const char *host, struct addr *out,
			size_t max, size_t *n)
{
	struct fake *f = ctx;
	size_t i;

	(void)host;
	f->calls++;
	*n = 0;
	if (f->rc != 0)
		return f->rc;
	for (i = 0; i < f->nanswer && i < max; i++)
		out[i] = f->answer[i];
	*n = i;
	return 0;
}

static int fake_is_local(void *ctx, const struct addr *a)
{
	const struct fake *f = ctx;
	size_t i;

	for (i = 0; i < f->nlocal; i++)
		if (memcmp(&f->local[i], a, sizeof(*a)) == 0)
			return 1;
	return 0;
}

/* Parses a comma list of addresses (n bytes of s); bad items are skipped. */
static size_t parse_list(const char *s, size_t n, struct addr *out)
{
	char item[64];
	size_t count = 0, pos = 0, k;
	const char *comma;

	while (pos < n && count < LIST_MAX) {
		comma = memchr(s + pos, ',', n - pos);
		k = comma != NULL ? (size_t)(comma - (s + pos)) : n - pos;
		if (k < sizeof(item)) {
			memcpy(item, s + pos, k);
			item[k] = '\0';
			if (addr_parse(item, &out[count]) == 0)
				count++;
		}
		pos += k + 1;
	}
	return count;
}

/* Takes the next line of the tail (without LF) into *p, *n. */
static void next_line(const char **s, size_t *left, const char **p, size_t *n)
{
	const char *nl = memchr(*s, '\n', *left);

	*p = *s;
	*n = nl != NULL ? (size_t)(nl - *s) : *left;
	*s += *n + (nl != NULL);
	*left -= *n + (nl != NULL);
}

/* ---- the reference evaluation, written apart from policy.c ---------- */

static void unwrap(const struct addr *a, struct addr *u)
{
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	*u = *a;
	if (memcmp(a->b, nat64, 12) == 0) {
		memcpy(u->b, mapped, 12);
		memcpy(u->b + 12, a->b + 12, 4);
	}
}

static int ref_in_cidrs(const struct cidr *c, size_t n, const struct addr *a)
{
	struct addr u;
	size_t i;

	unwrap(a, &u);
	for (i = 0; i < n; i++)
		if (cidr_contains(&c[i], a) || cidr_contains(&c[i], &u))
			return 1;
	return 0;
}

static int ref_internal(const struct fake *f, const struct addr *a)
{
	struct addr u;

	unwrap(a, &u);
	return addr_is_internal(&u) || fake_is_local((void *)(uintptr_t)f, &u) ||
	       fake_is_local((void *)(uintptr_t)f, a);
}

static int ref_name(const struct name_pattern *p, const char *host)
{
	size_t h = strlen(host), n = strlen(p->name);

	if (h > 0 && host[h - 1] == '.')
		h--;
	if (h == n)
		return strncasecmp(host, p->name, n) == 0;
	return p->suffix && h > n && host[h - n - 1] == '.' &&
	       strncasecmp(host + h - n, p->name, n) == 0;
}

/* Whether rule r decides the request for address a (NULL: for the name,
 * no address known). */
static int ref_matches(const struct rule *r, const struct policy_input *in,
		       const struct fake *f, const struct addr *a)
{
	size_t i;
	int ok;

	if (r->has_from && !r->from.any) {
		if (!in->has_client)
			return 0;
		if (!(r->from.internal && ref_internal(f, &in->client)) &&
		    !ref_in_cidrs(r->from.cidrs, r->from.ncidrs, &in->client))
			return 0;
	}
	if (r->has_port && !r->ports.any) {
		for (ok = 0, i = 0; i < r->ports.nranges; i++)
			ok |= in->port >= r->ports.ranges[i].lo &&
			      in->port <= r->ports.ranges[i].hi;
		if (!ok)
			return 0;
	}
	if (r->has_user) {
		if (in->user == NULL)
			return 0;
		for (ok = r->users.any, i = 0; i < r->users.nnames; i++)
			ok |= strcmp(r->users.names[i], in->user) == 0;
		if (!ok)
			return 0;
	}
	if (!r->has_to || r->to.any)
		return 1;
	if (in->host_is_name)
		for (i = 0; i < r->to.nnames; i++)
			if (ref_name(&r->to.names[i], in->host))
				return 1;
	return a != NULL && ((r->to.internal && ref_internal(f, a)) ||
			     ref_in_cidrs(r->to.cidrs, r->to.ncidrs, a));
}

static const struct rule *ref_first(const struct config *cfg,
				    const struct policy_input *in,
				    const struct fake *f, const struct addr *a)
{
	size_t i;

	for (i = 0; i < cfg->nrules; i++)
		if (ref_matches(&cfg->rules[i], in, f, a))
			return &cfg->rules[i];
	return NULL;
}

static void check(const struct config *cfg, const struct policy_input *in,
		  const struct fake *f, const struct policy_result *out)
{
	const struct rule *want;
	size_t i;
	int any_allowed = 0;

	FUZZ_CHECK(f->calls <= 1, "%d resolver calls", f->calls);
	FUZZ_CHECK(in->host_is_name || f->calls == 0, "a literal was resolved");
	FUZZ_CHECK(out->resolved == (f->calls == 1), "resolved %d, calls %d",
		   out->resolved, f->calls);
	FUZZ_CHECK(out->naddrs <= POLICY_ADDRS_MAX, "%zu addresses",
		   out->naddrs);
	FUZZ_CHECK(out->naddrs == 0 || out->resolve_error == 0,
		   "addresses with resolve_error %d", out->resolve_error);
	for (i = 0; i < out->naddrs; i++) {
		const struct policy_address *pa = &out->addrs[i];

		if (pa->allowed) {
			any_allowed = 1;
			FUZZ_CHECK(pa->rule != NULL &&
				   pa->rule->action == RULE_ALLOW,
				   "address %zu allowed without an allow rule", i);
		}
		if (pa->rule != NULL)
			FUZZ_CHECK(pa->allowed == (pa->rule->action == RULE_ALLOW),
				   "address %zu: allowed %d by a %s rule", i,
				   pa->allowed, pa->rule->action == RULE_ALLOW ?
				   "allow" : "deny");
		want = ref_first(cfg, in, f, &pa->addr);
		FUZZ_CHECK(pa->rule == want, "address %zu decided by rule %ld, "
			   "first match is rule %ld", i,
			   pa->rule ? (long)(pa->rule - cfg->rules) + 1 : 0L,
			   want ? (long)(want - cfg->rules) + 1 : 0L);
	}
	if (out->allowed) {
		FUZZ_CHECK(out->rule != NULL && out->rule->action == RULE_ALLOW,
			   "allowed without an allowing rule");
		if (out->naddrs > 0 && rule_allows_direct(out->rule))
			FUZZ_CHECK(any_allowed, "allowed, no address allowed");
		if (in->host_is_name && rule_allows_direct(out->rule)) {
			FUZZ_CHECK(out->resolved, "allowed name never resolved");
			if (out->resolve_error == 0)
				FUZZ_CHECK(any_allowed, "resolved, allowed, "
					   "but no address to connect to");
		}
	} else {
		FUZZ_CHECK(!any_allowed, "denied with an allowed address");
	}
	if (out->naddrs == 0) {
		want = ref_first(cfg, in, f, NULL);
		FUZZ_CHECK(out->rule == want, "name decided by rule %ld, first "
			   "match is rule %ld",
			   out->rule ? (long)(out->rule - cfg->rules) + 1 : 0L,
			   want ? (long)(want - cfg->rules) + 1 : 0L);
	}
	if (out->auth_needed)
		FUZZ_CHECK(!out->allowed && in->user == NULL,
			   "auth_needed on an allowed or authenticated request");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n%%\n";
	const char *s = (const char *)data, *tail, *p;
	size_t conflen, left, n;
	struct config cfg;
	struct request target;
	struct policy_input in;
	struct policy_env env;
	struct policy_result out;
	struct fake f;
	char err[CONFIG_ERROR_MAX], user[AUTH_USER_MAX + 1], text[64];
	const char *mark;

	if (fuzz_contains(data, size, "include") ||
	    fuzz_contains(data, size, "auth_file") ||
	    fuzz_contains(data, size, "credentials"))
		return -1;
	mark = memmem(s, size, sep, sizeof(sep) - 1);
	if (mark == NULL)
		return -1;
	conflen = (size_t)(mark - s) + 1;
	tail = mark + sizeof(sep) - 1;
	left = size - (size_t)(tail - s);

	memset(&in, 0, sizeof(in));
	memset(&f, 0, sizeof(f));
	next_line(&tail, &left, &p, &n);
	if (request_parse_target(p, n, &target) != 0)
		return -1;
	in.host = target.host;
	in.host_is_name = target.host_kind == HOST_NAME;
	in.literal = in.host_is_name ? NULL : &target.literal;
	in.port = target.port;
	next_line(&tail, &left, &p, &n);
	if (n > 0 && n <= AUTH_USER_MAX && memchr(p, '\0', n) == NULL) {
		memcpy(user, p, n);
		user[n] = '\0';
		in.user = user;
	}
	next_line(&tail, &left, &p, &n);
	if (n > 0 && n < sizeof(text)) {
		memcpy(text, p, n);
		text[n] = '\0';
		in.has_client = addr_parse(text, &in.client) == 0;
	}
	next_line(&tail, &left, &p, &n);
	if (n > 1 && p[0] == 'E')
		f.rc = -(int)(1 + (unsigned char)p[1] % 11); /* EAI_* are < 0 */
	else
		f.nanswer = parse_list(p, n, f.answer);
	next_line(&tail, &left, &p, &n);
	f.nlocal = parse_list(p, n, f.local);

	config_defaults(&cfg);
	cfg.has_auth = 1;
	if (config_parse("fuzz.conf", s, conflen, &cfg, err, sizeof(err)) != 0) {
		config_free(&cfg);
		return 0;
	}
	env.resolve = fake_resolve;
	env.is_local = fake_is_local;
	env.ctx = &f;
	policy_decide(&cfg, &in, &env, &out);
	check(&cfg, &in, &f, &out);
	config_free(&cfg);
	return 0;
}
