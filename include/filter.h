/*
 * filter.h - the data view row filter (SPEC §4) and the component value
 * rules (SPEC §3.4: include/exclude and bucketing).
 *
 * Row filter language
 * -------------------
 *   filter    := empty | or
 *   or        := and { "or" and }
 *   and       := unary { "and" unary }
 *   unary     := { "not" } primary
 *   primary   := "(" or ")" | FIELD OP VALUE
 *   OP        := = | != | < | <= | > | >= | contains | starts-with | ends-with
 *
 * - Precedence: not binds tightest, then and, then or; and/or group left
 *   to right and short-circuit.
 * - Keywords (and, or, not, contains, starts-with, ends-with) are
 *   case-insensitive and reserved: a value spelled like one must be
 *   quoted (status = "not"), and no field can be named like one.
 * - A bare word is one or more of A-Z a-z 0-9 . _ - : / @ + and any byte
 *   >= 0x80 (so UTF-8 text needs no quotes).  FIELD is a bare word and is
 *   case-sensitive; VALUE is a bare word or a quoted string, "..." or
 *   '...', in which \" \' and \\ are the only escapes.  Whitespace (space,
 *   tab, CR, LF) separates tokens and is otherwise ignored; other control
 *   bytes are errors, inside quotes too (tab excepted).
 * - A filter of only whitespace is empty and passes every row.
 * - Comparison (=, !=, <, <=, >, >=): when the row value and VALUE are
 *   both decimal numbers ([+-] digits [. digits] [e [+-] digits], at
 *   least one digit before the exponent, no spaces, finite, at most 127
 *   bytes) they compare as numbers ("1.0" = "1", "10" > "9"); otherwise
 *   as bytes, like memcmp then length ("10" < "9a").  Hex, inf and nan are
 *   text.  Quoting does not matter: "5" is the number 5.  Dates written
 *   YYYY-MM-DD are text and so compare in date order.  Numbers are read
 *   with strtod in the C locale (the daemon never calls setlocale).
 * - contains, starts-with and ends-with are byte-wise and case-sensitive;
 *   an empty VALUE matches every row.
 * - The field `day` is nothing special here: the caller supplies the
 *   event's date (YYYY-MM-DD, in the view's time zone) as one more field.
 *   A missing value (NULL) is the empty string.
 *
 * Limits (hostile input): at most FILTER_MAX_LEN bytes of text, at most
 * FILTER_MAX_DEPTH nested levels, where each "(" and each "not" counts
 * one (parsing and evaluation never recurse deeper than that), and at
 * most FILTER_MAX_CONDITIONS conditions (FIELD OP VALUE), since every
 * condition may be tested on every row a data view reads.  The error of
 * the condition past the cap is at its field's column.
 *
 * Errors: functions returning int give 0 or -errno.  A rejected filter
 * gives -EINVAL and fills *d (when d is not NULL): d->line = 0 (the caller
 * knows the line), d->column = 1-based byte column in the filter text
 * (length + 1 for "at the end", 0 for "whole filter"), d->msg a lowercase
 * message without the column, e.g. "expected an operator after 'page'";
 * the caller prints "column 7: expected an operator after 'page'".
 *
 * Evaluation compiles to a flat program of tests and short-circuit jumps
 * with numeric constants parsed once; filter_eval allocates nothing and
 * may run concurrently on one filter (it is read-only).
 */
#ifndef CJAFS_FILTER_H
#define CJAFS_FILTER_H

#include <stddef.h>

#include "inidoc.h" /* struct diag */

#define FILTER_MAX_DEPTH 256
#define FILTER_MAX_LEN (1024 * 1024)
#define FILTER_MAX_CONDITIONS 1000

struct filter;

/*
 * Parse text[0..len) (need not be NUL-terminated).  On success *out is a
 * new filter, unbound, owned by the caller (filter_free).  On error *out
 * is NULL and -EINVAL (with *d) or -ENOMEM is returned.
 */
int filter_parse(const char *text, size_t len, struct filter **out,
		 struct diag *d);

/*
 * Map each distinct field name to the caller's column index.  resolve is
 * called once per distinct field, in order of first appearance, with the
 * name (NUL-terminated, len bytes) and returns an index >= 0, -1 for an
 * unknown field (-> -EINVAL, "unknown field 'x'" at the column of its
 * first use), or another -errno, returned as is.  May be called again to
 * rebind; after a failure the filter is unbound.
 */
int filter_bind(struct filter *f,
		int (*resolve)(void *arg, const char *field, size_t len),
		void *arg, struct diag *d);

/*
 * 1 if the row passes, 0 if not.  vals[i] / lens[i] are the row's values
 * by bound index (vals[i] NULL = empty); lens NULL means every vals[i] is
 * NUL-terminated.  A NULL or empty filter passes every row; a non-empty
 * filter that is not bound passes none (fail closed).
 */
int filter_eval(const struct filter *f, const char *const *vals,
		const size_t *lens);

/*
 * The distinct fields the filter names, in order of first appearance, so
 * the caller knows which columns (day included) it must supply.  Names
 * are NUL-terminated and borrowed from f.  filter_field_index gives the
 * bound index of field i (-1 before a successful bind).
 */
size_t filter_nfields(const struct filter *f);
const char *filter_field(const struct filter *f, size_t i, size_t *len);
int filter_field_index(const struct filter *f, size_t i);

/* Free f and everything it owns; NULL is a no-op. */
void filter_free(struct filter *f);

/*
 * Include/exclude value rules
 * ---------------------------
 * mode "include" shows only the values that match; "exclude" hides them.
 * match "any": a value matches when at least one rule does; "all": when
 * every rule does.  NULL or "" mode/match take the defaults (include,
 * any).  With no rules every value is visible, whatever the mode.
 *
 * rules is a canonical list ("a, b, c"): items are split at ',' and
 * trimmed, empty items dropped, so a rule value can contain neither ','
 * nor leading/trailing spaces (so no regex like a{1,3}).  Each item is
 * KIND:VALUE, KIND (case-insensitive, spaces around it and the ':'
 * ignored) one of equals, contains, starts-with, ends-with (byte-wise,
 * case-sensitive; an empty VALUE is allowed: equals: matches the empty
 * value) or regex (POSIX extended, unanchored, compiled once with
 * REG_NOSUB; must not be empty and must not use back-references \1-\9,
 * whose matching can take exponential time).  Values are matched by
 * length with glibc's REG_STARTEND, so they need not be NUL-terminated.
 *
 * Limits (hostile input): every rule may run on every value a view
 * shows, so a list holds at most VALRULE_MAX_RULES rules, of which at
 * most VALRULE_MAX_REGEX are regex rules, whose patterns together expand
 * (bounds written out, as regcomp does) to at most VALRULE_MAX_ATOMS
 * atoms; one pattern alone to at most 10,000 (see filter.c).
 *
 * Errors: -EINVAL with d->column = 1-based column of the item in rules
 * (0 for mode and match) and a message naming the item, e.g.
 * "rule 'regex:a(': bad regex: unmatched ( or \(".
 */
struct valrule;

#define VALRULE_MAX_RULES 1000
#define VALRULE_MAX_REGEX 100
#define VALRULE_MAX_ATOMS 100000

int valrule_parse(const char *mode, const char *match, const char *rules,
		  struct valrule **out, struct diag *d);
/* 1 if the value is shown, 0 if hidden; a NULL valrule shows everything.
 * Safe to call concurrently (glibc's regexec locks). */
int valrule_visible(const struct valrule *v, const char *val, size_t len);
void valrule_free(struct valrule *v);

/*
 * Bucketing
 * ---------
 * buckets is a canonical list of LOW-HIGH:LABEL or LOW-:LABEL (no upper
 * bound).  LOW and HIGH are decimal numbers as above and may be negative
 * or fractional ("-10--5:cold", "-5-10:mild", "2.5-:hot"); spaces around
 * the '-' are allowed.  A bucket holds LOW <= x < HIGH (LOW inclusive,
 * HIGH exclusive), LOW must be below HIGH, and buckets must not overlap
 * (checked at parse; adjacent ranges like 0-10 and 10-20 are fine).  The
 * LABEL is everything after the first ':' (trimmed, not empty); labels
 * may repeat.
 *
 * bucket_label gives the label of the bucket holding the value, or
 * "Other" when the value is not a number or lies outside every bucket.
 * An empty list gives a valid bucket set with no buckets, for which
 * bucket_label returns NULL (no bucketing: show the value as is), as it
 * does for a NULL set.  Labels are borrowed from b.  At most BUCKET_MAX
 * buckets.  Errors as for valrule_parse, e.g. "buckets '0-10:a' and
 * '5-20:b' overlap".
 */
struct buckets;

#define BUCKET_OTHER "Other"
#define BUCKET_MAX 1000

int bucket_parse(const char *list, struct buckets **out, struct diag *d);
const char *bucket_label(const struct buckets *b, const char *val, size_t len);
size_t bucket_count(const struct buckets *b);
void bucket_free(struct buckets *b);

#endif
