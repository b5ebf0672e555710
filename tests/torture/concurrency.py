#!/usr/bin/env python3
"""concurrency.py - many writers at once (issue 7, part 2).

    concurrency.py --cjafs build/cjafs [--seconds 10] [--rows 4000]

Phase 1, commits: 8 processes as 4 mapped users (pa, lead, sys, pa2; two
each) commit for --seconds to shared objects (a connection.ini per
sandbox, /admin/sandboxes, a profile's members) and to objects of their
own, append rows to a shared dataset, make denied attempts, and read the
shared objects between their writes.  Every shared file is written whole
with one token throughout, so a reader that sees two tokens in one read
saw a mix of two writes; every row carries a checksum, so a torn CSV row
is seen.  Afterwards the audit log must hold exactly one line per
acknowledged commit and per denied attempt (compared as a multiset of
login, action, path, result), the shared files must hold one of the
acknowledged writes, and the store must check clean.

Phase 3, references (SPEC section 7): 4 writers as product admins point
their calculated metrics at random segments, empty them, and delete,
make again and rename the segments, at once.  A segment named by a
metric refuses delete and rename (EBUSY), so at the end every segment a
metric names exists and each segment's used_by lists exactly the
metrics that name it; the store's used_by records are checked with the
rest of its layout.

Phase 2, parallel ingest: 8 writers (as pa and lead) each append --rows
unique rows to one dataset, in writes of random sizes that split lines
(and quoted fields holding commas, quotes and newlines) across write
calls, while a reader reads the dataset back.  The rows read back at the
end must be the multiset of the rows written: none lost, none twice.
"""
import argparse
import collections
import csv
import io
import os
import random
import sys
import tempfile
import time
import zlib

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cjt  # noqa: E402
from cjt import PA, PA2, LEAD, SYS, LOGIN  # noqa: E402

ZN = 60          # token lines in /admin/sandboxes
MN = 40          # token lines in the shared profile's members
DS_INI = ("[dataset]\nperson_id = pid\ntimestamp = ts\n"
          "fields = pid, ts, payload, crc\n")


def months(tok):
    return zlib.crc32(tok.encode()) % 60 + 1


def conn_text(tok, sandbox):
    return ("[connection]\ndescription = %s\nsandbox = %s\n"
            "data_window_months = %d\n" % (("W%s|" % tok) * 50, sandbox,
                                          months(tok)))


def conn_check(text):
    """'' if text is one whole connection.ini write, else what is wrong."""
    ini = cjt.parse_ini(text)
    desc = ini.get("description", "")
    if not desc:
        return ""       # not written yet
    parts = desc.split("|")
    toks = {p[1:] for p in parts if p}
    if len(toks) != 1 or len(parts) != 51:
        return "description mixes %d tokens" % len(toks)
    tok = toks.pop()
    if int(ini.get("data_window_months", -1)) != months(tok):
        return "description of %s with data_window_months of another " \
               "write (%s)" % (tok, ini.get("data_window_months"))
    return ""


def lines_check(lines, prefix, n, fixed=()):
    toks = collections.Counter()
    for l in lines:
        if l in fixed:
            continue
        if not l.startswith(prefix):
            return "unexpected line %r" % l
        toks[l[len(prefix):].split("n", 1)[0]] += 1
    if not toks:
        return ""
    if len(toks) != 1 or sum(toks.values()) != n:
        return "lines of %d writes: %r" % (len(toks), dict(toks))
    return ""


def row_fields(rng, tag):
    payload = "".join(rng.choice('abc,"\n xyz') for _ in
                      range(rng.randrange(0, 80)))
    return [tag, "2026-03-%02dT10:00:00Z" % rng.randrange(1, 29), payload,
            "%08x" % zlib.crc32((tag + payload).encode())]


def csv_line(fields):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)
    return out.getvalue()


def rows_check(text):
    """Parse a records read-back; ('' or the problem, rows)."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        return "unparseable CSV: %s" % e, []
    rows = rows[1:]
    for r in rows:
        if len(r) != 4:
            return "torn row %r" % (r,), rows
        if "%08x" % zlib.crc32((r[0] + r[2]).encode()) != r[3]:
            return "row with a bad checksum %r" % (r,), rows
    return "", rows


# --- phase 1 ---

def worker(role, idx, mnt, seed, deadline):
    """One of the 8 processes (already running as its uid).  Returns its
    acknowledged commits, denials, reads and problems."""
    rng = random.Random(seed)
    j = lambda *p: os.path.join(mnt, *p)  # noqa: E731
    acked = []          # (action, path, result)
    final = collections.defaultdict(list)   # path -> contents committed
    probs = []
    nreads = 0
    seq = 0
    own_ds = False
    login = {"pa": PA, "lead": LEAD, "sys": SYS, "pa2": PA2}[role]

    def commit(action, path, res, want="OK", content=None):
        if res == want:
            acked.append((action, path, "ok" if want == "OK" else
                          "denied"))
            if content is not None:
                final[path].append(content)
        else:
            probs.append("%s %s: %s (wanted %s)" % (action, path, res, want))

    def read_shared():
        nonlocal nreads
        choices = []
        if role != "sys":
            choices += [("conn", "/connections/shared-p/connection.ini"),
                        ("conn", "/connections/shared-d/connection.ini"),
                        ("rows", "/connections/shared-p/datasets/ev/records")]
        choices += [("sandboxes", "/admin/sandboxes"),
                    ("members", "/admin/profiles/cshared/members")]
        kind, p = rng.choice(choices)
        text = cjt.sys_read(mnt + p)
        nreads += 1
        if isinstance(text, OSError):
            probs.append("read %s: %s" % (p, text.strerror))
            return
        if kind == "conn":
            why = conn_check(text)
        elif kind == "sandboxes":
            why = lines_check(text.splitlines(), "z", ZN, ("dev", "prod"))
        elif kind == "members":
            why = lines_check(text.splitlines(), "m", MN)
        else:
            why = rows_check(text)[0]
        if why:
            probs.append("read %s: %s" % (p, why))

    while time.monotonic() < deadline:
        seq += 1
        tok = "%s%d-%d" % (role, idx, seq)
        r = rng.random()
        if r < 0.25:
            read_shared()
            continue
        if role in ("pa", "lead"):
            if r < 0.55:
                p = "/connections/%s/connection.ini" % (
                    rng.choice(["shared-p", "shared-d"]) if role == "lead"
                    else "shared-p")
                sandbox = "dev" if "shared-d" in p else "prod"
                text = conn_text(tok, sandbox)
                commit("write", p, cjt.sys_write(mnt + p, text), content=tok)
            elif r < 0.7:
                p = "/connections/own-%s%d/connection.ini" % (role, idx)
                text = conn_text(tok, "prod" if role == "pa" else "dev")
                commit("write", p, cjt.sys_write(mnt + p, text), content=tok)
            elif r < 0.8:
                p = "/connections/own-%s%d/datasets/tmp" % (role, idx)
                if own_ds:
                    commit("rmdir", p, cjt.sys_rmdir(mnt + p))
                else:
                    commit("mkdir", p, cjt.sys_mkdir(mnt + p))
                own_ds = not own_ds
            else:
                p = "/connections/shared-p/datasets/ev/records"
                data = "".join(csv_line(row_fields(rng, "%sr%d" % (tok, i)))
                               for i in range(rng.randrange(1, 60)))
                commit("write", p, cjt.sys_append(mnt + p, data))
        elif role == "sys":
            if r < 0.65:
                text = "prod\ndev\n" + "".join(
                    "z%sn%d\n" % (tok, i) for i in range(ZN))
                commit("write", "/admin/sandboxes",
                       cjt.sys_write(j("admin/sandboxes"), text), content=tok)
            else:
                p = "/admin/platform/own-sys%d/members" % idx
                commit("write", p, cjt.sys_write(
                    mnt + p, "t%s@example.com\n" % tok), content=tok)
        else:   # pa2
            if r < 0.6:
                p = "/admin/profiles/cshared/members"
                text = "".join("m%sn%d@example.com\n" % (tok, i)
                               for i in range(MN))
                commit("write", p, cjt.sys_write(mnt + p, text), content=tok)
            elif r < 0.85:
                p = "/admin/profiles/own-pa2%d/members" % idx
                commit("write", p, cjt.sys_write(
                    mnt + p, "t%s@example.com\n" % tok), content=tok)
            else:
                p = "/connections/shared-d/connection.ini"
                commit("write", p, cjt.sys_write(mnt + p, "x"),
                       "EACCES@open")
    return {"login": LOGIN[login], "acked": acked, "final": dict(final),
            "probs": probs, "reads": nreads}


def spawn(uid, fn, *args):
    """Start fn(*args) as uid in a child; collect() gets its value."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            cjt.drop_to(uid)
            res = ("ok", fn(*args))
        except BaseException:
            import traceback
            res = ("exc", traceback.format_exc())
        import pickle
        with os.fdopen(w, "wb") as f:
            f.write(pickle.dumps(res))
        os._exit(0)
    os.close(w)
    return pid, r


def collect(child):
    import pickle
    pid, r = child
    with os.fdopen(r, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    kind, val = pickle.loads(data) if data else ("exc", "child died")
    if kind != "ok":
        raise RuntimeError(val)
    return val


def setup(d):
    w = cjt.sys_write
    steps = [
        (SYS, w, d.path("admin/product-admins"),
         "pa@example.com\npa2@example.com\nlead@example.com\n"),
        (SYS, w, d.path("admin/sandboxes"), "prod\ndev\n"),
        (SYS, cjt.sys_mkdir, d.path("admin/platform/full")),
        (SYS, cjt.sys_mkdir, d.path("admin/platform/devonly")),
        (SYS, w, d.path("admin/platform/full/platform.ini"),
         "[platform]\nsandboxes = prod\npermissions = %s\n" % cjt.PERMS),
        (SYS, w, d.path("admin/platform/full/members"),
         "pa@example.com\nlead@example.com\n"),
        (SYS, w, d.path("admin/platform/devonly/platform.ini"),
         "[platform]\nsandboxes = dev\npermissions = %s\n" % cjt.PERMS),
        (SYS, w, d.path("admin/platform/devonly/members"),
         "lead@example.com\n"),
        (SYS, cjt.sys_mkdir, d.path("admin/platform/own-sys0")),
        (SYS, cjt.sys_mkdir, d.path("admin/platform/own-sys1")),
        (PA2, cjt.sys_mkdir, d.path("admin/profiles/cshared")),
        (PA2, cjt.sys_mkdir, d.path("admin/profiles/own-pa20")),
        (PA2, cjt.sys_mkdir, d.path("admin/profiles/own-pa21")),
        (PA, cjt.sys_mkdir, d.path("connections/shared-p")),
        (PA, cjt.sys_mkdir, d.path("connections/shared-p/datasets/ev")),
        (PA, w, d.path("connections/shared-p/datasets/ev/dataset.ini"),
         DS_INI),
        (PA, cjt.sys_mkdir, d.path("connections/shared-p/datasets/bulk")),
        (PA, w, d.path("connections/shared-p/datasets/bulk/dataset.ini"),
         DS_INI),
        (PA, cjt.sys_mkdir, d.path("connections/own-pa0")),
        (PA, cjt.sys_mkdir, d.path("connections/own-pa1")),
    ]
    # lead's connections are in dev: its first sandbox
    steps += [
        (LEAD, cjt.sys_mkdir, d.path("connections/shared-d")),
        (LEAD, cjt.sys_mkdir, d.path("connections/own-lead0")),
        (LEAD, cjt.sys_mkdir, d.path("connections/own-lead1")),
    ]
    for who, fn, *a in steps:
        res = cjt.as_user(who, fn, *a)
        if res != "OK":
            raise RuntimeError("setup: %s %s: %s" % (fn.__name__, a[0], res))


def phase_commits(d, rep, seconds, seed):
    obs = cjt.observe(d, with_rows=False)
    base = len(cjt.audit_lines(obs["audit"]))
    rng = random.Random(seed)
    deadline = time.monotonic() + seconds
    roles = [("pa", PA), ("lead", LEAD), ("sys", SYS), ("pa2", PA2)]
    kids = [spawn(uid, worker, role, i, d.mnt, rng.randrange(1 << 30),
                  deadline) for role, uid in roles for i in range(2)]
    res = [collect(k) for k in kids]
    probs = [p for r in res for p in r["probs"]]
    rep.ok(not probs, "commits: %d problems seen by the writers and "
           "readers" % len(probs), "; ".join(probs[:8]))
    ncommits = sum(1 for r in res for a in r["acked"] if a[2] == "ok")
    ndenied = sum(1 for r in res for a in r["acked"] if a[2] == "denied")
    nreads = sum(r["reads"] for r in res)
    obs = cjt.observe(d)
    got = cjt.audit_lines(obs["audit"])[base:]
    bad = [l for l in got if isinstance(l, str)]
    rep.ok(not bad, "commits: malformed audit lines", repr(bad[:3]))
    got = collections.Counter(l[:4] for l in got if not isinstance(l, str))
    want = collections.Counter((r["login"],) + a for r in res
                               for a in r["acked"])
    rep.ok(got == want, "commits: the audit log has exactly one line per "
           "acknowledged commit and denial",
           "missing %r; extra %r" % (list((want - got).items())[:5],
                                     list((got - want).items())[:5]))
    # each shared file holds one of the acknowledged writes
    shared = {"/connections/shared-p/connection.ini": "conn",
              "/connections/shared-d/connection.ini": "conn",
              "/admin/sandboxes": "z",
              "/admin/profiles/cshared/members": "m"}
    for p, kind in shared.items():
        toks = {t for r in res for t in r["final"].get(p, [])}
        if kind == "conn":
            c = obs["conns"][p.split("/")[2]]["ini"]["description"]
            last = c.split("|")[0][1:]
        elif kind == "z":
            z = [l for l in obs["sandboxes"] if l.startswith("z")]
            last = z[0][1:].split("n", 1)[0] if z else None
        else:
            m = obs["profiles"]["cshared"]["members"]
            last = m[0][1:].split("n", 1)[0] if m else None
        rep.ok(not toks or last in toks, "commits: %s holds an "
               "acknowledged write" % p, "%r not among %d" % (last,
                                                              len(toks)))
    cjt.check_tree(rep, obs, "after the commits")
    why, rows = rows_check(obs["conns"]["shared-p"]["datasets"]["ev"]
                           ["records"])
    rep.ok(not why, "commits: the shared dataset reads back whole", why)
    rep.figure("commits: %d commits and %d denials by 8 processes as 4 "
               "users in %ds (%d audit lines, one each), %d reads checked "
               "for mixed writes and torn rows, %d rows in the shared "
               "dataset" % (ncommits, ndenied, seconds, sum(got.values()),
                            nreads, len(rows)))


# --- phase 2 ---

def ingester(tag, mnt, nrows, seed):
    rng = random.Random(seed)
    p = mnt + "/connections/shared-p/datasets/bulk/records"
    text = "".join(csv_line(row_fields(rng, "%s-%d" % (tag, i)))
                   for i in range(nrows)).encode()
    fd = os.open(p, os.O_WRONLY | os.O_APPEND)
    off = 0
    nwrites = 0
    while off < len(text):
        n = rng.choice([7, 100, 1000, 5000, 40000])
        n = rng.randrange(1, n + 1)
        k = os.write(fd, text[off:off + n])
        if k <= 0:
            raise RuntimeError("short write")
        off += k
        nwrites += 1
    os.close(fd)
    return {"text": text.decode(), "writes": nwrites}


def reader(mnt, stop):
    p = mnt + "/connections/shared-p/datasets/bulk/records"
    reads = 0
    probs = []
    last = 0
    while not os.path.exists(stop):
        text = cjt.sys_read(p)
        reads += 1
        if isinstance(text, OSError):
            probs.append(str(text))
            break
        why, rows = rows_check(text)
        if why:
            probs.append(why)
        if len(rows) < last:
            probs.append("rows went from %d to %d" % (last, len(rows)))
        last = len(rows)
    return {"reads": reads, "probs": probs}


def phase_ingest(d, rep, nrows, seed):
    rng = random.Random(seed)
    t0 = time.monotonic()
    kids = [spawn(PA if i % 2 else LEAD, ingester, "w%d" % i, d.mnt, nrows,
                  rng.randrange(1 << 30)) for i in range(8)]
    stop = os.path.join(d.dir, "stop-reader")
    rd = spawn(PA2, reader, d.mnt, stop)
    res = [collect(k) for k in kids]
    elapsed = time.monotonic() - t0
    open(stop, "w").close()
    rres = collect(rd)
    want = collections.Counter()
    for r in res:
        want.update(tuple(x) for x in csv.reader(io.StringIO(r["text"],
                                                             newline="")))
    obs = cjt.observe(d)
    why, rows = rows_check(obs["conns"]["shared-p"]["datasets"]["bulk"]
                           ["records"])
    rep.ok(not why, "ingest: the dataset reads back whole", why)
    got = collections.Counter(tuple(r) for r in rows)
    rep.ok(got == want, "ingest: rows read back are the rows written",
           "lost %d (e.g. %r), extra %d (e.g. %r)" % (
               sum((want - got).values()), list(want - got)[:2],
               sum((got - want).values()), list(got - want)[:2]))
    st = obs["conns"]["shared-p"]["datasets"]["bulk"]["status"]
    rep.eq("ingest: status rows", int(st.get("rows", -1)), 8 * nrows)
    rep.eq("ingest: nothing skipped", int(st.get("skipped", -1)), 0)
    cjt.check_tree(rep, obs, "after the ingest")
    rep.ok(not rres["probs"], "ingest: the concurrent reader saw whole "
           "rows only", "; ".join(rres["probs"][:5]))
    rep.figure("ingest: 8 writers x %d rows = %d rows in %d writes in "
               "%.1fs, read back as the same multiset; %d concurrent reads "
               "checked" % (nrows, 8 * nrows,
                            sum(r["writes"] for r in res), elapsed,
                            rres["reads"]))


NSEG = 4         # segments the reference writers share


def ref_worker(idx, mnt, seed, deadline):
    """Point metric cm-IDX at random segments, empty it, delete, remake
    and rename the shared segments, until deadline."""
    rng = random.Random(seed)
    seg = os.path.join(mnt, "workspace", "segments")
    ini = os.path.join(mnt, "workspace", "calculated-metrics",
                       "cm-%d" % idx, "metric.ini")
    n = collections.Counter()
    while time.monotonic() < deadline:
        op = rng.randrange(4)
        name = "r%d" % rng.randrange(NSEG)
        if op == 0:
            res = cjt.sys_write(ini, "[metric]\nsegment = %s\n" % name)
        elif op == 1:
            res = cjt.sys_write(ini, "[metric]\nsegment = \n")
        elif op == 2:
            res = cjt.sys_rmdir(os.path.join(seg, name))
            if res == "OK":
                cjt.sys_mkdir(os.path.join(seg, name))
        else:
            try:
                os.rename(os.path.join(seg, name),
                          os.path.join(seg, name + "x"))
                res = "OK"
                os.rename(os.path.join(seg, name + "x"),
                          os.path.join(seg, name))
            except OSError as e:
                res = cjt.errname(e)
        n["%d %s" % (op, res)] += 1
    return dict(n)


def phase_references(d, rep, seconds, seed):
    seg = d.path("workspace/segments")
    for i in range(NSEG):
        res = cjt.as_user(PA, cjt.sys_mkdir, os.path.join(seg, "r%d" % i))
        rep.eq("references: mkdir segment r%d" % i, res, "OK")
    for i in range(4):
        res = cjt.as_user(PA, cjt.sys_mkdir,
                          d.path("workspace/calculated-metrics/cm-%d" % i))
        rep.eq("references: mkdir metric cm-%d" % i, res, "OK")
    rng = random.Random(seed)
    deadline = time.monotonic() + seconds
    kids = [spawn((PA, PA2, LEAD, PA)[i], ref_worker, i, d.mnt,
                  rng.randrange(1 << 30), deadline) for i in range(4)]
    res = collections.Counter()
    for k in kids:
        res.update(collect(k))
    # what the metrics name now, and what each segment's used_by says
    names = {}
    for i in range(4):
        text = cjt.as_user(PA, cjt.read_text, d.path(
            "workspace/calculated-metrics/cm-%d/metric.ini" % i))
        names["/workspace/calculated-metrics/cm-%d" % i] = \
            cjt.parse_ini(text).get("segment", "")
    for i in range(NSEG):
        name = "r%d" % i
        want = sorted(m for m, s in names.items() if s == name)
        try:
            got = cjt.as_user(PA, cjt.read_text, os.path.join(
                seg, name, "used_by")).split("\n")[:-1]
        except Exception as e:
            got = "unreadable: %s" % e
        if want:
            rep.eq("references: used_by of %s" % name, got, want)
        else:
            rep.eq("references: used_by of %s is empty" % name, got, [])
    for m, sname in names.items():
        if sname:
            rep.ok(cjt.as_user(PA, os.path.isdir, os.path.join(seg, sname)),
                   "references: %s names %s, which exists" % (m, sname))
    busy = sum(v for k, v in res.items() if k.endswith("EBUSY"))
    rep.ok(busy > 0, "references: some delete or rename was refused "
           "(EBUSY)", repr(dict(res)))
    rep.figure("references: 4 writers, %d operations in %.1fs: %s" % (
        sum(res.values()), seconds,
        ", ".join("%s x%d" % kv for kv in sorted(res.items()))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cjafs", default="build/cjafs")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rows", type=int, default=4000)
    ap.add_argument("--dir")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--result")
    args = ap.parse_args()
    if args.seed is None:
        args.seed = random.randrange(1 << 30)
    own_dir = not args.dir
    if own_dir:
        args.dir = tempfile.mkdtemp(prefix="cjafs-conc.")
    rep = cjt.Report("concurrency")
    rep.figure("seed %d" % args.seed)
    d = cjt.Daemon(args.cjafs, args.dir, os.environ.get("CJAFS_WRAP"))
    try:
        d.write_config()
        d.init()
        d.mount()
        setup(d)
        phase_commits(d, rep, args.seconds, args.seed)
        phase_ingest(d, rep, args.rows, args.seed + 1)
        phase_references(d, rep, min(args.seconds, 5), args.seed + 2)
        rep.eq("daemon exits 0 after unmount", d.unmount(), 0)
        ok, out = cjt.tdbtool_check(d.store)
        rep.ok(ok, "tdbtool check after the run", out)
        probs = cjt.store_invariants(cjt.tdbdump(d.store))
        rep.ok(not probs, "store layout after the run", "; ".join(probs[:8]))
    except Exception:
        import traceback
        rep.fail("driver error", traceback.format_exc())
        rep.fail("daemon log", d.log_tail())
    finally:
        d.stop()
        d.check_log(rep)
    if own_dir and rep.failed == 0:
        import shutil
        shutil.rmtree(args.dir, ignore_errors=True)
    elif own_dir:
        print("kept %s" % args.dir, file=sys.stderr)
    return rep.finish(args.result)


if __name__ == "__main__":
    sys.exit(main())
