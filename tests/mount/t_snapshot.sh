#!/usr/bin/env bash
# Backup and restore (SPEC §10): /admin/backup read by a system admin while
# another process ingests rows, restored with cjafs --restore into the
# unmounted store, which then mounts, passes tdbtool check, and holds every
# batch acknowledged before the backup began and no part of any other.
# The backup is a tar archive of store.tdb and the row files (rows/ID),
# whose st_size is exact; a bare TDB file (older backups) restores too.
set -u
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002 VIEWER=2006
PERMS="view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
D=$MT/connections/c1/datasets/ev
BATCH=50

as $SYS sh -c "printf 'pa@example.com\n' >'$MT/admin/product-admins'"
as $SYS sh -c "printf 'prod\n' >'$MT/admin/sandboxes'"
as $SYS mkdir "$MT/admin/platform/full"
as $SYS sh -c "printf '[platform]\nsandboxes = prod\npermissions = $PERMS\n' >'$MT/admin/platform/full/platform.ini'"
as $SYS sh -c "echo pa@example.com >'$MT/admin/platform/full/members'"
ok "mkdir c1" as $PA mkdir "$MT/connections/c1"
ok "mkdir ev" as $PA mkdir "$D"
ok "ev settings" as $PA sh -c "printf '[dataset]\nperson_id = pid\ntimestamp = ts\nfields = pid, ts, batch, n\n' >'$D/dataset.ini'"

# --- who may read it ---
eq "backup is listed in /admin" "$(as $SYS ls "$MT/admin" | grep -c '^backup$')" "1"
errno_is "a product admin may not read it" EACCES as $PA bash -c "$(declare -f probe); probe read '$MT/admin/backup'"
errno_is "a viewer may not read it" EACCES as $VIEWER bash -c "$(declare -f probe); probe read '$MT/admin/backup'"
errno_is "nobody writes it" EACCES as $SYS bash -c "$(declare -f probe); probe write '$MT/admin/backup' x"

# --- a backup while another process ingests ---
# The ingester appends batches of BATCH rows, one write(2) each (one
# commit each), and after each write returns writes the batch number to
# ack: the batches acknowledged so far.
cat >"$MT_DIR/ingest.py" <<'PY'
import os, sys
path, ack, stop, batch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
fd = os.open(path, os.O_WRONLY | os.O_APPEND)
a = open(ack, "a")
b = 0
while not os.path.exists(stop):
    rows = "".join("p%d,2026-01-02T03:04:05Z,%d,%d\n" % (b, b, i)
                   for i in range(batch))
    os.write(fd, rows.encode())
    a.write("%d\n" % b)
    a.flush()
    b += 1
os.close(fd)
PY
touch "$MT_DIR/ack"
chmod 666 "$MT_DIR/ack"
as $PA "$PY" "$MT_DIR/ingest.py" "$D/records" "$MT_DIR/ack" "$MT_DIR/stop" $BATCH \
	2>"$MT_DIR/ingest.err" &
ING=$!
for _ in $(seq 1 200); do
	[ "$(wc -l <"$MT_DIR/ack")" -ge 20 ] && break
	sleep 0.05
done
before=$(wc -l <"$MT_DIR/ack")
t0=$(date +%s%N)
if as $SYS cat "$MT/admin/backup" >"$MT_DIR/backup.tar" 2>"$MT_DIR/backup.err"; then pass; else
	fail "sys reads /admin/backup during the ingest: $(cat "$MT_DIR/backup.err")"
fi
t1=$(date +%s%N)
# a little more ingest after the backup, which must not be in it
sleep 0.3
touch "$MT_DIR/stop"
wait $ING
eq "the ingester finished cleanly" "$(cat "$MT_DIR/ingest.err")" ""
after=$(wc -l <"$MT_DIR/ack")
mt_log "backup: $(stat -c %s "$MT_DIR/backup.tar") bytes in $(((t1 - t0) / 1000000)) ms; $before batches acknowledged before, $after at the end"
ok "the ingest went on after the backup began ($before, $after)" test "$after" -gt "$before"
list=$(tar tf "$MT_DIR/backup.tar" 2>&1)
eq "tar tf: store.tdb first" "$(echo "$list" | sed -n 1p)" "store.tdb"
eq "tar tf: then only row files" "$(echo "$list" | sed 1d | grep -cvE '^rows/[0-9a-f]{16}$')" "0"
ok "tar tf: some row files" test "$(echo "$list" | grep -c '^rows/')" -gt 0
mkdir -p "$MT_DIR/untar"
ok "tar x" tar -C "$MT_DIR/untar" -xf "$MT_DIR/backup.tar"
ok "the backup's store.tdb passes tdbtool check" sh -c "tdbtool '$MT_DIR/untar/store.tdb' check | grep -q 'is OK'"
nrec=$(tdbtool "$MT_DIR/untar/store.tdb" keys | grep -cE '^key [0-9]+ bytes: f:[0-9a-f]{16}$')
eq "one row file per f:ID record" "$(echo "$list" | grep -c '^rows/')" "$nrec"
# st_size is exact: what a read of it returns while nothing changes
st=$(as $SYS stat -c %s "$MT/admin/backup")
eq "st_size of /admin/backup is the bytes read" "$(as $SYS cat "$MT/admin/backup" | wc -c)" "$st"
ok "the snapshot left no file next to the store" sh -c "! ls '$MT_DIR' | grep -q 'store.tdb.backup'"

# the open takes the snapshot (the time other callers wait)
open_ms=$(as $SYS "$PY" -c '
import os, sys, time
t = time.monotonic()
fd = os.open(sys.argv[1], os.O_RDONLY)
print("%.1f" % ((time.monotonic() - t) * 1000))
os.close(fd)' "$MT/admin/backup")
mt_log "backup: opening /admin/backup (the snapshot) of $(stat -c %s "$MT_DIR/store.tdb") bytes took $open_ms ms"

# --- restore: refused while mounted, over a store without --force ---
printf 'not a store\n' >"$MT_DIR/junk"
out=$("$CJAFS" --restore "$MT_DIR/backup.tar" --force -c "$MT_DIR/cjafs.ini" 2>&1)
eq "restore into the mounted store: exit 2" "$?" "2"
has "restore into the mounted store: why" "$out" "store is in use"
mt_unmount
out=$("$CJAFS" --restore "$MT_DIR/backup.tar" -c "$MT_DIR/cjafs.ini" 2>&1)
eq "restore over a store: exit 2" "$?" "2"
has "restore over a store: why" "$out" "store exists; not overwriting (--force replaces it)"
out=$("$CJAFS" --restore "$MT_DIR/junk" --force -c "$MT_DIR/cjafs.ini" 2>&1)
eq "restore of a file that is not a store: exit 2" "$?" "2"
has "restore of a file that is not a store: why" "$out" "not a cjafs store"
ok "a refused restore left the store alone" sh -c "tdbtool '$MT_DIR/store.tdb' keys | grep -q 'ev'"
out=$("$CJAFS" --restore "$MT_DIR/missing" -c "$MT_DIR/cjafs.ini" 2>&1)
eq "restore of a missing file: exit 2" "$?" "2"

# --- restore into a new store path, then over the old one ---
sed 's/^path = store.tdb/path = restored.tdb/' "$MT_DIR/cjafs.ini" >"$MT_DIR/restored.ini"
ok "restore into a new path" "$CJAFS" --restore "$MT_DIR/backup.tar" -c "$MT_DIR/restored.ini"
ok "the restored store passes tdbtool check" sh -c "tdbtool '$MT_DIR/restored.tdb' check | grep -q 'is OK'"
eq "restored store is private" "$(stat -c %a "$MT_DIR/restored.tdb")" "600"
ok "restore --force over the unmounted store" "$CJAFS" --restore "$MT_DIR/backup.tar" --force -c "$MT_DIR/cjafs.ini"
ok "no temporary file left" sh -c "! ls '$MT_DIR' | grep -q '\.restore'"
ok "nor an old rows directory" sh -c "! ls '$MT_DIR' | grep -q '\.rows\.old'"
eq "the restored rows are the backup's" "$(ls "$MT_DIR/store.tdb.rows" | sed 's|^|rows/|')" "$(echo "$list" | sed 1d | sort)"
if ! mt_mount; then
	fail "the restored store does not mount"
	exit 1
fi
pass
as $PA cat "$D/records" >"$MT_DIR/rows" 2>&1
"$PY" - "$MT_DIR/rows" "$before" "$after" $BATCH >"$MT_DIR/verdict" <<'PY'
import collections, sys
rows, before, after, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
count = collections.Counter()
for line in open(rows):
    f = line.rstrip("\n").split(",")
    if len(f) == 4 and f[2].isdigit():
        count[int(f[2])] += 1
missing = [b for b in range(before) if count[b] != batch]
partial = [b for b, n in count.items() if n != batch]
print("missing", missing[:5])
print("partial", partial[:5])
print("later", len(count) < after)
PY
eq "every batch acknowledged before the backup is whole" "$(sed -n 1p "$MT_DIR/verdict")" "missing []"
eq "no batch is there in part" "$(sed -n 2p "$MT_DIR/verdict")" "partial []"
eq "batches acknowledged after the backup are not all there" "$(sed -n 3p "$MT_DIR/verdict")" "later True"
has "the restored store answers as before" "$(as $PA cat "$D/dataset.ini")" "fields = pid, ts, batch, n"
exit 0
