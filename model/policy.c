/*
 * policy.c - who may do what (SPEC §6).
 *
 * The snapshot (struct policy_db) is the Admin Console in a form that
 * answers fast: profiles with their sorted view lists and tool bits,
 * platform profiles with sorted sandboxes and permission bits, and one
 * sorted table of grants (principal, relation, index) where a principal is
 * a login or "group:NAME".  Resolving a caller is then a few binary
 * searches; a decision is a switch on the action and a few bit tests.
 * The snapshot is rebuilt only when a commit touched /admin (the store's
 * watch generation), so edits to connections and views never pay for it.
 *
 * Delegation (SPEC §3.5, §6): each profile's [delegation] is in the
 * snapshot too, so the gate alone decides what a profile's admins may
 * turn on in its profile.ini (ACT_PROFILE_GRANT, the item in
 * obj_ref.grant), that only product admins change [delegation]
 * (ACT_PROFILE_DELEGATE), and that they change a data view only through
 * a profile that grants it and lists it in edit_views (ACT_DV_EDIT).
 *
 * Visibility before permission: a caller that may not see a named object
 * (a connection, a profile) gets -ENOENT for it and for everything below
 * it: it may not know the name exists.  Fixed names (connections, admin,
 * audit, product-admins...) are known to every mapped caller, so for them
 * and for what lies in a fixed directory the caller may not enter, a
 * refusal is -EACCES.  Unmapped callers may
 * do ACT_PUBLIC things and nothing else.
 *
 * System admins are not product admins by that alone: the table of §6
 * names the two roles separately (a system admin can list itself in
 * /admin/product-admins).
 *
 * Facts of one object.  What a decision needs to know of the object
 * itself (a connection's sandbox; a Workspace object's owner, shares and
 * home view) comes from its kind's facts hook (kind_def.facts, through
 * policy_facts()), so no record layout is known here.  The Workspace
 * (SPEC §7): an object is seen by product admins and, among the callers
 * who may enter /workspace, by its owner and the principals its shares
 * list (the caller's login, one of its mapped groups, all); those of
 * them that hold the kind's creation permission (the rules of
 * ws_creation(), from any profile) change it, and its shares while they
 * do not hold all (ACT_WS_SHARE).  Where the kind's shares carry roles
 * (projects: obj_facts.roles) a recipient changes it only with role
 * edit, and its shares, [curation] and [link] are the owner's
 * (ACT_WS_CURATE; ACT_WS_LINK adds share_project_links).
 *
 * Links (/links/TOKEN): the link kind's facts hook finds the live
 * project a token names; ACT_LINK_READ admits mapped callers with
 * analysis_workspace, and anyone when the project says require_login =
 * false while [workspace] anonymous_links is on: the one case where an
 * unmapped caller gets past the first test of policy_check().
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "config.h"
#include "dirindex.h"
#include "hash.h"
#include "inidoc.h"
#include "mctx.h"
#include "policy.h"
#include "rec.h"
#include "store.h"

const char *const perm_names[PERM_COUNT + 1] = {
	"view_schemas", "manage_schemas", "view_datasets", "manage_datasets",
	"manage_sources", "view_identity_namespaces", "manage_destinations",
	"activate_destinations", "view_destinations", "manage_queries",
	"manage_query_service_integration", "view_journeys_events",
	"manage_journeys_events", "view_journeys", "manage_journeys",
	"manage_segments", NULL
};

const char *const tool_names[TOOL_COUNT + 1] = {
	"analysis_workspace", "guided_analysis",
	"calculated_metrics_creation", "segment_creation", "labs",
	"annotation_creation", "audience_view", "audience_creation",
	"data_storytelling", "audit_logs_access", "share_project_links",
	"forecasting", "ai_assistant", "intelligent_captions",
	"full_table_export", "bi_extension", NULL
};

const char *const action_names[ACT_COUNT] = {
	[ACT_NONE] = "none",
	[ACT_PUBLIC] = "public",
	[ACT_MAPPED] = "mapped",
	[ACT_ADMIN_SEE] = "enter_admin",
	[ACT_ADMIN_READ] = "read_admin",
	[ACT_ADMIN_SYS] = "edit_system_settings",
	[ACT_PROFILE_SEE] = "read_profile",
	[ACT_PROFILE_MANAGE] = "manage_profiles",
	[ACT_PROFILE_EDIT] = "edit_profile",
	[ACT_PROFILE_DELEGATE] = "delegate_profile",
	[ACT_PROFILE_GRANT] = "grant_in_profile",
	[ACT_CONN_READ] = "read_connections",
	[ACT_CONN_MANAGE] = "manage_connections",
	[ACT_DV_MANAGE] = "manage_dataviews",
	[ACT_DV_EDIT] = "edit_dataview",
	[ACT_DV_SEE] = "see_dataview",
	[ACT_DV_REPORT] = "read_reports",
	[ACT_DV_EXPORT] = "export_rows",
	[ACT_AUDIT_READ] = "read_audit_log",
	[ACT_ACTIVITY] = "cancel_computations",
	[ACT_WS_SEE] = "enter_workspace",
	[ACT_WS_CREATE] = "create_workspace_object",
	[ACT_WS_READ] = "read_workspace_object",
	[ACT_WS_EDIT] = "change_workspace_object",
	[ACT_WS_SHARE] = "share_workspace_object",
	[ACT_WS_ADMIN] = "administer_workspace",
	[ACT_WS_PEOPLE] = "read_audience_people",
	[ACT_WS_CURATE] = "curate_project",
	[ACT_WS_LINK] = "enable_project_link",
	[ACT_WS_PANEL] = "read_panel",
	[ACT_WS_SLIDES] = "read_slides",
	[ACT_LINKS_SEE] = "enter_links",
	[ACT_LINK_READ] = "read_project_link",
};

/* The permissions connection and data view management needs (§6). */
#define CONN_PERMS                                                           \
	((1u << PERM_VIEW_SCHEMAS) | (1u << PERM_MANAGE_SCHEMAS) |           \
	 (1u << PERM_VIEW_DATASETS) | (1u << PERM_MANAGE_DATASETS) |         \
	 (1u << PERM_MANAGE_SOURCES) | (1u << PERM_VIEW_IDENTITY_NAMESPACES))
#define JOURNEY_PERMS                                                        \
	((1u << PERM_VIEW_JOURNEYS_EVENTS) |                                 \
	 (1u << PERM_MANAGE_JOURNEYS_EVENTS) | (1u << PERM_VIEW_JOURNEYS) |  \
	 (1u << PERM_MANAGE_JOURNEYS))

/* Key of the count of journey_optimizer connections (kept by the
 * connection kind in the same transaction as the change). */
#define POLICY_JO_KEY "m:jo"

enum rel {
	REL_PRODUCT_ADMIN,
	REL_MEMBER,
	REL_ADMIN,
	REL_PLATFORM,
};

/* A list of names, sorted, for bsearch. */
struct pd_names {
	char **v;
	size_t n;
};

/* What a profile grants, and what its [delegation] lets its admins turn
 * on (dl_*) and edit (edit_views). */
struct pd_profile {
	char *name;
	int auto_include;
	char **views;		/* sorted */
	size_t nviews;
	uint32_t tools;
	int dl_auto_include;
	struct pd_names dl_views;
	uint32_t dl_tools;
	struct pd_names edit_views;
};

struct pd_platform {
	char *name;
	char **sandboxes;	/* sorted */
	size_t nsandboxes;
	uint32_t perms;
};

struct pd_grant {
	char *principal;
	enum rel rel;
	int idx;
};

struct policy_db {
	struct pd_profile *profiles;
	size_t nprofiles;
	struct pd_platform *platforms;
	size_t nplatforms;
	struct pd_grant *grants;	/* sorted by principal */
	size_t ngrants;
	size_t grants_cap;
};

/* The facts of the objects the policy asked about lately, valid for the
 * store generation they were read at (any commit makes them stale): a
 * listing of a Workspace collection asks each object's facts several
 * times per entry, and reading them parses the object's settings.  A
 * direct-mapped table keyed by the place the facts hook was asked about;
 * facts depend on the store alone, not on who asks. */
#define FACTS_MEMO_SLOTS 8192

struct facts_slot {
	uint64_t gen;		/* store generation + 1; 0: empty */
	char *key;
	size_t len;
	int rc;
	struct obj_facts f;
};

struct policy {
	struct store *st;
	const struct config *cfg;
	struct policy_db *db;
	uint64_t gen;
	int built;
	struct facts_slot *facts;	/* FACTS_MEMO_SLOTS, or NULL */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_grant(const void *a, const void *b)
{
	const struct pd_grant *x = a, *y = b;
	int c = strcmp(x->principal, y->principal);

	if (c)
		return c;
	if (x->rel != y->rel)
		return x->rel < y->rel ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static void strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void db_free(struct policy_db *db)
{
	size_t i;

	if (!db)
		return;
	for (i = 0; i < db->nprofiles; i++) {
		struct pd_profile *pr = &db->profiles[i];

		free(pr->name);
		strv_free(pr->views, pr->nviews);
		strv_free(pr->dl_views.v, pr->dl_views.n);
		strv_free(pr->edit_views.v, pr->edit_views.n);
	}
	for (i = 0; i < db->nplatforms; i++) {
		free(db->platforms[i].name);
		strv_free(db->platforms[i].sandboxes,
			  db->platforms[i].nsandboxes);
	}
	for (i = 0; i < db->ngrants; i++)
		free(db->grants[i].principal);
	free(db->profiles);
	free(db->platforms);
	free(db->grants);
	free(db);
}

static int db_grant(struct policy_db *db, const char *principal, size_t len,
		    enum rel rel, int idx)
{
	struct pd_grant *g;

	if (db->ngrants == db->grants_cap) {
		size_t cap = db->grants_cap ? 2 * db->grants_cap : 64;

		g = realloc(db->grants, cap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		db->grants = g;
		db->grants_cap = cap;
	}
	g = &db->grants[db->ngrants];
	g->principal = strndup(principal, len);
	if (!g->principal)
		return -ENOMEM;
	g->rel = rel;
	g->idx = idx;
	db->ngrants++;
	return 0;
}

struct grant_arg {
	struct policy_db *db;
	enum rel rel;
	int idx;
};

static int grant_each(const char *entry, size_t len, void *arg)
{
	struct grant_arg *ga = arg;

	return db_grant(ga->db, entry, len, ga->rel, ga->idx);
}

struct strv {
	char **v;
	size_t n;
};

static int strv_each(const char *item, size_t len, void *arg)
{
	struct strv *sv = arg;
	char **v = realloc(sv->v, (sv->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	sv->v = v;
	v[sv->n] = strndup(item, len);
	if (!v[sv->n])
		return -ENOMEM;
	sv->n++;
	return 0;
}

/* Bits of the items of a canonical list that appear in names. */
static uint32_t list_bits(const char *list, const char *const *names)
{
	uint32_t bits = 0;
	int i;

	for (i = 0; names[i]; i++)
		if (inidoc_list_has(list, names[i]))
			bits |= 1u << i;
	return bits;
}

/* Load the record of /admin/<coll>/<name>. */
static int load_admin_obj(struct policy *p, const char *coll,
			  const char *name, struct rec *r)
{
	struct buf key = BUF_INIT, val = BUF_INIT;
	int rc = buf_printf(&key, "o:/admin/%s/%s", coll, name);

	if (!rc)
		rc = store_get(p->st, key.data, &val);
	if (!rc)
		rc = rec_decode(r, val.data, val.len);
	buf_release(&key);
	buf_release(&val);
	return rc;
}

static int load_names(struct policy *p, const char *dir, struct strv *names)
{
	struct buf v = BUF_INIT;
	int rc = dirindex_list(p->st, dir, &v);

	if (!rc)
		rc = inidoc_lines_each(v.data, strv_each, names);
	buf_release(&v);
	return rc;
}

/* A canonical list into sorted names. */
static int names_load(struct pd_names *out, const char *list)
{
	struct strv sv = { NULL, 0 };
	int rc = inidoc_list_each(list, strv_each, &sv);

	if (rc) {
		strv_free(sv.v, sv.n);
		return rc;
	}
	if (sv.n)
		qsort(sv.v, sv.n, sizeof(char *), cmp_str);
	out->v = sv.v;
	out->n = sv.n;
	return 0;
}

static int names_has(const struct pd_names *names, const char *name)
{
	return names->n && bsearch(&name, names->v, names->n, sizeof(char *),
				   cmp_str) != NULL;
}

/* [delegation] of a profile (SPEC §3.5): freed with the profile. */
static int load_delegation(struct pd_profile *pr, const struct inidoc *doc)
{
	int rc;

	pr->dl_auto_include = inidoc_bool(doc, "delegation", "auto_include");
	pr->dl_tools = list_bits(inidoc_get(doc, "delegation", "tools"),
				 tool_names);
	rc = names_load(&pr->dl_views, inidoc_get(doc, "delegation", "views"));
	if (!rc)
		rc = names_load(&pr->edit_views,
				inidoc_get(doc, "delegation", "edit_views"));
	return rc;
}

static int db_add_profile(struct policy *p, struct policy_db *db,
			  const char *name)
{
	struct pd_profile *pr = &db->profiles[db->nprofiles];
	struct rec r = REC_INIT;
	struct inidoc doc;
	struct diag d;
	struct strv views = { NULL, 0 };
	struct grant_arg ga = { db, REL_MEMBER, (int)db->nprofiles };
	const char *text;
	size_t len;
	int rc, i, kept = 0;

	memset(pr, 0, sizeof(*pr));
	rc = load_admin_obj(p, "profiles", name, &r);
	if (rc == -ENOENT) {
		rc = 0;		/* listed but gone: skip */
		goto out;
	}
	if (rc)
		goto out;
	text = rec_get(&r, "profile.ini", &len);
	rc = text ? inidoc_parse(&profile_schema, text, len, NULL, &doc, &d) :
		    inidoc_defaults(&profile_schema, &doc);
	if (rc)
		goto out;
	pr->auto_include = inidoc_bool(&doc, "data_views", "auto_include");
	rc = inidoc_list_each(inidoc_get(&doc, "data_views", "views"),
			      strv_each, &views);
	if (!rc)
		rc = load_delegation(pr, &doc);
	for (i = 0; i < TOOL_COUNT; i++) {
		const char *sec = i >= TOOL_FIRST_DATA_VIEW_TOOL ?
					  "data_view_tools" :
					  "reporting_tools";

		if (inidoc_bool(&doc, sec, tool_names[i]))
			pr->tools |= 1u << i;
	}
	inidoc_release(&doc);
	if (rc)
		goto out;
	if (views.n)
		qsort(views.v, views.n, sizeof(char *), cmp_str);
	pr->views = views.v;
	pr->nviews = views.n;
	views.v = NULL;
	pr->name = strdup(name);
	if (!pr->name) {
		rc = -ENOMEM;
		goto out;
	}
	text = rec_get(&r, "members", NULL);
	if (text)
		rc = inidoc_lines_each(text, grant_each, &ga);
	ga.rel = REL_ADMIN;
	text = rec_get(&r, "admins", NULL);
	if (!rc && text)
		rc = inidoc_lines_each(text, grant_each, &ga);
	db->nprofiles++;
	kept = 1;
out:
	if (views.v)
		strv_free(views.v, views.n);
	if (!kept) {
		/* not in the table, so db_free() will not free it */
		free(pr->name);
		strv_free(pr->views, pr->nviews);
		strv_free(pr->dl_views.v, pr->dl_views.n);
		strv_free(pr->edit_views.v, pr->edit_views.n);
		memset(pr, 0, sizeof(*pr));
	}
	rec_release(&r);
	return rc;
}

static int db_add_platform(struct policy *p, struct policy_db *db,
			   const char *name)
{
	struct pd_platform *pl = &db->platforms[db->nplatforms];
	struct rec r = REC_INIT;
	struct inidoc doc;
	struct diag d;
	struct strv sb = { NULL, 0 };
	struct grant_arg ga = { db, REL_PLATFORM, (int)db->nplatforms };
	const char *text;
	size_t len;
	int rc;

	memset(pl, 0, sizeof(*pl));
	rc = load_admin_obj(p, "platform", name, &r);
	if (rc == -ENOENT) {
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	text = rec_get(&r, "platform.ini", &len);
	rc = text ? inidoc_parse(&platform_schema, text, len, NULL, &doc, &d) :
		    inidoc_defaults(&platform_schema, &doc);
	if (rc)
		goto out;
	pl->perms = list_bits(inidoc_get(&doc, "platform", "permissions"),
			      perm_names);
	rc = inidoc_list_each(inidoc_get(&doc, "platform", "sandboxes"),
			      strv_each, &sb);
	inidoc_release(&doc);
	if (rc)
		goto out;
	if (sb.n)
		qsort(sb.v, sb.n, sizeof(char *), cmp_str);
	pl->sandboxes = sb.v;
	pl->nsandboxes = sb.n;
	sb.v = NULL;
	pl->name = strdup(name);
	if (!pl->name) {
		rc = -ENOMEM;
		goto out;
	}
	text = rec_get(&r, "members", NULL);
	if (text)
		rc = inidoc_lines_each(text, grant_each, &ga);
	db->nplatforms++;
out:
	if (sb.v)
		strv_free(sb.v, sb.n);
	rec_release(&r);
	return rc;
}

static int db_build(struct policy *p, struct policy_db **out)
{
	struct policy_db *db = calloc(1, sizeof(*db));
	struct strv profiles = { NULL, 0 }, platforms = { NULL, 0 };
	struct grant_arg ga = { db, REL_PRODUCT_ADMIN, 0 };
	struct rec admin = REC_INIT;
	struct buf v = BUF_INIT;
	const char *text;
	size_t i;
	int rc;

	if (!db)
		return -ENOMEM;
	rc = store_get(p->st, "o:/admin", &v);
	if (!rc)
		rc = rec_decode(&admin, v.data, v.len);
	else if (rc == -ENOENT)
		rc = 0;
	text = rec_get(&admin, "product-admins", NULL);
	if (!rc && text)
		rc = inidoc_lines_each(text, grant_each, &ga);
	if (!rc)
		rc = load_names(p, "/admin/profiles", &profiles);
	if (!rc)
		rc = load_names(p, "/admin/platform", &platforms);
	if (rc)
		goto out;
	db->profiles = calloc(profiles.n + 1, sizeof(*db->profiles));
	db->platforms = calloc(platforms.n + 1, sizeof(*db->platforms));
	if (!db->profiles || !db->platforms) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < profiles.n && !rc; i++)
		rc = db_add_profile(p, db, profiles.v[i]);
	for (i = 0; i < platforms.n && !rc; i++)
		rc = db_add_platform(p, db, platforms.v[i]);
	if (!rc && db->ngrants)
		qsort(db->grants, db->ngrants, sizeof(*db->grants), cmp_grant);
out:
	strv_free(profiles.v, profiles.n);
	strv_free(platforms.v, platforms.n);
	rec_release(&admin);
	buf_release(&v);
	if (rc) {
		db_free(db);
		return rc;
	}
	*out = db;
	return 0;
}

int policy_new(struct store *st, const struct config *cfg, struct policy **out)
{
	struct policy *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->st = st;
	p->cfg = cfg;
	/* without memory, no memo: every ask reads the facts */
	p->facts = calloc(FACTS_MEMO_SLOTS, sizeof(*p->facts));
	*out = p;
	return 0;
}

void policy_free(struct policy *p)
{
	size_t i;

	if (!p)
		return;
	db_free(p->db);
	for (i = 0; p->facts && i < FACTS_MEMO_SLOTS; i++) {
		free(p->facts[i].key);
		obj_facts_release(&p->facts[i].f);
	}
	free(p->facts);
	free(p);
}

int policy_refresh(struct policy *p)
{
	uint64_t gen = store_watch_generation(p->st);
	struct policy_db *db;
	int rc;

	if (p->built && gen == p->gen)
		return 0;
	rc = db_build(p, &db);
	if (rc)
		return rc;
	db_free(p->db);
	p->db = db;
	p->gen = gen;
	p->built = 1;
	return 0;
}

/* --- callers --- */

static int idx_add(int **v, int *n, int idx)
{
	int i, *nv;

	for (i = 0; i < *n; i++)
		if ((*v)[i] == idx)
			return 0;
	nv = realloc(*v, (size_t)(*n + 1) * sizeof(int));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	for (i = *n; i > 0 && nv[i - 1] > idx; i--)
		nv[i] = nv[i - 1];
	nv[i] = idx;
	(*n)++;
	return 0;
}

/* The index of principal's first grant, or of where it would be. */
static size_t grant_first(const struct policy_db *db, const char *principal)
{
	size_t lo = 0, hi = db->ngrants;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(db->grants[mid].principal, principal) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Apply every grant of principal to who. */
static int caller_grants(const struct policy_db *db, const char *principal,
			 struct caller *who)
{
	size_t lo = grant_first(db, principal);
	int rc = 0;

	for (; lo < db->ngrants && !rc &&
	       !strcmp(db->grants[lo].principal, principal);
	     lo++) {
		const struct pd_grant *g = &db->grants[lo];

		switch (g->rel) {
		case REL_PRODUCT_ADMIN:
			who->roles |= ROLE_PRODUCT_ADMIN;
			break;
		case REL_MEMBER:
			rc = idx_add(&who->member_of, &who->nmember_of,
				     g->idx);
			break;
		case REL_ADMIN:
			rc = idx_add(&who->admin_of, &who->nadmin_of, g->idx);
			break;
		case REL_PLATFORM:
			rc = idx_add(&who->platform_of, &who->nplatform_of,
				     g->idx);
			break;
		}
	}
	return rc;
}

/* Fill roles, profiles and permissions of a caller whose login and
 * groups are set. */
static int caller_resolve(struct policy *p, struct caller *who)
{
	const struct policy_db *db = p->db;
	struct buf principal = BUF_INIT;
	int rc, i;

	who->db = db;
	if (config_is_system_admin(p->cfg, who->login))
		who->roles |= ROLE_SYSTEM_ADMIN;
	rc = caller_grants(db, who->login, who);
	for (i = 0; i < who->ngroups && !rc; i++) {
		buf_reset(&principal);
		rc = buf_printf(&principal, "group:%s", who->groups[i]);
		if (!rc)
			rc = caller_grants(db, principal.data, who);
	}
	buf_release(&principal);
	if (rc)
		return rc;
	for (i = 0; i < who->nplatform_of; i++)
		who->perms |= db->platforms[who->platform_of[i]].perms;
	for (i = 0; i < who->nmember_of; i++)
		who->tools |= db->profiles[who->member_of[i]].tools;
	if (who->nadmin_of)
		who->roles |= ROLE_PROFILE_ADMIN;
	if (who->nmember_of)
		who->roles |= ROLE_USER;
	return 0;
}

static void caller_add_group(struct caller *who, const char *g)
{
	int i;

	if (!g || who->ngroups >= CALLER_MAX_GROUPS)
		return;
	for (i = 0; i < who->ngroups; i++)
		if (!strcmp(who->groups[i], g))
			return;
	who->groups[who->ngroups++] = g;
}

int policy_caller(struct policy *p, const struct caller_id *id,
		  struct caller *who)
{
	int i, rc;

	memset(who, 0, sizeof(*who));
	who->id = *id;
	rc = policy_refresh(p);
	if (rc)
		return rc;
	who->db = p->db;
	who->login = config_login(p->cfg, id->uid);
	if (!who->login)
		return 0;
	caller_add_group(who, config_group(p->cfg, id->gid));
	for (i = 0; i < id->ngids; i++)
		caller_add_group(who, config_group(p->cfg, id->gids[i]));
	rc = caller_resolve(p, who);
	if (rc)
		caller_release(who);
	return rc;
}

int policy_caller_login(struct policy *p, const char *login,
			struct caller *who)
{
	uid_t uid = config_uid_of(p->cfg, login);
	struct caller_id id;
	struct passwd *pw;
	int rc, n = CALLER_MAX_GROUPS;

	memset(&id, 0, sizeof(id));
	if (uid == (uid_t)-1) {
		/* a login no Unix user maps to: its direct grants only */
		memset(who, 0, sizeof(*who));
		rc = policy_refresh(p);
		if (rc)
			return rc;
		who->id.uid = uid;
		who->id.ngids = -1;
		who->login = login;
		return caller_resolve(p, who);
	}
	/* as if its Unix user called, with that user's groups */
	id.uid = uid;
	pw = getpwuid(uid);
	if (pw) {
		id.gid = pw->pw_gid;
		if (getgrouplist(pw->pw_name, pw->pw_gid, id.gids, &n) >= 0)
			id.ngids = n;
	} else {
		id.gid = (gid_t)-1;
	}
	return policy_caller(p, &id, who);
}

void caller_release(struct caller *who)
{
	free(who->member_of);
	free(who->admin_of);
	free(who->platform_of);
	who->member_of = who->admin_of = who->platform_of = NULL;
	who->nmember_of = who->nadmin_of = who->nplatform_of = 0;
}

/* --- decisions --- */

static int why_add(struct buf *why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int why_add(struct buf *why, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!why)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (why->len)
		buf_addstr(why, "; ");
	return buf_addstr(why, msg);
}

/* The snapshot index of profile when the caller administers it, or -1. */
static int admin_idx(const struct caller *who, const char *profile)
{
	int i;

	for (i = 0; i < who->nadmin_of; i++)
		if (!strcmp(who->db->profiles[who->admin_of[i]].name, profile))
			return who->admin_of[i];
	return -1;
}

static int admin_of(const struct caller *who, const char *profile)
{
	return admin_idx(who, profile) >= 0;
}

/* Does profile idx's [delegation] let its admins turn on grant ("data
 * view V", "tool T" or "auto_include")? */
static int delegated(const struct policy_db *db, int idx, const char *grant)
{
	const struct pd_profile *pr = &db->profiles[idx];
	int i;

	if (!strcmp(grant, "auto_include"))
		return pr->dl_auto_include;
	if (!strncmp(grant, "data view ", 10))
		return names_has(&pr->dl_views, grant + 10);
	if (!strncmp(grant, "tool ", 5))
		for (i = 0; i < TOOL_COUNT; i++)
			if (!strcmp(grant + 5, tool_names[i]))
				return !!(pr->dl_tools & (1u << i));
	return 0;
}

/* May an admin of a profile change data view view?  Only through a
 * profile that grants it and lists it in [delegation] edit_views; *near
 * is set when some profile it administers grants it without that. */
static int dv_edit_delegated(const struct caller *who, const char *view,
			     int *near)
{
	int i;

	for (i = 0; i < who->nadmin_of; i++) {
		int idx = who->admin_of[i];

		if (!policy_profile_grants(who->db, idx, view))
			continue;
		if (names_has(&who->db->profiles[idx].edit_views, view))
			return 1;
		*near = 1;
	}
	return 0;
}

int policy_profile_grants(const struct policy_db *db, int idx,
			  const char *view)
{
	const struct pd_profile *pr = &db->profiles[idx];

	if (pr->auto_include)
		return 1;
	return pr->nviews && bsearch(&view, pr->views, pr->nviews, sizeof(char *),
		       cmp_str) != NULL;
}

uint32_t policy_profile_tools(const struct policy_db *db, int idx)
{
	return db->profiles[idx].tools;
}

const char *policy_profile_name(const struct policy_db *db, int idx)
{
	return db->profiles[idx].name;
}

const char *policy_platform_name(const struct policy_db *db, int idx)
{
	return db->platforms[idx].name;
}

int policy_caller_all_views(const struct caller *who)
{
	int i;

	for (i = 0; i < who->nmember_of; i++)
		if (who->db->profiles[who->member_of[i]].auto_include)
			return 1;
	return 0;
}

int policy_caller_views(const struct caller *who, struct buf *out)
{
	struct strv all = { NULL, 0 };
	size_t i, j;
	int rc = 0, k;

	if (who->roles & ROLE_PRODUCT_ADMIN || policy_caller_all_views(who))
		return buf_addstr(out, "all");
	for (k = 0; k < who->nmember_of && !rc; k++) {
		const struct pd_profile *pr =
			&who->db->profiles[who->member_of[k]];

		for (i = 0; i < pr->nviews && !rc; i++)
			rc = strv_each(pr->views[i], strlen(pr->views[i]),
				       &all);
	}
	if (!rc && all.n)
		qsort(all.v, all.n, sizeof(char *), cmp_str);
	for (i = 0, j = 0; i < all.n && !rc; i++) {
		if (i && !strcmp(all.v[i], all.v[i - 1]))
			continue;
		rc = buf_printf(out, "%s%s", j++ ? ", " : "", all.v[i]);
	}
	strv_free(all.v, all.n);
	return rc;
}

int policy_caller_sandboxes(const struct caller *who, struct buf *out)
{
	struct strv all = { NULL, 0 };
	size_t i, j;
	int rc = 0, k;

	for (k = 0; k < who->nplatform_of && !rc; k++) {
		const struct pd_platform *pl =
			&who->db->platforms[who->platform_of[k]];

		for (i = 0; i < pl->nsandboxes && !rc; i++)
			rc = strv_each(pl->sandboxes[i],
				       strlen(pl->sandboxes[i]), &all);
	}
	if (!rc && all.n)
		qsort(all.v, all.n, sizeof(char *), cmp_str);
	for (i = 0, j = 0; i < all.n && !rc; i++) {
		if (i && !strcmp(all.v[i], all.v[i - 1]))
			continue;
		rc = buf_printf(out, "%s%s", j++ ? ", " : "", all.v[i]);
	}
	strv_free(all.v, all.n);
	return rc;
}

static int caller_has_sandbox(const struct caller *who, const char *sandbox)
{
	int k;

	for (k = 0; k < who->nplatform_of; k++) {
		const struct pd_platform *pl =
			&who->db->platforms[who->platform_of[k]];

		if (!sandbox ? pl->nsandboxes > 0 :
			       pl->nsandboxes && bsearch(&sandbox, pl->sandboxes, pl->nsandboxes,
				       sizeof(char *), cmp_str) != NULL)
			return 1;
	}
	return 0;
}

/* src copied into dst, which obj_facts_init() set. */
static int facts_copy(struct obj_facts *dst, const struct obj_facts *src)
{
	const struct buf *from[] = { &src->owner, &src->shares,
				     &src->dataview, &src->sandbox };
	struct buf *to[] = { &dst->owner, &dst->shares, &dst->dataview,
			     &dst->sandbox };
	size_t i;
	int rc = 0;

	/* a buffer the hook set, even to "", is copied as set: readers
	 * take its data as a string */
	for (i = 0; i < 4 && !rc; i++)
		if (from[i]->data)
			rc = buf_set(to[i], from[i]->data, from[i]->len);
	dst->person_shown = src->person_shown;
	dst->roles = src->roles;
	dst->link_open = src->link_open;
	return rc;
}

/* The facts hook of ref's kind, through the memo (struct facts_slot). */
static int facts_memo(struct policy *p, struct mctx *c,
		      const struct obj_ref *ref, struct obj_facts *out)
{
	uint64_t gen = store_generation(p->st) + 1;
	struct buf key = BUF_INIT;
	struct facts_slot *s;
	int rc;

	/* inside a transaction the store shows changes the generation
	 * does not count yet */
	if (!p->facts || store_in_txn(p->st) || obj_ref_path(ref, &key))
		goto uncached;
	s = &p->facts[fnv1a64(key.data, key.len) & (FACTS_MEMO_SLOTS - 1)];
	if (s->gen == gen && s->len == key.len &&
	    !memcmp(s->key, key.data, key.len)) {
		buf_release(&key);
		rc = s->rc ? s->rc : facts_copy(out, &s->f);
		return rc;
	}
	rc = kind_table[ref->kind].facts(c, ref, out);
	if (rc && rc != -ENOENT) {
		buf_release(&key);
		return rc;
	}
	free(s->key);
	obj_facts_release(&s->f);
	obj_facts_init(&s->f);
	s->gen = 0;
	s->key = buf_detach(&key, &s->len);
	if (s->key && (rc || !facts_copy(&s->f, out))) {
		s->gen = gen;
		s->rc = rc;
	}
	return rc;
uncached:
	buf_release(&key);
	return kind_table[ref->kind].facts(c, ref, out);
}

/*
 * The facts of the object obj is in (owner, shares, home view, sandbox),
 * from the hook of the nearest kind on its path that has one
 * (kind_def.facts): the policy knows no record layout.  -ENOENT when
 * there is no such object (or no kind on the path has facts).
 */
static int policy_facts(struct policy *p, const struct caller *who,
			const struct obj_ref *obj, struct obj_facts *out)
{
	struct obj_ref cur = *obj, up;
	struct mctx c;

	obj_facts_init(out);
	while (!kind_table[cur.kind].facts) {
		if (obj_ref_parent(&cur, &up))
			return -ENOENT;
		cur = up;
	}
	memset(&c, 0, sizeof(c));
	c.st = p->st;
	c.pol = p;
	c.cfg = p->cfg;
	c.who = who;
	return facts_memo(p, &c, &cur, out);
}

int policy_home_view(struct policy *p, const struct caller *who,
		     const struct obj_ref *obj, struct buf *view)
{
	struct obj_facts f;
	int rc = policy_facts(p, who, obj, &f);

	if (!rc)
		rc = buf_set(view, f.dataview.data ? f.dataview.data : "",
			     f.dataview.len);
	obj_facts_release(&f);
	return rc;
}

static int journeys_needed(struct policy *p)
{
	struct buf v = BUF_INIT;
	int n = 0;

	if (!store_get(p->st, POLICY_JO_KEY, &v))
		n = atoi(v.data);
	buf_release(&v);
	return n > 0;
}

/* Product admin with the platform permissions and sandbox management
 * needs; the sandbox is the connection's when obj is inside one. */
static int platform_ok(struct policy *p, const struct caller *who,
		       const struct obj_ref *obj, int conn_scoped,
		       struct buf *why)
{
	uint32_t need = CONN_PERMS, missing;
	struct obj_facts facts;
	struct buf list = BUF_INIT;
	const char *sandbox = NULL;
	int ok = 1, i;

	obj_facts_init(&facts);
	if (!(who->roles & ROLE_PRODUCT_ADMIN)) {
		why_add(why, "needs role %s", "product admin");
		ok = 0;
	}
	if (journeys_needed(p))
		need |= JOURNEY_PERMS;
	missing = need & ~who->perms;
	for (i = 0; i < PERM_COUNT; i++)
		if (missing & (1u << i))
			buf_printf(&list, "%s%s", list.len ? ", " : "",
				   perm_names[i]);
	if (missing) {
		why_add(why, "needs platform permission%s %s",
			strchr(list.data, ',') ? "s" : "", list.data);
		ok = 0;
	}
	if (conn_scoped && obj->nnames >= 1) {
		if (obj->sandbox)
			sandbox = obj->sandbox;
		else if (!policy_facts(p, who, obj, &facts) &&
			 facts.sandbox.len)
			sandbox = facts.sandbox.data;
	}
	if (!caller_has_sandbox(who, sandbox)) {
		if (sandbox)
			why_add(why,
				"needs sandbox %s through a platform profile",
				sandbox);
		else
			why_add(why, "needs %s",
				"a sandbox through a platform profile");
		ok = 0;
	}
	obj_facts_release(&facts);
	buf_release(&list);
	return ok;
}

/* Exists a profile the caller is in (as member, or admin when admins is
 * set) that grants view and has every tool bit of tools. */
static int granted(const struct caller *who, const char *view,
		   uint32_t tools, int admins)
{
	int i;

	for (i = 0; i < who->nmember_of; i++) {
		int idx = who->member_of[i];

		if (policy_profile_grants(who->db, idx, view) &&
		    (who->db->profiles[idx].tools & tools) == tools)
			return 1;
	}
	for (i = 0; admins && i < who->nadmin_of; i++)
		if (policy_profile_grants(who->db, who->admin_of[i], view))
			return 1;
	return 0;
}

/* The creation permission P of Workspace kind k (SPEC §7): a reporting
 * tool from any profile, and for audiences platform manage_segments too;
 * for date ranges (and projects), analysis_workspace. */
static void ws_creation(int k, uint32_t *tools, uint32_t *perms)
{
	*perms = 0;
	switch (k) {
	case KIND_WS_SEGMENT:
		*tools = 1u << TOOL_SEGMENT_CREATION;
		break;
	case KIND_WS_METRIC:
		*tools = 1u << TOOL_CALCULATED_METRICS_CREATION;
		break;
	case KIND_WS_ANNOTATION:
		*tools = 1u << TOOL_ANNOTATION_CREATION;
		break;
	case KIND_WS_AUDIENCE:
		*tools = 1u << TOOL_AUDIENCE_CREATION;
		*perms = 1u << PERM_MANAGE_SEGMENTS;
		break;
	default:
		*tools = 1u << TOOL_ANALYSIS_WORKSPACE;
		break;
	}
}

/* Does the caller hold kind k's creation permission?  When not, lack
 * names what is missing ("audience_creation and platform permission
 * manage_segments"). */
static int ws_holds(const struct caller *who, int k, struct buf *lack)
{
	uint32_t tools, perms, mt, mp;
	int i;

	ws_creation(k, &tools, &perms);
	mt = tools & ~who->tools;
	mp = perms & ~who->perms;
	for (i = 0; i < TOOL_COUNT; i++)
		if (mt & (1u << i))
			buf_printf(lack, "%s%s", lack->len ? " and " : "",
				   tool_names[i]);
	for (i = 0; i < PERM_COUNT; i++)
		if (mp & (1u << i))
			buf_printf(lack, "%splatform permission %s",
				   lack->len ? " and " : "", perm_names[i]);
	return !mt && !mp;
}

struct ws_share_arg {
	const struct caller *who;
	int roles;		/* the kind's lines carry roles */
	int hit;
	int edit;		/* a line naming the caller has role edit */
};

/* One line of shares: a principal, then, for a kind with roles,
 * optionally a role ("user:L edit"). */
static int ws_share_each(const char *e, size_t len, void *arg)
{
	struct ws_share_arg *sa = arg;
	size_t plen = len;
	int i, hit = 0, role = sa->roles ? obj_share_role(e, len, &plen) : 0;

	if (plen == 3 && !memcmp(e, "all", 3))
		hit = 1;
	else if (plen > 5 && !memcmp(e, "user:", 5))
		hit = strlen(sa->who->login) == plen - 5 &&
		      !memcmp(e + 5, sa->who->login, plen - 5);
	else if (plen > 6 && !memcmp(e, "group:", 6))
		for (i = 0; i < sa->who->ngroups; i++)
			hit |= strlen(sa->who->groups[i]) == plen - 6 &&
			       !memcmp(e + 6, sa->who->groups[i], plen - 6);
	if (hit) {
		sa->hit = 1;
		sa->edit |= role == 2;
	}
	return sa->hit && sa->edit;	/* nothing more to learn: stop */
}

/* Is an object whose shares are the canonical line-list shares shared
 * with the caller: as a user, through one of its mapped groups, or with
 * all?  *edit: one of the lines naming it gives it role edit (the
 * strongest role among them holds). */
static int ws_shared(const struct caller *who, const char *shares, int roles,
		     int *edit)
{
	struct ws_share_arg sa = { who, roles, 0, 0 };

	*edit = 0;
	if (!shares || !who->login)
		return 0;
	inidoc_lines_each(shares, ws_share_each, &sa);
	*edit = sa.edit;
	return sa.hit;
}

static int allowed(struct policy *p, const struct caller *who,
		   enum action act, const struct obj_ref *obj,
		   struct buf *why);

/* ACT_WS_READ, ACT_WS_EDIT and ACT_WS_SHARE on a Workspace object (or a
 * file of it): the owner and the facts come from its kind.  A list of
 * shares that holds all is the product admins' to change: everyone sees
 * the object anyway, and an owner could otherwise undo a product admin's
 * decision; so the shares file is read-only to the others (mode bits,
 * user.cjafs.why and the write all say so).  Seeing one starts with
 * seeing the Workspace (ACT_WS_SEE): a caller who may not enter its
 * collection may not list it, so it may not learn its names by lookup
 * either, shared with all or not (policy_check answers -ENOENT for the
 * object and all in it, as readdir hides it). */
static int ws_object_ok(struct policy *p, const struct caller *who,
			enum action act, const struct obj_ref *obj,
			struct buf *why)
{
	struct obj_facts f;
	struct buf lack = BUF_INIT;
	int own, shared, edit, ok = 0;

	if (who->roles & ROLE_PRODUCT_ADMIN)
		return 1;
	if (!allowed(p, who, ACT_WS_SEE, obj, why))
		return 0;
	if (policy_facts(p, who, obj, &f)) {
		why_add(why, "needs role %s", "product admin");
		goto out;
	}
	own = f.owner.len && !strcmp(f.owner.data, who->login);
	shared = ws_shared(who, f.shares.data, f.roles, &edit);
	if (!own && !shared) {
		/* the caller may not see it: whose it is is not its business
		 * (this text reaches /errors when a write is refused at close
		 * after an un-share) */
		why_add(why, "%s", "not shared with you");
		goto out;
	}
	if (act != ACT_WS_READ && !ws_holds(who, obj->kind, &lack)) {
		why_add(why, "needs %s (%s)", lack.data,
			own ? "you own it" : "it is shared with you");
		goto out;
	}
	/* the owner's alone: where shares carry roles, its shares; and
	 * what only the owner changes (a project's [curation], [link]) */
	if (!own && (act == ACT_WS_CURATE || act == ACT_WS_LINK ||
		     (act == ACT_WS_SHARE && f.roles))) {
		why_add(why, "%s", "only its owner and product admins change "
			"this");
		goto out;
	}
	if (!own && act == ACT_WS_EDIT && f.roles && !edit) {
		why_add(why, "%s", "it is shared with you to view (role edit "
			"changes it)");
		goto out;
	}
	if (act == ACT_WS_LINK &&
	    !(who->tools & (1u << TOOL_SHARE_PROJECT_LINKS))) {
		why_add(why, "needs %s", "share_project_links");
		goto out;
	}
	if (act == ACT_WS_SHARE && inidoc_lines_has(f.shares.data, "all") == 1) {
		why_add(why, "%s", "shared with all: only product admins "
			"change this list");
		goto out;
	}
	ok = 1;
out:
	buf_release(&lack);
	obj_facts_release(&f);
	return ok;
}

/* The Workspace's reads of data: who sees obj (ACT_WS_READ) and also
 * has, from one profile granting obj's data view (a fact of its kind),
 * every tool in tools, named in tools_text ("analysis_workspace and
 * audience_view"); noview says what lacks a view.  *f is the facts,
 * which the caller releases whatever the answer (1 or 0). */
static int ws_view_tools_ok(struct policy *p, const struct caller *who,
			    const struct obj_ref *obj, unsigned tools,
			    const char *tools_text, const char *noview,
			    struct obj_facts *f, struct buf *why)
{
	const char *view;

	if (policy_facts(p, who, obj, f)) {
		why_add(why, "needs role %s", "product admin");
		return 0;
	}
	view = f->dataview.len ? f->dataview.data : "";
	if (!*view) {
		why_add(why, "%s", noview);
		return 0;
	}
	if (!granted(who, view, tools, 0)) {
		why_add(why, "needs role product admin or a profile granting "
			"data view %s with %s", view, tools_text);
		return 0;
	}
	return 1;
}

/* ACT_WS_PEOPLE: an audience's person ids (SPEC §7).  Raw ids, so the
 * home view must show them unchanged (a fact of the view, from the
 * kind's facts hook) or the reader export rows. */
static int ws_people_ok(struct policy *p, const struct caller *who,
			const struct obj_ref *obj, struct buf *why)
{
	struct obj_facts f;
	int ok = 0;

	if (who->roles & ROLE_PRODUCT_ADMIN)
		return 1;
	if (!ws_object_ok(p, who, ACT_WS_READ, obj, why))
		return 0;
	if (ws_view_tools_ok(p, who, obj, (1u << TOOL_ANALYSIS_WORKSPACE) |
					   (1u << TOOL_AUDIENCE_VIEW),
			     "analysis_workspace and audience_view",
			     "the audience has no dataview", &f, why)) {
		ok = f.person_shown ||
		     granted(who, f.dataview.data,
			     1u << TOOL_FULL_TABLE_EXPORT, 0);
		if (!ok)
			why_add(why, "data view %s shows the person id "
				"through no dimension unchanged: needs a "
				"profile granting it with full_table_export",
				f.dataview.data);
	}
	obj_facts_release(&f);
	return ok;
}

/* ACT_WS_PANEL: a panel's table (SPEC §7): who sees the project and
 * also sees the panel's data view (the panel's dataview, else the
 * project's: a fact of the panel kind) with analysis_workspace, as
 * report/ asks of a view.  Readers need no share of the segments and
 * calculated metrics the panel names. */
static int ws_panel_ok(struct policy *p, const struct caller *who,
		       const struct obj_ref *obj, struct buf *why)
{
	struct obj_facts f;
	int ok;

	if (who->roles & ROLE_PRODUCT_ADMIN)
		return 1;
	if (!ws_object_ok(p, who, ACT_WS_READ, obj, why))
		return 0;
	ok = ws_view_tools_ok(p, who, obj, 1u << TOOL_ANALYSIS_WORKSPACE,
			      "analysis_workspace", "the panel has no "
			      "dataview (nor its project)", &f, why);
	obj_facts_release(&f);
	return ok;
}

/* ACT_WS_SLIDES: a project's slides.html (SPEC §7): who sees the
 * project and also sees its data view with analysis_workspace and
 * data_storytelling (one profile granting both).  Each panel's section
 * is then shown only to who may read that panel (wsslides.c). */
static int ws_slides_ok(struct policy *p, const struct caller *who,
			const struct obj_ref *obj, struct buf *why)
{
	struct obj_facts f;
	int ok;

	if (who->roles & ROLE_PRODUCT_ADMIN)
		return 1;
	if (!ws_object_ok(p, who, ACT_WS_READ, obj, why))
		return 0;
	ok = ws_view_tools_ok(p, who, obj, 1u << TOOL_ANALYSIS_WORKSPACE |
					     1u << TOOL_DATA_STORYTELLING,
			      "analysis_workspace and data_storytelling",
			      "the project has no dataview", &f, why);
	obj_facts_release(&f);
	return ok;
}

/* ACT_LINK_READ: a live link (its kind's facts: -ENOENT when the token
 * names none) is read by mapped callers who may enter the Workspace,
 * and by anyone when the project says require_login = false while the
 * configuration's [workspace] anonymous_links is on. */
static int link_ok(struct policy *p, const struct caller *who,
		   const struct obj_ref *obj, struct buf *why)
{
	struct obj_facts f;
	int ok = 0;

	if (policy_facts(p, who, obj, &f)) {
		why_add(why, "%s", "no such link");
		goto out;
	}
	if (f.link_open && p->cfg->anonymous_links) {
		ok = 1;
		goto out;
	}
	if (!who->login) {
		why_add(why, "needs %s", "a mapped user ([users] in the "
			"config): the link requires a login");
		goto out;
	}
	if (who->roles & ROLE_PRODUCT_ADMIN ||
	    who->tools & (1u << TOOL_ANALYSIS_WORKSPACE)) {
		ok = 1;
		goto out;
	}
	why_add(why, "needs %s", "a profile with analysis_workspace: the "
		"link requires a login");
out:
	obj_facts_release(&f);
	return ok;
}

static int role_ok(const struct caller *who, unsigned roles, const char *need,
		   struct buf *why)
{
	if (who->roles & roles)
		return 1;
	why_add(why, "needs role %s", need);
	return 0;
}

static int allowed(struct policy *p, const struct caller *who,
		   enum action act, const struct obj_ref *obj, struct buf *why)
{
	const char *name = obj->nnames ? obj->names[0] : "";

	switch (act) {
	case ACT_NONE:
		why_add(why, "%s", "nobody may do this");
		return 0;
	case ACT_PUBLIC:
		return 1;
	case ACT_MAPPED:
		return who->login != NULL;
	case ACT_ADMIN_SEE:
		return role_ok(who,
			       ROLE_SYSTEM_ADMIN | ROLE_PRODUCT_ADMIN |
				       ROLE_PROFILE_ADMIN,
			       "system admin, product admin or product "
			       "profile admin",
			       why);
	case ACT_ADMIN_READ:
		return role_ok(who, ROLE_SYSTEM_ADMIN | ROLE_PRODUCT_ADMIN,
			       "system admin or product admin", why);
	case ACT_ADMIN_SYS:
		return role_ok(who, ROLE_SYSTEM_ADMIN, "system admin", why);
	case ACT_PROFILE_SEE:
		if (who->roles & (ROLE_SYSTEM_ADMIN | ROLE_PRODUCT_ADMIN) ||
		    admin_of(who, name))
			return 1;
		why_add(why, "needs role system admin, product admin or "
			     "admin of profile %s", name);
		return 0;
	case ACT_PROFILE_MANAGE:
		return role_ok(who, ROLE_PRODUCT_ADMIN, "product admin", why);
	case ACT_PROFILE_EDIT:
		if (who->roles & ROLE_PRODUCT_ADMIN || admin_of(who, name))
			return 1;
		why_add(why, "needs role product admin or admin of profile %s",
			name);
		return 0;
	case ACT_PROFILE_DELEGATE:
		if (who->roles & ROLE_PRODUCT_ADMIN)
			return 1;
		why_add(why, "needs role product admin to change "
			"[delegation]");
		return 0;
	case ACT_PROFILE_GRANT: {
		int idx;

		if (who->roles & ROLE_PRODUCT_ADMIN)
			return 1;
		idx = admin_idx(who, name);
		if (idx < 0) {
			why_add(why, "needs role product admin or admin of "
				"profile %s", name);
			return 0;
		}
		if (!obj->grant || delegated(who->db, idx, obj->grant))
			return 1;
		why_add(why, "%s is not delegated to this profile's admins",
			obj->grant);
		return 0;
	}
	case ACT_CONN_READ:
		return role_ok(who, ROLE_PRODUCT_ADMIN, "product admin", why);
	case ACT_CONN_MANAGE:
		return platform_ok(p, who, obj, 1, why);
	case ACT_DV_MANAGE:
		return platform_ok(p, who, obj, 0, why);
	case ACT_DV_EDIT: {
		int near = 0;

		if (obj->nnames && dv_edit_delegated(who, name, &near))
			return 1;
		if (near && !(who->roles & ROLE_PRODUCT_ADMIN)) {
			/* the rule it is closest to is the one to name */
			why_add(why, "data view %s is not in [delegation] "
				"edit_views of a profile you administer", name);
			return 0;
		}
		if (platform_ok(p, who, obj, 0, why))
			return 1;
		why_add(why, "or to administer a profile granting data view %s "
			"with it in [delegation] edit_views", name);
		return 0;
	}
	case ACT_DV_SEE:
		if (who->roles & ROLE_PRODUCT_ADMIN ||
		    granted(who, name, 0, 1))
			return 1;
		why_add(why, "needs role product admin or a profile granting "
			     "data view %s", name);
		return 0;
	case ACT_DV_REPORT:
		if (who->roles & ROLE_PRODUCT_ADMIN ||
		    granted(who, name, 1u << TOOL_ANALYSIS_WORKSPACE, 0))
			return 1;
		why_add(why, "needs role product admin or a profile granting "
			     "data view %s with analysis_workspace", name);
		return 0;
	case ACT_DV_EXPORT:
		if (who->roles & ROLE_PRODUCT_ADMIN ||
		    granted(who, name, 1u << TOOL_FULL_TABLE_EXPORT, 0))
			return 1;
		why_add(why, "needs role product admin or a profile granting "
			     "data view %s with full_table_export", name);
		return 0;
	case ACT_AUDIT_READ:
		if (who->roles & ROLE_PRODUCT_ADMIN ||
		    who->tools & (1u << TOOL_AUDIT_LOGS_ACCESS))
			return 1;
		why_add(why, "needs role %s",
			"product admin or a profile with audit_logs_access");
		return 0;
	case ACT_ACTIVITY:
		/* what users compute is the product's business: a system
		 * admin reads the list, as all of /admin, but does not stop
		 * a report (SPEC §6, §8) */
		return role_ok(who, ROLE_PRODUCT_ADMIN, "product admin", why);
	case ACT_WS_SEE:
		if (who->roles & ROLE_PRODUCT_ADMIN ||
		    who->tools & (1u << TOOL_ANALYSIS_WORKSPACE))
			return 1;
		why_add(why, "needs role %s", "product admin or a profile "
			"with analysis_workspace");
		return 0;
	case ACT_WS_CREATE: {
		struct buf lack = BUF_INIT;
		int ok = who->roles & ROLE_PRODUCT_ADMIN ||
			 ws_holds(who, kind_named_child(obj->kind), &lack);

		if (!ok)
			why_add(why, "needs %s", lack.data);
		buf_release(&lack);
		return ok;
	}
	case ACT_WS_READ:
	case ACT_WS_EDIT:
	case ACT_WS_SHARE:
		return ws_object_ok(p, who, act, obj, why);
	case ACT_WS_ADMIN:
		return role_ok(who, ROLE_PRODUCT_ADMIN, "product admin", why);
	case ACT_WS_PEOPLE:
		return ws_people_ok(p, who, obj, why);
	case ACT_WS_CURATE:
	case ACT_WS_LINK:
		return ws_object_ok(p, who, act, obj, why);
	case ACT_WS_PANEL:
		return ws_panel_ok(p, who, obj, why);
	case ACT_WS_SLIDES:
		return ws_slides_ok(p, who, obj, why);
	case ACT_LINKS_SEE:
		if (who->login || p->cfg->anonymous_links)
			return 1;
		why_add(why, "needs %s", "a mapped user ([users] in the config)");
		return 0;
	case ACT_LINK_READ:
		return link_ok(p, who, obj, why);
	case ACT_COUNT:
		break;
	}
	return 0;
}

int policy_check(struct policy *p, const struct caller *who, enum action act,
		 const struct obj_ref *obj, struct buf *why)
{
	const struct kind_def *k = &kind_table[obj->kind];
	struct obj_ref cur = *obj, up;

	/* unmapped callers see nothing, but for a project link that says
	 * so while the configuration lets links say so (the one exception,
	 * decided by the actions below) */
	if (!who->login &&
	    !((act == ACT_LINKS_SEE || act == ACT_LINK_READ) &&
	      p->cfg->anonymous_links)) {
		const struct kind_attr *a = obj_ref_attr(obj);
		int see = a && !(k->flags & KD_FILE) ? a->act_read : k->act_see;

		if (act == ACT_PUBLIC)
			return 0;
		why_add(why, "needs %s", "a mapped user ([users] in the config)");
		/* README and whoami it may see, and is refused the rest */
		return see == ACT_PUBLIC ? -EACCES : -ENOENT;
	}
	/* a named object's own visibility, then every directory above */
	if ((k->flags & KD_NAMED) &&
	    (obj->attr < 0 || (k->flags & KD_FILE)) &&
	    !allowed(p, who, k->act_see, obj, why))
		return -ENOENT;
	/* above it: a named object the caller may not see hides all below
	 * (-ENOENT); a fixed directory it may not enter is known to exist,
	 * so what is inside is refused (-EACCES) */
	while (!obj_ref_parent(&cur, &up)) {
		const struct kind_def *uk = &kind_table[up.kind];

		if (!allowed(p, who, uk->act_see, &up, why))
			return (uk->flags & KD_NAMED) ? -ENOENT : -EACCES;
		cur = up;
	}
	return allowed(p, who, act, obj, why) ? 0 : -EACCES;
}

/* Principals that name a group, not a login. */
static int is_group(const char *entry, size_t len)
{
	return len > 6 && !strncmp(entry, "group:", 6);
}

static int login_each(const char *entry, size_t len, void *arg)
{
	if (is_group(entry, len))
		return 0;
	return strv_each(entry, len, arg);
}

/* Is login one policy_logins() would list?  A binary search of the
 * grants and a scan of the config, so that checking one name under
 * /admin/users does not cost the whole sorted list. */
int policy_has_login(struct policy *p, const char *login)
{
	size_t i;
	int rc = policy_refresh(p);

	if (rc)
		return rc;
	if (is_group(login, strlen(login)))
		return 0;
	for (i = 0; i < p->cfg->nusers; i++)
		if (!strcmp(p->cfg->users[i].login, login))
			return 1;
	for (i = 0; i < p->cfg->nsystem_admins; i++)
		if (!strcmp(p->cfg->system_admins[i], login))
			return 1;
	i = grant_first(p->db, login);
	return i < p->db->ngrants && !strcmp(p->db->grants[i].principal, login);
}

int policy_logins(struct policy *p, struct buf *out)
{
	struct strv all = { NULL, 0 };
	size_t i;
	int rc = policy_refresh(p);

	for (i = 0; !rc && i < p->cfg->nusers; i++)
		rc = login_each(p->cfg->users[i].login,
				strlen(p->cfg->users[i].login), &all);
	for (i = 0; !rc && i < p->cfg->nsystem_admins; i++)
		rc = login_each(p->cfg->system_admins[i],
				strlen(p->cfg->system_admins[i]), &all);
	for (i = 0; !rc && i < p->db->ngrants; i++)
		rc = login_each(p->db->grants[i].principal,
				strlen(p->db->grants[i].principal), &all);
	if (!rc && all.n)
		qsort(all.v, all.n, sizeof(char *), cmp_str);
	for (i = 0; i < all.n && !rc; i++)
		if (!i || strcmp(all.v[i], all.v[i - 1]))
			rc = buf_printf(out, "%s\n", all.v[i]);
	strv_free(all.v, all.n);
	return rc;
}
