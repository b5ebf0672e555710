#!/usr/bin/env bash
# Unlink and restore on a real mount (SPEC §2, §5): an unlink outside any
# object the caller may delete is EACCES at once and audited; inside one
# it is staged for the process (the name is gone for it), so rm -r goes
# on and tar's unlink-then-create restores attributes while computed
# names are refused; a stage that came to nothing is one /errors line;
# staging stays cheap for everyone else; truncate(2) by path past the
# scratch cap is EFBIG; fstat of an open unlinked scratch file has no link.
set -u
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002 PA2=2003 VIEWER=2006
C=$MT/connections
V=$MT/dataviews
D=$MT_DIR/data
PERMS="view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces"

st() { errno_is "$1" "$2" as "$3" bash -c "$(declare -f probe); probe $4 '$5'"; }
put() { as "$1" sh -c "printf '$3' >'$2'"; }
audit_lines() { as $PA sh -c "wc -l <'$MT/audit/log'"; }
errors_of() { as "$1" cat "$MT/errors"; }

as $SYS sh -c "printf 'pa@example.com\npa2@example.com\n' >'$MT/admin/product-admins'"
as $SYS sh -c "printf 'prod\n' >'$MT/admin/sandboxes'"
as $SYS mkdir "$MT/admin/platform/full"
as $SYS sh -c "printf '[platform]\nsandboxes = prod\npermissions = $PERMS\n' >'$MT/admin/platform/full/platform.ini'"
as $SYS sh -c "echo pa@example.com >'$MT/admin/platform/full/members'"
as $PA mkdir "$C/c1" "$C/c1/datasets/web"
put $PA "$C/c1/connection.ini" '[connection]\nsandbox = prod\n'
put $PA "$C/c1/datasets/web/dataset.ini" '[dataset]\ntype = event\nperson_id = person_id\ntimestamp = ts\nfields = person_id, ts, page\n'
now=$(date -u +%s)
as $PA sh -c "printf 'p1,$((now - 3600)),home\np2,$((now - 7200)),cart\n' >'$C/c1/datasets/web/records'"
as $PA mkdir "$V/web"
put $PA "$V/web/dataview.ini" '[dataview]\ndescription = the shop\nconnection = c1\n'
put $PA "$V/web/components/page.ini" '[component]\nfield = page\n'
put $PA "$V/web/components/events.ini" '[component]\nkind = metric\nfield = occurrences\n'
eq "setup: a report" "$(as $PA ls "$V/web/report" | tr '\n' ' ')" "page.csv "

# py UID CODE ARGS...: run a Python snippet as UID (helpers e() and x()
# print the errno name of a call, or OK)
py() {
	local uid=$1 code=$2
	shift 2
	as "$uid" /usr/bin/python3 -c '
import errno, os, sys, time
def x(f, *a):
    try:
        f(*a)
        return "OK"
    except OSError as err:
        return errno.errorcode.get(err.errno, str(err.errno))
def creat(p):
    os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
'"$code" "$@"
}

# --- 1. outside any object the caller may delete: EACCES, not staged ---
a0=$(audit_lines)
for f in "$C/c1/datasets/web/status" "$V/web/report/page.csv" "$V/web/rows.csv" "$V/web/dataview.ini"; do
	eq "pa2 (may not delete): rm ${f#$MT/} is EACCES, the name stays for it" \
		"$(py $PA2 'print(x(os.unlink, sys.argv[1]), x(os.stat, sys.argv[1]))' "$f")" "EACCES OK"
done
eq "each denied unlink is audited" "$(as $PA grep -c '	unlink	.*	denied	' "$MT/audit/log")" 4
st "rm /audit/log as a system admin: EACCES" EACCES $SYS unlink "$MT/audit/log"
st "rm /connections/usage: EACCES" EACCES $PA unlink "$C/usage"
# a file the caller may write is staged (install and mv unlink, then
# create), though its object cannot go: the unlink says 0, the file stays
st "rm /admin/sandboxes by its writer: staged" OK $SYS unlink "$MT/admin/sandboxes"
st "rm /admin/sandboxes by a product admin (read-only to it): EACCES" EACCES $PA unlink "$MT/admin/sandboxes"
has "the denial is audited" "$(as $PA tail -n 3 "$MT/audit/log")" "	sys@example.com	unlink	/audit/log	denied	"
has "/errors says why" "$(errors_of $SYS)" "/audit/log: unlink: denied"
hasnt "nothing staged came to nothing" "$(errors_of $PA2)" "not removed"

# --- 2. inside one: staged, the name gone for that process only ---
eq "pa: rm report/page.csv, then it is gone for that process" \
	"$(py $PA 'p = sys.argv[1]
print(x(os.unlink, p), x(os.stat, p), "page.csv" in os.listdir(os.path.dirname(p)), x(os.unlink, p), x(creat, p))' "$V/web/report/page.csv")" \
	"OK ENOENT False ENOENT EACCES"
eq "pa: rm status, then a create of it is EACCES" \
	"$(py $PA 'p = sys.argv[1]
print(x(os.unlink, p), x(os.stat, p), x(creat, p))' "$C/c1/datasets/web/status")" "OK ENOENT EACCES"
ok "others still see report/page.csv" as $PA test -f "$V/web/report/page.csv"
# unlink then create of an attribute: the new content at close
eq "pa: unlink then create of dataview.ini commits at close" \
	"$(py $PA 'p = sys.argv[1]
r = x(os.unlink, p)
fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
os.write(fd, b"[dataview]\ndescription = restored\nconnection = c1\n")
os.close(fd)
print(r)' "$V/web/dataview.ini")" "OK"
has "the new content is there" "$(as $PA cat "$V/web/dataview.ini")" "description = restored"

# a process that loops as an old tar did (unlink, create O_EXCL) leaves
# one /errors line for each name, not one per turn
e0=$(errors_of $PA | grep -c 'report/page.csv: not removed')
eq "unlink and create in a loop end at once" \
	"$(py $PA 'p = sys.argv[1]
print(" ".join(x(os.unlink, p) + "/" + x(creat, p) for _ in range(30)).split()[:2])' "$V/web/report/page.csv")" \
	"['OK/EACCES', 'ENOENT/EACCES']"
as $PA true
e1=$(errors_of $PA | grep -c 'report/page.csv: not removed')
eq "one /errors line for the stage that came to nothing" "$((e1 - e0))" 1

# rm -r of an object works
as $PA mkdir "$V/old"
put $PA "$V/old/dataview.ini" '[dataview]\nconnection = c1\n'
put $PA "$V/old/components/page.ini" '[component]\nfield = page\n'
ok "rm -r of a data view" as $PA rm -r "$V/old"
st "the view is gone" ENOENT $PA stat "$V/old"

# --- 3. staging stays cheap for everyone else ---
whoami_ms() {
	local t0 t1 i
	t0=$(date +%s%N)
	for i in $(seq 1 20); do as $VIEWER cat "$MT/whoami" >/dev/null; done
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 20000000))
}
base=$(whoami_ms)
# under valgrind every request is tens of times slower: fewer rounds
rounds=10000
[ -n "${CJAFS_WRAP:-}" ] && rounds=1000
as $PA timeout 120 /usr/bin/python3 -c '
import os, sys
p, q, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    for f in (p, q):
        try:
            os.unlink(f)
        except OSError:
            pass
        try:
            os.close(os.open(f, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except OSError:
            pass
' "$V/web/report/page.csv" "$V/web/rows.csv" $rounds &
loop=$!
busy=$(whoami_ms)
t0=$(date +%s)
wait $loop
lst=$?
t1=$(date +%s)
mt_log "t_restore: cat /whoami by another user: ${base} ms idle, ${busy} ms while one process makes 2x$rounds unlinks+creates (the loop ended $((t1 - t0)) s after that)"
eq "$rounds rounds of unlinks+creates end in time" "$lst" 0
if [ "$busy" -le $((base * 20 + 200)) ]; then pass; else
	fail "cat /whoami slowed from $base ms to $busy ms"
fi

# --- 4. a tar backup restores into a fresh store ---
B=$MT_DIR/backup
mkdir -p "$B/ref"
chmod 777 "$B"
ok "tar of /admin as a system admin" as $SYS tar -C "$MT" -cf "$B/admin.tar" admin
ok "tar of /connections and /dataviews as a product admin" as $PA tar -C "$MT" -cf "$B/data.tar" connections dataviews
tar -C "$B/ref" -xf "$B/admin.tar"
tar -C "$B/ref" -xf "$B/data.tar"
settings() {
	(cd "$1" && find admin connections dataviews -type f \
		\( -name '*.ini' -o -name members -o -name sandboxes -o -name product-admins \) |
		sort | while read -r f; do printf '== %s\n' "$f"; cat "$f"; done)
}
mt_unmount
rm -f "$MT_DIR/store.tdb"
ok "a fresh store" "$CJAFS" --init -c "$MT_DIR/cjafs.ini"
mt_mount || fail "mount the fresh store"
# restore UID TARBALL TAR-OPTIONS...: tar -x into the mount (a timeout
# turns a loop into a failure); prints the exit status, then the names
# tar complained about
restore() {
	local uid=$1 tarball=$2 out
	shift 2
	out=$(as "$uid" timeout 60 tar -C "$MT" "$@" -xf "$tarball" 2>&1)
	echo "status $?"
	printf '%s\n' "$out" | sed -n 's/^tar: \([^:]*\): .*/\1/p' | sort -u
}
# what a restore may complain about: computed files and command files
# (reporting-activity, transfer: EACCES for a system admin; the backup
# stream among them, whose copy in the archive is empty), files of
# fixed directories (their unlink is EACCES, so tar's default says
# EEXIST), records (data, not settings); connection.ini is here while a
# different `created` in it is refused rather than ignored (SPEC §3)
expected() {
	grep -Evx 'status [02]|admin/users/[^/]*|admin/backup|admin/reporting-activity|admin/transfer|connections/usage|connections/[^/]*/status|connections/[^/]*/connection\.ini|connections/[^/]*/datasets/[^/]*/(records|status)|dataviews/[^/]*/(rows\.csv|report/[^/]*\.csv)'
}
r=$(restore $SYS "$B/admin.tar" --overwrite)
has "tar -x --overwrite of /admin ends" "$r" "status "
eq "... complaining only of computed files" "$(echo "$r" | expected)" ""
r=$(restore $PA "$B/data.tar")
has "tar -x of /connections and /dataviews (unlink, then create) ends" "$r" "status "
eq "... complaining only of computed files" "$(echo "$r" | expected)" ""
has "... among them a report" "$r" "dataviews/web/report/page.csv"
r=$(restore $PA "$B/data.tar" --overwrite)
has "tar -x --overwrite of them again ends" "$r" "status "
eq "... complaining only of computed files" "$(echo "$r" | expected)" ""
mkdir "$B/got"
as $SYS tar -C "$MT" -cf - admin | tar -C "$B/got" -xf -
as $PA tar -C "$MT" -cf - connections dataviews | tar -C "$B/got" -xf -
eq "the settings are restored" "$(settings "$B/got" | grep -v '^created = ')" \
	"$(settings "$B/ref" | grep -v '^created = ')"
has "... a data view's description among them" "$(as $PA cat "$V/web/dataview.ini")" "description = restored"
ok "... and its component" as $PA test -f "$V/web/components/page.ini"

# --- 5. scratch files: truncate(2) by path past the cap, fstat unlinked ---
put $PA "$V/notes.txt" 'draft\n'
eq "truncate by path past the scratch cap: EFBIG" \
	"$(py $PA 'print(x(os.truncate, sys.argv[1], 64 * 1024 * 1024 + 1))' "$V/notes.txt")" "EFBIG"
eq "... and it changed nothing" "$(as $PA cat "$V/notes.txt")" "draft"
eq "fstat of an open, unlinked scratch file: st_nlink 0" \
	"$(py $PA 'p = sys.argv[1]
fd = os.open(p, os.O_RDWR)
os.unlink(p)
print(os.fstat(fd).st_nlink, os.pread(fd, 5, 0))
os.close(fd)' "$V/notes.txt")" "0 b'draft'"
