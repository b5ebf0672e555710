/*
 * fuzz_timeparse.c - timeparse() and timeparse_format_utc().
 *
 * Input: the whole input is the timestamp text (not NUL-terminated: the
 * parser must go by the length).  Its first 8 bytes, when there are that
 * many, are also read as an int64_t for the formatter.
 *
 * Invariants (timeparse.h):
 *   - an accepted value lies in TIMEPARSE_MIN..TIMEPARSE_MAX; formatted it
 *     is "YYYY-MM-DDTHH:MM:SSZ", which parses back to the same value, as
 *     does its decimal epoch form;
 *   - an accepted date is the value glibc's timegm() gives for the same
 *     fields (leap second 60 read as 59, minus the zone offset);
 *   - epoch input is accepted exactly when a straightforward reading of
 *     [-]D+[.D+] (floor of the value) is in range, and gives that value;
 *   - the formatter gives -ERANGE and "" outside the range, and a string
 *     that parses back to the value inside it.
 */
#include <errno.h>
#include <inttypes.h>
#include <time.h>

#include "fuzz.h"
#include "timeparse.h"

static int dig(char c)
{
	return c >= '0' && c <= '9';
}

static int num(const char *s, size_t n)
{
	int v = 0;

	while (n--)
		v = v * 10 + (*s++ - '0');
	return v;
}

static void check_format(int64_t t)
{
	char out[TIMEPARSE_FMT_SIZE], dec[32];
	int64_t back;
	int rc;

	memset(out, 'x', sizeof(out));
	rc = timeparse_format_utc(t, out);
	if (t < TIMEPARSE_MIN || t > TIMEPARSE_MAX) {
		FUZZ_CHECK(rc == -ERANGE);
		FUZZ_CHECK(out[0] == '\0');
		return;
	}
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(strlen(out) == 20);
	FUZZ_CHECK(out[4] == '-' && out[7] == '-' && out[10] == 'T' &&
		   out[13] == ':' && out[16] == ':' && out[19] == 'Z');
	FUZZ_CHECK(timeparse(out, 20, &back) == 0);
	FUZZ_CHECK(back == t);
	/* the date alone is midnight of that day */
	FUZZ_CHECK(timeparse(out, 10, &back) == 0);
	FUZZ_CHECK(back <= t && t - back < 86400);
	snprintf(dec, sizeof(dec), "%" PRId64, t);
	FUZZ_CHECK(timeparse(dec, strlen(dec), &back) == 0);
	FUZZ_CHECK(back == t);
}

/* Reference reading of epoch input; 1 and *out when accepted. */
static int ref_epoch(const char *s, size_t len, int64_t *out)
{
	size_t i = 0, sig = 0;
	int neg = 0, frac = 0;
	int64_t v = 0;

	if (i < len && s[i] == '-')
		neg = 1, i++;
	if (i == len || !dig(s[i]))
		return 0;
	for (; i < len && dig(s[i]); i++) {
		if (sig || s[i] != '0')
			sig++;
		if (sig > 13)
			return 0; /* over 10^13 s: past year 9999 */
		v = v * 10 + (s[i] - '0');
	}
	if (i < len && s[i] == '.') {
		if (++i == len || !dig(s[i]))
			return 0;
		for (; i < len && dig(s[i]); i++)
			frac |= s[i] != '0';
	}
	if (i != len)
		return 0;
	if (neg)
		v = -v - frac; /* floor */
	if (v < TIMEPARSE_MIN || v > TIMEPARSE_MAX)
		return 0;
	*out = v;
	return 1;
}

/* An accepted date: compare with timegm() over the same fields. */
static void check_iso(const char *s, size_t len, int64_t t)
{
	struct tm tm = {0};
	size_t i = 10;
	int east = 0, sign, sec = 0;
	time_t want;

	FUZZ_CHECK(len >= 10 && s[4] == '-' && s[7] == '-');
	tm.tm_year = num(s, 4) - 1900;
	tm.tm_mon = num(s + 5, 2) - 1;
	tm.tm_mday = num(s + 8, 2);
	if (len > 10) {
		FUZZ_CHECK(s[10] == 'T' || s[10] == ' ');
		FUZZ_CHECK(len >= 16 && s[13] == ':');
		tm.tm_hour = num(s + 11, 2);
		tm.tm_min = num(s + 14, 2);
		i = 16;
		if (i < len && s[i] == ':') {
			sec = num(s + 17, 2);
			i = 19;
			if (i < len && s[i] == '.')
				for (i++; i < len && dig(s[i]); i++)
					;
		}
		tm.tm_sec = sec == 60 ? 59 : sec;
		if (i < len && s[i] != 'Z') {
			FUZZ_CHECK(s[i] == '+' || s[i] == '-');
			sign = s[i] == '-' ? -1 : 1;
			east = num(s + i + 1, 2) * 3600;
			i += 3;
			if (i < len && s[i] == ':')
				i++;
			if (i < len)
				east += num(s + i, 2) * 60;
			east *= sign;
		}
	}
	FUZZ_CHECK(tm.tm_hour <= 23 && tm.tm_min <= 59 && sec <= 60);
	want = timegm(&tm);
	/* timegm normalizes: a date it moved was not a real date */
	FUZZ_CHECK(tm.tm_mday == num(s + 8, 2));
	FUZZ_CHECK(tm.tm_mon == num(s + 5, 2) - 1);
	FUZZ_CHECK((int64_t)want - east == t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	int64_t t = INT64_MIN, ref = 0, raw;
	int rc, iso;

	if (size >= 8) {
		memcpy(&raw, data, sizeof(raw));
		check_format(raw);
		/* and near the ends of the range */
		check_format(TIMEPARSE_MIN + (raw & 0xffff) - 0x8000);
		check_format(TIMEPARSE_MAX + (raw & 0xffff) - 0x8000);
	}
	rc = timeparse(s, size, &t);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (rc) {
		FUZZ_CHECK(t == INT64_MIN); /* untouched on failure */
	} else {
		FUZZ_CHECK(t >= TIMEPARSE_MIN && t <= TIMEPARSE_MAX);
		check_format(t);
	}
	iso = size > 4 && s[4] == '-' && dig(s[0]);
	if (iso) {
		if (!rc)
			check_iso(s, size, t);
	} else {
		FUZZ_CHECK(ref_epoch(s, size, &ref) == !rc);
		if (!rc)
			FUZZ_CHECK(ref == t);
	}
	return 0;
}
