#!/usr/bin/env python3
"""hostile.py - hostile input, each case a regression test (issue 7,
part 3).

    hostile.py --cjafs build/cjafs

Every case makes one attempt as a mapped user and checks its answer
(errno), the newest /errors line of that user, the audit lines it added
(exactly one "rejected" or "denied" line, or none), and that the state a
product admin reads (connections, datasets and their rows, the Admin
Console, data views and components) is what it was.  The snapshot taken
after a case is the one the next case starts from, so the daemon answers
throughout; a batch of 100 hostile writes must not grow its resident set
without bound; bad configuration files stop the daemon with exit status 2
and "cjafs: FILE:LINE: message"; the store checks clean at the end.

Names with "/" or NUL cannot reach the daemon (the kernel splits at "/",
C strings end at NUL): the cases show what the kernel makes of them.
Creating a file under a name that is no attribute makes a scratch file
(SPEC section 2), whatever the bytes: those cases check that it changes
nothing and leaves no audit line.
"""
import argparse
import ctypes
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cjt  # noqa: E402
from cjt import PA, PA2, SYS, VIEWER, LOGIN  # noqa: E402

CAP = 1024 * 1024
libc = ctypes.CDLL(None, use_errno=True)


# A fault a line shows by itself is refused at write(2) when the file is
# written from its start (SPEC §5), else at close.
LINE_FAULT = "^EINVAL@(write|close)$"


# --- calls made inside the agents (module level: they are pickled) ---

def write_like_cat(path, data, flags=os.O_WRONLY | os.O_CREAT | os.O_TRUNC):
    """What cat does: write until everything is written or a write
    fails, then close.  Returns the first failure ("EFBIG@write") or
    "OK"; a failing close after a failed write is appended."""
    fd = os.open(path, flags, 0o644)
    off = 0
    res = "OK"
    try:
        while off < len(data):
            off += os.write(fd, data[off:off + 4 * CAP])
    except OSError as e:
        res = cjt.errname(e) + "@write"
    try:
        os.close(fd)
    except OSError as e:
        res = (res + "," if res != "OK" else "") + cjt.errname(e) + "@close"
    return res


def pwrite_beyond(path, off):
    """open(O_TRUNC), one pwrite at off, close."""
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    try:
        os.pwrite(fd, b"x" * 10, off)
        res = "OK"
    except OSError as e:
        res = cjt.errname(e) + "@write"
    try:
        os.close(fd)
    except OSError as e:
        res += "," + cjt.errname(e) + "@close"
    return res


def create_scratch(path, data=b"scratch\n"):
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, data)
        os.close(fd)
        return "OK"
    except OSError as e:
        return cjt.errname(e)


def create_and_drop(path):
    """Create a scratch file, check that its creator sees it, remove it."""
    res = create_scratch(path)
    if res != "OK":
        return res
    d, n = os.path.split(path)
    if n not in os.listdir(d):
        return "not listed"
    os.unlink(path)
    return "OK"


def rename(a, b):
    try:
        os.rename(a, b)
        return "OK"
    except OSError as e:
        return cjt.errname(e)


def rename_away_and_back(a, b):
    """Rename an attribute away (a scratch copy) and the copy back."""
    r = rename(a, b)
    if r != "OK":
        return r
    if not os.path.exists(a):
        return "attribute gone"
    r = rename(b, a)
    return r


def scratch_onto(scratch, target, data):
    r = create_scratch(scratch, data)
    if r != "OK":
        return "create " + r
    r = rename(scratch, target)
    if r != "OK":
        try:
            os.unlink(scratch)
        except OSError:
            pass
    return r


def libc_mkdir(path):
    if libc.mkdir(path, 0o755) == 0:
        return "OK"
    return cjt.errno.errorcode.get(ctypes.get_errno(), "?")


def newest_error(mnt):
    text = cjt.read_text(os.path.join(mnt, "errors"))
    return text.split("\n", 1)[0]


def all_errors(mnt):
    return cjt.read_text(os.path.join(mnt, "errors")).split("\n")[:-1]


def errors_added(before, after):
    """The lines /errors (newest first, the last 64 kept) gained."""
    for k in range(len(after) + 1):
        rest = after[k:]
        if rest == before[:len(rest)]:
            return after[:k]
    return after


def snapshot(mnt):
    obs = cjt.observe_tree(mnt)
    j = os.path.join
    ws = j(mnt, "workspace")
    obs["workspace"] = {
        k: {n: {f: cjt.read_text(j(ws, k, n, f))
                for f in sorted(os.listdir(j(ws, k, n)))}
            for n in sorted(os.listdir(j(ws, k)))}
        for k in sorted(os.listdir(ws))}
    return obs


def timed_read(path):
    t = time.monotonic()
    with open(path, "rb") as f:
        f.read()
    return time.monotonic() - t


def answers(mnt):
    return len(cjt.read_text(os.path.join(mnt, "whoami"))) > 0


# --- the driver ---

class Hostile:
    def __init__(self, args, rep):
        self.args = args
        self.rep = rep
        self.d = cjt.Daemon(args.cjafs, args.dir, os.environ.get(
            "CJAFS_WRAP"))
        self.agents = {}
        self.ncases = 0

    def a(self, uid):
        if uid not in self.agents:
            self.agents[uid] = cjt.Agent(uid)
        return self.agents[uid]

    def p(self, *parts):
        return os.path.join(self.d.mnt, *parts)

    def setup(self):
        d = self.d
        d.write_config()
        d.init()
        d.mount()
        w = cjt.sys_write
        steps = [
            (SYS, w, self.p("admin/product-admins"),
             "pa@example.com\npa2@example.com\n"),
            (SYS, w, self.p("admin/sandboxes"), "prod\ndev\n"),
            (SYS, cjt.sys_mkdir, self.p("admin/platform/full")),
            (SYS, w, self.p("admin/platform/full/platform.ini"),
             "[platform]\nsandboxes = prod\npermissions = %s\n" % cjt.PERMS),
            (SYS, w, self.p("admin/platform/full/members"),
             "pa@example.com\n"),
            (SYS, cjt.sys_mkdir, self.p("admin/platform/f1")),
            (SYS, w, self.p("admin/platform/f1/members"), "t@example.com\n"),
            (PA, cjt.sys_mkdir, self.p("connections/c1")),
            (PA, cjt.sys_mkdir, self.p("connections/c1/datasets/ev")),
            (PA, w, self.p("connections/c1/datasets/ev/dataset.ini"),
             "[dataset]\nperson_id = pid\ntimestamp = ts\n"
             "fields = pid, ts, v\n"),
            (PA, cjt.sys_append, self.p("connections/c1/datasets/ev/records"),
             "".join("p%d,2026-01-%02dT10:00:00Z,v%d\n" % (i % 5, 1 + i % 28,
                                                          i)
                     for i in range(60))),
            (PA, cjt.sys_mkdir, self.p("connections/c1/datasets/nofields")),
            (PA, cjt.sys_mkdir, self.p("connections/c1/datasets/wide")),
            # throwaway objects for the writes past the cap
            (PA, cjt.sys_mkdir, self.p("connections/big")),
            (PA, cjt.sys_mkdir, self.p("connections/nearcap")),
            (PA2, cjt.sys_mkdir, self.p("admin/profiles/pbig")),
            (PA2, w, self.p("admin/profiles/pbig/profile.ini"),
             "[data_views]\nviews = keep\n"),
            (PA2, w, self.p("admin/profiles/pbig/members"),
             "viewer@example.com\n"),
            (PA2, cjt.sys_mkdir, self.p("admin/profiles/p1")),
            (PA2, w, self.p("admin/profiles/p1/profile.ini"),
             "[data_views]\nviews = keep, dv\n"),
            (PA2, w, self.p("admin/profiles/p1/members"),
             "viewer@example.com\n"),
            (PA, cjt.sys_mkdir, self.p("dataviews/dv")),
            (PA, w, self.p("dataviews/dv/dataview.ini"),
             "[dataview]\nconnection = c1\nfilter = pid = p1\n"),
            (PA, w, self.p("dataviews/dv/components/pid.ini"),
             "[component]\nfield = pid\n",
             os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
            (PA, w, self.p("dataviews/dv/components/n.ini"),
             "[component]\nkind = metric\nfield = occurrences\n",
             os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
            # Workspace objects (SPEC section 7), a product admin's
            (PA2, cjt.sys_mkdir, self.p("workspace/segments/hs")),
            (PA2, cjt.sys_mkdir, self.p("workspace/calculated-metrics/hm")),
            (PA2, cjt.sys_mkdir, self.p("workspace/date-ranges/hd")),
        ]
        for who, fn, *args in steps:
            res = self.a(who).call(fn, *args)
            if res != "OK":
                raise RuntimeError("setup: %s %s: %s" % (fn.__name__, args[0],
                                                         res))
        self.cur = self.snap()

    def snap(self):
        obs = self.a(PA).call(snapshot, self.d.mnt)
        audit = cjt.audit_lines(obs.pop("audit"))
        return obs, audit

    def case(self, desc, uid, fn, args, want, errors=None, audit=None,
             mask=None, expect_change=None):
        """One attempt.  want: the answer (a string, or a regex when it
        starts with ^); errors: a substring of the newest /errors line of
        uid, or None for no new line; audit: (action, path, result,
        detail-regex or None), or None for no line; mask(state) drops
        what the case may change, expect_change(before, after) checks it.
        """
        rep = self.rep
        self.ncases += 1
        before, audit0 = self.cur
        if errors is not None:
            old_err = self.a(uid).call(all_errors, self.d.mnt)
        try:
            res = self.a(uid).call(fn, *args)
        except RuntimeError as e:
            res = "agent error: %s" % e
        if want.startswith("^"):
            rep.ok(re.match(want, res or ""), "%s: answer" % desc,
                   "got %r, want /%s/" % (res, want))
        else:
            rep.eq("%s: answer" % desc, res, want)
        try:
            after, audit1 = self.snap()
        except RuntimeError as e:
            rep.fail("%s: the daemon no longer answers" % desc, str(e)[-2000:])
            raise
        self.cur = (after, audit1)
        b, a = before, after
        if mask:
            b, a = mask(_copy(before)), mask(_copy(after))
        if not rep.ok(a == b, "%s: changes nothing" % desc,
                      cjt.state_diff(b, a)):
            pass
        if expect_change:
            expect_change(before, after)
        new = audit1[len(audit0):]
        if audit is None:
            rep.eq("%s: no audit line" % desc, new, [])
        else:
            want_t = (LOGIN[uid],) + tuple(audit[:3])
            ok = len(new) == 1 and not isinstance(new[0], str) and \
                tuple(new[0][:4]) == want_t and \
                (audit[3] is None or re.search(audit[3], new[0][4]))
            rep.ok(ok, "%s: one audit line %r" % (desc, want_t + audit[3:]),
                   "got %r" % (new,))
        if errors is not None:
            added = errors_added(old_err, self.a(uid).call(all_errors,
                                                           self.d.mnt))
            rep.ok(len(added) == 1 and errors in added[0],
                   "%s: one /errors line saying %r" % (desc, errors),
                   "new lines %r" % added)
        return res

    # --- names ---
    def names(self):
        mnt = os.fsencode(self.d.mnt)
        dirs = [(PA, b"/connections"), (PA2, b"/admin/profiles"),
                (PA, b"/connections/c1/datasets")]
        bad = [(b"a\x01b", "EINVAL"), (b"a\nb", "EINVAL"),
               (b"tab\there", "EINVAL"), (b"\x7f", "EINVAL"),
               (b"esc\x1b[31m", "EINVAL"), (b"a" * 129, "EINVAL"),
               (b"b" * 255, "EINVAL"), (b"c" * 256, "ENAMETOOLONG"),
               (b"\xff\xfe", "EINVAL"), (b"caf\xc3", "EINVAL"),
               (b"\xc0\xaf", "EINVAL"), (b".hidden", "EINVAL"),
               (b"sp ace", "EINVAL"), (b"..", "EEXIST"), (b".", "EEXIST"),
               (b"no/such", "ENOENT"), (b"semi;colon", "EINVAL"),
               (b"%s", "EINVAL"), (b"a=b", "EINVAL")]
        for uid, d in dirs + [(SYS, b"/admin/platform"), (PA, b"/dataviews")]:
            for n, err in (bad if (uid, d) in dirs else bad[:6]):
                self.case("mkdir %r in %s" % (n[:20], d.decode()), uid,
                          cjt.sys_mkdir, (mnt + d + b"/" + n,), err)
        self.case("mkdir usage in /connections", PA, cjt.sys_mkdir,
                  (mnt + b"/connections/usage",), "EEXIST")
        # NUL ends the name in the kernel: the daemon sees "nul" only
        self.case("mkdir 'nul\\0junk' through libc makes 'nul'", PA2,
                  libc_mkdir, (mnt + b"/admin/profiles/nul\0junk",), "OK",
                  audit=("mkdir", "/admin/profiles/nul", "ok", None),
                  mask=lambda s: _drop(s, "profiles", "nul"))
        self.case("rmdir it again", PA2, cjt.sys_rmdir,
                  (mnt + b"/admin/profiles/nul",), "OK",
                  audit=("rmdir", "/admin/profiles/nul", "ok", None),
                  mask=lambda s: _drop(s, "profiles", "nul"))
        # create: names that are no attribute are scratch files
        for uid, d in [(PA, b"/connections/c1"),
                       (PA, b"/connections/c1/datasets/ev"),
                       (PA2, b"/admin/profiles/p1"), (PA, b"/dataviews/dv")]:
            for n in [b"a\x01b", b"a\nb", b"\xff\xfe", b"x" * 255]:
                self.case("create %r in %s (a scratch file)" % (n[:20],
                                                                d.decode()),
                          uid, create_and_drop, (mnt + d + b"/" + n,), "OK")
        for n, err in [(b"c" * 256, "ENAMETOOLONG"), (b"..", "EEXIST"),
                       (b"no/such", "ENOENT")]:
            self.case("create %r" % n[:20], PA, create_scratch,
                      (mnt + b"/connections/c1/" + n,), err)
        # rename: objects keep to valid names; attributes renamed away stay
        for n, err in [(b"a\x01b", "EPERM"), (b"\xff", "EPERM"),
                       (b"d" * 129, "EPERM"), (b".hid", "EPERM"),
                       (b"e" * 256, "ENAMETOOLONG")]:
            self.case("rename data view to %r" % n[:20], PA, rename,
                      (mnt + b"/dataviews/dv", mnt + b"/dataviews/" + n), err)
        for n in [b"a\x01b", b"\xff.ini", b"f" * 200 + b".ini"]:
            self.case("rename connection.ini away to %r and back" % n[:20],
                      PA, rename_away_and_back,
                      (mnt + b"/connections/c1/connection.ini",
                       mnt + b"/connections/c1/" + n), "OK")
        self.case("rename a connection", PA, rename,
                  (mnt + b"/connections/c1", mnt + b"/connections/c\x01"),
                  "EPERM")
        self.case("rename a scratch file with a hostile name and hostile "
                  "bytes onto connection.ini", PA, scratch_onto,
                  (mnt + b"/connections/c1/\xfe\x01",
                   mnt + b"/connections/c1/connection.ini",
                   b"[connection]\n\x00\x01binary"), "EINVAL",
                  errors="binary data",
                  audit=("write", "/connections/c1/connection.ini",
                         "rejected", None))

    # --- .ini and line-list files ---
    def ini(self):
        rng = random.Random(7)
        C = ("/connections/c1/connection.ini", PA, "connection",
             "description")
        P = ("/admin/profiles/p1/profile.ini", PA2, "data_views", "views")
        F = ("/admin/platform/f1/platform.ini", SYS, "platform", "sandboxes")
        V = ("/dataviews/dv/dataview.ini", PA, "dataview", "description")
        K = ("/dataviews/dv/components/pid.ini", PA, "component", "field")
        D = ("/connections/c1/datasets/ev/dataset.ini", PA, "dataset",
             "platform_dataset_id")
        binary = bytes(rng.randrange(256) for _ in range(4096))
        for path, uid, sec, key in (C, P, F, V, K, D):
            s, k = sec.encode(), key.encode()
            cases = [
                ("binary", binary, path + ":"),
                ("NUL byte", b"[%s]\n%s = a\0b\n" % (s, k), "NUL byte"),
                ("NUL bytes only", b"\0" * 64, "NUL byte"),
                ("duplicate key", b"[%s]\n%s = a\n%s = b\n" % (s, k, k),
                 "duplicate key '%s'" % key),
                ("duplicate section", b"[%s]\n%s = a\n[%s]\n" % (s, k, s),
                 "duplicate section [%s]" % sec),
                ("unknown key", b"[%s]\nbogus_key = 1\n" % s,
                 "unknown key 'bogus_key'"),
                ("unknown section", b"[%s]\n[bogus]\nx = 1\n" % s,
                 "unknown section [bogus]"),
                ("value with a newline", b"[%s]\n%s = one\ntwo\n" % (s, k),
                 ":3: expected 'key = value' or '[section]'"),
                ("value with CR", b"[%s]\n%s = a\rb\n" % (s, k),
                 "control character 0x0d"),
                ("value with ESC", b"[%s]\n%s = a\x1b[2Jb\n" % (s, k),
                 "control character 0x1b"),
                ("key outside a section", b"%s = a\n" % k,
                 "key outside any section"),
                ("key: value", b"[%s]\n%s: a\n" % (s, k),
                 "expected 'key = value'"),
                ("[section] junk", b"[%s] junk\n" % s,
                 "expected 'key = value'"),
                ("unterminated section", b"[%s\n" % s,
                 "expected 'key = value'"),
                ("empty section name", b"[]\n", "unknown section []"),
                ("BOM inside", b"[%s]\n\xef\xbb\xbf%s = a\n" % (s, k),
                 "unknown key"),
                ("empty key", b"[%s]\n= a\n" % s, "unknown key ''"),
            ]
            if path in (F[0], D[0]):
                cases = cases[:5]   # the same parser: a few will do
            for name, data, msg in cases:
                self.case("%s: %s" % (path, name), uid, cjt.sys_write,
                          (self.p(path[1:]), data), LINE_FAULT,
                          errors=msg, audit=("write", path, "rejected", None))
        # read-only keys given differently are ignored (t_writes.sh)
        # line lists
        L = [("/admin/profiles/p1/members", PA2),
             ("/admin/sandboxes", SYS), ("/admin/product-admins", SYS),
             ("/admin/platform/f1/members", SYS)]
        for path, uid in L:
            for name, data, msg in [
                    ("binary", binary, path + ":"),
                    ("NUL byte", b"a@example.com\0b\n", "NUL byte"),
                    ("control byte", b"a\x01b@example.com\n", "0x01"),
                    ("blank inside", b"a b\n", path),
                    ("300-byte entry", b"u" * 300 + b"\n", path)]:
                self.case("%s: %s" % (path, name), uid, cjt.sys_write,
                          (self.p(path[1:]), data), LINE_FAULT,
                          errors=msg, audit=("write", path, "rejected",
                                             None))
        self.case("product-admins: a group", SYS, cjt.sys_write,
                  (self.p("admin/product-admins"), "group:Analysts\n"),
                  LINE_FAULT, errors="only logins",
                  audit=("write", "/admin/product-admins", "rejected", None))

    # --- Workspace files: shares, /admin/transfer, definitions ---
    def workspace(self):
        rng = random.Random(18)
        binary = bytes(rng.randrange(256) for _ in range(4096))
        S = "/workspace/segments/hs"
        for name, data, msg in [
                ("binary", binary, S + "/shares:"),
                ("NUL byte", b"user:a@example.com\0b\n", "NUL byte"),
                ("control byte", b"user:a\x01b@example.com\n", "0x01"),
                ("no kind", b"a@example.com\n", "a share is user:LOGIN"),
                ("blank in a login", b"user:a b\n", "blank"),
                ("a group as a user", b"user:group:Analysts\n",
                 "only logins"),
                ("300-byte login", b"user:" + b"u" * 300 + b"\n",
                 "longer than 256"),
                ("200-byte group", b"group:" + b"g" * 200 + b"\n",
                 "1-128 bytes"),
                ("comma in a group", b"group:a,b\n", "','"),
                ("ALL", b"ALL\n", "a share is user:LOGIN"),
                ("user: alone", b"user:\n", "a share is user:LOGIN"),
                ("ESC", b"all\x1b[2J\n", "0x1b")]:
            self.case("%s/shares: %s" % (S, name), PA2, cjt.sys_write,
                      (self.p(S[1:], "shares"), data), LINE_FAULT,
                      errors=msg, audit=("share", S, "rejected", None))
        for name, data, msg in [
                ("one login", b"a@example.com\n", "FROM TO"),
                ("the same login twice", b"a@example.com a@example.com\n",
                 "two different logins"),
                ("three logins", b"a@example.com b@example.com c@x\n",
                 "blank"),
                ("NUL", b"a@example.com\0 b@example.com\n", "NUL byte"),
                ("binary", binary, "/admin/transfer:")]:
            self.case("/admin/transfer: %s" % name, PA2, cjt.sys_write,
                      (self.p("admin/transfer"), data), LINE_FAULT,
                      errors=msg, audit=("write", "/admin/transfer",
                                         "rejected", None))
        for path, data, msg in [
                (S + "/segment.ini", b"[segment]\nrule = ((a = 1)\n",
                 "rule:"),
                (S + "/segment.ini", b"[segment]\nrule = " + b"(" * 5000 +
                 b"a = 1" + b")" * 5000 + b"\n", "rule:"),
                (S + "/segment.ini", b"[segment]\ncontainer = all\n",
                 "container"),
                (S + "/segment.ini", binary, S + "/segment.ini:"),
                ("/workspace/calculated-metrics/hm/metric.ini",
                 b"[metric]\nformula = a $ b\n", "formula:"),
                ("/workspace/calculated-metrics/hm/metric.ini",
                 b"[metric]\nformula = " + b"(" * 100000 + b"\n",
                 "formula:"),
                ("/workspace/calculated-metrics/hm/metric.ini",
                 b"[metric]\nprecision = 99999999999999999999\n",
                 "precision"),
                ("/workspace/date-ranges/hd/daterange.ini",
                 b"[date_range]\nstart = today+9999999d\n", "start:"),
                ("/workspace/date-ranges/hd/daterange.ini",
                 b"[date_range]\nend = 2026-13-01\n", "end:"),
                ("/workspace/date-ranges/hd/daterange.ini",
                 b"[date_range]\nend = 2026-02-29\n", "end:")]:
            obj = path.rsplit("/", 1)[0]
            self.case("%s: %r" % (path, data[:40]), PA2, cjt.sys_write,
                      (self.p(path[1:]), data), LINE_FAULT, errors=msg,
                      audit=("change", obj, "rejected", None))

    def huge(self):
        """Writes past the cap (1 MiB): refused whole, EFBIG."""
        big_ini = b"[data_views]\nviews = " + b"v" * (CAP + 10) + b"\n"
        big_members = b"".join(b"user%06d@example.com\n" % i
                               for i in range(60000))
        big_conn = b"[connection]\nsandbox = prod\ndescription = " + \
            b"d" * (CAP + 100) + b"\n"
        for path, uid, data in [
                ("/admin/profiles/pbig/profile.ini", PA2, big_ini),
                ("/admin/profiles/pbig/members", PA2, big_members),
                ("/connections/big/connection.ini", PA, big_conn)]:
            self.case("%s: cat of %d bytes (over the 1 MiB cap)" %
                      (path, len(data)), uid, write_like_cat,
                      (self.p(path[1:]), data), "^EFBIG",
                      errors="more than", audit=("write", path, "rejected",
                                                 None))
        self.case("profile.ini: O_TRUNC, then a write past the cap",
                  PA2, pwrite_beyond,
                  (self.p("admin/profiles/pbig/profile.ini"), 2 * CAP),
                  "^EFBIG", errors="more than",
                  audit=("write", "/admin/profiles/pbig/profile.ini",
                         "rejected", None))
        self.case("a 2 MiB scratch file renamed onto connection.ini", PA,
                  scratch_onto, (self.p("connections/big/big.tmp"),
                                 self.p("connections/big/connection.ini"),
                                 big_conn), "EFBIG", errors="more than",
                  audit=("write", "/connections/big/connection.ini",
                         "rejected", None))
        # a write under the cap whose canonical form (name, owner,
        # created and the defaults added) is over it
        path = self.p("connections/nearcap/connection.ini")
        near = "[connection]\nsandbox = prod\ndescription = %s\n" % (
            "d" * (CAP - 60))
        first = self.a(PA).call(cjt.sys_write, path, near)
        self.rep.ok(first in ("OK", "EFBIG@close", "EINVAL@close"),
                    "a connection.ini of %d bytes: accepted or refused" %
                    len(near), first)
        res = self.a(PA).call(cjt.sys_write, path, "[connection]\n"
                              "sandbox = prod\ndescription = small\n")
        self.rep.eq("a connection.ini accepted at %d bytes can be written "
                    "again" % len(near), res, "OK")
        res = self.a(PA).call(cjt.sys_mkdir, self.p("dataviews/onnear"))
        if res == "OK":
            res = self.a(PA).call(cjt.sys_write,
                                  self.p("dataviews/onnear/dataview.ini"),
                                  "[dataview]\nconnection = nearcap\n")
            self.rep.ok(res != "EFBIG@close", "a data view on that "
                        "connection is not refused with EFBIG", res)
            self.a(PA).call(cjt.sys_rmdir, self.p("dataviews/onnear"))
        self.cur = self.snap()

    def wide(self):
        """A dataset.ini listing more fields than a row may have
        (ROWS_FIELDS_MAX, 1024): refused, and answered at once."""
        path = "/connections/c1/datasets/wide/dataset.ini"
        n = 25000
        text = "[dataset]\ntype = lookup\nkey = f0\nmatching_key = f0\n" \
            "fields = %s\n" % ", ".join("f%d" % i for i in range(n))
        t = time.monotonic()
        self.case("dataset.ini with %d fields (%d bytes)" % (n, len(text)),
                  PA, cjt.sys_write, (self.p(path[1:]), text),
                  "EINVAL@close", errors="fields",
                  audit=("write", path, "rejected", None))
        took = time.monotonic() - t
        self.rep.figure("a dataset.ini of %d fields was answered in %.1fs" %
                        (n, took))
        self.rep.ok(took < 3, "a dataset.ini of %d fields is answered at "
                    "once" % n, "%.1fs" % took)

    # --- CSV ---
    def csv(self):
        R = "/connections/c1/datasets/ev/records"
        rp = self.p(R[1:])

        def counters_only(s):
            s["conns"]["c1"]["status"] = {}
            s["conns"]["c1"]["datasets"]["ev"]["status"] = {}
            return s

        def skipped(reason, n):
            def check(before, after):
                b = before["conns"]["c1"]["datasets"]["ev"]["status"]
                a = after["conns"]["c1"]["datasets"]["ev"]["status"]
                k = "skipped_" + reason
                self.rep.eq("skipped_%s grows by %d" % (reason, n),
                            int(a[k]) - int(b[k]), n)
                self.rep.eq("rows stay", a["rows"], b["rows"])
            return check

        rng = random.Random(9)
        cases = [
            ("unbalanced quote, ended by the close",
             [b'p1,2026-01-01,"abc,def\n'], "close", "bad_csv", 1),
            ("unbalanced quote swallowing the next row",
             [b'p1,2026-01-01,"abc\np2,2026-01-01,x\n'], "close", "bad_csv",
             1),
            ("quote inside an unquoted field",
             [b'p1,2026-01-01,ab"c\n'], "write", "bad_csv", 1),
            ("100,000 columns", [b",".join([b"c"] * 100000) + b"\n"],
             "write", "wrong_field_count", 1),
            ("a 10 MiB line", [b"p1,2026-01-01," + b"z" * CAP] * 10 +
             [b"\n"], "write", "bad_csv", 1),
            ("100,000 quotes", [b'"' * 100000 + b"\n"], "write",
             "wrong_field_count", 1),
            ("bare CRs", [b"p1,2026-01-01,x\rp2,2026-01-01,y\r"], "close",
             "wrong_field_count", 1),
        ]
        for name, chunks, action, reason, n in cases:
            self.case("records: " + name, PA, cjt.sys_append,
                      (rp, b"", chunks), "OK",
                      audit=(action, R, "ok",
                             r"^0 rows ingested, %d skipped \(%s %d\)$" %
                             (n, reason, n)),
                      mask=counters_only,
                      expect_change=skipped(reason, n))
        # binary: whatever it is counted as, no row gets in
        data = bytes(rng.randrange(256) for _ in range(65536))
        before = self.cur[0]
        self.a(PA).call(cjt.sys_append, rp, data)
        self.cur = self.snap()
        self.rep.eq("records: 64 KiB of binary adds no row",
                    self.cur[0]["conns"]["c1"]["datasets"]["ev"]["records"],
                    before["conns"]["c1"]["datasets"]["ev"]["records"])
        self.case("records of a dataset without fields", PA, cjt.sys_append,
                  (self.p("connections/c1/datasets/nofields/records"),
                   "p1,2026-01-01,x\n"), "EINVAL@write",
                  errors="lists no fields",
                  audit=("write", "/connections/c1/datasets/nofields/records",
                         "rejected", None))

    # --- filters ---
    def filters(self):
        V = "/dataviews/dv/dataview.ini"
        bad = [
            ("(" * 10000 + "pid = a" + ")" * 10000, "nested too deeply"),
            ("not " * 10000 + "pid = a", "nested too deeply"),
            ("(" * 10000, "nested too deeply"),
            (")" * 10000, "expected a condition before ')'"),
            ("= pid", "expected a field name before '='"),
            ("pid =", "expected a value after '='"),
            ("pid = = a", "expected a value after '='"),
            ("and pid = a", "expected a condition before 'and'"),
            ("pid = a and", "expected a condition after 'and'"),
            ("pid = a or or pid = b", "expected a condition after 'or'"),
            ("(pid = a", "'(' is never closed"),
            ("pid = a)", "unmatched ')'"),
            ("not", "expected a condition after 'not'"),
            ("pid not = a", "expected an operator"),
            ("pid contains", "expected a value after 'contains'"),
            ("pid starts-with", "expected a value after 'starts-with'"),
            ("ends-with a", "expected a field name before 'ends-with'"),
            ("pid <", "expected a value after '<'"),
            ("pid > >= a", "expected a value after '>'"),
            ("pid a", "expected an operator after 'pid'"),
            ("pid = 'unterminated", "unterminated quoted string"),
            ('pid = "unterminated', "unterminated quoted string"),
            ("()", "expected a condition after '('"),
            ("pid = a b", "expected 'and', 'or' or end of filter"),
            ("pid = a not", "expected 'and', 'or' or end of filter"),
            ("or", "expected a condition before 'or'"),
            ("pid = a and (pid = b or)", "expected a condition after 'or'"),
            ("colour = red", "unknown field 'colour'"),
            ("pid == a", "expected a value after '='"),
            ("pid =! a", "unexpected character '!'"),
            ("pid ~ a", "unexpected character '~'"),
            ("pid = a\x01", "control character 0x01"),
            ("contains = a", "expected"),
            ("pid = a and and pid = b", "expected a condition after 'and'"),
            ("((pid = a) or (pid = b)", "'(' is never closed"),
        ]
        for f, msg in bad:
            self.case("filter %r" % f[:30], PA, cjt.sys_write,
                      (self.p(V[1:]), "[dataview]\nconnection = c1\n"
                       "filter = %s\n" % f), LINE_FAULT,
                      errors="column", audit=("write", V, "rejected", None))
            line = self.a(PA).call(newest_error, self.d.mnt)
            self.rep.ok(msg in line, "filter %r: /errors says %r" %
                        (f[:30], msg), line)

    def slow_filter(self):
        """A long filter within the cap must not stall everybody else."""
        R = self.p("connections/c1/datasets/ev/records")
        V = self.p("dataviews/dv/dataview.ini")
        nrows = 16000
        rows = "".join("q%d,2026-02-01T10:00:00Z,w%d\n" % (i % 50, i)
                       for i in range(nrows))
        self.a(PA).call(cjt.sys_append, R, rows)
        f = "pid = q1" + " or pid = q1" * 80000
        res = self.a(PA).call(cjt.sys_write, V,
                              "[dataview]\nconnection = c1\nfilter = %s\n"
                              % f)
        report = self.p("dataviews/dv/report/pid.csv")
        if res == "OK":
            out = {}
            th = threading.Thread(target=lambda: out.update(
                t=self.a(PA).call(timed_read, report)))
            th.start()
            time.sleep(0.3)
            t0 = time.monotonic()
            self.a(VIEWER).call(answers, self.d.mnt)
            stall = time.monotonic() - t0
            th.join()
            self.rep.figure("a filter of 80,001 conditions (%d bytes) over "
                            "%d rows: report read in %.1fs; a viewer's "
                            "/whoami meanwhile waited %.1fs" %
                            (len(f), nrows, out.get("t", -1), stall))
            self.rep.ok(stall < 1, "a report with an 80,001-condition "
                        "filter does not stall other callers", "/whoami "
                        "waited %.1fs while the report took %.1fs" %
                        (stall, out.get("t", -1)))
        else:
            self.rep.ok(re.match(LINE_FAULT, res), "a filter of 80,001 "
                        "conditions: refused or fast", res)
        self.a(PA).call(cjt.sys_write, V, "[dataview]\nconnection = c1\n"
                        "filter = pid = p1\n")
        self.a(PA).call(cjt.sys_append, R, "".join(
            "delete person_id=q%d\n" % i for i in range(50)))
        self.cur = self.snap()

    # --- memory ---
    def memory(self):
        mnt = self.d.mnt
        rng = random.Random(11)
        batch = [
            (PA, cjt.sys_write, self.p("connections/c1/connection.ini"),
             bytes(rng.randrange(256) for _ in range(200000))),
            (PA2, write_like_cat, self.p("admin/profiles/p1/members"),
             b"".join(b"m%06d@example.com\n" % i for i in range(70000))),
            (PA, cjt.sys_write, self.p("dataviews/dv/dataview.ini"),
             "[dataview]\nconnection = c1\nfilter = %s\n" %
             ("(" * 5000 + "pid = a" + ")" * 5000)),
            (PA, cjt.sys_append, self.p("connections/c1/datasets/ev/records"),
             b"p1,2026-01-01," + b"y" * (2 * CAP) + b"\n"),
            (PA, cjt.sys_append, self.p("connections/c1/datasets/ev/records"),
             b",".join([b"c"] * 100000) + b"\n"),
            (PA, create_and_drop, os.fsencode(mnt) +
             b"/connections/c1/\xff\x01"),
            (SYS, cjt.sys_write, self.p("admin/sandboxes"), b"\0" * 300000),
            (PA, cjt.sys_mkdir, os.fsencode(mnt) + b"/connections/\x01" * 1),
            (PA2, cjt.sys_write, self.p("admin/profiles/p1/profile.ini"),
             b"[data_views]\nviews = a\nviews = b\n" * 20000),
            (PA, cjt.sys_write, self.p("connections/c1/datasets/ev/"
                                       "dataset.ini"),
             "[dataset]\nfields = %s\n" % ", ".join(
                 "f%d" % (i % 500) for i in range(1000))),
        ]

        def run():
            for i in range(100):
                uid, fn, *args = batch[i % len(batch)]
                self.a(uid).call(fn, *args)
        pid = self.d.pid
        run()                       # allocator warm-up
        r1 = cjt.vm_rss(pid)
        run()
        r2 = cjt.vm_rss(pid)
        run()
        r3 = cjt.vm_rss(pid)
        self.rep.figure("VmRSS over batches of 100 hostile writes: %d KiB "
                        "after the first, %d after the second, %d after the "
                        "third" % (r1, r2, r3))
        self.rep.ok(r3 - r1 < 16 * 1024, "memory stays bounded over 200 "
                    "hostile writes", "%d -> %d -> %d KiB" % (r1, r2, r3))
        self.rep.ok(self.a(PA).call(answers, mnt), "the daemon still answers")
        # put back what the batch may legitimately have changed
        self.a(PA2).call(cjt.sys_write, self.p("admin/profiles/p1/members"),
                         "viewer@example.com\n")
        self.cur = self.snap()

    # --- config files ---
    def config(self):
        rep = self.rep
        tmp = tempfile.mkdtemp(prefix="cjafs-cfg.", dir=self.d.dir)
        mnt = os.path.join(tmp, "mnt")
        os.mkdir(mnt)
        cfg = os.path.join(tmp, "bad.ini")
        open(os.path.join(tmp, "empty.tdb"), "wb").close()
        cases = [
            ("section twice", b"[store]\npath = s.tdb\n[store]\n"
             b"path = s.tdb\n", 4, "duplicate key 'path'"),
            ("key twice", b"[store]\npath = s.tdb\npath = t.tdb\n", 3,
             "duplicate key 'path'"),
            ("empty value", b"[store]\npath =\n", 2, "empty value"),
            ("no '='", b"[store]\npath s.tdb\n", 2, "malformed line"),
            ("unterminated section", b"[store\npath = s.tdb\n", 1,
             "malformed line"),
            ("binary", bytes(range(256)) * 4, 1, "NUL byte"),
            ("NUL byte", b"[store]\npath = s\0.tdb\n", 2, "NUL byte"),
            ("2 MiB line", b"[store]\npath = " + b"a" * (2 * CAP) + b"\n",
             2, "line too long"),
            ("BOM inside", b"[store]\n\xef\xbb\xbfpath = s.tdb\n", 2,
             "unknown key"),
            ("key: value", b"[store]\npath: s.tdb\n", 2, "malformed line"),
            ("gid twice", b"[store]\npath = s.tdb\n[groups]\n3001 = A\n"
             b"3001 = B\n", 5, "gid 3001 mapped twice"),
            ("unknown group", b"[store]\npath = s.tdb\n[groups]\n"
             b"no-such-group-here = A\n", 4, "unknown group"),
            ("empty system_admins", b"[store]\npath = s.tdb\n[admin]\n"
             b"system_admins =\n", 4, "empty value"),
            ("bad login in system_admins", b"[store]\npath = s.tdb\n"
             b"[admin]\nsystem_admins = a b\n", 4, "bad login"),
            ("ini_max_bytes 0", b"[store]\npath = s.tdb\n[limits]\n"
             b"ini_max_bytes = 0\n", 4, "ini_max_bytes must be"),
            ("ini_max_bytes too big", b"[store]\npath = s.tdb\n[limits]\n"
             b"ini_max_bytes = 99999999999\n", 4, "ini_max_bytes must be"),
            ("rows overflowing", b"[store]\npath = s.tdb\n[limits]\n"
             b"rows = 18446744073709551616\n", 4, "rows"),
            ("rows 1e9", b"[store]\npath = s.tdb\n[limits]\nrows = 1e9\n", 4,
             "rows must be a non-negative integer"),
            ("rows in hex", b"[store]\npath = s.tdb\n[limits]\n"
             b"rows = 0x10\n", 4, "rows must be a non-negative integer"),
            ("uid too big", b"[store]\npath = s.tdb\n[users]\n"
             b"99999999999 = a@x\n", 4, "bad uid"),
            ("login with a blank", b"[store]\npath = s.tdb\n[users]\n"
             b"2001 = a b\n", 4, "bad login"),
            ("login with a control byte", b"[store]\npath = s.tdb\n[users]\n"
             b"2001 = a\x01b\n", 4, "bad login"),
            ("key before any section", b"path = s.tdb\n[store]\n", 1,
             "key before any section"),
            ("bare CRs", b"[store]\rpath = s.tdb\r", 1, "malformed line"),
            ("empty section name", b"[]\n", 1, "unknown section []"),
            ("store path a directory", b"[store]\npath = .\n", 2,
             "must name a file"),
        ]
        for name, data, line, msg in cases:
            with open(cfg, "wb") as f:
                f.write(data)
            r = subprocess.run([self.d.cjafs, "-c", cfg, mnt],
                               capture_output=True, timeout=30)
            out = (r.stdout + r.stderr).decode("utf-8", "replace")
            rep.eq("config %s: exit status" % name, r.returncode, 2)
            rep.ok(out.startswith("cjafs: %s:%d: " % (cfg, line)) and
                   msg in out, "config %s: message" % name,
                   "got %r, want 'cjafs: %s:%d: ...%s'" % (out[:200], cfg,
                                                         line, msg))
            if _mounted(mnt):
                rep.fail("config %s: mounted anyway" % name)
                subprocess.run(["fusermount3", "-u", mnt])
        for name, data, msg in [
                ("empty file", b"", "missing [store] path"),
                ("comments only", b"; x\n# y\n", "missing [store] path"),
                ("an empty store file", b"[store]\npath = empty.tdb\n",
                 "not a cjafs store")]:
            with open(cfg, "wb") as f:
                f.write(data)
            r = subprocess.run([self.d.cjafs, "-c", cfg, mnt],
                               capture_output=True, timeout=30)
            out = (r.stdout + r.stderr).decode("utf-8", "replace")
            rep.eq("config %s: exit status" % name, r.returncode, 2)
            rep.ok(msg in out, "config %s: message" % name, out[:200])
        r = subprocess.run([self.d.cjafs, "-c", os.path.join(tmp, "nope.ini"),
                            mnt], capture_output=True, timeout=30)
        rep.eq("a missing config file: exit status", r.returncode, 2)
        # a second daemon on the store this one has open
        r = subprocess.run([self.d.cjafs, "-c", self.d.cfg, mnt],
                           capture_output=True, timeout=30)
        second = _mounted(mnt)
        if second:
            subprocess.run(["fusermount3", "-u", mnt])
        rep.ok(r.returncode != 0 and not second, "a second daemon on a "
               "store in use is refused", "exit %d, mounted %s: %s" %
               (r.returncode, second, r.stderr[:200]))

    def run(self):
        t0 = time.monotonic()
        self.setup()
        for part in (self.names, self.ini, self.workspace, self.huge,
                     self.wide, self.csv,
                     self.filters,
                     self.slow_filter, self.memory, self.config):
            t = time.monotonic()
            part()
            if self.args.verbose:
                print("%s: %.1fs" % (part.__name__, time.monotonic() - t),
                      file=sys.stderr)
        rep = self.rep
        rep.ok(self.a(PA).call(answers, self.d.mnt),
               "the daemon answers after everything")
        for ag in self.agents.values():
            ag.close()
        self.agents = {}
        rep.eq("daemon exits 0 after unmount", self.d.unmount(), 0)
        ok, out = cjt.tdbtool_check(self.d.store)
        rep.ok(ok, "tdbtool check after the run", out)
        probs = cjt.store_invariants(cjt.tdbdump(self.d.store))
        rep.ok(not probs, "store layout after the run", "; ".join(probs[:8]))
        rep.figure("%d hostile cases in %.1fs" % (self.ncases,
                                                  time.monotonic() - t0))


def _mounted(mnt):
    with open("/proc/mounts") as f:
        return any(l.split()[1] == mnt for l in f)


def _copy(s):
    import copy
    return copy.deepcopy(s)


def _drop(s, key, name):
    s[key].pop(name, None)
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cjafs", default="build/cjafs")
    ap.add_argument("--dir")
    ap.add_argument("--result")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    own_dir = not args.dir
    if own_dir:
        args.dir = tempfile.mkdtemp(prefix="cjafs-hostile.")
    rep = cjt.Report("hostile")
    h = Hostile(args, rep)
    try:
        h.run()
    except Exception:
        import traceback
        rep.fail("driver error", traceback.format_exc())
        rep.fail("daemon log", h.d.log_tail())
    finally:
        for ag in h.agents.values():
            try:
                ag.close()
            except Exception:
                pass
        h.d.stop()
        h.d.check_log(rep)
    if own_dir and rep.failed == 0:
        import shutil
        shutil.rmtree(args.dir, ignore_errors=True)
    elif own_dir:
        print("kept %s" % args.dir, file=sys.stderr)
    return rep.finish(args.result)


if __name__ == "__main__":
    sys.exit(main())
