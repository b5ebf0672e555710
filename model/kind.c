/*
 * kind.c - the table of kinds and their files, and the path arithmetic on
 * obj_ref that everything else uses.
 *
 * The table is the namespace of SPEC §2.  Each row is a directory kind;
 * its attribute array lists its files with the actions the policy checks
 * to read and to write them and the functions that show and store them.
 * Fixed directories (connections, admin, datasets...) are rows without
 * KD_NAMED; collections hold one named kind whose parent is the
 * collection.  Kinds not yet part of the namespace have no row (name NULL)
 * and are invisible.
 *
 * Name resolution order inside a directory: its attribute files, then its
 * fixed subdirectories, then the named kind; so a name a kind uses for
 * its own files can never be an object's name (mkdir usage: EEXIST).
 */
#include <errno.h>
#include <string.h>

#include "activity.h"
#include "admin.h"
#include "audit.h"
#include "backup.h"
#include "connection.h"
#include "dataset.h"
#include "dataview.h"
#include "inidoc.h"
#include "kind.h"
#include "mctx.h"
#include "object.h"
#include "policy.h"
#include "root.h"
#include "workspace.h"

static const struct kind_attr root_attrs[] = {
	{ "README", 0, ACT_PUBLIC, ACT_NONE, NULL, root_readme_show },
	{ "whoami", KA_VOLATILE, ACT_PUBLIC, ACT_NONE, NULL, root_whoami_show },
	{ "errors", KA_VOLATILE, ACT_MAPPED, ACT_NONE, NULL, model_errors_show },
	{ NULL }
};

static const struct kind_attr admin_attrs[] = {
	{ "product-admins", KA_RW, ACT_ADMIN_READ, ACT_ADMIN_SYS, NULL,
	  attr_lines_show, admin_product_admins_store,
	  .check_entry = admin_check_login },
	{ "sandboxes", KA_RW, ACT_ADMIN_READ, ACT_ADMIN_SYS, NULL,
	  attr_lines_show, admin_sandboxes_store,
	  .check_entry = admin_check_sandbox },
	/* the whole store, as of the open: system admins only */
	{ "backup", KA_STREAM, ACT_ADMIN_SYS, ACT_NONE, NULL, NULL, NULL,
	  &backup_stream_ops },
	/* running and queued computations, as of the open, for whoever
	 * reads /admin (SPEC §6); written: cancel commands, product admins
	 * only (SPEC §8) */
	{ "reporting-activity", KA_RW | KA_VOLATILE, ACT_ADMIN_READ, ACT_ACTIVITY, NULL,
	  activity_file_show, activity_file_store,
	  .check_entry = activity_check_cmd },
	/* "FROM TO" moves FROM's Workspace objects to TO, product admins
	 * only; it holds nothing and reads as empty to whoever reads
	 * /admin (so cat, tar and rsync of /admin work) */
	{ "transfer", KA_RW, ACT_ADMIN_READ, ACT_WS_ADMIN, NULL,
	  attr_lines_show, ws_transfer_store,
	  .check_entry = ws_check_transfer },
	{ NULL }
};

static const struct kind_attr profile_attrs[] = {
	{ "profile.ini", KA_RW, ACT_PROFILE_SEE, ACT_PROFILE_EDIT,
	  &profile_schema, attr_ini_show, profile_ini_store, NULL, NULL,
	  profile_ini_why, .check_key = profile_ini_check_key },
	{ "members", KA_RW, ACT_PROFILE_SEE, ACT_PROFILE_EDIT, NULL,
	  attr_lines_show, profile_members_store,
	  .check_entry = admin_check_member },
	{ "admins", KA_RW, ACT_PROFILE_SEE, ACT_PROFILE_MANAGE, NULL,
	  attr_lines_show, profile_admins_store,
	  .check_entry = admin_check_login },
	{ NULL }
};

static const struct kind_attr platform_attrs[] = {
	{ "platform.ini", KA_RW, ACT_ADMIN_READ, ACT_ADMIN_SYS,
	  &platform_schema, attr_ini_show, platform_ini_store },
	{ "members", KA_RW, ACT_ADMIN_READ, ACT_ADMIN_SYS, NULL,
	  attr_lines_show, platform_members_store,
	  .check_entry = admin_check_member },
	{ NULL }
};

static const struct kind_attr user_attrs[] = {
	{ "", KA_VOLATILE, ACT_ADMIN_READ, ACT_NONE, NULL, user_show },
	{ NULL }
};

static const struct kind_attr audit_attrs[] = {
	{ "log", KA_STREAM, ACT_AUDIT_READ, ACT_NONE, NULL, NULL, NULL,
	  &audit_stream_ops, .mtime = audit_mtime },
	{ "log.1", KA_STREAM, ACT_AUDIT_READ, ACT_NONE, NULL, NULL, NULL,
	  &audit_archive_stream_ops, .mtime = audit_archive_mtime },
	{ NULL }
};

static const struct kind_attr connections_attrs[] = {
	{ "usage", 0, ACT_CONN_READ, ACT_NONE, NULL, connections_usage_show,
	  .mtime = obj_tree_mtime },
	{ NULL }
};

/* connection.ini must stay first: connection.c uses attrs[0] */
static const struct kind_attr connection_attrs[] = {
	{ "connection.ini", KA_RW, ACT_CONN_READ, ACT_CONN_MANAGE,
	  &connection_schema, attr_ini_show, connection_ini_store },
	{ "status", 0, ACT_CONN_READ, ACT_NONE, NULL, connection_status_show,
	  .mtime = obj_tree_mtime },
	{ NULL }
};

static const struct kind_attr dataset_attrs[] = {
	{ "dataset.ini", KA_RW, ACT_CONN_READ, ACT_CONN_MANAGE,
	  &dataset_schema, attr_ini_show, dataset_ini_store },
	{ "records", KA_STREAM | KA_APPEND, ACT_CONN_READ, ACT_CONN_MANAGE,
	  NULL, NULL, NULL, &records_stream_ops, &records_append_ops },
	{ "status", 0, ACT_CONN_READ, ACT_NONE, NULL, dataset_status_show },
	{ NULL }
};

/* dataview.ini must stay first (a data view's record field) */
static const struct kind_attr dataview_attrs[] = {
	{ "dataview.ini", KA_RW, ACT_DV_SEE, ACT_DV_EDIT, &dataview_schema,
	  attr_ini_show, dataview_ini_store,
	  .check_key = dataview_ini_check_key },
	{ "rows.csv", KA_STREAM, ACT_DV_EXPORT, ACT_NONE, NULL, NULL, NULL,
	  &dv_rows_stream_ops, .mtime = dv_mtime },
	{ NULL }
};

static const struct kind_attr component_attrs[] = {
	{ "component", KA_RW, ACT_DV_SEE, ACT_DV_EDIT, &component_schema,
	  attr_ini_show, component_ini_store,
	  .check_key = component_ini_check_key },
	{ NULL }
};

static const struct kind_attr report_file_attrs[] = {
	{ "report", KA_STREAM, ACT_DV_REPORT, ACT_NONE, NULL, NULL, NULL,
	  &dv_report_stream_ops, .mtime = dv_mtime },
	{ NULL }
};

/* Workspace objects (SPEC §7): KIND.ini first (workspace.c reads
 * attrs[0]), then who else sees it and who names it */
#define WS_FILES                                                             \
	{ "shares", KA_RW, ACT_WS_READ, ACT_WS_SHARE, NULL, attr_lines_show, \
	  ws_shares_store, .why = ws_shares_why,                             \
	  .check_entry = ws_check_share, .verb = "share" },                  \
	{ "used_by", 0, ACT_WS_READ, ACT_NONE, NULL, ws_used_by_show }
#define WS_INI(file, schema)                                                 \
	{ file, KA_RW, ACT_WS_READ, ACT_WS_EDIT, schema, attr_ini_show,      \
	  ws_ini_store, .check_key = ws_ini_check_key }

static const struct kind_attr segment_attrs[] = {
	WS_INI("segment.ini", &ws_segment_schema), WS_FILES, { NULL }
};
static const struct kind_attr metric_attrs[] = {
	WS_INI("metric.ini", &ws_metric_schema), WS_FILES, { NULL }
};
static const struct kind_attr daterange_attrs[] = {
	WS_INI("daterange.ini", &ws_daterange_schema), WS_FILES, { NULL }
};
static const struct kind_attr annotation_attrs[] = {
	WS_INI("annotation.ini", &ws_annotation_schema), WS_FILES, { NULL }
};
static const struct kind_attr audience_attrs[] = {
	WS_INI("audience.ini", &ws_audience_schema), WS_FILES,
	{ "people.csv", KA_STREAM, ACT_WS_PEOPLE, ACT_NONE, NULL, NULL, NULL,
	  &ws_people_stream_ops },
	{ NULL }
};

/* A project (SPEC §7): its .ini first, as every Workspace kind; its
 * shares carry roles; components is what the reader may use in it.
 * panels/ holds its panels (below). */
static const struct kind_attr project_attrs[] = {
	{ "project.ini", KA_RW, ACT_WS_READ, ACT_WS_EDIT, &ws_project_schema,
	  ws_project_ini_show, ws_ini_store, .check_key = ws_ini_check_key },
	{ "shares", KA_RW, ACT_WS_READ, ACT_WS_SHARE, NULL, attr_lines_show,
	  ws_shares_store, .why = ws_shares_why,
	  .check_entry = ws_check_role_share, .verb = "share" },
	{ "components", 0, ACT_WS_READ, ACT_NONE, NULL,
	  ws_project_components_show },
	{ "slides.html", KA_STREAM, ACT_WS_SLIDES, ACT_NONE, NULL, NULL, NULL,
	  &ws_slides_stream_ops },
	{ NULL }
};

/* A panel (SPEC §7): panels/PANEL.ini, made by writing it; and the
 * table it defines, panels/PANEL.csv, computed for its reader (in a
 * project, and as the owner sees it under /links/TOKEN/panels). */
static const struct kind_attr panel_attrs[] = {
	{ "panel", KA_RW, ACT_WS_READ, ACT_WS_EDIT, &ws_panel_schema,
	  attr_ini_show, ws_panel_store, .check_key = ws_panel_check_key },
	{ NULL }
};
static const struct kind_attr panel_csv_attrs[] = {
	{ "table", KA_STREAM, ACT_WS_PANEL, ACT_NONE, NULL, NULL, NULL,
	  &ws_panel_stream_ops, .mtime = ws_panel_mtime },
	{ NULL }
};
static const struct kind_attr link_panel_attrs[] = {
	{ "table", KA_STREAM, ACT_LINK_READ, ACT_NONE, NULL, NULL, NULL,
	  &ws_panel_stream_ops, .mtime = ws_panel_mtime },
	{ NULL }
};

/* A live link: the project's slides, as its owner sees them. */
static const struct kind_attr link_attrs[] = {
	{ "slides.html", KA_STREAM, ACT_LINK_READ, ACT_NONE, NULL, NULL, NULL,
	  &ws_slides_stream_ops },
	{ NULL }
};

static const struct kind_attr no_attrs[] = { { NULL } };

/* A Workspace collection and its object kind: who may enter it, and the
 * objects, owned and shared, with the hooks of workspace.c. */
#define WS_COLLECTION(dir)                                                   \
	{ dir, KIND_WORKSPACE, 0, NULL, no_attrs, ACT_WS_SEE, ACT_NONE,       \
	  ACT_NONE }
#define WS_OBJECT(noun, coll, attrs)                                         \
	{ noun, coll, KD_NAMED | KD_STORED | KD_RENAME | KD_OWNED, NULL,     \
	  attrs, ACT_WS_READ, ACT_WS_CREATE, ACT_WS_EDIT, NULL, ws_create,   \
	  ws_destroy, ws_moved, .in_use = ws_in_use, .facts = ws_facts }

const struct kind_def kind_table[KIND_COUNT] = {
	[KIND_ROOT] = { "", KIND_ROOT, 0, NULL, root_attrs, ACT_PUBLIC,
			ACT_NONE, ACT_NONE },
	[KIND_CONNECTIONS] = { "connections", KIND_ROOT, KD_TREE, NULL,
			       connections_attrs, ACT_CONN_READ, ACT_NONE,
			       ACT_NONE },
	[KIND_CONNECTION] = { "connection", KIND_CONNECTIONS,
			      KD_NAMED | KD_STORED | KD_TREE, NULL,
			      connection_attrs,
			      ACT_CONN_READ, ACT_CONN_MANAGE, ACT_CONN_MANAGE,
			      NULL, connection_create, connection_destroy,
			      .in_use = connection_in_use,
			      .facts = connection_facts },
	[KIND_DATASETS] = { "datasets", KIND_CONNECTION, 0, NULL, no_attrs,
			    ACT_CONN_READ, ACT_NONE, ACT_NONE },
	[KIND_DATASET] = { "dataset", KIND_DATASETS, KD_NAMED | KD_STORED,
			   NULL, dataset_attrs, ACT_CONN_READ, ACT_CONN_MANAGE,
			   ACT_CONN_MANAGE, NULL, dataset_create,
			   dataset_destroy },
	[KIND_DATAVIEWS] = { "dataviews", KIND_ROOT, 0, NULL, no_attrs,
			     ACT_MAPPED, ACT_NONE, ACT_NONE },
	[KIND_DATAVIEW] = { "data view", KIND_DATAVIEWS,
			    KD_NAMED | KD_STORED | KD_RENAME | KD_TREE, NULL,
			    dataview_attrs, ACT_DV_SEE, ACT_DV_MANAGE,
			    ACT_DV_MANAGE, NULL, dataview_create, NULL,
			    dataview_moved },
	[KIND_COMPONENTS] = { "components", KIND_DATAVIEW, 0, NULL, no_attrs,
			      ACT_DV_SEE, ACT_NONE, ACT_NONE },
	[KIND_COMPONENT] = { "component", KIND_COMPONENTS,
			     KD_NAMED | KD_STORED | KD_FILE | KD_RENAME, ".ini",
			     component_attrs, ACT_DV_SEE, ACT_DV_EDIT,
			     ACT_DV_EDIT },
	/* who may not read reports still knows report/ is there (EACCES) */
	[KIND_REPORT] = { "report", KIND_DATAVIEW, 0, NULL, no_attrs,
			  ACT_DV_REPORT, ACT_NONE, ACT_NONE },
	[KIND_REPORT_FILE] = { "report", KIND_REPORT, KD_NAMED | KD_FILE,
			       ".csv", report_file_attrs, ACT_DV_SEE, ACT_NONE,
			       ACT_NONE, report_list, .has = report_has },
	[KIND_ADMIN] = { "admin", KIND_ROOT, 0, NULL, admin_attrs,
			 ACT_ADMIN_SEE, ACT_NONE, ACT_NONE },
	[KIND_PROFILES] = { "profiles", KIND_ADMIN, 0, NULL, no_attrs,
			    ACT_ADMIN_SEE, ACT_NONE, ACT_NONE },
	[KIND_PROFILE] = { "profile", KIND_PROFILES, KD_NAMED | KD_STORED,
			   NULL, profile_attrs, ACT_PROFILE_SEE,
			   ACT_PROFILE_MANAGE, ACT_PROFILE_MANAGE },
	[KIND_PLATFORMS] = { "platform", KIND_ADMIN, 0, NULL, no_attrs,
			     ACT_ADMIN_READ, ACT_NONE, ACT_NONE },
	[KIND_PLATFORM] = { "platform profile", KIND_PLATFORMS,
			    KD_NAMED | KD_STORED, NULL, platform_attrs,
			    ACT_ADMIN_READ, ACT_ADMIN_SYS, ACT_ADMIN_SYS },
	[KIND_USERS] = { "users", KIND_ADMIN, 0, NULL, no_attrs,
			 ACT_ADMIN_READ, ACT_NONE, ACT_NONE },
	[KIND_USER] = { "user", KIND_USERS, KD_NAMED | KD_FILE, "",
			user_attrs, ACT_ADMIN_READ, ACT_NONE, ACT_NONE,
			users_list, .has = users_has },
	[KIND_AUDIT] = { "audit", KIND_ROOT, 0, NULL, audit_attrs,
			 ACT_AUDIT_READ, ACT_NONE, ACT_NONE },
	[KIND_WORKSPACE] = { "workspace", KIND_ROOT, 0, NULL, no_attrs,
			     ACT_WS_SEE, ACT_NONE, ACT_NONE },
	[KIND_WS_SEGMENTS] = WS_COLLECTION("segments"),
	[KIND_WS_SEGMENT] = WS_OBJECT("segment", KIND_WS_SEGMENTS,
				      segment_attrs),
	[KIND_WS_METRICS] = WS_COLLECTION("calculated-metrics"),
	[KIND_WS_METRIC] = WS_OBJECT("calculated metric", KIND_WS_METRICS,
				     metric_attrs),
	[KIND_WS_DATERANGES] = WS_COLLECTION("date-ranges"),
	[KIND_WS_DATERANGE] = WS_OBJECT("date range", KIND_WS_DATERANGES,
					daterange_attrs),
	[KIND_WS_ANNOTATIONS] = WS_COLLECTION("annotations"),
	[KIND_WS_ANNOTATION] = WS_OBJECT("annotation", KIND_WS_ANNOTATIONS,
					 annotation_attrs),
	[KIND_WS_AUDIENCES] = WS_COLLECTION("audiences"),
	[KIND_WS_AUDIENCE] = WS_OBJECT("audience", KIND_WS_AUDIENCES,
				       audience_attrs),
	[KIND_WS_PROJECTS] = WS_COLLECTION("projects"),
	[KIND_WS_PROJECT] = WS_OBJECT("project", KIND_WS_PROJECTS,
				      project_attrs),
	/* panels/: P.ini (stored; the first named kind, so the one the
	 * store's cascades and renames walk) and P.csv (one per P.ini) */
	[KIND_WS_PANELS] = { "panels", KIND_WS_PROJECT, 0, NULL, no_attrs,
			     ACT_WS_READ, ACT_NONE, ACT_NONE },
	[KIND_WS_PANEL] = { "panel", KIND_WS_PANELS,
			    KD_NAMED | KD_STORED | KD_FILE | KD_RENAME,
			    ".ini", panel_attrs, ACT_WS_READ, ACT_WS_EDIT,
			    ACT_WS_EDIT, NULL, ws_panel_create,
			    ws_panel_destroy, ws_panel_moved,
			    .facts = ws_panel_facts },
	[KIND_WS_PANEL_CSV] = { "panel table", KIND_WS_PANELS,
				KD_NAMED | KD_FILE, ".csv", panel_csv_attrs,
				ACT_WS_READ, ACT_NONE, ACT_NONE,
				ws_panel_list, .has = ws_panel_has,
				.facts = ws_panel_facts },
	/* a project's link: /links lists nothing, a live token is a
	 * directory showing the project read-only (ws_link_*) */
	[KIND_LINKS] = { "links", KIND_ROOT, 0, NULL, no_attrs, ACT_LINKS_SEE,
			 ACT_NONE, ACT_NONE },
	[KIND_LINK] = { "link", KIND_LINKS, KD_NAMED | KD_SECRET, NULL,
			link_attrs, ACT_LINK_READ, ACT_NONE, ACT_NONE,
			ws_link_list, .has = ws_link_has,
			.facts = ws_link_facts },
	[KIND_LINK_PANELS] = { "panels", KIND_LINK, 0, NULL, no_attrs,
			       ACT_LINK_READ, ACT_NONE, ACT_NONE },
	[KIND_LINK_PANEL] = { "panel table", KIND_LINK_PANELS,
			      KD_NAMED | KD_FILE, ".csv", link_panel_attrs,
			      ACT_LINK_READ, ACT_NONE, ACT_NONE,
			      ws_link_panel_list, .has = ws_link_panel_has },
};

static int kind_present(int k)
{
	return k >= 0 && k < KIND_COUNT && kind_table[k].name != NULL;
}

/* Derived names (logins under /admin/users) are checked against their
 * list by the model; here only what can never be a name is refused. */
static int kind_derived_name_ok(const char *name, size_t len)
{
	size_t i;

	if (len > OBJ_NAME_MAX || name[0] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f ||
		    name[i] == '/')
			return 0;
	return 1;
}

int kind_named_child(enum kind k)
{
	return kind_named_next(k, -1);
}

int kind_named_next(enum kind k, int after)
{
	int i;

	for (i = after + 1; i < KIND_COUNT; i++)
		if (i != KIND_ROOT && kind_present(i) &&
		    kind_table[i].parent == k &&
		    (kind_table[i].flags & KD_NAMED))
			return i;
	return -1;
}

void obj_ref_root(struct obj_ref *ref)
{
	memset(ref, 0, sizeof(*ref));
	ref->kind = KIND_ROOT;
	ref->attr = -1;
}

const struct kind_attr *obj_ref_attr(const struct obj_ref *ref)
{
	if (ref->attr < 0 || obj_ref_is_scratch(ref))
		return NULL;
	return &kind_table[ref->kind].attrs[ref->attr];
}

int obj_ref_is_dir(const struct obj_ref *ref)
{
	return ref->attr < 0 && !(kind_table[ref->kind].flags & KD_FILE) &&
	       !obj_ref_is_scratch(ref);
}

int obj_ref_parent(const struct obj_ref *ref, struct obj_ref *out)
{
	const struct kind_def *k = &kind_table[ref->kind];

	*out = *ref;
	out->sandbox = NULL;
	if (obj_ref_is_scratch(ref)) {
		out->scratch[0] = '\0';
		return 0;
	}
	if (ref->attr >= 0 && !(k->flags & KD_FILE)) {
		out->attr = -1;
		return 0;
	}
	if (ref->kind == KIND_ROOT)
		return -ENOENT;
	out->attr = -1;
	out->kind = k->parent;
	if (k->flags & KD_NAMED) {
		out->nnames--;
		memset(out->names[out->nnames], 0, sizeof(out->names[0]));
	}
	return 0;
}

/* The chain of kinds from the root down to k (root first). */
static int kind_chain(enum kind k, enum kind chain[KIND_COUNT])
{
	enum kind tmp[KIND_COUNT];
	int n = 0, i;

	for (;;) {
		tmp[n++] = k;
		if (k == KIND_ROOT)
			break;
		k = kind_table[k].parent;
	}
	for (i = 0; i < n; i++)
		chain[i] = tmp[n - 1 - i];
	return n;
}

/* withhold: a KD_SECRET instance's name is written as
 * KIND_NAME_WITHHELD (what logs show of a link's token). */
static int obj_ref_dir_path(const struct obj_ref *ref, struct buf *out,
			    int withhold)
{
	enum kind chain[KIND_COUNT];
	int n = kind_chain(ref->kind, chain), i, depth = 0, rc = 0;

	for (i = 1; i < n && !rc; i++) {
		const struct kind_def *k = &kind_table[chain[i]];

		/* plain appends: this runs several times per request */
		rc = buf_addch(out, '/');
		if (rc)
			break;
		if ((k->flags & KD_NAMED) && withhold &&
		    (k->flags & KD_SECRET)) {
			depth++;
			rc = buf_addstr(out, KIND_NAME_WITHHELD);
		} else if (k->flags & KD_NAMED) {
			rc = buf_addstr(out, ref->names[depth++]);
			if (!rc && (k->flags & KD_FILE))
				rc = buf_addstr(out, k->suffix);
		} else {
			rc = buf_addstr(out, k->name);
		}
	}
	if (!rc && out->len == 0)
		rc = buf_addch(out, '/');
	return rc;
}

static int obj_ref_path_as(const struct obj_ref *ref, struct buf *out,
			   int withhold)
{
	int rc = obj_ref_dir_path(ref, out, withhold);

	const char *leaf = NULL;

	if (!rc && obj_ref_is_scratch(ref))
		leaf = ref->scratch;
	else if (!rc && ref->attr >= 0 &&
		 !(kind_table[ref->kind].flags & KD_FILE))
		leaf = obj_ref_attr(ref)->name;
	if (leaf && out->len > 1)
		rc = buf_addch(out, '/');
	if (leaf && !rc)
		rc = buf_addstr(out, leaf);
	return rc;
}

int obj_ref_path(const struct obj_ref *ref, struct buf *out)
{
	return obj_ref_path_as(ref, out, 0);
}

int obj_ref_path_withheld(const struct obj_ref *ref, struct buf *out)
{
	return obj_ref_path_as(ref, out, 1);
}

int obj_ref_object_path(const struct obj_ref *ref, struct buf *out)
{
	return obj_ref_dir_path(ref, out, 0);
}

int obj_ref_entry_name(const struct obj_ref *ref, struct buf *out)
{
	const struct kind_def *k = &kind_table[ref->kind];

	if (obj_ref_is_scratch(ref))
		return buf_addstr(out, ref->scratch);
	if (ref->attr >= 0 && !(k->flags & KD_FILE))
		return buf_addstr(out, obj_ref_attr(ref)->name);
	if (k->flags & KD_NAMED)
		return buf_printf(out, "%s%s", ref->names[ref->nnames - 1],
				  (k->flags & KD_FILE) ? k->suffix : "");
	return buf_addstr(out, k->name);
}

int obj_ref_parse(const char *path, int scratch, struct obj_ref *out)
{
	char comp[OBJ_SCRATCH_MAX + 1];
	struct obj_ref cur, next;
	const char *p = path;
	size_t len;

	obj_ref_root(&cur);
	while (*p == '/')
		p++;
	while (*p) {
		len = strcspn(p, "/");
		if (len > OBJ_SCRATCH_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, p, len);
		comp[len] = '\0';
		for (p += len; *p == '/'; p++)
			;
		if (!*p && scratch) {
			if (!obj_ref_is_dir(&cur))
				return -ENOENT;
			*out = cur;
			out->sandbox = NULL;
			memcpy(out->scratch, comp, len + 1);
			return 0;
		}
		if (kind_child(&cur, comp, &next) == KIND_CHILD_NONE)
			return -ENOENT;
		cur = next;
	}
	if (scratch)
		return -ENOENT;
	*out = cur;
	out->sandbox = NULL;
	return 0;
}

enum kind_child_type kind_child(const struct obj_ref *dir, const char *name,
				struct obj_ref *out)
{
	const struct kind_def *k = &kind_table[dir->kind];
	size_t len = strlen(name), slen;
	int i, nk;

	if (!obj_ref_is_dir(dir) || !len)
		return KIND_CHILD_NONE;
	/* out starts as a copy of dir, which is never a scratch file */
	for (i = 0; k->attrs[i].name; i++) {
		if (!strcmp(k->attrs[i].name, name)) {
			*out = *dir;
			out->sandbox = NULL;
			out->attr = i;
			return KIND_CHILD_ATTR;
		}
	}
	for (i = 1; i < KIND_COUNT; i++) {
		if (!kind_present(i) || kind_table[i].parent != dir->kind ||
		    (kind_table[i].flags & KD_NAMED))
			continue;
		if (!strcmp(kind_table[i].name, name)) {
			*out = *dir;
			out->sandbox = NULL;
			out->kind = i;
			out->attr = -1;
			return KIND_CHILD_DIR;
		}
	}
	/* the named kind whose suffix the name has (file kinds), or the
	 * directory's one named kind */
	for (nk = kind_named_child(dir->kind); nk >= 0;
	     nk = kind_named_next(dir->kind, nk)) {
		if (!(kind_table[nk].flags & KD_FILE))
			break;
		slen = strlen(kind_table[nk].suffix);
		if (len > slen &&
		    !strcmp(name + len - slen, kind_table[nk].suffix)) {
			len -= slen;
			break;
		}
	}
	if (nk < 0 || dir->nnames >= OBJ_MAX_NAMES)
		return KIND_CHILD_NONE;
	if (kind_table[nk].flags & KD_STORED) {
		if (!inidoc_valid_name(name, len))
			return KIND_CHILD_NONE;
	} else if (!kind_derived_name_ok(name, len)) {
		return KIND_CHILD_NONE;
	}
	*out = *dir;
	out->sandbox = NULL;
	out->kind = nk;
	out->attr = (kind_table[nk].flags & KD_FILE) ? 0 : -1;
	memcpy(out->names[out->nnames], name, len);
	out->names[out->nnames][len] = '\0';
	out->nnames++;
	return KIND_CHILD_OBJECT;
}
