/*
 * dirindex.h - the names in a collection directory, kept so that adding
 * or removing one costs the same whatever the directory holds, and
 * listing them reads only the directory's own records.
 *
 * dir is the directory's object path ("/connections",
 * "/dataviews/v/components"); names are object names (no '/', ':' or
 * newline).  Changes need an open store transaction (store.h), and each
 * leaves the index whole, so a caller's commit or cancel keeps it
 * consistent.  Errors are -errno: -EIO for an index that contradicts
 * itself, -EINVAL for a bad name, and the store's.
 */
#ifndef CJAFS_DIRINDEX_H
#define CJAFS_DIRINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct store;

/* Names per chunk record: a change rewrites at most two chunks. */
#define DIRINDEX_CHUNK 256

/* Add name (already there: 0, nothing changes). */
int dirindex_add(struct store *st, const char *dir, const char *name);
/* Remove name (not there: 0). */
int dirindex_del(struct store *st, const char *dir, const char *name);
/* 1 if name is listed in dir, 0 if not. */
int dirindex_has(struct store *st, const char *dir, const char *name);
/* How many names dir holds. */
int dirindex_count(struct store *st, const char *dir, uint64_t *n);
/* Call fn for each name, in no particular order; a non-zero return
 * stops the walk and is returned.  fn must not change dir's index. */
int dirindex_each(struct store *st, const char *dir,
		  int (*fn)(const char *name, size_t len, void *arg),
		  void *arg);
/* Replace names with dir's names, sorted, one per line ("" for none). */
int dirindex_list(struct store *st, const char *dir, struct buf *names);
/* Move the whole index of from to to (which must have none: -EEXIST). */
int dirindex_move(struct store *st, const char *from, const char *to);
/* Turn every index of the version 1 layout (one "l:DIR" record of sorted
 * lines per directory) into this one, in the caller's transaction. */
int dirindex_migrate(struct store *st);

#endif
