#!/usr/bin/env bash
# bench-rows.sh - ingest and read-back rates through a real mount.
#
#   scripts/bench-rows.sh [BINARY] [ROWS]     (as root; default build/cjafs, 1000000)
#
# Makes a fresh store in a temporary directory (uid 0 mapped to a system
# and product admin with a full platform profile), creates a connection
# and an event dataset, then times one `cp` of a generated CSV
# (scripts/gen-rows.py) onto records and one `cat` of records back, and
# prints rows/s for both, the store's size on disk and the daemon's peak
# RSS (VmHWM).  Everything is removed at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:-$here/../build/cjafs}")
rows=${2:-1000000}
dir=$(mktemp -d /tmp/cjafs-bench.XXXXXX)
mnt=$dir/mnt
pid=
cleanup() {
	if mountpoint -q "$mnt" 2>/dev/null; then fusermount3 -u "$mnt" || umount -l "$mnt"; fi
	[ -n "$pid" ] && wait "$pid" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
mkdir "$mnt"
cat >"$dir/cjafs.ini" <<CFG
[store]
path = store.tdb
[users]
0 = bench@example.com
[admin]
system_admins = bench@example.com
CFG
"$bin" --init -c "$dir/cjafs.ini" >/dev/null
"$bin" -c "$dir/cjafs.ini" -f "$mnt" 2>"$dir/daemon.log" &
pid=$!
for _ in $(seq 100); do mountpoint -q "$mnt" && break; sleep 0.05; done
mountpoint -q "$mnt"

echo bench@example.com >"$mnt/admin/product-admins"
echo prod >"$mnt/admin/sandboxes"
mkdir "$mnt/admin/platform/all"
printf '[platform]\nsandboxes = prod\npermissions = view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces\n' \
	>"$mnt/admin/platform/all/platform.ini"
echo bench@example.com >"$mnt/admin/platform/all/members"
mkdir "$mnt/connections/bench" "$mnt/connections/bench/datasets/events"
ds=$mnt/connections/bench/datasets/events
printf '[dataset]\ntype = event\nperson_id = person_id\ntimestamp = timestamp\nfields = person_id, timestamp, page, event, value\n' \
	>"$ds/dataset.ini"

python3 "$here/gen-rows.py" "$rows" >"$dir/rows.csv"
bytes=$(stat -c %s "$dir/rows.csv")
sync
now() { date +%s.%N; }
t0=$(now)
cp "$dir/rows.csv" "$ds/records"
t1=$(now)
got=$(cat "$ds/records" | wc -l)
t2=$(now)
size=$(stat -c %s "$dir/store.tdb")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
stored=$(awk -F' = ' '$1 == "rows" {print $2}' "$ds/status")
awk -v r="$rows" -v b="$bytes" -v t0="$t0" -v t1="$t1" -v t2="$t2" \
    -v s="$size" -v h="$hwm" -v st="$stored" -v got="$got" 'BEGIN {
	printf "rows: %d generated (%.1f MB of CSV), %d stored, %d read back (+1 header)\n", r, b / 1e6, st, got - 1
	printf "ingest:    %.2f s, %.0f rows/s, %.1f MB/s (one cp onto records)\n", t1 - t0, r / (t1 - t0), b / 1e6 / (t1 - t0)
	printf "read-back: %.2f s, %.0f rows/s (cat records)\n", t2 - t1, r / (t2 - t1)
	printf "store:     %.1f MB on disk\n", s / 1e6
	printf "daemon:    peak RSS %.1f MiB (VmHWM)\n", h / 1024
}'
