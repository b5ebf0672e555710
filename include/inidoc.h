/*
 * inidoc.h - schema-driven .ini documents: parse with inih, validate as a
 * whole, render in canonical form.
 *
 * A schema is a NULL-terminated table of fields (section, key, type,
 * default, limits, flags).  The same table drives parsing, the checks and
 * the canonical output, so a new key is one line in the table.
 *
 * Canonical form: the schema's sections in table order, each as
 * "[section]" followed by its keys in table order as "key = value", one
 * blank line between sections; every key written out (defaults too);
 * booleans "true"/"false"; integers in decimal; lists as "a, b, c" (one
 * space after each comma, items trimmed, empty items dropped, order and
 * duplicates kept as given unless INIDOC_SET sorts and dedupes them).
 * Comments are dropped.  Parsing the canonical form gives the same
 * document, so writing it back is a no-op.
 *
 * Parsing rules (a rejected document reports the first problem):
 *   - the text must not contain NUL bytes and must be at most
 *     INIDOC_MAX_SIZE bytes (-EFBIG);
 *   - lines are read whole whatever their length (inih's runtime options
 *     are set so that Debian's r55 build neither cuts long lines nor
 *     treats indented lines as continuations); ';' and '#' start a comment
 *     only at the start of a line, so values may contain them;
 *   - a line that is neither "[section]", "key = value" nor a comment is an
 *     error, as is a key before any section;
 *   - unknown sections and keys, a key given twice, and a section that
 *     appears twice are errors;
 *   - each value is checked against its field's type and limits;
 *   - keys left out take their defaults, except INIDOC_RO keys, which keep
 *     the value in the old document (or the default when there is none);
 *     an INIDOC_RO key given with a value different from the old one is
 *     ignored: the old value stays (a file copied from another store, with
 *     its own owner and created, is written back cleanly).
 *
 * Thread-safety: inih's options are process globals; inidoc sets them once
 * (inidoc_setup(), idempotent, called by inidoc_parse()) and never changes
 * them, so parses may run concurrently.
 */
#ifndef CJAFS_INIDOC_H
#define CJAFS_INIDOC_H

#include <stddef.h>

#include "buf.h"

#define INIDOC_MAX_SIZE (1024 * 1024)

enum inidoc_type {
	INIDOC_STR,	/* any text without control characters */
	INIDOC_INT,	/* decimal integer in [min, max] */
	INIDOC_BOOL,	/* true|false (also yes|no, on|off, 1|0; canonical true|false) */
	INIDOC_ENUM,	/* one of choices */
	INIDOC_LIST,	/* comma-separated; items from choices when set */
};

enum inidoc_flags {
	INIDOC_RO = 1,	/* read-only: kept from the old document */
	INIDOC_SET = 2,	/* list: sort and drop duplicates in canonical form */
	INIDOC_NAME = 4, /* str/list items: object names ([A-Za-z0-9._-], 1-128) */
};

struct inidoc_field {
	const char *section;
	const char *key;
	enum inidoc_type type;
	const char *def;		/* default in canonical text ("" if none) */
					/* a "" default also accepts "" */
	long min, max;			/* INIDOC_INT range */
	const char *const *choices;	/* ENUM/LIST: NULL-terminated; NULL = any */
	unsigned flags;
};

struct inidoc_schema {
	const char *name;			/* file name, for messages */
	const struct inidoc_field *fields;	/* ends with { NULL } */
};

/*
 * A parsed document: one canonical value per schema field, in table order.
 * vals[i] is owned by the document (inidoc_release() frees them); line[i]
 * is the line the key was given on, 0 when it took its default or kept its
 * read-only value.
 */
struct inidoc {
	const struct inidoc_schema *schema;
	size_t nfields;
	char **vals;
	int *line;
};

/* A rejected document: the line (0 = whole file), column (0 = none), and
 * a lowercase message without the file name ("data_window_months must be
 * 1-60"). */
struct diag {
	int line;
	int column;
	char msg[1024];
};

/* Set inih's process-wide options (see above).  Idempotent. */
void inidoc_setup(void);

/* A document holding every default (read-only fields: their default). */
int inidoc_defaults(const struct inidoc_schema *s, struct inidoc *out);

/*
 * Parse and validate text[0..len).  old, when not NULL, is the current
 * document, which supplies read-only values.  On success fills *out (the
 * caller releases it) and returns 0.  On a rejected document returns
 * -EINVAL (or -EFBIG for size) and fills *d; *out is left empty.  Other
 * failures: -ENOMEM.
 */
int inidoc_parse(const struct inidoc_schema *s, const char *text, size_t len,
		 const struct inidoc *old, struct inidoc *out, struct diag *d);

/* Append the canonical text of doc to out. */
int inidoc_render(const struct inidoc *doc, struct buf *out);

/* Value of section.key (canonical text), or NULL for a key not in the
 * schema.  Borrowed from doc. */
const char *inidoc_get(const struct inidoc *doc, const char *section,
		       const char *key);
/* Set section.key to a canonical value (copied); -ENOENT for an unknown
 * key.  Used by the model for read-only keys (owner, created). */
int inidoc_set(struct inidoc *doc, const char *section, const char *key,
	       const char *val);
/* Line the key was given on (0 if defaulted or unknown). */
int inidoc_line(const struct inidoc *doc, const char *section,
		const char *key);

/* 1 for "true", 0 otherwise: reads a canonical boolean. */
int inidoc_bool(const struct inidoc *doc, const char *section,
		const char *key);
long inidoc_int(const struct inidoc *doc, const char *section,
		const char *key);

/*
 * Split a canonical list ("a, b, c") into items: calls fn(item, len, arg)
 * for each; a non-zero return stops and is returned.
 */
int inidoc_list_each(const char *list,
		     int (*fn)(const char *item, size_t len, void *arg),
		     void *arg);
/* 1 if the canonical list contains item, 0 otherwise. */
int inidoc_list_has(const char *list, const char *item);

void inidoc_release(struct inidoc *doc);

/*
 * Object names (SPEC §2): 1-128 bytes of [A-Za-z0-9._-], not starting
 * with '.'.  Returns 1 if valid.
 */
int inidoc_valid_name(const char *s, size_t len);

/*
 * Line-list files (members, admins, product-admins, sandboxes): one entry
 * a line.  Blank lines and lines starting with '#' are ignored, entries
 * are trimmed; the canonical form is the sorted, deduplicated entries,
 * each followed by "\n".  check(entry, len, arg) validates one entry and
 * returns 0 or writes d->msg and returns -EINVAL; d->line is filled by
 * inidoc_lines_parse, and a d->column check gives (1-based, in the
 * entry) is made the column in the line.  Same size and NUL rules as
 * inidoc_parse.
 */
int inidoc_lines_parse(const char *text, size_t len,
		       int (*check)(const char *entry, size_t len, void *arg,
				    struct diag *d),
		       void *arg, struct buf *canon, struct diag *d);
/* Call fn for each entry of a canonical line-list; non-zero stops. */
int inidoc_lines_each(const char *canon,
		      int (*fn)(const char *entry, size_t len, void *arg),
		      void *arg);
/* 1 if the canonical line-list contains entry. */
int inidoc_lines_has(const char *canon, const char *entry);

/*
 * Write-time judgement (SPEC §5): one complete line of a document being
 * written from its start, judged for what no later line can mend.  The
 * state carries the current section and the sections and keys seen; init
 * it before the first line.  inidoc_check_line() counts the line, then
 * rejects (-EINVAL, *d with the line) a line inidoc_parse() would reject
 * for itself alone: control characters, a line that is neither a comment,
 * "[section]" nor "key = value", an unknown or repeated section or key, a
 * key before any section, a value of the wrong type or out of range.  For
 * a key line whose value is valid it sets *field to the key's index in
 * the schema and val to its canonical value; otherwise *field is -1
 * (read-only keys too: a different value is ignored, not refused).
 * -ENOMEM on allocation failure.
 */
struct inidoc_line_state {
	int line;		/* lines judged so far */
	long cur;		/* the current section's first field, or -1 */
	unsigned long long sections, keys;	/* seen, by field index */
};

void inidoc_line_state_init(struct inidoc_line_state *st);
int inidoc_check_line(const struct inidoc_schema *s,
		      struct inidoc_line_state *st, const char *text,
		      size_t len, long *field, struct buf *val, struct diag *d);
/* The same for a line-list file: line lineno is checked as
 * inidoc_lines_parse() checks it (check may be NULL). */
int inidoc_lines_check_line(const char *text, size_t len, int lineno,
			    int (*check)(const char *entry, size_t len,
					 void *arg, struct diag *d),
			    void *arg, struct diag *d);

/* Diagnostic helper: fill d (printf-style message). */
void diag_set(struct diag *d, int line, int column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
