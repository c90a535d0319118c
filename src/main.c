/* main.c: one CONNECT tunnel, top to bottom, as the draft tells it: read
 * the request, check policy, connect, answer, relay, log, exit. A
 * supervisor (systemd, xinetd, inetd, tcpserver) accepted the connection
 * and handed it to us on fds 0 and 1; concurrency and connection limits
 * are its business. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "auth.h"
#include "clock.h"
#include "config.h"
#include "conn.h"
#include "dial.h"
#include "http.h"
#include "lockdown.h"
#include "log.h"
#include "outcome.h"
#include "parent.h"
#include "policy.h"
#include "proxyproto.h"
#include "relay.h"
#include "reply.h"
#include "request.h"
#include "resolve.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define VERSION "0.1.0"

/* How long an error answer waits for the client to stop sending before
 * the close, so that no reset destroys the answer. */
#define DRAIN_MS 2000

/* Requests one connection may make after 407s: a client retries once
 * with credentials; more tries are guessing (D6). */
#define AUTH_TRIES_MAX 3

/* Everything one connection knows, step by step. */
/* What every connection writes comes first and the large buffers, of
 * which a connection writes the first bytes at most, last: each page
 * written is a page that every open tunnel keeps (the session is static,
 * so pages never written are never allocated). */
struct session {
	long long start;
	int status;               /* the HTTP status answered (0: none) */
	int outcome;              /* the exit code */
	int server;               /* the upstream socket, or -1 */
	int config_ok;
	int authenticated;        /* user's credentials were checked good */
	int passed_on;            /* status is a parent's answer, passed on */
	int logged;               /* the record already went out (a 407 the
				     client did not follow up) */
	struct log_record rec;
	struct config cfg;
	struct request req;
	struct policy_result verdict;
	char user[AUTH_USER_MAX + 1]; /* the user the client named */
	char detail[256];         /* free text for the log record */
	char config_error[CONFIG_ERROR_MAX];
	struct request_buffer in;
	struct parent_reply parent; /* a parent's answer and what followed it */
};

/* Records a failure: the status to answer, the exit code, the RFC 9209
 * type for Proxy-Status and the log. Returns -1 for the caller to pass on. */
static int fail(struct session *s, int status, int outcome, const char *type)
{
	s->status = status;
	s->outcome = outcome;
	s->rec.status = status;
	s->rec.error = type ? type : reply_default_error_type(status);
	return -1;
}

/* Process setup, the log, the config and who the client is. A config that
 * does not load is remembered, not fatal: the client gets a 500 (R3). */
static void session_start(struct session *s, const char *config_path)
{
	s->start = clock_now_ms();
	s->server = -1;
	s->rec.resolve_ms = s->rec.connect_ms = -1;
	conn_setup();
	log_open();
	config_defaults(&s->cfg);
	s->config_ok = config_load(config_path, &s->cfg, s->config_error,
				   sizeof(s->config_error)) == 0;
	/* Stop being root before the first byte from the client: the
	 * config and the auth file are read by now. */
	if (s->config_ok)
		s->config_ok = lockdown_drop_privileges(s->cfg.user,
			s->config_error, sizeof(s->config_error)) == 0;
	else if (geteuid() == 0)
		/* A broken config names no user: answer its 500 as nobody,
		 * never reading the client as root. */
		lockdown_drop_privileges("nobody", s->detail, sizeof(s->detail));
	if (!s->config_ok) {
		config_free(&s->cfg);
		config_defaults(&s->cfg);
	}
	s->rec.has_client = conn_client(&s->rec.client, &s->rec.client_port) == 0;
	/* Two pipes from a TLS front end have no peer: its environment
	 * names the client, if the admin said to believe it. */
	if (!s->rec.has_client && s->cfg.client_address_env)
		s->rec.has_client = conn_client_env(&s->rec.client,
						    &s->rec.client_port) == 0;
}

/* 0. A trusted load balancer's PROXY header, when the config expects one
 * from this peer: the address in it is the client for every rule and the
 * log (R13); the balancer's own is kept for the record. A bad, partial or
 * slow header closes the connection with no answer and no connect (R6). */
static int read_proxy_header(struct session *s)
{
	struct policy_env env;
	struct proxy_header h;

	resolve_env(&env);
	if (!s->cfg.has_proxy_protocol || !s->rec.has_client ||
	    !policy_addr_in_set(&s->cfg.proxy_protocol_from, &s->rec.client, &env))
		return 0;
	if (proxyproto_read(0, s->start + s->cfg.request_timeout_ms, &s->in, &h) < 0) {
		s->outcome = OUTCOME_BAD_REQUEST;
		s->rec.error = errno == ETIMEDOUT ? "proxy_protocol_timeout" :
			       "proxy_protocol_error";
		return -1;
	}
	if (!h.has_addresses)
		return 0; /* LOCAL or UNKNOWN: the balancer speaks for itself */
	s->rec.has_balancer = 1;
	s->rec.balancer = s->rec.client;
	s->rec.balancer_port = s->rec.client_port;
	s->rec.client = h.src;
	s->rec.client_port = h.src_port;
	return 0;
}

static int status_outcome(int status)
{
	switch (status) {
	case HTTP_REQUEST_TIMEOUT:
		return OUTCOME_REQUEST_TIMEOUT;
	case HTTP_FORBIDDEN:
		return OUTCOME_DENIED;
	case HTTP_PROXY_AUTH_REQUIRED:
		return OUTCOME_AUTH;
	default:
		return OUTCOME_BAD_REQUEST;
	}
}

/* 1. Read the request head under one deadline and parse it. */
static int read_request(struct session *s)
{
	long long deadline = s->start + s->cfg.request_timeout_ms;
	int rc;

	rc = request_read(0, deadline, &s->in);
	if (rc < 0) {
		s->outcome = OUTCOME_CLIENT_GONE; /* R28: nothing to answer */
		return -1;
	}
	if (rc == 0)
		rc = request_parse(s->in.data, s->in.head_len, &s->req);
	if (rc)
		return fail(s, rc, status_outcome(rc), NULL);
	s->rec.host = s->req.host;
	s->rec.host_is_v6 = s->req.host_kind == HOST_IPV6;
	s->rec.port = s->req.port;
	if (!s->config_ok) {
		s->rec.detail = s->config_error;
		return fail(s, HTTP_INTERNAL_ERROR, OUTCOME_CONFIG,
			    "proxy_configuration_error");
	}
	return 0;
}

/* 2a. Authenticate: decode Basic credentials and check them against the
 * auth file. Bad credentials are not an error yet: the rules decide
 * whether this request needed them (407) or not. */
static void authenticate(struct session *s)
{
	struct credentials cred;

	s->authenticated = 0;
	s->rec.user = NULL;
	s->rec.auth = NULL;
	if (!s->req.proxy_authorization || !s->cfg.has_auth)
		return;
	s->rec.auth = "fail";
	if (auth_basic_decode(s->req.proxy_authorization,
			      s->req.proxy_authorization_len, &cred) == AUTH_DECODED) {
		memcpy(s->user, cred.user, cred.user_len + 1);
		s->rec.user = s->user;
		s->authenticated = auth_verify(&s->cfg.auth, &cred);
		if (s->authenticated)
			s->rec.auth = "ok";
	}
	auth_wipe(&cred);
	/* The encoded password in the request buffer goes too: nothing of
	 * it should outlive its check (the relay may run for hours). */
	explicit_bzero(s->in.data + (s->req.proxy_authorization - s->in.data),
		       s->req.proxy_authorization_len);
}

/* 2b. Check policy: the rules decide the name and every address it
 * resolves to; only allowed addresses are kept for the connect. */
static int check_policy(struct session *s)
{
	struct policy_input in = { 0 };
	struct policy_env env;
	long long t0 = clock_now_ms();

	in.has_client = s->rec.has_client;
	in.client = s->rec.client;
	in.host = s->req.host;
	in.host_is_name = s->req.host_kind == HOST_NAME;
	in.literal = &s->req.literal;
	in.port = s->req.port;
	in.user = s->authenticated ? s->user : NULL;
	resolve_env(&env);
	policy_decide(&s->cfg, &in, &env, &s->verdict);
	if (s->verdict.resolved)
		s->rec.resolve_ms = clock_now_ms() - t0;
	if (s->verdict.rule) {
		s->rec.rule_file = s->verdict.rule->file;
		s->rec.rule_line = s->verdict.rule->line;
	}
	if (resolve_local_failed())
		s->rec.detail = "cannot tell whether the address is this host's "
				"(the route lookup failed, or met a blackhole "
				"route): internal matched";
	if (!s->verdict.allowed && s->verdict.auth_needed)
		return fail(s, HTTP_PROXY_AUTH_REQUIRED, OUTCOME_AUTH, NULL);
	if (!s->verdict.allowed)
		return fail(s, HTTP_FORBIDDEN, OUTCOME_DENIED, "http_request_denied");
	return 0;
}

/* 2. Authenticate and check policy. After a 407, a client that sent
 * nothing past the request may try again with credentials on the same
 * connection, a few times within the same request deadline (D6); each
 * try is logged, so every failed login is a record of its own. */
static int check_access(struct session *s)
{
	int tries;

	for (tries = 1;; tries++) {
		authenticate(s);
		if (check_policy(s) == 0)
			return 0;
		if (s->status != HTTP_PROXY_AUTH_REQUIRED ||
		    tries == AUTH_TRIES_MAX || s->in.len > s->in.head_len)
			return -1;
		if (reply_challenge(1, s->req.minor_version, s->cfg.realm ?
				    s->cfg.realm : CONFIG_DEFAULT_REALM) < 0)
			return -1;
		s->rec.total_ms = clock_now_ms() - s->start;
		s->rec.exit_code = OUTCOME_AUTH;
		log_record(&s->rec);
		request_buffer_consume(&s->in);
		s->rec.rule_file = NULL;
		s->status = s->rec.status = 0;
		s->rec.error = NULL;
		if (read_request(s) < 0) {
			/* A client that leaves after the challenge has its
			 * record already. */
			if (s->status == 0) {
				s->logged = 1;
				s->outcome = OUTCOME_AUTH;
			}
			return -1;
		}
	}
}

/* 3a. Directly: to the addresses the rules allowed, from the one lookup. */
static int connect_direct(struct session *s, long long deadline)
{
	struct dial_result dr;
	long long t0 = clock_now_ms();
	const char *type;
	int status;

	s->rec.route = "direct";
	if (s->verdict.resolve_error) {
		status = resolve_error_status(s->verdict.resolve_error, &type);
		return fail(s, status, OUTCOME_DNS, type);
	}
	s->server = dial_connect(&s->verdict, s->req.port, deadline, &dr);
	s->rec.connect_ms = clock_now_ms() - t0;
	s->rec.has_addr = dr.tried > 0;
	s->rec.addr = dr.addr;
	s->rec.addr_port = s->req.port;
	if (s->server < 0)
		return fail(s, dr.status, dr.status == HTTP_GATEWAY_TIMEOUT ?
			    OUTCOME_CONNECT_TIMEOUT : OUTCOME_CONNECT_FAILED,
			    dr.error_type);
	return 0;
}

/* Sends our own CONNECT to the parent on fd and reads its answer (D8:
 * nothing of the client's request goes along). Returns 0 for a 2xx. */
static int parent_ask(struct session *s, const struct parent *par, int fd,
		      long long deadline)
{
	char request[PARENT_RESPONSE_MAX];
	size_t len;
	int rc;

	len = parent_format_request(request, sizeof(request), s->req.host,
				    s->req.host_kind == HOST_IPV6, s->req.port,
				    par->token);
	rc = len ? parent_handshake(fd, request, len, deadline, &s->parent) : -1;
	explicit_bzero(request, sizeof(request)); /* it may hold our password */
	if (rc < 0)
		return fail(s, errno == ETIMEDOUT ? HTTP_GATEWAY_TIMEOUT :
			    HTTP_BAD_GATEWAY, OUTCOME_PARENT, errno == ETIMEDOUT ?
			    "connection_timeout" : errno == EPROTO ?
			    "http_protocol_error" : "connection_terminated");
	s->rec.parent_status = s->parent.status;
	if (s->parent.status >= 200 && s->parent.status <= 299)
		return 0;
	if (s->parent.status == HTTP_PROXY_AUTH_REQUIRED) {
		/* Its challenge is for us, not for our client (RFC 9110
		 * section 11.7.1). */
		snprintf(s->detail, sizeof(s->detail), "parent %s wants "
			 "credentials: give it 'credentials FILE'", par->name);
		s->rec.detail = s->detail;
		return fail(s, HTTP_BAD_GATEWAY, OUTCOME_PARENT,
			    "proxy_internal_error");
	}
	/* Any other answer is passed on, without its body. */
	fail(s, s->parent.status, OUTCOME_PARENT, NULL);
	s->rec.error = NULL; /* parent_status says it all */
	s->passed_on = 1;
	return -1;
}

/* 3b. Through a parent: its address is configuration, looked up here and
 * not subject to the rules; the destination name goes to it unresolved. */
static int connect_parent(struct session *s, const struct parent *par,
			  long long deadline)
{
	struct addr addrs[POLICY_ADDRS_MAX];
	struct dial_result dr;
	long long t0 = clock_now_ms();
	size_t n;
	int fd;

	s->rec.route = par->name;
	s->rec.parent_status = 0;
	if (resolve_host(par->host, addrs, POLICY_ADDRS_MAX, &n) != 0)
		return fail(s, HTTP_BAD_GATEWAY, OUTCOME_PARENT, "dns_error");
	fd = dial_addresses(addrs, n, par->port, deadline, &dr);
	s->rec.has_addr = dr.tried > 0;
	s->rec.addr = dr.addr;
	s->rec.addr_port = par->port;
	if (fd < 0)
		return fail(s, dr.status, OUTCOME_PARENT, dr.error_type);
	if (parent_ask(s, par, fd, deadline) < 0) {
		close(fd);
		return -1;
	}
	s->rec.connect_ms = clock_now_ms() - t0;
	s->server = fd;
	return 0;
}

/* Whether the next route may be tried: not after a parent's own 4xx
 * answer, which is a decision, not a failure. */
static int may_fail_over(const struct session *s)
{
	int st = s->rec.parent_status;

	return !(st >= 400 && st <= 499 && st != HTTP_PROXY_AUTH_REQUIRED);
}

/* 3. Connect, directly or through the parents the deciding rule names,
 * in order, all within one connect_timeout. */
static int connect_upstream(struct session *s)
{
	const struct rule *r = s->verdict.rule;
	long long deadline = clock_now_ms() + s->cfg.connect_timeout_ms;
	size_t i, route;

	if (!r->has_via)
		return connect_direct(s, deadline);
	for (i = 0; i < r->via.n; i++) {
		route = r->via.items[i];
		/* Each route starts afresh: a failure that was failed over
		 * must not linger in the answer or the record. */
		s->status = s->rec.status = s->passed_on = 0;
		s->rec.error = s->rec.detail = NULL;
		s->rec.parent_status = 0;
		if ((route == ROUTE_DIRECT ? connect_direct(s, deadline) :
		     connect_parent(s, &s->cfg.parents[route], deadline)) == 0)
			return 0;
		if (!may_fail_over(s) || clock_left_ms(deadline) == 0)
			break;
	}
	return -1;
}

/* 4. Answer 200, only now that the upstream connection exists. */
static int answer(struct session *s)
{
	s->status = s->rec.status = HTTP_OK;
	if (reply_established(1, s->req.minor_version) < 0) {
		s->rec.close = "client-reset";
		s->outcome = OUTCOME_RESET;
		return -1;
	}
	return 0;
}

/* 5. Relay until the tunnel ends; bytes that came with the request go
 * first (the draft's section 3.3), and so do the destination's bytes
 * that came with a parent's answer (R83). */
static void relay(struct session *s)
{
	struct relay_limits limits = {
		s->cfg.idle_timeout_ms, s->cfg.max_lifetime_ms,
		s->cfg.half_close, s->cfg.half_close_timeout_ms,
	};
	struct relay_pending pending = {
		s->in.data + s->in.head_len, s->in.len - s->in.head_len,
		s->parent.data, s->parent.ndata,
	};
	struct relay_stats stats;

	relay_prepare(0, 1);
	/* From here on the process only moves bytes (issue: lock-down). */
	if (s->cfg.lockdown && lockdown_enter() < 0)
		s->rec.detail = "no seccomp filter here: relaying without lock-down";
	relay_run(0, 1, s->server, &pending, &limits, &stats);
	s->rec.up = stats.up;
	s->rec.down = stats.down;
	s->rec.close = stats.close;
	s->outcome = stats.outcome;
}

/* The headers a status needs besides the usual ones: Allow on a 405,
 * the challenge on a 407. */
static const char *error_headers(struct session *s, char *buf, size_t len)
{
	if (s->status == HTTP_METHOD_NOT_ALLOWED)
		return "Allow: CONNECT\r\n";
	if (s->status == HTTP_PROXY_AUTH_REQUIRED &&
	    reply_format_challenge(buf, len, s->cfg.realm ? s->cfg.realm :
				   CONFIG_DEFAULT_REALM) > 0)
		return buf;
	return NULL;
}

/* 6. Answer an error if there is one, log one record, and hand back the
 * exit code. Pipelined bytes are dropped with the buffer (R67). */
static int finish(struct session *s)
{
	int is_error = s->status && s->status != HTTP_OK;
	char extra[256];

	if (s->server >= 0)
		close(s->server);
	/* An HTTP/1.0 client gets HTTP/1.0 answers; one we could not parse,
	 * HTTP/1.1. */
	if (is_error && s->passed_on)
		reply_parent_status(1, s->status, s->req.minor_version);
	else if (is_error)
		reply_error(1, s->status, s->rec.host ? s->req.minor_version : 1,
			    s->rec.error, error_headers(s, extra, sizeof(extra)));
	s->rec.total_ms = clock_now_ms() - s->start;
	s->rec.exit_code = s->outcome;
	if (!s->logged)
		log_record(&s->rec);
	if (is_error)
		reply_drain(0, DRAIN_MS);
	return s->outcome;
}

static int serve(const char *config_path)
{
	/* Static, so it starts zeroed by the kernel: clearing its 17 KiB of
	 * buffers by hand cost every connection 19,000 instructions. */
	static struct session s;

	session_start(&s, config_path);
	if (read_proxy_header(&s) == 0 && read_request(&s) == 0 &&
	    check_access(&s) == 0 &&
	    connect_upstream(&s) == 0 && answer(&s) == 0)
		relay(&s);
	return finish(&s);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: connectd [-c FILE]              serve one connection on fds 0 and 1\n"
		"       connectd -t [-c FILE]           check the config and print it\n"
		"       connectd --explain [-c FILE] HOST:PORT [from ADDR]\n"
		"                                       show which rule decides a request\n"
		"       connectd -V                     print the version\n"
		"The default config is " SYSCONFDIR "/connectd/connectd.conf.\n");
}

/* Run by hand on a terminal, connectd would wait for a request that never
 * comes: say how it is meant to be run instead. */
static int terminal_help(void)
{
	fprintf(stderr,
		"connectd serves one proxy connection on its standard input and output;\n"
		"a supervisor accepts connections and starts it for each one:\n"
		"  systemd:    systemctl enable --now connectd.socket\n"
		"  xinetd:     /etc/xinetd.d/connectd\n"
		"  tcpserver:  tcpserver -H -R -l 0 127.0.0.1 3128 connectd\n"
		"  for a test: systemd-socket-activate -l 127.0.0.1:3128 -a --inetd connectd\n"
		"then: curl -p -x http://127.0.0.1:3128 https://example.org/\n\n");
	usage(stderr);
	return OUTCOME_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 't' },
		{ "explain", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = SYSCONFDIR "/connectd/connectd.conf";
	int opt, check = 0, explain = 0;

	while ((opt = getopt_long(argc, argv, "c:thV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 't': check = 1; break;
		case 'e': explain = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("connectd %s\n", VERSION); return 0;
		default: usage(stderr); return OUTCOME_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (check && argc == 0)
		return admin_check(config_path);
	if (explain && (argc == 1 || (argc == 3 && strcmp(argv[1], "from") == 0)))
		return admin_explain(config_path, argv[0], argc == 3 ? argv[2] : NULL);
	if (check || explain || argc > 0) {
		usage(stderr);
		return OUTCOME_USAGE;
	}
	if (isatty(0))
		return terminal_help();
	return serve(config_path);
}
