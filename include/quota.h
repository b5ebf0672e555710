/*
 * quota.h - what each caller makes the daemon hold, and its bounds.
 *
 * Every resource a caller can make the daemon keep in memory between its
 * requests is counted here against the caller's uid, from the moment it
 * is taken until the moment it is freed: scratch files and their bytes
 * (an unlinked scratch file still held open counts until its last
 * descriptor closes), open files, and the bytes open files hold
 * (snapshots, pending writes, stream windows), and staged unlinks.  A take past the bound
 * fails and takes nothing, so one caller's excess is refused to that
 * caller alone.
 *
 * Thread-safe (a leaf lock of its own).
 */
#ifndef CJAFS_QUOTA_H
#define CJAFS_QUOTA_H

#include <stddef.h>
#include <sys/types.h>

enum quota_res {
	QUOTA_SCRATCH_FILES,	/* scratch files, linked or still open */
	QUOTA_SCRATCH_BYTES,	/* their contents */
	QUOTA_OPEN_FILES,	/* open descriptors on the mount */
	QUOTA_OPEN_BYTES,	/* what open files hold */
	QUOTA_STREAMS,		/* open computed streams */
	QUOTA_STAGES,		/* staged unlinks not yet settled */
	QUOTA_COUNT
};

/* The bound of each resource per caller. */
extern const size_t quota_limit[QUOTA_COUNT];
/* The errno past it: -EMFILE for open files and streams, else -ENOSPC. */
int quota_limit_errno(enum quota_res res);

struct quota;

int quota_new(struct quota **out);
/* Frees the table; what is still held is forgotten. */
void quota_free(struct quota *q);
/* Take n of res for uid: 0, -ENOSPC/-EMFILE past its bound, or -ENOMEM;
 * nothing is taken on failure. */
int quota_take(struct quota *q, uid_t uid, enum quota_res res, size_t n);
/* Give back n of res (at most what uid holds). */
void quota_give(struct quota *q, uid_t uid, enum quota_res res, size_t n);
/* What uid holds of res now. */
size_t quota_held(struct quota *q, uid_t uid, enum quota_res res);

#endif
