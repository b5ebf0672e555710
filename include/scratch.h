/*
 * scratch.h - scratch files (scratch.c): per caller and directory, in
 * memory, never stored (SPEC §2).
 */
#ifndef CJAFS_SCRATCH_H
#define CJAFS_SCRATCH_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"

/* --- scratch files (scratch.c): per caller, in memory --- */
struct scratch;
struct scratch_set;
struct quota;
/* q (borrowed) counts what each caller's files hold. */
int scratch_set_new(struct quota *q, struct scratch_set **out);
void scratch_set_free(struct scratch_set *s);
/* The caller's file name in directory dir (a path), or NULL. */
struct scratch *scratch_find(struct scratch_set *s, uid_t uid,
			     const char *dir, const char *name);
/* A new empty file, holding one reference for the set: -ENOSPC past the
 * caller's quota. */
int scratch_create(struct scratch_set *s, uid_t uid, const char *dir,
		   const char *name, time_t now, struct scratch **out);
void scratch_get(struct scratch *f);
void scratch_put(struct scratch *f);
/* Remove from the set (open references keep the data alive). */
void scratch_unlink(struct scratch_set *s, struct scratch *f);
/* Move f to dir/name, replacing the caller's file there. */
int scratch_rename(struct scratch_set *s, struct scratch *f, const char *dir,
		   const char *name);
int scratch_write(struct scratch_set *s, struct scratch *f, uint64_t off,
		  const char *data, size_t len, time_t now);
int scratch_truncate(struct scratch_set *s, struct scratch *f, uint64_t size,
		     time_t now);
const struct buf *scratch_data(const struct scratch *f);
time_t scratch_mtime(const struct scratch *f);
/* Drop all callers' files in (and below) directory path. */
void scratch_drop(struct scratch_set *s, const char *path);
/* Call fn for each of uid's files in dir. */
int scratch_each(struct scratch_set *s, uid_t uid, const char *dir,
		 int (*fn)(const char *name, void *arg), void *arg);

#endif
