/*
 * driver.c - the model's hot paths in-process, for instruction counts.
 *
 *   driver DIR
 *
 * Makes a store in DIR (a fresh directory), then runs four phases, each a
 * function of its own so that callgrind can give its inclusive cost
 * (scripts/bench.sh runs this under valgrind --tool=callgrind and divides
 * each phase's instructions by its item count):
 *
 *   phase_ingest   100,000 event rows appended to records in 1 MiB writes
 *                  (model_open_file + model_file_write + flush), per row
 *   phase_report   report/event.csv of a view over those rows (count,
 *                  people, sessions) read to the end, per row scanned
 *   phase_ini      10,000 .ini documents parsed and rendered (inidoc_parse
 *                  + inidoc_render over the dataset, component, profile
 *                  and connection schemas), per file
 *   phase_policy   100,000 policy_check() decisions over a mix of callers
 *                  (product admin, profile admin, member, unmapped),
 *                  actions and places, per decision
 *
 * Each phase prints "NAME ITEMS UNIT SECONDS" on stdout (SECONDS is wall
 * time, for runs outside valgrind).  The data is generated here, seeded,
 * so every run does the same work.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "config.h"
#include "connection.h"
#include "dataview.h"
#include "inidoc.h"
#include "mctx.h"
#include "model.h"
#include "policy.h"
#include "store.h"

#define DRIVER_ROWS 100000
#define DRIVER_INIS 10000
#define DRIVER_DECISIONS 100000
#define DRIVER_WRITE (1024 * 1024)

static const char driver_config[] =
	"[store]\npath = store.tdb\n"
	"[users]\n0 = bench@example.com\n2001 = lead@example.com\n"
	"2002 = member@example.com\n"
	"[groups]\n3001 = Analysts\n"
	"[admin]\nsystem_admins = bench@example.com\n";

static double driver_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int driver_fail(const char *what, int rc)
{
	fprintf(stderr, "driver: %s: %s\n", what, strerror(rc < 0 ? -rc : rc));
	return rc ? rc : -EIO;
}

static int driver_ref(const char *path, struct obj_ref *out)
{
	char copy[512], *save = NULL, *name;
	struct obj_ref cur, next;

	snprintf(copy, sizeof(copy), "%s", path);
	obj_ref_root(&cur);
	for (name = strtok_r(copy, "/", &save); name;
	     name = strtok_r(NULL, "/", &save)) {
		if (kind_child(&cur, name, &next) == KIND_CHILD_NONE)
			return -ENOENT;
		cur = next;
	}
	*out = cur;
	return 0;
}

static int driver_mkdir(struct model *m, const struct caller_id *id,
			const char *dir, const char *name)
{
	struct obj_ref ref;
	int rc = driver_ref(dir, &ref);

	if (!rc)
		rc = model_mkdir(m, id, &ref, name);
	return rc ? driver_fail(name, rc) : 0;
}

static int driver_write(struct model *m, const struct caller_id *id,
			const char *dir, const char *name, const char *text,
			size_t len)
{
	struct model_file *f = NULL;
	struct obj_ref ref, out;
	struct mstat st;
	size_t off;
	int rc = driver_ref(dir, &ref);

	if (!rc)
		rc = model_create(m, id, &ref, name,
				  O_WRONLY | O_CREAT | O_TRUNC, &out, &st, &f);
	for (off = 0; !rc && off < len; off += DRIVER_WRITE) {
		size_t n = len - off < DRIVER_WRITE ? len - off : DRIVER_WRITE;
		long w = model_file_write(m, id, f, off, text + off, n);

		rc = w < 0 ? (int)w : 0;
	}
	if (!rc)
		rc = model_file_flush(m, id, f);
	if (f)
		model_file_close(m, id, f);
	return rc ? driver_fail(name, rc) : 0;
}

static int driver_puts(struct model *m, const struct caller_id *id,
		       const char *dir, const char *name, const char *text)
{
	return driver_write(m, id, dir, name, text, strlen(text));
}

/* Read a file to its end; *bytes is what it gave. */
static int driver_read(struct model *m, const struct caller_id *id,
		       const char *path, size_t *bytes)
{
	struct model_file *f = NULL;
	struct buf piece = BUF_INIT;
	struct obj_ref ref;
	uint64_t off = 0;
	int rc = driver_ref(path, &ref);

	if (!rc)
		rc = model_open_file(m, id, &ref, O_RDONLY, &f);
	while (!rc) {
		rc = model_file_read(m, id, f, off, 128 * 1024, &piece);
		if (rc || !piece.len)
			break;
		off += piece.len;
	}
	if (f)
		model_file_close(m, id, f);
	buf_release(&piece);
	*bytes = off;
	return rc ? driver_fail(path, rc) : 0;
}

/* A seeded generator (PCG-style LCG), so every run ingests the same rows. */
static unsigned driver_rand(unsigned long *x)
{
	*x = *x * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)(*x >> 33);
}

/* The rows, as scripts/gen-rows.py shapes them (not byte for byte). */
static int driver_rows(struct buf *out)
{
	static const char *const pages[] = { "/", "/products", "/cart",
					     "/checkout", "/search" };
	static const char *const events[] = { "page_view", "click",
					      "add_to_cart", "purchase",
					      "scroll" };
	unsigned long x = 20261123;
	long t = 0, i;
	int rc = buf_addstr(out, "person_id,timestamp,page,event,value\n");

	for (i = 0; i < DRIVER_ROWS && !rc; i++) {
		unsigned person, page, event, units, cents;
		long day, rem;

		t += driver_rand(&x) % 3;
		day = t / 86400;
		rem = t % 86400;
		person = driver_rand(&x) % 200000;
		page = driver_rand(&x) % 5;
		event = driver_rand(&x) % 5;
		units = driver_rand(&x) % 500;
		cents = driver_rand(&x) % 100;
		rc = buf_printf(out,
				"p%07u,2026-01-%02ldT%02ld:%02ld:%02ldZ,%s,%s,"
				"%u.%02u\n",
				person, 1 + day % 28, rem / 3600, rem / 60 % 60,
				rem % 60, pages[page], events[event], units,
				cents);
	}
	return rc;
}

static void phase_report_line(const char *name, long items, const char *unit,
			      double t0)
{
	printf("%s %ld %s %.3f\n", name, items, unit, driver_now() - t0);
	fflush(stdout);
}

static __attribute__((noipa)) int
phase_ingest(struct model *m, const struct caller_id *id, const struct buf *rows)
{
	return driver_write(m, id, "/connections/c/datasets/events", "records",
			    rows->data, rows->len);
}

static __attribute__((noipa)) int
phase_report(struct model *m, const struct caller_id *id, size_t *bytes)
{
	return driver_read(m, id, "/dataviews/v/report/event.csv", bytes);
}

static const char *const driver_inis[][2] = {
	{ "dataset", "[dataset]\ntype = event\nplatform_dataset_id = ds-1\n"
		     "person_id = person_id\ntimestamp = timestamp\n"
		     "fields = person_id, timestamp, page, event, value\n" },
	{ "component", "[component]\nkind = dimension\nfield = page\n"
		       "[include_exclude]\nmode = exclude\n"
		       "rules = equals:/checkout, starts-with:/blog\n" },
	{ "profile", "[data_views]\nviews = v1, v2, v3\n[reporting_tools]\n"
		     "analysis_workspace = true\nlabs = true\n"
		     "[data_view_tools]\nfull_table_export = true\n" },
	{ "connection", "[connection]\ndescription = web shop\n"
			"sandbox = prod\ndata_window_months = 24\n" },
};

static __attribute__((noipa)) int phase_ini(long n)
{
	const struct inidoc_schema *schemas[] = { &dataset_schema,
						  &component_schema,
						  &profile_schema,
						  &connection_schema };
	struct buf out = BUF_INIT;
	long i;
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		int k = i % 4;
		const char *text = driver_inis[k][1];
		struct inidoc doc;
		struct diag d;

		rc = inidoc_parse(schemas[k], text, strlen(text), NULL, &doc,
				  &d);
		if (rc)
			return driver_fail(d.msg, rc);
		buf_reset(&out);
		rc = inidoc_render(&doc, &out);
		inidoc_release(&doc);
	}
	buf_release(&out);
	return rc;
}

/* Places a listing visits, and what is asked of each. */
struct driver_ask {
	const char *path;
	enum action act;
};

static const struct driver_ask driver_asks[] = {
	{ "/connections", ACT_CONN_READ },
	{ "/connections/c", ACT_CONN_READ },
	{ "/connections/c", ACT_CONN_MANAGE },
	{ "/connections/c/connection.ini", ACT_CONN_READ },
	{ "/connections/c/connection.ini", ACT_CONN_MANAGE },
	{ "/connections/c/datasets/events/dataset.ini", ACT_CONN_READ },
	{ "/connections/c/datasets/events/records", ACT_CONN_MANAGE },
	{ "/dataviews", ACT_MAPPED },
	{ "/dataviews/v", ACT_DV_SEE },
	{ "/dataviews/v", ACT_DV_MANAGE },
	{ "/dataviews/v/dataview.ini", ACT_DV_EDIT },
	{ "/dataviews/v/rows.csv", ACT_DV_EXPORT },
	{ "/dataviews/v/components/event.ini", ACT_DV_SEE },
	{ "/dataviews/v/report/event.csv", ACT_DV_REPORT },
	{ "/admin/profiles/p", ACT_PROFILE_SEE },
	{ "/admin/profiles/p/members", ACT_PROFILE_EDIT },
	{ "/admin/product-admins", ACT_ADMIN_SYS },
	{ "/audit/log", ACT_AUDIT_READ },
};
#define DRIVER_NASKS (sizeof(driver_asks) / sizeof(driver_asks[0]))
#define DRIVER_NCALLERS 4

static __attribute__((noipa)) long
phase_policy(struct policy *p, const struct caller *who,
	     const struct obj_ref *refs, long n)
{
	long i, allowed = 0;

	for (i = 0; i < n; i++) {
		size_t k = (size_t)i % DRIVER_NASKS;

		if (!policy_check(p, &who[(i / DRIVER_NASKS) % DRIVER_NCALLERS],
				  driver_asks[k].act, &refs[k], NULL))
			allowed++;
	}
	return allowed;
}

static int driver_setup(struct model *m, const struct caller_id *id)
{
	int rc = driver_puts(m, id, "/admin", "product-admins",
			     "bench@example.com\n");

	if (!rc)
		rc = driver_puts(m, id, "/admin", "sandboxes", "prod\n");
	if (!rc)
		rc = driver_mkdir(m, id, "/admin/platform", "all");
	if (!rc)
		rc = driver_puts(m, id, "/admin/platform/all", "platform.ini",
				 "[platform]\nsandboxes = prod\npermissions = "
				 "view_schemas, manage_schemas, view_datasets, "
				 "manage_datasets, manage_sources, "
				 "view_identity_namespaces\n");
	if (!rc)
		rc = driver_puts(m, id, "/admin/platform/all", "members",
				 "bench@example.com\n");
	if (!rc)
		rc = driver_mkdir(m, id, "/connections", "c");
	if (!rc)
		rc = driver_puts(m, id, "/connections/c", "connection.ini",
				 "[connection]\nsandbox = prod\n");
	if (!rc)
		rc = driver_mkdir(m, id, "/connections/c/datasets", "events");
	if (!rc)
		rc = driver_puts(m, id, "/connections/c/datasets/events",
				 "dataset.ini", driver_inis[0][1]);
	if (!rc)
		rc = driver_mkdir(m, id, "/admin/profiles", "p");
	if (!rc)
		rc = driver_puts(m, id, "/admin/profiles/p", "profile.ini",
				 driver_inis[2][1]);
	if (!rc)
		rc = driver_puts(m, id, "/admin/profiles/p", "members",
				 "group:Analysts\nmember@example.com\n");
	if (!rc)
		rc = driver_puts(m, id, "/admin/profiles/p", "admins",
				 "lead@example.com\n");
	return rc;
}

static int driver_view(struct model *m, const struct caller_id *id)
{
	int rc = driver_mkdir(m, id, "/dataviews", "v");

	if (!rc)
		rc = driver_puts(m, id, "/dataviews/v", "dataview.ini",
				 "[dataview]\nconnection = c\n"
				 "filter = event != scroll\n");
	if (!rc)
		rc = driver_puts(m, id, "/dataviews/v/components", "event.ini",
				 "[component]\nfield = event\n");
	if (!rc)
		rc = driver_puts(m, id, "/dataviews/v/components", "events.ini",
				 "[component]\nkind = metric\n"
				 "field = occurrences\n");
	if (!rc)
		rc = driver_puts(m, id, "/dataviews/v/components", "people.ini",
				 "[component]\nkind = metric\nfield = people\n");
	if (!rc)
		rc = driver_puts(m, id, "/dataviews/v/components",
				 "sessions.ini",
				 "[component]\nkind = metric\n"
				 "field = sessions\n");
	return rc;
}

static int driver_policy(const struct config *cfg)
{
	struct obj_ref refs[DRIVER_NASKS];
	struct caller who[DRIVER_NCALLERS];
	struct caller_id ids[DRIVER_NCALLERS];
	struct store *st = NULL;
	struct policy *p = NULL;
	struct buf err = BUF_INIT;
	double t0;
	size_t i;
	int rc, n = 0;

	memset(ids, 0, sizeof(ids));
	ids[0].uid = 0;			/* system and product admin */
	ids[1].uid = 2001;		/* admin of profile p */
	ids[2].uid = 2002;		/* member of p */
	ids[3].uid = 2999;		/* unmapped */
	ids[2].gid = 3001;
	rc = store_open(cfg->store_path, 0, &st, &err);
	if (!rc)
		rc = policy_new(st, cfg, &p);
	for (n = 0; !rc && n < DRIVER_NCALLERS; n++)
		rc = policy_caller(p, &ids[n], &who[n]);
	for (i = 0; !rc && i < DRIVER_NASKS; i++)
		rc = driver_ref(driver_asks[i].path, &refs[i]);
	if (!rc) {
		long allowed;

		t0 = driver_now();
		allowed = phase_policy(p, who, refs, DRIVER_DECISIONS);
		phase_report_line("phase_policy", DRIVER_DECISIONS, "decisions",
				  t0);
		fprintf(stderr, "driver: %ld of %d decisions allowed\n",
			allowed, DRIVER_DECISIONS);
	}
	while (n-- > 0)
		caller_release(&who[n]);
	policy_free(p);
	store_close(st);
	buf_release(&err);
	return rc ? driver_fail("policy", rc) : 0;
}

int main(int argc, char **argv)
{
	struct buf err = BUF_INIT, rows = BUF_INIT;
	struct caller_id id;
	struct config cfg;
	struct model *m = NULL;
	size_t bytes = 0;
	double t0;
	FILE *f;
	int rc;

	if (argc != 2 || chdir(argv[1])) {
		fprintf(stderr, "usage: driver DIR (an existing directory)\n");
		return 2;
	}
	f = fopen("cjafs.ini", "w");
	if (!f || fputs(driver_config, f) == EOF || fclose(f)) {
		perror("driver: cjafs.ini");
		return 1;
	}
	inidoc_setup();
	if (config_load("cjafs.ini", &cfg, &err)) {
		fprintf(stderr, "driver: %s\n", err.data);
		return 1;
	}
	memset(&id, 0, sizeof(id));
	id.pid = getpid();
	rc = model_create_store(&cfg, &err);
	if (!rc)
		rc = model_open(&cfg, &m, &err);
	if (!rc)
		rc = driver_setup(m, &id);
	if (!rc)
		rc = driver_rows(&rows);
	if (!rc) {
		t0 = driver_now();
		rc = phase_ingest(m, &id, &rows);
		phase_report_line("phase_ingest", DRIVER_ROWS, "rows", t0);
	}
	if (!rc)
		rc = driver_view(m, &id);
	if (!rc) {
		t0 = driver_now();
		rc = phase_report(m, &id, &bytes);
		phase_report_line("phase_report", DRIVER_ROWS, "rows", t0);
	}
	model_close(m);
	if (!rc && bytes < 20)
		rc = driver_fail("report is empty", -EIO);
	if (!rc) {
		t0 = driver_now();
		rc = phase_ini(DRIVER_INIS);
		phase_report_line("phase_ini", DRIVER_INIS, "files", t0);
	}
	if (!rc)
		rc = driver_policy(&cfg);
	buf_release(&rows);
	buf_release(&err);
	config_release(&cfg);
	return rc ? 1 : 0;
}
