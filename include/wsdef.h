/*
 * wsdef.h - the definitions of Workspace objects (SPEC §7) that are
 * checked and that compute: date ranges, calculated metric formulas,
 * segment rules, annotations and audiences.  Pure model code: the
 * /workspace kinds parse their .ini files and call these.
 *
 * Errors.  A value that does not parse gives -EINVAL and fills *d (when d
 * is not NULL) as filter.h does: d->line = 0 (the caller knows the key's
 * line), d->column = the 1-based byte column in the value (its length + 1
 * for "at the end"), d->msg a lowercase message without the column.  The
 * caller turns the column in the value into the column in the file's
 * line (dv_raw_value) and prints "PATH:LINE: column N: KEY: message".
 * Other errors are -ENOMEM.
 */
#ifndef CJAFS_WSDEF_H
#define CJAFS_WSDEF_H

#include <stddef.h>
#include <stdint.h>

#include "inidoc.h" /* struct diag */

struct tz;

/*
 * Date range bounds
 * -----------------
 *   date   := BASE [ SIGN N UNIT ]
 *   BASE   := YYYY-MM-DD | today | start-of-week | start-of-month |
 *             start-of-year
 *   SIGN   := + | -          N := 1-6 digits, at most WSDEF_STEP_MAX
 *   UNIT   := d | w | m | y  (days, weeks of 7 days, months, years)
 *
 * Keywords and units are case-insensitive; spaces and tabs may surround
 * the sign (`today - 7d`), nowhere else.  `today` is the local date of
 * the instant of evaluation in the view's time zone; start-of-week is
 * the Monday on or before it, start-of-month its first day,
 * start-of-year its January 1st.  A month or year step keeps the day of
 * the month, or gives the target month's last day when it has no such
 * day (2024-01-31+1m is 2024-02-29, 2024-02-29+1y is 2025-02-28).
 * Results are clamped to 0000-01-01..9999-12-31, so evaluation cannot
 * fail.
 */
#define WSDEF_STEP_MAX 99999

enum wsdef_base {
	WSDEF_DATE,		/* a fixed day */
	WSDEF_TODAY,
	WSDEF_WEEK,		/* start-of-week */
	WSDEF_MONTH,		/* start-of-month */
	WSDEF_YEAR,		/* start-of-year */
};

struct wsdef_date {
	enum wsdef_base base;
	int64_t day;		/* WSDEF_DATE: days since 1970-01-01 */
	int64_t step;		/* signed count of unit; 0: none */
	char unit;		/* 'd', 'w', 'm' or 'y' */
};

/* Parse text[0..len) (need not be NUL-terminated) into *out (written only
 * on success).  -EINVAL with *d as above. */
int wsdef_date_parse(const char *text, size_t len, struct wsdef_date *out,
		     struct diag *d);

/* 1 if dt names a fixed day (no `today` or start-of-...). */
int wsdef_date_fixed(const struct wsdef_date *dt);

/* The day dt names (days since 1970-01-01) when evaluated at instant now
 * (seconds since the epoch) in zone z (NULL: UTC). */
int64_t wsdef_date_day(const struct wsdef_date *dt, const struct tz *z,
		       int64_t now);

/*
 * A date range: the inclusive days from start to end.  A range whose
 * start falls after its end holds no day (wsdef_range_days gives
 * *first > *last); wsdef_range_check refuses one whose bounds are both
 * fixed days, which could never hold one ("start 2024-03-01 is after end
 * 2024-02-01", column 0).
 */
int wsdef_range_check(const struct wsdef_date *start,
		      const struct wsdef_date *end, struct diag *d);
void wsdef_range_days(const struct wsdef_date *start,
		      const struct wsdef_date *end, const struct tz *z,
		      int64_t now, int64_t *first, int64_t *last);

/*
 * Calculated metric formulas
 * --------------------------
 *   formula := sum
 *   sum     := product { ("+" | "-") product }
 *   product := unary { ("*" | "/") unary }
 *   unary   := { "-" } primary
 *   primary := NUMBER | METRIC | "(" sum ")"
 *
 * - NUMBER: digits [ "." digits ] [ ("e" | "E") [+-] digits ], or "."
 *   digits: a word that starts with a digit or "." is a number (at most
 *   WSDEF_NUMBER_MAX bytes, finite), never a name.
 * - METRIC: a metric component of the home view by name: a bare word of
 *   A-Z a-z 0-9 . _ - that starts with a letter or "_", or any name in
 *   double quotes ("2024-revenue"; no escapes).  A '-' inside a bare word
 *   is part of the name, as object names allow it: subtracting one
 *   metric from another needs a space before the '-' (`revenue - cost`);
 *   an unknown `revenue-cost` says so.  Names are case-sensitive.
 * - Spaces, tabs, CR and LF separate tokens.  Operators group left to
 *   right; * and / bind tighter than + and -; unary minus tightest.
 * - Values are doubles.  The formula is evaluated per table row on the
 *   aggregated metric values; a division by zero, an empty (NaN) input
 *   or a result that is not finite gives an empty cell.
 *
 * Limits (untrusted input): at most WSDEF_FORMULA_MAX_LEN bytes,
 * WSDEF_FORMULA_MAX_TERMS operands (numbers and metrics) and
 * WSDEF_FORMULA_MAX_DEPTH levels of nesting, each "(" and each unary
 * "-" counting one.  Parsing and evaluation never recurse or stack
 * deeper than that; evaluation allocates nothing and may run
 * concurrently on one formula.
 */
#define WSDEF_FORMULA_MAX_LEN (64 * 1024)
#define WSDEF_FORMULA_MAX_TERMS 1000
#define WSDEF_FORMULA_MAX_DEPTH 64
#define WSDEF_NUMBER_MAX 64

struct wsdef_formula;

/*
 * Parse text[0..len) against the metric names metrics[0..nmetrics)
 * (NUL-terminated, borrowed for the call).  On success *out is a new
 * formula (wsdef_formula_free); on error *out is NULL and -EINVAL (*d:
 * "unknown metric 'x'" at its column, ...) or -ENOMEM.
 */
int wsdef_formula_parse(const char *text, size_t len,
			const char *const *metrics, size_t nmetrics,
			struct wsdef_formula **out, struct diag *d);

/* The distinct metrics f names, as indices into the parse's list, in
 * order of first use: which values the caller must compute. */
size_t wsdef_formula_nrefs(const struct wsdef_formula *f);
size_t wsdef_formula_ref(const struct wsdef_formula *f, size_t i);

/*
 * Evaluate f on one row: vals[i] is the aggregated value of metric i of
 * the parse's list (NaN: empty).  1 and *out, or 0 for an empty cell.
 */
int wsdef_formula_eval(const struct wsdef_formula *f, const double *vals,
		       double *out);

void wsdef_formula_free(struct wsdef_formula *f);

#endif
