#!/usr/bin/env bash
# Backups and copies lose nothing: records and /audit/log report their
# exact st_size, so tar, rsync -a and Python's shutil.copytree (as a
# product admin) copy them byte for byte, as cat reads them; the mtime of
# every file is the time of the newest commit among its inputs, so find
# -newer after an ingest lists records, the connection's status, rows.csv
# and the view's reports (and not the files the ingest left alone), and a
# second rsync -a picks the new rows up; tail -f /audit/log follows lines
# another user causes.  Also: a UTF-8 byte order mark at the start of
# what is appended to records is no row, and report sums of values with
# two decimals are exact (no float noise), against Python's Decimal.
set -u
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002 PA2=2003
C=$MT/connections
V=$MT/dataviews
W=$MT_DIR/work
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
PERMS="view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces"
mkdir -p "$W" && chmod 777 "$W"

put() { as "$1" sh -c "printf '$3' >'$2'"; }
# size_is DESC UID PATH: st_size is what a full read returns
size_is() {
	local st n
	st=$(as "$2" stat -c %s "$3")
	n=$(as "$2" cat "$3" | wc -c)
	eq "$1: st_size is the bytes read" "$st" "$n"
}
# same DESC FILE PATH: FILE (a copy) holds what cat of PATH (as pa) reads
same() {
	if as $PA cat "$2" | cmp -s - "$1"; then pass; else
		fail "$3: $1 differs from cat of $2 ($(stat -c %s "$1" 2>&1) bytes vs $(as $PA cat "$2" | wc -c))"
	fi
}

# --- the Admin Console, a connection, a dataset, a view ---
as $SYS sh -c "printf 'pa@example.com\npa2@example.com\n' >'$MT/admin/product-admins'"
as $SYS sh -c "printf 'prod\n' >'$MT/admin/sandboxes'"
as $SYS mkdir "$MT/admin/platform/full"
as $SYS sh -c "printf '[platform]\nsandboxes = prod\npermissions = $PERMS\n' >'$MT/admin/platform/full/platform.ini'"
as $SYS sh -c "echo pa@example.com >'$MT/admin/platform/full/members'"
as $PA mkdir "$C/c1" "$C/c1/datasets/web" "$C/c2"
put $PA "$C/c1/connection.ini" '[connection]\nsandbox = prod\ndata_window_months = 60\n'
put $PA "$C/c1/datasets/web/dataset.ini" '[dataset]\ntype = event\nperson_id = person_id\ntimestamp = ts\nfields = person_id, ts, page, value\n'

# 20000 events over several chunks, prices with two decimals
"$PY" - "$W" <<'PY'
import random, sys
random.seed(7)
w = sys.argv[1]
def rows(n, start):
    out = []
    for i in range(start, start + n):
        page = random.choice(["home", "search", "cart", "checkout"])
        value = random.choice(["", "%d.%02d" % (random.randrange(500), random.randrange(100)),
                               "%d.%d" % (random.randrange(50), random.randrange(10)),
                               str(random.randrange(90))])
        out.append("p%04d,%d,%s,%s\n" % (i % 997, 1700000000 + i * 37, page, value))
    return out
open(w + "/events.csv", "w").writelines(rows(20000, 0))
open(w + "/more.csv", "w").writelines(rows(300, 20000))
PY
chmod 644 "$W"/*.csv
ok "ingest 20000 events" as $PA cp "$W/events.csv" "$C/c1/datasets/web/records"
eq "all stored" "$(as $PA sed -n 's/^rows = //p' "$C/c1/datasets/web/status")" 20000
as $PA mkdir "$V/v1"
put $PA "$V/v1/dataview.ini" '[dataview]\nconnection = c1\n'
put $PA "$V/v1/components/page.ini" '[component]\nfield = page\n'
put $PA "$V/v1/components/revenue.ini" '[component]\nkind = metric\nfield = value\naggregation = sum\n'
put $PA "$V/v1/components/events.ini" '[component]\nkind = metric\nfield = occurrences\n'
REC=$C/c1/datasets/web/records
LOG=$MT/audit/log
# what is counted for the log is written before a copy stats it
as $PA cat "$LOG" >/dev/null

# --- exact sizes ---
size_is "records" $PA "$REC"
size_is "/audit/log" $PA "$LOG"
size_is "/audit/log.1 (none yet)" $PA "$MT/audit/log.1"
ok "records is more than its header" test "$(as $PA stat -c %s "$REC")" -gt 100000
eq "rows.csv stays a /proc-like stream" "$(as $PA stat -c %s "$V/v1/rows.csv")" 0

# --- tar, rsync -a, shutil.copytree: byte for byte ---
ok "tar of the dataset" as $PA tar -C "$C/c1/datasets" -cf "$W/ds.tar" web
ok "tar of the audit log" as $PA tar -C "$MT/audit" -cf "$W/audit.tar" log
mkdir "$W/tar" && chmod 777 "$W/tar"
ok "untar" as $PA sh -c "tar -C '$W/tar' -xf '$W/ds.tar' && tar -C '$W/tar' -xf '$W/audit.tar'"
same "$W/tar/web/records" "$REC" tar
same "$W/tar/log" "$LOG" tar
ok "rsync -a of the dataset" as $PA rsync -a "$C/c1/datasets/web/" "$W/rs/"
ok "rsync -a of the audit log" as $PA rsync -a "$LOG" "$W/rs-log"
same "$W/rs/records" "$REC" "rsync -a"
same "$W/rs-log" "$LOG" "rsync -a"
ok "shutil.copytree" as $PA "$PY" -c '
import shutil, sys
shutil.copytree(sys.argv[1], sys.argv[3] + "/ct")
shutil.copytree(sys.argv[2], sys.argv[3] + "/ct-audit")' "$C/c1/datasets/web" "$MT/audit" "$W"
same "$W/ct/records" "$REC" copytree
same "$W/ct-audit/log" "$LOG" copytree
eq "copytree keeps the mtime" "$(stat -c %Y "$W/ct/records")" "$(as $PA stat -c %Y "$REC")"

# --- mtimes follow commits, not the clock ---
m_rows=$(as $PA stat -c %Y "$V/v1/rows.csv")
m_rep=$(as $PA stat -c %Y "$V/v1/report/page.csv")
sleep 1.1
eq "time alone moves no rows.csv" "$(as $PA stat -c %Y "$V/v1/rows.csv")" "$m_rows"
eq "time alone moves no report" "$(as $PA stat -c %Y "$V/v1/report/page.csv")" "$m_rep"
touch -d "@$(date +%s)" "$W/ref"
sleep 1.1
ok "ingest 300 more" as $PA cp "$W/more.csv" "$REC"
newer=$(as $PA find "$C" "$V" "$MT/audit" -newer "$W/ref" 2>/dev/null | sed "s|^$MT||" | sort)
has "find -newer: records" "$newer" "/connections/c1/datasets/web/records"
has "find -newer: the dataset's status" "$newer" "/connections/c1/datasets/web/status"
has "find -newer: the connection's status" "$newer" "/connections/c1/status"
has "find -newer: usage" "$newer" "/connections/usage"
has "find -newer: rows.csv" "$newer" "/dataviews/v1/rows.csv"
has "find -newer: the view's report" "$newer" "/dataviews/v1/report/page.csv"
has "find -newer: the audit log" "$newer" "/audit/log"
hasnt "find -newer: not connection.ini" "$newer" "/connections/c1/connection.ini"
hasnt "find -newer: not another connection" "$newer" "/connections/c2/"
hasnt "find -newer: not dataview.ini" "$newer" "/dataviews/v1/dataview.ini"
hasnt "find -newer: not a component" "$newer" "/dataviews/v1/components/"
# a component added or removed moves the view's computed files; a
# delete of rows moves records
touch -d "@$(date +%s)" "$W/ref"
sleep 1.1
put $PA "$V/v1/components/other.ini" '[component]\nfield = person_id\n'
newer=$(as $PA find "$V" -newer "$W/ref" 2>/dev/null | sed "s|^$MT||" | sort)
has "a new component moves rows.csv" "$newer" "/dataviews/v1/rows.csv"
has "a new component moves the reports" "$newer" "/dataviews/v1/report/page.csv"
touch -d "@$(date +%s)" "$W/ref"
sleep 1.1
ok "rm a component" as $PA rm "$V/v1/components/other.ini"
newer=$(as $PA find "$V" -newer "$W/ref" 2>/dev/null | sed "s|^$MT||" | sort)
has "a component removed moves the reports" "$newer" "/dataviews/v1/report/page.csv"
touch -d "@$(date +%s)" "$W/ref"
sleep 1.1
put $PA "$REC" 'delete person_id=p0001\n'
newer=$(as $PA find "$C" "$V" -newer "$W/ref" 2>/dev/null | sed "s|^$MT||" | sort)
has "a delete moves records" "$newer" "/connections/c1/datasets/web/records"
has "a delete moves the reports" "$newer" "/dataviews/v1/report/page.csv"
size_is "records after a delete" $PA "$REC"
# rsync's quick check (size and mtime) sees the change
ok "rsync -a again" as $PA rsync -a "$C/c1/datasets/web/" "$W/rs/"
same "$W/rs/records" "$REC" "second rsync -a"

# --- tail -f follows the log ---
as $PA cat "$LOG" >/dev/null
as $PA timeout 4 tail -f "$LOG" >"$W/tail.out" 2>"$W/tail.err" &
tailpid=$!
sleep 1.2
as $PA2 mkdir "$MT/admin/profiles/tailmark1"
sleep 1.2
as $PA2 mkdir "$MT/admin/profiles/tailmark2"
wait $tailpid
tailed=$(cat "$W/tail.out")
has "tail -f shows the log's last lines" "$tailed" "	pa@example.com	"
has "tail -f follows a line" "$tailed" "	pa2@example.com	mkdir	/admin/profiles/tailmark1	ok"
has "tail -f follows the next" "$tailed" "	pa2@example.com	mkdir	/admin/profiles/tailmark2	ok"
eq "tail -f complains of nothing" "$(cat "$W/tail.err")" ""
size_is "/audit/log after more lines" $PA "$LOG"

# --- a byte order mark ---
as $PA mkdir "$C/c1/datasets/tiers"
put $PA "$C/c1/datasets/tiers/dataset.ini" '[dataset]\ntype = profile\nperson_id = person_id\nfields = person_id, tier\n'
TR=$C/c1/datasets/tiers
size_is "records of a dataset without rows" $PA "$TR/records"
eq "which is its header" "$(as $PA cat "$TR/records")" "person_id,tier"
ok "a CSV with a BOM and a header" put $PA "$TR/records" '\357\273\277person_id,tier\np1,gold\n'
st=$(as $PA cat "$TR/status")
has "the BOM and the header are no row" "$st" "rows = 1
ingested = 1
skipped = 0"
ok "a BOM before a row" put $PA "$TR/records" '\357\273\277p2,silver\n'
ok "a header with a BOM inside a write" put $PA "$TR/records" 'p3,bronze\n\357\273\277person_id,tier\np4,gold\n'
st=$(as $PA cat "$TR/status")
has "three more rows, nothing skipped" "$st" "rows = 4
ingested = 4
skipped = 0"
eq "records holds no BOM" "$(as $PA cat "$TR/records")" "person_id,tier
p1,gold
p2,silver
p3,bronze
p4,gold"
size_is "records of tiers" $PA "$TR/records"

# --- exact decimal sums ---
want=$(as $PA cat "$REC" | "$PY" -c '
import csv, sys
from decimal import Decimal
sums, n = {}, {}
for r in csv.DictReader(sys.stdin):
    d = sums.setdefault(r["page"], Decimal(0))
    n[r["page"]] = n.get(r["page"], 0) + 1
    if r["value"]:
        sums[r["page"]] = d + Decimal(r["value"])
def fmt(d):
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s
print("page,events,revenue")
for p in sorted(sums, key=lambda p: (-n[p], p)):
    print("%s,%d,%s" % (p, n[p], fmt(sums[p])))')
eq "report sums are exact decimals" "$(as $PA cat "$V/v1/report/page.csv")" "$want"
noise=$(as $PA cat "$V/v1/report/page.csv" | grep -cE '\.[0-9]{3,}')
eq "no float noise in sums" "$noise" 0

exit 0
