/*
 * check_extsort.c - unit tests for model/extsort.c: records sorted in
 * bounded memory, checked against qsort of the same records.
 *
 * Tiny budgets (a few records) force the spill path: many runs, merges
 * in several passes, runs that hold part of one group of equal first
 * words, and ties.  Each test gets its own mkdtemp directory as the
 * sorter's scratch directory (checked fixture), which must hold no name
 * while the sorter works and after it is released; main() sweeps the run
 * directory at the end.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "extsort.h"

static char run_dir[PATH_MAX];
static char test_dir[PATH_MAX];

static void setup(void)
{
	ck_assert_int_lt(snprintf(test_dir, sizeof(test_dir), "%s/t.XXXXXX",
				  run_dir),
			 (int)sizeof(test_dir));
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
}

static int remove_one(const char *path, const struct stat *sb, int type,
		      struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void teardown(void)
{
	nftw(test_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Names in dir, "." and ".." aside. */
static int dir_names(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static unsigned cmp_words;

static int cmp_ref(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	unsigned i;

	for (i = 0; i < cmp_words; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* Sort n records v of w words through a sorter (budget bytes, flags)
 * and check the output against qsort (and dedupe); gives the sorter's
 * spills and merges. */
static void sort_check(const uint64_t *v, size_t n, unsigned w, unsigned flags,
		       size_t budget, size_t *spills, size_t *merges)
{
	struct extsort s;
	uint64_t *ref = malloc((n ? n : 1) * w * sizeof(*ref));
	const uint64_t *rec;
	size_t i, m = 0, got = 0, k;

	ck_assert_ptr_nonnull(ref);
	if (n)
		memcpy(ref, v, n * w * sizeof(*v));
	cmp_words = w;
	qsort(ref, n, w * sizeof(*ref), cmp_ref);
	for (i = 0; i < n; i++) {
		if ((flags & EXTSORT_UNIQUE) && m &&
		    !cmp_ref(ref + (m - 1) * w, ref + i * w))
			continue;
		memmove(ref + m * w, ref + i * w, w * sizeof(*ref));
		m++;
	}
	extsort_init(&s, w, flags, budget, test_dir);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(extsort_add(&s, v + i * w), 0);
	ck_assert_int_eq(extsort_finish(&s), 0);
	ck_assert_int_eq(dir_names(test_dir), 0);
	for (;;) {
		ck_assert_int_eq(extsort_next(&s, &rec, &k), 0);
		if (!k)
			break;
		for (i = 0; i < k; i++, rec += w) {
			ck_assert_uint_lt(got, m);
			ck_assert_msg(!cmp_ref(rec, ref + got * w),
				      "record %zu of %zu: %llx %llx, not "
				      "%llx %llx",
				      got, m, (unsigned long long)rec[0],
				      (unsigned long long)rec[w - 1],
				      (unsigned long long)ref[got * w],
				      (unsigned long long)ref[got * w + w - 1]);
			got++;
		}
	}
	ck_assert_uint_eq(got, m);
	/* the end stays the end */
	ck_assert_int_eq(extsort_next(&s, &rec, &k), 0);
	ck_assert_uint_eq(k, 0);
	*spills = s.spills;
	*merges = s.merges;
	extsort_release(&s);
	ck_assert_int_eq(dir_names(test_dir), 0);
	free(ref);
}

START_TEST(test_empty)
{
	struct extsort s;
	const uint64_t *rec;
	size_t spills, merges, k = 1;

	extsort_init(&s, 2, 0, 64, test_dir);
	ck_assert_int_eq(extsort_finish(&s), 0);
	ck_assert_int_eq(extsort_next(&s, &rec, &k), 0);
	ck_assert_uint_eq(k, 0);
	ck_assert_int_eq(s.has_fd, 0);
	extsort_release(&s);
	/* a release of a released sorter is harmless */
	extsort_release(&s);
	sort_check(NULL, 0, 1, EXTSORT_UNIQUE, 16, &spills, &merges);
	ck_assert_uint_eq(spills, 0);
}
END_TEST

/* Budgets from "two records a run, two runs a merge" to "all in memory",
 * over random records of one and two words. */
static const size_t budgets[] = { 1, 32, 48, 100, 256, 4096, 1 << 20 };

START_TEST(test_random)
{
	size_t budget = budgets[_i], n, spills, merges;
	unsigned w, flags;
	uint64_t *v;

	for (w = 1; w <= 2; w++) {
		/* up to 1024 records; 256 where a run holds two */
		for (n = 0; n <= (budget < 64 ? 256u : 1024u);
		     n = n ? n * 4 : 1) {
			size_t i;

			v = malloc((n ? n : 1) * w * sizeof(*v));
			ck_assert_ptr_nonnull(v);
			rng_state = n * 31 + w;
			for (i = 0; i < n * w; i++)
				v[i] = rnd();
			for (flags = 0; flags <= EXTSORT_UNIQUE; flags++)
				sort_check(v, n, w, flags, budget, &spills,
					   &merges);
			free(v);
		}
	}
}
END_TEST

/* Records like the sessions': (person, time) with few persons, each
 * person's records spread over many runs, in time order mostly, some
 * out of order, many ties; and pairs with many duplicates. */
START_TEST(test_groups_and_ties)
{
	size_t n = 2000, i, spills, merges;
	uint64_t *v = malloc(n * 2 * sizeof(*v));

	ck_assert_ptr_nonnull(v);
	rng_state = 7;
	for (i = 0; i < n; i++) {
		v[2 * i] = (uint64_t)(rnd() % 5) << 32 | 0x80000000u;
		/* time: rising, with a step back now and then and ties */
		v[2 * i + 1] = (i / 3) << 32 | (rnd() % 4);
		if (rnd() % 10 == 0)
			v[2 * i + 1] -= UINT64_C(50) << 32;
	}
	sort_check(v, n, 2, 0, 100, &spills, &merges);
	ck_assert_uint_gt(spills, 100);
	ck_assert_uint_gt(merges, 10);
	sort_check(v, n, 2, 0, 1 << 20, &spills, &merges);
	ck_assert_uint_eq(spills, 0);
	/* one person only, in reverse time order: long unsorted groups */
	for (i = 0; i < n; i++) {
		v[2 * i] = 42;
		v[2 * i + 1] = n - i;
	}
	sort_check(v, n, 2, 0, 4000, &spills, &merges);
	ck_assert_uint_gt(spills, 1);
	sort_check(v, n, 2, 0, 1 << 20, &spills, &merges);
	/* pairs (item, person) with duplicates, unique */
	for (i = 0; i < n; i++)
		v[i] = (rnd() % 3) << 32 | (rnd() % 50);
	sort_check(v, n, 1, EXTSORT_UNIQUE, 32, &spills, &merges);
	ck_assert_uint_gt(spills, 10);
	/* all fit once duplicates go: nothing spilled */
	sort_check(v, n, 1, EXTSORT_UNIQUE, 8192, &spills, &merges);
	ck_assert_uint_eq(spills, 0);
	/* already in order; every record equal */
	for (i = 0; i < n; i++)
		v[i] = i;
	sort_check(v, n, 1, 0, 64, &spills, &merges);
	for (i = 0; i < n; i++)
		v[i] = 9;
	sort_check(v, n, 1, 0, 64, &spills, &merges);
	sort_check(v, n, 1, EXTSORT_UNIQUE, 64, &spills, &merges);
	free(v);
}
END_TEST

/* A scratch directory that cannot be used: $TMPDIR or /tmp instead. */
START_TEST(test_scratch_fallback)
{
	struct extsort s;
	const uint64_t *rec;
	uint64_t k;
	char missing[PATH_MAX + 16];
	size_t n, i;
	int got = 0;

	snprintf(missing, sizeof(missing), "%s/none", test_dir);
	extsort_init(&s, 1, 0, 16, missing);
	for (k = 100; k > 0; k--)
		ck_assert_int_eq(extsort_add(&s, &k), 0);
	ck_assert_int_eq(extsort_finish(&s), 0);
	ck_assert_int_eq(s.has_fd, 1);
	do {
		ck_assert_int_eq(extsort_next(&s, &rec, &n), 0);
		for (i = 0; i < n; i++)
			ck_assert_uint_eq(rec[i], (uint64_t)++got);
	} while (n);
	ck_assert_int_eq(got, 100);
	extsort_release(&s);
}
END_TEST

static Suite *extsort_suite(void)
{
	Suite *s = suite_create("extsort");
	TCase *tc;

	tc = tcase_create("sort");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_empty);
	tcase_add_loop_test(tc, test_random, 0,
			    (int)(sizeof(budgets) / sizeof(budgets[0])));
	tcase_add_test(tc, test_groups_and_ties);
	tcase_add_test(tc, test_scratch_fallback);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	SRunner *sr;
	int failed;

	if (snprintf(run_dir, sizeof(run_dir), "%s/check_extsort.XXXXXX",
		     tmp && *tmp ? tmp : "/tmp") >= (int)sizeof(run_dir) ||
	    !mkdtemp(run_dir)) {
		perror("check_extsort: mkdtemp");
		return EXIT_FAILURE;
	}
	sr = srunner_create(extsort_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(run_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
