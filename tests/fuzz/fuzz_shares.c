/*
 * fuzz_shares.c - the Workspace's own parsers (workspace.h): shares and
 * /admin/transfer line-lists (ws_check_share, ws_check_transfer through
 * inidoc_lines_parse) and the formula syntax (ws_formula_check).  The
 * date grammar is wsdef.c's (fuzz_daterange).
 *
 * Input: byte 0 bit 0 makes the caller a product admin; bits 1-2 pick
 * the parser (0 shares, 1 transfer, 2 formula, 3 a project's shares,
 * with roles); the rest is the text.
 *
 * Oracles, written from SPEC §7 and workspace.h alone:
 *  - shares: a list is accepted iff every entry (trimmed, blank and '#'
 *    lines dropped) is all (product admins only: EACCES for others),
 *    user:LOGIN or group:NAME; a login is 1-256 bytes without blanks,
 *    controls or ',' and not group:...; a group name 1-128 bytes without
 *    controls or ','; either is one the configuration maps (KNOWN_USERS,
 *    KNOWN_GROUPS here).  An accepted list's canonical form parses back
 *    to itself.  A refusal names a line of the text, and one of an
 *    unknown name the column of the name in it.
 *  - a project's shares (ws_check_role_share): as shares, each entry
 *    optionally ending in a role, " edit" or " view": the principal is
 *    what comes before it (a group's name may hold blanks).
 *  - transfer: every entry is "FROM TO", two different logins, any
 *    number of spaces between.
 *  - formulas: only [A-Za-z0-9 \t._+*-/()"] and parentheses that balance
 *    (wsdef.h's names may be quoted).
 */
#include <ctype.h>
#include <errno.h>

#include "config.h"
#include "fuzz.h"
#include "mctx.h"
#include "workspace.h"

/* The configuration's [users] and [groups]. */
static const char *const known_users[] = { "a@b", "ria@example.com",
					   "fuzz@example.com", NULL };
static const char *const known_groups[] = { "Analysts", "x", "Data Team",
					    NULL };

static int ref_known(const char *const *names, const char *s, size_t len)
{
	int i;

	for (i = 0; names[i]; i++)
		if (strlen(names[i]) == len && !memcmp(names[i], s, len))
			return 1;
	return 0;
}

static int ref_login(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > 256 || (len >= 6 && !memcmp(s, "group:", 6)))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= 0x20 || ch == 0x7f || ch == ',')
			return 0;
	}
	return 1;
}

static int ref_group(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > 128)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f || ch == ',')
			return 0;
	}
	return 1;
}

/* 0 accepted, -EINVAL, -EACCES (all by a caller who may not) */
static int ref_share(const char *e, size_t len, int admin)
{
	if (len == 3 && !memcmp(e, "all", 3))
		return admin ? 0 : -EACCES;
	if (len > 5 && !memcmp(e, "user:", 5))
		return ref_login(e + 5, len - 5) &&
		       ref_known(known_users, e + 5, len - 5) ? 0 : -EINVAL;
	if (len > 6 && !memcmp(e, "group:", 6))
		return ref_group(e + 6, len - 6) &&
		       ref_known(known_groups, e + 6, len - 6) ? 0 : -EINVAL;
	return -EINVAL;
}

/* A project's: a principal, then optionally " edit" or " view". */
static int ref_role_share(const char *e, size_t len, int admin)
{
	if (len > 5 && (!memcmp(e + len - 5, " edit", 5) ||
			!memcmp(e + len - 5, " view", 5)))
		len -= 5;
	return ref_share(e, len, admin);
}

static int ref_transfer(const char *e, size_t len)
{
	const char *sp = memchr(e, ' ', len), *to;
	size_t n, m;

	if (!sp)
		return -EINVAL;
	n = (size_t)(sp - e);
	for (to = sp; to < e + len && *to == ' '; to++)
		;
	m = len - (size_t)(to - e);
	if (!ref_login(e, n) || !ref_login(to, m) ||
	    (n == m && !memcmp(e, to, n)))
		return -EINVAL;
	return 0;
}

/* The entries of a line-list as inidoc_lines_parse sees them: lines
 * split at LF, UTF-8 BOMs and blanks trimmed, blank and '#' lines
 * dropped; the first verdict that is not 0 (refusals: the first line). */
static int ref_list(const char *text, size_t len, int mode, int admin,
		    int *any_ctl)
{
	const char *p = text, *end = text + len;

	*any_ctl = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *s = p, *t = nl ? nl : end;
		const char *q;
		int rc;

		p = t + 1;
		do {
			if (t - s >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
				s += 3;
			while (s < t && isspace((unsigned char)*s))
				s++;
			while (t > s && isspace((unsigned char)t[-1]))
				t--;
		} while (t - s >= 3 && !memcmp(s, "\xef\xbb\xbf", 3));
		if (s == t || *s == '#')
			continue;
		for (q = s; q < t; q++)
			if (((unsigned char)*q < 0x20 && *q != '\t') ||
			    *q == 0x7f) {
				*any_ctl = 1;
				return -EINVAL;
			}
		rc = mode == 1 ? ref_transfer(s, (size_t)(t - s)) :
		     mode == 3 ? ref_role_share(s, (size_t)(t - s), admin) :
				 ref_share(s, (size_t)(t - s), admin);
		if (rc)
			return rc;
	}
	return 0;
}

static int ref_formula(const char *s)
{
	int depth = 0;

	for (; *s; s++) {
		if (*s == '(')
			depth++;
		else if (*s == ')' && --depth < 0)
			return 0;
		else if (*s != ')' && !isalnum((unsigned char)*s) &&
			 !strchr(" \t.+-*/_\"", *s))
			return 0;
	}
	return depth == 0;
}

/* A configuration mapping known_users and known_groups. */
static struct config *fuzz_config(void)
{
	static struct config cfg;
	static struct config_user users[3];
	static struct config_group groups[3];
	int i;

	if (cfg.users)
		return &cfg;
	for (i = 0; known_users[i]; i++) {
		users[i].uid = (uid_t)(2000 + i);
		users[i].login = (char *)known_users[i];
	}
	for (i = 0; known_groups[i]; i++) {
		groups[i].gid = (gid_t)(3000 + i);
		groups[i].group = (char *)known_groups[i];
	}
	cfg.users = users;
	cfg.nusers = 3;
	cfg.groups = groups;
	cfg.ngroups = 3;
	return &cfg;
}

static int (*check_of(int mode))(const char *, size_t, void *,
				 struct diag *)
{
	return mode == 1 ? ws_check_transfer :
	       mode == 3 ? ws_check_role_share :
			   ws_check_share;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct caller who;
	struct mctx c;
	struct buf canon = BUF_INIT, again = BUF_INIT;
	struct diag d;
	const char *text = (const char *)data + 1;
	size_t len, nlines = 1, i;
	int admin, mode, rc, want, ctl;
	char *s;

	if (!size)
		return 0;
	admin = data[0] & 1;
	mode = (data[0] >> 1) & 3;
	len = size - 1;
	memset(&who, 0, sizeof(who));
	who.login = "fuzz@example.com";
	who.roles = admin ? ROLE_PRODUCT_ADMIN : 0;
	memset(&c, 0, sizeof(c));
	c.who = &who;
	c.cfg = fuzz_config();

	if (mode == 2) {
		/* one value: a formula */
		s = fuzz_strndup((const uint8_t *)text, len);
		if (strlen(s) == len) {
			rc = ws_formula_check(s, &d, 3);
			FUZZ_CHECK((rc == 0) == ref_formula(s));
			FUZZ_CHECK(!rc || (rc == -EINVAL && d.line == 3 &&
					   d.msg[0] && d.column >= 1 &&
					   (size_t)d.column <= len + 1));
		}
		free(s);
		return 0;
	}
	for (i = 0; i < len; i++)
		nlines += text[i] == '\n';
	rc = inidoc_lines_parse(text, len, check_of(mode), &c, &canon, &d);
	want = ref_list(text, len, mode, admin, &ctl);
	if (len > INIDOC_MAX_SIZE || memchr(text, '\0', len)) {
		FUZZ_CHECK(rc != 0);
		goto out;
	}
	FUZZ_CHECK(rc == want);
	if (rc) {
		FUZZ_CHECK(d.msg[0] != '\0');
		FUZZ_CHECK(d.line >= 1 && (size_t)d.line <= nlines);
		/* a column is in the line it names */
		FUZZ_CHECK(d.column >= 0 && (size_t)d.column <= len);
		goto out;
	}
	/* the canonical form parses back to itself */
	rc = inidoc_lines_parse(canon.data ? canon.data : "", canon.len,
				check_of(mode), &c, &again, &d);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(again.len == canon.len);
	FUZZ_CHECK(!canon.len || !memcmp(again.data, canon.data, canon.len));
out:
	buf_release(&canon);
	buf_release(&again);
	return 0;
}
