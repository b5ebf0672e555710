/*
 * fs.h - the FUSE layer's entry point.
 */
#ifndef CJAFS_FS_H
#define CJAFS_FS_H

struct model;
struct config;

/*
 * Mount at mountpoint and serve until unmounted or signalled.  opts are
 * extra "-o" options.  Returns the process exit status (0 or 1).
 */
int fs_main(struct model *m, const struct config *cfg,
	    const char *mountpoint, int foreground, int debug,
	    const char *const *opts, int nopts);

#endif
