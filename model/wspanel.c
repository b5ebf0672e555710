/*
 * wspanel.c - a panel's table, panels/PANEL.csv (SPEC §7): the visible
 * values of the panel's dimension with each of its metrics, over the
 * events its segments keep in its date range, sorted and cut to its
 * limit, computed for the caller who reads it (and, under
 * /links/TOKEN/panels, as the project's owner would see it).
 *
 * It is a computation stream like report/DIM.csv (kind.h, activity.h):
 * start() runs under the model's lock and takes all it needs from the
 * store: the panel's .ini, each segment, calculated metric and the date
 * range it names, the annotations the reader sees, and the view's event
 * stream (dv_events_open: the plan and a snapshot of its rows), then
 * binds the dimension, the segments and the formulas to the view as it
 * is now.  next() runs without the lock: the first call computes the
 * whole table (one or two passes over the snapshot per "context", each
 * polled through c->job: listed in reporting activity, cancellable,
 * interrupted by a close), then each call hands out a piece of it.
 *
 * Contexts.  The panel's segments (all apply) in its date range keep
 * the events every metric counts; a calculated metric with a segment of
 * its own counts its operands over the events that segment keeps too,
 * so each distinct such segment is one more context: one more pass with
 * that segment added.  Its items are a subset of the first context's
 * (one more segment can only keep fewer events), which makes the rows.
 *
 * Metrics are a report's (dvquery.c): occurrences, count, sum (exact in
 * decimal, decsum.h), distinct, people and sessions per item, from what
 * dv_events hands each event (dv_event.met: hidden values are absent).
 * distinct, people and sessions count distinct (item, value) pairs
 * through sorts in bounded memory (extsort.h) that spill next to the
 * store past their part of dv_sort_budget.  A calculated metric's
 * formula runs on a row's aggregated values (its operands as doubles:
 * a sum's exact decimal read back), an empty cell where it has none;
 * it is written with the metric's precision ("%.Nf"; percent: times
 * 100 and a '%'; currency and time: the number).
 *
 * Dimensions: a dimension component shows what rows.csv shows (a
 * hidden value is no item); day is the event's date as the view shows
 * it; week (its Monday), month (YYYY-MM) and hour (00-23) are the
 * event's local time in the view's zone, and only where the view shows
 * that date unchanged (a dimension over day that hides or buckets it
 * leaves the event without a time item: nothing the view hides
 * appears); hour also only where it shows the timestamp field as it is
 * (dv_event.time_shown).  A panel over day has a last column, annotations: the
 * names of the annotations the reader (a link: the owner) may see,
 * of the panel's view or all_dataviews, that cover the day.
 *
 * Sorting: by sort (a metric, or the dimension), else the first metric,
 * else the dimension; order desc or asc; ties, and every sort by the
 * dimension, by the item's bytes, ascending for ties.  An empty
 * calculated cell sorts last either way.  Then the first limit rows.
 *
 * What it cannot read whole fails with EINVAL and one /errors line
 * naming what is missing (no dimension, a data view, component,
 * segment, calculated metric or date range gone, a rule or formula
 * that no longer binds): it never shows other data.  Who may read it
 * is the policy's (ACT_WS_PANEL, ACT_LINK_READ).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "dataview.h"
#include "decsum.h"
#include "dvevents.h"
#include "extsort.h"
#include "mctx.h"
#include "object.h"
#include "policy.h"
#include "strtab.h"
#include "tz.h"
#include "workspace.h"
#include "wsdef.h"

#define PANEL_PIECE (128 * 1024)	/* bytes handed out per next() */
#define PANEL_TIME_NONE (-1)

/* One column of the table. */
struct pcol {
	char head[OBJ_NAME_MAX + 8];	/* as the panel writes it */
	int view_metric;		/* index of a view metric, or -1 */
	struct wsdef_formula *f;	/* a calculated metric's formula */
	size_t ctx;			/* the context its operands count in */
	char format[16];
	int precision;
};

/* The events one set of segments keeps, aggregated per item. */
struct pctx {
	struct wsdef_segment **seg;	/* borrowed from the cursor */
	size_t nseg;
	unsigned char *need;		/* per view metric */
	double **acc;			/* per view metric: per item */
	struct decsum **dec;		/* per sum metric: per item */
	struct extsort *pairs;		/* distinct, people, sessions */
	struct strtab *vals;		/* distinct: interned values */
};

struct panel_cur {
	struct dv_events *ev;
	size_t nmet;			/* the view's metrics */
	enum dv_events_agg *agg;
	int dim;			/* view dimension index, or -1 */
	int time;			/* time dimension (0-3), or -1 */
	struct wsdef_segment **seg;	/* the panel's, then the metrics' */
	size_t nseg, npanelseg;
	struct pctx *ctx;
	size_t nctx;
	char (*ctxname)[OBJ_NAME_MAX + 1];	/* context i's own segment */
	double *vbuf;			/* a formula's operands */
	double *skey;			/* per item: its sort value */
	unsigned char *shas;		/* per item: it has one */
	struct pcol *col;
	size_t ncol;
	int64_t first_day, last_day;
	int sort;			/* column, or -1: the dimension */
	int desc;
	long limit;
	struct wsdef_note *notes;
	size_t nnotes;
	char *note_names;		/* the notes' names, NUL-separated */
	char dimhead[OBJ_NAME_MAX + 1];
	/* computing */
	struct strtab items;
	struct strtab persons;
	size_t cap;
	size_t cur_ctx;
	int computed;
	struct buf text;
	size_t off;
	int drained;			/* text handed out whole, released */
	int want_summary;
	struct ws_panel_summary sum;
};

static void pctx_release(struct pctx *x, size_t nmet)
{
	size_t i;

	for (i = 0; i < nmet; i++) {
		if (x->acc)
			free(x->acc[i]);
		if (x->dec)
			free(x->dec[i]);
		if (x->pairs)
			extsort_release(&x->pairs[i]);
		if (x->vals)
			strtab_release(&x->vals[i]);
	}
	free(x->acc);
	free(x->dec);
	free(x->pairs);
	free(x->vals);
	free(x->need);
	free(x->seg);
	memset(x, 0, sizeof(*x));
}

static void panel_done(void *cursor)
{
	struct panel_cur *pc = cursor;
	size_t i;

	if (!pc)
		return;
	for (i = 0; i < pc->nctx; i++)
		pctx_release(&pc->ctx[i], pc->nmet);
	free(pc->ctx);
	free(pc->ctxname);
	free(pc->vbuf);
	free(pc->skey);
	free(pc->shas);
	for (i = 0; i < pc->nseg; i++)
		wsdef_segment_free(pc->seg[i]);
	free(pc->seg);
	for (i = 0; i < pc->ncol; i++)
		wsdef_formula_free(pc->col[i].f);
	free(pc->col);
	free(pc->agg);
	free(pc->notes);
	free(pc->note_names);
	strtab_release(&pc->items);
	strtab_release(&pc->persons);
	dv_events_close(pc->ev);
	buf_release(&pc->text);
	free(pc);
}

/* d as one /errors line for ref, and -EINVAL. */
static int panel_fail(struct mctx *c, const struct obj_ref *ref,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int panel_fail(struct mctx *c, const struct obj_ref *ref,
		      const char *fmt, ...)
{
	struct buf path = BUF_INIT;
	struct diag d;
	va_list ap;

	memset(&d, 0, sizeof(d));
	va_start(ap, fmt);
	vsnprintf(d.msg, sizeof(d.msg), fmt, ap);
	va_end(ap);
	if (c->who && !obj_ref_path(ref, &path))
		model_error_add(c, c->who->id.uid, path.data, &d);
	buf_release(&path);
	return -EINVAL;
}

/* The Workspace object of kind k named name: 0 and its .ini, or
 * -ENOENT. */
static int load_ws(struct mctx *c, int k, const char *name, size_t len,
		   struct inidoc *doc)
{
	struct obj_ref o;

	if (!len || len > OBJ_NAME_MAX)
		return -ENOENT;
	obj_ref_root(&o);
	o.kind = k;
	o.nnames = 1;
	o.attr = 0;
	memcpy(o.names[0], name, len);
	o.names[0][len] = '\0';
	if (!obj_exists(c, &o))
		return -ENOENT;
	return attr_ini_load(c, &o, obj_ref_attr(&o), doc);
}

/* Parse a segment's rule against the view: 0 and its index in pc->seg,
 * or -EINVAL (in /errors) when it is gone or no longer binds. */
static int add_segment(struct mctx *c, const struct obj_ref *ref,
		       struct panel_cur *pc, const char *name, size_t len,
		       const char **dims, size_t ndims, size_t *at)
{
	struct inidoc doc;
	enum wsdef_container ct;
	struct wsdef_segment **v;
	struct diag fd;
	const char *rule;
	int rc = load_ws(c, KIND_WS_SEGMENT, name, len, &doc);

	if (rc == -ENOENT)
		return panel_fail(c, ref, "panel: segment '%.*s' is gone",
				  (int)len, name);
	if (rc)
		return rc;
	v = realloc(pc->seg, (pc->nseg + 1) * sizeof(*v));
	if (!v) {
		inidoc_release(&doc);
		return -ENOMEM;
	}
	pc->seg = v;
	rule = inidoc_get(&doc, "segment", "rule");
	memset(&fd, 0, sizeof(fd));
	rc = wsdef_container_parse(inidoc_get(&doc, "segment", "container"),
				   &ct);
	if (!rc)
		rc = wsdef_segment_parse(rule, strlen(rule), ct,
					 inidoc_bool(&doc, "segment",
						     "exclude"),
					 dims, ndims, &pc->seg[pc->nseg], &fd);
	inidoc_release(&doc);
	if (rc == -EINVAL)
		return panel_fail(c, ref, "panel: segment '%.*s': rule: %s",
				  (int)len, name, fd.msg);
	if (rc)
		return rc;
	*at = pc->nseg++;
	return 0;
}

struct load {
	struct mctx *c;
	const struct obj_ref *ref;
	struct panel_cur *pc;
	const char **dims, **mets;
	size_t ndims;
};

static int load_segment_each(const char *item, size_t len, void *arg)
{
	struct load *l = arg;
	size_t at;

	return add_segment(l->c, l->ref, l->pc, item, len, l->dims, l->ndims,
			   &at);
}

/* The context of a calculated metric's own segment (after the panel's
 * segments): the one made for the same segment, or a new one. */
static int metric_context(struct mctx *c, const struct obj_ref *ref,
			  struct panel_cur *pc, struct load *l,
			  const char *seg, size_t *ctx)
{
	char (*names)[OBJ_NAME_MAX + 1];
	struct pctx *v;
	size_t i, at;
	int rc;

	if (!*seg) {
		*ctx = 0;
		return 0;
	}
	for (i = 1; i < pc->nctx; i++)
		if (!strcmp(pc->ctxname[i], seg)) {
			*ctx = i;
			return 0;
		}
	/* each is a pass over the events: bounded as at commit */
	if (pc->nctx > WS_PANEL_METRIC_SEGMENTS_MAX)
		return panel_fail(c, ref, "panel: its calculated metrics count "
				  "in more than %d segments of their own",
				  WS_PANEL_METRIC_SEGMENTS_MAX);
	rc = add_segment(c, ref, pc, seg, strlen(seg), l->dims, l->ndims,
			 &at);
	if (rc)
		return rc;
	v = realloc(pc->ctx, (pc->nctx + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	pc->ctx = v;
	memset(&pc->ctx[pc->nctx], 0, sizeof(*v));
	names = realloc(pc->ctxname, (pc->nctx + 1) * sizeof(*names));
	if (!names)
		return -ENOMEM;
	pc->ctxname = names;
	snprintf(names[pc->nctx], sizeof(names[0]), "%s", seg);
	/* context i adds the segment parsed i-th after the panel's */
	*ctx = pc->nctx++;
	return 0;
}

static int load_metric_each(const char *item, size_t len, void *arg)
{
	struct load *l = arg;
	struct panel_cur *pc = l->pc;
	struct pcol *col = &pc->col[pc->ncol];
	size_t pl = strlen(WS_PANEL_CALC), i;
	struct inidoc doc;
	struct diag fd;
	const char *f;
	int rc;

	/* pc->col holds WS_PANEL_METRICS_MAX, as a commit allows */
	if (pc->ncol >= WS_PANEL_METRICS_MAX)
		return panel_fail(l->c, l->ref, "panel: more than %d metrics",
				  WS_PANEL_METRICS_MAX);
	memset(col, 0, sizeof(*col));
	col->view_metric = -1;
	snprintf(col->head, sizeof(col->head), "%.*s",
		 (int)(len < OBJ_NAME_MAX + 7 ? len : OBJ_NAME_MAX + 7), item);
	if (len <= pl || memcmp(item, WS_PANEL_CALC, pl)) {
		for (i = 0; i < pc->nmet; i++)
			if (strlen(l->mets[i]) == len &&
			    !memcmp(l->mets[i], item, len))
				break;
		if (i == pc->nmet)
			return panel_fail(l->c, l->ref, "panel: metric '%.*s' "
					  "is gone from the data view",
					  (int)len, item);
		col->view_metric = (int)i;
		pc->ncol++;
		return 0;
	}
	rc = load_ws(l->c, KIND_WS_METRIC, item + pl, len - pl, &doc);
	if (rc == -ENOENT)
		return panel_fail(l->c, l->ref, "panel: calculated metric "
				  "'%.*s' is gone", (int)(len - pl),
				  item + pl);
	if (rc)
		return rc;
	f = inidoc_get(&doc, "metric", "formula");
	memset(&fd, 0, sizeof(fd));
	rc = wsdef_formula_parse(f, strlen(f), l->mets, pc->nmet, &col->f,
				 &fd);
	if (rc == -EINVAL)
		rc = panel_fail(l->c, l->ref, "panel: calculated metric "
				"'%.*s': formula: %s", (int)(len - pl),
				item + pl, *f ? fd.msg : "empty");
	snprintf(col->format, sizeof(col->format), "%s",
		 inidoc_get(&doc, "metric", "format"));
	col->precision = atoi(inidoc_get(&doc, "metric", "precision"));
	if (col->precision < 0 || col->precision > 10)
		col->precision = 2;
	if (!rc) {
		pc->ncol++;	/* freed with the cursor from here */
		rc = metric_context(l->c, l->ref, pc, l,
				    inidoc_get(&doc, "metric", "segment"),
				    &col->ctx);
	}
	inidoc_release(&doc);
	return rc;
}

/* The annotations the viewer sees on view that have both days. */
struct notes_load {
	struct mctx *c;
	const struct caller *viewer;
	const char *view;
	struct panel_cur *pc;
	struct buf names;
	size_t *at;			/* per note: its name's offset */
	size_t cap;
};

static int notes_each(const char *name, size_t len, void *arg)
{
	struct notes_load *nl = arg;
	struct obj_ref o;
	struct inidoc doc;
	const char *s, *e;
	int64_t first, last;
	int rc;

	if (!len || len > OBJ_NAME_MAX)
		return 0;
	obj_ref_root(&o);
	o.kind = KIND_WS_ANNOTATION;
	o.nnames = 1;
	o.attr = 0;
	memcpy(o.names[0], name, len);
	o.names[0][len] = '\0';
	if (policy_check(nl->c->pol, nl->viewer, ACT_WS_READ, &o, NULL))
		return 0;
	rc = attr_ini_load(nl->c, &o, obj_ref_attr(&o), &doc);
	if (rc)
		return rc == -ENOENT ? 0 : rc;
	s = inidoc_get(&doc, "annotation", "start");
	e = inidoc_get(&doc, "annotation", "end");
	if ((strcmp(inidoc_get(&doc, "annotation", "dataview"), nl->view) &&
	     !inidoc_bool(&doc, "annotation", "all_dataviews")) ||
	    wsdef_fixed_day(s, strlen(s), &first, NULL) ||
	    wsdef_fixed_day(e, strlen(e), &last, NULL)) {
		inidoc_release(&doc);
		return 0;
	}
	inidoc_release(&doc);
	if (nl->pc->nnotes == nl->cap) {
		size_t cap = nl->cap ? 2 * nl->cap : 16;
		struct wsdef_note *v = realloc(nl->pc->notes,
					       cap * sizeof(*v));
		size_t *a;

		if (!v)
			return -ENOMEM;
		nl->pc->notes = v;
		a = realloc(nl->at, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		nl->at = a;
		nl->cap = cap;
	}
	nl->at[nl->pc->nnotes] = nl->names.len;
	nl->pc->notes[nl->pc->nnotes].first = first;
	nl->pc->notes[nl->pc->nnotes].last = last;
	nl->pc->nnotes++;
	rc = buf_add(&nl->names, name, len);
	return rc ? rc : buf_addch(&nl->names, '\0');
}

static int load_notes(struct mctx *c, const struct caller *viewer,
		      const char *view, struct panel_cur *pc)
{
	struct notes_load nl = { c, viewer, view, pc, BUF_INIT, NULL, 0 };
	struct buf names = BUF_INIT;
	struct obj_ref dir;
	size_t i;
	int rc;

	obj_ref_root(&dir);
	dir.kind = KIND_WS_ANNOTATIONS;
	rc = obj_list(c, &dir, &names);
	if (!rc)
		rc = inidoc_lines_each(names.data, notes_each, &nl);
	buf_release(&names);
	if (!rc && pc->nnotes) {
		/* the names' buffer is final: point at it */
		pc->note_names = nl.names.data;
		buf_init(&nl.names);
		for (i = 0; i < pc->nnotes; i++)
			pc->notes[i].name = pc->note_names + nl.at[i];
	}
	buf_release(&nl.names);
	free(nl.at);
	return rc;
}

/* The date range's days in the view's zone, now. */
static int load_range(struct mctx *c, const struct obj_ref *ref,
		      struct panel_cur *pc, const char *name)
{
	struct inidoc doc;
	struct wsdef_date s, e;
	const char *a, *b;
	int rc;

	pc->first_day = INT64_MIN;
	pc->last_day = INT64_MAX;
	if (!*name)
		return 0;
	rc = load_ws(c, KIND_WS_DATERANGE, name, strlen(name), &doc);
	if (rc == -ENOENT)
		return panel_fail(c, ref, "panel: date range '%s' is gone",
				  name);
	if (rc)
		return rc;
	a = inidoc_get(&doc, "date_range", "start");
	b = inidoc_get(&doc, "date_range", "end");
	if (wsdef_date_parse(a, strlen(a), &s, NULL) ||
	    wsdef_date_parse(b, strlen(b), &e, NULL))
		rc = panel_fail(c, ref, "panel: date range '%s' has no start "
				"or end", name);
	else
		wsdef_range_days(&s, &e, dv_events_tz(pc->ev),
				 (int64_t)c->now, &pc->first_day,
				 &pc->last_day);
	inidoc_release(&doc);
	return rc;
}

/* Which view metrics each context computes. */
static int plan_needs(struct panel_cur *pc)
{
	size_t i, k;

	for (i = 0; i < pc->nctx; i++) {
		pc->ctx[i].need = calloc(pc->nmet + 1, 1);
		if (!pc->ctx[i].need)
			return -ENOMEM;
	}
	for (i = 0; i < pc->ncol; i++) {
		const struct pcol *col = &pc->col[i];

		if (col->view_metric >= 0) {
			pc->ctx[0].need[col->view_metric] = 1;
			continue;
		}
		for (k = 0; k < wsdef_formula_nrefs(col->f); k++)
			pc->ctx[col->ctx].need[wsdef_formula_ref(col->f, k)] =
				1;
	}
	return 0;
}

/* Each context's segments: the panel's, then its own (the segment its
 * calculated metric added, in the order they were added). */
static int plan_contexts(struct panel_cur *pc)
{
	size_t i, j;

	for (i = 0; i < pc->nctx; i++) {
		struct pctx *x = &pc->ctx[i];

		x->nseg = pc->npanelseg + (i > 0);
		x->seg = calloc(x->nseg + 1, sizeof(*x->seg));
		if (!x->seg)
			return -ENOMEM;
		for (j = 0; j < pc->npanelseg; j++)
			x->seg[j] = pc->seg[j];
		if (i > 0)
			x->seg[pc->npanelseg] = pc->seg[pc->npanelseg + i - 1];
	}
	return 0;
}

/* Do the segments or the metrics counted need the view's sessions? */
static int panel_sessions(const struct panel_cur *pc)
{
	struct wsdef_keep k = { pc->seg, pc->nseg, 1, INT64_MIN, INT64_MAX };
	size_t i, m;

	if (wsdef_keep_flags(&k) & DV_EVENTS_SESSIONS)
		return 1;
	for (i = 0; i < pc->nctx; i++)
		for (m = 0; m < pc->nmet; m++)
			if (pc->ctx[i].need[m] &&
			    pc->agg[m] == DV_AGG_SESSIONS)
				return 1;
	return 0;
}

/* At open, under the model's lock. */
static int panel_start(struct mctx *c, const struct obj_ref *ref,
		       void **cursor)
{
	struct panel_cur *pc = calloc(1, sizeof(*pc));
	struct obj_ref panel, dv;
	struct inidoc doc;
	struct buf owner = BUF_INIT;
	struct caller as_owner;
	const struct caller *viewer = c->who;
	struct load l = { c, ref, pc, NULL, NULL, 0 };
	char view[OBJ_NAME_MAX + 1];
	const char *dim, *sort, *v;
	unsigned flags = 0;
	size_t i;
	int rc, have_owner = 0, doc_loaded = 0;

	if (!pc)
		return -ENOMEM;
	strtab_init(&pc->items);
	strtab_init(&pc->persons);
	buf_init(&pc->text);
	pc->dim = -1;
	pc->time = PANEL_TIME_NONE;
	rc = ws_panel_resolve(c, ref, &panel, &owner);
	if (rc)
		goto out;
	if (ref->kind == KIND_LINK_PANEL) {
		/* what the project's owner would see: its annotations, and
		 * only while it may read the panel itself */
		rc = policy_caller_login(c->pol, owner.data, &as_owner);
		if (rc)
			goto out;
		have_owner = 1;
		viewer = &as_owner;
		if (policy_check(c->pol, viewer, ACT_WS_PANEL, &panel, NULL)) {
			rc = panel_fail(c, ref, "panel: the project's owner "
					"may not read this panel");
			goto out;
		}
	}
	rc = attr_ini_load(c, &panel, obj_ref_attr(&panel), &doc);
	if (rc)
		goto out;
	doc_loaded = 1;
	v = inidoc_get(&doc, "panel", "dataview");
	if (*v) {
		snprintf(view, sizeof(view), "%s", v);
	} else {
		struct obj_ref proj;
		struct inidoc pd;

		obj_ref_root(&proj);
		proj.kind = KIND_WS_PROJECT;
		proj.nnames = 1;
		proj.attr = 0;
		memcpy(proj.names[0], panel.names[0], sizeof(proj.names[0]));
		rc = attr_ini_load(c, &proj, obj_ref_attr(&proj), &pd);
		if (rc)
			goto out;
		snprintf(view, sizeof(view), "%s",
			 inidoc_get(&pd, "project", "dataview"));
		inidoc_release(&pd);
	}
	obj_ref_root(&dv);
	dv.kind = KIND_DATAVIEW;
	dv.nnames = 1;
	snprintf(dv.names[0], sizeof(dv.names[0]), "%s", view);
	dim = inidoc_get(&doc, "panel", "dimension");
	if (!*view) {
		rc = panel_fail(c, ref, "panel: neither the panel nor its "
				"project names a data view");
		goto out;
	}
	if (!obj_exists(c, &dv)) {
		rc = panel_fail(c, ref, "panel: data view '%s' is gone", view);
		goto out;
	}
	if (!*dim) {
		rc = panel_fail(c, ref, "panel: no dimension yet");
		goto out;
	}
	snprintf(pc->dimhead, sizeof(pc->dimhead), "%s", dim);
	rc = dv_events_open(c, view, flags, &pc->ev);
	if (rc)
		goto out;
	l.ndims = dv_events_ndims(pc->ev);
	pc->nmet = dv_events_nmetrics(pc->ev);
	l.dims = calloc(l.ndims + 1, sizeof(*l.dims));
	l.mets = calloc(pc->nmet + 1, sizeof(*l.mets));
	pc->agg = calloc(pc->nmet + 1, sizeof(*pc->agg));
	pc->col = calloc(WS_PANEL_METRICS_MAX, sizeof(*pc->col));
	pc->ctx = calloc(1, sizeof(*pc->ctx));
	pc->ctxname = calloc(1, sizeof(*pc->ctxname));
	pc->vbuf = calloc(pc->nmet + 1, sizeof(*pc->vbuf));
	if (!l.dims || !l.mets || !pc->agg || !pc->col || !pc->ctx ||
	    !pc->ctxname || !pc->vbuf) {
		rc = -ENOMEM;
		goto out;
	}
	pc->nctx = 1;
	for (i = 0; i < l.ndims; i++) {
		l.dims[i] = dv_events_dim(pc->ev, i);
		if (!strcmp(l.dims[i], dim))
			pc->dim = (int)i;
	}
	for (i = 0; i < pc->nmet; i++)
		l.mets[i] = dv_events_metric(pc->ev, i, &pc->agg[i]);
	if (pc->dim < 0)
		pc->time = ws_panel_time_dim(dim);
	if (pc->dim < 0 && pc->time < 0) {
		rc = panel_fail(c, ref, "panel: dimension '%s' is gone from "
				"data view '%s'", dim, view);
		goto out;
	}
	rc = inidoc_list_each(inidoc_get(&doc, "panel", "segments"),
			      load_segment_each, &l);
	if (rc)
		goto out;
	pc->npanelseg = pc->nseg;
	rc = inidoc_list_each(inidoc_get(&doc, "panel", "metrics"),
			      load_metric_each, &l);
	if (rc)
		goto out;
	rc = load_range(c, ref, pc, inidoc_get(&doc, "panel", "date_range"));
	if (!rc)
		rc = plan_contexts(pc);
	if (!rc)
		rc = plan_needs(pc);
	if (!rc && !(flags & DV_EVENTS_SESSIONS) && panel_sessions(pc)) {
		/* the sessions' numbers cost a sort when the events are
		 * not in time order: asked only when used (the same view
		 * and rows: the lock is held) */
		dv_events_close(pc->ev);
		pc->ev = NULL;
		flags = DV_EVENTS_SESSIONS;
		rc = dv_events_open(c, view, flags, &pc->ev);
	}
	/* no caller (a unit's context): nobody to see annotations */
	if (!rc && pc->time == 0 && viewer)
		rc = load_notes(c, viewer, view, pc);
	if (rc)
		goto out;
	sort = inidoc_get(&doc, "panel", "sort");
	pc->sort = pc->ncol ? 0 : -1;
	if (*sort && !strcmp(sort, dim))
		pc->sort = -1;
	else if (*sort)
		for (i = 0; i < pc->ncol; i++)
			if (!strcmp(pc->col[i].head, sort))
				pc->sort = (int)i;
	pc->desc = !strcmp(inidoc_get(&doc, "panel", "order"), "desc");
	pc->limit = atol(inidoc_get(&doc, "panel", "limit"));
	if (pc->limit < 1 || pc->limit > WS_PANEL_LIMIT_MAX)
		pc->limit = 400;
out:
	free(l.dims);
	free(l.mets);
	if (doc_loaded)
		inidoc_release(&doc);
	if (have_owner)
		caller_release(&as_owner);
	buf_release(&owner);
	if (rc) {
		panel_done(pc);
		return rc;
	}
	*cursor = pc;
	return 0;
}

/* --- computing --- */

static int64_t floor_mod(int64_t a, int64_t b)
{
	int64_t r = a % b;

	return r < 0 ? r + b : r;
}

/* The item of event e: 1 and its text in buf (or *out borrowed from
 * e), or 0 when the dimension shows nothing for it. */
static int event_item(const struct panel_cur *pc, const struct dv_event *e,
		      char buf[TZ_DAY_SIZE], const char **out, size_t *len)
{
	const struct tz *z = dv_events_tz(pc->ev);
	int64_t day, secs;

	if (pc->dim >= 0) {
		*out = e->dim[pc->dim];
		*len = e->dimlen[pc->dim];
		return *out != NULL;
	}
	if (!e->day)
		return 0;
	if (pc->time == 0) {
		*out = e->day;
		*len = e->daylen;
		return 1;
	}
	/* week, month, hour: only where the view shows the date as it is */
	day = tz_local_day_number(z, e->ts);
	tz_format_day(day, buf);
	if (e->daylen != TZ_DAY_SIZE - 1 || memcmp(e->day, buf, e->daylen))
		return 0;
	*out = buf;
	switch (pc->time) {
	case 1:		/* week: its Monday (1970-01-05 was one) */
		tz_format_day(day - floor_mod(day - 4, 7), buf);
		*len = TZ_DAY_SIZE - 1;
		return 1;
	case 2:		/* month */
		*len = 7;
		return 1;
	default:	/* hour: finer than day, the time must show as it is */
		if (!e->time_shown)
			return 0;
		secs = floor_mod(e->ts + tz_offset(z, e->ts), 86400);
		snprintf(buf, TZ_DAY_SIZE, "%02d", (int)(secs / 3600));
		*len = 2;
		return 1;
	}
}

static int ctx_grow(struct panel_cur *pc, struct pctx *x, size_t cap,
		    size_t old)
{
	size_t i;

	for (i = 0; i < pc->nmet; i++) {
		double *v;

		if (!x->need[i])
			continue;
		v = realloc(x->acc[i], cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memset(v + old, 0, (cap - old) * sizeof(*v));
		x->acc[i] = v;
		if (pc->agg[i] == DV_AGG_SUM) {
			struct decsum *d = realloc(x->dec[i], cap * sizeof(*d));

			if (!d)
				return -ENOMEM;
			memset(d + old, 0, (cap - old) * sizeof(*d));
			x->dec[i] = d;
		}
	}
	return 0;
}

static int items_grow(struct panel_cur *pc, uint32_t id)
{
	size_t cap, i;
	int rc;

	if (id < pc->cap)
		return 0;
	cap = pc->cap ? 2 * pc->cap : 256;
	while (cap <= id)
		cap *= 2;
	for (i = 0; i < pc->nctx; i++) {
		if (!pc->ctx[i].acc)
			continue;	/* not run yet: sized when it runs */
		rc = ctx_grow(pc, &pc->ctx[i], cap, pc->cap);
		if (rc)
			return rc;
	}
	pc->cap = cap;
	return 0;
}

static int panel_event(void *arg, const struct dv_event *e)
{
	struct panel_cur *pc = arg;
	struct pctx *x = &pc->ctx[pc->cur_ctx];
	char buf[TZ_DAY_SIZE];
	const char *item;
	size_t len, i;
	uint32_t id, vid;
	uint64_t rec[2];
	double num;
	int rc = 0;

	if (!event_item(pc, e, buf, &item, &len))
		return 0;
	if (pc->cur_ctx == 0) {
		rc = strtab_intern(&pc->items, item, len, &id, NULL);
		if (!rc)
			rc = items_grow(pc, id);
		if (rc)
			return rc;
	} else {
		/* a further segment keeps a subset of the first context */
		id = strtab_find(&pc->items, item, len);
		if (id == STRTAB_NONE)
			return 0;
	}
	for (i = 0; i < pc->nmet && !rc; i++) {
		const char *m = e->met[i];
		size_t ml = e->metlen[i];

		if (!x->need[i])
			continue;
		switch (pc->agg[i]) {
		case DV_AGG_OCCURRENCES:
			x->acc[i][id] += 1;
			break;
		case DV_AGG_COUNT:
			if (m && ml)
				x->acc[i][id] += 1;
			break;
		case DV_AGG_SUM:
			if (m && dv_events_number(m, ml, &num))
				decsum_add(&x->dec[i][id], m, ml, num);
			break;
		case DV_AGG_DISTINCT:
			if (!m || !ml)
				break;
			rc = strtab_intern(&x->vals[i], m, ml, &vid, NULL);
			rec[0] = id;
			rec[1] = vid;
			if (!rc)
				rc = extsort_add(&x->pairs[i], rec);
			break;
		case DV_AGG_PEOPLE:
			if (!m)
				break;
			rc = strtab_intern(&pc->persons, m, ml, &vid, NULL);
			rec[0] = id;
			rec[1] = vid;
			if (!rc)
				rc = extsort_add(&x->pairs[i], rec);
			break;
		case DV_AGG_SESSIONS:
			rec[0] = id;
			rec[1] = e->session;
			rc = extsort_add(&x->pairs[i], rec);
			break;
		}
	}
	return rc;
}

/* Count the distinct (item, value) pairs of metric i per item. */
static int count_pairs(struct pctx *x, size_t i)
{
	const uint64_t *rec;
	size_t n = 1, k;
	int rc = extsort_finish(&x->pairs[i]);

	while (!rc && n) {
		rc = extsort_next(&x->pairs[i], &rec, &n);
		for (k = 0; !rc && k < n; k++)
			x->acc[i][rec[2 * k]] += 1;
	}
	extsort_release(&x->pairs[i]);
	return rc;
}

static int run_context(struct mctx *c, struct panel_cur *pc, size_t ci)
{
	struct pctx *x = &pc->ctx[ci];
	struct wsdef_keep k = { x->seg, x->nseg, 1, pc->first_day,
				pc->last_day };
	const char *dir = dv_events_scratch(pc->ev);
	size_t i, nsort = 0, budget;
	struct diag fd;
	int rc;

	x->acc = calloc(pc->nmet + 1, sizeof(*x->acc));
	x->dec = calloc(pc->nmet + 1, sizeof(*x->dec));
	x->pairs = calloc(pc->nmet + 1, sizeof(*x->pairs));
	x->vals = calloc(pc->nmet + 1, sizeof(*x->vals));
	if (!x->acc || !x->dec || !x->pairs || !x->vals)
		return -ENOMEM;
	for (i = 0; i < pc->nmet; i++) {
		strtab_init(&x->vals[i]);
		nsort += x->need[i] && (pc->agg[i] == DV_AGG_DISTINCT ||
					pc->agg[i] == DV_AGG_PEOPLE ||
					pc->agg[i] == DV_AGG_SESSIONS);
	}
	budget = dv_sort_budget / (nsort ? nsort : 1);
	if (!budget)
		budget = 1;
	for (i = 0; i < pc->nmet; i++)
		extsort_init(&x->pairs[i], 2, EXTSORT_UNIQUE, budget, dir);
	if (pc->cap) {
		rc = ctx_grow(pc, x, pc->cap, 0);
		if (rc)
			return rc;
	}
	pc->cur_ctx = ci;
	memset(&fd, 0, sizeof(fd));
	rc = wsdef_keep_each(pc->ev, c, &k, panel_event, pc, &fd);
	if (rc)
		return rc;
	for (i = 0; i < pc->nmet && !rc; i++) {
		strtab_release(&x->vals[i]);
		if (x->need[i] && (pc->agg[i] == DV_AGG_DISTINCT ||
				   pc->agg[i] == DV_AGG_PEOPLE ||
				   pc->agg[i] == DV_AGG_SESSIONS))
			rc = count_pairs(x, i);
	}
	return rc;
}

/* The value of view metric i of item id in context x, as a double. */
static double metric_value(const struct panel_cur *pc, const struct pctx *x,
			   size_t i, uint32_t id)
{
	char num[DECSUM_FMT_SIZE];

	if (pc->agg[i] != DV_AGG_SUM)
		return x->acc[i][id];
	decsum_format(&x->dec[i][id], num);
	return strtod(num, NULL);
}

/* Column k of item id: 1 and *v (a calculated one may be empty: 0). */
static int col_value(const struct panel_cur *pc, size_t k, uint32_t id,
		     double *v)
{
	const struct pcol *col = &pc->col[k];
	const struct pctx *x = &pc->ctx[col->ctx];
	size_t i;

	if (col->view_metric >= 0) {
		*v = metric_value(pc, &pc->ctx[0], (size_t)col->view_metric,
				  id);
		return 1;
	}
	for (i = 0; i < pc->nmet; i++)
		pc->vbuf[i] = x->need[i] ? metric_value(pc, x, i, id) : NAN;
	return wsdef_formula_eval(col->f, pc->vbuf, v);
}

static int cmp_bytes(const struct panel_cur *pc, uint32_t x, uint32_t y)
{
	size_t lx, ly;
	const char *sx = strtab_str(&pc->items, x, &lx);
	const char *sy = strtab_str(&pc->items, y, &ly);
	int cmp = memcmp(sx, sy, lx < ly ? lx : ly);

	return cmp ? cmp : (lx > ly) - (lx < ly);
}

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct panel_cur *pc = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const struct pcol *col;
	double vx, vy;
	int hx, hy, cmp = 0;

	if (pc->sort < 0) {
		cmp = cmp_bytes(pc, x, y);
		return pc->desc ? -cmp : cmp;
	}
	col = &pc->col[pc->sort];
	if (col->view_metric >= 0 &&
	    pc->agg[col->view_metric] == DV_AGG_SUM) {
		cmp = decsum_cmp(&pc->ctx[0].dec[col->view_metric][x],
				 &pc->ctx[0].dec[col->view_metric][y]);
	} else {
		hx = pc->shas[x];
		hy = pc->shas[y];
		vx = pc->skey[x];
		vy = pc->skey[y];
		if (hx != hy)
			return hx ? -1 : 1;	/* empty cells last */
		if (hx && vx != vy)
			cmp = vx < vy ? -1 : 1;
	}
	if (cmp)
		return pc->desc ? -cmp : cmp;
	return cmp_bytes(pc, x, y);
}

/* A calculated metric's cell as its format and precision say. */
static int fmt_calc(const struct pcol *col, double v, char *out, size_t n)
{
	if (!strcmp(col->format, "percent"))
		return snprintf(out, n, "%.*f%%", col->precision, v * 100);
	return snprintf(out, n, "%.*f", col->precision, v);
}

/* The first column over all n items, before the limit (slides'
 * captions): its total, its largest item, and its first and last items
 * by bytes (a time dimension's earliest and latest). */
static void panel_summarize(struct panel_cur *pc, size_t n)
{
	struct ws_panel_summary *s = &pc->sum;
	const char *lbl;
	size_t i, len;
	double v;
	int have_first = 0;
	uint32_t first = 0, last = 0, top = 0;

	memset(s, 0, sizeof(*s));
	s->rows = n;
	if (!pc->ncol)
		return;
	for (i = 0; i < n; i++) {
		uint32_t id = (uint32_t)i;

		if (!have_first || cmp_bytes(pc, id, first) < 0)
			first = id;
		if (!have_first || cmp_bytes(pc, id, last) > 0)
			last = id;
		have_first = 1;
		if (!col_value(pc, 0, id, &v) || !isfinite(v))
			continue;
		s->total += v;
		if (!s->has_top || v > s->top_value) {
			s->top_value = v;
			top = id;
			s->has_top = 1;
		}
	}
	if (s->has_top) {
		lbl = strtab_str(&pc->items, top, &len);
		snprintf(s->top, sizeof(s->top), "%.*s", (int)len, lbl);
	}
	if (!have_first)
		return;
	lbl = strtab_str(&pc->items, first, &len);
	snprintf(s->first, sizeof(s->first), "%.*s", (int)len, lbl);
	lbl = strtab_str(&pc->items, last, &len);
	snprintf(s->last, sizeof(s->last), "%.*s", (int)len, lbl);
	s->has_first = col_value(pc, 0, first, &s->first_value) &&
		       isfinite(s->first_value);
	s->has_last = col_value(pc, 0, last, &s->last_value) &&
		      isfinite(s->last_value);
}

static int panel_compute(struct mctx *c, struct panel_cur *pc)
{
	const char **fv = NULL;
	size_t *fl = NULL, n, i, k, rows;
	char (*num)[DECSUM_FMT_SIZE + 320] = NULL;
	uint32_t *order = NULL;
	struct buf cell = BUF_INIT;
	int rc = 0, notes = pc->time == 0;

	for (i = 0; i < pc->nctx && !rc; i++)
		rc = run_context(c, pc, i);
	if (rc)
		return rc;
	n = pc->items.n;
	order = malloc((n + 1) * sizeof(*order));
	fv = calloc(pc->ncol + 2, sizeof(*fv));
	fl = calloc(pc->ncol + 2, sizeof(*fl));
	num = calloc(pc->ncol + 1, sizeof(*num));
	if (!order || !fv || !fl || !num) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	/* each item's sort value once (a formula is not cheap) */
	pc->skey = calloc(n + 1, sizeof(*pc->skey));
	pc->shas = calloc(n + 1, 1);
	if (!pc->skey || !pc->shas) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; pc->sort >= 0 && i < n; i++)
		pc->shas[i] = (unsigned char)col_value(pc, (size_t)pc->sort,
						       (uint32_t)i,
						       &pc->skey[i]);
	if (n)
		qsort_r(order, n, sizeof(*order), cmp_rows, pc);
	if (pc->want_summary)
		panel_summarize(pc, n);
	/* the header */
	fv[0] = pc->dimhead;
	fl[0] = strlen(pc->dimhead);
	for (k = 0; k < pc->ncol; k++) {
		fv[k + 1] = pc->col[k].head;
		fl[k + 1] = strlen(pc->col[k].head);
	}
	if (notes) {
		fv[k + 1] = "annotations";
		fl[k + 1] = 11;
	}
	rc = csv_write_row_safe(&pc->text, pc->ncol + 1 + notes, fv, fl);
	rows = n < (size_t)pc->limit ? n : (size_t)pc->limit;
	for (i = 0; i < rows && !rc; i++) {
		uint32_t id = order[i];

		fv[0] = strtab_str(&pc->items, id, &fl[0]);
		for (k = 0; k < pc->ncol; k++) {
			const struct pcol *col = &pc->col[k];
			double v;

			num[k][0] = '\0';
			if (col->view_metric >= 0) {
				size_t m = (size_t)col->view_metric;

				if (pc->agg[m] == DV_AGG_SUM)
					decsum_format(&pc->ctx[0].dec[m][id],
						      num[k]);
				else
					snprintf(num[k], sizeof(num[k]),
						 "%" PRId64,
						 (int64_t)pc->ctx[0].acc[m][id]);
			} else if (col_value(pc, k, id, &v)) {
				fmt_calc(col, v, num[k], sizeof(num[k]));
			}
			fv[k + 1] = num[k];
			fl[k + 1] = strlen(num[k]);
		}
		if (notes) {
			int64_t day;

			buf_reset(&cell);
			rc = buf_add(&cell, "", 0);
			if (!rc && !wsdef_fixed_day(fv[0], fl[0], &day, NULL))
				rc = wsdef_notes_cell(pc->notes, pc->nnotes,
						      day, &cell);
			fv[k + 1] = cell.data;
			fl[k + 1] = cell.len;
		}
		if (!rc)
			rc = csv_write_row_safe(&pc->text,
						pc->ncol + 1 + notes, fv, fl);
	}
out:
	free(order);
	free(fv);
	free(fl);
	free(num);
	buf_release(&cell);
	return rc;
}

/* Without the lock: the whole table at the first call, then pieces. */
static int panel_next(struct mctx *c, const struct obj_ref *ref,
		      void *cursor, struct buf *out, int *eof)
{
	struct panel_cur *pc = cursor;
	size_t n;
	int rc;

	buf_reset(out);
	if (!pc->computed) {
		rc = panel_compute(c, pc);
		if (rc)
			return rc;
		pc->computed = 1;
		for (n = 0; n < pc->nctx; n++)
			pctx_release(&pc->ctx[n], pc->nmet);
		pc->nctx = 0;
		strtab_release(&pc->persons);
	}
	n = pc->drained ? 0 : pc->text.len - pc->off;
	if (n > PANEL_PIECE)
		n = PANEL_PIECE;
	if (!n) {
		/* handed out: a page of many panels need not hold each */
		buf_release(&pc->text);
		pc->drained = 1;
		*eof = 1;
		return 0;
	}
	rc = buf_add(out, pc->text.data + pc->off, n);
	if (!rc)
		pc->off += n;
	return rc;
}

void ws_panel_want_summary(void *cursor)
{
	((struct panel_cur *)cursor)->want_summary = 1;
}

const struct ws_panel_summary *ws_panel_summary(void *cursor)
{
	struct panel_cur *pc = cursor;

	return pc->computed && pc->want_summary ? &pc->sum : NULL;
}

int ws_panel_is_time(void *cursor)
{
	return ((struct panel_cur *)cursor)->time >= 0;
}

const struct kind_stream_ops ws_panel_stream_ops = {
	.start = panel_start,
	.next = panel_next,
	.done = panel_done,
	.computation = 1,
	.unlocked = 1,
};
