/* config_parser.h: what config.c and rule.c share while a file is read.
 * Not part of the config API. */
#ifndef CONNECTD_CONFIG_PARSER_H
#define CONNECTD_CONFIG_PARSER_H

#include <stddef.h>
#include "config.h"

struct parser {
	struct config *cfg;
	const char *file;  /* the file being read, owned by cfg->files */
	unsigned line;
	int depth;         /* include nesting */
	char *err;
	size_t errlen;
};

/* Formats "file:line: message" into the caller's buffer. Returns -1, so
 * that callers can return config_error(...). */
int config_error(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The one number parser: n bytes of s as a plain decimal number (digits
 * only, no sign, no leading zero) of at most max. Returns 0, -1 when it is
 * not such a number, or -2 when it is larger than max. */
int config_number(const char *s, size_t n, unsigned long max,
		  unsigned long *out);

/* Returns arr (n elements of size bytes) grown by one zeroed element at
 * index n, or NULL when out of memory (arr is then left as it was). The
 * room is reserved in doubling steps, so arr must come from this function
 * (or be NULL with n 0). */
void *config_grow(void *arr, size_t n, size_t size);

/* Case-insensitive ASCII comparison, independent of the locale. */
int config_keyword(const char *s, const char *keyword);

/* allow|deny ...: parses argv (argv[0] is the action) and appends the
 * rule to p->cfg. */
int rule_parse(struct parser *p, char **argv, int argc);

/* Parses a comma-separated list of addresses, CIDRs, "any" and
 * "internal" into set (for from clauses and directives that name
 * clients). */
int rule_parse_addr_set(struct parser *p, const char *clause, char *list,
			struct addr_set *set);

/* Frees what a rule owns, complete or half-built. */
void rule_free(struct rule *r);

#endif
