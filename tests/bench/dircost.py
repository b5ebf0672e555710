#!/usr/bin/env python3
"""dircost.py - what a create costs as its directory grows.

    dircost.py CJAFS DIR [N...]      (as root; N default 1000 10000 100000)

Makes a store in DIR, mounts it at DIR/mnt (uid 0 is a product admin
with the platform permissions a connection needs), makes one connection
and then datasets in it, one mkdir(2) each (every one a durable commit),
up to each N in turn.  For each N it prints the mean time of the last 200
mkdirs before N was reached (ms per create), the mean of 20 rmdirs at
that size (those names are then made again), and the time of one
listing of the directory, whose names are checked (each once, all
there), with what the daemon read and wrote per mkdir (/proc/PID/io:
system calls and bytes, the page cache included), which unlike times
does not depend on the machine's load:

    n=1000 mkdir 1.234 ms  rmdir 1.100 ms  readdir 0.012 s (1000 entries);
    per mkdir 700 reads, 12 writes, 210 KiB read, 60 KiB written
"""
import os
import subprocess
import sys
import time

WINDOW = 200


def setup(cjafs, d):
    os.makedirs(d, exist_ok=True)
    cfg = os.path.join(d, "cjafs.ini")
    with open(cfg, "w") as f:
        f.write("[store]\npath = store.tdb\n[users]\n0 = bench@example.com\n"
                "[admin]\nsystem_admins = bench@example.com\n")
    subprocess.run([cjafs, "--init", "-c", cfg], check=True,
                   stdout=subprocess.DEVNULL)
    mnt = os.path.join(d, "mnt")
    os.makedirs(mnt, exist_ok=True)
    log = open(os.path.join(d, "daemon.log"), "ab")
    p = subprocess.Popen([cjafs, "-c", cfg, "-f", mnt], stderr=log)
    for _ in range(400):
        if os.path.ismount(mnt):
            break
        if p.poll() is not None:
            sys.exit("dircost: daemon exited")
        time.sleep(0.05)
    else:
        sys.exit("dircost: mount did not come up")
    perms = ("view_schemas, manage_schemas, view_datasets, manage_datasets,"
             " manage_sources, view_identity_namespaces")
    put(mnt, "admin/product-admins", "bench@example.com\n")
    put(mnt, "admin/sandboxes", "prod\n")
    os.mkdir(os.path.join(mnt, "admin/platform/full"))
    put(mnt, "admin/platform/full/platform.ini",
        "[platform]\nsandboxes = prod\npermissions = %s\n" % perms)
    put(mnt, "admin/platform/full/members", "bench@example.com\n")
    os.mkdir(os.path.join(mnt, "connections/c"))
    return mnt, p


def io(pid):
    """The daemon's read and write system calls and bytes so far."""
    with open("/proc/%d/io" % pid) as f:
        v = dict(line.split(": ") for line in f.read().splitlines())
    return [int(v[k]) for k in ("syscr", "syscw", "rchar", "wchar")]


def put(mnt, rel, text):
    with open(os.path.join(mnt, rel), "w") as f:
        f.write(text)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cjafs, d = sys.argv[1], sys.argv[2]
    sizes = [int(a) for a in sys.argv[3:]] or [1000, 10000, 100000]
    mnt, proc = setup(cjafs, d)
    ds = os.path.join(mnt, "connections/c/datasets")
    made = 0
    try:
        for n in sorted(sizes):
            w0 = max(n - WINDOW, made)
            while made < n:
                if made == w0:
                    t0 = time.perf_counter()
                    io0 = io(proc.pid)
                os.mkdir(os.path.join(ds, "d%07d" % made))
                made += 1
            mk = (time.perf_counter() - t0) / (n - w0) * 1e3
            per = [(b - a) / (n - w0) for a, b in zip(io0, io(proc.pid))]
            t = time.perf_counter()
            for i in range(20):
                os.rmdir(os.path.join(ds, "d%07d" % i))
            rm = (time.perf_counter() - t) / 20 * 1e3
            for i in range(20):
                os.mkdir(os.path.join(ds, "d%07d" % i))
            t = time.perf_counter()
            names = os.listdir(ds)
            ls = time.perf_counter() - t
            if len(names) != made or len(set(names)) != made:
                sys.exit("dircost: listing has %d names (%d distinct), "
                         "want %d" % (len(names), len(set(names)), made))
            print("n=%d mkdir %.3f ms  rmdir %.3f ms  readdir %.3f s "
                  "(%d entries); per mkdir %.0f reads, %.0f writes, "
                  "%.0f KiB read, %.0f KiB written" %
                  (n, mk, rm, ls, len(names), per[0], per[1],
                   per[2] / 1024, per[3] / 1024), flush=True)
    finally:
        subprocess.run(["fusermount3", "-u", mnt])
        proc.wait()


if __name__ == "__main__":
    main()
