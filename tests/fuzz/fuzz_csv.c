/*
 * fuzz_csv.c - the streaming CSV reader (and the writer, by round trip).
 *
 * Input: byte 0 picks max_line_bytes (1-64, or the default 1 MiB when its
 * top bit is set), byte 1 max_fields (1-16, or 1024), bytes 2-3 seed the
 * cuts; the rest is the CSV text.  The text is read four ways: whole, cut
 * at one position, one byte per feed, and in chunks of pseudo-random
 * sizes.  csv.h promises the verdict does not depend on the cuts, so each
 * way must deliver exactly the same rows: line, error and fields.
 *
 * Per row: a bad row has no fields; a good one has 1..max_fields fields,
 * each followed by a NUL, at most max_line_bytes of them in all; lines
 * increase.  After each feed the reader's buffers stay within the bounds
 * of csv.h and csv_pending() within what was fed.  Every good row, written
 * back with csv_write_row and read again, gives the same fields.
 */
#include <errno.h>

#include "csv.h"
#include "fuzz.h"

struct rows {
	struct buf log; /* every row, serialized */
	size_t max_line, max_fields;
	long last_line;
	size_t nrows;
	int roundtrip;
};

static void put_size(struct buf *b, size_t n)
{
	FUZZ_CHECK(buf_add(b, &n, sizeof(n)) == 0);
}

/* One good row read back from its own written form. */
struct one_row {
	struct buf fields;
	size_t n;
	int error;
	int calls;
};

static int one_row_cb(void *arg, const struct csv_row *row)
{
	struct one_row *o = arg;
	size_t i;

	o->calls++;
	o->error = row->error;
	o->n = row->nfields;
	for (i = 0; i < row->nfields; i++) {
		put_size(&o->fields, row->len[i]);
		FUZZ_CHECK(buf_add(&o->fields, row->field[i], row->len[i]) ==
			   0);
	}
	return 0;
}

static void check_roundtrip(const struct csv_row *row)
{
	struct buf text = BUF_INIT, want = BUF_INIT;
	struct csv_reader r;
	struct one_row o = {BUF_INIT, 0, 0, 0};
	size_t i, total = 0;

	for (i = 0; i < row->nfields; i++) {
		put_size(&want, row->len[i]);
		FUZZ_CHECK(buf_add(&want, row->field[i], row->len[i]) == 0);
		total += row->len[i];
	}
	FUZZ_CHECK(csv_write_row(&text, row->nfields, row->field, row->len) ==
		   0);
	FUZZ_CHECK(text.len >= 1 && text.data[text.len - 1] == '\n');
	csv_reader_init(&r, 2 * total + 2 * row->nfields + 16, row->nfields);
	FUZZ_CHECK(csv_feed(&r, text.data, text.len, one_row_cb, &o) == 0);
	FUZZ_CHECK(csv_pending(&r) == 0);
	FUZZ_CHECK(csv_finish(&r, one_row_cb, &o) == 0);
	FUZZ_CHECK(o.calls == 1);
	FUZZ_CHECK(o.error == CSV_OK);
	FUZZ_CHECK(o.n == row->nfields);
	FUZZ_CHECK(o.fields.len == want.len);
	FUZZ_CHECK(!want.len || !memcmp(o.fields.data, want.data, want.len));
	csv_reader_release(&r);
	buf_release(&o.fields);
	buf_release(&text);
	buf_release(&want);
}

static int row_cb(void *arg, const struct csv_row *row)
{
	struct rows *rs = arg;
	size_t i, total = 0;

	FUZZ_CHECK(row->line >= 1);
	FUZZ_CHECK(row->line > rs->last_line);
	rs->last_line = row->line;
	rs->nrows++;
	put_size(&rs->log, (size_t)row->line);
	put_size(&rs->log, (size_t)row->error);
	put_size(&rs->log, row->nfields);
	if (row->error) {
		FUZZ_CHECK(row->error >= CSV_ERR_QUOTE &&
			   row->error <= CSV_ERR_TOO_MANY_FIELDS);
		FUZZ_CHECK(row->nfields == 0);
		FUZZ_CHECK(row->field == NULL && row->len == NULL);
		FUZZ_CHECK(strcmp(csv_error_reason(row->error), "unknown"));
		return 0;
	}
	FUZZ_CHECK(row->nfields >= 1 && row->nfields <= rs->max_fields);
	for (i = 0; i < row->nfields; i++) {
		FUZZ_CHECK(row->field[i][row->len[i]] == '\0');
		total += row->len[i];
		put_size(&rs->log, row->len[i]);
		FUZZ_CHECK(buf_add(&rs->log, row->field[i], row->len[i]) == 0);
	}
	FUZZ_CHECK(total <= rs->max_line);
	if (rs->roundtrip)
		check_roundtrip(row);
	return 0;
}

static void check_bounds(const struct csv_reader *r, size_t fed)
{
	FUZZ_CHECK(r->cap <= r->max_line + 3);
	FUZZ_CHECK(r->fcap <= r->max_fields);
	FUZZ_CHECK(csv_pending(r) <= fed);
}

/* Feed text in pieces of the sizes cut() gives, then finish. */
static void read_all(struct rows *rs, const char *text, size_t len,
		     size_t (*cut)(void *st, size_t left), void *st)
{
	struct csv_reader r;
	size_t pos = 0, n;

	csv_reader_init(&r, rs->max_line, rs->max_fields);
	rs->last_line = 0;
	while (pos < len) {
		n = cut(st, len - pos);
		FUZZ_CHECK(n >= 1 && n <= len - pos);
		FUZZ_CHECK(csv_feed(&r, text + pos, n, row_cb, rs) == 0);
		pos += n;
		check_bounds(&r, pos);
	}
	FUZZ_CHECK(csv_feed(&r, NULL, 0, row_cb, rs) == 0);
	FUZZ_CHECK(csv_finish(&r, row_cb, rs) == 0);
	FUZZ_CHECK(csv_pending(&r) == 0);
	check_bounds(&r, 0);
	csv_reader_release(&r);
}

static size_t cut_whole(void *st, size_t left)
{
	return left;
}

static size_t cut_bytes(void *st, size_t left)
{
	return 1;
}

/* First piece *at bytes (at least 1), then the rest. */
static size_t cut_once(void *st, size_t left)
{
	size_t *at = st, n = *at;

	*at = (size_t)-1;
	if (n == (size_t)-1 || n > left)
		return left;
	return n ? n : 1;
}

/* Pieces of 1..16 bytes from a small LCG. */
static size_t cut_random(void *st, size_t left)
{
	uint32_t *x = st;
	size_t n;

	*x = *x * 1103515245u + 12345u;
	n = 1 + ((*x >> 16) & 15);
	return n < left ? n : left;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rows whole = {BUF_INIT}, other = {BUF_INIT};
	const char *text;
	size_t len, at, max_line, max_fields;
	uint32_t seed;
	int pass;

	if (size < 4)
		return 0;
	max_line = data[0] & 0x80 ? CSV_DEFAULT_MAX_LINE : 1 + (data[0] & 63);
	max_fields =
	    data[1] & 0x80 ? CSV_DEFAULT_MAX_FIELDS : 1 + (data[1] & 15);
	seed = (uint32_t)data[2] | (uint32_t)data[3] << 8;
	text = (const char *)data + 4;
	len = size - 4;

	whole.max_line = other.max_line = max_line;
	whole.max_fields = other.max_fields = max_fields;
	whole.roundtrip = 1;
	read_all(&whole, text, len, cut_whole, NULL);

	for (pass = 0; pass < 3; pass++) {
		buf_reset(&other.log);
		other.nrows = 0;
		switch (pass) {
		case 0:
			at = len ? seed % len : 0;
			read_all(&other, text, len, cut_once, &at);
			break;
		case 1:
			read_all(&other, text, len, cut_bytes, NULL);
			break;
		default:
			read_all(&other, text, len, cut_random, &seed);
			break;
		}
		if (other.nrows != whole.nrows ||
		    other.log.len != whole.log.len)
			fprintf(stderr, "pass %d: %zu rows, whole: %zu rows\n",
				pass, other.nrows, whole.nrows);
		FUZZ_CHECK(other.nrows == whole.nrows);
		FUZZ_CHECK(other.log.len == whole.log.len);
		FUZZ_CHECK(
		    !whole.log.len ||
		    !memcmp(other.log.data, whole.log.data, whole.log.len));
	}
	buf_release(&whole.log);
	buf_release(&other.log);
	return 0;
}
