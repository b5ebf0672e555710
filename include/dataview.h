/*
 * dataview.h - data views (dataview.c), their components (component.c)
 * and the rows and reports computed from them (dvquery.c): the settings,
 * the kinds' hooks, and a connection as a view reads it.
 */
#ifndef CJAFS_DATAVIEW_H
#define CJAFS_DATAVIEW_H

#include <stddef.h>
#include <string.h>

#include "buf.h"
#include "dataset.h"
#include "inidoc.h"
#include "kind.h"
#include "object.h"

struct mctx;

int dataview_ini_check_key(struct mctx *c, const struct obj_ref *ref,
			   const struct inidoc_field *f, const char *val,
			   const char *line, size_t llen,
			   struct diag *d);
int component_ini_check_key(struct mctx *c, const struct obj_ref *ref,
			    const struct inidoc_field *f, const char *val,
			    const char *line, size_t llen,
			    struct diag *d);

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
/* attr_ini_commit(), and when validate gave a column inside a value
 * (d->column < 0: -column in the value), that column in its line. */
int dv_ini_commit(struct mctx *c, const struct obj_ref *ref,
		  const char *data, size_t len, ini_validate_fn validate,
		  struct diag *d);

#endif
