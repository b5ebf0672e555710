#!/usr/bin/env python3
"""matrix.py - the access matrix of SPEC sections 6 and 7 on a real mount
(issues 7 and 18).

    matrix.py --cjafs build/cjafs [-v] [--roles "PA LEAD VIEW ..."]

One fixture is built through the mount as the system admin and a product
admin: three product admins with different platform profiles, product
profiles granting data views by name and by auto_include, with and
without reporting tools, members directly and through a group,
connections in two sandboxes, datasets with rows, data views with
components, Workspace segments owned by a member and shared with a
user and a group, and one shared with all, and a project with a panel
shared with users to view and with a group to edit.  Then every role below tries every action below, one system
call on one path each, and the answer is compared with the table MATRIX:
the outcome each cell must have, written out from SPEC section 6 (and
the README's choices where the SPEC leaves one), never computed by the
policy code.

Each cell checks:
  - first, what stat and access(2) say of the path (of the directory
    for a mkdir or a create): ENOENT where the table says ENOENT, else
    the owner bit r (reads) or w (changes) and access(2) set exactly
    where the table says allowed (SPEC section 2);
  - the answer: allowed, or the exact errno (EACCES, or ENOENT where the
    caller may not know the name exists);
  - for an allowed read, what it reads (the listing a role must see, the
    content a file must hold);
  - for a denied change, that the state a product admin reads (the
    Admin Console, connections, datasets and their rows, data views and
    components) is what it was, and that exactly one audit line was
    added, with the caller's login, the attempt and "denied"; a denied
    read leaves that one line too, a denied listing (a query) and a name
    the caller may not know (ENOENT at lookup: the daemon sees only a
    query) leave none;
  - for an allowed change, that it happened and left only "ok" lines of
    the caller's; then it is undone (or the object it made removed) and
    the state must read as before, so cells stay independent.

Cells run action by action, role after role, so one path is asked by
different callers back to back: a kernel cache that kept one caller's
answer for the next would fail the cell.  A few sequences check that
explicitly (listings, contents, sizes and mode bits of one path as
alternating users).

The journeys rule needs a second phase: while a journey_optimizer
connection exists, managing connections and data views needs the four
journeys permissions too; after it is gone, it does not.

--roles runs the columns it names only (a bound for slow daemons, such
as one under valgrind); the back-to-back checks run whatever it says.

Prints the matrix (role x action: expected, and what was got where it
differs) on stderr with -v, the count of cells and the time, and ends
with "N passed, N failed".
"""
import argparse
import copy
import os
import re
import sys
import tempfile
import time

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cjt  # noqa: E402

# --- the roles ---
#
# (column, uid, supplementary groups, login, what it is).  uids 2001-2006
# and 2999 are those of cjt.py and tests/mount/lib.sh; the others are
# mapped by this driver's config.  The order alternates allowed and
# denied callers, so that each path is asked by both back to back.
ROLES = [
    ("SYS", 2001, (), "sys@example.com",
     "system admin (config), not a product admin"),
    ("PA", 2002, (), "pa@example.com",
     "product admin; platform profile full: every permission, sandboxes "
     "dev and prod"),
    ("LEAD", 2004, (), "lead@example.com",
     "product profile admin of mkt (grants v1; its [delegation] hands its "
     "admins v1 and labs to grant and v1 to edit) and spare; in no "
     "profile"),
    ("NODEL", 2016, (), "nodel@example.com",
     "product profile admin of plain (grants v1, delegates nothing); in "
     "no profile"),
    ("NOSRC", 2011, (), "nosrc@example.com",
     "product admin lacking manage_sources (sandbox prod, journeys)"),
    ("VIEW", 2006, (), "viewer@example.com",
     "member of mkt, no tools"),
    ("DEVPA", 2012, (), "devpa@example.com",
     "product admin with the six permissions, sandbox dev only (not the "
     "sandbox of cprod), no journeys permissions"),
    ("TOOLS", 2013, (), "tools@example.com",
     "member of mkt and of power (auto_include, analysis_workspace, "
     "full_table_export, audit_logs_access); platform profile full"),
    ("GROUP", 2005, (3001,), "analyst@example.com",
     "member of mkt through group Analysts (gid 3001) only"),
    ("SPLIT", 2014, (), "split@example.com",
     "member of mkt; its tools come from profile other, which grants "
     "no existing view"),
    ("LONER", 2015, (), "loner@example.com", "mapped, in no profile"),
    ("UNMAP", 2999, (), None, "unmapped uid"),
    ("ROOT", 0, (), None, "uid 0, not mapped"),
    ("OWNER", 2017, (), "owner@example.com",
     "member of ws (analysis_workspace and every Workspace creation "
     "tool) and platform profile segs (manage_segments): owns segment "
     "seg1, shared with SHARED and group:Analysts"),
    ("SHARED", 2018, (), "shared@example.com",
     "member of wsread (analysis_workspace only): seg1 is shared with it; "
     "owns seg2 (made by PA, transferred) without segment_creation"),
]
COLS = [r[0] for r in ROLES]
UID = {r[0]: r[1] for r in ROLES}
GROUPS = {r[0]: r[2] for r in ROLES}
LOGIN = {r[0]: r[3] for r in ROLES}
EXTRA_USERS = {2011: "nosrc@example.com", 2012: "devpa@example.com",
               2013: "tools@example.com", 2014: "split@example.com",
               2015: "loner@example.com", 2016: "nodel@example.com",
               2017: "owner@example.com", 2018: "shared@example.com"}

JOURNEYS = ("view_journeys_events, manage_journeys_events, view_journeys, "
            "manage_journeys")
NOSRC_PERMS = ("view_schemas, manage_schemas, view_datasets, "
               "manage_datasets, view_identity_namespaces")

# --- the table ---
#
# ok: allowed.  A: EACCES.  N: ENOENT.  Columns as ROLES.  Each block
# quotes the SPEC section 6 row it expands; "README" marks where the
# README's choice decides what the SPEC leaves open.
MATRIX = """
#               SYS PA LEAD NODEL NOSRC VIEW DEVPA TOOLS GROUP SPLIT LONER UNMAP ROOT OWNER SHARED
# section 1: unmapped callers read README and whoami and nothing else
#   (ENOENT for other names at the root, EACCES on open); root is not
#   special; /errors is any mapped caller's own
readme          ok  ok ok   ok    ok    ok   ok    ok    ok    ok    ok    ok    ok    ok    ok
w-readme        A   A  A    A     A     A    A     A     A     A     A     A     A    A     A
whoami          ok  ok ok   ok    ok    ok   ok    ok    ok    ok    ok    ok    ok    ok    ok
ls-root         ok  ok ok   ok    ok    ok   ok    ok    ok    ok    ok    ok    ok    ok    ok
errors          ok  ok ok   ok    ok    ok   ok    ok    ok    ok    ok    N     N    ok    ok
# "read everything under /admin: system admins, product admins; a product
#   profile admin reads the profiles it administers".  README: fixed names
#   are known to every mapped caller (EACCES), a named object the caller
#   may not see is ENOENT with everything below it.
ls-admin        ok  ok ok   ok    ok    A    ok    A     A     A     A     N     N    A     A
cat-padmins     ok  ok A    A     ok    A    ok    A     A     A     A     N     N    A     A
cat-sandboxes   ok  ok A    A     ok    A    ok    A     A     A     A     N     N    A     A
# SPEC section 10: the backup of the whole store, system admins only
cat-backup      ok  A  A    A     A     A    A     A     A     A     A     N     N    A     A
# SPEC section 8: reporting activity, product admins; system admins read
#   it as everything under /admin (section 6), but writing it cancels
#   computations: product admins only (README)
cat-activity    ok  ok A    A     ok    A    ok    A     A     A     A     N     N    A     A
w-activity      A   ok A    A     ok    A    ok    A     A     A     A     N     N    A     A
ls-platform     ok  ok A    A     ok    A    ok    A     A     A     A     N     N    A     A
cat-plat-ini    ok  ok N    N     ok    N    ok    N     N     N     N     N     N    N     N
ls-profiles     ok  ok ok   ok    ok    A    ok    A     A     A     A     N     N    A     A
cat-mkt-ini     ok  ok ok   N     ok    N    ok    N     N     N     N     N     N    N     N
cat-other-mbrs  ok  ok N    N     ok    N    ok    N     N     N     N     N     N    N     N
# "list and read /connections, read /admin/users/*: product admins"; the
#   first row also lets system admins read everything under /admin
ls-users        ok  ok A    A     ok    A    ok    A     A     A     A     N     N    A     A
cat-user        ok  ok N    N     ok    N    ok    N     N     N     N     N     N    N     N
# "edit /admin/product-admins, /admin/platform/* (mkdir and rmdir too),
#   /admin/sandboxes: system admins"
w-padmins       ok  A  A    A     A     A    A     A     A     A     A     N     N    A     A
w-sandboxes     ok  A  A    A     A     A    A     A     A     A     A     N     N    A     A
mkdir-platform  ok  A  A    A     A     A    A     A     A     A     A     N     N    A     A
w-plat-ini      ok  A  N    N     A     N    A     N     N     N     N     N     N    N     N
w-plat-members  ok  A  N    N     A     N    A     N     N     N     N     N     N    N     N
rmdir-platform  ok  A  N    N     A     N    A     N     N     N     N     N     N    N     N
# "create or delete a product profile, edit its admins: product admins"
#   (README: a system admin is not a product admin by that alone)
mkdir-profile   A   ok A    A     ok    A    ok    A     A     A     A     N     N    A     A
rmdir-profile   A   ok A    N     ok    N    ok    N     N     N     N     N     N    N     N
w-mkt-admins    A   ok A    N     ok    N    ok    N     N     N     N     N     N    N     N
# "edit a profile's members and profile.ini: product admins; that
#   profile's admins (profile.ini within its [delegation], section 3.5)":
#   mkt delegates labs and v1 to LEAD, plain delegates nothing to NODEL;
#   what is not delegated is refused at close (EACCES)
w-mkt-members   A   ok ok   N     ok    N    ok    N     N     N     N     N     N    N     N
w-mkt-ini       A   ok ok   N     ok    N    ok    N     N     N     N     N     N    N     N
w-other-mbrs    A   ok N    N     ok    N    ok    N     N     N     N     N     N    N     N
w-mkt-export    A   ok A    N     ok    N    ok    N     N     N     N     N     N    N     N
w-mkt-deleg     A   ok A    N     ok    N    ok    N     N     N     N     N     N    N     N
w-plain-ini     A   ok N    A     ok    N    ok    N     N     N     N     N     N    N     N
w-plain-members A   ok N    ok    ok    N    ok    N     N     N     N     N     N    N     N
# "list and read /connections: product admins"
ls-connections  A   ok A    A     ok    A    ok    A     A     A     A     N     N    A     A
cat-usage       A   ok A    A     ok    A    ok    A     A     A     A     N     N    A     A
cat-conn-ini    N   ok N    N     ok    N    ok    N     N     N     N     N     N    N     N
cat-records     N   ok N    N     ok    N    ok    N     N     N     N     N     N    N     N
# "create, change, delete a connection or dataset; ingest: product admins
#   who also have view_schemas, manage_schemas, view_datasets,
#   manage_datasets, manage_sources, view_identity_namespaces and the
#   connection's sandbox" (cprod is in prod, cdev in dev; a new
#   connection gets the first sandbox its creator has, README)
mkdir-conn      A   ok A    A     A     A    ok    A     A     A     A     N     N    A     A
w-cprod-ini     N   ok N    N     A     N    A     N     N     N     N     N     N    N     N
rmdir-conn      N   ok N    N     A     N    A     N     N     N     N     N     N    N     N
mkdir-dataset   N   ok N    N     A     N    A     N     N     N     N     N     N    N     N
w-ds-ini        N   ok N    N     A     N    A     N     N     N     N     N     N    N     N
rmdir-dataset   N   ok N    N     A     N    A     N     N     N     N     N     N    N     N
ingest-cprod    N   ok N    N     A     N    A     N     N     N     N     N     N    N     N
w-cdev-ini      N   ok N    N     A     N    ok    N     N     N     N     N     N    N     N
ingest-cdev     N   ok N    N     A     N    ok    N     N     N     N     N     N    N     N
# README: turning journey_optimizer on needs the journeys permissions
#   already (refused at close, EACCES)
jo-on-cdev      N   ok N    N     A     N    A     N     N     N     N     N     N    N     N
# "see a data view, read its dataview.ini and components: product admins;
#   members of a profile that grants it (auto_include or listed)"; the
#   admins of such a profile see it too (they may change it)
ls-dataviews    ok  ok ok   ok    ok    ok   ok    ok    ok    ok    ok    N     N    ok    ok
cat-v1-ini      N   ok ok   ok    ok    ok   ok    ok    ok    ok    N     N     N    N     N
ls-v1-comps     N   ok ok   ok    ok    ok   ok    ok    ok    ok    N     N     N    N     N
cat-v1-comp     N   ok ok   ok    ok    ok   ok    ok    ok    ok    N     N     N    N     N
cat-v2-ini      N   ok N    N     ok    N    ok    ok    N     N     N     N     N    N     N
# "create or delete a data view: product admins with the same platform
#   permissions"
mkdir-view      A   ok A    A     A     A    ok    A     A     A     A     N     N    A     A
rmdir-view      N   ok N    N     A     N    ok    A     N     N     N     N     N    N     N
# "change a data view and its components: those; product profile admins
#   of a profile that grants that view and lists it in [delegation]
#   edit_views (they cannot create one)" (mkt does, plain does not); README:
#   changing connection is building a view (refused at close for LEAD)
w-v1-ini        N   ok ok   A     A     A    ok    A     A     A     N     N     N    N     N
w-v1-connection N   ok A    A     A     A    ok    A     A     A     N     N     N    N     N
w-v1-comp       N   ok ok   A     A     A    ok    A     A     A     N     N     N    N     N
new-v1-comp     N   ok ok   A     A     A    ok    A     A     A     N     N     N    N     N
rm-v1-comp      N   ok ok   A     A     A    ok    A     A     A     N     N     N    N     N
# "read report/*: those members only with analysis_workspace; product
#   admins"; "read rows.csv: product admins; those members only with
#   full_table_export" (the profile granting the view carries the tool)
ls-v1-report    N   ok A    A     ok    A    ok    ok    A     A     N     N     N    N     N
cat-v1-report   N   ok A    A     ok    A    ok    ok    A     A     N     N     N    N     N
cat-v1-rows     N   ok A    A     ok    A    ok    ok    A     A     N     N     N    N     N
cat-v2-report   N   ok N    N     ok    N    ok    ok    N     N     N     N     N    N     N
# "read /audit/log: product admins; members with audit_logs_access";
#   nobody writes it
cat-audit       A   ok A    A     ok    A    ok    ok    A     ok    A     N     N    A     A
w-audit         A   A  A    A     A     A    A     A     A     A     A     N     N    A     A
#
# while a journey_optimizer connection exists: "also the four journeys
#   permissions" (DEVPA has the six, not the four)
jo:mkdir-conn   A   ok A    A     A     A    A     A     A     A     A     N     N    A     A
jo:w-cdev-ini   N   ok N    N     A     N    A     N     N     N     N     N     N    N     N
jo:ingest-cdev  N   ok N    N     A     N    A     N     N     N     N     N     N    N     N
jo:w-ds-ini     N   ok N    N     A     N    A     N     N     N     N     N     N    N     N
jo:mkdir-view   A   ok A    A     A     A    A     A     A     A     A     N     N    A     A
jo:w-v1-ini     N   ok ok   A     A     A    A     A     A     A     N     N     N    N     N
# and once the last one is gone, DEVPA manages cdev again
post:w-cdev-ini N   ok N    N     A     N    ok    N     N     N     N     N     N    N     N
#
# SPEC section 7: /workspace, for callers with analysis_workspace (from
#   any profile: TOOLS, SPLIT, GROUP through wsread) and product admins;
#   an object is seen by its owner, the principals it is shared with (a
#   user, a group through the caller's groups, all) and product admins,
#   ENOENT for everyone else
#               SYS PA LEAD NODEL NOSRC VIEW DEVPA TOOLS GROUP SPLIT LONER UNMAP ROOT OWNER SHARED
ls-workspace    A   ok A    A     ok    A    ok    ok    ok    ok    A     N     N    ok    ok
ls-segments     A   ok A    A     ok    A    ok    ok    ok    ok    A     N     N    ok    ok
cat-seg1-ini    N   ok N    N     ok    N    ok    N     ok    N     N     N     N    ok    ok
cat-seg1-used   N   ok N    N     ok    N    ok    N     ok    N     N     N     N    ok    ok
cat-seg2-ini    N   ok N    N     ok    N    ok    N     N     N     N     N     N    N     ok
# seg3 is shared with all: with every caller who may enter /workspace;
#   for the others it is not there (ENOENT, as the listing they may not
#   make would not show it)
cat-seg3-ini    N   ok N    N     ok    N    ok    ok    ok    ok    N     N     N    ok    ok
# "change, rename, delete, tag, approve or unapprove, change shares: its
#   owner while holding P; a caller it is shared with who holds P;
#   product admins" (SHARED owns seg2 without segment_creation)
w-seg1-ini      N   ok N    N     ok    N    ok    N     A     N     N     N     N    ok    A
w-seg1-shares   N   ok N    N     ok    N    ok    N     A     N     N     N     N    ok    A
rmdir-seg1      N   ok N    N     ok    N    ok    N     A     N     N     N     N    ok    A
w-seg2-ini      N   ok N    N     ok    N    ok    N     N     N     N     N     N    N     A
# "share with all, change owner: product admins" (all is refused at
#   write(2); another's owner from anyone else is ignored, as every
#   read-only key: t_workspace and check_policy hold that)
w-seg1-all      N   ok N    N     ok    N    ok    N     A     N     N     N     N    A     A
# README: a list that holds all is the product admins' to change (the
#   file is r-- to the others, the write refused at open)
w-seg3-shares   N   ok N    N     ok    N    ok    A     A     A     N     N     N    A     A
# "create (mkdir): callers with P; product admins"; P: segment_creation,
#   audience_creation plus platform manage_segments, analysis_workspace
#   for date ranges
mkdir-seg       A   ok A    A     ok    A    ok    A     A     A     A     N     N    ok    A
mkdir-audience  A   ok A    A     ok    A    ok    A     A     A     A     N     N    ok    A
mkdir-daterange A   ok A    A     ok    A    ok    ok    ok    ok    A     N     N    ok    ok
# projects: P is analysis_workspace, as for date ranges
mkdir-project   A   ok A    A     ok    A    ok    ok    ok    ok    A     N     N    ok    ok
# panels of project pr1 (OWNER's, with home view v1, shared with SHARED
#   and TOOLS to view and group:Analysts to edit): "read panels/*.csv:
#   those who see the object and also see its data view with
#   analysis_workspace" (TOOLS through power; OWNER, SHARED and GROUP
#   have the tool from profiles that grant no v1: EACCES); a panel's
#   .ini is the project's to read and to change (role edit); whoever
#   writes one must be able to use what it names, so OWNER, who does
#   not see v1, may not name its dimension (EINVAL at close)
#               SYS PA LEAD NODEL NOSRC VIEW DEVPA TOOLS GROUP SPLIT LONER UNMAP ROOT OWNER SHARED
ls-panels       N   ok N    N     ok    N    ok    ok    ok    N     N     N     N    ok    ok
cat-panel-ini   N   ok N    N     ok    N    ok    ok    ok    N     N     N     N    ok    ok
cat-panel-csv   N   ok N    N     ok    N    ok    ok    A     N     N     N     N    A     A
w-panel-ini     N   ok N    N     ok    N    ok    A     ok    N     N     N     N    I     A
new-panel       N   ok N    N     ok    N    ok    A     ok    N     N     N     N    I     A
rm-panel        N   ok N    N     ok    N    ok    A     ok    N     N     N     N    ok    A
# /links lists nothing, to every mapped caller; unmapped callers do not
#   see it while [workspace] anonymous_links is off (the default)
ls-links        ok  ok ok   ok    ok    ok   ok    ok    ok    ok    ok    N     N    ok    ok
# /admin/transfer: written by product admins; it reads as empty to
#   whoever reads /admin
w-transfer      A   ok A    A     ok    A    ok    A     A     A     A     N     N    A     A
"""

CODE = {"ok": "ok", "A": "EACCES", "N": "ENOENT", "P": "EPERM",
        "I": "EINVAL"}

def parse_matrix(text):
    rows = []
    for line in text.split("\n"):
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split()
        if len(f) != len(COLS) + 1:
            raise ValueError("matrix row %r: %d cells for %d roles" %
                             (f[0], len(f) - 1, len(COLS)))
        rows.append((f[0], dict(zip(COLS, [CODE[c] for c in f[1:]]))))
    return rows


# --- calls made inside the agents (module level: they are pickled) ---

def op_read(path):
    try:
        with open(path, "rb") as f:
            return "OK", f.read().decode("utf-8", "replace")
    except OSError as e:
        return cjt.errname(e), None


def op_ls(path):
    try:
        return "OK", sorted(os.listdir(path))
    except OSError as e:
        return cjt.errname(e), None


def op_write(path, data):
    return cjt.sys_write(path, data), None


def op_append(path, data):
    return cjt.sys_append(path, data), None


def op_create(path, data):
    return cjt.sys_write(path, data, os.O_WRONLY | os.O_CREAT | os.O_EXCL), \
        None


def op_mkdir(path):
    return cjt.sys_mkdir(path), None


def op_rmdir(path):
    return cjt.sys_rmdir(path), None


def op_unlink(path):
    return cjt.sys_unlink(path), None


def op_stat(path):
    """(mode bits, size) or the errno name."""
    try:
        st = os.stat(path)
        return "OK", (st.st_mode & 0o777, st.st_size)
    except OSError as e:
        return cjt.errname(e), None


def op_probe(path):
    """What stat and access(2) say before an attempt: (owner bits r and
    w of st_mode, access R_OK, access W_OK), or the errno name."""
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        return cjt.errname(e), None
    return "OK", (bool(mode & 0o400), bool(mode & 0o200),
                  os.access(path, os.R_OK), os.access(path, os.W_OK))


def op_read_sized(path):
    """stat then read: (st_size, content)."""
    try:
        size = os.stat(path).st_size
        with open(path, "rb") as f:
            return "OK", (size, f.read().decode("utf-8", "replace"))
    except OSError as e:
        return cjt.errname(e), None


def audit_tail(mnt, off):
    """The audit log from byte off on (a pread there: the daemon skips
    the chunks before it, the mount carries only the new lines)."""
    fd = os.open(os.path.join(mnt, "audit", "log"), os.O_RDONLY)
    try:
        out = []
        while True:
            b = os.pread(fd, 1 << 20, off)
            out.append(b)
            off += len(b)
            if len(b) < 1 << 20:
                break
        return b"".join(out)
    finally:
        os.close(fd)


def _dir(parent, name):
    """A directory as an O_PATH descriptor: files opened relative to it
    cost one lookup, not one per component of the path (timeouts are 0,
    so every component of a path is looked up again on every open)."""
    return os.open(name, os.O_PATH | os.O_DIRECTORY, dir_fd=parent)


def _text(dfd, name):
    """A file's content; a read shorter than asked is the end (direct
    I/O: the daemon fills what it is asked for up to the end), which
    spares a read per file."""
    fd = os.open(name, os.O_RDONLY, dir_fd=dfd)
    try:
        out = []
        while True:
            b = os.read(fd, 1 << 20)
            out.append(b)
            if len(b) < 1 << 20:
                break
        return b"".join(out).decode("utf-8", "replace")
    finally:
        os.close(fd)


def _ls(dfd):
    fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY, dir_fd=dfd)
    try:
        return sorted(os.listdir(fd))
    finally:
        os.close(fd)


def state(mnt):
    """What a product admin reads: the shape of cjt.observe_tree without
    what is computed from the rest (a connection's status, usage) and
    without the audit log."""
    fds = []

    def sub(parent, name):
        fds.append(_dir(parent, name))
        return fds[-1]

    try:
        root = sub(None, mnt)
        obs = {"conns": {}, "profiles": {}, "platforms": {}, "views": {}}
        croot = sub(root, "connections")
        for c in _ls(croot):
            if c == "usage":
                continue
            cd = sub(croot, c)
            conn = {"ini": cjt.parse_ini(_text(cd, "connection.ini")),
                    "datasets": {}}
            dsd = sub(cd, "datasets")
            for d in _ls(dsd):
                dd = sub(dsd, d)
                conn["datasets"][d] = {
                    "ini": cjt.parse_ini(_text(dd, "dataset.ini")),
                    "status": cjt.parse_ini(_text(dd, "status")),
                    "records": _text(dd, "records")}
            obs["conns"][c] = conn
        adm = sub(root, "admin")
        prd = sub(adm, "profiles")
        for p in _ls(prd):
            pd = sub(prd, p)
            obs["profiles"][p] = {
                "ini": _text(pd, "profile.ini"),
                "members": _text(pd, "members").splitlines(),
                "admins": _text(pd, "admins").splitlines()}
        pld = sub(adm, "platform")
        for p in _ls(pld):
            pd = sub(pld, p)
            obs["platforms"][p] = {
                "ini": cjt.parse_ini(_text(pd, "platform.ini")),
                "members": _text(pd, "members").splitlines()}
        obs["sandboxes"] = _text(adm, "sandboxes").splitlines()
        obs["product_admins"] = _text(adm, "product-admins").splitlines()
        vrd = sub(root, "dataviews")
        for v in _ls(vrd):
            vd = sub(vrd, v)
            cmd = sub(vd, "components")
            obs["views"][v] = {
                "ini": _text(vd, "dataview.ini"),
                "components": {c: _text(cmd, c) for c in _ls(cmd)}}
        obs["ws"] = {}
        wsd = sub(root, "workspace")
        for k in _ls(wsd):
            kd = sub(wsd, k)
            obs["ws"][k] = {}
            for n in _ls(kd):
                od = sub(kd, n)
                # people.csv and components are computed (people.csv
                # fails without a home view), not state; panels/ is a
                # directory
                obs["ws"][k][n] = {f: _text(od, f) for f in _ls(od)
                                   if f not in ("people.csv", "components",
                                                "panels")}
                # a project's panels: their .ini (the tables are
                # computed)
                if "panels" in _ls(od):
                    pd = sub(od, "panels")
                    for f in _ls(pd):
                        if f.endswith(".ini"):
                            obs["ws"][k][n]["panels/" + f] = _text(pd, f)
        return obs
    finally:
        for fd in fds:
            os.close(fd)


# --- one action ---

class Action:
    """kind: "query" (a listing: never audited), "read" (an open for
    reading: audited when denied) or "change".  op and args say what the
    role runs (args may be a function of the role's column); apath the
    audit path a denial names (a tuple: any of them); check(role, data)
    judges what an allowed read got; effect(before, after, role) what an
    allowed change did; undo(role) lists (column, op, args) that put it
    back.  probe is the path whose mode bits and access(2) must answer
    as the attempt does (default: the path acted on), bit the owner bit
    ("r" or "w") that says so, or None where the bits cannot (a delete, a
    refusal that depends on what is written)."""

    def __init__(self, label, kind, op, args, audit=None, apath=None,
                 check=None, effect=None, undo=None, probe=None, bit="r"):
        self.probe = probe
        self.bit = bit
        self.label = label
        self.kind = kind
        self.op = op
        self.args = args
        self.audit = audit
        self.apath = apath
        self.check = check
        self.effect = effect
        self.undo = undo

    def args_for(self, role):
        return self.args(role) if callable(self.args) else self.args

    def probe_for(self, role):
        """The path stat and access(2) are asked about first: the
        directory for a mkdir or a create, else the path acted on."""
        return self.probe or self.args_for(role)[0]


def _mask(s):
    """State without what an undo cannot give back: status counters and
    last change, the creation time of an object made again."""
    s = copy.deepcopy(s)
    for objs in s.get("ws", {}).values():
        for files in objs.values():
            for f in files:
                if f.endswith(".ini"):
                    files[f] = re.sub(r"^(created|modified|modified_by) = "
                                      r".*\n", "", files[f], flags=re.M)
    for c in s["conns"].values():
        c.pop("status", None)
        c["ini"].pop("created", None)
        for ds in c["datasets"].values():
            ds.pop("status", None)
    return s


class Matrix:
    def __init__(self, args, rep):
        self.args = args
        self.rep = rep
        self.cols = args.roles.split() if args.roles else COLS
        self.d = cjt.Daemon(args.cjafs, args.dir,
                            os.environ.get("CJAFS_WRAP"))
        self.agents = {}
        self.results = {}       # (row key, column) -> got
        self.ncells = 0
        self.nmismatch = 0
        self.audit_off = 0      # bytes of the audit log already seen

    def a(self, col):
        if col not in self.agents:
            self.agents[col] = cjt.Agent(UID[col], GROUPS[col])
        return self.agents[col]

    def p(self, rel):
        return os.path.join(self.d.mnt, rel)

    # --- the fixture ---

    def setup(self):
        d = self.d
        d.write_config(extra="\n[users]\n" + "".join(
            "%d = %s\n" % kv for kv in sorted(EXTRA_USERS.items())))
        d.init()
        d.mount()
        w, mk = op_write, op_mkdir
        day = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                            time.gmtime(time.time() - 2 * 86400))
        rows = ("p1,%s,home\np2,%s,cart\np1,%s,cart\n" % (day, day, day))
        ds_ini = ("[dataset]\ntype = event\nperson_id = pid\ntimestamp = ts\n"
                  "fields = pid, ts, page\n")
        steps = [
            ("SYS", w, "admin/product-admins",
             "pa@example.com\nnosrc@example.com\ndevpa@example.com\n"),
            ("SYS", w, "admin/sandboxes", "prod\ndev\n"),
            ("SYS", mk, "admin/platform/full"),
            ("SYS", w, "admin/platform/full/platform.ini",
             "[platform]\nsandboxes = dev, prod\npermissions = %s, %s\n" %
             (cjt.PERMS, JOURNEYS)),
            ("SYS", w, "admin/platform/full/members",
             "pa@example.com\ntools@example.com\n"),
            ("SYS", mk, "admin/platform/nosrc"),
            ("SYS", w, "admin/platform/nosrc/platform.ini",
             "[platform]\nsandboxes = prod\npermissions = %s, %s\n" %
             (NOSRC_PERMS, JOURNEYS)),
            ("SYS", w, "admin/platform/nosrc/members", "nosrc@example.com\n"),
            ("SYS", mk, "admin/platform/devonly"),
            ("SYS", w, "admin/platform/devonly/platform.ini",
             "[platform]\nsandboxes = dev\npermissions = %s\n" % cjt.PERMS),
            ("SYS", w, "admin/platform/devonly/members",
             "devpa@example.com\n"),
            ("SYS", mk, "admin/platform/spare"),
            ("PA", mk, "admin/profiles/mkt"),
            ("PA", w, "admin/profiles/mkt/profile.ini",
             "[data_views]\nauto_include = false\nviews = v1\n"
             "[delegation]\nviews = v1\ntools = labs\nedit_views = v1\n"),
            ("PA", w, "admin/profiles/mkt/members",
             "viewer@example.com\nsplit@example.com\ntools@example.com\n"
             "group:Analysts\n"),
            ("PA", w, "admin/profiles/mkt/admins", "lead@example.com\n"),
            ("PA", mk, "admin/profiles/power"),
            ("PA", w, "admin/profiles/power/profile.ini",
             "[data_views]\nauto_include = true\n[reporting_tools]\n"
             "analysis_workspace = true\naudit_logs_access = true\n"
             "[data_view_tools]\nfull_table_export = true\n"),
            ("PA", w, "admin/profiles/power/members", "tools@example.com\n"),
            ("PA", mk, "admin/profiles/other"),
            ("PA", w, "admin/profiles/other/profile.ini",
             "[data_views]\nviews = ghost\n[reporting_tools]\n"
             "analysis_workspace = true\naudit_logs_access = true\n"
             "[data_view_tools]\nfull_table_export = true\n"),
            ("PA", w, "admin/profiles/other/members", "split@example.com\n"),
            ("PA", mk, "admin/profiles/plain"),
            ("PA", w, "admin/profiles/plain/profile.ini",
             "[data_views]\nviews = v1\n"),
            ("PA", w, "admin/profiles/plain/admins", "nodel@example.com\n"),
            ("PA", mk, "admin/profiles/spare"),
            ("PA", w, "admin/profiles/spare/admins", "lead@example.com\n"),
            ("PA", mk, "connections/cprod"),
            ("PA", w, "connections/cprod/connection.ini",
             "[connection]\nsandbox = prod\n"),
            ("PA", mk, "connections/cprod/datasets/ev"),
            ("PA", w, "connections/cprod/datasets/ev/dataset.ini", ds_ini),
            ("PA", op_append, "connections/cprod/datasets/ev/records", rows),
            ("PA", mk, "connections/cprod/datasets/spare"),
            ("PA", mk, "connections/cdev"),
            ("PA", w, "connections/cdev/connection.ini",
             "[connection]\nsandbox = dev\n"),
            ("PA", mk, "connections/cdev/datasets/ev"),
            ("PA", w, "connections/cdev/datasets/ev/dataset.ini", ds_ini),
            ("PA", op_append, "connections/cdev/datasets/ev/records", rows),
            ("PA", mk, "connections/spare"),
            ("PA", w, "connections/spare/connection.ini",
             "[connection]\nsandbox = prod\n"),
            ("PA", mk, "dataviews/v1"),
            ("PA", w, "dataviews/v1/dataview.ini",
             "[dataview]\nconnection = cprod\n"),
            ("PA", op_create, "dataviews/v1/components/page.ini",
             "[component]\nfield = page\n"),
            ("PA", op_create, "dataviews/v1/components/n.ini",
             "[component]\nkind = metric\nfield = occurrences\n"),
            ("PA", op_create, "dataviews/v1/components/spare.ini",
             "[component]\nfield = pid\n"),
            ("PA", mk, "dataviews/v2"),
            ("PA", w, "dataviews/v2/dataview.ini",
             "[dataview]\nconnection = cprod\n"),
            ("PA", op_create, "dataviews/v2/components/page.ini",
             "[component]\nfield = page\n"),
            ("PA", mk, "dataviews/spare"),
            # the Workspace (SPEC section 7)
            ("SYS", mk, "admin/platform/segs"),
            ("SYS", w, "admin/platform/segs/platform.ini",
             "[platform]\nsandboxes = prod\npermissions = manage_segments\n"),
            ("SYS", w, "admin/platform/segs/members", "owner@example.com\n"),
            ("PA", mk, "admin/profiles/ws"),
            ("PA", w, "admin/profiles/ws/profile.ini",
             "[reporting_tools]\nanalysis_workspace = true\n"
             "segment_creation = true\ncalculated_metrics_creation = true\n"
             "annotation_creation = true\naudience_creation = true\n"),
            ("PA", w, "admin/profiles/ws/members", "owner@example.com\n"),
            ("PA", mk, "admin/profiles/wsread"),
            ("PA", w, "admin/profiles/wsread/profile.ini",
             "[reporting_tools]\nanalysis_workspace = true\n"),
            ("PA", w, "admin/profiles/wsread/members",
             "shared@example.com\ngroup:Analysts\n"),
            ("OWNER", mk, "workspace/segments/seg1"),
            ("OWNER", w, "workspace/segments/seg1/shares",
             "user:shared@example.com\n"),
            ("PA", w, "workspace/segments/seg1/shares",
             "user:shared@example.com\ngroup:Analysts\n"),
            ("PA", mk, "workspace/segments/seg2"),
            ("PA", w, "workspace/segments/seg2/segment.ini",
             "[segment]\nowner = shared@example.com\n"),
            ("PA", mk, "workspace/segments/seg3"),
            ("PA", w, "workspace/segments/seg3/shares", "all\n"),
            ("OWNER", mk, "workspace/projects/pr1"),
            ("PA", w, "workspace/projects/pr1/project.ini",
             "[project]\ndataview = v1\n"),
            ("PA", w, "workspace/projects/pr1/shares",
             "user:shared@example.com\nuser:tools@example.com\n"
             "group:Analysts edit\n"),
            ("PA", op_create, "workspace/projects/pr1/panels/t.ini",
             "[panel]\ntitle = pages\ndimension = page\nmetrics = n\n"),
        ]
        for col, fn, rel, *rest in steps:
            res = self.a(col).call(fn, self.p(rel), *rest)[0]
            if res != "OK":
                raise RuntimeError("setup: %s %s as %s: %s" % (
                    fn.__name__, rel, col, res))
        # the texts the cells write variants of and the undos put back
        self.orig = {}
        for rel in ["admin/product-admins", "admin/sandboxes",
                    "admin/platform/spare/platform.ini",
                    "admin/platform/spare/members",
                    "admin/profiles/mkt/profile.ini",
                    "admin/profiles/mkt/members",
                    "admin/profiles/mkt/admins",
                    "admin/profiles/other/members",
                    "admin/profiles/plain/profile.ini",
                    "admin/profiles/plain/members",
                    "connections/cprod/connection.ini",
                    "connections/cdev/connection.ini",
                    "connections/spare/connection.ini",
                    "connections/cprod/datasets/ev/dataset.ini",
                    "dataviews/v1/dataview.ini",
                    "dataviews/v1/components/page.ini",
                    "dataviews/v1/components/spare.ini",
                    "workspace/segments/seg1/segment.ini",
                    "workspace/segments/seg1/shares",
                    "workspace/segments/seg2/segment.ini",
                    "workspace/segments/seg3/shares",
                    "workspace/projects/pr1/panels/t.ini"]:
            res, text = self.a("PA").call(op_read, self.p(rel))
            if res != "OK":
                raise RuntimeError("setup: read %s: %s" % (rel, res))
            self.orig[rel] = text
        # a line in PA's /errors that nobody else may read
        self.marker = "Mars/Olympus"
        res = self.a("PA").call(op_write, self.p("dataviews/v1/dataview.ini"),
                                "[dataview]\nconnection = cprod\n"
                                "timezone = %s\n" % self.marker)[0]
        # an unknown time zone is a line's fault: refused at write(2)
        if res != "EINVAL@write":
            raise RuntimeError("setup: a rejected write answered %s" % res)
        self.state = self.a("PA").call(state, self.d.mnt)
        self.audit_new()

    # --- the actions ---

    def actions(self):
        P = self.p
        o = self.orig
        everyone = {"README", "whoami", "errors", "admin", "audit",
                    "connections", "dataviews", "workspace", "links"}
        admin_names = ["backup", "platform", "product-admins", "profiles",
                       "reporting-activity", "sandboxes", "transfer",
                       "users"]
        conns = ["cdev", "cprod", "spare", "usage"]
        every_view = ["spare", "v1", "v2"]
        views_of = {"PA": every_view, "NOSRC": every_view,
                    "DEVPA": every_view, "TOOLS": every_view,
                    "LEAD": ["v1"], "NODEL": ["v1"], "VIEW": ["v1"], "GROUP": ["v1"],
                    "SPLIT": ["v1"], "SYS": [], "LONER": [], "OWNER": [],
                    "SHARED": []}
        profiles_of = {"LEAD": ["mkt", "spare"], "NODEL": ["plain"]}
        all_profiles = ["mkt", "other", "plain", "power", "spare", "ws",
                        "wsread"]

        def listing(want):
            return lambda col, got: None if got == want(col) else \
                "listing %r, want %r" % (got, want(col))

        def has(needle):
            return lambda col, got: None if needle in got else \
                "%r not in %s" % (needle, cjt.clip(got, 300))

        def whoami_check(col, got):
            if LOGIN[col]:
                return has("login = %s\n" % LOGIN[col])(col, got)
            return has("mapped = false")(col, got)

        def errors_check(col, got):
            if col == "PA":
                return has(self.marker)(col, got)
            return None if self.marker not in got else \
                "another caller's /errors line is readable: %s" % \
                cjt.clip(got, 300)

        def sub(rel, pat, new):
            text, n = re.subn(pat, new, o[rel], count=1, flags=re.M)
            assert n == 1, (rel, pat)
            return text

        def changed(get, want):
            """effect: get(state) == want(col) after the change."""
            return lambda b, a, col: get(a) == want(col)

        def put_back(rel, col="PA"):
            return lambda role: [(col, op_write, (P(rel), o[rel] or "\n"))]

        def w(rel, text, check_get, kind_audit="write", undo_col="PA",
              bit="w"):
            return Action("write /" + rel, "change", op_write,
                          lambda col: (P(rel), text(col)), kind_audit,
                          ("/" + rel,),
                          effect=check_get, undo=put_back(rel, undo_col),
                          bit=bit)

        def lines_plus(rel, extra):
            return lambda col: o[rel] + "%s\n" % extra(col)

        def tmp_login(col):
            return "t-%s@example.com" % col.lower()

        def members_effect(get):
            return lambda b, a, col: tmp_login(col) in get(a)

        def desc(col):
            return "changed by %s" % col

        def mkdir_action(parent, coll_get, undo_col):
            return Action(
                "mkdir /%s/NEW" % parent, "change", op_mkdir,
                lambda col: (P("%s/m-%s" % (parent, col.lower())),), "mkdir",
                ("/%s/m-*" % parent,),
                effect=lambda b, a, col: "m-%s" % col.lower() in coll_get(a),
                undo=lambda col: [(undo_col, op_rmdir,
                                   (P("%s/m-%s" % (parent, col.lower())),))],
                probe=P(parent), bit="w")

        def rmdir_action(rel, coll_get, remake):
            name = rel.rsplit("/", 1)[1]
            return Action("rmdir /" + rel, "change", op_rmdir, (P(rel),),
                          "rmdir", ("/" + rel,),
                          effect=lambda b, a, col: name not in coll_get(a),
                          undo=lambda col: remake, bit=None)

        A = {}
        A["readme"] = Action("cat /README", "read", op_read, (P("README"),),
                             check=has("whoami"))
        A["whoami"] = Action("cat /whoami", "read", op_read, (P("whoami"),),
                             check=whoami_check)
        A["ls-root"] = Action(
            "ls /", "query", op_ls, (self.d.mnt,),
            check=listing(lambda col: sorted(everyone) if LOGIN[col] else
                          ["README", "whoami"]))
        A["errors"] = Action("cat /errors (own lines only)", "read", op_read,
                             (P("errors"),), check=errors_check)
        A["ls-admin"] = Action("ls /admin", "query", op_ls, (P("admin"),),
                               check=listing(lambda col: admin_names))
        A["cat-padmins"] = Action(
            "cat /admin/product-admins", "read", op_read,
            (P("admin/product-admins"),), "read", ("/admin/product-admins",),
            check=has("devpa@example.com\nnosrc@example.com\n"
                      "pa@example.com\n"))
        A["cat-sandboxes"] = Action(
            "cat /admin/sandboxes", "read", op_read, (P("admin/sandboxes"),),
            "read", ("/admin/sandboxes",), check=has("dev\nprod\n"))
        A["cat-backup"] = Action(
            "cat /admin/backup", "read", op_read, (P("admin/backup"),),
            "read", ("/admin/backup",), check=has("TDB file"))
        A["cat-activity"] = Action(
            "cat /admin/reporting-activity", "read", op_read,
            (P("admin/reporting-activity"),), "read",
            ("/admin/reporting-activity",),
            check=has("id,login,path,state,started,elapsed_ms,"
                      "rows_scanned\n"))
        # nothing runs here: a comment cancels nothing and commits
        A["w-activity"] = Action(
            "write /admin/reporting-activity", "change", op_write,
            (P("admin/reporting-activity"), "# nothing to cancel\n"),
            "write", ("/admin/reporting-activity",),
            effect=lambda b, a, col: True, undo=lambda col: [], bit="w")
        A["ls-platform"] = Action(
            "ls /admin/platform", "query", op_ls, (P("admin/platform"),),
            check=listing(lambda col: ["devonly", "full", "nosrc", "segs",
                                       "spare"]))
        A["cat-plat-ini"] = Action(
            "cat /admin/platform/full/platform.ini", "read", op_read,
            (P("admin/platform/full/platform.ini"),), "read",
            ("/admin/platform/full/platform.ini",),
            check=has("sandboxes = dev, prod"))
        A["ls-profiles"] = Action(
            "ls /admin/profiles", "query", op_ls, (P("admin/profiles"),),
            check=listing(lambda col: profiles_of.get(col, all_profiles)))
        A["cat-mkt-ini"] = Action(
            "cat /admin/profiles/mkt/profile.ini", "read", op_read,
            (P("admin/profiles/mkt/profile.ini"),), "read",
            ("/admin/profiles/mkt/profile.ini",), check=has("views = v1"))
        A["cat-other-mbrs"] = Action(
            "cat /admin/profiles/other/members", "read", op_read,
            (P("admin/profiles/other/members"),), "read",
            ("/admin/profiles/other/members",),
            check=has("split@example.com"))
        A["ls-users"] = Action(
            "ls /admin/users", "query", op_ls, (P("admin/users"),),
            check=lambda col, got: None if "viewer@example.com" in got and
            "loner@example.com" in got and not any(
                x.startswith("group:") for x in got) else
            "listing %r" % got)
        A["cat-user"] = Action(
            "cat /admin/users/viewer@example.com", "read", op_read,
            (P("admin/users/viewer@example.com"),), "read",
            ("/admin/users/viewer@example.com",),
            check=has("login = viewer@example.com"))
        # /admin edits
        A["w-padmins"] = w(
            "admin/product-admins", lines_plus("admin/product-admins",
                                               tmp_login),
            members_effect(lambda s: s["product_admins"]), undo_col="SYS")
        A["w-sandboxes"] = w(
            "admin/sandboxes",
            lambda col: o["admin/sandboxes"] + "sb-%s\n" % col.lower(),
            lambda b, a, col: "sb-%s" % col.lower() in a["sandboxes"],
            undo_col="SYS")
        A["mkdir-platform"] = mkdir_action(
            "admin/platform", lambda s: s["platforms"], "SYS")
        A["w-plat-ini"] = w(
            "admin/platform/spare/platform.ini",
            lambda col: "[platform]\nsandboxes = dev\n",
            lambda b, a, col: a["platforms"]["spare"]["ini"].get(
                "sandboxes") == "dev", undo_col="SYS")
        A["w-plat-members"] = w(
            "admin/platform/spare/members",
            lambda col: "%s\n" % tmp_login(col),
            members_effect(lambda s: s["platforms"]["spare"]["members"]),
            undo_col="SYS")
        A["rmdir-platform"] = rmdir_action(
            "admin/platform/spare", lambda s: s["platforms"],
            [("SYS", op_mkdir, (P("admin/platform/spare"),))])
        # profiles
        A["mkdir-profile"] = mkdir_action(
            "admin/profiles", lambda s: s["profiles"], "PA")
        A["rmdir-profile"] = rmdir_action(
            "admin/profiles/spare", lambda s: s["profiles"],
            [("PA", op_mkdir, (P("admin/profiles/spare"),)),
             ("PA", op_write, (P("admin/profiles/spare/admins"),
                               "lead@example.com\n"))])
        A["w-mkt-admins"] = w(
            "admin/profiles/mkt/admins",
            lines_plus("admin/profiles/mkt/admins", tmp_login),
            members_effect(lambda s: s["profiles"]["mkt"]["admins"]))
        A["w-mkt-members"] = w(
            "admin/profiles/mkt/members",
            lines_plus("admin/profiles/mkt/members", tmp_login),
            members_effect(lambda s: s["profiles"]["mkt"]["members"]))
        A["w-mkt-ini"] = w(
            "admin/profiles/mkt/profile.ini",
            lambda col: sub("admin/profiles/mkt/profile.ini",
                            r"^labs = false$", "labs = true"),
            lambda b, a, col: "labs = true" in a["profiles"]["mkt"]["ini"])
        # what [delegation] does not hand a profile's admins: refused
        # whole at close, whatever the mode bits say (bit None)
        A["w-mkt-export"] = w(
            "admin/profiles/mkt/profile.ini",
            lambda col: sub("admin/profiles/mkt/profile.ini",
                            r"^full_table_export = false$",
                            "full_table_export = true"),
            lambda b, a, col: "full_table_export = true" in
            a["profiles"]["mkt"]["ini"], bit=None)
        A["w-mkt-export"].label = "full_table_export = true in " \
            "/admin/profiles/mkt/profile.ini"
        A["w-mkt-deleg"] = w(
            "admin/profiles/mkt/profile.ini",
            lambda col: sub("admin/profiles/mkt/profile.ini",
                            r"^edit_views = v1$", "edit_views = v1, v2"),
            lambda b, a, col: "edit_views = v1, v2\n" in
            a["profiles"]["mkt"]["ini"], bit=None)
        A["w-mkt-deleg"].label = "edit_views = v1, v2 in [delegation] of " \
            "/admin/profiles/mkt/profile.ini"
        A["w-plain-ini"] = w(
            "admin/profiles/plain/profile.ini",
            lambda col: sub("admin/profiles/plain/profile.ini",
                            r"^labs = false$", "labs = true"),
            lambda b, a, col: "labs = true" in a["profiles"]["plain"]["ini"],
            bit=None)
        A["w-plain-members"] = w(
            "admin/profiles/plain/members",
            lines_plus("admin/profiles/plain/members", tmp_login),
            members_effect(lambda s: s["profiles"]["plain"]["members"]))
        A["w-other-mbrs"] = w(
            "admin/profiles/other/members",
            lines_plus("admin/profiles/other/members", tmp_login),
            members_effect(lambda s: s["profiles"]["other"]["members"]))
        # connections
        A["ls-connections"] = Action(
            "ls /connections", "query", op_ls, (P("connections"),),
            check=listing(lambda col: conns))
        A["cat-usage"] = Action(
            "cat /connections/usage", "read", op_read,
            (P("connections/usage"),), "read", ("/connections/usage",),
            check=has("cprod,event,2,3\n"))
        A["cat-conn-ini"] = Action(
            "cat /connections/cprod/connection.ini", "read", op_read,
            (P("connections/cprod/connection.ini"),), "read",
            ("/connections/cprod/connection.ini",),
            check=has("sandbox = prod"))
        A["cat-records"] = Action(
            "cat /connections/cprod/datasets/ev/records", "read", op_read,
            (P("connections/cprod/datasets/ev/records"),), "read",
            ("/connections/cprod/datasets/ev/records",), check=has(",home\n"))
        A["mkdir-conn"] = mkdir_action(
            "connections", lambda s: s["conns"], "PA")
        A["w-cprod-ini"] = w(
            "connections/cprod/connection.ini",
            lambda col: sub("connections/cprod/connection.ini",
                            r"^description =.*$", "description = " +
                            desc(col)),
            lambda b, a, col: a["conns"]["cprod"]["ini"].get(
                "description") == desc(col))
        A["rmdir-conn"] = rmdir_action(
            "connections/spare", lambda s: s["conns"],
            [("PA", op_mkdir, (P("connections/spare"),)),
             ("PA", op_write, (P("connections/spare/connection.ini"),
                               "[connection]\nsandbox = prod\n"))])
        A["mkdir-dataset"] = mkdir_action(
            "connections/cprod/datasets",
            lambda s: s["conns"]["cprod"]["datasets"], "PA")
        A["w-ds-ini"] = w(
            "connections/cprod/datasets/ev/dataset.ini",
            lambda col: sub("connections/cprod/datasets/ev/dataset.ini",
                            r"^backfill = false$", "backfill = true"),
            lambda b, a, col: a["conns"]["cprod"]["datasets"]["ev"]["ini"]
            .get("backfill") == "true")
        A["rmdir-dataset"] = rmdir_action(
            "connections/cprod/datasets/spare",
            lambda s: s["conns"]["cprod"]["datasets"],
            [("PA", op_mkdir, (P("connections/cprod/datasets/spare"),))])

        def ingest(conn):
            rel = "connections/%s/datasets/ev/records" % conn
            ts = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                               time.gmtime(time.time() - 86400))
            return Action(
                "append a row to /" + rel, "change", op_append,
                lambda col: (P(rel), "q-%s,%s,matrix\n" % (col.lower(), ts)),
                "write", ("/" + rel,),
                effect=lambda b, a, col: "q-%s," % col.lower() in
                a["conns"][conn]["datasets"]["ev"]["records"],
                undo=lambda col: [("PA", op_append, (
                    P(rel), "delete person_id=q-%s\n" % col.lower()))],
                bit="w")
        A["ingest-cprod"] = ingest("cprod")
        A["w-cdev-ini"] = w(
            "connections/cdev/connection.ini",
            lambda col: sub("connections/cdev/connection.ini",
                            r"^description =.*$", "description = " +
                            desc(col)),
            lambda b, a, col: a["conns"]["cdev"]["ini"].get(
                "description") == desc(col))
        A["ingest-cdev"] = ingest("cdev")
        A["jo-on-cdev"] = w(
            "connections/cdev/connection.ini",
            lambda col: sub("connections/cdev/connection.ini",
                            r"^journey_optimizer = false$",
                            "journey_optimizer = true"),
            lambda b, a, col: a["conns"]["cdev"]["ini"].get(
                "journey_optimizer") == "true", bit=None)
        A["jo-on-cdev"].label = "journey_optimizer = true in " \
            "/connections/cdev/connection.ini"
        # data views
        A["ls-dataviews"] = Action(
            "ls /dataviews", "query", op_ls, (P("dataviews"),),
            check=listing(lambda col: views_of[col]))
        A["cat-v1-ini"] = Action(
            "cat /dataviews/v1/dataview.ini", "read", op_read,
            (P("dataviews/v1/dataview.ini"),), "read",
            ("/dataviews/v1/dataview.ini",), check=has("name = v1\n"))
        A["ls-v1-comps"] = Action(
            "ls /dataviews/v1/components", "query", op_ls,
            (P("dataviews/v1/components"),),
            check=listing(lambda col: ["n.ini", "page.ini", "spare.ini"]))
        A["cat-v1-comp"] = Action(
            "cat /dataviews/v1/components/page.ini", "read", op_read,
            (P("dataviews/v1/components/page.ini"),), "read",
            ("/dataviews/v1/components/page.ini",),
            check=has("field = page\n"))
        A["cat-v2-ini"] = Action(
            "cat /dataviews/v2/dataview.ini (auto_include only)", "read",
            op_read, (P("dataviews/v2/dataview.ini"),), "read",
            ("/dataviews/v2/dataview.ini",), check=has("name = v2\n"))
        A["mkdir-view"] = mkdir_action(
            "dataviews", lambda s: s["views"], "PA")
        A["rmdir-view"] = rmdir_action(
            "dataviews/spare", lambda s: s["views"],
            [("PA", op_mkdir, (P("dataviews/spare"),))])
        A["w-v1-ini"] = w(
            "dataviews/v1/dataview.ini",
            lambda col: sub("dataviews/v1/dataview.ini",
                            r"^description =.*$",
                            "description = " + desc(col)),
            lambda b, a, col: "description = %s\n" % desc(col) in
            a["views"]["v1"]["ini"])
        A["w-v1-connection"] = w(
            "dataviews/v1/dataview.ini",
            lambda col: sub("dataviews/v1/dataview.ini",
                            r"^connection = cprod$", "connection = cdev"),
            lambda b, a, col: "connection = cdev\n" in a["views"]["v1"]["ini"],
            bit=None)
        A["w-v1-connection"].label = "connection = cdev in " \
            "/dataviews/v1/dataview.ini"
        A["w-v1-comp"] = w(
            "dataviews/v1/components/page.ini",
            lambda col: "[component]\nfield = page\n[include_exclude]\n"
            "mode = exclude\nrules = equals:%s\n" % col.lower(),
            lambda b, a, col: "equals:%s" % col.lower() in
            a["views"]["v1"]["components"]["page.ini"])
        A["new-v1-comp"] = Action(
            "create /dataviews/v1/components/NEW.ini", "change", op_create,
            lambda col: (P("dataviews/v1/components/c-%s.ini" % col.lower()),
                         "[component]\nfield = page\n"), "create",
            ("/dataviews/v1/components/c-*.ini",),
            effect=lambda b, a, col: "c-%s.ini" % col.lower() in
            a["views"]["v1"]["components"],
            undo=lambda col: [("PA", op_unlink, (P(
                "dataviews/v1/components/c-%s.ini" % col.lower()),))],
            probe=P("dataviews/v1/components"), bit="w")
        A["rm-v1-comp"] = Action(
            "rm /dataviews/v1/components/spare.ini", "change", op_unlink,
            (P("dataviews/v1/components/spare.ini"),), "unlink",
            ("/dataviews/v1/components/spare.ini",),
            effect=lambda b, a, col: "spare.ini" not in
            a["views"]["v1"]["components"],
            undo=lambda col: [("PA", op_create, (
                P("dataviews/v1/components/spare.ini"),
                o["dataviews/v1/components/spare.ini"]))], bit=None)
        A["ls-v1-report"] = Action(
            "ls /dataviews/v1/report", "query", op_ls,
            (P("dataviews/v1/report"),),
            check=listing(lambda col: ["page.csv", "spare.csv"]))
        A["cat-v1-report"] = Action(
            "cat /dataviews/v1/report/page.csv", "read", op_read,
            (P("dataviews/v1/report/page.csv"),), "read",
            ("/dataviews/v1/report/page.csv",), check=has("cart,2\n"))
        A["cat-v1-rows"] = Action(
            "cat /dataviews/v1/rows.csv", "read", op_read,
            (P("dataviews/v1/rows.csv"),), "read", ("/dataviews/v1/rows.csv",),
            check=has("home,"))
        A["cat-v2-report"] = Action(
            "cat /dataviews/v2/report/page.csv", "read", op_read,
            (P("dataviews/v2/report/page.csv"),), "read",
            ("/dataviews/v2/report/page.csv",), check=has("cart"))
        A["cat-audit"] = Action(
            "cat /audit/log", "read", op_read, (P("audit/log"),), "read",
            ("/audit/log",), check=has("\tsys@example.com\twrite\t"))
        A["w-audit"] = Action(
            "write /audit/log", "change", op_append,
            (P("audit/log"), "forged\n"), "write", ("/audit/log",), bit="w")
        A["w-readme"] = Action(
            "open /README for writing", "change", op_append,
            (P("README"), "x\n"), "write", ("/README",), bit="w")
        # the Workspace
        seg1, seg2 = "workspace/segments/seg1", "workspace/segments/seg2"
        seg3 = "workspace/segments/seg3"
        segs_of = {"OWNER": ["seg1"], "SHARED": ["seg1", "seg2"],
                   "GROUP": ["seg1"]}
        admins = ("PA", "NOSRC", "DEVPA")
        A["ls-workspace"] = Action(
            "ls /workspace", "query", op_ls, (P("workspace"),),
            check=listing(lambda col: ["annotations", "audiences",
                                       "calculated-metrics", "date-ranges",
                                       "projects", "segments"]))
        A["ls-links"] = Action(
            "ls /links", "query", op_ls, (P("links"),),
            check=listing(lambda col: []))
        A["ls-segments"] = Action(
            "ls /workspace/segments", "query", op_ls, (P("workspace/segments"),),
            check=listing(lambda col: ["seg1", "seg2", "seg3"]
                          if col in admins else
                          segs_of.get(col, []) + ["seg3"]))
        A["cat-seg1-ini"] = Action(
            "cat /%s/segment.ini" % seg1, "read", op_read,
            (P(seg1 + "/segment.ini"),), "read", ("/" + seg1,),
            check=has("owner = owner@example.com\n"))
        A["cat-seg1-used"] = Action(
            "cat /%s/used_by" % seg1, "read", op_read,
            (P(seg1 + "/used_by"),), "read", ("/" + seg1,),
            check=lambda col, got: None if got == "" else "used_by %r" % got)
        A["cat-seg2-ini"] = Action(
            "cat /%s/segment.ini" % seg2, "read", op_read,
            (P(seg2 + "/segment.ini"),), "read", ("/" + seg2,),
            check=has("owner = shared@example.com\n"))
        A["cat-seg3-ini"] = Action(
            "cat /%s/segment.ini" % seg3, "read", op_read,
            (P(seg3 + "/segment.ini"),), "read", ("/" + seg3,),
            check=has("owner = pa@example.com\n"))

        def ws_w(key, rel, text, audit, obj, effect, bit="w"):
            A[key] = Action("write /" + rel, "change", op_write,
                            lambda col: (P(rel), text(col)), audit,
                            ("/" + obj,), effect=effect,
                            undo=put_back(rel), bit=bit)

        ws_w("w-seg1-ini", seg1 + "/segment.ini",
             lambda col: sub(seg1 + "/segment.ini", r"^description =.*$",
                             "description = " + desc(col)), "change", seg1,
             lambda b, a, col: "description = %s\n" % desc(col) in
             a["ws"]["segments"]["seg1"]["segment.ini"])
        # a login the configuration maps: shares name no other
        ws_w("w-seg1-shares", seg1 + "/shares",
             lambda col: o[seg1 + "/shares"] + "user:loner@example.com\n",
             "share", seg1,
             lambda b, a, col: "user:loner@example.com" in
             a["ws"]["segments"]["seg1"]["shares"])
        ws_w("w-seg1-all", seg1 + "/shares",
             lambda col: o[seg1 + "/shares"] + "all\n", "share", seg1,
             lambda b, a, col: "all\n" in
             a["ws"]["segments"]["seg1"]["shares"], bit=None)
        A["w-seg1-all"].label = "all in /%s/shares" % seg1
        ws_w("w-seg3-shares", seg3 + "/shares",
             lambda col: o[seg3 + "/shares"] + "user:loner@example.com\n",
             "share", seg3,
             lambda b, a, col: "user:loner@example.com" in
             a["ws"]["segments"]["seg3"]["shares"])
        ws_w("w-seg2-ini", seg2 + "/segment.ini",
             lambda col: sub(seg2 + "/segment.ini", r"^tags =.*$",
                             "tags = " + col.lower()), "change", seg2,
             lambda b, a, col: "tags = %s\n" % col.lower() in
             a["ws"]["segments"]["seg2"]["segment.ini"])
        A["rmdir-seg1"] = Action(
            "rmdir /" + seg1, "change", op_rmdir, (P(seg1),), "delete",
            ("/" + seg1,),
            effect=lambda b, a, col: "seg1" not in a["ws"]["segments"],
            undo=lambda col: [
                ("OWNER", op_mkdir, (P(seg1),)),
                ("PA", op_write, (P(seg1 + "/shares"), o[seg1 + "/shares"]))],
            bit=None)

        def ws_mkdir(key, coll):
            A[key] = Action(
                "mkdir /workspace/%s/NEW" % coll, "change", op_mkdir,
                lambda col: (P("workspace/%s/m-%s" % (coll, col.lower())),),
                "create", ("/workspace/%s/m-*" % coll,),
                effect=lambda b, a, col: "m-%s" % col.lower() in
                a["ws"][coll],
                undo=lambda col: [("PA", op_rmdir, (P(
                    "workspace/%s/m-%s" % (coll, col.lower())),))],
                probe=P("workspace/" + coll), bit="w")
        ws_mkdir("mkdir-seg", "segments")
        ws_mkdir("mkdir-audience", "audiences")
        ws_mkdir("mkdir-daterange", "date-ranges")
        ws_mkdir("mkdir-project", "projects")
        # panels
        pr1 = "workspace/projects/pr1"
        tini = pr1 + "/panels/t.ini"
        A["ls-panels"] = Action(
            "ls /%s/panels" % pr1, "query", op_ls, (P(pr1 + "/panels"),),
            check=listing(lambda col: ["t.csv", "t.ini"]))
        A["cat-panel-ini"] = Action(
            "cat /" + tini, "read", op_read, (P(tini),), "read",
            ("/" + tini,), check=has("dimension = page\n"))
        A["cat-panel-csv"] = Action(
            "cat /%s/panels/t.csv" % pr1, "read", op_read,
            (P(pr1 + "/panels/t.csv"),), "read",
            ("/%s/panels/t.csv" % pr1,),
            check=lambda col, got: None if got == "page,n\ncart,2\nhome,1\n"
            else "table %r" % got)
        A["w-panel-ini"] = Action(
            "write /" + tini, "change", op_write,
            lambda col: (P(tini), sub(tini, r"^title =.*$",
                                      "title = " + desc(col))), "write",
            ("/" + tini,),
            effect=lambda b, a, col: "title = %s\n" % desc(col) in
            a["ws"]["projects"]["pr1"]["panels/t.ini"],
            undo=put_back(tini), bit=None)
        A["new-panel"] = Action(
            "create /%s/panels/NEW.ini" % pr1, "change", op_create,
            lambda col: (P("%s/panels/m-%s.ini" % (pr1, col.lower())),
                         "[panel]\ndimension = page\nmetrics = n\n"),
            ("create", "write"), ("/%s/panels/m-*.ini" % pr1,),
            effect=lambda b, a, col: "panels/m-%s.ini" % col.lower() in
            a["ws"]["projects"]["pr1"],
            undo=lambda col: [("PA", op_unlink, (P(
                "%s/panels/m-%s.ini" % (pr1, col.lower())),))],
            probe=P(pr1 + "/panels"), bit=None)
        A["rm-panel"] = Action(
            "rm /" + tini, "change", op_unlink, (P(tini),), "unlink",
            ("/" + tini,),
            effect=lambda b, a, col: "panels/t.ini" not in
            a["ws"]["projects"]["pr1"],
            undo=lambda col: [("PA", op_create, (P(tini), o[tini]))],
            bit=None)
        # nothing to move: loner owns nothing
        A["w-transfer"] = Action(
            "write /admin/transfer", "change", op_write,
            (P("admin/transfer"), "loner@example.com tools@example.com\n"),
            "write", ("/admin/transfer",),
            effect=lambda b, a, col: True, undo=lambda col: [], bit="w")
        return A

    def audit_new(self):
        """The audit lines added since the last call, as tuples."""
        b = self.a("PA").call(audit_tail, self.d.mnt, self.audit_off)
        self.audit_off += len(b)
        return cjt.audit_lines(b.decode("utf-8", "replace"))

    # --- one cell ---

    def cell(self, key, act, col, want):
        rep = self.rep
        name = "%s as %s (%s)" % (act.label, col, key)
        self.ncells += 1
        self.probe(name, act, col, want)
        res, data = self.a(col).call(act.op, *act.args_for(col))
        got = "ok" if res == "OK" else cjt.bare(res)
        self.results[(key, col)] = got
        if not rep.eq("%s: answer (%s)" % (name, res), got, want):
            self.nmismatch += 1
        if got == "ok" and act.check and data is not None:
            prob = act.check(col, data)
            rep.ok(prob is None, "%s: what it reads" % name, prob or "")
        # the audit lines this attempt added, and the state
        new = self.audit_new()
        login = LOGIN[col] or "uid:%d" % UID[col]
        if act.kind == "change":
            after = self.a("PA").call(state, self.d.mnt)
            if got != "ok":
                rep.ok(after == self.state, "%s: changes nothing" % name,
                       cjt.state_diff(self.state, after))
        if got == "ok":
            if act.kind == "change":
                rep.ok(new and all(not isinstance(x, str) and
                                   x[0] == login and x[3] == "ok"
                                   for x in new),
                       "%s: its audit lines are the caller's, ok" % name,
                       "new lines %r" % (new,))
                if act.effect:
                    rep.ok(act.effect(self.state, after, col),
                           "%s: the change is there" % name,
                           cjt.state_diff(self.state, after))
                self.undo(name, act, col)
            else:
                rep.eq("%s: no audit line" % name, new, [])
            return
        if act.kind == "query" or got == "ENOENT" or not act.audit:
            rep.eq("%s: no audit line (a query, or a name it may not "
                   "know)" % name, new, [])
        else:
            ok = len(new) == 1 and not isinstance(new[0], str) and \
                new[0][0] == login and new[0][1] in (
                    act.audit if isinstance(act.audit, tuple)
                    else (act.audit,)) and \
                new[0][3] == ("rejected" if got == "EINVAL" else
                              "denied") and any(
                    re.fullmatch(re.escape(p).replace(r"\*", "[^/]*"),
                                 new[0][2]) for p in act.apath)
            desc = "%s: one audit line (%s, %s, %s, denied)" % (
                name, login, act.audit, " or ".join(act.apath))
            rep.ok(ok, desc, "got %r" % (new,))
        if act.kind == "change":
            self.state = after

    def probe(self, name, act, col, want):
        """SPEC section 2: the owner bits show what the caller may do, and
        access(2) answers as the operation itself would; a name it may
        not know is ENOENT for stat too."""
        path = act.probe_for(col)
        res, got = self.a(col).call(op_probe, path)
        rel = path[len(self.d.mnt):] or "/"
        if want == "ENOENT":
            self.rep.eq("%s: stat %s" % (name, rel), res, "ENOENT")
            return
        if not self.rep.eq("%s: stat %s" % (name, rel), res, "OK") or \
                act.bit is None:
            return
        r, w, ar, aw = got
        bit, acc = (r, ar) if act.bit == "r" else (w, aw)
        self.rep.eq("%s: mode bit %s and access(2) of %s" % (
            name, act.bit, rel), (bit, acc), (want == "ok", want == "ok"))

    def undo(self, name, act, col):
        for ucol, fn, args in (act.undo(col) if act.undo else []):
            res = self.a(ucol).call(fn, *args)[0]
            self.rep.eq("%s: undo %s %s" % (name, fn.__name__,
                                            args[0][len(self.d.mnt):]),
                        res, "OK")
        after = self.a("PA").call(state, self.d.mnt)
        self.rep.ok(_mask(after) == _mask(self.state),
                    "%s: the undo gives the state back" % name,
                    cjt.state_diff(_mask(self.state), _mask(after)))
        self.state = after
        self.audit_new()

    def rows(self, rows, A, prefix):
        out = []
        for key, want in rows:
            if not key.startswith(prefix) or \
                    (not prefix and ":" in key):
                continue
            act = A[key.split(":", 1)[-1]]
            for col in self.cols:
                self.cell(key, act, col, want[col])
            out.append((key, act, want))
        return out

    # --- explicit back-to-back checks of one path ---

    def cache(self):
        rep = self.rep
        P = self.p
        n = 0
        seq = ["TOOLS", "VIEW", "LONER", "SYS", "TOOLS", "LEAD", "VIEW",
               "TOOLS"]
        want_ls = {"TOOLS": ["spare", "v1", "v2"], "VIEW": ["v1"],
                   "LONER": [], "SYS": [], "LEAD": ["v1"]}
        for col in seq:
            res, got = self.a(col).call(op_ls, P("dataviews"))
            rep.eq("back to back: ls /dataviews as %s" % col,
                   (res, got), ("OK", want_ls[col]))
            n += 1
        rows_ok = None
        for col in ["TOOLS", "VIEW", "TOOLS", "GROUP", "PA", "SPLIT"]:
            res, got = self.a(col).call(op_read, P("dataviews/v1/rows.csv"))
            if col in ("TOOLS", "PA"):
                rep.ok(res == "OK" and "home" in got and
                       (rows_ok is None or got == rows_ok),
                       "back to back: cat rows.csv as %s reads the rows" %
                       col, "%s %r" % (res, got))
                rows_ok = got if res == "OK" else rows_ok
            else:
                rep.eq("back to back: cat rows.csv as %s" % col, res,
                       "EACCES")
            n += 1
        for col, want in [("SYS", 0o600), ("PA", 0o400), ("LEAD", 0o000),
                          ("SYS", 0o600), ("VIEW", 0o000), ("PA", 0o400)]:
            res, got = self.a(col).call(op_stat, P("admin/product-admins"))
            rep.eq("back to back: mode bits of /admin/product-admins as %s"
                   % col, (res, got and got[0]), ("OK", want))
            n += 1
        for col, want in [("PA", 0o600), ("LEAD", 0o600), ("VIEW", None),
                          ("NOSRC", 0o600), ("SYS", 0o400), ("LEAD", 0o600),
                          ("LONER", None)]:
            res, got = self.a(col).call(op_stat,
                                        P("admin/profiles/mkt/members"))
            rep.eq("back to back: mode bits of mkt/members as %s" % col,
                   (res, got and got[0]),
                   ("OK", want) if want is not None else ("ENOENT", None))
            n += 1
        want_ws = {"OWNER": ["seg1", "seg3"],
                   "SHARED": ["seg1", "seg2", "seg3"], "TOOLS": ["seg3"],
                   "PA": ["seg1", "seg2", "seg3"]}
        for col in ["OWNER", "TOOLS", "SHARED", "OWNER", "PA", "TOOLS",
                    "SHARED"]:
            res, got = self.a(col).call(op_ls, P("workspace/segments"))
            rep.eq("back to back: ls /workspace/segments as %s" % col,
                   (res, got), ("OK", want_ws[col]))
            n += 1
        for col, want in [("OWNER", 0o600), ("SHARED", 0o400),
                          ("TOOLS", None), ("PA", 0o600), ("SHARED", 0o400),
                          ("OWNER", 0o600)]:
            res, got = self.a(col).call(
                op_stat, P("workspace/segments/seg1/segment.ini"))
            rep.eq("back to back: mode bits of seg1/segment.ini as %s" % col,
                   (res, got and got[0]),
                   ("OK", want) if want is not None else ("ENOENT", None))
            n += 1
        for col in ["PA", "VIEW", "TOOLS", "UNMAP", "PA", "ROOT", "LONER"]:
            res, got = self.a(col).call(op_read_sized, P("whoami"))
            ok = res == "OK" and got[0] == len(got[1].encode()) and (
                ("login = %s\n" % LOGIN[col]) in got[1] if LOGIN[col] else
                "mapped = false" in got[1])
            rep.ok(ok, "back to back: /whoami as %s is its own, st_size "
                   "its length" % col, "%s %r" % (res, got))
            n += 1
        return n

    # --- the table on stderr ---

    def show(self, title, rows):
        w = max(len(a.label) for _, a, _ in rows) + 2
        w = min(w, 58)
        out = ["", title, " " * w + " ".join("%-6s" % c for c in self.cols)]
        short = {"ok": "ok", "EACCES": "A", "ENOENT": "N", "EPERM": "P"}
        for key, act, want in rows:
            cells = []
            for col in self.cols:
                g = self.results.get((key, col))
                e = short.get(want[col], want[col])
                if g == want[col]:
                    cells.append("%-6s" % e)
                else:
                    cells.append("%-6s" % (e + "!" + short.get(g, str(g))))
            label = act.label if len(act.label) <= w - 2 else \
                "..." + act.label[-(w - 5):]
            out.append("%-*s" % (w, label) + " ".join(cells))
        print("\n".join(out), file=sys.stderr)

    def run(self):
        t0 = time.monotonic()
        self.setup()
        A = self.actions()
        rows = parse_matrix(MATRIX)
        for key, _ in rows:
            if key.split(":", 1)[-1] not in A:
                raise RuntimeError("matrix row %s has no action" % key)
        t1 = time.monotonic()
        main = self.rows(rows, A, "")
        # a journey_optimizer connection, then none again
        res = self.a("PA").call(op_mkdir, self.p("connections/cjo"))[0]
        res2 = self.a("PA").call(op_write, self.p(
            "connections/cjo/connection.ini"),
            "[connection]\nsandbox = prod\njourney_optimizer = true\n")[0]
        self.rep.eq("a journey_optimizer connection is made", (res, res2),
                    ("OK", "OK"))
        self.state = self.a("PA").call(state, self.d.mnt)
        self.audit_new()
        jo = self.rows(rows, A, "jo:")
        res = self.a("PA").call(op_rmdir, self.p("connections/cjo"))[0]
        self.rep.eq("the journey_optimizer connection is removed", res, "OK")
        self.state = self.a("PA").call(state, self.d.mnt)
        self.audit_new()
        after = self.rows(rows, A, "post:")
        ncache = self.cache()
        t2 = time.monotonic()
        nact = len(main) + len(jo) + len(after)
        if self.args.verbose:
            self.show("SPEC section 6 on a mount: ok allowed, A EACCES, "
                      "N ENOENT; want!got where they differ", main)
            self.show("while a journey_optimizer connection exists", jo)
            self.show("after it is gone", after)
            print("", file=sys.stderr)
            for c, uid, groups, login, what in ROLES:
                if c in self.cols:
                    print("%-6s uid %-5d %s" % (c, uid, what), file=sys.stderr)
        for ag in self.agents.values():
            ag.close()
        self.agents = {}
        self.rep.eq("daemon exits 0 after unmount", self.d.unmount(), 0)
        ok, out = cjt.tdbtool_check(self.d.store)
        self.rep.ok(ok, "tdbtool check after the run", out)
        self.rep.figure(
            "%d roles x %d actions (%d, then %d again with a "
            "journey_optimizer connection and %d after it) = %d cells, %d "
            "of them not as the table says; "
            "%d back-to-back checks; %.1fs (setup %.1fs)" %
            (len(self.cols), nact, len(main), len(jo), len(after),
             self.ncells,
             self.nmismatch, ncache, t2 - t0, t1 - t0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cjafs", default="build/cjafs")
    ap.add_argument("--dir")
    ap.add_argument("--result")
    ap.add_argument("--roles", help="the columns to run (default: all: "
                    "%s)" % " ".join(COLS))
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    bad = [c for c in (args.roles or "").split() if c not in COLS]
    if bad:
        ap.error("unknown roles %s (roles: %s)" % (" ".join(bad),
                                                    " ".join(COLS)))
    own_dir = not args.dir
    if own_dir:
        args.dir = tempfile.mkdtemp(prefix="cjafs-matrix.")
    rep = cjt.Report("matrix")
    m = Matrix(args, rep)
    try:
        m.run()
    except Exception:
        import traceback
        rep.fail("driver error", traceback.format_exc())
        rep.fail("daemon log", m.d.log_tail())
    finally:
        for ag in m.agents.values():
            try:
                ag.close()
            except Exception:
                pass
        m.d.stop()
        if hasattr(m.d, "check_log"):
            m.d.check_log(rep)
    if own_dir and rep.failed == 0:
        import shutil
        shutil.rmtree(args.dir, ignore_errors=True)
    elif own_dir:
        print("kept %s" % args.dir, file=sys.stderr)
    return rep.finish(args.result)


if __name__ == "__main__":
    sys.exit(main())
