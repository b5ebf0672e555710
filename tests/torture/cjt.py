"""cjt.py - what the torture, concurrency and hostile drivers share.

A daemon under test (Daemon: config, --init, mount in the foreground,
SIGKILL, unmount), acting as a mapped user (as_user: fork, drop to the
uid, run a function, pickle its answer back), system calls that answer
"OK" or an errno name (sys_*), reading the whole visible state as a
product admin (observe), and checks of the store file itself while no
daemon has it open (store_check: `tdbtool STORE check`, then the key
layout of include/mctx.h read back with tdbdump).

Identities are those of tests/mount/lib.sh (numeric, no /etc/passwd
entries needed):
  2001 sys      system admin (config)
  2002 pa       product admin, platform profile "full" (sandbox prod)
  2003 pa2      product admin without platform permissions
  2004 lead     product admin, platform profile "devonly" (sandbox dev)
  2005 analyst  2006 viewer  (plain users)   2999 unmapped

Everything here is imported before any fork, so a child running as
another uid never needs to read /root (where a pyenv may live).
"""
import csv
import errno
import io
import os
import pickle
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
import traceback

SYS, PA, PA2, LEAD, ANALYST, VIEWER, NOBODY = (2001, 2002, 2003, 2004, 2005,
                                               2006, 2999)
LOGIN = {SYS: "sys@example.com", PA: "pa@example.com",
         PA2: "pa2@example.com", LEAD: "lead@example.com",
         ANALYST: "analyst@example.com", VIEWER: "viewer@example.com"}
PERMS = ("view_schemas, manage_schemas, view_datasets, manage_datasets, "
         "manage_sources, view_identity_namespaces")
# errors that mean "the daemon went away under this call": its outcome is
# not known and must be read back
GONE = ("ENOTCONN", "ECONNABORTED")


def errname(e):
    return errno.errorcode.get(e.errno, str(e.errno))


# --- results ---

class Report:
    """pass/fail counting in the style of tests/mount/lib.sh."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.figures = []

    def ok(self, cond, desc, detail=""):
        if cond:
            self.passed += 1
        else:
            self.fail(desc, detail)
        return cond

    def eq(self, desc, got, want):
        if got == want:
            self.passed += 1
            return True
        self.fail(desc, "got %r, want %r" % (clip(got), clip(want)))
        return False

    def fail(self, desc, detail=""):
        self.failed += 1
        msg = "FAIL [%s] %s" % (self.name, desc)
        if detail:
            msg += ": " + detail
        print(msg, file=sys.stderr, flush=True)

    def figure(self, text):
        self.figures.append(text)
        print("[%s] %s" % (self.name, text), file=sys.stderr, flush=True)

    def finish(self, result_path=None):
        line = "%d %d" % (self.passed, self.failed)
        if result_path:
            with open(result_path, "w") as f:
                f.write(line + "\n")
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 0 if self.failed == 0 and self.passed > 0 else 1


def clip(v, n=600):
    s = repr(v) if not isinstance(v, str) else v
    return s if len(s) <= n else s[:n] + "...(%d bytes)" % len(s)


def state_diff(want, got, path=""):
    """The first few differences between two states (nested dicts, as
    read_state() gives): keys missing or unexpected, long lists as what
    was lost and what is extra, other values as got and wanted."""
    out = []

    def walk(a, b, p):
        if len(out) > 6:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b), key=str):
                if k not in b:
                    out.append("%s/%s missing" % (p, k))
                elif k not in a:
                    out.append("%s/%s unexpected" % (p, k))
                else:
                    walk(a[k], b[k], "%s/%s" % (p, k))
        elif isinstance(a, list) and isinstance(b, list) and len(a) > 5:
            sa, sb = set(a), set(b)
            out.append("%s: %d items, want %d; lost %r, extra %r" % (
                p, len(b), len(a), sorted(sa - sb)[:3], sorted(sb - sa)[:3]))
        elif a != b:
            out.append("%s: %s, want %s" % (p, clip(b, 120), clip(a, 120)))
    walk(want, got, path)
    return "; ".join(out)


# --- the daemon ---

class Daemon:
    """One store and one mount point in dir; the daemon in the foreground
    as our child, so that it can be killed and its status collected."""

    def __init__(self, cjafs, dir, wrap=None):
        self.dir = dir
        # a copy: a rebuild of the binary during a long run must not
        # change the daemon between two remounts
        self.cjafs = os.path.join(dir, "cjafs.bin")
        shutil.copy2(os.path.abspath(cjafs), self.cjafs)
        self.cfg = os.path.join(dir, "cjafs.ini")
        self.mnt = os.path.join(dir, "mnt")
        self.store = os.path.join(dir, "store.tdb")
        self.log = os.path.join(dir, "daemon.log")
        self.wrap = wrap.split() if wrap else []
        self.proc = None
        os.makedirs(self.mnt, exist_ok=True)
        os.chmod(dir, 0o755)
        os.chmod(self.mnt, 0o755)

    def write_config(self, rows_limit=0, extra=""):
        with open(self.cfg, "w") as f:
            f.write("[store]\npath = store.tdb\n\n[users]\n")
            for uid in sorted(LOGIN):
                f.write("%d = %s\n" % (uid, LOGIN[uid]))
            f.write("\n[groups]\n3001 = Analysts\n\n[admin]\n"
                    "system_admins = sys@example.com\n\n[limits]\n"
                    "rows = %d\n%s" % (rows_limit, extra))

    def init(self):
        subprocess.run(self.wrap + [self.cjafs, "--init", "-c", self.cfg],
                       check=True, stdout=subprocess.DEVNULL)

    def mounted(self):
        with open("/proc/mounts") as f:
            return any(l.split()[1] == self.mnt for l in f)

    def mount(self, timeout=10.0):
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            self.wrap + [self.cjafs, "-c", self.cfg, "-f", self.mnt],
            stdout=logf, stderr=logf)
        logf.close()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("daemon exited with %d: %s" % (
                    self.proc.returncode, self.log_tail()))
            if self.mounted() and self.answers():
                return
            time.sleep(0.02)
        raise RuntimeError("mount did not come up: " + self.log_tail())

    def answers(self):
        """Does the mount answer (as root, unmapped: README is public)?"""
        try:
            with open(os.path.join(self.mnt, "README"), "rb") as f:
                return len(f.read()) > 0
        except OSError:
            return False

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def kill(self):
        """SIGKILL the daemon, reap it, and unmount what it left."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = None
        self.unmount_dead()

    def unmount_dead(self):
        for _ in range(100):
            if not self.mounted():
                return
            r = subprocess.run(["fusermount3", "-u", self.mnt],
                               stderr=subprocess.DEVNULL)
            if r.returncode != 0:
                subprocess.run(["umount", "-l", self.mnt],
                               stderr=subprocess.DEVNULL)
            time.sleep(0.02)
        raise RuntimeError("could not unmount " + self.mnt)

    def unmount(self, timeout=60.0):
        """Clean unmount; returns the daemon's exit status."""
        if self.mounted():
            subprocess.run(["fusermount3", "-u", self.mnt],
                           stderr=subprocess.DEVNULL)
        if not self.proc:
            return 0
        try:
            st = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            st = -9
        self.proc = None
        if self.mounted():
            subprocess.run(["umount", "-l", self.mnt],
                           stderr=subprocess.DEVNULL)
        return st

    def stop(self):
        """Whatever state we are in, leave no mount and no daemon."""
        if self.proc and self.proc.poll() is None:
            try:
                self.unmount(10)
            except Exception:
                pass
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        if self.mounted():
            subprocess.run(["umount", "-l", self.mnt],
                           stderr=subprocess.DEVNULL)

    def log_tail(self, n=3000):
        try:
            with open(self.log, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def path(self, *parts):
        return os.path.join(self.mnt, *parts)

    def check_log(self, rep):
        """A sanitizer or valgrind report in the log fails the run: a
        daemon that dies of one during a torture round looks like a kill,
        and a SIGKILLed valgrind has no exit status to tell."""
        try:
            with open(self.log, "rb") as f:
                text = f.read()
        except OSError:
            return
        m = REPORT_RE.search(text)
        rep.ok(m is None, "no sanitizer or valgrind report in the daemon log",
               text[max(0, m.start() - 200):m.start() + 3000].decode(
                   "utf-8", "replace") if m else "")


# what a sanitizer or valgrind prints for an error (as tests/mount/lib.sh)
REPORT_RE = re.compile(
    rb"ERROR|runtime error|Invalid|definitely lost|VALGRIND-ERROR-BEGIN|"
    rb"uninitialised|Syscall param|Source and destination overlap|"
    rb"Mismatched free|fishy value")


# --- acting as a user ---

def drop_to(uid, groups=()):
    os.setgroups(list(groups))
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def as_user(uid, fn, *args, groups=(), timeout=300):
    """Run fn(*args) in a child as uid; return its value (re-raise its
    exception as RuntimeError)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(r)
            drop_to(uid, groups)
            res = ("ok", fn(*args))
        except BaseException:
            res = ("exc", traceback.format_exc())
            code = 1
        try:
            data = pickle.dumps(res)
        except Exception:
            data = pickle.dumps(("exc", traceback.format_exc()))
        with os.fdopen(w, "wb") as f:
            f.write(data)
        os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    kind, val = pickle.loads(data) if data else ("exc", "child died")
    if kind == "exc":
        raise RuntimeError("as uid %d: %s" % (uid, val))
    return val


class Agent:
    """A child process running as uid that calls module-level functions
    for us over a pipe: one fork for many calls."""

    _fds = set()        # our ends of every agent's pipes

    def __init__(self, uid, groups=()):
        self.uid = uid
        r1, w1 = os.pipe()
        r2, w2 = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(w1)
            os.close(r2)
            # another agent's pipe held open here would keep it from
            # ever seeing the end of its input
            for fd in Agent._fds:
                os.close(fd)
            try:
                drop_to(uid, groups)
                self._serve(os.fdopen(r1, "rb"), os.fdopen(w2, "wb"))
            finally:
                os._exit(0)
        os.close(r1)
        os.close(w2)
        Agent._fds.update((w1, r2))
        self.tx = os.fdopen(w1, "wb")
        self.rx = os.fdopen(r2, "rb")

    @staticmethod
    def _serve(rx, tx):
        while True:
            head = rx.read(8)
            if len(head) < 8:
                return
            msg = pickle.loads(rx.read(struct.unpack("<Q", head)[0]))
            try:
                res = ("ok", msg[0](*msg[1]))
            except BaseException:
                res = ("exc", traceback.format_exc())
            data = pickle.dumps(res)
            tx.write(struct.pack("<Q", len(data)) + data)
            tx.flush()

    def call(self, fn, *args):
        data = pickle.dumps((fn, args))
        self.tx.write(struct.pack("<Q", len(data)) + data)
        self.tx.flush()
        head = self.rx.read(8)
        if len(head) < 8:
            raise RuntimeError("agent for uid %d died" % self.uid)
        kind, val = pickle.loads(self.rx.read(struct.unpack("<Q", head)[0]))
        if kind != "ok":
            raise RuntimeError("as uid %d: %s" % (self.uid, val))
        return val

    def close(self):
        Agent._fds.difference_update((self.tx.fileno(), self.rx.fileno()))
        self.tx.close()
        self.rx.close()
        os.waitpid(self.pid, 0)


# --- system calls answering OK or an errno name ---

def sys_mkdir(path):
    try:
        os.mkdir(path)
        return "OK"
    except OSError as e:
        return errname(e)


def sys_rmdir(path):
    try:
        os.rmdir(path)
        return "OK"
    except OSError as e:
        return errname(e)


def sys_unlink(path):
    try:
        os.unlink(path)
        return "OK"
    except OSError as e:
        return errname(e)


def sys_write(path, data, flags=os.O_WRONLY | os.O_TRUNC, chunks=None):
    """open, one write(2) per chunk (or data whole), close: "OK" or the
    errno name of the first call that failed, as "EACCES@open"."""
    if isinstance(data, str):
        data = data.encode()
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as e:
        return errname(e) + "@open"
    where = "write"
    try:
        for c in (chunks if chunks is not None else [data]):
            n = os.write(fd, c)
            if n != len(c):
                os.close(fd)
                return "SHORT%d/%d@write" % (n, len(c))
        where = "close"
        os.close(fd)
        return "OK"
    except OSError as e:
        if where == "write":
            try:
                os.close(fd)
            except OSError:
                pass
        return errname(e) + "@" + where


def sys_append(path, data, chunks=None):
    return sys_write(path, data, os.O_WRONLY | os.O_APPEND, chunks)


def sys_read(path, binary=False):
    try:
        with open(path, "rb") as f:
            d = f.read()
        return d if binary else d.decode("utf-8", "replace")
    except OSError as e:
        return OSError(e.errno, errname(e))


def bare(res):
    """"EACCES@open" -> "EACCES"."""
    return res.split("@", 1)[0]


# --- reading the state a product admin sees ---

def parse_ini(text, section=None):
    """key -> value of a canonical .ini; with section, of that section
    only (profile.ini has views and auto_include in two sections)."""
    out = {}
    cur = None
    for line in text.splitlines():
        if line.startswith("["):
            cur = line.strip("[]")
            continue
        if section is not None and cur != section:
            continue
        if " = " in line:
            k, v = line.split(" = ", 1)
            out[k] = v
        elif line.endswith(" =") and not line.startswith("["):
            out[line[:-2]] = ""
    return out


def read_text(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def observe_tree(mnt, with_rows=True):
    """As a product admin: everything under /connections and /admin, the
    usage file and the audit log, as plain data."""
    j = os.path.join
    obs = {"conns": {}, "profiles": {}, "platforms": {}}
    croot = j(mnt, "connections")
    for c in sorted(os.listdir(croot)):
        if c == "usage":
            continue
        cp = j(croot, c)
        conn = {"ini": parse_ini(read_text(j(cp, "connection.ini"))),
                "status": parse_ini(read_text(j(cp, "status"))),
                "datasets": {}}
        for d in sorted(os.listdir(j(cp, "datasets"))):
            dp = j(cp, "datasets", d)
            ds = {"ini": parse_ini(read_text(j(dp, "dataset.ini"))),
                  "status": parse_ini(read_text(j(dp, "status")))}
            if with_rows:
                ds["records"] = read_text(j(dp, "records"))
            conn["datasets"][d] = ds
        obs["conns"][c] = conn
    obs["usage"] = read_text(j(croot, "usage"))
    for p in sorted(os.listdir(j(mnt, "admin", "profiles"))):
        pp = j(mnt, "admin", "profiles", p)
        obs["profiles"][p] = {
            "ini": read_text(j(pp, "profile.ini")),
            "members": read_text(j(pp, "members")).splitlines(),
            "admins": read_text(j(pp, "admins")).splitlines()}
    for p in sorted(os.listdir(j(mnt, "admin", "platform"))):
        pp = j(mnt, "admin", "platform", p)
        obs["platforms"][p] = {
            "ini": parse_ini(read_text(j(pp, "platform.ini"))),
            "members": read_text(j(pp, "members")).splitlines()}
    obs["sandboxes"] = read_text(j(mnt, "admin", "sandboxes")).splitlines()
    obs["product_admins"] = read_text(
        j(mnt, "admin", "product-admins")).splitlines()
    obs["views"] = observe_views(mnt)
    obs["audit"] = read_text(j(mnt, "audit", "log"))
    return obs


def observe_views(mnt):
    """As a product admin: every data view's settings and components."""
    j = os.path.join
    out = {}
    for v in sorted(os.listdir(j(mnt, "dataviews"))):
        vp = j(mnt, "dataviews", v)
        out[v] = {"ini": read_text(j(vp, "dataview.ini")),
                  "components": {c: read_text(j(vp, "components", c))
                                 for c in sorted(os.listdir(
                                     j(vp, "components")))}}
    return out


def observe(d, with_rows=True):
    return as_user(PA, observe_tree, d.mnt, with_rows)


_REPEATED_RE = re.compile(r"^(.*?) ?\(repeated (\d+) more times?\)$")


def audit_lines(text):
    """The audit log as (login, action, path, result, detail) tuples;
    a malformed line is returned as a string.  A line that counts the
    repeats of a denied attempt ("DETAIL (repeated N more times)") stands
    for N more copies of that attempt's own line."""
    out = []
    for line in text.split("\n")[:-1]:
        f = line.split("\t")
        if len(f) != 6 or not re.match(
                r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", f[0]):
            out.append(line)
            continue
        m = _REPEATED_RE.match(f[5]) if f[4] == "denied" else None
        if m:
            out.extend([tuple(f[1:5]) + (m.group(1) or "-",)] *
                       int(m.group(2)))
        else:
            out.append(tuple(f[1:]))
    return out


def records_rows(text):
    """The rows of a records read-back (its first line is the header)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines[1:]


def check_tree(rep, obs, where):
    """Consistency that needs no model: each dataset's status counts the
    rows that read back, each connection's status sums its datasets, and
    usage is the sum of them all."""
    total_rows = total_ds = 0
    usage = {}
    for c, conn in obs["conns"].items():
        ini = conn["ini"]
        rep.ok(ini.get("name") == c and ini.get("owner") and
               re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$",
                        ini.get("created", "")),
               "%s: connection %s is whole (name, owner, created)" %
               (where, c), "%r" % ini)
        crows = cing = cdel = cskip = 0
        for d, ds in conn["datasets"].items():
            st = ds["status"]
            n = int(st.get("rows", "-1"))
            if "records" in ds:
                rows = list(csv.reader(io.StringIO(ds["records"],
                                                   newline="")))[1:]
                rep.ok(len(rows) == n, "%s: %s/%s: status rows = %d but "
                       "%d rows read back" % (where, c, d, n, len(rows)))
            crows += n
            cing += int(st.get("ingested", 0))
            cdel += int(st.get("deleted", 0))
            cskip += int(st.get("skipped", 0))
            total_ds += 1
            t = ds["ini"].get("type", "event")
            key = (c, t)
            nd, nr = usage.get(key, (0, 0))
            usage[key] = (nd + 1, nr + n)
        total_rows += crows
        cst = conn["status"]
        rep.ok(int(cst.get("rows", -1)) == crows and
               int(cst.get("ingested", -1)) == cing and
               int(cst.get("deleted", -1)) == cdel and
               int(cst.get("skipped", -1)) == cskip and
               int(cst.get("datasets", -1)) == len(conn["datasets"]),
               "%s: connection %s status does not sum its datasets" %
               (where, c), "%r" % cst)
        if not conn["datasets"]:
            usage[(c, "")] = (0, 0)
    want = ["connection,type,datasets,rows"]
    order = ["event", "profile", "lookup", "summary"]
    for c in sorted(obs["conns"]):
        if (c, "") in usage:
            want.append("%s,,0,0" % c)
            continue
        for t in order:
            if (c, t) in usage:
                want.append("%s,%s,%d,%d" % ((c, t) + usage[(c, t)]))
    want.append("*,total,%d,%d" % (total_ds, total_rows))
    got = obs["usage"].splitlines()
    rep.eq("%s: usage is the sum of the datasets" % where, got[:-1], want)
    return total_rows


# --- the store file itself ---

TDB_RECOVERY_MAGIC = 0xf53bc0e7


def recovery_pending(path):
    """Did the writer die inside a commit?  tdb's header keeps the offset
    of the recovery area (uint32 at 44); its record's magic (at +20) is
    TDB_RECOVERY_MAGIC while a commit is being written over the file."""
    try:
        with open(path, "rb") as f:
            head = f.read(48)
            if len(head) < 48:
                return False
            off = struct.unpack_from("<I", head, 44)[0]
            if not off:
                return False
            f.seek(off)
            rec = f.read(24)
            return (len(rec) == 24 and
                    struct.unpack_from("<I", rec, 20)[0] == TDB_RECOVERY_MAGIC)
    except OSError:
        return False


def tdbtool_check(path):
    """`tdbtool PATH check`: (ok, output).  tdbtool exits 0 either way,
    so the verdict is its message."""
    r = subprocess.run(["tdbtool", path, "check"], capture_output=True,
                       text=True, errors="replace", timeout=300)
    out = (r.stdout + r.stderr).strip()
    return ("Database integrity is OK" in out and
            "failed" not in out), out


_esc = re.compile(rb"\\([0-9A-F]{2})")


def _unesc(b):
    return _esc.sub(lambda m: bytes([int(m.group(1), 16)]), b)


def tdbdump(path):
    """Every record of the store as {key: value} (bytes)."""
    r = subprocess.run(["tdbdump", path], capture_output=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError("tdbdump failed: %s" % r.stderr[-500:])
    out = {}
    key = None
    for line in r.stdout.split(b"\n"):
        if line.startswith(b"key("):
            key = _unesc(line.split(b" = ", 1)[1][1:-1])
        elif line.startswith(b"data("):
            # row chunks are descriptors of row files (28 bytes)
            out[key] = _unesc(line.split(b" = ", 1)[1][1:-1])
    return out


def rec_decode(v):
    """include/rec.h: name NUL, 4-byte little-endian length, value."""
    out = {}
    i = 0
    while i < len(v):
        z = v.index(b"\0", i)
        name = v[i:z].decode()
        (n,) = struct.unpack_from("<I", v, z + 1)
        out[name] = v[z + 5:z + 5 + n]
        if z + 5 + n > len(v):
            raise ValueError("record field %s runs past the end" % name)
        i = z + 5 + n
    return out


# collection directory -> the kind of object path it holds
_DS_RE = re.compile(r"^/connections/([^/]+)/datasets/([^/]+)$")
_CONN_RE = re.compile(r"^/connections/([^/]+)$")


def dir_indexes(keys, probs):
    """The collection indexes of model/dirindex.c as {dir: b"names\\n"},
    their own invariants checked into probs: "d:DIR" the count, chunks
    "d:DIR:N" of at most 256 names filling slots 0..count-1, and one
    "n:DIR/NAME" (the slot) for each listed name."""
    out = {}
    slots = {k[2:]: v for k, v in keys.items() if k.startswith("n:")}
    counts = {k[2:]: v for k, v in keys.items()
              if k.startswith("d:") and ":" not in k[2:]}
    chunks = {k[2:]: v for k, v in keys.items()
              if k.startswith("d:") and ":" in k[2:]}
    if any(k.startswith("l:") for k in keys):
        probs.append("version 1 index records (l:) are left")
    for d, v in counts.items():
        n = int(v)
        names = []
        for i in range((n + 255) // 256):
            c = chunks.pop("%s:%08x" % (d, i), None)
            if c is None:
                probs.append("d:%s lacks chunk %d" % (d, i))
                continue
            part = c.decode().split("\n")[:-1]
            if len(part) != min(256, n - 256 * i):
                probs.append("d:%s chunk %d holds %d names" %
                             (d, i, len(part)))
            names += part
        for slot, name in enumerate(names):
            if slots.pop(d + "/" + name, None) != str(slot).encode():
                probs.append("d:%s: %s has no slot %d" % (d, name, slot))
        if len(set(names)) != len(names):
            probs.append("d:%s lists a name twice" % d)
        out[d] = "".join(x + "\n" for x in names).encode()
    for c in chunks:
        probs.append("chunk d:%s beyond its count" % c)
    for k in slots:
        probs.append("slot n:%s of a name not listed" % k)
    return out


def store_invariants(recs):
    """The key layout of include/mctx.h, whole: a list of problems."""
    probs = []
    keys = {k.decode("utf-8", "replace"): v for k, v in recs.items()}
    if keys.get("v") != b"cjafs-store 2":
        probs.append("version record is %r" % keys.get("v"))
    objs = {k[2:]: v for k, v in keys.items() if k.startswith("o:")}
    lists = dir_indexes(keys, probs)
    decoded = {}
    for p, v in objs.items():
        try:
            decoded[p] = rec_decode(v)
        except Exception as e:
            probs.append("o:%s does not decode: %s" % (p, e))
    # every named object is listed in its collection, and the other way
    collections = ("/connections", "/admin/profiles", "/admin/platform",
                   "/dataviews", "/workspace/segments",
                   "/workspace/calculated-metrics", "/workspace/date-ranges",
                   "/workspace/annotations", "/workspace/audiences")
    for p in objs:
        parent, name = p.rsplit("/", 1)
        if parent.endswith("/components") and name.endswith(".ini"):
            name = name[:-4]    # components are listed without ".ini"
        if parent in collections or parent.endswith("/datasets") or \
                parent.endswith("/components"):
            names = lists.get(parent, b"").decode().split("\n")
            if name not in names:
                probs.append("o:%s is not listed in d:%s" % (p, parent))
            # a half-deleted parent: the object's owner must exist
            owner = parent.rsplit("/", 1)[0]
            if parent.endswith("/datasets") or parent.endswith("/components"):
                if owner not in objs:
                    probs.append("o:%s outlived its owner o:%s" % (p, owner))
    for parent, v in lists.items():
        ext = ".ini" if parent.endswith("/components") else ""
        for name in v.decode().split("\n"):
            if name and parent + "/" + name + ext not in objs:
                probs.append("d:%s lists %s, which has no record" %
                             (parent, name))
        owner = parent.rsplit("/", 1)[0]
        if (parent.endswith("/datasets") or parent.endswith("/components")) \
                and owner not in objs and v.strip():
            probs.append("d:%s outlived its owner" % parent)
    # used_by: "u:PATH" names existing objects, and PATH exists
    for k, v in keys.items():
        if not k.startswith("u:"):
            continue
        if k[2:] not in objs:
            probs.append("%s: used_by of no object" % k)
        for ref in v.decode("utf-8", "replace").split("\n"):
            if ref and ref not in objs:
                probs.append("%s lists %s, which has no record" % (k, ref))
    # row chunks belong to a dataset, inside its [first, next)
    total = 0
    metas = {}
    for p, r in decoded.items():
        if _DS_RE.match(p):
            first = int(r.get("chunk_first", b"0") or 0)
            nxt = int(r.get("chunk_next", b"0") or 0)
            rows = int(r.get("rows", b"0") or 0)
            metas[p] = (first, nxt, rows)
            total += rows
            if rows and nxt <= first:
                probs.append("o:%s holds %d rows in no chunk" % (p, rows))
    for k in keys:
        if not k.startswith("r:"):
            continue
        base, no = k[2:].rsplit(":", 1)
        if base not in metas:
            probs.append("%s: a row chunk of no dataset" % k)
            continue
        first, nxt, _ = metas[base]
        n = int(no, 16)
        if not first <= n < nxt:
            probs.append("%s: outside the dataset's chunks [%d, %d)" %
                         (k, first, nxt))
    probs += rowfile_invariants(keys)
    for p, (first, nxt, rows) in metas.items():
        if rows == 0:
            continue
        if not any("r:%s:%08x" % (p, n) in keys for n in range(first, nxt)):
            probs.append("o:%s: %d rows but no chunk" % (p, rows))
    mrows = int(keys.get("m:rows", b"0") or 0)
    if mrows != total:
        probs.append("m:rows = %d but the datasets hold %d" % (mrows, total))
    jo = sum(1 for p, r in decoded.items() if _CONN_RE.match(p) and
             b"journey_optimizer = true" in r.get("connection.ini", b""))
    if int(keys.get("m:jo", b"0") or 0) != jo:
        probs.append("m:jo = %s but %d connections have journey_optimizer" %
                     (keys.get("m:jo"), jo))
    # the audit log: the head's chunks, live and archive, each of whole
    # lines, and no others
    n, gen, an = audit_head(keys.get("a:head"))
    want = set()
    for g, cnt in ((gen, n), (gen - 1, an)):
        for i in range(cnt if g >= 0 else 0):
            k = audit_chunk_key(g, i)
            want.add(k)
            c = keys.get(k)
            if c is None:
                probs.append("audit chunk %s missing (head %s)" %
                             (k, keys.get("a:head")))
            elif not c.endswith(b"\n"):
                probs.append("audit chunk %s ends inside a line" % k)
    extra = [k for k in keys if k.startswith("a:") and k != "a:head" and
             k not in want]
    if extra:
        probs.append("audit chunks past the head: %s" % extra[:5])
    return probs


def rowfile_ids(keys):
    """The row files the "f:ID" records name: {id: size}."""
    out = {}
    for k, v in keys.items():
        if k.startswith("f:") and k != "f:next":
            out[int(k[2:], 16)] = int(v)
    return out


def rowfile_invariants(keys):
    """Each row chunk's descriptor names a row file with its "f:ID"
    record and size, each record is named by exactly one chunk (no file
    left that nothing can drop), and "f:next" is past every id."""
    probs = []
    files = rowfile_ids(keys)
    named = {}
    for k, v in keys.items():
        if not k.startswith("r:"):
            continue
        if len(v) != 28 or v[:4] != b"rf1\0":
            probs.append("%s: not a row file descriptor" % k)
            continue
        fid = int.from_bytes(v[4:12], "little")
        size = int.from_bytes(v[12:20], "little")
        named[fid] = named.get(fid, 0) + 1
        if fid not in files:
            probs.append("%s names row file %016x, which has no record" %
                         (k, fid))
        elif files[fid] != size:
            probs.append("%s: row file %016x of %d bytes, its record says "
                         "%d" % (k, fid, size, files[fid]))
    for fid in files:
        if named.get(fid, 0) != 1:
            probs.append("row file %016x is named by %d chunks" %
                         (fid, named.get(fid, 0)))
    nxt = int(keys.get("f:next", b"0") or b"0", 16)
    if files and max(files) >= nxt:
        probs.append("f:next %x is not past row file %016x" %
                     (nxt, max(files)))
    return probs


def rowfile_dir_problems(store, recs):
    """The directory STORE.rows against the records recs of the store:
    exactly the files the records name, each of its recorded size."""
    keys = {k.decode("utf-8", "replace"): v for k, v in recs.items()}
    files = rowfile_ids(keys)
    d = store + ".rows"
    names = set(os.listdir(d))
    want = {"%016x" % fid for fid in files}
    probs = ["%s/%s: no record names it" % (d, n)
             for n in sorted(names - want)]
    probs += ["%s/%s: missing" % (d, n) for n in sorted(want - names)]
    for fid, size in files.items():
        n = "%016x" % fid
        if n in names and os.path.getsize(os.path.join(d, n)) != size:
            probs.append("%s/%s: %d bytes, its record says %d" %
                         (d, n, os.path.getsize(os.path.join(d, n)), size))
    return probs


def audit_head(raw):
    """The head "N GEN AN BYTES ABYTES" (or a bare "N"): (N, GEN, AN)."""
    f = (raw or b"0").split()
    if len(f) < 5:
        return int(f[0] or 0), 0, 0
    return int(f[0]), int(f[1]), int(f[2])


def audit_chunk_key(gen, i):
    return "a:%08d" % i if gen == 0 else "a:%d:%08d" % (gen, i)


def store_check(path, copy_to):
    """Check the store at path while no daemon has it: copy it (the
    daemon will recover the original itself), `tdbtool check` the copy,
    then read the copy's records.  Returns (pending, ok, message, recs)."""
    shutil.copyfile(path, copy_to)
    pending = recovery_pending(copy_to)
    ok, out = tdbtool_check(copy_to)
    recs = tdbdump(copy_to) if ok else {}
    return pending, ok, out, recs


def audit_text_lines(recs):
    """The audit log as stored (for comparing with what the mount shows)."""
    n, gen, _ = audit_head(recs.get(b"a:head"))
    return b"".join(recs.get(audit_chunk_key(gen, i).encode(), b"")
                    for i in range(n))


def vm_rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
