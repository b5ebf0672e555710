/*
 * dataset.c - datasets: dataset.ini (SPEC §3.2), records (ingest, delete,
 * read-back) and status.
 *
 * The record "o:/connections/C/datasets/D" holds, besides mtime, by and
 * the canonical dataset.ini, the dataset's counters: the rows_meta of its
 * chunks (rows.c: rows, chunk_first, chunk_next, chunk_tail), ingested,
 * skipped_<reason> for each reason, deleted, last_ingest (epoch seconds)
 * and last_ingest_by.  One write(2) to records rewrites that record once,
 * whatever the number of rows it carries, so st_mtime of the dataset's
 * files is its last committed change, settings or rows.
 *
 * dataset.ini choices:
 *  - type defaults to event: the dataset most connections are built on.
 *  - fields lists the CSV columns in order; each is a name of
 *    [A-Za-z0-9._-] and may appear once, and there are at most
 *    ROWS_FIELDS_MAX of them: no row could hold more, so more would make a
 *    dataset that ingests nothing.  person_id, timestamp and key
 *    must each be one of them (when fields is set); matching_key names a
 *    field of the event datasets, so it is only checked as a name.
 *  - person_id is required for event, profile and summary, timestamp for
 *    event and summary, key and matching_key for lookup and only there.
 *    With link_by = account on the connection, person_id names the field
 *    holding the account id: the linking id is always the person_id key.
 *  - type and fields are fixed while the dataset holds rows.
 *
 * records, writing.  Each write(2) is parsed (csv.h) and committed on its
 * own (kind_append_ops): the rows it completes are validated, the good
 * ones appended to the chunks and the others counted by reason, and the
 * counters saved, in the model's transaction.  Reasons: wrong_field_count
 * (not as many fields as fields lists, or more than ROWS_FIELDS_MAX),
 * missing_person_id (empty person_id where required), bad_timestamp (a
 * timestamp that timeparse() refuses, for event and summary), and bad_csv
 * (a quote error, an unterminated quote, or a line over ROWS_LINE_MAX
 * bytes).  A row equal to the fields list is a header and is skipped
 * silently wherever it appears (cp of a CSV with a header, cat a.csv
 * b.csv).  A row of one field "delete person_id=VALUE" deletes the rows
 * whose person_id is VALUE (quote it CSV-style when VALUE holds a comma
 * or a quote), after appending the rows before it.
 *  - The bytes after the last complete row are carried to the next write
 *    (a line split across writes is joined) and ended by the close.  The
 *    reader keeps its state between writes; this file keeps a copy of the
 *    carried bytes (up to INGEST_TAIL_MAX) so that rollback() can rebuild
 *    the reader as it was before a refused write, by feeding them to a
 *    reset reader.  A carried line longer than that is already too long:
 *    after a rollback it is still skipped, but a quote in its lost middle
 *    may shift where the skip ends.
 *  - Refusals (the write changes nothing; the model cancels the
 *    transaction): import_new_data = false refuses a write carrying any
 *    row (EPERM), but not one of delete lines only; a dataset.ini
 *    without fields refuses input (EINVAL); with [limits] rows, a write
 *    that would take the stored total past the allotment is refused whole
 *    (EDQUOT), checked before anything is stored when the write deletes
 *    nothing, and on the final total when it does.
 *  - open(O_TRUNC) does not empty records: `cp x.csv records` and
 *    `> records` append, as the file is an input queue.
 *
 *  - A UTF-8 byte order mark at the start of the first write of an open
 *    is dropped (spreadsheets save CSV with one, and the header after it
 *    would not match fields); so is one before a header row anywhere
 *    (cat a.csv b.csv).  Anywhere else it is data.
 *
 * records, reading: a header line (fields as a CSV row), then the chunks
 * as stored, each fetched when the reader gets there, so memory stays one
 * chunk and a reader sees rows committed while it reads.  Its st_size is
 * exact (tar and rsync read that many bytes): the header's length plus
 * the "bytes" that rows.c keeps in the record, so a stat renders nothing
 * but the header.  A reader at the end asked again (tail -f) gets what
 * was appended since: the rest of the last chunk it read, which an
 * append may have topped up, then new chunks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "connection.h"
#include "csv.h"
#include "dataset.h"
#include "mctx.h"
#include "object.h"
#include "rows.h"
#include "store.h"
#include "timeparse.h"

#define INGEST_TAIL_MAX (ROWS_LINE_MAX + 16)
#define DELETE_PREFIX "delete person_id="
#define UTF8_BOM "\xef\xbb\xbf"
#define UTF8_BOM_LEN 3

const char *const dataset_type_names[DATASET_NTYPES + 1] = {
	"event", "profile", "lookup", "summary", NULL
};

const char *const dataset_skip_names[SKIP_NREASONS + 1] = {
	"missing_person_id", "bad_timestamp", "wrong_field_count", "bad_csv",
	NULL
};

static const struct inidoc_field dataset_fields[] = {
	{ "dataset", "type", INIDOC_ENUM, "event", 0, 0, dataset_type_names,
	  0 },
	{ "dataset", "platform_dataset_id", INIDOC_STR, "", 0, 0, NULL, 0 },
	{ "dataset", "person_id", INIDOC_STR, "", 0, 0, NULL, INIDOC_NAME },
	{ "dataset", "timestamp", INIDOC_STR, "", 0, 0, NULL, INIDOC_NAME },
	{ "dataset", "key", INIDOC_STR, "", 0, 0, NULL, INIDOC_NAME },
	{ "dataset", "matching_key", INIDOC_STR, "", 0, 0, NULL, INIDOC_NAME },
	{ "dataset", "import_new_data", INIDOC_BOOL, "true", 0, 0, NULL, 0 },
	{ "dataset", "backfill", INIDOC_BOOL, "false", 0, 0, NULL, 0 },
	{ "dataset", "fields", INIDOC_LIST, "", 0, 0, NULL, INIDOC_NAME },
	{ NULL }
};

const struct inidoc_schema dataset_schema = { "dataset.ini",
					      dataset_fields };

static enum dataset_type type_of(const char *name)
{
	int i;

	for (i = 0; i < DATASET_NTYPES; i++)
		if (name && !strcmp(name, dataset_type_names[i]))
			return (enum dataset_type)i;
	return DATASET_EVENT;
}

static int needs_person(enum dataset_type t)
{
	return t != DATASET_LOOKUP;
}

static int needs_timestamp(enum dataset_type t)
{
	return t == DATASET_EVENT || t == DATASET_SUMMARY;
}

/* The dataset object that ref is in or is. */
static void dataset_ref(const struct obj_ref *ref, struct obj_ref *ds)
{
	*ds = *ref;
	ds->kind = KIND_DATASET;
	ds->attr = -1;
	ds->nnames = 2;
	ds->scratch[0] = '\0';
	ds->sandbox = NULL;
}

/* --- a dataset's settings, as ingest needs them --- */

struct dsinfo {
	enum dataset_type type;
	int import;
	struct buf list;	/* fields, NUL-separated */
	const char **field;
	size_t *flen;
	size_t nfields;
	long pid_col;		/* -1: no person_id */
	long ts_col;		/* -1: no timestamp */
	int need_pid, need_ts;
};

static void dsinfo_release(struct dsinfo *ds)
{
	buf_release(&ds->list);
	free(ds->field);
	free(ds->flen);
	memset(ds, 0, sizeof(*ds));
}

static int list_count(const char *item, size_t len, void *arg)
{
	(*(size_t *)arg)++;
	return 0;
}

static int list_copy(const char *item, size_t len, void *arg)
{
	struct dsinfo *ds = arg;
	int rc = buf_add(&ds->list, item, len);

	if (!rc)
		rc = buf_addch(&ds->list, '\0');
	ds->flen[ds->nfields++] = len;
	return rc;
}

static long field_index(const struct dsinfo *ds, const char *name)
{
	size_t i;

	if (!name || !*name)
		return -1;
	for (i = 0; i < ds->nfields; i++)
		if (!strcmp(ds->field[i], name))
			return (long)i;
	return -1;
}

static int dsinfo_from_doc(const struct inidoc *doc, struct dsinfo *ds)
{
	const char *fields = inidoc_get(doc, "dataset", "fields");
	size_t n = 0, i, off = 0;
	int rc;

	memset(ds, 0, sizeof(*ds));
	ds->type = type_of(inidoc_get(doc, "dataset", "type"));
	ds->import = inidoc_bool(doc, "dataset", "import_new_data");
	ds->need_pid = needs_person(ds->type);
	ds->need_ts = needs_timestamp(ds->type);
	inidoc_list_each(fields, list_count, &n);
	ds->field = calloc(n + 1, sizeof(*ds->field));
	ds->flen = calloc(n + 1, sizeof(*ds->flen));
	if (!ds->field || !ds->flen) {
		dsinfo_release(ds);
		return -ENOMEM;
	}
	rc = inidoc_list_each(fields, list_copy, ds);
	if (rc) {
		dsinfo_release(ds);
		return rc;
	}
	for (i = 0; i < ds->nfields; i++) {
		ds->field[i] = ds->list.data + off;
		off += ds->flen[i] + 1;
	}
	ds->pid_col = field_index(ds, inidoc_get(doc, "dataset", "person_id"));
	ds->ts_col = field_index(ds, inidoc_get(doc, "dataset", "timestamp"));
	return 0;
}

/* Load the dataset's record and settings. */
static int dataset_load(struct mctx *c, const struct obj_ref *ds_ref,
			struct rec *r, struct inidoc *doc)
{
	const char *text;
	struct diag d;
	size_t len;
	int rc = obj_load(c, ds_ref, r);

	if (rc)
		return rc;
	text = rec_get(r, "dataset.ini", &len);
	rc = text ? inidoc_parse(&dataset_schema, text, len, NULL, doc, &d) :
		    inidoc_defaults(&dataset_schema, doc);
	if (rc == -EINVAL)
		rc = -EIO;	/* stored text is canonical */
	if (rc)
		rec_release(r);
	return rc;
}

/* --- dataset.ini --- */

struct dup_check {
	const char *list;
	struct diag *d;
	int line;
	size_t idx;
};

/* Each field name once. */
static int dup_item(const char *item, size_t len, void *arg)
{
	struct dup_check *dc = arg;
	const char *p = dc->list;
	size_t i = 0;

	for (;;) {
		size_t seg = strcspn(p, ",");
		const char *s = p;
		size_t slen = seg;

		while (slen && *s == ' ') {
			s++;
			slen--;
		}
		while (slen && s[slen - 1] == ' ')
			slen--;
		if (i < dc->idx && slen == len && !memcmp(s, item, len)) {
			diag_set(dc->d, dc->line, 0,
				 "field '%.*s' is listed twice", (int)len,
				 item);
			return -EINVAL;
		}
		if (i++ >= dc->idx || !p[seg])
			break;
		p += seg + 1;
	}
	dc->idx++;
	return 0;
}

static int key_line(const struct inidoc *doc, const char *key)
{
	int line = inidoc_line(doc, "dataset", key);

	return line ? line : inidoc_line(doc, "dataset", "type");
}

/* key must be set (required) and one of fields (when fields is set). */
static int check_key(const struct inidoc *doc, const char *key, int required,
		     int in_fields, const char *type, struct diag *d)
{
	const char *val = inidoc_get(doc, "dataset", key);
	const char *fields = inidoc_get(doc, "dataset", "fields");

	if (required && !*val) {
		diag_set(d, key_line(doc, key), 0,
			 "%s is required for %s datasets", key, type);
		return -EINVAL;
	}
	if (in_fields && *val && *fields && !inidoc_list_has(fields, val)) {
		diag_set(d, key_line(doc, key), 0,
			 "%s '%s' is not one of fields", key, val);
		return -EINVAL;
	}
	return 0;
}

static int dataset_validate(struct mctx *c, const struct obj_ref *ref,
			    const struct inidoc *old, struct inidoc *doc,
			    struct diag *d)
{
	const char *type = inidoc_get(doc, "dataset", "type");
	const char *fields = inidoc_get(doc, "dataset", "fields");
	enum dataset_type t = type_of(type);
	struct dup_check dc = { fields, d, inidoc_line(doc, "dataset", "fields"),
				0 };
	struct obj_ref ds;
	struct rows_meta m;
	struct rec r = REC_INIT;
	int rc, lookup = t == DATASET_LOOKUP;
	size_t n = 0;

	/* counted first: the duplicate check is quadratic */
	inidoc_list_each(fields, list_count, &n);
	if (n > ROWS_FIELDS_MAX) {
		diag_set(d, dc.line, 0,
			 "fields lists %zu fields, more than the %d a row may "
			 "hold", n, ROWS_FIELDS_MAX);
		return -EINVAL;
	}
	rc = inidoc_list_each(fields, dup_item, &dc);
	if (!rc)
		rc = check_key(doc, "person_id", needs_person(t), 1, type, d);
	if (!rc)
		rc = check_key(doc, "timestamp", needs_timestamp(t), 1, type, d);
	if (!rc)
		rc = check_key(doc, "key", lookup, 1, type, d);
	if (!rc)
		rc = check_key(doc, "matching_key", lookup, 0, type, d);
	if (!rc && !lookup) {
		const char *k = *inidoc_get(doc, "dataset", "key") ? "key" :
				*inidoc_get(doc, "dataset", "matching_key") ?
								"matching_key" :
								NULL;

		if (k) {
			diag_set(d, inidoc_line(doc, "dataset", k), 0,
				 "%s is only for lookup datasets", k);
			rc = -EINVAL;
		}
	}
	if (rc)
		return rc;
	/* type and fields are fixed while rows exist */
	dataset_ref(ref, &ds);
	rc = obj_load(c, &ds, &r);
	if (!rc)
		rc = rows_meta_get(&r, &m);
	rec_release(&r);
	if (rc || !m.rows)
		return rc;
	if (strcmp(type, inidoc_get(old, "dataset", "type"))) {
		diag_set(d, key_line(doc, "type"), 0,
			 "type is fixed once records exist");
		return -EINVAL;
	}
	if (strcmp(fields, inidoc_get(old, "dataset", "fields"))) {
		diag_set(d, inidoc_line(doc, "dataset", "fields"), 0,
			 "fields is fixed once records exist");
		return -EINVAL;
	}
	return 0;
}

int dataset_ini_store(struct mctx *c, const struct obj_ref *ref,
		      const char *data, size_t len, struct diag *d)
{
	return attr_ini_commit(c, ref, data, len, dataset_validate, d);
}

/* --- summary and status --- */

int dataset_summary(struct mctx *c, const struct obj_ref *ref,
		    struct dataset_summary *out)
{
	struct obj_ref ds;
	struct rec r = REC_INIT;
	struct inidoc doc;
	struct rows_meta m;
	const char *by;
	char name[64];
	int rc, i;

	memset(out, 0, sizeof(*out));
	dataset_ref(ref, &ds);
	rc = dataset_load(c, &ds, &r, &doc);
	if (rc)
		return rc;
	out->type = type_of(inidoc_get(&doc, "dataset", "type"));
	inidoc_release(&doc);
	rc = rows_meta_get(&r, &m);
	out->rows = m.rows;
	out->ingested = rec_get_i64(&r, "ingested", 0);
	out->deleted = rec_get_i64(&r, "deleted", 0);
	for (i = 0; i < SKIP_NREASONS; i++) {
		snprintf(name, sizeof(name), "skipped_%s",
			 dataset_skip_names[i]);
		out->skipped[i] = rec_get_i64(&r, name, 0);
	}
	out->mtime = (time_t)rec_get_i64(&r, "mtime", 0);
	by = rec_get(&r, "by", NULL);
	snprintf(out->by, sizeof(out->by), "%s", by ? by : "");
	rec_release(&r);
	return rc;
}

static void fmt_time(time_t t, char out[TIMEPARSE_FMT_SIZE])
{
	if (!t || timeparse_format_utc((int64_t)t, out))
		out[0] = '\0';
}

int dataset_status_show(struct mctx *c, const struct obj_ref *ref,
			struct buf *out)
{
	struct obj_ref ds;
	struct rec r = REC_INIT;
	struct inidoc doc;
	struct dsinfo info;
	struct dataset_summary s;
	char t1[TIMEPARSE_FMT_SIZE], t2[TIMEPARSE_FMT_SIZE];
	const char *by;
	int64_t skipped = 0;
	int rc, i, complete;

	dataset_ref(ref, &ds);
	rc = dataset_summary(c, &ds, &s);
	if (!rc)
		rc = dataset_load(c, &ds, &r, &doc);
	if (rc)
		return rc;
	rc = dsinfo_from_doc(&doc, &info);
	inidoc_release(&doc);
	if (rc)
		goto out;
	/* complete: settings that ingest can work with */
	complete = info.nfields && (!info.need_pid || info.pid_col >= 0) &&
		   (!info.need_ts || info.ts_col >= 0);
	dsinfo_release(&info);
	for (i = 0; i < SKIP_NREASONS; i++)
		skipped += s.skipped[i];
	fmt_time((time_t)rec_get_i64(&r, "last_ingest", 0), t1);
	fmt_time(s.mtime, t2);
	by = rec_get(&r, "last_ingest_by", NULL);
	rc = buf_printf(out,
			"[status]\nstate = %s\ntype = %s\nrows = %" PRId64
			"\ningested = %" PRId64 "\nskipped = %" PRId64 "\n",
			complete ? "complete" : "incomplete",
			dataset_type_names[s.type], s.rows, s.ingested,
			skipped);
	for (i = 0; i < SKIP_NREASONS && !rc; i++)
		rc = buf_printf(out, "skipped_%s = %" PRId64 "\n",
				dataset_skip_names[i], s.skipped[i]);
	if (!rc)
		rc = buf_printf(out,
				"deleted = %" PRId64 "\nlast_ingest = %s\n"
				"last_ingest_by = %s\nlast_change = %s\n"
				"last_change_by = %s\n",
				s.deleted, t1, by ? by : "", t2, s.by);
out:
	rec_release(&r);
	return rc;
}

int dataset_destroy(struct mctx *c, const struct obj_ref *ref,
		    struct diag *d)
{
	struct buf base = BUF_INIT;
	struct rec r = REC_INIT;
	struct rows_meta m;
	int64_t rows;
	int rc = obj_load(c, ref, &r);

	if (!rc)
		rc = rows_meta_get(&r, &m);
	if (!rc)
		rc = obj_ref_object_path(ref, &base);
	if (rc)
		goto out;
	rows = m.rows;
	rc = rows_destroy(c, base.data, &m);
	if (!rc)
		rc = rows_total_add(c, -rows);
	if (!rc)
		rc = connection_touch(c, ref, d);
out:
	rec_release(&r);
	buf_release(&base);
	return rc;
}

/* --- records: reading --- */

/* The header line records starts with (nothing without fields). */
static int records_header(const struct inidoc *doc, struct buf *out)
{
	struct dsinfo info;
	int rc = dsinfo_from_doc(doc, &info);

	if (rc)
		return rc;
	if (info.nfields)
		rc = csv_write_row(out, info.nfields, info.field, info.flen);
	dsinfo_release(&info);
	return rc;
}

/*
 * Reading records: the header and the rows of a snapshot taken at open
 * (rows.c), read without the model's lock.  delivered counts the bytes of
 * rows handed out, so that a read past the end (tail -f) takes a new
 * snapshot and goes on at that offset, as in a file that grew.
 */
struct records_cursor {
	struct buf header;
	int header_done;
	struct rows_snap *snap;
	uint64_t delivered;	/* bytes of rows handed out */
	uint64_t skip;		/* of the next chunk, already handed out */
};

static void records_done(void *cursor)
{
	struct records_cursor *cur = cursor;

	if (!cur)
		return;
	rows_snap_free(cur->snap);
	buf_release(&cur->header);
	free(cur);
}

/* A snapshot of the rows now, positioned at cur->delivered. */
static int records_snap(struct mctx *c, const struct obj_ref *ref,
			struct records_cursor *cur, int header)
{
	struct obj_ref ds;
	struct rec r = REC_INIT;
	struct inidoc doc;
	struct buf base = BUF_INIT;
	struct rows_meta m;
	int rc;

	dataset_ref(ref, &ds);
	rc = dataset_load(c, &ds, &r, &doc);
	if (rc)
		return rc;
	if (header)
		rc = records_header(&doc, &cur->header);
	inidoc_release(&doc);
	if (!rc)
		rc = rows_meta_get(&r, &m);
	if (!rc)
		rc = obj_ref_object_path(&ds, &base);
	rows_snap_free(cur->snap);
	cur->snap = NULL;
	if (!rc)
		rc = rows_snap_take(c, base.data, &m, &cur->snap);
	if (!rc)
		cur->skip = rows_snap_skip(cur->snap, cur->delivered);
	rec_release(&r);
	buf_release(&base);
	return rc;
}

static int records_start(struct mctx *c, const struct obj_ref *ref,
			 void **cursor)
{
	struct records_cursor *cur = calloc(1, sizeof(*cur));
	int rc;

	if (!cur)
		return -ENOMEM;
	rc = buf_add(&cur->header, "", 0);
	if (!rc)
		rc = records_snap(c, ref, cur, 1);
	if (rc) {
		records_done(cur);
		return rc;
	}
	*cursor = cur;
	return 0;
}

static int records_refresh(struct mctx *c, const struct obj_ref *ref,
			   void *cursor)
{
	return records_snap(c, ref, cursor, 0);
}

static int records_next(struct mctx *c, const struct obj_ref *ref,
			void *cursor, struct buf *out, int *eof)
{
	struct records_cursor *cur = cursor;
	int rc;

	buf_reset(out);
	if (!cur->header_done) {
		cur->header_done = 1;
		return buf_add(out, cur->header.data, cur->header.len);
	}
	rc = rows_snap_next(cur->snap, out, eof);
	if (rc || *eof)
		return rc;
	if (cur->skip) {
		size_t skip = cur->skip < out->len ? (size_t)cur->skip :
						     out->len;

		memmove(out->data, out->data + skip, out->len - skip);
		out->len -= skip;
		out->data[out->len] = '\0';
		cur->skip = 0;
	}
	cur->delivered += out->len;
	return 0;
}

/* The bytes a read started now gives: the header and the stored rows. */
static int records_size(struct mctx *c, const struct obj_ref *ref,
			uint64_t *size)
{
	struct obj_ref ds;
	struct rec r = REC_INIT;
	struct inidoc doc;
	struct buf head = BUF_INIT, base = BUF_INIT;
	struct rows_meta m;
	uint64_t bytes = 0;
	int rc;

	dataset_ref(ref, &ds);
	rc = dataset_load(c, &ds, &r, &doc);
	if (rc)
		return rc;
	rc = records_header(&doc, &head);
	inidoc_release(&doc);
	if (!rc)
		rc = rows_meta_get(&r, &m);
	if (!rc)
		rc = obj_ref_object_path(&ds, &base);
	if (!rc)
		rc = rows_bytes(c, base.data, &m, &bytes);
	if (!rc)
		*size = head.len + bytes;
	rec_release(&r);
	buf_release(&head);
	buf_release(&base);
	return rc;
}

const struct kind_stream_ops records_stream_ops = {
	.start = records_start,
	.next = records_next,
	.done = records_done,
	.size = records_size,
	.refresh = records_refresh,
	.unlocked = 1,
};

/* --- records: ingest --- */

struct ingest_del {
	size_t at;		/* rows.len when the delete line came */
	int64_t nbefore;	/* rows before it */
	char *val;
	size_t vlen;
};

/* One write's parse. */
struct ingest_batch {
	const struct dsinfo *ds;
	struct buf *rows;	/* good rows, canonical (the ingest's buffer) */
	int64_t nrows;
	int64_t skipped[SKIP_NREASONS];
	struct ingest_del *dels;
	size_t ndels;
	/* the timestamps of the rows taken, in order (need_ts) */
	int any_ts;
	int64_t ts_first, ts_last;
	int ts_back;		/* one went back in time */
};

struct ingest {
	struct csv_reader rd;
	struct buf tail;	/* the carried bytes (first INGEST_TAIL_MAX) */
	size_t tail_len;	/* how many were carried */
	struct buf rows;	/* a write's good rows (reused) */
	struct buf saved;	/* tail before the write in progress */
	size_t saved_len;
	int saved_valid;	/* saved holds it (else nothing was touched) */
	int started;		/* a write was taken (no BOM to drop after) */
	int saved_started;
};

static void batch_release(struct ingest_batch *b)
{
	size_t i;

	for (i = 0; i < b->ndels; i++)
		free(b->dels[i].val);
	free(b->dels);
	buf_reset(b->rows);	/* kept: no page faults on the next write */
}

/* Bytes that make csv_write_field() quote a field. */
static const unsigned char needs_quote[256] = {
	['\n'] = 1, ['\r'] = 1, ['"'] = 1, [','] = 1
};

/* csv_write_row() with a fast path for the common row that needs no
 * quoting: one grow and a copy per field (ingest's hot loop). */
static int row_write(struct buf *b, const struct csv_row *row)
{
	size_t i, j, total = row->nfields;
	char *out;
	int rc;

	for (i = 0; i < row->nfields; i++) {
		const unsigned char *p = (const unsigned char *)row->field[i];
		size_t n = row->len[i];

		if (n && (p[0] == ' ' || p[0] == '\t' || p[n - 1] == ' ' ||
			  p[n - 1] == '\t'))
			goto slow;
		for (j = 0; j < n; j++)
			if (needs_quote[p[j]])
				goto slow;
		total += n;
	}
	if (row->nfields == 1 && !row->len[0])
		goto slow;
	rc = buf_grow(b, total);
	if (rc)
		return rc;
	out = b->data + b->len;
	for (i = 0; i < row->nfields; i++) {
		memcpy(out, row->field[i], row->len[i]);
		out += row->len[i];
		*out++ = i + 1 < row->nfields ? ',' : '\n';
	}
	b->len += total;
	b->data[b->len] = '\0';
	return 0;
slow:
	return csv_write_row(b, row->nfields, row->field, row->len);
}

/* The fields list (the first field may carry a byte order mark). */
static int is_header(const struct dsinfo *ds, const struct csv_row *row)
{
	size_t i, skip;

	for (i = 0; i < ds->nfields; i++) {
		skip = !i && row->len[0] == ds->flen[0] + UTF8_BOM_LEN &&
			       !memcmp(row->field[0], UTF8_BOM,
				       UTF8_BOM_LEN) ?
			       UTF8_BOM_LEN :
			       0;
		if (row->len[i] != ds->flen[i] + skip ||
		    memcmp(row->field[i] + skip, ds->field[i], ds->flen[i]))
			return 0;
	}
	return 1;
}

static int ingest_row(void *arg, const struct csv_row *row)
{
	struct ingest_batch *b = arg;
	const struct dsinfo *ds = b->ds;
	const size_t plen = sizeof(DELETE_PREFIX) - 1;
	int64_t t;

	if (row->error) {
		b->skipped[row->error == CSV_ERR_TOO_MANY_FIELDS ?
				   SKIP_WRONG_FIELD_COUNT :
				   SKIP_BAD_CSV]++;
		return 0;
	}
	if (row->nfields == 1 && row->len[0] >= plen &&
	    !memcmp(row->field[0], DELETE_PREFIX, plen)) {
		struct ingest_del *v = realloc(b->dels, (b->ndels + 1) *
							       sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->dels = v;
		v = &b->dels[b->ndels];
		v->vlen = row->len[0] - plen;
		v->val = strndup(row->field[0] + plen, v->vlen);
		if (!v->val)
			return -ENOMEM;
		v->at = b->rows->len;
		v->nbefore = b->nrows;
		b->ndels++;
		return 0;
	}
	if (row->nfields != ds->nfields) {
		b->skipped[SKIP_WRONG_FIELD_COUNT]++;
		return 0;
	}
	if (is_header(ds, row))
		return 0;
	if (ds->need_pid && (ds->pid_col < 0 || !row->len[ds->pid_col])) {
		b->skipped[SKIP_MISSING_PERSON_ID]++;
		return 0;
	}
	if (ds->need_ts &&
	    (ds->ts_col < 0 ||
	     timeparse(row->field[ds->ts_col], row->len[ds->ts_col], &t))) {
		b->skipped[SKIP_BAD_TIMESTAMP]++;
		return 0;
	}
	if (ds->need_ts) {
		if (!b->any_ts) {
			b->any_ts = 1;
			b->ts_first = t;
		} else if (t < b->ts_last) {
			b->ts_back = 1;
		}
		b->ts_last = t;
	}
	b->nrows++;
	return row_write(b->rows, row);
}

static int ingest_ignore(void *arg, const struct csv_row *row)
{
	return 0;
}

static void ingest_free(struct ingest *in)
{
	csv_reader_release(&in->rd);
	buf_release(&in->tail);
	buf_release(&in->rows);
	buf_release(&in->saved);
	free(in);
}

static int ingest_start(struct mctx *c, const struct obj_ref *ref,
			void **state)
{
	struct ingest *in = calloc(1, sizeof(*in));

	if (!in)
		return -ENOMEM;
	csv_reader_init(&in->rd, ROWS_LINE_MAX, ROWS_FIELDS_MAX);
	*state = in;
	return 0;
}

static void ingest_done(void *state)
{
	if (state)
		ingest_free(state);
}

static void ingest_rollback(void *state)
{
	struct ingest *in = state;

	if (!in->saved_valid)
		return;
	csv_reader_reset(&in->rd);
	buf_reset(&in->tail);
	in->tail_len = in->saved_len;
	in->started = in->saved_started;
	if (in->saved.len && !buf_add(&in->tail, in->saved.data,
				      in->saved.len))
		csv_feed(&in->rd, in->tail.data, in->tail.len, ingest_ignore,
			 NULL);
}

/* Keep a copy of the bytes the reader holds back after a feed of
 * data[0..len) (len 0: the reader was finished). */
static int ingest_carry(struct ingest *in, const char *data, size_t len)
{
	size_t pending = len ? csv_pending(&in->rd) : 0;
	size_t keep, from_old;
	struct buf nt = BUF_INIT;
	int rc = 0;

	if (pending <= len) {
		keep = pending < INGEST_TAIL_MAX ? pending : INGEST_TAIL_MAX;
		rc = buf_set(&in->tail, data + len - pending, keep);
		in->tail_len = pending;
		return rc;
	}
	/* the row began in an earlier write: old tail, then all of data */
	from_old = pending - len;
	if (from_old > in->tail.len)
		from_old = in->tail.len;	/* kept bytes only */
	rc = buf_add(&nt, in->tail.data + in->tail.len - from_old, from_old);
	if (!rc && nt.len < INGEST_TAIL_MAX)
		rc = buf_add(&nt, data,
			     len < INGEST_TAIL_MAX - nt.len ?
				     len :
				     INGEST_TAIL_MAX - nt.len);
	if (!rc) {
		buf_release(&in->tail);
		in->tail = nt;
		in->tail_len = pending;
	} else {
		buf_release(&nt);
	}
	return rc;
}

/*
 * Whether a dataset's rows are in time order, kept as they are appended:
 * "ts_ordered" (1 while every row's timestamp is at or after the one
 * before it, in stored order) and "ts_last" (the last one).  Deletes
 * keep the order.  A dataset that held rows before this was kept has
 * neither and counts as not in order.  Reports use it to find sessions
 * as the events stream by instead of sorting them (dvquery.c).
 */
static int dataset_order(struct rec *r, const struct ingest_batch *b,
			 int64_t rows_before)
{
	int ordered = (int)rec_get_i64(r, DATASET_TS_ORDERED,
				       rows_before ? 0 : 1);
	int64_t last = rec_get_i64(r, DATASET_TS_LAST, INT64_MIN);
	int rc;

	if (b->ts_back || (rows_before && b->ts_first < last))
		ordered = 0;
	if (b->ts_last > last)
		last = b->ts_last;
	rc = rec_set_i64(r, DATASET_TS_ORDERED, ordered);
	if (!rc)
		rc = rec_set_i64(r, DATASET_TS_LAST, last);
	return rc;
}

static int detail_add(struct buf *detail, const struct ingest_batch *b,
		      int64_t deleted)
{
	int64_t skipped = 0;
	int rc = 0, i, first = 1;

	for (i = 0; i < SKIP_NREASONS; i++)
		skipped += b->skipped[i];
	if (b->nrows || skipped)
		rc = buf_printf(detail, "%" PRId64 " row%s ingested", b->nrows,
				b->nrows == 1 ? "" : "s");
	if (!rc && skipped) {
		rc = buf_printf(detail, ", %" PRId64 " skipped (", skipped);
		for (i = 0; i < SKIP_NREASONS && !rc; i++) {
			if (!b->skipped[i])
				continue;
			rc = buf_printf(detail, "%s%s %" PRId64,
					first ? "" : ", ",
					dataset_skip_names[i], b->skipped[i]);
			first = 0;
		}
		if (!rc)
			rc = buf_addch(detail, ')');
	}
	if (!rc && b->ndels)
		rc = buf_printf(detail, "%s%" PRId64 " row%s deleted",
				detail->len ? ", " : "", deleted,
				deleted == 1 ? "" : "s");
	return rc;
}

/* Store what batch b holds for dataset ds_ref: rows, deletes, counters. */
static int ingest_apply(struct mctx *c, const struct obj_ref *ds_ref,
			struct rec *r, struct ingest_batch *b,
			struct buf *detail, struct diag *d)
{
	const struct dsinfo *ds = b->ds;
	uint64_t limit = c->cfg ? c->cfg->rows_limit : 0;
	struct buf base = BUF_INIT;
	struct rows_meta m;
	int64_t total = 0, skipped = 0, deleted = 0, n, rows_before;
	size_t off = 0, i;
	char name[64];
	int rc;

	for (i = 0; i < SKIP_NREASONS; i++)
		skipped += b->skipped[i];
	if (!b->nrows && !skipped && !b->ndels)
		return 0;	/* a header, or nothing complete yet */
	if (!ds->import && (b->nrows || skipped)) {
		diag_set(d, 0, 0, "import_new_data is false: appends are "
			 "refused");
		return -EPERM;
	}
	if (b->ndels && ds->pid_col < 0) {
		diag_set(d, 0, 0, "delete: the dataset has no person_id field");
		return -EINVAL;
	}
	rc = rows_total(c, &total);
	if (rc)
		return rc;
	if (limit && b->nrows && !b->ndels &&
	    (uint64_t)(total + b->nrows) > limit) {
		diag_set(d, 0, 0, "row allotment exceeded: %" PRId64
			 " stored + %" PRId64 " in this write > %" PRIu64,
			 total, b->nrows, limit);
		return -EDQUOT;
	}
	rc = rows_meta_get(r, &m);
	rows_before = m.rows;
	if (!rc)
		rc = obj_ref_object_path(ds_ref, &base);
	for (i = 0; i < b->ndels && !rc; i++) {
		const struct ingest_del *del = &b->dels[i];
		int64_t before = i ? b->dels[i - 1].nbefore : 0;

		rc = rows_append(c, base.data, &m, b->rows->data + off,
				 del->at - off, del->nbefore - before);
		off = del->at;
		if (!rc)
			rc = rows_delete_where(c, base.data, &m,
					       (size_t)ds->pid_col, del->val,
					       del->vlen, &n);
		deleted += rc ? 0 : n;
	}
	if (!rc)
		rc = rows_append(c, base.data, &m, b->rows->data + off,
				 b->rows->len - off,
				 b->nrows - (b->ndels ?
					     b->dels[b->ndels - 1].nbefore : 0));
	buf_release(&base);
	if (rc)
		return rc;
	if (limit && b->nrows && b->ndels &&
	    (uint64_t)(total + b->nrows - deleted) > limit) {
		diag_set(d, 0, 0, "row allotment exceeded: %" PRId64
			 " stored + %" PRId64 " in this write > %" PRIu64,
			 total - deleted, b->nrows, limit);
		return -EDQUOT;
	}
	rc = rows_total_add(c, b->nrows - deleted);
	if (!rc)
		rc = rows_meta_set(r, &m);
	if (!rc && b->any_ts)
		rc = dataset_order(r, b, rows_before);
	if (!rc)
		rc = rec_set_i64(r, "ingested",
				 rec_get_i64(r, "ingested", 0) + b->nrows);
	for (i = 0; i < SKIP_NREASONS && !rc; i++) {
		if (!b->skipped[i])
			continue;
		snprintf(name, sizeof(name), "skipped_%s",
			 dataset_skip_names[i]);
		rc = rec_set_i64(r, name,
				 rec_get_i64(r, name, 0) + b->skipped[i]);
	}
	if (!rc && deleted)
		rc = rec_set_i64(r, "deleted",
				 rec_get_i64(r, "deleted", 0) + deleted);
	if (!rc && b->nrows) {
		char tmp[32];

		rc = rec_set_i64(r, "last_ingest", (int64_t)c->now);
		if (!rc)
			rc = rec_sets(r, "last_ingest_by", mctx_login(c, tmp));
	}
	if (!rc)
		rc = obj_save(c, ds_ref, r);
	if (!rc)
		rc = detail_add(detail, b, deleted);
	return rc;
}

/* Parse data (NULL: the end of input) and store what it completes. */
static int ingest_run(struct mctx *c, const struct obj_ref *ref,
		      struct ingest *in, const char *data, size_t len,
		      struct buf *detail, struct diag *d)
{
	struct obj_ref ds_ref;
	struct rec r = REC_INIT;
	struct inidoc doc;
	struct dsinfo ds;
	struct ingest_batch b;
	int rc;

	in->saved_valid = 0;
	if (!data && !in->tail_len)
		return 0;	/* a close with nothing carried */
	/* for rollback() */
	rc = buf_set(&in->saved, in->tail.data ? in->tail.data : "",
		     in->tail.len);
	if (rc)
		return rc;
	in->saved_len = in->tail_len;
	in->saved_started = in->started;
	in->saved_valid = 1;
	if (data && !in->started) {
		in->started = 1;
		if (len >= UTF8_BOM_LEN &&
		    !memcmp(data, UTF8_BOM, UTF8_BOM_LEN)) {
			data += UTF8_BOM_LEN;
			len -= UTF8_BOM_LEN;
		}
	}
	dataset_ref(ref, &ds_ref);
	rc = dataset_load(c, &ds_ref, &r, &doc);
	if (rc)
		return rc;
	rc = dsinfo_from_doc(&doc, &ds);
	inidoc_release(&doc);
	if (rc)
		goto out_rec;
	if (!ds.nfields) {
		diag_set(d, 0, 0, "dataset.ini lists no fields: declare the "
			 "CSV columns first");
		rc = -EINVAL;
		goto out_ds;
	}
	memset(&b, 0, sizeof(b));
	b.ds = &ds;
	b.rows = &in->rows;
	if (data) {
		rc = csv_feed(&in->rd, data, len, ingest_row, &b);
		if (!rc)
			rc = ingest_carry(in, data, len);
	} else {
		rc = csv_finish(&in->rd, ingest_row, &b);
		buf_reset(&in->tail);
		in->tail_len = 0;
	}
	if (!rc)
		rc = ingest_apply(c, &ds_ref, &r, &b, detail, d);
	batch_release(&b);
out_ds:
	dsinfo_release(&ds);
out_rec:
	rec_release(&r);
	return rc;
}

static int ingest_write(struct mctx *c, const struct obj_ref *ref, void *state,
			const char *data, size_t len, struct buf *detail,
			struct diag *d)
{
	if (!len)
		return 0;
	return ingest_run(c, ref, state, data, len, detail, d);
}

static int ingest_finish(struct mctx *c, const struct obj_ref *ref,
			 void *state, struct buf *detail, struct diag *d)
{
	return ingest_run(c, ref, state, NULL, 0, detail, d);
}

const struct kind_append_ops records_append_ops = {
	.start = ingest_start,
	.write = ingest_write,
	.finish = ingest_finish,
	.rollback = ingest_rollback,
	.done = ingest_done,
};
