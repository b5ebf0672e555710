/*
 * model.c - the operations the FUSE layer calls (see model.h).
 *
 * Every operation runs under the model's one lock: it resolves the caller
 * (policy_caller), asks policy_check() through the kind table, and reads
 * or changes the store.  A change is one store transaction that also holds
 * its audit line; a rejected or denied attempt cancels its transaction and
 * records itself in a transaction of its own (audit line) and in the
 * caller's /errors, which lives in memory: it is feedback for the person
 * at the terminal, and keeping it out of the store means a rejected write
 * really leaves the store as it was, the audit log aside.
 *
 * Queries (lookup, getattr, readdir, access, why) are never audited: ls -l
 * as a plain user would otherwise write (and fsync) a line per file.
 * Attempts (open, commit, mkdir, rmdir, unlink, truncate) are.
 *
 * Writes are judged twice (SPEC §5).  A shell ignores close(2), so while
 * an attribute is written in order from offset 0 of a truncated file,
 * each line is judged as its newline arrives (the kind table's schema,
 * check_key and check_entry): a fault no later line can mend fails that
 * write(2) and poisons the open file, which then never commits and fails
 * every later write, truncate and flush the same way; the refusal is
 * recorded once.  The whole content is still judged at commit, and a
 * write anywhere else (an editor's blocks) leaves the verdict to it.
 *
 * Unlinks of files inside an object the caller may delete (attributes and
 * computed files) are staged per process (SPEC §5): the unlink succeeds,
 * nothing changes, and the name is gone for that process, so rm -r goes
 * on and tar's unlink-then-create replaces an attribute (a computed name
 * is EACCES).  rmdir of the object deletes it whatever was staged.  Any
 * other unlink is EACCES at once and never staged (SPEC §2).  A stage
 * whose process has gone (or that is older than STAGE_TTL) turns into
 * one /errors line telling the caller that files go with their object.
 * Stages are kept per process and found by uid in O(1); see stage_add.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "activity.h"
#include "audit.h"
#include "config.h"
#include "dirindex.h"
#include "inidoc.h"
#include "mctx.h"
#include "model.h"
#include "object.h"
#include "quota.h"
#include "rows.h"
#include "scratch.h"
#include "statmemo.h"
#include "store.h"
#include "workspace.h"

#define ERRORS_KEEP 64
#define STAGE_TTL 60		/* a stage older than this came to nothing */
#define STAGE_RECHECK 2		/* seconds between liveness checks */
#define STAGE_BUCKETS 64

struct error_line {
	uid_t uid;
	char *text;
	struct error_line *next;	/* older */
};

/* One staged unlink: the name, gone for the process that staged it. */
struct stage {
	struct obj_ref ref;
	char *path;
	time_t when;
	struct stage *next;
};

/* The stages of one process, chained in a bucket by uid. */
struct stager {
	uid_t uid;
	pid_t pid;
	time_t checked;		/* its last liveness check (0: never) */
	time_t oldest;		/* when its oldest stage was made */
	struct stage *stages;
	struct stager *next;
};

struct model {
	const struct config *cfg;
	struct store *st;
	struct policy *pol;
	pthread_mutex_t lock;
	struct error_line *errors;	/* newest first, all callers */
	struct stager *stagers[STAGE_BUCKETS];	/* by uid */
	struct scratch_set *scratch;
	struct quota *quota;		/* what each caller holds */
	struct audit_flood *flood;	/* bounds on denied audit lines */
	time_t started;		/* mtime of what was never changed */
	struct activity *act;	/* computations and their slots */
	struct stat_memo *stats;	/* stat answers (statmemo.h) */
	/* operations waiting for the lock, and how many took it: a
	 * computation that holds it through a long scan lets them pass
	 * between chunks (model_yield) */
	atomic_uint waiting;
	atomic_uint turns;
};

struct model_file {
	struct obj_ref ref;
	int flags;
	int dirty;		/* written or truncated since the last commit */
	int trunc_pending;	/* opened with O_TRUNC, nothing written yet */
	/* a write or truncate went past ini_max_bytes: the size it asked
	 * for.  The content is then not what the writer meant (its end is
	 * missing), so the file is poisoned: writes and truncates fail, and
	 * its next commit is refused as a write of that size (EFBIG), once;
	 * later flushes fail without a record */
	uint64_t oversize;
	/* write-time judgement (SPEC §5): on while writes come in order
	 * from offset 0 of a truncated file; judged: bytes of content
	 * judged so far (whole lines) */
	int wcheck;
	size_t judged;
	struct inidoc_line_state lines;
	/* a write was refused (-EINVAL or -EACCES): nothing this open
	 * file holds commits; writes, truncates and flushes fail so */
	int poisoned;
	int stream;
	struct buf content;	/* snapshot or pending write */
	void *cursor;		/* stream state */
	void *append;		/* append state (KA_APPEND, opened for write) */
	struct scratch *scr;	/* a scratch file (holds a reference) */
	/* who opened it: the kernel sends release as uid 0, so what is
	 * committed at release is committed as the opener */
	struct caller_id opener;
	char oid[17];		/* the object's incarnation at open */
	struct buf win;		/* stream: bytes [win_off, win_off+len) */
	uint64_t win_off;
	int eof;
	int eof_told;		/* a read returned nothing at the end */
	/* counted against the opener in the quota: the file itself, and
	 * the bytes of content it was last charged for */
	int counted;
	size_t charged;
	/* a computation (SPEC §8): its entry in reporting activity */
	struct job *job;
	/* a stream's reads, one at a time (the kernel may send several at
	 * once on one descriptor, and an unlocked next() runs without the
	 * model's lock) */
	pthread_mutex_t rlock;
	/* the opener's, and one per read under way: a release that comes
	 * while a worker reads frees nothing under it */
	atomic_int refs;
};

/* --- operation context --- */

struct op {
	struct mctx c;
	struct caller who;
};

static void stages_expire(struct op *op);
static void model_file_close_locked(struct op *op, struct model_file *f);
static int create_object(struct op *op, const struct obj_ref *dir,
			 const struct obj_ref *ref, struct diag *d);
static void oid_of(struct op *op, const struct obj_ref *ref, char out[17]);

/* Take the model's lock as an operation: counted while it waits, so a
 * computation holding it knows to let it pass. */
static void model_lock(struct model *m)
{
	atomic_fetch_add(&m->waiting, 1);
	pthread_mutex_lock(&m->lock);
	atomic_fetch_sub(&m->waiting, 1);
	atomic_fetch_add(&m->turns, 1);
}

static int op_begin(struct model *m, const struct caller_id *id,
		    struct op *op)
{
	int rc;

	model_lock(m);
	rc = policy_caller(m->pol, id, &op->who);
	if (rc) {
		pthread_mutex_unlock(&m->lock);
		return rc;
	}
	op->c.m = m;
	op->c.st = m->st;
	op->c.pol = m->pol;
	op->c.cfg = m->cfg;
	op->c.who = &op->who;
	op->c.now = time(NULL);
	op->c.flood = m->flood;
	op->c.job = NULL;
	op->c.audited = 0;
	stages_expire(op);
	audit_tick(&op->c);
	return 0;
}

static void op_end(struct model *m, struct op *op)
{
	caller_release(&op->who);
	pthread_mutex_unlock(&m->lock);
	/* the replies to reads a cancel took out of the queue */
	activity_reap(m->act);
}

/* Let the lock go for a while (an unlocked next(), a yield) and take it
 * back: the policy snapshot may have been rebuilt meanwhile, so the
 * caller is resolved again. */
static void op_unlock(struct op *op)
{
	pthread_mutex_unlock(&op->c.m->lock);
}

static void op_relock(struct op *op)
{
	struct caller_id id = op->who.id;

	model_lock(op->c.m);
	caller_release(&op->who);
	if (policy_caller(op->c.pol, &id, &op->who))
		op->who.id = id;
}

/* A computation's yield (job_poll, between chunks of rows) while its
 * next() holds the lock: when operations wait, let them have it.  The
 * mutex is not fair, so wait until one took it (or a while passed). */
static void model_yield(void *arg)
{
	struct op *op = arg;
	struct model *m = op->c.m;
	unsigned t, i;

	if (!atomic_load(&m->waiting))
		return;
	t = atomic_load(&m->turns);
	op_unlock(op);
	for (i = 0; i < 1000 && atomic_load(&m->turns) == t &&
		    atomic_load(&m->waiting);
	     i++)
		sched_yield();
	op_relock(op);
}

/* --- /errors --- */

static void error_add(struct op *op, const struct obj_ref *ref,
		      const struct diag *d)
{
	struct buf path = BUF_INIT;

	if (!obj_ref_path(ref, &path))
		model_error_add(&op->c, op->who.id.uid, path.data, d);
	buf_release(&path);
}

int model_error_add(struct mctx *c, uid_t uid, const char *path,
		    const struct diag *d)
{
	struct model *m = c->m;
	struct error_line *e, **pp;
	struct buf line = BUF_INIT;
	char ts[32];
	struct tm tm;
	int n = 0, rc = -ENOMEM;

	gmtime_r(&c->now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (buf_printf(&line, "%s %s", ts, path))
		goto out;
	if (d->line > 0 && buf_printf(&line, ":%d", d->line))
		goto out;
	if (buf_addstr(&line, ": "))
		goto out;
	if (d->column > 0 && buf_printf(&line, "column %d: ", d->column))
		goto out;
	if (buf_printf(&line, "%s\n", d->msg))
		goto out;
	e = malloc(sizeof(*e));
	if (!e)
		goto out;
	e->uid = uid;
	e->text = buf_detach(&line, NULL);
	e->next = m->errors;
	m->errors = e;
	/* keep the newest ERRORS_KEEP lines of this caller */
	for (pp = &m->errors; *pp;) {
		if ((*pp)->uid == e->uid && ++n > ERRORS_KEEP) {
			struct error_line *dead = *pp;

			*pp = dead->next;
			free(dead->text);
			free(dead);
			continue;
		}
		pp = &(*pp)->next;
	}
	rc = 0;
out:
	buf_release(&line);
	return rc;
}

struct activity *model_activity(struct model *m)
{
	return m->act;
}

int model_errors_show(struct mctx *c, const struct obj_ref *ref,
		      struct buf *out)
{
	struct error_line *e;
	int rc = buf_add(out, "", 0);

	for (e = c->m->errors; e && !rc; e = e->next)
		if (e->uid == c->who->id.uid)
			rc = buf_addstr(out, e->text);
	return rc;
}

/* --- audit of attempts --- */

/* Record a refused attempt: an audit line in its own transaction (or,
 * for a denial, a count of it within the bounds audit.c keeps), and (for
 * writes) an /errors line.  Failures here cannot change the answer the
 * caller gets, so they are ignored. */
/* 1 if ref is in an owned object (a Workspace object, KD_OWNED). */
static int owned(const struct obj_ref *ref)
{
	return !obj_ref_is_scratch(ref) &&
	       (kind_table[ref->kind].flags & KD_OWNED);
}

/*
 * Where an attempt or change is audited: its path and action, and the
 * detail.  Owned objects (SPEC §7) are audited by what is done to the
 * object, under the object's path, with its kind first in the detail
 * ("segment: ..."): mkdir is create, rmdir and unlink delete, a rename
 * or write change (a file may name its own: shares is share).
 */
static int audit_where(const struct obj_ref *ref, const char **action,
		       const char *detail, struct buf *path,
		       struct buf *det)
{
	const struct kind_attr *a;
	struct obj_ref o;
	int rc;

	if (!owned(ref)) {
		/* a link's token never reaches the log (SPEC §7) */
		rc = obj_ref_path_withheld(ref, path);
		if (!rc && detail)
			rc = buf_addstr(det, detail);
		return rc;
	}
	a = obj_ref_attr(ref);
	if (!strcmp(*action, "mkdir"))
		*action = "create";
	else if (!strcmp(*action, "rmdir") || !strcmp(*action, "unlink"))
		*action = "delete";
	else if (strcmp(*action, "read"))
		*action = a && a->verb ? a->verb : "change";
	o = *ref;
	o.attr = -1;
	rc = obj_ref_object_path(&o, path);
	if (!rc)
		rc = buf_printf(det, "%s%s%s", kind_table[ref->kind].name,
				detail && *detail ? ": " : "",
				detail ? detail : "");
	return rc;
}

static void refused(struct op *op, const char *action,
		    const struct obj_ref *ref, int rc, const char *detail,
		    const struct diag *d)
{
	struct buf path = BUF_INIT, det = BUF_INIT;

	if (!audit_where(ref, &action, detail, &path, &det))
		audit_refused(&op->c, action, path.data,
			      rc == -EACCES || rc == -ENOENT ? "denied" :
							       "rejected",
			      det.data);
	if (d)
		error_add(op, ref, d);
	buf_release(&path);
	buf_release(&det);
}

/* Ask the policy whether act may be done on ref; on a denial of an
 * attempt, audit it (and tell /errors) as an attempt on target: a create
 * is decided on the directory but names what it tried to make. */
static int gate_for(struct op *op, int act, const struct obj_ref *ref,
		    const struct obj_ref *target, const char *attempt)
{
	struct buf why = BUF_INIT;
	int rc = policy_check(op->c.pol, &op->who, act, ref, &why);

	if (rc && attempt) {
		struct diag d;

		diag_set(&d, 0, 0, "%s: denied: %s", attempt,
			 why.len ? why.data : "not allowed");
		refused(op, attempt, target, rc, why.data, &d);
	}
	buf_release(&why);
	return rc;
}

static int gate(struct op *op, int act, const struct obj_ref *ref,
		const char *attempt)
{
	return gate_for(op, act, ref, ref, attempt);
}

/* --- stat --- */

static int ref_exists(struct op *op, const struct obj_ref *ref)
{
	return obj_exists(&op->c, ref) == 1;
}

/* The path of the directory a scratch ref lives in. */
static int scratch_dir(const struct obj_ref *ref, struct buf *out)
{
	struct obj_ref dir = *ref;

	dir.scratch[0] = '\0';
	return obj_ref_path(&dir, out);
}

/* The caller's scratch file ref names, or NULL. */
static struct scratch *scratch_of(struct op *op, const struct obj_ref *ref)
{
	struct buf dir = BUF_INIT;
	struct scratch *f = NULL;

	if (!scratch_dir(ref, &dir))
		f = scratch_find(op->c.m->scratch, op->who.id.uid, dir.data,
				 ref->scratch);
	buf_release(&dir);
	return f;
}

/* May the caller keep scratch files in directory dir?  Mapped callers
 * may, wherever they may enter. */
static int scratch_allowed(struct op *op, const struct obj_ref *dir)
{
	int nk = kind_named_child(dir->kind);

	/* beside secret names (/links), nothing is listed */
	if (nk >= 0 && (kind_table[nk].flags & KD_SECRET))
		return 0;
	return op->who.login && ref_exists(op, dir) &&
	       policy_check(op->c.pol, &op->who, kind_table[dir->kind].act_see,
			    dir, NULL) == 0;
}

/*
 * Staged unlinks.  Each process's stages hang off one struct stager,
 * chained by uid in a small hash, so an operation looks only at its own
 * uid's stagers: it finds its own stages at once, and it asks whether
 * another process of its uid has gone at most once per STAGE_RECHECK
 * seconds for each (no walk over everyone's stages, no kill() per stage).
 * Stages count against the caller (QUOTA_STAGES), and a process stages
 * a name at most once, so a stage that comes to nothing says so in
 * /errors at most once for each (process, path).
 */
static struct stager **stager_bucket(struct model *m, uid_t uid)
{
	return &m->stagers[uid % STAGE_BUCKETS];
}

/* This process's stages, or NULL. */
static struct stager *stager_find(struct op *op)
{
	struct stager *p;

	for (p = *stager_bucket(op->c.m, op->who.id.uid); p; p = p->next)
		if (p->uid == op->who.id.uid && p->pid == op->who.id.pid)
			return p;
	return NULL;
}

/* The link to this process's stage of ref, or NULL. */
static struct stage **stage_link(struct op *op, const struct obj_ref *ref)
{
	struct stager *p = stager_find(op);
	struct buf path = BUF_INIT;
	struct stage **pp;

	if (!p || !p->stages || obj_ref_path(ref, &path))
		return NULL;
	for (pp = &p->stages; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->path, path.data))
			break;
	buf_release(&path);
	return *pp ? pp : NULL;
}

static void stage_free(struct model *m, uid_t uid, struct stage *s)
{
	quota_give(m->quota, uid, QUOTA_STAGES, 1);
	free(s->path);
	free(s);
}

/* 1 if this process has staged the unlink of ref (it is gone for it). */
static int staged_here(struct op *op, const struct obj_ref *ref)
{
	return stage_link(op, ref) != NULL;
}

/* Forget this process's stage of ref (it is being replaced). */
static void stage_consume(struct op *op, const struct obj_ref *ref)
{
	struct stage **pp = stage_link(op, ref);
	struct stage *s;

	if (!pp)
		return;
	s = *pp;
	*pp = s->next;
	stage_free(op->c.m, op->who.id.uid, s);
}

/* Stage the unlink of ref for this process (once). */
static int stage_add(struct op *op, const struct obj_ref *ref)
{
	struct model *m = op->c.m;
	struct stager *p = stager_find(op);
	struct buf path = BUF_INIT;
	struct stage *s;
	int rc;

	if (p && staged_here(op, ref))
		return 0;
	rc = quota_take(m->quota, op->who.id.uid, QUOTA_STAGES, 1);
	if (rc)
		return rc;
	rc = -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out_give;
	if (obj_ref_path(ref, &path))
		goto out_free;
	if (!p) {
		struct stager **head = stager_bucket(m, op->who.id.uid);

		p = calloc(1, sizeof(*p));
		if (!p)
			goto out_free;
		p->uid = op->who.id.uid;
		p->pid = op->who.id.pid;
		p->next = *head;
		*head = p;
	}
	s->ref = *ref;
	s->when = op->c.now;
	s->path = buf_detach(&path, NULL);
	if (!p->stages)
		p->oldest = s->when;
	s->next = p->stages;
	p->stages = s;
	return 0;
out_free:
	buf_release(&path);
	free(s);
out_give:
	quota_give(m->quota, op->who.id.uid, QUOTA_STAGES, 1);
	return rc;
}

/* Drop p's stages that came to nothing (all of them when its process is
 * gone, else those older than STAGE_TTL); each whose name is still there
 * says so in /errors.  A stage under an object that no longer exists was
 * consumed by its deletion. */
static void stages_drop(struct op *op, struct stager *p, int gone)
{
	struct stage **pp = &p->stages;

	if (!gone && op->c.now - p->oldest < STAGE_TTL)
		return;
	p->oldest = op->c.now;
	while (*pp) {
		struct stage *s = *pp;

		if (!gone && op->c.now - s->when < STAGE_TTL) {
			if (s->when < p->oldest)
				p->oldest = s->when;
			pp = &s->next;
			continue;
		}
		*pp = s->next;
		if (ref_exists(op, &s->ref)) {
			const struct kind_attr *a = obj_ref_attr(&s->ref);
			int attr = a && a->store;
			struct diag d;

			diag_set(&d, 0, 0, "not removed: %s files go with "
				 "their object (rmdir the object to delete "
				 "it)", attr ? "attribute" : "computed");
			error_add(op, &s->ref, &d);
		}
		stage_free(op->c.m, p->uid, s);
	}
}

/* Expire the stages of the caller's uid that came to nothing: those of
 * its other processes that have gone, and old ones. */
static void stages_expire(struct op *op)
{
	uid_t uid = op->who.id.uid;
	struct stager **pp = stager_bucket(op->c.m, uid);

	while (*pp) {
		struct stager *p = *pp;
		int gone = 0;

		if (p->uid != uid) {
			pp = &p->next;
			continue;
		}
		if (p->pid != op->who.id.pid &&
		    op->c.now - p->checked >= STAGE_RECHECK) {
			p->checked = op->c.now;
			gone = kill(p->pid, 0) && errno == ESRCH;
		}
		stages_drop(op, p, gone);
		if (!p->stages) {
			*pp = p->next;
			free(p);
			continue;
		}
		pp = &p->next;
	}
}

/* The action that decides whether the caller may know ref exists. */
static int see_action(const struct obj_ref *ref)
{
	const struct kind_attr *a = obj_ref_attr(ref);

	if (a && !(kind_table[ref->kind].flags & KD_FILE))
		return a->act_read;
	return kind_table[ref->kind].act_see;
}

static int allowed(struct op *op, int act, const struct obj_ref *ref)
{
	return policy_check(op->c.pol, &op->who, act, ref, NULL) == 0;
}

/* Whether the caller may delete the object that owns ref. */
static int owner_deletable(struct op *op, const struct obj_ref *ref,
			   struct obj_ref *owner)
{
	struct obj_ref cur = *ref, up;

	cur.attr = -1;
	while (!(kind_table[cur.kind].flags & KD_NAMED)) {
		if (obj_ref_parent(&cur, &up))
			return 0;
		cur = up;
	}
	if (!(kind_table[cur.kind].flags & KD_STORED))
		return 0;
	if (kind_table[cur.kind].flags & KD_FILE)
		cur.attr = 0;
	if (owner)
		*owner = cur;
	return allowed(op, kind_table[cur.kind].act_delete, &cur);
}

static int show(struct op *op, const struct obj_ref *ref, struct buf *out)
{
	const struct kind_attr *a = obj_ref_attr(ref);

	if (!a || !a->show)
		return -EIO;
	return a->show(&op->c, ref, out);
}

static int stat_seen(struct op *op, const struct obj_ref *ref,
		     struct mstat *st, int want_size, int rc);

/* What stat's answer for ref depends on besides the store (statmemo.h):
 * its place, what the policy said to seeing it (see), and who asks: the
 * numbers (fixed width, the groups' count first) and then the login and
 * analytics groups, each ended by a NUL they cannot hold. */
static int stat_key(struct op *op, const struct obj_ref *ref, int see,
		    struct buf *key)
{
	const struct caller_id *id = &op->who.id;
	int32_t ngids = id->ngids > 0 ? id->ngids : 0;
	int i, rc = obj_ref_path(ref, key);

	/* plain appends: this runs for every stat */
	if (!rc)
		rc = buf_add(key, see ? "\n-\n" : "\n+\n", 3);
	if (!rc)
		rc = buf_add(key, &id->uid, sizeof(id->uid));
	if (!rc)
		rc = buf_add(key, &id->gid, sizeof(id->gid));
	if (!rc)
		rc = buf_add(key, &ngids, sizeof(ngids));
	if (!rc && ngids)
		rc = buf_add(key, id->gids, (size_t)ngids * sizeof(id->gids[0]));
	if (!rc && op->who.login)
		rc = buf_addstr(key, op->who.login);
	if (!rc)
		rc = buf_add(key, "", 1);
	for (i = 0; !rc && i < op->who.ngroups; i++) {
		rc = buf_addstr(key, op->who.groups[i]);
		if (!rc)
			rc = buf_add(key, "", 1);
	}
	return rc;
}

/* The caller's view of ref: -ENOENT when it may not know of it; perm
 * and mtime; and, when want_size, the size, which for a file means
 * rendering it for this caller. */
static int stat_ref(struct op *op, const struct obj_ref *ref,
		    struct mstat *st, int want_size)
{
	int rc;

	memset(st, 0, sizeof(*st));
	st->nlink = 1;
	if (obj_ref_is_scratch(ref)) {
		struct scratch *f = scratch_of(op, ref);

		if (!f)
			return -ENOENT;
		st->perm = 6;
		st->size = scratch_data(f)->len;
		st->mtime = scratch_mtime(f);
		return 0;
	}
	if (!ref_exists(op, ref))
		return -ENOENT;
	rc = policy_check(op->c.pol, &op->who, see_action(ref), ref, NULL);
	if (rc == -ENOENT)
		return rc;
	return stat_seen(op, ref, st, want_size, rc);
}

/* The rest of stat_ref() for a stored or derived ref that exists, once
 * the policy said rc (0 or -EACCES) to seeing it: from the memo when this
 * caller asked the same since the last commit (statmemo.h), else
 * computed. */
static int stat_compute(struct op *op, const struct obj_ref *ref,
			struct mstat *st, int want_size, int rc)
{
	const struct kind_attr *a = obj_ref_attr(ref);

	memset(st, 0, sizeof(*st));
	st->nlink = 1;
	/* an attribute's own mtime is computed from what it shows (a
	 * panel's table: its view's rows and settings; the audit log:
	 * the last audited act): only its readers learn it */
	st->mtime = a && a->mtime && !obj_ref_is_dir(ref) &&
			    allowed(op, a->act_read, ref) ?
			    a->mtime(&op->c, ref) :
			    obj_mtime(&op->c, ref);
	if (!st->mtime)
		st->mtime = op->c.m->started;
	if (obj_ref_is_dir(ref)) {
		int nk = kind_named_child(ref->kind);

		st->is_dir = 1;
		if (!rc)
			st->perm |= 5;
		if (nk >= 0 && (kind_table[nk].flags & KD_STORED) &&
		    allowed(op, kind_table[nk].act_create, ref))
			st->perm |= 2;
		return 0;
	}
	if (allowed(op, a->act_read, ref))
		st->perm |= 4;
	if ((a->store || (a->flags & KA_APPEND)) &&
	    allowed(op, a->act_write, ref))
		st->perm |= 2;
	if (a->flags & KA_STREAM) {
		st->stream = 1;
		if (want_size && (st->perm & 4) && a->stream->size)
			return a->stream->size(&op->c, ref, &st->size);
		return 0;
	}
	if (want_size && (st->perm & 4)) {
		struct buf b = BUF_INIT;

		rc = show(op, ref, &b);
		st->size = b.len;
		buf_release(&b);
		return rc;
	}
	return 0;
}

static int stat_seen(struct op *op, const struct obj_ref *ref,
		     struct mstat *st, int want_size, int rc)
{
	const struct kind_attr *a = obj_ref_attr(ref);
	uint64_t gen = store_generation(op->c.st) + 1;
	struct buf key = BUF_INIT;
	/* inside a transaction the store shows changes the generation
	 * does not count yet */
	int keyed = !(a && (a->flags & (KA_STREAM | KA_VOLATILE))) &&
		    !store_in_txn(op->c.st) && !stat_key(op, ref, rc, &key);

	if (keyed && stat_memo_get(op->c.m->stats, gen, key.data, key.len,
				   want_size, st)) {
		buf_release(&key);
		return 0;
	}
	rc = stat_compute(op, ref, st, want_size, rc);
	if (!rc && keyed)
		stat_memo_put(op->c.m->stats, gen, key.data, key.len,
			      want_size || !(st->perm & 4), st);
	buf_release(&key);
	return rc;
}

/* A lookup of a live secret name (a link's token) the policy refused:
 * audited under its directory, the name withheld, and -ENOENT, as for a
 * name that is not there. */
static int secret_refused(struct op *op, const struct obj_ref *ref)
{
	struct obj_ref dir;
	struct buf why = BUF_INIT, path = BUF_INIT, det = BUF_INIT;

	policy_check(op->c.pol, &op->who, see_action(ref), ref, &why);
	if (!obj_ref_parent(ref, &dir) && !obj_ref_path(&dir, &path) &&
	    !buf_printf(&det, "%s (its name withheld): %s",
			kind_table[ref->kind].name,
			why.len ? why.data : "not allowed"))
		audit_refused(&op->c, "lookup", path.data, "denied", det.data);
	buf_release(&why);
	buf_release(&path);
	buf_release(&det);
	return -ENOENT;
}

/*
 * What name in dir is for this caller: an attribute, a fixed directory, an
 * existing named object, or one of the caller's scratch files (in that
 * order).  An attribute whose unlink this process staged is gone for it.
 * -ENOENT when it is none of these.  *see is what the policy said to
 * seeing out (0 or -EACCES), or 1 for a scratch file, which it was not
 * asked about.
 */
static int resolve(struct op *op, const struct obj_ref *dir, const char *name,
		   struct obj_ref *out, enum kind_child_type *type, int *see)
{
	*see = 1;
	if (!obj_ref_is_dir(dir) || !ref_exists(op, dir))
		return -ENOENT;
	*type = kind_child(dir, name, out);
	if ((*type == KIND_CHILD_ATTR || (*type == KIND_CHILD_OBJECT &&
					   !(kind_table[out->kind].flags &
					     KD_STORED))) &&
	    staged_here(op, out))
		return -ENOENT;
	/* an attribute or fixed directory is there when dir is */
	if (*type == KIND_CHILD_ATTR || *type == KIND_CHILD_DIR ||
	    (*type == KIND_CHILD_OBJECT && ref_exists(op, out))) {
		*see = policy_check(op->c.pol, &op->who, see_action(out), out,
				    NULL);
		if (*see != -ENOENT)
			return 0;
		if (*type == KIND_CHILD_OBJECT &&
		    (kind_table[out->kind].flags & KD_SECRET))
			return secret_refused(op, out);
		*see = 1;
	}
	if (*type != KIND_CHILD_NONE && *type != KIND_CHILD_OBJECT)
		*type = KIND_CHILD_NONE;	/* hidden: a free name */
	if (strlen(name) > OBJ_SCRATCH_MAX)
		return -ENAMETOOLONG;
	*out = *dir;
	out->sandbox = NULL;
	snprintf(out->scratch, sizeof(out->scratch), "%s", name);
	*type = KIND_CHILD_NONE;
	if (!scratch_allowed(op, dir) || !scratch_of(op, out))
		return -ENOENT;
	return 0;
}

int model_lookup(struct model *m, const struct caller_id *id,
		 const struct obj_ref *dir, const char *name,
		 struct obj_ref *out, struct mstat *st)
{
	struct op op;
	int rc;

	enum kind_child_type type;
	int see;

	rc = op_begin(m, id, &op);
	if (rc)
		return rc;
	rc = resolve(&op, dir, name, out, &type, &see);
	if (!rc && see == 1)
		rc = stat_ref(&op, out, st, 1);
	else if (!rc)
		rc = stat_seen(&op, out, st, 1, see);
	op_end(m, &op);
	return rc;
}

static int getattr_as(struct model *m, const struct caller_id *id,
		      const struct obj_ref *ref, struct mstat *st,
		      int want_size)
{
	struct op op;
	int rc = op_begin(m, id, &op);

	if (rc)
		return rc;
	rc = stat_ref(&op, ref, st, want_size);
	op_end(m, &op);
	return rc;
}

int model_getattr(struct model *m, const struct caller_id *id,
		  const struct obj_ref *ref, struct mstat *st)
{
	return getattr_as(m, id, ref, st, 1);
}

int model_visible(struct model *m, const struct caller_id *id,
		  const struct obj_ref *ref)
{
	struct mstat st;

	return getattr_as(m, id, ref, &st, 0);
}

int model_access(struct model *m, const struct caller_id *id,
		 const struct obj_ref *ref, int mask)
{
	struct mstat st;
	unsigned want = 0;
	int rc = getattr_as(m, id, ref, &st, 0);

	if (rc)
		return rc;
	if (mask & R_OK)
		want |= 4;
	if (mask & W_OK)
		want |= 2;
	if (mask & X_OK)
		want |= 1;
	return (st.perm & want) == want ? 0 : -EACCES;
}

/* --- readdir --- */

struct dirlist {
	struct model_dirent *v;
	size_t n;
	size_t cap;
};

static int dirlist_add(struct dirlist *dl, const char *name, size_t len,
		       int is_dir)
{
	if (dl->n == dl->cap) {
		size_t cap = dl->cap ? 2 * dl->cap : 16;
		struct model_dirent *v = realloc(dl->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		dl->v = v;
		dl->cap = cap;
	}
	dl->v[dl->n].name = strndup(name, len);
	if (!dl->v[dl->n].name)
		return -ENOMEM;
	dl->v[dl->n].is_dir = is_dir;
	dl->v[dl->n].is_scratch = 0;
	dl->n++;
	return 0;
}

struct named_arg {
	struct op *op;
	const struct obj_ref *dir;
	struct dirlist *dl;
	int nk;
};

static int named_each(const char *name, size_t len, void *arg)
{
	struct named_arg *na = arg;
	const struct kind_def *k = &kind_table[na->nk];
	struct obj_ref child = *na->dir;
	struct buf entry = BUF_INIT;
	int rc = 0;

	if (len > OBJ_NAME_MAX)
		return 0;
	child.kind = na->nk;
	child.attr = (k->flags & KD_FILE) ? 0 : -1;
	memcpy(child.names[child.nnames], name, len);
	child.names[child.nnames][len] = '\0';
	child.nnames++;
	if (policy_check(na->op->c.pol, &na->op->who, k->act_see, &child,
			 NULL))
		return 0;
	if (!(k->flags & KD_STORED) && staged_here(na->op, &child))
		return 0;	/* unlinked, for this process */
	rc = obj_ref_entry_name(&child, &entry);
	if (!rc)
		rc = dirlist_add(na->dl, entry.data, entry.len,
				 !(k->flags & KD_FILE));
	buf_release(&entry);
	return rc;
}

/* A scratch name shadowed by an object or attribute is not listed. */
static int scratch_dirent(const char *name, void *arg)
{
	struct dirlist *dl = arg;
	size_t i;

	int rc;

	for (i = 0; i < dl->n; i++)
		if (!strcmp(dl->v[i].name, name))
			return 0;
	rc = dirlist_add(dl, name, strlen(name), 0);
	if (!rc)
		dl->v[dl->n - 1].is_scratch = 1;
	return rc;
}

int model_readdir(struct model *m, const struct caller_id *id,
		  const struct obj_ref *dir, struct model_dirent **ents,
		  size_t *n)
{
	const struct kind_def *k = &kind_table[dir->kind];
	struct dirlist dl = { NULL, 0, 0 };
	struct buf names = BUF_INIT;
	struct op op;
	int rc, i, nk;

	rc = op_begin(m, id, &op);
	if (rc)
		return rc;
	if (!obj_ref_is_dir(dir) || !ref_exists(&op, dir)) {
		rc = obj_ref_is_dir(dir) ? -ENOENT : -ENOTDIR;
		goto out;
	}
	rc = policy_check(op.c.pol, &op.who, k->act_see, dir, NULL);
	if (rc)
		goto out;
	for (i = 0; k->attrs[i].name && !rc; i++) {
		struct obj_ref a = *dir;

		a.attr = i;
		if (staged_here(&op, &a))
			continue;	/* unlinked, for this process */
		if (policy_check(op.c.pol, &op.who, k->attrs[i].act_read, &a,
				 NULL) != -ENOENT)
			rc = dirlist_add(&dl, k->attrs[i].name,
					 strlen(k->attrs[i].name), 0);
	}
	for (i = 1; i < KIND_COUNT && !rc; i++) {
		struct obj_ref sub = *dir;

		if (!kind_table[i].name || kind_table[i].parent != dir->kind ||
		    (kind_table[i].flags & KD_NAMED))
			continue;
		sub.kind = i;
		if (policy_check(op.c.pol, &op.who, kind_table[i].act_see, &sub,
				 NULL) != -ENOENT)
			rc = dirlist_add(&dl, kind_table[i].name,
					 strlen(kind_table[i].name), 1);
	}
	/* every named kind of the directory (panels/: P.csv and P.ini),
	 * the computed ones first: rm -r meets a computed file (staged)
	 * before the stored one it is computed from (deleted at once),
	 * which would take it along and fail its unlink */
	for (i = 0; i < 2 && !rc; i++) {
		for (nk = kind_named_child(dir->kind); nk >= 0 && !rc;
		     nk = kind_named_next(dir->kind, nk)) {
			struct named_arg na = { &op, dir, &dl, nk };

			if (!(kind_table[nk].flags & KD_STORED) != !i)
				continue;
			buf_reset(&names);
			if (kind_table[nk].flags & KD_STORED)
				rc = obj_list(&op.c, dir, &names);
			else
				rc = kind_table[nk].list(&op.c, dir, &names);
			if (!rc)
				rc = inidoc_lines_each(names.data, named_each,
						       &na);
		}
	}
	if (!rc) {
		struct buf path = BUF_INIT;

		rc = obj_ref_path(dir, &path);
		if (!rc)
			rc = scratch_each(m->scratch, op.who.id.uid, path.data,
					  scratch_dirent, &dl);
		buf_release(&path);
	}
out:
	op_end(m, &op);
	buf_release(&names);
	if (rc) {
		model_dirents_free(dl.v, dl.n);
		return rc;
	}
	*ents = dl.v;
	*n = dl.n;
	return 0;
}

void model_dirents_free(struct model_dirent *ents, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ents[i].name);
	free(ents);
}

/* --- commits --- */

/* Commit data as ref's new content: one transaction with its audit line.
 * Returns 0 (also for a no-op) or -errno, recorded when refused.  len
 * over the cap is refused before data is looked at: a poisoned open file
 * commits (NULL, the size it was asked to take). */
static int commit(struct op *op, const struct obj_ref *ref, const char *data,
		  size_t len)
{
	const struct kind_attr *a = obj_ref_attr(ref);
	struct buf path = BUF_INIT, detail = BUF_INIT;
	struct obj_ref dir;
	struct diag d;
	int rc, creating = 0;

	if (!ref_exists(op, ref)) {
		/* a new file object (components/x.ini) comes to be with its
		 * first content, or not at all */
		if ((kind_table[ref->kind].flags & (KD_FILE | KD_STORED)) !=
			    (KD_FILE | KD_STORED) ||
		    obj_ref_parent(ref, &dir) || !ref_exists(op, &dir))
			return -ENOENT;
		creating = 1;
	}
	rc = creating ? gate_for(op, kind_table[ref->kind].act_create, &dir,
				 ref, "create") :
			gate(op, a->act_write, ref, "write");
	if (rc)
		return rc;
	if (len > op->c.cfg->ini_max_bytes) {
		diag_set(&d, 0, 0, "%zu bytes is more than the %zu a settings "
			 "file may hold", len, op->c.cfg->ini_max_bytes);
		refused(op, "write", ref, -EFBIG, d.msg, &d);
		return -EFBIG;
	}
	rc = store_txn_begin(op->c.st);
	if (rc)
		return rc;
	memset(&d, 0, sizeof(d));
	op->c.audited = 0;
	if (creating)
		rc = create_object(op, &dir, ref, &d);
	if (!rc)
		rc = a->store(&op->c, ref, data, len, &d);
	if (rc == 1 && creating)
		rc = 0;		/* the defaults were what was written */
	if (rc == 1) {
		store_txn_cancel(op->c.st);
		return 0;
	}
	if (!rc)
		rc = obj_ref_path(ref, &path);
	if (!rc)
		rc = buf_printf(&detail, "%zu bytes", len);
	if (!rc && !op->c.audited)
		rc = audit_append(&op->c, creating ? "create" : "write",
				  path.data, "ok", detail.data);
	if (!rc) {
		rc = store_txn_commit(op->c.st);
	} else {
		store_txn_cancel(op->c.st);
		if (rc == -EINVAL || rc == -EACCES || rc == -EFBIG) {
			if (!d.msg[0])
				diag_set(&d, 0, 0, "rejected");
			refused(op, "write", ref, rc, d.msg, &d);
		}
	}
	buf_release(&path);
	buf_release(&detail);
	return rc;
}

/* --- open files --- */

/* Charge f's opener for content of want bytes: 0, or the quota's errno
 * (nothing changes) when that is past the opener's bound. */
static int file_charge(struct model *m, struct model_file *f, size_t want)
{
	int rc = 0;

	if (want > f->charged)
		rc = quota_take(m->quota, f->opener.uid, QUOTA_OPEN_BYTES,
				want - f->charged);
	else
		quota_give(m->quota, f->opener.uid, QUOTA_OPEN_BYTES,
			   f->charged - want);
	if (!rc)
		f->charged = want;
	return rc;
}

/* Count a new open file (and stream) against its opener. */
static int file_count(struct model *m, struct model_file *f)
{
	int rc = quota_take(m->quota, f->opener.uid, QUOTA_OPEN_FILES, 1);

	if (!rc && f->stream) {
		rc = quota_take(m->quota, f->opener.uid, QUOTA_STREAMS, 1);
		if (rc)
			quota_give(m->quota, f->opener.uid, QUOTA_OPEN_FILES,
				   1);
	}
	if (!rc)
		f->counted = 1;
	return rc;
}

/* A new open file, with its opener's reference. */
static struct model_file *file_new(void)
{
	struct model_file *f = calloc(1, sizeof(*f));

	if (f) {
		pthread_mutex_init(&f->rlock, NULL);
		atomic_init(&f->refs, 1);
	}
	return f;
}

/* Free f and everything it holds, and give its quota back.  The
 * scratch file's reference is dropped under the model's lock. */
static void file_free(struct model *m, struct model_file *f)
{
	const struct kind_attr *a = obj_ref_attr(&f->ref);

	if (f->scr)
		scratch_put(f->scr);
	if (f->append)
		a->append->done(f->append);
	if (f->stream && f->cursor)
		a->stream->done(f->cursor);
	if (f->job) {
		job_end(f->job);
		job_put(f->job);
	}
	pthread_mutex_destroy(&f->rlock);
	file_charge(m, f, 0);
	if (f->counted) {
		quota_give(m->quota, f->opener.uid, QUOTA_OPEN_FILES, 1);
		if (f->stream)
			quota_give(m->quota, f->opener.uid, QUOTA_STREAMS, 1);
	}
	buf_release(&f->content);
	buf_release(&f->win);
	free(f);
}

/* --- write-time judgement (SPEC §5) --- */

/* Judge the lines of f from now on: its content is empty (a truncating
 * open, a truncate to 0, a new file object).  Only for attributes that
 * have something to judge a line by. */
static void wcheck_start(struct model_file *f)
{
	const struct kind_attr *a = obj_ref_attr(&f->ref);

	f->wcheck = a && (a->schema || a->check_entry) &&
		    !(a->flags & (KA_APPEND | KA_STREAM));
	f->judged = 0;
	inidoc_line_state_init(&f->lines);
}

/* One complete line (without its newline) of f's new content. */
static int judge_line(struct op *op, struct model_file *f, const char *line,
		      size_t len, struct diag *d)
{
	const struct kind_attr *a = obj_ref_attr(&f->ref);
	struct buf val = BUF_INIT;
	long field;
	int rc;

	if (!a->schema)
		return inidoc_lines_check_line(line, len, ++f->lines.line,
					       a->check_entry, &op->c, d);
	rc = inidoc_check_line(a->schema, &f->lines, line, len, &field, &val,
			       d);
	if (!rc && field >= 0 && a->check_key) {
		memset(d, 0, sizeof(*d));
		rc = a->check_key(&op->c, &f->ref, &a->schema->fields[field],
				  val.data ? val.data : "", line, len, d);
		if (rc)
			d->line = f->lines.line;
	}
	buf_release(&val);
	return rc;
}

/* Judge the lines f's content has completed since the last call: 0, or
 * -EINVAL / -EACCES after poisoning f (one /errors and one audit line).
 * Any other failure (the object gone, no memory) only stops judging:
 * the close has the verdict. */
static int wcheck_lines(struct model *m, const struct caller_id *id,
			struct model_file *f)
{
	const char *p = f->content.data + f->judged;
	const char *end = f->content.data + f->content.len;
	const char *nl = end;
	struct op op;
	struct diag d;
	int rc;

	while (nl > p && nl[-1] != '\n')
		nl--;
	if (nl == p)
		return 0;	/* no new whole line yet */
	nl--;
	rc = op_begin(m, id, &op);
	if (rc) {
		f->wcheck = 0;
		return 0;
	}
	while (!rc && p <= nl) {
		const char *e = memchr(p, '\n', (size_t)(nl + 1 - p));

		memset(&d, 0, sizeof(d));
		rc = judge_line(&op, f, p, (size_t)(e - p), &d);
		p = e + 1;
	}
	f->judged = (size_t)(p - f->content.data);
	if (rc == -EINVAL || rc == -EACCES) {
		f->poisoned = rc;
		f->dirty = 1;
		f->trunc_pending = 0;
		refused(&op, "write", &f->ref, rc, d.msg, &d);
	} else if (rc) {
		f->wcheck = 0;
		rc = 0;
	}
	op_end(m, &op);
	return rc;
}

/* List f, a computation being opened, in reporting activity. */
static int job_open(struct op *op, struct model_file *f)
{
	struct buf path = BUF_INIT;
	/* a link's token is never listed (SPEC §7) */
	int rc = obj_ref_path_withheld(&f->ref, &path);

	if (!rc)
		rc = job_new(op->c.m->act, op->who.login, op->who.id.uid,
			     path.data, &f->job);
	buf_release(&path);
	return rc;
}

/* Open ref for this operation's caller (see model_open_file). */
static int open_file(struct op *op_, const struct obj_ref *ref, int flags,
		     struct model_file **out)
{
	struct model *m = op_->c.m;
	const struct kind_attr *a = obj_ref_attr(ref);
	int acc = flags & O_ACCMODE;
	struct model_file *f;
	struct op op = *op_;
	int rc = 0;

	if (!a && !obj_ref_is_scratch(ref))
		return -EISDIR;
	f = file_new();
	if (!f)
		return -ENOMEM;
	f->ref = *ref;
	f->opener = op.who.id;
	f->flags = flags;
	if (obj_ref_is_scratch(ref)) {
		f->scr = scratch_of(&op, ref);
		if (!f->scr) {
			rc = -ENOENT;
			goto out;
		}
		scratch_get(f->scr);
		if ((flags & O_TRUNC) && acc != O_RDONLY)
			rc = scratch_truncate(m->scratch, f->scr, 0, op.c.now);
		goto out;
	}
	if (!ref_exists(&op, ref)) {
		rc = -ENOENT;
		goto out;
	}
	oid_of(&op, ref, f->oid);
	if (acc != O_WRONLY)
		rc = gate(&op, a->act_read, ref, "read");
	if (!rc && acc != O_RDONLY) {
		if (!a->store && !(a->flags & KA_APPEND)) {
			/* a caller who may not read it either is refused
			 * (and audited) for that */
			rc = gate(&op, see_action(ref), ref, "write");
			if (!rc) {
				struct diag d;

				rc = -EACCES;
				diag_set(&d, 0, 0, "write: denied: "
					 "read-only file");
				refused(&op, "write", ref, rc,
					"read-only file", &d);
			}
		} else {
			rc = gate(&op, a->act_write, ref, "write");
		}
	}
	if (rc)
		goto out;
	if ((a->flags & KA_APPEND) && acc != O_RDONLY) {
		rc = a->append->start(&op.c, ref, &f->append);
		if (!rc && acc == O_RDWR && (a->flags & KA_STREAM)) {
			f->stream = 1;
			rc = a->stream->start(&op.c, ref, &f->cursor);
		}
	} else if (a->flags & KA_STREAM) {
		f->stream = 1;
		rc = a->stream->start(&op.c, ref, &f->cursor);
		if (!rc && a->stream->computation)
			rc = job_open(&op, f);
	} else if ((flags & O_TRUNC) && acc != O_RDONLY) {
		/* not dirty yet: shells open, dup2 and close the original
		 * fd (a flush) before they write; only a write makes a
		 * flush commit, and a truncating open alone commits at
		 * close (": > file") */
		rc = buf_add(&f->content, "", 0);
		f->trunc_pending = 1;
		wcheck_start(f);
	} else if (!(a->flags & KA_APPEND)) {
		rc = show(&op, ref, &f->content);
	}
out:
	/* the descriptor and what it holds count against its opener */
	if (!rc)
		rc = file_count(m, f);
	if (!rc)
		rc = file_charge(m, f, f->content.len);
	if (rc) {
		file_free(m, f);
		return rc;
	}
	*out = f;
	return 0;
}

int model_open_file(struct model *m, const struct caller_id *id,
		    const struct obj_ref *ref, int flags,
		    struct model_file **out)
{
	struct op op;
	int rc = op_begin(m, id, &op);

	if (rc)
		return rc;
	rc = open_file(&op, ref, flags, out);
	op_end(m, &op);
	return rc;
}

/* Start f's stream over from its first byte. */
static int stream_restart(struct op *op, struct model_file *f)
{
	const struct kind_attr *a = obj_ref_attr(&f->ref);

	a->stream->done(f->cursor);
	f->cursor = NULL;
	buf_reset(&f->win);
	f->win_off = 0;
	f->eof = 0;
	f->eof_told = 0;
	return a->stream->start(&op->c, &f->ref, &f->cursor);
}

/* Produce stream bytes until the window covers off (or the end).  A
 * sized stream that was at its end is asked again: a read past it may
 * find lines appended since (tail -f). */
static int stream_seek(struct op *op, struct model_file *f, uint64_t off)
{
	const struct kind_attr *a = obj_ref_attr(&f->ref);
	int rc;

	/* a snapshot goes on past its end only for a read that comes
	 * after one that found the end (tail -f), never within the read
	 * that reaches it (cat stops there) */
	if (f->eof && a->stream->size && off >= f->win_off + f->win.len &&
	    (!a->stream->refresh || f->eof_told)) {
		f->eof = 0;
		f->eof_told = 0;
		if (a->stream->refresh) {
			rc = a->stream->refresh(&op->c, &f->ref, f->cursor);
			if (rc)
				return rc;
		}
	}

	if (off < f->win_off) {
		rc = stream_restart(op, f);	/* backwards */
		if (rc)
			return rc;
	}
	while (!f->eof && off >= f->win_off + f->win.len) {
		f->win_off += f->win.len;
		buf_reset(&f->win);
		if (a->stream->unlocked) {
			/* the store and the policy are not its to touch
			 * without the lock */
			struct mctx uc = op->c;

			uc.st = NULL;
			uc.pol = NULL;
			op_unlock(op);
			rc = a->stream->next(&uc, &f->ref, f->cursor, &f->win,
					     &f->eof);
			op_relock(op);
		} else {
			rc = a->stream->next(&op->c, &f->ref, f->cursor,
					     &f->win, &f->eof);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Read a stream for its opener (see model_file_read), one read of the
 * descriptor at a time.  A computation's read fails with what stopped it
 * (a cancel: -ECANCELED; an interrupt or a close: -EINTR), even when the
 * piece it was producing was done, and ends its listing at end of file.
 */
static int stream_read(struct model *m, struct model_file *f, uint64_t off,
		       size_t size, struct buf *out)
{
	const struct kind_attr *a = obj_ref_attr(&f->ref);
	struct op op;
	int rc, resumed;

	pthread_mutex_lock(&f->rlock);
	resumed = job_resume(f->job);
	rc = resumed < 0 ? resumed : 0;
	if (rc)
		goto out_unlock;
	/* a stream is computed for its opener, whoever reads the
	 * descriptor, so what a read (or a page of a private mapping)
	 * holds is always the opener's view; and the opener's right to
	 * read is asked again at every read, so a revocation stops the
	 * stream at once */
	rc = op_begin(m, &f->opener, &op);
	if (rc)
		goto out_unlock;
	op.c.job = f->job;
	if (f->job && !a->stream->unlocked)
		job_set_yield(f->job, model_yield, &op);
	rc = gate(&op, a->act_read, &f->ref, "read");
	if (!rc && resumed == 1) {
		/* interrupted, and read again: the scan it stopped starts
		 * over (a failed start is tried again at the next read) */
		rc = stream_restart(&op, f);
		if (rc)
			job_stop(f->job, -EINTR, NULL, NULL);
	}
	while (!rc && out->len < size) {
		uint64_t pos = off + out->len;
		size_t avail, take;

		rc = stream_seek(&op, f, pos);
		if (rc || pos >= f->win_off + f->win.len)
			break;
		avail = f->win_off + f->win.len - pos;
		take = size - out->len < avail ? size - out->len : avail;
		rc = buf_add(out, f->win.data + (pos - f->win_off), take);
	}
	if (!rc && !out->len && f->eof)
		f->eof_told = 1;
	if (f->job) {
		job_set_yield(f->job, NULL, NULL);
		if (job_stopped(f->job))
			rc = job_stopped(f->job);
		else if (!rc && f->eof)
			job_end(f->job);
	}
	op_end(m, &op);
out_unlock:
	pthread_mutex_unlock(&f->rlock);
	if (rc)
		buf_reset(out);
	return rc;
}

int model_file_read(struct model *m, const struct caller_id *id,
		    struct model_file *f, uint64_t off, size_t size,
		    struct buf *out)
{
	int rc = 0;

	buf_reset(out);
	if (f->scr) {
		const struct buf *d;

		pthread_mutex_lock(&m->lock);
		d = scratch_data(f->scr);
		if (off < d->len) {
			size_t n = d->len - off;

			rc = buf_add(out, d->data + off, n < size ? n : size);
		}
		pthread_mutex_unlock(&m->lock);
		return rc;
	}
	if (!f->stream) {
		if (off < f->content.len) {
			size_t n = f->content.len - off;

			rc = buf_add(out, f->content.data + off,
				     n < size ? n : size);
		}
		return rc;
	}
	return stream_read(m, f, off, size, out);
}

static void model_file_get(struct model_file *f)
{
	atomic_fetch_add(&f->refs, 1);
}

/* Drop a reference; the last frees f (under the lock: a stream's done()
 * runs under it). */
static void model_file_put(struct model *m, struct model_file *f)
{
	if (atomic_fetch_sub(&f->refs, 1) != 1)
		return;
	if (f->scr || f->stream) {
		model_lock(m);
		file_free(m, f);
		pthread_mutex_unlock(&m->lock);
		return;
	}
	file_free(m, f);
}

int model_file_async(const struct model_file *f)
{
	return f && f->job;
}

/* One read of a computation, from its queueing to its reply. */
struct aread {
	struct model *m;
	struct model_file *f;	/* holds a reference */
	uint64_t off;
	size_t size;
	model_read_done_fn done;
	void *arg;
};

static void aread_finish(struct aread *r, int rc, const struct buf *out)
{
	r->done(r->arg, rc, out ? out->data : NULL, out ? out->len : 0);
	model_file_put(r->m, r->f);
	free(r);
}

/* In a slot (a worker thread). */
static void aread_run(void *arg)
{
	struct aread *r = arg;
	struct buf out = BUF_INIT;
	int rc = stream_read(r->m, r->f, r->off, r->size, &out);

	aread_finish(r, rc, &out);
	buf_release(&out);
}

/* Taken out of the queue by a stop: it never runs. */
static void aread_drop(void *arg, int rc)
{
	aread_finish(arg, rc, NULL);
}

void model_file_read_async(struct model *m, const struct caller_id *id,
			   struct model_file *f, uint64_t off, size_t size,
			   model_read_done_fn done, void *arg)
{
	struct aread *r;
	int rc;

	if (!f->job) {
		struct buf out = BUF_INIT;

		rc = model_file_read(m, id, f, off, size, &out);
		done(arg, rc, out.data, out.len);
		buf_release(&out);
		return;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		done(arg, -ENOMEM, NULL, 0);
		return;
	}
	r->m = m;
	r->f = f;
	r->off = off;
	r->size = size;
	r->done = done;
	r->arg = arg;
	model_file_get(f);
	rc = activity_submit(m->act, f->job, aread_run, aread_drop, r);
	if (rc)
		aread_finish(r, rc, NULL);
}

void model_file_interrupt(struct model *m, struct model_file *f)
{
	struct task *dropped = NULL;

	job_stop(f->job, -EINTR, NULL, &dropped);
	/* replies to the reads that waited: f is not touched after */
	activity_drop(dropped);
}

void model_quiesce(struct model *m)
{
	activity_shutdown(m->act);
}

/* One write(2) (or, with data NULL, the end of input) to an append file:
 * its own transaction with its audit line. */
static long append_commit(struct model *m, const struct caller_id *id,
			  struct model_file *f, const char *data, size_t len)
{
	const struct kind_attr *a = obj_ref_attr(&f->ref);
	struct buf detail = BUF_INIT, path = BUF_INIT;
	struct diag d;
	struct op op;
	int rc;

	rc = op_begin(m, id, &op);
	if (rc)
		return rc;
	if (!ref_exists(&op, &f->ref)) {
		rc = -ENOENT;
		goto out;
	}
	rc = gate(&op, a->act_write, &f->ref, "write");
	if (rc)
		goto out;
	rc = store_txn_begin(op.c.st);
	if (rc)
		goto out;
	memset(&d, 0, sizeof(d));
	if (data)
		rc = a->append->write(&op.c, &f->ref, f->append, data, len,
				      &detail, &d);
	else
		rc = a->append->finish(&op.c, &f->ref, f->append, &detail, &d);
	if (!rc && detail.len) {
		rc = obj_ref_path(&f->ref, &path);
		if (!rc)
			rc = audit_append(&op.c, data ? "write" : "close",
					  path.data, "ok", detail.data);
	}
	if (!rc) {
		rc = store_txn_commit(op.c.st);
		if (rc)
			a->append->rollback(f->append);
	} else {
		store_txn_cancel(op.c.st);
		a->append->rollback(f->append);
	}
	/* a full disk: the writer learns why, nothing of the write is kept */
	if (rc == -ENOSPC && !d.msg[0])
		diag_set(&d, 0, 0, "no space left for rows on the store's "
			 "disk (a reserve is kept for admin changes); "
			 "nothing of this write was stored: delete rows or "
			 "datasets, or free space");
	if (rc && d.msg[0])
		refused(&op, "write", &f->ref, rc, d.msg, &d);
out:
	op_end(m, &op);
	buf_release(&detail);
	buf_release(&path);
	return rc ? rc : (long)len;
}

/* A write or truncate to size went past the cap: nothing this open file
 * holds may be committed now, and its next flush says so. */
static int poison(struct model_file *f, uint64_t size)
{
	f->oversize = size;
	f->dirty = 1;
	f->trunc_pending = 0;
	return -EFBIG;
}

long model_file_write(struct model *m, const struct caller_id *id,
		      struct model_file *f, uint64_t off, const char *data,
		      size_t len)
{
	size_t end;
	int rc;

	if (f->append)
		return append_commit(m, id, f, data, len);
	if (f->scr) {
		pthread_mutex_lock(&m->lock);
		if (f->flags & O_APPEND)
			off = scratch_data(f->scr)->len;
		rc = scratch_write(m->scratch, f->scr, off, data, len,
				   time(NULL));
		pthread_mutex_unlock(&m->lock);
		return rc ? rc : (long)len;
	}
	if (f->stream)
		return -EACCES;
	if (f->poisoned)
		return f->poisoned;
	if (f->oversize)
		return -EFBIG;
	if (f->flags & O_APPEND)
		off = f->content.len;
	/* an editor writing blocks at offsets gets the close's verdict */
	if (off != f->content.len)
		f->wcheck = 0;
	if (off > m->cfg->ini_max_bytes || len > m->cfg->ini_max_bytes - off)
		return poison(f, off + len < off ? UINT64_MAX : off + len);
	end = (size_t)off + len;
	if (end > f->content.len) {
		rc = file_charge(m, f, end);
		if (rc)
			return rc;
		rc = buf_grow(&f->content, end - f->content.len);
		if (rc)
			return rc;
		memset(f->content.data + f->content.len, 0,
		       end - f->content.len);
		f->content.len = end;
		f->content.data[end] = '\0';
	}
	memcpy(f->content.data + off, data, len);
	f->dirty = 1;
	f->trunc_pending = 0;
	if (f->wcheck) {
		rc = wcheck_lines(m, id, f);
		if (rc)
			return rc;
	}
	return (long)len;
}

int model_file_truncate(struct model *m, struct model_file *f, uint64_t size)
{
	int rc;

	if (f->append)
		return size ? -EINVAL : 0;	/* > records appends */
	if (f->scr) {
		pthread_mutex_lock(&m->lock);
		rc = scratch_truncate(m->scratch, f->scr, size, time(NULL));
		pthread_mutex_unlock(&m->lock);
		return rc;
	}
	if (f->stream)
		return -EACCES;
	if (f->poisoned)
		return f->poisoned;
	if (f->oversize)
		return -EFBIG;
	if (size > m->cfg->ini_max_bytes)
		return poison(f, size);
	if (size < f->judged)
		f->wcheck = 0;
	if (size > f->content.len) {
		size_t grow = (size_t)size - f->content.len;

		rc = file_charge(m, f, (size_t)size);
		if (!rc)
			rc = buf_grow(&f->content, grow);
		if (rc)
			return rc;
		memset(f->content.data + f->content.len, 0, grow);
	}
	f->content.len = (size_t)size;
	if (f->content.data)
		f->content.data[size] = '\0';
	f->dirty = 1;
	f->trunc_pending = 0;
	if (!size)
		wcheck_start(f);
	return 0;
}

int model_file_flush(struct model *m, const struct caller_id *id,
		     struct model_file *f)
{
	struct op op;
	int rc;

	if (f->append) {
		long n = append_commit(m, id, f, NULL, 0);

		return n < 0 ? (int)n : 0;
	}
	if (f->poisoned) {
		/* refused at write, recorded then: nothing commits */
		f->dirty = 0;
		f->trunc_pending = 0;
		return f->poisoned;
	}
	if (!f->dirty)
		return f->oversize ? -EFBIG : 0;
	rc = op_begin(m, id, &op);
	if (rc)
		return rc;
	if (f->oid[0]) {
		char now[17];

		oid_of(&op, &f->ref, now);
		if (strcmp(now, f->oid))
			rc = -ENOENT;	/* deleted, maybe made anew, since */
	}
	if (!rc && f->oversize)
		rc = commit(&op, &f->ref, NULL, (size_t)f->oversize);
	else if (!rc)
		rc = commit(&op, &f->ref,
			    f->content.data ? f->content.data : "",
			    f->content.len);
	/* committed or refused, this content has had its verdict */
	f->dirty = 0;
	f->trunc_pending = 0;
	op_end(m, &op);
	return rc;
}

int model_file_getattr(struct model *m, const struct caller_id *id,
		       struct model_file *f, struct mstat *st)
{
	struct op op;
	int rc = op_begin(m, id, &op);

	if (rc)
		return rc;
	rc = stat_ref(&op, &f->ref, st, 1);
	if (rc == -ENOENT && !f->stream && !f->append) {
		/* unlinked scratch file, or a file object not committed
		 * yet: what this descriptor holds */
		memset(st, 0, sizeof(*st));
		st->perm = 6;
		st->mtime = f->scr ? scratch_mtime(f->scr) : op.c.now;
		st->nlink = f->scr ? 0 : 1;	/* an unlinked one has none */
		rc = 0;
	}
	if (!rc && !st->is_dir && !st->stream)
		st->size = model_file_size(f);
	op_end(m, &op);
	return rc;
}

uint64_t model_file_size(struct model_file *f)
{
	if (f->scr)
		return scratch_data(f->scr)->len;
	return f->stream ? 0 : f->content.len;
}

/* Free an open file whose creation failed, under the lock. */
static void model_file_close_locked(struct op *op, struct model_file *f)
{
	file_free(op->c.m, f);
}

int model_file_trunc_pending(const struct model_file *f)
{
	return f->trunc_pending && !f->dirty && !f->poisoned;
}

void model_file_settle(struct model_file *f)
{
	if (f->trunc_pending && !f->poisoned)
		f->dirty = 1;
}

void model_file_close(struct model *m, const struct caller_id *id,
		      struct model_file *f)
{
	struct task *dropped = NULL;

	if (!f)
		return;
	/* a close stops its computation: the piece under way at its next
	 * chunk, the reads that wait at once */
	job_close(f->job, &dropped);
	activity_drop(dropped);
	if (f->dirty || f->trunc_pending) {
		/* release cannot report errors; /errors and the audit
		 * log still tell */
		f->dirty = 1;
		model_file_flush(m, &f->opener, f);
	}
	/* no append_commit here: the flush of close(2) already ended a
	 * last partial line, and a release has no caller to commit as
	 * (FUSE sends it with uid 0), so it would only audit a denial.
	 * A scratch file's count is shared with its other openers. */
	model_file_put(m, f);
}

int model_truncate(struct model *m, const struct caller_id *id,
		   const struct obj_ref *ref, uint64_t size)
{
	struct model_file *f;
	int rc = model_open_file(m, id, ref, O_RDWR, &f);

	if (rc)
		return rc;
	rc = model_file_truncate(m, f, size);
	if (!rc || rc == -EFBIG) {	/* EFBIG: the flush records it */
		int frc = model_file_flush(m, id, f);

		/* a scratch file has nothing to flush: keep its EFBIG */
		if (!rc)
			rc = frc;
	}
	model_file_close(m, id, f);
	return rc;
}

/* --- objects --- */

/* What name in dir is, for mkdir/rmdir/unlink: -errno when it is not a
 * name these may act on. */
static int child_of(const struct obj_ref *dir, const char *name,
		    struct obj_ref *out, enum kind_child_type *type)
{
	*type = kind_child(dir, name, out);
	if (*type != KIND_CHILD_NONE)
		return 0;
	if (!inidoc_valid_name(name, strlen(name)))
		return -EINVAL;
	return kind_named_child(dir->kind) < 0 ? -EPERM : -ENOENT;
}

static int audit_ok(struct op *op, const char *action,
		    const struct obj_ref *ref, const char *detail)
{
	struct buf path = BUF_INIT, det = BUF_INIT;
	int rc = audit_where(ref, &action, detail, &path, &det);

	if (!rc)
		rc = audit_append(&op->c, action, path.data, "ok", det.data);
	buf_release(&path);
	buf_release(&det);
	return rc;
}

/* An object's incarnation: a descriptor opened on an object that was
 * deleted must not commit into a new object of the same name. */
static int new_oid(struct rec *r)
{
	unsigned char raw[8];
	char hex[17];
	int i;

	if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
		return -EIO;
	for (i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	return rec_sets(r, "oid", hex);
}

/* ref's object's incarnation into out ("" for fixed directories). */
static void oid_of(struct op *op, const struct obj_ref *ref, char out[17])
{
	struct rec r = REC_INIT;
	const char *oid;

	out[0] = '\0';
	if (!obj_load(&op->c, ref, &r) && (oid = rec_get(&r, "oid", NULL)))
		snprintf(out, 17, "%s", oid);
	rec_release(&r);
}

/* Inside the caller's transaction: store a new object ref in dir with
 * every attribute at its default, run the kind's create hook, and add it
 * to dir's index. */
static int create_object(struct op *op, const struct obj_ref *dir,
			 const struct obj_ref *ref, struct diag *d)
{
	const struct kind_def *k = &kind_table[ref->kind];
	struct rec r = REC_INIT;
	int rc = 0, i;

	for (i = 0; k->attrs[i].name && !rc; i++) {
		const struct kind_attr *a = &k->attrs[i];
		struct inidoc doc;
		struct buf text = BUF_INIT;

		if (!a->store)
			continue;
		if (a->schema) {
			rc = inidoc_defaults(a->schema, &doc);
			if (rc)
				break;
			rc = inidoc_render(&doc, &text);
			inidoc_release(&doc);
		} else {
			rc = buf_add(&text, "", 0);
		}
		if (!rc)
			rc = rec_set(&r, a->name, text.data, text.len);
		buf_release(&text);
	}
	if (!rc)
		rc = new_oid(&r);
	if (!rc)
		rc = obj_save(&op->c, ref, &r);
	if (!rc && k->create)
		rc = k->create(&op->c, ref, d);
	/* scratch files by the new name stay: the object shadows them for
	 * whoever sees it (resolve() looks at objects first), and dropping
	 * them would tell a caller who may not see it that it was made */
	if (!rc)
		rc = obj_list_add(&op->c, dir, ref->names[ref->nnames - 1]);
	rec_release(&r);
	return rc;
}

int model_mkdir(struct model *m, const struct caller_id *id,
		const struct obj_ref *dir, const char *name)
{
	enum kind_child_type type;
	const struct kind_def *k;
	struct obj_ref ref;
	struct diag d;
	struct op op;
	int rc;

	rc = op_begin(m, id, &op);
	if (rc)
		return rc;
	if (!ref_exists(&op, dir) ||
	    policy_check(op.c.pol, &op.who, kind_table[dir->kind].act_see, dir,
			 NULL) == -ENOENT) {
		rc = -ENOENT;
		goto out;
	}
	rc = child_of(dir, name, &ref, &type);
	if (rc == -ENOENT)
		rc = -EPERM;
	if (rc)
		goto out;
	if (type != KIND_CHILD_OBJECT) {
		/* a name the caller may not know is a free name here */
		rc = policy_check(op.c.pol, &op.who, see_action(&ref), &ref,
				  NULL) == -ENOENT ?
			     -EPERM :
			     -EEXIST;
		goto out;
	}
	k = &kind_table[ref.kind];
	if (!(k->flags & KD_STORED) || (k->flags & KD_FILE)) {
		rc = -EPERM;
		goto out;
	}
	rc = gate_for(&op, k->act_create, dir, &ref, "mkdir");
	if (rc)
		goto out;
	if (ref_exists(&op, &ref)) {
		rc = -EEXIST;
		goto out;
	}
	rc = store_txn_begin(op.c.st);
	if (rc)
		goto out;
	memset(&d, 0, sizeof(d));
	rc = create_object(&op, dir, &ref, &d);
	if (!rc)
		rc = audit_ok(&op, "mkdir", &ref, NULL);
	if (!rc) {
		rc = store_txn_commit(op.c.st);
	} else {
		store_txn_cancel(op.c.st);
		if (d.msg[0])
			refused(&op, "mkdir", &ref, rc, d.msg, &d);
	}
out:
	op_end(m, &op);
	return rc;
}

/*
 * rm -r reaches what is inside an object (datasets) before the object:
 * when this process has begun removing an object (it staged one of its
 * attributes) whose kind refuses its delete now (in_use), deleting
 * anything inside it is refused the same way, so that the refusal at
 * the end leaves the whole tree as it was.  0, or -EBUSY with *d.
 */
static int teardown_in_use(struct op *op, const struct obj_ref *ref,
			   struct diag *d)
{
	struct obj_ref up = *ref, next;
	char msg[sizeof(d->msg)];
	int rc = 0, i;

	up.attr = -1;
	while (!rc && !obj_ref_parent(&up, &next)) {
		const struct kind_def *k;
		int staged = 0;

		up = next;
		k = &kind_table[up.kind];
		if (!(k->flags & KD_NAMED) || !k->in_use)
			continue;
		for (i = 0; k->attrs[i].name && !staged; i++) {
			struct obj_ref a = up;

			a.attr = i;
			staged = staged_here(op, &a);
		}
		if (!staged)
			continue;
		rc = k->in_use(&op->c, &up, d);
		if (rc && d->msg[0]) {
			snprintf(msg, sizeof(msg), "%s", d->msg);
			diag_set(d, 0, 0, "%s %s %s", k->name,
				 up.names[up.nnames - 1], msg);
		}
	}
	return rc;
}

int model_rmdir(struct model *m, const struct caller_id *id,
		const struct obj_ref *dir, const char *name)
{
	enum kind_child_type type;
	struct obj_ref ref, owner;
	struct diag d;
	struct op op;
	int rc;

	rc = op_begin(m, id, &op);
	if (rc)
		return rc;
	rc = child_of(dir, name, &ref, &type);
	if (rc)
		goto out;
	if (type == KIND_CHILD_ATTR ||
	    (type == KIND_CHILD_OBJECT && (kind_table[ref.kind].flags & KD_FILE))) {
		rc = ref_exists(&op, &ref) ? -ENOTDIR : -ENOENT;
		goto out;
	}
	if (!ref_exists(&op, &ref)) {
		rc = -ENOENT;
		goto out;
	}
	if (type == KIND_CHILD_DIR) {
		/* a fixed directory inside an object: staged like an
		 * attribute, so rm -r goes on to remove the object */
		obj_ref_root(&owner);
		rc = policy_check(op.c.pol, &op.who, see_action(&ref), &ref,
				  NULL);
		if (rc == -ENOENT)
			goto out;
		if (!owner_deletable(&op, &ref, &owner)) {
			rc = owner.kind == KIND_ROOT && owner.nnames == 0 ?
				     -EPERM :
				     gate(&op, kind_table[ref.kind].act_see,
					  &ref, "rmdir");
			if (!rc || rc == -EPERM) {
				rc = -EPERM;
				goto out;
			}
			goto out;
		}
		rc = stage_add(&op, &ref);
		goto out;
	}
	rc = gate(&op, kind_table[ref.kind].act_delete, &ref, "rmdir");
	if (rc)
		goto out;
	memset(&d, 0, sizeof(d));
	rc = teardown_in_use(&op, &ref, &d);
	if (rc) {
		if (d.msg[0])
			refused(&op, "rmdir", &ref, rc, d.msg, &d);
		goto out;
	}
	rc = store_txn_begin(op.c.st);
	if (rc)
		goto out;
	rc = obj_delete(&op.c, &ref, &d);
	if (!rc)
		rc = audit_ok(&op, "rmdir", &ref, NULL);
	if (!rc)
		rc = store_txn_commit(op.c.st);
	if (!rc) {
		/* its editors' swap files go with it */
		struct buf path = BUF_INIT;

		if (!obj_ref_path(&ref, &path))
			scratch_drop(m->scratch, path.data);
		buf_release(&path);
	} else if (store_in_txn(op.c.st)) {
		store_txn_cancel(op.c.st);
		if (d.msg[0])
			refused(&op, "rmdir", &ref, rc, d.msg, &d);
	}
out:
	op_end(m, &op);
	return rc;
}

/* An unlink outside any object the caller may delete: EACCES at once,
 * never staged, audited and told like any denial (SPEC §2). */
static int unlink_denied(struct op *op, const struct obj_ref *ref)
{
	struct diag d;

	diag_set(&d, 0, 0, "unlink: denied: files go with their object, "
		 "which this caller may not delete");
	refused(op, "unlink", ref, -EACCES, "object not deletable", &d);
	return -EACCES;
}

/* 1 if ref is an attribute with content this caller may write. */
static int attr_writable(struct op *op, const struct obj_ref *ref)
{
	const struct kind_attr *a = obj_ref_attr(ref);

	return a && a->store && !(a->flags & KA_APPEND) &&
	       policy_check(op->c.pol, &op->who, a->act_write, ref, NULL) == 0;
}

int model_unlink(struct model *m, const struct caller_id *id,
		 const struct obj_ref *dir, const char *name)
{
	enum kind_child_type type;
	struct obj_ref ref;
	struct op op;
	int rc, see;

	rc = op_begin(m, id, &op);
	if (rc)
		return rc;
	rc = resolve(&op, dir, name, &ref, &type, &see);
	if (rc)
		goto out;
	if (obj_ref_is_scratch(&ref)) {
		scratch_unlink(m->scratch, scratch_of(&op, &ref));
		goto out;
	}
	if (type == KIND_CHILD_DIR) {
		rc = -EISDIR;
		goto out;
	}
	if (!ref_exists(&op, &ref) ||
	    policy_check(op.c.pol, &op.who, see_action(&ref), &ref, NULL) ==
		    -ENOENT) {
		rc = -ENOENT;
		goto out;
	}
	if (type == KIND_CHILD_OBJECT) {
		if (!(kind_table[ref.kind].flags & KD_STORED)) {
			struct obj_ref up;

			/* a computed file (report/DIM.csv) is staged like an
			 * attribute when its object could go: rm -r works */
			if (!obj_ref_parent(&ref, &up) &&
			    owner_deletable(&op, &up, NULL))
				rc = stage_add(&op, &ref);
			else
				rc = unlink_denied(&op, &ref);
			goto out;
		}
		/* a file object (component): deleted like an rmdir */
		rc = gate(&op, kind_table[ref.kind].act_delete, &ref,
			  "unlink");
		if (rc)
			goto out;
		rc = store_txn_begin(op.c.st);
		if (!rc) {
			struct diag d;

			memset(&d, 0, sizeof(d));
			rc = obj_delete(&op.c, &ref, &d);
			if (!rc)
				rc = audit_ok(&op, "unlink", &ref, NULL);
			if (!rc)
				rc = store_txn_commit(op.c.st);
			else
				store_txn_cancel(op.c.st);
		}
		goto out;
	}
	/* an attribute: staged for this process if its object could go, or
	 * if the caller may write it: install and mv across filesystems
	 * unlink, then create, and must work on a file the caller may write
	 * whose object it may not delete (/admin/sandboxes for a system
	 * admin, a profile's members for its admin) */
	if (!owner_deletable(&op, &ref, NULL) && !attr_writable(&op, &ref)) {
		rc = unlink_denied(&op, &ref);
		goto out;
	}
	rc = stage_add(&op, &ref);
out:
	op_end(m, &op);
	return rc;
}

/* --- create and rename --- */

/* An open file for a file object that does not exist yet: an empty
 * buffer whose commit creates the object. */
static int open_new_object(struct op *op, const struct obj_ref *ref,
			   int flags, struct model_file **out)
{
	struct model_file *f = file_new();

	if (!f)
		return -ENOMEM;
	f->ref = *ref;
	f->opener = op->who.id;
	f->flags = flags;
	f->trunc_pending = 1;	/* even an empty file commits at close */
	if (buf_add(&f->content, "", 0)) {
		pthread_mutex_destroy(&f->rlock);
		free(f);
		return -ENOMEM;
	}
	wcheck_start(f);
	*out = f;
	return 0;
}

static int new_object_stat(const struct obj_ref *ref, struct mstat *st)
{
	memset(st, 0, sizeof(*st));
	st->perm = 6;
	st->mtime = time(NULL);
	st->nlink = 1;
	return 0;
}

/* A create of a computed name: EACCES, audited and told. */
static int create_denied(struct op *op, const struct obj_ref *ref)
{
	struct diag d;

	diag_set(&d, 0, 0, "create: denied: a computed file cannot be "
		 "written");
	refused(op, "create", ref, -EACCES, "computed file", &d);
	return -EACCES;
}

int model_create(struct model *m, const struct caller_id *id,
		 const struct obj_ref *dir, const char *name, int flags,
		 struct obj_ref *out, struct mstat *st,
		 struct model_file **file)
{
	enum kind_child_type type;
	struct scratch *f;
	struct buf path = BUF_INIT;
	struct op op;
	int rc, see;

	rc = op_begin(m, id, &op);
	if (rc)
		return rc;
	rc = resolve(&op, dir, name, out, &type, &see);
	if (!rc) {
		/* it exists for this caller: plain open unless O_EXCL */
		if (flags & O_EXCL)
			rc = -EEXIST;
		else if (obj_ref_is_dir(out))
			rc = -EISDIR;
		goto open;
	}
	if (rc != -ENOENT)
		goto out;
	type = kind_child(dir, name, out);
	if (type == KIND_CHILD_ATTR) {
		/* unlink then create (install, mv from another filesystem):
		 * the new content replaces the attribute at close */
		if (!staged_here(&op, out))
			goto out;	/* an attribute it may not see */
		if (!obj_ref_attr(out)->store) {
			/* a computed attribute (status) is not made */
			rc = create_denied(&op, out);
			goto out;
		}
		stage_consume(&op, out);
		flags |= O_TRUNC;
		rc = 0;
		goto open;
	}
	if (type == KIND_CHILD_OBJECT &&
	    !(kind_table[out->kind].flags & KD_STORED) &&
	    staged_here(&op, out)) {
		/* a computed name this process unlinked: a restoring tar
		 * reports it and goes on */
		rc = create_denied(&op, out);
		goto out;
	}
	if (type == KIND_CHILD_OBJECT &&
	    (kind_table[out->kind].flags & KD_FILE)) {
		/* a new file object: created when its content commits */
		struct obj_ref parent;

		rc = -EPERM;
		if (!(kind_table[out->kind].flags & KD_STORED) ||
		    obj_ref_parent(out, &parent))
			goto out;
		rc = gate_for(&op, kind_table[out->kind].act_create, &parent,
			      out, "create");
		if (rc)
			goto out;
		rc = open_new_object(&op, out, flags, file);
		if (!rc)
			rc = new_object_stat(out, st);
		goto out;
	}
	if (!scratch_allowed(&op, dir)) {
		rc = op.who.login ? -EACCES : -ENOENT;
		goto out;
	}
	*out = *dir;
	out->sandbox = NULL;
	snprintf(out->scratch, sizeof(out->scratch), "%s", name);
	rc = scratch_dir(out, &path);
	if (!rc)
		rc = scratch_create(m->scratch, op.who.id.uid, path.data, name,
				    op.c.now, &f);
open:
	if (!rc)
		rc = open_file(&op, out, flags, file);
	if (!rc)
		rc = stat_ref(&op, out, st, 1);
	if (rc && *file) {
		model_file_close_locked(&op, *file);
		*file = NULL;
	}
out:
	buf_release(&path);
	op_end(m, &op);
	return rc;
}

/*
 * rename(2) of a KD_RENAME object to a new name in the same directory (mv
 * of a data view or a component): one transaction, audited as "rename".
 * The caller needs the right to delete the source and to create in the
 * directory (and to delete what a file object replaces).  Elsewhere:
 * EXDEV, so mv copies and deletes.  A directory object cannot replace
 * another: its name is taken (EEXIST, as mkdir answers), whoever the
 * other belongs to and whether the caller sees it or not; so that it
 * tells no more than mkdir does, it is answered once the caller is
 * known to be allowed the rename.
 */
static int rename_object(struct op *op, const struct obj_ref *src,
			 const struct obj_ref *newdir,
			 const struct obj_ref *dst, unsigned flags)
{
	const struct kind_def *k = &kind_table[src->kind];
	struct buf a = BUF_INIT, b = BUF_INIT, detail = BUF_INIT;
	struct obj_ref sdir;
	struct diag d;
	int rc, replace;

	rc = obj_ref_parent(src, &sdir);
	if (!rc)
		rc = obj_ref_path(&sdir, &a);
	if (!rc)
		rc = obj_ref_path(newdir, &b);
	if (rc)
		goto out;
	if (strcmp(a.data, b.data)) {
		rc = -EXDEV;
		goto out;
	}
	if (!strcmp(src->names[src->nnames - 1], dst->names[dst->nnames - 1]))
		goto out;
	rc = gate(op, k->act_delete, src, "rename");
	if (!rc)
		rc = gate(op, k->act_create, newdir, "rename");
	if (rc)
		goto out;
	replace = ref_exists(op, dst);
	if (replace && ((flags & MODEL_RENAME_NOREPLACE) ||
			!(k->flags & KD_FILE))) {
		rc = -EEXIST;
		goto out;
	}
	if (replace) {
		rc = gate(op, k->act_delete, dst, "rename");
		if (rc)
			goto out;
	}
	memset(&d, 0, sizeof(d));
	/* what others name by its name keeps it (SPEC §7: EBUSY) */
	if (k->in_use) {
		rc = k->in_use(&op->c, src, &d);
		if (rc) {
			refused(op, "rename", src, rc, d.msg, &d);
			goto out;
		}
	}
	rc = store_txn_begin(op->c.st);
	if (rc)
		goto out;
	if (replace)
		rc = obj_delete(&op->c, dst, &d);
	if (!rc)
		rc = obj_rename(&op->c, src, dst, &d);
	buf_reset(&b);
	if (!rc)
		rc = obj_ref_path(dst, &b);
	if (!rc)
		rc = buf_printf(&detail, "to %s", b.data);
	if (!rc)
		rc = audit_ok(op, "rename", src, detail.data);
	if (!rc) {
		rc = store_txn_commit(op->c.st);
	} else {
		store_txn_cancel(op->c.st);
		if (d.msg[0])
			refused(op, "rename", src, rc, d.msg, &d);
	}
out:
	buf_release(&a);
	buf_release(&b);
	buf_release(&detail);
	return rc;
}

int model_rename(struct model *m, const struct caller_id *id,
		 const struct obj_ref *dir, const char *name,
		 const struct obj_ref *newdir, const char *newname,
		 unsigned flags, struct obj_ref *src_out,
		 struct obj_ref *dst_out)
{
	enum kind_child_type stype, dtype;
	struct obj_ref src, dst;
	struct scratch *sf, *df;
	struct buf content = BUF_INIT, dpath = BUF_INIT;
	struct op op;
	int rc, dst_exists, see;

	if (flags & MODEL_RENAME_EXCHANGE)
		return -EINVAL;
	rc = op_begin(m, id, &op);
	if (rc)
		return rc;
	rc = resolve(&op, dir, name, &src, &stype, &see);
	if (rc)
		goto out;
	if (stype == KIND_CHILD_OBJECT &&
	    (kind_table[src.kind].flags & KD_RENAME) &&
	    kind_child(newdir, newname, &dst) == KIND_CHILD_OBJECT &&
	    dst.kind == src.kind) {
		rc = rename_object(&op, &src, newdir, &dst, flags);
		goto out;
	}
	if (!obj_ref_is_scratch(&src) && !obj_ref_attr(&src)) {
		rc = -EPERM;	/* objects and fixed directories stay put */
		goto out;
	}
	/* the destination: an attribute, or a scratch name */
	rc = resolve(&op, newdir, newname, &dst, &dtype, &see);
	dst_exists = rc == 0;
	if (rc == -ENOENT) {
		dtype = kind_child(newdir, newname, &dst);
		if (dtype == KIND_CHILD_ATTR && staged_here(&op, &dst)) {
			stage_consume(&op, &dst);
		} else {
			/* a free name (or one this caller may not know) */
			if ((dtype == KIND_CHILD_OBJECT &&
			     (kind_table[dst.kind].flags & KD_FILE)) ||
			    !scratch_allowed(&op, newdir)) {
				rc = dtype == KIND_CHILD_OBJECT ? -EPERM :
					     -EACCES;
				goto out;
			}
			dst = *newdir;
			dst.sandbox = NULL;
			snprintf(dst.scratch, sizeof(dst.scratch), "%s",
				 newname);
		}
		rc = 0;
	} else if (rc) {
		goto out;
	}
	if (!obj_ref_is_scratch(&dst) && !obj_ref_attr(&dst)) {
		rc = dst_exists ? -EISDIR : -EPERM;
		goto out;
	}
	if ((flags & MODEL_RENAME_NOREPLACE) && dst_exists) {
		rc = -EEXIST;
		goto out;
	}
	sf = obj_ref_is_scratch(&src) ? scratch_of(&op, &src) : NULL;
	/* what moves: the scratch file's bytes or the attribute's text */
	if (sf) {
		rc = buf_set(&content, scratch_data(sf)->data,
			     scratch_data(sf)->len);
	} else {
		rc = gate(&op, obj_ref_attr(&src)->act_read, &src, "read");
		if (!rc)
			rc = show(&op, &src, &content);
	}
	if (rc)
		goto out;
	if (!obj_ref_is_scratch(&dst)) {
		/* onto an attribute: one commit; a scratch source goes */
		rc = commit(&op, &dst, content.data ? content.data : "",
			    content.len);
		if (!rc && sf)
			scratch_unlink(m->scratch, sf);
		goto out;
	}
	rc = scratch_dir(&dst, &dpath);
	if (rc)
		goto out;
	if (sf) {
		rc = scratch_rename(m->scratch, sf, dpath.data, dst.scratch);
		goto out;
	}
	/* an attribute renamed away stays; the scratch name gets a copy */
	df = scratch_of(&op, &dst);
	if (!df)
		rc = scratch_create(m->scratch, op.who.id.uid, dpath.data,
				    dst.scratch, op.c.now, &df);
	if (!rc)
		rc = scratch_truncate(m->scratch, df, 0, op.c.now);
	if (!rc)
		rc = scratch_write(m->scratch, df, 0, content.data,
				   content.len, op.c.now);
out:
	if (!rc) {
		*src_out = src;
		*dst_out = dst;
	}
	buf_release(&content);
	buf_release(&dpath);
	op_end(m, &op);
	return rc;
}

/* --- why --- */

static int why_line(struct op *op, struct buf *out, const char *what,
		    int act, const struct obj_ref *ref)
{
	struct buf why = BUF_INIT;
	int rc = policy_check(op->c.pol, &op->who, act, ref, &why);

	if (!rc)
		rc = buf_printf(out, "%s: allowed\n", what);
	else
		rc = buf_printf(out, "%s: denied: %s\n", what,
				why.len ? why.data : "not allowed");
	buf_release(&why);
	return rc;
}

/*
 * A delete (rmdir, rm -r, rm of a file object) or a rename (mv) of the
 * object ref is in, as the operation answers it: the gate's rules (a
 * rename also needs to create in the directory), then, when they allow
 * it, what the kind says of the object now: one that others name is
 * "refused: in use by ..." (EBUSY), not "allowed".
 */
static int why_remove_line(struct op *op, struct buf *out, const char *what,
			   const struct obj_ref *ref, int rename)
{
	const struct kind_def *k = &kind_table[ref->kind];
	struct buf why = BUF_INIT;
	struct obj_ref dir;
	struct diag d;
	int rc;

	rc = policy_check(op->c.pol, &op->who, k->act_delete, ref, &why);
	if (!rc && rename && !obj_ref_parent(ref, &dir))
		rc = policy_check(op->c.pol, &op->who, k->act_create, &dir,
				  &why);
	if (rc) {
		rc = buf_printf(out, "%s: denied: %s\n", what,
				why.len ? why.data : "not allowed");
		goto out;
	}
	memset(&d, 0, sizeof(d));
	if (k->in_use && k->in_use(&op->c, ref, &d) == -EBUSY && d.msg[0])
		rc = buf_printf(out, "%s: refused: %s\n", what, d.msg);
	else
		rc = buf_printf(out, "%s: allowed\n", what);
out:
	buf_release(&why);
	return rc;
}

int model_why(struct model *m, const struct caller_id *id,
	      const struct obj_ref *ref, struct buf *out)
{
	const struct kind_attr *a = obj_ref_attr(ref);
	const struct kind_def *k = &kind_table[ref->kind];
	struct buf path = BUF_INIT, login = BUF_INIT;
	struct op op;
	int rc, nk;

	rc = op_begin(m, id, &op);
	if (rc)
		return rc;
	if (op.who.login)
		rc = buf_addstr(&login, op.who.login);
	else
		rc = buf_printf(&login, "none (uid %u is not mapped)",
				(unsigned)op.who.id.uid);
	if (rc)
		goto out;
	if (obj_ref_is_scratch(ref)) {
		rc = scratch_of(&op, ref) ? obj_ref_path(ref, &path) : -ENOENT;
		if (!rc)
			rc = buf_printf(out, "path: %s\nlogin: %s\nscratch: "
					"yours only, kept in memory until "
					"unmount, never stored\nread: allowed\n"
					"write: allowed\n",
					path.data, login.data);
		goto out;
	}
	if (!ref_exists(&op, ref) ||
	    policy_check(op.c.pol, &op.who, see_action(ref), ref, NULL) ==
		    -ENOENT) {
		rc = -ENOENT;
		goto out;
	}
	rc = obj_ref_path(ref, &path);
	if (!rc)
		rc = buf_printf(out, "path: %s\nlogin: %s\n", path.data,
				login.data);
	if (rc)
		goto out;
	if (obj_ref_is_dir(ref)) {
		rc = why_line(&op, out, "list", k->act_see, ref);
		nk = kind_named_child(ref->kind);
		if (!rc && nk >= 0 && (kind_table[nk].flags & KD_STORED))
			rc = why_line(&op, out,
				      kind_table[nk].flags & KD_FILE ?
					      "create" :
					      "mkdir",
				      kind_table[nk].act_create, ref);
		/* an owned object is deleted (rmdir, rm -r) and renamed
		 * (mv) by the same rules */
		if (!rc && (k->flags & KD_STORED))
			rc = why_remove_line(&op, out,
					     k->flags & KD_OWNED ? "delete" :
								   "rmdir",
					     ref, 0);
		if (!rc && (k->flags & KD_OWNED))
			rc = why_remove_line(&op, out, "rename", ref, 1);
		goto out;
	}
	rc = why_line(&op, out, "read", a->act_read, ref);
	if (!rc && (a->store || (a->flags & KA_APPEND))) {
		rc = why_line(&op, out, "write", a->act_write, ref);
		/* a write judged by what it changes says what it may */
		if (!rc && a->why &&
		    !policy_check(op.c.pol, &op.who, a->act_write, ref, NULL))
			rc = a->why(&op.c, ref, out);
	} else if (!rc) {
		rc = buf_addstr(out, "write: denied: read-only file\n");
	}
	if (!rc && ((k->flags & (KD_STORED | KD_FILE)) ==
			    (KD_STORED | KD_FILE) ||
		    (k->flags & KD_OWNED)))
		rc = why_remove_line(&op, out, "delete", ref, 0);
out:
	buf_release(&path);
	buf_release(&login);
	op_end(m, &op);
	return rc;
}

/* --- lifecycle --- */

int model_create_store(const struct config *cfg, struct buf *err)
{
	struct store *st;
	struct mctx c;
	int rc;

	rc = store_open(cfg->store_path, STORE_CREATE, &st, err);
	if (rc)
		return rc;
	memset(&c, 0, sizeof(c));
	c.st = st;
	c.cfg = cfg;
	c.now = time(NULL);
	rc = store_txn_begin(st);
	if (!rc) {
		rc = audit_append(&c, "init", "/", "ok", "store created");
		if (rc)
			store_txn_cancel(st);
		else
			rc = store_txn_commit(st);
	}
	store_close(st);
	if (rc && err)
		buf_printf(err, "%s", strerror(-rc));
	return rc;
}

/*
 * A store of the previous version (1) keeps its rows in the TDB file and
 * each collection's names in one record.  Its rows move to row files
 * first, in transactions of their own (a crash leaves each chunk where it
 * was or moved, and the next open goes on); then its collection indexes
 * take the chunked layout (dirindex.c) and the store the current version,
 * in one transaction: it opens as version 1 or as it is now.
 */
static int model_upgrade(struct store *st, const struct config *cfg,
			 struct buf *err)
{
	struct mctx c;
	size_t moved = 0;
	int rc = store_version(st);

	if (rc < 0)
		goto out_err;
	if (rc == 2)
		return 0;
	memset(&c, 0, sizeof(c));
	c.st = st;
	c.cfg = cfg;
	c.now = time(NULL);
	rc = rows_migrate(&c, &moved);
	if (rc)
		goto out_err;
	fprintf(stderr, "cjafs: store upgraded: %zu row chunk%s moved to "
		"row files\n", moved, moved == 1 ? "" : "s");
	rc = store_txn_begin(st);
	if (rc)
		goto out_err;
	rc = dirindex_migrate(st);
	if (!rc)
		rc = store_set_version(st);
	if (rc) {
		store_txn_cancel(st);
		goto out_err;
	}
	rc = store_txn_commit(st);
	if (rc)
		goto out_err;
	fprintf(stderr, "cjafs: store upgraded from '%s' to '%s'\n",
		STORE_VERSION_1, STORE_VERSION);
	return 0;
out_err:
	if (err)
		buf_printf(err, "cannot upgrade the store to '%s': %s",
			   STORE_VERSION, strerror(-rc));
	return rc;
}

/* The Workspace owners' counts ([limits] workspace_objects), for a store
 * made before they were kept. */
static int model_count_owners(struct store *st, const struct config *cfg,
			      struct buf *err)
{
	struct mctx c;
	size_t n;
	int rc;

	memset(&c, 0, sizeof(c));
	c.st = st;
	c.cfg = cfg;
	c.now = time(NULL);
	rc = ws_owners_count(&c, &n);
	if (rc && err)
		buf_printf(err, "cannot count the Workspace objects' owners: "
			   "%s", strerror(-rc));
	else if (n)
		fprintf(stderr, "cjafs: counted %zu Workspace object%s by "
			"owner\n", n, n == 1 ? "" : "s");
	return rc;
}

int model_open(const struct config *cfg, struct model **out, struct buf *err)
{
	struct model *m = calloc(1, sizeof(*m));
	int rc;

	if (!m)
		return -ENOMEM;
	inidoc_setup();
	m->cfg = cfg;
	rc = store_open(cfg->store_path, 0, &m->st, err);
	if (rc)
		goto out_free;
	rc = model_upgrade(m->st, cfg, err);
	if (!rc)
		rc = model_count_owners(m->st, cfg, err);
	if (rc)
		goto out_close;
	store_watch(m->st, MCTX_WATCH_PREFIX);
	rc = policy_new(m->st, cfg, &m->pol);
	if (rc)
		goto out_close;
	rc = policy_refresh(m->pol);
	if (rc) {
		if (err)
			buf_printf(err, "cannot read the Admin Console: %s",
				   strerror(-rc));
		goto out_policy;
	}
	rc = quota_new(&m->quota);
	if (!rc)
		rc = scratch_set_new(m->quota, &m->scratch);
	if (rc)
		goto out_policy;
	rc = audit_flood_new(&m->flood);
	if (rc) {
		scratch_set_free(m->scratch);
		goto out_policy;
	}
	rc = activity_new(cfg->reports, &m->act);
	if (rc) {
		audit_flood_free(m->flood);
		scratch_set_free(m->scratch);
		goto out_policy;
	}
	m->started = time(NULL);
	m->stats = stat_memo_new();	/* without memory: no memo, still right */
	pthread_mutex_init(&m->lock, NULL);
	*out = m;
	return 0;
out_policy:
	quota_free(m->quota);
	policy_free(m->pol);
out_close:
	store_close(m->st);
out_free:
	free(m);
	return rc;
}

void model_close(struct model *m)
{
	struct error_line *e;
	struct stager *p;
	struct stage *s;
	int i;

	if (!m)
		return;
	/* the workers are done before what they read goes */
	activity_free(m->act);
	stat_memo_free(m->stats);
	if (m->flood) {
		struct mctx c;

		/* the counts not yet written */
		memset(&c, 0, sizeof(c));
		c.m = m;
		c.st = m->st;
		c.pol = m->pol;
		c.cfg = m->cfg;
		c.now = time(NULL);
		c.flood = m->flood;
		audit_flush(&c);
		audit_flood_free(m->flood);
	}
	while ((e = m->errors)) {
		m->errors = e->next;
		free(e->text);
		free(e);
	}
	for (i = 0; i < STAGE_BUCKETS; i++) {
		while ((p = m->stagers[i])) {
			m->stagers[i] = p->next;
			while ((s = p->stages)) {
				p->stages = s->next;
				free(s->path);
				free(s);
			}
			free(p);
		}
	}
	scratch_set_free(m->scratch);
	quota_free(m->quota);
	policy_free(m->pol);
	store_close(m->st);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
