/*
 * activity.c - the Reporting Activity Manager (SPEC §8): which
 * computations run, which wait, and the slots they wait for; and
 * /admin/reporting-activity, which lists and cancels them.
 *
 * The registry.  Every job is on one list in the order it was made (ids
 * increase), listed or not: a job leaves the list when its last
 * reference goes, and is shown only while listed (from its open until
 * its end of file, its close or its stop).  rows_scanned and the stop
 * are atomics, so job_poll() costs no lock in a scan's loop.
 *
 * The slots.  One FIFO of tasks (the reads waiting for a slot) and
 * `slots` worker threads taking them in order: at most that many tasks
 * run at once, and the FIFO is the queue the listing shows.  A worker
 * holds a slot for one task, one read(2), never between reads.  The
 * threads start at the first submit, after the daemon has forked, and
 * run at nice 10 (Linux sets it per thread): the scheduler gives a
 * request thread a core first, so lookups, commits and small reads keep
 * their pace while scans use what is left.
 *
 * Stops.  A job stops once, for a cancel (-ECANCELED, naming who) or an
 * interrupt or a close (-EINTR).  An interrupted one whose reader reads
 * again (a signal it handles, a retry after EINTR) resumes: its stream
 * starts over.  Its queued tasks leave the FIFO then
 * and there, and their drop callbacks (which reply to the reader) are
 * run by whoever stopped it, but never under a lock: job_stop() hands
 * them back; activity_cancel(), which runs inside a commit under the
 * model's lock, sets them aside for activity_reap(), which the model
 * calls once it has let its lock go.
 *
 * The file.  Reading it renders the registry at open (show); writing it
 * takes one command a line: `cancel ID`, `cancel user:LOGIN`, `cancel
 * path:PATH`.  A line that is none of these is refused at write(2)
 * (check_entry); at commit every command must name a listed
 * computation, or nothing is cancelled; then each one named is stopped,
 * audited (action cancel, its path, whose it was) and its reader's
 * /errors says who cancelled it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity.h"
#include "admin.h"
#include "audit.h"
#include "csv.h"
#include "mctx.h"

/* Workers' nice value, above the daemon's (Linux: per thread). */
#define ACTIVITY_WORKER_NICE 10

struct task {
	struct job *j;
	void (*run)(void *arg);
	void (*drop)(void *arg, int rc);
	void *arg;
	int rc; /* dropped: why */
	struct task *next;
};

struct job {
	struct activity *a;
	uint64_t id;
	char *login;
	char *path;
	uid_t uid;
	time_t started;
	struct timespec t0; /* CLOCK_MONOTONIC, for elapsed_ms */
	_Atomic uint64_t rows;
	_Atomic int stop; /* 0, -ECANCELED or -EINTR */
	char *by;	  /* who cancelled */
	int refs;
	int listed;
	int closed;  /* its file was closed: it never resumes */
	int queued;  /* its tasks in the FIFO */
	int running; /* its tasks in a slot */
	void (*yield)(void *arg);
	void *yield_arg;
	struct job *prev, *next;
};

struct activity {
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct job *first, *last;
	uint64_t next_id;
	struct task *head, **tail; /* the FIFO */
	struct task *reap;	   /* dropped by a cancel, not yet told */
	_Atomic int nreap;
	unsigned slots;
	pthread_t *threads;
	unsigned nthreads;
	int started;
	int stopping;
};

int activity_new(unsigned slots, struct activity **out)
{
	struct activity *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->slots = slots ? slots : 1;
	a->threads = calloc(a->slots, sizeof(*a->threads));
	if (!a->threads) {
		free(a);
		return -ENOMEM;
	}
	a->tail = &a->head;
	a->next_id = 1;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->work, NULL);
	*out = a;
	return 0;
}

/* Take j's queued tasks out of the FIFO onto *list.  Under a->lock. */
static void unqueue(struct activity *a, struct job *j, int rc,
		    struct task **list)
{
	struct task **pp = &a->head, *t;

	while ((t = *pp)) {
		if (j && t->j != j) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		t->j->queued--;
		t->rc = rc;
		t->next = *list;
		*list = t;
	}
	a->tail = pp;
}

/* Under a->lock.  dropped NULL: the tasks wait for activity_reap(). */
static void stop_locked(struct job *j, int why, const char *by,
			struct task **dropped)
{
	int none = 0;

	if (!atomic_compare_exchange_strong(&j->stop, &none, why))
		return;
	if (by && !j->by)
		j->by = strdup(by);
	j->listed = 0;
	if (!j->queued)
		return;
	unqueue(j->a, j, why, dropped ? dropped : &j->a->reap);
	if (!dropped)
		atomic_store(&j->a->nreap, 1);
}

static void *worker(void *arg)
{
	struct activity *a = arg;
	struct task *t;

	/* scans at a background priority: the request threads get a core
	 * at once, however many scans run (a failure changes only that) */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid),
		    ACTIVITY_WORKER_NICE);
	pthread_mutex_lock(&a->lock);
	for (;;) {
		while (!a->head && !a->stopping)
			pthread_cond_wait(&a->work, &a->lock);
		t = a->head;
		if (!t)
			break; /* stopping, and nothing left */
		a->head = t->next;
		if (!a->head)
			a->tail = &a->head;
		t->j->queued--;
		t->j->running++;
		pthread_mutex_unlock(&a->lock);
		t->run(t->arg);
		pthread_mutex_lock(&a->lock);
		t->j->running--;
		pthread_mutex_unlock(&a->lock);
		job_put(t->j);
		free(t);
		pthread_mutex_lock(&a->lock);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/* Under a->lock: the workers, once. */
static int start_workers(struct activity *a)
{
	while (a->nthreads < a->slots) {
		int rc =
		    pthread_create(&a->threads[a->nthreads], NULL, worker, a);

		if (rc)
			return a->nthreads ? 0 : -rc;
		a->nthreads++;
	}
	a->started = 1;
	return 0;
}

void activity_shutdown(struct activity *a)
{
	struct task *dropped = NULL;
	struct job *j;
	unsigned i, n;

	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->stopping = 1;
	for (j = a->first; j; j = j->next)
		stop_locked(j, -EINTR, NULL, &dropped);
	unqueue(a, NULL, -EINTR, &dropped);
	pthread_cond_broadcast(&a->work);
	n = a->nthreads;
	a->nthreads = 0;
	pthread_mutex_unlock(&a->lock);
	activity_drop(dropped);
	activity_reap(a);
	for (i = 0; i < n; i++)
		pthread_join(a->threads[i], NULL);
}

void activity_free(struct activity *a)
{
	if (!a)
		return;
	activity_shutdown(a);
	pthread_cond_destroy(&a->work);
	pthread_mutex_destroy(&a->lock);
	free(a->threads);
	free(a);
}

/* --- jobs --- */

int job_new(struct activity *a, const char *login, uid_t uid, const char *path,
	    struct job **out)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return -ENOMEM;
	j->login = strdup(login ? login : "");
	j->path = strdup(path);
	if (!j->login || !j->path) {
		free(j->login);
		free(j->path);
		free(j);
		return -ENOMEM;
	}
	j->a = a;
	j->uid = uid;
	j->started = time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &j->t0);
	j->refs = 1;
	j->listed = 1;
	pthread_mutex_lock(&a->lock);
	j->id = a->next_id++;
	j->prev = a->last;
	if (a->last)
		a->last->next = j;
	else
		a->first = j;
	a->last = j;
	pthread_mutex_unlock(&a->lock);
	*out = j;
	return 0;
}

void job_get(struct job *j)
{
	pthread_mutex_lock(&j->a->lock);
	j->refs++;
	pthread_mutex_unlock(&j->a->lock);
}

void job_put(struct job *j)
{
	struct activity *a;

	if (!j)
		return;
	a = j->a;
	pthread_mutex_lock(&a->lock);
	if (--j->refs) {
		pthread_mutex_unlock(&a->lock);
		return;
	}
	if (j->prev)
		j->prev->next = j->next;
	else
		a->first = j->next;
	if (j->next)
		j->next->prev = j->prev;
	else
		a->last = j->prev;
	pthread_mutex_unlock(&a->lock);
	free(j->login);
	free(j->path);
	free(j->by);
	free(j);
}

void job_end(struct job *j)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->a->lock);
	j->listed = 0;
	pthread_mutex_unlock(&j->a->lock);
}

int job_stopped(const struct job *j)
{
	return j ? atomic_load(&j->stop) : 0;
}

void job_set_yield(struct job *j, void (*fn)(void *arg), void *arg)
{
	/* only the thread running j's task sets it and calls it */
	j->yield = fn;
	j->yield_arg = arg;
}

int job_poll(struct job *j, uint64_t rows)
{
	int rc;

	if (!j)
		return 0;
	atomic_fetch_add(&j->rows, rows);
	rc = atomic_load(&j->stop);
	if (rc || !j->yield)
		return rc;
	j->yield(j->yield_arg);
	return atomic_load(&j->stop);
}

void job_stop(struct job *j, int why, const char *by, struct task **dropped)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->a->lock);
	stop_locked(j, why, by, dropped);
	pthread_mutex_unlock(&j->a->lock);
}

void job_close(struct job *j, struct task **dropped)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->a->lock);
	j->closed = 1;
	stop_locked(j, -EINTR, NULL, dropped);
	pthread_mutex_unlock(&j->a->lock);
}

int job_resume(struct job *j)
{
	int rc;

	if (!j)
		return 0;
	pthread_mutex_lock(&j->a->lock);
	rc = atomic_load(&j->stop);
	if (rc == -EINTR && !j->closed && !j->a->stopping) {
		atomic_store(&j->stop, 0);
		j->listed = 1;
		rc = 1;
	}
	pthread_mutex_unlock(&j->a->lock);
	return rc;
}

/* --- tasks --- */

int activity_submit(struct activity *a, struct job *j, void (*run)(void *),
		    void (*drop)(void *, int), void *arg)
{
	struct task *t = calloc(1, sizeof(*t));
	int rc = 0;

	if (!t)
		return -ENOMEM;
	t->j = j;
	t->run = run;
	t->drop = drop;
	t->arg = arg;
	pthread_mutex_lock(&a->lock);
	/* an interrupted job takes reads: its reader tried again */
	if (a->stopping || j->closed)
		rc = -EINTR;
	else if (atomic_load(&j->stop) == -ECANCELED)
		rc = -ECANCELED;
	else if (!a->started)
		rc = start_workers(a);
	if (rc) {
		pthread_mutex_unlock(&a->lock);
		free(t);
		return rc;
	}
	j->refs++;
	j->queued++;
	*a->tail = t;
	a->tail = &t->next;
	pthread_cond_signal(&a->work);
	pthread_mutex_unlock(&a->lock);
	return 0;
}

void activity_drop(struct task *list)
{
	struct task *t;

	while ((t = list)) {
		list = t->next;
		t->drop(t->arg, t->rc);
		job_put(t->j);
		free(t);
	}
}

void activity_reap(struct activity *a)
{
	struct task *list;

	if (!a || !atomic_load(&a->nreap))
		return;
	pthread_mutex_lock(&a->lock);
	list = a->reap;
	a->reap = NULL;
	atomic_store(&a->nreap, 0);
	pthread_mutex_unlock(&a->lock);
	activity_drop(list);
}

/* --- the listing and cancels --- */

int activity_show(struct activity *a, struct buf *out)
{
	struct timespec now;
	struct job *j;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &now);
	rc = buf_addstr(out, "id,login,path,state,started,elapsed_ms,"
			     "rows_scanned\n");
	pthread_mutex_lock(&a->lock);
	for (j = a->first; j && !rc; j = j->next) {
		const char *f[7];
		char id[24], started[32], ms[24], rows[24];
		int64_t el;
		struct tm tm;

		if (!j->listed)
			continue;
		el = (int64_t)(now.tv_sec - j->t0.tv_sec) * 1000 +
		     (now.tv_nsec - j->t0.tv_nsec) / 1000000;
		gmtime_r(&j->started, &tm);
		strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(id, sizeof(id), "%" PRIu64, j->id);
		snprintf(ms, sizeof(ms), "%" PRId64, el > 0 ? el : 0);
		snprintf(rows, sizeof(rows), "%" PRIu64,
			 (uint64_t)atomic_load(&j->rows));
		f[0] = id;
		f[1] = j->login;
		f[2] = j->path;
		f[3] = j->queued && !j->running ? "queued" : "running";
		f[4] = started;
		f[5] = ms;
		f[6] = rows;
		rc = csv_write_row_safe(out, 7, f, NULL);
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

static int selected(const struct job *j, const struct activity_sel *sel)
{
	if (!j->listed)
		return 0;
	if (sel->id)
		return j->id == sel->id;
	if (sel->login)
		return !strcmp(j->login, sel->login);
	return sel->path && !strcmp(j->path, sel->path);
}

size_t activity_count(struct activity *a, const struct activity_sel *sel)
{
	struct job *j;
	size_t n = 0;

	pthread_mutex_lock(&a->lock);
	for (j = a->first; j; j = j->next)
		n += selected(j, sel);
	pthread_mutex_unlock(&a->lock);
	return n;
}

size_t activity_cancel(struct activity *a, const struct activity_sel *sel,
		       const char *by,
		       void (*each)(void *arg, uint64_t id, const char *login,
				    uid_t uid, const char *path),
		       void *arg)
{
	struct job *j;
	size_t n = 0;

	pthread_mutex_lock(&a->lock);
	for (j = a->first; j; j = j->next) {
		if (!selected(j, sel))
			continue;
		if (each)
			each(arg, j->id, j->login, j->uid, j->path);
		stop_locked(j, -ECANCELED, by, NULL);
		n++;
	}
	pthread_mutex_unlock(&a->lock);
	return n;
}

/* --- /admin/reporting-activity --- */

int activity_file_show(struct mctx *c, const struct obj_ref *ref,
		       struct buf *out)
{
	return activity_show(model_activity(c->m), out);
}

/* One command, trimmed: 0 with *sel (its strings point into a copy in
 * *tmp, which the caller frees), or -EINVAL with d->msg. */
static int parse_cmd(const char *entry, size_t len, struct activity_sel *sel,
		     char **tmp, struct diag *d)
{
	const char *arg;
	size_t alen;
	char *end;

	memset(sel, 0, sizeof(*sel));
	*tmp = NULL;
	if (len < 7 || strncmp(entry, "cancel ", 7))
		goto bad;
	arg = entry + 7;
	alen = len - 7;
	while (alen && (*arg == ' ' || *arg == '\t')) {
		arg++;
		alen--;
	}
	if (!alen)
		goto bad;
	*tmp = strndup(arg, alen);
	if (!*tmp)
		return -ENOMEM;
	if (alen > 5 && !strncmp(arg, "user:", 5)) {
		if (admin_check_login(arg + 5, alen - 5, NULL, d))
			return -EINVAL;
		sel->login = *tmp + 5;
		return 0;
	}
	if (alen > 5 && !strncmp(arg, "path:", 5)) {
		if (arg[5] != '/') {
			diag_set(d, 0, 0,
				 "cancel path:%s: a path starts "
				 "with /",
				 *tmp + 5);
			return -EINVAL;
		}
		sel->path = *tmp + 5;
		return 0;
	}
	if (*arg >= '1' && *arg <= '9') {
		errno = 0;
		sel->id = strtoull(*tmp, &end, 10);
		if (!errno && !*end)
			return 0;
	}
bad:
	free(*tmp);
	*tmp = NULL;
	diag_set(d, 0, 0,
		 "'%.*s': expected cancel ID, cancel user:LOGIN "
		 "or cancel path:PATH",
		 (int)(len > 200 ? 200 : len), entry);
	return -EINVAL;
}

int activity_check_cmd(const char *entry, size_t len, void *arg, struct diag *d)
{
	struct activity_sel sel;
	char *tmp;
	int rc = parse_cmd(entry, len, &sel, &tmp, d);

	free(tmp);
	return rc;
}

struct cancel_ctx {
	struct mctx *c;
	const char *by;
	int err;
};

static void cancel_one(void *arg, uint64_t id, const char *login, uid_t uid,
		       const char *path)
{
	struct cancel_ctx *x = arg;
	struct buf detail = BUF_INIT;
	struct diag d;
	int rc;

	rc = buf_printf(&detail, "computation %" PRIu64 " of %s", id, login);
	if (!rc)
		rc = audit_append(x->c, "cancel", path, "ok", detail.data);
	if (rc && !x->err)
		x->err = rc;
	diag_set(&d, 0, 0, "cancelled by %s", x->by);
	model_error_add(x->c, uid, path, &d);
	buf_release(&detail);
}

/* Each line in turn: fn(sel, line number) until one fails. */
static int each_cmd(const char *data, size_t len,
		    int (*fn)(struct mctx *c, const struct activity_sel *sel,
			      const char *line, size_t llen, int lineno,
			      struct diag *d, void *arg),
		    struct mctx *c, struct diag *d, void *arg)
{
	const char *p = data, *end = data + len;
	int lineno = 0, rc = 0;

	while (!rc && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *s = p;
		struct activity_sel sel;
		char *tmp;

		lineno++;
		p = nl ? nl + 1 : end;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s &&
		       (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (s == e || *s == '#')
			continue;
		rc = parse_cmd(s, (size_t)(e - s), &sel, &tmp, d);
		if (!rc)
			rc = fn(c, &sel, s, (size_t)(e - s), lineno, d, arg);
		if (rc && !d->line)
			d->line = lineno;
		free(tmp);
	}
	return rc;
}

static int cmd_names(struct mctx *c, const struct activity_sel *sel,
		     const char *line, size_t llen, int lineno, struct diag *d,
		     void *arg)
{
	if (activity_count(model_activity(c->m), sel))
		return 0;
	diag_set(d, lineno, 0, "%.*s: no such computation",
		 (int)(llen > 200 ? 200 : llen), line);
	return -EINVAL;
}

static int cmd_cancel(struct mctx *c, const struct activity_sel *sel,
		      const char *line, size_t llen, int lineno, struct diag *d,
		      void *arg)
{
	struct cancel_ctx *x = arg;

	activity_cancel(model_activity(c->m), sel, x->by, cancel_one, x);
	return x->err;
}

int activity_file_store(struct mctx *c, const struct obj_ref *ref,
			const char *data, size_t len, struct diag *d)
{
	struct cancel_ctx x = {c, NULL, 0};
	char tmp[32];
	int rc;

	x.by = mctx_login(c, tmp);
	/* all or nothing: every command names a computation, or none is
	 * cancelled */
	rc = each_cmd(data, len, cmd_names, c, d, NULL);
	if (!rc)
		rc = each_cmd(data, len, cmd_cancel, c, d, &x);
	return rc;
}
