/*
 * dataview.c - data views: dataview.ini (SPEC §3.3), their lifecycle, and
 * the view of a connection that data views and components share.
 *
 * A data view is the record "o:/dataviews/NAME" (mtime, by, the canonical
 * dataview.ini); its components are file objects below it (component.c);
 * rows.csv and report/ are computed when read (dvquery.c).
 *
 * dataview.ini is validated as a whole at every commit:
 *  - connection must name an existing connection that is complete (it
 *    has an event or summary dataset, as its status says).  Changing it
 *    (setting it the first time included) needs the right to create data
 *    views (ACT_DV_MANAGE): product profile admins may edit the views
 *    their profiles grant, but pointing one at other data is building a
 *    new view, which they may not do; nor can they see /connections.
 *  - timezone must be a zone tz_load() knows (the system's zoneinfo).
 *  - session_timeout_minutes 1-1440 (the schema).
 *  - filter must parse (filter.h) and name only fields of the
 *    connection's datasets or `day`.  Its errors carry a column, given in
 *    /errors as the column in the file's line (where the editor puts the
 *    cursor), not in the value.
 * The checks run on every commit, so a view whose connection has lost
 * its event datasets or a field its filter names must be fixed before
 * anything else in its dataview.ini can change.
 *
 * A new view (mkdir) has connection = "": it shows no rows and accepts
 * no components until connection is set.
 *
 * The mtime of rows.csv and the reports (dv_mtime) is the newest commit
 * among their inputs: the view's record and "tree" (its settings and
 * components), and its connection's (the connection's settings, its
 * datasets' settings and rows; /connections' when the connection is
 * gone).  Two fetches and a parse of dataview.ini, whatever the data.
 *
 * Column markers: a validate hook of attr_ini_commit() sees the parsed
 * document, not the text.  It reports a column inside a value as a
 * negative column, and the store function, which has the text, turns it
 * into the column in the line (dv_raw_value).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connection.h"
#include "dataset.h"
#include "dataview.h"
#include "filter.h"
#include "mctx.h"
#include "object.h"
#include "protect.h"
#include "tz.h"

static const struct inidoc_field dataview_fields[] = {
	{ "dataview", "name", INIDOC_STR, "", 0, 0, NULL, INIDOC_RO },
	{ "dataview", "description", INIDOC_STR, "", 0, 0, NULL, 0 },
	{ "dataview", "connection", INIDOC_STR, "", 0, 0, NULL, INIDOC_NAME },
	{ "dataview", "timezone", INIDOC_STR, "UTC", 0, 0, NULL, 0 },
	{ "dataview", "session_timeout_minutes", INIDOC_INT, "30", 1, 1440,
	  NULL, 0 },
	{ "dataview", "filter", INIDOC_STR, "", 0, 0, NULL, 0 },
	{ NULL }
};

const struct inidoc_schema dataview_schema = { "dataview.ini",
					       dataview_fields };

/* The stored attributes this file reads, as attr_ini_load() wants them. */
static const struct kind_attr dataview_ini_attr = {
	"dataview.ini", 0, 0, 0, &dataview_schema
};
static const struct kind_attr connection_ini_attr = {
	"connection.ini", 0, 0, 0, &connection_schema
};
static const struct kind_attr dataset_ini_attr = {
	"dataset.ini", 0, 0, 0, &dataset_schema
};

static void view_ref(const char *name, struct obj_ref *out)
{
	obj_ref_root(out);
	out->kind = KIND_DATAVIEW;
	snprintf(out->names[0], sizeof(out->names[0]), "%s", name);
	out->nnames = 1;
}

/* --- a connection as views see it --- */

static void strv_free(char **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

struct strv {
	char **v;
	size_t n;
};

static int strv_add(const char *item, size_t len, void *arg)
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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int field_index(const struct dv_dataset *ds, const char *name)
{
	size_t i;

	if (!name || !*name)
		return -1;
	for (i = 0; i < ds->nfields; i++)
		if (!strcmp(ds->field[i], name))
			return (int)i;
	return -1;
}

static void dataset_release(struct dv_dataset *ds)
{
	strv_free(ds->field, ds->nfields);
	free(ds->matching_key);
	memset(ds, 0, sizeof(*ds));
}

void dv_conn_release(struct dv_conn *conn)
{
	size_t i;

	for (i = 0; conn->ds && i < conn->nds; i++)
		dataset_release(&conn->ds[i]);
	free(conn->ds);
	strv_free(conn->fields, conn->nfields);
	memset(conn, 0, sizeof(*conn));
}

struct conn_load {
	struct mctx *c;
	struct dv_conn *conn;
	struct strv all;	/* every dataset's fields */
};

static int conn_load_dataset(const char *name, size_t len, void *arg)
{
	struct conn_load *cl = arg;
	struct dv_conn *conn = cl->conn;
	struct dv_dataset *ds;
	struct obj_ref ref;
	struct inidoc doc;
	struct strv fields = { NULL, 0 };
	const char *type;
	int rc, i;

	if (len > OBJ_NAME_MAX)
		return 0;
	obj_ref_root(&ref);
	ref.kind = KIND_DATASET;
	ref.nnames = 2;
	ref.attr = 0;
	snprintf(ref.names[0], sizeof(ref.names[0]), "%s", conn->name);
	memcpy(ref.names[1], name, len);
	ref.names[1][len] = '\0';
	rc = attr_ini_load(cl->c, &ref, &dataset_ini_attr, &doc);
	if (rc == -ENOENT)
		return 0;	/* listed but gone */
	if (rc)
		return rc;
	ds = realloc(conn->ds, (conn->nds + 1) * sizeof(*ds));
	if (!ds) {
		rc = -ENOMEM;
		goto out;
	}
	conn->ds = ds;
	ds = &conn->ds[conn->nds++];
	memset(ds, 0, sizeof(*ds));
	memcpy(ds->name, ref.names[1], len + 1);
	type = inidoc_get(&doc, "dataset", "type");
	ds->type = DATASET_EVENT;
	for (i = 0; i < DATASET_NTYPES; i++)
		if (!strcmp(type, dataset_type_names[i]))
			ds->type = (enum dataset_type)i;
	rc = inidoc_list_each(inidoc_get(&doc, "dataset", "fields"), strv_add,
			      &fields);
	ds->field = fields.v;
	ds->nfields = fields.n;
	if (rc)
		goto out;
	ds->pid = field_index(ds, inidoc_get(&doc, "dataset", "person_id"));
	ds->ts = field_index(ds, inidoc_get(&doc, "dataset", "timestamp"));
	ds->key = field_index(ds, inidoc_get(&doc, "dataset", "key"));
	ds->matching_key = strdup(inidoc_get(&doc, "dataset", "matching_key"));
	if (!ds->matching_key) {
		rc = -ENOMEM;
		goto out;
	}
	if (ds->type == DATASET_EVENT || ds->type == DATASET_SUMMARY)
		conn->complete = 1;
	for (i = 0; i < (int)ds->nfields && !rc; i++)
		rc = strv_add(ds->field[i], strlen(ds->field[i]), &cl->all);
out:
	inidoc_release(&doc);
	return rc;
}

int dv_conn_load(struct mctx *c, const char *name, struct dv_conn *out)
{
	struct conn_load cl = { c, out, { NULL, 0 } };
	struct obj_ref ref;
	struct inidoc doc;
	struct buf names = BUF_INIT;
	size_t i, j;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!*name || strlen(name) > OBJ_NAME_MAX)
		return -ENOENT;
	snprintf(out->name, sizeof(out->name), "%s", name);
	obj_ref_root(&ref);
	ref.kind = KIND_CONNECTION;
	ref.nnames = 1;
	ref.attr = 0;
	snprintf(ref.names[0], sizeof(ref.names[0]), "%s", name);
	rc = attr_ini_load(c, &ref, &connection_ini_attr, &doc);
	if (rc)
		return rc;
	out->window_months =
		(int)inidoc_int(&doc, "connection", "data_window_months");
	inidoc_release(&doc);
	ref.kind = KIND_DATASETS;
	ref.attr = -1;
	rc = obj_list(c, &ref, &names);
	if (!rc)
		rc = inidoc_lines_each(names.data, conn_load_dataset, &cl);
	buf_release(&names);
	if (rc)
		goto fail;
	if (cl.all.n)
		qsort(cl.all.v, cl.all.n, sizeof(char *), cmp_str);
	for (i = 0, j = 0; i < cl.all.n; i++) {
		if (j && !strcmp(cl.all.v[j - 1], cl.all.v[i])) {
			free(cl.all.v[i]);
			continue;
		}
		cl.all.v[j++] = cl.all.v[i];
	}
	out->fields = cl.all.v;
	out->nfields = j;
	return 0;
fail:
	strv_free(cl.all.v, cl.all.n);
	dv_conn_release(out);
	return rc;
}

struct each_component {
	struct mctx *c;
	struct obj_ref ref;
	int (*fn)(const struct obj_ref *ref, const struct inidoc *doc,
		  void *arg);
	void *arg;
};

static int each_component_one(const char *name, size_t len, void *arg)
{
	struct each_component *ec = arg;
	struct inidoc doc;
	int rc;

	if (len > OBJ_NAME_MAX)
		return 0;
	memcpy(ec->ref.names[1], name, len);
	ec->ref.names[1][len] = '\0';
	rc = attr_ini_load(ec->c, &ec->ref, &component_attr, &doc);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	rc = ec->fn(&ec->ref, &doc, ec->arg);
	inidoc_release(&doc);
	return rc;
}

int dv_each_component(struct mctx *c, const char *view,
		      int (*fn)(const struct obj_ref *ref,
				const struct inidoc *doc, void *arg),
		      void *arg)
{
	struct each_component ec = { c, { 0 }, fn, arg };
	struct buf names = BUF_INIT;
	int rc;

	obj_ref_root(&ec.ref);
	ec.ref.kind = KIND_COMPONENTS;
	ec.ref.nnames = 1;
	snprintf(ec.ref.names[0], sizeof(ec.ref.names[0]), "%s", view);
	rc = obj_list(c, &ec.ref, &names);
	ec.ref.kind = KIND_COMPONENT;
	ec.ref.nnames = 2;
	ec.ref.attr = 0;
	if (!rc)
		rc = inidoc_lines_each(names.data, each_component_one, &ec);
	buf_release(&names);
	return rc;
}

int dv_load_ini(struct mctx *c, const char *view, struct inidoc *doc)
{
	struct obj_ref ref;

	view_ref(view, &ref);
	return attr_ini_load(c, &ref, &dataview_ini_attr, doc);
}

struct using_arg {
	struct mctx *c;
	const char *conn;
	struct buf *views;
};

static int using_one(const char *name, size_t len, void *arg)
{
	struct using_arg *ua = arg;
	char view[OBJ_NAME_MAX + 1];
	struct inidoc doc;
	int rc;

	if (len > OBJ_NAME_MAX)
		return -EIO;
	memcpy(view, name, len);
	view[len] = '\0';
	rc = dv_load_ini(ua->c, view, &doc);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	if (!strcmp(inidoc_get(&doc, "dataview", "connection"), ua->conn))
		rc = buf_printf(ua->views, "%s%s", ua->views->len ? ", " : "",
				view);
	inidoc_release(&doc);
	return rc;
}

int dv_views_using(struct mctx *c, const char *conn, struct buf *views)
{
	struct using_arg ua = { c, conn, views };
	struct buf names = BUF_INIT;
	struct obj_ref dir;
	int rc;

	obj_ref_root(&dir);
	dir.kind = KIND_DATAVIEWS;
	rc = obj_list(c, &dir, &names);
	if (!rc)
		rc = inidoc_lines_each(names.data, using_one, &ua);
	buf_release(&names);
	return rc;
}

int dv_view_conn(struct mctx *c, const struct inidoc *doc,
		 struct dv_conn *out, struct diag *d)
{
	const char *name = inidoc_get(doc, "dataview", "connection");
	int line = inidoc_line(doc, "dataview", "connection");
	int rc;

	memset(out, 0, sizeof(*out));
	if (!*name) {
		diag_set(d, line, 0, "connection is not set");
		return -EINVAL;
	}
	rc = dv_conn_load(c, name, out);
	if (rc == -ENOENT) {
		diag_set(d, line, 0, "connection '%s' does not exist", name);
		return -EINVAL;
	}
	if (rc)
		return rc;
	if (!out->complete) {
		diag_set(d, line, 0, "connection '%s' is incomplete: it needs "
			 "an event or summary dataset", name);
		dv_conn_release(out);
		return -EINVAL;
	}
	return 0;
}

int dv_raw_value(const char *data, size_t len, int line, const char **val,
		 size_t *vlen)
{
	const char *p = data, *end = data + len, *eol, *eq, *v;
	int n;

	if (line < 1)
		return 0;
	for (n = 1; n < line; n++) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			return 0;
		p = eol + 1;
	}
	eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol)
		eol = end;
	eq = memchr(p, '=', (size_t)(eol - p));
	if (!eq)
		return 0;
	v = eq + 1;
	while (v < eol && (*v == ' ' || *v == '\t'))
		v++;
	while (eol > v && (eol[-1] == ' ' || eol[-1] == '\t' ||
			   eol[-1] == '\r'))
		eol--;
	*val = v;
	*vlen = (size_t)(eol - v);
	return (int)(v - p) + 1;
}

/* --- dataview.ini --- */

static int dv_resolve(void *arg, const char *field, size_t len)
{
	const struct dv_conn *conn = arg;

	if (!strcmp(field, "day"))
		return (int)conn->nfields;
	return (int)dv_conn_field(conn, field);
}

/* The view keeps what its components protect (protect.c): its filter
 * names no bucketed field, and a new connection (whose joins make other
 * fields one) sets no two components at odds. */
static int dataview_guard(struct mctx *c, const struct obj_ref *ref,
			  const struct inidoc *old, const struct inidoc *doc,
			  const struct dv_conn *conn, const struct filter *f,
			  struct diag *d)
{
	const char *conn_name = inidoc_get(doc, "dataview", "connection");
	struct dv_guard g;
	int rc;

	rc = dv_guard_init(&g, conn);
	if (!rc)
		rc = dv_guard_load(c, ref->names[0], NULL, &g);
	if (!rc)
		rc = dv_guard_filter(&g, f);
	if (rc)
		goto out;
	dv_guard_settle(&g);
	d->line = inidoc_line(doc, "dataview", "filter");
	if (dv_guard_check(&g, NULL, 0, 1, d)) {
		rc = -EINVAL;
		goto out;
	}
	d->line = inidoc_line(doc, "dataview", "connection");
	if (strcmp(conn_name, inidoc_get(old, "dataview", "connection")) &&
	    dv_guard_check(&g, NULL, 1, 0, d)) {
		char msg[sizeof(d->msg)];

		memcpy(msg, d->msg, sizeof(msg));
		diag_set(d, d->line, 0, "connection: with %s, %s", conn_name,
			 msg);
		rc = -EINVAL;
	}
out:
	if (rc == -EINVAL)
		d->column = 0;
	dv_guard_release(&g);
	return rc;
}

static int dataview_validate(struct mctx *c, const struct obj_ref *ref,
			     const struct inidoc *old, struct inidoc *doc,
			     struct diag *d)
{
	const char *conn_name = inidoc_get(doc, "dataview", "connection");
	const char *tzname = inidoc_get(doc, "dataview", "timezone");
	const char *ftext = inidoc_get(doc, "dataview", "filter");
	struct dv_conn conn;
	struct filter *f = NULL;
	struct tz *z = NULL;
	struct diag fd;
	int rc, line;

	if (strcmp(conn_name, inidoc_get(old, "dataview", "connection"))) {
		struct buf why = BUF_INIT;

		rc = policy_check(c->pol, c->who, ACT_DV_MANAGE, ref, &why);
		if (rc) {
			diag_set(d, inidoc_line(doc, "dataview", "connection"),
				 0, "connection: denied: %s (changing the "
				 "connection builds a new data view)",
				 why.len ? why.data : "not allowed");
			buf_release(&why);
			return -EACCES;
		}
		buf_release(&why);
	}
	rc = dv_view_conn(c, doc, &conn, d);
	if (rc)
		return rc;
	memset(&fd, 0, sizeof(fd));
	rc = tz_load(tzname, &z, &fd);
	if (rc == -ENOMEM)
		goto out;
	if (rc) {
		diag_set(d, inidoc_line(doc, "dataview", "timezone"), 0,
			 "timezone: %s", fd.msg[0] ? fd.msg : "unknown zone");
		rc = -EINVAL;
		goto out;
	}
	line = inidoc_line(doc, "dataview", "filter");
	memset(&fd, 0, sizeof(fd));
	rc = filter_parse(ftext, strlen(ftext), &f, &fd);
	if (!rc)
		rc = filter_bind(f, dv_resolve, &conn, &fd);
	if (rc == -EINVAL) {
		/* a negative column: in the value, see the note on top */
		diag_set(d, line, -fd.column, "filter: %s", fd.msg);
	}
	if (!rc)
		rc = dataview_guard(c, ref, old, doc, &conn, f, d);
out:
	filter_free(f);
	tz_free(z);
	dv_conn_release(&conn);
	return rc;
}

/* Write-time judgement: a filter that does not parse, a time zone no
 * one knows; what they refer to is the close's to judge. */
int dataview_ini_check_key(struct mctx *c, const struct obj_ref *ref,
			   const struct inidoc_field *f, const char *val,
			   const char *line, size_t llen,
			   struct diag *d)
{
	struct filter *flt = NULL;
	struct tz *z = NULL;
	struct diag fd;
	int rc = 0;

	memset(&fd, 0, sizeof(fd));
	if (!strcmp(f->key, "filter")) {
		rc = filter_parse(val, strlen(val), &flt, &fd);
		filter_free(flt);
		if (rc == -EINVAL) {
			const char *v;
			size_t vlen;
			int base = dv_raw_value(line, llen, 1, &v, &vlen);

			diag_set(d, 0, base ? base + fd.column - 1 : fd.column,
				 "filter: %s", fd.msg);
		}
	} else if (!strcmp(f->key, "timezone")) {
		rc = tz_load(val, &z, &fd);
		tz_free(z);
		if (rc && rc != -ENOMEM) {
			diag_set(d, 0, 0, "timezone: %s",
				 fd.msg[0] ? fd.msg : "unknown zone");
			rc = -EINVAL;
		}
	}
	return rc;
}

int dv_ini_commit(struct mctx *c, const struct obj_ref *ref,
		  const char *data, size_t len, ini_validate_fn validate,
		  struct diag *d)
{
	int rc = attr_ini_commit(c, ref, data, len, validate, d);
	const char *v;
	size_t vlen;
	int base;

	if (rc == -EINVAL && d->column < 0) {
		base = dv_raw_value(data, len, d->line, &v, &vlen);
		d->column = base ? base - d->column - 1 : -d->column;
	}
	return rc;
}

int dataview_ini_store(struct mctx *c, const struct obj_ref *ref,
		       const char *data, size_t len, struct diag *d)
{
	return dv_ini_commit(c, ref, data, len, dataview_validate, d);
}

/* Set the read-only name of the view ref names to that name.  With d (a
 * rename: the name may be longer), refuse a text over the cap. */
static int dataview_set_name(struct mctx *c, const struct obj_ref *ref,
			     struct diag *d)
{
	struct obj_ref view;
	struct inidoc doc;
	struct buf text = BUF_INIT;
	struct rec r = REC_INIT;
	int rc;

	view_ref(ref->names[0], &view);
	rc = attr_ini_load(c, &view, &dataview_ini_attr, &doc);
	if (rc)
		return rc;
	rc = inidoc_set(&doc, "dataview", "name", ref->names[0]);
	if (!rc)
		rc = inidoc_render(&doc, &text);
	inidoc_release(&doc);
	if (!rc && d)
		rc = attr_text_fits(c, text.len, d);
	if (!rc)
		rc = obj_load(c, &view, &r);
	if (!rc)
		rc = rec_set(&r, dataview_ini_attr.name, text.data, text.len);
	if (!rc)
		rc = obj_save(c, &view, &r);
	rec_release(&r);
	buf_release(&text);
	return rc;
}

int dataview_create(struct mctx *c, const struct obj_ref *ref,
		    struct diag *d)
{
	return dataview_set_name(c, ref, NULL);
}

int dataview_moved(struct mctx *c, const struct obj_ref *from,
		   const struct obj_ref *ref, struct diag *d)
{
	return dataview_set_name(c, ref, d);
}

/* --- mtime of what is computed from a view --- */

time_t dv_mtime(struct mctx *c, const struct obj_ref *ref)
{
	struct obj_ref view, conn;
	struct inidoc doc;
	const char *name;
	time_t t, u = 0;

	view_ref(ref->names[0], &view);
	t = obj_tree_mtime(c, &view);
	if (dv_load_ini(c, ref->names[0], &doc))
		return t;
	name = inidoc_get(&doc, "dataview", "connection");
	if (*name) {
		obj_ref_root(&conn);
		conn.kind = KIND_CONNECTION;
		snprintf(conn.names[0], sizeof(conn.names[0]), "%s", name);
		conn.nnames = 1;
		u = obj_tree_mtime(c, &conn);
		if (!u) {
			/* deleted: the deletion is the newest change */
			conn.kind = KIND_CONNECTIONS;
			conn.nnames = 0;
			u = obj_tree_mtime(c, &conn);
		}
	}
	inidoc_release(&doc);
	return u > t ? u : t;
}
