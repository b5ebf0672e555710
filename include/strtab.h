/*
 * strtab.h - string interning for the data view engine (dvquery.c):
 * dimension values, person ids, distinct values and lookup keys become
 * dense 32-bit ids.  (The (item, value) pairs a report counts are sorted
 * in bounded memory, extsort.h, not kept in a set whose size grows with
 * the events.)
 *
 * struct strtab gives each distinct byte string an id, 0, 1, 2... in order
 * of first interning.  The strings live in one arena (each followed by a
 * NUL, so they can be printed), and the hash table holds ids only, so the
 * cost per distinct string is its length + 1 plus about 24 bytes; nothing
 * is allocated per string.  Open addressing with linear probing, kept at
 * most half full.
 *
 * It is plain memory: no locking, the owner serializes.  Functions
 * return 0 or -errno (-ENOMEM, -EOVERFLOW past 2^32 - 2 strings).
 * strtab_init allocates nothing; strtab_release frees everything and
 * leaves the table empty and reusable.
 */
#ifndef CJAFS_STRTAB_H
#define CJAFS_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define STRTAB_NONE UINT32_MAX

/* One string: where it is and its hash, together, so that a lookup
 * touches one cache line of entries (the tables outgrow the caches). */
struct strtab_ent {
	uint64_t off;		/* in arena */
	uint32_t len;
	uint32_t hash;
};

struct strtab {
	struct buf arena;	/* the strings, each NUL-terminated */
	struct strtab_ent *ent;	/* by id */
	uint32_t n;		/* ids in use */
	uint32_t cap;		/* entries ent can hold */
	uint32_t *slot;		/* id + 1, 0 = empty */
	uint32_t mask;		/* slots - 1 (a power of 2 less 1), 0 = none */
};

void strtab_init(struct strtab *t);
void strtab_release(struct strtab *t);
/* The id of s[0..len), adding it if new (*added = 1 then; added may be
 * NULL). */
int strtab_intern(struct strtab *t, const char *s, size_t len, uint32_t *id,
		  int *added);
/* The id of s[0..len), or STRTAB_NONE. */
uint32_t strtab_find(const struct strtab *t, const char *s, size_t len);
/* The string of id (NUL-terminated, borrowed; valid until the next
 * intern, which may move the arena). */
const char *strtab_str(const struct strtab *t, uint32_t id, size_t *len);
/* The hash strtab uses (also handy for callers). */
uint32_t strtab_hash(const char *s, size_t len);

#endif
