/*
 * model.h - the admin plane as the FUSE layer sees it: paths in, answers
 * out, every decision taken by the policy and every change made in one
 * store transaction.
 *
 * Each call resolves the caller from its Unix identity, asks policy_check()
 * and then reads or changes the store.  One lock (the model's) serializes
 * every call, so the store, the policy snapshot and the per-caller state
 * (/errors, staged unlinks) never see two threads at once; streams take it
 * per piece, not for the whole read, and computations (activity.h) hand
 * it over between chunks of rows to operations that wait.
 *
 * Errors are -errno: -ENOENT (no such name, or one the caller may not
 * know), -EACCES (denied), -EINVAL (rejected content or name), -EEXIST,
 * -ENOTEMPTY, -EBUSY (an object still in use: a connection data views
 * name), -EPERM (an operation the namespace has no meaning for),
 * -EDQUOT (row allotment), -ENOMEM, -EIO.
 */
#ifndef CJAFS_MODEL_H
#define CJAFS_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "kind.h"
#include "policy.h"

struct config;
struct model;

/* Create the store named by cfg with only the bootstrap state; refuses to
 * overwrite (-EEXIST).  Message in err. */
int model_create_store(const struct config *cfg, struct buf *err);
/* Open the store named by cfg.  cfg is borrowed for the model's life. */
int model_open(const struct config *cfg, struct model **out, struct buf *err);
void model_close(struct model *m);

/* What a caller sees of a place. */
struct mstat {
	int is_dir;
	unsigned perm;		/* owner bits for this caller: 4 r, 2 w, 1 x */
	uint64_t size;		/* exact size; 0 for streams but sized ones */
	time_t mtime;
	int stream;		/* computed stream (read to EOF) */
	unsigned nlink;		/* files: 1, 0 for an open unlinked one */
};

int model_lookup(struct model *m, const struct caller_id *id,
		 const struct obj_ref *dir, const char *name,
		 struct obj_ref *out, struct mstat *st);
int model_getattr(struct model *m, const struct caller_id *id,
		  const struct obj_ref *ref, struct mstat *st);
/* 0 when ref is there for this caller, else -ENOENT (or -errno): what
 * model_getattr() answers, without rendering the file for its size. */
int model_visible(struct model *m, const struct caller_id *id,
		  const struct obj_ref *ref);
/* mask of R_OK, W_OK, X_OK (F_OK = 0): 0 or -EACCES/-ENOENT. */
int model_access(struct model *m, const struct caller_id *id,
		 const struct obj_ref *ref, int mask);

struct model_dirent {
	char *name;
	int is_dir;
	int is_scratch;		/* one of the caller's scratch files */
};
/* The entries of a directory this caller may see ("." and ".." not
 * included); the caller frees with model_dirents_free(). */
int model_readdir(struct model *m, const struct caller_id *id,
		  const struct obj_ref *dir, struct model_dirent **ents,
		  size_t *n);
void model_dirents_free(struct model_dirent *ents, size_t n);

/*
 * An open file.  Attribute files are read from a snapshot taken at open,
 * so a reader sees one committed version whole; writes go to a private
 * buffer that model_file_flush() commits (when dirty) in one transaction.
 * Streams produce their bytes piece by piece.  Append files (records)
 * commit each write.
 */
struct model_file;

/* flags: O_RDONLY/O_WRONLY/O_RDWR with O_TRUNC, O_APPEND. */
int model_open_file(struct model *m, const struct caller_id *id,
		    const struct obj_ref *ref, int flags,
		    struct model_file **out);
/* Read up to size bytes at off into out (replaced). */
int model_file_read(struct model *m, const struct caller_id *id,
		    struct model_file *f, uint64_t off, size_t size,
		    struct buf *out);
/*
 * Computations (SPEC §8: rows.csv, reports) are read asynchronously, so
 * that waiting for a slot or computing never holds a request thread.
 * model_file_async() says whether f is one.  model_file_read_async()
 * queues the read for a slot (any other file is read at once) and calls
 * done(arg, rc, data, len) exactly once: from a worker thread, from
 * whoever stops the computation while the read waits (a cancel, an
 * interrupt, a close), or before it returns.  rc is 0 or -errno:
 * -ECANCELED once cancelled, -EINTR once interrupted or closed.  data is
 * the model's until done returns.  f stays alive until then even if it
 * is closed meanwhile.
 */
typedef void (*model_read_done_fn)(void *arg, int rc, const char *data,
				   size_t len);
int model_file_async(const struct model_file *f);
void model_file_read_async(struct model *m, const struct caller_id *id,
			   struct model_file *f, uint64_t off, size_t size,
			   model_read_done_fn done, void *arg);
/* The reader gave up (a signal): f's computation stops, its queued reads
 * are answered -EINTR now, the one being produced at its next chunk.
 * f must not be used by the caller after this returns if it held only
 * a read's reference. */
void model_file_interrupt(struct model *m, struct model_file *f);
/* Before the FUSE session goes: stop every computation, answer the
 * queued reads, wait for the running ones and stop the workers. */
void model_quiesce(struct model *m);
/* Returns bytes taken or -errno.  A write or truncate of an attribute
 * file past [limits] ini_max_bytes is -EFBIG and poisons the open file:
 * what it holds is never committed, later writes and truncates are
 * -EFBIG, and its next flush is refused as a write of the size asked for
 * (recorded once), the ones after it -EFBIG unrecorded.
 * An attribute written in order from offset 0 of a truncated file has
 * each completed line judged at once (SPEC §5, kind_attr.check_key): a
 * line that no later line can mend makes the write -EINVAL or -EACCES,
 * recorded once in /errors and the audit log, and poisons the open file:
 * later writes, truncates and flushes fail the same way and nothing
 * commits.  A write anywhere else turns the judging off for that open
 * file (the close's verdict stands). */
long model_file_write(struct model *m, const struct caller_id *id,
		      struct model_file *f, uint64_t off, const char *data,
		      size_t len);
int model_file_truncate(struct model *m, struct model_file *f, uint64_t size);
/* Commit content written since the last commit: 0, or -EINVAL/-EACCES/
 * -EFBIG (recorded in /errors).  An O_TRUNC open with nothing written yet
 * is not committed here (shells flush a dup'd descriptor before writing)
 * unless model_file_settle() said its content is final. */
int model_file_flush(struct model *m, const struct caller_id *id,
		     struct model_file *f);
/* Whether f was opened with O_TRUNC (or created) and nothing written
 * since: what a flush of it would leave uncommitted. */
int model_file_trunc_pending(const struct model_file *f);
/* The empty content of such a file is final (its closer holds no other
 * descriptor on it, or fsync(2) asked): the next flush commits it, so
 * ": > file" has its verdict at close(2), not at the release after. */
void model_file_settle(struct model_file *f);
/* getattr through an open file: also answers for a scratch file that was
 * unlinked and a file object whose first commit has not happened yet. */
int model_file_getattr(struct model *m, const struct caller_id *id,
		       struct model_file *f, struct mstat *st);
/* Size the open file has for this caller now. */
uint64_t model_file_size(struct model_file *f);
/* Commit what flush has not (a bare truncating open), then free. */
void model_file_close(struct model *m, const struct caller_id *id,
		      struct model_file *f);

/* Replace a file's content without an open file (truncate(2) by path). */
int model_truncate(struct model *m, const struct caller_id *id,
		   const struct obj_ref *ref, uint64_t size);

int model_mkdir(struct model *m, const struct caller_id *id,
		const struct obj_ref *dir, const char *name);
int model_rmdir(struct model *m, const struct caller_id *id,
		const struct obj_ref *dir, const char *name);
/*
 * unlink(2): a scratch file goes, a file object is deleted; a file of an
 * object the caller may delete (attribute or computed file) is staged for
 * the calling process, which then sees the name as gone; anything else is
 * -EACCES at once (audited, never staged).  -ENOSPC past QUOTA_STAGES.
 */
int model_unlink(struct model *m, const struct caller_id *id,
		 const struct obj_ref *dir, const char *name);

/*
 * create(2) of name in dir: opens an existing file (EEXIST with O_EXCL),
 * replaces an attribute whose unlink this process staged (the content is
 * committed at close; a computed name it unlinked is -EACCES), or makes a
 * scratch file.  On success *out, *st and
 * *file describe the new open file.
 */
int model_create(struct model *m, const struct caller_id *id,
		 const struct obj_ref *dir, const char *name, int flags,
		 struct obj_ref *out, struct mstat *st,
		 struct model_file **file);

#define MODEL_RENAME_NOREPLACE 1
#define MODEL_RENAME_EXCHANGE 2
/*
 * rename(2) of files, and of objects whose kind is KD_RENAME to a new
 * name in the same directory (-EXDEV elsewhere; other objects: -EPERM).
 * Onto an attribute: the source's content is committed as one write, and
 * a scratch source goes away.  An attribute renamed onto a scratch name
 * stays where it is; the scratch file gets a copy.  Scratch to scratch
 * moves the file.  On success *src_out and *dst_out are what name and
 * newname were for this caller (a scratch file or not).
 */
int model_rename(struct model *m, const struct caller_id *id,
		 const struct obj_ref *dir, const char *name,
		 const struct obj_ref *newdir, const char *newname,
		 unsigned flags, struct obj_ref *src_out,
		 struct obj_ref *dst_out);

/* The user.cjafs.why answer for ref. */
int model_why(struct model *m, const struct caller_id *id,
	      const struct obj_ref *ref, struct buf *out);

#endif
