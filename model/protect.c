/*
 * protect.c - what a data view protects (SPEC §3.4): a value a dimension
 * hides (include/exclude) or buckets never shows in rows.csv or a report,
 * through whatever component, the filter or a join.
 *
 * The rule is one invariant over the whole view, judged on the view's
 * settings alone (component files, the filter, the connection's
 * datasets), never on its data:
 *
 *  - Fields that carry the same values are one *class*: a lookup's key
 *    and its matching_key (a joined row has the same value in both; when
 *    some event dataset joins it, without a field of the key's name of
 *    its own), and
 *    every dataset's person_id field (event, profile and summary: they
 *    all name the connection's persons).  A field is its own class
 *    otherwise; `day` is a field of its own.
 *  - A class some dimension buckets is *bucketed*: every dimension over
 *    it must have the same buckets (one without would show the raw
 *    values, other buckets would cut them finer), no sum or distinct
 *    metric over it (a sum over one event is its raw value, a distinct
 *    counts raw values the buckets merge), and the filter names none of
 *    its fields (a filter `bp = 999` picks individuals out by raw value).
 *    A count over it counts events where the field is set.
 *  - A value the include/exclude rules of any dimension over a class
 *    hide is hidden for the whole view: no dimension over the class shows
 *    it (the rules of all of them apply), and it is absent for every
 *    metric (count does not count it, sum skips it, distinct and people
 *    ignore it), for the filter (it compares the empty value) and in
 *    every cell of rows.csv.  dvquery.c applies this part; it needs no
 *    check, as the rules of several dimensions simply add up.
 *
 * Commits keep the invariant: a component or dataview.ini whose commit
 * would break it is refused, whichever of the two parties comes second,
 * with a message naming both components (or the component and the
 * filter) and the field (dv_guard_check).  Removing the protecting
 * dimension is the one change that lifts a protection, and it needs no
 * check.  A view that breaks the rule anyway (stored before the rule, or
 * its connection's datasets changed since, which makes new classes) is
 * read fail-closed (dv_guard_blocked): a class whose dimensions bucket
 * it differently shows nothing (its dimensions and metrics read as
 * empty, its values count as hidden), a sum or distinct over a bucketed
 * class reads as empty, and a filter naming a bucketed or disputed class
 * passes no row.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "dataview.h"
#include "filter.h"
#include "mctx.h"
#include "protect.h"

static int guard_col(const struct dv_conn *conn, const char *field)
{
	if (!strcmp(field, "day"))
		return (int)conn->nfields;
	return (int)dv_conn_field(conn, field);
}

static int guard_find(const struct dv_guard *g, int col)
{
	while (g->cls[col] != col)
		col = g->cls[col];
	return col;
}

static void guard_union(struct dv_guard *g, int a, int b)
{
	if (a < 0 || b < 0)
		return;
	a = guard_find(g, a);
	b = guard_find(g, b);
	/* the smaller column stands for the class */
	if (a < b)
		g->cls[b] = a;
	else if (b < a)
		g->cls[a] = b;
}

static int ds_has(const struct dv_dataset *ds, const char *field)
{
	size_t i;

	for (i = 0; i < ds->nfields; i++)
		if (!strcmp(ds->field[i], field))
			return 1;
	return 0;
}

/* Lookup lk's key column carries matching_key values: some event dataset
 * has the matching_key field and not one of the key's name. */
static int lookup_joins(const struct dv_conn *conn,
			const struct dv_dataset *lk)
{
	size_t i;

	for (i = 0; i < conn->nds; i++)
		if (conn->ds[i].type == DATASET_EVENT &&
		    ds_has(&conn->ds[i], lk->matching_key) &&
		    !ds_has(&conn->ds[i], lk->field[lk->key]))
			return 1;
	return 0;
}

int dv_guard_init(struct dv_guard *g, const struct dv_conn *conn)
{
	size_t i, j;
	int pid = -1;

	memset(g, 0, sizeof(*g));
	g->conn = conn;
	g->ncols = conn->nfields + 1;
	g->cls = malloc(g->ncols * sizeof(*g->cls));
	g->by = malloc(g->ncols * sizeof(*g->by));
	g->state = calloc(g->ncols, sizeof(*g->state));
	if (!g->cls || !g->by || !g->state) {
		dv_guard_release(g);
		return -ENOMEM;
	}
	for (i = 0; i < g->ncols; i++) {
		g->cls[i] = (int)i;
		g->by[i] = -1;
	}
	for (i = 0; i < conn->nds; i++) {
		const struct dv_dataset *ds = &conn->ds[i];

		if (ds->type == DATASET_LOOKUP && ds->key >= 0 &&
		    *ds->matching_key) {
			if (lookup_joins(conn, ds))
				guard_union(g,
					    guard_col(conn, ds->field[ds->key]),
					    guard_col(conn, ds->matching_key));
			continue;
		}
		if (ds->type == DATASET_LOOKUP || ds->pid < 0)
			continue;
		j = (size_t)guard_col(conn, ds->field[ds->pid]);
		if ((int)j < 0)
			continue;
		if (pid >= 0)
			guard_union(g, pid, (int)j);
		pid = (int)j;
	}
	return 0;
}

void dv_guard_release(struct dv_guard *g)
{
	size_t i;

	for (i = 0; g->comp && i < g->ncomp; i++)
		free(g->comp[i].prot);
	free(g->comp);
	free(g->cls);
	free(g->by);
	free(g->state);
	free(g->fcol);
	memset(g, 0, sizeof(*g));
}

int dv_guard_add(struct dv_guard *g, const char *name,
		 const struct inidoc *doc)
{
	struct dv_guard_comp *gc;
	const char *field = inidoc_get(doc, "component", "field");
	const char *agg = inidoc_get(doc, "component", "aggregation");

	gc = realloc(g->comp, (g->ncomp + 1) * sizeof(*gc));
	if (!gc)
		return -ENOMEM;
	g->comp = gc;
	gc = &g->comp[g->ncomp];
	memset(gc, 0, sizeof(*gc));
	snprintf(gc->name, sizeof(gc->name), "%s", name);
	snprintf(gc->field, sizeof(gc->field), "%s", field);
	gc->metric = !strcmp(inidoc_get(doc, "component", "kind"), "metric");
	gc->col = -1;
	if (gc->metric) {
		/* occurrences, people, sessions: no field of a class; people
		 * goes through the person id's class (dvquery.c) */
		if (!strcmp(field, "occurrences") || !strcmp(field, "people") ||
		    !strcmp(field, "sessions"))
			goto done;
		gc->raw = !strcmp(agg, "sum")	   ? DV_GUARD_SUM :
			  !strcmp(agg, "distinct") ? DV_GUARD_DISTINCT :
						     0;
		gc->col = (int)dv_conn_field(g->conn, field);
		goto done;
	}
	gc->col = guard_col(g->conn, field);
	gc->hides = !!*inidoc_get(doc, "include_exclude", "rules");
	gc->prot = strdup(inidoc_get(doc, "bucketing", "buckets"));
	if (!gc->prot)
		return -ENOMEM;
	gc->bucketed = !!*gc->prot;
done:
	g->ncomp++;
	return 0;
}

int dv_guard_filter(struct dv_guard *g, const struct filter *f)
{
	size_t i, n = filter_nfields(f), len;
	int *v;

	v = realloc(g->fcol, (n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	g->fcol = v;
	g->nfcol = 0;
	for (i = 0; i < n; i++) {
		int col = guard_col(g->conn, filter_field(f, i, &len));

		if (col >= 0)
			g->fcol[g->nfcol++] = col;
	}
	return 0;
}

static const char *col_name(const struct dv_guard *g, int col)
{
	return col == (int)g->conn->nfields ? "day" : g->conn->fields[col];
}

/* Two dimensions bucket alike (or neither buckets). */
static int prot_same(const struct dv_guard_comp *a,
		     const struct dv_guard_comp *b)
{
	return !strcmp(a->prot, b->prot);
}

void dv_guard_settle(struct dv_guard *g)
{
	size_t i;
	int k;

	for (i = 0; i < g->ncols; i++) {
		g->by[i] = -1;
		g->state[i] = 0;
	}
	/* the first bucketing dimension of each class */
	for (i = 0; i < g->ncomp; i++) {
		const struct dv_guard_comp *gc = &g->comp[i];

		if (gc->metric || gc->col < 0)
			continue;
		k = guard_find(g, gc->col);
		if (gc->bucketed && g->by[k] < 0)
			g->by[k] = (int)i;
		g->state[k] |= (gc->hides ? DV_PROT_HIDDEN : 0) |
			       (gc->bucketed ? DV_PROT_BUCKETED : 0);
	}
	for (i = 0; i < g->ncomp; i++) {
		const struct dv_guard_comp *gc = &g->comp[i];

		if (gc->metric || gc->col < 0)
			continue;
		k = guard_find(g, gc->col);
		if (g->by[k] >= 0 && !prot_same(gc, &g->comp[g->by[k]]))
			g->state[k] |= DV_PROT_DISPUTED;
	}
}

int dv_guard_class(const struct dv_guard *g, int col)
{
	return col < 0 || (size_t)col >= g->ncols ? -1 : guard_find(g, col);
}

int dv_guard_col_state(const struct dv_guard *g, int col, int *by)
{
	int k;

	if (col < 0 || (size_t)col >= g->ncols) {
		if (by)
			*by = -1;
		return 0;
	}
	k = guard_find(g, col);
	if (by)
		*by = g->by[k];
	return g->state[k];
}

int dv_guard_blocked(const struct dv_guard *g, size_t i)
{
	const struct dv_guard_comp *gc = &g->comp[i];
	int st = dv_guard_col_state(g, gc->col, NULL);

	if (st & DV_PROT_DISPUTED)
		return 1;
	return gc->metric && gc->raw && (st & DV_PROT_BUCKETED);
}

int dv_guard_filter_blocked(const struct dv_guard *g)
{
	size_t i;

	for (i = 0; i < g->nfcol; i++)
		if (dv_guard_col_state(g, g->fcol[i], NULL) &
		    (DV_PROT_BUCKETED | DV_PROT_DISPUTED))
			return 1;
	return 0;
}

/* "field 'a'", or "field 'a' (through a join, the values of 'b')". */
static void field_words(const struct dv_guard_comp *a,
			const struct dv_guard_comp *b, char *out, size_t size)
{
	if (!strcmp(a->field, b->field))
		snprintf(out, size, "field '%s'", a->field);
	else
		snprintf(out, size, "field '%s' (joined: the values of '%s')",
			 a->field, b->field);
}

/* Dimensions x and y over one class disagree; x is the one committed
 * (or the first of the two). */
static void say_dims(const struct dv_guard_comp *x,
		     const struct dv_guard_comp *y, struct diag *d)
{
	char f[2 * OBJ_NAME_MAX + 64];

	field_words(x, y, f, sizeof(f));
	if (x->bucketed && !y->bucketed) {
		/* the newcomer buckets what another shows as it is */
		diag_set(d, d->line, 0,
			 "component '%s' would bucket %s, which component '%s' "
			 "shows as it is: dimensions over a bucketed field "
			 "need the same [bucketing]",
			 x->name, f, y->name);
		return;
	}
	diag_set(d, d->line, 0,
		 "component '%s' would show %s otherwise than component "
		 "'%s', which buckets it: dimensions over a bucketed field "
		 "need the same [bucketing]",
		 x->name, f, y->name);
}

/* Metric m sums or counts distinct values of a class dimension dim
 * buckets; m_first: m is the one committed. */
static void say_metric(const struct dv_guard_comp *m,
		       const struct dv_guard_comp *dim, int m_first,
		       struct diag *d)
{
	char f[2 * OBJ_NAME_MAX + 64];
	int sum = m->raw == DV_GUARD_SUM;

	if (m_first) {
		field_words(m, dim, f, sizeof(f));
		diag_set(d, d->line, 0,
			 "component '%s' would %s %s, which component '%s' "
			 "buckets: a sum or distinct over a bucketed field "
			 "shows or counts its raw values (count is allowed)",
			 m->name, sum ? "sum" : "count distinct values of", f,
			 dim->name);
		return;
	}
	field_words(dim, m, f, sizeof(f));
	diag_set(d, d->line, 0,
		 "component '%s' would bucket %s, which component '%s' %s: a "
		 "sum or distinct over a bucketed field shows or counts its "
		 "raw values (count is allowed)",
		 dim->name, f, m->name,
		 sum ? "sums" : "counts distinct values of");
}

int dv_guard_check(const struct dv_guard *g, const char *name, int pairs,
		   int filter, struct diag *d)
{
	size_t i, j;
	int col;

	for (i = 0; pairs && i < g->ncomp; i++) {
		const struct dv_guard_comp *a = &g->comp[i];

		for (j = 0; a->col >= 0 && j < g->ncomp; j++) {
			const struct dv_guard_comp *b = &g->comp[j];
			int is_a = name && !strcmp(name, a->name);
			int is_b = name && !strcmp(name, b->name);

			if (j == i || b->col < 0 ||
			    guard_find(g, a->col) != guard_find(g, b->col))
				continue;
			if (!a->metric && !b->metric && !prot_same(a, b) &&
			    (name ? is_a : j > i)) {
				say_dims(a, b, d);
				return 1;
			}
			if (a->metric && a->raw && !b->metric && b->bucketed &&
			    (!name || is_a || is_b)) {
				say_metric(a, b, !is_b, d);
				return 1;
			}
		}
	}
	for (i = 0; filter && i < g->ncomp; i++) {
		const struct dv_guard_comp *a = &g->comp[i];

		if (a->metric || !a->bucketed || a->col < 0 ||
		    (name && strcmp(name, a->name)))
			continue;
		for (j = 0; j < g->nfcol; j++) {
			col = g->fcol[j];
			if (guard_find(g, col) != guard_find(g, a->col))
				continue;
			if (name)
				diag_set(d, d->line, 0,
					 "component '%s' would bucket field "
					 "'%s', which the data view's filter "
					 "names: the filter would pick events "
					 "out by their raw values",
					 a->name, col_name(g, col));
			else
				diag_set(d, d->line, 0,
					 "filter: field '%s' is bucketed by "
					 "component '%s': the filter would pick "
					 "events out by their raw values",
					 col_name(g, col), a->name);
			return 1;
		}
	}
	return 0;
}

struct guard_load {
	struct dv_guard *g;
	const char *skip;
};

static int guard_load_one(const struct obj_ref *ref, const struct inidoc *doc,
			  void *arg)
{
	struct guard_load *gl = arg;

	if (gl->skip && !strcmp(gl->skip, ref->names[1]))
		return 0;
	return dv_guard_add(gl->g, ref->names[1], doc);
}

int dv_guard_load(struct mctx *c, const char *view, const char *skip,
		  struct dv_guard *g)
{
	struct guard_load gl = { g, skip };

	return dv_each_component(c, view, guard_load_one, &gl);
}

/* One person id field's column of conn: the class every person id field
 * is in (dv_guard_init joins them), -1 when no dataset has one. */
static int person_col(const struct dv_conn *conn)
{
	size_t i;

	for (i = 0; i < conn->nds; i++)
		if (conn->ds[i].pid >= 0)
			return guard_col(conn,
					 conn->ds[i].field[conn->ds[i].pid]);
	return -1;
}

int dv_person_shown(struct mctx *c, const char *view)
{
	struct inidoc doc;
	struct dv_conn conn;
	struct dv_guard g;
	struct diag d;
	size_t i;
	int rc, pcol, shown = 0;

	rc = dv_load_ini(c, view, &doc);
	if (rc == -ENOENT)
		return 0;	/* a view that is gone shows nothing */
	if (rc)
		return rc;
	rc = dv_view_conn(c, &doc, &conn, &d);
	inidoc_release(&doc);
	if (rc == -EINVAL)
		return 0;	/* no usable connection: no person id shows */
	if (rc)
		return rc;
	rc = dv_guard_init(&g, &conn);
	if (rc)
		goto out_conn;
	rc = dv_guard_load(c, view, NULL, &g);
	if (rc)
		goto out_guard;
	dv_guard_settle(&g);
	pcol = person_col(&conn);
	for (i = 0; pcol >= 0 && i < g.ncomp && !shown; i++) {
		const struct dv_guard_comp *gc = &g.comp[i];

		/* its own rules, or any other dimension's over the same
		 * values, would hide or relabel some ids */
		if (gc->metric || gc->col < 0 || gc->hides || gc->bucketed ||
		    dv_guard_col_state(&g, gc->col, NULL))
			continue;
		shown = dv_guard_class(&g, gc->col) ==
			dv_guard_class(&g, pcol);
	}
	rc = shown;
out_guard:
	dv_guard_release(&g);
out_conn:
	dv_conn_release(&conn);
	return rc;
}
