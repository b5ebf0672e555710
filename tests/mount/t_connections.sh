#!/usr/bin/env bash
# Connections and datasets on a real mount (issue 4): lifecycle,
# connection.ini and dataset.ini validation, ingest through records,
# status and usage, the permissions of SPEC §6 with their reasons, and
# the store left unchanged by every denial and refusal.
set -u
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002 PA2=2003 LEAD=2004 VIEWER=2006
C=$MT/connections
PERMS="view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces"
JPERMS="view_journeys_events, manage_journeys_events, view_journeys, manage_journeys"

# everything a product admin can read under /connections
snapshot() {
	as $PA sh -c "cd '$MT' && find connections -type f | sort | while read -r f; do echo \"== \$f\"; cat \"\$f\"; done"
}
audit_lines() { as $PA sh -c "wc -l <'$MT/audit/log'"; }
# pw UID PATH CHUNK...: one open, one write(2) per chunk (escapes as in
# printf), one close; prints OK or the errno name of the first failure.
pw() {
	local uid=$1
	shift
	as "$uid" bash -c 'exec python3 - "$@"' pw "$@" <<'PY'
import errno, os, sys
path, chunks = sys.argv[1], sys.argv[2:]
try:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        for c in chunks:
            os.write(fd, c.encode().decode("unicode_escape").encode("latin-1"))
    finally:
        os.close(fd)
    print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
PY
}
ini_get() { sed -n "s/^$2 = //p" "$1"; }

# --- the Admin Console: who is who ---
as $SYS sh -c "printf 'pa@example.com\npa2@example.com\nlead@example.com\n' >'$MT/admin/product-admins'"
as $SYS sh -c "printf 'prod\ndev\nstage\n' >'$MT/admin/sandboxes'"
as $SYS mkdir "$MT/admin/platform/full" "$MT/admin/platform/devonly" "$MT/admin/platform/nosandbox"
as $SYS sh -c "printf '[platform]\nsandboxes = prod\npermissions = $PERMS\n' >'$MT/admin/platform/full/platform.ini'"
as $SYS sh -c "echo pa@example.com >'$MT/admin/platform/full/members'"
as $SYS sh -c "printf '[platform]\nsandboxes = dev\npermissions = $PERMS\n' >'$MT/admin/platform/devonly/platform.ini'"
as $SYS sh -c "echo lead@example.com >'$MT/admin/platform/devonly/members'"
ok "setup done" as $PA test -d "$C"

# --- 1. connections: mkdir with defaults ---
ok "pa mkdir c1" as $PA mkdir "$C/c1"
ini=$(as $PA cat "$C/c1/connection.ini")
eq "connection.ini defaults" "$(echo "$ini" | grep -v '^created')" "[connection]
name = c1
description = 
sandbox = prod
data_window_months = 13
link_by = person
journey_optimizer = false
owner = pa@example.com"
created=$(echo "$ini" | sed -n 's/^created = //p')
case "$created" in 20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z) pass ;; *) fail "created is ISO-8601 UTC: '$created'" ;; esac
eq "ls connection" "$(as $PA ls "$C/c1" | tr '\n' ' ')" "connection.ini datasets status "
eq "ls /connections" "$(as $PA ls "$C" | tr '\n' ' ')" "c1 usage "
errno_is "mkdir usage is EEXIST" EEXIST as $PA bash -c "$(declare -f probe); probe mkdir '$C/usage'"
errno_is "mkdir c1 twice" EEXIST as $PA bash -c "$(declare -f probe); probe mkdir '$C/c1'"
errno_is "mkdir bad name" EINVAL as $PA bash -c "$(declare -f probe); probe mkdir '$C/a b'"
ok "lead mkdir c2 (its first sandbox: dev)" as $LEAD mkdir "$C/c2"
eq "c2 sandbox" "$(as $LEAD cat "$C/c2/connection.ini" | ini_get /dev/stdin sandbox)" "dev"
eq "c2 owner" "$(as $LEAD cat "$C/c2/connection.ini" | ini_get /dev/stdin owner)" "lead@example.com"
eq "mode for pa" "$(as $PA stat -c %A "$C/c1/connection.ini")" "-rw-------"
eq "status is read-only" "$(as $PA stat -c %A "$C/c1/status")" "-r--------"
eq "size is exact" "$(as $PA stat -c %s "$C/c1/status")" "$(as $PA cat "$C/c1/status" | wc -c)"

# --- connection.ini validation ---
w() { errno_is "$1" "$2" as "$3" bash -c "$(declare -f probe); probe write '$4' '$5'"; }
snap=$(snapshot)
w "data_window_months 0" EINVAL $PA "$C/c1/connection.ini" '[connection]\nsandbox = prod\ndata_window_months = 0\n'
has "/errors names the key" "$(as $PA cat "$MT/errors")" "/connections/c1/connection.ini:3: data_window_months must be 1-60"
w "data_window_months 61" EINVAL $PA "$C/c1/connection.ini" '[connection]\nsandbox = prod\ndata_window_months = 61\n'
w "link_by other" EINVAL $PA "$C/c1/connection.ini" '[connection]\nsandbox = prod\nlink_by = household\n'
w "journey_optimizer maybe" EINVAL $PA "$C/c1/connection.ini" '[connection]\nsandbox = prod\njourney_optimizer = maybe\n'
w "unknown key" EINVAL $PA "$C/c1/connection.ini" '[connection]\nsandbox = prod\ncolor = red\n'
w "unlisted sandbox" EINVAL $PA "$C/c1/connection.ini" '[connection]\nsandbox = moon\n'
has "/errors: unlisted sandbox" "$(as $PA cat "$MT/errors")" "connection.ini:2: sandbox 'moon' is not listed in /admin/sandboxes"
w "no sandbox" EINVAL $PA "$C/c1/connection.ini" '[connection]\ndescription = x\n'
w "a sandbox pa may not use" EACCES $PA "$C/c1/connection.ini" '[connection]\nsandbox = dev\n'
has "/errors: sandbox denied, with what is missing" "$(as $PA cat "$MT/errors")" "connection.ini:2: sandbox 'dev': denied: needs sandbox dev through a platform profile"
eq "store unchanged after rejected connection.ini" "$(snapshot)" "$snap"
ok "pa writes settings (read-only keys left out keep their values)" as $PA sh -c "printf '[connection]\ndescription = web site\nsandbox = prod\ndata_window_months = 24\nlink_by = account\n' >'$C/c1/connection.ini'"
ini=$(as $PA cat "$C/c1/connection.ini")
has "description" "$ini" "description = web site"
has "window" "$ini" "data_window_months = 24"
has "link_by" "$ini" "link_by = account"
has "owner kept" "$ini" "owner = pa@example.com"
has "created kept" "$ini" "created = $created"
# read-only keys given with other values are ignored (SPEC §3)
w "read-only keys given differently" OK $PA "$C/c1/connection.ini" '[connection]\nname = other\ndescription = web site\nsandbox = prod\ndata_window_months = 24\nlink_by = account\nowner = me@example.com\ncreated = 2020-01-01T00:00:00Z\n'
eq "read-only keys kept their values" "$(as $PA cat "$C/c1/connection.ini")" "$ini"
ok "canonical write-back" as $PA sh -c "cat '$C/c1/connection.ini' >/tmp/cjafs-conn.$$ && cat /tmp/cjafs-conn.$$ >'$C/c1/connection.ini'"
rm -f /tmp/cjafs-conn.$$
# a sandbox in use cannot be dropped from /admin/sandboxes
snap=$(snapshot)
w "drop a sandbox in use" EINVAL $SYS "$MT/admin/sandboxes" 'dev\nstage\n'
has "/errors: sandbox in use" "$(as $SYS cat "$MT/errors")" "sandbox 'prod' is used by connection c1"
ok "dropping an unused sandbox works" as $SYS sh -c "printf 'prod\ndev\n' >'$MT/admin/sandboxes'"
eq "sandboxes" "$(as $SYS cat "$MT/admin/sandboxes" | tr '\n' ' ')" "dev prod "
eq "store unchanged" "$(snapshot)" "$snap"

# --- 2. datasets and dataset.ini ---
has "no dataset: incomplete" "$(as $PA cat "$C/c1/status")" "state = incomplete"
ok "mkdir datasets/ev" as $PA mkdir "$C/c1/datasets/ev"
eq "ls dataset" "$(as $PA ls "$C/c1/datasets/ev" | tr '\n' ' ')" "dataset.ini records status "
has "dataset default type" "$(as $PA cat "$C/c1/datasets/ev/dataset.ini")" "type = event"
has "dataset incomplete until its fields are declared" "$(as $PA cat "$C/c1/datasets/ev/status")" "state = incomplete"
D=$C/c1/datasets/ev
w "event needs person_id" EINVAL $PA "$D/dataset.ini" '[dataset]\ntimestamp = ts\nfields = ts\n'
has "/errors: person_id" "$(as $PA cat "$MT/errors")" "ev/dataset.ini: person_id is required for event datasets"
w "event needs timestamp" EINVAL $PA "$D/dataset.ini" '[dataset]\nperson_id = pid\nfields = pid\n'
w "person_id must be a field" EINVAL $PA "$D/dataset.ini" '[dataset]\nperson_id = who\ntimestamp = ts\nfields = pid, ts\n'
w "lookup needs key and matching_key" EINVAL $PA "$D/dataset.ini" '[dataset]\ntype = lookup\nkey = sku\nfields = sku, name\n'
w "unknown type" EINVAL $PA "$D/dataset.ini" '[dataset]\ntype = stream\n'
w "field twice" EINVAL $PA "$D/dataset.ini" '[dataset]\nperson_id = pid\ntimestamp = ts\nfields = pid, ts, pid\n'
ok "event dataset.ini" as $PA sh -c "printf '[dataset]\ntype = event\nplatform_dataset_id = 5f1a\nperson_id = pid\ntimestamp = ts\nfields = pid, ts, page, value\n' >'$D/dataset.ini'"
has "dataset complete" "$(as $PA cat "$D/status")" "state = complete"
st=$(as $PA cat "$C/c1/status")
has "connection complete with an event dataset" "$st" "state = complete"
has "dataset count" "$st" "datasets = 1"
has "event count" "$st" "event = 1"
ok "mkdir lookup" as $PA mkdir "$C/c1/datasets/products"
ok "lookup dataset.ini" as $PA sh -c "printf '[dataset]\ntype = lookup\nkey = sku\nmatching_key = page\nfields = sku, name\n' >'$C/c1/datasets/products/dataset.ini'"
ok "mkdir profile" as $PA mkdir "$C/c1/datasets/people"
ok "profile dataset.ini" as $PA sh -c "printf '[dataset]\ntype = profile\nperson_id = pid\nfields = pid, tier\n' >'$C/c1/datasets/people/dataset.ini'"
ok "mkdir summary in c2 (lead, sandbox dev)" as $LEAD mkdir "$C/c2/datasets/daily"
ok "summary dataset.ini" as $LEAD sh -c "printf '[dataset]\ntype = summary\nperson_id = pid\ntimestamp = day\nfields = pid, day, visits\n' >'$C/c2/datasets/daily/dataset.ini'"
has "c2 complete with a summary dataset" "$(as $LEAD cat "$C/c2/status")" "state = complete"
st=$(as $PA cat "$C/c1/status")
has "three datasets" "$st" "datasets = 3"
has "one lookup" "$st" "lookup = 1"
has "one profile" "$st" "profile = 1"

# --- 3. records: ingest, reasons, split lines, deletes, read-back ---
csv='pid,ts,page,value\r\np1,2026-01-01T10:00:00Z,home,1\r\np2,2026-01-01T10:00:00+02:00,"a,b",2\r\np3,1767225600,"say ""hi""",3\r\n,2026-01-01,x,4\r\np4,noon,x,5\r\np5,2026-01-01,x\r\np6,2026-01-01,"x"y,7\r\n'
eq "cp-like write of CRLF CSV with header" "$(pw $PA "$D/records" "$csv")" "OK"
rec=$(as $PA cat "$D/records")
eq "read-back: header and canonical rows" "$rec" 'pid,ts,page,value
p1,2026-01-01T10:00:00Z,home,1
p2,2026-01-01T10:00:00+02:00,"a,b",2
p3,1767225600,"say ""hi""",3'
st=$(as $PA cat "$D/status")
has "rows" "$st" "rows = 3"
has "ingested" "$st" "ingested = 3"
has "skipped" "$st" "skipped = 4"
has "missing_person_id" "$st" "skipped_missing_person_id = 1"
has "bad_timestamp" "$st" "skipped_bad_timestamp = 1"
has "wrong_field_count" "$st" "skipped_wrong_field_count = 1"
has "bad_csv" "$st" "skipped_bad_csv = 1"
has "last ingest by" "$st" "last_ingest_by = pa@example.com"
has "audit detail" "$(as $PA tail -n 1 "$MT/audit/log")" "	write	/connections/c1/datasets/ev/records	ok	3 rows ingested, 4 skipped (missing_person_id 1, bad_timestamp 1, wrong_field_count 1, bad_csv 1)"
eq "a line split across write calls is joined" "$(pw $PA "$D/records" 'p7,2026-01-02,sp' 'lit,8\np8,2026-01-02,"multi' '\nline",9\n' 'p9,2026-01-03,last,10')" "OK"
rec=$(as $PA cat "$D/records")
has "joined row" "$rec" "p7,2026-01-02,split,8"
has "quoted newline kept" "$rec" 'p8,2026-01-02,"multi
line",9'
has "last line ended by the close" "$rec" "p9,2026-01-03,last,10"
has "rows after split writes" "$(as $PA cat "$D/status")" "rows = 6"
ok "cp of a CSV file" as $PA sh -c "printf 'pid,ts,page,value\np1,2026-01-04,x,11\np1,2026-01-05,y,12\n' >/tmp/cjafs-rows.$$.csv && cp /tmp/cjafs-rows.$$.csv '$D/records'"
rm -f /tmp/cjafs-rows.$$.csv
has "cp appends" "$(as $PA cat "$D/status")" "rows = 8"
eq "delete person_id" "$(pw $PA "$D/records" 'delete person_id=p1\n')" "OK"
st=$(as $PA cat "$D/status")
has "deleted count" "$st" "deleted = 3"
has "rows after delete" "$st" "rows = 5"
hasnt "p1 gone" "$(as $PA cat "$D/records")" "p1,"
has "audit delete" "$(as $PA tail -n 1 "$MT/audit/log")" "3 rows deleted"
eq "records size is what a read gives" "$(as $PA stat -c %s "$D/records")" "$(as $PA cat "$D/records" | wc -c)"
eq "records mode" "$(as $PA stat -c %A "$D/records")" "-rw-------"
# type and fields are fixed once records exist
snap=$(snapshot)
w "type fixed" EINVAL $PA "$D/dataset.ini" '[dataset]\ntype = profile\nperson_id = pid\nfields = pid, ts, page, value\n'
has "/errors: type fixed" "$(as $PA cat "$MT/errors")" "dataset.ini:2: type is fixed once records exist"
w "fields fixed" EINVAL $PA "$D/dataset.ini" '[dataset]\nperson_id = pid\ntimestamp = ts\nfields = pid, ts, page\n'
eq "store unchanged" "$(snapshot)" "$snap"
# import_new_data = false
ok "pause imports" as $PA sh -c "printf '[dataset]\nplatform_dataset_id = 5f1a\nperson_id = pid\ntimestamp = ts\nimport_new_data = false\nfields = pid, ts, page, value\n' >'$D/dataset.ini'"
snap=$(snapshot)
eq "append refused" "$(pw $PA "$D/records" 'p9,2026-01-09,x,1\n')" "EPERM"
has "/errors: import_new_data" "$(as $PA cat "$MT/errors")" "/connections/c1/datasets/ev/records: import_new_data is false: appends are refused"
eq "store unchanged after EPERM" "$(snapshot)" "$snap"
ok "resume imports" as $PA sh -c "printf '[dataset]\nplatform_dataset_id = 5f1a\nperson_id = pid\ntimestamp = ts\nfields = pid, ts, page, value\n' >'$D/dataset.ini'"
# other types
eq "lookup rows" "$(pw $PA "$C/c1/datasets/products/records" 'sku,name\nA1,Shoe\nA2,\n')" "OK"
eq "profile rows" "$(pw $PA "$C/c1/datasets/people/records" 'p2,gold\n,silver\n')" "OK"
has "profile needs a person" "$(as $PA cat "$C/c1/datasets/people/status")" "skipped_missing_person_id = 1"
eq "summary rows" "$(pw $LEAD "$C/c2/datasets/daily/records" 'p1,2026-01-01,3\np2,someday,4\n')" "OK"
has "summary needs a timestamp" "$(as $LEAD cat "$C/c2/datasets/daily/status")" "skipped_bad_timestamp = 1"

# --- 4. status and usage ---
st=$(as $PA cat "$C/c1/status")
has "connection rows" "$st" "rows = 8"
has "connection skipped" "$st" "skipped = 5"
has "connection deleted" "$st" "deleted = 3"
has "last change by" "$st" "last_change_by = pa@example.com"
eq "usage" "$(as $PA cat "$C/usage")" "connection,type,datasets,rows
c1,event,1,5
c1,profile,1,1
c1,lookup,1,2
c2,summary,1,1
*,total,4,9
*,allotment,,0"

# --- 5. permissions ---
snap=$(snapshot)
before=$(audit_lines)
# a product admin without platform permissions reads but changes nothing
ok "pa2 lists /connections" as $PA2 ls "$C"
ok "pa2 reads records" as $PA2 cat "$D/records"
errno_is "pa2 mkdir" EACCES as $PA2 bash -c "$(declare -f probe); probe mkdir '$C/x'"
errno_is "pa2 writes connection.ini" EACCES as $PA2 bash -c "$(declare -f probe); probe open-w '$C/c1/connection.ini'"
errno_is "pa2 ingests" EACCES as $PA2 bash -c "$(declare -f probe); probe open-w '$D/records'"
errno_is "pa2 rmdir dataset" EACCES as $PA2 bash -c "$(declare -f probe); probe rmdir '$D'"
no "pa2 rm -r connection" as $PA2 rm -r "$C/c1"
why=$(as $PA2 getfattr --only-values -n user.cjafs.why "$D/records" 2>/dev/null)
has "why: pa2 read" "$why" "read: allowed"
has "why: pa2 lacks the six permissions" "$why" "write: denied: needs platform permissions $PERMS; needs sandbox prod through a platform profile"
why=$(as $PA2 getfattr --only-values -n user.cjafs.why "$C" 2>/dev/null)
has "why: pa2 mkdir" "$why" "mkdir: denied: needs platform permissions $PERMS; needs a sandbox through a platform profile"
# the lead manages connections, but only in its sandbox
errno_is "lead may not change c1 (sandbox prod)" EACCES as $LEAD bash -c "$(declare -f probe); probe open-w '$C/c1/connection.ini'"
errno_is "lead may not ingest into c1" EACCES as $LEAD bash -c "$(declare -f probe); probe open-w '$D/records'"
errno_is "lead may not delete c1" EACCES as $LEAD bash -c "$(declare -f probe); probe rmdir '$C/c1'"
has "why: lead lacks sandbox prod" "$(as $LEAD getfattr --only-values -n user.cjafs.why "$C/c1/connection.ini" 2>/dev/null)" "write: denied: needs sandbox prod through a platform profile"
# not a product admin: nothing under /connections exists
errno_is "viewer may not list /connections" EACCES as $VIEWER bash -c "$(declare -f probe); probe read '$C/usage'"
no "viewer ls" as $VIEWER ls "$C"
errno_is "viewer: c1 does not exist" ENOENT as $VIEWER bash -c "$(declare -f probe); probe stat '$C/c1'"
errno_is "viewer: records do not exist" ENOENT as $VIEWER bash -c "$(declare -f probe); probe read '$D/records'"
errno_is "viewer: mkdir" EACCES as $VIEWER bash -c "$(declare -f probe); probe mkdir '$C/x'"
errno_is "sys (not a product admin): c1 does not exist" ENOENT as $SYS bash -c "$(declare -f probe); probe stat '$C/c1'"
eq "store unchanged after denials" "$(snapshot)" "$snap"
[ "$(audit_lines)" -gt "$before" ] && pass || fail "denials are audited"
has "denial audited" "$(as $PA cat "$MT/audit/log")" "	lead@example.com	rmdir	/connections/c1	denied	needs sandbox prod through a platform profile"
# a product admin with the permissions but no sandbox at all may not create
as $SYS sh -c "printf '[platform]\nsandboxes = \npermissions = $PERMS\n' >'$MT/admin/platform/nosandbox/platform.ini'"
as $SYS sh -c "echo pa2@example.com >'$MT/admin/platform/nosandbox/members'"
errno_is "pa2 with permissions but no sandbox" EACCES as $PA2 bash -c "$(declare -f probe); probe mkdir '$C/x'"
has "why: no sandbox" "$(as $PA2 getfattr --only-values -n user.cjafs.why "$C" 2>/dev/null)" "mkdir: denied: needs a sandbox through a platform profile"
# journey_optimizer: while one exists, the journeys permissions are needed
# too; so turning it on needs them (or it would lock its author out)
errno_is "pa without the journeys permissions may not turn it on" EACCES as $PA bash -c "$(declare -f probe); probe write '$C/c1/connection.ini' '[connection]\\nsandbox = prod\\njourney_optimizer = true\\n'"
has "/errors says what is missing" "$(as $PA cat "$MT/errors")" "journey_optimizer: denied: needs platform permissions $JPERMS"
as $SYS sh -c "printf '[platform]\nsandboxes = prod\npermissions = $PERMS, $JPERMS\n' >'$MT/admin/platform/full/platform.ini'"
ok "pa marks c1 for Journey Optimizer" as $PA sh -c "printf '[connection]\nsandbox = prod\njourney_optimizer = true\n' >'$C/c1/connection.ini'"
snap=$(snapshot)
errno_is "lead now lacks the journeys permissions" EACCES as $LEAD bash -c "$(declare -f probe); probe mkdir '$C/c3'"
has "why names the four" "$(as $LEAD getfattr --only-values -n user.cjafs.why "$C" 2>/dev/null)" "mkdir: denied: needs platform permissions $JPERMS"
eq "store unchanged" "$(snapshot)" "$snap"
ok "pa with the journeys permissions ingests" as $PA sh -c "printf 'p10,2026-02-01,x,1\n' >>'$D/records'"
ok "pa clears the flag" as $PA sh -c "printf '[connection]\nsandbox = prod\njourney_optimizer = false\n' >'$C/c1/connection.ini'"
ok "lead may create again" as $LEAD mkdir "$C/c3"
ok "lead rmdir c3" as $LEAD rmdir "$C/c3"
# the flag goes with a deleted connection too
as $SYS sh -c "printf '[platform]\nsandboxes = dev\npermissions = $PERMS, $JPERMS\n' >'$MT/admin/platform/devonly/platform.ini'"
ok "lead marks c2" as $LEAD sh -c "printf '[connection]\nsandbox = dev\njourney_optimizer = true\n' >'$C/c2/connection.ini'"
as $SYS sh -c "printf '[platform]\nsandboxes = dev\npermissions = $PERMS\n' >'$MT/admin/platform/devonly/platform.ini'"
errno_is "lead now needs the journeys permissions itself" EACCES as $LEAD bash -c "$(declare -f probe); probe mkdir '$C/c3'"
as $SYS sh -c "printf '[platform]\nsandboxes = dev\npermissions = $PERMS, $JPERMS\n' >'$MT/admin/platform/devonly/platform.ini'"
ok "lead rm -r c2 (with its dataset and rows)" as $LEAD rm -r "$C/c2"
as $SYS sh -c "printf '[platform]\nsandboxes = dev\npermissions = $PERMS\n' >'$MT/admin/platform/devonly/platform.ini'"
ok "no journey_optimizer connection left: lead creates" as $LEAD mkdir "$C/c3"
ok "lead rmdir c3 again" as $LEAD rmdir "$C/c3"
has "usage after c2 is gone" "$(as $PA cat "$C/usage")" "*,total,3,9"

# --- rmdir of a dataset and rm -r of a connection take their rows ---
ok "rmdir a dataset" as $PA rmdir "$C/c1/datasets/products"
has "usage without products" "$(as $PA cat "$C/usage")" "*,total,2,7"
ok "rm -r c1" as $PA rm -r "$C/c1"
errno_is "c1 gone" ENOENT as $PA bash -c "$(declare -f probe); probe stat '$C/c1'"
eq "usage empty" "$(as $PA cat "$C/usage")" "connection,type,datasets,rows
*,total,0,0
*,allotment,,0"
ok "a new c1 starts empty" as $PA mkdir "$C/c1" "$C/c1/datasets/ev"
eq "no rows of the old c1" "$(as $PA cat "$C/c1/datasets/ev/records")" ""
ok "c1 event settings" as $PA sh -c "printf '[dataset]\nperson_id = pid\ntimestamp = ts\nfields = pid, ts\n' >'$C/c1/datasets/ev/dataset.ini'"

# --- many rows: several chunks, 1 MiB writes, read back byte for byte ---
ok "mkdir big" as $PA mkdir "$C/c1/datasets/big"
ok "big settings" as $PA sh -c "printf '[dataset]\nperson_id = person_id\ntimestamp = timestamp\nfields = person_id, timestamp, page, event, value\n' >'$C/c1/datasets/big/dataset.ini'"
big=$MT_DIR/big.csv
python3 "$(dirname "$0")/../../scripts/gen-rows.py" 60000 >"$big"
chmod 644 "$big"
eq "records prefer 1 MiB writes" "$(as $PA stat -c %o "$C/c1/datasets/big/records")" "1048576"
ok "cp 60000 rows" as $PA cp "$big" "$C/c1/datasets/big/records"
has "60000 rows" "$(as $PA cat "$C/c1/datasets/big/status")" "rows = 60000"
eq "read back byte for byte" "$(as $PA cat "$C/c1/datasets/big/records" | md5sum)" "$(md5sum <"$big")"
who=$(sed -n '2s/,.*//p' "$big")
n=$(grep -c "^$who," "$big")
eq "delete one person across chunks" "$(pw $PA "$C/c1/datasets/big/records" "delete person_id=$who\n")" "OK"
has "deleted count" "$(as $PA cat "$C/c1/datasets/big/status")" "deleted = $n"
eq "the rest intact" "$(as $PA cat "$C/c1/datasets/big/records" | md5sum)" "$(grep -v "^$who," "$big" | md5sum)"
ok "rmdir big" as $PA rmdir "$C/c1/datasets/big"

# --- [limits] rows: EDQUOT refuses a whole write ---
mt_unmount
MT_ROWS_LIMIT=5 mt_write_config
mt_mount || fail "remount with a row allotment"
D=$C/c1/datasets/ev
eq "within the allotment" "$(pw $PA "$D/records" 'a,2026-01-01\nb,2026-01-01\nc,2026-01-01\n')" "OK"
snap=$(snapshot)
eq "past the allotment: EDQUOT" "$(pw $PA "$D/records" 'd,2026-01-01\ne,2026-01-01\nf,2026-01-01\n')" "EDQUOT"
eq "refused whole" "$(snapshot)" "$snap"
has "/errors: allotment" "$(as $PA cat "$MT/errors")" "row allotment exceeded: 3 stored + 3 in this write > 5"
has "usage shows the allotment" "$(as $PA cat "$C/usage")" "*,allotment,,5"
eq "up to the allotment" "$(pw $PA "$D/records" 'd,2026-01-01\ne,2026-01-01\n')" "OK"
eq "a delete frees room" "$(pw $PA "$D/records" 'delete person_id=a\nf,2026-01-01\n')" "OK"
has "five rows" "$(as $PA cat "$D/status")" "rows = 5"
MT_ROWS_LIMIT=0 mt_write_config
