/*
 * timeparse.c - timestamps of dataset records (see timeparse.h).
 *
 * A hand-written scanner over (pointer, length): CSV fields are not
 * NUL-terminated in general, and sscanf would accept spaces, signs and
 * short digit groups we mean to refuse.  Dates become day numbers with
 * Howard Hinnant's days_from_civil / civil_from_days, exact over the
 * proleptic Gregorian calendar with 400-year eras, so nothing depends on
 * the C library's time zone or locale.  All arithmetic is int64_t and
 * bounded: an epoch value stops being read once past the range.
 */
#include <errno.h>

#include "timeparse.h"

#define SECS_PER_DAY 86400

/* parse_epoch() bounds the magnitude by TIMEPARSE_MAX alone */
_Static_assert(-TIMEPARSE_MIN < TIMEPARSE_MAX, "range not symmetric");

int64_t timeparse_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void timeparse_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int timeparse_days_in_month(int64_t y, int m)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Read exactly n digits at s[*i]; advance *i. */
static int digits(const char *s, size_t len, size_t *i, int n, int *out)
{
	int v = 0;

	if (len - *i < (size_t)n)
		return -EINVAL;
	while (n--) {
		if (!is_digit(s[*i]))
			return -EINVAL;
		v = v * 10 + (s[(*i)++] - '0');
	}
	*out = v;
	return 0;
}

/* Skip one or more digits at s[*i]. */
static int skip_digits(const char *s, size_t len, size_t *i)
{
	size_t start = *i;

	while (*i < len && is_digit(s[*i]))
		(*i)++;
	return *i > start ? 0 : -EINVAL;
}

static int parse_epoch(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	int neg = 0, frac = 0;
	int64_t v = 0;

	if (i < len && s[i] == '-') {
		neg = 1;
		i++;
	}
	if (i == len || !is_digit(s[i]))
		return -EINVAL;
	for (; i < len && is_digit(s[i]); i++) {
		v = v * 10 + (s[i] - '0');
		if (v > TIMEPARSE_MAX + 1)
			return -EINVAL; /* past both bounds, no overflow */
	}
	if (i < len && s[i] == '.') {
		i++;
		if (i == len || !is_digit(s[i]))
			return -EINVAL;
		for (; i < len && is_digit(s[i]); i++)
			frac |= s[i] != '0';
	}
	if (i != len)
		return -EINVAL;
	if (neg)
		v = -v - frac;
	if (v < TIMEPARSE_MIN || v > TIMEPARSE_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

/* ZONE at s[*i]: seconds east of UTC; none at the end of s. */
static int parse_zone(const char *s, size_t len, size_t *i, int *east)
{
	int sign, hh, mm = 0;

	*east = 0;
	if (*i == len)
		return 0;
	if (s[*i] == 'Z') {
		(*i)++;
		return 0;
	}
	if (s[*i] != '+' && s[*i] != '-')
		return -EINVAL;
	sign = s[(*i)++] == '-' ? -1 : 1;
	if (digits(s, len, i, 2, &hh))
		return -EINVAL;
	if (*i < len && s[*i] == ':') {
		(*i)++;
		if (digits(s, len, i, 2, &mm))
			return -EINVAL;
	} else if (*i < len && is_digit(s[*i])) {
		if (digits(s, len, i, 2, &mm))
			return -EINVAL;
	}
	if (hh > 23 || mm > 59)
		return -EINVAL;
	*east = sign * (hh * 3600 + mm * 60);
	return 0;
}

static int parse_iso(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	int year, mon, day, hh = 0, mi = 0, ss = 0, east = 0;
	int64_t t;

	if (digits(s, len, &i, 4, &year) || i == len || s[i++] != '-' ||
	    digits(s, len, &i, 2, &mon) || i == len || s[i++] != '-' ||
	    digits(s, len, &i, 2, &day))
		return -EINVAL;
	if (mon < 1 || mon > 12 || day < 1 ||
	    day > timeparse_days_in_month(year, mon))
		return -EINVAL;
	if (i < len) {
		if (s[i] != 'T' && s[i] != ' ')
			return -EINVAL;
		i++;
		if (digits(s, len, &i, 2, &hh) || i == len || s[i++] != ':' ||
		    digits(s, len, &i, 2, &mi))
			return -EINVAL;
		if (i < len && s[i] == ':') {
			i++;
			if (digits(s, len, &i, 2, &ss))
				return -EINVAL;
			if (i < len && s[i] == '.') {
				i++;
				if (skip_digits(s, len, &i))
					return -EINVAL;
			}
		}
		if (hh > 23 || mi > 59 || ss > 60)
			return -EINVAL;
		if (ss == 60)
			ss = 59;
		if (parse_zone(s, len, &i, &east) || i != len)
			return -EINVAL;
	}
	t = timeparse_days_from_civil(year, mon, day) * SECS_PER_DAY +
	    hh * 3600 + mi * 60 + ss - east;
	if (t < TIMEPARSE_MIN || t > TIMEPARSE_MAX)
		return -EINVAL;
	*out = t;
	return 0;
}

int timeparse(const char *s, size_t len, int64_t *epoch_seconds_utc)
{
	/* only "DDDD-" starts a date; a bare number is epoch seconds */
	if (len > 4 && s[4] == '-' && is_digit(s[0]))
		return parse_iso(s, len, epoch_seconds_utc);
	return parse_epoch(s, len, epoch_seconds_utc);
}

static char *put2(char *p, int v)
{
	*p++ = (char)('0' + v / 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

int timeparse_format_utc(int64_t t, char out[TIMEPARSE_FMT_SIZE])
{
	int64_t days, secs, year;
	int mon, day;
	char *p = out;

	if (t < TIMEPARSE_MIN || t > TIMEPARSE_MAX) {
		out[0] = '\0';
		return -ERANGE;
	}
	days = t / SECS_PER_DAY;
	secs = t % SECS_PER_DAY;
	if (secs < 0) {
		secs += SECS_PER_DAY;
		days--;
	}
	timeparse_civil_from_days(days, &year, &mon, &day);
	p = put2(p, (int)(year / 100));
	p = put2(p, (int)(year % 100));
	*p++ = '-';
	p = put2(p, mon);
	*p++ = '-';
	p = put2(p, day);
	*p++ = 'T';
	p = put2(p, (int)(secs / 3600));
	*p++ = ':';
	p = put2(p, (int)(secs / 60 % 60));
	*p++ = ':';
	p = put2(p, (int)(secs % 60));
	*p++ = 'Z';
	*p = '\0';
	return 0;
}
