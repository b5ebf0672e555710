/*
 * activity.h - the Reporting Activity Manager (SPEC §8): the registry of
 * running and queued computations (rows.csv, reports) and the slots that
 * produce their output.
 *
 * A computation is a struct job, made when its file is opened and listed
 * until its end of file or its close.  Its reads are tasks: a task waits
 * in one FIFO (the job is "queued") until one of the [limits] reports
 * worker threads takes it and runs it (a slot); a worker holds its slot
 * for that one task only, so a reader that stops reading holds none.
 *
 * A job is stopped at most once: cancelled (-ECANCELED, naming who), or
 * interrupted or closed (-EINTR); an interrupted one may resume (its
 * reader reads again).  A stopped job is no longer listed, its
 * queued tasks leave the queue without running (they are handed back to
 * whoever stopped it, to be dropped outside every lock), and the scan that
 * runs it learns it at its next job_poll().
 *
 * Locking: one mutex of its own, a leaf: nothing here calls out while
 * holding it, so it may be taken under the model's lock, and reading the
 * registry needs no model lock.  Task callbacks run with no lock held.
 */
#ifndef CJAFS_ACTIVITY_H
#define CJAFS_ACTIVITY_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

struct activity;
struct job;
struct task;

/* slots: the worker threads (at least 1), started at the first submit
 * (a daemon forks after it opens the model: threads made before would
 * not survive it). */
int activity_new(unsigned slots, struct activity **out);
/* Stop every job (-EINTR), drop the queued tasks, wait for the running
 * ones and join the workers.  Idempotent; submits fail afterwards. */
void activity_shutdown(struct activity *a);
/* activity_shutdown(), then free.  No job may still be referenced. */
void activity_free(struct activity *a);

/* A new job, listed, running, holding one reference for the caller. */
int job_new(struct activity *a, const char *login, uid_t uid, const char *path,
	    struct job **out);
void job_get(struct job *j);
void job_put(struct job *j);
/* No longer listed (its end of file, or its close). */
void job_end(struct job *j);
/*
 * Called by a computation per chunk of rows it scans (j may be NULL: 0).
 * Adds rows to rows_scanned; 0, or -ECANCELED once cancelled, -EINTR once
 * interrupted or closed.  When the job has a yield hook (set by who runs
 * it), it is called here: the model lets waiting operations through.
 */
int job_poll(struct job *j, uint64_t rows);
/* 0, or the errno (negative) that stopped j. */
int job_stopped(const struct job *j);
void job_set_yield(struct job *j, void (*fn)(void *arg), void *arg);
/*
 * Stop j for why (-ECANCELED or -EINTR); by: who cancelled (copied).
 * Its queued tasks are chained onto *dropped (activity_drop() them with
 * no lock held), or with dropped NULL set aside for activity_reap().  A
 * second stop changes nothing.
 */
void job_stop(struct job *j, int why, const char *by, struct task **dropped);
/* Its file is closed: job_stop(j, -EINTR), for good. */
void job_close(struct job *j, struct task **dropped);
/* A read of an interrupted job: 1 if it was interrupted and now runs and
 * is listed again (the caller starts its stream over), else what
 * job_stopped() says. */
int job_resume(struct job *j);

/*
 * Queue run(arg) for a slot, in order.  If j is stopped first (or the
 * pool shuts down), drop(arg, rc) is called instead, once, from whoever
 * stopped it.  -errno (and nothing called) when it cannot be queued: j
 * cancelled or closed, the pool shut down.  An interrupted j takes it.
 */
int activity_submit(struct activity *a, struct job *j, void (*run)(void *),
		    void (*drop)(void *, int), void *arg);
/* Call the drop of each task in list, then free them. */
void activity_drop(struct task *list);
/* Tasks set aside by activity_cancel(), dropped here: call it with no
 * lock held (cheap when there are none). */
void activity_reap(struct activity *a);

/* The listing (SPEC §8): "id,login,path,state,started,elapsed_ms,
 * rows_scanned" and one line per listed job, oldest first. */
int activity_show(struct activity *a, struct buf *out);

/* What a cancel command names: id (non-zero), else login, else path. */
struct activity_sel {
	uint64_t id;
	const char *login;
	const char *path;
};
/* The number of listed jobs sel names. */
size_t activity_count(struct activity *a, const struct activity_sel *sel);
/*
 * Cancel the listed jobs sel names, as by: each(arg, id, login, uid,
 * path) is called for each (under the registry's lock: it must not call
 * back here), then it is stopped; its queued tasks wait for
 * activity_reap().  Returns how many.
 */
size_t activity_cancel(struct activity *a, const struct activity_sel *sel,
		       const char *by,
		       void (*each)(void *arg, uint64_t id, const char *login,
				    uid_t uid, const char *path),
		       void *arg);

/* /admin/reporting-activity, the file (kind table hooks) */
struct mctx;
struct obj_ref;
struct diag;
int activity_file_show(struct mctx *c, const struct obj_ref *ref,
		       struct buf *out);
/* Run the cancel commands: -EINVAL with *d (nothing cancelled) when one
 * names no computation. */
int activity_file_store(struct mctx *c, const struct obj_ref *ref,
			const char *data, size_t len, struct diag *d);
/* One line: cancel ID, cancel user:LOGIN or cancel path:PATH. */
int activity_check_cmd(const char *entry, size_t len, void *arg,
		       struct diag *d);

#endif
