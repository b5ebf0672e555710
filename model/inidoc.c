/*
 * inidoc.c - schema-driven .ini documents (see inidoc.h).
 *
 * Owns: the inih options (set once in inidoc_setup()), the parse of one
 * document into a struct inidoc, the per-type checks and canonical forms,
 * the canonical renderer, and the line-list files.
 *
 * How a parse works.  inih reads the text through our own reader
 * (ini_parse_stream), which copies the text fgets-style out of memory.
 * The reader is the only place that sees line boundaries, so it:
 *   - counts lines (inih's handler gets no line number).  With realloc on,
 *     inih asks for one long line in several chunks; a call starts a new
 *     line only when the previous chunk ended with '\n';
 *   - looks at each whole raw line before inih does, and rejects what inih
 *     would accept silently: control characters, "[section] junk" (inih
 *     ignores what follows ']'), unknown sections and sections given twice
 *     (the handler is never told about section lines, so "[a]" with no
 *     keys would go unseen), "[]" (to inih the same as no section);
 *   - tracks the current section itself: inih truncates section names to
 *     49 bytes, and an empty section looks like none.
 * The first problem stops the parse: the reader then returns NULL (end of
 * input).  inih reports lines it cannot split (no '=' or ':') only through
 * its return value, the first bad line; it is used when it comes before
 * the problem we recorded.
 *
 * The handler checks that inih's name starts the raw line and its value
 * ends it.  If another module changed inih's globals (line length, inline
 * comments, continuations), values would be silently cut; this check
 * turns that bug into -EIO instead of a corrupt document.
 *
 * inih also accepts "key: value" (configparser style); we reject it, as
 * config.c does, so that a ':' in a key never splits it silently.  A UTF-8
 * BOM on line 1 is skipped (inih's default).  Keys and section names are
 * case-sensitive.  Values are trimmed with isspace() like inih does.
 *
 * Read-only keys take the old document's value when there is one, whatever
 * was given (a different value is ignored, so a file copied from another
 * store writes back cleanly).  Without one (loading stored, trusted text)
 * they are checked like any other key; left out, they take their default.
 *
 * Defaults are schema text.  A non-empty default must pass its own field's
 * check (asserted: a bad default is our bug); a field whose default is ""
 * accepts an empty value whatever its type, so a fresh document (an ENUM
 * with no default) still round-trips.
 *
 * inidoc_check_line() judges one line alone, for writes still under way:
 * it mirrors the reader's and the handler's checks on a single line (and
 * tracks sections and keys seen in bitmasks) and never refuses a line the
 * whole parse would take; tests/check_inidoc.c holds it to that.
 *
 * Messages quote user text trimmed to QUOTE_MAX bytes with control
 * characters shown as '?', so /errors stays one short line per problem.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "inidoc.h"

#define QUOTE_MAX 40
#define QUOTE_SIZE (QUOTE_MAX + 4)

static const char bom[] = "\xef\xbb\xbf";
static char comment_prefixes[] = ";#";
static pthread_once_t setup_once = PTHREAD_ONCE_INIT;

static void setup_options(void)
{
	/* heap line buffer that grows to hold any line of a valid document */
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = INIDOC_MAX_SIZE + 3; /* + '\r', '\n', '\0' */
	/* an indented line is a line of its own, and " ;" is value text */
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_allow_no_value = false;
	ini_allow_bom = true;
	ini_start_comment_prefixes = comment_prefixes;
}

void inidoc_setup(void)
{
	pthread_once(&setup_once, setup_options);
}

void diag_set(struct diag *d, int line, int column, const char *fmt, ...)
{
	va_list ap;

	d->line = line;
	d->column = column;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
}

static bool is_space(char c)
{
	return isspace((unsigned char)c);
}

static bool is_ctl(char c)
{
	return ((unsigned char)c < 0x20 && c != '\t') || c == 0x7f;
}

static void trim(const char **s, size_t *len)
{
	while (*len && is_space(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_space((*s)[*len - 1]))
		(*len)--;
}

/* s[0..len) for a message: at most QUOTE_MAX bytes, cut on a UTF-8
 * boundary and marked with "...", control characters as '?'. */
static const char *quote(char *out, const char *s, size_t len)
{
	size_t n = len, i;

	if (n > QUOTE_MAX) {
		n = QUOTE_MAX;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++)
		out[i] = is_ctl(s[i]) ? '?' : s[i];
	if (n < len) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/* "a, b, c" into dst, ending in "..." when the choices do not fit. */
static const char *choice_list(char *dst, size_t size,
			       const char *const *choices)
{
	size_t n = 0, need;
	int i;

	dst[0] = '\0';
	for (i = 0; choices[i]; i++) {
		need = (i ? 2 : 0) + strlen(choices[i]);
		/* keep room for ", ..." while more choices follow */
		if (n + need + (choices[i + 1] ? 5 : 0) >= size) {
			snprintf(dst + n, size - n, "%s...", i ? ", " : "");
			break;
		}
		n += (size_t)snprintf(dst + n, size - n, "%s%s", i ? ", " : "",
				      choices[i]);
	}
	return dst;
}

/* Room left in a message after the fixed text around the choices. */
static size_t choice_room(const struct diag *d, size_t used)
{
	return used + 16 < sizeof(d->msg) ? sizeof(d->msg) - used : 16;
}

int inidoc_valid_name(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > 128 || s[0] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

/* Size and NUL rules shared by both file kinds. */
static int check_text(const char *text, size_t len, struct diag *d)
{
	const char *nul, *p;
	int line = 1;

	if (len > INIDOC_MAX_SIZE) {
		diag_set(d, 0, 0, "file too large (%zu bytes, limit %d)", len,
			 INIDOC_MAX_SIZE);
		return -EFBIG;
	}
	nul = len ? memchr(text, '\0', len) : NULL;
	if (!nul)
		return 0;
	p = text;
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(nul - p));

		if (!nl)
			break;
		line++;
		p = nl + 1;
	}
	diag_set(d, line, (int)(nul - p) + 1,
		 "binary data (NUL byte) at offset %zu", (size_t)(nul - text));
	return -EINVAL;
}

/* Index of the first control character in s[0..len), or -1. */
static long find_ctl(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (is_ctl(s[i]))
			return (long)i;
	return -1;
}

/* ---- values ---- */

static const char *field_def(const struct inidoc_field *f)
{
	return f->def ? f->def : "";
}

static size_t count_fields(const struct inidoc_schema *s)
{
	size_t n = 0;

	while (s->fields[n].section)
		n++;
	return n;
}

static const struct {
	const char *word;
	bool val;
} bool_words[] = {
    {"true", true}, {"false", false}, {"yes", true}, {"no", false},
    {"on", true},   {"off", false},   {"1", true},   {"0", false},
};

static int canon_bool(const struct inidoc_field *f, const char *v, size_t len,
		      struct buf *out, struct diag *d)
{
	size_t i;

	for (i = 0; i < sizeof(bool_words) / sizeof(bool_words[0]); i++)
		if (strlen(bool_words[i].word) == len &&
		    !strncasecmp(bool_words[i].word, v, len))
			return buf_addstr(out,
					  bool_words[i].val ? "true" : "false");
	diag_set(d, 0, 0, "%s must be true or false", f->key);
	return -EINVAL;
}

/* Optional sign and decimal digits; -ERANGE when it does not fit a long. */
static int parse_long(const char *v, size_t len, long *out)
{
	unsigned long acc = 0, lim;
	bool neg = false, over = false;
	size_t i = 0;

	if (len && (v[0] == '+' || v[0] == '-')) {
		neg = v[0] == '-';
		i++;
	}
	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		unsigned digit;

		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		digit = (unsigned)(v[i] - '0');
		if (acc > (ULONG_MAX - digit) / 10)
			over = true;
		else
			acc = acc * 10 + digit;
	}
	lim = neg ? (unsigned long)LONG_MAX + 1 : (unsigned long)LONG_MAX;
	if (over || acc > lim)
		return -ERANGE;
	if (!neg)
		*out = (long)acc;
	else if (acc == lim)
		*out = LONG_MIN;
	else
		*out = -(long)acc;
	return 0;
}

static int canon_int(const struct inidoc_field *f, const char *v, size_t len,
		     struct buf *out, struct diag *d)
{
	long n;
	int rc = parse_long(v, len, &n);

	if (rc == -EINVAL) {
		diag_set(d, 0, 0, "%s must be an integer %ld-%ld", f->key,
			 f->min, f->max);
		return rc;
	}
	if (rc || n < f->min || n > f->max) {
		diag_set(d, 0, 0, "%s must be %ld-%ld", f->key, f->min, f->max);
		return -EINVAL;
	}
	return buf_printf(out, "%ld", n);
}

static bool is_choice(const char *const *choices, const char *v, size_t len)
{
	int i;

	if (!choices)
		return true;
	for (i = 0; choices[i]; i++)
		if (strlen(choices[i]) == len && !memcmp(choices[i], v, len))
			return true;
	return false;
}

static int canon_enum(const struct inidoc_field *f, const char *v, size_t len,
		      struct buf *out, struct diag *d)
{
	char list[sizeof(d->msg)];

	if (!is_choice(f->choices, v, len)) {
		choice_list(list, choice_room(d, strlen(f->key) + 20),
			    f->choices);
		diag_set(d, 0, 0, "%s must be one of: %s", f->key, list);
		return -EINVAL;
	}
	return buf_add(out, v, len);
}

static int canon_str(const struct inidoc_field *f, const char *v, size_t len,
		     struct buf *out, struct diag *d)
{
	char q[QUOTE_SIZE];

	if (find_ctl(v, len) >= 0) {
		diag_set(d, 0, 0, "%s contains a control character", f->key);
		return -EINVAL;
	}
	if ((f->flags & INIDOC_NAME) && len && !inidoc_valid_name(v, len)) {
		diag_set(d, 0, 0, "%s: invalid name '%s'", f->key,
			 quote(q, v, len));
		return -EINVAL;
	}
	return buf_add(out, v, len);
}

struct item {
	const char *p;
	size_t len;
};

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);

	if (c)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

static int check_item(const struct inidoc_field *f, const char *v, size_t len,
		      struct diag *d)
{
	char q[QUOTE_SIZE], list[sizeof(d->msg)];

	if (find_ctl(v, len) >= 0) {
		diag_set(d, 0, 0, "%s contains a control character", f->key);
		return -EINVAL;
	}
	if (!is_choice(f->choices, v, len)) {
		quote(q, v, len);
		choice_list(list,
			    choice_room(d, strlen(f->key) + strlen(q) + 32),
			    f->choices);
		diag_set(d, 0, 0, "%s: unknown item '%s' (allowed: %s)", f->key,
			 q, list);
		return -EINVAL;
	}
	if ((f->flags & INIDOC_NAME) && !inidoc_valid_name(v, len)) {
		diag_set(d, 0, 0, "%s: invalid name '%s'", f->key,
			 quote(q, v, len));
		return -EINVAL;
	}
	return 0;
}

static int canon_list(const struct inidoc_field *f, const char *v, size_t len,
		      struct buf *out, struct diag *d)
{
	struct item *items;
	size_t n = 0, cap = 1, i, k;
	const char *p = v, *end = v + len;
	int rc = 0;

	for (i = 0; i < len; i++)
		cap += v[i] == ',';
	items = calloc(cap, sizeof(*items));
	if (!items)
		return -ENOMEM;
	while (p <= end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;
		struct item it = {p, (size_t)(e - p)};

		trim(&it.p, &it.len);
		if (it.len) {
			rc = check_item(f, it.p, it.len, d);
			if (rc)
				goto out;
			items[n++] = it;
		}
		p = e + 1;
	}
	if (f->flags & INIDOC_SET) {
		qsort(items, n, sizeof(*items), item_cmp);
		for (i = k = 0; i < n; i++)
			if (!k || item_cmp(&items[k - 1], &items[i]))
				items[k++] = items[i];
		n = k;
	}
	for (i = 0; i < n && !rc; i++) {
		if (i)
			rc = buf_add(out, ", ", 2);
		if (!rc)
			rc = buf_add(out, items[i].p, items[i].len);
	}
out:
	free(items);
	return rc;
}

/*
 * Append the canonical form of v[0..len) (already trimmed) for field f to
 * out.  Returns 0, -EINVAL with d->msg set (line 0), or -ENOMEM.
 */
static int canon_value(const struct inidoc_field *f, const char *v, size_t len,
		       struct buf *out, struct diag *d)
{
	/* out->data is a string even when nothing is added ("a, , b") */
	int rc = buf_add(out, "", 0);

	if (rc)
		return rc;
	/* "" is the default: "not set yet" must survive a round trip */
	if (!len && !*field_def(f))
		return 0;
	switch (f->type) {
	case INIDOC_STR:
		return canon_str(f, v, len, out, d);
	case INIDOC_INT:
		return canon_int(f, v, len, out, d);
	case INIDOC_BOOL:
		return canon_bool(f, v, len, out, d);
	case INIDOC_ENUM:
		return canon_enum(f, v, len, out, d);
	case INIDOC_LIST:
		return canon_list(f, v, len, out, d);
	}
	diag_set(d, 0, 0, "%s has an unknown type", f->key);
	return -EINVAL;
}

/* A malloc'd canonical default of f. */
static char *default_value(const struct inidoc_field *f)
{
	struct buf b = BUF_INIT;
	struct diag d;
	const char *def = field_def(f);
	int rc = canon_value(f, def, strlen(def), &b, &d);

	if (rc == -ENOMEM) {
		buf_release(&b);
		return NULL;
	}
	/* a default that fails its own check is a bug in the schema */
	assert(rc == 0);
	if (rc)
		buf_set(&b, def, strlen(def));
	return buf_detach(&b, NULL);
}

/* ---- documents ---- */

static void doc_clear(struct inidoc *doc)
{
	doc->schema = NULL;
	doc->nfields = 0;
	doc->vals = NULL;
	doc->line = NULL;
}

void inidoc_release(struct inidoc *doc)
{
	size_t i;

	if (doc->vals)
		for (i = 0; i < doc->nfields; i++)
			free(doc->vals[i]);
	free(doc->vals);
	free(doc->line);
	doc_clear(doc);
}

static int doc_alloc(const struct inidoc_schema *s, struct inidoc *doc)
{
	size_t n = count_fields(s);

	doc_clear(doc);
	doc->vals = calloc(n ? n : 1, sizeof(*doc->vals));
	doc->line = calloc(n ? n : 1, sizeof(*doc->line));
	if (!doc->vals || !doc->line) {
		free(doc->vals);
		free(doc->line);
		doc_clear(doc);
		return -ENOMEM;
	}
	doc->schema = s;
	doc->nfields = n;
	return 0;
}

int inidoc_defaults(const struct inidoc_schema *s, struct inidoc *out)
{
	size_t i;
	int rc = doc_alloc(s, out);

	if (rc)
		return rc;
	for (i = 0; i < out->nfields; i++) {
		out->vals[i] = default_value(&s->fields[i]);
		if (!out->vals[i])
			goto out_release;
	}
	return 0;
out_release:
	inidoc_release(out);
	return -ENOMEM;
}

static long find_field(const struct inidoc_schema *s, const char *section,
		       const char *key)
{
	long i;

	for (i = 0; s->fields[i].section; i++)
		if (!strcmp(s->fields[i].section, section) &&
		    !strcmp(s->fields[i].key, key))
			return i;
	return -1;
}

/* The first field of section name[0..len), which stands for the section. */
static long find_section(const struct inidoc_schema *s, const char *name,
			 size_t len)
{
	long i;

	for (i = 0; s->fields[i].section; i++)
		if (strlen(s->fields[i].section) == len &&
		    !memcmp(s->fields[i].section, name, len))
			return i;
	return -1;
}

const char *inidoc_get(const struct inidoc *doc, const char *section,
		       const char *key)
{
	long i = find_field(doc->schema, section, key);

	return i < 0 ? NULL : doc->vals[i];
}

int inidoc_set(struct inidoc *doc, const char *section, const char *key,
	       const char *val)
{
	long i = find_field(doc->schema, section, key);
	char *copy;

	if (i < 0)
		return -ENOENT;
	copy = strdup(val);
	if (!copy)
		return -ENOMEM;
	free(doc->vals[i]);
	doc->vals[i] = copy;
	doc->line[i] = 0;
	return 0;
}

int inidoc_line(const struct inidoc *doc, const char *section, const char *key)
{
	long i = find_field(doc->schema, section, key);

	return i < 0 ? 0 : doc->line[i];
}

int inidoc_bool(const struct inidoc *doc, const char *section, const char *key)
{
	const char *v = inidoc_get(doc, section, key);

	return v && !strcmp(v, "true");
}

long inidoc_int(const struct inidoc *doc, const char *section, const char *key)
{
	const char *v = inidoc_get(doc, section, key);
	long n;

	if (!v || parse_long(v, strlen(v), &n))
		return 0;
	return n;
}

/* ---- parsing ---- */

struct parse_ctx {
	const struct inidoc_schema *s;
	const struct inidoc *old;
	struct inidoc *doc;
	struct diag *d;
	bool failed; /* d holds the first problem */
	int err;     /* -ENOMEM or -EIO: give up */
	/* reader */
	const char *text;
	size_t len, pos;
	int lineno;
	const char *ls; /* current line, BOM skipped and trimmed */
	size_t llen;
	/* sections, indexed by their first field */
	int *sec_line;
	long cur; /* -1 before the first section */
	struct buf val;
};

static void ctx_fail(struct parse_ctx *c, int column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void ctx_fail(struct parse_ctx *c, int column, const char *fmt, ...)
{
	va_list ap;

	c->failed = true;
	c->d->line = c->lineno;
	c->d->column = column;
	va_start(ap, fmt);
	vsnprintf(c->d->msg, sizeof(c->d->msg), fmt, ap);
	va_end(ap);
}

static const char bad_line_msg[] = "expected 'key = value' or '[section]'";

/* A section line: the whole trimmed line is "[name]". */
static void ctx_section(struct parse_ctx *c)
{
	const char *name = c->ls + 1;
	const char *close = memchr(name, ']', c->llen - 1);
	size_t len;
	char q[QUOTE_SIZE];
	long i;

	if (!close || close != c->ls + c->llen - 1) {
		ctx_fail(c, 0, "%s", bad_line_msg);
		return;
	}
	len = (size_t)(close - name);
	i = find_section(c->s, name, len);
	if (i < 0) {
		ctx_fail(c, 0, "unknown section [%s]", quote(q, name, len));
		return;
	}
	if (c->sec_line[i]) {
		ctx_fail(c, 0, "duplicate section [%s] (first on line %d)",
			 c->s->fields[i].section, c->sec_line[i]);
		return;
	}
	c->sec_line[i] = c->lineno;
	c->cur = i;
}

/* Look at the raw line starting at c->pos before inih does. */
static void ctx_line(struct parse_ctx *c)
{
	const char *start = c->text + c->pos;
	const char *nl = memchr(start, '\n', c->len - c->pos);
	size_t len = nl ? (size_t)(nl - start) : c->len - c->pos;
	long ctl;

	if (c->lineno == 1 && len >= 3 && !memcmp(start, bom, 3)) {
		start += 3;
		len -= 3;
	}
	c->ls = start;
	c->llen = len;
	trim(&c->ls, &c->llen);
	if (!c->llen || c->ls[0] == ';' || c->ls[0] == '#')
		return;
	ctl = find_ctl(c->ls, c->llen);
	if (ctl >= 0) {
		ctx_fail(c, (int)(c->ls - start + ctl) + 1,
			 "control character 0x%02x", (unsigned char)c->ls[ctl]);
		return;
	}
	if (c->ls[0] == '[')
		ctx_section(c);
}

/* fgets() over the text, for ini_parse_stream(). */
static char *ctx_read(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	const char *p, *nl;
	size_t n;

	if (c->failed || c->err || c->pos >= c->len || num < 2)
		return NULL;
	/* inih asks again for the rest of a long line: same line */
	if (c->pos == 0 || c->text[c->pos - 1] == '\n') {
		c->lineno++;
		ctx_line(c);
		if (c->failed)
			return NULL;
	}
	p = c->text + c->pos;
	nl = memchr(p, '\n', c->len - c->pos);
	n = nl ? (size_t)(nl - p) + 1 : c->len - c->pos;
	if (n > (size_t)num - 1)
		n = (size_t)num - 1;
	memcpy(str, p, n);
	str[n] = '\0';
	c->pos += n;
	return str;
}

static int ctx_value(struct parse_ctx *c, long i, const char *value,
		     size_t vlen)
{
	const struct inidoc_field *f = &c->s->fields[i];
	const char *have;
	int rc;

	buf_reset(&c->val);
	rc = canon_value(f, value, vlen, &c->val, c->d);
	if (rc == -ENOMEM)
		return rc;
	if ((f->flags & INIDOC_RO) && c->old) {
		/* given differently (or not even valid): ignored, the old
		 * value stays */
		have = c->old->vals[i];
		rc = buf_set(&c->val, have, strlen(have));
		if (rc)
			return rc;
	} else if (rc) {
		c->d->line = c->lineno;
		c->failed = true;
		return 0;
	}
	c->doc->vals[i] = buf_detach(&c->val, NULL);
	if (!c->doc->vals[i])
		return -ENOMEM;
	c->doc->line[i] = c->lineno;
	return 0;
}

static int ctx_handle(void *user, const char *section, const char *name,
		      const char *value)
{
	struct parse_ctx *c = user;
	size_t nlen = strlen(name), vlen = strlen(value);
	const char *sep;
	char q[QUOTE_SIZE];
	long i;
	int rc;

	if (c->failed || c->err)
		return 0;
	/* inih must have read the line whole: name starts it, value ends it */
	if (nlen > c->llen || memcmp(c->ls, name, nlen) || vlen > c->llen ||
	    memcmp(c->ls + c->llen - vlen, value, vlen)) {
		diag_set(c->d, c->lineno, 0,
			 "internal error: inih split the line");
		c->err = -EIO;
		return 0;
	}
	/* inih also splits on ':'; the first separator must be '=' */
	for (sep = c->ls + nlen; sep < c->ls + c->llen && is_space(*sep); sep++)
		;
	if (sep == c->ls + c->llen || *sep != '=') {
		ctx_fail(c, 0, "%s", bad_line_msg);
		return 0;
	}
	if (c->cur < 0) {
		ctx_fail(c, 0, "key outside any section: '%s'",
			 quote(q, name, nlen));
		return 0;
	}
	i = find_field(c->s, c->s->fields[c->cur].section, name);
	if (i < 0) {
		ctx_fail(c, 0, "unknown key '%s' in [%s]", quote(q, name, nlen),
			 c->s->fields[c->cur].section);
		return 0;
	}
	if (c->doc->line[i]) {
		ctx_fail(c, 0, "duplicate key '%s' (first on line %d)", name,
			 c->doc->line[i]);
		return 0;
	}
	rc = ctx_value(c, i, value, vlen);
	if (rc)
		c->err = rc;
	return !c->failed && !c->err;
}

int inidoc_parse(const struct inidoc_schema *s, const char *text, size_t len,
		 const struct inidoc *old, struct inidoc *out, struct diag *d)
{
	struct parse_ctx c = {0};
	struct diag scratch;
	struct inidoc doc;
	size_t i;
	int rc, bad;

	inidoc_setup();
	assert(out != old); /* *out is cleared first */
	doc_clear(out);
	if (!d)
		d = &scratch;
	diag_set(d, 0, 0, "%s", "");
	assert(!old || old->schema == s);
	rc = check_text(text, len, d);
	if (rc)
		return rc;
	rc = doc_alloc(s, &doc);
	if (rc)
		return rc;
	c.sec_line = calloc(doc.nfields ? doc.nfields : 1, sizeof(int));
	if (!c.sec_line) {
		rc = -ENOMEM;
		goto out_release;
	}
	c.s = s;
	c.old = old;
	c.doc = &doc;
	c.d = d;
	c.text = text;
	c.len = len;
	c.cur = -1;
	buf_init(&c.val);

	bad = ini_parse_stream(ctx_read, &c, ctx_handle, &c);
	if (bad == -2 || c.err == -ENOMEM) {
		rc = -ENOMEM;
		goto out_release;
	}
	if (c.err || bad < 0) {
		if (!c.err)
			diag_set(d, 0, 0, "internal error: inih failed (%d)",
				 bad);
		rc = -EIO;
		goto out_release;
	}
	/* a line inih could not split, before any problem of ours */
	if (bad > 0 && (!c.failed || bad < d->line)) {
		diag_set(d, bad, 0, "%s", bad_line_msg);
		c.failed = true;
	}
	if (c.failed) {
		rc = -EINVAL;
		goto out_release;
	}
	for (i = 0; i < doc.nfields; i++) {
		if (doc.vals[i])
			continue;
		if ((s->fields[i].flags & INIDOC_RO) && old)
			doc.vals[i] = strdup(old->vals[i]);
		else
			doc.vals[i] = default_value(&s->fields[i]);
		if (!doc.vals[i]) {
			rc = -ENOMEM;
			goto out_release;
		}
	}
	*out = doc;
	rc = 0;
	goto out_free;
out_release:
	inidoc_release(&doc);
out_free:
	buf_release(&c.val);
	free(c.sec_line);
	return rc;
}

/* ---- rendering ---- */

int inidoc_render(const struct inidoc *doc, struct buf *out)
{
	const struct inidoc_field *fields = doc->schema->fields;
	size_t orig = out->len, i, j, k;
	int rc = 0;

	for (i = 0; i < doc->nfields && !rc; i++) {
		/* a section is written where its first key is */
		for (j = 0; j < i; j++)
			if (!strcmp(fields[j].section, fields[i].section))
				break;
		if (j < i)
			continue;
		rc = buf_printf(out, "%s[%s]\n", i ? "\n" : "",
				fields[i].section);
		for (k = i; k < doc->nfields && !rc; k++) {
			if (strcmp(fields[k].section, fields[i].section))
				continue;
			rc = buf_addstr(out, fields[k].key);
			if (!rc)
				rc = buf_add(out, " = ", 3);
			if (!rc)
				rc = buf_addstr(out, doc->vals[k]);
			if (!rc)
				rc = buf_addch(out, '\n');
		}
	}
	if (rc && out->data) {
		out->len = orig;
		out->data[orig] = '\0';
	}
	return rc;
}

/* ---- lists ---- */

int inidoc_list_each(const char *list,
		     int (*fn)(const char *item, size_t len, void *arg),
		     void *arg)
{
	const char *p = list;
	int rc;

	while (*p) {
		size_t seg = strcspn(p, ",");
		const char *item = p;
		size_t len = seg;

		trim(&item, &len);
		if (len) {
			rc = fn(item, len, arg);
			if (rc)
				return rc;
		}
		p += seg;
		if (*p)
			p++;
	}
	return 0;
}

struct find_arg {
	const char *s;
	size_t len;
};

static int find_item(const char *item, size_t len, void *arg)
{
	const struct find_arg *a = arg;

	return len == a->len && !memcmp(item, a->s, len);
}

int inidoc_list_has(const char *list, const char *item)
{
	struct find_arg a = {item, strlen(item)};

	return inidoc_list_each(list, find_item, &a);
}

/* ---- line-lists ---- */

int inidoc_lines_parse(const char *text, size_t len,
		       int (*check)(const char *entry, size_t len, void *arg,
				    struct diag *d),
		       void *arg, struct buf *canon, struct diag *d)
{
	struct item *items = NULL, *grown;
	size_t n = 0, cap = 0, i, orig = canon->len;
	const char *p = text, *end = text + len;
	int rc, lineno = 0;
	long ctl;

	rc = check_text(text, len, d);
	if (rc)
		return rc;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *ls = p;
		struct item it = {p, (size_t)(e - p)};

		lineno++;
		p = e + 1;
		trim(&it.p, &it.len);
		/* a BOM is no part of an entry, on any line: kept on a later
		 * line it would be dropped when the canonical form put it
		 * first, so a rewrite would change the file */
		while (it.len >= 3 && !memcmp(it.p, bom, 3)) {
			it.p += 3;
			it.len -= 3;
			trim(&it.p, &it.len);
		}
		if (!it.len || it.p[0] == '#')
			continue;
		ctl = find_ctl(it.p, it.len);
		if (ctl >= 0) {
			diag_set(d, lineno, 0, "control character 0x%02x",
				 (unsigned char)it.p[ctl]);
			rc = -EINVAL;
			goto out;
		}
		if (check) {
			diag_set(d, 0, 0, "%s", "");
			rc = check(it.p, it.len, arg, d);
			if (rc) {
				/* a column in the entry: in the line */
				d->line = lineno;
				if (d->column > 0)
					d->column += (int)(it.p - ls);
				goto out;
			}
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(items, cap * sizeof(*items));
			if (!grown) {
				rc = -ENOMEM;
				goto out;
			}
			items = grown;
		}
		items[n++] = it;
	}
	if (n)
		qsort(items, n, sizeof(*items), item_cmp);
	for (i = 0; i < n && !rc; i++) {
		if (i && !item_cmp(&items[i - 1], &items[i]))
			continue;
		rc = buf_add(canon, items[i].p, items[i].len);
		if (!rc)
			rc = buf_addch(canon, '\n');
	}
out:
	if (rc && canon->data) {
		canon->len = orig;
		canon->data[orig] = '\0';
	}
	free(items);
	return rc;
}

int inidoc_lines_each(const char *canon,
		      int (*fn)(const char *entry, size_t len, void *arg),
		      void *arg)
{
	const char *p = canon;
	int rc;

	while (*p) {
		size_t len = strcspn(p, "\n");

		if (len) {
			rc = fn(p, len, arg);
			if (rc)
				return rc;
		}
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

int inidoc_lines_has(const char *canon, const char *entry)
{
	struct find_arg a = {entry, strlen(entry)};

	return inidoc_lines_each(canon, find_item, &a);
}

/* ---- one line at a time (write-time judgement) ---- */

void inidoc_line_state_init(struct inidoc_line_state *st)
{
	memset(st, 0, sizeof(*st));
	st->cur = -1;
}

/* A "[name]" line; same verdicts as ctx_section(). */
static int line_section(const struct inidoc_schema *s,
			struct inidoc_line_state *st, const char *ls,
			size_t llen, struct diag *d)
{
	const char *name = ls + 1;
	const char *close = memchr(name, ']', llen - 1);
	char q[QUOTE_SIZE];
	size_t len;
	long i;

	if (!close || close != ls + llen - 1) {
		diag_set(d, st->line, 0, "%s", bad_line_msg);
		return -EINVAL;
	}
	len = (size_t)(close - name);
	i = find_section(s, name, len);
	if (i < 0) {
		diag_set(d, st->line, 0, "unknown section [%s]",
			 quote(q, name, len));
		return -EINVAL;
	}
	if (i < 64 && (st->sections & (1ULL << i))) {
		diag_set(d, st->line, 0, "duplicate section [%s]",
			 s->fields[i].section);
		return -EINVAL;
	}
	if (i < 64)
		st->sections |= 1ULL << i;
	st->cur = i;
	return 0;
}

int inidoc_check_line(const struct inidoc_schema *s,
		      struct inidoc_line_state *st, const char *text,
		      size_t len, long *field, struct buf *val, struct diag *d)
{
	const char *ls = text, *eq, *name, *v;
	size_t llen = len, nlen, vlen;
	char q[QUOTE_SIZE];
	long ctl, i;
	int rc;

	*field = -1;
	st->line++;
	if (memchr(text, '\0', len)) {
		diag_set(d, st->line, 0, "binary data (NUL byte)");
		return -EINVAL;
	}
	if (st->line == 1 && llen >= 3 && !memcmp(ls, bom, 3)) {
		ls += 3;
		llen -= 3;
	}
	trim(&ls, &llen);
	if (!llen || ls[0] == ';' || ls[0] == '#')
		return 0;
	ctl = find_ctl(ls, llen);
	if (ctl >= 0) {
		diag_set(d, st->line, (int)(ls - text + ctl) + 1,
			 "control character 0x%02x", (unsigned char)ls[ctl]);
		return -EINVAL;
	}
	if (ls[0] == '[')
		return line_section(s, st, ls, llen, d);
	/* inih splits on the first '=' or ':'; ours must be '=' */
	for (eq = ls; eq < ls + llen && *eq != '=' && *eq != ':'; eq++)
		;
	if (eq == ls + llen || *eq != '=') {
		diag_set(d, st->line, 0, "%s", bad_line_msg);
		return -EINVAL;
	}
	name = ls;
	nlen = (size_t)(eq - ls);
	trim(&name, &nlen);
	if (st->cur < 0) {
		diag_set(d, st->line, 0, "key outside any section: '%s'",
			 quote(q, name, nlen));
		return -EINVAL;
	}
	for (i = 0; s->fields[i].section; i++)
		if (!strcmp(s->fields[i].section, s->fields[st->cur].section) &&
		    strlen(s->fields[i].key) == nlen &&
		    !memcmp(s->fields[i].key, name, nlen))
			break;
	if (!s->fields[i].section) {
		diag_set(d, st->line, 0, "unknown key '%s' in [%s]",
			 quote(q, name, nlen), s->fields[st->cur].section);
		return -EINVAL;
	}
	if (i < 64 && (st->keys & (1ULL << i))) {
		diag_set(d, st->line, 0, "duplicate key '%s'",
			 s->fields[i].key);
		return -EINVAL;
	}
	if (i < 64)
		st->keys |= 1ULL << i;
	/* a read-only key is ignored when it differs (see inidoc_parse) */
	if (s->fields[i].flags & INIDOC_RO)
		return 0;
	v = eq + 1;
	vlen = (size_t)(ls + llen - v);
	trim(&v, &vlen);
	buf_reset(val);
	rc = canon_value(&s->fields[i], v, vlen, val, d);
	if (rc == -EINVAL)
		d->line = st->line;
	if (!rc)
		*field = i;
	return rc;
}

int inidoc_lines_check_line(const char *text, size_t len, int lineno,
			    int (*check)(const char *entry, size_t len,
					 void *arg, struct diag *d),
			    void *arg, struct diag *d)
{
	const char *p = text;
	size_t n = len;
	long ctl;
	int rc;

	if (memchr(text, '\0', len)) {
		diag_set(d, lineno, 0, "binary data (NUL byte)");
		return -EINVAL;
	}
	trim(&p, &n);
	while (n >= 3 && !memcmp(p, bom, 3)) {
		p += 3;
		n -= 3;
		trim(&p, &n);
	}
	if (!n || p[0] == '#')
		return 0;
	ctl = find_ctl(p, n);
	if (ctl >= 0) {
		diag_set(d, lineno, 0, "control character 0x%02x",
			 (unsigned char)p[ctl]);
		return -EINVAL;
	}
	if (!check)
		return 0;
	diag_set(d, 0, 0, "%s", "");
	rc = check(p, n, arg, d);
	if (rc)
		d->line = lineno;
	if (rc && d->column > 0)
		d->column += (int)(p - text);
	return rc;
}
