/*
 * dataset.h - datasets of a connection (dataset.c): dataset.ini, records
 * (ingest and read back), status, and the summary connections show.
 */
#ifndef CJAFS_DATASET_H
#define CJAFS_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "inidoc.h"
#include "kind.h"

struct mctx;

/* Fields of a dataset's record: its rows are in time order, and the
 * last timestamp (dataset.c keeps them, dvquery.c reads them). */
#define DATASET_TS_ORDERED "ts_ordered"
#define DATASET_TS_LAST "ts_last"

int dataset_ini_store(struct mctx *c, const struct obj_ref *ref,
		      const char *data, size_t len, struct diag *d);
int dataset_status_show(struct mctx *c, const struct obj_ref *ref,
			struct buf *out);
int dataset_create(struct mctx *c, const struct obj_ref *ref,
		   struct diag *d);
int dataset_destroy(struct mctx *c, const struct obj_ref *ref,
		    struct diag *d);
/* Dataset summary for connection status and usage. */
enum dataset_type {
	DATASET_EVENT,
	DATASET_PROFILE,
	DATASET_LOOKUP,
	DATASET_SUMMARY,
	DATASET_NTYPES
};
extern const char *const dataset_type_names[DATASET_NTYPES + 1];
enum dataset_skip {
	SKIP_MISSING_PERSON_ID,
	SKIP_BAD_TIMESTAMP,
	SKIP_WRONG_FIELD_COUNT,
	SKIP_BAD_CSV,
	SKIP_NREASONS
};
extern const char *const dataset_skip_names[SKIP_NREASONS + 1];
struct dataset_summary {
	enum dataset_type type;
	int64_t rows, ingested, deleted;
	int64_t skipped[SKIP_NREASONS];
	time_t mtime;		/* last change of the dataset or its rows */
	char by[64];		/* and by whom */
};
/* Summarize the dataset ref (any ref inside it: its names are used). */
int dataset_summary(struct mctx *c, const struct obj_ref *ref,
		    struct dataset_summary *out);

#endif
