/*
 * protect.h - what a view protects (protect.c): the rule that a value a
 * dimension hides or buckets shows through no other component, the
 * filter or a join.
 */
#ifndef CJAFS_PROTECT_H
#define CJAFS_PROTECT_H

#include <stddef.h>

#include "dataview.h"

struct mctx;
struct filter;

/*
 * What a view protects (protect.c): a value a dimension hides or buckets
 * shows through no other component, the filter or a join.  Fields that
 * carry the same values (a lookup's key and matching_key, every person
 * id field) are one class, a column standing for it.
 */
#define DV_PROT_HIDDEN 1	/* a dimension's rules hide values */
#define DV_PROT_BUCKETED 2	/* a dimension buckets it */
#define DV_PROT_DISPUTED 4	/* bucketed unlike: nothing of it shows */
#define DV_GUARD_SUM 1
#define DV_GUARD_DISTINCT 2
struct dv_guard_comp {
	char name[OBJ_NAME_MAX + 1];
	char field[OBJ_NAME_MAX + 1];
	int metric;
	int raw;		/* metric: DV_GUARD_SUM, _DISTINCT or 0 */
	int col;		/* view column (day: nfields), -1: none */
	char *prot;		/* dimension: its buckets ("": none) */
	int bucketed, hides;	/* it has buckets, include/exclude rules */
};
struct dv_guard {
	const struct dv_conn *conn;	/* borrowed */
	size_t ncols;		/* conn->nfields + 1: `day` is the last */
	int *cls;		/* union-find over columns */
	int *by;		/* per class: first bucketing component, -1 */
	unsigned char *state;	/* per class: DV_PROT_* */
	struct dv_guard_comp *comp;	/* in the order added */
	size_t ncomp;
	int *fcol;		/* the columns the filter names */
	size_t nfcol;
};
int dv_guard_init(struct dv_guard *g, const struct dv_conn *conn);
void dv_guard_release(struct dv_guard *g);
/* Add component name (its stored or proposed document). */
int dv_guard_add(struct dv_guard *g, const char *name,
		 const struct inidoc *doc);
/* Add the components stored under view, but the one named skip. */
int dv_guard_load(struct mctx *c, const char *view, const char *skip,
		  struct dv_guard *g);
struct filter;
/* The fields filter f names (bound or not). */
int dv_guard_filter(struct dv_guard *g, const struct filter *f);
/* After the last add: each class's state and protecting component. */
void dv_guard_settle(struct dv_guard *g);
/* The column standing for col's class, -1 for none. */
int dv_guard_class(const struct dv_guard *g, int col);
/* DV_PROT_* of column col's class; *by (may be NULL) its first bucketing
 * component, -1 none. */
int dv_guard_col_state(const struct dv_guard *g, int col, int *by);
/* 1 if component i breaks the rule and must read as empty. */
int dv_guard_blocked(const struct dv_guard *g, size_t i);
/* 1 if the filter names a bucketed or disputed class: it passes no row. */
int dv_guard_filter_blocked(const struct dv_guard *g);
/*
 * 1 and *d (message only; d->line kept) if the settled guard breaks the
 * rule in a way that involves component name (NULL: any); pairs: judge
 * components against each other, filter: the filter against them.
 */
int dv_guard_check(const struct dv_guard *g, const char *name, int pairs,
		   int filter, struct diag *d);

/*
 * Does a dimension of view show the person id unchanged to every reader
 * (SPEC §7, people.csv)?  One over a person id field (they are one
 * class), with no include/exclude rules and no buckets, that no other
 * dimension over those values hides or buckets.  1 or 0 (no such view,
 * or one without a usable connection: 0), or -errno.  Under the model's
 * lock.
 */
int dv_person_shown(struct mctx *c, const char *view);

#endif
