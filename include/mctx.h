/*
 * mctx.h - what the model's modules share: the per-operation context, the
 * caller's /errors, and the layout of the store's keys.  Each domain has
 * a header of its own (object.h, audit.h, admin.h, connection.h,
 * dataset.h, rows.h, dataview.h, protect.h, workspace.h...).
 *
 * Store keys (all under the model's lock):
 *   "v"                 the store version (store.c)
 *   "o:PATH"            the record of the object at PATH ("o:/admin",
 *                       "o:/admin/profiles/p1", "o:/connections/c1"):
 *                       mtime, by, and one field per stored attribute
 *                       holding its canonical text; KD_TREE kinds also
 *                       "tree", the newest commit below them
 *                       ("o:/connections" holds only that)
 *   "d:PATH", "d:PATH:N", "n:PATH/NAME"
 *                       the names of the objects in the collection
 *                       directory PATH ("/admin/profiles"): their count,
 *                       chunks of at most DIRINDEX_CHUNK names, and each
 *                       name's slot (dirindex.h)
 *   "a:N", "a:head"     audit log chunks and their head (audit.c)
 *   "r:PATH:N"          row chunk N (8 hex digits) of the dataset at PATH:
 *                       the row file holding its canonical CSV rows,
 *                       zstd-compressed, and their sizes (rows.c)
 *   "f:ID", "f:next"    a row file's record and the next id (rowfile.c)
 *   "u:PATH"            the paths of the Workspace objects that name the
 *                       object at PATH (its used_by), a line-list
 *                       (workspace.c)
 *   "m:rows", "m:jo"    the stored row total (for [limits] rows) and the
 *                       number of journey_optimizer connections (read by
 *                       the policy), decimal text (rows.c, connection.c)
 *   "m:ws:LOGIN", "m:ws" the Workspace objects LOGIN owns (for [limits]
 *                       workspace_objects), decimal text, and "1" once
 *                       the store keeps these counts (workspace.c)
 *
 * Keys starting with "o:/admin" are watched: a commit that touches one
 * makes the policy rebuild its snapshot.
 */
#ifndef CJAFS_MCTX_H
#define CJAFS_MCTX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
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
	struct audit_flood *flood;	/* bounds on denied lines, or NULL */
	/* the computation this read produces (activity.h: job_poll() per
	 * chunk of rows), NULL outside one */
	struct job *job;
	/* set by a store hook that wrote the audit lines of its commit
	 * itself (Workspace objects: change, approve, transfer, share):
	 * the model then adds none */
	int audited;
};

/* Login for audit lines and "by" fields ("uid:N" for unmapped callers). */
const char *mctx_login(const struct mctx *c, char tmp[32]);

/* --- per-caller errors (model.c) --- */
int model_errors_show(struct mctx *c, const struct obj_ref *ref,
		      struct buf *out);
/* Add "TIME PATH[:LINE]: message" to uid's /errors (d's line, column
 * and message). */
int model_error_add(struct mctx *c, uid_t uid, const char *path,
		    const struct diag *d);

/* The model's computations (activity.h). */
struct activity;
struct activity *model_activity(struct model *m);

#endif
