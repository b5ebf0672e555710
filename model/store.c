/*
 * store.c - the one store: a TDB file of string keys and byte values.
 *
 * Owns the tdb_context and is the only file that includes tdb.h or touches
 * TDB_DATA; everything above sees -errno (store.h).  tdb errors map as
 * NOEXIST -> -ENOENT, OOM -> -ENOMEM, EXISTS -> -EEXIST, NESTING -> -EBUSY,
 * anything else -> -EIO.
 *
 * Invariants:
 * - in_txn mirrors tdb's transaction state: begin sets it only when
 *   tdb_transaction_start() worked, and commit and cancel always clear it.
 *   If tdb_transaction_commit() fails and tdb still has a transaction
 *   open, we cancel it, so a failed commit never leaves one behind.
 * - txn_changed and txn_watch record whether the open transaction wrote
 *   anything, and whether it wrote under the watched prefix.  The
 *   generations move only when a commit succeeds with txn_changed set, so
 *   cancels, empty commits and deletes of missing keys never move them.
 *   Generations live in memory and start at 0 on every open.
 *
 * Choices:
 * - One opener.  The daemon is the only process that opens the store:
 *   store_open() takes an exclusive flock(2) on the file (on a
 *   descriptor of its own) and fails with -EBUSY "store is in use by
 *   another process" while anyone else holds it, so a second daemon on
 *   the same store is refused instead of racing the first.  Because
 *   nothing else can touch the file, tdb runs with TDB_NOLOCK: no fcntl
 *   locks per fetch or per transaction.  tdb still recovers a
 *   half-written transaction when the file is opened (it does whatever
 *   the locking flags), so a kill -9 at any instant leaves the store as
 *   of the last successful commit.  tdbtool on the live file reads it
 *   without locks; check a copy, or stop the daemon first.
 * - Open flags.  TDB_DISALLOW_NESTING: a nested transaction's commit can
 *   be undone by the outer one.  TDB_INCOMPATIBLE_HASH selects the
 *   Jenkins hash for new files; reopening works with either hash because
 *   tdb detects the file's hash from its header.
 * - TDB_NOMMAP: tdb reads and writes with pread/pwrite.  A mapped file
 *   makes an uncached fetch cheaper (no system call instead of about six
 *   preads), but it counts the store's pages in the daemon's resident
 *   set, and tdb maps the file again after every commit, so commits cost
 *   more (8 concurrent writers made about 1.5 times fewer commits a
 *   second).  The read cache below gives back the fetch cost.  (The
 *   torture's "invalid tailer" damage, see "Check and repair at open",
 *   showed up mapped and unmapped alike.)
 * - No TDB_MUTEX_LOCKING: tdb refuses it together with TDB_NOMMAP, and
 *   one opener needs no locks.  Files created by earlier versions with
 *   robust mutexes cannot be opened without it (tdb says EINVAL), so
 *   store_open() then opens them as they were made, with mutexes and
 *   mapped.  The first process to open a mutex file reinitialises the
 *   mutexes, so a mutex that was held when the machine crashed does not
 *   hang the next open.  Checking for robust mutexes (only then) forks a
 *   child and installs a SIGCHLD handler that is never removed, so such
 *   stores are best opened before starting threads.
 * - Check and repair at open.  tdb recovers a transaction cut short by a
 *   crash when the file is opened.  The kill -9 torture found that this
 *   recovery can leave tdb's free space inconsistent (a free record with
 *   a wrong tailer, "invalid tailer" from tdb_check, after a kill inside
 *   a commit that grew the file): every record is there, but tdbtool
 *   check fails from then on.  So store_open() runs tdb_check() on every
 *   open and, when it fails, rebuilds the file with tdb_repack() (every
 *   record copied out and back in one transaction, the free list made
 *   anew) and checks again; a store that still fails is refused.  The
 *   check reads the whole file: tens of milliseconds for a million rows,
 *   and a pread per hash chain even when empty.  A store closed cleanly
 *   has nothing to recover, so store_close() leaves a mark (the key
 *   "clean", in a transaction of its own) and an open that finds it
 *   skips the check; every open clears the mark before it returns, so a
 *   daemon killed after that leaves none and the next open checks.
 * - A read cache.  Unmapped, a fetch is about six preads (20-25us), and a
 *   getattr makes several, so store_get() and store_exists() answer from
 *   a cache of the records already read (and of keys found missing):
 *   about 0.2us.  It is only correct because this process is the store's
 *   one opener (above), and it is kept so by three rules.  A write or
 *   delete evicts the key at once, inside the transaction, so a key the
 *   open transaction touched is never answered from the cache.  Nothing
 *   is added while a transaction is open, so an uncommitted value (or a
 *   cancelled one) never enters it.  Values over STORE_CACHE_VALUE_MAX
 *   (row chunks) are not kept.  The cache holds at most
 *   STORE_CACHE_BYTES of keys and values; when a new entry would pass
 *   that, it is emptied and starts again, which bounds memory without
 *   bookkeeping per hit.  It is caller-independent raw store data: the
 *   policy still decides what each caller sees.
 * - Hash size 131071 for new files (tdb uses the file's own size on
 *   reopen): 512 KiB of chain heads.  A fetch walks its chain, so the
 *   chains must stay short as the store grows: a tree of 350,000 object
 *   and index records averages under 3 per chain.  Rows are stored in
 *   chunk records of up to 256 KiB, so even millions of rows add few
 *   records.
 * - A plain open does not pass O_CREAT.  A missing file is -ENOENT; we
 *   do not leave an empty tdb behind that would then fail the version
 *   check.  STORE_CREATE uses O_CREAT|O_EXCL and writes "v" in a
 *   transaction.  Unless STORE_NOSYNC is set, it also fsyncs the
 *   directory so that the new name survives a crash.  If any step fails,
 *   it unlinks the file it created.
 * - Open errors.  The reason is appended to err, so a caller can write
 *   a prefix such as the path first.  A TDB without "v" is -EINVAL
 *   "not a cjafs store".  A file that is not a TDB at all (empty, or
 *   lacking tdb's magic) gets the same answer.  A different version is
 *   -EPROTO "unknown store version 'x'", with non-printable bytes shown
 *   as '?'.  The previous version (STORE_VERSION_1) opens, and so does a
 *   backup of it restore: converting it is the model's business
 *   (model_open), since only the layout of its records changed.  Other failures give tdb's last log line, or strerror when
 *   tdb logged nothing.
 * - Opening a file this process already has open is -EBUSY too: the
 *   flock is per open file, so the second open conflicts with the first.
 * - Keys must be non-empty.  "v" is reserved: store_put() and
 *   store_del() on it fail with -EINVAL, but it can be read and
 *   store_each() shows it.
 * - store_get() uses tdb_parse_record(): one copy from the map into the
 *   caller's buf, with no malloc/free per read.  It also tells a missing
 *   key apart from an error, which tdb_exists() cannot.
 * - store_each() uses tdb_traverse_read() and never starts a transaction.
 *   Outside a transaction it first takes tdb_lockall_read().  Otherwise
 *   tdb takes an fcntl lock for every record: 100,000 records took 900ms
 *   that way and 17ms under the lock.  Inside a transaction the
 *   transaction's own all-record lock already covers this, and so does
 *   the outer walk's lock when fn calls store_each() again (tdb refuses
 *   tdb_lockall_read() inside a traverse).  Keys reach fn as
 *   NUL-terminated copies.  Keys that store_put() could not have written
 *   are skipped: empty keys, and keys with a NUL byte (for example
 *   Samba-style keys that end in NUL).  Values are passed borrowed,
 *   without a NUL, and are valid only during the call.
 * - Memory goes back after a transaction that grew the file
 *   (malloc_trim).  tdb keeps everything a transaction writes in memory
 *   until the commit, in 4 KiB blocks, and growing the file inside a
 *   transaction writes the new space there too (25% of the file at a
 *   time): commits of 1 MiB of rows into a 40 MB store peaked at 11 MB
 *   (heaptrack).  glibc keeps what is freed in the arena of the thread
 *   that freed it, and each FUSE worker has its own, so ingesting 3
 *   million rows left 50 MiB resident for good.  Not after every
 *   commit: the next transaction then pays a page fault for every page
 *   it touches again, and a million-row ingest (60 commits) took 60%
 *   longer.  The file grows by a quarter at a time, so that is a few
 *   trims over the life of a store; a cancel (rare) trims too.
 * - The tdb log function keeps only the last WARNING-or-worse line
 *   (newlines turned into spaces) in a fixed buffer, so logging never
 *   allocates; once the store is open it also writes that line to
 *   stderr (the daemon's log), so an -EIO has its reason there.
 * - store_watch() copies the prefix.  If that copy fails, it watches
 *   everything: extra watch bumps cost a rebuild, while missed bumps
 *   would be a bug.
 * - Backup and restore.  A snapshot is a copy of the file taken between
 *   transactions: the model calls store_snapshot() under its one lock,
 *   so no commit is half-written, and tdb leaves no recovery to replay
 *   after a commit returns, so the copy is a store as of the last
 *   commit.  The copy uses copy_file_range (one system call per
 *   gigabyte or so; shared extents where the filesystem can, otherwise
 *   a copy inside the kernel) into a file next to the store, unlinked at
 *   once so that nothing is left behind, and is read from there without
 *   the lock.  It costs the store file's size in free space while it is
 *   read; the row files are not copied (backup.c pins them).
 * - Restore.  store_restore() takes a backup archive (a tar of store.tdb
 *   and rows/ID, read with libarchive) or a bare TDB file (a backup from
 *   before row files).  It unpacks it into a new directory
 *   PATH.restore-XXXXXX (store.tdb and store.tdb.rows, each file
 *   fdatasync'd), checks it there (tdb opens it, which replays a commit
 *   cut short, then "v" and tdb_check; then every row file the "f:ID"
 *   records name: there, of the recorded size, one zstd frame that
 *   decodes with its checksum), and renames the directory to
 *   PATH.restore: that rename is the commit point.  store_restore_finish()
 *   then moves PATH.rows aside (PATH.rows.old), the new rows directory to
 *   PATH.rows, the new store file over PATH, and removes what is left.
 *   Every open of the store runs store_restore_finish() first, and each
 *   step is taken again if a crash cut it short, so a store file is
 *   never opened with another store's rows: before the commit point the
 *   old store is untouched (a PATH.restore-XXXXXX left by a crash is
 *   inert and can be removed), after it the new one is finished.  It
 *   refuses a store some daemon holds (the flock of "One opener"), and
 *   an existing one without STORE_RESTORE_FORCE.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <tdb.h>

#include "rowfile.h"
#include "store.h"

#define STORE_HASH_SIZE 131071
#define STORE_RESTORE_WAIT_MS 5000	/* for a daemon that is exiting */
#define STORE_CACHE_SLOTS 65536			/* a power of two */
#define STORE_CACHE_BYTES (32u * 1024 * 1024)
#define STORE_CACHE_VALUE_MAX (16 * 1024)

/* One cached record: key (NUL-terminated) then value, or a missing key. */
struct cache_ent {
	struct cache_ent *next;
	uint32_t hash;
	uint32_t klen;
	uint32_t vlen;
	int missing;
	char data[];
};
#define STORE_VERSION_KEY "v"
#define STORE_CLEAN_KEY "clean"	/* there only while closed cleanly */
#define STORE_TDB_MAGIC "TDB file\n"

struct store {
	struct tdb_context *tdb;
	char *path;		/* as opened: snapshots go next to it */
	unsigned flags;
	int lock_fd;		/* holds the exclusive flock; -1 if none */
	int opened;		/* store_open() succeeded: log tdb to stderr */
	struct cache_ent **cache;	/* STORE_CACHE_SLOTS chains, or NULL */
	size_t cache_bytes;
	int in_txn;
	int txn_changed;
	int txn_watch;
	off_t txn_size;		/* the file's size when the txn began */
	uint64_t gen;
	uint64_t watch_gen;
	int each_depth; /* store_each() calls in progress (fn may nest) */
	int watching;
	struct buf watch;
	struct rowfiles *rf;	/* the row files beside the file */
	char log[256];
};

struct rowfiles *store_rowfiles(struct store *st)
{
	return st->rf;
}

static void store_log(struct tdb_context *tdb, enum tdb_debug_level level,
		      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void store_log(struct tdb_context *tdb, enum tdb_debug_level level,
		      const char *fmt, ...)
{
	struct store *st = tdb_get_logging_private(tdb);
	va_list ap;
	size_t n;
	char *p;

	if (!st || level > TDB_DEBUG_WARNING)
		return;
	va_start(ap, fmt);
	vsnprintf(st->log, sizeof(st->log), fmt, ap);
	va_end(ap);
	for (p = st->log; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	n = strlen(st->log);
	while (n && st->log[n - 1] == ' ')
		st->log[--n] = '\0';
	/* once open, what tdb complains of goes to the daemon's log too: an
	 * -EIO from the store then says why */
	if (st->opened)
		fprintf(stderr, "cjafs: tdb: %s\n", st->log);
}

static void store_seterr(struct buf *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void store_seterr(struct buf *err, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* nothing better to do on -ENOMEM: the caller has the errno */
	buf_addstr(err, line);
}

static int store_errno(struct store *st)
{
	switch (tdb_error(st->tdb)) {
	case TDB_ERR_NOEXIST:
		return -ENOENT;
	case TDB_ERR_OOM:
		return -ENOMEM;
	case TDB_ERR_EXISTS:
		return -EEXIST;
	case TDB_ERR_NESTING:
		return -EBUSY;
	case TDB_ERR_IO:
		/* a full disk is no damage: the writer is told so (callers
		 * clear errno before the tdb call) */
		if (errno == ENOSPC || errno == EDQUOT)
			return -ENOSPC;
		return -EIO;
	default:
		return -EIO;
	}
}

static int store_key(const char *key, TDB_DATA *k)
{
	if (!key || !*key)
		return -EINVAL;
	k->dptr = (unsigned char *)key;
	k->dsize = strlen(key);
	return 0;
}

/* --- the read cache (see "A read cache" above) --- */

static uint32_t cache_hash(const char *key, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 16777619u;
	}
	return h;
}

static void cache_clear(struct store *st)
{
	size_t i;

	if (!st->cache)
		return;
	for (i = 0; i < STORE_CACHE_SLOTS; i++) {
		while (st->cache[i]) {
			struct cache_ent *e = st->cache[i];

			st->cache[i] = e->next;
			free(e);
		}
	}
	st->cache_bytes = 0;
}

static struct cache_ent **cache_slot(struct store *st, const char *key,
				     size_t klen, uint32_t h)
{
	struct cache_ent **pp = &st->cache[h & (STORE_CACHE_SLOTS - 1)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && (*pp)->klen == klen &&
		    !memcmp((*pp)->data, key, klen))
			break;
	return pp;
}

static struct cache_ent *cache_find(struct store *st, const char *key)
{
	size_t klen = strlen(key);

	if (!st->cache)
		return NULL;
	return *cache_slot(st, key, klen, cache_hash(key, klen));
}

static void cache_evict(struct store *st, const char *key)
{
	size_t klen = strlen(key);
	struct cache_ent **pp, *e;

	if (!st->cache)
		return;
	pp = cache_slot(st, key, klen, cache_hash(key, klen));
	e = *pp;
	if (!e)
		return;
	*pp = e->next;
	st->cache_bytes -= sizeof(*e) + e->klen + 1 + e->vlen;
	free(e);
}

/* Keep what tdb answered for key outside a transaction: its value, or
 * val NULL for a missing key.  Failing to allocate only loses speed. */
static void cache_add(struct store *st, const char *key, const void *val,
		      size_t vlen)
{
	size_t klen = strlen(key), size;
	struct cache_ent **pp, *e;
	uint32_t h;

	if (st->in_txn || vlen > STORE_CACHE_VALUE_MAX)
		return;
	if (!st->cache) {
		st->cache = calloc(STORE_CACHE_SLOTS, sizeof(*st->cache));
		if (!st->cache)
			return;
	}
	h = cache_hash(key, klen);
	pp = cache_slot(st, key, klen, h);
	if (*pp)
		return;
	size = sizeof(*e) + klen + 1 + vlen;
	if (st->cache_bytes + size > STORE_CACHE_BYTES) {
		cache_clear(st);
		pp = cache_slot(st, key, klen, h);
	}
	e = malloc(size);
	if (!e)
		return;
	e->next = NULL;
	e->hash = h;
	e->klen = klen;
	e->vlen = vlen;
	e->missing = val == NULL;
	memcpy(e->data, key, klen + 1);
	if (vlen)
		memcpy(e->data + klen + 1, val, vlen);
	*pp = e;
	st->cache_bytes += size;
}

/* Note a successful write of key in the open transaction. */
static void store_touch(struct store *st, const char *key)
{
	st->txn_changed = 1;
	if (st->watching && (st->watch.len == 0 ||
			     !strncmp(key, st->watch.data, st->watch.len)))
		st->txn_watch = 1;
}

static int store_restore_finish(const char *path, struct buf *err);

/* Is the file at path too short for, or lacking, tdb's magic? */
static int store_not_tdb(const char *path)
{
	char head[sizeof(STORE_TDB_MAGIC) - 1];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n < 0)
		return 0;
	return (size_t)n < sizeof(head) || memcmp(head, STORE_TDB_MAGIC, n);
}

static int store_sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	struct buf dir = BUF_INIT;
	int fd, rc;

	if (!slash)
		rc = buf_addstr(&dir, ".");
	else if (slash == path)
		rc = buf_addstr(&dir, "/");
	else
		rc = buf_add(&dir, path, slash - path);
	if (rc)
		return rc;
	fd = open(dir.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	if (fsync(fd))
		rc = -errno;
	close(fd);
out:
	buf_release(&dir);
	return rc;
}

/* Store without the reserved-key check; the caller checked in_txn. */
static int store_write(struct store *st, const char *key, const void *val,
		       size_t len)
{
	TDB_DATA k, d;
	int rc;

	rc = store_key(key, &k);
	if (rc)
		return rc;
	d.dptr = (unsigned char *)val;
	d.dsize = len;
	cache_evict(st, key);
	errno = 0;
	if (tdb_store(st->tdb, k, d, TDB_REPLACE))
		return store_errno(st);
	store_touch(st, key);
	return 0;
}

static int store_create_version(struct store *st, const char *path,
				struct buf *err)
{
	int rc;

	st->log[0] = '\0';
	rc = store_txn_begin(st);
	if (rc)
		goto out_err;
	rc = store_write(st, STORE_VERSION_KEY, STORE_VERSION,
			 strlen(STORE_VERSION));
	if (rc) {
		store_txn_cancel(st);
		goto out_err;
	}
	rc = store_txn_commit(st);
	if (rc)
		goto out_err;
	st->gen = 0;
	st->watch_gen = 0;
	if (!(st->flags & STORE_NOSYNC)) {
		rc = store_sync_dir(path);
		if (rc) {
			store_seterr(err, "cannot sync directory: %s",
				     strerror(-rc));
			return rc;
		}
	}
	return 0;
out_err:
	store_seterr(err, "cannot write store version: %s",
		     st->log[0] ? st->log : strerror(-rc));
	return rc;
}

/* 2 for STORE_VERSION, 1 for STORE_VERSION_1, 0 for anything else. */
static int store_version_known(const void *v, size_t len)
{
	if (len == strlen(STORE_VERSION) && !memcmp(v, STORE_VERSION, len))
		return 2;
	if (len == strlen(STORE_VERSION_1) && !memcmp(v, STORE_VERSION_1, len))
		return 1;
	return 0;
}

int store_version(struct store *st)
{
	struct buf v = BUF_INIT;
	int rc = store_get(st, STORE_VERSION_KEY, &v);

	if (!rc)
		rc = store_version_known(v.data, v.len) ?: -EPROTO;
	buf_release(&v);
	return rc;
}

int store_set_version(struct store *st)
{
	if (!st->in_txn)
		return -EINVAL;
	return store_write(st, STORE_VERSION_KEY, STORE_VERSION,
			   strlen(STORE_VERSION));
}

static int store_check_version(struct store *st, struct buf *err)
{
	struct buf v = BUF_INIT;
	char shown[68];
	size_t i, n;
	int rc;

	st->log[0] = '\0';
	rc = store_get(st, STORE_VERSION_KEY, &v);
	if (rc == -ENOENT) {
		store_seterr(err, "not a cjafs store");
		rc = -EINVAL;
		goto out;
	}
	if (rc) {
		store_seterr(err, "cannot read store version: %s",
			     st->log[0] ? st->log : strerror(-rc));
		goto out;
	}
	if (store_version_known(v.data, v.len))
		goto out;
	n = v.len < 64 ? v.len : 64;
	for (i = 0; i < n; i++) {
		unsigned char c = v.data[i];

		shown[i] = c < 0x20 || c >= 0x7f || c == '\'' ? '?' : c;
	}
	if (v.len > n)
		memcpy(shown + n, "...", 4);
	else
		shown[n] = '\0';
	store_seterr(err, "unknown store version '%s'", shown);
	rc = -EPROTO;
out:
	buf_release(&v);
	return rc;
}

/* Open path (creating it with O_EXCL for STORE_CREATE) and take the
 * exclusive flock that makes this process the store's one opener. */
static int store_lock(struct store *st, const char *path, struct buf *err)
{
	int oflags = O_RDWR | O_CLOEXEC, rc;

	if (st->flags & STORE_CREATE)
		oflags |= O_CREAT | O_EXCL;
	st->lock_fd = open(path, oflags, 0600);
	if (st->lock_fd < 0) {
		rc = -errno;
		store_seterr(err, "%s", strerror(-rc));
		return rc;
	}
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
	if (rc == -EBUSY)
		store_seterr(err, "store is in use by another process");
	else
		store_seterr(err, "cannot lock the store: %s", strerror(-rc));
	close(st->lock_fd);
	st->lock_fd = -1;
	return rc;
}

/* Set (at a clean close) or clear (at open) the clean mark, in a
 * transaction of its own. */
static int store_mark_clean(struct store *st, int clean)
{
	int rc = store_txn_begin(st);

	if (rc)
		return rc;
	if (clean) {
		rc = store_write(st, STORE_CLEAN_KEY, "1", 1);
	} else {
		TDB_DATA k = { (unsigned char *)STORE_CLEAN_KEY,
			       strlen(STORE_CLEAN_KEY) };

		cache_evict(st, STORE_CLEAN_KEY);
		if (tdb_delete(st->tdb, k) &&
		    tdb_error(st->tdb) != TDB_ERR_NOEXIST)
			rc = store_errno(st);
		st->txn_changed = 1;
	}
	if (rc) {
		store_txn_cancel(st);
		return rc;
	}
	return store_txn_commit(st);
}

/* After tdb's own recovery at open: unless the store was closed cleanly,
 * check the whole file, and rebuild it with tdb_repack() when the check
 * fails (see "Check and repair at open" above).  Then clear the clean
 * mark, so that a crash from here on means a check at the next open. */
static int store_repair(struct store *st, struct buf *err)
{
	int rc = store_exists(st, STORE_CLEAN_KEY);

	if (rc < 0)
		goto out_err;
	if (rc == 1) {
		rc = store_mark_clean(st, 0);
		if (rc)
			goto out_err;
		return 0;
	}
	st->log[0] = '\0';
	if (tdb_check(st->tdb, NULL, NULL) == 0)
		return 0;
	fprintf(stderr, "cjafs: store check failed (%s); rebuilding it\n",
		st->log[0] ? st->log : "no detail");
	st->log[0] = '\0';
	if (tdb_repack(st->tdb) || tdb_check(st->tdb, NULL, NULL)) {
		store_seterr(err, "store is damaged and could not be rebuilt: "
			     "%s", st->log[0] ? st->log : "tdb_check failed");
		return -EIO;
	}
	fprintf(stderr, "cjafs: store rebuilt; every record kept\n");
	return 0;
out_err:
	store_seterr(err, "cannot open the store: %s",
		     st->log[0] ? st->log : strerror(-rc));
	return rc;
}

int store_open(const char *path, unsigned flags, struct store **out,
	       struct buf *err)
{
	struct tdb_logging_context log_ctx;
	int tdb_flags, rc;
	struct store *st;

	if (out)
		*out = NULL;
	if (!path || !out || (flags & ~(STORE_CREATE | STORE_NOSYNC))) {
		store_seterr(err, "invalid arguments to store_open");
		return -EINVAL;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		store_seterr(err, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	buf_init(&st->watch);
	st->flags = flags;
	st->path = strdup(path);
	if (!st->path) {
		store_seterr(err, "%s", strerror(ENOMEM));
		rc = -ENOMEM;
		goto out_free;
	}
	/* a restore cut short by a crash is finished before anything */
	if (!(flags & STORE_CREATE)) {
		rc = store_restore_finish(path, err);
		if (rc)
			goto out_free;
	}
	rc = store_lock(st, path, err);
	if (rc)
		goto out_free;

	/* see the notes on one opener and on open flags above */
	tdb_flags = TDB_DISALLOW_NESTING | TDB_INCOMPATIBLE_HASH | TDB_NOLOCK |
		    TDB_NOMMAP;
	if (flags & STORE_NOSYNC)
		tdb_flags |= TDB_NOSYNC;
	log_ctx.log_fn = store_log;
	log_ctx.log_private = st;

	/* O_CREAT without O_EXCL: store_lock() made the file, empty, and tdb
	 * writes a new database into an empty file only with O_CREAT */
	errno = 0;
	st->tdb = tdb_open_ex(path, STORE_HASH_SIZE, tdb_flags,
			      O_RDWR | (flags & STORE_CREATE ? O_CREAT : 0),
			      0600, &log_ctx, NULL);
	if (!st->tdb && errno == EINVAL && !(flags & STORE_CREATE) &&
	    tdb_runtime_check_for_robust_mutexes()) {
		/* a store made with robust mutexes: open it as it was made */
		st->log[0] = '\0';
		errno = 0;
		st->tdb = tdb_open_ex(path, STORE_HASH_SIZE,
				      (tdb_flags & ~(TDB_NOLOCK | TDB_NOMMAP)) |
					      TDB_MUTEX_LOCKING,
				      O_RDWR, 0600, &log_ctx, NULL);
	}
	if (!st->tdb) {
		rc = errno ? -errno : -EIO;
		if (rc == -EIO && store_not_tdb(path)) {
			store_seterr(err, "not a cjafs store");
			rc = -EINVAL;
		} else {
			store_seterr(err, "%s",
				     st->log[0] ? st->log : strerror(-rc));
		}
		goto out_unlock;
	}

	if (flags & STORE_CREATE)
		rc = store_create_version(st, path, err);
	else
		rc = store_check_version(st, err);
	if (!rc && !(flags & STORE_CREATE))
		rc = store_repair(st, err);
	if (!rc)
		rc = rowfiles_open(st, path, !!(flags & STORE_NOSYNC), &st->rf,
				   err);
	if (rc)
		goto out_close;
	st->opened = 1;
	*out = st;
	return 0;

out_close:
	tdb_close(st->tdb);
	cache_clear(st);	/* the version check read through the cache */
	free(st->cache);
out_unlock:
	/* O_EXCL made the file ours: do not leave half a store behind */
	if (flags & STORE_CREATE)
		unlink(path);
	close(st->lock_fd);
out_free:
	buf_release(&st->watch);
	free(st->path);
	free(st);
	return rc;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	if (st->in_txn)
		store_txn_cancel(st);
	/* a failure leaves the mark unset: the next open checks the file */
	store_mark_clean(st, 1);
	rowfiles_close(st->rf);
	tdb_close(st->tdb);
	close(st->lock_fd);
	cache_clear(st);
	free(st->cache);
	buf_release(&st->watch);
	free(st->path);
	free(st);
}

/* The file's size, -1 if fstat fails (then every commit trims). */
static off_t store_size(struct store *st)
{
	struct stat sb;

	return fstat(tdb_fd(st->tdb), &sb) ? -1 : sb.st_size;
}

int store_txn_begin(struct store *st)
{
	if (st->in_txn)
		return -EBUSY;
	if (tdb_transaction_start(st->tdb))
		return store_errno(st);
	st->txn_size = store_size(st);
	st->in_txn = 1;
	st->txn_changed = 0;
	st->txn_watch = 0;
	return 0;
}

int store_txn_commit(struct store *st)
{
	int rc = 0;

	if (!st->in_txn)
		return -EINVAL;
	if (st->rf)
		rc = rowfiles_precommit(st->rf);
	if (rc) {
		tdb_transaction_cancel(st->tdb);
	} else if (errno = 0, tdb_transaction_commit(st->tdb)) {
		rc = store_errno(st);
		/* tdb may keep it open on some failures; we never do */
		if (tdb_transaction_active(st->tdb))
			tdb_transaction_cancel(st->tdb);
	} else if (st->txn_changed) {
		st->gen++;
		if (st->txn_watch)
			st->watch_gen++;
	}
	if (st->rf)
		rowfiles_end(st->rf, rc == 0);
	st->in_txn = 0;
	st->txn_changed = 0;
	st->txn_watch = 0;
	if (st->txn_size < 0 || store_size(st) != st->txn_size)
		malloc_trim(0);
	return rc;
}

void store_txn_cancel(struct store *st)
{
	if (!st->in_txn)
		return;
	tdb_transaction_cancel(st->tdb);
	if (st->rf)
		rowfiles_end(st->rf, 0);
	st->in_txn = 0;
	st->txn_changed = 0;
	st->txn_watch = 0;
	malloc_trim(0);
}

int store_in_txn(const struct store *st)
{
	return st->in_txn;
}

struct store_get_ctx {
	struct buf *val;
	int rc;
};

static int store_get_parser(TDB_DATA key, TDB_DATA data, void *arg)
{
	struct store_get_ctx *ctx = arg;

	if (ctx->val)
		ctx->rc = buf_set(ctx->val, data.dptr, data.dsize);
	return 0;
}

/* Parse key into ctx; -ENOENT if missing. */
static int store_parse(struct store *st, const char *key,
		       struct store_get_ctx *ctx)
{
	TDB_DATA k;
	int rc;

	rc = store_key(key, &k);
	if (rc)
		return rc;
	ctx->rc = 0;
	if (tdb_parse_record(st->tdb, k, store_get_parser, ctx) == -1)
		return store_errno(st);
	return ctx->rc;
}

int store_get(struct store *st, const char *key, struct buf *val)
{
	struct store_get_ctx ctx = {val, 0};
	struct cache_ent *e;
	int rc;

	buf_reset(val);
	if (!key || !*key)
		return -EINVAL;
	e = cache_find(st, key);
	if (e)
		return e->missing ? -ENOENT :
				    buf_set(val, e->data + e->klen + 1, e->vlen);
	rc = store_parse(st, key, &ctx);
	if (rc == -ENOENT)
		cache_add(st, key, NULL, 0);
	else if (!rc)
		cache_add(st, key, val->data ? val->data : "", val->len);
	return rc;
}

int store_exists(struct store *st, const char *key)
{
	struct store_get_ctx ctx = {NULL, 0};
	struct cache_ent *e;
	int rc;

	if (!key || !*key)
		return -EINVAL;
	e = cache_find(st, key);
	if (e)
		return !e->missing;
	rc = store_parse(st, key, &ctx);
	if (rc == -ENOENT) {
		cache_add(st, key, NULL, 0);
		return 0;
	}
	return rc ? rc : 1;
}

int store_put(struct store *st, const char *key, const void *val, size_t len)
{
	if (!st->in_txn)
		return -EINVAL;
	if (key && (!strcmp(key, STORE_VERSION_KEY) ||
		    !strcmp(key, STORE_CLEAN_KEY)))
		return -EINVAL;
	return store_write(st, key, val, len);
}

int store_del(struct store *st, const char *key)
{
	TDB_DATA k;
	int rc;

	if (!st->in_txn)
		return -EINVAL;
	rc = store_key(key, &k);
	if (rc)
		return rc;
	if (!strcmp(key, STORE_VERSION_KEY) || !strcmp(key, STORE_CLEAN_KEY))
		return -EINVAL;
	cache_evict(st, key);
	if (tdb_delete(st->tdb, k)) {
		rc = store_errno(st);
		return rc == -ENOENT ? 0 : rc;
	}
	store_touch(st, key);
	return 0;
}

struct store_each_ctx {
	const char *prefix;
	size_t plen;
	int (*fn)(const char *key, const void *val, size_t len, void *arg);
	void *arg;
	struct buf key;
	int rc;
};

static int store_each_one(struct tdb_context *tdb, TDB_DATA k, TDB_DATA d,
			  void *arg)
{
	struct store_each_ctx *ctx = arg;

	if (k.dsize < ctx->plen ||
	    (ctx->plen && memcmp(k.dptr, ctx->prefix, ctx->plen)))
		return 0;
	/* not a key store_put() could write: skip rather than truncate */
	if (!k.dsize || memchr(k.dptr, '\0', k.dsize))
		return 0;
	ctx->rc = buf_set(&ctx->key, k.dptr, k.dsize);
	if (ctx->rc)
		return 1;
	ctx->rc = ctx->fn(ctx->key.data, d.dptr, d.dsize, ctx->arg);
	return ctx->rc != 0;
}

int store_each(struct store *st, const char *prefix,
	       int (*fn)(const char *key, const void *val, size_t len,
			 void *arg),
	       void *arg)
{
	struct store_each_ctx ctx;
	int locked = 0;
	int rc;

	if (!fn)
		return -EINVAL;
	ctx.prefix = prefix ? prefix : "";
	ctx.plen = strlen(ctx.prefix);
	ctx.fn = fn;
	ctx.arg = arg;
	buf_init(&ctx.key);
	ctx.rc = 0;

	/*
	 * One lock for the walk instead of an fcntl lock per record.  A
	 * transaction or an outer walk already holds one, and tdb refuses
	 * tdb_lockall_read() inside a traverse anyway.
	 */
	if (!st->in_txn && !st->each_depth) {
		if (tdb_lockall_read(st->tdb))
			return store_errno(st);
		locked = 1;
	}
	st->each_depth++;
	if (tdb_traverse_read(st->tdb, store_each_one, &ctx) < 0 && !ctx.rc)
		rc = store_errno(st);
	else
		rc = ctx.rc;
	st->each_depth--;
	if (locked)
		tdb_unlockall_read(st->tdb);
	buf_release(&ctx.key);
	return rc;
}

void store_watch(struct store *st, const char *prefix)
{
	if (!prefix) {
		st->watching = 0;
		buf_release(&st->watch);
		return;
	}
	st->watching = 1;
	if (buf_set(&st->watch, prefix, strlen(prefix)))
		buf_reset(&st->watch); /* watch everything: see above */
}

uint64_t store_generation(const struct store *st)
{
	return st->gen;
}

uint64_t store_watch_generation(const struct store *st)
{
	return st->watch_gen;
}

int store_file_size(struct store *st, uint64_t *size)
{
	struct stat sb;

	if (fstat(tdb_fd(st->tdb), &sb))
		return -errno;
	*size = (uint64_t)sb.st_size;
	return 0;
}

/* --- snapshots and restore (see "Backup and restore" above) --- */

/* A temporary file next to path ("PATH.SUFFIX.XXXXXX", mode 0600); its
 * name in *name (the caller frees it). */
static int store_tmpfile(const char *path, const char *suffix, char **name)
{
	struct buf b = BUF_INIT;
	int fd, rc;

	rc = buf_printf(&b, "%s.%s.XXXXXX", path, suffix);
	if (rc)
		return rc;
	fd = mkostemp(b.data, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		buf_release(&b);
		return rc;
	}
	*name = buf_detach(&b, NULL);
	return fd;
}

/* Copy size bytes of in (from offset 0) to out (from offset 0):
 * copy_file_range (the kernel copies, or shares extents where the
 * filesystem can), read and write where it cannot. */
static int store_copy(int in, int out, uint64_t size)
{
	static char chunk[1 << 16];
	loff_t off_in = 0, off_out = 0;
	ssize_t n, w;

	while ((uint64_t)off_in < size) {
		n = copy_file_range(in, &off_in, out, &off_out,
				    size - off_in, 0);
		if (n > 0)
			continue;
		if (n == 0)
			return -EIO;	/* the file shrank under us */
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != ENOSYS && errno != EINVAL &&
		    errno != EOPNOTSUPP)
			return -errno;
		break;
	}
	while ((uint64_t)off_in < size) {
		n = pread(in, chunk, sizeof(chunk), off_in);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		for (w = 0; w < n;) {
			ssize_t k = pwrite(out, chunk + w, n - w, off_out);

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return -errno;
			w += k;
			off_out += k;
		}
		off_in += n;
	}
	return 0;
}

int store_snapshot(struct store *st, int *fd, uint64_t *size)
{
	char *name = NULL;
	struct stat sb;
	int out, rc;

	if (st->in_txn)
		return -EBUSY;
	if (fstat(tdb_fd(st->tdb), &sb))
		return -errno;
	out = store_tmpfile(st->path, "backup", &name);
	if (out < 0)
		return out;
	/* nameless from here on: it goes when the reader closes it, or
	 * when the daemon dies */
	unlink(name);
	free(name);
	rc = store_copy(tdb_fd(st->tdb), out, sb.st_size);
	if (rc) {
		close(out);
		return rc;
	}
	*fd = out;
	*size = sb.st_size;
	return 0;
}

/* Is the file at path a whole cjafs store?  Opens it without locks (the
 * caller owns it), lets tdb recover a transaction cut short, reads the
 * version and checks every record with tdb_check. */
static int store_verify(const char *path, struct buf *err)
{
	struct tdb_logging_context log_ctx;
	struct store st = { 0 };
	TDB_DATA k, v;
	int rc = 0;

	log_ctx.log_fn = store_log;
	log_ctx.log_private = &st;
	errno = 0;
	st.tdb = tdb_open_ex(path, 0, TDB_NOLOCK | TDB_NOMMAP, O_RDWR, 0600,
			     &log_ctx, NULL);
	if (!st.tdb && errno == EINVAL &&
	    tdb_runtime_check_for_robust_mutexes())
		st.tdb = tdb_open_ex(path, 0, TDB_MUTEX_LOCKING, O_RDWR, 0600,
				     &log_ctx, NULL);
	if (!st.tdb) {
		store_seterr(err, "not a cjafs store (%s)",
			     st.log[0] ? st.log : "not a tdb file");
		return -EINVAL;
	}
	k.dptr = (unsigned char *)STORE_VERSION_KEY;
	k.dsize = strlen(STORE_VERSION_KEY);
	v = tdb_fetch(st.tdb, k);
	if (!v.dptr) {
		store_seterr(err, "not a cjafs store");
		rc = -EINVAL;
		goto out;
	}
	if (!store_version_known(v.dptr, v.dsize)) {
		store_seterr(err, "unknown store version");
		rc = -EPROTO;
	}
	free(v.dptr);
	if (rc)
		goto out;
	st.log[0] = '\0';
	if (tdb_check(st.tdb, NULL, NULL)) {
		store_seterr(err, "damaged store: %s",
			     st.log[0] ? st.log : "tdb_check failed");
		rc = -EINVAL;
	}
out:
	tdb_close(st.tdb);
	return rc;
}

/* --- restore: a backup archive in, installed with its row files --- */

#define RESTORE_TDB "store.tdb"
#define RESTORE_ROWS "store.tdb.rows"

/* Remove the directory dir and the files in it (it has no
 * subdirectories); a missing one is no error. */
static int store_rmdir_files(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) && errno != ENOENT) {
			rc = -errno;
			break;
		}
	}
	if (!rc && errno)
		rc = -errno;
	closedir(d);
	if (!rc && rmdir(dir) && errno != ENOENT)
		rc = -errno;
	return rc;
}

/* Remove a directory being built for a restore, and its rows. */
static void store_rmdir_tree(const char *dir)
{
	struct buf b = BUF_INIT;

	if (!buf_printf(&b, "%s/" RESTORE_ROWS, dir))
		store_rmdir_files(b.data);
	store_rmdir_files(dir);
	buf_release(&b);
}

static int store_exists_path(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) ? (errno == ENOENT ? 0 : -errno) : 1;
}

/*
 * Finish the restore committed at PATH.restore, if there is one: a
 * directory holding store.tdb and store.tdb.rows, whole and checked.
 * Every step can be cut short by a crash and taken again: the rows
 * directory moves first (the old one aside to PATH.rows.old), then the
 * store file, then what is left goes.  Until PATH.restore is gone every
 * open of the store comes here first, so nothing ever opens a store file
 * with the other store's rows.
 */
static int store_restore_finish(const char *path, struct buf *err)
{
	struct buf r = BUF_INIT, nt = BUF_INIT, nr = BUF_INIT;
	struct buf rows = BUF_INIT, old = BUF_INIT;
	const char *what = NULL;
	int rc;

	rc = buf_printf(&r, "%s.restore", path);
	if (!rc)
		rc = buf_printf(&nt, "%s/" RESTORE_TDB, r.data);
	if (!rc)
		rc = buf_printf(&nr, "%s/" RESTORE_ROWS, r.data);
	if (!rc)
		rc = buf_printf(&rows, "%s.rows", path);
	if (!rc)
		rc = buf_printf(&old, "%s.rows.old", path);
	if (rc)
		goto out;
	rc = store_exists_path(r.data);
	if (rc <= 0) {
		what = r.data;
		goto out;
	}
	rc = store_exists_path(nr.data);
	if (rc == 1) {
		what = old.data;
		rc = store_rmdir_files(old.data);
		if (!rc && rename(rows.data, old.data) && errno != ENOENT)
			rc = -errno;
		what = rows.data;
		if (!rc && rename(nr.data, rows.data))
			rc = -errno;
	}
	if (rc < 0)
		goto out;
	rc = store_exists_path(nt.data);
	what = path;
	if (rc == 1)
		rc = rename(nt.data, path) ? -errno : 0;
	if (!rc)
		rc = store_sync_dir(path);
	if (rc)
		goto out;
	what = old.data;
	rc = store_rmdir_files(old.data);
	what = r.data;
	if (!rc)
		rc = store_rmdir_files(r.data);
	if (!rc)
		rc = store_sync_dir(path);
	if (!rc)
		fprintf(stderr, "cjafs: %s: restore finished\n", path);
out:
	if (rc < 0)
		store_seterr(err, "cannot finish the restore in %s: %s",
			     what ? what : path, strerror(-rc));
	buf_release(&r);
	buf_release(&nt);
	buf_release(&nr);
	buf_release(&rows);
	buf_release(&old);
	return rc < 0 ? rc : 0;
}

/* Does the file start with tdb's magic (a bare TDB file, as backups were
 * before row files)? */
static int store_is_tdb_fd(int fd)
{
	char head[sizeof(STORE_TDB_MAGIC) - 1];

	return pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) &&
	       !memcmp(head, STORE_TDB_MAGIC, sizeof(head));
}

static int store_rowname(const char *name)
{
	return strlen(name) == 16 &&
	       strspn(name, "0123456789abcdef") == 16;
}

/* Write the archive entry a is at into dir/name. */
static int store_unpack_one(struct archive *a, int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			0600);
	int rc = 0;

	if (fd < 0)
		return errno == EEXIST ? -EINVAL : -errno;
	if (archive_read_data_into_fd(a, fd) != ARCHIVE_OK)
		rc = archive_errno(a) > 0 ? -archive_errno(a) : -EIO;
	if (!rc && fdatasync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	return rc;
}

/* Unpack the backup archive on in into dir: store.tdb and the row files
 * under RESTORE_ROWS.  Anything else in it is refused. */
static int store_unpack(int in, const char *from, const char *dir,
			struct buf *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int dfd = -1, rfd = -1, seen = 0, rc = 0, n = 0;
	const char *name;

	if (!a)
		return -ENOMEM;
	archive_read_support_format_tar(a);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		rfd = openat(dfd, RESTORE_ROWS,
			     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0) {
		rc = -errno;
		store_seterr(err, "%s: %s", dir, strerror(-rc));
		goto out;
	}
	if (archive_read_open_fd(a, in, 1 << 16) != ARCHIVE_OK) {
		rc = -EINVAL;
		goto bad;
	}
	for (;; n++) {
		int r = archive_read_next_header(a, &e);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			rc = n ? -EIO : -EINVAL;
			goto bad;
		}
		name = archive_entry_pathname(e);
		if (!name)
			name = "";
		if (!strncmp(name, "./", 2))
			name += 2;
		if (archive_entry_filetype(e) == AE_IFDIR &&
		    (!strcmp(name, "rows") || !strcmp(name, "rows/")))
			continue;
		if (archive_entry_filetype(e) != AE_IFREG) {
			rc = -EINVAL;
		} else if (!strcmp(name, RESTORE_TDB)) {
			rc = store_unpack_one(a, dfd, RESTORE_TDB);
			seen = 1;
		} else if (!strncmp(name, "rows/", 5) &&
			   store_rowname(name + 5)) {
			rc = store_unpack_one(a, rfd, name + 5);
		} else {
			rc = -EINVAL;
		}
		if (rc == -EINVAL) {
			store_seterr(err, "%s: not a cjafs backup: unexpected "
				     "entry '%.100s'", from, name);
			goto out;
		}
		if (rc) {
			store_seterr(err, "cannot unpack %s from %s: %s",
				     name, from, strerror(-rc));
			goto out;
		}
	}
	if (!seen) {
		rc = -EINVAL;
		store_seterr(err, "%s: not a cjafs backup: no " RESTORE_TDB
			     " in it", from);
	}
	if (!rc && (fsync(rfd) || fsync(dfd)))
		rc = -errno;
	goto out;
bad:
	if (rc == -EINVAL)
		store_seterr(err, "%s: not a cjafs store or backup (%s)", from,
			     archive_error_string(a) ?
				     archive_error_string(a) : "unreadable");
	else
		store_seterr(err, "%s: damaged backup: %s", from,
			     archive_error_string(a) ?
				     archive_error_string(a) : "unreadable");
out:
	archive_read_free(a);
	if (rfd >= 0)
		close(rfd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

struct restore_check {
	struct rowfiles *rf;
	struct buf *err;
	uint64_t files, bytes;
};

static int store_check_rowfile(const char *key, const void *val, size_t len,
			       void *arg)
{
	struct restore_check *rc = arg;
	const char *why = NULL;
	char num[24];
	uint64_t id, size;
	int r;

	if (!store_rowname(key + 2))
		return 0;	/* "f:next" */
	if (len >= sizeof(num))
		return -EIO;
	memcpy(num, val, len);
	num[len] = '\0';
	id = strtoull(key + 2, NULL, 16);
	size = strtoull(num, NULL, 10);
	r = rowfiles_check(rc->rf, id, size, &why);

	if (r) {
		store_seterr(rc->err, "row file rows/%016" PRIx64 " of the "
			     "backup: %s", id, why ? why : strerror(-r));
		return r;
	}
	rc->files++;
	rc->bytes += size;
	return 0;
}

/* Check the store unpacked in dir: the TDB file (store_verify), then
 * every row file its records name: there, of the recorded size, and a
 * zstd frame that decodes whole with its checksum. */
static int store_check_unpacked(const char *dir, struct buf *err)
{
	struct restore_check chk = { NULL, err, 0, 0 };
	struct buf tdb = BUF_INIT;
	struct store *st = NULL;
	int rc;

	rc = buf_printf(&tdb, "%s/" RESTORE_TDB, dir);
	if (!rc)
		rc = store_verify(tdb.data, err);
	if (!rc)
		rc = store_open(tdb.data, 0, &st, err);
	if (!rc) {
		/* the records, not the directory: a file a record names and
		 * the backup lacks is what this must find */
		chk.rf = st->rf;
		rc = store_each(st, "f:", store_check_rowfile, &chk);
	}
	if (!rc)
		fprintf(stderr, "cjafs: checked the store and %" PRIu64
			" row files (%" PRIu64 " bytes)\n", chk.files,
			chk.bytes);
	store_close(st);
	buf_release(&tdb);
	return rc;
}

int store_restore(const char *from, const char *path, unsigned flags,
		  struct buf *err)
{
	int in = -1, out = -1, lock = -1, rc;
	struct buf dir = BUF_INIT, f = BUF_INIT, done = BUF_INIT;
	char *tmp = NULL;
	struct stat sb;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &sb)) {
		rc = -errno;
		store_seterr(err, "%s: %s", from, strerror(-rc));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = -EINVAL;
		store_seterr(err, "%s: not a regular file", from);
		goto out;
	}
	/* the daemon's flock (store_lock) says the store is in use; one
	 * that is unmounting (fusermount3 -u returns before it exits)
	 * lets go within moments, so wait up to STORE_RESTORE_WAIT_MS */
	lock = open(path, O_RDWR | O_CLOEXEC);
	if (lock >= 0) {
		int waited;

		for (waited = 0; flock(lock, LOCK_EX | LOCK_NB) &&
				 errno == EWOULDBLOCK &&
				 waited < STORE_RESTORE_WAIT_MS;
		     waited += 50)
			usleep(50 * 1000);
		if (flock(lock, LOCK_EX | LOCK_NB)) {
			rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
			store_seterr(err, "%s: %s", path,
				     rc == -EBUSY ?
					     "store is in use by another "
					     "process; unmount it first" :
					     strerror(-rc));
			goto out;
		}
		if (!(flags & STORE_RESTORE_FORCE)) {
			rc = -EEXIST;
			store_seterr(err, "%s: store exists; not overwriting "
				     "(--force replaces it)", path);
			goto out;
		}
	} else if (errno != ENOENT) {
		rc = -errno;
		store_seterr(err, "%s: %s", path, strerror(-rc));
		goto out;
	}
	/* a restore committed earlier and cut short comes first */
	rc = store_restore_finish(path, err);
	if (rc)
		goto out;
	rc = buf_printf(&dir, "%s.restore-XXXXXX", path);
	if (!rc)
		rc = buf_printf(&done, "%s.restore", path);
	if (rc)
		goto out;
	if (!mkdtemp(dir.data)) {
		rc = -errno;
		store_seterr(err, "%s: cannot create a directory next to it: "
			     "%s", path, strerror(-rc));
		goto out;
	}
	tmp = dir.data;
	rc = buf_printf(&f, "%s/" RESTORE_ROWS, tmp);
	if (!rc && mkdir(f.data, 0700))
		rc = -errno;
	if (rc) {
		store_seterr(err, "%s: %s", f.data, strerror(-rc));
		goto out;
	}
	if (store_is_tdb_fd(in)) {
		/* a bare TDB file: a backup from before row files */
		buf_reset(&f);
		rc = buf_printf(&f, "%s/" RESTORE_TDB, tmp);
		out = rc ? -1 : open(f.data, O_WRONLY | O_CREAT | O_EXCL |
					     O_CLOEXEC, 0600);
		if (!rc && out < 0)
			rc = -errno;
		if (!rc)
			rc = store_copy(in, out, sb.st_size);
		if (!rc && fsync(out))
			rc = -errno;
		if (rc) {
			store_seterr(err, "%s: cannot copy: %s", from,
				     strerror(-rc));
			goto out;
		}
	} else {
		rc = store_unpack(in, from, tmp, err);
		if (rc)
			goto out;
	}
	/* check the copy (what will be installed), not the backup */
	rc = store_check_unpacked(tmp, err);
	if (rc) {
		store_seterr(err, " (%s)", from);
		goto out;
	}
	/* the commit point: from here the new store is the store */
	if (rename(tmp, done.data)) {
		rc = -errno;
		store_seterr(err, "%s: %s", done.data, strerror(-rc));
		goto out;
	}
	tmp = NULL;
	rc = store_sync_dir(path);
	if (!rc)
		rc = store_restore_finish(path, err);
	else
		store_seterr(err, "%s: cannot sync directory: %s", path,
			     strerror(-rc));
out:
	if (tmp)
		store_rmdir_tree(tmp);
	if (out >= 0)
		close(out);
	if (lock >= 0)
		close(lock);
	if (in >= 0)
		close(in);
	buf_release(&dir);
	buf_release(&done);
	buf_release(&f);
	return rc;
}
