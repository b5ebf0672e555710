/*
 * rowfile.c - row files: immutable byte strings beside the TDB file.
 *
 * Why.  A TDB file stops at 4 GiB (its offsets are 32-bit) and every byte
 * a commit stores in it is written four times.  A dataset's rows are most
 * of a store's bytes and are written once, read often and never changed
 * in place (a delete writes new files), so they live in files of their
 * own, in the directory PATH.rows beside the store file PATH.  The TDB
 * file keeps what says which files make up which dataset (rows.c), and
 * a record per file, "f:ID", which is what makes the file part of the
 * store.  A store's rows are then bounded by its disk.
 *
 * Names.  A file is named by its id, 16 hex digits.  Ids come from a
 * counter in memory that starts past both the stored "f:next" and every
 * name in the directory, and "f:next" is stored with each new file, so
 * an id is never used twice, not even by a transaction that was
 * cancelled or cut short by a crash.
 *
 * Durability and crashes.  store_rowfile_put() writes the file and
 * fdatasyncs it inside the transaction; before the TDB commit the
 * directory is fsync'd once (rowfiles_precommit), so a commit that
 * returned names only files that are whole on disk.  What a crash can
 * leave: files written by a transaction that never committed, and files
 * whose drop committed but that were not removed yet.  Neither has an
 * "f:ID" record, so the open removes every file without one (and any
 * name that is not an id), which is the whole recovery: at every instant
 * the files that matter are exactly those the records name.
 *
 * Pins and removal.  A reader takes a pin (store_pin) when it takes its
 * snapshot of which files hold a dataset's rows, and reads them later
 * without any lock.  So a dropped file cannot go at once: each commit
 * that drops files moves them to a graveyard stamped with a new epoch;
 * a pin holds the epoch current when it was taken; a file goes when every
 * pin held is at least its epoch (no pin can still name it).  The
 * graveyard and the pins have their own mutex, a leaf: store_unpin() is
 * called from any thread, with or without the model's lock.
 *
 * Space.  A row file is refused (-ENOSPC) when writing it would leave
 * less free space than the reserve: half the TDB file's size plus 8 MiB,
 * what the admin state needs to grow and to hold a transaction's
 * recovery area.  So a full disk stops ingest, and admin changes and
 * deletes (which free space) still work.
 *
 * The live set.  The ids and sizes of the files committed records name
 * are also kept in memory, sorted by id, for backups: the first that
 * needs them (a backup's open or stat) walks the "f:" records once, and
 * from then on each commit adds what it wrote and takes out what it
 * dropped (room for the additions is reserved when a file is written, so
 * a commit cannot fail to note one).  The records, not the directory:
 * a file a record names that has gone missing is in the list, so a
 * backup fails on it (EIO, logged) rather than leave it out.  A walk is
 * a pread per hash chain (about 300 ms for a 2 MB store while another
 * process ingests), paid under the model's lock once per start, not at
 * the open (every mount would pay it) nor per backup (3 ms after it).
 *
 * Damage.  Reads check the size the record gave; the contents carry their
 * own checksum (rows.c makes zstd frames with one).  A missing or short
 * file is -EIO with a line in the daemon's log naming it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <zstd.h>

#include "rowfile.h"
#include "store.h"

#define RF_NEXT_KEY "f:next"
#define RF_KEY_FMT "f:%016" PRIx64
#define RF_NAME_FMT "%016" PRIx64
#define RF_RESERVE_BASE (8u << 20)

struct rf_id {
	uint64_t id;
	uint64_t size;
};

struct rf_list {
	struct rf_id *v;
	size_t n, cap;
};

struct rf_grave {
	uint64_t id;
	uint64_t size;
	uint64_t epoch;
};

struct rowfiles {
	struct store *st;
	char *dir;		/* PATH.rows */
	int dirfd;
	int nosync;
	uint64_t next;		/* the next id */
	/* the open transaction's new files and drops */
	struct rf_list made, dropped;
	/* the pins and the graveyard (lock: mu) */
	pthread_mutex_t mu;
	uint64_t epoch;		/* commits that dropped files */
	uint64_t *pins;		/* the epoch of each pin held */
	size_t npins, cappins;
	struct rf_grave *grave;
	size_t ngrave, capgrave;
	uint64_t bytes;		/* of every file in the directory */
	/* the files committed records name, by id (ascending; a dropped
	 * one has size RF_GONE until the next compaction), how many are
	 * dropped, and their sizes in 512-byte blocks (lock: mu) */
	struct rf_list live;
	size_t live_gone;
	uint64_t live_blocks;
	int live_valid;		/* loaded (rf_live_load) and kept since */
};

#define RF_GONE UINT64_MAX

static uint64_t rf_blocks(uint64_t size)
{
	return (size + 511) / 512;
}

static int rf_id_cmp(const void *a, const void *b)
{
	const struct rf_id *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Make room for n more entries in l. */
static int rf_list_reserve(struct rf_list *l, size_t n)
{
	size_t cap = l->cap ? l->cap : 16;
	struct rf_id *v;

	if (l->n + n <= l->cap)
		return 0;
	while (cap < l->n + n)
		cap *= 2;
	v = realloc(l->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	l->cap = cap;
	return 0;
}

/* Add a committed file to the live set (room reserved; mu held).  New
 * ids are above every id in it, so this appends. */
static void rf_live_add(struct rowfiles *rf, uint64_t id, uint64_t size)
{
	struct rf_list *l = &rf->live;
	size_t i = l->n;

	while (i && l->v[i - 1].id > id)
		i--;
	memmove(l->v + i + 1, l->v + i, (l->n - i) * sizeof(*l->v));
	l->v[i].id = id;
	l->v[i].size = size;
	l->n++;
	rf->live_blocks += rf_blocks(size);
}

/* Take a dropped file out of the live set (mu held). */
static void rf_live_del(struct rowfiles *rf, uint64_t id)
{
	struct rf_list *l = &rf->live;
	struct rf_id key = { id, 0 }, *e;
	size_t i, j;

	if (!l->n)
		return;
	e = bsearch(&key, l->v, l->n, sizeof(*l->v), rf_id_cmp);
	if (!e || e->size == RF_GONE)
		return;
	rf->live_blocks -= rf_blocks(e->size);
	e->size = RF_GONE;
	if (++rf->live_gone <= l->n / 2)
		return;
	for (i = j = 0; i < l->n; i++)
		if (l->v[i].size != RF_GONE)
			l->v[j++] = l->v[i];
	l->n = j;
	rf->live_gone = 0;
}


static int rf_list_add(struct rf_list *l, uint64_t id, uint64_t size)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct rf_id *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].id = id;
	l->v[l->n].size = size;
	l->n++;
	return 0;
}

static void rf_name(char *name, size_t size, uint64_t id)
{
	snprintf(name, size, RF_NAME_FMT, id);
}

static void rf_key(char *key, size_t size, uint64_t id)
{
	snprintf(key, size, RF_KEY_FMT, id);
}

/* The id a file name spells, or -1: exactly 16 lower-case hex digits. */
static int rf_parse(const char *name, uint64_t *id)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 16; i++) {
		char ch = name[i];

		if (ch >= '0' && ch <= '9')
			v = v * 16 + (uint64_t)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v = v * 16 + (uint64_t)(ch - 'a' + 10);
		else
			return -1;
	}
	if (name[16])
		return -1;
	*id = v;
	return 0;
}

static void rf_unlink(struct rowfiles *rf, uint64_t id)
{
	char name[24];

	rf_name(name, sizeof(name), id);
	if (unlinkat(rf->dirfd, name, 0) && errno != ENOENT)
		fprintf(stderr, "cjafs: cannot remove row file %s/%s: %s\n",
			rf->dir, name, strerror(errno));
}

/* Remove every name in the directory that no record makes a row file;
 * learn the highest id and the bytes kept. */
static int rf_sweep(struct rowfiles *rf, struct buf *err)
{
	int fd = openat(rf->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char key[32];
	uint64_t id, removed = 0;
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int rc = 0;

	if (fd < 0 || !(d = fdopendir(fd))) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		buf_printf(err, "cannot read %s: %s", rf->dir, strerror(-rc));
		return rc;
	}
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!rf_parse(de->d_name, &id)) {
			rf_key(key, sizeof(key), id);
			rc = store_exists(rf->st, key);
			if (rc < 0)
				break;
			if (id >= rf->next)
				rf->next = id + 1;
			if (rc == 1) {
				rc = 0;
				if (!fstatat(rf->dirfd, de->d_name, &sb,
					     AT_SYMLINK_NOFOLLOW))
					rf->bytes += (uint64_t)sb.st_size;
				continue;
			}
		}
		if (unlinkat(rf->dirfd, de->d_name, 0) && errno != ENOENT) {
			rc = -errno;
			buf_printf(err, "cannot remove %s/%s: %s", rf->dir,
				   de->d_name, strerror(errno));
			break;
		}
		removed++;
	}
	if (!rc && errno)
		rc = -errno;
	closedir(d);
	if (!rc && removed) {
		fprintf(stderr, "cjafs: removed %" PRIu64 " row file%s no "
			"dataset names from %s\n", removed,
			removed == 1 ? "" : "s", rf->dir);
		if (!rf->nosync && fsync(rf->dirfd))
			rc = -errno;
	}
	return rc;
}

int rowfiles_open(struct store *st, const char *path, int nosync,
		  struct rowfiles **out, struct buf *err)
{
	struct rowfiles *rf = calloc(1, sizeof(*rf));
	struct buf v = BUF_INIT;
	int rc;

	if (!rf)
		return -ENOMEM;
	rf->st = st;
	rf->nosync = nosync;
	rf->dirfd = -1;
	pthread_mutex_init(&rf->mu, NULL);
	rc = asprintf(&rf->dir, "%s.rows", path) < 0 ? -ENOMEM : 0;
	if (rc)
		goto fail;
	if (mkdir(rf->dir, 0700) && errno != EEXIST) {
		rc = -errno;
		buf_printf(err, "cannot make %s: %s", rf->dir, strerror(-rc));
		goto fail;
	}
	rf->dirfd = open(rf->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rf->dirfd < 0) {
		rc = -errno;
		buf_printf(err, "cannot open %s: %s", rf->dir, strerror(-rc));
		goto fail;
	}
	rc = store_get(st, RF_NEXT_KEY, &v);
	if (!rc)
		rf->next = strtoull(v.data, NULL, 16);
	else if (rc == -ENOENT)
		rc = 0;
	buf_release(&v);
	if (rc) {
		buf_printf(err, "cannot read %s: %s", RF_NEXT_KEY,
			   strerror(-rc));
		goto fail;
	}
	rc = rf_sweep(rf, err);
	if (rc)
		goto fail;
	*out = rf;
	return 0;
fail:
	rowfiles_close(rf);
	return rc;
}

void rowfiles_close(struct rowfiles *rf)
{
	if (!rf)
		return;
	/* what a transaction left open wrote goes; what the graveyard
	 * holds has no record and goes at the next open */
	rowfiles_end(rf, 0);
	if (rf->dirfd >= 0)
		close(rf->dirfd);
	pthread_mutex_destroy(&rf->mu);
	free(rf->made.v);
	free(rf->dropped.v);
	free(rf->live.v);
	free(rf->pins);
	free(rf->grave);
	free(rf->dir);
	free(rf);
}

int rowfiles_precommit(struct rowfiles *rf)
{
	if (!rf->made.n || rf->nosync)
		return 0;
	return fsync(rf->dirfd) ? -errno : 0;
}

/* Remove the graveyard's files no pin can name any more. */
static void rf_reap(struct rowfiles *rf)
{
	uint64_t low = UINT64_MAX;
	size_t i, j, nd = 0;
	struct rf_grave *dead = NULL;

	pthread_mutex_lock(&rf->mu);
	for (i = 0; i < rf->npins; i++)
		if (rf->pins[i] < low)
			low = rf->pins[i];
	for (i = 0; i < rf->ngrave; i++)
		if (rf->grave[i].epoch <= low)
			nd++;
	if (nd)
		dead = malloc(nd * sizeof(*dead));
	if (dead) {
		for (i = j = nd = 0; i < rf->ngrave; i++) {
			if (rf->grave[i].epoch <= low) {
				dead[nd++] = rf->grave[i];
				rf->bytes -= rf->grave[i].size;
			} else {
				rf->grave[j++] = rf->grave[i];
			}
		}
		rf->ngrave = j;
	}
	pthread_mutex_unlock(&rf->mu);
	/* outside the mutex: readers pinning and unpinning do not wait
	 * for the unlinks */
	for (i = 0; i < nd; i++)
		rf_unlink(rf, dead[i].id);
	free(dead);
}

void rowfiles_end(struct rowfiles *rf, int ok)
{
	size_t i;
	int reap = 0;

	if (!ok) {
		for (i = 0; i < rf->made.n; i++) {
			rf_unlink(rf, rf->made.v[i].id);
			pthread_mutex_lock(&rf->mu);
			rf->bytes -= rf->made.v[i].size;
			pthread_mutex_unlock(&rf->mu);
		}
	} else {
		/* room for made was reserved by store_rowfile_put() */
		pthread_mutex_lock(&rf->mu);
		for (i = 0; rf->live_valid && i < rf->made.n; i++)
			rf_live_add(rf, rf->made.v[i].id, rf->made.v[i].size);
		for (i = 0; rf->live_valid && i < rf->dropped.n; i++)
			rf_live_del(rf, rf->dropped.v[i].id);
		pthread_mutex_unlock(&rf->mu);
	}
	if (ok && rf->dropped.n) {
		pthread_mutex_lock(&rf->mu);
		if (rf->ngrave + rf->dropped.n > rf->capgrave) {
			size_t cap = (rf->ngrave + rf->dropped.n) * 2;
			struct rf_grave *g = realloc(rf->grave,
						     cap * sizeof(*g));

			if (g) {
				rf->grave = g;
				rf->capgrave = cap;
			}
		}
		rf->epoch++;
		for (i = 0; i < rf->dropped.n; i++) {
			/* out of memory: the file stays until the next
			 * open removes it (it has no record) */
			if (rf->ngrave == rf->capgrave)
				break;
			rf->grave[rf->ngrave].id = rf->dropped.v[i].id;
			rf->grave[rf->ngrave].size = rf->dropped.v[i].size;
			rf->grave[rf->ngrave].epoch = rf->epoch;
			rf->ngrave++;
		}
		pthread_mutex_unlock(&rf->mu);
		reap = 1;
	}
	rf->made.n = 0;
	rf->dropped.n = 0;
	if (reap)
		rf_reap(rf);
}

/* Would len more bytes leave the reserve free? */
static int rf_room(struct rowfiles *rf, size_t len)
{
	uint64_t tdb = 0, reserve;
	struct statvfs sv;

	if (fstatvfs(rf->dirfd, &sv))
		return 0;	/* cannot tell: let the write say */
	store_file_size(rf->st, &tdb);
	reserve = RF_RESERVE_BASE + tdb / 2;
	return (uint64_t)sv.f_bavail * sv.f_frsize >= reserve + len ?
		       0 : -ENOSPC;
}

static int rf_write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENOSPC;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int store_rowfile_put(struct store *st, const void *data, size_t len,
		      uint64_t *id)
{
	struct rowfiles *rf = store_rowfiles(st);
	char name[24], key[32], next[24];
	int fd, rc;

	if (!rf || !store_in_txn(st))
		return -EINVAL;
	rc = rf_room(rf, len);
	if (rc)
		return rc;
	for (;;) {
		rf_name(name, sizeof(name), rf->next);
		fd = openat(rf->dirfd, name,
			    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
		rf->next++;	/* a name made behind our back: skip it */
	}
	if (fd < 0)
		return -errno;
	*id = rf->next++;
	rc = rf_write_all(fd, data, len);
	if (!rc && !rf->nosync && fdatasync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc) {
		rf_key(key, sizeof(key), *id);
		snprintf(next, sizeof(next), "%" PRIx64, rf->next);
		snprintf(name, sizeof(name), "%zu", len);
		rc = store_put(st, key, name, strlen(name));
		if (!rc)
			rc = store_put(st, RF_NEXT_KEY, next, strlen(next));
	}
	if (!rc)
		rc = rf_list_add(&rf->made, *id, len);
	if (!rc) {
		/* so that the commit cannot fail to list it */
		pthread_mutex_lock(&rf->mu);
		if (rf->live_valid)
			rc = rf_list_reserve(&rf->live, rf->made.n);
		pthread_mutex_unlock(&rf->mu);
		if (rc)
			rf->made.n--;
	}
	if (rc) {
		rf_unlink(rf, *id);
		return rc == -EDQUOT || rc == -EFBIG ? -ENOSPC : rc;
	}
	pthread_mutex_lock(&rf->mu);
	rf->bytes += len;
	pthread_mutex_unlock(&rf->mu);
	return 0;
}

int store_rowfile_drop(struct store *st, uint64_t id)
{
	struct rowfiles *rf = store_rowfiles(st);
	struct buf v = BUF_INIT;
	uint64_t size = 0;
	char key[32];
	int rc;

	if (!rf || !store_in_txn(st))
		return -EINVAL;
	rf_key(key, sizeof(key), id);
	rc = store_get(st, key, &v);
	if (rc == -ENOENT) {
		buf_release(&v);
		return 0;
	}
	if (!rc)
		size = strtoull(v.data, NULL, 10);
	buf_release(&v);
	if (!rc)
		rc = store_del(st, key);
	if (!rc)
		rc = rf_list_add(&rf->dropped, id, size);
	return rc;
}

int store_rowfile_read(struct store *st, uint64_t id, size_t size,
		       struct buf *out)
{
	struct rowfiles *rf = store_rowfiles(st);
	char name[24];
	struct stat sb;
	const char *why = NULL;
	size_t got = 0;
	int fd, rc = 0;

	if (!rf)
		return -EINVAL;
	rf_name(name, sizeof(name), id);
	fd = openat(rf->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		why = strerror(errno);
		rc = -EIO;
		goto out;
	}
	if (fstat(fd, &sb) || (uint64_t)sb.st_size != size) {
		why = "wrong size";
		rc = -EIO;
		goto out;
	}
	buf_reset(out);
	rc = buf_grow(out, size);
	if (rc)
		goto out;
	while (got < size) {
		ssize_t n = pread(fd, out->data + got, size - got, got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			why = n < 0 ? strerror(errno) : "short";
			rc = -EIO;
			goto out;
		}
		got += (size_t)n;
	}
	out->len = size;
	out->data[size] = '\0';
out:
	if (fd >= 0)
		close(fd);
	if (why)
		store_rowfile_damaged(st, id, why);
	return rc;
}

int store_pin(struct store *st, uint64_t *pin)
{
	struct rowfiles *rf = store_rowfiles(st);
	int rc = 0;

	if (!rf)
		return -EINVAL;
	pthread_mutex_lock(&rf->mu);
	if (rf->npins == rf->cappins) {
		size_t cap = rf->cappins ? rf->cappins * 2 : 16;
		uint64_t *p = realloc(rf->pins, cap * sizeof(*p));

		if (!p) {
			rc = -ENOMEM;
			goto out;
		}
		rf->pins = p;
		rf->cappins = cap;
	}
	*pin = rf->epoch;
	rf->pins[rf->npins++] = *pin;
out:
	pthread_mutex_unlock(&rf->mu);
	return rc;
}

void store_unpin(struct store *st, uint64_t pin)
{
	struct rowfiles *rf = store_rowfiles(st);
	size_t i;

	if (!rf)
		return;
	pthread_mutex_lock(&rf->mu);
	for (i = 0; i < rf->npins; i++) {
		if (rf->pins[i] == pin) {
			rf->pins[i] = rf->pins[--rf->npins];
			break;
		}
	}
	pthread_mutex_unlock(&rf->mu);
	rf_reap(rf);
}

void store_rowfile_damaged(struct store *st, uint64_t id, const char *why)
{
	struct rowfiles *rf = store_rowfiles(st);
	char name[24];

	rf_name(name, sizeof(name), id);
	fprintf(stderr, "cjafs: row file %s/%s is damaged (%s): its rows "
		"read as an I/O error\n", rf ? rf->dir : "?", name, why);
}

uint64_t store_rowfile_bytes(struct store *st)
{
	struct rowfiles *rf = store_rowfiles(st);
	uint64_t n;

	if (!rf)
		return 0;
	pthread_mutex_lock(&rf->mu);
	n = rf->bytes;
	pthread_mutex_unlock(&rf->mu);
	return n;
}

static int rf_live_one(const char *key, const void *val, size_t len,
		       void *arg)
{
	struct rf_list *l = arg;
	char num[24];
	uint64_t id;

	if (rf_parse(key + 2, &id))
		return 0;	/* "f:next" */
	if (len >= sizeof(num))
		return -EIO;
	memcpy(num, val, len);
	num[len] = '\0';
	return rf_list_add(l, id, strtoull(num, NULL, 10));
}

/* Fill the live set from the records, once (the caller holds what keeps
 * commits out: the model's lock); commits keep it from then on. */
static int rf_live_load(struct rowfiles *rf)
{
	struct rf_list l = { 0 };
	uint64_t blocks = 0;
	size_t i;
	int valid, rc;

	pthread_mutex_lock(&rf->mu);
	valid = rf->live_valid;
	pthread_mutex_unlock(&rf->mu);
	if (valid)
		return 0;
	if (store_in_txn(rf->st))
		return -EBUSY;
	rc = store_each(rf->st, "f:", rf_live_one, &l);
	if (rc) {
		free(l.v);
		return rc;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), rf_id_cmp);
	for (i = 0; i < l.n; i++)
		blocks += rf_blocks(l.v[i].size);
	pthread_mutex_lock(&rf->mu);
	free(rf->live.v);
	rf->live = l;
	rf->live_gone = 0;
	rf->live_blocks = blocks;
	rf->live_valid = 1;
	pthread_mutex_unlock(&rf->mu);
	return 0;
}

int store_rowfile_count(struct store *st, uint64_t *n, uint64_t *blocks)
{
	struct rowfiles *rf = store_rowfiles(st);
	int rc;

	*n = *blocks = 0;
	if (!rf)
		return -EINVAL;
	rc = rf_live_load(rf);
	if (rc)
		return rc;
	pthread_mutex_lock(&rf->mu);
	*n = rf->live.n - rf->live_gone;
	*blocks = rf->live_blocks;
	pthread_mutex_unlock(&rf->mu);
	return 0;
}

int store_rowfile_each(struct store *st,
		       int (*fn)(uint64_t id, uint64_t size, void *arg),
		       void *arg)
{
	struct rowfiles *rf = store_rowfiles(st);
	struct rf_id *v = NULL;
	size_t i, n;
	int rc = 0;

	if (!rf)
		return -EINVAL;
	rc = rf_live_load(rf);
	if (rc)
		return rc;
	/* a copy: fn runs without the mutex (it may pin, or take long) */
	pthread_mutex_lock(&rf->mu);
	n = rf->live.n;
	if (n && !(v = malloc(n * sizeof(*v))))
		rc = -ENOMEM;
	else if (n)
		memcpy(v, rf->live.v, n * sizeof(*v));
	pthread_mutex_unlock(&rf->mu);
	for (i = 0; i < n && !rc; i++)
		if (v[i].size != RF_GONE)
			rc = fn(v[i].id, v[i].size, arg);
	free(v);
	return rc;
}

int rowfiles_check(struct rowfiles *rf, uint64_t id, uint64_t size,
		   const char **why)
{
	enum { IN = 1 << 16, OUT = 1 << 17 };
	char *in = NULL, *out;
	ZSTD_DStream *zd = NULL;
	uint64_t off = 0;
	size_t left = 1;
	char name[24];
	struct stat sb;
	int fd, rc = -EIO;

	rf_name(name, sizeof(name), id);
	*why = NULL;
	fd = openat(rf->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = errno == ENOENT ? "missing" : strerror(errno);
		return -EIO;
	}
	if (fstat(fd, &sb) || (uint64_t)sb.st_size != size) {
		*why = "not the size its record gives";
		goto out;
	}
	zd = ZSTD_createDStream();
	in = malloc(IN + OUT);
	if (!zd || !in) {
		rc = -ENOMEM;
		goto out;
	}
	out = in + IN;
	ZSTD_initDStream(zd);
	while (off < size) {
		ssize_t n = pread(fd, in, IN, (off_t)off);
		ZSTD_inBuffer ib;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*why = n < 0 ? strerror(errno) : "short";
			goto out;
		}
		off += (uint64_t)n;
		ib.src = in;
		ib.size = (size_t)n;
		ib.pos = 0;
		while (ib.pos < ib.size) {
			ZSTD_outBuffer ob = { out, OUT, 0 };

			if (!left) {
				*why = "bytes after its frame";
				goto out;
			}
			left = ZSTD_decompressStream(zd, &ob, &ib);
			if (ZSTD_isError(left)) {
				*why = ZSTD_getErrorName(left);
				goto out;
			}
		}
	}
	/* the frame ends with its checksum, which the last call checked */
	while (left) {
		ZSTD_inBuffer ib = { in, 0, 0 };
		ZSTD_outBuffer ob = { out, OUT, 0 };

		left = ZSTD_decompressStream(zd, &ob, &ib);
		if (ZSTD_isError(left)) {
			*why = ZSTD_getErrorName(left);
			goto out;
		}
		if (!ob.pos && left) {
			*why = "truncated frame";
			goto out;
		}
	}
	rc = 0;
out:
	free(in);
	ZSTD_freeDStream(zd);
	close(fd);
	return rc;
}
