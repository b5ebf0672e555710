/*
 * backup.h - /admin/backup (backup.c): the store and its row files as a
 * tar stream, as of the open.
 */
#ifndef CJAFS_BACKUP_H
#define CJAFS_BACKUP_H

#include "kind.h"

/* /admin/backup (backup.c) */
extern const struct kind_stream_ops backup_stream_ops;

#endif
