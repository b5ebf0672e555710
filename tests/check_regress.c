/*
 * check_regress.c - regression tests for problems the fuzzers found
 * (tests/fuzz/, make fuzz).  Each test names the harness and the input
 * kept in tests/fuzz/crashes/HARNESS/ until the fix; once fixed, the
 * input moves to the harness's seed corpus and the test stays here.
 *
 * The tests state the contract the fix must keep, not the fix itself:
 *  - line-lists: the canonical form parses back to itself, so writing a
 *    file back (cat f > f) changes nothing;
 *  - value rules: a regex rule costs bounded time and memory, to compile
 *    and per value, whatever the rule and the value.  Time is judged
 *    against a linear scan of the same value, so slow runs (valgrind)
 *    scale both sides.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "buf.h"
#include "filter.h"
#include "inidoc.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- line-lists (fuzz_lines) ------------------------------------------ */

/*
 * A UTF-8 BOM was skipped on line 1 only, so an entry that started with
 * one on a later line kept it; sorted first, it then started line 1 of the
 * canonical form, where the next parse dropped the BOM: the entry
 * "\xef\xbb\xbfalice" (which shows as "alice") became "alice" on rewrite,
 * and "\xef\xbb\xbf" alone vanished.  Fixed in 6bebb90;
 * tests/fuzz/corpus/lines/bom-second-line.
 */
/* clang-format off */
#define TEXT(s) { s, sizeof(s) - 1 }
/* clang-format on */
static const struct {
	const char *text;
	size_t len;
} bom_cases[] = {
    /* the fuzzer's input, minimized */
    TEXT("\n\xef\xbb\xbf"),
    /* two BOMs on line 1 */
    TEXT("\xef\xbb\xbf\xef\xbb\xbf"
	 "alice\n"),
    /* these sort last, so they passed already */
    TEXT("\n\xef\xbb\xbf"
	 "alice\nbob\n"),
    TEXT("zed\n  \xef\xbb\xbf"
	 "alice  \n"),
};

START_TEST(test_lines_canon_fixed_point)
{
	struct buf canon = BUF_INIT, again = BUF_INIT;
	struct diag d;
	int rc;

	rc = inidoc_lines_parse(bom_cases[_i].text, bom_cases[_i].len, NULL,
				NULL, &canon, &d);
	ck_assert(rc == 0 || rc == -EINVAL);
	if (rc == 0) {
		ck_assert_int_eq(inidoc_lines_parse(canon.data, canon.len, NULL,
						    NULL, &again, &d),
				 0);
		ck_assert_uint_eq(again.len, canon.len);
		ck_assert(!canon.len || !memcmp(again.data, canon.data, canon.len));
	}
	buf_release(&canon);
	buf_release(&again);
}
END_TEST

/* ---- value rules (fuzz_rules) ----------------------------------------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * glibc's regcomp expands bounded repetitions: nested bounds multiply, so
 * 23 bytes of rule, "(a{32767}){32767}", took 36 s and 3.9 GB before
 * REG_ESPACE (and "(a{5000}){5000}" crashed inside regcomp when malloc
 * failed).  Refusing such rules is the expected outcome; the smaller case
 * here still took 2 s and 200 MB.  Fixed in 6bebb90;
 * tests/fuzz/corpus/rules/regcomp-*.
 */
static const char *const huge_rules[] = {
    "regex:(a{1000}){1000}",
    "regex:((a{100}){100}){100}",
};

START_TEST(test_regex_compile_bounded)
{
	struct valrule *v = NULL;
	struct diag d;
	double t0 = now();
	int rc;

	rc = valrule_parse(NULL, NULL, huge_rules[_i], &v, &d);
	ck_assert_msg(rc == -EINVAL, "'%s' accepted (%d) after %.2f s",
		      huge_rules[_i], rc, now() - t0);
	ck_assert(v == NULL);
	ck_assert(d.column == 1);
	valrule_free(v);
}
END_TEST

/*
 * After the first fix (6bebb90), bounds up to 1000 on a group with no
 * repetition inside were accepted, but regcomp's cost is the group's
 * length times the bound: a 194-byte group with {362} (the fuzzer's
 * input) took 1.2 s to compile, 1000 bytes with {1000} 11 s and 205 MB,
 * 4000 bytes 818 MB, and the group may be as long as the file (1 MiB).
 * tests/fuzz/crashes/rules/fix-bypass-long-group-bound.
 */
START_TEST(test_regex_compile_long_group)
{
	struct valrule *v = NULL;
	struct diag d;
	struct buf rule = BUF_INIT;
	double t0;
	int rc, i;

	ck_assert_int_eq(buf_addstr(&rule, "regex:("), 0);
	for (i = 0; i < 200; i++)
		ck_assert_int_eq(buf_addch(&rule, 'a'), 0);
	ck_assert_int_eq(buf_addstr(&rule, "){1000}"), 0);
	t0 = now();
	rc = valrule_parse(NULL, NULL, rule.data, &v, &d);
	ck_assert_msg(rc == -EINVAL,
		      "a 200-byte group with {1000} accepted (%d) after %.2f s",
		      rc, now() - t0);
	valrule_free(v);
	buf_release(&rule);
}
END_TEST

/*
 * glibc's regexec is superlinear in the value for some patterns when the
 * match fails: "(a+)+$" on 40 KB of 'a' and a 'b' took 31 s, "a+{255}c"
 * 15 s, "a+{32767}" on 10 KB 23 s, "^[a-z]+{32767}" on 40 KB 93 s; values come
 * from CSV fields of up to 1 MiB and a rule runs on every value a view shows.
 * Whatever the fix (refuse such rules, or bound what regexec sees), one value
 * must cost about what a linear scan of it costs.  After the first fix,
 * "(a+)?+$" took 14 s on 40 KB and "(a?){1000}$" 4 s on 4 KB
 * (tests/fuzz/crashes/rules/fix-bypass-*).
 */
static const char *const slow_rules[] = {
    "regex:(a+)+$",
    "regex:(a|aa)+$",
    "regex:a+{255}c",
    "regex:^[a-z]+{32767}",
    /* accepted by the first fix (6bebb90): a '?' after a group hid it,
     * and a '?' inside a group did not make it risky */
    "regex:(a+)?+$",
    "regex:(a|aa)?+$",
    "regex:(a+|b)?+c",
    "regex:(a+)?{1000}$",
    "regex:(a?){1000}$",
};

START_TEST(test_regex_match_bounded)
{
	const size_t n = 16 * 1024;
	struct valrule *v = NULL, *lin = NULL;
	struct diag d;
	double t0, base, slow;
	char *val = malloc(n + 2);
	int rc, i;

	ck_assert_ptr_nonnull(val);
	memset(val, 'a', n);
	val[n] = 'b';
	val[n + 1] = '\0';
	rc = valrule_parse(NULL, NULL, slow_rules[_i], &v, &d);
	if (rc) { /* refusing the rule is a fix too */
		ck_assert_int_eq(rc, -EINVAL);
		goto out;
	}
	ck_assert_int_eq(valrule_parse(NULL, NULL, "regex:c", &lin, &d), 0);
	t0 = now();
	for (i = 0; i < 10; i++)
		valrule_visible(lin, val, n + 1);
	base = (now() - t0) / 10;
	t0 = now();
	valrule_visible(v, val, n + 1);
	slow = now() - t0;
	ck_assert_msg(slow < 0.25 + 200 * base,
		      "'%s' on %zu bytes: %.2f s (a linear scan: %.4f s)",
		      slow_rules[_i], n + 1, slow, base);
out:
	valrule_free(v);
	valrule_free(lin);
	free(val);
}
END_TEST

/* ---- suite ------------------------------------------------------------ */

static Suite *regress_suite(void)
{
	Suite *s = suite_create("regress");
	TCase *tc;

	tc = tcase_create("lines_bom");
	tcase_add_loop_test(tc, test_lines_canon_fixed_point, 0,
			    (int)ARRAY_SIZE(bom_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("regex_compile");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_regex_compile_bounded, 0,
			    (int)ARRAY_SIZE(huge_rules));
	tcase_add_test(tc, test_regex_compile_long_group);
	suite_add_tcase(s, tc);

	tc = tcase_create("regex_match");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_regex_match_bounded, 0,
			    (int)ARRAY_SIZE(slow_rules));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(regress_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
