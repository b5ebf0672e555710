/*
 * check_wsdef.c - unit tests for model/wsdef.c: date range bounds,
 * calculated metric formulas, segment rules and audiences.
 *
 * Date ranges: hand-checked days (the weekdays, DST changes and local
 * dates were checked with Python's zoneinfo), the zones from the
 * system's tzdata; start-of-week is cross-checked with glibc's gmtime()
 * for every day of several years.
 *
 * Formulas: hand-computed values, every error with its column, the
 * limits at and one past them (tests/fuzz/fuzz_formula.c holds the
 * reference evaluator); then on each row of a view's report, against
 * the same formulas computed by sqlite3 from the CSV.
 *
 * Segments and audiences run over a real view (a fresh store in a
 * mkdtemp directory, records written directly as check_dataview.c does:
 * a dimension with exclude rules, a bucketed one, a plain one, one over
 * day hiding a date, in Europe/Berlin over a DST change) and are
 * compared with sqlite3 run on the same CSV, where the view's values
 * are written out in SQL (a hidden one NULL, a bucketed one its label),
 * sessions come from window functions and local dates from TZ.  Each
 * runs with events in time order (live sessions) and not, and with the
 * sorts in memory and spilling.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "buf.h"
#include "config.h"
#include "connection.h"
#include "csv.h"
#include "dataset.h"
#include "dataview.h"
#include "dvevents.h"
#include "mctx.h"
#include "model.h"
#include "object.h"
#include "protect.h"
#include "rows.h"
#include "store.h"
#include "timeparse.h"
#include "tz.h"
#include "workspace.h"
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
	struct wsdef_date dt, keep;
	struct diag d;
	const char *e = date_errors[_i].expr;

	/* whole, padding too: the bytes are compared */
	memset(&dt, 0, sizeof(dt));
	dt.base = WSDEF_TODAY;
	dt.day = 7;
	dt.step = 7;
	dt.unit = 'w';
	memcpy(&keep, &dt, sizeof(dt));

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
	/* a NUL byte is no unit (found by fuzz_daterange) */
	ck_assert_int_eq(wsdef_date_parse("today-4\0", 8, &dt, NULL),
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

/* --- segments and audiences over a view's events --- */

#define NOW 1780272000 /* 2026-06-01T00:00:00Z */

static char run_dir[PATH_MAX];
static char test_dir[PATH_MAX];
static struct store *st;
static struct config cfg;
static struct mctx ctx;

static void setup(void)
{
	char path[PATH_MAX + 16];
	struct buf err = BUF_INIT;

	ck_assert_int_lt(snprintf(test_dir, sizeof(test_dir), "%s/t.XXXXXX",
				  run_dir),
			 (int)sizeof(test_dir));
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
	snprintf(path, sizeof(path), "%s/store.tdb", test_dir);
	ck_assert_int_eq(store_open(path, STORE_CREATE | STORE_NOSYNC, &st,
				    &err),
			 0);
	buf_release(&err);
	memset(&cfg, 0, sizeof(cfg));
	cfg.ini_max_bytes = INIDOC_MAX_SIZE;
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = st;
	ctx.cfg = &cfg;
	ctx.now = NOW;
	dv_sort_budget = DV_SORT_BUDGET;
	inidoc_setup();
	ck_assert_int_eq(store_txn_begin(st), 0);
}

static int remove_one(const char *path, const struct stat *sb, int type,
		      struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void teardown(void)
{
	if (store_in_txn(st))
		store_txn_cancel(st);
	store_close(st);
	nftw(test_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	dv_sort_budget = DV_SORT_BUDGET;
}

static void ref_make(struct obj_ref *ref, enum kind k, int attr, const char *a,
		     const char *b)
{
	obj_ref_root(ref);
	ref->kind = k;
	ref->attr = attr;
	if (a) {
		snprintf(ref->names[0], sizeof(ref->names[0]), "%s", a);
		ref->nnames = 1;
	}
	if (b) {
		snprintf(ref->names[1], sizeof(ref->names[1]), "%s", b);
		ref->nnames = 2;
	}
}

static void put_ini(const struct obj_ref *obj, const char *field,
		    const struct inidoc_schema *schema, const char *text)
{
	struct inidoc doc;
	struct diag d;
	struct buf out = BUF_INIT;
	struct rec r = REC_INIT;
	int rc;

	rc = inidoc_parse(schema, text, strlen(text), NULL, &doc, &d);
	ck_assert_msg(rc == 0, "%s: %d: %s", text, d.line, d.msg);
	ck_assert_int_eq(inidoc_render(&doc, &out), 0);
	inidoc_release(&doc);
	rc = obj_load(&ctx, obj, &r);
	ck_assert(rc == 0 || rc == -ENOENT);
	ck_assert_int_eq(rec_set(&r, field, out.data, out.len), 0);
	ck_assert_int_eq(obj_save(&ctx, obj, &r), 0);
	rec_release(&r);
	buf_release(&out);
}

/* Connection c with event dataset ev holding csv (pid, ts, page,
 * country, value), its rows marked in time order when ordered. */
static void world(const char *csv, int ordered)
{
	struct obj_ref ref, dir;
	struct rec r = REC_INIT;
	struct rows_meta m;
	struct buf base = BUF_INIT;
	const char *p;
	int64_t n = 0;

	ref_make(&ref, KIND_CONNECTION, -1, "c", NULL);
	put_ini(&ref, "connection.ini", &connection_schema,
		"[connection]\nsandbox = prod\ndata_window_months = 60\n");
	ref_make(&dir, KIND_CONNECTIONS, -1, NULL, NULL);
	ck_assert_int_eq(obj_list_add(&ctx, &dir, "c"), 0);
	ref_make(&ref, KIND_DATASET, -1, "c", "ev");
	put_ini(&ref, "dataset.ini", &dataset_schema,
		"[dataset]\ntype = event\nperson_id = pid\ntimestamp = ts\n"
		"fields = pid, ts, page, country, value\n");
	ref_make(&dir, KIND_DATASETS, -1, "c", NULL);
	ck_assert_int_eq(obj_list_add(&ctx, &dir, "ev"), 0);
	for (p = csv; *p; p++)
		n += *p == '\n';
	ck_assert_int_eq(obj_load(&ctx, &ref, &r), 0);
	ck_assert_int_eq(rows_meta_get(&r, &m), 0);
	ck_assert_int_eq(obj_ref_object_path(&ref, &base), 0);
	ck_assert_int_eq(rows_append(&ctx, base.data, &m, csv, strlen(csv), n),
			 0);
	ck_assert_int_eq(rows_meta_set(&r, &m), 0);
	ck_assert_int_eq(rec_set_i64(&r, DATASET_TS_ORDERED, ordered), 0);
	ck_assert_int_eq(obj_save(&ctx, &ref, &r), 0);
	rec_release(&r);
	buf_release(&base);

	ref_make(&ref, KIND_DATAVIEW, -1, "v", NULL);
	put_ini(&ref, "dataview.ini", &dataview_schema,
		"[dataview]\nconnection = c\ntimezone = Europe/Berlin\n"
		"session_timeout_minutes = 30\n");
	ref_make(&dir, KIND_DATAVIEWS, -1, NULL, NULL);
	ck_assert_int_eq(obj_list_add(&ctx, &dir, "v"), 0);
}

static void comp(const char *name, const char *text)
{
	struct obj_ref ref, dir;
	struct rec r = REC_INIT;
	struct diag d;
	int rc;

	ref_make(&ref, KIND_COMPONENT, 0, "v", name);
	ck_assert_int_eq(obj_save(&ctx, &ref, &r), 0);
	rec_release(&r);
	ref_make(&dir, KIND_COMPONENTS, -1, "v", NULL);
	ck_assert_int_eq(obj_list_add(&ctx, &dir, name), 0);
	memset(&d, 0, sizeof(d));
	rc = component_ini_store(&ctx, &ref, text, strlen(text), &d);
	ck_assert_msg(rc == 0, "component %s: %d: column %d: %s", name, rc,
		      d.column, d.msg);
}

static int rnd(uint64_t *x, int m)
{
	*x = *x * 6364136223846793005u + 1442695040888963407u;
	return (int)((*x >> 33) % (uint64_t)m);
}

/* Lines "pid,ts,..." by ts */
static int cmp_line_ts(const void *a, const void *b)
{
	const struct buf *x = a, *y = b;
	long long tx = strtoll(strchr(x->data, ',') + 1, NULL, 10);
	long long ty = strtoll(strchr(y->data, ',') + 1, NULL, 10);

	return (tx > ty) - (tx < ty);
}

static const char *container_name(enum wsdef_container ct)
{
	return ct == WSDEF_EVENT ? "event" :
	       ct == WSDEF_SESSION ? "session" : "person";
}

/* The events: 25 people over 2026-03-20..04-05 (Berlin's spring DST
 * change on 03-29 inside), in sessions of 1-8 events 1-10 minutes apart,
 * 20-40 minutes (around the 30-minute timeout) or 1-48 hours between
 * sessions; pages of which the view hides two (and shows the empty
 * one), values that fall in each bucket or in none. */
static void gen_events(struct buf *csv, int ordered)
{
	static const char *const pages[] = { "home", "cart", "checkout",
					     "search", "secret", "help-faq",
					     "" };
	static const char *const lands[] = { "de", "fr", "us", "" };
	uint64_t x = 12345;
	struct buf *lines = calloc(4000, sizeof(*lines));
	const char *page, *land;
	int64_t t;
	int p, n = 0, k, left;

	ck_assert_ptr_nonnull(lines);
	for (p = 0; p < 25; p++) {
		t = 1773964800 + rnd(&x, 86400 * 3);	/* 2026-03-20 */
		while (t < 1775347200 && n < 3900) {	/* 2026-04-05 */
			for (left = 1 + rnd(&x, 8); left-- && n < 3900; n++) {
				char val[8];

				if (rnd(&x, 10) == 0)
					snprintf(val, sizeof(val), "n/a");
				else
					snprintf(val, sizeof(val), "%d",
						 rnd(&x, 100));
				buf_init(&lines[n]);
				page = pages[rnd(&x, 7)];
				land = lands[rnd(&x, 4)];
				buf_printf(&lines[n], "p%02d,%" PRId64
					   ",%s,%s,%s\n", p, t, page, land,
					   val);
				t += 60 + rnd(&x, 540);
			}
			/* a third around the timeout, else 1-48 hours */
			t += rnd(&x, 3) ? 3600 + rnd(&x, 172800) :
					  1200 + rnd(&x, 1200);
		}
	}
	ck_assert_int_lt(n, 3900);	/* every person is there */
	/* in time order, or as generated: by person */
	if (ordered)
		qsort(lines, (size_t)n, sizeof(*lines), cmp_line_ts);
	for (k = 0; k < n; k++) {
		buf_add(csv, lines[k].data, lines[k].len);
		buf_release(&lines[k]);
	}
	free(lines);
}

static void segment_world(int ordered)
{
	struct buf csv = BUF_INIT;
	char path[PATH_MAX + 16];
	FILE *f;

	gen_events(&csv, ordered);
	world(csv.data, ordered);
	comp("page", "[component]\nfield = page\n[include_exclude]\n"
		     "mode = exclude\nrules = equals:secret, "
		     "starts-with:help\n");
	comp("amount", "[component]\nfield = value\n[bucketing]\n"
		       "buckets = 0-10:low, 10-50:mid, 50-:high\n");
	comp("land", "[component]\nfield = country\n");
	/* hides the date of the DST change, `day` included */
	comp("when", "[component]\nfield = day\n[include_exclude]\n"
		     "mode = exclude\nrules = equals:2026-03-29\n");
	comp("n", "[component]\nkind = metric\nfield = occurrences\n");
	snprintf(path, sizeof(path), "%s/ev.csv", test_dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fwrite(csv.data, 1, csv.len, f), csv.len);
	ck_assert_int_eq(fclose(f), 0);
	buf_release(&csv);
}

/* The oracle: sqlite3 on the same CSV, with the view's values written
 * out in SQL (a value the view hides is NULL, so SQL's three-valued
 * logic decides a rule on it; a bucketed value is its label; a date
 * range goes by vday, the day as the view shows it: an event whose day
 * the view hides is in no range) and sessions by window functions, in
 * TZ Europe/Berlin for the local dates.  Runs sql after the setup;
 * out gets its output. */
static const char oracle_setup[] =
	"CREATE TABLE ev(pid TEXT, ts INTEGER, page TEXT, country TEXT, "
	"value TEXT);\n"
	".mode csv\n"
	".import ev.csv ev\n"
	".mode list\n"
	"CREATE VIEW v AS SELECT rowid AS r, pid, ts,\n"
	"  CASE WHEN page = 'secret' OR substr(page, 1, 4) = 'help'\n"
	"       THEN NULL ELSE page END AS vpage,\n"
	"  CASE WHEN value = 'n/a' THEN 'Other'\n"
	"       WHEN CAST(value AS INTEGER) < 10 THEN 'low'\n"
	"       WHEN CAST(value AS INTEGER) < 50 THEN 'mid'\n"
	"       ELSE 'high' END AS vamount,\n"
	"  country AS vland,\n"
	"  date(ts, 'unixepoch', 'localtime') AS rday,\n"
	"  nullif(date(ts, 'unixepoch', 'localtime'), '2026-03-29') AS vday,\n"
	"  CASE WHEN ts - lag(ts) OVER (PARTITION BY pid ORDER BY ts, rowid)\n"
	"       <= 1800 THEN 0 ELSE 1 END AS starts\n"
	"  FROM ev;\n"
	"CREATE VIEW s AS SELECT *, sum(starts) OVER (PARTITION BY pid\n"
	"  ORDER BY ts, r ROWS UNBOUNDED PRECEDING) AS sn FROM v;\n";

static void oracle(const char *sql, struct buf *out)
{
	char path[PATH_MAX + 16], cmd[PATH_MAX + 128], piece[4096];
	FILE *f;
	size_t n;
	int len;

	snprintf(path, sizeof(path), "%s/q.sql", test_dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(oracle_setup, f);
	fputs(sql, f);
	ck_assert_int_eq(fclose(f), 0);
	len = snprintf(cmd, sizeof(cmd),
		       "cd '%s' && TZ=Europe/Berlin sqlite3 -batch -bail "
		       ":memory: <q.sql 2>&1", test_dir);
	ck_assert_int_lt(len, (int)sizeof(cmd));
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	buf_reset(out);
	buf_add(out, "", 0);
	while ((n = fread(piece, 1, sizeof(piece), f)) > 0)
		buf_add(out, piece, n);
	len = pclose(f);
	ck_assert_msg(len == 0, "sqlite3: %d: %.500s", len, out->data);
}

static const struct {
	const char *rule;
	enum wsdef_container ct;
	int exclude;
	const char *sql;	/* the rule over v's columns */
	const char *first, *last;	/* the date range, NULL: all */
} seg_cases[] = {
	{ "page = home", WSDEF_EVENT, 0, "vpage = 'home'" },
	/* a hidden value is absent: nothing equals it */
	{ "page = secret", WSDEF_EVENT, 0, "vpage = 'secret'" },
	{ "page starts-with help", WSDEF_PERSON, 0,
	  "substr(vpage, 1, 4) = 'help'" },
	/* nor is it the empty value, nor does any other test hold on it,
	 * negated or not: NULL in SQL's three-valued logic */
	{ "page = \"\"", WSDEF_EVENT, 0, "vpage = ''" },
	{ "page = ''", WSDEF_PERSON, 0, "vpage = ''" },
	{ "page = \"\"", WSDEF_SESSION, 1, "vpage = ''" },
	{ "page != home", WSDEF_EVENT, 0, "vpage != 'home'" },
	{ "page != home", WSDEF_SESSION, 1, "vpage != 'home'" },
	{ "page < d", WSDEF_EVENT, 0, "vpage < 'd'" },
	{ "page <= cart", WSDEF_PERSON, 0, "vpage <= 'cart'" },
	{ "page > m", WSDEF_SESSION, 0, "vpage > 'm'" },
	{ "page >= \"\"", WSDEF_EVENT, 0, "vpage >= ''" },
	{ "page contains \"\"", WSDEF_EVENT, 0, "instr(vpage, '') > 0" },
	{ "page contains e", WSDEF_PERSON, 1, "instr(vpage, 'e') > 0" },
	{ "page starts-with \"\"", WSDEF_EVENT, 1,
	  "substr(vpage, 1, 0) = ''" },
	{ "page ends-with t", WSDEF_SESSION, 0, "substr(vpage, -1) = 't'" },
	{ "not page = home", WSDEF_EVENT, 0, "NOT vpage = 'home'" },
	{ "not not page != cart", WSDEF_PERSON, 0,
	  "NOT NOT vpage != 'cart'" },
	{ "not (page = home or land = de)", WSDEF_EVENT, 0,
	  "NOT (vpage = 'home' OR vland = 'de')" },
	{ "not (page = home and land = de)", WSDEF_EVENT, 0,
	  "NOT (vpage = 'home' AND vland = 'de')" },
	{ "not (land = fr and not page < s)", WSDEF_SESSION, 0,
	  "NOT (vland = 'fr' AND NOT vpage < 's')" },
	{ "land = \"\" or page = \"\"", WSDEF_EVENT, 0,
	  "vland = '' OR vpage = ''" },
	/* any value at all: exclude keeps the events without one */
	{ "page = home or page != home", WSDEF_EVENT, 0,
	  "vpage = 'home' OR vpage != 'home'" },
	{ "page = home or page != home", WSDEF_EVENT, 1,
	  "vpage = 'home' OR vpage != 'home'" },
	{ "page = x or not page = x", WSDEF_PERSON, 1,
	  "vpage = 'x' OR NOT vpage = 'x'" },
	/* `when` hides 2026-03-29, and so `day` */
	{ "day != 2026-03-29", WSDEF_EVENT, 0, "vday != '2026-03-29'" },
	{ "when = \"\" or day < 2026-03-22", WSDEF_SESSION, 0,
	  "vday = '' OR vday < '2026-03-22'" },
	{ "when >= 2026-03-28 and not day > 2026-03-30", WSDEF_EVENT, 1,
	  "vday >= '2026-03-28' AND NOT vday > '2026-03-30'" },
	{ "not (when = 2026-03-30 and page = cart)", WSDEF_PERSON, 0,
	  "NOT (vday = '2026-03-30' AND vpage = 'cart')" },
	/* a bucketed value shows its label only */
	{ "amount = high", WSDEF_SESSION, 0, "vamount = 'high'" },
	{ "amount = 75 or amount = 5", WSDEF_EVENT, 0, "0" },
	{ "amount < m", WSDEF_PERSON, 1, "vamount < 'm'" },
	{ "amount = Other and land = us", WSDEF_SESSION, 0,
	  "vamount = 'Other' AND vland = 'us'" },
	{ "land = de and not page starts-with c", WSDEF_PERSON, 0,
	  "vland = 'de' AND NOT substr(vpage, 1, 1) = 'c'" },
	{ "day >= 2026-03-29 and day <= 2026-03-30", WSDEF_PERSON, 1,
	  "vday >= '2026-03-29' AND vday <= '2026-03-30'" },
	{ "day = 2026-03-29", WSDEF_EVENT, 0, "vday = '2026-03-29'" },
	{ "page = checkout or amount = low", WSDEF_SESSION, 1,
	  "vpage = 'checkout' OR vamount = 'low'" },
	{ "land != fr", WSDEF_EVENT, 1, "vland != 'fr'" },
	{ "", WSDEF_EVENT, 0, "1" },
	{ "page = cart", WSDEF_PERSON, 0, "vpage = 'cart'", "2026-03-25",
	  "2026-03-31" },
	{ "page = cart", WSDEF_SESSION, 0, "vpage = 'cart'", "2026-03-28",
	  "2026-03-29" },
	{ "page = cart", WSDEF_EVENT, 1, "vpage = 'cart'", "2026-03-29",
	  "2026-03-29" },
};

static int kept_line(void *arg, const struct dv_event *e)
{
	struct buf *b = arg;

	buf_add(b, e->pid, e->pidlen);
	return buf_printf(b, ",%" PRId64 "\n", e->ts);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the lines of b in place (byte order). */
static void sort_lines(struct buf *b)
{
	struct buf out = BUF_INIT;
	char **line = NULL, *p, *save = NULL;
	size_t n = 0, i;

	for (p = strtok_r(b->data, "\n", &save); p;
	     p = strtok_r(NULL, "\n", &save)) {
		line = realloc(line, (n + 1) * sizeof(*line));
		ck_assert_ptr_nonnull(line);
		line[n++] = p;
	}
	if (n)
		qsort(line, n, sizeof(*line), cmp_str);
	buf_add(&out, "", 0);
	for (i = 0; i < n; i++)
		buf_printf(&out, "%s\n", line[i]);
	free(line);
	buf_release(b);
	*b = out;
}

static int64_t day_of(const char *ymd)
{
	return instant(ymd) / 86400;
}

/* Variants: events in time order (live sessions) or not, sorts in
 * memory or spilling a record at a time. */
static void variant(int i)
{
	dv_sort_budget = i & 2 ? 1 : DV_SORT_BUDGET;
	segment_world(i & 1);
}

START_TEST(test_segments_oracle)
{
	struct buf got = BUF_INIT, want = BUF_INIT, sql = BUF_INIT;
	const char *const dims[] = { "amount", "land", "page", "when" };
	size_t c, total = 0, kept = 0;

	variant(_i);
	oracle("SELECT count(*) FROM v;\n", &want);
	total = strtoul(want.data, NULL, 10);
	ck_assert_int_gt(total, 1000);
	for (c = 0; c < (size_t)N(seg_cases); c++) {
		struct wsdef_segment *s;
		struct wsdef_keep k = { &s, 1, 1, INT64_MIN, INT64_MAX };
		struct dv_events *ev;
		struct diag d;
		const char *r = seg_cases[c].rule, *range = "1";
		char rbuf[128];
		int rc;

		rc = wsdef_segment_parse(r, strlen(r), seg_cases[c].ct,
					 seg_cases[c].exclude, dims, N(dims),
					 &s, &d);
		ck_assert_msg(rc == 0, "'%s': column %d: %s", r, d.column,
			      d.msg);
		if (seg_cases[c].first) {
			k.first_day = day_of(seg_cases[c].first);
			k.last_day = day_of(seg_cases[c].last);
			snprintf(rbuf, sizeof(rbuf),
				 "vday BETWEEN '%s' AND '%s'",
				 seg_cases[c].first, seg_cases[c].last);
			range = rbuf;
		}
		ck_assert_int_eq(dv_events_open(&ctx, "v", wsdef_keep_flags(&k),
						&ev),
				 0);
		buf_reset(&got);
		buf_add(&got, "", 0);
		rc = wsdef_keep_each(ev, &ctx, &k, kept_line, &got, &d);
		ck_assert_msg(rc == 0, "'%s': %d", r, rc);
		dv_events_close(ev);
		wsdef_segment_free(s);
		sort_lines(&got);

		/* a segment keeps where the rule is true; exclude the
		 * others, where it is false or unknown (NULL) */
		buf_reset(&sql);
		buf_printf(&sql, "SELECT pid || ',' || ts FROM s WHERE (%s) "
				 "AND ",
			   range);
		if (seg_cases[c].ct == WSDEF_EVENT)
			buf_printf(&sql, "(%s) IS %sTRUE", seg_cases[c].sql,
				   seg_cases[c].exclude ? "NOT " : "");
		else if (seg_cases[c].ct == WSDEF_SESSION)
			buf_printf(&sql, "(pid, sn) %sIN (SELECT pid, sn "
					 "FROM s WHERE (%s) AND (%s))",
				   seg_cases[c].exclude ? "NOT " : "",
				   seg_cases[c].sql, range);
		else
			buf_printf(&sql, "pid %sIN (SELECT pid FROM s "
					 "WHERE (%s) AND (%s))",
				   seg_cases[c].exclude ? "NOT " : "",
				   seg_cases[c].sql, range);
		buf_addstr(&sql, " ORDER BY 1;\n");
		oracle(sql.data, &want);
		ck_assert_msg(!strcmp(got.data, want.data),
			      "variant %d, '%s' (%s%s): %zu bytes, sqlite3 "
			      "%zu:\n%.300s\n---\n%.300s", _i, r,
			      seg_cases[c].exclude ? "exclude " : "",
			      container_name(seg_cases[c].ct), got.len,
			      want.len, got.data, want.data);
		kept += got.len > 0;
	}
	/* the cases are not all empty or all full */
	ck_assert_int_gt(kept, N(seg_cases) / 2);
	buf_release(&got);
	buf_release(&want);
	buf_release(&sql);
}
END_TEST

/* The events carry rows.csv's cells: each dimension's cell in each
 * event equals rows.csv's column, row by row (a hidden value, NULL,
 * is blank there), and two passes give the same events with the same
 * sessions.  `day` is absent exactly where `when` is. */
struct cells {
	struct buf out;
	size_t ndims;
	uint64_t sess_sum;
	size_t absent, empty;
};

static int cells_row(void *arg, const struct dv_event *e)
{
	struct cells *cs = arg;
	const char *f[8];
	size_t l[8], i;

	for (i = 0; i < cs->ndims; i++) {
		f[i] = e->dim[i] ? e->dim[i] : "";
		l[i] = e->dimlen[i];
		ck_assert(e->dim[i] || !l[i]);
		cs->absent += !e->dim[i];
		cs->empty += e->dim[i] && !l[i];
	}
	ck_assert_int_eq(!e->day, !e->dim[cs->ndims - 1]);
	f[i] = "1";
	l[i] = 1;
	cs->sess_sum += e->session;
	return csv_write_row_safe(&cs->out, cs->ndims + 1, f, l);
}

START_TEST(test_events_are_rows_csv)
{
	const struct kind_stream_ops *ops;
	struct obj_ref ref;
	struct buf want = BUF_INIT, piece = BUF_INIT;
	struct cells a = { BUF_INIT }, b = { BUF_INIT };
	struct dv_events *ev;
	void *cur = NULL;
	int eof = 0;

	variant(_i);
	ref_make(&ref, KIND_DATAVIEW, 1, "v", NULL);
	ops = obj_ref_attr(&ref)->stream;
	ck_assert_int_eq(ops->start(&ctx, &ref, &cur), 0);
	buf_add(&want, "", 0);
	while (!eof) {
		ck_assert_int_eq(ops->next(&ctx, &ref, cur, &piece, &eof), 0);
		buf_add(&want, piece.data, piece.len);
	}
	ops->done(cur);
	ck_assert_int_eq(dv_events_open(&ctx, "v", DV_EVENTS_SESSIONS, &ev),
			 0);
	ck_assert_int_eq(dv_events_ndims(ev), 4);
	ck_assert_str_eq(dv_events_dim(ev, 0), "amount");
	ck_assert_str_eq(dv_events_dim(ev, 1), "land");
	ck_assert_str_eq(dv_events_dim(ev, 2), "page");
	ck_assert_str_eq(dv_events_dim(ev, 3), "when");
	a.ndims = b.ndims = 4;
	buf_addstr(&a.out, "amount,land,page,when,n\n");
	ck_assert_int_eq(dv_events_each(ev, &ctx, cells_row, &a), 0);
	ck_assert_msg(!strcmp(a.out.data, want.data), "events:\n%.400s\n"
		      "rows.csv:\n%.400s", a.out.data, want.data);
	ck_assert_ptr_nonnull(strstr(want.data, "Other,"));	/* buckets */
	ck_assert_ptr_nonnull(strstr(want.data, ",,1\n"));	/* hidden */
	ck_assert_int_gt(a.absent, 0);
	ck_assert_int_gt(a.empty, 0);	/* land's and page's empty values */
	buf_addstr(&b.out, "amount,land,page,when,n\n");
	ck_assert_int_eq(dv_events_each(ev, &ctx, cells_row, &b), 0);
	ck_assert_str_eq(a.out.data, b.out.data);
	ck_assert_int_gt(a.sess_sum, 0);
	ck_assert_int_eq(a.sess_sum, b.sess_sum);
	dv_events_close(ev);
	buf_release(&want);
	buf_release(&piece);
	buf_release(&a.out);
	buf_release(&b.out);
}
END_TEST

static const struct {
	const char *rule;
	int rc, column;
	const char *msg;
} check_cases[] = {
	{ "land = de and page = home", 0 },
	{ "day > 2026-01-01 or amount = low", 0 },
	{ "", 0 },
	/* a field is not a dimension: the component names it */
	{ "country = de", -EINVAL, 1, "unknown dimension 'country'" },
	{ "land = de or value > 3", -EINVAL, 14, "unknown dimension 'value'" },
	{ "n = 1", -EINVAL, 1, "unknown dimension 'n'" },	/* a metric */
	{ "land = ", -EINVAL, 8, "" },
	{ "(land = de", -EINVAL, 1, "" },
	{ "land ~ de", -EINVAL, 6, "" },
};

START_TEST(test_segment_check)
{
	struct diag d;
	const char *r = check_cases[_i].rule;
	int rc;

	segment_world(0);
	memset(&d, 0, sizeof(d));
	rc = wsdef_segment_check(&ctx, "v", r, strlen(r), &d);
	ck_assert_msg(rc == check_cases[_i].rc, "'%s': %d: column %d: %s", r,
		      rc, d.column, d.msg);
	if (rc) {
		ck_assert_int_eq(d.column, check_cases[_i].column);
		ck_assert_msg(strstr(d.msg, check_cases[_i].msg) && d.msg[0],
			      "'%s': %s", r, d.msg);
	}
	ck_assert_int_eq(wsdef_segment_check(&ctx, "nosuch", r, strlen(r),
					     &d),
			 -ENOENT);
}
END_TEST

/* A segment parsed against one set of dimensions, evaluated on a view
 * that lost one of them, fails naming it: it never shows other data. */
START_TEST(test_segment_gone)
{
	const char *const dims[] = { "amount", "land", "page", "old" };
	struct wsdef_segment *s;
	struct wsdef_keep k = { &s, 1, 1, INT64_MIN, INT64_MAX };
	struct dv_events *ev;
	struct buf got = BUF_INIT;
	struct diag d;

	segment_world(0);
	ck_assert_int_eq(wsdef_segment_parse("old = x or land = de", 20,
					     WSDEF_EVENT, 0, dims, N(dims),
					     &s, &d),
			 0);
	ck_assert_int_eq(dv_events_open(&ctx, "v", 0, &ev), 0);
	ck_assert_int_eq(wsdef_keep_each(ev, &ctx, &k, kept_line, &got, &d),
			 -EINVAL);
	ck_assert_int_eq(got.len, 0);
	ck_assert_int_eq(d.column, 1);
	ck_assert_ptr_nonnull(strstr(d.msg, "unknown dimension 'old'"));
	dv_events_close(ev);
	wsdef_segment_free(s);
	buf_release(&got);
}
END_TEST

/* people.csv against sqlite3: two segments, all and any, and none. */
START_TEST(test_audience_people)
{
	const char *const dims[] = { "amount", "land", "page" };
	struct wsdef_segment *seg[2];
	struct buf got = BUF_INIT, want = BUF_INIT;
	int all;

	variant(_i);
	ck_assert_int_eq(wsdef_segment_parse("page = checkout", 15,
					     WSDEF_PERSON, 0, dims, N(dims),
					     &seg[0], NULL),
			 0);
	ck_assert_int_eq(wsdef_segment_parse("land = us", 9, WSDEF_SESSION,
					     1, dims, N(dims), &seg[1], NULL),
			 0);
	for (all = 0; all < 2; all++) {
		buf_reset(&got);
		buf_add(&got, "", 0);
		ck_assert_int_eq(wsdef_audience_people(&ctx, "v", seg, 2, all,
						       &got, NULL),
				 0);
		oracle(all ? "SELECT 'person_id' UNION ALL SELECT * FROM ("
			     "SELECT DISTINCT pid FROM s WHERE pid IN "
			     "(SELECT pid FROM s WHERE vpage = 'checkout') "
			     "AND (pid, sn) NOT IN (SELECT pid, sn FROM s "
			     "WHERE vland = 'us') ORDER BY 1);\n" :
			     "SELECT 'person_id' UNION ALL SELECT * FROM ("
			     "SELECT DISTINCT pid FROM s WHERE pid IN "
			     "(SELECT pid FROM s WHERE vpage = 'checkout') "
			     "OR (pid, sn) NOT IN (SELECT pid, sn FROM s "
			     "WHERE vland = 'us') ORDER BY 1);\n",
		       &want);
		ck_assert_msg(!strcmp(got.data, want.data),
			      "match %s:\n%s---\n%s", all ? "all" : "any",
			      got.data, want.data);
	}
	/* no segment: everyone; a segment nobody matches: a header */
	buf_reset(&got);
	ck_assert_int_eq(wsdef_audience_people(&ctx, "v", NULL, 0, 1, &got,
					       NULL),
			 0);
	ck_assert_int_eq(strncmp(got.data, "person_id\np00\np01\n", 18), 0);
	ck_assert_msg(strstr(got.data, "\np24\n"), "%s", got.data);
	wsdef_segment_free(seg[1]);
	ck_assert_int_eq(wsdef_segment_parse("page = secret", 13,
					     WSDEF_PERSON, 0, dims, N(dims),
					     &seg[1], NULL),
			 0);
	buf_reset(&got);
	ck_assert_int_eq(wsdef_audience_people(&ctx, "v", &seg[1], 1, 1, &got,
					       NULL),
			 0);
	ck_assert_str_eq(got.data, "person_id\n");
	wsdef_segment_free(seg[0]);
	wsdef_segment_free(seg[1]);
	buf_release(&got);
	buf_release(&want);
}
END_TEST

/* people.csv's stream: events opened first (under the lock), the pass
 * after; the same text as wsdef_audience_people. */
START_TEST(test_audience_people_ev)
{
	const char *const dims[] = { "amount", "land", "page" };
	struct wsdef_segment *seg;
	struct wsdef_keep k;
	struct dv_events *ev = NULL;
	struct buf a = BUF_INIT, b = BUF_INIT;

	variant(_i);
	ck_assert_int_eq(wsdef_segment_parse("land = fr", 9, WSDEF_SESSION, 0,
					     dims, N(dims), &seg, NULL),
			 0);
	k = (struct wsdef_keep){ &seg, 1, 1, INT64_MIN, INT64_MAX };
	ck_assert_int_eq(wsdef_audience_people(&ctx, "v", &seg, 1, 1, &a,
					       NULL),
			 0);
	ck_assert_int_eq(dv_events_open(&ctx, "v", wsdef_keep_flags(&k), &ev),
			 0);
	ck_assert_int_eq(wsdef_audience_people_ev(ev, &ctx, &seg, 1, 1, &b,
						  NULL),
			 0);
	dv_events_close(ev);
	ck_assert_str_eq(a.data, b.data);
	ck_assert_int_gt(a.len, strlen("person_id\n"));
	wsdef_segment_free(seg);
	buf_release(&a);
	buf_release(&b);
}
END_TEST

/* Does a dimension show the person id unchanged (people.csv without
 * full_table_export)?  Only one over pid with no rules, no buckets, and
 * no other dimension hiding or bucketing the ids. */
START_TEST(test_person_shown)
{
	struct obj_ref ref, dir;

	world("p1,1774000000,home,de,1\n", 1);
	comp("page", "[component]\nfield = page\n");
	ck_assert_int_eq(dv_person_shown(&ctx, "v"), 0);
	comp("who", "[component]\nfield = pid\n[include_exclude]\n"
		    "mode = exclude\nrules = equals:p9\n");
	ck_assert_int_eq(dv_person_shown(&ctx, "v"), 0);
	comp("who", "[component]\nfield = pid\n");
	ck_assert_int_eq(dv_person_shown(&ctx, "v"), 1);
	/* buckets relabel the ids (a second dimension bucketing them while
	 * who shows them is refused at commit) */
	comp("who", "[component]\nfield = pid\n[bucketing]\n"
		    "buckets = 0-10:low\n");
	ck_assert_int_eq(dv_person_shown(&ctx, "v"), 0);
	ck_assert_int_eq(dv_person_shown(&ctx, "nope"), 0);
	/* a view without a connection shows nothing */
	ref_make(&ref, KIND_DATAVIEW, -1, "w", NULL);
	put_ini(&ref, "dataview.ini", &dataview_schema, "[dataview]\n");
	ref_make(&dir, KIND_DATAVIEWS, -1, NULL, NULL);
	ck_assert_int_eq(obj_list_add(&ctx, &dir, "w"), 0);
	ck_assert_int_eq(dv_person_shown(&ctx, "w"), 0);
}
END_TEST

/* --- annotations and the small keys --- */

START_TEST(test_annotation_keys)
{
	struct diag d;
	int64_t day;
	int all = -1;
	enum wsdef_container ct;
	char text[WSDEF_TEXT_MAX + 2];

	ck_assert_int_eq(wsdef_fixed_day("2024-02-29", 10, &day, &d), 0);
	ck_assert_int_eq(day, timeparse_days_from_civil(2024, 2, 29));
	ck_assert_int_eq(wsdef_fixed_day("2024-01-31+1m", 13, &day, &d), 0);
	ck_assert_int_eq(day, timeparse_days_from_civil(2024, 2, 29));
	ck_assert_int_eq(wsdef_fixed_day(" today", 6, &day, &d), -EINVAL);
	ck_assert_int_eq(d.column, 2);
	ck_assert_ptr_nonnull(strstr(d.msg, "fixed"));
	ck_assert_int_eq(wsdef_fixed_day("start-of-month-1d", 17, &day, &d),
			 -EINVAL);
	ck_assert_int_eq(wsdef_fixed_day("2024-02-30", 10, &day, &d),
			 -EINVAL);
	ck_assert_str_eq(d.msg, "no such date '2024-02-30'");

	ck_assert_int_eq(wsdef_color_check("teal", &d), 0);
	ck_assert_int_eq(wsdef_color_check("gray", &d), 0);
	ck_assert_int_eq(wsdef_color_check("grey", &d), -EINVAL);
	ck_assert_str_eq(d.msg, "unknown color 'grey': one of " WSDEF_COLORS);
	ck_assert_int_eq(wsdef_color_check("Red", &d), -EINVAL);
	ck_assert_int_eq(wsdef_color_check("", &d), -EINVAL);

	ck_assert_int_eq(wsdef_text_check("launch\tday \xc3\xa9", 13, &d), 0);
	ck_assert_int_eq(wsdef_text_check("a\x1b[2Jb", 6, &d), -EINVAL);
	ck_assert_int_eq(d.column, 2);
	ck_assert_str_eq(d.msg, "control byte 0x1b in the text");
	memset(text, 'x', sizeof(text));
	ck_assert_int_eq(wsdef_text_check(text, WSDEF_TEXT_MAX, &d), 0);
	ck_assert_int_eq(wsdef_text_check(text, WSDEF_TEXT_MAX + 1, &d),
			 -EINVAL);
	ck_assert_int_eq(d.column, 0);

	ck_assert_int_eq(wsdef_match_parse("all", &all), 0);
	ck_assert_int_eq(all, 1);
	ck_assert_int_eq(wsdef_match_parse("any", &all), 0);
	ck_assert_int_eq(all, 0);
	ck_assert_int_eq(wsdef_match_parse("ALL", &all), -EINVAL);
	ck_assert_int_eq(wsdef_container_parse("session", &ct), 0);
	ck_assert_int_eq(ct, WSDEF_SESSION);
	ck_assert_int_eq(wsdef_container_parse("person", &ct), 0);
	ck_assert_int_eq(ct, WSDEF_PERSON);
	ck_assert_int_eq(wsdef_container_parse("event", &ct), 0);
	ck_assert_int_eq(ct, WSDEF_EVENT);
	ck_assert_int_eq(wsdef_container_parse("visit", &ct), -EINVAL);
}
END_TEST

/* The annotations column: names covering the day, in byte order. */
START_TEST(test_notes_cell)
{
	const struct wsdef_note notes[] = {
		{ "sale", 100, 106 },
		{ "Launch", 103, 103 },
		{ "outage", 90, 100 },
		{ "later", 200, 300 },
	};
	static const struct {
		int64_t day;
		const char *cell;
	} want[] = {
		{ 89, "" },
		{ 90, "outage" },
		{ 100, "outage;sale" },
		{ 103, "Launch;sale" },
		{ 106, "sale" },
		{ 107, "" },
		{ 300, "later" },
	};
	struct buf out = BUF_INIT;
	int i;

	for (i = 0; i < N(want); i++) {
		buf_reset(&out);
		buf_add(&out, "", 0);
		ck_assert_int_eq(wsdef_notes_cell(notes, N(notes), want[i].day,
						  &out),
				 0);
		ck_assert_str_eq(out.data, want[i].cell);
	}
	buf_reset(&out);
	buf_add(&out, "", 0);
	ck_assert_int_eq(wsdef_notes_cell(NULL, 0, 5, &out), 0);
	ck_assert_str_eq(out.data, "");
	buf_release(&out);
}
END_TEST

/* --- formulas on a view's aggregated values --- */

/* metric.ini's check against the stored view: its metrics by name. */
START_TEST(test_formula_check)
{
	struct diag d;

	segment_world(0);
	comp("u", "[component]\nkind = metric\nfield = people\n");
	ck_assert_int_eq(wsdef_formula_check(&ctx, "v", "n / u", 5, &d), 0);
	ck_assert_int_eq(wsdef_formula_check(&ctx, "v", "n / page", 8, &d),
			 -EINVAL);
	ck_assert_int_eq(d.column, 5);
	ck_assert_str_eq(d.msg, "unknown metric 'page'");	/* a dimension */
	ck_assert_int_eq(wsdef_formula_check(&ctx, "nosuch", "n", 1, &d),
			 -ENOENT);
}
END_TEST

/* Formulas evaluated on each row of a report (the aggregated values a
 * panel will hand them) against the same formulas in SQL over the same
 * CSV: events per person, events per session, a share with a constant,
 * and a division by zero, per country. */
static const struct {
	const char *formula;
	const char *sql;	/* over n, u, s per country; NULL: empty */
} report_formulas[] = {
	{ "n / u", "n * 1.0 / u" },
	{ "(n - s) / s", "(n - s) * 1.0 / s" },
	{ "100 * s / n + -u", "100.0 * s / n - u" },
	{ "n / (u - u)", NULL },
};

START_TEST(test_formula_on_report)
{
	const char *const metrics[] = { "n", "s", "u" };	/* report order */
	struct buf rep = BUF_INIT, want = BUF_INIT, sql = BUF_INIT;
	struct obj_ref ref;
	const struct kind_stream_ops *ops;
	void *cur = NULL;
	struct buf piece = BUF_INIT;
	char *line, *save = NULL;
	int eof = 0, rows = 0;
	size_t i;

	segment_world(_i);
	comp("s", "[component]\nkind = metric\nfield = sessions\n");
	comp("u", "[component]\nkind = metric\nfield = people\n");
	ref_make(&ref, KIND_REPORT_FILE, 0, "v", "land");
	ops = obj_ref_attr(&ref)->stream;
	ck_assert_int_eq(ops->start(&ctx, &ref, &cur), 0);
	buf_add(&rep, "", 0);
	while (!eof) {
		ck_assert_int_eq(ops->next(&ctx, &ref, cur, &piece, &eof), 0);
		buf_add(&rep, piece.data, piece.len);
	}
	ops->done(cur);
	ck_assert_int_eq(strncmp(rep.data, "land,n,s,u\n", 11), 0);
	for (line = strtok_r(rep.data + 11, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), rows++) {
		char land[16] = "";
		double vals[3];
		size_t ll = strcspn(line, ",");

		/* the empty value is an item too */
		ck_assert_uint_lt(ll, sizeof(land));
		memcpy(land, line, ll);
		land[ll] = '\0';
		ck_assert_int_eq(sscanf(line + ll, ",%lf,%lf,%lf", &vals[0],
					&vals[1], &vals[2]),
				 3);
		for (i = 0; i < (size_t)N(report_formulas); i++) {
			struct wsdef_formula *f;
			const char *t = report_formulas[i].formula;
			double got, exp;

			ck_assert_int_eq(wsdef_formula_parse(t, strlen(t),
							     metrics, 3, &f,
							     NULL),
					 0);
			buf_reset(&sql);
			buf_printf(&sql, "WITH g AS (SELECT count(*) AS n, "
					 "count(DISTINCT pid) AS u, "
					 "count(DISTINCT pid || '/' || sn) AS s "
					 "FROM s WHERE vland = '%s') "
					 "SELECT %s FROM g;\n",
				   land, report_formulas[i].sql ?
						 report_formulas[i].sql :
						 "'empty'");
			oracle(sql.data, &want);
			if (!report_formulas[i].sql) {
				ck_assert_int_eq(wsdef_formula_eval(f, vals,
								    &got),
						 0);
				ck_assert_str_eq(want.data, "empty\n");
				wsdef_formula_free(f);
				continue;
			}
			ck_assert_int_eq(wsdef_formula_eval(f, vals, &got), 1);
			exp = strtod(want.data, NULL);
			ck_assert_msg(fabs(got - exp) <= 1e-12 * fabs(exp),
				      "%s for %s: %.17g, sqlite3 %s", t, land,
				      got, want.data);
			wsdef_formula_free(f);
		}
	}
	ck_assert_int_ge(rows, 3);
	buf_release(&rep);
	buf_release(&piece);
	buf_release(&want);
	buf_release(&sql);
}
END_TEST

/* --- panels (wspanel.c) against sqlite3 --- */

/* A Workspace object's .ini, stored as its commit would have left it. */
static void ws_put(enum kind k, const char *name, const char *panel,
		   const char *field, const struct inidoc_schema *schema,
		   const char *text)
{
	struct obj_ref ref;

	ref_make(&ref, k, 0, name, panel);
	put_ini(&ref, field, schema, text);
}

/* Read a panel's table whole, as a reader would. */
static int panel_read(const char *proj, const char *panel, struct buf *out)
{
	const struct kind_stream_ops *ops = &ws_panel_stream_ops;
	struct obj_ref ref;
	struct buf piece = BUF_INIT;
	void *cur = NULL;
	int eof = 0, rc;

	ref_make(&ref, KIND_WS_PANEL_CSV, 0, proj, panel);
	buf_reset(out);
	buf_add(out, "", 0);
	rc = ops->start(&ctx, &ref, &cur);
	while (!rc && !eof) {
		rc = ops->next(&ctx, &ref, cur, &piece, &eof);
		if (!rc)
			buf_add(out, piece.data, piece.len);
	}
	if (cur)
		ops->done(cur);
	buf_release(&piece);
	return rc;
}

/* The Workspace objects the panels name, on view v. */
static void panel_world(int variant_no)
{
	variant(variant_no);
	comp("u", "[component]\nkind = metric\nfield = people\n");
	comp("s", "[component]\nkind = metric\nfield = sessions\n");
	comp("c", "[component]\nkind = metric\nfield = country\n"
		  "aggregation = count\n");
	comp("dp", "[component]\nkind = metric\nfield = page\n"
		   "aggregation = distinct\n");
	ws_put(KIND_WS_PROJECT, "p", NULL, "project.ini", &ws_project_schema,
	       "[project]\ndataview = v\n");
	ws_put(KIND_WS_SEGMENT, "de", NULL, "segment.ini", &ws_segment_schema,
	       "[segment]\ndataview = v\ncontainer = session\n"
	       "rule = land = de\n");
	ws_put(KIND_WS_SEGMENT, "cart", NULL, "segment.ini",
	       &ws_segment_schema, "[segment]\ndataview = v\n"
	       "container = person\nrule = page = cart\n");
	ws_put(KIND_WS_SEGMENT, "notfr", NULL, "segment.ini",
	       &ws_segment_schema, "[segment]\ndataview = v\nexclude = true\n"
	       "rule = land = fr\n");
	ws_put(KIND_WS_METRIC, "r", NULL, "metric.ini", &ws_metric_schema,
	       "[metric]\ndataview = v\nformula = n / u\nprecision = 3\n");
	ws_put(KIND_WS_METRIC, "cn", NULL, "metric.ini", &ws_metric_schema,
	       "[metric]\ndataview = v\nformula = n\nsegment = cart\n"
	       "precision = 0\n");
	ws_put(KIND_WS_DATERANGE, "wk", NULL, "daterange.ini",
	       &ws_daterange_schema, "[date_range]\ndataview = v\n"
	       "start = 2026-03-25\nend = 2026-03-31\n");
}

static const struct {
	const char *name;
	const char *ini;
	const char *head;
	const char *sql;	/* the rows, over the oracle's view s */
	int calc;		/* 1: append n / u (fields 2, 3) as %.3f;
				 * 2: append an empty annotations cell */
} panel_cases[] = {
	{ "pages",
	  "[panel]\ndimension = page\nmetrics = n, u, s, c, dp, calc:r\n"
	  "segments = de\ndate_range = wk\n",
	  "page,n,u,s,c,dp,calc:r",
	  "WITH r AS (SELECT * FROM s WHERE vday BETWEEN '2026-03-25' AND "
	  "'2026-03-31'), k AS (SELECT * FROM r WHERE (pid, sn) IN (SELECT "
	  "pid, sn FROM r WHERE vland = 'de')) SELECT vpage || ',' || "
	  "count(*) || ',' || count(DISTINCT pid) || ',' || count(DISTINCT "
	  "pid || '/' || sn) || ',' || count(nullif(vland, '')) || ',' || "
	  "count(DISTINCT nullif(vpage, '')) FROM k WHERE vpage IS NOT NULL "
	  "GROUP BY vpage ORDER BY count(*) DESC, vpage;\n", 1 },
	{ "days",
	  "[panel]\ndimension = day\nmetrics = n, u\nsegments = cart, notfr\n"
	  "sort = day\norder = asc\n",
	  "day,n,u,annotations",
	  "SELECT vday || ',' || count(*) || ',' || count(DISTINCT pid) FROM "
	  "s WHERE vday IS NOT NULL AND pid IN (SELECT pid FROM s WHERE vpage "
	  "= 'cart') AND (vland = 'fr') IS NOT TRUE GROUP BY vday ORDER BY "
	  "vday;\n", 2 },
	{ "hours",
	  "[panel]\ndimension = hour\nmetrics = n, dp\nsort = hour\n"
	  "order = asc\n",
	  "hour,n,dp",
	  "SELECT strftime('%H', ts, 'unixepoch', 'localtime') || ',' || "
	  "count(*) || ',' || count(DISTINCT nullif(vpage, '')) FROM s WHERE "
	  "vday IS NOT NULL GROUP BY strftime('%H', ts, 'unixepoch', "
	  "'localtime') ORDER BY 1;\n", 0 },
	{ "weeks",
	  "[panel]\ndimension = week\nmetrics = calc:cn\n",
	  "week,calc:cn",
	  "WITH w AS (SELECT date(ts, 'unixepoch', 'localtime', 'weekday 0', "
	  "'-6 days') AS wk, pid FROM s WHERE vday IS NOT NULL) SELECT a.wk || "
	  "',' || coalesce(b.n, 0) FROM (SELECT wk FROM w GROUP BY wk) AS a "
	  "LEFT JOIN (SELECT wk, count(*) AS n FROM w WHERE pid IN (SELECT "
	  "pid FROM s WHERE vpage = 'cart') GROUP BY wk) AS b USING (wk) "
	  "ORDER BY coalesce(b.n, 0) DESC, a.wk;\n", 0 },
	{ "months",
	  "[panel]\ndimension = month\nmetrics = s, u\n",
	  "month,s,u",
	  "SELECT strftime('%Y-%m', ts, 'unixepoch', 'localtime') || ',' || "
	  "count(DISTINCT pid || '/' || sn) || ',' || count(DISTINCT pid) "
	  "FROM s WHERE vday IS NOT NULL GROUP BY strftime('%Y-%m', ts, "
	  "'unixepoch', 'localtime') ORDER BY count(DISTINCT pid || '/' || "
	  "sn) DESC, 1;\n", 0 },
	{ "buckets",
	  "[panel]\ndimension = amount\nmetrics = s, n\nsort = s\n"
	  "order = asc\nlimit = 2\n",
	  "amount,s,n",
	  "SELECT vamount || ',' || count(DISTINCT pid || '/' || sn) || ',' "
	  "|| count(*) FROM s GROUP BY vamount ORDER BY count(DISTINCT pid "
	  "|| '/' || sn), vamount LIMIT 2;\n", 0 },
};

/* Each panel's table equals sqlite3's, byte for byte, with events in
 * time order (live sessions) and not, sorts in memory and spilling. */
START_TEST(test_panels_oracle)
{
	struct buf got = BUF_INIT, rows = BUF_INIT, want = BUF_INIT;
	char *line, *save = NULL;
	size_t c;

	panel_world(_i);
	for (c = 0; c < (size_t)N(panel_cases); c++) {
		ws_put(KIND_WS_PANEL, "p", panel_cases[c].name, "panel",
		       &ws_panel_schema, panel_cases[c].ini);
		ck_assert_msg(panel_read("p", panel_cases[c].name, &got) == 0,
			      "%s", panel_cases[c].name);
		oracle(panel_cases[c].sql, &rows);
		buf_reset(&want);
		buf_printf(&want, "%s\n", panel_cases[c].head);
		for (line = strtok_r(rows.data, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			long n, u;

			buf_addstr(&want, line);
			if (panel_cases[c].calc == 1) {
				/* the formula in C's doubles and printf (as
				 * the daemon: sqlite3 3.40's printf rounds
				 * some halves the other way) */
				const char *f = strchr(line, ',');

				ck_assert_int_eq(sscanf(f, ",%ld,%ld", &n, &u),
						 2);
				buf_printf(&want, ",%.3f", (double)n / u);
			} else if (panel_cases[c].calc == 2) {
				buf_addch(&want, ',');
			}
			buf_addch(&want, '\n');
		}
		ck_assert_int_gt(want.len, strlen(panel_cases[c].head) + 8);
		ck_assert_msg(!strcmp(got.data, want.data),
			      "variant %d, %s: %zu bytes, sqlite3 %zu:\n%.400s"
			      "\n---\n%.400s", _i, panel_cases[c].name, got.len,
			      want.len, got.data, want.data);
	}
	buf_release(&got);
	buf_release(&rows);
	buf_release(&want);
}
END_TEST

/* What a panel uses, gone or never there: EINVAL, nothing else shown. */
START_TEST(test_panels_gone)
{
	static const struct {
		const char *ini;
	} bad[] = {
		{ "[panel]\ndimension = nope\nmetrics = n\n" },
		{ "[panel]\ndimension = page\nmetrics = n, gone\n" },
		{ "[panel]\ndimension = page\nmetrics = calc:gone\n" },
		{ "[panel]\ndimension = page\nsegments = gone\n" },
		{ "[panel]\ndimension = page\ndate_range = gone\n" },
		{ "[panel]\ndataview = gone\ndimension = page\n" },
		{ "[panel]\nmetrics = n\n" },
	};
	struct buf got = BUF_INIT;
	size_t i;

	panel_world(0);
	for (i = 0; i < (size_t)N(bad); i++) {
		ws_put(KIND_WS_PANEL, "p", "x", "panel", &ws_panel_schema,
		       bad[i].ini);
		ck_assert_msg(panel_read("p", "x", &got) == -EINVAL, "%s",
			      bad[i].ini);
		ck_assert_int_eq(got.len, 0);
	}
	/* a rule that no longer binds: its segment names a dimension gone */
	ws_put(KIND_WS_SEGMENT, "old", NULL, "segment.ini", &ws_segment_schema,
	       "[segment]\ndataview = v\nrule = nope = 1\n");
	ws_put(KIND_WS_PANEL, "p", "x", "panel", &ws_panel_schema,
	       "[panel]\ndimension = page\nmetrics = n\nsegments = old\n");
	ck_assert_int_eq(panel_read("p", "x", &got), -EINVAL);
	ws_put(KIND_WS_PANEL, "p", "x", "panel", &ws_panel_schema,
	       "[panel]\ndimension = page\nmetrics = n\n");
	ck_assert_int_eq(panel_read("p", "x", &got), 0);
	ck_assert_ptr_nonnull(strstr(got.data, "page,n\n"));
	buf_release(&got);
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

	tc = tcase_create("segments");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_segments_oracle, 0, 4);
	tcase_add_loop_test(tc, test_events_are_rows_csv, 0, 4);
	tcase_add_loop_test(tc, test_segment_check, 0, N(check_cases));
	tcase_add_test(tc, test_segment_gone);
	suite_add_tcase(s, tc);

	tc = tcase_create("formulas_on_views");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_formula_check);
	tcase_add_loop_test(tc, test_formula_on_report, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("panels");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_panels_oracle, 0, 4);
	tcase_add_test(tc, test_panels_gone);
	suite_add_tcase(s, tc);

	tc = tcase_create("annotations");
	tcase_add_test(tc, test_annotation_keys);
	tcase_add_test(tc, test_notes_cell);
	suite_add_tcase(s, tc);

	tc = tcase_create("audiences");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_audience_people, 0, 4);
	tcase_add_loop_test(tc, test_audience_people_ev, 0, 2);
	tcase_add_test(tc, test_person_shown);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	SRunner *sr;
	int failed;

	if (snprintf(run_dir, sizeof(run_dir), "%s/check_wsdef.XXXXXX",
		     tmp && *tmp ? tmp : "/tmp") >= (int)sizeof(run_dir) ||
	    !mkdtemp(run_dir)) {
		perror("check_wsdef: mkdtemp");
		return EXIT_FAILURE;
	}
	sr = srunner_create(wsdef_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(run_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
