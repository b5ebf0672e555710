#!/usr/bin/env bash
# Errors where shells see them, read-only keys, config as code (SPEC §3,
# §5) on a real mount.
#
# A shell's `printf > file` ignores close(2), so a line no later line can
# mend is refused at write(2): the shell prints a write error and fails,
# nothing commits (close fails the same way), /errors names the line.  A
# valid file written in several write(2) calls commits once, at close;
# writes at offsets get the close's verdict.  Read-only keys given with
# other values are ignored.  Then the settings of one store are copied out
# with rsync, and into a fresh store, as the README says, and diffed.
set -u
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002 LEAD=2004
A=$MT/admin
P=$A/profiles/thirdparty
C=$MT/connections
V=$MT/dataviews
PERMS="view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces"

put() { as "$1" sh -c "printf '$3' >'$2'"; }
# sh_w UID PATH TEXT: bash's printf builtin into PATH; prints the exit
# status and what the shell said
sh_w() { as "$1" bash -c "printf '$3' >'$2'" 2>&1; echo "exit $?"; }
# pw UID PATH CHUNK...: open O_WRONLY|O_TRUNC, one write(2) per chunk
# (escapes as printf's), close; prints OK or CALL:ERRNO of the first
# failure (write:EINVAL, close:EACCES...)
pw() {
	local uid=$1
	shift
	as "$uid" bash -c 'exec python3 - "$@"' pw "$@" <<'PY'
import errno, os, sys
path, chunks = sys.argv[1], sys.argv[2:]
fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
call = "write"
try:
    for c in chunks:
        os.write(fd, c.encode().decode("unicode_escape").encode())
    call = "close"
    os.close(fd)
    print("OK")
except OSError as e:
    print("%s:%s" % (call, errno.errorcode.get(e.errno, str(e.errno))))
    if call == "write":
        try:
            os.close(fd)
        except OSError as e2:
            print("close:%s" % errno.errorcode.get(e2.errno, ""))
PY
}
# pwo UID PATH OFF:CHUNK...: like pw, each chunk at its own offset
pwo() {
	local uid=$1
	shift
	as "$uid" bash -c 'exec python3 - "$@"' pwo "$@" <<'PY'
import errno, os, sys
path, chunks = sys.argv[1], sys.argv[2:]
fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
call = "write"
try:
    for c in chunks:
        off, _, text = c.partition(":")
        os.pwrite(fd, text.encode().decode("unicode_escape").encode(),
                  int(off))
    call = "close"
    os.close(fd)
    print("OK")
except OSError as e:
    print("%s:%s" % (call, errno.errorcode.get(e.errno, str(e.errno))))
PY
}
audit_lines() { as $PA sh -c "wc -l <'$MT/audit/log'"; }
errors_top() { as "$1" head -n 1 "$MT/errors"; }

# --- a world: admins, a platform profile, a connection, a view, a profile ---
put $SYS "$A/product-admins" 'pa@example.com\n'
put $SYS "$A/sandboxes" 'prod\n'
as $SYS mkdir "$A/platform/full"
put $SYS "$A/platform/full/platform.ini" "[platform]\nsandboxes = prod\npermissions = $PERMS\n"
put $SYS "$A/platform/full/members" 'pa@example.com\n'
as $PA mkdir "$C/c1" "$C/c1/datasets/ev"
put $PA "$C/c1/connection.ini" '[connection]\ndescription = web shop\nsandbox = prod\n'
put $PA "$C/c1/datasets/ev/dataset.ini" '[dataset]\ntype = event\nperson_id = pid\ntimestamp = ts\nfields = pid, ts, page, amount\n'
as $PA mkdir "$V/web"
put $PA "$V/web/dataview.ini" '[dataview]\nconnection = c1\nfilter = page = home\n'
put $PA "$V/web/components/amount.ini" '[component]\nfield = amount\n[bucketing]\nbuckets = 0-100:low, 100-:high\n'
put $PA "$V/web/components/n.ini" '[component]\nkind = metric\nfield = occurrences\n'
as $PA mkdir "$P"
put $PA "$P/admins" 'lead@example.com\n'
put $PA "$P/members" 'lead@example.com\ngroup:Analysts\n'
put $PA "$P/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\n[delegation]\nviews = web\ntools = analysis_workspace\n'

state() {
	as $PA sh -c "cd '$MT' && cat admin/sandboxes admin/product-admins \
		admin/profiles/thirdparty/* admin/platform/full/* \
		connections/c1/connection.ini dataviews/web/dataview.ini \
		dataviews/web/components/amount.ini"
}

# --- 1. a shell's printf > file fails at write ---
before=$(state)
nau=$(audit_lines)
out=$(sh_w $PA "$P/profile.ini" 'bogus = 1\n')
has "printf bogus = 1: the shell fails" "$out" "exit 1"
has "printf bogus = 1: the shell says write error" "$out" "write error: Invalid argument"
has "/errors: line and key" "$(errors_top $PA)" "/admin/profiles/thirdparty/profile.ini:1: key outside any section: 'bogus'"
out=$(sh_w $PA "$P/profile.ini" '[data_views]\nauto_include = false\nbogus = 1\n')
has "unknown key: the shell fails" "$out" "exit 1"
has "/errors: unknown key on line 3" "$(errors_top $PA)" "/admin/profiles/thirdparty/profile.ini:3: unknown key 'bogus' in [data_views]"
out=$(as $PA bash -c "echo 'bad login' > '$P/members'" 2>&1; echo "exit $?")
has "echo 'bad login' > members: the shell fails" "$out" "exit 1"
has "echo: write error" "$out" "write error: Invalid argument"
has "/errors: the login" "$(errors_top $PA)" "/admin/profiles/thirdparty/members:1: login 'bad login' has a blank, control or ',' character"
out=$(sh_w $PA "$C/c1/connection.ini" '[connection]\nsandbox = prod\ndata_window_months = 61\n')
has "out of range: the shell fails" "$out" "exit 1"
has "/errors: range" "$(errors_top $PA)" "/connections/c1/connection.ini:3: data_window_months must be 1-60"
out=$(sh_w $PA "$V/web/dataview.ini" '[dataview]\nconnection = c1\nfilter = page = home and (\n')
has "filter that does not parse: the shell fails" "$out" "exit 1"
has "/errors: filter column" "$(errors_top $PA)" "/dataviews/web/dataview.ini:3: column 27: filter: "
out=$(sh_w $PA "$V/web/components/amount.ini" '[component]\nfield = amount\n[include_exclude]\nrules = equals:a,  regex:(b\n')
has "rule that does not parse: the shell fails" "$out" "exit 1"
has "/errors: rule column" "$(errors_top $PA)" "/dataviews/web/components/amount.ini:4: column 20: rules: rule 'regex:(b': bad regex"
out=$(sh_w $SYS "$A/sandboxes" 'prod\nno/such\n')
has "bad sandbox name: the shell fails" "$out" "exit 1"
eq "nothing changed" "$(state)" "$before"
eq "one audit line per refused write" "$(($(audit_lines) - nau))" 7
has "audit: the refusal" "$(as $PA tail -n 1 "$MT/audit/log")" "	sys@example.com	write	/admin/sandboxes	rejected	'no/such' is not a valid sandbox name"

# the descriptor is poisoned: later writes and close fail the same way
eq "a fault at write: later writes and close fail" "$(pw $PA "$P/profile.ini" '[data_views]\nbogus = 1\n' '[reporting_tools]\nlabs = true\n')" "write:EINVAL
close:EINVAL"
eq "a bad first line poisons a valid rest" "$(pw $PA "$P/members" 'a b\n' 'pa@example.com\n')" "write:EINVAL
close:EINVAL"
eq "still nothing changed" "$(state)" "$before"

# what only the whole file can show is still the close's
eq "a required key missing: close" "$(pw $PA "$C/c1/datasets/ev/dataset.ini" '[dataset]\ntype = event\n')" "close:EINVAL"
eq "a sandbox not listed (a reference): close" "$(pw $PA "$C/c1/connection.ini" '[connection]\nsandbox = moon\n')" "close:EINVAL"
eq "a line not finished is not judged at write" "$(pw $PA "$P/profile.ini" '[data_views]\nbog' 'us = 1')" "close:EINVAL"

# a truncating open with nothing written has its verdict at close(2), not
# at the release after it, which comes later (here: when a background
# child that inherited the descriptor ends)
eq "open O_TRUNC, close: an invalid empty file fails at close" "$(pw $PA "$C/c1/datasets/ev/dataset.ini")" "close:EINVAL"
eq "members before" "$(as $PA cat "$P/members")" "group:Analysts
lead@example.com"
nau=$(audit_lines)
eq "': > members' is committed when the shell closes it" "$(as $PA bash -c "exec 3>'$P/members'; sleep 3 & exec 3>&-; cat '$P/members'; echo end")" "end"
eq "the empty commit's audit line is there at once" "$(($(audit_lines) - nau))" 1
nau=$(audit_lines)
ok "printf > members: bash's open, dup2, close and write" put $PA "$P/members" 'lead@example.com\ngroup:Analysts\n'
eq "one commit, not an empty one first" "$(($(audit_lines) - nau))" 1
eq "members again" "$(as $PA cat "$P/members")" "group:Analysts
lead@example.com"

# --- 2. a valid file in several write(2) calls commits once, at close ---
nau=$(audit_lines)
eq "chunked valid write" "$(pw $PA "$P/profile.ini" '[data_views]\nvi' 'ews = web\n[reporting_tools]\n' 'analysis_workspace = true\nlabs = true\n[delegation]\nviews = web\ntools = analysis_workspace\n')" "OK"
has "chunked write committed" "$(as $PA cat "$P/profile.ini")" "labs = true"
eq "one commit, one audit line" "$(($(audit_lines) - nau))" 1
# blocks written at offsets: no judging at write, the close decides
eq "writes at offsets, valid" "$(pwo $PA "$P/members" '17:pa@example.com\n' '0:lead@example.com\n')" "OK"
eq "members from offsets" "$(as $PA cat "$P/members")" "lead@example.com
pa@example.com"
eq "writes at offsets, a bad line: the close refuses" "$(pwo $PA "$P/members" '4:b c\n' '0:a@b\n')" "close:EINVAL"
ok "sed -i still works" as $PA sed -i 's/^labs = true$/labs = false/' "$P/profile.ini"
has "sed -i committed" "$(as $PA cat "$P/profile.ini")" "labs = false"
ok "cp over an attribute still works" as $PA sh -c "printf 'lead@example.com\n' >/tmp/cjafs-members.$$ && cp /tmp/cjafs-members.$$ '$P/members'"
rm -f /tmp/cjafs-members.$$
eq "cp committed" "$(as $PA cat "$P/members")" "lead@example.com"
no "cp of a bad file fails" as $PA sh -c "printf 'x y\n' >/tmp/cjafs-members.$$ && cp /tmp/cjafs-members.$$ '$P/members'"
rm -f /tmp/cjafs-members.$$

# --- 3. a key this caller may not change: EACCES at write ---
before=$(state)
out=$(sh_w $LEAD "$P/profile.ini" '[data_views]\nviews = web\n[delegation]\ntools = analysis_workspace, labs\n')
has "lead: [delegation] refused at write" "$out" "write error: Permission denied"
has "lead: the shell fails" "$out" "exit 1"
has "/errors names the key" "$(errors_top $LEAD)" "/admin/profiles/thirdparty/profile.ini:4: [delegation] tools: needs role product admin to change [delegation]"
eq "lead: EACCES at write, at close too" "$(pw $LEAD "$P/profile.ini" '[delegation]\n' 'edit_views = web\n')" "write:EACCES
close:EACCES"
eq "lead: a tool not delegated, at write" "$(pw $LEAD "$P/profile.ini" '[reporting_tools]\nlabs = true\n')" "write:EACCES
close:EACCES"
eq "lead: refused writes changed nothing" "$(state)" "$before"
ini=$(as $LEAD cat "$P/profile.ini")
eq "lead: the canonical form, [delegation] as it is, writes back" "$(pw $LEAD "$P/profile.ini" "$ini
")" "OK"
ok "lead: members are its own" put $LEAD "$P/members" 'lead@example.com\npa@example.com\n'

# --- 4. read-only keys given differently are ignored ---
conn=$(as $PA cat "$C/c1/connection.ini")
out=$(sh_w $PA "$C/c1/connection.ini" '[connection]\nname = elsewhere\ndescription = web shop\nsandbox = prod\nowner = someone@else.example\ncreated = 2001-01-01T00:00:00Z\n')
eq "read-only keys: the write succeeds" "$out" "exit 0"
eq "read-only keys: stored values kept" "$(as $PA cat "$C/c1/connection.ini")" "$conn"
dv=$(as $PA cat "$V/web/dataview.ini")
ok "dataview name given differently" put $PA "$V/web/dataview.ini" "${dv/name = web/name = other}\n"
eq "dataview name kept" "$(as $PA cat "$V/web/dataview.ini")" "$dv"

# --- 5. config as code: copy the settings out, into a fresh store ---
BK=$MT_DIR/backup
mkdir -m 1777 "$BK"
# the commands of the README, as written (the product admin reads all)
export_cmd="cd '$MT' && rsync -rm --chmod=D755,F644 \
	--exclude=/admin/users/ --include='*/' --include='*.ini' \
	--include=members --include=admins --include=/admin/product-admins \
	--include=/admin/sandboxes --exclude='*' \
	admin connections dataviews '$BK/a/'"
ok "export with rsync as the product admin" as $PA sh -c "$export_cmd"
eq "exported files" "$(cd "$BK/a" && find . -type f | sort)" "./admin/platform/full/members
./admin/platform/full/platform.ini
./admin/product-admins
./admin/profiles/thirdparty/admins
./admin/profiles/thirdparty/members
./admin/profiles/thirdparty/profile.ini
./admin/sandboxes
./connections/c1/connection.ini
./connections/c1/datasets/ev/dataset.ini
./dataviews/web/components/amount.ini
./dataviews/web/components/n.ini
./dataviews/web/dataview.ini"
ok "tar export too" as $PA sh -c "cd '$BK/a' && tar -cf '$BK/a.tar' admin connections dataviews"

# a fresh store under the same mount point
mt_unmount
sed -i 's/^path = store.tdb$/path = store2.tdb/' "$MT_DIR/cjafs.ini"
"$CJAFS" --init -c "$MT_DIR/cjafs.ini" >/dev/null || fail "init of the second store"
mt_mount || fail "second mount"
eq "the fresh store is empty" "$(as $SYS cat "$A/product-admins")" ""

B=$BK/a
ok "import: system admin" as $SYS sh -c "cd '$B/admin' && \
	rsync -r --no-perms product-admins sandboxes '$MT/admin/' && \
	rsync -r --no-perms platform/ '$MT/admin/platform/'"
ok "import: product admin" as $PA sh -c "cd '$B' && \
	rsync -r --no-perms admin/profiles/ '$MT/admin/profiles/' && \
	rsync -r --no-perms connections/ '$MT/connections/' && \
	rsync -r --no-perms --inplace dataviews/ '$MT/dataviews/'"
ok "export the copy" as $PA sh -c "${export_cmd//$BK\/a\//$BK/b/}"
ok "diff -r: identical but for created" diff -r -I '^created = ' "$BK/a" "$BK/b"
eq "created is the new store's" "$(grep -c '^created = ' "$BK/b/connections/c1/connection.ini")" 1

# the same with tar, into a third store whose objects tar makes
mt_unmount
sed -i 's/^path = store2.tdb$/path = store3.tdb/' "$MT_DIR/cjafs.ini"
"$CJAFS" --init -c "$MT_DIR/cjafs.ini" >/dev/null || fail "init of the third store"
mt_mount || fail "third mount"
mkdir -m 1777 "$BK/t"
ok "untar the backup" as $PA sh -c "cd '$BK/t' && tar -xf '$BK/a.tar'"
ok "import with tar: system admin" as $SYS sh -c "cd '$BK/t' && \
	tar -cf - admin/product-admins admin/sandboxes admin/platform | \
	tar -xf - --no-same-owner --no-same-permissions -C '$MT'"
ok "import with tar: product admin" as $PA sh -c "cd '$BK/t' && \
	find admin/profiles connections dataviews -type d | \
		(cd '$MT' && xargs mkdir -p) && \
	tar -cf - admin/profiles connections dataviews/*/dataview.ini | \
		tar -xf - --no-same-owner --no-same-permissions -C '$MT' && \
	tar -cf - dataviews/*/components | \
		tar -xf - --no-same-owner --no-same-permissions -C '$MT'"
ok "export the tar copy" as $PA sh -c "${export_cmd//$BK\/a\//$BK/c/}"
ok "diff -r after tar: identical but for created" diff -r -I '^created = ' "$BK/a" "$BK/c"
