#!/usr/bin/env bash
# Reporting activity (SPEC §8): /admin/reporting-activity lists the running
# and queued computations (rows.csv, reports) to product admins and cancels
# them; [limits] reports slots produce output, the rest wait in order; a
# read waits and computes on the model's workers, never on a request
# thread, so /whoami answers while reports run; Ctrl-C on a reading cat
# and a close stop the computation.
set -u
. "$(dirname "$0")/lib.sh"
MT_CONFIG_EXTRA="reports = 1" mt_setup

SYS=2001 PA=2002 PA2=2003 LEAD=2004 ANALYST=2005
C=$MT/connections
V=$MT/dataviews
A=$MT/admin/reporting-activity
W=$MT_DIR/work
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
PERMS="view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces"
mkdir -p "$W" && chmod 777 "$W"
put() { as "$1" sh -c "printf '$3' >'$2'"; }
probe() {
	"$PY" -c '
import errno, os, sys
try:
    if sys.argv[1] == "read":
        fd = os.open(sys.argv[2], os.O_RDONLY)
        os.read(fd, 65536)
    else:
        fd = os.open(sys.argv[2], os.O_WRONLY | os.O_TRUNC)
        os.write(fd, sys.argv[3].encode().decode("unicode_escape").encode())
    os.close(fd)
    print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))' "$@"
}
st() { errno_is "$1" "$2" as "$3" bash -c "PY=$PY; $(declare -f probe); probe $4 '$5' '${6:-}'"; }
# the listing's lines for PATH, as pa
listing() { as $PA cat "$A" | grep -F ",$1," || true; }
# the id of PATH's computation (empty: none)
id_of() { listing "$1" | head -n 1 | cut -d, -f1; }
# wait_for DESC CMD...: CMD succeeds within 60 s (a report takes about
# 1.5 s here, 6 under ASan)
wait_for() {
	local desc=$1 i
	shift
	for i in $(seq 1 1200); do
		if "$@" >/dev/null 2>&1; then pass; return 0; fi
		sleep 0.05
	done
	fail "$desc: not within 60 s"
	return 1
}
# under valgrind every request is tens of times slower: fewer rows, and
# the times are not judged
# enough rows that a report scans for seconds (under valgrind too: its
# scans are ~20x slower, and a scan of 50,000 rows ended within a second)
ROWS=1000000 PAUSE=0.05
[ -n "${CJAFS_WRAP:-}" ] && ROWS=250000 PAUSE=0.5
# fast MS DESC: MS (a time) is under DESC's bound, unless under a wrapper
fast() {
	if [ -n "${CJAFS_WRAP:-}" ]; then pass; else ok "$2 ($1 ms)" test "$1" -lt "$3"; fi
}
listed() { [ -n "$(listing "$1")" ]; }
now() { date +%s.%N; }
ms() { "$PY" -c 'import sys; print(int((float(sys.argv[2]) - float(sys.argv[1])) * 1000))' "$1" "$2"; }
listed_as() { listing "$1" | grep -q ",$2,"; }

# --- a connection of 1,000,000 events, a view with a people metric ---
as $SYS sh -c "printf 'pa@example.com\npa2@example.com\n' >'$MT/admin/product-admins'"
as $SYS sh -c "printf 'prod\n' >'$MT/admin/sandboxes'"
as $SYS mkdir "$MT/admin/platform/full"
as $SYS sh -c "printf '[platform]\nsandboxes = prod\npermissions = $PERMS\n' >'$MT/admin/platform/full/platform.ini'"
as $SYS sh -c "echo pa@example.com >'$MT/admin/platform/full/members'"
as $PA mkdir "$C/c1" "$C/c1/datasets/web"
put $PA "$C/c1/connection.ini" '[connection]\nsandbox = prod\ndata_window_months = 60\n'
put $PA "$C/c1/datasets/web/dataset.ini" '[dataset]\ntype = event\nperson_id = person_id\ntimestamp = timestamp\nfields = person_id, timestamp, page, event, value\n'
if [ -n "${ACT_ROWS_FILE:-}" ]; then cp "$ACT_ROWS_FILE" "$W/rows.csv"; else "$PY" "$(dirname "$0")/../../scripts/gen-rows.py" $ROWS >"$W/rows.csv"; fi
chmod 644 "$W/rows.csv"
tail -n +2 "$W/rows.csv" >"$W/events.csv" && chmod 644 "$W/events.csv"
t0=$(now)
ok "ingest the events" as $PA dd if="$W/events.csv" of="$C/c1/datasets/web/records" bs=1M status=none
mt_log "t_activity: ingest of $(wc -l <"$W/events.csv") rows: $(ms "$t0" "$(now)") ms"
as $PA mkdir "$V/v1"
put $PA "$V/v1/dataview.ini" '[dataview]\nconnection = c1\n'
put $PA "$V/v1/components/page.ini" '[component]\nfield = page\n'
put $PA "$V/v1/components/event.ini" '[component]\nfield = event\n'
put $PA "$V/v1/components/people.ini" '[component]\nkind = metric\nfield = people\n'
put $PA "$V/v1/components/events.ini" '[component]\nkind = metric\nfield = occurrences\n'
put $PA "$V/v1/components/sessions.ini" '[component]\nkind = metric\nfield = sessions\n'
put $PA "$V/v1/components/values.ini" '[component]\nkind = metric\nfield = value\naggregation = distinct\n'

# reader.py PATH OUT MODE: reads PATH to its end (MODE all), 128 KiB a
# read with a pause after each (slow), or one read and then waits for
# OUT.go before it closes (hold), or to its end with a handler for
# SIGUSR1 and its pid in OUT.pid (usr1: Python retries a read that a
# handled signal interrupts); writes "RESULT BYTES FIRST END" to OUT:
# RESULT OK or the errno name, FIRST the time the first read returned
cat >"$W/reader.py" <<'PY'
import errno, os, signal, sys, time
path, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
first, n, res = 0.0, 0, "OK"
if mode == "usr1":
    signal.signal(signal.SIGUSR1, lambda s, f: None)
    with open(out + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(out + ".tmp", out + ".pid")
try:
    fd = os.open(path, os.O_RDONLY)
    try:
        while True:
            b = os.read(fd, 131072)
            if not first:
                first = time.time()
            if not b:
                break
            n += len(b)
            if mode == "slow":
                time.sleep(float(os.environ.get("PAUSE", "0.05")))
            if mode == "hold":
                while not os.path.exists(out + ".go"):
                    time.sleep(0.02)
                break
    finally:
        os.close(fd)
except OSError as e:
    res = errno.errorcode.get(e.errno, str(e.errno))
with open(out + ".tmp", "w") as f:
    f.write("%s %d %.6f %.6f\n" % (res, n, first, time.time()))
os.rename(out + ".tmp", out)
PY
chmod 644 "$W/reader.py"
# start UID PATH NAME MODE: a reader in the background; its result in
# $W/NAME
start() { as "$1" env PAUSE=$PAUSE "$PY" "$W/reader.py" "$2" "$W/$3" "$4" & }
result() { cut -d' ' -f1 "$W/$1" 2>/dev/null; }
done_all() { local n; for n in "$@"; do [ -s "$W/$n" ] || return 1; done; }
# intcat UID PATH NAME: cat PATH in the background as a terminal runs
# it (SIGINT not ignored, as it is for a script's background jobs); its
# pid in $W/NAME.pid
intcat() {
	as "$1" "$PY" -c '
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
os.execvp("cat", ["cat", sys.argv[1]])' "$2" "$W/$3.pid" >/dev/null 2>&1 &
	wait_for "$3 starts" test -s "$W/$3.pid"
}
state_count() { as $PA cat "$A" | awk -F, -v s="$1" '$4 == s' | wc -l; }
# states STATE OP N: test(1) of the number in that state
states() { [ "$(state_count "$1")" "$2" "$3" ]; }
unlisted() { [ -z "$(listing "$1")" ]; }
scanning() { listing "$1" | grep -qv ',0$'; }
REP=/dataviews/v1/report/page.csv
REP2=/dataviews/v1/report/event.csv
t0=$(now)
want_page=$(as $PA cat "$V/v1/report/page.csv")
REPORT_MS=$(ms "$t0" "$(now)")
mt_log "t_activity: report/page.csv over $(wc -l <"$W/rows.csv") rows: ${REPORT_MS} ms"

# --- who may see (who reads /admin) and cancel (product admins) ---
eq "the header alone when nothing runs" "$(as $PA cat "$A")" "id,login,path,state,started,elapsed_ms,rows_scanned"
st "pa reads it" OK $PA read "$A"
st "pa2 (a product admin without platform rights) reads it" OK $PA2 read "$A"
st "a system admin reads it, as all of /admin" OK $SYS read "$A"
st "a product profile admin may not" EACCES $LEAD read "$A"
st "nor a user" EACCES $ANALYST read "$A"
st "an unmapped caller does not either" ENOENT 2999 read "$A"
st "a system admin may not cancel" EACCES $SYS write "$A" 'cancel 1\n'
st "nor a user" EACCES $ANALYST write "$A" 'cancel 1\n'
eq "its mode for a product admin" "$(as $PA stat -c %A "$A")" "-rw-------"
eq "and for a system admin" "$(as $SYS stat -c %A "$A")" "-r--------"

# --- a command that is no command fails at write(2); one naming nothing at close ---
st "a malformed line is refused at write" EINVAL $PA write "$A" 'stop 1\n'
has "/errors says what a command is" "$(as $PA head -n 1 "$MT/errors")" "expected cancel ID, cancel user:LOGIN or cancel path:PATH"
st "cancel of an id nothing has: refused" EINVAL $PA write "$A" 'cancel 999999\n'
has "/errors: no such computation" "$(as $PA head -n 1 "$MT/errors")" "/admin/reporting-activity:1: cancel 999999: no such computation"
st "cancel of a path nothing reads: refused" EINVAL $PA write "$A" 'cancel path:/dataviews/v1/rows.csv\n'

# --- a running report: login, path, state, growing rows_scanned; cancel ID ---
start $PA2 "$V/v1/report/page.csv" r1 all
wait_for "the report is listed as running" listed_as "$REP" running
s1=$(listing "$REP")
has "its login" "$s1" ",pa2@example.com,$REP,running,"
# counted per chunk of rows read: poll until the next chunk is counted
scanned_past() { [ "$(listing "$1" | cut -d, -f7)" -gt "$2" ] 2>/dev/null; }
wait_for "rows_scanned grows past $(echo "$s1" | cut -d, -f7)" \
	scanned_past "$REP" "$(echo "$s1" | cut -d, -f7)"
ok "started is ISO-8601 UTC" sh -c "echo '$s1' | cut -d, -f5 | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\$'"
id=$(id_of "$REP")
st "pa cancels it by id" OK $PA write "$A" "cancel $id\n"
wait_for "the reader ends" done_all r1
eq "its read failed with ECANCELED" "$(result r1)" ECANCELED
eq "no longer listed" "$(listing "$REP")" ""
has "the reader's /errors says who" "$(as $PA2 cat "$MT/errors")" "$REP: cancelled by pa@example.com"
has "audited" "$(as $PA cat "$MT/audit/log")" "	pa@example.com	cancel	$REP	ok	computation $id of pa2@example.com"

# --- queued behind reports = 1; /whoami answers; cancel user: ---
# (two users: a caller has at most 8 streams open)
for i in 1 2 3 4 5 6 7 8 9 10; do
	u=$PA2
	[ $i -gt 6 ] && u=$PA
	if [ $((i % 2)) = 0 ]; then start $u "$V/v1/report/page.csv" q$i all
	else start $u "$V/v1/report/event.csv" q$i all; fi
done
wait_for "computations wait: 6 or more queued" states queued -ge 6
wait_for "one runs (reports = 1)" states running = 1
t0=$(now)
who=$(as 2999 cat "$MT/whoami")
t1=$(now)
WHOAMI_MS=$(ms "$t0" "$t1")
has "/whoami answers while 10 reports wait" "$who" "uid = 2999"
fast "$WHOAMI_MS" "at once" 1000
t0=$(now)
ok "so does a listing of /connections" as $PA ls "$C"
LS_MS=$(ms "$t0" "$(now)")
st "pa cancels all of pa2's and its own, in one write" OK $PA write "$A" 'cancel user:pa2@example.com\ncancel user:pa@example.com\n'
t0=$(now)
wait_for "all ten readers end" done_all q1 q2 q3 q4 q5 q6 q7 q8 q9 q10
CANCEL_MS=$(ms "$t0" "$(now)")
n=0 k=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	case "$(result q$i)" in ECANCELED) n=$((n + 1)) ;; OK) k=$((k + 1)) ;; esac
done
# a report may have come to its end before the cancel
eq "each read failed with ECANCELED but those done before ($k)" "$((n + k))" 10
ok "most were still there to cancel ($n)" test "$n" -ge 6
eq "none listed" "$(as $PA cat "$A" | wc -l)" 1
eq "one audit line each" "$(as $PA cat "$MT/audit/log" | grep -c '	pa@example.com	cancel	/dataviews/v1/report/.*	ok	computation ')" $((n + 1))

# --- served in order ---
start $PA2 "$V/v1/report/page.csv" o1 all
wait_for "the first is listed" listed_as "$REP" running
start $PA "$V/v1/report/event.csv" o2 all
wait_for "the second waits" listed_as "$REP2" queued
start $PA "$V/v1/report/page.csv" o3 all
wait_for "the three end" done_all o1 o2 o3
eq "all read to the end" "$(result o1) $(result o2) $(result o3)" "OK OK OK"
f1=$(cut -d' ' -f3 "$W/o1") f2=$(cut -d' ' -f3 "$W/o2") f3=$(cut -d' ' -f3 "$W/o3")
ok "first bytes in the order asked ($f1 $f2 $f3)" "$PY" -c "import sys; sys.exit(not $f1 < $f2 < $f3)"
eq "a queued report is the same report" "$(as $PA cat "$V/v1/report/page.csv")" "$want_page"

# --- a slow reader of rows.csv holds no slot; cancel path: ---
start $PA "$V/v1/rows.csv" s1 slow
wait_for "rows.csv is listed" listed_as /dataviews/v1/rows.csv running
t0=$(now)
start $PA2 "$V/v1/report/page.csv" s2 all
wait_for "a report is served meanwhile" done_all s2
eq "it read it all" "$(result s2)" OK
[ -s "$W/s1" ] && fail "the slow reader was done before the cancel: make it slower"
st "cancel path:" OK $PA2 write "$A" 'cancel path:/dataviews/v1/rows.csv\n'
wait_for "the slow reader ends" done_all s1
eq "at its next read: ECANCELED" "$(result s1)" ECANCELED
has "its /errors says who" "$(as $PA cat "$MT/errors")" "/dataviews/v1/rows.csv: cancelled by pa2@example.com"

# --- Ctrl-C on cat: at once, and the computation goes ---
intcat $PA2 "$V/v1/report/page.csv" c1
wait_for "cat's report is listed" listed_as "$REP" running
cat_pid=$(cat "$W/c1.pid")
kill -INT $cat_pid
t0=$(now)
for i in $(seq 1 4000); do kill -0 $cat_pid 2>/dev/null || break; sleep 0.005; done
SIGINT_MS=$(ms "$t0" "$(now)")
fast "$SIGINT_MS" "cat ends within 300 ms of SIGINT" 300
wait_for "its computation is gone from the listing" unlisted "$REP"

# --- a queued read that is interrupted leaves the queue without running ---
start $PA2 "$V/v1/report/page.csv" k1 all
wait_for "one computes" listed_as "$REP" running
intcat $PA2 "$V/v1/report/event.csv" c2
wait_for "the other waits" listed_as "$REP2" queued
cat_pid=$(cat "$W/c2.pid")
kill -INT $cat_pid
t0=$(now)
for i in $(seq 1 4000); do kill -0 $cat_pid 2>/dev/null || break; sleep 0.005; done
QSIGINT_MS=$(ms "$t0" "$(now)")
fast "$QSIGINT_MS" "a queued cat ends at once too" 300
eq "gone from the listing" "$(listing "$REP2")" ""
wait_for "the first goes on" done_all k1
eq "and reads to the end" "$(result k1)" OK

# --- a handled signal interrupts a read; read again, the report starts over ---
start $PA2 "$V/v1/report/page.csv" u1 usr1
wait_for "the report is listed" listed_as "$REP" running
wait_for "its scan has begun" scanning "$REP"
kill -USR1 "$(cat "$W/u1.pid")"
wait_for "the reader ends" done_all u1
eq "its retried read went on to the end" "$(cut -d' ' -f1,2 "$W/u1")" "OK $(printf '%s\n' "$want_page" | wc -c)"

# --- a close ends the listing ---
start $PA "$V/v1/rows.csv" h1 hold
wait_for "a reader that stopped reading is listed" listed_as /dataviews/v1/rows.csv running
start $PA2 "$V/v1/report/event.csv" h2 all
wait_for "another's report is served meanwhile" done_all h2
eq "to its end" "$(result h2)" OK
touch "$W/h1.go"
wait_for "the holder closes" done_all h1
wait_for "the closed one is gone from the listing" unlisted /dataviews/v1/rows.csv
eq "nothing listed at last" "$(as $PA cat "$A")" "id,login,path,state,started,elapsed_ms,rows_scanned"

mt_log "t_activity: /whoami ${WHOAMI_MS} ms and ls ${LS_MS} ms with 10 reports waiting; cancel user: ended 10 readers in ${CANCEL_MS} ms; SIGINT to exit ${SIGINT_MS} ms (computing), ${QSIGINT_MS} ms (queued)"
exit 0
