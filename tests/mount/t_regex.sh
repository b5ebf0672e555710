#!/usr/bin/env bash
# Regex rules on a real mount: their cost is bounded by design (filter.h).
#  1. The attack: a product admin commits a component with ten rules of
#     "regex:[a-z/]?" written 10,000 times (700 KB, under the 1 MiB file
#     cap).  On glibc's regex the commit took 22 s under the model's lock
#     and 7 GB.  Now it is refused (EINVAL at close, a /errors line naming
#     the limit), the daemon's RSS stays within 64 MiB of what it was, and
#     another user's `cat /whoami` meanwhile answers within a second.
#  2. A view with the largest rules allowed (20 regex rules of 1024
#     bytes, slow ones, and values that make them hit their match limit):
#     the report and rows.csv read fast and in bounded memory, the values
#     a limit stopped are hidden (fail closed), the others are right.
#  3. The per-view budget: the 21st regex rule of the view is refused.
# The figures (RSS, latencies) go to stderr.
set -u
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002 VIEWER=2006
C=$MT/connections
V=$MT/dataviews
D=$MT_DIR/data
PERMS="view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces"
mkdir -p "$D"
chmod 755 "$D"

put() { as "$1" sh -c "printf '$3' >'$2'"; }
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$MT_PID/status"; }

# measure OUT CMD...: run CMD (as it says) while sampling the daemon's RSS
# and timing another user's reads of /whoami; OUT gets "STATUS SECONDS
# PEAK_RSS_KB MAX_WHOAMI_MS CALLS", CMD's output goes to OUT.log.
measure() {
	local out=$1 stop=$MT_DIR/stop.$$ peak=0 r t0 t1 st
	shift
	rm -f "$stop"
	as $VIEWER /usr/bin/python3 - "$MT/whoami" "$stop" >"$out.lat" <<'PY' &
import os, sys, time
path, stop = sys.argv[1], sys.argv[2]
worst, n = 0.0, 0
while not os.path.exists(stop) or n < 3:
    t = time.monotonic()
    with open(path, "rb") as f:
        f.read()
    worst = max(worst, time.monotonic() - t)
    n += 1
    time.sleep(0.005)
print("%d %d" % (worst * 1000, n))
PY
	local lat=$!
	sleep 0.2
	t0=$(date +%s%N)
	"$@" >"$out.log" 2>&1 &
	local job=$!
	while kill -0 $job 2>/dev/null; do
		r=$(rss_kb)
		[ "${r:-0}" -gt "$peak" ] && peak=$r
		sleep 0.01
	done
	wait $job
	st=$?
	t1=$(date +%s%N)
	touch "$stop"
	wait $lat
	echo "$st $(((t1 - t0) / 1000000)) $peak $(cat "$out.lat")" >"$out"
}

# --- an admin, a connection, events ---
as $SYS sh -c "printf 'pa@example.com\n' >'$MT/admin/product-admins'"
as $SYS sh -c "printf 'prod\n' >'$MT/admin/sandboxes'"
as $SYS mkdir "$MT/admin/platform/full"
as $SYS sh -c "printf '[platform]\nsandboxes = prod\npermissions = $PERMS\n' >'$MT/admin/platform/full/platform.ini'"
as $SYS sh -c "echo pa@example.com >'$MT/admin/platform/full/members'"
as $PA mkdir "$C/c1" "$C/c1/datasets/web"
put $PA "$C/c1/connection.ini" '[connection]\nsandbox = prod\ndata_window_months = 60\n'
put $PA "$C/c1/datasets/web/dataset.ini" '[dataset]\ntype = event\nperson_id = pid\ntimestamp = ts\nfields = pid, ts, page\n'
# pages: two plain ones, one the exclude rule removes, and three on which
# the rules hit their match limit (hidden: fail closed)
python3 - "$D" <<'PY'
import sys
pages = ["home", "cart", "aaaa", "a" * 60 + "b", "x" * 500 + "zy", "x" * 400 + "wy"]
with open(sys.argv[1] + "/events.csv", "w") as f:
    for i in range(1200):
        f.write("p%d,2026-01-01T%02d:%02d:00Z,%s\n" % (i % 50, (i // 60) % 24, i % 60, pages[i % 6]))
PY
ok "ingest events" as $PA cp "$D/events.csv" "$C/c1/datasets/web/records"
as $PA mkdir "$V/v"
put $PA "$V/v/dataview.ini" '[dataview]\nconnection = c1\n'
put $PA "$V/v/components/n.ini" '[component]\nkind = metric\nfield = occurrences\n'

# --- 1. the attack ---
python3 - "$D/attack.ini" <<'PY'
import sys
rules = ", ".join("regex:" + "[a-z/]?" * 10000 for _ in range(10))
open(sys.argv[1], "w").write("[component]\nkind = dimension\nfield = page\n"
                             "[include_exclude]\nrules = %s\n" % rules)
PY
eq "the attack is 700 KB" "$(($(stat -c %s "$D/attack.ini") / 1000))" 700
rss0=$(rss_kb)
measure "$MT_DIR/attack" as $PA /usr/bin/python3 -c '
import errno, os, sys
data = open(sys.argv[2], "rb").read()
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
try:
    os.write(fd, data)
    os.close(fd)
    print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))' "$V/v/components/page.ini" "$D/attack.ini"
read -r st ms peak lat calls <"$MT_DIR/attack"
mt_log "t_regex: attack commit ${ms} ms, daemon RSS ${rss0} kB before, peak ${peak} kB; /whoami worst ${lat} ms over ${calls} calls"
eq "the attack's close says EINVAL" "$(tail -n 1 "$MT_DIR/attack.log")" EINVAL
has "/errors names the limit" "$(as $PA cat "$MT/errors")" "/dataviews/v/components/page.ini:5: column 9: rules: rule 'regex:[a-z/]?[a-z/]?[a-z/]?[a-z/]?[a-...': a regex longer than 1024 bytes"
errno_is "nothing was stored" ENOENT as $PA bash -c "$(declare -f probe); probe stat '$V/v/components/page.ini'"
[ "$peak" -lt $((rss0 + 65536)) ] && pass || fail "attack: RSS peak ${peak} kB, ${rss0} kB before"
# under valgrind every request is tens of times slower: the times are
# logged above, not judged
[ -n "${CJAFS_WRAP:-}" ] && mt_log "t_regex: under $CJAFS_WRAP the times are not judged"
if [ -z "${CJAFS_WRAP:-}" ]; then
	[ "$ms" -lt 5000 ] && pass || fail "attack: the commit took ${ms} ms"
	[ "$lat" -lt 1000 ] && pass || fail "attack: /whoami took ${lat} ms"
fi

# --- 2. the largest rules allowed, and values that hit their limits ---
# "^x?x?...x?y$": 1021 bytes, ~1.5 KB compiled, exponential on "xxx...zy"
heavy() {
	python3 -c '
import sys
print(", ".join("regex:^" + "x?" * 509 + "y$" for i in range(int(sys.argv[1]))))' "$1"
}
rules="regex:^(a|aa)+\$, $(heavy 9)"
as $PA sh -c "printf '[component]\nkind = dimension\nfield = page\n[include_exclude]\nmode = exclude\nrules = %s\n' '$rules' >'$V/v/components/page.ini'"
eq "page.ini stored" "$(as $PA sed -n 's/^mode = //p' "$V/v/components/page.ini")" exclude
as $PA sh -c "printf '[component]\nkind = dimension\nfield = page\n[include_exclude]\nmode = exclude\nrules = %s\n' '$(heavy 10)' >'$V/v/components/page2.ini'"
eq "page2.ini stored" "$(as $PA sed -n 's/^mode = //p' "$V/v/components/page2.ini")" exclude

rss0=$(rss_kb)
measure "$MT_DIR/report" as $PA cat "$V/v/report/page.csv"
read -r st ms peak lat calls <"$MT_DIR/report"
mt_log "t_regex: report with 20 rules of 1024 bytes: ${ms} ms, daemon RSS ${rss0} kB before, peak ${peak} kB; /whoami worst ${lat} ms over ${calls} calls"
eq "report: hidden values (excluded, or stopped by a limit) are absent" "$(cat "$MT_DIR/report.log")" "page,n
cart,200
home,200"
[ "$peak" -lt $((rss0 + 65536)) ] && pass || fail "report: RSS peak ${peak} kB, ${rss0} kB before"
if [ -z "${CJAFS_WRAP:-}" ]; then
	[ "$ms" -lt 5000 ] && pass || fail "report: read took ${ms} ms"
	[ "$lat" -lt 1000 ] && pass || fail "report: /whoami took ${lat} ms"
fi
measure "$MT_DIR/rows" as $PA cat "$V/v/rows.csv"
read -r st ms peak lat calls <"$MT_DIR/rows"
mt_log "t_regex: rows.csv: ${ms} ms, peak RSS ${peak} kB; /whoami worst ${lat} ms"
eq "rows.csv: header" "$(head -n 1 "$MT_DIR/rows.log")" "page,page2,n"
# a value the rules of either dimension over the field hide is hidden for
# the whole view (protected values): stopped in both (400), excluded by
# page only (200) and stopped in page only (200) show in neither column
eq "rows.csv: hidden by either dimension, blank in both" "$(grep -c '^,,1$' "$MT_DIR/rows.log")" 800
eq "rows.csv: aaaa (excluded by page) not shown by page2" "$(grep -c 'aaaa,1$' "$MT_DIR/rows.log")" 0
eq "rows.csv: a...ab (stopped in page) not shown by page2" "$(grep -c 'aaaa*b,1$' "$MT_DIR/rows.log")" 0
eq "rows.csv: home shown" "$(grep -c '^home,home,1$' "$MT_DIR/rows.log")" 200
[ "$peak" -lt $((rss0 + 65536)) ] && pass || fail "rows.csv: RSS peak ${peak} kB, ${rss0} kB before"

# --- 3. the view's budget: 20 regex rules in all its components ---
errno_is "a 21st regex rule in the view" EINVAL as $PA bash -c "$(declare -f probe); probe write '$V/v/components/n.ini' '[component]
kind = dimension
field = page
[include_exclude]
rules = regex:^q
'"
has "/errors: the view's budget" "$(as $PA cat "$MT/errors")" "/dataviews/v/components/n.ini:5: rules: the data view would have 21 regex rules (at most 20 in all its components)"

exit 0
