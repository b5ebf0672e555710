"""Isolation checks that need several processes of different uids at once
(run as root by t_isolation.sh; each child drops to its uid).

  mmap MT UID_A UID_B        two callers map /whoami MAP_PRIVATE in turn;
                             each must see its own bytes, before and after
                             the other maps
  scratch MT UID DAEMON_PID MIB
                             one caller writes 60 MiB scratch files and
                             unlinks them while open: the second is past
                             the quota; the daemon's RSS grows < MIB
  opens MT UID PATH N        one caller opens PATH until refused: EMFILE
                             at the per-caller bound N, not the daemon's
  revoke MT UID PATH         open PATH as UID and read; then wait for a
                             line on stdin (the revocation) and pread at 0
Each prints one line per check, "ok DESC" or "FAIL DESC: why".
"""
import errno
import mmap
import os
import resource
import sys


def drop(uid):
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def say(good, desc, why=""):
    print(("ok %s" % desc) if good else ("FAIL %s: %s" % (desc, why)),
          flush=True)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Child:
    """A process of uid that runs commands sent over a pipe."""
    parent_ends = []        # to close in later children, or EOF never comes

    def __init__(self, uid, fn):
        pr, pw = os.pipe()              # parent -> child
        cr, cw = os.pipe()              # child -> parent
        self.pid = os.fork()
        if self.pid == 0:
            os.close(pw)
            os.close(cr)
            for fd in Child.parent_ends:
                os.close(fd)
            drop(uid)
            rf, wf = os.fdopen(pr, "rb"), os.fdopen(cw, "wb")
            state = {}
            for line in iter(rf.readline, b""):
                try:
                    out = fn(state, line.decode().strip())
                except OSError as e:
                    out = "ERR " + errno.errorcode.get(e.errno, str(e.errno))
                wf.write(repr(out).encode() + b"\n")
                wf.flush()
            os._exit(0)
        os.close(pr)
        os.close(cw)
        Child.parent_ends += [pw, cr]
        self.w = os.fdopen(pw, "wb")
        self.r = os.fdopen(cr, "rb")

    def ask(self, cmd):
        self.w.write(cmd.encode() + b"\n")
        self.w.flush()
        return eval(self.r.readline().decode())

    def end(self):
        Child.parent_ends.remove(self.w.fileno())
        Child.parent_ends.remove(self.r.fileno())
        self.w.close()
        self.r.close()
        os.waitpid(self.pid, 0)


def mapper(mt):
    def fn(state, cmd):
        if cmd == "map":
            fd = os.open(mt + "/whoami", os.O_RDONLY)
            size = os.fstat(fd).st_size
            state["m"] = mmap.mmap(fd, size, flags=mmap.MAP_PRIVATE,
                                   prot=mmap.PROT_READ)
            state["fd"] = fd
            return state["m"][:]
        if cmd == "peek":
            return state["m"][:]
        if cmd == "cat":
            with open(mt + "/whoami", "rb") as f:
                return f.read()
        return None
    return fn


def check_mmap(mt, ua, ub):
    a, b = Child(ua, mapper(mt)), Child(ub, mapper(mt))
    try:
        cat_a, cat_b = a.ask("cat"), b.ask("cat")
        say(cat_a != cat_b and ("uid = %s" % ua).encode() in cat_a,
            "the two callers' /whoami differ", repr((cat_a, cat_b)))
        got = a.ask("map")
        say(got == cat_a, "A's private map shows A's /whoami", repr(got))
        got = b.ask("map")
        say(got == cat_b, "B's private map shows B's /whoami, after A's",
            repr(got))
        got = a.ask("peek")
        say(got == cat_a, "A's map still shows A's bytes after B mapped",
            repr(got))
        got = a.ask("map")
        say(got == cat_a, "A maps again after B: A's bytes", repr(got))
        got = b.ask("peek")
        say(got == cat_b, "B's map still B's after A mapped again",
            repr(got))
    finally:
        a.end()
        b.end()


def check_scratch(mt, uid, daemon, bound_mib):
    def fn(state, cmd):
        if cmd.startswith("fill "):
            name = mt + "/dataviews/" + cmd.split()[1]
            fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
            state.setdefault("fds", []).append(fd)
            chunk = b"x" * (1 << 20)
            try:
                for _ in range(60):
                    os.write(fd, chunk)
            except OSError as e:
                return "ERR " + errno.errorcode.get(e.errno, str(e.errno))
            os.unlink(name)
            return "OK"
        if cmd == "close":
            for fd in state.pop("fds", []):
                os.close(fd)
            return "OK"
        return None
    c = Child(uid, fn)
    try:
        before = rss_kib(daemon)
        first = c.ask("fill a.tmp")
        say(first == "OK", "60 MiB scratch file written and unlinked "
            "while open", first)
        second = c.ask("fill b.tmp")
        say(second == "ERR ENOSPC", "the next 60 MiB are past the caller's "
            "64 MiB (the unlinked file still counts)", second)
        grew = rss_kib(daemon) - before
        print("figure scratch: daemon RSS grew %d KiB for 2 x 60 MiB asked"
              % grew, flush=True)
        say(grew < bound_mib * 1024, "daemon RSS grew less than %d MiB"
            % bound_mib, "%d KiB" % grew)
        say(c.ask("close") == "OK", "closing the descriptors")
        third = c.ask("fill c.tmp")
        say(third == "OK", "once closed, the space is the caller's again",
            third)
        c.ask("close")
    finally:
        c.end()


def check_opens(mt, uid, path, bound):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 4200:
        say(False, "opens", "RLIMIT_NOFILE hard limit %d is below the "
            "4,096 the check needs" % hard)
        return

    def fn(state, cmd):
        fds = []
        err = "none"
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        try:
            for _ in range(20000):
                fds.append(os.open(path, os.O_RDONLY))
        except OSError as e:
            err = errno.errorcode.get(e.errno, str(e.errno))
        n = len(fds)
        for fd in fds:
            os.close(fd)
        return (n, err)
    c = Child(uid, fn)
    try:
        n, err = c.ask("go")
        say(err == "EMFILE" and n == bound, "opens of %s stop with EMFILE "
            "at %d descriptors of one caller" % (path, bound),
            "%d then %s" % (n, err))
        n2, err2 = c.ask("go")
        say(n2 == bound, "closed descriptors give the count back",
            "%d then %s" % (n2, err2))
    finally:
        c.end()


def check_revoke(mt, uid, path):
    def fn(state, cmd):
        if cmd == "open":
            state["fd"] = os.open(path, os.O_RDONLY)
            return len(os.pread(state["fd"], 1 << 20, 0))
        if cmd == "again":
            return len(os.pread(state["fd"], 1 << 20, 0))
        return None
    c = Child(uid, fn)
    try:
        n = c.ask("open")
        say(isinstance(n, int) and n > 0, "member reads %s" % path, n)
        print("ready", flush=True)
        sys.stdin.readline()            # the test revokes, then says go
        got = c.ask("again")
        say(got == "ERR EACCES", "after the revocation, pread at 0 of the "
            "open descriptor is EACCES", got)
    finally:
        c.end()


def main():
    what, mt = sys.argv[1], sys.argv[2]
    if what == "mmap":
        check_mmap(mt, int(sys.argv[3]), int(sys.argv[4]))
    elif what == "scratch":
        check_scratch(mt, int(sys.argv[3]), int(sys.argv[4]),
                      int(sys.argv[5]))
    elif what == "opens":
        check_opens(mt, int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
    elif what == "revoke":
        check_revoke(mt, int(sys.argv[3]), sys.argv[4])


main()
