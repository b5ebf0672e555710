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
 *
 * Formulas.  A recursive-descent parser (bounded by the nesting limit,
 * so by WSDEF_FORMULA_MAX_DEPTH frames) emits a postfix program; the
 * evaluator runs it on a stack array whose size follows from the same
 * limit (each nesting level holds at most two pending values), so a
 * row's evaluation allocates nothing.  Metric names are the view's
 * component names, which may hold '-': a bare word runs to its end, and
 * an unknown name with a '-' says how to subtract.  Empty cells are NaN
 * inside; a division by zero makes one, and any result that is not
 * finite is an empty cell rather than "inf" in a table.
 *
 * Segments.  A rule is a filter.h filter, bound to the view's dimension
 * components (by name) and `day`, evaluated on the values rows.csv
 * shows: the view engine hands out each event with its dimensions'
 * cells (dvevents.h), computed by the same code as rows.csv, so what a
 * segment tests is exactly what its writer could read there, and no
 * rule of include/exclude or bucketing is re-implemented here.  Event
 * segments are judged per event in one pass.  Session and person
 * segments take two passes over the same snapshot: the first notes
 * which sessions (a bit per session number) and persons (an interned
 * id table) hold a matching event in the date range, the second keeps
 * the events of those.  Memory grows with sessions and persons, never
 * with events.  A segment is bound again against the view's dimensions
 * at every read, so one that names a dimension the view has lost fails
 * (-EINVAL naming it) rather than reading the name as empty.
 *
 * Audiences.  people.csv is the distinct person ids of the events the
 * segments keep over the view's window, sorted by bytes so that reads
 * compare and diff, written with csv_write_row_safe like every CSV the
 * view produces.
 */
#define _GNU_SOURCE /* qsort_r */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "dataview.h"
#include "dvevents.h"
#include "filter.h"
#include "mctx.h"
#include "object.h"
#include "strtab.h"
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
	/* not strchr: it finds a NUL byte in the value too */
	if (i == len || !memchr("dwmyDWMY", s[i], 8))
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

/* --- calculated metric formulas --- */

enum fop { FOP_NUM, FOP_METRIC, FOP_NEG, FOP_ADD, FOP_SUB, FOP_MUL, FOP_DIV };

struct fop_ins {
	enum fop op;
	size_t metric;		/* FOP_METRIC: index in the parse's list */
	double num;		/* FOP_NUM */
};

/* Each pending operator of a nesting level holds one value: a level has
 * at most two (a sum's left side and a product's), the innermost one
 * more. */
#define FORMULA_STACK (2 * (WSDEF_FORMULA_MAX_DEPTH + 1) + 1)

struct wsdef_formula {
	struct fop_ins *ins;	/* postfix program */
	size_t nins;
	size_t *refs;		/* distinct metrics, first use first */
	size_t nrefs;
};

enum ftok { FT_END, FT_NUM, FT_NAME, FT_LP, FT_RP, FT_ADD, FT_SUB, FT_MUL,
	    FT_DIV, FT_BAD };

struct fparse {
	const char *s;
	size_t len, pos;
	const char *const *metrics;
	size_t nmetrics;
	enum ftok tok;
	size_t tcol;		/* 1-based column of the token */
	const char *t;		/* the token's text (a name: without quotes) */
	size_t tlen;
	int quoted;		/* FT_NAME in double quotes */
	double num;
	int depth, terms;
	size_t height, cap;
	struct wsdef_formula *f;
	unsigned char *seen;	/* per metric: in refs already */
	struct diag *d;
};

static int name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int name_byte(char c)
{
	return name_start(c) || is_digit(c) || c == '.' || c == '-';
}

/* A number at s[i..] as the header has it: its length, 0 if none. */
static size_t number_len(const char *s, size_t len, size_t i)
{
	size_t j = i, k;

	while (j < len && is_digit(s[j]))
		j++;
	if (j < len && s[j] == '.') {
		k = ++j;
		while (j < len && is_digit(s[j]))
			j++;
		if (j == k)
			return 0;	/* "1." and "." */
	}
	if (j < len && (s[j] == 'e' || s[j] == 'E')) {
		j++;
		if (j < len && (s[j] == '+' || s[j] == '-'))
			j++;
		k = j;
		while (j < len && is_digit(s[j]))
			j++;
		if (j == k)
			return 0;
	}
	return j - i;
}

static int fp_err(struct fparse *fp, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fp_err(struct fparse *fp, size_t col, const char *fmt, ...)
{
	va_list ap;

	if (fp->d) {
		memset(fp->d, 0, sizeof(*fp->d));
		fp->d->column = (int)col;
		va_start(ap, fmt);
		vsnprintf(fp->d->msg, sizeof(fp->d->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The next token; -EINVAL for a malformed number or name. */
static int fp_lex(struct fparse *fp)
{
	const char *s = fp->s;
	size_t i, n;
	char buf[WSDEF_NUMBER_MAX + 1], *end;

	while (fp->pos < fp->len && strchr(" \t\r\n", s[fp->pos]) &&
	       s[fp->pos])
		fp->pos++;
	i = fp->pos;
	fp->tcol = i + 1;
	fp->t = s + i;
	fp->tlen = 1;
	fp->quoted = 0;
	if (i == fp->len) {
		fp->tok = FT_END;
		fp->tlen = 0;
		return 0;
	}
	switch (s[i]) {
	case '(': fp->tok = FT_LP; break;
	case ')': fp->tok = FT_RP; break;
	case '+': fp->tok = FT_ADD; break;
	case '-': fp->tok = FT_SUB; break;
	case '*': fp->tok = FT_MUL; break;
	case '/': fp->tok = FT_DIV; break;
	default: fp->tok = FT_BAD; break;
	}
	if (fp->tok != FT_BAD) {
		fp->pos++;
		return 0;
	}
	if (is_digit(s[i]) || s[i] == '.') {
		n = number_len(s, fp->len, i);
		if (!n || (i + n < fp->len && name_byte(s[i + n]))) {
			for (n = 0; i + n < fp->len && name_byte(s[i + n]);)
				n++;
			return fp_err(fp, i + 1, "bad number '%.*s'",
				      n > 32 ? 32 : (int)n, s + i);
		}
		if (n > WSDEF_NUMBER_MAX)
			return fp_err(fp, i + 1,
				      "number is longer than %d bytes",
				      WSDEF_NUMBER_MAX);
		memcpy(buf, s + i, n);
		buf[n] = '\0';
		fp->num = strtod(buf, &end);
		if (end != buf + n || !isfinite(fp->num))
			return fp_err(fp, i + 1,
				      "number '%s' is out of range", buf);
		fp->tok = FT_NUM;
		fp->tlen = n;
		fp->pos = i + n;
		return 0;
	}
	if (name_start(s[i])) {
		for (n = 0; i + n < fp->len && name_byte(s[i + n]);)
			n++;
		fp->tok = FT_NAME;
		fp->tlen = n;
		fp->pos = i + n;
		return 0;
	}
	if (s[i] == '"') {
		const char *q = memchr(s + i + 1, '"', fp->len - i - 1);

		if (!q)
			return fp_err(fp, i + 1, "unterminated quoted name");
		for (n = i + 1; s + n < q; n++)
			if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f)
				return fp_err(fp, n + 1,
					      "control byte 0x%02x in a name",
					      (unsigned char)s[n]);
		fp->tok = FT_NAME;
		fp->quoted = 1;
		fp->t = s + i + 1;
		fp->tlen = (size_t)(q - s) - i - 1;
		fp->pos = (size_t)(q - s) + 1;
		return 0;
	}
	if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
		return fp_err(fp, i + 1, "unexpected byte 0x%02x",
			      (unsigned char)s[i]);
	return fp_err(fp, i + 1, "unexpected '%c'", s[i]);
}

static int fp_emit(struct fparse *fp, enum fop op, size_t metric,
		   double num)
{
	struct fop_ins *ins;

	if (fp->f->nins == fp->cap) {
		size_t cap = fp->cap ? fp->cap * 2 : 16;

		ins = realloc(fp->f->ins, cap * sizeof(*ins));
		if (!ins)
			return -ENOMEM;
		fp->f->ins = ins;
		fp->cap = cap;
	}
	ins = &fp->f->ins[fp->f->nins++];
	ins->op = op;
	ins->metric = metric;
	ins->num = num;
	if (op == FOP_NUM || op == FOP_METRIC)
		fp->height++;
	else if (op != FOP_NEG)
		fp->height--;
	assert(fp->height <= FORMULA_STACK);
	return 0;
}

static int fp_sum(struct fparse *fp);

/* One metric name: its index in the list. */
static int fp_metric(struct fparse *fp, size_t *idx)
{
	size_t i;

	for (i = 0; i < fp->nmetrics; i++)
		if (strlen(fp->metrics[i]) == fp->tlen &&
		    !memcmp(fp->metrics[i], fp->t, fp->tlen))
			break;
	if (i == fp->nmetrics) {
		int show = fp->tlen > 128 ? 128 : (int)fp->tlen;

		if (!fp->quoted && memchr(fp->t, '-', fp->tlen))
			return fp_err(fp, fp->tcol,
				      "unknown metric '%.*s' (to subtract, "
				      "put a space before '-')",
				      show, fp->t);
		return fp_err(fp, fp->tcol, "unknown metric '%.*s'", show,
			      fp->t);
	}
	if (!fp->seen[i]) {
		fp->seen[i] = 1;
		fp->f->refs[fp->f->nrefs++] = i;
	}
	*idx = i;
	return 0;
}

static int fp_primary(struct fparse *fp)
{
	size_t idx = 0, col;
	int rc;

	switch (fp->tok) {
	case FT_NUM:
	case FT_NAME:
		if (++fp->terms > WSDEF_FORMULA_MAX_TERMS)
			return fp_err(fp, fp->tcol,
				      "more than %d numbers and metrics",
				      WSDEF_FORMULA_MAX_TERMS);
		if (fp->tok == FT_NUM) {
			rc = fp_emit(fp, FOP_NUM, 0, fp->num);
		} else {
			rc = fp_metric(fp, &idx);
			if (!rc)
				rc = fp_emit(fp, FOP_METRIC, idx, 0);
		}
		return rc ? rc : fp_lex(fp);
	case FT_LP:
		col = fp->tcol;
		if (++fp->depth > WSDEF_FORMULA_MAX_DEPTH)
			return fp_err(fp, col, "nested deeper than %d levels",
				      WSDEF_FORMULA_MAX_DEPTH);
		rc = fp_lex(fp);
		if (!rc)
			rc = fp_sum(fp);
		if (rc)
			return rc;
		if (fp->tok != FT_RP)
			return fp_err(fp, fp->tcol,
				      "expected ')' to close the '(' at "
				      "column %zu", col);
		fp->depth--;
		return fp_lex(fp);
	case FT_END:
		return fp_err(fp, fp->tcol,
			      "expected a metric, a number or '(' at the end");
	default:
		return fp_err(fp, fp->tcol,
			      "expected a metric, a number or '(', not '%.*s'",
			      (int)fp->tlen, fp->t);
	}
}

static int fp_unary(struct fparse *fp)
{
	int neg = 0, depth = fp->depth, rc;

	while (fp->tok == FT_SUB) {
		if (++fp->depth > WSDEF_FORMULA_MAX_DEPTH)
			return fp_err(fp, fp->tcol,
				      "nested deeper than %d levels",
				      WSDEF_FORMULA_MAX_DEPTH);
		neg++;
		rc = fp_lex(fp);
		if (rc)
			return rc;
	}
	rc = fp_primary(fp);
	for (; !rc && neg; neg--)
		rc = fp_emit(fp, FOP_NEG, 0, 0);
	fp->depth = depth;
	return rc;
}

static int fp_product(struct fparse *fp)
{
	enum ftok op;
	int rc = fp_unary(fp);

	while (!rc && (fp->tok == FT_MUL || fp->tok == FT_DIV)) {
		op = fp->tok;
		rc = fp_lex(fp);
		if (!rc)
			rc = fp_unary(fp);
		if (!rc)
			rc = fp_emit(fp, op == FT_MUL ? FOP_MUL : FOP_DIV, 0,
				     0);
	}
	return rc;
}

static int fp_sum(struct fparse *fp)
{
	enum ftok op;
	int rc = fp_product(fp);

	while (!rc && (fp->tok == FT_ADD || fp->tok == FT_SUB)) {
		op = fp->tok;
		rc = fp_lex(fp);
		if (!rc)
			rc = fp_product(fp);
		if (!rc)
			rc = fp_emit(fp, op == FT_ADD ? FOP_ADD : FOP_SUB, 0,
				     0);
	}
	return rc;
}

int wsdef_formula_parse(const char *text, size_t len,
			const char *const *metrics, size_t nmetrics,
			struct wsdef_formula **out, struct diag *d)
{
	struct fparse fp = { .s = text, .len = len, .metrics = metrics,
			     .nmetrics = nmetrics, .d = d };
	int rc;

	*out = NULL;
	if (len > WSDEF_FORMULA_MAX_LEN)
		return fp_err(&fp, 0, "formula is longer than %d bytes",
			      WSDEF_FORMULA_MAX_LEN);
	fp.f = calloc(1, sizeof(*fp.f));
	fp.seen = calloc(nmetrics ? nmetrics : 1, 1);
	if (!fp.f || !fp.seen) {
		rc = -ENOMEM;
		goto out;
	}
	fp.f->refs = calloc(nmetrics ? nmetrics : 1, sizeof(*fp.f->refs));
	if (!fp.f->refs) {
		rc = -ENOMEM;
		goto out;
	}
	rc = fp_lex(&fp);
	if (!rc)
		rc = fp_sum(&fp);
	if (!rc && fp.tok == FT_RP)
		rc = fp_err(&fp, fp.tcol, "unmatched ')'");
	else if (!rc && fp.tok != FT_END)
		rc = fp_err(&fp, fp.tcol,
			    "expected an operator (+ - * /), not '%.*s'",
			    (int)(fp.tlen > 64 ? 64 : fp.tlen), fp.t);
	if (!rc) {
		assert(fp.height == 1);
		*out = fp.f;
		fp.f = NULL;
	}
out:
	free(fp.seen);
	wsdef_formula_free(fp.f);
	return rc;
}

size_t wsdef_formula_nrefs(const struct wsdef_formula *f)
{
	return f->nrefs;
}

size_t wsdef_formula_ref(const struct wsdef_formula *f, size_t i)
{
	return f->refs[i];
}

int wsdef_formula_eval(const struct wsdef_formula *f, const double *vals,
		       double *out)
{
	double st[FORMULA_STACK], b;
	size_t n = 0, i;

	for (i = 0; i < f->nins; i++) {
		const struct fop_ins *in = &f->ins[i];

		switch (in->op) {
		case FOP_NUM:
			st[n++] = in->num;
			continue;
		case FOP_METRIC:
			st[n++] = vals[in->metric];
			continue;
		case FOP_NEG:
			st[n - 1] = -st[n - 1];
			continue;
		default:
			break;
		}
		b = st[--n];
		switch (in->op) {
		case FOP_ADD:
			st[n - 1] += b;
			break;
		case FOP_SUB:
			st[n - 1] -= b;
			break;
		case FOP_MUL:
			st[n - 1] *= b;
			break;
		default:	/* FOP_DIV: by zero is an empty cell */
			st[n - 1] = b == 0 ? NAN : st[n - 1] / b;
			break;
		}
	}
	if (n != 1 || !isfinite(st[0]))
		return 0;
	*out = st[0];
	return 1;
}

void wsdef_formula_free(struct wsdef_formula *f)
{
	if (!f)
		return;
	free(f->ins);
	free(f->refs);
	free(f);
}

/* --- segments --- */

struct wsdef_segment {
	struct filter *rule;
	enum wsdef_container container;
	int exclude;
};

static const char *const container_names[] = {
	[WSDEF_EVENT] = "event",
	[WSDEF_SESSION] = "session",
	[WSDEF_PERSON] = "person",
};

int wsdef_container_parse(const char *s, enum wsdef_container *out)
{
	size_t i;

	for (i = 0; i < sizeof(container_names) / sizeof(*container_names);
	     i++)
		if (!strcmp(s, container_names[i])) {
			*out = (enum wsdef_container)i;
			return 0;
		}
	return -EINVAL;
}

/* Names a segment binds: dimensions first (a dimension called day is
 * the dimension), then `day` at index ndims. */
struct seg_names {
	const char *const *dims;
	size_t ndims;
	char unknown[OBJ_NAME_MAX + 1];
};

static int seg_resolve(void *arg, const char *name, size_t len)
{
	struct seg_names *sn = arg;
	size_t i;

	for (i = 0; i < sn->ndims; i++)
		if (!strcmp(sn->dims[i], name))
			return (int)i;
	if (!strcmp(name, "day"))
		return (int)sn->ndims;
	snprintf(sn->unknown, sizeof(sn->unknown), "%s", name);
	return -1;
}

static int seg_bind(struct filter *f, const char *const *dims, size_t ndims,
		    struct diag *d)
{
	struct seg_names sn = { dims, ndims, "" };
	struct diag fd;
	int rc;

	memset(&fd, 0, sizeof(fd));
	rc = filter_bind(f, seg_resolve, &sn, &fd);
	if (rc == -EINVAL && sn.unknown[0])
		snprintf(fd.msg, sizeof(fd.msg),
			 "unknown dimension '%s' (a segment names the "
			 "view's dimension components and day)",
			 sn.unknown);
	if (rc && d)
		*d = fd;
	return rc;
}

int wsdef_segment_parse(const char *rule, size_t len,
			enum wsdef_container container, int exclude,
			const char *const *dims, size_t ndims,
			struct wsdef_segment **out, struct diag *d)
{
	struct wsdef_segment *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->container = container;
	s->exclude = !!exclude;
	rc = filter_parse(rule, len, &s->rule, d);
	if (!rc)
		rc = seg_bind(s->rule, dims, ndims, d);
	if (rc) {
		wsdef_segment_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* The names of view's components of one kind, for the checks. */
struct comp_names {
	const char *kind;	/* "dimension" or "metric" */
	struct buf text;	/* the names, each NUL-terminated */
	const char **name;
	size_t n;
};

static int comp_collect(const struct obj_ref *ref, const struct inidoc *doc,
			void *arg)
{
	struct comp_names *cn = arg;

	if (strcmp(inidoc_get(doc, "component", "kind"), cn->kind))
		return 0;
	cn->n++;
	return buf_add(&cn->text, ref->names[1], strlen(ref->names[1]) + 1);
}

/* -ENOENT when there is no view of that name. */
static int comp_names_load(struct mctx *c, const char *view,
			   struct comp_names *cn)
{
	struct obj_ref ref;
	size_t i, k = 0;
	int rc;

	obj_ref_root(&ref);
	ref.kind = KIND_DATAVIEW;
	ref.nnames = 1;
	snprintf(ref.names[0], sizeof(ref.names[0]), "%s", view);
	if (!obj_exists(c, &ref))
		return -ENOENT;
	rc = dv_each_component(c, view, comp_collect, cn);
	if (rc)
		return rc;
	cn->name = calloc(cn->n + 1, sizeof(*cn->name));
	if (!cn->name)
		return -ENOMEM;
	for (i = 0; i < cn->text.len; i += strlen(cn->text.data + i) + 1)
		cn->name[k++] = cn->text.data + i;
	return 0;
}

static void comp_names_release(struct comp_names *cn)
{
	free(cn->name);
	cn->name = NULL;
	buf_release(&cn->text);
}

int wsdef_segment_check(struct mctx *c, const char *view, const char *rule,
			size_t len, struct diag *d)
{
	struct comp_names cn = { "dimension", BUF_INIT };
	struct wsdef_segment *s = NULL;
	int rc = comp_names_load(c, view, &cn);

	if (!rc)
		rc = wsdef_segment_parse(rule, len, WSDEF_EVENT, 0, cn.name,
					 cn.n, &s, d);
	wsdef_segment_free(s);
	comp_names_release(&cn);
	return rc;
}

int wsdef_formula_check(struct mctx *c, const char *view, const char *text,
			size_t len, struct diag *d)
{
	struct comp_names cn = { "metric", BUF_INIT };
	struct wsdef_formula *f = NULL;
	int rc = comp_names_load(c, view, &cn);

	if (!rc)
		rc = wsdef_formula_parse(text, len, cn.name, cn.n, &f, d);
	wsdef_formula_free(f);
	comp_names_release(&cn);
	return rc;
}

void wsdef_segment_free(struct wsdef_segment *s)
{
	if (!s)
		return;
	filter_free(s->rule);
	free(s);
}

unsigned wsdef_keep_flags(const struct wsdef_keep *k)
{
	size_t i;

	for (i = 0; i < k->nseg; i++)
		if (k->seg[i]->container == WSDEF_SESSION)
			return DV_EVENTS_SESSIONS;
	return 0;
}

/* What a session or person segment found in the first pass. */
struct seg_hits {
	struct strtab persons;	/* person segments: who has a match */
	uint64_t *bits;		/* session segments: by session number */
	size_t nwords;
};

struct keep_pass {
	const struct wsdef_keep *k;
	const struct tz *tz;
	size_t ndims;
	const char **vals;	/* the rule's view of an event (NULL: absent) */
	size_t *lens;
	struct seg_hits *hits;
	int second;		/* 0: finding containers; 1: keeping */
	int (*fn)(void *arg, const struct dv_event *e);
	void *arg;
};

/* A date range tests the event's day as the view shows it, as a rule
 * does: an event whose day the view hides, or buckets into a label, is
 * in no range (its local day read from the time would show what the
 * view withholds). */
static int keep_in_range(const struct keep_pass *kp, const struct dv_event *e)
{
	char shown[TZ_DAY_SIZE];
	int64_t day;

	if (kp->k->first_day == INT64_MIN && kp->k->last_day == INT64_MAX)
		return 1;
	day = tz_local_day_number(kp->tz, e->ts);
	if (!e->day)
		return 0;
	tz_format_day(day, shown);
	if (e->daylen != TZ_DAY_SIZE - 1 || memcmp(e->day, shown, e->daylen))
		return 0;
	return day >= kp->k->first_day && day <= kp->k->last_day;
}

static int hits_mark(struct seg_hits *h, enum wsdef_container ct,
		     const struct dv_event *e)
{
	size_t w;
	uint64_t *bits;
	uint32_t id;

	if (ct == WSDEF_PERSON)
		return strtab_intern(&h->persons, e->pid, e->pidlen, &id,
				     NULL);
	w = e->session / 64;
	if (w >= h->nwords) {
		size_t n = h->nwords ? h->nwords : 16;

		while (n <= w)
			n *= 2;
		bits = realloc(h->bits, n * sizeof(*bits));
		if (!bits)
			return -ENOMEM;
		memset(bits + h->nwords, 0, (n - h->nwords) * sizeof(*bits));
		h->bits = bits;
		h->nwords = n;
	}
	h->bits[w] |= UINT64_C(1) << (e->session % 64);
	return 0;
}

static int hits_has(const struct seg_hits *h, enum wsdef_container ct,
		    const struct dv_event *e)
{
	size_t w = e->session / 64;

	if (ct == WSDEF_PERSON)
		return strtab_find(&h->persons, e->pid, e->pidlen) !=
		       STRTAB_NONE;
	return w < h->nwords && (h->bits[w] >> (e->session % 64) & 1);
}

static int keep_event(void *arg, const struct dv_event *e)
{
	struct keep_pass *kp = arg;
	const struct wsdef_keep *k = kp->k;
	size_t i;
	int rc, hit, keep = k->match_all;

	if (!keep_in_range(kp, e))
		return 0;
	memcpy(kp->vals, e->dim, kp->ndims * sizeof(*kp->vals));
	memcpy(kp->lens, e->dimlen, kp->ndims * sizeof(*kp->lens));
	kp->vals[kp->ndims] = e->day;
	kp->lens[kp->ndims] = e->daylen;
	for (i = 0; i < k->nseg; i++) {
		const struct wsdef_segment *s = k->seg[i];

		if (!kp->second) {
			if (s->container == WSDEF_EVENT ||
			    !filter_eval_absent(s->rule, kp->vals, kp->lens))
				continue;
			rc = hits_mark(&kp->hits[i], s->container, e);
			if (rc)
				return rc;
			continue;
		}
		if (s->container == WSDEF_EVENT)
			hit = filter_eval_absent(s->rule, kp->vals, kp->lens);
		else
			hit = hits_has(&kp->hits[i], s->container, e);
		hit ^= s->exclude;
		if (k->match_all && !hit) {
			keep = 0;
			break;
		}
		if (!k->match_all && hit) {
			keep = 1;
			break;
		}
	}
	if (!kp->second || (!keep && k->nseg))
		return 0;
	return kp->fn(kp->arg, e);
}

int wsdef_keep_each(struct dv_events *ev, struct mctx *c,
		    const struct wsdef_keep *k,
		    int (*fn)(void *arg, const struct dv_event *e), void *arg,
		    struct diag *d)
{
	struct keep_pass kp = { .k = k, .fn = fn, .arg = arg };
	size_t ndims = dv_events_ndims(ev), i;
	const char **dims;
	int rc = 0, two = 0;

	kp.tz = dv_events_tz(ev);
	kp.ndims = ndims;
	dims = calloc(ndims + 1, sizeof(*dims));
	kp.vals = calloc(ndims + 1, sizeof(*kp.vals));
	kp.lens = calloc(ndims + 1, sizeof(*kp.lens));
	kp.hits = calloc(k->nseg + 1, sizeof(*kp.hits));
	if (!dims || !kp.vals || !kp.lens || !kp.hits) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < k->nseg; i++)
		strtab_init(&kp.hits[i].persons);
	for (i = 0; i < ndims; i++)
		dims[i] = dv_events_dim(ev, i);
	for (i = 0; i < k->nseg && !rc; i++) {
		rc = seg_bind(k->seg[i]->rule, dims, ndims, d);
		two |= k->seg[i]->container != WSDEF_EVENT;
	}
	if (rc)
		goto out;
	if (two) {
		rc = dv_events_each(ev, c, keep_event, &kp);
		if (rc)
			goto out;
	}
	kp.second = 1;
	rc = dv_events_each(ev, c, keep_event, &kp);
out:
	for (i = 0; kp.hits && i < k->nseg; i++) {
		strtab_release(&kp.hits[i].persons);
		free(kp.hits[i].bits);
	}
	free(kp.hits);
	free(kp.vals);
	free(kp.lens);
	free(dims);
	return rc;
}

/* --- audiences --- */

static int people_add(void *arg, const struct dv_event *e)
{
	uint32_t id;

	return strtab_intern(arg, e->pid, e->pidlen, &id, NULL);
}

static int cmp_people(const void *a, const void *b, void *arg)
{
	const struct strtab *t = arg;
	size_t la, lb;
	const char *x = strtab_str(t, *(const uint32_t *)a, &la);
	const char *y = strtab_str(t, *(const uint32_t *)b, &lb);
	int cmp = memcmp(x, y, la < lb ? la : lb);

	return cmp ? cmp : (la > lb) - (la < lb);
}

int wsdef_audience_people(struct mctx *c, const char *view,
			  struct wsdef_segment *const *seg, size_t nseg,
			  int match_all, struct buf *out, struct diag *d)
{
	struct wsdef_keep k = { seg, nseg, match_all, INT64_MIN, INT64_MAX };
	struct dv_events *ev = NULL;
	int rc;

	rc = dv_events_open(c, view, wsdef_keep_flags(&k), &ev);
	if (!rc)
		rc = wsdef_audience_people_ev(ev, c, seg, nseg, match_all, out,
					      d);
	dv_events_close(ev);
	return rc;
}

int wsdef_audience_people_ev(struct dv_events *ev, struct mctx *c,
			     struct wsdef_segment *const *seg, size_t nseg,
			     int match_all, struct buf *out, struct diag *d)
{
	struct wsdef_keep k = { seg, nseg, match_all, INT64_MIN, INT64_MAX };
	struct strtab people;
	uint32_t *order = NULL, i;
	const char *cell;
	size_t len;
	int rc;

	strtab_init(&people);
	rc = wsdef_keep_each(ev, c, &k, people_add, &people, d);
	if (rc)
		goto out;
	order = malloc(((size_t)people.n + 1) * sizeof(*order));
	if (!order) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < people.n; i++)
		order[i] = i;
	qsort_r(order, people.n, sizeof(*order), cmp_people, &people);
	cell = "person_id";
	len = strlen(cell);
	rc = csv_write_row_safe(out, 1, &cell, &len);
	for (i = 0; !rc && i < people.n; i++) {
		cell = strtab_str(&people, order[i], &len);
		rc = csv_write_row_safe(out, 1, &cell, &len);
	}
out:
	free(order);
	strtab_release(&people);
	return rc;
}

int wsdef_match_parse(const char *s, int *all)
{
	if (!strcmp(s, "all") || !strcmp(s, "any")) {
		*all = s[1] == 'l';
		return 0;
	}
	return -EINVAL;
}

/* --- annotations --- */

int wsdef_fixed_day(const char *text, size_t len, int64_t *day,
		    struct diag *d)
{
	struct wsdef_date dt;
	int rc = wsdef_date_parse(text, len, &dt, d);

	if (rc)
		return rc;
	if (!wsdef_date_fixed(&dt)) {
		size_t i = 0;

		while (i < len && is_blank(text[i]))
			i++;
		return date_err(d, i + 1,
				"an annotation's days are fixed (YYYY-MM-DD, "
				"optionally +N or -N with a unit), not "
				"relative to today");
	}
	*day = wsdef_date_day(&dt, NULL, 0);
	return 0;
}

int wsdef_color_check(const char *s, struct diag *d)
{
	static const char *const colors[] = { "red", "orange", "yellow",
					      "green", "teal", "blue",
					      "purple", "pink", "gray" };
	size_t i;

	for (i = 0; i < sizeof(colors) / sizeof(*colors); i++)
		if (!strcmp(s, colors[i]))
			return 0;
	return date_err(d, 1, "unknown color '%.32s': one of " WSDEF_COLORS,
			s);
}

int wsdef_text_check(const char *text, size_t len, struct diag *d)
{
	size_t i;

	if (len > WSDEF_TEXT_MAX)
		return date_err(d, 0, "text is longer than %d bytes",
				WSDEF_TEXT_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return date_err(d, i + 1, "control byte 0x%02x in "
					"the text", c);
	}
	return 0;
}

static int cmp_note_names(const void *a, const void *b)
{
	const struct wsdef_note *x = *(const struct wsdef_note *const *)a;
	const struct wsdef_note *y = *(const struct wsdef_note *const *)b;

	return strcmp(x->name, y->name);
}

int wsdef_notes_cell(const struct wsdef_note *notes, size_t n, int64_t day,
		     struct buf *out)
{
	const struct wsdef_note **hit;
	size_t i, k = 0;
	int rc = 0;

	hit = malloc((n + 1) * sizeof(*hit));
	if (!hit)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (notes[i].first <= day && day <= notes[i].last)
			hit[k++] = &notes[i];
	if (k > 1)
		qsort(hit, k, sizeof(*hit), cmp_note_names);
	for (i = 0; i < k && !rc; i++) {
		if (i)
			rc = buf_add(out, ";", 1);
		if (!rc)
			rc = buf_add(out, hit[i]->name, strlen(hit[i]->name));
	}
	free(hit);
	return rc;
}
