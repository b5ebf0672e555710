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

struct mctx;
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

/* The same against stored view `view`'s metric components: what a
 * metric.ini commit checks.  -ENOENT when there is no such view. */
int wsdef_formula_check(struct mctx *c, const char *view, const char *text,
			size_t len, struct diag *d);

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

/*
 * Segments
 * --------
 * rule is the row filter language of filter.h (SPEC §4) over the home
 * view's dimension components, by name, and `day`; a dimension named
 * `day` is the component, not the date.  Each name compares the value
 * the view shows in rows.csv, whoever writes or reads: a bucketed
 * dimension its bucket's label, `day` the event's date in the view's
 * time zone.  A value any dimension's rules hide (`day` too, when a
 * dimension over it hides the date) is absent, as SQL's NULL
 * (filter_eval_absent): no test on it holds, whatever its operator,
 * nor does `not` of one; and and or combine as in SQL's three-valued
 * logic, so `not (page = x and land = de)` holds where the page is
 * hidden and land is fr.  rows.csv shows a hidden value blank, but
 * `page = ""` holds only where the page is the empty value.  So a
 * segment tests nothing its writer cannot read in rows.csv, and counts
 * nobody by a value the view hides.  An empty rule holds for every
 * event.
 *
 * Containers: an event segment keeps the events where the rule holds; a
 * session segment every event of each session (the view's session
 * rules) that has one; a person segment every event of each person who
 * has one.  exclude keeps the others instead: every event (session,
 * person) the segment does not keep, those whose values the rule found
 * absent included.  Only the events in the date range (first_day..
 * last_day, local days, tested on the day as the view shows it: an
 * event whose day the view hides or buckets is in no bounded range)
 * are tested and kept, so a person segment asks
 * whether the person had a matching event in the range, and a session
 * that straddles the range's edge is judged on its events inside it.
 */
struct buf;
struct dv_events;
struct dv_event;

enum wsdef_container { WSDEF_EVENT, WSDEF_SESSION, WSDEF_PERSON };

struct wsdef_segment;

/* "event", "session" or "person": 0 and *out, else -EINVAL. */
int wsdef_container_parse(const char *s, enum wsdef_container *out);

/*
 * Parse rule[0..len) and bind its names to dims[0..ndims) (borrowed for
 * the call) and `day`: *out a new segment (wsdef_segment_free).  Errors
 * as filter.h's (-EINVAL, *d with the column in the rule: "unknown
 * dimension 'x'" for a name that is no dimension), or -ENOMEM.
 */
int wsdef_segment_parse(const char *rule, size_t len,
			enum wsdef_container container, int exclude,
			const char *const *dims, size_t ndims,
			struct wsdef_segment **out, struct diag *d);

/* The same against stored view `view`'s dimension components: what a
 * segment.ini commit checks.  -ENOENT when there is no such view. */
int wsdef_segment_check(struct mctx *c, const char *view, const char *rule,
			size_t len, struct diag *d);

void wsdef_segment_free(struct wsdef_segment *s);

/*
 * Which segments apply, and how: every one (match_all) or any; the local
 * days first_day..last_day (day numbers as wsdef_date_day gives them;
 * INT64_MIN..INT64_MAX: the view's whole window).  An empty list keeps
 * every event of the range.
 */
struct wsdef_keep {
	struct wsdef_segment *const *seg;
	size_t nseg;
	int match_all;
	int64_t first_day, last_day;
};

/* The dv_events_open() flags the events need for k's segments. */
unsigned wsdef_keep_flags(const struct wsdef_keep *k);

/*
 * fn(arg, event) for each event of ev that k keeps, in the stream's
 * order.  ev must have been opened with wsdef_keep_flags(k).  Rebinds
 * the segments to ev's dimensions (so a segment serves one read at a
 * time: the caller parses its own copy per read): a name the view no
 * longer has is -EINVAL with *d (may be NULL) naming it.  Reads the events once, or
 * twice when a session or person segment is in k.  Memory: the persons
 * and sessions the segments hold, not the events.
 */
int wsdef_keep_each(struct dv_events *ev, struct mctx *c,
		    const struct wsdef_keep *k,
		    int (*fn)(void *arg, const struct dv_event *e), void *arg,
		    struct diag *d);

/* "all" (1) or "any" (0): 0 and *all, else -EINVAL. */
int wsdef_match_parse(const char *s, int *all);

/*
 * Audiences: people.csv of view `view` for the segments k names (the
 * whole window): a header line `person_id`, then each person id of the
 * events k keeps, once, in byte order, as CSV (csv_write_row_safe).
 * Appended to out.  Errors as wsdef_keep_each's.
 */
int wsdef_audience_people(struct mctx *c, const char *view,
			  struct wsdef_segment *const *seg, size_t nseg,
			  int match_all, struct buf *out, struct diag *d);
/* The same over events ev already opened (under the model's lock) with
 * wsdef_keep_flags() of these segments: its pass needs no lock, so a
 * stream opens in start() and computes here (people.csv). */
int wsdef_audience_people_ev(struct dv_events *ev, struct mctx *c,
			     struct wsdef_segment *const *seg, size_t nseg,
			     int match_all, struct buf *out, struct diag *d);

/*
 * Annotations
 * -----------
 * start and end are fixed days: a date bound (above) without today or
 * a start-of anchor (2024-03-01, or 2024-03-01+6d), since an annotation
 * marks days that happened and must not move with the clock; start may
 * not be after end (wsdef_range_check).  color is one of
 * WSDEF_COLORS.  text is at most WSDEF_TEXT_MAX bytes without control
 * bytes (tab allowed; C0 and DEL: it is shown in tables and pages); its
 * encoding is the writer's, as for every other value.
 */
#define WSDEF_COLORS "red, orange, yellow, green, teal, blue, purple, pink, gray"
#define WSDEF_TEXT_MAX 4096

/* A fixed day: 0 and *day, else -EINVAL with *d (a relative bound:
 * "an annotation's days are fixed ..." at column 1). */
int wsdef_fixed_day(const char *text, size_t len, int64_t *day,
		    struct diag *d);
/* 0 if s is one of WSDEF_COLORS, else -EINVAL with *d (column 1). */
int wsdef_color_check(const char *s, struct diag *d);
/* 0 if text[0..len) is an acceptable annotation text, else -EINVAL with
 * *d at the column of the first bad byte (or 0 for the length). */
int wsdef_text_check(const char *text, size_t len, struct diag *d);

/* An annotation a reader sees, for the `annotations` column. */
struct wsdef_note {
	const char *name;	/* borrowed */
	int64_t first, last;	/* days */
};

/*
 * Append to out the names of the notes that cover day (first <= day <=
 * last), in byte order, ';' between them (nothing when none does): the
 * `annotations` cell of a panel's row for that day.  0 or -ENOMEM.
 */
int wsdef_notes_cell(const struct wsdef_note *notes, size_t n, int64_t day,
		     struct buf *out);

#endif
