/*
 * fs.c - the FUSE low-level layer: requests in, model calls, one reply out.
 *
 * This file decides nothing.  It turns each request into the caller's
 * identity (uid, gid, pid and supplementary groups, from the kernel) and
 * an obj_ref (from the node table), calls the model, and replies exactly
 * once; helpers return -errno and the handler replies.
 *
 * The node table gives every place the kernel has looked up an inode
 * number.  A node is keyed by its path, whether that path names a scratch
 * file, and its owner, so the same place always has the same number while
 * the kernel holds it; and by number for the requests that name an inode.
 * Nodes live until the kernel forgets them.
 *
 * A directory's node is everyone's (FS_SHARED): the kernel caches nothing
 * of a directory that one caller could see through another's eyes (no
 * readdir cache, timeouts 0).  A file's node belongs to the one uid that
 * looked it up: a private mmap(2) of a file goes through the page cache
 * even with direct I/O, and the page cache is per inode, so two callers
 * must never share the inode of a file whose bytes differ between them
 * (/whoami, a report, a scratch file).  For the same reason a scratch
 * file never shares a node with the object or attribute of the same
 * name: one caller's scratch file cannot change what another caller
 * finds at that path.  The kernel learns the caller's own number at each
 * lookup (entry timeout 0), and opening a file node that belongs to
 * another uid (through /proc/PID/fd) is refused.
 *
 * Caches: different callers see different things at one path (modes,
 * sizes, contents, whether a name exists at all), so every entry and
 * attribute reply has timeout 0, negative lookups are never cached, every
 * open file uses direct I/O (no page cache), and READDIRPLUS is off (its
 * entries would be computed for one caller and their attributes are
 * stale at once anyway).  The kernel asks us every time; we answer for
 * whoever asks.  Not even a fixed directory's entry (components/, whose
 * existence is the same for everyone who reaches it) may be kept: the
 * walk would then skip the lookup that refreshes the shared inode's
 * attributes for this caller, and a stat(2) with AT_STATX_DONT_SYNC
 * would show it the owner and mode bits the previous caller was given.
 */
#define FUSE_USE_VERSION 314

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fs.h"
#include "model.h"

#define FS_WHY_XATTR "user.cjafs.why"
/* buckets of the node tables at start; they double as nodes come */
#define FS_HASH_MIN 4096
/* d_ino for entries the kernel has not looked up yet */
#define FS_UNKNOWN_INO 0xffffffffu
/* owner of a node every caller shares (directories, the root) */
#define FS_SHARED ((uid_t)-1)

/* A descriptor open on a node, so that requests that name only the inode
 * (fstat, fchmod: the kernel sends no handle) can answer for it. */
struct fs_open {
	struct model_file *f;
	pid_t pid;
	uid_t uid;
	struct fs_open *next;
};

/* A node is what the kernel holds an inode for: its number, its path and
 * whether that path names a scratch file; the obj_ref is parsed again from
 * the path when a request needs it (a full obj_ref is 700 bytes, and the
 * kernel may hold an inode for every file of a large tree). */
struct node {
	fuse_ino_t ino;
	uint64_t nlookup;
	char *path;		/* always set; the ref's path */
	int hashed;		/* in path_hash: no other node took its key */
	int scratch;		/* path names a scratch file */
	uid_t owner;		/* the uid a file node is for, or FS_SHARED */
	struct fs_open *opens;
	struct node *by_ino;
	struct node *by_path;
};

struct fs {
	struct model *m;
	const struct config *cfg;
	pthread_mutex_t lock;
	struct node **ino_hash;		/* nbuckets each */
	struct node **path_hash;
	size_t nbuckets;		/* a power of two */
	size_t nnodes;			/* in ino_hash (not the root) */
	struct node root;
};

struct fs_dir {
	struct model_dirent *ents;
	size_t n;
	char *path;
	uid_t uid;		/* who opened it: its files' numbers are its */
};

static struct fs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* The inode number a node key has: a 64-bit FNV hash of the path, the
 * scratch flag and the owner, so readdir can give the number stat will
 * give without making a node for every entry. */
static fuse_ino_t ino_of_key(const char *path, int scratch, uid_t owner)
{
	uint64_t h = 14695981039346656037ull;
	int i;

	if (!strcmp(path, "/"))
		return FUSE_ROOT_ID;
	while (*path) {
		h ^= (unsigned char)*path++;
		h *= 1099511628211ull;
	}
	if (owner != FS_SHARED) {
		h ^= scratch ? 's' : 'f';
		h *= 1099511628211ull;
		for (i = 0; i < 4; i++) {
			h ^= (owner >> (8 * i)) & 0xff;
			h *= 1099511628211ull;
		}
	}
	h &= 0x7fffffffffffffffull;
	return h <= FUSE_ROOT_ID || h == FS_UNKNOWN_INO ? h + 2 : h;
}

/* Who the node for ref belongs to when uid asks (see the note above). */
static uid_t node_owner(const struct obj_ref *ref, uid_t uid)
{
	return obj_ref_is_dir(ref) ? FS_SHARED : uid;
}

static size_t key_slot(const struct fs *fs, const char *path, int scratch,
		       uid_t owner)
{
	return (size_t)ino_of_key(path, scratch, owner) & (fs->nbuckets - 1);
}

static size_t node_key_slot(const struct fs *fs, const struct node *n)
{
	return key_slot(fs, n->path, n->scratch, n->owner);
}

/* inode numbers are FNV hashes (ino_of_key): their low bits will do */
static size_t ino_slot(const struct fs *fs, fuse_ino_t ino)
{
	return (size_t)ino & (fs->nbuckets - 1);
}

static struct node *node_by_ino(struct fs *fs, fuse_ino_t ino)
{
	struct node *n;

	if (ino == FUSE_ROOT_ID)
		return &fs->root;
	for (n = fs->ino_hash[ino_slot(fs, ino)]; n; n = n->by_ino)
		if (n->ino == ino)
			return n;
	return NULL;
}

static struct node *node_by_key(struct fs *fs, const char *path,
				int scratch, uid_t owner)
{
	struct node *n;

	for (n = fs->path_hash[key_slot(fs, path, scratch, owner)]; n;
	     n = n->by_path)
		if (n->owner == owner && n->scratch == scratch &&
		    !strcmp(n->path, path))
			return n;
	return NULL;
}

/* Give n the path (owned) of ref, and hash it under its key. */
static void node_set_path(struct fs *fs, struct node *n, char *path,
			  const struct obj_ref *ref)
{
	size_t h;

	free(n->path);
	n->path = path;
	n->scratch = obj_ref_is_scratch(ref);
	n->hashed = 1;
	h = node_key_slot(fs, n);
	n->by_path = fs->path_hash[h];
	fs->path_hash[h] = n;
}

static void node_unhash_path(struct fs *fs, struct node *n)
{
	struct node **pp;

	if (!n->hashed)
		return;
	for (pp = &fs->path_hash[node_key_slot(fs, n)]; *pp != n;
	     pp = &(*pp)->by_path)
		;
	*pp = n->by_path;
	n->hashed = 0;
}

/* The node of ino, copied out (the table may change after unlock), and
 * its owner when owner is not NULL. */
static int fs_ref_owner(struct fs *fs, fuse_ino_t ino, struct obj_ref *ref,
			uid_t *owner)
{
	struct node *n;
	int rc = -ESTALE;

	pthread_mutex_lock(&fs->lock);
	n = node_by_ino(fs, ino);
	if (n == &fs->root) {
		obj_ref_root(ref);
		rc = 0;
	} else if (n) {
		/* it parsed when the node was made; the kind table does
		 * not change while we run */
		rc = obj_ref_parse(n->path, n->scratch, ref) ? -ESTALE : 0;
	}
	if (n && owner)
		*owner = n->owner;
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

static int fs_ref(struct fs *fs, fuse_ino_t ino, struct obj_ref *ref)
{
	return fs_ref_owner(fs, ino, ref, NULL);
}

/* Spread the nodes over nbuckets buckets, so that a lookup walks about
 * one node however many inodes the kernel holds (160,000 for the bench's
 * largest tree).  Without memory the tables stay as they are: slower,
 * still right.  Called with the lock held. */
static void fs_rehash(struct fs *fs, size_t nbuckets)
{
	struct node **ino = calloc(nbuckets, sizeof(*ino));
	struct node **path = calloc(nbuckets, sizeof(*path));
	struct node *n, *next;
	size_t i, old = fs->nbuckets;

	if (!ino || !path) {
		free(ino);
		free(path);
		return;
	}
	fs->nbuckets = nbuckets;
	for (i = 0; i < old; i++) {
		for (n = fs->ino_hash[i]; n; n = next) {
			next = n->by_ino;
			n->by_ino = ino[ino_slot(fs, n->ino)];
			ino[ino_slot(fs, n->ino)] = n;
		}
		for (n = fs->path_hash[i]; n; n = next) {
			next = n->by_path;
			n->by_path = path[node_key_slot(fs, n)];
			path[node_key_slot(fs, n)] = n;
		}
	}
	free(fs->ino_hash);
	free(fs->path_hash);
	fs->ino_hash = ino;
	fs->path_hash = path;
}

/* Find or add the node for ref as uid sees it and count one lookup;
 * returns its ino. */
static int fs_node_get(struct fs *fs, const struct obj_ref *ref, uid_t uid,
		       fuse_ino_t *ino)
{
	struct buf path = BUF_INIT;
	struct node *n;
	fuse_ino_t want;
	uid_t owner = node_owner(ref, uid);
	int scratch = obj_ref_is_scratch(ref);
	int rc = obj_ref_path(ref, &path);

	if (rc)
		return rc;
	if (!strcmp(path.data, "/")) {
		*ino = FUSE_ROOT_ID;
		buf_release(&path);
		return 0;
	}
	pthread_mutex_lock(&fs->lock);
	n = node_by_key(fs, path.data, scratch, owner);
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n) {
			rc = -ENOMEM;
			goto out;
		}
		/* a hash collision (or a node that lost its path) takes
		 * the next free number */
		for (want = ino_of_key(path.data, scratch, owner);
		     node_by_ino(fs, want);
		     want = want + 1 > FUSE_ROOT_ID ? want + 1 : 2)
			;
		n->owner = owner;
		node_set_path(fs, n, buf_detach(&path, NULL), ref);
		n->ino = want;
		n->by_ino = fs->ino_hash[ino_slot(fs, want)];
		fs->ino_hash[ino_slot(fs, want)] = n;
		if (++fs->nnodes > fs->nbuckets)
			fs_rehash(fs, fs->nbuckets * 2);
	}
	n->nlookup++;
	*ino = n->ino;
out:
	pthread_mutex_unlock(&fs->lock);
	buf_release(&path);
	return rc;
}

static void fs_node_forget(struct fs *fs, fuse_ino_t ino, uint64_t nlookup)
{
	struct node **pp, *n;

	if (ino == FUSE_ROOT_ID)
		return;
	pthread_mutex_lock(&fs->lock);
	n = node_by_ino(fs, ino);
	if (!n)
		goto out;
	n->nlookup -= nlookup < n->nlookup ? nlookup : n->nlookup;
	if (n->nlookup || n->opens)
		goto out;
	for (pp = &fs->ino_hash[ino_slot(fs, ino)]; *pp != n;
	     pp = &(*pp)->by_ino)
		;
	*pp = n->by_ino;
	fs->nnodes--;
	node_unhash_path(fs, n);
	free(n->path);
	free(n);
out:
	pthread_mutex_unlock(&fs->lock);
}

/* After rename(2) by uid, the kernel's inode for the old name (src, as
 * uid saw it) is the new name's (dst): move the node with it (its open
 * descriptors follow), and let the node uid had for the new name keep
 * only its number. */
static void fs_node_move(struct fs *fs, const struct obj_ref *src,
			 const struct obj_ref *dst, uid_t uid)
{
	struct buf from = BUF_INIT, to = BUF_INIT;
	struct node *n, *old;
	char *copy = NULL;

	if (obj_ref_path(src, &from) || obj_ref_path(dst, &to))
		goto out_free;
	copy = buf_detach(&to, NULL);
	if (!copy)
		goto out_free;
	pthread_mutex_lock(&fs->lock);
	n = node_by_key(fs, from.data, obj_ref_is_scratch(src),
			node_owner(src, uid));
	old = node_by_key(fs, copy, obj_ref_is_scratch(dst),
			  node_owner(dst, uid));
	if (!n || n == old)
		goto out;
	if (old)
		node_unhash_path(fs, old);
	node_unhash_path(fs, n);
	node_set_path(fs, n, copy, dst);
	copy = NULL;
out:
	pthread_mutex_unlock(&fs->lock);
out_free:
	free(copy);
	buf_release(&from);
	buf_release(&to);
}

static void fs_open_add(struct fs *fs, fuse_ino_t ino, struct model_file *f,
			pid_t pid, uid_t uid)
{
	struct fs_open *o = calloc(1, sizeof(*o));
	struct node *n;

	if (!o)
		return;		/* fstat then falls back to the path */
	o->f = f;
	o->pid = pid;
	o->uid = uid;
	pthread_mutex_lock(&fs->lock);
	n = node_by_ino(fs, ino);
	if (n) {
		o->next = n->opens;
		n->opens = o;
		o = NULL;
	}
	pthread_mutex_unlock(&fs->lock);
	free(o);
}

static void fs_open_del(struct fs *fs, fuse_ino_t ino, struct model_file *f)
{
	struct fs_open **pp, *o = NULL;
	struct node *n;

	pthread_mutex_lock(&fs->lock);
	n = node_by_ino(fs, ino);
	for (pp = n ? &n->opens : NULL; pp && *pp; pp = &(*pp)->next) {
		if ((*pp)->f == f) {
			o = *pp;
			*pp = o->next;
			break;
		}
	}
	pthread_mutex_unlock(&fs->lock);
	free(o);
}

/* A descriptor the calling process has open on ino; else one the same
 * user has (a shell opens and dup2s, then vforks the command that uses
 * the descriptor); else NULL. */
static struct model_file *fs_open_of(struct fs *fs, fuse_ino_t ino,
				     pid_t pid, uid_t uid)
{
	struct model_file *f = NULL, *mine = NULL;
	struct fs_open *o;
	struct node *n;

	pthread_mutex_lock(&fs->lock);
	n = node_by_ino(fs, ino);
	for (o = n ? n->opens : NULL; o && !f; o = o->next) {
		if (o->pid == pid)
			f = o->f;
		else if (o->uid == uid && !mine)
			mine = o->f;
	}
	pthread_mutex_unlock(&fs->lock);
	return f ? f : mine;
}

/* The caller's supplementary groups from /proc/PID/task/PID/status, as
 * fuse_req_getgroups() reads them but with the buffer NUL-terminated:
 * libfuse 3.14 (fixed upstream by libfuse PR #966) runs strstr() over the
 * unterminated buffer, which ASan's strict_string_checks reports.
 * Returns the number of groups (possibly more than size) or -errno. */
static int fs_getgroups(pid_t pid, int size, gid_t list[])
{
	char path[64], *buf = NULL, *s, *end;
	size_t cap = 4096;
	ssize_t len;
	int fd, n = -EIO;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid,
		 (int)pid);
	for (;;) {
		free(buf);
		buf = malloc(cap + 1);
		if (!buf)
			return -ENOMEM;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			goto out;
		len = read(fd, buf, cap);
		close(fd);
		if (len < 0)
			goto out;
		if ((size_t)len < cap)
			break;
		cap *= 4;
	}
	buf[len] = '\0';
	s = strstr(buf, "\nGroups:");
	if (!s)
		goto out;
	s += 8;
	end = strchr(s, '\n');
	if (end)
		*end = '\0';	/* this line's numbers only */
	for (n = 0;; n++) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s)
			break;
		s = end;
		if (n < size)
			list[n] = (gid_t)v;
	}
out:
	free(buf);
	return n;
}

/* Who is asking: the kernel's uid, gid and pid, and the supplementary
 * groups when the config maps any group (reading them costs a /proc
 * read per request). */
static void fs_caller(fuse_req_t req, struct caller_id *id)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct fs *fs = fs_of(req);
	int n;

	id->uid = ctx->uid;
	id->gid = ctx->gid;
	id->pid = ctx->pid;
	id->ngids = 0;
	if (!fs->cfg->ngroups)
		return;
	n = fs_getgroups(ctx->pid, CALLER_MAX_GROUPS, id->gids);
	if (n > CALLER_MAX_GROUPS)
		n = CALLER_MAX_GROUPS;
	id->ngids = n > 0 ? n : 0;
}

static void fs_fill_stat(fuse_req_t req, fuse_ino_t ino,
			 const struct mstat *ms, struct stat *st)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = (ms->is_dir ? S_IFDIR : S_IFREG) | (ms->perm << 6);
	st->st_nlink = ms->is_dir ? 2 : ms->nlink;
	/* owner bits are this caller's rights, so show it as the owner */
	st->st_uid = ctx->uid;
	st->st_gid = ctx->gid;
	st->st_size = (off_t)ms->size;
	/* cp and cat size their buffers by st_blksize: for streams (records
	 * commits each write) move max_write bytes a call, not 128 KiB */
	st->st_blksize = ms->stream ? 1024 * 1024 : 4096;
	st->st_blocks = (blkcnt_t)((ms->size + 511) / 512);
	st->st_mtim.tv_sec = ms->mtime;
	st->st_ctim.tv_sec = ms->mtime;
	st->st_atim.tv_sec = ms->mtime;
}

static int fs_reply_entry(fuse_req_t req, const struct obj_ref *ref,
			  const struct mstat *ms)
{
	struct fuse_entry_param e;
	fuse_ino_t ino;
	int rc = fs_node_get(fs_of(req), ref, fuse_req_ctx(req)->uid, &ino);

	if (rc)
		return rc;
	memset(&e, 0, sizeof(e));
	e.ino = ino;
	e.generation = 1;
	e.attr_timeout = 0.0;
	e.entry_timeout = 0.0;
	fs_fill_stat(req, ino, ms, &e.attr);
	if (fuse_reply_entry(req, &e) == -ENOENT)
		fs_node_forget(fs_of(req), ino, 1);	/* interrupted */
	return 0;
}

static void fs_init(void *userdata, struct fuse_conn_info *conn)
{
	conn->want &= ~FUSE_CAP_READDIRPLUS;
	conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	conn->max_write = 1024 * 1024;
}

static void fs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs *fs = fs_of(req);
	struct caller_id id;
	struct obj_ref dir, ref;
	struct mstat ms;
	int rc;

	fs_caller(req, &id);
	rc = fs_ref(fs, parent, &dir);
	if (!rc)
		rc = model_lookup(fs->m, &id, &dir, name, &ref, &ms);
	if (!rc)
		rc = fs_reply_entry(req, &ref, &ms);
	if (rc)
		fuse_reply_err(req, -rc);
}

static void fs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	fs_node_forget(fs_of(req), ino, nlookup);
	fuse_reply_none(req);
}

static void fs_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	size_t i;

	for (i = 0; i < count; i++)
		fs_node_forget(fs_of(req), forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void fs_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct caller_id id;
	struct obj_ref ref;
	struct mstat ms;
	struct stat st;
	int rc;

	struct model_file *f;

	fs_caller(req, &id);
	rc = fs_ref(fs, ino, &ref);
	/* fstat, fchmod, futimens come without a handle: answer for the
	 * caller's own descriptor when it has one (pending size, a file
	 * unlinked or renamed since) */
	f = fi && fi->fh ? (struct model_file *)fi->fh :
			   fs_open_of(fs, ino, id.pid, id.uid);
	if (!rc && f)
		rc = model_file_getattr(fs->m, &id, f, &ms);
	else if (!rc)
		rc = model_getattr(fs->m, &id, &ref, &ms);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	fs_fill_stat(req, ino, &ms, &st);
	fuse_reply_attr(req, &st, 0.0);
}

/* chmod, chown and utimensat succeed without effect (modes are computed
 * per caller); a size change truncates the open file or, without one,
 * commits the truncated content. */
static void fs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct caller_id id;
	struct obj_ref ref;
	int rc;

	fs_caller(req, &id);
	rc = fs_ref(fs, ino, &ref);
	if (!rc && (to_set & FUSE_SET_ATTR_SIZE)) {
		if (fi && fi->fh)
			rc = model_file_truncate(
				fs->m, (struct model_file *)fi->fh,
				(uint64_t)attr->st_size);
		else
			rc = model_truncate(fs->m, &id, &ref,
					    (uint64_t)attr->st_size);
	}
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	fs_getattr(req, ino, fi);
}

static void fs_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct fs *fs = fs_of(req);
	struct caller_id id;
	struct obj_ref ref;
	int rc;

	fs_caller(req, &id);
	rc = fs_ref(fs, ino, &ref);
	if (!rc)
		rc = model_access(fs->m, &id, &ref, mask);
	fuse_reply_err(req, -rc);
}

static void fs_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct fs_dir *d = calloc(1, sizeof(*d));
	struct caller_id id;
	struct obj_ref ref;
	int rc = d ? 0 : -ENOMEM;

	fs_caller(req, &id);
	if (!rc)
		rc = fs_ref(fs, ino, &ref);
	if (!rc)
		rc = model_readdir(fs->m, &id, &ref, &d->ents, &d->n);
	if (!rc) {
		struct buf path = BUF_INIT;

		rc = obj_ref_path(&ref, &path);
		d->path = buf_detach(&path, NULL);
		if (!rc && !d->path)
			rc = -ENOMEM;
		if (rc)
			model_dirents_free(d->ents, d->n);
	}
	if (rc) {
		free(d);
		fuse_reply_err(req, -rc);
		return;
	}
	d->uid = id.uid;
	fi->fh = (uintptr_t)d;
	fi->cache_readdir = 0;
	fi->keep_cache = 0;
	if (fuse_reply_open(req, fi) == -ENOENT) {
		model_dirents_free(d->ents, d->n);
		free(d->path);
		free(d);
	}
}

static void fs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
		       off_t off, struct fuse_file_info *fi)
{
	struct fs_dir *d = (struct fs_dir *)fi->fh;
	struct fs *fs = fs_of(req);
	struct buf child = BUF_INIT;
	char *buf = malloc(size);
	size_t used = 0;
	off_t i;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (i = off; i < (off_t)d->n + 2; i++) {
		struct stat st;
		const char *name;
		size_t len;

		memset(&st, 0, sizeof(st));
		if (i < 2) {
			name = i == 0 ? "." : "..";
			st.st_mode = S_IFDIR;
			st.st_ino = i == 0 ? ino : FS_UNKNOWN_INO;
		} else {
			const struct model_dirent *e = &d->ents[i - 2];
			uid_t owner = e->is_dir ? FS_SHARED : d->uid;
			struct node *n;

			name = e->name;
			st.st_mode = e->is_dir ? S_IFDIR : S_IFREG;
			buf_reset(&child);
			buf_printf(&child, "%s/%s",
				   strcmp(d->path, "/") ? d->path : "", name);
			/* the number stat gives the lister: its node's, or
			 * the hash a node for this key will get */
			pthread_mutex_lock(&fs->lock);
			n = child.data ? node_by_key(fs, child.data,
						     e->is_scratch, owner) :
					 NULL;
			st.st_ino = n ? n->ino :
				  child.data ? ino_of_key(child.data,
							  e->is_scratch,
							  owner) :
					       FS_UNKNOWN_INO;
			pthread_mutex_unlock(&fs->lock);
		}
		len = fuse_add_direntry(req, buf + used, size - used, name,
					&st, i + 1);
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
	buf_release(&child);
	free(buf);
}

static void fs_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct fs_dir *d = (struct fs_dir *)fi->fh;

	model_dirents_free(d->ents, d->n);
	free(d->path);
	free(d);
	fuse_reply_err(req, 0);
}

static void fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct model_file *f = NULL;
	struct caller_id id;
	struct obj_ref ref;
	uid_t owner = FS_SHARED;
	int rc;

	fs_caller(req, &id);
	rc = fs_ref_owner(fs, ino, &ref, &owner);
	/* a file's inode is its looker's: another uid reaches it only
	 * through /proc/PID/fd, and must not fill its page cache */
	if (!rc && owner != FS_SHARED && owner != id.uid)
		rc = -EACCES;
	if (!rc)
		rc = model_open_file(fs->m, &id, &ref, fi->flags, &f);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	fi->fh = (uintptr_t)f;
	/* no page cache: another caller may read other bytes here */
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fs_open_add(fs, ino, f, id.pid, id.uid);
	if (fuse_reply_open(req, fi) == -ENOENT) {
		fs_open_del(fs, ino, f);
		model_file_close(fs->m, &id, f);
	}
}

/*
 * A read of a computation (SPEC §8) is answered from the model's worker
 * threads, so that one waiting for a slot, or computing, holds no request
 * thread.  Its interrupt (a signal to the reader) stops the computation.
 * The reply unregisters the interrupt callback first: libfuse calls it
 * holding the request's lock, so once fuse_req_interrupt_func(req, NULL)
 * returns none runs and none will, and the read's state can go.  When
 * the callback itself stops a waiting read, the reply comes from inside
 * it (fs_in_interrupt), where that lock is already held.
 */
struct fs_aread {
	fuse_req_t req;
	struct fs *fs;
	struct model_file *f;
};

static __thread fuse_req_t fs_in_interrupt;

static void fs_read_done(void *arg, int rc, const char *data, size_t len)
{
	struct fs_aread *r = arg;

	if (fs_in_interrupt != r->req)
		fuse_req_interrupt_func(r->req, NULL, NULL);
	if (rc)
		fuse_reply_err(r->req, -rc);
	else
		fuse_reply_buf(r->req, data, len);
	free(r);
}

static void fs_read_interrupt(fuse_req_t req, void *arg)
{
	struct fs_aread *r = arg;

	fs_in_interrupt = req;
	model_file_interrupt(r->fs->m, r->f);	/* r may be gone after */
	fs_in_interrupt = NULL;
}

static void fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct model_file *f = (struct model_file *)fi->fh;
	struct buf out = BUF_INIT;
	struct fs_aread *r;
	struct caller_id id;
	int rc;

	fs_caller(req, &id);
	if (model_file_async(f)) {
		r = calloc(1, sizeof(*r));
		if (!r) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		r->req = req;
		r->fs = fs;
		r->f = f;
		/* before the read is queued: it may be answered at once */
		fuse_req_interrupt_func(req, fs_read_interrupt, r);
		model_file_read_async(fs->m, &id, f, (uint64_t)off, size,
				      fs_read_done, r);
		return;
	}
	rc = model_file_read(fs->m, &id, f, (uint64_t)off, size, &out);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_buf(req, out.data, out.len);
	buf_release(&out);
}

static void fs_write(fuse_req_t req, fuse_ino_t ino, const char *data,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct caller_id id;
	long n;

	fs_caller(req, &id);
	n = model_file_write(fs->m, &id, (struct model_file *)fi->fh,
			     (uint64_t)off, data, size);
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_write(req, (size_t)n);
}

/*
 * Whether process pid still has a descriptor on inode ino.  A flush
 * comes from every close(2), and a shell running "cmd > file" opens the
 * file, dup2s it to 1 and closes the original before cmd writes: that
 * flush must not commit an empty file.  The descriptor being closed has
 * already left the process's table, so when no other one is there this
 * close is the process's last (an exiting process's table reads empty).
 *
 * Whatever cannot be known counts as held, and the truncation commits at
 * the release, as a flush never sees: a pid the daemon cannot see (0, or
 * hidden by hidepid), a table that cannot be read, more than FS_FD_SCAN
 * descriptors, an fdinfo without an "ino:" line (kernels before 5.14).
 * Only descriptors on paths are looked at further (a link that is no
 * absolute path is a pipe, a socket or an anonymous inode such as epoll
 * or inotify, whose fdinfo the kernel renders mark by mark), so a scan
 * costs one readlink per descriptor and one small read per open file.
 * Our inode numbers are 64-bit hashes; a match on another file system
 * only defers a commit the same way.
 */
#define FS_FD_SCAN 1024

static int fs_fd_ino(int dir, const char *name, unsigned long long *ino)
{
	char line[128];
	FILE *fi;
	int fd, rc = 1;

	fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;	/* closed meanwhile */
	fi = fdopen(fd, "r");
	if (!fi) {
		close(fd);
		return -1;
	}
	while (fgets(line, sizeof(line), fi))
		if (sscanf(line, "ino: %llu", ino) == 1) {
			rc = 2;
			break;
		}
	fclose(fi);
	return rc == 2 ? 1 : -1;
}

static int fs_pid_holds(pid_t pid, fuse_ino_t ino)
{
	char path[64], link[16];
	struct dirent *de;
	int fds, info, n = 0, held = 0;
	DIR *dir;

	if (pid <= 0)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	snprintf(path, sizeof(path), "/proc/%d/fdinfo", (int)pid);
	info = dir ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (info < 0) {
		if (dir)
			closedir(dir);
		return 1;
	}
	fds = dirfd(dir);
	while (!held && (de = readdir(dir))) {
		unsigned long long got;
		ssize_t len;
		int rc;

		if (de->d_name[0] == '.')
			continue;
		if (++n > FS_FD_SCAN) {
			held = 1;
			break;
		}
		len = readlinkat(fds, de->d_name, link, sizeof(link));
		if (len < 0) {
			held = errno != ENOENT;
			continue;
		}
		if (link[0] != '/')
			continue;	/* no file on a file system */
		rc = fs_fd_ino(info, de->d_name, &got);
		held = rc < 0 || (rc > 0 && got == (unsigned long long)ino);
	}
	close(info);
	closedir(dir);
	return held;
}

static void fs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct model_file *f = (struct model_file *)fi->fh;
	struct caller_id id;

	fs_caller(req, &id);
	/* ": > file" and "printf '' > file": the verdict at close(2) */
	if (model_file_trunc_pending(f) && !fs_pid_holds(id.pid, ino))
		model_file_settle(f);
	fuse_reply_err(req, -model_file_flush(fs->m, &id, f));
}

static void fs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct caller_id id;

	fs_caller(req, &id);
	model_file_settle((struct model_file *)fi->fh);
	fuse_reply_err(req, -model_file_flush(fs->m, &id,
					      (struct model_file *)fi->fh));
}

static void fs_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct caller_id id;

	fs_caller(req, &id);
	fs_open_del(fs, ino, (struct model_file *)fi->fh);
	model_file_close(fs->m, &id, (struct model_file *)fi->fh);
	fuse_reply_err(req, 0);
}

static void fs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	struct fs *fs = fs_of(req);
	struct caller_id id;
	struct obj_ref dir, ref;
	struct mstat ms;
	int rc;

	fs_caller(req, &id);
	rc = fs_ref(fs, parent, &dir);
	if (!rc)
		rc = model_mkdir(fs->m, &id, &dir, name);
	if (!rc)
		rc = model_lookup(fs->m, &id, &dir, name, &ref, &ms);
	if (!rc)
		rc = fs_reply_entry(req, &ref, &ms);
	if (rc)
		fuse_reply_err(req, -rc);
}

static void fs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs *fs = fs_of(req);
	struct caller_id id;
	struct obj_ref dir;
	int rc;

	fs_caller(req, &id);
	rc = fs_ref(fs, parent, &dir);
	if (!rc)
		rc = model_rmdir(fs->m, &id, &dir, name);
	fuse_reply_err(req, -rc);
}

static void fs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs *fs = fs_of(req);
	struct caller_id id;
	struct obj_ref dir;
	int rc;

	fs_caller(req, &id);
	rc = fs_ref(fs, parent, &dir);
	if (!rc)
		rc = model_unlink(fs->m, &id, &dir, name);
	fuse_reply_err(req, -rc);
}

static void fs_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct fuse_entry_param e;
	struct model_file *f = NULL;
	struct caller_id id;
	struct obj_ref dir, ref;
	struct mstat ms;
	fuse_ino_t ino;
	int rc;

	fs_caller(req, &id);
	rc = fs_ref(fs, parent, &dir);
	if (!rc)
		rc = model_create(fs->m, &id, &dir, name, fi->flags, &ref, &ms,
				  &f);
	if (!rc) {
		rc = fs_node_get(fs, &ref, id.uid, &ino);
		if (rc)
			model_file_close(fs->m, &id, f);
	}
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = ino;
	e.generation = 1;
	fs_fill_stat(req, ino, &ms, &e.attr);
	fi->fh = (uintptr_t)f;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fs_open_add(fs, ino, f, id.pid, id.uid);
	if (fuse_reply_create(req, &e, fi) == -ENOENT) {
		fs_open_del(fs, ino, f);
		model_file_close(fs->m, &id, f);
		fs_node_forget(fs, ino, 1);
	}
}

static void fs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	struct fs *fs = fs_of(req);
	struct caller_id id;
	struct obj_ref dir, newdir, src, dst;
	unsigned mflags = 0;
	int rc;

	if (flags & RENAME_NOREPLACE)
		mflags |= MODEL_RENAME_NOREPLACE;
	if (flags & RENAME_EXCHANGE)
		mflags |= MODEL_RENAME_EXCHANGE;
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	fs_caller(req, &id);
	rc = fs_ref(fs, parent, &dir);
	if (!rc)
		rc = fs_ref(fs, newparent, &newdir);
	if (!rc)
		rc = model_rename(fs->m, &id, &dir, name, &newdir, newname,
				  mflags, &src, &dst);
	if (!rc)
		fs_node_move(fs, &src, &dst, id.uid);
	fuse_reply_err(req, -rc);
}

static void fs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	fuse_reply_err(req, EPERM);
}

static void fs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	fuse_reply_err(req, EPERM);
}

static void fs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	fuse_reply_err(req, EPERM);
}

static void fs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	struct fs *fs = fs_of(req);
	struct buf out = BUF_INIT;
	struct caller_id id;
	struct obj_ref ref;
	int rc;

	fs_caller(req, &id);
	rc = fs_ref(fs, ino, &ref);
	if (!rc && !strncmp(name, "system.posix_acl_", 17)) {
		/* there are no ACLs here (a caller's rights are the
		 * policy's): ls, getfacl, tar and rsync take EOPNOTSUPP as
		 * "not supported on this device" and stop asking (ls -l
		 * would ask each file, by path, a walk each time) */
		rc = -EOPNOTSUPP;
	} else if (!rc && strcmp(name, FS_WHY_XATTR)) {
		/* ls -l asks every file for its security label, by path:
		 * the walk there has just asked us about every name on it,
		 * for this caller (entries have timeout 0), so there is
		 * nothing to tell but that there is no such attribute */
		rc = -ENODATA;
	} else if (!rc) {
		rc = model_why(fs->m, &id, &ref, &out);
	}
	if (rc)
		fuse_reply_err(req, -rc);
	else if (size == 0)
		fuse_reply_xattr(req, out.len);
	else if (size < out.len)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, out.data, out.len);
	buf_release(&out);
}

static void fs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	static const char names[] = FS_WHY_XATTR;
	struct fs *fs = fs_of(req);
	struct caller_id id;
	struct obj_ref ref;
	int rc;

	fs_caller(req, &id);
	rc = fs_ref(fs, ino, &ref);
	if (!rc)
		rc = model_visible(fs->m, &id, &ref);
	if (rc)
		fuse_reply_err(req, -rc);
	else if (size == 0)
		fuse_reply_xattr(req, sizeof(names));
	else if (size < sizeof(names))
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, names, sizeof(names));
}

static void fs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	fuse_reply_err(req, ENOTSUP);
}

static void fs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	fuse_reply_err(req, ENOTSUP);
}

static void fs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;

	memset(&st, 0, sizeof(st));
	st.f_bsize = 4096;
	st.f_frsize = 4096;
	st.f_namemax = OBJ_SCRATCH_MAX;	/* object names stop at 128 */
	fuse_reply_statfs(req, &st);
}

static const struct fuse_lowlevel_ops fs_ops = {
	.init = fs_init,
	.lookup = fs_lookup,
	.forget = fs_forget,
	.forget_multi = fs_forget_multi,
	.getattr = fs_getattr,
	.setattr = fs_setattr,
	.access = fs_access,
	.opendir = fs_opendir,
	.readdir = fs_readdir,
	.releasedir = fs_releasedir,
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.flush = fs_flush,
	.fsync = fs_fsync,
	.release = fs_release,
	.mkdir = fs_mkdir,
	.rmdir = fs_rmdir,
	.unlink = fs_unlink,
	.create = fs_create,
	.rename = fs_rename,
	.link = fs_link,
	.symlink = fs_symlink,
	.mknod = fs_mknod,
	.getxattr = fs_getxattr,
	.listxattr = fs_listxattr,
	.setxattr = fs_setxattr,
	.removexattr = fs_removexattr,
	.statfs = fs_statfs,
};

int fs_main(struct model *m, const struct config *cfg,
	    const char *mountpoint, int foreground, int debug,
	    const char *const *opts, int nopts)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se = NULL;
	struct fuse_loop_config *loop = NULL;
	struct fs *fs;
	int rc = 1, i;

	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return 1;
	fs->nbuckets = FS_HASH_MIN;
	fs->ino_hash = calloc(fs->nbuckets, sizeof(*fs->ino_hash));
	fs->path_hash = calloc(fs->nbuckets, sizeof(*fs->path_hash));
	if (!fs->ino_hash || !fs->path_hash) {
		free(fs->ino_hash);
		free(fs->path_hash);
		free(fs);
		return 1;
	}
	fs->m = m;
	fs->cfg = cfg;
	fs->root.ino = FUSE_ROOT_ID;
	pthread_mutex_init(&fs->lock, NULL);


	/* allow_other always, default_permissions never: cjafs decides */
	if (fuse_opt_add_arg(&args, "cjafs") ||
	    fuse_opt_add_arg(&args, "-o") ||
	    fuse_opt_add_arg(&args, "allow_other,fsname=cjafs,subtype=cjafs") ||
	    (debug && fuse_opt_add_arg(&args, "-d")))
		goto out;
	for (i = 0; i < nopts; i++)
		if (fuse_opt_add_arg(&args, "-o") ||
		    fuse_opt_add_arg(&args, opts[i]))
			goto out;
	se = fuse_session_new(&args, &fs_ops, sizeof(fs_ops), fs);
	if (!se)
		goto out;
	if (fuse_set_signal_handlers(se))
		goto out_session;
	if (fuse_session_mount(se, mountpoint))
		goto out_signals;
	if (fuse_daemonize(foreground))
		goto out_unmount;
	loop = fuse_loop_cfg_create();
	if (!loop)
		goto out_unmount;
	fuse_loop_cfg_set_clone_fd(loop, 0);
	fuse_loop_cfg_set_max_threads(loop, 8);
	rc = fuse_session_loop_mt(se, loop) ? 1 : 0;
	fuse_loop_cfg_destroy(loop);
	/* the reads still queued are answered while the session is there */
	model_quiesce(m);
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out:
	fuse_opt_free_args(&args);
	for (i = 0; (size_t)i < fs->nbuckets; i++) {
		struct node *n = fs->ino_hash[i];

		while (n) {
			struct node *next = n->by_ino;

			while (n->opens) {
				struct fs_open *o = n->opens;

				n->opens = o->next;
				free(o);
			}
			free(n->path);
			free(n);
			n = next;
		}
	}
	pthread_mutex_destroy(&fs->lock);
	free(fs->ino_hash);
	free(fs->path_hash);
	free(fs);
	return rc;
}
