/*
 * policy.h - who may do what (SPEC §6): the one gate every operation calls.
 *
 * A request's Unix identity (struct caller_id: uid, gid, supplementary
 * groups) is resolved into a struct caller: the analytics login mapped to
 * the uid, the analytics groups mapped to its gids, its roles, the product
 * profiles it belongs to or administers, and the platform permissions and
 * sandboxes of its platform profiles.  Resolution reads a snapshot of the
 * Admin Console (struct policy_db), rebuilt from the store only when a
 * commit changed something under /admin (store_watch_generation()).
 *
 * policy_check() answers 0 (allowed), -ENOENT (the caller may not even
 * know the object exists) or -EACCES (it may know, but not do this), and
 * can say why.  Nothing else in cjafs decides access.
 *
 * Locking: all of this runs under the model's lock.  A struct caller
 * points into the snapshot, so it is valid until the next policy_refresh().
 */
#ifndef CJAFS_POLICY_H
#define CJAFS_POLICY_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "kind.h"

struct config;
struct store;

#define CALLER_MAX_GROUPS 64

/* What the kernel tells about a request. */
struct caller_id {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	int ngids;			/* supplementary groups, -1 = unknown */
	gid_t gids[CALLER_MAX_GROUPS];
};

enum role {
	ROLE_SYSTEM_ADMIN = 1,	/* [admin] system_admins */
	ROLE_PRODUCT_ADMIN = 2,	/* /admin/product-admins */
	ROLE_PROFILE_ADMIN = 4,	/* some profile's admins */
	ROLE_USER = 8,		/* member of some profile */
};

/* Platform permissions (SPEC §3.6), one bit each, in this order. */
enum perm {
	PERM_VIEW_SCHEMAS,
	PERM_MANAGE_SCHEMAS,
	PERM_VIEW_DATASETS,
	PERM_MANAGE_DATASETS,
	PERM_MANAGE_SOURCES,
	PERM_VIEW_IDENTITY_NAMESPACES,
	PERM_MANAGE_DESTINATIONS,
	PERM_ACTIVATE_DESTINATIONS,
	PERM_VIEW_DESTINATIONS,
	PERM_MANAGE_QUERIES,
	PERM_MANAGE_QUERY_SERVICE_INTEGRATION,
	PERM_VIEW_JOURNEYS_EVENTS,
	PERM_MANAGE_JOURNEYS_EVENTS,
	PERM_VIEW_JOURNEYS,
	PERM_MANAGE_JOURNEYS,
	PERM_MANAGE_SEGMENTS,	/* needed to create audiences (SPEC §7) */
	PERM_COUNT
};
extern const char *const perm_names[PERM_COUNT + 1];	/* NULL-terminated */

/* Reporting and data view tools of a product profile (SPEC §3.5). */
enum tool {
	TOOL_ANALYSIS_WORKSPACE,
	TOOL_GUIDED_ANALYSIS,
	TOOL_CALCULATED_METRICS_CREATION,
	TOOL_SEGMENT_CREATION,
	TOOL_LABS,
	TOOL_ANNOTATION_CREATION,
	TOOL_AUDIENCE_VIEW,
	TOOL_AUDIENCE_CREATION,
	TOOL_DATA_STORYTELLING,
	TOOL_AUDIT_LOGS_ACCESS,
	TOOL_SHARE_PROJECT_LINKS,
	TOOL_FORECASTING,
	TOOL_AI_ASSISTANT,
	TOOL_INTELLIGENT_CAPTIONS,
	TOOL_FULL_TABLE_EXPORT,
	TOOL_BI_EXTENSION,
	TOOL_COUNT
};
extern const char *const tool_names[TOOL_COUNT + 1];
#define TOOL_FIRST_DATA_VIEW_TOOL TOOL_FULL_TABLE_EXPORT

/* The actions of SPEC §6.  Each attribute and kind names the ones it needs. */
enum action {
	ACT_NONE,		/* nobody */
	ACT_PUBLIC,		/* anyone, unmapped callers too */
	ACT_MAPPED,		/* any mapped caller */
	ACT_ADMIN_SEE,		/* enter /admin, /admin/profiles: system, product or profile admins */
	ACT_ADMIN_READ,		/* read under /admin: system and product admins */
	ACT_ADMIN_SYS,		/* edit product-admins, platform/, sandboxes: system admins */
	ACT_PROFILE_SEE,	/* see profile P and read its files: + admins of P */
	ACT_PROFILE_MANAGE,	/* create/delete a profile, edit its admins: product admins */
	ACT_PROFILE_EDIT,	/* edit P's members, profile.ini: product admins, admins of P */
	ACT_PROFILE_DELEGATE,	/* change P's [delegation]: product admins */
	/* turn on in P's profile.ini what obj->grant names ("data view V",
	 * "tool T", "auto_include"): product admins; admins of P when P's
	 * [delegation] lists it */
	ACT_PROFILE_GRANT,
	ACT_CONN_READ,		/* list and read /connections: product admins */
	ACT_CONN_MANAGE,	/* create, change, delete connections and datasets; ingest */
	ACT_DV_MANAGE,		/* create or delete a data view */
	ACT_DV_EDIT,		/* change a data view and its components: + admins
				 * of P granting it with it in [delegation]
				 * edit_views */
	ACT_DV_SEE,		/* see a data view, read its settings and components */
	ACT_DV_REPORT,		/* read report/ *: analysis_workspace */
	ACT_DV_EXPORT,		/* read rows.csv: full_table_export */
	ACT_AUDIT_READ,		/* read /audit/log */
	ACT_ACTIVITY,		/* cancel computations (reporting
				 * activity): product admins */
	/* Workspace (SPEC §7).  Owners and shares come from the object's
	 * kind (kind_def.facts), the creation permission from the kind */
	ACT_WS_SEE,		/* enter /workspace: analysis_workspace, product admins */
	ACT_WS_CREATE,		/* mkdir in a collection: its creation
				 * permission, product admins */
	ACT_WS_READ,		/* see and read an object: among those who
				 * may enter /workspace (ACT_WS_SEE), its
				 * owner and the principals it is shared
				 * with; product admins */
	ACT_WS_EDIT,		/* change, rename, delete, tag, approve:
				 * owner or a principal it is shared with
				 * (with role edit, where shares carry
				 * roles), holding the creation permission;
				 * product admins */
	ACT_WS_SHARE,		/* change its shares: as ACT_WS_EDIT (for a
				 * kind whose shares carry roles, projects:
				 * its owner's alone), but a
				 * list that holds all is the product
				 * admins' alone (adding all, a group the
				 * caller is not in: judged by the store
				 * hook, on what it adds) */
	ACT_WS_ADMIN,		/* share with all, change owner, all_dataviews,
				 * /admin/transfer: product admins */
	ACT_WS_PEOPLE,		/* read an audience's people.csv: who reads
				 * it, seeing its home view with
				 * analysis_workspace and audience_view, and
				 * either a dimension showing the person id
				 * unchanged or full_table_export; product
				 * admins */
	ACT_WS_CURATE,		/* change what only the owner changes (a
				 * project's [curation] and [link]): its
				 * owner holding the creation permission;
				 * product admins */
	ACT_WS_LINK,		/* enable a project's link: as ACT_WS_CURATE,
				 * and the owner holds share_project_links */
	ACT_WS_PANEL,		/* read a project's panels/ *.csv: who
				 * reads the project (ACT_WS_READ), seeing
				 * the panel's data view with
				 * analysis_workspace; product admins */
	ACT_WS_SLIDES,		/* read a project's slides.html: who
				 * reads the project (ACT_WS_READ), seeing
				 * its data view with analysis_workspace
				 * and data_storytelling; product admins
				 * (each panel's section asks ACT_WS_PANEL
				 * too) */
	ACT_LINKS_SEE,		/* enter /links (it lists nothing): mapped
				 * callers; unmapped ones while [workspace]
				 * anonymous_links is on */
	ACT_LINK_READ,		/* read a live link /links/TOKEN: mapped
				 * callers with analysis_workspace, product
				 * admins; anyone, unmapped too, when the
				 * project says require_login = false and
				 * anonymous_links is on */
	ACT_COUNT
};
extern const char *const action_names[ACT_COUNT];

struct policy_db;

struct caller {
	struct caller_id id;
	const char *login;		/* NULL: unmapped (borrowed from config) */
	const char *groups[CALLER_MAX_GROUPS + 1]; /* analytics groups */
	int ngroups;
	unsigned roles;			/* enum role bits */
	uint32_t perms;			/* 1 << enum perm */
	uint32_t tools;			/* union over member profiles, 1 << enum tool */
	const struct policy_db *db;
	/* indices into db's profile and platform tables, ascending */
	int *member_of;
	int nmember_of;
	int *admin_of;
	int nadmin_of;
	int *platform_of;
	int nplatform_of;
};

struct policy;

/* st and cfg are borrowed and must outlive the policy. */
int policy_new(struct store *st, const struct config *cfg, struct policy **out);
void policy_free(struct policy *p);
/* Rebuild the snapshot if /admin changed since it was built. */
int policy_refresh(struct policy *p);

/* Resolve id into *who (caller_release() frees its arrays). */
int policy_caller(struct policy *p, const struct caller_id *id,
		  struct caller *who);
/* Resolve a login as if its Unix user called (for /admin/users). */
int policy_caller_login(struct policy *p, const char *login,
			struct caller *who);
void caller_release(struct caller *who);

/*
 * The gate.  Returns 0, -ENOENT or -EACCES.  When why is not NULL and the
 * answer is a denial, appends the rule and what the caller lacks
 * ("needs platform permission manage_sources").
 */
/* The home data view of obj (a Workspace object or a file in one) as its
 * kind's facts give it, into view ("" when it has none): what the policy
 * itself reads, kept per store generation.  -ENOENT when obj is gone. */
int policy_home_view(struct policy *p, const struct caller *who,
		     const struct obj_ref *obj, struct buf *view);
int policy_check(struct policy *p, const struct caller *who, enum action act,
		 const struct obj_ref *obj, struct buf *why);

/* Names of the profiles and platform profiles in the snapshot. */
const char *policy_profile_name(const struct policy_db *db, int idx);
const char *policy_platform_name(const struct policy_db *db, int idx);
/* 1 if profile idx grants data view name (auto_include or listed). */
int policy_profile_grants(const struct policy_db *db, int idx,
			  const char *view);
/* Tool bits of profile idx. */
uint32_t policy_profile_tools(const struct policy_db *db, int idx);
/* Sandboxes of the caller's platform profiles, canonical list text. */
int policy_caller_sandboxes(const struct caller *who, struct buf *out);
/* The data views the caller's profiles grant: "all" or a list. */
int policy_caller_views(const struct caller *who, struct buf *out);
/* 1 if any profile the caller belongs to has auto_include. */
int policy_caller_all_views(const struct caller *who);
/* Every login the Admin Console or the config mentions, sorted, unique,
 * one per line. */
int policy_logins(struct policy *p, struct buf *out);
/* 1 if policy_logins() lists login, 0 if not, or -errno. */
int policy_has_login(struct policy *p, const char *login);

#endif
