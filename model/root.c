/*
 * root.c - the files at the root: README, whoami; and the description of
 * a caller that /whoami and /admin/users/LOGIN share.
 *
 * The description is INI so scripts can read it with any INI parser:
 * [caller] who it is, [roles], [permissions] what its profiles and
 * platform profiles give it, and [actions] the verdict of the policy for
 * each action of SPEC §6 with the reason when denied.  Data-view actions
 * are answered for "some data view": per-view answers are in each view's
 * user.cjafs.why.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mctx.h"
#include "root.h"

static const char readme[] =
	"cjafs - the analytics admin plane as files\n"
	"\n"
	"  /whoami                  who you are here: login, groups, roles,\n"
	"                           profiles, effective permissions\n"
	"  /errors                  your most recent rejected writes\n"
	"  /connections/            connections and their datasets (product admins)\n"
	"  /dataviews/              the data views granted to you\n"
	"  /admin/                  the Admin Console: product-admins, profiles/,\n"
	"                           platform/, sandboxes, users/\n"
	"  /audit/log               every change and denied attempt\n"
	"  /audit/log.1             the log before its last rotation\n"
	"\n"
	"Edit a settings file with any editor; it is checked and committed when\n"
	"you close it.  A rejected write changes nothing: close() fails and\n"
	"/errors says why.  mkdir creates an object, rmdir (or rm -r) deletes it.\n"
	"ls -l shows what you may do with each file; for the reason, ask\n"
	"  getfattr -n user.cjafs.why PATH\n";

int root_readme_show(struct mctx *c, const struct obj_ref *ref,
		     struct buf *out)
{
	return buf_add(out, readme, sizeof(readme) - 1);
}

int root_whoami_show(struct mctx *c, const struct obj_ref *ref,
		     struct buf *out)
{
	return caller_describe(c, c->who, out);
}

static int add_bool(struct buf *out, const char *key, int v)
{
	return buf_printf(out, "%s = %s\n", key, v ? "true" : "false");
}

static int add_indices(struct buf *out, const char *key,
		       const struct caller *who, const int *idx, int n,
		       const char *(*name)(const struct policy_db *, int))
{
	int i, rc = buf_printf(out, "%s = ", key);

	for (i = 0; i < n && !rc; i++)
		rc = buf_printf(out, "%s%s", i ? ", " : "",
				name(who->db, idx[i]));
	return rc ? rc : buf_addch(out, '\n');
}

static int add_bits(struct buf *out, const char *key, uint32_t bits,
		    const char *const *names, int from, int to)
{
	int i, first = 1, rc = buf_printf(out, "%s = ", key);

	for (i = from; i < to && !rc; i++) {
		if (!(bits & (1u << i)))
			continue;
		rc = buf_printf(out, "%s%s", first ? "" : ", ", names[i]);
		first = 0;
	}
	return rc ? rc : buf_addch(out, '\n');
}

static const struct {
	const char *name;
	enum action act;
} described_actions[] = {
	{ "read_admin", ACT_ADMIN_READ },
	{ "edit_product_admins_platform_sandboxes", ACT_ADMIN_SYS },
	{ "manage_profiles", ACT_PROFILE_MANAGE },
	{ "read_connections", ACT_CONN_READ },
	{ "manage_connections", ACT_CONN_MANAGE },
	{ "manage_dataviews", ACT_DV_MANAGE },
	{ "read_audit_log", ACT_AUDIT_READ },
};

int caller_describe(struct mctx *c, const struct caller *who, struct buf *out)
{
	struct obj_ref ref;
	struct buf why = BUF_INIT;
	size_t i;
	int rc, g;

	rc = buf_printf(out, "[caller]\nuid = %u\nlogin = %s\ngroups = ",
			(unsigned)who->id.uid, who->login ? who->login : "");
	for (g = 0; g < who->ngroups && !rc; g++)
		rc = buf_printf(out, "%s%s", g ? ", " : "", who->groups[g]);
	if (!rc)
		rc = buf_printf(out, "\nmapped = %s\n",
				who->login ? "true" : "false");
	if (rc || !who->login)
		return rc;

	rc = buf_addstr(out, "\n[roles]\n");
	if (!rc)
		rc = add_bool(out, "system_admin",
			      who->roles & ROLE_SYSTEM_ADMIN);
	if (!rc)
		rc = add_bool(out, "product_admin",
			      who->roles & ROLE_PRODUCT_ADMIN);
	if (!rc)
		rc = add_indices(out, "profile_admin_of", who, who->admin_of,
				 who->nadmin_of, policy_profile_name);
	if (!rc)
		rc = add_indices(out, "member_of", who, who->member_of,
				 who->nmember_of, policy_profile_name);
	if (!rc)
		rc = add_indices(out, "platform_profiles", who,
				 who->platform_of, who->nplatform_of,
				 policy_platform_name);

	if (!rc)
		rc = buf_addstr(out, "\n[permissions]\ndata_views = ");
	if (!rc)
		rc = policy_caller_views(who, out);
	if (!rc)
		rc = add_bits(out, "\nreporting_tools", who->tools, tool_names,
			      0, TOOL_FIRST_DATA_VIEW_TOOL);
	if (!rc)
		rc = add_bits(out, "data_view_tools", who->tools, tool_names,
			      TOOL_FIRST_DATA_VIEW_TOOL, TOOL_COUNT);
	if (!rc)
		rc = add_bits(out, "platform", who->perms, perm_names, 0,
			      PERM_COUNT);
	if (!rc)
		rc = buf_addstr(out, "sandboxes = ");
	if (!rc)
		rc = policy_caller_sandboxes(who, out);

	if (!rc)
		rc = buf_addstr(out, "\n\n[actions]\n");
	obj_ref_root(&ref);
	for (i = 0; i < sizeof(described_actions) / sizeof(described_actions[0]) &&
		    !rc;
	     i++) {
		buf_reset(&why);
		if (!policy_check(c->pol, who, described_actions[i].act, &ref,
				  &why))
			rc = buf_printf(out, "%s = allowed\n",
					described_actions[i].name);
		else
			rc = buf_printf(out, "%s = denied: %s\n",
					described_actions[i].name,
					why.len ? why.data : "not allowed");
	}
	buf_release(&why);
	return rc;
}
