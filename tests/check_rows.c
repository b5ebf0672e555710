/*
 * check_rows.c - unit tests for model/rows.c (chunked row storage) and
 * the dataset side of model/dataset.c: dataset.ini validation and ingest
 * through records_append_ops, driven without a mount.
 *
 * Each test gets a fresh store (STORE_NOSYNC) in a mkdtemp directory
 * (checked fixture) and an mctx holding only that store and a config
 * with [limits] rows; no policy and no caller (logins read "uid:0").
 * Each test runs its changes in one transaction, as the model would.
 * main() sweeps the run directory at the end, so failed tests leave
 * nothing behind.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "config.h"
#include "connection.h"
#include "csv.h"
#include "dataset.h"
#include "mctx.h"
#include "object.h"
#include "rows.h"
#include "store.h"

#define DS_PATH "/connections/c1/datasets/d1"

static char run_dir[PATH_MAX];
static char test_dir[PATH_MAX];
static struct store *st;
static struct config cfg;
static struct mctx ctx;
static struct obj_ref ds_ref;

static void setup(void)
{
	char path[PATH_MAX + 16];
	struct buf err = BUF_INIT;

	ck_assert_int_lt(snprintf(test_dir, sizeof(test_dir), "%s/t.XXXXXX",
				  run_dir),
			 (int)sizeof(test_dir));
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
	snprintf(path, sizeof(path), "%s/store.tdb", test_dir);
	ck_assert_int_eq(store_open(path, STORE_CREATE | STORE_NOSYNC, &st,
				    &err),
			 0);
	buf_release(&err);
	memset(&cfg, 0, sizeof(cfg));
	cfg.ini_max_bytes = INIDOC_MAX_SIZE;	/* config_load's default */
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = st;
	ctx.cfg = &cfg;
	ctx.now = 1767225600;
	inidoc_setup();
	obj_ref_root(&ds_ref);
	ds_ref.kind = KIND_DATASET;
	ds_ref.nnames = 2;
	strcpy(ds_ref.names[0], "c1");
	strcpy(ds_ref.names[1], "d1");
	ck_assert_int_eq(store_txn_begin(st), 0);
}

static int remove_one(const char *path, const struct stat *sb, int type,
		      struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void teardown(void)
{
	if (store_in_txn(st))
		store_txn_cancel(st);
	store_close(st);
	nftw(test_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* --- helpers --- */

static int count_key(const char *key, const void *val, size_t len, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static int nchunks(void)
{
	int n = 0;

	ck_assert_int_eq(store_each(st, "r:" DS_PATH ":", count_key, &n), 0);
	return n;
}

/* Every chunk of m, concatenated. */
static void read_all(const struct rows_meta *m, struct buf *out)
{
	struct buf chunk = BUF_INIT;
	uint32_t no = 0;
	int eof = 0;

	buf_reset(out);
	buf_add(out, "", 0);
	for (;;) {
		ck_assert_int_eq(rows_next_chunk(&ctx, DS_PATH, m, &no, &chunk,
						 &eof),
				 0);
		if (eof)
			break;
		ck_assert_uint_gt(chunk.len, 0);
		ck_assert_uint_le(chunk.len, ROWS_CHUNK_MAX);
		ck_assert_int_eq(chunk.data[chunk.len - 1], '\n');
		buf_add(out, chunk.data, chunk.len);
	}
	buf_release(&chunk);
}

static void make_rows(struct buf *b, int from, int n)
{
	int i;

	for (i = from; i < from + n; i++)
		ck_assert_int_eq(buf_printf(b, "p%d,2026-01-01T00:00:%02dZ,"
					    "page-%d\n", i % 100, i % 60, i),
				 0);
}

/* --- rows.c --- */

START_TEST(test_append_read_back)
{
	struct rows_meta m = { 0, 0, 0, 0 };
	struct buf in = BUF_INIT, batch = BUF_INIT, out = BUF_INIT;
	int i;

	for (i = 0; i < 40; i++) {
		buf_reset(&batch);
		make_rows(&batch, i * 1000, 1000);
		ck_assert_int_eq(rows_append(&ctx, DS_PATH, &m, batch.data,
					     batch.len, 1000),
				 0);
		buf_add(&in, batch.data, batch.len);
	}
	ck_assert_int_eq(m.rows, 40000);
	read_all(&m, &out);
	ck_assert_uint_eq(out.len, in.len);
	ck_assert_int_eq(memcmp(out.data, in.data, in.len), 0);
	/* no chunk per write: each but the last holds ROWS_TOPUP_MAX or so */
	ck_assert_int_le(nchunks(), (int)(in.len / (ROWS_TOPUP_MAX / 2)) + 1);
	ck_assert_int_eq(nchunks(), (int)(m.next - m.first));
	buf_release(&in);
	buf_release(&batch);
	buf_release(&out);
}
END_TEST

START_TEST(test_small_appends_share_a_chunk)
{
	struct rows_meta m = { 0, 0, 0, 0 };
	struct buf row = BUF_INIT, out = BUF_INIT;
	int i;

	for (i = 0; i < 500; i++) {
		buf_reset(&row);
		make_rows(&row, i, 1);
		ck_assert_int_eq(rows_append(&ctx, DS_PATH, &m, row.data,
					     row.len, 1),
				 0);
	}
	ck_assert_int_eq(nchunks(), 1);
	ck_assert_int_eq(m.rows, 500);
	read_all(&m, &out);
	ck_assert_uint_eq((uint64_t)m.tail, out.len);
	buf_release(&row);
	buf_release(&out);
}
END_TEST

static int count_rows(void *arg, const struct csv_row *row)
{
	(*(int *)arg)++;
	return row->error ? -EIO : 0;
}

/* Rows with quoted newlines and quotes are never cut, and a row longer
 * than a chunk gets one of its own. */
START_TEST(test_cut_at_row_ends)
{
	struct rows_meta m = { 0, 0, 0, 0 };
	struct buf in = BUF_INIT, all = BUF_INIT, field = BUF_INIT;
	struct buf chunk = BUF_INIT;
	struct csv_reader rd;
	const char *f[3] = { "p1", NULL, "z" };
	size_t len[3] = { 2, 0, 1 };
	uint32_t no = 0;
	int i, n = 0, parsed = 0, eof = 0, big = 0;

	for (i = 0; i < 12000; i++) {
		buf_reset(&field);
		buf_printf(&field, "line\n\"%d\"\n,%*s", i, i % 300, "x");
		f[1] = field.data;
		len[1] = field.len;
		ck_assert_int_eq(csv_write_row(&in, 3, f, len), 0);
		n++;
	}
	buf_reset(&field);	/* one row longer than a chunk */
	for (i = 0; i < ROWS_CHUNK_MAX + 100; i++)
		buf_addch(&field, i % 2 ? '"' : '\n');
	f[1] = field.data;
	len[1] = field.len;
	ck_assert_int_eq(csv_write_row(&in, 3, f, len), 0);
	n++;
	ck_assert_int_eq(rows_append(&ctx, DS_PATH, &m, in.data, in.len, n),
			 0);
	csv_reader_init(&rd, 4 * ROWS_CHUNK_MAX, 16);
	buf_add(&all, "", 0);
	for (;;) {
		ck_assert_int_eq(rows_next_chunk(&ctx, DS_PATH, &m, &no, &chunk,
						 &eof),
				 0);
		if (eof)
			break;
		big += chunk.len > ROWS_CHUNK_MAX;
		/* each chunk parses on its own into whole rows */
		csv_reader_reset(&rd);
		ck_assert_int_eq(csv_feed(&rd, chunk.data, chunk.len,
					  count_rows, &parsed),
				 0);
		ck_assert_uint_eq(csv_pending(&rd), 0);
		buf_add(&all, chunk.data, chunk.len);
	}
	ck_assert_int_eq(big, 1);
	ck_assert_int_eq(parsed, n);
	ck_assert_int_gt(nchunks(), 2);
	ck_assert_uint_eq(all.len, in.len);
	ck_assert_int_eq(memcmp(all.data, in.data, in.len), 0);
	csv_reader_release(&rd);
	buf_release(&in);
	buf_release(&all);
	buf_release(&field);
	buf_release(&chunk);
}
END_TEST


/* The rows of m as parsed CSV: count them, and check each chunk parses. */
static int parse_count(const struct rows_meta *m)
{
	struct csv_reader rd;
	struct buf chunk = BUF_INIT;
	uint32_t no = 0;
	int eof = 0, n = 0;

	csv_reader_init(&rd, ROWS_LINE_MAX, ROWS_FIELDS_MAX);
	for (;;) {
		ck_assert_int_eq(rows_next_chunk(&ctx, DS_PATH, m, &no, &chunk,
						 &eof),
				 0);
		if (eof)
			break;
		csv_reader_reset(&rd);
		ck_assert_int_eq(csv_feed(&rd, chunk.data, chunk.len,
					  count_rows, &n),
				 0);
		ck_assert_uint_eq(csv_pending(&rd), 0);
	}
	csv_reader_release(&rd);
	buf_release(&chunk);
	return n;
}

/* The byte count kept in the meta is what reading every chunk gives,
 * through appends (topped up or not), deletes and a destroy; a meta
 * without it (a record from before) is counted from the chunks. */
START_TEST(test_bytes_follow)
{
	struct rows_meta m = { 0, 0, 0, 0 };
	struct buf in = BUF_INIT, out = BUF_INIT;
	int64_t deleted;
	uint64_t n;
	int i;

	for (i = 0; i < 30; i++) {
		buf_reset(&in);
		make_rows(&in, i * 700, i % 3 ? 700 : 3);
		ck_assert_int_eq(rows_append(&ctx, DS_PATH, &m, in.data,
					     in.len, i % 3 ? 700 : 3),
				 0);
		read_all(&m, &out);
		ck_assert_int_eq(m.bytes, (int64_t)out.len);
	}
	ck_assert_int_eq(rows_delete_where(&ctx, DS_PATH, &m, 0, "p7", 2,
					   &deleted),
			 0);
	ck_assert_int_gt(deleted, 0);
	read_all(&m, &out);
	ck_assert_int_eq(m.bytes, (int64_t)out.len);
	ck_assert_int_eq(rows_bytes(&ctx, DS_PATH, &m, &n), 0);
	ck_assert_uint_eq(n, out.len);
	m.bytes = -1;	/* not stored: summed from the chunks */
	ck_assert_int_eq(rows_bytes(&ctx, DS_PATH, &m, &n), 0);
	ck_assert_uint_eq(n, out.len);
	buf_reset(&in);
	make_rows(&in, 0, 10);
	ck_assert_int_eq(rows_append(&ctx, DS_PATH, &m, in.data, in.len, 10),
			 0);
	read_all(&m, &out);
	ck_assert_int_eq(m.bytes, (int64_t)out.len);
	ck_assert_int_eq(rows_destroy(&ctx, DS_PATH, &m), 0);
	ck_assert_int_eq(m.bytes, 0);
	buf_release(&in);
	buf_release(&out);
}
END_TEST

START_TEST(test_delete_where)
{
	struct rows_meta m = { 0, 0, 0, 0 };
	struct buf in = BUF_INIT, out = BUF_INIT;
	int64_t deleted = -1;

	make_rows(&in, 0, 20000);	/* p0..p99, 200 each */
	ck_assert_int_eq(rows_append(&ctx, DS_PATH, &m, in.data, in.len,
				     20000),
			 0);
	/* "p1" is a prefix of p10..p19 and appears in page names: only
	 * the exact field counts */
	ck_assert_int_eq(rows_delete_where(&ctx, DS_PATH, &m, 0, "p1", 2,
					   &deleted),
			 0);
	ck_assert_int_eq(deleted, 200);
	ck_assert_int_eq(m.rows, 19800);
	ck_assert_int_eq(parse_count(&m), 19800);
	read_all(&m, &out);
	ck_assert_ptr_null(strstr(out.data, "\np1,"));
	ck_assert_ptr_nonnull(strstr(out.data, "\np10,"));
	/* nothing to delete: nothing changes */
	ck_assert_int_eq(rows_delete_where(&ctx, DS_PATH, &m, 0, "nobody", 6,
					   &deleted),
			 0);
	ck_assert_int_eq(deleted, 0);
	ck_assert_int_eq(m.rows, 19800);
	buf_release(&in);
	buf_release(&out);
}
END_TEST

START_TEST(test_delete_empties_chunks)
{
	struct rows_meta m = { 0, 0, 0, 0 };
	struct buf a = BUF_INIT, b = BUF_INIT;
	int64_t deleted;
	int i, before;

	/* a chunk's worth of rows of person "a", then of "b" */
	for (i = 0; a.len < 3 * ROWS_CHUNK_MAX; i++)
		buf_printf(&a, "a,2026-01-01,%d\n", i);
	for (i = 0; b.len < ROWS_CHUNK_MAX; i++)
		buf_printf(&b, "b,2026-01-01,%d\n", i);
	ck_assert_int_eq(rows_append(&ctx, DS_PATH, &m, a.data, a.len, 1), 0);
	ck_assert_int_eq(rows_append(&ctx, DS_PATH, &m, b.data, b.len, 1), 0);
	before = nchunks();
	ck_assert_int_ge(before, 4);
	ck_assert_int_eq(rows_delete_where(&ctx, DS_PATH, &m, 0, "a", 1,
					   &deleted),
			 0);
	ck_assert_int_lt(nchunks(), before);
	ck_assert_uint_gt(m.first, 0);	/* the emptied leading chunks */
	ck_assert_int_eq(rows_delete_where(&ctx, DS_PATH, &m, 0, "b", 1,
					   &deleted),
			 0);
	ck_assert_int_eq(nchunks(), 0);
	ck_assert_uint_eq(m.first, m.next);
	ck_assert_int_eq(m.tail, 0);
	/* and appends go on after the gap */
	ck_assert_int_eq(rows_append(&ctx, DS_PATH, &m, "c,1,2\n", 6, 1), 0);
	ck_assert_int_eq(nchunks(), 1);
	ck_assert_int_eq(parse_count(&m), 1);
	buf_release(&a);
	buf_release(&b);
}
END_TEST

START_TEST(test_destroy_and_total)
{
	struct rows_meta m = { 0, 0, 0, 0 };
	struct buf in = BUF_INIT;
	int64_t total;

	make_rows(&in, 0, 30000);
	ck_assert_int_eq(rows_append(&ctx, DS_PATH, &m, in.data, in.len,
				     30000),
			 0);
	ck_assert_int_gt(nchunks(), 1);
	ck_assert_int_eq(rows_destroy(&ctx, DS_PATH, &m), 0);
	ck_assert_int_eq(nchunks(), 0);
	ck_assert_int_eq(m.rows, 0);
	ck_assert_int_eq(rows_total_add(&ctx, 5), 0);
	ck_assert_int_eq(rows_total_add(&ctx, -2), 0);
	ck_assert_int_eq(rows_total(&ctx, &total), 0);
	ck_assert_int_eq(total, 3);
	buf_release(&in);
}
END_TEST

/* --- dataset.ini --- */

static int ini(const char *text, struct diag *d)
{
	struct obj_ref r = ds_ref;

	r.attr = 0;
	memset(d, 0, sizeof(*d));
	return dataset_ini_store(&ctx, &r, text, strlen(text), d);
}

static void make_dataset(const char *text)
{
	struct rec r = REC_INIT;
	struct diag d;

	ck_assert_int_eq(obj_save(&ctx, &ds_ref, &r), 0);
	rec_release(&r);
	ck_assert_msg(ini(text, &d) == 0, "dataset.ini refused: %d: %s",
		      d.line, d.msg);
}

static const char ev_ini[] = "[dataset]\nperson_id = pid\ntimestamp = ts\n"
			     "fields = pid, ts, page\n";

static const struct {
	const char *text;
	int line;
	const char *msg;
} bad_inis[] = {
	{ "[dataset]\nfields = a, b\n", 0,
	  "person_id is required for event datasets" },
	{ "[dataset]\ntype = summary\nperson_id = a\nfields = a, b\n", 2,
	  "timestamp is required for summary datasets" },
	{ "[dataset]\nperson_id = x\ntimestamp = a\nfields = a, b\n", 2,
	  "person_id 'x' is not one of fields" },
	{ "[dataset]\nperson_id = a\ntimestamp = b\nfields = a, b, a\n", 4,
	  "field 'a' is listed twice" },
	{ "[dataset]\ntype = lookup\nkey = k\nfields = k, v\n", 2,
	  "matching_key is required for lookup datasets" },
	{ "[dataset]\ntype = lookup\nkey = z\nmatching_key = m\n"
	  "fields = k, v\n", 3, "key 'z' is not one of fields" },
	{ "[dataset]\ntype = profile\nperson_id = a\nkey = a\nfields = a\n", 4,
	  "key is only for lookup datasets" },
	{ "[dataset]\ntype = other\n", 2,
	  "type must be one of: event, profile, lookup, summary" },
	{ "[dataset]\nfields = a b\n", 2, "fields: invalid name 'a b'" },
};

START_TEST(test_dataset_ini_rejects)
{
	struct rec r = REC_INIT;
	struct diag d;

	ck_assert_int_eq(obj_save(&ctx, &ds_ref, &r), 0);
	rec_release(&r);
	ck_assert_int_eq(ini(bad_inis[_i].text, &d), -EINVAL);
	ck_assert_str_eq(d.msg, bad_inis[_i].msg);
	ck_assert_int_eq(d.line, bad_inis[_i].line);
}
END_TEST

START_TEST(test_dataset_ini_accepts)
{
	struct obj_ref r = ds_ref;
	struct buf out = BUF_INIT;

	make_dataset("[dataset]\ntype = lookup\nkey = k\nmatching_key = m\n"
		     "fields = k, v\n");
	make_dataset("[dataset]\ntype = profile\nperson_id = a\nfields = a\n");
	make_dataset(ev_ini);
	r.attr = 0;
	ck_assert_int_eq(attr_ini_show(&ctx, &r, &out), 0);
	ck_assert_str_eq(out.data, "[dataset]\ntype = event\n"
				   "platform_dataset_id = \nperson_id = pid\n"
				   "timestamp = ts\nkey = \nmatching_key = \n"
				   "import_new_data = true\nbackfill = false\n"
				   "fields = pid, ts, page\n");
	buf_release(&out);
}
END_TEST

/* --- ingest --- */

struct feed {
	void *state;
	struct buf detail;
	struct diag d;
};

static int feed_write(struct feed *f, const char *data)
{
	struct obj_ref r = ds_ref;

	r.attr = 1;
	buf_reset(&f->detail);
	memset(&f->d, 0, sizeof(f->d));
	return records_append_ops.write(&ctx, &r, f->state, data, strlen(data),
					&f->detail, &f->d);
}

static int feed_finish(struct feed *f)
{
	struct obj_ref r = ds_ref;

	r.attr = 1;
	buf_reset(&f->detail);
	memset(&f->d, 0, sizeof(f->d));
	return records_append_ops.finish(&ctx, &r, f->state, &f->detail,
					 &f->d);
}

static void feed_open(struct feed *f)
{
	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(records_append_ops.start(&ctx, &ds_ref, &f->state),
			 0);
}

static void feed_close(struct feed *f)
{
	records_append_ops.done(f->state);
	buf_release(&f->detail);
}

/* The records file as a reader sees it. */
static void records_text(struct buf *out)
{
	struct obj_ref r = ds_ref;
	struct buf piece = BUF_INIT;
	void *cur;
	int eof = 0;

	r.attr = 1;
	buf_reset(out);
	buf_add(out, "", 0);
	ck_assert_int_eq(records_stream_ops.start(&ctx, &r, &cur), 0);
	while (!eof) {
		ck_assert_int_eq(records_stream_ops.next(&ctx, &r, cur, &piece,
							 &eof),
				 0);
		buf_add(out, piece.data ? piece.data : "", piece.len);
	}
	records_stream_ops.done(cur);
	buf_release(&piece);
}

static void status_text(struct buf *out)
{
	struct obj_ref r = ds_ref;

	r.attr = 2;
	buf_reset(out);
	ck_assert_int_eq(dataset_status_show(&ctx, &r, out), 0);
}

START_TEST(test_ingest_validates_rows)
{
	struct feed f;
	struct buf out = BUF_INIT;

	make_dataset(ev_ini);
	feed_open(&f);
	ck_assert_int_eq(feed_write(&f, "pid,ts,page\r\n"
					"p1,2026-01-01T10:00:00+02:00,home\r\n"
					"p2,1767225600,\"a,b\"\n"
					",2026-01-01,x\n"
					"p3,yesterday,x\n"
					"p4,2026-01-01\n"
					"p5,2026-01-01,x,y\n"
					"p6,2026-01-01,\"bad\"quote\n"
					"\n"
					"p7,2026-01-01,last\n"),
			 0);
	ck_assert_str_eq(f.detail.data,
			 "3 rows ingested, 5 skipped (missing_person_id 1, "
			 "bad_timestamp 1, wrong_field_count 2, bad_csv 1)");
	feed_close(&f);
	records_text(&out);
	ck_assert_str_eq(out.data, "pid,ts,page\n"
				   "p1,2026-01-01T10:00:00+02:00,home\n"
				   "p2,1767225600,\"a,b\"\n"
				   "p7,2026-01-01,last\n");
	status_text(&out);
	ck_assert_ptr_nonnull(strstr(out.data, "\nrows = 3\ningested = 3\n"
					       "skipped = 5\n"));
	ck_assert_ptr_nonnull(strstr(out.data, "skipped_wrong_field_count = 2\n"));
	ck_assert_ptr_nonnull(strstr(out.data, "state = complete\n"));
	buf_release(&out);
}
END_TEST

START_TEST(test_ingest_joins_split_lines)
{
	struct feed f;
	struct buf out = BUF_INIT;
	int64_t total;

	make_dataset(ev_ini);
	feed_open(&f);
	ck_assert_int_eq(feed_write(&f, "p1,2026-01-01,ho"), 0);
	ck_assert_str_eq(f.detail.data ? f.detail.data : "", "");
	ck_assert_int_eq(feed_write(&f, "me\np2,2026-01-01,\"multi"), 0);
	ck_assert_str_eq(f.detail.data, "1 row ingested");
	ck_assert_int_eq(feed_write(&f, "\nline\"\r"), 0);
	ck_assert_int_eq(feed_write(&f, "\np3,2026-01-02,end"), 0);
	ck_assert_str_eq(f.detail.data, "1 row ingested");
	/* the close ends the last line */
	ck_assert_int_eq(feed_finish(&f), 0);
	ck_assert_str_eq(f.detail.data, "1 row ingested");
	ck_assert_int_eq(feed_finish(&f), 0);
	ck_assert_str_eq(f.detail.data ? f.detail.data : "", "");
	feed_close(&f);
	records_text(&out);
	ck_assert_str_eq(out.data, "pid,ts,page\np1,2026-01-01,home\n"
				   "p2,2026-01-01,\"multi\nline\"\n"
				   "p3,2026-01-02,end\n");
	ck_assert_int_eq(rows_total(&ctx, &total), 0);
	ck_assert_int_eq(total, 3);
	buf_release(&out);
}
END_TEST

START_TEST(test_ingest_delete_lines)
{
	struct feed f;
	struct buf out = BUF_INIT;

	make_dataset(ev_ini);
	feed_open(&f);
	ck_assert_int_eq(feed_write(&f, "p1,2026-01-01,a\np2,2026-01-01,b\n"
					"delete person_id=p1\n"
					"p1,2026-01-02,c\n"),
			 0);
	ck_assert_str_eq(f.detail.data, "3 rows ingested, 1 row deleted");
	ck_assert_int_eq(feed_write(&f, "\"delete person_id=p,2\"\n"), 0);
	ck_assert_str_eq(f.detail.data, "0 rows deleted");
	feed_close(&f);
	records_text(&out);
	ck_assert_str_eq(out.data, "pid,ts,page\np2,2026-01-01,b\n"
				   "p1,2026-01-02,c\n");
	status_text(&out);
	ck_assert_ptr_nonnull(strstr(out.data, "\nrows = 2\ningested = 3\n"));
	ck_assert_ptr_nonnull(strstr(out.data, "\ndeleted = 1\n"));
	buf_release(&out);
}
END_TEST

/* A refused write changes nothing, and rollback() gives back the line it
 * carried, so the next write goes on from there. */
START_TEST(test_ingest_quota_and_rollback)
{
	struct feed f;
	struct buf out = BUF_INIT;

	cfg.rows_limit = 3;
	make_dataset(ev_ini);
	feed_open(&f);
	ck_assert_int_eq(feed_write(&f, "p1,2026-01-01,a\np2,2026-01-01,b\n"
					"p3,2026-"),
			 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(feed_write(&f, "01-01,c\np4,2026-01-01,d\n"),
			 -EDQUOT);
	ck_assert_str_eq(f.d.msg, "row allotment exceeded: 2 stored + 2 in "
				  "this write > 3");
	store_txn_cancel(st);
	records_append_ops.rollback(f.state);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(feed_write(&f, "01-01,c\n"), 0);
	ck_assert_str_eq(f.detail.data, "1 row ingested");
	feed_close(&f);
	records_text(&out);
	ck_assert_str_eq(out.data, "pid,ts,page\np1,2026-01-01,a\n"
				   "p2,2026-01-01,b\np3,2026-01-01,c\n");
	buf_release(&out);
}
END_TEST

START_TEST(test_ingest_refusals)
{
	struct feed f;
	struct diag d;

	/* no fields yet: the defaults of mkdir */
	{
		struct rec r = REC_INIT;

		ck_assert_int_eq(obj_save(&ctx, &ds_ref, &r), 0);
		rec_release(&r);
	}
	feed_open(&f);
	ck_assert_int_eq(feed_write(&f, "a,b\n"), -EINVAL);
	ck_assert_str_eq(f.d.msg, "dataset.ini lists no fields: declare the "
				  "CSV columns first");
	records_append_ops.rollback(f.state);
	feed_close(&f);
	make_dataset("[dataset]\nperson_id = pid\ntimestamp = ts\n"
		     "import_new_data = false\nfields = pid, ts, page\n");
	feed_open(&f);
	ck_assert_int_eq(feed_write(&f, "p1,2026-01-01,a\n"), -EPERM);
	ck_assert_str_eq(f.d.msg, "import_new_data is false: appends are "
				  "refused");
	records_append_ops.rollback(f.state);
	/* deletes still work */
	ck_assert_int_eq(feed_write(&f, "delete person_id=p1\n"), 0);
	feed_close(&f);
	/* type and fields are fixed once rows exist */
	make_dataset(ev_ini);
	feed_open(&f);
	ck_assert_int_eq(feed_write(&f, "p1,2026-01-01,a\n"), 0);
	feed_close(&f);
	ck_assert_int_eq(ini("[dataset]\ntype = profile\nperson_id = pid\n"
			     "fields = pid, ts, page\n",
			     &d),
			 -EINVAL);
	ck_assert_str_eq(d.msg, "type is fixed once records exist");
	ck_assert_int_eq(ini("[dataset]\nperson_id = pid\ntimestamp = ts\n"
			     "fields = pid, ts\n",
			     &d),
			 -EINVAL);
	ck_assert_str_eq(d.msg, "fields is fixed once records exist");
	ck_assert_int_eq(ini("[dataset]\nperson_id = pid\ntimestamp = ts\n"
			     "import_new_data = false\n"
			     "fields = pid, ts, page\n",
			     &d),
			 0);
}
END_TEST


/* Row files in the store's directory, and "f:" records naming them. */
static int count_files(void)
{
	char dir[PATH_MAX + 32];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/store.tdb.rows", test_dir);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static int count_records(void)
{
	int n = 0;

	ck_assert_int_eq(store_each(st, "f:0", count_key, &n), 0);
	return n;
}

static void snap_read(struct rows_snap *snap, struct buf *out)
{
	struct buf chunk = BUF_INIT;
	int eof = 0;

	buf_reset(out);
	buf_add(out, "", 0);
	for (;;) {
		ck_assert_int_eq(rows_snap_next(snap, &chunk, &eof), 0);
		if (eof)
			break;
		buf_add(out, chunk.data, chunk.len);
	}
	buf_release(&chunk);
}

/* A snapshot reads the rows committed when it was taken, whatever is
 * committed after (deletes, appends, destroy); the files it needs stay
 * until it is freed, and then go. */
START_TEST(test_snapshot_stays)
{
	struct rows_meta m = { 0, 0, 0, 0 };
	struct buf in = BUF_INIT, more = BUF_INIT, out = BUF_INIT;
	struct rows_snap *snap;
	int64_t deleted;

	make_rows(&in, 0, 40000);
	ck_assert_int_eq(rows_append(&ctx, DS_PATH, &m, in.data, in.len,
				     40000),
			 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_gt(count_files(), 1);
	ck_assert_int_eq(count_files(), count_records());
	ck_assert_int_eq(rows_snap_take(&ctx, DS_PATH, &m, &snap), 0);
	ck_assert_int_eq(rows_snap_rows(snap), 40000);
	ck_assert_uint_eq(rows_snap_bytes(snap), in.len);

	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(rows_delete_where(&ctx, DS_PATH, &m, 0, "p7", 2,
					   &deleted),
			 0);
	ck_assert_int_gt(deleted, 0);
	make_rows(&more, 90000, 500);
	ck_assert_int_eq(rows_append(&ctx, DS_PATH, &m, more.data, more.len,
				     500),
			 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(rows_destroy(&ctx, DS_PATH, &m), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	/* the files the snapshot names are still there, unnamed */
	ck_assert_int_eq(count_records(), 0);
	ck_assert_int_gt(count_files(), 0);

	snap_read(snap, &out);
	ck_assert_uint_eq(out.len, in.len);
	ck_assert_int_eq(memcmp(out.data, in.data, in.len), 0);
	rows_snap_rewind(snap);
	snap_read(snap, &out);
	ck_assert_uint_eq(out.len, in.len);
	rows_snap_free(snap);
	ck_assert_int_eq(count_files(), 0);
	ck_assert_int_eq(store_txn_begin(st), 0);
	buf_release(&in);
	buf_release(&more);
	buf_release(&out);
}
END_TEST

/* A row file damaged on disk reads as -EIO, never as other rows. */
START_TEST(test_damaged_row_file)
{
	struct rows_meta m = { 0, 0, 0, 0 };
	struct buf in = BUF_INIT, chunk = BUF_INIT;
	char dir[PATH_MAX + 32], path[PATH_MAX + 320];
	struct rows_snap *snap;
	struct dirent *de;
	struct stat sb;
	int eof = 0, fd;
	char byte;
	DIR *d;

	make_rows(&in, 0, 2000);
	ck_assert_int_eq(rows_append(&ctx, DS_PATH, &m, in.data, in.len,
				     2000),
			 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	snprintf(dir, sizeof(dir), "%s/store.tdb.rows", test_dir);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) && de->d_name[0] == '.')
		;
	ck_assert_ptr_nonnull(de);
	snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
	closedir(d);
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &sb), 0);
	/* a byte in the middle of the compressed rows */
	ck_assert_int_eq(pread(fd, &byte, 1, sb.st_size / 2), 1);
	byte ^= 0x20;
	ck_assert_int_eq(pwrite(fd, &byte, 1, sb.st_size / 2), 1);
	close(fd);
	ck_assert_int_eq(rows_snap_take(&ctx, DS_PATH, &m, &snap), 0);
	ck_assert_int_eq(rows_snap_next(snap, &chunk, &eof), -EIO);
	rows_snap_free(snap);
	ck_assert_int_eq(store_txn_begin(st), 0);
	buf_release(&in);
	buf_release(&chunk);
}
END_TEST

/* The dataset's record says whether its rows are in time order: so
 * while each write's rows are at or after the last stored timestamp
 * (deletes keep it), not after one row goes back, even by a second. */
static int64_t ordered_now(void)
{
	struct rec r = REC_INIT;
	int64_t v;

	ck_assert_int_eq(obj_load(&ctx, &ds_ref, &r), 0);
	v = rec_get_i64(&r, DATASET_TS_ORDERED, -1);
	rec_release(&r);
	return v;
}

START_TEST(test_ingest_time_order)
{
	struct feed f;

	make_dataset(ev_ini);
	feed_open(&f);
	ck_assert_int_eq(feed_write(&f, "pid,ts,page\np1,2026-01-01T10:00:00Z,"
				       "a\np2,2026-01-01T10:00:00Z,b\n"),
			 0);
	ck_assert_int_eq(ordered_now(), 1);
	ck_assert_int_eq(feed_write(&f, "p1,1767261600,c\n"
				       "delete person_id=p2\n"
				       "p3,2026-01-01T11:00:00Z,d\n"),
			 0);
	ck_assert_int_eq(ordered_now(), 1);
	ck_assert_int_eq(feed_write(&f, "p4,2026-01-01T10:59:59Z,e\n"), 0);
	ck_assert_int_eq(ordered_now(), 0);
	ck_assert_int_eq(feed_write(&f, "p5,2026-02-01T00:00:00Z,f\n"), 0);
	ck_assert_int_eq(ordered_now(), 0);
	feed_close(&f);
}
END_TEST

/* Back in time inside one write counts too. */
START_TEST(test_ingest_time_order_within)
{
	struct feed f;

	make_dataset(ev_ini);
	feed_open(&f);
	ck_assert_int_eq(feed_write(&f, "p1,2026-01-01T10:00:00Z,a\n"
				       "p2,2026-01-01T09:00:00Z,b\n"),
			 0);
	ck_assert_int_eq(ordered_now(), 0);
	feed_close(&f);
}
END_TEST

static Suite *rows_suite(void)
{
	Suite *s = suite_create("rows");
	TCase *tc;

	tc = tcase_create("chunks");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_append_read_back);
	tcase_add_test(tc, test_small_appends_share_a_chunk);
	tcase_add_test(tc, test_cut_at_row_ends);
	tcase_add_test(tc, test_bytes_follow);
	tcase_add_test(tc, test_delete_where);
	tcase_add_test(tc, test_delete_empties_chunks);
	tcase_add_test(tc, test_destroy_and_total);
	tcase_add_test(tc, test_snapshot_stays);
	tcase_add_test(tc, test_damaged_row_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("dataset.ini");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_dataset_ini_rejects, 0,
			    (int)(sizeof(bad_inis) / sizeof(bad_inis[0])));
	tcase_add_test(tc, test_dataset_ini_accepts);
	suite_add_tcase(s, tc);

	tc = tcase_create("ingest");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ingest_validates_rows);
	tcase_add_test(tc, test_ingest_joins_split_lines);
	tcase_add_test(tc, test_ingest_delete_lines);
	tcase_add_test(tc, test_ingest_quota_and_rollback);
	tcase_add_test(tc, test_ingest_refusals);
	tcase_add_test(tc, test_ingest_time_order);
	tcase_add_test(tc, test_ingest_time_order_within);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	SRunner *sr;
	int failed;

	if (snprintf(run_dir, sizeof(run_dir), "%s/check_rows.XXXXXX",
		     tmp && *tmp ? tmp : "/tmp") >= (int)sizeof(run_dir) ||
	    !mkdtemp(run_dir)) {
		perror("check_rows: mkdtemp");
		return EXIT_FAILURE;
	}
	sr = srunner_create(rows_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(run_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
