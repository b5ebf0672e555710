/*
 * audit.c - the audit log: one line per change, rejected write or denied
 * attempt, appended in the same transaction as what it records.
 *
 * The log is a chain of chunk records "a:00000000", "a:00000001"... of at
 * most AUDIT_CHUNK bytes of whole lines, and a head record "a:head"
 * holding the number of chunks.  Appending rewrites only the last chunk,
 * so its cost does not grow with the log; reading streams chunk by chunk,
 * re-reading the head, so a reader sees lines appended while it reads.
 * Only this file knows the layout.  Nothing writes the log through the
 * mount: its attribute has no store function.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mctx.h"
#include "store.h"

#define AUDIT_CHUNK (16 * 1024)
#define AUDIT_HEAD "a:head"

static int audit_chunks(struct store *st, long *n)
{
	struct buf v = BUF_INIT;
	int rc = store_get(st, AUDIT_HEAD, &v);

	*n = 0;
	if (rc == -ENOENT)
		rc = 0;
	else if (!rc)
		*n = strtol(v.data, NULL, 10);
	buf_release(&v);
	return rc;
}

/* Add s to b with tabs, newlines and other control bytes as spaces. */
static int audit_field(struct buf *b, const char *s)
{
	int rc = 0;

	if (!s || !*s)
		return buf_addch(b, '-');
	for (; *s && !rc; s++)
		rc = buf_addch(b, (unsigned char)*s < 0x20 || *s == 0x7f ?
					  ' ' : *s);
	return rc;
}

int audit_append(struct mctx *c, const char *action, const char *path,
		 const char *result, const char *detail)
{
	struct buf line = BUF_INIT, chunk = BUF_INIT;
	char key[32], ts[32], tmp[32], head[24];
	struct tm tm;
	long n;
	int rc;

	gmtime_r(&c->now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	rc = buf_printf(&line, "%s\t", ts);
	if (!rc)
		rc = audit_field(&line, mctx_login(c, tmp));
	if (!rc)
		rc = buf_addch(&line, '\t');
	if (!rc)
		rc = audit_field(&line, action);
	if (!rc)
		rc = buf_addch(&line, '\t');
	if (!rc)
		rc = audit_field(&line, path);
	if (!rc)
		rc = buf_addch(&line, '\t');
	if (!rc)
		rc = audit_field(&line, result);
	if (!rc)
		rc = buf_addch(&line, '\t');
	if (!rc)
		rc = audit_field(&line, detail);
	if (!rc)
		rc = buf_addch(&line, '\n');
	if (!rc)
		rc = audit_chunks(c->st, &n);
	if (rc)
		goto out;
	if (n > 0) {
		snprintf(key, sizeof(key), "a:%08ld", n - 1);
		rc = store_get(c->st, key, &chunk);
		if (rc)
			goto out;
	}
	if (n == 0 || chunk.len + line.len > AUDIT_CHUNK) {
		snprintf(key, sizeof(key), "a:%08ld", n);
		buf_reset(&chunk);
		n++;
		snprintf(head, sizeof(head), "%ld", n);
		rc = store_put(c->st, AUDIT_HEAD, head, strlen(head));
		if (rc)
			goto out;
	}
	rc = buf_add(&chunk, line.data, line.len);
	if (!rc)
		rc = store_put(c->st, key, chunk.data, chunk.len);
out:
	buf_release(&line);
	buf_release(&chunk);
	return rc;
}

struct audit_cursor {
	long next;
};

static int audit_start(struct mctx *c, const struct obj_ref *ref,
		       void **cursor)
{
	struct audit_cursor *cur = calloc(1, sizeof(*cur));

	if (!cur)
		return -ENOMEM;
	*cursor = cur;
	return 0;
}

static int audit_next(struct mctx *c, const struct obj_ref *ref,
		      void *cursor, struct buf *out, int *eof)
{
	struct audit_cursor *cur = cursor;
	char key[32];
	long n;
	int rc = audit_chunks(c->st, &n);

	if (rc)
		return rc;
	if (cur->next >= n) {
		*eof = 1;
		return 0;
	}
	snprintf(key, sizeof(key), "a:%08ld", cur->next++);
	return store_get(c->st, key, out);
}

static void audit_done(void *cursor)
{
	free(cursor);
}

const struct kind_stream_ops audit_stream_ops = {
	.start = audit_start,
	.next = audit_next,
	.done = audit_done,
};
