#!/usr/bin/env bash
# Row files (PATH.rows beside the store PATH) on a real mount: (a) files no
# record names are removed when the store opens, and the log says so; (b)
# a damaged row file makes records and a report over it fail with EIO
# (never wrong rows), with the file named in the daemon's log; (c) on a
# full disk (a 64 MiB tmpfs) the write that does not fit gets ENOSPC with
# an /errors line and leaves nothing, while admin changes, deletes and
# reads go on, and deleting rows makes room again; (d) a store of version
# 1 (rows in the TDB file) opens, its rows move to row files, and read
# back the same, also when restored from a bare TDB file (an old backup);
# (e) a backup of a store that lost a row file fails with EIO naming it,
# a backup that lacks one is refused by --restore; (f) a backup being
# read keeps the row files it names (rm -r of a dataset meanwhile takes
# nothing from it), and a restore cut short after its commit point is
# finished by the next open.
set -u
. "$(dirname "$0")/lib.sh"
mt_setup
trap 'mt_unmount; umount "$MT_DIR/small" 2>/dev/null; mt_cleanup' EXIT

SYS=2001 PA=2002
PERMS="view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
DATA=$(cd "$(dirname "$0")/../data/store-v1" && pwd)
C=$MT/connections
D=$C/c1/datasets/ev
ROWS=$MT_DIR/store.tdb.rows
W=$MT_DIR/work
mkdir -p "$W" && chmod 777 "$W"

# probe ACTION PATH: OK or the errno name of reading PATH whole
probe() {
	"$PY" -c '
import errno, sys
try:
    with open(sys.argv[1], "rb") as f:
        while f.read(1 << 16):
            pass
    print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))' "$1"
}
# setup_admin: the Admin Console a product admin needs
setup_admin() {
	as $SYS sh -c "printf 'pa@example.com\n' >'$MT/admin/product-admins'"
	as $SYS sh -c "printf 'prod\n' >'$MT/admin/sandboxes'"
	as $SYS mkdir "$MT/admin/platform/full"
	as $SYS sh -c "printf '[platform]\nsandboxes = prod\npermissions = $PERMS\n' >'$MT/admin/platform/full/platform.ini'"
	as $SYS sh -c "echo pa@example.com >'$MT/admin/platform/full/members'"
}
# setup_ds: connection c1 and dataset ev
setup_ds() {
	as $PA mkdir "$C/c1" "$D"
	as $PA sh -c "printf '[connection]\nsandbox = prod\n' >'$C/c1/connection.ini'"
	as $PA sh -c "printf '[dataset]\nperson_id = pid\ntimestamp = ts\nfields = pid, ts, page, n\n' >'$D/dataset.ini'"
}
rows_of() { as $PA sed -n 's/^rows = //p' "$1/status"; }
# stored: the row files' names, one a line
stored() { ls "$ROWS" | sort; }
# named: the ids the store's f:ID records name, one a line
named() {
	tdbtool "$MT_DIR/store.tdb" keys | sed -n 's/^key [0-9]* bytes: f:\([0-9a-f]\{16\}\)$/\1/p' | sort
}

setup_admin
setup_ds
"$PY" -c '
import random
random.seed(3)
for i in range(20000):
    print("p%d,2026-02-%02dT10:00:00Z,%s,%d" % (i % 501, 1 + i % 28,
          random.choice(["home", "cart", "\"a,b\""]), random.randrange(10**6)))' >"$W/ev.csv"
chmod 644 "$W/ev.csv"
ok "ingest 20000 rows" as $PA cp "$W/ev.csv" "$D/records"
eq "all stored" "$(rows_of "$D")" 20000
as $PA cat "$D/records" >"$W/before"

# --- (a) orphans go when the store opens ---
mt_unmount
eq "every row file has its record" "$(stored)" "$(named)"
ok "there are row files" test -n "$(stored)"
printf 'stray' >"$ROWS/00000000deadbeef"
printf 'junk' >"$ROWS/junk.txt"
: >"$MT_DIR/daemon.log"
mt_mount || { fail "no remount"; exit 1; }
ok "the stray row file is gone" test ! -e "$ROWS/00000000deadbeef"
ok "the junk file is gone" test ! -e "$ROWS/junk.txt"
has "the log says so" "$(cat "$MT_DIR/daemon.log")" "removed 2 row files no dataset names from $ROWS"
eq "the rows are all there" "$(as $PA cat "$D/records" | cmp - "$W/before" && echo same)" "same"

# --- (b) damage reads as EIO, and the log names the file ---
as $PA mkdir "$MT/dataviews/v1"
as $PA sh -c "printf '[dataview]\nconnection = c1\n' >'$MT/dataviews/v1/dataview.ini'"
as $PA sh -c "printf '[component]\nfield = page\n' >'$MT/dataviews/v1/components/page.ini'"
eq "a report before the damage" "$(as $PA bash -c "$(declare -f probe); PY=$PY probe '$MT/dataviews/v1/report/page.csv'")" "OK"
victim=$(stored | head -n 1)
size=$(stat -c %s "$ROWS/$victim")
cp "$ROWS/$victim" "$W/victim"
# a byte in the middle of the frame, not its size
"$PY" -c '
import sys
p, off = sys.argv[1], int(sys.argv[2]) // 2
with open(p, "r+b") as f:
    f.seek(off)
    b = f.read(1)
    f.seek(off)
    f.write(bytes([b[0] ^ 0x5a]))' "$ROWS/$victim" "$size"
: >"$MT_DIR/daemon.log"
eq "cat records fails with EIO" "$(as $PA bash -c "$(declare -f probe); PY=$PY probe '$D/records'")" "EIO"
eq "a report over it fails with EIO" "$(as $PA bash -c "$(declare -f probe); PY=$PY probe '$MT/dataviews/v1/report/page.csv'")" "EIO"
has "the log names the file" "$(cat "$MT_DIR/daemon.log")" "row file $ROWS/$victim is damaged"
cp "$W/victim" "$ROWS/$victim"
eq "put back, it reads whole again" "$(as $PA cat "$D/records" | cmp - "$W/before" && echo same)" "same"

# --- (c) a full disk ---
mt_unmount
mkdir "$MT_DIR/small"
if ! mount -t tmpfs -o size=64m tmpfs "$MT_DIR/small"; then
	fail "cannot mount a tmpfs"
	exit 1
fi
sed -i 's|^path = store.tdb$|path = small/store.tdb|' "$MT_DIR/cjafs.ini"
ROWS=$MT_DIR/small/store.tdb.rows
"$CJAFS" --init -c "$MT_DIR/cjafs.ini" >/dev/null || fail "init on the tmpfs"
mt_mount || { fail "no mount on the tmpfs"; exit 1; }
setup_admin
setup_ds
as $PA mkdir "$C/c1/datasets/keep"
as $PA sh -c "printf '[dataset]\nperson_id = pid\ntimestamp = ts\nfields = pid, ts, page, n\n' >'$C/c1/datasets/keep/dataset.ini'"
ok "a few rows to keep" as $PA sh -c "head -n 1000 '$W/ev.csv' >>'$C/c1/datasets/keep/records'"
as $PA cat "$C/c1/datasets/keep/records" >"$W/keep"
# batches of ~60 KiB of rows that hardly compress, one write(2) each,
# until one fails; prints the rows acknowledged and the errno
cat >"$W/fill.py" <<'PY'
import base64, errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
acked, i = 0, 0
while True:
    rows = []
    for _ in range(600):
        rows.append("f%d,2026-03-01T00:00:00Z,%s,%d\n" % (
            i % 997, base64.b64encode(os.urandom(72)).decode(), i))
        i += 1
    try:
        os.write(fd, "".join(rows).encode())
    except OSError as e:
        print(acked, errno.errorcode.get(e.errno, str(e.errno)))
        break
    acked += len(rows)
    if acked > 5000000:
        print(acked, "no error")
        break
PY
res=$(as $PA "$PY" "$W/fill.py" "$D/records")
acked=${res% *}
mt_log "t_rowfiles: a 64 MiB tmpfs took $acked rows ($(du -sm "$ROWS" | cut -f1) MiB of row files, store file $(stat -c %s "$MT_DIR/small/store.tdb") bytes) before: ${res#* }"
eq "the write that does not fit: ENOSPC" "${res#* }" "ENOSPC"
eq "nothing of it is stored" "$(rows_of "$D")" "$acked"
has "/errors says why" "$(as $PA cat "$MT/errors")" "no space"
ok "records reads back whole" sh -c "test \$(setpriv --reuid=$PA --regid=$PA --clear-groups cat '$D/records' | wc -l) -eq $((acked + 1))"
eq "the other dataset reads back" "$(as $PA cat "$C/c1/datasets/keep/records" | cmp - "$W/keep" && echo same)" "same"
ok "mkdir of a profile still works" as $PA mkdir "$MT/admin/profiles/p"
ok "a profile.ini edit still works" as $PA sh -c "printf '[data_views]\nauto_include = true\n' >'$MT/admin/profiles/p/profile.ini'"
ok "mkdir of a connection still works" as $PA mkdir "$C/c2"
ok "a delete of rows still works" as $PA sh -c "printf 'delete person_id=p1\n' >>'$C/c1/datasets/keep/records'"
eq "... and took the rows" "$(rows_of "$C/c1/datasets/keep")" "998"
ok "rmdir of the full dataset" as $PA rm -r "$D"
ok "then ingest works again" as $PA sh -c "head -n 5000 '$W/ev.csv' >>'$C/c1/datasets/keep/records'"
eq "... all of it" "$(rows_of "$C/c1/datasets/keep")" "5998"
mt_unmount
eq "on the tmpfs: every row file has its record" "$(stored)" "$(tdbtool "$MT_DIR/small/store.tdb" keys | sed -n 's/^key [0-9]* bytes: f:\([0-9a-f]\{16\}\)$/\1/p' | sort)"
umount "$MT_DIR/small"
sed -i 's|^path = small/store.tdb$|path = store.tdb|' "$MT_DIR/cjafs.ini"
ROWS=$MT_DIR/store.tdb.rows

# --- (d) a store of version 1 moves its rows to row files ---
mv "$MT_DIR/store.tdb" "$W/v2.tdb"
rm -rf "$ROWS"
gzip -dc "$DATA/store.tdb.gz" >"$MT_DIR/store.tdb"
chmod 600 "$MT_DIR/store.tdb"
gzip -dc "$DATA/ev.csv.gz" >"$W/v1-ev.csv"
: >"$MT_DIR/daemon.log"
mt_mount || { fail "the version 1 store does not mount"; exit 1; }
has "the log says the rows moved" "$(cat "$MT_DIR/daemon.log")" "store upgraded: 3 row chunks moved to row files"
eq "its events read back the same" "$(as $PA cat "$D/records" | cmp - "$W/v1-ev.csv" && echo same)" "same"
eq "its profiles read back the same" "$(as $PA cat "$C/c1/datasets/tiers/records")" "$(cat "$DATA/tiers.csv")"
eq "its rows count" "$(rows_of "$D")" "7986"
mt_unmount
ok "its rows are in row files now" test "$(stored | wc -l)" -gt 0
eq "each named by a record" "$(stored)" "$(named)"
# an old backup (a bare TDB file of version 1) restores, and migrates
gzip -dc "$DATA/store.tdb.gz" >"$W/old-backup.tdb"
ok "restore of a bare version 1 TDB file" "$CJAFS" --restore "$W/old-backup.tdb" --force -c "$MT_DIR/cjafs.ini"
eq "the restore replaced the row files too" "$(stored)" ""
mt_mount || { fail "the restored old backup does not mount"; exit 1; }
eq "restored from an old backup: rows read back the same" "$(as $PA cat "$D/records" | cmp - "$W/v1-ev.csv" && echo same)" "same"

# --- (e) backups of a damaged store and of a backup that lacks a file ---
# a row file removed behind the daemon's back, its record left: the
# backup fails (EIO) and names it rather than leave it out
mt_unmount
lost=$(stored | tail -n 1)
mv "$ROWS/$lost" "$W/lost"
: >"$MT_DIR/daemon.log"
mt_mount || { fail "no remount"; exit 1; }
eq "a backup of a store missing a row file fails with EIO" "$(as $SYS bash -c "$(declare -f probe); PY=$PY probe '$MT/admin/backup'")" "EIO"
has "the log names the file" "$(cat "$MT_DIR/daemon.log")" "row file $ROWS/$lost is damaged"
mt_unmount
mv "$W/lost" "$ROWS/$lost"
mt_mount || { fail "no remount"; exit 1; }
# a backup lacking a row file its records name is refused, and the
# store is left alone
as $SYS cat "$MT/admin/backup" >"$W/whole.tar"
mkdir "$W/lack"
tar -C "$W/lack" -xf "$W/whole.tar"
rm "$W/lack/rows/$lost"
tar -C "$W/lack" -cf "$W/lack.tar" store.tdb rows
mt_unmount
out=$("$CJAFS" --restore "$W/lack.tar" --force -c "$MT_DIR/cjafs.ini" 2>&1)
eq "a backup lacking a row file: exit 2" "$?" "2"
has "... which it names" "$out" "row file rows/$lost of the backup: missing"
ok "... and the store is left alone" test -e "$ROWS/$lost"
ok "... with nothing left beside it" sh -c "! ls '$MT_DIR' | grep -qE 'restore|rows\.old'"
mt_mount || { fail "no remount"; exit 1; }

# --- (f) a restore cut short after its commit point ---
as $SYS cat "$MT/admin/backup" >"$W/b.tar"
ok "the backup is a tar" tar tf "$W/b.tar"
# a backup being read pins its row files: removing the dataset meanwhile
# takes nothing from it
as $PA mkdir "$C/c1/datasets/gone"
as $PA sh -c "printf '[dataset]\nperson_id = pid\ntimestamp = ts\nfields = pid, ts, page, n\n' >'$C/c1/datasets/gone/dataset.ini'"
as $PA sh -c "head -n 3000 '$W/ev.csv' >>'$C/c1/datasets/gone/records'"
as $PA cat "$C/c1/datasets/gone/records" >"$W/gone"
as $SYS "$PY" - "$MT/admin/backup" "$W/pinned.tar" "$W/go" "$W/gone-done" <<'PY' &
import os, sys, time
src, dst, go, done = sys.argv[1:5]
with open(src, "rb") as f, open(dst, "wb") as out:
    out.write(f.read(512))
    open(go, "w").close()
    while not os.path.exists(done):
        time.sleep(0.02)
    while True:
        b = f.read(1 << 16)
        if not b:
            break
        out.write(b)
PY
reader=$!
for _ in $(seq 1 200); do [ -e "$W/go" ] && break; sleep 0.02; done
ok "rm -r of the dataset while the backup is read" as $PA rm -r "$C/c1/datasets/gone"
touch "$W/gone-done"
wait $reader
ok "the backup read meanwhile is a whole tar" tar tf "$W/pinned.tar"
sed 's/^path = store.tdb/path = pinned.tdb/' "$MT_DIR/cjafs.ini" >"$W/pinned.ini"
ok "and it restores" "$CJAFS" --restore "$W/pinned.tar" -c "$W/pinned.ini"
ok "with the removed dataset's rows" test "$(ls "$W/pinned.tdb.rows" | wc -l)" -gt "$(ls "$ROWS" | wc -l)"
as $PA sh -c "printf 'p9,2026-01-01T00:00:00Z,late,1\n' >>'$D/records'"
mt_unmount
mkdir -p "$W/untar"
tar -C "$W/untar" -xf "$W/b.tar"
# what --restore leaves at its commit point: PATH.restore/ with the
# checked store.tdb and store.tdb.rows; first cut before any rename
mkdir "$MT_DIR/store.tdb.restore"
cp "$W/untar/store.tdb" "$MT_DIR/store.tdb.restore/store.tdb"
cp -r "$W/untar/rows" "$MT_DIR/store.tdb.restore/store.tdb.rows"
: >"$MT_DIR/daemon.log"
mt_mount || { fail "no mount after a cut restore"; exit 1; }
has "the open finished the restore" "$(cat "$MT_DIR/daemon.log")" "restore finished"
eq "the restored rows, not the later one" "$(as $PA cat "$D/records" | cmp - "$W/v1-ev.csv" && echo same)" "same"
mt_unmount
ok "nothing of the restore is left" sh -c "! ls '$MT_DIR' | grep -qE 'restore|rows\.old'"
# cut after the rows moved, before the store file did: the old store
# file must not open with the new rows
mkdir "$MT_DIR/store.tdb.restore"
cp "$W/untar/store.tdb" "$MT_DIR/store.tdb.restore/store.tdb"
mv "$ROWS" "$MT_DIR/store.tdb.rows.old"
cp -r "$W/untar/rows" "$ROWS"
mt_mount || { fail "no mount after a restore cut between its renames"; exit 1; }
eq "the rows read back whole" "$(as $PA cat "$D/records" | cmp - "$W/v1-ev.csv" && echo same)" "same"
mt_unmount
eq "the row files are the backup's" "$(stored)" "$(ls "$W/untar/rows" | sort)"
ok "nothing of that restore is left" sh -c "! ls '$MT_DIR' | grep -qE 'restore|rows\.old'"
mt_mount || { fail "no last mount"; exit 1; }

exit 0
