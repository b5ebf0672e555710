#!/usr/bin/env bash
# bench-scale.sh - cjafs's rows at 1M, 10M (and 100M) rows, one table.
#
#   scripts/bench-scale.sh [--keep]          (as root; make bench-scale)
#
# For each size N (1,000,000 and 10,000,000; 100,000,000 too when
# BENCH_SCALE_MAX=100000000), on a fresh store and mount: cp of N rows
# (scripts/gen-rows.py) onto an event dataset's records, cat of records,
# cat of the rows.csv of a data view with a lookup join, a profile join
# and a filter, and cat of its report/category.csv (occurrences, people,
# sessions): the same view as make bench's.  The ingest is timed once,
# the reads BENCH_SCALE_RUNS times (2; the fastest counts: this machine
# is shared, and a scan of 100M rows takes minutes).  Printed per size:
# time per row of each, its flatness (time per row at N / time per row at the smallest
# size, 1.00 is flat), the store's bytes on disk (du of the store's
# directory after the ingest) and the daemon's peak RSS (VmHWM) over each
# workload.
#
# Then, on the largest size: latency of another user's operations under
# load (scripts/bench-latency.py): the probe, a product admin, stats a
# component, reads dataview.ini and commits a profile.ini, idle and while
# 4 readers with analysis_workspace cat report/category.csv; p50 and p99
# of each, under load against idle.
#
# BENCH_SCALE_WIDE=1 makes the rows wide and incompressible (the value
# column is BENCH_SCALE_WIDE_BYTES, default 768, random bytes in base64:
# about 1,080 bytes a row, so 10M rows take about 10 GiB on disk), to
# measure a store whose rows take more than 8 GiB.
#
# The free space is checked first: the CSVs (kept in build/bench/data/
# for the next run) and the largest store must fit with 2 GiB to spare;
# the sizes that do not are left out, and the script says so.
#
# Environment: BENCH_SCALE_MAX (default 10000000), BENCH_SCALE_ROWS
# (the sizes, overriding the above: "1000000 3000000"), BENCH_SCALE_WIDE,
# BENCH_SCALE_WIDE_BYTES, BENCH_SCALE_LATENCY_ROUNDS (default 200: the
# probe's rounds idle, and at least as many under load),
# BENCH_SCALE_LATENCY_SECS (default 300: the most time under load; the
# probe stops there with the rounds it has), BENCH_SCALE_RUNS (default 2:
# runs of each read workload, the fastest counts).
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
B=$top/build/bench
DATA=$B/data
KEEP=0
for arg in "$@"; do
	case "$arg" in
	--keep) KEEP=1 ;;
	*) echo "usage: scripts/bench-scale.sh [--keep]" >&2; exit 2 ;;
	esac
done
MAX=${BENCH_SCALE_MAX:-10000000}
WIDE=${BENCH_SCALE_WIDE:-0}
WIDE_BYTES=${BENCH_SCALE_WIDE_BYTES:-768}
LAT_ROUNDS=${BENCH_SCALE_LATENCY_ROUNDS:-200}
RUNS=${BENCH_SCALE_RUNS:-2}
if [ -n "${BENCH_SCALE_ROWS:-}" ]; then
	SIZES=($BENCH_SCALE_ROWS)
else
	SIZES=()
	for n in 1000000 10000000 100000000; do
		[ "$n" -gt "$MAX" ] || SIZES+=("$n")
	done
fi

START=$EPOCHREALTIME
log() { printf '[%6.1fs] %s\n' "$(awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" "$*" >&2; }
die() { echo "bench-scale: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (mounts, and the latency probe acts as other uids)"
[ -c /dev/fuse ] || die "no /dev/fuse"
[ ${#SIZES[@]} -gt 0 ] || die "no sizes (BENCH_SCALE_MAX=$MAX)"

make -s -C "$top" build/cjafs >&2
mkdir -p "$B" "$DATA"

# --- free space ---
# bytes per row of the CSV, and of the store as a share of the CSV (the
# narrow rows compress about 4 times; the wide ones not at all)
if [ "$WIDE" = 1 ]; then
	ROW_BYTES=$((WIDE_BYTES * 4 / 3 + 60))
	STORE_SHARE=1.1
	csv_name() { echo "$DATA/rows-wide$WIDE_BYTES-$1.csv"; }
else
	ROW_BYTES=60
	STORE_SHARE=0.5
	csv_name() { echo "$DATA/rows-$1.csv"; }
fi
gib() {
	awk -v b="$1" 'BEGIN { if (b >= 1073741824) printf "%.1f GiB", b / 1073741824;
		else printf "%.1f MiB", b / 1048576 }'
}
free_bytes() { df -B1 --output=avail "$1" | tail -n 1 | tr -d ' '; }
FREE=$(free_bytes "$B")
fits=()
need_csv=0
for n in "${SIZES[@]}"; do
	csv=$(csv_name "$n")
	[ -s "$csv" ] || need_csv=$((need_csv + n * ROW_BYTES))
	store=$(awk -v n="$n" -v r="$ROW_BYTES" -v s="$STORE_SHARE" 'BEGIN { printf "%.0f", n * r * s }')
	need=$((need_csv + store + 2 * 1073741824))
	if [ "$need" -le "$FREE" ]; then
		fits+=("$n")
	else
		echo "bench-scale: $n rows left out: it needs about $(gib "$need") (CSVs to make, the store, 2 GiB to spare), $(gib "$FREE") free on $(df --output=target "$B" | tail -n 1)" >&2
		need_csv=$((need_csv - n * ROW_BYTES))
		[ "$need_csv" -ge 0 ] || need_csv=0
	fi
done
echo "bench-scale: free space $(gib "$FREE") on $(df --output=target "$B" | tail -n 1); rows of about $ROW_BYTES bytes$([ "$WIDE" = 1 ] && echo " (wide: $WIDE_BYTES random bytes in base64, incompressible)"); sizes ${fits[*]:-none}" >&2
[ ${#fits[@]} -gt 0 ] || die "not enough free space for any size"
SIZES=("${fits[@]}")

W=$(mktemp -d "$B/scale.XXXXXX")
chmod 711 "$W"
R=$W/res
mkdir -p "$R"
cp "$top/build/cjafs" "$W/cjafs"
PIDS=()
MOUNTS=()
cleanup() {
	local m p i
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		m=${MOUNTS[i]}
		if mountpoint -q "$m" 2>/dev/null; then
			fusermount3 -u "$m" 2>/dev/null || umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
		fi
	done
	for p in $(jobs -p); do
		case " ${PIDS[*]} " in
		*" $p "*) kill "$p" 2>/dev/null || true
			  wait "$p" 2>/dev/null || true ;;
		esac
	done
	if [ $KEEP = 1 ]; then
		echo "bench-scale: kept $W" >&2
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

LAT_READER=2101
LAT_PROBE=2102
write_config() {	# DIR
	cat >"$1/cjafs.ini" <<CFG
[store]
path = store.tdb
[users]
0 = bench@example.com
$LAT_READER = reader@example.com
$LAT_PROBE = probe@example.com
[admin]
system_admins = bench@example.com
CFG
}

wait_mount() {		# MNT PID
	local i
	for i in $(seq 1 600); do
		mountpoint -q "$1" && return 0
		kill -0 "$2" 2>/dev/null || die "daemon for $1 exited: $(tail -n 3 "$(dirname "$1")/daemon.log")"
		sleep 0.05
	done
	die "$1 did not come up"
}

unmount() {		# MNT PID
	local i
	fusermount3 -u "$1" || umount -l "$1"
	for i in $(seq 1 12000); do
		kill -0 "$2" 2>/dev/null || break
		sleep 0.05
	done
	wait "$2" 2>/dev/null || true
}

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f\n", b - a }'; }
rss_reset() { echo 5 >"/proc/$1/clear_refs"; }
rss_peak() { awk '/^VmHWM/ { printf "%.1f\n", $2 / 1024 }' "/proc/$1/status"; }
fmt_t() {
	awk -v t="$1" 'BEGIN {
		if (t != t + 0) print t; else if (t >= 100) printf "%.0f s", t;
		else if (t >= 1) printf "%.2f s", t;
		else if (t >= 0.001) printf "%.1f ms", t * 1e3; else printf "%.0f us", t * 1e6 }'
}

# timed KEY RUNS CMD...: RUNS runs of CMD; the fastest's seconds to
# $R/KEY.t, or "failed" (and the reason in $R/KEY.err); the daemon's
# peak RSS over them in $R/KEY.rss
timed() {
	local key=$1 runs=$2 t0 t1 i best=
	shift 2
	rss_reset "$PID"
	for ((i = 0; i < runs; i++)); do
		t0=$EPOCHREALTIME
		if ! "$@" 2>"$R/$key.err"; then
			best=failed
			log "$key failed: $(tail -n 1 "$R/$key.err")"
			break
		fi
		t1=$EPOCHREALTIME
		best=$(awk -v b="$best" -v t="$(secs "$t0" "$t1")" 'BEGIN {
			print (b == "" || t < b ? t : b) }')
	done
	echo "$best" >"$R/$key.t"
	rss_peak "$PID" >"$R/$key.rss"
}

rows_csv() {		# N: the cached CSV
	local f
	f=$(csv_name "$1")
	if [ ! -s "$f" ]; then
		log "generating $1 rows$([ "$WIDE" = 1 ] && echo " (wide)")"
		if [ "$WIDE" = 1 ]; then
			python3 "$here/gen-rows.py" --wide "$WIDE_BYTES" "$1" >"$f.tmp"
		else
			python3 "$here/gen-rows.py" "$1" >"$f.tmp"
		fi
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

joins_csv() {		# as scripts/bench.sh's
	[ -s "$DATA/people.csv" ] && [ -s "$DATA/pages.csv" ] && return
	python3 - "$DATA" <<'PY'
import sys
out = sys.argv[1]
pages = ["/", "/products", "/cart", "/checkout", "/search", "/account",
         "/help/faq"] + ["/blog/%d" % i for i in range(5000)] + \
        ["/products/item-%d" % i for i in range(5000)]
with open(out + "/pages.csv", "w") as f:
    for i, p in enumerate(pages):
        if i % 7 != 6:
            f.write("%s,cat%02d\n" % (p, i % 20))
with open(out + "/people.csv", "w") as f:
    for i in range(200000):
        if i % 10 != 9:
            f.write("p%07d,%s,%s\n" % (i, ["gold", "silver", "bronze"][i % 3],
                                       ["DE", "FR", "US", "IT", "ES"][i % 5]))
PY
}

# store bytes on disk: the store's directory without the mount point
disk_bytes() { du -sxB1 --exclude=mnt "$1" | cut -f1; }

# --- machine ---
{
	echo "machine: $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
	echo "disk:    $(df -hT "$W" | awk 'NR == 2 { print $1, $2 }') ($W)"
	echo "mode:    $([ "$WIDE" = 1 ] && echo "wide rows ($WIDE_BYTES random bytes base64)" || echo "rows of gen-rows.py"), sizes ${SIZES[*]}, cjafs $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')"
	echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) at start"
} >"$R/machine"
cat "$R/machine" >&2
joins_csv

# --- one size ---
scale() {
	local n=$1 csv d mnt c v ds
	csv=$(rows_csv "$n")
	d=$W/s$n
	mnt=$d/mnt
	mkdir -p "$mnt"
	chmod 711 "$d"
	write_config "$d"
	"$W/cjafs" --init -c "$d/cjafs.ini" >/dev/null
	"$W/cjafs" -c "$d/cjafs.ini" -f "$mnt" 2>>"$d/daemon.log" &
	PID=$!
	PIDS+=("$PID")
	MOUNTS+=("$mnt")
	wait_mount "$mnt" "$PID"
	printf 'bench@example.com\nprobe@example.com\n' >"$mnt/admin/product-admins"
	echo prod >"$mnt/admin/sandboxes"
	mkdir "$mnt/admin/platform/all"
	printf '[platform]\nsandboxes = prod\npermissions = view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces\n' \
		>"$mnt/admin/platform/all/platform.ini"
	echo bench@example.com >"$mnt/admin/platform/all/members"
	mkdir "$mnt/admin/profiles/readers" "$mnt/admin/profiles/probed"
	printf '[data_views]\nauto_include = true\n[reporting_tools]\nanalysis_workspace = true\n' \
		>"$mnt/admin/profiles/readers/profile.ini"
	echo reader@example.com >"$mnt/admin/profiles/readers/members"

	c=$mnt/connections/r
	mkdir "$c" "$c/datasets/pages" "$c/datasets/people" "$c/datasets/events"
	printf '[connection]\nsandbox = prod\n' >"$c/connection.ini"
	printf '[dataset]\ntype = lookup\nkey = page\nmatching_key = page\nfields = page, category\n' \
		>"$c/datasets/pages/dataset.ini"
	printf '[dataset]\ntype = profile\nperson_id = person_id\nfields = person_id, segment, country\n' \
		>"$c/datasets/people/dataset.ini"
	printf '[dataset]\ntype = event\nperson_id = person_id\ntimestamp = timestamp\nfields = person_id, timestamp, page, event, value\n' \
		>"$c/datasets/events/dataset.ini"
	cp "$DATA/pages.csv" "$c/datasets/pages/records"
	cp "$DATA/people.csv" "$c/datasets/people/records"
	ds=$c/datasets/events
	v=$mnt/dataviews/v
	mkdir "$v"
	printf '[dataview]\nconnection = r\nfilter = (country != FR or segment = gold) and event != scroll\n' >"$v/dataview.ini"
	printf '[component]\nfield = category\n' >"$v/components/category.ini"
	printf '[component]\nfield = event\n' >"$v/components/event.ini"
	printf '[component]\nfield = segment\n' >"$v/components/segment.ini"
	printf '[component]\nkind = metric\nfield = occurrences\n' >"$v/components/events.ini"
	printf '[component]\nkind = metric\nfield = people\n' >"$v/components/people.ini"
	printf '[component]\nkind = metric\nfield = sessions\n' >"$v/components/sessions.ini"
	disk_bytes "$d" >"$R/empty_$n.bytes"
	sync

	log "$n rows: ingest ($(gib "$(stat -c %s "$csv")") of CSV)"
	timed "ingest_$n" 1 cp "$csv" "$ds/records"
	sync
	disk_bytes "$d" >"$R/disk_$n.bytes"
	sed -n 's/^rows = //p' "$ds/status" >"$R/stored_$n" 2>/dev/null || echo '?' >"$R/stored_$n"
	log "$n rows: stored $(cat "$R/stored_$n"), $(gib "$(cat "$R/disk_$n.bytes")") on disk"
	log "$n rows: read back"
	timed "readback_$n" "$RUNS" sh -c 'cat "$1" | wc -l >"$2"' sh "$ds/records" "$R/readback_$n.lines"
	log "$n rows: rows.csv"
	timed "rowscsv_$n" "$RUNS" sh -c 'cat "$1" | wc -l >"$2"' sh "$v/rows.csv" "$R/rowscsv_$n.lines"
	log "$n rows: report/category.csv"
	timed "report_$n" "$RUNS" sh -c 'cat "$1" >"$2"' sh "$v/report/category.csv" "$R/report_$n.out"
	awk '/^VmHWM/ { printf "%.1f\n", $2 / 1024 }' "/proc/$PID/status" >"$R/hwm_$n"
	LAT_V=$v
	LAT_MNT=$mnt
	LAT_D=$d
	LAT_PID=$PID
}

for ((i = 0; i < ${#SIZES[@]}; i++)); do
	n=${SIZES[i]}
	scale "$n"
	if [ $i -lt $((${#SIZES[@]} - 1)) ]; then
		unmount "$LAT_MNT" "$LAT_PID"
		rm -rf "$LAT_D"
	fi
done

# --- latency on the largest ---
NL=${SIZES[${#SIZES[@]} - 1]}
log "$NL rows: latency of another user's operations, idle and under 4 reports"
rss_reset "$LAT_PID"
"$here/bench-latency.py" --report "$LAT_V/report/category.csv" \
	--reader "$LAT_READER" --readers 4 --probe "$LAT_PROBE" \
	--stat "$LAT_V/components/event.ini" --ini "$LAT_V/dataview.ini" \
	--commit "$LAT_MNT/admin/profiles/probed/profile.ini" \
	--idle-rounds "$LAT_ROUNDS" --load-rounds "$LAT_ROUNDS" \
	--max-load-secs "${BENCH_SCALE_LATENCY_SECS:-300}" --out "$R/latency" 2>>"$R/latency.err" ||
	log "latency: $(tail -n 1 "$R/latency.err")"
rss_peak "$LAT_PID" >"$R/latency.rss"
unmount "$LAT_MNT" "$LAT_PID"

# --- output ---
N0=${SIZES[0]}
per_row() {		# KEY N: microseconds per row, or the failure
	local t s
	t=$(cat "$R/$1.t")
	[ "$t" != failed ] || { echo failed; return; }
	# reads of a store that took fewer rows: per row it holds
	s=$(cat "$R/stored_$2")
	awk -v t="$t" -v n="$2" -v s="$s" 'BEGIN {
		if (s == s + 0 && s > 0 && s < n) n = s; printf "%.3f", t / n * 1e6 }'
}
flat() {		# WORKLOAD N: per-row time at N / at N0
	local a b
	a=$(per_row "$1_$2" "$2")
	b=$(per_row "$1_$N0" "$N0")
	awk -v a="$a" -v b="$b" 'BEGIN {
		if (a != a + 0 || b != b + 0 || b == 0) print "-"; else printf "%.2f", a / b }'
}
echo
cat "$R/machine"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(fmt_t "$(secs "$START" "$EPOCHREALTIME")") in all"
echo
echo "time per row (us; ingest once, reads the fastest of $RUNS; per stored row); in brackets the flatness: per-row time at N / at $N0"
printf '%-10s %-18s %-18s %-18s %-18s %-24s %s\n' rows ingest "read back" rows.csv report "store on disk" "peak RSS MiB (ing/read/rows/rep)"
for n in "${SIZES[@]}"; do
	cells=()
	for w in ingest readback rowscsv report; do
		cells+=("$(per_row "${w}_$n" "$n") ($(flat "$w" "$n"))")
	done
	b=$(( $(cat "$R/disk_$n.bytes") - $(cat "$R/empty_$n.bytes") ))
	printf '%-10s %-18s %-18s %-18s %-18s %-24s %s\n' "$n" "${cells[@]}" \
		"$(gib "$b"), $(awk -v b="$b" -v n="$n" -v s="$(cat "$R/stored_$n")" 'BEGIN {
			if (s == s + 0 && s > 0) n = s; printf "%.1f", b / n }') B/row" \
		"$(cat "$R/ingest_$n.rss")/$(cat "$R/readback_$n.rss")/$(cat "$R/rowscsv_$n.rss")/$(cat "$R/report_$n.rss") (VmHWM $(cat "$R/hwm_$n"))"
done
echo
echo "checks:"
for n in "${SIZES[@]}"; do
	stored=$(cat "$R/stored_$n")
	echo "  $n rows: $stored stored, $(cat "$R/readback_$n.lines" 2>/dev/null || echo '?') lines read back (with the header), rows.csv $(cat "$R/rowscsv_$n.lines" 2>/dev/null || echo '?') lines, report $(wc -l <"$R/report_$n.out" 2>/dev/null || echo '?') lines$([ "$stored" = "$n" ] || echo "  <- NOT ALL STORED")"
	for w in ingest readback rowscsv report; do
		[ "$(cat "$R/${w}_$n.t")" != failed ] || echo "  $n rows: $w FAILED: $(tail -n 1 "$R/${w}_$n.err")"
	done
done
echo
echo "latency at $NL rows: the probe (a product admin) idle, then while 4 readers (analysis_workspace) cat report/category.csv"
if [ -s "$R/latency" ]; then
	printf '  %-8s %10s %10s %10s %10s %8s %8s %s\n' op "idle p50" "idle p99" "load p50" "load p99" "p50 x" "p99 x" "n idle/load, errors"
	while read -r op ni i50 i99 nl l50 l99 err; do
		case $op in
		reports)
			echo "  $ni reports finished under load: median $(fmt_t "$i50"), longest $(fmt_t "$i99"), over $(fmt_t "$l50") of load; daemon peak RSS $(cat "$R/latency.rss") MiB" ;;
		*)
			printf '  %-8s %10s %10s %10s %10s %8s %8s %s\n' "$op" "$(fmt_t "$i50")" \
				"$(fmt_t "$i99")" "$(fmt_t "$l50")" "$(fmt_t "$l99")" \
				"$(awk -v a="$l50" -v b="$i50" 'BEGIN { printf "%.1f", a / b }')" \
				"$(awk -v a="$l99" -v b="$i99" 'BEGIN { printf "%.1f", a / b }')" \
				"$ni/$nl, $err" ;;
		esac
	done <"$R/latency"
else
	echo "  FAILED: $(tail -n 3 "$R/latency.err" 2>/dev/null)"
fi
