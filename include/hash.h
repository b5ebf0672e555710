/*
 * hash.h - FNV-1a, 64 bits: the slot of a key in the model's fixed-size
 * memo tables (statmemo.c, the policy's facts).
 */
#ifndef CJAFS_HASH_H
#define CJAFS_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t fnv1a64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 14695981039346656037ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 32);
}

#endif
