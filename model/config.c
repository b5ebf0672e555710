/*
 * config.c - load the daemon's configuration file (see config.h, SPEC §1).
 *
 * Owns struct config and everything it points to.  A loaded config is
 * never changed, so threads may share it without a lock.
 *
 * Parsing.  inih does the splitting, under the same process-wide options
 * inidoc uses (heap line buffer that grows to 1 MiB + 3, no multi-line
 * values, no inline comments).  config_ini_setup() sets them once with
 * pthread_once; the values are the ones inidoc_setup() sets, so whichever
 * runs first, the two never disagree (config_load() runs at startup,
 * before any other thread parses).  We do not call inidoc_setup() so that
 * this module links without inidoc.c.
 *
 * inih does not give the handler a line number and is blind to some
 * mistakes, so the text goes through our own fgets-style reader
 * (ini_parse_stream), which counts lines and checks each one as it starts:
 *   - a NUL byte, or more than ini_max_line - 3 bytes (inih would cut the
 *     line and count its tail as a line of its own);
 *   - a section header: the name must be known and only whitespace or a
 *     ';' comment may follow the ']' (inih silently ignores the rest), so
 *     an unknown section is reported even when it has no keys;
 *   - a key line whose separator is ':' (inih accepts "key: value").
 * With the line buffer growing, inih may read one line in several chunks:
 * a line starts only after a chunk that ended with '\n'.
 *
 * Inline comments being off, the handler strips them itself: a value ends
 * before the first " ;" or "\t;", and a value that starts with ';' (inih
 * has already dropped the whitespace before it) is all comment.
 *
 * Errors.  The first error by line wins.  Our own errors (from the reader,
 * the handler and the duplicate check after parsing) keep the lowest line
 * and its message; inih returns the first line it rejected, either because
 * it could not parse it or because the handler said no.  A line inih
 * rejected that is lower than ours is a malformed line.  After the first
 * error the handler does no more work.
 *
 * Mappings are collected as (id, line, name) and sorted by (id, line), so
 * the same uid (or gid) given twice, by name or by number, shows up as
 * neighbours: the second occurrence is the error.  They are then moved
 * into the config's arrays, sorted by id, which the lookups bsearch.
 * config_uid_of() scans users in uid order, so for a login mapped from
 * several uids it gives the lowest.
 *
 * Choices where the brief is silent: a section may appear more than once
 * (its keys must still be unique); [admin] may be absent (no system
 * admins), but a system_admins value with no logins in it is an error;
 * ini_max_bytes is limited to INIDOC_MAX_SIZE, the size inidoc accepts at
 * most; names made only of digits are numbers (as chown does).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ini.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "inidoc.h"

/* User text quoted in messages is cut to this many bytes. */
#define CONFIG_QUOTE_MAX 64

/* A uid or gid of (id_t)-1 means "no change" to chown: never a real id. */
#define CONFIG_ID_MAX ((unsigned long long)(uid_t)-1 - 1)

struct config_map {
	unsigned long long id;
	int line;
	char *name;
};

struct config_maps {
	struct config_map *v;
	size_t n, cap;
};

struct config_parse {
	struct config *cfg;
	char *dir; /* the config file's directory */
	const char *text;
	size_t len, pos;
	int line;
	bool line_start;
	int err_line; /* lowest line with an error, 0 = none */
	struct buf msg;
	int nomem;
	struct config_maps users, groups;
	int path_line, admins_line, rows_line, max_bytes_line;
	int audit_bytes_line, reports_line, ws_objects_line;
	int anon_links_line;
};

static const char *const config_sections[] = {
    "store", "users", "groups", "admin", "limits", "workspace", NULL,
};

static pthread_once_t config_ini_once = PTHREAD_ONCE_INIT;

/* Keep in step with inidoc_setup(). */
static void config_ini_set(void)
{
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = INIDOC_MAX_SIZE + 3;
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
}

static void config_ini_setup(void)
{
	pthread_once(&config_ini_once, config_ini_set);
}

static int config_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n, rc;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return -EINVAL;
	rc = buf_grow(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

/* Record an error on line unless an earlier line already has one. */
static void config_error(struct config_parse *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void config_error(struct config_parse *p, int line, const char *fmt, ...)
{
	va_list ap;

	if (p->err_line && p->err_line <= line)
		return;
	p->err_line = line;
	buf_reset(&p->msg);
	va_start(ap, fmt);
	if (config_vprintf(&p->msg, fmt, ap))
		p->nomem = 1;
	va_end(ap);
}

/* s[0..n) made safe for a message: control bytes as \xNN, cut when long.
 * out must hold CONFIG_QUOTE_MAX * 4 + 4 bytes. */
static const char *config_quote(char *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	size_t i;

	for (i = 0; i < n && i < CONFIG_QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		} else {
			*o++ = (char)c;
		}
	}
	if (i < n) {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o = '\0';
	return out;
}

#define CONFIG_QBUF (CONFIG_QUOTE_MAX * 4 + 4)

static int config_is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static int config_valid_login(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (config_is_ctl(c) || isspace(c) || c == ',')
			return 0;
	}
	return 1;
}

static int config_valid_group(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (config_is_ctl((unsigned char)*s) || *s == ',')
			return 0;
	return 1;
}

/* A decimal number with nothing around it: 0, -EINVAL, or -ERANGE. */
static int config_number(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (ULLONG_MAX - (unsigned)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return 0;
}

static int config_all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/*
 * Resolve a user (is_user) or group name to its id: 0, -ENOENT when there
 * is no such name, -ENOMEM, or another -errno from NSS.
 */
static int config_lookup_name(const char *name, int is_user,
			      unsigned long long *id)
{
	long hint =
	    sysconf(is_user ? _SC_GETPW_R_SIZE_MAX : _SC_GETGR_R_SIZE_MAX);
	size_t size = hint > 0 ? (size_t)hint : 1024;
	char *scratch = NULL, *p;
	int rc;

	for (;;) {
		p = realloc(scratch, size);
		if (!p) {
			rc = -ENOMEM;
			break;
		}
		scratch = p;
		if (is_user) {
			struct passwd pw, *res = NULL;

			rc = getpwnam_r(name, &pw, scratch, size, &res);
			if (!rc && res)
				*id = res->pw_uid;
			else if (!rc)
				rc = ENOENT;
		} else {
			struct group gr, *res = NULL;

			rc = getgrnam_r(name, &gr, scratch, size, &res);
			if (!rc && res)
				*id = res->gr_gid;
			else if (!rc)
				rc = ENOENT;
		}
		if (rc != ERANGE || size >= 1024 * 1024) {
			/* the man page's "not found" codes */
			if (rc == ESRCH || rc == EBADF || rc == EPERM)
				rc = ENOENT;
			rc = -rc;
			break;
		}
		size *= 2;
	}
	free(scratch);
	return rc;
}

/* Check the line that starts at p->pos (see the note at the top). */
static void config_check_line(struct config_parse *p)
{
	const char *s = p->text + p->pos;
	const char *nl = memchr(s, '\n', p->len - p->pos);
	size_t n = nl ? (size_t)(nl - s) : p->len - p->pos;
	const char *end, *close, *eq, *colon;
	char q[CONFIG_QBUF];
	size_t i;

	if (memchr(s, '\0', n)) {
		config_error(p, p->line, "NUL byte in line");
		return;
	}
	if (n && s[n - 1] == '\r')
		n--;
	if (n > (size_t)ini_max_line - 3) {
		config_error(p, p->line, "line too long (over %zu bytes)",
			     (size_t)ini_max_line - 3);
		return;
	}
	end = s + n;
	if (p->line == 1 && n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	while (s < end && isspace((unsigned char)*s))
		s++;
	if (s == end || *s == ';' || *s == '#')
		return;
	if (*s == '[') {
		close = memchr(s, ']', (size_t)(end - s));
		if (!close)
			return; /* inih reports it */
		for (i = 0; config_sections[i]; i++)
			if (strlen(config_sections[i]) ==
				(size_t)(close - s - 1) &&
			    !memcmp(config_sections[i], s + 1,
				    (size_t)(close - s - 1)))
				break;
		if (!config_sections[i]) {
			config_error(
			    p, p->line, "unknown section [%s]",
			    config_quote(q, s + 1, (size_t)(close - s - 1)));
			return;
		}
		for (s = close + 1; s < end && isspace((unsigned char)*s); s++)
			;
		if (s < end && *s != ';')
			config_error(p, p->line, "malformed line");
		return;
	}
	eq = memchr(s, '=', (size_t)(end - s));
	colon = memchr(s, ':', (size_t)(end - s));
	/* inih takes "key: value" too, and calls the handler for "= x" */
	if ((colon && (!eq || colon < eq)) || eq == s)
		config_error(p, p->line, "malformed line");
}

/* fgets over p->text, counting lines. */
static char *config_reader(char *str, int num, void *stream)
{
	struct config_parse *p = stream;
	const char *s, *nl;
	size_t n;

	if (num < 2 || p->pos >= p->len)
		return NULL;
	if (p->line_start) {
		p->line++;
		config_check_line(p);
	}
	s = p->text + p->pos;
	nl = memchr(s, '\n', p->len - p->pos);
	n = nl ? (size_t)(nl - s) + 1 : p->len - p->pos;
	if (n > (size_t)num - 1)
		n = (size_t)num - 1;
	memcpy(str, s, n);
	str[n] = '\0';
	p->pos += n;
	p->line_start = str[n - 1] == '\n';
	return str;
}

/* Length of v without an inline comment and the whitespace before it. */
static size_t config_value_len(const char *v)
{
	size_t i, n = strlen(v);

	if (v[0] == ';')
		return 0;
	for (i = 1; i < n; i++)
		if (v[i] == ';' && (v[i - 1] == ' ' || v[i - 1] == '\t'))
			n = i;
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	return n;
}

static int config_maps_add(struct config_maps *m, unsigned long long id,
			   int line, const char *name)
{
	struct config_map *v;
	size_t cap;

	if (m->n == m->cap) {
		cap = m->cap ? m->cap * 2 : 16;
		v = realloc(m->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n].name = strdup(name);
	if (!m->v[m->n].name)
		return -ENOMEM;
	m->v[m->n].id = id;
	m->v[m->n].line = line;
	m->n++;
	return 0;
}

static void config_maps_release(struct config_maps *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->v[i].name);
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
}

static int config_map_cmp(const void *a, const void *b)
{
	const struct config_map *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

/* Sort m and report the lowest line that maps an id already mapped. */
static void config_maps_check(struct config_parse *p, struct config_maps *m,
			      const char *what)
{
	size_t i;

	if (m->n)
		qsort(m->v, m->n, sizeof(*m->v), config_map_cmp);
	for (i = 1; i < m->n; i++)
		if (m->v[i].id == m->v[i - 1].id)
			config_error(p, m->v[i].line,
				     "%s %llu mapped twice (first on line %d)",
				     what, m->v[i].id, m->v[i - 1].line);
}

/* [users] and [groups]: KEY = NAME. */
static void config_handle_map(struct config_parse *p, int is_user,
			      const char *key, const char *val)
{
	const char *what = is_user ? "uid" : "gid";
	char q[CONFIG_QBUF];
	unsigned long long id;
	int rc;

	if (config_all_digits(key)) {
		if (config_number(key, &id) || id > CONFIG_ID_MAX) {
			config_error(p, p->line, "bad %s '%s'", what,
				     config_quote(q, key, strlen(key)));
			return;
		}
	} else {
		rc = config_lookup_name(key, is_user, &id);
		if (rc == -ENOMEM) {
			p->nomem = 1;
			return;
		}
		if (rc == -ENOENT) {
			config_error(p, p->line, "unknown %s '%s'",
				     is_user ? "user" : "group",
				     config_quote(q, key, strlen(key)));
			return;
		}
		if (rc) {
			config_error(p, p->line, "cannot look up %s '%s': %s",
				     is_user ? "user" : "group",
				     config_quote(q, key, strlen(key)),
				     strerror(-rc));
			return;
		}
	}
	if (is_user ? !config_valid_login(val, strlen(val))
		    : !config_valid_group(val)) {
		config_error(p, p->line, "bad %s '%s'",
			     is_user ? "login" : "group name",
			     config_quote(q, val, strlen(val)));
		return;
	}
	if (config_maps_add(is_user ? &p->users : &p->groups, id, p->line, val))
		p->nomem = 1;
}

/*
 * [store] path: absolute, so that it still works after the daemon's
 * chdir("/").  The file may not exist yet (--init creates it); its
 * directory must.
 */
static void config_handle_store(struct config_parse *p, const char *val)
{
	struct buf full = BUF_INIT, out = BUF_INIT;
	char q[CONFIG_QBUF];
	char *slash, *real = NULL;
	const char *dir, *base;
	struct stat st;
	int rc;

	/* paths go into messages unquoted: keep them printable */
	for (base = val; *base; base++)
		if (config_is_ctl((unsigned char)*base)) {
			config_error(p, p->line,
				     "store path contains a control character");
			return;
		}
	if (val[0] == '/')
		rc = buf_addstr(&full, val);
	else
		rc = buf_printf(&full, "%s/%s", p->dir, val);
	if (rc)
		goto nomem;
	slash = strrchr(full.data, '/');
	base = slash + 1;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		config_error(p, p->line, "store path '%s' must name a file",
			     config_quote(q, val, strlen(val)));
		goto out;
	}
	*slash = '\0';
	dir = slash == full.data ? "/" : full.data;
	real = realpath(dir, NULL);
	/* realpath() is happy with a file as the last component */
	if (real) {
		if (stat(real, &st))
			rc = errno;
		else
			rc = S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
		if (rc) {
			free(real);
			real = NULL;
			errno = rc;
		}
	}
	if (!real) {
		if (errno == ENOMEM)
			goto nomem;
		if (errno == ENOENT)
			config_error(p, p->line,
				     "store directory '%s' does not exist",
				     dir);
		else
			config_error(p, p->line, "store directory '%s': %s",
				     dir, strerror(errno));
		goto out;
	}
	if (buf_printf(&out, "%s/%s", strcmp(real, "/") ? real : "", base))
		goto nomem;
	if (!stat(out.data, &st) && S_ISDIR(st.st_mode)) {
		config_error(p, p->line, "store path '%s' is a directory",
			     out.data);
		goto out;
	}
	p->cfg->store_path = buf_detach(&out, NULL);
	if (!p->cfg->store_path)
		goto nomem;
	goto out;
nomem:
	p->nomem = 1;
out:
	free(real);
	buf_release(&out);
	buf_release(&full);
}

/* [admin] system_admins: a comma-separated list of logins. */
static void config_handle_admins(struct config_parse *p, const char *val)
{
	struct config *cfg = p->cfg;
	char q[CONFIG_QBUF];
	const char *s = val, *e, *end;
	char **v;
	size_t n;

	for (;;) {
		e = strchr(s, ',');
		end = e ? e : s + strlen(s);
		while (s < end && isspace((unsigned char)*s))
			s++;
		n = (size_t)(end - s);
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		if (n && !config_valid_login(s, n)) {
			config_error(p, p->line,
				     "bad login '%s' in system_admins",
				     config_quote(q, s, n));
			return;
		}
		if (n) {
			v = realloc(cfg->system_admins,
				    (cfg->nsystem_admins + 1) * sizeof(*v));
			if (!v)
				goto nomem;
			cfg->system_admins = v;
			v[cfg->nsystem_admins] = strndup(s, n);
			if (!v[cfg->nsystem_admins])
				goto nomem;
			cfg->nsystem_admins++;
		}
		if (!e)
			break;
		s = e + 1;
	}
	if (!cfg->nsystem_admins)
		config_error(p, p->line, "empty value for 'system_admins'");
	return;
nomem:
	p->nomem = 1;
}

static void config_handle_limits(struct config_parse *p, const char *key,
				 const char *val)
{
	unsigned long long v = 0;
	int rc = config_number(val, &v);

	if (!strcmp(key, "rows")) {
		if (rc == -ERANGE)
			config_error(p, p->line, "rows out of range");
		else if (rc)
			config_error(p, p->line,
				     "rows must be a non-negative integer");
		else
			p->cfg->rows_limit = v;
		return;
	}
	if (!strcmp(key, "audit_bytes")) {
		if (rc == -ERANGE || (!rc && v > UINT64_MAX / 2))
			config_error(p, p->line, "audit_bytes out of range");
		else if (rc || (v && v < CONFIG_AUDIT_BYTES_MIN))
			config_error(p, p->line,
				     "audit_bytes must be 0 or at least %d",
				     CONFIG_AUDIT_BYTES_MIN);
		else
			p->cfg->audit_bytes = v;
		return;
	}
	if (!strcmp(key, "workspace_objects")) {
		if (rc == -ERANGE || (!rc && v > CONFIG_WORKSPACE_OBJECTS_MAX))
			config_error(p, p->line,
				     "workspace_objects out of range (at most "
				     "%d)", CONFIG_WORKSPACE_OBJECTS_MAX);
		else if (rc)
			config_error(p, p->line, "workspace_objects must be "
				     "a non-negative integer");
		else
			p->cfg->ws_objects = (unsigned long)v;
		return;
	}
	if (!strcmp(key, "reports")) {
		if (rc || v < 1 || v > CONFIG_REPORTS_MAX)
			config_error(p, p->line, "reports must be 1-%d",
				     CONFIG_REPORTS_MAX);
		else
			p->cfg->reports = (unsigned)v;
		return;
	}
	if (rc || v < 1 || v > INIDOC_MAX_SIZE)
		config_error(p, p->line, "ini_max_bytes must be 1-%d",
			     INIDOC_MAX_SIZE);
	else
		p->cfg->ini_max_bytes = (size_t)v;
}

/* [workspace] anonymous_links = true | false */
static void config_handle_workspace(struct config_parse *p, const char *val)
{
	if (!strcmp(val, "true"))
		p->cfg->anonymous_links = 1;
	else if (!strcmp(val, "false"))
		p->cfg->anonymous_links = 0;
	else
		config_error(p, p->line,
			     "anonymous_links must be true or false");
}

/*
 * A key seen once per config: 1 if this is the first time, else records
 * the error and returns 0.
 */
static int config_once(struct config_parse *p, int *seen, const char *section,
		       const char *key)
{
	if (*seen) {
		config_error(p, p->line,
			     "duplicate key '%s' in [%s] (first on line %d)",
			     key, section, *seen);
		return 0;
	}
	*seen = p->line;
	return 1;
}

static int config_handler(void *user, const char *section, const char *key,
			  const char *value)
{
	struct config_parse *p = user;
	char q[CONFIG_QBUF];
	char *val = NULL;
	int *seen = NULL;

	if (p->err_line || p->nomem)
		return 0;
	if (!*section) {
		config_error(p, p->line, "key before any section");
		return 0;
	}
	if (!strcmp(section, "store")) {
		if (!strcmp(key, "path"))
			seen = &p->path_line;
	} else if (!strcmp(section, "admin")) {
		if (!strcmp(key, "system_admins"))
			seen = &p->admins_line;
	} else if (!strcmp(section, "limits")) {
		if (!strcmp(key, "rows"))
			seen = &p->rows_line;
		else if (!strcmp(key, "ini_max_bytes"))
			seen = &p->max_bytes_line;
		else if (!strcmp(key, "audit_bytes"))
			seen = &p->audit_bytes_line;
		else if (!strcmp(key, "reports"))
			seen = &p->reports_line;
		else if (!strcmp(key, "workspace_objects"))
			seen = &p->ws_objects_line;
	} else if (!strcmp(section, "workspace")) {
		if (!strcmp(key, "anonymous_links"))
			seen = &p->anon_links_line;
	} else if (strcmp(section, "users") && strcmp(section, "groups")) {
		/* the reader reports it first; kept for safety */
		config_error(p, p->line, "unknown section [%s]",
			     config_quote(q, section, strlen(section)));
		return 0;
	}
	if (!seen && strcmp(section, "users") && strcmp(section, "groups")) {
		config_error(p, p->line, "unknown key '%s' in [%s]",
			     config_quote(q, key, strlen(key)), section);
		return 0;
	}
	if (seen && !config_once(p, seen, section, key))
		return 0;
	val = strndup(value, config_value_len(value));
	if (!val) {
		p->nomem = 1;
		return 0;
	}
	if (!*val)
		config_error(p, p->line, "empty value for '%s'",
			     config_quote(q, key, strlen(key)));
	else if (!strcmp(section, "users"))
		config_handle_map(p, 1, key, val);
	else if (!strcmp(section, "groups"))
		config_handle_map(p, 0, key, val);
	else if (!strcmp(section, "store"))
		config_handle_store(p, val);
	else if (!strcmp(section, "admin"))
		config_handle_admins(p, val);
	else if (!strcmp(section, "workspace"))
		config_handle_workspace(p, val);
	else
		config_handle_limits(p, key, val);
	free(val);
	return !p->err_line && !p->nomem;
}

/* Read the whole file into b: 0 or -errno. */
static int config_read(const char *path, struct buf *b)
{
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		rc = buf_grow(b, 65536);
		if (rc)
			break;
		n = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (!n)
			break;
		b->len += (size_t)n;
		b->data[b->len] = '\0';
	}
	close(fd);
	return rc;
}

/* The directory part of path ("." when there is none). */
static char *config_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* Move the sorted, checked mappings into cfg. */
static int config_take_maps(struct config_parse *p)
{
	struct config *cfg = p->cfg;
	size_t i;

	if (p->users.n) {
		cfg->users = calloc(p->users.n, sizeof(*cfg->users));
		if (!cfg->users)
			return -ENOMEM;
	}
	if (p->groups.n) {
		cfg->groups = calloc(p->groups.n, sizeof(*cfg->groups));
		if (!cfg->groups)
			return -ENOMEM;
	}
	for (i = 0; i < p->users.n; i++) {
		cfg->users[i].uid = (uid_t)p->users.v[i].id;
		cfg->users[i].login = p->users.v[i].name;
		p->users.v[i].name = NULL;
	}
	cfg->nusers = p->users.n;
	for (i = 0; i < p->groups.n; i++) {
		cfg->groups[i].gid = (gid_t)p->groups.v[i].id;
		cfg->groups[i].group = p->groups.v[i].name;
		p->groups.v[i].name = NULL;
	}
	cfg->ngroups = p->groups.n;
	return 0;
}

int config_load(const char *path, struct config *cfg, struct buf *err)
{
	struct config_parse p = {.cfg = cfg, .line_start = true};
	struct buf text = BUF_INIT;
	int rc, bad;

	memset(cfg, 0, sizeof(*cfg));
	buf_init(&p.msg);
	config_ini_setup();
	cfg->ini_max_bytes = INIDOC_MAX_SIZE;
	cfg->audit_bytes = CONFIG_AUDIT_BYTES;
	cfg->reports = CONFIG_REPORTS;
	cfg->ws_objects = CONFIG_WORKSPACE_OBJECTS;
	cfg->path = strdup(path);
	p.dir = config_dirname(path);
	if (!cfg->path || !p.dir) {
		rc = -ENOMEM;
		goto out_errno;
	}
	rc = config_read(path, &text);
	if (rc)
		goto out_errno;
	p.text = text.data ? text.data : "";
	p.len = text.len;

	bad = ini_parse_stream(config_reader, &p, config_handler, &p);
	if (bad < 0 || p.nomem) {
		rc = -ENOMEM;
		goto out_errno;
	}
	config_maps_check(&p, &p.users, "uid");
	config_maps_check(&p, &p.groups, "gid");
	if (p.nomem) {
		rc = -ENOMEM;
		goto out_errno;
	}
	rc = -EINVAL;
	if (bad && (!p.err_line || bad < p.err_line)) {
		if (err)
			buf_printf(err, "%s:%d: malformed line", path, bad);
		goto out_release;
	}
	if (p.err_line) {
		if (err)
			buf_printf(err, "%s:%d: %s", path, p.err_line,
				   p.msg.data);
		goto out_release;
	}
	if (!cfg->store_path) {
		if (err)
			buf_printf(err, "%s: missing [store] path", path);
		goto out_release;
	}
	rc = config_take_maps(&p);
	if (rc)
		goto out_errno;
	goto out;

out_errno:
	if (err)
		buf_printf(err, "%s: %s", path, strerror(-rc));
out_release:
	config_release(cfg);
out:
	config_maps_release(&p.users);
	config_maps_release(&p.groups);
	buf_release(&p.msg);
	buf_release(&text);
	free(p.dir);
	return rc;
}

void config_release(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nusers; i++)
		free(cfg->users[i].login);
	free(cfg->users);
	for (i = 0; i < cfg->ngroups; i++)
		free(cfg->groups[i].group);
	free(cfg->groups);
	for (i = 0; i < cfg->nsystem_admins; i++)
		free(cfg->system_admins[i]);
	free(cfg->system_admins);
	free(cfg->store_path);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

static int config_user_cmp(const void *key, const void *elem)
{
	uid_t uid = *(const uid_t *)key;
	const struct config_user *u = elem;

	return (uid > u->uid) - (uid < u->uid);
}

static int config_group_cmp(const void *key, const void *elem)
{
	gid_t gid = *(const gid_t *)key;
	const struct config_group *g = elem;

	return (gid > g->gid) - (gid < g->gid);
}

const char *config_login(const struct config *cfg, uid_t uid)
{
	const struct config_user *u;

	if (!cfg->nusers)
		return NULL;
	u = bsearch(&uid, cfg->users, cfg->nusers, sizeof(*u), config_user_cmp);
	return u ? u->login : NULL;
}

const char *config_group(const struct config *cfg, gid_t gid)
{
	const struct config_group *g;

	if (!cfg->ngroups)
		return NULL;
	g = bsearch(&gid, cfg->groups, cfg->ngroups, sizeof(*g),
		    config_group_cmp);
	return g ? g->group : NULL;
}

int config_is_system_admin(const struct config *cfg, const char *login)
{
	size_t i;

	if (!login)
		return 0;
	for (i = 0; i < cfg->nsystem_admins; i++)
		if (!strcmp(cfg->system_admins[i], login))
			return 1;
	return 0;
}

uid_t config_uid_of(const struct config *cfg, const char *login)
{
	size_t i;

	if (!login)
		return (uid_t)-1;
	for (i = 0; i < cfg->nusers; i++)
		if (!strcmp(cfg->users[i].login, login))
			return cfg->users[i].uid;
	return (uid_t)-1;
}

int config_has_group(const struct config *cfg, const char *group)
{
	size_t i;

	for (i = 0; group && i < cfg->ngroups; i++)
		if (!strcmp(cfg->groups[i].group, group))
			return 1;
	return 0;
}
