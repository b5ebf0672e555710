/*
 * check_rowfile.c - unit tests for model/rowfile.c: the row files beside
 * a store (store.h, "Row files").
 *
 * Each test gets a fresh mkdtemp directory holding store.tdb and its
 * store.tdb.rows; main() removes the run's directory at the end.  What
 * is checked is what the directory holds after each step, against the
 * files committed records name: put, commit and cancel leave exactly the
 * committed files; a dropped file stays while a pin taken before the
 * drop is held; an open removes what no record names; an id is never
 * used twice; a damaged file reads as -EIO; the live list and count
 * (what a backup uses) follow commits.  STORE_NOSYNC throughout.
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
#include <zstd.h>

#include "rowfile.h"
#include "store.h"

static char run_dir[PATH_MAX];
static char test_dir[PATH_MAX];
static char test_path[PATH_MAX];
static char rows_dir[PATH_MAX];

static void setup(void)
{
	ck_assert_int_lt(snprintf(test_dir, sizeof(test_dir), "%s/t.XXXXXX",
				  run_dir), (int)sizeof(test_dir));
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
	ck_assert_int_lt(snprintf(test_path, sizeof(test_path),
				  "%s/store.tdb", test_dir),
			 (int)sizeof(test_path));
	ck_assert_int_lt(snprintf(rows_dir, sizeof(rows_dir), "%s.rows",
				  test_path), (int)sizeof(rows_dir));
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

static struct store *xopen(unsigned flags)
{
	struct buf err = BUF_INIT;
	struct store *st = NULL;
	int rc = store_open(test_path, flags | STORE_NOSYNC, &st, &err);

	ck_assert_msg(rc == 0, "store_open: %d %s", rc,
		      err.data ? err.data : "");
	buf_release(&err);
	return st;
}

/* The names in the rows directory, sorted, joined by spaces. */
static void listing(char *out, size_t size)
{
	struct dirent **v;
	int n, i;

	out[0] = '\0';
	n = scandir(rows_dir, &v, NULL, alphasort);
	ck_assert_int_ge(n, 0);
	for (i = 0; i < n; i++) {
		if (v[i]->d_name[0] != '.') {
			if (out[0])
				strncat(out, " ", size - strlen(out) - 1);
			strncat(out, v[i]->d_name, size - strlen(out) - 1);
		}
		free(v[i]);
	}
	free(v);
}

static void name_of(char *name, size_t size, uint64_t id)
{
	snprintf(name, size, "%016" PRIx64, id);
}

static uint64_t put1(struct store *st, const char *data)
{
	uint64_t id = 0;

	ck_assert_int_eq(store_rowfile_put(st, data, strlen(data), &id), 0);
	return id;
}

static int file_exists(uint64_t id)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%016" PRIx64, rows_dir, id);
	return access(path, F_OK) == 0;
}

START_TEST(test_commit_cancel)
{
	struct store *st = xopen(STORE_CREATE);
	char got[256], want[256];
	struct buf b = BUF_INIT;
	uint64_t a, c, n, blocks;

	ck_assert_int_eq(store_txn_begin(st), 0);
	a = put1(st, "kept");
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_eq(store_txn_begin(st), 0);
	c = put1(st, "cancelled");
	ck_assert(file_exists(c));
	store_txn_cancel(st);
	ck_assert(!file_exists(c));
	listing(got, sizeof(got));
	name_of(want, sizeof(want), a);
	ck_assert_str_eq(got, want);
	/* the record and the contents */
	ck_assert_int_eq(store_rowfile_read(st, a, 4, &b), 0);
	ck_assert_str_eq(b.data, "kept");
	ck_assert_int_eq(store_rowfile_count(st, &n, &blocks), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(blocks, 1);
	/* outside a transaction: refused */
	ck_assert_int_eq(store_rowfile_put(st, "x", 1, &c), -EINVAL);
	ck_assert_int_eq(store_rowfile_drop(st, a), -EINVAL);
	buf_release(&b);
	store_close(st);
}
END_TEST

START_TEST(test_pin_keeps_dropped)
{
	struct store *st = xopen(STORE_CREATE);
	struct buf b = BUF_INIT;
	uint64_t a, c, pin, n, blocks;

	ck_assert_int_eq(store_txn_begin(st), 0);
	a = put1(st, "pinned");
	c = put1(st, "not pinned");
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_eq(store_pin(st, &pin), 0);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_rowfile_drop(st, a), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	/* the pin names a: it stays, and reads */
	ck_assert(file_exists(a));
	ck_assert_int_eq(store_rowfile_read(st, a, 6, &b), 0);
	ck_assert_str_eq(b.data, "pinned");
	ck_assert_int_eq(store_rowfile_count(st, &n, &blocks), 0);
	ck_assert_uint_eq(n, 1);
	store_unpin(st, pin);
	ck_assert(!file_exists(a));
	/* no pin held: a drop removes at the commit */
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_rowfile_drop(st, c), 0);
	ck_assert(file_exists(c));	/* not before the commit */
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert(!file_exists(c));
	ck_assert_int_eq(store_rowfile_count(st, &n, &blocks), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(blocks, 0);
	/* a drop that is cancelled keeps the file */
	ck_assert_int_eq(store_txn_begin(st), 0);
	a = put1(st, "again");
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_rowfile_drop(st, a), 0);
	store_txn_cancel(st);
	ck_assert(file_exists(a));
	ck_assert_int_eq(store_rowfile_read(st, a, 5, &b), 0);
	buf_release(&b);
	store_close(st);
}
END_TEST

START_TEST(test_open_removes_orphans)
{
	struct store *st = xopen(STORE_CREATE);
	char got[256], want[256], path[PATH_MAX + 32];
	uint64_t a, n, blocks;
	int fd;

	ck_assert_int_eq(store_txn_begin(st), 0);
	a = put1(st, "kept");
	ck_assert_int_eq(store_txn_commit(st), 0);
	store_close(st);
	/* what a crash leaves: a file of a transaction that never
	 * committed (named like a row file), and a name that is none */
	snprintf(path, sizeof(path), "%s/%016" PRIx64, rows_dir, a + 1);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/junk", rows_dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	st = xopen(0);
	listing(got, sizeof(got));
	name_of(want, sizeof(want), a);
	ck_assert_str_eq(got, want);
	ck_assert_int_eq(store_rowfile_count(st, &n, &blocks), 0);
	ck_assert_uint_eq(n, 1);
	/* the orphan's id is not used again either */
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_uint_gt(put1(st, "next"), a + 1);
	ck_assert_int_eq(store_txn_commit(st), 0);
	store_close(st);
}
END_TEST

START_TEST(test_ids_never_reused)
{
	struct store *st = xopen(STORE_CREATE);
	uint64_t a, b, c;

	ck_assert_int_eq(store_txn_begin(st), 0);
	a = put1(st, "one");
	store_txn_cancel(st);
	ck_assert_int_eq(store_txn_begin(st), 0);
	b = put1(st, "two");
	ck_assert_uint_gt(b, a);
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_rowfile_drop(st, b), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	store_close(st);
	/* reopened: past the stored "f:next", though b's file is gone */
	st = xopen(0);
	ck_assert_int_eq(store_txn_begin(st), 0);
	c = put1(st, "three");
	ck_assert_uint_gt(c, b);
	ck_assert_int_eq(store_txn_commit(st), 0);
	store_close(st);
}
END_TEST

/* data as one zstd frame with a checksum, as rows.c writes them */
static size_t frame(const char *data, char *out, size_t size)
{
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	size_t n;

	ck_assert_ptr_nonnull(cc);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	n = ZSTD_compress2(cc, out, size, data, strlen(data));
	ck_assert(!ZSTD_isError(n));
	ZSTD_freeCCtx(cc);
	return n;
}

START_TEST(test_damage_is_eio)
{
	struct store *st = xopen(STORE_CREATE);
	char z[512], path[PATH_MAX + 32];
	struct buf b = BUF_INIT;
	const char *why = NULL;
	uint64_t a, cnt, blocks;
	size_t n = frame("some rows,1\nmore rows,2\n", z, sizeof(z));
	int fd;

	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_rowfile_put(st, z, n, &a), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_eq(rowfiles_check(store_rowfiles(st), a, n, &why), 0);
	/* the wrong size: -EIO */
	ck_assert_int_eq(store_rowfile_read(st, a, n + 1, &b), -EIO);
	ck_assert_int_eq(rowfiles_check(store_rowfiles(st), a, n + 1, &why),
			 -EIO);
	ck_assert_ptr_nonnull(why);
	/* a byte flipped: the size is right, the checksum is not */
	snprintf(path, sizeof(path), "%s/%016" PRIx64, rows_dir, a);
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	z[n - 6] ^= 0x20;
	ck_assert_int_eq(pwrite(fd, z + n - 6, 1, n - 6), 1);
	ck_assert_int_eq(rowfiles_check(store_rowfiles(st), a, n, &why),
			 -EIO);
	/* cut short: -EIO from both */
	ck_assert_int_eq(ftruncate(fd, n - 3), 0);
	close(fd);
	ck_assert_int_eq(store_rowfile_read(st, a, n, &b), -EIO);
	ck_assert_int_eq(rowfiles_check(store_rowfiles(st), a, n, &why),
			 -EIO);
	/* gone: -EIO */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(store_rowfile_read(st, a, n, &b), -EIO);
	buf_release(&b);
	store_close(st);
	/* reopened, the record still names it: listed (a backup then
	 * fails on it rather than leave it out) */
	st = xopen(0);
	ck_assert_int_eq(store_rowfile_count(st, &cnt, &blocks), 0);
	ck_assert_uint_eq(cnt, 1);
	store_close(st);
}
END_TEST

struct seen {
	uint64_t ids[8], sizes[8];
	int n;
};

static int note(uint64_t id, uint64_t size, void *arg)
{
	struct seen *s = arg;

	ck_assert_int_lt(s->n, 8);
	s->ids[s->n] = id;
	s->sizes[s->n] = size;
	s->n++;
	return 0;
}

START_TEST(test_live_list)
{
	struct store *st = xopen(STORE_CREATE);
	char big[1500];
	struct seen s = { 0 };
	uint64_t a, b, c, n, blocks;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(store_txn_begin(st), 0);
	a = put1(st, "a");
	b = put1(st, big);
	c = put1(st, "c");
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_rowfile_drop(st, a), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	ck_assert_int_eq(store_rowfile_count(st, &n, &blocks), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(blocks, 3 + 1);	/* 1499 bytes, then 1 */
	ck_assert_int_eq(store_rowfile_each(st, note, &s), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_uint_eq(s.ids[0], b);
	ck_assert_uint_eq(s.sizes[0], sizeof(big) - 1);
	ck_assert_uint_eq(s.ids[1], c);
	store_close(st);
	/* the same after an open, from the directory and the records */
	st = xopen(0);
	ck_assert_int_eq(store_rowfile_count(st, &n, &blocks), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(blocks, 4);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(store_rowfile_each(st, note, &s), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_uint_eq(s.ids[0], b);
	ck_assert_uint_eq(s.ids[1], c);
	ck_assert_uint_eq(s.sizes[1], 1);
	store_close(st);
}
END_TEST

static Suite *rowfile_suite(void)
{
	Suite *s = suite_create("rowfile");
	TCase *tc = tcase_create("rowfile");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_commit_cancel);
	tcase_add_test(tc, test_pin_keeps_dropped);
	tcase_add_test(tc, test_open_removes_orphans);
	tcase_add_test(tc, test_ids_never_reused);
	tcase_add_test(tc, test_damage_is_eio);
	tcase_add_test(tc, test_live_list);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	SRunner *sr;
	int failed;

	if (snprintf(run_dir, sizeof(run_dir), "%s/check_rowfile.XXXXXX",
		     tmp && *tmp ? tmp : "/tmp") >= (int)sizeof(run_dir) ||
	    !mkdtemp(run_dir)) {
		perror("check_rowfile: mkdtemp");
		return EXIT_FAILURE;
	}
	sr = srunner_create(rowfile_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	remove_tree(run_dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
