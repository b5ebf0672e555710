/*
 * audit.c - the audit log: one line per change, rejected write or denied
 * attempt, appended in the same transaction as what it records; and the
 * bounds on what denied attempts may make it hold.
 *
 * Layout.  The live log is a chain of chunk records of at most
 * AUDIT_CHUNK bytes of whole lines, and a head record "a:head" holding
 * "N GEN AN BYTES ABYTES MTIME AMTIME": N chunks of generation GEN hold
 * BYTES bytes of live log, and AN chunks of generation GEN-1 hold the
 * ABYTES of the archive (/audit/log.1); MTIME and AMTIME are the times of
 * their last lines (epoch seconds, 0 unknown).  The byte counts are the
 * files' st_size and the times their st_mtime, so a stat is one fetch
 * and tar, rsync and tail -f see every line.  A head without the times
 * (stores made before them) gets them at the next append.  Generation
 * 0's chunks are "a:00000000", "a:00000001"...; generation G's are
 * "a:G:00000000"...  A head that is a bare "N" (stores made before
 * rotation) is generation 0 without an archive; its byte count is summed
 * from its chunks (at a stat, and at the next append, which writes the
 * head in the full form).  Appending rewrites only the
 * last chunk and the head, so its cost does not grow with the log.  Only
 * this file knows the layout.  Nothing writes the log through the mount:
 * its attributes have no store function.
 *
 * Rotation.  With [limits] audit_bytes = L (not 0), an append that would
 * take the live log past L/2 first makes the live log the archive (the
 * head moves to the next generation) and deletes the old archive's
 * chunks, in the same transaction as the line it appends; so the store
 * holds at most L bytes of audit, give or take one line.
 *
 * Readers.  A stream pins the generation it starts on and reads its
 * chunks one by one, re-reading the head and remembering how much of the
 * last chunk it had, so it sees lines appended to that generation while
 * it reads (chunks only ever grow) and never mixes two generations: a
 * reader of the live log that a rotation overtakes reads on to the end of
 * what is now the archive.  If a second rotation drops that generation
 * before the reader is done, the read fails with ESTALE rather than
 * coming back short without saying so.  A reader at the end asked again
 * goes on with the lines appended since (tail -f); the size it then sees
 * shrink after a rotation is tail's cue to start over.  A stat writes
 * the counted denied attempts first, as an open does (below), so the
 * size it gives is what the open that follows it reads.
 *
 * Denied attempts (struct audit_flood, one per model, in memory).  A
 * change is always written with its change.  A denied attempt is written
 * at once the first time; an identical one (same uid, action, path,
 * result and detail) within AUDIT_WINDOW seconds of that first line is
 * only counted.  The count is written as one line, the first line again
 * with " (repeated N more times)" at the end of its DETAIL and the time
 * of the last repeat as its TIME, when the window closes, when the entry
 * is evicted from the fixed table of AUDIT_RUNS runs (oldest first), when
 * anyone opens the log or its archive (so a reader always sees every
 * attempt made before it opened, counted), and at unmount.  Distinct
 * denied lines of one uid are also limited by a token bucket
 * (AUDIT_BURST lines, refilled at AUDIT_RATE a second, one bucket per uid
 * in a fixed table of AUDIT_BUCKETS, least recently used evicted): an
 * attempt that finds the bucket empty is counted in the uid's over-rate
 * run, written the same way as
 *   TIME LOGIN suppressed - denied N denied attempts over the rate of R
 *   a second, not written one by one, since T0 (first: ACTION PATH)
 * Only "denied" results are bounded: a rejected write comes from a caller
 * who may write there, and changes are never held back.  A crash loses
 * the counts not yet written (at most one window of them), never a first
 * line.  Denied attempts that write nothing (a counted repeat) open no
 * transaction at all; summaries due together are written in one.
 *
 * Fields.  Every field goes through audit_field(): tabs, newlines and the
 * other C0 controls, DEL, the C1 controls (U+0080-U+009F, NEL among them)
 * and U+2028/U+2029 become one space each, so no reader that splits
 * lines on any Unicode line break sees a line end inside a field.  An
 * empty field is "-".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "mctx.h"
#include "store.h"

#define AUDIT_CHUNK (16 * 1024)
#define AUDIT_HEAD "a:head"

#define AUDIT_WINDOW 60		/* seconds a run of repeats is counted */
#define AUDIT_RUNS 256		/* runs (and over-rate counts) remembered */
#define AUDIT_BUCKETS 128	/* uids whose rate is tracked */
#define AUDIT_BURST 200		/* distinct denied lines a uid may write at once */
#define AUDIT_RATE 20		/* and then a second */

struct audit_head {
	long n;			/* live chunks */
	unsigned long gen;	/* live generation */
	long an;		/* archive chunks (generation gen - 1) */
	uint64_t bytes, abytes;
	time_t mtime, amtime;	/* the last line of each (0: unknown) */
	int legacy;		/* a bare "N": bytes unknown */
};

static void audit_key(char key[48], unsigned long gen, long i)
{
	if (gen == 0)
		snprintf(key, 48, "a:%08ld", i);
	else
		snprintf(key, 48, "a:%lu:%08ld", gen, i);
}

static int audit_head_get(struct store *st, struct audit_head *h)
{
	struct buf v = BUF_INIT;
	unsigned long long b = 0, ab = 0;
	long long t = 0, at = 0;
	int rc = store_get(st, AUDIT_HEAD, &v);

	memset(h, 0, sizeof(*h));
	if (rc == -ENOENT) {
		rc = 0;
	} else if (!rc) {
		int got = sscanf(v.data, "%ld %lu %ld %llu %llu %lld %lld",
				 &h->n, &h->gen, &h->an, &b, &ab, &t, &at);

		if (got < 1 || h->n < 0) {
			rc = -EIO;
		} else if (got < 5) {
			h->gen = 0;
			h->an = 0;
			h->legacy = 1;
		} else {
			h->bytes = b;
			h->abytes = ab;
			h->mtime = (time_t)(t > 0 ? t : 0);
			h->amtime = (time_t)(at > 0 ? at : 0);
		}
	}
	buf_release(&v);
	return rc;
}

static int audit_head_put(struct store *st, const struct audit_head *h)
{
	char v[128];

	snprintf(v, sizeof(v), "%ld %lu %ld %" PRIu64 " %" PRIu64 " %lld %lld",
		 h->n, h->gen, h->an, h->bytes, h->abytes, (long long)h->mtime,
		 (long long)h->amtime);
	return store_put(st, AUDIT_HEAD, v, strlen(v));
}

/* A head of the old form: count the bytes of its chunks. */
static int audit_head_count(struct store *st, struct audit_head *h)
{
	struct buf v = BUF_INIT;
	char key[48];
	long i;
	int rc = 0;

	h->bytes = 0;
	for (i = 0; i < h->n && !rc; i++) {
		audit_key(key, 0, i);
		rc = store_get(st, key, &v);
		h->bytes += v.len;
	}
	h->legacy = 0;
	buf_release(&v);
	return rc;
}

/* The live log becomes the archive; the old archive goes. */
static int audit_rotate(struct store *st, struct audit_head *h)
{
	char key[48];
	long i;
	int rc = 0;

	for (i = 0; h->gen > 0 && i < h->an && !rc; i++) {
		audit_key(key, h->gen - 1, i);
		rc = store_del(st, key);
	}
	if (rc)
		return rc;
	h->an = h->n;
	h->abytes = h->bytes;
	h->amtime = h->mtime;
	h->gen++;
	h->n = 0;
	h->bytes = 0;
	return 0;
}

/* Append one whole line (len bytes, ending in a newline) to the live log,
 * rotating first when it would pass its share. */
static int audit_put_line(struct mctx *c, const char *line, size_t len)
{
	struct buf chunk = BUF_INIT;
	struct audit_head h;
	uint64_t limit = c->cfg ? c->cfg->audit_bytes : 0;
	char key[48];
	int rc;

	rc = audit_head_get(c->st, &h);
	if (!rc && h.legacy)
		rc = audit_head_count(c->st, &h);
	if (!rc && limit && h.bytes > 0 && h.bytes + len > limit / 2)
		rc = audit_rotate(c->st, &h);
	if (rc)
		goto out;
	if (h.n > 0) {
		audit_key(key, h.gen, h.n - 1);
		rc = store_get(c->st, key, &chunk);
		if (rc)
			goto out;
	}
	if (h.n == 0 || chunk.len + len > AUDIT_CHUNK) {
		audit_key(key, h.gen, h.n);
		buf_reset(&chunk);
		h.n++;
	}
	rc = buf_add(&chunk, line, len);
	if (!rc)
		rc = store_put(c->st, key, chunk.data, chunk.len);
	h.bytes += len;
	h.mtime = c->now;
	if (!rc)
		rc = audit_head_put(c->st, &h);
out:
	buf_release(&chunk);
	return rc;
}

/* Append every line of lines (whole lines). */
static int audit_put_lines(struct mctx *c, const struct buf *lines)
{
	size_t off = 0;
	int rc = 0;

	while (off < lines->len && !rc) {
		const char *nl = memchr(lines->data + off, '\n',
					lines->len - off);
		size_t n = nl ? (size_t)(nl - lines->data) - off + 1 :
				lines->len - off;

		rc = audit_put_line(c, lines->data + off, n);
		off += n;
	}
	return rc;
}

/* Write lines in a transaction of their own (or the open one). */
static int audit_commit_lines(struct mctx *c, const struct buf *lines)
{
	int rc;

	if (!lines->len)
		return 0;
	if (store_in_txn(c->st))
		return audit_put_lines(c, lines);
	rc = store_txn_begin(c->st);
	if (rc)
		return rc;
	rc = audit_put_lines(c, lines);
	if (rc) {
		store_txn_cancel(c->st);
		return rc;
	}
	return store_txn_commit(c->st);
}

/* Bytes of the UTF-8 sequence at s that must not reach the log as they
 * are (a control or a line break), or 0. */
static size_t audit_unsafe(const unsigned char *s)
{
	if (*s < 0x20 || *s == 0x7f)
		return 1;
	if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;	/* C1 controls, NEL (U+0085) among them */
	if (s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9))
		return 3;	/* U+2028 LINE and U+2029 PARAGRAPH SEPARATOR */
	return 0;
}

/* Add s to b with every unsafe sequence (above) as one space; "-" for an
 * empty field. */
static int audit_field(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int rc = 0;

	if (!s || !*s)
		return buf_addch(b, '-');
	while (*p && !rc) {
		size_t n = audit_unsafe(p);

		if (n) {
			rc = buf_addch(b, ' ');
			p += n;
		} else {
			rc = buf_addch(b, *p++);
		}
	}
	return rc;
}

static void audit_time(time_t t, char ts[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(ts, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "LOGIN\tACTION\tPATH\tRESULT\tDETAIL", escaped. */
static int audit_tail(struct mctx *c, const char *action, const char *path,
		      const char *result, const char *detail, struct buf *out)
{
	const char *f[5];
	char tmp[32];
	int i, rc = 0;

	f[0] = mctx_login(c, tmp);
	f[1] = action;
	f[2] = path;
	f[3] = result;
	f[4] = detail;
	for (i = 0; i < 5 && !rc; i++) {
		if (i)
			rc = buf_addch(out, '\t');
		if (!rc)
			rc = audit_field(out, f[i]);
	}
	return rc;
}

int audit_append(struct mctx *c, const char *action, const char *path,
		 const char *result, const char *detail)
{
	struct buf line = BUF_INIT;
	char ts[32];
	int rc;

	audit_time(c->now, ts);
	rc = buf_printf(&line, "%s\t", ts);
	if (!rc)
		rc = audit_tail(c, action, path, result, detail, &line);
	if (!rc)
		rc = buf_addch(&line, '\n');
	if (!rc)
		rc = audit_put_line(c, line.data, line.len);
	buf_release(&line);
	return rc;
}

/* --- bounds on denied attempts --- */

struct audit_run {
	char *tail;		/* the escaped tail of the first line; NULL:
				 * a free slot.  Over-rate runs: the login */
	char *first;		/* over-rate runs: "ACTION PATH" of the first
				 * suppressed attempt */
	uid_t uid;
	int empty_detail;	/* the first line's DETAIL was "-" */
	time_t start;		/* the window opened */
	time_t last;		/* the last attempt counted */
	unsigned long n;	/* attempts counted, not yet written */
};

struct audit_bucket {
	uid_t uid;
	int used;
	time_t last;		/* refilled up to */
	time_t seen;		/* for eviction */
	long tokens;
};

struct audit_flood {
	struct audit_run run[AUDIT_RUNS];
	struct audit_bucket bucket[AUDIT_BUCKETS];
	time_t due;		/* the earliest window end; 0: no run */
};

int audit_flood_new(struct audit_flood **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static void audit_run_clear(struct audit_run *r)
{
	free(r->tail);
	free(r->first);
	memset(r, 0, sizeof(*r));
}

void audit_flood_free(struct audit_flood *f)
{
	int i;

	if (!f)
		return;
	for (i = 0; i < AUDIT_RUNS; i++)
		audit_run_clear(&f->run[i]);
	free(f);
}

/* The summary line of run r's counted attempts, added to lines. */
static int audit_run_summary(const struct audit_run *r, struct buf *lines)
{
	char ts[32], t0[32];
	const char *tail = r->tail;
	size_t tlen = strlen(tail);

	if (!r->n)
		return 0;
	audit_time(r->last, ts);
	if (r->first) {
		audit_time(r->start, t0);
		return buf_printf(lines, "%s\t%s\tsuppressed\t-\tdenied\t%lu "
				  "denied attempts over the rate of %d a "
				  "second, not written one by one, since %s "
				  "(first: %s)\n",
				  ts, tail, r->n, AUDIT_RATE, t0, r->first);
	}
	if (r->empty_detail)
		tlen--;		/* the "-" goes */
	return buf_printf(lines, "%s\t%.*s%s(repeated %lu more time%s)\n", ts,
			  (int)tlen, tail, r->empty_detail ? "" : " ", r->n,
			  r->n == 1 ? "" : "s");
}

static void audit_due_update(struct audit_flood *f)
{
	int i;

	f->due = 0;
	for (i = 0; i < AUDIT_RUNS; i++)
		if (f->run[i].tail && (!f->due ||
				       f->run[i].start + AUDIT_WINDOW < f->due))
			f->due = f->run[i].start + AUDIT_WINDOW;
}

/* Summaries of the runs whose window has closed (all runs when all),
 * added to lines; those runs end. */
static int audit_sweep(struct audit_flood *f, time_t now, int all,
		       struct buf *lines)
{
	int i, rc = 0;

	if (!all && (!f->due || now < f->due))
		return 0;
	for (i = 0; i < AUDIT_RUNS && !rc; i++) {
		struct audit_run *r = &f->run[i];

		if (!r->tail || (!all && now < r->start + AUDIT_WINDOW))
			continue;
		rc = audit_run_summary(r, lines);
		audit_run_clear(r);
	}
	audit_due_update(f);
	return rc;
}

/* May uid write one more distinct denied line now?  Takes a token. */
static int audit_take_token(struct audit_flood *f, uid_t uid, time_t now)
{
	struct audit_bucket *b = NULL, *old = &f->bucket[0];
	int i;

	for (i = 0; i < AUDIT_BUCKETS && !b; i++) {
		if (f->bucket[i].used && f->bucket[i].uid == uid)
			b = &f->bucket[i];
		else if (!f->bucket[i].used ||
			 (old->used && f->bucket[i].seen < old->seen))
			old = &f->bucket[i];
	}
	if (!b) {
		b = old;
		b->used = 1;
		b->uid = uid;
		b->last = now;
		b->tokens = AUDIT_BURST;
	}
	if (now > b->last) {
		long add = (long)(now - b->last) * AUDIT_RATE;

		b->tokens = b->tokens + add > AUDIT_BURST ? AUDIT_BURST :
							    b->tokens + add;
		b->last = now;
	}
	b->seen = now;
	if (b->tokens <= 0)
		return 0;
	b->tokens--;
	return 1;
}

/* A slot for a new run: a free one, or the oldest, whose summary goes to
 * lines. */
static struct audit_run *audit_run_slot(struct audit_flood *f,
					struct buf *lines)
{
	struct audit_run *old = &f->run[0];
	int i;

	for (i = 0; i < AUDIT_RUNS; i++) {
		if (!f->run[i].tail)
			return &f->run[i];
		if (f->run[i].start < old->start)
			old = &f->run[i];
	}
	audit_run_summary(old, lines);
	audit_run_clear(old);
	return old;
}

/* Count the attempt in uid's over-rate run. */
static int audit_over(struct mctx *c, struct audit_flood *f, uid_t uid,
		      const char *action, const char *path, struct buf *lines)
{
	struct buf first = BUF_INIT;
	struct audit_run *r;
	char tmp[32];
	int i, rc;

	for (i = 0; i < AUDIT_RUNS; i++) {
		r = &f->run[i];
		if (r->tail && r->first && r->uid == uid) {
			r->n++;
			r->last = c->now;
			return 0;
		}
	}
	rc = audit_field(&first, action);
	if (!rc)
		rc = buf_addch(&first, ' ');
	if (!rc)
		rc = audit_field(&first, path);
	if (rc)
		goto out;
	r = audit_run_slot(f, lines);
	r->tail = strdup(mctx_login(c, tmp));
	if (!r->tail) {
		rc = -ENOMEM;
		goto out;
	}
	r->first = buf_detach(&first, NULL);
	r->uid = uid;
	r->start = r->last = c->now;
	r->n = 1;
	audit_due_update(f);
out:
	buf_release(&first);
	return rc;
}

/* A denied attempt: its line, a count, or nothing now (see the top). */
static int audit_denied(struct mctx *c, const char *action, const char *path,
			const char *detail, struct buf *lines)
{
	struct audit_flood *f = c->flood;
	struct buf tail = BUF_INIT;
	struct audit_run *r;
	uid_t uid = c->who ? c->who->id.uid : 0;
	char ts[32];
	int i, rc;

	rc = audit_sweep(f, c->now, 0, lines);
	if (!rc)
		rc = audit_tail(c, action, path, "denied", detail, &tail);
	if (rc)
		goto out;
	for (i = 0; i < AUDIT_RUNS; i++) {
		r = &f->run[i];
		if (r->tail && !r->first && r->uid == uid &&
		    !strcmp(r->tail, tail.data)) {
			r->n++;
			r->last = c->now;
			goto out;
		}
	}
	if (!audit_take_token(f, uid, c->now)) {
		rc = audit_over(c, f, uid, action, path, lines);
		goto out;
	}
	r = audit_run_slot(f, lines);
	audit_time(c->now, ts);
	rc = buf_printf(lines, "%s\t%s\n", ts, tail.data);
	if (rc)
		goto out;
	r->uid = uid;
	r->empty_detail = !detail || !*detail;
	r->start = r->last = c->now;
	r->tail = buf_detach(&tail, NULL);
	if (!r->tail)
		rc = -ENOMEM;
	audit_due_update(f);
out:
	buf_release(&tail);
	return rc;
}

int audit_refused(struct mctx *c, const char *action, const char *path,
		  const char *result, const char *detail)
{
	struct buf lines = BUF_INIT;
	char ts[32];
	int rc;

	if (c->flood && !strcmp(result, "denied")) {
		rc = audit_denied(c, action, path, detail, &lines);
	} else {
		audit_time(c->now, ts);
		rc = buf_printf(&lines, "%s\t", ts);
		if (!rc)
			rc = audit_tail(c, action, path, result, detail,
					&lines);
		if (!rc)
			rc = buf_addch(&lines, '\n');
	}
	if (!rc)
		rc = audit_commit_lines(c, &lines);
	buf_release(&lines);
	return rc;
}

void audit_tick(struct mctx *c)
{
	struct buf lines = BUF_INIT;

	if (!c->flood || !c->flood->due || c->now < c->flood->due)
		return;
	if (!audit_sweep(c->flood, c->now, 0, &lines))
		audit_commit_lines(c, &lines);
	buf_release(&lines);
}

void audit_flush(struct mctx *c)
{
	struct buf lines = BUF_INIT;

	if (!c->flood)
		return;
	if (!audit_sweep(c->flood, c->now, 1, &lines))
		audit_commit_lines(c, &lines);
	buf_release(&lines);
}

/* Write the counts not yet written (the runs go on), so that a reader
 * sees every attempt made before it opened the log. */
static int audit_write_counts(struct mctx *c)
{
	struct audit_flood *f = c->flood;
	struct buf lines = BUF_INIT;
	int i, rc = 0;

	if (!f)
		return 0;
	rc = audit_sweep(f, c->now, 0, &lines);
	for (i = 0; i < AUDIT_RUNS && !rc; i++) {
		if (!f->run[i].tail || !f->run[i].n)
			continue;
		rc = audit_run_summary(&f->run[i], &lines);
		f->run[i].n = 0;
	}
	if (!rc)
		rc = audit_commit_lines(c, &lines);
	buf_release(&lines);
	return rc;
}

/* --- reading --- */

struct audit_cursor {
	unsigned long gen;	/* the generation read */
	int none;		/* no archive yet: empty */
	long chunk;		/* the chunk read last */
	size_t off;		/* and how much of it */
};

static int audit_open(struct mctx *c, int archive, void **cursor)
{
	struct audit_cursor *cur;
	struct audit_head h;
	int rc = audit_write_counts(c);

	if (!rc)
		rc = audit_head_get(c->st, &h);
	if (rc)
		return rc;
	cur = calloc(1, sizeof(*cur));
	if (!cur)
		return -ENOMEM;
	cur->gen = h.gen;
	if (archive) {
		cur->none = h.gen == 0;
		cur->gen = h.gen - 1;
	}
	*cursor = cur;
	return 0;
}

static int audit_start(struct mctx *c, const struct obj_ref *ref,
		       void **cursor)
{
	return audit_open(c, 0, cursor);
}

static int audit_archive_start(struct mctx *c, const struct obj_ref *ref,
			       void **cursor)
{
	return audit_open(c, 1, cursor);
}

static int audit_next(struct mctx *c, const struct obj_ref *ref,
		      void *cursor, struct buf *out, int *eof)
{
	struct audit_cursor *cur = cursor;
	struct audit_head h;
	char key[48];
	long n;
	int rc;

	if (cur->none) {
		*eof = 1;
		return 0;
	}
	rc = audit_head_get(c->st, &h);
	if (rc)
		return rc;
	if (cur->gen == h.gen)
		n = h.n;
	else if (h.gen > 0 && cur->gen == h.gen - 1)
		n = h.an;
	else
		return -ESTALE;	/* rotated away under the reader */
	/* the bytes past what was read: lines appended to the chunk read
	 * last, then the next chunk */
	while (cur->chunk < n) {
		audit_key(key, cur->gen, cur->chunk);
		rc = store_get(c->st, key, out);
		if (rc)
			return rc;
		if (out->len > cur->off) {
			memmove(out->data, out->data + cur->off,
				out->len - cur->off);
			out->len -= cur->off;
			out->data[out->len] = '\0';
			cur->off += out->len;
			return 0;
		}
		if (cur->chunk + 1 >= n)
			break;
		cur->chunk++;
		cur->off = 0;
	}
	buf_reset(out);
	*eof = 1;
	return 0;
}

static void audit_done(void *cursor)
{
	free(cursor);
}

/* The bytes a read of the live log (or the archive) started now gives. */
static int audit_size_of(struct mctx *c, int archive, uint64_t *size)
{
	struct audit_head h;
	int rc = audit_write_counts(c);

	if (!rc)
		rc = audit_head_get(c->st, &h);
	if (!rc && h.legacy)
		rc = audit_head_count(c->st, &h);
	if (rc)
		return rc;
	*size = !archive ? h.bytes : h.gen > 0 ? h.abytes : 0;
	return 0;
}

static int audit_size(struct mctx *c, const struct obj_ref *ref,
		      uint64_t *size)
{
	return audit_size_of(c, 0, size);
}

static int audit_archive_size(struct mctx *c, const struct obj_ref *ref,
			      uint64_t *size)
{
	return audit_size_of(c, 1, size);
}

time_t audit_mtime(struct mctx *c, const struct obj_ref *ref)
{
	struct audit_head h;

	return audit_head_get(c->st, &h) ? 0 : h.mtime;
}

time_t audit_archive_mtime(struct mctx *c, const struct obj_ref *ref)
{
	struct audit_head h;

	return audit_head_get(c->st, &h) || !h.gen ? 0 : h.amtime;
}

const struct kind_stream_ops audit_stream_ops = {
	.start = audit_start,
	.next = audit_next,
	.done = audit_done,
	.size = audit_size,
};

const struct kind_stream_ops audit_archive_stream_ops = {
	.start = audit_archive_start,
	.next = audit_next,
	.done = audit_done,
	.size = audit_archive_size,
};
