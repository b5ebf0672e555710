/*
 * check_tz.c - unit tests for model/tz.c.
 *
 * Real zones are read from the system's tzdata (/usr/share/zoneinfo);
 * expected values come from zdump.  Tests that need files of their own
 * (corrupt copies, hand-built TZif files with chosen footers) get a fresh
 * mkdtemp directory (checked fixture) and point CJAFS_ZONEINFO at it;
 * teardown removes it and unsets the variable.  The directories live in
 * one directory per run, which main() sweeps.
 *
 * glibc's localtime_r() with TZ set is the reference for the cross-checks
 * and timegm() builds instants: both only here, the module uses neither.
 * The speed figures are printed, never asserted.  One TCase per behaviour
 * of tz.h.
 */
#define _GNU_SOURCE /* nftw, timegm */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "buf.h"
#include "timeparse.h"
#include "tz.h"

#define SYS_ZONEINFO "/usr/share/zoneinfo"
#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define SAMPLES 100000 /* random instants per glibc cross-check */

static char run_dir[PATH_MAX];	/* per run; main() sweeps it */
static char test_dir[PATH_MAX]; /* per test, inside run_dir */

static void setup(void)
{
	int n;

	n = snprintf(test_dir, sizeof(test_dir), "%s/t.XXXXXX", run_dir);
	ck_assert_int_lt(n, (int)sizeof(test_dir));
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
	ck_assert_int_eq(setenv("CJAFS_ZONEINFO", test_dir, 1), 0);
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
	unsetenv("CJAFS_ZONEINFO");
	remove_tree(test_dir);
}

/* --- helpers ----------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

/* splitmix64: fixed seed, so a failure repeats */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static int64_t rnd_between(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo));
}

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {0};

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm);
}

static struct tz *load_ok(const char *name)
{
	struct diag d = {0};
	struct tz *z = NULL;
	int rc;

	rc = tz_load(name, &z, &d);
	ck_assert_msg(rc == 0, "tz_load(%s): %d (%s)", name, rc, d.msg);
	ck_assert_ptr_nonnull(z);
	ck_assert_str_eq(tz_name(z), name);
	return z;
}

/* tz_load must fail with want; returns the message. */
static void load_fails(const char *name, int want, struct diag *d)
{
	struct tz *z = (struct tz *)&z; /* must stay untouched */
	int rc;

	memset(d, 0, sizeof(*d));
	rc = tz_load(name, &z, d);
	ck_assert_msg(rc == want, "tz_load(%s): %d, want %d (%s)", name, rc,
		      want, d->msg);
	ck_assert_ptr_eq(z, (struct tz *)&z);
	ck_assert_msg(d->msg[0], "tz_load(%s): no message", name);
}

static void expect_off(const struct tz *z, int64_t t, int32_t want)
{
	int32_t got = tz_offset(z, t);

	ck_assert_msg(got == want, "%s at %lld: offset %d, want %d", tz_name(z),
		      (long long)t, got, want);
}

static void expect_day(const struct tz *z, int64_t t, const char *want)
{
	char out[TZ_DAY_SIZE];

	memset(out, 'x', sizeof(out));
	tz_day(z, t, out);
	ck_assert_msg(!strcmp(out, want), "%s at %lld: day %s, want %s",
		      tz_name(z), (long long)t, out, want);
}

static void read_whole(const char *path, struct buf *b)
{
	char chunk[4096];
	FILE *f = fopen(path, "rb");
	size_t n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ck_assert_int_eq(buf_add(b, chunk, n), 0);
	fclose(f);
}

static void sys_zone(const char *name, struct buf *b)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", SYS_ZONEINFO, name);
	read_whole(path, b);
}

static void test_path(char path[PATH_MAX], const char *name)
{
	int n = snprintf(path, PATH_MAX, "%s/%s", test_dir, name);

	ck_assert_int_lt(n, PATH_MAX);
}

/* Write name (may contain one '/') under test_dir. */
static void write_zone(const char *name, const void *data, size_t len)
{
	char path[PATH_MAX], *slash;
	FILE *f;

	test_path(path, name);
	slash = strrchr(path, '/');
	if (slash > path + strlen(test_dir)) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	ck_assert_int_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* --- building TZif files ----------------------------------------------- */

struct zone_spec {
	char version; /* '\0' (v1 only), '2', '3', '4' */
	int ntimes;
	const int64_t *times;
	const uint8_t *idx;
	int ntypes;
	const int32_t *utoff;
	const char *footer; /* v2+: the TZ string */
};

static void put_be(struct buf *b, uint64_t v, int bytes)
{
	while (bytes--)
		ck_assert_int_eq(buf_addch(b, (char)(v >> (8 * bytes))), 0);
}

static void put_header(struct buf *b, char version, int ntimes, int ntypes)
{
	int i;

	buf_add(b, "TZif", 4);
	buf_addch(b, version);
	for (i = 0; i < 15; i++)
		buf_addch(b, 0);
	put_be(b, 0, 4); /* isutcnt */
	put_be(b, 0, 4); /* isstdcnt */
	put_be(b, 0, 4); /* leapcnt */
	put_be(b, (uint64_t)ntimes, 4);
	put_be(b, (uint64_t)ntypes, 4);
	put_be(b, 4, 4); /* charcnt: "ZZZ" */
}

static void put_block(struct buf *b, const struct zone_spec *s, int tsize)
{
	int i;

	for (i = 0; i < s->ntimes; i++)
		put_be(b, (uint64_t)s->times[i], tsize);
	for (i = 0; i < s->ntimes; i++)
		put_be(b, s->idx[i], 1);
	for (i = 0; i < s->ntypes; i++) {
		put_be(b, (uint32_t)s->utoff[i], 4);
		put_be(b, 0, 1); /* isdst */
		put_be(b, 0, 1); /* abbreviation index */
	}
	buf_add(b, "ZZZ", 4);
}

static void build_zone(struct buf *b, const struct zone_spec *s)
{
	static const int32_t zero = 0;
	struct zone_spec v1 = {'\0', 0, NULL, NULL, 1, &zero, NULL};

	buf_reset(b);
	if (s->version == '\0') {
		put_header(b, '\0', s->ntimes, s->ntypes);
		put_block(b, s, 4);
		return;
	}
	/* a minimal v1 block, as zic -b slim writes */
	put_header(b, s->version, 0, 1);
	put_block(b, &v1, 4);
	put_header(b, s->version, s->ntimes, s->ntypes);
	put_block(b, s, 8);
	buf_addch(b, '\n');
	buf_addstr(b, s->footer);
	buf_addch(b, '\n');
}

/* A v2 zone with no transitions: the footer decides everywhere. */
static void write_rule_zone(const char *name, const char *footer,
			    int32_t std_off)
{
	struct zone_spec s = {'2', 0, NULL, NULL, 1, &std_off, footer};
	struct buf b = BUF_INIT;

	build_zone(&b, &s);
	write_zone(name, b.data, b.len);
	buf_release(&b);
}

/* --- UTC --------------------------------------------------------------- */

START_TEST(test_utc)
{
	struct tz *z;

	/* test_dir is empty: UTC needs no file */
	z = load_ok("UTC");
	expect_off(z, 0, 0);
	expect_off(z, 1711846800, 0);
	expect_off(z, INT64_MIN, 0);
	expect_off(z, INT64_MAX, 0);
	expect_day(z, 0, "1970-01-01");
	expect_day(z, -1, "1969-12-31");
	expect_day(z, 86399, "1970-01-01");
	expect_day(z, 86400, "1970-01-02");
	expect_day(z, utc(2024, 2, 29, 23, 59, 59), "2024-02-29");
	ck_assert_int_eq(tz_local_day_number(z, -1), -1);
	ck_assert_int_eq(tz_local_day_number(z, -86400), -1);
	ck_assert_int_eq(tz_local_day_number(z, -86401), -2);
	ck_assert_int_eq(tz_local_day_number(z, 86400), 1);
	expect_day(z, TIMEPARSE_MIN, "0000-01-01");
	expect_day(z, TIMEPARSE_MAX, "9999-12-31");
	tz_free(z);
	tz_free(NULL);
}
END_TEST

/* --- real zones -------------------------------------------------------- */

START_TEST(test_berlin_dst)
{
	struct tz *z = load_ok("Europe/Berlin");
	int64_t spring = utc(2024, 3, 31, 1, 0, 0);
	int64_t autumn = utc(2024, 10, 27, 1, 0, 0);

	ck_assert_int_eq(spring, 1711846800);
	ck_assert_int_eq(autumn, 1729990800);
	expect_off(z, spring - 1, 3600);
	expect_off(z, spring, 7200);
	expect_off(z, autumn - 1, 7200);
	expect_off(z, autumn, 3600);
	expect_off(z, utc(2024, 1, 15, 12, 0, 0), 3600);
	expect_off(z, utc(2024, 7, 15, 12, 0, 0), 7200);
	tz_free(z);
}
END_TEST

START_TEST(test_berlin_midnight)
{
	struct tz *z = load_ok("Europe/Berlin");
	int64_t t;

	/* summer: local midnight is 22:00Z */
	t = utc(2024, 6, 30, 22, 0, 0);
	expect_day(z, t - 1, "2024-06-30");
	expect_day(z, t, "2024-07-01");
	ck_assert_int_eq(
	    tz_local_day_number(z, t) - tz_local_day_number(z, t - 1), 1);
	/* winter: 23:00Z, across a month and a year */
	t = utc(2024, 1, 31, 23, 0, 0);
	expect_day(z, t - 1, "2024-01-31");
	expect_day(z, t, "2024-02-01");
	t = utc(2023, 12, 31, 23, 0, 0);
	expect_day(z, t - 1, "2023-12-31");
	expect_day(z, t, "2024-01-01");
	ck_assert_int_eq(tz_local_day_number(z, t),
			 tz_local_day_number(z, utc(2024, 1, 1, 12, 0, 0)));
	/* UTC's 2024-01-01 00:30 is already the 1st; 2023-12-31 23:30Z too */
	expect_day(z, utc(2023, 12, 31, 23, 30, 0), "2024-01-01");
	/* the day of the spring change has 23 hours */
	expect_day(z, utc(2024, 3, 30, 23, 0, 0), "2024-03-31");
	expect_day(z, utc(2024, 3, 31, 21, 59, 59), "2024-03-31");
	expect_day(z, utc(2024, 3, 31, 22, 0, 0), "2024-04-01");
	tz_free(z);
}
END_TEST

START_TEST(test_new_york)
{
	struct tz *z = load_ok("America/New_York");
	int64_t spring = utc(2024, 3, 10, 7, 0, 0);
	int64_t autumn = utc(2024, 11, 3, 6, 0, 0);

	expect_off(z, spring - 1, -18000);
	expect_off(z, spring, -14400);
	expect_off(z, autumn - 1, -14400);
	expect_off(z, autumn, -18000);
	expect_day(z, utc(2024, 1, 1, 4, 59, 59), "2023-12-31");
	expect_day(z, utc(2024, 1, 1, 5, 0, 0), "2024-01-01");
	expect_day(z, utc(2024, 7, 4, 3, 59, 59), "2024-07-03");
	expect_day(z, utc(2024, 7, 4, 4, 0, 0), "2024-07-04");
	ck_assert_int_eq(tz_local_day_number(z, utc(1970, 1, 1, 4, 0, 0)), -1);
	tz_free(z);
}
END_TEST

START_TEST(test_lord_howe)
{
	struct tz *z = load_ok("Australia/Lord_Howe");
	int64_t end = utc(2024, 4, 6, 15, 0, 0);
	int64_t start = utc(2024, 10, 5, 15, 30, 0);

	/* +11 in the southern summer, +10:30 in winter: a 30-minute DST */
	expect_off(z, end - 1, 39600);
	expect_off(z, end, 37800);
	expect_off(z, start - 1, 37800);
	expect_off(z, start, 39600);
	/* midnight at +11 and at +10:30 */
	expect_day(z, utc(2024, 1, 1, 12, 59, 59), "2024-01-01");
	expect_day(z, utc(2024, 1, 1, 13, 0, 0), "2024-01-02");
	expect_day(z, utc(2024, 6, 1, 13, 29, 59), "2024-06-01");
	expect_day(z, utc(2024, 6, 1, 13, 30, 0), "2024-06-02");
	tz_free(z);
}
END_TEST

START_TEST(test_kolkata)
{
	struct tz *z = load_ok("Asia/Kolkata");
	int i;

	for (i = 0; i < 12; i++)
		expect_off(z, utc(2024, i + 1, 15, 0, 0, 0), 19800);
	expect_off(z, utc(2100, 6, 1, 0, 0, 0), 19800);
	expect_off(z, utc(3000, 6, 1, 0, 0, 0), 19800);
	expect_day(z, utc(2024, 3, 14, 18, 29, 59), "2024-03-14");
	expect_day(z, utc(2024, 3, 14, 18, 30, 0), "2024-03-15");
	tz_free(z);
}
END_TEST

START_TEST(test_far_future)
{
	struct tz *z = load_ok("Europe/Berlin");
	int64_t t;

	/* past the file's last transition (2037): the footer rule */
	t = utc(2100, 3, 28, 1, 0, 0);
	expect_off(z, t - 1, 3600);
	expect_off(z, t, 7200);
	t = utc(2100, 10, 31, 1, 0, 0);
	expect_off(z, t - 1, 7200);
	expect_off(z, t, 3600);
	expect_day(z, utc(2100, 6, 30, 22, 0, 0), "2100-07-01");
	/* past the tabulated years (2200): the rule evaluated per call */
	t = utc(2499, 10, 25, 1, 0, 0);
	expect_off(z, t - 1, 7200);
	expect_off(z, t, 3600);
	expect_off(z, utc(9999, 7, 1, 0, 0, 0), 7200);
	expect_off(z, utc(9999, 12, 31, 0, 0, 0), 3600);
	expect_day(z, TIMEPARSE_MAX, "9999-12-31"); /* clamped */
	/* clamped to TZ_MAX: still one of the two offsets */
	ck_assert(tz_offset(z, INT64_MAX) == 3600 ||
		  tz_offset(z, INT64_MAX) == 7200);
	ck_assert_int_eq(tz_offset(z, INT64_MAX), tz_offset(z, TZ_MAX));
	tz_free(z);
}
END_TEST

START_TEST(test_before_first)
{
	struct tz *z = load_ok("Europe/Berlin");
	int64_t first = utc(1893, 3, 31, 23, 6, 32);

	/* local mean time, +0:53:28, until the first transition */
	expect_off(z, utc(1800, 1, 1, 0, 0, 0), 3208);
	expect_off(z, first - 1, 3208);
	expect_off(z, first, 3600);
	expect_off(z, INT64_MIN, 3208);
	expect_day(z, TIMEPARSE_MIN, "0000-01-01");
	tz_free(z);
	z = load_ok("America/New_York");
	expect_off(z, utc(1800, 1, 1, 0, 0, 0), -17762);
	expect_off(z, utc(1883, 11, 18, 16, 59, 59), -17762);
	expect_off(z, utc(1883, 11, 18, 17, 0, 0), -18000);
	expect_day(z, TIMEPARSE_MIN, "0000-01-01"); /* clamped */
	tz_free(z);
	z = load_ok("Asia/Kolkata");
	expect_off(z, utc(1800, 1, 1, 0, 0, 0), 21208);
	tz_free(z);
}
END_TEST

/* --- names ------------------------------------------------------------- */

static const char *const bad_names[] = {
    "",
    "/Europe/Berlin",
    "/etc/passwd",
    "Europe//Berlin",
    "Europe/",
    "..",
    ".",
    "../etc/passwd",
    "Europe/../Europe/Berlin",
    "./UTC",
    "Europe/.",
    "Europe/..",
    "Europe/Ber lin",
    "Europe/Berlin\n",
    "Europe\\Berlin",
    "Zon\xc3\xa9",
    "UTC*",
    "Europe/Berlin;",
    "~",
};

START_TEST(test_invalid_name)
{
	struct diag d;

	load_fails(bad_names[_i], -EINVAL, &d);
}
END_TEST

START_TEST(test_name_length)
{
	char name[TZ_NAME_MAX + 2];
	struct diag d;

	memset(name, 'a', sizeof(name));
	name[TZ_NAME_MAX + 1] = '\0';
	load_fails(name, -EINVAL, &d);
	ck_assert_str_eq(d.msg,
			 "time zone name too long (129 bytes, limit 128)");
	/* 128 bytes is a valid name, just not a zone */
	name[TZ_NAME_MAX] = '\0';
	load_fails(name, -ENOENT, &d);
}
END_TEST

START_TEST(test_unknown)
{
	struct diag d;

	load_fails("Mars/Olympus_Mons", -ENOENT, &d);
	ck_assert_str_eq(d.msg, "unknown time zone 'Mars/Olympus_Mons'");
	ck_assert_int_eq(d.line, 0);
	load_fails("Europe", -ENOENT, &d);	    /* a directory */
	load_fails("Europe/Berlin/x", -ENOENT, &d); /* ENOTDIR */
	load_fails("zone.tab", -ENOENT, &d);	    /* not TZif */
	load_fails("tzdata.zi", -ENOENT, &d);
	load_fails("utc", -ENOENT, &d); /* names are exact */
	load_fails("...", -ENOENT, &d); /* valid, absent */
	/* d may be NULL */
	ck_assert_int_eq(
	    tz_load("Mars/Olympus_Mons", &(struct tz *){NULL}, NULL), -ENOENT);
	ck_assert_int_eq(tz_load("../x", &(struct tz *){NULL}, NULL), -EINVAL);
}
END_TEST

START_TEST(test_zoneinfo_env)
{
	struct buf b = BUF_INIT;
	char *big_dir;
	struct diag d;
	struct tz *z;

	/* test_dir is the zoneinfo directory now, and empty */
	load_fails("Europe/Berlin", -ENOENT, &d);
	sys_zone("Asia/Kolkata", &b);
	write_zone("Europe/Berlin", b.data, b.len);
	z = load_ok("Europe/Berlin");
	expect_off(z, utc(2024, 7, 1, 0, 0, 0), 19800);
	tz_free(z);
	/* a directory too long for a path */
	big_dir = malloc(PATH_MAX + 2);
	ck_assert_ptr_nonnull(big_dir);
	memset(big_dir, 'd', PATH_MAX + 1);
	big_dir[PATH_MAX + 1] = '\0';
	setenv("CJAFS_ZONEINFO", big_dir, 1);
	load_fails("Europe/Berlin", -ENAMETOOLONG, &d);
	free(big_dir);
	/* an empty variable means the default */
	setenv("CJAFS_ZONEINFO", "", 1);
	z = load_ok("Europe/Berlin");
	expect_off(z, utc(2024, 7, 1, 0, 0, 0), 7200);
	tz_free(z);
	buf_release(&b);
}
END_TEST

START_TEST(test_leap_seconds)
{
	struct buf b = BUF_INIT;
	struct diag d;

	sys_zone("right/UTC", &b);
	write_zone("right/UTC", b.data, b.len);
	load_fails("right/UTC", -EINVAL, &d);
	ck_assert_str_eq(d.msg, "time zone 'right/UTC' counts leap seconds");
	buf_release(&b);
}
END_TEST

/* --- corrupt files ----------------------------------------------------- */

/* Load "Bad/Zone" holding data; returns tz_load's result. */
static int load_bytes(const void *data, size_t len)
{
	struct diag d = {0};
	struct tz *z = NULL;
	int rc;

	write_zone("Bad/Zone", data, len);
	rc = tz_load("Bad/Zone", &z, &d);
	if (rc == 0) {
		/* whatever was accepted must answer without crashing */
		tz_offset(z, INT64_MIN);
		tz_offset(z, 0);
		tz_offset(z, 1711846800);
		tz_offset(z, utc(2150, 1, 1, 0, 0, 0));
		tz_offset(z, utc(3000, 1, 1, 0, 0, 0));
		tz_offset(z, INT64_MAX);
		tz_free(z);
	} else {
		ck_assert_msg(d.msg[0], "error %d without a message", rc);
	}
	return rc;
}

START_TEST(test_truncated)
{
	struct buf b = BUF_INIT;
	size_t len;
	int rc;

	sys_zone("Europe/Berlin", &b);
	ck_assert_int_eq(load_bytes(b.data, b.len), 0);
	for (len = 0; len < b.len; len++) {
		rc = load_bytes(b.data, len);
		ck_assert_msg(rc == (len < 4 ? -ENOENT : -EIO),
			      "%zu of %zu bytes: %d", len, b.len, rc);
	}
	/* one byte too many */
	buf_addch(&b, '\n');
	ck_assert_int_eq(load_bytes(b.data, b.len), -EIO);
	buf_release(&b);
}
END_TEST

START_TEST(test_garbled)
{
	static const unsigned char vals[] = {0x00, 0xff, 0x7f, 0x80};
	struct buf b = BUF_INIT;
	size_t i, v;
	int rc, ok = 0, bad = 0, round;

	sys_zone("Europe/Berlin", &b);
	/* every byte set to each of a few values */
	for (i = 0; i < b.len; i++) {
		unsigned char keep = (unsigned char)b.data[i];

		for (v = 0; v < sizeof(vals); v++) {
			if (vals[v] == keep)
				continue;
			b.data[i] = (char)vals[v];
			rc = load_bytes(b.data, b.len);
			ck_assert(rc == 0 || rc == -EIO || rc == -ENOENT ||
				  rc == -EINVAL);
			rc ? bad++ : ok++;
		}
		b.data[i] = (char)keep;
	}
	/* random bursts of damage */
	for (round = 0; round < 2000; round++) {
		struct buf c = BUF_INIT;
		int k, hits = 1 + (int)(rnd() % 8);

		ck_assert_int_eq(buf_set(&c, b.data, b.len), 0);
		for (k = 0; k < hits; k++)
			c.data[rnd() % c.len] = (char)rnd();
		rc = load_bytes(c.data, c.len);
		ck_assert(rc == 0 || rc == -EIO || rc == -ENOENT ||
			  rc == -EINVAL);
		rc ? bad++ : ok++;
		buf_release(&c);
	}
	printf("garbled Europe/Berlin: %d accepted, %d refused\n", ok, bad);
	ck_assert_int_gt(bad, 0);
	buf_release(&b);
}
END_TEST

/* Offsets into a copy of a v2 file. */
struct layout {
	size_t v2; /* second header */
	size_t times, idx, types, chars, footer;
	uint32_t timecnt, typecnt, charcnt;
};

static uint32_t be32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
	       (uint32_t)u[2] << 8 | u[3];
}

static void set_be32(char *p, uint32_t v)
{
	p[0] = (char)(v >> 24);
	p[1] = (char)(v >> 16);
	p[2] = (char)(v >> 8);
	p[3] = (char)v;
}

static void layout_of(const struct buf *b, struct layout *l)
{
	const char *h = b->data;
	size_t v1 = (size_t)be32(h + 32) * 5 + (size_t)be32(h + 36) * 6 +
		    be32(h + 40) + (size_t)be32(h + 28) * 8 + be32(h + 24) +
		    be32(h + 20);
	const char *h2;

	l->v2 = 44 + v1;
	h2 = h + l->v2;
	ck_assert(!memcmp(h2, "TZif", 4));
	ck_assert_int_eq(be32(h2 + 28), 0);
	l->timecnt = be32(h2 + 32);
	l->typecnt = be32(h2 + 36);
	l->charcnt = be32(h2 + 40);
	l->times = l->v2 + 44;
	l->idx = l->times + (size_t)l->timecnt * 8;
	l->types = l->idx + l->timecnt;
	l->chars = l->types + (size_t)l->typecnt * 6;
	l->footer = l->chars + l->charcnt + be32(h2 + 24) + be32(h2 + 20);
	ck_assert_int_eq(b->data[l->footer], '\n');
}

START_TEST(test_crafted)
{
	struct buf orig = BUF_INIT, b = BUF_INIT;
	struct layout l;
	char tmp[8];

	sys_zone("Europe/Berlin", &orig);
	layout_of(&orig, &l);

#define MUTATE(stmt, want)                                                     \
	do {                                                                   \
		ck_assert_int_eq(buf_set(&b, orig.data, orig.len), 0);         \
		stmt;                                                          \
		ck_assert_msg(load_bytes(b.data, b.len) == (want), "%s",       \
			      #stmt);                                          \
	} while (0)

	MUTATE((void)0, 0);
	MUTATE(set_be32(b.data + l.v2 + 32, 0xffffffffu), -EIO);
	MUTATE(set_be32(b.data + l.v2 + 36, 0xffffffffu), -EIO);
	MUTATE(set_be32(b.data + l.v2 + 40, 0xffffffffu), -EIO);
	MUTATE(set_be32(b.data + 32, 0x80000000u), -EIO); /* v1 timecnt */
	MUTATE(set_be32(b.data + l.v2 + 36, 0), -EIO);	  /* typecnt 0 */
	MUTATE(b.data[l.v2] = 'X', -EIO);
	MUTATE(b.data[l.v2 + 4] = '3', -EIO); /* versions differ */
	MUTATE(b.data[4] = '1', -EIO);
	/* transitions out of order, and equal */
	MUTATE((memcpy(tmp, b.data + l.times, 8),
		memcpy(b.data + l.times, b.data + l.times + 8, 8),
		memcpy(b.data + l.times + 8, tmp, 8)),
	       -EIO);
	MUTATE(memcpy(b.data + l.times + 8, b.data + l.times, 8), -EIO);
	MUTATE(b.data[l.idx + 5] = (char)l.typecnt, -EIO);
	MUTATE(set_be32(b.data + l.types, 0x7fffffff), -EIO);
	MUTATE(set_be32(b.data + l.types, 0x80000000u), -EIO);
	MUTATE(set_be32(b.data + l.types, 93600), -EIO);
	MUTATE(set_be32(b.data + l.types, (uint32_t)-90000), -EIO);
	MUTATE(set_be32(b.data + l.types, 93599), 0);
	MUTATE(b.data[l.types + 4] = 2, -EIO);		     /* isdst */
	MUTATE(b.data[l.types + 5] = (char)l.charcnt, -EIO); /* abbrev */
	/* the last abbreviation loses its NUL */
	MUTATE(b.data[l.chars + l.charcnt - 1] = 'X', -EIO);
	/* the v1 block is skipped: only its size matters */
	MUTATE(memset(b.data + 44, 0, 8), 0);
	buf_release(&b);
	buf_release(&orig);
#undef MUTATE
}
END_TEST

static const struct {
	const char *footer;
	int want;
} footers[] = {
    {"CET-1CEST,M3.5.0,M10.5.0/3", 0},
    {"", 0}, /* empty: the last type stays */
    {"CET-1CEST,M3.5.0,M10.5.0/-3", 0},
    {"CET-1CEST-2,M3.5.0/167,M10.5.0/-167", 0},
    {"<+0530>-5:30", 0},
    {"<-03>3<-02>,M3.2.0,M11.1.0", 0},
    {"CET-1CEST,J60,300/4:30:15", 0},
    {"CET", -EIO},
    {"CET-", -EIO},
    {"CE-1", -EIO},
    {"<CE>-1", -EIO},
    {"<CET-1", -EIO},
    {"<C_T>-1", -EIO},
    {"CET-25", -EIO},
    {"CET-1:60", -EIO},
    {"CET-1:5:", -EIO},
    {"CET-1CEST", -EIO}, /* DST without a rule */
    {"CET-1CEST,M3.5.0", -EIO},
    {"CET-1CEST,M13.5.0,M10.5.0", -EIO},
    {"CET-1CEST,M0.5.0,M10.5.0", -EIO},
    {"CET-1CEST,M3.6.0,M10.5.0", -EIO},
    {"CET-1CEST,M3.0.0,M10.5.0", -EIO},
    {"CET-1CEST,M3.5.7,M10.5.0", -EIO},
    {"CET-1CEST,M3.5,M10.5.0", -EIO},
    {"CET-1CEST,J0,J365", -EIO},
    {"CET-1CEST,J366,J1", -EIO},
    {"CET-1CEST,366,1", -EIO},
    {"CET-1CEST,M3.5.0/168,M10.5.0", -EIO},
    {"CET-1CEST,M3.5.0/-168,M10.5.0", -EIO},
    {"CET-1CEST,M3.5.0/1:2:3:4,M10.5.0", -EIO},
    {"CET-1CEST,M3.5.0,M10.5.0/3x", -EIO},
    {"CET-1CEST,M3.5.0,M10.5.0,", -EIO},
    {"CET-1CEST;M3.5.0,M10.5.0", -EIO},
    {"CET\x01-1", -EIO},
    {"CET-1\nx", -EIO}, /* data after the footer */
};

START_TEST(test_footer)
{
	struct buf orig = BUF_INIT, b = BUF_INIT;
	struct layout l;
	int rc;

	sys_zone("Europe/Berlin", &orig);
	layout_of(&orig, &l);
	buf_add(&b, orig.data, l.footer + 1);
	buf_addstr(&b, footers[_i].footer);
	buf_addch(&b, '\n');
	rc = load_bytes(b.data, b.len);
	ck_assert_msg(rc == footers[_i].want, "footer '%s': %d",
		      footers[_i].footer, rc);
	/* and without the final newline, or with nothing after the data */
	rc = load_bytes(b.data, b.len - 1);
	ck_assert_int_eq(rc, -EIO);
	rc = load_bytes(b.data, l.footer);
	ck_assert_int_eq(rc, -EIO);
	buf_release(&b);
	buf_release(&orig);
}
END_TEST

START_TEST(test_not_regular)
{
	char path[PATH_MAX];
	struct diag d;
	char *big;
	int fd;

	/* a FIFO must neither hang nor be read */
	test_path(path, "Fifo");
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	load_fails("Fifo", -ENOENT, &d);
	test_path(path, "Dir");
	ck_assert_int_eq(mkdir(path, 0755), 0);
	load_fails("Dir", -ENOENT, &d);
	/* larger than 1 MiB */
	big = calloc(1, 1024 * 1024 + 1);
	ck_assert_ptr_nonnull(big);
	memcpy(big, "TZif2", 5);
	write_zone("Big", big, 1024 * 1024 + 1);
	load_fails("Big", -EIO, &d);
	ck_assert_str_eq(d.msg, "corrupt time zone file for 'Big': too large");
	free(big);
	/* unreadable (root reads anyway) */
	write_zone("Secret", "TZif", 4);
	test_path(path, "Secret");
	ck_assert_int_eq(chmod(path, 0), 0);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		load_fails("Secret", -EACCES, &d);
		ck_assert_str_eq(d.msg, "cannot read time zone 'Secret': "
					"Permission denied");
	} else {
		close(fd);
	}
}
END_TEST

/* --- hand-built files: versions and rule forms ------------------------- */

START_TEST(test_versions)
{
	static const int64_t times[] = {-2000000000, 0, 1000000000};
	static const uint8_t idx[] = {1, 0, 2};
	static const int32_t utoff[] = {3600, 7200, -1800};
	struct zone_spec s = {'\0', 3, times, idx, 3, utoff, NULL};
	struct buf b = BUF_INIT;
	static const char versions[] = {'\0', '2', '3', '4'};
	struct tz *z;
	size_t v;

	for (v = 0; v < sizeof(versions); v++) {
		s.version = versions[v];
		s.footer = ""; /* no rule: the last type stays */
		build_zone(&b, &s);
		write_zone("V/Zone", b.data, b.len);
		z = load_ok("V/Zone");
		expect_off(z, INT64_MIN, 3600);
		expect_off(z, -2000000001, 3600);
		expect_off(z, -2000000000, 7200);
		expect_off(z, -1, 7200);
		expect_off(z, 0, 3600);
		expect_off(z, 999999999, 3600);
		expect_off(z, 1000000000, -1800);
		expect_off(z, INT64_MAX, -1800);
		tz_free(z);
	}
	/* a fixed-offset footer takes over at the last transition */
	s.version = '2';
	s.footer = "<+05>-5";
	build_zone(&b, &s);
	write_zone("V/Zone", b.data, b.len);
	z = load_ok("V/Zone");
	expect_off(z, 999999999, 3600);
	expect_off(z, 1000000000, 18000);
	expect_off(z, INT64_MAX, 18000);
	tz_free(z);
	buf_release(&b);
}
END_TEST

START_TEST(test_rule_forms)
{
	struct tz *z;
	int64_t t;

	/* Jn never counts February 29: J60 is March 1 */
	write_rule_zone("R/J", "AAA0BBB,J60,J300", 0);
	z = load_ok("R/J");
	t = utc(2024, 3, 1, 2, 0, 0);
	expect_off(z, t - 1, 0);
	expect_off(z, t, 3600);
	t = utc(2023, 3, 1, 2, 0, 0);
	expect_off(z, t - 1, 0);
	expect_off(z, t, 3600);
	tz_free(z);
	/* n counts from 0 and counts February 29: 59 is Feb 29 or Mar 1 */
	write_rule_zone("R/N", "AAA0BBB,59,300", 0);
	z = load_ok("R/N");
	t = utc(2024, 2, 29, 2, 0, 0);
	expect_off(z, t - 1, 0);
	expect_off(z, t, 3600);
	t = utc(2023, 3, 1, 2, 0, 0);
	expect_off(z, t - 1, 0);
	expect_off(z, t, 3600);
	tz_free(z);
	/* negative and >24 h times (RFC 8536): America/Nuuk's rule */
	write_rule_zone("R/Neg", "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", -7200);
	z = load_ok("R/Neg");
	/* last Sunday of March 2024 is the 31st; -1:00 is 30th 23:00 */
	t = utc(2024, 3, 31, 1, 0, 0);
	expect_off(z, t - 1, -7200);
	expect_off(z, t, -3600);
	t = utc(2024, 10, 27, 1, 0, 0);
	expect_off(z, t - 1, -3600);
	expect_off(z, t, -7200);
	tz_free(z);
	write_rule_zone("R/Long", "AAA0BBB,M3.1.0/50,M10.1.0/-30", 0);
	z = load_ok("R/Long");
	/* first Sunday of March 2024 is the 3rd; +50 h is the 5th 02:00 */
	t = utc(2024, 3, 5, 2, 0, 0);
	expect_off(z, t - 1, 0);
	expect_off(z, t, 3600);
	/* first Sunday of October 2024 is the 6th; -30 h is 4th 18:00 DST */
	t = utc(2024, 10, 4, 17, 0, 0);
	expect_off(z, t - 1, 3600);
	expect_off(z, t, 0);
	tz_free(z);
	/* week 5 is the last such weekday: Feb 2024 has 29 days */
	write_rule_zone("R/W5", "AAA0BBB,M2.5.4,M11.5.0", 0);
	z = load_ok("R/W5");
	expect_off(z, utc(2024, 2, 29, 2, 0, 0) - 1, 0);
	expect_off(z, utc(2024, 2, 29, 2, 0, 0), 3600);
	expect_off(z, utc(2023, 2, 23, 2, 0, 0) - 1, 0);
	expect_off(z, utc(2023, 2, 23, 2, 0, 0), 3600);
	tz_free(z);
	/* RFC 8536 3.3.1: DST all year */
	write_rule_zone("R/All", "EST5EDT,0/0,J365/25", -18000);
	z = load_ok("R/All");
	for (t = utc(2023, 12, 31, 0, 0, 0); t < utc(2024, 1, 2, 0, 0, 0);
	     t += 600)
		expect_off(z, t, -14400);
	expect_off(z, utc(2024, 7, 1, 0, 0, 0), -14400);
	expect_off(z, utc(1800, 1, 1, 5, 0, 0), -14400);
	expect_off(z, utc(2500, 1, 1, 5, 0, 0), -14400);
	tz_free(z);
	/* dst offset given explicitly; southern order (end before start) */
	write_rule_zone("R/South", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
			37800);
	z = load_ok("R/South");
	expect_off(z, utc(2024, 4, 6, 15, 0, 0) - 1, 39600);
	expect_off(z, utc(2024, 4, 6, 15, 0, 0), 37800);
	expect_off(z, utc(1800, 1, 1, 0, 0, 0), 39600);
	expect_off(z, utc(1800, 7, 1, 0, 0, 0), 37800);
	tz_free(z);
}
END_TEST

/* Forward: defined with the glibc cross-checks below. */
static int cross_check(const struct tz *z, const char *glibc_tz, int64_t lo,
		       int64_t hi, int n, int eras);

START_TEST(test_rule_region)
{
	static const char rule[] = "EST5EDT,M3.2.0,M11.1.0";
	static const int32_t utoff[] = {-17762, -18000, 3600};
	static const uint8_t idx[] = {1}, idx_late[] = {2};
	int64_t early = utc(1843, 1, 1, 0, 0, 0),
		late = utc(2300, 1, 1, 0, 0, 0);
	struct zone_spec s = {'2', 1, &early, idx, 2, utoff, rule};
	struct buf b = BUF_INIT;
	struct tz *z;
	int bad;

	/* last transition in 1843, before the tabulated years */
	build_zone(&b, &s);
	write_zone("R/Early", b.data, b.len);
	z = load_ok("R/Early");
	expect_off(z, early - 1, -17762);
	expect_off(z, early, -18000); /* January: the rule says EST */
	/* glibc's pre-1970 rule years are off: see test_glibc_rules */
	bad =
	    cross_check(z, rule, 0, utc(2600, 1, 1, 0, 0, 0), SAMPLES / 10, 0);
	bad += cross_check(z, rule, early, 0, SAMPLES / 10, 1);
	ck_assert_int_eq(bad, 0);
	tz_free(z);
	/* last transition in 2300: the table up to there, then the rule */
	s.times = &late;
	s.idx = idx_late;
	s.ntypes = 3;
	build_zone(&b, &s);
	write_zone("R/Late", b.data, b.len);
	z = load_ok("R/Late");
	expect_off(z, utc(2024, 7, 1, 0, 0, 0), -17762);
	expect_off(z, late - 1, -17762);
	expect_off(z, late, -18000);
	expect_off(z, utc(2300, 7, 1, 0, 0, 0), -14400);
	tz_free(z);
	buf_release(&b);
}
END_TEST

/* --- glibc cross-checks ------------------------------------------------ */

/* The Gregorian calendar repeats every 400 years, weekdays included. */
#define SECS_400Y (INT64_C(146097) * 86400)

/*
 * Compare offset and day with localtime_r(TZ=glibc_tz) at n random
 * instants in [lo, hi), asking glibc about the instant eras * 400 years
 * later.  Returns the number of disagreements (after reporting the first
 * few).
 */
static int cross_check(const struct tz *z, const char *glibc_tz, int64_t lo,
		       int64_t hi, int n, int eras)
{
	int i, bad = 0;

	ck_assert_int_eq(setenv("TZ", glibc_tz, 1), 0);
	tzset();
	for (i = 0; i < n; i++) {
		int64_t t = rnd_between(lo, hi);
		time_t tt = (time_t)(t + eras * SECS_400Y);
		char want[32], got[TZ_DAY_SIZE];
		struct tm tm;

		ck_assert_ptr_nonnull(localtime_r(&tt, &tm));
		snprintf(want, sizeof(want), "%04d-%02d-%02d",
			 tm.tm_year + 1900 - 400 * eras, tm.tm_mon + 1,
			 tm.tm_mday);
		tz_day(z, t, got);
		if (tm.tm_gmtoff == tz_offset(z, t) && !strcmp(got, want))
			continue;
		if (bad++ < 5)
			fprintf(stderr,
				"%s at %lld: offset %d day %s, glibc %ld %s\n",
				glibc_tz, (long long)t, tz_offset(z, t), got,
				tm.tm_gmtoff, want);
	}
	unsetenv("TZ");
	tzset();
	return bad;
}

static const char *const glibc_zones[] = {
    "Europe/Berlin",	  "America/New_York", "Australia/Lord_Howe",
    "Asia/Kolkata",	  "Europe/Dublin",    "America/Sao_Paulo",
    "Pacific/Chatham",	  "America/Nuuk",     "Africa/Casablanca",
    "Asia/Tehran",	  "Antarctica/Troll", "America/Santiago",
    "Pacific/Kiritimati", "America/St_Johns", "Australia/Sydney",
    "Europe/Moscow",	  "Pacific/Apia",     "Asia/Gaza",
};

START_TEST(test_glibc_zones)
{
	const char *name = glibc_zones[_i];
	struct tz *z = load_ok(name);
	int bad;

	bad = cross_check(z, name, 0, utc(2100, 1, 1, 0, 0, 0), SAMPLES, 0);
	/* past the tabulated years, and the century before 1970 */
	bad += cross_check(z, name, utc(2200, 1, 1, 0, 0, 0),
			   utc(3000, 1, 1, 0, 0, 0), SAMPLES / 10, 0);
	bad +=
	    cross_check(z, name, utc(1900, 1, 1, 0, 0, 0), 0, SAMPLES / 10, 0);
	ck_assert_msg(bad == 0, "%s: %d disagreements with glibc", name, bad);
	tz_free(z);
}
END_TEST

static const char *const glibc_rules[] = {
    "EST5EDT,M3.2.0,M11.1.0",
    "CET-1CEST,M3.5.0,M10.5.0/3",
    "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
    "IST-1GMT0,M10.5.0,M3.5.0/1",
    "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
    "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
    "AAA3BBB,J60/2,J300/3",
    "AAA3BBB,59/2,299/3",
    "XXX-5:30YYY-6:45:30,M4.5.6/26,M9.5.6/-3:30",
    "AAA0BBB,M3.1.0/50,M10.1.0/-30",
    "<-03>3<-02>,M3.2.0/-2,M11.1.0/-1",
    "AAA-14BBB-15,M2.5.4/167,M11.5.0/-167",
};

START_TEST(test_glibc_rules)
{
	const char *rule = glibc_rules[_i];
	struct tz *z;
	int bad;

	write_rule_zone("R/Zone", rule, 0);
	z = load_ok("R/Zone");
	/* tabulated 1900-2200, the rule itself outside */
	bad = cross_check(z, rule, 0, utc(2100, 1, 1, 0, 0, 0), SAMPLES / 2, 0);
	bad +=
	    cross_check(z, rule, 0, utc(2600, 1, 1, 0, 0, 0), SAMPLES / 4, 0);
	/*
	 * glibc's compute_change() starts every year before 1971 at
	 * 1970-01-01, so a TZ string gets 1970's changes in all earlier
	 * years; tzcode and RFC 8536 apply the rule to each year.  Ask glibc
	 * about the same date 400 years later instead.
	 */
	bad +=
	    cross_check(z, rule, utc(1600, 1, 1, 0, 0, 0), 0, SAMPLES / 4, 1);
	ck_assert_msg(bad == 0, "%s: %d disagreements with glibc", rule, bad);
	tz_free(z);
}
END_TEST

/* --- days -------------------------------------------------------------- */

START_TEST(test_format_day)
{
	char out[TZ_DAY_SIZE], want[32];
	int64_t day = -719528; /* 0000-01-01 */
	int y, m = 1, d = 1;
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};

	tz_format_day(day - 1, out);
	ck_assert_str_eq(out, "0000-01-01");
	tz_format_day(INT64_MIN, out);
	ck_assert_str_eq(out, "0000-01-01");
	tz_format_day(INT64_MAX, out);
	ck_assert_str_eq(out, "9999-12-31");
	tz_format_day(0, out);
	ck_assert_str_eq(out, "1970-01-01");
	/* every day of years 0000-9999, against a counting calendar */
	for (y = 0; y <= 9999; day++) {
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

		snprintf(want, sizeof(want), "%04d-%02d-%02d", y, m, d);
		tz_format_day(day, out);
		if (strcmp(out, want))
			ck_abort_msg("day %lld: %s, want %s", (long long)day,
				     out, want);
		if (++d > mdays[m - 1] + (m == 2 && leap)) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	ck_assert_int_eq(day, 2932897);
	tz_format_day(day, out);
	ck_assert_str_eq(out, "9999-12-31");
}
END_TEST

START_TEST(test_day_clamp)
{
	struct tz *z = load_ok("Pacific/Kiritimati"); /* +14 */

	expect_day(z, TIMEPARSE_MAX, "9999-12-31");
	expect_day(z, TIMEPARSE_MAX - 14 * 3600, "9999-12-31");
	ck_assert_int_eq(tz_local_day_number(z, TIMEPARSE_MAX), 2932897);
	tz_free(z);
	z = load_ok("America/Los_Angeles"); /* LMT -7:52:58 */
	expect_day(z, TIMEPARSE_MIN, "0000-01-01");
	tz_free(z);
}
END_TEST

/* --- speed (reported, not asserted) ------------------------------------ */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

START_TEST(test_speed)
{
	static const char *const zones[] = {"UTC", "Europe/Berlin",
					    "America/New_York"};
	enum { CALLS = 2000000 };
	int64_t *t = malloc(CALLS * sizeof(*t));
	volatile int64_t sink = 0;
	char out[TZ_DAY_SIZE];
	double a, b, c, e;
	size_t k;
	int i;

	ck_assert_ptr_nonnull(t);
	for (k = 0; k < sizeof(zones) / sizeof(zones[0]); k++) {
		struct tz *z = load_ok(zones[k]);

		for (i = 0; i < CALLS; i++)
			t[i] = rnd_between(0, utc(2100, 1, 1, 0, 0, 0));
		a = now();
		for (i = 0; i < CALLS; i++)
			sink += tz_offset(z, t[i]);
		b = now();
		for (i = 0; i < CALLS; i++) {
			tz_day(z, t[i], out);
			sink += out[9];
		}
		c = now();
		qsort(t, CALLS, sizeof(*t), cmp_i64);
		e = now();
		for (i = 0; i < CALLS; i++)
			sink += tz_offset(z, t[i]);
		printf("speed %-16s tz_offset %6.1f M/s (sorted %6.1f M/s), "
		       "tz_day %6.1f M/s, random instants 1970-2100\n",
		       zones[k], CALLS / (b - a) / 1e6,
		       CALLS / (now() - e) / 1e6, CALLS / (c - b) / 1e6);
		tz_free(z);
	}
	free(t);
}
END_TEST

/* --- suite ------------------------------------------------------------- */

static TCase *add_case(Suite *s, const char *name, bool fixture)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, 600);
	if (fixture)
		tcase_add_checked_fixture(tc, setup, teardown);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *tz_suite(void)
{
	Suite *s = suite_create("tz");
	TCase *tc;

	tcase_add_test(add_case(s, "utc", true), test_utc);
	tcase_add_test(add_case(s, "berlin_dst", false), test_berlin_dst);
	tcase_add_test(add_case(s, "berlin_midnight", false),
		       test_berlin_midnight);
	tcase_add_test(add_case(s, "new_york", false), test_new_york);
	tcase_add_test(add_case(s, "lord_howe", false), test_lord_howe);
	tcase_add_test(add_case(s, "kolkata", false), test_kolkata);
	tcase_add_test(add_case(s, "far_future", false), test_far_future);
	tcase_add_test(add_case(s, "before_first", false), test_before_first);
	tcase_add_loop_test(add_case(s, "invalid_name", false),
			    test_invalid_name, 0, N(bad_names));
	tcase_add_test(add_case(s, "name_length", false), test_name_length);
	tcase_add_test(add_case(s, "unknown", false), test_unknown);
	tcase_add_test(add_case(s, "zoneinfo_env", true), test_zoneinfo_env);
	tcase_add_test(add_case(s, "leap_seconds", true), test_leap_seconds);
	tcase_add_test(add_case(s, "truncated", true), test_truncated);
	tcase_add_test(add_case(s, "garbled", true), test_garbled);
	tcase_add_test(add_case(s, "crafted", true), test_crafted);
	tcase_add_loop_test(add_case(s, "footer", true), test_footer, 0,
			    N(footers));
	tcase_add_test(add_case(s, "not_regular", true), test_not_regular);
	tcase_add_test(add_case(s, "versions", true), test_versions);
	tcase_add_test(add_case(s, "rule_forms", true), test_rule_forms);
	tcase_add_test(add_case(s, "rule_region", true), test_rule_region);
	/* "slow": 3 of the 4 minutes under valgrind (make valgrind skips
	 * them with CK_EXCLUDE_TAGS=slow; make asan runs them) */
	tc = add_case(s, "glibc_zones", false);
	tcase_set_tags(tc, "slow");
	tcase_add_loop_test(tc, test_glibc_zones, 0, N(glibc_zones));
	tc = add_case(s, "glibc_rules", true);
	tcase_set_tags(tc, "slow");
	tcase_add_loop_test(tc, test_glibc_rules, 0, N(glibc_rules));
	tcase_add_test(add_case(s, "format_day", false), test_format_day);
	tcase_add_test(add_case(s, "day_clamp", false), test_day_clamp);
	tc = add_case(s, "speed", false);
	tcase_set_tags(tc, "slow");
	tcase_add_test(tc, test_speed);
	return s;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	SRunner *sr;
	int failed;

	if (snprintf(run_dir, sizeof(run_dir), "%s/check_tz.XXXXXX",
		     tmp && *tmp ? tmp : "/tmp") >= (int)sizeof(run_dir) ||
	    !mkdtemp(run_dir)) {
		perror("check_tz: mkdtemp");
		return EXIT_FAILURE;
	}
	/* the system's tzdata unless a fixture says otherwise */
	unsetenv("CJAFS_ZONEINFO");
	sr = srunner_create(tz_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	remove_tree(run_dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
