/*
 * check_timeparse.c - unit tests for the timestamp parser and formatter.
 *
 * Accepted and rejected forms are tables run with tcase_add_loop_test;
 * the calendar arithmetic is checked against glibc's timegm() and
 * gmtime_r() here only (the module itself must not use them).
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timeparse.h"

struct accept_case {
	const char *in;
	int64_t want;
};

static int64_t parse_ok(const char *s)
{
	int64_t t = INT64_MIN;

	ck_assert_msg(timeparse(s, strlen(s), &t) == 0, "refused '%s'", s);
	return t;
}

static void expect_reject(const char *s, size_t len)
{
	int64_t t = 12345;

	ck_assert_msg(timeparse(s, len, &t) == -EINVAL, "accepted '%.*s'",
		      (int)len, s);
	ck_assert_int_eq(t, 12345);
}

static void check_table(const struct accept_case *c)
{
	int64_t t = parse_ok(c->in);

	ck_assert_msg(t == c->want, "'%s': got %lld want %lld", c->in,
		      (long long)t, (long long)c->want);
}

static const struct accept_case epoch_cases[] = {
    {"0", 0},
    {"1", 1},
    {"1700000000", 1700000000},
    {"0001700000000", 1700000000},
    {"-1", -1},
    {"-0", 0},
    {"1700000000.999", 1700000000},
    {"1700000000.0", 1700000000},
    {"-1.5", -2},   /* the fraction goes toward the past */
    {"-1.000", -1}, /* a zero fraction changes nothing */
    {"-0.5", -1},
    {"20240101", 20240101}, /* digits alone are seconds */
    {"253402300799", TIMEPARSE_MAX},
    {"253402300799.9", TIMEPARSE_MAX},
    {"-62167219200", TIMEPARSE_MIN},
};

START_TEST(test_epoch)
{
	check_table(&epoch_cases[_i]);
}
END_TEST

static const struct accept_case iso_cases[] = {
    {"1970-01-01", 0},
    {"2000-03-01", 951868800},
    {"2024-02-29", 1709164800},
    {"2000-02-29", 951782400},
    {"0000-01-01", TIMEPARSE_MIN},
    {"9999-12-31T23:59:59Z", TIMEPARSE_MAX},
    {"2023-11-14T22:13", 1700000000 - 20},
    {"2023-11-14T22:13:20", 1700000000},
    {"2023-11-14 22:13:20", 1700000000},
    {"2023-11-14T22:13:20Z", 1700000000},
    {"2023-11-14T22:13:20.5", 1700000000},
    {"2023-11-14T22:13:20.123456789Z", 1700000000},
    {"2023-11-14T22:13Z", 1700000000 - 20},
    {"1969-12-31T23:59:59Z", -1},
    {"1969-12-31T23:59:59.999Z", -1},
    /* offsets: local time minus the offset is UTC */
    {"2023-11-15T00:13:20+02:00", 1700000000},
    {"2023-11-15T00:13:20+0200", 1700000000},
    {"2023-11-15T00:13:20+02", 1700000000},
    {"2023-11-14T16:43:20-05:30", 1700000000},
    {"2023-11-14T16:43:20-0530", 1700000000},
    {"2023-11-14T22:13:20-00:00", 1700000000},
    {"2023-11-14T22:13:20+00", 1700000000},
    {"2023-11-14T22:13+01:00", 1700000000 - 20 - 3600},
    {"2023-11-15 00:13:20.75+02:00", 1700000000},
    /* offsets that move the date across a year */
    {"2024-01-01T01:00:00+02:00", 1704063600}, /* 2023-12-31T23Z */
    {"2023-12-31T20:00:00-05:00", 1704070800}, /* 2024-01-01T01Z */
    /* a leap second counts as the second before */
    {"2016-12-31T23:59:60Z", 1483228799},
    {"2016-12-31T23:59:60.5Z", 1483228799},
    {"2017-01-01T00:59:60+01:00", 1483228799},
};

START_TEST(test_iso)
{
	check_table(&iso_cases[_i]);
}
END_TEST

static const char *const rejected[] = {
    /* garbage and empty */
    "",
    "-",
    "abc",
    "x1",
    "1x",
    "1.",
    ".5",
    "+5",
    "--1",
    "1 ",
    " 1",
    "1e9",
    "0x10",
    "1,5",
    "1.5.5",
    "-.5",
    "1..5",
    /* out of range, both forms */
    "253402300800",
    "-62167219201",
    "-62167219200.5",
    "1700000000000",
    "99999999999999999999999999",
    "-99999999999999999999999999",
    "0000-01-01T00:00:00+00:01",
    "9999-12-31T23:59:59-00:01",
    /* bad dates */
    "2024-00-10",
    "2024-13-01",
    "2024-01-00",
    "2024-01-32",
    "2023-02-29",
    "1900-02-29",
    "2100-02-29",
    "2024-02-30",
    "2024-04-31",
    "2024-06-31",
    "2024-09-31",
    "2024-11-31",
    /* bad shapes */
    "2024-1-01",
    "2024-01-1",
    "24-01-01",
    "20240-01-01",
    "2024/01/01",
    "2024-01-01x",
    "2024-01-01T",
    "2024-01-01 ",
    "2024-01-01T10",
    "2024-01-01T10:",
    "2024-01-01T10:0",
    "2024-01-01T1:00",
    "2024-01-01  10:00",
    "2024-01-01t10:00",
    "2024-01-01_10:00",
    " 2024-01-01",
    "2024-01-01Z",
    "+2024-01-01",
    "-2024-01-01",
    "2024-01-01T10:00:0",
    "2024-01-01T10:00:00.",
    "2024-01-01T10:00.5",
    "2024-01-01T10:00:00,5",
    "2024-01-01T10:00:00 Z",
    "2024-01-01T10:00:00z",
    "2024-01-01T10:00:00Zx",
    "2024-01-01T10:00:00ZZ",
    "2024-01-01T10:00:00.5x",
    /* bad times */
    "2024-01-01T24:00",
    "2024-01-01T24:00:00",
    "2024-01-01T25:00",
    "2024-01-01T10:60",
    "2024-01-01T10:00:61",
    "2024-01-01T10:00:99",
    /* bad zones */
    "2024-01-01T10:00+2",
    "2024-01-01T10:00+02:0",
    "2024-01-01T10:00+020",
    "2024-01-01T10:00+02:",
    "2024-01-01T10:00+0230x",
    "2024-01-01T10:00+24:00",
    "2024-01-01T10:00+02:60",
    "2024-01-01T10:00+",
    "2024-01-01T10:00+02:00Z",
    "2024-01-01T10:00 +02",
    "2024-01-01T10:00UTC",
};

START_TEST(test_reject)
{
	expect_reject(rejected[_i], strlen(rejected[_i]));
}
END_TEST

START_TEST(test_length_not_nul)
{
	static const char s[] = "2024-01-01T00:00:00Zjunk";
	int64_t t;

	ck_assert_int_eq(timeparse(s, 20, &t), 0);
	ck_assert_int_eq(t, 1704067200);
	ck_assert_int_eq(timeparse(s, 10, &t), 0);
	ck_assert_int_eq(t, 1704067200);
	ck_assert_int_eq(timeparse("12345", 3, &t), 0);
	ck_assert_int_eq(t, 123);
	expect_reject(s, 19 + 5);
	expect_reject(s, 11);
	expect_reject("1\0", 2);
	expect_reject(NULL, 0);
}
END_TEST

/* Every day of years 0000-9999 against timegm(), and back. */
START_TEST(test_every_day)
{
	struct tm tm;
	char buf[48], out[TIMEPARSE_FMT_SIZE], want[64];
	int y, m, d, ndays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t t, prev = TIMEPARSE_MIN - 86400;

	for (y = 0; y <= 9999; y++) {
		for (m = 1; m <= 12; m++) {
			int leap = (y % 4 == 0 && y % 100) || y % 400 == 0;
			int last = ndays[m - 1] + (m == 2 && leap);

			for (d = 1; d <= last + 1; d++) {
				snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y,
					 m, d);
				if (d > last) {
					if (timeparse(buf, 10, &t) != -EINVAL)
						ck_abort_msg("accepted %s",
							     buf);
					continue;
				}
				if (timeparse(buf, 10, &t))
					ck_abort_msg("refused %s", buf);
				memset(&tm, 0, sizeof(tm));
				tm.tm_year = y - 1900;
				tm.tm_mon = m - 1;
				tm.tm_mday = d;
				if (t != (int64_t)timegm(&tm) ||
				    t != prev + 86400)
					ck_abort_msg("%s: %lld", buf,
						     (long long)t);
				prev = t;
				if (timeparse_format_utc(t, out))
					ck_abort_msg("format %s", buf);
				snprintf(want, sizeof(want), "%sT00:00:00Z",
					 buf);
				if (strcmp(out, want))
					ck_abort_msg("%s: formatted %s", buf,
						     out);
			}
		}
	}
	ck_assert_int_eq(prev, TIMEPARSE_MAX - 86399);
}
END_TEST

static const struct {
	int64_t t;
	const char *want;
} format_cases[] = {
    {0, "1970-01-01T00:00:00Z"},
    {-1, "1969-12-31T23:59:59Z"},
    {1700000000, "2023-11-14T22:13:20Z"},
    {951782400, "2000-02-29T00:00:00Z"},
    {TIMEPARSE_MIN, "0000-01-01T00:00:00Z"},
    {TIMEPARSE_MAX, "9999-12-31T23:59:59Z"},
    {-86401, "1969-12-30T23:59:59Z"},
};

START_TEST(test_format)
{
	char out[TIMEPARSE_FMT_SIZE];

	ck_assert_int_eq(timeparse_format_utc(format_cases[_i].t, out), 0);
	ck_assert_str_eq(out, format_cases[_i].want);
}
END_TEST

START_TEST(test_format_range)
{
	char out[TIMEPARSE_FMT_SIZE] = "x";

	ck_assert_int_eq(timeparse_format_utc(TIMEPARSE_MAX + 1, out), -ERANGE);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(timeparse_format_utc(TIMEPARSE_MIN - 1, out), -ERANGE);
	ck_assert_int_eq(timeparse_format_utc(INT64_MIN, out), -ERANGE);
	ck_assert_int_eq(timeparse_format_utc(INT64_MAX, out), -ERANGE);
}
END_TEST

static uint64_t rng_next(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 11;
}

/*
 * Epoch values through the formatter and back: the text parses to the
 * same value, matches gmtime_r(), and the epoch text parses too.
 */
START_TEST(test_roundtrip)
{
	uint64_t seed = 7, span = (uint64_t)(TIMEPARSE_MAX - TIMEPARSE_MIN);
	char out[TIMEPARSE_FMT_SIZE], want[64], num[32];
	int64_t t, back;
	struct tm tm;
	time_t tt;
	int i;

	for (i = 0; i < 200000; i++) {
		if (i < 100)
			t = i - 50;
		else if (i < 200)
			t = (i & 1 ? TIMEPARSE_MIN : TIMEPARSE_MAX) +
			    (i & 1 ? 1 : -1) * (i - 100) / 2;
		else
			t = TIMEPARSE_MIN + (int64_t)(rng_next(&seed) % span);
		if (timeparse_format_utc(t, out))
			ck_abort_msg("format %lld", (long long)t);
		if (timeparse(out, strlen(out), &back) || back != t)
			ck_abort_msg("%lld -> %s -> %lld", (long long)t, out,
				     (long long)back);
		tt = (time_t)t;
		gmtime_r(&tt, &tm);
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02dZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (strcmp(out, want))
			ck_abort_msg("%lld: %s, gmtime says %s", (long long)t,
				     out, want);
		snprintf(num, sizeof(num), "%lld", (long long)t);
		if (timeparse(num, strlen(num), &back) || back != t)
			ck_abort_msg("epoch %s -> %lld", num, (long long)back);
	}
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static TCase *add_case(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tc;
}

int main(void)
{
	Suite *s = suite_create("timeparse");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(add_case(s, "epoch"), test_epoch, 0,
			    N(epoch_cases));
	tcase_add_loop_test(add_case(s, "iso"), test_iso, 0, N(iso_cases));
	tcase_add_loop_test(add_case(s, "reject"), test_reject, 0, N(rejected));
	tcase_add_test(add_case(s, "length_not_nul"), test_length_not_nul);
	tcase_add_test(add_case(s, "every_day"), test_every_day);
	tcase_add_loop_test(add_case(s, "format"), test_format, 0,
			    N(format_cases));
	tcase_add_test(add_case(s, "format_range"), test_format_range);
	tcase_add_test(add_case(s, "roundtrip"), test_roundtrip);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
