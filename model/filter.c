/*
 * filter.c - the row filter language and the component value rules (see
 * filter.h for the languages themselves).
 *
 * Row filter.  A recursive-descent parser compiles the text straight into
 * a flat program for a one-register machine:
 *
 *	TEST i	acc = comparison i (negated when its neg bit is set)
 *	JT t	if acc, jump to t	(or-chains)
 *	JF t	if !acc, jump to t	(and-chains)
 *
 * "a or b or c" is TEST a; JT end; TEST b; JT end; TEST c; end: - the
 * register already holds the chain's value when a jump is taken, so no
 * stack is needed at run time and the program runs with one loop, no
 * recursion and no allocation.  While a chain is open, the pending
 * jumps are threaded through their own target fields and patched when
 * the chain ends.
 *
 * "not" is pushed down to the tests as the text is read (De Morgan): the
 * parser carries the polarity of what it reads (fparse.neg), a test read
 * under an odd number of "not"s gets its neg bit, and a chain read so
 * swaps its kind: "not (a or b)" is TEST a'; JF end; TEST b'; end:.  So
 * the program has no "not" of its own and is monotone in its tests: a
 * test that turns true can only make the filter true.
 *
 * Absent values (filter_eval_absent) follow SQL's three-valued logic: a
 * test on one is unknown, "not" leaves unknown unknown, false and unknown
 * is false, true or unknown is true, and the row passes when the filter
 * is true.  With false < unknown < true, and is min and or is max;
 * reading unknown as false keeps that order, so it commutes with both:
 * a program without "not" is true in three-valued logic exactly when it
 * is true with each test on an absent value read as false, whatever its
 * neg bit.  One loop serves both, with no third value.
 *
 * The parser recurses once per "(" (four small frames: or, and, unary,
 * primary); runs of "not" are a loop.  Both count towards
 * FILTER_MAX_DEPTH, so a hostile "((((...." or "not not not ..." is
 * refused at the first level past the cap, with that token's column; at
 * the cap the parse uses about 70 KB of stack.  A filter runs once per
 * row, so its length in conditions is its cost per row: the condition
 * past FILTER_MAX_CONDITIONS is refused at its field's column.
 *
 * Strings (unescaped values, field names) live in one pool owned by the
 * filter; instructions hold offsets while the pool grows and pointers
 * once parsing is done.  Constants that are numbers are parsed once.
 * Distinct field names are found by sorting the references (n log n even
 * for a megabyte of distinct names); filter_bind asks the caller for each
 * one once and copies the answer into the tests that use it.
 *
 * Value rules and buckets are small arrays built once per component.
 * Buckets are sorted by their lower bound, which makes the overlap check
 * one pass and bucket_label a binary search.
 *
 * Regexes are compiled at parse time with PCRE2, under limits that bound
 * what any rule costs, not checks of its shape: glibc's regex, which
 * rules first ran on, has no bound on either cost (a 700 KB component
 * took 22 s and 7 GB to compile; "(a+)+$" 31 s per 40 KB value).  The
 * rule's POSIX syntax is rewritten for PCRE2 (vr_translate).  Compiling
 * goes through a counting allocator (vr_alloc) that refuses past
 * VALRULE_REGEX_COMPILE_MEM per regex, and the compiled size is capped
 * per regex and per list.  Matching runs PCRE2's interpreter (no JIT,
 * whose memory is its own) under a match context holding the step,
 * depth and heap limits; the pattern is anchored behind a lazy ".*?" so
 * that the step limit covers the whole value, and auto-possessification
 * is off so that no repeat consumes the value without counting.  A match
 * that hits a limit fails closed (valrule_visible).
 *
 * Messages go straight into struct diag (a local helper, so this file
 * does not depend on inidoc.c).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "buf.h"
#include "filter.h"

__attribute__((format(printf, 3, 4))) static void
fdiag(struct diag *d, int column, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return;
	d->line = 0;
	d->column = column;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
}

/*
 * Quote s[0..n) for a message: 'text', cut to 40 bytes with "..." so one
 * message fits struct diag whatever the input.
 */
#define QUOTE_MAX 40
#define QUOTE_SIZE (QUOTE_MAX + 8)

static const char *quote(char out[QUOTE_SIZE], const char *s, size_t n)
{
	if (n > QUOTE_MAX)
		snprintf(out, QUOTE_SIZE, "'%.*s...'", QUOTE_MAX - 3, s);
	else
		snprintf(out, QUOTE_SIZE, "'%.*s'", (int)n, s);
	return out;
}

/* ---- numbers ---------------------------------------------------------- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Length of the longest decimal number at the start of s[0..len):
 * [+-] digits [. digits] [(e|E) [+-] digits], with a digit before the
 * exponent.  0 if there is none.
 */
static size_t num_scan(const char *s, size_t len)
{
	size_t i = 0, digits = 0, j;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	while (i < len && is_digit(s[i]))
		i++, digits++;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && is_digit(s[i]))
			i++, digits++;
	}
	if (!digits)
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		j = i + 1;
		if (j < len && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j < len && is_digit(s[j])) {
			while (j < len && is_digit(s[j]))
				j++;
			i = j;
		}
	}
	return i;
}

#define NUM_MAX 127

/* 1 and *x if s[0..len) is wholly a finite decimal number, else 0. */
static int num_parse(const char *s, size_t len, double *x)
{
	char tmp[NUM_MAX + 1];
	size_t i = 0;
	int neg = 0;
	int64_t v = 0;
	char *end;

	if (!len || len > NUM_MAX || num_scan(s, len) != len)
		return 0;
	/* fast path: up to 15 digits are exact in a double */
	if (s[0] == '+' || s[0] == '-')
		neg = s[i++] == '-';
	if (len - i <= 15) {
		while (i < len && is_digit(s[i]))
			v = v * 10 + (s[i++] - '0');
		if (i == len) {
			*x = neg ? -(double)v : (double)v;
			return 1;
		}
	}
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	*x = strtod(tmp, &end);
	return end == tmp + len && isfinite(*x);
}

/* ---- row filter: data ------------------------------------------------- */

enum {
	FI_TEST,
	FI_JT,
	FI_JF,
};

enum {
	FC_EQ,
	FC_NE,
	FC_LT,
	FC_LE,
	FC_GT,
	FC_GE,
	FC_CONTAINS,
	FC_STARTS,
	FC_ENDS,
};

#define NO_JUMP UINT32_MAX

struct filter_insn {
	unsigned char op;    /* FI_* */
	unsigned char cmp;   /* FC_*, for FI_TEST */
	unsigned char neg;   /* FI_TEST: invert the result */
	unsigned char isnum; /* the constant is a number (num) */
	int index;	     /* bound caller index of the field */
	uint32_t field;	     /* index into filter->fields */
	uint32_t target;     /* FI_JT, FI_JF; a chain link while parsing */
	const char *val;     /* the constant (in pool) */
	size_t voff, vlen;
	double num;
};

struct filter_field {
	const char *name; /* in pool, NUL-terminated */
	size_t off, len;
	int column; /* of the first use */
	int index;  /* bound caller index, -1 if unbound */
};

struct filter {
	struct filter_insn *code;
	size_t ncode, capcode;
	struct filter_field *fields;
	size_t nfields;
	char *pool;
	int bound;
};

/* ---- row filter: lexer ------------------------------------------------ */

enum {
	T_END,
	T_LP,
	T_RP,
	T_AND,
	T_OR,
	T_NOT,
	T_CMP,
	T_WORD,
	T_STR,
};

struct fref {
	const char *name; /* in the text until fields are built */
	size_t len;
	int column;
	uint32_t insn;
	uint32_t seq;
};

struct fparse {
	const char *s;
	size_t len, pos;
	int tok, cmp;	     /* current token (cmp for T_CMP) */
	size_t tstart, tlen; /* its source text */
	size_t pstart, plen; /* the previous token's, for messages */
	int depth;
	int neg;	     /* under an odd number of "not"s */
	struct filter *f;
	struct buf pool;
	struct fref *refs;
	size_t nrefs, caprefs;
	struct diag *d;
};

static int col_of(size_t pos)
{
	return (int)pos + 1;
}

static int is_bare(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
	       c == ':' || c == '/' || c == '@' || c == '+' || c >= 0x80;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int word_is(const char *s, size_t n, const char *kw)
{
	return strlen(kw) == n && !strncasecmp(s, kw, n);
}

static int lex_bad_byte(struct fparse *p, size_t at)
{
	unsigned char c = (unsigned char)p->s[at];

	if (c > 0x20 && c < 0x7f)
		fdiag(p->d, col_of(at), "unexpected character '%c'", c);
	else
		fdiag(p->d, col_of(at), "unexpected byte 0x%02x", c);
	return -EINVAL;
}

/* The backslash at s[at] must start \" \' or \\. */
static int lex_escape(struct fparse *p, size_t at)
{
	unsigned char c = (unsigned char)p->s[at + 1];

	if (c == '"' || c == '\'' || c == '\\')
		return 0;
	if (c > 0x20 && c < 0x7f)
		fdiag(p->d, col_of(at),
		      "unknown escape '\\%c' in quoted string", c);
	else
		fdiag(p->d, col_of(at), "unknown escape in quoted string");
	return -EINVAL;
}

/* Scan the quoted string at p->pos, checking its escapes and bytes. */
static int lex_quoted(struct fparse *p)
{
	const char *s = p->s;
	size_t start = p->pos, i;
	int rc;

	for (i = start + 1; i < p->len && s[i] != s[start]; i++) {
		if (s[i] == '\\') {
			if (i + 1 >= p->len) {
				i = p->len; /* a final '\\' quotes nothing */
				break;
			}
			rc = lex_escape(p, i);
			if (rc)
				return rc;
			i++;
		} else if ((unsigned char)s[i] < 0x20 && s[i] != '\t') {
			return lex_bad_byte(p, i);
		}
	}
	if (i >= p->len) {
		fdiag(p->d, col_of(start), "unterminated quoted string");
		return -EINVAL;
	}
	p->pos = i + 1;
	return 0;
}

/* Advance to the next token. */
static int lex(struct fparse *p)
{
	const char *s = p->s;
	size_t n = p->len;
	char c;
	int rc;

	if (p->tok != T_END || p->tlen) {
		p->pstart = p->tstart;
		p->plen = p->tlen;
	}
	while (p->pos < n && is_space(s[p->pos]))
		p->pos++;
	p->tstart = p->pos;
	if (p->pos >= n) {
		p->tok = T_END;
		p->tlen = 0;
		return 0;
	}
	c = s[p->pos];
	switch (c) {
	case '(':
	case ')':
		p->tok = c == '(' ? T_LP : T_RP;
		p->pos++;
		break;
	case '=':
		p->tok = T_CMP;
		p->cmp = FC_EQ;
		p->pos++;
		break;
	case '!':
		if (p->pos + 1 >= n || s[p->pos + 1] != '=')
			return lex_bad_byte(p, p->pos);
		p->tok = T_CMP;
		p->cmp = FC_NE;
		p->pos += 2;
		break;
	case '<':
	case '>':
		p->tok = T_CMP;
		p->pos++;
		if (p->pos < n && s[p->pos] == '=') {
			p->cmp = c == '<' ? FC_LE : FC_GE;
			p->pos++;
		} else {
			p->cmp = c == '<' ? FC_LT : FC_GT;
		}
		break;
	case '"':
	case '\'':
		rc = lex_quoted(p);
		if (rc)
			return rc;
		p->tok = T_STR;
		break;
	default:
		if (!is_bare((unsigned char)c))
			return lex_bad_byte(p, p->pos);
		while (p->pos < n && is_bare((unsigned char)s[p->pos]))
			p->pos++;
		p->tok = T_WORD;
		s += p->tstart;
		n = p->pos - p->tstart;
		if (word_is(s, n, "and"))
			p->tok = T_AND;
		else if (word_is(s, n, "or"))
			p->tok = T_OR;
		else if (word_is(s, n, "not"))
			p->tok = T_NOT;
		else if (word_is(s, n, "contains"))
			p->tok = T_CMP, p->cmp = FC_CONTAINS;
		else if (word_is(s, n, "starts-with"))
			p->tok = T_CMP, p->cmp = FC_STARTS;
		else if (word_is(s, n, "ends-with"))
			p->tok = T_CMP, p->cmp = FC_ENDS;
		break;
	}
	p->tlen = p->pos - p->tstart;
	return 0;
}

/* ---- row filter: parser ----------------------------------------------- */

static const char *tok_text(struct fparse *p, char out[QUOTE_SIZE])
{
	return quote(out, p->s + p->tstart, p->tlen);
}

static const char *prev_text(struct fparse *p, char out[QUOTE_SIZE])
{
	return quote(out, p->s + p->pstart, p->plen);
}

static int is_keyword_word(int tok)
{
	return tok == T_AND || tok == T_OR || tok == T_NOT;
}

static int emit(struct fparse *p, unsigned char op, uint32_t target)
{
	struct filter *f = p->f;
	struct filter_insn *c;
	size_t cap;

	if (f->ncode == f->capcode) {
		cap = f->capcode ? f->capcode * 2 : 16;
		if (cap > UINT32_MAX - 1)
			return -ENOMEM;
		c = realloc(f->code, cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		f->code = c;
		f->capcode = cap;
	}
	c = &f->code[f->ncode++];
	memset(c, 0, sizeof(*c));
	c->op = op;
	c->target = target;
	c->index = -1;
	return 0;
}

/* Point every jump of a chain at the current end of the program. */
static void patch(struct fparse *p, uint32_t chain)
{
	struct filter_insn *c;

	while (chain != NO_JUMP) {
		c = &p->f->code[chain];
		chain = c->target;
		c->target = (uint32_t)p->f->ncode;
	}
}

/* Copy the current token's value into the pool, unescaped. */
static int add_value(struct fparse *p, size_t *off, size_t *len)
{
	const char *s = p->s + p->tstart;
	size_t n = p->tlen, i;
	int rc;

	*off = p->pool.len;
	if (p->tok == T_WORD)
		rc = buf_add(&p->pool, s, n);
	else
		for (rc = 0, i = 1; !rc && i + 1 < n; i++) {
			if (s[i] == '\\')
				i++;
			rc = buf_addch(&p->pool, s[i]);
		}
	if (!rc)
		rc = buf_addch(&p->pool, '\0');
	if (rc)
		return rc;
	*len = p->pool.len - 1 - *off;
	return 0;
}

static int add_ref(struct fparse *p)
{
	struct fref *r;
	size_t cap;

	if (p->nrefs == p->caprefs) {
		cap = p->caprefs ? p->caprefs * 2 : 8;
		r = realloc(p->refs, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		p->refs = r;
		p->caprefs = cap;
	}
	r = &p->refs[p->nrefs];
	r->name = p->s + p->tstart;
	r->len = p->tlen;
	r->column = col_of(p->tstart);
	r->insn = (uint32_t)p->f->ncode - 1;
	r->seq = (uint32_t)p->nrefs;
	p->nrefs++;
	return 0;
}

static int parse_or(struct fparse *p);

/* FIELD OP VALUE; the current token is the field. */
static int parse_test(struct fparse *p)
{
	struct filter_insn *c;
	char q1[QUOTE_SIZE], q2[QUOTE_SIZE];
	size_t off, len;
	int rc;

	if (p->nrefs >= FILTER_MAX_CONDITIONS) {
		fdiag(p->d, col_of(p->tstart),
		      "filter has more than %d conditions",
		      FILTER_MAX_CONDITIONS);
		return -EINVAL;
	}
	rc = emit(p, FI_TEST, 0);
	if (!rc) {
		p->f->code[p->f->ncode - 1].neg = (unsigned char)p->neg;
		rc = add_ref(p);
	}
	if (!rc)
		rc = lex(p);
	if (rc)
		return rc;
	if (p->tok != T_CMP) {
		fdiag(p->d, col_of(p->tstart), "expected an operator after %s",
		      prev_text(p, q1));
		return -EINVAL;
	}
	p->f->code[p->f->ncode - 1].cmp = (unsigned char)p->cmp;
	rc = lex(p);
	if (rc)
		return rc;
	if (p->tok != T_WORD && p->tok != T_STR) {
		if (is_keyword_word(p->tok) || p->tok == T_CMP)
			fdiag(p->d, col_of(p->tstart),
			      "expected a value after %s, found %s (quote it "
			      "to use it as a value)",
			      prev_text(p, q1), tok_text(p, q2));
		else
			fdiag(p->d, col_of(p->tstart),
			      "expected a value after %s", prev_text(p, q1));
		return -EINVAL;
	}
	rc = add_value(p, &off, &len);
	if (rc)
		return rc;
	c = &p->f->code[p->f->ncode - 1];
	c->voff = off;
	c->vlen = len;
	c->isnum = (unsigned char)num_parse(p->pool.data + off, len, &c->num);
	return lex(p);
}

static int too_deep(struct fparse *p)
{
	fdiag(p->d, col_of(p->tstart),
	      "filter nested too deeply (more than %d levels)",
	      FILTER_MAX_DEPTH);
	return -EINVAL;
}

static int parse_primary(struct fparse *p)
{
	char q1[QUOTE_SIZE];
	size_t lp;
	int rc;

	switch (p->tok) {
	case T_WORD:
		return parse_test(p);
	case T_LP:
		if (++p->depth > FILTER_MAX_DEPTH)
			return too_deep(p);
		lp = p->tstart;
		rc = lex(p);
		if (!rc)
			rc = parse_or(p);
		if (rc)
			return rc;
		if (p->tok == T_END) {
			fdiag(p->d, col_of(lp), "'(' is never closed");
			return -EINVAL;
		}
		if (p->tok != T_RP) {
			fdiag(p->d, col_of(p->tstart),
			      "expected 'and', 'or' or ')' after %s",
			      prev_text(p, q1));
			return -EINVAL;
		}
		p->depth--;
		return lex(p);
	case T_CMP:
		fdiag(p->d, col_of(p->tstart),
		      "expected a field name before %s", tok_text(p, q1));
		return -EINVAL;
	case T_STR:
		fdiag(p->d, col_of(p->tstart),
		      "expected a field name, found a quoted string");
		return -EINVAL;
	default:
		if (p->plen)
			fdiag(p->d, col_of(p->tstart),
			      "expected a condition after %s",
			      prev_text(p, q1));
		else
			fdiag(p->d, col_of(p->tstart),
			      "expected a condition before %s",
			      tok_text(p, q1));
		return -EINVAL;
	}
}

/* The "not"s flip the polarity of the primary after them (see the top). */
static int parse_unary(struct fparse *p)
{
	int depth = p->depth, neg = p->neg, rc;

	while (p->tok == T_NOT) {
		if (++p->depth > FILTER_MAX_DEPTH)
			return too_deep(p);
		p->neg ^= 1;
		rc = lex(p);
		if (rc)
			return rc;
	}
	rc = parse_primary(p);
	if (rc)
		return rc;
	p->depth = depth;
	p->neg = neg;
	return 0;
}

/* An and-chain, or under a "not" an or-chain of the negated terms. */
static int parse_and(struct fparse *p)
{
	uint32_t chain = NO_JUMP;
	unsigned char jump = p->neg ? FI_JT : FI_JF;
	int rc;

	rc = parse_unary(p);
	while (!rc && p->tok == T_AND) {
		rc = emit(p, jump, chain);
		if (rc)
			break;
		chain = (uint32_t)p->f->ncode - 1;
		rc = lex(p);
		if (!rc)
			rc = parse_unary(p);
	}
	if (!rc)
		patch(p, chain);
	return rc;
}

/* An or-chain, or under a "not" an and-chain of the negated terms. */
static int parse_or(struct fparse *p)
{
	uint32_t chain = NO_JUMP;
	unsigned char jump = p->neg ? FI_JF : FI_JT;
	int rc;

	rc = parse_and(p);
	while (!rc && p->tok == T_OR) {
		rc = emit(p, jump, chain);
		if (rc)
			break;
		chain = (uint32_t)p->f->ncode - 1;
		rc = lex(p);
		if (!rc)
			rc = parse_and(p);
	}
	if (!rc)
		patch(p, chain);
	return rc;
}

static int ref_cmp(const void *a, const void *b)
{
	const struct fref *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);

	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int ref_seq_cmp(const void *a, const void *b)
{
	const struct fref *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Build the distinct-field table, numbered in order of first appearance:
 * sort the references by (name, order), mark each one with its group's
 * first reference (reusing seq), then walk them back in text order.
 */
static int build_fields(struct fparse *p)
{
	struct filter *f = p->f;
	struct fref *r = p->refs;
	size_t n = p->nrefs, i, first = 0;
	uint32_t *firstof, *id;
	int rc = -ENOMEM;

	if (!n)
		return 0;
	firstof = calloc(n, sizeof(*firstof));
	id = calloc(n, sizeof(*id));
	f->fields = calloc(n, sizeof(*f->fields));
	if (!firstof || !id || !f->fields)
		goto out;
	qsort(r, n, sizeof(*r), ref_cmp);
	for (i = 0; i < n; i++) {
		if (i && (r[i].len != r[first].len ||
			  memcmp(r[i].name, r[first].name, r[i].len)))
			first = i;
		firstof[r[i].seq] = r[first].seq;
	}
	qsort(r, n, sizeof(*r), ref_seq_cmp);
	for (i = 0; i < n; i++) {
		struct filter_field *fl;

		if (firstof[i] != i) {
			id[i] = id[firstof[i]];
		} else {
			id[i] = (uint32_t)f->nfields;
			fl = &f->fields[f->nfields++];
			fl->off = p->pool.len;
			fl->len = r[i].len;
			fl->column = r[i].column;
			fl->index = -1;
			rc = buf_add(&p->pool, r[i].name, r[i].len);
			if (!rc)
				rc = buf_addch(&p->pool, '\0');
			if (rc)
				goto out;
		}
		f->code[r[i].insn].field = id[i];
	}
	rc = 0;
out:
	free(firstof);
	free(id);
	return rc;
}

int filter_parse(const char *text, size_t len, struct filter **out,
		 struct diag *d)
{
	struct fparse p = {.s = text, .len = len, .tok = T_END, .d = d};
	char q1[QUOTE_SIZE];
	size_t i;
	int rc;

	*out = NULL;
	if (len > FILTER_MAX_LEN) {
		fdiag(d, 0, "filter longer than %d bytes", FILTER_MAX_LEN);
		return -EINVAL;
	}
	buf_init(&p.pool);
	p.f = calloc(1, sizeof(*p.f));
	if (!p.f)
		return -ENOMEM;
	rc = lex(&p);
	if (rc)
		goto out_free;
	if (p.tok == T_END) {
		p.f->bound = 1;
		*out = p.f;
		return 0;
	}
	rc = parse_or(&p);
	if (rc)
		goto out_free;
	if (p.tok != T_END) {
		if (p.tok == T_RP)
			fdiag(d, col_of(p.tstart), "unmatched ')'");
		else
			fdiag(d, col_of(p.tstart),
			      "expected 'and', 'or' or end of filter after %s",
			      prev_text(&p, q1));
		rc = -EINVAL;
		goto out_free;
	}
	rc = build_fields(&p);
	if (rc)
		goto out_free;
	/* the pool is final: offsets become pointers */
	p.f->pool = buf_detach(&p.pool, NULL);
	if (!p.f->pool) {
		rc = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < p.f->ncode; i++)
		if (p.f->code[i].op == FI_TEST)
			p.f->code[i].val = p.f->pool + p.f->code[i].voff;
	for (i = 0; i < p.f->nfields; i++)
		p.f->fields[i].name = p.f->pool + p.f->fields[i].off;
	free(p.refs);
	*out = p.f;
	return 0;
out_free:
	free(p.refs);
	buf_release(&p.pool);
	filter_free(p.f);
	return rc;
}

int filter_bind(struct filter *f,
		int (*resolve)(void *arg, const char *field, size_t len),
		void *arg, struct diag *d)
{
	char q[QUOTE_SIZE];
	size_t i;
	int idx;

	f->bound = 0;
	for (i = 0; i < f->nfields; i++)
		f->fields[i].index = -1;
	for (i = 0; i < f->nfields; i++) {
		struct filter_field *fl = &f->fields[i];

		idx = resolve(arg, fl->name, fl->len);
		if (idx == -1) {
			fdiag(d, fl->column, "unknown field %s",
			      quote(q, fl->name, fl->len));
			goto out_unbind;
		}
		if (idx < 0)
			goto out_unbind;
		fl->index = idx;
	}
	for (i = 0; i < f->ncode; i++)
		if (f->code[i].op == FI_TEST)
			f->code[i].index = f->fields[f->code[i].field].index;
	f->bound = 1;
	return 0;
out_unbind:
	for (i = 0; i < f->nfields; i++)
		f->fields[i].index = -1;
	return idx == -1 ? -EINVAL : idx;
}

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

static int insn_test(const struct filter_insn *c, const char *v, size_t n)
{
	double x;
	int r;

	switch (c->cmp) {
	case FC_CONTAINS:
		return !c->vlen ||
		       (n >= c->vlen && memmem(v, n, c->val, c->vlen) != NULL);
	case FC_STARTS:
		return n >= c->vlen && !memcmp(v, c->val, c->vlen);
	case FC_ENDS:
		return n >= c->vlen &&
		       !memcmp(v + n - c->vlen, c->val, c->vlen);
	}
	if (c->isnum && num_parse(v, n, &x))
		r = (x > c->num) - (x < c->num);
	else if (c->cmp == FC_EQ || c->cmp == FC_NE)
		r = !(n == c->vlen && !memcmp(v, c->val, n));
	else
		r = bytes_cmp(v, n, c->val, c->vlen);
	switch (c->cmp) {
	case FC_EQ:
		return r == 0;
	case FC_NE:
		return r != 0;
	case FC_LT:
		return r < 0;
	case FC_LE:
		return r <= 0;
	case FC_GT:
		return r > 0;
	default:
		return r >= 0;
	}
}

/* absent: a NULL value is absent (unknown: false, see the top), else
 * the empty value. */
static int run(const struct filter *f, const char *const *vals,
	       const size_t *lens, int absent)
{
	const struct filter_insn *c;
	const char *v;
	size_t pc = 0, n;
	int acc = 1;

	if (!f || !f->ncode)
		return 1;
	if (!f->bound)
		return 0;
	while (pc < f->ncode) {
		c = &f->code[pc];
		switch (c->op) {
		case FI_TEST:
			v = vals[c->index];
			if (!v && absent) {
				acc = 0;
			} else {
				if (!v)
					v = "", n = 0;
				else
					n = lens ? lens[c->index] : strlen(v);
				acc = insn_test(c, v, n) ^ c->neg;
			}
			pc++;
			break;
		case FI_JT:
			pc = acc ? c->target : pc + 1;
			break;
		default:	/* FI_JF */
			pc = acc ? pc + 1 : c->target;
			break;
		}
	}
	return acc;
}

int filter_eval(const struct filter *f, const char *const *vals,
		const size_t *lens)
{
	return run(f, vals, lens, 0);
}

int filter_eval_absent(const struct filter *f, const char *const *vals,
		       const size_t *lens)
{
	return run(f, vals, lens, 1);
}

size_t filter_nfields(const struct filter *f)
{
	return f ? f->nfields : 0;
}

const char *filter_field(const struct filter *f, size_t i, size_t *len)
{
	if (!f || i >= f->nfields)
		return NULL;
	if (len)
		*len = f->fields[i].len;
	return f->fields[i].name;
}

int filter_field_index(const struct filter *f, size_t i)
{
	if (!f || i >= f->nfields)
		return -1;
	return f->fields[i].index;
}

void filter_free(struct filter *f)
{
	if (!f)
		return;
	free(f->code);
	free(f->fields);
	free(f->pool);
	free(f);
}

/* ---- canonical lists -------------------------------------------------- */

/*
 * Call fn for each item of a canonical list: split at ',', trimmed, empty
 * items skipped; col is the item's 1-based column in list.
 */
static int list_each(const char *list,
		     int (*fn)(const char *item, size_t len, int col,
			       void *arg),
		     void *arg)
{
	const char *p, *e;
	size_t n;
	int rc;

	if (!list)
		return 0;
	for (p = list;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		e = strchr(p, ',');
		n = e ? (size_t)(e - p) : strlen(p);
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n) {
			rc = fn(p, n, (int)(p - list) + 1, arg);
			if (rc)
				return rc;
		}
		if (!e)
			return 0;
		p = e + 1;
	}
}

static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t'))
		(*s)++, (*n)--;
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* ---- include/exclude -------------------------------------------------- */

enum {
	VR_EQUALS,
	VR_CONTAINS,
	VR_STARTS,
	VR_ENDS,
	VR_REGEX,
};

static const char *const vr_kinds[] = {
    [VR_EQUALS] = "equals",	 [VR_CONTAINS] = "contains",
    [VR_STARTS] = "starts-with", [VR_ENDS] = "ends-with",
    [VR_REGEX] = "regex",
};

struct valrule_item {
	int kind;
	char *val;
	size_t len;
	pcre2_code *re;		/* VR_REGEX */
};

/*
 * The memory the compiled regexes of one list hold, as PCRE2's allocator
 * (vr_alloc) counts it: used goes up and down with their blocks, and
 * vr_alloc refuses what would take used past limit.
 */
struct vr_mem {
	size_t used;
	size_t limit;
	int refused;		/* vr_alloc said no */
};

struct valrule {
	int exclude;
	int all;
	struct valrule_item *items;
	size_t n;
	size_t nregex;		/* regex rules */
	size_t re_bytes;	/* their compiled size, together */
	pcre2_match_context *mctx; /* the match limits */
	struct vr_mem mem;	/* outlives the compiled regexes */
};

struct vr_parse {
	struct valrule *v;
	size_t cap;
	pcre2_general_context *gctx;	/* allocates through v->mem */
	pcre2_compile_context *cctx;
	struct buf pat;			/* the regex rewritten for PCRE2 */
	struct diag *d;
};

/* A header before each block, so that vr_free knows its size. */
union vr_hdr {
	size_t size;
	max_align_t align;
};

static void *vr_alloc(size_t n, void *arg)
{
	struct vr_mem *m = arg;
	union vr_hdr *h;
	size_t size = n + sizeof(*h);

	if (size < n || m->used > m->limit || size > m->limit - m->used) {
		m->refused = 1;
		return NULL;
	}
	h = malloc(size);
	if (!h)
		return NULL;
	h->size = size;
	m->used += size;
	return h + 1;
}

static void vr_free(void *p, void *arg)
{
	struct vr_mem *m = arg;
	union vr_hdr *h = p;

	if (!p)
		return;
	h--;
	m->used -= h->size;
	free(h);
}

/*
 * Rewrite the regex re[0..n) of a rule, POSIX extended as glibc's regcomp
 * reads it (the dialect of the rules users have), as the PCRE2 pattern
 * that matches the same values.  Outside brackets:
 *   \w \W \s \S \b \B	the same in PCRE2 (ASCII classes, as glibc's in the
 *			C locale the daemon runs in)
 *   \< \> \` \'	\b(?=\w), \b(?<=\w), \A, \z
 *   \1 to \9		refused: back-references
 *   \ and a letter	the letter (glibc reads \d as d, \n as n)
 *   \ and another byte	that byte, quoted; a trailing \ is refused
 *   ( ) |		the same; an unmatched ) is a literal, as in glibc
 *   * + ? {N}		the same after something to repeat (N at most
 *			VALRULE_REGEX_MAX_BOUND); refused at the
 *			start of the pattern, a group or a branch, after ^,
 *			$ or an assertion, and after another repetition
 *			(PCRE2 reads a+? as lazy and a++ as possessive);
 *			any other { is refused
 * Inside brackets: a backslash is a literal (doubled); [:name:] is the
 * same; [.x.] and [=x=] are refused.  Only these bytes are special, so
 * nothing of PCRE2's own syntax ((?...), (*VERB), \Q, \x{...}, callouts)
 * can come through.  The result is wrapped as .*?(?:...) and compiled
 * anchored: the match itself tries each offset, so the match limit bounds
 * the work on the whole value, where PCRE2 would restart it at each offset
 * of an unanchored search.  Returns NULL or what is wrong; -ENOMEM in *rc.
 */
static const char *vr_translate(const char *re, size_t n, struct buf *out,
				int *rc)
{
	enum { NONE, ATOM, REPEAT } prev = NONE;
	size_t i, j;
	int depth = 0, e;

	buf_reset(out);
	e = buf_addstr(out, ".*?(?:");
	for (i = 0; !e && i < n; i++) {
		char ch = re[i];
		const char *as = NULL;

		switch (ch) {
		case '\\':
			if (++i == n)
				return "trailing backslash";
			ch = re[i];
			prev = ATOM;
			if (is_digit(ch))
				return "back-references are not supported";
			if (strchr("wWsSbB", ch)) {
				e = buf_addch(out, '\\') ?: buf_addch(out, ch);
				prev = tolower((unsigned char)ch) == 'b' ?
					       NONE : ATOM;
				continue;
			}
			as = ch == '<' ? "\\b(?=\\w)" :
			     ch == '>' ? "\\b(?<=\\w)" :
			     ch == '`' ? "\\A" :
			     ch == '\'' ? "\\z" : NULL;
			if (as) {
				e = buf_addstr(out, as);
				prev = NONE;
			} else if (isalnum((unsigned char)ch) ||
				   (unsigned char)ch >= 0x80) {
				e = buf_addch(out, ch);
			} else {
				e = buf_addch(out, '\\') ?: buf_addch(out, ch);
			}
			continue;
		case '[':
			e = buf_addch(out, '[');
			if (i + 1 < n && re[i + 1] == '^')
				e = e ?: buf_addch(out, re[++i]);
			if (!e && i + 1 < n && re[i + 1] == ']') {
				e = buf_addstr(out, "\\]");
				i++;
			}
			for (i++; !e && i < n && re[i] != ']'; i++) {
				if (re[i] == '[' && i + 1 < n &&
				    (re[i + 1] == '.' || re[i + 1] == '='))
					return "collating elements [. .] and "
					       "equivalence classes [= =] are "
					       "not supported";
				if (re[i] == '[' && i + 1 < n &&
				    re[i + 1] == ':') {
					for (j = i + 2;
					     j < n && isalpha((unsigned char)re[j]);
					     j++)
						;
					if (j + 1 >= n || re[j] != ':' ||
					    re[j + 1] != ']')
						return "invalid character class";
					e = buf_add(out, re + i, j + 2 - i);
					i = j + 1;
					continue;
				}
				e = re[i] == '\\' ? buf_addstr(out, "\\\\") :
						    buf_addch(out, re[i]);
			}
			if (i >= n)
				return "unmatched [";
			e = e ?: buf_addch(out, ']');
			prev = ATOM;
			continue;
		case '(':
			depth++;
			prev = NONE;
			break;
		case ')':
			prev = ATOM;
			if (!depth) {
				e = buf_addstr(out, "\\)");
				continue;
			}
			depth--;
			break;
		case '|':
		case '^':
		case '$':
			prev = NONE;
			break;
		case '*':
		case '+':
		case '?':
		case '{':
			if (prev == NONE)
				return "invalid preceding regular expression";
			if (prev == REPEAT)
				return "a repetition of a repetition: put the "
				       "first in a group, as in (a+)?";
			prev = REPEAT;
			if (ch != '{')
				break;
			for (j = i + 1; j < n && is_digit(re[j]); j++)
				;
			if (j == i + 1 || j == n || re[j] != '}')
				return "invalid content of \\{\\}";
			if (j - i - 1 > 4 ||
			    atoi(re + i + 1) > VALRULE_REGEX_MAX_BOUND)
				return "a bound over "
				       STR(VALRULE_REGEX_MAX_BOUND);
			e = buf_add(out, re + i, j + 1 - i);
			i = j;
			continue;
		default:
			prev = ATOM;
			break;
		}
		e = buf_addch(out, ch);
	}
	if (!e && depth)
		return "unmatched ( or \\(";
	e = e ?: buf_addch(out, ')');
	*rc = e;
	return NULL;
}

/*
 * PCRE2 options: UTF-8 characters (a value that is not valid UTF-8 still
 * matches where it is), '.' matches a newline and '$' only the end, as in
 * glibc; groups capture nothing (matching needs less memory); no \C; no
 * auto-possessification, so that every step the match takes back counts
 * towards its limit.
 */
#define VR_PCRE2_OPTIONS                                                       \
	(PCRE2_ANCHORED | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOTALL | \
	 PCRE2_DOLLAR_ENDONLY | PCRE2_NO_AUTO_CAPTURE |                        \
	 PCRE2_NEVER_BACKSLASH_C | PCRE2_NEVER_UCP | PCRE2_NO_AUTO_POSSESS)

/* The contexts one list's regexes are compiled and matched with. */
static int vr_contexts(struct vr_parse *vp)
{
	struct valrule *v = vp->v;

	if (vp->cctx)
		return 0;
	v->mem.limit = VALRULE_REGEX_COMPILE_MEM;
	vp->gctx = pcre2_general_context_create(vr_alloc, vr_free, &v->mem);
	if (vp->gctx)
		vp->cctx = pcre2_compile_context_create(vp->gctx);
	v->mctx = pcre2_match_context_create(NULL);
	if (!vp->cctx || !v->mctx)
		return -ENOMEM;
	/* the rewrite at most quintuples a regex (\> is 9 bytes) */
	pcre2_set_max_pattern_length(vp->cctx, 5 * VALRULE_REGEX_MAX_LEN + 8);
	/* the wrapper and \< \> take a level each */
	pcre2_set_parens_nest_limit(vp->cctx, VALRULE_REGEX_MAX_NEST + 2);
	pcre2_set_match_limit(v->mctx, VALRULE_REGEX_MATCH_STEPS);
	pcre2_set_depth_limit(v->mctx, VALRULE_REGEX_MATCH_DEPTH);
	pcre2_set_heap_limit(v->mctx, VALRULE_REGEX_MATCH_MEM / 1024);
	return 0;
}

/* Compile regex rule it, the item at column col. */
static int vr_compile(struct vr_parse *vp, struct valrule_item *it,
		      const char *item, size_t len, int col)
{
	struct valrule *v = vp->v;
	PCRE2_UCHAR err[120];
	PCRE2_SIZE off;
	const char *why;
	char q[QUOTE_SIZE];
	size_t size = 0;
	int rc = 0, code;

	if (it->len > VALRULE_REGEX_MAX_LEN) {
		fdiag(vp->d, col, "rule %s: a regex longer than %d bytes",
		      quote(q, item, len), VALRULE_REGEX_MAX_LEN);
		return -EINVAL;
	}
	if (v->nregex == VALRULE_VIEW_MAX_REGEX) {
		fdiag(vp->d, col, "rule %s: more than %d regex rules",
		      quote(q, item, len), VALRULE_VIEW_MAX_REGEX);
		return -EINVAL;
	}
	why = vr_translate(it->val, it->len, &vp->pat, &rc);
	if (why) {
		fdiag(vp->d, col, "rule %s: bad regex: %s", quote(q, item, len),
		      why);
		return -EINVAL;
	}
	if (!rc)
		rc = vr_contexts(vp);
	if (rc)
		return rc;
	/* a budget of its own for each, whatever the others hold */
	v->mem.limit = v->mem.used + VALRULE_REGEX_COMPILE_MEM;
	v->mem.refused = 0;
	it->re = pcre2_compile((PCRE2_SPTR)vp->pat.data, vp->pat.len,
			       VR_PCRE2_OPTIONS, &code, &off, vp->cctx);
	v->mem.limit = v->mem.used;
	if (!it->re && v->mem.refused) {
		fdiag(vp->d, col, "rule %s: compiling the regex needs more "
		      "than %d KiB", quote(q, item, len),
		      VALRULE_REGEX_COMPILE_MEM / 1024);
		return -EINVAL;
	}
	if (!it->re && code == PCRE2_ERROR_HEAP_FAILED)
		return -ENOMEM;
	if (!it->re) {
		pcre2_get_error_message(code, err, sizeof(err));
		fdiag(vp->d, col, "rule %s: bad regex: %s", quote(q, item, len),
		      (const char *)err);
		return -EINVAL;
	}
	pcre2_pattern_info(it->re, PCRE2_INFO_SIZE, &size);
	if (size > VALRULE_REGEX_MAX_COMPILED) {
		fdiag(vp->d, col, "rule %s: the regex takes more than %d KiB "
		      "compiled", quote(q, item, len),
		      VALRULE_REGEX_MAX_COMPILED / 1024);
		return -EINVAL;
	}
	if (size > VALRULE_VIEW_MAX_BYTES - v->re_bytes) {
		fdiag(vp->d, col, "rule %s: the regex rules together would "
		      "take more than %d KiB compiled", quote(q, item, len),
		      VALRULE_VIEW_MAX_BYTES / 1024);
		return -EINVAL;
	}
	v->re_bytes += size;
	v->nregex++;
	return 0;
}

static int vr_item(const char *item, size_t len, int col, void *arg)
{
	struct vr_parse *vp = arg;
	struct valrule *v = vp->v;
	struct valrule_item *it;
	const char *colon = memchr(item, ':', len), *k = item, *val;
	char q[QUOTE_SIZE];
	size_t kn, vn, cap;
	int kind;

	if (!colon) {
		fdiag(vp->d, col,
		      "rule %s must be KIND:VALUE (equals, contains, "
		      "starts-with, ends-with or regex)",
		      quote(q, item, len));
		return -EINVAL;
	}
	kn = (size_t)(colon - item);
	trim(&k, &kn);
	val = colon + 1;
	vn = (size_t)(item + len - val);
	trim(&val, &vn);
	for (kind = 0; kind <= VR_REGEX; kind++)
		if (word_is(k, kn, vr_kinds[kind]))
			break;
	if (kind > VR_REGEX) {
		fdiag(vp->d, col,
		      "rule %s: unknown kind (expected equals, contains, "
		      "starts-with, ends-with or regex)",
		      quote(q, item, len));
		return -EINVAL;
	}
	if (kind == VR_REGEX && !vn) {
		fdiag(vp->d, col, "rule %s: empty regex", quote(q, item, len));
		return -EINVAL;
	}
	if (v->n == VALRULE_MAX_RULES) {
		fdiag(vp->d, col, "rule %s: more than %d rules",
		      quote(q, item, len), VALRULE_MAX_RULES);
		return -EINVAL;
	}
	if (v->n == vp->cap) {
		cap = vp->cap ? vp->cap * 2 : 4;
		it = realloc(v->items, cap * sizeof(*it));
		if (!it)
			return -ENOMEM;
		v->items = it;
		vp->cap = cap;
	}
	it = &v->items[v->n];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->len = vn;
	it->val = strndup(val, vn);
	if (!it->val)
		return -ENOMEM;
	v->n++;
	if (kind != VR_REGEX)
		return 0;
	return vr_compile(vp, it, item, len, col);
}

int valrule_parse(const char *mode, const char *match, const char *rules,
		  struct valrule **out, struct diag *d)
{
	struct vr_parse vp = {.d = d, .pat = BUF_INIT};
	int rc;

	*out = NULL;
	vp.v = calloc(1, sizeof(*vp.v));
	if (!vp.v)
		return -ENOMEM;
	rc = -EINVAL;
	if (!mode || !*mode || !strcmp(mode, "include")) {
		vp.v->exclude = 0;
	} else if (!strcmp(mode, "exclude")) {
		vp.v->exclude = 1;
	} else {
		fdiag(d, 0, "mode must be include or exclude");
		goto out;
	}
	if (!match || !*match || !strcmp(match, "any")) {
		vp.v->all = 0;
	} else if (!strcmp(match, "all")) {
		vp.v->all = 1;
	} else {
		fdiag(d, 0, "match must be any or all");
		goto out;
	}
	rc = list_each(rules, vr_item, &vp);
out:
	/* the contexts allocate through v->mem: gone before v may go */
	pcre2_compile_context_free(vp.cctx);
	pcre2_general_context_free(vp.gctx);
	buf_release(&vp.pat);
	if (rc) {
		valrule_free(vp.v);
		return rc;
	}
	*out = vp.v;
	return 0;
}

/*
 * 1 if regex rule it matches v[0..n), 0 if not, -1 if a limit stopped it
 * (or there was no memory for the match): unknown.  Its work is at most
 * VALRULE_REGEX_MATCH_STEPS steps, each of which reads the compiled regex
 * (at most VALRULE_REGEX_MAX_COMPILED) and the value (at most
 * VALRULE_REGEX_MAX_VALUE) at most once: a few tens of milliseconds at
 * the very worst, microseconds for ordinary rules.
 */
static int vr_regex(const struct valrule *vr, const struct valrule_item *it,
		    pcre2_match_data *md, const char *v, size_t n)
{
	int rc = pcre2_match(it->re, (PCRE2_SPTR)v, n, 0, 0, md, vr->mctx);

	if (rc >= 0)
		return 1;
	return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

static int vr_match(const struct valrule_item *it, const char *v, size_t n)
{
	switch (it->kind) {
	case VR_EQUALS:
		return n == it->len && !memcmp(v, it->val, n);
	case VR_CONTAINS:
		return !it->len ||
		       (n >= it->len && memmem(v, n, it->val, it->len) != NULL);
	case VR_STARTS:
		return n >= it->len && !memcmp(v, it->val, it->len);
	default:
		return n >= it->len &&
		       !memcmp(v + n - it->len, it->val, it->len);
	}
}

/*
 * any: the first rule that matches decides; all: the first that does not.
 * A regex rule a limit stopped is neither (nor are regex rules on a value
 * longer than VALRULE_REGEX_MAX_VALUE): if no other rule decides, the
 * value is hidden (never shown because a rule could not be run).  The
 * answer does not depend on the order, so the plain rules go first and
 * the regexes run only when those leave the answer open.
 */
int valrule_match(const struct valrule *v, const char *val, size_t len)
{
	pcre2_match_data *md = NULL;
	int m, r, unknown = 0;
	size_t i;

	if (!val)
		val = "", len = 0;
	m = !v->all;
	for (i = 0; i < v->n; i++)
		if (v->items[i].kind != VR_REGEX &&
		    vr_match(&v->items[i], val, len) != v->all)
			goto out;
	if (v->nregex && len <= VALRULE_REGEX_MAX_VALUE)
		md = pcre2_match_data_create(1, NULL);
	for (i = 0; i < v->n; i++) {
		if (v->items[i].kind != VR_REGEX)
			continue;
		r = md ? vr_regex(v, &v->items[i], md, val, len) : -1;
		if (r < 0)
			unknown = 1;
		else if (r != v->all)
			goto out;
	}
	m = unknown ? -1 : v->all;
out:
	pcre2_match_data_free(md);
	return m;
}

int valrule_visible(const struct valrule *v, const char *val, size_t len)
{
	int m;

	if (!v || !v->n)
		return 1;
	m = valrule_match(v, val, len);
	if (m < 0)
		return 0;
	return v->exclude ? !m : m;
}

void valrule_cost(const struct valrule *v, size_t *nregex, size_t *bytes)
{
	*nregex = v ? v->nregex : 0;
	*bytes = v ? v->re_bytes : 0;
}

void valrule_free(struct valrule *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		pcre2_code_free(v->items[i].re);
		free(v->items[i].val);
	}
	pcre2_match_context_free(v->mctx);
	free(v->items);
	free(v);
}

/* ---- bucketing -------------------------------------------------------- */

struct bucket {
	double lo, hi; /* hi = INFINITY when open-ended */
	int column;
	char *label;
	char *text; /* the item, for overlap messages */
};

struct buckets {
	struct bucket *b;
	size_t n;
};

struct bk_parse {
	struct buckets *bs;
	size_t cap;
	struct diag *d;
};

static int bk_item(const char *item, size_t len, int col, void *arg)
{
	struct bk_parse *bp = arg;
	struct buckets *bs = bp->bs;
	struct bucket *b;
	const char *colon = memchr(item, ':', len), *r = item, *lab;
	char q[QUOTE_SIZE];
	size_t rn, ln, i, cap;
	double lo, hi = INFINITY;

	if (bs->n == BUCKET_MAX) {
		fdiag(bp->d, col, "bucket %s: more than %d buckets",
		      quote(q, item, len), BUCKET_MAX);
		return -EINVAL;
	}
	if (!colon) {
		fdiag(bp->d, col,
		      "bucket %s must be LOW-HIGH:LABEL or LOW-:LABEL",
		      quote(q, item, len));
		return -EINVAL;
	}
	rn = (size_t)(colon - item);
	trim(&r, &rn);
	lab = colon + 1;
	ln = (size_t)(item + len - lab);
	trim(&lab, &ln);
	if (!ln) {
		fdiag(bp->d, col, "bucket %s has no label",
		      quote(q, item, len));
		return -EINVAL;
	}
	i = num_scan(r, rn);
	if (!i || !num_parse(r, i, &lo)) {
		fdiag(bp->d, col, "bucket %s: low bound is not a number",
		      quote(q, item, len));
		return -EINVAL;
	}
	while (i < rn && (r[i] == ' ' || r[i] == '\t'))
		i++;
	if (i >= rn || r[i] != '-') {
		fdiag(bp->d, col,
		      "bucket %s must be LOW-HIGH:LABEL or LOW-:LABEL",
		      quote(q, item, len));
		return -EINVAL;
	}
	i++;
	while (i < rn && (r[i] == ' ' || r[i] == '\t'))
		i++;
	if (i < rn) {
		if (!num_parse(r + i, rn - i, &hi)) {
			fdiag(bp->d, col,
			      "bucket %s: high bound is not a number",
			      quote(q, item, len));
			return -EINVAL;
		}
		if (!(lo < hi)) {
			fdiag(bp->d, col,
			      "bucket %s: low bound must be below high bound",
			      quote(q, item, len));
			return -EINVAL;
		}
	}
	if (bs->n == bp->cap) {
		cap = bp->cap ? bp->cap * 2 : 4;
		b = realloc(bs->b, cap * sizeof(*b));
		if (!b)
			return -ENOMEM;
		bs->b = b;
		bp->cap = cap;
	}
	b = &bs->b[bs->n];
	memset(b, 0, sizeof(*b));
	b->lo = lo;
	b->hi = hi;
	b->column = col;
	b->label = strndup(lab, ln);
	b->text = strndup(item, len);
	if (b->label && b->text) {
		bs->n++;
		return 0;
	}
	free(b->label);
	free(b->text);
	return -ENOMEM;
}

static int bucket_cmp(const void *a, const void *b)
{
	const struct bucket *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->column < y->column ? -1 : x->column > y->column;
}

int bucket_parse(const char *list, struct buckets **out, struct diag *d)
{
	struct bk_parse bp = {.d = d};
	struct bucket *a, *b;
	char q1[QUOTE_SIZE], q2[QUOTE_SIZE];
	size_t i;
	int rc;

	*out = NULL;
	bp.bs = calloc(1, sizeof(*bp.bs));
	if (!bp.bs)
		return -ENOMEM;
	rc = list_each(list, bk_item, &bp);
	if (rc)
		goto out_free;
	if (bp.bs->n) /* b is NULL when empty: qsort's argument is nonnull */
		qsort(bp.bs->b, bp.bs->n, sizeof(*bp.bs->b), bucket_cmp);
	for (i = 1; i < bp.bs->n; i++) {
		a = &bp.bs->b[i - 1];
		b = &bp.bs->b[i];
		if (b->lo < a->hi) {
			/* name them in text order, report the later one */
			if (a->column > b->column) {
				struct bucket *t = a;

				a = b;
				b = t;
			}
			fdiag(d, b->column, "buckets %s and %s overlap",
			      quote(q1, a->text, strlen(a->text)),
			      quote(q2, b->text, strlen(b->text)));
			rc = -EINVAL;
			goto out_free;
		}
	}
	*out = bp.bs;
	return 0;
out_free:
	bucket_free(bp.bs);
	return rc;
}

const char *bucket_label(const struct buckets *bs, const char *val, size_t len)
{
	size_t lo = 0, hi, mid;
	double x;

	if (!bs || !bs->n)
		return NULL;
	if (!val || !num_parse(val, len, &x))
		return BUCKET_OTHER;
	/* last bucket with lo <= x */
	hi = bs->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (bs->b[mid].lo <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || !(x < bs->b[lo - 1].hi))
		return BUCKET_OTHER;
	return bs->b[lo - 1].label;
}

size_t bucket_count(const struct buckets *bs)
{
	return bs ? bs->n : 0;
}

void bucket_free(struct buckets *bs)
{
	size_t i;

	if (!bs)
		return;
	for (i = 0; i < bs->n; i++) {
		free(bs->b[i].label);
		free(bs->b[i].text);
	}
	free(bs->b);
	free(bs);
}
