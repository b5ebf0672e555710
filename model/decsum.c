/*
 * decsum.c - exact decimal sums (see decsum.h).
 *
 * A value is parsed from its text, not from the double: the digits, the
 * number of decimals and the exponent give it as D * 10^k units.  The
 * digits are taken into a 128-bit integer while there are at most
 * DECSUM_DIGITS significant ones, so the parse itself never overflows;
 * 10^k scales it with an overflow check, and a negative k (more than
 * DECSUM_SCALE decimals) is exact only when the digits it drops are
 * zeros ("1.50000000000" is 1.5).  The sum is added with an overflow
 * check too.  Whatever fails makes the sum inexact for good: the double
 * sum beside it, always kept, is then the answer, as it was before sums
 * were exact.
 *
 * Output: the integer part, and the DECSUM_SCALE decimals with trailing
 * zeros dropped (and the point when none is left): the shortest text
 * whose value is exactly the sum.
 */
#include <stdio.h>
#include <string.h>

#include "decsum.h"

/* Significant digits taken exactly: 10^36 < 2^127 */
#define DECSUM_DIGITS 36
/* Exponents beyond this put any value out of reach. */
#define DECSUM_EXP_MAX 64

typedef unsigned __int128 u128;

static const __int128 units_max = (__int128)(~(u128)0 >> 1);

/* The value of num in units in *out: 0, or -1 when it cannot be exact. */
static int decsum_parse(const char *num, size_t len, __int128 *out)
{
	size_t i = 0;
	int neg = 0, point = 0, digits = 0, frac = 0, e = 0, eneg = 0, k;
	__int128 m = 0;

	if (i < len && (num[i] == '+' || num[i] == '-'))
		neg = num[i++] == '-';
	for (; i < len && num[i] != 'e' && num[i] != 'E'; i++) {
		if (num[i] == '.') {
			point = 1;
			continue;
		}
		if (num[i] < '0' || num[i] > '9')
			return -1;
		frac += point;
		if (!m && num[i] == '0')
			continue;	/* a leading zero */
		if (++digits > DECSUM_DIGITS)
			return -1;
		m = m * 10 + (num[i] - '0');
	}
	if (i < len) {
		i++;
		if (i < len && (num[i] == '+' || num[i] == '-'))
			eneg = num[i++] == '-';
		for (; i < len; i++) {
			if (num[i] < '0' || num[i] > '9')
				return -1;
			e = e * 10 + (num[i] - '0');
			if (e > DECSUM_EXP_MAX)
				return -1;
		}
		if (eneg)
			e = -e;
	}
	k = e - frac + DECSUM_SCALE;
	for (; k < 0 && m; k++) {
		if (m % 10)
			return -1;
		m /= 10;
	}
	/* by hand: clang calls a compiler-rt helper for a 128-bit
	 * __builtin_mul_overflow, which libgcc does not have */
	for (; k > 0 && m; k--) {
		if (m > units_max / 10)
			return -1;
		m *= 10;
	}
	*out = neg ? -m : m;
	return 0;
}

void decsum_add(struct decsum *s, const char *num, size_t len, double d)
{
	__int128 v;

	s->d += d;
	if (s->inexact)
		return;
	if (decsum_parse(num, len, &v) ||
	    __builtin_add_overflow(s->units, v, &s->units))
		s->inexact = 1;
}

int decsum_cmp(const struct decsum *a, const struct decsum *b)
{
	if (!a->inexact && !b->inexact)
		return (a->units > b->units) - (a->units < b->units);
	return (a->d > b->d) - (a->d < b->d);
}

int decsum_format(const struct decsum *s, char *out)
{
	char tmp[DECSUM_FMT_SIZE];
	size_t n = 0, i;
	u128 a;
	int dec;

	if (s->inexact)
		return snprintf(out, DECSUM_FMT_SIZE, "%.15g",
				s->d == 0 ? 0.0 : s->d);
	a = s->units < 0 ? -(u128)s->units : (u128)s->units;
	/* digits, least significant first: the decimals, then the rest */
	for (dec = 0; dec < DECSUM_SCALE; dec++, a /= 10)
		tmp[n++] = (char)('0' + (int)(a % 10));
	do {
		tmp[n++] = (char)('0' + (int)(a % 10));
		a /= 10;
	} while (a);
	i = 0;
	if (s->units < 0)
		out[i++] = '-';
	while (n > DECSUM_SCALE)
		out[i++] = tmp[--n];
	/* the decimals, without their trailing zeros */
	for (dec = 0; dec < DECSUM_SCALE && tmp[dec] == '0'; dec++)
		;
	if (dec < DECSUM_SCALE) {
		out[i++] = '.';
		while (n > (size_t)dec)
			out[i++] = tmp[--n];
	}
	out[i] = '\0';
	return (int)i;
}
