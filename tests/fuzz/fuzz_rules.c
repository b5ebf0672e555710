/*
 * fuzz_rules.c - component value rules: valrule_parse/visible and
 * bucket_parse/label.
 *
 * Input: byte 0 picks the parser (bit 0: buckets) and, for value rules,
 * the mode (bits 1-3: NULL, "", include, exclude, a bad word) and the
 * match (bits 4-6: NULL, "", any, all, a bad word).  The rest, up to the
 * first NUL, is the list; what follows, split at NULs, are extra values
 * to try besides a fixed set.
 *
 * Value rules are checked against a reference written from filter.h: the
 * list split at ',' and trimmed, each KIND:VALUE matched by hand, any/all
 * and include/exclude applied.  Regexes run on PCRE2, rewritten from the
 * POSIX dialect of glibc, so glibc's regcomp/regexec (REG_STARTEND) is
 * their reference where it can be one: printable ASCII patterns of at
 * most 32 bytes with at most one bound (glibc's regcomp multiplies
 * nested bounds), that glibc accepts, on ASCII values of at most 256
 * bytes; elsewhere the value is not compared.  A value the rules leave
 * to a regex a limit stopped (valrule_match -1) must be hidden in both
 * modes; any other must be shown by exactly one of the two modes.
 *
 * Buckets are checked against a reference reading of LOW-HIGH:LABEL
 * (longest number, '-', the rest) and a linear search; the list in
 * reverse order must be accepted or refused alike and label alike.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <strings.h>

#include "filter.h"
#include "fuzz.h"

static const char *const fixed_vals[] = {
    "",	      "a",
    "abc",    "0",
    "-1",     "1",
    "1.5",    "10",
    "9.999",  "-0",
    "1e3",    "100",
    "2.5",    "-10",
    "-5",     "1e308",
    "-1e308", "x y",
    "regex",  "equals:",
    "Other",  "\xc3\xa9t\xc3\xa9",
    "nan",    "inf",
    "0x10",
};

#define NMODES 5
static const char *const modes[NMODES] = {NULL, "", "include", "exclude",
					  "Include"};
static const char *const matches[NMODES] = {NULL, "", "any", "all", "every"};

struct vals {
	const char **v;
	size_t *len;
	size_t n;
};

static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t'))
		(*s)++, (*n)--;
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* Call fn on each trimmed, non-empty item of list. */
static void items(const char *list, void (*fn)(const char *, size_t, void *),
		  void *arg)
{
	const char *p = list, *e;
	size_t n;

	for (;;) {
		const char *it = p;

		e = strchr(p, ',');
		n = e ? (size_t)(e - p) : strlen(p);
		trim(&it, &n);
		if (n)
			fn(it, n, arg);
		if (!e)
			return;
		p = e + 1;
	}
}

/* ---- value rules ---- */

struct vr_ref {
	const char *val;
	size_t len;
	int nitems, nmatch;
	int unknown;	/* a regex the reference cannot judge */
};

/* glibc can be the reference for regex re[0..n) on value v[0..len). */
static int glibc_can(const char *re, size_t n, const char *v, size_t len)
{
	size_t i, bounds = 0;

	if (n > 32 || len > 256)
		return 0;
	for (i = 0; i < n; i++) {
		if (re[i] < 0x20 || re[i] > 0x7e)
			return 0;
		bounds += re[i] == '{';
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] >= 0x80)
			return 0;
	return bounds <= 1;
}

static void vr_ref_item(const char *it, size_t n, void *arg)
{
	struct vr_ref *r = arg;
	const char *colon = memchr(it, ':', n), *k = it, *v;
	size_t kn, vn;
	int m;

	FUZZ_CHECK(colon != NULL);
	kn = (size_t)(colon - it);
	trim(&k, &kn);
	v = colon + 1;
	vn = (size_t)(it + n - v);
	trim(&v, &vn);
#define KIND(w) (kn == strlen(w) && !strncasecmp(k, w, kn))
	if (KIND("equals")) {
		m = r->len == vn && !memcmp(r->val, v, vn);
	} else if (KIND("contains")) {
		m = !vn || memmem(r->val, r->len, v, vn) != NULL;
	} else if (KIND("starts-with")) {
		m = r->len >= vn && !memcmp(r->val, v, vn);
	} else if (KIND("ends-with")) {
		m = r->len >= vn && !memcmp(r->val + r->len - vn, v, vn);
	} else {
		char *re = strndup(v, vn);
		regex_t rx;
		regmatch_t pm = {0, (regoff_t)r->len};

		FUZZ_CHECK(KIND("regex") && re != NULL);
		m = 0;
		if (!glibc_can(v, vn, r->val, r->len) ||
		    regcomp(&rx, re, REG_EXTENDED | REG_NOSUB)) {
			r->unknown = 1;
		} else {
			m = !regexec(&rx, r->val, 1, &pm, REG_STARTEND);
			regfree(&rx);
		}
		free(re);
	}
#undef KIND
	r->nitems++;
	r->nmatch += m;
}

static void check_valrule(uint8_t sel, const char *list, const struct vals *vs)
{
	const char *mode = modes[(sel >> 1) % NMODES];
	const char *match = matches[(sel >> 4) % NMODES];
	const char *other =
	    mode && !strcmp(mode, "exclude") ? "include" : "exclude";
	struct valrule *v = (struct valrule *)&sel, *inv = NULL;
	struct diag d = {0};
	struct vr_ref ref;
	size_t i;
	int rc, vis, all, excl, want;

	rc = valrule_parse(mode, match, list, &v, &d);
	if (rc) {
		FUZZ_CHECK(rc == -EINVAL);
		FUZZ_CHECK(v == NULL);
		FUZZ_CHECK(d.msg[0] != '\0');
		FUZZ_CHECK(d.column >= 0 &&
			   (size_t)d.column <= strlen(list) + 1);
		return;
	}
	FUZZ_CHECK(v != NULL);
	FUZZ_CHECK(valrule_parse(other, match, list, &inv, &d) == 0);
	all = match && !strcmp(match, "all");
	excl = mode && !strcmp(mode, "exclude");
	for (i = 0; i < vs->n; i++) {
		memset(&ref, 0, sizeof(ref));
		ref.val = vs->v[i];
		ref.len = vs->len[i];
		items(list, vr_ref_item, &ref);
		vis = valrule_visible(v, vs->v[i], vs->len[i]);
		if (!ref.nitems) {
			FUZZ_CHECK(vis == 1);
			FUZZ_CHECK(valrule_visible(inv, vs->v[i], vs->len[i]));
			continue;
		}
		if (valrule_match(v, vs->v[i], vs->len[i]) < 0) {
			/* fail closed: hidden whatever the mode */
			FUZZ_CHECK(vis == 0);
			FUZZ_CHECK(!valrule_visible(inv, vs->v[i], vs->len[i]));
			continue;
		}
		FUZZ_CHECK(valrule_visible(inv, vs->v[i], vs->len[i]) == !vis);
		if (ref.unknown)
			continue;
		want = (all ? ref.nmatch == ref.nitems : ref.nmatch > 0) ^ excl;
		FUZZ_CHECK(vis == want);
	}
	FUZZ_CHECK(valrule_visible(v, NULL, 0) == valrule_visible(v, "", 0));
	valrule_free(v);
	valrule_free(inv);
}

/* ---- buckets ---- */

/* The longest decimal number at the start of s[0..n) (filter.h). */
static size_t num_len(const char *s, size_t n)
{
	size_t i = 0, d = 0, j;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
	if (!d)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		j = i + 1;
		if (j < n && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j < n && s[j] >= '0' && s[j] <= '9') {
			while (j < n && s[j] >= '0' && s[j] <= '9')
				j++;
			i = j;
		}
	}
	return i;
}

static int number(const char *s, size_t n, double *x)
{
	char tmp[128], *end;

	if (!n || n > 127 || num_len(s, n) != n)
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	*x = strtod(tmp, &end);
	return end == tmp + n && isfinite(*x);
}

struct bk_ref {
	double x;
	const char *label; /* of the bucket holding x */
	size_t llen;
	int nitems, nhold;
	const char **item; /* the items, for the reversed list */
	size_t *ilen;
};

static void bk_ref_item(const char *it, size_t n, void *arg)
{
	struct bk_ref *r = arg;
	const char *colon = memchr(it, ':', n), *rg = it, *lab;
	size_t rn, ln, i;
	double lo, hi = INFINITY;

	FUZZ_CHECK(colon != NULL);
	if (r->item) {
		r->item[r->nitems] = it;
		r->ilen[r->nitems] = n;
	}
	r->nitems++;
	rn = (size_t)(colon - it);
	trim(&rg, &rn);
	lab = colon + 1;
	ln = (size_t)(it + n - lab);
	trim(&lab, &ln);
	FUZZ_CHECK(ln > 0);
	i = num_len(rg, rn);
	FUZZ_CHECK(number(rg, i, &lo));
	while (i < rn && (rg[i] == ' ' || rg[i] == '\t'))
		i++;
	FUZZ_CHECK(i < rn && rg[i] == '-');
	for (i++; i < rn && (rg[i] == ' ' || rg[i] == '\t'); i++)
		;
	if (i < rn) {
		FUZZ_CHECK(number(rg + i, rn - i, &hi));
		FUZZ_CHECK(lo < hi);
	}
	if (lo <= r->x && r->x < hi) {
		r->nhold++;
		r->label = lab;
		r->llen = ln;
	}
}

static void check_labels(const struct buckets *b, const char *list,
			 const struct vals *vs)
{
	struct bk_ref ref;
	const char *got;
	size_t i;
	double x;

	for (i = 0; i < vs->n; i++) {
		got = bucket_label(b, vs->v[i], vs->len[i]);
		memset(&ref, 0, sizeof(ref));
		if (number(vs->v[i], vs->len[i], &x))
			ref.x = x;
		else
			ref.x = NAN; /* in no bucket */
		items(list, bk_ref_item, &ref);
		FUZZ_CHECK((size_t)ref.nitems == bucket_count(b));
		FUZZ_CHECK(ref.nhold <= 1); /* no overlaps */
		if (!ref.nitems) {
			FUZZ_CHECK(got == NULL);
		} else if (!ref.nhold) {
			FUZZ_CHECK(got && !strcmp(got, BUCKET_OTHER));
		} else {
			FUZZ_CHECK(got && strlen(got) == ref.llen &&
				   !memcmp(got, ref.label, ref.llen));
		}
	}
	got = bucket_label(b, NULL, 0);
	if (bucket_count(b))
		FUZZ_CHECK(got && !strcmp(got, BUCKET_OTHER));
	else
		FUZZ_CHECK(got == NULL);
}

static void check_buckets(const char *list, const struct vals *vs)
{
	struct buckets *b = (struct buckets *)&vs, *rb = NULL;
	struct diag d = {0};
	struct bk_ref all = {0};
	struct buf rev = BUF_INIT;
	size_t n = strlen(list) + 1;
	int rc, rrc, i;

	rc = bucket_parse(list, &b, &d);
	if (rc) {
		FUZZ_CHECK(rc == -EINVAL);
		FUZZ_CHECK(b == NULL);
		FUZZ_CHECK(d.msg[0] != '\0');
		FUZZ_CHECK(d.column >= 1 && (size_t)d.column <= n);
	} else {
		FUZZ_CHECK(b != NULL);
		check_labels(b, list, vs);
	}

	/* the same items in reverse order */
	all.item = calloc(n, sizeof(*all.item));
	all.ilen = calloc(n, sizeof(*all.ilen));
	FUZZ_CHECK(all.item && all.ilen);
	all.x = NAN;
	if (!rc) {
		items(list, bk_ref_item, &all);
	} else {
		/* collect items without checking them */
		const char *p = list, *e;

		for (;;) {
			const char *it = p;
			size_t len;

			e = strchr(p, ',');
			len = e ? (size_t)(e - p) : strlen(p);
			trim(&it, &len);
			if (len) {
				all.item[all.nitems] = it;
				all.ilen[all.nitems++] = len;
			}
			if (!e)
				break;
			p = e + 1;
		}
	}
	for (i = all.nitems - 1; i >= 0; i--) {
		FUZZ_CHECK(buf_add(&rev, all.item[i], all.ilen[i]) == 0);
		FUZZ_CHECK(buf_addch(&rev, i ? ',' : ' ') == 0);
	}
	FUZZ_CHECK(buf_addstr(&rev, "") == 0);
	rrc = bucket_parse(rev.data, &rb, &d);
	FUZZ_CHECK(rrc == rc);
	if (!rrc)
		check_labels(rb, rev.data, vs);
	bucket_free(rb);
	bucket_free(rc ? NULL : b);
	buf_release(&rev);
	free(all.item);
	free(all.ilen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vals vs;
	const char *list, *p, *end;
	char *copy;
	size_t i, cap;

	if (!size)
		return 0;
	/* a copy, so that the list and the values are NUL-terminated */
	copy = fuzz_strndup(data + 1, size - 1);
	list = copy;
	end = copy + size - 1;
	cap = FUZZ_ARRAY_SIZE(fixed_vals) + size;
	vs.v = calloc(cap, sizeof(*vs.v));
	vs.len = calloc(cap, sizeof(*vs.len));
	FUZZ_CHECK(vs.v && vs.len);
	for (i = 0; i < FUZZ_ARRAY_SIZE(fixed_vals); i++) {
		vs.v[i] = fixed_vals[i];
		vs.len[i] = strlen(fixed_vals[i]);
	}
	vs.n = i;
	p = list + strlen(list);
	while (p < end) {
		p++;
		vs.v[vs.n] = p;
		vs.len[vs.n++] = strlen(p);
		p += strlen(p);
	}
	if (data[0] & 1)
		check_buckets(list, &vs);
	else
		check_valrule(data[0], list, &vs);
	free(vs.v);
	free(vs.len);
	free(copy);
	return 0;
}
