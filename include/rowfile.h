/*
 * rowfile.h - the store's row files, as store.c sees them.
 *
 * The public calls (store_rowfile_*, store_pin) are in store.h; this is
 * the glue between the TDB file and the directory of row files beside it:
 * store.c opens the directory with the store and tells it when a
 * transaction commits or is cancelled.  Nothing else includes it.
 */
#ifndef CJAFS_ROWFILE_H
#define CJAFS_ROWFILE_H

#include <stdint.h>

#include "buf.h"

struct store;
struct rowfiles;

/* Open (creating it if needed) the directory PATH.rows of the store at
 * path, and remove what no committed record names (see rowfile.c).
 * nosync: no fsync (unit tests).  Message in err. */
int rowfiles_open(struct store *st, const char *path, int nosync,
		  struct rowfiles **out, struct buf *err);
void rowfiles_close(struct rowfiles *rf);
/* Before the TDB commit: make the files this transaction wrote durable
 * (the directory's entries).  A failure fails the commit. */
int rowfiles_precommit(struct rowfiles *rf);
/* After the commit (ok) or a cancel (!ok). */
void rowfiles_end(struct rowfiles *rf, int ok);

/* Is row file id whole: there, size bytes, one zstd frame that decodes
 * to its end and its checksum?  -EIO with *why when not (for restore,
 * which checks every file a backup brings). */
int rowfiles_check(struct rowfiles *rf, uint64_t id, uint64_t size,
		   const char **why);

/* store.c: the row files of st (NULL while it is being opened). */
struct rowfiles *store_rowfiles(struct store *st);

#endif
