/*
 * check_dataview.c - unit tests for data views without a mount: the
 * component and dataview.ini checks (component.c, dataview.c), what
 * rows.csv and report/DIM.csv show (dvquery.c: include/exclude and
 * bucketing as components use them, joins, the data window, the day and
 * the sessions in a time zone with a DST change), the generic object
 * rename (object.c) and the hash tables (strtab.c).
 *
 * Each test gets a fresh store (STORE_NOSYNC) in a mkdtemp directory
 * (checked fixture) and an mctx with that store and no policy: records
 * are written directly (connection, datasets, rows, the view's
 * dataview.ini), then components go through component_ini_store() and the
 * files are read through their stream ops, as the model would.  Each test
 * runs in one transaction.
 *
 * The tests of sessions, people and distinct metrics also run with a sort
 * budget of a few records (sort_budgets[]), so that every sort spills to
 * a scratch file and merges, and must give the same files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "config.h"
#include "connection.h"
#include "dataset.h"
#include "dataview.h"
#include "mctx.h"
#include "object.h"
#include "rows.h"
#include "store.h"
#include "strtab.h"
#include "timeparse.h"

#define NOW 1780272000 /* 2026-06-01T00:00:00Z */

static char run_dir[PATH_MAX];
static char test_dir[PATH_MAX];
static struct store *st;
static struct config cfg;
static struct mctx ctx;

static void setup(void)
{
	char path[PATH_MAX + 16];
	struct buf err = BUF_INIT;

	ck_assert_int_lt(snprintf(test_dir, sizeof(test_dir), "%s/t.XXXXXX",
				  run_dir),
			 (int)sizeof(test_dir));
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
	snprintf(path, sizeof(path), "%s/store.tdb", test_dir);
	ck_assert_int_eq(store_open(path, STORE_CREATE | STORE_NOSYNC, &st,
				    &err),
			 0);
	buf_release(&err);
	memset(&cfg, 0, sizeof(cfg));
	cfg.ini_max_bytes = INIDOC_MAX_SIZE;	/* config_load's default */
	memset(&ctx, 0, sizeof(ctx));
	ctx.st = st;
	ctx.cfg = &cfg;
	ctx.now = NOW;
	dv_sort_budget = DV_SORT_BUDGET;
	inidoc_setup();
	ck_assert_int_eq(store_txn_begin(st), 0);
}

static int remove_one(const char *path, const struct stat *sb, int type,
		      struct FTW *ftw)
{
	remove(path);
	return 0;
}

/* Loop tests run once per budget: in memory, then spilling (a record or
 * two a run, so several merge passes), then a few records a run. */
static const size_t sort_budgets[] = { DV_SORT_BUDGET, 1, 100 };
#define NBUDGETS ((int)(sizeof(sort_budgets) / sizeof(sort_budgets[0])))

static void teardown(void)
{
	if (store_in_txn(st))
		store_txn_cancel(st);
	store_close(st);
	nftw(test_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* --- building a world --- */

static void ref_make(struct obj_ref *ref, enum kind k, int attr, const char *a,
		     const char *b)
{
	obj_ref_root(ref);
	ref->kind = k;
	ref->attr = attr;
	if (a) {
		snprintf(ref->names[0], sizeof(ref->names[0]), "%s", a);
		ref->nnames = 1;
	}
	if (b) {
		snprintf(ref->names[1], sizeof(ref->names[1]), "%s", b);
		ref->nnames = 2;
	}
}

/* Store text, made canonical, as field of obj's record. */
static void put_ini(const struct obj_ref *obj, const char *field,
		    const struct inidoc_schema *schema, const char *text)
{
	struct inidoc doc;
	struct diag d;
	struct buf out = BUF_INIT;
	struct rec r = REC_INIT;
	int rc;

	rc = inidoc_parse(schema, text, strlen(text), NULL, &doc, &d);
	ck_assert_msg(rc == 0, "%s: %d: %s", text, d.line, d.msg);
	ck_assert_int_eq(inidoc_render(&doc, &out), 0);
	inidoc_release(&doc);
	rc = obj_load(&ctx, obj, &r);
	ck_assert(rc == 0 || rc == -ENOENT);
	ck_assert_int_eq(rec_set(&r, field, out.data, out.len), 0);
	ck_assert_int_eq(obj_save(&ctx, obj, &r), 0);
	rec_release(&r);
	buf_release(&out);
}

static void conn(const char *name, int months)
{
	struct obj_ref ref, dir;
	char text[128];

	snprintf(text, sizeof(text),
		 "[connection]\nsandbox = prod\ndata_window_months = %d\n",
		 months);
	ref_make(&ref, KIND_CONNECTION, -1, name, NULL);
	put_ini(&ref, "connection.ini", &connection_schema, text);
	ref_make(&dir, KIND_CONNECTIONS, -1, NULL, NULL);
	ck_assert_int_eq(obj_list_add(&ctx, &dir, name), 0);
}

static void dataset(const char *c, const char *name, const char *ini)
{
	struct obj_ref ref, dir;

	ref_make(&ref, KIND_DATASET, -1, c, name);
	put_ini(&ref, "dataset.ini", &dataset_schema, ini);
	ref_make(&dir, KIND_DATASETS, -1, c, NULL);
	ck_assert_int_eq(obj_list_add(&ctx, &dir, name), 0);
}

/* Append canonical CSV lines to dataset c/name. */
static void rows(const char *c, const char *name, const char *csv)
{
	struct obj_ref ref;
	struct rec r = REC_INIT;
	struct rows_meta m;
	struct buf base = BUF_INIT;
	const char *p;
	int64_t n = 0;

	for (p = csv; *p; p++)
		n += *p == '\n';
	ref_make(&ref, KIND_DATASET, -1, c, name);
	ck_assert_int_eq(obj_load(&ctx, &ref, &r), 0);
	ck_assert_int_eq(rows_meta_get(&r, &m), 0);
	ck_assert_int_eq(obj_ref_object_path(&ref, &base), 0);
	ck_assert_int_eq(rows_append(&ctx, base.data, &m, csv, strlen(csv), n),
			 0);
	ck_assert_int_eq(rows_meta_set(&r, &m), 0);
	ck_assert_int_eq(obj_save(&ctx, &ref, &r), 0);
	rec_release(&r);
	buf_release(&base);
}

static void view(const char *name, const char *ini)
{
	struct obj_ref ref, dir;

	ref_make(&ref, KIND_DATAVIEW, -1, name, NULL);
	put_ini(&ref, "dataview.ini", &dataview_schema, ini);
	ref_make(&dir, KIND_DATAVIEWS, -1, NULL, NULL);
	ck_assert_int_eq(obj_list_add(&ctx, &dir, name), 0);
}

/* Commit a component as the model does for a new file: its record (with
 * the defaults) first, then the store hook. */
static int comp_try(const char *v, const char *name, const char *text,
		    struct diag *d)
{
	struct obj_ref ref, dir;
	struct rec r = REC_INIT;

	memset(d, 0, sizeof(*d));
	ref_make(&ref, KIND_COMPONENT, 0, v, name);
	if (!obj_exists(&ctx, &ref)) {
		ck_assert_int_eq(obj_save(&ctx, &ref, &r), 0);
		rec_release(&r);
		ref_make(&dir, KIND_COMPONENTS, -1, v, NULL);
		ck_assert_int_eq(obj_list_add(&ctx, &dir, name), 0);
	}
	return component_ini_store(&ctx, &ref, text, strlen(text), d);
}

static void comp(const char *v, const char *name, const char *text)
{
	struct diag d;
	int rc = comp_try(v, name, text, &d);

	ck_assert_msg(rc == 0, "component %s: %d: %d: column %d: %s", name,
		      rc, d.line, d.column, d.msg);
}

/* Store a component as a view stored before the protection rule may
 * hold it: its record and text, without the commit's checks. */
static void comp_stored(const char *v, const char *name, const char *text)
{
	struct obj_ref ref, dir;
	struct rec r = REC_INIT;

	ref_make(&ref, KIND_COMPONENT, 0, v, name);
	ck_assert_int_eq(obj_save(&ctx, &ref, &r), 0);
	rec_release(&r);
	ref_make(&dir, KIND_COMPONENTS, -1, v, NULL);
	ck_assert_int_eq(obj_list_add(&ctx, &dir, name), 0);
	put_ini(&ref, "component", &component_schema, text);
}

static void comp_del(const char *v, const char *name)
{
	struct obj_ref ref;
	struct diag d;

	ref_make(&ref, KIND_COMPONENT, 0, v, name);
	ck_assert_int_eq(obj_delete(&ctx, &ref, &d), 0);
}

static int read_stream(const struct obj_ref *ref, struct buf *out)
{
	const struct kind_stream_ops *ops = obj_ref_attr(ref)->stream;
	struct buf piece = BUF_INIT;
	void *cur = NULL;
	int eof = 0, rc;

	buf_reset(out);
	buf_add(out, "", 0);
	rc = ops->start(&ctx, ref, &cur);
	while (!rc && !eof) {
		rc = ops->next(&ctx, ref, cur, &piece, &eof);
		if (!rc)
			buf_add(out, piece.data, piece.len);
	}
	ops->done(cur);
	buf_release(&piece);
	return rc;
}

static void rows_csv(const char *v, struct buf *out)
{
	struct obj_ref ref;

	ref_make(&ref, KIND_DATAVIEW, 1, v, NULL);
	ck_assert_str_eq(obj_ref_attr(&ref)->name, "rows.csv");
	ck_assert_int_eq(read_stream(&ref, out), 0);
}

static void report(const char *v, const char *dim, struct buf *out)
{
	struct obj_ref ref;

	ref_make(&ref, KIND_REPORT_FILE, 0, v, dim);
	ck_assert_int_eq(read_stream(&ref, out), 0);
}

/* A connection c1 with one event dataset ev (pid, ts, page, value). */
static void web_world(const char *events, const char *tz, int timeout)
{
	char ini[256];

	conn("c1", 60);
	dataset("c1", "ev",
		"[dataset]\ntype = event\nperson_id = pid\ntimestamp = ts\n"
		"fields = pid, ts, page, value\n");
	rows("c1", "ev", events);
	snprintf(ini, sizeof(ini),
		 "[dataview]\nconnection = c1\ntimezone = %s\n"
		 "session_timeout_minutes = %d\n",
		 tz, timeout);
	view("v", ini);
}

/* --- include/exclude as a dimension uses it --- */

static const char *const ie_events =
	"p1,2026-01-01T10:00:00Z,home,1\n"
	"p1,2026-01-01T10:05:00Z,cart,2\n"
	"p2,2026-01-01T11:00:00Z,checkout,3\n"
	"p2,2026-01-01T11:01:00Z,help-center,4\n"
	"p3,2026-01-01T12:00:00Z,search,5\n";

static const struct {
	const char *section;	/* [include_exclude] body */
	const char *visible;	/* the page column of rows.csv, ';' joined */
	const char *report;	/* report/page.csv without its header */
} ie_cases[] = {
	{ "mode = include\nrules = equals:home, equals:cart\n",
	  "home;cart;;;", "cart,1\nhome,1\n" },
	{ "mode = exclude\nrules = contains:e\n", ";cart;;;",
	  "cart,1\n" },
	{ "rules = starts-with:he\n", ";;;help-center;",
	  "help-center,1\n" },
	{ "mode = exclude\nrules = ends-with:t\n", "home;;;help-center;search",
	  "help-center,1\nhome,1\nsearch,1\n" },
	{ "rules = regex:^(home|search)$\n", "home;;;;search",
	  "home,1\nsearch,1\n" },
	{ "match = all\nrules = starts-with:h, ends-with:r\n",
	  ";;;help-center;", "help-center,1\n" },
	{ "mode = exclude\nmatch = all\nrules = contains:c, contains:t\n",
	  "home;;;;search", "home,1\nsearch,1\n" },
	{ "mode = exclude\nmatch = any\nrules = equals:\n",
	  "home;cart;checkout;help-center;search",
	  "cart,1\ncheckout,1\nhelp-center,1\nhome,1\nsearch,1\n" },
	{ "mode = exclude\nrules = \n", "home;cart;checkout;help-center;search",
	  "cart,1\ncheckout,1\nhelp-center,1\nhome,1\nsearch,1\n" },
};

START_TEST(test_include_exclude)
{
	struct buf out = BUF_INIT, want = BUF_INIT, text = BUF_INIT;
	const char *p;

	web_world(ie_events, "UTC", 30);
	buf_printf(&text, "[component]\nkind = dimension\nfield = page\n"
			  "[include_exclude]\n%s", ie_cases[_i].section);
	comp("v", "page", text.data);
	comp("v", "n", "[component]\nkind = metric\nfield = occurrences\n");
	rows_csv("v", &out);
	buf_addstr(&want, "page,n\n");
	for (p = ie_cases[_i].visible;; p++) {
		size_t n = strcspn(p, ";");

		buf_add(&want, p, n);
		buf_addstr(&want, ",1\n");
		p += n;
		if (!*p)
			break;
	}
	ck_assert_str_eq(out.data, want.data);
	report("v", "page", &out);
	buf_reset(&want);
	buf_printf(&want, "page,n\n%s", ie_cases[_i].report);
	ck_assert_str_eq(out.data, want.data);
	buf_release(&out);
	buf_release(&want);
	buf_release(&text);
}
END_TEST

/* A hidden value appears nowhere: not through a metric on its field. */
START_TEST(test_hidden_value_nowhere)
{
	struct buf out = BUF_INIT;

	dv_sort_budget = sort_budgets[_i];

	web_world(ie_events, "UTC", 30);
	comp("v", "page", "[component]\nfield = page\n[include_exclude]\n"
			  "mode = exclude\nrules = equals:checkout\n");
	comp("v", "pages", "[component]\nkind = metric\nfield = page\n"
			   "aggregation = distinct\n");
	comp("v", "n", "[component]\nkind = metric\nfield = occurrences\n");
	rows_csv("v", &out);
	ck_assert_ptr_null(strstr(out.data, "checkout"));
	ck_assert_str_eq(out.data, "page,n,pages\nhome,1,home\ncart,1,cart\n"
				   ",1,\nhelp-center,1,help-center\n"
				   "search,1,search\n");
	report("v", "page", &out);
	ck_assert_ptr_null(strstr(out.data, "checkout"));
	/* the distinct metric still counts what it counts */
	ck_assert_str_eq(out.data, "page,n,pages\ncart,1,1\nhelp-center,1,1\n"
				   "home,1,1\nsearch,1,1\n");
	buf_release(&out);
}
END_TEST

/* --- bucketing --- */

static const char *const bp_events =
	"p1,2026-01-01T10:00:00Z,a,95\n"
	"p2,2026-01-01T10:00:00Z,a,120\n"
	"p3,2026-01-01T10:00:00Z,a,139.5\n"
	"p4,2026-01-01T10:00:00Z,a,140\n"
	"p5,2026-01-01T10:00:00Z,a,200\n"
	"p6,2026-01-01T10:00:00Z,a,\n"
	"p7,2026-01-01T10:00:00Z,a,n/a\n"
	"p8,2026-01-01T10:00:00Z,a,-5\n";

START_TEST(test_bucketing)
{
	static const char *const raw[] = { "95", "120", "139.5", "140",
					   "200", "n/a", "-5" };
	struct buf out = BUF_INIT;
	size_t i;

	dv_sort_budget = sort_budgets[_i];

	web_world(bp_events, "UTC", 30);
	comp("v", "band", "[component]\nfield = value\n[bucketing]\n"
			  "buckets = 0-120:normal, 120-140:elevated, "
			  "140-:high\n");
	comp("v", "n", "[component]\nkind = metric\nfield = occurrences\n");
	comp("v", "readings", "[component]\nkind = metric\nfield = value\n"
			      "aggregation = count\n");
	rows_csv("v", &out);
	ck_assert_str_eq(out.data, "band,n,readings\n"
				   "normal,1,1\nelevated,1,1\n"
				   "elevated,1,1\nhigh,1,1\n"
				   "high,1,1\nOther,1,0\n"
				   "Other,1,1\nOther,1,1\n");
	report("v", "band", &out);
	/* ties by value: bytes, so "Other" before "elevated" */
	ck_assert_str_eq(out.data, "band,n,readings\nOther,3,2\n"
				   "elevated,2,2\nhigh,2,2\nnormal,1,1\n");
	for (i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		rows_csv("v", &out);
		ck_assert_msg(!strstr(out.data, raw[i]), "%s in rows.csv",
			      raw[i]);
	}
	/* rules see the raw value, before bucketing */
	comp("v", "band", "[component]\nfield = value\n[include_exclude]\n"
			  "mode = exclude\nrules = equals:n/a, equals:\n"
			  "[bucketing]\nbuckets = 0-120:normal, 120-:high\n");
	report("v", "band", &out);
	ck_assert_str_eq(out.data, "band,n,readings\nhigh,4,4\nOther,1,1\n"
				   "normal,1,1\n");
	buf_release(&out);
}
END_TEST

/* --- protected values: nothing a dimension hides or buckets leaks --- */

/* The Hypertension case: one reading (value) per event, by patient. */
static const char *const hy_events =
	"p1,2026-01-01T10:00:00Z,a,999\n"
	"p2,2026-01-01T10:00:00Z,a,120\n"
	"p2,2026-01-02T10:00:00Z,b,-7.25\n"
	"p3,2026-01-01T10:00:00Z,a,\n";

#define HY_BAND "[component]\nfield = value\n[bucketing]\n" \
		"buckets = 0-140:normal, 140-:high\n"
#define HY_SUM "[component]\nkind = metric\nfield = value\n" \
	       "aggregation = sum\n"

/* A commit that must be refused with msg; a new component goes again. */
static void comp_refused(const char *v, const char *name, const char *text,
			 int line, const char *msg)
{
	struct obj_ref ref;
	struct diag d;
	int existed;

	ref_make(&ref, KIND_COMPONENT, 0, v, name);
	existed = obj_exists(&ctx, &ref);
	ck_assert_int_eq(comp_try(v, name, text, &d), -EINVAL);
	ck_assert_str_eq(d.msg, msg);
	ck_assert_int_eq(d.line, line);
	if (!existed)
		comp_del(v, name);
}

/* Every file of view v, one after the other. */
static void all_files(const char *v, const char *const *dims,
		      struct buf *out)
{
	struct buf one = BUF_INIT;

	rows_csv(v, out);
	for (; *dims; dims++) {
		report(v, *dims, &one);
		buf_addstr(out, one.data);
	}
	buf_release(&one);
}

START_TEST(test_protect_sum)
{
	static const char *const dims[] = { "band", "who", NULL };
	struct buf out = BUF_INIT;

	web_world(hy_events, "UTC", 30);
	comp("v", "band", HY_BAND);
	comp("v", "who", "[component]\nfield = pid\n");
	/* the metric comes second */
	comp_refused("v", "total", HY_SUM, 3,
		     "component 'total' would sum field 'value', which "
		     "component 'band' buckets: a sum or distinct over a "
		     "bucketed field shows or counts its raw values (count "
		     "is allowed)");
	comp_refused("v", "readings",
		     "[component]\nkind = metric\nfield = value\n"
		     "aggregation = distinct\n",
		     3,
		     "component 'readings' would count distinct values of "
		     "field 'value', which component 'band' buckets: a sum "
		     "or distinct over a bucketed field shows or counts its "
		     "raw values (count is allowed)");
	comp("v", "n", "[component]\nkind = metric\nfield = value\n");
	all_files("v", dims, &out);
	ck_assert_str_eq(out.data, "band,who,n\nhigh,p1,1\nnormal,p2,1\n"
				   "Other,p2,1\nOther,p3,0\n"
				   "band,n\nOther,1\nhigh,1\nnormal,1\n"
				   "who,n\np2,2\np1,1\np3,0\n");
	/* the bucketing comes second */
	comp_del("v", "band");
	comp("v", "total", HY_SUM);
	comp_refused("v", "band", HY_BAND, 2,
		     "component 'band' would bucket field 'value', which "
		     "component 'total' sums: a sum or distinct over a "
		     "bucketed field shows or counts its raw values (count "
		     "is allowed)");
	buf_release(&out);
}
END_TEST

/* Another dimension over a bucketed field: the same buckets, or
 * refused; rules of several dimensions add up. */
START_TEST(test_protect_dims)
{
	static const char *const dims[] = { "hide", "raw", NULL };
	struct buf out = BUF_INIT;

	web_world(hy_events, "UTC", 30);
	comp("v", "band", HY_BAND);
	comp_refused("v", "raw", "[component]\nfield = value\n", 2,
		     "component 'raw' would show field 'value' otherwise "
		     "than component 'band', which buckets it: dimensions "
		     "over a bucketed field need the same [bucketing]");
	comp_refused("v", "raw",
		     "[component]\nfield = value\n[bucketing]\n"
		     "buckets = 0-100:low, 100-:high\n",
		     2,
		     "component 'raw' would show field 'value' otherwise "
		     "than component 'band', which buckets it: dimensions "
		     "over a bucketed field need the same [bucketing]");
	comp("v", "band2", HY_BAND "[include_exclude]\nrules = equals:120\n");
	comp_del("v", "band");
	comp_del("v", "band2");
	/* the bucketing comes second */
	comp("v", "raw", "[component]\nfield = value\n");
	comp_refused("v", "band", HY_BAND, 2,
		     "component 'band' would bucket field 'value', which "
		     "component 'raw' shows as it is: dimensions over a "
		     "bucketed field need the same [bucketing]");
	/* a dimension's rules hide the value from every dimension */
	comp("v", "hide", "[component]\nfield = value\n[include_exclude]\n"
			  "mode = exclude\nrules = equals:999\n");
	all_files("v", dims, &out);
	ck_assert_str_eq(out.data, "hide,raw\n,\n120,120\n-7.25,-7.25\n,\n"
				   "hide\n\"\"\n-7.25\n120\n"
				   "raw\n\"\"\n-7.25\n120\n");
	buf_release(&out);
}
END_TEST

/* Fields with the same values through a join are one field. */
START_TEST(test_protect_joins)
{
	struct buf out = BUF_INIT;

	conn("c1", 60);
	dataset("c1", "ev", "[dataset]\nperson_id = pid\ntimestamp = ts\n"
			    "fields = pid, ts, product\n");
	dataset("c1", "prod", "[dataset]\ntype = lookup\nkey = sku\n"
			      "matching_key = product\n"
			      "fields = sku, category\n");
	dataset("c1", "crm", "[dataset]\ntype = profile\n"
			     "person_id = customer\nfields = customer, tier\n");
	rows("c1", "ev", "p1,2026-01-01T10:00:00Z,101\n"
			 "p2,2026-01-01T10:00:00Z,102\n");
	rows("c1", "prod", "101,shoes\n102,hats\n");
	rows("c1", "crm", "p1,gold\np2,silver\n");
	view("v", "[dataview]\nconnection = c1\n");
	comp("v", "sku_band", "[component]\nfield = sku\n[bucketing]\n"
			      "buckets = 0-101.5:low, 101.5-:high\n");
	comp_refused("v", "product", "[component]\nfield = product\n", 2,
		     "component 'product' would show field 'product' "
		     "(joined: the values of 'sku') otherwise than component "
		     "'sku_band', which buckets it: dimensions over a "
		     "bucketed field need the same [bucketing]");
	comp_refused("v", "items",
		     "[component]\nkind = metric\nfield = product\n"
		     "aggregation = distinct\n",
		     3,
		     "component 'items' would count distinct values of field "
		     "'product' (joined: the values of 'sku'), which "
		     "component 'sku_band' buckets: a sum or distinct over a "
		     "bucketed field shows or counts its raw values (count "
		     "is allowed)");
	comp_del("v", "sku_band");
	/* rules hide a value wherever the join carries it */
	comp("v", "product", "[component]\nfield = product\n"
			     "[include_exclude]\nmode = exclude\n"
			     "rules = equals:101\n");
	comp("v", "sku", "[component]\nfield = sku\n");
	comp("v", "who", "[component]\nfield = pid\n[include_exclude]\n"
			 "mode = exclude\nrules = equals:p2\n");
	comp("v", "cust", "[component]\nfield = customer\n");
	comp("v", "skus", "[component]\nkind = metric\nfield = sku\n"
			  "aggregation = distinct\n");
	comp("v", "people", "[component]\nkind = metric\nfield = people\n");
	rows_csv("v", &out);
	ck_assert_str_eq(out.data, "cust,product,sku,who,people,skus\n"
				   "p1,,,p1,p1,\n,102,102,,,102\n");
	report("v", "product", &out);
	/* the hidden person counts no person */
	ck_assert_str_eq(out.data, "product,people,skus\n102,0,1\n");
	report("v", "cust", &out);
	ck_assert_str_eq(out.data, "cust,people,skus\np1,1,0\n");
	buf_release(&out);
}
END_TEST

/* Values include/exclude hides are absent for every metric. */
START_TEST(test_protect_hidden_absent)
{
	static const char *const dims[] = { "reading", "who", NULL };
	struct buf out = BUF_INIT;

	dv_sort_budget = sort_budgets[_i];

	web_world(hy_events, "UTC", 30);
	comp("v", "reading", "[component]\nfield = value\n[include_exclude]\n"
			     "mode = exclude\nrules = equals:999\n");
	comp("v", "who", "[component]\nfield = pid\n");
	comp("v", "a_total", HY_SUM);
	comp("v", "b_set", "[component]\nkind = metric\nfield = value\n");
	comp("v", "c_kinds", "[component]\nkind = metric\nfield = value\n"
			     "aggregation = distinct\n");
	all_files("v", dims, &out);
	ck_assert_ptr_null(strstr(out.data, "999"));
	/* sorted by a_total: p1's 999 neither counts nor orders */
	ck_assert_str_eq(out.data,
			 "reading,who,a_total,b_set,c_kinds\n"
			 ",p1,,0,\n120,p2,120,1,120\n-7.25,p2,-7.25,1,-7.25\n"
			 ",p3,,0,\n"
			 "reading,a_total,b_set,c_kinds\n120,120,1,1\n"
			 ",0,0,0\n-7.25,-7.25,1,1\n"
			 "who,a_total,b_set,c_kinds\np2,112.75,2,2\n"
			 "p1,0,0,0\np3,0,0,0\n");
	buf_release(&out);
}
END_TEST

/* The filter: a bucketed field may not be named; a hidden value is the
 * empty value to it. */
START_TEST(test_protect_filter)
{
	struct obj_ref ref;
	struct buf out = BUF_INIT;
	struct diag d;
	const char *t;

	web_world(hy_events, "UTC", 30);
	ref_make(&ref, KIND_DATAVIEW, 0, "v", NULL);
	comp("v", "band", HY_BAND);
	comp("v", "who", "[component]\nfield = pid\n");
	t = "[dataview]\nconnection = c1\nfilter = value = 999\n";
	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(dataview_ini_store(&ctx, &ref, t, strlen(t), &d),
			 -EINVAL);
	ck_assert_int_eq(d.line, 3);
	ck_assert_str_eq(d.msg, "filter: field 'value' is bucketed by "
				"component 'band': the filter would pick "
				"events out by their raw values");
	comp_del("v", "band");
	ck_assert_int_eq(dataview_ini_store(&ctx, &ref, t, strlen(t), &d), 0);
	comp_refused("v", "band", HY_BAND, 2,
		     "component 'band' would bucket field 'value', which the "
		     "data view's filter names: the filter would pick events "
		     "out by their raw values");
	/* hidden: the filter compares the empty value */
	comp("v", "reading", "[component]\nfield = value\n[include_exclude]\n"
			     "mode = exclude\nrules = equals:999\n");
	rows_csv("v", &out);
	ck_assert_str_eq(out.data, "reading,who\n");
	t = "[dataview]\nconnection = c1\nfilter = value != 120\n";
	ck_assert_int_eq(dataview_ini_store(&ctx, &ref, t, strlen(t), &d), 0);
	rows_csv("v", &out);
	ck_assert_str_eq(out.data, "reading,who\n,p1\n-7.25,p2\n,p3\n");
	buf_release(&out);
}
END_TEST

/* A view that breaks the rule anyway (stored before it) reads
 * fail-closed. */
START_TEST(test_protect_stored)
{
	static const char *const dims[] = { "band", "raw", "who", NULL };
	static const char *const who[] = { "who", NULL };
	struct obj_ref ref;
	struct buf out = BUF_INIT;

	web_world(hy_events, "UTC", 30);
	comp("v", "band", HY_BAND);
	comp("v", "who", "[component]\nfield = pid\n");
	comp("v", "total", "[component]\nkind = metric\nfield = occurrences\n");
	ref_make(&ref, KIND_COMPONENT, 0, "v", "total");
	put_ini(&ref, "component", &component_schema, HY_SUM);
	all_files("v", who, &out);
	ck_assert_ptr_null(strstr(out.data, "999"));
	ck_assert_ptr_null(strstr(out.data, "120"));
	ck_assert_str_eq(out.data, "band,who,total\nhigh,p1,\nnormal,p2,\n"
				   "Other,p2,\nOther,p3,\n"
				   "who,total\np1,0\np2,0\np3,0\n");
	/* two dimensions at odds: nothing of the field shows */
	comp_stored("v", "raw", "[component]\nfield = value\n");
	comp_del("v", "total");
	comp("v", "n", "[component]\nkind = metric\nfield = value\n");
	all_files("v", dims, &out);
	/* (blocked, band reads no value: empty, not Other) */
	ck_assert_str_eq(out.data, "band,raw,who,n\n,,p1,0\n"
				   ",,p2,0\n,,p2,0\n,,p3,0\n"
				   "band,n\n,0\nraw,n\n,0\n"
				   "who,n\np1,0\np2,0\np3,0\n");
	buf_release(&out);
}
END_TEST

/* A bucketed dimension with nothing to read (its field gone from the
 * connection, or the view's guard blocks it) shows the empty value, not
 * Other, in rows.csv and its report; a value its rules hide is blank
 * too.  An empty value the column does have (an empty cell, an event
 * dataset without the field) is a value that is not a number: Other. */
START_TEST(test_bucket_absent)
{
	static const char *const dims[] = { "band", "who", NULL };
	struct obj_ref ref;
	struct buf out = BUF_INIT;

	web_world("p1,2026-01-01T10:00:00Z,a,95\n"
		  "p2,2026-01-01T10:00:00Z,a,150\n"
		  "p3,2026-01-01T10:00:00Z,a,\n",
		  "UTC", 30);
	dataset("c1", "ev2", "[dataset]\ntype = event\nperson_id = pid\n"
			     "timestamp = ts\nfields = pid, ts, page\n");
	rows("c1", "ev2", "p4,2026-01-01T10:00:00Z,b\n");
	comp("v", "band", "[component]\nfield = value\n[include_exclude]\n"
			  "mode = exclude\nrules = equals:95\n"
			  "[bucketing]\nbuckets = 0-100:low, 100-:high\n");
	comp("v", "who", "[component]\nfield = pid\n");
	comp("v", "n", "[component]\nkind = metric\nfield = occurrences\n");
	all_files("v", dims, &out);
	ck_assert_str_eq(out.data, "band,who,n\n,p1,1\nhigh,p2,1\n"
				   "Other,p3,1\nOther,p4,1\n"
				   "band,n\nOther,2\nhigh,1\n"
				   "who,n\np1,1\np2,1\np3,1\np4,1\n");
	/* the field leaves the connection */
	ref_make(&ref, KIND_DATASET, -1, "c1", "ev");
	put_ini(&ref, "dataset.ini", &dataset_schema,
		"[dataset]\nperson_id = pid\ntimestamp = ts\n"
		"fields = pid, ts, page, valuex\n");
	all_files("v", dims, &out);
	ck_assert_str_eq(out.data, "band,who,n\n,p1,1\n,p2,1\n,p3,1\n,p4,1\n"
				   "band,n\n,4\n"
				   "who,n\np1,1\np2,1\np3,1\np4,1\n");
	ck_assert_ptr_null(strstr(out.data, "Other"));
	/* it is back; a dimension stored before the rule shows the field
	 * as it is: the guard blocks both, nothing of the field shows */
	put_ini(&ref, "dataset.ini", &dataset_schema,
		"[dataset]\nperson_id = pid\ntimestamp = ts\n"
		"fields = pid, ts, page, value\n");
	comp_stored("v", "raw", "[component]\nfield = value\n");
	all_files("v", dims, &out);
	ck_assert_str_eq(out.data, "band,raw,who,n\n,,p1,1\n,,p2,1\n,,p3,1\n"
				   ",,p4,1\n"
				   "band,n\n,4\n"
				   "who,n\np1,1\np2,1\np3,1\np4,1\n");
	buf_release(&out);
}
END_TEST

/* --- cells a spreadsheet would run --- */

START_TEST(test_csv_formulas)
{
	struct buf out = BUF_INIT;

	web_world("p1,2026-01-01T10:00:00Z,"
		  "\"=HYPERLINK(\"\"http://x\"\")\",-3.5\n"
		  "p2,2026-01-01T10:00:00Z,@SUM(A1),-1e-05\n"
		  "p3,2026-01-01T10:00:00Z,-x,2\n",
		  "UTC", 30);
	comp("v", "page", "[component]\nfield = page\n");
	comp("v", "value", "[component]\nfield = value\n");
	comp("v", "total", "[component]\nkind = metric\nfield = value\n"
			   "aggregation = sum\n");
	rows_csv("v", &out);
	ck_assert_str_eq(out.data, "page,value,total\n"
				   "\"'=HYPERLINK(\"\"http://x\"\")\",-3.5,-3.5\n"
				   "\"'@SUM(A1)\",-1e-05,-1e-05\n"
				   "\"'-x\",2,2\n");
	report("v", "page", &out);
	ck_assert_str_eq(out.data, "page,total\n\"'-x\",2\n"
				   "\"'@SUM(A1)\",-0.00001\n"
				   "\"'=HYPERLINK(\"\"http://x\"\")\",-3.5\n");
	buf_release(&out);
}
END_TEST

/* --- sessions --- */

START_TEST(test_sessions)
{
	struct buf out = BUF_INIT;

	dv_sort_budget = sort_budgets[_i];

	/* stored out of time order on purpose */
	web_world("p1,2026-01-01T11:01:00Z,b,1\n"
		  "p1,2026-01-01T10:00:00Z,a,1\n"
		  "p1,2026-01-01T10:30:00Z,a,1\n" /* gap = timeout: same */
		  "p1,2026-01-01T11:02:00Z,a,1\n" /* after 31 min: new */
		  "p2,2026-01-01T10:00:00Z,a,1\n"
		  "p3,2026-01-01T23:50:00Z,a,1\n"
		  "p3,2026-01-02T00:10:00Z,b,1\n", /* across midnight */
		  "UTC", 30);
	comp("v", "day", "[component]\nfield = day\n");
	comp("v", "page", "[component]\nfield = page\n");
	comp("v", "s", "[component]\nkind = metric\nfield = sessions\n");
	comp("v", "e", "[component]\nkind = metric\nfield = occurrences\n");
	rows_csv("v", &out);
	ck_assert_str_eq(out.data, "day,page,e,s\n"
				   "2026-01-01,b,1,1\n2026-01-01,a,1,1\n"
				   "2026-01-01,a,1,0\n2026-01-01,a,1,0\n"
				   "2026-01-01,a,1,1\n2026-01-01,a,1,1\n"
				   "2026-01-02,b,1,0\n");
	report("v", "day", &out);
	/* a session spanning two days counts for both */
	ck_assert_str_eq(out.data, "day,e,s\n2026-01-01,6,4\n"
				   "2026-01-02,1,1\n");
	report("v", "page", &out);
	/* once per session per value */
	ck_assert_str_eq(out.data, "page,e,s\na,5,4\nb,2,2\n");
	buf_release(&out);
}
END_TEST

/* --- time zones: a DST change --- */

START_TEST(test_dst)
{
	struct buf out = BUF_INIT;

	dv_sort_budget = sort_budgets[_i];

	web_world("p1,2024-03-30T22:59:59Z,a,1\n"	/* 23:59:59 CET */
		  "p1,2024-03-30T23:00:00Z,a,1\n"	/* 00:00 on the 31st */
		  "p2,2024-03-31T00:50:00Z,a,1\n"	/* 01:50 CET */
		  "p2,1711847400,b,1\n"		/* 01:10Z = 03:10 CEST */
		  "p1,2024-03-31T23:59:59+02:00,a,1\n"
		  "p1,2024-03-31T22:00:00Z,a,1\n"	/* 00:00 on April 1 */
		  "p3,2024-10-27T00:59:59Z,a,1\n"	/* 02:59:59 CEST */
		  "p3,2024-10-27T01:00:00Z,a,1\n"	/* 02:00:00 CET */
		  "p3,2024-10-27T22:59:59Z,a,1\n"
		  "p3,2024-10-27T23:00:00Z,a,1\n",
		  "Europe/Berlin", 30);
	comp("v", "day", "[component]\nfield = day\n");
	comp("v", "e", "[component]\nkind = metric\nfield = occurrences\n");
	comp("v", "s", "[component]\nkind = metric\nfield = sessions\n");
	rows_csv("v", &out);
	ck_assert_str_eq(out.data, "day,e,s\n2024-03-30,1,1\n2024-03-31,1,0\n"
				   "2024-03-31,1,1\n2024-03-31,1,0\n"
				   "2024-03-31,1,1\n2024-04-01,1,0\n"
				   "2024-10-27,1,1\n2024-10-27,1,0\n"
				   "2024-10-27,1,1\n2024-10-28,1,0\n");
	report("v", "day", &out);
	/* p2's 01:50 CET and 03:10 CEST are 20 minutes apart: one session;
	 * p1's 23:59:59 and 00:00 are one session over two days */
	ck_assert_str_eq(out.data, "day,e,s\n2024-03-31,4,3\n"
				   "2024-10-27,3,2\n2024-03-30,1,1\n"
				   "2024-04-01,1,1\n2024-10-28,1,1\n");
	/* the row-level case: one day only; sessions are made of the rows
	 * the filter passes (p1's two events are a day apart now) */
	view("v", "[dataview]\nconnection = c1\ntimezone = Europe/Berlin\n"
		  "filter = day = 2024-03-31\n");
	report("v", "day", &out);
	ck_assert_str_eq(out.data, "day,e,s\n2024-03-31,4,3\n");
	rows_csv("v", &out);
	ck_assert_str_eq(out.data, "day,e,s\n2024-03-31,1,1\n"
				   "2024-03-31,1,1\n2024-03-31,1,0\n"
				   "2024-03-31,1,1\n");
	/* the same instants in UTC */
	view("v", "[dataview]\nconnection = c1\n");
	report("v", "day", &out);
	ck_assert_str_eq(out.data, "day,e,s\n2024-03-31,4,2\n"
				   "2024-10-27,4,2\n2024-03-30,2,1\n");
	buf_release(&out);
}
END_TEST

/* --- the sorts in bounded memory --- */

/* Sessions, people and distinct values when the sorts spill: 900 events
 * of 7 people over two days, stored out of time order, p0 with a third of
 * them (so its records lie in many runs), every fifth event at the time
 * of the one before for the same person (ties), and one page hidden (its
 * events shape sessions but are no item).  Every budget gives the files
 * the sorts give in memory. */
START_TEST(test_sort_spill)
{
	static const char *const pages[] = { "home", "cart", "help", "search" };
	static const size_t budgets[] = { 1, 40, 100, 1000, 5000 };
	struct buf ev = BUF_INIT, rows_mem = BUF_INIT, page_mem = BUF_INIT;
	struct buf who_mem = BUF_INIT, out = BUF_INIT;
	unsigned long x = 20261123;
	long t = 0;
	int i, person = 0;
	size_t b;

	for (i = 0; i < 900; i++) {
		x = x * 6364136223846793005ul + 1442695040888963407ul;
		if (i % 5 != 4) {
			person = i % 3 ? 1 + (int)(x >> 40) % 6 : 0;
			/* gaps of 0 to 100 minutes around a 30-minute
			 * timeout, not in time order */
			t = 1767225600 + (long)((x >> 20) % 172800);
		}
		buf_printf(&ev, "p%d,%ld,%s,%d\n", person, t,
			   pages[(x >> 33) % 4], (int)(x >> 50) % 9);
	}
	web_world(ev.data, "UTC", 30);
	comp("v", "page", "[component]\nfield = page\n[include_exclude]\n"
			  "mode = exclude\nrules = equals:help\n");
	comp("v", "who", "[component]\nfield = pid\n");
	comp("v", "e", "[component]\nkind = metric\nfield = occurrences\n");
	comp("v", "s", "[component]\nkind = metric\nfield = sessions\n");
	comp("v", "u", "[component]\nkind = metric\nfield = people\n");
	comp("v", "d", "[component]\nkind = metric\nfield = value\n"
		       "aggregation = distinct\n");
	rows_csv("v", &rows_mem);
	report("v", "page", &page_mem);
	report("v", "who", &who_mem);
	/* the data makes sessions of one event and of several */
	ck_assert_ptr_nonnull(strstr(rows_mem.data, ",1,"));
	ck_assert_ptr_nonnull(strstr(rows_mem.data, ",0,"));
	ck_assert_ptr_nonnull(strstr(page_mem.data, "\nsearch,"));
	ck_assert_ptr_null(strstr(page_mem.data, "help"));
	for (b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
		dv_sort_budget = budgets[b];
		/* (too long for ck_assert_str_eq's message) */
		rows_csv("v", &out);
		ck_assert_msg(!strcmp(out.data, rows_mem.data),
			      "rows.csv differs with a budget of %zu",
			      budgets[b]);
		report("v", "page", &out);
		ck_assert_msg(!strcmp(out.data, page_mem.data),
			      "report/page.csv differs with a budget of %zu",
			      budgets[b]);
		report("v", "who", &out);
		ck_assert_msg(!strcmp(out.data, who_mem.data),
			      "report/who.csv differs with a budget of %zu",
			      budgets[b]);
	}
	buf_release(&ev);
	buf_release(&rows_mem);
	buf_release(&page_mem);
	buf_release(&who_mem);
	buf_release(&out);
}
END_TEST

/* Mark dataset c/name's rows as in time order, as ingest does when they
 * came so (dataset.c): reports then find sessions as events go by. */
static void mark_ordered(const char *c, const char *name)
{
	struct obj_ref ref;
	struct rec r = REC_INIT;

	ref_make(&ref, KIND_DATASET, -1, c, name);
	ck_assert_int_eq(obj_load(&ctx, &ref, &r), 0);
	ck_assert_int_eq(rec_set_i64(&r, DATASET_TS_ORDERED, 1), 0);
	ck_assert_int_eq(obj_save(&ctx, &ref, &r), 0);
	rec_release(&r);
}

/* Sessions found as time-ordered events stream by are the sessions the
 * sort finds: the same rows in time order, stored once with the order
 * mark and once without, give the same rows.csv and reports byte for
 * byte (gaps around the timeout, ties, several persons interleaved, a
 * hidden page whose events still shape sessions), at every budget. */
START_TEST(test_live_sessions)
{
	static const char *const pages[] = { "home", "cart", "help", "search" };
	struct buf ev = BUF_INIT, a = BUF_INIT, b = BUF_INIT;
	unsigned long x = 7;
	long t = 1767225600;
	const char *cn[2] = { "c1", "c2" }, *vn[2] = { "v1", "v2" };
	const char *dims[2] = { "page", "who" };
	int i, k, d;

	dv_sort_budget = sort_budgets[_i];
	for (i = 0; i < 1500; i++) {
		x = x * 6364136223846793005ul + 1442695040888963407ul;
		if (i % 6)
			t += (long)((x >> 30) % 1500);	/* 0-25 minutes */
		buf_printf(&ev, "p%d,%ld,%s,%d\n", (int)(x >> 40) % 9, t,
			   pages[(x >> 33) % 4], (int)(x >> 50) % 9);
	}
	for (k = 0; k < 2; k++) {
		char ini[128];

		conn(cn[k], 60);
		dataset(cn[k], "ev", "[dataset]\ntype = event\nperson_id = "
				      "pid\ntimestamp = ts\nfields = pid, ts, "
				      "page, value\n");
		rows(cn[k], "ev", ev.data);
		if (k == 0)
			mark_ordered(cn[k], "ev");
		snprintf(ini, sizeof(ini), "[dataview]\nconnection = %s\n"
			 "session_timeout_minutes = 10\n", cn[k]);
		view(vn[k], ini);
		comp(vn[k], "page", "[component]\nfield = page\n"
				    "[include_exclude]\nmode = exclude\n"
				    "rules = equals:help\n");
		comp(vn[k], "who", "[component]\nfield = pid\n");
		comp(vn[k], "s", "[component]\nkind = metric\nfield = "
				 "sessions\n");
		comp(vn[k], "u", "[component]\nkind = metric\nfield = "
				 "people\n");
	}
	rows_csv("v1", &a);
	rows_csv("v2", &b);
	ck_assert_ptr_nonnull(strstr(a.data, ",1,"));
	ck_assert_ptr_nonnull(strstr(a.data, ",0,"));
	ck_assert_msg(!strcmp(a.data, b.data), "rows.csv: live and sorted "
		      "sessions differ");
	for (d = 0; d < 2; d++) {
		report("v1", dims[d], &a);
		report("v2", dims[d], &b);
		ck_assert_msg(!strcmp(a.data, b.data), "report/%s.csv: live "
			      "and sorted sessions differ:\n%s\n---\n%s",
			      dims[d], a.data, b.data);
	}
	buf_release(&ev);
	buf_release(&a);
	buf_release(&b);
}
END_TEST

/* One person, many events at one instant and a few later: ties broken by
 * stored order, so the first stored event starts the session. */
START_TEST(test_sort_ties)
{
	struct buf ev = BUF_INIT, want = BUF_INIT, out = BUF_INIT;
	int i;

	dv_sort_budget = sort_budgets[_i];
	for (i = 0; i < 50; i++)
		buf_printf(&ev, "p1,2026-01-01T10:%02d:00Z,%s,1\n",
			   i < 40 ? 0 : 59, i % 2 ? "a" : "b");
	web_world(ev.data, "UTC", 30);
	comp("v", "page", "[component]\nfield = page\n");
	comp("v", "s", "[component]\nkind = metric\nfield = sessions\n");
	rows_csv("v", &out);
	buf_addstr(&want, "page,s\n");
	for (i = 0; i < 50; i++)
		buf_printf(&want, "%s,%d\n", i % 2 ? "a" : "b",
			   i == 0 || i == 40);
	ck_assert_str_eq(out.data, want.data);
	report("v", "page", &out);
	ck_assert_str_eq(out.data, "page,s\na,2\nb,2\n");
	buf_release(&ev);
	buf_release(&want);
	buf_release(&out);
}
END_TEST

/* No event passes: a header, and nothing else, whatever the budget. */
START_TEST(test_sort_empty)
{
	struct buf out = BUF_INIT;

	dv_sort_budget = sort_budgets[_i];
	web_world(ie_events, "UTC", 30);
	view("v", "[dataview]\nconnection = c1\nfilter = page = none\n");
	comp("v", "page", "[component]\nfield = page\n");
	comp("v", "s", "[component]\nkind = metric\nfield = sessions\n");
	comp("v", "u", "[component]\nkind = metric\nfield = people\n");
	comp("v", "d", "[component]\nkind = metric\nfield = value\n"
		       "aggregation = distinct\n");
	rows_csv("v", &out);
	ck_assert_str_eq(out.data, "page,d,s,u\n");
	report("v", "page", &out);
	ck_assert_str_eq(out.data, "page,d,s,u\n");
	buf_release(&out);
}
END_TEST

/* --- joins --- */

START_TEST(test_joins)
{
	struct buf out = BUF_INIT;

	dv_sort_budget = sort_budgets[_i];

	conn("c1", 60);
	dataset("c1", "ev", "[dataset]\nperson_id = pid\ntimestamp = ts\n"
			    "fields = pid, ts, product\n");
	/* no product field: its rows cannot join the lookup */
	dataset("c1", "ev2", "[dataset]\nperson_id = pid\ntimestamp = ts\n"
			     "fields = pid, ts\n");
	dataset("c1", "prod", "[dataset]\ntype = lookup\nkey = sku\n"
			      "matching_key = product\n"
			      "fields = sku, category\n");
	dataset("c1", "people", "[dataset]\ntype = profile\nperson_id = pid\n"
				"fields = pid, country, category\n");
	dataset("c1", "sum", "[dataset]\ntype = summary\nperson_id = pid\n"
			     "timestamp = ts\nfields = pid, ts, product\n");
	rows("c1", "ev", "p1,2026-01-01T10:00:00Z,x1\n"
			 "p2,2026-01-01T10:00:00Z,x2\n"
			 "p9,2026-01-01T10:00:00Z,x3\n");
	rows("c1", "ev2", "p1,2026-01-02T10:00:00Z\n");
	rows("c1", "prod", "x1,shoes\nx2,hats\nx1,boots\n");
	rows("c1", "people", "p1,DE,gold\np2,FR,silver\n");
	rows("c1", "sum", "p1,2026-01-01T10:00:00Z,x1\n");
	view("v", "[dataview]\nconnection = c1\n");
	comp("v", "category", "[component]\nfield = category\n");
	comp("v", "country", "[component]\nfield = country\n");
	comp("v", "sku", "[component]\nfield = sku\n");
	comp("v", "people", "[component]\nkind = metric\nfield = people\n");
	rows_csv("v", &out);
	/* the last lookup row wins (x1 boots); lookups before profiles,
	 * unless the event dataset cannot join the lookup (ev2); summary
	 * datasets are no events */
	ck_assert_str_eq(out.data, "category,country,sku,people\n"
				   "boots,DE,x1,p1\nhats,FR,x2,p2\n,,,p9\n"
				   "gold,DE,,p1\n");
	report("v", "category", &out);
	ck_assert_str_eq(out.data, "category,people\n,1\nboots,1\ngold,1\n"
				   "hats,1\n");
	buf_release(&out);
}
END_TEST

/* --- the data window --- */

START_TEST(test_window)
{
	struct buf out = BUF_INIT;

	ctx.now = 1774958400; /* 2026-03-31T12:00:00Z */
	conn("c1", 1);
	dataset("c1", "ev", "[dataset]\nperson_id = pid\ntimestamp = ts\n"
			    "fields = pid, ts\n");
	rows("c1", "ev", "p1,2026-02-28T11:59:59Z\n"
			 "p2,2026-02-28T12:00:00Z\n"
			 "p3,2026-03-31T12:00:00Z\n"
			 "p4,2026-03-31T12:00:01Z\n");
	view("v", "[dataview]\nconnection = c1\n");
	comp("v", "who", "[component]\nfield = pid\n");
	rows_csv("v", &out);
	/* one calendar month before March 31 is February 28 */
	ck_assert_str_eq(out.data, "who\np2\np3\n");
	buf_release(&out);
}
END_TEST

/* --- numbers and order --- */

START_TEST(test_sums_and_order)
{
	struct buf out = BUF_INIT;

	web_world("p1,2026-01-01T10:00:00Z,b,1.5\n"
		  "p1,2026-01-01T10:01:00Z,b,2.25\n"
		  "p2,2026-01-01T10:02:00Z,a,1e20\n"
		  "p2,2026-01-01T10:03:00Z,c,x\n"
		  "p3,2026-01-01T10:04:00Z,,-3.75\n",
		  "UTC", 30);
	comp("v", "page", "[component]\nfield = page\n");
	comp("v", "a_total", "[component]\nkind = metric\nfield = value\n"
			     "aggregation = sum\n");
	comp("v", "b_set", "[component]\nkind = metric\nfield = value\n"
			   "aggregation = count\n");
	report("v", "page", &out);
	/* first metric (a_total) descending, ties by value; sums are exact
	 * decimals, written out in full */
	ck_assert_str_eq(out.data, "page,a_total,b_set\n"
				   "a,100000000000000000000,1\nb,3.75,2\n"
				   "c,0,1\n,-3.75,1\n");
	buf_release(&out);
}
END_TEST

/* A component whose field is gone reads empty; a filter that no longer
 * binds passes nothing. */
START_TEST(test_stale_fields)
{
	struct obj_ref ds;
	struct buf out = BUF_INIT;

	web_world(ie_events, "UTC", 30);
	comp("v", "page", "[component]\nfield = page\n");
	comp("v", "who", "[component]\nfield = pid\n");
	ref_make(&ds, KIND_DATASET, -1, "c1", "ev");
	put_ini(&ds, "dataset.ini", &dataset_schema,
		"[dataset]\nperson_id = pid\ntimestamp = ts\n"
		"fields = pid, ts, pagex, value\n");
	rows_csv("v", &out);
	ck_assert_str_eq(out.data, "page,who\n,p1\n,p1\n,p2\n,p2\n,p3\n");
	view("v", "[dataview]\nconnection = c1\nfilter = page = home\n");
	rows_csv("v", &out);
	ck_assert_str_eq(out.data, "page,who\n");
	buf_release(&out);
}
END_TEST

/* --- validation --- */

static const struct {
	const char *text;
	int line, column;
	const char *msg;
} bad_comps[] = {
	{ "[component]\nkind = dimension\n", 2, 0, "field is required" },
	{ "[component]\nfield = nope\n", 2, 0,
	  "field 'nope' is not a field of connection c1 (nor day)" },
	{ "[component]\nfield = occurrences\n", 2, 0,
	  "field 'occurrences' is not a field of connection c1 (nor day)" },
	{ "[component]\nkind = metric\nfield = day\n", 3, 0,
	  "field 'day' is not a field of connection c1 (nor occurrences, "
	  "people or sessions)" },
	{ "[component]\nkind = metric\nfield = page\n[include_exclude]\n"
	  "rules = equals:x\n",
	  5, 0, "include_exclude rules are for dimensions" },
	{ "[component]\nkind = metric\nfield = value\n[bucketing]\n"
	  "buckets = 0-1:a\n",
	  5, 0, "bucketing is for dimensions" },
	{ "[component]\nfield = page\n[include_exclude]\n"
	  "rules  =  equals:a,regex:b(\n",
	  4, 20, "rules: rule 'regex:b(': bad regex: unmatched ( or \\(" },
	{ "[component]\nfield = page\n[include_exclude]\nrules = nope:x\n", 4,
	  9, NULL },
	{ "[component]\nfield = value\n[bucketing]\n"
	  "buckets = 0-10:a, 5-20:b\n",
	  4, 19, "buckets: buckets '0-10:a' and '5-20:b' overlap" },
	{ "[component]\nkind = gauge\nfield = page\n", 2, -1, NULL },
	{ "[component]\nkind = metric\nfield = value\naggregation = avg\n", 4,
	  -1, NULL },
};

START_TEST(test_component_rejects)
{
	struct diag d;

	web_world(ie_events, "UTC", 30);
	ck_assert_int_eq(comp_try("v", "x", bad_comps[_i].text, &d), -EINVAL);
	ck_assert_int_eq(d.line, bad_comps[_i].line);
	if (bad_comps[_i].column >= 0)	/* -1: inidoc's own errors */
		ck_assert_int_eq(d.column, bad_comps[_i].column);
	if (bad_comps[_i].msg)
		ck_assert_str_eq(d.msg, bad_comps[_i].msg);
}
END_TEST

/* A component's regex rules: n rules of width classes each. */
static void regex_comp(struct buf *text, int n, int width)
{
	int i, j;

	buf_reset(text);
	buf_addstr(text, "[component]\nkind = dimension\nfield = page\n"
			 "[include_exclude]\nrules = ");
	for (i = 0; i < n; i++) {
		buf_printf(text, "%sregex:^%d", i ? ", " : "", i);
		for (j = 0; j < width; j++)
			buf_addstr(text, "[a-z]");
	}
	buf_addstr(text, "\n");
}

/*
 * The regex rules of all a view's components share one budget
 * (VALRULE_VIEW_MAX_REGEX rules, VALRULE_VIEW_MAX_BYTES compiled),
 * checked at each commit against the others; a component rewritten is
 * counted once.
 */
START_TEST(test_view_regex_budget)
{
	struct buf text = BUF_INIT;
	struct diag d;

	web_world(ie_events, "UTC", 30);
	regex_comp(&text, 15, 1);
	comp("v", "a", text.data);
	regex_comp(&text, 5, 1);
	comp("v", "b", text.data);
	regex_comp(&text, 5, 2);
	comp("v", "b", text.data);	/* rewritten: counted once */
	regex_comp(&text, 1, 1);
	ck_assert_int_eq(comp_try("v", "c", text.data, &d), -EINVAL);
	ck_assert_int_eq(d.line, 5);
	ck_assert_str_eq(d.msg, "rules: the data view would have 21 regex "
				"rules (at most 20 in all its components)");
	regex_comp(&text, 14, 1);
	comp("v", "a", text.data);
	regex_comp(&text, 1, 1);
	comp("v", "c", text.data);

	/* bytes: 9 + 9 rules of about 3,450 bytes fit, 9 + 10 do not */
	comp_del("v", "a");
	comp_del("v", "b");
	comp_del("v", "c");
	regex_comp(&text, 9, 100);
	comp("v", "a", text.data);
	comp("v", "b", text.data);
	regex_comp(&text, 1, 100);
	ck_assert_int_eq(comp_try("v", "c", text.data, &d), -EINVAL);
	ck_assert_ptr_nonnull(strstr(d.msg, "rules: the data view's regex "
					    "rules would take "));
	ck_assert_ptr_nonnull(strstr(d.msg, "bytes compiled (at most 65536 "
					    "in all its components)"));
	buf_release(&text);
}
END_TEST

START_TEST(test_component_needs_connection)
{
	struct diag d;

	view("v", "[dataview]\n");
	ck_assert_int_eq(comp_try("v", "x", "[component]\nfield = a\n", &d),
			 -EINVAL);
	ck_assert_str_eq(d.msg, "the data view has no usable connection "
				"(connection is not set): set one in "
				"dataview.ini first");
}
END_TEST

START_TEST(test_component_canonical)
{
	struct obj_ref ref;
	struct buf out = BUF_INIT;

	web_world(ie_events, "UTC", 30);
	comp("v", "x", "[component]\nfield = page\n[include_exclude]\n"
		       "rules = equals:a,regex:^b$ ,  contains:c\n");
	ref_make(&ref, KIND_COMPONENT, 0, "v", "x");
	ck_assert_int_eq(attr_ini_show(&ctx, &ref, &out), 0);
	ck_assert_str_eq(out.data, "[component]\nkind = dimension\n"
				   "field = page\naggregation = count\n\n"
				   "[include_exclude]\nmode = include\n"
				   "match = any\nrules = equals:a, regex:^b$, "
				   "contains:c\n\n[bucketing]\nbuckets = \n");
	buf_release(&out);
}
END_TEST

START_TEST(test_dataview_rejects)
{
	struct obj_ref ref;
	struct diag d;
	const char *t;

	web_world(ie_events, "UTC", 30);
	ref_make(&ref, KIND_DATAVIEW, 0, "v", NULL);
	t = "[dataview]\nconnection = c1\nfilter =  page = home and (\n";
	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(dataview_ini_store(&ctx, &ref, t, strlen(t), &d),
			 -EINVAL);
	ck_assert_int_eq(d.line, 3);
	ck_assert_int_eq(d.column, 28);	/* the end of the line */
	ck_assert_str_eq(d.msg, "filter: expected a condition after '('");
	t = "[dataview]\nconnection = c1\nfilter = pagex = 1\n";
	ck_assert_int_eq(dataview_ini_store(&ctx, &ref, t, strlen(t), &d),
			 -EINVAL);
	ck_assert_int_eq(d.column, 10);
	ck_assert_str_eq(d.msg, "filter: unknown field 'pagex'");
	t = "[dataview]\nconnection = c1\ntimezone = Mars/Olympus\n";
	ck_assert_int_eq(dataview_ini_store(&ctx, &ref, t, strlen(t), &d),
			 -EINVAL);
	ck_assert_int_eq(d.line, 3);
	ck_assert_str_eq(d.msg, "timezone: unknown time zone 'Mars/Olympus'");
	t = "[dataview]\nconnection = c1\nsession_timeout_minutes = 1441\n";
	ck_assert_int_eq(dataview_ini_store(&ctx, &ref, t, strlen(t), &d),
			 -EINVAL);
	ck_assert_int_eq(d.line, 3);
	t = "[dataview]\nconnection = c1\ntimezone = America/New_York\n"
	    "filter = day >= 2026-01-01 and page != \"x, y\"\n";
	ck_assert_int_eq(dataview_ini_store(&ctx, &ref, t, strlen(t), &d), 0);
}
END_TEST

START_TEST(test_incomplete_connection)
{
	struct inidoc doc;
	struct dv_conn c;
	struct diag d;
	const char *t = "[dataview]\nconnection = c2\n";

	conn("c2", 13);
	dataset("c2", "prod", "[dataset]\ntype = lookup\nkey = k\n"
			      "matching_key = k\nfields = k, v\n");
	ck_assert_int_eq(inidoc_parse(&dataview_schema, t, strlen(t), NULL,
				      &doc, &d),
			 0);
	ck_assert_int_eq(dv_view_conn(&ctx, &doc, &c, &d), -EINVAL);
	ck_assert_str_eq(d.msg, "connection 'c2' is incomplete: it needs an "
				"event or summary dataset");
	inidoc_release(&doc);
	t = "[dataview]\nconnection = c3\n";
	ck_assert_int_eq(inidoc_parse(&dataview_schema, t, strlen(t), NULL,
				      &doc, &d),
			 0);
	ck_assert_int_eq(dv_view_conn(&ctx, &doc, &c, &d), -EINVAL);
	ck_assert_str_eq(d.msg, "connection 'c3' does not exist");
	inidoc_release(&doc);
}
END_TEST

/* report/ lists the dimensions; a deleted one is gone */
START_TEST(test_report_list)
{
	struct obj_ref dir;
	struct buf out = BUF_INIT;

	web_world(ie_events, "UTC", 30);
	comp("v", "page", "[component]\nfield = page\n");
	comp("v", "day", "[component]\nfield = day\n");
	comp("v", "n", "[component]\nkind = metric\nfield = occurrences\n");
	ref_make(&dir, KIND_REPORT, -1, "v", NULL);
	ck_assert_int_eq(report_list(&ctx, &dir, &out), 0);
	ck_assert_str_eq(out.data, "day\npage\n");
	comp_del("v", "day");
	buf_reset(&out);
	ck_assert_int_eq(report_list(&ctx, &dir, &out), 0);
	ck_assert_str_eq(out.data, "page\n");
	buf_release(&out);
}
END_TEST

/* --- rename --- */

static int count_key(const char *key, const void *val, size_t len, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

START_TEST(test_rename)
{
	struct obj_ref a, b;
	struct buf out = BUF_INIT;
	struct diag d;
	int n = 0;

	web_world(ie_events, "UTC", 30);
	comp("v", "page", "[component]\nfield = page\n");
	ref_make(&a, KIND_DATAVIEW, -1, "v", NULL);
	ref_make(&b, KIND_DATAVIEW, -1, "w", NULL);
	ck_assert_int_eq(obj_rename(&ctx, &a, &b, &d), 0);
	ck_assert_int_eq(store_each(st, "o:/dataviews/v", count_key, &n), 0);
	ck_assert_int_eq(store_each(st, "d:/dataviews/v", count_key, &n), 0);
	ck_assert_int_eq(store_each(st, "n:/dataviews/v", count_key, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(obj_list(&ctx, &(struct obj_ref){ .kind =
							       KIND_DATAVIEWS,
							   .attr = -1 },
				  &out),
			 0);
	ck_assert_str_eq(out.data, "w\n");
	ref_make(&a, KIND_DATAVIEW, 0, "w", NULL);
	buf_reset(&out);
	ck_assert_int_eq(attr_ini_show(&ctx, &a, &out), 0);
	ck_assert_ptr_nonnull(strstr(out.data, "name = w\n"));
	rows_csv("w", &out);
	ck_assert_str_eq(out.data, "page\nhome\ncart\ncheckout\nhelp-center\n"
				   "search\n");
	/* a component, within its directory */
	ref_make(&a, KIND_COMPONENT, 0, "w", "page");
	ref_make(&b, KIND_COMPONENT, 0, "w", "where");
	ck_assert_int_eq(obj_rename(&ctx, &a, &b, &d), 0);
	rows_csv("w", &out);
	ck_assert_str_eq(out.data, "where\nhome\ncart\ncheckout\nhelp-center\n"
				   "search\n");
	/* kinds without KD_RENAME are refused */
	ref_make(&a, KIND_DATASET, -1, "c1", "ev");
	ref_make(&b, KIND_DATASET, -1, "c1", "ev9");
	ck_assert_int_eq(obj_rename(&ctx, &a, &b, &d), -EPERM);
	buf_release(&out);
}
END_TEST

/* --- strtab --- */

START_TEST(test_strtab)
{
	struct strtab t;
	char key[32];
	uint32_t id, i;
	size_t len;
	int added;

	strtab_init(&t);
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "k%u", i);
		ck_assert_int_eq(strtab_intern(&t, key, strlen(key), &id,
					       &added),
				 0);
		ck_assert_uint_eq(id, i);
		ck_assert_int_eq(added, 1);
	}
	ck_assert_int_eq(strtab_intern(&t, "k77", 3, &id, &added), 0);
	ck_assert_uint_eq(id, 77);
	ck_assert_int_eq(added, 0);
	ck_assert_uint_eq(strtab_find(&t, "k99999", 6), 99999);
	ck_assert_uint_eq(strtab_find(&t, "k100000", 7), STRTAB_NONE);
	ck_assert_int_eq(strtab_intern(&t, "", 0, &id, &added), 0);
	ck_assert_uint_eq(strtab_find(&t, "", 0), id);
	ck_assert_str_eq(strtab_str(&t, 12345, &len), "k12345");
	ck_assert_uint_eq(len, 6);
	strtab_release(&t);
	ck_assert_uint_eq(strtab_find(&t, "k1", 2), STRTAB_NONE);
}
END_TEST

static Suite *dataview_suite(void)
{
	Suite *s = suite_create("dataview");
	TCase *tc;

	tc = tcase_create("components");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_include_exclude, 0,
			    (int)(sizeof(ie_cases) / sizeof(ie_cases[0])));
	tcase_add_loop_test(tc, test_hidden_value_nowhere, 0, NBUDGETS);
	tcase_add_loop_test(tc, test_bucketing, 0, NBUDGETS);
	tcase_add_test(tc, test_sums_and_order);
	tcase_add_test(tc, test_stale_fields);
	tcase_add_test(tc, test_report_list);
	tcase_add_test(tc, test_view_regex_budget);
	suite_add_tcase(s, tc);

	tc = tcase_create("protect");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_protect_sum);
	tcase_add_test(tc, test_protect_dims);
	tcase_add_test(tc, test_protect_joins);
	tcase_add_loop_test(tc, test_protect_hidden_absent, 0, NBUDGETS);
	tcase_add_test(tc, test_protect_filter);
	tcase_add_test(tc, test_protect_stored);
	tcase_add_test(tc, test_bucket_absent);
	tcase_add_test(tc, test_csv_formulas);
	suite_add_tcase(s, tc);

	tc = tcase_create("time");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_sessions, 0, NBUDGETS);
	tcase_add_loop_test(tc, test_live_sessions, 0, NBUDGETS);
	tcase_add_loop_test(tc, test_dst, 0, NBUDGETS);
	tcase_add_test(tc, test_window);
	suite_add_tcase(s, tc);

	tc = tcase_create("sorts");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_sort_spill);
	tcase_add_loop_test(tc, test_sort_ties, 0, NBUDGETS);
	tcase_add_loop_test(tc, test_sort_empty, 0, NBUDGETS);
	suite_add_tcase(s, tc);

	tc = tcase_create("joins");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_joins, 0, NBUDGETS);
	suite_add_tcase(s, tc);

	tc = tcase_create("validation");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_component_rejects, 0,
			    (int)(sizeof(bad_comps) / sizeof(bad_comps[0])));
	tcase_add_test(tc, test_component_needs_connection);
	tcase_add_test(tc, test_component_canonical);
	tcase_add_test(tc, test_dataview_rejects);
	tcase_add_test(tc, test_incomplete_connection);
	suite_add_tcase(s, tc);

	tc = tcase_create("objects");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_rename);
	tcase_add_test(tc, test_strtab);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	SRunner *sr;
	int failed;

	if (snprintf(run_dir, sizeof(run_dir), "%s/check_dataview.XXXXXX",
		     tmp && *tmp ? tmp : "/tmp") >= (int)sizeof(run_dir) ||
	    !mkdtemp(run_dir)) {
		perror("check_dataview: mkdtemp");
		return EXIT_FAILURE;
	}
	sr = srunner_create(dataview_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(run_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
