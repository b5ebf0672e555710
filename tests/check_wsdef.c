/*
 * check_wsdef.c - unit tests for model/wsdef.c: date range bounds,
 * calculated metric formulas, segment rules and audiences.
 *
 * Date ranges: hand-checked days (the weekdays, DST changes and local
 * dates were checked with Python's zoneinfo), the zones from the
 * system's tzdata; start-of-week is cross-checked with glibc's gmtime()
 * for every day of several years.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "buf.h"
#include "timeparse.h"
#include "tz.h"
#include "wsdef.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int64_t instant(const char *iso)
{
	int64_t t;

	ck_assert_msg(timeparse(iso, strlen(iso), &t) == 0, "%s", iso);
	return t;
}

/* --- date ranges --- */

static const struct {
	const char *zone;
	const char *now;
	const char *expr;
	const char *day;
} date_cases[] = {
	/* anchors on a Wednesday, UTC */
	{ "UTC", "2026-06-03T12:00:00Z", "today", "2026-06-03" },
	{ "UTC", "2026-06-03T12:00:00Z", "start-of-week", "2026-06-01" },
	{ "UTC", "2026-06-03T12:00:00Z", "start-of-month", "2026-06-01" },
	{ "UTC", "2026-06-03T12:00:00Z", "start-of-year", "2026-01-01" },
	{ "UTC", "2026-06-03T12:00:00Z", "today-7d", "2026-05-27" },
	{ "UTC", "2026-06-03T12:00:00Z", "today+1w", "2026-06-10" },
	{ "UTC", "2026-06-03T12:00:00Z", "start-of-month-1m", "2026-05-01" },
	{ "UTC", "2026-06-03T12:00:00Z", "start-of-month-1d", "2026-05-31" },
	{ "UTC", "2026-06-03T12:00:00Z", "start-of-year+1y", "2027-01-01" },
	{ "UTC", "2026-06-03T12:00:00Z", "start-of-week-2w", "2026-05-18" },
	{ "UTC", "2026-06-03T12:00:00Z", "  Today - 1W  ", "2026-05-27" },
	{ "UTC", "2026-06-03T12:00:00Z", "START-OF-MONTH+ 0d",
	  "2026-06-01" },
	/* the week starts on Monday: a Sunday, a Monday */
	{ "UTC", "2026-06-07T23:59:59Z", "start-of-week", "2026-06-01" },
	{ "UTC", "2026-06-08T00:00:00Z", "start-of-week", "2026-06-08" },
	/* the local date decides: behind and ahead of UTC */
	{ "America/Los_Angeles", "2026-06-01T03:00:00Z", "today",
	  "2026-05-31" },
	{ "America/Los_Angeles", "2026-06-01T03:00:00Z", "start-of-month",
	  "2026-05-01" },
	{ "America/Los_Angeles", "2026-06-01T03:00:00Z", "start-of-week",
	  "2026-05-25" },
	{ "Pacific/Auckland", "2026-06-01T13:00:00Z", "today", "2026-06-02" },
	{ "Pacific/Auckland", "2025-12-31T11:30:00Z", "start-of-year",
	  "2026-01-01" },
	/* Berlin's DST changes: the offset in effect at the instant */
	{ "Europe/Berlin", "2026-03-28T23:30:00Z", "today", "2026-03-29" },
	{ "Europe/Berlin", "2026-03-29T22:30:00Z", "today", "2026-03-30" },
	{ "Europe/Berlin", "2026-03-29T22:30:00Z", "start-of-week",
	  "2026-03-30" },
	{ "Europe/Berlin", "2026-10-24T22:30:00Z", "today", "2026-10-25" },
	{ "Europe/Berlin", "2026-10-25T23:30:00Z", "today", "2026-10-26" },
	{ "Europe/Berlin", "2026-10-25T22:30:00Z", "today", "2026-10-25" },
	/* Samoa skipped 2011-12-30: steps count calendar days */
	{ "Pacific/Apia", "2011-12-30T10:00:00Z", "today", "2011-12-31" },
	{ "Pacific/Apia", "2011-12-30T10:00:00Z", "today-1d", "2011-12-30" },
	{ "Pacific/Apia", "2011-12-29T10:00:00Z", "today", "2011-12-29" },
	/* month and year steps clamp to the target month's last day */
	{ "UTC", "2026-06-03T12:00:00Z", "2024-01-31+1m", "2024-02-29" },
	{ "UTC", "2026-06-03T12:00:00Z", "2023-01-31+1m", "2023-02-28" },
	{ "UTC", "2026-06-03T12:00:00Z", "2024-03-31-1m", "2024-02-29" },
	{ "UTC", "2026-06-03T12:00:00Z", "2024-02-29+1y", "2025-02-28" },
	{ "UTC", "2026-06-03T12:00:00Z", "2024-02-29-4y", "2020-02-29" },
	{ "UTC", "2026-06-03T12:00:00Z", "2024-01-31+13m", "2025-02-28" },
	{ "UTC", "2026-06-03T12:00:00Z", "2024-05-15-17m", "2022-12-15" },
	{ "UTC", "2026-06-03T12:00:00Z", "2024-10-31-1m", "2024-09-30" },
	/* leap days by days */
	{ "UTC", "2026-06-03T12:00:00Z", "2024-03-01-1d", "2024-02-29" },
	{ "UTC", "2026-06-03T12:00:00Z", "2000-02-28+1d", "2000-02-29" },
	{ "UTC", "2026-06-03T12:00:00Z", "1900-02-28+1d", "1900-03-01" },
	{ "UTC", "2026-06-03T12:00:00Z", "2024-12-31+1d", "2025-01-01" },
	{ "UTC", "2026-06-03T12:00:00Z", "1970-01-01-1d", "1969-12-31" },
	{ "UTC", "2026-06-03T12:00:00Z", "2024-02-29", "2024-02-29" },
	/* clamped to the years records have */
	{ "UTC", "2026-06-03T12:00:00Z", "9999-12-31+1d", "9999-12-31" },
	{ "UTC", "2026-06-03T12:00:00Z", "0000-01-01-1y", "0000-01-01" },
	{ "UTC", "2026-06-03T12:00:00Z", "today-99999y", "0000-01-01" },
	{ "UTC", "2026-06-03T12:00:00Z", "today+99999y", "9999-12-31" },
	{ "UTC", "2026-06-03T12:00:00Z", "today-9999m", "1193-03-03" },
};

START_TEST(test_date_days)
{
	struct wsdef_date dt;
	struct diag d;
	struct tz *z = NULL;
	char out[TZ_DAY_SIZE];
	const char *e = date_cases[_i].expr;

	ck_assert_int_eq(tz_load(date_cases[_i].zone, &z, &d), 0);
	ck_assert_msg(wsdef_date_parse(e, strlen(e), &dt, &d) == 0,
		      "'%s': column %d: %s", e, d.column, d.msg);
	tz_format_day(wsdef_date_day(&dt, z, instant(date_cases[_i].now)),
		      out);
	ck_assert_msg(!strcmp(out, date_cases[_i].day),
		      "%s at %s in %s: %s, want %s", e, date_cases[_i].now,
		      date_cases[_i].zone, out, date_cases[_i].day);
	ck_assert_int_eq(wsdef_date_fixed(&dt), e[0] >= '0' && e[0] <= '9');
	tz_free(z);
}
END_TEST

/* start-of-week against glibc's weekday, every day of 1999-2030, with
 * and without a step; the Monday is never after the day nor a week
 * before it. */
START_TEST(test_date_week_glibc)
{
	struct wsdef_date dt;
	int64_t day, from = timeparse_days_from_civil(1999, 1, 1),
		      to = timeparse_days_from_civil(2030, 12, 31);

	ck_assert_int_eq(wsdef_date_parse("start-of-week", 13, &dt, NULL), 0);
	for (day = from; day <= to; day++) {
		time_t t = (time_t)(day * 86400 + 43200);
		struct tm tm;
		int64_t mon = wsdef_date_day(&dt, NULL, t);

		ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
		ck_assert_int_eq(day - mon, (tm.tm_wday + 6) % 7);
	}
	ck_assert_int_eq(wsdef_date_parse("start-of-week-1w", 16, &dt, NULL),
			 0);
	ck_assert_int_eq(wsdef_date_day(&dt, NULL, instant("2026-06-03")),
			 timeparse_days_from_civil(2026, 5, 25));
}
END_TEST

/* A month step from every day of 2023-2024 by -25..25 months against a
 * reading of the rule from its words: the same day of the target month,
 * or its last day. */
START_TEST(test_date_month_steps)
{
	char text[32];
	struct wsdef_date dt;
	int64_t day, y, ty;
	int m, dd, k, tm_;

	for (day = timeparse_days_from_civil(2023, 1, 1);
	     day <= timeparse_days_from_civil(2024, 12, 31); day += 3) {
		timeparse_civil_from_days(day, &y, &m, &dd);
		for (k = -25; k <= 25; k++) {
			int last, want_d;

			snprintf(text, sizeof(text), "%04d-%02d-%02d%+dm",
				 (int)y, m, dd, k);
			ck_assert_int_eq(wsdef_date_parse(text, strlen(text),
							  &dt, NULL),
					 0);
			ty = y + (m - 1 + k + 120) / 12 - 10;
			tm_ = (m - 1 + k + 120) % 12 + 1;
			last = timeparse_days_in_month(ty, tm_);
			want_d = dd < last ? dd : last;
			ck_assert_int_eq(wsdef_date_day(&dt, NULL, 0),
					 timeparse_days_from_civil(ty, tm_,
								   want_d));
		}
	}
}
END_TEST

static const struct {
	const char *expr;
	int column;
	const char *msg;	/* a part of the message */
} date_errors[] = {
	{ "", 1, "expected a date" },
	{ "   ", 4, "expected a date" },
	{ "yesterday", 1, "unknown date 'yesterday'" },
	{ "todayy", 1, "unknown date 'todayy'" },
	{ "2024-1-01", 1, "unknown date" },
	{ "2024-02-30", 1, "no such date '2024-02-30'" },
	{ "2023-02-29", 1, "no such date" },
	{ "2024-13-01", 1, "no such date" },
	{ "today-", 7, "expected a number after '-'" },
	{ "today+", 7, "expected a number after '+'" },
	{ "today-3", 8, "expected a unit after 3" },
	{ "today-3x", 8, "expected a unit" },
	{ "today-3 d", 8, "expected a unit" },
	{ "today-100000d", 7, "step is over 99999" },
	{ "today-0000001d", 7, "step is over" },
	{ "today 3d", 7, "expected +N or -N" },
	{ "today*3d", 1, "unknown date 'today*3d'" },
	{ "today-3d x", 10, "unexpected 'x'" },
	{ "start-of-month-1m-1d", 18, "unexpected '-1d'" },
	{ "2024-01-01T00:00", 11, "expected +N or -N and a unit" },
	{ "end-of-month", 1, "unknown date" },
};

START_TEST(test_date_errors)
{
	struct wsdef_date dt = { WSDEF_TODAY, 7, 7, 'w' }, keep = dt;
	struct diag d;
	const char *e = date_errors[_i].expr;

	ck_assert_int_eq(wsdef_date_parse(e, strlen(e), &dt, &d), -EINVAL);
	ck_assert_msg(d.column == date_errors[_i].column &&
			      strstr(d.msg, date_errors[_i].msg),
		      "'%s': column %d: %s", e, d.column, d.msg);
	ck_assert_int_eq(d.line, 0);
	ck_assert_mem_eq(&dt, &keep, sizeof(dt));
	/* without a diag too, and the length is obeyed */
	ck_assert_int_eq(wsdef_date_parse(e, strlen(e), &dt, NULL), -EINVAL);
}
END_TEST

START_TEST(test_date_length)
{
	struct wsdef_date dt;

	/* only len bytes are read: the rest is not part of the bound */
	ck_assert_int_eq(wsdef_date_parse("today-3dXYZ", 8, &dt, NULL), 0);
	ck_assert_int_eq(dt.step, -3);
	ck_assert_int_eq(wsdef_date_parse("2024-02-2", 9, &dt, NULL),
			 -EINVAL);
}
END_TEST

START_TEST(test_range)
{
	struct wsdef_date s, e;
	struct diag d;
	int64_t first, last;

	ck_assert_int_eq(wsdef_date_parse("2024-03-01", 10, &s, NULL), 0);
	ck_assert_int_eq(wsdef_date_parse("2024-02-01", 10, &e, NULL), 0);
	ck_assert_int_eq(wsdef_range_check(&s, &e, &d), -EINVAL);
	ck_assert_str_eq(d.msg, "start 2024-03-01 is after end 2024-02-01");
	ck_assert_int_eq(d.column, 0);
	ck_assert_int_eq(wsdef_range_check(&e, &s, &d), 0);
	ck_assert_int_eq(wsdef_range_check(&s, &s, &d), 0);
	/* a relative bound may fall either side: checked when read */
	ck_assert_int_eq(wsdef_date_parse("today", 5, &e, NULL), 0);
	ck_assert_int_eq(wsdef_range_check(&e, &s, &d), 0);
	ck_assert_int_eq(wsdef_range_check(&s, &e, &d), 0);
	wsdef_range_days(&s, &e, NULL, instant("2024-02-10"), &first, &last);
	ck_assert_int_gt(first, last);	/* holds no day */
	wsdef_range_days(&s, &e, NULL, instant("2024-03-10"), &first, &last);
	ck_assert_int_eq(first, timeparse_days_from_civil(2024, 3, 1));
	ck_assert_int_eq(last, timeparse_days_from_civil(2024, 3, 10));
}
END_TEST

/* --- calculated metric formulas --- */

static const char *const fmetrics[] = { "revenue", "orders", "visits",
					"page-views", "cost", "2024-sales" };
static const double fvals[] = { 100, 4, 0, 50, 30, 7 };

#define EMPTY "empty"
static const struct {
	const char *text;
	const char *want;	/* %.17g of the value, or EMPTY */
} formula_cases[] = {
	{ "revenue / orders", "25" },
	{ "revenue/orders", "25" },
	{ "revenue - cost", "70" },
	{ "(revenue - cost) / revenue", "0.69999999999999996" },
	{ "-revenue", "-100" },
	{ "- -revenue", "100" },
	{ "--revenue", "100" },
	{ "2 * (revenue + cost) / 4", "65" },
	{ "1 - 2 - 3", "-4" },
	{ "8 / 2 / 2", "2" },
	{ "2 * 3 + 4", "10" },
	{ "2 + 3 * 4", "14" },
	{ "(2 + 3) * 4", "20" },
	{ "-2 * -orders", "8" },
	{ "-(revenue - cost)", "-70" },
	{ "1e2 + .5", "100.5" },
	{ "1E+2 - 0.25e1", "97.5" },
	{ "007", "7" },
	{ "page-views * 2", "100" },
	{ "\"page-views\" - cost", "20" },
	{ "\"2024-sales\" * orders", "28" },
	{ "revenue*0", "0" },
	{ "\trevenue\r\n/\norders ", "25" },
	/* division by zero, and results that are not finite */
	{ "revenue / visits", EMPTY },
	{ "revenue / (orders - 4)", EMPTY },
	{ "0 / 0", EMPTY },
	{ "orders / -0", EMPTY },
	{ "visits / visits + 1", EMPTY },
	{ "1e308 * 10", EMPTY },
	{ "-1e308 - 1e308", EMPTY },
	{ "1e-300 / 1e300", "0" },
};

START_TEST(test_formula_eval)
{
	struct wsdef_formula *f = NULL;
	struct diag d;
	const char *t = formula_cases[_i].text;
	char got[64];
	double v;
	int rc;

	rc = wsdef_formula_parse(t, strlen(t), fmetrics, N(fmetrics), &f, &d);
	ck_assert_msg(rc == 0, "'%s': column %d: %s", t, d.column, d.msg);
	if (wsdef_formula_eval(f, fvals, &v))
		snprintf(got, sizeof(got), "%.17g", v);
	else
		snprintf(got, sizeof(got), EMPTY);
	ck_assert_msg(!strcmp(got, formula_cases[_i].want), "'%s': %s, want %s",
		      t, got, formula_cases[_i].want);
	wsdef_formula_free(f);
}
END_TEST

/* An empty input (NaN) empties the cell; the distinct metrics named,
 * first use first. */
START_TEST(test_formula_refs_and_empty)
{
	static const char t[] = "cost / orders + cost * (revenue - cost)";
	struct wsdef_formula *f;
	double vals[N(fvals)], v;

	memcpy(vals, fvals, sizeof(vals));
	ck_assert_int_eq(wsdef_formula_parse(t, strlen(t), fmetrics,
					     N(fmetrics), &f, NULL),
			 0);
	ck_assert_int_eq(wsdef_formula_nrefs(f), 3);
	ck_assert_int_eq(wsdef_formula_ref(f, 0), 4);
	ck_assert_int_eq(wsdef_formula_ref(f, 1), 1);
	ck_assert_int_eq(wsdef_formula_ref(f, 2), 0);
	ck_assert_int_eq(wsdef_formula_eval(f, vals, &v), 1);
	ck_assert_double_eq(v, 30.0 / 4 + 30 * 70);
	vals[0] = NAN;
	ck_assert_int_eq(wsdef_formula_eval(f, vals, &v), 0);
	vals[0] = 100;
	vals[2] = NAN;		/* not named: no matter */
	ck_assert_int_eq(wsdef_formula_eval(f, vals, &v), 1);
	wsdef_formula_free(f);
	/* no metrics at all */
	ck_assert_int_eq(wsdef_formula_parse("1/3", 3, NULL, 0, &f, NULL), 0);
	ck_assert_int_eq(wsdef_formula_nrefs(f), 0);
	ck_assert_int_eq(wsdef_formula_eval(f, NULL, &v), 1);
	ck_assert_double_eq(v, 1.0 / 3);
	wsdef_formula_free(f);
}
END_TEST

static const struct {
	const char *text;
	int column;
	const char *msg;
} formula_errors[] = {
	{ "", 1, "expected a metric, a number or '(' at the end" },
	{ "  ", 3, "at the end" },
	{ "revenue +", 10, "at the end" },
	{ "revenue - costs", 11, "unknown metric 'costs'" },
	{ "Revenue", 1, "unknown metric 'Revenue'" },
	{ "revenue-cost", 1,
	  "unknown metric 'revenue-cost' (to subtract, put a space before '-')" },
	{ "\"revenue-cost\"", 1, "unknown metric 'revenue-cost'" },
	{ "(revenue", 9, "expected ')' to close the '(' at column 1" },
	{ "((revenue)", 11, "expected ')' to close the '(' at column 1" },
	{ "revenue)", 8, "unmatched ')'" },
	{ "revenue orders", 9, "expected an operator (+ - * /), not 'orders'" },
	{ "revenue (orders)", 9, "expected an operator" },
	{ "1.2.3", 1, "bad number '1.2.3'" },
	{ "2x", 1, "bad number '2x'" },
	{ "1.", 1, "bad number '1.'" },
	{ "1e", 1, "bad number '1e'" },
	{ ".", 1, "bad number '.'" },
	{ "1e999", 1, "number '1e999' is out of range" },
	{ "revenue % 2", 9, "unexpected '%'" },
	{ "revenue \x01", 9, "unexpected byte 0x01" },
	{ "\"revenue", 1, "unterminated quoted name" },
	{ "\"rev\nenue\"", 5, "control byte 0x0a in a name" },
	{ "+revenue", 1, "expected a metric, a number or '(', not '+'" },
	{ "revenue * * 2", 11, "not '*'" },
	{ "()", 2, "not ')'" },
	{ "revenue ^ 2", 9, "unexpected '^'" },
};

START_TEST(test_formula_errors)
{
	struct wsdef_formula *f = (void *)1;
	struct diag d;
	const char *t = formula_errors[_i].text;

	ck_assert_int_eq(wsdef_formula_parse(t, strlen(t), fmetrics,
					     N(fmetrics), &f, &d),
			 -EINVAL);
	ck_assert_ptr_null(f);
	ck_assert_msg(d.column == formula_errors[_i].column &&
			      strstr(d.msg, formula_errors[_i].msg),
		      "'%s': column %d: %s", t, d.column, d.msg);
	ck_assert_int_eq(d.line, 0);
}
END_TEST

/* Nesting, operand count and length at their limits and one past. */
START_TEST(test_formula_limits)
{
	struct wsdef_formula *f;
	struct buf text = BUF_INIT;
	struct diag d;
	double v;
	int i;

	/* 64 levels of right nesting, stacking two values a level */
	for (i = 0; i < WSDEF_FORMULA_MAX_DEPTH; i++)
		buf_addstr(&text, "1+2*(");
	buf_addstr(&text, "1");
	for (i = 0; i < WSDEF_FORMULA_MAX_DEPTH; i++)
		buf_addstr(&text, ")");
	ck_assert_int_eq(wsdef_formula_parse(text.data, text.len, NULL, 0, &f,
					     &d),
			 0);
	ck_assert_int_eq(wsdef_formula_eval(f, NULL, &v), 1);
	/* V(k) = 1 + 2 V(k-1), V(0) = 1: 2^65 - 1, which rounds to 2^65 */
	ck_assert_double_eq(v, ldexp(1.0, 65));
	wsdef_formula_free(f);
	buf_reset(&text);
	for (i = 0; i <= WSDEF_FORMULA_MAX_DEPTH; i++)
		buf_addstr(&text, "(");
	ck_assert_int_eq(wsdef_formula_parse(text.data, text.len, NULL, 0, &f,
					     &d),
			 -EINVAL);
	ck_assert_int_eq(d.column, WSDEF_FORMULA_MAX_DEPTH + 1);
	ck_assert_str_eq(d.msg, "nested deeper than 64 levels");
	/* unary minus counts as a level */
	buf_reset(&text);
	for (i = 0; i < WSDEF_FORMULA_MAX_DEPTH; i++)
		buf_addstr(&text, "-");
	buf_addstr(&text, "3");
	ck_assert_int_eq(wsdef_formula_parse(text.data, text.len, NULL, 0, &f,
					     &d),
			 0);
	ck_assert_int_eq(wsdef_formula_eval(f, NULL, &v), 1);
	ck_assert_double_eq(v, 3);
	wsdef_formula_free(f);
	buf_reset(&text);
	buf_addstr(&text, "(");
	for (i = 0; i < WSDEF_FORMULA_MAX_DEPTH; i++)
		buf_addstr(&text, "-");
	buf_addstr(&text, "3)");
	ck_assert_int_eq(wsdef_formula_parse(text.data, text.len, NULL, 0, &f,
					     &d),
			 -EINVAL);
	ck_assert_int_eq(d.column, WSDEF_FORMULA_MAX_DEPTH + 1);
	/* operands */
	buf_reset(&text);
	buf_addstr(&text, "orders");
	for (i = 1; i < WSDEF_FORMULA_MAX_TERMS; i++)
		buf_addstr(&text, "+1");
	ck_assert_int_eq(wsdef_formula_parse(text.data, text.len, fmetrics,
					     N(fmetrics), &f, &d),
			 0);
	ck_assert_int_eq(wsdef_formula_eval(f, fvals, &v), 1);
	ck_assert_double_eq(v, 4 + WSDEF_FORMULA_MAX_TERMS - 1);
	wsdef_formula_free(f);
	buf_addstr(&text, "+1");
	ck_assert_int_eq(wsdef_formula_parse(text.data, text.len, fmetrics,
					     N(fmetrics), &f, &d),
			 -EINVAL);
	ck_assert_int_eq(d.column, (int)text.len);
	ck_assert_str_eq(d.msg, "more than 1000 numbers and metrics");
	/* length */
	buf_reset(&text);
	for (i = 0; i < WSDEF_FORMULA_MAX_LEN - 1; i++)
		buf_addstr(&text, " ");
	buf_addstr(&text, "1");
	ck_assert_int_eq(wsdef_formula_parse(text.data, text.len, NULL, 0, &f,
					     &d),
			 0);
	wsdef_formula_free(f);
	buf_addstr(&text, " ");
	ck_assert_int_eq(wsdef_formula_parse(text.data, text.len, NULL, 0, &f,
					     &d),
			 -EINVAL);
	ck_assert_int_eq(d.column, 0);
	ck_assert_str_eq(d.msg, "formula is longer than 65536 bytes");
	buf_release(&text);
}
END_TEST

static Suite *wsdef_suite(void)
{
	Suite *s = suite_create("wsdef");
	TCase *tc;

	tc = tcase_create("date_ranges");
	tcase_add_loop_test(tc, test_date_days, 0, N(date_cases));
	tcase_add_test(tc, test_date_week_glibc);
	tcase_add_test(tc, test_date_month_steps);
	tcase_add_loop_test(tc, test_date_errors, 0, N(date_errors));
	tcase_add_test(tc, test_date_length);
	tcase_add_test(tc, test_range);
	suite_add_tcase(s, tc);

	tc = tcase_create("formulas");
	tcase_add_loop_test(tc, test_formula_eval, 0, N(formula_cases));
	tcase_add_test(tc, test_formula_refs_and_empty);
	tcase_add_loop_test(tc, test_formula_errors, 0, N(formula_errors));
	tcase_add_test(tc, test_formula_limits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(wsdef_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
