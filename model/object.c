/*
 * object.c - objects as store records, collection indexes, and the generic
 * commit of .ini and line-list attributes.
 *
 * An object is one record ("o:PATH", see mctx.h) holding its metadata and
 * the canonical text of each stored attribute, so showing a file is one
 * fetch and committing one is a fetch and a put.  A collection's names
 * live in its directory index (dirindex.c: chunks of bounded size), so
 * readdir reads the directory's own records whatever the store holds
 * (TDB has no key order, and a traverse would read every row chunk), and
 * a create or delete costs the same whatever the directory holds.
 *
 * Deleting an object first asks its kind's in_use hook, which may refuse
 * (-EBUSY: a connection that data views use) before anything changes.
 * Then it deletes, in the caller's transaction, the named objects in
 * each of its fixed subdirectories (generic, from the kind table), then
 * whatever the kind's destroy hook owns (row chunks), then the record
 * and its index entry.  Renaming one (KD_RENAME kinds) walks
 * the same tree and moves each record and index to the new path, then
 * moves the index entry; kinds that own other keys are not renamed.
 *
 * Times.  obj_save() stamps an object's record with mtime (and by); it
 * and obj_delete() also stamp "tree" in the records of the ancestors
 * whose kind is KD_TREE (a connection and /connections, a data view), in
 * the same transaction.  A file computed from what lies below such an
 * object takes max(mtime, tree) of its record as its mtime
 * (obj_tree_mtime): the newest commit among its inputs, in one fetch,
 * moved by commits only, never by the passing of time.
 *
 * Every attribute commit stores its canonical text through one function,
 * attr_store_text(), which refuses text over [limits] ini_max_bytes: the
 * cap holds for what is stored, not only for what was written (defaults,
 * read-only keys and a list's trailing newline are added), so a stored
 * file can always be read back, parsed and written again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dirindex.h"
#include "mctx.h"
#include "object.h"
#include "store.h"

const char *mctx_login(const struct mctx *c, char tmp[32])
{
	if (c->who && c->who->login)
		return c->who->login;
	snprintf(tmp, 32, "uid:%u", c->who ? (unsigned)c->who->id.uid : 0u);
	return tmp;
}

static int key_for(const char *prefix, const struct obj_ref *ref,
		   struct buf *key)
{
	int rc = buf_addstr(key, prefix);

	return rc ? rc : obj_ref_object_path(ref, key);
}

int obj_key(const struct obj_ref *ref, struct buf *key)
{
	return key_for("o:", ref, key);
}

/* The deepest named object on ref's path (or the fixed dir ref is in). */
static void obj_owner(const struct obj_ref *ref, struct obj_ref *out)
{
	struct obj_ref up;

	*out = *ref;
	out->attr = -1;
	if (kind_table[out->kind].flags & KD_FILE)
		out->attr = 0;
	while (!(kind_table[out->kind].flags & KD_NAMED) &&
	       out->kind != KIND_ROOT && out->nnames > 0) {
		if (obj_ref_parent(out, &up))
			break;
		*out = up;
	}
}

/* The key of the record ref's object lives in. */
static int obj_rec_key(const struct obj_ref *ref, struct buf *key)
{
	struct obj_ref own = *ref;

	own.attr = (kind_table[ref->kind].flags & KD_FILE) ? 0 : -1;
	return obj_key(&own, key);
}

int obj_load(struct mctx *c, const struct obj_ref *ref, struct rec *r)
{
	struct buf key = BUF_INIT, val = BUF_INIT;
	int rc;

	rc = obj_rec_key(ref, &key);
	if (!rc)
		rc = store_get(c->st, key.data, &val);
	if (rc == -ENOENT && !(kind_table[ref->kind].flags & KD_NAMED))
		rc = 0;		/* a fixed directory with nothing stored yet */
	else if (!rc)
		rc = rec_decode(r, val.data, val.len);
	buf_release(&key);
	buf_release(&val);
	return rc;
}

int obj_exists(struct mctx *c, const struct obj_ref *ref)
{
	const struct kind_def *k;
	struct obj_ref own, parent;
	struct buf key = BUF_INIT, names = BUF_INIT;
	int rc;

	obj_owner(ref, &own);
	k = &kind_table[own.kind];
	if (!(k->flags & KD_NAMED))
		return 1;
	if (k->flags & KD_STORED) {
		rc = obj_key(&own, &key);
		if (!rc)
			rc = store_exists(c->st, key.data);
		buf_release(&key);
		return rc;
	}
	/* derived: ask the kind, and check the parent exists too */
	if (obj_ref_parent(&own, &parent) || !obj_exists(c, &parent))
		return 0;
	if (k->has) {
		rc = k->has(c, &own);
		return rc < 0 ? 0 : rc;
	}
	rc = k->list ? k->list(c, &parent, &names) : -ENOENT;
	if (!rc)
		rc = inidoc_lines_has(names.data ? names.data : "",
				      own.names[own.nnames - 1]);
	buf_release(&names);
	return rc < 0 ? 0 : rc;
}

/* Store r as the record of ref's object, as it is. */
static int obj_put(struct mctx *c, const struct obj_ref *ref,
		   const struct rec *r)
{
	struct buf key = BUF_INIT, val = BUF_INIT;
	int rc;

	rc = obj_rec_key(ref, &key);
	if (!rc)
		rc = rec_encode(r, &val);
	if (!rc)
		rc = store_put(c->st, key.data, val.data, val.len);
	buf_release(&key);
	buf_release(&val);
	return rc;
}

/*
 * A commit to ref's object (a change or its deletion) is a change below
 * each ancestor whose kind is KD_TREE: stamp their "tree" field now, in
 * the caller's transaction, so that the mtime of what is computed from
 * them (a connection's status, a view's reports) is one fetch.  An
 * ancestor being deleted in the same transaction is not there: skipped.
 */
static int obj_tree_touch(struct mctx *c, const struct obj_ref *ref)
{
	struct obj_ref up, next;
	int rc = 0;

	obj_owner(ref, &up);
	while (!rc && !obj_ref_parent(&up, &next)) {
		struct rec r = REC_INIT;

		up = next;
		if (!(kind_table[up.kind].flags & KD_TREE))
			continue;
		rc = obj_load(c, &up, &r);
		if (rc == -ENOENT) {
			rc = 0;
		} else if (!rc && rec_get_i64(&r, "tree", 0) != c->now) {
			rc = rec_set_i64(&r, "tree", (int64_t)c->now);
			if (!rc)
				rc = obj_put(c, &up, &r);
		}
		rec_release(&r);
	}
	return rc;
}

int obj_save(struct mctx *c, const struct obj_ref *ref, struct rec *r)
{
	char tmp[32];
	int rc;

	rc = rec_set_i64(r, "mtime", (int64_t)c->now);
	if (!rc)
		rc = rec_sets(r, "by", mctx_login(c, tmp));
	if (!rc)
		rc = obj_put(c, ref, r);
	if (!rc)
		rc = obj_tree_touch(c, ref);
	return rc;
}

/* The newest of the named fields of ref's record, read where they lie
 * (getattr asks on every lookup; decoding the whole record is most of
 * that cost); 0 when there is no record. */
static time_t obj_peek_time(struct mctx *c, const struct obj_ref *ref,
			    int tree)
{
	struct buf key = BUF_INIT, val = BUF_INIT;
	int64_t t = 0, u = 0;

	if (!obj_rec_key(ref, &key) && !store_get(c->st, key.data, &val) &&
	    (rec_peek_i64(val.data, val.len, "mtime", 0, &t) ||
	     (tree && rec_peek_i64(val.data, val.len, "tree", 0, &u))))
		t = u = 0;
	buf_release(&key);
	buf_release(&val);
	return (time_t)(u > t ? u : t);
}

time_t obj_mtime(struct mctx *c, const struct obj_ref *ref)
{
	return obj_peek_time(c, ref, 0);
}

time_t obj_tree_mtime(struct mctx *c, const struct obj_ref *ref)
{
	return obj_peek_time(c, ref, 1);
}

/* dir's object path, the name of its index (dirindex.h). */
static int dir_path(const struct obj_ref *dir, struct buf *path)
{
	struct obj_ref d = *dir;

	d.attr = -1;
	return obj_ref_object_path(&d, path);
}

int obj_list(struct mctx *c, const struct obj_ref *dir, struct buf *names)
{
	struct buf path = BUF_INIT;
	int rc = dir_path(dir, &path);

	if (!rc)
		rc = dirindex_list(c->st, path.data, names);
	buf_release(&path);
	return rc;
}

int obj_list_add(struct mctx *c, const struct obj_ref *dir, const char *name)
{
	struct buf path = BUF_INIT;
	int rc = dir_path(dir, &path);

	if (!rc)
		rc = dirindex_add(c->st, path.data, name);
	buf_release(&path);
	return rc;
}

int obj_list_del(struct mctx *c, const struct obj_ref *dir, const char *name)
{
	struct buf path = BUF_INIT;
	int rc = dir_path(dir, &path);

	if (!rc)
		rc = dirindex_del(c->st, path.data, name);
	buf_release(&path);
	return rc;
}

struct cascade {
	struct mctx *c;
	const struct obj_ref *dir;
	struct diag *d;
};

static int cascade_one(const char *name, size_t len, void *arg)
{
	struct cascade *cc = arg;
	struct obj_ref child;
	char tmp[OBJ_NAME_MAX + 1];

	if (len > OBJ_NAME_MAX)
		return -EIO;
	memcpy(tmp, name, len);
	tmp[len] = '\0';
	if (kind_child(cc->dir, tmp, &child) != KIND_CHILD_OBJECT) {
		/* file objects: the index holds bare names */
		int nk = kind_named_child(cc->dir->kind);

		if (nk < 0)
			return -EIO;
		child = *cc->dir;
		child.kind = nk;
		child.attr = (kind_table[nk].flags & KD_FILE) ? 0 : -1;
		memcpy(child.names[child.nnames], tmp, len + 1);
		child.nnames++;
	}
	return obj_delete(cc->c, &child, cc->d);
}

int obj_delete(struct mctx *c, const struct obj_ref *ref, struct diag *d)
{
	const struct kind_def *k = &kind_table[ref->kind];
	struct obj_ref self = *ref, parent;
	struct buf key = BUF_INIT, names = BUF_INIT;
	int rc = 0, i;

	self.attr = (k->flags & KD_FILE) ? 0 : -1;
	if (k->in_use) {
		rc = k->in_use(c, &self, d);
		if (rc)
			return rc;
	}
	/* the stored objects in each fixed subdirectory, depth first */
	for (i = 1; i < KIND_COUNT && !rc; i++) {
		struct obj_ref sub = self;
		int nk;

		if (!kind_table[i].name || kind_table[i].parent != ref->kind ||
		    (kind_table[i].flags & KD_NAMED))
			continue;
		nk = kind_named_child(i);
		if (nk < 0 || !(kind_table[nk].flags & KD_STORED))
			continue;
		sub.kind = i;
		sub.attr = -1;
		buf_reset(&names);
		rc = obj_list(c, &sub, &names);
		if (!rc) {
			struct cascade cc = { c, &sub, d };

			rc = inidoc_lines_each(names.data, cascade_one, &cc);
		}
	}
	if (!rc && k->destroy)
		rc = k->destroy(c, &self, d);
	if (!rc)
		rc = obj_key(&self, &key);
	if (!rc)
		rc = store_del(c->st, key.data);
	if (!rc)
		rc = obj_ref_parent(&self, &parent);
	if (!rc)
		rc = obj_list_del(c, &parent, self.names[self.nnames - 1]);
	if (!rc)
		rc = obj_tree_touch(c, &self);
	buf_release(&key);
	buf_release(&names);
	return rc;
}

/* Move the value of key prefix+src to prefix+dst (missing: nothing). */
static int move_key(struct mctx *c, const char *prefix,
		    const struct obj_ref *src, const struct obj_ref *dst)
{
	struct buf from = BUF_INIT, to = BUF_INIT, val = BUF_INIT;
	int rc = key_for(prefix, src, &from);

	if (!rc)
		rc = key_for(prefix, dst, &to);
	if (!rc)
		rc = store_get(c->st, from.data, &val);
	if (!rc)
		rc = store_put(c->st, to.data, val.data, val.len);
	if (!rc)
		rc = store_del(c->st, from.data);
	if (rc == -ENOENT)
		rc = 0;
	buf_release(&from);
	buf_release(&to);
	buf_release(&val);
	return rc;
}

struct move_arg {
	struct mctx *c;
	const struct obj_ref *src, *dst;	/* the fixed directories */
	int nk;
};

static int move_tree(struct mctx *c, const struct obj_ref *src,
		     const struct obj_ref *dst);

static int move_one(const char *name, size_t len, void *arg)
{
	struct move_arg *ma = arg;
	struct obj_ref from = *ma->src, to = *ma->dst;

	if (len > OBJ_NAME_MAX)
		return -EIO;
	from.kind = to.kind = ma->nk;
	from.attr = to.attr = (kind_table[ma->nk].flags & KD_FILE) ? 0 : -1;
	memcpy(from.names[from.nnames], name, len);
	from.names[from.nnames++][len] = '\0';
	memcpy(to.names[to.nnames], name, len);
	to.names[to.nnames++][len] = '\0';
	return move_tree(ma->c, &from, &to);
}

/* The record of src, and everything stored in its fixed subdirectories,
 * under dst's path. */
static int move_index(const struct obj_ref *src, const struct obj_ref *dst,
		      struct buf *spath, struct buf *dpath)
{
	int rc;

	buf_reset(spath);
	buf_reset(dpath);
	rc = dir_path(src, spath);
	return rc ? rc : dir_path(dst, dpath);
}

static int move_tree(struct mctx *c, const struct obj_ref *src,
		     const struct obj_ref *dst)
{
	struct buf names = BUF_INIT, spath = BUF_INIT, dpath = BUF_INIT;
	int rc = move_key(c, "o:", src, dst), i;

	for (i = 1; i < KIND_COUNT && !rc; i++) {
		struct obj_ref ssub = *src, dsub = *dst;
		struct move_arg ma = { c, &ssub, &dsub, 0 };

		if (!kind_table[i].name || kind_table[i].parent != src->kind ||
		    (kind_table[i].flags & KD_NAMED))
			continue;
		ssub.kind = dsub.kind = i;
		ssub.attr = dsub.attr = -1;
		rc = move_key(c, "o:", &ssub, &dsub);
		ma.nk = kind_named_child(i);
		if (rc || ma.nk < 0 || !(kind_table[ma.nk].flags & KD_STORED))
			continue;
		buf_reset(&names);
		rc = obj_list(c, &ssub, &names);
		if (!rc)
			rc = inidoc_lines_each(names.data, move_one, &ma);
		if (!rc)
			rc = move_index(&ssub, &dsub, &spath, &dpath);
		if (!rc)
			rc = dirindex_move(c->st, spath.data, dpath.data);
	}
	buf_release(&names);
	buf_release(&spath);
	buf_release(&dpath);
	return rc;
}

int obj_rename(struct mctx *c, const struct obj_ref *ref,
	       const struct obj_ref *dst, struct diag *d)
{
	const struct kind_def *k = &kind_table[ref->kind];
	struct obj_ref src = *ref, to = *dst, sdir, ddir;
	struct rec r = REC_INIT;
	int rc;

	if (!(k->flags & KD_RENAME) || dst->kind != ref->kind)
		return -EPERM;
	src.attr = to.attr = (k->flags & KD_FILE) ? 0 : -1;
	rc = move_tree(c, &src, &to);
	if (!rc)
		rc = obj_ref_parent(&src, &sdir);
	if (!rc)
		rc = obj_ref_parent(&to, &ddir);
	if (!rc)
		rc = obj_list_del(c, &sdir, src.names[src.nnames - 1]);
	if (!rc)
		rc = obj_list_add(c, &ddir, to.names[to.nnames - 1]);
	/* a rename is a change of the object: stamp it */
	if (!rc)
		rc = obj_load(c, &to, &r);
	if (!rc)
		rc = obj_save(c, &to, &r);
	rec_release(&r);
	if (!rc && k->moved)
		rc = k->moved(c, &src, &to, d);
	return rc;
}

int attr_ini_load(struct mctx *c, const struct obj_ref *ref,
		  const struct kind_attr *a, struct inidoc *doc)
{
	struct rec r = REC_INIT;
	struct diag d;
	const char *text;
	size_t len;
	int rc;

	rc = obj_load(c, ref, &r);
	if (rc)
		return rc;
	text = rec_get(&r, a->name, &len);
	if (text)
		rc = inidoc_parse(a->schema, text, len, NULL, doc, &d);
	else
		rc = inidoc_defaults(a->schema, doc);
	if (rc == -EINVAL)
		rc = -EIO;	/* stored text is always canonical */
	rec_release(&r);
	return rc;
}

int attr_ini_show(struct mctx *c, const struct obj_ref *ref, struct buf *out)
{
	const struct kind_attr *a = obj_ref_attr(ref);
	struct inidoc doc;
	struct rec r = REC_INIT;
	const char *text;
	size_t len;
	int rc;

	rc = obj_load(c, ref, &r);
	if (rc)
		return rc;
	text = rec_get(&r, a->name, &len);
	if (text) {
		rc = buf_add(out, text, len);
	} else {
		rc = inidoc_defaults(a->schema, &doc);
		if (!rc)
			rc = inidoc_render(&doc, out);
		if (!rc)
			inidoc_release(&doc);
	}
	rec_release(&r);
	return rc;
}

int attr_text_fits(const struct mctx *c, size_t len, struct diag *d)
{
	if (len <= c->cfg->ini_max_bytes)
		return 0;
	diag_set(d, 0, 0,
		 "in canonical form it would be %zu bytes, more than the %zu "
		 "a settings file may hold",
		 len, c->cfg->ini_max_bytes);
	return -EFBIG;
}

/* Store canonical text as ref's attribute if it differs: 0 or 1 (same),
 * -EFBIG with *d when it is over the cap. */
static int attr_store_text(struct mctx *c, const struct obj_ref *ref,
			   const char *name, const char *text, size_t len,
			   struct diag *d)
{
	struct rec r = REC_INIT;
	const char *old;
	size_t olen;
	int rc;

	rc = obj_load(c, ref, &r);
	if (rc)
		goto out;
	old = rec_get(&r, name, &olen);
	if (old && olen == len && !memcmp(old, text, len)) {
		rc = 1;
		goto out;
	}
	rc = attr_text_fits(c, len, d);
	if (!rc)
		rc = rec_set(&r, name, text, len);
	if (!rc)
		rc = obj_save(c, ref, &r);
out:
	rec_release(&r);
	return rc;
}

int attr_ini_commit(struct mctx *c, const struct obj_ref *ref,
		    const char *data, size_t len, ini_validate_fn validate,
		    struct diag *d)
{
	const struct kind_attr *a = obj_ref_attr(ref);
	struct inidoc old, doc;
	struct buf text = BUF_INIT;
	int rc;

	rc = attr_ini_load(c, ref, a, &old);
	if (rc)
		return rc;
	rc = inidoc_parse(a->schema, data, len, &old, &doc, d);
	if (rc)
		goto out_old;
	if (validate)
		rc = validate(c, ref, &old, &doc, d);
	if (!rc)
		rc = inidoc_render(&doc, &text);
	if (!rc)
		rc = attr_store_text(c, ref, a->name, text.data, text.len, d);
	inidoc_release(&doc);
	buf_release(&text);
out_old:
	inidoc_release(&old);
	return rc;
}

int attr_lines_show(struct mctx *c, const struct obj_ref *ref,
		    struct buf *out)
{
	const struct kind_attr *a = obj_ref_attr(ref);
	struct rec r = REC_INIT;
	const char *text;
	size_t len;
	int rc;

	rc = obj_load(c, ref, &r);
	if (rc)
		return rc;
	text = rec_get(&r, a->name, &len);
	rc = text ? buf_add(out, text, len) : buf_add(out, "", 0);
	rec_release(&r);
	return rc;
}

int attr_lines_commit(struct mctx *c, const struct obj_ref *ref,
		      const char *data, size_t len, lines_check_fn check,
		      struct diag *d)
{
	const struct kind_attr *a = obj_ref_attr(ref);
	struct buf canon = BUF_INIT;
	int rc;

	rc = inidoc_lines_parse(data, len, check, c, &canon, d);
	if (!rc)
		rc = attr_store_text(c, ref, a->name,
				     canon.data ? canon.data : "", canon.len,
				     d);
	buf_release(&canon);
	return rc;
}
