/*
 * check_config.c - unit tests for model/config.c.
 *
 * Each test gets a fresh mkdtemp directory (checked fixture) and writes its
 * config files there; config paths are given as TMPDIR/NAME, so messages
 * read "TMPDIR/cjafs.ini:LINE: ...".  Error messages are compared whole,
 * from a table run with tcase_add_loop_test.  Name lookups use accounts
 * every Debian system has: user root (uid 0), groups root (gid 0) and
 * nogroup.
 *
 * The shipped etc/cjafs.ini is loaded relative to the current directory
 * (make check runs from the top of the tree); CHECK_CONFIG_ETC overrides.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "inidoc.h"

#ifndef CHECK_CONFIG_ETC
#define CHECK_CONFIG_ETC "etc/cjafs.ini"
#endif

/* snprintf into an array, which must be big enough */
#define FMT(arr, ...)                                                          \
	ck_assert_uint_lt((size_t)snprintf(arr, sizeof(arr), __VA_ARGS__),     \
			  sizeof(arr))

static char tmpdir[PATH_MAX];
static char realtmp[PATH_MAX]; /* tmpdir through realpath */
static char cfgpath[PATH_MAX]; /* tmpdir/cjafs.ini */

static void setup(void)
{
	const char *base = getenv("TMPDIR");

	FMT(tmpdir, "%s/check_config.XXXXXX", base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	ck_assert_ptr_nonnull(realpath(tmpdir, realtmp));
	FMT(cfgpath, "%s/cjafs.ini", tmpdir);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

static void teardown(void)
{
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write data[0..len) to tmpdir/name. */
static void write_bytes(const char *name, const char *data, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	FMT(path, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void write_cfg(const char *text)
{
	write_bytes("cjafs.ini", text, strlen(text));
}

static void make_dir(const char *name)
{
	char path[PATH_MAX];

	FMT(path, "%s/%s", tmpdir, name);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

/* Load path, which must succeed. */
static void load_path_ok(const char *path, struct config *cfg)
{
	struct buf err = BUF_INIT;
	int rc = config_load(path, cfg, &err);

	ck_assert_msg(rc == 0, "config_load: %d: %s", rc,
		      err.data ? err.data : "");
	ck_assert_uint_eq(err.len, 0);
	buf_release(&err);
}

static void load_ok(const char *text, struct config *cfg)
{
	write_cfg(text);
	load_path_ok(cfgpath, cfg);
}

/* Load tmpdir/cjafs.ini, which must fail with rc and the message
 * cfgpath + suffix. */
static void load_fails(int rc, const char *suffix)
{
	struct config cfg, zero;
	struct buf err = BUF_INIT;
	char want[PATH_MAX * 2];

	memset(&cfg, 0x5a, sizeof(cfg));
	memset(&zero, 0, sizeof(zero));
	FMT(want, "%s%s", cfgpath, suffix);
	ck_assert_int_eq(config_load(cfgpath, &cfg, &err), rc);
	ck_assert_ptr_nonnull(err.data);
	ck_assert_str_eq(err.data, want);
	ck_assert_msg(!memcmp(&cfg, &zero, sizeof(cfg)),
		      "config not zeroed on failure");
	buf_release(&err);
}

static void text_fails(const char *text, const char *suffix)
{
	write_cfg(text);
	load_fails(-EINVAL, suffix);
}

/* --- a full valid config ----------------------------------------------- */

START_TEST(test_full)
{
	struct config cfg;
	char want[PATH_MAX];
	struct group *ng = getgrnam("nogroup");

	ck_assert_ptr_nonnull(ng);
	load_ok("; the test config\n"
		"[store]\n"
		"path = store.tdb\n"
		"\n"
		"[users]\n"
		"2002 = bob@example.com\n"
		"root = root@example.com\n"
		"2001 = alice@example.com\n"
		"\n"
		"[groups]\n"
		"nogroup = Data Team\n"
		"root = Admins\n"
		"3001 = Analysts\n"
		"\n"
		"[admin]\n"
		"system_admins = alice@example.com, ,carol@example.com ,\n"
		"\n"
		"[limits]\n"
		"rows = 500\n"
		"ini_max_bytes = 4096\n",
		&cfg);

	ck_assert_str_eq(cfg.path, cfgpath);
	FMT(want, "%s/store.tdb", realtmp);
	ck_assert_str_eq(cfg.store_path, want);

	ck_assert_uint_eq(cfg.nusers, 3);
	ck_assert_uint_eq(cfg.users[0].uid, 0);
	ck_assert_str_eq(cfg.users[0].login, "root@example.com");
	ck_assert_uint_eq(cfg.users[1].uid, 2001);
	ck_assert_str_eq(cfg.users[1].login, "alice@example.com");
	ck_assert_uint_eq(cfg.users[2].uid, 2002);
	ck_assert_str_eq(cfg.users[2].login, "bob@example.com");

	ck_assert_uint_eq(cfg.ngroups, 3);
	ck_assert_uint_eq(cfg.groups[0].gid, 0);
	ck_assert_str_eq(cfg.groups[0].group, "Admins");
	ck_assert_uint_eq(cfg.groups[1].gid, 3001);
	ck_assert_str_eq(cfg.groups[1].group, "Analysts");
	ck_assert_uint_eq(cfg.groups[2].gid, ng->gr_gid);
	ck_assert_str_eq(cfg.groups[2].group, "Data Team");

	ck_assert_uint_eq(cfg.nsystem_admins, 2);
	ck_assert_str_eq(cfg.system_admins[0], "alice@example.com");
	ck_assert_str_eq(cfg.system_admins[1], "carol@example.com");

	ck_assert_uint_eq(cfg.rows_limit, 500);
	ck_assert_uint_eq(cfg.ini_max_bytes, 4096);
	config_release(&cfg);
}
END_TEST

/* A section may come back; long values are read whole (the inih options
 * are set: Debian's default build would cut this line at 198 bytes). */
START_TEST(test_repeated_section_long_value)
{
	struct config cfg;
	char text[8192], name[5001];

	memset(name, 'G', 5000);
	name[5000] = '\0';
	FMT(text,
	    "[users]\n2001 = a@example.com\n"
	    "[store]\npath = s.tdb\n"
	    "[groups]\n2001 = %s\n"
	    "[users]\n2002 = b@example.com\n",
	    name);
	load_ok(text, &cfg);
	ck_assert_uint_eq(cfg.nusers, 2);
	ck_assert_uint_eq(cfg.ngroups, 1);
	ck_assert_uint_eq(strlen(cfg.groups[0].group), 5000);
	config_release(&cfg);

	/* and line numbers after a long line stay right */
	FMT(text, "[store]\npath = s.tdb\n[groups]\n2001 = %s\nbogus\n", name);
	text_fails(text, ":5: malformed line");
}
END_TEST

START_TEST(test_ini_options)
{
	struct config cfg;

	load_ok("[store]\npath = s.tdb\n", &cfg);
	config_release(&cfg);
	/* the values inidoc_setup() uses */
	ck_assert(!ini_use_stack);
	ck_assert(ini_allow_realloc);
	ck_assert_int_eq(ini_max_line, INIDOC_MAX_SIZE + 3);
	ck_assert(!ini_allow_multiline);
	ck_assert(!ini_allow_inline_comments);
}
END_TEST

/* --- comments ---------------------------------------------------------- */

START_TEST(test_inline_comments)
{
	struct config cfg;
	char want[PATH_MAX];

	load_ok("# hash comment\n"
		"[store]   ; store section\n"
		"path = s.tdb ; the store\n"
		"[users]\t; users\n"
		"2001 = alice@example.com\t; tab before the comment\n"
		"  2002 = x;y@example.com   \n"
		"\t; indented comment line\n"
		"[groups]\n"
		"3001 = Data Team ; spaces inside, comment after\n"
		"[admin]\n"
		"system_admins = a@example.com, b@example.com ; two\n"
		"[limits]\n"
		"rows = 7 ; seven\n",
		&cfg);
	FMT(want, "%s/s.tdb", realtmp);
	ck_assert_str_eq(cfg.store_path, want);
	ck_assert_str_eq(config_login(&cfg, 2001), "alice@example.com");
	/* ';' not after whitespace is part of the value */
	ck_assert_str_eq(config_login(&cfg, 2002), "x;y@example.com");
	ck_assert_str_eq(config_group(&cfg, 3001), "Data Team");
	ck_assert_uint_eq(cfg.nsystem_admins, 2);
	ck_assert_str_eq(cfg.system_admins[1], "b@example.com");
	ck_assert_uint_eq(cfg.rows_limit, 7);
	config_release(&cfg);
}
END_TEST

START_TEST(test_crlf_bom)
{
	struct config cfg;

	load_ok("\xEF\xBB\xBF[store]\r\npath = s.tdb\r\n[users]\r\n"
		"2001 = alice@example.com ; c\r\n",
		&cfg);
	ck_assert_str_eq(config_login(&cfg, 2001), "alice@example.com");
	config_release(&cfg);
}
END_TEST

/* --- the store path ---------------------------------------------------- */

static void check_store(const char *cfg_name, const char *text,
			const char *want_rel)
{
	struct config cfg;
	char path[PATH_MAX], want[PATH_MAX];

	write_bytes(cfg_name, text, strlen(text));
	FMT(path, "%s/%s", tmpdir, cfg_name);
	load_path_ok(path, &cfg);
	FMT(want, "%s/%s", realtmp, want_rel);
	ck_assert_str_eq(cfg.store_path, want);
	config_release(&cfg);
}

START_TEST(test_store_relative)
{
	make_dir("conf");
	make_dir("data");
	make_dir("real");
	{
		char link[PATH_MAX];

		FMT(link, "%s/link", tmpdir);
		ck_assert_int_eq(symlink("real", link), 0);
	}
	check_store("conf/cjafs.ini", "[store]\npath = s.tdb\n", "conf/s.tdb");
	check_store("conf/cjafs.ini", "[store]\npath = ../data/s.tdb\n",
		    "data/s.tdb");
	check_store("conf/cjafs.ini", "[store]\npath = ./../data/./s.tdb\n",
		    "data/s.tdb");
	check_store("cjafs.ini", "[store]\npath = link/s.tdb\n", "real/s.tdb");
}
END_TEST

START_TEST(test_store_absolute)
{
	char text[PATH_MAX + 64];

	make_dir("abs");
	FMT(text, "[store]\npath = %s/abs/s.tdb\n", tmpdir);
	check_store("cjafs.ini", text, "abs/s.tdb");
}
END_TEST

/* A config named relative to the cwd still gives an absolute store path,
 * usable after the daemon's chdir("/"). */
START_TEST(test_store_cwd)
{
	struct config cfg;
	char want[PATH_MAX];
	int cwd = open(".", O_RDONLY | O_DIRECTORY);

	ck_assert_int_ge(cwd, 0);
	write_cfg("[store]\npath = s.tdb\n");
	make_dir("sub");
	write_bytes("sub/c.ini", "[store]\npath = s.tdb\n",
		    strlen("[store]\npath = s.tdb\n"));
	ck_assert_int_eq(chdir(tmpdir), 0);
	load_path_ok("cjafs.ini", &cfg);
	FMT(want, "%s/s.tdb", realtmp);
	ck_assert_str_eq(cfg.store_path, want);
	ck_assert_str_eq(cfg.path, "cjafs.ini");
	config_release(&cfg);
	load_path_ok("sub/c.ini", &cfg);
	FMT(want, "%s/sub/s.tdb", realtmp);
	ck_assert_str_eq(cfg.store_path, want);
	config_release(&cfg);
	ck_assert_int_eq(fchdir(cwd), 0);
	close(cwd);
}
END_TEST

/* --- errors, one table --------------------------------------------------- */

struct error_case {
	const char *text;
	const char *suffix; /* the message after the file name */
};

#define S "[store]\npath = s.tdb\n" /* lines 1-2 */

static const struct error_case error_cases[] = {
    /* sections and keys */
    {S "[foo]\n", ":3: unknown section [foo]"},
    {S "[foo]\nx = 1\n", ":3: unknown section [foo]"},
    {S "[Store]\n", ":3: unknown section [Store]"},
    {S "[]\n", ":3: unknown section []"},
    {S "[a\001b]\n", ":3: unknown section [a\\x01b]"},
    {S "size = 3\n", ":3: unknown key 'size' in [store]"},
    {"[limits]\nrow = 1\n" S, ":2: unknown key 'row' in [limits]"},
    {S "[admin]\nadmins = a@example.com\n",
     ":4: unknown key 'admins' in [admin]"},
    {"path = s.tdb\n" S, ":1: key before any section"},
    /* malformed lines */
    {S "junk\n", ":3: malformed line"},
    {"[store\npath = s.tdb\n", ":1: malformed line"},
    {"[store] x\npath = s.tdb\n", ":1: malformed line"},
    {"[store]]\npath = s.tdb\n", ":1: malformed line"},
    {"[store]\npath: s.tdb\n", ":2: malformed line"},
    {S "[users]\n= a@example.com\n", ":4: malformed line"},
    /* empty values */
    {"[store]\npath =\n", ":2: empty value for 'path'"},
    {"[store]\npath = ; none\n", ":2: empty value for 'path'"},
    {S "[users]\n2001 = ; nobody\n", ":4: empty value for '2001'"},
    {S "[groups]\nroot =   \n", ":4: empty value for 'root'"},
    {S "[limits]\nrows =\n", ":4: empty value for 'rows'"},
    {S "[admin]\nsystem_admins = , ,\n", ":4: empty value for 'system_admins'"},
    /* names and numbers */
    {S "[users]\nno_such_user_cjafs = a@example.com\n",
     ":4: unknown user 'no_such_user_cjafs'"},
    {S "[groups]\nno_such_group_cjafs = G\n",
     ":4: unknown group 'no_such_group_cjafs'"},
    {S "[users]\n-1 = a@example.com\n", ":4: unknown user '-1'"},
    {S "[users]\n4294967295 = a@example.com\n", ":4: bad uid '4294967295'"},
    {S "[users]\n99999999999999999999999 = a@example.com\n",
     ":4: bad uid '99999999999999999999999'"},
    {S "[groups]\n4294967296 = G\n", ":4: bad gid '4294967296'"},
    {S "[users]\n2001 = a b@example.com\n", ":4: bad login 'a b@example.com'"},
    {S "[users]\n2001 = a,b@example.com\n", ":4: bad login 'a,b@example.com'"},
    {S "[users]\n2001 = a\001b\n", ":4: bad login 'a\\x01b'"},
    {S "[groups]\n2001 = A,B\n", ":4: bad group name 'A,B'"},
    {S "[groups]\n2001 = A\tB\n", ":4: bad group name 'A\\x09B'"},
    {S "[groups]\n2001 = A\177B\n", ":4: bad group name 'A\\x7fB'"},
    {S "[admin]\nsystem_admins = a@example.com, b c\n",
     ":4: bad login 'b c' in system_admins"},
    {S "[limits]\nrows = -1\n", ":4: rows must be a non-negative integer"},
    {S "[limits]\nrows = abc\n", ":4: rows must be a non-negative integer"},
    {S "[limits]\nrows = 1.5\n", ":4: rows must be a non-negative integer"},
    {S "[limits]\nrows = +1\n", ":4: rows must be a non-negative integer"},
    {S "[limits]\nrows = 18446744073709551616\n", ":4: rows out of range"},
    {S "[limits]\nini_max_bytes = 0\n", ":4: ini_max_bytes must be 1-1048576"},
    {S "[limits]\nini_max_bytes = 1048577\n",
     ":4: ini_max_bytes must be 1-1048576"},
    {S "[limits]\nini_max_bytes = 1k\n", ":4: ini_max_bytes must be 1-1048576"},
    {S "[limits]\naudit_bytes = 4095\n",
     ":4: audit_bytes must be 0 or at least 4096"},
    {S "[limits]\naudit_bytes = 64M\n",
     ":4: audit_bytes must be 0 or at least 4096"},
    {S "[limits]\naudit_bytes = 99999999999999999999\n",
     ":4: audit_bytes out of range"},
    {S "[limits]\naudit_bytes = 0\naudit_bytes = 0\n",
     ":5: duplicate key 'audit_bytes' in [limits] (first on line 4)"},
    {S "[limits]\nreports = 0\n", ":4: reports must be 1-64"},
    {S "[limits]\nreports = 65\n", ":4: reports must be 1-64"},
    {S "[limits]\nreports = two\n", ":4: reports must be 1-64"},
    {S "[limits]\nreports = 1\nreports = 2\n",
     ":5: duplicate key 'reports' in [limits] (first on line 4)"},
    {S "[limits]\nworkspace_objects = -1\n",
     ":4: workspace_objects must be a non-negative integer"},
    {S "[limits]\nworkspace_objects = 10k\n",
     ":4: workspace_objects must be a non-negative integer"},
    {S "[limits]\nworkspace_objects = 1000000001\n",
     ":4: workspace_objects out of range (at most 1000000000)"},
    {S "[limits]\nworkspace_objects = 99999999999999999999\n",
     ":4: workspace_objects out of range (at most 1000000000)"},
    {S "[limits]\nworkspace_objects = 1\nworkspace_objects = 2\n",
     ":5: duplicate key 'workspace_objects' in [limits] (first on line 4)"},
    {S "[workspace]\nanonymous_links = yes\n",
     ":4: anonymous_links must be true or false"},
    {S "[workspace]\nanonymous_links = true\nanonymous_links = false\n",
     ":5: duplicate key 'anonymous_links' in [workspace] (first on line 4)"},
    {S "[workspace]\nlinks = true\n",
     ":4: unknown key 'links' in [workspace]"},
    /* the same uid or gid twice */
    {S "[users]\n2001 = a@example.com\n2002 = b@example.com\n"
       "2001 = c@example.com\n",
     ":6: uid 2001 mapped twice (first on line 4)"},
    {S "[users]\nroot = a@example.com\n0 = b@example.com\n",
     ":5: uid 0 mapped twice (first on line 4)"},
    {S "[users]\n0 = a@example.com\nroot = a@example.com\n",
     ":5: uid 0 mapped twice (first on line 4)"},
    {S "[users]\n2001 = a@example.com\n[groups]\n2001 = G\n"
       "[users]\n02001 = b@example.com\n",
     ":8: uid 2001 mapped twice (first on line 4)"},
    {S "[users]\n7 = a@example.com\n9 = b@example.com\n"
       "9 = c@example.com\n7 = d@example.com\n",
     ":6: uid 9 mapped twice (first on line 5)"},
    {S "[groups]\nroot = A\n0 = B\n",
     ":5: gid 0 mapped twice (first on line 4)"},
    /* the same key twice */
    {S "path = t.tdb\n",
     ":3: duplicate key 'path' in [store] (first on line 2)"},
    {S "[admin]\nsystem_admins = a@example.com\n[admin]\n"
       "system_admins = b@example.com\n",
     ":6: duplicate key 'system_admins' in [admin] (first on line 4)"},
    {S "[limits]\nrows = 1\nrows = 1\n",
     ":5: duplicate key 'rows' in [limits] (first on line 4)"},
    {S "[limits]\nini_max_bytes = 1\nini_max_bytes = 2\n",
     ":5: duplicate key 'ini_max_bytes' in [limits] (first on line 4)"},
    /* the store path */
    {"[users]\n2001 = a@example.com\n", ": missing [store] path"},
    {"", ": missing [store] path"},
    {"; only a comment\n[store]\n", ": missing [store] path"},
    {"[store]\npath = sub/\n", ":2: store path 'sub/' must name a file"},
    {"[store]\npath = ..\n", ":2: store path '..' must name a file"},
    {"[store]\npath = a\001b\n", ":2: store path contains a control character"},
    /* the first error by line wins */
    {S "junk\nfoo = 1\n", ":3: malformed line"},
    {"[store]\nfoo = 1\njunk\npath = s.tdb\n",
     ":2: unknown key 'foo' in [store]"},
    {S "[bar]\njunk\n", ":3: unknown section [bar]"},
    {S "[users]\n2001 = a@example.com\n2001 = b@example.com\njunk\n",
     ":5: uid 2001 mapped twice (first on line 4)"},
    {S "[users]\n2001 = a@example.com\n2001 = b@example.com\n"
       "nobody_cjafs = c@example.com\n",
     ":5: uid 2001 mapped twice (first on line 4)"},
    {S "[users]\n2001 = a@example.com\njunk\n2001 = b@example.com\n",
     ":5: malformed line"},
    {"[users]\n2001 = a b\n[store]\npath = s.tdb\npath = t.tdb\n",
     ":2: bad login 'a b'"},
};

#undef S

START_TEST(test_error_table)
{
	const struct error_case *c = &error_cases[_i];

	write_cfg(c->text);
	load_fails(-EINVAL, c->suffix);
}
END_TEST

START_TEST(test_store_dir_errors)
{
	char want[PATH_MAX * 2];

	write_cfg("[store]\npath = nope/s.tdb\n");
	FMT(want, ":2: store directory '%s/nope' does not exist", tmpdir);
	load_fails(-EINVAL, want);

	write_bytes("file", "", 0);
	write_cfg("[store]\npath = file/s.tdb\n");
	FMT(want, ":2: store directory '%s/file': Not a directory", tmpdir);
	load_fails(-EINVAL, want);

	make_dir("sub");
	write_cfg("[store]\npath = sub\n");
	FMT(want, ":2: store path '%s/sub' is a directory", realtmp);
	load_fails(-EINVAL, want);
}
END_TEST

START_TEST(test_nul_byte)
{
	static const char text[] = "[store]\npath = s.tdb\n[users]\n20\0"
				   "01 = a@example.com\n";

	write_bytes("cjafs.ini", text, sizeof(text) - 1);
	load_fails(-EINVAL, ":4: NUL byte in line");
}
END_TEST

START_TEST(test_line_length)
{
	const size_t max = INIDOC_MAX_SIZE;
	const char *head = "[store]\npath = s.tdb\n[groups]\n2001 = ";
	size_t hlen = strlen(head), vlen = max - strlen("2001 = ");
	char *text = malloc(hlen + vlen + 16);
	struct config cfg;

	ck_assert_ptr_nonnull(text);
	/* a line of exactly the maximum is read whole */
	memcpy(text, head, hlen);
	memset(text + hlen, 'G', vlen);
	strcpy(text + hlen + vlen, "\r\n[users]\n");
	load_ok(text, &cfg);
	ck_assert_uint_eq(strlen(config_group(&cfg, 2001)), vlen);
	config_release(&cfg);

	/* one more byte is too long */
	text[hlen + vlen] = 'G';
	strcpy(text + hlen + vlen + 1, "\n[users]\n");
	write_cfg(text);
	load_fails(-EINVAL, ":4: line too long (over 1048576 bytes)");
	free(text);
}
END_TEST

START_TEST(test_unreadable)
{
	char path[PATH_MAX], want[PATH_MAX + 64];
	struct config cfg;
	struct buf err = BUF_INIT;

	FMT(path, "%s/missing.ini", tmpdir);
	ck_assert_int_eq(config_load(path, &cfg, &err), -ENOENT);
	FMT(want, "%s: No such file or directory", path);
	ck_assert_str_eq(err.data, want);
	ck_assert_ptr_null(cfg.path);

	buf_reset(&err);
	ck_assert_int_eq(config_load(tmpdir, &cfg, &err), -EISDIR);
	FMT(want, "%s: Is a directory", tmpdir);
	ck_assert_str_eq(err.data, want);
	buf_release(&err);

	/* err may be NULL */
	ck_assert_int_eq(config_load(path, &cfg, NULL), -ENOENT);
}
END_TEST

/* --- lookups ------------------------------------------------------------- */

START_TEST(test_lookups)
{
	struct config cfg;

	load_ok("[store]\npath = s.tdb\n"
		"[users]\n"
		"root = root@example.com\n"
		"3005 = alice@example.com\n"
		"2001 = alice@example.com\n"
		"2002 = bob@example.com\n"
		"[groups]\n"
		"root = Admins\n"
		"2001 = Analysts\n"
		"[admin]\n"
		"system_admins = alice@example.com\n",
		&cfg);
	ck_assert_str_eq(config_login(&cfg, 0), "root@example.com");
	ck_assert_str_eq(config_login(&cfg, 2002), "bob@example.com");
	ck_assert_str_eq(config_login(&cfg, 3005), "alice@example.com");
	ck_assert_ptr_null(config_login(&cfg, 2000));
	ck_assert_ptr_null(config_login(&cfg, 4000));
	ck_assert_ptr_null(config_login(&cfg, (uid_t)-1));

	ck_assert_str_eq(config_group(&cfg, 0), "Admins");
	ck_assert_str_eq(config_group(&cfg, 2001), "Analysts");
	ck_assert_ptr_null(config_group(&cfg, 1));

	ck_assert_int_eq(config_is_system_admin(&cfg, "alice@example.com"), 1);
	ck_assert_int_eq(config_is_system_admin(&cfg, "bob@example.com"), 0);
	ck_assert_int_eq(config_is_system_admin(&cfg, "ALICE@example.com"), 0);
	ck_assert_int_eq(config_is_system_admin(&cfg, ""), 0);
	ck_assert_int_eq(config_is_system_admin(&cfg, NULL), 0);

	/* a login mapped from several uids: the lowest */
	ck_assert_uint_eq(config_uid_of(&cfg, "alice@example.com"), 2001);
	ck_assert_uint_eq(config_uid_of(&cfg, "root@example.com"), 0);
	ck_assert_uint_eq(config_uid_of(&cfg, "carol@example.com"), (uid_t)-1);
	ck_assert_uint_eq(config_uid_of(&cfg, NULL), (uid_t)-1);
	config_release(&cfg);
}
END_TEST

/* --- limits and defaults ------------------------------------------------- */

START_TEST(test_limits)
{
	struct config cfg;

	load_ok("[store]\npath = s.tdb\n[limits]\nrows = 0\n", &cfg);
	ck_assert_uint_eq(cfg.rows_limit, 0);
	config_release(&cfg);

	load_ok("[store]\npath = s.tdb\n[limits]\nrows = 18446744073709551615\n"
		"ini_max_bytes = 1\n",
		&cfg);
	ck_assert_uint_eq(cfg.rows_limit, UINT64_MAX);
	ck_assert_uint_eq(cfg.ini_max_bytes, 1);
	config_release(&cfg);

	load_ok("[store]\npath = s.tdb\n[limits]\nrows = 007\n"
		"ini_max_bytes = 1048576\n",
		&cfg);
	ck_assert_uint_eq(cfg.rows_limit, 7);
	ck_assert_uint_eq(cfg.ini_max_bytes, 1048576);
	ck_assert_uint_eq(cfg.audit_bytes, CONFIG_AUDIT_BYTES);
	config_release(&cfg);

	load_ok("[store]\npath = s.tdb\n[limits]\naudit_bytes = 0\n", &cfg);
	ck_assert_uint_eq(cfg.audit_bytes, 0);
	config_release(&cfg);

	load_ok("[store]\npath = s.tdb\n[limits]\naudit_bytes = 4096\n", &cfg);
	ck_assert_uint_eq(cfg.audit_bytes, 4096);
	ck_assert_uint_eq(cfg.reports, CONFIG_REPORTS);
	config_release(&cfg);

	load_ok("[store]\npath = s.tdb\n[limits]\nreports = 64\n", &cfg);
	ck_assert_uint_eq(cfg.reports, 64);
	ck_assert_uint_eq(cfg.ws_objects, CONFIG_WORKSPACE_OBJECTS);
	config_release(&cfg);

	load_ok("[store]\npath = s.tdb\n[limits]\nworkspace_objects = 0\n",
		&cfg);
	ck_assert_uint_eq(cfg.ws_objects, 0);
	config_release(&cfg);

	load_ok("[store]\npath = s.tdb\n[limits]\n"
		"workspace_objects = 1000000000\n",
		&cfg);
	ck_assert_uint_eq(cfg.ws_objects, 1000000000);
	ck_assert_int_eq(cfg.anonymous_links, 0);
	config_release(&cfg);

	load_ok("[store]\npath = s.tdb\n[workspace]\nanonymous_links = true\n",
		&cfg);
	ck_assert_int_eq(cfg.anonymous_links, 1);
	config_release(&cfg);
}
END_TEST

START_TEST(test_defaults)
{
	struct config cfg;

	load_ok("[store]\npath = s.tdb\n", &cfg);
	ck_assert_uint_eq(cfg.nusers, 0);
	ck_assert_ptr_null(cfg.users);
	ck_assert_uint_eq(cfg.ngroups, 0);
	ck_assert_ptr_null(cfg.groups);
	ck_assert_uint_eq(cfg.nsystem_admins, 0);
	ck_assert_ptr_null(cfg.system_admins);
	ck_assert_uint_eq(cfg.rows_limit, 0);
	ck_assert_uint_eq(cfg.ini_max_bytes, INIDOC_MAX_SIZE);
	ck_assert_ptr_null(config_login(&cfg, 0));
	ck_assert_ptr_null(config_group(&cfg, 0));
	ck_assert_int_eq(config_is_system_admin(&cfg, "a@example.com"), 0);
	ck_assert_uint_eq(config_uid_of(&cfg, "a@example.com"), (uid_t)-1);
	config_release(&cfg);
}
END_TEST

START_TEST(test_release)
{
	struct config cfg, zero;

	memset(&zero, 0, sizeof(zero));
	load_ok("[store]\npath = s.tdb\n[users]\n2001 = a@example.com\n"
		"[groups]\n2001 = G\n[admin]\nsystem_admins = a@example.com\n",
		&cfg);
	config_release(&cfg);
	ck_assert(!memcmp(&cfg, &zero, sizeof(cfg)));
	config_release(&cfg); /* twice is harmless */
	ck_assert(!memcmp(&cfg, &zero, sizeof(cfg)));
}
END_TEST

/* --- the shipped default config ------------------------------------------ */

START_TEST(test_etc_default)
{
	struct config cfg;
	const char *path = getenv("CHECK_CONFIG_ETC");
	const char *tail = "/cjafs.tdb";
	size_t n;

	load_path_ok(path ? path : CHECK_CONFIG_ETC, &cfg);
	n = strlen(cfg.store_path);
	ck_assert_str_eq(cfg.store_path + n - strlen(tail), tail);
	ck_assert_int_eq(cfg.store_path[0], '/');
	/* maps nothing dangerous: not root, not the first regular users */
	ck_assert_ptr_null(config_login(&cfg, 0));
	ck_assert_ptr_null(config_login(&cfg, 1000));
	ck_assert_ptr_null(config_group(&cfg, 0));
	ck_assert_uint_ge(cfg.nsystem_admins, 1);
	ck_assert_uint_eq(cfg.rows_limit, 0);
	ck_assert_uint_eq(cfg.ini_max_bytes, INIDOC_MAX_SIZE);
	config_release(&cfg);
}
END_TEST

static TCase *tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");

	tcase_add_test(tcase(s, "full"), test_full);
	tcase_add_test(tcase(s, "sections"), test_repeated_section_long_value);
	tcase_add_test(tcase(s, "ini_options"), test_ini_options);
	tcase_add_test(tcase(s, "inline_comments"), test_inline_comments);
	tcase_add_test(tcase(s, "crlf_bom"), test_crlf_bom);
	tcase_add_test(tcase(s, "store_relative"), test_store_relative);
	tcase_add_test(tcase(s, "store_absolute"), test_store_absolute);
	tcase_add_test(tcase(s, "store_cwd"), test_store_cwd);
	tcase_add_test(tcase(s, "store_dir_errors"), test_store_dir_errors);
	tcase_add_loop_test(tcase(s, "errors"), test_error_table, 0,
			    sizeof(error_cases) / sizeof(error_cases[0]));
	tcase_add_test(tcase(s, "nul_byte"), test_nul_byte);
	tcase_add_test(tcase(s, "line_length"), test_line_length);
	tcase_add_test(tcase(s, "unreadable"), test_unreadable);
	tcase_add_test(tcase(s, "lookups"), test_lookups);
	tcase_add_test(tcase(s, "limits"), test_limits);
	tcase_add_test(tcase(s, "defaults"), test_defaults);
	tcase_add_test(tcase(s, "release"), test_release);
	tcase_add_test(tcase(s, "etc_default"), test_etc_default);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
