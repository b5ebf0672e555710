/*
 * mctx.h - what the model's modules share: the per-operation context and
 * the helpers for object records, collection indexes, the audit log and
 * the generic commit of .ini and line-list attributes.
 *
 * Store keys (all under the model's lock):
 *   "v"                 the store version (store.c)
 *   "o:PATH"            the record of the object at PATH ("o:/admin",
 *                       "o:/admin/profiles/p1", "o:/connections/c1"):
 *                       mtime, by, and one field per stored attribute
 *                       holding its canonical text
 *   "l:PATH"            the sorted names of the objects in the collection
 *                       directory PATH, one per line ("l:/admin/profiles")
 *   "a:N", "a:head"     audit log chunks and their head (audit.c)
 *
 * Keys starting with "o:/admin" are watched: a commit that touches one
 * makes the policy rebuild its snapshot.
 */
#ifndef CJAFS_MCTX_H
#define CJAFS_MCTX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"
#include "inidoc.h"
#include "kind.h"
#include "policy.h"
#include "rec.h"

struct model;
struct store;
struct config;

#define MCTX_WATCH_PREFIX "o:/admin"

struct mctx {
	struct model *m;
	struct store *st;
	struct policy *pol;
	const struct config *cfg;
	const struct caller *who;
	time_t now;
};

/* Login for audit lines and "by" fields ("uid:N" for unmapped callers). */
const char *mctx_login(const struct mctx *c, char tmp[32]);

/* --- objects (object.c) --- */
/* "o:" + object path of ref. */
int obj_key(const struct obj_ref *ref, struct buf *key);
/* Load the record of ref's object; -ENOENT if it does not exist.  Fixed
 * directories have a record only once something was stored in them: a
 * missing one loads as empty. */
int obj_load(struct mctx *c, const struct obj_ref *ref, struct rec *r);
/* 1 if every named object on ref's path exists, 0 if not. */
int obj_exists(struct mctx *c, const struct obj_ref *ref);
/* Store r as ref's object record, stamping mtime = now and by = login. */
int obj_save(struct mctx *c, const struct obj_ref *ref, struct rec *r);
/* The names in collection directory dir ("" when none), one per line. */
int obj_list(struct mctx *c, const struct obj_ref *dir, struct buf *names);
/* Add or remove name in dir's index. */
int obj_list_add(struct mctx *c, const struct obj_ref *dir, const char *name);
int obj_list_del(struct mctx *c, const struct obj_ref *dir, const char *name);
/* Delete ref's object record, its index entry, and (through the kind's
 * destroy hook) everything below it.  Inside the caller's transaction. */
int obj_delete(struct mctx *c, const struct obj_ref *ref, struct diag *d);
/* The mtime of ref's object (0 if none). */
time_t obj_mtime(struct mctx *c, const struct obj_ref *ref);

/* --- generic attribute commits (object.c) --- */
typedef int (*ini_validate_fn)(struct mctx *c, const struct obj_ref *ref,
			       const struct inidoc *old, struct inidoc *doc,
			       struct diag *d);
typedef int (*lines_check_fn)(const char *entry, size_t len, void *arg,
			      struct diag *d);
/* Show the stored canonical text of an .ini attribute (defaults if none). */
int attr_ini_show(struct mctx *c, const struct obj_ref *ref, struct buf *out);
/* Parse, validate (validate may be NULL), and store if changed: 0, 1 for
 * unchanged, -EINVAL/-EACCES with *d. */
int attr_ini_commit(struct mctx *c, const struct obj_ref *ref,
		    const char *data, size_t len, ini_validate_fn validate,
		    struct diag *d);
int attr_lines_show(struct mctx *c, const struct obj_ref *ref,
		    struct buf *out);
int attr_lines_commit(struct mctx *c, const struct obj_ref *ref,
		      const char *data, size_t len, lines_check_fn check,
		      struct diag *d);
/* Load ref's attribute's stored document (defaults if none). */
int attr_ini_load(struct mctx *c, const struct obj_ref *ref,
		  const struct kind_attr *a, struct inidoc *doc);

/* --- audit log (audit.c) --- */
/* Append "TIME\tLOGIN\tACTION\tPATH\tRESULT\tDETAIL" inside the current
 * transaction.  Tabs and newlines in fields become spaces. */
int audit_append(struct mctx *c, const char *action, const char *path,
		 const char *result, const char *detail);
extern const struct kind_stream_ops audit_stream_ops;

/* --- scratch files (scratch.c): per caller, in memory --- */
struct scratch;
struct scratch_set;
int scratch_set_new(struct scratch_set **out);
void scratch_set_free(struct scratch_set *s);
/* The caller's file name in directory dir (a path), or NULL. */
struct scratch *scratch_find(struct scratch_set *s, uid_t uid,
			     const char *dir, const char *name);
/* A new empty file, holding one reference for the set: -ENOSPC past the
 * per-caller cap. */
int scratch_create(struct scratch_set *s, uid_t uid, const char *dir,
		   const char *name, time_t now, struct scratch **out);
void scratch_get(struct scratch *f);
void scratch_put(struct scratch *f);
/* Remove from the set (open references keep the data alive). */
void scratch_unlink(struct scratch_set *s, struct scratch *f);
/* Move f to dir/name, replacing the caller's file there. */
int scratch_rename(struct scratch_set *s, struct scratch *f, const char *dir,
		   const char *name);
int scratch_write(struct scratch_set *s, struct scratch *f, uint64_t off,
		  const char *data, size_t len, time_t now);
int scratch_truncate(struct scratch_set *s, struct scratch *f, uint64_t size,
		     time_t now);
const struct buf *scratch_data(const struct scratch *f);
time_t scratch_mtime(const struct scratch *f);
/* Call fn for each of uid's files in dir. */
int scratch_each(struct scratch_set *s, uid_t uid, const char *dir,
		 int (*fn)(const char *name, void *arg), void *arg);

/* --- per-caller errors (model.c) --- */
int model_errors_show(struct mctx *c, const struct obj_ref *ref,
		      struct buf *out);

/* --- the hooks the kind table names --- */
/* root.c */
int root_readme_show(struct mctx *c, const struct obj_ref *ref, struct buf *out);
int root_whoami_show(struct mctx *c, const struct obj_ref *ref, struct buf *out);
int caller_describe(struct mctx *c, const struct caller *who, struct buf *out);
/* admin.c */
extern const struct inidoc_schema profile_schema;
extern const struct inidoc_schema platform_schema;
int admin_product_admins_store(struct mctx *c, const struct obj_ref *ref,
			       const char *data, size_t len, struct diag *d);
int admin_sandboxes_store(struct mctx *c, const struct obj_ref *ref,
			  const char *data, size_t len, struct diag *d);
int profile_ini_store(struct mctx *c, const struct obj_ref *ref,
		      const char *data, size_t len, struct diag *d);
int profile_members_store(struct mctx *c, const struct obj_ref *ref,
			  const char *data, size_t len, struct diag *d);
int profile_admins_store(struct mctx *c, const struct obj_ref *ref,
			 const char *data, size_t len, struct diag *d);
int platform_ini_store(struct mctx *c, const struct obj_ref *ref,
		       const char *data, size_t len, struct diag *d);
int platform_members_store(struct mctx *c, const struct obj_ref *ref,
			   const char *data, size_t len, struct diag *d);
int users_list(struct mctx *c, const struct obj_ref *parent, struct buf *names);
int user_show(struct mctx *c, const struct obj_ref *ref, struct buf *out);
/* Entry checks for line-lists. */
int admin_check_login(const char *entry, size_t len, void *arg,
		      struct diag *d);

#endif
