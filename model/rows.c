/*
 * rows.c - the stored rows of a dataset: canonical CSV lines in chunk
 * records.
 *
 * Layout.  A dataset at PATH ("/connections/c1/datasets/web") keeps its
 * rows in chunk records "r:PATH:%08x" (the chunk number in fixed-width
 * hex).  A chunk holds whole rows as canonical CSV lines (csv_write_row()
 * output: a row per LF, fields quoted only where they must be), stored as
 * one zstd frame (level ROWS_ZSTD_LEVEL, content size in the header).  A
 * chunk holds at most ROWS_CHUNK_MAX bytes of CSV, except that a single
 * longer row gets a chunk of its own.  The dataset's record keeps struct
 * rows_meta: the row count, the chunk numbers in use [first, next), the
 * CSV length of the last chunk and the CSV length of all chunks ("bytes",
 * kept by every append, delete and destroy in its transaction, so that
 * the size of records is known without reading it; a record written
 * before "bytes" existed has none: rows_bytes() then sums the content
 * sizes in the chunks' frame headers, a fetch a chunk and no
 * decompression, and the next change of the rows stores it).  Chunks
 * are never renumbered, so numbers only grow; deleting rows may empty chunks in the middle, whose
 * records are then deleted, and every reader tolerates such gaps.
 *
 * Why compressed: every byte a commit stores costs tdb four copies (the
 * transaction's block, the recovery area, the file, the page cache) and
 * the fsyncs wait for all of them.  Event CSV compresses 3-8 times at
 * level 1 (600 MB/s to compress, 2 GB/s to decompress on this machine),
 * so compressing is cheaper than storing: a million-row ingest went from
 * 1.3-2.2s to 0.6-1.0s and its store from 74 to 13 MB.
 *
 * Why this shape:
 *  - Ingest writes only new chunks, plus at most one rewrite of the last
 *    chunk while it is under ROWS_TOPUP_MAX bytes (so a stream of small
 *    appends does not leave a chunk per write, and a rewrite never costs
 *    more than ROWS_TOPUP_MAX bytes).  Nothing grows with the stored
 *    rows: no per-row record, no index rewrite, no traverse.
 *  - Read-back is one fetch and one decompression per chunk: the stored
 *    text is the CSV that `cat records` shows, after the header line.
 *  - delete person_id=V visits every chunk of the dataset but parses only
 *    those whose text contains V (memmem), and rewrites only chunks that
 *    lost rows; an emptied chunk is deleted.  Kept rows are written out
 *    again with csv_write_row(), which gives back the same canonical
 *    bytes.
 *  - Deleting a dataset deletes its chunks by number, first..next-1,
 *    never by walking the store.
 *
 * Everything here runs inside the caller's transaction and under the
 * model's lock; memory is bounded by a chunk and one CSV line, whatever
 * the dataset holds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "mctx.h"
#include "store.h"

#include <zstd.h>

#define ROWS_ZSTD_LEVEL 1
/* Largest chunk text accepted from the store: a chunk of whole rows, or
 * one row of ROWS_LINE_MAX bytes whose quotes csv_write_row() doubled. */
#define ROWS_CHUNK_LIMIT (ROWS_CHUNK_MAX + 3 * (size_t)ROWS_LINE_MAX)

#define ROWS_META_ROWS "rows"
#define ROWS_META_FIRST "chunk_first"
#define ROWS_META_NEXT "chunk_next"
#define ROWS_META_TAIL "chunk_tail"
#define ROWS_META_BYTES "bytes"

int rows_meta_get(const struct rec *r, struct rows_meta *m)
{
	int64_t first = rec_get_i64(r, ROWS_META_FIRST, 0);
	int64_t next = rec_get_i64(r, ROWS_META_NEXT, 0);

	m->rows = rec_get_i64(r, ROWS_META_ROWS, 0);
	m->tail = rec_get_i64(r, ROWS_META_TAIL, 0);
	if (rec_get(r, ROWS_META_BYTES, NULL))
		m->bytes = rec_get_i64(r, ROWS_META_BYTES, 0);
	else
		m->bytes = next > first ? -1 : 0;
	if (first < 0 || next < first || next > UINT32_MAX || m->rows < 0 ||
	    m->tail < 0 || m->bytes < -1)
		return -EIO;
	m->first = (uint32_t)first;
	m->next = (uint32_t)next;
	return 0;
}

int rows_meta_set(struct rec *r, const struct rows_meta *m)
{
	int rc = rec_set_i64(r, ROWS_META_ROWS, m->rows);

	if (!rc)
		rc = rec_set_i64(r, ROWS_META_FIRST, m->first);
	if (!rc)
		rc = rec_set_i64(r, ROWS_META_NEXT, m->next);
	if (!rc)
		rc = rec_set_i64(r, ROWS_META_TAIL, m->tail);
	if (!rc && m->bytes >= 0)
		rc = rec_set_i64(r, ROWS_META_BYTES, m->bytes);
	return rc;
}

static void rows_key(char *key, size_t size, const char *base, uint32_t no)
{
	snprintf(key, size, "r:%s:%08" PRIx32, base, no);
}

#define ROWS_KEY_MAX (OBJ_MAX_NAMES * (OBJ_NAME_MAX + 16) + 64)

/* Store data[0..len) compressed as the chunk at key. */
static int chunk_put(struct mctx *c, const char *key, const char *data,
		     size_t len)
{
	size_t bound = ZSTD_compressBound(len), n;
	struct buf z = BUF_INIT;
	int rc = buf_grow(&z, bound);

	if (rc)
		return rc;
	n = ZSTD_compress(z.data, bound, data, len, ROWS_ZSTD_LEVEL);
	/* with a bound-sized output, only an allocation can fail */
	rc = ZSTD_isError(n) ? -ENOMEM : store_put(c->st, key, z.data, n);
	buf_release(&z);
	return rc;
}

/* Replace out with the CSV text of the chunk at key (-ENOENT if none). */
static int chunk_get(struct mctx *c, const char *key, struct buf *out)
{
	struct buf z = BUF_INIT;
	unsigned long long size;
	size_t n;
	int rc = store_get(c->st, key, &z);

	if (rc)
		goto out;
	size = ZSTD_getFrameContentSize(z.data, z.len);
	if (size == ZSTD_CONTENTSIZE_ERROR ||
	    size == ZSTD_CONTENTSIZE_UNKNOWN || size > ROWS_CHUNK_LIMIT) {
		rc = -EIO;
		goto out;
	}
	buf_reset(out);
	rc = buf_grow(out, (size_t)size);
	if (rc)
		goto out;
	n = ZSTD_decompress(out->data, (size_t)size, z.data, z.len);
	if (ZSTD_isError(n) || n != size) {
		rc = -EIO;
		goto out;
	}
	out->len = n;
	out->data[n] = '\0';
out:
	buf_release(&z);
	return rc;
}

/* The CSV length of the chunk at key, from its frame header (0 if none). */
static int chunk_size(struct mctx *c, const char *key, uint64_t *size)
{
	struct buf z = BUF_INIT;
	unsigned long long n;
	int rc = store_get(c->st, key, &z);

	*size = 0;
	if (rc == -ENOENT)
		return 0;
	if (!rc) {
		n = ZSTD_getFrameContentSize(z.data, z.len);
		if (n == ZSTD_CONTENTSIZE_ERROR ||
		    n == ZSTD_CONTENTSIZE_UNKNOWN || n > ROWS_CHUNK_LIMIT)
			rc = -EIO;
		else
			*size = n;
	}
	buf_release(&z);
	return rc;
}

int rows_bytes(struct mctx *c, const char *base, const struct rows_meta *m,
	       uint64_t *bytes)
{
	char key[ROWS_KEY_MAX];
	uint64_t n;
	uint32_t no;
	int rc = 0;

	if (m->bytes >= 0) {
		*bytes = (uint64_t)m->bytes;
		return 0;
	}
	*bytes = 0;
	for (no = m->first; no < m->next && !rc; no++) {
		rows_key(key, sizeof(key), base, no);
		rc = chunk_size(c, key, &n);
		*bytes += n;
	}
	return rc;
}

/* Make m->bytes known before a change of the rows. */
static int rows_bytes_known(struct mctx *c, const char *base,
			    struct rows_meta *m)
{
	uint64_t n;
	int rc;

	if (m->bytes >= 0)
		return 0;
	rc = rows_bytes(c, base, m, &n);
	if (!rc)
		m->bytes = (int64_t)n;
	return rc;
}

/*
 * The length of the longest run of whole canonical rows at the start of
 * p[0..n) that fits in limit bytes (n is itself a row boundary).  When
 * not even the first row fits: its length if at_least_one, else 0.
 * A row ends at an LF outside quotes; in canonical CSV a field is quoted
 * whole and a quote inside is doubled, so "outside quotes" is "after an
 * even number of quote bytes since the row started".
 */
static size_t rows_cut(const char *p, size_t n, size_t limit, int at_least_one)
{
	size_t i, last = 0;
	const char *nl;
	int inq = 0;

	if (n <= limit)
		return n;
	/* the usual case: no quote before the last LF within the limit */
	nl = limit ? memrchr(p, '\n', limit) : NULL;
	if (nl && !memchr(p, '"', (size_t)(nl - p)))
		return (size_t)(nl - p) + 1;
	for (i = 0; i < n; i++) {
		if (p[i] == '"') {
			inq = !inq;
		} else if (p[i] == '\n' && !inq) {
			if (i + 1 > limit)
				break;
			last = i + 1;
		}
	}
	if (last || !at_least_one)
		return last;
	return i < n ? i + 1 : n;
}

int rows_append(struct mctx *c, const char *base, struct rows_meta *m,
		const char *data, size_t len, int64_t nrows)
{
	char key[ROWS_KEY_MAX];
	struct buf chunk = BUF_INIT;
	size_t off = 0, take;
	int rc = 0;

	if (!len)
		return 0;
	rc = rows_bytes_known(c, base, m);
	if (rc)
		return rc;
	/* top up a small last chunk first */
	if (m->next > m->first && m->tail > 0 && m->tail < ROWS_TOPUP_MAX) {
		rows_key(key, sizeof(key), base, m->next - 1);
		rc = chunk_get(c, key, &chunk);
		if (rc == -ENOENT) {
			rc = 0;
		} else if (!rc && chunk.len < ROWS_CHUNK_MAX) {
			take = rows_cut(data, len, ROWS_CHUNK_MAX - chunk.len,
					0);
			if (take) {
				rc = buf_add(&chunk, data, take);
				if (!rc)
					rc = chunk_put(c, key, chunk.data,
						       chunk.len);
				if (!rc) {
					m->tail = (int64_t)chunk.len;
					off = take;
				}
			}
		}
		buf_release(&chunk);
		if (rc)
			return rc;
	}
	while (off < len) {
		if (m->next == UINT32_MAX)
			return -ENOSPC;
		take = rows_cut(data + off, len - off, ROWS_CHUNK_MAX, 1);
		rows_key(key, sizeof(key), base, m->next);
		rc = chunk_put(c, key, data + off, take);
		if (rc)
			return rc;
		m->next++;
		m->tail = (int64_t)take;
		off += take;
	}
	m->rows += nrows;
	m->bytes += (int64_t)len;
	return 0;
}

struct rows_filter {
	size_t col;
	const char *val;
	size_t vlen;
	struct buf *out;
	int64_t removed;
	int64_t kept;
};

static int rows_filter_row(void *arg, const struct csv_row *row)
{
	struct rows_filter *f = arg;

	if (row->error)
		return -EIO;	/* stored rows are canonical */
	if (row->nfields > f->col && row->len[f->col] == f->vlen &&
	    !memcmp(row->field[f->col], f->val, f->vlen)) {
		f->removed++;
		return 0;
	}
	f->kept++;
	return csv_write_row(f->out, row->nfields, row->field, row->len);
}

int rows_delete_where(struct mctx *c, const char *base, struct rows_meta *m,
		      size_t col, const char *val, size_t vlen,
		      int64_t *deleted)
{
	char key[ROWS_KEY_MAX];
	struct buf chunk = BUF_INIT, out = BUF_INIT;
	struct csv_reader rd;
	uint32_t no, first = m->next;
	int64_t removed = 0;
	int rc = rows_bytes_known(c, base, m);

	if (rc)
		return rc;
	csv_reader_init(&rd, ROWS_LINE_MAX, ROWS_FIELDS_MAX);
	for (no = m->first; no < m->next && !rc; no++) {
		struct rows_filter f = { col, val, vlen, &out, 0, 0 };

		rows_key(key, sizeof(key), base, no);
		rc = chunk_get(c, key, &chunk);
		if (rc == -ENOENT) {
			rc = 0;
			continue;
		}
		if (rc)
			break;
		if (vlen && !memmem(chunk.data, chunk.len, val, vlen)) {
			if (no < first)
				first = no;
			continue;
		}
		buf_reset(&out);
		csv_reader_reset(&rd);
		rc = csv_feed(&rd, chunk.data, chunk.len, rows_filter_row, &f);
		if (!rc)
			rc = csv_finish(&rd, rows_filter_row, &f);
		if (rc)
			break;
		if (!f.removed) {
			if (no < first)
				first = no;
			continue;
		}
		removed += f.removed;
		m->bytes -= (int64_t)(chunk.len - out.len);
		if (!f.kept) {
			rc = store_del(c->st, key);
			if (no == m->next - 1)
				m->tail = 0;
			continue;
		}
		rc = chunk_put(c, key, out.data, out.len);
		if (no == m->next - 1)
			m->tail = (int64_t)out.len;
		if (no < first)
			first = no;
	}
	csv_reader_release(&rd);
	buf_release(&chunk);
	buf_release(&out);
	if (rc)
		return rc;
	m->first = first;
	if (m->first == m->next)
		m->tail = 0;
	m->rows -= removed;
	if (m->rows < 0)
		m->rows = 0;
	*deleted = removed;
	return 0;
}

int rows_next_chunk(struct mctx *c, const char *base,
		    const struct rows_meta *m, uint32_t *no, struct buf *out,
		    int *eof)
{
	char key[ROWS_KEY_MAX];
	int rc;

	if (*no < m->first)
		*no = m->first;
	for (; *no < m->next; (*no)++) {
		rows_key(key, sizeof(key), base, *no);
		rc = chunk_get(c, key, out);
		if (rc == -ENOENT)
			continue;
		if (!rc)
			(*no)++;
		return rc;
	}
	buf_reset(out);
	*eof = 1;
	return 0;
}

int rows_destroy(struct mctx *c, const char *base, struct rows_meta *m)
{
	char key[ROWS_KEY_MAX];
	uint32_t no;
	int rc = 0;

	for (no = m->first; no < m->next && !rc; no++) {
		rows_key(key, sizeof(key), base, no);
		rc = store_del(c->st, key);
	}
	if (!rc) {
		m->rows = 0;
		m->first = m->next;
		m->tail = 0;
		m->bytes = 0;
	}
	return rc;
}

/* --- the global row total --- */

int rows_total(struct mctx *c, int64_t *total)
{
	struct buf v = BUF_INIT;
	int rc = store_get(c->st, ROWS_TOTAL_KEY, &v);

	*total = 0;
	if (rc == -ENOENT)
		rc = 0;
	else if (!rc)
		*total = strtoll(v.data, NULL, 10);
	buf_release(&v);
	return rc;
}

int rows_total_add(struct mctx *c, int64_t delta)
{
	char val[32];
	int64_t total;
	int rc;

	if (!delta)
		return 0;
	rc = rows_total(c, &total);
	if (rc)
		return rc;
	total += delta;
	if (total < 0)
		total = 0;
	snprintf(val, sizeof(val), "%" PRId64, total);
	return store_put(c->st, ROWS_TOTAL_KEY, val, strlen(val));
}
