#!/usr/bin/env bash
# Collection directories at scale and connections data views use, on a
# real mount: a connection named by data views is not deleted (rmdir
# EBUSY naming the views, audited as rejected, in /errors), rm -r of it
# fails and leaves it whole, datasets and rows included, and it goes once
# its views are gone; a store of the previous version (one index record
# per directory) is converted at mount and lists the same; and a
# directory of MT_DIRCOST_N data views made, deleted and renamed
# interleaved lists every name once, also after a remount.  The default,
# 10000 (about 40 index chunks), takes a minute or so, each mkdir being
# a durable commit; MT_DIRCOST_N=100000 is the size the README names
# (five to fifteen minutes here: raise MT_TIMEOUT).
set -u
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002
C=$MT/connections
V=$MT/dataviews
N=${MT_DIRCOST_N:-10000}
# under valgrind every request is tens of times slower: a smaller
# directory (still several index chunks)
[ -n "${CJAFS_WRAP:-}" ] && [ -z "${MT_DIRCOST_N:-}" ] && N=1500
PERMS="view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces"

put() { as "$1" sh -c "printf '$3' >'$2'"; }
probe_rmdir() {
	as "$1" /usr/bin/python3 -c '
import errno, os, sys
try:
    os.rmdir(sys.argv[1])
    print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))' "$2"
}
# the names in each directory, as pa lists them
lsn() {
	local d
	for d; do
		as $PA ls "$d" | tr '\n' ' '
		printf '| '
	done
}
# everything a product admin sees under /connections and /dataviews
snapshot() {
	as $PA sh -c "cd '$MT' && find connections dataviews | sort && find connections -name '*.ini' | sort | xargs cat"
}

# --- the Admin Console, two connections, three views ---
as $SYS sh -c "printf 'pa@example.com\n' >'$MT/admin/product-admins'"
as $SYS sh -c "printf 'prod\n' >'$MT/admin/sandboxes'"
as $SYS mkdir "$MT/admin/platform/full"
as $SYS sh -c "printf '[platform]\nsandboxes = prod\npermissions = $PERMS\n' >'$MT/admin/platform/full/platform.ini'"
as $SYS sh -c "echo pa@example.com >'$MT/admin/platform/full/members'"
for c in c1 c2 c3; do
	ok "mkdir $c" as $PA mkdir "$C/$c" "$C/$c/datasets/ev" "$C/$c/datasets/lk"
	put $PA "$C/$c/datasets/ev/dataset.ini" '[dataset]\ntype = event\nperson_id = p\ntimestamp = ts\nfields = p, ts, page\n'
	put $PA "$C/$c/datasets/lk/dataset.ini" '[dataset]\ntype = lookup\nkey = page\nmatching_key = page\nfields = page, title\n'
	ok "rows into $c" as $PA sh -c "printf 'a,2026-01-01T00:00:00Z,/x\nb,2026-01-02T00:00:00Z,/y\n' >>'$C/$c/datasets/ev/records'"
done
for v in web mobile; do
	ok "mkdir view $v" as $PA mkdir "$V/$v"
	put $PA "$V/$v/dataview.ini" '[dataview]\nconnection = c1\n'
done
ok "mkdir view other" as $PA mkdir "$V/other"
put $PA "$V/other/dataview.ini" '[dataview]\nconnection = c2\n'
eq "views on c1" "$(as $PA sed -n 's/^connection = //p' "$V/web/dataview.ini" "$V/mobile/dataview.ini")" "c1
c1"

# --- 1. rmdir of a connection data views use ---
before=$(snapshot)
eq "rmdir c1 in use" "$(probe_rmdir $PA "$C/c1")" EBUSY
has "/errors names the views" "$(as $PA cat "$MT/errors")" "/connections/c1: in use by data views mobile, web"
has "audited as rejected" "$(as $PA cat "$MT/audit/log")" "	pa@example.com	rmdir	/connections/c1	rejected	in use by data views mobile, web"
eq "c1 whole after the refusal" "$(snapshot)" "$before"
has "why says so too" "$(as $PA getfattr --only-values -n user.cjafs.why "$C/c1" 2>/dev/null)" "rmdir: refused: in use by data views mobile, web"
has "why: c3, which no view uses, may go" "$(as $PA getfattr --only-values -n user.cjafs.why "$C/c3" 2>/dev/null)" "rmdir: allowed"
has "c1 keeps its rows" "$(as $PA cat "$C/c1/datasets/ev/status")" "rows = 2"

# --- 2. rm -r of it fails and leaves everything as it was ---
no "rm -r c1 fails" as $PA rm -r "$C/c1"
eq "c1 whole after rm -r" "$(snapshot)" "$before"
has "c1 keeps its rows after rm -r" "$(as $PA cat "$C/c1/datasets/ev/status")" "rows = 2"
has "/errors: a dataset of it is kept" "$(as $PA cat "$MT/errors")" "/connections/c1/datasets/ev: connection c1 in use by data views mobile, web"
no "python rmtree c1 fails" as $PA /usr/bin/python3 -c 'import shutil, sys; shutil.rmtree(sys.argv[1])' "$C/c1"
eq "c1 whole after rmtree" "$(snapshot)" "$before"
# a dataset alone may go (the connection stays)
ok "plain rmdir of c1's lookup dataset" as $PA rmdir "$C/c1/datasets/lk"
ok "mkdir it again" as $PA mkdir "$C/c1/datasets/lk"
put $PA "$C/c1/datasets/lk/dataset.ini" '[dataset]\ntype = lookup\nkey = page\nmatching_key = page\nfields = page, title\n'

# --- 3. once its views are gone, or moved, it goes ---
ok "rmdir view web" as $PA rmdir "$V/web"
eq "still in use by mobile" "$(probe_rmdir $PA "$C/c1")" EBUSY
has "/errors names the one left" "$(as $PA cat "$MT/errors")" "/connections/c1: in use by data views mobile"
put $PA "$V/mobile/dataview.ini" '[dataview]\nconnection = c3\n'
ok "rm -r c1 once no view uses it" as $PA rm -r "$C/c1"
eq "c1 gone" "$(probe_rmdir $PA "$C/c1")" ENOENT
eq "rmdir c3 (mobile's now)" "$(probe_rmdir $PA "$C/c3")" EBUSY
has "/errors: c3" "$(as $PA cat "$MT/errors")" "/connections/c3: in use by data views mobile"
eq "a renamed view is named by its new name" "$(as $PA mv "$V/mobile" "$V/app" && probe_rmdir $PA "$C/c3")" EBUSY
has "/errors: c3 after the rename" "$(as $PA cat "$MT/errors")" "/connections/c3: in use by data views app"

# --- 4. a store of the previous version is converted at mount ---
# tests/data/store-v1: a store made by cjafs with store version 1 (one
# index record of sorted names per directory), and what pa listed on it
OLD=$(dirname "$0")/../data/store-v1
mt_unmount
gzip -dc "$OLD/store.gz" >"$MT_DIR/store.tdb" || fail "cannot unpack the old store"
has "the store is version 1" "$(tdbdump "$MT_DIR/store.tdb")" 'data(13) = "cjafs-store 1"'
has "with index records" "$(tdbdump "$MT_DIR/store.tdb")" 'key(14) = "l:/connections"'
mt_mount || fail "mount of a version 1 store"
has "the upgrade is logged" "$(cat "$MT_DIR/daemon.log")" "store upgraded from 'cjafs-store 1' to 'cjafs-store 2'"
eq "the old store lists the same" "$(as $PA sh -c "cd '$MT' && find connections dataviews admin/profiles admin/platform | sort")" "$(cat "$OLD/listing.txt")"
eq "its report" "$(as $PA cat "$V/web/report/page.csv")" "page,people
/x,1
/y,1"
eq "its views hold their connection" "$(probe_rmdir $PA "$C/c1")" EBUSY
has "/errors names them" "$(as $PA cat "$MT/errors")" "/connections/c1: in use by data views mobile, web"
ok "a dataset goes" as $PA rmdir "$C/c2/datasets/b"
ok "a profile comes" as $PA mkdir "$MT/admin/profiles/p3"
ok "a view is renamed" as $PA mv "$V/other" "$V/other2"
eq "the new names" "$(lsn "$C/c2/datasets" "$MT/admin/profiles" "$V")" "a c | p1 p2 p3 | mobile other2 web | "
mt_unmount
dump=$(tdbdump "$MT_DIR/store.tdb")
has "version 2 on disk" "$dump" 'data(13) = "cjafs-store 2"'
hasnt "no version 1 index left" "$dump" '"l:/'
mt_mount || fail "remount"
eq "the same after a remount" "$(lsn "$C/c2/datasets" "$MT/admin/profiles" "$V")" "a c | p1 p2 p3 | mobile other2 web | "

# --- 5. N data views, made, deleted and renamed interleaved ---
out=$(as $PA /usr/bin/python3 - "$V" "$N" <<'PY' 2>&1
import os, random, sys, time
top, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(17)
have = set(os.listdir(top))
t = time.monotonic()
k = min(1000, n // 2)
first = last = 0.0
for i in range(n):
    name = "v%06d" % i
    t0 = time.monotonic()
    os.mkdir(os.path.join(top, name))
    dt = time.monotonic() - t0
    if i < k:
        first += dt
    elif i >= n - k:
        last += dt
    have.add(name)
    if i % 10 == 9:             # delete one made earlier
        gone = "v%06d" % rnd.randrange(i)
        if gone in have:
            os.rmdir(os.path.join(top, gone))
            have.discard(gone)
    if i % 13 == 12:            # rename one made earlier
        old = "v%06d" % rnd.randrange(i)
        if old in have:
            os.rename(os.path.join(top, old), os.path.join(top, "r" + old))
            have.discard(old)
            have.add("r" + old)
names = os.listdir(top)
print("made in %.0f s; a mkdir took %.2f ms among the first %d, %.2f ms among the last"
      % (time.monotonic() - t, first * 1e3 / k, k, last * 1e3 / k), file=sys.stderr)
print(len(names), len(set(names)), len(have), sorted(names) == sorted(have))
PY
)
last=$(printf '%s\n' "$out" | tail -n 1)
mt_log "t_dircost: $N views: $(printf '%s\n' "$out" | head -n 1)"
set -- $last
ok "listing has as many entries as names" test "${1:-0}" -gt $((N / 2))
eq "every name once" "${2:-}" "${1:-x}"
eq "the names made, less the deleted, renamed" "${4:-} ${3:-}" "True ${1:-}"
count=$(as $PA ls "$V" | wc -l)
eq "ls counts the same" "$count" "${1:-}"
first=$(as $PA ls "$V" | md5sum)
mt_unmount
mt_mount || fail "remount at scale"
eq "the same after a remount" "$(as $PA ls "$V" | md5sum)" "$first"
one=$(as $PA ls "$V" | grep -m 1 '^v0')
eq "a lookup in the big directory" "$(as $PA sed -n 's/^name = //p' "$V/$one/dataview.ini")" "$one"

exit 0
