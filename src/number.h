/* number.h: the one parser for decimal numbers from the network, so that
 * every port, status code and address octet is range-checked the same
 * way and no parse can overflow. */
#ifndef CONNECTD_NUMBER_H
#define CONNECTD_NUMBER_H

#include <stddef.h>

/* n > 0 decimal digits, no sign, leading zeros allowed, value at most
 * max; checked against max before every step, so it cannot overflow.
 * Returns 0 and sets *out, or -1. */
static inline int number_parse(const char *s, size_t n, unsigned long max,
			       unsigned long *out)
{
	unsigned long v = 0, d;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned long)(s[i] - '0');
		if (d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

#endif
