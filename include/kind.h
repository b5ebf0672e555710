/*
 * kind.h - the one table that declares every kind of directory and object
 * in the namespace, and its files (SPEC §2).
 *
 * A kind is a directory type.  Its row says where it hangs (parent kind
 * and, for a fixed directory, its name), whether its instances are named
 * objects made by mkdir (KD_NAMED | KD_STORED), whether an instance is a
 * single file rather than a directory (KD_FILE: components, reports,
 * users), its attribute files, and the actions the policy checks to see
 * it, create it and delete it.  Lookup, readdir, getattr, open, commit,
 * mkdir, rmdir and the policy are all driven by this table: a new file is
 * one line in an attribute array, a new kind is one row.
 *
 * An obj_ref names one place: a kind, the names of the named objects on the
 * way there (outermost first) and, for a file, the attribute.  It owns its
 * name strings, so it can be kept in the FUSE node table.
 */
#ifndef CJAFS_KIND_H
#define CJAFS_KIND_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "buf.h"

#define OBJ_NAME_MAX 128
#define OBJ_MAX_NAMES 3
#define OBJ_SCRATCH_MAX 255

enum kind {
	KIND_ROOT,
	KIND_CONNECTIONS,
	KIND_CONNECTION,
	KIND_DATASETS,
	KIND_DATASET,
	KIND_DATAVIEWS,
	KIND_DATAVIEW,
	KIND_COMPONENTS,
	KIND_COMPONENT,
	KIND_REPORT,
	KIND_REPORT_FILE,
	KIND_ADMIN,
	KIND_PROFILES,
	KIND_PROFILE,
	KIND_PLATFORMS,
	KIND_PLATFORM,
	KIND_USERS,
	KIND_USER,
	KIND_AUDIT,
	KIND_WORKSPACE,
	KIND_WS_SEGMENTS,
	KIND_WS_SEGMENT,
	KIND_WS_METRICS,
	KIND_WS_METRIC,
	KIND_WS_DATERANGES,
	KIND_WS_DATERANGE,
	KIND_WS_ANNOTATIONS,
	KIND_WS_ANNOTATION,
	KIND_WS_AUDIENCES,
	KIND_WS_AUDIENCE,
	KIND_WS_PROJECTS,
	KIND_WS_PROJECT,
	KIND_WS_PANELS,
	KIND_WS_PANEL,
	KIND_WS_PANEL_CSV,
	KIND_LINKS,
	KIND_LINK,
	KIND_LINK_PANELS,
	KIND_LINK_PANEL,
	KIND_COUNT
};

struct obj_ref {
	enum kind kind;
	int nnames;
	int attr;			/* index in the kind's attrs; -1: the directory */
	char names[OBJ_MAX_NAMES][OBJ_NAME_MAX + 1];
	/* non-empty: a scratch file of this name in the directory above
	 * (kind, names; attr -1), private to one caller (SPEC §2) */
	char scratch[OBJ_SCRATCH_MAX + 1];
	const char *sandbox;		/* policy hint: the sandbox a change asks for */
	const char *grant;		/* policy hint: what a profile change turns
					 * on (ACT_PROFILE_GRANT) */
};

struct mctx;
struct diag;

/*
 * What the policy needs to know about one object besides its place in
 * the namespace (kind_def.facts): who owns it and whom it is shared with
 * (Workspace objects, SPEC §7), its home data view, the sandbox it lives
 * in (connections).  Empty buffers are facts the kind does not have.
 * obj_facts_release() frees them.
 */
struct obj_facts {
	struct buf owner;	/* the owner's login */
	struct buf shares;	/* canonical line-list: user:L, group:G, all */
	struct buf dataview;	/* home data view */
	struct buf sandbox;	/* sandbox */
	/* an audience's people.csv: its home view shows the person id
	 * unchanged through a dimension (dv_person_shown) */
	int person_shown;
	/* the kind's shares carry roles ("user:L edit"; projects): a
	 * principal changes the object only with role edit, and only the
	 * owner changes its shares */
	int roles;
	/* a project link (/links/TOKEN): it may be read without a login
	 * (require_login = false); the owner is the project's */
	int link_open;
};

static inline void obj_facts_init(struct obj_facts *f)
{
	buf_init(&f->owner);
	buf_init(&f->shares);
	buf_init(&f->dataview);
	buf_init(&f->sandbox);
	f->person_shown = 0;
	f->roles = 0;
	f->link_open = 0;
}

static inline void obj_facts_release(struct obj_facts *f)
{
	buf_release(&f->owner);
	buf_release(&f->shares);
	buf_release(&f->dataview);
	buf_release(&f->sandbox);
}

/*
 * The role at the end of a line of shares of a kind with roles
 * ("user:L edit", "group:Data Team view"): 2 edit, 1 view, 0 none (the
 * default, view); *plen is the length of the principal before it.  A
 * group's name may hold blanks, so only a last word edit or view is a
 * role.
 */
static inline int obj_share_role(const char *e, size_t len, size_t *plen)
{
	*plen = len;
	if (len > 5 && !memcmp(e + len - 5, " edit", 5)) {
		*plen = len - 5;
		return 2;
	}
	if (len > 5 && !memcmp(e + len - 5, " view", 5)) {
		*plen = len - 5;
		return 1;
	}
	return 0;
}

struct inidoc_schema;
struct inidoc_field;

enum kind_attr_flags {
	KA_RW = 1,		/* writable (committed at flush/fsync) */
	KA_STREAM = 2,		/* computed stream: read to end of file; size
				 * 0 unless its ops give one (size()) */
	KA_APPEND = 4,		/* each write(2) is its own commit (records) */
	/* what it shows moves without a commit (the caller's rejected
	 * writes, running computations, the system's groups): its stat
	 * answer is never kept (statmemo.h) */
	KA_VOLATILE = 8,
};

/* A stream produces a file's bytes a piece at a time (records, rows.csv,
 * reports, the audit log).  next() replaces out with the next piece (it
 * may be empty) and sets *eof when there is no more; the state lives in
 * *cursor (freed by done).  The model's lock is held during each call
 * (next() of an unlocked stream aside) but not between calls: a stream
 * sees commits made while it is read.  A computation's next() calls
 * job_poll(c->job, rows) per chunk of rows it scans (activity.h) and
 * returns what it says; while it holds the lock, the lock may be handed
 * to waiting operations there and taken back.
 *
 * A sized stream (records, the audit log) also has size(): the exact
 * number of bytes a full read started now returns, found without
 * producing them (st_size: tar and rsync read that many).  Its next() may
 * be called again after *eof and then goes on with what was appended
 * since (tail -f).  Other streams have st_size 0 (the /proc way).
 *
 * A stream that reads a snapshot (records, rows.csv, reports) takes it in
 * start(), under the lock, and its next() reads only that: such a stream
 * sees the rows committed before it was opened.  Its refresh(), when set,
 * is called under the lock when a sized stream is read past its end again,
 * to take a new snapshot that goes on where the reader is (tail -f). */
struct kind_stream_ops {
	int (*start)(struct mctx *c, const struct obj_ref *ref, void **cursor);
	int (*next)(struct mctx *c, const struct obj_ref *ref, void *cursor,
		    struct buf *out, int *eof);
	void (*done)(void *cursor);
	int (*size)(struct mctx *c, const struct obj_ref *ref,
		    uint64_t *size);
	int (*refresh)(struct mctx *c, const struct obj_ref *ref,
		       void *cursor);
	unsigned computation:1;	/* a computation (SPEC §8): listed in
				 * reporting activity, queued for a slot,
				 * read asynchronously, cancellable */
	unsigned unlocked:1;	/* next() runs WITHOUT the model lock: it
				 * must not touch c->st or c->pol (they are
				 * NULL then); start() and done() still run
				 * under the lock */
};

/*
 * An append file (records) commits each write(2) on its own: the model
 * opens a transaction, calls write() (or finish() at flush, for a last
 * line without a newline), appends one audit line with the detail the
 * hook wrote ("120 rows ingested, 2 skipped"; nothing is audited when
 * detail is empty and nothing changed), and commits.  When the hook fails
 * or the commit fails, the model cancels the transaction and calls
 * rollback(), which must put the per-open state back as it was before
 * this write (for example the partial line carried between writes).
 * Hooks return 0 or -errno with *d filled: -EINVAL for bad input,
 * -EDQUOT past the row allotment, -EPERM when the object refuses appends.
 */
struct kind_append_ops {
	int (*start)(struct mctx *c, const struct obj_ref *ref, void **state);
	int (*write)(struct mctx *c, const struct obj_ref *ref, void *state,
		     const char *data, size_t len, struct buf *detail,
		     struct diag *d);
	int (*finish)(struct mctx *c, const struct obj_ref *ref, void *state,
		      struct buf *detail, struct diag *d);
	void (*rollback)(void *state);
	void (*done)(void *state);
};

struct kind_attr {
	const char *name;
	unsigned flags;
	int act_read;			/* enum action */
	int act_write;
	const struct inidoc_schema *schema; /* .ini attributes */
	/* Render the whole content (attributes that are not streams). */
	int (*show)(struct mctx *c, const struct obj_ref *ref, struct buf *out);
	/*
	 * Commit a whole new content inside the caller's transaction: parse,
	 * validate, store.  Returns 0, 1 when the content was already there (a
	 * no-op: nothing stored, nothing audited), or -EINVAL / -EACCES with
	 * *d filled (line 0 = not about one line).
	 */
	int (*store)(struct mctx *c, const struct obj_ref *ref, const char *data,
		     size_t len, struct diag *d);
	const struct kind_stream_ops *stream;
	const struct kind_append_ops *append;	/* KA_APPEND */
	/* Optional: lines user.cjafs.why adds when a write is allowed but
	 * judged in parts by what it changes (profile.ini's delegation). */
	int (*why)(struct mctx *c, const struct obj_ref *ref,
		   struct buf *out);
	/* Optional: st_mtime, the time of the newest commit among what the
	 * content is computed from (0: none).  NULL: the mtime of the
	 * object's record (obj_mtime). */
	time_t (*mtime)(struct mctx *c, const struct obj_ref *ref);
	/*
	 * Write-time judgement (SPEC §5).  A file written in order from
	 * offset 0 of a truncated file has each line judged as it is
	 * completed, for faults no later line can mend; a fault fails that
	 * write(2) and poisons the open file.  .ini attributes are judged
	 * by their schema (inidoc_check_line), then check_key, when set,
	 * judges a key's canonical value alone (a filter or rule that does
	 * not parse, a key this caller may not change): 0 or -EINVAL /
	 * -EACCES with d->msg (the line is the model's).  Line-list
	 * attributes name check_entry, the entry checker their store uses
	 * (arg is the struct mctx).
	 */
	int (*check_key)(struct mctx *c, const struct obj_ref *ref,
			 const struct inidoc_field *f, const char *val,
			 const char *line, size_t llen,
			 struct diag *d);
	int (*check_entry)(const char *entry, size_t len, void *arg,
			   struct diag *d);
	/* The audit action of a commit and of a denied write of it on a
	 * KD_OWNED kind ("change", "share"); NULL: "change". */
	const char *verb;
};

enum kind_flags {
	KD_NAMED = 1,		/* instances are named: /connections/NAME */
	KD_STORED = 2,		/* made by mkdir (or create, for KD_FILE) and stored */
	KD_FILE = 4,		/* an instance is one file: attrs[0] */
	/* mv renames an instance within its directory (obj_rename): only
	 * for kinds whose objects own nothing in the store but records and
	 * indexes (data views, components; not datasets and their chunks) */
	KD_RENAME = 8,
	/* its record keeps "tree", the time of the newest commit to any
	 * object below it (obj_save and obj_delete stamp it in the same
	 * transaction), for the mtime of files computed from them */
	KD_TREE = 16,
	/* an owned object (Workspace, SPEC §7): made by and owned by one
	 * login, private until shared; its facts hook gives the policy the
	 * owner and shares, and its changes are audited as create, change,
	 * delete (with its kind) under the object's path */
	KD_OWNED = 32,
	/* derived instances whose names are secrets (/links/TOKEN): never
	 * listed, no scratch files beside them, and a lookup of a live one
	 * the policy refuses is audited without its name */
	KD_SECRET = 64,
};

struct kind_def {
	const char *name;	/* fixed directory: its name; named: a noun */
	enum kind parent;
	unsigned flags;
	const char *suffix;	/* KD_FILE: suffix of the file name (".ini") */
	const struct kind_attr *attrs;	/* ends with { NULL } */
	int act_see;		/* see, enter and list it */
	int act_create;		/* mkdir / create an instance */
	int act_delete;		/* rmdir / rm an instance */
	/* Derived named kinds (no KD_STORED): list and test names. */
	int (*list)(struct mctx *c, const struct obj_ref *parent,
		    struct buf *names);
	/* Stored kinds: fill a new object's record; delete what hangs below. */
	int (*create)(struct mctx *c, const struct obj_ref *ref,
		      struct diag *d);
	int (*destroy)(struct mctx *c, const struct obj_ref *ref,
		       struct diag *d);
	/* KD_RENAME kinds: fix up the record after a move from from to ref
	 * (a name it holds); NULL when nothing needs it. */
	int (*moved)(struct mctx *c, const struct obj_ref *from,
		     const struct obj_ref *ref, struct diag *d);
	/* Derived named kinds, optional: whether the instance ref (its
	 * parent known to exist) is there, 1 or 0, without building the
	 * whole list (a lookup must not cost the size of its directory). */
	int (*has)(struct mctx *c, const struct obj_ref *ref);
	/* Stored kinds, optional: 0 when the object ref may be deleted now,
	 * or -EBUSY with *d naming what still uses it.  obj_delete() asks
	 * before it deletes anything; model_rmdir() asks it of an object
	 * whose removal the caller's process has begun (rm -r: an attribute
	 * of it staged) before deleting anything inside it. */
	int (*in_use)(struct mctx *c, const struct obj_ref *ref,
		      struct diag *d);
	/* Optional: the facts of object ref (any ref inside it) that the
	 * policy decides by (struct obj_facts, filled; the caller releases
	 * it).  -ENOENT when there is no such object.  Runs under the
	 * model's lock with c->st, c->cfg and c->who set; it must not ask
	 * the policy. */
	int (*facts)(struct mctx *c, const struct obj_ref *ref,
		     struct obj_facts *out);
};

extern const struct kind_def kind_table[KIND_COUNT];

/* The root's reference. */
void obj_ref_root(struct obj_ref *ref);
/* The directory holding ref (attribute -> its directory; object ->
 * the collection directory; fixed directory -> parent).  -ENOENT at root. */
int obj_ref_parent(const struct obj_ref *ref, struct obj_ref *out);
/* Path of ref in the namespace ("/connections/c1/connection.ini"). */
int obj_ref_path(const struct obj_ref *ref, struct buf *out);
/* The same as the audit log and reporting activity show it: the name of
 * a KD_SECRET instance (a link's token) is KIND_NAME_WITHHELD
 * ("/links/(withheld)/panels/p.csv"). */
#define KIND_NAME_WITHHELD "(withheld)"
int obj_ref_path_withheld(const struct obj_ref *ref, struct buf *out);
/* The named object ref belongs to, at depth nnames (its key in the
 * store: "/connections/c1").  For fixed directories: their path. */
int obj_ref_object_path(const struct obj_ref *ref, struct buf *out);

enum kind_child_type {
	KIND_CHILD_NONE,	/* no such name here */
	KIND_CHILD_ATTR,	/* an attribute file of this directory */
	KIND_CHILD_DIR,		/* a fixed subdirectory */
	KIND_CHILD_OBJECT,	/* a named object (may or may not exist) */
};

/*
 * What name means inside directory dir (by the table alone; whether a
 * named object exists is the model's question).  Fills *out for
 * KIND_CHILD_ATTR, _DIR and _OBJECT.  A name that is not a valid object
 * name gives KIND_CHILD_NONE.
 */
enum kind_child_type kind_child(const struct obj_ref *dir, const char *name,
				struct obj_ref *out);
/* The named kind whose instances live in directory kind k, or -1.  A
 * directory may hold several named kinds of files told apart by their
 * suffix (panels/P.ini, stored, and panels/P.csv, computed): this is the
 * first in the table, the stored one where there is one;
 * kind_named_next() gives the others. */
int kind_named_child(enum kind k);
/* The next named kind in directory kind k after kind after, or -1. */
int kind_named_next(enum kind k, int after);
/* 1 if ref names a scratch file. */
/* The ref a path names, walking it from the root with kind_child(); with
 * scratch set, the last component is a scratch file of the directory
 * above.  The inverse of obj_ref_path() for every ref it produced:
 * -ENOENT (or -ENAMETOOLONG) for a path no ref has.  Says nothing about
 * whether the object exists. */
int obj_ref_parse(const char *path, int scratch, struct obj_ref *out);

static inline int obj_ref_is_scratch(const struct obj_ref *ref)
{
	return ref->scratch[0] != '\0';
}
/* The attribute of ref (NULL for a directory or a scratch file). */
const struct kind_attr *obj_ref_attr(const struct obj_ref *ref);
/* 1 if ref is a directory (a fixed dir or a named object that is a dir). */
int obj_ref_is_dir(const struct obj_ref *ref);
/* Name of the entry ref is in its parent directory ("c1", "x.ini"). */
int obj_ref_entry_name(const struct obj_ref *ref, struct buf *out);

#endif
