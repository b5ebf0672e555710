/*
 * check_store.c - unit tests for model/store.c.
 *
 * Each test gets a fresh mkdtemp directory (checked fixture) holding
 * store.tdb, which teardown removes with everything else in there.
 * Those directories live in one directory per run.  main() removes that
 * directory at the end, so a test that fails before its teardown (Check
 * skips teardown when an assertion fails in fork mode) leaves nothing
 * in $TMPDIR.  One TCase per behaviour of store.h.
 *
 * Only this file includes tdb.h besides store.c.  It needs tdb to write
 * files our API refuses to make: no version, a wrong version, keys with
 * NUL bytes.  It also runs tdb_check() on what the store left behind.  A
 * raw open of a store must use the flags store.c uses, because tdb
 * refuses a mutex-format file opened without TDB_MUTEX_LOCKING.
 *
 * The crash tests fork children that open the store themselves (tdb
 * refuses a second open of one file in one process) and are killed with
 * SIGKILL.  Children leave with _exit() so they never run into Check.
 * STORE_NOSYNC is used everywhere except the tests about durability.
 */
#define _GNU_SOURCE /* nftw, usleep */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <tdb.h>

#include "rec.h"
#include "store.h"

static char run_dir[PATH_MAX];	/* per run; main() sweeps it */
static char test_dir[PATH_MAX]; /* per test, inside run_dir */
static char test_path[PATH_MAX];

static void setup(void)
{
	int n;

	n = snprintf(test_dir, sizeof(test_dir), "%s/t.XXXXXX", run_dir);
	ck_assert_int_lt(n, (int)sizeof(test_dir));
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
	n = snprintf(test_path, sizeof(test_path), "%s/store.tdb", test_dir);
	ck_assert_int_lt(n, (int)sizeof(test_path));
}

static int remove_one(const char *path, const struct stat *sb, int type,
		      struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void remove_tree(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void teardown(void)
{
	remove_tree(test_dir);
}

/* --- helpers ----------------------------------------------------------- */

static struct store *xopen(unsigned flags)
{
	struct buf err = BUF_INIT;
	struct store *st = NULL;
	int rc;

	rc = store_open(test_path, flags, &st, &err);
	ck_assert_msg(rc == 0, "store_open: %d (%s)", rc,
		      err.data ? err.data : "");
	ck_assert_ptr_nonnull(st);
	buf_release(&err);
	return st;
}

static struct store *xcreate(void)
{
	return xopen(STORE_CREATE | STORE_NOSYNC);
}

static void xput(struct store *st, const char *key, const char *val)
{
	ck_assert_int_eq(store_put(st, key, val, strlen(val)), 0);
}

static void xcommit_put(struct store *st, const char *key, const char *val)
{
	ck_assert_int_eq(store_txn_begin(st), 0);
	xput(st, key, val);
	ck_assert_int_eq(store_txn_commit(st), 0);
}

static void check_val(struct store *st, const char *key, const char *want)
{
	struct buf v = BUF_INIT;

	ck_assert_int_eq(store_get(st, key, &v), 0);
	ck_assert_uint_eq(v.len, strlen(want));
	ck_assert_mem_eq(v.data, want, v.len);
	buf_release(&v);
}

static void check_missing(struct store *st, const char *key)
{
	struct buf v = BUF_INIT;

	ck_assert_int_eq(store_get(st, key, &v), -ENOENT);
	ck_assert_int_eq(store_exists(st, key), 0);
	buf_release(&v);
}

/* The flags store.c passes; tdb needs them to open a mutex file. */
static int raw_flags(void)
{
	int f = TDB_DISALLOW_NESTING | TDB_INCOMPATIBLE_HASH;

	if (tdb_runtime_check_for_robust_mutexes())
		f |= TDB_MUTEX_LOCKING;
	return f;
}

static struct tdb_context *raw_open(int open_flags)
{
	struct tdb_context *t;

	t = tdb_open(test_path, 0, raw_flags(), open_flags, 0600);
	ck_assert_msg(t != NULL, "tdb_open: %s", strerror(errno));
	return t;
}

static void raw_store(struct tdb_context *t, const void *key, size_t klen,
		      const void *val, size_t vlen)
{
	TDB_DATA k = {(unsigned char *)key, klen};
	TDB_DATA d = {(unsigned char *)val, vlen};

	ck_assert_int_eq(tdb_store(t, k, d, TDB_REPLACE), 0);
}

/* A plain TDB (as an older or foreign tool would make) with "v" = ver. */
static void make_raw_store(const char *ver)
{
	struct tdb_context *t;

	t = tdb_open(test_path, 0, TDB_DEFAULT, O_RDWR | O_CREAT | O_EXCL,
		     0600);
	ck_assert_ptr_nonnull(t);
	raw_store(t, "x", 1, "y", 1);
	if (ver)
		raw_store(t, "v", 1, ver, strlen(ver));
	ck_assert_int_eq(tdb_close(t), 0);
}

static void check_tdb(void)
{
	struct tdb_context *t = raw_open(O_RDWR);

	ck_assert_int_eq(tdb_check(t, NULL, NULL), 0);
	ck_assert_int_eq(tdb_close(t), 0);
}

static void check_open_fails(int want_rc, const char *want_msg)
{
	struct buf err = BUF_INIT;
	struct store *st = (struct store *)1;
	int rc;

	rc = store_open(test_path, 0, &st, &err);
	ck_assert_int_eq(rc, want_rc);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(err.data);
	if (want_msg)
		ck_assert_str_eq(err.data, want_msg);
	ck_assert_ptr_null(strchr(err.data, '\n'));
	buf_release(&err);
}

/* --- open, create ------------------------------------------------------ */

START_TEST(test_create_then_open)
{
	struct store *st;
	struct stat sb;

	st = xopen(STORE_CREATE); /* synced create, as the daemon does */
	ck_assert_int_eq(store_in_txn(st), 0);
	ck_assert_uint_eq(store_generation(st), 0);
	check_val(st, "v", STORE_VERSION);
	store_close(st);
	ck_assert_int_eq(stat(test_path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);

	st = xopen(0);
	check_val(st, "v", STORE_VERSION);
	store_close(st);
}
END_TEST

START_TEST(test_create_refuses_existing)
{
	struct buf err = BUF_INIT;
	struct store *st;

	st = xcreate();
	xcommit_put(st, "keep", "me");
	store_close(st);

	st = NULL;
	ck_assert_int_eq(store_open(test_path, STORE_CREATE, &st, &err),
			 -EEXIST);
	ck_assert_ptr_null(st);
	ck_assert_uint_gt(err.len, 0);
	buf_release(&err);

	/* the refused create touched nothing */
	st = xopen(0);
	check_val(st, "keep", "me");
	store_close(st);
}
END_TEST

START_TEST(test_open_missing)
{
	struct store *st = NULL;
	struct stat sb;

	check_open_fails(-ENOENT, NULL);
	/* no stray empty file left behind */
	ck_assert_int_eq(stat(test_path, &sb), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* err may be NULL */
	ck_assert_int_eq(store_open(test_path, 0, &st, NULL), -ENOENT);
	ck_assert_ptr_null(st);
}
END_TEST

START_TEST(test_open_bad_args)
{
	struct store *st = NULL;

	ck_assert_int_eq(store_open(test_path, 0x100, &st, NULL), -EINVAL);
	ck_assert_int_eq(store_open(NULL, 0, &st, NULL), -EINVAL);
	ck_assert_ptr_null(st);
}
END_TEST

START_TEST(test_open_twice_busy)
{
	struct store *st, *st2 = NULL;

	st = xcreate();
	/* the flock is per open file: a second open conflicts with the first */
	ck_assert_int_eq(store_open(test_path, 0, &st2, NULL), -EBUSY);
	ck_assert_ptr_null(st2);
	store_close(st);
	store_close(NULL);
	/* and once closed, the store opens again */
	st = xopen(0);
	store_close(st);
}
END_TEST

/* Another process (a second daemon) is refused while the store is open,
 * with a message that says why, and changes nothing. */
START_TEST(test_open_other_process_busy)
{
	struct store *st = xcreate();
	struct buf v = BUF_INIT;
	int status;
	pid_t pid;

	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_put(st, "k", "one", 3), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct buf err = BUF_INIT;
		struct store *st2 = NULL;
		int rc = store_open(test_path, 0, &st2, &err);

		_exit(rc == -EBUSY && st2 == NULL && err.data &&
			      !strcmp(err.data,
				      "store is in use by another process") ?
			      0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(store_get(st, "k", &v), 0);
	ck_assert_int_eq((int)v.len, 3);
	ck_assert(!memcmp(v.data, "one", 3));
	buf_release(&v);
	store_close(st);
}
END_TEST

/* The read cache (store.c, "A read cache") never answers with what the
 * store does not hold: not a value the open transaction replaced, not a
 * cancelled one, not a deleted key, not a key that was missing before it
 * was written; and it stays right after it overflows. */
START_TEST(test_read_cache_rules)
{
	struct store *st = xcreate();
	struct buf v = BUF_INIT;
	char key[32], big[20000];
	int i;

	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_put(st, "k", "one", 3), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_eq(store_get(st, "k", &v), 0);	/* now cached */
	ck_assert_int_eq(store_exists(st, "gone"), 0);	/* missing, cached */
	ck_assert_int_eq(store_get(st, "gone", &v), -ENOENT);

	/* inside a transaction, its own writes win over the cache */
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_put(st, "k", "two", 3), 0);
	ck_assert_int_eq(store_put(st, "gone", "here", 4), 0);
	ck_assert_int_eq(store_get(st, "k", &v), 0);
	ck_assert(v.len == 3 && !memcmp(v.data, "two", 3));
	ck_assert_int_eq(store_exists(st, "gone"), 1);
	store_txn_cancel(st);
	/* and a cancel leaves nothing of them behind */
	ck_assert_int_eq(store_get(st, "k", &v), 0);
	ck_assert(v.len == 3 && !memcmp(v.data, "one", 3));
	ck_assert_int_eq(store_exists(st, "gone"), 0);

	/* a committed write and a delete are seen at once */
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_put(st, "gone", "here", 4), 0);
	ck_assert_int_eq(store_del(st, "k"), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_eq(store_get(st, "gone", &v), 0);
	ck_assert(v.len == 4 && !memcmp(v.data, "here", 4));
	ck_assert_int_eq(store_get(st, "k", &v), -ENOENT);
	ck_assert_int_eq(store_exists(st, "k"), 0);

	/* values too big to keep, and more than the cache holds: 3000
	 * records of 20000 bytes, then 3000 of 16000 (48 MB > 32 MB) */
	memset(big, 'b', sizeof(big));
	ck_assert_int_eq(store_txn_begin(st), 0);
	for (i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "big%d", i);
		big[0] = (char)('A' + i % 26);
		ck_assert_int_eq(store_put(st, key, big,
					   i % 2 ? sizeof(big) : 16000), 0);
	}
	ck_assert_int_eq(store_txn_commit(st), 0);
	for (int round = 0; round < 2; round++) {
		for (i = 0; i < 3000; i++) {
			snprintf(key, sizeof(key), "big%d", i);
			ck_assert_int_eq(store_get(st, key, &v), 0);
			ck_assert_int_eq((int)v.len, i % 2 ? (int)sizeof(big) :
							     16000);
			ck_assert_int_eq(v.data[0], 'A' + i % 26);
		}
	}
	ck_assert_int_eq(store_get(st, "gone", &v), 0);
	ck_assert(v.len == 4 && !memcmp(v.data, "here", 4));
	buf_release(&v);
	store_close(st);
}
END_TEST

/* Whether the store at test_path carries the clean mark ("clean"). */
static int raw_clean(void)
{
	struct tdb_context *t = raw_open(O_RDONLY);
	TDB_DATA k = { (unsigned char *)"clean", 5 };
	int clean = tdb_exists(t, k);

	tdb_close(t);
	return clean;
}

/* A clean close leaves the mark that lets the next open skip the check;
 * an open clears it, so a daemon killed from then on leaves none. */
START_TEST(test_clean_mark)
{
	struct store *st = xcreate();

	ck_assert_int_eq(store_put(st, "clean", "1", 1), -EINVAL);
	store_close(st);
	ck_assert_int_eq(raw_clean(), 1);
	st = xopen(0);
	ck_assert_int_eq(store_exists(st, "clean"), 0);
	ck_assert_int_eq(store_del(st, "clean"), -EINVAL);
	store_close(st);
	ck_assert_int_eq(raw_clean(), 1);
	check_tdb();
}
END_TEST

/* What tdb's recovery left after a kill in the torture: a free record
 * whose tailer is wrong ("invalid tailer").  store_open() must find it,
 * rebuild the file keeping every record, and leave it passing tdb_check. */
START_TEST(test_open_repairs_free_space)
{
	static const unsigned char free_magic[4] = { 0x66, 0xe6, 0xfe, 0xd9 };
	struct store *st = xcreate();
	unsigned char hdr[24];
	char big[100000], key[16];
	struct buf v = BUF_INIT;
	struct stat sb;
	off_t off, found = -1;
	uint32_t rec_len, zero = 0;
	int fd, i;

	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(store_txn_begin(st), 0);
	for (i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "keep%d", i);
		ck_assert_int_eq(store_put(st, key, key, strlen(key)), 0);
	}
	ck_assert_int_eq(store_put(st, "big", big, sizeof(big)), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_del(st, "big"), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	store_close(st);
	{
		/* as a kill leaves it: without the clean mark */
		struct tdb_context *t = raw_open(O_RDWR);
		TDB_DATA k = { (unsigned char *)"clean", 5 };

		ck_assert_int_eq(tdb_delete(t, k), 0);
		tdb_close(t);
	}

	/* find the big free record and break its tailer */
	fd = open(test_path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &sb), 0);
	for (off = 168; off + 24 <= sb.st_size && found < 0; off += 4) {
		ck_assert_int_eq(pread(fd, hdr, 24, off), 24);
		memcpy(&rec_len, hdr + 4, 4);
		if (!memcmp(hdr + 20, free_magic, 4) && rec_len >= 90000 &&
		    off + 24 + (off_t)rec_len <= sb.st_size)
			found = off;
	}
	ck_assert_msg(found >= 0, "no free record of the deleted value");
	ck_assert_int_eq(pwrite(fd, &zero, 4, found + 24 + rec_len - 4), 4);
	close(fd);
	{
		struct tdb_context *t = raw_open(O_RDWR);

		ck_assert_int_ne(tdb_check(t, NULL, NULL), 0);
		tdb_close(t);
	}

	st = xopen(0);
	for (i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "keep%d", i);
		ck_assert_int_eq(store_get(st, key, &v), 0);
		ck_assert(v.len == strlen(key) && !memcmp(v.data, key, v.len));
	}
	ck_assert_int_eq(store_get(st, "big", &v), -ENOENT);
	buf_release(&v);
	store_close(st);
	check_tdb();
}
END_TEST

/* --- version ----------------------------------------------------------- */

START_TEST(test_refuse_no_version)
{
	make_raw_store(NULL);
	check_open_fails(-EINVAL, "not a cjafs store");
}
END_TEST

START_TEST(test_refuse_wrong_version)
{
	make_raw_store("cjafs-store 99");
	check_open_fails(-EPROTO, "unknown store version 'cjafs-store 99'");
}
END_TEST

START_TEST(test_err_is_appended)
{
	struct buf err = BUF_INIT;
	struct store *st = NULL;

	make_raw_store(NULL);
	ck_assert_int_eq(buf_addstr(&err, "store.tdb: "), 0);
	ck_assert_int_eq(store_open(test_path, 0, &st, &err), -EINVAL);
	ck_assert_str_eq(err.data, "store.tdb: not a cjafs store");
	buf_release(&err);
}
END_TEST

START_TEST(test_refuse_garbled_version)
{
	static const char ver[] = "bad\n\x01'ver";
	char big[200];

	make_raw_store(ver);
	check_open_fails(-EPROTO, "unknown store version 'bad???ver'");
	unlink(test_path);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	make_raw_store(big);
	check_open_fails(-EPROTO, "unknown store version "
				  "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'");
}
END_TEST

START_TEST(test_refuse_not_tdb)
{
	FILE *f;

	f = fopen(test_path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	check_open_fails(-EINVAL, "not a cjafs store");

	f = fopen(test_path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("[connection]\nname = x\n", f);
	fclose(f);
	check_open_fails(-EINVAL, "not a cjafs store");
}
END_TEST

START_TEST(test_version_key_reserved)
{
	struct store *st = xcreate();

	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_put(st, "v", "x", 1), -EINVAL);
	ck_assert_int_eq(store_del(st, "v"), -EINVAL);
	ck_assert_int_eq(store_txn_commit(st), 0);
	check_val(st, "v", STORE_VERSION);
	store_close(st);
}
END_TEST

/* --- put, get, del ----------------------------------------------------- */

START_TEST(test_put_get_del)
{
	static const char bin[] = {'a', '\0', 'b', '\xff', '\0'};
	struct buf v = BUF_INIT;
	struct store *st = xcreate();

	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_in_txn(st), 1);
	xput(st, "conn/a", "one");
	/* read your writes */
	check_val(st, "conn/a", "one");
	ck_assert_int_eq(store_exists(st, "conn/a"), 1);
	xput(st, "conn/a", "two");
	check_val(st, "conn/a", "two");
	ck_assert_int_eq(store_put(st, "bin", bin, sizeof(bin)), 0);
	ck_assert_int_eq(store_put(st, "empty", NULL, 0), 0);
	ck_assert_int_eq(store_del(st, "conn/a"), 0);
	check_missing(st, "conn/a");
	ck_assert_int_eq(store_del(st, "conn/a"), 0); /* missing: fine */
	ck_assert_int_eq(store_del(st, "never"), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_eq(store_in_txn(st), 0);

	/* committed, read outside a transaction */
	check_missing(st, "conn/a");
	ck_assert_int_eq(store_get(st, "bin", &v), 0);
	ck_assert_uint_eq(v.len, sizeof(bin));
	ck_assert_mem_eq(v.data, bin, sizeof(bin));
	ck_assert_int_eq(v.data[v.len], '\0');
	ck_assert_int_eq(store_get(st, "empty", &v), 0);
	ck_assert_uint_eq(v.len, 0);
	ck_assert_int_eq(store_exists(st, "empty"), 1);
	/* a failed get leaves val empty */
	ck_assert_int_eq(store_get(st, "bin", &v), 0);
	ck_assert_int_eq(store_get(st, "nope", &v), -ENOENT);
	ck_assert_uint_eq(v.len, 0);
	buf_release(&v);
	store_close(st);
}
END_TEST

START_TEST(test_bad_keys)
{
	struct buf v = BUF_INIT;
	struct store *st = xcreate();

	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_put(st, "", "x", 1), -EINVAL);
	ck_assert_int_eq(store_put(st, NULL, "x", 1), -EINVAL);
	ck_assert_int_eq(store_del(st, ""), -EINVAL);
	ck_assert_int_eq(store_del(st, NULL), -EINVAL);
	ck_assert_int_eq(store_get(st, "", &v), -EINVAL);
	ck_assert_int_eq(store_exists(st, ""), -EINVAL);
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_uint_eq(store_generation(st), 0);
	buf_release(&v);
	store_close(st);
}
END_TEST

/* --- misuse ------------------------------------------------------------ */

START_TEST(test_write_outside_txn)
{
	struct store *st = xcreate();

	ck_assert_int_eq(store_put(st, "k", "v", 1), -EINVAL);
	ck_assert_int_eq(store_del(st, "k"), -EINVAL);
	ck_assert_int_eq(store_txn_commit(st), -EINVAL);
	store_txn_cancel(st); /* no transaction: nothing happens */
	check_missing(st, "k");
	ck_assert_uint_eq(store_generation(st), 0);
	store_close(st);
}
END_TEST

START_TEST(test_nested_begin)
{
	struct store *st = xcreate();

	ck_assert_int_eq(store_txn_begin(st), 0);
	xput(st, "k", "outer");
	ck_assert_int_eq(store_txn_begin(st), -EBUSY);
	/* the outer transaction is unharmed */
	ck_assert_int_eq(store_in_txn(st), 1);
	check_val(st, "k", "outer");
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_eq(store_txn_commit(st), -EINVAL);
	check_val(st, "k", "outer");
	store_close(st);
}
END_TEST

/* --- cancel and commit ------------------------------------------------- */

START_TEST(test_cancel_leaves_nothing)
{
	struct store *st = xcreate();

	xcommit_put(st, "old", "kept");
	ck_assert_int_eq(store_txn_begin(st), 0);
	xput(st, "new", "dropped");
	xput(st, "old", "overwritten");
	store_txn_cancel(st);
	ck_assert_int_eq(store_in_txn(st), 0);
	check_missing(st, "new");
	check_val(st, "old", "kept");

	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_del(st, "old"), 0);
	store_txn_cancel(st);
	check_val(st, "old", "kept");

	/* close with a transaction open cancels it */
	ck_assert_int_eq(store_txn_begin(st), 0);
	xput(st, "left", "open");
	store_close(st);

	st = xopen(STORE_NOSYNC);
	check_missing(st, "new");
	check_missing(st, "left");
	check_val(st, "old", "kept");
	store_close(st);
	check_tdb();
}
END_TEST

START_TEST(test_commit_persists)
{
	struct store *st = xopen(STORE_CREATE);
	char key[32], val[32];
	int i;

	ck_assert_int_eq(store_txn_begin(st), 0);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k/%d", i);
		snprintf(val, sizeof(val), "val %d", i);
		xput(st, key, val);
	}
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_del(st, "k/7"), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	store_close(st);

	st = xopen(0);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k/%d", i);
		snprintf(val, sizeof(val), "val %d", i);
		if (i == 7)
			check_missing(st, key);
		else
			check_val(st, key, val);
	}
	store_close(st);
	check_tdb();
}
END_TEST

/* --- store_each -------------------------------------------------------- */

struct seen {
	int n;
	int stop_at;
	char keys[16][32];
	int bad; /* a key/value pair that did not match */
};

static int collect(const char *key, const void *val, size_t len, void *arg)
{
	struct seen *s = arg;
	char want[64];

	snprintf(want, sizeof(want), "val:%s", key);
	if (len != strlen(want) || memcmp(val, want, len))
		s->bad++;
	if (s->n < 16)
		snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
	s->n++;
	return s->stop_at && s->n == s->stop_at ? 42 : 0;
}

static int has_key(const struct seen *s, const char *key)
{
	int i;

	for (i = 0; i < s->n && i < 16; i++)
		if (!strcmp(s->keys[i], key))
			return 1;
	return 0;
}

static void put_self(struct store *st, const char *key)
{
	char val[64];

	snprintf(val, sizeof(val), "val:%s", key);
	xput(st, key, val);
}

START_TEST(test_each_prefix)
{
	static const char *keys[] = {"conn/a", "conn/b",    "conn/c",
				     "connx",  "user/conn", "co"};
	struct store *st = xcreate();
	struct seen s;
	size_t i;

	ck_assert_int_eq(store_txn_begin(st), 0);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		put_self(st, keys[i]);
	ck_assert_int_eq(store_txn_commit(st), 0);

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(store_each(st, "conn/", collect, &s), 0);
	ck_assert_int_eq(s.n, 3);
	ck_assert_int_eq(s.bad, 0);
	ck_assert(has_key(&s, "conn/a") && has_key(&s, "conn/b") &&
		  has_key(&s, "conn/c"));

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(store_each(st, "user/", collect, &s), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert(has_key(&s, "user/conn"));

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(store_each(st, "nothing/", collect, &s), 0);
	ck_assert_int_eq(s.n, 0);

	/* "" and NULL walk everything, the version record too */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(store_each(st, "", collect, &s), 0);
	ck_assert_int_eq(s.n, 7);
	ck_assert(has_key(&s, "v"));
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(store_each(st, NULL, collect, &s), 0);
	ck_assert_int_eq(s.n, 7);

	/* a non-zero return stops the walk and comes back */
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	ck_assert_int_eq(store_each(st, "conn", collect, &s), 42);
	ck_assert_int_eq(s.n, 2);
	store_close(st);
}
END_TEST

START_TEST(test_each_in_txn)
{
	struct store *st = xcreate();
	struct seen s;

	xcommit_put(st, "p/old", "val:p/old");
	xcommit_put(st, "p/gone", "val:p/gone");
	ck_assert_int_eq(store_txn_begin(st), 0);
	put_self(st, "p/new");
	ck_assert_int_eq(store_del(st, "p/gone"), 0);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(store_each(st, "p/", collect, &s), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(s.bad, 0);
	ck_assert(has_key(&s, "p/old") && has_key(&s, "p/new"));
	/* the walk did not end or start a transaction */
	ck_assert_int_eq(store_in_txn(st), 1);
	store_txn_cancel(st);

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(store_each(st, "p/", collect, &s), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert(has_key(&s, "p/old") && has_key(&s, "p/gone"));
	ck_assert_int_eq(store_in_txn(st), 0);
	store_close(st);
}
END_TEST

struct reader {
	struct store *st;
	int n;
	int bad;
	int inner;
};

static int count_all(const char *key, const void *val, size_t len, void *arg)
{
	int *n = arg;

	(*n)++;
	return 0;
}

/* fn may read the store, even walk it again, while the walk holds its lock */
static int read_back(const char *key, const void *val, size_t len, void *arg)
{
	struct reader *r = arg;
	struct buf v = BUF_INIT;

	if (store_get(r->st, key, &v) || v.len != len ||
	    (len && memcmp(v.data, val, len)))
		r->bad++;
	if (store_exists(r->st, key) != 1)
		r->bad++;
	if (store_each(r->st, "r/", count_all, &r->inner))
		r->bad++;
	r->n++;
	buf_release(&v);
	return 0;
}

START_TEST(test_each_reads_inside)
{
	struct store *st = xcreate();
	struct reader r = {st, 0, 0, 0};

	xcommit_put(st, "r/1", "one");
	xcommit_put(st, "r/2", "two");
	ck_assert_int_eq(store_each(st, "r/", read_back, &r), 0);
	ck_assert_int_eq(r.n, 2);
	ck_assert_int_eq(r.inner, 4);
	ck_assert_int_eq(r.bad, 0);
	/* the same inside a transaction */
	ck_assert_int_eq(store_txn_begin(st), 0);
	memset(&r, 0, sizeof(r));
	r.st = st;
	ck_assert_int_eq(store_each(st, "r/", read_back, &r), 0);
	ck_assert_int_eq(r.n, 2);
	ck_assert_int_eq(r.inner, 4);
	ck_assert_int_eq(r.bad, 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	/* and the store is writable afterwards: the read lock was dropped */
	xcommit_put(st, "r/3", "three");
	store_close(st);
}
END_TEST

static int count_keys(const char *key, const void *val, size_t len, void *arg)
{
	int *n = arg;

	if (strlen(key) == 0)
		return -1;
	(*n)++;
	return 0;
}

START_TEST(test_each_foreign_keys)
{
	static const unsigned char hi[] = {'f', '/', 0xff, 0xfe, 0x80};
	struct tdb_context *t;
	struct store *st;
	int n = 0;

	st = xcreate();
	xcommit_put(st, "f/ok", "fine");
	store_close(st);

	/* keys store_put() cannot make, written behind its back */
	t = raw_open(O_RDWR);
	raw_store(t, "f/nul\0tail", 10, "x", 1);
	raw_store(t, "f/samba", 8, "x", 1); /* trailing NUL, Samba style */
	raw_store(t, hi, sizeof(hi), "x", 1);
	raw_store(t, "", 0, "empty key", 9);
	ck_assert_int_eq(tdb_close(t), 0);

	st = xopen(STORE_NOSYNC);
	/* NUL keys are skipped, non-UTF-8 bytes are only bytes */
	ck_assert_int_eq(store_each(st, "f/", count_keys, &n), 0);
	ck_assert_int_eq(n, 2);
	n = 0;
	ck_assert_int_eq(store_each(st, "", count_keys, &n), 0);
	ck_assert_int_eq(n, 3);
	n = 0;
	ck_assert_int_eq(store_each(st, "f/nul", count_keys, &n), 0);
	ck_assert_int_eq(n, 0);
	store_close(st);
}
END_TEST

/* --- generations ------------------------------------------------------- */

START_TEST(test_generation)
{
	struct store *st = xcreate();

	ck_assert_uint_eq(store_generation(st), 0);
	xcommit_put(st, "a", "1");
	ck_assert_uint_eq(store_generation(st), 1);

	/* several writes, one commit, one bump */
	ck_assert_int_eq(store_txn_begin(st), 0);
	xput(st, "a", "2");
	xput(st, "b", "2");
	ck_assert_int_eq(store_del(st, "a"), 0);
	ck_assert_uint_eq(store_generation(st), 1);
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_uint_eq(store_generation(st), 2);

	/* no bump on cancel */
	ck_assert_int_eq(store_txn_begin(st), 0);
	xput(st, "c", "3");
	store_txn_cancel(st);
	ck_assert_uint_eq(store_generation(st), 2);

	/* no bump on an empty commit, nor one that deleted nothing */
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_del(st, "missing"), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_uint_eq(store_generation(st), 2);

	/* a refused write is no change either */
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_put(st, "v", "x", 1), -EINVAL);
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_uint_eq(store_generation(st), 2);
	ck_assert_uint_eq(store_watch_generation(st), 0);
	store_close(st);
}
END_TEST

START_TEST(test_watch_generation)
{
	struct store *st = xcreate();

	/* nothing watched yet */
	xcommit_put(st, "admin/x", "1");
	ck_assert_uint_eq(store_watch_generation(st), 0);

	store_watch(st, "admin/");
	xcommit_put(st, "other/x", "1");
	ck_assert_uint_eq(store_generation(st), 2);
	ck_assert_uint_eq(store_watch_generation(st), 0);
	xcommit_put(st, "admin", "no slash: not under admin/");
	ck_assert_uint_eq(store_watch_generation(st), 0);

	xcommit_put(st, "admin/y", "1");
	ck_assert_uint_eq(store_generation(st), 4);
	ck_assert_uint_eq(store_watch_generation(st), 1);

	/* mixed transaction: both bump once */
	ck_assert_int_eq(store_txn_begin(st), 0);
	xput(st, "admin/a", "1");
	xput(st, "admin/b", "1");
	xput(st, "other/y", "1");
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_uint_eq(store_generation(st), 5);
	ck_assert_uint_eq(store_watch_generation(st), 2);

	/* a delete under the prefix counts; cancel and empty commit don't */
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_del(st, "admin/a"), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_uint_eq(store_watch_generation(st), 3);
	ck_assert_int_eq(store_txn_begin(st), 0);
	xput(st, "admin/c", "1");
	store_txn_cancel(st);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_del(st, "admin/missing"), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_uint_eq(store_generation(st), 6);
	ck_assert_uint_eq(store_watch_generation(st), 3);

	/* one prefix per store: the new one replaces the old */
	store_watch(st, "policy/");
	xcommit_put(st, "admin/z", "1");
	ck_assert_uint_eq(store_watch_generation(st), 3);
	xcommit_put(st, "policy/z", "1");
	ck_assert_uint_eq(store_watch_generation(st), 4);

	/* NULL stops watching */
	store_watch(st, NULL);
	xcommit_put(st, "policy/w", "1");
	ck_assert_uint_eq(store_watch_generation(st), 4);
	ck_assert_uint_eq(store_generation(st), 9);
	store_close(st);
}
END_TEST

/* --- size ---------------------------------------------------------------- */

START_TEST(test_big_value)
{
	const size_t len = 1024 * 1024;
	struct buf v = BUF_INIT;
	uint64_t before, after;
	unsigned char *big;
	struct store *st;
	uint32_t x = 12345;
	size_t i;

	big = malloc(len);
	ck_assert_ptr_nonnull(big);
	for (i = 0; i < len; i++) {
		x = x * 1103515245 + 12345;
		big[i] = x >> 24;
	}
	st = xcreate();
	ck_assert_int_eq(store_file_size(st, &before), 0);
	ck_assert_uint_gt(before, 0);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_put(st, "chunk/0", big, len), 0);
	ck_assert_int_eq(store_put(st, "chunk/1", big + 1, len - 1), 0);
	ck_assert_int_eq(store_get(st, "chunk/0", &v), 0);
	ck_assert_uint_eq(v.len, len);
	ck_assert(!memcmp(v.data, big, len));
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_eq(store_file_size(st, &after), 0);
	ck_assert_uint_ge(after, before + 2 * len - 1);
	store_close(st);

	st = xopen(STORE_NOSYNC);
	ck_assert_int_eq(store_get(st, "chunk/0", &v), 0);
	ck_assert_uint_eq(v.len, len);
	ck_assert(!memcmp(v.data, big, len));
	ck_assert_int_eq(store_get(st, "chunk/1", &v), 0);
	ck_assert_uint_eq(v.len, len - 1);
	ck_assert(!memcmp(v.data, big + 1, len - 1));
	/* replace with something small, then check the file */
	ck_assert_int_eq(store_txn_begin(st), 0);
	xput(st, "chunk/0", "small");
	ck_assert_int_eq(store_txn_commit(st), 0);
	check_val(st, "chunk/0", "small");
	store_close(st);
	check_tdb();
	buf_release(&v);
	free(big);
}
END_TEST

START_TEST(test_many_keys)
{
	const int nkeys = 100000;
	struct buf v = BUF_INIT;
	struct store *st;
	char key[32], val[32];
	int i, n;

	st = xcreate();
	ck_assert_int_eq(store_txn_begin(st), 0);
	for (i = 0; i < nkeys; i++) {
		snprintf(key, sizeof(key), "row/%d", i);
		snprintf(val, sizeof(val), "%d", i * 7);
		xput(st, key, val);
	}
	ck_assert_int_eq(store_txn_commit(st), 0);
	store_close(st);

	st = xopen(STORE_NOSYNC);
	for (i = 0; i < nkeys; i++) {
		snprintf(key, sizeof(key), "row/%d", i);
		snprintf(val, sizeof(val), "%d", i * 7);
		ck_assert_int_eq(store_get(st, key, &v), 0);
		ck_assert_str_eq(v.data, val);
	}
	n = 0;
	ck_assert_int_eq(store_each(st, "row/", count_all, &n), 0);
	ck_assert_int_eq(n, nkeys);

	/* delete every other one */
	ck_assert_int_eq(store_txn_begin(st), 0);
	for (i = 0; i < nkeys; i += 2) {
		snprintf(key, sizeof(key), "row/%d", i);
		ck_assert_int_eq(store_del(st, key), 0);
	}
	ck_assert_int_eq(store_txn_commit(st), 0);
	n = 0;
	ck_assert_int_eq(store_each(st, "row/", count_all, &n), 0);
	ck_assert_int_eq(n, nkeys / 2);
	store_close(st);
	check_tdb();
	buf_release(&v);
}
END_TEST

/* --- crash safety -------------------------------------------------------- */

enum crash_when { CRASH_BEFORE_COMMIT, CRASH_AFTER_COMMIT };

/*
 * Child: open the store, write keys crash/0..n-1 in one transaction, tell
 * the parent through the pipe, then wait to be killed.
 */
static void crash_child(int fd, enum crash_when when, int n)
{
	struct store *st = NULL;
	char key[32];
	int i;

	if (store_open(test_path, 0, &st, NULL))
		_exit(2);
	if (store_txn_begin(st))
		_exit(3);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "crash/%d", i);
		if (store_put(st, key, "x", 1))
			_exit(4);
	}
	if (when == CRASH_AFTER_COMMIT && store_txn_commit(st))
		_exit(5);
	if (write(fd, "r", 1) != 1)
		_exit(6);
	for (;;)
		pause();
}

static void kill_child(pid_t pid)
{
	int status;

	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static void crash_run(enum crash_when when, int n)
{
	int p[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		crash_child(p[1], when, n);
	}
	close(p[1]);
	/* 0 bytes means the child died early: its exit code says where */
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	kill_child(pid);
}

static int count_crash(struct store *st)
{
	int n = 0;

	ck_assert_int_eq(store_each(st, "crash/", count_all, &n), 0);
	return n;
}

START_TEST(test_crash_before_commit)
{
	struct store *st = xopen(STORE_CREATE);

	xcommit_put(st, "before", "yes");
	store_close(st);

	crash_run(CRASH_BEFORE_COMMIT, 1000);

	st = xopen(0);
	ck_assert_int_eq(count_crash(st), 0);
	check_val(st, "before", "yes");
	/* the dead child's locks are gone: we can write */
	xcommit_put(st, "after", "yes");
	store_close(st);
	check_tdb();
}
END_TEST

START_TEST(test_crash_after_commit)
{
	struct store *st = xopen(STORE_CREATE);
	char key[32];
	int i;

	store_close(st);

	crash_run(CRASH_AFTER_COMMIT, 1000);

	st = xopen(0);
	ck_assert_int_eq(count_crash(st), 1000);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "crash/%d", i);
		check_val(st, key, "x");
	}
	store_close(st);
	check_tdb();
}
END_TEST

/*
 * Kill a child at some point in a stream of commits, each of which sets
 * every key in ring/0..9 to the commit's number.  Whatever was
 * interrupted, the store must show one whole commit: all ten keys equal.
 */
static void ring_child(int fd)
{
	struct store *st = NULL;
	char key[32], val[32];
	int round, i;

	if (store_open(test_path, 0, &st, NULL))
		_exit(2);
	for (round = 1;; round++) {
		if (store_txn_begin(st))
			_exit(3);
		snprintf(val, sizeof(val), "%d", round);
		for (i = 0; i < 10; i++) {
			snprintf(key, sizeof(key), "ring/%d", i);
			if (store_put(st, key, val, strlen(val)))
				_exit(4);
		}
		if (store_txn_commit(st))
			_exit(5);
		if (round == 3 && write(fd, "r", 1) != 1)
			_exit(6);
	}
}

START_TEST(test_crash_during_commits)
{
	struct buf first = BUF_INIT, v = BUF_INIT;
	struct store *st;
	char key[32];
	int trial, i, p[2];
	pid_t pid;
	char c;

	st = xopen(STORE_CREATE);
	store_close(st);
	for (trial = 0; trial < 5; trial++) {
		ck_assert_int_eq(pipe(p), 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			close(p[0]);
			ring_child(p[1]);
		}
		close(p[1]);
		ck_assert_int_eq(read(p[0], &c, 1), 1);
		close(p[0]);
		usleep(1000 * (trial * 7 % 20));
		kill_child(pid);

		st = xopen(0);
		ck_assert_int_eq(store_get(st, "ring/0", &first), 0);
		ck_assert_int_ge(atoi(first.data), 3);
		for (i = 1; i < 10; i++) {
			snprintf(key, sizeof(key), "ring/%d", i);
			ck_assert_int_eq(store_get(st, key, &v), 0);
			ck_assert_str_eq(v.data, first.data);
		}
		store_close(st);
		check_tdb();
	}
	buf_release(&first);
	buf_release(&v);
}
END_TEST

/* --- tdb_check ----------------------------------------------------------- */

/* rec_peek_i64() reads the encoded record as rec_decode() + rec_get_i64()
 * would, value by value, and refuses a malformed record alike. */
START_TEST(test_rec_peek)
{
	static const struct { const char *v; size_t len; } vals[] = {
		{ "123", 3 }, { "", 0 }, { "-5", 2 }, { "12x", 3 },
		{ "0000000000000000000000000000000000000042", 40 },
		{ "7\0x", 3 }, { " 9", 2 }, { "99999999999999999999", 20 },
	};
	size_t i;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		struct rec r = REC_INIT, d = REC_INIT;
		struct buf enc = BUF_INIT;
		int64_t got;

		ck_assert_int_eq(rec_sets(&r, "by", "x@example.com"), 0);
		ck_assert_int_eq(rec_set(&r, "mtime", vals[i].v, vals[i].len), 0);
		ck_assert_int_eq(rec_sets(&r, "mtimes", "1"), 0);
		ck_assert_int_eq(rec_encode(&r, &enc), 0);
		ck_assert_int_eq(rec_decode(&d, enc.data, enc.len), 0);
		ck_assert_int_eq(rec_peek_i64(enc.data, enc.len, "mtime", -1,
					      &got), 0);
		ck_assert_msg(got == rec_get_i64(&d, "mtime", -1),
			      "value %zu: %lld", i, (long long)got);
		ck_assert_int_eq(rec_peek_i64(enc.data, enc.len, "none", -1,
					      &got), 0);
		ck_assert_int_eq(got, -1);
		/* cut short anywhere inside: malformed for both */
		for (size_t cut = 1; cut < enc.len; cut++) {
			struct rec t = REC_INIT;
			int rd = rec_decode(&t, enc.data, cut);

			ck_assert_int_eq(rec_peek_i64(enc.data, cut, "mtime",
						      -1, &got) < 0, rd < 0);
			rec_release(&t);
		}
		rec_release(&r);
		rec_release(&d);
		buf_release(&enc);
	}
	{
		int64_t got = 5;

		ck_assert_int_eq(rec_peek_i64(NULL, 0, "mtime", 7, &got), 0);
		ck_assert_int_eq(got, 7);
	}
}
END_TEST

START_TEST(test_tdb_check)
{
	struct store *st = xcreate();
	char key[32], val[32 * 20];
	int i, round;

	memset(val, 'z', sizeof(val));
	for (round = 0; round < 20; round++) {
		ck_assert_int_eq(store_txn_begin(st), 0);
		for (i = 0; i < 200; i++) {
			snprintf(key, sizeof(key), "c/%d",
				 (i * 31 + round) % 300);
			if (i % 3 == round % 3)
				ck_assert_int_eq(store_del(st, key), 0);
			else
				ck_assert_int_eq(store_put(st, key, val,
							   strlen(key) * round),
						 0);
		}
		if (round % 4 == 3)
			store_txn_cancel(st);
		else
			ck_assert_int_eq(store_txn_commit(st), 0);
	}
	store_close(st);
	check_tdb();
}
END_TEST

/* ------------------------------------------------------------------------ */

static TCase *tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	/* Check's 4s default is too short under valgrind (mutex walks) */
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc;

	tc = tcase(s, "open");
	tcase_add_test(tc, test_create_then_open);
	tcase_add_test(tc, test_create_refuses_existing);
	tcase_add_test(tc, test_open_missing);
	tcase_add_test(tc, test_open_bad_args);
	tcase_add_test(tc, test_open_twice_busy);
	tcase_add_test(tc, test_open_other_process_busy);
	tcase_add_test(tc, test_read_cache_rules);
	tcase_add_test(tc, test_clean_mark);
	tcase_add_test(tc, test_open_repairs_free_space);

	tc = tcase(s, "version");
	tcase_add_test(tc, test_refuse_no_version);
	tcase_add_test(tc, test_refuse_wrong_version);
	tcase_add_test(tc, test_err_is_appended);
	tcase_add_test(tc, test_refuse_garbled_version);
	tcase_add_test(tc, test_refuse_not_tdb);
	tcase_add_test(tc, test_version_key_reserved);

	tc = tcase(s, "put_get_del");
	tcase_add_test(tc, test_put_get_del);
	tcase_add_test(tc, test_rec_peek);
	tcase_add_test(tc, test_bad_keys);

	tc = tcase(s, "outside_txn");
	tcase_add_test(tc, test_write_outside_txn);

	tc = tcase(s, "nested_begin");
	tcase_add_test(tc, test_nested_begin);

	tc = tcase(s, "cancel");
	tcase_add_test(tc, test_cancel_leaves_nothing);

	tc = tcase(s, "commit");
	tcase_add_test(tc, test_commit_persists);

	tc = tcase(s, "each");
	tcase_add_test(tc, test_each_prefix);
	tcase_add_test(tc, test_each_in_txn);
	tcase_add_test(tc, test_each_reads_inside);
	tcase_add_test(tc, test_each_foreign_keys);

	tc = tcase(s, "generation");
	tcase_add_test(tc, test_generation);
	tcase_add_test(tc, test_watch_generation);

	tc = tcase(s, "size");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_big_value);
	tcase_add_test(tc, test_many_keys);

	tc = tcase(s, "crash");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_crash_before_commit);
	tcase_add_test(tc, test_crash_after_commit);
	tcase_add_test(tc, test_crash_during_commits);

	tc = tcase(s, "tdb_check");
	tcase_add_test(tc, test_tdb_check);

	return s;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	SRunner *sr;
	int failed;

	if (snprintf(run_dir, sizeof(run_dir), "%s/check_store.XXXXXX",
		     tmp && *tmp ? tmp : "/tmp") >= (int)sizeof(run_dir) ||
	    !mkdtemp(run_dir)) {
		perror("check_store: mkdtemp");
		return EXIT_FAILURE;
	}
	sr = srunner_create(store_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	remove_tree(run_dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
