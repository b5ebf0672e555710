/*
 * check_regress.c - regression tests for problems the fuzzers found
 * (tests/fuzz/, make fuzz) and the hostile-input suite found
 * (tests/torture/hostile.py).  Each fuzzer test names the harness and the
 * input kept in tests/fuzz/crashes/HARNESS/ until the fix; once fixed,
 * the input moves to the harness's seed corpus and the test stays here.
 * Each hostile-input test names the case of hostile.py it stands for.
 *
 * The tests state the contract the fix must keep, not the fix itself:
 *  - line-lists: the canonical form parses back to itself, so writing a
 *    file back (cat f > f) changes nothing;
 *  - value rules: a regex rule costs bounded time and memory, to compile
 *    and per value, whatever the rule and the value.  Time is judged
 *    against a linear scan of the same value, so slow runs (valgrind)
 *    scale both sides;
 *  - the settings-file cap ([limits] ini_max_bytes): a write past it
 *    commits nothing of what the open file holds, is refused once (audit
 *    line, /errors), and what is stored always fits it;
 *  - a row filter, a dataset's fields, value rules and buckets are
 *    bounded in number, so no setting costs unbounded time per row.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "buf.h"
#include "config.h"
#include "filter.h"
#include "inidoc.h"
#include "kind.h"
#include "mctx.h"
#include "model.h"
#include "rows.h"

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
 * A rule costs bounded time and memory to compile, whatever it is
 * (filter.h's limits): refused, or compiled fast into at most
 * VALRULE_REGEX_MAX_COMPILED.  On glibc's regex: "(a{32767}){32767}"
 * took 36 s and 3.9 GB before REG_ESPACE ("(a{5000}){5000}" crashed
 * inside regcomp), a 200-byte group with {1000} 1.2 s, and ten rules of
 * "[a-z/]?" written 10,000 times (700 KB, within the file cap) 22 s and
 * 7 GB, under the model's lock.  Fixed by compiling with PCRE2 under
 * explicit limits; tests/fuzz/corpus/rules/regcomp-*.
 */
static void regex_compile_bounded(const char *rules)
{
	struct valrule *v = NULL;
	struct diag d;
	size_t n, bytes;
	double t0 = now(), t;
	int rc;

	rc = valrule_parse(NULL, NULL, rules, &v, &d);
	t = now() - t0;
	ck_assert_msg(rc == 0 || rc == -EINVAL, "%.40s: %d", rules, rc);
	ck_assert_msg(t < 0.5, "%.40s: %.2f s to compile", rules, t);
	if (rc) {
		ck_assert(v == NULL);
		ck_assert(d.column >= 1);
		return;
	}
	valrule_cost(v, &n, &bytes);
	ck_assert_uint_le(n, VALRULE_VIEW_MAX_REGEX);
	ck_assert_uint_le(bytes, VALRULE_VIEW_MAX_BYTES);
	valrule_free(v);
}

static const char *const huge_rules[] = {
    "regex:(a{1000}){1000}",
    "regex:((a{100}){100}){100}",
    "regex:(((((((((a{1000}){1000}){1000}){1000}){1000}){1000}){1000}){1000}"
    "){1000})",
    "regex:(a?){1000}$",
    "regex:(a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q|r|s|t|u|v|w|x|y|z){1000}",
};

START_TEST(test_regex_compile_bounded)
{
	regex_compile_bounded(huge_rules[_i]);
}
END_TEST

/* A long group under a bound, and the attack: ten rules of "[a-z/]?"
 * 10,000 times, and the same cut to the longest regex allowed. */
START_TEST(test_regex_compile_long)
{
	struct buf rule = BUF_INIT;
	size_t max = VALRULE_REGEX_MAX_LEN / 7;
	struct valrule *v = NULL;
	struct diag d;
	int i, j;

	ck_assert_int_eq(buf_addstr(&rule, "regex:("), 0);
	for (i = 0; i < 200; i++)
		ck_assert_int_eq(buf_addch(&rule, 'a'), 0);
	ck_assert_int_eq(buf_addstr(&rule, "){1000}"), 0);
	regex_compile_bounded(rule.data);

	buf_reset(&rule);
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(buf_addstr(&rule, i ? ", regex:" : "regex:"),
				 0);
		for (j = 0; j < 10000; j++)
			ck_assert_int_eq(buf_addstr(&rule, "[a-z/]?"), 0);
	}
	ck_assert_uint_gt(rule.len, 700000);
	regex_compile_bounded(rule.data);
	ck_assert_int_eq(valrule_parse(NULL, NULL, rule.data, &v, &d), -EINVAL);
	ck_assert_str_eq(d.msg, "rule 'regex:[a-z/]?[a-z/]?[a-z/]?[a-z/]?[a-...': "
				"a regex longer than 1024 bytes");

	buf_reset(&rule);
	ck_assert_int_eq(buf_addstr(&rule, "regex:"), 0);
	for (j = 0; (size_t)j < max; j++)
		ck_assert_int_eq(buf_addstr(&rule, "[a-z/]?"), 0);
	regex_compile_bounded(rule.data);
	buf_release(&rule);
}
END_TEST

/*
 * glibc's regexec is superlinear in the value for some patterns when the
 * match fails: "(a+)+$" on 40 KB of 'a' and a 'b' took 31 s, "a+{255}c"
 * 15 s, "a+{32767}" on 10 KB 23 s, "^[a-z]+{32767}" on 40 KB 93 s; values
 * come from CSV fields of up to 1 MiB and a rule runs on every value a
 * view shows.  Whatever the rule (refused, or stopped by its match
 * limit), one value must cost about what a linear scan of it costs, at
 * every length up to the longest a regex is given and past it.
 */
static const char *const slow_rules[] = {
    "regex:(a+)+$",
    "regex:(a|aa)+$",
    "regex:a+{255}c",
    "regex:^[a-z]+{32767}",
    "regex:(a+)?+$",
    "regex:(a|aa)?+$",
    "regex:(a+|b)?+c",
    "regex:(a+)?{1000}$",
    "regex:(a?){1000}$",
    /* within every limit, and the slowest found for PCRE2 */
    "regex:(a?){400}$",
    "regex:a{1000}a{1000}a{1000}c",
    "regex:(a|a)*c",
    "regex:[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*[0-9]",
    "regex:\\<a\\b\\w+\\W+\\B[0-9]",
};

START_TEST(test_regex_match_bounded)
{
	const size_t sizes[] = {64, VALRULE_REGEX_MAX_VALUE, 16 * 1024};
	const size_t n = 16 * 1024;
	struct valrule *v = NULL, *lin = NULL;
	struct diag d;
	double t0, base, slow;
	char *val = malloc(n + 2);
	int rc, i;
	size_t k;

	ck_assert_ptr_nonnull(val);
	rc = valrule_parse(NULL, NULL, slow_rules[_i], &v, &d);
	if (rc) { /* refusing the rule is a fix too */
		ck_assert_int_eq(rc, -EINVAL);
		goto out;
	}
	ck_assert_int_eq(valrule_parse(NULL, NULL, "regex:c", &lin, &d), 0);
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		memset(val, 'a', sizes[k]);
		val[sizes[k] - 1] = 'b';
		t0 = now();
		for (i = 0; i < 10; i++)
			valrule_visible(lin, val, sizes[k]);
		base = (now() - t0) / 10;
		t0 = now();
		valrule_visible(v, val, sizes[k]);
		slow = now() - t0;
		ck_assert_msg(slow < 0.25 + 200 * base,
			      "'%s' on %zu bytes: %.3f s (a linear scan: "
			      "%.5f s)",
			      slow_rules[_i], sizes[k], slow, base);
	}
out:
	valrule_free(v);
	valrule_free(lin);
	free(val);
}
END_TEST

/*
 * A regex stopped by a limit neither matches nor fails: the value is
 * hidden unless another rule decides (never shown because a rule could
 * not be run).  "^(a|aa)+$" on 3,000 'a' and a 'b' needs far more than
 * VALRULE_REGEX_MATCH_STEPS steps; values past VALRULE_REGEX_MAX_VALUE
 * are not given to regexes at all.
 */
START_TEST(test_regex_limit_fails_closed)
{
	static const struct {
		const char *mode, *match, *rules;
		int want;
	} cases[] = {
		/* the regex alone: hidden, include or exclude */
		{ "include", "any", "regex:^(a|aa)+$", 0 },
		{ "exclude", "any", "regex:^(a|aa)+$", 0 },
		/* another rule decides: the limit does not matter */
		{ "include", "any", "regex:^(a|aa)+$, ends-with:b", 1 },
		{ "exclude", "any", "regex:^(a|aa)+$, ends-with:b", 0 },
		{ "include", "all", "regex:^(a|aa)+$, equals:x", 0 },
		{ "exclude", "all", "regex:^(a|aa)+$, equals:x", 1 },
		/* it does not: hidden */
		{ "include", "any", "regex:^(a|aa)+$, equals:x", 0 },
		{ "exclude", "any", "regex:^(a|aa)+$, equals:x", 0 },
		{ "include", "all", "regex:^(a|aa)+$, ends-with:b", 0 },
		{ "exclude", "all", "regex:^(a|aa)+$, ends-with:b", 0 },
		/* another regex decides */
		{ "include", "any", "regex:^(a|aa)+$, regex:b$", 1 },
		{ "exclude", "all", "regex:^(a|aa)+$, regex:^x", 1 },
	};
	const size_t n = 3001;
	struct valrule *v;
	struct diag d;
	char *val = malloc(VALRULE_REGEX_MAX_VALUE + 2);
	size_t i;

	ck_assert_ptr_nonnull(val);
	memset(val, 'a', n - 1);
	val[n - 1] = 'b';
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ck_assert_int_eq(valrule_parse(cases[i].mode, cases[i].match,
					       cases[i].rules, &v, &d),
				 0);
		ck_assert_msg(valrule_visible(v, val, n) == cases[i].want,
			      "%s %s '%s': want %d", cases[i].mode,
			      cases[i].match, cases[i].rules, cases[i].want);
		valrule_free(v);
	}

	/* "b$" matches any value ending in b: not past the longest */
	ck_assert_int_eq(valrule_parse("exclude", "any", "regex:c$", &v, &d),
			 0);
	memset(val, 'a', VALRULE_REGEX_MAX_VALUE + 1);
	ck_assert_int_eq(valrule_visible(v, val, VALRULE_REGEX_MAX_VALUE), 1);
	ck_assert_int_eq(valrule_visible(v, val, VALRULE_REGEX_MAX_VALUE + 1),
			 0);
	valrule_free(v);
	free(val);
}
END_TEST

/* ---- hostile input: the model (hostile.py) ----------------------------- */

/*
 * The model driven as the mount drives it (open, write, flush, close) on a
 * fresh store per test (checked fixture): sys (uid 2000) is the system
 * admin; pa (2001) a product admin with the connection permissions in
 * sandbox prod.  [limits] ini_max_bytes is CAP (64 KiB), so the files
 * past it stay small.
 */
#define CAP 65536

enum { SYS, PA, NWHO };

static const char world_cfg[] = "[store]\n"
				"path = regress.tdb\n"
				"[users]\n"
				"2000 = sys@example.com\n"
				"2001 = pa@example.com\n"
				"[admin]\n"
				"system_admins = sys@example.com\n"
				"[limits]\n"
				"ini_max_bytes = 65536\n";

#define CONN_PERMS                                                             \
	"view_schemas, manage_schemas, view_datasets, manage_datasets, "       \
	"manage_sources, view_identity_namespaces"

static char world_dir[PATH_MAX];
static struct config wcfg;
static int wcfg_loaded;
static struct model *wm;
static struct caller_id wid[NWHO];

/* "/a/b/c" walked with kind_child() from the root. */
static void path_ref(const char *path, struct obj_ref *ref)
{
	char copy[PATH_MAX], *save = NULL, *name;

	ck_assert_uint_lt(strlen(path), sizeof(copy));
	strcpy(copy, path);
	obj_ref_root(ref);
	for (name = strtok_r(copy, "/", &save); name;
	     name = strtok_r(NULL, "/", &save)) {
		struct obj_ref next;

		ck_assert_msg(kind_child(ref, name, &next) != KIND_CHILD_NONE,
			      "%s: no '%s' in the kind table", path, name);
		*ref = next;
	}
}

/* Replace path's content as w: open(O_TRUNC), one write, flush, close.
 * Returns the write's error or the flush's answer. */
static int wwrite(int w, const char *path, const char *data, size_t len)
{
	struct model_file *f;
	struct obj_ref ref;
	long n;
	int rc;

	path_ref(path, &ref);
	rc = model_open_file(wm, &wid[w], &ref, O_WRONLY | O_TRUNC, &f);
	if (rc)
		return rc;
	n = model_file_write(wm, &wid[w], f, 0, data, len);
	rc = model_file_flush(wm, &wid[w], f);
	model_file_close(wm, &wid[w], f);
	return n < 0 ? (int)n : rc;
}

static void wwrite_ok(int w, const char *path, const char *text)
{
	int rc = wwrite(w, path, text, strlen(text));

	ck_assert_msg(rc == 0, "write %s: %d", path, rc);
}

/* The whole of path as w reads it. */
static void wread(int w, const char *path, struct buf *out)
{
	struct model_file *f;
	struct obj_ref ref;
	struct buf piece = BUF_INIT;

	buf_reset(out);
	ck_assert_int_eq(buf_add(out, "", 0), 0);
	path_ref(path, &ref);
	ck_assert_int_eq(model_open_file(wm, &wid[w], &ref, O_RDONLY, &f), 0);
	for (;;) {
		ck_assert_int_eq(model_file_read(wm, &wid[w], f, out->len,
						 65536, &piece),
				 0);
		if (!piece.len)
			break;
		ck_assert_int_eq(buf_add(out, piece.data, piece.len), 0);
	}
	model_file_close(wm, &wid[w], f);
	buf_release(&piece);
}

static void wmkdir(int w, const char *dir, const char *name)
{
	struct obj_ref ref;

	path_ref(dir, &ref);
	ck_assert_int_eq(model_mkdir(wm, &wid[w], &ref, name), 0);
}

/* Lines of text containing needle. */
static int count_lines(const char *text, const char *needle)
{
	const char *p = text, *e;
	int n = 0;

	for (; *p; p = e + 1) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		if (memmem(p, (size_t)(e - p), needle, strlen(needle)))
			n++;
		if (!*e)
			break;
	}
	return n;
}

/* What a refused write leaves: path's content, the audit log's
 * "rejected" lines for path, and w's /errors lines saying say. */
struct trace {
	struct buf content;
	int rejected;
	int errors;
};

static void trace_take(int w, const char *path, const char *say,
		       struct trace *t)
{
	struct buf b = BUF_INIT;
	char needle[PATH_MAX + 32];

	buf_init(&t->content);
	wread(w, path, &t->content);
	wread(PA, "/audit/log", &b);
	snprintf(needle, sizeof(needle), "\t%s\trejected\t", path);
	t->rejected = count_lines(b.data, needle);
	wread(w, "/errors", &b);
	t->errors = count_lines(b.data, say);
	buf_release(&b);
}

/* path is as it was, with one more refusal (audit and /errors). */
static void trace_refused_once(int w, const char *path, const char *say,
			       struct trace *before)
{
	struct trace after;

	trace_take(w, path, say, &after);
	ck_assert_msg(after.content.len == before->content.len &&
			      !memcmp(after.content.data, before->content.data,
				      after.content.len),
		      "%s changed: %zu bytes -> %zu bytes", path,
		      before->content.len, after.content.len);
	ck_assert_msg(after.rejected == before->rejected + 1,
		      "%s: %d rejected audit lines, want %d", path,
		      after.rejected, before->rejected + 1);
	ck_assert_msg(after.errors == before->errors + 1,
		      "%s: %d /errors lines saying '%s', want %d", path,
		      after.errors, say, before->errors + 1);
	buf_release(&after.content);
	buf_release(&before->content);
}

static void world_setup(void)
{
	const char *base = getenv("TMPDIR");
	char path[PATH_MAX + 16];
	struct buf err = BUF_INIT;
	FILE *f;
	int i, rc;

	for (i = 0; i < NWHO; i++) {
		memset(&wid[i], 0, sizeof(wid[i]));
		wid[i].uid = (uid_t)(2000 + i);
		wid[i].gid = 100;
		wid[i].pid = getpid();
	}
	snprintf(world_dir, sizeof(world_dir), "%s/check_regress.XXXXXX",
		 base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(world_dir));
	snprintf(path, sizeof(path), "%s/cjafs.ini", world_dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(world_cfg, 1, strlen(world_cfg), f),
			  strlen(world_cfg));
	ck_assert_int_eq(fclose(f), 0);
	rc = config_load(path, &wcfg, &err);
	ck_assert_msg(rc == 0, "config_load: %s", err.data ? err.data : "");
	wcfg_loaded = 1;
	ck_assert_uint_eq(wcfg.ini_max_bytes, CAP);
	rc = model_create_store(&wcfg, &err);
	if (!rc)
		rc = model_open(&wcfg, &wm, &err);
	ck_assert_msg(rc == 0, "store: %s", err.data ? err.data : "");
	buf_release(&err);

	wwrite_ok(SYS, "/admin/product-admins", "pa@example.com\n");
	wwrite_ok(SYS, "/admin/sandboxes", "prod\n");
	wmkdir(SYS, "/admin/platform", "full");
	wwrite_ok(SYS, "/admin/platform/full/platform.ini",
		  "[platform]\nsandboxes = prod\npermissions = " CONN_PERMS
		  "\n");
	wwrite_ok(SYS, "/admin/platform/full/members", "pa@example.com\n");
	wmkdir(PA, "/admin/profiles", "p");
	wwrite_ok(PA, "/admin/profiles/p/profile.ini",
		  "[data_views]\nviews = keep\n");
	wwrite_ok(PA, "/admin/profiles/p/members", "viewer@example.com\n");
	wmkdir(PA, "/connections", "c1");
	wmkdir(PA, "/connections/c1/datasets", "ev");
	wwrite_ok(PA, "/connections/c1/datasets/ev/dataset.ini",
		  "[dataset]\nperson_id = pid\ntimestamp = ts\n"
		  "fields = pid, ts, v\n");
	wmkdir(PA, "/connections/c1/datasets", "wide");
	wmkdir(PA, "/dataviews", "v");
}

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

static void world_teardown(void)
{
	model_close(wm);
	wm = NULL;
	if (wcfg_loaded)
		config_release(&wcfg);
	wcfg_loaded = 0;
	if (world_dir[0])
		nftw(world_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	world_dir[0] = '\0';
}

/*
 * "members: cat of 1380000 bytes (over the 1 MiB cap)": the write that
 * crossed the cap was refused with EFBIG, but close committed the first
 * 1 MiB that cat had written before it (and for profile.ini the commit
 * was then rejected for what the cut made of the last line).  An open
 * file that went past the cap commits nothing.
 */
START_TEST(test_cap_write_commits_nothing)
{
	const char *path = "/admin/profiles/p/members";
	struct model_file *f;
	struct obj_ref ref;
	struct buf data = BUF_INIT;
	struct trace t;
	size_t off = 0, piece = 4096;
	long n = 0;
	int i;

	for (i = 0; data.len <= CAP + 10000; i++)
		ck_assert_int_eq(buf_printf(&data, "user%06d@example.com\n", i),
				 0);
	trace_take(PA, path, "more than", &t);
	path_ref(path, &ref);
	ck_assert_int_eq(model_open_file(wm, &wid[PA], &ref,
					 O_WRONLY | O_TRUNC, &f),
			 0);
	/* as the kernel hands cat's writes over: in pieces, until one fails */
	while (off < data.len) {
		size_t len = data.len - off < piece ? data.len - off : piece;

		n = model_file_write(wm, &wid[PA], f, off, data.data + off,
				     len);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	ck_assert_int_eq(n, -EFBIG);
	ck_assert_uint_le(off, CAP);
	ck_assert_uint_gt(off, CAP - piece);
	ck_assert_int_eq(model_file_flush(wm, &wid[PA], f), -EFBIG);
	model_file_close(wm, &wid[PA], f);
	trace_refused_once(PA, path, "more than", &t);
	buf_release(&data);
}
END_TEST

/*
 * "profile.ini: O_TRUNC, then a write past the cap": the truncating open
 * was committed at close (the empty file, i.e. the defaults).  The open
 * file stays poisoned: later writes fail too, and only the first flush
 * records the refusal.
 */
START_TEST(test_cap_trunc_then_far_write)
{
	const char *path = "/admin/profiles/p/profile.ini";
	struct model_file *f;
	struct obj_ref ref;
	struct trace t;

	trace_take(PA, path, "more than", &t);
	path_ref(path, &ref);
	ck_assert_int_eq(model_open_file(wm, &wid[PA], &ref,
					 O_WRONLY | O_TRUNC, &f),
			 0);
	ck_assert_int_eq(model_file_write(wm, &wid[PA], f, 2 * CAP,
					  "xxxxxxxxxx", 10),
			 -EFBIG);
	ck_assert_int_eq(model_file_write(wm, &wid[PA], f, 0, "[data_views]\n",
					  13),
			 -EFBIG);
	ck_assert_int_eq(model_file_truncate(wm, f, 0), -EFBIG);
	ck_assert_int_eq(model_file_flush(wm, &wid[PA], f), -EFBIG);
	ck_assert_int_eq(model_file_flush(wm, &wid[PA], f), -EFBIG);
	model_file_close(wm, &wid[PA], f);
	trace_refused_once(PA, path, "more than", &t);
}
END_TEST

/* The same through truncate: by path, and on an open file closed
 * without a flush (the release commits, and refuses). */
START_TEST(test_cap_truncate)
{
	const char *path = "/admin/profiles/p/profile.ini";
	struct model_file *f;
	struct obj_ref ref;
	struct trace t;

	path_ref(path, &ref);
	trace_take(PA, path, "more than", &t);
	ck_assert_int_eq(model_truncate(wm, &wid[PA], &ref, CAP + 1), -EFBIG);
	trace_refused_once(PA, path, "more than", &t);

	trace_take(PA, path, "more than", &t);
	ck_assert_int_eq(model_open_file(wm, &wid[PA], &ref, O_RDWR, &f), 0);
	ck_assert_int_eq(model_file_write(wm, &wid[PA], f, 0, "[data_views]\n",
					  13),
			 13);
	ck_assert_int_eq(model_file_truncate(wm, f, 3 * CAP), -EFBIG);
	model_file_close(wm, &wid[PA], f);
	trace_refused_once(PA, path, "more than", &t);
}
END_TEST

/*
 * "a connection.ini accepted at 1048559 bytes can be written again": the
 * write fit the cap, but its canonical form (name, owner, created and the
 * defaults added) did not, and once stored every later write (and every
 * data view on the connection) failed with EFBIG, as the stored text no
 * longer parsed.  What is stored must fit the cap.
 */
START_TEST(test_cap_canonical_connection)
{
	const char *path = "/connections/c1/connection.ini";
	const char *head = "[connection]\nsandbox = prod\ndescription = ";
	struct buf data = BUF_INIT, now = BUF_INIT;
	struct trace t;

	ck_assert_int_eq(buf_addstr(&data, head), 0);
	while (data.len < CAP - 1)
		ck_assert_int_eq(buf_addch(&data, 'd'), 0);
	ck_assert_int_eq(buf_addch(&data, '\n'), 0);
	ck_assert_uint_eq(data.len, CAP);
	trace_take(PA, path, "more than", &t);
	ck_assert_int_eq(wwrite(PA, path, data.data, data.len), -EFBIG);
	trace_refused_once(PA, path, "more than", &t);
	wwrite_ok(PA, path, "[connection]\nsandbox = prod\ndescription = x\n");
	wread(PA, path, &now);
	ck_assert_ptr_nonnull(strstr(now.data, "description = x\n"));
	buf_release(&data);
	buf_release(&now);
}
END_TEST

/* A line-list of exactly CAP bytes without its last newline: its
 * canonical form is one byte more. */
START_TEST(test_cap_canonical_lines)
{
	const char *path = "/admin/sandboxes";
	struct buf data = BUF_INIT;
	struct trace t;
	int i;

	ck_assert_int_eq(buf_addstr(&data, "prod\n"), 0);
	for (i = 0; data.len + 20 < CAP; i++)
		ck_assert_int_eq(buf_printf(&data, "s%07d\n", i), 0);
	while (data.len < CAP)
		ck_assert_int_eq(buf_addch(&data, 'z'), 0);
	trace_take(SYS, path, "more than", &t);
	ck_assert_int_eq(wwrite(SYS, path, data.data, data.len), -EFBIG);
	trace_refused_once(SYS, path, "more than", &t);
	/* with its newline it fits nowhere either: refused as a write */
	buf_release(&data);
}
END_TEST

/* Renaming a data view writes its new name into dataview.ini: a longer
 * name must not take the stored file past the cap. */
START_TEST(test_cap_canonical_rename)
{
	const char *path = "/dataviews/v/dataview.ini";
	struct buf data = BUF_INIT, shown = BUF_INIT, after = BUF_INIT;
	struct obj_ref dir, src, dst;
	char longname[129];
	size_t len;

	wwrite_ok(PA, path, "[dataview]\nconnection = c1\ndescription = x\n");
	wread(PA, path, &shown);
	/* fill the description so that the stored file is CAP - 60 bytes */
	len = CAP - 60 - (shown.len - 1);
	ck_assert_int_eq(buf_addstr(&data, "[dataview]\nconnection = c1\n"
					   "description = "),
			 0);
	while (len--)
		ck_assert_int_eq(buf_addch(&data, 'd'), 0);
	ck_assert_int_eq(buf_addch(&data, '\n'), 0);
	ck_assert_int_eq(wwrite(PA, path, data.data, data.len), 0);
	wread(PA, path, &shown);
	ck_assert_uint_eq(shown.len, CAP - 60);

	memset(longname, 'n', 128);
	longname[128] = '\0';
	path_ref("/dataviews", &dir);
	ck_assert_int_eq(model_rename(wm, &wid[PA], &dir, "v", &dir, longname,
				      0, &src, &dst),
			 -EFBIG);
	wread(PA, path, &after);
	ck_assert(after.len == shown.len &&
		  !memcmp(after.data, shown.data, shown.len));
	ck_assert_int_eq(model_rename(wm, &wid[PA], &dir, "v", &dir, "w", 0,
				      &src, &dst),
			 0);
	buf_release(&data);
	buf_release(&shown);
	buf_release(&after);
}
END_TEST

/*
 * "dataset.ini with 25000 fields": accepted (in 2-3 s: the duplicate
 * check is quadratic), though no row can hold more than ROWS_FIELDS_MAX
 * fields, so the dataset could ingest nothing.
 */
START_TEST(test_dataset_fields_cap)
{
	const char *path = "/connections/c1/datasets/wide/dataset.ini";
	struct buf data = BUF_INIT, b = BUF_INIT;
	struct trace t;
	int i;

	ck_assert_int_eq(buf_addstr(&data, "[dataset]\ntype = lookup\nkey = "
					   "f0\nmatching_key = f0\nfields = "),
			 0);
	for (i = 0; i < ROWS_FIELDS_MAX; i++)
		ck_assert_int_eq(buf_printf(&data, "%sf%d", i ? ", " : "", i),
				 0);
	ck_assert_int_eq(buf_addstr(&b, data.data), 0);
	ck_assert_int_eq(buf_addch(&b, '\n'), 0);
	/* as many as a row may hold: fine */
	ck_assert_int_eq(wwrite(PA, path, b.data, b.len), 0);
	/* one more: refused, saying why */
	ck_assert_int_eq(buf_printf(&data, ", f%d\n", ROWS_FIELDS_MAX), 0);
	trace_take(PA, path, "more than the 1024 a row may hold", &t);
	ck_assert_int_eq(wwrite(PA, path, data.data, data.len), -EINVAL);
	trace_refused_once(PA, path, "more than the 1024 a row may hold", &t);
	buf_release(&data);
	buf_release(&b);
}
END_TEST

/* ---- hostile input: filters and value rules (hostile.py) --------------- */

/*
 * "a report with an 80,001-condition filter does not stall other
 * callers": the filter was accepted, and a report over 16,000 rows then
 * tested every condition on every row, 3.6 s under the model's lock.
 */
START_TEST(test_filter_conditions_cap)
{
	struct buf text = BUF_INIT;
	struct filter *f = NULL;
	struct diag d;
	size_t col = 0;
	double t0;
	int i;

	ck_assert_int_eq(buf_addstr(&text, "pid = q1"), 0);
	for (i = 0; i < 80000; i++) {
		if (i == FILTER_MAX_CONDITIONS - 1)
			col = text.len + 5;	/* " or " + 1 */
		ck_assert_int_eq(buf_addstr(&text, " or pid = q1"), 0);
	}
	t0 = now();
	ck_assert_int_eq(filter_parse(text.data, text.len, &f, &d), -EINVAL);
	ck_assert(f == NULL);
	ck_assert_msg(now() - t0 < 1, "refused after %.2f s", now() - t0);
	ck_assert_int_eq(d.column, (int)col);
	ck_assert_str_eq(d.msg, "filter has more than 1000 conditions");
	/* up to the cap: fine */
	text.len = col - 5;
	text.data[text.len] = '\0';
	ck_assert_int_eq(filter_parse(text.data, text.len, &f, &d), 0);
	filter_free(f);
	buf_release(&text);
}
END_TEST

/* The list "<pre>0<post>, <pre>1<post>, ..." of n items. */
static void make_list(struct buf *b, const char *pre, const char *post, int n)
{
	int i;

	buf_reset(b);
	ck_assert_int_eq(buf_add(b, "", 0), 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(buf_printf(b, "%s%s%d%s", i ? ", " : "", pre,
					    i, post),
				 0);
}

/*
 * Value rules run on every value a view shows and had no bound in
 * number: a 1 MiB rules list holds about 100,000 rules (5.8 s for 1,000
 * regex rules over 16,000 values), or a hundred regexes of 10,000 atoms
 * each (a gigabyte to compile).  Buckets are bounded alike.
 */
START_TEST(test_valrule_caps)
{
	struct buf b = BUF_INIT, big = BUF_INIT;
	struct valrule *v = NULL;
	struct buckets *bk = NULL;
	struct diag d;
	int i;

	make_list(&b, "equals:v", "", VALRULE_MAX_RULES);
	ck_assert_int_eq(valrule_parse(NULL, NULL, b.data, &v, &d), 0);
	valrule_free(v);
	make_list(&b, "equals:v", "", VALRULE_MAX_RULES + 1);
	ck_assert_int_eq(valrule_parse(NULL, NULL, b.data, &v, &d), -EINVAL);
	ck_assert(v == NULL);
	ck_assert_int_eq(d.column, (int)(strrchr(b.data, ',') - b.data) + 3);
	ck_assert_str_eq(d.msg, "rule 'equals:v1000': more than 1000 rules");

	make_list(&b, "regex:^v", "$", VALRULE_VIEW_MAX_REGEX);
	ck_assert_int_eq(valrule_parse(NULL, NULL, b.data, &v, &d), 0);
	valrule_free(v);
	make_list(&b, "regex:^v", "$", VALRULE_VIEW_MAX_REGEX + 1);
	ck_assert_int_eq(valrule_parse(NULL, NULL, b.data, &v, &d), -EINVAL);
	ck_assert_str_eq(d.msg, "rule 'regex:^v20$': more than 20 regex rules");

	/* about 3,450 bytes compiled each: 18 fit in 64 KiB, 19 do not */
	for (i = 0; i < 19; i++) {
		int j;

		ck_assert_int_eq(buf_printf(&big, "%sregex:%c", i ? ", " : "",
					    'a' + i),
				 0);
		for (j = 0; j < 100; j++)
			ck_assert_int_eq(buf_addstr(&big, "[a-z]"), 0);
	}
	ck_assert_int_eq(valrule_parse(NULL, NULL, big.data, &v, &d), -EINVAL);
	ck_assert_int_eq(d.column, (int)(strrchr(big.data, ',') - big.data) + 3);
	ck_assert_ptr_nonnull(strstr(d.msg, "the regex rules together would "
					    "take more than 64 KiB compiled"));
	*strrchr(big.data, ',') = '\0';
	ck_assert_int_eq(valrule_parse(NULL, NULL, big.data, &v, &d), 0);
	valrule_free(v);

	buf_reset(&b);
	ck_assert_int_eq(buf_add(&b, "", 0), 0);
	for (i = 0; i < BUCKET_MAX; i++)
		ck_assert_int_eq(buf_printf(&b, "%s%d-%d:b", i ? ", " : "", i,
					    i + 1),
				 0);
	ck_assert_int_eq(bucket_parse(b.data, &bk, &d), 0);
	ck_assert_uint_eq(bucket_count(bk), BUCKET_MAX);
	bucket_free(bk);
	ck_assert_int_eq(buf_printf(&b, ", %d-%d:b", BUCKET_MAX,
				    BUCKET_MAX + 1),
			 0);
	ck_assert_int_eq(bucket_parse(b.data, &bk, &d), -EINVAL);
	ck_assert(bk == NULL);
	ck_assert_str_eq(d.msg, "bucket '1000-1001:b': more than 1000 buckets");
	buf_release(&b);
	buf_release(&big);
}
END_TEST

/* ---- suite ------------------------------------------------------------ */

/* The FUSE layer keeps a path per inode and parses the ref again for each
 * request (a full obj_ref per inode made the daemon 100 MB at 34,500
 * objects): obj_ref_parse() must give back exactly the ref whose path it
 * was, scratch files included, and refuse paths no ref has. */
START_TEST(test_ref_parse_roundtrip)
{
	static const struct { const char *path; int scratch; } ok[] = {
		{ "/", 0 },
		{ "/whoami", 0 },
		{ "/connections", 0 },
		{ "/connections/usage", 0 },
		{ "/connections/c1", 0 },
		{ "/connections/c1/connection.ini", 0 },
		{ "/connections/c1/datasets/d1/records", 0 },
		{ "/dataviews/v1/components/page.ini", 0 },
		{ "/dataviews/v1/report/page.csv", 0 },
		{ "/admin/profiles/p1/members", 0 },
		{ "/admin/platform/all/platform.ini", 0 },
		{ "/connections/c1/.connection.ini.swp", 1 },
		{ "/connections/c1", 1 },
		{ "/dataviews/v1/components/4913", 1 },
	};
	static const struct { const char *path; int scratch; } bad[] = {
		{ "/nope", 0 },
		{ "/connections/c1/nope", 0 },
		{ "/connections/c1/connection.ini/x", 0 },
		{ "/dataviews/v1/components/page", 0 },
		{ "/connections/c1/connection.ini/x", 1 },
		{ "/", 1 },
	};
	struct buf b = BUF_INIT;
	struct obj_ref r;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(obj_ref_parse(ok[i].path, ok[i].scratch, &r) == 0,
			      "%s does not parse", ok[i].path);
		ck_assert_int_eq(obj_ref_is_scratch(&r), ok[i].scratch);
		buf_reset(&b);
		ck_assert_int_eq(obj_ref_path(&r, &b), 0);
		ck_assert_str_eq(b.data, ok[i].path);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(obj_ref_parse(bad[i].path, bad[i].scratch, &r) ==
				      -ENOENT,
			      "%s parses", bad[i].path);
	buf_release(&b);
}
END_TEST

/*
 * The audit log's bounds.  An unmapped caller's identical denials: the
 * first is written, the repeats are one line, written when someone opens
 * the log.  Distinct denials of one caller past its rate are counted in
 * one "suppressed" line.  Fields hold no line break of any kind.  With
 * [limits] audit_bytes the live log and its archive stay within it, and
 * a reader of the log sees one generation even when it rotates under it.
 */
static int try_open_w(const struct caller_id *id, const char *path)
{
	struct model_file *f;
	struct obj_ref ref;
	int rc;

	path_ref(path, &ref);
	rc = model_open_file(wm, id, &ref, O_WRONLY, &f);
	if (!rc)
		model_file_close(wm, id, f);
	return rc;
}

START_TEST(test_audit_repeats_counted)
{
	struct caller_id nobody = { .uid = 2999, .gid = 2999, .pid = 1 };
	struct buf log = BUF_INIT;
	int i;

	for (i = 0; i < 50; i++)
		ck_assert_int_eq(try_open_w(&nobody, "/README"), -EACCES);
	wread(PA, "/audit/log", &log);
	ck_assert_int_eq(count_lines(log.data, "\tuid:2999\t"), 2);
	ck_assert_int_eq(count_lines(log.data, "\tuid:2999\twrite\t/README\t"
					       "denied\tread-only file"), 2);
	ck_assert_int_eq(count_lines(log.data, "\tuid:2999\twrite\t/README\t"
					       "denied\tread-only file "
					       "(repeated 49 more times)"),
			 1);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(try_open_w(&nobody, "/README"), -EACCES);
	wread(PA, "/audit/log", &log);
	ck_assert_int_eq(count_lines(log.data, "\tuid:2999\t"), 3);
	ck_assert_int_eq(count_lines(log.data, "(repeated 10 more times)"), 1);
	buf_release(&log);
}
END_TEST

START_TEST(test_audit_rate_bounded)
{
	struct buf log = BUF_INIT;
	struct obj_ref dir;
	char name[32];
	const char *p;
	time_t t0 = time(NULL);
	unsigned long over = 0;
	int i, written;

	path_ref("/admin/profiles", &dir);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		ck_assert_int_eq(model_mkdir(wm, &wid[SYS], &dir, name),
				 -EACCES);
	}
	wread(PA, "/audit/log", &log);
	written = count_lines(log.data, "\tsys@example.com\tmkdir\t"
					"/admin/profiles/f");
	ck_assert_int_ge(written, 200);
	ck_assert_int_le(written, 200 + 20 * (int)(time(NULL) - t0 + 1));
	ck_assert_int_eq(count_lines(log.data, "\tsys@example.com\t"
					       "suppressed\t-\tdenied\t"),
			 1);
	p = strstr(log.data, "\tsuppressed\t-\tdenied\t");
	ck_assert_ptr_nonnull(p);
	over = strtoul(p + strlen("\tsuppressed\t-\tdenied\t"), NULL, 10);
	ck_assert_uint_eq(over + (unsigned long)written, 1000);
	ck_assert_ptr_nonnull(strstr(p, "(first: mkdir /admin/profiles/f"));
	buf_release(&log);
}
END_TEST

START_TEST(test_audit_fields_escaped)
{
	struct buf log = BUF_INIT;
	/* a key holding U+2028, NEL (U+0085) and U+2029 */
	static const char ini[] = "[data_views]\n"
				  "a\xe2\x80\xa8" "b\xc2\x85" "c\xe2\x80\xa9"
				  "d = 1\n";

	ck_assert_int_eq(wwrite(PA, "/admin/profiles/p/profile.ini", ini,
				strlen(ini)),
			 -EINVAL);
	wread(PA, "/audit/log", &log);
	ck_assert_int_eq(count_lines(log.data, "a b c d"), 1);
	ck_assert_ptr_null(memmem(log.data, log.len, "\xe2\x80\xa8", 3));
	ck_assert_ptr_null(memmem(log.data, log.len, "\xe2\x80\xa9", 3));
	ck_assert_ptr_null(memmem(log.data, log.len, "\xc2\x85", 2));
	buf_release(&log);
}
END_TEST

START_TEST(test_audit_rotation)
{
	struct buf log = BUF_INIT, arch = BUF_INIT, piece = BUF_INIT;
	struct buf head = BUF_INIT, seen = BUF_INIT;
	struct model_file *f;
	struct obj_ref ref;
	char text[64];
	int i;

	wcfg.audit_bytes = 8192;
	/* a reader that starts before a rotation */
	path_ref("/audit/log", &ref);
	ck_assert_int_eq(model_open_file(wm, &wid[PA], &ref, O_RDONLY, &f), 0);
	ck_assert_int_eq(model_file_read(wm, &wid[PA], f, 0, 100, &head), 0);
	ck_assert_uint_eq(head.len, 100);
	for (i = 0; i < 100; i++) {
		snprintf(text, sizeof(text), "m%d@example.com\n", i);
		wwrite_ok(PA, "/admin/profiles/p/members", text);
		wread(PA, "/audit/log.1", &arch);
		if (arch.len && !seen.len) {
			/* rotated once: the reader goes on to the end of
			 * its generation, now the archive, and no further */
			buf_add(&seen, head.data, head.len);
			for (;;) {
				ck_assert_int_eq(model_file_read(wm, &wid[PA], f,
								 seen.len,
								 65536, &piece),
						 0);
				if (!piece.len)
					break;
				buf_add(&seen, piece.data, piece.len);
			}
			ck_assert_uint_eq(seen.len, arch.len);
			ck_assert(!memcmp(seen.data, arch.data, arch.len));
		}
		wread(PA, "/audit/log", &log);
		ck_assert_uint_le(log.len, 4096 + 200);
		wread(PA, "/audit/log.1", &arch);
		ck_assert_uint_le(arch.len, 4096 + 200);
	}
	model_file_close(wm, &wid[PA], f);
	ck_assert_uint_gt(seen.len, 0);
	/* the oldest lines are gone, the newest are there */
	ck_assert_int_eq(count_lines(log.data, "\tinit\t"), 0);
	ck_assert_int_eq(count_lines(arch.data, "\tinit\t"), 0);
	ck_assert_int_eq(count_lines(log.data, "\tpa@example.com\twrite\t"
					       "/admin/profiles/p/members\tok"),
			 count_lines(log.data, "\t"));
	ck_assert_uint_gt(arch.len, 3000);
	buf_release(&log);
	buf_release(&arch);
	buf_release(&piece);
	buf_release(&head);
	buf_release(&seen);
}
END_TEST


/*
 * Staged unlinks (SPEC §2, §5).  An unlink outside any object the caller
 * may delete is EACCES and stages nothing.  Inside one, the name is gone
 * for the process that staged it: a second unlink is ENOENT, a create of
 * a computed name EACCES, so tar's loop (unlink, create O_EXCL) ends; a
 * process that loops and goes away leaves one /errors line, not one per
 * turn.
 */
static int wunlink(const struct caller_id *id, const char *path)
{
	char copy[PATH_MAX], *slash;
	struct obj_ref dir;

	snprintf(copy, sizeof(copy), "%s", path);
	slash = strrchr(copy, '/');
	*slash = '\0';
	path_ref(copy, &dir);
	return model_unlink(wm, id, &dir, slash + 1);
}

static int wlookup(const struct caller_id *id, const char *path)
{
	char copy[PATH_MAX], *slash;
	struct obj_ref dir, out;
	struct mstat st;

	snprintf(copy, sizeof(copy), "%s", path);
	slash = strrchr(copy, '/');
	*slash = '\0';
	path_ref(copy, &dir);
	return model_lookup(wm, id, &dir, slash + 1, &out, &st);
}

static int wcreate(const struct caller_id *id, const char *path)
{
	char copy[PATH_MAX], *slash;
	struct model_file *f = NULL;
	struct obj_ref dir, out;
	struct mstat st;
	int rc;

	snprintf(copy, sizeof(copy), "%s", path);
	slash = strrchr(copy, '/');
	*slash = '\0';
	path_ref(copy, &dir);
	rc = model_create(wm, id, &dir, slash + 1,
			  O_WRONLY | O_CREAT | O_EXCL, &out, &st, &f);
	if (!rc)
		model_file_close(wm, id, f);
	return rc;
}

START_TEST(test_unlink_staged)
{
	const char *status = "/connections/c1/datasets/ev/status";
	struct caller_id gone = wid[PA], other = wid[PA];
	struct buf b = BUF_INIT;
	int i;

	ck_assert_int_eq(wunlink(&wid[SYS], "/audit/log"), -EACCES);
	ck_assert_int_eq(wunlink(&wid[PA], "/connections/usage"), -EACCES);
	/* read-only to a product admin: refused, not staged */
	ck_assert_int_eq(wunlink(&wid[PA], "/admin/sandboxes"), -EACCES);
	ck_assert_int_eq(wlookup(&wid[PA], "/admin/sandboxes"), 0);
	/* its writer's unlink is staged: install and mv unlink, then create */
	ck_assert_int_eq(wunlink(&wid[SYS], "/admin/sandboxes"), 0);
	ck_assert_int_eq(wlookup(&wid[SYS], "/admin/sandboxes"), -ENOENT);
	ck_assert_int_eq(wlookup(&wid[PA], "/admin/sandboxes"), 0);
	wread(PA, "/audit/log", &b);
	ck_assert_int_eq(count_lines(b.data, "\tunlink\t/audit/log\tdenied"),
			 1);

	/* a process that does not exist: its stages came to nothing */
	gone.pid = 0x7ffffff0;
	other.pid = getpid();
	ck_assert_int_eq(wunlink(&gone, status), 0);
	ck_assert_int_eq(wlookup(&gone, status), -ENOENT);
	for (i = 0; i < 30; i++) {
		ck_assert_int_eq(wcreate(&gone, status), -EACCES);
		ck_assert_int_eq(wunlink(&gone, status), -ENOENT);
	}
	/* others still see it, and hear once that it stayed */
	ck_assert_int_eq(wlookup(&other, status), 0);
	wread(PA, "/errors", &b);
	ck_assert_int_eq(count_lines(b.data, "status: not removed"), 1);
	wread(PA, "/errors", &b);
	ck_assert_int_eq(count_lines(b.data, "status: not removed"), 1);
	buf_release(&b);
}
END_TEST

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
	tcase_add_test(tc, test_regex_compile_long);
	suite_add_tcase(s, tc);

	/* a time against a linear scan's: a speed figure, so under
	 * valgrind (tag slow, left out there) it says nothing */
	tc = tcase_create("regex_match_time");
	tcase_set_tags(tc, "slow");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_regex_match_bounded, 0,
			    (int)ARRAY_SIZE(slow_rules));
	suite_add_tcase(s, tc);

	tc = tcase_create("regex_match");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_regex_limit_fails_closed);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile_cap");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, world_setup, world_teardown);
	tcase_add_test(tc, test_cap_write_commits_nothing);
	tcase_add_test(tc, test_cap_trunc_then_far_write);
	tcase_add_test(tc, test_cap_truncate);
	tcase_add_test(tc, test_cap_canonical_connection);
	tcase_add_test(tc, test_cap_canonical_lines);
	tcase_add_test(tc, test_cap_canonical_rename);
	tcase_add_test(tc, test_dataset_fields_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile_counts");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_filter_conditions_cap);
	tcase_add_test(tc, test_valrule_caps);
	suite_add_tcase(s, tc);

	tc = tcase_create("audit_bounds");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, world_setup, world_teardown);
	tcase_add_test(tc, test_audit_repeats_counted);
	tcase_add_test(tc, test_audit_rate_bounded);
	tcase_add_test(tc, test_audit_fields_escaped);
	tcase_add_test(tc, test_audit_rotation);
	suite_add_tcase(s, tc);

	tc = tcase_create("unlink_staged");
	tcase_add_checked_fixture(tc, world_setup, world_teardown);
	tcase_add_test(tc, test_unlink_staged);
	suite_add_tcase(s, tc);

	tc = tcase_create("refs");
	tcase_add_test(tc, test_ref_parse_roundtrip);
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
