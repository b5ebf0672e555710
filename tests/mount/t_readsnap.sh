#!/usr/bin/env bash
# Reads are snapshots: records, rows.csv and a report opened before a
# change (an ingest, a delete line, a component removed, the dataset
# removed) read what was committed when they were opened, byte for byte,
# while the changes go through; a read past the end of records (tail -f)
# goes on with what was appended since; the row files an open snapshot
# needs stay until it is closed, and then go.
set -u
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002
C=$MT/connections
V=$MT/dataviews
D=$MT_DIR/data
ROWS=$MT_DIR/store.tdb.rows
PERMS="view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces"

put() { as "$1" sh -c "printf '$3' >'$2'"; }
nfiles() { find "$ROWS" -type f | wc -l; }

mkdir -p "$D"
OUT=$MT_DIR/out
mkdir -m 777 "$OUT"
python3 - "$D" <<'PY'
import random, sys, time
random.seed(17)
now = int(time.time())
def rows(n, base):
    return ["p%03d,%d,/page/%d,%d\n" % (random.randrange(300),
            now - random.randrange(86400, 200 * 86400),
            random.randrange(40), base + i) for i in range(n)]
open(sys.argv[1] + "/a.csv", "w").writelines(rows(30000, 0))
open(sys.argv[1] + "/b.csv", "w").writelines(rows(5000, 100000))
PY
chmod 644 "$D"/*.csv

as $SYS sh -c "printf 'pa@example.com\n' >'$MT/admin/product-admins'"
as $SYS sh -c "printf 'prod\n' >'$MT/admin/sandboxes'"
as $SYS mkdir "$MT/admin/platform/full"
as $SYS sh -c "printf '[platform]\nsandboxes = prod\npermissions = $PERMS\n' >'$MT/admin/platform/full/platform.ini'"
as $SYS sh -c "echo pa@example.com >'$MT/admin/platform/full/members'"
as $PA mkdir "$C/web" "$C/web/datasets/hits"
put $PA "$C/web/connection.ini" '[connection]\nsandbox = prod\n'
put $PA "$C/web/datasets/hits/dataset.ini" '[dataset]\ntype = event\nperson_id = who\ntimestamp = ts\nfields = who, ts, page, n\n'
ok "ingest" as $PA cp "$D/a.csv" "$C/web/datasets/hits/records"
as $PA mkdir "$V/site"
put $PA "$V/site/dataview.ini" '[dataview]\nconnection = web\n'
put $PA "$V/site/components/page.ini" '[component]\nfield = page\n'
put $PA "$V/site/components/events.ini" '[component]\nkind = metric\nfield = occurrences\n'
put $PA "$V/site/components/people.ini" '[component]\nkind = metric\nfield = people\n'

# what each file gives before the changes
REC=$C/web/datasets/hits/records
as $PA cat "$REC" >"$OUT/rec.before"
as $PA cat "$V/site/rows.csv" >"$OUT/rows.before"
as $PA cat "$V/site/report/page.csv" >"$OUT/rep.before"
eq "records holds the ingest" "$(($(wc -l <"$OUT/rec.before") - 1))" 30000

# open all three, change everything, then read them
out=$(as $PA /usr/bin/python3 - "$REC" "$V/site/rows.csv" "$V/site/report/page.csv" \
	"$D/b.csv" "$V/site/components/people.ini" "$OUT" <<'PY'
import os, sys
rec, rows, rep, more, comp, out = sys.argv[1:7]
fds = [os.open(p, os.O_RDONLY) for p in (rec, rows, rep)]
# a first piece of each: the report is computed at its first read
first = [os.read(fd, 4096) for fd in fds]
with open(more, "rb") as f, open(rec, "ab") as w:
    w.write(f.read())
with open(rec, "ab") as w:
    w.write(b"delete person_id=p007\n")
os.unlink(comp)
os.rmdir(os.path.dirname(comp))   # the rmdir of a fixed dir is staged
def rest(fd, head):
    data = [head]
    while True:
        b = os.read(fd, 1 << 16)
        if not b:
            return b"".join(data)
        data.append(b)
for name, fd, head in zip(("rec", "rows", "rep"), fds, first):
    open(out + "/" + name + ".during", "wb").write(rest(fd, head))
    os.close(fd)
print("read")
PY
)
eq "the reads finished" "$out" "read"
ok "records opened before reads what was committed then" cmp "$OUT/rec.before" "$OUT/rec.during"
ok "rows.csv opened before reads what was committed then" cmp "$OUT/rows.before" "$OUT/rows.during"
ok "the report opened before reads what was committed then" cmp "$OUT/rep.before" "$OUT/rep.during"
now=$(as $PA cat "$REC" | wc -l)
eq "a new read sees the ingest and the delete" "$now" "$((35001 - $(grep -c '^p007,' "$D/a.csv") - $(grep -c '^p007,' "$D/b.csv")))"
hasnt "a new report has no people column" "$(as $PA head -n 1 "$V/site/report/page.csv")" "people"

# tail -f: a read past the end goes on with what was appended since
out=$(as $PA /usr/bin/python3 - "$REC" <<'PY'
import os, sys
rec = sys.argv[1]
fd = os.open(rec, os.O_RDONLY)
n = 0
while True:
    b = os.read(fd, 1 << 16)
    if not b:
        break
    n += len(b)
with open(rec, "ab") as w:
    w.write(b"p999,1767225600,/tail,1\np999,1767225601,/tail,2\n")
more = b""
while True:
    b = os.read(fd, 1 << 16)
    if not b:
        break
    more += b
os.close(fd)
print(n == os.stat(rec).st_size - len(more), more.decode().strip().replace("\n", "|"))
PY
)
eq "records read past its end gives the rows appended since" "$out" "True p999,1767225600,/tail,1|p999,1767225601,/tail,2"

# the files an open snapshot needs stay until it is closed
as $PA mkdir "$C/web/datasets/tmp"
put $PA "$C/web/datasets/tmp/dataset.ini" '[dataset]\ntype = event\nperson_id = who\ntimestamp = ts\nfields = who, ts, page, n\n'
before=$(nfiles)
ok "ingest into tmp" as $PA cp "$D/a.csv" "$C/web/datasets/tmp/records"
with=$(nfiles)
[ "$with" -gt "$before" ] && pass || fail "ingest made no row files ($before, $with)"
as $PA cat "$V/site/rows.csv" >"$OUT/tmp.before"
# the reader opens the view's rows.csv, removes the dataset, says so, and
# waits for "go" before it reads on; meanwhile the files are counted
# here (the reader may not list the store's directory)
as $PA /usr/bin/python3 - "$C/web/datasets/tmp" "$V/site/rows.csv" "$OUT" <<'PY' &
import os, subprocess, sys, time
ds, rows, out = sys.argv[1], sys.argv[2], sys.argv[3]
fd = os.open(rows, os.O_RDONLY)
head = os.read(fd, 100)
subprocess.run(["rm", "-r", ds], check=True)
open(out + "/removed", "w").write(str(not os.path.exists(ds)))
while not os.path.exists(out + "/go"):
    time.sleep(0.02)
data = [head]
while True:
    b = os.read(fd, 1 << 16)
    if not b:
        break
    data.append(b)
os.close(fd)
open(out + "/tmp.during", "wb").write(b"".join(data))
PY
reader=$!
for i in $(seq 1 500); do [ -s "$OUT/removed" ] && break; sleep 0.02; done
eq "the dataset is removed while a descriptor is open" "$(cat "$OUT/removed")" "True"
kept=$(nfiles)
touch "$OUT/go"
wait $reader
[ "$kept" -gt "$before" ] && pass || fail "the open snapshot's files went ($before, $kept)"
ok "rows.csv opened before the removal reads the removed rows" cmp "$OUT/tmp.before" "$OUT/tmp.during"
ok "the removed rows are in it" test "$(wc -l <"$OUT/tmp.during")" -gt 60000
eq "their row files go when the descriptor closes" "$(nfiles)" "$before"

# reads that run at once share a profile table (built once, by one of
# them): each gets what it gets alone, byte for byte
as $PA mkdir "$C/web/datasets/tiers"
put $PA "$C/web/datasets/tiers/dataset.ini" '[dataset]\ntype = profile\nperson_id = who\nfields = who, tier\n'
python3 -c 'import sys; sys.stdout.write("".join("p%03d,t%d\n" % (i, i % 7) for i in range(300)))' >"$D/tiers.csv"
ok "ingest the profiles" as $PA cp "$D/tiers.csv" "$C/web/datasets/tiers/records"
put $PA "$V/site/components/tier.ini" '[component]\nfield = tier\n'
as $PA cat "$V/site/report/tier.csv" >"$OUT/tier.alone"
as $PA cat "$V/site/rows.csv" >"$OUT/rows.alone"
has "the report joins the profiles" "$(cat "$OUT/tier.alone")" "t6,"
pids=
for i in 1 2 3; do
	as $PA sh -c "cat '$V/site/report/tier.csv' >'$OUT/tier.$i'" &
	pids="$pids $!"
	as $PA sh -c "cat '$V/site/rows.csv' >'$OUT/rows.$i'" &
	pids="$pids $!"
done
# (not a bare wait: the daemon is a child of this shell too)
for p in $pids; do wait "$p"; done
for i in 1 2 3; do
	ok "report $i of 3 at once is the report alone" cmp "$OUT/tier.alone" "$OUT/tier.$i"
	ok "rows.csv $i of 3 at once is rows.csv alone" cmp "$OUT/rows.alone" "$OUT/rows.$i"
done
