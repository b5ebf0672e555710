/*
 * wspeople.c - an audience's people.csv (SPEC §7): the person ids of the
 * home view's events that the audience's segments keep, computed when
 * read, for the caller who reads it.
 *
 * It is a computation stream like rows.csv (kind.h): start() runs under
 * the model's lock and takes all it needs from the store: the
 * audience.ini, each segment's rule, container and exclude, and the
 * view's event stream (dv_events_open: the plan and a snapshot of its
 * rows), then parses each segment against the view's dimensions as they
 * are now.  next() runs without the lock: the first call makes the
 * whole file (wsdef_audience_people_ev: one or two passes over the
 * snapshot, reported to and cancellable from reporting activity through
 * c->job), each call hands out a piece of it.  So a read sees the
 * audience, its segments and the rows as they were at open.
 *
 * Who may read it is the policy's (ACT_WS_PEOPLE): the ids are raw, so
 * the view must show them unchanged to the reader or the reader must
 * hold full_table_export; this file does not decide access.
 *
 * An audience that cannot be read whole fails with EINVAL and one
 * /errors line naming what is missing: no home view, a view or segment
 * that is gone, a segment's rule that names what the view no longer
 * has.  It never shows other people.  Memory: the distinct person ids
 * kept (wsdef.c), and the text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataview.h"
#include "dvevents.h"
#include "mctx.h"
#include "object.h"
#include "policy.h"
#include "workspace.h"
#include "wsdef.h"

#define PEOPLE_PIECE (128 * 1024)	/* bytes handed out per next() */

struct people_cur {
	struct dv_events *ev;
	struct wsdef_segment **seg;
	size_t nseg;
	int match_all;
	int computed;
	struct buf text;
	size_t off;
};

static void people_done(void *cursor)
{
	struct people_cur *pc = cursor;
	size_t i;

	if (!pc)
		return;
	for (i = 0; i < pc->nseg; i++)
		wsdef_segment_free(pc->seg[i]);
	free(pc->seg);
	dv_events_close(pc->ev);
	buf_release(&pc->text);
	free(pc);
}

/* d as one /errors line for ref, and -EINVAL. */
static int people_fail(struct mctx *c, const struct obj_ref *ref,
		       const struct diag *d)
{
	struct buf path = BUF_INIT;

	if (c->who && !obj_ref_path(ref, &path))
		model_error_add(c, c->who->id.uid, path.data, d);
	buf_release(&path);
	return -EINVAL;
}

/* A segment as stored: its rule and how it keeps events. */
struct people_seg {
	char name[OBJ_NAME_MAX + 1];
	char *rule;
	enum wsdef_container container;
	int exclude;
};

struct people_load {
	struct mctx *c;
	const struct obj_ref *ref;
	struct people_seg *s;
	size_t n, cap;
};

static int people_load_each(const char *item, size_t len, void *arg)
{
	struct people_load *pl = arg;
	struct people_seg *ps;
	struct obj_ref seg;
	struct inidoc doc;
	int rc;

	if (pl->n == pl->cap) {
		size_t cap = pl->cap ? 2 * pl->cap : 4;
		void *p = realloc(pl->s, cap * sizeof(*pl->s));

		if (!p)
			return -ENOMEM;
		pl->s = p;
		pl->cap = cap;
	}
	ps = &pl->s[pl->n];
	memset(ps, 0, sizeof(*ps));
	if (len > OBJ_NAME_MAX)
		len = OBJ_NAME_MAX;
	memcpy(ps->name, item, len);
	ps->name[len] = '\0';
	obj_ref_root(&seg);
	seg.kind = KIND_WS_SEGMENT;
	seg.nnames = 1;
	seg.attr = 0;
	memcpy(seg.names[0], ps->name, len + 1);
	if (!obj_exists(pl->c, &seg)) {
		struct diag d;

		diag_set(&d, 0, 0, "people.csv: segment '%s' is gone",
			 ps->name);
		return people_fail(pl->c, pl->ref, &d);
	}
	/* the reader must still be able to use every segment named: its
	 * owner may have un-shared it since (and changed its rule), and the
	 * ids it keeps would tell the reader who matches a rule that is
	 * none of its business */
	if (pl->c->who && policy_check(pl->c->pol, pl->c->who, ACT_WS_READ,
				       &seg, NULL)) {
		struct diag d;

		diag_set(&d, 0, 0, "people.csv: no segment '%s' that you "
			 "can use", ps->name);
		return people_fail(pl->c, pl->ref, &d);
	}
	rc = attr_ini_load(pl->c, &seg, obj_ref_attr(&seg), &doc);
	if (rc)
		return rc;
	ps->rule = strdup(inidoc_get(&doc, "segment", "rule"));
	rc = ps->rule ? 0 : -ENOMEM;
	if (!rc)
		rc = wsdef_container_parse(
			inidoc_get(&doc, "segment", "container"),
			&ps->container);
	ps->exclude = inidoc_bool(&doc, "segment", "exclude");
	inidoc_release(&doc);
	pl->n++;		/* counted even on error: its rule is freed */
	return rc;
}

/* At open, under the model's lock: the audience, its segments parsed
 * against the view, and the view's events. */
static int people_start(struct mctx *c, const struct obj_ref *ref,
			void **cursor)
{
	struct people_cur *pc = calloc(1, sizeof(*pc));
	struct people_load pl = { c, ref, NULL, 0, 0 };
	struct obj_ref ini = *ref, dv;
	struct inidoc doc;
	const char **dims = NULL;
	unsigned flags = 0;
	const char *view;
	struct diag fd;
	size_t i, ndims;
	int rc;

	if (!pc)
		return -ENOMEM;
	buf_init(&pc->text);
	ini.attr = 0;
	rc = attr_ini_load(c, &ini, obj_ref_attr(&ini), &doc);
	if (rc) {
		free(pc);
		return rc;
	}
	view = inidoc_get(&doc, "audience", "dataview");
	obj_ref_root(&dv);
	dv.kind = KIND_DATAVIEW;
	dv.nnames = 1;
	snprintf(dv.names[0], sizeof(dv.names[0]), "%s", view);
	memset(&fd, 0, sizeof(fd));
	if (!*view) {
		diag_set(&fd, 0, 0, "people.csv: the audience has no "
			 "dataview");
		rc = people_fail(c, ref, &fd);
	} else if (!obj_exists(c, &dv)) {
		diag_set(&fd, 0, 0, "people.csv: data view '%s' is gone",
			 view);
		rc = people_fail(c, ref, &fd);
	}
	if (!rc && wsdef_match_parse(inidoc_get(&doc, "audience", "match"),
				     &pc->match_all))
		rc = -EIO;
	if (!rc)
		rc = inidoc_list_each(inidoc_get(&doc, "audience", "segments"),
				      people_load_each, &pl);
	if (rc)
		goto out;
	for (i = 0; i < pl.n; i++)
		if (pl.s[i].container == WSDEF_SESSION)
			flags |= DV_EVENTS_SESSIONS;
	rc = dv_events_open(c, view, flags, &pc->ev);
	if (rc)
		goto out;
	ndims = dv_events_ndims(pc->ev);
	dims = calloc(ndims + 1, sizeof(*dims));
	pc->seg = calloc(pl.n + 1, sizeof(*pc->seg));
	if (!dims || !pc->seg) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ndims; i++)
		dims[i] = dv_events_dim(pc->ev, i);
	for (i = 0; i < pl.n && !rc; i++) {
		memset(&fd, 0, sizeof(fd));
		rc = wsdef_segment_parse(pl.s[i].rule, strlen(pl.s[i].rule),
					 pl.s[i].container, pl.s[i].exclude,
					 dims, ndims, &pc->seg[i], &fd);
		if (!rc)
			pc->nseg++;
		else if (rc == -EINVAL) {
			char msg[sizeof(fd.msg)];

			memcpy(msg, fd.msg, sizeof(msg));
			diag_set(&fd, 0, 0, "people.csv: segment '%s': rule: "
				 "%s", pl.s[i].name, msg);
			people_fail(c, ref, &fd);
		}
	}
out:
	for (i = 0; i < pl.n; i++)
		free(pl.s[i].rule);
	free(pl.s);
	free(dims);
	inidoc_release(&doc);
	if (rc) {
		people_done(pc);
		return rc;
	}
	*cursor = pc;
	return 0;
}

/* Without the lock: the whole file at the first call, then its pieces. */
static int people_next(struct mctx *c, const struct obj_ref *ref,
		       void *cursor, struct buf *out, int *eof)
{
	struct people_cur *pc = cursor;
	size_t n;
	int rc;

	buf_reset(out);
	if (!pc->computed) {
		struct diag fd;

		memset(&fd, 0, sizeof(fd));
		rc = wsdef_audience_people_ev(pc->ev, c, pc->seg, pc->nseg,
					      pc->match_all, &pc->text, &fd);
		if (rc)
			return rc;
		pc->computed = 1;
	}
	n = pc->text.len - pc->off;
	if (n > PEOPLE_PIECE)
		n = PEOPLE_PIECE;
	if (!n) {
		*eof = 1;
		return 0;
	}
	rc = buf_add(out, pc->text.data + pc->off, n);
	if (!rc)
		pc->off += n;
	return rc;
}

const struct kind_stream_ops ws_people_stream_ops = {
	.start = people_start,
	.next = people_next,
	.done = people_done,
	.computation = 1,
	.unlocked = 1,
};
