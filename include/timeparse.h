/*
 * timeparse.h - parse and format the timestamps of dataset records.
 *
 * Accepted forms (nothing else: no spaces around, no lowercase 't'/'z',
 * no other ISO-8601 variants):
 *
 *   epoch seconds   [-]D+[.D+]   the fraction is dropped, rounding toward
 *                                the past like dropping the fraction of
 *                                12:00:05.7: "-1.5" is -2
 *   date            YYYY-MM-DD                   midnight UTC
 *   date and time   YYYY-MM-DD{T| }HH:MM[:SS[.D+]][ZONE]
 *   ZONE            Z | {+|-}HH[[:]MM]           absent means UTC
 *
 * A string of digits is always epoch seconds ("20240101" is in 1970), and
 * only an exactly 4-digit year followed by '-' makes a date.  Ranges:
 * month 01-12, day 01 to the month's length (Gregorian leap years), hour
 * 00-23 (24:00 is refused: ISO 8601:2019 dropped it), minute 00-59,
 * second 00-60 where a leap second 60 counts as 59 (Unix time has no
 * leap seconds; this keeps the event in its minute and day), zone hours
 * 00-23 and minutes 00-59.  The fraction of a second may have any number
 * of digits and is dropped.  The result must lie in years 0000-9999 UTC
 * (TIMEPARSE_MIN..TIMEPARSE_MAX), for epoch input too, so milliseconds
 * since the epoch are refused rather than read as a date in year 55000.
 *
 * Pure arithmetic on the proleptic Gregorian calendar: no locale, no TZ,
 * no mktime; thread-safe.
 */
#ifndef CJAFS_TIMEPARSE_H
#define CJAFS_TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z */
#define TIMEPARSE_MIN INT64_C(-62167219200)
#define TIMEPARSE_MAX INT64_C(253402300799)

/* Size of timeparse_format_utc()'s output buffer. */
#define TIMEPARSE_FMT_SIZE 32

/*
 * Parse s[0..len) (no NUL needed) into seconds since 1970-01-01T00:00:00Z.
 * Returns 0, or -EINVAL for anything not accepted above; *epoch_seconds_utc
 * is only written on success.
 */
int timeparse(const char *s, size_t len, int64_t *epoch_seconds_utc);

/*
 * Write t as "YYYY-MM-DDTHH:MM:SSZ" and a NUL into out.  Returns 0, or
 * -ERANGE (out = "") when t is outside TIMEPARSE_MIN..TIMEPARSE_MAX.
 */
int timeparse_format_utc(int64_t t, char out[TIMEPARSE_FMT_SIZE]);

/*
 * The proleptic Gregorian calendar, shared by every module that counts
 * days (Howard Hinnant's algorithms, exact for any int64_t year that
 * keeps the day number in range): days since 1970-01-01 of y-m-d (m
 * 1-12, d 1-31; no range check), its inverse, and the length of month m
 * (1-12) of year y.
 */
int64_t timeparse_days_from_civil(int64_t y, int m, int d);
void timeparse_civil_from_days(int64_t day, int64_t *y, int *m, int *d);
int timeparse_days_in_month(int64_t y, int m);

#endif
