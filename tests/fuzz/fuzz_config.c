/*
 * fuzz_config.c - config_load, through a file.
 *
 * config_load() reads a path, so each input is written to
 * DIR/cjafs.ini in a directory made once per process with mkdtemp (it
 * also holds a "data" directory, so relative store paths can resolve);
 * the API is left as it is.  The directory is removed at exit.
 *
 * Invariants (config.h):
 *   - a rejected file gives -EINVAL, a "FILE:..." message and a released
 *     (zeroed) config; the line in "FILE:LINE: message" is a line of the
 *     file;
 *   - an accepted one gives no message, an absolute store path, users and
 *     groups sorted by id with no id twice and valid names, non-empty
 *     system admins, ini_max_bytes in 1..INIDOC_MAX_SIZE,
 *     workspace_objects at most CONFIG_WORKSPACE_OBJECTS_MAX, and lookups
 *     that find what the arrays hold; config_release() zeroes it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "inidoc.h"

static char dir[PATH_MAX];
static char path[PATH_MAX];
static char data_dir[PATH_MAX];

static void cleanup(void)
{
	unlink(path);
	rmdir(data_dir);
	rmdir(dir);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/cjafs-fuzz-config.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/cjafs.ini", dir);
	snprintf(data_dir, sizeof(data_dir), "%s/data", dir);
	FUZZ_CHECK(mkdir(data_dir, 0700) == 0);
	atexit(cleanup);
}

static void write_file(const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t off = 0;
	ssize_t n;

	FUZZ_CHECK(fd >= 0);
	while (off < size) {
		n = write(fd, data + off, size - off);
		FUZZ_CHECK(n > 0);
		off += (size_t)n;
	}
	FUZZ_CHECK(close(fd) == 0);
}

static int valid_login(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f ||
		    isspace((unsigned char)*s) || *s == ',')
			return 0;
	return 1;
}

static void check_accepted(const struct config *cfg)
{
	size_t i;

	FUZZ_CHECK(cfg->path && !strcmp(cfg->path, path));
	FUZZ_CHECK(cfg->store_path && cfg->store_path[0] == '/');
	FUZZ_CHECK(cfg->ini_max_bytes >= 1 &&
		   cfg->ini_max_bytes <= INIDOC_MAX_SIZE);
	FUZZ_CHECK(cfg->ws_objects <= CONFIG_WORKSPACE_OBJECTS_MAX);
	FUZZ_CHECK(!cfg->nusers || cfg->users);
	for (i = 0; i < cfg->nusers; i++) {
		const struct config_user *u = &cfg->users[i];

		FUZZ_CHECK(u->uid != (uid_t)-1);
		FUZZ_CHECK(!i || cfg->users[i - 1].uid < u->uid);
		FUZZ_CHECK(valid_login(u->login));
		FUZZ_CHECK(config_login(cfg, u->uid) == u->login);
		FUZZ_CHECK(config_uid_of(cfg, u->login) <= u->uid);
	}
	FUZZ_CHECK(!cfg->ngroups || cfg->groups);
	for (i = 0; i < cfg->ngroups; i++) {
		const struct config_group *g = &cfg->groups[i];
		const char *s;

		FUZZ_CHECK(g->gid != (gid_t)-1);
		FUZZ_CHECK(!i || cfg->groups[i - 1].gid < g->gid);
		FUZZ_CHECK(g->group && g->group[0]);
		for (s = g->group; *s; s++)
			FUZZ_CHECK((unsigned char)*s >= 0x20 && *s != 0x7f &&
				   *s != ',');
		FUZZ_CHECK(config_group(cfg, g->gid) == g->group);
	}
	for (i = 0; i < cfg->nsystem_admins; i++) {
		FUZZ_CHECK(valid_login(cfg->system_admins[i]));
		FUZZ_CHECK(config_is_system_admin(cfg, cfg->system_admins[i]));
	}
	FUZZ_CHECK(!config_is_system_admin(cfg, NULL));
	FUZZ_CHECK(config_uid_of(cfg, NULL) == (uid_t)-1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct config cfg;
	struct buf err = BUF_INIT;
	size_t i, plen, lines = 1;
	const char *p;
	char *end;
	long line;
	int rc;

	if (!ready) {
		setup();
		ready = 1;
	}
	write_file(data, size);
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';

	rc = config_load(path, &cfg, &err);
	if (!rc) {
		FUZZ_CHECK(err.len == 0);
		check_accepted(&cfg);
		config_release(&cfg);
		FUZZ_CHECK(!cfg.path && !cfg.users && !cfg.nusers);
		return 0;
	}
	FUZZ_CHECK(rc == -EINVAL);
	FUZZ_CHECK(!cfg.path && !cfg.store_path && !cfg.users && !cfg.groups &&
		   !cfg.system_admins && !cfg.nusers);
	plen = strlen(path);
	FUZZ_CHECK(err.len > plen + 2);
	FUZZ_CHECK(!memcmp(err.data, path, plen) && err.data[plen] == ':');
	FUZZ_CHECK(strlen(err.data) == err.len);
	p = err.data + plen + 1;
	if (isdigit((unsigned char)*p)) {
		line = strtol(p, &end, 10);
		FUZZ_CHECK(*end == ':');
		FUZZ_CHECK(line >= 1 && (size_t)line <= lines);
	}
	buf_release(&err);
	return 0;
}
