/* config.h: the flat config file. One directive per line, '#' comments,
 * "quoted" values, include GLOB. config_load builds one struct config that
 * the rest of the program only reads. Errors come back as
 * "file:line: message". */
#ifndef CONNECTD_CONFIG_H
#define CONNECTD_CONFIG_H

#include <stddef.h>
#include "addr.h"
#include "auth.h"

#define CONFIG_DEFAULT_PATH "/etc/connectd/connectd.conf"
#define CONFIG_ERROR_MAX 512

enum rule_action { RULE_ALLOW, RULE_DENY };

/* A host-name matcher: "example.com" matches that name only;
 * ".example.com" (suffix = 1) matches it and every name below it, on
 * label boundaries. Stored lower-case, without leading or trailing dot. */
struct name_pattern {
	char *name;
	int suffix;
};

struct port_range {
	unsigned lo, hi; /* 1..65535, lo <= hi */
};

/* The "from" side: client addresses. An empty, non-any set never matches. */
struct addr_set {
	int any;
	int internal;
	struct cidr *cidrs;
	size_t ncidrs;
};

/* The "to" side: requested names and the addresses they resolve to. */
struct target_set {
	int any;
	int internal;
	struct cidr *cidrs;
	size_t ncidrs;
	struct name_pattern *names;
	size_t nnames;
};

struct port_set {
	int any;
	struct port_range *ranges;
	size_t nranges;
};

/* The "user" part: authenticated user names, or any ("user *"). */
struct user_set {
	int any;
	char **names;
	size_t nnames;
};

/* parent NAME HOST:PORT [credentials FILE]: a proxy to pass CONNECT on to. */
struct parent {
	char *name;
	char *host;        /* name or literal text, without brackets */
	int host_is_v6;    /* bracket it when writing host:port */
	unsigned port;
	char *token;       /* base64 of "user:password" for Basic, or NULL */
	const char *file;  /* where it was declared */
	unsigned line;
};

/* The "via" part: the routes to try in order. ROUTE_DIRECT stands for a
 * direct connection; any other value indexes config.parents. A rule
 * without a via part connects directly. */
#define ROUTE_DIRECT ((size_t)-1)
#define ROUTES_MAX 8

struct route_list {
	size_t items[ROUTES_MAX];
	const char *names[ROUTES_MAX]; /* "direct" or the parent's name */
	size_t n;
};

/* allow|deny [from ADDRS] [user NAMES] [to TARGETS] [port PORTS]
 * [via ROUTES]. A matcher left out matches everything (has_from = 0 is
 * "from any"); a rule with a user part matches authenticated requests
 * only. via says how an allowed tunnel is made. */
struct rule {
	enum rule_action action;
	const char *file;  /* owned by the config */
	unsigned line;
	int has_from, has_user, has_to, has_port;
	struct addr_set from;
	struct user_set users;
	struct target_set to;
	struct port_set ports;
	int has_via;
	struct route_list via;
};

/* Whether a rule lets connectd connect to the destination itself. */
int rule_allows_direct(const struct rule *r);

struct config {
	unsigned request_timeout_ms;    /* whole request head; default 10 s */
	unsigned connect_timeout_ms;    /* all connect attempts together; default 10 s */
	unsigned idle_timeout_ms;       /* 0 = none; default 600 s */
	unsigned max_lifetime_ms;       /* 0 = none; default 0 */
	int half_close;                 /* 1 = propagate EOF (default), 0 = close both */
	unsigned half_close_timeout_ms; /* default 30 s; runs only while no data flows */
	struct rule *rules;
	size_t nrules;
	char **files;                   /* every file read, for rule->file */
	size_t nfiles;
	char *realm;                    /* Basic realm; NULL: CONFIG_DEFAULT_REALM */
	int has_auth;                   /* auth_file was given and loaded */
	struct auth_file auth;
	const char *auth_warning;       /* something -t should say about it */
	struct parent *parents;
	size_t nparents;
	/* proxy_protocol from ADDRS: peers that must send a PROXY header
	 * (trusted load balancers); nobody else may. */
	int has_proxy_protocol;
	struct addr_set proxy_protocol_from;
	/* client_address env: when fd 0 is not a socket (a TLS front end's
	 * pipes), believe the supervisor's environment about the client. */
	int client_address_env;
	char *user;                     /* user NAME: who to be after start as root */
	int lockdown;                   /* seccomp filter for the relay; default yes */
};

#define CONFIG_DEFAULT_REALM "connectd"

/* The built-in defaults, and no rules (so everything is denied). */
void config_defaults(struct config *cfg);

/* Reads path (and what it includes) into cfg, which config_defaults has
 * set up. Returns 0, or -1 with "file:line: message" (or "file: message")
 * in err. */
int config_load(const char *path, struct config *cfg, char *err, size_t errlen);

/* The same from memory; name is used in messages and rule->file. An
 * include is resolved relative to the directory of name. */
int config_parse(const char *name, const char *text, size_t len,
		 struct config *cfg, char *err, size_t errlen);

/* Writes the rule in normalised form ("deny to internal",
 * "allow from 10.0.0.0/8 to .example.com port 443,8000-8100") into buf.
 * Returns the length it needed (like snprintf). */
size_t config_format_rule(const struct rule *r, char *buf, size_t len);

void config_free(struct config *cfg);

#endif
