/*
 * dirindex.c - the names in a collection directory, in bounded records.
 *
 * Store keys (dir is the directory's object path, which holds no ':'):
 *   "d:DIR"            the number of names, decimal
 *   "d:DIR:N"          chunk N (8 hex digits): the names in slots
 *                      N*DIRINDEX_CHUNK on, one per line, in slot order
 *   "n:DIR/NAME"       the slot of NAME, decimal
 *
 * Invariants: a directory of n names has them in slots 0..n-1, with no
 * hole, so chunks 0..(n-1)/DIRINDEX_CHUNK exist and are full but for the
 * last; every listed name has its "n:" key and no other name has one.  A
 * directory with no names has no keys at all.
 *
 * Choices:
 * - Why not one record of all names (the version 1 layout, "l:DIR")?
 *   Each create and delete rewrote it: at 100,000 names that is a
 *   megabyte per mkdir, and the time of a mkdir grew with the directory.
 *   Why not one key per name and a walk of the store to list?  TDB has
 *   no key order, so a listing would read every record of the store, row
 *   chunks included.
 * - Adding a name puts it in slot n: one chunk rewritten (at most
 *   DIRINDEX_CHUNK names), its "n:" key and the count.  Removing the
 *   name in slot k moves the name in the last slot into k (found through
 *   the last chunk, its "n:" key updated), so the slots stay dense
 *   without tombstones or compaction: at most two chunks rewritten, two
 *   "n:" keys and the count.  Both cost the same at ten names or a
 *   million; a listing reads n/DIRINDEX_CHUNK chunks and nothing else.
 * - Each change is a few puts in the caller's transaction, so the index
 *   is whole at every commit; the functions check that what they read
 *   agrees (a slot past the count, a chunk of the wrong length) and give
 *   -EIO rather than making it worse.
 * - The order of slots is the order of creates, shuffled by deletes:
 *   dirindex_list() sorts, so every listing (readdir, status, usage)
 *   stays in name order as it was with the sorted record.
 * - Version 1 stores are converted at open (dirindex_migrate(), called
 *   by model_open() in the transaction that bumps the store version):
 *   the "l:" records are collected first (a walk must not change the
 *   store), then each name is added and the record deleted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirindex.h"
#include "store.h"

static int name_ok(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	return len && !memchr(name, '\n', len) && !strchr(name, '/');
}

static int count_key(struct buf *key, const char *dir)
{
	buf_reset(key);
	return buf_printf(key, "d:%s", dir);
}

static int chunk_key(struct buf *key, const char *dir, uint64_t chunk)
{
	buf_reset(key);
	return buf_printf(key, "d:%s:%08" PRIx64, dir, chunk);
}

static int slot_key(struct buf *key, const char *dir, const char *name,
		    size_t len)
{
	buf_reset(key);
	return buf_printf(key, "n:%s/%.*s", dir, (int)len, name);
}

/* A decimal record into *n; -EIO if it is not one. */
static int get_number(struct store *st, const char *key, uint64_t *n)
{
	struct buf v = BUF_INIT;
	char *end;
	int rc;

	*n = 0;
	rc = store_get(st, key, &v);
	if (rc)
		goto out;
	if (!v.len || v.data[0] < '0' || v.data[0] > '9') {
		rc = -EIO;
		goto out;
	}
	*n = strtoull(v.data, &end, 10);
	if (*end)
		rc = -EIO;
out:
	buf_release(&v);
	return rc;
}

static int put_number(struct store *st, const char *key, uint64_t n)
{
	char v[24];
	int len = snprintf(v, sizeof(v), "%" PRIu64, n);

	return store_put(st, key, v, (size_t)len);
}

int dirindex_count(struct store *st, const char *dir, uint64_t *n)
{
	struct buf key = BUF_INIT;
	int rc = count_key(&key, dir);

	if (!rc)
		rc = get_number(st, key.data, n);
	if (rc == -ENOENT)
		rc = 0;
	buf_release(&key);
	return rc;
}

/* The slot of name in dir; -ENOENT if it is not listed. */
static int slot_of(struct store *st, const char *dir, const char *name,
		   size_t len, uint64_t *slot)
{
	struct buf key = BUF_INIT;
	int rc = slot_key(&key, dir, name, len);

	if (!rc)
		rc = get_number(st, key.data, slot);
	buf_release(&key);
	return rc;
}

int dirindex_has(struct store *st, const char *dir, const char *name)
{
	struct buf key = BUF_INIT;
	int rc;

	if (!name_ok(name))
		return 0;
	rc = slot_key(&key, dir, name, strlen(name));
	if (!rc)
		rc = store_exists(st, key.data);
	buf_release(&key);
	return rc;
}

/* Line i of chunk c: its start and length; -EIO if c has fewer lines. */
static int chunk_line(const struct buf *c, uint64_t i, size_t *off,
		      size_t *len)
{
	const char *p = c->data, *end = c->data + c->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			return -EIO;
		if (!i--) {
			*off = (size_t)(p - c->data);
			*len = (size_t)(nl - p);
			return 0;
		}
		p = nl + 1;
	}
	return -EIO;
}

static uint64_t chunk_lines(const struct buf *c)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < c->len; i++)
		n += c->data[i] == '\n';
	return n;
}

/* Chunk number chunk of dir into c ("" when there is none). */
static int chunk_get(struct store *st, const char *dir, uint64_t chunk,
		     struct buf *key, struct buf *c)
{
	int rc = chunk_key(key, dir, chunk);

	if (!rc)
		rc = store_get(st, key->data, c);
	if (rc == -ENOENT) {
		buf_reset(c);
		rc = buf_add(c, "", 0);
	}
	return rc;
}

static int chunk_put(struct store *st, const char *key, const struct buf *c)
{
	return c->len ? store_put(st, key, c->data, c->len) :
			store_del(st, key);
}

int dirindex_add(struct store *st, const char *dir, const char *name)
{
	struct buf key = BUF_INIT, c = BUF_INIT;
	uint64_t n, slot;
	int rc;

	if (!name_ok(name))
		return -EINVAL;
	rc = slot_of(st, dir, name, strlen(name), &slot);
	if (rc != -ENOENT)
		return rc;	/* listed already, or an error */
	rc = dirindex_count(st, dir, &n);
	if (!rc)
		rc = chunk_get(st, dir, n / DIRINDEX_CHUNK, &key, &c);
	if (rc)
		goto out;
	if (chunk_lines(&c) != n % DIRINDEX_CHUNK) {
		rc = -EIO;
		goto out;
	}
	rc = buf_printf(&c, "%s\n", name);
	if (!rc)
		rc = chunk_put(st, key.data, &c);
	if (!rc)
		rc = slot_key(&key, dir, name, strlen(name));
	if (!rc)
		rc = put_number(st, key.data, n);
	if (!rc)
		rc = count_key(&key, dir);
	if (!rc)
		rc = put_number(st, key.data, n + 1);
out:
	buf_release(&key);
	buf_release(&c);
	return rc;
}

int dirindex_del(struct store *st, const char *dir, const char *name)
{
	struct buf key = BUF_INIT, c = BUF_INIT, last = BUF_INIT;
	uint64_t n, k, end;
	size_t off, len;
	int rc;

	if (!name_ok(name))
		return 0;
	rc = slot_of(st, dir, name, strlen(name), &k);
	if (rc)
		return rc == -ENOENT ? 0 : rc;
	rc = dirindex_count(st, dir, &n);
	if (rc)
		goto out;
	if (k >= n) {
		rc = -EIO;
		goto out;
	}
	end = n - 1;
	if (k != end) {
		/* the last name takes the freed slot */
		rc = chunk_get(st, dir, end / DIRINDEX_CHUNK, &key, &c);
		if (!rc)
			rc = chunk_line(&c, end % DIRINDEX_CHUNK, &off, &len);
		if (!rc)
			rc = buf_set(&last, c.data + off, len);
		if (!rc)
			rc = chunk_get(st, dir, k / DIRINDEX_CHUNK, &key, &c);
		if (!rc)
			rc = chunk_line(&c, k % DIRINDEX_CHUNK, &off, &len);
		if (rc)
			goto out;
		if (len != strlen(name) || memcmp(c.data + off, name, len)) {
			rc = -EIO;
			goto out;
		}
		/* c = before, the last name, after */
		rc = buf_add(&last, c.data + off + len,
			     c.len - off - len);
		if (!rc) {
			c.len = off;
			rc = buf_add(&c, last.data, last.len);
		}
		if (!rc)
			rc = chunk_put(st, key.data, &c);
		if (!rc)
			rc = slot_key(&key, dir, c.data + off,
				      strcspn(c.data + off, "\n"));
		if (!rc)
			rc = put_number(st, key.data, k);
		if (rc)
			goto out;
	}
	/* drop the last slot (read again: it may be the chunk just put) */
	rc = chunk_get(st, dir, end / DIRINDEX_CHUNK, &key, &c);
	if (!rc)
		rc = chunk_line(&c, end % DIRINDEX_CHUNK, &off, &len);
	if (!rc && off + len + 1 != c.len)
		rc = -EIO;
	if (rc)
		goto out;
	c.len = off;
	c.data[off] = '\0';
	rc = chunk_put(st, key.data, &c);
	if (!rc)
		rc = slot_key(&key, dir, name, strlen(name));
	if (!rc)
		rc = store_del(st, key.data);
	if (!rc)
		rc = count_key(&key, dir);
	if (!rc)
		rc = end ? put_number(st, key.data, end) :
			   store_del(st, key.data);
out:
	buf_release(&key);
	buf_release(&c);
	buf_release(&last);
	return rc;
}

int dirindex_each(struct store *st, const char *dir,
		  int (*fn)(const char *name, size_t len, void *arg),
		  void *arg)
{
	struct buf key = BUF_INIT, c = BUF_INIT;
	uint64_t n, i, seen = 0;
	int rc;

	rc = dirindex_count(st, dir, &n);
	for (i = 0; !rc && i * DIRINDEX_CHUNK < n; i++) {
		const char *p, *end;

		rc = chunk_get(st, dir, i, &key, &c);
		if (rc)
			break;
		p = c.data;
		end = c.data + c.len;
		while (!rc && p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			if (!nl) {
				rc = -EIO;
				break;
			}
			rc = fn(p, (size_t)(nl - p), arg);
			seen++;
			p = nl + 1;
		}
	}
	if (!rc && seen != n)
		rc = -EIO;
	buf_release(&key);
	buf_release(&c);
	return rc;
}

struct list_arg {
	struct buf all;		/* every name, NUL-terminated */
	size_t n;
};

static int list_one(const char *name, size_t len, void *arg)
{
	struct list_arg *la = arg;
	int rc = buf_add(&la->all, name, len);

	if (!rc)
		rc = buf_addch(&la->all, '\0');
	la->n++;
	return rc;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int dirindex_list(struct store *st, const char *dir, struct buf *names)
{
	struct list_arg la = { BUF_INIT, 0 };
	const char **v = NULL;
	size_t i, off;
	int rc;

	buf_reset(names);
	rc = buf_add(names, "", 0);
	if (!rc)
		rc = dirindex_each(st, dir, list_one, &la);
	if (rc || !la.n)
		goto out;
	v = malloc(la.n * sizeof(*v));
	if (!v) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0, off = 0; i < la.n; i++) {
		v[i] = la.all.data + off;
		off += strlen(v[i]) + 1;
	}
	qsort(v, la.n, sizeof(*v), cmp_name);
	rc = buf_grow(names, la.all.len);
	for (i = 0; !rc && i < la.n; i++) {
		rc = buf_addstr(names, v[i]);
		if (!rc)
			rc = buf_addch(names, '\n');
	}
out:
	free(v);
	buf_release(&la.all);
	return rc;
}

/* Move the value of key from to key to. */
static int move_value(struct store *st, const char *from, const char *to,
		      struct buf *val)
{
	int rc = store_get(st, from, val);

	if (!rc)
		rc = store_put(st, to, val->data, val->len);
	if (!rc)
		rc = store_del(st, from);
	return rc;
}

int dirindex_move(struct store *st, const char *from, const char *to)
{
	struct buf fk = BUF_INIT, tk = BUF_INIT, c = BUF_INIT, v = BUF_INIT;
	uint64_t n, m, i;
	int rc;

	rc = dirindex_count(st, to, &m);
	if (!rc && m)
		rc = -EEXIST;
	if (!rc)
		rc = dirindex_count(st, from, &n);
	if (rc || !n)
		goto out;
	for (i = 0; !rc && i * DIRINDEX_CHUNK < n; i++) {
		const char *p, *end;

		rc = chunk_key(&fk, from, i);
		if (!rc)
			rc = chunk_key(&tk, to, i);
		if (!rc)
			rc = move_value(st, fk.data, tk.data, &c);
		if (rc)
			break;
		p = c.data;
		end = c.data + c.len;
		while (!rc && p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			if (!nl) {
				rc = -EIO;
				break;
			}
			rc = slot_key(&fk, from, p, (size_t)(nl - p));
			if (!rc)
				rc = slot_key(&tk, to, p, (size_t)(nl - p));
			if (!rc)
				rc = move_value(st, fk.data, tk.data, &v);
			p = nl + 1;
		}
	}
	if (!rc)
		rc = count_key(&fk, from);
	if (!rc)
		rc = count_key(&tk, to);
	if (!rc)
		rc = move_value(st, fk.data, tk.data, &v);
out:
	buf_release(&fk);
	buf_release(&tk);
	buf_release(&c);
	buf_release(&v);
	return rc == -ENOENT ? -EIO : rc;
}

/* --- the version 1 layout --- */

struct old_index {
	struct old_index *next;
	char *dir;
	char *names;		/* the record's lines, NUL-terminated */
};

static int collect_old(const char *key, const void *val, size_t len,
		       void *arg)
{
	struct old_index **head = arg, *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	o->next = *head;
	*head = o;
	o->dir = strdup(key + 2);
	o->names = malloc(len + 1);
	if (!o->dir || !o->names)
		return -ENOMEM;
	memcpy(o->names, val, len);
	o->names[len] = '\0';
	return 0;
}

int dirindex_migrate(struct store *st)
{
	struct old_index *head = NULL, *o;
	struct buf key = BUF_INIT;
	int rc;

	rc = store_each(st, "l:", collect_old, &head);
	for (o = head; o && !rc; o = o->next) {
		char *p = o->names, *nl;

		for (; !rc && *p; p = nl + 1) {
			nl = strchr(p, '\n');
			if (!nl) {
				rc = -EIO;
				break;
			}
			*nl = '\0';
			if (*p)
				rc = dirindex_add(st, o->dir, p);
		}
		buf_reset(&key);
		if (!rc)
			rc = buf_printf(&key, "l:%s", o->dir);
		if (!rc)
			rc = store_del(st, key.data);
	}
	while ((o = head)) {
		head = o->next;
		free(o->dir);
		free(o->names);
		free(o);
	}
	buf_release(&key);
	return rc;
}
