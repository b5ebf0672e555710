/*
 * backup.c - /admin/backup: a consistent copy of the whole store, read as
 * a stream by system admins (SPEC §10).
 *
 * Opening the file takes the snapshot: start() runs under the model's
 * lock, like every operation, and store_snapshot() copies the file into a
 * nameless temporary file next to the store.  No transaction is open
 * between operations, so the copy is the store as of the last commit:
 * every write acknowledged before the open is in it, and none that was
 * acknowledged after.  The other callers wait for the copy only (the
 * README gives the time per GiB).  Reads then come from the temporary
 * file, a piece of BACKUP_CHUNK bytes per call; the lock is held for
 * each pread, as for every stream, not for the whole read.
 *
 * The bytes are a TDB file, the store itself: `cjafs --restore FILE`
 * puts it back, and tdbtool reads it.  The file is closed (and its space
 * given back) when the reader closes it.  Reading it again from offset 0
 * (a seek back) takes a new snapshot.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "mctx.h"
#include "store.h"

#define BACKUP_CHUNK (128 * 1024)

struct backup_cursor {
	int fd;
	uint64_t size;
	uint64_t off;
};

static int backup_start(struct mctx *c, const struct obj_ref *ref,
			void **cursor)
{
	struct backup_cursor *b = calloc(1, sizeof(*b));
	int rc;

	if (!b)
		return -ENOMEM;
	rc = store_snapshot(c->st, &b->fd, &b->size);
	if (rc) {
		free(b);
		return rc;
	}
	*cursor = b;
	return 0;
}

static int backup_next(struct mctx *c, const struct obj_ref *ref, void *cursor,
		       struct buf *out, int *eof)
{
	struct backup_cursor *b = cursor;
	size_t want;
	ssize_t n;
	int rc;

	if (b->off >= b->size) {
		*eof = 1;
		return 0;
	}
	want = b->size - b->off;
	if (want > BACKUP_CHUNK)
		want = BACKUP_CHUNK;
	rc = buf_grow(out, want);
	if (rc)
		return rc;
	do
		n = pread(b->fd, out->data + out->len, want, b->off);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	out->len += n;
	out->data[out->len] = '\0';
	b->off += n;
	*eof = b->off >= b->size;
	return 0;
}

static void backup_done(void *cursor)
{
	struct backup_cursor *b = cursor;

	close(b->fd);
	free(b);
}

const struct kind_stream_ops backup_stream_ops = {
	.start = backup_start,
	.next = backup_next,
	.done = backup_done,
};
