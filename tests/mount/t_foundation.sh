#!/usr/bin/env bash
# The foundation on a real mount: namespace, roles, writes, denials,
# /errors, the audit log, user.cjafs.why, and per-caller answers.
set -u
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002 PA2=2003 LEAD=2004 ANALYST=2005 VIEWER=2006 NOBODY=2999

# a snapshot of everything sys and pa can read, to prove denials change
# nothing (not the backup: it holds the audit log, which they change)
snapshot() {
	as $SYS sh -c "cd '$MT' && find admin -type f ! -path admin/backup | sort | while read -r f; do echo \"== \$f\"; cat \"\$f\"; done"
	as $PA sh -c "cd '$MT' && find admin/profiles -type f | sort | while read -r f; do echo \"== \$f\"; cat \"\$f\"; done"
}
audit_lines() { as $PA sh -c "wc -l <'$MT/audit/log'"; }

# --- unmapped callers see README and whoami only ---
eq "unmapped ls /" "$(as $NOBODY ls "$MT" | tr '\n' ' ')" "README whoami "
ok "unmapped reads README" as $NOBODY cat "$MT/README"
has "unmapped whoami" "$(as $NOBODY cat "$MT/whoami")" "mapped = false"
errno_is "unmapped stat /admin" ENOENT as $NOBODY bash -c "$(declare -f probe); probe stat '$MT/admin'"
errno_is "unmapped /errors" ENOENT as $NOBODY bash -c "$(declare -f probe); probe read '$MT/errors'"
errno_is "unmapped write README" EACCES as $NOBODY bash -c "$(declare -f probe); probe open-w '$MT/README'"
errno_is "root unmapped: stat /admin" ENOENT probe stat "$MT/admin"

# --- a mapped plain user sees the fixed names but may not enter ---
eq "viewer ls /" "$(as $VIEWER ls "$MT" | tr '\n' ' ')" "README admin audit connections dataviews errors links whoami workspace "
errno_is "viewer ls /admin" EACCES as $VIEWER bash -c "$(declare -f probe); probe read '$MT/admin/product-admins'"
no "viewer cannot list /admin" as $VIEWER ls "$MT/admin"
no "viewer cannot list /connections" as $VIEWER ls "$MT/connections"
ok "viewer lists /dataviews (empty)" as $VIEWER ls "$MT/dataviews"
has "viewer whoami" "$(as $VIEWER cat "$MT/whoami")" "login = viewer@example.com"

# --- the system admin sets up the Admin Console ---
ok "sys writes product-admins" as $SYS sh -c "printf 'pa@example.com\npa2@example.com\n' >'$MT/admin/product-admins'"
eq "product-admins canonical" "$(as $SYS cat "$MT/admin/product-admins")" "pa2@example.com
pa@example.com"
ok "sys writes sandboxes" as $SYS sh -c "printf 'prod\ndev\n# a comment\n\n' >'$MT/admin/sandboxes'"
eq "sandboxes canonical" "$(as $SYS cat "$MT/admin/sandboxes")" "dev
prod"
ok "sys mkdir platform profile" as $SYS mkdir "$MT/admin/platform/full"
ok "sys writes platform.ini" as $SYS sh -c "printf '[platform]\nsandboxes = prod\npermissions = view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces\n' >'$MT/admin/platform/full/platform.ini'"
ok "sys writes platform members" as $SYS sh -c "echo pa@example.com >'$MT/admin/platform/full/members'"
errno_is "platform.ini with an unlisted sandbox is rejected" EINVAL as $SYS bash -c "$(declare -f probe); probe write '$MT/admin/platform/full/platform.ini' '[platform]\nsandboxes = moon\n'"
has "rejected platform.ini left as it was" "$(as $SYS cat "$MT/admin/platform/full/platform.ini")" "permissions = manage_datasets"
has "/errors names the unlisted sandbox" "$(as $SYS cat "$MT/errors")" "/admin/platform/full/platform.ini:2: sandbox 'moon' is not listed in /admin/sandboxes"
no "sys may not create profiles (product admins do)" as $SYS mkdir "$MT/admin/profiles/nope"

# --- the product admin manages profiles ---
ok "pa mkdir profile" as $PA mkdir "$MT/admin/profiles/thirdparty"
ok "pa sets admins" as $PA sh -c "echo lead@example.com >'$MT/admin/profiles/thirdparty/admins'"
ok "pa sets members" as $PA sh -c "printf 'group:Analysts\n' >'$MT/admin/profiles/thirdparty/members'"
ok "pa mkdir viewers" as $PA mkdir "$MT/admin/profiles/viewers"
ok "pa sets viewers members" as $PA sh -c "echo viewer@example.com >'$MT/admin/profiles/viewers/members'"
ok "pa writes profile.ini" as $PA sh -c "printf '[data_views]\nviews = web, app\n[reporting_tools]\nanalysis_workspace = yes\naudit_logs_access = true\n' >'$MT/admin/profiles/thirdparty/profile.ini'"
canon=$(as $PA cat "$MT/admin/profiles/thirdparty/profile.ini")
has "profile.ini canonical views" "$canon" "views = app, web"
has "profile.ini canonical bool" "$canon" "analysis_workspace = true"
has "profile.ini defaults written" "$canon" "full_table_export = false"

# --- canonical write-back is a no-op: no audit line, same mtime ---
before=$(audit_lines)
m1=$(as $PA stat -c %Y "$MT/admin/profiles/thirdparty/profile.ini")
sleep 1.1
ok "write back canonical" as $PA sh -c "cat '$MT/admin/profiles/thirdparty/profile.ini' >/tmp/cjafs-canon.$$ && cat /tmp/cjafs-canon.$$ >'$MT/admin/profiles/thirdparty/profile.ini'"
rm -f /tmp/cjafs-canon.$$
eq "no audit line for a no-op" "$(audit_lines)" "$before"
eq "no new mtime for a no-op" "$(as $PA stat -c %Y "$MT/admin/profiles/thirdparty/profile.ini")" "$m1"

# --- a rejected write changes nothing and says why ---
snap=$(snapshot)
before=$(audit_lines)
errno_is "unknown key is EINVAL at close" EINVAL as $PA bash -c "$(declare -f probe); probe write '$MT/admin/profiles/thirdparty/profile.ini' '[data_views]\nauto_include = true\nbogus = 1\n'"
has "/errors line" "$(as $PA cat "$MT/errors")" "/admin/profiles/thirdparty/profile.ini:3: unknown key 'bogus'"
eq "store unchanged after rejected write" "$(snapshot)" "$snap"
eq "rejected write is audited" "$(audit_lines)" "$((before + 1))"
has "audit says rejected" "$(as $PA tail -n 1 "$MT/audit/log")" "rejected"
hasnt "other callers' /errors stay private" "$(as $SYS cat "$MT/errors")" "bogus"

# --- denied writes change nothing, leave an audit line, say why ---
snap=$(snapshot)
before=$(audit_lines)
errno_is "pa may not edit product-admins" EACCES as $PA bash -c "$(declare -f probe); probe write '$MT/admin/product-admins' 'x@example.com\n'"
errno_is "pa may not edit sandboxes" EACCES as $PA bash -c "$(declare -f probe); probe open-w '$MT/admin/sandboxes'"
errno_is "pa may not mkdir platform" EACCES as $PA bash -c "$(declare -f probe); probe mkdir '$MT/admin/platform/x'"
errno_is "lead may not create a profile" EACCES as $LEAD bash -c "$(declare -f probe); probe mkdir '$MT/admin/profiles/x'"
errno_is "lead may not edit admins" EACCES as $LEAD bash -c "$(declare -f probe); probe open-w '$MT/admin/profiles/thirdparty/admins'"
errno_is "lead may not delete the profile" EACCES as $LEAD bash -c "$(declare -f probe); probe rmdir '$MT/admin/profiles/thirdparty'"
eq "store unchanged after denials" "$(snapshot)" "$snap"
eq "each denial audited" "$(audit_lines)" "$((before + 6))"
has "audit line format" "$(as $PA tail -n 1 "$MT/audit/log")" "	lead@example.com	rmdir	/admin/profiles/thirdparty	denied	"
why=$(as $PA getfattr --only-values -n user.cjafs.why "$MT/admin/product-admins")
has "why: read allowed" "$why" "read: allowed"
has "why: write denied with rule" "$why" "write: denied: needs role system admin"

# --- the profile admin manages its own profile only ---
eq "lead sees only its profile" "$(as $LEAD ls "$MT/admin/profiles")" "thirdparty"
eq "lead sees profiles, not the rest of /admin" "$(as $LEAD ls "$MT/admin" | tr '\n' ' ')" "backup platform product-admins profiles reporting-activity sandboxes transfer users "
errno_is "lead: viewers profile does not exist for it" ENOENT as $LEAD bash -c "$(declare -f probe); probe stat '$MT/admin/profiles/viewers'"
errno_is "lead: platform names are hidden" ENOENT as $LEAD bash -c "$(declare -f probe); probe stat '$MT/admin/platform/full'"
ok "lead edits members" as $LEAD sh -c "printf 'group:Analysts\nviewer@example.com\n' >'$MT/admin/profiles/thirdparty/members'"
ok "pa delegates to thirdparty's admins" as $PA sh -c "printf '[delegation]\nauto_include = true\ntools = analysis_workspace, audit_logs_access\n' >'$MT/admin/profiles/thirdparty/profile.ini'"
ok "lead edits profile.ini" as $LEAD sh -c "printf '[data_views]\nauto_include = true\n[reporting_tools]\nanalysis_workspace = true\naudit_logs_access = true\n' >'$MT/admin/profiles/thirdparty/profile.ini'"
has "keys left out take their defaults" "$(as $LEAD cat "$MT/admin/profiles/thirdparty/profile.ini")" "views = 
"
has "lead's delegated change is there" "$(as $LEAD cat "$MT/admin/profiles/thirdparty/profile.ini")" "auto_include = true
views = 
"

# --- roles through groups ---
who=$(as_g $ANALYST 3001 cat "$MT/whoami")
has "analyst via group is a member" "$who" "member_of = thirdparty"
has "analyst groups" "$who" "groups = Analysts"
has "analyst tools" "$who" "analysis_workspace"
who=$(as $ANALYST cat "$MT/whoami")
has "analyst without the group is no member" "$who" "member_of = 
"
has "viewer is in both profiles" "$(as $VIEWER cat "$MT/whoami")" "member_of = thirdparty, viewers"
has "pa whoami" "$(as $PA cat "$MT/whoami")" "manage_connections = allowed"
has "pa2 lacks platform rights" "$(as $PA2 cat "$MT/whoami")" "manage_connections = denied: needs platform permissions view_schemas"

# --- mode bits and access(2) per caller ---
eq "sys mode on product-admins" "$(as $SYS stat -c %A "$MT/admin/product-admins")" "-rw-------"
eq "pa mode on product-admins" "$(as $PA stat -c %A "$MT/admin/product-admins")" "-r--------"
eq "lead mode on members" "$(as $LEAD stat -c %A "$MT/admin/profiles/thirdparty/members")" "-rw-------"
eq "lead mode on admins" "$(as $LEAD stat -c %A "$MT/admin/profiles/thirdparty/admins")" "-r--------"
eq "pa mode on profiles dir" "$(as $PA stat -c %A "$MT/admin/profiles")" "drwx------"
eq "lead mode on profiles dir" "$(as $LEAD stat -c %A "$MT/admin/profiles")" "dr-x------"
eq "viewer mode on admin dir" "$(as $VIEWER stat -c %A "$MT/admin")" "d---------"
ok "access W_OK for sys" as $SYS test -w "$MT/admin/product-admins"
no "access W_OK for pa" as $PA test -w "$MT/admin/product-admins"
ok "access R_OK for pa" as $PA test -r "$MT/admin/product-admins"
eq "size is exact" "$(as $SYS stat -c %s "$MT/admin/product-admins")" "$(as $SYS cat "$MT/admin/product-admins" | wc -c)"

# --- no kernel cache shows one caller another's view ---
for i in 1 2 3; do
	eq "alternating: sys reads ($i)" "$(as $SYS cat "$MT/admin/product-admins" | head -n 1)" "pa2@example.com"
	errno_is "alternating: viewer denied ($i)" EACCES as $VIEWER bash -c "$(declare -f probe); probe read '$MT/admin/product-admins'"
	eq "alternating: sys mode ($i)" "$(as $SYS stat -c %A "$MT/admin/product-admins")" "-rw-------"
	eq "alternating: pa mode ($i)" "$(as $PA stat -c %A "$MT/admin/product-admins")" "-r--------"
	errno_is "alternating: lead cannot see viewers ($i)" ENOENT as $LEAD bash -c "$(declare -f probe); probe stat '$MT/admin/profiles/viewers'"
	ok "alternating: pa sees viewers ($i)" as $PA stat "$MT/admin/profiles/viewers"
	has "alternating: whoami differs (pa $i)" "$(as $PA cat "$MT/whoami")" "login = pa@example.com"
	has "alternating: whoami differs (viewer $i)" "$(as $VIEWER cat "$MT/whoami")" "login = viewer@example.com"
done

# --- names ---
errno_is "mkdir .. name" EINVAL as $PA bash -c "$(declare -f probe); probe mkdir '$MT/admin/profiles/.hidden'"
errno_is "mkdir 129 bytes" EINVAL as $PA bash -c "$(declare -f probe); probe mkdir '$MT/admin/profiles/$(printf 'a%.0s' $(seq 129))'"
errno_is "mkdir space" EINVAL as $PA bash -c "$(declare -f probe); probe mkdir '$MT/admin/profiles/a b'"
errno_is "mkdir existing" EEXIST as $PA bash -c "$(declare -f probe); probe mkdir '$MT/admin/profiles/viewers'"
ok "mkdir 128 bytes" as $PA mkdir "$MT/admin/profiles/$(printf 'b%.0s' $(seq 128))"
ok "rmdir profile" as $PA rmdir "$MT/admin/profiles/$(printf 'b%.0s' $(seq 128))"

# --- delete: rmdir of an object, rm -r, and a lone rm of an attribute ---
ok "pa mkdir temp" as $PA mkdir "$MT/admin/profiles/temp"
ok "lone rm of an attribute succeeds" as $PA rm -f "$MT/admin/profiles/temp/members"
ok "attribute still there" as $PA test -f "$MT/admin/profiles/temp/members"
has "/errors says attributes go with their object" "$(as $PA cat "$MT/errors")" "attribute files go with their object"
ok "rm -r deletes the profile" as $PA rm -r "$MT/admin/profiles/temp"
errno_is "profile gone" ENOENT as $PA bash -c "$(declare -f probe); probe stat '$MT/admin/profiles/temp'"
ok "rmdir viewers" as $PA rmdir "$MT/admin/profiles/viewers"
hasnt "viewer no longer a member" "$(as $VIEWER cat "$MT/whoami")" "viewers"

# --- users and the audit log ---
has "users lists logins" "$(as $PA ls "$MT/admin/users")" "analyst@example.com"
has "users/LOGIN describes" "$(as $PA cat "$MT/admin/users/lead@example.com")" "profile_admin_of = thirdparty"
# a name under users is there exactly when the list has it, looked up
# one by one (a login only a profile names, but no group principal)
tp_members=$(as $PA cat "$MT/admin/profiles/thirdparty/members")
ok "pa names ext@ in thirdparty" as $PA sh -c "printf '%s\next@example.com\n' '$tp_members' >'$MT/admin/profiles/thirdparty/members'"
eq "stat each listed login" "$(as $PA sh -c "cd '$MT/admin/users' && for u in *; do stat -c %n \"\$u\"; done")" "$(as $PA ls "$MT/admin/users")"
has "a login only a profile names is listed" "$(as $PA ls "$MT/admin/users")" "ext@example.com"
has "and described" "$(as $PA cat "$MT/admin/users/ext@example.com")" "member_of = thirdparty"
errno_is "a group principal is no login" ENOENT as $PA bash -c "$(declare -f probe); probe stat '$MT/admin/users/group:Analysts'"
errno_is "an unknown login is not there" ENOENT as $PA bash -c "$(declare -f probe); probe stat '$MT/admin/users/ghost@example.com'"
ok "pa puts thirdparty's members back" as $PA sh -c "printf '%s\n' '$tp_members' >'$MT/admin/profiles/thirdparty/members'"
errno_is "a login no longer named is gone" ENOENT as $PA bash -c "$(declare -f probe); probe stat '$MT/admin/users/ext@example.com'"
errno_is "viewer cannot read users" ENOENT as $VIEWER bash -c "$(declare -f probe); probe read '$MT/admin/users/lead@example.com'"
log=$(as $PA cat "$MT/audit/log")
has "audit has the mkdir" "$log" "	pa@example.com	mkdir	/admin/profiles/thirdparty	ok	"
has "audit has the write" "$log" "	sys@example.com	write	/admin/product-admins	ok	"
has "analyst (audit_logs_access, via group) reads audit" "$(as_g $ANALYST 3001 head -n 1 "$MT/audit/log")" "init"
errno_is "a caller without audit_logs_access cannot read audit" EACCES as $ANALYST bash -c "$(declare -f probe); probe read '$MT/audit/log'"
errno_is "nobody can write the audit log" EACCES as $PA bash -c "$(declare -f probe); probe open-w '$MT/audit/log'"

# --- operations that have no meaning here ---
errno_is "symlink" EPERM as $PA bash -c "$(declare -f probe); probe symlink '$MT/admin/profiles/thirdparty/x'"
errno_is "setxattr" ENOTSUP as $PA bash -c "$(declare -f probe); probe setxattr '$MT/admin/profiles/thirdparty/members'"
ok "chmod succeeds without effect" as $LEAD chmod 644 "$MT/admin/profiles/thirdparty/members"
eq "mode unchanged after chmod" "$(as $LEAD stat -c %A "$MT/admin/profiles/thirdparty/members")" "-rw-------"

# --- the store survives a remount ---
mt_unmount
mt_mount || fail "remount"
has "state after remount" "$(as $PA cat "$MT/admin/profiles/thirdparty/members")" "group:Analysts"

# --- a truncating open with no write commits at release, as the opener ---
ok "': > members' as pa" as $PA sh -c ": >'$MT/admin/profiles/thirdparty/members'"
eq "members emptied" "$(as $PA cat "$MT/admin/profiles/thirdparty/members")" ""
has "committed as pa, not as the kernel's release" "$(as $PA tail -n 1 "$MT/audit/log")" "	pa@example.com	write	/admin/profiles/thirdparty/members	ok	"
