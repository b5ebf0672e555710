/*
 * wsslides.c - a project's slides.html (SPEC §7), in the project and
 * under /links/TOKEN: one self-contained HTML page with a section per
 * panel (its title, an inline SVG chart of its first metric, its table
 * and, for a reader with intelligent_captions, a caption computed from
 * the data).
 *
 * It is a computation stream like each panel's table (kind.h,
 * activity.h), made of them: start() runs under the model's lock and
 * starts every panel's own computation (wspanel.c: the panel's .ini,
 * what it names and a snapshot of its view's rows), asking each for a
 * summary of all its rows before its limit (ws_panel_summary).  next()
 * runs without the lock: the first call reads each panel's table
 * through its own next() (polled through c->job, so the page is listed
 * in reporting activity once, cancellable, and stops when its reader
 * closes), keeps its first SLIDES_ROWS rows and writes the page; then
 * each call hands out a piece of it.
 *
 * A panel the reader may not read, or that fails (what it uses is
 * gone, its rule no longer binds), is a section with its title and the
 * reason (the /errors line the panel wrote), never other data.  Under
 * a link the page is what the project's owner would see, while the
 * owner may read slides.html itself.
 *
 * Untrusted text (names, titles, items, values, errors) is HTML-escaped
 * wherever it lands, text or attribute; the page loads nothing: a
 * Content-Security-Policy of default-src 'none' with inline styles
 * allowed, no script, the chart inline SVG.
 *
 * Memory: a started panel per panel (at most WS_PANELS_MAX), one
 * panel's table at a time (wspanel.c releases it once handed out), at
 * most SLIDES_ROWS rows of SLIDES_CELL bytes a cell per panel, and a
 * page that stops adding sections past SLIDES_BYTES (each left out says
 * so).
 *
 * Choices.  The chart and the table show the panel's first SLIDES_ROWS
 * rows in the panel's order (a note gives the count; PANEL.csv holds
 * them all); over a time dimension (day, week, month, hour) the chart
 * is a line through the same rows in time order.  Bars and points
 * start at zero: a bar's height is its value over the largest shown
 * (negative and empty values draw none).  The caption: the item with
 * the largest first-metric value over all rows before the limit and
 * its share of their total (no share when the total is not positive);
 * over time, the first metric's change from the earliest to the latest
 * item.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "inidoc.h"
#include "mctx.h"
#include "object.h"
#include "policy.h"
#include "workspace.h"

#define SLIDES_PIECE (128 * 1024)	/* bytes handed out per next() */
#define SLIDES_ROWS 50			/* rows per panel shown */
#define SLIDES_CELL 200			/* bytes of a cell shown */
#define SLIDES_BYTES (16 * 1024 * 1024) /* sections stop past this */
#define SLIDES_LINE (1024 * 1024)	/* a table's line, read back */
#define CHART_W 640.0
#define CHART_H 200.0 /* the plot's height */
#define CHART_X 40.0
#define CHART_Y 10.0
#define CHART_SVG_H (CHART_H + 2 * CHART_Y + 20) /* and the items */
#define CHART_LABELS 12				 /* bars labelled up to this */

struct slide {
	char name[OBJ_NAME_MAX + 1];
	char *title;
	struct obj_ref table; /* the panel's table */
	void *cur;	      /* its started computation, or NULL */
	char *error;	      /* why not, when cur is NULL */
};

struct slides_cur {
	char project[OBJ_NAME_MAX + 1];
	struct slide *s;
	size_t n;
	int captions;
	int computed;
	struct buf text;
	size_t off;
};

/* One panel's table as read back: its header and first rows. */
struct table {
	char **cell;	    /* (1 + SLIDES_ROWS) * ncol */
	size_t ncol, nrows; /* rows kept, header aside */
	size_t seen;	    /* rows read */
	int bad;
};

static void slides_done(void *cursor)
{
	struct slides_cur *sc = cursor;
	size_t i;

	if (!sc)
		return;
	for (i = 0; i < sc->n; i++) {
		if (sc->s[i].cur)
			ws_panel_stream_ops.done(sc->s[i].cur);
		free(sc->s[i].title);
		free(sc->s[i].error);
	}
	free(sc->s);
	buf_release(&sc->text);
	free(sc);
}

/* The newest /errors line of the caller (the first), without its
 * time: what a panel that failed to start wrote; NULL when none. */
static char *last_error(struct mctx *c)
{
	struct buf b = BUF_INIT;
	char *end, *sp, *r = NULL;

	if (!c->who || model_errors_show(c, NULL, &b) || !b.len)
		goto out;
	end = strchr(b.data, '\n');
	if (end)
		*end = '\0';
	sp = strchr(b.data, ' ');
	r = strdup(sp ? sp + 1 : b.data);
out:
	buf_release(&b);
	return r;
}

static int slide_fail(struct slide *s, const char *msg)
{
	s->error = strdup(msg);
	return s->error ? 0 : -ENOMEM;
}

/* Start panel name of the project proj (for a link, under token). */
static int slide_start(struct mctx *c, const struct obj_ref *ref,
		       const struct obj_ref *proj, struct slide *s)
{
	struct obj_ref ini;
	struct inidoc doc;
	const char *t;
	int rc;

	obj_ref_root(&ini);
	ini.kind = KIND_WS_PANEL;
	ini.nnames = 2;
	ini.attr = 0;
	memcpy(ini.names[0], proj->names[0], sizeof(ini.names[0]));
	memcpy(ini.names[1], s->name, sizeof(ini.names[1]));
	rc = attr_ini_load(c, &ini, obj_ref_attr(&ini), &doc);
	if (rc)
		return rc;
	t = inidoc_get(&doc, "panel", "title");
	s->title = strdup(*t ? t : s->name);
	inidoc_release(&doc);
	if (!s->title)
		return -ENOMEM;
	obj_ref_root(&s->table);
	s->table.nnames = 2;
	s->table.attr = 0;
	memcpy(s->table.names[1], s->name, sizeof(s->table.names[1]));
	if (ref->kind == KIND_LINK) {
		s->table.kind = KIND_LINK_PANEL;
		memcpy(s->table.names[0], ref->names[0],
		       sizeof(s->table.names[0]));
	} else {
		s->table.kind = KIND_WS_PANEL_CSV;
		memcpy(s->table.names[0], proj->names[0],
		       sizeof(s->table.names[0]));
		/* the page shows no panel its reader may not read */
		if (policy_check(c->pol, c->who, ACT_WS_PANEL, &s->table, NULL))
			return slide_fail(s, "you may not read this panel "
					     "(its data view with "
					     "analysis_workspace)");
	}
	rc = ws_panel_stream_ops.start(c, &s->table, &s->cur);
	if (!rc) {
		ws_panel_want_summary(s->cur);
		return 0;
	}
	s->cur = NULL;
	if (rc != -EINVAL && rc != -ENOENT)
		return rc;
	s->error = rc == -EINVAL ? last_error(c) : NULL;
	if (!s->error)
		return slide_fail(s, "this panel cannot be read");
	return 0;
}

struct slides_list {
	struct slides_cur *sc;
	size_t cap;
};

static int slides_list_one(const char *name, size_t len, void *arg)
{
	struct slides_list *l = arg;
	struct slide *s;

	if (!len || len > OBJ_NAME_MAX || l->sc->n >= WS_PANELS_MAX)
		return 0;
	if (l->sc->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;

		s = realloc(l->sc->s, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		l->sc->s = s;
		l->cap = cap;
	}
	s = &l->sc->s[l->sc->n++];
	memset(s, 0, sizeof(*s));
	memcpy(s->name, name, len);
	return 0;
}

static int slides_start(struct mctx *c, const struct obj_ref *ref,
			void **cursor)
{
	struct slides_cur *sc = calloc(1, sizeof(*sc));
	struct slides_list l = {sc, 0};
	struct obj_ref proj, dir;
	struct buf owner = BUF_INIT, names = BUF_INIT;
	struct caller as_owner;
	const struct caller *viewer = c->who;
	int rc, have_owner = 0;
	size_t i;

	if (!sc)
		return -ENOMEM;
	buf_init(&sc->text);
	if (ref->kind == KIND_LINK) {
		rc = ws_link_project(c, ref->names[0], &proj, &owner);
		if (rc)
			goto out;
		rc = policy_caller_login(c->pol, owner.data, &as_owner);
		if (rc)
			goto out;
		have_owner = 1;
		viewer = &as_owner;
		/* as the owner sees it, while the owner may */
		if (policy_check(c->pol, viewer, ACT_WS_SLIDES, &proj, NULL)) {
			rc = -EACCES;
			goto out;
		}
	} else {
		proj = *ref;
		proj.attr = 0;
	}
	snprintf(sc->project, sizeof(sc->project), "%s", proj.names[0]);
	sc->captions =
	    viewer && (viewer->roles & ROLE_PRODUCT_ADMIN ||
		       viewer->tools & (1u << TOOL_INTELLIGENT_CAPTIONS));
	obj_ref_root(&dir);
	dir.kind = KIND_WS_PANELS;
	dir.nnames = 1;
	memcpy(dir.names[0], proj.names[0], sizeof(dir.names[0]));
	rc = obj_list(c, &dir, &names);
	if (!rc)
		rc = inidoc_lines_each(names.data, slides_list_one, &l);
	for (i = 0; !rc && i < sc->n; i++)
		rc = slide_start(c, ref, &proj, &sc->s[i]);
out:
	if (have_owner)
		caller_release(&as_owner);
	buf_release(&owner);
	buf_release(&names);
	if (rc) {
		slides_done(sc);
		return rc;
	}
	*cursor = sc;
	return 0;
}

/* --- the page --- */

/* s[0..len) escaped for HTML text and quoted attributes, cut after
 * max bytes (at a character's start) with an ellipsis. */
static int esc(struct buf *b, const char *s, size_t len, size_t max)
{
	size_t i, cut = len;
	int rc = 0;

	if (len > max) {
		cut = max;
		while (cut && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	for (i = 0; i < cut && !rc; i++) {
		unsigned char ch = (unsigned char)s[i];

		switch (ch) {
		case '&':
			rc = buf_addstr(b, "&amp;");
			break;
		case '<':
			rc = buf_addstr(b, "&lt;");
			break;
		case '>':
			rc = buf_addstr(b, "&gt;");
			break;
		case '"':
			rc = buf_addstr(b, "&quot;");
			break;
		case '\'':
			rc = buf_addstr(b, "&#39;");
			break;
		default:
			if (ch < 0x20 && ch != '\t' && ch != '\n')
				rc = buf_addstr(b, "&#xFFFD;");
			else
				rc = buf_addch(b, (char)ch);
		}
	}
	if (!rc && cut < len)
		rc = buf_addstr(b, "\xe2\x80\xa6");
	return rc;
}

static int escs(struct buf *b, const char *s)
{
	return esc(b, s, strlen(s), SLIDES_CELL);
}

/* A number for a caption: whole numbers whole, others to 2 places. */
static void fmt_num(double v, char *out, size_t n)
{
	if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
		snprintf(out, n, "%.0f", v);
	else
		snprintf(out, n, "%.2f", v);
}

static int table_row(void *arg, const struct csv_row *row)
{
	struct table *t = arg;
	size_t i, keep;

	if (row->error || !row->nfields) {
		t->bad = 1;
		return 0;
	}
	if (!t->ncol) {
		t->ncol = row->nfields;
		t->cell = calloc((1 + SLIDES_ROWS) * t->ncol, sizeof(*t->cell));
		if (!t->cell)
			return -ENOMEM;
	} else {
		t->seen++;
		if (t->nrows >= SLIDES_ROWS)
			return 0;
	}
	keep = t->ncol == row->nfields && t->seen ? ++t->nrows : 0;
	if (t->seen && !keep)
		return 0;
	for (i = 0; i < t->ncol && i < row->nfields; i++) {
		const char *f = row->field[i];
		size_t len = row->len[i];

		/* a spreadsheet's guard (csv_write_row_safe) is no part of
		 * the value on a page */
		if (len > 1 && f[0] == '\'' &&
		    csv_cell_is_formula(f + 1, len - 1)) {
			f++;
			len--;
		}
		if (len > SLIDES_CELL + 8)
			len = SLIDES_CELL + 8;
		t->cell[keep * t->ncol + i] = strndup(f, len);
		if (!t->cell[keep * t->ncol + i])
			return -ENOMEM;
	}
	return 0;
}

static void table_release(struct table *t)
{
	size_t i;

	for (i = 0; t->cell && i < (1 + SLIDES_ROWS) * t->ncol; i++)
		free(t->cell[i]);
	free(t->cell);
	memset(t, 0, sizeof(*t));
}

static const char *cell(const struct table *t, size_t row, size_t col)
{
	const char *s = t->cell[row * t->ncol + col];

	return s ? s : "";
}

/* Row r's first metric (row 0 is the header): 1 and its value. */
static int row_value(const struct table *t, size_t r, double *v)
{
	const char *s = cell(t, r, 1);
	char *end;

	if (t->ncol < 2 || !*s)
		return 0;
	*v = strtod(s, &end);
	return end != s && isfinite(*v);
}

static int cmp_time(const void *a, const void *b, void *arg)
{
	const struct table *t = arg;

	return strcmp(cell(t, *(const size_t *)a, 0),
		      cell(t, *(const size_t *)b, 0));
}

static int chart(struct buf *b, const struct table *t, int line)
{
	size_t order[SLIDES_ROWS], i, n = t->nrows;
	double max = 0, v, slot, x, h;
	int rc;

	for (i = 0; i < n; i++) {
		order[i] = i + 1;
		if (row_value(t, i + 1, &v) && v > max)
			max = v;
	}
	if (line)
		qsort_r(order, n, sizeof(*order), cmp_time, (void *)t);
	rc = buf_printf(b,
			"<svg class=\"chart %s\" viewBox=\"0 0 %.0f %.0f\" "
			"width=\"%.0f\" height=\"%.0f\" role=\"img\" "
			"data-max=\"%.17g\" aria-label=\"",
			line ? "line" : "bars", CHART_W, CHART_SVG_H, CHART_W,
			CHART_SVG_H, max);
	if (!rc)
		rc = escs(b, cell(t, 0, 1));
	if (!rc)
		rc = buf_printf(b,
				"\"><line class=\"axis\" x1=\"%.0f\" "
				"y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/>",
				CHART_X, CHART_Y + CHART_H, CHART_W - CHART_X,
				CHART_Y + CHART_H);
	slot = n ? (CHART_W - 2 * CHART_X) / (double)n : 0;
	if (!rc && line && n) {
		rc = buf_addstr(b, "<polyline class=\"line\" points=\"");
		for (i = 0; i < n && !rc; i++) {
			if (!row_value(t, order[i], &v) || v < 0)
				v = 0;
			x = CHART_X + slot * ((double)i + 0.5);
			h = max > 0 ? v / max * CHART_H : 0;
			rc = buf_printf(b, "%s%.3f,%.3f", i ? " " : "", x,
					CHART_Y + CHART_H - h);
		}
		if (!rc)
			rc = buf_addstr(b, "\"/>");
	}
	for (i = 0; i < n && !rc; i++) {
		size_t r = order[i];
		int has = row_value(t, r, &v);

		h = has && v > 0 && max > 0 ? v / max * CHART_H : 0;
		x = CHART_X + slot * (double)i;
		if (line)
			rc = buf_printf(b,
					"<circle class=\"point\" "
					"cx=\"%.3f\" cy=\"%.3f\" r=\"3\" "
					"data-value=\"",
					x + slot / 2, CHART_Y + CHART_H - h);
		else
			rc = buf_printf(b,
					"<rect class=\"bar\" x=\"%.3f\" "
					"y=\"%.3f\" width=\"%.3f\" "
					"height=\"%.3f\" data-value=\"",
					x + slot * 0.1, CHART_Y + CHART_H - h,
					slot * 0.8, h);
		if (!rc)
			rc = escs(b, cell(t, r, 1));
		if (!rc)
			rc = buf_addstr(b, "\"><title>");
		if (!rc)
			rc = escs(b, cell(t, r, 0));
		if (!rc)
			rc = buf_addstr(b, ": ");
		if (!rc)
			rc = escs(b, cell(t, r, 1));
		if (!rc)
			rc = buf_printf(b, "</title></%s>",
					line ? "circle" : "rect");
	}
	/* the scale, and the items under the axis while they fit (a
	 * line: its first and last) */
	if (!rc && max > 0) {
		char top[64];

		fmt_num(max, top, sizeof(top));
		rc = buf_printf(b,
				"<text class=\"scale\" x=\"%.0f\" "
				"y=\"%.0f\" text-anchor=\"end\">%s</text>",
				CHART_X - 4, CHART_Y + 8, top);
	}
	for (i = 0; i < n && !rc; i++) {
		if (line ? i && i + 1 < n : n > CHART_LABELS)
			continue;
		/* a line's ends: anchored inwards, so they are not cut */
		rc = buf_printf(b,
				"<text class=\"item\" x=\"%.3f\" "
				"y=\"%.0f\" text-anchor=\"%s\">",
				CHART_X + slot * ((double)i + 0.5),
				CHART_Y + CHART_H + 16,
				!line || n == 1 ? "middle"
				: i		? "end"
						: "start");
		if (!rc)
			rc = esc(b, cell(t, order[i], 0),
				 strlen(cell(t, order[i], 0)), 16);
		if (!rc)
			rc = buf_addstr(b, "</text>");
	}
	if (!rc)
		rc = buf_addstr(b, "</svg>\n");
	return rc;
}

static int caption(struct buf *b, const struct table *t,
		   const struct ws_panel_summary *s, int line)
{
	char v1[64], v2[64], tot[64];
	int rc;

	if (!s || !s->rows || t->ncol < 2)
		return 0;
	rc = buf_addstr(b, "<p class=\"caption\">");
	if (line && s->has_first && s->has_last) {
		fmt_num(s->first_value, v1, sizeof(v1));
		fmt_num(s->last_value, v2, sizeof(v2));
		if (!rc)
			rc = escs(b, cell(t, 0, 1));
		if (!rc)
			rc = buf_printf(b, " went from %s on ", v1);
		if (!rc)
			rc = escs(b, s->first);
		if (!rc)
			rc = buf_printf(b, " to %s on ", v2);
		if (!rc)
			rc = escs(b, s->last);
		if (!rc && s->first_value != 0)
			rc = buf_printf(b, " (%+.1f%%)",
					(s->last_value - s->first_value) /
					    (s->first_value < 0
						 ? -s->first_value
						 : s->first_value) *
					    100);
		if (!rc)
			rc = buf_addstr(b, ".");
	} else if (s->has_top) {
		fmt_num(s->top_value, v1, sizeof(v1));
		fmt_num(s->total, tot, sizeof(tot));
		rc = escs(b, s->top);
		if (!rc)
			rc = buf_addstr(b, " has the most ");
		if (!rc)
			rc = escs(b, cell(t, 0, 1));
		if (!rc)
			rc = buf_printf(b, ": %s", v1);
		if (!rc && s->total > 0 && s->top_value >= 0)
			rc = buf_printf(
			    b, ", %.1f%% of the %s summed over all %zu rows",
			    s->top_value / s->total * 100, tot, s->rows);
		if (!rc)
			rc = buf_addstr(b, ".");
	} else {
		rc = buf_addstr(b, "No row has a value for ");
		if (!rc)
			rc = escs(b, cell(t, 0, 1));
		if (!rc)
			rc = buf_addstr(b, ".");
	}
	if (!rc)
		rc = buf_addstr(b, "</p>\n");
	return rc;
}

/* A number, or empty (a calculated metric's empty cell): right-aligned. */
static int is_num(const char *s)
{
	char *end;

	if (!*s)
		return 1;
	strtod(s, &end);
	return end != s && (!*end || (*end == '%' && !end[1]));
}

static int html_table(struct buf *b, const struct table *t)
{
	size_t r, k;
	int rc = buf_addstr(b, "<table>\n<thead><tr>");

	for (k = 0; k < t->ncol && !rc; k++) {
		rc = buf_addstr(b, "<th>");
		if (!rc)
			rc = escs(b, cell(t, 0, k));
		if (!rc)
			rc = buf_addstr(b, "</th>");
	}
	if (!rc)
		rc = buf_addstr(b, "</tr></thead>\n<tbody>\n");
	for (r = 1; r <= t->nrows && !rc; r++) {
		rc = buf_addstr(b, "<tr>");
		for (k = 0; k < t->ncol && !rc; k++) {
			rc = buf_addstr(b, k && is_num(cell(t, r, k))
					       ? "<td class=\"num\">"
					       : "<td>");
			if (!rc)
				rc = escs(b, cell(t, r, k));
			if (!rc)
				rc = buf_addstr(b, "</td>");
		}
		if (!rc)
			rc = buf_addstr(b, "</tr>\n");
	}
	if (!rc)
		rc = buf_addstr(b, "</tbody>\n</table>\n");
	return rc;
}

static int section_head(struct buf *b, const struct slide *s, const char *cls)
{
	int rc = buf_printf(b, "<section class=\"slide%s\" data-panel=\"", cls);

	if (!rc)
		rc = escs(b, s->name);
	if (!rc)
		rc = buf_addstr(b, "\">\n<h2>");
	if (!rc)
		rc = escs(b, s->title);
	if (!rc)
		rc = buf_addstr(b, "</h2>\n");
	return rc;
}

static int section_error(struct buf *b, const struct slide *s, const char *msg)
{
	int rc = section_head(b, s, " failed");

	if (!rc)
		rc = buf_addstr(b, "<p class=\"error\">");
	if (!rc)
		rc = escs(b, msg);
	if (!rc)
		rc = buf_addstr(b, "</p>\n</section>\n");
	return rc;
}

/* Read slide s's table whole and write its section. */
static int section(struct mctx *c, struct slides_cur *sc, struct slide *s)
{
	struct csv_reader r;
	struct table t;
	struct buf piece = BUF_INIT;
	int rc, eof = 0, line;

	memset(&t, 0, sizeof(t));
	csv_reader_init(&r, SLIDES_LINE, WS_PANEL_METRICS_MAX + 2);
	do {
		rc = ws_panel_stream_ops.next(c, &s->table, s->cur, &piece,
					      &eof);
		if (!rc && piece.len)
			rc = csv_feed(&r, piece.data, piece.len, table_row, &t);
	} while (!rc && !eof);
	if (!rc)
		rc = csv_finish(&r, table_row, &t);
	csv_reader_release(&r);
	buf_release(&piece);
	if (rc == -EINVAL) {
		table_release(&t);
		return section_error(&sc->text, s,
				     "this panel cannot be "
				     "computed: what it names no longer "
				     "binds");
	}
	if (rc)
		goto out;
	if (t.ncol < 2 || t.bad) {
		rc = section_error(&sc->text, s, "this panel has no metric");
		goto out;
	}
	line = ws_panel_is_time(s->cur);
	rc = section_head(&sc->text, s, line ? " over-time" : "");
	if (!rc && sc->captions)
		rc = caption(&sc->text, &t, ws_panel_summary(s->cur), line);
	if (!rc && !t.nrows)
		rc = buf_addstr(&sc->text, "<p class=\"empty\">No rows.</p>\n");
	if (!rc && t.nrows)
		rc = chart(&sc->text, &t, line);
	if (!rc)
		rc = html_table(&sc->text, &t);
	if (!rc && t.seen > t.nrows) {
		rc = buf_printf(&sc->text,
				"<p class=\"more\">The first %zu "
				"of %zu rows; panels/",
				t.nrows, t.seen);
		if (!rc)
			rc = escs(&sc->text, s->name);
		if (!rc)
			rc =
			    buf_addstr(&sc->text, ".csv holds them all.</p>\n");
	}
	if (!rc)
		rc = buf_addstr(&sc->text, "</section>\n");
out:
	table_release(&t);
	return rc;
}

static const char page_style[] =
    "body{font-family:sans-serif;margin:2em;color:#222;background:#fff}"
    "section.slide{border:1px solid #ccc;border-radius:6px;"
    "padding:1em 1.5em;margin:0 0 2em;max-width:60em}"
    "h1{font-size:1.6em}h2{font-size:1.3em;margin:0 0 .4em}"
    ".caption{font-style:italic;color:#444}"
    ".error{color:#a00;font-weight:bold}"
    "svg.chart{display:block;max-width:100%;height:auto;margin:.5em 0}"
    "svg .bar{fill:#3b6ea8}svg .axis{stroke:#888}"
    "svg .line{fill:none;stroke:#3b6ea8;stroke-width:2}"
    "svg .point{fill:#3b6ea8}svg text{font-size:11px;fill:#555}"
    "table{border-collapse:collapse;font-size:.9em}"
    "th,td{border:1px solid #ddd;padding:.2em .6em;text-align:left}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "th{background:#f2f2f2}.more,.empty{color:#666}";

static int page(struct mctx *c, struct slides_cur *sc)
{
	struct buf *b = &sc->text;
	size_t i;
	int rc;

	rc = buf_addstr(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
			   "<meta charset=\"utf-8\">\n"
			   "<meta http-equiv=\"Content-Security-Policy\" "
			   "content=\"default-src 'none'; "
			   "style-src 'unsafe-inline'\">\n<title>");
	if (!rc)
		rc = escs(b, sc->project);
	if (!rc)
		rc = buf_printf(b,
				"</title>\n<style>%s</style>\n</head>\n"
				"<body>\n<h1>",
				page_style);
	if (!rc)
		rc = escs(b, sc->project);
	if (!rc)
		rc = buf_addstr(b, "</h1>\n");
	if (!rc && !sc->n)
		rc = buf_addstr(b, "<p class=\"empty\">This project has no "
				   "panels yet.</p>\n");
	for (i = 0; i < sc->n && !rc; i++) {
		struct slide *s = &sc->s[i];

		if (b->len > SLIDES_BYTES)
			rc = section_error(b, s,
					   "not shown: the page is at "
					   "its size limit");
		else if (!s->cur)
			rc = section_error(b, s, s->error);
		else
			rc = section(c, sc, s);
	}
	if (!rc)
		rc = buf_addstr(b, "</body>\n</html>\n");
	return rc;
}

/* Without the lock: the whole page at the first call, then pieces. */
static int slides_next(struct mctx *c, const struct obj_ref *ref, void *cursor,
		       struct buf *out, int *eof)
{
	struct slides_cur *sc = cursor;
	size_t n;
	int rc;

	(void)ref;
	buf_reset(out);
	if (!sc->computed) {
		rc = page(c, sc);
		if (rc)
			return rc;
		sc->computed = 1;
	}
	n = sc->text.len - sc->off;
	if (n > SLIDES_PIECE)
		n = SLIDES_PIECE;
	if (!n) {
		*eof = 1;
		return 0;
	}
	rc = buf_add(out, sc->text.data + sc->off, n);
	if (!rc)
		sc->off += n;
	return rc;
}

const struct kind_stream_ops ws_slides_stream_ops = {
    .start = slides_start,
    .next = slides_next,
    .done = slides_done,
    .computation = 1,
    .unlocked = 1,
};
