/*
 * extsort.h - sorting fixed-size records in bounded memory, for the data
 * view engine (dvquery.c): the session records of a report, the (value,
 * person) pairs of people and distinct metrics, the rows that start a
 * session.
 *
 * A record is 1 to EXTSORT_WORDS_MAX 64-bit words, ordered as unsigned
 * numbers, word 0 first.  Records are added one at a time; once the
 * memory the sorter may use (its budget) is full, what it holds is sorted
 * and written to a scratch file as a run, and finishing merges the runs.
 * Nothing is written when everything fits.  Memory: at most the budget
 * (the records and the sort's scratch while adding, read and write
 * buffers while merging), plus 96 KiB of counters while sorting and
 * about 80 bytes per run written (a run holds budget / 2 bytes of
 * records).  Disk: the records, once, plus a merged copy per extra merge
 * pass (one pass merges budget / 64 KiB - 1 runs: with 8 MiB, 127 runs
 * of 4 MiB, 508 MiB of records; merged runs' space is given back with
 * FALLOC_FL_PUNCH_HOLE where the file system can).
 *
 * The scratch file is made at the first spill with O_TMPFILE (mode 0600,
 * never has a name) in dir, else in $TMPDIR, else in /tmp; where a file
 * system has no O_TMPFILE, a mkostemp name that is unlinked at once.
 * It is closed, and so gone, at extsort_release().
 *
 * EXTSORT_UNIQUE keeps one of each set of equal records.
 *
 * Life: extsort_init (allocates nothing; dir is borrowed and must
 * outlive the sorter), extsort_add..., extsort_finish, extsort_next...
 * (the records in order), extsort_release (frees everything; the sorter
 * is empty and may be initialised again).  A zeroed struct extsort may
 * be released.
 * Functions return 0 or -errno (-ENOMEM, and the scratch file's errors:
 * -ENOSPC, -EIO...).  No locking: the owner serializes.
 */
#ifndef CJAFS_EXTSORT_H
#define CJAFS_EXTSORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define EXTSORT_WORDS_MAX 2
#define EXTSORT_UNIQUE 1u

struct extsort_run {
	off_t off;		/* next record to read from the file */
	uint64_t left;		/* records not yet read */
	off_t start;		/* the run in the file: start, bytes */
	off_t bytes;
	uint64_t *buf;		/* merging: records read ahead */
	size_t have, pos;
};

struct extsort_head {
	uint64_t key[EXTSORT_WORDS_MAX];	/* the run's next record */
	uint32_t run;
};

struct extsort {
	unsigned words;		/* per record */
	unsigned flags;
	size_t budget;		/* bytes */
	const char *dir;	/* borrowed; NULL: $TMPDIR, /tmp */
	uint64_t *rec;		/* the records in memory */
	size_t n, cap, max;	/* records in rec, its room, the most it gets */
	int fd;			/* scratch file, once has_fd */
	int has_fd;
	off_t end;		/* its size */
	struct extsort_run *run;
	size_t nrun, runcap;
	int finished;
	size_t pos;		/* reading rec (nothing spilled) */
	struct extsort_head *heap;	/* merging: runs by next record */
	size_t nheap;
	size_t rbuf;		/* records per run read buffer */
	uint64_t *obuf;		/* what extsort_next() gives, merging */
	uint64_t out[EXTSORT_WORDS_MAX];	/* the last record it gave */
	int have_out;
	/* what happened, for tests and measurements */
	size_t spills;		/* runs written from memory */
	size_t merges;		/* runs written by merging runs */
};

void extsort_init(struct extsort *s, unsigned words, unsigned flags,
		  size_t budget, const char *dir);
/* Add a record of s->words words (copied). */
int extsort_add(struct extsort *s, const uint64_t *rec);
/* No more records: sort, and merge runs down to what one pass reads. */
int extsort_finish(struct extsort *s);
/* The next records in order: *n of them (s->words words each) at *recs,
 * borrowed and valid until the next call; *n = 0 at the end.  Only after
 * extsort_finish(). */
int extsort_next(struct extsort *s, const uint64_t **recs, size_t *n);
void extsort_release(struct extsort *s);

#endif
