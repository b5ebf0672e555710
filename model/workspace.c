/*
 * workspace.c - Workspace components (SPEC §7): segments, calculated
 * metrics, date ranges, annotations, audiences and projects, and the
 * projects' links (/links/TOKEN).
 *
 * Each is a directory object /workspace/KIND/NAME made by mkdir, owned by
 * its creator: KIND.ini (the common keys description, dataview, tags,
 * approved, owner, created, modified, modified_by, then the kind's own),
 * shares (who else sees it) and used_by (who names it).  Its record
 * "o:/workspace/KIND/NAME" holds the .ini and shares texts; whose it is
 * and whom it is shared with reach the policy through ws_facts(), the
 * kind's facts hook, so policy.c reads no Workspace record itself.
 *
 * Ownership.  The create hook writes owner = the creator, created and
 * modified.  owner is read-only but to product admins: one writing
 * another known login transfers the object (audited "transfer"); anyone
 * else's different value is ignored, as for every read-only key (§3).
 * modified and modified_by move only when the canonical text changes
 * otherwise, so writing the file back unchanged stays a no-op.
 *
 * Sharing.  shares is a line-list of user:LOGIN, group:NAME and all.
 * Only product admins write all (refused at write(2), EACCES); others
 * may add only groups they belong to (judged at commit against the list
 * as stored: an entry already there may stay).  A list that holds all is
 * the product admins' to change: that is the policy's (ACT_WS_SHARE, the
 * file's write action), so the mode bits and user.cjafs.why say it
 * before a write is refused; ws_shares_why() tells the rest, which
 * depends on what a write adds.  A principal must be one a caller can
 * be: a login the configuration maps ([users]), a group it maps
 * ([groups]), or all; a list holds at most WS_SHARES_MAX of them, on
 * lines of at most WS_SHARES_LINE_MAX bytes, so a stored list is at most
 * WS_SHARES_MAX * 262 bytes (user: and a 256-byte login, a newline).
 *
 * Owners' counts.  "m:ws:LOGIN" holds how many Workspace objects LOGIN
 * owns, kept in the transaction of each create, delete and transfer;
 * mkdir past [limits] workspace_objects is EDQUOT.  "m:ws" says the
 * counts are kept: a store made before them is counted once when it is
 * opened (ws_owners_count).
 *
 * References.  A calculated metric names a segment (segment), an audience
 * segments (segments): the objects named must exist and be usable by the
 * writer when the name is added.  "u:PATH" of each named object lists
 * the referrers' paths, kept in the referrer's commit, rename and delete;
 * an object so named is not deleted or renamed (in_use: EBUSY, the
 * referrers in /errors, those the caller may not see only counted).
 * Names are unique per kind: the path is the name.
 *
 * Projects.  project.ini has [project] (the common keys), [curation]
 * and [link]; shares lines may end in a role (edit, view), which the
 * policy reads from the facts (obj_facts.roles).  [curation] and [link]
 * are the owner's (ACT_WS_CURATE, ACT_WS_LINK, asked per changed key at
 * write(2) and at close).  [curation] components are typed items "KIND
 * NAME" (ws_typed): the Workspace ones are references.  The link: a
 * token of 128 bits from getrandom(2) and its index "l:TOKEN" -> the
 * project's path, kept by the kind's settle, handed, gone and moved
 * hooks in the caller's transaction; token is shown to the owner and
 * product admins only and never audited.
 *
 * Panels.  panels/P.ini is a file object of its project (not an owned
 * kind: its facts are the project's, with the panel's data view), made
 * by writing it; its commit judges it against that view, asks that the
 * writer may use every segment, calculated metric ("calc:NAME") and
 * date range it names, keeps a curated recipient to the curated set
 * (what [curation] lists and what the project's panels use), and keeps
 * their used_by through refs_sync, as for a metric's segment.  Its
 * table, panels/P.csv, is wspanel.c's.
 *
 * Definitions.  Each kind's own keys are checked for syntax here (types,
 * ranges and enums by the schema; a segment's rule parses as a §4 filter;
 * a formula holds only names, numbers, + - * /, quotes and balanced
 * parentheses; dates follow wsdef.h's grammar, an annotation's are fixed
 * days and its text has no control bytes), at write(2) on a document
 * holding the one key and at commit.  Their meaning against the home
 * data view (components, visible values) is judged by one per-kind hook,
 * ws_kind.validate, called from ws_validate() alone: wsdef.c's checks of
 * a rule, a formula, a range's two bounds, an audience's segments.  An
 * object with no home view yet is judged on syntax alone; the commit
 * that names one judges it whole.  A column inside a value travels as a
 * negative column until ws_ini_store() or ws_ini_check_key(), which have
 * the text, turn it into the column of the file's line (dv_raw_value),
 * so /errors reads PATH:LINE: column N: KEY: message.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "admin.h"
#include "audit.h"
#include "config.h"
#include "dataview.h"
#include "dirindex.h"
#include "filter.h"
#include "mctx.h"
#include "object.h"
#include "protect.h"
#include "store.h"
#include "timeparse.h"
#include "workspace.h"
#include "wsdef.h"

/* a login is at most 256 bytes (admin.c) */
#define OBJ_LOGIN_BUF 260

/* owners' counts: "m:ws:LOGIN", and "m:ws" once they are kept */
#define WS_OWNED_PREFIX "m:ws:"
#define WS_OWNED_KEPT "m:ws"

#define WS_COMMON(sec)                                                       \
	{ sec, "description", INIDOC_STR, "", 0, 0, NULL, 0 },               \
	{ sec, "dataview", INIDOC_STR, "", 0, 0, NULL, INIDOC_NAME },        \
	{ sec, "tags", INIDOC_LIST, "", 0, 0, NULL, INIDOC_SET },            \
	{ sec, "approved", INIDOC_BOOL, "false", 0, 0, NULL, 0 },            \
	{ sec, "owner", INIDOC_STR, "", 0, 0, NULL, 0 },                     \
	{ sec, "created", INIDOC_STR, "", 0, 0, NULL, INIDOC_RO },           \
	{ sec, "modified", INIDOC_STR, "", 0, 0, NULL, INIDOC_RO },          \
	{ sec, "modified_by", INIDOC_STR, "", 0, 0, NULL, INIDOC_RO }

static const char *const containers[] = { "event", "session", "person",
					  NULL };
static const char *const formats[] = { "decimal", "percent", "currency",
				       "time", NULL };
static const char *const colors[] = { "red",  "orange", "yellow",
				      "green", "teal", "blue",
				      "purple", "pink", "gray", NULL };
static const char *const matches[] = { "all", "any", NULL };

static const struct inidoc_field segment_fields[] = {
	WS_COMMON("segment"),
	{ "segment", "container", INIDOC_ENUM, "event", 0, 0, containers, 0 },
	{ "segment", "exclude", INIDOC_BOOL, "false", 0, 0, NULL, 0 },
	{ "segment", "rule", INIDOC_STR, "", 0, 0, NULL, 0 },
	{ NULL }
};

static const struct inidoc_field metric_fields[] = {
	WS_COMMON("metric"),
	{ "metric", "formula", INIDOC_STR, "", 0, 0, NULL, 0 },
	{ "metric", "segment", INIDOC_STR, "", 0, 0, NULL, INIDOC_NAME },
	{ "metric", "format", INIDOC_ENUM, "decimal", 0, 0, formats, 0 },
	{ "metric", "precision", INIDOC_INT, "2", 0, 10, NULL, 0 },
	{ NULL }
};

static const struct inidoc_field daterange_fields[] = {
	WS_COMMON("date_range"),
	{ "date_range", "start", INIDOC_STR, "", 0, 0, NULL, 0 },
	{ "date_range", "end", INIDOC_STR, "", 0, 0, NULL, 0 },
	{ NULL }
};

static const struct inidoc_field annotation_fields[] = {
	WS_COMMON("annotation"),
	{ "annotation", "start", INIDOC_STR, "", 0, 0, NULL, 0 },
	{ "annotation", "end", INIDOC_STR, "", 0, 0, NULL, 0 },
	{ "annotation", "color", INIDOC_ENUM, "blue", 0, 0, colors, 0 },
	{ "annotation", "text", INIDOC_STR, "", 0, 0, NULL, 0 },
	{ "annotation", "all_dataviews", INIDOC_BOOL, "false", 0, 0, NULL,
	  0 },
	{ NULL }
};

static const struct inidoc_field audience_fields[] = {
	WS_COMMON("audience"),
	{ "audience", "segments", INIDOC_LIST, "", 0, 0, NULL,
	  INIDOC_NAME | INIDOC_SET },
	{ "audience", "match", INIDOC_ENUM, "all", 0, 0, matches, 0 },
	{ NULL }
};

static const struct inidoc_field project_fields[] = {
	WS_COMMON("project"),
	{ "curation", "enabled", INIDOC_BOOL, "false", 0, 0, NULL, 0 },
	{ "curation", "components", INIDOC_LIST, "", 0, 0, NULL, INIDOC_SET },
	{ "link", "enabled", INIDOC_BOOL, "false", 0, 0, NULL, 0 },
	{ "link", "require_login", INIDOC_BOOL, "true", 0, 0, NULL, 0 },
	{ "link", "expires", INIDOC_STR, "", 0, 0, NULL, 0 },
	{ "link", "token", INIDOC_STR, "", 0, 0, NULL, INIDOC_RO },
	{ NULL }
};

static const char *const orders[] = { "desc", "asc", NULL };

static const struct inidoc_field panel_fields[] = {
	WS_COMMON("panel"),
	{ "panel", "title", INIDOC_STR, "", 0, 0, NULL, 0 },
	{ "panel", "dimension", INIDOC_STR, "", 0, 0, NULL, INIDOC_NAME },
	{ "panel", "metrics", INIDOC_LIST, "", 0, 0, NULL, 0 },
	{ "panel", "segments", INIDOC_LIST, "", 0, 0, NULL,
	  INIDOC_NAME | INIDOC_SET },
	{ "panel", "date_range", INIDOC_STR, "", 0, 0, NULL, INIDOC_NAME },
	{ "panel", "sort", INIDOC_STR, "", 0, 0, NULL, 0 },
	{ "panel", "order", INIDOC_ENUM, "desc", 0, 0, orders, 0 },
	{ "panel", "limit", INIDOC_INT, "400", 1, WS_PANEL_LIMIT_MAX, NULL,
	  0 },
	{ NULL }
};

const struct inidoc_schema ws_panel_schema = { "panel.ini", panel_fields };

const struct inidoc_schema ws_segment_schema = { "segment.ini",
						 segment_fields };
const struct inidoc_schema ws_metric_schema = { "metric.ini", metric_fields };
const struct inidoc_schema ws_daterange_schema = { "daterange.ini",
						   daterange_fields };
const struct inidoc_schema ws_annotation_schema = { "annotation.ini",
						    annotation_fields };
const struct inidoc_schema ws_audience_schema = { "audience.ini",
						  audience_fields };
const struct inidoc_schema ws_project_schema = { "project.ini",
						 project_fields };

/* A key of a kind's .ini that names other Workspace objects. */
struct ws_ref_key {
	const char *key;
	int kind;		/* the kind of the objects it names; -1:
				 * items are "KIND NAME" (ws_typed) and
				 * only the Workspace ones are references */
	const char *noun;	/* for messages */
	const char *section;	/* NULL: the kind's own */
	const char *prefix;	/* set: only items with it name objects
				 * (a panel's "calc:NAME" metrics) */
};

/* The kinds an item "KIND NAME" may name (a project's [curation]
 * components): a data view's components, or Workspace objects. */
struct ws_typed {
	const char *word;
	int kind;		/* Workspace kind, or -1: a view component */
};

static const struct ws_typed ws_typed_kinds[] = {
	{ "dimension", -1 },
	{ "metric", -1 },
	{ "segment", KIND_WS_SEGMENT },
	{ "calculated-metric", KIND_WS_METRIC },
	{ "date-range", KIND_WS_DATERANGE },
	{ NULL, -1 }
};

static const struct ws_ref_key metric_refs[] = {
	{ "segment", KIND_WS_SEGMENT, "segment" },
	{ NULL }
};

static const struct ws_ref_key audience_refs[] = {
	{ "segments", KIND_WS_SEGMENT, "segment" },
	{ NULL }
};

static const struct ws_ref_key project_refs[] = {
	{ "components", -1, "component", "curation" },
	{ NULL }
};

/* A panel names segments, a date range and calculated metrics. */
static const struct ws_ref_key panel_refs[] = {
	{ "segments", KIND_WS_SEGMENT, "segment" },
	{ "date_range", KIND_WS_DATERANGE, "date range" },
	{ "metrics", KIND_WS_METRIC, "calculated metric", NULL,
	  WS_PANEL_CALC },
	{ NULL }
};

static int segment_syntax(struct mctx *c, const struct obj_ref *ref,
			  const struct inidoc *doc, struct diag *d);
static int metric_syntax(struct mctx *c, const struct obj_ref *ref,
			 const struct inidoc *doc, struct diag *d);
static int dates_syntax(struct mctx *c, const struct obj_ref *ref,
			const struct inidoc *doc, struct diag *d);
static int segment_validate(struct mctx *c, const struct obj_ref *ref,
			    const struct inidoc *doc, struct diag *d);
static int metric_validate(struct mctx *c, const struct obj_ref *ref,
			   const struct inidoc *doc, struct diag *d);
static int dates_validate(struct mctx *c, const struct obj_ref *ref,
			  const struct inidoc *doc, struct diag *d);
static int audience_validate(struct mctx *c, const struct obj_ref *ref,
			     const struct inidoc *doc, struct diag *d);
static int segs_validate(struct mctx *c, const struct inidoc *doc,
			 const char *sec, const char *key, struct diag *d);
static int project_syntax(struct mctx *c, const struct obj_ref *ref,
			  const struct inidoc *doc, struct diag *d);
static int project_validate(struct mctx *c, const struct obj_ref *ref,
			    const struct inidoc *doc, struct diag *d);
static int project_settle(struct mctx *c, const struct obj_ref *ref,
			  const struct inidoc *old, struct inidoc *doc,
			  int transfer, struct diag *d);
static int project_handed(struct mctx *c, const struct obj_ref *ref,
			  struct inidoc *doc);
static int project_gone(struct mctx *c, const struct obj_ref *ref,
			const struct inidoc *doc);
static int project_moved(struct mctx *c, const struct obj_ref *from,
			 const struct obj_ref *ref, const struct inidoc *doc,
			 struct diag *d);
static int project_key_ok(struct mctx *c, const struct obj_ref *ref,
			  const char *sec, const char *key, const char *was,
			  const char *val, struct diag *d);
static int curate_key(const char *sec, const char *key);
static int panels_repath(struct mctx *c, const struct obj_ref *from,
			 const struct obj_ref *to, struct diag *d);
static int link_resolve(struct mctx *c, const char *token,
			struct obj_ref *proj, struct inidoc *doc);
static int project_owner(struct mctx *c, const struct inidoc *doc);
static int panels_items(struct mctx *c, const struct obj_ref *ref,
			int (*fn)(const char *item, void *arg), void *arg);
static int panel_items(const struct inidoc *doc,
		       int (*fn)(const char *item, void *arg), void *arg);
static int panel_check(struct mctx *c, const char *view,
		       const struct inidoc *doc, struct diag *d);

/*
 * One Workspace kind: the section of its .ini, the keys naming other
 * objects, its syntax checks, and validate: its definition judged
 * against the home data view (its components and visible values), the
 * one place that check is called from (ws_validate).
 */
struct ws_kind {
	int kind;
	const char *section;
	const struct ws_ref_key *refs;
	int (*syntax)(struct mctx *c, const struct obj_ref *ref,
		      const struct inidoc *doc, struct diag *d);
	int (*validate)(struct mctx *c, const struct obj_ref *ref,
			const struct inidoc *doc, struct diag *d);
	/* Optional, for what an object keeps beside its record (a
	 * project's link and its index "l:TOKEN"), each in the caller's
	 * transaction: settle a commit from old to doc (transfer: its owner
	 * changes), after validate; handed: a transfer by /admin/transfer
	 * (doc is stored after); gone: deleted; moved: renamed from from
	 * to ref (with what it holds: a project's panels). */
	int (*settle)(struct mctx *c, const struct obj_ref *ref,
		      const struct inidoc *old, struct inidoc *doc,
		      int transfer, struct diag *d);
	int (*handed)(struct mctx *c, const struct obj_ref *ref,
		      struct inidoc *doc);
	int (*gone)(struct mctx *c, const struct obj_ref *ref,
		    const struct inidoc *doc);
	int (*moved)(struct mctx *c, const struct obj_ref *from,
		     const struct obj_ref *ref, const struct inidoc *doc,
		     struct diag *d);
	/* its shares carry roles (ws_check_role_share; obj_facts.roles) */
	int roles;
};

static const struct ws_kind ws_kinds[] = {
	{ KIND_WS_SEGMENT, "segment", NULL, segment_syntax,
	  segment_validate },
	{ KIND_WS_METRIC, "metric", metric_refs, metric_syntax,
	  metric_validate },
	{ KIND_WS_DATERANGE, "date_range", NULL, dates_syntax,
	  dates_validate },
	{ KIND_WS_ANNOTATION, "annotation", NULL, dates_syntax,
	  dates_validate },
	{ KIND_WS_AUDIENCE, "audience", audience_refs, NULL,
	  audience_validate },
	{ KIND_WS_PROJECT, "project", project_refs, project_syntax,
	  project_validate, project_settle, project_handed, project_gone,
	  project_moved, .roles = 1 },
	{ -1 }
};

static const struct ws_kind *ws_kind_of(int kind)
{
	int i;

	for (i = 0; ws_kinds[i].kind >= 0; i++)
		if (ws_kinds[i].kind == kind)
			return &ws_kinds[i];
	return NULL;
}

/* The object ref (directory, attr -1) that ref is in. */
static void ws_obj(const struct obj_ref *ref, struct obj_ref *out)
{
	*out = *ref;
	out->attr = -1;
	out->scratch[0] = '\0';
	out->sandbox = NULL;
	out->grant = NULL;
}

/* ref's .ini (attrs[0] of every Workspace kind). */
static void ws_ini(const struct obj_ref *ref, struct obj_ref *out)
{
	ws_obj(ref, out);
	out->attr = 0;
}

/* "o:/workspace/KIND/NAME" -> "/workspace/KIND/NAME" */
static int ws_path(const struct obj_ref *ref, struct buf *out)
{
	struct obj_ref o;

	ws_obj(ref, &o);
	return obj_ref_object_path(&o, out);
}

static int is_admin(const struct mctx *c)
{
	return c && c->who && (c->who->roles & ROLE_PRODUCT_ADMIN);
}

/* --- syntax of the kinds' own keys --- */

static int key_line(const struct inidoc *doc, const char *sec,
		    const char *key)
{
	return inidoc_line(doc, sec, key);
}

/* An error in the value of sec.key: d at the key's line, fd's column in
 * the value as a negative column (the one ws_ini_store and
 * ws_ini_check_key, which have the text, turn into the column in the
 * file's line, as dataview.ini's filter errors). */
static int value_err(struct diag *d, const struct inidoc *doc,
		     const char *sec, const char *key, const struct diag *fd)
{
	diag_set(d, key_line(doc, sec, key), fd->column > 0 ? -fd->column : 0,
		 "%s: %s", key, fd->msg);
	return -EINVAL;
}

static int segment_syntax(struct mctx *c, const struct obj_ref *ref,
			  const struct inidoc *doc, struct diag *d)
{
	const char *rule = inidoc_get(doc, "segment", "rule");
	struct filter *f = NULL;
	struct diag fd;
	int rc;

	memset(&fd, 0, sizeof(fd));
	rc = filter_parse(rule, strlen(rule), &f, &fd);
	filter_free(f);
	if (rc == -EINVAL)
		value_err(d, doc, "segment", "rule", &fd);
	return rc;
}

/* A formula's syntax (its names are the home view's business): names,
 * numbers, + - * /, parentheses that balance, and spaces.  d->column:
 * the column in s. */
int ws_formula_check(const char *s, struct diag *d, int line)
{
	int depth = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '(') {
			depth++;
		} else if (ch == ')') {
			if (--depth < 0) {
				diag_set(d, line, (int)i + 1,
					 "')' without '('");
				return -EINVAL;
			}
		} else if (!isalnum(ch) && !strchr(" \t.+-*/_\"", ch)) {
			diag_set(d, line, (int)i + 1, "'%c' is not a name, "
				 "number, operator or parenthesis", ch);
			return -EINVAL;
		}
	}
	if (depth) {
		diag_set(d, line, (int)i + 1, "'(' without ')'");
		return -EINVAL;
	}
	return 0;
}

static int metric_syntax(struct mctx *c, const struct obj_ref *ref,
			 const struct inidoc *doc, struct diag *d)
{
	struct diag fd;
	int rc;

	memset(&fd, 0, sizeof(fd));
	rc = ws_formula_check(inidoc_get(doc, "metric", "formula"), &fd, 0);
	if (rc == -EINVAL)
		value_err(d, doc, "metric", "formula", &fd);
	return rc;
}

static const char *const date_keys[] = { "start", "end", NULL };

/* start and end, each on its own (wsdef.h's grammar; an annotation's
 * are fixed days), and an annotation's text.  An empty bound is not set
 * yet: a new object has none. */
static int dates_syntax(struct mctx *c, const struct obj_ref *ref,
			const struct inidoc *doc, struct diag *d)
{
	const struct ws_kind *wk = ws_kind_of(ref->kind);
	int note = ref->kind == KIND_WS_ANNOTATION;
	struct wsdef_date dt;
	struct diag fd;
	const char *v;
	int64_t day;
	int i, rc = 0;

	memset(&fd, 0, sizeof(fd));
	for (i = 0; date_keys[i] && !rc; i++) {
		v = inidoc_get(doc, wk->section, date_keys[i]);
		if (!*v)
			continue;
		rc = note ? wsdef_fixed_day(v, strlen(v), &day, &fd) :
			    wsdef_date_parse(v, strlen(v), &dt, &fd);
		if (rc == -EINVAL)
			value_err(d, doc, wk->section, date_keys[i], &fd);
	}
	if (!rc && note) {
		v = inidoc_get(doc, wk->section, "text");
		rc = wsdef_text_check(v, strlen(v), &fd);
		if (rc == -EINVAL)
			value_err(d, doc, wk->section, "text", &fd);
	}
	return rc;
}

/* --- definitions against the home data view (ws_kind.validate) --- */

/* The home view is not there (it was deleted since it was named). */
static int view_gone(struct diag *d, const struct inidoc *doc,
		     const char *sec, const char *view)
{
	diag_set(d, key_line(doc, sec, "dataview"), 0,
		 "dataview: no data view '%s'", view);
	return -EINVAL;
}

/* An object without a home view names nothing yet: its values keep to
 * the syntax alone until one is set, and that commit judges them. */
static const char *home_view(const struct inidoc *doc, const char *sec)
{
	return inidoc_get(doc, sec, "dataview");
}

/* rule against the view's dimension components and `day`. */
static int segment_validate(struct mctx *c, const struct obj_ref *ref,
			    const struct inidoc *doc, struct diag *d)
{
	const char *view = home_view(doc, "segment");
	const char *rule = inidoc_get(doc, "segment", "rule");
	struct diag fd;
	int rc;

	if (!*view)
		return 0;
	memset(&fd, 0, sizeof(fd));
	rc = wsdef_segment_check(c, view, rule, strlen(rule), &fd);
	if (rc == -ENOENT)
		return view_gone(d, doc, "segment", view);
	if (rc == -EINVAL)
		value_err(d, doc, "segment", "rule", &fd);
	return rc;
}

/* formula against the view's metric components. */
static int metric_validate(struct mctx *c, const struct obj_ref *ref,
			   const struct inidoc *doc, struct diag *d)
{
	const char *view = home_view(doc, "metric");
	const char *text = inidoc_get(doc, "metric", "formula");
	struct diag fd;
	int rc;

	if (!*view)
		return 0;
	if (!*text)
		return segs_validate(c, doc, "metric", "segment", d);
	memset(&fd, 0, sizeof(fd));
	rc = wsdef_formula_check(c, view, text, strlen(text), &fd);
	if (rc == -ENOENT)
		return view_gone(d, doc, "metric", view);
	if (rc == -EINVAL)
		return value_err(d, doc, "metric", "formula", &fd);
	if (rc)
		return rc;
	/* the segment it counts in, over the same events */
	return segs_validate(c, doc, "metric", "segment", d);
}

/* start and end together: a range whose fixed bounds hold no day. */
static int dates_validate(struct mctx *c, const struct obj_ref *ref,
			  const struct inidoc *doc, struct diag *d)
{
	const struct ws_kind *wk = ws_kind_of(ref->kind);
	const char *s = inidoc_get(doc, wk->section, "start");
	const char *e = inidoc_get(doc, wk->section, "end");
	struct wsdef_date ds, de;
	struct diag fd;
	int rc;

	if (!*s || !*e)
		return 0;
	memset(&fd, 0, sizeof(fd));
	rc = wsdef_date_parse(s, strlen(s), &ds, &fd);
	if (!rc)
		rc = wsdef_date_parse(e, strlen(e), &de, &fd);
	if (!rc)
		rc = wsdef_range_check(&ds, &de, &fd);
	if (rc == -EINVAL)
		diag_set(d, key_line(doc, wk->section, "end"), 0, "end: %s",
			 fd.msg);
	return rc;
}

/* The segments a metric or an audience names (key), against its home
 * view: the events it counts or reads are that view's.  A segment the
 * writer may not see is left to refs_sync, which refuses a new one: its
 * rule is none of the writer's business. */
struct seg_check {
	struct mctx *c;
	const char *view;
	struct diag *fd;
	char bad[OBJ_NAME_MAX + 1];
};

static int seg_check_each(const char *item, size_t len, void *arg)
{
	struct seg_check *sc = arg;
	struct obj_ref seg;
	struct inidoc doc;
	const char *rule;
	int rc;

	if (len > OBJ_NAME_MAX)
		return 0;	/* no such segment: refs_sync says */
	memcpy(sc->bad, item, len);
	sc->bad[len] = '\0';
	obj_ref_root(&seg);
	seg.kind = KIND_WS_SEGMENT;
	seg.nnames = 1;
	seg.attr = 0;
	memcpy(seg.names[0], item, len);
	seg.names[0][len] = '\0';
	if (!obj_exists(sc->c, &seg) ||
	    policy_check(sc->c->pol, sc->c->who, ACT_WS_READ, &seg, NULL))
		return 0;
	rc = attr_ini_load(sc->c, &seg, obj_ref_attr(&seg), &doc);
	if (rc)
		return rc;
	rule = inidoc_get(&doc, "segment", "rule");
	rc = wsdef_segment_check(sc->c, sc->view, rule, strlen(rule), sc->fd);
	inidoc_release(&doc);
	return rc;
}

static int segs_validate(struct mctx *c, const struct inidoc *doc,
			 const char *sec, const char *key, struct diag *d)
{
	const char *view = home_view(doc, sec);
	struct diag fd;
	struct seg_check sc = { c, view, &fd, "" };
	int rc;

	if (!*view)
		return 0;
	memset(&fd, 0, sizeof(fd));
	rc = inidoc_list_each(inidoc_get(doc, sec, key), seg_check_each, &sc);
	if (rc == -ENOENT)
		return view_gone(d, doc, sec, view);
	if (rc == -EINVAL)
		diag_set(d, key_line(doc, sec, key), 0,
			 "%s: segment '%s' on data view '%s': rule: %s", key,
			 sc.bad, view, fd.msg);
	return rc;
}

static int audience_validate(struct mctx *c, const struct obj_ref *ref,
			     const struct inidoc *doc, struct diag *d)
{
	return segs_validate(c, doc, "audience", "segments", d);
}

/* --- references and used_by --- */

static int used_key(const char *path, struct buf *key)
{
	int rc = buf_addstr(key, "u:");

	return rc ? rc : buf_addstr(key, path);
}

/* The referrers of target (a path), a canonical line-list ("" none). */
static int used_get(struct mctx *c, const char *target, struct buf *out)
{
	struct buf key = BUF_INIT;
	int rc = used_key(target, &key);

	if (!rc)
		rc = store_get(c->st, key.data, out);
	if (rc == -ENOENT)
		rc = buf_add(out, "", 0);
	buf_release(&key);
	return rc;
}

struct used_edit {
	const char *drop;	/* a referrer to take out, or NULL */
	const char *add;	/* a referrer to put in, or NULL */
	struct buf *text;
};

static int used_edit_each(const char *e, size_t len, void *arg)
{
	struct used_edit *ue = arg;

	if (ue->drop && strlen(ue->drop) == len && !memcmp(e, ue->drop, len))
		return 0;
	if (ue->add && strlen(ue->add) == len && !memcmp(e, ue->add, len))
		return 0;	/* added below */
	return buf_printf(ue->text, "%.*s\n", (int)len, e);
}

/* In target's used_by: drop referrer drop, add referrer add.  The list is
 * kept sorted by rebuilding it through the line-list canonicalizer. */
static int used_change(struct mctx *c, const char *target, const char *drop,
		       const char *add)
{
	struct buf old = BUF_INIT, text = BUF_INIT, canon = BUF_INIT,
		   key = BUF_INIT;
	struct used_edit ue = { drop, add, &text };
	struct diag d;
	int rc = used_get(c, target, &old);

	if (!rc)
		rc = buf_add(&text, "", 0);
	if (!rc)
		rc = inidoc_lines_each(old.data, used_edit_each, &ue);
	if (!rc && add)
		rc = buf_printf(&text, "%s\n", add);
	if (!rc)
		rc = inidoc_lines_parse(text.data, text.len, NULL, NULL, &canon,
					&d);
	if (!rc)
		rc = used_key(target, &key);
	if (!rc && canon.len)
		rc = store_put(c->st, key.data, canon.data, canon.len);
	else if (!rc)
		rc = store_del(c->st, key.data);
	if (rc == -ENOENT)
		rc = 0;
	buf_release(&old);
	buf_release(&text);
	buf_release(&canon);
	buf_release(&key);
	return rc;
}

/* The path of the object of kind k named name ("/workspace/segments/s"). */
static int ws_kind_path(int k, const char *name, struct obj_ref *ref,
			struct buf *path)
{
	obj_ref_root(ref);
	ref->kind = k;
	ref->nnames = 1;
	ref->attr = -1;
	snprintf(ref->names[0], sizeof(ref->names[0]), "%s", name);
	return path ? obj_ref_object_path(ref, path) : 0;
}

/* Call fn(kind, name) for every object doc names through the kind's
 * reference keys. */
struct refs_walk {
	const struct ws_ref_key *rk;
	int (*fn)(const struct ws_ref_key *rk, const char *name, void *arg);
	void *arg;
};

/* The kind of a typed item "KIND NAME" and where its name starts:
 * 0 and *kind (-1: a view component), or -EINVAL. */
static int ws_typed_parse(const char *item, size_t len, int *kind,
			  size_t *name_at)
{
	const char *sp = memchr(item, ' ', len);
	int i;

	if (!sp)
		return -EINVAL;
	for (i = 0; ws_typed_kinds[i].word; i++)
		if (strlen(ws_typed_kinds[i].word) == (size_t)(sp - item) &&
		    !memcmp(item, ws_typed_kinds[i].word, (size_t)(sp - item)))
			break;
	if (!ws_typed_kinds[i].word)
		return -EINVAL;
	*kind = ws_typed_kinds[i].kind;
	*name_at = (size_t)(sp - item) + 1;
	if (!inidoc_valid_name(item + *name_at, len - *name_at))
		return -EINVAL;
	return 0;
}

static int refs_walk_each(const char *item, size_t len, void *arg)
{
	struct refs_walk *w = arg;
	struct ws_ref_key typed;
	char name[OBJ_NAME_MAX + 1];
	size_t at = 0;
	int k;

	if (w->rk->kind < 0) {
		/* "KIND NAME": only Workspace objects are references */
		if (ws_typed_parse(item, len, &k, &at) || k < 0)
			return 0;
		typed = *w->rk;
		typed.kind = k;
		typed.noun = kind_table[k].name;
		item += at;
		len -= at;
		if (len > OBJ_NAME_MAX)
			return -EINVAL;
		memcpy(name, item, len);
		name[len] = '\0';
		return w->fn(&typed, name, w->arg);
	}
	if (w->rk->prefix) {
		size_t pl = strlen(w->rk->prefix);

		if (len <= pl || memcmp(item, w->rk->prefix, pl))
			return 0;	/* a view metric */
		item += pl;
		len -= pl;
	}
	if (len > OBJ_NAME_MAX)
		return -EINVAL;
	memcpy(name, item, len);
	name[len] = '\0';
	return w->fn(w->rk, name, w->arg);
}

static int refs_each(const struct ws_kind *wk, const struct inidoc *doc,
		     int (*fn)(const struct ws_ref_key *rk, const char *name,
			       void *arg),
		     void *arg)
{
	int i, rc = 0;

	for (i = 0; wk->refs && wk->refs[i].key && !rc; i++) {
		struct refs_walk w = { &wk->refs[i], fn, arg };

		rc = inidoc_list_each(inidoc_get(doc, wk->refs[i].section ?
							      wk->refs[i].section :
							      wk->section,
						 wk->refs[i].key),
				      refs_walk_each, &w);
	}
	return rc;
}

/* Does doc name kind k's object name? */
struct refs_has {
	int kind;
	const char *name;
	int found;
};

static int refs_has_each(const struct ws_ref_key *rk, const char *name,
			 void *arg)
{
	struct refs_has *h = arg;

	if (rk->kind == h->kind && !strcmp(name, h->name))
		h->found = 1;
	return 0;
}

static int refs_has(const struct ws_kind *wk, const struct inidoc *doc,
		    int kind, const char *name)
{
	struct refs_has h = { kind, name, 0 };

	if (doc)
		refs_each(wk, doc, refs_has_each, &h);
	return h.found;
}

/* Keep the used_by of what a referrer names in step with its change from
 * old (NULL: none) to doc (NULL: deleted); from and to are the
 * referrer's paths before and after (a rename). */
struct refs_sync {
	struct mctx *c;
	const struct ws_kind *wk;
	const struct inidoc *other;	/* the other document */
	const char *from, *to;
	int adding;			/* walking doc: add; old: drop */
	struct diag *d;
};

static int refs_sync_each(const struct ws_ref_key *rk, const char *name,
			  void *arg)
{
	struct refs_sync *s = arg;
	struct buf target = BUF_INIT;
	struct obj_ref t;
	int rc = ws_kind_path(rk->kind, name, &t, &target), kept;

	if (rc)
		goto out;
	kept = refs_has(s->wk, s->other, rk->kind, name);
	if (s->adding) {
		/* a name added must be an object the writer may use */
		if (!kept && (!obj_exists(s->c, &t) ||
			      policy_check(s->c->pol, s->c->who, ACT_WS_READ,
					   &t, NULL))) {
			diag_set(s->d, 0, 0, "%s: no %s '%s' that you can use",
				 rk->key, rk->noun, name);
			rc = -EINVAL;
			goto out;
		}
		if (!kept || strcmp(s->from, s->to))
			rc = used_change(s->c, target.data,
					 kept ? s->from : NULL, s->to);
	} else if (!kept) {
		rc = used_change(s->c, target.data, s->from, NULL);
	}
out:
	buf_release(&target);
	return rc;
}

static int refs_sync(struct mctx *c, const struct ws_kind *wk,
		     const struct inidoc *old, const struct inidoc *doc,
		     const char *from, const char *to, struct diag *d)
{
	struct refs_sync s = { c, wk, doc, from, to, 0, d };
	int rc = 0;

	if (old)
		rc = refs_each(wk, old, refs_sync_each, &s);
	if (!rc && doc) {
		s.other = old;
		s.adding = 1;
		rc = refs_each(wk, doc, refs_sync_each, &s);
	}
	return rc;
}

/* --- audit --- */

static int ws_audit(struct mctx *c, const struct obj_ref *ref,
		    const char *action, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* One audit line about the object ref is in: ACTION, its path, "ok",
 * and its kind first in the detail ("segment: approved true"). */
static int ws_audit(struct mctx *c, const struct obj_ref *ref,
		    const char *action, const char *fmt, ...)
{
	struct buf path = BUF_INIT, detail = BUF_INIT;
	char msg[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rc = ws_path(ref, &path);
	if (!rc)
		rc = buf_printf(&detail, "%s%s%s", kind_table[ref->kind].name,
				msg[0] ? ": " : "", msg);
	if (!rc)
		rc = audit_append(c, action, path.data, "ok", detail.data);
	buf_release(&path);
	buf_release(&detail);
	c->audited = 1;
	return rc;
}

/* --- owners' counts --- */

static int owned_key(const char *login, struct buf *key)
{
	int rc = buf_addstr(key, WS_OWNED_PREFIX);

	return rc ? rc : buf_addstr(key, login);
}

/* How many objects login owns, into *n. */
static int owned_get(struct mctx *c, const char *login, unsigned long *n)
{
	struct buf key = BUF_INIT, v = BUF_INIT;
	int rc = owned_key(login, &key);

	*n = 0;
	if (!rc)
		rc = store_get(c->st, key.data, &v);
	if (rc == -ENOENT)
		rc = 0;
	else if (!rc)
		*n = strtoul(v.data, NULL, 10);
	buf_release(&key);
	buf_release(&v);
	return rc;
}

/* login owns delta more objects (in the caller's transaction). */
static int owned_add(struct mctx *c, const char *login, long delta)
{
	struct buf key = BUF_INIT;
	unsigned long n;
	char val[32];
	int rc;

	if (!*login)
		return 0;
	rc = owned_get(c, login, &n);
	if (!rc)
		rc = owned_key(login, &key);
	if (rc)
		goto out;
	n = delta < 0 && n < (unsigned long)-delta ? 0 : n + delta;
	if (n) {
		snprintf(val, sizeof(val), "%lu", n);
		rc = store_put(c->st, key.data, val, strlen(val));
	} else {
		rc = store_del(c->st, key.data);
		if (rc == -ENOENT)
			rc = 0;
	}
out:
	buf_release(&key);
	return rc;
}

/* A transfer of one object: its count moves with it.  [limits]
 * workspace_objects bounds what a login makes, not what product admins
 * hand it. */
static int owned_move(struct mctx *c, const char *from, const char *to)
{
	int rc = owned_add(c, from, -1);

	return rc ? rc : owned_add(c, to, 1);
}

struct owners_count {
	struct mctx *c;
	int kind;
	size_t n;
};

static int owners_count_one(const char *name, size_t len, void *arg)
{
	struct owners_count *oc = arg;
	const struct ws_kind *wk = ws_kind_of(oc->kind);
	struct obj_ref ref;
	struct inidoc doc;
	char n[OBJ_NAME_MAX + 1];
	int rc;

	if (len > OBJ_NAME_MAX)
		return 0;
	memcpy(n, name, len);
	n[len] = '\0';
	ws_kind_path(oc->kind, n, &ref, NULL);
	ref.attr = 0;
	rc = attr_ini_load(oc->c, &ref, obj_ref_attr(&ref), &doc);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	rc = owned_add(oc->c, inidoc_get(&doc, wk->section, "owner"), 1);
	inidoc_release(&doc);
	if (!rc)
		oc->n++;
	return rc;
}

int ws_owners_count(struct mctx *c, size_t *counted)
{
	struct buf v = BUF_INIT;
	int rc = store_get(c->st, WS_OWNED_KEPT, &v), i;

	*counted = 0;
	buf_release(&v);
	if (rc != -ENOENT)
		return rc;
	rc = store_txn_begin(c->st);
	if (rc)
		return rc;
	for (i = 0; ws_kinds[i].kind >= 0 && !rc; i++) {
		struct owners_count oc = { c, ws_kinds[i].kind, 0 };
		struct buf names = BUF_INIT;
		struct obj_ref dir;

		obj_ref_root(&dir);
		dir.kind = kind_table[ws_kinds[i].kind].parent;
		rc = obj_list(c, &dir, &names);
		if (!rc)
			rc = inidoc_lines_each(names.data, owners_count_one, &oc);
		*counted += oc.n;
		buf_release(&names);
	}
	if (!rc)
		rc = store_put(c->st, WS_OWNED_KEPT, "1", 1);
	if (rc) {
		store_txn_cancel(c->st);
		return rc;
	}
	return store_txn_commit(c->st);
}

/* --- KIND.ini --- */

/* Render doc with the values of keys taken from from (doc's own are put
 * back after): for telling what else changed. */
static int render_with(struct inidoc *doc, const char *sec,
		       const char *const *keys, const struct inidoc *from,
		       struct buf *out)
{
	char *saved[8];
	int i, n, rc = 0;

	for (n = 0; keys[n]; n++) {
		saved[n] = strdup(inidoc_get(doc, sec, keys[n]));
		if (!saved[n])
			rc = -ENOMEM;
	}
	for (i = 0; i < n && !rc; i++)
		rc = inidoc_set(doc, sec, keys[i],
				inidoc_get(from, sec, keys[i]));
	if (!rc)
		rc = inidoc_render(doc, out);
	for (i = 0; i < n; i++) {
		if (saved[i] && inidoc_set(doc, sec, keys[i], saved[i]) && !rc)
			rc = -ENOMEM;
		free(saved[i]);
	}
	return rc;
}

static int ws_validate(struct mctx *c, const struct obj_ref *ref,
		       const struct inidoc *old, struct inidoc *doc,
		       struct diag *d)
{
	static const char *const admin_keys[] = { "owner", "approved",
						  "modified", "modified_by",
						  NULL };
	const struct ws_kind *wk = ws_kind_of(ref->kind);
	const char *sec = wk->section;
	const char *oowner = inidoc_get(old, sec, "owner");
	const char *owner = inidoc_get(doc, sec, "owner");
	const char *view = inidoc_get(doc, sec, "dataview");
	struct buf a = BUF_INIT, b = BUF_INIT, path = BUF_INIT;
	char ts[TIMEPARSE_FMT_SIZE], tmp[32], *from = NULL;
	int rc = 0, transfer = 0, approve, change;

	/* owner: a product admin's other known login transfers it; any
	 * other value is ignored, as for every read-only key */
	if (inidoc_line(doc, sec, "owner") && strcmp(owner, oowner) &&
	    is_admin(c)) {
		rc = policy_has_login(c->pol, owner);
		if (rc < 0)
			goto out;
		if (!rc) {
			diag_set(d, inidoc_line(doc, sec, "owner"), 0,
				 "owner: '%s' is not a known login", owner);
			rc = -EINVAL;
			goto out;
		}
		transfer = 1;
	}
	/* kept for the audit line: render_with() replaces doc's values */
	from = strdup(oowner);
	if (!from) {
		rc = -ENOMEM;
		goto out;
	}
	if (!transfer) {
		rc = inidoc_set(doc, sec, "owner", oowner);
		if (rc)
			goto out;
	}
	if (ref->kind == KIND_WS_ANNOTATION &&
	    inidoc_bool(doc, sec, "all_dataviews") &&
	    !inidoc_bool(old, sec, "all_dataviews") && !is_admin(c)) {
		diag_set(d, inidoc_line(doc, sec, "all_dataviews"), 0,
			 "all_dataviews: only product admins show an "
			 "annotation on every data view");
		rc = -EACCES;
		goto out;
	}
	/* the home view: one the writer can see, when it names another */
	if (*view && strcmp(view, inidoc_get(old, sec, "dataview"))) {
		struct obj_ref dv;

		obj_ref_root(&dv);
		dv.kind = KIND_DATAVIEW;
		dv.nnames = 1;
		snprintf(dv.names[0], sizeof(dv.names[0]), "%s", view);
		if (!obj_exists(c, &dv) ||
		    policy_check(c->pol, c->who, ACT_DV_SEE, &dv, NULL)) {
			diag_set(d, inidoc_line(doc, sec, "dataview"), 0,
				 "dataview: no data view '%s' that you can "
				 "see",
				 view);
			rc = -EINVAL;
			goto out;
		}
	}
	if (wk->syntax) {
		rc = wk->syntax(c, ref, doc, d);
		if (rc)
			goto out;
	}
	/* the definition against the home view: the kind's one hook */
	if (wk->validate) {
		rc = wk->validate(c, ref, doc, d);
		if (rc)
			goto out;
	}
	rc = ws_path(ref, &path);
	if (!rc)
		rc = refs_sync(c, wk, old, doc, path.data, path.data, d);
	/* what the kind keeps beside the record (a project's link) */
	if (!rc && wk->settle)
		rc = wk->settle(c, ref, old, doc, transfer, d);
	if (rc)
		goto out;
	/* what changed: the text, approved, the owner */
	rc = inidoc_render(old, &a);
	if (!rc)
		rc = inidoc_render(doc, &b);
	if (rc || (a.len == b.len && !memcmp(a.data, b.data, a.len)))
		goto out;	/* a no-op: nothing to stamp or audit */
	buf_reset(&b);
	rc = render_with(doc, sec, admin_keys, old, &b);
	if (rc)
		goto out;
	change = a.len != b.len || memcmp(a.data, b.data, a.len);
	approve = strcmp(inidoc_get(doc, sec, "approved"),
			 inidoc_get(old, sec, "approved"));
	if (timeparse_format_utc((int64_t)c->now, ts))
		ts[0] = '\0';
	rc = inidoc_set(doc, sec, "modified", ts);
	if (!rc)
		rc = inidoc_set(doc, sec, "modified_by", mctx_login(c, tmp));
	/* (render_with() replaced the values owner pointed to) */
	if (!rc && transfer)
		rc = owned_move(c, from, inidoc_get(doc, sec, "owner"));
	if (!rc && transfer)
		rc = ws_audit(c, ref, "transfer", "from %s to %s", from,
			      inidoc_get(doc, sec, "owner"));
	if (!rc && approve)
		rc = ws_audit(c, ref, "approve", "approved %s",
			      inidoc_get(doc, sec, "approved"));
	if (!rc && (change || (!transfer && !approve)))
		rc = ws_audit(c, ref, "change", "%s", "");
out:
	free(from);
	buf_release(&a);
	buf_release(&b);
	buf_release(&path);
	return rc;
}

int ws_ini_store(struct mctx *c, const struct obj_ref *ref, const char *data,
		 size_t len, struct diag *d)
{
	return dv_ini_commit(c, ref, data, len, ws_validate, d);
}

/* Write-time: a rule or formula that does not parse, a date off the
 * grammar, all_dataviews turned on by one who may not. */
int ws_ini_check_key(struct mctx *c, const struct obj_ref *ref,
		     const struct inidoc_field *f, const char *val,
		     const char *line, size_t llen, struct diag *d)
{
	struct inidoc one;
	int rc;

	if (!strcmp(f->key, "all_dataviews")) {
		struct obj_ref ini;
		struct inidoc old;

		if (strcmp(val, "true") || is_admin(c))
			return 0;
		ws_ini(ref, &ini);
		rc = attr_ini_load(c, &ini, obj_ref_attr(&ini), &old);
		if (rc)
			return 0;	/* the close judges */
		rc = inidoc_bool(&old, f->section, "all_dataviews");
		inidoc_release(&old);
		if (rc)
			return 0;
		diag_set(d, 0, 0, "all_dataviews: only product admins show an "
			 "annotation on every data view");
		return -EACCES;
	}
	if (ws_kind_of(ref->kind)->settle && curate_key(f->section, f->key)) {
		/* the owner's keys, turning a link on, require_login off */
		struct obj_ref ini;
		struct inidoc old;

		ws_ini(ref, &ini);
		rc = attr_ini_load(c, &ini, obj_ref_attr(&ini), &old);
		if (rc)
			return 0;	/* the close judges */
		rc = project_key_ok(c, ref, f->section, f->key,
				    inidoc_get(&old, f->section, f->key), val,
				    d);
		inidoc_release(&old);
		if (rc)
			return rc;
	}
	if (strcmp(f->key, "rule") && strcmp(f->key, "formula") &&
	    strcmp(f->key, "start") && strcmp(f->key, "end") &&
	    strcmp(f->key, "text") && strcmp(f->key, "expires") &&
	    strcmp(f->key, "components"))
		return 0;
	/* the kind's syntax check on a document holding this key alone */
	rc = inidoc_defaults(obj_ref_attr(ref)->schema, &one);
	if (rc)
		return rc;
	rc = inidoc_set(&one, f->section, f->key, val);
	if (!rc)
		rc = ws_kind_of(ref->kind)->syntax(c, ref, &one, d);
	inidoc_release(&one);
	if (rc == -EINVAL && d->column < 0) {
		const char *v;
		size_t vlen;
		int base = dv_raw_value(line, llen, 1, &v, &vlen);

		d->column = base ? base - d->column - 1 : -d->column;
	}
	return rc;
}

/* --- shares --- */

/* A principal no caller can be (a login or group the configuration does
 * not map) would be kept, and shown, for nobody: EINVAL, the column of
 * its name in the entry. */
static int share_known(struct mctx *c, const char *entry, size_t len,
		       size_t skip, struct diag *d)
{
	char name[OBJ_LOGIN_BUF];
	int group = skip == 6;

	if (len - skip >= sizeof(name))
		return 0;	/* the syntax check refused it */
	memcpy(name, entry + skip, len - skip);
	name[len - skip] = '\0';
	if (group ? config_has_group(c->cfg, name) :
		    config_uid_of(c->cfg, name) != (uid_t)-1)
		return 0;
	diag_set(d, 0, (int)skip + 1, "%s: no %s '%s' in the configuration "
		 "(%s)", group ? "group" : "user", group ? "group" : "login",
		 name, group ? "[groups]" : "[users]");
	return -EINVAL;
}

int ws_check_share(const char *entry, size_t len, void *arg, struct diag *d)
{
	struct mctx *c = arg;
	int rc;

	if (len == 3 && !memcmp(entry, "all", 3)) {
		if (is_admin(c))
			return 0;
		diag_set(d, 0, 0, "all: only product admins share with all");
		return -EACCES;
	}
	if (len > 5 && !memcmp(entry, "user:", 5)) {
		rc = admin_check_login(entry + 5, len - 5, arg, d);
		return rc ? rc : share_known(c, entry, len, 5, d);
	}
	if (len > 6 && !memcmp(entry, "group:", 6)) {
		rc = admin_check_member(entry, len, arg, d);
		return rc ? rc : share_known(c, entry, len, 6, d);
	}
	diag_set(d, 0, 0, "'%.*s': a share is user:LOGIN, group:NAME or all",
		 (int)(len > 64 ? 64 : len), entry);
	return -EINVAL;
}

int ws_check_role_share(const char *entry, size_t len, void *arg,
			struct diag *d)
{
	const char *sp = NULL;
	size_t plen, i;

	obj_share_role(entry, len, &plen);
	/* a login has no blanks: a last word there is a role or wrong */
	if (plen == len && (len < 6 || memcmp(entry, "group:", 6)))
		for (i = len; i-- > 0 && !sp;)
			if (entry[i] == ' ')
				sp = entry + i;
	if (sp) {
		diag_set(d, 0, (int)(sp - entry) + 2, "'%.*s': a role is edit "
			 "or view", (int)(len - (size_t)(sp - entry) - 1 > 64 ?
					  64 : len - (size_t)(sp - entry) - 1),
			 sp + 1);
		return -EINVAL;
	}
	return ws_check_share(entry, plen, arg, d);
}

/* The bounds of a list as written: lines, then principals. */
static int shares_bounds(const char *data, size_t len, const char *canon,
			 struct diag *d)
{
	const char *p = data, *end = data + len, *nl;
	size_t n = 0;
	int line = 0;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		line++;
		if ((size_t)(nl - p) > WS_SHARES_LINE_MAX) {
			diag_set(d, line, 0, "a line of shares is at most %d "
				 "bytes", WS_SHARES_LINE_MAX);
			return -EINVAL;
		}
	}
	for (p = canon; p && *p; p++)
		n += *p == '\n';
	if (n > WS_SHARES_MAX) {
		diag_set(d, 0, 0, "%zu principals: a list of shares holds at "
			 "most %d", n, WS_SHARES_MAX);
		return -EINVAL;
	}
	return 0;
}

/* Does the stored list old name principal, with any role? */
static int share_listed(const char *old, const char *principal)
{
	char e[300];

	if (inidoc_lines_has(old, principal) == 1)
		return 1;
	snprintf(e, sizeof(e), "%s edit", principal);
	if (inidoc_lines_has(old, e) == 1)
		return 1;
	snprintf(e, sizeof(e), "%s view", principal);
	return inidoc_lines_has(old, e) == 1;
}

/* What a caller who is not a product admin may add: groups it is in. */
struct share_rule {
	struct mctx *c;
	const char *old;
	struct diag *d;
	int roles;		/* the kind's lines carry roles */
};

static int share_rule_each(const char *e, size_t len, void *arg)
{
	struct share_rule *sr = arg;
	char item[256];
	size_t plen;
	int i;

	if (len >= sizeof(item) || len <= 6 || memcmp(e, "group:", 6))
		return 0;
	memcpy(item, e, len);
	item[len] = '\0';
	if (inidoc_lines_has(sr->old, item))
		return 0;
	/* a group kept with another role is kept */
	if (sr->roles)
		obj_share_role(item, len, &plen);
	else
		plen = len;
	item[plen] = '\0';
	if (share_listed(sr->old, item))
		return 0;
	for (i = 0; i < sr->c->who->ngroups; i++)
		if (!strcmp(sr->c->who->groups[i], item + 6))
			return 0;
	diag_set(sr->d, 0, 0, "%s: you may share only with groups you "
		 "belong to", item);
	return -EACCES;
}

int ws_shares_store(struct mctx *c, const struct obj_ref *ref,
		    const char *data, size_t len, struct diag *d)
{
	struct buf canon = BUF_INIT, old = BUF_INIT, shown = BUF_INIT;
	struct share_rule sr = { c, NULL, d, ws_kind_of(ref->kind)->roles };
	int rc;

	rc = inidoc_lines_parse(data, len, obj_ref_attr(ref)->check_entry, c,
				&canon, d);
	if (!rc)
		rc = shares_bounds(data, len, canon.data, d);
	if (!rc)
		rc = attr_lines_show(c, ref, &old);
	if (rc)
		goto out;
	if (!canon.data)
		buf_add(&canon, "", 0);
	if (old.len == canon.len && !memcmp(old.data, canon.data, old.len)) {
		rc = 1;
		goto out;
	}
	if (!is_admin(c)) {
		/* a list that holds all the gate kept from this writer */
		sr.old = old.data;
		rc = inidoc_lines_each(canon.data, share_rule_each, &sr);
		if (rc)
			goto out;
	}
	rc = attr_lines_commit(c, ref, data, len,
			       obj_ref_attr(ref)->check_entry, d);
	if (rc)
		goto out;
	/* the new list in the detail: grep share.*all finds who shared
	 * with all */
	rc = buf_add(&shown, canon.data, canon.len);
	for (size_t i = 0; !rc && i < shown.len; i++)
		if (shown.data[i] == '\n')
			shown.data[i] = i + 1 < shown.len ? ' ' : '\0';
	if (rc)
		goto out;
	rc = ws_audit(c, ref, "share", "%s",
		      shown.len ? shown.data : "nobody");
out:
	buf_release(&canon);
	buf_release(&old);
	buf_release(&shown);
	return rc;
}

int ws_shares_why(struct mctx *c, const struct obj_ref *ref,
		  struct buf *out)
{
	struct buf why = BUF_INIT;
	int rc;

	/* all: the gate's rule, as write(2) applies it (ws_check_share) */
	if (!policy_check(c->pol, c->who, ACT_WS_ADMIN, ref, &why)) {
		rc = buf_addstr(out, "share with all: allowed\n");
		goto out;
	}
	rc = buf_printf(out, "share with all: denied: %s\n",
			why.len ? why.data : "not allowed");
	if (!rc)
		rc = buf_addstr(out, "add: logins the configuration maps, and "
				"groups you belong to; removing and keeping "
				"are allowed\n");
out:
	buf_release(&why);
	return rc;
}

/* --- used_by --- */

struct used_show {
	struct mctx *c;
	struct buf *out;
	int hidden;
};

static int used_show_each(const char *e, size_t len, void *arg)
{
	struct used_show *us = arg;
	char path[512];
	struct obj_ref r;

	if (len >= sizeof(path))
		return 0;
	memcpy(path, e, len);
	path[len] = '\0';
	if (obj_ref_parse(path, 0, &r) ||
	    policy_check(us->c->pol, us->c->who, ACT_WS_READ, &r, NULL)) {
		us->hidden++;
		return 0;
	}
	return buf_printf(us->out, "%s\n", path);
}

/* The referrers of ref as the caller may know them: paths, then how
 * many others there are. */
static int used_for_caller(struct mctx *c, const struct obj_ref *ref,
			   struct buf *out, int *hidden)
{
	struct buf path = BUF_INIT, list = BUF_INIT;
	struct used_show us = { c, out, 0 };
	int rc = ws_path(ref, &path);

	if (!rc)
		rc = used_get(c, path.data, &list);
	if (!rc)
		rc = buf_add(out, "", 0);
	if (!rc)
		rc = inidoc_lines_each(list.data, used_show_each, &us);
	*hidden = us.hidden;
	buf_release(&path);
	buf_release(&list);
	return rc;
}

int ws_used_by_show(struct mctx *c, const struct obj_ref *ref,
		    struct buf *out)
{
	int hidden, rc = used_for_caller(c, ref, out, &hidden);

	if (!rc && hidden)
		rc = buf_printf(out, "# %d more you cannot see\n", hidden);
	return rc;
}

int ws_in_use(struct mctx *c, const struct obj_ref *ref, struct diag *d)
{
	struct buf list = BUF_INIT, shown = BUF_INIT;
	int hidden, rc = used_for_caller(c, ref, &list, &hidden);
	size_t i;

	if (rc || (!list.len && !hidden))
		goto out;
	/* "a, b": as connections name the views that use them */
	rc = buf_add(&shown, "", 0);
	for (i = 0; !rc && i < list.len; i++)
		rc = list.data[i] != '\n' ? buf_addch(&shown, list.data[i]) :
		     i + 1 < list.len	   ? buf_addstr(&shown, ", ") :
					     0;
	if (rc)
		goto out;
	if (shown.len && !hidden)
		diag_set(d, 0, 0, "in use by %s", shown.data);
	else if (shown.len)
		diag_set(d, 0, 0, "in use by %s and %d object%s you cannot "
			 "see", shown.data, hidden, hidden > 1 ? "s" : "");
	else
		diag_set(d, 0, 0, "in use by %d object%s you cannot see",
			 hidden, hidden > 1 ? "s" : "");
	rc = -EBUSY;
out:
	buf_release(&list);
	buf_release(&shown);
	return rc;
}

/* --- kind hooks --- */

int ws_facts(struct mctx *c, const struct obj_ref *ref,
	     struct obj_facts *out)
{
	const struct ws_kind *wk = ws_kind_of(ref->kind);
	const struct kind_attr *a = &kind_table[ref->kind].attrs[0];
	struct obj_ref o;
	struct rec r = REC_INIT;
	struct inidoc doc;
	struct diag d;
	const char *text;
	size_t len;
	int rc;

	ws_obj(ref, &o);
	rc = obj_load(c, &o, &r);
	if (rc)
		goto out;
	text = rec_get(&r, a->name, &len);
	rc = text ? inidoc_parse(a->schema, text, len, NULL, &doc, &d) :
		    inidoc_defaults(a->schema, &doc);
	if (rc == -EINVAL)
		rc = -EIO;
	if (rc)
		goto out;
	rc = buf_addstr(&out->owner, inidoc_get(&doc, wk->section, "owner"));
	if (!rc)
		rc = buf_addstr(&out->dataview,
				inidoc_get(&doc, wk->section, "dataview"));
	/* people.csv: whether the view shows the ids is the policy's fact */
	if (!rc && ref->kind == KIND_WS_AUDIENCE && ref->attr >= 0 &&
	    kind_table[ref->kind].attrs[ref->attr].stream &&
	    *inidoc_get(&doc, wk->section, "dataview")) {
		rc = dv_person_shown(c, inidoc_get(&doc, wk->section,
						   "dataview"));
		out->person_shown = rc > 0;
		rc = rc < 0 ? rc : 0;
	}
	inidoc_release(&doc);
	out->roles = wk->roles;
	text = rec_get(&r, "shares", &len);
	if (!rc)
		rc = text ? buf_add(&out->shares, text, len) :
			    buf_add(&out->shares, "", 0);
out:
	rec_release(&r);
	return rc;
}

int ws_create(struct mctx *c, const struct obj_ref *ref, struct diag *d)
{
	const struct ws_kind *wk = ws_kind_of(ref->kind);
	struct obj_ref ini;
	struct inidoc doc;
	struct buf text = BUF_INIT;
	struct rec r = REC_INIT;
	char ts[TIMEPARSE_FMT_SIZE], tmp[32];
	unsigned long owned;
	int rc;

	/* a login makes objects up to [limits] workspace_objects */
	rc = owned_get(c, mctx_login(c, tmp), &owned);
	if (rc)
		return rc;
	if (c->cfg->ws_objects && owned >= c->cfg->ws_objects) {
		diag_set(d, 0, 0, "you own %lu Workspace objects, the most "
			 "[limits] workspace_objects lets one login make",
			 owned);
		return -EDQUOT;
	}
	rc = owned_add(c, mctx_login(c, tmp), 1);
	if (rc)
		return rc;
	ws_ini(ref, &ini);
	rc = attr_ini_load(c, &ini, obj_ref_attr(&ini), &doc);
	if (rc)
		return rc;
	if (timeparse_format_utc((int64_t)c->now, ts))
		ts[0] = '\0';
	rc = inidoc_set(&doc, wk->section, "owner", mctx_login(c, tmp));
	if (!rc)
		rc = inidoc_set(&doc, wk->section, "created", ts);
	if (!rc)
		rc = inidoc_set(&doc, wk->section, "modified", ts);
	if (!rc)
		rc = inidoc_set(&doc, wk->section, "modified_by",
				mctx_login(c, tmp));
	if (!rc)
		rc = inidoc_render(&doc, &text);
	inidoc_release(&doc);
	if (!rc)
		rc = obj_load(c, &ini, &r);
	if (!rc)
		rc = rec_set(&r, obj_ref_attr(&ini)->name, text.data, text.len);
	if (!rc)
		rc = obj_save(c, &ini, &r);
	rec_release(&r);
	buf_release(&text);
	return rc;
}

/* Deleted: what it named no longer has it in its used_by (nothing names
 * it: in_use said so before). */
int ws_destroy(struct mctx *c, const struct obj_ref *ref, struct diag *d)
{
	const struct ws_kind *wk = ws_kind_of(ref->kind);
	struct obj_ref ini;
	struct inidoc doc;
	struct buf path = BUF_INIT, key = BUF_INIT;
	int rc;

	ws_ini(ref, &ini);
	rc = attr_ini_load(c, &ini, obj_ref_attr(&ini), &doc);
	if (rc)
		return rc;
	rc = ws_path(ref, &path);
	if (!rc)
		rc = refs_sync(c, wk, &doc, NULL, path.data, path.data, d);
	if (!rc)
		rc = owned_add(c, inidoc_get(&doc, wk->section, "owner"), -1);
	if (!rc && wk->gone)
		rc = wk->gone(c, ref, &doc);
	if (!rc)
		rc = used_key(path.data, &key);
	if (!rc)
		rc = store_del(c->st, key.data);
	if (rc == -ENOENT)
		rc = 0;
	inidoc_release(&doc);
	buf_release(&path);
	buf_release(&key);
	return rc;
}

/* Renamed (nothing names it: in_use said so before): what it names
 * follows it. */
int ws_moved(struct mctx *c, const struct obj_ref *from,
	     const struct obj_ref *ref, struct diag *d)
{
	const struct ws_kind *wk = ws_kind_of(ref->kind);
	struct obj_ref ini;
	struct inidoc doc;
	struct buf a = BUF_INIT, b = BUF_INIT;
	int rc;

	ws_ini(ref, &ini);
	rc = attr_ini_load(c, &ini, obj_ref_attr(&ini), &doc);
	if (rc)
		return rc;
	rc = ws_path(from, &a);
	if (!rc)
		rc = ws_path(ref, &b);
	if (!rc)
		rc = refs_sync(c, wk, &doc, &doc, a.data, b.data, d);
	if (!rc && wk->moved)
		rc = wk->moved(c, from, ref, &doc, d);
	inidoc_release(&doc);
	buf_release(&a);
	buf_release(&b);
	return rc;
}

/* --- projects (SPEC §7) --- */

/* The day a link's expires names (days since 1970-01-01), or -EINVAL
 * with fd->column in the value. */
static int expires_day(const char *v, int64_t *day, struct diag *fd)
{
	struct wsdef_date dt;
	int rc = wsdef_date_parse(v, strlen(v), &dt, fd);

	if (rc)
		return rc;
	if (!wsdef_date_fixed(&dt)) {
		diag_set(fd, 0, 1, "a link expires on a fixed day "
			 "(YYYY-MM-DD), not one relative to today");
		return -EINVAL;
	}
	*day = wsdef_date_day(&dt, NULL, 0);
	return 0;
}

struct typed_check {
	const char *list;
	struct diag *fd;
};

static int typed_check_each(const char *item, size_t len, void *arg)
{
	struct typed_check *tc = arg;
	size_t at;
	int k;

	if (!ws_typed_parse(item, len, &k, &at))
		return 0;
	diag_set(tc->fd, 0, (int)(item - tc->list) + 1,
		 "'%.*s': a component is KIND NAME, KIND one of dimension, "
		 "metric, segment, calculated-metric, date-range",
		 (int)(len > 64 ? 64 : len), item);
	return -EINVAL;
}

/* [curation] components, one "KIND NAME" each; [link] expires. */
static int project_syntax(struct mctx *c, const struct obj_ref *ref,
			  const struct inidoc *doc, struct diag *d)
{
	const char *v = inidoc_get(doc, "curation", "components");
	struct diag fd;
	struct typed_check tc = { v, &fd };
	int64_t day;
	int rc;

	memset(&fd, 0, sizeof(fd));
	rc = inidoc_list_each(v, typed_check_each, &tc);
	if (rc == -EINVAL)
		return value_err(d, doc, "curation", "components", &fd);
	if (rc)
		return rc;
	v = inidoc_get(doc, "link", "expires");
	if (*v && expires_day(v, &day, &fd))
		return value_err(d, doc, "link", "expires", &fd);
	return 0;
}

/* The component NAME of data view view, if the caller may see the
 * view: 1 and its kind ("dimension", "metric") in kind, else 0. */
static int view_component(struct mctx *c, const char *view,
			  const char *name, size_t len, char kind[16])
{
	struct obj_ref dv, comp;
	struct inidoc doc;
	int rc;

	if (!*view || len > OBJ_NAME_MAX || strlen(view) > OBJ_NAME_MAX)
		return 0;
	obj_ref_root(&dv);
	dv.kind = KIND_DATAVIEW;
	dv.nnames = 1;
	snprintf(dv.names[0], sizeof(dv.names[0]), "%s", view);
	comp = dv;
	comp.kind = KIND_COMPONENT;
	comp.nnames = 2;
	comp.attr = 0;
	memcpy(comp.names[1], name, len);
	comp.names[1][len] = '\0';
	if (!obj_exists(c, &comp) ||
	    policy_check(c->pol, c->who, ACT_DV_SEE, &dv, NULL))
		return 0;
	rc = attr_ini_load(c, &comp, obj_ref_attr(&comp), &doc);
	if (rc)
		return 0;
	snprintf(kind, 16, "%s", inidoc_get(&doc, "component", "kind"));
	inidoc_release(&doc);
	return 1;
}

/* May the caller use the item "KIND NAME" in a project on view? */
static int typed_usable(struct mctx *c, const char *view, const char *item,
			size_t len)
{
	struct obj_ref o;
	char name[OBJ_NAME_MAX + 1], kind[16];
	size_t at;
	int k;

	if (ws_typed_parse(item, len, &k, &at) || len - at > OBJ_NAME_MAX)
		return 0;
	if (k < 0)
		return view_component(c, view, item + at, len - at, kind) &&
		       strlen(kind) == at - 1 && !memcmp(kind, item, at - 1);
	memcpy(name, item + at, len - at);
	name[len - at] = '\0';
	ws_kind_path(k, name, &o, NULL);
	o.attr = 0;
	return obj_exists(c, &o) &&
	       !policy_check(c->pol, c->who, ACT_WS_READ, &o, NULL);
}

struct curated_check {
	struct mctx *c;
	const char *view, *list;
	struct diag *fd;
	const char *old;
};

static int curated_check_each(const char *item, size_t len, void *arg)
{
	struct curated_check *cc = arg;
	char one[OBJ_NAME_MAX + 24];

	/* one kept from the stored list stays, whoever writes */
	if (len < sizeof(one)) {
		memcpy(one, item, len);
		one[len] = '\0';
		if (inidoc_list_has(cc->old, one) == 1)
			return 0;
	}
	if (typed_usable(cc->c, cc->view, item, len))
		return 0;
	diag_set(cc->fd, 0, (int)(item - cc->list) + 1,
		 "no component '%.*s' that you can use%s",
		 (int)(len > 160 ? 160 : len), item,
		 *cc->view ? "" : " (no [project] dataview)");
	return -EINVAL;
}

/* What [curation] components adds: components of the project's view
 * and Workspace objects the writer may use. */
/* A project's panels that name no view of their own read its view: a
 * new one must fit each, judged as if the writer wrote it there (SPEC
 * §7: whoever writes a panel must be able to use all it names; moving
 * the view under a panel re-slices what it names). */
struct panels_fit {
	struct mctx *c;
	const struct obj_ref *ref;
	const char *view;
	struct diag *d;
};

static int panels_fit_one(const char *name, size_t len, void *arg)
{
	struct panels_fit *pf = arg;
	struct obj_ref ini;
	struct inidoc doc;
	struct diag fd;
	int rc;

	if (!len || len > OBJ_NAME_MAX)
		return 0;
	obj_ref_root(&ini);
	ini.kind = KIND_WS_PANEL;
	ini.nnames = 2;
	ini.attr = 0;
	memcpy(ini.names[0], pf->ref->names[0], sizeof(ini.names[0]));
	memcpy(ini.names[1], name, len);
	ini.names[1][len] = '\0';
	rc = attr_ini_load(pf->c, &ini, obj_ref_attr(&ini), &doc);
	if (rc)
		return rc == -ENOENT ? 0 : rc;
	if (*inidoc_get(&doc, "panel", "dataview") ||
	    (!*inidoc_get(&doc, "panel", "dimension") &&
	     !*inidoc_get(&doc, "panel", "metrics"))) {
		inidoc_release(&doc);
		return 0;
	}
	memset(&fd, 0, sizeof(fd));
	rc = *pf->view ? panel_check(pf->c, pf->view, &doc, &fd) : -EINVAL;
	if (rc == -EINVAL)
		diag_set(pf->d, 0, 0, "dataview: panel '%s' does not fit data "
			 "view '%s': %s", ini.names[1], pf->view,
			 *pf->view ? fd.msg : "it names none");
	inidoc_release(&doc);
	return rc;
}

static int panels_fit(struct mctx *c, const struct obj_ref *ref,
		      const char *view, struct diag *d)
{
	struct obj_ref dir;
	struct buf names = BUF_INIT;
	struct panels_fit pf = { c, ref, view, d };
	int rc;

	obj_ref_root(&dir);
	dir.kind = KIND_WS_PANELS;
	dir.nnames = 1;
	memcpy(dir.names[0], ref->names[0], sizeof(dir.names[0]));
	rc = obj_list(c, &dir, &names);
	if (!rc)
		rc = inidoc_lines_each(names.data, panels_fit_one, &pf);
	buf_release(&names);
	return rc;
}

static int project_validate(struct mctx *c, const struct obj_ref *ref,
			    const struct inidoc *doc, struct diag *d)
{
	const char *v = inidoc_get(doc, "curation", "components");
	struct obj_ref ini;
	struct inidoc old;
	struct diag fd;
	struct curated_check cc = { c, inidoc_get(doc, "project", "dataview"),
				    v, &fd, "" };
	int rc;

	ws_ini(ref, &ini);
	rc = attr_ini_load(c, &ini, obj_ref_attr(&ini), &old);
	if (rc)
		return rc;
	/* the same view: what was there stays */
	if (!strcmp(cc.view, inidoc_get(&old, "project", "dataview"))) {
		cc.old = inidoc_get(&old, "curation", "components");
	} else if (inidoc_bool(&old, "curation", "enabled") &&
		   !project_owner(c, &old)) {
		/* the curated names are the view's: a recipient keeps it */
		diag_set(d, key_line(doc, "project", "dataview"), 0,
			 "dataview: project '%s' is curated: its data view "
			 "is its owner's to change", ref->names[0]);
		inidoc_release(&old);
		return -EACCES;
	} else {
		rc = panels_fit(c, ref, cc.view, d);
		if (rc) {
			if (rc == -EINVAL)
				d->line = key_line(doc, "project", "dataview");
			inidoc_release(&old);
			return rc;
		}
	}
	memset(&fd, 0, sizeof(fd));
	rc = inidoc_list_each(v, curated_check_each, &cc);
	inidoc_release(&old);
	if (rc == -EINVAL)
		return value_err(d, doc, "curation", "components", &fd);
	return rc;
}

static int link_key(const char *token, struct buf *key)
{
	return buf_printf(key, "l:%s", token);
}

/* The link of doc off: its index gone, enabled false, no token. */
static int link_off(struct mctx *c, struct inidoc *doc)
{
	const char *tok = inidoc_get(doc, "link", "token");
	struct buf key = BUF_INIT;
	int rc = 0;

	if (*tok) {
		rc = link_key(tok, &key);
		if (!rc)
			rc = store_del(c->st, key.data);
		if (rc == -ENOENT)
			rc = 0;
	}
	if (!rc)
		rc = inidoc_set(doc, "link", "enabled", "false");
	if (!rc)
		rc = inidoc_set(doc, "link", "token", "");
	buf_release(&key);
	return rc;
}

/* A new token for the link of ref: 128 bits from getrandom(2), in hex,
 * and its index "l:TOKEN" -> the project's path. */
static int link_on(struct mctx *c, const struct obj_ref *ref,
		   struct inidoc *doc)
{
	unsigned char raw[WS_TOKEN_HEX / 2];
	char hex[WS_TOKEN_HEX + 1];
	struct buf key = BUF_INIT, path = BUF_INIT;
	size_t got = 0;
	ssize_t n;
	int rc = 0, i;

	while (got < sizeof(raw)) {
		n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		got += (size_t)n;
	}
	for (i = 0; i < (int)sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	rc = link_key(hex, &key);
	if (!rc)
		rc = ws_path(ref, &path);
	if (!rc)
		rc = store_put(c->st, key.data, path.data, path.len);
	if (!rc)
		rc = inidoc_set(doc, "link", "token", hex);
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(hex, sizeof(hex));
	buf_release(&key);
	buf_release(&path);
	return rc;
}

static const char *const curate_keys[][2] = {
	{ "curation", "enabled" }, { "curation", "components" },
	{ "link", "enabled" },	   { "link", "require_login" },
	{ "link", "expires" },	   { NULL, NULL }
};

/* Is sec.key one only the owner changes? */
static int curate_key(const char *sec, const char *key)
{
	int i;

	for (i = 0; curate_keys[i][0]; i++)
		if (!strcmp(curate_keys[i][0], sec) &&
		    !strcmp(curate_keys[i][1], key))
			return 1;
	return 0;
}

/* Whether the caller may set sec.key of the project ref from was to val
 * (the owner's keys; turning the link on; require_login off): 0, or
 * -EACCES / -EINVAL with d->msg. */
static int project_key_ok(struct mctx *c, const struct obj_ref *ref,
			  const char *sec, const char *key, const char *was,
			  const char *val, struct diag *d)
{
	struct buf why = BUF_INIT;
	int rc = 0, act = ACT_WS_CURATE;

	if (!curate_key(sec, key) || !strcmp(was, val))
		return 0;
	if (!strcmp(sec, "link") && !strcmp(key, "enabled") &&
	    !strcmp(val, "true"))
		act = ACT_WS_LINK;
	if (policy_check(c->pol, c->who, act, ref, &why)) {
		diag_set(d, 0, 0, "[%s] %s: denied: %s", sec, key,
			 why.len ? why.data : "not allowed");
		rc = -EACCES;
	} else if (!strcmp(key, "require_login") && !strcmp(val, "false") &&
		   !c->cfg->anonymous_links) {
		diag_set(d, 0, 0, "require_login: false needs [workspace] "
			 "anonymous_links = true in the configuration");
		rc = -EINVAL;
	}
	buf_release(&why);
	return rc;
}

static int project_audit_link(struct mctx *c, const struct obj_ref *ref,
			      const char *what)
{
	return ws_audit(c, ref, "share", "link %s", what);
}

static int project_settle(struct mctx *c, const struct obj_ref *ref,
			  const struct inidoc *old, struct inidoc *doc,
			  int transfer, struct diag *d)
{
	int i, rc, was, now;

	for (i = 0; curate_keys[i][0]; i++) {
		const char *sec = curate_keys[i][0], *key = curate_keys[i][1];

		rc = project_key_ok(c, ref, sec, key,
				    inidoc_get(old, sec, key),
				    inidoc_get(doc, sec, key), d);
		if (rc) {
			d->line = inidoc_line(doc, sec, key);
			return rc;
		}
	}
	was = inidoc_bool(old, "link", "enabled");
	now = inidoc_bool(doc, "link", "enabled");
	if (was && now && !transfer)
		return 0;	/* the token stays (a read-only key) */
	if (was) {
		/* disabled, or a change of owner: the old token is gone */
		rc = link_off(c, doc);
		if (!rc)
			rc = project_audit_link(c, ref, transfer ?
						"disabled: a new owner" :
						"disabled");
		return rc;
	}
	if (!now)
		return inidoc_set(doc, "link", "token", "");
	if (transfer) {
		diag_set(d, inidoc_line(doc, "link", "enabled"), 0,
			 "link: a project changing owner has its link "
			 "disabled; enable it after");
		return -EINVAL;
	}
	rc = link_on(c, ref, doc);
	if (!rc)
		rc = project_audit_link(c, ref, "enabled");
	return rc;
}

static int project_handed(struct mctx *c, const struct obj_ref *ref,
			  struct inidoc *doc)
{
	int rc;

	if (!inidoc_bool(doc, "link", "enabled") &&
	    !*inidoc_get(doc, "link", "token"))
		return 0;
	rc = link_off(c, doc);
	return rc ? rc : project_audit_link(c, ref, "disabled: transferred");
}

static int project_gone(struct mctx *c, const struct obj_ref *ref,
			const struct inidoc *doc)
{
	const char *tok = inidoc_get(doc, "link", "token");
	struct buf key = BUF_INIT;
	int rc;

	if (!*tok)
		return 0;
	rc = link_key(tok, &key);
	if (!rc)
		rc = store_del(c->st, key.data);
	buf_release(&key);
	return rc == -ENOENT ? 0 : rc;
}

/* Renamed: its link's index names the new path, and its panels, which
 * moved with it, are listed by their new paths where they name things. */
static int project_moved(struct mctx *c, const struct obj_ref *from,
			 const struct obj_ref *ref, const struct inidoc *doc,
			 struct diag *d)
{
	const char *tok = inidoc_get(doc, "link", "token");
	struct buf key = BUF_INIT, path = BUF_INIT;
	int rc = panels_repath(c, from, ref, d);

	if (rc || !*tok)
		return rc;
	rc = link_key(tok, &key);
	if (!rc)
		rc = ws_path(ref, &path);
	if (!rc)
		rc = store_put(c->st, key.data, path.data, path.len);
	buf_release(&key);
	buf_release(&path);
	return rc;
}

/* Is the caller the owner of the project doc is, or a product admin? */
static int project_owner(struct mctx *c, const struct inidoc *doc)
{
	char tmp[32];

	return is_admin(c) ||
	       (c->who && c->who->login &&
		!strcmp(inidoc_get(doc, "project", "owner"),
			mctx_login(c, tmp)));
}

int ws_project_ini_show(struct mctx *c, const struct obj_ref *ref,
			struct buf *out)
{
	struct inidoc doc;
	int rc = attr_ini_load(c, ref, obj_ref_attr(ref), &doc);

	if (rc)
		return rc;
	if (!project_owner(c, &doc))
		rc = inidoc_set(&doc, "link", "token", "");
	if (!rc)
		rc = inidoc_render(&doc, out);
	inidoc_release(&doc);
	return rc;
}

struct comp_list {
	struct mctx *c;
	const char *view;
	struct buf *out;
	int kind;
};

static int comp_list_view(const char *name, size_t len, void *arg)
{
	struct comp_list *cl = arg;
	char kind[16];

	if (!view_component(cl->c, cl->view, name, len, kind))
		return 0;
	return buf_printf(cl->out, "%s %.*s\n", kind, (int)len, name);
}

static int comp_list_ws(const char *name, size_t len, void *arg)
{
	struct comp_list *cl = arg;
	struct buf view = BUF_INIT;
	struct obj_ref o;
	char n[OBJ_NAME_MAX + 1];
	int rc, i;

	if (len > OBJ_NAME_MAX)
		return 0;
	memcpy(n, name, len);
	n[len] = '\0';
	ws_kind_path(cl->kind, n, &o, NULL);
	o.attr = 0;
	if (policy_check(cl->c->pol, cl->c->who, ACT_WS_READ, &o, NULL))
		return 0;
	/* its home view, as the policy read it for that check (the facts
	 * are kept per store generation: a project's list does not parse
	 * every object's settings again) */
	rc = policy_home_view(cl->c->pol, cl->c->who, &o, &view);
	if (rc) {
		buf_release(&view);
		return rc == -ENOENT ? 0 : rc;
	}
	/* one of another view's is no use here */
	if (!view.len || !strcmp(view.data, cl->view))
		for (i = 0; ws_typed_kinds[i].word; i++)
			if (ws_typed_kinds[i].kind == cl->kind)
				rc = buf_printf(cl->out, "%s %s\n",
						ws_typed_kinds[i].word, n);
	buf_release(&view);
	return rc;
}

struct comp_curated {
	struct mctx *c;
	const char *view;
	struct buf *out;
};

static int comp_curated_each(const char *item, size_t len, void *arg)
{
	struct comp_curated *cc = arg;

	if (!typed_usable(cc->c, cc->view, item, len))
		return 0;
	return buf_printf(cc->out, "%.*s\n", (int)len, item);
}

static int comp_curated_item(const char *item, void *arg)
{
	return comp_curated_each(item, strlen(item), arg);
}

/* fn(item) for what each panel of the project ref is in names. */
struct panels_items_each {
	struct mctx *c;
	const struct obj_ref *dir;
	int (*fn)(const char *item, void *arg);
	void *arg;
};

static int panels_items_one(const char *name, size_t len, void *arg)
{
	struct panels_items_each *pe = arg;
	struct obj_ref ini = *pe->dir;
	struct inidoc doc;
	int rc;

	if (len > OBJ_NAME_MAX)
		return 0;
	ini.kind = KIND_WS_PANEL;
	ini.attr = 0;
	ini.nnames = 2;
	memcpy(ini.names[1], name, len);
	ini.names[1][len] = '\0';
	rc = attr_ini_load(pe->c, &ini, obj_ref_attr(&ini), &doc);
	if (rc)
		return rc == -ENOENT ? 0 : rc;
	rc = panel_items(&doc, pe->fn, pe->arg);
	inidoc_release(&doc);
	return rc;
}

/* Add item to set ("\n"-led, a line each) unless it is there. */
static int items_set_add(const char *item, void *arg)
{
	struct buf *set = arg;
	size_t n = strlen(item);
	const char *at = set->data;

	while ((at = strstr(at, item)) != NULL) {
		if (at[-1] == '\n' && at[n] == '\n')
			return 0;
		at++;
	}
	if (buf_add(set, item, n))
		return -ENOMEM;
	return buf_addch(set, '\n');
}

static int items_set_each(const char *line, size_t len, void *arg)
{
	struct panels_items_each *pe = arg;
	char one[OBJ_NAME_MAX + 32];

	if (!len || len >= sizeof(one))
		return 0;
	memcpy(one, line, len);
	one[len] = '\0';
	return pe->fn(one, pe->arg);
}

/* What the project's panels name, each distinct item once (however
 * many panels name it): a project's 256 panels of 50 metrics each cost
 * one load of each panel and one call per distinct item, not one per
 * mention. */
static int panels_items(struct mctx *c, const struct obj_ref *ref,
			int (*fn)(const char *item, void *arg), void *arg)
{
	struct obj_ref dir;
	struct buf names = BUF_INIT, set = BUF_INIT;
	struct panels_items_each pe = { c, &dir, items_set_add, &set };
	int rc;

	obj_ref_root(&dir);
	dir.kind = KIND_WS_PANELS;
	dir.nnames = 1;
	memcpy(dir.names[0], ref->names[0], sizeof(dir.names[0]));
	rc = buf_addch(&set, '\n');
	if (!rc)
		rc = obj_list(c, &dir, &names);
	if (!rc)
		rc = inidoc_lines_each(names.data, panels_items_one, &pe);
	pe.fn = fn;
	pe.arg = arg;
	if (!rc)
		rc = inidoc_lines_each(set.data + 1, items_set_each, &pe);
	buf_release(&names);
	buf_release(&set);
	return rc;
}

/*
 * components: the view's components the caller may see, and the
 * segments, calculated metrics and date ranges it may read whose home
 * view is the project's (or none).  With [curation] enabled, a recipient
 * (not the owner, not a product admin) sees the curated ones alone and
 * those the panels use, each only if it may use it.
 */
int ws_project_components_show(struct mctx *c, const struct obj_ref *ref,
			       struct buf *out)
{
	struct obj_ref ini, dir;
	struct inidoc doc;
	struct buf lines = BUF_INIT, names = BUF_INIT;
	struct diag d;
	const char *view;
	int rc, i;

	ws_ini(ref, &ini);
	rc = attr_ini_load(c, &ini, obj_ref_attr(&ini), &doc);
	if (rc)
		return rc;
	view = inidoc_get(&doc, "project", "dataview");
	rc = buf_add(&lines, "", 0);
	if (rc)
		goto out;
	if (inidoc_bool(&doc, "curation", "enabled") &&
	    !project_owner(c, &doc)) {
		struct comp_curated cc = { c, view, &lines };

		rc = inidoc_list_each(inidoc_get(&doc, "curation",
						 "components"),
				      comp_curated_each, &cc);
		/* and what the panels use */
		if (!rc)
			rc = panels_items(c, ref, comp_curated_item, &cc);
		goto done;
	}
	if (*view) {
		struct comp_list cl = { c, view, &lines, -1 };

		obj_ref_root(&dir);
		dir.kind = KIND_COMPONENTS;
		dir.nnames = 1;
		snprintf(dir.names[0], sizeof(dir.names[0]), "%s", view);
		rc = obj_list(c, &dir, &names);
		if (!rc)
			rc = inidoc_lines_each(names.data, comp_list_view, &cl);
	}
	for (i = 0; !rc && ws_typed_kinds[i].word; i++) {
		struct comp_list cl = { c, view, &lines,
					ws_typed_kinds[i].kind };

		if (cl.kind < 0)
			continue;
		buf_reset(&names);
		obj_ref_root(&dir);
		dir.kind = kind_table[cl.kind].parent;
		rc = obj_list(c, &dir, &names);
		if (!rc)
			rc = inidoc_lines_each(names.data, comp_list_ws, &cl);
	}
done:
	if (!rc)
		rc = inidoc_lines_parse(lines.data, lines.len, NULL, NULL,
					out, &d);
	if (!rc)
		rc = buf_add(out, "", 0);
out:
	inidoc_release(&doc);
	buf_release(&lines);
	buf_release(&names);
	return rc;
}

/* --- /links --- */

/* The live link token names: 0 with its project's .ini ref and
 * document (released by the caller), or -ENOENT (no such token, the
 * link off or expired). */
static int link_resolve(struct mctx *c, const char *token,
			struct obj_ref *proj, struct inidoc *doc)
{
	struct buf key = BUF_INIT, path = BUF_INIT;
	const char *exp;
	int64_t day;
	struct diag fd;
	int rc, i;

	if (strlen(token) != WS_TOKEN_HEX)
		return -ENOENT;
	for (i = 0; i < WS_TOKEN_HEX; i++)
		if (!strchr("0123456789abcdef", token[i]) || !token[i])
			return -ENOENT;
	rc = link_key(token, &key);
	if (!rc)
		rc = store_get(c->st, key.data, &path);
	if (!rc)
		rc = obj_ref_parse(path.data, 0, proj);
	buf_release(&key);
	buf_release(&path);
	if (rc)
		return rc == -ENOMEM ? rc : -ENOENT;
	if (proj->kind != KIND_WS_PROJECT)
		return -ENOENT;
	proj->attr = 0;
	rc = attr_ini_load(c, proj, obj_ref_attr(proj), doc);
	if (rc)
		return rc;
	exp = inidoc_get(doc, "link", "expires");
	memset(&fd, 0, sizeof(fd));
	if (!inidoc_bool(doc, "link", "enabled") ||
	    strcmp(inidoc_get(doc, "link", "token"), token) ||
	    (*exp && (expires_day(exp, &day, &fd) ||
		      (int64_t)(c->now / 86400) > day))) {
		inidoc_release(doc);
		return -ENOENT;
	}
	return 0;
}

int ws_link_list(struct mctx *c, const struct obj_ref *parent,
		 struct buf *names)
{
	return buf_add(names, "", 0);	/* tokens are never listed */
}

int ws_link_has(struct mctx *c, const struct obj_ref *ref)
{
	struct obj_ref proj;
	struct inidoc doc;
	int rc = link_resolve(c, ref->names[ref->nnames - 1], &proj, &doc);

	if (rc)
		return rc == -ENOENT ? 0 : rc;
	inidoc_release(&doc);
	return 1;
}

/* The project's owner, and whether the link needs no login (as the
 * project says; the policy adds the configuration's word). */
int ws_link_facts(struct mctx *c, const struct obj_ref *ref,
		  struct obj_facts *out)
{
	struct obj_ref proj;
	struct inidoc doc;
	int rc = link_resolve(c, ref->names[ref->nnames - 1], &proj, &doc);

	if (rc)
		return rc;
	rc = buf_addstr(&out->owner, inidoc_get(&doc, "project", "owner"));
	if (!rc)
		rc = buf_addstr(&out->dataview,
				inidoc_get(&doc, "project", "dataview"));
	out->link_open = !inidoc_bool(&doc, "link", "require_login");
	inidoc_release(&doc);
	return rc;
}

/* --- panels (SPEC §7) --- */

/* The time dimensions a panel may break down by, in the view's zone. */
static const char *const panel_time_dims[] = { "day", "week", "month",
					       "hour", NULL };

int ws_panel_time_dim(const char *name)
{
	int i;

	for (i = 0; panel_time_dims[i]; i++)
		if (!strcmp(panel_time_dims[i], name))
			return i;
	return -1;
}

/* A panel's section and what it names; not an owned kind of its own
 * (it is its project's), so not in ws_kinds[]: transfers and owners'
 * counts pass it by. */
static const struct ws_kind panel_kind = { KIND_WS_PANEL, "panel",
					   panel_refs };

/* The project (its directory) a panel ref is in. */
static void panel_project(const struct obj_ref *ref, struct obj_ref *out)
{
	obj_ref_root(out);
	out->kind = KIND_WS_PROJECT;
	out->nnames = 1;
	memcpy(out->names[0], ref->names[0], sizeof(out->names[0]));
}

/* The panel's .ini (panels/P.ini) of a ref to it or to its table. */
static void panel_ini(const struct obj_ref *ref, struct obj_ref *out)
{
	obj_ref_root(out);
	out->kind = KIND_WS_PANEL;
	out->nnames = 2;
	out->attr = 0;
	memcpy(out->names[0], ref->names[0], sizeof(out->names[0]));
	memcpy(out->names[1], ref->names[1], sizeof(out->names[1]));
}

static int panel_path(const struct obj_ref *ref, struct buf *out)
{
	struct obj_ref ini;

	panel_ini(ref, &ini);
	return obj_ref_object_path(&ini, out);
}

/* The data view a panel reads: its own dataview, else its project's
 * (copied into view, VIEW_BUF bytes; "" when neither has one). */
#define VIEW_BUF (OBJ_NAME_MAX + 1)
static int panel_view(struct mctx *c, const struct obj_ref *ref,
		      const struct inidoc *doc, char view[VIEW_BUF])
{
	struct obj_ref proj;
	struct inidoc pd;
	int rc;

	snprintf(view, VIEW_BUF, "%s", inidoc_get(doc, "panel", "dataview"));
	if (*view)
		return 0;
	panel_project(ref, &proj);
	proj.attr = 0;
	rc = attr_ini_load(c, &proj, obj_ref_attr(&proj), &pd);
	if (rc)
		return rc;
	snprintf(view, VIEW_BUF, "%s", inidoc_get(&pd, "project", "dataview"));
	inidoc_release(&pd);
	return 0;
}

int ws_panel_facts(struct mctx *c, const struct obj_ref *ref,
		   struct obj_facts *out)
{
	struct obj_ref proj, ini;
	struct inidoc doc;
	const char *v;
	int rc;

	panel_project(ref, &proj);
	rc = ws_facts(c, &proj, out);
	if (rc)
		return rc;
	panel_ini(ref, &ini);
	if (!obj_exists(c, &ini))
		return 0;
	rc = attr_ini_load(c, &ini, obj_ref_attr(&ini), &doc);
	if (rc)
		return rc == -ENOENT ? 0 : rc;
	v = inidoc_get(&doc, "panel", "dataview");
	if (*v) {
		buf_reset(&out->dataview);
		rc = buf_addstr(&out->dataview, v);
	}
	inidoc_release(&doc);
	return rc;
}

/* Each thing a panel names, as a typed item "KIND NAME" (the words of
 * [curation] components): fn(item, arg). */
static int panel_items(const struct inidoc *doc,
		       int (*fn)(const char *item, void *arg), void *arg);

struct panel_items_each {
	const char *kind;
	int (*fn)(const char *item, void *arg);
	void *arg;
};

static int panel_items_one(const char *item, size_t len, void *arg)
{
	struct panel_items_each *pe = arg;
	char one[OBJ_NAME_MAX + 32];
	const char *kind = pe->kind;
	size_t pl = strlen(WS_PANEL_CALC);

	if (!strcmp(kind, "metric") && len > pl &&
	    !memcmp(item, WS_PANEL_CALC, pl)) {
		kind = "calculated-metric";
		item += pl;
		len -= pl;
	}
	if (len > OBJ_NAME_MAX)
		return 0;
	snprintf(one, sizeof(one), "%s %.*s", kind, (int)len, item);
	return pe->fn(one, pe->arg);
}

static int panel_items(const struct inidoc *doc,
		       int (*fn)(const char *item, void *arg), void *arg)
{
	static const struct {
		const char *key, *kind;
	} keys[] = {
		{ "dimension", "dimension" }, { "metrics", "metric" },
		{ "segments", "segment" },     { "date_range", "date-range" },
		{ NULL, NULL }
	};
	const char *v;
	int i, rc = 0;

	for (i = 0; keys[i].key && !rc; i++) {
		struct panel_items_each pe = { keys[i].kind, fn, arg };

		v = inidoc_get(doc, "panel", keys[i].key);
		/* day, week, month, hour are no component */
		if (!strcmp(keys[i].key, "dimension") &&
		    ws_panel_time_dim(v) >= 0)
			continue;
		rc = inidoc_list_each(v, panel_items_one, &pe);
	}
	return rc;
}

struct panel_syntax_each {
	const char *list;
	struct diag *fd;
	size_t n;
};

static int panel_metric_syntax(const char *item, size_t len, void *arg)
{
	struct panel_syntax_each *ps = arg;
	size_t pl = strlen(WS_PANEL_CALC), at = 0;

	if (++ps->n > WS_PANEL_METRICS_MAX) {
		diag_set(ps->fd, 0, (int)(item - ps->list) + 1,
			 "a panel shows at most %d metrics",
			 WS_PANEL_METRICS_MAX);
		return -EINVAL;
	}
	if (len > pl && !memcmp(item, WS_PANEL_CALC, pl))
		at = pl;
	if (inidoc_valid_name(item + at, len - at))
		return 0;
	diag_set(ps->fd, 0, (int)(item - ps->list) + 1,
		 "'%.*s': a metric is a metric component's name or "
		 "calc:NAME, a calculated metric",
		 (int)(len > 64 ? 64 : len), item);
	return -EINVAL;
}

static int panel_count_each(const char *item, size_t len, void *arg)
{
	struct panel_syntax_each *ps = arg;

	if (++ps->n <= WS_PANEL_SEGMENTS_MAX)
		return 0;
	diag_set(ps->fd, 0, (int)(item - ps->list) + 1,
		 "a panel applies at most %d segments",
		 WS_PANEL_SEGMENTS_MAX);
	return -EINVAL;
}

/* metrics: names and calc:NAME, at most WS_PANEL_METRICS_MAX; segments
 * at most WS_PANEL_SEGMENTS_MAX. */
static int panel_syntax(const struct inidoc *doc, struct diag *d)
{
	const char *v = inidoc_get(doc, "panel", "metrics");
	struct diag fd;
	struct panel_syntax_each ps = { v, &fd, 0 };
	int rc;

	memset(&fd, 0, sizeof(fd));
	rc = inidoc_list_each(v, panel_metric_syntax, &ps);
	if (rc == -EINVAL)
		return value_err(d, doc, "panel", "metrics", &fd);
	if (rc)
		return rc;
	v = inidoc_get(doc, "panel", "segments");
	ps.list = v;
	ps.n = 0;
	rc = inidoc_list_each(v, panel_count_each, &ps);
	if (rc == -EINVAL)
		return value_err(d, doc, "panel", "segments", &fd);
	return rc;
}

/* The Workspace object of kind k named name, if the caller may use it:
 * 1 and its document (released by the caller), else 0. */
static int ws_usable(struct mctx *c, int k, const char *name,
		     struct inidoc *doc)
{
	struct obj_ref o;

	if (!inidoc_valid_name(name, strlen(name)))
		return 0;
	ws_kind_path(k, name, &o, NULL);
	o.attr = 0;
	if (!obj_exists(c, &o) ||
	    policy_check(c->pol, c->who, ACT_WS_READ, &o, NULL))
		return 0;
	return attr_ini_load(c, &o, obj_ref_attr(&o), doc) ? 0 : 1;
}

/* What a panel names, against its view: the dimension (a dimension
 * component or a time dimension), the metrics (metric components;
 * calculated metrics the writer may use, their formulas and segments
 * over this view), the segments (usable, their rules over this view),
 * the date range (usable, with both bounds), and sort. */
struct panel_check {
	struct mctx *c;
	const char *view;
	struct diag *d;
	const struct inidoc *doc;
	/* the segments calculated metrics count in: each is one more
	 * pass over the view's events at every read */
	char segs[WS_PANEL_METRIC_SEGMENTS_MAX][OBJ_NAME_MAX + 1];
	int nsegs;
};

/* One more segment a calculated metric counts in, at most
 * WS_PANEL_METRIC_SEGMENTS_MAX distinct ones in a panel. */
static int panel_metric_segment(struct panel_check *pk, const char *seg,
				int line)
{
	int i;

	for (i = 0; i < pk->nsegs; i++)
		if (!strcmp(pk->segs[i], seg))
			return 0;
	if (pk->nsegs == WS_PANEL_METRIC_SEGMENTS_MAX) {
		diag_set(pk->d, line, 0, "metrics: the calculated metrics of "
			 "a panel count in at most %d segments of their own",
			 WS_PANEL_METRIC_SEGMENTS_MAX);
		return -EINVAL;
	}
	snprintf(pk->segs[pk->nsegs++], sizeof(pk->segs[0]), "%s", seg);
	return 0;
}

static int panel_check_metric(const char *item, size_t len, void *arg)
{
	struct panel_check *pk = arg;
	size_t pl = strlen(WS_PANEL_CALC);
	char name[OBJ_NAME_MAX + 1], kind[16];
	struct inidoc md;
	const char *f, *mv, *seg;
	struct diag fd;
	int line = key_line(pk->doc, "panel", "metrics"), rc;

	if (!(len > pl && !memcmp(item, WS_PANEL_CALC, pl))) {
		if (view_component(pk->c, pk->view, item, len, kind) &&
		    !strcmp(kind, "metric"))
			return 0;
		diag_set(pk->d, line, 0, "metrics: no metric '%.*s' in data "
			 "view '%s'", (int)len, item, pk->view);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(len - pl), item + pl);
	if (!ws_usable(pk->c, KIND_WS_METRIC, name, &md)) {
		diag_set(pk->d, line, 0, "metrics: no calculated metric '%s' "
			 "that you can use", name);
		return -EINVAL;
	}
	f = inidoc_get(&md, "metric", "formula");
	mv = inidoc_get(&md, "metric", "dataview");
	seg = inidoc_get(&md, "metric", "segment");
	memset(&fd, 0, sizeof(fd));
	rc = 0;
	if (*mv && strcmp(mv, pk->view)) {
		diag_set(pk->d, line, 0, "metrics: calculated metric '%s' is "
			 "data view '%s''s, the panel reads '%s'", name, mv,
			 pk->view);
		rc = -EINVAL;
	} else if (!*f) {
		diag_set(pk->d, line, 0, "metrics: calculated metric '%s' has "
			 "no formula", name);
		rc = -EINVAL;
	} else {
		rc = wsdef_formula_check(pk->c, pk->view, f, strlen(f), &fd);
		if (rc == -EINVAL)
			diag_set(pk->d, line, 0, "metrics: calculated metric "
				 "'%s' on data view '%s': formula: %s", name,
				 pk->view, fd.msg);
	}
	if (!rc && *seg)
		rc = panel_metric_segment(pk, seg, line);
	if (!rc && *seg) {
		struct inidoc sd;

		if (!ws_usable(pk->c, KIND_WS_SEGMENT, seg, &sd)) {
			diag_set(pk->d, line, 0, "metrics: calculated metric "
				 "'%s' counts in segment '%s', which you "
				 "cannot use", name, seg);
			rc = -EINVAL;
		} else {
			const char *r = inidoc_get(&sd, "segment", "rule");

			rc = wsdef_segment_check(pk->c, pk->view, r,
						 strlen(r), &fd);
			if (rc == -EINVAL)
				diag_set(pk->d, line, 0, "metrics: calculated "
					 "metric '%s': segment '%s': rule: %s",
					 name, seg, fd.msg);
			inidoc_release(&sd);
		}
	}
	inidoc_release(&md);
	return rc;
}

static int panel_check_segment(const char *item, size_t len, void *arg)
{
	struct panel_check *pk = arg;
	char name[OBJ_NAME_MAX + 1];
	struct inidoc sd;
	const char *r;
	struct diag fd;
	int line = key_line(pk->doc, "panel", "segments"), rc;

	snprintf(name, sizeof(name), "%.*s", (int)len, item);
	if (!ws_usable(pk->c, KIND_WS_SEGMENT, name, &sd)) {
		diag_set(pk->d, line, 0, "segments: no segment '%s' that "
			 "you can use", name);
		return -EINVAL;
	}
	r = inidoc_get(&sd, "segment", "rule");
	memset(&fd, 0, sizeof(fd));
	rc = wsdef_segment_check(pk->c, pk->view, r, strlen(r), &fd);
	if (rc == -EINVAL)
		diag_set(pk->d, line, 0, "segments: segment '%s' on data "
			 "view '%s': rule: %s", name, pk->view, fd.msg);
	inidoc_release(&sd);
	return rc;
}

static int panel_check(struct mctx *c, const char *view,
		       const struct inidoc *doc, struct diag *d)
{
	struct panel_check pk = { c, view, d, doc, { "" }, 0 };
	const char *dim = inidoc_get(doc, "panel", "dimension");
	const char *dr = inidoc_get(doc, "panel", "date_range");
	const char *sort = inidoc_get(doc, "panel", "sort");
	char kind[16];
	struct inidoc rd;
	int rc;

	if (*dim && ws_panel_time_dim(dim) < 0 &&
	    !(view_component(c, view, dim, strlen(dim), kind) &&
	      !strcmp(kind, "dimension"))) {
		diag_set(d, key_line(doc, "panel", "dimension"), 0,
			 "dimension: no dimension '%s' in data view '%s' "
			 "(nor day, week, month, hour)", dim, view);
		return -EINVAL;
	}
	rc = inidoc_list_each(inidoc_get(doc, "panel", "metrics"),
			      panel_check_metric, &pk);
	if (!rc)
		rc = inidoc_list_each(inidoc_get(doc, "panel", "segments"),
				      panel_check_segment, &pk);
	if (rc)
		return rc;
	if (*dr) {
		if (!ws_usable(c, KIND_WS_DATERANGE, dr, &rd)) {
			diag_set(d, key_line(doc, "panel", "date_range"), 0,
				 "date_range: no date range '%s' that you can "
				 "use", dr);
			return -EINVAL;
		}
		rc = !*inidoc_get(&rd, "date_range", "start") ||
		     !*inidoc_get(&rd, "date_range", "end");
		inidoc_release(&rd);
		if (rc) {
			diag_set(d, key_line(doc, "panel", "date_range"), 0,
				 "date_range: date range '%s' has no start "
				 "or end yet", dr);
			return -EINVAL;
		}
	}
	if (*sort && strcmp(sort, dim) &&
	    inidoc_list_has(inidoc_get(doc, "panel", "metrics"), sort) != 1) {
		diag_set(d, key_line(doc, "panel", "sort"), 0,
			 "sort: '%s' is neither the dimension nor one of the "
			 "metrics", sort);
		return -EINVAL;
	}
	return 0;
}


struct curated_walk {
	struct mctx *c;
	const struct obj_ref *ref;
	const char *list;
	struct buf used;	/* what the panels name, "\n"-led lines */
	char bad[OBJ_NAME_MAX + 32];
};

static int curated_walk_each(const char *item, void *arg)
{
	struct curated_walk *cw = arg;
	size_t n = strlen(item);
	const char *at = cw->used.data;

	if (inidoc_list_has(cw->list, item) == 1)
		return 0;
	while (at && (at = strstr(at, item)) != NULL) {
		if (at[-1] == '\n' && at[n] == '\n')
			return 0;
		at++;
	}
	snprintf(cw->bad, sizeof(cw->bad), "%s", item);
	return -EACCES;
}

/* A recipient of a curated project (not its owner, not a product
 * admin) names only the curated set (SPEC §7), on the project's data
 * view: -EACCES naming the first item outside it. */
static int panel_curated(struct mctx *c, const struct obj_ref *ref,
			 const struct inidoc *doc, struct diag *d)
{
	struct obj_ref proj;
	struct inidoc pd;
	struct curated_walk cw = { c, ref, "", BUF_INIT, "" };
	const char *v;
	int rc;

	panel_project(ref, &proj);
	proj.attr = 0;
	rc = attr_ini_load(c, &proj, obj_ref_attr(&proj), &pd);
	if (rc)
		return rc;
	if (!inidoc_bool(&pd, "curation", "enabled") || project_owner(c, &pd))
		goto out;
	/* the curated set is the project's view's (as components lists
	 * it): names alike in another view are not curated */
	v = inidoc_get(doc, "panel", "dataview");
	if (*v && strcmp(v, inidoc_get(&pd, "project", "dataview"))) {
		diag_set(d, 0, 0, "dataview %s: not the data view project "
			 "'%s' curates for you", v, proj.names[0]);
		rc = -EACCES;
		goto out;
	}
	cw.list = inidoc_get(&pd, "curation", "components");
	/* what the project's panels name, gathered once */
	rc = buf_addch(&cw.used, '\n');
	if (!rc)
		rc = panels_items(c, ref, items_set_add, &cw.used);
	if (!rc)
		rc = panel_items(doc, curated_walk_each, &cw);
	if (rc == -EACCES)
		diag_set(d, 0, 0, "%s: not among the components project '%s' "
			 "curates for you", cw.bad, proj.names[0]);
out:
	buf_release(&cw.used);
	inidoc_release(&pd);
	return rc;
}

static int panel_validate(struct mctx *c, const struct obj_ref *ref,
			  const struct inidoc *old, struct inidoc *doc,
			  struct diag *d)
{
	static const char *const kept[] = { "owner", "created", NULL };
	const char *v = inidoc_get(doc, "panel", "dataview");
	struct buf a = BUF_INIT, b = BUF_INIT, path = BUF_INIT;
	char view[VIEW_BUF], ts[TIMEPARSE_FMT_SIZE], tmp[32];
	struct obj_ref dv;
	int rc = 0, i;

	/* a panel is its project's: who made it is all owner says */
	for (i = 0; kept[i] && !rc; i++)
		rc = inidoc_set(doc, "panel", kept[i],
				inidoc_get(old, "panel", kept[i]));
	if (!rc)
		rc = inidoc_render(old, &a);
	if (!rc)
		rc = inidoc_render(doc, &b);
	if (rc || (a.len == b.len && !memcmp(a.data, b.data, a.len)))
		goto out;	/* written back unchanged: a no-op */
	rc = panel_syntax(doc, d);
	if (rc)
		goto out;
	if (*v && strcmp(v, inidoc_get(old, "panel", "dataview"))) {
		obj_ref_root(&dv);
		dv.kind = KIND_DATAVIEW;
		dv.nnames = 1;
		snprintf(dv.names[0], sizeof(dv.names[0]), "%s", v);
		if (!obj_exists(c, &dv) ||
		    policy_check(c->pol, c->who, ACT_DV_SEE, &dv, NULL)) {
			diag_set(d, key_line(doc, "panel", "dataview"), 0,
				 "dataview: no data view '%s' that you can "
				 "see", v);
			rc = -EINVAL;
			goto out;
		}
	}
	rc = panel_view(c, ref, doc, view);
	if (rc)
		goto out;
	if (*view) {
		obj_ref_root(&dv);
		dv.kind = KIND_DATAVIEW;
		dv.nnames = 1;
		snprintf(dv.names[0], sizeof(dv.names[0]), "%s", view);
		if (!obj_exists(c, &dv)) {
			rc = view_gone(d, doc, "panel", view);
			goto out;
		}
		/* what it names is the view's: a writer must see it */
		if (policy_check(c->pol, c->who, ACT_DV_SEE, &dv, NULL)) {
			diag_set(d, key_line(doc, "panel", "dataview"), 0,
				 "dataview: the panel reads data view '%s', "
				 "which you cannot see", view);
			rc = -EINVAL;
			goto out;
		}
		rc = panel_check(c, view, doc, d);
	} else if (*inidoc_get(doc, "panel", "dimension") ||
		   *inidoc_get(doc, "panel", "metrics")) {
		diag_set(d, key_line(doc, "panel", "dataview"), 0,
			 "dataview: neither the panel nor its project names "
			 "a data view");
		rc = -EINVAL;
	}
	if (!rc)
		rc = panel_curated(c, ref, doc, d);
	if (!rc)
		rc = panel_path(ref, &path);
	if (!rc)
		rc = refs_sync(c, &panel_kind, old, doc, path.data, path.data,
			       d);
	if (rc)
		goto out;
	if (timeparse_format_utc((int64_t)c->now, ts))
		ts[0] = '\0';
	rc = inidoc_set(doc, "panel", "modified", ts);
	if (!rc)
		rc = inidoc_set(doc, "panel", "modified_by", mctx_login(c, tmp));
out:
	buf_release(&a);
	buf_release(&b);
	buf_release(&path);
	return rc;
}

int ws_panel_store(struct mctx *c, const struct obj_ref *ref, const char *data,
		   size_t len, struct diag *d)
{
	return dv_ini_commit(c, ref, data, len, panel_validate, d);
}

int ws_panel_check_key(struct mctx *c, const struct obj_ref *ref,
		       const struct inidoc_field *f, const char *val,
		       const char *line, size_t llen, struct diag *d)
{
	struct inidoc one;
	int rc;

	if (strcmp(f->key, "metrics") && strcmp(f->key, "segments"))
		return 0;
	rc = inidoc_defaults(&ws_panel_schema, &one);
	if (rc)
		return rc;
	rc = inidoc_set(&one, f->section, f->key, val);
	if (!rc)
		rc = panel_syntax(&one, d);
	inidoc_release(&one);
	if (rc == -EINVAL && d->column < 0) {
		const char *v;
		size_t vlen;
		int base = dv_raw_value(line, llen, 1, &v, &vlen);

		d->column = base ? base - d->column - 1 : -d->column;
	}
	return rc;
}

/* A new panel: at most WS_PANELS_MAX in a project; owner and times. */
int ws_panel_create(struct mctx *c, const struct obj_ref *ref,
		    struct diag *d)
{
	struct obj_ref dir, ini;
	struct buf names = BUF_INIT, text = BUF_INIT;
	struct inidoc doc;
	struct rec r = REC_INIT;
	char ts[TIMEPARSE_FMT_SIZE], tmp[32];
	unsigned long owned;
	size_t n = 0, i;
	int rc;

	panel_project(ref, &dir);
	dir.kind = KIND_WS_PANELS;
	rc = obj_list(c, &dir, &names);
	for (i = 0; !rc && i < names.len; i++)
		n += names.data[i] == '\n';
	buf_release(&names);
	if (rc)
		return rc;
	if (n >= WS_PANELS_MAX) {
		diag_set(d, 0, 0, "project '%s' holds %d panels, the most a "
			 "project may", ref->names[0], WS_PANELS_MAX);
		return -EDQUOT;
	}
	/* its maker's, for [limits] workspace_objects, as every object it
	 * makes: what one login can make the store hold stays bounded */
	rc = owned_get(c, mctx_login(c, tmp), &owned);
	if (rc)
		return rc;
	if (c->cfg->ws_objects && owned >= c->cfg->ws_objects) {
		diag_set(d, 0, 0, "you own %lu Workspace objects, the most "
			 "[limits] workspace_objects lets one login make",
			 owned);
		return -EDQUOT;
	}
	rc = owned_add(c, mctx_login(c, tmp), 1);
	if (rc)
		return rc;
	panel_ini(ref, &ini);
	rc = attr_ini_load(c, &ini, obj_ref_attr(&ini), &doc);
	if (rc)
		return rc;
	if (timeparse_format_utc((int64_t)c->now, ts))
		ts[0] = '\0';
	rc = inidoc_set(&doc, "panel", "owner", mctx_login(c, tmp));
	if (!rc)
		rc = inidoc_set(&doc, "panel", "created", ts);
	if (!rc)
		rc = inidoc_set(&doc, "panel", "modified", ts);
	if (!rc)
		rc = inidoc_set(&doc, "panel", "modified_by",
				mctx_login(c, tmp));
	if (!rc)
		rc = inidoc_render(&doc, &text);
	inidoc_release(&doc);
	if (!rc)
		rc = obj_load(c, &ini, &r);
	if (!rc)
		rc = rec_set(&r, obj_ref_attr(&ini)->name, text.data, text.len);
	if (!rc)
		rc = obj_save(c, &ini, &r);
	rec_release(&r);
	buf_release(&text);
	return rc;
}

/* Deleted (rm, or its project's rmdir): what it named no longer lists
 * it in used_by. */
int ws_panel_destroy(struct mctx *c, const struct obj_ref *ref,
		     struct diag *d)
{
	struct obj_ref ini;
	struct inidoc doc;
	struct buf path = BUF_INIT;
	int rc;

	panel_ini(ref, &ini);
	rc = attr_ini_load(c, &ini, obj_ref_attr(&ini), &doc);
	if (rc)
		return rc == -ENOENT ? 0 : rc;
	rc = panel_path(ref, &path);
	if (!rc)
		rc = refs_sync(c, &panel_kind, &doc, NULL, path.data, path.data,
			       d);
	if (!rc)
		rc = owned_add(c, inidoc_get(&doc, "panel", "owner"), -1);
	inidoc_release(&doc);
	buf_release(&path);
	return rc;
}

/* Renamed (mv in panels/): what it names lists it by its new path. */
int ws_panel_moved(struct mctx *c, const struct obj_ref *from,
		   const struct obj_ref *ref, struct diag *d)
{
	struct obj_ref ini;
	struct inidoc doc;
	struct buf a = BUF_INIT, b = BUF_INIT;
	int rc;

	panel_ini(ref, &ini);
	rc = attr_ini_load(c, &ini, obj_ref_attr(&ini), &doc);
	if (rc)
		return rc;
	rc = panel_path(from, &a);
	if (!rc)
		rc = panel_path(ref, &b);
	if (!rc)
		rc = refs_sync(c, &panel_kind, &doc, &doc, a.data, b.data, d);
	inidoc_release(&doc);
	buf_release(&a);
	buf_release(&b);
	return rc;
}

/* A project renamed from from to ref (its panels already moved with
 * it): what they name lists them by their new paths. */
struct panels_repath {
	struct mctx *c;
	const struct obj_ref *from, *to;
	struct diag *d;
};

static int panels_repath_each(const char *name, size_t len, void *arg)
{
	struct panels_repath *pr = arg;
	struct obj_ref a, b;

	if (len > OBJ_NAME_MAX)
		return 0;
	panel_ini(pr->from, &a);
	panel_ini(pr->to, &b);
	snprintf(a.names[0], sizeof(a.names[0]), "%s", pr->from->names[0]);
	snprintf(a.names[1], sizeof(a.names[1]), "%.*s", (int)len, name);
	snprintf(b.names[1], sizeof(b.names[1]), "%.*s", (int)len, name);
	return ws_panel_moved(pr->c, &a, &b, pr->d);
}

static int panels_repath(struct mctx *c, const struct obj_ref *from,
			 const struct obj_ref *to, struct diag *d)
{
	struct obj_ref dir;
	struct buf names = BUF_INIT;
	struct panels_repath pr = { c, from, to, d };
	int rc;

	panel_project(to, &dir);
	dir.kind = KIND_WS_PANELS;
	rc = obj_list(c, &dir, &names);
	if (!rc)
		rc = inidoc_lines_each(names.data, panels_repath_each, &pr);
	buf_release(&names);
	return rc;
}

/* panels/P.csv: one for each panels/P.ini. */
int ws_panel_list(struct mctx *c, const struct obj_ref *parent,
		  struct buf *names)
{
	return obj_list(c, parent, names);
}

int ws_panel_has(struct mctx *c, const struct obj_ref *ref)
{
	struct obj_ref ini;

	panel_ini(ref, &ini);
	return obj_exists(c, &ini);
}

int ws_panel_resolve(struct mctx *c, const struct obj_ref *ref,
		     struct obj_ref *panel, struct buf *owner)
{
	struct obj_ref proj;
	struct inidoc doc;
	int rc;

	if (ref->kind != KIND_LINK_PANEL) {
		panel_ini(ref, panel);
		return obj_exists(c, panel) ? 0 : -ENOENT;
	}
	rc = link_resolve(c, ref->names[0], &proj, &doc);
	if (rc)
		return rc;
	if (owner)
		rc = buf_addstr(owner, inidoc_get(&doc, "project", "owner"));
	inidoc_release(&doc);
	obj_ref_root(panel);
	panel->kind = KIND_WS_PANEL;
	panel->nnames = 2;
	panel->attr = 0;
	memcpy(panel->names[0], proj.names[0], sizeof(panel->names[0]));
	memcpy(panel->names[1], ref->names[1], sizeof(panel->names[1]));
	if (!rc && !obj_exists(c, panel))
		rc = -ENOENT;
	return rc;
}

int ws_link_project(struct mctx *c, const char *token, struct obj_ref *proj,
		    struct buf *owner)
{
	struct inidoc doc;
	int rc = link_resolve(c, token, proj, &doc);

	if (rc)
		return rc;
	rc = buf_addstr(owner, inidoc_get(&doc, "project", "owner"));
	inidoc_release(&doc);
	return rc;
}

int ws_link_panel_list(struct mctx *c, const struct obj_ref *parent,
		       struct buf *names)
{
	struct obj_ref proj;
	struct inidoc doc;
	int rc = link_resolve(c, parent->names[0], &proj, &doc);

	if (rc)
		return rc == -ENOENT ? buf_add(names, "", 0) : rc;
	inidoc_release(&doc);
	proj.kind = KIND_WS_PANELS;
	proj.attr = -1;
	return obj_list(c, &proj, names);
}

int ws_link_panel_has(struct mctx *c, const struct obj_ref *ref)
{
	struct obj_ref panel;
	int rc = ws_panel_resolve(c, ref, &panel, NULL);

	return rc == -ENOENT ? 0 : rc ? rc : 1;
}

/* The newest commit to a Workspace object a panel names (a calculated
 * metric's segment too). */
struct panel_newest {
	struct mctx *c;
	time_t t;
};

static int panel_newest_each(const struct ws_ref_key *rk, const char *name,
			     void *arg)
{
	struct panel_newest *pn = arg;
	struct obj_ref o;
	struct inidoc md;
	time_t t;

	ws_kind_path(rk->kind, name, &o, NULL);
	t = obj_mtime(pn->c, &o);
	if (t > pn->t)
		pn->t = t;
	if (rk->kind != KIND_WS_METRIC)
		return 0;
	o.attr = 0;
	if (!obj_exists(pn->c, &o) ||
	    attr_ini_load(pn->c, &o, obj_ref_attr(&o), &md))
		return 0;
	if (*inidoc_get(&md, "metric", "segment")) {
		ws_kind_path(KIND_WS_SEGMENT,
			     inidoc_get(&md, "metric", "segment"), &o, NULL);
		t = obj_mtime(pn->c, &o);
		if (t > pn->t)
			pn->t = t;
	}
	inidoc_release(&md);
	return 0;
}

/* The newest commit among the panel's own file, what it names and its
 * view (its settings, components, connection and rows).  Annotations
 * are left out: which ones show is the reader's. */
time_t ws_panel_mtime(struct mctx *c, const struct obj_ref *ref)
{
	struct obj_ref panel, dv;
	struct inidoc doc;
	struct panel_newest pn = { c, 0 };
	char view[VIEW_BUF];
	time_t t, v;

	if (ws_panel_resolve(c, ref, &panel, NULL))
		return 0;
	t = obj_mtime(c, &panel);
	if (attr_ini_load(c, &panel, obj_ref_attr(&panel), &doc))
		return t;
	refs_each(&panel_kind, &doc, panel_newest_each, &pn);
	if (pn.t > t)
		t = pn.t;
	if (!panel_view(c, &panel, &doc, view) && *view) {
		obj_ref_root(&dv);
		dv.kind = KIND_DATAVIEW;
		dv.nnames = 1;
		snprintf(dv.names[0], sizeof(dv.names[0]), "%s", view);
		v = dv_mtime(c, &dv);
		if (v > t)
			t = v;
	}
	inidoc_release(&doc);
	return t;
}

/* --- /admin/transfer --- */

int ws_check_transfer(const char *entry, size_t len, void *arg,
		      struct diag *d)
{
	const char *sp = memchr(entry, ' ', len);
	size_t n;
	int rc;

	if (!sp) {
		diag_set(d, 0, 0, "a transfer is 'FROM TO': two logins");
		return -EINVAL;
	}
	n = (size_t)(sp - entry);
	rc = admin_check_login(entry, n, arg, d);
	while (!rc && sp < entry + len && *sp == ' ')
		sp++;
	if (!rc)
		rc = admin_check_login(sp, len - (size_t)(sp - entry), arg, d);
	if (!rc && len - (size_t)(sp - entry) == n && !memcmp(entry, sp, n)) {
		diag_set(d, 0, 0, "a transfer needs two different logins");
		rc = -EINVAL;
	}
	return rc;
}

struct transfer {
	struct mctx *c;
	int kind;
	const char *from, *to;
	struct diag *d;
	long moved;
};

static int transfer_one(const char *name, size_t len, void *arg)
{
	struct transfer *t = arg;
	const struct ws_kind *wk = ws_kind_of(t->kind);
	const struct kind_attr *a = &kind_table[t->kind].attrs[0];
	struct obj_ref ref;
	struct inidoc doc;
	struct buf text = BUF_INIT;
	struct rec r = REC_INIT;
	char n[OBJ_NAME_MAX + 1], ts[TIMEPARSE_FMT_SIZE], tmp[32];
	int rc;

	if (len > OBJ_NAME_MAX)
		return 0;
	memcpy(n, name, len);
	n[len] = '\0';
	ws_kind_path(t->kind, n, &ref, NULL);
	ref.attr = 0;
	rc = attr_ini_load(t->c, &ref, a, &doc);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	if (strcmp(inidoc_get(&doc, wk->section, "owner"), t->from))
		goto out;
	if (timeparse_format_utc((int64_t)t->c->now, ts))
		ts[0] = '\0';
	rc = owned_move(t->c, t->from, t->to);
	if (!rc && wk->handed)
		rc = wk->handed(t->c, &ref, &doc);
	if (!rc)
		rc = inidoc_set(&doc, wk->section, "owner", t->to);
	if (!rc)
		rc = inidoc_set(&doc, wk->section, "modified", ts);
	if (!rc)
		rc = inidoc_set(&doc, wk->section, "modified_by",
				mctx_login(t->c, tmp));
	if (!rc)
		rc = inidoc_render(&doc, &text);
	if (!rc)
		rc = obj_load(t->c, &ref, &r);
	if (!rc)
		rc = rec_set(&r, a->name, text.data, text.len);
	if (!rc)
		rc = obj_save(t->c, &ref, &r);
	if (!rc)
		rc = ws_audit(t->c, &ref, "transfer", "from %s to %s", t->from,
			      t->to);
	if (!rc)
		t->moved++;
out:
	inidoc_release(&doc);
	buf_release(&text);
	rec_release(&r);
	return rc;
}

struct transfer_line {
	struct mctx *c;
	struct diag *d;
	int line;
};

static int transfer_line_each(const char *e, size_t len, void *arg)
{
	struct transfer_line *tl = arg;
	char from[OBJ_LOGIN_BUF], to[OBJ_LOGIN_BUF];
	const char *sp = memchr(e, ' ', len);
	int i, rc;

	tl->line++;
	if (!sp || (size_t)(sp - e) >= sizeof(from))
		return -EINVAL;
	memcpy(from, e, (size_t)(sp - e));
	from[sp - e] = '\0';
	while (*sp == ' ')
		sp++;
	if (len - (size_t)(sp - e) >= sizeof(to))
		return -EINVAL;
	memcpy(to, sp, len - (size_t)(sp - e));
	to[len - (size_t)(sp - e)] = '\0';
	rc = policy_has_login(tl->c->pol, to);
	if (rc < 0)
		return rc;
	if (!rc) {
		diag_set(tl->d, 0, 0, "'%s' is not a known login", to);
		return -EINVAL;
	}
	for (i = 0; ws_kinds[i].kind >= 0; i++) {
		struct transfer t = { tl->c, ws_kinds[i].kind, from, to,
				      tl->d, 0 };
		struct obj_ref dir;
		struct buf names = BUF_INIT;

		obj_ref_root(&dir);
		dir.kind = kind_table[ws_kinds[i].kind].parent;
		rc = obj_list(tl->c, &dir, &names);
		if (!rc)
			rc = inidoc_lines_each(names.data, transfer_one, &t);
		buf_release(&names);
		if (rc)
			return rc;
	}
	return 0;
}

/* Nothing is stored: each line is done, in the caller's transaction,
 * and the file reads as empty (an empty write is a no-op). */
int ws_transfer_store(struct mctx *c, const struct obj_ref *ref,
		      const char *data, size_t len, struct diag *d)
{
	struct buf canon = BUF_INIT;
	struct transfer_line tl = { c, d, 0 };
	int rc = inidoc_lines_parse(data, len, ws_check_transfer, c, &canon,
				    d);

	if (!rc && !canon.len)
		rc = 1;		/* nothing to do: a no-op, not audited */
	if (!rc)
		rc = inidoc_lines_each(canon.data, transfer_line_each, &tl);
	buf_release(&canon);
	return rc;
}
