/*
 * fuzz_lines.c - object names (inidoc_valid_name) and line-list files
 * (inidoc_lines_parse, inidoc_lines_each, inidoc_lines_has).
 *
 * Input: byte 0 picks the entry check (none, the model's
 * admin_check_login, a sandbox-name check like admin.c's); the rest is
 * the file text.
 *
 * Names: inidoc_valid_name must agree with a reference written from
 * inidoc.h (1-128 bytes of [A-Za-z0-9._-], not starting with '.'), on the
 * whole text and on every line.
 *
 * Line-lists: a rejected file leaves the output buffer as it was and
 * points at a line of the text; an accepted one appends exactly the
 * reference canonical form (lines split at LF, trimmed, UTF-8 BOMs at the
 * start of any line dropped, blank and '#' lines dropped, sorted bytewise
 * and deduplicated,
 * each followed by LF), whose entries all pass the check, are found by
 * inidoc_lines_has and walked by inidoc_lines_each, and which parses back
 * to itself.
 */
#include <ctype.h>
#include <errno.h>

#include "fuzz.h"
#include "inidoc.h"

int admin_check_login(const char *entry, size_t len, void *arg, struct diag *d);

#define PREFIX "prefix\n"
#define BOM "\xef\xbb\xbf"

static int ref_name(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > 128 || s[0] == '.')
		return 0;
	/* isalnum() in the C locale: ASCII letters and digits only */
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    !(s[i] && strchr("._-", s[i])))
			return 0;
	return 1;
}

static int check_sandbox(const char *entry, size_t len, void *arg,
			 struct diag *d)
{
	if (inidoc_valid_name(entry, len))
		return 0;
	diag_set(d, 0, 0, "'%.*s' is not a valid sandbox name",
		 (int)(len > 64 ? 64 : len), entry);
	return -EINVAL;
}

typedef int check_fn(const char *entry, size_t len, void *arg, struct diag *d);

static check_fn *const checks[] = {NULL, admin_check_login, check_sandbox};

struct ent {
	const char *p;
	size_t len;
};

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The reference canonical form of an accepted text, into out. */
static void ref_canon(const char *text, size_t len, struct buf *out)
{
	struct ent *e = calloc(len + 1, sizeof(*e));
	size_t n = 0, i;
	const char *p = text, *end = text + len;

	FUZZ_CHECK(e != NULL);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *s = p, *t = nl ? nl : end;

		p = t + 1;
		/* trimmed, then any BOMs at its start dropped (inidoc.c) */
		do {
			if (t - s >= 3 && !memcmp(s, BOM, 3))
				s += 3;
			while (s < t && isspace((unsigned char)*s))
				s++;
			while (t > s && isspace((unsigned char)t[-1]))
				t--;
		} while (t - s >= 3 && !memcmp(s, BOM, 3));
		if (s == t || *s == '#')
			continue;
		e[n].p = s;
		e[n++].len = (size_t)(t - s);
	}
	if (n)
		qsort(e, n, sizeof(*e), ent_cmp);
	for (i = 0; i < n; i++) {
		if (i && !ent_cmp(&e[i - 1], &e[i]))
			continue;
		FUZZ_CHECK(buf_add(out, e[i].p, e[i].len) == 0);
		FUZZ_CHECK(buf_addch(out, '\n') == 0);
	}
	free(e);
}

struct walk {
	const char *canon;
	size_t n;
	check_fn *check;
};

static int walk_entry(const char *entry, size_t len, void *arg)
{
	struct walk *w = arg;
	struct diag d;
	char *copy = fuzz_strndup((const uint8_t *)entry, len);
	size_t i;

	w->n++;
	FUZZ_CHECK(len > 0);
	FUZZ_CHECK(entry[0] != '#');
	FUZZ_CHECK(len < 3 || memcmp(entry, BOM, 3));
	FUZZ_CHECK(!isspace((unsigned char)entry[0]) &&
		   !isspace((unsigned char)entry[len - 1]));
	for (i = 0; i < len; i++)
		FUZZ_CHECK(
		    ((unsigned char)entry[i] >= 0x20 || entry[i] == '\t') &&
		    entry[i] != 0x7f);
	if (w->check)
		FUZZ_CHECK(w->check(entry, len, NULL, &d) == 0);
	FUZZ_CHECK(inidoc_lines_has(w->canon, copy) == 1);
	free(copy);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1, *p, *nl, *end;
	struct buf canon = BUF_INIT, want = BUF_INIT, again = BUF_INIT;
	struct walk w = {0};
	struct diag d;
	size_t len, nlines = 1, i;
	check_fn *check;
	int rc;

	if (!size)
		return 0;
	check = checks[data[0] % FUZZ_ARRAY_SIZE(checks)];
	len = size - 1;

	/* names: the whole text and each line */
	FUZZ_CHECK(inidoc_valid_name(text, len) == ref_name(text, len));
	end = text + len;
	for (p = text; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		FUZZ_CHECK(inidoc_valid_name(p, (size_t)(nl - p)) ==
			   ref_name(p, (size_t)(nl - p)));
	}
	for (i = 0; i < len; i++)
		nlines += text[i] == '\n';

	FUZZ_CHECK(buf_addstr(&canon, PREFIX) == 0);
	rc = inidoc_lines_parse(text, len, check, NULL, &canon, &d);
	if (rc) {
		FUZZ_CHECK(rc == -EINVAL || rc == -EFBIG);
		FUZZ_CHECK(canon.len == strlen(PREFIX));
		FUZZ_CHECK(!strcmp(canon.data, PREFIX));
		FUZZ_CHECK(d.msg[0] != '\0');
		FUZZ_CHECK(d.line >= 1 && (size_t)d.line <= nlines);
		goto out;
	}
	FUZZ_CHECK(canon.len >= strlen(PREFIX));
	FUZZ_CHECK(!memcmp(canon.data, PREFIX, strlen(PREFIX)));
	ref_canon(text, len, &want);
	FUZZ_CHECK(canon.len - strlen(PREFIX) == want.len);
	FUZZ_CHECK(!want.len ||
		   !memcmp(canon.data + strlen(PREFIX), want.data, want.len));

	/* the entries */
	w.canon = canon.data + strlen(PREFIX);
	w.check = check;
	FUZZ_CHECK(inidoc_lines_each(w.canon, walk_entry, &w) == 0);
	nlines = 0;
	for (i = 0; i < want.len; i++)
		nlines += want.data[i] == '\n';
	FUZZ_CHECK(w.n == nlines);

	/* the canonical form is a fixed point */
	rc = inidoc_lines_parse(w.canon, strlen(w.canon), check, NULL, &again,
				&d);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(again.len == want.len);
	FUZZ_CHECK(!want.len || !memcmp(again.data, want.data, want.len));
out:
	buf_release(&canon);
	buf_release(&want);
	buf_release(&again);
	return 0;
}
