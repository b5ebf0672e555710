/*
 * main.c - the cjafs command: parse the command line, load the config,
 * create a store (--init) or open it and mount.
 *
 *   cjafs -c CONFIG MOUNTPOINT [-f] [-d] [-o OPT]...
 *   cjafs --init -c CONFIG
 *
 * Exit status: 0 on a clean unmount, 1 when FUSE fails, 2 for a bad
 * command line, config or store (with "cjafs: FILE:LINE: message").
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fs.h"
#include "inidoc.h"
#include "model.h"

#define MAX_OPTS 32

static void usage(FILE *f)
{
	fprintf(f, "usage: cjafs -c CONFIG MOUNTPOINT [-f] [-d] [-o OPT]...\n"
		   "       cjafs --init -c CONFIG\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "init", no_argument, NULL, 'i' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cfgpath = NULL, *opts[MAX_OPTS];
	int init = 0, fg = 0, debug = 0, nopts = 0, c, rc;
	struct config cfg;
	struct model *m;
	struct buf err = BUF_INIT;

	while ((c = getopt_long(argc, argv, "c:fdo:h", longopts, NULL)) != -1) {
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
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!cfgpath || (init ? optind != argc : optind != argc - 1)) {
		usage(stderr);
		return 2;
	}
	inidoc_setup();
	if (config_load(cfgpath, &cfg, &err)) {
		fprintf(stderr, "cjafs: %s\n", err.data);
		buf_release(&err);
		return 2;
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
	rc = fs_main(m, &cfg, argv[optind], fg, debug, opts, nopts);
	model_close(m);
	config_release(&cfg);
	buf_release(&err);
	return rc;
}
