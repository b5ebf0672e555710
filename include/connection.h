/*
 * connection.h - connections (connection.c): connection.ini, status,
 * usage, the kind's hooks, and the sandboxes they use.
 */
#ifndef CJAFS_CONNECTION_H
#define CJAFS_CONNECTION_H

#include <stddef.h>

#include "buf.h"
#include "inidoc.h"
#include "kind.h"

struct mctx;

/* --- connections (connection.c) and datasets (dataset.c) --- */
#define CONN_JO_KEY "m:jo"	/* = POLICY_JO_KEY in policy.c */
extern const struct inidoc_schema connection_schema;
extern const struct inidoc_schema dataset_schema;
extern const struct kind_stream_ops records_stream_ops;
extern const struct kind_append_ops records_append_ops;
int connection_ini_store(struct mctx *c, const struct obj_ref *ref,
			 const char *data, size_t len, struct diag *d);
int connection_status_show(struct mctx *c, const struct obj_ref *ref,
			   struct buf *out);
int connections_usage_show(struct mctx *c, const struct obj_ref *ref,
			   struct buf *out);
int connection_create(struct mctx *c, const struct obj_ref *ref,
		      struct diag *d);
int connection_destroy(struct mctx *c, const struct obj_ref *ref,
		       struct diag *d);
/* The connection's in_use hook: -EBUSY with *d ("in use by data views
 * web, mobile") while a data view names it. */
int connection_in_use(struct mctx *c, const struct obj_ref *ref,
		      struct diag *d);
/* The connection's facts hook: its owner and sandbox, for the policy. */
int connection_facts(struct mctx *c, const struct obj_ref *ref,
		     struct obj_facts *out);
/* Stamp the connection ref is in as changed now, by the caller. */
int connection_touch(struct mctx *c, const struct obj_ref *ref,
		     struct diag *d);
/* -EINVAL with *d when a connection uses a sandbox that the canonical
 * line-list listed (the new /admin/sandboxes) leaves out. */
int connections_check_sandboxes(struct mctx *c, const char *listed,
				struct diag *d);

#endif
