#!/usr/bin/env bash
# auditflood.sh [CJAFS] - what a flood of denied attempts costs: for
# SECS seconds (10) a caller hammers denied attempts as fast as it can
# (MODE unmapped: uid 2999 opens /README for writing; MODE plain: the
# mapped plain user 2006 mkdirs a new name under /connections each time)
# while the mapped user 2005 reads /whoami in a loop.  Prints the flood's
# attempts, the audit lines it left, the store's growth, the daemon's
# largest RSS, and the /whoami latency (p50/p99) with and without the
# flood.  Needs root (setpriv) and /dev/fuse, as the mount tests do.
set -u
CJAFS=$(realpath "${1:-build/cjafs}")
export CJAFS
MODE=${MODE:-unmapped} SECS=${SECS:-10}
MT_NAME=auditflood
. "$(dirname "$0")/../mount/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
mt_setup
as 2001 sh -c "printf 'pa@example.com\n' >'$MT/admin/product-admins'"
STORE="$MT_DIR/store.tdb"

# whoami SECS: "p50 p99" in ms of open+read /whoami as 2005
whoami() {
	as 2005 "$PY" - "$MT" "$1" <<'PY'
import sys, time
mnt, secs = sys.argv[1], float(sys.argv[2])
t = []
end = time.monotonic() + secs
while time.monotonic() < end:
    t0 = time.perf_counter()
    with open(mnt + "/whoami", "rb") as f:
        f.read()
    t.append(time.perf_counter() - t0)
t.sort()
print("%.3f %.3f %d" % (t[len(t) // 2] * 1e3, t[int(len(t) * 0.99)] * 1e3,
                        len(t)))
PY
}

flood() {
	as "$1" "$PY" - "$MT" "$2" "$3" <<'PY'
import os, sys, time
mnt, mode, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
end = time.monotonic() + secs
n = 0
while time.monotonic() < end:
    try:
        if mode == "unmapped":
            os.close(os.open(mnt + "/README", os.O_WRONLY))
        else:
            os.mkdir("%s/connections/f%d" % (mnt, n))
    except OSError:
        pass
    n += 1
print(n)
PY
}

read -r q50 q99 qn < <(whoami 3)
size0=$(stat -c %s "$STORE")
lines0=$(as 2002 cat "$MT/audit/log" | wc -l)
rss=0
(
	while kill -0 "$MT_PID" 2>/dev/null; do
		awk '/^VmRSS:/ { print $2 }' "/proc/$MT_PID/status"
		sleep 0.2
	done
) >"$MT_DIR/rss" &
sampler=$!
uid=2999
[ "$MODE" = plain ] && uid=2006
flood "$uid" "$MODE" "$SECS" >"$MT_DIR/flood" &
fpid=$!
sleep 0.2
read -r f50 f99 fn < <(whoami "$((SECS - 1))")
wait "$fpid"
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
rss=$(sort -n "$MT_DIR/rss" | tail -n 1)
size1=$(stat -c %s "$STORE")
lines1=$(as 2002 cat "$MT/audit/log" | wc -l)
echo "mode $MODE: $(cat "$MT_DIR/flood") denied attempts in ${SECS}s," \
	"$((lines1 - lines0)) audit lines, store +$((size1 - size0)) bytes," \
	"daemon RSS at most ${rss} KiB"
echo "cat /whoami as 2005: p50 ${q50} ms, p99 ${q99} ms idle ($qn reads);" \
	"p50 ${f50} ms, p99 ${f99} ms during the flood ($fn reads)"
