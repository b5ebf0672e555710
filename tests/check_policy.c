/*
 * check_policy.c - unit tests for model/policy.c (SPEC §6) and for the
 * gate as the model applies it (getattr modes, readdir filtering, access,
 * denied changes).
 *
 * The world: a fresh store in a mkdtemp directory, populated through the
 * model API by the callers SPEC §6 allows (sys writes product-admins,
 * sandboxes and platform profiles; pa creates the product profiles), with
 * uids 2000-2008 mapped and gid 3001 = Analysts:
 *
 *   sys      system admin (config)
 *   pa       product admin; platform profile "full": the six connection
 *            permissions, sandbox prod
 *   pa2      product admin, no platform profile
 *   pa3      product admin; platform profile "partial": all but
 *            manage_sources, sandbox prod
 *   lead     admin of profile thirdparty, whose [delegation] lets its
 *            admins grant web and app and analysis_workspace and edit web
 *   lead2    admin of profile partners (views = web), no delegation
 *   analyst  member of thirdparty through group:Analysts (views = web,
 *            analysis_workspace); the same uid without gid 3001 is
 *            "nogroup", with it as a supplementary group "analyst_supp"
 *   viewer   member of exporters (auto_include, full_table_export)
 *   auditor  member of auditors (audit_logs_access)
 *   mia      member of creators (analysis_workspace and every Workspace
 *            creation tool) and of platform profile segs
 *            (manage_segments): owns segment s1, shared with ria and
 *            group:Analysts; s2 is shared with it
 *   ned      member of readers (analysis_workspace only): owns segments
 *            s2 and s3 (made by pa, transferred), without the creation
 *            permission; s3 is shared with nobody
 *   pa       also owns s4, shared with all
 *   ria      member of readers: s1 is shared with it directly
 *   unmapped uid 2999
 *
 * Policy tests resolve callers with a policy of their own (policy_new) on
 * the store opened with store_open() after the model is closed: the store
 * is one TDB file and TDB refuses a second open in one process.  Model
 * tests switch back with use_model().  TCases that only read (the role x
 * action matrix, getattr, access, readdir) build the world once (unchecked
 * fixture, closed again before any test forks); every other test gets a
 * fresh world (checked fixture).  Tests of the connection kind return
 * early while kind_table has no row for it.
 *
 * Data views are named with hand-made obj_refs ("dv:NAME"), so the views
 * need not exist.  Rows whose answer SPEC §6 and the current code
 * disagree on carry KNOWN(spec, now): by default they assert what the code
 * answers now (so the suite stays green and a fix shows up as a failure to
 * update); with CHECK_POLICY_STRICT=1 in the environment they assert the
 * spec's answer.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "kind.h"
#include "mctx.h"
#include "model.h"
#include "policy.h"
#include "rec.h"
#include "store.h"
#include "workspace.h"

/* snprintf into an array, which must be big enough */
#define FMT(arr, ...)                                                          \
	ck_assert_uint_lt((size_t)snprintf(arr, sizeof(arr), __VA_ARGS__),     \
			  sizeof(arr))

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* --- identities ---------------------------------------------------------- */

enum who {
	UNMAPPED,
	SYS,
	PA,
	PA2,
	PA3,
	LEAD,
	ANALYST,
	ANALYST_SUPP,
	NOGROUP,
	VIEWER,
	AUDITOR,
	LEAD2,
	MIA,
	NED,
	RIA,
	NWHO
};

static const struct {
	const char *name;
	uid_t uid;
	gid_t gid;
	gid_t supp; /* one supplementary group, 0 = none */
} whos[NWHO] = {
    [UNMAPPED] = {"unmapped", 2999, 100, 0},
    [SYS] = {"sys", 2000, 100, 0},
    [PA] = {"pa", 2001, 100, 0},
    [PA2] = {"pa2", 2002, 100, 0},
    [PA3] = {"pa3", 2003, 100, 0},
    [LEAD] = {"lead", 2004, 100, 0},
    [ANALYST] = {"analyst", 2005, 3001, 0},
    [ANALYST_SUPP] = {"analyst_supp", 2005, 100, 3001},
    [NOGROUP] = {"nogroup", 2005, 100, 0},
    [VIEWER] = {"viewer", 2006, 100, 0},
    [AUDITOR] = {"auditor", 2007, 100, 0},
    [LEAD2] = {"lead2", 2008, 100, 0},
    [MIA] = {"mia", 2009, 100, 0},
    [NED] = {"ned", 2010, 100, 0},
    [RIA] = {"ria", 2011, 100, 0},
};

static const char cfg_text[] = "[store]\n"
			       "path = policy.tdb\n"
			       "[users]\n"
			       "2000 = sys@example.com\n"
			       "2001 = pa@example.com\n"
			       "2002 = pa2@example.com\n"
			       "2003 = pa3@example.com\n"
			       "2004 = lead@example.com\n"
			       "2005 = analyst@example.com\n"
			       "2006 = viewer@example.com\n"
			       "2007 = auditor@example.com\n"
			       "2008 = lead2@example.com\n"
			       "2009 = mia@example.com\n"
			       "2010 = ned@example.com\n"
			       "2011 = ria@example.com\n"
			       "[groups]\n"
			       "3001 = Analysts\n"
			       "[admin]\n"
			       "system_admins = sys@example.com\n";

#define CONN_PERMS_TEXT                                                        \
	"view_schemas, manage_schemas, view_datasets, manage_datasets, "       \
	"manage_sources, view_identity_namespaces"
#define JOURNEY_PERMS_TEXT                                                     \
	"view_journeys_events, manage_journeys_events, view_journeys, "        \
	"manage_journeys"

/* --- fixture state ------------------------------------------------------- */

static char tmpdir[PATH_MAX];
static struct config cfg;
static int cfg_loaded;
static struct caller_id ids[NWHO];

/* model mode */
static struct model *m;
/* policy mode */
static struct store *st;
static struct policy *pol;
static struct caller who[NWHO];
static int who_resolved;

static int strict;

static void ids_init(void)
{
	int i;

	for (i = 0; i < NWHO; i++) {
		memset(&ids[i], 0, sizeof(ids[i]));
		ids[i].uid = whos[i].uid;
		ids[i].gid = whos[i].gid;
		ids[i].pid = getpid();
		if (whos[i].supp) {
			ids[i].ngids = 1;
			ids[i].gids[0] = whos[i].supp;
		}
	}
}

/* --- object references --------------------------------------------------- */

/*
 * "/a/b/c" walked with kind_child() from the root; "dv:NAME" and
 * "conn:NAME" are made by hand: the objects need not exist in the store
 * for the policy (it reads a connection's sandbox from its record when
 * there is one).
 */
/* The token of project p1's link (world_populate); "/links/TOKEN" in a
 * path names it. */
static char link_token[64];

static void make_ref(const char *path, const char *sandbox, struct obj_ref *ref)
{
	char copy[PATH_MAX], *save = NULL, *name;
	char linked[PATH_MAX];

	if (!strncmp(path, "/links/TOKEN", 12)) {
		FMT(linked, "/links/%s%s", link_token, path + 12);
		path = linked;
	}

	if (!strncmp(path, "dv:", 3) || !strncmp(path, "conn:", 5)) {
		const char *n = strchr(path, ':') + 1;

		memset(ref, 0, sizeof(*ref));
		ref->kind = path[0] == 'd' ? KIND_DATAVIEW : KIND_CONNECTION;
		ref->nnames = 1;
		ref->attr = -1;
		FMT(ref->names[0], "%s", n);
		ref->sandbox = sandbox;
		return;
	}
	obj_ref_root(ref);
	FMT(copy, "%s", path);
	for (name = strtok_r(copy, "/", &save); name;
	     name = strtok_r(NULL, "/", &save)) {
		struct obj_ref next;

		ck_assert_msg(kind_child(ref, name, &next) != KIND_CHILD_NONE,
			      "%s: no '%s' in the kind table", path, name);
		*ref = next;
	}
	ref->sandbox = sandbox;
}

/* --- model helpers -------------------------------------------------------- */

static void use_model(void);
static void use_policy(void);
static void close_model(void);

static void model_write_rc(enum who w, const char *path, const char *text,
			   int want)
{
	struct model_file *f;
	struct obj_ref ref;
	long n;
	int rc;

	make_ref(path, NULL, &ref);
	rc = model_open_file(m, &ids[w], &ref, O_WRONLY | O_TRUNC, &f);
	if (rc) {
		ck_assert_msg(rc == want, "open %s as %s: %d, want %d", path,
			      whos[w].name, rc, want);
		return;
	}
	n = model_file_write(m, &ids[w], f, 0, text, strlen(text));
	if (n < 0) {
		/* a line wrong by itself is refused at write (SPEC §5); the
		 * poisoned file's flush fails the same way */
		ck_assert_msg(n == want, "write(2) %s as %s: %ld, want %d",
			      path, whos[w].name, n, want);
		rc = model_file_flush(m, &ids[w], f);
		model_file_close(m, &ids[w], f);
		ck_assert_int_eq(rc, want);
		return;
	}
	ck_assert_int_eq(n, (long)strlen(text));
	rc = model_file_flush(m, &ids[w], f);
	model_file_close(m, &ids[w], f);
	ck_assert_msg(rc == want, "write %s as %s: %d, want %d", path,
		      whos[w].name, rc, want);
}

static void model_write(enum who w, const char *path, const char *text)
{
	model_write_rc(w, path, text, 0);
}

/* Read a whole file as w into out (replaced); returns the open's rc. */
static int model_read(enum who w, const char *path, struct buf *out)
{
	struct model_file *f;
	struct obj_ref ref;
	struct buf piece = BUF_INIT;
	int rc;

	buf_reset(out);
	buf_add(out, "", 0);
	make_ref(path, NULL, &ref);
	rc = model_open_file(m, &ids[w], &ref, O_RDONLY, &f);
	if (rc)
		return rc;
	for (;;) {
		rc = model_file_read(m, &ids[w], f, out->len, 4096, &piece);
		ck_assert_int_eq(rc, 0);
		if (!piece.len)
			break;
		ck_assert_int_eq(buf_add(out, piece.data, piece.len), 0);
	}
	model_file_close(m, &ids[w], f);
	buf_release(&piece);
	return 0;
}

static void model_mkdir_as(enum who w, const char *dir, const char *name,
			   int want)
{
	struct obj_ref ref;
	int rc;

	make_ref(dir, NULL, &ref);
	rc = model_mkdir(m, &ids[w], &ref, name);
	ck_assert_msg(rc == want, "mkdir %s/%s as %s: %d, want %d", dir, name,
		      whos[w].name, rc, want);
}

/* --- the world ------------------------------------------------------------ */

static void world_populate(void)
{
	/* system admin: product admins, sandboxes, platform profiles */
	model_write(SYS, "/admin/product-admins",
		    "pa@example.com\npa2@example.com\npa3@example.com\n");
	model_write(SYS, "/admin/sandboxes", "prod\ndev\n");
	model_mkdir_as(SYS, "/admin/platform", "full", 0);
	model_write(
	    SYS, "/admin/platform/full/platform.ini",
	    "[platform]\nsandboxes = prod\npermissions = " CONN_PERMS_TEXT
	    "\n");
	model_write(SYS, "/admin/platform/full/members", "pa@example.com\n");
	model_mkdir_as(SYS, "/admin/platform", "partial", 0);
	model_write(SYS, "/admin/platform/partial/platform.ini",
		    "[platform]\nsandboxes = prod\npermissions = view_schemas, "
		    "manage_schemas, view_datasets, manage_datasets, "
		    "view_identity_namespaces\n");
	model_write(SYS, "/admin/platform/partial/members",
		    "pa3@example.com\n");

	/* product admin: product profiles */
	model_mkdir_as(PA, "/admin/profiles", "thirdparty", 0);
	model_write(PA, "/admin/profiles/thirdparty/admins",
		    "lead@example.com\n");
	model_write(PA, "/admin/profiles/thirdparty/members",
		    "group:Analysts\n");
	model_write(PA, "/admin/profiles/thirdparty/profile.ini",
		    "[data_views]\nviews = web\n"
		    "[reporting_tools]\nanalysis_workspace = true\n"
		    "[delegation]\nviews = web, app\n"
		    "tools = analysis_workspace\nedit_views = web\n");
	model_mkdir_as(PA, "/admin/profiles", "partners", 0);
	model_write(PA, "/admin/profiles/partners/admins",
		    "lead2@example.com\n");
	model_write(PA, "/admin/profiles/partners/profile.ini",
		    "[data_views]\nviews = web\n");
	model_mkdir_as(PA, "/admin/profiles", "exporters", 0);
	model_write(PA, "/admin/profiles/exporters/members",
		    "viewer@example.com\n");
	model_write(PA, "/admin/profiles/exporters/profile.ini",
		    "[data_views]\nauto_include = true\n"
		    "[data_view_tools]\nfull_table_export = true\n");
	model_mkdir_as(PA, "/admin/profiles", "auditors", 0);
	model_write(PA, "/admin/profiles/auditors/members",
		    "auditor@example.com\n");
	model_write(PA, "/admin/profiles/auditors/profile.ini",
		    "[reporting_tools]\naudit_logs_access = true\n");

	/* the Workspace (SPEC §7) */
	model_mkdir_as(SYS, "/admin/platform", "segs", 0);
	model_write(SYS, "/admin/platform/segs/platform.ini",
		    "[platform]\nsandboxes = prod\n"
		    "permissions = manage_segments\n");
	model_write(SYS, "/admin/platform/segs/members", "mia@example.com\n");
	model_mkdir_as(PA, "/admin/profiles", "creators", 0);
	model_write(PA, "/admin/profiles/creators/members",
		    "mia@example.com\n");
	model_write(PA, "/admin/profiles/creators/profile.ini",
		    "[reporting_tools]\nanalysis_workspace = true\n"
		    "segment_creation = true\n"
		    "calculated_metrics_creation = true\n"
		    "annotation_creation = true\naudience_creation = true\n");
	model_mkdir_as(PA, "/admin/profiles", "readers", 0);
	model_write(PA, "/admin/profiles/readers/members",
		    "ned@example.com\nria@example.com\n");
	model_write(PA, "/admin/profiles/readers/profile.ini",
		    "[reporting_tools]\nanalysis_workspace = true\n");
	model_mkdir_as(MIA, "/workspace/segments", "s1", 0);
	model_write(MIA, "/workspace/segments/s1/shares",
		    "user:ria@example.com\n");
	/* a group mia is not in: a product admin's to add */
	model_write_rc(MIA, "/workspace/segments/s1/shares",
		       "user:ria@example.com\ngroup:Analysts\n", -EACCES);
	model_write(PA, "/workspace/segments/s1/shares",
		    "user:ria@example.com\ngroup:Analysts\n");
	/* an audience shared as s1 is, with no home view: its people.csv
	 * is the product admins' alone */
	model_mkdir_as(MIA, "/workspace/audiences", "aud", 0);
	model_write(PA, "/workspace/audiences/aud/shares",
		    "user:ria@example.com\ngroup:Analysts\n");
	model_mkdir_as(PA, "/workspace/segments", "s2", 0);
	model_write(PA, "/workspace/segments/s2/segment.ini",
		    "[segment]\nowner = ned@example.com\n");
	model_write(PA, "/workspace/segments/s2/shares",
		    "user:mia@example.com\n");
	model_mkdir_as(PA, "/workspace/segments", "s3", 0);
	model_write(PA, "/workspace/segments/s3/segment.ini",
		    "[segment]\nowner = ned@example.com\n");
	/* shared with all: every caller with the Workspace sees it */
	model_mkdir_as(PA, "/workspace/segments", "s4", 0);
	model_write(PA, "/workspace/segments/s4/shares", "all\n");

	/* projects: p1 mia's (she holds share_project_links), viewed by
	 * ria and Analysts, edited by ned, its link on; p2 owned by viewer,
	 * who has no analysis_workspace */
	model_write(PA, "/admin/profiles/creators/profile.ini",
		    "[reporting_tools]\nanalysis_workspace = true\n"
		    "segment_creation = true\n"
		    "calculated_metrics_creation = true\n"
		    "annotation_creation = true\naudience_creation = true\n"
		    "share_project_links = true\n");
	model_mkdir_as(MIA, "/workspace/projects", "p1", 0);
	model_write(PA, "/workspace/projects/p1/shares",
		    "user:ria@example.com\ngroup:Analysts\n"
		    "user:ned@example.com edit\n");
	model_write(MIA, "/workspace/projects/p1/project.ini",
		    "[project]\n[link]\nenabled = true\n");
	/* its home view web, one mia does not see: its panels' view (the
	 * gate asks of panels/t.csv whether t is there or not) */
	model_mkdir_as(PA, "/dataviews", "web", 0);
	model_write(PA, "/workspace/projects/p1/project.ini",
		    "[project]\ndataview = web\n[link]\nenabled = true\n");
	{
		struct buf b = BUF_INIT;
		const char *t;

		ck_assert_int_eq(model_read(MIA, "/workspace/projects/p1/"
					    "project.ini", &b), 0);
		t = strstr(b.data, "\ntoken = ");
		ck_assert_ptr_nonnull(t);
		FMT(link_token, "%.32s", t + 9);
		buf_release(&b);
	}
	model_mkdir_as(PA, "/workspace/projects", "p2", 0);
	model_write(PA, "/workspace/projects/p2/project.ini",
		    "[project]\nowner = viewer@example.com\n");
}

static void world_setup(void)
{
	const char *base = getenv("TMPDIR");
	char path[PATH_MAX];
	struct buf err = BUF_INIT;
	FILE *f;
	int rc;

	strict = getenv("CHECK_POLICY_STRICT") &&
		 !strcmp(getenv("CHECK_POLICY_STRICT"), "1");
	ids_init();
	FMT(tmpdir, "%s/check_policy.XXXXXX", base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	FMT(path, "%s/cjafs.ini", tmpdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(cfg_text, 1, strlen(cfg_text), f),
			  strlen(cfg_text));
	ck_assert_int_eq(fclose(f), 0);
	rc = config_load(path, &cfg, &err);
	ck_assert_msg(rc == 0, "config_load: %s", err.data ? err.data : "");
	cfg_loaded = 1;
	rc = model_create_store(&cfg, &err);
	ck_assert_msg(rc == 0, "model_create_store: %s",
		      err.data ? err.data : "");
	buf_release(&err);
	use_model();
	world_populate();
	/* nothing stays open: tests open the model or the store themselves
	 * (and a forked test must not share a parent's TDB handle) */
	close_model();
}

static void close_model(void)
{
	model_close(m);
	m = NULL;
}

static void close_policy(void)
{
	int i;

	if (who_resolved)
		for (i = 0; i < NWHO; i++)
			caller_release(&who[i]);
	who_resolved = 0;
	policy_free(pol);
	pol = NULL;
	if (st)
		store_close(st);
	st = NULL;
}

static void use_model(void)
{
	struct buf err = BUF_INIT;
	int rc;

	close_policy();
	if (m)
		return;
	rc = model_open(&cfg, &m, &err);
	ck_assert_msg(rc == 0, "model_open: %s", err.data ? err.data : "");
	buf_release(&err);
}

/* Resolve every identity (again, after a store change). */
static void resolve_all(void)
{
	int i;

	if (who_resolved)
		for (i = 0; i < NWHO; i++)
			caller_release(&who[i]);
	who_resolved = 0;
	for (i = 0; i < NWHO; i++)
		ck_assert_int_eq(policy_caller(pol, &ids[i], &who[i]), 0);
	who_resolved = 1;
}

static void use_policy(void)
{
	struct buf err = BUF_INIT;
	int rc;

	close_model();
	if (!st) {
		rc = store_open(cfg.store_path, STORE_NOSYNC, &st, &err);
		ck_assert_msg(rc == 0, "store_open: %s",
			      err.data ? err.data : "");
		store_watch(st, MCTX_WATCH_PREFIX);
		ck_assert_int_eq(policy_new(st, &cfg, &pol), 0);
		ck_assert_int_eq(policy_refresh(pol), 0);
	}
	buf_release(&err);
	resolve_all();
}

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

static void world_teardown(void)
{
	close_policy();
	close_model();
	if (cfg_loaded)
		config_release(&cfg);
	cfg_loaded = 0;
	if (tmpdir[0])
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = '\0';
}

/* matrix TCases: the world once, the policy per test */
static void matrix_setup(void)
{
	use_policy();
}

static void matrix_teardown(void)
{
	close_policy();
}

/* Put key = val in the store in one transaction (policy mode). */
static void store_set(const char *key, const char *val)
{
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_put(st, key, val, strlen(val)), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
}

/* --- the matrix ----------------------------------------------------------- */

struct prow {
	enum who who;
	enum action act;
	const char *obj;
	int want;	     /* what SPEC §6 asks */
	const char *why;     /* exact why, or NULL: not compared */
	const char *sandbox; /* obj_ref sandbox hint */
	int known;	     /* the code answers now instead of want */
	int now;
	const char *grant;   /* obj_ref grant hint (ACT_PROFILE_GRANT) */
};

/* clang-format off */
#define R(w, a, o, e) { w, a, o, e, NULL, NULL, 0, 0 }
#define RW(w, a, o, e, why) { w, a, o, e, why, NULL, 0, 0 }
#define RS(w, a, o, e, why, sb) { w, a, o, e, why, sb, 0, 0 }
#define RG(w, o, g, e, why) { w, ACT_PROFILE_GRANT, o, e, why, NULL, 0, 0, g }
/*
 * SPEC and the code disagree (none now: data views used to have no
 * kind_table row, so a caller that may not see one got -EACCES).
 */
#define KNOWN(w, a, o, spec, nowv, why) { w, a, o, spec, why, NULL, 1, nowv }
/* clang-format on */

/*
 * Every identity x every action, on one representative object per action:
 *
 *   NONE /, PUBLIC /README, MAPPED /errors, ADMIN_SEE /admin/profiles,
 *   ADMIN_READ /admin/product-admins, ADMIN_SYS /admin/sandboxes,
 *   PROFILE_SEE .../thirdparty/profile.ini, PROFILE_MANAGE /admin/profiles,
 *   PROFILE_EDIT .../thirdparty/members, CONN_READ and CONN_MANAGE
 *   /connections, DV_MANAGE /dataviews, DV_* the data view web,
 *   AUDIT_READ /audit/log.
 */
#define TP "/admin/profiles/thirdparty"
#define EA -EACCES
#define EN -ENOENT
#define DV_HIDDEN(w, a) RW(w, a, "dv:web", EN, NULL)

/* The Workspace actions on their representatives. */
#define WS(w, see, create, read, edit, share, admin, people)                   \
	R(w, ACT_WS_PEOPLE, "/workspace/audiences/aud/people.csv", people),     \
	R(w, ACT_WS_SEE, "/workspace", see),                                   \
	R(w, ACT_WS_CREATE, "/workspace/segments", create),                    \
	R(w, ACT_WS_READ, "/workspace/segments/s1", read),                     \
	R(w, ACT_WS_EDIT, "/workspace/segments/s1/segment.ini", edit),         \
	R(w, ACT_WS_SHARE, "/workspace/segments/s1/shares", share),            \
	R(w, ACT_WS_ADMIN, "/admin/transfer", admin)
/* The other actions for a member of a profile that grants no data view
 * and no tool but Workspace ones. */
#define PLAIN(w)                                                               \
	R(w, ACT_NONE, "/", EA), R(w, ACT_PUBLIC, "/README", 0),               \
	R(w, ACT_MAPPED, "/errors", 0),                                        \
	R(w, ACT_ADMIN_SEE, "/admin/profiles", EA),                            \
	R(w, ACT_ADMIN_READ, "/admin/product-admins", EA),                     \
	R(w, ACT_ADMIN_SYS, "/admin/sandboxes", EA),                           \
	R(w, ACT_PROFILE_SEE, TP "/profile.ini", EN),                          \
	R(w, ACT_PROFILE_MANAGE, "/admin/profiles", EA),                       \
	R(w, ACT_PROFILE_EDIT, TP "/members", EN),                             \
	R(w, ACT_PROFILE_DELEGATE, TP "/profile.ini", EN),                     \
	RG(w, TP "/profile.ini", "tool analysis_workspace", EN, NULL),         \
	R(w, ACT_CONN_READ, "/connections", EA),                               \
	R(w, ACT_CONN_MANAGE, "/connections", EA),                             \
	R(w, ACT_DV_MANAGE, "/dataviews", EA), DV_HIDDEN(w, ACT_DV_EDIT),      \
	DV_HIDDEN(w, ACT_DV_SEE), DV_HIDDEN(w, ACT_DV_REPORT),                 \
	DV_HIDDEN(w, ACT_DV_EXPORT), R(w, ACT_AUDIT_READ, "/audit/log", EA),   \
	R(w, ACT_ACTIVITY, "/admin/reporting-activity", EA)

/* Projects: curate and enable the link of p1 (mia's: ria and Analysts
 * view it, ned edits it; home view web), enter /links, read p1's live
 * link, read the table of p1's panel t (the project, and its view with
 * analysis_workspace), read p1's slides (and data_storytelling: no
 * profile here grants it, so only product admins). */
#define P1 "/workspace/projects/p1"
#define P2 "/workspace/projects/p2"
#define PJ(w, curate, link, links, read, panel, slides)                        \
	R(w, ACT_WS_CURATE, P1 "/project.ini", curate),                         \
	R(w, ACT_WS_LINK, P1 "/project.ini", link),                             \
	R(w, ACT_LINKS_SEE, "/links", links),                                  \
	R(w, ACT_LINK_READ, "/links/TOKEN", read),                             \
	R(w, ACT_WS_PANEL, P1 "/panels/t.csv", panel),                         \
	R(w, ACT_WS_SLIDES, P1 "/slides.html", slides)

static const struct prow matrix[] = {
    /* projects and their links */
    PJ(UNMAPPED, EN, EN, EN, EN, EN, EN),
    PJ(SYS, EN, EN, 0, EN, EN, EN),
    PJ(PA, 0, 0, 0, 0, 0, 0),
    PJ(PA2, 0, 0, 0, 0, 0, 0),
    PJ(PA3, 0, 0, 0, 0, 0, 0),
    PJ(LEAD, EN, EN, 0, EN, EN, EN),
    /* thirdparty grants web with analysis_workspace */
    PJ(ANALYST, EA, EA, 0, 0, 0, EA),
    PJ(ANALYST_SUPP, EA, EA, 0, 0, 0, EA),
    PJ(NOGROUP, EN, EN, 0, EN, EN, EN),
    PJ(VIEWER, EN, EN, 0, EN, EN, EN),
    PJ(AUDITOR, EN, EN, 0, EN, EN, EN),
    PJ(LEAD2, EN, EN, 0, EN, EN, EN),
    /* analysis_workspace from profiles that grant no view */
    PJ(MIA, 0, 0, 0, 0, EA, EA),
    PJ(NED, EA, EA, 0, 0, EA, EA),
    PJ(RIA, EA, EA, 0, 0, EA, EA),
    /* unmapped: ACT_PUBLIC and nothing else; it may know only the root,
     * README and whoami (refused there: EACCES, SPEC §1), no other name */
    R(UNMAPPED, ACT_NONE, "/", EA),
    R(UNMAPPED, ACT_PUBLIC, "/README", 0),
    R(UNMAPPED, ACT_MAPPED, "/errors", EN),
    R(UNMAPPED, ACT_ADMIN_SEE, "/admin/profiles", EN),
    R(UNMAPPED, ACT_ADMIN_READ, "/admin/product-admins", EN),
    R(UNMAPPED, ACT_ADMIN_SYS, "/admin/sandboxes", EN),
    R(UNMAPPED, ACT_PROFILE_SEE, TP "/profile.ini", EN),
    R(UNMAPPED, ACT_PROFILE_MANAGE, "/admin/profiles", EN),
    R(UNMAPPED, ACT_PROFILE_EDIT, TP "/members", EN),
    R(UNMAPPED, ACT_PROFILE_DELEGATE, TP "/profile.ini", EN),
    RG(UNMAPPED, TP "/profile.ini", "tool analysis_workspace", EN, NULL),
    R(UNMAPPED, ACT_CONN_READ, "/connections", EN),
    R(UNMAPPED, ACT_CONN_MANAGE, "/connections", EN),
    R(UNMAPPED, ACT_DV_MANAGE, "/dataviews", EN),
    R(UNMAPPED, ACT_DV_EDIT, "dv:web", EN),
    R(UNMAPPED, ACT_DV_SEE, "dv:web", EN),
    R(UNMAPPED, ACT_DV_REPORT, "dv:web", EN),
    R(UNMAPPED, ACT_DV_EXPORT, "dv:web", EN),
    R(UNMAPPED, ACT_AUDIT_READ, "/audit/log", EN),
    R(UNMAPPED, ACT_ACTIVITY, "/admin/reporting-activity", EN),

    /* system admin: the Admin Console, not the product */
    R(SYS, ACT_NONE, "/", EA),
    R(SYS, ACT_PUBLIC, "/README", 0),
    R(SYS, ACT_MAPPED, "/errors", 0),
    R(SYS, ACT_ADMIN_SEE, "/admin/profiles", 0),
    R(SYS, ACT_ADMIN_READ, "/admin/product-admins", 0),
    R(SYS, ACT_ADMIN_SYS, "/admin/sandboxes", 0),
    R(SYS, ACT_PROFILE_SEE, TP "/profile.ini", 0),
    R(SYS, ACT_PROFILE_MANAGE, "/admin/profiles", EA),
    R(SYS, ACT_PROFILE_EDIT, TP "/members", EA),
    R(SYS, ACT_PROFILE_DELEGATE, TP "/profile.ini", EA),
    RG(SYS, TP "/profile.ini", "tool analysis_workspace", EA, NULL),
    R(SYS, ACT_CONN_READ, "/connections", EA),
    R(SYS, ACT_CONN_MANAGE, "/connections", EA),
    R(SYS, ACT_DV_MANAGE, "/dataviews", EA),
    DV_HIDDEN(SYS, ACT_DV_EDIT),
    DV_HIDDEN(SYS, ACT_DV_SEE),
    DV_HIDDEN(SYS, ACT_DV_REPORT),
    DV_HIDDEN(SYS, ACT_DV_EXPORT),
    R(SYS, ACT_AUDIT_READ, "/audit/log", EA),
    R(SYS, ACT_ACTIVITY, "/admin/reporting-activity", EA),

    /* product admin with the platform permissions and a sandbox */
    R(PA, ACT_NONE, "/", EA),
    R(PA, ACT_PUBLIC, "/README", 0),
    R(PA, ACT_MAPPED, "/errors", 0),
    R(PA, ACT_ADMIN_SEE, "/admin/profiles", 0),
    R(PA, ACT_ADMIN_READ, "/admin/product-admins", 0),
    R(PA, ACT_ADMIN_SYS, "/admin/sandboxes", EA),
    R(PA, ACT_PROFILE_SEE, TP "/profile.ini", 0),
    R(PA, ACT_PROFILE_MANAGE, "/admin/profiles", 0),
    R(PA, ACT_PROFILE_EDIT, TP "/members", 0),
    R(PA, ACT_PROFILE_DELEGATE, TP "/profile.ini", 0),
    RG(PA, TP "/profile.ini", "tool analysis_workspace", 0, NULL),
    R(PA, ACT_CONN_READ, "/connections", 0),
    R(PA, ACT_CONN_MANAGE, "/connections", 0),
    R(PA, ACT_DV_MANAGE, "/dataviews", 0),
    R(PA, ACT_DV_EDIT, "dv:web", 0),
    R(PA, ACT_DV_SEE, "dv:web", 0),
    R(PA, ACT_DV_REPORT, "dv:web", 0),
    R(PA, ACT_DV_EXPORT, "dv:web", 0),
    R(PA, ACT_AUDIT_READ, "/audit/log", 0),
    R(PA, ACT_ACTIVITY, "/admin/reporting-activity", 0),

    /* product admin without a platform profile */
    R(PA2, ACT_NONE, "/", EA),
    R(PA2, ACT_PUBLIC, "/README", 0),
    R(PA2, ACT_MAPPED, "/errors", 0),
    R(PA2, ACT_ADMIN_SEE, "/admin/profiles", 0),
    R(PA2, ACT_ADMIN_READ, "/admin/product-admins", 0),
    R(PA2, ACT_ADMIN_SYS, "/admin/sandboxes", EA),
    R(PA2, ACT_PROFILE_SEE, TP "/profile.ini", 0),
    R(PA2, ACT_PROFILE_MANAGE, "/admin/profiles", 0),
    R(PA2, ACT_PROFILE_EDIT, TP "/members", 0),
    R(PA2, ACT_PROFILE_DELEGATE, TP "/profile.ini", 0),
    RG(PA2, TP "/profile.ini", "tool analysis_workspace", 0, NULL),
    R(PA2, ACT_CONN_READ, "/connections", 0),
    R(PA2, ACT_CONN_MANAGE, "/connections", EA),
    R(PA2, ACT_DV_MANAGE, "/dataviews", EA),
    R(PA2, ACT_DV_EDIT, "dv:web", EA),
    R(PA2, ACT_DV_SEE, "dv:web", 0),
    R(PA2, ACT_DV_REPORT, "dv:web", 0),
    R(PA2, ACT_DV_EXPORT, "dv:web", 0),
    R(PA2, ACT_AUDIT_READ, "/audit/log", 0),
    R(PA2, ACT_ACTIVITY, "/admin/reporting-activity", 0),

    /* product admin missing manage_sources */
    R(PA3, ACT_NONE, "/", EA),
    R(PA3, ACT_PUBLIC, "/README", 0),
    R(PA3, ACT_MAPPED, "/errors", 0),
    R(PA3, ACT_ADMIN_SEE, "/admin/profiles", 0),
    R(PA3, ACT_ADMIN_READ, "/admin/product-admins", 0),
    R(PA3, ACT_ADMIN_SYS, "/admin/sandboxes", EA),
    R(PA3, ACT_PROFILE_SEE, TP "/profile.ini", 0),
    R(PA3, ACT_PROFILE_MANAGE, "/admin/profiles", 0),
    R(PA3, ACT_PROFILE_EDIT, TP "/members", 0),
    R(PA3, ACT_PROFILE_DELEGATE, TP "/profile.ini", 0),
    RG(PA3, TP "/profile.ini", "tool analysis_workspace", 0, NULL),
    R(PA3, ACT_CONN_READ, "/connections", 0),
    R(PA3, ACT_CONN_MANAGE, "/connections", EA),
    R(PA3, ACT_DV_MANAGE, "/dataviews", EA),
    R(PA3, ACT_DV_EDIT, "dv:web", EA),
    R(PA3, ACT_DV_SEE, "dv:web", 0),
    R(PA3, ACT_DV_REPORT, "dv:web", 0),
    R(PA3, ACT_DV_EXPORT, "dv:web", 0),
    R(PA3, ACT_AUDIT_READ, "/audit/log", 0),
    R(PA3, ACT_ACTIVITY, "/admin/reporting-activity", 0),

    /* product profile admin of thirdparty (which grants web) */
    R(LEAD, ACT_NONE, "/", EA),
    R(LEAD, ACT_PUBLIC, "/README", 0),
    R(LEAD, ACT_MAPPED, "/errors", 0),
    R(LEAD, ACT_ADMIN_SEE, "/admin/profiles", 0),
    R(LEAD, ACT_ADMIN_READ, "/admin/product-admins", EA),
    R(LEAD, ACT_ADMIN_SYS, "/admin/sandboxes", EA),
    R(LEAD, ACT_PROFILE_SEE, TP "/profile.ini", 0),
    R(LEAD, ACT_PROFILE_MANAGE, "/admin/profiles", EA),
    R(LEAD, ACT_PROFILE_EDIT, TP "/members", 0),
    R(LEAD, ACT_PROFILE_DELEGATE, TP "/profile.ini", EA),
    RG(LEAD, TP "/profile.ini", "tool analysis_workspace", 0, NULL),
    R(LEAD, ACT_CONN_READ, "/connections", EA),
    R(LEAD, ACT_CONN_MANAGE, "/connections", EA),
    R(LEAD, ACT_DV_MANAGE, "/dataviews", EA),
    R(LEAD, ACT_DV_EDIT, "dv:web", 0),
    /* §6 lists members for "see"; an admin who may change the view
     * sees it too (the code's reading) */
    R(LEAD, ACT_DV_SEE, "dv:web", 0),
    R(LEAD, ACT_DV_REPORT, "dv:web", EA),
    R(LEAD, ACT_DV_EXPORT, "dv:web", EA),
    R(LEAD, ACT_AUDIT_READ, "/audit/log", EA),
    R(LEAD, ACT_ACTIVITY, "/admin/reporting-activity", EA),

    /* member of thirdparty through group:Analysts (primary gid) */
    R(ANALYST, ACT_NONE, "/", EA),
    R(ANALYST, ACT_PUBLIC, "/README", 0),
    R(ANALYST, ACT_MAPPED, "/errors", 0),
    R(ANALYST, ACT_ADMIN_SEE, "/admin/profiles", EA),
    R(ANALYST, ACT_ADMIN_READ, "/admin/product-admins", EA),
    R(ANALYST, ACT_ADMIN_SYS, "/admin/sandboxes", EA),
    R(ANALYST, ACT_PROFILE_SEE, TP "/profile.ini", EN),
    R(ANALYST, ACT_PROFILE_MANAGE, "/admin/profiles", EA),
    R(ANALYST, ACT_PROFILE_EDIT, TP "/members", EN),
    R(ANALYST, ACT_PROFILE_DELEGATE, TP "/profile.ini", EN),
    RG(ANALYST, TP "/profile.ini", "tool analysis_workspace", EN, NULL),
    R(ANALYST, ACT_CONN_READ, "/connections", EA),
    R(ANALYST, ACT_CONN_MANAGE, "/connections", EA),
    R(ANALYST, ACT_DV_MANAGE, "/dataviews", EA),
    R(ANALYST, ACT_DV_EDIT, "dv:web", EA),
    R(ANALYST, ACT_DV_SEE, "dv:web", 0),
    R(ANALYST, ACT_DV_REPORT, "dv:web", 0),
    R(ANALYST, ACT_DV_EXPORT, "dv:web", EA),
    R(ANALYST, ACT_AUDIT_READ, "/audit/log", EA),
    R(ANALYST, ACT_ACTIVITY, "/admin/reporting-activity", EA),

    /* the same, with gid 3001 as a supplementary group */
    R(ANALYST_SUPP, ACT_NONE, "/", EA),
    R(ANALYST_SUPP, ACT_PUBLIC, "/README", 0),
    R(ANALYST_SUPP, ACT_MAPPED, "/errors", 0),
    R(ANALYST_SUPP, ACT_ADMIN_SEE, "/admin/profiles", EA),
    R(ANALYST_SUPP, ACT_ADMIN_READ, "/admin/product-admins", EA),
    R(ANALYST_SUPP, ACT_ADMIN_SYS, "/admin/sandboxes", EA),
    R(ANALYST_SUPP, ACT_PROFILE_SEE, TP "/profile.ini", EN),
    R(ANALYST_SUPP, ACT_PROFILE_MANAGE, "/admin/profiles", EA),
    R(ANALYST_SUPP, ACT_PROFILE_EDIT, TP "/members", EN),
    R(ANALYST_SUPP, ACT_PROFILE_DELEGATE, TP "/profile.ini", EN),
    RG(ANALYST_SUPP, TP "/profile.ini", "tool analysis_workspace", EN, NULL),
    R(ANALYST_SUPP, ACT_CONN_READ, "/connections", EA),
    R(ANALYST_SUPP, ACT_CONN_MANAGE, "/connections", EA),
    R(ANALYST_SUPP, ACT_DV_MANAGE, "/dataviews", EA),
    R(ANALYST_SUPP, ACT_DV_EDIT, "dv:web", EA),
    R(ANALYST_SUPP, ACT_DV_SEE, "dv:web", 0),
    R(ANALYST_SUPP, ACT_DV_REPORT, "dv:web", 0),
    R(ANALYST_SUPP, ACT_DV_EXPORT, "dv:web", EA),
    R(ANALYST_SUPP, ACT_AUDIT_READ, "/audit/log", EA),
    R(ANALYST_SUPP, ACT_ACTIVITY, "/admin/reporting-activity", EA),

    /* the analyst's uid without the group: mapped, nothing more */
    R(NOGROUP, ACT_NONE, "/", EA),
    R(NOGROUP, ACT_PUBLIC, "/README", 0),
    R(NOGROUP, ACT_MAPPED, "/errors", 0),
    R(NOGROUP, ACT_ADMIN_SEE, "/admin/profiles", EA),
    R(NOGROUP, ACT_ADMIN_READ, "/admin/product-admins", EA),
    R(NOGROUP, ACT_ADMIN_SYS, "/admin/sandboxes", EA),
    R(NOGROUP, ACT_PROFILE_SEE, TP "/profile.ini", EN),
    R(NOGROUP, ACT_PROFILE_MANAGE, "/admin/profiles", EA),
    R(NOGROUP, ACT_PROFILE_EDIT, TP "/members", EN),
    R(NOGROUP, ACT_PROFILE_DELEGATE, TP "/profile.ini", EN),
    RG(NOGROUP, TP "/profile.ini", "tool analysis_workspace", EN, NULL),
    R(NOGROUP, ACT_CONN_READ, "/connections", EA),
    R(NOGROUP, ACT_CONN_MANAGE, "/connections", EA),
    R(NOGROUP, ACT_DV_MANAGE, "/dataviews", EA),
    DV_HIDDEN(NOGROUP, ACT_DV_EDIT),
    DV_HIDDEN(NOGROUP, ACT_DV_SEE),
    DV_HIDDEN(NOGROUP, ACT_DV_REPORT),
    DV_HIDDEN(NOGROUP, ACT_DV_EXPORT),
    R(NOGROUP, ACT_AUDIT_READ, "/audit/log", EA),
    R(NOGROUP, ACT_ACTIVITY, "/admin/reporting-activity", EA),

    /* member of exporters: every view, full table export, no reports */
    R(VIEWER, ACT_NONE, "/", EA),
    R(VIEWER, ACT_PUBLIC, "/README", 0),
    R(VIEWER, ACT_MAPPED, "/errors", 0),
    R(VIEWER, ACT_ADMIN_SEE, "/admin/profiles", EA),
    R(VIEWER, ACT_ADMIN_READ, "/admin/product-admins", EA),
    R(VIEWER, ACT_ADMIN_SYS, "/admin/sandboxes", EA),
    R(VIEWER, ACT_PROFILE_SEE, TP "/profile.ini", EN),
    R(VIEWER, ACT_PROFILE_MANAGE, "/admin/profiles", EA),
    R(VIEWER, ACT_PROFILE_EDIT, TP "/members", EN),
    R(VIEWER, ACT_PROFILE_DELEGATE, TP "/profile.ini", EN),
    RG(VIEWER, TP "/profile.ini", "tool analysis_workspace", EN, NULL),
    R(VIEWER, ACT_CONN_READ, "/connections", EA),
    R(VIEWER, ACT_CONN_MANAGE, "/connections", EA),
    R(VIEWER, ACT_DV_MANAGE, "/dataviews", EA),
    R(VIEWER, ACT_DV_EDIT, "dv:web", EA),
    R(VIEWER, ACT_DV_SEE, "dv:web", 0),
    R(VIEWER, ACT_DV_REPORT, "dv:web", EA),
    R(VIEWER, ACT_DV_EXPORT, "dv:web", 0),
    R(VIEWER, ACT_AUDIT_READ, "/audit/log", EA),
    R(VIEWER, ACT_ACTIVITY, "/admin/reporting-activity", EA),

    /* member of auditors: the audit log, no data view */
    R(AUDITOR, ACT_NONE, "/", EA),
    R(AUDITOR, ACT_PUBLIC, "/README", 0),
    R(AUDITOR, ACT_MAPPED, "/errors", 0),
    R(AUDITOR, ACT_ADMIN_SEE, "/admin/profiles", EA),
    R(AUDITOR, ACT_ADMIN_READ, "/admin/product-admins", EA),
    R(AUDITOR, ACT_ADMIN_SYS, "/admin/sandboxes", EA),
    R(AUDITOR, ACT_PROFILE_SEE, TP "/profile.ini", EN),
    R(AUDITOR, ACT_PROFILE_MANAGE, "/admin/profiles", EA),
    R(AUDITOR, ACT_PROFILE_EDIT, TP "/members", EN),
    R(AUDITOR, ACT_PROFILE_DELEGATE, TP "/profile.ini", EN),
    RG(AUDITOR, TP "/profile.ini", "tool analysis_workspace", EN, NULL),
    R(AUDITOR, ACT_CONN_READ, "/connections", EA),
    R(AUDITOR, ACT_CONN_MANAGE, "/connections", EA),
    R(AUDITOR, ACT_DV_MANAGE, "/dataviews", EA),
    DV_HIDDEN(AUDITOR, ACT_DV_EDIT),
    DV_HIDDEN(AUDITOR, ACT_DV_SEE),
    DV_HIDDEN(AUDITOR, ACT_DV_REPORT),
    DV_HIDDEN(AUDITOR, ACT_DV_EXPORT),
    R(AUDITOR, ACT_AUDIT_READ, "/audit/log", 0),
    R(AUDITOR, ACT_ACTIVITY, "/admin/reporting-activity", EA),

    /* admin of partners, which grants web and delegates nothing: it
     * sees web but may not change it; thirdparty it does not know */
    R(LEAD2, ACT_NONE, "/", EA),
    R(LEAD2, ACT_PUBLIC, "/README", 0),
    R(LEAD2, ACT_MAPPED, "/errors", 0),
    R(LEAD2, ACT_ADMIN_SEE, "/admin/profiles", 0),
    R(LEAD2, ACT_ADMIN_READ, "/admin/product-admins", EA),
    R(LEAD2, ACT_ADMIN_SYS, "/admin/sandboxes", EA),
    R(LEAD2, ACT_PROFILE_SEE, TP "/profile.ini", EN),
    R(LEAD2, ACT_PROFILE_MANAGE, "/admin/profiles", EA),
    R(LEAD2, ACT_PROFILE_EDIT, TP "/members", EN),
    R(LEAD2, ACT_PROFILE_DELEGATE, TP "/profile.ini", EN),
    RG(LEAD2, TP "/profile.ini", "tool analysis_workspace", EN, NULL),
    R(LEAD2, ACT_CONN_READ, "/connections", EA),
    R(LEAD2, ACT_CONN_MANAGE, "/connections", EA),
    R(LEAD2, ACT_DV_MANAGE, "/dataviews", EA),
    R(LEAD2, ACT_DV_EDIT, "dv:web", EA),
    R(LEAD2, ACT_DV_SEE, "dv:web", 0),
    R(LEAD2, ACT_DV_REPORT, "dv:web", EA),
    R(LEAD2, ACT_DV_EXPORT, "dv:web", EA),
    R(LEAD2, ACT_AUDIT_READ, "/audit/log", EA),
    R(LEAD2, ACT_ACTIVITY, "/admin/reporting-activity", EA),

    /* the Workspace (SPEC §7), on mia's segment s1 (shared with ria and
     * group:Analysts); people.csv of her audience aud (shared alike) */
    WS(UNMAPPED, EN, EN, EN, EN, EN, EN, EN),
    WS(SYS, EA, EA, EN, EN, EN, EA, EN),
    WS(PA, 0, 0, 0, 0, 0, 0, 0),
    WS(PA2, 0, 0, 0, 0, 0, 0, 0),
    WS(PA3, 0, 0, 0, 0, 0, 0, 0),
    /* a profile admin that is no member: no analysis_workspace */
    WS(LEAD, EA, EA, EN, EN, EN, EA, EN),
    /* through group:Analysts: sees it, may not change it */
    WS(ANALYST, 0, EA, 0, EA, EA, EA, EA),
    WS(ANALYST_SUPP, 0, EA, 0, EA, EA, EA, EA),
    WS(NOGROUP, EA, EA, EN, EN, EN, EA, EN),
    /* a member without analysis_workspace */
    WS(VIEWER, EA, EA, EN, EN, EN, EA, EN),
    WS(AUDITOR, EA, EA, EN, EN, EN, EA, EN),
    WS(LEAD2, EA, EA, EN, EN, EN, EA, EN),
    /* the owner, holding segment_creation */
    PLAIN(MIA), WS(MIA, 0, 0, 0, 0, 0, EA, EA),
    /* not shared with: an owner elsewhere */
    PLAIN(NED), WS(NED, 0, EA, EN, EN, EN, EA, EN),
    /* shared with directly, without segment_creation */
    PLAIN(RIA), WS(RIA, 0, EA, 0, EA, EA, EA, EA),
};

#define NEED_CONN "needs platform permissions " CONN_PERMS_TEXT
#define NEED_SANDBOX "needs a sandbox through a platform profile"
#define NEED_ADMIN_SEE                                                         \
	"needs role system admin, product admin or product profile admin"
#define NEED_ADMIN_READ "needs role system admin or product admin"
#define NEED_MAPPED "needs a mapped user ([users] in the config)"

/* Other objects, and why texts. */
static const struct prow details[] = {
    /* unmapped */
    RW(UNMAPPED, ACT_PUBLIC, "/whoami", 0, NULL),
    RW(UNMAPPED, ACT_MAPPED, "/errors", EN, NEED_MAPPED),
    RW(UNMAPPED, ACT_ADMIN_SEE, "/admin", EN, NEED_MAPPED),
    RW(UNMAPPED, ACT_DV_SEE, "dv:web", EN, NEED_MAPPED),
    RW(UNMAPPED, ACT_NONE, "/README", EA, NEED_MAPPED),

    RW(PA, ACT_NONE, "/", EA, "nobody may do this"),

    /* system admin */
    RW(SYS, ACT_ADMIN_SYS, "/admin/product-admins", 0, NULL),
    RW(SYS, ACT_ADMIN_SYS, "/admin/platform", 0, NULL),
    RW(SYS, ACT_ADMIN_SYS, "/admin/platform/full", 0, NULL),
    RW(SYS, ACT_ADMIN_SYS, "/admin/platform/full/platform.ini", 0, NULL),
    RW(SYS, ACT_ADMIN_SYS, "/admin/platform/partial/members", 0, NULL),
    RW(SYS, ACT_ADMIN_READ, "/admin/users/pa@example.com", 0, NULL),
    RW(SYS, ACT_PROFILE_SEE, "/admin/profiles/exporters/admins", 0, NULL),
    RW(SYS, ACT_PROFILE_MANAGE, "/admin/profiles", EA,
       "needs role product admin"),
    RW(SYS, ACT_PROFILE_MANAGE, TP "/admins", EA, "needs role product admin"),
    RW(SYS, ACT_PROFILE_EDIT, TP "/members", EA,
       "needs role product admin or admin of profile thirdparty"),
    RW(SYS, ACT_CONN_READ, "/connections", EA, "needs role product admin"),
    RW(SYS, ACT_CONN_MANAGE, "/connections", EA,
       "needs role product admin; " NEED_CONN "; " NEED_SANDBOX),
    RW(SYS, ACT_AUDIT_READ, "/audit/log", EA,
       "needs role product admin or a profile with audit_logs_access"),

    /* product admin */
    RW(PA, ACT_ADMIN_SYS, "/admin/sandboxes", EA, "needs role system admin"),
    RW(PA, ACT_ADMIN_SYS, "/admin/product-admins", EA,
       "needs role system admin"),
    RW(PA, ACT_ADMIN_SYS, "/admin/platform", EA, "needs role system admin"),
    RW(PA, ACT_ADMIN_READ, "/admin/platform/full/members", 0, NULL),
    RW(PA, ACT_ADMIN_READ, "/admin/users", 0, NULL),
    RW(PA, ACT_ADMIN_READ, "/admin/users/lead@example.com", 0, NULL),
    RW(PA, ACT_PROFILE_SEE, "/admin/profiles/exporters/profile.ini", 0, NULL),
    RW(PA, ACT_PROFILE_MANAGE, "/admin/profiles/exporters", 0, NULL),
    RW(PA, ACT_PROFILE_MANAGE, TP "/admins", 0, NULL),
    RW(PA, ACT_PROFILE_EDIT, "/admin/profiles/auditors/profile.ini", 0, NULL),
    RW(PA, ACT_DV_SEE, "dv:anything", 0, NULL),
    RW(PA, ACT_DV_EXPORT, "dv:anything", 0, NULL),
    RW(PA, ACT_AUDIT_READ, "/audit", 0, NULL),
    /* the sandbox a change asks for must be one of its platform's */
    RS(PA, ACT_CONN_MANAGE, "/connections", 0, NULL, "prod"),
    /* outside a connection the hint is not looked at (platform_ok) */
    RS(PA, ACT_CONN_MANAGE, "/connections", 0, NULL, "dev"),
    RS(PA, ACT_CONN_MANAGE, "conn:c9", EA,
       "needs sandbox dev through a platform profile", "dev"),

    /* product admin without platform profile: what it lacks, in order */
    RW(PA2, ACT_CONN_MANAGE, "/connections", EA, NEED_CONN "; " NEED_SANDBOX),
    RW(PA2, ACT_DV_MANAGE, "/dataviews", EA, NEED_CONN "; " NEED_SANDBOX),
    RW(PA2, ACT_DV_EDIT, "dv:web", EA,
       NEED_CONN "; " NEED_SANDBOX
		 "; or to administer a profile granting data view web with "
		 "it in [delegation] edit_views"),
    RW(PA2, ACT_CONN_READ, "/connections", 0, NULL),

    /* product admin missing exactly manage_sources */
    RW(PA3, ACT_CONN_MANAGE, "/connections", EA,
       "needs platform permission manage_sources"),
    RW(PA3, ACT_DV_MANAGE, "/dataviews", EA,
       "needs platform permission manage_sources"),

    /* profile admin: its profile, and nothing it does not administer */
    RW(LEAD, ACT_ADMIN_SEE, "/admin", 0, NULL),
    RW(LEAD, ACT_ADMIN_READ, "/admin/product-admins", EA, NEED_ADMIN_READ),
    RW(LEAD, ACT_ADMIN_READ, "/admin/platform", EA, NEED_ADMIN_READ),
    RW(LEAD, ACT_ADMIN_READ, "/admin/platform/full", EN, NEED_ADMIN_READ),
    RW(LEAD, ACT_ADMIN_READ, "/admin/platform/full/members", EN,
       NEED_ADMIN_READ),
    RW(LEAD, ACT_ADMIN_READ, "/admin/users", EA, NEED_ADMIN_READ),
    RW(LEAD, ACT_ADMIN_READ, "/admin/users/lead@example.com", EN,
       NEED_ADMIN_READ),
    RW(LEAD, ACT_PROFILE_SEE, TP, 0, NULL),
    RW(LEAD, ACT_PROFILE_SEE, TP "/admins", 0, NULL),
    RW(LEAD, ACT_PROFILE_EDIT, TP "/profile.ini", 0, NULL),
    RW(LEAD, ACT_PROFILE_SEE, "/admin/profiles/exporters", EN,
       "needs role system admin, product admin or admin of profile "
       "exporters"),
    RW(LEAD, ACT_PROFILE_SEE, "/admin/profiles/exporters/profile.ini", EN,
       "needs role system admin, product admin or admin of profile "
       "exporters"),
    RW(LEAD, ACT_PROFILE_EDIT, "/admin/profiles/exporters/members", EN, NULL),
    RW(LEAD, ACT_PROFILE_EDIT, "/admin/profiles/exporters", EN, NULL),
    RW(LEAD, ACT_PROFILE_MANAGE, "/admin/profiles/exporters", EN, NULL),
    RW(LEAD, ACT_PROFILE_MANAGE, TP, EA, "needs role product admin"),
    RW(LEAD, ACT_PROFILE_MANAGE, TP "/admins", EA, "needs role product admin"),
    RW(LEAD, ACT_PROFILE_MANAGE, "/admin/profiles", EA,
       "needs role product admin"),
    RW(LEAD, ACT_DV_MANAGE, "/dataviews", EA,
       "needs role product admin; " NEED_CONN "; " NEED_SANDBOX),
    /* hidden: the answer and the why are those of seeing it */
    RW(LEAD, ACT_DV_EDIT, "dv:other", EN,
       "needs role product admin or a profile granting data view other"),
    RW(LEAD, ACT_DV_SEE, "dv:other", EN,
	  "needs role product admin or a profile granting data view "
	  "other"),

    /* delegation (SPEC §3.5): what thirdparty's admins may turn on */
#define NOT_DELEGATED " is not delegated to this profile's admins"
    RG(LEAD, TP "/profile.ini", NULL, 0, NULL),
    RG(LEAD, TP "/profile.ini", "data view web", 0, NULL),
    RG(LEAD, TP "/profile.ini", "data view app", 0, NULL),
    RG(LEAD, TP "/profile.ini", "data view shop", EA,
       "data view shop" NOT_DELEGATED),
    RG(LEAD, TP "/profile.ini", "tool full_table_export", EA,
       "tool full_table_export" NOT_DELEGATED),
    RG(LEAD, TP "/profile.ini", "tool labs", EA, "tool labs" NOT_DELEGATED),
    RG(LEAD, TP "/profile.ini", "tool no_such_tool", EA,
       "tool no_such_tool" NOT_DELEGATED),
    RG(LEAD, TP "/profile.ini", "auto_include", EA,
       "auto_include" NOT_DELEGATED),
    RW(LEAD, ACT_PROFILE_DELEGATE, TP "/profile.ini", EA,
       "needs role product admin to change [delegation]"),
    RW(LEAD, ACT_PROFILE_DELEGATE, TP, EA,
       "needs role product admin to change [delegation]"),
    RG(LEAD, "/admin/profiles/exporters/profile.ini", "auto_include", EN,
       NULL),
    RW(LEAD, ACT_PROFILE_EDIT, TP "/profile.ini", 0, NULL),
    /* a product admin turns on anything, delegated or not */
    RG(PA, TP "/profile.ini", "auto_include", 0, NULL),
    RG(PA2, "/admin/profiles/partners/profile.ini", "tool full_table_export",
       0, NULL),
    RW(SYS, ACT_PROFILE_DELEGATE, TP "/profile.ini", EA,
       "needs role product admin to change [delegation]"),
    /* the admin of a profile without a delegation turns nothing on */
    RG(LEAD2, "/admin/profiles/partners/profile.ini", "data view web", EA,
       "data view web" NOT_DELEGATED),
    RG(LEAD2, "/admin/profiles/partners/profile.ini", "tool labs", EA,
       "tool labs" NOT_DELEGATED),
    RW(LEAD2, ACT_PROFILE_EDIT, "/admin/profiles/partners/members", 0, NULL),
    /* change a view: only with it in [delegation] edit_views */
    RW(LEAD2, ACT_DV_EDIT, "dv:web", EA,
       "data view web is not in [delegation] edit_views of a profile you "
       "administer"),
    RW(LEAD, ACT_DV_EDIT, "dv:web", 0, NULL),
    /* app is delegated to grant, not granted: it is not LEAD's to see */
    RW(LEAD, ACT_DV_EDIT, "dv:app", EN, NULL),

    /* analyst: thirdparty's view, reports, no export */
    RW(ANALYST, ACT_ADMIN_SEE, "/admin", EA, NEED_ADMIN_SEE),
    /* inside a fixed directory it may not enter: that rule */
    RW(ANALYST, ACT_ADMIN_READ, "/admin/product-admins", EA, NEED_ADMIN_SEE),
    RW(ANALYST, ACT_ADMIN_SEE, TP, EN,
       "needs role system admin, product admin or admin of profile "
       "thirdparty"),
    RW(ANALYST, ACT_CONN_READ, "/connections", EA, "needs role product admin"),
    RW(ANALYST, ACT_AUDIT_READ, "/audit/log", EA,
       "needs role product admin or a profile with audit_logs_access"),
    RW(ANALYST, ACT_DV_SEE, "dv:other", EN,
	  "needs role product admin or a profile granting data view "
	  "other"),
    RW(ANALYST, ACT_DV_REPORT, "dv:other", EN, NULL),
    RW(ANALYST, ACT_DV_EXPORT, "dv:web", EA,
       "needs role product admin or a profile granting data view web "
       "with full_table_export"),
    RW(ANALYST, ACT_DV_EDIT, "dv:web", EA,
       "needs role product admin; " NEED_CONN "; " NEED_SANDBOX
       "; or to administer a profile granting data view web with it in "
       "[delegation] edit_views"),
    RW(ANALYST_SUPP, ACT_DV_SEE, "dv:other", EN, NULL),

    /* viewer: auto_include grants every name */
    RW(VIEWER, ACT_DV_SEE, "dv:other", 0, NULL),
    RW(VIEWER, ACT_DV_EXPORT, "dv:other", 0, NULL),
    RW(VIEWER, ACT_DV_REPORT, "dv:web", EA,
       "needs role product admin or a profile granting data view web "
       "with analysis_workspace"),

    /* auditor */
    RW(AUDITOR, ACT_AUDIT_READ, "/audit", 0, NULL),
    RW(AUDITOR, ACT_AUDIT_READ, "/audit/log", 0, NULL),
    RW(AUDITOR, ACT_DV_SEE, "dv:web", EN,
	  "needs role product admin or a profile granting data view web"),

    /* the Workspace: whose it is, whom it is shared with, P */
#define S1 "/workspace/segments/s1"
#define S2 "/workspace/segments/s2"
#define S3 "/workspace/segments/s3"
#define S4 "/workspace/segments/s4"
#define NEED_WS "needs role product admin or a profile with analysis_workspace"
    RW(LEAD, ACT_WS_SEE, "/workspace", EA, NEED_WS),
    RW(VIEWER, ACT_WS_CREATE, "/workspace/date-ranges", EA, NEED_WS),
    /* no Workspace: the first rule it fails */
    RW(VIEWER, ACT_WS_READ, S1, EN, NEED_WS),
    RW(SYS, ACT_WS_ADMIN, "/admin/transfer", EA, "needs role product admin"),
    /* creation permissions, per kind (every P from any profile) */
    RW(RIA, ACT_WS_CREATE, "/workspace/segments", EA,
       "needs segment_creation"),
    RW(RIA, ACT_WS_CREATE, "/workspace/calculated-metrics", EA,
       "needs calculated_metrics_creation"),
    RW(RIA, ACT_WS_CREATE, "/workspace/annotations", EA,
       "needs annotation_creation"),
    RW(RIA, ACT_WS_CREATE, "/workspace/audiences", EA,
       "needs audience_creation and platform permission manage_segments"),
    RW(RIA, ACT_WS_CREATE, "/workspace/date-ranges", 0, NULL),
    RW(MIA, ACT_WS_CREATE, "/workspace/audiences", 0, NULL),
    RW(MIA, ACT_WS_CREATE, "/workspace/annotations", 0, NULL),
    RW(MIA, ACT_WS_CREATE, "/workspace/calculated-metrics", 0, NULL),
    RW(PA2, ACT_WS_CREATE, "/workspace/audiences", 0, NULL),
    /* an owner without P reads, and changes nothing */
    RW(NED, ACT_WS_READ, S2, 0, NULL),
    RW(NED, ACT_WS_READ, S2 "/shares", 0, NULL),
    RW(NED, ACT_WS_EDIT, S2 "/segment.ini", EA,
       "needs segment_creation (you own it)"),
    RW(NED, ACT_WS_EDIT, S2, EA, "needs segment_creation (you own it)"),
    /* shared with, holding P: changes, renames, deletes, re-shares */
    RW(MIA, ACT_WS_EDIT, S2, 0, NULL),
    RW(MIA, ACT_WS_EDIT, S2 "/shares", 0, NULL),
    RW(MIA, ACT_WS_READ, S3, EN,
       "not shared with you"),
    RW(MIA, ACT_WS_EDIT, S3 "/shares", EN,
       "not shared with you"),
    RW(MIA, ACT_WS_ADMIN, "/admin/transfer", EA,
       "needs role system admin, product admin or product profile admin"),
    /* shared with, without P */
    RW(RIA, ACT_WS_READ, S1 "/used_by", 0, NULL),
    RW(RIA, ACT_WS_EDIT, S1 "/shares", EA,
       "needs segment_creation (it is shared with you)"),
    RW(ANALYST, ACT_WS_EDIT, S1, EA,
       "needs segment_creation (it is shared with you)"),
    RW(ANALYST_SUPP, ACT_WS_READ, S1, 0, NULL),
    RW(NOGROUP, ACT_WS_READ, S1, EN, NEED_WS),
    RW(RIA, ACT_WS_READ, S3, EN,
       "not shared with you"),
    /* shared with all: with all who may enter the Workspace; to the
     * others it is no more there than an object not shared with them */
    RW(RIA, ACT_WS_READ, S4, 0, NULL),
    RW(NED, ACT_WS_READ, S4 "/shares", 0, NULL),
    RW(VIEWER, ACT_WS_READ, S4, EN, NEED_WS),
    RW(VIEWER, ACT_WS_READ, S4 "/segment.ini", EN, NEED_WS),
    RW(LEAD, ACT_WS_READ, S4 "/used_by", EN, NEED_WS),
    RW(AUDITOR, ACT_WS_EDIT, S4 "/shares", EN, NEED_WS),
    RW(SYS, ACT_WS_EDIT, S4, EN, NEED_WS),
    /* a list that holds all is the product admins' to change; the rest
     * of the object is changed as any other */
    RW(MIA, ACT_WS_SHARE, S4 "/shares", EA,
       "shared with all: only product admins change this list"),
    RW(MIA, ACT_WS_EDIT, S4 "/segment.ini", 0, NULL),
    RW(MIA, ACT_WS_EDIT, S4, 0, NULL),
    RW(RIA, ACT_WS_SHARE, S4 "/shares", EA,
       "needs segment_creation (it is shared with you)"),
    RW(PA2, ACT_WS_SHARE, S4 "/shares", 0, NULL),
    RW(MIA, ACT_WS_SHARE, S2 "/shares", 0, NULL),
    RW(NED, ACT_WS_SHARE, S2 "/shares", EA,
       "needs segment_creation (you own it)"),
    RW(VIEWER, ACT_WS_SHARE, S4 "/shares", EN, NEED_WS),
    /* product admins: everything, everyone's */
    RW(PA2, ACT_WS_READ, S3, 0, NULL),
    RW(PA2, ACT_WS_EDIT, S3 "/shares", 0, NULL),
    RW(PA3, ACT_WS_ADMIN, S1 "/shares", 0, NULL),
    /* the owner may not do what only product admins do */
    RW(MIA, ACT_WS_ADMIN, S1 "/shares", EA, "needs role product admin"),
    /* projects: analysis_workspace makes them */
    RW(RIA, ACT_WS_CREATE, "/workspace/projects", 0, NULL),
    RW(LEAD, ACT_WS_CREATE, "/workspace/projects", EA, NEED_WS),
    RW(VIEWER, ACT_WS_CREATE, "/workspace/projects", EA, NEED_WS),
    /* the owner, holding it, changes, shares, curates */
    RW(MIA, ACT_WS_EDIT, P1 "/project.ini", 0, NULL),
    RW(MIA, ACT_WS_SHARE, P1 "/shares", 0, NULL),
    RW(MIA, ACT_WS_EDIT, P1, 0, NULL),
    /* an owner without analysis_workspace has no Workspace */
    RW(VIEWER, ACT_WS_READ, P2, EN, NEED_WS),
    RW(VIEWER, ACT_WS_CURATE, P2 "/project.ini", EN, NEED_WS),
    /* view, directly and through a group: reads only */
    RW(RIA, ACT_WS_READ, P1 "/project.ini", 0, NULL),
    RW(RIA, ACT_WS_READ, P1 "/components", 0, NULL),
    RW(RIA, ACT_WS_EDIT, P1 "/project.ini", EA,
       "it is shared with you to view (role edit changes it)"),
    RW(RIA, ACT_WS_EDIT, P1, EA,
       "it is shared with you to view (role edit changes it)"),
    RW(ANALYST, ACT_WS_READ, P1, 0, NULL),
    RW(ANALYST_SUPP, ACT_WS_EDIT, P1 "/project.ini", EA,
       "it is shared with you to view (role edit changes it)"),
    RW(NOGROUP, ACT_WS_READ, P1, EN, NEED_WS),
    /* edit: changes, renames, deletes; the owner's keys are not its */
    RW(NED, ACT_WS_EDIT, P1 "/project.ini", 0, NULL),
    RW(NED, ACT_WS_EDIT, P1, 0, NULL),
    RW(NED, ACT_WS_SHARE, P1 "/shares", EA,
       "only its owner and product admins change this"),
    RW(NED, ACT_WS_CURATE, P1 "/project.ini", EA,
       "only its owner and product admins change this"),
    RW(RIA, ACT_WS_SHARE, P1 "/shares", EA,
       "only its owner and product admins change this"),
    /* not shared: not there */
    RW(LEAD, ACT_WS_READ, P1, EN, NEED_WS),
    RW(PA2, ACT_WS_SHARE, P2 "/shares", 0, NULL),
    /* the link: a login with analysis_workspace, while require_login */
    RW(VIEWER, ACT_LINK_READ, "/links/TOKEN", EN,
       "needs a profile with analysis_workspace: the link requires a "
       "login"),
    RW(UNMAPPED, ACT_LINK_READ, "/links/TOKEN/panels", EN, NEED_MAPPED),
    RW(RIA, ACT_LINK_READ, "/links/TOKEN/panels", 0, NULL),
    /* a panel's table: the project and its view with analysis_workspace
     * (the panel's facts give the project's view when it names none) */
    RW(MIA, ACT_WS_PANEL, P1 "/panels/t.csv", EA,
       "needs role product admin or a profile granting data view web with "
       "analysis_workspace"),
    RW(ANALYST, ACT_WS_PANEL, P1 "/panels/t.csv", 0, NULL),
    RW(NOGROUP, ACT_WS_PANEL, P1 "/panels/t.csv", EN, NULL),
    RW(PA2, ACT_WS_PANEL, P2 "/panels/t.csv", 0, NULL),
    RW(ANALYST, ACT_WS_PANEL, P2 "/panels/t.csv", EN, NULL),
    /* slides: a panel reader who also holds data_storytelling on the
     * project's view */
    RW(ANALYST, ACT_WS_SLIDES, P1 "/slides.html", EA,
       "needs role product admin or a profile granting data view web with "
       "analysis_workspace and data_storytelling"),
    RW(RIA, ACT_LINK_READ, "/links/0123456789abcdef0123456789abcdef", EN,
       "no such link"),
    RW(UNMAPPED, ACT_LINKS_SEE, "/links", EN, NEED_MAPPED),
};

static void check_row(const struct prow *r)
{
	struct obj_ref ref;
	struct buf why = BUF_INIT;
	int want = r->known && !strict ? r->now : r->want;
	int rc, rc2;

	make_ref(r->obj, r->sandbox, &ref);
	ref.grant = r->grant;
	rc = policy_check(pol, &who[r->who], r->act, &ref, &why);
	ck_assert_msg(rc == want, "%s %s %s%s%s: got %d, want %d%s (why: %s)",
		      whos[r->who].name, action_names[r->act], r->obj,
		      r->sandbox ? " sandbox " : "",
		      r->sandbox ? r->sandbox : "", rc, want,
		      r->known ? (strict ? " (known bug)"
					 : " (known bug fixed? SPEC says "
					   "the other answer: update the row)")
			       : "",
		      why.data ? why.data : "");
	/* the answer does not depend on asking why */
	rc2 = policy_check(pol, &who[r->who], r->act, &ref, NULL);
	ck_assert_int_eq(rc2, rc);
	if (!rc)
		ck_assert_msg(why.len == 0, "%s %s %s: allowed with why '%s'",
			      whos[r->who].name, action_names[r->act], r->obj,
			      why.data);
	else
		ck_assert_msg(why.len > 0, "%s %s %s: denied without why",
			      whos[r->who].name, action_names[r->act], r->obj);
	if (r->why && rc)
		ck_assert_str_eq(why.data, r->why);
	buf_release(&why);
}

START_TEST(test_matrix)
{
	check_row(&matrix[_i]);
}
END_TEST

START_TEST(test_details)
{
	check_row(&details[_i]);
}
END_TEST

/* The matrix covers every identity and every action. */
START_TEST(test_matrix_complete)
{
	int seen[NWHO][ACT_COUNT];
	size_t i;
	int w, a;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < NELEM(matrix); i++)
		seen[matrix[i].who][matrix[i].act]++;
	for (w = 0; w < NWHO; w++)
		for (a = 0; a < ACT_COUNT; a++)
			ck_assert_msg(seen[w][a] == 1, "%s %s: %d rows",
				      whos[w].name, action_names[a],
				      seen[w][a]);
}
END_TEST

/* --- callers -------------------------------------------------------------- */

#define CONN_BITS                                                              \
	((1u << PERM_VIEW_SCHEMAS) | (1u << PERM_MANAGE_SCHEMAS) |             \
	 (1u << PERM_VIEW_DATASETS) | (1u << PERM_MANAGE_DATASETS) |           \
	 (1u << PERM_MANAGE_SOURCES) | (1u << PERM_VIEW_IDENTITY_NAMESPACES))

static const struct {
	enum who who;
	const char *login;
	unsigned roles;
	uint32_t perms;
	uint32_t tools;
	const char *member_of; /* profile names, ", "-joined */
	const char *admin_of;
	const char *platform_of;
	const char *views;
	const char *sandboxes;
} callers[] = {
    {UNMAPPED, NULL, 0, 0, 0, "", "", "", "", ""},
    {SYS, "sys@example.com", ROLE_SYSTEM_ADMIN, 0, 0, "", "", "", "", ""},
    {PA, "pa@example.com", ROLE_PRODUCT_ADMIN, CONN_BITS, 0, "", "", "full",
     "all", "prod"},
    {PA2, "pa2@example.com", ROLE_PRODUCT_ADMIN, 0, 0, "", "", "", "all", ""},
    {PA3, "pa3@example.com", ROLE_PRODUCT_ADMIN,
     CONN_BITS & ~(1u << PERM_MANAGE_SOURCES), 0, "", "", "partial", "all",
     "prod"},
    {LEAD, "lead@example.com", ROLE_PROFILE_ADMIN, 0, 0, "", "thirdparty", "",
     "", ""},
    {ANALYST, "analyst@example.com", ROLE_USER, 0,
     1u << TOOL_ANALYSIS_WORKSPACE, "thirdparty", "", "", "web", ""},
    {ANALYST_SUPP, "analyst@example.com", ROLE_USER, 0,
     1u << TOOL_ANALYSIS_WORKSPACE, "thirdparty", "", "", "web", ""},
    {NOGROUP, "analyst@example.com", 0, 0, 0, "", "", "", "", ""},
    {VIEWER, "viewer@example.com", ROLE_USER, 0, 1u << TOOL_FULL_TABLE_EXPORT,
     "exporters", "", "", "all", ""},
    {AUDITOR, "auditor@example.com", ROLE_USER, 0, 1u << TOOL_AUDIT_LOGS_ACCESS,
     "auditors", "", "", "", ""},
    {MIA, "mia@example.com", ROLE_USER, 1u << PERM_MANAGE_SEGMENTS,
     (1u << TOOL_ANALYSIS_WORKSPACE) | (1u << TOOL_SEGMENT_CREATION) |
	 (1u << TOOL_CALCULATED_METRICS_CREATION) |
	 (1u << TOOL_ANNOTATION_CREATION) | (1u << TOOL_AUDIENCE_CREATION) |
	 (1u << TOOL_SHARE_PROJECT_LINKS),
     "creators", "", "segs", "", "prod"},
    {RIA, "ria@example.com", ROLE_USER, 0, 1u << TOOL_ANALYSIS_WORKSPACE,
     "readers", "", "", "", ""},
};

static void join_names(struct buf *out, const struct caller *c, const int *idx,
		       int n,
		       const char *(*name)(const struct policy_db *, int))
{
	int i;

	buf_add(out, "", 0);
	for (i = 0; i < n; i++)
		buf_printf(out, "%s%s", i ? ", " : "", name(c->db, idx[i]));
}

START_TEST(test_resolve)
{
	const struct caller *c = &who[callers[_i].who];
	struct buf b = BUF_INIT;

	if (callers[_i].login)
		ck_assert_str_eq(c->login, callers[_i].login);
	else
		ck_assert_ptr_null(c->login);
	ck_assert_uint_eq(c->roles, callers[_i].roles);
	ck_assert_uint_eq(c->perms, callers[_i].perms);
	ck_assert_uint_eq(c->tools, callers[_i].tools);
	join_names(&b, c, c->member_of, c->nmember_of, policy_profile_name);
	ck_assert_str_eq(b.data, callers[_i].member_of);
	buf_reset(&b);
	join_names(&b, c, c->admin_of, c->nadmin_of, policy_profile_name);
	ck_assert_str_eq(b.data, callers[_i].admin_of);
	buf_reset(&b);
	join_names(&b, c, c->platform_of, c->nplatform_of,
		   policy_platform_name);
	ck_assert_str_eq(b.data, callers[_i].platform_of);
	if (c->login) {
		buf_reset(&b);
		buf_add(&b, "", 0);
		ck_assert_int_eq(policy_caller_views(c, &b), 0);
		ck_assert_str_eq(b.data, callers[_i].views);
		buf_reset(&b);
		buf_add(&b, "", 0);
		ck_assert_int_eq(policy_caller_sandboxes(c, &b), 0);
		ck_assert_str_eq(b.data, callers[_i].sandboxes);
	}
	buf_release(&b);
}
END_TEST

/* The analyst listed directly and through its group is one membership. */
START_TEST(test_resolve_dedup)
{
	struct caller c;

	use_model();
	model_write(PA, TP "/members", "group:Analysts\nanalyst@example.com\n");
	use_policy();
	ck_assert_int_eq(policy_caller(pol, &ids[ANALYST], &c), 0);
	ck_assert_int_eq(c.nmember_of, 1);
	ck_assert_int_eq(c.roles, ROLE_USER);
	caller_release(&c);
	/* and the group alone no longer matters for nogroup */
	ck_assert_int_eq(policy_caller(pol, &ids[NOGROUP], &c), 0);
	ck_assert_int_eq(c.nmember_of, 1);
	caller_release(&c);
}
END_TEST

/* Root is not special: uid 0 unmapped is an unmapped caller. */
START_TEST(test_root_unmapped)
{
	struct caller_id id;
	struct caller c;
	struct obj_ref ref;
	struct buf why = BUF_INIT;

	memset(&id, 0, sizeof(id));
	id.pid = getpid();
	ck_assert_int_eq(policy_caller(pol, &id, &c), 0);
	ck_assert_ptr_null(c.login);
	ck_assert_uint_eq(c.roles, 0);
	make_ref("/admin", NULL, &ref);
	ck_assert_int_eq(policy_check(pol, &c, ACT_ADMIN_SEE, &ref, &why),
			 -ENOENT);
	ck_assert_str_eq(why.data, NEED_MAPPED);
	make_ref("/whoami", NULL, &ref);
	ck_assert_int_eq(policy_check(pol, &c, ACT_PUBLIC, &ref, NULL), 0);
	caller_release(&c);
	buf_release(&why);
}
END_TEST

/* /admin/users: a login resolved as if its Unix user called. */
START_TEST(test_caller_login)
{
	struct caller c;
	struct buf b = BUF_INIT;

	ck_assert_int_eq(policy_caller_login(pol, "pa@example.com", &c), 0);
	ck_assert_str_eq(c.login, "pa@example.com");
	ck_assert_uint_eq(c.roles, ROLE_PRODUCT_ADMIN);
	ck_assert_uint_eq(c.perms, CONN_BITS);
	caller_release(&c);
	ck_assert_int_eq(policy_caller_login(pol, "sys@example.com", &c), 0);
	ck_assert_uint_eq(c.roles, ROLE_SYSTEM_ADMIN);
	caller_release(&c);
	/* no Unix user: its direct grants only */
	ck_assert_int_eq(policy_caller_login(pol, "ghost@example.com", &c), 0);
	ck_assert_str_eq(c.login, "ghost@example.com");
	ck_assert_uint_eq(c.roles, 0);
	ck_assert_int_eq(c.nmember_of, 0);
	caller_release(&c);

	ck_assert_int_eq(policy_logins(pol, &b), 0);
	ck_assert_str_eq(b.data, "analyst@example.com\n"
				 "auditor@example.com\n"
				 "lead2@example.com\n"
				 "lead@example.com\n"
				 "mia@example.com\n"
				 "ned@example.com\n"
				 "pa2@example.com\n"
				 "pa3@example.com\n"
				 "pa@example.com\n"
				 "ria@example.com\n"
				 "sys@example.com\n"
				 "viewer@example.com\n");
	/* policy_has_login() agrees with the list, name by name */
	for (char *line = b.data, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		ck_assert_msg(policy_has_login(pol, line) == 1, "%s", line);
	}
	ck_assert_int_eq(policy_has_login(pol, "ghost@example.com"), 0);
	ck_assert_int_eq(policy_has_login(pol, "group:Analysts"), 0);
	ck_assert_int_eq(policy_has_login(pol, "pa@example.co"), 0);
	ck_assert_int_eq(policy_has_login(pol, "pa@example.comm"), 0);
	ck_assert_int_eq(policy_has_login(pol, ""), 0);
	buf_release(&b);
}
END_TEST

/* --- journey_optimizer ---------------------------------------------------- */

START_TEST(test_journeys)
{
	struct obj_ref conns, dvs;
	struct buf why = BUF_INIT;

	use_policy();
	make_ref("/connections", NULL, &conns);
	make_ref("/dataviews", NULL, &dvs);
	ck_assert_int_eq(
	    policy_check(pol, &who[PA], ACT_CONN_MANAGE, &conns, NULL), 0);

	/* a journey_optimizer connection exists: the four journeys
	 * permissions join the list */
	store_set("m:jo", "1");
	ck_assert_int_eq(
	    policy_check(pol, &who[PA], ACT_CONN_MANAGE, &conns, &why),
	    -EACCES);
	ck_assert_str_eq(why.data,
			 "needs platform permissions " JOURNEY_PERMS_TEXT);
	buf_reset(&why);
	ck_assert_int_eq(policy_check(pol, &who[PA], ACT_DV_MANAGE, &dvs, &why),
			 -EACCES);
	ck_assert_str_eq(why.data,
			 "needs platform permissions " JOURNEY_PERMS_TEXT);
	buf_reset(&why);
	ck_assert_int_eq(
	    policy_check(pol, &who[PA3], ACT_CONN_MANAGE, &conns, &why),
	    -EACCES);
	ck_assert_str_eq(
	    why.data,
	    "needs platform permissions manage_sources, " JOURNEY_PERMS_TEXT);
	buf_reset(&why);
	/* the rest of the matrix does not move */
	ck_assert_int_eq(
	    policy_check(pol, &who[PA], ACT_CONN_READ, &conns, NULL), 0);

	/* none left */
	store_set("m:jo", "0");
	ck_assert_int_eq(
	    policy_check(pol, &who[PA], ACT_CONN_MANAGE, &conns, NULL), 0);
	store_set("m:jo", "2");
	ck_assert_int_eq(
	    policy_check(pol, &who[PA], ACT_CONN_MANAGE, &conns, NULL),
	    -EACCES);

	/* a platform profile with the journeys permissions fixes it */
	use_model();
	model_mkdir_as(SYS, "/admin/platform", "journeys", 0);
	model_write(SYS, "/admin/platform/journeys/platform.ini",
		    "[platform]\npermissions = " JOURNEY_PERMS_TEXT "\n");
	model_write(SYS, "/admin/platform/journeys/members",
		    "pa@example.com\n");
	use_policy();
	ck_assert_int_eq(
	    policy_check(pol, &who[PA], ACT_CONN_MANAGE, &conns, &why), 0);
	ck_assert_uint_eq(why.len, 0);
	ck_assert_int_eq(policy_check(pol, &who[PA], ACT_DV_MANAGE, &dvs, NULL),
			 0);
	/* pa3 still lacks manage_sources and the journeys */
	ck_assert_int_eq(
	    policy_check(pol, &who[PA3], ACT_CONN_MANAGE, &conns, NULL),
	    -EACCES);
	buf_release(&why);
}
END_TEST

/* The sandbox of an existing connection comes from its connection.ini. */
START_TEST(test_connection_sandbox)
{
	struct obj_ref c1;
	struct rec r = REC_INIT;
	struct buf val = BUF_INIT, why = BUF_INIT;
	static const char ini[] = "[connection]\nname = c1\ndescription = \n"
				  "sandbox = dev\ndata_window_months = 13\n";

	use_policy();
	ck_assert_int_eq(rec_sets(&r, "connection.ini", ini), 0);
	ck_assert_int_eq(rec_encode(&r, &val), 0);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_put(st, "o:/connections/c1", val.data, val.len),
			 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	make_ref("conn:c1", NULL, &c1);
	ck_assert_int_eq(
	    policy_check(pol, &who[PA], ACT_CONN_MANAGE, &c1, &why), -EACCES);
	ck_assert_str_eq(why.data,
			 "needs sandbox dev through a platform profile");
	/* a change asking for prod is judged on prod */
	c1.sandbox = "prod";
	ck_assert_int_eq(
	    policy_check(pol, &who[PA], ACT_CONN_MANAGE, &c1, NULL), 0);
	/* a connection with no record: any sandbox of its platform will do */
	make_ref("conn:c2", NULL, &c1);
	ck_assert_int_eq(
	    policy_check(pol, &who[PA], ACT_CONN_MANAGE, &c1, NULL), 0);
	rec_release(&r);
	buf_release(&val);
	buf_release(&why);
}
END_TEST

/* --- refresh -------------------------------------------------------------- */

/* Rewrite o:/admin's product-admins directly in the store. */
static void store_set_product_admins(const char *text)
{
	struct rec r = REC_INIT;
	struct buf val = BUF_INIT;

	ck_assert_int_eq(store_get(st, "o:/admin", &val), 0);
	ck_assert_int_eq(rec_decode(&r, val.data, val.len), 0);
	ck_assert_int_eq(rec_sets(&r, "product-admins", text), 0);
	buf_reset(&val);
	ck_assert_int_eq(rec_encode(&r, &val), 0);
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_put(st, "o:/admin", val.data, val.len), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	rec_release(&r);
	buf_release(&val);
}

START_TEST(test_refresh)
{
	const struct policy_db *db;
	struct caller c;
	struct obj_ref pas;

	use_policy();
	make_ref("/admin/product-admins", NULL, &pas);
	ck_assert_uint_eq(who[PA].roles, ROLE_PRODUCT_ADMIN);
	db = who[PA].db;

	/* a change outside /admin keeps the snapshot */
	store_set("m:jo", "0");
	ck_assert_int_eq(policy_refresh(pol), 0);
	ck_assert_int_eq(policy_caller(pol, &ids[PA], &c), 0);
	ck_assert_ptr_eq(c.db, db);
	caller_release(&c);

	/* a change under /admin rebuilds it */
	store_set_product_admins("pa2@example.com\npa3@example.com\n");
	ck_assert_int_eq(policy_refresh(pol), 0);
	resolve_all();
	ck_assert_ptr_ne(who[PA].db, db);
	ck_assert_uint_eq(who[PA].roles, 0);
	ck_assert_uint_eq(who[PA2].roles, ROLE_PRODUCT_ADMIN);
	ck_assert_int_eq(
	    policy_check(pol, &who[PA], ACT_ADMIN_READ, &pas, NULL), -EACCES);
	/* its platform profile is still its own */
	ck_assert_uint_eq(who[PA].perms, CONN_BITS);

	/* and through the model API, as the system admin */
	store_set_product_admins("pa@example.com\n");
	use_model();
	model_write(SYS, "/admin/product-admins", "pa3@example.com\n");
	use_policy();
	ck_assert_uint_eq(who[PA].roles, 0);
	ck_assert_uint_eq(who[PA2].roles, 0);
	ck_assert_uint_eq(who[PA3].roles, ROLE_PRODUCT_ADMIN);
}
END_TEST

/* The model's own policy follows a change made through the model. */
START_TEST(test_refresh_model)
{
	struct obj_ref ref;
	struct mstat sb;
	struct buf b = BUF_INIT;

	use_model();
	make_ref("/admin/product-admins", NULL, &ref);
	ck_assert_int_eq(model_getattr(m, &ids[PA], &ref, &sb), 0);
	ck_assert_uint_eq(sb.perm, 4);
	ck_assert_int_eq(model_read(PA, "/whoami", &b), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "\nproduct_admin = true\n"));

	model_write(SYS, "/admin/product-admins", "pa2@example.com\n");
	ck_assert_int_eq(model_getattr(m, &ids[PA], &ref, &sb), 0);
	ck_assert_uint_eq(sb.perm, 0);
	ck_assert_int_eq(model_read(PA, "/whoami", &b), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "\nproduct_admin = false\n"));
	ck_assert_int_eq(model_read(PA, "/admin/product-admins", &b), -EACCES);
	buf_release(&b);
}
END_TEST

/* --- the model ------------------------------------------------------------ */

/* 5, and 2 (mkdir) once the kind table has the connection kind */
#define PERM_CONN_DIR 0100

struct srow {
	enum who who;
	const char *path;
	int rc;
	unsigned perm;
};

static const struct srow stats[] = {
    {SYS, "/admin/product-admins", 0, 6},
    {PA, "/admin/product-admins", 0, 4},
    {LEAD, "/admin/product-admins", 0, 0},
    {ANALYST, "/admin/product-admins", 0, 0},
    {UNMAPPED, "/admin/product-admins", -ENOENT, 0},
    {SYS, "/admin/sandboxes", 0, 6},
    {PA, "/admin/sandboxes", 0, 4},
    {SYS, "/admin/profiles", 0, 5},
    {PA, "/admin/profiles", 0, 7},
    {LEAD, "/admin/profiles", 0, 5},
    {ANALYST, "/admin/profiles", 0, 0},
    {SYS, "/admin/platform", 0, 7},
    {PA, "/admin/platform", 0, 5},
    {LEAD, "/admin/platform", 0, 0},
    {SYS, "/admin/platform/full/platform.ini", 0, 6},
    {PA, "/admin/platform/full/platform.ini", 0, 4},
    {LEAD, "/admin/platform/full/platform.ini", -ENOENT, 0},
    {ANALYST, "/admin/platform/full", -ENOENT, 0},
    {SYS, TP "/members", 0, 4},
    {PA, TP "/members", 0, 6},
    {LEAD, TP "/members", 0, 6},
    {ANALYST, TP "/members", -ENOENT, 0},
    {SYS, TP "/admins", 0, 4},
    {PA, TP "/admins", 0, 6},
    {LEAD, TP "/admins", 0, 4},
    {LEAD, TP "/profile.ini", 0, 6},
    {LEAD, TP, 0, 5},
    {LEAD, "/admin/profiles/exporters", -ENOENT, 0},
    {LEAD, "/admin/profiles/exporters/profile.ini", -ENOENT, 0},
    {PA, "/admin/users/lead@example.com", 0, 4},
    {LEAD, "/admin/users/lead@example.com", -ENOENT, 0},
    {PA, "/connections", 0, PERM_CONN_DIR},
    {PA2, "/connections", 0, 5},
    {SYS, "/connections", 0, 0},
    {PA, "/audit/log", 0, 4},
    {AUDITOR, "/audit/log", 0, 4},
    {SYS, "/audit/log", 0, 0},
    {ANALYST, "/audit/log", 0, 0},
    {UNMAPPED, "/", 0, 5},
    {UNMAPPED, "/README", 0, 4},
    {UNMAPPED, "/whoami", 0, 4},
    {UNMAPPED, "/errors", -ENOENT, 0},
    {UNMAPPED, "/admin", -ENOENT, 0},
    {NOGROUP, "/errors", 0, 4},
    {VIEWER, "/dataviews", 0, 5},
    /* the Workspace: owner bits are what the caller may do */
    {MIA, "/workspace/segments", 0, 7},
    {RIA, "/workspace/segments", 0, 5},
    {RIA, "/workspace/date-ranges", 0, 7},
    {LEAD, "/workspace", 0, 0},
    {MIA, S1 "/segment.ini", 0, 6},
    {MIA, S1 "/shares", 0, 6},
    {MIA, S1 "/used_by", 0, 4},
    {RIA, S1 "/segment.ini", 0, 4},
    {ANALYST, S1 "/shares", 0, 4},
    {NED, S2 "/segment.ini", 0, 4},
    {MIA, S2 "/segment.ini", 0, 6},
    {PA2, S3 "/shares", 0, 6},
    {MIA, S3, -ENOENT, 0},
    {MIA, S3 "/segment.ini", -ENOENT, 0},
    {VIEWER, S1, -ENOENT, 0},
    /* shared with all, but not with those who may not enter the
     * Workspace: as hidden as an object not shared with them, and
     * everything in it (lookup agrees with readdir) */
    {RIA, S4, 0, 5},
    {RIA, S4 "/segment.ini", 0, 4},
    {VIEWER, S4, -ENOENT, 0},
    {VIEWER, S4 "/segment.ini", -ENOENT, 0},
    {VIEWER, S4 "/shares", -ENOENT, 0},
    {VIEWER, S4 "/used_by", -ENOENT, 0},
    {LEAD, S4, -ENOENT, 0},
    {LEAD, S4 "/shares", -ENOENT, 0},
    {NOGROUP, S4 "/segment.ini", -ENOENT, 0},
    {SYS, S4, -ENOENT, 0},
    /* its shares are the product admins' to change: no w where the
     * write would be refused */
    {MIA, S4 "/shares", 0, 4},
    {MIA, S4 "/segment.ini", 0, 6},
    {PA2, S4 "/shares", 0, 6},
    {PA, "/admin/transfer", 0, 6},
    {SYS, "/admin/transfer", 0, 4},
    {LEAD, "/admin/transfer", 0, 0},
};

START_TEST(test_getattr)
{
	const struct srow *r = &stats[_i];
	unsigned want = r->perm;
	struct obj_ref ref;
	struct mstat sb;
	int rc;

	if (want == PERM_CONN_DIR)
		want = kind_named_child(KIND_CONNECTIONS) < 0 ? 5 : 7;

	use_model();
	make_ref(r->path, NULL, &ref);
	rc = model_getattr(m, &ids[r->who], &ref, &sb);
	ck_assert_msg(rc == r->rc, "getattr %s as %s: %d, want %d", r->path,
		      whos[r->who].name, rc, r->rc);
	if (!rc)
		ck_assert_msg(sb.perm == want,
			      "getattr %s as %s: perm %o, want %o", r->path,
			      whos[r->who].name, sb.perm, want);
}
END_TEST

struct arow {
	enum who who;
	const char *path;
	int mask;
	int rc;
};

static const struct arow accesses[] = {
    {SYS, "/admin/product-admins", R_OK | W_OK, 0},
    {PA, "/admin/product-admins", R_OK, 0},
    {PA, "/admin/product-admins", W_OK, -EACCES},
    {LEAD, "/admin/product-admins", F_OK, 0},
    {LEAD, "/admin/product-admins", R_OK, -EACCES},
    {LEAD, TP "/members", R_OK | W_OK, 0},
    {LEAD, TP "/admins", W_OK, -EACCES},
    {LEAD, "/admin/profiles/exporters/members", F_OK, -ENOENT},
    {LEAD, "/admin/profiles", W_OK, -EACCES},
    {PA, "/admin/profiles", R_OK | W_OK | X_OK, 0},
    {AUDITOR, "/audit/log", R_OK, 0},
    {ANALYST, "/audit/log", R_OK, -EACCES},
    {UNMAPPED, "/README", R_OK, 0},
    {UNMAPPED, "/README", W_OK, -EACCES},
    {UNMAPPED, "/errors", F_OK, -ENOENT},
    {UNMAPPED, "/connections", F_OK, -ENOENT},
    {MIA, S1 "/segment.ini", R_OK | W_OK, 0},
    {RIA, S1 "/segment.ini", R_OK, 0},
    {RIA, S1 "/segment.ini", W_OK, -EACCES},
    {NED, S2 "/shares", W_OK, -EACCES},
    {NED, S1, F_OK, -ENOENT},
    {PA3, S3 "/shares", W_OK, 0},
    {MIA, S4 "/shares", W_OK, -EACCES},
    {MIA, S4 "/shares", R_OK, 0},
};

START_TEST(test_access)
{
	const struct arow *r = &accesses[_i];
	struct obj_ref ref;
	int rc;

	use_model();
	make_ref(r->path, NULL, &ref);
	rc = model_access(m, &ids[r->who], &ref, r->mask);
	ck_assert_msg(rc == r->rc, "access %s %d as %s: %d, want %d", r->path,
		      r->mask, whos[r->who].name, rc, r->rc);
}
END_TEST

/* Entries of dir as w, one per line; returns readdir's rc. */
static int list_dir(enum who w, const char *path, struct buf *out)
{
	struct model_dirent *ents = NULL;
	struct obj_ref ref;
	size_t n = 0, i;
	int rc;

	buf_reset(out);
	buf_add(out, "", 0);
	make_ref(path, NULL, &ref);
	rc = model_readdir(m, &ids[w], &ref, &ents, &n);
	if (rc)
		return rc;
	for (i = 0; i < n; i++)
		buf_printf(out, "%s%s\n", ents[i].name,
			   ents[i].is_dir ? "/" : "");
	model_dirents_free(ents, n);
	return 0;
}

static const struct {
	enum who who;
	const char *path;
	int rc;
	const char *ents;
} listings[] = {
    {LEAD, "/admin/profiles", 0, "thirdparty/\n"},
    {PA, "/admin/profiles", 0,
     "auditors/\ncreators/\nexporters/\npartners/\nreaders/\nthirdparty/\n"},
    {SYS, "/admin/profiles", 0,
     "auditors/\ncreators/\nexporters/\npartners/\nreaders/\nthirdparty/\n"},
    {ANALYST, "/admin/profiles", -EACCES, ""},
    {UNMAPPED, "/admin/profiles", -ENOENT, ""},
    /* fixed names are known to every mapped caller */
    {LEAD, "/admin", 0,
     "product-admins\nsandboxes\nbackup\nreporting-activity\ntransfer\n"
     "profiles/\nplatform/\nusers/\n"},
    {LEAD, "/admin/platform", -EACCES, ""},
    {PA, "/admin/platform", 0, "full/\npartial/\nsegs/\n"},
    {UNMAPPED, "/", 0, "README\nwhoami\n"},
    {ANALYST, "/", 0,
     "README\nwhoami\nerrors\nconnections/\ndataviews/\nadmin/\naudit/\n"
     "workspace/\nlinks/\n"},
    /* each caller lists what it may see, and nothing else */
    {MIA, "/workspace/segments", 0, "s1/\ns2/\ns4/\n"},
    {NED, "/workspace/segments", 0, "s2/\ns3/\ns4/\n"},
    {RIA, "/workspace/segments", 0, "s1/\ns4/\n"},
    {ANALYST, "/workspace/segments", 0, "s1/\ns4/\n"},
    {NOGROUP, "/workspace/segments", -EACCES, ""},
    /* no analysis_workspace: the Workspace is closed, s4 (shared with
     * all) with it */
    {VIEWER, "/workspace/segments", -EACCES, ""},
    {PA2, "/workspace/segments", 0, "s1/\ns2/\ns3/\ns4/\n"},
    {LEAD, "/workspace", -EACCES, ""},
    {UNMAPPED, "/workspace", -ENOENT, ""},
    {RIA, "/workspace", 0,
     "segments/\ncalculated-metrics/\ndate-ranges/\nannotations/\n"
     "audiences/\nprojects/\n"},
    {RIA, S1, 0, "segment.ini\nshares\nused_by\n"},
    {LEAD, TP, 0, "profile.ini\nmembers\nadmins\n"},
};

START_TEST(test_readdir)
{
	struct buf b = BUF_INIT;
	int rc;

	use_model();
	rc = list_dir(listings[_i].who, listings[_i].path, &b);
	ck_assert_msg(rc == listings[_i].rc, "readdir %s as %s: %d, want %d",
		      listings[_i].path, whos[listings[_i].who].name, rc,
		      listings[_i].rc);
	ck_assert_str_eq(b.data, listings[_i].ents);
	buf_release(&b);
}
END_TEST

/* Everything w can see: path, mode, size, mtime and content of each file
 * (but /audit/log and /errors, which record attempts by design). */
static void dump_dir(enum who w, const char *path, struct buf *out)
{
	struct model_dirent *ents = NULL;
	struct obj_ref dir;
	struct buf content = BUF_INIT;
	size_t n = 0, i;

	make_ref(path, NULL, &dir);
	if (model_readdir(m, &ids[w], &dir, &ents, &n)) {
		buf_printf(out, "%s: unreadable\n", path);
		return;
	}
	for (i = 0; i < n; i++) {
		char child[PATH_MAX];
		struct obj_ref ref;
		struct mstat sb;

		FMT(child, "%s%s%s", strcmp(path, "/") ? path : "", "/",
		    ents[i].name);
		if (!strcmp(child, "/audit/log") || !strcmp(child, "/errors"))
			continue;
		make_ref(child, NULL, &ref);
		ck_assert_int_eq(model_getattr(m, &ids[w], &ref, &sb), 0);
		buf_printf(out, "%s %o %llu %lld\n", child, sb.perm,
			   (unsigned long long)sb.size, (long long)sb.mtime);
		if (sb.is_dir) {
			dump_dir(w, child, out);
			continue;
		}
		if (!(sb.perm & 4))
			continue;
		/* an audience without a home view has no people to read */
		if (!strcmp(ents[i].name, "people.csv") &&
		    model_read(w, child, &content) == -EINVAL) {
			buf_printf(out, "{EINVAL}\n");
			continue;
		}
		ck_assert_int_eq(model_read(w, child, &content), 0);
		buf_printf(out, "{%s}\n", content.data);
	}
	model_dirents_free(ents, n);
	buf_release(&content);
}

static void dump(struct buf *out)
{
	buf_reset(out);
	buf_add(out, "", 0);
	dump_dir(SYS, "/", out);
	dump_dir(PA, "/", out);
}

struct kv {
	char *key;
	char *val;
	size_t len;
};

struct kvs {
	struct kv *v;
	size_t n;
};

static int kv_each(const char *key, const void *val, size_t len, void *arg)
{
	struct kvs *kv = arg;

	if (!strncmp(key, "a:", 2))
		return 0; /* the audit log */
	kv->v = realloc(kv->v, (kv->n + 1) * sizeof(*kv->v));
	ck_assert_ptr_nonnull(kv->v);
	kv->v[kv->n].key = strdup(key);
	kv->v[kv->n].val = malloc(len + 1);
	ck_assert_ptr_nonnull(kv->v[kv->n].val);
	memcpy(kv->v[kv->n].val, val, len);
	kv->v[kv->n].len = len;
	kv->n++;
	return 0;
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

/* Every store record but the audit log's, sorted by key, as bytes. */
static void raw_dump(struct buf *out)
{
	struct kvs kv = {NULL, 0};
	size_t i;

	use_policy();
	ck_assert_int_eq(store_each(st, "", kv_each, &kv), 0);
	qsort(kv.v, kv.n, sizeof(*kv.v), kv_cmp);
	buf_reset(out);
	buf_add(out, "", 0);
	for (i = 0; i < kv.n; i++) {
		buf_printf(out, "%s=%zu:", kv.v[i].key, kv.v[i].len);
		buf_add(out, kv.v[i].val, kv.v[i].len);
		buf_addch(out, '\n');
		free(kv.v[i].key);
		free(kv.v[i].val);
	}
	free(kv.v);
	use_model();
}

static const char *last_line(const struct buf *b)
{
	const char *p = b->data + b->len;

	ck_assert_uint_gt(b->len, 1);
	for (p -= 2; p > b->data && p[-1] != '\n'; p--)
		;
	return p;
}

/* Dumps are too long for a Check message: on a difference, name the
 * first line that differs. */
static void same_dump(const char *what, const struct buf *a,
		      const struct buf *b)
{
	size_t i = 0, line = 0;
	const char *nl;

	if (a->len == b->len && !memcmp(a->data, b->data, a->len))
		return;
	while (i < a->len && i < b->len && a->data[i] == b->data[i])
		i++;
	while (line < i && a->data[i - line - 1] != '\n')
		line++;
	i -= line;
	nl = strchr(a->data + i, '\n');
	ck_abort_msg("%s dump differs at: before '%.*s' after '%.*s'", what,
		     (int)(nl ? nl - a->data - i : 80), a->data + i,
		     (int)(strcspn(b->data + i, "\n") > 200
			       ? 200
			       : strcspn(b->data + i, "\n")),
		     b->data + i);
}

/* Denied mkdir, rmdir and writes change nothing but the audit log. */
START_TEST(test_denied_unchanged)
{
	static const struct {
		enum who who;
		const char *dir;
		const char *name;
		int rc;
	} mkdirs[] = {
	    {LEAD, "/admin/profiles", "newp", -EACCES},
	    {LEAD, "/admin/profiles", "thirdparty", -EACCES},
	    {LEAD, "/admin/profiles", "exporters", -EACCES},
	    {SYS, "/admin/profiles", "newp", -EACCES},
	    {ANALYST, "/admin/profiles", "newp", -EACCES},
	    {UNMAPPED, "/admin/profiles", "newp", -ENOENT},
	    {PA, "/admin/platform", "newpl", -EACCES},
	    {PA2, "/admin/platform", "newpl", -EACCES},
	    {LEAD, "/admin/profiles/exporters", "x", -ENOENT},
	};
	struct buf before = BUF_INIT, after = BUF_INIT;
	struct buf raw_before = BUF_INIT, raw_after = BUF_INIT;
	struct buf log = BUF_INIT;
	struct obj_ref profiles;
	size_t i;

	use_model();
	raw_dump(&raw_before);
	dump(&before);
	ck_assert_ptr_nonnull(strstr(before.data, TP "/members 6"));

	for (i = 0; i < NELEM(mkdirs); i++)
		model_mkdir_as(mkdirs[i].who, mkdirs[i].dir, mkdirs[i].name,
			       mkdirs[i].rc);
	make_ref("/admin/profiles", NULL, &profiles);
	ck_assert_int_eq(model_rmdir(m, &ids[LEAD], &profiles, "thirdparty"),
			 -EACCES);
	ck_assert_int_eq(model_rmdir(m, &ids[LEAD], &profiles, "exporters"),
			 -ENOENT);
	ck_assert_int_eq(model_rmdir(m, &ids[SYS], &profiles, "auditors"),
			 -EACCES);
	model_write_rc(PA, "/admin/product-admins", "pa@example.com\n",
		       -EACCES);
	model_write_rc(LEAD, TP "/admins", "lead@example.com\nx@y\n", -EACCES);
	model_write_rc(LEAD, "/admin/profiles/exporters/members", "", -ENOENT);

	/* the last denial is audited, with its reason */
	ck_assert_int_eq(model_read(PA, "/audit/log", &log), 0);
	ck_assert_ptr_nonnull(strstr(
	    last_line(&log), "\tlead@example.com\twrite\t/admin/profiles/"
			     "exporters/members\tdenied\tneeds role "
			     "system admin, product admin or admin of "
			     "profile exporters\n"));
	ck_assert_ptr_nonnull(strstr(log.data,
				     "\tlead@example.com\tmkdir\t/admin/"
				     "profiles/newp\tdenied\tneeds role "
				     "product admin\n"));

	/* the denied callers' /errors say so */
	ck_assert_int_eq(model_read(SYS, "/errors", &log), 0);
	ck_assert_ptr_nonnull(strstr(log.data, " /admin/profiles/auditors: "
					       "rmdir: denied: needs role "
					       "product admin\n"));
	ck_assert_ptr_nonnull(strstr(log.data, " /admin/profiles/newp: "
					       "mkdir: denied: needs role "
					       "product admin\n"));
	ck_assert_int_eq(model_read(PA, "/errors", &log), 0);
	ck_assert_ptr_nonnull(strstr(log.data, " /admin/product-admins: "
					       "write: denied: needs role "
					       "system admin\n"));

	dump(&after);
	same_dump("files", &before, &after);
	raw_dump(&raw_after);
	same_dump("store", &raw_before, &raw_after);
	buf_release(&before);
	buf_release(&after);
	buf_release(&raw_before);
	buf_release(&raw_after);
	buf_release(&log);
}
END_TEST

/* A rejected profile.ini: EINVAL at flush, nothing stored, /errors says
 * why, to that caller only. */
START_TEST(test_rejected_write)
{
	struct buf before = BUF_INIT, b = BUF_INIT;
	const char *line;

	use_model();
	ck_assert_int_eq(model_read(LEAD, TP "/profile.ini", &before), 0);
	model_write_rc(LEAD, TP "/profile.ini",
		       "[data_views]\nviews = web\nbogus = 1\n", -EINVAL);
	ck_assert_int_eq(model_read(LEAD, TP "/profile.ini", &b), 0);
	ck_assert_str_eq(b.data, before.data);

	ck_assert_int_eq(model_read(LEAD, "/errors", &b), 0);
	/* "TIME PATH:LINE: message", TIME = 2024-01-01T00:00:00Z */
	ck_assert_uint_gt(b.len, 21);
	ck_assert_int_eq(b.data[10], 'T');
	ck_assert_int_eq(b.data[19], 'Z');
	ck_assert_int_eq(b.data[20], ' ');
	ck_assert_str_eq(b.data + 21, TP "/profile.ini:3: unknown key 'bogus' "
					 "in [data_views]\n");
	/* one line, and nobody else's */
	ck_assert_int_eq(model_read(PA, "/errors", &b), 0);
	ck_assert_str_eq(b.data, "");

	/* a second rejection comes first */
	model_write_rc(LEAD, TP "/profile.ini",
		       "[data_views]\nauto_include = "
		       "maybe\n",
		       -EINVAL);
	ck_assert_int_eq(model_read(LEAD, "/errors", &b), 0);
	line = strchr(b.data, '\n');
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(strstr(b.data, "profile.ini:2: auto_include "
					     "must be true or false\n"));
	ck_assert_ptr_nonnull(strstr(line + 1, "unknown key 'bogus'"));
	/* a good write still works */
	model_write(LEAD, TP "/profile.ini",
		    "[data_views]\nviews = web, app\n");
	ck_assert_int_eq(model_read(ANALYST, "/whoami", &b), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "\ndata_views = app, web\n"));
	buf_release(&before);
	buf_release(&b);
}
END_TEST

/* Connections, once the kind table has them: who may create one, and
 * the why SPEC §2 gives as its example. */
START_TEST(test_connections_gate)
{
	static const struct {
		enum who who;
		int rc;
	} mkdirs[] = {
	    {PA2, -EACCES},  {PA3, -EACCES},	 {SYS, -EACCES},
	    {LEAD, -EACCES}, {ANALYST, -EACCES}, {UNMAPPED, -ENOENT},
	    {PA, 0},
	};
	struct obj_ref conns, ref;
	struct mstat sb;
	struct buf b = BUF_INIT;
	size_t i;

	if (kind_named_child(KIND_CONNECTIONS) < 0)
		return; /* not yet */
	use_model();
	make_ref("/connections", NULL, &conns);
	for (i = 0; i < NELEM(mkdirs); i++)
		model_mkdir_as(mkdirs[i].who, "/connections", "c1",
			       mkdirs[i].rc);
	ck_assert_int_eq(model_read(PA3, "/errors", &b), 0);
	ck_assert_ptr_nonnull(strstr(b.data, " /connections/c1: mkdir: denied: "
					     "needs platform permission "
					     "manage_sources\n"));
	ck_assert_int_eq(model_read(PA2, "/errors", &b), 0);
	ck_assert_ptr_nonnull(strstr(b.data,
				     " /connections/c1: mkdir: denied: " NEED_CONN
				     "; " NEED_SANDBOX "\n"));

	buf_reset(&b);
	make_ref("/connections/c1/connection.ini", NULL, &ref);
	ck_assert_int_eq(model_why(m, &ids[PA3], &ref, &b), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "\nread: allowed\nwrite: denied: "
					     "needs platform permission "
					     "manage_sources\n"));
	ck_assert_int_eq(model_getattr(m, &ids[PA], &ref, &sb), 0);
	ck_assert_uint_eq(sb.perm, 6);
	ck_assert_int_eq(model_getattr(m, &ids[PA3], &ref, &sb), 0);
	ck_assert_uint_eq(sb.perm, 4);
	/* only product admins know the name */
	ck_assert_int_eq(model_getattr(m, &ids[LEAD], &ref, &sb), -ENOENT);
	ck_assert_int_eq(model_getattr(m, &ids[LEAD], &conns, &sb), 0);
	ck_assert_uint_eq(sb.perm, 0);
	ck_assert_int_eq(list_dir(LEAD, "/connections", &b), -EACCES);
	ck_assert_int_eq(list_dir(PA2, "/connections", &b), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "c1/\n"));

	/* created in pa's one sandbox; elsewhere is refused */
	use_policy();
	make_ref("conn:c1", NULL, &ref);
	ck_assert_int_eq(
	    policy_check(pol, &who[PA], ACT_CONN_MANAGE, &ref, NULL), 0);
	ref.sandbox = "dev";
	buf_reset(&b);
	ck_assert_int_eq(policy_check(pol, &who[PA], ACT_CONN_MANAGE, &ref, &b),
			 -EACCES);
	ck_assert_str_eq(b.data,
			 "needs sandbox dev through a platform profile");
	buf_release(&b);
}
END_TEST

/* A deleted profile takes its grants along; a new one of the same name
 * starts empty. */
START_TEST(test_profile_grants_die)
{
	struct obj_ref profiles, ref;
	struct mstat sb;
	struct buf b = BUF_INIT;

	use_model();
	make_ref("/admin/profiles", NULL, &profiles);
	ck_assert_int_eq(model_rmdir(m, &ids[PA], &profiles, "thirdparty"), 0);
	ck_assert_int_eq(model_getattr(m, &ids[LEAD], &profiles, &sb), 0);
	ck_assert_uint_eq(sb.perm, 0);
	ck_assert_int_eq(model_read(ANALYST, "/whoami", &b), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "\nmember_of = \n"));

	model_mkdir_as(PA, "/admin/profiles", "thirdparty", 0);
	make_ref(TP, NULL, &ref);
	ck_assert_int_eq(model_getattr(m, &ids[LEAD], &ref, &sb), -ENOENT);
	ck_assert_int_eq(model_read(ANALYST, "/whoami", &b), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "\nmember_of = \n"));
	ck_assert_int_eq(model_read(PA, TP "/members", &b), 0);
	ck_assert_str_eq(b.data, "");
	buf_release(&b);
}
END_TEST

/* user.cjafs.why lines for a few places. */
/*
 * Writes of profile.ini judged against [delegation] (SPEC §3.5): each
 * row starts from the world's thirdparty, whose admins may grant web and
 * app and analysis_workspace.  Only what a write turns on is judged; a
 * refused write changes nothing and names what is not delegated.
 */
#define TP_INI                                                                 \
	"[data_views]\nviews = web\n"                                          \
	"[reporting_tools]\nanalysis_workspace = true\n"                       \
	"[delegation]\nviews = web, app\n"                                     \
	"tools = analysis_workspace\nedit_views = web\n"
#define TP_DELEGATION                                                          \
	"[delegation]\nviews = app, web\ntools = analysis_workspace\n"         \
	"auto_include = false\nedit_views = web\n"
static const struct {
	enum who who;
	const char *text;
	int want;
	const char *expect; /* refused: /errors says; allowed: stored has */
} dwrites[] = {
    /* what is delegated, and what a product admin set, kept */
    {LEAD, "[data_views]\nviews = web, app\n[reporting_tools]\n"
	   "analysis_workspace = true\n",
     0, "views = app, web\n"},
    /* turning off is always allowed; [delegation] left out is kept */
    {LEAD, "[data_views]\nviews =\n", 0,
     "analysis_workspace = false\n"},
    {LEAD, "[data_views]\nviews =\n", 0, TP_DELEGATION},
    {LEAD, TP_INI, 0, TP_DELEGATION},
    /* the attack, step by step */
    {LEAD, "[data_views]\nviews = web\nauto_include = true\n", -EACCES,
     TP "/profile.ini:3: auto_include" NOT_DELEGATED "\n"},
    {LEAD, "[data_views]\nviews = web, shop\n", -EACCES,
     TP "/profile.ini:2: data view shop" NOT_DELEGATED "\n"},
    {LEAD, "[reporting_tools]\nanalysis_workspace = true\nlabs = true\n",
     -EACCES, TP "/profile.ini:3: tool labs" NOT_DELEGATED "\n"},
    {LEAD, "[data_views]\nviews = web\n[data_view_tools]\n"
	   "full_table_export = true\n",
     -EACCES, TP "/profile.ini:4: tool full_table_export" NOT_DELEGATED "\n"},
    {LEAD, "[delegation]\ntools = full_table_export\n", -EACCES,
     TP "/profile.ini:2: [delegation] tools: needs role product admin to "
	"change [delegation]\n"},
    {LEAD, "[delegation]\nedit_views =\n", -EACCES,
     TP "/profile.ini:2: [delegation] edit_views: needs role product admin "
	"to change [delegation]\n"},
    {LEAD, "[delegation]\nauto_include = true\n", -EACCES, NULL},
    /* a product admin changes anything, [delegation] too */
    {PA, "[data_views]\nauto_include = true\n[delegation]\n"
	 "tools = labs\n",
     0, "[delegation]\nviews = \ntools = labs\n"},
    {PA2, "[data_views]\nviews = web\n", 0,
     "[delegation]\nviews = \ntools = \nauto_include = false\n"
     "edit_views = \n"},
};

START_TEST(test_delegation_writes)
{
	struct buf before = BUF_INIT, b = BUF_INIT;
	int w = dwrites[_i].who;

	use_model();
	model_write(PA, TP "/profile.ini", TP_INI);
	ck_assert_int_eq(model_read(PA, TP "/profile.ini", &before), 0);
	model_write_rc(w, TP "/profile.ini", dwrites[_i].text,
		       dwrites[_i].want);
	ck_assert_int_eq(model_read(PA, TP "/profile.ini", &b), 0);
	if (dwrites[_i].want) {
		ck_assert_str_eq(b.data, before.data);
		ck_assert_int_eq(model_read(w, "/errors", &b), 0);
		ck_assert_uint_gt(b.len, 21);
		if (dwrites[_i].expect)
			ck_assert_str_eq(b.data + 21, dwrites[_i].expect);
	} else {
		ck_assert_msg(strstr(b.data, dwrites[_i].expect),
			      "'%s' not in\n%s", dwrites[_i].expect, b.data);
	}
	buf_release(&before);
	buf_release(&b);
}
END_TEST

/* What [delegation] says reaches the gate through the snapshot: taking
 * edit_views back takes the view away from the profile's admins. */
START_TEST(test_delegation_refresh)
{
	struct obj_ref ref;

	make_ref("dv:web", NULL, &ref);
	use_policy();
	ck_assert_int_eq(policy_check(pol, &who[LEAD], ACT_DV_EDIT, &ref, NULL),
			 0);
	use_model();
	model_write(PA, TP "/profile.ini",
		    "[data_views]\nviews = web\n[delegation]\nviews = web\n");
	use_policy();
	ck_assert_int_eq(policy_check(pol, &who[LEAD], ACT_DV_EDIT, &ref, NULL),
			 -EACCES);
	/* and the admin of a profile that does not grant it gets nothing
	 * from listing it in edit_views */
	use_model();
	model_write(PA, TP "/profile.ini",
		    "[data_views]\nviews = app\n[delegation]\n"
		    "edit_views = web\n");
	use_policy();
	ck_assert_int_eq(policy_check(pol, &who[LEAD], ACT_DV_EDIT, &ref, NULL),
			 -ENOENT);
}
END_TEST

START_TEST(test_why)
{
	static const struct {
		enum who who;
		const char *path;
		int rc;
		const char *text;
	} whys[] = {
	    {PA, "/admin/platform/full/platform.ini", 0,
	     "path: /admin/platform/full/platform.ini\n"
	     "login: pa@example.com\n"
	     "read: allowed\n"
	     "write: denied: needs role system admin\n"},
	    {LEAD, TP "/admins", 0,
	     "path: " TP "/admins\n"
	     "login: lead@example.com\n"
	     "read: allowed\n"
	     "write: denied: needs role product admin\n"},
	    {LEAD, "/admin/profiles", 0,
	     "path: /admin/profiles\n"
	     "login: lead@example.com\n"
	     "list: allowed\n"
	     "mkdir: denied: needs role product admin\n"},
	    {LEAD, "/admin/profiles/exporters", -ENOENT, ""},
	    {LEAD, TP "/profile.ini", 0,
	     "path: " TP "/profile.ini\n"
	     "login: lead@example.com\n"
	     "read: allowed\n"
	     "write: allowed\n"
	     "write [delegation]: denied: needs role product admin to change "
	     "[delegation]\n"
	     "turn on: only what [delegation] lists (views = app, web; "
	     "tools = analysis_workspace; auto_include = false); turning "
	     "off and keeping are allowed\n"},
	    {PA, TP "/profile.ini", 0,
	     "path: " TP "/profile.ini\n"
	     "login: pa@example.com\n"
	     "read: allowed\n"
	     "write: allowed\n"
	     "write [delegation]: allowed\n"
	     "turn on: anything\n"},
	    {SYS, TP "/profile.ini", 0,
	     "path: " TP "/profile.ini\n"
	     "login: sys@example.com\n"
	     "read: allowed\n"
	     "write: denied: needs role product admin or admin of profile "
	     "thirdparty\n"},
	    {ANALYST, "/audit/log", 0,
	     "path: /audit/log\n"
	     "login: analyst@example.com\n"
	     "read: denied: needs role product admin or a profile with "
	     "audit_logs_access\n"
	     "write: denied: read-only file\n"},
	    /* shares: what a write may add depends on the text; the rest is
	     * the gate's, as the write's */
	    {MIA, S1 "/shares", 0,
	     "path: " S1 "/shares\n"
	     "login: mia@example.com\n"
	     "read: allowed\n"
	     "write: allowed\n"
	     "share with all: denied: needs role product admin\n"
	     "add: logins the configuration maps, and groups you belong to; "
	     "removing and keeping are allowed\n"
	     "delete: allowed\n"},
	    {MIA, S4 "/shares", 0,
	     "path: " S4 "/shares\n"
	     "login: mia@example.com\n"
	     "read: allowed\n"
	     "write: denied: shared with all: only product admins change "
	     "this list\n"
	     "delete: allowed\n"},
	    {PA2, S4 "/shares", 0,
	     "path: " S4 "/shares\n"
	     "login: pa2@example.com\n"
	     "read: allowed\n"
	     "write: allowed\n"
	     "share with all: allowed\n"
	     "delete: allowed\n"},
	    {VIEWER, S4 "/shares", -ENOENT, ""},
	};
	struct obj_ref ref;
	struct buf b = BUF_INIT;
	size_t i;

	use_model();
	for (i = 0; i < NELEM(whys); i++) {
		buf_reset(&b);
		buf_add(&b, "", 0);
		make_ref(whys[i].path, NULL, &ref);
		ck_assert_int_eq(model_why(m, &ids[whys[i].who], &ref, &b),
				 whys[i].rc);
		if (!whys[i].rc)
			ck_assert_str_eq(b.data, whys[i].text);
	}
	buf_release(&b);
}
END_TEST

/* --- the Workspace as the model applies it (SPEC §7) -------------------- */

static int rename_as(enum who w, const char *dir, const char *from,
		     const char *to)
{
	struct obj_ref d, a, b;

	make_ref(dir, NULL, &d);
	return model_rename(m, &ids[w], &d, from, &d, to, 0, &a, &b);
}

static int rmdir_as(enum who w, const char *dir, const char *name)
{
	struct obj_ref d;

	make_ref(dir, NULL, &d);
	return model_rmdir(m, &ids[w], &d, name);
}

static void audit_has(const char *line)
{
	struct buf log = BUF_INIT;

	ck_assert_int_eq(model_read(PA, "/audit/log", &log), 0);
	ck_assert_msg(strstr(log.data, line) != NULL, "audit: no '%s' in\n%s",
		      line, log.len > 2000 ? log.data + log.len - 2000 : log.data);
	buf_release(&log);
}

/* user.cjafs.why of path as w holds text. */
static void why_has(enum who w, const char *path, const char *text)
{
	struct obj_ref ref;
	struct buf b = BUF_INIT;

	make_ref(path, NULL, &ref);
	ck_assert_int_eq(model_why(m, &ids[w], &ref, &b), 0);
	ck_assert_msg(b.data && strstr(b.data, text), "why %s as %s: no '%s' "
		      "in\n%s", path, whos[w].name, text, b.data);
	buf_release(&b);
}

/* Every denied Workspace change changes nothing and leaves its line. */
START_TEST(test_ws_denied_unchanged)
{
	struct buf before = BUF_INIT, after = BUF_INIT, e = BUF_INIT;

	use_model();
	raw_dump(&before);
	model_write_rc(RIA, S1 "/segment.ini", "[segment]\ndescription = x\n",
		       -EACCES);
	model_write_rc(RIA, S1 "/shares", "user:ned@example.com\n", -EACCES);
	ck_assert_int_eq(rmdir_as(RIA, "/workspace/segments", "s1"), -EACCES);
	ck_assert_int_eq(rename_as(RIA, "/workspace/segments", "s1", "s9"),
			 -EACCES);
	/* an owner that lost (or never had) P */
	model_write_rc(NED, S2 "/segment.ini", "[segment]\ntags = a\n",
		       -EACCES);
	ck_assert_int_eq(rmdir_as(NED, "/workspace/segments", "s2"), -EACCES);
	/* what it may not see is not there; its name is taken all the same */
	ck_assert_int_eq(rmdir_as(MIA, "/workspace/segments", "s3"), -ENOENT);
	model_write_rc(MIA, S3 "/shares", "user:mia@example.com\n", -ENOENT);
	model_mkdir_as(MIA, "/workspace/segments", "s3", -EEXIST);
	/* a rename onto a taken name says only that it is taken, hidden
	 * (s3) or not (s2), as mkdir does; to one who may not rename, not
	 * even that */
	ck_assert_int_eq(rename_as(MIA, "/workspace/segments", "s1", "s3"),
			 -EEXIST);
	ck_assert_int_eq(rename_as(MIA, "/workspace/segments", "s1", "s2"),
			 -EEXIST);
	ck_assert_int_eq(rename_as(RIA, "/workspace/segments", "s1", "s3"),
			 -EACCES);
	/* no creation permission, no Workspace */
	model_mkdir_as(RIA, "/workspace/segments", "x", -EACCES);
	model_mkdir_as(NED, "/workspace/audiences", "x", -EACCES);
	model_mkdir_as(VIEWER, "/workspace/date-ranges", "x", -EACCES);
	model_mkdir_as(UNMAPPED, "/workspace/date-ranges", "x", -ENOENT);
	/* only product admins share with all, transfer, show an annotation
	 * everywhere (refused at write(2)) */
	model_write_rc(MIA, S1 "/shares", "all\n", -EACCES);
	model_write_rc(MIA, "/admin/transfer", "mia@example.com "
		       "ria@example.com\n", -EACCES);
	model_write_rc(LEAD, "/admin/transfer", "mia@example.com "
		       "ria@example.com\n", -EACCES);
	/* a different owner from anyone else is ignored: a no-op */
	model_write(MIA, S1 "/segment.ini", "[segment]\nowner = ria@example.com\n");
	ck_assert_int_eq(model_read(RIA, "/errors", &e), 0);
	ck_assert_ptr_nonnull(strstr(e.data, S1 "/segment.ini: write: denied: "
					     "needs segment_creation (it is "
					     "shared with you)\n"));
	raw_dump(&after);
	same_dump("store", &before, &after);

	audit_has("\tria@example.com\tchange\t" S1 "\tdenied\tsegment: needs "
		  "segment_creation (it is shared with you)\n");
	audit_has("\tria@example.com\tshare\t" S1 "\tdenied\tsegment: needs "
		  "segment_creation (it is shared with you)\n");
	audit_has("\tria@example.com\tdelete\t" S1 "\tdenied\tsegment: ");
	audit_has("\tned@example.com\tchange\t" S2 "\tdenied\tsegment: needs "
		  "segment_creation (you own it)\n");
	audit_has("\tned@example.com\tdelete\t" S2 "\tdenied\t");
	audit_has("\tria@example.com\tcreate\t/workspace/segments/x\tdenied\t"
		  "segment: needs segment_creation\n");
	audit_has("\tned@example.com\tcreate\t/workspace/audiences/x\tdenied\t"
		  "audience: needs audience_creation and platform permission "
		  "manage_segments\n");
	audit_has("\tmia@example.com\tshare\t" S1 "\tdenied\tsegment: all: "
		  "only product admins share with all\n");
	buf_release(&before);
	buf_release(&after);
	buf_release(&e);
}
END_TEST

/* What the owner, those it is shared with and product admins do. */
START_TEST(test_ws_allowed)
{
	struct buf b = BUF_INIT;

	use_model();
	/* mia may change s2, shared with it, and re-share it */
	model_write(MIA, S2 "/segment.ini",
		    "[segment]\ntags = b, a\napproved = true\n");
	ck_assert_int_eq(model_read(NED, S2 "/segment.ini", &b), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "\ntags = a, b\napproved = true\n"
					     "owner = ned@example.com\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "\nmodified_by = mia@example.com\n"));
	audit_has("\tmia@example.com\tapprove\t" S2 "\tok\tsegment: approved "
		  "true\n");
	audit_has("\tmia@example.com\tchange\t" S2 "\tok\tsegment\n");
	model_write(MIA, S2 "/shares", "user:mia@example.com\n"
		    "user:ria@example.com\n");
	audit_has("\tmia@example.com\tshare\t" S2 "\tok\tsegment: "
		  "user:mia@example.com user:ria@example.com\n");
	ck_assert_int_eq(model_read(RIA, S2 "/segment.ini", &b), 0);
	/* the same text again: nothing changes, nothing is audited */
	ck_assert_int_eq(model_read(MIA, S2 "/segment.ini", &b), 0);
	model_write(MIA, S2 "/segment.ini", b.data);

	/* a product admin shares with all: then every caller with the
	 * Workspace sees it, and the list is the product admins' */
	model_write(PA2, S3 "/shares", "all\n");
	audit_has("\tpa2@example.com\tshare\t" S3 "\tok\tsegment: all\n");
	ck_assert_int_eq(model_read(MIA, S3 "/segment.ini", &b), 0);
	model_write_rc(NED, S3 "/shares", "", -EACCES);

	/* a product admin transfers by writing owner */
	model_write(PA, S1 "/segment.ini", "[segment]\nowner = ned@example.com\n");
	audit_has("\tpa@example.com\ttransfer\t" S1 "\tok\tsegment: from "
		  "mia@example.com to ned@example.com\n");
	ck_assert_int_eq(model_read(MIA, S1 "/segment.ini", &b), -ENOENT);
	model_write_rc(PA, S1 "/segment.ini",
		       "[segment]\nowner = ghost@example.com\n", -EINVAL);

	/* mv within its directory, rmdir */
	ck_assert_int_eq(rename_as(MIA, "/workspace/segments", "s2", "s5"), 0);
	audit_has("\tmia@example.com\tchange\t/workspace/segments/s2\tok\t"
		  "segment: to /workspace/segments/s5\n");
	ck_assert_int_eq(model_read(NED, "/workspace/segments/s5/segment.ini",
				    &b), 0);
	ck_assert_int_eq(rmdir_as(MIA, "/workspace/segments", "s5"), 0);
	audit_has("\tmia@example.com\tdelete\t/workspace/segments/s5\tok\t"
		  "segment\n");
	model_mkdir_as(RIA, "/workspace/date-ranges", "d1", 0);
	audit_has("\tria@example.com\tcreate\t/workspace/date-ranges/d1\tok\t"
		  "date range\n");
	buf_release(&b);
}
END_TEST

/* Losing the creation permission: its objects stay readable, and stop
 * being changeable by it. */
START_TEST(test_ws_lost_permission)
{
	struct buf b = BUF_INIT;

	use_model();
	model_write(MIA, S1 "/segment.ini", "[segment]\ndescription = one\n");
	model_write(PA, "/admin/profiles/creators/profile.ini",
		    "[reporting_tools]\nanalysis_workspace = true\n");
	ck_assert_int_eq(model_read(MIA, S1 "/segment.ini", &b), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "description = one\n"));
	model_write_rc(MIA, S1 "/segment.ini", "[segment]\ndescription = two\n",
		       -EACCES);
	ck_assert_int_eq(rmdir_as(MIA, "/workspace/segments", "s1"), -EACCES);
	model_mkdir_as(MIA, "/workspace/segments", "s5", -EACCES);
	buf_release(&b);
}
END_TEST

/* References: used_by, EBUSY on delete and rename, what may be named. */
START_TEST(test_ws_references)
{
	struct buf b = BUF_INIT, e = BUF_INIT;

	use_model();
	model_mkdir_as(MIA, "/workspace/calculated-metrics", "m1", 0);
	/* s3 is ned's and private: mia may not name it */
	model_write_rc(MIA, "/workspace/calculated-metrics/m1/metric.ini",
		       "[metric]\nsegment = s3\n", -EINVAL);
	model_write_rc(MIA, "/workspace/calculated-metrics/m1/metric.ini",
		       "[metric]\nsegment = nope\n", -EINVAL);
	ck_assert_int_eq(model_read(MIA, "/errors", &e), 0);
	ck_assert_ptr_nonnull(strstr(e.data, "metric.ini: segment: no segment "
					     "'s3' that you can use\n"));
	model_write(MIA, "/workspace/calculated-metrics/m1/metric.ini",
		    "[metric]\nsegment = s1\nformula = (a + b) / 2\n");
	model_mkdir_as(MIA, "/workspace/audiences", "a1", 0);
	model_write(MIA, "/workspace/audiences/a1/audience.ini",
		    "[audience]\nsegments = s2, s1\n");
	ck_assert_int_eq(model_read(RIA, S1 "/used_by", &b), 0);
	ck_assert_str_eq(b.data, "# 2 more you cannot see\n");
	ck_assert_int_eq(model_read(MIA, S1 "/used_by", &b), 0);
	ck_assert_str_eq(b.data, "/workspace/audiences/a1\n"
				 "/workspace/calculated-metrics/m1\n");
	ck_assert_int_eq(rmdir_as(MIA, "/workspace/segments", "s1"), -EBUSY);
	ck_assert_int_eq(rename_as(MIA, "/workspace/segments", "s1", "s9"),
			 -EBUSY);
	/* user.cjafs.why says what rmdir and mv answer, not the gate's part */
	why_has(MIA, S1, "delete: refused: in use by /workspace/audiences/a1, "
		"/workspace/calculated-metrics/m1\nrename: refused: in use by "
		"/workspace/audiences/a1, /workspace/calculated-metrics/m1\n");
	why_has(MIA, S1 "/segment.ini", "delete: refused: in use by ");
	why_has(RIA, S1, "delete: denied: needs segment_creation (it is shared "
		"with you)\nrename: denied: needs segment_creation (it is "
		"shared with you)\n");
	why_has(RIA, S1 "/used_by", "delete: denied: needs segment_creation");
	why_has(PA, S2, "delete: refused: in use by /workspace/audiences/a1\n");
	ck_assert_int_eq(rmdir_as(PA, "/workspace/segments", "s2"), -EBUSY);
	ck_assert_int_eq(model_read(MIA, "/errors", &e), 0);
	ck_assert_ptr_nonnull(strstr(e.data, " " S1 ": in use by "
					     "/workspace/audiences/a1, "
					     "/workspace/calculated-metrics/m1"
					     "\n"));
	audit_has("\tmia@example.com\tdelete\t" S1 "\trejected\tsegment: in "
		  "use by ");
	/* the referrer moves: used_by follows; it lets go: used_by too */
	ck_assert_int_eq(rename_as(MIA, "/workspace/calculated-metrics", "m1",
				   "m2"), 0);
	ck_assert_int_eq(model_read(MIA, S1 "/used_by", &b), 0);
	ck_assert_str_eq(b.data, "/workspace/audiences/a1\n"
				 "/workspace/calculated-metrics/m2\n");
	model_write(MIA, "/workspace/audiences/a1/audience.ini",
		    "[audience]\nsegments = s2\n");
	ck_assert_int_eq(rmdir_as(MIA, "/workspace/calculated-metrics", "m2"),
			 0);
	ck_assert_int_eq(model_read(MIA, S1 "/used_by", &b), 0);
	ck_assert_str_eq(b.data, "");
	why_has(MIA, S1, "delete: allowed\nrename: allowed\n");
	ck_assert_int_eq(rename_as(MIA, "/workspace/segments", "s1", "s9"), 0);
	ck_assert_int_eq(rmdir_as(MIA, "/workspace/audiences", "a1"), 0);
	ck_assert_int_eq(model_read(NED, S2 "/used_by", &b), 0);
	ck_assert_str_eq(b.data, "");
	ck_assert_int_eq(rmdir_as(NED, "/workspace/segments", "s3"), -EACCES);
	ck_assert_int_eq(rmdir_as(PA, "/workspace/segments", "s3"), 0);
	buf_release(&b);
	buf_release(&e);
}
END_TEST

/* /admin/transfer moves every object of one login to another. */
START_TEST(test_ws_transfer)
{
	struct buf b = BUF_INIT;

	use_model();
	model_mkdir_as(MIA, "/workspace/annotations", "n1", 0);
	model_write_rc(PA, "/admin/transfer", "ned@example.com\n", -EINVAL);
	model_write_rc(PA, "/admin/transfer",
		       "ned@example.com ghost@example.com\n", -EINVAL);
	model_write(PA, "/admin/transfer", "ned@example.com mia@example.com\n");
	audit_has("\tpa@example.com\ttransfer\t" S2 "\tok\tsegment: from "
		  "ned@example.com to mia@example.com\n");
	audit_has("\tpa@example.com\ttransfer\t" S3 "\tok\tsegment: from "
		  "ned@example.com to mia@example.com\n");
	ck_assert_int_eq(model_read(MIA, S3 "/segment.ini", &b), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "\nowner = mia@example.com\n"));
	ck_assert_int_eq(model_read(NED, S3 "/segment.ini", &b), -ENOENT);
	model_write(PA, "/admin/transfer", "mia@example.com ria@example.com\n");
	ck_assert_int_eq(model_read(RIA, "/workspace/annotations/n1/"
				    "annotation.ini", &b), 0);
	/* what ria may not do with it: it lacks annotation_creation */
	model_write_rc(RIA, "/workspace/annotations/n1/annotation.ini",
		       "[annotation]\ncolor = red\n", -EACCES);
	buf_release(&b);
}
END_TEST

/* The kinds' own keys are checked for syntax (their meaning against the
 * home view is the definitions' own check). */
static const struct {
	const char *kind, *name, *file, *text;
	int want;
} ws_syntax[] = {
    {"segments", "s1", "segment.ini", "[segment]\ncontainer = visit\n",
     -EINVAL},
    {"segments", "s1", "segment.ini", "[segment]\nrule = page = (\n",
     -EINVAL},
    {"segments", "s1", "segment.ini",
     "[segment]\ncontainer = person\nexclude = true\nrule = page = home "
     "and not day = 2026-01-01\n",
     0},
    {"segments", "s1", "segment.ini", "[segment]\ndataview = web\n", -EINVAL},
    {"calculated-metrics", "m1", "metric.ini", "[metric]\nprecision = 11\n",
     -EINVAL},
    {"calculated-metrics", "m1", "metric.ini", "[metric]\nformula = (a\n",
     -EINVAL},
    {"calculated-metrics", "m1", "metric.ini", "[metric]\nformula = a; b\n",
     -EINVAL},
    {"calculated-metrics", "m1", "metric.ini",
     "[metric]\nformula = (revenue - 2.5) / people\nformat = percent\n"
     "precision = 0\n",
     0},
    {"date-ranges", "d1", "daterange.ini",
     "[date_range]\nstart = start-of-month-1m\nend = today\n", 0},
    {"date-ranges", "d1", "daterange.ini",
     "[date_range]\nstart = 2026-02-29\n", -EINVAL},
    {"date-ranges", "d1", "daterange.ini",
     "[date_range]\nstart = 2024-02-29\nend = 2024-03-01+2w\n", 0},
    {"date-ranges", "d1", "daterange.ini", "[date_range]\nend = today+\n",
     -EINVAL},
    {"date-ranges", "d1", "daterange.ini", "[date_range]\nend = yesterday\n",
     -EINVAL},
    {"annotations", "n1", "annotation.ini",
     "[annotation]\nstart = 2026-01-01\ncolor = teal\ntext = launch\n", 0},
    {"annotations", "n1", "annotation.ini", "[annotation]\ncolor = black\n",
     -EINVAL},
    {"annotations", "n1", "annotation.ini",
     "[annotation]\nall_dataviews = true\n", -EACCES},
    {"date-ranges", "d1", "daterange.ini",
     "[date_range]\nstart = TODAY - 7d\nend = today\n", 0},
    {"date-ranges", "d1", "daterange.ini",
     "[date_range]\nstart = 2026-03-01\nend = 2026-02-01\n", -EINVAL},
    {"annotations", "n1", "annotation.ini", "[annotation]\nstart = today\n",
     -EINVAL},
    {"annotations", "n1", "annotation.ini",
     "[annotation]\nstart = 2026-01-09\nend = 2026-01-01+1w\n", -EINVAL},
    {"annotations", "n1", "annotation.ini", "[annotation]\ntext = a\x01b\n",
     -EINVAL},
    {"calculated-metrics", "m1", "metric.ini",
     "[metric]\nformula = \"2024-revenue\" / 2\n", 0},
    {"audiences", "a1", "audience.ini", "[audience]\nmatch = some\n", -EINVAL},
    {"audiences", "a1", "audience.ini", "[audience]\nsegments = s1, s2\n", 0},
    {"audiences", "a1", "audience.ini", "[audience]\nowner = x\ncolor = red\n",
     -EINVAL},
};

START_TEST(test_ws_syntax)
{
	char dir[64], path[128];

	use_model();
	FMT(dir, "/workspace/%s", ws_syntax[_i].kind);
	if (strcmp(ws_syntax[_i].name, "s1"))
		model_mkdir_as(MIA, dir, ws_syntax[_i].name, 0);
	FMT(path, "%s/%s/%s", dir, ws_syntax[_i].name, ws_syntax[_i].file);
	model_write_rc(MIA, path, ws_syntax[_i].text, ws_syntax[_i].want);
}
END_TEST

/* A value's error names its column in the file's line, as a data view
 * filter's does (PATH:LINE: column N: KEY: message). */
START_TEST(test_ws_columns)
{
	struct buf e = BUF_INIT;

	use_model();
	model_mkdir_as(MIA, "/workspace/date-ranges", "d1", 0);
	model_write_rc(MIA, "/workspace/date-ranges/d1/daterange.ini",
		       "[date_range]\nstart =   today + 3q\n", -EINVAL);
	ck_assert_int_eq(model_read(MIA, "/errors", &e), 0);
	ck_assert_msg(strstr(e.data, "/workspace/date-ranges/d1/daterange.ini:"
				     "2: column 20: start: expected a unit "
				     "after 3: d, w, m or y\n"),
		      "%s", e.data);
	model_mkdir_as(MIA, "/workspace/calculated-metrics", "m1", 0);
	model_write_rc(MIA, "/workspace/calculated-metrics/m1/metric.ini",
		       "[metric]\ndescription = x\nformula = a ) b\n",
		       -EINVAL);
	ck_assert_int_eq(model_read(MIA, "/errors", &e), 0);
	ck_assert_msg(strstr(e.data, "metric.ini:3: column 13: formula: ')' "
				     "without '('\n"),
		      "%s", e.data);
	buf_release(&e);
}
END_TEST

/* Map n more logins (u0@example.com...), uids from 5000: the config is
 * the world's own, loaded again for the next test. */
static void map_more_users(int n)
{
	struct config_user *u;
	char login[64];
	int i;

	u = realloc(cfg.users, (cfg.nusers + (size_t)n) * sizeof(*u));
	ck_assert_ptr_nonnull(u);
	cfg.users = u;
	for (i = 0; i < n; i++) {
		FMT(login, "u%d@example.com", i);
		u[cfg.nusers].uid = (uid_t)(5000 + i);
		u[cfg.nusers].login = strdup(login);
		ck_assert_ptr_nonnull(u[cfg.nusers].login);
		cfg.nusers++;
	}
}

static void errors_has(enum who w, const char *text)
{
	struct buf e = BUF_INIT;

	ck_assert_int_eq(model_read(w, "/errors", &e), 0);
	ck_assert_msg(strstr(e.data, text), "no '%s' in /errors:\n%s", text,
		      e.data);
	buf_release(&e);
}

/* shares name principals a caller can be, at most WS_SHARES_MAX of them,
 * on lines of at most WS_SHARES_LINE_MAX bytes. */
START_TEST(test_ws_shares_bounds)
{
	struct buf text = BUF_INIT, b = BUF_INIT;
	char line[WS_SHARES_LINE_MAX + 3];	/* one byte too many, "\n" */
	int i;

	use_model();
	/* a login or group the configuration does not map: its column */
	model_write_rc(MIA, S1 "/shares",
		       "user:ria@example.com\nuser:ghost@example.com\n",
		       -EINVAL);
	errors_has(MIA, S1 "/shares:2: column 6: user: no login "
		   "'ghost@example.com' in the configuration ([users])\n");
	model_write_rc(MIA, S1 "/shares", "# who\n  group:Nobody\n", -EINVAL);
	errors_has(MIA, S1 "/shares:2: column 9: group: no group 'Nobody' in "
		   "the configuration ([groups])\n");
	/* product admins too: a name nobody can be would be kept for
	 * nobody */
	model_write_rc(PA2, S3 "/shares", "user:ghost@example.com\n", -EINVAL);
	errors_has(PA2, S3 "/shares:1: column 6: user: no login "
		   "'ghost@example.com'");
	/* unmapped logins known to the Admin Console are not callers */
	model_write(PA, TP "/members", "group:Analysts\nnomap@example.com\n");
	model_write_rc(PA2, S3 "/shares", "user:nomap@example.com\n",
		       -EINVAL);
	model_write(MIA, S1 "/shares", "user:ria@example.com\ngroup:Analysts\n"
		    "user:ned@example.com\n");

	/* lines */
	memset(line, ' ', sizeof(line) - 2);
	memcpy(line, "user:ned@example.com", 20);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';
	buf_printf(&text, "all\n%s", line);
	model_write_rc(PA2, S3 "/shares", text.data, -EINVAL);
	errors_has(PA2, S3 "/shares:2: a line of shares is at most 512 bytes\n");

	/* principals: 256 is the most */
	map_more_users(WS_SHARES_MAX + 1);
	buf_reset(&text);
	for (i = 0; i < WS_SHARES_MAX + 1; i++)
		buf_printf(&text, "user:u%d@example.com\n", i);
	model_write_rc(PA2, S3 "/shares", text.data, -EINVAL);
	errors_has(PA2, S3 "/shares: 257 principals: a list of shares holds "
		   "at most 256\n");
	/* the same text twice is one list of 256 */
	buf_reset(&text);
	for (i = 0; i < 2 * WS_SHARES_MAX; i++)
		buf_printf(&text, "user:u%d@example.com\n", i % WS_SHARES_MAX);
	model_write(PA2, S3 "/shares", text.data);
	ck_assert_int_eq(model_read(PA2, S3 "/shares", &b), 0);
	buf_reset(&text);
	for (i = 0; i < WS_SHARES_MAX; i++)
		buf_printf(&text, "user:u%d@example.com\n", i);
	ck_assert_uint_eq(b.len, text.len);
	buf_release(&text);
	buf_release(&b);
}
END_TEST

/* [limits] workspace_objects: what one login makes. */
/* The caller's answer to a stat of path (a link: its token in it). */
static int stat_as(enum who w, const char *path)
{
	struct obj_ref ref, dir, out;
	struct mstat sb;
	struct buf name = BUF_INIT;
	int rc;

	/* a lookup from the directory above, as the kernel makes it */
	make_ref(path, NULL, &ref);
	ck_assert_int_eq(obj_ref_parent(&ref, &dir), 0);
	ck_assert_int_eq(obj_ref_entry_name(&ref, &name), 0);
	rc = model_lookup(m, &ids[w], &dir, name.data, &out, &sb);
	buf_release(&name);
	return rc;
}

/* The token field of p1's project.ini as w reads it ("" for none). */
static void token_as(enum who w, char out[64])
{
	struct buf b = BUF_INIT;
	const char *t;

	ck_assert_int_eq(model_read(w, P1 "/project.ini", &b), 0);
	t = strstr(b.data, "\ntoken = ");
	ck_assert_ptr_nonnull(t);
	snprintf(out, 64, "%.*s", (int)strcspn(t + 9, "\n"), t + 9);
	buf_release(&b);
}

/* Projects: roles, curation, components, the token's readers, and the
 * link's revocation (disable, a change of owner, /admin/transfer). */
START_TEST(test_ws_projects)
{
	struct buf b = BUF_INIT, before = BUF_INIT;
	char t[64], t2[64];

	use_model();
	/* the token: the owner's and product admins' */
	token_as(MIA, t);
	ck_assert_str_eq(t, link_token);
	ck_assert_uint_eq(strlen(t), 32);
	token_as(PA2, t);
	ck_assert_str_eq(t, link_token);
	token_as(RIA, t);
	ck_assert_str_eq(t, "");
	token_as(NED, t);
	ck_assert_str_eq(t, "");
	audit_has("\tmia@example.com\tshare\t" P1 "\tok\tproject: link "
		  "enabled\n");
	ck_assert_int_eq(model_read(PA, "/audit/log", &b), 0);
	ck_assert_ptr_null(strstr(b.data, link_token));
	/* roles: ned (edit) changes it, ria (view) and Analysts do not */
	model_write(NED, P1 "/project.ini", "[project]\ndescription = ned\n"
		    "[link]\nenabled = true\n");
	ck_assert_int_eq(model_read(PA, P1 "/project.ini", &before), 0);
	model_write_rc(RIA, P1 "/project.ini", "[project]\ndescription = r\n",
		       -EACCES);
	model_write_rc(ANALYST, P1 "/project.ini", "[project]\n", -EACCES);
	/* ned may not touch the owner's keys, nor the shares */
	model_write_rc(NED, P1 "/project.ini", "[project]\ndescription = ned\n"
		       "[curation]\nenabled = true\n[link]\nenabled = true\n",
		       -EACCES);
	errors_has(NED, "[curation] enabled: denied: only its owner and "
		   "product admins change this");
	model_write_rc(NED, P1 "/project.ini", "[project]\ndescription = ned\n",
		       -EACCES);
	model_write_rc(NED, P1 "/shares", "user:ned@example.com edit\n",
		       -EACCES);
	ck_assert_int_eq(model_read(PA, P1 "/project.ini", &b), 0);
	ck_assert_str_eq(b.data, before.data);
	/* curation: a recipient sees the curated components it may use */
	ck_assert_int_eq(model_read(MIA, P1 "/components", &b), 0);
	ck_assert_str_eq(b.data, "segment s1\nsegment s2\nsegment s4\n");
	ck_assert_int_eq(model_read(RIA, P1 "/components", &b), 0);
	ck_assert_str_eq(b.data, "segment s1\nsegment s4\n");
	model_write_rc(MIA, P1 "/project.ini", "[project]\n[curation]\n"
		       "enabled = true\ncomponents = segment s3\n[link]\n"
		       "enabled = true\n", -EINVAL);
	model_write(MIA, P1 "/project.ini", "[project]\n[curation]\n"
		    "enabled = true\ncomponents = segment s2, segment s1\n"
		    "[link]\nenabled = true\n");
	ck_assert_int_eq(model_read(RIA, P1 "/components", &b), 0);
	ck_assert_str_eq(b.data, "segment s1\n");	/* s2 is not hers */
	ck_assert_int_eq(model_read(NED, P1 "/components", &b), 0);
	ck_assert_str_eq(b.data, "segment s2\n");
	ck_assert_int_eq(model_read(MIA, P1 "/components", &b), 0);
	ck_assert_str_eq(b.data, "segment s1\nsegment s2\nsegment s4\n");
	ck_assert_int_eq(model_read(MIA, S1 "/used_by", &b), 0);
	ck_assert_str_eq(b.data, P1 "\n");
	ck_assert_int_eq(rmdir_as(MIA, "/workspace/segments", "s1"), -EBUSY);
	/* the link: disabled, revoked; enabled again, a new token */
	ck_assert_int_eq(stat_as(RIA, "/links/TOKEN"), 0);
	ck_assert_int_eq(stat_as(VIEWER, "/links/TOKEN"), -ENOENT);
	audit_has("\tviewer@example.com\tlookup\t/links\tdenied\tlink (its "
		  "name withheld): needs a profile with analysis_workspace");
	model_write(MIA, P1 "/project.ini", "[project]\n[link]\n"
		    "enabled = false\n");
	ck_assert_int_eq(stat_as(RIA, "/links/TOKEN"), -ENOENT);
	ck_assert_int_eq(stat_as(PA, "/links/TOKEN"), -ENOENT);
	token_as(MIA, t);
	ck_assert_str_eq(t, "");
	model_write(MIA, P1 "/project.ini", "[project]\n[link]\n"
		    "enabled = true\n");
	token_as(MIA, t);
	ck_assert_str_ne(t, link_token);
	ck_assert_int_eq(stat_as(RIA, "/links/TOKEN"), -ENOENT);
	FMT(t2, "/links/%s/panels", t);
	ck_assert_int_eq(stat_as(RIA, t2), 0);
	/* a change of owner revokes it */
	model_write(PA, P1 "/project.ini", "[project]\nowner = ned@example.com\n"
		    "[link]\nenabled = true\n");
	ck_assert_int_eq(stat_as(RIA, t2), -ENOENT);
	token_as(PA, t);
	ck_assert_str_eq(t, "");
	/* and /admin/transfer */
	model_write(NED, P1 "/project.ini", "[project]\n");
	model_write_rc(NED, P1 "/project.ini", "[project]\n[link]\n"
		       "enabled = true\n", -EACCES);
	errors_has(NED, "needs share_project_links");
	model_write(PA, P1 "/project.ini", "[project]\n[link]\n"
		    "enabled = true\n");
	token_as(PA, t);
	FMT(t2, "/links/%s", t);
	ck_assert_int_eq(stat_as(RIA, t2), 0);
	model_write(PA, "/admin/transfer", "ned@example.com mia@example.com\n");
	ck_assert_int_eq(stat_as(RIA, t2), -ENOENT);
	audit_has("\tpa@example.com\tshare\t" P1 "\tok\tproject: link "
		  "disabled: transferred\n");
	/* /links lists nothing; a project's delete takes its link */
	model_write(MIA, P1 "/project.ini", "[project]\n[curation]\n"
		    "components = \n[link]\nenabled = true\n");
	token_as(MIA, t);
	FMT(t2, "/links/%s", t);
	ck_assert_int_eq(list_dir(PA, "/links", &b), 0);
	ck_assert_str_eq(b.data, "");
	ck_assert_int_eq(rmdir_as(MIA, "/workspace/projects", "p1"), 0);
	ck_assert_int_eq(stat_as(PA, t2), -ENOENT);
	buf_release(&b);
	buf_release(&before);
}
END_TEST

/* require_login = false: read by anyone while anonymous_links is on. */
START_TEST(test_link_anonymous)
{
	use_model();
	model_write_rc(MIA, P1 "/project.ini", "[project]\n[link]\n"
		       "enabled = true\nrequire_login = false\n", -EINVAL);
	cfg.anonymous_links = 1;
	ck_assert_int_eq(stat_as(UNMAPPED, "/links/TOKEN"), -ENOENT);
	model_write_rc(RIA, P1 "/project.ini", "[project]\n[link]\n"
		       "enabled = true\nrequire_login = false\n", -EACCES);
	model_write(MIA, P1 "/project.ini", "[project]\n[link]\n"
		    "enabled = true\nrequire_login = false\n");
	ck_assert_int_eq(stat_as(UNMAPPED, "/links/TOKEN/panels"), 0);
	ck_assert_int_eq(stat_as(VIEWER, "/links/TOKEN"), 0);
	ck_assert_int_eq(stat_as(UNMAPPED, "/links"), 0);
	ck_assert_int_eq(stat_as(UNMAPPED, "/workspace"), -ENOENT);
	ck_assert_int_eq(stat_as(UNMAPPED, P1), -ENOENT);
	ck_assert_int_eq(stat_as(UNMAPPED,
				 "/links/0123456789abcdef0123456789abcdef"),
			 -ENOENT);
	cfg.anonymous_links = 0;
	ck_assert_int_eq(stat_as(UNMAPPED, "/links/TOKEN"), -ENOENT);
	ck_assert_int_eq(stat_as(UNMAPPED, "/links"), -ENOENT);
	ck_assert_int_eq(stat_as(VIEWER, "/links/TOKEN"), -ENOENT);
	ck_assert_int_eq(stat_as(RIA, "/links/TOKEN"), 0);
}
END_TEST

START_TEST(test_ws_quota)
{
	struct buf b = BUF_INIT;

	use_model();
	/* mia owns s1, aud and p1 */
	cfg.ws_objects = 4;
	model_mkdir_as(MIA, "/workspace/annotations", "n1", 0);
	model_mkdir_as(MIA, "/workspace/date-ranges", "d1", -EDQUOT);
	errors_has(MIA, "/workspace/date-ranges/d1: you own 4 Workspace "
		   "objects, the most [limits] workspace_objects lets one "
		   "login make\n");
	audit_has("\tmia@example.com\tcreate\t/workspace/date-ranges/d1\t"
		  "rejected\tdate range: you own 4 Workspace objects");
	ck_assert_int_eq(model_read(MIA, "/workspace/date-ranges/d1/"
				    "daterange.ini", &b), -ENOENT);
	/* a delete makes room */
	ck_assert_int_eq(rmdir_as(MIA, "/workspace/annotations", "n1"), 0);
	model_mkdir_as(MIA, "/workspace/date-ranges", "d1", 0);
	/* others are counted apart: ned owns s2 and s3 */
	model_mkdir_as(RIA, "/workspace/date-ranges", "d2", 0);
	/* a product admin hands ned's to mia: past the bound, which is on
	 * what she makes */
	model_write(PA, "/admin/transfer", "ned@example.com mia@example.com\n");
	ck_assert_int_eq(rmdir_as(MIA, "/workspace/date-ranges", "d1"), 0);
	model_mkdir_as(MIA, "/workspace/date-ranges", "d1", -EDQUOT);
	errors_has(MIA, "you own 5 Workspace objects");
	/* and back, through owner */
	model_write(PA, S2 "/segment.ini", "[segment]\nowner = ned@example.com\n");
	model_write(PA, S3 "/segment.ini", "[segment]\nowner = ned@example.com\n");
	model_mkdir_as(MIA, "/workspace/date-ranges", "d1", 0);
	model_mkdir_as(MIA, "/workspace/date-ranges", "d3", -EDQUOT);
	/* a rename is no new object */
	ck_assert_int_eq(rename_as(MIA, "/workspace/date-ranges", "d1", "d4"),
			 0);
	/* 0: no bound */
	cfg.ws_objects = 0;
	model_mkdir_as(MIA, "/workspace/date-ranges", "d3", 0);
	ck_assert_int_eq(rmdir_as(MIA, "/workspace/date-ranges", "d3"), 0);
	cfg.ws_objects = 3;

	/* a store without the counts (made before them) is counted when
	 * opened */
	use_policy();
	ck_assert_int_eq(store_txn_begin(st), 0);
	ck_assert_int_eq(store_del(st, "m:ws"), 0);
	ck_assert_int_eq(store_del(st, "m:ws:mia@example.com"), 0);
	ck_assert_int_eq(store_del(st, "m:ws:ned@example.com"), 0);
	ck_assert_int_eq(store_del(st, "m:ws:pa@example.com"), 0);
	ck_assert_int_eq(store_del(st, "m:ws:ria@example.com"), 0);
	ck_assert_int_eq(store_del(st, "m:ws:viewer@example.com"), 0);
	ck_assert_int_eq(store_txn_commit(st), 0);
	use_model();
	model_mkdir_as(MIA, "/workspace/date-ranges", "d3", -EDQUOT);
	model_mkdir_as(NED, "/workspace/date-ranges", "d5", 0);
	model_mkdir_as(NED, "/workspace/date-ranges", "d6", -EDQUOT);
	errors_has(NED, "you own 3 Workspace objects");
	buf_release(&b);
}
END_TEST

/* --- suite ---------------------------------------------------------------- */

static TCase *tcase(Suite *s, const char *name, int shared_world)
{
	TCase *tc = tcase_create(name);

	if (shared_world) {
		tcase_add_unchecked_fixture(tc, world_setup, world_teardown);
		tcase_add_checked_fixture(tc, matrix_setup, matrix_teardown);
	} else {
		tcase_add_checked_fixture(tc, world_setup, world_teardown);
	}
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");

	tcase_add_loop_test(tcase(s, "matrix", 1), test_matrix, 0,
			    NELEM(matrix));
	tcase_add_test(tcase(s, "matrix_complete", 1), test_matrix_complete);
	tcase_add_loop_test(tcase(s, "details", 1), test_details, 0,
			    NELEM(details));
	tcase_add_loop_test(tcase(s, "resolve", 1), test_resolve, 0,
			    NELEM(callers));
	tcase_add_test(tcase(s, "resolve_dedup", 0), test_resolve_dedup);
	tcase_add_test(tcase(s, "root_unmapped", 1), test_root_unmapped);
	tcase_add_test(tcase(s, "caller_login", 1), test_caller_login);
	tcase_add_test(tcase(s, "journeys", 0), test_journeys);
	tcase_add_test(tcase(s, "connection_sandbox", 0),
		       test_connection_sandbox);
	tcase_add_test(tcase(s, "refresh", 0), test_refresh);
	tcase_add_test(tcase(s, "refresh_model", 0), test_refresh_model);
	tcase_add_loop_test(tcase(s, "getattr", 1), test_getattr, 0,
			    NELEM(stats));
	tcase_add_loop_test(tcase(s, "access", 1), test_access, 0,
			    NELEM(accesses));
	tcase_add_loop_test(tcase(s, "readdir", 1), test_readdir, 0,
			    NELEM(listings));
	tcase_add_test(tcase(s, "denied_unchanged", 0), test_denied_unchanged);
	tcase_add_test(tcase(s, "rejected_write", 0), test_rejected_write);
	tcase_add_test(tcase(s, "connections_gate", 0), test_connections_gate);
	tcase_add_test(tcase(s, "profile_grants_die", 0),
		       test_profile_grants_die);
	tcase_add_test(tcase(s, "why", 0), test_why);
	tcase_add_loop_test(tcase(s, "delegation_writes", 0),
			    test_delegation_writes, 0, NELEM(dwrites));
	tcase_add_test(tcase(s, "delegation_refresh", 0),
		       test_delegation_refresh);
	tcase_add_test(tcase(s, "ws_denied_unchanged", 0),
		       test_ws_denied_unchanged);
	tcase_add_test(tcase(s, "ws_allowed", 0), test_ws_allowed);
	tcase_add_test(tcase(s, "ws_lost_permission", 0),
		       test_ws_lost_permission);
	tcase_add_test(tcase(s, "ws_references", 0), test_ws_references);
	tcase_add_test(tcase(s, "ws_columns", 0), test_ws_columns);
	tcase_add_test(tcase(s, "ws_shares_bounds", 0), test_ws_shares_bounds);
	tcase_add_test(tcase(s, "ws_quota", 0), test_ws_quota);
	tcase_add_test(tcase(s, "ws_projects", 0), test_ws_projects);
	tcase_add_test(tcase(s, "link_anonymous", 0), test_link_anonymous);
	tcase_add_test(tcase(s, "ws_transfer", 0), test_ws_transfer);
	tcase_add_loop_test(tcase(s, "ws_syntax", 0), test_ws_syntax, 0,
			    NELEM(ws_syntax));
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
