/*
 * fuzz_filter.c - the row filter: filter_parse, filter_bind, filter_eval.
 *
 * Input: the whole input is the filter text (not NUL-terminated).
 *
 * A rejected filter must give -EINVAL, no filter, a message and a column
 * within the text.  An accepted one is checked against a reference
 * evaluator written here from filter.h alone: a plain recursive reading
 * of the grammar over the text, so the compiled jump program, the number
 * rules and the distinct-field table all have an independent oracle.
 *
 *   - fields: filter_field(i) lists the distinct names in order of first
 *     appearance, as the reference sees them;
 *   - bind to a fixed field set (page, country, day, amount, user,
 *     status, a, b): succeeds exactly when every name is in it, else
 *     -EINVAL at the column of the first use of the first unknown name,
 *     and the unbound filter then passes no row;
 *   - bind again with every name mapped to a column by a hash, and
 *     evaluate on fixed rows (NULLs, numbers, text, embedded NULs), with
 *     and without lengths: the result must equal the reference's;
 *   - "not (X)" must give the opposite result, unless it nests too deep;
 *   - filter_eval_absent, the NULLs absent: the reference in SQL's
 *     three-valued logic must find X true, and "not (X)" false, on the
 *     same rows.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <math.h>
#include <strings.h>

#include "filter.h"
#include "fuzz.h"

#define NCOLS 8

static const char *const fixed_fields[NCOLS] = {
    "page", "country", "day", "amount", "user", "status", "a", "b",
};

/* Rows by column; NULL is a missing value. */
#define NROWS 6
static const char *const rows[NROWS][NCOLS] = {
    {"home", "fr", "2024-01-31", "10", "alice", "not", "1.0", ""},
    {"checkout", "de", "2023-12-01", "9.5", "bob", "active", "-0", "x y"},
    {NULL, "", "2024-02-29", "1e3", "", NULL, "10", "9a"},
    {"Home", "FR", "0000-01-01", "-12", "al\xc3\xa9", "AND", "+.5", "0x10"},
    {"a,b", "\"q\"", "9999-12-31", "1000", "contains", "", "1e309", "nan"},
    {"home page", "starts-with", "", "007", "x", "y", "100", "99"},
};
/* Lengths of row 5 hide a NUL inside two values. */
static const char nul_vals[2][8] = {"ho\0me", "1\0002"};

static int fixed_resolve(void *arg, const char *name, size_t len)
{
	int i;

	FUZZ_CHECK(strlen(name) == len);
	for (i = 0; i < NCOLS; i++)
		if (!strcmp(fixed_fields[i], name))
			return i;
	return -1;
}

static int hash_col(const char *name, size_t len)
{
	uint32_t h = 2166136261u;

	while (len--)
		h = (h ^ (unsigned char)*name++) * 16777619u;
	return (int)(h % NCOLS);
}

static int hash_resolve(void *arg, const char *name, size_t len)
{
	FUZZ_CHECK(strlen(name) == len);
	return hash_col(name, len);
}

/* ---- the reference ---- */

enum { R_END, R_LP, R_RP, R_AND, R_OR, R_NOT, R_CMP, R_WORD, R_STR };
enum { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE, C_CONTAINS, C_STARTS, C_ENDS };

/* The reference's truth values: with absent values, unknown too; "not"
 * is 2 - x, and and or min and max. */
enum { V_FALSE, V_UNKNOWN, V_TRUE };

struct ref {
	const char *s;
	size_t n, pos;
	int tok, cmp;
	const char *t; /* token text */
	size_t tlen, tcol;
	char *val; /* unescaped value of R_STR / R_WORD: n bytes */
	size_t vlen;
	const char *const *row;
	const size_t *lens;
	int absent; /* a NULL is unknown, not the empty value */
	/* distinct names in order of first use: at most n of them */
	const char **name;
	size_t *nlen, *ncol;
	size_t nnames;
};

static int bare(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("._-:/@+", c) || c >= 0x80;
}

static int kw(const char *t, size_t n, const char *k)
{
	return strlen(k) == n && !strncasecmp(t, k, n);
}

static void ref_lex(struct ref *r)
{
	const char *s = r->s;
	size_t i;

	while (r->pos < r->n && strchr(" \t\r\n", s[r->pos]) && s[r->pos])
		r->pos++;
	r->t = s + r->pos;
	r->tcol = r->pos + 1;
	if (r->pos >= r->n) {
		r->tok = R_END;
		r->tlen = 0;
		return;
	}
	switch (s[r->pos]) {
	case '(':
		r->tok = R_LP, r->pos++;
		break;
	case ')':
		r->tok = R_RP, r->pos++;
		break;
	case '=':
		r->tok = R_CMP, r->cmp = C_EQ, r->pos++;
		break;
	case '!':
		r->tok = R_CMP, r->cmp = C_NE, r->pos += 2;
		break;
	case '<':
	case '>':
		r->tok = R_CMP;
		if (r->pos + 1 < r->n && s[r->pos + 1] == '=')
			r->cmp = s[r->pos] == '<' ? C_LE : C_GE, r->pos += 2;
		else
			r->cmp = s[r->pos] == '<' ? C_LT : C_GT, r->pos++;
		break;
	case '"':
	case '\'':
		r->tok = R_STR;
		r->vlen = 0;
		for (i = r->pos + 1; s[i] != s[r->pos]; i++) {
			if (s[i] == '\\')
				i++;
			r->val[r->vlen++] = s[i];
		}
		r->pos = i + 1;
		break;
	default:
		FUZZ_CHECK(bare((unsigned char)s[r->pos]));
		for (i = r->pos; i < r->n && bare((unsigned char)s[i]); i++)
			;
		r->tlen = i - r->pos;
		r->pos = i;
		r->tok = R_WORD;
		if (kw(r->t, r->tlen, "and"))
			r->tok = R_AND;
		else if (kw(r->t, r->tlen, "or"))
			r->tok = R_OR;
		else if (kw(r->t, r->tlen, "not"))
			r->tok = R_NOT;
		else if (kw(r->t, r->tlen, "contains"))
			r->tok = R_CMP, r->cmp = C_CONTAINS;
		else if (kw(r->t, r->tlen, "starts-with"))
			r->tok = R_CMP, r->cmp = C_STARTS;
		else if (kw(r->t, r->tlen, "ends-with"))
			r->tok = R_CMP, r->cmp = C_ENDS;
		return;
	}
	r->tlen = (size_t)(s + r->pos - r->t);
}

/* [+-] digits [. digits] [(e|E) [+-] digits], a digit before the e,
 * at most 127 bytes, finite. */
static int ref_number(const char *s, size_t n, double *x)
{
	char tmp[128], *end;
	size_t i = 0, d = 0;

	if (!n || n > 127)
		return 0;
	if (s[i] == '+' || s[i] == '-')
		i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
	if (!d)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i != n)
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	*x = strtod(tmp, &end);
	return isfinite(*x);
}

static int ref_test(int cmp, const char *v, size_t n, const char *c, size_t cn)
{
	double x, y;
	int r;

	switch (cmp) {
	case C_CONTAINS:
		return !cn || (n >= cn && memmem(v, n, c, cn));
	case C_STARTS:
		return n >= cn && !memcmp(v, c, cn);
	case C_ENDS:
		return n >= cn && !memcmp(v + n - cn, c, cn);
	}
	if (ref_number(c, cn, &y) && ref_number(v, n, &x)) {
		r = (x > y) - (x < y);
	} else if (cmp == C_EQ || cmp == C_NE) {
		r = !(n == cn && !memcmp(v, c, n));
	} else {
		r = memcmp(v, c, n < cn ? n : cn);
		if (!r)
			r = (n > cn) - (n < cn);
	}
	switch (cmp) {
	case C_EQ:
		return !r;
	case C_NE:
		return r != 0;
	case C_LT:
		return r < 0;
	case C_LE:
		return r <= 0;
	case C_GT:
		return r > 0;
	default:
		return r >= 0;
	}
}

static void ref_name(struct ref *r)
{
	size_t i;

	for (i = 0; i < r->nnames; i++)
		if (r->nlen[i] == r->tlen && !memcmp(r->name[i], r->t, r->tlen))
			return;
	r->name[r->nnames] = r->t;
	r->nlen[r->nnames] = r->tlen;
	r->ncol[r->nnames] = r->tcol;
	r->nnames++;
}

static int ref_or(struct ref *r);

static int ref_primary(struct ref *r)
{
	const char *v;
	size_t n;
	int col, cmp, res;

	if (r->tok == R_LP) {
		ref_lex(r);
		res = ref_or(r);
		FUZZ_CHECK(r->tok == R_RP);
		ref_lex(r);
		return res;
	}
	FUZZ_CHECK(r->tok == R_WORD);
	ref_name(r);
	col = hash_col(r->t, r->tlen);
	ref_lex(r);
	FUZZ_CHECK(r->tok == R_CMP);
	cmp = r->cmp;
	ref_lex(r);
	FUZZ_CHECK(r->tok == R_WORD || r->tok == R_STR);
	if (r->tok == R_WORD) {
		memcpy(r->val, r->t, r->tlen);
		r->vlen = r->tlen;
	}
	v = r->row[col];
	n = v ? r->lens[col] : 0;
	if (!v && r->absent)
		res = V_UNKNOWN;
	else
		res = ref_test(cmp, v ? v : "", n, r->val, r->vlen) ? V_TRUE
								    : V_FALSE;
	ref_lex(r);
	return res;
}

static int ref_unary(struct ref *r)
{
	int nots = 0, res;

	while (r->tok == R_NOT) {
		nots++;
		ref_lex(r);
	}
	res = ref_primary(r);
	return nots & 1 ? V_TRUE - res : res;
}

static int ref_and(struct ref *r)
{
	int res = ref_unary(r), b;

	while (r->tok == R_AND) {
		ref_lex(r);
		b = ref_unary(r);
		res = b < res ? b : res;
	}
	return res;
}

static int ref_or(struct ref *r)
{
	int res = ref_and(r), b;

	while (r->tok == R_OR) {
		ref_lex(r);
		b = ref_and(r);
		res = b > res ? b : res;
	}
	return res;
}

/* The reference's truth value of text on row (absent: NULLs are
 * unknown); fills r's name table. */
static int ref_eval3(struct ref *r, const char *text, size_t len,
		     const char *const *row, const size_t *lens, int absent)
{
	int res;

	r->absent = absent;
	r->nnames = 0;
	r->pos = 0;
	r->s = text;
	r->n = len;
	r->row = row;
	r->lens = lens;
	ref_lex(r);
	if (r->tok == R_END)
		return V_TRUE;
	res = ref_or(r);
	FUZZ_CHECK(r->tok == R_END);
	return res;
}

/* The reference result of text on row, NULLs empty. */
static int ref_eval(struct ref *r, const char *text, size_t len,
		    const char *const *row, const size_t *lens)
{
	return ref_eval3(r, text, len, row, lens, 0) == V_TRUE;
}

/* ---- checks ---- */

static void row_of(int i, const char *vals[NCOLS], size_t lens[NCOLS])
{
	int c;

	for (c = 0; c < NCOLS; c++) {
		vals[c] = rows[i][c];
		lens[c] = vals[c] ? strlen(vals[c]) : 0;
	}
	if (i == NROWS - 1) {
		vals[0] = nul_vals[0];
		lens[0] = 5;
		vals[6] = nul_vals[1];
		lens[6] = 3;
	}
}

/* want: X's result per row; nwant: whether X is false with NULLs
 * absent. */
static void check_not(const char *text, size_t len, const int *want,
		      const int *nwant)
{
	struct filter *f;
	struct diag d;
	const char *vals[NCOLS];
	size_t lens[NCOLS];
	char *neg = malloc(len + 7);
	int i, rc;

	FUZZ_CHECK(neg != NULL);
	memcpy(neg, "not (", 5);
	memcpy(neg + 5, text, len);
	neg[len + 5] = ')';
	rc = filter_parse(neg, len + 6, &f, &d);
	if (rc) {
		FUZZ_CHECK(rc == -EINVAL);
		FUZZ_CHECK(strstr(d.msg, "nested too deeply") != NULL);
		free(neg);
		return;
	}
	FUZZ_CHECK(filter_bind(f, hash_resolve, NULL, &d) == 0);
	for (i = 0; i < NROWS; i++) {
		row_of(i, vals, lens);
		FUZZ_CHECK(filter_eval(f, vals, lens) == !want[i]);
		FUZZ_CHECK(filter_eval_absent(f, vals, lens) == nwant[i]);
	}
	filter_free(f);
	free(neg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct filter *f;
	struct ref r;
	struct diag d;
	const char *vals[NCOLS], *name;
	size_t lens[NCOLS], i, n, nlen;
	int want[NROWS], nwant[NROWS], rc, res, known = 1, t3;

	memset(&d, 0, sizeof(d));
	f = (struct filter *)&d; /* filter_parse must set it */
	rc = filter_parse(text, size, &f, &d);
	if (rc) {
		FUZZ_CHECK(rc == -EINVAL);
		FUZZ_CHECK(f == NULL);
		FUZZ_CHECK(d.msg[0] != '\0');
		FUZZ_CHECK(d.line == 0);
		FUZZ_CHECK(d.column >= 0 && (size_t)d.column <= size + 1);
		return 0;
	}
	FUZZ_CHECK(f != NULL);
	r.val = malloc(size + 1);
	r.name = calloc(size + 1, sizeof(*r.name));
	r.nlen = calloc(size + 1, sizeof(*r.nlen));
	r.ncol = calloc(size + 1, sizeof(*r.ncol));
	FUZZ_CHECK(r.val && r.name && r.nlen && r.ncol);

	/* the reference's view of the names */
	row_of(0, vals, lens);
	ref_eval(&r, text, size, vals, lens);
	n = filter_nfields(f);
	FUZZ_CHECK(n == r.nnames);
	for (i = 0; i < n; i++) {
		name = filter_field(f, i, &nlen);
		FUZZ_CHECK(name && nlen == r.nlen[i]);
		FUZZ_CHECK(!memcmp(name, r.name[i], nlen));
		FUZZ_CHECK(name[nlen] == '\0');
		FUZZ_CHECK(filter_field_index(f, i) == -1);
	}
	FUZZ_CHECK(filter_field(f, n, NULL) == NULL);

	/* the fixed field set: the first unknown name fails the bind */
	for (i = 0; i < n; i++)
		if (fixed_resolve(NULL, filter_field(f, i, NULL), r.nlen[i]) <
		    0) {
			known = 0;
			break;
		}
	rc = filter_bind(f, fixed_resolve, NULL, &d);
	if (known) {
		FUZZ_CHECK(rc == 0);
	} else {
		FUZZ_CHECK(rc == -EINVAL);
		FUZZ_CHECK(d.column == (int)r.ncol[i]);
		FUZZ_CHECK(filter_eval(f, vals, lens) == 0); /* fail closed */
		FUZZ_CHECK(filter_field_index(f, 0) == -1);
	}

	/* every name bound: compare with the reference */
	FUZZ_CHECK(filter_bind(f, hash_resolve, NULL, &d) == 0);
	for (i = 0; i < n; i++) {
		name = filter_field(f, i, &nlen);
		FUZZ_CHECK(filter_field_index(f, i) == hash_col(name, nlen));
	}
	for (i = 0; i < NROWS; i++) {
		row_of((int)i, vals, lens);
		res = filter_eval(f, vals, lens);
		want[i] = ref_eval(&r, text, size, vals, lens);
		if (res != want[i])
			fprintf(stderr,
				"row %zu: filter_eval %d, reference %d\n", i,
				res, want[i]);
		FUZZ_CHECK(res == want[i]);
		if (i < NROWS - 1) /* no NUL inside: lengths optional */
			FUZZ_CHECK(filter_eval(f, vals, NULL) == res);
		t3 = ref_eval3(&r, text, size, vals, lens, 1);
		res = filter_eval_absent(f, vals, lens);
		if (res != (t3 == V_TRUE))
			fprintf(stderr,
				"row %zu: filter_eval_absent %d, reference "
				"%d (of 0 false, 1 unknown, 2 true)\n",
				i, res, t3);
		FUZZ_CHECK(res == (t3 == V_TRUE));
		nwant[i] = t3 == V_FALSE;
	}
	if (n)
		check_not(text, size, want, nwant);
	filter_free(f);
	free(r.val);
	free(r.name);
	free(r.nlen);
	free(r.ncol);
	return 0;
}
