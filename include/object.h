/*
 * object.h - objects as store records (object.c): load, save, delete and
 * rename an object with what hangs below it, the names in a collection
 * directory, and the generic commit of .ini and line-list attributes.
 * Everything runs under the model's lock; the changes inside the
 * caller's transaction.  Keys are described in mctx.h.
 */
#ifndef CJAFS_OBJECT_H
#define CJAFS_OBJECT_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "inidoc.h"
#include "kind.h"
#include "rec.h"

struct mctx;

/* --- objects (object.c) --- */
/* "o:" + object path of ref. */
int obj_key(const struct obj_ref *ref, struct buf *key);
/* Load the record of ref's object; -ENOENT if it does not exist.  Fixed
 * directories have a record only once something was stored in them: a
 * missing one loads as empty. */
int obj_load(struct mctx *c, const struct obj_ref *ref, struct rec *r);
/* 1 if every named object on ref's path exists, 0 if not. */
int obj_exists(struct mctx *c, const struct obj_ref *ref);
/* Store r as ref's object record, stamping mtime = now and by = login,
 * and "tree" = now in its KD_TREE ancestors' records. */
int obj_save(struct mctx *c, const struct obj_ref *ref, struct rec *r);
/* The names in collection directory dir ("" when none), one per line,
 * sorted. */
int obj_list(struct mctx *c, const struct obj_ref *dir, struct buf *names);
/* Add or remove name in dir's index. */
int obj_list_add(struct mctx *c, const struct obj_ref *dir, const char *name);
int obj_list_del(struct mctx *c, const struct obj_ref *dir, const char *name);
/* Delete ref's object record, its index entry, and (through the kind's
 * destroy hook) everything below it; stamp its KD_TREE ancestors as
 * obj_save() does.  Inside the caller's transaction.  -EBUSY with *d,
 * nothing changed, when the kind's in_use hook refuses. */
int obj_delete(struct mctx *c, const struct obj_ref *ref, struct diag *d);
/* Move ref's object to dst (same kind, dst does not exist) with what hangs
 * below it (the records and indexes of its fixed subdirectories' stored
 * objects, recursively) and its index entry; stamp it changed and run the
 * kind's moved hook.  Inside the caller's transaction.  Only for KD_RENAME
 * kinds, whose objects own no other keys. */
int obj_rename(struct mctx *c, const struct obj_ref *ref,
	       const struct obj_ref *dst, struct diag *d);
/* The mtime of ref's object (0 if none). */
time_t obj_mtime(struct mctx *c, const struct obj_ref *ref);
/* For a KD_TREE object (or a file in it): the newest of its mtime and of
 * the commits to anything below it (0 if none). */
time_t obj_tree_mtime(struct mctx *c, const struct obj_ref *ref);

/* --- generic attribute commits (object.c) --- */
typedef int (*ini_validate_fn)(struct mctx *c, const struct obj_ref *ref,
			       const struct inidoc *old, struct inidoc *doc,
			       struct diag *d);
typedef int (*lines_check_fn)(const char *entry, size_t len, void *arg,
			      struct diag *d);
/* Show the stored canonical text of an .ini attribute (defaults if none). */
int attr_ini_show(struct mctx *c, const struct obj_ref *ref, struct buf *out);
/* Parse, validate (validate may be NULL), and store if changed: 0, 1 for
 * unchanged, -EINVAL/-EACCES with *d, or -EFBIG with *d when the
 * canonical text to store is over [limits] ini_max_bytes (both kinds of
 * commit: the cap holds for what is stored). */
int attr_ini_commit(struct mctx *c, const struct obj_ref *ref,
		    const char *data, size_t len, ini_validate_fn validate,
		    struct diag *d);
int attr_lines_show(struct mctx *c, const struct obj_ref *ref,
		    struct buf *out);
int attr_lines_commit(struct mctx *c, const struct obj_ref *ref,
		      const char *data, size_t len, lines_check_fn check,
		      struct diag *d);
/* 0 when len bytes of canonical text fit [limits] ini_max_bytes, else
 * -EFBIG with *d ("... more than the N a settings file may hold"). */
int attr_text_fits(const struct mctx *c, size_t len, struct diag *d);
/* Load ref's attribute's stored document (defaults if none). */
int attr_ini_load(struct mctx *c, const struct obj_ref *ref,
		  const struct kind_attr *a, struct inidoc *doc);

#endif
