/*
 * backup.c - /admin/backup: a consistent copy of the whole store, read as
 * a stream by system admins (SPEC §10).
 *
 * The bytes are a tar archive (ustar, written by libarchive): the TDB
 * file as "store.tdb", then every row file its records name as
 * "rows/ID" (16 hex digits, the file's name in PATH.rows).  `tar tf`
 * lists it; `cjafs --restore FILE` checks it and puts it back.
 *
 * Opening the file takes the snapshot: start() runs under the model's
 * lock, like every operation.  store_snapshot() copies the TDB file into
 * a nameless temporary file next to the store (it is small: rows are in
 * row files); at the same instant the "f:ID" records give the list of
 * row files, and a pin (store_pin) keeps every one of them on disk until
 * the reader closes the file, whatever deletes commit meanwhile.  No
 * transaction is open between operations, so the archive is the store
 * as of the last commit: every write acknowledged before the open is in
 * it, and none acknowledged after.  Row files are immutable, so they are
 * not copied: each is read into the archive when the stream reaches it.
 *
 * Reads then produce the archive a piece at a time (about BACKUP_CHUNK
 * bytes per call: a piece of the TDB copy, or a whole row file, at most
 * a few MiB); the lock is held for each call, as for every stream, not
 * for the whole read.  libarchive writes without blocking
 * (bytes_per_block 0) into the piece being produced.
 *
 * st_size is exact and cheap: a ustar entry is a 512-byte header and its
 * data rounded up to 512 bytes, the archive ends with two zero blocks,
 * and the store keeps the count and the rounded size of the row files
 * its records name (store_rowfile_count(); the first call after a start
 * walks the records, see rowfile.c).  A commit between the
 * stat and the open changes it, as it would for any live file.
 *
 * Reading it again from offset 0 (a seek back) takes a new snapshot.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "backup.h"
#include "mctx.h"
#include "store.h"

#define BACKUP_CHUNK (128 * 1024)
#define BACKUP_TDB_NAME "store.tdb"
#define BACKUP_ROWS_FMT "rows/%016" PRIx64
#define TAR_BLOCK 512

enum backup_stage {
	BK_TDB_HEADER,
	BK_TDB_DATA,
	BK_ROWS,
	BK_CLOSE,
	BK_DONE,
};

struct backup_file {
	uint64_t id;
	uint64_t size;
};

struct backup_cursor {
	struct store *st;
	struct archive *a;
	struct buf *out;	/* the piece being produced, during next() */
	int err;		/* of the last write into out */
	enum backup_stage stage;
	time_t when;
	int fd;			/* the TDB copy */
	uint64_t size, off;
	struct backup_file *files;
	size_t nfiles, cap, at;
	uint64_t pin;
	int pinned;
	struct buf row;		/* a row file being written */
};

static la_ssize_t backup_write(struct archive *a, void *arg, const void *p,
			       size_t len)
{
	struct backup_cursor *b = arg;

	if (!b->out)
		return (la_ssize_t)len;	/* closing without a reader */
	b->err = buf_add(b->out, p, len);
	if (b->err) {
		archive_set_error(a, -b->err, "out of memory");
		return -1;
	}
	return (la_ssize_t)len;
}

static int backup_add_file(uint64_t id, uint64_t size, void *arg)
{
	struct backup_cursor *b = arg;

	if (b->nfiles == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct backup_file *v = realloc(b->files, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->files = v;
		b->cap = cap;
	}
	b->files[b->nfiles].id = id;
	b->files[b->nfiles].size = size;
	b->nfiles++;
	return 0;
}

static void backup_done(void *cursor)
{
	struct backup_cursor *b = cursor;

	if (b->a) {
		b->out = NULL;
		archive_write_free(b->a);
	}
	if (b->pinned)
		store_unpin(b->st, b->pin);
	if (b->fd >= 0)
		close(b->fd);
	buf_release(&b->row);
	free(b->files);
	free(b);
}

static int backup_start(struct mctx *c, const struct obj_ref *ref,
			void **cursor)
{
	struct backup_cursor *b = calloc(1, sizeof(*b));
	int rc;

	if (!b)
		return -ENOMEM;
	b->st = c->st;
	b->fd = -1;
	b->when = time(NULL);
	buf_init(&b->row);
	/* the three under the one lock: the same instant */
	rc = store_snapshot(c->st, &b->fd, &b->size);
	if (!rc)
		rc = store_rowfile_each(c->st, backup_add_file, b);
	if (!rc)
		rc = store_pin(c->st, &b->pin);
	if (rc)
		goto fail;
	b->pinned = 1;
	b->a = archive_write_new();
	if (!b->a) {
		rc = -ENOMEM;
		goto fail;
	}
	if (archive_write_set_format_ustar(b->a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(b->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(b->a, 0) != ARCHIVE_OK ||
	    archive_write_open2(b->a, b, NULL, backup_write, NULL, NULL) !=
		    ARCHIVE_OK) {
		rc = -ENOMEM;
		goto fail;
	}
	*cursor = b;
	return 0;
fail:
	backup_done(b);
	return rc;
}

/* Start the entry name of size bytes. */
static int backup_header(struct backup_cursor *b, const char *name,
			 uint64_t size)
{
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	if (!e)
		return -ENOMEM;
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_mtime(e, b->when, 0);
	if (archive_write_header(b->a, e) != ARCHIVE_OK)
		rc = b->err ? b->err : -EIO;
	archive_entry_free(e);
	return rc;
}

static int backup_data(struct backup_cursor *b, const void *p, size_t len)
{
	la_ssize_t n = archive_write_data(b->a, p, len);

	if (n < 0 || (size_t)n != len)
		return b->err ? b->err : -EIO;
	return 0;
}

/* Add the next piece to out: a piece of the TDB copy, or a row file. */
static int backup_step(struct backup_cursor *b)
{
	char name[32], chunk[8192];
	struct backup_file *f;
	size_t want;
	ssize_t n;
	int rc;

	switch (b->stage) {
	case BK_TDB_HEADER:
		b->stage = BK_TDB_DATA;
		return backup_header(b, BACKUP_TDB_NAME, b->size);
	case BK_TDB_DATA:
		if (b->off >= b->size) {
			b->stage = BK_ROWS;
			return 0;
		}
		want = b->size - b->off;
		if (want > sizeof(chunk))
			want = sizeof(chunk);
		do
			n = pread(b->fd, chunk, want, (off_t)b->off);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		b->off += (uint64_t)n;
		return backup_data(b, chunk, (size_t)n);
	case BK_ROWS:
		if (b->at == b->nfiles) {
			b->stage = BK_CLOSE;
			return 0;
		}
		f = &b->files[b->at++];
		/* a file missing or of another size is -EIO, logged */
		rc = store_rowfile_read(b->st, f->id, f->size, &b->row);
		if (!rc) {
			snprintf(name, sizeof(name), BACKUP_ROWS_FMT, f->id);
			rc = backup_header(b, name, f->size);
		}
		if (!rc)
			rc = backup_data(b, b->row.data, b->row.len);
		buf_reset(&b->row);
		return rc;
	case BK_CLOSE:
		b->stage = BK_DONE;
		if (archive_write_close(b->a) != ARCHIVE_OK)
			return b->err ? b->err : -EIO;
		return 0;
	case BK_DONE:
		break;
	}
	return 0;
}

static int backup_next(struct mctx *c, const struct obj_ref *ref,
		       void *cursor, struct buf *out, int *eof)
{
	struct backup_cursor *b = cursor;
	int rc = 0;

	buf_reset(out);
	b->out = out;
	b->err = 0;
	while (!rc && b->stage != BK_DONE && out->len < BACKUP_CHUNK)
		rc = backup_step(b);
	b->out = NULL;
	*eof = !rc && b->stage == BK_DONE;
	return rc;
}

static uint64_t tar_entry(uint64_t size)
{
	return TAR_BLOCK + (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
}

static int backup_size(struct mctx *c, const struct obj_ref *ref,
		       uint64_t *size)
{
	uint64_t tdb, n, blocks;
	int rc = store_file_size(c->st, &tdb);

	if (rc)
		return rc;
	rc = store_rowfile_count(c->st, &n, &blocks);
	if (rc)
		return rc;
	/* the TDB file, each row file's header and data, two zero blocks */
	*size = tar_entry(tdb) + n * TAR_BLOCK + blocks * TAR_BLOCK +
		2 * TAR_BLOCK;
	return 0;
}

const struct kind_stream_ops backup_stream_ops = {
	.start = backup_start,
	.next = backup_next,
	.done = backup_done,
	.size = backup_size,
};
