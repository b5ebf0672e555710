/*
 * decsum.h - exact sums of decimal numbers, for the sum metric of
 * reports.
 *
 * Values like prices carry two decimals, which binary floating point
 * cannot hold: summed as doubles, 0.1 + 0.2 is 0.30000000000000004 and a
 * column of prices ends as 98075.2600000003.  A struct decsum adds each
 * value as an integer count of 10^-DECSUM_SCALE units in 128 bits, which
 * is exact for every value with at most DECSUM_SCALE decimals while the
 * sum stays below 1.7 * 10^29 in magnitude, and prints the shortest
 * decimal that is exactly the sum.  A value it cannot hold exactly (more
 * decimals, an exponent that puts it out of reach) or a sum that would
 * overflow makes the sum inexact: it then falls back to the double sum
 * kept beside it, printed with 15 significant digits as before.
 *
 * No allocation; a zeroed struct is an empty sum (0).
 */
#ifndef CJAFS_DECSUM_H
#define CJAFS_DECSUM_H

#include <stddef.h>

#define DECSUM_SCALE 9		/* decimals summed exactly */
#define DECSUM_FMT_SIZE 48	/* decsum_format() output, NUL included */

struct decsum {
	__int128 units;		/* the sum in 10^-DECSUM_SCALE units */
	double d;		/* the same sum in floating point */
	int inexact;		/* units is not the sum: d is */
};

/*
 * Add the decimal number num[0..len), in filter.h's syntax
 * ([+-]D+[.D+][e[+-]D+], checked by the caller), whose value as a double
 * is d.
 */
void decsum_add(struct decsum *s, const char *num, size_t len, double d);
/* <0, 0, >0 as a is less than, equal to or more than b (exactly when both
 * are exact). */
int decsum_cmp(const struct decsum *a, const struct decsum *b);
/* The sum as text in out (DECSUM_FMT_SIZE bytes): exact, the shortest
 * decimal ("98075.26", "-3", "0"), or "%.15g" of the double sum.
 * Returns its length. */
int decsum_format(const struct decsum *s, char *out);

#endif
