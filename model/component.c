/*
 * component.c - components of a data view (SPEC §3.4): one dimension or
 * metric a file, /dataviews/V/components/NAME.ini, and the report/ files
 * they make.
 *
 * A component is a file object (KD_FILE | KD_STORED): writing a new
 * NAME.ini (or cp onto it) creates it with its first commit, rm deletes
 * it, mv renames it.  Its record "o:/dataviews/V/components/NAME.ini"
 * holds mtime, by and the canonical text under "component".
 *
 * Validation, at every commit, against the view's connection (which must
 * be set, exist and be complete):
 *  - kind = dimension: field is a field of the connection's datasets or
 *    `day` (the event's date in the view's time zone; it shadows a
 *    dataset field of that name).  [include_exclude] and [bucketing] are
 *    compiled (filter.h) and their errors reported with the line of the
 *    key and the column in the file.  The regex rules of all the view's
 *    components share one budget (VALRULE_VIEW_MAX_REGEX rules,
 *    VALRULE_VIEW_MAX_BYTES compiled): the others are compiled again, as
 *    stored, and summed with this one (view_regex_check).
 *  - kind = metric: field is a field of the datasets, or occurrences
 *    (events), people (distinct person ids) or sessions.  aggregation
 *    (count, sum, distinct) applies to field metrics; for occurrences,
 *    people and sessions it is ignored.  Metrics take no include/exclude
 *    rules and no buckets.
 * And the view-wide rule of protect.c, with the component in place of
 * its stored version: a dimension buckets a field only as every other
 * dimension over it does, no sum or distinct metric goes over a bucketed
 * field, and no bucketed field is named by the view's filter; refused
 * with both components (or the filter) and the field named.
 * A component checked against one connection may outlive a change of
 * the view's connection, or of its datasets: rows.csv and the reports
 * then read its field as empty in every row (see dvquery.c), and the next
 * commit of the component says what is wrong.
 *
 * report/ lists one DIM.csv per dimension component; the reports
 * themselves are dvquery.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataview.h"
#include "filter.h"
#include "mctx.h"
#include "object.h"
#include "protect.h"

static const char *const comp_kinds[] = { "dimension", "metric", NULL };
static const char *const comp_aggs[] = { "count", "sum", "distinct", NULL };
static const char *const ie_modes[] = { "include", "exclude", NULL };
static const char *const ie_matches[] = { "any", "all", NULL };

static const struct inidoc_field component_fields[] = {
	{ "component", "kind", INIDOC_ENUM, "dimension", 0, 0, comp_kinds, 0 },
	{ "component", "field", INIDOC_STR, "", 0, 0, NULL, INIDOC_NAME },
	{ "component", "aggregation", INIDOC_ENUM, "count", 0, 0, comp_aggs,
	  0 },
	{ "include_exclude", "mode", INIDOC_ENUM, "include", 0, 0, ie_modes,
	  0 },
	{ "include_exclude", "match", INIDOC_ENUM, "any", 0, 0, ie_matches, 0 },
	{ "include_exclude", "rules", INIDOC_LIST, "", 0, 0, NULL, 0 },
	{ "bucketing", "buckets", INIDOC_LIST, "", 0, 0, NULL, 0 },
	{ NULL }
};

const struct inidoc_schema component_schema = { "component",
						component_fields };

/* A component's file, for attr_ini_load() by the readers of a view's
 * components (dv_each_component) and by the checks here. */
const struct kind_attr component_attr = {
	"component", 0, 0, 0, &component_schema
};

static const char *const metric_specials[] = { "occurrences", "people",
					       "sessions", NULL };

static int is_special(const char *field)
{
	int i;

	for (i = 0; metric_specials[i]; i++)
		if (!strcmp(field, metric_specials[i]))
			return 1;
	return 0;
}

static int key_line(const struct inidoc *doc, const char *section,
		    const char *key)
{
	int line = inidoc_line(doc, section, key);

	return line ? line : inidoc_line(doc, "component", "kind");
}

/* The regex rules of the view's components other than ref's, summed. */
struct view_cost {
	const char *skip;
	size_t nregex, bytes;
};

static int cost_one(const struct obj_ref *ref, const struct inidoc *doc,
		    void *arg)
{
	struct view_cost *vc = arg;
	struct valrule *vr = NULL;
	struct diag d;
	size_t n, b;
	int rc;

	if (!strcmp(ref->names[1], vc->skip))
		return 0;
	memset(&d, 0, sizeof(d));
	/* one that no longer compiles costs nothing (and shows nothing) */
	rc = valrule_parse(inidoc_get(doc, "include_exclude", "mode"),
			   inidoc_get(doc, "include_exclude", "match"),
			   inidoc_get(doc, "include_exclude", "rules"), &vr,
			   &d);
	if (rc == -EINVAL)
		return 0;
	if (rc)
		return rc;
	valrule_cost(vr, &n, &b);
	valrule_free(vr);
	vc->nregex += n;
	vc->bytes += b;
	return 0;
}

/*
 * The regex rules of a view share one budget (filter.h): checked here,
 * at the commit of each component, against the others as stored.
 */
static int view_regex_check(struct mctx *c, const struct obj_ref *ref,
			    const struct valrule *vr, const struct inidoc *doc,
			    struct diag *d)
{
	struct view_cost vc = { ref->names[1], 0, 0 };
	size_t n, b;
	int rc;

	valrule_cost(vr, &n, &b);
	if (!n)
		return 0;
	rc = dv_each_component(c, ref->names[0], cost_one, &vc);
	if (rc)
		return rc;
	if (n + vc.nregex > VALRULE_VIEW_MAX_REGEX) {
		diag_set(d, key_line(doc, "include_exclude", "rules"), 0,
			 "rules: the data view would have %zu regex rules "
			 "(at most %d in all its components)",
			 n + vc.nregex, VALRULE_VIEW_MAX_REGEX);
		return -EINVAL;
	}
	if (b + vc.bytes > VALRULE_VIEW_MAX_BYTES) {
		diag_set(d, key_line(doc, "include_exclude", "rules"), 0,
			 "rules: the data view's regex rules would take %zu "
			 "bytes compiled (at most %d in all its components)",
			 b + vc.bytes, VALRULE_VIEW_MAX_BYTES);
		return -EINVAL;
	}
	return 0;
}

/* The view with doc as component ref keeps what it protects (protect.c):
 * -EINVAL naming the other component, or the filter, and the field. */
static int component_guard(struct mctx *c, const struct obj_ref *ref,
			   const struct inidoc *view,
			   const struct dv_conn *conn,
			   const struct inidoc *doc, struct diag *d)
{
	const char *ftext = inidoc_get(view, "dataview", "filter");
	struct filter *f = NULL;
	struct dv_guard g;
	struct diag fd;
	int rc;

	rc = dv_guard_init(&g, conn);
	if (rc)
		return rc;
	rc = dv_guard_load(c, ref->names[0], ref->names[1], &g);
	if (!rc)
		rc = dv_guard_add(&g, ref->names[1], doc);
	/* a filter that no longer parses names nothing here */
	if (!rc && filter_parse(ftext, strlen(ftext), &f, &fd) == -ENOMEM)
		rc = -ENOMEM;
	if (!rc && f)
		rc = dv_guard_filter(&g, f);
	if (rc)
		goto out;
	dv_guard_settle(&g);
	d->line = key_line(doc, "component", "field");
	if (dv_guard_check(&g, ref->names[1], 1, 1, d)) {
		d->column = 0;
		rc = -EINVAL;
	}
out:
	filter_free(f);
	dv_guard_release(&g);
	return rc;
}

static int component_validate(struct mctx *c, const struct obj_ref *ref,
			      const struct inidoc *old, struct inidoc *doc,
			      struct diag *d)
{
	const char *kind = inidoc_get(doc, "component", "kind");
	const char *field = inidoc_get(doc, "component", "field");
	const char *rules = inidoc_get(doc, "include_exclude", "rules");
	const char *buckets = inidoc_get(doc, "bucketing", "buckets");
	int metric = !strcmp(kind, "metric");
	struct inidoc view;
	struct dv_conn conn;
	struct valrule *vr = NULL;
	struct buckets *b = NULL;
	struct diag vd;
	int rc;

	rc = dv_load_ini(c, ref->names[0], &view);
	if (rc)
		return rc;
	rc = dv_view_conn(c, &view, &conn, &vd);
	if (rc == -EINVAL) {
		diag_set(d, 0, 0,
			 "the data view has no usable connection (%s): "
			 "set one in dataview.ini first",
			 vd.msg);
		inidoc_release(&view);
		return rc;
	}
	if (rc) {
		inidoc_release(&view);
		return rc;
	}
	if (!*field) {
		diag_set(d, key_line(doc, "component", "field"), 0,
			 "field is required");
		rc = -EINVAL;
	} else if (metric ? !is_special(field) &&
				    dv_conn_field(&conn, field) < 0 :
			    strcmp(field, "day") &&
				    dv_conn_field(&conn, field) < 0) {
		diag_set(d, key_line(doc, "component", "field"), 0,
			 "field '%s' is not a field of connection %s%s", field,
			 conn.name,
			 metric ? " (nor occurrences, people or sessions)" :
				  " (nor day)");
		rc = -EINVAL;
	} else if (metric && *rules) {
		diag_set(d, key_line(doc, "include_exclude", "rules"), 0,
			 "include_exclude rules are for dimensions");
		rc = -EINVAL;
	} else if (metric && *buckets) {
		diag_set(d, key_line(doc, "bucketing", "buckets"), 0,
			 "bucketing is for dimensions");
		rc = -EINVAL;
	}
	if (rc)
		goto out;
	if (metric) {
		rc = component_guard(c, ref, &view, &conn, doc, d);
		goto out;
	}
	memset(&vd, 0, sizeof(vd));
	rc = valrule_parse(inidoc_get(doc, "include_exclude", "mode"),
			   inidoc_get(doc, "include_exclude", "match"), rules,
			   &vr, &vd);
	if (rc == -EINVAL) {
		/* a negative column: in the value (see dataview.c) */
		diag_set(d, key_line(doc, "include_exclude", "rules"),
			 -vd.column, "rules: %s", vd.msg);
		goto out;
	}
	if (!rc)
		rc = view_regex_check(c, ref, vr, doc, d);
	if (rc)
		goto out;
	rc = bucket_parse(buckets, &b, &vd);
	if (rc == -EINVAL)
		diag_set(d, key_line(doc, "bucketing", "buckets"), -vd.column,
			 "buckets: %s", vd.msg);
	if (!rc)
		rc = component_guard(c, ref, &view, &conn, doc, d);
out:
	valrule_free(vr);
	bucket_free(b);
	dv_conn_release(&conn);
	inidoc_release(&view);
	return rc;
}

/* The column of the first error in the raw list value v[0..len), or 0:
 * the canonical list ("a, b") the check saw may be spaced differently. */
static int raw_column(const char *key, const char *v, size_t len)
{
	char *s = strndup(v, len);
	struct valrule *vr = NULL;
	struct buckets *b = NULL;
	struct diag d;
	int col = 0;

	if (!s)
		return 0;
	memset(&d, 0, sizeof(d));
	if (!strcmp(key, "rules") &&
	    valrule_parse(NULL, NULL, s, &vr, &d) == -EINVAL)
		col = d.column;
	else if (!strcmp(key, "buckets") &&
		 bucket_parse(s, &b, &d) == -EINVAL)
		col = d.column;
	valrule_free(vr);
	bucket_free(b);
	free(s);
	return col;
}

/* Write-time judgement: rules and buckets that do not parse (the regex
 * budget of the view and the fields they name are the close's). */
int component_ini_check_key(struct mctx *c, const struct obj_ref *ref,
			    const struct inidoc_field *f, const char *val,
			    const char *line, size_t llen,
			    struct diag *d)
{
	struct valrule *vr = NULL;
	struct buckets *b = NULL;
	struct diag vd;
	int rc = 0;

	const char *v;
	size_t vlen;
	int base, col;

	memset(&vd, 0, sizeof(vd));
	if (!strcmp(f->key, "rules")) {
		rc = valrule_parse(NULL, NULL, val, &vr, &vd);
		valrule_free(vr);
	} else if (!strcmp(f->key, "buckets")) {
		rc = bucket_parse(val, &b, &vd);
		bucket_free(b);
	}
	if (rc != -EINVAL)
		return rc;
	/* the column in the line as written, as component_ini_store says */
	base = dv_raw_value(line, llen, 1, &v, &vlen);
	col = base ? raw_column(f->key, v, vlen) : 0;
	diag_set(d, 0, base ? base + (col ? col : vd.column) - 1 : vd.column,
		 "%s: %s", f->key, vd.msg);
	return rc;
}

int component_ini_store(struct mctx *c, const struct obj_ref *ref,
			const char *data, size_t len, struct diag *d)
{
	int rc = attr_ini_commit(c, ref, data, len, component_validate, d);
	const char *v;
	size_t vlen;
	int base, col;

	if (rc != -EINVAL || d->column >= 0)
		return rc;
	base = dv_raw_value(data, len, d->line, &v, &vlen);
	if (!base) {
		d->column = -d->column;
		return rc;
	}
	col = raw_column(!strncmp(d->msg, "rules:", 6) ? "rules" : "buckets",
			 v, vlen);
	d->column = base + (col ? col : -d->column) - 1;
	return rc;
}

/* --- report/ --- */

struct dims {
	struct mctx *c;
	struct obj_ref comp;
	struct buf *out;
};

/* 1 if component comp (its ref, attr 0) is a dimension, 0 if not or if
 * there is no such component, or -errno. */
static int comp_is_dimension(struct mctx *c, const struct obj_ref *comp)
{
	struct inidoc doc;
	int rc = attr_ini_load(c, comp, &component_attr, &doc);

	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	rc = !strcmp(inidoc_get(&doc, "component", "kind"), "dimension");
	inidoc_release(&doc);
	return rc;
}

static int dims_one(const char *name, size_t len, void *arg)
{
	struct dims *dm = arg;
	int rc;

	if (len > OBJ_NAME_MAX)
		return 0;
	memcpy(dm->comp.names[1], name, len);
	dm->comp.names[1][len] = '\0';
	rc = comp_is_dimension(dm->c, &dm->comp);
	if (rc > 0)
		rc = buf_printf(dm->out, "%s\n", dm->comp.names[1]);
	return rc;
}

/* report/DIM.csv is there when component DIM of the view is a dimension:
 * one record read, whatever the number of components. */
int report_has(struct mctx *c, const struct obj_ref *ref)
{
	struct obj_ref comp;

	obj_ref_root(&comp);
	comp.kind = KIND_COMPONENT;
	comp.nnames = 2;
	comp.attr = 0;
	snprintf(comp.names[0], sizeof(comp.names[0]), "%s", ref->names[0]);
	snprintf(comp.names[1], sizeof(comp.names[1]), "%s", ref->names[1]);
	return comp_is_dimension(c, &comp);
}

int report_list(struct mctx *c, const struct obj_ref *parent,
		struct buf *names)
{
	struct dims dm = { c, { 0 }, names };
	struct obj_ref dir;
	struct buf all = BUF_INIT;
	int rc;

	obj_ref_root(&dir);
	dir.kind = KIND_COMPONENTS;
	dir.nnames = 1;
	snprintf(dir.names[0], sizeof(dir.names[0]), "%s", parent->names[0]);
	dm.comp = dir;
	dm.comp.kind = KIND_COMPONENT;
	dm.comp.nnames = 2;
	dm.comp.attr = 0;
	rc = buf_add(names, "", 0);
	if (!rc)
		rc = obj_list(c, &dir, &all);
	if (!rc)
		rc = inidoc_lines_each(all.data, dims_one, &dm);
	buf_release(&all);
	return rc;
}
