/*
 * wsdef.c - Workspace definitions that are checked and that compute
 * (see wsdef.h): date range bounds, calculated metric formulas, segment
 * rules, annotations and audiences.
 *
 * Date ranges.  A bound is parsed once into a base (a fixed day or one
 * of today's anchors) and one signed step; it is evaluated against an
 * instant and a zone each time a panel reads it, so `today` moves with
 * the clock and a view's time zone decides where its days begin.  Day
 * numbers (days since 1970-01-01) and the calendar come from
 * timeparse.h, the local date from tz.h: nothing here knows a month's
 * length or a zone's rules.  A month step clamps the day to the target
 * month's length, as the data window does (dvquery.c); a year step is
 * twelve months, so February 29th steps to the 28th.  The step is
 * bounded (WSDEF_STEP_MAX) so the arithmetic stays far inside int64_t,
 * and the result is clamped to the years timeparse.h accepts, so a
 * stored range always evaluates.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "timeparse.h"
#include "tz.h"
#include "wsdef.h"

#define SECS_PER_DAY 86400

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* --- date ranges --- */

static const struct {
	const char *word;
	enum wsdef_base base;
} date_words[] = {
	/* longest first: none is a prefix of another, but keep it so */
	{ "start-of-month", WSDEF_MONTH },
	{ "start-of-week", WSDEF_WEEK },
	{ "start-of-year", WSDEF_YEAR },
	{ "today", WSDEF_TODAY },
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The word at s[i..] for a message (up to a blank, at most 32 bytes) */
static int word_len(const char *s, size_t len, size_t i)
{
	size_t j = i;

	while (j < len && j - i < 32 && !is_blank(s[j]))
		j++;
	return (int)(j - i);
}

static int date_err(struct diag *d, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int date_err(struct diag *d, size_t col, const char *fmt, ...)
{
	va_list ap;

	if (d) {
		memset(d, 0, sizeof(*d));
		d->column = (int)col;
		va_start(ap, fmt);
		vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

#define DATE_BASES \
	"YYYY-MM-DD, today, start-of-week, start-of-month or start-of-year"

/* A YYYY-MM-DD at s[i..]: 1 and *day if the shape is there (10 bytes),
 * whether or not the date exists (*ok). */
static int date_fixed(const char *s, size_t len, size_t i, int64_t *day,
		      int *ok)
{
	static const char shape[] = "dddd-dd-dd";
	int64_t t;
	size_t k;

	if (len - i < 10)
		return 0;
	for (k = 0; k < 10; k++)
		if (shape[k] == 'd' ? !is_digit(s[i + k]) : s[i + k] != '-')
			return 0;
	*ok = !timeparse(s + i, 10, &t);
	if (*ok)
		*day = floor_div(t, SECS_PER_DAY);
	return 1;
}

int wsdef_date_parse(const char *s, size_t len, struct wsdef_date *out,
		     struct diag *d)
{
	struct wsdef_date dt = { WSDEF_DATE, 0, 0, 'd' };
	size_t i = 0, k, start;
	int ok, neg;
	int64_t n;

	while (i < len && is_blank(s[i]))
		i++;
	if (i == len)
		return date_err(d, i + 1, "expected a date: " DATE_BASES);
	if (date_fixed(s, len, i, &dt.day, &ok)) {
		if (!ok)
			return date_err(d, i + 1, "no such date '%.10s'",
					s + i);
		i += 10;
	} else {
		for (k = 0; k < sizeof(date_words) / sizeof(date_words[0]);
		     k++) {
			size_t wl = strlen(date_words[k].word);

			if (len - i >= wl &&
			    !strncasecmp(s + i, date_words[k].word, wl) &&
			    (len - i == wl || is_blank(s[i + wl]) ||
			     s[i + wl] == '+' || s[i + wl] == '-'))
				break;
		}
		if (k == sizeof(date_words) / sizeof(date_words[0]))
			return date_err(d, i + 1,
					"unknown date '%.*s': expected "
					DATE_BASES, word_len(s, len, i),
					s + i);
		dt.base = date_words[k].base;
		i += strlen(date_words[k].word);
	}
	while (i < len && is_blank(s[i]))
		i++;
	if (i == len)
		goto done;
	if (s[i] != '+' && s[i] != '-')
		return date_err(d, i + 1,
				"expected +N or -N and a unit (d, w, m, y), "
				"not '%.*s'", word_len(s, len, i), s + i);
	neg = s[i] == '-';
	i++;
	while (i < len && is_blank(s[i]))
		i++;
	start = i;
	for (n = 0; i < len && is_digit(s[i]); i++)
		if (i - start < 6)
			n = n * 10 + (s[i] - '0');
	if (i == start)
		return date_err(d, i + 1, "expected a number after '%c'",
				neg ? '-' : '+');
	if (n > WSDEF_STEP_MAX || i - start > 6)
		return date_err(d, start + 1, "step is over %d",
				WSDEF_STEP_MAX);
	if (i == len || !strchr("dwmyDWMY", s[i]))
		return date_err(d, i + 1,
				"expected a unit after %" PRId64
				": d, w, m or y", n);
	dt.unit = (char)(s[i] | 0x20);
	dt.step = neg ? -n : n;
	i++;
	while (i < len && is_blank(s[i]))
		i++;
	if (i < len)
		return date_err(d, i + 1, "unexpected '%.*s' after the date",
				word_len(s, len, i) ? word_len(s, len, i) : 1,
				s + i);
done:
	*out = dt;
	return 0;
}

int wsdef_date_fixed(const struct wsdef_date *dt)
{
	return dt->base == WSDEF_DATE;
}

/* Day number clamped to 0000-01-01..9999-12-31 */
static int64_t day_clamp(int64_t day)
{
	int64_t lo = floor_div(TIMEPARSE_MIN, SECS_PER_DAY);
	int64_t hi = floor_div(TIMEPARSE_MAX, SECS_PER_DAY);

	return day < lo ? lo : day > hi ? hi : day;
}

/* day moved by months calendar months, the day of the month clamped */
static int64_t add_months(int64_t day, int64_t months)
{
	int64_t y, m0;
	int m, dd, dim;

	timeparse_civil_from_days(day, &y, &m, &dd);
	m0 = y * 12 + (m - 1) + months;
	y = floor_div(m0, 12);
	m = (int)(m0 - y * 12) + 1;
	dim = timeparse_days_in_month(y, m);
	return timeparse_days_from_civil(y, m, dd < dim ? dd : dim);
}

int64_t wsdef_date_day(const struct wsdef_date *dt, const struct tz *z,
		       int64_t now)
{
	int64_t day, y;
	int m, dd;

	if (dt->base == WSDEF_DATE) {
		day = dt->day;
	} else {
		day = z ? tz_local_day_number(z, now) :
			  floor_div(now, SECS_PER_DAY);
		day = day_clamp(day);
		switch (dt->base) {
		case WSDEF_WEEK:
			/* 1970-01-01 was a Thursday: day 0 is weekday 3 */
			day -= (day % 7 + 7 + 3) % 7;
			break;
		case WSDEF_MONTH:
			timeparse_civil_from_days(day, &y, &m, &dd);
			day = timeparse_days_from_civil(y, m, 1);
			break;
		case WSDEF_YEAR:
			timeparse_civil_from_days(day, &y, &m, &dd);
			day = timeparse_days_from_civil(y, 1, 1);
			break;
		default:
			break;
		}
	}
	switch (dt->unit) {
	case 'd':
		day += dt->step;
		break;
	case 'w':
		day += 7 * dt->step;
		break;
	case 'm':
		day = add_months(day, dt->step);
		break;
	case 'y':
		day = add_months(day, 12 * dt->step);
		break;
	}
	return day_clamp(day);
}

int wsdef_range_check(const struct wsdef_date *start,
		      const struct wsdef_date *end, struct diag *d)
{
	char a[TZ_DAY_SIZE], b[TZ_DAY_SIZE];
	int64_t s, e;

	if (!wsdef_date_fixed(start) || !wsdef_date_fixed(end))
		return 0;
	s = wsdef_date_day(start, NULL, 0);
	e = wsdef_date_day(end, NULL, 0);
	if (s <= e)
		return 0;
	tz_format_day(s, a);
	tz_format_day(e, b);
	return date_err(d, 0, "start %s is after end %s", a, b);
}

void wsdef_range_days(const struct wsdef_date *start,
		      const struct wsdef_date *end, const struct tz *z,
		      int64_t now, int64_t *first, int64_t *last)
{
	*first = wsdef_date_day(start, z, now);
	*last = wsdef_date_day(end, z, now);
}
