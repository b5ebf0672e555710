/*
 * check_dirindex.c - unit tests for model/dirindex.c.
 *
 * Each test gets a fresh store in a mkdtemp directory (checked fixture).
 * The index is checked against a plain array of flags: after interleaved
 * adds and deletes, every name listed once, in order, with its count,
 * and the records bounded (no chunk over DIRINDEX_CHUNK names, one chunk
 * per DIRINDEX_CHUNK names).  A version 1 store is written with tdb
 * directly, as the old code left it, and converted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <tdb.h>

#include "dirindex.h"
#include "store.h"

static char test_dir[PATH_MAX];
static char test_path[PATH_MAX];
static struct store *st;

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	int n;

	n = snprintf(test_dir, sizeof(test_dir), "%s/check_dirindex.XXXXXX",
		     tmp && *tmp ? tmp : "/tmp");
	ck_assert_int_lt(n, (int)sizeof(test_dir));
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
	n = snprintf(test_path, sizeof(test_path), "%s/store.tdb", test_dir);
	ck_assert_int_lt(n, (int)sizeof(test_path));
	st = NULL;
}

static int remove_one(const char *path, const struct stat *sb, int type,
		      struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void teardown(void)
{
	if (st)
		store_close(st);
	st = NULL;
	nftw(test_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void xopen(unsigned flags)
{
	struct buf err = BUF_INIT;
	int rc = store_open(test_path, flags | STORE_NOSYNC, &st, &err);

	ck_assert_msg(rc == 0, "store_open: %d (%s)", rc,
		      err.data ? err.data : "");
	buf_release(&err);
}

static void xreopen(void)
{
	store_close(st);
	st = NULL;
	xopen(0);
}

static void name_of(char *out, size_t size, int i)
{
	snprintf(out, size, "n%05d", i);
}

/* One committed change. */
static void change(const char *dir, int i, int add)
{
	char name[32];

	name_of(name, sizeof(name), i);
	ck_assert_int_eq(store_txn_begin(st), 0);
	if (add)
		ck_assert_int_eq(dirindex_add(st, dir, name), 0);
	else
		ck_assert_int_eq(dirindex_del(st, dir, name), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
}

struct seen {
	const char *want;	/* flags: '1' listed */
	int n;
	char *hits;
};

static int seen_one(const char *name, size_t len, void *arg)
{
	struct seen *s = arg;
	int i;

	ck_assert_uint_eq(len, 6);
	ck_assert_int_eq(name[0], 'n');
	i = atoi(name + 1);
	ck_assert_int_lt(i, s->n);
	ck_assert_msg(s->want[i] == '1', "n%05d listed, not there", i);
	ck_assert_msg(!s->hits[i], "n%05d listed twice", i);
	s->hits[i] = 1;
	return 0;
}

struct chunks {
	int n;
	int over;
};

static int chunk_seen(const char *key, const void *val, size_t len,
		      void *arg)
{
	struct chunks *c = arg;
	const char *p = val;
	size_t i, lines = 0;

	if (!strchr(key + 2, ':'))
		return 0;	/* the count */
	for (i = 0; i < len; i++)
		lines += p[i] == '\n';
	c->n++;
	if (lines > DIRINDEX_CHUNK || !lines)
		c->over++;
	return 0;
}

/* dir holds exactly the names whose flag in want is '1', each once,
 * listed sorted, in the right number of bounded chunks. */
static void check_index(const char *dir, const char *want, int n)
{
	struct seen s = { want, n, calloc(n, 1) };
	struct chunks ch = { 0, 0 };
	struct buf list = BUF_INIT, expect = BUF_INIT, prefix = BUF_INIT;
	uint64_t count;
	int i, listed = 0;

	ck_assert_ptr_nonnull(s.hits);
	ck_assert_int_eq(dirindex_each(st, dir, seen_one, &s), 0);
	ck_assert_int_eq(buf_add(&expect, "", 0), 0);
	for (i = 0; i < n; i++) {
		char name[32];

		name_of(name, sizeof(name), i);
		ck_assert_msg((want[i] == '1') == (s.hits[i] == 1),
			      "%s missing", name);
		ck_assert_int_eq(dirindex_has(st, dir, name), want[i] == '1');
		if (want[i] == '1') {
			listed++;
			ck_assert_int_eq(buf_printf(&expect, "%s\n", name), 0);
		}
	}
	ck_assert_int_eq(dirindex_count(st, dir, &count), 0);
	ck_assert_uint_eq(count, (uint64_t)listed);
	ck_assert_int_eq(dirindex_list(st, dir, &list), 0);
	ck_assert_str_eq(list.data, expect.data);
	ck_assert_int_eq(buf_printf(&prefix, "d:%s", dir), 0);
	ck_assert_int_eq(store_each(st, prefix.data, chunk_seen, &ch), 0);
	ck_assert_int_eq(ch.over, 0);
	ck_assert_int_eq(ch.n, (listed + DIRINDEX_CHUNK - 1) / DIRINDEX_CHUNK);
	free(s.hits);
	buf_release(&list);
	buf_release(&expect);
	buf_release(&prefix);
}

START_TEST(test_empty)
{
	struct buf list = BUF_INIT;
	uint64_t n = 7;

	xopen(STORE_CREATE);
	ck_assert_int_eq(store_version(st), 2);
	ck_assert_int_eq(dirindex_count(st, "/x", &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(dirindex_list(st, "/x", &list), 0);
	ck_assert_str_eq(list.data, "");
	ck_assert_int_eq(dirindex_has(st, "/x", "a"), 0);
	/* changes need a transaction */
	ck_assert_int_eq(dirindex_add(st, "/x", "a"), -EINVAL);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(dirindex_add(st, "/x", "a/b"), -EINVAL);
	ck_assert_int_eq(dirindex_add(st, "/x", ""), -EINVAL);
	ck_assert_int_eq(dirindex_del(st, "/x", "a"), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	buf_release(&list);
}
END_TEST

START_TEST(test_add_del)
{
	char want[600];

	xopen(STORE_CREATE);
	memset(want, '0', sizeof(want));
	for (int i = 0; i < 600; i++) {
		change("/c", i, 1);
		want[i] = '1';
	}
	change("/c", 5, 1);		/* again: nothing changes */
	check_index("/c", want, 600);
	/* the first, one in the middle of a chunk, the last, a whole chunk */
	change("/c", 0, 0);
	want[0] = '0';
	change("/c", 300, 0);
	want[300] = '0';
	change("/c", 599, 0);
	want[599] = '0';
	for (int i = 256; i < 512; i++) {
		change("/c", i, 0);
		want[i] = '0';
	}
	change("/c", 0, 0);		/* gone already */
	check_index("/c", want, 600);
	/* other directories are apart */
	check_index("/c/d", want, 0);
	xreopen();
	check_index("/c", want, 600);
	for (int i = 0; i < 600; i++)
		if (want[i] == '1')
			change("/c", i, 0);
	memset(want, '0', sizeof(want));
	check_index("/c", want, 600);
}
END_TEST

/* Interleaved adds and deletes over chunk boundaries, against flags. */
START_TEST(test_random)
{
	enum { N = 1500, OPS = 6000 };
	char want[N];
	unsigned seed = 17;

	xopen(STORE_CREATE);
	memset(want, '0', sizeof(want));
	for (int op = 0; op < OPS; op++) {
		int i = (int)(rand_r(&seed) % N);
		/* mostly adds early, mostly deletes late */
		int add = (int)(rand_r(&seed) % OPS) >= op;

		change("/r", i, add);
		want[i] = add ? '1' : '0';
		if (op % 1000 == 999)
			check_index("/r", want, N);
	}
	check_index("/r", want, N);
}
END_TEST

/* A cancelled change leaves the index as it was. */
START_TEST(test_cancel)
{
	char want[300];

	xopen(STORE_CREATE);
	memset(want, '1', sizeof(want));
	for (int i = 0; i < 300; i++)
		change("/c", i, 1);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(dirindex_del(st, "/c", "n00003"), 0);
	ck_assert_int_eq(dirindex_add(st, "/c", "n99999"), 0);
	store_txn_cancel(st);
	check_index("/c", want, 300);
}
END_TEST

START_TEST(test_move)
{
	char want[700], none[700];

	xopen(STORE_CREATE);
	memset(want, '1', sizeof(want));
	memset(none, '0', sizeof(none));
	for (int i = 0; i < 700; i++)
		change("/v/a", i, 1);
	change("/v/b", 1, 1);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(dirindex_move(st, "/v/a", "/v/b"), -EEXIST);
	ck_assert_int_eq(dirindex_move(st, "/v/a", "/v/c"), 0);
	ck_assert_int_eq(dirindex_move(st, "/v/none", "/v/d"), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	check_index("/v/a", none, 700);
	check_index("/v/c", want, 700);
	change("/v/c", 3, 0);
	want[3] = '0';
	check_index("/v/c", want, 700);
}
END_TEST

/* A store as version 1 left it: "l:DIR" records of sorted lines. */
static void make_v1_store(void)
{
	struct tdb_context *t;
	struct {
		const char *k, *v;
	} recs[] = {
		{ "v", STORE_VERSION_1 },
		{ "l:/connections", "a\nb\nc\n" },
		{ "l:/connections/a/datasets", "d1\nd2\n" },
		{ "l:/dataviews/web/components", "page\n" },
		{ "o:/connections/a", "x" },
		{ "lx", "not an index" },
	};
	size_t i;

	t = tdb_open(test_path, 0, TDB_DEFAULT, O_RDWR | O_CREAT | O_EXCL,
		     0600);
	ck_assert_ptr_nonnull(t);
	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		TDB_DATA k = { (unsigned char *)recs[i].k, strlen(recs[i].k) };
		TDB_DATA d = { (unsigned char *)recs[i].v, strlen(recs[i].v) };

		ck_assert_int_eq(tdb_store(t, k, d, TDB_INSERT), 0);
	}
	ck_assert_int_eq(tdb_close(t), 0);
}

static int count_key(const char *key, const void *val, size_t len,
		     void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void check_list(const char *dir, const char *want)
{
	struct buf list = BUF_INIT;

	ck_assert_int_eq(dirindex_list(st, dir, &list), 0);
	ck_assert_str_eq(list.data, want);
	buf_release(&list);
}

START_TEST(test_migrate)
{
	struct buf v = BUF_INIT;
	int n = 0;

	make_v1_store();
	xopen(0);
	ck_assert_int_eq(store_version(st), 1);
	check_list("/connections", "");
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(dirindex_migrate(st), 0);
	ck_assert_int_eq(store_set_version(st), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	xreopen();
	ck_assert_int_eq(store_version(st), 2);
	check_list("/connections", "a\nb\nc\n");
	check_list("/connections/a/datasets", "d1\nd2\n");
	check_list("/dataviews/web/components", "page\n");
	ck_assert_int_eq(store_each(st, "l:", count_key, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(store_get(st, "lx", &v), 0);
	ck_assert_int_eq(store_get(st, "o:/connections/a", &v), 0);
	/* and it goes on as any index */
	change("/connections", 1, 1);
	check_list("/connections", "a\nb\nc\nn00001\n");
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(dirindex_del(st, "/connections", "a"), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	check_list("/connections", "b\nc\nn00001\n");
	buf_release(&v);
}
END_TEST

/* A version 1 store whose index is damaged is left as it was. */
START_TEST(test_migrate_refuses_damage)
{
	struct tdb_context *t;
	TDB_DATA k = { (unsigned char *)"l:/x", 4 };
	TDB_DATA d = { (unsigned char *)"a\nb", 3 };	/* no last newline */

	make_v1_store();
	t = tdb_open(test_path, 0, TDB_DEFAULT, O_RDWR, 0600);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(tdb_store(t, k, d, TDB_INSERT), 0);
	ck_assert_int_eq(tdb_close(t), 0);
	xopen(0);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(dirindex_migrate(st), -EIO);
	store_txn_cancel(st);
	ck_assert_int_eq(store_version(st), 1);
	check_list("/connections", "");
}
END_TEST

static Suite *dirindex_suite(void)
{
	Suite *s = suite_create("dirindex");
	TCase *tc = tcase_create("index");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_add_del);
	tcase_add_test(tc, test_random);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_move);
	suite_add_tcase(s, tc);
	tc = tcase_create("migrate");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_migrate);
	tcase_add_test(tc, test_migrate_refuses_damage);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dirindex_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
