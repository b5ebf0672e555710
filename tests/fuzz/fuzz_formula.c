/*
 * fuzz_formula.c - calculated metric formulas: wsdef_formula_parse,
 * wsdef_formula_eval, the refs.
 *
 * Input: the whole input is the formula text (not NUL-terminated).
 *
 * The oracle is a reference evaluator written here from wsdef.h alone:
 * a plain recursive reading of the grammar over the text that computes
 * the value as it goes, with the same limits.  Invariants:
 *   - the parser accepts exactly what the reference accepts; a rejected
 *     formula gives -EINVAL, no formula, a message and a column within
 *     the text (0 only for the length limit);
 *   - on every row of values (zeros, NaN for empty, negatives, huge
 *     numbers) the compiled program gives the reference's value, bit for
 *     bit, or an empty cell exactly when the reference's value is not
 *     finite;
 *   - the refs are the distinct metrics in order of first use;
 *   - "(X)" evaluates as X and "-(X)" as its negation, while the
 *     nesting allows them.
 */
#include <errno.h>
#include <math.h>

#include "fuzz.h"
#include "wsdef.h"

static const char *const metrics[] = {
    "a", "b", "rev", "page-views", "x.y", "_z", "2024-sales", "",
};
#define NM FUZZ_ARRAY_SIZE(metrics)

#define NROWS 4
static double rows[NROWS][NM];

static void rows_init(void)
{
	static const double v[NROWS][NM] = {
	    {1, 2, 3, 4, 5, 6, 7, 8},
	    {0, -0.0, 0.5, -3, 1e308, -1e308, 1e-320, 42},
	    {NAN, 1, 0, 2, 3, 4, 5, 6},
	    {7, 7, 7, 0, 0, 0, 1e300, 1e-300},
	};

	memcpy(rows, v, sizeof(rows));
}

/* ---- the reference ---- */

struct ref {
	const char *s;
	size_t n, pos;
	int depth, terms, err;
	const double *row;
	int used[NM];
	size_t order[NM], norder;
};

static int ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

static int nstart(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int nbyte(char c)
{
	return nstart(c) || digit(c) || c == '.' || c == '-';
}

static void skip(struct ref *r)
{
	while (r->pos < r->n && ws(r->s[r->pos]))
		r->pos++;
}

static int peek(struct ref *r)
{
	skip(r);
	return r->pos < r->n ? (unsigned char)r->s[r->pos] : -1;
}

static double sum(struct ref *r);

static void use(struct ref *r, size_t i)
{
	if (!r->used[i]) {
		r->used[i] = 1;
		r->order[r->norder++] = i;
	}
}

static double name(struct ref *r, const char *t, size_t len)
{
	size_t i;

	for (i = 0; i < NM; i++)
		if (strlen(metrics[i]) == len && !memcmp(metrics[i], t, len)) {
			use(r, i);
			return r->row[i];
		}
	r->err = 1;
	return 0;
}

static double number(struct ref *r)
{
	size_t i = r->pos, j = i, k;
	char buf[WSDEF_NUMBER_MAX + 1];
	double v;

	while (j < r->n && digit(r->s[j]))
		j++;
	if (j < r->n && r->s[j] == '.') {
		for (k = ++j; j < r->n && digit(r->s[j]);)
			j++;
		if (j == k)
			goto bad;
	}
	if (j < r->n && (r->s[j] == 'e' || r->s[j] == 'E')) {
		j++;
		if (j < r->n && (r->s[j] == '+' || r->s[j] == '-'))
			j++;
		for (k = j; j < r->n && digit(r->s[j]);)
			j++;
		if (j == k)
			goto bad;
	}
	if (j == i || (j < r->n && nbyte(r->s[j])) ||
	    j - i > WSDEF_NUMBER_MAX)
		goto bad;
	memcpy(buf, r->s + i, j - i);
	buf[j - i] = '\0';
	v = strtod(buf, NULL);
	if (!isfinite(v))
		goto bad;
	r->pos = j;
	return v;
bad:
	r->err = 1;
	return 0;
}

static double primary(struct ref *r)
{
	int c = peek(r);
	size_t i;
	const char *q;
	double v;

	if (r->err)
		return 0;
	if (c == '(') {
		if (++r->depth > WSDEF_FORMULA_MAX_DEPTH) {
			r->err = 1;
			return 0;
		}
		r->pos++;
		v = sum(r);
		if (r->err || peek(r) != ')') {
			r->err = 1;
			return 0;
		}
		r->pos++;
		r->depth--;
		return v;
	}
	if (c < 0 || !(digit((char)c) || c == '.' || nstart((char)c) ||
		       c == '"')) {
		r->err = 1;
		return 0;
	}
	if (++r->terms > WSDEF_FORMULA_MAX_TERMS) {
		r->err = 1;
		return 0;
	}
	if (digit((char)c) || c == '.')
		return number(r);
	if (c == '"') {
		q = memchr(r->s + r->pos + 1, '"', r->n - r->pos - 1);
		if (!q) {
			r->err = 1;
			return 0;
		}
		for (i = r->pos + 1; r->s + i < q; i++)
			if ((unsigned char)r->s[i] < 0x20 || r->s[i] == 0x7f)
				r->err = 1;
		if (r->err)
			return 0;
		v = name(r, r->s + r->pos + 1, (size_t)(q - r->s) - r->pos - 1);
		r->pos = (size_t)(q - r->s) + 1;
		return v;
	}
	for (i = r->pos; i < r->n && nbyte(r->s[i]);)
		i++;
	v = name(r, r->s + r->pos, i - r->pos);
	r->pos = i;
	return v;
}

static double unary(struct ref *r)
{
	int neg = 0, depth = r->depth;
	double v;

	while (!r->err && peek(r) == '-') {
		if (++r->depth > WSDEF_FORMULA_MAX_DEPTH)
			r->err = 1;
		r->pos++;
		neg++;
	}
	v = primary(r);
	while (neg--)
		v = -v;
	r->depth = depth;
	return v;
}

static double product(struct ref *r)
{
	double l = unary(r), rt;
	int c;

	while (!r->err && ((c = peek(r)) == '*' || c == '/')) {
		r->pos++;
		rt = unary(r);
		if (c == '*')
			l = l * rt;
		else
			l = rt == 0 ? NAN : l / rt;
	}
	return l;
}

static double sum(struct ref *r)
{
	double l = product(r), rt;
	int c;

	while (!r->err && ((c = peek(r)) == '+' || c == '-')) {
		r->pos++;
		rt = product(r);
		l = c == '+' ? l + rt : l - rt;
	}
	return l;
}

/* 1 and *v if the reference accepts s[0..n) */
static int ref_eval(const char *s, size_t n, const double *row, double *v,
		    struct ref *r)
{
	memset(r, 0, sizeof(*r));
	r->s = s;
	r->n = n;
	r->row = row;
	if (n > WSDEF_FORMULA_MAX_LEN)
		return 0;
	*v = sum(r);
	if (!r->err && peek(r) != -1)
		r->err = 1;
	return !r->err;
}

static void same(const struct wsdef_formula *f, const double *row, double want)
{
	double got;
	int have = wsdef_formula_eval(f, row, &got);

	if (!isfinite(want)) {
		FUZZ_CHECK(!have);
		return;
	}
	FUZZ_CHECK(have);
	FUZZ_CHECK(!memcmp(&got, &want, sizeof(got)));
}

/* Parse text as a formula; against the reference on every row.  1 if
 * accepted; *vals the reference's values. */
static int check(const char *s, size_t n, double vals[NROWS])
{
	struct wsdef_formula *f = (void *)1;
	struct diag d;
	struct ref r;
	size_t i, k;
	int rc, ok = 0;

	rc = wsdef_formula_parse(s, n, metrics, NM, &f, &d);
	for (i = 0; i < NROWS; i++)
		ok = ref_eval(s, n, rows[i], &vals[i], &r);
	if (rc) {
		FUZZ_CHECK(rc == -EINVAL);
		FUZZ_CHECK(f == NULL);
		FUZZ_CHECK(!ok);
		FUZZ_CHECK(d.msg[0]);
		FUZZ_CHECK(d.line == 0);
		FUZZ_CHECK(d.column >= 0 && (size_t)d.column <= n + 1);
		FUZZ_CHECK(d.column > 0 || n > WSDEF_FORMULA_MAX_LEN);
		return 0;
	}
	FUZZ_CHECK(ok);
	FUZZ_CHECK(wsdef_formula_nrefs(f) == r.norder);
	for (k = 0; k < r.norder; k++)
		FUZZ_CHECK(wsdef_formula_ref(f, k) == r.order[k]);
	for (i = 0; i < NROWS; i++)
		same(f, rows[i], vals[i]);
	wsdef_formula_free(f);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	double vals[NROWS], wrapped[NROWS];
	char *w;
	size_t i;

	if (!rows[0][0])
		rows_init();
	if (!check((const char *)data, size, vals))
		return 0;
	if (size > 1000)
		return 0;
	/* "(X)" and "-(X)" */
	w = malloc(size + 3);
	FUZZ_CHECK(w != NULL);
	w[0] = '-';
	w[1] = '(';
	memcpy(w + 2, data, size);
	w[size + 2] = ')';
	if (check(w + 1, size + 2, wrapped))
		for (i = 0; i < NROWS; i++)
			FUZZ_CHECK(!memcmp(&wrapped[i], &vals[i],
					   sizeof(double)) ||
				   (isnan(wrapped[i]) && isnan(vals[i])));
	if (check(w, size + 3, wrapped))
		for (i = 0; i < NROWS; i++)
			FUZZ_CHECK(wrapped[i] == -vals[i] ||
				   (isnan(wrapped[i]) && isnan(vals[i])));
	free(w);
	return 0;
}
