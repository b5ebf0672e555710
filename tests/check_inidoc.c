/*
 * check_inidoc.c - unit tests for model/inidoc.c.
 *
 * The schemas below mirror SPEC §3.1 (connection.ini), §3.5 (profile.ini)
 * and §3.6 (platform.ini), plus a "misc" schema for what those do not
 * have (sections interleaved in the table, a plain list, an enum without
 * a default, a negative range).
 *
 * Golden files: tests/data/inidoc/NAME.in is parsed and rendered and must
 * equal NAME.out byte for byte; NAME.out must then parse back to itself.
 * The .out files are written by hand (the 100-view one with sort(1)), not
 * produced by this code.  The data directory is $CJAFS_TEST_DATA, else
 * CJAFS_TEST_DATA as compiled in (default "tests/data", relative to the
 * repository root, where make check runs).
 */
#include <check.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inidoc.h"

#ifndef CJAFS_TEST_DATA
#define CJAFS_TEST_DATA "tests/data"
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- schemas ---- */

static const char *const link_by_choices[] = {"person", "account", NULL};

static const struct inidoc_field conn_fields[] = {
    {"connection", "name", INIDOC_STR, NULL, 0, 0, NULL,
     INIDOC_RO | INIDOC_NAME},
    {"connection", "description", INIDOC_STR, NULL, 0, 0, NULL, 0},
    {"connection", "sandbox", INIDOC_STR, NULL, 0, 0, NULL, INIDOC_NAME},
    {"connection", "data_window_months", INIDOC_INT, "13", 1, 60, NULL, 0},
    {"connection", "link_by", INIDOC_ENUM, "person", 0, 0, link_by_choices, 0},
    {"connection", "journey_optimizer", INIDOC_BOOL, "false", 0, 0, NULL, 0},
    {"connection", "owner", INIDOC_STR, NULL, 0, 0, NULL, INIDOC_RO},
    {"connection", "created", INIDOC_STR, NULL, 0, 0, NULL, INIDOC_RO},
    {NULL},
};
static const struct inidoc_schema conn_schema = {"connection.ini", conn_fields};

/* clang-format off */
#define TOOL(sec, key) { sec, key, INIDOC_BOOL, "false", 0, 0, NULL, 0 }
/* clang-format on */

static const char *const profile_tools[] = {
    "analysis_workspace", "guided_analysis", "calculated_metrics_creation",
    "segment_creation", "labs", "annotation_creation", "audience_view",
    "audience_creation", "data_storytelling", "audit_logs_access",
    "share_project_links", "forecasting", "ai_assistant",
    "intelligent_captions", "full_table_export", "bi_extension", NULL};

static const struct inidoc_field profile_fields[] = {
    TOOL("data_views", "auto_include"),
    {"data_views", "views", INIDOC_LIST, NULL, 0, 0, NULL,
     INIDOC_SET | INIDOC_NAME},
    TOOL("reporting_tools", "analysis_workspace"),
    TOOL("reporting_tools", "guided_analysis"),
    TOOL("reporting_tools", "calculated_metrics_creation"),
    TOOL("reporting_tools", "segment_creation"),
    TOOL("reporting_tools", "labs"),
    TOOL("reporting_tools", "annotation_creation"),
    TOOL("reporting_tools", "audience_view"),
    TOOL("reporting_tools", "audience_creation"),
    TOOL("reporting_tools", "data_storytelling"),
    TOOL("reporting_tools", "audit_logs_access"),
    TOOL("reporting_tools", "share_project_links"),
    TOOL("reporting_tools", "forecasting"),
    TOOL("reporting_tools", "ai_assistant"),
    TOOL("reporting_tools", "intelligent_captions"),
    TOOL("data_view_tools", "full_table_export"),
    TOOL("data_view_tools", "bi_extension"),
    {"delegation", "views", INIDOC_LIST, NULL, 0, 0, NULL,
     INIDOC_SET | INIDOC_NAME},
    {"delegation", "tools", INIDOC_LIST, NULL, 0, 0, profile_tools,
     INIDOC_SET},
    TOOL("delegation", "auto_include"),
    {"delegation", "edit_views", INIDOC_LIST, NULL, 0, 0, NULL,
     INIDOC_SET | INIDOC_NAME},
    {NULL},
};
static const struct inidoc_schema profile_schema = {"profile.ini",
						    profile_fields};

static const char *const platform_perms[] = {
    "view_schemas",
    "manage_schemas",
    "view_datasets",
    "manage_datasets",
    "manage_sources",
    "view_identity_namespaces",
    "manage_destinations",
    "activate_destinations",
    "view_destinations",
    "manage_queries",
    "manage_query_service_integration",
    "view_journeys_events",
    "manage_journeys_events",
    "view_journeys",
    "manage_journeys",
    NULL,
};

static const struct inidoc_field platform_fields[] = {
    {"platform", "sandboxes", INIDOC_LIST, NULL, 0, 0, NULL,
     INIDOC_SET | INIDOC_NAME},
    {"platform", "permissions", INIDOC_LIST, NULL, 0, 0, platform_perms,
     INIDOC_SET},
    {NULL},
};
static const struct inidoc_schema platform_schema = {"platform.ini",
						     platform_fields};

static const char *const misc_kinds[] = {"x", "y", NULL};

static const struct inidoc_field misc_fields[] = {
    {"a", "tags", INIDOC_LIST, NULL, 0, 0, NULL, 0},
    {"b", "kind", INIDOC_ENUM, NULL, 0, 0, misc_kinds, 0},
    {"a", "level", INIDOC_INT, "-3", -10, 10, NULL, 0},
    {"b", "names", INIDOC_LIST, "zeta, alpha", 0, 0, NULL,
     INIDOC_SET | INIDOC_NAME},
    {NULL},
};
static const struct inidoc_schema misc_schema = {"misc.ini", misc_fields};

static const char created[] = "2024-05-01T09:30:00Z";

/* ---- helpers ---- */

static const char *data_dir(void)
{
	const char *e = getenv("CJAFS_TEST_DATA");

	return e && *e ? e : CJAFS_TEST_DATA;
}

static void read_data(const char *name, const char *ext, struct buf *b)
{
	char path[512];
	char chunk[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/inidoc/%s.%s", data_dir(), name, ext);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	buf_reset(b);
	ck_assert_int_eq(buf_add(b, "", 0), 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ck_assert_int_eq(buf_add(b, chunk, n), 0);
	ck_assert(!ferror(f));
	fclose(f);
}

/* The connection as the model keeps it: defaults plus read-only values. */
static void conn_old(struct inidoc *old)
{
	ck_assert_int_eq(inidoc_defaults(&conn_schema, old), 0);
	ck_assert_int_eq(inidoc_set(old, "connection", "name", "sales"), 0);
	ck_assert_int_eq(inidoc_set(old, "connection", "owner", "alice"), 0);
	ck_assert_int_eq(inidoc_set(old, "connection", "created", created), 0);
}

static int parse_str(const struct inidoc_schema *s, const char *text,
		     const struct inidoc *old, struct inidoc *out,
		     struct diag *d)
{
	return inidoc_parse(s, text, strlen(text), old, out, d);
}

/* Parse text, render it, and return the canonical text (caller frees). */
static char *canon_of(const struct inidoc_schema *s, const char *text,
		      size_t len, const struct inidoc *old)
{
	struct inidoc doc;
	struct diag d;
	struct buf b = BUF_INIT;
	int rc;

	rc = inidoc_parse(s, text, len, old, &doc, &d);
	ck_assert_msg(rc == 0, "parse failed: %d: line %d: %s", rc, d.line,
		      d.msg);
	ck_assert_int_eq(inidoc_render(&doc, &b), 0);
	inidoc_release(&doc);
	return buf_detach(&b, NULL);
}

/* ---- golden files ---- */

static const struct golden {
	const char *name;
	const struct inidoc_schema *schema;
} goldens[] = {
    {"connection-full", &conn_schema},
    {"connection-defaults", &conn_schema},
    {"connection-empty", &conn_schema},
    {"connection-crlf", &conn_schema},
    {"connection-bom", &conn_schema},
    {"connection-longline", &conn_schema},
    {"connection-indented", &conn_schema},
    {"profile-views", &profile_schema},
    {"profile-defaults", &profile_schema},
    {"profile-delegation", &profile_schema},
    {"platform-all", &platform_schema},
    {"platform-empty", &platform_schema},
    {"misc-order", &misc_schema},
};

START_TEST(test_golden)
{
	const struct golden *g = &goldens[_i];
	struct buf in = BUF_INIT, want = BUF_INIT;
	struct inidoc old;
	const struct inidoc *oldp = NULL;
	char *got, *again;

	if (g->schema == &conn_schema) {
		conn_old(&old);
		oldp = &old;
	}
	read_data(g->name, "in", &in);
	read_data(g->name, "out", &want);
	got = canon_of(g->schema, in.data, in.len, oldp);
	ck_assert_msg(strlen(got) == want.len && !strcmp(got, want.data),
		      "%s: got\n%s\nwant\n%s", g->name, got, want.data);
	/* the canonical form is a fixed point */
	again = canon_of(g->schema, got, strlen(got), oldp);
	ck_assert_str_eq(again, got);
	free(again);
	free(got);
	if (oldp)
		inidoc_release(&old);
	buf_release(&in);
	buf_release(&want);
}
END_TEST

/* ---- round trips ---- */

static const struct inidoc_schema *const all_schemas[] = {
    &conn_schema,
    &profile_schema,
    &platform_schema,
    &misc_schema,
};

START_TEST(test_roundtrip_defaults)
{
	const struct inidoc_schema *s = all_schemas[_i];
	struct inidoc doc, doc2;
	struct buf b = BUF_INIT, b2 = BUF_INIT;
	struct diag d;
	size_t i;

	ck_assert_int_eq(inidoc_defaults(s, &doc), 0);
	ck_assert_int_eq(inidoc_render(&doc, &b), 0);
	/* render(parse(canonical)) == canonical, with and without old */
	ck_assert_int_eq(inidoc_parse(s, b.data, b.len, &doc, &doc2, &d), 0);
	ck_assert_int_eq(inidoc_render(&doc2, &b2), 0);
	ck_assert_str_eq(b2.data, b.data);
	for (i = 0; i < doc.nfields; i++)
		ck_assert_str_eq(doc2.vals[i], doc.vals[i]);
	inidoc_release(&doc2);
	buf_reset(&b2);
	ck_assert_int_eq(inidoc_parse(s, b.data, b.len, NULL, &doc2, &d), 0);
	ck_assert_int_eq(inidoc_render(&doc2, &b2), 0);
	ck_assert_str_eq(b2.data, b.data);
	inidoc_release(&doc2);
	inidoc_release(&doc);
	buf_release(&b);
	buf_release(&b2);
}
END_TEST

START_TEST(test_roundtrip_twice)
{
	static const char text[] =
	    "[connection]\nname = sales\ndescription = Q3 ; plan\n"
	    "sandbox = prod\ndata_window_months = 60\nlink_by = account\n"
	    "journey_optimizer = true\nowner = alice\ncreated = "
	    "2024-05-01T09:30:00Z\n";
	struct inidoc old;
	char *a, *b;

	conn_old(&old);
	a = canon_of(&conn_schema, text, strlen(text), &old);
	b = canon_of(&conn_schema, text, strlen(text), &old);
	ck_assert_str_eq(a, text);
	ck_assert_str_eq(b, a);
	free(a);
	free(b);
	inidoc_release(&old);
}
END_TEST

START_TEST(test_comments_dropped)
{
	static const char text[] = "; top\n# hash\n[platform]\n"
				   "  ; indented comment\n\t# tab comment\n"
				   "sandboxes = dev\n;sandboxes = prod\n";
	char *got = canon_of(&platform_schema, text, strlen(text), NULL);

	ck_assert_str_eq(got, "[platform]\nsandboxes = dev\npermissions = \n");
	free(got);
}
END_TEST

START_TEST(test_value_keeps_comment_chars)
{
	static const char text[] = "[connection]\n"
				   "description = a ; b # c ;d #e;\n";
	struct inidoc doc;
	struct diag d;

	ck_assert_int_eq(parse_str(&conn_schema, text, NULL, &doc, &d), 0);
	ck_assert_str_eq(inidoc_get(&doc, "connection", "description"),
			 "a ; b # c ;d #e;");
	inidoc_release(&doc);
}
END_TEST

START_TEST(test_colon_separator)
{
	/* inih splits "key: value" too; only '=' separates key and value */
	static const char *const bad[] = {
	    "[connection]\ndescription: a = b\n",
	    "[connection]\ndescription :x\n",
	    "[connection]\ndata:window = 3\n",
	};
	static const char ok[] = "[connection]\ndescription = a: b = c\n";
	struct inidoc doc;
	struct diag d;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_int_eq(
		    parse_str(&conn_schema, bad[i], NULL, &doc, &d), -EINVAL);
		ck_assert_int_eq(d.line, 2);
		ck_assert_str_eq(d.msg,
				 "expected 'key = value' or '[section]'");
	}
	ck_assert_int_eq(parse_str(&conn_schema, ok, NULL, &doc, &d), 0);
	ck_assert_str_eq(inidoc_get(&doc, "connection", "description"),
			 "a: b = c");
	inidoc_release(&doc);
}
END_TEST

/* ---- long and odd lines ---- */

/* "[connection]\ndescription = XXX...\n" + tail, the value n bytes. */
static char *long_doc(size_t n, const char *tail)
{
	struct buf b = BUF_INIT;
	size_t i;

	ck_assert_int_eq(buf_addstr(&b, "[connection]\ndescription = "), 0);
	ck_assert_int_eq(buf_grow(&b, n), 0);
	for (i = 0; i < n; i++)
		b.data[b.len++] = (char)('a' + i % 26);
	b.data[b.len] = '\0';
	ck_assert_int_eq(buf_printf(&b, "\n%s", tail), 0);
	return buf_detach(&b, NULL);
}

START_TEST(test_long_lines)
{
	/* values around inih's 200-byte chunks, and far beyond */
	static const size_t sizes[] = {1,   184, 185, 186,  198,   199,
				       200, 384, 385, 5000, 65536, 300000};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		char *text = long_doc(sizes[i], "sandbox = dev\n");
		struct inidoc doc;
		struct diag d;
		const char *v;

		ck_assert_int_eq(parse_str(&conn_schema, text, NULL, &doc, &d),
				 0);
		v = inidoc_get(&doc, "connection", "description");
		ck_assert_uint_eq(strlen(v), sizes[i]);
		ck_assert_int_eq(memcmp(v, text + 27, sizes[i]), 0);
		ck_assert_int_eq(inidoc_line(&doc, "connection", "sandbox"), 3);
		inidoc_release(&doc);
		free(text);
	}
}
END_TEST

START_TEST(test_line_numbers_after_long_line)
{
	char *text = long_doc(5000, "\n; c\nfoo = 1\n");
	struct inidoc doc;
	struct diag d;

	ck_assert_int_eq(parse_str(&conn_schema, text, NULL, &doc, &d),
			 -EINVAL);
	ck_assert_int_eq(d.line, 5);
	ck_assert_str_eq(d.msg, "unknown key 'foo' in [connection]");
	free(text);
}
END_TEST

START_TEST(test_max_size_line)
{
	/* one line filling the whole size limit is still read whole */
	size_t n = INIDOC_MAX_SIZE - strlen("[connection]\ndescription = \n");
	char *text = long_doc(n, "");
	struct inidoc doc;
	struct diag d;

	ck_assert_uint_eq(strlen(text), INIDOC_MAX_SIZE);
	ck_assert_int_eq(parse_str(&conn_schema, text, NULL, &doc, &d), 0);
	ck_assert_uint_eq(strlen(inidoc_get(&doc, "connection", "description")),
			  n);
	inidoc_release(&doc);
	/* no final newline either */
	text[INIDOC_MAX_SIZE - 1] = 'z';
	ck_assert_int_eq(parse_str(&conn_schema, text, NULL, &doc, &d), 0);
	ck_assert_uint_eq(strlen(inidoc_get(&doc, "connection", "description")),
			  n + 1);
	inidoc_release(&doc);
	free(text);
}
END_TEST

START_TEST(test_indented_is_not_continuation)
{
	static const char text[] = "[connection]\ndescription = first\n"
				   "   second part\n";
	struct inidoc doc;
	struct diag d;

	ck_assert_int_eq(parse_str(&conn_schema, text, NULL, &doc, &d),
			 -EINVAL);
	ck_assert_int_eq(d.line, 3);
	ck_assert_str_eq(d.msg, "expected 'key = value' or '[section]'");
	ck_assert_ptr_null(doc.vals);
}
END_TEST

START_TEST(test_many_views)
{
	/* 100 names of 109 bytes: one line of 11 KB, granted in reverse */
	struct buf b = BUF_INIT;
	struct inidoc doc;
	struct diag d;
	char name[128];
	const char *views;
	int n = 0, i;

	ck_assert_int_eq(buf_addstr(&b, "[data_views]\nviews = "), 0);
	for (i = 99; i >= 0; i--)
		ck_assert_int_eq(buf_printf(&b, "%sview-%03d-%0100d",
					    i < 99 ? ", " : "", i, i),
				 0);
	ck_assert_int_eq(buf_addch(&b, '\n'), 0);
	ck_assert_uint_gt(b.len, 11000);
	ck_assert_int_eq(
	    inidoc_parse(&profile_schema, b.data, b.len, NULL, &doc, &d), 0);
	views = inidoc_get(&doc, "data_views", "views");
	ck_assert_ptr_nonnull(strstr(views, "view-000-"));
	ck_assert(strstr(views, "view-000-") < strstr(views, "view-099-"));
	for (i = 0; views[i]; i++)
		n += views[i] == ',';
	ck_assert_int_eq(n, 99);
	snprintf(name, sizeof(name), "view-042-%0100d", 42);
	ck_assert_int_eq(inidoc_list_has(views, name), 1);
	inidoc_release(&doc);
	buf_release(&b);
}
END_TEST

/* ---- rejected documents ---- */

static const struct bad {
	const struct inidoc_schema *schema;
	int with_old;
	const char *text;
	int rc, line, column;
	const char *msg; /* a final '*' matches a prefix */
} bads[] = {
    {&conn_schema, 1, "[connection]\nfoo = 1\n", -EINVAL, 2, 0,
     "unknown key 'foo' in [connection]"},
    {&conn_schema, 1, "[connection]\nDescription = x\n", -EINVAL, 2, 0,
     "unknown key 'Description' in [connection]"},
    {&conn_schema, 1, "[connection]\n= x\n", -EINVAL, 2, 0,
     "unknown key '' in [connection]"},
    {&conn_schema, 1,
     "[connection]\n"
     "a_very_long_key_name_that_goes_on_and_on_and_on = 1\n",
     -EINVAL, 2, 0,
     "unknown key 'a_very_long_key_name_that_goes_on_and_on...' in "
     "[connection]"},
    /* a quoted name is cut on a UTF-8 character boundary */
    {&conn_schema, 1,
     "[connection]"
     "\na\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
     "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 = 1\n",
     -EINVAL, 2, 0,
     "unknown key "
     "'a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
     "\xa9\xc3\xa9"
     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9."
     "..' in [connection]"},
    {&conn_schema, 1, "[connection]\n[bar]\n", -EINVAL, 2, 0,
     "unknown section [bar]"},
    {&conn_schema, 1, "[Connection]\n", -EINVAL, 1, 0,
     "unknown section [Connection]"},
    {&conn_schema, 1, "[]\ndescription = x\n", -EINVAL, 1, 0,
     "unknown section []"},
    {&conn_schema, 1, "[ connection ]\n", -EINVAL, 1, 0,
     "unknown section [ connection ]"},
    {&conn_schema, 1, "[connection]\nsandbox = a\n\nsandbox = b\n", -EINVAL, 4,
     0, "duplicate key 'sandbox' (first on line 2)"},
    {&conn_schema, 1, "[connection]\n[connection]\n", -EINVAL, 2, 0,
     "duplicate section [connection] (first on line 1)"},
    {&profile_schema, 0,
     "[data_views]\n[reporting_tools]\nlabs = on\n[data_views]\n", -EINVAL, 4,
     0, "duplicate section [data_views] (first on line 1)"},
    {&conn_schema, 1, "description = x\n[connection]\n", -EINVAL, 1, 0,
     "key outside any section: 'description'"},
    {&conn_schema, 1, "[connection]\ndata_window_months = 61\n", -EINVAL, 2, 0,
     "data_window_months must be 1-60"},
    {&conn_schema, 1, "[connection]\ndata_window_months = 0\n", -EINVAL, 2, 0,
     "data_window_months must be 1-60"},
    {&conn_schema, 1,
     "[connection]\ndata_window_months = 99999999999999999999999\n", -EINVAL, 2,
     0, "data_window_months must be 1-60"},
    {&conn_schema, 1, "[connection]\ndata_window_months = 1.5\n", -EINVAL, 2, 0,
     "data_window_months must be an integer 1-60"},
    {&conn_schema, 1, "[connection]\ndata_window_months = 0x10\n", -EINVAL, 2,
     0, "data_window_months must be an integer 1-60"},
    {&conn_schema, 1, "[connection]\ndata_window_months = 1 2\n", -EINVAL, 2, 0,
     "data_window_months must be an integer 1-60"},
    {&conn_schema, 1, "[connection]\ndata_window_months =\n", -EINVAL, 2, 0,
     "data_window_months must be an integer 1-60"},
    {&conn_schema, 1, "[connection]\ndata_window_months = -\n", -EINVAL, 2, 0,
     "data_window_months must be an integer 1-60"},
    {&misc_schema, 0, "[a]\nlevel = -11\n", -EINVAL, 2, 0,
     "level must be -10-10"},
    {&conn_schema, 1, "[connection]\njourney_optimizer = maybe\n", -EINVAL, 2,
     0, "journey_optimizer must be true or false"},
    {&conn_schema, 1, "[connection]\njourney_optimizer = truee\n", -EINVAL, 2,
     0, "journey_optimizer must be true or false"},
    {&conn_schema, 1, "[connection]\njourney_optimizer =\n", -EINVAL, 2, 0,
     "journey_optimizer must be true or false"},
    {&conn_schema, 1, "[connection]\nlink_by = Person\n", -EINVAL, 2, 0,
     "link_by must be one of: person, account"},
    {&conn_schema, 1, "[connection]\nlink_by = people\n", -EINVAL, 2, 0,
     "link_by must be one of: person, account"},
    {&misc_schema, 0, "[b]\nkind = z\n", -EINVAL, 2, 0,
     "kind must be one of: x, y"},
    {&conn_schema, 1, "[connection]\nsandbox = a/b\n", -EINVAL, 2, 0,
     "sandbox: invalid name 'a/b'"},
    {&conn_schema, 1, "[connection]\nsandbox = .hidden\n", -EINVAL, 2, 0,
     "sandbox: invalid name '.hidden'"},
    {&profile_schema, 0, "[data_views]\nviews = ok, ..\n", -EINVAL, 2, 0,
     "views: invalid name '..'"},
    {&profile_schema, 0, "[data_views]\nviews = ok, a b\n", -EINVAL, 2, 0,
     "views: invalid name 'a b'"},
    {&profile_schema, 0, "[reporting_tools]\nlabs = 2\n", -EINVAL, 2, 0,
     "labs must be true or false"},
    {&platform_schema, 0, "[platform]\npermissions = view_schemas, fly\n",
     -EINVAL, 2, 0,
     "permissions: unknown item 'fly' (allowed: view_schemas, "
     "manage_schemas, view_datasets, *"},
    {&platform_schema, 0, "[platform]\npermissions = View_Schemas\n", -EINVAL,
     2, 0, "permissions: unknown item 'View_Schemas' *"},
    {&platform_schema, 0, "[platform]\nsandboxes = prod, dev/x\n", -EINVAL, 2,
     0, "sandboxes: invalid name 'dev/x'"},
    {&conn_schema, 1, "[connection]\ndescription = a\001b\n", -EINVAL, 2, 16,
     "control character 0x01"},
    {&conn_schema, 1, "[connection]\ndescription = a\rb\r\n", -EINVAL, 2, 16,
     "control character 0x0d"},
    {&conn_schema, 1, "[connection]\ndescription = ab\177\n", -EINVAL, 2, 17,
     "control character 0x7f"},
    {&conn_schema, 1, "[connection]\n\033[31m = x\n", -EINVAL, 2, 1,
     "control character 0x1b"},
    {&conn_schema, 1, "[connection]\ndescription = first\n  more\n", -EINVAL, 3,
     0, "expected 'key = value' or '[section]'"},
    {&conn_schema, 1, "[connection\ndescription = x\n", -EINVAL, 1, 0,
     "expected 'key = value' or '[section]'"},
    {&conn_schema, 1, "[connection] junk\n", -EINVAL, 1, 0,
     "expected 'key = value' or '[section]'"},
    {&conn_schema, 1, "[connection]]\n", -EINVAL, 1, 0,
     "expected 'key = value' or '[section]'"},
    /* the first problem wins, whoever finds it */
    {&conn_schema, 1, "[connection]\nnoequals\nfoo = 1\n", -EINVAL, 2, 0,
     "expected 'key = value' or '[section]'"},
    {&conn_schema, 1, "[connection]\nfoo = 1\nnoequals\n", -EINVAL, 2, 0,
     "unknown key 'foo' in [connection]"},
    {&conn_schema, 1, "[connection]\nnoequals\n[bar]\n", -EINVAL, 2, 0,
     "expected 'key = value' or '[section]'"},
    {&conn_schema, 1, "[bar]\nnoequals\n", -EINVAL, 1, 0,
     "unknown section [bar]"},
    /* no old document: read-only keys are only type-checked */
    {&conn_schema, 0, "[connection]\nname = a/b\n", -EINVAL, 2, 0,
     "name: invalid name 'a/b'"},
};

START_TEST(test_rejected)
{
	const struct bad *t = &bads[_i];
	struct inidoc old, doc;
	struct diag d;
	size_t mlen = strlen(t->msg);
	int rc;

	if (t->with_old)
		conn_old(&old);
	memset(&doc, 0x5a, sizeof(doc));
	rc = inidoc_parse(t->schema, t->text, strlen(t->text),
			  t->with_old ? &old : NULL, &doc, &d);
	ck_assert_msg(rc == t->rc, "case %d: rc %d, line %d: %s", _i, rc,
		      d.line, d.msg);
	ck_assert_msg(d.line == t->line && d.column == t->column,
		      "case %d: line %d column %d, want %d %d (%s)", _i, d.line,
		      d.column, t->line, t->column, d.msg);
	if (t->msg[mlen - 1] == '*')
		ck_assert_msg(!strncmp(d.msg, t->msg, mlen - 1),
			      "case %d: msg '%s'", _i, d.msg);
	else
		ck_assert_str_eq(d.msg, t->msg);
	/* *out is left empty */
	ck_assert_ptr_null(doc.vals);
	ck_assert_ptr_null(doc.line);
	ck_assert_uint_eq(doc.nfields, 0);
	inidoc_release(&doc);
	if (t->with_old)
		inidoc_release(&old);
}
END_TEST

START_TEST(test_choice_list_truncated)
{
	static const char text[] = "[platform]\npermissions = "
				   "fly_fly_fly_fly_fly_fly_fly_fly_fly_fly_"
				   "fly_fly_fly_fly\n";
	struct inidoc doc;
	struct diag d;
	size_t n;

	ck_assert_int_eq(parse_str(&platform_schema, text, NULL, &doc, &d),
			 -EINVAL);
	n = strlen(d.msg);
	ck_assert_uint_lt(n, sizeof(d.msg) - 1);
	ck_assert_msg(!strncmp(d.msg,
			       "permissions: unknown item "
			       "'fly_fly_fly_fly_fly_fly_fly_fly_fly_fly_...' "
			       "(allowed: view_schemas, manage_schemas, ",
			       100),
		      "%s", d.msg);
	/* the whole list fits the message buffer now */
	ck_assert_str_eq(d.msg + n - 18, ", manage_journeys)");
}
END_TEST

START_TEST(test_long_name_in_list)
{
	char name[200], text[300];
	struct inidoc doc;
	struct diag d;

	memset(name, 'n', 129);
	name[129] = '\0';
	snprintf(text, sizeof(text), "[data_views]\nviews = ok,%s\n", name);
	ck_assert_int_eq(parse_str(&profile_schema, text, NULL, &doc, &d),
			 -EINVAL);
	ck_assert_int_eq(d.line, 2);
	ck_assert_str_eq(d.msg,
			 "views: invalid name "
			 "'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...'");
	name[128] = '\0';
	snprintf(text, sizeof(text), "[data_views]\nviews = ok,%s\n", name);
	ck_assert_int_eq(parse_str(&profile_schema, text, NULL, &doc, &d), 0);
	inidoc_release(&doc);
}
END_TEST

START_TEST(test_values_accepted)
{
	static const struct {
		const char *line, *key, *want;
	} cases[] = {
	    {"journey_optimizer = TRUE", "journey_optimizer", "true"},
	    {"journey_optimizer = Yes", "journey_optimizer", "true"},
	    {"journey_optimizer = on", "journey_optimizer", "true"},
	    {"journey_optimizer = 1", "journey_optimizer", "true"},
	    {"journey_optimizer = False", "journey_optimizer", "false"},
	    {"journey_optimizer = NO", "journey_optimizer", "false"},
	    {"journey_optimizer = Off", "journey_optimizer", "false"},
	    {"journey_optimizer = 0", "journey_optimizer", "false"},
	    {"data_window_months = 060", "data_window_months", "60"},
	    {"data_window_months = +1", "data_window_months", "1"},
	    {"data_window_months=\t13\t", "data_window_months", "13"},
	    {"link_by = account", "link_by", "account"},
	    {"sandbox =", "sandbox", ""},
	    {"sandbox = a..b", "sandbox", "a..b"},
	    {"description = tab\tinside", "description", "tab\tinside"},
	    {"description = caf\xc3\xa9", "description", "caf\xc3\xa9"},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char text[128];
		struct inidoc doc;
		struct diag d;
		int rc;

		snprintf(text, sizeof(text), "[connection]\n%s\n",
			 cases[i].line);
		rc = parse_str(&conn_schema, text, NULL, &doc, &d);
		ck_assert_msg(rc == 0, "%s: %s", cases[i].line, d.msg);
		ck_assert_str_eq(inidoc_get(&doc, "connection", cases[i].key),
				 cases[i].want);
		inidoc_release(&doc);
	}
}
END_TEST

START_TEST(test_empty_default_accepts_empty)
{
	/* an enum without a default: a fresh document still round-trips */
	struct inidoc doc;
	struct diag d;

	ck_assert_int_eq(
	    parse_str(&misc_schema, "[b]\nkind =\n", NULL, &doc, &d), 0);
	ck_assert_str_eq(inidoc_get(&doc, "b", "kind"), "");
	ck_assert_int_eq(inidoc_line(&doc, "b", "kind"), 2);
	inidoc_release(&doc);
	ck_assert_int_eq(
	    parse_str(&misc_schema, "[b]\nkind = y\n", NULL, &doc, &d), 0);
	ck_assert_str_eq(inidoc_get(&doc, "b", "kind"), "y");
	inidoc_release(&doc);
}
END_TEST

START_TEST(test_inih_options_guarded)
{
	/* if another module changes inih's globals, values are not cut
	 * silently: the parse fails */
	struct inidoc doc;
	struct diag d;
	char *text = long_doc(300, "");

	inidoc_setup();
	ini_allow_inline_comments = true;
	ck_assert_int_eq(parse_str(&conn_schema,
				   "[connection]\ndescription = a ;b\n", NULL,
				   &doc, &d),
			 -EIO);
	ck_assert_int_eq(d.line, 2);
	ini_allow_inline_comments = false;
	ini_max_line = 200;
	ck_assert_int_eq(parse_str(&conn_schema, text, NULL, &doc, &d), -EIO);
	ini_max_line = INIDOC_MAX_SIZE + 3;
	ck_assert_int_eq(parse_str(&conn_schema, text, NULL, &doc, &d), 0);
	inidoc_release(&doc);
	free(text);
}
END_TEST

/* ---- one line at a time (write-time judgement) ---- */

/* Judge text line by line as a write would (complete lines only): 0, or
 * the first fault with *d. */
static int check_lines(const struct inidoc_schema *schema, const char *text,
		       size_t len, struct diag *d)
{
	struct inidoc_line_state st;
	struct buf val = BUF_INIT;
	const char *p = text, *end = text + len, *nl;
	long field;
	int rc = 0;

	inidoc_line_state_init(&st);
	while (!rc && (nl = memchr(p, '\n', (size_t)(end - p)))) {
		memset(d, 0, sizeof(*d));
		rc = inidoc_check_line(schema, &st, p, (size_t)(nl - p), &field,
				       &val, d);
		p = nl + 1;
	}
	buf_release(&val);
	return rc;
}

/* A line judged alone is never refused when the whole file is taken:
 * every golden input passes. */
START_TEST(test_lines_golden_pass)
{
	const struct golden *g = &goldens[_i];
	struct buf in = BUF_INIT;
	struct diag d;

	read_data(g->name, "in", &in);
	ck_assert_msg(check_lines(g->schema, in.data, in.len, &d) == 0,
		      "%s: line %d: %s", g->name, d.line, d.msg);
	buf_release(&in);
}
END_TEST

/* What a line alone refuses, the whole parse refuses on the same line
 * (the converse need not hold: a missing key is the whole file's). */
START_TEST(test_lines_agree_with_parse)
{
	const struct bad *t = &bads[_i];
	struct diag d;
	int rc;

	rc = check_lines(t->schema, t->text, strlen(t->text), &d);
	if (!rc)
		return;
	ck_assert_msg(rc == t->rc && d.line == t->line,
		      "case %d: line check rc %d line %d (%s), parse rc %d "
		      "line %d", _i, rc, d.line, d.msg, t->rc, t->line);
}
END_TEST

static const struct line_case {
	const char *text;
	int rc, line;
	const char *msg;
} line_cases[] = {
    {"[connection]\ndescription = x\n", 0, 0, NULL},
    {"; c\n# c\n\n[connection]\n", 0, 0, NULL},
    {"[bogus]\n", -EINVAL, 1, "unknown section [bogus]"},
    {"bogus = 1\n", -EINVAL, 1, "key outside any section: 'bogus'"},
    {"[connection]\nbogus = 1\n", -EINVAL, 2,
     "unknown key 'bogus' in [connection]"},
    {"[connection]\ndata_window_months = 61\n", -EINVAL, 2,
     "data_window_months must be 1-60"},
    {"[connection]\njourney_optimizer = maybe\n", -EINVAL, 2, "*"},
    {"[connection]\nsandbox: prod\n", -EINVAL, 2,
     "expected 'key = value' or '[section]'"},
    {"[connection]\nnoequals\n", -EINVAL, 2,
     "expected 'key = value' or '[section]'"},
    {"[connection]\nlink_by = person\nlink_by = account\n", -EINVAL, 3,
     "duplicate key 'link_by'"},
    {"[connection]\n[connection]\n", -EINVAL, 2,
     "duplicate section [connection]"},
    /* read-only keys are not judged: a different value is ignored */
    {"[connection]\nowner = someone\ncreated = then\n", 0, 0, NULL},
    {"[connection]\nname = a/b\n", 0, 0, NULL},
    /* a line without its newline is not judged yet */
    {"[connection]\nbogus = 1", 0, 0, NULL},
};

START_TEST(test_line_cases)
{
	const struct line_case *t = &line_cases[_i];
	struct diag d;
	int rc = check_lines(&conn_schema, t->text, strlen(t->text), &d);

	ck_assert_msg(rc == t->rc, "case %d: rc %d (%s)", _i, rc, d.msg);
	if (rc) {
		ck_assert_int_eq(d.line, t->line);
		if (strcmp(t->msg, "*"))
			ck_assert_str_eq(d.msg, t->msg);
	}
}
END_TEST

START_TEST(test_line_value)
{
	struct inidoc_line_state st;
	struct buf val = BUF_INIT;
	struct diag d;
	long field;

	inidoc_line_state_init(&st);
	ck_assert_int_eq(inidoc_check_line(&conn_schema, &st, "[connection]",
					   12, &field, &val, &d),
			 0);
	ck_assert_int_eq(field, -1);
	ck_assert_int_eq(inidoc_check_line(&conn_schema, &st,
					   "  data_window_months =  +024 ", 29,
					   &field, &val, &d),
			 0);
	ck_assert_int_eq(field, 3);
	ck_assert_str_eq(val.data, "24");
	ck_assert_int_eq(st.line, 2);
	buf_release(&val);
}
END_TEST

static int no_x(const char *entry, size_t len, void *arg, struct diag *d)
{
	if (memchr(entry, 'x', len)) {
		diag_set(d, 0, 0, "no x");
		return -EINVAL;
	}
	return 0;
}

START_TEST(test_lines_entry)
{
	struct diag d;

	ck_assert_int_eq(inidoc_lines_check_line("  alice ", 8, 1, no_x, NULL,
						 &d),
			 0);
	ck_assert_int_eq(inidoc_lines_check_line("# x", 3, 2, no_x, NULL, &d),
			 0);
	ck_assert_int_eq(inidoc_lines_check_line("", 0, 3, no_x, NULL, &d),
			 0);
	ck_assert_int_eq(inidoc_lines_check_line("bad x", 5, 4, no_x, NULL,
						 &d),
			 -EINVAL);
	ck_assert_int_eq(d.line, 4);
	ck_assert_str_eq(d.msg, "no x");
	ck_assert_int_eq(inidoc_lines_check_line("a\x01b", 3, 5, NULL, NULL,
						 &d),
			 -EINVAL);
	ck_assert_int_eq(d.line, 5);
}
END_TEST

/* ---- read-only keys ---- */

START_TEST(test_readonly)
{
	struct inidoc old, doc;
	struct diag d;

	conn_old(&old);
	/* omitted: kept from old */
	ck_assert_int_eq(
	    parse_str(&conn_schema, "[connection]\n", &old, &doc, &d), 0);
	ck_assert_str_eq(inidoc_get(&doc, "connection", "name"), "sales");
	ck_assert_str_eq(inidoc_get(&doc, "connection", "owner"), "alice");
	ck_assert_str_eq(inidoc_get(&doc, "connection", "created"), created);
	ck_assert_int_eq(inidoc_line(&doc, "connection", "name"), 0);
	inidoc_release(&doc);
	/* same value: fine, and its line is known */
	ck_assert_int_eq(parse_str(&conn_schema,
				   "[connection]\n\nname =   sales\n"
				   "owner = alice\n",
				   &old, &doc, &d),
			 0);
	ck_assert_str_eq(inidoc_get(&doc, "connection", "name"), "sales");
	ck_assert_int_eq(inidoc_line(&doc, "connection", "name"), 3);
	ck_assert_int_eq(inidoc_line(&doc, "connection", "owner"), 4);
	inidoc_release(&doc);
	/* changed, even to what is not valid: ignored, the old value stays
	 * (a file copied from another store writes back cleanly) */
	ck_assert_int_eq(parse_str(&conn_schema,
				   "[connection]\ncreated = yesterday\n"
				   "name = a/b\nowner =\n",
				   &old, &doc, &d),
			 0);
	ck_assert_str_eq(inidoc_get(&doc, "connection", "created"), created);
	ck_assert_str_eq(inidoc_get(&doc, "connection", "name"), "sales");
	ck_assert_str_eq(inidoc_get(&doc, "connection", "owner"), "alice");
	inidoc_release(&doc);
	/* no old document (stored text being loaded): read-only keys are
	 * taken as given, and left out they take their default */
	ck_assert_int_eq(parse_str(&conn_schema,
				   "[connection]\nname = sales\nowner = bob\n",
				   NULL, &doc, &d),
			 0);
	ck_assert_str_eq(inidoc_get(&doc, "connection", "name"), "sales");
	ck_assert_str_eq(inidoc_get(&doc, "connection", "owner"), "bob");
	ck_assert_str_eq(inidoc_get(&doc, "connection", "created"), "");
	inidoc_release(&doc);
	inidoc_release(&old);
}
END_TEST

START_TEST(test_readonly_int_canonical)
{
	/* a read-only value is compared in canonical form */
	static const struct inidoc_field f[] = {
	    {"s", "n", INIDOC_INT, "7", 0, 100, NULL, INIDOC_RO},
	    {"s", "l", INIDOC_LIST, NULL, 0, 0, NULL, INIDOC_RO | INIDOC_SET},
	    {NULL},
	};
	static const struct inidoc_schema s = {"ro.ini", f};
	struct inidoc old, doc;
	struct diag d;

	ck_assert_int_eq(inidoc_defaults(&s, &old), 0);
	ck_assert_int_eq(parse_str(&s, "[s]\nn = +007\n", &old, &doc, &d), 0);
	ck_assert_int_eq(inidoc_int(&doc, "s", "n"), 7);
	inidoc_release(&doc);
	ck_assert_int_eq(parse_str(&s, "[s]\nn = 8\n", &old, &doc, &d), 0);
	ck_assert_int_eq(inidoc_int(&doc, "s", "n"), 7);
	inidoc_release(&doc);
	/* a list of only separators is the empty list */
	ck_assert_int_eq(parse_str(&s, "[s]\nl = , ,,\n", &old, &doc, &d), 0);
	ck_assert_str_eq(inidoc_get(&doc, "s", "l"), "");
	inidoc_release(&doc);
	ck_assert_int_eq(inidoc_set(&old, "s", "l", "a, b"), 0);
	ck_assert_int_eq(parse_str(&s, "[s]\nl = b,a,b\n", &old, &doc, &d), 0);
	inidoc_release(&doc);
	ck_assert_int_eq(parse_str(&s, "[s]\nl = , ,,\n", &old, &doc, &d), 0);
	ck_assert_str_eq(inidoc_get(&doc, "s", "l"), "a, b");
	inidoc_release(&doc);
	inidoc_release(&old);
}
END_TEST

/* ---- size and binary data ---- */

START_TEST(test_too_big)
{
	char *text = malloc(INIDOC_MAX_SIZE + 1);
	struct inidoc doc;
	struct diag d;

	ck_assert_ptr_nonnull(text);
	memset(text, '#', INIDOC_MAX_SIZE + 1);
	ck_assert_int_eq(inidoc_parse(&conn_schema, text, INIDOC_MAX_SIZE + 1,
				      NULL, &doc, &d),
			 -EFBIG);
	ck_assert_int_eq(d.line, 0);
	ck_assert_str_eq(d.msg,
			 "file too large (1048577 bytes, limit 1048576)");
	ck_assert_ptr_null(doc.vals);
	/* exactly the limit is fine (all one comment line) */
	ck_assert_int_eq(
	    inidoc_parse(&conn_schema, text, INIDOC_MAX_SIZE, NULL, &doc, &d),
	    0);
	inidoc_release(&doc);
	free(text);
}
END_TEST

START_TEST(test_nul_byte)
{
	static const char text[] = "[connection]\n; comment\0\n";
	struct inidoc doc;
	struct diag d;

	ck_assert_int_eq(
	    inidoc_parse(&conn_schema, text, sizeof(text) - 1, NULL, &doc, &d),
	    -EINVAL);
	ck_assert_int_eq(d.line, 2);
	ck_assert_int_eq(d.column, 10);
	ck_assert_str_eq(d.msg, "binary data (NUL byte) at offset 22");
}
END_TEST

/* ---- names ---- */

static const struct {
	const char *name;
	int len; /* -1: strlen */
	int valid;
} names[] = {
    {"sales", -1, 1},
    {"Sales_2024-v1.2", -1, 1},
    {"a", -1, 1},
    {"a..b", -1, 1},
    {"-x", -1, 1},
    {"_x", -1, 1},
    {"", -1, 0},
    {".", -1, 0},
    {"..", -1, 0},
    {".hidden", -1, 0},
    {"a/b", -1, 0},
    {"/", -1, 0},
    {"a b", -1, 0},
    {"a\tb", -1, 0},
    {"caf\xc3\xa9", -1, 0},
    {"a:b", -1, 0},
    {"ab\0c", 4, 0},
    {NULL, 128, 1},
    {NULL, 129, 0},
};

START_TEST(test_valid_name)
{
	char longname[130];
	const char *s = names[_i].name;
	size_t len;

	if (!s) {
		memset(longname, 'n', sizeof(longname));
		s = longname;
	}
	len = names[_i].len < 0 ? strlen(s) : (size_t)names[_i].len;
	ck_assert_msg(inidoc_valid_name(s, len) == names[_i].valid,
		      "name %d (%.*s)", _i, (int)len, s);
}
END_TEST

/* ---- accessors and lists ---- */

static int collect(const char *item, size_t len, void *arg)
{
	struct buf *b = arg;

	ck_assert_int_eq(buf_printf(b, "<%.*s>", (int)len, item), 0);
	return 0;
}

static int stop_at_b(const char *item, size_t len, void *arg)
{
	(*(int *)arg)++;
	return len == 1 && item[0] == 'b' ? 42 : 0;
}

START_TEST(test_accessors)
{
	struct inidoc doc;
	struct diag d;

	ck_assert_int_eq(parse_str(&conn_schema,
				   "[connection]\ndata_window_months = 24\n"
				   "journey_optimizer = yes\n",
				   NULL, &doc, &d),
			 0);
	ck_assert_int_eq(inidoc_int(&doc, "connection", "data_window_months"),
			 24);
	ck_assert_int_eq(inidoc_bool(&doc, "connection", "journey_optimizer"),
			 1);
	ck_assert_int_eq(inidoc_line(&doc, "connection", "journey_optimizer"),
			 3);
	ck_assert_int_eq(inidoc_line(&doc, "connection", "link_by"), 0);
	ck_assert_ptr_null(inidoc_get(&doc, "connection", "nope"));
	ck_assert_ptr_null(inidoc_get(&doc, "other", "name"));
	ck_assert_int_eq(inidoc_bool(&doc, "connection", "nope"), 0);
	ck_assert_int_eq(inidoc_int(&doc, "connection", "nope"), 0);
	ck_assert_int_eq(inidoc_line(&doc, "connection", "nope"), 0);
	ck_assert_int_eq(inidoc_set(&doc, "connection", "owner", "bob"), 0);
	ck_assert_str_eq(inidoc_get(&doc, "connection", "owner"), "bob");
	ck_assert_int_eq(inidoc_set(&doc, "connection", "nope", "x"), -ENOENT);
	ck_assert_int_eq(inidoc_set(&doc, "connection", "data_window_months",
				    "-9223372036854775808"),
			 0);
	ck_assert_int_eq(inidoc_int(&doc, "connection", "data_window_months"),
			 LONG_MIN);
	ck_assert_int_eq(inidoc_set(&doc, "connection", "data_window_months",
				    "9223372036854775808"),
			 0);
	ck_assert_int_eq(inidoc_int(&doc, "connection", "data_window_months"),
			 0);
	ck_assert_int_eq(
	    inidoc_set(&doc, "connection", "journey_optimizer", "false"), 0);
	ck_assert_int_eq(inidoc_bool(&doc, "connection", "journey_optimizer"),
			 0);
	ck_assert_int_eq(inidoc_line(&doc, "connection", "journey_optimizer"),
			 0);
	inidoc_release(&doc);
	ck_assert_ptr_null(doc.vals);
	inidoc_release(&doc); /* twice is harmless */
}
END_TEST

START_TEST(test_list_helpers)
{
	struct buf b = BUF_INIT;
	int calls = 0;

	ck_assert_int_eq(inidoc_list_each("a, b, c", collect, &b), 0);
	ck_assert_str_eq(b.data, "<a><b><c>");
	buf_reset(&b);
	ck_assert_int_eq(inidoc_list_each(" a ,, b,", collect, &b), 0);
	ck_assert_str_eq(b.data, "<a><b>");
	buf_reset(&b);
	ck_assert_int_eq(inidoc_list_each("", collect, &b), 0);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(inidoc_list_each("a, b, c", stop_at_b, &calls), 42);
	ck_assert_int_eq(calls, 2);
	ck_assert_int_eq(inidoc_list_has("a, bb, c", "bb"), 1);
	ck_assert_int_eq(inidoc_list_has("a, bb, c", "b"), 0);
	ck_assert_int_eq(inidoc_list_has("a, bb, c", "a, bb"), 0);
	ck_assert_int_eq(inidoc_list_has("", ""), 0);
	ck_assert_int_eq(inidoc_list_has("view_schemas", "view_schemas"), 1);
	buf_release(&b);
}
END_TEST

START_TEST(test_render_appends)
{
	struct inidoc doc;
	struct buf b = BUF_INIT;

	ck_assert_int_eq(inidoc_defaults(&platform_schema, &doc), 0);
	ck_assert_int_eq(buf_addstr(&b, "X\n"), 0);
	ck_assert_int_eq(inidoc_render(&doc, &b), 0);
	ck_assert_str_eq(b.data,
			 "X\n[platform]\nsandboxes = \npermissions = \n");
	inidoc_release(&doc);
	buf_release(&b);
}
END_TEST

/* ---- line-lists ---- */

static int check_login(const char *entry, size_t len, void *arg, struct diag *d)
{
	if (len > 6 && !memcmp(entry, "group:", 6) &&
	    inidoc_valid_name(entry + 6, len - 6))
		return 0;
	if (inidoc_valid_name(entry, len))
		return 0;
	diag_set(d, 0, 0, "invalid login '%.*s'", (int)len, entry);
	return -EINVAL;
}

START_TEST(test_lines_canonical)
{
	static const char text[] = "\xef\xbb\xbf"
				   "bob\n"
				   "# a comment\n"
				   "\n"
				   "  alice  \r\n"
				   "group:sales\n"
				   "\t\n"
				   "bob\n"
				   "   # indented comment\n"
				   "Carol";
	struct buf b = BUF_INIT, b2 = BUF_INIT;
	struct diag d;

	ck_assert_int_eq(
	    inidoc_lines_parse(text, strlen(text), check_login, NULL, &b, &d),
	    0);
	ck_assert_str_eq(b.data, "Carol\nalice\nbob\ngroup:sales\n");
	/* canonical in, same out */
	ck_assert_int_eq(
	    inidoc_lines_parse(b.data, b.len, check_login, NULL, &b2, &d), 0);
	ck_assert_str_eq(b2.data, b.data);
	ck_assert_int_eq(inidoc_lines_has(b.data, "alice"), 1);
	ck_assert_int_eq(inidoc_lines_has(b.data, "group:sales"), 1);
	ck_assert_int_eq(inidoc_lines_has(b.data, "ali"), 0);
	ck_assert_int_eq(inidoc_lines_has(b.data, "sales"), 0);
	buf_reset(&b2);
	ck_assert_int_eq(inidoc_lines_each(b.data, collect, &b2), 0);
	ck_assert_str_eq(b2.data, "<Carol><alice><bob><group:sales>");
	buf_release(&b);
	buf_release(&b2);
}
END_TEST

START_TEST(test_lines_empty)
{
	struct buf b = BUF_INIT;
	struct diag d;

	ck_assert_int_eq(inidoc_lines_parse("", 0, check_login, NULL, &b, &d),
			 0);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(
	    inidoc_lines_parse("# nobody\n\n", 10, NULL, NULL, &b, &d), 0);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(inidoc_lines_has("", "x"), 0);
	buf_release(&b);
}
END_TEST

START_TEST(test_lines_errors)
{
	static const char bad[] = "alice\n# c\n\nbob\nnot a login\ncarol\n";
	static const char ctl[] = "alice\nb\033ob\n";
	static const char nul[] = "alice\nb\0ob\n";
	struct buf b = BUF_INIT;
	struct diag d;
	char *big;

	ck_assert_int_eq(buf_addstr(&b, "keep"), 0);
	ck_assert_int_eq(
	    inidoc_lines_parse(bad, strlen(bad), check_login, NULL, &b, &d),
	    -EINVAL);
	ck_assert_int_eq(d.line, 5);
	ck_assert_str_eq(d.msg, "invalid login 'not a login'");
	ck_assert_str_eq(b.data, "keep"); /* unchanged on failure */
	ck_assert_int_eq(
	    inidoc_lines_parse(ctl, strlen(ctl), NULL, NULL, &b, &d), -EINVAL);
	ck_assert_int_eq(d.line, 2);
	ck_assert_str_eq(d.msg, "control character 0x1b");
	ck_assert_int_eq(
	    inidoc_lines_parse(nul, sizeof(nul) - 1, NULL, NULL, &b, &d),
	    -EINVAL);
	ck_assert_int_eq(d.line, 2);
	ck_assert_str_eq(d.msg, "binary data (NUL byte) at offset 7");
	big = malloc(INIDOC_MAX_SIZE + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, '\n', INIDOC_MAX_SIZE + 1);
	ck_assert_int_eq(
	    inidoc_lines_parse(big, INIDOC_MAX_SIZE + 1, NULL, NULL, &b, &d),
	    -EFBIG);
	ck_assert_int_eq(
	    inidoc_lines_parse(big, INIDOC_MAX_SIZE, NULL, NULL, &b, &d), 0);
	ck_assert_str_eq(b.data, "keep");
	free(big);
	buf_release(&b);
}
END_TEST

/* ---- threads ---- */

struct thread_arg {
	const char *in, *want;
	size_t len;
	int bad;
};

static void *parse_many(void *p)
{
	struct thread_arg *a = p;
	int i;

	for (i = 0; i < 25; i++) {
		struct inidoc doc;
		struct diag d;
		struct buf b = BUF_INIT;

		if (inidoc_parse(&profile_schema, a->in, a->len, NULL, &doc,
				 &d) ||
		    inidoc_render(&doc, &b) || strcmp(b.data, a->want))
			a->bad++;
		inidoc_release(&doc);
		buf_release(&b);
	}
	return NULL;
}

START_TEST(test_threads)
{
	struct buf in = BUF_INIT, want = BUF_INIT;
	struct thread_arg args[8];
	pthread_t tids[8];
	int i;

	read_data("profile-views", "in", &in);
	read_data("profile-views", "out", &want);
	for (i = 0; i < 8; i++) {
		args[i] = (struct thread_arg){in.data, want.data, in.len, 0};
		ck_assert_int_eq(
		    pthread_create(&tids[i], NULL, parse_many, &args[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(tids[i], NULL);
		ck_assert_int_eq(args[i].bad, 0);
	}
	buf_release(&in);
	buf_release(&want);
}
END_TEST

/* ---- suite ---- */

static Suite *inidoc_suite(void)
{
	Suite *s = suite_create("inidoc");
	TCase *tc;

	tc = tcase_create("golden");
	tcase_add_loop_test(tc, test_golden, 0, ARRAY_SIZE(goldens));
	suite_add_tcase(s, tc);

	tc = tcase_create("roundtrip");
	tcase_add_loop_test(tc, test_roundtrip_defaults, 0,
			    ARRAY_SIZE(all_schemas));
	tcase_add_test(tc, test_roundtrip_twice);
	tcase_add_test(tc, test_render_appends);
	suite_add_tcase(s, tc);

	tc = tcase_create("comments");
	tcase_add_test(tc, test_comments_dropped);
	tcase_add_test(tc, test_value_keeps_comment_chars);
	tcase_add_test(tc, test_colon_separator);
	suite_add_tcase(s, tc);

	tc = tcase_create("lines");
	tcase_add_test(tc, test_long_lines);
	tcase_add_test(tc, test_line_numbers_after_long_line);
	tcase_add_test(tc, test_max_size_line);
	tcase_add_test(tc, test_indented_is_not_continuation);
	tcase_add_test(tc, test_many_views);
	tcase_add_test(tc, test_inih_options_guarded);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_test(tc, test_values_accepted);
	tcase_add_test(tc, test_empty_default_accepts_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("rejected");
	tcase_add_loop_test(tc, test_rejected, 0, ARRAY_SIZE(bads));
	tcase_add_test(tc, test_choice_list_truncated);
	tcase_add_test(tc, test_long_name_in_list);
	suite_add_tcase(s, tc);

	tc = tcase_create("line-check");
	tcase_add_loop_test(tc, test_lines_golden_pass, 0, ARRAY_SIZE(goldens));
	tcase_add_loop_test(tc, test_lines_agree_with_parse, 0,
			    ARRAY_SIZE(bads));
	tcase_add_loop_test(tc, test_line_cases, 0, ARRAY_SIZE(line_cases));
	tcase_add_test(tc, test_line_value);
	tcase_add_test(tc, test_lines_entry);
	suite_add_tcase(s, tc);

	tc = tcase_create("readonly");
	tcase_add_test(tc, test_readonly);
	tcase_add_test(tc, test_readonly_int_canonical);
	suite_add_tcase(s, tc);

	tc = tcase_create("binary");
	tcase_add_test(tc, test_too_big);
	tcase_add_test(tc, test_nul_byte);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_loop_test(tc, test_valid_name, 0, ARRAY_SIZE(names));
	suite_add_tcase(s, tc);

	tc = tcase_create("accessors");
	tcase_add_test(tc, test_accessors);
	tcase_add_test(tc, test_list_helpers);
	suite_add_tcase(s, tc);

	tc = tcase_create("linelist");
	tcase_add_test(tc, test_lines_canonical);
	tcase_add_test(tc, test_lines_empty);
	tcase_add_test(tc, test_lines_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_add_test(tc, test_threads);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(inidoc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
