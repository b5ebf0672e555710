#!/usr/bin/env bash
# bench-dataview.sh - a data view over a million events against sqlite3.
#
#   scripts/bench-dataview.sh [BINARY] [EVENTS]   (as root; default build/cjafs, 1000000)
#
# Generates EVENTS events (person_id, ts, page, product, value; ISO-8601
# timestamps over the last 11 months, in time order), a lookup of 1,000
# products (category, price; 1,200 product ids occur, so some events join
# nothing) and 100,000 people, 90,000 of them with a profile (segment,
# country).  Mounts a fresh store (uid 0 mapped to an admin with a full
# platform profile), ingests the three through records, and builds a view
# in Europe/Berlin with a filter on a profile field and the day, four
# dimensions (category from the lookup, segment from the profile, page,
# day) and three metrics (occurrences, people, sum of value).
#
# Then times `cat rows.csv` and `cat report/category.csv` against sqlite3
# running the same join (indexed lookup and profile tables, loaded before
# timing), the same filter with the day in the same zone (TZ for
# 'localtime'), and the same output or group-by, one sqlite3 process per
# query, three rounds (ROUNDS=N) alternating the two, the best time of
# each counting.  Checks that both give the same rows and the same report
# (bytes), and prints the times, the ratio cjafs/sqlite3 and the daemon's
# peak RSS (VmHWM, also as it was before the two reads: the ingest's).
# Everything is removed at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:-$here/../build/cjafs}")
n=${2:-1000000}
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

echo "generating $n events..." >&2
python3 - "$dir" "$n" <<'PY'
import random, sys, time
out, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(20261123)
now = int(time.time())
t = now - 330 * 86400
step = (330 * 86400) / n
pages = ["home", "search", "product", "cart", "checkout", "account", "help", "blog"]
with open(out + "/products.csv", "w") as f:
    for i in range(1000):
        f.write("x%04d,cat%02d,%d\n" % (i, i % 20, 5 + i % 95))
with open(out + "/people.csv", "w") as f:
    for i in range(90000):
        f.write("p%06d,%s,%s\n" % (i, ["gold", "silver", "bronze"][i % 3],
                                   ["DE", "FR", "US", "IT", "ES"][i % 5]))
with open(out + "/events.csv", "w") as f:
    buf = []
    for i in range(n):
        ts = int(t + i * step)
        s = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
        v = "" if rnd.random() < 0.2 else str(rnd.randrange(1000))
        buf.append("p%06d,%s,%s,x%04d,%s\n" % (rnd.randrange(100000), s,
                   rnd.choice(pages), rnd.randrange(1200), v))
        if len(buf) == 10000:
            f.writelines(buf)
            buf = []
    f.writelines(buf)
PY

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
c=$mnt/connections/bench
mkdir "$c" "$c/datasets/events" "$c/datasets/products" "$c/datasets/people"
printf '[connection]\nsandbox = prod\n' >"$c/connection.ini"
printf '[dataset]\ntype = event\nperson_id = person_id\ntimestamp = ts\nfields = person_id, ts, page, product, value\n' >"$c/datasets/events/dataset.ini"
printf '[dataset]\ntype = lookup\nkey = product\nmatching_key = product\nfields = product, category, price\n' >"$c/datasets/products/dataset.ini"
printf '[dataset]\ntype = profile\nperson_id = person_id\nfields = person_id, segment, country\n' >"$c/datasets/people/dataset.ini"
echo "ingesting..." >&2
cp "$dir/events.csv" "$c/datasets/events/records"
cp "$dir/products.csv" "$c/datasets/products/records"
cp "$dir/people.csv" "$c/datasets/people/records"

since=$(date -u -d '-300 days' +%Y-%m-%d)
v=$mnt/dataviews/bench
mkdir "$v"
printf '[dataview]\nconnection = bench\ntimezone = Europe/Berlin\nfilter = (country != FR or segment = gold) and day >= %s\n' "$since" >"$v/dataview.ini"
printf '[component]\nfield = category\n' >"$v/components/category.ini"
printf '[component]\nfield = segment\n' >"$v/components/segment.ini"
printf '[component]\nfield = page\n' >"$v/components/page.ini"
printf '[component]\nfield = day\n' >"$v/components/day.ini"
printf '[component]\nkind = metric\nfield = occurrences\n' >"$v/components/events.ini"
printf '[component]\nkind = metric\nfield = people\n' >"$v/components/people.ini"
printf '[component]\nkind = metric\nfield = value\naggregation = sum\n' >"$v/components/revenue.ini"

# sqlite3: the same tables, the lookup and profile keys indexed (not timed)
db=$dir/ref.db
sqlite3 "$db" <<SQL
CREATE TABLE events(person_id TEXT, ts TEXT, page TEXT, product TEXT, value TEXT);
CREATE TABLE products(product TEXT PRIMARY KEY, category TEXT, price TEXT);
CREATE TABLE people(person_id TEXT PRIMARY KEY, segment TEXT, country TEXT);
.import --csv $dir/events.csv events
.import --csv $dir/products.csv products
.import --csv $dir/people.csv people
SQL
from="FROM (SELECT e.person_id, e.page, e.value, coalesce(l.category, '') AS category,
  coalesce(p.segment, '') AS segment, coalesce(p.country, '') AS country,
  CAST(strftime('%s', e.ts) AS INTEGER) AS t, e.rowid AS rid
  FROM events e LEFT JOIN products l ON l.product = e.product
  LEFT JOIN people p ON p.person_id = e.person_id)
  WHERE t >= CAST(strftime('%s', 'now', '-13 months') AS INTEGER)
    AND t <= CAST(strftime('%s', 'now') AS INTEGER)
    AND (country != 'FR' OR segment = 'gold')
    AND date(t, 'unixepoch', 'localtime') >= '$since'"
q_rows="SELECT category, date(t, 'unixepoch', 'localtime'), page, segment, 1, person_id, value $from ORDER BY rid;"
q_report="SELECT category AS item, count(*) AS events, count(DISTINCT person_id), printf('%.15g', total(value)) $from GROUP BY item ORDER BY events DESC, item;"

now() { date +%s.%N; }
sync
hwm0=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
# ROUNDS rounds, cjafs and sqlite3 alternating; the best time of each
# counts (other load on the machine only ever adds time)
sub() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }
cj_rows= cj_rep= sq_rows= sq_rep=
for r in $(seq "${ROUNDS:-3}"); do
	echo "timing, round $r..." >&2
	t0=$(now); cat "$v/rows.csv" >"$dir/rows.out"; t1=$(now)
	cat "$v/report/category.csv" >"$dir/report.out"; t2=$(now)
	TZ=Europe/Berlin sqlite3 -batch -list -separator , "$db" "$q_rows" >"$dir/rows.ref"; t3=$(now)
	TZ=Europe/Berlin sqlite3 -batch -list -separator , "$db" "$q_report" >"$dir/report.ref"; t4=$(now)
	cj_rows=$(best "$cj_rows" "$(sub "$t0" "$t1")")
	cj_rep=$(best "$cj_rep" "$(sub "$t1" "$t2")")
	sq_rows=$(best "$sq_rows" "$(sub "$t2" "$t3")")
	sq_rep=$(best "$sq_rep" "$(sub "$t3" "$t4")")
done
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")

got=$(($(wc -l <"$dir/rows.out") - 1))
want=$(wc -l <"$dir/rows.ref")
[ "$got" = "$want" ] || { echo "rows differ: cjafs $got, sqlite3 $want" >&2; exit 1; }
tail -n +2 "$dir/rows.out" | cmp -s - "$dir/rows.ref" || { echo "rows.csv differs from sqlite3's rows" >&2; exit 1; }
tail -n +2 "$dir/report.out" | cmp -s - "$dir/report.ref" || { echo "report differs from sqlite3's" >&2; exit 1; }
awk -v n="$n" -v r="$got" -v cr="$cj_rows" -v cp="$cj_rep" -v sr="$sq_rows" -v sp="$sq_rep" \
    -v h="$hwm" -v h0="$hwm0" -v b="$(stat -c %s "$dir/rows.out")" 'BEGIN {
	printf "events: %d (lookup 1,000 products, 90,000 profiles), %d rows pass the window and filter\n", n, r
	printf "rows.csv:            cjafs %.2f s (%.0f MB)   sqlite3 %.2f s   ratio %.2f\n", cr, b / 1e6, sr, cr / sr
	printf "report/category.csv: cjafs %.2f s             sqlite3 %.2f s   ratio %.2f\n", cp, sp, cp / sp
	printf "daemon: peak RSS %.1f MiB (VmHWM; %.1f MiB before the two reads)\n", h / 1024, h0 / 1024
}'
