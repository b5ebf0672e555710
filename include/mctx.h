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

/* --- audit log (audit.c) --- */
/* Append "TIME\tLOGIN\tACTION\tPATH\tRESULT\tDETAIL" inside the current
 * transaction (a change).  Controls and line breaks in fields become
 * spaces. */
int audit_append(struct mctx *c, const char *action, const char *path,
		 const char *result, const char *detail);
/* Record a refused attempt (result "denied" or "rejected") in a
 * transaction of its own; denied ones within the bounds of c->flood: the
 * line may only be counted, to be summarised later. */
int audit_refused(struct mctx *c, const char *action, const char *path,
		  const char *result, const char *detail);
/* The per-model bookkeeping of denied attempts. */
struct audit_flood;
int audit_flood_new(struct audit_flood **out);
void audit_flood_free(struct audit_flood *f);
/* Write the summaries whose window has closed (cheap when none is due). */
void audit_tick(struct mctx *c);
/* Write every summary not yet written (at unmount). */
void audit_flush(struct mctx *c);
extern const struct kind_stream_ops audit_stream_ops;
extern const struct kind_stream_ops audit_archive_stream_ops;
/* The time of the last line of the live log and of the archive (0: not
 * known, or no archive). */
time_t audit_mtime(struct mctx *c, const struct obj_ref *ref);
time_t audit_archive_mtime(struct mctx *c, const struct obj_ref *ref);
/* /admin/backup (backup.c) */
extern const struct kind_stream_ops backup_stream_ops;

/* --- scratch files (scratch.c): per caller, in memory --- */
struct scratch;
struct scratch_set;
struct quota;
/* q (borrowed) counts what each caller's files hold. */
int scratch_set_new(struct quota *q, struct scratch_set **out);
void scratch_set_free(struct scratch_set *s);
/* The caller's file name in directory dir (a path), or NULL. */
struct scratch *scratch_find(struct scratch_set *s, uid_t uid,
			     const char *dir, const char *name);
/* A new empty file, holding one reference for the set: -ENOSPC past the
 * caller's quota. */
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
/* Drop all callers' files in (and below) directory path. */
void scratch_drop(struct scratch_set *s, const char *path);
/* Call fn for each of uid's files in dir. */
int scratch_each(struct scratch_set *s, uid_t uid, const char *dir,
		 int (*fn)(const char *name, void *arg), void *arg);

/* --- per-caller errors (model.c) --- */
int model_errors_show(struct mctx *c, const struct obj_ref *ref,
		      struct buf *out);
/* Add "TIME PATH[:LINE]: message" to uid's /errors (d's line, column
 * and message). */
int model_error_add(struct mctx *c, uid_t uid, const char *path,
		    const struct diag *d);

/* --- reporting activity (activity.c) --- */
struct activity;
struct activity *model_activity(struct model *m);
int activity_file_show(struct mctx *c, const struct obj_ref *ref,
		       struct buf *out);
/* Run the cancel commands: -EINVAL with *d (nothing cancelled) when one
 * names no computation. */
int activity_file_store(struct mctx *c, const struct obj_ref *ref,
			const char *data, size_t len, struct diag *d);
/* One line: cancel ID, cancel user:LOGIN or cancel path:PATH. */
int activity_check_cmd(const char *entry, size_t len, void *arg,
		       struct diag *d);

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
int profile_ini_why(struct mctx *c, const struct obj_ref *ref,
		    struct buf *out);
int profile_members_store(struct mctx *c, const struct obj_ref *ref,
			  const char *data, size_t len, struct diag *d);
int profile_admins_store(struct mctx *c, const struct obj_ref *ref,
			 const char *data, size_t len, struct diag *d);
int platform_ini_store(struct mctx *c, const struct obj_ref *ref,
		       const char *data, size_t len, struct diag *d);
int platform_members_store(struct mctx *c, const struct obj_ref *ref,
			   const char *data, size_t len, struct diag *d);
int users_list(struct mctx *c, const struct obj_ref *parent, struct buf *names);
int users_has(struct mctx *c, const struct obj_ref *ref);
int user_show(struct mctx *c, const struct obj_ref *ref, struct buf *out);
/* Entry checks for line-lists. */
int admin_check_login(const char *entry, size_t len, void *arg,
		      struct diag *d);
int admin_check_member(const char *entry, size_t len, void *arg,
		       struct diag *d);
int admin_check_sandbox(const char *entry, size_t len, void *arg,
			struct diag *d);
/* Write-time judgement of one key (kind_attr.check_key). */
int profile_ini_check_key(struct mctx *c, const struct obj_ref *ref,
			  const struct inidoc_field *f, const char *val,
			  const char *line, size_t llen,
			  struct diag *d);
int dataview_ini_check_key(struct mctx *c, const struct obj_ref *ref,
			   const struct inidoc_field *f, const char *val,
			   const char *line, size_t llen,
			   struct diag *d);
int component_ini_check_key(struct mctx *c, const struct obj_ref *ref,
			    const struct inidoc_field *f, const char *val,
			    const char *line, size_t llen,
			    struct diag *d);

/* --- row chunks of a dataset (rows.c) --- */
#define ROWS_CHUNK_MAX (1024 * 1024)	/* bytes of CSV per chunk (compressed) */
#define ROWS_TOPUP_MAX (64 * 1024)	/* a smaller last chunk is topped up */
#define ROWS_LINE_MAX (1024 * 1024)	/* longest CSV line ingested */
#define ROWS_FIELDS_MAX 1024		/* most fields in a row */
#define ROWS_TOTAL_KEY "m:rows"
/* Where a dataset's rows are, kept in its record (rows_meta_get/set). */
struct rows_meta {
	int64_t rows;		/* rows stored */
	uint32_t first;		/* chunks in use are [first, next); gaps allowed */
	uint32_t next;
	int64_t tail;		/* bytes in chunk next-1 (0: none, or do not top up) */
	int64_t bytes;		/* bytes of CSV in all chunks; -1: not stored
				 * (a record from before it was kept) */
};
/* Read (missing fields are 0; -EIO if inconsistent) and write the meta. */
int rows_meta_get(const struct rec *r, struct rows_meta *m);
int rows_meta_set(struct rec *r, const struct rows_meta *m);
/*
 * The functions below take base, the dataset's object path, and run in the
 * caller's transaction.  Append nrows canonical CSV lines data[0..len)
 * (whole rows, as csv_write_row() writes them), updating *m.
 */
int rows_append(struct mctx *c, const char *base, struct rows_meta *m,
		const char *data, size_t len, int64_t nrows);
/* Delete the rows whose field number col is val[0..vlen); *deleted. */
int rows_delete_where(struct mctx *c, const char *base, struct rows_meta *m,
		      size_t col, const char *val, size_t vlen,
		      int64_t *deleted);
/* Replace out with the first chunk numbered *no or later and move *no past
 * it; *eof (out empty) when there is none. */
int rows_next_chunk(struct mctx *c, const char *base,
		    const struct rows_meta *m, uint32_t *no, struct buf *out,
		    int *eof);
/* The bytes of CSV the chunks hold (what reading them all gives):
 * m->bytes, or when it is not known the sum of the chunks' sizes. */
int rows_bytes(struct mctx *c, const char *base, const struct rows_meta *m,
	       uint64_t *bytes);
/* Delete every chunk; *m becomes empty. */
int rows_destroy(struct mctx *c, const char *base, struct rows_meta *m);
/*
 * A snapshot of a dataset's rows: the chunks committed when it was taken
 * (under the model's lock, outside a transaction), read afterwards without
 * any lock, from any one thread at a time.  Commits made meanwhile change
 * nothing it reads: the row files it names stay until it is freed.
 * rows_snap_next() gives the next chunk's CSV text (*eof and out empty at
 * the end; -EIO for a damaged row file).  rows_snap_free() needs no lock.
 */
struct rows_snap;
int rows_snap_take(struct mctx *c, const char *base,
		   const struct rows_meta *m, struct rows_snap **out);
int rows_snap_next(struct rows_snap *s, struct buf *out, int *eof);
void rows_snap_rewind(struct rows_snap *s);
/* Skip the whole chunks that bytes of CSV cover; what is left of bytes
 * falls in the next chunk (0 at the end). */
uint64_t rows_snap_skip(struct rows_snap *s, uint64_t bytes);
uint64_t rows_snap_bytes(const struct rows_snap *s);	/* CSV, all chunks */
/* Append what names the snapshot's rows (its row files' ids: equal texts,
 * equal rows, since a row file never changes and an id is never used
 * twice). */
int rows_snap_ident(const struct rows_snap *s, struct buf *out);
int64_t rows_snap_rows(const struct rows_snap *s);
void rows_snap_free(struct rows_snap *s);
/* Fields of a dataset's record: its rows are in time order, and the
 * last timestamp (dataset.c keeps them, dvquery.c reads them). */
#define DATASET_TS_ORDERED "ts_ordered"
#define DATASET_TS_LAST "ts_last"
/* Move chunks a version 1 store keeps in the TDB file to row files, in
 * transactions of their own; *moved counts them. */
int rows_migrate(struct mctx *c, size_t *moved);
/* The stored row total "m:rows", and a change to it. */
int rows_total(struct mctx *c, int64_t *total);
int rows_total_add(struct mctx *c, int64_t delta);

/* --- connections (connection.c) and datasets (dataset.c) --- */
#define CONN_JO_KEY "m:jo"	/* = POLICY_JO_KEY in policy.c */
extern const struct inidoc_schema connection_schema;
extern const struct inidoc_schema dataset_schema;
extern const struct kind_stream_ops records_stream_ops;
extern const struct kind_append_ops records_append_ops;
int connection_ini_store(struct mctx *c, const struct obj_ref *ref,
			 const char *data, size_t len, struct diag *d);
int connection_status_show(struct mctx *c, const struct obj_ref *ref,
			   struct buf *out);
int connections_usage_show(struct mctx *c, const struct obj_ref *ref,
			   struct buf *out);
int connection_create(struct mctx *c, const struct obj_ref *ref,
		      struct diag *d);
int connection_destroy(struct mctx *c, const struct obj_ref *ref,
		       struct diag *d);
/* The connection's in_use hook: -EBUSY with *d ("in use by data views
 * web, mobile") while a data view names it. */
int connection_in_use(struct mctx *c, const struct obj_ref *ref,
		      struct diag *d);
/* The connection's facts hook: its owner and sandbox, for the policy. */
int connection_facts(struct mctx *c, const struct obj_ref *ref,
		     struct obj_facts *out);
/* Stamp the connection ref is in as changed now, by the caller. */
int connection_touch(struct mctx *c, const struct obj_ref *ref,
		     struct diag *d);
/* -EINVAL with *d when a connection uses a sandbox that the canonical
 * line-list listed (the new /admin/sandboxes) leaves out. */
int connections_check_sandboxes(struct mctx *c, const char *listed,
				struct diag *d);
int dataset_ini_store(struct mctx *c, const struct obj_ref *ref,
		      const char *data, size_t len, struct diag *d);
int dataset_status_show(struct mctx *c, const struct obj_ref *ref,
			struct buf *out);
int dataset_create(struct mctx *c, const struct obj_ref *ref,
		   struct diag *d);
int dataset_destroy(struct mctx *c, const struct obj_ref *ref,
		    struct diag *d);
/* Dataset summary for connection status and usage. */
enum dataset_type {
	DATASET_EVENT,
	DATASET_PROFILE,
	DATASET_LOOKUP,
	DATASET_SUMMARY,
	DATASET_NTYPES
};
extern const char *const dataset_type_names[DATASET_NTYPES + 1];
enum dataset_skip {
	SKIP_MISSING_PERSON_ID,
	SKIP_BAD_TIMESTAMP,
	SKIP_WRONG_FIELD_COUNT,
	SKIP_BAD_CSV,
	SKIP_NREASONS
};
extern const char *const dataset_skip_names[SKIP_NREASONS + 1];
struct dataset_summary {
	enum dataset_type type;
	int64_t rows, ingested, deleted;
	int64_t skipped[SKIP_NREASONS];
	time_t mtime;		/* last change of the dataset or its rows */
	char by[64];		/* and by whom */
};
/* Summarize the dataset ref (any ref inside it: its names are used). */
int dataset_summary(struct mctx *c, const struct obj_ref *ref,
		    struct dataset_summary *out);

/* --- data views (dataview.c, component.c, dvquery.c) --- */
/*
 * Records: "o:/dataviews/V" (mtime, by, dataview.ini), the index of
 * /dataviews (the views), "o:/dataviews/V/components/C.ini" (mtime, by,
 * component: the canonical component file) and the index of
 * /dataviews/V/components (the components' names, without .ini).
 * report/ and rows.csv are computed.
 */
extern const struct inidoc_schema dataview_schema;
extern const struct inidoc_schema component_schema;
extern const struct kind_stream_ops dv_rows_stream_ops;
extern const struct kind_stream_ops dv_report_stream_ops;
/*
 * Bytes of memory the sorts of one rows.csv or report read may use
 * (sessions, people and distinct pairs, the rows that start a session);
 * past it they spill to a scratch file next to the store (dvquery.c).
 * DV_SORT_BUDGET unless a test lowers it, to force the spill path.
 */
#define DV_SORT_BUDGET (16 * 1024 * 1024)
extern size_t dv_sort_budget;
int dataview_ini_store(struct mctx *c, const struct obj_ref *ref,
		       const char *data, size_t len, struct diag *d);
int dataview_create(struct mctx *c, const struct obj_ref *ref,
		    struct diag *d);
/* st_mtime of rows.csv and the reports of the view ref is in: the
 * newest commit to the view, its components and its connection (its
 * settings and its datasets' settings and rows). */
time_t dv_mtime(struct mctx *c, const struct obj_ref *ref);
/* After a rename: the read-only name in dataview.ini follows. */
int dataview_moved(struct mctx *c, const struct obj_ref *from,
		   const struct obj_ref *ref, struct diag *d);
int component_ini_store(struct mctx *c, const struct obj_ref *ref,
			const char *data, size_t len, struct diag *d);
/* report/: the dimension components of the view, one name a line. */
int report_list(struct mctx *c, const struct obj_ref *parent,
		struct buf *names);
int report_has(struct mctx *c, const struct obj_ref *ref);

/* A connection as a data view uses it: its datasets (sorted by name) and
 * the union of their fields. */
struct dv_dataset {
	char name[OBJ_NAME_MAX + 1];
	enum dataset_type type;
	char **field;		/* the CSV columns, in order */
	size_t nfields;
	int pid;		/* index in field of person_id, -1 none */
	int ts;			/* timestamp */
	int key;		/* lookup key */
	char *matching_key;	/* lookup: the event field it matches ("" none) */
};
struct dv_conn {
	char name[OBJ_NAME_MAX + 1];
	int window_months;	/* data_window_months */
	struct dv_dataset *ds;
	size_t nds;
	char **fields;		/* union of the datasets' fields, sorted */
	size_t nfields;
	int complete;		/* has an event or summary dataset */
};
/* Load connection name: -ENOENT when there is none. */
int dv_conn_load(struct mctx *c, const char *name, struct dv_conn *out);
void dv_conn_release(struct dv_conn *conn);
/* Index of field name in conn->fields, or -1: a binary search, here so
 * that every reader of a connection (the plan, the protection rules, the
 * checks) shares it without depending on dataview.c. */
static inline long dv_conn_field(const struct dv_conn *conn,
				 const char *name)
{
	size_t lo = 0, hi = conn->nfields;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int cmp = strcmp(conn->fields[mid], name);

		if (!cmp)
			return (long)mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}
/* Call fn with each stored component of view: its ref and its document,
 * loaded (released after fn); one listed but gone is passed over, and a
 * non-zero return from fn stops the walk and is returned. */
extern const struct kind_attr component_attr;
int dv_each_component(struct mctx *c, const char *view,
		      int (*fn)(const struct obj_ref *ref,
				const struct inidoc *doc, void *arg),
		      void *arg);
/* The view's dataview.ini (defaults if none stored). */
int dv_load_ini(struct mctx *c, const char *view, struct inidoc *doc);
/* Append to views the names of the data views whose connection is conn,
 * sorted, ", " between them (nothing when none does). */
int dv_views_using(struct mctx *c, const char *conn, struct buf *views);
/* The connection a view names: -EINVAL with *d (line of the key, when
 * doc gives one) if it is not set, does not exist or is incomplete. */
int dv_view_conn(struct mctx *c, const struct inidoc *doc,
		 struct dv_conn *out, struct diag *d);
/* The value written on line number line of data[0..len) ("key = VALUE",
 * trimmed as inih trims it) in *val, *vlen, and the 1-based column where
 * it starts (0 if there is no such line): turns a column inside a value
 * into a column of the file. */
int dv_raw_value(const char *data, size_t len, int line, const char **val,
		 size_t *vlen);

/*
 * What a view protects (protect.c): a value a dimension hides or buckets
 * shows through no other component, the filter or a join.  Fields that
 * carry the same values (a lookup's key and matching_key, every person
 * id field) are one class, a column standing for it.
 */
#define DV_PROT_HIDDEN 1	/* a dimension's rules hide values */
#define DV_PROT_BUCKETED 2	/* a dimension buckets it */
#define DV_PROT_DISPUTED 4	/* bucketed unlike: nothing of it shows */
#define DV_GUARD_SUM 1
#define DV_GUARD_DISTINCT 2
struct dv_guard_comp {
	char name[OBJ_NAME_MAX + 1];
	char field[OBJ_NAME_MAX + 1];
	int metric;
	int raw;		/* metric: DV_GUARD_SUM, _DISTINCT or 0 */
	int col;		/* view column (day: nfields), -1: none */
	char *prot;		/* dimension: its buckets ("": none) */
	int bucketed, hides;	/* it has buckets, include/exclude rules */
};
struct dv_guard {
	const struct dv_conn *conn;	/* borrowed */
	size_t ncols;		/* conn->nfields + 1: `day` is the last */
	int *cls;		/* union-find over columns */
	int *by;		/* per class: first bucketing component, -1 */
	unsigned char *state;	/* per class: DV_PROT_* */
	struct dv_guard_comp *comp;	/* in the order added */
	size_t ncomp;
	int *fcol;		/* the columns the filter names */
	size_t nfcol;
};
int dv_guard_init(struct dv_guard *g, const struct dv_conn *conn);
void dv_guard_release(struct dv_guard *g);
/* Add component name (its stored or proposed document). */
int dv_guard_add(struct dv_guard *g, const char *name,
		 const struct inidoc *doc);
/* Add the components stored under view, but the one named skip. */
int dv_guard_load(struct mctx *c, const char *view, const char *skip,
		  struct dv_guard *g);
struct filter;
/* The fields filter f names (bound or not). */
int dv_guard_filter(struct dv_guard *g, const struct filter *f);
/* After the last add: each class's state and protecting component. */
void dv_guard_settle(struct dv_guard *g);
/* The column standing for col's class, -1 for none. */
int dv_guard_class(const struct dv_guard *g, int col);
/* DV_PROT_* of column col's class; *by (may be NULL) its first bucketing
 * component, -1 none. */
int dv_guard_col_state(const struct dv_guard *g, int col, int *by);
/* 1 if component i breaks the rule and must read as empty. */
int dv_guard_blocked(const struct dv_guard *g, size_t i);
/* 1 if the filter names a bucketed or disputed class: it passes no row. */
int dv_guard_filter_blocked(const struct dv_guard *g);
/*
 * 1 and *d (message only; d->line kept) if the settled guard breaks the
 * rule in a way that involves component name (NULL: any); pairs: judge
 * components against each other, filter: the filter against them.
 */
int dv_guard_check(const struct dv_guard *g, const char *name, int pairs,
		   int filter, struct diag *d);

#endif
