/*
 * statmemo.c - stat answers per store generation; see statmemo.h.  A
 * direct-mapped table: the key's hash picks the slot, and the slot
 * keeps the whole key, so a hit is never another key's answer.
 */
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "statmemo.h"

struct memo_slot {
	uint64_t gen;		/* 0: empty (the model's generations start at 1) */
	int sized;
	struct mstat st;
	char *key;
	size_t len;
};

struct stat_memo {
	struct memo_slot slot[STAT_MEMO_SLOTS];
};

static size_t memo_slot_of(const char *key, size_t len)
{
	return (size_t)fnv1a64(key, len) & (STAT_MEMO_SLOTS - 1);
}

struct stat_memo *stat_memo_new(void)
{
	return calloc(1, sizeof(struct stat_memo));
}

void stat_memo_free(struct stat_memo *sm)
{
	size_t i;

	if (!sm)
		return;
	for (i = 0; i < STAT_MEMO_SLOTS; i++)
		free(sm->slot[i].key);
	free(sm);
}

int stat_memo_get(struct stat_memo *sm, uint64_t gen, const char *key,
		  size_t len, int want_size, struct mstat *st)
{
	const struct memo_slot *s;

	if (!sm || !gen)
		return 0;
	s = &sm->slot[memo_slot_of(key, len)];
	if (s->gen != gen || (want_size && !s->sized) || s->len != len ||
	    memcmp(s->key, key, len))
		return 0;
	*st = s->st;
	return 1;
}

void stat_memo_put(struct stat_memo *sm, uint64_t gen, const char *key,
		   size_t len, int sized, const struct mstat *st)
{
	struct memo_slot *s;

	if (!sm || !gen)
		return;
	s = &sm->slot[memo_slot_of(key, len)];
	if (s->len != len || !s->key || memcmp(s->key, key, len)) {
		char *copy = malloc(len ? len : 1);

		if (!copy)
			return;
		memcpy(copy, key, len);
		free(s->key);
		s->key = copy;
		s->len = len;
	} else if (s->gen == gen && s->sized && !sized) {
		return;		/* keep the answer that has the size */
	}
	s->gen = gen;
	s->sized = sized;
	s->st = *st;
}
