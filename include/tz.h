/*
 * tz.h - IANA time zones for data views: UTC offsets and local dates.
 *
 * A data view has a time zone (an IANA name such as "Europe/Berlin",
 * default "UTC"); an event's day and the sessions are computed in it.
 * tz_load() reads the zone's TZif file (RFC 8536, versions 1-4) from the
 * zoneinfo directory once; after that every query is pure arithmetic on
 * the loaded tables: no allocation, no locks, no TZ variable, no tzset().
 *
 * Zoneinfo directory: $CJAFS_ZONEINFO when set and non-empty (tests),
 * else /usr/share/zoneinfo (Debian's tzdata).  "UTC" is built in and
 * needs no file.
 *
 * Names: 1-128 bytes of [A-Za-z0-9/_+-.], components separated by single
 * '/', no leading or trailing '/', no "." or ".." component.  Zones whose
 * files count leap seconds ("right/...") are refused: record times are
 * POSIX seconds, which have no leap seconds.
 *
 * Instants are seconds since 1970-01-01T00:00:00Z.  Queries accept any
 * int64_t; outside TZ_MIN..TZ_MAX the result is that of the nearer bound.
 *
 * Cost: tz_offset() is a branch-free binary search, ~10 ns for Berlin
 * (the rule's changes through 2200 are tabulated at load), ~2 ns for UTC;
 * tz_day() adds 15-30 ns.  Nothing is cached per call.
 *
 * Thread-safety: a loaded struct tz is never written again, so any number
 * of threads may query it at once.
 */
#ifndef CJAFS_TZ_H
#define CJAFS_TZ_H

#include <stdint.h>

#include "inidoc.h"

/* Longest accepted zone name, in bytes. */
#define TZ_NAME_MAX 128

/* Instants beyond +-2^50 s (35 million years) are clamped. */
#define TZ_MAX (INT64_C(1) << 50)
#define TZ_MIN (-TZ_MAX)

/* Size of tz_day()'s output: "YYYY-MM-DD" and a NUL. */
#define TZ_DAY_SIZE 11

struct tz;

/*
 * Load the zone called name.  On success stores a new zone in *out (the
 * caller frees it with tz_free()) and returns 0.  Errors, with d->msg
 * filled (d may be NULL; line and column are 0):
 *   -EINVAL  name not valid as above, or the zone counts leap seconds
 *   -ENOENT  no such zone ("unknown time zone 'X'"), also for files in
 *            the directory that are not TZif (zone.tab, tzdata.zi)
 *   -EIO     the zone file is corrupt, truncated or larger than 1 MiB
 *   -ENOMEM, or the errno of open/read (e.g. -EACCES)
 * *out is only written on success.
 */
int tz_load(const char *name, struct tz **out, struct diag *d);

/* The name given to tz_load() (borrowed from z). */
const char *tz_name(const struct tz *z);

/* Seconds east of UTC in effect at instant t (Berlin in summer: 7200). */
int32_t tz_offset(const struct tz *z, int64_t t);

/*
 * The local date of instant t as days since 1970-01-01 (floor; negative
 * before 1970).  Rows with equal numbers fall on the same local day.
 */
int64_t tz_local_day_number(const struct tz *z, int64_t t);

/*
 * The local date of instant t as "YYYY-MM-DD" and a NUL.  The date is
 * clamped to 0000-01-01..9999-12-31 (reached only within a day of the
 * record range TIMEPARSE_MIN..TIMEPARSE_MAX).
 */
void tz_day(const struct tz *z, int64_t t, char out[TZ_DAY_SIZE]);

/* Format a day number as tz_day() does (same clamping). */
void tz_format_day(int64_t day, char out[TZ_DAY_SIZE]);

/* Free z; NULL is allowed. */
void tz_free(struct tz *z);

#endif
