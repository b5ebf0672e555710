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
 * before "bytes" existed has none: rows_bytes() then sums the CSV
 * lengths the chunk records give, a fetch a chunk and no decompression,
 * and the next change of the rows stores it).  Chunks
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
 * Where chunks are.  A chunk record holds no rows but a descriptor of
 * the row file (rowfile.c) that holds them: one zstd frame with its
 * content size and a checksum.  Rewriting a chunk (a top-up, a delete)
 * writes a new file and drops the old one in the same transaction.
 *
 * Snapshots.  rows_snap_take() copies a dataset's descriptors and pins
 * the row files (store_pin), under the model's lock; the reader then
 * reads and decompresses them without it, and the files stay until the
 * snapshot is freed, whatever is committed meanwhile.
 *
 * Everything else here runs inside the caller's transaction and under the
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
#include "rows.h"
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

/*
 * A chunk record holds where its rows are: a row file (store.h) holding
 * one zstd frame with a checksum, and the sizes that let a reader check it
 * and know its CSV length without opening it.  Encoding: CHUNK_MAGIC, then
 * the file id, the file's size and the CSV length, 8 bytes each,
 * little-endian.  A record whose value is itself a zstd frame is a chunk
 * from before row files (store version 1), which rows_migrate() moves
 * out at open; no reader sees one after that.
 */
#define CHUNK_MAGIC "rf1\0"
#define CHUNK_DESC_LEN 28

struct chunk_desc {
	uint64_t id;
	uint64_t zsize;
	uint64_t csv;
};

static void le64_put(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t le64_get(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int desc_decode(const struct buf *v, struct chunk_desc *d)
{
	const unsigned char *p = (const unsigned char *)v->data;

	if (v->len != CHUNK_DESC_LEN || memcmp(p, CHUNK_MAGIC, 4))
		return -EIO;
	d->id = le64_get(p + 4);
	d->zsize = le64_get(p + 12);
	d->csv = le64_get(p + 20);
	if (d->csv > ROWS_CHUNK_LIMIT)
		return -EIO;
	return 0;
}

/* The descriptor of the chunk at key (-ENOENT if none). */
static int desc_get(struct mctx *c, const char *key, struct chunk_desc *d)
{
	struct buf v = BUF_INIT;
	int rc = store_get(c->st, key, &v);

	if (!rc)
		rc = desc_decode(&v, d);
	buf_release(&v);
	return rc;
}

/* data[0..len) as one zstd frame with its content size and a checksum. */
static int chunk_compress(const char *data, size_t len, struct buf *z)
{
	size_t bound = ZSTD_compressBound(len), n;
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	int rc = cc ? buf_grow(z, bound) : -ENOMEM;

	if (rc)
		goto out;
	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, ROWS_ZSTD_LEVEL);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
	n = ZSTD_compress2(cc, z->data, bound, data, len);
	/* with a bound-sized output, only an allocation can fail */
	if (ZSTD_isError(n))
		rc = -ENOMEM;
	else
		z->len = n;
out:
	ZSTD_freeCCtx(cc);
	return rc;
}

/* Store data[0..len) as the chunk at key: a new row file, and the old
 * one (when the chunk is rewritten) dropped. */
static int chunk_put(struct mctx *c, const char *key, const char *data,
		     size_t len)
{
	unsigned char v[CHUNK_DESC_LEN];
	struct chunk_desc old;
	struct buf z = BUF_INIT;
	uint64_t id;
	int rc = desc_get(c, key, &old);

	if (rc && rc != -ENOENT)
		return rc;
	if (!rc)
		rc = store_rowfile_drop(c->st, old.id);
	else
		rc = 0;
	if (!rc)
		rc = chunk_compress(data, len, &z);
	if (!rc)
		rc = store_rowfile_put(c->st, z.data, z.len, &id);
	if (!rc) {
		memcpy(v, CHUNK_MAGIC, 4);
		le64_put(v + 4, id);
		le64_put(v + 12, z.len);
		le64_put(v + 20, len);
		rc = store_put(c->st, key, v, sizeof(v));
	}
	buf_release(&z);
	return rc;
}

/* Delete the chunk at key and its row file. */
static int chunk_del(struct mctx *c, const char *key)
{
	struct chunk_desc d;
	int rc = desc_get(c, key, &d);

	if (rc == -ENOENT)
		return 0;
	if (!rc)
		rc = store_rowfile_drop(c->st, d.id);
	if (!rc)
		rc = store_del(c->st, key);
	return rc;
}

/* Replace out with the CSV text of the chunk d describes; z is scratch.
 * A file that does not decompress whole, to the length and checksum it
 * was written with, is -EIO with a line in the daemon's log. */
static int chunk_load(struct store *st, const struct chunk_desc *d,
		      struct buf *z, struct buf *out)
{
	unsigned long long size;
	const char *why = NULL;
	size_t n;
	int rc = store_rowfile_read(st, d->id, d->zsize, z);

	if (rc)
		return rc;
	size = ZSTD_getFrameContentSize(z->data, z->len);
	if (size != d->csv) {
		why = "not the frame it was written as";
		rc = -EIO;
		goto out;
	}
	buf_reset(out);
	rc = buf_grow(out, (size_t)size);
	if (rc)
		goto out;
	n = ZSTD_decompress(out->data, (size_t)size, z->data, z->len);
	if (ZSTD_isError(n) || n != size) {
		why = ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short";
		rc = -EIO;
		goto out;
	}
	out->len = n;
	out->data[n] = '\0';
out:
	if (why)
		store_rowfile_damaged(st, d->id, why);
	return rc;
}

/* Replace out with the CSV text of the chunk at key (-ENOENT if none). */
static int chunk_get(struct mctx *c, const char *key, struct buf *out)
{
	struct buf z = BUF_INIT;
	struct chunk_desc d;
	int rc = desc_get(c, key, &d);

	if (!rc)
		rc = chunk_load(c->st, &d, &z, out);
	buf_release(&z);
	return rc;
}

/* The CSV length of the chunk at key, from its record (0 if none). */
static int chunk_size(struct mctx *c, const char *key, uint64_t *size)
{
	struct chunk_desc d;
	int rc = desc_get(c, key, &d);

	*size = 0;
	if (rc == -ENOENT)
		return 0;
	if (!rc)
		*size = d.csv;
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
			rc = chunk_del(c, key);
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

/* --- snapshots: a dataset's rows read without the model's lock --- */

struct rows_snap {
	struct store *st;
	uint64_t pin;
	struct chunk_desc *d;
	size_t n, at;
	uint64_t bytes;
	int64_t rows;
	struct buf z;		/* a compressed chunk, reused */
};

int rows_snap_take(struct mctx *c, const char *base,
		   const struct rows_meta *m, struct rows_snap **out)
{
	struct rows_snap *s = calloc(1, sizeof(*s));
	char key[ROWS_KEY_MAX];
	struct chunk_desc d;
	uint32_t no;
	int rc;

	if (!s)
		return -ENOMEM;
	s->st = c->st;
	s->rows = m->rows;
	rc = store_pin(c->st, &s->pin);
	if (rc) {
		free(s);
		return rc;
	}
	for (no = m->first; no < m->next && !rc; no++) {
		rows_key(key, sizeof(key), base, no);
		rc = desc_get(c, key, &d);
		if (rc == -ENOENT) {
			rc = 0;
			continue;
		}
		if (rc)
			break;
		if (!(s->n & (s->n + 1))) {
			/* n+1 a power of two (or 0): double */
			struct chunk_desc *v = realloc(s->d, (s->n * 2 + 1) *
							     sizeof(*v));

			if (!v) {
				rc = -ENOMEM;
				break;
			}
			s->d = v;
		}
		s->d[s->n++] = d;
		s->bytes += d.csv;
	}
	if (rc) {
		rows_snap_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int rows_snap_next(struct rows_snap *s, struct buf *out, int *eof)
{
	int rc;

	if (s->at == s->n) {
		buf_reset(out);
		*eof = 1;
		return 0;
	}
	rc = chunk_load(s->st, &s->d[s->at], &s->z, out);
	if (!rc)
		s->at++;
	return rc;
}

void rows_snap_rewind(struct rows_snap *s)
{
	s->at = 0;
}

uint64_t rows_snap_skip(struct rows_snap *s, uint64_t bytes)
{
	while (s->at < s->n && s->d[s->at].csv <= bytes)
		bytes -= s->d[s->at++].csv;
	return s->at < s->n ? bytes : 0;
}

int rows_snap_ident(const struct rows_snap *s, struct buf *out)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < s->n && !rc; i++)
		rc = buf_printf(out, "%" PRIx64 ",", s->d[i].id);
	return rc;
}

uint64_t rows_snap_bytes(const struct rows_snap *s)
{
	return s->bytes;
}

int64_t rows_snap_rows(const struct rows_snap *s)
{
	return s->rows;
}

void rows_snap_free(struct rows_snap *s)
{
	if (!s)
		return;
	store_unpin(s->st, s->pin);
	buf_release(&s->z);
	free(s->d);
	free(s);
}

int rows_destroy(struct mctx *c, const char *base, struct rows_meta *m)
{
	char key[ROWS_KEY_MAX];
	uint32_t no;
	int rc = 0;

	for (no = m->first; no < m->next && !rc; no++) {
		rows_key(key, sizeof(key), base, no);
		rc = chunk_del(c, key);
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

/* --- stores from before row files --- */

struct migrate_keys {
	char **key;
	size_t n, cap;
};

static int migrate_collect(const char *key, const void *val, size_t len,
			   void *arg)
{
	static const unsigned char zmagic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	struct migrate_keys *k = arg;

	if (len < 4 || memcmp(val, zmagic, 4))
		return 0;	/* a descriptor already */
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		char **v = realloc(k->key, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		k->key = v;
		k->cap = cap;
	}
	k->key[k->n] = strdup(key);
	if (!k->key[k->n])
		return -ENOMEM;
	k->n++;
	return 0;
}

/* Move one chunk stored in the TDB file (a zstd frame) to a row file. */
static int migrate_one(struct mctx *c, const char *key, struct buf *z,
		       struct buf *csv)
{
	unsigned long long size;
	size_t n;
	int rc = store_get(c->st, key, z);

	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	size = ZSTD_getFrameContentSize(z->data, z->len);
	if (size == ZSTD_CONTENTSIZE_ERROR ||
	    size == ZSTD_CONTENTSIZE_UNKNOWN || size > ROWS_CHUNK_LIMIT)
		return -EIO;
	buf_reset(csv);
	rc = buf_grow(csv, (size_t)size);
	if (rc)
		return rc;
	n = ZSTD_decompress(csv->data, (size_t)size, z->data, z->len);
	if (ZSTD_isError(n) || n != size)
		return -EIO;
	csv->len = n;
	/* chunk_put() finds no descriptor under key: nothing to drop */
	rc = store_del(c->st, key);
	return rc ? rc : chunk_put(c, key, csv->data, csv->len);
}

int rows_migrate(struct mctx *c, size_t *moved)
{
	struct migrate_keys k = { NULL, 0, 0 };
	struct buf z = BUF_INIT, csv = BUF_INIT;
	size_t i, j;
	int rc = store_each(c->st, "r:", migrate_collect, &k);

	*moved = 0;
	/* a transaction per 64 chunks (16 MiB of rows at most): a crash
	 * leaves each chunk either where it was or in its row file */
	for (i = 0; !rc && i < k.n; i += 64) {
		rc = store_txn_begin(c->st);
		for (j = i; !rc && j < k.n && j < i + 64; j++)
			rc = migrate_one(c, k.key[j], &z, &csv);
		if (rc) {
			store_txn_cancel(c->st);
			break;
		}
		rc = store_txn_commit(c->st);
		if (!rc)
			*moved += j - i;
	}
	for (i = 0; i < k.n; i++)
		free(k.key[i]);
	free(k.key);
	buf_release(&z);
	buf_release(&csv);
	return rc;
}
