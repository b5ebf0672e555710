/*
 * rows.h - the row chunks of a dataset (rows.c): appended, deleted by
 * person, read back in chunks or as a snapshot, moved into row files.
 */
#ifndef CJAFS_ROWS_H
#define CJAFS_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "rec.h"

struct mctx;

/* --- row chunks of a dataset (rows.c) --- */
#define ROWS_CHUNK_MAX (1024 * 1024)	/* bytes of CSV per chunk (compressed) */
#define ROWS_TOPUP_MAX (64 * 1024)	/* a smaller last chunk is topped up */
#define ROWS_LINE_MAX (1024 * 1024)	/* longest CSV line ingested */
#define ROWS_FIELDS_MAX 1024		/* most fields in a row */
#define ROWS_TOTAL_KEY "m:rows"
/* Where a dataset's rows are, kept in its record (rows_meta_get/set). */
struct rows_meta {
	int64_t rows;		/* rows stored */
	uint32_t first;		/* chunks in use are [first, next); gaps allowed */
	uint32_t next;
	int64_t tail;		/* bytes in chunk next-1 (0: none, or do not top up) */
	int64_t bytes;		/* bytes of CSV in all chunks; -1: not stored
				 * (a record from before it was kept) */
};
/* Read (missing fields are 0; -EIO if inconsistent) and write the meta. */
int rows_meta_get(const struct rec *r, struct rows_meta *m);
int rows_meta_set(struct rec *r, const struct rows_meta *m);
/*
 * The functions below take base, the dataset's object path, and run in the
 * caller's transaction.  Append nrows canonical CSV lines data[0..len)
 * (whole rows, as csv_write_row() writes them), updating *m.
 */
int rows_append(struct mctx *c, const char *base, struct rows_meta *m,
		const char *data, size_t len, int64_t nrows);
/* Delete the rows whose field number col is val[0..vlen); *deleted. */
int rows_delete_where(struct mctx *c, const char *base, struct rows_meta *m,
		      size_t col, const char *val, size_t vlen,
		      int64_t *deleted);
/* Replace out with the first chunk numbered *no or later and move *no past
 * it; *eof (out empty) when there is none. */
int rows_next_chunk(struct mctx *c, const char *base,
		    const struct rows_meta *m, uint32_t *no, struct buf *out,
		    int *eof);
/* The bytes of CSV the chunks hold (what reading them all gives):
 * m->bytes, or when it is not known the sum of the chunks' sizes. */
int rows_bytes(struct mctx *c, const char *base, const struct rows_meta *m,
	       uint64_t *bytes);
/* Delete every chunk; *m becomes empty. */
int rows_destroy(struct mctx *c, const char *base, struct rows_meta *m);
/*
 * A snapshot of a dataset's rows: the chunks committed when it was taken
 * (under the model's lock, outside a transaction), read afterwards without
 * any lock, from any one thread at a time.  Commits made meanwhile change
 * nothing it reads: the row files it names stay until it is freed.
 * rows_snap_next() gives the next chunk's CSV text (*eof and out empty at
 * the end; -EIO for a damaged row file).  rows_snap_free() needs no lock.
 */
struct rows_snap;
int rows_snap_take(struct mctx *c, const char *base,
		   const struct rows_meta *m, struct rows_snap **out);
int rows_snap_next(struct rows_snap *s, struct buf *out, int *eof);
void rows_snap_rewind(struct rows_snap *s);
/* Skip the whole chunks that bytes of CSV cover; what is left of bytes
 * falls in the next chunk (0 at the end). */
uint64_t rows_snap_skip(struct rows_snap *s, uint64_t bytes);
uint64_t rows_snap_bytes(const struct rows_snap *s);	/* CSV, all chunks */
/* Append what names the snapshot's rows (its row files' ids: equal texts,
 * equal rows, since a row file never changes and an id is never used
 * twice). */
int rows_snap_ident(const struct rows_snap *s, struct buf *out);
int64_t rows_snap_rows(const struct rows_snap *s);
void rows_snap_free(struct rows_snap *s);
/* Move chunks a version 1 store keeps in the TDB file to row files, in
 * transactions of their own; *moved counts them. */
int rows_migrate(struct mctx *c, size_t *moved);
/* The stored row total "m:rows", and a change to it. */
int rows_total(struct mctx *c, int64_t *total);
int rows_total_add(struct mctx *c, int64_t delta);

#endif
