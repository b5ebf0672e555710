/*
 * strtab.c - string interning and a 64-bit key set (see strtab.h).
 *
 * The hash reads the string eight bytes at a time (memcpy, so any
 * alignment), mixing each word with a multiply and a shift; it is not
 * keyed, which is fine for counting values of a data view but would not
 * be for a table exposed to an adversary who could make every key
 * collide: the engine's tables live for one read of one file, and a
 * caller who can write the data can already make that read slow.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strtab.h"

#define K1 UINT64_C(0x9e3779b97f4a7c15)
#define K2 UINT64_C(0xbf58476d1ce4e5b9)
#define K3 UINT64_C(0x94d049bb133111eb)

/* splitmix64's finalizer: every input bit reaches every output bit, so
 * the low bits that pick a slot depend on the last bytes of a key too
 * ("p012345" and "p012346" differ only in the word's high byte). */
static uint64_t mix64(uint64_t h)
{
	h ^= h >> 30;
	h *= K2;
	h ^= h >> 27;
	h *= K3;
	h ^= h >> 31;
	return h;
}

uint32_t strtab_hash(const char *s, size_t len)
{
	uint64_t h = K1 ^ len, w;

	while (len >= 8) {
		memcpy(&w, s, 8);
		h = mix64(h ^ w) + K1;
		s += 8;
		len -= 8;
	}
	if (len) {
		w = 0;
		memcpy(&w, s, len);
		h = mix64(h ^ w);
	}
	return (uint32_t)(h ^ (h >> 32));
}

void strtab_init(struct strtab *t)
{
	memset(t, 0, sizeof(*t));
}

void strtab_release(struct strtab *t)
{
	buf_release(&t->arena);
	free(t->ent);
	free(t->slot);
	strtab_init(t);
}

static int strtab_rehash(struct strtab *t, size_t nslots)
{
	uint32_t *slot = calloc(nslots, sizeof(*slot));
	size_t mask = nslots - 1, i;

	if (!slot)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		size_t j = t->ent[i].hash & mask;

		while (slot[j])
			j = (j + 1) & mask;
		slot[j] = (uint32_t)i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->mask = (uint32_t)mask;
	return 0;
}

uint32_t strtab_find(const struct strtab *t, const char *s, size_t len)
{
	uint32_t h, id;
	size_t j;

	if (!t->mask)
		return STRTAB_NONE;
	h = strtab_hash(s, len);
	for (j = h & t->mask; (id = t->slot[j]); j = (j + 1) & t->mask) {
		const struct strtab_ent *e = &t->ent[id - 1];

		if (e->hash == h && e->len == len &&
		    !memcmp(t->arena.data + e->off, s, len))
			return id - 1;
	}
	return STRTAB_NONE;
}

int strtab_intern(struct strtab *t, const char *s, size_t len, uint32_t *id,
		  int *added)
{
	uint32_t h, cur;
	size_t j;
	int rc;

	if (added)
		*added = 0;
	if (len > UINT32_MAX)
		return -EOVERFLOW;
	h = strtab_hash(s, len);
	if (t->mask) {
		for (j = h & t->mask; (cur = t->slot[j]);
		     j = (j + 1) & t->mask) {
			const struct strtab_ent *e = &t->ent[cur - 1];

			if (e->hash == h && e->len == len &&
			    !memcmp(t->arena.data + e->off, s, len)) {
				*id = cur - 1;
				return 0;
			}
		}
	}
	if (t->n >= UINT32_MAX - 2)
		return -EOVERFLOW;
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 64;
		struct strtab_ent *e = realloc(t->ent, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		t->ent = e;
		t->cap = cap;
	}
	if ((size_t)(t->n + 1) * 2 > (size_t)t->mask + 1 || !t->mask) {
		rc = strtab_rehash(t, t->mask ? ((size_t)t->mask + 1) * 2 :
						128);
		if (rc)
			return rc;
	}
	rc = buf_grow(&t->arena, len + 1);
	if (rc)
		return rc;
	t->ent[t->n].off = t->arena.len;
	memcpy(t->arena.data + t->arena.len, s, len);
	t->arena.len += len;
	t->arena.data[t->arena.len++] = '\0';
	t->arena.data[t->arena.len] = '\0';
	t->ent[t->n].len = (uint32_t)len;
	t->ent[t->n].hash = h;
	for (j = h & t->mask; t->slot[j]; j = (j + 1) & t->mask)
		;
	t->slot[j] = t->n + 1;
	*id = t->n++;
	if (added)
		*added = 1;
	return 0;
}

const char *strtab_str(const struct strtab *t, uint32_t id, size_t *len)
{
	if (len)
		*len = t->ent[id].len;
	return t->arena.data + t->ent[id].off;
}
