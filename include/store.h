/*
 * store.h - the one store API: a TDB file of string keys and byte values.
 *
 * Every change happens inside a transaction: store_put() and store_del()
 * outside one fail with -EINVAL.  store_txn_commit() is durable when it
 * returns 0 (TDB fsyncs the file) and ends the transaction even when it
 * fails; store_txn_cancel() drops every change made since begin.  Nested
 * transactions are refused (-EBUSY): TDB's nesting could undo a committed
 * inner one, so the file is opened with TDB_DISALLOW_NESTING.
 *
 * Reads inside a transaction see the transaction's own changes.
 *
 * Locking: a store is not thread-safe.  The model serializes every call
 * under its one lock (model.h); nothing else opens the file while the
 * daemon runs.
 *
 * Keys are NUL-terminated strings (the NUL is not stored); values are
 * bytes.  Errors are -errno: -ENOENT for a missing key, -EIO for a TDB
 * failure, -ENOMEM, -EINVAL for misuse.
 *
 * The file starts with a version record (key "v"); store_open() refuses a
 * file whose version it does not know, with a message.  It opens a store
 * of the previous version too (STORE_VERSION_1: rows in the TDB file and
 * collection indexes in one record each), which the model converts at
 * open (rows_migrate, dirindex_migrate) and then marks with
 * store_set_version().
 */
#ifndef CJAFS_STORE_H
#define CJAFS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define STORE_VERSION "cjafs-store 2"
#define STORE_VERSION_1 "cjafs-store 1"

struct store;

enum store_open_flags {
	STORE_CREATE = 1,	/* create a new file; -EEXIST if it exists */
	STORE_NOSYNC = 2,	/* no fsync on commit: unit tests only */
};

/*
 * Open (or with STORE_CREATE create) the store at path.  On failure
 * returns -errno and, when err is not NULL, writes a one-line reason
 * ("unknown store version 'x'", "not a cjafs store", strerror...) to err.
 * The caller frees *out with store_close().
 */
int store_open(const char *path, unsigned flags, struct store **out,
	       struct buf *err);
/* Close; cancels a transaction left open. */
void store_close(struct store *st);

int store_txn_begin(struct store *st);
/* Durable on 0; the transaction is over whatever it returns. */
int store_txn_commit(struct store *st);
void store_txn_cancel(struct store *st);
/* Non-zero while a transaction is open. */
int store_in_txn(const struct store *st);

/* The version of the open store: 2 (STORE_VERSION) or 1 (STORE_VERSION_1),
 * or -errno. */
int store_version(struct store *st);
/* Inside a transaction: mark the store as of STORE_VERSION. */
int store_set_version(struct store *st);

/* Replace val's contents with the value; -ENOENT if there is none. */
int store_get(struct store *st, const char *key, struct buf *val);
/* 1 if the key exists, 0 if not, -errno on failure. */
int store_exists(struct store *st, const char *key);
int store_put(struct store *st, const char *key, const void *val, size_t len);
/* Deleting a missing key is not an error. */
int store_del(struct store *st, const char *key);

/*
 * Call fn for every key starting with prefix, in no particular order.
 * This walks the whole file (TDB has no order), so the model keeps index
 * records for anything on a hot path and uses this for checks and
 * maintenance.  A non-zero return from fn stops the walk and is returned.
 * fn must not change the store.  Runs without starting a transaction.
 */
int store_each(struct store *st, const char *prefix,
	       int (*fn)(const char *key, const void *val, size_t len,
			 void *arg),
	       void *arg);

/*
 * Generations: store_generation() grows by one with every commit that
 * changed something.  store_watch_generation() grows only when a commit
 * changed a key starting with the prefix given to store_watch(); the
 * policy uses it to rebuild its view of the Admin Console only when that
 * changed.  One watched prefix per store.
 */
void store_watch(struct store *st, const char *prefix);
uint64_t store_generation(const struct store *st);
uint64_t store_watch_generation(const struct store *st);

/*
 * Row files: immutable byte strings too big for the TDB file (a dataset's
 * rows), kept as files in the directory PATH.rows beside it, each named
 * by an id that is never used twice.  They obey the store's transactions:
 *
 * store_rowfile_put() writes data as a new file, syncs it, and records it
 * in the open transaction (-EINVAL outside one); *id names it.  -ENOSPC
 * when it would leave less free space than the reserve the TDB file needs
 * to go on taking admin changes (half its size plus 8 MiB), or when the
 * disk is full; nothing is left behind.  A cancelled transaction removes
 * the files it wrote; its commit makes them durable with it.
 *
 * store_rowfile_drop() deletes id's record in the open transaction; the
 * file is removed after the commit, as soon as no pin older than the
 * commit is held.
 *
 * store_rowfile_read() replaces out with the contents of id, which must be
 * size bytes (-EIO otherwise, with a line in the daemon's log naming the
 * file).  It needs no lock: a file never changes once written, and a
 * pinned one stays.
 *
 * store_pin() pins the row files that committed records name now: each
 * stays until store_unpin() of that pin, whatever commits do meanwhile.
 * Both are thread-safe and need no lock.
 *
 * At open, files that no committed record names (a crash between a write
 * and its commit, or between a drop and the removal) are removed.
 */
int store_rowfile_put(struct store *st, const void *data, size_t len,
		      uint64_t *id);
int store_rowfile_drop(struct store *st, uint64_t id);
int store_rowfile_read(struct store *st, uint64_t id, size_t size,
		       struct buf *out);
int store_pin(struct store *st, uint64_t *pin);	/* -ENOMEM */
void store_unpin(struct store *st, uint64_t pin);
/* Log (the daemon's log) that row file id is damaged, and why. */
void store_rowfile_damaged(struct store *st, uint64_t id, const char *why);
/* Call fn for every row file committed records name, by id, with the size
 * its record gives; a non-zero return stops and is returned.  From a list
 * in memory; the first call (or store_rowfile_count) after the open walks
 * the records to make it.  Outside a transaction (-EBUSY), under the
 * model's lock; fn may pin. */
int store_rowfile_each(struct store *st,
		       int (*fn)(uint64_t id, uint64_t size, void *arg),
		       void *arg);
/* How many row files committed records name, and the sum of their sizes
 * in 512-byte blocks, each rounded up (what a tar of them takes); from
 * the same list. */
int store_rowfile_count(struct store *st, uint64_t *n, uint64_t *blocks);
/* Bytes the row files take on disk (for usage and benchmarks). */
uint64_t store_rowfile_bytes(struct store *st);


/* Bytes of the file on disk (for status and benchmarks). */
int store_file_size(struct store *st, uint64_t *size);

/*
 * Backup and restore.  store_snapshot() copies the whole file, as of the
 * last commit, into a nameless temporary file next to the store and gives
 * its descriptor (read it with pread from offset 0; close it when done)
 * and size.  -EBUSY inside a transaction.  The caller holds whatever
 * keeps other writers out (the model's lock) for the copy only.  The row
 * files are not in it: list them (store_rowfile_each) and pin them at
 * the same instant.
 *
 * store_restore() installs the backup at from (a tar of store.tdb and
 * rows/ID, or a bare TDB file) as the store at path and its row files,
 * as a unit.  path must not be open (its flock: -EBUSY "in use") and must
 * not exist unless flags has STORE_RESTORE_FORCE (-EEXIST).  It unpacks
 * and checks everything next to path first (version, tdb_check, every
 * row file there, of its size, its checksum right; -EINVAL or -EPROTO
 * with the reason), then puts it in place so that the old store or the
 * whole new one opens at any moment (store.c, "Restore"); store_open()
 * finishes a restore a crash cut short.  err gets a one-line reason.
 */
int store_snapshot(struct store *st, int *fd, uint64_t *size);
enum store_restore_flags {
	STORE_RESTORE_FORCE = 1,	/* replace an existing store */
};
int store_restore(const char *from, const char *path, unsigned flags,
		  struct buf *err);

#endif
