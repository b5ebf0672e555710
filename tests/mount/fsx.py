#!/usr/bin/env python3
"""fsx.py - an fsx-style random exerciser for cjafs scratch files.

Random pread/pwrite/read/write/append/ftruncate/truncate/rename/unlink/
reopen operations on one scratch file, every answer compared byte for
byte with an in-memory model: after every operation the file's size
(fstat, lseek SEEK_END) and its whole content are checked.  The file moves
between names and between two directories (renames with and without
replacing another scratch file, renameat2 RENAME_NOREPLACE), is unlinked
while open and carried on through its descriptor, and is reopened by name.

Usage: fsx.py DIR [DIR2] [-N OPS] [-S SEED] [-l MAXLEN]
       (defaults from FSX_OPS, FSX_SEED, FSX_MAXLEN; OPS 2000, MAXLEN 65536)

Seeded and reproducible: the seed is printed first; a failure prints the
seed, the operation number and the last operations, so that
"fsx.py DIR -S SEED -N OPS" replays it.  Exit status 0 when every byte
matched.  Stdlib only.
"""
import ctypes
import os
import platform
import random
import sys
import time
import traceback

libc = ctypes.CDLL(None, use_errno=True)
RENAME_NOREPLACE = 1
SYS_RENAMEAT2 = {"x86_64": 316, "aarch64": 276, "riscv64": 276}.get(
    platform.machine())
NAMES = (".fsx.tmp", "fsx~", ".fsx.swp", "fsx.swx", "fsx-data", ".f")


class Mismatch(Exception):
    pass


def renameat2(old, new, flags):
    rc = libc.syscall(ctypes.c_long(SYS_RENAMEAT2), -100,
                      ctypes.c_char_p(os.fsencode(old)), -100,
                      ctypes.c_char_p(os.fsencode(new)),
                      ctypes.c_uint(flags))
    if rc != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def parse_args(argv):
    opts = {"N": os.environ.get("FSX_OPS", "2000"),
            "S": os.environ.get("FSX_SEED", ""),
            "l": os.environ.get("FSX_MAXLEN", "65536")}
    dirs = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-N", "-S", "-l") and i + 1 < len(argv):
            opts[a[1]] = argv[i + 1]
            i += 2
            continue
        dirs.append(a)
        i += 1
    if not dirs:
        sys.exit(__doc__)
    seed = int(opts["S"]) if opts["S"] else \
        int.from_bytes(os.urandom(4), "little")
    return dirs, int(opts["N"]), seed, int(opts["l"])


class Fsx:
    def __init__(self, dirs, seed, maxlen):
        self.dirs = dirs
        self.rnd = random.Random(seed)
        self.maxlen = maxlen
        self.model = bytearray()
        self.log = []
        self.path = None        # None while the open file is unlinked
        self.fd = None
        self.victims = set()    # other scratch files we made
        self.counts = {}
        self.opened_as = None   # the name the descriptor was opened by
        self.strict = os.environ.get("FSX_STRICT") == "1"

    # --- helpers ---

    def free_name(self):
        while True:
            p = os.path.join(self.rnd.choice(self.dirs),
                             self.rnd.choice(NAMES))
            if p != self.path and p not in self.victims:
                return p

    def data(self, n):
        return self.rnd.randbytes(n)

    def size_pick(self):
        # mostly small operations, sometimes large ones
        if self.rnd.random() < 0.8:
            return self.rnd.randint(0, max(1, self.maxlen // 16))
        return self.rnd.randint(0, self.maxlen)

    def off_pick(self):
        hi = max(len(self.model), 1) + self.maxlen // 8
        return self.rnd.randint(0, min(hi, self.maxlen))

    def put_model(self, off, buf):
        if not buf:
            return          # POSIX: a write of 0 bytes changes nothing
        end = off + len(buf)
        if end > len(self.model):
            self.model.extend(b"\0" * (end - len(self.model)))
        self.model[off:end] = buf

    def check(self, what):
        # the size three ways: lseek(SEEK_END) asks through the
        # descriptor, stat by name, and fstat -- which FUSE sends for the
        # inode, without the file handle.  cjafs keys inodes by path, so
        # fstat is only right while the descriptor's name is the one it
        # was opened by (posix.py reports the bug); FSX_STRICT=1 asks it
        # after renames and unlinks too.
        end = os.lseek(self.fd, 0, os.SEEK_END)
        if end != len(self.model):
            raise Mismatch("%s: lseek(SEEK_END) %d, model %d" %
                           (what, end, len(self.model)))
        if self.path is not None and (self.strict or
                                      self.path == self.opened_as):
            size = os.fstat(self.fd).st_size
            if size != len(self.model):
                raise Mismatch("%s: fstat size %d, model %d" %
                               (what, size, len(self.model)))
        if self.path is not None:
            size = os.stat(self.path).st_size
            if size != len(self.model):
                raise Mismatch("%s: stat size %d, model %d" %
                               (what, size, len(self.model)))
        got = bytearray()
        while True:
            chunk = os.pread(self.fd, 1 << 20, len(got))
            if not chunk:
                break
            got += chunk
        if got != self.model:
            i = next((i for i in range(min(len(got), len(self.model)))
                      if got[i] != self.model[i]), min(len(got),
                                                       len(self.model)))
            raise Mismatch("%s: content differs at byte %d (file %d bytes, "
                           "model %d): file %r, model %r" %
                           (what, i, len(got), len(self.model),
                            bytes(got[i:i + 16]), bytes(self.model[i:i + 16])))

    # --- operations ---

    def op_pread(self):
        off, n = self.off_pick(), self.size_pick()
        self.log.append("pread off %d len %d" % (off, n))
        got = os.pread(self.fd, n, off)
        want = bytes(self.model[off:off + n])
        if got != want:
            raise Mismatch("pread off %d len %d: %d bytes %r, want %d bytes "
                           "%r" % (off, n, len(got), got[:16], len(want),
                                   want[:16]))

    def op_read(self):
        off, n = self.off_pick(), self.size_pick()
        self.log.append("lseek %d + read %d" % (off, n))
        os.lseek(self.fd, off, os.SEEK_SET)
        got = os.read(self.fd, n)
        if got != bytes(self.model[off:off + n]):
            raise Mismatch("read at %d len %d differs" % (off, n))
        if os.lseek(self.fd, 0, os.SEEK_CUR) != off + len(got):
            raise Mismatch("read did not advance the offset")

    def op_pwrite(self):
        off = self.off_pick()
        buf = self.data(min(self.size_pick(), self.maxlen - off))
        self.log.append("pwrite off %d len %d" % (off, len(buf)))
        n = os.pwrite(self.fd, buf, off)
        if n != len(buf):
            raise Mismatch("pwrite returned %d of %d" % (n, len(buf)))
        self.put_model(off, buf)

    def op_write(self):
        off = self.off_pick()
        buf = self.data(min(self.size_pick(), self.maxlen - off))
        self.log.append("lseek %d + write len %d" % (off, len(buf)))
        os.lseek(self.fd, off, os.SEEK_SET)
        if os.write(self.fd, buf) != len(buf):
            raise Mismatch("short write")
        self.put_model(off, buf)
        if os.lseek(self.fd, 0, os.SEEK_CUR) != off + len(buf):
            raise Mismatch("write did not advance the offset")

    def op_append(self):
        if self.path is None:
            return self.op_pwrite()
        buf = self.data(min(self.size_pick() // 4,
                            max(0, self.maxlen - len(self.model))))
        self.log.append("O_APPEND write len %d" % len(buf))
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            os.pwrite(fd, buf, 0)   # Linux: O_APPEND wins over the offset
        finally:
            os.close(fd)
        self.model += buf

    def op_ftruncate(self):
        size = self.rnd.randint(0, self.maxlen)
        self.log.append("ftruncate %d" % size)
        os.ftruncate(self.fd, size)
        self.truncate_model(size)

    def op_truncate(self):
        if self.path is None:
            return self.op_ftruncate()
        size = self.rnd.randint(0, self.maxlen)
        self.log.append("truncate path %d" % size)
        os.truncate(self.path, size)
        self.truncate_model(size)

    def truncate_model(self, size):
        if size < len(self.model):
            del self.model[size:]
        else:
            self.model.extend(b"\0" * (size - len(self.model)))

    def op_rename(self):
        if self.path is None:
            return self.op_relink()
        new = self.free_name()
        self.log.append("rename %s -> %s" % (self.path, new))
        os.rename(self.path, new)
        if os.path.exists(self.path):
            raise Mismatch("rename left the old name %s" % self.path)
        self.path = new

    def op_rename_over(self):
        """Make another scratch file and rename ours over it."""
        if self.path is None:
            return self.op_relink()
        other = self.free_name()
        junk = self.data(self.rnd.randint(0, 64))
        fd = os.open(other, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, junk)
        os.close(fd)
        self.victims.add(other)
        if self.rnd.random() < 0.5:
            self.log.append("renameat2 NOREPLACE %s -> existing %s" %
                            (self.path, other))
            try:
                renameat2(self.path, other, RENAME_NOREPLACE)
                raise Mismatch("RENAME_NOREPLACE replaced %s" % other)
            except OSError as e:
                if e.errno != 17:
                    raise Mismatch("RENAME_NOREPLACE: errno %d, want EEXIST"
                                   % e.errno)
            with open(other, "rb") as f:
                if f.read() != junk:
                    raise Mismatch("RENAME_NOREPLACE changed the target")
        self.log.append("rename %s -> over %s" % (self.path, other))
        os.rename(self.path, other)
        self.victims.discard(other)
        self.path = other

    def op_reopen(self):
        if self.path is None:
            return self.op_relink()
        trunc = self.rnd.random() < 0.1
        self.log.append("close + reopen%s" % (" O_TRUNC" if trunc else ""))
        os.close(self.fd)
        self.fd = os.open(self.path,
                          os.O_RDWR | (os.O_TRUNC if trunc else 0))
        self.opened_as = self.path
        if trunc:
            self.model = bytearray()

    def op_fsync(self):
        self.log.append("fsync")
        os.fsync(self.fd)

    def op_unlink(self):
        """Unlink the open file: it lives on through its descriptor."""
        if self.path is None:
            return self.op_relink()
        self.log.append("unlink %s (still open)" % self.path)
        os.unlink(self.path)
        if os.path.exists(self.path):
            raise Mismatch("unlinked name %s still there" % self.path)
        self.path = None

    def op_relink(self):
        """Copy the unlinked file's bytes to a new name and carry on there."""
        new = self.free_name()
        self.log.append("relink: create %s with the model's bytes" % new)
        self.check("before relink")
        fd = os.open(new, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, bytes(self.model))
        os.close(self.fd)
        self.fd = fd
        self.path = self.opened_as = new

    OPS = (("pread", 16), ("read", 6), ("pwrite", 16), ("write", 6),
           ("append", 5), ("ftruncate", 6), ("truncate", 3), ("rename", 5),
           ("rename_over", 3), ("reopen", 4), ("fsync", 2), ("unlink", 2),
           ("relink", 0))

    def run(self, nops):
        self.path = os.path.join(self.dirs[0], NAMES[0])
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC,
                          0o600)
        self.opened_as = self.path
        names = [n for n, w in self.OPS for _ in range(w)]
        for i in range(1, nops + 1):
            op = self.rnd.choice(names)
            self.counts[op] = self.counts.get(op, 0) + 1
            self.log.append("#%d" % i)
            getattr(self, "op_" + op)()
            self.check("after op %d (%s)" % (i, op))
            if len(self.log) > 200:
                del self.log[:100]
        os.close(self.fd)
        if self.path is not None:
            os.unlink(self.path)
        for v in self.victims:
            try:
                os.unlink(v)
            except FileNotFoundError:
                pass


def main():
    dirs, nops, seed, maxlen = parse_args(sys.argv[1:])
    print("fsx: seed %d, %d ops, max length %d, in %s" %
          (seed, nops, maxlen, " ".join(dirs)))
    sys.stdout.flush()
    fsx = Fsx(dirs, seed, maxlen)
    t0 = time.time()
    try:
        fsx.run(nops)
    except (Mismatch, OSError) as e:
        where = traceback.extract_tb(e.__traceback__)[-1]
        print("fsx: FAILED at op %d: %s (fsx.py:%d: %s)" %
              (sum(fsx.counts.values()), e, where.lineno, where.line))
        print("fsx: replay with: fsx.py %s -S %d -N %d -l %d" %
              (" ".join(dirs), seed, nops, maxlen))
        print("fsx: last operations:")
        for line in fsx.log[-30:]:
            print("  " + line)
        return 1
    print("fsx: %d ops ok in %.1f s (%s)" %
          (nops, time.time() - t0,
           ", ".join("%s %d" % kv for kv in sorted(fsx.counts.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
