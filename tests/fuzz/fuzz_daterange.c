/*
 * fuzz_daterange.c - date range bounds: wsdef_date_parse,
 * wsdef_date_day, wsdef_date_fixed, wsdef_fixed_day.
 *
 * Input: bytes 0-7 an int64_t instant (folded into 1900-2100), byte 8
 * picks the zone, the rest is the bound's text (not NUL-terminated).
 *
 * The oracle is written here from wsdef.h alone, with glibc's timegm()
 * and gmtime_r() for the calendar:
 *   - the parser accepts exactly what a plain reading of the grammar
 *     accepts (keywords and units in any case, blanks only around the
 *     sign and at the ends, a 1-6 digit step up to WSDEF_STEP_MAX, a
 *     YYYY-MM-DD that exists); a rejection gives -EINVAL, a message, a
 *     column within the text and leaves *out alone;
 *   - an accepted bound evaluates to the reference's day: today from
 *     tz_local_day_number, the Monday, the 1st, January 1st from
 *     gmtime_r, a month step by month arithmetic with the day clamped
 *     to the target month's length (timegm of the next month's 1st, one
 *     day back), all clamped to 0000-01-01..9999-12-31;
 *   - wsdef_date_fixed is true exactly for a YYYY-MM-DD base, and
 *     wsdef_fixed_day accepts exactly those with the same day.
 */
#define _GNU_SOURCE /* timegm */
#include <errno.h>
#include <strings.h>
#include <time.h>

#include "fuzz.h"
#include "timeparse.h"
#include "tz.h"
#include "wsdef.h"

static const char *const zones[] = {
    "UTC", "Europe/Berlin", "America/Los_Angeles", "Pacific/Apia",
    "Australia/Lord_Howe", "Asia/Kathmandu",
};
static struct tz *zone[FUZZ_ARRAY_SIZE(zones)];

/* days since 1970-01-01 of y-m-d, from glibc */
static int64_t ref_days(int64_t y, int m, int d)
{
	struct tm tm = {0};

	tm.tm_year = (int)(y - 1900);
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	return (int64_t)(timegm(&tm) / 86400);	/* midnight: exact */
}

static void ref_civil(int64_t day, int64_t *y, int *m, int *d, int *wday)
{
	time_t t = (time_t)(day * 86400 + 43200);
	struct tm tm;

	FUZZ_CHECK(gmtime_r(&t, &tm) != NULL);
	*y = (int64_t)tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
	*wday = tm.tm_wday;
}

static int blank(char c)
{
	return c == ' ' || c == '\t';
}

static int dig(char c)
{
	return c >= '0' && c <= '9';
}

struct ref {
	int base;	/* 0 date, 1 today, 2 week, 3 month, 4 year */
	int64_t day;	/* base 0 */
	int64_t step;
	char unit;
};

static int ref_parse(const char *s, size_t n, struct ref *r)
{
	static const char *const words[] = {"today", "start-of-week",
					    "start-of-month", "start-of-year"};
	size_t i = 0, k, st;
	int64_t v = 0;

	memset(r, 0, sizeof(*r));
	r->unit = 'd';
	while (i < n && blank(s[i]))
		i++;
	if (n - i >= 10 && dig(s[i]) && dig(s[i + 1]) && dig(s[i + 2]) &&
	    dig(s[i + 3]) && s[i + 4] == '-' && dig(s[i + 5]) &&
	    dig(s[i + 6]) && s[i + 7] == '-' && dig(s[i + 8]) &&
	    dig(s[i + 9])) {
		int y = (s[i] - '0') * 1000 + (s[i + 1] - '0') * 100 +
			(s[i + 2] - '0') * 10 + (s[i + 3] - '0');
		int m = (s[i + 5] - '0') * 10 + (s[i + 6] - '0');
		int d = (s[i + 8] - '0') * 10 + (s[i + 9] - '0');
		int64_t yy;
		int mm, dd, wd;

		if (m < 1 || m > 12 || d < 1)
			return 0;
		r->day = ref_days(y, m, d);
		ref_civil(r->day, &yy, &mm, &dd, &wd);
		if (yy != y || mm != m || dd != d)
			return 0;	/* timegm normalised it: no such day */
		i += 10;
	} else {
		for (k = 0; k < 4; k++) {
			size_t wl = strlen(words[k]);

			if (n - i >= wl && !strncasecmp(s + i, words[k], wl) &&
			    (n - i == wl || blank(s[i + wl]) ||
			     s[i + wl] == '+' || s[i + wl] == '-'))
				break;
		}
		if (k == 4)
			return 0;
		r->base = (int)k + 1;
		i += strlen(words[k]);
	}
	while (i < n && blank(s[i]))
		i++;
	if (i == n)
		return 1;
	if (s[i] != '+' && s[i] != '-')
		return 0;
	r->step = s[i] == '-' ? -1 : 1;
	i++;
	while (i < n && blank(s[i]))
		i++;
	for (st = i; i < n && dig(s[i]); i++)
		if (i - st < 7)
			v = v * 10 + (s[i] - '0');
	if (i == st || i - st > 6 || v > WSDEF_STEP_MAX || i == n ||
	    !s[i] || !strchr("dwmyDWMY", s[i]))
		return 0;
	r->unit = (char)(s[i] | 0x20);
	r->step *= v;
	i++;
	while (i < n && blank(s[i]))
		i++;
	return i == n;
}

static int64_t ref_add_months(int64_t day, int64_t months)
{
	int64_t y, m0, ty, ny;
	int m, d, wd, tm_, nm, last;

	ref_civil(day, &y, &m, &d, &wd);
	m0 = y * 12 + (m - 1) + months;
	ty = m0 >= 0 ? m0 / 12 : -((-m0 + 11) / 12);
	tm_ = (int)(m0 - ty * 12) + 1;
	ny = tm_ == 12 ? ty + 1 : ty;
	nm = tm_ == 12 ? 1 : tm_ + 1;
	last = (int)(ref_days(ny, nm, 1) - ref_days(ty, tm_, 1));
	return ref_days(ty, tm_, d < last ? d : last);
}

static int64_t ref_eval(const struct ref *r, const struct tz *z, int64_t now)
{
	int64_t lo = ref_days(0, 1, 1), hi = ref_days(9999, 12, 31);
	int64_t day = r->day, y;
	int m, d, wd;

	if (r->base) {
		day = tz_local_day_number(z, now);
		ref_civil(day, &y, &m, &d, &wd);
		if (r->base == 2)
			day -= (wd + 6) % 7;
		else if (r->base == 3)
			day = ref_days(y, m, 1);
		else if (r->base == 4)
			day = ref_days(y, 1, 1);
	}
	if (r->unit == 'd')
		day += r->step;
	else if (r->unit == 'w')
		day += 7 * r->step;
	else if (r->unit == 'm')
		day = ref_add_months(day, r->step);
	else
		day = ref_add_months(day, 12 * r->step);
	return day < lo ? lo : day > hi ? hi : day;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wsdef_date dt, keep;
	struct diag d;
	struct ref r;
	const struct tz *z;
	const char *s;
	int64_t now, day;
	uint64_t raw = 0;
	size_t n, i;
	int rc, ok;

	if (!zone[0])
		for (i = 0; i < FUZZ_ARRAY_SIZE(zones); i++)
			FUZZ_CHECK(tz_load(zones[i], &zone[i], NULL) == 0);
	if (size < 9)
		return 0;
	memcpy(&raw, data, 8);
	/* 1900-01-01 .. 2100-01-01 */
	now = INT64_C(-2208988800) + (int64_t)(raw % UINT64_C(6311433600));
	z = zone[data[8] % FUZZ_ARRAY_SIZE(zones)];
	s = (const char *)data + 9;
	n = size - 9;

	memset(&dt, 0x5a, sizeof(dt));
	keep = dt;
	rc = wsdef_date_parse(s, n, &dt, &d);
	ok = ref_parse(s, n, &r);
	if (rc) {
		FUZZ_CHECK(rc == -EINVAL);
		FUZZ_CHECK(!ok);
		FUZZ_CHECK(d.msg[0]);
		FUZZ_CHECK(d.line == 0);
		FUZZ_CHECK(d.column >= 1 && (size_t)d.column <= n + 1);
		FUZZ_CHECK(!memcmp(&dt, &keep, sizeof(dt)));
		FUZZ_CHECK(wsdef_fixed_day(s, n, &day, NULL) == -EINVAL);
		return 0;
	}
	FUZZ_CHECK(ok);
	FUZZ_CHECK(wsdef_date_fixed(&dt) == (r.base == 0));
	FUZZ_CHECK(wsdef_date_day(&dt, z, now) == ref_eval(&r, z, now));
	rc = wsdef_fixed_day(s, n, &day, &d);
	if (r.base) {
		FUZZ_CHECK(rc == -EINVAL);
	} else {
		FUZZ_CHECK(rc == 0);
		FUZZ_CHECK(day == ref_eval(&r, z, now));
	}
	return 0;
}
