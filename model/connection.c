/*
 * connection.c - connections: connection.ini (SPEC §3.1), their status,
 * /connections/usage, and the bookkeeping the policy reads.
 *
 * A connection is the record "o:/connections/NAME" (mtime, by, the
 * canonical connection.ini) and its datasets (dataset.c, rows.c).  The
 * policy reads the sandbox straight from the canonical text ("sandbox = "
 * line) and the key "m:jo", the number of connections with
 * journey_optimizer = true, which this file keeps in the same transaction
 * as every change to that flag: a connection.ini commit, and a delete.
 *
 * connection.ini: name, owner and created are read-only and set by the
 * create hook (created in UTC, "2026-11-23T10:00:00Z").  sandbox must be
 * listed in /admin/sandboxes; its default is the first (sorted) sandbox
 * that is listed and that the creator's platform profiles give it, and
 * mkdir fails when there is none.  Moving a connection to another sandbox
 * needs the right to manage connections there (policy_check with the new
 * sandbox as hint), so nobody can move one where they could not create
 * it.  /admin/sandboxes refuses to drop a sandbox a connection uses
 * (connections_check_sandboxes).
 *
 * status and usage are computed when read (a fetch per dataset), so
 * their sizes are exact; neither grows with the number of rows.
 *
 * status (INI): state (complete once the connection has an event or
 * summary dataset), datasets and the count of each type, rows stored,
 * ingested, skipped and skipped_<reason> over its datasets, deleted, and
 * the last change (of the connection's settings, its datasets' settings
 * or rows, a dataset added or removed) with its author.
 *
 * usage (CSV, with a header): "connection,type,datasets,rows", one line
 * per connection and dataset type it has (a connection without datasets:
 * one line with an empty type), then "*,total,DATASETS,ROWS" and
 * "*,allotment,,ROWS" ([limits] rows; 0 = none).  "*" is no object name,
 * so these lines cannot be mistaken for a connection's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "connection.h"
#include "dataset.h"
#include "dataview.h"
#include "mctx.h"
#include "object.h"
#include "store.h"
#include "timeparse.h"

static const char *const link_by_choices[] = { "person", "account", NULL };

static const struct inidoc_field connection_fields[] = {
	{ "connection", "name", INIDOC_STR, "", 0, 0, NULL, INIDOC_RO },
	{ "connection", "description", INIDOC_STR, "", 0, 0, NULL, 0 },
	{ "connection", "sandbox", INIDOC_STR, "", 0, 0, NULL, INIDOC_NAME },
	{ "connection", "data_window_months", INIDOC_INT, "13", 1, 60, NULL,
	  0 },
	{ "connection", "link_by", INIDOC_ENUM, "person", 0, 0,
	  link_by_choices, 0 },
	{ "connection", "journey_optimizer", INIDOC_BOOL, "false", 0, 0, NULL,
	  0 },
	{ "connection", "owner", INIDOC_STR, "", 0, 0, NULL, INIDOC_RO },
	{ "connection", "created", INIDOC_STR, "", 0, 0, NULL, INIDOC_RO },
	{ NULL }
};

const struct inidoc_schema connection_schema = { "connection.ini",
						 connection_fields };

static void conns_ref(struct obj_ref *out)
{
	obj_ref_root(out);
	out->kind = KIND_CONNECTIONS;
}

static void conn_ref(const char *name, struct obj_ref *out)
{
	conns_ref(out);
	out->kind = KIND_CONNECTION;
	snprintf(out->names[0], sizeof(out->names[0]), "%s", name);
	out->nnames = 1;
}

/* connection.ini of the connection ref is in. */
static void conn_ini_ref(const struct obj_ref *ref, struct obj_ref *out)
{
	conn_ref(ref->names[0], out);
	out->attr = 0;
}

/* The canonical list of sandboxes /admin/sandboxes lists ("" if none). */
static int listed_sandboxes(struct mctx *c, struct buf *out)
{
	struct obj_ref admin;
	struct rec r = REC_INIT;
	const char *s;
	int rc;

	obj_ref_root(&admin);
	admin.kind = KIND_ADMIN;
	rc = obj_load(c, &admin, &r);
	if (!rc) {
		s = rec_get(&r, "sandboxes", NULL);
		rc = buf_addstr(out, s ? s : "");
	}
	rec_release(&r);
	return rc;
}

static int jo_add(struct mctx *c, int delta)
{
	struct buf v = BUF_INIT;
	char val[24];
	long n = 0;
	int rc = store_get(c->st, CONN_JO_KEY, &v);

	if (!rc)
		n = strtol(v.data, NULL, 10);
	else if (rc != -ENOENT)
		goto out;
	n += delta;
	if (n <= 0) {
		rc = store_del(c->st, CONN_JO_KEY);
	} else {
		snprintf(val, sizeof(val), "%ld", n);
		rc = store_put(c->st, CONN_JO_KEY, val, strlen(val));
	}
out:
	buf_release(&v);
	return rc;
}

/* --- connection.ini --- */

static int connection_validate(struct mctx *c, const struct obj_ref *ref,
			       const struct inidoc *old, struct inidoc *doc,
			       struct diag *d)
{
	const char *sb = inidoc_get(doc, "connection", "sandbox");
	int line = inidoc_line(doc, "connection", "sandbox");
	int jo_old = inidoc_bool(old, "connection", "journey_optimizer");
	int jo_new = inidoc_bool(doc, "connection", "journey_optimizer");
	struct buf listed = BUF_INIT, why = BUF_INIT;
	int rc;

	if (!*sb) {
		diag_set(d, line, 0, "sandbox must be set to one of "
			 "/admin/sandboxes");
		return -EINVAL;
	}
	rc = listed_sandboxes(c, &listed);
	if (rc)
		goto out;
	if (inidoc_lines_has(listed.data, sb) != 1) {
		diag_set(d, line, 0, "sandbox '%s' is not listed in "
			 "/admin/sandboxes", sb);
		rc = -EINVAL;
		goto out;
	}
	if (strcmp(sb, inidoc_get(old, "connection", "sandbox"))) {
		struct obj_ref hint = *ref;

		hint.sandbox = sb;
		rc = policy_check(c->pol, c->who, ACT_CONN_MANAGE, &hint, &why);
		if (rc) {
			diag_set(d, line, 0, "sandbox '%s': denied: %s", sb,
				 why.len ? why.data : "not allowed");
			rc = -EACCES;
			goto out;
		}
	}
	if (jo_old != jo_new)
		rc = jo_add(c, jo_new ? 1 : -1);
	if (!rc && jo_new && !jo_old) {
		/* with a journey_optimizer connection, managing connections
		 * needs the journeys permissions (SPEC §6): whoever turns
		 * it on must hold them, or it would lock them out too */
		buf_reset(&why);
		rc = policy_check(c->pol, c->who, ACT_CONN_MANAGE, ref, &why);
		if (rc) {
			diag_set(d, inidoc_line(doc, "connection",
						"journey_optimizer"),
				 0, "journey_optimizer: denied: %s",
				 why.len ? why.data : "not allowed");
			rc = -EACCES;
		}
	}
out:
	buf_release(&listed);
	buf_release(&why);
	return rc;
}

int connection_ini_store(struct mctx *c, const struct obj_ref *ref,
			 const char *data, size_t len, struct diag *d)
{
	return attr_ini_commit(c, ref, data, len, connection_validate, d);
}

/* --- lifecycle --- */

struct pick {
	const char *listed;
	char name[OBJ_NAME_MAX + 1];
};

static int pick_sandbox(const char *item, size_t len, void *arg)
{
	struct pick *p = arg;

	if (len > OBJ_NAME_MAX)
		return 0;
	memcpy(p->name, item, len);
	p->name[len] = '\0';
	return inidoc_lines_has(p->listed, p->name) == 1 ? 1 : 0;
}

int connection_create(struct mctx *c, const struct obj_ref *ref,
		      struct diag *d)
{
	const struct kind_attr *a = &kind_table[KIND_CONNECTION].attrs[0];
	struct buf listed = BUF_INIT, mine = BUF_INIT, text = BUF_INIT;
	struct obj_ref ini;
	struct inidoc doc;
	struct rec r = REC_INIT;
	struct pick p;
	char created[TIMEPARSE_FMT_SIZE], tmp[32];
	int rc;

	rc = listed_sandboxes(c, &listed);
	if (!rc)
		rc = policy_caller_sandboxes(c->who, &mine);
	if (rc)
		goto out;
	/* the caller's list is sorted: the first listed one wins */
	p.listed = listed.data;
	if (inidoc_list_each(mine.data ? mine.data : "", pick_sandbox, &p) !=
	    1) {
		diag_set(d, 0, 0, "no sandbox to put it in: none of your "
			 "platform profiles' sandboxes (%s) is listed in "
			 "/admin/sandboxes", mine.len ? mine.data : "none");
		rc = -EACCES;
		goto out;
	}
	conn_ini_ref(ref, &ini);
	rc = attr_ini_load(c, &ini, a, &doc);
	if (rc)
		goto out;
	if (timeparse_format_utc((int64_t)c->now, created))
		created[0] = '\0';
	rc = inidoc_set(&doc, "connection", "name", ref->names[0]);
	if (!rc)
		rc = inidoc_set(&doc, "connection", "sandbox", p.name);
	if (!rc)
		rc = inidoc_set(&doc, "connection", "owner",
				mctx_login(c, tmp));
	if (!rc)
		rc = inidoc_set(&doc, "connection", "created", created);
	if (!rc)
		rc = inidoc_render(&doc, &text);
	inidoc_release(&doc);
	if (!rc)
		rc = obj_load(c, &ini, &r);
	if (!rc)
		rc = rec_set(&r, a->name, text.data, text.len);
	if (!rc)
		rc = obj_save(c, &ini, &r);
out:
	rec_release(&r);
	buf_release(&listed);
	buf_release(&mine);
	buf_release(&text);
	return rc;
}

int connection_destroy(struct mctx *c, const struct obj_ref *ref,
		       struct diag *d)
{
	const struct kind_attr *a = &kind_table[KIND_CONNECTION].attrs[0];
	struct obj_ref ini;
	struct inidoc doc;
	int rc;

	conn_ini_ref(ref, &ini);
	rc = attr_ini_load(c, &ini, a, &doc);
	if (rc)
		return rc;
	if (inidoc_bool(&doc, "connection", "journey_optimizer"))
		rc = jo_add(c, -1);
	inidoc_release(&doc);
	return rc;
}

/* Data views built on a connection would go on, empty, without it: it
 * stays until none names it (SPEC: rmdir refused, EBUSY). */
int connection_in_use(struct mctx *c, const struct obj_ref *ref,
		      struct diag *d)
{
	struct buf views = BUF_INIT;
	int rc = dv_views_using(c, ref->names[0], &views);

	if (!rc && views.len) {
		diag_set(d, 0, 0, "in use by data views %s", views.data);
		rc = -EBUSY;
	}
	buf_release(&views);
	return rc;
}

/* What the policy decides a change of the connection by: the sandbox
 * its connection.ini names (and its owner). */
int connection_facts(struct mctx *c, const struct obj_ref *ref,
		     struct obj_facts *out)
{
	const struct kind_attr *a = &kind_table[KIND_CONNECTION].attrs[0];
	struct obj_ref ini;
	struct inidoc doc;
	int rc;

	conn_ini_ref(ref, &ini);
	rc = attr_ini_load(c, &ini, a, &doc);
	if (rc)
		return rc;
	rc = buf_addstr(&out->sandbox,
			inidoc_get(&doc, "connection", "sandbox"));
	if (!rc)
		rc = buf_addstr(&out->owner,
				inidoc_get(&doc, "connection", "owner"));
	inidoc_release(&doc);
	return rc;
}

/* A dataset added or removed is a change of its connection. */
int connection_touch(struct mctx *c, const struct obj_ref *ref,
		     struct diag *d)
{
	struct obj_ref conn;
	struct rec r = REC_INIT;
	int rc;

	conn_ref(ref->names[0], &conn);
	rc = obj_load(c, &conn, &r);
	if (!rc)
		rc = obj_save(c, &conn, &r);
	rec_release(&r);
	return rc;
}

int dataset_create(struct mctx *c, const struct obj_ref *ref, struct diag *d)
{
	return connection_touch(c, ref, d);
}

/* --- sandboxes in use --- */

struct sb_check {
	struct mctx *c;
	const char *listed;
	struct diag *d;
};

static int sb_check_one(const char *name, size_t len, void *arg)
{
	const struct kind_attr *a = &kind_table[KIND_CONNECTION].attrs[0];
	struct sb_check *sc = arg;
	struct obj_ref ini;
	struct inidoc doc;
	const char *sb;
	char tmp[OBJ_NAME_MAX + 1];
	int rc;

	if (len > OBJ_NAME_MAX)
		return 0;
	memcpy(tmp, name, len);
	tmp[len] = '\0';
	conn_ref(tmp, &ini);
	ini.attr = 0;
	rc = attr_ini_load(sc->c, &ini, a, &doc);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	sb = inidoc_get(&doc, "connection", "sandbox");
	if (*sb && inidoc_lines_has(sc->listed, sb) != 1) {
		diag_set(sc->d, 0, 0, "sandbox '%s' is used by connection %s: "
			 "move or delete the connection first", sb, tmp);
		rc = -EINVAL;
	}
	inidoc_release(&doc);
	return rc;
}

int connections_check_sandboxes(struct mctx *c, const char *listed,
				struct diag *d)
{
	struct sb_check sc = { c, listed ? listed : "", d };
	struct obj_ref dir;
	struct buf names = BUF_INIT;
	int rc;

	conns_ref(&dir);
	rc = obj_list(c, &dir, &names);
	if (!rc)
		rc = inidoc_lines_each(names.data, sb_check_one, &sc);
	buf_release(&names);
	return rc;
}

/* --- status and usage --- */

struct conn_sum {
	struct mctx *c;
	struct obj_ref conn;
	int ndatasets;
	int ntype[DATASET_NTYPES];
	int64_t rows[DATASET_NTYPES];
	int64_t ingested, deleted;
	int64_t skipped[SKIP_NREASONS];
	time_t mtime;
	char by[64];
};

static int conn_sum_one(const char *name, size_t len, void *arg)
{
	struct conn_sum *cs = arg;
	struct dataset_summary s;
	struct obj_ref ds = cs->conn;
	int rc, i;

	if (len > OBJ_NAME_MAX)
		return 0;
	ds.kind = KIND_DATASET;
	memcpy(ds.names[1], name, len);
	ds.names[1][len] = '\0';
	ds.nnames = 2;
	rc = dataset_summary(cs->c, &ds, &s);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	cs->ndatasets++;
	cs->ntype[s.type]++;
	cs->rows[s.type] += s.rows;
	cs->ingested += s.ingested;
	cs->deleted += s.deleted;
	for (i = 0; i < SKIP_NREASONS; i++)
		cs->skipped[i] += s.skipped[i];
	if (s.mtime > cs->mtime) {
		cs->mtime = s.mtime;
		snprintf(cs->by, sizeof(cs->by), "%s", s.by);
	}
	return 0;
}

/* Sum up connection name's datasets into *cs. */
static int conn_sum(struct mctx *c, const char *name, struct conn_sum *cs)
{
	struct obj_ref dir;
	struct rec r = REC_INIT;
	struct buf names = BUF_INIT;
	const char *by;
	int rc;

	memset(cs, 0, sizeof(*cs));
	cs->c = c;
	conn_ref(name, &cs->conn);
	rc = obj_load(c, &cs->conn, &r);
	if (rc)
		goto out;
	cs->mtime = (time_t)rec_get_i64(&r, "mtime", 0);
	by = rec_get(&r, "by", NULL);
	snprintf(cs->by, sizeof(cs->by), "%s", by ? by : "");
	dir = cs->conn;
	dir.kind = KIND_DATASETS;
	rc = obj_list(c, &dir, &names);
	if (!rc)
		rc = inidoc_lines_each(names.data, conn_sum_one, cs);
out:
	rec_release(&r);
	buf_release(&names);
	return rc;
}

int connection_status_show(struct mctx *c, const struct obj_ref *ref,
			   struct buf *out)
{
	struct conn_sum cs;
	char ts[TIMEPARSE_FMT_SIZE];
	int64_t rows = 0, skipped = 0;
	int rc, i;

	rc = conn_sum(c, ref->names[0], &cs);
	if (rc)
		return rc;
	for (i = 0; i < DATASET_NTYPES; i++)
		rows += cs.rows[i];
	for (i = 0; i < SKIP_NREASONS; i++)
		skipped += cs.skipped[i];
	if (!cs.mtime || timeparse_format_utc((int64_t)cs.mtime, ts))
		ts[0] = '\0';
	rc = buf_printf(out, "[status]\nstate = %s\ndatasets = %d\n",
			cs.ntype[DATASET_EVENT] || cs.ntype[DATASET_SUMMARY] ?
				"complete" :
				"incomplete",
			cs.ndatasets);
	for (i = 0; i < DATASET_NTYPES && !rc; i++)
		rc = buf_printf(out, "%s = %d\n", dataset_type_names[i],
				cs.ntype[i]);
	if (!rc)
		rc = buf_printf(out,
				"rows = %" PRId64 "\ningested = %" PRId64
				"\nskipped = %" PRId64 "\n",
				rows, cs.ingested, skipped);
	for (i = 0; i < SKIP_NREASONS && !rc; i++)
		rc = buf_printf(out, "skipped_%s = %" PRId64 "\n",
				dataset_skip_names[i], cs.skipped[i]);
	if (!rc)
		rc = buf_printf(out,
				"deleted = %" PRId64 "\nlast_change = %s\n"
				"last_change_by = %s\n",
				cs.deleted, ts, cs.by);
	return rc;
}

struct usage {
	struct mctx *c;
	struct buf *out;
	int64_t datasets, rows;
};

static int usage_one(const char *name, size_t len, void *arg)
{
	struct usage *u = arg;
	struct conn_sum cs;
	char tmp[OBJ_NAME_MAX + 1];
	int rc, i;

	if (len > OBJ_NAME_MAX)
		return 0;
	memcpy(tmp, name, len);
	tmp[len] = '\0';
	rc = conn_sum(u->c, tmp, &cs);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	if (!cs.ndatasets)
		return buf_printf(u->out, "%s,,0,0\n", tmp);
	for (i = 0; i < DATASET_NTYPES && !rc; i++) {
		if (!cs.ntype[i])
			continue;
		rc = buf_printf(u->out, "%s,%s,%d,%" PRId64 "\n", tmp,
				dataset_type_names[i], cs.ntype[i],
				cs.rows[i]);
		u->datasets += cs.ntype[i];
		u->rows += cs.rows[i];
	}
	return rc;
}

int connections_usage_show(struct mctx *c, const struct obj_ref *ref,
			   struct buf *out)
{
	struct usage u = { c, out, 0, 0 };
	struct obj_ref dir;
	struct buf names = BUF_INIT;
	int rc;

	conns_ref(&dir);
	rc = buf_addstr(out, "connection,type,datasets,rows\n");
	if (!rc)
		rc = obj_list(c, &dir, &names);
	if (!rc)
		rc = inidoc_lines_each(names.data, usage_one, &u);
	if (!rc)
		rc = buf_printf(out,
				"*,total,%" PRId64 ",%" PRId64
				"\n*,allotment,,%" PRIu64 "\n",
				u.datasets, u.rows,
				c->cfg ? c->cfg->rows_limit : 0);
	buf_release(&names);
	return rc;
}
