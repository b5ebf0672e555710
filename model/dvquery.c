/*
 * dvquery.c - a data view as data (SPEC §4): rows.csv, the full table
 * export, and report/DIM.csv, a freeform table of a dimension's values
 * by every metric.
 *
 * The plan.  Reading either file first resolves the view: its
 * dataview.ini, its connection's datasets (dv_conn_load), the view's
 * columns (the union of the datasets' field names, sorted, then `day`),
 * its components compiled (include/exclude rules, buckets) with their
 * fields bound to columns, the filter bound to columns, the time zone,
 * and the data window.  Then, for each event dataset, where each column's
 * value comes from:
 *   - `day`: the event's date in the view's time zone, always computed
 *     (a dataset field called day is shadowed);
 *   - the event dataset's own field of that name, else
 *   - the first lookup dataset (by name) with that field whose
 *     matching_key the event dataset has: the lookup row whose key equals
 *     the event's matching_key value, else
 *   - the first profile dataset (by name) with that field: the profile
 *     row whose person_id equals the event's person_id, else
 *   - nothing: the empty string.
 * A lookup or profile dataset with several rows for one key joins its
 * last stored row.  Only the columns that components and the filter use
 * are filled, and only the lookup and profile datasets they need are
 * loaded.
 *
 * The scan.  The event datasets (by name) are read chunk by chunk
 * (rows_next_chunk, one record and one CSV parse at a time).  Per row:
 * the timestamp, the window check, the joins, `day`, the filter; a row
 * that passes goes to the consumer.  Summary datasets are not events and
 * are not scanned.  The window is [now - data_window_months, now], in
 * calendar months on the UTC calendar (2026-11-23T10:00Z minus 13 months
 * is 2025-10-23T10:00Z; a day past the end of the shorter month is its
 * last day); events stamped after now are outside it.  A filter that no
 * longer binds (a field it names is gone from the connection) passes no
 * row: fail closed.
 *
 * Memory.  Nothing is kept per event.  What a read holds:
 *  - the lookup and profile datasets the view needs, in memory while a
 *    file is read (a hash from key to row: their CSV size plus about 40
 *    bytes a row and 12 a field; about 100 bytes a row for a profile of
 *    three short fields): bounded by those datasets, not by the events,
 *    and held once for all the reads that run at once over the same
 *    snapshot of them (Shared joins, below);
 *  - of the events, one chunk and its output piece: a view over millions
 *    of events streams;
 *  - tables bounded by the events' distinct values, never by their
 *    number: what a dimension's regex rules said of each value (at most
 *    DV_VCACHE_MAX values, so that a rule runs once per distinct value,
 *    not per row), the interned person ids (people and sessions metrics,
 *    about 40 bytes a person, gone before the merges; live sessions add
 *    16 bytes a person and the items of its open session), a report's
 *    visible
 *    values with one number per metric, a distinct metric's interned
 *    values;
 *  - everything that would grow with the events goes through sorts in
 *    bounded memory (extsort.h): the (value, person) pairs of people
 *    metrics and the (value, counted value) pairs of distinct metrics,
 *    deduplicated, the session records (below), and for rows.csv the
 *    rows that start a session.  The sorts of one read share its part
 *    of dv_sort_budget (16 MiB), which the reads sorting at once split
 *    evenly (each takes its part when it starts: 16 MiB alone, 4 MiB as
 *    the fourth of four); past it they write sorted runs to an
 *    unlinked scratch file in the store's directory (where the data
 *    already lives; /tmp may be memory) and merge them as they are read.
 *    A read that fits writes nothing.
 * When a stream that read 1 MiB of rows or more ends and the allocator
 * holds more than 32 MiB of freed memory, it goes back to the system
 * (dv_give_back).
 *
 * What components show, whoever reads (the rule is protect.c's):
 *  - a dimension shows its field's value; a value the include/exclude
 *    rules of any dimension over the field (or a field a join makes the
 *    same) hide is blank in rows.csv (the row stays, so the metrics of
 *    the other columns still add up) and is no item of a report; a
 *    bucketed dimension shows the label of its bucket (or Other), never
 *    the value.  Rules see the raw value, before bucketing.
 *  - a hidden value is absent for every metric: count does not count
 *    it, sum skips it, distinct and people ignore it; the filter
 *    compares the empty value in its place (a Workspace segment's rule
 *    finds no value at all: wsdef.h).
 *  - a metric's column in rows.csv is the event's contribution to it:
 *    occurrences 1; count 1 when the field is set and visible, else 0;
 *    sessions 1 when the event starts a session, else 0; sum, distinct
 *    and people the value they add or count (the field's value, the
 *    person id), as the view's dimensions show it (hidden: blank;
 *    bucketed: the label).
 *  - a component whose field the connection no longer has, or that
 *    breaks the rule (a view stored before it), reads as the empty value
 *    in every row, which no bucket labels (not Other: there is no value
 *    to bucket; dim_show); a column's own empty value (an empty cell, no
 *    joined row) is a value that is not a number, so Other; a filter
 *    naming a bucketed field passes no row.
 *
 * Reports, per visible value of the dimension: occurrences (events),
 * count (events whose field is set), sum (of the field's values that
 * are numbers, filter.h's syntax; others add nothing), distinct
 * (distinct non-empty values of the field), people (distinct person
 * ids) and sessions.  Sessions: a person's events (those the filter
 * passes) in time order; a new session starts when the gap to the
 * person's previous event exceeds session_timeout_minutes.  The gap is
 * elapsed time, so a DST change neither splits nor joins sessions, and a
 * session goes on across local midnight.  A session counts once for each
 * value any of its events has (so a session spanning two days counts for
 * both).  To find sessions a 16-byte record (person id, time, value id)
 * per event that passes goes to a sort by person, time, value id, which
 * is then read once in that order.  The order of the persons does not
 * matter (each one's events are together), so the ids stand in for the
 * person strings.
 * rows.csv with a sessions metric makes the same pass first, with the row
 * number in place of the value id; the first row of each session goes to
 * a second sort, and the second pass reads those row numbers in order
 * alongside the rows, so it reads the events twice.
 * Live sessions: when the view's one event dataset holds its rows in
 * time order (ingest keeps that fact, dataset.c), the scan meets each
 * person's events in time order, so no sort is needed: per person, the
 * time of its last event and its session; rows.csv marks a row that
 * starts one in a single pass, and a report keeps the items a person's
 * open session has met and counts each once when the session ends (at
 * the person's next gap, or at the end of the scan).  Same files, byte
 * for byte (check_dataview runs both ways on the same rows).
 *
 * Sorting: by the first metric, descending, ties by value (bytes, then
 * length), ascending; a view without metrics sorts by value.  Numbers:
 * counts as integers; sums exact in decimal (decsum.h: the shortest
 * decimal that is the sum, for values with up to 9 decimals), or as
 * %.15g of the double sum when a value has more or the sum overflows.
 *
 * Events for the Workspace (dvevents.h): the same plan (with `day`
 * always in the row) and scan, handing each event to a callback with its
 * dimensions' values as rows.csv shows them (dim_show, shared with
 * rows.csv), a hidden one absent (NULL) rather than blank, and, when
 * asked, its session number: live plans number sessions as the events
 * go by; otherwise a first pass sorts the session records as rows.csv
 * does and a second sort maps each row number to its session, read
 * alongside the rows in a second pass.  A pass may be run again on the
 * same snapshot (segments read it twice); the joins are loaded once.
 *
 * Consistency and locking: opening either file makes the plan under the
 * model's lock, and with it a snapshot of each dataset it reads
 * (rows_snap_take: the row files committed at that instant, pinned).
 * Everything after reads only the plan and its snapshots, never the
 * store, so it needs no lock: rows.csv and a report show the view's
 * settings and rows as they were when the file was opened, whatever is
 * committed while they are read.  A report is computed whole at its
 * first read and then handed out piece by piece.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "config.h"
#include "csv.h"
#include "dataset.h"
#include "dataview.h"
#include "decsum.h"
#include "dvevents.h"
#include "extsort.h"
#include "filter.h"
#include "mctx.h"
#include "object.h"
#include "protect.h"
#include "rows.h"
#include "strtab.h"
#include "timeparse.h"
#include "tz.h"

#define DV_PIECE (128 * 1024)	/* bytes a stream hands out per call */

size_t dv_sort_budget = DV_SORT_BUDGET;

/* Reads whose sorts hold memory now: the budget is shared among them,
 * so four reports at once hold what one does (see Memory). */
static _Atomic unsigned dv_sorting;

/* Join the readers that sort: this one's share of dv_sort_budget. */
static size_t sort_share(int *joined)
{
	unsigned n = atomic_fetch_add(&dv_sorting, 1) + 1;

	*joined = 1;
	return dv_sort_budget / n ? dv_sort_budget / n : 1;
}

static void sort_leave(int *joined)
{
	if (*joined)
		atomic_fetch_sub(&dv_sorting, 1);
	*joined = 0;
}

enum dv_agg {
	AGG_COUNT,
	AGG_SUM,
	AGG_DISTINCT,
	AGG_OCCURRENCES,
	AGG_PEOPLE,
	AGG_SESSIONS,
};

/*
 * What a dimension's rules said of each distinct value, when they hold
 * regexes: a value repeated in many rows is judged once per read.  At
 * most DV_VCACHE_MAX values (about 40 bytes each plus the value, which
 * regexes see only up to VALRULE_REGEX_MAX_VALUE); past that, or for a
 * longer value, the rules run again.  Used under the model's lock.
 */
#define DV_VCACHE_MAX 65536

struct dv_vcache {
	struct strtab vals;
	unsigned char *vis;		/* by id */
	size_t cap;
};

struct dv_comp {
	char name[OBJ_NAME_MAX + 1];
	int metric;
	enum dv_agg agg;
	int col;			/* view column, -1: its field is gone */
	struct valrule *rules;		/* NULL: every value visible */
	struct dv_vcache *vcache;	/* NULL: no regex rules */
	struct buckets *buckets;	/* NULL: values as they are */
	size_t gi;			/* its index in the plan's guard */
};

enum dv_src_type { SRC_NONE, SRC_EVENT, SRC_JOIN, SRC_DAY };

struct dv_src {
	enum dv_src_type type;
	int join;			/* SRC_JOIN: dataset index */
	int col;			/* field index in that dataset */
};

/* A lookup or profile dataset held in memory: a table built once from a
 * snapshot and shared, read-only, by every read whose plan has the same
 * snapshot of it (see "Shared joins"). */
struct dv_jtab {
	struct strtab keys;		/* key -> id */
	uint32_t *row_of;		/* key id -> row */
	size_t keycap;			/* entries row_of can hold */
	struct buf arena;		/* field bytes, NUL-terminated */
	uint64_t *off;			/* row * nfields + field -> offset */
	uint32_t *len;
	size_t nrows, nfields, cap;
};

struct jc_ent;

/* A plan's use of a lookup or profile dataset. */
struct dv_join {
	int needed;
	struct jc_ent *e;		/* the shared table, while held */
	const struct dv_jtab *t;	/* its table (NULL: none) */
};

/* Where an event dataset's columns come from. */
struct dv_ev {
	struct dv_src *src;		/* per view column */
	int *jkey;			/* per dataset: its join field here */
	int pid_col;			/* view column of the person id field */
	int ts_col;			/* view column of its timestamp field */
};

struct dv_plan {
	struct dv_conn conn;
	int has_conn;
	struct tz *tz;
	int64_t lo, hi;			/* the data window */
	int64_t timeout;		/* seconds */
	struct filter *filter;
	size_t ncols;			/* conn.nfields + 1 */
	int day_col;
	struct dv_comp *comp;		/* dimensions, then metrics */
	size_t ncomp, ndims;
	int *used;			/* columns a row needs */
	size_t nused;
	struct dv_guard guard;		/* what the view protects */
	int *protect;			/* per column: the dimension that
					 * buckets it, -1 none, PROTECT_ALL:
					 * nothing of it shows */
	int *hoff, *hidx;		/* per column: dimensions whose rules
					 * hide its values, hidx[hoff[col]]
					 * up to hoff[col + 1] */
	int filter_blocked;		/* names a bucketed field: no row */
	int *fhide;			/* filter columns with hidden values */
	size_t nfhide;
	int *pcols;			/* used columns values may hide in */
	size_t npcols;
	struct dv_join *join;		/* per dataset */
	struct dv_ev *ev;		/* per dataset (event ones) */
	int need_day;
	int has_sessions;
	int live;			/* events come in time order: sessions
					 * as they stream by, no sort */
	struct rows_snap **snap;	/* per dataset read: its rows when
					 * the plan was made; NULL: none */
	char *scratch;			/* the store's directory, or NULL */
	uint64_t seen;			/* bytes of rows read (dv_give_back) */
};

#define PROTECT_ALL (-2)

/* One event that passed, as the consumers see it. */
struct dv_row {
	const char **val;		/* per view column (used ones set) */
	size_t *len;
	unsigned char *hidden;		/* per protected column: its value is
					 * hidden (plan's pcols) */
	int64_t ts;
	const char *pid;
	size_t pidlen;
	int pid_col;
	int ts_col;			/* its timestamp field's column */
	uint32_t rowno;			/* order among passing rows */
};

typedef int (*dv_emit_fn)(void *arg, const struct dv_row *r);

struct dv_scan {
	struct mctx *c;
	struct dv_plan *p;
	size_t ds;			/* dataset index */
	int done;
	struct csv_reader rd;
	struct buf chunk;
	const struct dv_ev *cur;	/* plan of dataset ds */
	const struct dv_dataset *cds;
	uint32_t *jrow;			/* per dataset joined: row, or none */
	const char **fval;		/* the filter's view of the row */
	size_t *flen;
	int64_t day_no;
	char day[TZ_DAY_SIZE];
	struct dv_row row;
	dv_emit_fn emit;
	void *arg;
};

static const char empty[] = "";

/* --- calendar (the days themselves: timeparse.h) --- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* now minus months calendar months, on the UTC calendar. */
static int64_t months_before(int64_t now, int months)
{
	int64_t days = floor_div(now, 86400), secs = now - days * 86400;
	int64_t y, total;
	int m, d;

	timeparse_civil_from_days(days, &y, &m, &d);
	total = y * 12 + (m - 1) - months;
	y = floor_div(total, 12);
	m = (int)(total - y * 12) + 1;
	if (d > timeparse_days_in_month(y, m))
		d = timeparse_days_in_month(y, m);
	return timeparse_days_from_civil(y, m, d) * 86400 + secs;
}

/* A decimal number as filter.h reads them: [+-]D+[.D+][e[+-]D+]. */
static int dv_number(const char *s, size_t len, double *out)
{
	size_t i = 0;
	char *end;

	if (!len || len > 127)
		return 0;
	if (s[i] == '+' || s[i] == '-')
		i++;
	if (i >= len || s[i] < '0' || s[i] > '9')
		return 0;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i < len && s[i] == '.') {
		i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i != len)
		return 0;
	*out = strtod(s, &end);	/* s is NUL-terminated after len */
	return isfinite(*out);
}

/* --- the plan --- */

static void jtab_release(struct dv_jtab *j)
{
	strtab_release(&j->keys);
	free(j->row_of);
	buf_release(&j->arena);
	free(j->off);
	free(j->len);
	memset(j, 0, sizeof(*j));
}

/*
 * Shared joins.  Reads of the same view (or of views over one connection)
 * that run at once would each hold the same lookup and profile tables:
 * four reports over a connection with 200,000 profiles held 4 x 20 MiB.
 * A table is a pure function of the dataset's snapshot (its row files,
 * which never change, and whose ids are never used twice), its key field
 * and its fields, so it is kept in one cache, keyed by those, and shared
 * read-only: the first read builds it (the others that want it meanwhile
 * wait for it), the last to let go frees it.  Nothing outlives its users:
 * the cache holds no table that no read holds.  A build that fails (a
 * cancelled read, no memory) is taken out of the cache, and a read that
 * waited for it builds its own.
 */
struct jc_ent {
	char *key;
	struct dv_jtab t;
	int refs;
	int ready;			/* built, or failed (rc) */
	int rc;
	struct jc_ent *next;
};

static pthread_mutex_t jc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t jc_built = PTHREAD_COND_INITIALIZER;
static struct jc_ent *jc_head;

static void jc_unlink(struct jc_ent *e)
{
	struct jc_ent **pp;

	for (pp = &jc_head; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			return;
		}
	}
}

static void jc_put(struct jc_ent *e)
{
	int last;

	if (!e)
		return;
	pthread_mutex_lock(&jc_lock);
	last = !--e->refs;
	if (last && e->ready && !e->rc)
		jc_unlink(e);	/* failed ones were unlinked already */
	pthread_mutex_unlock(&jc_lock);
	if (!last)
		return;
	jtab_release(&e->t);
	free(e->key);
	free(e);
}

static void join_release(struct dv_join *j)
{
	jc_put(j->e);
	j->e = NULL;
	j->t = NULL;
}

static void plan_free(struct dv_plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->ncomp; i++) {
		valrule_free(p->comp[i].rules);
		if (p->comp[i].vcache) {
			strtab_release(&p->comp[i].vcache->vals);
			free(p->comp[i].vcache->vis);
			free(p->comp[i].vcache);
		}
		bucket_free(p->comp[i].buckets);
	}
	free(p->comp);
	for (i = 0; p->join && i < p->conn.nds; i++)
		join_release(&p->join[i]);
	free(p->join);
	for (i = 0; p->snap && i < p->conn.nds; i++)
		rows_snap_free(p->snap[i]);
	free(p->snap);
	for (i = 0; p->ev && i < p->conn.nds; i++) {
		free(p->ev[i].src);
		free(p->ev[i].jkey);
	}
	free(p->ev);
	free(p->used);
	free(p->protect);
	free(p->hoff);
	free(p->hidx);
	free(p->fhide);
	free(p->pcols);
	dv_guard_release(&p->guard);
	filter_free(p->filter);
	tz_free(p->tz);
	dv_conn_release(&p->conn);
	free(p->scratch);
	free(p);
}

static int plan_col(const struct dv_plan *p, const char *field)
{
	if (!strcmp(field, "day"))
		return p->day_col;
	return (int)dv_conn_field(&p->conn, field);
}

static int plan_resolve(void *arg, const char *field, size_t len)
{
	return plan_col(arg, field);
}

static int comp_load_one(const struct obj_ref *ref, const struct inidoc *doc,
			 void *arg)
{
	struct dv_plan *p = arg;
	struct dv_comp *cp;
	struct diag d;
	const char *field, *agg, *buckets;
	size_t nregex, bytes;
	int rc;

	cp = realloc(p->comp, (p->ncomp + 1) * sizeof(*cp));
	if (!cp) {
		rc = -ENOMEM;
		goto out;
	}
	p->comp = cp;
	cp = &p->comp[p->ncomp++];
	memset(cp, 0, sizeof(*cp));
	snprintf(cp->name, sizeof(cp->name), "%s", ref->names[1]);
	cp->gi = p->guard.ncomp;
	rc = dv_guard_add(&p->guard, cp->name, doc);
	if (rc)
		goto out;
	cp->metric = !strcmp(inidoc_get(doc, "component", "kind"), "metric");
	field = inidoc_get(doc, "component", "field");
	agg = inidoc_get(doc, "component", "aggregation");
	cp->col = plan_col(p, field);
	if (!cp->metric) {
		rc = valrule_parse(inidoc_get(doc, "include_exclude", "mode"),
				   inidoc_get(doc, "include_exclude", "match"),
				   inidoc_get(doc, "include_exclude", "rules"),
				   &cp->rules, &d);
		valrule_cost(cp->rules, &nregex, &bytes);
		if (!rc && nregex) {
			cp->vcache = calloc(1, sizeof(*cp->vcache));
			if (!cp->vcache)
				rc = -ENOMEM;
		}
		buckets = inidoc_get(doc, "bucketing", "buckets");
		if (!rc && *buckets)
			rc = bucket_parse(buckets, &cp->buckets, &d);
		if (rc == -EINVAL)
			rc = -EIO;	/* checked when it was stored */
		goto out;
	}
	if (!strcmp(field, "occurrences")) {
		cp->agg = AGG_OCCURRENCES;
	} else if (!strcmp(field, "people")) {
		cp->agg = AGG_PEOPLE;
	} else if (!strcmp(field, "sessions")) {
		cp->agg = AGG_SESSIONS;
		p->has_sessions = 1;
	} else {
		cp->agg = !strcmp(agg, "sum") ? AGG_SUM :
			  !strcmp(agg, "distinct") ? AGG_DISTINCT :
						     AGG_COUNT;
	}
	if (cp->agg >= AGG_OCCURRENCES)
		cp->col = -1;
out:
	return rc;
}

static int cmp_comp(const void *a, const void *b)
{
	const struct dv_comp *x = a, *y = b;

	if (x->metric != y->metric)
		return x->metric - y->metric;
	return strcmp(x->name, y->name);
}

static int ds_field(const struct dv_dataset *ds, const char *name)
{
	size_t i;

	for (i = 0; i < ds->nfields; i++)
		if (!strcmp(ds->field[i], name))
			return (int)i;
	return -1;
}

/* Where event dataset e's columns come from. */
static int plan_event(struct dv_plan *p, size_t e)
{
	const struct dv_conn *conn = &p->conn;
	const struct dv_dataset *ed = &conn->ds[e];
	struct dv_ev *ev = &p->ev[e];
	size_t col, j;
	int pass, f;

	ev->src = calloc(p->ncols, sizeof(*ev->src));
	ev->jkey = calloc(conn->nds, sizeof(*ev->jkey));
	if (!ev->src || !ev->jkey)
		return -ENOMEM;
	for (j = 0; j < conn->nds; j++) {
		const struct dv_dataset *jd = &conn->ds[j];

		ev->jkey[j] = -1;
		if (jd->type == DATASET_LOOKUP && jd->key >= 0 &&
		    *jd->matching_key)
			ev->jkey[j] = ds_field(ed, jd->matching_key);
		else if (jd->type == DATASET_PROFILE && jd->pid >= 0)
			ev->jkey[j] = ed->pid;
	}
	ev->pid_col = ed->pid >= 0 ? plan_col(p, ed->field[ed->pid]) : -1;
	ev->ts_col = ed->ts >= 0 ? plan_col(p, ed->field[ed->ts]) : -1;
	for (col = 0; col < p->ncols; col++) {
		struct dv_src *s = &ev->src[col];

		if ((int)col == p->day_col) {
			s->type = SRC_DAY;
			continue;
		}
		f = ds_field(ed, conn->fields[col]);
		if (f >= 0) {
			s->type = SRC_EVENT;
			s->col = f;
			continue;
		}
		/* lookups first, then profiles, each by name */
		for (pass = 0; pass < 2 && s->type == SRC_NONE; pass++) {
			enum dataset_type t = pass ? DATASET_PROFILE :
						     DATASET_LOOKUP;

			for (j = 0; j < conn->nds; j++) {
				if (conn->ds[j].type != t || ev->jkey[j] < 0)
					continue;
				f = ds_field(&conn->ds[j], conn->fields[col]);
				if (f < 0)
					continue;
				s->type = SRC_JOIN;
				s->join = (int)j;
				s->col = f;
				break;
			}
		}
	}
	return 0;
}

static int plan_use(struct dv_plan *p, int col)
{
	size_t i;

	if (col < 0)
		return 0;
	for (i = 0; i < p->nused; i++)
		if (p->used[i] == col)
			return 0;
	p->used[p->nused++] = col;
	return 0;
}

/* What the view protects (protect.c), settled once its components are
 * loaded and sorted: a component that breaks the rule reads as empty;
 * each column knows the dimension that buckets its class and the
 * dimensions whose rules hide values of it (all of them apply); the
 * filter sees hidden values as empty or, naming a bucketed field, passes
 * no row. */
static int plan_protect(struct dv_plan *p)
{
	size_t i, j, n = 0;
	int rc, by, st;

	p->protect = malloc(p->ncols * sizeof(*p->protect));
	p->hoff = calloc(p->ncols + 1, sizeof(*p->hoff));
	p->hidx = calloc(p->ncols * (p->ndims + 1), sizeof(*p->hidx));
	p->fhide = calloc(filter_nfields(p->filter) + 1, sizeof(*p->fhide));
	p->pcols = calloc(p->ncols + 1, sizeof(*p->pcols));
	if (!p->protect || !p->hoff || !p->hidx || !p->fhide || !p->pcols)
		return -ENOMEM;
	rc = dv_guard_filter(&p->guard, p->filter);
	if (rc)
		return rc;
	dv_guard_settle(&p->guard);
	for (i = 0; i < p->ncols; i++) {
		int cls = dv_guard_class(&p->guard, (int)i);

		st = dv_guard_col_state(&p->guard, (int)i, &by);
		p->protect[i] = st & DV_PROT_DISPUTED ? PROTECT_ALL : -1;
		p->hoff[i] = (int)n;
		for (j = 0; j < p->ndims; j++) {
			const struct dv_comp *cp = &p->comp[j];

			if (cp->col < 0 ||
			    dv_guard_class(&p->guard, cp->col) != cls)
				continue;
			if (p->protect[i] == -1 && by >= 0 &&
			    cp->gi == (size_t)by)
				p->protect[i] = (int)j;
			if (p->guard.comp[cp->gi].hides)
				p->hidx[n++] = (int)j;
		}
	}
	p->hoff[p->ncols] = (int)n;
	for (i = 0; i < p->ncomp; i++)
		if (dv_guard_blocked(&p->guard, p->comp[i].gi))
			p->comp[i].col = -1;
	p->filter_blocked = dv_guard_filter_blocked(&p->guard);
	for (i = 0; i < filter_nfields(p->filter); i++) {
		int col = filter_field_index(p->filter, i);

		if (col >= 0 && (p->protect[col] == PROTECT_ALL ||
				 p->hoff[col + 1] > p->hoff[col]))
			p->fhide[p->nfhide++] = col;
	}
	return 0;
}

/* Where sorts spill: the store's directory (on the disk that holds the
 * data, where /tmp may be memory), else extsort's own fallbacks. */
static int plan_scratch(struct mctx *c, struct dv_plan *p)
{
	const char *path = c->cfg ? c->cfg->store_path : NULL;
	const char *slash = path ? strrchr(path, '/') : NULL;

	if (!slash)
		return 0;
	p->scratch = slash == path ? strdup("/") :
				     strndup(path, (size_t)(slash - path));
	return p->scratch ? 0 : -ENOMEM;
}

static int dataset_base(const struct dv_plan *p, size_t ds, struct obj_ref *ref,
			struct buf *base)
{
	obj_ref_root(ref);
	ref->kind = KIND_DATASET;
	ref->nnames = 2;
	snprintf(ref->names[0], sizeof(ref->names[0]), "%s", p->conn.name);
	snprintf(ref->names[1], sizeof(ref->names[1]), "%s",
		 p->conn.ds[ds].name);
	buf_reset(base);
	return obj_ref_object_path(ref, base);
}

/* The rows meta of dataset ds now, and whether its rows are in time
 * order (dataset.c): -ENOENT when it is gone. */
static int dataset_meta(struct mctx *c, const struct dv_plan *p, size_t ds,
			struct buf *base, struct rows_meta *m, int *ordered)
{
	struct obj_ref ref;
	struct rec r = REC_INIT;
	int rc = dataset_base(p, ds, &ref, base);

	if (!rc)
		rc = obj_load(c, &ref, &r);
	if (!rc)
		rc = rows_meta_get(&r, m);
	*ordered = rec_get_i64(&r, DATASET_TS_ORDERED, 0) == 1;
	rec_release(&r);
	return rc;
}

/* Does a read scan dataset ds (events) or hold it in memory (a join)? */
static int plan_reads(const struct dv_plan *p, size_t ds)
{
	const struct dv_dataset *d = &p->conn.ds[ds];

	if (!d->nfields)
		return 0;
	if (d->type == DATASET_EVENT)
		return d->ts >= 0;
	return p->join[ds].needed &&
	       (d->type == DATASET_LOOKUP ? d->key : d->pid) >= 0;
}

/* The snapshots of the datasets the plan reads: the rows committed now,
 * which the read then scans without the model's lock.  A dataset gone
 * since the connection was read has none. */
static int plan_snap(struct mctx *c, struct dv_plan *p)
{
	struct buf base = BUF_INIT;
	struct rows_meta m;
	size_t i, nev = 0;
	int rc = 0, ordered, all_ordered = 1;

	p->snap = calloc(p->conn.nds + 1, sizeof(*p->snap));
	if (!p->snap)
		return -ENOMEM;
	for (i = 0; i < p->conn.nds && !rc; i++) {
		if (!plan_reads(p, i))
			continue;
		rc = dataset_meta(c, p, i, &base, &m, &ordered);
		if (rc == -ENOENT) {
			rc = 0;
			continue;
		}
		if (!rc)
			rc = rows_snap_take(c, base.data, &m, &p->snap[i]);
		if (!rc && p->conn.ds[i].type == DATASET_EVENT && m.rows) {
			nev++;
			all_ordered &= ordered;
		}
	}
	buf_release(&base);
	/* one event dataset, in time order: the scan meets each person's
	 * events in time order too */
	p->live = nev <= 1 && all_ordered;
	return rc;
}

/* What a plan's rows carry beyond what its files need */
#define PLAN_DAY 1u	/* `day` in every row, as the view shows it */

/* Resolve view `view` as far as it goes: a view without a usable
 * connection gets a plan with no datasets. */
static int plan_load(struct mctx *c, const char *view, unsigned want,
		     struct dv_plan **out)
{
	struct dv_plan *p = calloc(1, sizeof(*p));
	struct inidoc doc;
	struct diag d;
	const char *ftext;
	size_t i, j, e;
	int rc;

	if (!p)
		return -ENOMEM;
	rc = plan_scratch(c, p);
	if (!rc)
		rc = dv_load_ini(c, view, &doc);
	if (rc)
		goto fail;
	rc = dv_conn_load(c, inidoc_get(&doc, "dataview", "connection"),
			  &p->conn);
	if (rc == -ENOENT) {
		memset(&p->conn, 0, sizeof(p->conn));
		rc = 0;
	} else if (!rc) {
		p->has_conn = 1;
	}
	if (!rc) {
		rc = tz_load(inidoc_get(&doc, "dataview", "timezone"), &p->tz,
			     &d);
		if (rc && rc != -ENOMEM)
			rc = -EIO;	/* the zone was known when stored */
	}
	if (rc) {
		inidoc_release(&doc);
		goto fail;
	}
	p->timeout = 60 * inidoc_int(&doc, "dataview",
				     "session_timeout_minutes");
	p->ncols = p->conn.nfields + 1;
	p->day_col = (int)p->conn.nfields;
	rc = dv_guard_init(&p->guard, &p->conn);
	if (rc) {
		inidoc_release(&doc);
		goto fail;
	}
	p->hi = (int64_t)c->now;
	p->lo = months_before(p->hi, p->conn.window_months);
	ftext = inidoc_get(&doc, "dataview", "filter");
	rc = filter_parse(ftext, strlen(ftext), &p->filter, &d);
	if (!rc && filter_bind(p->filter, plan_resolve, p, &d) == -ENOMEM)
		rc = -ENOMEM;	/* a failed bind passes no row */
	else if (rc == -EINVAL)
		rc = -EIO;
	inidoc_release(&doc);
	if (rc)
		goto fail;

	/* components, dimensions first */
	rc = dv_each_component(c, view, comp_load_one, p);
	if (rc)
		goto fail;
	if (p->ncomp)
		qsort(p->comp, p->ncomp, sizeof(*p->comp), cmp_comp);
	for (i = 0; i < p->ncomp && !p->comp[i].metric; i++)
		;
	p->ndims = i;

	/* what a row needs */
	p->used = calloc(p->ncols + p->ncomp + 1, sizeof(*p->used));
	p->join = calloc(p->conn.nds + 1, sizeof(*p->join));
	p->ev = calloc(p->conn.nds + 1, sizeof(*p->ev));
	if (!p->used || !p->join || !p->ev) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = plan_protect(p);
	if (rc)
		goto fail;
	for (i = 0; i < p->ncomp; i++)
		plan_use(p, p->comp[i].col);
	for (i = 0; i < filter_nfields(p->filter); i++)
		plan_use(p, filter_field_index(p->filter, i));
	for (e = 0; e < p->conn.nds; e++) {
		if (p->conn.ds[e].type != DATASET_EVENT)
			continue;
		rc = plan_event(p, e);
		if (rc)
			goto fail;
		for (i = 0; i < p->nused; i++) {
			const struct dv_src *s = &p->ev[e].src[p->used[i]];

			if (s->type == SRC_JOIN)
				p->join[s->join].needed = 1;
		}
		/* people and protected person ids read the person column */
		for (j = 0; j < p->ncomp; j++)
			if (p->comp[j].agg == AGG_PEOPLE && p->comp[j].metric)
				plan_use(p, p->ev[e].pid_col);
		/* events tell whether they show their time (dv_events) */
		if ((want & PLAN_DAY) && p->ev[e].ts_col >= 0)
			plan_use(p, p->ev[e].ts_col);
	}
	if (want & PLAN_DAY)
		plan_use(p, p->day_col);
	for (i = 0; i < p->nused; i++) {
		int col = p->used[i];

		if (col == p->day_col)
			p->need_day = 1;
		if (p->protect[col] == PROTECT_ALL ||
		    p->hoff[col + 1] > p->hoff[col])
			p->pcols[p->npcols++] = col;
	}
	rc = plan_snap(c, p);
	if (rc)
		goto fail;
	*out = p;
	return 0;
fail:
	plan_free(p);
	return rc;
}

/* --- lookups and profiles in memory --- */

struct join_load {
	struct dv_jtab *j;
	const struct dv_dataset *ds;
	int keycol;
};

static int join_row(void *arg, const struct csv_row *row)
{
	struct join_load *jl = arg;
	struct dv_jtab *j = jl->j;
	size_t i, base;
	uint32_t id;
	int rc, added;

	if (row->error || row->nfields != jl->ds->nfields)
		return 0;
	if (j->nrows == j->cap) {
		size_t cap = j->cap ? 2 * j->cap : 256;
		uint64_t *off = realloc(j->off, cap * j->nfields *
							sizeof(*off));
		uint32_t *len;

		if (!off)
			return -ENOMEM;
		j->off = off;
		len = realloc(j->len, cap * j->nfields * sizeof(*len));
		if (!len)
			return -ENOMEM;
		j->len = len;
		j->cap = cap;
	}
	base = j->nrows * j->nfields;
	for (i = 0; i < j->nfields; i++) {
		if (row->len[i] > UINT32_MAX)
			return -EOVERFLOW;
		j->off[base + i] = j->arena.len;
		j->len[base + i] = (uint32_t)row->len[i];
		rc = buf_add(&j->arena, row->field[i], row->len[i] + 1);
		if (rc)
			return rc;
	}
	rc = strtab_intern(&j->keys, row->field[jl->keycol],
			   row->len[jl->keycol], &id, &added);
	if (rc)
		return rc;
	if (added && id >= j->keycap) {
		/* ids grow one by one */
		size_t cap = j->keycap ? 2 * j->keycap : 256;
		uint32_t *r = realloc(j->row_of, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		j->row_of = r;
		j->keycap = cap;
	}
	j->row_of[id] = (uint32_t)j->nrows;	/* the last row wins */
	j->nrows++;
	return 0;
}

/* Room for the rows the dataset holds, known before they are read, so
 * that the tables are not copied as they grow: each copy touched fresh
 * pages, a fifth of the page faults of a report at 100,000 rows (200,000
 * profiles).  More rows (a commit since) grow them as before. */
static int join_reserve(struct dv_jtab *j, int64_t rows)
{
	uint64_t *off;
	uint32_t *len, *row_of;
	size_t n;

	if (rows <= 0 || rows > UINT32_MAX)
		return 0;
	n = (size_t)rows;
	off = realloc(j->off, n * j->nfields * sizeof(*off));
	if (!off)
		return -ENOMEM;
	j->off = off;
	len = realloc(j->len, n * j->nfields * sizeof(*len));
	if (!len)
		return -ENOMEM;
	j->len = len;
	j->cap = n;
	row_of = realloc(j->row_of, n * sizeof(*row_of));
	if (!row_of)
		return -ENOMEM;
	j->row_of = row_of;
	j->keycap = n;
	return 0;
}

/* Build the table of dataset ds from its snapshot into t. */
static int jtab_build(struct dv_plan *p, size_t ds, struct dv_jtab *t,
		      struct job *job)
{
	const struct dv_dataset *d = &p->conn.ds[ds];
	struct join_load jl = { t, d,
				d->type == DATASET_LOOKUP ? d->key : d->pid };
	struct rows_snap *snap = p->snap[ds];
	struct buf chunk = BUF_INIT;
	struct csv_reader rd;
	int64_t rows;
	int rc, eof = 0, first = 1;

	t->nfields = d->nfields;
	rows = rows_snap_rows(snap);
	rc = join_reserve(t, rows);
	csv_reader_init(&rd, ROWS_LINE_MAX, ROWS_FIELDS_MAX);
	while (!rc && !eof) {
		rc = rows_snap_next(snap, &chunk, &eof);
		if (rc || eof)
			break;
		p->seen += chunk.len;
		csv_reader_reset(&rd);
		rc = csv_feed(&rd, chunk.data, chunk.len, join_row, &jl);
		if (!rc)
			rc = csv_finish(&rd, join_row, &jl);
		/* the arena too, from the first chunk's bytes per row */
		if (!rc && first && t->nrows && rows > 0 &&
		    (uint64_t)rows > t->nrows)
			rc = buf_grow(&t->arena,
				      t->arena.len / t->nrows *
					      ((size_t)rows - t->nrows) *
					      17 / 16);
		first = 0;
		if (!rc)	/* a cancel stops the build too */
			rc = job_poll(job, 0);
	}
	csv_reader_release(&rd);
	buf_release(&chunk);
	return rc;
}

/* The cache's key for dataset ds's table: which dataset, its key field
 * and field count, and the row files of its snapshot. */
static int jtab_key(const struct dv_plan *p, size_t ds, struct buf *key)
{
	const struct dv_dataset *d = &p->conn.ds[ds];
	int rc = buf_printf(key, "%s/%s/%d/%zu/", p->conn.name, d->name,
			    d->type == DATASET_LOOKUP ? d->key : d->pid,
			    d->nfields);

	return rc ? rc : rows_snap_ident(p->snap[ds], key);
}

static int join_load(struct dv_plan *p, size_t ds, struct job *job)
{
	const struct dv_dataset *d = &p->conn.ds[ds];
	struct dv_join *j = &p->join[ds];
	struct buf key = BUF_INIT;
	struct jc_ent *e;
	int rc;

	if (!p->snap[ds] || (d->type == DATASET_LOOKUP ? d->key : d->pid) < 0)
		return 0;
	rc = jtab_key(p, ds, &key);
	if (rc)
		goto out;
	for (;;) {
		pthread_mutex_lock(&jc_lock);
		for (e = jc_head; e && strcmp(e->key, key.data); e = e->next)
			;
		if (!e)
			break;
		e->refs++;
		while (!e->ready)
			pthread_cond_wait(&jc_built, &jc_lock);
		pthread_mutex_unlock(&jc_lock);
		if (!e->rc) {
			j->e = e;
			j->t = &e->t;
			goto out;
		}
		jc_put(e);	/* its builder failed: build our own */
	}
	/* ours to build, the lock held from the search */
	e = calloc(1, sizeof(*e));
	if (e)
		e->key = buf_detach(&key, NULL);
	if (!e || !e->key) {
		pthread_mutex_unlock(&jc_lock);
		free(e);
		rc = -ENOMEM;
		goto out;
	}
	e->refs = 1;
	e->next = jc_head;
	jc_head = e;
	pthread_mutex_unlock(&jc_lock);
	rc = jtab_build(p, ds, &e->t, job);
	pthread_mutex_lock(&jc_lock);
	e->ready = 1;
	e->rc = rc;
	if (rc)
		jc_unlink(e);
	pthread_cond_broadcast(&jc_built);
	pthread_mutex_unlock(&jc_lock);
	if (rc) {
		jc_put(e);
		goto out;
	}
	j->e = e;
	j->t = &e->t;
out:
	buf_release(&key);
	return rc;
}

static int plan_joins(struct dv_plan *p, struct job *job)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < p->conn.nds && !rc; i++)
		if (p->join[i].needed)
			rc = join_load(p, i, job);
	return rc;
}

/* The joined datasets are no longer needed (no more scans). */
static void plan_drop_joins(struct dv_plan *p)
{
	size_t i;

	for (i = 0; p->join && i < p->conn.nds; i++)
		join_release(&p->join[i]);
}

/* --- the scan --- */

static int scan_init(struct dv_scan *s, struct mctx *c, struct dv_plan *p,
		     dv_emit_fn emit, void *arg)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->p = p;
	s->emit = emit;
	s->arg = arg;
	s->day_no = INT64_MIN;
	csv_reader_init(&s->rd, ROWS_LINE_MAX, ROWS_FIELDS_MAX);
	s->row.val = calloc(p->ncols, sizeof(*s->row.val));
	s->row.len = calloc(p->ncols, sizeof(*s->row.len));
	s->row.hidden = calloc(p->ncols, sizeof(*s->row.hidden));
	s->jrow = calloc(p->conn.nds + 1, sizeof(*s->jrow));
	s->fval = calloc(p->ncols, sizeof(*s->fval));
	s->flen = calloc(p->ncols, sizeof(*s->flen));
	return s->row.val && s->row.len && s->row.hidden && s->jrow &&
			       s->fval && s->flen ?
		       0 :
		       -ENOMEM;
}

static void scan_release(struct dv_scan *s)
{
	csv_reader_release(&s->rd);
	buf_release(&s->chunk);
	free(s->row.val);
	free(s->row.len);
	free(s->row.hidden);
	free(s->jrow);
	free(s->fval);
	free(s->flen);
	s->fval = NULL;
	s->flen = NULL;
	s->row.val = NULL;
	s->row.len = NULL;
	s->row.hidden = NULL;
	s->jrow = NULL;
}

/* Back to the first event (for a second pass). */
static void scan_rewind(struct dv_scan *s)
{
	size_t i;

	for (i = 0; i < s->p->conn.nds; i++)
		if (s->p->snap[i] && s->p->conn.ds[i].type == DATASET_EVENT)
			rows_snap_rewind(s->p->snap[i]);
	s->ds = 0;
	s->done = 0;
	s->row.rowno = 0;
}

static int col_visible(const struct dv_plan *p, int col, const char *v,
		       size_t len);

/* The filter sees a value a dimension hides as the empty value. */
static int scan_filter(struct dv_scan *s)
{
	const struct dv_plan *p = s->p;
	const struct dv_row *r = &s->row;
	size_t i;

	if (!p->nfhide)
		return filter_eval(p->filter, r->val, r->len);
	memcpy(s->fval, r->val, p->ncols * sizeof(*s->fval));
	memcpy(s->flen, r->len, p->ncols * sizeof(*s->flen));
	for (i = 0; i < p->nfhide; i++) {
		int col = p->fhide[i];

		if (r->hidden[col]) {
			s->fval[col] = empty;
			s->flen[col] = 0;
		}
	}
	return filter_eval(p->filter, s->fval, s->flen);
}

static int scan_row(void *arg, const struct csv_row *row)
{
	struct dv_scan *s = arg;
	struct dv_plan *p = s->p;
	const struct dv_dataset *ds = s->cds;
	const struct dv_ev *ev = s->cur;
	struct dv_row *r = &s->row;
	int64_t ts;
	size_t i;
	int rc;

	if (row->error || row->nfields != ds->nfields)
		return 0;
	if (timeparse(row->field[ds->ts], row->len[ds->ts], &ts) ||
	    ts < p->lo || ts > p->hi)
		return 0;
	for (i = 0; i < p->conn.nds; i++) {
		int k = ev->jkey[i];

		s->jrow[i] = UINT32_MAX;
		if (k >= 0 && p->join[i].t && p->join[i].t->nrows) {
			const struct dv_jtab *t = p->join[i].t;
			uint32_t id = strtab_find(&t->keys, row->field[k],
						  row->len[k]);

			if (id != STRTAB_NONE)
				s->jrow[i] = t->row_of[id];
		}
	}
	if (p->need_day) {
		int32_t off = tz_offset(p->tz, ts);
		int64_t day = floor_div(ts + off, 86400);

		if (day != s->day_no) {
			tz_format_day(day, s->day);
			s->day_no = day;
		}
	}
	for (i = 0; i < p->nused; i++) {
		int col = p->used[i];
		const struct dv_src *src = &ev->src[col];
		const struct dv_jtab *j;
		uint32_t jr;

		switch (src->type) {
		case SRC_EVENT:
			r->val[col] = row->field[src->col];
			r->len[col] = row->len[src->col];
			break;
		case SRC_JOIN:
			j = p->join[src->join].t;
			jr = s->jrow[src->join];
			if (jr != UINT32_MAX) {
				size_t at = (size_t)jr * j->nfields + src->col;

				r->val[col] = j->arena.data + j->off[at];
				r->len[col] = j->len[at];
				break;
			}
			r->val[col] = empty;
			r->len[col] = 0;
			break;
		case SRC_DAY:
			r->val[col] = s->day;
			r->len[col] = TZ_DAY_SIZE - 1;
			break;
		case SRC_NONE:
			r->val[col] = empty;
			r->len[col] = 0;
			break;
		}
	}
	for (i = 0; i < p->npcols; i++) {
		int col = p->pcols[i];

		r->hidden[col] = !col_visible(p, col, r->val[col], r->len[col]);
	}
	if (p->filter_blocked || !scan_filter(s))
		return 0;
	r->ts = ts;
	r->pid = ds->pid >= 0 ? row->field[ds->pid] : empty;
	r->pidlen = ds->pid >= 0 ? row->len[ds->pid] : 0;
	r->pid_col = ev->pid_col;
	r->ts_col = ev->ts_col;
	if (r->pid_col >= 0) {
		r->val[r->pid_col] = r->pid;
		r->len[r->pid_col] = r->pidlen;
	}
	rc = s->emit(s->arg, r);
	r->rowno++;
	return rc;
}

/* Feed the next chunk of events to the consumer; s->done at the end.
 * Reads the plan's snapshots only: no store, no lock. */
static int scan_step(struct dv_scan *s)
{
	struct dv_plan *p = s->p;
	uint64_t lines;
	int rc = 0, eof;

	while (s->ds < p->conn.nds) {
		const struct dv_dataset *ds = &p->conn.ds[s->ds];
		struct rows_snap *snap = p->snap[s->ds];

		if (ds->type != DATASET_EVENT || !snap) {
			s->ds++;
			continue;
		}
		eof = 0;
		rc = rows_snap_next(snap, &s->chunk, &eof);
		if (rc)
			return rc;
		if (eof) {
			s->ds++;
			continue;
		}
		s->cur = &p->ev[s->ds];
		s->cds = ds;
		p->seen += s->chunk.len;
		csv_reader_reset(&s->rd);
		rc = csv_feed(&s->rd, s->chunk.data, s->chunk.len, scan_row, s);
		lines = (uint64_t)s->rd.line - 1;
		if (!rc)
			rc = csv_finish(&s->rd, scan_row, s);
		if (!rc)	/* reporting activity: count, cancel, yield */
			rc = job_poll(s->c->job, lines);
		return rc;
	}
	s->done = 1;
	return 0;
}

static int scan_all(struct dv_scan *s)
{
	int rc = 0;

	while (!rc && !s->done)
		rc = scan_step(s);
	return rc;
}

/* --- what components show --- */

/* Whether cp's rules show val, from its cache when they hold regexes. */
static int comp_visible(const struct dv_comp *cp, const char *val,
			size_t len)
{
	struct dv_vcache *vc = cp->vcache;
	unsigned char *vis;
	uint32_t id;
	int v;

	if (!vc || len > VALRULE_REGEX_MAX_VALUE)
		return valrule_visible(cp->rules, val, len);
	id = strtab_find(&vc->vals, val, len);
	if (id != STRTAB_NONE)
		return vc->vis[id];
	v = valrule_visible(cp->rules, val, len);
	if (vc->vals.n >= DV_VCACHE_MAX)
		return v;
	if (vc->vals.n == vc->cap) {
		vis = realloc(vc->vis, (vc->cap ? vc->cap * 2 : 64));
		if (!vis)
			return v;
		vc->vis = vis;
		vc->cap = vc->cap ? vc->cap * 2 : 64;
	}
	if (!strtab_intern(&vc->vals, val, len, &id, NULL))
		vc->vis[id] = (unsigned char)v;
	return v;
}

/* 1 if column col's value v is visible: the rules of no dimension over
 * its class hide it (protect.c).  A disputed class shows nothing.  The
 * scan works it out once a row for the columns that need it. */
static int col_visible(const struct dv_plan *p, int col, const char *v,
		       size_t len)
{
	int i;

	if (col < 0)
		return 1;
	if (p->protect[col] == PROTECT_ALL)
		return 0;
	for (i = p->hoff[col]; i < p->hoff[col + 1]; i++)
		if (!comp_visible(&p->comp[p->hidx[i]], v, len))
			return 0;
	return 1;
}

/* Row r's value of column col is visible (col < 0: nothing to hide). */
static int dv_visible(const struct dv_row *r, int col)
{
	return col < 0 || !r->hidden[col];
}

/* The value dimension cp shows for val (its value in row r): 1 and *out,
 * or 0 if hidden.  The rules of every dimension over its field apply.
 * A dimension that reads no column (its field is gone, or the view's
 * guard blocks it: plan_protect) shows the empty value, which its own
 * rules may hide: there is no value, so no bucket, not even Other.  A
 * column's empty value (an empty cell, no joined row) is a value, and a
 * bucketed dimension shows Other for it, as for any value that is not a
 * number. */
static int dim_show(const struct dv_comp *cp, const struct dv_row *r,
		    const char *val, size_t len, const char **out,
		    size_t *olen)
{
	const char *label;

	if (cp->col < 0) {
		if (cp->rules && !comp_visible(cp, empty, 0))
			return 0;
		*out = empty;
		*olen = 0;
		return 1;
	}
	if (!dv_visible(r, cp->col))
		return 0;
	if (cp->buckets) {
		label = bucket_label(cp->buckets, val, len);
		if (label) {
			*out = label;
			*olen = strlen(label);
			return 1;
		}
	}
	*out = val;
	*olen = len;
	return 1;
}

/* A column's value as the view's dimensions show it: hidden, empty;
 * bucketed, its label. */
static void protected_value(const struct dv_plan *p, int col,
			    const struct dv_row *r, const char **out,
			    size_t *olen)
{
	const char *label;
	int by = col >= 0 ? p->protect[col] : -1;

	*out = empty;
	*olen = 0;
	if (col < 0 || !dv_visible(r, col))
		return;
	*out = r->val[col];
	*olen = r->len[col];
	if (by >= 0 && p->comp[by].buckets) {
		label = bucket_label(p->comp[by].buckets, r->val[col],
				     r->len[col]);
		if (label) {
			*out = label;
			*olen = strlen(label);
		}
	}
}

static const char *comp_val(const struct dv_comp *cp, const struct dv_row *r,
			    size_t *len)
{
	if (cp->col < 0) {
		*len = 0;
		return empty;
	}
	*len = r->len[cp->col];
	return r->val[cp->col];
}

/* Dimension cp's cell in rows.csv for row r: what it shows, or the empty
 * value when hidden. */
static void dim_cell(const struct dv_comp *cp, const struct dv_row *r,
		     const char **out, size_t *olen)
{
	size_t len;
	const char *v = comp_val(cp, r, &len);

	if (!dim_show(cp, r, v, len, out, olen)) {
		*out = empty;
		*olen = 0;
	}
}

/* Dimension cp's value in an event (dvevents.h): what rows.csv shows,
 * or NULL when hidden, which is absent, not the empty value. */
static void dim_event(const struct dv_comp *cp, const struct dv_row *r,
		      const char **out, size_t *olen)
{
	size_t len;
	const char *v = comp_val(cp, r, &len);

	if (!dim_show(cp, r, v, len, out, olen)) {
		*out = NULL;
		*olen = 0;
	}
}

/* --- sessions --- */

/* One event for the sessions, as sessions_each() hands them out. */
struct sess_rec {
	uint32_t person;
	uint32_t tag;		/* item id (reports) or row number (rows.csv) */
	int64_t ts;
};

/* The records go to an external sort as two words that order them by
 * person, time, tag: word 0 = person << 32 | the time's high half, word
 * 1 = the time's low half << 32 | tag, the time with its sign bit
 * flipped so that unsigned order is time order. */
#define SESS_TS_FLIP (UINT64_C(1) << 63)

struct sessions {
	struct strtab persons;
	struct extsort sort;
	/* live (the plan's events in time order): per person, the time of
	 * its last event and its session + 1; nsess sessions so far */
	int live;
	int64_t *last;
	uint64_t *cur;
	struct sess_items *items;	/* reports: per person, the items of
					 * its current session */
	size_t cap;
	uint64_t nsess;
};

/* The items a person's current session has met, in order, repeats
 * allowed (counted once each when the session ends): the first
 * SESS_INLINE in the struct itself (most sessions meet few), more in an
 * array of their own. */
#define SESS_INLINE 2
struct sess_items {
	uint32_t n, cap;	/* cap 0: in[] holds them */
	union {
		uint32_t in[SESS_INLINE];
		uint32_t *v;
	};
};

static uint32_t *sess_items_v(struct sess_items *it)
{
	return it->cap ? it->v : it->in;
}

static void sessions_init(struct sessions *ss, size_t budget, const char *dir)
{
	memset(ss, 0, sizeof(*ss));
	strtab_init(&ss->persons);
	extsort_init(&ss->sort, 2, 0, budget, dir);
}

/* Live sessions: the event of person (an id in ss->persons) at ts, which
 * comes after every earlier event of that person: its session in *sess,
 * and whether it starts it.  The same sessions sessions_each() finds in
 * the sorted records: a new one at a person's first event and after a
 * gap over timeout. */
static int sessions_step(struct sessions *ss, uint32_t person, int64_t ts,
			 int64_t timeout, uint64_t *sess, int *start)
{
	if (person >= ss->cap) {
		size_t cap = ss->cap ? ss->cap * 2 : 1024;
		int64_t *last;
		uint64_t *cur;

		while (cap <= person)
			cap *= 2;
		last = realloc(ss->last, cap * sizeof(*last));
		if (!last)
			return -ENOMEM;
		ss->last = last;
		cur = realloc(ss->cur, cap * sizeof(*cur));
		if (!cur)
			return -ENOMEM;
		memset(cur + ss->cap, 0, (cap - ss->cap) * sizeof(*cur));
		ss->cur = cur;
		if (ss->items || !ss->cap) {
			struct sess_items *it = realloc(ss->items,
							cap * sizeof(*it));

			if (!it)
				return -ENOMEM;
			memset(it + ss->cap, 0,
			       (cap - ss->cap) * sizeof(*it));
			ss->items = it;
		}
		ss->cap = cap;
	}
	*start = !ss->cur[person] || ts - ss->last[person] > timeout;
	if (*start)
		ss->cur[person] = ++ss->nsess;
	ss->last[person] = ts;
	*sess = ss->cur[person] - 1;
	return 0;
}

/* Record r's event for the sessions; person is its id in ss->persons
 * (STRTAB_NONE: intern it here). */
static int sessions_add(struct sessions *ss, const struct dv_row *r,
			uint32_t person, uint32_t tag)
{
	uint64_t rec[2], t = (uint64_t)r->ts ^ SESS_TS_FLIP;
	int rc;

	if (person == STRTAB_NONE) {
		rc = strtab_intern(&ss->persons, r->pid, r->pidlen, &person,
				   NULL);
		if (rc)
			return rc;
	}
	rec[0] = (uint64_t)person << 32 | t >> 32;
	rec[1] = t << 32 | tag;
	return extsort_add(&ss->sort, rec);
}

/* Call fn(arg, session number, record) for each record in order (person,
 * time, tag); session numbers start at 0 and grow by one per session.
 * The person ids are in the records by then, so their table goes
 * first. */
static int sessions_each(struct sessions *ss, int64_t timeout,
			 int (*fn)(void *arg, uint64_t sess,
				   const struct sess_rec *r),
			 void *arg)
{
	struct sess_rec cur, prev = { 0, 0, 0 };
	const uint64_t *rec;
	uint64_t sess = 0;
	size_t n = 1, i;
	int rc, any = 0;

	strtab_release(&ss->persons);
	rc = extsort_finish(&ss->sort);
	while (!rc && n) {
		rc = extsort_next(&ss->sort, &rec, &n);
		for (i = 0; !rc && i < n; i++, rec += 2) {
			cur.person = (uint32_t)(rec[0] >> 32);
			cur.tag = (uint32_t)rec[1];
			cur.ts = (int64_t)((rec[0] << 32 | rec[1] >> 32) ^
					   SESS_TS_FLIP);
			if (any && (cur.person != prev.person ||
				    cur.ts - prev.ts > timeout))
				sess++;
			any = 1;
			prev = cur;
			rc = fn(arg, sess, &cur);
		}
	}
	return rc;
}

static void sessions_release(struct sessions *ss)
{
	size_t i;

	strtab_release(&ss->persons);
	extsort_release(&ss->sort);
	for (i = 0; ss->items && i < ss->cap; i++)
		if (ss->items[i].cap)
			free(ss->items[i].v);
	free(ss->items);
	free(ss->last);
	free(ss->cur);
	ss->items = NULL;
	ss->last = NULL;
	ss->cur = NULL;
	ss->cap = 0;
}

/* After a stream that read at least DV_TRIM_SEEN bytes of rows (events
 * scanned and joined datasets loaded): if the allocator holds more than
 * DV_KEEP_FREE of freed memory, hand it back to the system.  glibc keeps
 * freed memory in the arena of the thread that used it (the FUSE workers
 * each have one), and once a large block was freed it serves blocks up to
 * that size from the arenas too, so without this every worker that
 * computed a report kept tens of MiB resident.  Not after every stream:
 * the next one would then fault every page in again (5-10 ms a read at
 * 100,000 rows).  Not after small ones either: mallinfo2() walks every
 * free chunk of every arena, about 2 ms with the kernel holding the
 * 160,000 inodes of a large tree, where reading a small view's report
 * costs a tenth of that.  A stream that read 1 MiB of rows spent tens of
 * ms, and is what leaves memory behind. */
#define DV_KEEP_FREE (32 * 1024 * 1024)
#define DV_TRIM_SEEN (1024 * 1024)

static void dv_give_back(uint64_t seen)
{
	struct mallinfo2 mi;

	if (seen < DV_TRIM_SEEN)
		return;
	mi = mallinfo2();
	if (mi.fordblks > DV_KEEP_FREE)
		malloc_trim(0);
}

/* --- rows.csv --- */

struct rows_cur {
	struct dv_plan *p;
	struct dv_scan scan;
	int started;
	int err;			/* a failed start stays failed */
	struct buf *out;
	struct sessions live;		/* the plan is live: sessions found
					 * as the rows go by */
	struct extsort starts;		/* rows that start a session */
	const uint64_t *start;		/* the next of them, NULL: none */
	size_t nstart;			/* starts at start (this block) */
	const char **fv;
	size_t *fl;
	int sorting;			/* counted in dv_sorting */
};

static int rows_sess_emit(void *arg, const struct dv_row *r)
{
	return sessions_add(arg, r, STRTAB_NONE, r->rowno);
}

/* Note the first event of each session (records come in order). */
struct mark_state {
	struct rows_cur *rc;
	uint64_t last;
	int any;
};

static int rows_mark_first(void *arg, uint64_t sess, const struct sess_rec *r)
{
	struct mark_state *ms = arg;
	uint64_t row = r->tag;

	if (ms->any && sess == ms->last)
		return 0;
	ms->any = 1;
	ms->last = sess;
	return extsort_add(&ms->rc->starts, &row);
}

/* On to the next row that starts a session. */
static int rows_next_start(struct rows_cur *rc)
{
	int err = 0;

	if (rc->nstart > 1) {
		rc->start++;
		rc->nstart--;
		return 0;
	}
	err = extsort_next(&rc->starts, &rc->start, &rc->nstart);
	if (err || !rc->nstart) {
		rc->start = NULL;
		rc->nstart = 0;
	}
	return err;
}

static int rows_emit(void *arg, const struct dv_row *r)
{
	struct rows_cur *rc = arg;
	const struct dv_plan *p = rc->p;
	uint64_t sess;
	uint32_t pid;
	size_t i;
	int err, start = 0;

	if (p->has_sessions && p->live) {
		err = strtab_intern(&rc->live.persons, r->pid, r->pidlen, &pid,
				    NULL);
		if (!err)
			err = sessions_step(&rc->live, pid, r->ts, p->timeout,
					    &sess, &start);
		if (err)
			return err;
	}
	for (i = 0; i < p->ncomp; i++) {
		const struct dv_comp *cp = &p->comp[i];
		size_t len;

		if (!cp->metric) {
			dim_cell(cp, r, &rc->fv[i], &rc->fl[i]);
			continue;
		}
		switch (cp->agg) {
		case AGG_OCCURRENCES:
			rc->fv[i] = "1";
			rc->fl[i] = 1;
			break;
		case AGG_COUNT:
			comp_val(cp, r, &len);
			rc->fv[i] = len && dv_visible(r, cp->col) ?
					    "1" :
					    "0";
			rc->fl[i] = 1;
			break;
		case AGG_SUM:
		case AGG_DISTINCT:
			protected_value(p, cp->col, r, &rc->fv[i], &rc->fl[i]);
			break;
		case AGG_PEOPLE:
			protected_value(p, r->pid_col, r, &rc->fv[i],
					&rc->fl[i]);
			break;
		case AGG_SESSIONS:
			if (p->live) {
				rc->fv[i] = start ? "1" : "0";
				rc->fl[i] = 1;
				break;
			}
			/* rows come in row order, and so do the starts */
			while (rc->start && *rc->start < r->rowno) {
				err = rows_next_start(rc);
				if (err)
					return err;
			}
			rc->fv[i] = rc->start && *rc->start == r->rowno ? "1" :
									  "0";
			rc->fl[i] = 1;
			break;
		}
	}
	return csv_write_row_safe(rc->out, p->ncomp, rc->fv, rc->fl);
}

static void rows_done(void *cursor);

/* At open, under the model's lock: the plan and its snapshots. */
static int rows_start(struct mctx *c, const struct obj_ref *ref, void **cursor)
{
	struct rows_cur *rc = calloc(1, sizeof(*rc));
	int err;

	if (!rc)
		return -ENOMEM;
	err = plan_load(c, ref->names[0], 0, &rc->p);
	if (err) {
		rows_done(rc);
		return err;
	}
	*cursor = rc;
	return 0;
}

/* First read: the joins, the session starts, the header. */
static int rows_begin(struct mctx *c, const struct obj_ref *ref,
		      struct rows_cur *rc, struct buf *out)
{
	struct dv_plan *p = rc->p;
	size_t i;
	int err;

	rc->fv = calloc(p->ncomp + 1, sizeof(*rc->fv));
	rc->fl = calloc(p->ncomp + 1, sizeof(*rc->fl));
	if (!rc->fv || !rc->fl)
		return -ENOMEM;
	err = plan_joins(p, c->job);
	if (!err)
		err = scan_init(&rc->scan, c, p, rows_emit, rc);
	if (err)
		return err;
	if (p->has_sessions && p->live) {
		sessions_init(&rc->live, 0, NULL);
	} else if (p->has_sessions) {
		struct sessions ss;
		struct mark_state ms = { rc, 0, 0 };

		/* half the budget each: the starts fill as the sessions
		 * merge */
		size_t share = sort_share(&rc->sorting);

		sessions_init(&ss, share / 2, p->scratch);
		extsort_init(&rc->starts, 1, 0, share / 2,
			     p->scratch);
		rc->scan.emit = rows_sess_emit;
		rc->scan.arg = &ss;
		err = scan_all(&rc->scan);
		if (!err)
			err = sessions_each(&ss, p->timeout, rows_mark_first,
					    &ms);
		sessions_release(&ss);
		if (!err)
			err = extsort_finish(&rc->starts);
		if (!err)
			err = rows_next_start(rc);
		scan_rewind(&rc->scan);
		rc->scan.emit = rows_emit;
		rc->scan.arg = rc;
		if (err)
			return err;
	}
	if (!p->ncomp)
		return 0;
	for (i = 0; i < p->ncomp; i++) {
		rc->fv[i] = p->comp[i].name;
		rc->fl[i] = strlen(p->comp[i].name);
	}
	return csv_write_row_safe(out, p->ncomp, rc->fv, rc->fl);
}

static int rows_next(struct mctx *c, const struct obj_ref *ref, void *cursor,
		     struct buf *out, int *eof)
{
	struct rows_cur *rc = cursor;
	int err = 0;

	buf_reset(out);
	rc->out = out;
	if (rc->err)
		return rc->err;
	if (!rc->started) {
		rc->started = 1;
		err = rows_begin(c, ref, rc, out);
		if (err) {
			rc->err = err;
			return err;
		}
		if (out->len)
			return 0;
	}
	if (!rc->p->ncomp) {
		*eof = 1;	/* no components, no columns */
		return 0;
	}
	rc->scan.c = c;
	while (!err && !rc->scan.done && out->len < DV_PIECE)
		err = scan_step(&rc->scan);
	if (!err && rc->scan.done && !out->len)
		*eof = 1;
	return err;
}

static void rows_done(void *cursor)
{
	struct rows_cur *rc = cursor;
	uint64_t seen;

	if (!rc)
		return;
	seen = rc->p ? rc->p->seen : 0;
	if (rc->p)
		scan_release(&rc->scan);
	plan_free(rc->p);
	sort_leave(&rc->sorting);
	sessions_release(&rc->live);
	extsort_release(&rc->starts);
	free(rc->fv);
	free(rc->fl);
	free(rc);
	dv_give_back(seen);
}

const struct kind_stream_ops dv_rows_stream_ops = {
	.start = rows_start,
	.next = rows_next,
	.done = rows_done,
	.computation = 1,
	.unlocked = 1,
};

/* --- report/DIM.csv --- */

struct report_cur {
	struct dv_plan *p;
	int computed;
	size_t dim;			/* the dimension's component index */
	struct strtab items;		/* visible values */
	size_t cap;			/* entries of each acc[] */
	double **acc;			/* per component (metrics): per item */
	struct decsum **dec;		/* per sum metric: per item */
	struct extsort people;		/* (item, person id in ss.persons) */
	struct strtab *vals;		/* per component (distinct) */
	struct extsort *pairs;		/* per component (distinct) */
	struct sessions ss;
	uint64_t *last_sess;		/* per item: last session counted + 1 */
	uint32_t *order;		/* items, sorted */
	size_t next;			/* next item to hand out */
	int sorting;			/* counted in dv_sorting */
	int need_pid;			/* people or sessions metrics */
	int has_people;			/* people metrics */
	int header_done;
	int err;			/* a failed computation stays failed */
};

static int report_grow(struct report_cur *rc, uint32_t id)
{
	const struct dv_plan *p = rc->p;
	size_t cap, i;

	if (id < rc->cap)
		return 0;
	cap = rc->cap ? 2 * rc->cap : 256;
	while (cap <= id)
		cap *= 2;
	for (i = p->ndims; i < p->ncomp; i++) {
		double *v = realloc(rc->acc[i], cap * sizeof(*v));
		struct decsum *ds;

		if (!v)
			return -ENOMEM;
		memset(v + rc->cap, 0, (cap - rc->cap) * sizeof(*v));
		rc->acc[i] = v;
		if (p->comp[i].agg != AGG_SUM)
			continue;
		ds = realloc(rc->dec[i], cap * sizeof(*ds));
		if (!ds)
			return -ENOMEM;
		memset(ds + rc->cap, 0, (cap - rc->cap) * sizeof(*ds));
		rc->dec[i] = ds;
	}
	if (p->has_sessions) {
		uint64_t *ls = realloc(rc->last_sess, cap * sizeof(*ls));

		if (!ls)
			return -ENOMEM;
		memset(ls + rc->cap, 0, (cap - rc->cap) * sizeof(*ls));
		rc->last_sess = ls;
	}
	rc->cap = cap;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Live sessions: person's session is over; count it once for each item
 * it met. */
static void report_sess_flush(struct report_cur *rc, uint32_t person)
{
	struct sess_items *it = &rc->ss.items[person];
	const struct dv_plan *p = rc->p;
	uint32_t *v = sess_items_v(it), i, k;

	if (it->n > 1)
		qsort(v, it->n, sizeof(*v), cmp_u32);
	for (i = 0; i < it->n; i++) {
		if (i && v[i] == v[i - 1])
			continue;
		for (k = p->ndims; k < p->ncomp; k++)
			if (p->comp[k].agg == AGG_SESSIONS)
				rc->acc[k][v[i]] += 1;
	}
	it->n = 0;
}

/* r's event for the sessions metrics: when events come in time order, the
 * item joins its person's current session (the previous one, ended, is
 * counted); else the event is recorded for the sort. */
static int report_sess_add(struct report_cur *rc, const struct dv_row *r,
			   uint32_t pid, uint32_t tag)
{
	struct sess_items *it;
	uint64_t sess;
	int start, err;

	if (!rc->ss.live)
		return sessions_add(&rc->ss, r, pid, tag);
	err = sessions_step(&rc->ss, pid, r->ts, rc->p->timeout, &sess,
			    &start);
	if (err)
		return err;
	it = &rc->ss.items[pid];
	if (start)
		report_sess_flush(rc, pid);
	if (tag == STRTAB_NONE ||
	    (it->n && sess_items_v(it)[it->n - 1] == tag))
		return 0;
	if (it->n == (it->cap ? it->cap : SESS_INLINE)) {
		uint32_t cap = it->n * 2;
		uint32_t *v = malloc(cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		memcpy(v, sess_items_v(it), it->n * sizeof(*v));
		if (it->cap)
			free(it->v);
		it->v = v;
		it->cap = cap;
	}
	sess_items_v(it)[it->n++] = tag;
	return 0;
}

static int report_emit(void *arg, const struct dv_row *r)
{
	struct report_cur *rc = arg;
	const struct dv_plan *p = rc->p;
	const struct dv_comp *dim = &p->comp[rc->dim];
	const char *v, *shown;
	size_t len, slen, i;
	uint32_t id, pid = STRTAB_NONE;
	uint64_t pair;
	int err, people_done = 0;
	double num;

	v = comp_val(dim, r, &len);
	if (rc->need_pid) {
		/* one table of person ids for people and sessions */
		err = strtab_intern(&rc->ss.persons, r->pid, r->pidlen, &pid,
				    NULL);
		if (err)
			return err;
	}
	if (!dim_show(dim, r, v, len, &shown, &slen)) {
		/* no item, but its events still shape the sessions */
		return p->has_sessions ?
			       report_sess_add(rc, r, pid, STRTAB_NONE) :
			       0;
	}
	err = strtab_intern(&rc->items, shown, slen, &id, NULL);
	if (!err)
		err = report_grow(rc, id);
	if (!err && p->has_sessions)
		err = report_sess_add(rc, r, pid, id);
	for (i = p->ndims; i < p->ncomp && !err; i++) {
		const struct dv_comp *cp = &p->comp[i];

		switch (cp->agg) {
		case AGG_OCCURRENCES:
			rc->acc[i][id] += 1;
			break;
		case AGG_COUNT:
			v = comp_val(cp, r, &len);
			if (len && dv_visible(r, cp->col))
				rc->acc[i][id] += 1;
			break;
		case AGG_SUM:
			v = comp_val(cp, r, &len);
			if (dv_number(v, len, &num) &&
			    dv_visible(r, cp->col))
				decsum_add(&rc->dec[i][id], v, len, num);
			break;
		case AGG_DISTINCT: {
			uint32_t vid;

			v = comp_val(cp, r, &len);
			if (!len || !dv_visible(r, cp->col))
				break;
			err = strtab_intern(&rc->vals[i], v, len, &vid, NULL);
			if (err)
				break;
			pair = (uint64_t)id << 32 | vid;
			err = extsort_add(&rc->pairs[i], &pair);
			break;
		}
		case AGG_PEOPLE:
			/* one set of pairs for every people metric; a person
			 * id a dimension hides counts no person */
			if (people_done++ ||
			    !dv_visible(r, r->pid_col))
				break;
			pair = (uint64_t)id << 32 | pid;
			err = extsort_add(&rc->people, &pair);
			break;
		case AGG_SESSIONS:
			break;
		}
	}
	return err;
}

static int report_session(void *arg, uint64_t sess, const struct sess_rec *r)
{
	struct report_cur *rc = arg;
	const struct dv_plan *p = rc->p;
	size_t k;

	if (r->tag == STRTAB_NONE)
		return 0;
	/* sess + 1, so that the zeroed array means "none yet" */
	if (rc->last_sess[r->tag] == sess + 1)
		return 0;
	rc->last_sess[r->tag] = sess + 1;
	for (k = p->ndims; k < p->ncomp; k++)
		if (p->comp[k].agg == AGG_SESSIONS)
			rc->acc[k][r->tag] += 1;
	return 0;
}

/* Count the distinct (item, value) pairs of s per item: for metric k,
 * or for every people metric (k < 0).  s is released. */
static int report_pairs(struct report_cur *rc, struct extsort *s, long k)
{
	const struct dv_plan *p = rc->p;
	const uint64_t *pair;
	size_t i, j, n = 1;
	int err = extsort_finish(s);

	while (!err && n) {
		err = extsort_next(s, &pair, &n);
		for (i = 0; !err && i < n; i++) {
			uint32_t id = (uint32_t)(pair[i] >> 32);

			if (k >= 0) {
				rc->acc[k][id] += 1;
				continue;
			}
			for (j = p->ndims; j < p->ncomp; j++)
				if (p->comp[j].agg == AGG_PEOPLE)
					rc->acc[j][id] += 1;
		}
	}
	extsort_release(s);
	return err;
}

static int cmp_items(const void *a, const void *b, void *arg)
{
	const struct report_cur *rc = arg;
	const struct dv_plan *p = rc->p;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const char *sx, *sy;
	size_t lx, ly;
	int cmp;

	if (p->ncomp > p->ndims && p->comp[p->ndims].agg == AGG_SUM) {
		cmp = decsum_cmp(&rc->dec[p->ndims][x], &rc->dec[p->ndims][y]);
		if (cmp)
			return -cmp;
	} else if (p->ncomp > p->ndims) {
		double vx = rc->acc[p->ndims][x], vy = rc->acc[p->ndims][y];

		if (vx != vy)
			return vx > vy ? -1 : 1;
	}
	sx = strtab_str(&rc->items, x, &lx);
	sy = strtab_str(&rc->items, y, &ly);
	cmp = memcmp(sx, sy, lx < ly ? lx : ly);
	if (cmp)
		return cmp;
	return (lx > ly) - (lx < ly);
}

static int report_compute(struct mctx *c, const struct obj_ref *ref,
			  struct report_cur *rc)
{
	struct dv_plan *p;
	struct dv_scan scan;
	size_t i, n, nsort, budget;
	int err;

	memset(&scan, 0, sizeof(scan));
	p = rc->p;
	for (i = p->ndims; i < p->ncomp; i++)
		if (p->comp[i].agg == AGG_PEOPLE ||
		    p->comp[i].agg == AGG_SESSIONS)
			rc->need_pid = 1;
	rc->acc = calloc(p->ncomp + 1, sizeof(*rc->acc));
	rc->dec = calloc(p->ncomp + 1, sizeof(*rc->dec));
	rc->vals = calloc(p->ncomp + 1, sizeof(*rc->vals));
	rc->pairs = calloc(p->ncomp + 1, sizeof(*rc->pairs));
	if (!rc->acc || !rc->dec || !rc->vals || !rc->pairs)
		return -ENOMEM;
	/* the sorts share the budget: one for all people metrics, one per
	 * distinct metric, one for the sessions */
	nsort = p->has_sessions;
	for (i = p->ndims; i < p->ncomp; i++)
		if (p->comp[i].agg == AGG_PEOPLE)
			rc->has_people = 1;
		else if (p->comp[i].agg == AGG_DISTINCT)
			nsort++;
	nsort += rc->has_people;
	budget = sort_share(&rc->sorting) / (nsort ? nsort : 1);
	extsort_init(&rc->people, 1, EXTSORT_UNIQUE, budget, p->scratch);
	for (i = p->ndims; i < p->ncomp; i++)
		if (p->comp[i].agg == AGG_DISTINCT)
			extsort_init(&rc->pairs[i], 1, EXTSORT_UNIQUE, budget,
				     p->scratch);
	sessions_init(&rc->ss, budget, p->scratch);
	rc->ss.live = p->live;
	err = plan_joins(p, c->job);
	if (!err)
		err = scan_init(&scan, c, p, report_emit, rc);
	if (!err)
		err = scan_all(&scan);
	scan_release(&scan);
	/* the scan's tables go before the merges: the ids are in the
	 * records */
	plan_drop_joins(p);
	strtab_release(&rc->ss.persons);
	if (rc->ss.live) {
		/* the sessions still open end with the events */
		for (i = 0; !err && i < rc->ss.cap; i++)
			if (rc->ss.cur[i])
				report_sess_flush(rc, (uint32_t)i);
		sessions_release(&rc->ss);
	}
	for (i = 0; i < p->ncomp; i++)
		strtab_release(&rc->vals[i]);
	if (err)
		return err;
	if (rc->has_people) {
		err = report_pairs(rc, &rc->people, -1);
		if (err)
			return err;
	}
	for (i = p->ndims; i < p->ncomp; i++) {
		if (p->comp[i].agg != AGG_DISTINCT)
			continue;
		err = report_pairs(rc, &rc->pairs[i], (long)i);
		if (err)
			return err;
	}
	n = rc->items.n;
	if (p->has_sessions && !rc->ss.live) {
		/* last_sess grew with the items, zeroed */
		err = sessions_each(&rc->ss, p->timeout, report_session, rc);
		if (err)
			return err;
	}
	sessions_release(&rc->ss);
	rc->order = malloc((n + 1) * sizeof(*rc->order));
	if (!rc->order)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		rc->order[i] = (uint32_t)i;
	if (n)
		qsort_r(rc->order, n, sizeof(*rc->order), cmp_items, rc);
	return 0;
}

static void report_done(void *cursor);

/* At open, under the model's lock: the plan and its snapshots; the
 * computation waits for the first read. */
static int report_start(struct mctx *c, const struct obj_ref *ref,
			void **cursor)
{
	struct report_cur *rc = calloc(1, sizeof(*rc));
	const struct dv_plan *p;
	size_t i;
	int err;

	if (!rc)
		return -ENOMEM;
	strtab_init(&rc->items);
	err = plan_load(c, ref->names[0], 0, &rc->p);
	if (err)
		goto fail;
	p = rc->p;
	for (i = 0; i < p->ndims; i++)
		if (!strcmp(p->comp[i].name, ref->names[1]))
			break;
	if (i == p->ndims) {
		err = -ENOENT;	/* deleted or no longer a dimension */
		goto fail;
	}
	rc->dim = i;
	*cursor = rc;
	return 0;
fail:
	report_done(rc);
	return err;
}

/* Metric i of item id as text in out (DECSUM_FMT_SIZE bytes). */
static int fmt_metric(const struct report_cur *rc, size_t i, uint32_t id,
		      char *out)
{
	if (rc->p->comp[i].agg == AGG_SUM)
		return decsum_format(&rc->dec[i][id], out);
	return snprintf(out, DECSUM_FMT_SIZE, "%" PRId64,
			(int64_t)rc->acc[i][id]);
}

static int report_next(struct mctx *c, const struct obj_ref *ref,
		       void *cursor, struct buf *out, int *eof)
{
	struct report_cur *rc = cursor;
	const struct dv_plan *p;
	const char **fv = NULL;
	size_t *fl = NULL, i, n;
	char (*num)[DECSUM_FMT_SIZE] = NULL;
	int err = 0;

	buf_reset(out);
	if (rc->err)
		return rc->err;
	if (!rc->computed) {
		rc->computed = 1;
		err = report_compute(c, ref, rc);
		sort_leave(&rc->sorting);	/* the sorts are merged */
		if (err) {
			rc->err = err;
			return err;
		}
	}
	p = rc->p;
	n = p->ncomp - p->ndims + 1;
	fv = calloc(n, sizeof(*fv));
	fl = calloc(n, sizeof(*fl));
	num = calloc(n, sizeof(*num));
	if (!fv || !fl || !num) {
		err = -ENOMEM;
		goto out;
	}
	if (!rc->header_done) {
		rc->header_done = 1;
		fv[0] = p->comp[rc->dim].name;
		for (i = p->ndims; i < p->ncomp; i++)
			fv[i - p->ndims + 1] = p->comp[i].name;
		err = csv_write_row_safe(out, n, fv, NULL);
		goto out;
	}
	while (!err && rc->next < rc->items.n && out->len < DV_PIECE) {
		uint32_t id = rc->order[rc->next++];

		fv[0] = strtab_str(&rc->items, id, &fl[0]);
		for (i = p->ndims; i < p->ncomp; i++) {
			size_t k = i - p->ndims + 1;

			fmt_metric(rc, i, id, num[k]);
			fv[k] = num[k];
			fl[k] = strlen(num[k]);
		}
		err = csv_write_row_safe(out, n, fv, fl);
	}
	if (!err && !out->len)
		*eof = 1;
out:
	free(fv);
	free(fl);
	free(num);
	return err;
}

static void report_done(void *cursor)
{
	struct report_cur *rc = cursor;
	uint64_t seen;
	size_t i;

	if (!rc)
		return;
	seen = rc->p ? rc->p->seen : 0;
	sort_leave(&rc->sorting);
	for (i = 0; rc->p && i < rc->p->ncomp; i++) {
		if (rc->acc)
			free(rc->acc[i]);
		if (rc->dec)
			free(rc->dec[i]);
		if (rc->vals)
			strtab_release(&rc->vals[i]);
		if (rc->pairs)
			extsort_release(&rc->pairs[i]);
	}
	free(rc->acc);
	free(rc->dec);
	free(rc->vals);
	free(rc->pairs);
	strtab_release(&rc->items);
	extsort_release(&rc->people);
	sessions_release(&rc->ss);
	free(rc->last_sess);
	free(rc->order);
	plan_free(rc->p);
	free(rc);
	dv_give_back(seen);
}

const struct kind_stream_ops dv_report_stream_ops = {
	.start = report_start,
	.next = report_next,
	.done = report_done,
	.computation = 1,
	.unlocked = 1,
};

/* --- events for the Workspace (dvevents.h) --- */

struct dv_events {
	struct dv_plan *p;
	unsigned flags;
	int joined;			/* plan_joins done (once) */
	const char **names;		/* the dimensions' names */
	const char **dv;		/* per dimension: this event's cell */
	size_t *dl;
	const char **mv;		/* per metric: what it gives it */
	size_t *ml;
	/* a pass */
	int (*fn)(void *arg, const struct dv_event *ev);
	void *arg;
	struct dv_event ev;
	struct sessions live;		/* live plans: sessions as they go */
	struct extsort map;		/* else: (row, session), by row */
	const uint64_t *at;		/* the next of them */
	size_t nat;
	int sorting;			/* counted in dv_sorting */
	size_t share;			/* its part of dv_sort_budget */
};

int dv_events_open(struct mctx *c, const char *view, unsigned flags,
		   struct dv_events **out)
{
	struct dv_events *e = calloc(1, sizeof(*e));
	size_t i;
	int rc;

	if (!e)
		return -ENOMEM;
	e->flags = flags;
	rc = plan_load(c, view, PLAN_DAY, &e->p);
	if (rc)
		goto fail;
	e->names = calloc(e->p->ncomp + 1, sizeof(*e->names));
	e->dv = calloc(e->p->ndims + 1, sizeof(*e->dv));
	e->dl = calloc(e->p->ndims + 1, sizeof(*e->dl));
	e->mv = calloc(e->p->ncomp - e->p->ndims + 1, sizeof(*e->mv));
	e->ml = calloc(e->p->ncomp - e->p->ndims + 1, sizeof(*e->ml));
	if (!e->names || !e->dv || !e->dl || !e->mv || !e->ml) {
		rc = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < e->p->ncomp; i++)
		e->names[i] = e->p->comp[i].name;
	e->ev.dim = e->dv;
	e->ev.dimlen = e->dl;
	e->ev.met = e->mv;
	e->ev.metlen = e->ml;
	*out = e;
	return 0;
fail:
	dv_events_close(e);
	return rc;
}

size_t dv_events_ndims(const struct dv_events *e)
{
	return e->p->ndims;
}

const char *dv_events_dim(const struct dv_events *e, size_t i)
{
	return e->names[i];
}

size_t dv_events_nmetrics(const struct dv_events *e)
{
	return e->p->ncomp - e->p->ndims;
}

const char *dv_events_metric(const struct dv_events *e, size_t i,
			     enum dv_events_agg *agg)
{
	static const enum dv_events_agg map[] = {
		[AGG_COUNT] = DV_AGG_COUNT,
		[AGG_SUM] = DV_AGG_SUM,
		[AGG_DISTINCT] = DV_AGG_DISTINCT,
		[AGG_OCCURRENCES] = DV_AGG_OCCURRENCES,
		[AGG_PEOPLE] = DV_AGG_PEOPLE,
		[AGG_SESSIONS] = DV_AGG_SESSIONS,
	};

	*agg = map[e->p->comp[e->p->ndims + i].agg];
	return e->names[e->p->ndims + i];
}

const char *dv_events_scratch(const struct dv_events *e)
{
	return e->p->scratch;
}

int dv_events_number(const char *s, size_t len, double *out)
{
	return dv_number(s, len, out);
}

const struct tz *dv_events_tz(const struct dv_events *e)
{
	return e->p->tz;
}

static int events_sess_emit(void *arg, const struct dv_row *r)
{
	return sessions_add(arg, r, STRTAB_NONE, r->rowno);
}

static int events_map(void *arg, uint64_t sess, const struct sess_rec *r)
{
	uint64_t rec[2] = { r->tag, sess };

	return extsort_add(arg, rec);
}

/* What metric cp takes from row r, as report_emit() reads it: NULL
 * where it takes nothing. */
static void metric_event(const struct dv_comp *cp, const struct dv_row *r,
			 const char **out, size_t *olen)
{
	size_t len;
	const char *v;

	*out = NULL;
	*olen = 0;
	switch (cp->agg) {
	case AGG_OCCURRENCES:
	case AGG_SESSIONS:
		*out = empty;
		return;
	case AGG_PEOPLE:
		if (dv_visible(r, r->pid_col)) {
			*out = r->pid;
			*olen = r->pidlen;
		}
		return;
	case AGG_COUNT:
	case AGG_DISTINCT:
	case AGG_SUM:
		v = comp_val(cp, r, &len);
		if (cp->col < 0 || !dv_visible(r, cp->col) ||
		    (!len && cp->agg != AGG_SUM))
			return;
		*out = v;
		*olen = len;
		return;
	}
}

static int events_emit(void *arg, const struct dv_row *r)
{
	struct dv_events *e = arg;
	const struct dv_plan *p = e->p;
	struct dv_event *ev = &e->ev;
	uint32_t pid;
	size_t i;
	int err, start;

	for (i = 0; i < p->ndims; i++)
		dim_event(&p->comp[i], r, &e->dv[i], &e->dl[i]);
	for (i = p->ndims; i < p->ncomp; i++)
		metric_event(&p->comp[i], r, &e->mv[i - p->ndims],
			     &e->ml[i - p->ndims]);
	if (!dv_visible(r, p->day_col)) {
		ev->day = NULL;
		ev->daylen = 0;
	} else {
		protected_value(p, p->day_col, r, &ev->day, &ev->daylen);
	}
	ev->pid = r->pid;
	ev->pidlen = r->pidlen;
	ev->ts = r->ts;
	/* its time as it is: no dimension hides or buckets the field */
	ev->time_shown = r->ts_col < 0 ||
			 (dv_visible(r, r->ts_col) &&
			  p->protect[r->ts_col] == -1);
	ev->session = 0;
	if ((e->flags & DV_EVENTS_SESSIONS) && p->live) {
		err = strtab_intern(&e->live.persons, r->pid, r->pidlen, &pid,
				    NULL);
		if (!err)
			err = sessions_step(&e->live, pid, r->ts, p->timeout,
					    &ev->session, &start);
		if (err)
			return err;
	} else if (e->flags & DV_EVENTS_SESSIONS) {
		/* one record per row, in row order */
		if (!e->nat) {
			err = extsort_next(&e->map, &e->at, &e->nat);
			if (err)
				return err;
			if (!e->nat)
				return -EIO;	/* the passes disagree */
		}
		if (e->at[0] != r->rowno)
			return -EIO;
		ev->session = e->at[1];
		e->at += 2;
		e->nat--;
	}
	return e->fn(e->arg, ev);
}

int dv_events_each(struct dv_events *e, struct mctx *c,
		   int (*fn)(void *arg, const struct dv_event *ev),
		   void *arg)
{
	struct dv_plan *p = e->p;
	struct dv_scan scan;
	struct sessions ss;
	int err = 0;

	memset(&scan, 0, sizeof(scan));
	memset(&ss, 0, sizeof(ss));
	if (!e->joined) {
		err = plan_joins(p, c->job);
		if (err)
			return err;
		e->joined = 1;
	}
	e->fn = fn;
	e->arg = arg;
	err = scan_init(&scan, c, p, events_emit, e);
	if (err)
		goto out;
	scan_rewind(&scan);	/* a pass before this one read them */
	if ((e->flags & DV_EVENTS_SESSIONS) && p->live) {
		sessions_init(&e->live, 0, NULL);
	} else if (e->flags & DV_EVENTS_SESSIONS) {
		/* a first pass finds the sessions, as rows.csv's does;
		 * half the budget each: the map fills as they merge */
		if (!e->sorting)
			e->share = sort_share(&e->sorting);
		sessions_init(&ss, e->share / 2, p->scratch);
		extsort_init(&e->map, 2, 0, e->share / 2, p->scratch);
		scan.emit = events_sess_emit;
		scan.arg = &ss;
		err = scan_all(&scan);
		if (!err)
			err = sessions_each(&ss, p->timeout, events_map,
					    &e->map);
		if (!err)
			err = extsort_finish(&e->map);
		sessions_release(&ss);
		scan_rewind(&scan);
		scan.emit = events_emit;
		scan.arg = e;
		e->nat = 0;
		if (err)
			goto out;
	}
	err = scan_all(&scan);
out:
	scan_release(&scan);
	sessions_release(&e->live);
	extsort_release(&e->map);
	return err;
}

void dv_events_close(struct dv_events *e)
{
	uint64_t seen;

	if (!e)
		return;
	seen = e->p ? e->p->seen : 0;
	plan_free(e->p);
	sort_leave(&e->sorting);
	free(e->names);
	free(e->dv);
	free(e->dl);
	free(e->mv);
	free(e->ml);
	free(e);
	dv_give_back(seen);
}
