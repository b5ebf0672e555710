/*
 * admin.h - the Admin Console (admin.c): product admins, sandboxes,
 * product and platform profiles and /admin/users, and the entry checks of
 * logins, members and sandboxes that other line-lists share.
 */
#ifndef CJAFS_ADMIN_H
#define CJAFS_ADMIN_H

#include <stddef.h>

#include "buf.h"
#include "inidoc.h"
#include "kind.h"

struct mctx;

extern const struct inidoc_schema profile_schema;
extern const struct inidoc_schema platform_schema;
int admin_product_admins_store(struct mctx *c, const struct obj_ref *ref,
			       const char *data, size_t len, struct diag *d);
int admin_sandboxes_store(struct mctx *c, const struct obj_ref *ref,
			  const char *data, size_t len, struct diag *d);
int profile_ini_store(struct mctx *c, const struct obj_ref *ref,
		      const char *data, size_t len, struct diag *d);
int profile_ini_why(struct mctx *c, const struct obj_ref *ref,
		    struct buf *out);
int profile_members_store(struct mctx *c, const struct obj_ref *ref,
			  const char *data, size_t len, struct diag *d);
int profile_admins_store(struct mctx *c, const struct obj_ref *ref,
			 const char *data, size_t len, struct diag *d);
int platform_ini_store(struct mctx *c, const struct obj_ref *ref,
		       const char *data, size_t len, struct diag *d);
int platform_members_store(struct mctx *c, const struct obj_ref *ref,
			   const char *data, size_t len, struct diag *d);
int users_list(struct mctx *c, const struct obj_ref *parent, struct buf *names);
int users_has(struct mctx *c, const struct obj_ref *ref);
int user_show(struct mctx *c, const struct obj_ref *ref, struct buf *out);
/* Entry checks for line-lists. */
int admin_check_login(const char *entry, size_t len, void *arg,
		      struct diag *d);
int admin_check_member(const char *entry, size_t len, void *arg,
		       struct diag *d);
int admin_check_sandbox(const char *entry, size_t len, void *arg,
			struct diag *d);
/* Write-time judgement of one key (kind_attr.check_key). */
int profile_ini_check_key(struct mctx *c, const struct obj_ref *ref,
			  const struct inidoc_field *f, const char *val,
			  const char *line, size_t llen,
			  struct diag *d);

#endif
