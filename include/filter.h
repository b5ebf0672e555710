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
 * The same, but vals[i] NULL is an absent value, as SQL's NULL: a test
 * on it is unknown, whatever its operator (= and != alike, contains
 * "" too), "not" of unknown is unknown, false and unknown is false, true
 * or unknown is true, and the row passes when the filter is true.  So
 * "page = x", "page != x" and "not page = x" all fail on an absent page,
 * while "not (page = x and land = de)" passes when land is fr.  Without
 * NULLs it is filter_eval.  (Workspace segments: a value the view hides
 * is absent, wsdef.h.)
 */
int filter_eval_absent(const struct filter *f, const char *const *vals,
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
 * value) or regex: POSIX extended as glibc reads it (GNU \w \s \b \<
 * too), unanchored, on UTF-8 characters; not empty, no back-references
 * \1-\9, no repetition of a repetition (a+? must be (a+)?), no [.x.] or
 * [=x=].  Regexes run on PCRE2 (filter.c says how they are rewritten).
 * Values are matched by length, so they need not be NUL-terminated.
 *
 * Limits (hostile input): every rule may run on every value a view
 * shows, so a list holds at most VALRULE_MAX_RULES rules.  A regex is at
 * most VALRULE_REGEX_MAX_LEN bytes, VALRULE_REGEX_MAX_NEST groups deep,
 * with bounds {N} up to VALRULE_REGEX_MAX_BOUND; compiling it may
 * allocate at most VALRULE_REGEX_COMPILE_MEM (PCRE2's allocator counts)
 * and give at most VALRULE_REGEX_MAX_COMPILED; matching one value
 * takes at most VALRULE_REGEX_MATCH_STEPS steps (PCRE2's match limit,
 * over the whole value) and VALRULE_REGEX_MATCH_MEM of backtracking
 * frames (VALRULE_REGEX_MATCH_DEPTH deep), and each step goes at most
 * once through the compiled regex and the value; a value longer than
 * VALRULE_REGEX_MAX_VALUE is not given to regexes (as if each hit a
 * limit, below).  A data view's regex rules together,
 * over all its components, are at most VALRULE_VIEW_MAX_REGEX and
 * VALRULE_VIEW_MAX_BYTES compiled: one list alone is refused past them,
 * and the caller sums a view's lists with valrule_cost.
 *
 * Errors: -EINVAL with d->column = 1-based column of the item in rules
 * (0 for mode and match) and a message naming the item, e.g.
 * "rule 'regex:a(': bad regex: unmatched ( or \(".
 */
struct valrule;

#define VALRULE_MAX_RULES 1000
#define VALRULE_REGEX_MAX_LEN 1024
#define VALRULE_REGEX_MAX_NEST 32
#define VALRULE_REGEX_MAX_BOUND 1000
#define VALRULE_REGEX_MAX_COMPILED (4 * 1024)
#define VALRULE_REGEX_MAX_VALUE 4096
#define VALRULE_REGEX_COMPILE_MEM (256 * 1024)
#define VALRULE_REGEX_MATCH_STEPS 5000
#define VALRULE_REGEX_MATCH_DEPTH 2000
#define VALRULE_REGEX_MATCH_MEM (256 * 1024)
#define VALRULE_VIEW_MAX_REGEX 20
#define VALRULE_VIEW_MAX_BYTES (64 * 1024)

int valrule_parse(const char *mode, const char *match, const char *rules,
		  struct valrule **out, struct diag *d);
/*
 * 1 if the value is shown, 0 if hidden; a NULL valrule shows everything.
 * A regex rule stopped by a limit on this value neither matches nor fails
 * to: when the other rules leave the answer to it, the value is hidden.
 * Safe to call concurrently on one valrule.
 */
int valrule_visible(const struct valrule *v, const char *val, size_t len);
/* The rules alone, mode aside: 1 if they match the value, 0 if not, -1 if
 * that is left to regex rules a limit stopped (v not NULL, with rules). */
int valrule_match(const struct valrule *v, const char *val, size_t len);
/* v's regex rules and their compiled size in bytes (0 and 0 for NULL). */
void valrule_cost(const struct valrule *v, size_t *nregex, size_t *bytes);
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
