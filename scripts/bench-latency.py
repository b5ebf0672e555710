#!/usr/bin/env python3
"""bench-latency.py - one user's operations, idle and while reports run.

    scripts/bench-latency.py --report PATH --reader UID [--readers 4]
        --probe UID --stat PATH --ini PATH --commit PATH
        [--idle-rounds 200] [--load-rounds 200] [--max-load-secs 600]
        [--pause-ms 20] [--out FILE]

Run as root on a mounted cjafs.  First the probe user (uid --probe, no
groups) runs --idle-rounds rounds alone; a round is three operations,
each timed on its own with time.perf_counter:

    stat    os.stat(--stat)
    cat     open, read to the end and close --ini
    commit  open --commit O_WRONLY|O_TRUNC, write, close: a change that
            cjafs commits (the body alternates between two versions, so
            every write changes something)

then --readers processes, as uid --reader, each read --report to the end
over and over (what `cat report/DIM.csv` does), and the probe runs its
rounds again while they do: at least --load-rounds, and on until every
reader has finished one whole report (the load is there from the first
round to the last), but for no more than --max-load-secs.  Between rounds
the probe waits --pause-ms, as a person at a shell would, so that the
probe does not become the load.

The probe switches its effective uid (which is the file system uid FUSE
sees) and gid; the readers are forked children that drop root for good.

Prints one line per operation:

    OP IDLE_N IDLE_P50 IDLE_P99 LOAD_N LOAD_P50 LOAD_P99 ERRORS

(times in seconds; ERRORS counts failed operations, which are not timed),
and one line for the reports:

    reports DONE MEDIAN_SECS MAX_SECS READERS LOAD_SECS

to stdout or --out.  Exit status 1 when no report finished.
"""
import argparse
import os
import select
import signal
import sys
import time


def pct(xs, p):
    """Nearest-rank percentile of xs (0 < p <= 100)."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = max(1, -(-len(s) * p // 100))
    return s[int(k) - 1]


def reader(uid, path, wfd):
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while True:
        t0 = time.perf_counter()
        try:
            with open(path, "rb", buffering=0) as f:
                while f.read(1 << 20):
                    pass
            msg = "%.6f\n" % (time.perf_counter() - t0)
        except OSError as e:
            msg = "error %s\n" % e
            time.sleep(0.1)
        os.write(wfd, msg.encode())


class Probe:
    def __init__(self, a):
        self.a = a
        self.flip = 0
        self.bodies = [b"[reporting_tools]\nlabs = true\n",
                       b"[reporting_tools]\nlabs = false\n"]

    def become(self):
        os.setgroups([])
        os.setegid(self.a.probe)
        os.seteuid(self.a.probe)

    def op_stat(self):
        os.stat(self.a.stat)

    def op_cat(self):
        with open(self.a.ini, "rb", buffering=0) as f:
            while f.read(65536):
                pass

    def op_commit(self):
        fd = os.open(self.a.commit, os.O_WRONLY | os.O_TRUNC)
        try:
            os.write(fd, self.bodies[self.flip])
        finally:
            os.close(fd)
        self.flip ^= 1

    def round(self, times, errors):
        for name in ("stat", "cat", "commit"):
            fn = getattr(self, "op_" + name)
            t0 = time.perf_counter()
            try:
                fn()
            except OSError as e:
                errors[name] = errors.get(name, 0) + 1
                if errors[name] == 1:
                    print("bench-latency: %s: %s" % (name, e),
                          file=sys.stderr)
                continue
            times[name].append(time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--report", required=True)
    ap.add_argument("--reader", type=int, required=True)
    ap.add_argument("--readers", type=int, default=4)
    ap.add_argument("--probe", type=int, required=True)
    ap.add_argument("--stat", required=True)
    ap.add_argument("--ini", required=True)
    ap.add_argument("--commit", required=True)
    ap.add_argument("--idle-rounds", type=int, default=200)
    ap.add_argument("--load-rounds", type=int, default=200)
    ap.add_argument("--max-load-secs", type=float, default=600)
    ap.add_argument("--pause-ms", type=float, default=20)
    ap.add_argument("--out")
    a = ap.parse_args()
    ops = ("stat", "cat", "commit")
    pause = a.pause_ms / 1000

    # the readers, forked while still root; they wait on a pipe to start
    go_r, go_w = os.pipe()
    res_r, res_w = os.pipe()
    kids = []
    for _ in range(a.readers):
        pid = os.fork()
        if pid == 0:
            os.close(go_w)
            os.close(res_r)
            os.read(go_r, 1)
            try:
                reader(a.reader, a.report, res_w)
            finally:
                os._exit(0)
        kids.append(pid)
    os.close(go_r)
    os.close(res_w)

    p = Probe(a)
    p.become()
    idle = {o: [] for o in ops}
    load = {o: [] for o in ops}
    errors = {}
    for _ in range(a.idle_rounds):
        p.round(idle, errors)
        time.sleep(pause)
    idle_err = dict(errors)

    os.write(go_w, b"x" * a.readers)
    done = []
    rerr = 0
    buf = b""
    t0 = time.perf_counter()
    rounds = 0
    try:
        while True:
            p.round(load, errors)
            rounds += 1
            time.sleep(pause)
            while select.select([res_r], [], [], 0)[0]:
                chunk = os.read(res_r, 4096)
                if not chunk:
                    break
                buf += chunk
            *lines, buf = buf.split(b"\n")
            for ln in lines:
                if ln.startswith(b"error"):
                    rerr += 1
                    if rerr == 1:
                        print("bench-latency: report: %s" % ln.decode(),
                              file=sys.stderr)
                else:
                    done.append(float(ln))
            elapsed = time.perf_counter() - t0
            if elapsed > a.max_load_secs:
                print("bench-latency: stopped after %.0f s under load with "
                      "%d reports finished" % (elapsed, len(done)),
                      file=sys.stderr)
                break
            if rounds >= a.load_rounds and len(done) >= a.readers:
                break
    finally:
        load_secs = time.perf_counter() - t0
        os.seteuid(0)   # to signal the readers, and to write --out
        for pid in kids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for pid in kids:
            os.waitpid(pid, 0)
    out = []
    for o in ops:
        out.append("%s %d %.6f %.6f %d %.6f %.6f %d" % (
            o, len(idle[o]), pct(idle[o], 50), pct(idle[o], 99),
            len(load[o]), pct(load[o], 50), pct(load[o], 99),
            errors.get(o, 0)))
    out.append("reports %d %.6f %.6f %d %.3f" % (
        len(done), pct(done, 50), max(done) if done else float("nan"),
        a.readers, load_secs))
    text = "\n".join(out) + "\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    if idle_err:
        print("bench-latency: errors while idle: %s" % idle_err,
              file=sys.stderr)
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
