/*
 * statmemo.h - what stat says of a place, remembered per store generation
 * (statmemo.c).
 *
 * A caller's stat of an attribute file is its owner bits (what the policy
 * lets it do), its mtime (a record read) and its st_size, the length of
 * what read(2) would give this caller: finding that means rendering the
 * file.  An `ls -l` asks for all of it several times per file (a lookup
 * for every walk through it, a getattr), and a tree listing asks it of
 * thousands of files.  The memo keeps each answer, keyed by everything it
 * depends on (the place, the caller as the policy knows it, what the
 * policy said to seeing it: the key the model builds), valid for one store
 * generation: any commit makes every answer stale.  Computed streams are
 * not kept (their sizes move without a commit).
 *
 * A fixed number of slots, so it holds at most STAT_MEMO_SLOTS answers
 * whatever the callers do; a key that lands on a taken slot replaces it.
 * Not locked: the model calls it under its lock.
 */
#ifndef CJAFS_STATMEMO_H
#define CJAFS_STATMEMO_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define STAT_MEMO_SLOTS 4096

struct stat_memo;

struct stat_memo *stat_memo_new(void);
void stat_memo_free(struct stat_memo *sm);
/* 1 and *st when key was answered at generation gen (with its size when
 * want_size), else 0. */
int stat_memo_get(struct stat_memo *sm, uint64_t gen, const char *key,
		  size_t len, int want_size, struct mstat *st);
/* Remember key's answer at generation gen; sized: st->size is known.
 * Without memory, nothing. */
void stat_memo_put(struct stat_memo *sm, uint64_t gen, const char *key,
		   size_t len, int sized, const struct mstat *st);

#endif
