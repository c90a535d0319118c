/* octets.h: what the HTTP parsers (request.c, parent.c) share: a cursor
 * over bytes not yet parsed, and the character classes of RFC 9110 and
 * RFC 9112, as bytes in an ASCII superset, never as locale-dependent
 * text. */
#ifndef CONNECTD_OCTETS_H
#define CONNECTD_OCTETS_H

#include <stddef.h>
#include <string.h>

/* A view of bytes not yet parsed: p is valid for n bytes. */
struct cursor {
	const char *p;
	size_t n;
};

static inline int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* tchar of RFC 9110 5.6.2: what methods and field names are made of. */
static inline int is_tchar(unsigned char c)
{
	return is_alpha(c) || is_digit(c) ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

#endif
