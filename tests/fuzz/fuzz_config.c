/* fuzz_config.c: the config file and its rule language (config_parse from
 * memory, as the file fuzz.conf).
 *
 * The filesystem stays out of it: an input naming include, auth_file or
 * credentials (the only directives that open files; directive and clause
 * names are matched case-sensitively, and quoting cannot hide the letters)
 * is skipped. So that rules with a user part can still load, the config
 * starts as if an auth_file had been read (has_auth set, no entries).
 *
 * After a successful parse: every rule's fields are in range; each rule
 * formats (config_format_rule) to exactly the length it reports, and a
 * short buffer gets a NUL-terminated prefix of the same text; the parents
 * and formatted rules, written out as a new file, parse again, and format
 * to the same text (the normalised form is stable). config_free runs on
 * every path, so LeakSanitizer reports anything left behind. */
#include "config.h"
#include "fuzz.h"

#define LINE_MAX_BYTES 4096 /* CONFIG_LINE_MAX in config.c */

static void start(struct config *cfg)
{
	config_defaults(cfg);
	cfg->has_auth = 1; /* an auth_file with no users: no file is read */
}

/* Formats rule r into a malloc'd string, checking the length contract. */
static char *format(const struct rule *r)
{
	size_t need = config_format_rule(r, NULL, 0), got, small;
	char *buf, tiny[8];

	FUZZ_CHECK(need > 0, "empty rule text");
	buf = malloc(need + 1);
	FUZZ_CHECK(buf != NULL, "out of memory");
	got = config_format_rule(r, buf, need + 1);
	FUZZ_CHECK(got == need, "length %zu, then %zu", need, got);
	FUZZ_CHECK(strlen(buf) == need, "text of %zu bytes, said %zu",
		   strlen(buf), need);
	/* a short buffer: truncated, terminated, same prefix */
	small = need % sizeof(tiny) + 1;
	memset(tiny, 'X', sizeof(tiny));
	got = config_format_rule(r, tiny, small);
	FUZZ_CHECK(got == need, "length %zu with a short buffer", got);
	FUZZ_CHECK(tiny[small - 1] == '\0' && strlen(tiny) == small - 1 &&
		   memcmp(tiny, buf, small - 1) == 0 &&
		   (small == sizeof(tiny) || tiny[small] == 'X'),
		   "short buffer of %zu: bad prefix or overrun", small);
	return buf;
}

/* Field ranges the rest of connectd relies on. */
static void check_rule(const struct config *cfg, const struct rule *r)
{
	size_t i;

	FUZZ_CHECK(r->action == RULE_ALLOW || r->action == RULE_DENY,
		   "action %d", (int)r->action);
	FUZZ_CHECK(r->file != NULL && strcmp(r->file, "fuzz.conf") == 0 &&
		   r->line > 0, "rule origin");
	for (i = 0; i < r->ports.nranges; i++)
		FUZZ_CHECK(r->ports.ranges[i].lo >= 1 &&
			   r->ports.ranges[i].lo <= r->ports.ranges[i].hi &&
			   r->ports.ranges[i].hi <= 65535, "port range %u-%u",
			   r->ports.ranges[i].lo, r->ports.ranges[i].hi);
	for (i = 0; i < r->from.ncidrs; i++)
		FUZZ_CHECK(r->from.cidrs[i].prefix <= 128, "from prefix");
	for (i = 0; i < r->to.ncidrs; i++)
		FUZZ_CHECK(r->to.cidrs[i].prefix <= 128, "to prefix");
	for (i = 0; i < r->to.nnames; i++) {
		const char *n = r->to.names[i].name;
		size_t len = strlen(n);

		FUZZ_CHECK(len > 0 && len <= 253 && n[0] != '.' &&
			   n[len - 1] != '.' && strspn(n,
			   "abcdefghijklmnopqrstuvwxyz0123456789-_.") == len,
			   "name pattern '%s'", n);
	}
	FUZZ_CHECK(r->via.n <= ROUTES_MAX, "%zu routes", r->via.n);
	FUZZ_CHECK(!r->has_via || r->action == RULE_ALLOW, "deny with via");
	for (i = 0; i < r->via.n; i++)
		FUZZ_CHECK(r->via.items[i] == ROUTE_DIRECT ||
			   r->via.items[i] < cfg->nparents, "route %zu",
			   r->via.items[i]);
}

/* Appends s and a LF to the growing text. */
static void put_line(char **text, size_t *len, const char *s)
{
	size_t n = strlen(s);
	char *grown = realloc(*text, *len + n + 1);

	FUZZ_CHECK(grown != NULL, "out of memory");
	memcpy(grown + *len, s, n);
	grown[*len + n] = '\n';
	*text = grown;
	*len += n + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg, again;
	char err[CONFIG_ERROR_MAX], line[600], **texts = NULL, *text = NULL;
	size_t i, len = 0;
	int rc, no_round_trip = 0;

	if (fuzz_contains(data, size, "include") ||
	    fuzz_contains(data, size, "auth_file") ||
	    fuzz_contains(data, size, "credentials"))
		return -1; /* not added to the corpus */
	start(&cfg);
	err[0] = '\0';
	rc = config_parse("fuzz.conf", (const char *)data, size, &cfg, err,
			  sizeof(err));
	if (rc != 0) {
		FUZZ_CHECK(rc == -1, "rc %d", rc);
		FUZZ_CHECK(err[0] != '\0' && strlen(err) < sizeof(err),
			   "failure without a message");
		FUZZ_CHECK(cfg.nrules == 0 && cfg.rules == NULL &&
			   cfg.nparents == 0 && cfg.nfiles == 0,
			   "a failed parse kept something");
		config_free(&cfg);
		return 0;
	}
	FUZZ_CHECK(cfg.nfiles == 1, "%zu files", cfg.nfiles);

	/* the parents first, so that via parts resolve; then each rule */
	for (i = 0; i < cfg.nparents; i++) {
		const struct parent *p = &cfg.parents[i];

		FUZZ_CHECK(p->port >= 1 && p->port <= 65535, "parent port");
		FUZZ_CHECK(p->token == NULL, "parent token without credentials");
		snprintf(line, sizeof(line), "parent %s %s%s%s:%u", p->name,
			 p->host_is_v6 ? "[" : "", p->host,
			 p->host_is_v6 ? "]" : "", p->port);
		put_line(&text, &len, line);
	}
	if (cfg.nrules > 0) {
		texts = calloc(cfg.nrules, sizeof(*texts));
		FUZZ_CHECK(texts != NULL, "out of memory");
	}
	for (i = 0; i < cfg.nrules; i++) {
		check_rule(&cfg, &cfg.rules[i]);
		texts[i] = format(&cfg.rules[i]);
		if (strlen(texts[i]) > LINE_MAX_BYTES)
			no_round_trip = 1;
		put_line(&text, &len, texts[i]);
	}

	/* The round trip. A normalised rule can be longer than its source
	 * (::ffff:ffff prints as ::255.255.255.255), so one past the line
	 * limit is not re-read. */
	if (!no_round_trip) {
		start(&again);
		rc = config_parse("fuzz.conf", text, len, &again, err, sizeof(err));
		FUZZ_CHECK(rc == 0, "formatted config does not parse: %s\n%.*s",
			   err, (int)len, text);
		FUZZ_CHECK(again.nrules == cfg.nrules && again.nparents ==
			   cfg.nparents, "%zu rules, %zu parents after the round "
			   "trip (had %zu, %zu)", again.nrules, again.nparents,
			   cfg.nrules, cfg.nparents);
		for (i = 0; i < again.nrules; i++) {
			char *t = format(&again.rules[i]);

			FUZZ_CHECK(strcmp(t, texts[i]) == 0, "rule %zu unstable:\n"
				   "  first:  %s\n  second: %s", i, texts[i], t);
			FUZZ_CHECK(again.rules[i].action == cfg.rules[i].action &&
				   again.rules[i].has_from == cfg.rules[i].has_from &&
				   again.rules[i].has_user == cfg.rules[i].has_user &&
				   again.rules[i].has_to == cfg.rules[i].has_to &&
				   again.rules[i].has_port == cfg.rules[i].has_port &&
				   again.rules[i].has_via == cfg.rules[i].has_via,
				   "rule %zu changed its clauses: %s", i, t);
			free(t);
		}
		config_free(&again);
	}
	for (i = 0; i < cfg.nrules; i++)
		free(texts[i]);
	free(texts);
	free(text);
	config_free(&cfg);
	return 0;
}
