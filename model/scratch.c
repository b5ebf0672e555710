/*
 * scratch.c - scratch files (SPEC §2): the files editors and scripts make
 * next to an attribute (".members.swp", "members~", "4913", "x.tmp") that
 * are not part of the model.
 *
 * A scratch file belongs to one caller (uid) and one directory; it lives
 * in memory for as long as the mount and never reaches the store.  Other
 * callers do not see it, even at the same path.  Files are refcounted so
 * that an unlinked one stays readable through descriptors still open on
 * it, as POSIX wants.
 *
 * Each caller's linked files hang from its own owner record, so finding
 * or listing a caller's files walks that caller's files only: another
 * caller's thousand scratch files cost it nothing.  What a caller holds
 * is counted in the quota (quota.h) from create to the last put, so a
 * file unlinked while open still counts against its caller until its
 * last descriptor closes.
 *
 * All calls run under the model's lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mctx.h"
#include "quota.h"
#include "scratch.h"

struct scratch_owner {
	uid_t uid;
	struct scratch *head;		/* linked files */
	struct scratch_owner *next;
};

struct scratch {
	uid_t uid;
	char *dir;		/* path of the directory */
	char *name;
	struct buf data;
	time_t mtime;
	int refs;		/* the set's (while linked) and open files' */
	int linked;
	struct scratch_set *set;
	struct scratch *next;	/* in its owner's list, while linked */
};

struct scratch_set {
	struct quota *q;
	struct scratch_owner *owners;
};

int scratch_set_new(struct quota *q, struct scratch_set **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->q = q;
	return 0;
}

static void scratch_free(struct scratch *f)
{
	quota_give(f->set->q, f->uid, QUOTA_SCRATCH_BYTES, f->data.len);
	quota_give(f->set->q, f->uid, QUOTA_SCRATCH_FILES, 1);
	free(f->dir);
	free(f->name);
	buf_release(&f->data);
	free(f);
}

static struct scratch_owner **owner_slot(struct scratch_set *s, uid_t uid)
{
	struct scratch_owner **pp = &s->owners;

	while (*pp && (*pp)->uid != uid)
		pp = &(*pp)->next;
	return pp;
}

/* Take f off its owner's list (the set's reference goes with it). */
static void scratch_unhook(struct scratch_set *s, struct scratch *f)
{
	struct scratch_owner **op = owner_slot(s, f->uid), *o = *op;
	struct scratch **pp;

	if (!o)
		return;
	for (pp = &o->head; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			f->linked = 0;
			if (!o->head) {
				*op = o->next;
				free(o);
			}
			scratch_put(f);
			return;
		}
	}
}

void scratch_set_free(struct scratch_set *s)
{
	if (!s)
		return;
	while (s->owners)
		scratch_unhook(s, s->owners->head);
	free(s);
}

struct scratch *scratch_find(struct scratch_set *s, uid_t uid,
			     const char *dir, const char *name)
{
	struct scratch_owner *o = *owner_slot(s, uid);
	struct scratch *f;

	for (f = o ? o->head : NULL; f; f = f->next)
		if (!strcmp(f->name, name) && !strcmp(f->dir, dir))
			return f;
	return NULL;
}

int scratch_create(struct scratch_set *s, uid_t uid, const char *dir,
		   const char *name, time_t now, struct scratch **out)
{
	struct scratch_owner **op = owner_slot(s, uid), *o = *op;
	struct scratch *f;
	int rc = quota_take(s->q, uid, QUOTA_SCRATCH_FILES, 1);

	if (rc)
		return rc;
	if (!o) {
		o = calloc(1, sizeof(*o));
		if (!o) {
			quota_give(s->q, uid, QUOTA_SCRATCH_FILES, 1);
			return -ENOMEM;
		}
		o->uid = uid;
		*op = o;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		goto out_nomem;
	f->uid = uid;
	f->set = s;
	f->dir = strdup(dir);
	f->name = strdup(name);
	if (!f->dir || !f->name || buf_add(&f->data, "", 0)) {
		free(f->dir);
		free(f->name);
		buf_release(&f->data);
		free(f);
		goto out_nomem;
	}
	f->mtime = now;
	f->refs = 1;
	f->linked = 1;
	f->next = o->head;
	o->head = f;
	*out = f;
	return 0;
out_nomem:
	quota_give(s->q, uid, QUOTA_SCRATCH_FILES, 1);
	if (!o->head) {
		*op = o->next;
		free(o);
	}
	return -ENOMEM;
}

void scratch_get(struct scratch *f)
{
	f->refs++;
}

void scratch_put(struct scratch *f)
{
	if (f && --f->refs == 0)
		scratch_free(f);
}

void scratch_unlink(struct scratch_set *s, struct scratch *f)
{
	if (f && f->linked)
		scratch_unhook(s, f);
}

int scratch_rename(struct scratch_set *s, struct scratch *f, const char *dir,
		   const char *name)
{
	struct scratch *old = scratch_find(s, f->uid, dir, name);
	char *nd, *nn;

	if (old == f)
		return 0;
	nd = strdup(dir);
	nn = strdup(name);
	if (!nd || !nn) {
		free(nd);
		free(nn);
		return -ENOMEM;
	}
	if (old)
		scratch_unlink(s, old);
	free(f->dir);
	free(f->name);
	f->dir = nd;
	f->name = nn;
	return 0;
}

int scratch_write(struct scratch_set *s, struct scratch *f, uint64_t off,
		  const char *data, size_t len, time_t now)
{
	size_t end, more;
	int rc;

	if (off > quota_limit[QUOTA_SCRATCH_BYTES] ||
	    len > quota_limit[QUOTA_SCRATCH_BYTES] - off)
		return -EFBIG;
	end = (size_t)off + len;
	if (end > f->data.len) {
		more = end - f->data.len;
		rc = quota_take(s->q, f->uid, QUOTA_SCRATCH_BYTES, more);
		if (rc)
			return rc;
		rc = buf_grow(&f->data, more);
		if (rc) {
			quota_give(s->q, f->uid, QUOTA_SCRATCH_BYTES, more);
			return rc;
		}
		memset(f->data.data + f->data.len, 0, more);
		f->data.len = end;
		f->data.data[end] = '\0';
	}
	if (len)
		memcpy(f->data.data + off, data, len);
	f->mtime = now;
	return 0;
}

int scratch_truncate(struct scratch_set *s, struct scratch *f, uint64_t size,
		     time_t now)
{
	if (size > f->data.len)
		return scratch_write(s, f, size, "", 0, now);
	quota_give(s->q, f->uid, QUOTA_SCRATCH_BYTES,
		   f->data.len - (size_t)size);
	f->data.len = (size_t)size;
	f->data.data[size] = '\0';
	f->mtime = now;
	return 0;
}

const struct buf *scratch_data(const struct scratch *f)
{
	return &f->data;
}

time_t scratch_mtime(const struct scratch *f)
{
	return f->mtime;
}

int scratch_each(struct scratch_set *s, uid_t uid, const char *dir,
		 int (*fn)(const char *name, void *arg), void *arg)
{
	struct scratch_owner *o = *owner_slot(s, uid);
	struct scratch *f;
	int rc = 0;

	for (f = o ? o->head : NULL; f && !rc; f = f->next)
		if (!strcmp(f->dir, dir))
			rc = fn(f->name, arg);
	return rc;
}

/* Drop every caller's files in directory path or below it: the
 * directory's object is gone. */
void scratch_drop(struct scratch_set *s, const char *path)
{
	size_t plen = strlen(path);
	struct scratch_owner *o, *next_o;

	for (o = s->owners; o; o = next_o) {
		struct scratch *f, *next;

		next_o = o->next;	/* o goes with its last file */
		for (f = o->head; f; f = next) {
			next = f->next;
			if (!strncmp(f->dir, path, plen) &&
			    (f->dir[plen] == '\0' || f->dir[plen] == '/'))
				scratch_unhook(s, f);
		}
	}
}
