/*
 * root.h - /README and /whoami (root.c), and the description of a caller
 * that /whoami and /admin/users/LOGIN show.
 */
#ifndef CJAFS_ROOT_H
#define CJAFS_ROOT_H

#include "buf.h"
#include "kind.h"
#include "policy.h"

struct mctx;

int root_readme_show(struct mctx *c, const struct obj_ref *ref, struct buf *out);
int root_whoami_show(struct mctx *c, const struct obj_ref *ref, struct buf *out);
int caller_describe(struct mctx *c, const struct caller *who, struct buf *out);

#endif
