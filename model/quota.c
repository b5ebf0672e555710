/*
 * quota.c - per-caller holdings (quota.h).
 *
 * One small record per uid that holds anything, in a hash table of fixed
 * size chained by uid; a record goes when its caller holds nothing, so
 * the table is as large as the set of callers with something open or
 * scratched, and a lookup walks only the records that share a bucket.
 *
 * The bounds: 1,024 scratch files and 64 MiB of scratch bytes (scratch
 * space is a courtesy to editors, not storage), 4,096 open files and
 * 256 MiB held by open files (a settings file is at most 1 MiB, so
 * thousands of open editors fit; a caller that opens the same file a
 * million times does not take the daemon's memory with it), 8 open
 * computed streams (each may hold a computation's state: sorts of up to
 * 16 MiB before they spill, group tables; a pipeline reads a few at once,
 * and eight of them are already more than the daemon gives one caller),
 * and 1,024 staged unlinks (rm -r of the largest object stages a few
 * dozen).
 *
 * Its own mutex, taken for a few instructions and nothing else under
 * it: open files are written without the model's lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "quota.h"

#define QUOTA_BUCKETS 256

const size_t quota_limit[QUOTA_COUNT] = {
	[QUOTA_SCRATCH_FILES] = 1024,
	[QUOTA_SCRATCH_BYTES] = 64u * 1024 * 1024,
	[QUOTA_OPEN_FILES] = 4096,
	[QUOTA_OPEN_BYTES] = 256u * 1024 * 1024,
	[QUOTA_STREAMS] = 8,
	[QUOTA_STAGES] = 1024,
};

struct holder {
	uid_t uid;
	size_t held[QUOTA_COUNT];
	struct holder *next;
};

struct quota {
	pthread_mutex_t lock;
	struct holder *bucket[QUOTA_BUCKETS];
};

int quota_new(struct quota **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	pthread_mutex_init(&(*out)->lock, NULL);
	return 0;
}

void quota_free(struct quota *q)
{
	size_t i;

	if (!q)
		return;
	for (i = 0; i < QUOTA_BUCKETS; i++) {
		while (q->bucket[i]) {
			struct holder *h = q->bucket[i];

			q->bucket[i] = h->next;
			free(h);
		}
	}
	pthread_mutex_destroy(&q->lock);
	free(q);
}

static struct holder **holder_slot(struct quota *q, uid_t uid)
{
	struct holder **pp = &q->bucket[uid % QUOTA_BUCKETS];

	while (*pp && (*pp)->uid != uid)
		pp = &(*pp)->next;
	return pp;
}

int quota_take(struct quota *q, uid_t uid, enum quota_res res, size_t n)
{
	struct holder **pp, *h;
	int rc = 0;

	if (!n)
		return 0;
	pthread_mutex_lock(&q->lock);
	pp = holder_slot(q, uid);
	h = *pp;
	if (!h && n <= quota_limit[res]) {
		h = calloc(1, sizeof(*h));
		if (!h) {
			rc = -ENOMEM;
			goto out;
		}
		h->uid = uid;
		*pp = h;
	}
	if (!h || n > quota_limit[res] - h->held[res])
		rc = quota_limit_errno(res);
	else
		h->held[res] += n;
out:
	pthread_mutex_unlock(&q->lock);
	return rc;
}

void quota_give(struct quota *q, uid_t uid, enum quota_res res, size_t n)
{
	struct holder **pp, *h;
	int i;

	if (!n)
		return;
	pthread_mutex_lock(&q->lock);
	pp = holder_slot(q, uid);
	h = *pp;
	if (!h)
		goto out;
	h->held[res] -= n < h->held[res] ? n : h->held[res];
	for (i = 0; i < QUOTA_COUNT; i++)
		if (h->held[i])
			goto out;
	*pp = h->next;
	free(h);
out:
	pthread_mutex_unlock(&q->lock);
}

size_t quota_held(struct quota *q, uid_t uid, enum quota_res res)
{
	struct holder *h;
	size_t n;

	pthread_mutex_lock(&q->lock);
	h = *holder_slot(q, uid);
	n = h ? h->held[res] : 0;
	pthread_mutex_unlock(&q->lock);
	return n;
}

int quota_limit_errno(enum quota_res res)
{
	return res == QUOTA_OPEN_FILES || res == QUOTA_STREAMS ? -EMFILE :
								 -ENOSPC;
}
