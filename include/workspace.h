/*
 * workspace.h - Workspace components (SPEC §7): segments, calculated
 * metrics, date ranges, annotations, audiences and projects under
 * /workspace, each an object owned by its creator and private until
 * shared; and the projects' links under /links.
 *
 * The kind table (kind.c) has a collection and an object kind for each;
 * these are the hooks its rows name.  Every object's record
 * ("o:/workspace/KIND/NAME") holds its .ini (the common keys, then the
 * kind's own) and its shares (a canonical line-list); "u:PATH" holds the
 * paths of the objects that name it (its used_by).  Everything here runs
 * under the model's lock, inside the caller's transaction where it
 * changes something.
 */
#ifndef CJAFS_WORKSPACE_H
#define CJAFS_WORKSPACE_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "inidoc.h"
#include "kind.h"

struct mctx;

extern const struct inidoc_schema ws_segment_schema;
extern const struct inidoc_schema ws_metric_schema;
extern const struct inidoc_schema ws_daterange_schema;
extern const struct inidoc_schema ws_annotation_schema;
extern const struct inidoc_schema ws_audience_schema;
extern const struct inidoc_schema ws_project_schema;
extern const struct inidoc_schema ws_panel_schema;
/* An audience's people.csv (wspeople.c). */
extern const struct kind_stream_ops ws_people_stream_ops;

/* KIND.ini: parse, validate (owner transfer, dataview, the kind's keys
 * and the objects it names), stamp modified, keep the referenced
 * objects' used_by, and audit change / approve / transfer. */
int ws_ini_store(struct mctx *c, const struct obj_ref *ref, const char *data,
		 size_t len, struct diag *d);
/* Write-time judgement of one key (kind_attr.check_key). */
int ws_ini_check_key(struct mctx *c, const struct obj_ref *ref,
		     const struct inidoc_field *f, const char *val,
		     const char *line, size_t llen, struct diag *d);
/* A shares list holds at most WS_SHARES_MAX principals, written on lines
 * of at most WS_SHARES_LINE_MAX bytes. */
#define WS_SHARES_MAX 256
#define WS_SHARES_LINE_MAX 512

/* shares: user:LOGIN, group:NAME, all; audited "share".  Who may write
 * it at all is the policy's (ACT_WS_SHARE); what a write adds is judged
 * here: all (product admins, at write(2)), a group (one the writer is
 * in, unless already listed). */
int ws_shares_store(struct mctx *c, const struct obj_ref *ref,
		    const char *data, size_t len, struct diag *d);
/* user.cjafs.why of shares, when the write is allowed: what it may add
 * (kind_attr.why), the part of the answer that depends on the text. */
int ws_shares_why(struct mctx *c, const struct obj_ref *ref,
		  struct buf *out);
/* One shares entry (arg: the struct mctx): -EINVAL for a malformed one
 * or one naming a login or group the configuration does not map (its
 * column in d), -EACCES for all written by a caller who is not a product
 * admin. */
int ws_check_share(const char *entry, size_t len, void *arg, struct diag *d);
/* A project's shares: ws_check_share's principals, each optionally
 * followed by a role, "edit" or "view" (the default). */
int ws_check_role_share(const char *entry, size_t len, void *arg,
			struct diag *d);
/* project.ini as this caller sees it: [link] token is the owner's and
 * product admins', empty for everyone else. */
int ws_project_ini_show(struct mctx *c, const struct obj_ref *ref,
			struct buf *out);
/* components: "KIND NAME" lines of what this caller may use in the
 * project (with [curation] enabled, a recipient's are the curated ones). */
int ws_project_components_show(struct mctx *c, const struct obj_ref *ref,
			       struct buf *out);

/* /links: a live token (its link enabled, not expired) names its
 * project through the index "l:TOKEN" (kept in the transaction of every
 * change of the link); list gives nothing. */
#define WS_TOKEN_HEX 32
int ws_link_list(struct mctx *c, const struct obj_ref *parent,
		 struct buf *names);
int ws_link_has(struct mctx *c, const struct obj_ref *ref);
int ws_link_facts(struct mctx *c, const struct obj_ref *ref,
		  struct obj_facts *out);
/* The live link token names: 0 with its project's .ini ref and the
 * project's owner appended to owner, or -ENOENT. */
int ws_link_project(struct mctx *c, const char *token, struct obj_ref *proj,
		    struct buf *owner);

/*
 * Panels (SPEC §7): panels/P.ini in a project (KIND_WS_PANEL, a stored
 * file object made by writing it) and panels/P.csv, the table it
 * defines (KIND_WS_PANEL_CSV, computed: wspanel.c), also served as the
 * project's owner sees it under /links/TOKEN/panels (KIND_LINK_PANEL).
 * Its record "o:/workspace/projects/PROJ/panels/P.ini" holds the .ini;
 * the segments, date range and calculated metrics it names list its
 * path in their used_by.  metrics items are metric components or
 * WS_PANEL_CALC NAME (a calculated metric).
 */
#define WS_PANEL_CALC "calc:"
#define WS_PANEL_LIMIT_MAX 50000	/* limit: 1-50,000 rows */
#define WS_PANEL_METRICS_MAX 50
#define WS_PANEL_SEGMENTS_MAX 20
/* distinct segments a panel's calculated metrics count in (each is one
 * more pass over the events at a read) */
#define WS_PANEL_METRIC_SEGMENTS_MAX 4
#define WS_PANELS_MAX 256		/* panels in one project */
extern const struct kind_stream_ops ws_panel_stream_ops;
/* slides.html of a project, and of a live link (wsslides.c). */
extern const struct kind_stream_ops ws_slides_stream_ops;
/*
 * What slides.html says of a panel (wsslides.c), over the first column
 * and all the panel's rows before its limit: set ws_panel_want_summary()
 * on a started cursor, read it whole through next(), then
 * ws_panel_summary() gives it (NULL before, or when not asked for).
 * Labels are cut to fit.  The cursor keeps it until done().
 */
struct ws_panel_summary {
	size_t rows;			/* items before the limit */
	double total;			/* of the first column's cells */
	int has_top, has_first, has_last;
	double top_value, first_value, last_value;
	char top[256];			/* the item with the largest value */
	char first[256], last[256];	/* the smallest and largest items */
};
void ws_panel_want_summary(void *cursor);
const struct ws_panel_summary *ws_panel_summary(void *cursor);
/* 1 when the cursor's panel is over a time dimension. */
int ws_panel_is_time(void *cursor);
/* 0-3 for day, week, month, hour (a panel's time dimensions), else -1. */
int ws_panel_time_dim(const char *name);
/* P.ini: parsed, checked against the panel's view (its own dataview,
 * else its project's), the writer's use of what it names and the
 * project's curation; used_by kept. */
int ws_panel_store(struct mctx *c, const struct obj_ref *ref,
		   const char *data, size_t len, struct diag *d);
int ws_panel_check_key(struct mctx *c, const struct obj_ref *ref,
		       const struct inidoc_field *f, const char *val,
		       const char *line, size_t llen, struct diag *d);
/* Kind hooks: create (-EDQUOT past WS_PANELS_MAX in the project),
 * destroy, moved; facts: the project's, with the panel's data view. */
int ws_panel_create(struct mctx *c, const struct obj_ref *ref,
		    struct diag *d);
int ws_panel_destroy(struct mctx *c, const struct obj_ref *ref,
		     struct diag *d);
int ws_panel_moved(struct mctx *c, const struct obj_ref *from,
		   const struct obj_ref *ref, struct diag *d);
int ws_panel_facts(struct mctx *c, const struct obj_ref *ref,
		   struct obj_facts *out);
/* P.csv beside each P.ini (in a project, and under a live link). */
int ws_panel_list(struct mctx *c, const struct obj_ref *parent,
		  struct buf *names);
int ws_panel_has(struct mctx *c, const struct obj_ref *ref);
int ws_link_panel_list(struct mctx *c, const struct obj_ref *parent,
		       struct buf *names);
int ws_link_panel_has(struct mctx *c, const struct obj_ref *ref);
time_t ws_panel_mtime(struct mctx *c, const struct obj_ref *ref);
/* The panel's .ini ref (KIND_WS_PANEL, attr 0) that a ref to its table
 * names, in a project or through a link; for a link, the project's
 * owner is appended to owner (when not NULL).  -ENOENT when gone. */
int ws_panel_resolve(struct mctx *c, const struct obj_ref *ref,
		     struct obj_ref *panel, struct buf *owner);

/* used_by: the referrers this caller may see, one path a line, then
 * "# N more you cannot see" when there are others. */
int ws_used_by_show(struct mctx *c, const struct obj_ref *ref,
		    struct buf *out);

/* Kind hooks of every Workspace object kind.  ws_create refuses a login
 * that owns [limits] workspace_objects objects already (-EDQUOT). */
int ws_create(struct mctx *c, const struct obj_ref *ref, struct diag *d);
int ws_destroy(struct mctx *c, const struct obj_ref *ref, struct diag *d);
int ws_moved(struct mctx *c, const struct obj_ref *from,
	     const struct obj_ref *ref, struct diag *d);
/* -EBUSY with *d naming the referrers while an object names it. */
int ws_in_use(struct mctx *c, const struct obj_ref *ref, struct diag *d);
/* Owner, shares and home data view, for the policy. */
int ws_facts(struct mctx *c, const struct obj_ref *ref,
	     struct obj_facts *out);

/*
 * The syntax of a formula, before a home view gives its names (their
 * meaning is wsdef_formula_check's): 0 if s holds only names, numbers,
 * spaces, tabs, double quotes, + - * / and parentheses that balance,
 * else -EINVAL with *d on line line, d->column the 1-based column in s.
 * Dates are wsdef.h's.
 */
int ws_formula_check(const char *s, struct diag *d, int line);

/* Count the owners' objects of a store made before their counts were
 * kept, in one transaction (at open; nothing to do, and *counted 0, for
 * the others). */
int ws_owners_count(struct mctx *c, size_t *counted);

/* /admin/transfer (written by product admins; it holds nothing and
 * reads as empty): lines "FROM TO" move every Workspace object FROM owns
 * to TO, each audited "transfer"; no line is a no-op (1). */
int ws_transfer_store(struct mctx *c, const struct obj_ref *ref,
		      const char *data, size_t len, struct diag *d);
int ws_check_transfer(const char *entry, size_t len, void *arg,
		      struct diag *d);

#endif
