/*
 * config.h - the daemon's configuration file (SPEC §1), parsed with inih.
 *
 *   [store]  path = FILE          relative to the config file's directory
 *   [users]  UNIXUSER = LOGIN     UNIXUSER: a user name or a numeric uid
 *   [groups] UNIXGROUP = GROUP    UNIXGROUP: a group name or a numeric gid
 *   [admin]  system_admins = LOGIN, LOGIN...
 *   [limits] rows = N             0 = no allotment
 *            ini_max_bytes = N    cap on one settings file, as written and
 *                                 as stored (default 1 MiB)
 *            audit_bytes = N      most bytes of audit log the store holds,
 *                                 live log and archive (default 64 MiB;
 *                                 0 = no bound)
 *            reports = N          computations producing output at once
 *                                 (default 4, 1-64)
 *            workspace_objects = N  most Workspace objects one login
 *                                 owns for a mkdir to make another
 *                                 (default 10,000; 0 = no bound)
 *   [workspace] anonymous_links = true|false  whether a project's link may
 *                                 be read without a mapped login
 *                                 (require_login = false; default false)
 *
 * Names are resolved to numbers at load time (getpwnam/getgrnam); an
 * unknown name is an error.  Values may be followed by an inline comment
 * starting with " ;" or "\t;".  Anything unexpected (unknown section or
 * key, a line inih cannot parse, an empty value, the same uid or gid mapped
 * twice, a bad number, a missing [store] path) is an error reported as
 * "FILE:LINE: message".
 *
 * The loaded config is immutable and may be shared by threads.
 */
#ifndef CJAFS_CONFIG_H
#define CJAFS_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define CONFIG_AUDIT_BYTES (64ULL * 1024 * 1024)
#define CONFIG_AUDIT_BYTES_MIN 4096
#define CONFIG_REPORTS 4
#define CONFIG_REPORTS_MAX 64
#define CONFIG_WORKSPACE_OBJECTS 10000
#define CONFIG_WORKSPACE_OBJECTS_MAX 1000000000

struct config_user {
	uid_t uid;
	char *login;
};

struct config_group {
	gid_t gid;
	char *group;	/* analytics user group name */
};

struct config {
	char *path;		/* the config file as given */
	char *store_path;	/* resolved: absolute or relative to cwd */
	struct config_user *users;	/* sorted by uid */
	size_t nusers;
	struct config_group *groups;	/* sorted by gid */
	size_t ngroups;
	char **system_admins;
	size_t nsystem_admins;
	uint64_t rows_limit;	/* 0 = none */
	size_t ini_max_bytes;	/* default INIDOC_MAX_SIZE */
	uint64_t audit_bytes;	/* default CONFIG_AUDIT_BYTES; 0 = none */
	unsigned reports;	/* computations producing output at once
				 * (default CONFIG_REPORTS) */
	unsigned long ws_objects; /* Workspace objects a login may own and
				   * still make one (default
				   * CONFIG_WORKSPACE_OBJECTS); 0 = none */
	int anonymous_links;	/* [workspace] anonymous_links (default 0):
				 * a project link with require_login = false
				 * is read by any caller, unmapped too */
};

/*
 * Load path into *cfg.  Returns 0, or -EINVAL with "FILE:LINE: message"
 * (LINE omitted when the problem is not on one line) in err, or -errno
 * when the file cannot be read (message in err too).  On failure *cfg is
 * released.
 */
int config_load(const char *path, struct config *cfg, struct buf *err);
void config_release(struct config *cfg);

/* The login mapped to uid, or NULL (borrowed from cfg). */
const char *config_login(const struct config *cfg, uid_t uid);
/* The analytics group mapped to gid, or NULL. */
const char *config_group(const struct config *cfg, gid_t gid);
/* 1 if login is listed in system_admins. */
int config_is_system_admin(const struct config *cfg, const char *login);
/* The first uid mapped to login (for /admin/users), or -1 as uid_t. */
uid_t config_uid_of(const struct config *cfg, const char *login);
/* 1 if some gid is mapped to the analytics group group. */
int config_has_group(const struct config *cfg, const char *group);

#endif
