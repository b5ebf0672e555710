/*
 * check_csv.c - unit tests for the CSV reader and writer.
 *
 * Rows are collected as text, one line a row: "LINE:<f1><f2>" for a good
 * row (fields raw, so a quoted newline shows as one), "LINE:!reason" for
 * a bad one.  expect_csv() parses its input whole, one byte per feed and
 * split in two at every position, and wants the same text every time:
 * every case doubles as a chunking test.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

struct collect {
	struct buf out;
	int rows;
	int stop_after;	 /* return -EIO after that many rows; 0 = never */
	const char *bad; /* first broken promise of the reader, if any */
};

/*
 * No ck_assert in here: each one is a write to Check's pipe, and the
 * callback runs millions of times.  The caller checks bad once.
 */
static int collect_row(void *arg, const struct csv_row *row)
{
	struct collect *c = arg;
	size_t i;
	int rc;

	rc = buf_printf(&c->out, "%ld:", row->line);
	if (row->error) {
		if (row->nfields || row->field || row->len)
			c->bad = "fields in a bad row";
		rc |= buf_printf(&c->out, "!%s", csv_error_reason(row->error));
	} else if (!row->nfields) {
		c->bad = "good row without fields";
	}
	for (i = 0; i < row->nfields; i++) {
		if (row->field[i][row->len[i]])
			c->bad = "field not NUL-terminated";
		rc |= buf_addch(&c->out, '<');
		rc |= buf_add(&c->out, row->field[i], row->len[i]);
		rc |= buf_addch(&c->out, '>');
	}
	rc |= buf_addch(&c->out, '\n');
	if (rc)
		c->bad = "out of memory";
	c->rows++;
	if (c->stop_after && c->rows == c->stop_after)
		return -EIO;
	return 0;
}

/*
 * Parse in[0..len) fed as pieces of at most chunk bytes (0: in two, cut
 * at split), then finish.  Returns the collected text (caller frees).
 */
static char *parse_ex(size_t max_line, size_t max_fields, const char *in,
		      size_t len, size_t chunk, size_t split, size_t *outlen)
{
	struct csv_reader r;
	struct collect c = {BUF_INIT, 0, 0, NULL};
	size_t off, n;

	csv_reader_init(&r, max_line, max_fields);
	if (chunk) {
		for (off = 0; off < len; off += n) {
			n = len - off < chunk ? len - off : chunk;
			ck_assert_int_eq(
			    csv_feed(&r, in + off, n, collect_row, &c), 0);
		}
	} else {
		ck_assert_int_eq(csv_feed(&r, in, split, collect_row, &c), 0);
		ck_assert_int_eq(
		    csv_feed(&r, in + split, len - split, collect_row, &c), 0);
	}
	ck_assert_int_eq(csv_finish(&r, collect_row, &c), 0);
	ck_assert_uint_eq(csv_pending(&r), 0);
	ck_assert_msg(!c.bad, "%s", c.bad);
	/* the memory bound of csv.h, however small the limits */
	ck_assert_uint_le(r.cap, max_line + 3);
	ck_assert_uint_le(r.fcap, max_fields);
	csv_reader_release(&r);
	return buf_detach(&c.out, outlen);
}

static void expect_same(const char *got, size_t gotlen, const char *want,
			size_t wantlen, const char *how, size_t at)
{
	ck_assert_msg(gotlen == wantlen && !memcmp(got, want, wantlen),
		      "%s %zu: got\n%s\nwant\n%s", how, at, got, want);
}

static void expect_csv_lim(size_t max_line, size_t max_fields, const char *in,
			   size_t len, const char *want, size_t wantlen)
{
	size_t split, gotlen;
	char *got;

	got = parse_ex(max_line, max_fields, in, len, 0, len, &gotlen);
	expect_same(got, gotlen, want, wantlen, "whole", len);
	free(got);
	got = parse_ex(max_line, max_fields, in, len, 1, 0, &gotlen);
	expect_same(got, gotlen, want, wantlen, "bytewise", 1);
	free(got);
	for (split = 0; split <= len; split++) {
		got =
		    parse_ex(max_line, max_fields, in, len, 0, split, &gotlen);
		expect_same(got, gotlen, want, wantlen, "split at", split);
		free(got);
	}
}

/* Literals only: sizeof gives lengths, so NUL bytes may be tested. */
#define EXPECT_CSV_LIM(max_line, max_fields, in, want)                         \
	expect_csv_lim(max_line, max_fields, in, sizeof(in) - 1, want,         \
		       sizeof(want) - 1)
#define EXPECT_CSV(in, want) EXPECT_CSV_LIM(1024, 64, in, want)

START_TEST(test_plain)
{
	EXPECT_CSV("a,b,c\n1,2,3\n", "1:<a><b><c>\n2:<1><2><3>\n");
	EXPECT_CSV("abc\n", "1:<abc>\n");
	EXPECT_CSV("a b , c\n", "1:<a b >< c>\n");
	EXPECT_CSV("", "");
}
END_TEST

START_TEST(test_quotes)
{
	EXPECT_CSV("\"a\",\"b c\",d\n", "1:<a><b c><d>\n");
	EXPECT_CSV("\"\",x\n", "1:<><x>\n");
	EXPECT_CSV("x,\"\"\n", "1:<x><>\n");
}
END_TEST

START_TEST(test_escaped_quotes)
{
	EXPECT_CSV("\"say \"\"hi\"\"\",x\n", "1:<say \"hi\"><x>\n");
	EXPECT_CSV("\"\"\"\"\n", "1:<\">\n");
	EXPECT_CSV("\"\"\"\"\"\"\n", "1:<\"\">\n");
	EXPECT_CSV("\"a\"\"\",\"\"\"b\"\n", "1:<a\"><\"b>\n");
}
END_TEST

START_TEST(test_embedded)
{
	EXPECT_CSV("\"a,b\",\"c\nd\",e\nnext\n",
		   "1:<a,b><c\nd><e>\n3:<next>\n");
	EXPECT_CSV("\"\n\n\"\nx\n", "1:<\n\n>\n4:<x>\n");
	EXPECT_CSV("\",\",\",,\"\n", "1:<,><,,>\n");
}
END_TEST

START_TEST(test_crlf)
{
	EXPECT_CSV("a,b\r\nc\r\n", "1:<a><b>\n2:<c>\n");
	EXPECT_CSV("\"a\"\r\n\"b\",\"c\"\r\n", "1:<a>\n2:<b><c>\n");
	EXPECT_CSV("a,\r\n", "1:<a><>\n");
	EXPECT_CSV("\"a\r\nb\"\r\nx\r\n", "1:<a\r\nb>\n3:<x>\n");
	/* a lone CR is data; only the CR before the LF goes */
	EXPECT_CSV("a\rb,c\n", "1:<a\rb><c>\n");
	EXPECT_CSV("\r\r\n", "1:<\r>\n");
	EXPECT_CSV("a\r\r\n", "1:<a\r>\n");
	EXPECT_CSV("\ra\n", "1:<\ra>\n");
	/* end of input acts as an LF */
	EXPECT_CSV("a\r", "1:<a>\n");
	EXPECT_CSV("\"a\"\r", "1:<a>\n");
}
END_TEST

START_TEST(test_empty_fields)
{
	EXPECT_CSV(",,\n", "1:<><><>\n");
	EXPECT_CSV("a,,b\n", "1:<a><><b>\n");
	EXPECT_CSV("a,b,\n", "1:<a><b><>\n");
	EXPECT_CSV("a,b,", "1:<a><b><>\n");
	EXPECT_CSV(",\n", "1:<><>\n");
	EXPECT_CSV("\"\"\n", "1:<>\n");
	EXPECT_CSV(" \n", "1:< >\n");
}
END_TEST

START_TEST(test_empty_lines)
{
	EXPECT_CSV("\n\r\n\nA\n\n", "4:<A>\n");
	EXPECT_CSV("a\n\nb\n", "1:<a>\n3:<b>\n");
	EXPECT_CSV("\n", "");
	EXPECT_CSV("\r", "");
}
END_TEST

START_TEST(test_last_line)
{
	EXPECT_CSV("a,b\nc,d", "1:<a><b>\n2:<c><d>\n");
	EXPECT_CSV("\"x\"", "1:<x>\n");
	EXPECT_CSV("\"x\"\"\"", "1:<x\">\n");
}
END_TEST

START_TEST(test_syntax_errors)
{
	EXPECT_CSV("a\"b,c\nnext\n", "1:!bad_quote\n2:<next>\n");
	EXPECT_CSV(" \"a\",c\nnext\n", "1:!bad_quote\n2:<next>\n");
	EXPECT_CSV("\"a\"b,c\nnext\n", "1:!text_after_quote\n2:<next>\n");
	EXPECT_CSV("\"a\" ,c\n", "1:!text_after_quote\n");
	EXPECT_CSV("\"a\"\rb\nnext\n", "1:!text_after_quote\n2:<next>\n");
	/* a bad row ends where a good one would: after its quoted LF */
	EXPECT_CSV("\"a\"x,\"b\nc\"\nnext\n",
		   "1:!text_after_quote\n3:<next>\n");
	EXPECT_CSV("a\"b,\"c\nd\",e\nnext\n", "1:!bad_quote\n3:<next>\n");
	/* a quote inside a bad unquoted field opens nothing */
	EXPECT_CSV("5\"4\",x\nnext\n", "1:!bad_quote\n2:<next>\n");
	EXPECT_CSV("ok\n\"a\"b", "1:<ok>\n2:!text_after_quote\n");
}
END_TEST

START_TEST(test_unterminated)
{
	EXPECT_CSV("a,\"b\nc", "1:!unterminated_quote\n");
	EXPECT_CSV("x\n\"abc", "1:<x>\n2:!unterminated_quote\n");
	EXPECT_CSV("\"a\"\"", "1:!unterminated_quote\n");
	EXPECT_CSV("\"", "1:!unterminated_quote\n");
}
END_TEST

START_TEST(test_line_too_long)
{
	/* limit 8: the raw text counts, quotes in, CRLF out */
	EXPECT_CSV_LIM(8, 64, "12345678\n", "1:<12345678>\n");
	EXPECT_CSV_LIM(8, 64, "12345678\r\n", "1:<12345678>\n");
	EXPECT_CSV_LIM(8, 64, "12345678", "1:<12345678>\n");
	EXPECT_CSV_LIM(8, 64, "\"123456\"\n", "1:<123456>\n");
	EXPECT_CSV_LIM(8, 64, "1234567\r\r\n", "1:<1234567\r>\n");
	EXPECT_CSV_LIM(8, 64, "123456789\nok\n", "1:!line_too_long\n2:<ok>\n");
	EXPECT_CSV_LIM(8, 64, "123456789\r\nok\n",
		       "1:!line_too_long\n2:<ok>\n");
	EXPECT_CSV_LIM(8, 64, "\"1234567\"\nok\n",
		       "1:!line_too_long\n2:<ok>\n");
	EXPECT_CSV_LIM(8, 64, "123456789", "1:!line_too_long\n");
	EXPECT_CSV_LIM(8, 64, "1234567890", "1:!line_too_long\n");
	EXPECT_CSV_LIM(8, 64, "12345678901234567890\nok\n",
		       "1:!line_too_long\n2:<ok>\n");
	/* skipping keeps track of quotes, so a quoted LF stays inside */
	EXPECT_CSV_LIM(8, 64, "a,\"bcdefghij\nk\",l\nok\n",
		       "1:!line_too_long\n3:<ok>\n");
	EXPECT_CSV_LIM(8, 64, "\"12345678\"\"\"\nok\n",
		       "1:!line_too_long\n2:<ok>\n");
	EXPECT_CSV_LIM(8, 64, "\"12345678\"\r\nok\n",
		       "1:!line_too_long\n2:<ok>\n");
	EXPECT_CSV_LIM(8, 64, "\"123456789", "1:!line_too_long\n");
	/* a syntax error past the limit: the first problem is reported */
	EXPECT_CSV_LIM(8, 64, "123456789\"\nok\n",
		       "1:!line_too_long\n2:<ok>\n");
	EXPECT_CSV_LIM(8, 64, "1\"23456789\nok\n", "1:!bad_quote\n2:<ok>\n");
}
END_TEST

START_TEST(test_too_many_fields)
{
	EXPECT_CSV_LIM(64, 3, "a,b,c\n", "1:<a><b><c>\n");
	EXPECT_CSV_LIM(64, 3, ",,\n", "1:<><><>\n");
	EXPECT_CSV_LIM(64, 3, "a,b,c,d\nx\n", "1:!too_many_fields\n2:<x>\n");
	EXPECT_CSV_LIM(64, 3, "a,b,c,\nx\n", "1:!too_many_fields\n2:<x>\n");
	EXPECT_CSV_LIM(64, 3, ",,,\nx\n", "1:!too_many_fields\n2:<x>\n");
	EXPECT_CSV_LIM(64, 3, "a,b,c,\"d\ne\",f\nnext\n",
		       "1:!too_many_fields\n3:<next>\n");
	EXPECT_CSV_LIM(64, 3, "a,b,c,d", "1:!too_many_fields\n");
	EXPECT_CSV_LIM(64, 1, "a\nb,c\nd\n",
		       "1:<a>\n2:!too_many_fields\n3:<d>\n");
}
END_TEST

START_TEST(test_nul_bytes)
{
	EXPECT_CSV_LIM(64, 8, "a\0b,\"\0\"\n", "1:<a\0b><\0>\n");
}
END_TEST

/* A sample mixing everything, cut in two and in three everywhere. */
START_TEST(test_every_split)
{
	static const char in[] =
	    "id,name,note\r\n"
	    "1,\"Smith, J\",\"said \"\"hi\"\"\r\nthen left\"\r\n"
	    "\r\n"
	    "2,,\"\"\n"
	    "3,\"a\"x,bad\r\n"
	    "4,plain,\"multi\nline\"";
	static const char want[] = "1:<id><name><note>\n"
				   "2:<1><Smith, J><said \"hi\"\r\nthen left>\n"
				   "5:<2><><>\n"
				   "6:!text_after_quote\n"
				   "7:<4><plain><multi\nline>\n";
	size_t len = sizeof(in) - 1, i, j, gotlen;
	struct csv_reader r;
	struct collect c;
	char *got;

	EXPECT_CSV_LIM(1024, 64, in, want);
	for (i = 0; i <= len; i++) {
		for (j = i; j <= len; j++) {
			c = (struct collect){BUF_INIT, 0, 0, NULL};
			csv_reader_init(&r, 1024, 64);
			ck_assert_int_eq(csv_feed(&r, in, i, collect_row, &c),
					 0);
			ck_assert_int_eq(
			    csv_feed(&r, in + i, j - i, collect_row, &c), 0);
			ck_assert_int_eq(
			    csv_feed(&r, in + j, len - j, collect_row, &c), 0);
			ck_assert_int_eq(csv_finish(&r, collect_row, &c), 0);
			ck_assert_msg(!c.bad, "%s", c.bad);
			csv_reader_release(&r);
			got = buf_detach(&c.out, &gotlen);
			expect_same(got, gotlen, want, strlen(want), "cut at",
				    i * 1000 + j);
			free(got);
		}
	}
}
END_TEST

START_TEST(test_pending)
{
	struct csv_reader r;
	struct collect c = {BUF_INIT, 0, 0, NULL};

	csv_reader_init(&r, 1024, 64);
	ck_assert_uint_eq(csv_pending(&r), 0);
	ck_assert_int_eq(csv_feed(&r, "a,b\nc,d", 7, collect_row, &c), 0);
	ck_assert_uint_eq(csv_pending(&r), 3);
	ck_assert_int_eq(csv_feed(&r, ",\"e\n", 4, collect_row, &c), 0);
	ck_assert_uint_eq(csv_pending(&r), 7);
	ck_assert_int_eq(csv_feed(&r, "f\"\r", 3, collect_row, &c), 0);
	ck_assert_uint_eq(csv_pending(&r), 10);
	ck_assert_int_eq(csv_feed(&r, "\n\n\n", 3, collect_row, &c), 0);
	ck_assert_uint_eq(csv_pending(&r), 0);
	ck_assert_int_eq(c.rows, 2);
	/* a bad row being skipped is pending too */
	ck_assert_int_eq(csv_feed(&r, "\"x\"y,z", 6, collect_row, &c), 0);
	ck_assert_uint_eq(csv_pending(&r), 6);
	ck_assert_int_eq(csv_feed(&r, "\n", 1, collect_row, &c), 0);
	ck_assert_uint_eq(csv_pending(&r), 0);
	ck_assert_str_eq(c.out.data,
			 "1:<a><b>\n2:<c><d><e\nf>\n6:!text_after_quote\n");
	csv_reader_release(&r);
	buf_release(&c.out);
}
END_TEST

START_TEST(test_callback_stop)
{
	struct csv_reader r;
	struct collect c = {BUF_INIT, 0, 1, NULL};

	csv_reader_init(&r, 1024, 64);
	ck_assert_int_eq(csv_feed(&r, "a\nb\nc", 5, collect_row, &c), -EIO);
	ck_assert_int_eq(c.rows, 1);
	ck_assert_uint_eq(csv_pending(&r), 0);
	c.stop_after = 0;
	ck_assert_int_eq(csv_feed(&r, "d,e\n", 4, collect_row, &c), 0);
	ck_assert_int_eq(csv_finish(&r, collect_row, &c), 0);
	ck_assert_msg(!c.bad, "%s", c.bad);
	ck_assert_str_eq(c.out.data, "1:<a>\n2:<d><e>\n");
	/* finish resets the line count for the next input */
	ck_assert_int_eq(csv_feed(&r, "f\n", 2, collect_row, &c), 0);
	ck_assert_str_eq(c.out.data, "1:<a>\n2:<d><e>\n1:<f>\n");
	csv_reader_release(&r);
	buf_release(&c.out);
}
END_TEST

static void feed_in_chunks(struct csv_reader *r, const char *in, size_t len,
			   size_t chunk, struct collect *c)
{
	size_t off, n;

	for (off = 0; off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		ck_assert_int_eq(csv_feed(r, in + off, n, collect_row, c), 0);
	}
}

START_TEST(test_many_columns)
{
	size_t ncol = 100000, i, len = 0;
	char *in = malloc(ncol * 2 + 16);
	struct csv_reader r;
	struct collect c = {BUF_INIT, 0, 0, NULL};

	ck_assert_ptr_nonnull(in);
	for (i = 0; i < ncol; i++) {
		in[len++] = 'x';
		in[len++] = i + 1 < ncol ? ',' : '\n';
	}
	memcpy(in + len, "a,b\n", 4);
	len += 4;
	csv_reader_init(&r, CSV_DEFAULT_MAX_LINE, CSV_DEFAULT_MAX_FIELDS);
	feed_in_chunks(&r, in, len, 4096, &c);
	ck_assert_int_eq(csv_finish(&r, collect_row, &c), 0);
	ck_assert_msg(!c.bad, "%s", c.bad);
	ck_assert_str_eq(c.out.data, "1:!too_many_fields\n2:<a><b>\n");
	ck_assert_uint_le(r.fcap, CSV_DEFAULT_MAX_FIELDS);
	ck_assert_uint_le(r.cap, 8192);
	csv_reader_release(&r);
	buf_release(&c.out);

	/* the same row whole in one feed */
	c = (struct collect){BUF_INIT, 0, 0, NULL};
	csv_reader_init(&r, CSV_DEFAULT_MAX_LINE, CSV_DEFAULT_MAX_FIELDS);
	ck_assert_int_eq(csv_feed(&r, in, len, collect_row, &c), 0);
	ck_assert_str_eq(c.out.data, "1:!too_many_fields\n2:<a><b>\n");
	ck_assert_uint_le(r.fcap, CSV_DEFAULT_MAX_FIELDS);
	ck_assert_uint_le(r.cap, CSV_DEFAULT_MAX_LINE + 3);
	csv_reader_release(&r);
	buf_release(&c.out);
	free(in);
}
END_TEST

START_TEST(test_huge_line)
{
	size_t big = 10 << 20, len, i, q;
	char *in = malloc(big + 64);
	struct csv_reader r;
	struct collect c = {BUF_INIT, 0, 0, NULL};

	ck_assert_ptr_nonnull(in);
	/* 10 MiB of fields, one quoted with a newline in the middle */
	for (i = 0; i < big; i++)
		in[i] = i % 100 == 99 ? ',' : 'a';
	q = big / 2 - big / 2 % 100; /* a field start */
	in[q] = '"';
	in[q + 10] = '\n';
	in[q + 20] = '"';
	in[q + 21] = ',';
	memcpy(in + big, "\nnext,row\n", 10);
	len = big + 10;

	csv_reader_init(&r, 64 * 1024, 1 << 20);
	feed_in_chunks(&r, in, len, 64 * 1024, &c);
	ck_assert_int_eq(csv_finish(&r, collect_row, &c), 0);
	ck_assert_msg(!c.bad, "%s", c.bad);
	ck_assert_str_eq(c.out.data, "1:!line_too_long\n3:<next><row>\n");
	ck_assert_uint_le(r.cap, 64 * 1024 + 3);
	ck_assert_uint_le(r.fcap, 1024);
	csv_reader_release(&r);
	buf_release(&c.out);

	c = (struct collect){BUF_INIT, 0, 0, NULL};
	csv_reader_init(&r, CSV_DEFAULT_MAX_LINE, 1 << 20);
	ck_assert_int_eq(csv_feed(&r, in, len, collect_row, &c), 0);
	ck_assert_int_eq(csv_finish(&r, collect_row, &c), 0);
	ck_assert_msg(!c.bad, "%s", c.bad);
	ck_assert_str_eq(c.out.data, "1:!line_too_long\n3:<next><row>\n");
	ck_assert_uint_le(r.cap, CSV_DEFAULT_MAX_LINE + 3);
	csv_reader_release(&r);
	buf_release(&c.out);
	free(in);
}
END_TEST

static char *write_field(const char *s, size_t len)
{
	struct buf b = BUF_INIT;

	ck_assert_int_eq(csv_write_field(&b, s, len), 0);
	return buf_detach(&b, NULL);
}

static void expect_field(const char *s, const char *want)
{
	char *got = write_field(s, strlen(s));

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_write_field)
{
	expect_field("abc", "abc");
	expect_field("", "");
	expect_field("a b", "a b");
	expect_field("a,b", "\"a,b\"");
	expect_field("a\"b", "\"a\"\"b\"");
	expect_field("\"", "\"\"\"\"");
	expect_field("a\rb", "\"a\rb\"");
	expect_field("a\nb", "\"a\nb\"");
	expect_field(" a", "\" a\"");
	expect_field("a ", "\"a \"");
	expect_field("\ta", "\"\ta\"");
	expect_field(" ", "\" \"");
}
END_TEST

/* One cell through the spreadsheet-safe writer, without its LF. */
static void expect_safe(const char *s, const char *want)
{
	struct buf b = BUF_INIT;
	const char *row[] = {s};

	ck_assert_int_eq(csv_write_row_safe(&b, 1, row, NULL), 0);
	ck_assert_uint_gt(b.len, 0);
	b.data[--b.len] = '\0';
	ck_assert_str_eq(b.data, want);
	buf_release(&b);
}

START_TEST(test_write_row_safe)
{
	static const char *const row[] = {"=1+2", "-3.5", "x"};
	struct buf b = BUF_INIT;

	/* what a spreadsheet would run: quoted, a single quote in front */
	expect_safe("=1+2", "\"'=1+2\"");
	expect_safe("+cmd", "\"'+cmd\"");
	expect_safe("-x", "\"'-x\"");
	expect_safe("@SUM(A1)", "\"'@SUM(A1)\"");
	expect_safe("\t=1", "\"'\t=1\"");
	expect_safe("\r=1", "\"'\r=1\"");
	expect_safe("=\"a\",b", "\"'=\"\"a\"\",b\"");
	expect_safe("-", "\"'-\"");
	expect_safe("+", "\"'+\"");
	expect_safe("-1+2", "\"'-1+2\"");
	expect_safe("-1.", "\"'-1.\"");
	expect_safe("-.5", "\"'-.5\"");
	expect_safe("-inf", "\"'-inf\"");
	expect_safe("-0x10", "\"'-0x10\"");
	expect_safe("-1e", "\"'-1e\"");
	/* plain numbers stay numbers */
	expect_safe("-3.5", "-3.5");
	expect_safe("+7", "+7");
	expect_safe("-0", "-0");
	expect_safe("-1e+20", "-1e+20");
	expect_safe("-2.5E-3", "-2.5E-3");
	/* the rest as csv_write_row writes it */
	expect_safe("a=1", "a=1");
	expect_safe(" =1", "\" =1\"");
	expect_safe("'=1", "'=1");
	expect_safe("a,b", "\"a,b\"");
	expect_safe("", "\"\"");
	ck_assert_int_eq(csv_write_row_safe(&b, 3, row, NULL), 0);
	ck_assert_str_eq(b.data, "\"'=1+2\",-3.5,x\n");
	/* the store's writer is not the spreadsheet's */
	buf_reset(&b);
	ck_assert_int_eq(csv_write_row(&b, 3, row, NULL), 0);
	ck_assert_str_eq(b.data, "=1+2,-3.5,x\n");
	buf_release(&b);
}
END_TEST

/* Doubling quotes must reserve room for every one of them. */
START_TEST(test_write_many_quotes)
{
	char in[200], want[402];
	struct buf b = BUF_INIT;

	memset(in, '"', sizeof(in));
	memset(want, '"', sizeof(want));
	ck_assert_int_eq(csv_write_field(&b, in, sizeof(in)), 0);
	ck_assert_uint_eq(b.len, sizeof(want));
	ck_assert_uint_lt(b.len, b.cap);
	ck_assert_mem_eq(b.data, want, sizeof(want));
	buf_release(&b);
}
END_TEST

START_TEST(test_write_row)
{
	static const char *const row[] = {"a", "b,c", ""};
	static const char *const empty[] = {""};
	static const size_t lens[] = {1, 1};
	struct buf b = BUF_INIT;

	ck_assert_int_eq(csv_write_row(&b, 3, row, NULL), 0);
	ck_assert_int_eq(csv_write_row(&b, 1, empty, NULL), 0);
	ck_assert_int_eq(csv_write_row(&b, 2, row, lens), 0);
	ck_assert_int_eq(csv_write_row(&b, 0, row, NULL), -EINVAL);
	ck_assert_str_eq(b.data, "a,\"b,c\",\n\"\"\na,b\n");
	buf_release(&b);
}
END_TEST

/* Tiny deterministic generator: the test must not depend on rand(). */
static unsigned long rng_next(unsigned long *s)
{
	*s = *s * 6364136223846793005UL + 1442695040888963407UL;
	return *s >> 33;
}

START_TEST(test_roundtrip)
{
	static const char alphabet[] = "ab ,\"\r\n\t\0x";
	struct buf text = BUF_INIT, want = BUF_INIT;
	char fields[8][16];
	const char *fp[8];
	size_t lens[8], nrows = 2000, row, i, j, k, nf, lines = 1;
	size_t split, gotlen;
	unsigned long seed = 42;
	char *got;

	for (row = 0; row < nrows; row++) {
		nf = 1 + rng_next(&seed) % 8;
		ck_assert_int_eq(buf_printf(&want, "%zu:", lines), 0);
		for (i = 0; i < nf; i++) {
			lens[i] = rng_next(&seed) % 16;
			for (j = 0; j < lens[i]; j++)
				fields[i][j] = alphabet[rng_next(&seed) %
							(sizeof(alphabet) - 1)];
			fp[i] = fields[i];
			ck_assert_int_eq(buf_addch(&want, '<'), 0);
			ck_assert_int_eq(buf_add(&want, fields[i], lens[i]), 0);
			ck_assert_int_eq(buf_addch(&want, '>'), 0);
		}
		ck_assert_int_eq(buf_addch(&want, '\n'), 0);
		k = text.len;
		ck_assert_int_eq(csv_write_row(&text, nf, fp, lens), 0);
		for (; k < text.len; k++)
			lines += text.data[k] == '\n';
	}
	for (split = 0; split <= text.len; split += 997) {
		got =
		    parse_ex(1024, 64, text.data, text.len, 0, split, &gotlen);
		expect_same(got, gotlen, want.data, want.len, "split at",
			    split);
		free(got);
	}
	got = parse_ex(1024, 64, text.data, text.len, 7, 0, &gotlen);
	expect_same(got, gotlen, want.data, want.len, "chunks of", 7);
	free(got);
	buf_release(&text);
	buf_release(&want);
}
END_TEST

START_TEST(test_messages)
{
	int e;

	for (e = CSV_OK; e <= CSV_ERR_TOO_MANY_FIELDS; e++) {
		ck_assert_ptr_nonnull(csv_error_message(e));
		ck_assert_str_ne(csv_error_reason(e), "unknown");
	}
	ck_assert_str_eq(csv_error_message(CSV_ERR_QUOTE),
			 "quote inside unquoted field");
	ck_assert_str_eq(csv_error_reason(99), "unknown");
}
END_TEST

static void add_case(Suite *s, const char *name, const TTest *test)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}

int main(void)
{
	Suite *s = suite_create("csv");
	SRunner *sr;
	int failed;

	add_case(s, "plain", test_plain);
	add_case(s, "quotes", test_quotes);
	add_case(s, "escaped_quotes", test_escaped_quotes);
	add_case(s, "embedded", test_embedded);
	add_case(s, "crlf", test_crlf);
	add_case(s, "empty_fields", test_empty_fields);
	add_case(s, "empty_lines", test_empty_lines);
	add_case(s, "last_line", test_last_line);
	add_case(s, "syntax_errors", test_syntax_errors);
	add_case(s, "unterminated", test_unterminated);
	add_case(s, "line_too_long", test_line_too_long);
	add_case(s, "too_many_fields", test_too_many_fields);
	add_case(s, "nul_bytes", test_nul_bytes);
	add_case(s, "every_split", test_every_split);
	add_case(s, "pending", test_pending);
	add_case(s, "callback_stop", test_callback_stop);
	add_case(s, "many_columns", test_many_columns);
	add_case(s, "huge_line", test_huge_line);
	add_case(s, "write_field", test_write_field);
	add_case(s, "write_row_safe", test_write_row_safe);
	add_case(s, "write_many_quotes", test_write_many_quotes);
	add_case(s, "write_row", test_write_row);
	add_case(s, "roundtrip", test_roundtrip);
	add_case(s, "messages", test_messages);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
