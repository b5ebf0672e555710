/*
 * audit.h - the audit log (audit.c): lines appended in the transaction of
 * the change they record, refused attempts in a transaction of their own
 * within bounds, and the streams that read the log and its archive.
 */
#ifndef CJAFS_AUDIT_H
#define CJAFS_AUDIT_H

#include <time.h>

#include "kind.h"

struct mctx;

/* --- audit log (audit.c) --- */
/* Append "TIME\tLOGIN\tACTION\tPATH\tRESULT\tDETAIL" inside the current
 * transaction (a change).  Controls and line breaks in fields become
 * spaces. */
int audit_append(struct mctx *c, const char *action, const char *path,
		 const char *result, const char *detail);
/* Record a refused attempt (result "denied" or "rejected") in a
 * transaction of its own; denied ones within the bounds of c->flood: the
 * line may only be counted, to be summarised later. */
int audit_refused(struct mctx *c, const char *action, const char *path,
		  const char *result, const char *detail);
/* The per-model bookkeeping of denied attempts. */
struct audit_flood;
int audit_flood_new(struct audit_flood **out);
void audit_flood_free(struct audit_flood *f);
/* Write the summaries whose window has closed (cheap when none is due). */
void audit_tick(struct mctx *c);
/* Write every summary not yet written (at unmount). */
void audit_flush(struct mctx *c);
extern const struct kind_stream_ops audit_stream_ops;
extern const struct kind_stream_ops audit_archive_stream_ops;
/* The time of the last line of the live log and of the archive (0: not
 * known, or no archive). */
time_t audit_mtime(struct mctx *c, const struct obj_ref *ref);
time_t audit_archive_mtime(struct mctx *c, const struct obj_ref *ref);

#endif
