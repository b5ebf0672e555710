/*
 * gen.c - fill a store with a benchmark tree through the model API.
 *
 *   gen CONFIG CONNECTIONS DATASETS VIEWS COMPONENTS PROFILES [WORKSPACE]
 *   gen --dump CONFIG DIR
 *
 * Creates the store CONFIG names (it must not exist) and, acting as uid 0
 * (which CONFIG maps to a system admin), makes it a product admin with a
 * platform profile "all" (sandbox prod, every connection permission),
 * then CONNECTIONS connections of DATASETS datasets each, VIEWS data views
 * of COMPONENTS components each, PROFILES product profiles, every one
 * with its settings written, and WORKSPACE (default 0) of each Workspace
 * object (gen_workspace: a segment, a calculated metric, a date range,
 * an annotation, a project with two panels).  Prints the object count on
 * stdout.
 *
 * Why in-process: through a mount every mkdir and every write is its own
 * durable commit plus a FUSE round trip per system call; here it is the
 * same commits (model_mkdir, model_create + write + flush: exactly what the
 * FUSE layer calls) without the kernel, so the tree is the one a user
 * would have made.  Put the store on tmpfs to skip the fsyncs.
 *
 * Object names are c000000, v000000, p000000 (zero-padded, so sorted
 * listings agree between cjafs and any other filesystem); data view i uses
 * connection i % CONNECTIONS; profile i grants views i, i+1 and i+2 and has
 * two members and one admin out of a pool of PROFILES logins.
 *
 * Datasets (the first DATASETS of): events (event), web (event), people
 * (profile), pages (lookup on page), daily (summary), then extra event
 * datasets e5, e6...  Components (the first COMPONENTS of): dimensions
 * page, event, segment, country, category, day, metrics events
 * (occurrences), people, sessions, revenue (sum of value), then extra
 * dimensions d10, d11... on page.
 *
 * --dump writes the tree of an existing store, as uid 0 sees it, into DIR
 * (which must exist): every directory model_readdir lists and every file
 * read through model_open_file, byte for byte.  That is the peer's copy
 * for the tree benchmarks, made without the kernel; the benchmark then
 * checks that the mount gives the same listing and the same bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "inidoc.h"
#include "model.h"

struct gen {
	struct model *m;
	struct caller_id id;
	long objects;
};

static const char *const ds_names[] = { "events", "web", "people", "pages",
					"daily" };
static const char *const ds_ini[] = {
	"[dataset]\ntype = event\nplatform_dataset_id = ds-events\n"
	"person_id = person_id\ntimestamp = timestamp\n"
	"fields = person_id, timestamp, page, event, value\n",
	"[dataset]\ntype = event\nplatform_dataset_id = ds-web\n"
	"person_id = person_id\ntimestamp = timestamp\n"
	"fields = person_id, timestamp, page, referrer\n",
	"[dataset]\ntype = profile\nplatform_dataset_id = ds-people\n"
	"person_id = person_id\nfields = person_id, segment, country\n",
	"[dataset]\ntype = lookup\nplatform_dataset_id = ds-pages\n"
	"key = page\nmatching_key = page\nfields = page, category\n",
	"[dataset]\ntype = summary\nplatform_dataset_id = ds-daily\n"
	"person_id = person_id\ntimestamp = timestamp\n"
	"fields = person_id, timestamp, visits\n",
};
#define DS_FIXED (sizeof(ds_names) / sizeof(ds_names[0]))

static const char *const comp_names[] = { "page",   "event",  "segment",
					  "country", "category", "day",
					  "events", "people", "sessions",
					  "revenue" };
static const char *const comp_ini[] = {
	"[component]\nfield = page\n",
	"[component]\nfield = event\n",
	"[component]\nfield = segment\n",
	"[component]\nfield = country\n",
	"[component]\nfield = category\n",
	"[component]\nfield = day\n",
	"[component]\nkind = metric\nfield = occurrences\n",
	"[component]\nkind = metric\nfield = people\n",
	"[component]\nkind = metric\nfield = sessions\n",
	"[component]\nkind = metric\nfield = value\naggregation = sum\n",
};
#define COMP_FIXED (sizeof(comp_names) / sizeof(comp_names[0]))

/* The obj_ref of an absolute directory path. */
static int gen_dir(const char *path, struct obj_ref *out)
{
	char copy[1024], *save = NULL, *name;
	struct obj_ref cur, next;

	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return -ENAMETOOLONG;
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

static int gen_fail(const char *what, const char *path, int rc)
{
	fprintf(stderr, "gen: %s %s: %s\n", what, path, strerror(-rc));
	return rc;
}

static int gen_mkdir(struct gen *g, const char *dir, const char *name)
{
	struct obj_ref ref;
	int rc = gen_dir(dir, &ref);

	if (!rc)
		rc = model_mkdir(g->m, &g->id, &ref, name);
	if (rc)
		return gen_fail("mkdir", name, rc);
	g->objects++;
	return 0;
}

/* Write text to dir/name as one open, write, flush and close. */
static int gen_write(struct gen *g, const char *dir, const char *name,
		     const char *text)
{
	struct model_file *f = NULL;
	struct obj_ref ref, out;
	struct mstat st;
	size_t len = strlen(text);
	long n;
	int rc = gen_dir(dir, &ref);

	if (!rc)
		rc = model_create(g->m, &g->id, &ref, name,
				  O_WRONLY | O_CREAT | O_TRUNC, &out, &st, &f);
	if (rc)
		return gen_fail("create", name, rc);
	n = model_file_write(g->m, &g->id, f, 0, text, len);
	rc = n < 0 ? (int)n : 0;
	if (!rc)
		rc = model_file_flush(g->m, &g->id, f);
	model_file_close(g->m, &g->id, f);
	if (rc)
		return gen_fail("write", name, rc);
	return 0;
}

static int gen_admin(struct gen *g)
{
	int rc = gen_write(g, "/admin", "product-admins",
			   "bench@example.com\n");

	if (!rc)
		rc = gen_write(g, "/admin", "sandboxes", "prod\n");
	if (!rc)
		rc = gen_mkdir(g, "/admin/platform", "all");
	if (!rc)
		rc = gen_write(g, "/admin/platform/all", "platform.ini",
			       "[platform]\nsandboxes = prod\npermissions = "
			       "view_schemas, manage_schemas, view_datasets, "
			       "manage_datasets, manage_sources, "
			       "view_identity_namespaces\n");
	if (!rc)
		rc = gen_write(g, "/admin/platform/all", "members",
			       "bench@example.com\n");
	return rc;
}

static int gen_connection(struct gen *g, long i, long nds)
{
	char name[32], dir[128], sub[192], text[256];
	long j;
	int rc;

	snprintf(name, sizeof(name), "c%06ld", i);
	snprintf(dir, sizeof(dir), "/connections/%s", name);
	rc = gen_mkdir(g, "/connections", name);
	if (!rc) {
		snprintf(text, sizeof(text),
			 "[connection]\ndescription = connection %ld\n"
			 "sandbox = prod\n",
			 i);
		rc = gen_write(g, dir, "connection.ini", text);
	}
	snprintf(dir, sizeof(dir), "/connections/%s/datasets", name);
	for (j = 0; j < nds && !rc; j++) {
		char ds[32];
		const char *ini = text;

		if (j < (long)DS_FIXED) {
			snprintf(ds, sizeof(ds), "%s", ds_names[j]);
			ini = ds_ini[j];
		} else {
			snprintf(ds, sizeof(ds), "e%ld", j);
			snprintf(text, sizeof(text),
				 "[dataset]\ntype = event\n"
				 "platform_dataset_id = ds-e%ld\n"
				 "person_id = person_id\n"
				 "timestamp = timestamp\n"
				 "fields = person_id, timestamp, page\n",
				 j);
		}
		rc = gen_mkdir(g, dir, ds);
		if (!rc) {
			snprintf(sub, sizeof(sub), "%s/%s", dir, ds);
			rc = gen_write(g, sub, "dataset.ini", ini);
		}
	}
	return rc;
}

static int gen_view(struct gen *g, long i, long nconn, long ncomp)
{
	char name[32], dir[128], text[256];
	long j;
	int rc;

	snprintf(name, sizeof(name), "v%06ld", i);
	snprintf(dir, sizeof(dir), "/dataviews/%s", name);
	rc = gen_mkdir(g, "/dataviews", name);
	if (!rc) {
		snprintf(text, sizeof(text),
			 "[dataview]\ndescription = data view %ld\n"
			 "connection = c%06ld\ntimezone = Europe/Berlin\n"
			 "filter = country != FR or segment = gold\n",
			 i, i % nconn);
		rc = gen_write(g, dir, "dataview.ini", text);
	}
	snprintf(dir, sizeof(dir), "/dataviews/%s/components", name);
	for (j = 0; j < ncomp && !rc; j++) {
		char file[48];
		const char *ini = "[component]\nfield = page\n";

		if (j < (long)COMP_FIXED) {
			snprintf(file, sizeof(file), "%s.ini", comp_names[j]);
			ini = comp_ini[j];
		} else {
			snprintf(file, sizeof(file), "d%ld.ini", j);
		}
		rc = gen_write(g, dir, file, ini);
		if (!rc)
			g->objects++;
	}
	return rc;
}

static int gen_profile(struct gen *g, long i, long nviews, long nprof)
{
	char name[32], dir[128], text[512];
	int rc;

	snprintf(name, sizeof(name), "p%06ld", i);
	snprintf(dir, sizeof(dir), "/admin/profiles/%s", name);
	rc = gen_mkdir(g, "/admin/profiles", name);
	if (!rc) {
		snprintf(text, sizeof(text),
			 "[data_views]\nviews = v%06ld, v%06ld, v%06ld\n"
			 "[reporting_tools]\nanalysis_workspace = true\n"
			 "[data_view_tools]\nfull_table_export = %s\n",
			 i % nviews, (i + 1) % nviews, (i + 2) % nviews,
			 i % 2 ? "true" : "false");
		rc = gen_write(g, dir, "profile.ini", text);
	}
	if (!rc) {
		snprintf(text, sizeof(text),
			 "u%06ld@example.com\nu%06ld@example.com\n", i,
			 (i * 7 + 3) % nprof);
		rc = gen_write(g, dir, "members", text);
	}
	if (!rc) {
		snprintf(text, sizeof(text), "u%06ld@example.com\n",
			 (i * 13 + 5) % nprof);
		rc = gen_write(g, dir, "admins", text);
	}
	return rc;
}

/* Workspace objects i (owned by the generator's login, on data view
 * i % nviews): a segment, a calculated metric, a date range, an
 * annotation, and a project with two panels that use them.  In the
 * table, @V stands for the view and @N for the object's name. */
static const struct {
	const char *coll, *file, *ini;
} ws_objs[] = {
	{ "segments", "segment.ini",
	  "[segment]\ndescription = segment @N\ndataview = @V\n"
	  "container = person\nrule = page = /checkout\n" },
	{ "calculated-metrics", "metric.ini",
	  "[metric]\ndataview = @V\nformula = events / people\n"
	  "precision = 1\ndescription = @N\n" },
	{ "date-ranges", "daterange.ini",
	  "[date_range]\ndataview = @V\nstart = today-29d\nend = today\n"
	  "description = @N\n" },
	{ "annotations", "annotation.ini",
	  "[annotation]\ndataview = @V\nstart = 2026-01-01\n"
	  "end = 2026-01-03\ncolor = orange\ntext = note @N\n" },
	{ "projects", "project.ini",
	  "[project]\ndescription = project @N\ndataview = @V\n" },
	{ "projects/@N/panels", "pages.ini",
	  "[panel]\ntitle = Pages\ndimension = page\n"
	  "metrics = events, people, calc:@N\nsegments = @N\n" },
	{ "projects/@N/panels", "days.ini",
	  "[panel]\ntitle = Days\ndimension = day\nmetrics = events\n"
	  "date_range = @N\nsort = day\norder = asc\n" },
};

/* tmpl with @V and @N replaced, into out (size bytes, truncated). */
static void ws_fill(char *out, size_t size, const char *tmpl,
		    const char *view, const char *name)
{
	size_t n = 0;

	for (; *tmpl && n + 1 < size; tmpl++) {
		const char *v = NULL;

		if (tmpl[0] == '@' && (tmpl[1] == 'V' || tmpl[1] == 'N'))
			v = *++tmpl == 'V' ? view : name;
		for (; v && *v && n + 1 < size; v++)
			out[n++] = *v;
		if (!v)
			out[n++] = *tmpl;
	}
	out[n] = '\0';
}

static int gen_workspace(struct gen *g, long i, long nviews)
{
	char name[32], view[32], coll[128], dir[192], text[512];
	size_t k;
	int rc = 0;

	snprintf(name, sizeof(name), "w%06ld", i);
	snprintf(view, sizeof(view), "v%06ld", i % nviews);
	for (k = 0; k < sizeof(ws_objs) / sizeof(ws_objs[0]) && !rc; k++) {
		ws_fill(coll, sizeof(coll), ws_objs[k].coll, view, name);
		snprintf(dir, sizeof(dir), "/workspace/%s", coll);
		if (!strchr(ws_objs[k].coll, '@')) {
			rc = gen_mkdir(g, dir, name);
			snprintf(dir, sizeof(dir), "/workspace/%s/%s", coll,
				 name);
		}
		ws_fill(text, sizeof(text), ws_objs[k].ini, view, name);
		if (!rc)
			rc = gen_write(g, dir, ws_objs[k].file, text);
	}
	if (!rc)
		g->objects += 5;
	return rc;
}

/* Copy the file ref to path (a new file). */
static int dump_file(struct gen *g, const struct obj_ref *ref,
		     const char *path)
{
	struct model_file *f = NULL;
	struct buf piece = BUF_INIT;
	uint64_t off = 0;
	FILE *out = fopen(path, "wx");
	int rc = out ? 0 : -errno;

	if (!rc)
		rc = model_open_file(g->m, &g->id, ref, O_RDONLY, &f);
	while (!rc) {
		rc = model_file_read(g->m, &g->id, f, off, 1024 * 1024, &piece);
		if (rc || !piece.len)
			break;
		if (fwrite(piece.data, 1, piece.len, out) != piece.len)
			rc = -EIO;
		off += piece.len;
	}
	if (f)
		model_file_close(g->m, &g->id, f);
	if (out && fclose(out) && !rc)
		rc = -EIO;
	buf_release(&piece);
	if (rc)
		return gen_fail("dump", path, rc);
	g->objects++;
	return 0;
}

/* Copy directory dir (at path, which exists) and everything below it. */
static int dump_dir(struct gen *g, const struct obj_ref *dir, const char *path)
{
	struct model_dirent *ents = NULL;
	size_t n = 0, i;
	int rc = model_readdir(g->m, &g->id, dir, &ents, &n);

	if (rc)
		return gen_fail("readdir", path, rc);
	for (i = 0; i < n && !rc; i++) {
		struct obj_ref child;
		char sub[4096];

		if (snprintf(sub, sizeof(sub), "%s/%s", path, ents[i].name) >=
			    (int)sizeof(sub) ||
		    kind_child(dir, ents[i].name, &child) == KIND_CHILD_NONE) {
			rc = gen_fail("dump", ents[i].name, -EINVAL);
			break;
		}
		if (!ents[i].is_dir) {
			rc = dump_file(g, &child, sub);
			continue;
		}
		if (mkdir(sub, 0755)) {
			rc = gen_fail("mkdir", sub, -errno);
			break;
		}
		g->objects++;
		rc = dump_dir(g, &child, sub);
	}
	model_dirents_free(ents, n);
	return rc;
}

/* With GEN_PROGRESS set, a line on stderr every tenth of a collection. */
static void gen_progress(struct gen *g, const char *what, long i, long n)
{
	if (getenv("GEN_PROGRESS") && n >= 10 && (i + 1) % (n / 10) == 0)
		fprintf(stderr, "gen: %s %ld/%ld, %ld objects\n", what, i + 1,
			n, g->objects);
}

int main(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct config cfg;
	struct gen g;
	long nconn, nds, nviews, ncomp, nprof, nws, i;
	int rc;

	memset(&g, 0, sizeof(g));
	g.id.uid = 0;
	g.id.gid = 0;
	g.id.pid = getpid();
	if (argc == 4 && !strcmp(argv[1], "--dump")) {
		struct obj_ref root;

		inidoc_setup();
		if (config_load(argv[2], &cfg, &err)) {
			fprintf(stderr, "gen: %s\n", err.data);
			return 2;
		}
		rc = model_open(&cfg, &g.m, &err);
		if (rc) {
			fprintf(stderr, "gen: %s: %s\n", cfg.store_path,
				err.len ? err.data : strerror(-rc));
			config_release(&cfg);
			return 1;
		}
		obj_ref_root(&root);
		rc = dump_dir(&g, &root, argv[3]);
		model_close(g.m);
		config_release(&cfg);
		buf_release(&err);
		if (rc)
			return 1;
		printf("%ld\n", g.objects);
		return 0;
	}
	if (argc != 7 && argc != 8) {
		fprintf(stderr, "usage: gen CONFIG CONNECTIONS DATASETS VIEWS "
				"COMPONENTS PROFILES [WORKSPACE]\n"
				"       gen --dump CONFIG DIR\n");
		return 2;
	}
	nws = argc == 8 ? atol(argv[7]) : 0;
	nconn = atol(argv[2]);
	nds = atol(argv[3]);
	nviews = atol(argv[4]);
	ncomp = atol(argv[5]);
	nprof = atol(argv[6]);
	if (nconn < 1 || nds < 1 || nviews < 0 || ncomp < 0 || nprof < 0 ||
	    nws < 0 || (nws && (nviews < 1 || ncomp < 8))) {
		fprintf(stderr, "gen: counts must be positive (Workspace "
				"objects need a data view of 8 components)\n");
		return 2;
	}
	inidoc_setup();
	if (config_load(argv[1], &cfg, &err)) {
		fprintf(stderr, "gen: %s\n", err.data);
		return 2;
	}
	rc = model_create_store(&cfg, &err);
	if (rc == -EEXIST)
		rc = 0;
	buf_reset(&err);
	if (!rc)
		rc = model_open(&cfg, &g.m, &err);
	if (rc) {
		fprintf(stderr, "gen: %s: %s\n", cfg.store_path,
			err.len ? err.data : strerror(-rc));
		config_release(&cfg);
		return 1;
	}
	rc = gen_admin(&g);
	for (i = 0; i < nconn && !rc; i++) {
		rc = gen_connection(&g, i, nds);
		gen_progress(&g, "connections", i, nconn);
	}
	for (i = 0; i < nviews && !rc; i++) {
		rc = gen_view(&g, i, nconn, ncomp);
		gen_progress(&g, "data views", i, nviews);
	}
	for (i = 0; i < nprof && !rc; i++) {
		rc = gen_profile(&g, i, nviews ? nviews : 1, nprof);
		gen_progress(&g, "profiles", i, nprof);
	}
	for (i = 0; i < nws && !rc; i++) {
		rc = gen_workspace(&g, i, nviews);
		gen_progress(&g, "Workspace objects", i, nws);
	}
	model_close(g.m);
	config_release(&cfg);
	buf_release(&err);
	if (rc)
		return 1;
	printf("%ld\n", g.objects);
	return 0;
}
