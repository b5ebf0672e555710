#!/usr/bin/env bash
# Protected values on a real mount: the access-control seed's Hypertension
# case (a blood pressure reading per visit, bucketed so that readers see
# bands, never a patient's value).  Readers (members with
# analysis_workspace and full_table_export) read every computed file of
# the view and find no raw reading; the components and filters that would
# show one are refused at commit, whichever comes second, with /errors
# naming both parties and the field; values include/exclude hides count
# as absent for sum, distinct, count and the filter (against a reference
# computed from the CSV file); and cells a spreadsheet would run as a
# formula come out neutralised.  records is raw data, for product admins
# only: readers of the view cannot reach it.  A bucketed field that leaves
# the connection reads as empty, not Other, whoever reads.
set -u
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002 ANALYST=2005 VIEWER=2006
C=$MT/connections
V=$MT/dataviews
D=$MT_DIR/data
PERMS="view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces"

put() { as "$1" sh -c "printf '$3' >'$2'"; }
last_error() { as "$1" head -n 1 "$MT/errors" | cut -d' ' -f2-; }

# --- the data: visits with a reading (bp, always N.7), a ward, a delta ---
mkdir -p "$D"
python3 - "$D" <<'PY'
import random, sys, time
random.seed(3004)
now = int(time.time())
wards = ["cardio", "neuro", "psych", "=1+2", "@SUM(A1)", "+44 20", "-x"]
rows = []
for i in range(20):
    p = "p%02d" % i
    for _ in range(random.randint(4, 12)):
        t = now - random.randrange(86400, 300 * 86400)
        bp = random.choice(["", "%d.7" % random.randint(80, 199)])
        rows.append("%s,%d,%s,%s,%s\n" % (p, t, random.choice(wards), bp,
                                           random.choice(["-2.5", "1.25", "", "-0.5"])))
# the patient whose reading must never show
rows.append("p07,%d,cardio,999.7,-2.5\n" % (now - 3 * 86400))
random.shuffle(rows)
open(sys.argv[1] + "/visits.csv", "w").writelines(rows)
open(sys.argv[1] + "/registry.csv", "w").writelines(
    "p%02d,ins%d\n" % (i, i % 3) for i in range(20))
PY
chmod 644 "$D"/*.csv

# --- the Admin Console, a connection, its datasets ---
as $SYS sh -c "printf 'pa@example.com\n' >'$MT/admin/product-admins'"
as $SYS sh -c "printf 'prod\n' >'$MT/admin/sandboxes'"
as $SYS mkdir "$MT/admin/platform/full"
as $SYS sh -c "printf '[platform]\nsandboxes = prod\npermissions = $PERMS\n' >'$MT/admin/platform/full/platform.ini'"
as $SYS sh -c "echo pa@example.com >'$MT/admin/platform/full/members'"
as $PA mkdir "$C/clinic" "$C/clinic/datasets/visits" "$C/clinic/datasets/registry"
put $PA "$C/clinic/connection.ini" '[connection]\nsandbox = prod\ndata_window_months = 60\n'
put $PA "$C/clinic/datasets/visits/dataset.ini" '[dataset]\ntype = event\nperson_id = person_id\ntimestamp = ts\nfields = person_id, ts, ward, bp, delta\n'
put $PA "$C/clinic/datasets/registry/dataset.ini" '[dataset]\ntype = profile\nperson_id = patient\nfields = patient, insurer\n'
ok "ingest visits" as $PA cp "$D/visits.csv" "$C/clinic/datasets/visits/records"
ok "ingest the registry" as $PA cp "$D/registry.csv" "$C/clinic/datasets/registry/records"

# --- the view: a bucketed reading ---
as $PA mkdir "$V/hyper"
put $PA "$V/hyper/dataview.ini" '[dataview]\nconnection = clinic\n'
ok "band buckets bp" put $PA "$V/hyper/components/band.ini" '[component]\nfield = bp\n[bucketing]\nbuckets = 0-120:normal, 120-140:elevated, 140-:high\n'
put $PA "$V/hyper/components/who.ini" '[component]\nfield = person_id\n'
put $PA "$V/hyper/components/ward.ini" '[component]\nfield = ward\n'
put $PA "$V/hyper/components/events.ini" '[component]\nkind = metric\nfield = occurrences\n'
ok "a count over bp is allowed" put $PA "$V/hyper/components/readings.ini" '[component]\nkind = metric\nfield = bp\naggregation = count\n'
put $PA "$V/hyper/components/people.ini" '[component]\nkind = metric\nfield = people\n'
put $PA "$V/hyper/components/change.ini" '[component]\nkind = metric\nfield = delta\naggregation = sum\n'

# what would show a reading: refused, the metric or dimension second
pc "sum over the bucketed bp" EINVAL $PA "$V/hyper/components/total.ini" '[component]\nkind = metric\nfield = bp\naggregation = sum\n'
eq "/errors names both components and the field" "$(last_error $PA)" "/dataviews/hyper/components/total.ini:3: component 'total' would sum field 'bp', which component 'band' buckets: a sum or distinct over a bucketed field shows or counts its raw values (count is allowed)"
errno_is "the refused metric was not created" ENOENT as $PA bash -c "$(declare -f probe); probe stat '$V/hyper/components/total.ini'"
pc "distinct over the bucketed bp" EINVAL $PA "$V/hyper/components/kinds.ini" '[component]\nkind = metric\nfield = bp\naggregation = distinct\n'
eq "/errors: distinct" "$(last_error $PA)" "/dataviews/hyper/components/kinds.ini:3: component 'kinds' would count distinct values of field 'bp', which component 'band' buckets: a sum or distinct over a bucketed field shows or counts its raw values (count is allowed)"
pc "a raw dimension over bp" EINVAL $PA "$V/hyper/components/raw.ini" '[component]\nfield = bp\n'
eq "/errors: raw dimension" "$(last_error $PA)" "/dataviews/hyper/components/raw.ini:2: component 'raw' would show field 'bp' otherwise than component 'band', which buckets it: dimensions over a bucketed field need the same [bucketing]"
pc "other buckets over bp" EINVAL $PA "$V/hyper/components/raw.ini" '[component]\nfield = bp\n[bucketing]\nbuckets = 999-1000:x\n'
ok "the same buckets twice" put $PA "$V/hyper/components/band2.ini" '[component]\nfield = bp\n[bucketing]\nbuckets = 0-120:normal, 120-140:elevated, 140-:high\n'
ok "rm band2" as $PA rm "$V/hyper/components/band2.ini"
pc "a filter picking a reading" EINVAL $PA "$V/hyper/dataview.ini" '[dataview]\nconnection = clinic\nfilter = bp = 999.7\n'
eq "/errors: filter" "$(last_error $PA)" "/dataviews/hyper/dataview.ini:3: filter: field 'bp' is bucketed by component 'band': the filter would pick events out by their raw values"
# the same, the bucketing second
as $PA mkdir "$V/hyper2"
put $PA "$V/hyper2/dataview.ini" '[dataview]\nconnection = clinic\n'
ok "a sum over bp, alone" put $PA "$V/hyper2/components/total.ini" '[component]\nkind = metric\nfield = bp\naggregation = sum\n'
pc "then bucketing bp" EINVAL $PA "$V/hyper2/components/band.ini" '[component]\nfield = bp\n[bucketing]\nbuckets = 0-120:normal, 120-:high\n'
eq "/errors: the bucketing second" "$(last_error $PA)" "/dataviews/hyper2/components/band.ini:2: component 'band' would bucket field 'bp', which component 'total' sums: a sum or distinct over a bucketed field shows or counts its raw values (count is allowed)"
# a person id one dimension hides is hidden through the profile's join
put $PA "$V/hyper2/components/who.ini" '[component]\nfield = person_id\n[include_exclude]\nmode = exclude\nrules = equals:p07\n'
ok "the same persons through the profile" put $PA "$V/hyper2/components/patient.ini" '[component]\nfield = patient\n'
hasnt "the profile's field hides p07 too" "$(as $PA cat "$V/hyper2/report/patient.csv" "$V/hyper2/rows.csv")" "p07"

# a connection whose lookup makes two fields one (its key, ward, carries
# the bp of each visit): switching to it is refused while bp is bucketed
# and ward shown as it is
as $PA mkdir "$C/clinic2" "$C/clinic2/datasets/visits" "$C/clinic2/datasets/wardmap"
put $PA "$C/clinic2/connection.ini" '[connection]\nsandbox = prod\ndata_window_months = 60\n'
put $PA "$C/clinic2/datasets/visits/dataset.ini" '[dataset]\ntype = event\nperson_id = person_id\ntimestamp = ts\nfields = person_id, ts, bp, delta\n'
put $PA "$C/clinic2/datasets/wardmap/dataset.ini" '[dataset]\ntype = lookup\nkey = ward\nmatching_key = bp\nfields = ward, name\n'
pc "a connection joining ward to bp" EINVAL $PA "$V/hyper/dataview.ini" '[dataview]\nconnection = clinic2\n'
eq "/errors: the join of the new connection" "$(last_error $PA)" "/dataviews/hyper/dataview.ini:2: connection: with clinic2, component 'band' would bucket field 'bp' (joined: the values of 'ward'), which component 'ward' shows as it is: dimensions over a bucketed field need the same [bucketing]"
has "the view kept its connection" "$(as $PA cat "$V/hyper/dataview.ini")" "connection = clinic
"

# --- readers: members with analysis_workspace and full_table_export ---
as $PA mkdir "$MT/admin/profiles/clinicians"
put $PA "$MT/admin/profiles/clinicians/profile.ini" '[data_views]\nviews = hyper, wards\n[reporting_tools]\nanalysis_workspace = true\n[data_view_tools]\nfull_table_export = true\n'
put $PA "$MT/admin/profiles/clinicians/members" 'analyst@example.com\nviewer@example.com\n'
eq "the reports" "$(as $ANALYST ls "$V/hyper/report" | tr '\n' ' ')" "band.csv ward.csv who.csv "
# every field of every computed file a reader can open, one a line
cells() {
	as "$1" /usr/bin/python3 -c '
import csv, os, sys
v = sys.argv[1]
files = [v + "/rows.csv"] + [v + "/report/" + f for f in sorted(os.listdir(v + "/report"))]
for f in files:
    for row in csv.reader(open(f, newline="")):
        for cell in row:
            print(cell)' "$2"
}
for r in $ANALYST $VIEWER; do
	got=$(cells $r "$V/hyper")
	ok "reader $r reads every file" test "$(echo "$got" | wc -l)" -gt 100
	eq "reader $r: no raw reading anywhere" "$(echo "$got" | grep -cE '^[0-9]+\.7$')" "0"
	hasnt "reader $r: not 999.7" "$got" "999.7"
done
eq "rows.csv header" "$(as $VIEWER head -n 1 "$V/hyper/rows.csv")" "band,ward,who,change,events,people,readings"
eq "the band column holds labels" "$(as $VIEWER cat "$V/hyper/rows.csv" | tail -n +2 | cut -d, -f1 | LC_ALL=C sort -u | tr '\n' ' ')" "Other elevated high normal "
want=$(python3 - "$D/visits.csv" <<'PY'
import sys
n = {}
for line in open(sys.argv[1]):
    bp = line.rstrip("\n").split(",")[3]
    b = "Other" if bp == "" else "normal" if float(bp) < 120 else "elevated" if float(bp) < 140 else "high"
    n.setdefault(b, [0, 0])
    n[b][0] += 1
    n[b][1] += bp != ""
for b in n:
    print("%s,%d,%d" % (b, n[b][0], n[b][1]))
PY
)
eq "report/band.csv: events and readings per band" "$(as $ANALYST cat "$V/hyper/report/band.csv" | tail -n +2 | cut -d, -f1,3,5 | LC_ALL=C sort)" "$(echo "$want" | LC_ALL=C sort)"
# records holds the raw rows: only product admins reach connections
errno_is "a reader cannot reach records" ENOENT as $ANALYST bash -c "$(declare -f probe); probe read '$C/clinic/datasets/visits/records'"
has "records is the raw data (pa)" "$(as $PA cat "$C/clinic/datasets/visits/records")" ",999.7,"

# --- values include/exclude hides are absent for every metric ---
as $PA mkdir "$V/wards"
put $PA "$V/wards/dataview.ini" '[dataview]\nconnection = clinic\n'
put $PA "$V/wards/components/ward.ini" '[component]\nfield = ward\n[include_exclude]\nmode = exclude\nrules = equals:psych\n'
put $PA "$V/wards/components/reading.ini" '[component]\nfield = bp\n[include_exclude]\nmode = exclude\nrules = equals:999.7\n'
put $PA "$V/wards/components/who.ini" '[component]\nfield = person_id\n'
put $PA "$V/wards/components/a_total.ini" '[component]\nkind = metric\nfield = bp\naggregation = sum\n'
put $PA "$V/wards/components/b_known.ini" '[component]\nkind = metric\nfield = bp\naggregation = count\n'
put $PA "$V/wards/components/c_kinds.ini" '[component]\nkind = metric\nfield = bp\naggregation = distinct\n'
put $PA "$V/wards/components/d_wards.ini" '[component]\nkind = metric\nfield = ward\naggregation = distinct\n'
put $PA "$V/wards/components/e_visits.ini" '[component]\nkind = metric\nfield = ward\naggregation = count\n'
want=$(python3 - "$D/visits.csv" <<'PY'
import sys
from decimal import Decimal
def exact(d):  # the shortest decimal that is the sum
    t = format(d, "f")
    return t.rstrip("0").rstrip(".") if "." in t else t
acc = {}
for line in open(sys.argv[1]):
    p, t, ward, bp, delta = line.rstrip("\n").split(",")
    a = acc.setdefault(p, [Decimal(0), 0, set(), set(), 0])
    if bp not in ("", "999.7"):
        a[0] += Decimal(bp); a[1] += 1; a[2].add(bp)
    if ward != "psych":
        a[3].add(ward); a[4] += 1
out = sorted(acc.items(), key=lambda kv: (-kv[1][0], kv[0].encode()))
print("who,a_total,b_known,c_kinds,d_wards,e_visits")
for p, a in out:
    print("%s,%s,%d,%d,%d,%d" % (p, exact(a[0]), a[1], len(a[2]), len(a[3]), a[4]))
PY
)
eq "report/who.csv: hidden values count as absent" "$(as $ANALYST cat "$V/wards/report/who.csv")" "$want"
for r in $ANALYST $VIEWER; do
	got=$(cells $r "$V/wards")
	hasnt "reader $r: the hidden reading nowhere" "$got" "999.7"
	hasnt "reader $r: the hidden ward nowhere" "$got" "psych"
done
eq "rows.csv: a hidden ward's visit counts 0" "$(as $VIEWER cat "$V/wards/rows.csv" | awk -F, 'NR > 1 && $2 == "" { print $NF }' | sort -u | tr '\n' ' ')" "0 "
ok "a filter naming a hidden value" put $PA "$V/wards/dataview.ini" '[dataview]\nconnection = clinic\nfilter = ward = psych or bp = 999.7\n'
eq "the filter sees hidden values as empty" "$(as $VIEWER cat "$V/wards/rows.csv")" "reading,ward,who,a_total,b_known,c_kinds,d_wards,e_visits"
put $PA "$V/wards/dataview.ini" '[dataview]\nconnection = clinic\n'

# --- cells a spreadsheet would run ---
ward=$(as $ANALYST cat "$V/hyper/report/ward.csv")
for w in "=1+2" "@SUM(A1)" "+44 20" "-x"; do
	has "report: $w neutralised" "$ward" "
\"'$w\","
done
rows=$(as $ANALYST cat "$V/hyper/rows.csv")
has "rows.csv: a formula neutralised" "$rows" ",\"'=1+2\","
has "rows.csv: a negative number stays a number" "$rows" ",-2.5,"
eq "no cell runs as a formula" "$(for r in hyper wards; do cells $ANALYST "$V/$r"; done | grep -E '^[-=+@]' | grep -vcE '^[-+]?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?$')" "0"

# --- a bucketed field that leaves the connection reads as empty ---
# calls: events without bp, so their bp is the empty value, not a number:
# Other.  Then visits, the one dataset with bp, goes: band has nothing to
# read and is empty in every row and in its report, for every reader.
now=$(date +%s)
as $PA mkdir "$C/clinic/datasets/calls"
put $PA "$C/clinic/datasets/calls/dataset.ini" '[dataset]\ntype = event\nperson_id = person_id\ntimestamp = ts\nfields = person_id, ts, ward\n'
printf 'p01,%d,phone\np02,%d,phone\np02,%d,phone\n' $((now - 7200)) $((now - 3600)) $((now - 60)) >"$D/calls.csv"
chmod 644 "$D/calls.csv"
ok "ingest calls" as $PA cp "$D/calls.csv" "$C/clinic/datasets/calls/records"
eq "a call's empty bp is Other" "$(as $VIEWER cat "$V/hyper/rows.csv" | awk -F, '$2 == "phone" { print $1 }' | sort -u)" "Other"
ok "rmdir visits: bp leaves clinic" as $PA rmdir "$C/clinic/datasets/visits"
for r in $VIEWER $ANALYST $PA; do
	rows=$(as $r cat "$V/hyper/rows.csv")
	eq "reader $r: rows.csv, the calls" "$(echo "$rows" | tail -n +2 | wc -l)" "3"
	eq "reader $r: band empty in every row" "$(echo "$rows" | tail -n +2 | cut -d, -f1 | sort -u | tr '\n' ' ')" " "
	eq "reader $r: report/band.csv, one empty item" "$(as $r cat "$V/hyper/report/band.csv" | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" " "
	hasnt "reader $r: no Other" "$rows$(as $r cat "$V/hyper/report/band.csv")" "Other"
done
