/*
 * check_activity.c - the reporting activity registry and its slots
 * (model/activity.c): tasks run in the order queued, no more at once than
 * there are slots; a stop takes a job's waiting tasks out of the queue
 * without running them and tells its scan at the next poll; the listing
 * and the cancel commands.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activity.h"

#define NTASKS 6

/* What the tasks did, in order. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int ran[NTASKS], nran;
static int dropped[NTASKS], ndropped;
static int drop_rc[NTASKS];
static int busy, most_busy;
/* a task waits on its gate (1: may end) */
static atomic_int gate[NTASKS];

static void reset(void)
{
	int i;

	nran = ndropped = busy = most_busy = 0;
	for (i = 0; i < NTASKS; i++)
		atomic_store(&gate[i], 0);
}

static void run(void *arg)
{
	int i = (int)(intptr_t)arg;

	pthread_mutex_lock(&log_lock);
	ran[nran++] = i;
	if (++busy > most_busy)
		most_busy = busy;
	pthread_mutex_unlock(&log_lock);
	while (!atomic_load(&gate[i]))
		usleep(1000);
	pthread_mutex_lock(&log_lock);
	busy--;
	pthread_mutex_unlock(&log_lock);
}

static void drop(void *arg, int rc)
{
	int i = (int)(intptr_t)arg;

	pthread_mutex_lock(&log_lock);
	drop_rc[ndropped] = rc;
	dropped[ndropped++] = i;
	pthread_mutex_unlock(&log_lock);
}

static int count(int *n)
{
	int v;

	pthread_mutex_lock(&log_lock);
	v = *n;
	pthread_mutex_unlock(&log_lock);
	return v;
}

static void wait_ran(int n)
{
	int i;

	for (i = 0; i < 5000 && count(&nran) < n; i++)
		usleep(1000);
	ck_assert_int_ge(count(&nran), n);
}

START_TEST(test_fifo_one_slot)
{
	struct activity *a;
	struct job *j[NTASKS];
	struct buf b = BUF_INIT;
	int i;

	reset();
	ck_assert_int_eq(activity_new(1, &a), 0);
	for (i = 0; i < NTASKS; i++) {
		ck_assert_int_eq(job_new(a, "u@example.com", 1000, "/p", &j[i]),
				 0);
		ck_assert_int_eq(
		    activity_submit(a, j[i], run, drop, (void *)(intptr_t)i),
		    0);
	}
	wait_ran(1);
	ck_assert_int_eq(activity_show(a, &b), 0);
	/* one runs, the other five wait */
	ck_assert_ptr_nonnull(strstr(b.data, "1,u@example.com,/p,running,"));
	ck_assert_ptr_nonnull(strstr(b.data, "6,u@example.com,/p,queued,"));
	for (i = 0; i < NTASKS; i++)
		atomic_store(&gate[i], 1);
	wait_ran(NTASKS);
	activity_shutdown(a);
	ck_assert_int_eq(most_busy, 1);
	for (i = 0; i < NTASKS; i++) {
		ck_assert_int_eq(ran[i], i);
		job_put(j[i]);
	}
	ck_assert_int_eq(ndropped, 0);
	buf_release(&b);
	activity_free(a);
}
END_TEST

START_TEST(test_slots_bound)
{
	struct activity *a;
	struct job *j;
	int i;

	reset();
	ck_assert_int_eq(activity_new(3, &a), 0);
	ck_assert_int_eq(job_new(a, "u@example.com", 1000, "/p", &j), 0);
	for (i = 0; i < NTASKS; i++)
		ck_assert_int_eq(
		    activity_submit(a, j, run, drop, (void *)(intptr_t)i), 0);
	wait_ran(3);
	usleep(20000);
	ck_assert_int_eq(count(&nran), 3);
	for (i = 0; i < NTASKS; i++)
		atomic_store(&gate[i], 1);
	wait_ran(NTASKS);
	activity_shutdown(a);
	ck_assert_int_eq(most_busy, 3);
	job_put(j);
	activity_free(a);
}
END_TEST

/* A stop hands the waiting tasks back, never runs them; the running
 * one learns it at its next poll. */
START_TEST(test_stop_drops_queued)
{
	struct activity *a;
	struct job *first, *second;
	struct task *list = NULL;

	reset();
	ck_assert_int_eq(activity_new(1, &a), 0);
	ck_assert_int_eq(job_new(a, "a@example.com", 1, "/x", &first), 0);
	ck_assert_int_eq(job_new(a, "b@example.com", 2, "/y", &second), 0);
	ck_assert_int_eq(activity_submit(a, first, run, drop, (void *)0), 0);
	wait_ran(1);
	ck_assert_int_eq(activity_submit(a, second, run, drop, (void *)1), 0);
	ck_assert_int_eq(activity_submit(a, second, run, drop, (void *)2), 0);
	job_stop(second, -EINTR, NULL, &list);
	ck_assert_ptr_nonnull(list);
	ck_assert_int_eq(ndropped, 0); /* not under the lock: by the caller */
	activity_drop(list);
	list = NULL;
	ck_assert_int_eq(ndropped, 2);
	ck_assert_int_eq(drop_rc[0], -EINTR);
	ck_assert_int_eq(drop_rc[1], -EINTR);
	/* interrupted, it resumes when read again; closed, it takes no
	 * more tasks */
	ck_assert_int_eq(job_resume(second), 1);
	ck_assert_int_eq(job_stopped(second), 0);
	ck_assert_int_eq(job_resume(second), 0);
	job_close(second, &list);
	ck_assert_ptr_null(list);
	ck_assert_int_eq(job_resume(second), -EINTR);
	ck_assert_int_eq(activity_submit(a, second, run, drop, (void *)3),
			 -EINTR);
	ck_assert_int_eq(job_poll(first, 10), 0);
	job_stop(first, -ECANCELED, "c@example.com", &list);
	ck_assert_int_eq(job_poll(first, 10), -ECANCELED);
	ck_assert_int_eq(job_stopped(first), -ECANCELED);
	/* a second stop changes nothing; a cancelled job never resumes */
	job_stop(first, -EINTR, NULL, &list);
	ck_assert_int_eq(job_stopped(first), -ECANCELED);
	ck_assert_int_eq(job_resume(first), -ECANCELED);
	ck_assert_int_eq(activity_submit(a, first, run, drop, (void *)4),
			 -ECANCELED);
	atomic_store(&gate[0], 1);
	activity_shutdown(a);
	ck_assert_int_eq(nran, 1);
	ck_assert_int_eq(job_poll(NULL, 5), 0);
	job_put(first);
	job_put(second);
	activity_free(a);
}
END_TEST

static int seen;

static void each(void *arg, uint64_t id, const char *login, uid_t uid,
		 const char *path)
{
	seen++;
}

START_TEST(test_listing_and_cancel)
{
	struct activity *a;
	struct job *j1, *j2, *j3;
	struct activity_sel sel;
	struct buf b = BUF_INIT;
	const char *line;

	ck_assert_int_eq(activity_new(2, &a), 0);
	ck_assert_int_eq(activity_show(a, &b), 0);
	ck_assert_str_eq(b.data, "id,login,path,state,started,elapsed_ms,"
				 "rows_scanned\n");
	ck_assert_int_eq(job_new(a, "a@example.com", 1, "/v/rows.csv", &j1), 0);
	ck_assert_int_eq(job_new(a, "b@example.com", 2, "/v/r,1.csv", &j2), 0);
	ck_assert_int_eq(job_new(a, "a@example.com", 1, "/w/rows.csv", &j3), 0);
	ck_assert_int_eq(job_poll(j1, 1200), 0);
	ck_assert_int_eq(job_poll(j1, 34), 0);
	buf_reset(&b);
	ck_assert_int_eq(activity_show(a, &b), 0);
	line = strstr(b.data, "\n1,a@example.com,/v/rows.csv,running,");
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(strstr(line + 1, ",1234\n"));
	/* a path with a comma is one quoted field */
	ck_assert_ptr_nonnull(
	    strstr(b.data, "\n2,b@example.com,\"/v/r,1.csv\","));

	memset(&sel, 0, sizeof(sel));
	sel.login = "a@example.com";
	ck_assert_uint_eq(activity_count(a, &sel), 2);
	sel.login = NULL;
	sel.path = "/v/r,1.csv";
	ck_assert_uint_eq(activity_count(a, &sel), 1);
	sel.path = NULL;
	sel.id = 99;
	ck_assert_uint_eq(activity_count(a, &sel), 0);

	sel.id = 0;
	sel.login = "a@example.com";
	seen = 0;
	ck_assert_uint_eq(
	    activity_cancel(a, &sel, "pa@example.com", each, NULL), 2);
	ck_assert_int_eq(seen, 2);
	ck_assert_int_eq(job_stopped(j1), -ECANCELED);
	ck_assert_int_eq(job_stopped(j2), 0);
	ck_assert_int_eq(job_stopped(j3), -ECANCELED);
	/* cancelled ones are no longer listed, nor named */
	ck_assert_uint_eq(activity_count(a, &sel), 0);
	job_end(j2); /* its end of file */
	buf_reset(&b);
	ck_assert_int_eq(activity_show(a, &b), 0);
	ck_assert_str_eq(b.data, "id,login,path,state,started,elapsed_ms,"
				 "rows_scanned\n");
	activity_reap(a);
	job_put(j1);
	job_put(j2);
	job_put(j3);
	buf_release(&b);
	activity_free(a);
}
END_TEST

static Suite *activity_suite(void)
{
	Suite *s = suite_create("activity");
	TCase *tc = tcase_create("slots");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_fifo_one_slot);
	tcase_add_test(tc, test_slots_bound);
	tcase_add_test(tc, test_stop_drops_queued);
	suite_add_tcase(s, tc);
	tc = tcase_create("registry");
	tcase_add_test(tc, test_listing_and_cancel);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(activity_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
