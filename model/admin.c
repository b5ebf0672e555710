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
 *
 * Delegation (SPEC §3.5): a profile's admins may write its profile.ini,
 * but what a write turns on is judged item by item against the stored
 * document, each through the policy (ACT_PROFILE_GRANT with the item as
 * obj_ref.grant, ACT_PROFILE_DELEGATE for [delegation] itself): what a
 * product admin set may stay and may be turned off, nothing else may be
 * turned on.  For a caller who may not change [delegation], its keys left
 * out keep their stored values, as read-only keys do.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "connection.h"
#include "inidoc.h"
#include "mctx.h"
#include "object.h"
#include "root.h"

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
	{ "delegation", "views", INIDOC_LIST, "", 0, 0, NULL,
	  INIDOC_SET | INIDOC_NAME },
	{ "delegation", "tools", INIDOC_LIST, "", 0, 0, tool_names,
	  INIDOC_SET },
	BOOL_FIELD("delegation", "auto_include"),
	{ "delegation", "edit_views", INIDOC_LIST, "", 0, 0, NULL,
	  INIDOC_SET | INIDOC_NAME },
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
int admin_check_member(const char *entry, size_t len, void *arg,
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

int admin_check_sandbox(const char *entry, size_t len, void *arg,
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
	int rc = attr_lines_commit(c, ref, data, len, admin_check_sandbox, d);

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

static const char *const delegation_keys[] = { "views", "tools",
					       "auto_include", "edit_views",
					       NULL };

/* Ask the policy whether the caller may turn on grant in profile ref;
 * a refusal is -EACCES with *d on line. */
static int grant_check(struct mctx *c, const struct obj_ref *ref,
		       const char *grant, int line, struct diag *d)
{
	struct obj_ref hint = *ref;
	struct buf why = BUF_INIT;
	int rc;

	hint.grant = grant;
	rc = policy_check(c->pol, c->who, ACT_PROFILE_GRANT, &hint, &why);
	if (rc) {
		diag_set(d, line, 0, "%s", why.len ? why.data : "not allowed");
		rc = -EACCES;
	}
	buf_release(&why);
	return rc;
}

struct grant_walk {
	struct mctx *c;
	const struct obj_ref *ref;
	const char *old;	/* the stored list */
	int line;
	struct diag *d;
};

/* Each data view the new list adds to the stored one. */
static int view_added(const char *item, size_t len, void *arg)
{
	struct grant_walk *gw = arg;
	char grant[OBJ_NAME_MAX + 16];

	snprintf(grant, sizeof(grant), "data view %.*s",
		 (int)(len > OBJ_NAME_MAX ? OBJ_NAME_MAX : len), item);
	if (inidoc_list_has(gw->old, grant + 10))
		return 0;
	return grant_check(gw->c, gw->ref, grant, gw->line, gw->d);
}

/* [delegation]: only who may change it changes it; for the others its
 * keys left out keep their values, and one given differently is
 * refused. */
static int delegation_validate(struct mctx *c, const struct obj_ref *ref,
			       const struct inidoc *old, struct inidoc *doc,
			       struct diag *d)
{
	struct buf why = BUF_INIT;
	int rc = 0, i, may;

	may = !policy_check(c->pol, c->who, ACT_PROFILE_DELEGATE, ref, &why);
	for (i = 0; !may && !rc && delegation_keys[i]; i++) {
		const char *k = delegation_keys[i];
		const char *was = inidoc_get(old, "delegation", k);
		int line = inidoc_line(doc, "delegation", k);

		if (!line) {
			rc = inidoc_set(doc, "delegation", k, was);
		} else if (strcmp(was, inidoc_get(doc, "delegation", k))) {
			diag_set(d, line, 0, "[delegation] %s: %s", k,
				 why.len ? why.data : "not allowed");
			rc = -EACCES;
		}
	}
	buf_release(&why);
	return rc;
}

/* What a write turns on, item by item (SPEC §3.5); turning off and
 * keeping are not judged. */
static int profile_validate(struct mctx *c, const struct obj_ref *ref,
			    const struct inidoc *old, struct inidoc *doc,
			    struct diag *d)
{
	struct grant_walk gw = { c, ref, NULL, 0, d };
	char grant[64];
	int rc, i;

	rc = delegation_validate(c, ref, old, doc, d);
	if (!rc && inidoc_bool(doc, "data_views", "auto_include") &&
	    !inidoc_bool(old, "data_views", "auto_include"))
		rc = grant_check(c, ref, "auto_include",
				 inidoc_line(doc, "data_views", "auto_include"),
				 d);
	if (!rc) {
		gw.old = inidoc_get(old, "data_views", "views");
		gw.line = inidoc_line(doc, "data_views", "views");
		rc = inidoc_list_each(inidoc_get(doc, "data_views", "views"),
				      view_added, &gw);
	}
	for (i = 0; !rc && i < TOOL_COUNT; i++) {
		const char *sec = i >= TOOL_FIRST_DATA_VIEW_TOOL ?
					  "data_view_tools" :
					  "reporting_tools";

		if (!inidoc_bool(doc, sec, tool_names[i]) ||
		    inidoc_bool(old, sec, tool_names[i]))
			continue;
		snprintf(grant, sizeof(grant), "tool %s", tool_names[i]);
		rc = grant_check(c, ref, grant,
				 inidoc_line(doc, sec, tool_names[i]), d);
	}
	return rc;
}

/*
 * Write-time judgement of one key (SPEC §5): a [delegation] key given
 * with another value than the stored one by a caller who may not change
 * it, and what a key turns on that the caller may not grant, are refused
 * at once (EACCES naming the key): no later line can mend them.
 */
int profile_ini_check_key(struct mctx *c, const struct obj_ref *ref,
			  const struct inidoc_field *f, const char *val,
			  const char *line, size_t llen,
			  struct diag *d)
{
	const struct kind_attr *a = obj_ref_attr(ref);
	struct grant_walk gw = { c, ref, NULL, 0, d };
	struct buf why = BUF_INIT;
	struct inidoc old;
	char grant[64];
	int rc;

	rc = attr_ini_load(c, ref, a, &old);
	if (rc)
		return rc;
	if (!strcmp(f->section, "delegation")) {
		if (!strcmp(val, inidoc_get(&old, f->section, f->key)) ||
		    !policy_check(c->pol, c->who, ACT_PROFILE_DELEGATE, ref,
				  &why))
			goto out;
		diag_set(d, 0, 0, "[delegation] %s: %s", f->key,
			 why.len ? why.data : "not allowed");
		rc = -EACCES;
	} else if (!strcmp(f->key, "views")) {
		gw.old = inidoc_get(&old, "data_views", "views");
		rc = inidoc_list_each(val, view_added, &gw);
	} else if (f->type == INIDOC_BOOL && !strcmp(val, "true") &&
		   !inidoc_bool(&old, f->section, f->key)) {
		if (!strcmp(f->section, "data_views"))
			snprintf(grant, sizeof(grant), "%s", f->key);
		else
			snprintf(grant, sizeof(grant), "tool %s", f->key);
		rc = grant_check(c, ref, grant, 0, d);
	}
out:
	buf_release(&why);
	inidoc_release(&old);
	return rc;
}

int profile_ini_store(struct mctx *c, const struct obj_ref *ref,
		      const char *data, size_t len, struct diag *d)
{
	return attr_ini_commit(c, ref, data, len, profile_validate, d);
}

/* user.cjafs.why on profile.ini: a write is judged by what it turns on,
 * so say what this caller may turn on, and whether [delegation] is its
 * to change. */
int profile_ini_why(struct mctx *c, const struct obj_ref *ref,
		    struct buf *out)
{
	const struct kind_attr *a = obj_ref_attr(ref);
	struct buf why = BUF_INIT;
	struct inidoc doc;
	int rc;

	if (!policy_check(c->pol, c->who, ACT_PROFILE_DELEGATE, ref, &why)) {
		rc = buf_addstr(out, "write [delegation]: allowed\n"
				     "turn on: anything\n");
		goto out;
	}
	rc = buf_printf(out, "write [delegation]: denied: %s\n",
			why.len ? why.data : "not allowed");
	if (!rc)
		rc = attr_ini_load(c, ref, a, &doc);
	if (rc)
		goto out;
	rc = buf_printf(out, "turn on: only what [delegation] lists "
			"(views = %s; tools = %s; auto_include = %s); "
			"turning off and keeping are allowed\n",
			inidoc_get(&doc, "delegation", "views"),
			inidoc_get(&doc, "delegation", "tools"),
			inidoc_get(&doc, "delegation", "auto_include"));
	inidoc_release(&doc);
out:
	buf_release(&why);
	return rc;
}

int profile_members_store(struct mctx *c, const struct obj_ref *ref,
			  const char *data, size_t len, struct diag *d)
{
	return attr_lines_commit(c, ref, data, len, admin_check_member, d);
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
	return attr_lines_commit(c, ref, data, len, admin_check_member, d);
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
