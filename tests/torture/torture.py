#!/usr/bin/env python3
"""torture.py - crash safety (issue 7, part 1).

    torture.py --cjafs build/cjafs [--kills N] [--dir DIR] [--seed S]

Starts the daemon on a fresh store, sets up the Admin Console, and then,
N times: forks the clients (several mapped users, each as its own uid),
lets them commit at random, kills the daemon with SIGKILL at a random
moment, and checks:

  - the store's key layout is whole in a byte copy taken at once and
    recovered by tdbtool (cjt.store_invariants: no row chunk, index entry
    or dataset outliving its owner, m:rows = the sum of the datasets'
    rows, audit chunks whole, each row chunk naming a row file with its
    "f:ID" record and each such record named once);
  - after the remount the directory of row files (STORE.rows) holds
    exactly the files the records name, of their recorded sizes: what a
    commit cut short wrote, or a committed drop had not removed yet, is
    gone (counted), and nothing a record names is missing;
  - the daemon mounts the store again, and `tdbtool STORE check` passes
    on the store as the daemon recovered it (tdb's own recovery can leave
    its free space inconsistent; the daemon rebuilds the file then, and
    the run counts how often);
  - every commit that returned success is there, with its audit line,
    and every attempt that returned an error changed nothing and left
    exactly its one audit line ("denied" or "rejected"; a denial
    repeated within the round leaves its first line, and the count of
    its repeats, held in memory, may die with the daemon);
  - the one operation each client had in flight at the kill (its reply
    was ENOTCONN) happened whole or not at all: the state read back is
    the state without it or the state with it, and its audit line is
    there exactly when it happened;
  - status, usage and the rows read back agree (cjt.check_tree), and
    every acknowledged ingest, `delete person_id=` line and dataset
    removal is there: rows read back exactly, with no EIO.

How outcomes are known.  Each client owns a namespace (a name prefix:
its connections, profiles or platform profiles), so its state depends on
its operations only, in its order.  Before a call it writes the
operation to its log (line-buffered), after the call the answer; it stops
at the first ENOTCONN.  The driver replays the logs onto its model of
the state; the in-flight operation is decided by comparing what the
mount shows with the model with and without it.  Denied attempts on
shared objects (fixed-prod, fixed-dev, /admin/sandboxes) carry no
effect by design, so they can be checked from any client.

Figures (kills survived, commits verified...) go to stderr at the end.
"""
import argparse
import copy
import json
import os
import random
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cjt  # noqa: E402
from cjt import PA, PA2, LEAD, SYS, VIEWER, LOGIN  # noqa: E402

REASONS = ("missing_person_id", "bad_timestamp", "wrong_field_count",
           "bad_csv")
HEADER = "pid,ts,v"
DS_INI = ("[dataset]\nplatform_dataset_id = %s\nperson_id = pid\n"
          "timestamp = ts\nfields = pid, ts, v\n")
PERM_CHOICES = ["view_schemas", "manage_schemas", "view_datasets",
                "manage_datasets", "manage_sources", "view_journeys"]
ROW_CAP = 20000         # rows a client keeps before it prefers deletes


# --- the model: what the mount must show ---

def new_ds():
    return {"pdid": None, "rows": [], "ing": 0, "del": 0,
            "skip": {r: 0 for r in REASONS}}


def shape(obs):
    """The observed state in the model's form."""
    m = {"conns": {}, "profiles": {}, "platforms": {},
         "sandboxes": obs["sandboxes"]}
    for c, conn in obs["conns"].items():
        dss = {}
        for d, x in conn["datasets"].items():
            st = x["status"]
            dss[d] = {
                "pdid": (x["ini"].get("platform_dataset_id")
                         if x["ini"].get("fields") else None),
                "rows": cjt.records_rows(x["records"]),
                "ing": int(st.get("ingested", 0)),
                "del": int(st.get("deleted", 0)),
                "skip": {r: int(st.get("skipped_" + r, 0)) for r in REASONS}}
        m["conns"][c] = {"desc": conn["ini"].get("description", ""),
                         "sandbox": conn["ini"].get("sandbox"), "ds": dss}
    for p, x in obs["profiles"].items():
        views = cjt.parse_ini(x["ini"], "data_views").get("views", "")
        m["profiles"][p] = {"members": x["members"], "views": views}
    for p, x in obs["platforms"].items():
        m["platforms"][p] = {"perms": x["ini"].get("permissions", ""),
                             "sandboxes": x["ini"].get("sandboxes", ""),
                             "members": x["members"]}
    m["views"] = {}
    for v, x in obs["views"].items():
        ini = cjt.parse_ini(x["ini"])
        m["views"][v] = {
            "desc": ini.get("description", ""),
            "conn": ini.get("connection", ""),
            "components": {c: cjt.parse_ini(t).get("field", "")
                           for c, t in x["components"].items()}}
    return m


def own(m, prefix):
    """The part of model m that the client with this prefix owns."""
    pre = prefix + "-"
    out = {k: {n: v for n, v in m[k].items() if n.startswith(pre)}
           for k in ("conns", "profiles", "platforms", "views")}
    if prefix.startswith("s"):
        out["sandboxes"] = m["sandboxes"]
    return out


def ingest_detail(nrows, skipped, ndels, deleted):
    parts = ""
    nskip = sum(skipped.values())
    if nrows or nskip:
        parts = "%d row%s ingested" % (nrows, "" if nrows == 1 else "s")
    if nskip:
        parts += ", %d skipped (%s)" % (nskip, ", ".join(
            "%s %d" % (r, skipped[r]) for r in REASONS if skipped[r]))
    if ndels:
        parts += "%s%d row%s deleted" % (", " if parts else "", deleted,
                                         "" if deleted == 1 else "s")
    return parts


def apply(m, op):
    """Apply op's effect to model m; returns the audit detail it implies
    (ingest), or None."""
    e = op["effect"]
    k = e.get("e")
    if k is None:
        return None
    if k == "conn_new":
        m["conns"][e["conn"]] = {"desc": "", "sandbox": e["sandbox"],
                                 "ds": {}}
    elif k == "conn_del":
        del m["conns"][e["conn"]]
    elif k == "desc":
        m["conns"][e["conn"]]["desc"] = e["v"]
    elif k == "ds_new":
        m["conns"][e["conn"]]["ds"][e["ds"]] = new_ds()
    elif k == "ds_del":
        del m["conns"][e["conn"]]["ds"][e["ds"]]
    elif k == "ds_ini":
        m["conns"][e["conn"]]["ds"][e["ds"]]["pdid"] = e["v"]
    elif k == "ingest":
        ds = m["conns"][e["conn"]]["ds"][e["ds"]]
        nrows = ndels = deleted = 0
        skipped = {r: 0 for r in REASONS}
        for kind, text in e["lines"]:
            if kind == "row":
                ds["rows"].append(text)
                nrows += 1
            elif kind == "del":
                pid = text[len("delete person_id="):]
                keep = [r for r in ds["rows"] if r.split(",", 1)[0] != pid]
                deleted += len(ds["rows"]) - len(keep)
                ds["rows"] = keep
                ndels += 1
            elif kind in REASONS:
                skipped[kind] += 1
        ds["ing"] += nrows
        ds["del"] += deleted
        for r in REASONS:
            ds["skip"][r] += skipped[r]
        return ingest_detail(nrows, skipped, ndels, deleted)
    elif k == "prof_new":
        m["profiles"][e["name"]] = {"members": [], "views": ""}
    elif k == "prof_del":
        del m["profiles"][e["name"]]
    elif k == "prof_members":
        m["profiles"][e["name"]]["members"] = e["v"]
    elif k == "prof_views":
        m["profiles"][e["name"]]["views"] = e["v"]
    elif k == "plat_new":
        m["platforms"][e["name"]] = {"perms": "", "sandboxes": "",
                                     "members": []}
    elif k == "plat_del":
        del m["platforms"][e["name"]]
    elif k == "plat_ini":
        m["platforms"][e["name"]]["perms"] = e["v"]
        m["platforms"][e["name"]]["sandboxes"] = "prod"
    elif k == "plat_members":
        m["platforms"][e["name"]]["members"] = e["v"]
    elif k == "sandboxes":
        m["sandboxes"] = e["v"]
    elif k == "view_new":
        m["views"][e["name"]] = {"desc": "", "conn": "", "components": {}}
    elif k == "view_del":
        del m["views"][e["name"]]
    elif k == "view_rename":
        m["views"][e["to"]] = m["views"].pop(e["name"])
    elif k == "view_ini":
        m["views"][e["name"]]["desc"] = e["v"]
        m["views"][e["name"]]["conn"] = e["conn"]
    elif k == "comp_set":
        m["views"][e["name"]]["components"][e["comp"]] = e["v"]
    elif k == "comp_del":
        del m["views"][e["name"]]["components"][e["comp"]]
    elif k == "comp_rename":
        comps = m["views"][e["name"]]["components"]
        comps[e["to"]] = comps.pop(e["comp"])
    else:
        raise ValueError("unknown effect " + k)
    return None


# --- clients: who does what ---

class Client:
    def __init__(self, cid, uid, kind, prefix, sandbox=None, foreign=None):
        self.cid = cid
        self.uid = uid
        self.login = LOGIN[uid]
        self.kind = kind
        self.prefix = prefix
        self.sandbox = sandbox
        self.foreign = foreign      # a connection it may not change

    def choose(self, m, rng, seq):
        return getattr(self, "choose_" + self.kind)(m, rng, seq)

    def op(self, seq, call, path, effect=None, expect="OK", audit=(),
           **kw):
        d = {"seq": seq, "call": call, "path": path,
             "effect": effect or {}, "expect": expect,
             "audit": [list(a) for a in audit]}
        d.update(kw)
        return d

    # a product admin with the platform permissions for its sandbox
    def choose_conn(self, m, rng, seq):
        pre = self.prefix + "-"
        conns = sorted(c for c in m["conns"] if c.startswith(pre))
        tok = "%s-%d" % (self.prefix, seq)
        r = rng.random()
        if not conns or (len(conns) < 3 and r < 0.08):
            name = "%sc%d" % (pre, seq)
            p = "/connections/" + name
            return self.op(seq, "mkdir", p, {"e": "conn_new", "conn": name,
                                             "sandbox": self.sandbox},
                           audit=[("mkdir", p, "ok")])
        c = rng.choice(conns)
        cp = "/connections/" + c
        dss = m["conns"][c]["ds"]
        nrows = sum(len(x["rows"]) for cc in conns
                    for x in m["conns"][cc]["ds"].values())
        r = rng.random()
        if r < 0.04 or (nrows > ROW_CAP and r < 0.2):
            if rng.random() < 0.5:
                return self.op(seq, "rmdir", cp, {"e": "conn_del", "conn": c},
                               audit=[("rmdir", cp, "ok")])
            return self.op(seq, "unlink_rmdir", cp,
                           {"e": "conn_del", "conn": c},
                           unlink=cp + "/connection.ini",
                           audit=[("rmdir", cp, "ok")])
        if r < 0.12:
            p = cp + "/connection.ini"
            return self.op(seq, "write", p, {"e": "desc", "conn": c,
                                             "v": "desc " + tok},
                           data="[connection]\ndescription = desc %s\n"
                           "sandbox = %s\n" % (tok, self.sandbox),
                           audit=[("write", p, "ok")])
        if r < 0.15:
            p = cp + "/connection.ini"
            return self.op(seq, "write", p, expect="EINVAL@write",
                           data="[connection]\ndescription = bad %s\n"
                           "sandbox = %s\ndata_window_months = 0\n" %
                           (tok, self.sandbox),
                           audit=[("write", p, "rejected")])
        if r < 0.18:
            f = self.foreign
            p = "/connections/%s/connection.ini" % f
            return self.op(seq, "write", p, expect="EACCES@open",
                           data="[connection]\ndescription = no %s\n" % tok,
                           audit=[("write", p, "denied")])
        if r < 0.20:
            p = "/connections/%s/datasets/ev/records" % self.foreign
            return self.op(seq, "append", p, expect="EACCES@open",
                           data="x%s,2026-01-01T00:00:00Z,no\n" % tok,
                           audit=[("write", p, "denied")])
        if not dss or (len(dss) < 3 and r < 0.27):
            name = "d%d" % seq
            p = "%s/datasets/%s" % (cp, name)
            return self.op(seq, "mkdir", p, {"e": "ds_new", "conn": c,
                                             "ds": name},
                           audit=[("mkdir", p, "ok")])
        d = rng.choice(sorted(dss))
        dp = "%s/datasets/%s" % (cp, d)
        ds = dss[d]
        if r < 0.31 or (len(ds["rows"]) > ROW_CAP // 2 and r < 0.4):
            return self.op(seq, "rmdir", dp, {"e": "ds_del", "conn": c,
                                              "ds": d},
                           audit=[("rmdir", dp, "ok")])
        if ds["pdid"] is None or r < 0.36:
            p = dp + "/dataset.ini"
            return self.op(seq, "write", p, {"e": "ds_ini", "conn": c,
                                             "ds": d, "v": tok},
                           data=DS_INI % tok, audit=[("write", p, "ok")])
        p = dp + "/records"
        lines = self.rows(rng, seq, ds)
        text = "".join(t + "\n" for _, t in lines)
        return self.op(seq, "append", p, {"e": "ingest", "conn": c,
                                          "ds": d, "lines": lines},
                       data=text, audit=[("write", p, "ok", "DETAIL")])

    def rows(self, rng, seq, ds):
        n = rng.choice([1, 1, 3, 10, 50, 200, 200, 1000, 3000])
        pids = ["%sp%d" % (self.prefix, i) for i in range(12)]
        out = []
        for i in range(n):
            pid = rng.choice(pids)
            ts = rng.choice(["2026-01-%02dT10:00:00Z" % (1 + i % 28),
                             str(1767225600 + i * 60),
                             "2026-02-01T10:00:00+02:00"])
            out.append(("row", "%s,%s,%s-%dx%d" % (pid, ts, self.prefix,
                                                   seq, i)))
        if rng.random() < 0.3:
            tok = "%s-%dq" % (self.prefix, seq)
            for kind, text in [
                    ("missing_person_id", ",2026-01-01,%s" % tok),
                    ("bad_timestamp", "%s,noon,%s" % (pids[0], tok)),
                    ("wrong_field_count", "%s,2026-01-01" % pids[1]),
                    ("bad_csv", '%s,2026-01-01,"x"y%s' % (pids[2], tok)),
                    ("header", HEADER)]:
                if rng.random() < 0.5:
                    out.insert(rng.randrange(len(out) + 1), (kind, text))
        if rng.random() < 0.25 or len(ds["rows"]) > ROW_CAP // 4:
            out.append(("del", "delete person_id=%s" % rng.choice(pids)))
        if rng.random() < 0.1:
            out = [("del", "delete person_id=%s" % rng.choice(pids))]
        return out

    # pa2: product profiles (allowed), connections (denied: no platform
    # permissions), a rejected members list
    def choose_prof(self, m, rng, seq):
        pre = self.prefix + "-"
        profs = sorted(p for p in m["profiles"] if p.startswith(pre))
        tok = "%s-%d" % (self.prefix, seq)
        r = rng.random()
        if not profs or (len(profs) < 4 and r < 0.15):
            name = "%sp%d" % (pre, seq)
            p = "/admin/profiles/" + name
            return self.op(seq, "mkdir", p, {"e": "prof_new", "name": name},
                           audit=[("mkdir", p, "ok")])
        if r < 0.22:
            p = "/connections/%sdeny%d" % (pre, seq)
            return self.op(seq, "mkdir", p, expect="EACCES",
                           audit=[("mkdir", p, "denied")])
        name = rng.choice(profs)
        pp = "/admin/profiles/" + name
        if r < 0.30:
            return self.op(seq, "rmdir", pp, {"e": "prof_del", "name": name},
                           audit=[("rmdir", pp, "ok")])
        if r < 0.36:
            p = pp + "/members"
            return self.op(seq, "write", p, expect="EINVAL@write",
                           data="ok%s@example.com\nnot a login %s\n" %
                           (tok, tok), audit=[("write", p, "rejected")])
        if r < 0.7:
            p = pp + "/members"
            v = sorted({"t%s@example.com" % tok, "viewer@example.com"})
            return self.op(seq, "write", p, {"e": "prof_members",
                                             "name": name, "v": v},
                           data="t%s@example.com\n# comment\n\n"
                           "viewer@example.com\n" % tok,
                           audit=[("write", p, "ok")])
        p = pp + "/profile.ini"
        v = "v" + tok
        return self.op(seq, "write", p, {"e": "prof_views", "name": name,
                                         "v": v},
                       data="[data_views]\nviews = %s\n" % v,
                       audit=[("write", p, "ok")])

    # sys: /admin/sandboxes, platform profiles; denied: product profiles
    def choose_sys(self, m, rng, seq):
        pre = self.prefix + "-"
        plats = sorted(p for p in m["platforms"] if p.startswith(pre))
        tok = "%s-%d" % (self.prefix, seq)
        r = rng.random()
        if r < 0.2:
            v = sorted(["dev", "prod", "x" + tok])
            return self.op(seq, "write", "/admin/sandboxes",
                           {"e": "sandboxes", "v": v},
                           data="prod\ndev\nx%s\n" % tok,
                           audit=[("write", "/admin/sandboxes", "ok")])
        if r < 0.27:
            p = "/admin/profiles/%sdeny%d" % (pre, seq)
            return self.op(seq, "mkdir", p, expect="EACCES",
                           audit=[("mkdir", p, "denied")])
        if not plats or (len(plats) < 4 and r < 0.4):
            name = "%sf%d" % (pre, seq)
            p = "/admin/platform/" + name
            return self.op(seq, "mkdir", p, {"e": "plat_new", "name": name},
                           audit=[("mkdir", p, "ok")])
        name = rng.choice(plats)
        pp = "/admin/platform/" + name
        if r < 0.48:
            return self.op(seq, "rmdir", pp, {"e": "plat_del", "name": name},
                           audit=[("rmdir", pp, "ok")])
        if r < 0.55:
            p = pp + "/platform.ini"
            return self.op(seq, "write", p, expect="EINVAL@close",
                           data="[platform]\nsandboxes = moon%d\n" % seq,
                           audit=[("write", p, "rejected")])
        if r < 0.78:
            cur = m["platforms"][name]["perms"]
            while True:
                sub = sorted(set(rng.sample(PERM_CHOICES,
                                            rng.randrange(1, 4))))
                v = ", ".join(sub)
                if v != cur:
                    break
            p = pp + "/platform.ini"
            return self.op(seq, "write", p, {"e": "plat_ini", "name": name,
                                             "v": v},
                           data="[platform]\nsandboxes = prod\n"
                           "permissions = %s\n" % ", ".join(reversed(sub)),
                           audit=[("write", p, "ok")])
        p = pp + "/members"
        v = ["t%s@example.com" % tok]
        return self.op(seq, "write", p, {"e": "plat_members", "name": name,
                                         "v": v},
                       data="t%s@example.com\n" % tok,
                       audit=[("write", p, "ok")])

    # pa again: data views, their settings and components (file objects
    # made by their first commit, renamed, unlinked), views renamed
    def choose_views(self, m, rng, seq):
        pre = self.prefix + "-"
        views = sorted(v for v in m["views"] if v.startswith(pre))
        tok = "%s-%d" % (self.prefix, seq)
        r = rng.random()
        if not views or (len(views) < 3 and r < 0.1):
            name = "%sv%d" % (pre, seq)
            p = "/dataviews/" + name
            return self.op(seq, "mkdir", p, {"e": "view_new", "name": name},
                           audit=[("mkdir", p, "ok")])
        v = rng.choice(views)
        vp = "/dataviews/" + v
        view = m["views"][v]
        if r < 0.15:
            return self.op(seq, "rmdir", vp, {"e": "view_del", "name": v},
                           audit=[("rmdir", vp, "ok")])
        if r < 0.22:
            to = "%sv%d" % (pre, seq)
            return self.op(seq, "rename", vp, {"e": "view_rename",
                                               "name": v, "to": to},
                           to="/dataviews/" + to,
                           audit=[("rename", vp, "ok")])
        if r < 0.27:
            p = vp + "/dataview.ini"
            return self.op(seq, "write", p, expect="EINVAL@write",
                           data="[dataview]\nconnection = fixed-prod\n"
                           "description = bad %s\nfilter = pid = (\n" % tok,
                           audit=[("write", p, "rejected")])
        if not view["conn"] or r < 0.4:
            p = vp + "/dataview.ini"
            return self.op(seq, "write", p, {"e": "view_ini", "name": v,
                                             "v": "view " + tok,
                                             "conn": "fixed-prod"},
                           data="[dataview]\nconnection = fixed-prod\n"
                           "description = view %s\n" % tok,
                           audit=[("write", p, "ok")])
        comps = sorted(view["components"])
        if not comps or (len(comps) < 4 and r < 0.6):
            c = "c%d.ini" % seq
            f = rng.choice(["pid", "v", "ts"])
            p = "%s/components/%s" % (vp, c)
            return self.op(seq, "create", p, {"e": "comp_set", "name": v,
                                              "comp": c, "v": f},
                           data="[component]\nfield = %s\n" % f,
                           audit=[("create", p, "ok")])
        c = rng.choice(comps)
        p = "%s/components/%s" % (vp, c)
        if r < 0.7:
            return self.op(seq, "unlink", p, {"e": "comp_del", "name": v,
                                              "comp": c},
                           audit=[("unlink", p, "ok")])
        if r < 0.8:
            to = "c%d.ini" % seq
            return self.op(seq, "rename", p, {"e": "comp_rename",
                                              "name": v, "comp": c,
                                              "to": to},
                           to="%s/components/%s" % (vp, to),
                           audit=[("rename", p, "ok")])
        f = rng.choice([x for x in ("pid", "v", "ts")
                        if x != view["components"][c]])
        return self.op(seq, "write", p, {"e": "comp_set", "name": v,
                                         "comp": c, "v": f},
                       data="[component]\nfield = %s\n" % f,
                       audit=[("write", p, "ok")])

    # a plain user: every attempt is denied
    def choose_viewer(self, m, rng, seq):
        r = rng.random()
        if r < 0.5:
            p = "/connections/%s-deny%d" % (self.prefix, seq)
            return self.op(seq, "mkdir", p, expect="EACCES",
                           audit=[("mkdir", p, "denied")])
        return self.op(seq, "write", "/admin/sandboxes",
                       expect="EACCES@open", data="prod\n",
                       audit=[("write", "/admin/sandboxes", "denied")])


def execute(mnt, op):
    p = mnt + op["path"]
    call = op["call"]
    if call == "mkdir":
        return cjt.sys_mkdir(p)
    if call == "rmdir":
        return cjt.sys_rmdir(p)
    if call == "unlink_rmdir":
        res = cjt.sys_unlink(mnt + op["unlink"])
        if res != "OK":
            return res + "@unlink"
        return cjt.sys_rmdir(p)
    if call == "write":
        return cjt.sys_write(p, op["data"])
    if call == "append":
        return cjt.sys_append(p, op["data"])
    if call == "create":
        return cjt.sys_write(p, op["data"],
                             os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    if call == "unlink":
        return cjt.sys_unlink(p)
    if call == "rename":
        try:
            os.rename(p, mnt + op["to"])
            return "OK"
        except OSError as e:
            return cjt.errname(e)
    raise ValueError(call)


def client_main(cl, m, mnt, logfd, seed, seq, deadline):
    """The body of a client process (already running as cl.uid)."""
    rng = random.Random(seed)
    log = os.fdopen(logfd, "w", buffering=1)
    while time.monotonic() < deadline:
        op = cl.choose(m, rng, seq)
        log.write(json.dumps({"t": "I", "op": op}) + "\n")
        res = execute(mnt, op)
        log.write(json.dumps({"t": "A", "seq": seq, "res": res,
                              "at": time.monotonic()}) + "\n")
        if cjt.bare(res) in cjt.GONE:
            break
        if res == "OK" and op["expect"] == "OK":
            apply(m, op)
        seq += 1
    log.close()


def read_log(path):
    """[(op, res)] in order; res None when the answer was never written."""
    ops = []
    with open(path) as f:
        for line in f:
            if not line.endswith("\n"):
                break
            rec = json.loads(line)
            if rec["t"] == "I":
                ops.append([rec["op"], None])
            else:
                assert ops and ops[-1][0]["seq"] == rec["seq"]
                ops[-1][1] = rec["res"]
    return ops


class Torture:
    def __init__(self, args, rep):
        self.args = args
        self.rep = rep
        self.rng = random.Random(args.seed)
        self.d = cjt.Daemon(args.cjafs, args.dir, os.environ.get(
            "CJAFS_WRAP"))
        self.clients = [
            Client(0, PA, "conn", "a0", "prod", "fixed-dev"),
            Client(1, PA, "conn", "a1", "prod", "fixed-dev"),
            Client(2, LEAD, "conn", "l2", "dev", "fixed-prod"),
            Client(3, LEAD, "conn", "l3", "dev", "fixed-prod"),
            Client(4, PA2, "prof", "b4"),
            Client(5, SYS, "sys", "s5"),
            Client(6, VIEWER, "viewer", "v6"),
            Client(7, PA, "views", "d7"),
        ]
        self.next_seq = {c.cid: 1 for c in self.clients}
        shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
        self.scratch = tempfile.mkdtemp(prefix="cjafs-torture.", dir=shm)
        self.audit_seen = 0
        self.fig = {"kills": 0, "commits": 0, "refusals": 0,
                    "inflight_applied": 0, "inflight_absent": 0,
                    "recoveries": 0, "rebuilt": 0, "audit_lines": 0,
                    "orphans": 0, "orphan_rounds": 0, "row_files": 0}

    # --- setup ---
    def setup(self):
        d = self.d
        d.write_config()
        d.init()
        d.mount()
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
             "pa@example.com\n"),
            (SYS, w, d.path("admin/platform/devonly/platform.ini"),
             "[platform]\nsandboxes = dev\npermissions = %s\n" % cjt.PERMS),
            (SYS, w, d.path("admin/platform/devonly/members"),
             "lead@example.com\n"),
        ]
        for who, conn in ((PA, "fixed-prod"), (LEAD, "fixed-dev")):
            cp = d.path("connections", conn)
            steps += [
                (who, cjt.sys_mkdir, cp),
                (who, cjt.sys_mkdir, cp + "/datasets/ev"),
                (who, w, cp + "/datasets/ev/dataset.ini", DS_INI % "fixed"),
                (who, cjt.sys_append, cp + "/datasets/ev/records",
                 "".join("f%d,2026-01-01T00:00:00Z,fixed%d\n" % (i % 7, i)
                         for i in range(500)))]
        for who, fn, *a in steps:
            res = cjt.as_user(who, fn, *a)
            if res != "OK":
                raise RuntimeError("setup: %s %s: %s" % (fn.__name__, a[0],
                                                         res))
        obs = cjt.observe(d)
        self.model = shape(obs)
        self.audit_seen = len(cjt.audit_lines(obs["audit"]))

    # --- one round: clients, a kill, the checks ---
    def round(self, rnd):
        d, rep = self.d, self.rep
        logs = {}
        fds = {}
        pids = {}
        # logs on tmpfs, all opened before the first fork: on the store's
        # disk, creating or extending a file waits behind the daemon's
        # fsyncs (the journal), which only slows the test
        for cl in self.clients:
            path = os.path.join(self.scratch, "log.%d.%d" % (rnd, cl.cid))
            fds[cl.cid] = os.open(path, os.O_WRONLY | os.O_CREAT |
                                  os.O_TRUNC, 0o644)
            logs[cl.cid] = path
        base = time.monotonic()
        for cl in self.clients:
            fd = fds[cl.cid]
            seed = self.rng.randrange(1 << 30)
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    cjt.drop_to(cl.uid)
                    client_main(cl, self.model, d.mnt, fd, seed,
                                self.next_seq[cl.cid], base + 30)
                except BaseException:
                    import traceback
                    traceback.print_exc()
                    code = 1
                os._exit(code)
            os.close(fd)
            pids[pid] = cl.cid
        t_forked = time.monotonic()
        time.sleep(self.rng.uniform(0.02, self.args.max_delay))
        t_kill = time.monotonic()
        os.kill(d.pid, 9)
        st = d.proc.wait()
        t_died = time.monotonic()
        # anything but our SIGKILL (a crash, a sanitizer's exit) is a bug
        # the rest of the round would take for the kill
        rep.eq("round %d: the daemon ran until the kill (its status)" % rnd,
               st, -9)
        d.proc = None
        end = time.monotonic() + 30
        while pids and time.monotonic() < end:
            pid, st = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                time.sleep(0.01)
                continue
            cid = pids.pop(pid)
            rep.ok(st == 0, "round %d: client %d exited with %d" %
                   (rnd, cid, st))
        for pid, cid in pids.items():
            rep.fail("round %d: client %d hung after the kill" % (rnd, cid))
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        d.unmount_dead()
        self.fig["kills"] += 1
        t_dead = time.monotonic()

        # the store as the kill left it, recovered by tdbtool (tdb's own
        # recovery): its records are what the remount must show.  tdb's
        # recovery can leave its free space inconsistent (tdb_check:
        # "invalid tailer"); the daemon checks and rebuilds the store at
        # open (store.c, "Check and repair at open"), so that is counted
        # here, and the check that must pass is the one after the remount.
        copy_to = os.path.join(self.scratch, "killed.tdb")
        pending, ok, out, recs = cjt.store_check(d.store, copy_to)
        self.fig["recoveries"] += pending
        if not ok:
            self.fig["rebuilt"] += 1
            recs = cjt.tdbdump(copy_to)
        probs = cjt.store_invariants(recs)
        rep.ok(not probs, "round %d: store layout after the kill" % rnd,
               "; ".join(probs[:10]))
        # row files the kill left that no record names: the open must
        # remove them (counted, to show the run made some)
        if recs:
            left = sum(1 for x in cjt.rowfile_dir_problems(d.store, recs)
                       if x.endswith("no record names it"))
            self.fig["orphans"] += left
            self.fig["orphan_rounds"] += left > 0
        try:
            d.mount()
            rep.ok(True, "remount")
        except RuntimeError as e:
            rep.fail("round %d: the daemon does not mount the store again" %
                     rnd, str(e))
            return False
        # the store as the daemon recovered it (idle: no client runs yet)
        after = os.path.join(self.scratch, "recovered.tdb")
        shutil.copyfile(d.store, after)
        ok2, out2 = cjt.tdbtool_check(after)
        rep.ok(ok2, "round %d: tdbtool check of the store the daemon "
               "recovered" % rnd, out2)
        # the row files: the open removed every file no record names
        # (written by a commit the kill cut short, or dropped by one
        # that committed before it could remove them)
        files = len(os.listdir(d.store + ".rows"))
        self.fig["row_files"] = max(self.fig["row_files"], files)
        if ok2:
            probs = cjt.rowfile_dir_problems(d.store, cjt.tdbdump(after))
            rep.ok(not probs, "round %d: the row files are those the "
                   "records name" % rnd, "; ".join(probs[:10]))
        os.unlink(after)
        obs = cjt.observe(d)
        if recs:
            rep.ok(cjt.audit_text_lines(recs) == obs["audit"].encode(),
                   "round %d: the audit log the remount shows is the one "
                   "in the checked copy" % rnd)
        os.unlink(copy_to)
        t_obs = time.monotonic()
        self.verify(rnd, obs, logs)
        if self.args.verbose:
            print("round %d: forks %.2fs, ran %.2fs, daemon died %.2fs, "
                  "clients gone %.2fs, checks %.2fs, "
                  "verify %.2fs" % (rnd, t_forked - base, t_kill - t_forked,
                                    t_died - t_kill, t_dead - t_died,
                                    t_obs - t_dead,
                                    time.monotonic() - t_obs),
                  file=sys.stderr)
        for p in logs.values():
            if not self.args.keep_logs:
                os.unlink(p)
        return True

    def verify(self, rnd, obs, logs):
        rep = self.rep
        seen = shape(obs)
        new_audit = cjt.audit_lines(obs["audit"])[self.audit_seen:]
        expected = []           # (login, action, path, result, detail|None)
        optional = []           # an in-flight attempt's line may be there
        denied = set()          # denials seen this round
        for cl in self.clients:
            ops = read_log(logs[cl.cid])
            for i, (op, res) in enumerate(ops):
                last = i == len(ops) - 1
                gone = res is None or cjt.bare(res) in cjt.GONE
                self.next_seq[cl.cid] = op["seq"] + 1
                if gone:
                    if not last:
                        rep.fail("round %d: client %d: op %d unanswered but "
                                 "not its last" % (rnd, cl.cid, op["seq"]))
                    self.resolve(rnd, cl, op, seen, expected, optional)
                    continue
                if res != op["expect"]:
                    rep.fail("round %d: client %d (%s): %s %s answered %s, "
                             "expected %s" % (rnd, cl.cid, cl.login,
                                              op["call"], op["path"], res,
                                              op["expect"]))
                    continue
                detail = apply(self.model, op) if res == "OK" else None
                if res == "OK":
                    self.fig["commits"] += 1
                else:
                    self.fig["refusals"] += 1
                for a in op["audit"]:
                    line = (cl.login, a[0], a[1], a[2],
                            detail if len(a) > 3 else None)
                    # a denial repeated within the round is only counted
                    # in memory, and the kill loses the count: the first
                    # is written, the repeats may be there
                    if a[2] == "denied" and line[:4] in denied:
                        optional.append(line)
                        continue
                    if a[2] == "denied":
                        denied.add(line[:4])
                    expected.append(line)
        # state: the whole model, not only what changed
        for key in ("conns", "profiles", "platforms", "sandboxes", "views"):
            if seen[key] != self.model[key]:
                rep.fail("round %d: %s differ from the model" % (rnd, key),
                         cjt.state_diff(self.model[key], seen[key]))
                self.model[key] = copy.deepcopy(seen[key])
            else:
                rep.ok(True, "")
        cjt.check_tree(rep, obs, "round %d" % rnd)
        self.check_audit(rnd, new_audit, expected, optional)
        self.audit_seen += len(new_audit)
        self.fig["audit_lines"] = self.audit_seen

    def resolve(self, rnd, cl, op, seen, expected, optional):
        """The op in flight at the kill: whole or not at all."""
        rep = self.rep
        without = own(self.model, cl.prefix)
        trial = copy.deepcopy(self.model)
        detail = apply(trial, op) if op["expect"] == "OK" else None
        with_ = own(trial, cl.prefix)
        got = own(seen, cl.prefix)
        if got == with_ and with_ != without:
            self.model = trial
            self.fig["inflight_applied"] += 1
            for a in op["audit"]:
                expected.append((cl.login, a[0], a[1], a[2],
                                 detail if len(a) > 3 else None))
        elif got == without:
            if with_ != without:
                self.fig["inflight_absent"] += 1
            for a in op["audit"]:
                # an attempt, or a commit that changes nothing we can
                # see (a delete of no rows): its line may be there
                if op["expect"] != "OK" or with_ == without:
                    optional.append((cl.login, a[0], a[1], a[2], None))
        else:
            rep.fail("round %d: client %d: %s %s in flight at the kill is "
                     "neither whole nor absent" % (rnd, cl.cid, op["call"],
                                                   op["path"]),
                     "with it: " + cjt.state_diff(with_, got) +
                     " | without it: " + cjt.state_diff(without, got))
            # go on from what is there
            for key, part in got.items():
                if key == "sandboxes":
                    self.model[key] = copy.deepcopy(part)
                    continue
                for n in list(without[key]):
                    self.model[key].pop(n, None)
                self.model[key].update(copy.deepcopy(part))

    def check_audit(self, rnd, got, expected, optional):
        rep = self.rep
        bad = [l for l in got if isinstance(l, str)]
        rep.ok(not bad, "round %d: malformed audit lines" % rnd, repr(bad[:3]))
        got = [l for l in got if not isinstance(l, str)]
        pool = {}
        for l in got:
            pool.setdefault(l[:4], []).append(l[4])
        missing = []
        for e in expected:
            details = pool.get(e[:4])
            if not details:
                missing.append(e)
                continue
            if e[4] is not None and e[4] in details:
                details.remove(e[4])
            elif e[4] is not None:
                missing.append(e)
                details.pop(0)
            else:
                details.pop(0)
        for e in optional:
            if pool.get(e[:4]):
                pool[e[:4]].pop(0)
        extra = [(k, v) for k, vs in pool.items() for v in vs]
        rep.ok(not missing, "round %d: acknowledged operations without "
               "their audit line" % rnd, repr(missing[:5]) +
               " | lines this round: %r" % got[:8])
        rep.ok(not extra, "round %d: audit lines of no acknowledged "
               "operation" % rnd, repr(extra[:5]))
        # each client's own lines come in its order
        for cl in self.clients:
            mine = [l[:4] for l in got if l[0] == cl.login and
                    ("/" + cl.prefix + "-") in l[2]]
            want = [e[:4] for e in expected if e[0] == cl.login and
                    ("/" + cl.prefix + "-") in e[2]]
            opt = [e[:4] for e in optional if e[0] == cl.login and
                   ("/" + cl.prefix + "-") in e[2]]
            if mine != want and mine != want + opt:
                i = 0
                while i < min(len(mine), len(want)) and mine[i] == want[i]:
                    i += 1
                rep.fail("round %d: client %d's audit lines are out of "
                         "order" % (rnd, cl.cid), "from line %d: got %r "
                         "want %r" % (i, mine[i:i + 3], want[i:i + 3]))

    def run(self):
        rep = self.rep
        t0 = time.monotonic()
        self.setup()
        for rnd in range(self.args.kills):
            if not self.round(rnd):
                break
        st = self.d.unmount()
        rep.eq("daemon exits 0 after the last clean unmount", st, 0)
        ok, out = cjt.tdbtool_check(self.d.store)
        rep.ok(ok, "tdbtool check of the store after the run", out)
        f = self.fig
        rep.figure("%d kills survived (%d inside a commit: tdb rolled back "
                   "a half-written transaction; %d times tdb's recovery "
                   "left its free space inconsistent and the daemon "
                   "rebuilt the store), %d acknowledged commits "
                   "verified present, %d refusals verified absent, in "
                   "flight at a kill: %d there whole, %d absent; %d audit "
                   "lines checked; row files: up to %d, %d left by the "
                   "kills without a record (in %d rounds) and removed "
                   "by the next open; %.1fs" %
                   (f["kills"], f["recoveries"], f["rebuilt"], f["commits"],
                    f["refusals"], f["inflight_applied"],
                    f["inflight_absent"], f["audit_lines"], f["row_files"],
                    f["orphans"], f["orphan_rounds"],
                    time.monotonic() - t0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cjafs", default="build/cjafs")
    ap.add_argument("--kills", type=int, default=200)
    ap.add_argument("--dir")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--max-delay", type=float, default=1.0,
                    help="longest run before a kill, seconds")
    ap.add_argument("--result")
    ap.add_argument("--keep-logs", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if args.seed is None:
        args.seed = random.randrange(1 << 30)
    own_dir = not args.dir
    if own_dir:
        args.dir = tempfile.mkdtemp(prefix="cjafs-torture.")
    rep = cjt.Report("torture")
    rep.figure("seed %d (replay with --seed %d)" % (args.seed, args.seed))
    t = Torture(args, rep)
    try:
        t.run()
    except Exception:
        import traceback
        rep.fail("driver error", traceback.format_exc())
        rep.fail("daemon log", t.d.log_tail())
    finally:
        t.d.stop()
        t.d.check_log(rep)
        if not args.keep_logs and rep.failed == 0:
            import shutil
            shutil.rmtree(t.scratch, ignore_errors=True)
        else:
            print("clients' logs in %s" % t.scratch, file=sys.stderr)
    if own_dir and rep.failed == 0:
        import shutil
        shutil.rmtree(args.dir, ignore_errors=True)
    elif own_dir:
        print("kept %s" % args.dir, file=sys.stderr)
    return rep.finish(args.result)


if __name__ == "__main__":
    sys.exit(main())
