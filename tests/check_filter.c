/*
 * check_filter.c - unit tests for model/filter.c: the row filter language
 * (operators, precedence, quoting, numbers, absent values, errors and
 * their columns, hostile nesting, binding) and the component value
 * rules (include/exclude, bucketing).  Most behaviours are tables run
 * with tcase_add_loop_test.  The speed TCase prints rows/s for a 3-clause
 * filter (FILTER_BENCH_ROWS sets the row count).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "filter.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---------------------------------------------------------- */

/* The columns every test row may have, by index. */
static const char *const cols[] = {
    "page", "country", "n", "s", "a", "b", "c", "day",
};

#define NCOLS ARRAY_SIZE(cols)

static int nresolve;

static int resolve(void *arg, const char *field, size_t len)
{
	size_t i;

	nresolve++;
	ck_assert_uint_eq(strlen(field), len);
	for (i = 0; i < NCOLS; i++)
		if (!strcmp(cols[i], field))
			return (int)i;
	return -1;
}

/* Fill vals from "name=value|name=value"; missing columns stay NULL. */
static void row_fill(const char *row, const char *vals[NCOLS], char *store,
		     size_t size)
{
	char *p, *item, *eq, *save = NULL;
	size_t i;

	for (i = 0; i < NCOLS; i++)
		vals[i] = NULL;
	ck_assert_uint_lt(strlen(row), size);
	snprintf(store, size, "%s", row);
	for (p = store; (item = strtok_r(p, "|", &save)); p = NULL) {
		eq = strchr(item, '=');
		ck_assert_ptr_nonnull(eq);
		*eq = '\0';
		for (i = 0; i < NCOLS; i++)
			if (!strcmp(cols[i], item))
				break;
		ck_assert_msg(i < NCOLS, "bad test column %s", item);
		vals[i] = eq + 1;
	}
}

static struct filter *parse_ok(const char *text)
{
	struct filter *f = NULL;
	struct diag d = {0};
	int rc;

	rc = filter_parse(text, strlen(text), &f, &d);
	ck_assert_msg(rc == 0, "'%s': rc %d, column %d: %s", text, rc, d.column,
		      d.msg);
	ck_assert_ptr_nonnull(f);
	rc = filter_bind(f, resolve, NULL, &d);
	ck_assert_msg(rc == 0, "'%s': bind rc %d, column %d: %s", text, rc,
		      d.column, d.msg);
	return f;
}

/* Evaluate filter text on one row given as "name=value|...". */
static int eval_row(const char *text, const char *row)
{
	const char *vals[NCOLS];
	char store[512];
	struct filter *f = parse_ok(text);
	int r;

	row_fill(row, vals, store, sizeof(store));
	r = filter_eval(f, vals, NULL);
	filter_free(f);
	return r;
}

static void expect_parse_error(const char *text, size_t len, int column,
			       const char *msg)
{
	struct filter *f = (struct filter *)1;
	struct diag d = {0};
	int rc;

	rc = filter_parse(text, len, &f, &d);
	ck_assert_msg(rc == -EINVAL, "'%.60s': rc %d, want -EINVAL", text, rc);
	ck_assert_ptr_null(f);
	ck_assert_msg(d.column == column && !strcmp(d.msg, msg),
		      "'%.60s': got column %d: %s; want column %d: %s", text,
		      d.column, d.msg, column, msg);
}

static char *repeat(const char *head, size_t n, const char *mid,
		    const char *tail, size_t m)
{
	size_t hl = strlen(head), tl = strlen(tail), ml = strlen(mid);
	char *s = malloc(hl * n + ml + tl * m + 1), *p;
	size_t i;

	ck_assert_ptr_nonnull(s);
	p = s;
	for (i = 0; i < n; i++, p += hl)
		memcpy(p, head, hl);
	memcpy(p, mid, ml);
	p += ml;
	for (i = 0; i < m; i++, p += tl)
		memcpy(p, tail, tl);
	*p = '\0';
	return s;
}

/* ---- operators -------------------------------------------------------- */

struct row_case {
	const char *filter;
	const char *row;
	int want;
};

static const struct row_case op_cases[] = {
    /* numeric */
    {"n = 5", "n=5", 1},
    {"n = 6", "n=5", 0},
    {"n != 5", "n=5", 0},
    {"n != 6", "n=5", 1},
    {"n < 10", "n=5", 1},
    {"n < 5", "n=5", 0},
    {"n <= 5", "n=5", 1},
    {"n <= 4", "n=5", 0},
    {"n > 4.5", "n=5", 1},
    {"n > 5", "n=5", 0},
    {"n >= 5", "n=5", 1},
    {"n >= 10", "n=5", 0},
    {"n<10", "n=5", 1},
    {"n>=5", "n=5", 1},
    {"n!=5", "n=5", 0},
    {"n=5", "n=5", 1},
    /* text */
    {"s = hello", "s=hello", 1},
    {"s = Hello", "s=hello", 0},
    {"s != hello", "s=hello", 0},
    {"s != hell", "s=hello", 1},
    {"s < help", "s=hello", 1},
    {"s < hello", "s=hello", 0},
    {"s <= hello", "s=hello", 1},
    {"s > hell", "s=hello", 1},
    {"s > hello", "s=hello", 0},
    {"s >= hello", "s=hello", 1},
    {"s >= hellp", "s=hello", 0},
    {"s contains ell", "s=hello", 1},
    {"s contains hello", "s=hello", 1},
    {"s contains xyz", "s=hello", 0},
    {"s contains helloo", "s=hello", 0},
    {"s contains ''", "s=hello", 1},
    {"s contains ELL", "s=hello", 0},
    {"s starts-with he", "s=hello", 1},
    {"s starts-with el", "s=hello", 0},
    {"s starts-with 'hello!'", "s=hello", 0},
    {"s ends-with llo", "s=hello", 1},
    {"s ends-with hel", "s=hello", 0},
    {"s ends-with ahello", "s=hello", 0},
    /* word operators and keywords are case-insensitive */
    {"s CONTAINS ell", "s=hello", 1},
    {"s Starts-With he", "s=hello", 1},
    {"s ENDS-WITH lo", "s=hello", 1},
    {"s = x OR s = hello", "s=hello", 1},
    {"s = hello AnD NOT s = x", "s=hello", 1},
    /* missing values are empty */
    {"s = ''", "", 1},
    {"s != ''", "", 0},
    {"s contains x", "", 0},
    {"s starts-with ''", "", 1},
    /* bare words take . _ - : / @ + and UTF-8 */
    {"s = a.b_c-d:e/f@g+h", "s=a.b_c-d:e/f@g+h", 1},
    {"s = caf\xc3\xa9", "s=caf\xc3\xa9", 1},
    {"page starts-with /docs/", "page=/docs/intro", 1},
};

START_TEST(test_operators)
{
	const struct row_case *c = &op_cases[_i];

	ck_assert_msg(eval_row(c->filter, c->row) == c->want,
		      "'%s' on '%s': want %d", c->filter, c->row, c->want);
}
END_TEST

/* ---- numbers versus text ---------------------------------------------- */

static const struct row_case num_cases[] = {
    {"n > 9", "n=10", 1},      /* numbers: 10 > 9 */
    {"n > 9a", "n=10", 0},     /* text: "10" < "9a" */
    {"n < 9", "n=10a", 1},     /* text: "10a" < "9" */
    {"n = 1.5", "n=1.50", 1},  /* numerically equal */
    {"n = 1000", "n=1e3", 1},  /* exponent */
    {"n = 1e3", "n=1000", 1},  /* either side */
    {"n = 7", "n=007", 1},     /* leading zeros */
    {"n = 0", "n=-0", 1},      /* signed zero */
    {"n < -2", "n=-3", 1},     /* negatives */
    {"n > -2.5", "n=-2", 1},   /* negative decimals */
    {"n = 5", "n=+5", 1},      /* explicit plus */
    {"n = 0.5", "n=.5", 1},    /* no integer part */
    {"n = 5", "n=5.", 1},      /* no fraction digits */
    {"n = \"5\"", "n=5", 1},   /* quoting does not matter */
    {"n = 16", "n=0x10", 0},   /* hex is text */
    {"n = 0x10", "n=0x10", 1}, /* ... and equal as text */
    {"n = 5", "n= 5", 0},      /* spaces make it text */
    {"n > 5", "n=1e999", 0},   /* overflow is text: "1e999" < "5" */
    {"n > 5", "n=inf", 1},     /* inf is text: "inf" > "5" */
    {"n < 0", "", 1},	       /* missing is "" < "0" as text */
    {"n = 12345678901234567890", "n=12345678901234567890.0", 1},
    {"n > 12345678901234567", "n=22345678901234567", 1},
    {"n < 1e-300", "n=0", 1},
    {"n = 2024-01-15", "n=2024-01-15", 1}, /* dates are text */
};

START_TEST(test_numbers)
{
	const struct row_case *c = &num_cases[_i];

	ck_assert_msg(eval_row(c->filter, c->row) == c->want,
		      "'%s' on '%s': want %d", c->filter, c->row, c->want);
}
END_TEST

START_TEST(test_long_number_is_text)
{
	char num[300], filter[400];

	/*
	 * 1e199 written out is longer than the 127-byte limit, so it is
	 * text: "5" > "1000..." (as numbers 5 < 1e199).
	 */
	num[0] = '1';
	memset(num + 1, '0', 199);
	num[200] = '\0';
	snprintf(filter, sizeof(filter), "n < %s", num);
	ck_assert_int_eq(eval_row(filter, "n=5"), 0);
	snprintf(filter, sizeof(filter), "n > %s", num);
	ck_assert_int_eq(eval_row(filter, "n=5"), 1);
	ck_assert_int_eq(eval_row("n < 1e199", "n=5"), 1);
}
END_TEST

/* ---- precedence and parentheses --------------------------------------- */

struct prec_case {
	const char *filter;
	int (*want)(int a, int b, int c);
};

static int p_or_and(int a, int b, int c)
{
	return a || (b && c);
}
static int p_and_or(int a, int b, int c)
{
	return (a && b) || c;
}
static int p_not_and(int a, int b, int c)
{
	return !a && b;
}
static int p_not_or(int a, int b, int c)
{
	return !a || b;
}
static int p_not_group(int a, int b, int c)
{
	return !(a || b) && c;
}
static int p_group_and(int a, int b, int c)
{
	return (a || b) && c;
}
static int p_and_group(int a, int b, int c)
{
	return a && (b || c);
}
static int p_a(int a, int b, int c)
{
	return a;
}
static int p_nested(int a, int b, int c)
{
	return !(a && !(b || !c));
}
static int p_any(int a, int b, int c)
{
	return a || b || c;
}
static int p_all(int a, int b, int c)
{
	return a && b && c;
}
static int p_majority(int a, int b, int c)
{
	return (a && b) || (a && c) || (b && c);
}
static int p_nots(int a, int b, int c)
{
	return !a || !(b && c);
}
static int p_not_a(int a, int b, int c)
{
	return !a;
}

static const struct prec_case prec_cases[] = {
    {"a = 1 or b = 1 and c = 1", p_or_and},
    {"a = 1 and b = 1 or c = 1", p_and_or},
    {"not a = 1 and b = 1", p_not_and},
    {"not a = 1 or b = 1", p_not_or},
    {"not (a = 1 or b = 1) and c = 1", p_not_group},
    {"(a = 1 or b = 1) and c = 1", p_group_and},
    {"a = 1 and (b = 1 or c = 1)", p_and_group},
    {"not not a = 1", p_a},
    {"not not not a = 1", p_not_a},
    {"(((a = 1)))", p_a},
    {"not (not (a = 1))", p_a},
    {"not (a = 1 and not (b = 1 or not c = 1))", p_nested},
    {"a = 1 or b = 1 or c = 1", p_any},
    {"a = 1 and b = 1 and c = 1", p_all},
    {"a=1 and b=1 or a=1 and c=1 or b=1 and c=1", p_majority},
    {"(a=1 and b=1)or(a=1 and c=1)or(b=1 and c=1)", p_majority},
    {"not (a = 1) or not (b = 1 and c = 1)", p_nots},
    {"a != 1 or b = 0 or c = 0", p_nots},
};

/* SQL's answer with absent values (2): true for every value they could
 * have.  That is three-valued logic's answer for these filters, as none
 * names a field both under an odd and under an even number of "not"s:
 * setting each absent one so that its tests fail makes the filter fail
 * whenever three-valued logic does not call it true. */
static int prec_sql(const struct prec_case *c, int a, int b, int cc)
{
	int m, x, y, z;

	for (m = 0; m < 8; m++) {
		x = a == 2 ? m & 1 : a;
		y = b == 2 ? (m >> 1) & 1 : b;
		z = cc == 2 ? (m >> 2) & 1 : cc;
		if (!c->want(x, y, z))
			return 0;
	}
	return 1;
}

START_TEST(test_precedence)
{
	const struct prec_case *c = &prec_cases[_i];
	struct filter *f = parse_ok(c->filter);
	const char *vals[NCOLS] = {NULL};
	const char *const v3[] = {"0", "1", NULL};
	int m, a, b, cc;

	for (m = 0; m < 8; m++) {
		a = m & 1, b = (m >> 1) & 1, cc = (m >> 2) & 1;
		vals[4] = a ? "1" : "0";
		vals[5] = b ? "1" : "0";
		vals[6] = cc ? "1" : "0";
		ck_assert_msg(filter_eval(f, vals, NULL) == c->want(a, b, cc),
			      "'%s' with a=%d b=%d c=%d", c->filter, a, b, cc);
	}
	/* 2: absent */
	for (m = 0; m < 27; m++) {
		a = m % 3, b = m / 3 % 3, cc = m / 9;
		vals[4] = v3[a];
		vals[5] = v3[b];
		vals[6] = v3[cc];
		ck_assert_msg(
		    filter_eval_absent(f, vals, NULL) == prec_sql(c, a, b, cc),
		    "'%s' absent with a=%d b=%d c=%d", c->filter, a, b, cc);
	}
	filter_free(f);
}
END_TEST

/* ---- absent values ---------------------------------------------------- */

/* filter_eval_absent: the fields a row leaves out are absent (NULL). */
static const struct row_case absent_cases[] = {
    /* no test on an absent value holds, negated or not */
    {"s = ''", "", 0},
    {"s != ''", "", 0},
    {"s = x", "", 0},
    {"s != x", "", 0},
    {"s < x", "", 0},
    {"s <= x", "", 0},
    {"s > ''", "", 0},
    {"s >= ''", "", 0},
    {"n < 5", "", 0},
    {"n >= 5", "", 0},
    {"s contains ''", "", 0},
    {"s contains x", "", 0},
    {"s starts-with ''", "", 0},
    {"s ends-with ''", "", 0},
    {"not s = x", "", 0},
    {"not s != x", "", 0},
    {"not s contains ''", "", 0},
    {"not not s = ''", "", 0},
    {"not (s = x)", "", 0},
    {"not (not (s != x))", "", 0},
    /* the empty value is a value */
    {"s = ''", "s=", 1},
    {"s != ''", "s=", 0},
    {"s != x", "s=", 1},
    {"s contains ''", "s=", 1},
    {"not s = x", "s=", 1},
    /* and, or and not as SQL's three-valued logic */
    {"s = x or a = 1", "a=1", 1},
    {"s = x or a = 1", "a=0", 0},
    {"s = x and a = 1", "a=1", 0},
    {"not (s = x and a = 1)", "a=0", 1},
    {"not (s = x and a = 1)", "a=1", 0},
    {"not (s = x or a = 1)", "a=0", 0},
    {"not (s = x or a = 1)", "a=1", 0},
    {"not (s = x or s != x)", "", 0},
    {"s = x or s != x", "", 0},
    {"s = x or s != x", "s=y", 1},
    {"not (a = 1 and not (s = x or b = 1))", "a=1|b=0", 0},
    {"not (a = 1 and not (s = x or b = 1))", "a=1|b=1", 1},
    {"not (a = 1 and not (s = x or b = 1))", "a=0", 1},
    {"not (not (s = x) and a = 1)", "a=0", 1},
    {"not (not (s = x) and a = 1)", "a=1", 0},
    /* an empty filter passes every row */
    {"", "", 1},
};

START_TEST(test_absent)
{
	const struct row_case *c = &absent_cases[_i];
	const char *vals[NCOLS];
	char store[512];
	struct filter *f = parse_ok(c->filter);

	row_fill(c->row, vals, store, sizeof(store));
	ck_assert_msg(filter_eval_absent(f, vals, NULL) == c->want,
		      "'%s' on '%s': want %d", c->filter, c->row, c->want);
	filter_free(f);
}
END_TEST

/* ---- quoting ---------------------------------------------------------- */

static const struct row_case quote_cases[] = {
    {"s = \"a b\"", "s=a b", 1},
    {"s = 'a b'", "s=a b", 1},
    {"s = \"say \\\"hi\\\"\"", "s=say \"hi\"", 1},
    {"s = 'it\\'s'", "s=it's", 1},
    {"s = \"it's\"", "s=it's", 1},
    {"s = 'say \"hi\"'", "s=say \"hi\"", 1},
    {"s = \"back\\\\slash\"", "s=back\\slash", 1},
    {"s = \"and\"", "s=and", 1},
    {"s = 'NOT'", "s=NOT", 1},
    {"s = \"(x) = y\"", "s=(x) = y", 1},
    {"s = \"\"", "", 1},
    {"s = ''", "s=x", 0},
    {"s = \"tab\there\"", "s=tab\there", 1},
    {"s contains \", \"", "s=a, b", 1},
    {"s=\"x\"and s!='y'", "s=x", 1},
    {"  s = x  ", "s=x", 1},
    {"\ts\r\n=\nx", "s=x", 1},
};

START_TEST(test_quoting)
{
	const struct row_case *c = &quote_cases[_i];

	ck_assert_msg(eval_row(c->filter, c->row) == c->want,
		      "'%s' on '%s': want %d", c->filter, c->row, c->want);
}
END_TEST

/* ---- day -------------------------------------------------------------- */

static const struct row_case day_cases[] = {
    {"day >= 2024-01-01 and day < 2024-02-01", "day=2024-01-15", 1},
    {"day >= 2024-01-01 and day < 2024-02-01", "day=2024-02-01", 0},
    {"day >= 2024-01-01 and day < 2024-02-01", "day=2023-12-31", 0},
    {"day = 2024-01-15", "day=2024-01-15", 1},
    {"day starts-with 2024-01", "day=2024-01-15", 1},
    {"day > '2023-12-31' and country = US", "day=2024-01-01|country=US", 1},
    {"day > 2023-12-31", "", 0},
};

START_TEST(test_day)
{
	const struct row_case *c = &day_cases[_i];

	ck_assert_msg(eval_row(c->filter, c->row) == c->want,
		      "'%s' on '%s': want %d", c->filter, c->row, c->want);
}
END_TEST

/* ---- errors ----------------------------------------------------------- */

struct err_case {
	const char *filter;
	int column;
	const char *msg;
};

static const struct err_case err_cases[] = {
    {"page", 5, "expected an operator after 'page'"},
    {"(page foo", 7, "expected an operator after 'page'"},
    {"page not = x", 6, "expected an operator after 'page'"},
    {"page =", 7, "expected a value after '='"},
    {"page contains", 14, "expected a value after 'contains'"},
    {"page = and", 8,
     "expected a value after '=', found 'and' (quote it to use it as a "
     "value)"},
    {"page = = x", 8,
     "expected a value after '=', found '=' (quote it to use it as a "
     "value)"},
    {"n => 5", 4,
     "expected a value after '=', found '>' (quote it to use it as a "
     "value)"},
    {"page = (x)", 8, "expected a value after '='"},
    {"and page = x", 1, "expected a condition before 'and'"},
    {"or", 1, "expected a condition before 'or'"},
    {")", 1, "expected a condition before ')'"},
    {"page = x and", 13, "expected a condition after 'and'"},
    {"page = x AND", 13, "expected a condition after 'AND'"},
    {"page = x or", 12, "expected a condition after 'or'"},
    {"page = x and or n = 1", 14, "expected a condition after 'and'"},
    {"page = x and ) ", 14, "expected a condition after 'and'"},
    {"not", 4, "expected a condition after 'not'"},
    {"page = x and not", 17, "expected a condition after 'not'"},
    {"()", 2, "expected a condition after '('"},
    {"n > 5 and (", 12, "expected a condition after '('"},
    {"= x", 1, "expected a field name before '='"},
    {"contains x", 1, "expected a field name before 'contains'"},
    {"(n > 1 or < 2)", 11, "expected a field name before '<'"},
    {"\"page\" = x", 1, "expected a field name, found a quoted string"},
    {"page = x n = 1", 10, "expected 'and', 'or' or end of filter after 'x'"},
    {"page = \"x\" \"y\"", 12,
     "expected 'and', 'or' or end of filter after '\"x\"'"},
    {"page = x not n = 1", 10,
     "expected 'and', 'or' or end of filter after 'x'"},
    {"(page = x) (n = 1)", 12,
     "expected 'and', 'or' or end of filter after ')'"},
    {"page = x )", 10, "unmatched ')'"},
    {"(page = x))", 11, "unmatched ')'"},
    {"(page = x", 1, "'(' is never closed"},
    {"n >= 5 or (n < 1 and (page = x)", 11, "'(' is never closed"},
    {"(page = x n", 11, "expected 'and', 'or' or ')' after 'x'"},
    {"page = \"abc", 8, "unterminated quoted string"},
    {"page = 'abc\\'", 8, "unterminated quoted string"},
    {"page = 'abc\\", 8, "unterminated quoted string"},
    {"page = x and s = \"", 18, "unterminated quoted string"},
    {"page = \"a\\nb\"", 10, "unknown escape '\\n' in quoted string"},
    {"page = 'a\\x'", 10, "unknown escape '\\x' in quoted string"},
    {"page = x*", 9, "unexpected character '*'"},
    {"page ! x", 6, "unexpected character '!'"},
    {"page == x", 7,
     "expected a value after '=', found '=' (quote it to use it as a "
     "value)"},
    {"page = x && n = 1", 10, "unexpected character '&'"},
    {"page =\x01x", 7, "unexpected byte 0x01"},
    {"page = \"a\x1b\"", 10, "unexpected byte 0x1b"},
    {"page = x,y", 9, "unexpected character ','"},
    {"page = x and "
     "a_very_long_field_name_that_goes_on_and_on_and_on",
     63,
     "expected an operator after "
     "'a_very_long_field_name_that_goes_on_a...'"},
};

START_TEST(test_errors)
{
	const struct err_case *c = &err_cases[_i];

	expect_parse_error(c->filter, strlen(c->filter), c->column, c->msg);
}
END_TEST

START_TEST(test_error_nul_byte)
{
	/* text is pointer + length: a NUL inside is just a bad byte */
	expect_parse_error("page = a\0b", 10, 9, "unexpected byte 0x00");
}
END_TEST

START_TEST(test_error_too_long)
{
	size_t n = FILTER_MAX_LEN + 1;
	char *s = malloc(n);

	ck_assert_ptr_nonnull(s);
	memset(s, ' ', n);
	expect_parse_error(s, n, 0, "filter longer than 1048576 bytes");
	free(s);
}
END_TEST

START_TEST(test_not_nul_terminated)
{
	/* only len bytes are read: the tail would be an error */
	const char text[] = "page = x and )))";
	struct filter *f = NULL;
	struct diag d;

	ck_assert_int_eq(filter_parse(text, 8, &f, &d), 0);
	ck_assert_uint_eq(filter_nfields(f), 1);
	filter_free(f);
}
END_TEST

/* ---- hostile nesting -------------------------------------------------- */

#define DEEP 10000
#define DEPTH_MSG "filter nested too deeply (more than 256 levels)"

START_TEST(test_deep_parens)
{
	char *s = repeat("(", DEEP, "a = 1", ")", DEEP);

	expect_parse_error(s, strlen(s), FILTER_MAX_DEPTH + 1, DEPTH_MSG);
	free(s);
}
END_TEST

START_TEST(test_deep_nots)
{
	char *s = repeat("not ", DEEP, "a = 1", "", 0);

	expect_parse_error(s, strlen(s), 4 * FILTER_MAX_DEPTH + 1, DEPTH_MSG);
	free(s);
}
END_TEST

START_TEST(test_deep_mixed)
{
	char *s = repeat("not (", DEEP, "a = 1", ")", DEEP);

	/* each "not (" is two levels: the 129th "not" is level 257 */
	expect_parse_error(s, strlen(s), 5 * (FILTER_MAX_DEPTH / 2) + 1,
			   DEPTH_MSG);
	free(s);
}
END_TEST

START_TEST(test_deep_and_chain)
{
	char *s = repeat("(a = 1 and ", DEEP, "b = 1", ")", DEEP);

	expect_parse_error(s, strlen(s), 11 * FILTER_MAX_DEPTH + 1, DEPTH_MSG);
	free(s);
}
END_TEST

START_TEST(test_deep_unclosed)
{
	char *s = repeat("(", DEEP, "", "", 0);

	expect_parse_error(s, strlen(s), FILTER_MAX_DEPTH + 1, DEPTH_MSG);
	free(s);
}
END_TEST

START_TEST(test_depth_limit_ok)
{
	const char *vals[NCOLS] = {NULL};
	char *s = repeat("(", FILTER_MAX_DEPTH, "a = 1", ")", FILTER_MAX_DEPTH);
	struct filter *f = parse_ok(s);

	vals[4] = "1";
	ck_assert_int_eq(filter_eval(f, vals, NULL), 1);
	vals[4] = "0";
	ck_assert_int_eq(filter_eval(f, vals, NULL), 0);
	filter_free(f);
	free(s);

	/* 256 nots: even, so the test itself */
	s = repeat("not ", FILTER_MAX_DEPTH, "a = 1", "", 0);
	f = parse_ok(s);
	ck_assert_int_eq(filter_eval(f, vals, NULL), 0);
	filter_free(f);
	free(s);

	/* 255 nots around a group: odd */
	s = repeat("not ", FILTER_MAX_DEPTH - 1, "(a = 1 or b = 1)", "", 0);
	f = parse_ok(s);
	ck_assert_int_eq(filter_eval(f, vals, NULL), 1);
	filter_free(f);
	free(s);
}
END_TEST

START_TEST(test_long_chain)
{
	/* long flat chains are loops, not recursion: FILTER_MAX_CONDITIONS
	 * clauses, and one more is refused at its field's column */
	const char *vals[NCOLS] = {NULL};
	char *s = malloc((FILTER_MAX_CONDITIONS + 1) * 24), *p = s;
	struct filter *f;
	size_t col = 0;
	int i;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < FILTER_MAX_CONDITIONS; i++)
		p += sprintf(p, "%sn = %d", i ? " or " : "", i);
	f = parse_ok(s);
	ck_assert_uint_eq(filter_nfields(f), 1);
	vals[2] = "999";
	ck_assert_int_eq(filter_eval(f, vals, NULL), 1);
	vals[2] = "1000";
	ck_assert_int_eq(filter_eval(f, vals, NULL), 0);
	filter_free(f);
	col = (size_t)(p - s) + 5;	/* " or " + 1 */
	sprintf(p, " or n = %d", FILTER_MAX_CONDITIONS);
	expect_parse_error(s, strlen(s), (int)col,
			   "filter has more than 1000 conditions");
	free(s);
}
END_TEST

static int resolve_seq(void *arg, const char *field, size_t len)
{
	int *next = arg;

	return (*next)++;
}

START_TEST(test_many_fields)
{
	/* FILTER_MAX_CONDITIONS / 2 distinct fields, each used twice:
	 * deduped in order of first appearance */
	enum { N = FILTER_MAX_CONDITIONS / 2 };
	char *s = malloc((size_t)N * 40), *p = s, name[32];
	struct filter *f = NULL;
	struct diag d;
	size_t len;
	int i, next = 0;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < N; i++)
		p += sprintf(p, "%sf%d = 1 and f%d = 1", i ? " or " : "", i,
			     N - 1 - i);
	ck_assert_int_eq(filter_parse(s, strlen(s), &f, &d), 0);
	ck_assert_uint_eq(filter_nfields(f), N);
	ck_assert_int_eq(filter_bind(f, resolve_seq, &next, &d), 0);
	ck_assert_int_eq(next, N);
	for (i = 0; i < N; i++) {
		/* first appearances: f0, fN-1, f1, fN-2, ... */
		snprintf(name, sizeof(name), "f%d",
			 i % 2 ? N - 1 - i / 2 : i / 2);
		ck_assert_str_eq(filter_field(f, (size_t)i, &len), name);
		ck_assert_uint_eq(len, strlen(name));
		ck_assert_int_eq(filter_field_index(f, (size_t)i), i);
	}
	filter_free(f);
	free(s);
}
END_TEST

/* ---- bind, fields, empty filters -------------------------------------- */

START_TEST(test_bind_unknown)
{
	struct filter *f = NULL;
	struct diag d = {0};
	const char *text = "page = x and nope = 1 or nope = 2";
	const char *vals[NCOLS] = {"x"};

	ck_assert_int_eq(filter_parse(text, strlen(text), &f, &d), 0);
	ck_assert_int_eq(filter_bind(f, resolve, NULL, &d), -EINVAL);
	ck_assert_int_eq(d.column, 14);
	ck_assert_str_eq(d.msg, "unknown field 'nope'");
	/* unbound: fail closed */
	ck_assert_int_eq(filter_eval(f, vals, NULL), 0);
	ck_assert_int_eq(filter_field_index(f, 0), -1);
	filter_free(f);
}
END_TEST

START_TEST(test_bind_once_per_field)
{
	struct filter *f = NULL;
	struct diag d;
	const char *text = "a = 1 or a = 2 or (b = 3 and a = 4) or day = x";
	size_t len;

	ck_assert_int_eq(filter_parse(text, strlen(text), &f, &d), 0);
	ck_assert_uint_eq(filter_nfields(f), 3);
	ck_assert_str_eq(filter_field(f, 0, &len), "a");
	ck_assert_uint_eq(len, 1);
	ck_assert_str_eq(filter_field(f, 1, NULL), "b");
	ck_assert_str_eq(filter_field(f, 2, NULL), "day");
	ck_assert_ptr_null(filter_field(f, 3, NULL));
	nresolve = 0;
	ck_assert_int_eq(filter_bind(f, resolve, NULL, &d), 0);
	ck_assert_int_eq(nresolve, 3);
	ck_assert_int_eq(filter_field_index(f, 0), 4);
	ck_assert_int_eq(filter_field_index(f, 1), 5);
	ck_assert_int_eq(filter_field_index(f, 2), 7);
	filter_free(f);
}
END_TEST

static int resolve_rev(void *arg, const char *field, size_t len)
{
	return field[0] == 'a' ? 1 : 0;
}

static int resolve_enomem(void *arg, const char *field, size_t len)
{
	return -ENOMEM;
}

START_TEST(test_rebind)
{
	struct filter *f = NULL;
	struct diag d;
	const char *text = "a = 1 and b = 2";
	const char *v1[NCOLS] = {NULL}, *v2[2] = {"2", "1"};

	ck_assert_int_eq(filter_parse(text, strlen(text), &f, &d), 0);
	ck_assert_int_eq(filter_bind(f, resolve, NULL, &d), 0);
	v1[4] = "1", v1[5] = "2";
	ck_assert_int_eq(filter_eval(f, v1, NULL), 1);
	ck_assert_int_eq(filter_bind(f, resolve_rev, NULL, &d), 0);
	ck_assert_int_eq(filter_eval(f, v2, NULL), 1);
	/* a failed bind leaves it unbound; the error passes through */
	ck_assert_int_eq(filter_bind(f, resolve_enomem, NULL, &d), -ENOMEM);
	ck_assert_int_eq(filter_eval(f, v2, NULL), 0);
	filter_free(f);
}
END_TEST

START_TEST(test_empty)
{
	static const char *const empties[] = {"", " ", "\t \r\n"};
	const char *vals[NCOLS] = {NULL};
	struct filter *f;
	struct diag d;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(empties); i++) {
		f = NULL;
		ck_assert_int_eq(
		    filter_parse(empties[i], strlen(empties[i]), &f, &d), 0);
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(filter_nfields(f), 0);
		/* passes without a bind, and after one */
		ck_assert_int_eq(filter_eval(f, vals, NULL), 1);
		ck_assert_int_eq(filter_bind(f, resolve, NULL, &d), 0);
		ck_assert_int_eq(filter_eval(f, vals, NULL), 1);
		filter_free(f);
	}
	ck_assert_int_eq(filter_eval(NULL, vals, NULL), 1);
	ck_assert_uint_eq(filter_nfields(NULL), 0);
	filter_free(NULL);
}
END_TEST

START_TEST(test_lengths)
{
	/* values by pointer + length need not be NUL-terminated */
	const char *vals[NCOLS] = {NULL};
	size_t lens[NCOLS] = {0};
	struct filter *f =
	    parse_ok("s = hello and n > 41 and page ends-with lo");

	vals[3] = "helloXXX", lens[3] = 5;
	vals[2] = "42XXX", lens[2] = 2;
	vals[0] = "helloXXX", lens[0] = 5;
	ck_assert_int_eq(filter_eval(f, vals, lens), 1);
	lens[2] = 1; /* "4" */
	ck_assert_int_eq(filter_eval(f, vals, lens), 0);
	filter_free(f);
}
END_TEST

/* ---- evaluation speed ------------------------------------------------- */

START_TEST(test_speed)
{
	static const char *const pages[] = {"/docs/a", "/home", "/docs/b",
					    "/blog"};
	static const char *const countries[] = {"US", "DE", "US", "FR", "US"};
	const char *text =
	    "country = US and n >= 10 and page starts-with /docs";
	const char *vals[NCOLS] = {NULL};
	size_t lens[NCOLS] = {0};
	char nums[64][8];
	struct filter *f = parse_ok(text);
	const char *env = getenv("FILTER_BENCH_ROWS");
	long rows = env ? atol(env) : 2000000, i, pass = 0, want = 0;
	struct timespec t0, t1;
	double secs;

	for (i = 0; i < 64; i++)
		snprintf(nums[i], sizeof(nums[i]), "%ld", i * 3 % 25);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < rows; i++) {
		vals[0] = pages[i % 4], lens[0] = strlen(vals[0]);
		vals[1] = countries[i % 5], lens[1] = 2;
		vals[2] = nums[i % 64], lens[2] = strlen(vals[2]);
		pass += filter_eval(f, vals, lens);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i < rows; i++)
		want += i % 5 % 2 == 0 && i % 64 * 3 % 25 >= 10 &&
			(i % 4 == 0 || i % 4 == 2);
	ck_assert_int_eq(pass, want);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("filter speed: %ld rows in %.3f s = %.1f M rows/s (%s)\n", rows,
	       secs, secs > 0 ? (double)rows / secs / 1e6 : 0.0, text);
	filter_free(f);
}
END_TEST

/* ---- include / exclude ------------------------------------------------ */

struct vr_case {
	const char *mode, *match, *rules, *val;
	int want;
};

static const struct vr_case vr_cases[] = {
    {"include", "any", "equals:home", "home", 1},
    {"include", "any", "equals:home", "homes", 0},
    {"include", "any", "equals:home", "Home", 0},
    {"include", "any", "contains:oo", "book", 1},
    {"include", "any", "contains:oo", "bok", 0},
    {"include", "any", "starts-with:/docs", "/docs/x", 1},
    {"include", "any", "starts-with:/docs", "/doc", 0},
    {"include", "any", "ends-with:.pdf", "a.pdf", 1},
    {"include", "any", "ends-with:.pdf", "a.pdfx", 0},
    {"include", "any", "regex:^/docs/[a-z]+$", "/docs/intro", 1},
    {"include", "any", "regex:^/docs/[a-z]+$", "/docs/intro2", 0},
    {"include", "any", "regex:b.d", "abcde", 1}, /* unanchored */
    {"include", "any", "regex:^[xy]+$", "xyyx", 1},
    {"include", "any", "regex:^(ab)?(x|y)c{2}$", "abycc", 1},
    {"include", "any", "equals:a, equals:b", "a", 1},
    {"include", "any", "equals:a, equals:b", "b", 1},
    {"include", "any", "equals:a, equals:b", "c", 0},
    {"include", "all", "starts-with:a, ends-with:z", "abcz", 1},
    {"include", "all", "starts-with:a, ends-with:z", "abc", 0},
    {"include", "all", "starts-with:a, ends-with:z", "xyz", 0},
    {"exclude", "any", "equals:a, equals:b", "a", 0},
    {"exclude", "any", "equals:a, equals:b", "b", 0},
    {"exclude", "any", "equals:a, equals:b", "c", 1},
    {"exclude", "all", "starts-with:a, ends-with:z", "abcz", 0},
    {"exclude", "all", "starts-with:a, ends-with:z", "abc", 1},
    {"exclude", "any", "regex:^test", "test-page", 0},
    {"exclude", "any", "regex:^test", "page", 1},
    /* no rules: everything visible, whatever the mode */
    {"include", "any", "", "x", 1},
    {"exclude", "all", "", "x", 1},
    {"exclude", "any", " , ,", "x", 1},
    /* defaults: include, any */
    {NULL, NULL, "equals:x", "x", 1},
    {"", "", "equals:x", "y", 0},
    /* kinds are case-insensitive; spaces around kind and ':' ignored */
    {"include", "any", "EQUALS:x", "x", 1},
    {"include", "any", "Starts-With:x", "xy", 1},
    {"include", "any", "equals : x", "x", 1},
    /* the value is everything after the first ':' */
    {"include", "any", "equals:a:b", "a:b", 1},
    {"include", "any", "regex:^[0-9]{2}:[0-9]{2}$", "12:30", 1},
    {"include", "any", "regex:a\\\\1", "a\\1", 1}, /* "\\" then "1" */
    {"include", "any", "regex:^a\\.b$", "a.b", 1},
    {"include", "any", "regex:^a\\.b$", "axb", 0},
    /* empty values */
    {"exclude", "any", "equals:", "", 0},
    {"exclude", "any", "equals:", "x", 1},
    {"include", "any", "contains:", "anything", 1},
    /* byte-wise, case-sensitive */
    {"include", "any", "contains:ABC", "xabcx", 0},
    {"include", "any", "regex:caf\xc3\xa9", "un caf\xc3\xa9", 1},
    /* glibc's dialect, as rules were written for it (filter.c) */
    {"include", "any", "regex:^\\w+\\s\\S\\W$", "ab_1 x.", 1},
    {"include", "any", "regex:^\\w+$", "ab-c", 0},
    {"include", "any", "regex:\\bcat\\b", "a cat.", 1},
    {"include", "any", "regex:\\bcat\\b", "concat", 0},
    {"include", "any", "regex:\\Bcat", "concat", 1},
    {"include", "any", "regex:\\<cat\\>", "a cat", 1},
    {"include", "any", "regex:\\<cat", "concat", 0},
    {"include", "any", "regex:cat\\>", "cats", 0},
    {"include", "any", "regex:\\`ab\\'", "ab", 1},
    {"include", "any", "regex:\\`ab\\'", "xab", 0},
    {"include", "any", "regex:^\\d$", "d", 1}, /* \d is d */
    {"include", "any", "regex:^\\d$", "1", 0},
    {"include", "any", "regex:^[\\d]+$", "\\d\\", 1}, /* no escapes in [] */
    {"include", "any", "regex:^[]a]+$", "]a]", 1},
    {"include", "any", "regex:^[^]a]$", "b", 1},
    {"include", "any", "regex:^[[:digit:][:upper:]]+$", "A1B2", 1},
    {"include", "any", "regex:^[[:digit:]]+$", "A1", 0},
    {"include", "any", "regex:a)", "xa)", 1}, /* unmatched ) is literal */
    {"include", "any", "regex:^a{3}$", "aaa", 1},
    {"include", "any", "regex:^(ab){2}$", "abab", 1},
    {"include", "any", "regex:^(a+)?$", "", 1},
    {"include", "any", "regex:^(a|b)+$", "abba", 1}, /* refused before */
    {"include", "any", "regex:^(a+)*b$", "aab", 1},
    {"include", "any", "regex:a.b", "a\nb", 1},    /* . matches newline */
    {"include", "any", "regex:a$", "a\n", 0},      /* $ only at the end */
    {"include", "any", "regex:^.$", "\xc3\xa9", 1}, /* a character */
    {"include", "any", "regex:^[\xc3\xa9" "e]t[\xc3\xa9" "e]$", "\xc3\xa9" "te", 1},
    {"include", "any", "regex:^a.c$", "a\xff" "c", 0}, /* not UTF-8 */
    {"include", "any", "regex:b", "a\xff" "b", 1},
    {"include", "any", "regex:^\\(\\?$", "(?", 1},
    {"include", "any", "regex:^\\Q$", "Q", 1},
    {"include", "any", "regex:^a#b c$", "a#b c", 1}, /* no extended mode */
};

START_TEST(test_valrule)
{
	const struct vr_case *c = &vr_cases[_i];
	struct valrule *v = NULL;
	struct diag d = {0};
	int rc;

	rc = valrule_parse(c->mode, c->match, c->rules, &v, &d);
	ck_assert_msg(rc == 0, "'%s': rc %d: %s", c->rules, rc, d.msg);
	ck_assert_msg(valrule_visible(v, c->val, strlen(c->val)) == c->want,
		      "%s %s '%s' on '%s': want %d", c->mode, c->match,
		      c->rules, c->val, c->want);
	valrule_free(v);
}
END_TEST

START_TEST(test_valrule_lengths)
{
	struct valrule *v = NULL;
	struct diag d;

	/* regex sees only len bytes: "abc" of "abcd" */
	ck_assert_int_eq(valrule_parse("include", "all",
				       "regex:^abc$, "
				       "ends-with:c, equals:abc",
				       &v, &d),
			 0);
	ck_assert_int_eq(valrule_visible(v, "abcd", 3), 1);
	ck_assert_int_eq(valrule_visible(v, "abcd", 4), 0);
	ck_assert_int_eq(valrule_visible(v, NULL, 0), 0);
	valrule_free(v);
	ck_assert_int_eq(valrule_visible(NULL, "x", 1), 1);
	valrule_free(NULL);
}
END_TEST

struct vr_err_case {
	const char *mode, *match, *rules;
	int column;
	const char *msg;
};

static const struct vr_err_case vr_err_cases[] = {
    {"both", "any", "", 0, "mode must be include or exclude"},
    {"Include", "any", "", 0, "mode must be include or exclude"},
    {"include", "some", "", 0, "match must be any or all"},
    {"include", "any", "equals:a, foo", 11,
     "rule 'foo' must be KIND:VALUE (equals, contains, starts-with, "
     "ends-with or regex)"},
    {"include", "any", "bogus:x", 1,
     "rule 'bogus:x': unknown kind (expected equals, contains, "
     "starts-with, ends-with or regex)"},
    {"include", "any", ":x", 1,
     "rule ':x': unknown kind (expected equals, contains, starts-with, "
     "ends-with or regex)"},
    {"include", "any", "equals:a, regex:a(", 11,
     "rule 'regex:a(': bad regex: unmatched ( or \\("},
    {"include", "any", "regex:[z-a]", 1,
     "rule 'regex:[z-a]': bad regex: range out of order in character "
     "class"},
    {"include", "any", "regex:*a", 1,
     "rule 'regex:*a': bad regex: invalid preceding regular expression"},
    {"include", "any", "regex:", 1, "rule 'regex:': empty regex"},
    {"include", "any", "regex:^(a*)*\\1$", 1,
     "rule 'regex:^(a*)*\\1$': bad regex: back-references are not "
     "supported"},
    {"include", "any", "regex: ", 1, "rule 'regex:': empty regex"},
    /* PCRE2 would read these as its own syntax: refused, not misread */
    {"include", "any", "regex:a+?", 1,
     "rule 'regex:a+?': bad regex: a repetition of a repetition: put the "
     "first in a group, as in (a+)?"},
    {"include", "any", "regex:a+{2}", 1,
     "rule 'regex:a+{2}': bad regex: a repetition of a repetition: put "
     "the first in a group, as in (a+)?"},
    {"include", "any", "regex:(?:a)", 1,
     "rule 'regex:(?:a)': bad regex: invalid preceding regular "
     "expression"},
    {"include", "any", "regex:(*LIMIT_MATCH=99999999)a", 1,
     "rule 'regex:(*LIMIT_MATCH=99999999)a': bad regex: invalid "
     "preceding regular expression"},
    {"include", "any", "regex:^*a", 1,
     "rule 'regex:^*a': bad regex: invalid preceding regular expression"},
    {"include", "any", "regex:a{x}", 1,
     "rule 'regex:a{x}': bad regex: invalid content of \\{\\}"},
    {"include", "any", "regex:a\\", 1,
     "rule 'regex:a\\': bad regex: trailing backslash"},
    {"include", "any", "regex:[[.a.]]", 1,
     "rule 'regex:[[.a.]]': bad regex: collating elements [. .] and "
     "equivalence classes [= =] are not supported"},
    {"include", "any", "regex:[[:alpha]]", 1,
     "rule 'regex:[[:alpha]]': bad regex: invalid character class"},
    {"include", "any", "regex:[[:bogus:]]", 1,
     "rule 'regex:[[:bogus:]]': bad regex: unknown POSIX class name"},
    {"include", "any", "regex:[ab", 1,
     "rule 'regex:[ab': bad regex: unmatched ["},
    {"include", "any", "regex:caf\xc3", 1,
     "rule 'regex:caf\xc3': bad regex: UTF-8 error: byte 2 top bits "
     "not 0x80"},
    /* the limits (filter.h) */
    {"include", "any", "regex:a{1001}", 1,
     "rule 'regex:a{1001}': bad regex: a bound over 1000"},
    {"include", "any", "regex:(a?){1000}", 1,
     "rule 'regex:(a?){1000}': the regex takes more than 4 KiB compiled"},
    {"include", "any",
     "regex:((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))"
     "))))))", 1,
     "rule 'regex:(((((((((((((((((((((((((((((((...': bad regex: "
     "parentheses are too deeply nested"},
};

START_TEST(test_valrule_errors)
{
	const struct vr_err_case *c = &vr_err_cases[_i];
	struct valrule *v = (struct valrule *)1;
	struct diag d = {0};
	int rc;

	rc = valrule_parse(c->mode, c->match, c->rules, &v, &d);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_ptr_null(v);
	ck_assert_msg(d.column == c->column && !strcmp(d.msg, c->msg),
		      "'%s': got column %d: %s; want column %d: %s", c->rules,
		      d.column, d.msg, c->column, c->msg);
}
END_TEST

/* ---- bucketing -------------------------------------------------------- */

struct bk_case {
	const char *list, *val, *want;
};

static const struct bk_case bk_cases[] = {
    {"0-10:low, 10-20:mid, 20-:high", "0", "low"},
    {"0-10:low, 10-20:mid, 20-:high", "9.99", "low"},
    {"0-10:low, 10-20:mid, 20-:high", "10", "mid"}, /* HIGH exclusive */
    {"0-10:low, 10-20:mid, 20-:high", "20", "high"},
    {"0-10:low, 10-20:mid, 20-:high", "1e6", "high"}, /* open-ended */
    {"0-10:low, 10-20:mid, 20-:high", "-1", "Other"},
    {"0-10:low, 10-20:mid, 20-:high", "abc", "Other"},
    {"0-10:low, 10-20:mid, 20-:high", "", "Other"},
    {"0-10:low, 10-20:mid, 20-:high", "5x", "Other"},
    {"0-10:low, 10-20:mid, 20-:high", " 5", "Other"},
    {"-10--5:cold, -5-10:mild, 10-:hot", "-10", "cold"},
    {"-10--5:cold, -5-10:mild, 10-:hot", "-5.5", "cold"},
    {"-10--5:cold, -5-10:mild, 10-:hot", "-5", "mild"},
    {"-10--5:cold, -5-10:mild, 10-:hot", "9.5", "mild"},
    {"-10--5:cold, -5-10:mild, 10-:hot", "10", "hot"},
    {"-10--5:cold, -5-10:mild, 10-:hot", "-10.01", "Other"},
    {"0.5-1.5:a, 1.5-2.25:b", "1.5", "b"},
    {"0.5-1.5:a, 1.5-2.25:b", "1.4999", "a"},
    {"0.5-1.5:a, 1.5-2.25:b", "0.49", "Other"},
    {"0.5-1.5:a, 1.5-2.25:b", "2.25", "Other"},
    {"0-10:a, 20-30:b", "15", "Other"}, /* gap */
    {"20-30:b, 0-10:a", "5", "a"},	/* any order */
    {"20-30:b, 0-10:a", "25", "b"},
    {"0 - 10 : ten", "5", "ten"}, /* spaces */
    {"-5 - -1:neg", "-3", "neg"},
    {"0-1:a:b", "0.5", "a:b"},		     /* label after first ':' */
    {"1e2-1e3:hundreds", "500", "hundreds"}, /* exponents */
    {"1e-3-1:small", "0.01", "small"},
    {"+5-10:x", "5", "x"},
    {"0-10:same, 20-30:same", "25", "same"}, /* labels may repeat */
};

START_TEST(test_buckets)
{
	const struct bk_case *c = &bk_cases[_i];
	struct buckets *b = NULL;
	struct diag d = {0};
	int rc;

	rc = bucket_parse(c->list, &b, &d);
	ck_assert_msg(rc == 0, "'%s': rc %d: %s", c->list, rc, d.msg);
	ck_assert_str_eq(bucket_label(b, c->val, strlen(c->val)), c->want);
	bucket_free(b);
}
END_TEST

START_TEST(test_buckets_empty)
{
	struct buckets *b = NULL;
	struct diag d;

	ck_assert_int_eq(bucket_parse("", &b, &d), 0);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(bucket_count(b), 0);
	ck_assert_ptr_null(bucket_label(b, "5", 1));
	bucket_free(b);
	ck_assert_int_eq(bucket_parse(NULL, &b, &d), 0);
	bucket_free(b);
	ck_assert_ptr_null(bucket_label(NULL, "5", 1));
	bucket_free(NULL);

	ck_assert_int_eq(bucket_parse("0-10:a, 10-:b", &b, &d), 0);
	ck_assert_uint_eq(bucket_count(b), 2);
	/* by length: "5" of "50" */
	ck_assert_str_eq(bucket_label(b, "50", 1), "a");
	ck_assert_str_eq(bucket_label(b, NULL, 0), BUCKET_OTHER);
	bucket_free(b);
}
END_TEST

struct bk_err_case {
	const char *list;
	int column;
	const char *msg;
};

static const struct bk_err_case bk_err_cases[] = {
    {"0-10:a, 5-20:b", 9, "buckets '0-10:a' and '5-20:b' overlap"},
    {"5-20:b, 0-10:a", 9, "buckets '5-20:b' and '0-10:a' overlap"},
    {"0-:a, 100-:b", 7, "buckets '0-:a' and '100-:b' overlap"},
    {"0-10:a, 0-10:b", 9, "buckets '0-10:a' and '0-10:b' overlap"},
    {"-10--5:a, -6-0:b", 11, "buckets '-10--5:a' and '-6-0:b' overlap"},
    {"0-100:all, 20-30:mid", 12, "buckets '0-100:all' and '20-30:mid' overlap"},
    {"10-5:x", 1, "bucket '10-5:x': low bound must be below high bound"},
    {"5-5:x", 1, "bucket '5-5:x': low bound must be below high bound"},
    {"abc-5:x", 1, "bucket 'abc-5:x': low bound is not a number"},
    {"-:x", 1, "bucket '-:x': low bound is not a number"},
    {"inf-:x", 1, "bucket 'inf-:x': low bound is not a number"},
    {"5-abc:x", 1, "bucket '5-abc:x': high bound is not a number"},
    {"1-2-3:x", 1, "bucket '1-2-3:x': high bound is not a number"},
    {"0-1e999:x", 1, "bucket '0-1e999:x': high bound is not a number"},
    {"0-10", 1, "bucket '0-10' must be LOW-HIGH:LABEL or LOW-:LABEL"},
    {"5:x", 1, "bucket '5:x' must be LOW-HIGH:LABEL or LOW-:LABEL"},
    {"0x10-20:x", 1, "bucket '0x10-20:x' must be LOW-HIGH:LABEL or LOW-:LABEL"},
    {"0-1:a, 1-2: ", 8, "bucket '1-2:' has no label"},
};

START_TEST(test_bucket_errors)
{
	const struct bk_err_case *c = &bk_err_cases[_i];
	struct buckets *b = (struct buckets *)1;
	struct diag d = {0};

	ck_assert_int_eq(bucket_parse(c->list, &b, &d), -EINVAL);
	ck_assert_ptr_null(b);
	ck_assert_msg(d.column == c->column && !strcmp(d.msg, c->msg),
		      "'%s': got column %d: %s; want column %d: %s", c->list,
		      d.column, d.msg, c->column, c->msg);
}
END_TEST

/* ---- suite ------------------------------------------------------------ */

static void add_loop(Suite *s, const char *name, const TTest *t, int n)
{
	TCase *tc = tcase_create(name);

	tcase_add_loop_test(tc, t, 0, n);
	suite_add_tcase(s, tc);
}

static void add_tests(Suite *s, const char *name, const TTest *const *t,
		      size_t n, int timeout)
{
	TCase *tc = tcase_create(name);
	size_t i;

	if (timeout)
		tcase_set_timeout(tc, timeout);
	for (i = 0; i < n; i++)
		tcase_add_test(tc, t[i]);
	suite_add_tcase(s, tc);
}

static Suite *filter_suite(void)
{
	const TTest *const numbers[] = {test_long_number_is_text};
	const TTest *const errors[] = {test_error_nul_byte, test_error_too_long,
				       test_not_nul_terminated};
	const TTest *const deep[] = {
	    test_deep_parens,	 test_deep_nots,     test_deep_mixed,
	    test_deep_and_chain, test_deep_unclosed, test_depth_limit_ok,
	    test_long_chain,	 test_many_fields,
	};
	const TTest *const bind[] = {test_bind_unknown,
				     test_bind_once_per_field, test_rebind};
	const TTest *const rows[] = {test_empty, test_lengths};
	const TTest *const speed[] = {test_speed};
	const TTest *const vr[] = {test_valrule_lengths};
	const TTest *const bk[] = {test_buckets_empty};
	Suite *s = suite_create("filter");

	add_loop(s, "operators", test_operators, (int)ARRAY_SIZE(op_cases));
	add_loop(s, "numbers", test_numbers, (int)ARRAY_SIZE(num_cases));
	add_tests(s, "long_numbers", numbers, ARRAY_SIZE(numbers), 0);
	add_loop(s, "precedence", test_precedence, (int)ARRAY_SIZE(prec_cases));
	add_loop(s, "absent", test_absent, (int)ARRAY_SIZE(absent_cases));
	add_loop(s, "quoting", test_quoting, (int)ARRAY_SIZE(quote_cases));
	add_loop(s, "day", test_day, (int)ARRAY_SIZE(day_cases));
	add_loop(s, "errors", test_errors, (int)ARRAY_SIZE(err_cases));
	add_tests(s, "errors_raw", errors, ARRAY_SIZE(errors), 0);
	add_tests(s, "nesting", deep, ARRAY_SIZE(deep), 60);
	add_tests(s, "bind", bind, ARRAY_SIZE(bind), 0);
	add_tests(s, "rows", rows, ARRAY_SIZE(rows), 0);
	add_tests(s, "speed", speed, ARRAY_SIZE(speed), 120);
	add_loop(s, "valrule", test_valrule, (int)ARRAY_SIZE(vr_cases));
	add_tests(s, "valrule_lengths", vr, ARRAY_SIZE(vr), 0);
	add_loop(s, "valrule_errors", test_valrule_errors,
		 (int)ARRAY_SIZE(vr_err_cases));
	add_loop(s, "buckets", test_buckets, (int)ARRAY_SIZE(bk_cases));
	add_tests(s, "buckets_empty", bk, ARRAY_SIZE(bk), 0);
	add_loop(s, "bucket_errors", test_bucket_errors,
		 (int)ARRAY_SIZE(bk_err_cases));
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(filter_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
