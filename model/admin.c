/*
 * admin.c - the Admin Console: /admin/product-admins, /admin/sandboxes,
 * product profiles, platform profiles and /admin/users.
 *
 * Line-list files hold logins (and, in members, "group:NAME" entries for
 * the analytics groups of the config's [groups]); their canonical form is
 * sorted and deduplicated.  profile.ini and platform.ini are inidoc
 * schemas.  A platform profile may only name sandboxes that
 * /admin/sandboxes lists; a product profile may list data views that do
 * not exist (yet): a grant by name, as the Admin Console does.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "inidoc.h"
#include "mctx.h"

#define BOOL_FIELD(sec, key) { sec, key, INIDOC_BOOL, "false", 0, 0, NULL, 0 }

static const struct inidoc_field profile_fields[] = {
	BOOL_FIELD("data_views", "auto_include"),
	{ "data_views", "views", INIDOC_LIST, "", 0, 0, NULL,
	  INIDOC_SET | INIDOC_NAME },
	BOOL_FIELD("reporting_tools", "analysis_workspace"),
	BOOL_FIELD("reporting_tools", "guided_analysis"),
	BOOL_FIELD("reporting_tools", "calculated_metrics_creation"),
	BOOL_FIELD("reporting_tools", "segment_creation"),
	BOOL_FIELD("reporting_tools", "labs"),
	BOOL_FIELD("reporting_tools", "annotation_creation"),
	BOOL_FIELD("reporting_tools", "audience_view"),
	BOOL_FIELD("reporting_tools", "audience_creation"),
	BOOL_FIELD("reporting_tools", "data_storytelling"),
	BOOL_FIELD("reporting_tools", "audit_logs_access"),
	BOOL_FIELD("reporting_tools", "share_project_links"),
	BOOL_FIELD("reporting_tools", "forecasting"),
	BOOL_FIELD("reporting_tools", "ai_assistant"),
	BOOL_FIELD("reporting_tools", "intelligent_captions"),
	BOOL_FIELD("data_view_tools", "full_table_export"),
	BOOL_FIELD("data_view_tools", "bi_extension"),
	{ NULL }
};

const struct inidoc_schema profile_schema = { "profile.ini",
					      profile_fields };

static const struct inidoc_field platform_fields[] = {
	{ "platform", "sandboxes", INIDOC_LIST, "", 0, 0, NULL,
	  INIDOC_SET | INIDOC_NAME },
	{ "platform", "permissions", INIDOC_LIST, "", 0, 0, perm_names,
	  INIDOC_SET },
	{ NULL }
};

const struct inidoc_schema platform_schema = { "platform.ini",
					       platform_fields };

/* A login: printable, no blanks, no ',' and not a group entry. */
static int login_ok(const char *s, size_t len, struct diag *d,
		    const char *what)
{
	size_t i;

	if (len > 256) {
		diag_set(d, 0, 0, "%s is longer than 256 bytes", what);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= 0x20 || ch == 0x7f || ch == ',') {
			diag_set(d, 0, 0, "%s '%.*s' has a blank, control "
				 "or ',' character", what, (int)len, s);
			return -EINVAL;
		}
	}
	return 0;
}

int admin_check_login(const char *entry, size_t len, void *arg,
		      struct diag *d)
{
	if (len >= 6 && !strncmp(entry, "group:", 6)) {
		diag_set(d, 0, 0, "'%.*s': only logins belong here, not "
			 "groups", (int)len, entry);
		return -EINVAL;
	}
	return login_ok(entry, len, d, "login");
}

/* members: a login or group:NAME. */
static int check_member(const char *entry, size_t len, void *arg,
			struct diag *d)
{
	size_t i;

	if (len < 6 || strncmp(entry, "group:", 6))
		return login_ok(entry, len, d, "login");
	if (len == 6 || len > 6 + 128) {
		diag_set(d, 0, 0, "group name must be 1-128 bytes");
		return -EINVAL;
	}
	for (i = 6; i < len; i++) {
		unsigned char ch = (unsigned char)entry[i];

		if (ch < 0x20 || ch == 0x7f || ch == ',') {
			diag_set(d, 0, 0, "group name has a control or ',' "
				 "character");
			return -EINVAL;
		}
	}
	return 0;
}

static int check_sandbox(const char *entry, size_t len, void *arg,
			 struct diag *d)
{
	if (inidoc_valid_name(entry, len))
		return 0;
	diag_set(d, 0, 0, "'%.*s' is not a valid sandbox name (1-128 of "
		 "A-Z a-z 0-9 . _ -, not starting with '.')",
		 (int)(len > 64 ? 64 : len), entry);
	return -EINVAL;
}

int admin_product_admins_store(struct mctx *c, const struct obj_ref *ref,
			       const char *data, size_t len, struct diag *d)
{
	return attr_lines_commit(c, ref, data, len, admin_check_login, d);
}

/* A sandbox that a connection uses cannot be dropped from the list. */
int admin_sandboxes_store(struct mctx *c, const struct obj_ref *ref,
			  const char *data, size_t len, struct diag *d)
{
	struct rec r = REC_INIT;
	const char *listed;
	int rc = attr_lines_commit(c, ref, data, len, check_sandbox, d);

	if (rc)
		return rc;
	rc = obj_load(c, ref, &r);
	if (!rc) {
		listed = rec_get(&r, "sandboxes", NULL);
		rc = connections_check_sandboxes(c, listed ? listed : "", d);
	}
	rec_release(&r);
	return rc;
}

int profile_ini_store(struct mctx *c, const struct obj_ref *ref,
		      const char *data, size_t len, struct diag *d)
{
	return attr_ini_commit(c, ref, data, len, NULL, d);
}

int profile_members_store(struct mctx *c, const struct obj_ref *ref,
			  const char *data, size_t len, struct diag *d)
{
	return attr_lines_commit(c, ref, data, len, check_member, d);
}

int profile_admins_store(struct mctx *c, const struct obj_ref *ref,
			 const char *data, size_t len, struct diag *d)
{
	return attr_lines_commit(c, ref, data, len, admin_check_login, d);
}

struct sandbox_check {
	const char *listed;
	struct diag *d;
	int line;
};

static int sandbox_listed(const char *item, size_t len, void *arg)
{
	struct sandbox_check *sc = arg;
	char name[OBJ_NAME_MAX + 1];

	if (len > OBJ_NAME_MAX)
		len = OBJ_NAME_MAX;
	memcpy(name, item, len);
	name[len] = '\0';
	if (inidoc_lines_has(sc->listed, name) == 1)
		return 0;
	diag_set(sc->d, sc->line, 0,
		 "sandbox '%s' is not listed in /admin/sandboxes", name);
	return -EINVAL;
}

static int platform_validate(struct mctx *c, const struct obj_ref *ref,
			     const struct inidoc *old, struct inidoc *doc,
			     struct diag *d)
{
	struct obj_ref admin;
	struct rec r = REC_INIT;
	struct sandbox_check sc;
	const char *listed;
	int rc;

	obj_ref_root(&admin);
	admin.kind = KIND_ADMIN;
	rc = obj_load(c, &admin, &r);
	if (rc)
		return rc;
	listed = rec_get(&r, "sandboxes", NULL);
	sc.listed = listed ? listed : "";
	sc.d = d;
	sc.line = inidoc_line(doc, "platform", "sandboxes");
	rc = inidoc_list_each(inidoc_get(doc, "platform", "sandboxes"),
			      sandbox_listed, &sc);
	rec_release(&r);
	return rc;
}

int platform_ini_store(struct mctx *c, const struct obj_ref *ref,
		       const char *data, size_t len, struct diag *d)
{
	return attr_ini_commit(c, ref, data, len, platform_validate, d);
}

int platform_members_store(struct mctx *c, const struct obj_ref *ref,
			   const char *data, size_t len, struct diag *d)
{
	return attr_lines_commit(c, ref, data, len, check_member, d);
}

int users_list(struct mctx *c, const struct obj_ref *parent,
	       struct buf *names)
{
	return policy_logins(c->pol, names);
}

int users_has(struct mctx *c, const struct obj_ref *ref)
{
	return policy_has_login(c->pol, ref->names[ref->nnames - 1]);
}

int user_show(struct mctx *c, const struct obj_ref *ref, struct buf *out)
{
	struct caller who;
	int rc;

	rc = policy_caller_login(c->pol, ref->names[ref->nnames - 1], &who);
	if (rc)
		return rc;
	rc = caller_describe(c, &who, out);
	caller_release(&who);
	return rc;
}
