/*
 * main.c - the cjafs command: parse the command line, load the config,
 * create a store (--init) or open it and mount.
 *
 *   cjafs -c CONFIG MOUNTPOINT [-f] [-d] [-o OPT]...
 *   cjafs --init -c CONFIG
 *   cjafs --restore FILE [--force] -c CONFIG
 *   cjafs --help | --version
 *
 * --restore puts a backup (/admin/backup: a tar of the store file and its
 * row files, or a bare store file) in place of the config's store and its
 * row files, which no daemon may hold; it never mounts.  The version is the
 * Makefile's VERSION, passed with -DCJAFS_VERSION.
 *
 * Exit status: 0 on a clean unmount, 1 when FUSE fails, 2 for a bad
 * command line, config or store (with "cjafs: FILE:LINE: message").
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fs.h"
#include "inidoc.h"
#include "model.h"
#include "store.h"

#ifndef CJAFS_VERSION
#define CJAFS_VERSION "unknown"
#endif

#define MAX_OPTS 32

static void usage(FILE *f)
{
	fprintf(f, "usage: cjafs -c CONFIG MOUNTPOINT [-f] [-d] [-o OPT]...\n"
		   "       cjafs --init -c CONFIG\n"
		   "       cjafs --restore FILE [--force] -c CONFIG\n"
		   "       cjafs --help | --version\n");
}

static void help(void)
{
	usage(stdout);
	fputs("\n"
	      "Mount the admin plane of the analytics product at MOUNTPOINT;\n"
	      "every access is decided per calling user (cjafs(5)).\n"
	      "\n"
	      "  -c, --config CONFIG  the configuration file (cjafs(5)); its\n"
	      "                       [store] path names the store\n"
	      "  -f, --foreground     stay in the foreground (for systemd\n"
	      "                       and terminals); unmount with\n"
	      "                       fusermount3 -u MOUNTPOINT or SIGTERM\n"
	      "  -d, --debug          FUSE debug output on stderr (implies -f)\n"
	      "  -o OPT               a FUSE mount option (repeatable);\n"
	      "                       allow_other is always on\n"
	      "      --init           create an empty store (only the config's\n"
	      "                       system admins exist); never overwrites\n"
	      "      --restore FILE   replace the store and its row files with\n"
	      "                       FILE, a backup read from /admin/backup\n"
	      "                       (a tar; a bare store file from older\n"
	      "                       versions too): the store must not be\n"
	      "                       mounted, FILE is checked first\n"
	      "      --force          with --restore: replace an existing store\n"
	      "  -h, --help           this text\n"
	      "  -V, --version        the version\n"
	      "\n"
	      "Exit status: 0 success or clean unmount, 1 FUSE failure,\n"
	      "2 bad command line, configuration or store.\n",
	      stdout);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "init", no_argument, NULL, 'i' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "restore", required_argument, NULL, 'R' },
		{ "force", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cfgpath = NULL, *opts[MAX_OPTS], *restore = NULL;
	int init = 0, fg = 0, debug = 0, nopts = 0, force = 0, c, rc;
	struct config cfg;
	struct model *m;
	char *mnt;
	struct buf err = BUF_INIT;

	/* Blocks of 256 KiB or more (a row chunk's bytes, a sort's array,
	 * a join's table) get mappings of their own, given back when freed.
	 * glibc's threshold otherwise rises to 32 MiB at the first such free,
	 * and from then on those blocks come from the arena of the thread
	 * (each report worker has one) and stay resident there: four
	 * reports at once held 133 MiB at their peak, 98 MiB with this. */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);

	while ((c = getopt_long(argc, argv, "c:fdo:hV", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'i':
			init = 1;
			break;
		case 'f':
			fg = 1;
			break;
		case 'd':
			debug = fg = 1;
			break;
		case 'o':
			if (nopts == MAX_OPTS) {
				fprintf(stderr, "cjafs: too many -o options\n");
				return 2;
			}
			opts[nopts++] = optarg;
			break;
		case 'R':
			restore = optarg;
			break;
		case 'F':
			force = 1;
			break;
		case 'h':
			help();
			return 0;
		case 'V':
			printf("cjafs %s\n", CJAFS_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!cfgpath || (init && restore) || (force && !restore) ||
	    (init || restore ? optind != argc : optind != argc - 1)) {
		usage(stderr);
		return 2;
	}
	inidoc_setup();
	if (config_load(cfgpath, &cfg, &err)) {
		fprintf(stderr, "cjafs: %s\n", err.data);
		buf_release(&err);
		return 2;
	}
	if (restore) {
		rc = store_restore(restore, cfg.store_path,
				   force ? STORE_RESTORE_FORCE : 0, &err);
		if (rc)
			fprintf(stderr, "cjafs: %s\n",
				err.len ? err.data : strerror(-rc));
		else
			printf("cjafs: restored %s from %s\n", cfg.store_path,
			       restore);
		buf_release(&err);
		config_release(&cfg);
		return rc ? 2 : 0;
	}
	if (init) {
		rc = model_create_store(&cfg, &err);
		if (rc)
			fprintf(stderr, "cjafs: %s: %s\n", cfg.store_path,
				rc == -EEXIST ? "store exists; not overwriting" :
						err.data ? err.data : strerror(-rc));
		else
			printf("cjafs: created %s\n", cfg.store_path);
		buf_release(&err);
		config_release(&cfg);
		return rc ? 2 : 0;
	}
	rc = model_open(&cfg, &m, &err);
	if (rc) {
		fprintf(stderr, "cjafs: %s: %s\n", cfg.store_path,
			err.len ? err.data : strerror(-rc));
		buf_release(&err);
		config_release(&cfg);
		return 2;
	}
	/* absolute: the daemon leaves its directory once mounted, and
	 * libfuse unmounts by the name it was given */
	mnt = realpath(argv[optind], NULL);
	if (!mnt) {
		fprintf(stderr, "cjafs: %s: %s\n", argv[optind],
			strerror(errno));
		rc = 1;
	} else {
		rc = fs_main(m, &cfg, mnt, fg, debug, opts, nopts);
	}
	free(mnt);
	model_close(m);
	config_release(&cfg);
	buf_release(&err);
	return rc;
}
