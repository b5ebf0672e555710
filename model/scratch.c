/*
 * scratch.c - scratch files (SPEC §2): the files editors and scripts make
 * next to an attribute (".members.swp", "members~", "4913", "x.tmp") that
 * are not part of the model.
 *
 * A scratch file belongs to one caller (uid) and one directory; it lives
 * in memory for as long as the mount and never reaches the store.  Other
 * callers do not see it, even at the same path.  Files are refcounted so
 * that an unlinked one stays readable through descriptors still open on
 * it, as POSIX wants.  Each caller may hold at most SCRATCH_MAX_FILES
 * files and SCRATCH_MAX_BYTES bytes: scratch space is a courtesy to
 * editors, not storage.
 *
 * All calls run under the model's lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mctx.h"

#define SCRATCH_MAX_FILES 1024
#define SCRATCH_MAX_BYTES (64u * 1024 * 1024)

struct scratch {
	uid_t uid;
	char *dir;		/* path of the directory */
	char *name;
	struct buf data;
	time_t mtime;
	int refs;		/* the set's (while linked) and open files' */
	int linked;
	struct scratch *next;
};

struct scratch_set {
	struct scratch *head;
};

int scratch_set_new(struct scratch_set **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static void scratch_free(struct scratch *f)
{
	free(f->dir);
	free(f->name);
	buf_release(&f->data);
	free(f);
}

void scratch_set_free(struct scratch_set *s)
{
	struct scratch *f;

	if (!s)
		return;
	while ((f = s->head)) {
		s->head = f->next;
		f->linked = 0;
		if (--f->refs == 0)
			scratch_free(f);
	}
	free(s);
}

struct scratch *scratch_find(struct scratch_set *s, uid_t uid,
			     const char *dir, const char *name)
{
	struct scratch *f;

	for (f = s->head; f; f = f->next)
		if (f->uid == uid && !strcmp(f->name, name) &&
		    !strcmp(f->dir, dir))
			return f;
	return NULL;
}

/* Bytes and files uid holds. */
static void scratch_usage(struct scratch_set *s, uid_t uid, size_t *bytes,
			  size_t *files)
{
	struct scratch *f;

	*bytes = 0;
	*files = 0;
	for (f = s->head; f; f = f->next)
		if (f->uid == uid) {
			*bytes += f->data.len;
			(*files)++;
		}
}

int scratch_create(struct scratch_set *s, uid_t uid, const char *dir,
		   const char *name, time_t now, struct scratch **out)
{
	struct scratch *f;
	size_t bytes, files;

	scratch_usage(s, uid, &bytes, &files);
	if (files >= SCRATCH_MAX_FILES)
		return -ENOSPC;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->uid = uid;
	f->dir = strdup(dir);
	f->name = strdup(name);
	if (!f->dir || !f->name || buf_add(&f->data, "", 0)) {
		scratch_free(f);
		return -ENOMEM;
	}
	f->mtime = now;
	f->refs = 1;
	f->linked = 1;
	f->next = s->head;
	s->head = f;
	*out = f;
	return 0;
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
	struct scratch **pp;

	for (pp = &s->head; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			f->linked = 0;
			scratch_put(f);
			return;
		}
	}
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
	size_t bytes, files, end;
	int rc;

	scratch_usage(s, f->uid, &bytes, &files);
	if (off > SCRATCH_MAX_BYTES || len > SCRATCH_MAX_BYTES - off)
		return -EFBIG;
	end = (size_t)off + len;
	if (end > f->data.len) {
		if (bytes + (end - f->data.len) > SCRATCH_MAX_BYTES)
			return -ENOSPC;
		rc = buf_grow(&f->data, end - f->data.len);
		if (rc)
			return rc;
		memset(f->data.data + f->data.len, 0, end - f->data.len);
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
	struct scratch *f;
	int rc = 0;

	for (f = s->head; f && !rc; f = f->next)
		if (f->uid == uid && !strcmp(f->dir, dir))
			rc = fn(f->name, arg);
	return rc;
}

/* Drop every caller's files in directory path or below it, and those
 * named name in it (name NULL: all): the directory's object is gone, or
 * an object now has that name. */
void scratch_drop(struct scratch_set *s, const char *path, const char *name)
{
	struct scratch **pp = &s->head;
	size_t plen = strlen(path);

	while (*pp) {
		struct scratch *f = *pp;
		int under = !strncmp(f->dir, path, plen) &&
			    (f->dir[plen] == '\0' || f->dir[plen] == '/');

		if (name ? !strcmp(f->dir, path) && !strcmp(f->name, name) :
			   under) {
			*pp = f->next;
			f->linked = 0;
			scratch_put(f);
			continue;
		}
		pp = &f->next;
	}
}
