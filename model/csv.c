/*
 * csv.c - streaming RFC 4180 CSV reader and writer (see csv.h).
 *
 * The reader is a state machine whose state survives between feeds, so a
 * chunk may end anywhere.  It has two modes:
 *
 *  - parsing (CSV_ST_FIELD..CSV_ST_CRQ): bytes of the row are unescaped
 *    into r->buf, each field ended by a NUL, and the length of each
 *    completed field goes to r->len.  Field pointers are only made at
 *    delivery, so buf may move while a row grows.
 *  - discarding (CSV_ST_D_*): the row is known bad; its bytes are only
 *    scanned, tracking quotes just enough to find where the row ends.
 *
 * Speed: the hot loops are inline byte loops over a table of the three
 * bytes that matter in an unquoted field (',', '"', LF), with no call and
 * no length or capacity check per byte.  Before each run csv_parse() reserves
 * room for everything the run may store (a raw byte stores at most one
 * byte: quotes drop, "" stores one for two, ',' and LF store the NUL) and
 * cuts the run at the row's length budget, the window: max_line + 2 raw
 * bytes (the line plus a CR that may turn out to be part of CRLF, plus
 * one to see the excess).  A row that uses up its window without ending
 * is too long; one that ends inside it is measured exactly at its end.
 * Hence buf never exceeds window + 1 bytes and r->len never exceeds
 * max_fields entries.
 *
 * The writer: csv_write_row() writes fields as they are (the store's
 * canonical rows, records); csv_write_row_safe() is for the files people
 * open in a spreadsheet (rows.csv, report/DIM.csv), where a cell that
 * starts like a formula is neutralised (csv.h).
 *
 * A lone CR is data (csv.h); only the unquoted field's last stored byte
 * needs a look when the LF comes, and after a closing quote CR has its
 * own state so that CRLF split between two feeds works.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

enum {
	CSV_ST_FIELD,	/* at the start of a field */
	CSV_ST_UNQ,	/* inside an unquoted field */
	CSV_ST_Q,	/* inside a quoted field */
	CSV_ST_QQ,	/* a quote inside a quoted field: end or "" */
	CSV_ST_CRQ,	/* CR after a closing quote: LF must follow */
	CSV_ST_D_FIELD, /* discarding, at the start of a field */
	CSV_ST_D_UNQ,	/* discarding, outside quotes */
	CSV_ST_D_Q,	/* discarding, inside quotes */
	CSV_ST_D_QQ,	/* discarding, a quote inside quotes */
};

/* Bytes that end a run of an unquoted field. */
static const unsigned char csv_special[256] = {
    ['\n'] = 1, ['"'] = 1, [','] = 1};

static void csv_row_reset(struct csv_reader *r)
{
	r->used = 0;
	r->fstart = 0;
	r->nf = 0;
	r->raw = 0;
	r->state = CSV_ST_FIELD;
	r->err = CSV_OK;
	r->cr_strip = 0;
	r->row_line = r->line;
}

void csv_reader_init(struct csv_reader *r, size_t max_line_bytes,
		     size_t max_fields)
{
	assert(max_line_bytes >= 1 && max_line_bytes <= SIZE_MAX / 4);
	assert(max_fields >= 1 && max_fields <= SIZE_MAX / 4 / sizeof(size_t));
	r->max_line = max_line_bytes;
	r->max_fields = max_fields;
	r->buf = NULL;
	r->cap = 0;
	r->len = NULL;
	r->field = NULL;
	r->fcap = 0;
	r->line = 1;
	csv_row_reset(r);
}

void csv_reader_release(struct csv_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
	free(r->len);
	r->len = NULL;
	free(r->field);
	r->field = NULL;
	r->fcap = 0;
	csv_reader_reset(r);
}

void csv_reader_reset(struct csv_reader *r)
{
	r->line = 1;
	csv_row_reset(r);
}

size_t csv_pending(const struct csv_reader *r)
{
	return r->raw;
}

/* Make buf hold need bytes; need never exceeds the window + 1. */
static int csv_reserve(struct csv_reader *r, size_t need)
{
	size_t cap, max = r->max_line + 3;
	char *p;

	if (need <= r->cap)
		return 0;
	assert(need <= max);
	cap = r->cap ? r->cap : 256;
	if (cap > max)
		cap = max;
	while (cap < need)
		cap = cap > max / 2 ? max : cap * 2;
	p = realloc(r->buf, cap);
	if (!p)
		return -ENOMEM;
	r->buf = p;
	r->cap = cap;
	return 0;
}

/* Room for one more field length; nf < max_fields holds here. */
static int csv_grow_fields(struct csv_reader *r)
{
	size_t n = r->fcap ? r->fcap * 2 : 16;
	size_t *len;
	const char **field;

	if (n > r->max_fields)
		n = r->max_fields;
	len = realloc(r->len, n * sizeof(*len));
	if (!len)
		return -ENOMEM;
	r->len = len;
	field = realloc(r->field, n * sizeof(*field));
	if (!field)
		return -ENOMEM;
	r->field = field;
	r->fcap = n;
	return 0;
}

static int csv_deliver(struct csv_reader *r, int err, csv_row_fn *fn, void *arg)
{
	struct csv_row row;
	size_t i, off = 0;

	row.line = r->row_line;
	row.error = err;
	if (err) {
		row.nfields = 0;
		row.field = NULL;
		row.len = NULL;
	} else {
		for (i = 0; i < r->nf; i++) {
			r->field[i] = r->buf + off;
			off += r->len[i] + 1;
		}
		row.nfields = r->nf;
		row.field = r->field;
		row.len = r->len;
	}
	return fn(arg, &row);
}

/*
 * One run of the parsing mode over *pp..end: stops at the end of a row
 * (delivered), at the end of the window or the data, or at the first
 * problem (switching to a discarding state).
 */
static int csv_parse(struct csv_reader *r, const char **pp, const char *end,
		     csv_row_fn *fn, void *arg)
{
	const char *p = *pp, *start = p, *lim;
	size_t n = (size_t)(end - p), room = r->max_line + 2 - r->raw;
	char *out, *fbeg;
	int rc, state, err;
	char c;

	if (n > room)
		n = room;
	lim = p + n;
	rc = csv_reserve(r, r->used + n + 1);
	if (rc)
		return rc;
	out = r->buf + r->used;
	fbeg = r->buf + r->fstart;

	switch (r->state) {
	case CSV_ST_UNQ:
		goto unq;
	case CSV_ST_Q:
		goto q;
	case CSV_ST_QQ:
		goto qq;
	case CSV_ST_CRQ:
		goto crq;
	default:
		break;
	}
field:
	if (p == lim) {
		state = CSV_ST_FIELD;
		goto suspend;
	}
	if (*p == '"') {
		p++;
		goto q;
	}
	/* ',' and LF at a field start end an empty field, as in unq */
unq:
	while (p < lim && !csv_special[(unsigned char)*p])
		*out++ = *p++;
	if (p == lim) {
		state = CSV_ST_UNQ;
		goto suspend;
	}
	c = *p++;
	if (c == ',')
		goto end_field;
	if (c == '\n') {
		if (out > fbeg && out[-1] == '\r') {
			out--;
			r->cr_strip = 1;
		}
		goto end_row;
	}
	err = CSV_ERR_QUOTE;
	state = CSV_ST_D_UNQ;
	goto bad;
q:
	while (p < lim) {
		c = *p;
		if (c == '"')
			break;
		if (c == '\n')
			r->line++;
		*out++ = c;
		p++;
	}
	if (p == lim) {
		state = CSV_ST_Q;
		goto suspend;
	}
	p++;
qq:
	if (p == lim) {
		state = CSV_ST_QQ;
		goto suspend;
	}
	c = *p++;
	if (c == '"') {
		*out++ = '"';
		goto q;
	}
	if (c == ',')
		goto end_field;
	if (c == '\n')
		goto end_row;
	if (c == '\r')
		goto crq;
	err = CSV_ERR_AFTER_QUOTE;
	state = CSV_ST_D_UNQ;
	goto bad;
crq:
	if (p == lim) {
		state = CSV_ST_CRQ;
		goto suspend;
	}
	if (*p == '\n') {
		p++;
		r->cr_strip = 1;
		goto end_row;
	}
	/* not taken: the byte may be ',' or '"' for the discarding scan */
	err = CSV_ERR_AFTER_QUOTE;
	state = CSV_ST_D_UNQ;
	goto bad;

end_field:
	if (r->nf == r->fcap) {
		rc = csv_grow_fields(r);
		if (rc)
			return rc;
	}
	*out++ = '\0';
	r->len[r->nf++] = (size_t)(out - 1 - fbeg);
	fbeg = out;
	if (r->nf >= r->max_fields) {
		err = CSV_ERR_TOO_MANY_FIELDS;
		state = CSV_ST_D_FIELD;
		goto bad;
	}
	goto field;

end_row:
	if (r->nf == r->fcap) {
		rc = csv_grow_fields(r);
		if (rc)
			return rc;
	}
	*out++ = '\0';
	r->len[r->nf++] = (size_t)(out - 1 - fbeg);
	r->raw += (size_t)(p - start);
	r->line++;
	*pp = p;
	/* raw - 1: without the LF; the window lets one byte too many in */
	n = r->raw - 1 - (size_t)r->cr_strip;
	if (n > r->max_line)
		rc = csv_deliver(r, CSV_ERR_LINE_TOO_LONG, fn, arg);
	else if (r->nf == 1 && n == 0)
		rc = 0; /* empty line */
	else
		rc = csv_deliver(r, CSV_OK, fn, arg);
	csv_row_reset(r);
	return rc;

suspend:
	r->raw += (size_t)(p - start);
	*pp = p;
	if (p < end) {
		/* the window is used up and the row goes on */
		static const int discard[] = {
		    [CSV_ST_FIELD] = CSV_ST_D_FIELD,
		    [CSV_ST_UNQ] = CSV_ST_D_UNQ,
		    [CSV_ST_Q] = CSV_ST_D_Q,
		    [CSV_ST_QQ] = CSV_ST_D_QQ,
		    [CSV_ST_CRQ] = CSV_ST_D_UNQ,
		};

		r->err = CSV_ERR_LINE_TOO_LONG;
		r->state = discard[state];
		return 0;
	}
	r->state = state;
	r->used = (size_t)(out - r->buf);
	r->fstart = (size_t)(fbeg - r->buf);
	return 0;

bad:
	r->raw += (size_t)(p - start);
	*pp = p;
	/* the bytes taken are no terminator: past the limit is too long */
	r->err = r->raw > r->max_line ? CSV_ERR_LINE_TOO_LONG : err;
	r->state = state;
	return 0;
}

/* The discarding mode: find the end of a bad row, keeping nothing. */
static int csv_discard(struct csv_reader *r, const char **pp, const char *end,
		       csv_row_fn *fn, void *arg)
{
	const char *p = *pp, *start = p;
	int state = r->state, rc;
	char c;

	while (p < end) {
		c = *p++;
		switch (state) {
		case CSV_ST_D_FIELD:
			if (c == '"')
				state = CSV_ST_D_Q;
			else if (c == '\n')
				goto end_row;
			else if (c != ',')
				state = CSV_ST_D_UNQ;
			break;
		case CSV_ST_D_UNQ:
			if (c == ',')
				state = CSV_ST_D_FIELD;
			else if (c == '\n')
				goto end_row;
			break;
		case CSV_ST_D_Q:
			if (c == '"')
				state = CSV_ST_D_QQ;
			else if (c == '\n')
				r->line++;
			break;
		default: /* CSV_ST_D_QQ */
			if (c == '"')
				state = CSV_ST_D_Q;
			else if (c == ',')
				state = CSV_ST_D_FIELD;
			else if (c == '\n')
				goto end_row;
			else
				state = CSV_ST_D_UNQ;
			break;
		}
	}
	r->raw += (size_t)(p - start);
	r->state = state;
	*pp = p;
	return 0;

end_row:
	r->line++;
	*pp = p;
	rc = csv_deliver(r, r->err, fn, arg);
	csv_row_reset(r);
	return rc;
}

int csv_feed(struct csv_reader *r, const char *data, size_t len,
	     csv_row_fn *row, void *arg)
{
	const char *p = data, *end;
	int rc;

	if (!len)
		return 0; /* data may be NULL */
	end = data + len;
	while (p < end) {
		if (r->state >= CSV_ST_D_FIELD)
			rc = csv_discard(r, &p, end, row, arg);
		else
			rc = csv_parse(r, &p, end, row, arg);
		if (rc) {
			csv_row_reset(r);
			return rc;
		}
	}
	return 0;
}

int csv_finish(struct csv_reader *r, csv_row_fn *row, void *arg)
{
	int rc = 0;

	if (r->state == CSV_ST_Q)
		rc = csv_deliver(r,
				 r->raw > r->max_line ? CSV_ERR_LINE_TOO_LONG
						      : CSV_ERR_UNTERMINATED,
				 row, arg);
	else if (r->state == CSV_ST_D_Q)
		rc = csv_deliver(r, r->err, row, arg);
	else if (r->raw)
		/* a row that used up its window goes on to discard the LF */
		rc = csv_feed(r, "\n", 1, row, arg);
	csv_reader_reset(r);
	return rc;
}

const char *csv_error_message(int err)
{
	switch (err) {
	case CSV_OK:
		return "no error";
	case CSV_ERR_QUOTE:
		return "quote inside unquoted field";
	case CSV_ERR_AFTER_QUOTE:
		return "text after closing quote";
	case CSV_ERR_UNTERMINATED:
		return "unterminated quoted field";
	case CSV_ERR_LINE_TOO_LONG:
		return "line too long";
	case CSV_ERR_TOO_MANY_FIELDS:
		return "too many fields";
	}
	return "unknown error";
}

const char *csv_error_reason(int err)
{
	switch (err) {
	case CSV_OK:
		return "ok";
	case CSV_ERR_QUOTE:
		return "bad_quote";
	case CSV_ERR_AFTER_QUOTE:
		return "text_after_quote";
	case CSV_ERR_UNTERMINATED:
		return "unterminated_quote";
	case CSV_ERR_LINE_TOO_LONG:
		return "line_too_long";
	case CSV_ERR_TOO_MANY_FIELDS:
		return "too_many_fields";
	}
	return "unknown";
}

/* Bytes that force quoting anywhere in a field. */
static const unsigned char csv_needs_quote[256] = {
    ['\n'] = 1, ['\r'] = 1, ['"'] = 1, [','] = 1};

static int csv_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The field quoted, quotes doubled, after prefix (a NUL: none) inside
 * the quotes. */
static int csv_write_quoted(struct buf *b, char prefix, const char *s,
			    size_t len)
{
	size_t i, quotes = 0;
	char *out;
	int rc;

	for (i = 0; i < len; i++)
		quotes += s[i] == '"';
	if (len > (size_t)-1 / 4)
		return -ENOMEM;
	rc = buf_grow(b, len + quotes + 3);
	if (rc)
		return rc;
	out = b->data + b->len;
	*out++ = '"';
	if (prefix)
		*out++ = prefix;
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			*out++ = '"';
		*out++ = s[i];
	}
	*out++ = '"';
	b->len = (size_t)(out - b->data);
	b->data[b->len] = '\0';
	return 0;
}

int csv_write_field(struct buf *b, const char *s, size_t len)
{
	int quote = len && (csv_is_blank(s[0]) || csv_is_blank(s[len - 1]));
	size_t i;

	for (i = 0; i < len && !quote; i++)
		quote = csv_needs_quote[(unsigned char)s[i]];
	return quote ? csv_write_quoted(b, '\0', s, len) :
		       buf_add(b, s, len);
}

/* A plain decimal number: [+-]D+[.D+][(e|E)[+-]D+]. */
static int csv_is_number(const char *s, size_t len)
{
	size_t i = 0, d;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	for (d = i; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i == d)
		return 0;
	if (i < len && s[i] == '.') {
		for (d = ++i; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	return i == len;
}

/* Bytes that make a spreadsheet read a cell as a formula (OWASP). */
static const unsigned char csv_formula_start[256] = {
    ['='] = 1, ['+'] = 1, ['-'] = 1, ['@'] = 1, ['\t'] = 1, ['\r'] = 1};

int csv_cell_is_formula(const char *s, size_t len)
{
	return len && csv_formula_start[(unsigned char)s[0]] &&
	       !csv_is_number(s, len);
}

/* "'" then the field, quoted, quotes doubled. */
static int csv_write_neutral(struct buf *b, const char *s, size_t len)
{
	return csv_write_quoted(b, '\'', s, len);
}

static int csv_row(struct buf *b, size_t n, const char *const *field,
		   const size_t *len, int safe)
{
	size_t i, old = b->len, flen;
	int rc = 0;

	if (!n)
		return -EINVAL;
	if (n == 1 && !(len ? len[0] : strlen(field[0])))
		return buf_add(b, "\"\"\n", 3);
	for (i = 0; i < n && !rc; i++) {
		flen = len ? len[i] : strlen(field[i]);
		if (i)
			rc = buf_addch(b, ',');
		if (rc)
			break;
		if (safe && csv_cell_is_formula(field[i], flen))
			rc = csv_write_neutral(b, field[i], flen);
		else
			rc = csv_write_field(b, field[i], flen);
	}
	if (!rc)
		rc = buf_addch(b, '\n');
	if (rc && b->data) {
		b->len = old;
		b->data[old] = '\0';
	}
	return rc;
}

int csv_write_row(struct buf *b, size_t n, const char *const *field,
		  const size_t *len)
{
	return csv_row(b, n, field, len, 0);
}

int csv_write_row_safe(struct buf *b, size_t n, const char *const *field,
		       const size_t *len)
{
	return csv_row(b, n, field, len, 1);
}
