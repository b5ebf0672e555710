/*
 * extsort.c - sorting fixed-size records in bounded memory (extsort.h).
 *
 * Adding.  Records go into one array of max = budget / (2 * record size)
 * records, allocated whole at the first record (its pages take memory
 * only as records fill them); the other half of the budget is the radix
 * sort's scratch.  When the array is full it is sorted.  With
 * EXTSORT_UNIQUE the duplicates go then, and if that left the array at
 * most half full the records stay in memory, so a set that fits never
 * touches the disk (and the array is sorted again only after max / 2
 * more records, so the cost per record stays constant).  Otherwise the
 * sorted records are appended to the scratch file as one run and the
 * array starts again.  Finishing sorts what is in memory: if nothing was
 * spilled, extsort_next() hands out the array itself.
 *
 * Sorting in memory.  An LSD radix sort on word 0, stable, 11 bits a
 * pass (2048 counters stay in the L1 cache), only over the bits that
 * differ between the records: one scan finds them, and each pass starts
 * at the lowest differing bit not yet covered, so ids under 2^22 take
 * two passes whatever the bits above them hold.  Then each group of
 * records with equal word 0 is put in order by the other words.
 * Usually it already is (the sort kept the order of arrival, and session
 * records mostly arrive in time order), which one scan checks; else
 * insertion sort for short groups and qsort for long ones.  An array
 * already in order (checked first) is left alone.
 *
 * Merging.  Each run gets a read buffer of rbuf records (64 KiB, less
 * for a small budget), and a binary heap orders the runs by their next
 * record.  The budget pays for the read buffers and one write buffer,
 * so one pass merges at most fan = budget / buffer - 1 runs (at least
 * 2).  With more runs than that, finishing merges the oldest fan runs
 * into a new one at the end of the file (and punches the merged runs
 * out of the file) until at most fan are left; the last merge runs as
 * extsort_next() asks for records, a write buffer's worth at a time.
 * With EXTSORT_UNIQUE the merges drop records equal to the one before.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extsort.h"

#define EXTSORT_READ (64 * 1024)	/* bytes of a run's read buffer */
#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)
#define RADIX_MASK ((uint64_t)RADIX_SIZE - 1)
#define RADIX_PASSES_MAX ((64 + RADIX_BITS - 1) / RADIX_BITS)
#define INSERTION_MAX 32

static size_t rec_bytes(const struct extsort *s)
{
	return s->words * sizeof(uint64_t);
}

static int rec_cmp(const uint64_t *a, const uint64_t *b, unsigned w)
{
	unsigned i;

	for (i = 0; i < w; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

_Static_assert(EXTSORT_WORDS_MAX == 2, "rec_copy() and radix_sort() know");

/* Not memcpy: a call to memcpy with a length known only at run time
 * costs more than copying a word or two. */
static inline void rec_copy(uint64_t *dst, const uint64_t *src, unsigned w)
{
	dst[0] = src[0];
	if (w > 1)
		dst[1] = src[1];
}

void extsort_init(struct extsort *s, unsigned words, unsigned flags,
		  size_t budget, const char *dir)
{
	assert(words >= 1 && words <= EXTSORT_WORDS_MAX);
	memset(s, 0, sizeof(*s));
	s->words = words;
	s->flags = flags;
	s->budget = budget;
	s->dir = dir;
	s->max = budget / (2 * rec_bytes(s));
	if (s->max < 2)
		s->max = 2;
}

void extsort_release(struct extsort *s)
{
	size_t i;

	free(s->rec);
	for (i = 0; i < s->nrun; i++)
		free(s->run[i].buf);
	free(s->run);
	free(s->heap);
	free(s->obuf);
	if (s->has_fd)
		close(s->fd);
	memset(s, 0, sizeof(*s));
}

/* --- sorting in memory --- */

/* Sort the n records of w words at v by word 0, stably; t has room for
 * n records, count for RADIX_PASSES_MAX * RADIX_SIZE counters.  Gives
 * the array that holds the result, v or t. */
static uint64_t *radix_sort(uint64_t *v, uint64_t *t, size_t n, unsigned w,
			    size_t *count)
{
	unsigned shift[RADIX_PASSES_MAX], npass = 0, lo = 0, p;
	uint64_t diff = 0, k0 = v[0];
	size_t i;

	for (i = 1; i < n; i++)
		diff |= v[i * w] ^ k0;
	while (lo < 64 && (diff >> lo)) {
		lo += (unsigned)__builtin_ctzll(diff >> lo);
		shift[npass++] = lo;
		lo += RADIX_BITS;
	}
	if (!npass)
		return v;
	memset(count, 0, npass * RADIX_SIZE * sizeof(*count));
	for (p = 0; p < npass; p++) {
		size_t *c = count + p * RADIX_SIZE;
		unsigned sh = shift[p];

		for (i = 0; i < n; i++)
			c[(v[i * w] >> sh) & RADIX_MASK]++;
	}
	for (p = 0; p < npass; p++) {
		size_t *c = count + p * RADIX_SIZE, sum = 0, x;
		unsigned sh = shift[p];
		uint64_t *swap;

		for (x = 0; x < RADIX_SIZE; x++) {
			size_t here = c[x];

			c[x] = sum;
			sum += here;
		}
		if (w == 1) {
			for (i = 0; i < n; i++) {
				uint64_t k = v[i];

				t[c[(k >> sh) & RADIX_MASK]++] = k;
			}
		} else {
			for (i = 0; i < n; i++) {
				uint64_t k = v[2 * i];
				size_t d = 2 * c[(k >> sh) & RADIX_MASK]++;

				t[d] = k;
				t[d + 1] = v[2 * i + 1];
			}
		}
		swap = v;
		v = t;
		t = swap;
	}
	return v;
}

static int cmp_tail(const void *a, const void *b, void *arg)
{
	unsigned w = *(const unsigned *)arg;

	return rec_cmp((const uint64_t *)a + 1, (const uint64_t *)b + 1, w - 1);
}

/* Order each group of records with equal word 0 by the other words. */
static void sort_groups(uint64_t *v, size_t n, unsigned w)
{
	uint64_t t[EXTSORT_WORDS_MAX];
	size_t i = 0, j, k, m;
	int sorted;

	while (i < n) {
		sorted = 1;
		for (j = i + 1; j < n && v[j * w] == v[i * w]; j++)
			if (sorted && rec_cmp(v + (j - 1) * w + 1,
					      v + j * w + 1, w - 1) > 0)
				sorted = 0;
		if (sorted) {
			i = j;
			continue;
		}
		if (j - i > INSERTION_MAX) {
			qsort_r(v + i * w, j - i, w * sizeof(*v), cmp_tail, &w);
			i = j;
			continue;
		}
		for (k = i + 1; k < j; k++) {
			rec_copy(t, v + k * w, w);
			for (m = k; m > i && rec_cmp(v + (m - 1) * w, t, w) > 0;
			     m--)
				rec_copy(v + m * w, v + (m - 1) * w, w);
			rec_copy(v + m * w, t, w);
		}
		i = j;
	}
}

/* Keep the first of each run of equal records; gives the new count. */
static size_t dedupe(uint64_t *v, size_t n, unsigned w)
{
	size_t i, m = 1;

	if (n < 2)
		return n;
	for (i = 1; i < n; i++) {
		if (!rec_cmp(v + i * w, v + (m - 1) * w, w))
			continue;
		if (m != i)
			rec_copy(v + m * w, v + i * w, w);
		m++;
	}
	return m;
}

static int in_order(const uint64_t *v, size_t n, unsigned w)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (rec_cmp(v + (i - 1) * w, v + i * w, w) > 0)
			return 0;
	return 1;
}

static int sort_mem(struct extsort *s)
{
	uint64_t *t, *res;
	size_t *count;

	if (s->n < 2)
		return 0;
	if (!in_order(s->rec, s->n, s->words)) {
		t = malloc(s->cap * rec_bytes(s));
		count = malloc(RADIX_PASSES_MAX * RADIX_SIZE * sizeof(*count));
		if (!t || !count) {
			free(t);
			free(count);
			return -ENOMEM;
		}
		res = radix_sort(s->rec, t, s->n, s->words, count);
		free(count);
		if (res == t) {
			free(s->rec);
			s->rec = t;
		} else {
			free(t);
		}
		if (s->words > 1)
			sort_groups(s->rec, s->n, s->words);
	}
	if (s->flags & EXTSORT_UNIQUE)
		s->n = dedupe(s->rec, s->n, s->words);
	return 0;
}

/* --- the scratch file --- */

static int scratch_open_in(const char *dir, int *fd)
{
	char path[PATH_MAX];
	int f = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (f < 0 &&
	    (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		/* a file system without O_TMPFILE: a name, gone at once */
		if (snprintf(path, sizeof(path), "%s/.cjafs-sort.XXXXXX",
			     dir) >= (int)sizeof(path))
			return -ENAMETOOLONG;
		f = mkostemp(path, O_CLOEXEC);
		if (f >= 0)
			unlink(path);
	}
	if (f < 0)
		return -errno;
	*fd = f;
	return 0;
}

static int scratch_open(struct extsort *s)
{
	const char *dirs[3], *env = getenv("TMPDIR");
	size_t i, n = 0;
	int rc = -ENOENT;

	if (s->dir && *s->dir)
		dirs[n++] = s->dir;
	if (env && *env)
		dirs[n++] = env;
	dirs[n++] = "/tmp";
	for (i = 0; i < n; i++) {
		rc = scratch_open_in(dirs[i], &s->fd);
		if (!rc) {
			s->has_fd = 1;
			return 0;
		}
	}
	return rc;
}

static int write_all(int fd, const void *p, size_t len, off_t off)
{
	const char *c = p;

	while (len) {
		ssize_t k = pwrite(fd, c, len, off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (!k)
			return -EIO;
		c += k;
		len -= (size_t)k;
		off += k;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t len, off_t off)
{
	char *c = p;

	while (len) {
		ssize_t k = pread(fd, c, len, off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (!k)
			return -EIO;	/* shorter than what we wrote */
		c += k;
		len -= (size_t)k;
		off += k;
	}
	return 0;
}

/* Room for one more run in s->run. */
static int run_room(struct extsort *s)
{
	struct extsort_run *r;
	size_t cap;

	if (s->nrun < s->runcap)
		return 0;
	cap = s->runcap ? 2 * s->runcap : 16;
	r = realloc(s->run, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	s->run = r;
	s->runcap = cap;
	return 0;
}

/* Append n records at v, sorted, to the file as a new run. */
static int run_write(struct extsort *s, const uint64_t *v, size_t n)
{
	struct extsort_run *r;
	size_t bytes = n * rec_bytes(s);
	int rc;

	if (!s->has_fd) {
		rc = scratch_open(s);
		if (rc)
			return rc;
	}
	rc = run_room(s);
	if (!rc)
		rc = write_all(s->fd, v, bytes, s->end);
	if (rc)
		return rc;
	r = &s->run[s->nrun++];
	memset(r, 0, sizeof(*r));
	r->start = r->off = s->end;
	r->bytes = (off_t)bytes;
	r->left = n;
	s->end += (off_t)bytes;
	return 0;
}

static int spill(struct extsort *s)
{
	int rc = run_write(s, s->rec, s->n);

	if (rc)
		return rc;
	s->n = 0;
	s->spills++;
	return 0;
}

/* --- adding --- */

/* The array is full (or not there yet); not inlined, so that adding a
 * record stays a few instructions. */
static __attribute__((noinline)) int make_room(struct extsort *s)
{
	int rc;

	if (!s->rec) {
		/* all of it at once: no copying as it fills, and pages
		 * that are never written never take memory */
		s->rec = malloc(s->max * rec_bytes(s));
		if (!s->rec)
			return -ENOMEM;
		s->cap = s->max;
		return 0;
	}
	rc = sort_mem(s);
	if (rc)
		return rc;
	if ((s->flags & EXTSORT_UNIQUE) && s->n <= s->max / 2)
		return 0;
	return spill(s);
}

int extsort_add(struct extsort *s, const uint64_t *rec)
{
	int rc;

	assert(!s->finished);
	if (__builtin_expect(s->n == s->cap, 0)) {
		rc = make_room(s);
		if (rc)
			return rc;
	}
	rec_copy(s->rec + s->n * s->words, rec, s->words);
	s->n++;
	return 0;
}

/* --- merging --- */

/* Read run r's next records into its buffer (none left: have = 0). */
static int run_fill(struct extsort *s, struct extsort_run *r)
{
	size_t k = r->left < s->rbuf ? (size_t)r->left : s->rbuf;
	int rc;

	r->pos = 0;
	r->have = 0;
	if (!k)
		return 0;
	rc = read_all(s->fd, r->buf, k * rec_bytes(s), r->off);
	if (rc)
		return rc;
	r->off += (off_t)(k * rec_bytes(s));
	r->left -= k;
	r->have = k;
	return 0;
}

/* Heap entries carry their run's next record, so that comparing two
 * touches only the heap. */
static int head_less(const struct extsort_head *a, const struct extsort_head *b,
		     unsigned w)
{
	if (a->key[0] != b->key[0])
		return a->key[0] < b->key[0];
	return w > 1 && rec_cmp(a->key + 1, b->key + 1, w - 1) < 0;
}

static void heap_down(struct extsort *s, size_t i)
{
	struct extsort_head *h = s->heap, t = h[i];
	size_t n = s->nheap, c;
	unsigned w = s->words;

	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && head_less(&h[c + 1], &h[c], w))
			c++;
		if (!head_less(&h[c], &t, w))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = t;
}

/* Start merging runs [first, first + count): buffers, heap. */
static int merge_start(struct extsort *s, size_t first, size_t count)
{
	size_t i;
	int rc;

	free(s->heap);
	s->nheap = 0;
	s->heap = malloc(count * sizeof(*s->heap));
	if (!s->heap)
		return -ENOMEM;
	for (i = first; i < first + count; i++) {
		struct extsort_run *r = &s->run[i];
		struct extsort_head *h = &s->heap[s->nheap];

		r->buf = malloc(s->rbuf * rec_bytes(s));
		if (!r->buf)
			return -ENOMEM;
		rc = run_fill(s, r);
		if (rc)
			return rc;
		if (!r->have)
			continue;
		rec_copy(h->key, r->buf, s->words);
		r->pos = 1;
		h->run = (uint32_t)i;
		s->nheap++;
	}
	for (i = s->nheap / 2; i-- > 0;)
		heap_down(s, i);
	return 0;
}

/* The least next record of the runs being merged: 1 (copied to out) or
 * 0 when they are all read.  A run's buffer holds its records after the
 * one in its heap entry. */
static int merge_pop(struct extsort *s, uint64_t *out)
{
	struct extsort_head *h = s->heap;
	struct extsort_run *r;
	int rc;

	if (!s->nheap)
		return 0;
	rec_copy(out, h->key, s->words);
	r = &s->run[h->run];
	if (r->pos == r->have) {
		rc = run_fill(s, r);
		if (rc)
			return rc;
		if (!r->have) {
			free(r->buf);
			r->buf = NULL;
			*h = h[--s->nheap];
			if (s->nheap)
				heap_down(s, 0);
			return 1;
		}
	}
	rec_copy(h->key, r->buf + r->pos++ * s->words, s->words);
	/* runs tend to lead for a while: check before sifting */
	if (s->nheap > 1 && (head_less(&h[1], h, s->words) ||
			     (s->nheap > 2 && head_less(&h[2], h, s->words))))
		heap_down(s, 0);
	return 1;
}

/* Merge the oldest fan runs into one new run at the end of the file. */
static int merge_runs(struct extsort *s, size_t fan)
{
	uint64_t rec[EXTSORT_WORDS_MAX], last[EXTSORT_WORDS_MAX], *wbuf;
	size_t nw = 0, i, w = s->words;
	uint64_t total = 0;
	off_t start = s->end;
	int rc, have_last = 0;

	wbuf = malloc(s->rbuf * rec_bytes(s));
	if (!wbuf)
		return -ENOMEM;
	rc = merge_start(s, 0, fan);
	while (!rc) {
		rc = merge_pop(s, rec);
		if (rc <= 0)
			break;
		rc = 0;
		if ((s->flags & EXTSORT_UNIQUE) && have_last &&
		    !rec_cmp(rec, last, s->words))
			continue;
		rec_copy(last, rec, s->words);
		have_last = 1;
		rec_copy(wbuf + nw * w, rec, s->words);
		if (++nw == s->rbuf) {
			rc = write_all(s->fd, wbuf, nw * rec_bytes(s), s->end);
			s->end += (off_t)(nw * rec_bytes(s));
			total += nw;
			nw = 0;
		}
	}
	if (!rc && nw) {
		rc = write_all(s->fd, wbuf, nw * rec_bytes(s), s->end);
		s->end += (off_t)(nw * rec_bytes(s));
		total += nw;
	}
	free(wbuf);
	free(s->heap);
	s->heap = NULL;
	s->nheap = 0;
	if (rc)
		return rc;
	for (i = 0; i < fan; i++) {
		free(s->run[i].buf);
		/* best effort: the space of what was merged goes back */
		if (s->run[i].bytes)
			(void)fallocate(s->fd,
					FALLOC_FL_PUNCH_HOLE |
						FALLOC_FL_KEEP_SIZE,
					s->run[i].start, s->run[i].bytes);
	}
	memmove(s->run, s->run + fan, (s->nrun - fan) * sizeof(*s->run));
	s->nrun -= fan;
	/* fan >= 2 runs went, so there is room */
	memset(&s->run[s->nrun], 0, sizeof(s->run[s->nrun]));
	s->run[s->nrun].start = s->run[s->nrun].off = start;
	s->run[s->nrun].bytes = s->end - start;
	s->run[s->nrun].left = total;
	s->nrun++;
	s->merges++;
	return 0;
}

int extsort_finish(struct extsort *s)
{
	size_t bytes, fan;
	int rc;

	assert(!s->finished);
	s->finished = 1;
	rc = sort_mem(s);
	if (rc || !s->nrun)
		return rc;
	if (s->n) {
		rc = spill(s);
		if (rc)
			return rc;
	}
	free(s->rec);
	s->rec = NULL;
	s->cap = 0;
	bytes = s->budget / 4 < EXTSORT_READ ? s->budget / 4 : EXTSORT_READ;
	s->rbuf = bytes / rec_bytes(s) ? bytes / rec_bytes(s) : 1;
	fan = s->budget / (s->rbuf * rec_bytes(s));
	fan = fan > 3 ? fan - 1 : 2;
	while (s->nrun > fan) {
		rc = merge_runs(s, fan);
		if (rc)
			return rc;
	}
	/* the write buffer's share of the budget holds what next gives */
	s->obuf = malloc(s->rbuf * rec_bytes(s));
	if (!s->obuf)
		return -ENOMEM;
	return merge_start(s, 0, s->nrun);
}

int extsort_next(struct extsort *s, const uint64_t **recs, size_t *n)
{
	size_t k = 0, w = s->words;
	int rc;

	assert(s->finished);
	*n = 0;
	if (!s->nrun) {
		/* nothing spilled: the array, all at once */
		*recs = s->pos < s->n ? s->rec + s->pos * w : NULL;
		*n = s->n - s->pos;
		s->pos = s->n;
		return 0;
	}
	while (k < s->rbuf) {
		uint64_t *r = s->obuf + k * w;
		/* the last record kept: in this block, or the block before */
		const uint64_t *prev = k ? r - w : s->have_out ? s->out : NULL;

		rc = merge_pop(s, r);
		if (rc < 0)
			return rc;
		if (!rc)
			break;
		if ((s->flags & EXTSORT_UNIQUE) && prev && !rec_cmp(r, prev, w))
			continue;
		k++;
	}
	if (k) {
		rec_copy(s->out, s->obuf + (k - 1) * w, s->words);
		s->have_out = 1;
	}
	*recs = s->obuf;
	*n = k;
	return 0;
}
