/*
 * tz.c - IANA time zones from TZif files (see tz.h).
 *
 * Owns struct tz: an offset table built once by tz_load() and read-only
 * afterwards, so lookups need no lock and allocate nothing.
 *
 * The table.  at[0..n) ascending with at[0] = INT64_MIN as a sentinel,
 * off[i] the offset from at[i] until at[i + 1].  Only changes of the UTC
 * offset are kept: a change of abbreviation or of the isdst flag alone
 * (CET -> CEST without an offset change, say) cannot move a date, and
 * dropping them keeps the table short.  Before the first transition,
 * time type 0 applies (RFC 8536 3.2); at and after the last one, the
 * footer's POSIX TZ rule (everywhere if there are no transitions).  The
 * rule's changes from there to 2200 are computed once at load and
 * appended to the table, so the table answers for tab_lo <= t < tab_hi,
 * which covers 1900-2200 in every real zone, and the rule is evaluated
 * only outside.  This matters: fat files (Debian) stop in 2037, slim ones
 * (zic's default since 2020) in 2007 or earlier, and evaluating the rule
 * costs ~80 ns against ~10 ns for the branch-free binary search (~9 steps
 * for Berlin's ~470 entries).  No per-call cache: a cursor remembering
 * the last interval was measured at ~1.5 ns against ~10 ns on sorted
 * rows, too little to be worth a second API.
 *
 * The rule.  For the instant's UTC year Y the two changes of years Y-1,
 * Y and Y+1 are computed and the latest one at or before t wins (a
 * later year wins a tie, which makes RFC 8536's all-year DST
 * "EST5EDT,0/0,J365/25" come out right).  With times of -167..167 h
 * (RFC 8536 3.3.1) a change of year y lies within y +-8 days, so years
 * Y-1..Y+1 always hold the answer except in absurd rules, for which Y-2
 * (and, when the next change is wanted, Y+2) are tried as well.  Start
 * before end is not assumed: southern zones have end < start.
 *
 * Trust.  Zone files come from the filesystem but are parsed as untrusted
 * input: every count is checked against the bytes present before use,
 * sizes are computed in 64 bits, transitions must strictly increase,
 * indices and offsets must be in range, abbreviations NUL-terminated, the
 * footer well formed and nothing may follow it.  Files larger than
 * TZ_FILE_MAX are refused.  Offsets are kept within (-25 h, +26 h) and
 * instants within TZ_MIN..TZ_MAX, so no sum here can overflow.
 *
 * Files with leap-second records ("right/" zones) are refused: record
 * times are POSIX seconds, and such a zone would shift them by ~27 s.
 * For v2+ files only the 64-bit data is read; the v1 block is skipped
 * (its size is still checked).  Version-1-only files are read from their
 * 32-bit block and have no footer.
 *
 * Calendar: Howard Hinnant's days_from_civil/civil_from_days, as in
 * timeparse.c (copied: both are static there and here).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tz.h"

#define TZ_DIR "/usr/share/zoneinfo"
#define TZ_FILE_MAX (1024 * 1024)
#define SECS_PER_DAY 86400
/* RFC 8536 3.2: utoff SHOULD be in -89999..93599 */
#define TZ_OFF_MIN (-89999)
#define TZ_OFF_MAX 93599
/* RFC 8536 3.3.1: rule times within -167..167 hours */
#define TZ_RULE_TIME_MAX (167 * 3600)
/* tz_format_day()'s clamp: 0000-01-01 and 9999-12-31 */
#define TZ_DAY_MIN INT64_C(-719528)
#define TZ_DAY_MAX INT64_C(2932896)
/* the rule's changes are tabulated from 1900-01-01 to 2200-01-01 */
#define TZ_GEN_LO INT64_C(-2208988800)
#define TZ_GEN_HI INT64_C(7258118400)
#define SECS_PER_YEAR (365 * SECS_PER_DAY)

enum tz_date_kind {
	TZ_DATE_JULIAN, /* Jn: 1-365, February 29 never counted */
	TZ_DATE_ZERO,	/* n: 0-365, February 29 counted */
	TZ_DATE_MONTH,	/* Mm.w.d: day d (0 = Sunday) of week w of month m */
};

struct tz_date {
	enum tz_date_kind kind;
	int n;		     /* TZ_DATE_JULIAN, TZ_DATE_ZERO */
	int mon, week, wday; /* TZ_DATE_MONTH */
	int32_t secs;	     /* local time of the change on that date */
};

struct tz_rule {
	int32_t std_off; /* seconds east of UTC */
	int32_t dst_off;
	bool has_dst;
	struct tz_date start; /* in standard time: std -> dst */
	struct tz_date end;   /* in daylight time: dst -> std */
};

struct tz {
	char name[TZ_NAME_MAX + 1];
	size_t n; /* entries in at[] and off[], at least 1 */
	size_t cap;
	int64_t *at; /* at[0] = INT64_MIN, then ascending */
	int32_t *off;
	int64_t tab_lo; /* the table answers for tab_lo <= t < tab_hi, */
	int64_t tab_hi; /* the rule outside */
	struct tz_rule rule;
};

/* The counts of a TZif header, in file order. */
struct tzif_counts {
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

#define TZIF_HEADER_SIZE 44

/* ---- calendar ---- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return q - (a % b < 0);
}

static int64_t clamp_time(int64_t t)
{
	return t < TZ_MIN ? TZ_MIN : t > TZ_MAX ? TZ_MAX : t;
}

/* ---- the POSIX TZ rule ---- */

/* Day number (days since 1970-01-01) of date dt in year y. */
static int64_t rule_day(const struct tz_date *dt, int64_t y)
{
	int64_t first;
	int day;

	switch (dt->kind) {
	case TZ_DATE_JULIAN:
		return days_from_civil(y, 1, 1) + dt->n - 1 +
		       (dt->n >= 60 && is_leap(y));
	case TZ_DATE_ZERO:
		return days_from_civil(y, 1, 1) + dt->n;
	case TZ_DATE_MONTH:
		break;
	}
	first = days_from_civil(y, dt->mon, 1);
	/* 1970-01-01 was a Thursday (4) */
	day = (int)((dt->wday - (first + 4)) % 7);
	if (day < 0)
		day += 7;
	day += 7 * (dt->week - 1);
	if (dt->week == 5 && day >= days_in_month(y, dt->mon))
		day -= 7;
	return first + day;
}

struct rule_scan {
	int64_t t;
	int64_t best; /* latest change <= t so far, INT64_MIN if none */
	int32_t off;  /* the offset from best on */
	int64_t next; /* earliest change > t so far, INT64_MAX if none */
};

static void rule_see(struct rule_scan *s, int64_t when, int32_t off)
{
	if (when <= s->t) {
		if (when >= s->best) {
			s->best = when;
			s->off = off;
		}
	} else if (when < s->next) {
		s->next = when;
	}
}

static void rule_scan_year(const struct tz_rule *r, int64_t y,
			   struct rule_scan *s)
{
	int64_t on =
	    rule_day(&r->start, y) * SECS_PER_DAY + r->start.secs - r->std_off;
	int64_t off =
	    rule_day(&r->end, y) * SECS_PER_DAY + r->end.secs - r->dst_off;

	if (on <= off) {
		rule_see(s, on, r->dst_off);
		rule_see(s, off, r->std_off);
	} else {
		rule_see(s, off, r->std_off);
		rule_see(s, on, r->dst_off);
	}
}

/*
 * Offset under rule r at t.  When until is not NULL, *until is the next
 * change after t (INT64_MAX if the rule never changes).
 */
static int32_t rule_offset(const struct tz_rule *r, int64_t t, int64_t *until)
{
	struct rule_scan s = {t, INT64_MIN, r->std_off, INT64_MAX};
	int64_t y;
	int m, d;

	if (!r->has_dst) {
		if (until)
			*until = INT64_MAX;
		return r->std_off;
	}
	civil_from_days(floor_div(t, SECS_PER_DAY), &y, &m, &d);
	rule_scan_year(r, y - 1, &s);
	rule_scan_year(r, y, &s);
	rule_scan_year(r, y + 1, &s);
	if (s.best == INT64_MIN)
		rule_scan_year(r, y - 2, &s);
	if (until) {
		if (s.next == INT64_MAX)
			rule_scan_year(r, y + 2, &s);
		*until = s.next;
	}
	return s.off;
}

/* ---- lookups ---- */

/* Largest i with at[i] <= t; at[0] = INT64_MIN makes it exist. */
static size_t table_find(const struct tz *z, int64_t t)
{
	const int64_t *at = z->at;
	size_t base = 0, len = z->n;

	while (len > 1) {
		size_t half = len / 2;

		base = at[base + half] <= t ? base + half : base;
		len -= half;
	}
	return base;
}

/* tab_lo <= t < tab_hi in one unsigned comparison */
static bool in_table(const struct tz *z, int64_t t)
{
	return (uint64_t)t - (uint64_t)z->tab_lo <
	       (uint64_t)z->tab_hi - (uint64_t)z->tab_lo;
}

int32_t tz_offset(const struct tz *z, int64_t t)
{
	t = clamp_time(t);
	if (!in_table(z, t))
		return rule_offset(&z->rule, t, NULL);
	return z->off[table_find(z, t)];
}

int64_t tz_local_day_number(const struct tz *z, int64_t t)
{
	t = clamp_time(t);
	return floor_div(t + tz_offset(z, t), SECS_PER_DAY);
}

static const char two_digits[] = "00010203040506070809"
				 "10111213141516171819"
				 "20212223242526272829"
				 "30313233343536373839"
				 "40414243444546474849"
				 "50515253545556575859"
				 "60616263646566676869"
				 "70717273747576777879"
				 "80818283848586878889"
				 "90919293949596979899";

static void put2(char *p, uint32_t v)
{
	memcpy(p, two_digits + 2 * v, 2);
}

/*
 * civil_from_days() in 32-bit unsigned arithmetic for the clamped range:
 * counted from 0000-03-01 minus one 400-year era, so never negative.
 * Once per row in tz_day(), where the 64-bit signed version and a
 * digit loop cost three times as much.
 */
void tz_format_day(int64_t day, char out[TZ_DAY_SIZE])
{
	uint32_t z, doe, yoe, doy, mp, y, m, d;

	if (day < TZ_DAY_MIN)
		day = TZ_DAY_MIN;
	else if (day > TZ_DAY_MAX)
		day = TZ_DAY_MAX;
	z = (uint32_t)(day + 719468 + 146097);
	doe = z % 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + (z / 146097) * 400 + (m <= 2) - 400;
	put2(out, y / 100);
	put2(out + 2, y % 100);
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = '\0';
}

void tz_day(const struct tz *z, int64_t t, char out[TZ_DAY_SIZE])
{
	tz_format_day(tz_local_day_number(z, t), out);
}

const char *tz_name(const struct tz *z)
{
	return z->name;
}

void tz_free(struct tz *z)
{
	if (!z)
		return;
	free(z->at);
	free(z->off);
	free(z);
}

/* ---- footer: POSIX TZ string with RFC 8536 extensions ---- */

struct tzstr {
	const char *p;
	const char *end;
};

static bool str_digit(const struct tzstr *s)
{
	return s->p < s->end && *s->p >= '0' && *s->p <= '9';
}

static bool str_eat(struct tzstr *s, char c)
{
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return true;
	}
	return false;
}

/* 1 to maxd digits, value at most max. */
static int str_num(struct tzstr *s, int maxd, int max, int *out)
{
	int v = 0, nd = 0;

	while (str_digit(s)) {
		if (++nd > maxd)
			return -EINVAL;
		v = v * 10 + (*s->p++ - '0');
	}
	if (!nd || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* std or dst name: 3+ letters, or <3+ of [A-Za-z0-9+-]> */
static int str_abbr(struct tzstr *s)
{
	const char *start;

	if (str_eat(s, '<')) {
		start = s->p;
		while (s->p < s->end && *s->p != '>') {
			char c = *s->p;

			if (!((c >= 'A' && c <= 'Z') ||
			      (c >= 'a' && c <= 'z') ||
			      (c >= '0' && c <= '9') || c == '+' || c == '-'))
				return -EINVAL;
			s->p++;
		}
		if (s->p - start < 3 || !str_eat(s, '>'))
			return -EINVAL;
		return 0;
	}
	start = s->p;
	while (s->p < s->end && ((*s->p >= 'A' && *s->p <= 'Z') ||
				 (*s->p >= 'a' && *s->p <= 'z')))
		s->p++;
	return s->p - start < 3 ? -EINVAL : 0;
}

/* [+-]h[h..][:mm[:ss]] with hours up to maxh; seconds, signed. */
static int str_hms(struct tzstr *s, int maxh, int32_t *out)
{
	int sign = 1, h, m = 0, sec = 0;

	if (str_eat(s, '-'))
		sign = -1;
	else
		str_eat(s, '+');
	if (str_num(s, 3, maxh, &h))
		return -EINVAL;
	if (str_eat(s, ':')) {
		if (str_num(s, 2, 59, &m))
			return -EINVAL;
		if (str_eat(s, ':') && str_num(s, 2, 59, &sec))
			return -EINVAL;
	}
	*out = sign * (h * 3600 + m * 60 + sec);
	return 0;
}

/* ,date[/time] */
static int str_date(struct tzstr *s, struct tz_date *dt)
{
	if (!str_eat(s, ','))
		return -EINVAL;
	if (str_eat(s, 'J')) {
		dt->kind = TZ_DATE_JULIAN;
		if (str_num(s, 3, 365, &dt->n) || dt->n < 1)
			return -EINVAL;
	} else if (str_eat(s, 'M')) {
		dt->kind = TZ_DATE_MONTH;
		if (str_num(s, 2, 12, &dt->mon) || dt->mon < 1 ||
		    !str_eat(s, '.') || str_num(s, 1, 5, &dt->week) ||
		    dt->week < 1 || !str_eat(s, '.') ||
		    str_num(s, 1, 6, &dt->wday))
			return -EINVAL;
	} else {
		dt->kind = TZ_DATE_ZERO;
		if (str_num(s, 3, 365, &dt->n))
			return -EINVAL;
	}
	dt->secs = 2 * 3600;
	if (str_eat(s, '/'))
		return str_hms(s, TZ_RULE_TIME_MAX / 3600, &dt->secs);
	return 0;
}

/*
 * Parse a footer "std offset [dst [offset] ,start[/time],end[/time]]".
 * POSIX offsets count west (EST5 is UTC-5); a missing dst offset is one
 * hour ahead of standard time.  A dst part without a rule leaves the
 * rules to the implementation (glibc reads "posixrules"); zic never
 * writes one, so it is refused.
 */
static int parse_tzstr(const char *p, size_t len, struct tz_rule *r)
{
	struct tzstr s = {p, p + len};
	int32_t west;

	memset(r, 0, sizeof(*r));
	if (str_abbr(&s) || str_hms(&s, 24, &west))
		return -EINVAL;
	r->std_off = -west;
	r->dst_off = r->std_off;
	if (s.p == s.end)
		return 0;
	if (str_abbr(&s))
		return -EINVAL;
	r->has_dst = true;
	r->dst_off = r->std_off + 3600;
	if (s.p < s.end && *s.p != ',') {
		if (str_hms(&s, 24, &west))
			return -EINVAL;
		r->dst_off = -west;
	}
	if (str_date(&s, &r->start) || str_date(&s, &r->end))
		return -EINVAL;
	return s.p == s.end ? 0 : -EINVAL;
}

/* ---- TZif ---- */

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int64_t get_time(const unsigned char *p, size_t size)
{
	uint64_t v;

	if (size == 4)
		return (int32_t)get_u32(p);
	v = (uint64_t)get_u32(p) << 32 | get_u32(p + 4);
	return (int64_t)v;
}

static void read_counts(const unsigned char *p, struct tzif_counts *c)
{
	c->isutcnt = get_u32(p + 20);
	c->isstdcnt = get_u32(p + 24);
	c->leapcnt = get_u32(p + 28);
	c->timecnt = get_u32(p + 32);
	c->typecnt = get_u32(p + 36);
	c->charcnt = get_u32(p + 40);
}

/* Bytes of a data block; 64-bit, so no count can overflow it. */
static uint64_t block_size(const struct tzif_counts *c, size_t tsize)
{
	return (uint64_t)c->timecnt * (tsize + 1) + (uint64_t)c->typecnt * 6 +
	       c->charcnt + (uint64_t)c->leapcnt * (tsize + 4) + c->isstdcnt +
	       c->isutcnt;
}

/* A table of cap entries holding off0 everywhere. */
static int table_init(struct tz *z, size_t cap, int32_t off0)
{
	z->at = malloc(cap * sizeof(*z->at));
	z->off = malloc(cap * sizeof(*z->off));
	if (!z->at || !z->off)
		return -ENOMEM;
	z->cap = cap;
	z->at[0] = INT64_MIN;
	z->off[0] = off0;
	z->n = 1;
	return 0;
}

/*
 * From t on (t >= every entry) the offset is off.  A second entry for the
 * same instant replaces the first: the footer overrides a last transition
 * it disagrees with.
 */
static void table_add(struct tz *z, int64_t t, int32_t off)
{
	if (z->n > 1 && z->at[z->n - 1] == t)
		z->n--;
	if (off == z->off[z->n - 1])
		return;
	assert(z->n < z->cap);
	z->at[z->n] = t;
	z->off[z->n++] = off;
}

/*
 * Attach the footer rule r, which holds from the file's last transition
 * (or everywhere without transitions).  Within TZ_GEN_LO..TZ_GEN_HI the
 * rule's changes are written into the table, so lookups in the years
 * data lives in are one binary search; the rule is evaluated only
 * outside.  Tabulating calls rule_offset() itself, so both paths agree.
 */
static int table_rule(struct tz *z, int64_t last)
{
	const struct tz_rule *r = &z->rule;
	int64_t t, until;
	size_t cap;
	void *p;

	if (!r->has_dst) {
		/* a fixed offset: the table can answer for all time */
		if (last == INT64_MIN)
			z->off[0] = r->std_off;
		else
			table_add(z, last, r->std_off);
		return 0;
	}
	t = last == INT64_MIN ? TZ_GEN_LO : last;
	if (t < TZ_GEN_LO || t >= TZ_GEN_HI) {
		/* a last transition outside 1900-2200: the rule from there */
		z->tab_hi = last;
		return 0;
	}
	/* at most two changes a year and a partial year at each end */
	cap = z->n + 2 * (size_t)((TZ_GEN_HI - t) / SECS_PER_YEAR + 3);
	p = realloc(z->at, cap * sizeof(*z->at));
	if (!p)
		return -ENOMEM;
	z->at = p;
	p = realloc(z->off, cap * sizeof(*z->off));
	if (!p)
		return -ENOMEM;
	z->off = p;
	z->cap = cap;
	if (last == INT64_MIN) {
		z->tab_lo = TZ_GEN_LO;
		z->off[0] = rule_offset(r, t, &until);
		t = until;
	}
	while (t < TZ_GEN_HI && z->n < z->cap) {
		table_add(z, t, rule_offset(r, t, &until));
		t = until;
	}
	/* until == INT64_MAX: the rule never changes again */
	z->tab_hi = t < TZ_GEN_HI ? t : TZ_GEN_HI;
	return 0;
}

#define CORRUPT(why)                                                           \
	do {                                                                   \
		reason = why;                                                  \
		goto corrupt;                                                  \
	} while (0)

/*
 * Read the data block at p (size checked by the caller) into z's table;
 * *last is the last transition (INT64_MIN if none).  Returns 0, -EIO with
 * *why set, -EINVAL for leap seconds, or -ENOMEM.
 */
static int parse_block(struct tz *z, const unsigned char *p,
		       const struct tzif_counts *c, size_t tsize, int64_t *last,
		       const char **why)
{
	const unsigned char *times = p;
	const unsigned char *idx = times + (size_t)c->timecnt * tsize;
	const unsigned char *types = idx + c->timecnt;
	const unsigned char *chars = types + (size_t)c->typecnt * 6;
	const unsigned char *leaps = chars + c->charcnt;
	const unsigned char *isstd = leaps + (size_t)c->leapcnt * (tsize + 4);
	const unsigned char *isut = isstd + c->isstdcnt;
	const char *reason;
	int64_t prev = 0;
	uint32_t i;
	int rc;

	if (c->typecnt == 0 || c->typecnt > 256)
		CORRUPT("bad type count");
	if (c->charcnt == 0)
		CORRUPT("no abbreviations");
	if ((c->isstdcnt && c->isstdcnt != c->typecnt) ||
	    (c->isutcnt && c->isutcnt != c->typecnt))
		CORRUPT("bad indicator count");
	for (i = 0; i < c->typecnt; i++) {
		const unsigned char *ty = types + (size_t)i * 6;
		int32_t utoff = (int32_t)get_u32(ty);

		if (utoff < TZ_OFF_MIN || utoff > TZ_OFF_MAX)
			CORRUPT("offset out of range");
		if (ty[4] > 1)
			CORRUPT("bad dst flag");
		if (ty[5] >= c->charcnt ||
		    !memchr(chars + ty[5], '\0', c->charcnt - ty[5]))
			CORRUPT("bad abbreviation");
		if (c->isstdcnt && isstd[i] > 1)
			CORRUPT("bad standard indicator");
		if (c->isutcnt && (isut[i] > 1 || (isut[i] && !isstd[i])))
			CORRUPT("bad ut indicator");
	}
	for (i = 0; i < c->timecnt; i++) {
		int64_t t = get_time(times + (size_t)i * tsize, tsize);

		if (i && t <= prev)
			CORRUPT("transitions out of order");
		if (idx[i] >= c->typecnt)
			CORRUPT("bad type index");
		prev = t;
	}
	if (c->leapcnt)
		return -EINVAL;

	/* the sentinel, the transitions, and the footer's fixed offset */
	rc = table_init(z, (size_t)c->timecnt + 2, (int32_t)get_u32(types));
	if (rc)
		return rc;
	for (i = 0; i < c->timecnt; i++)
		table_add(z, get_time(times + (size_t)i * tsize, tsize),
			  (int32_t)get_u32(types + (size_t)idx[i] * 6));
	z->tab_lo = INT64_MIN;
	z->tab_hi = INT64_MAX;
	*last = c->timecnt ? prev : INT64_MIN;
	return 0;
corrupt:
	*why = reason;
	return -EIO;
}

static int parse_tzif(struct tz *z, const unsigned char *buf, size_t len,
		      struct diag *d)
{
	struct tzif_counts c1, c2;
	const unsigned char *p, *nl;
	const char *reason = NULL;
	int64_t last;
	size_t rest;
	uint64_t size;
	int rc;

	if (len < 4 || memcmp(buf, "TZif", 4))
		goto unknown;
	if (len < TZIF_HEADER_SIZE)
		CORRUPT("truncated");
	read_counts(buf, &c1);
	size = block_size(&c1, 4);
	if (size > len - TZIF_HEADER_SIZE)
		CORRUPT("truncated");
	p = buf + TZIF_HEADER_SIZE;
	if (buf[4] == '\0') {
		/* version 1: 32-bit data, no footer */
		if (size != len - TZIF_HEADER_SIZE)
			CORRUPT("trailing data");
		rc = parse_block(z, p, &c1, 4, &last, &reason);
		if (rc)
			goto block_err;
		return 0;
	}
	if (buf[4] < '2')
		CORRUPT("bad version");
	p += size;
	rest = len - TZIF_HEADER_SIZE - (size_t)size;
	if (rest < TZIF_HEADER_SIZE || memcmp(p, "TZif", 4) || p[4] != buf[4])
		CORRUPT("bad second header");
	read_counts(p, &c2);
	p += TZIF_HEADER_SIZE;
	rest -= TZIF_HEADER_SIZE;
	size = block_size(&c2, 8);
	if (size > rest)
		CORRUPT("truncated");
	rc = parse_block(z, p, &c2, 8, &last, &reason);
	if (rc)
		goto block_err;
	p += size;
	rest -= (size_t)size;
	/* footer: "\n" TZ string "\n", then end of file */
	if (rest < 2 || p[0] != '\n')
		CORRUPT("no footer");
	nl = memchr(p + 1, '\n', rest - 1);
	if (!nl)
		CORRUPT("unterminated footer");
	if ((size_t)(nl - p) + 1 != rest)
		CORRUPT("trailing data");
	if (nl == p + 1)
		return 0; /* empty TZ string: the last type stays */
	if (parse_tzstr((const char *)p + 1, (size_t)(nl - p - 1), &z->rule))
		CORRUPT("bad footer");
	return table_rule(z, last);
block_err:
	if (rc == -EINVAL) {
		diag_set(d, 0, 0, "time zone '%s' counts leap seconds",
			 z->name);
		return rc;
	}
	if (rc != -EIO)
		return rc;
corrupt:
	diag_set(d, 0, 0, "corrupt time zone file for '%s': %s", z->name,
		 reason);
	return -EIO;
unknown:
	diag_set(d, 0, 0, "unknown time zone '%s'", z->name);
	return -ENOENT;
}

#undef CORRUPT

/* ---- loading ---- */

static bool name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '+' ||
	       c == '-' || c == '.';
}

static int check_name(const char *name, struct diag *d)
{
	size_t len = strlen(name), i, comp = 0;

	if (len == 0) {
		diag_set(d, 0, 0, "empty time zone name");
		return -EINVAL;
	}
	if (len > TZ_NAME_MAX) {
		diag_set(d, 0, 0,
			 "time zone name too long (%zu bytes, limit %d)", len,
			 TZ_NAME_MAX);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (!name_char(name[i])) {
			diag_set(d, 0, 0,
				 "time zone name may only contain "
				 "[A-Za-z0-9/_+-.]");
			return -EINVAL;
		}
	}
	/* every component non-empty and neither "." nor ".." */
	for (i = 0; i <= len; i++) {
		if (i < len && name[i] != '/')
			continue;
		if (i == comp || (i - comp == 1 && name[comp] == '.') ||
		    (i - comp == 2 && name[comp] == '.' &&
		     name[comp + 1] == '.')) {
			diag_set(d, 0, 0, "invalid time zone name '%s'", name);
			return -EINVAL;
		}
		comp = i + 1;
	}
	return 0;
}

/* Read a regular file of at most TZ_FILE_MAX bytes. */
static int read_zone_file(const char *path, unsigned char **out, size_t *len)
{
	struct stat st;
	unsigned char *buf = NULL;
	size_t have = 0, cap;
	int fd, rc;

	/* O_NONBLOCK: a FIFO planted in the directory must not hang us */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		rc = -errno;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -ENOENT;
		goto out_close;
	}
	if (st.st_size > TZ_FILE_MAX) {
		rc = -EFBIG;
		goto out_close;
	}
	/*
	 * One spare byte shows a file that grew since fstat(): a file being
	 * rewritten in place, refused like a torn one (tzdata updates
	 * rename new files into place, so readers never see either).
	 */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		rc = -ENOMEM;
		goto out_close;
	}
	for (;;) {
		ssize_t r = read(fd, buf + have, cap - have);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out_free;
		}
		if (r == 0)
			break;
		have += (size_t)r;
		if (have == cap) {
			rc = -EFBIG;
			goto out_free;
		}
	}
	close(fd);
	*out = buf;
	*len = have;
	return 0;
out_free:
	free(buf);
out_close:
	close(fd);
	return rc;
}

int tz_load(const char *name, struct tz **out, struct diag *d)
{
	struct diag scratch;
	char path[4096];
	unsigned char *buf = NULL;
	const char *dir;
	struct tz *z;
	size_t len = 0;
	int rc;

	if (!d)
		d = &scratch;
	rc = check_name(name, d);
	if (rc)
		return rc;
	z = calloc(1, sizeof(*z));
	if (!z)
		return -ENOMEM;
	memcpy(z->name, name, strlen(name) + 1);
	if (!strcmp(name, "UTC")) {
		/* built in: works without tzdata */
		rc = table_init(z, 1, 0);
		if (rc)
			goto out_free;
		z->tab_lo = INT64_MIN;
		z->tab_hi = INT64_MAX;
		*out = z;
		return 0;
	}
	dir = getenv("CJAFS_ZONEINFO");
	if (!dir || !*dir)
		dir = TZ_DIR;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		diag_set(d, 0, 0, "zoneinfo path too long for '%s'", name);
		rc = -ENAMETOOLONG;
		goto out_free;
	}
	rc = read_zone_file(path, &buf, &len);
	if (rc == -ENOENT || rc == -ENOTDIR || rc == -EISDIR) {
		diag_set(d, 0, 0, "unknown time zone '%s'", name);
		rc = -ENOENT;
		goto out_free;
	}
	if (rc == -EFBIG) {
		diag_set(d, 0, 0, "corrupt time zone file for '%s': too large",
			 name);
		rc = -EIO;
		goto out_free;
	}
	if (rc) {
		diag_set(d, 0, 0, "cannot read time zone '%s': %s", name,
			 strerror(-rc));
		goto out_free;
	}
	rc = parse_tzif(z, buf, len, d);
	free(buf);
	if (rc)
		goto out_free;
	*out = z;
	return 0;
out_free:
	tz_free(z);
	return rc;
}
