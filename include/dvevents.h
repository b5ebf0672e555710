/*
 * dvevents.h - a data view's events as rows.csv shows them, for the
 * outputs built on the view engine (dvquery.c) that need more than its
 * two files: Workspace segments and audiences (wsdef.c).
 *
 * An event stream is a plan of the view and a snapshot of its rows,
 * made by dv_events_open() under the model's lock as rows.csv's open
 * makes them; dv_events_each() then reads only the snapshot (no store,
 * no lock) and may be called again for a second pass over the same
 * events.  The events are those of rows.csv (the window, the filter, the
 * joins), in the same order, and each carries what rows.csv would show
 * of it:
 *   - dim[i]: dimension i's cell in rows.csv (its value, or its bucket
 *     label), or NULL (length 0) when a dimension's rules hide the
 *     value: rows.csv shows that blank, but it is absent, no empty
 *     value, which is a value like any other;
 *   - day: the event's date in the view's time zone as the view shows
 *     it (NULL when a dimension over `day` hides it);
 *   - pid: the raw person id (for people.csv; the policy decides who
 *     may see it), ts: the event's time (for sessions and the local
 *     day), time_shown: 1 when the view shows the timestamp field as it
 *     is (no dimension over it hides or buckets it), so what ts tells
 *     finer than day (its hour) may show;
 *   - session: with DV_EVENTS_SESSIONS, the number of the event's
 *     session (the view's session rules, the sessions metric's), dense
 *     from 0 and the same in every pass; else 0;
 *   - met[i]: what the event gives metric component i, as a report
 *     counts it: the field's value where it is visible (count, sum,
 *     distinct: the value as stored, which the metric reads; sum adds
 *     it when it is a number, dv_events_number()), the person id where
 *     it is visible (people), "" for occurrences and sessions; NULL
 *     where a dimension's rules hide it or the field is gone (count and
 *     distinct also skip an empty value, as reports do).
 * Pointers in a struct dv_event are borrowed for the callback only.
 *
 * Errors: 0 or -errno (-ENOMEM, a row file's -EIO, a cancel's
 * -ECANCELED from the reporting activity job of the mctx); a non-zero
 * return of the callback stops the pass and is returned.
 */
#ifndef CJAFS_DVEVENTS_H
#define CJAFS_DVEVENTS_H

#include <stddef.h>
#include <stdint.h>

struct mctx;
struct dv_events;

#define DV_EVENTS_SESSIONS 1u

struct dv_event {
	const char *const *dim;		/* per dimension, dv_events_dim order */
	const size_t *dimlen;
	const char *day;
	size_t daylen;
	const char *pid;
	size_t pidlen;
	int64_t ts;
	int time_shown;			/* 1: the view shows ts as it is */
	uint64_t session;
	const char *const *met;		/* per metric, dv_events_metric order */
	const size_t *metlen;
};

/* How a metric component aggregates (SPEC §3.4). */
enum dv_events_agg {
	DV_AGG_COUNT,
	DV_AGG_SUM,
	DV_AGG_DISTINCT,
	DV_AGG_OCCURRENCES,
	DV_AGG_PEOPLE,
	DV_AGG_SESSIONS,
};

/* Plan view and take its snapshot (under the model's lock).  A view
 * without a usable connection streams no event. */
int dv_events_open(struct mctx *c, const char *view, unsigned flags,
		   struct dv_events **out);
/* The view's dimension components, sorted by name (borrowed). */
size_t dv_events_ndims(const struct dv_events *e);
const char *dv_events_dim(const struct dv_events *e, size_t i);
/* The view's metric components, sorted by name (borrowed), and how
 * each aggregates. */
size_t dv_events_nmetrics(const struct dv_events *e);
const char *dv_events_metric(const struct dv_events *e, size_t i,
			     enum dv_events_agg *agg);
/* The directory the view's sorts spill to (the store's), or NULL. */
const char *dv_events_scratch(const struct dv_events *e);
/* A value a sum metric adds: 1 and *out when s[0..len) is a decimal
 * number as the filter reads them ([+-]D+[.D+][e[+-]D+]), finite; else
 * 0.  s must be readable one byte past len (a NUL or a separator). */
int dv_events_number(const char *s, size_t len, double *out);
/* The view's time zone (borrowed). */
const struct tz *dv_events_tz(const struct dv_events *e);
/* One pass over the events, fn(arg, event) for each.  c gives the job
 * (reporting activity) the pass reports to and polls. */
int dv_events_each(struct dv_events *e, struct mctx *c,
		   int (*fn)(void *arg, const struct dv_event *ev),
		   void *arg);
/* Free e (NULL is a no-op). */
void dv_events_close(struct dv_events *e);

#endif
