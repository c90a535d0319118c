/* admin.c: connectd -t and connectd --explain. */
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "config.h"
#include "outcome.h"
#include "policy.h"
#include "reply.h"
#include "request.h"
#include "resolve.h"

/* Loads the config or says why not on stderr. Returns 0 or -1. */
static int admin_load(const char *path, struct config *cfg)
{
	char err[CONFIG_ERROR_MAX];

	config_defaults(cfg);
	if (config_load(path, cfg, err, sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "%s\n", err);
	config_free(cfg);
	return -1;
}

static void print_duration(const char *name, unsigned ms)
{
	if (ms == 0)
		printf("%s 0\n", name);
	else if (ms % 1000 == 0)
		printf("%s %us\n", name, ms / 1000);
	else
		printf("%s %ums\n", name, ms);
}

static void print_rule(const struct rule *r)
{
	char text[1024];

	config_format_rule(r, text, sizeof(text));
	printf("%s  # %s:%u\n", text, r->file, r->line);
}

/* proxy_protocol in the rule printer's words: a scratch rule with only
 * a from part prints as "allow from ...". */
static void print_proxy_protocol(const struct config *cfg)
{
	struct rule r;
	char text[1024];

	memset(&r, 0, sizeof(r));
	r.has_from = 1;
	r.from = cfg->proxy_protocol_from;
	config_format_rule(&r, text, sizeof(text));
	printf("proxy_protocol%s\n", text + strlen("allow"));
}

/* The credentials themselves are never printed, only that there are. */
static void print_parent(const struct parent *par)
{
	printf(par->host_is_v6 ? "parent %s [%s]:%u%s  # %s:%u\n" :
	       "parent %s %s:%u%s  # %s:%u\n", par->name, par->host, par->port,
	       par->token ? " credentials (set)" : "", par->file, par->line);
}

int admin_check(const char *config_path)
{
	struct config cfg;
	size_t i, allows = 0;

	if (admin_load(config_path, &cfg) < 0)
		return OUTCOME_CONFIG;
	printf("# %s: syntax OK; the configuration as connectd reads it:\n",
	       config_path);
	print_duration("request_timeout", cfg.request_timeout_ms);
	print_duration("connect_timeout", cfg.connect_timeout_ms);
	print_duration("idle_timeout", cfg.idle_timeout_ms);
	print_duration("max_lifetime", cfg.max_lifetime_ms);
	printf("half_close %s\n", cfg.half_close ? "yes" : "no");
	printf("client_address %s\n", cfg.client_address_env ? "env" : "socket");
	printf("lockdown %s\n", cfg.lockdown ? "yes" : "no");
	if (cfg.user)
		printf("user %s\n", cfg.user);
	if (cfg.user && !getpwnam(cfg.user)) {
		fprintf(stderr, "%s: user %s: no such user (connections would get "
			"500)\n", config_path, cfg.user);
		config_free(&cfg);
		return OUTCOME_CONFIG;
	}
	print_duration("half_close_timeout", cfg.half_close_timeout_ms);
	if (cfg.has_auth)
		printf("auth_file %s  # %zu users\n", cfg.auth.path, cfg.auth.nentries);
	printf("realm \"%s\"\n", cfg.realm ? cfg.realm : CONFIG_DEFAULT_REALM);
	if (cfg.auth_warning)
		fprintf(stderr, "%s: warning: %s\n", cfg.auth.path, cfg.auth_warning);
	for (i = 0; i < cfg.nparents; i++)
		print_parent(&cfg.parents[i]);
	if (cfg.has_proxy_protocol)
		print_proxy_protocol(&cfg);
	for (i = 0; i < cfg.nrules; i++) {
		print_rule(&cfg.rules[i]);
		allows += cfg.rules[i].action == RULE_ALLOW;
	}
	if (allows == 0)
		fprintf(stderr, "%s: warning: no allow rule: every request will be denied\n",
			config_path);
	config_free(&cfg);
	return 0;
}

/* Prints one address's fate: "  127.0.0.1  deny  FILE:LINE  RULE". */
static void print_address(const struct policy_address *pa)
{
	char ip[ADDR_TEXT_MAX], text[1024];

	addr_format(&pa->addr, ip, sizeof(ip));
	if (!pa->rule) {
		printf("  %s  deny  (no rule matched: denied by default)\n", ip);
		return;
	}
	config_format_rule(pa->rule, text, sizeof(text));
	printf("  %s  %s  %s:%u  %s\n", ip, pa->allowed ? "allow" : "deny",
	       pa->rule->file, pa->rule->line, text);
}

static void print_result(const struct policy_result *res)
{
	const char *type;
	size_t i;
	int status;

	if (!res->allowed && res->auth_needed) {
		printf("result: 407 %s (a rule with users would match with "
		       "valid credentials)\n", reply_reason(407));
	} else if (!res->allowed) {
		printf("result: 403 %s", reply_reason(403));
		if (res->rule)
			printf(" (%s:%u)\n", res->rule->file, res->rule->line);
		else
			printf(" (no rule matched)\n");
	} else if (res->resolve_error && rule_allows_direct(res->rule)) {
		status = resolve_error_status(res->resolve_error, &type);
		printf("result: %d %s (%s: %s)\n", status, reply_reason(status),
		       type, gai_strerror(res->resolve_error));
	} else if (res->rule->has_via) {
		printf("result: allowed by %s:%u; would go via", res->rule->file,
		       res->rule->line);
		for (i = 0; i < res->rule->via.n; i++)
			printf("%s %s", i ? "," : "", res->rule->via.names[i]);
		printf(" (in that order)\n");
	} else {
		printf("result: allowed by %s:%u; would connect directly to the "
		       "allowed addresses\n", res->rule->file, res->rule->line);
	}
}

/* Parses "host:port" with the request parser itself, so --explain accepts
 * exactly what a client may send. */
static int parse_target(const char *target, struct request *req)
{
	char head[REQUEST_TARGET_MAX + 64];
	int n;

	n = snprintf(head, sizeof(head), "CONNECT %s HTTP/1.1\r\n\r\n", target);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	return request_parse(head, (size_t)n, req) == 0 ? 0 : -1;
}

int admin_explain(const char *config_path, const char *target, const char *from)
{
	struct policy_input in = { 0 };
	struct policy_result res;
	struct policy_env env;
	struct request req;
	struct config cfg;
	size_t i;

	if (parse_target(target, &req) < 0) {
		fprintf(stderr, "connectd: '%s' is not a valid CONNECT target (host:port)\n", target);
		return OUTCOME_USAGE;
	}
	if (from && addr_parse(from, &in.client) < 0) {
		fprintf(stderr, "connectd: '%s' is not an IP address\n", from);
		return OUTCOME_USAGE;
	}
	if (admin_load(config_path, &cfg) < 0)
		return OUTCOME_CONFIG;
	in.has_client = from != NULL;
	in.host = req.host;
	in.host_is_name = req.host_kind == HOST_NAME;
	in.literal = &req.literal;
	in.port = req.port;
	resolve_env(&env);
	policy_decide(&cfg, &in, &env, &res);
	printf("request: CONNECT %s from %s\n", target, from ? from : "an unknown client");
	if (res.resolved && res.resolve_error)
		printf("%s does not resolve: %s\n", req.host, gai_strerror(res.resolve_error));
	for (i = 0; i < res.naddrs; i++)
		print_address(&res.addrs[i]);
	if (!res.resolved && res.naddrs == 0 && res.rule)
		printf("  decided by the name alone, without a lookup: %s:%u\n",
		       res.rule->file, res.rule->line);
	print_result(&res);
	config_free(&cfg);
	/* A name only the parents resolve is still a tunnel. */
	return res.allowed && (!res.resolve_error ||
			       !rule_allows_direct(res.rule)) ? 0 : 1;
}
