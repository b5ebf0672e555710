/*
 * check_decsum.c - unit tests for exact decimal sums.
 *
 * Each case is a list of values (space-separated) and the text their sum
 * must print: exact for values with up to DECSUM_SCALE decimals, the
 * double sum's %.15g where a value or the sum is out of reach.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decsum.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

struct sum_case {
	const char *values;
	const char *want;
	int inexact;
};

static const struct sum_case sum_cases[] = {
	{ "", "0", 0 },
	{ "0.1 0.2", "0.3", 0 },
	{ "1.10 2.20 3.30", "6.6", 0 },
	{ "-1.50 1.5", "0", 0 },
	{ "-3", "-3", 0 },
	{ "-0.5", "-0.5", 0 },
	{ "+7 007.50", "14.5", 0 },
	{ "-0", "0", 0 },
	{ "1e2", "100", 0 },
	{ "1.5e-3", "0.0015", 0 },
	{ "2.5E+3", "2500", 0 },
	{ "1e-9", "0.000000001", 0 },
	{ "0.999999999 0.000000001", "1", 0 },
	{ "1.50000000000", "1.5", 0 },	/* the decimals past 9 are zeros */
	{ "123456789012345678901234567.5 0.25",
	  "123456789012345678901234567.75", 0 },
	/* out of reach: the double sum, as before */
	{ "1e-10", "1e-10", 1 },
	{ "0.1234567891 1", "1.1234567891", 1 },
	{ "1e65", "1e+65", 1 },
	{ "99999999999999999999999999999 99999999999999999999999999999",
	  "2e+29", 1 },
	{ "1234567890123456789012345678901234567", "1.23456789012346e+36",
	  1 },
};

static void sum_of(const char *values, struct decsum *s)
{
	char buf[256], *p, *save = NULL;

	memset(s, 0, sizeof(*s));
	snprintf(buf, sizeof(buf), "%s", values);
	for (p = strtok_r(buf, " ", &save); p; p = strtok_r(NULL, " ", &save))
		decsum_add(s, p, strlen(p), strtod(p, NULL));
}

START_TEST(test_sum)
{
	const struct sum_case *c = &sum_cases[_i];
	char out[DECSUM_FMT_SIZE];
	struct decsum s;
	int n;

	sum_of(c->values, &s);
	n = decsum_format(&s, out);
	ck_assert_msg(!strcmp(out, c->want), "'%s': got '%s' want '%s'",
		      c->values, out, c->want);
	ck_assert_int_eq(n, (int)strlen(out));
	ck_assert_int_eq(s.inexact, c->inexact);
}
END_TEST

/* The float noise a double sum shows, gone: a thousand dimes, and
 * prices with two decimals. */
START_TEST(test_no_noise)
{
	char out[DECSUM_FMT_SIZE], num[32];
	struct decsum s;
	double d = 0;
	long cents = 0;
	int i;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < 1000; i++) {
		decsum_add(&s, "0.10", 4, 0.1);
		d += 0.1;
	}
	decsum_format(&s, out);
	ck_assert_str_eq(out, "100");
	snprintf(out, sizeof(out), "%.15g", d);
	ck_assert_str_eq(out, "99.9999999999986");	/* what it was */
	memset(&s, 0, sizeof(s));
	for (i = 0; i < 10000; i++) {
		long c = (i * 7919L) % 10007;

		snprintf(num, sizeof(num), "%ld.%02ld", c / 100, c % 100);
		decsum_add(&s, num, strlen(num), strtod(num, NULL));
		cents += c;
	}
	snprintf(num, sizeof(num), "%ld.%02ld", cents / 100, cents % 100);
	decsum_format(&s, out);
	ck_assert_str_eq(out, num);
}
END_TEST

START_TEST(test_cmp)
{
	struct decsum a, b;

	sum_of("0.1 0.2", &a);
	sum_of("0.3", &b);
	ck_assert_int_eq(decsum_cmp(&a, &b), 0);	/* doubles differ */
	sum_of("0.30000000001", &b);	/* inexact: doubles compared */
	ck_assert_int_lt(decsum_cmp(&a, &b), 0);
	sum_of("-1", &b);
	ck_assert_int_gt(decsum_cmp(&a, &b), 0);
	ck_assert_int_lt(decsum_cmp(&b, &a), 0);
}
END_TEST

static TCase *add_case(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	suite_add_tcase(s, tc);
	return tc;
}

int main(void)
{
	Suite *s = suite_create("decsum");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(add_case(s, "sum"), test_sum, 0, N(sum_cases));
	tcase_add_test(add_case(s, "no_noise"), test_no_noise);
	tcase_add_test(add_case(s, "cmp"), test_cmp);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
