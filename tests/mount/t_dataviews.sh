#!/usr/bin/env bash
# Data views on a real mount (issue 5): lifecycle and validation of
# dataview.ini and components, rows.csv and report/DIM.csv against a
# reference computed by sqlite3 from the same CSV files (lookup and
# profile joins, a filter, the data window, days and sessions in
# Europe/Berlin across DST changes), the row-level case (one day only),
# the value-level case (a bucketed dimension whose raw values never
# appear), the access matrix of SPEC §6 as several mapped users, rename,
# and the third-party use case of the access-control seed as a script.
set -u
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002 PA2=2003 LEAD=2004 ANALYST=2005 VIEWER=2006 NOBODY=2999
C=$MT/connections
V=$MT/dataviews
D=$MT_DIR/data
PERMS="view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces"

w() { errno_is "$1" "$2" as "$3" bash -c "$(declare -f probe); probe write '$4' '$5'"; }
st() { errno_is "$1" "$2" as "$3" bash -c "$(declare -f probe); probe $4 '$5'"; }
st_g() { errno_is "$1" "$2" as_g "$3" "$4" bash -c "$(declare -f probe); probe $5 '$6'"; }
put() { as "$1" sh -c "printf '$3' >'$2'"; }
# rn DESC ERRNO UID FROM TO: rename(2)
rn() {
	errno_is "$1" "$2" as "$3" /usr/bin/python3 -c '
import errno, os, sys
try:
    os.rename(sys.argv[1], sys.argv[2])
    print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))' "$4" "$5"
}
audit_lines() { as $PA sh -c "wc -l <'$MT/audit/log'"; }
lsv() { as "$1" ls "$V" 2>&1 | tr '\n' ' '; }
lsv_g() { as_g "$1" "$2" ls "$V" 2>&1 | tr '\n' ' '; }

# --- the data: events with a lookup and a profile dataset ---
mkdir -p "$D"
python3 - "$D" <<'PY'
import datetime as dt, random, sys
random.seed(20240305)
out = sys.argv[1]
persons = ["p%02d" % i for i in range(40)]
with open(out + "/people.csv", "w") as f:      # p30..p39 have no profile
    for i, p in enumerate(persons[:30]):
        f.write("%s,%s,%s\n" % (p, ["gold", "silver", "bronze"][i % 3],
                                ["DE", "FR", "US"][(i // 3) % 3]))
with open(out + "/products.csv", "w") as f:    # x12..x14 have no row
    for i in range(12):
        f.write("x%02d,%s,%d\n" % (i, ["shoes", "hats", "bags", "socks"][i % 4], 10 + i))
def ts(t, style):
    u = dt.datetime.fromtimestamp(t, dt.timezone.utc)
    if style == 0:
        return u.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == 1:
        return str(t)
    off = [-5, 1, 2][t % 3]
    l = u + dt.timedelta(hours=off)
    return l.strftime("%Y-%m-%dT%H:%M:%S") + "%+03d:00" % off
def epoch(s):
    return int(dt.datetime.fromisoformat(s).replace(tzinfo=dt.timezone.utc).timestamp())
rows = []
def event(p, t):
    style = random.choice([0, 0, 0, 0, 1, 2])
    page = random.choice(["home", "search", "product", "cart", "checkout"])
    prod = "x%02d" % random.randrange(15)
    value = random.choice(["", str(random.randrange(200))])
    bp = random.choice(["", str(random.randrange(80, 200))])
    rows.append("%s,%s,%s,%s,%s,%s\n" % (p, ts(t, style), page, prod, value, bp))
lo, hi = epoch("2024-01-01T00:00:00"), epoch("2026-10-31T00:00:00")
gaps = [60, 300, 900, 1700, 1800, 1801, 2400, 4000]
for _ in range(350):
    p, t = random.choice(persons), random.randrange(lo, hi)
    for _ in range(random.randint(1, 6)):
        event(p, t)
        t += random.choice(gaps)
# around the DST changes in Berlin, around its midnights, and the day of
# the row-level case
for start in ["2024-03-30T22:40:00", "2024-03-31T00:30:00", "2024-10-26T21:50:00",
              "2024-10-27T00:20:00", "2025-03-30T00:45:00", "2024-03-04T22:50:00",
              "2024-03-05T08:00:00", "2024-03-05T22:30:00"]:
    t = epoch(start)
    for p in random.sample(persons, 6):
        for _ in range(4):
            event(p, t)
            t += random.choice(gaps)
# outside the data window (60 months): long ago, and in the future
for s in ["2019-06-01T10:00:00", "2019-06-01T10:05:00", "2031-01-01T00:00:00"]:
    event("p01", epoch(s))
random.shuffle(rows)
with open(out + "/events.csv", "w") as f:
    f.writelines(rows)
PY
chmod 644 "$D"/*.csv
ok "generated events" test "$(wc -l <"$D/events.csv")" -gt 1000

# sqlite3 reference: TZ makes its 'localtime' the view's time zone
ref() { TZ=Europe/Berlin sqlite3 "$D/ref.db" "$@"; }
sqlite3 "$D/ref.db" <<'SQL'
CREATE TABLE web(person_id TEXT, ts TEXT, page TEXT, product TEXT, value TEXT, bp TEXT);
CREATE TABLE products(product TEXT, category TEXT, price TEXT);
CREATE TABLE people(person_id TEXT, segment TEXT, country TEXT);
SQL
sqlite3 "$D/ref.db" ".import --csv $D/events.csv web" ".import --csv $D/products.csv products" ".import --csv $D/people.csv people"
# base: the join; win: the data window and the day; f: the filter
# $1; ss: sessions (30 minutes) over what the filter passed
ref_views() {
	cat <<SQL
CREATE TEMP VIEW base AS SELECT e.rowid AS rid, e.person_id, e.page, e.value, e.bp,
  CAST(CASE WHEN e.ts GLOB '*-*' THEN strftime('%s', e.ts) ELSE e.ts END AS INTEGER) AS t,
  coalesce(l.category, '') AS category, coalesce(p.segment, '') AS segment,
  coalesce(p.country, '') AS country
  FROM web e LEFT JOIN products l ON l.product = e.product
  LEFT JOIN people p ON p.person_id = e.person_id;
CREATE TEMP VIEW win AS SELECT *, date(t, 'unixepoch', 'localtime') AS day FROM base
  WHERE t >= CAST(strftime('%s', 'now', '-60 months') AS INTEGER)
    AND t <= CAST(strftime('%s', 'now') AS INTEGER);
CREATE TEMP VIEW f AS SELECT * FROM win WHERE $1;
CREATE TEMP VIEW g AS SELECT *, LAG(t) OVER (PARTITION BY person_id ORDER BY t, rid) AS prev FROM f;
CREATE TEMP VIEW s AS SELECT *, CASE WHEN prev IS NULL OR t - prev > 1800 THEN 1 ELSE 0 END AS starts FROM g;
CREATE TEMP VIEW ss AS SELECT *, SUM(starts) OVER (PARTITION BY person_id ORDER BY t, rid
  ROWS UNBOUNDED PRECEDING) AS sess FROM s;
SQL
}
# ref_report FILTER ITEM VISIBLE: the web view's metrics per visible item;
# sums as the shortest exact decimal (decimal_sum, trailing zeros dropped)
ref_report() {
	{
		ref_views "$1"
		cat <<SQL
SELECT $2 AS item, count(*) AS events,
  count(DISTINCT CASE WHEN page NOT IN ('', 'checkout') THEN page END),
  count(DISTINCT person_id), CASE WHEN decimal_sum(value) IS NULL THEN '0'
    WHEN instr(decimal_sum(value), '.')
    THEN rtrim(rtrim(decimal_sum(value), '0'), '.') ELSE decimal_sum(value) END,
  count(DISTINCT person_id || '#' || sess), sum(bp != '')
  FROM ss WHERE $3 GROUP BY item ORDER BY events DESC, item;
SQL
	} | ref -batch -list -separator ,
}

# --- the Admin Console ---
as $SYS sh -c "printf 'pa@example.com\npa2@example.com\n' >'$MT/admin/product-admins'"
as $SYS sh -c "printf 'prod\n' >'$MT/admin/sandboxes'"
as $SYS mkdir "$MT/admin/platform/full"
as $SYS sh -c "printf '[platform]\nsandboxes = prod\npermissions = $PERMS\n' >'$MT/admin/platform/full/platform.ini'"
as $SYS sh -c "echo pa@example.com >'$MT/admin/platform/full/members'"

# --- a connection with an event, a lookup and a profile dataset ---
as $PA mkdir "$C/c1" "$C/c1/datasets/web" "$C/c1/datasets/products" "$C/c1/datasets/people"
put $PA "$C/c1/connection.ini" '[connection]\nsandbox = prod\ndata_window_months = 60\n'
put $PA "$C/c1/datasets/web/dataset.ini" '[dataset]\ntype = event\nperson_id = person_id\ntimestamp = ts\nfields = person_id, ts, page, product, value, bp\n'
put $PA "$C/c1/datasets/products/dataset.ini" '[dataset]\ntype = lookup\nkey = product\nmatching_key = product\nfields = product, category, price\n'
put $PA "$C/c1/datasets/people/dataset.ini" '[dataset]\ntype = profile\nperson_id = person_id\nfields = person_id, segment, country\n'
ok "ingest events" as $PA cp "$D/events.csv" "$C/c1/datasets/web/records"
ok "ingest products" as $PA cp "$D/products.csv" "$C/c1/datasets/products/records"
ok "ingest people" as $PA cp "$D/people.csv" "$C/c1/datasets/people/records"
eq "all events stored" "$(as $PA sed -n 's/^rows = //p' "$C/c1/datasets/web/status")" "$(wc -l <"$D/events.csv")"
# c2: only a lookup dataset, so incomplete
as $PA mkdir "$C/c2" "$C/c2/datasets/lk"
put $PA "$C/c2/connection.ini" '[connection]\nsandbox = prod\n'
put $PA "$C/c2/datasets/lk/dataset.ini" '[dataset]\ntype = lookup\nkey = k\nmatching_key = k\nfields = k, v\n'

# --- 1. data views: mkdir, dataview.ini and its checks ---
errno_is "pa2 (no platform permissions) may not create a view" EACCES as $PA2 bash -c "$(declare -f probe); probe mkdir '$V/web'"
errno_is "a plain user may not create a view" EACCES as $VIEWER bash -c "$(declare -f probe); probe mkdir '$V/web'"
ok "pa mkdir web" as $PA mkdir "$V/web"
eq "a view's files" "$(as $PA ls "$V/web" | tr '\n' ' ')" "components dataview.ini report rows.csv "
eq "dataview.ini defaults" "$(as $PA cat "$V/web/dataview.ini")" "[dataview]
name = web
description = 
connection = 
timezone = UTC
session_timeout_minutes = 30
filter = "
eq "no connection: no rows" "$(as $PA cat "$V/web/rows.csv")" ""
eq "rows.csv is a stream (size 0)" "$(as $PA stat -c %s "$V/web/rows.csv")" "0"
errno_is "mkdir web twice" EEXIST as $PA bash -c "$(declare -f probe); probe mkdir '$V/web'"
errno_is "mkdir a bad name" EINVAL as $PA bash -c "$(declare -f probe); probe mkdir '$V/a b'"
pc "a component before the connection is set" EINVAL $PA "$V/web/components/x.ini" '[component]\nfield = page\n'
has "/errors: set the connection first" "$(as $PA cat "$MT/errors")" "/dataviews/web/components/x.ini: the data view has no usable connection (connection is not set): set one in dataview.ini first"
errno_is "the rejected component was not created" ENOENT as $PA bash -c "$(declare -f probe); probe stat '$V/web/components/x.ini'"
snap=$(as $PA cat "$V/web/dataview.ini")
w "connection that does not exist" EINVAL $PA "$V/web/dataview.ini" '[dataview]\nconnection = nope\n'
has "/errors: no such connection" "$(as $PA cat "$MT/errors")" "/dataviews/web/dataview.ini:2: connection 'nope' does not exist"
w "incomplete connection" EINVAL $PA "$V/web/dataview.ini" '[dataview]\nconnection = c2\n'
has "/errors: incomplete" "$(as $PA cat "$MT/errors")" "/dataviews/web/dataview.ini:2: connection 'c2' is incomplete: it needs an event or summary dataset"
w "unknown time zone" EINVAL $PA "$V/web/dataview.ini" '[dataview]\nconnection = c1\ntimezone = Europe/Atlantis\n'
has "/errors: time zone" "$(as $PA cat "$MT/errors")" "/dataviews/web/dataview.ini:3: timezone: unknown time zone 'Europe/Atlantis'"
w "session timeout 0" EINVAL $PA "$V/web/dataview.ini" '[dataview]\nconnection = c1\nsession_timeout_minutes = 0\n'
w "session timeout 1441" EINVAL $PA "$V/web/dataview.ini" '[dataview]\nconnection = c1\nsession_timeout_minutes = 1441\n'
has "/errors: timeout range" "$(as $PA cat "$MT/errors")" "/dataviews/web/dataview.ini:3: session_timeout_minutes must be 1-1440"
w "filter that does not parse" EINVAL $PA "$V/web/dataview.ini" '[dataview]\nconnection = c1\nfilter = day = 2024-03-05 and (page = home or\n'
has "/errors: filter column" "$(as $PA cat "$MT/errors")" "/dataviews/web/dataview.ini:3: column 46: filter: expected a condition after 'or'"
w "filter with an unknown field" EINVAL $PA "$V/web/dataview.ini" '[dataview]\nconnection = c1\nfilter =  colour = red\n'
has "/errors: unknown field, its column" "$(as $PA cat "$MT/errors")" "/dataviews/web/dataview.ini:3: column 11: filter: unknown field 'colour'"
w "unknown key" EINVAL $PA "$V/web/dataview.ini" '[dataview]\nconnection = c1\ncolor = red\n'
eq "rejected dataview.ini changed nothing" "$(as $PA cat "$V/web/dataview.ini")" "$snap"
FILTER='(country = DE or segment = gold) and day >= 2024-03-01 and not page = search'
SQLFILTER="(country = 'DE' OR segment = 'gold') AND day >= '2024-03-01' AND NOT page = 'search'"
ok "pa sets connection, time zone and filter" put $PA "$V/web/dataview.ini" "[dataview]\ndescription = web shop\nconnection = c1\ntimezone = Europe/Berlin\nfilter = $FILTER\n"
has "dataview.ini canonical" "$(as $PA cat "$V/web/dataview.ini")" "connection = c1
timezone = Europe/Berlin
session_timeout_minutes = 30
filter = $FILTER"
# a read-only key given with another value is ignored (SPEC §3)
dvini=$(as $PA cat "$V/web/dataview.ini")
ok "name given differently is ignored" put $PA "$V/web/dataview.ini" "[dataview]\nname = other\ndescription = web shop\nconnection = c1\ntimezone = Europe/Berlin\nfilter = $FILTER\n"
eq "name kept" "$(as $PA cat "$V/web/dataview.ini")" "$dvini"

# --- 2. components ---
cat >"$D/page.ini" <<'INI'
[component]
kind = dimension
field = page
[include_exclude]
mode = exclude
rules = equals:checkout
INI
chmod 644 "$D/page.ini"
ok "cp creates a component" as $PA cp "$D/page.ini" "$V/web/components/page.ini"
put $PA "$V/web/components/category.ini" '[component]\nfield = category\n'
put $PA "$V/web/components/segment.ini" '[component]\nfield = segment\n'
put $PA "$V/web/components/day.ini" '[component]\nfield = day\n'
put $PA "$V/web/components/events.ini" '[component]\nkind = metric\nfield = occurrences\n'
put $PA "$V/web/components/pages.ini" '[component]\nkind = metric\nfield = page\naggregation = distinct\n'
put $PA "$V/web/components/people.ini" '[component]\nkind = metric\nfield = people\n'
put $PA "$V/web/components/revenue.ini" '[component]\nkind = metric\nfield = value\naggregation = sum\n'
put $PA "$V/web/components/sessions.ini" '[component]\nkind = metric\nfield = sessions\n'
put $PA "$V/web/components/with_bp.ini" '[component]\nkind = metric\nfield = bp\naggregation = count\n'
eq "components" "$(as $PA ls "$V/web/components" | tr '\n' ' ')" "category.ini day.ini events.ini page.ini pages.ini people.ini revenue.ini segment.ini sessions.ini with_bp.ini "
eq "report/ has one file per dimension" "$(as $PA ls "$V/web/report" | tr '\n' ' ')" "category.csv day.csv page.csv segment.csv "
eq "component canonical" "$(as $PA cat "$V/web/components/page.ini")" "[component]
kind = dimension
field = page
aggregation = count

[include_exclude]
mode = exclude
match = any
rules = equals:checkout

[bucketing]
buckets = "
pc "component with an unknown field" EINVAL $PA "$V/web/components/bad.ini" '[component]\nfield = colour\n'
has "/errors: unknown field" "$(as $PA cat "$MT/errors")" "/dataviews/web/components/bad.ini:2: field 'colour' is not a field of connection c1 (nor day)"
pc "component with a bad regex" EINVAL $PA "$V/web/components/bad.ini" '[component]\nfield = page\n[include_exclude]\nrules = equals:a,  regex:(b\n'
has "/errors: regex column" "$(as $PA cat "$MT/errors")" "/dataviews/web/components/bad.ini:4: column 20: rules: rule 'regex:(b': bad regex"
pc "overlapping buckets" EINVAL $PA "$V/web/components/bad.ini" '[component]\nfield = bp\n[bucketing]\nbuckets = 0-10:a, 5-20:b\n'
has "/errors: buckets" "$(as $PA cat "$MT/errors")" "/dataviews/web/components/bad.ini:4: column 19: buckets: buckets '0-10:a' and '5-20:b' overlap"
pc "a metric takes no rules" EINVAL $PA "$V/web/components/bad.ini" '[component]\nkind = metric\nfield = page\n[include_exclude]\nrules = equals:a\n'
pc "a metric of an unknown aggregation" EINVAL $PA "$V/web/components/bad.ini" '[component]\nkind = metric\nfield = value\naggregation = median\n'
errno_is "no rejected component exists" ENOENT as $PA bash -c "$(declare -f probe); probe stat '$V/web/components/bad.ini'"
ok "a temporary component" put $PA "$V/web/components/tmp.ini" '[component]\nfield = product\n'
ok "mv renames a component" as $PA mv "$V/web/components/tmp.ini" "$V/web/components/tmp2.ini"
eq "renamed" "$(as $PA ls "$V/web/components" | grep tmp)" "tmp2.ini"
ok "rm deletes a component" as $PA rm "$V/web/components/tmp2.ini"
errno_is "deleted component is gone" ENOENT as $PA bash -c "$(declare -f probe); probe stat '$V/web/components/tmp2.ini'"
hasnt "its report is gone" "$(as $PA ls "$V/web/report")" "tmp"
has "audit: component created" "$(as $PA cat "$MT/audit/log")" "	pa@example.com	create	/dataviews/web/components/page.ini	ok	"
has "audit: component renamed" "$(as $PA cat "$MT/audit/log")" "	pa@example.com	rename	/dataviews/web/components/tmp.ini	ok	to /dataviews/web/components/tmp2.ini"
has "audit: component deleted" "$(as $PA cat "$MT/audit/log")" "	pa@example.com	unlink	/dataviews/web/components/tmp2.ini	ok	"

# --- 3. and 4. rows.csv and the reports against sqlite3 ---
want_rows=$({
	echo "category,day,page,segment,events,pages,people,revenue,sessions,with_bp"
	{
		ref_views "$SQLFILTER"
		cat <<'SQL'
SELECT category, day, CASE WHEN page = 'checkout' THEN '' ELSE page END, segment, 1,
  CASE WHEN page = 'checkout' THEN '' ELSE page END, person_id, value, starts,
  bp != '' FROM ss ORDER BY rid;
SQL
	} | ref -batch -list -separator ,
})
got_rows=$(as $PA cat "$V/web/rows.csv")
eq "rows.csv matches sqlite3" "$got_rows" "$want_rows"
ok "rows.csv has rows" test "$(echo "$got_rows" | wc -l)" -gt 200
hasnt "a hidden value appears nowhere in rows.csv" "$got_rows" "checkout"
for dim in category day page segment; do
	vis=1
	[ $dim = page ] && vis="page != 'checkout'"
	want=$({
		echo "$dim,events,pages,people,revenue,sessions,with_bp"
		ref_report "$SQLFILTER" "$dim" "$vis"
	})
	got=$(as $PA cat "$V/web/report/$dim.csv")
	eq "report/$dim.csv matches sqlite3" "$got" "$want"
	hasnt "report/$dim.csv shows no hidden value" "$got" "checkout"
done
# the windows: nothing from 2019 or the future
hasnt "nothing before the window" "$(as $PA cat "$V/web/report/day.csv")" "2019-"
hasnt "nothing after now" "$(as $PA cat "$V/web/report/day.csv")" "2031-"
# days around the DST changes are Berlin's
has "a day of the spring change" "$(as $PA cat "$V/web/report/day.csv")" "2024-03-31,"
has "a day of the autumn change" "$(as $PA cat "$V/web/report/day.csv")" "2024-10-27,"

# --- the row-level case: data of one day only ---
as $PA mkdir "$V/oneday"
put $PA "$V/oneday/dataview.ini" '[dataview]\nconnection = c1\ntimezone = Europe/Berlin\nfilter = day = 2024-03-05\n'
put $PA "$V/oneday/components/day.ini" '[component]\nfield = day\n'
put $PA "$V/oneday/components/page.ini" '[component]\nfield = page\n'
put $PA "$V/oneday/components/events.ini" '[component]\nkind = metric\nfield = occurrences\n'
put $PA "$V/oneday/components/people.ini" '[component]\nkind = metric\nfield = people\n'
n=$(ref_views "day = '2024-03-05'" | { cat; echo "SELECT count(*) || ',' || count(DISTINCT person_id) FROM ss;"; } | ref -batch -list)
eq "one day: report/day.csv" "$(as $PA cat "$V/oneday/report/day.csv")" "day,events,people
2024-03-05,$n"
eq "one day: every row of rows.csv" "$(as $PA cat "$V/oneday/rows.csv" | tail -n +2 | cut -d, -f1 | sort -u)" "2024-03-05"
ok "one day: some rows" test "$(as $PA cat "$V/oneday/rows.csv" | wc -l)" -gt 5

# --- the value-level case: a bucketed dimension ---
as $PA mkdir "$V/health"
put $PA "$V/health/dataview.ini" '[dataview]\nconnection = c1\n'
put $PA "$V/health/components/band.ini" '[component]\nfield = bp\n[bucketing]\nbuckets = 0-120:normal, 120-140:elevated, 140-:high\n'
put $PA "$V/health/components/events.ini" '[component]\nkind = metric\nfield = occurrences\n'
pc "no distinct over a bucketed field" EINVAL $PA "$V/health/components/readings.ini" '[component]\nkind = metric\nfield = bp\naggregation = distinct\n'
put $PA "$V/health/components/readings.ini" '[component]\nkind = metric\nfield = bp\naggregation = count\n'
hrows=$(as $PA cat "$V/health/rows.csv")
eq "health rows.csv header" "$(echo "$hrows" | head -n 1)" "band,events,readings"
eq "the band column holds labels only" "$(echo "$hrows" | tail -n +2 | cut -d, -f1 | LC_ALL=C sort -u | tr '\n' ' ')" "Other elevated high normal "
eq "a count over bp shows 0 or 1" "$(echo "$hrows" | tail -n +2 | cut -d, -f3 | LC_ALL=C sort -u | tr '\n' ' ')" "0 1 "
eq "no field of rows.csv is a raw reading" "$(echo "$hrows" | tail -n +2 | tr ',' '\n' | grep -cE '^[0-9]{2,3}$')" "0"
want=$({
	echo "band,events,readings"
	{
		ref_views 1
		cat <<'SQL'
SELECT CASE WHEN bp = '' THEN 'Other' WHEN CAST(bp AS INTEGER) < 120 THEN 'normal'
  WHEN CAST(bp AS INTEGER) < 140 THEN 'elevated' ELSE 'high' END AS item,
  count(*) AS events, sum(bp != '') FROM win GROUP BY item ORDER BY events DESC, item;
SQL
	} | ref -batch -list -separator ,
})
eq "health report matches sqlite3" "$(as $PA cat "$V/health/report/band.csv")" "$want"

# --- 5. access: profiles, members, auto_include ---
as $PA mkdir "$MT/admin/profiles/viewers" "$MT/admin/profiles/auto"
put $PA "$MT/admin/profiles/viewers/members" 'viewer@example.com\n'
put $PA "$MT/admin/profiles/viewers/profile.ini" '[data_views]\nviews = oneday\n[reporting_tools]\nanalysis_workspace = true\n'
put $PA "$MT/admin/profiles/auto/members" 'analyst@example.com\n'
put $PA "$MT/admin/profiles/auto/profile.ini" '[data_views]\nauto_include = true\n[data_view_tools]\nfull_table_export = true\n'

eq "pa sees every view" "$(lsv $PA)" "health oneday web "
eq "pa2 (product admin) sees every view" "$(lsv $PA2)" "health oneday web "
eq "viewer sees the view its profile lists" "$(lsv $VIEWER)" "oneday "
eq "analyst (auto_include) sees every view" "$(lsv $ANALYST)" "health oneday web "
eq "lead (no profile yet) sees none" "$(lsv $LEAD)" ""
eq "sys (no role for views) sees none" "$(lsv $SYS)" ""
st "unmapped: no /dataviews" ENOENT $NOBODY stat "$V"
st "viewer: web does not exist for it" ENOENT $VIEWER stat "$V/web"
st "viewer: nor its files" ENOENT $VIEWER read "$V/web/dataview.ini"
st "viewer reads oneday's settings" OK $VIEWER read "$V/oneday/dataview.ini"
st "viewer reads oneday's components" OK $VIEWER read "$V/oneday/components/day.ini"
st "viewer reads oneday's report (analysis_workspace)" OK $VIEWER read "$V/oneday/report/day.csv"
eq "viewer's report is the same" "$(as $VIEWER cat "$V/oneday/report/day.csv")" "$(as $PA cat "$V/oneday/report/day.csv")"
st "viewer may not export rows (no full_table_export)" EACCES $VIEWER read "$V/oneday/rows.csv"
has "why: export needs full_table_export" "$(as $VIEWER getfattr --absolute-names --only-values -n user.cjafs.why "$V/oneday/rows.csv")" "read: denied: needs role product admin or a profile granting data view oneday with full_table_export"
st "viewer may not edit the view" EACCES $VIEWER open-w "$V/oneday/dataview.ini"
pc "viewer may not add a component" EACCES $VIEWER "$V/oneday/components/x.ini" '[component]\nfield = page\n'
st "viewer may not delete the view" EACCES $VIEWER rmdir "$V/oneday"
eq "viewer: mode of dataview.ini" "$(as $VIEWER stat -c %A "$V/oneday/dataview.ini")" "-r--------"
eq "viewer: mode of rows.csv" "$(as $VIEWER stat -c %A "$V/oneday/rows.csv")" "----------"
eq "viewer: mode of report/" "$(as $VIEWER stat -c %A "$V/oneday/report")" "dr-x------"
eq "viewer: mode of components/" "$(as $VIEWER stat -c %A "$V/oneday/components")" "dr-x------"
eq "pa: mode of components/" "$(as $PA stat -c %A "$V/oneday/components")" "drwx------"
st "analyst exports rows (full_table_export)" OK $ANALYST read "$V/web/rows.csv"
eq "analyst's rows.csv is pa's" "$(as $ANALYST cat "$V/web/rows.csv" | md5sum)" "$(echo "$got_rows" | md5sum)"
st "analyst may not read reports (no analysis_workspace)" EACCES $ANALYST read "$V/web/report/page.csv"
no "nor list report/" as $ANALYST ls "$V/web/report"
st "analyst may not edit" EACCES $ANALYST open-w "$V/web/dataview.ini"
st "pa2 reads rows.csv (product admins always)" OK $PA2 read "$V/web/rows.csv"
st "pa2 reads reports" OK $PA2 read "$V/web/report/day.csv"
st "pa2 may not delete a view" EACCES $PA2 rmdir "$V/web"
st "pa2 may not edit a view" EACCES $PA2 open-w "$V/web/dataview.ini"
pc "pa2 may not add a component" EACCES $PA2 "$V/web/components/x.ini" '[component]\nfield = page\n'
st "pa2 may not delete a component" EACCES $PA2 unlink "$V/web/components/day.ini"
st "sys may not see a view" ENOENT $SYS stat "$V/web"
# auto_include: present and future
ok "pa creates a view" as $PA mkdir "$V/late"
eq "analyst sees the new view at once" "$(lsv $ANALYST)" "health late oneday web "
eq "viewer does not" "$(lsv $VIEWER)" "oneday "
# a view renamed away from a profile's list disappears for its members
ok "pa renames oneday" as $PA mv "$V/oneday" "$V/oneday2"
eq "viewer sees nothing now" "$(lsv $VIEWER)" ""
st "viewer: old name gone" ENOENT $VIEWER stat "$V/oneday"
st "viewer: new name not granted" ENOENT $VIEWER stat "$V/oneday2"
eq "analyst sees the new name" "$(lsv $ANALYST)" "health late oneday2 web "
has "the renamed view knows its name" "$(as $PA cat "$V/oneday2/dataview.ini")" "name = oneday2"
eq "its components moved with it" "$(as $PA ls "$V/oneday2/components" | tr '\n' ' ')" "day.ini events.ini page.ini people.ini "
eq "its report is the same" "$(as $PA cat "$V/oneday2/report/day.csv")" "day,events,people
2024-03-05,$n"
has "audit: rename" "$(as $PA cat "$MT/audit/log")" "	pa@example.com	rename	/dataviews/oneday	ok	to /dataviews/oneday2"
rn "pa2 may not rename a view" EACCES $PA2 "$V/oneday2" "$V/oneday3"
rn "viewer may not rename a view it cannot see" ENOENT $VIEWER "$V/web" "$V/web2"
rn "a view does not replace another: the name is taken" EEXIST $PA "$V/oneday2" "$V/web"
rn "a view is no component" EPERM $PA "$V/oneday2" "$V/web/components/x.ini"
rn "a component does not move to another view" EXDEV $PA "$V/web/components/day.ini" "$V/oneday2/components/day2.ini"
ok "pa renames it back" as $PA mv "$V/oneday2" "$V/oneday"
eq "and viewer sees it again" "$(lsv $VIEWER)" "oneday "
ok "a new view may take the old name" as $PA sh -c "mv '$V/late' '$V/later' && mkdir '$V/late' && ls '$V/late' >/dev/null && ls '$V/later' >/dev/null"
put $PA "$V/later/dataview.ini" '[dataview]\nconnection = c1\n'
put $PA "$V/later/components/day.ini" '[component]\nfield = day\n'
ok "rm -r deletes a view with its components" as $PA rm -r "$V/later"
st "deleted view is gone" ENOENT $PA stat "$V/later"
ok "rmdir deletes a view" as $PA rmdir "$V/late"
eq "views left" "$(lsv $PA)" "health oneday web "

# --- the third-party use case, as a script ---
# a product admin creates a profile and makes the third party's lead its admin
ok "pa creates the profile" as $PA mkdir "$MT/admin/profiles/thirdparty"
ok "pa makes lead its admin" put $PA "$MT/admin/profiles/thirdparty/admins" 'lead@example.com\n'
ok "pa grants the web view, delegated" put $PA "$MT/admin/profiles/thirdparty/profile.ini" '[data_views]\nviews = web\n[delegation]\nviews = web\ntools = analysis_workspace\nedit_views = web\n'
# the lead adds its team and gives it what it needs
ok "lead adds its team" put $LEAD "$MT/admin/profiles/thirdparty/members" 'group:Analysts\n'
ok "lead turns on analysis_workspace" put $LEAD "$MT/admin/profiles/thirdparty/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\n'
eq "lead sees the view its profile grants" "$(lsv $LEAD)" "web "
st "lead (an admin, not a member) reads no report" EACCES $LEAD read "$V/web/report/page.csv"
st "lead exports no rows" EACCES $LEAD read "$V/web/rows.csv"
eq "lead may edit dataview.ini" "$(as $LEAD stat -c %A "$V/web/dataview.ini")" "-rw-------"
# the lead adjusts the view to the team's needs
ok "lead changes the description and the filter" put $LEAD "$V/web/dataview.ini" "[dataview]\ndescription = for the agency\nconnection = c1\ntimezone = Europe/Berlin\nfilter = $FILTER and page != cart\n"
has "lead's change is there" "$(as $PA cat "$V/web/dataview.ini")" "description = for the agency"
w "lead may not point the view at other data" EACCES $LEAD "$V/web/dataview.ini" '[dataview]\nconnection = c2\n'
has "/errors: connection denied" "$(as $LEAD cat "$MT/errors")" "/dataviews/web/dataview.ini:2: connection: denied: needs role product admin"
ok "lead adds a component" put $LEAD "$V/web/components/country.ini" '[component]\nfield = country\n[include_exclude]\nrules = equals:DE, equals:FR\n'
ok "lead renames it" as $LEAD mv "$V/web/components/country.ini" "$V/web/components/market.ini"
ok "lead deletes one" as $LEAD rm "$V/web/components/with_bp.ini"
errno_is "lead may not create a view" EACCES as $LEAD bash -c "$(declare -f probe); probe mkdir '$V/agency'"
errno_is "lead may not delete the view" EACCES as $LEAD bash -c "$(declare -f probe); probe rmdir '$V/web'"
rn "lead may not rename the view" EACCES $LEAD "$V/web" "$V/agency"
st "lead cannot see other views" ENOENT $LEAD stat "$V/health"
# the team: members through the group read the reports of the view
eq "the team sees its view (and auto's)" "$(lsv_g $ANALYST 3001)" "health oneday web "
st_g "the team reads web's reports" OK $ANALYST 3001 read "$V/web/report/market.csv"
st_g "but not oneday's (its other profile has no analysis_workspace)" EACCES $ANALYST 3001 read "$V/oneday/report/day.csv"
mrep=$(as_g $ANALYST 3001 cat "$V/web/report/market.csv")
eq "the lead's component in the team's report" "$(echo "$mrep" | head -n 1)" "market,events,pages,people,revenue,sessions"
eq "its rules hold" "$(echo "$mrep" | tail -n +2 | grep -cvE '^(DE|FR),')" "0"
want=$({
	echo "market,events,pages,people,revenue,sessions"
	{
		ref_views "$SQLFILTER AND page != 'cart'"
		cat <<'SQL'
SELECT country AS item, count(*) AS events,
  count(DISTINCT CASE WHEN page NOT IN ('', 'checkout') THEN page END),
  count(DISTINCT person_id), CASE WHEN decimal_sum(value) IS NULL THEN '0'
    WHEN instr(decimal_sum(value), '.')
    THEN rtrim(rtrim(decimal_sum(value), '0'), '.') ELSE decimal_sum(value) END,
  count(DISTINCT person_id || '#' || sess) FROM ss WHERE country IN ('DE', 'FR')
  GROUP BY item ORDER BY events DESC, item;
SQL
	} | ref -batch -list -separator ,
})
eq "the team's report matches sqlite3" "$mrep" "$want"
# the lead's view no longer granted: gone for the lead and the team at once
ok "pa takes the view away" put $PA "$MT/admin/profiles/thirdparty/profile.ini" '[data_views]\nviews = oneday\n[reporting_tools]\nanalysis_workspace = true\n'
eq "lead sees the other view now" "$(lsv $LEAD)" "oneday "
errno_is "lead may no longer edit web" ENOENT as $LEAD bash -c "$(declare -f probe); probe open-w '$V/web/dataview.ini'"

# --- denials change nothing and are audited ---
before=$(audit_lines)
snap=$(as $PA sh -c "cat '$V/web/dataview.ini'; ls '$V/web/components'")
st "viewer: rmdir web" ENOENT $VIEWER rmdir "$V/web"
st "pa2: rmdir web" EACCES $PA2 rmdir "$V/web"
st "pa2: write dataview.ini" EACCES $PA2 open-w "$V/web/dataview.ini"
eq "store unchanged" "$(as $PA sh -c "cat '$V/web/dataview.ini'; ls '$V/web/components'")" "$snap"
# the viewer's rmdir ends at the lookup of a name it may not know, which
# is a query (not audited); the two attempts are
ok "denials audited" test "$(audit_lines)" -eq $((before + 2))

# --- the store survives a remount ---
mt_unmount
mt_mount || fail "remount"
eq "rows.csv after remount" "$(as $PA cat "$V/health/rows.csv")" "$hrows"
