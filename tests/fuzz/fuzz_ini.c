/*
 * fuzz_ini.c - inidoc_parse/render against the model's own schemas.
 *
 * Input: the first byte picks the schema (modulo their number), the rest
 * is the document text.  The schemas are every "const struct
 * inidoc_schema NAME = " defined in model/ (any .c): the Makefile finds them
 * and passes -DFUZZ_SCHEMAS="X(profile_schema) X(platform_schema) ...", so a
 * kind added later is fuzzed without touching this file.
 *
 * Invariants (inidoc.h):
 *   - a rejected document leaves *out empty and fills the diag with a
 *     message and a line within the text;
 *   - an accepted one has every field set to a canonical value of its type
 *     (booleans true/false, integers in range, enum choices, lists as
 *     "a, b" with trimmed items from the choices, sorted and unique for
 *     INIDOC_SET, names valid for INIDOC_NAME);
 *   - its canonical text parses back to the same canonical text, with no
 *     old document and with the document itself as old (writing the file
 *     back is a no-op, read-only keys included);
 *   - the input itself parses again with its own document as old.
 */
#include <errno.h>

#include "fuzz.h"
#include "inidoc.h"

#ifndef FUZZ_SCHEMAS
#define FUZZ_SCHEMAS X(profile_schema) X(platform_schema)
#endif

#define X(s) extern const struct inidoc_schema s;
FUZZ_SCHEMAS
#undef X

static const struct inidoc_schema *const schemas[] = {
#define X(s) &s,
    FUZZ_SCHEMAS
#undef X
};

static int is_ctl(char c)
{
	return ((unsigned char)c < 0x20 && c != '\t') || c == 0x7f;
}

static int in_choices(const char *const *choices, const char *v, size_t len)
{
	size_t i;

	if (!choices)
		return 1;
	for (i = 0; choices[i]; i++)
		if (strlen(choices[i]) == len && !memcmp(choices[i], v, len))
			return 1;
	return 0;
}

static int cmp_item(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	return c ? c : (an > bn) - (an < bn);
}

/* A canonical list: "a, b, c", items trimmed and checked. */
static void check_list(const struct inidoc_field *f, const char *v)
{
	const char *prev = NULL, *p = v;
	size_t prevlen = 0;

	if (!*v)
		return;
	for (;;) {
		const char *comma = strstr(p, ", ");
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		size_t i;

		FUZZ_CHECK(n > 0);
		FUZZ_CHECK(p[0] != ' ' && p[0] != '\t');
		FUZZ_CHECK(p[n - 1] != ' ' && p[n - 1] != '\t');
		for (i = 0; i < n; i++) {
			FUZZ_CHECK(p[i] != ',');
			FUZZ_CHECK(!is_ctl(p[i]));
		}
		FUZZ_CHECK(in_choices(f->choices, p, n));
		if (f->flags & INIDOC_NAME)
			FUZZ_CHECK(inidoc_valid_name(p, n));
		if ((f->flags & INIDOC_SET) && prev)
			FUZZ_CHECK(cmp_item(prev, prevlen, p, n) < 0);
		FUZZ_CHECK(inidoc_list_has(v, "") == 0);
		prev = p;
		prevlen = n;
		if (!comma)
			break;
		p = comma + 2;
	}
}

static void check_value(const struct inidoc_field *f, const char *v)
{
	const char *def = f->def ? f->def : "";
	size_t len = strlen(v), i;
	long n;
	char *end;

	FUZZ_CHECK(v != NULL);
	if (!*v && !*def)
		return; /* "" is the "not set" default of any type */
	switch (f->type) {
	case INIDOC_STR:
		for (i = 0; i < len; i++)
			FUZZ_CHECK(!is_ctl(v[i]));
		if (len && (f->flags & INIDOC_NAME))
			FUZZ_CHECK(inidoc_valid_name(v, len));
		/* inih trims values: a canonical one must not need it */
		if (len) {
			FUZZ_CHECK(v[0] != ' ' && v[0] != '\t');
			FUZZ_CHECK(v[len - 1] != ' ' && v[len - 1] != '\t');
		}
		break;
	case INIDOC_INT:
		errno = 0;
		n = strtol(v, &end, 10);
		FUZZ_CHECK(!errno && *v && !*end);
		FUZZ_CHECK(n >= f->min && n <= f->max);
		break;
	case INIDOC_BOOL:
		FUZZ_CHECK(!strcmp(v, "true") || !strcmp(v, "false"));
		break;
	case INIDOC_ENUM:
		FUZZ_CHECK(in_choices(f->choices, v, len));
		break;
	case INIDOC_LIST:
		check_list(f, v);
		break;
	}
}

static void check_doc(const struct inidoc_schema *s, const struct inidoc *doc)
{
	size_t i;

	FUZZ_CHECK(doc->schema == s);
	FUZZ_CHECK(doc->vals && doc->line);
	for (i = 0; i < doc->nfields; i++) {
		const struct inidoc_field *f = &s->fields[i];

		FUZZ_CHECK(doc->vals[i] != NULL);
		FUZZ_CHECK(inidoc_get(doc, f->section, f->key) == doc->vals[i]);
		check_value(f, doc->vals[i]);
	}
	FUZZ_CHECK(s->fields[doc->nfields].section == NULL);
}

static void check_rejected(const struct inidoc *out, const struct diag *d,
			   int rc, const uint8_t *text, size_t len)
{
	size_t i;
	int lines = 1;

	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	FUZZ_CHECK(rc == -EINVAL || rc == -EFBIG);
	FUZZ_CHECK(out->vals == NULL && out->line == NULL);
	FUZZ_CHECK(d->msg[0] != '\0');
	FUZZ_CHECK(memchr(d->msg, '\0', sizeof(d->msg)) != NULL);
	FUZZ_CHECK(d->line >= 0 && d->line <= lines);
	FUZZ_CHECK(d->column >= 0);
}

/* text parses (with old) to a document whose canonical text is canon. */
static void check_reparse(const struct inidoc_schema *s, const char *text,
			  size_t len, const struct inidoc *old,
			  const struct buf *canon)
{
	struct inidoc doc;
	struct diag d;
	struct buf again = BUF_INIT;
	int rc;

	rc = inidoc_parse(s, text, len, old, &doc, &d);
	if (rc)
		fprintf(stderr, "reparse failed (%d): line %d: %s\n", rc,
			d.line, d.msg);
	FUZZ_CHECK(rc == 0);
	check_doc(s, &doc);
	FUZZ_CHECK(inidoc_render(&doc, &again) == 0);
	FUZZ_CHECK(again.len == canon->len);
	FUZZ_CHECK(!memcmp(again.data, canon->data, canon->len));
	buf_release(&again);
	inidoc_release(&doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct inidoc_schema *s;
	const char *text;
	struct inidoc doc;
	struct diag d;
	struct buf canon = BUF_INIT;
	size_t len;
	int rc;

	if (!size)
		return 0;
	s = schemas[data[0] % FUZZ_ARRAY_SIZE(schemas)];
	text = (const char *)data + 1;
	len = size - 1;

	rc = inidoc_parse(s, text, len, NULL, &doc, &d);
	FUZZ_CHECK(rc != -ENOMEM && rc != -EIO);
	if (rc) {
		check_rejected(&doc, &d, rc, data + 1, len);
		return 0;
	}
	check_doc(s, &doc);
	FUZZ_CHECK(inidoc_render(&doc, &canon) == 0);
	FUZZ_CHECK(canon.data && strlen(canon.data) == canon.len);

	check_reparse(s, canon.data, canon.len, NULL, &canon);
	check_reparse(s, canon.data, canon.len, &doc, &canon);
	check_reparse(s, text, len, &doc, &canon);

	buf_release(&canon);
	inidoc_release(&doc);
	FUZZ_CHECK(doc.vals == NULL);
	return 0;
}
