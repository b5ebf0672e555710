#!/usr/bin/env bash
# The Workspace components (SPEC §7) on a real mount, acting as each role:
# segments, calculated metrics, date ranges, annotations and audiences,
# owned by their creator and private until shared; their definitions
# checked against the home view (PATH:LINE: column N: at write or close);
# an audience's people.csv for the roles allowed and denied.
#
#   2005 mia      (analyst@example.com) member of creators:
#                 analysis_workspace and every creation tool; platform
#                 profile segs (manage_segments)
#   2006 ria      (viewer@example.com) member of readers
#                 (analysis_workspace only)
#   2003 gus      (pa2@example.com) member of readers through group 3001
#                 (Analysts) alone
#   2004 lead     member of readers; admin of profile team (not shared)
#   2001 sys      system admin, admin of profile team: no Workspace
#   2002 pa       product admin
#   2999          unmapped
#
# Each allowed action happens (mkdir, editors, sed -i, mv, rmdir, rm -r,
# shares, owner transfer, /admin/transfer); each denied one fails with
# the errno SPEC asks, changes nothing (the files are compared) and
# leaves its audit line; ls -l, access(2) and user.cjafs.why agree; and
# a listing of /workspace made for one caller is never shown to another.
set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002 GUS=2003 LEAD=2004 MIA=2005 RIA=2006 NOBODY=2999
W=$MT/workspace
S=$W/segments

put() { as "$1" sh -c "printf '$3' >'$2'"; }
# wr DESC ERRNO UID PATH CONTENT: open O_TRUNC, write, close
wr() { errno_is "$1" "$2" as "$3" bash -c "$(declare -f probe); probe write '$4' '$5'"; }
pr() { errno_is "$1" "$2" as "$3" bash -c "$(declare -f probe); probe $4 '$5'"; }
why() { as "$1" getfattr --only-values -n user.cjafs.why "$2" 2>/dev/null; }
mode() { as "$1" stat -c %A "$2" 2>&1; }
audit() { as $PA cat "$MT/audit/log"; }
errors_top() { as "$1" head -n 1 "$MT/errors"; }
state() { as $PA sh -c "cd '$W' && for f in */*/*; do echo \"== \$f\"; cat \"\$f\"; done" 2>&1 | grep -v '^modified'; }

# --- the world ---
put $SYS "$MT/admin/product-admins" 'pa@example.com\n'
put $SYS "$MT/admin/sandboxes" 'prod\n'
as $SYS mkdir "$MT/admin/platform/segs"
put $SYS "$MT/admin/platform/segs/platform.ini" '[platform]\nsandboxes = prod\npermissions = manage_segments\n'
put $SYS "$MT/admin/platform/segs/members" 'analyst@example.com\n'
as $SYS mkdir "$MT/admin/platform/full"
put $SYS "$MT/admin/platform/full/platform.ini" '[platform]\nsandboxes = prod\npermissions = view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces\n'
put $SYS "$MT/admin/platform/full/members" 'pa@example.com\n'
as $PA mkdir "$MT/admin/profiles/creators" "$MT/admin/profiles/readers" "$MT/admin/profiles/team"
put $PA "$MT/admin/profiles/creators/members" 'analyst@example.com\n'
put $PA "$MT/admin/profiles/creators/profile.ini" '[reporting_tools]\nanalysis_workspace = true\nsegment_creation = true\ncalculated_metrics_creation = true\nannotation_creation = true\naudience_creation = true\n'
put $PA "$MT/admin/profiles/readers/members" 'viewer@example.com\nlead@example.com\ngroup:Analysts\n'
put $PA "$MT/admin/profiles/readers/profile.ini" '[reporting_tools]\nanalysis_workspace = true\n'
put $PA "$MT/admin/profiles/team/admins" 'sys@example.com\n'
# a view mia may see, one she may not
as $PA mkdir "$MT/dataviews/web" "$MT/dataviews/secret"
put $PA "$MT/admin/profiles/creators/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\nsegment_creation = true\ncalculated_metrics_creation = true\nannotation_creation = true\naudience_creation = true\n'

# --- who enters /workspace ---
eq "mia lists /workspace" "$(as $MIA ls "$W" | tr '\n' ' ')" "annotations audiences calculated-metrics date-ranges projects segments "
eq "mia may make segments (drwx)" "$(mode $MIA "$S")" "drwx------"
eq "ria may not (dr-x)" "$(mode $RIA "$S")" "dr-x------"
eq "ria makes date ranges (analysis_workspace)" "$(mode $RIA "$W/date-ranges")" "drwx------"
eq "sys: no analysis_workspace (d---)" "$(mode $SYS "$W")" "d---------"
# fixed names are known to every mapped caller: listing them is refused
pr "sys may not enter /workspace" EACCES $SYS mkdir "$S/x"
no "sys may not list /workspace/segments" as $SYS ls "$S"
no "a member without the group has no Workspace" as $GUS ls "$S"
eq "gus, with it, has" "$(as_g $GUS 3001 ls "$S")" ""
pr "unmapped: /workspace is not there" ENOENT $NOBODY stat "$W"
has "why: sys" "$(why $SYS "$W")" "list: denied: needs role product admin or a profile with analysis_workspace"

# --- mkdir: an object owned by its maker ---
ok "mia: mkdir a segment" as $MIA mkdir "$S/s1"
eq "its files" "$(as $MIA ls "$S/s1" | tr '\n' ' ')" "segment.ini shares used_by "
has "owner is mia" "$(as $MIA cat "$S/s1/segment.ini")" "
owner = analyst@example.com
created = "
has "audited create, with its kind" "$(audit)" "	analyst@example.com	create	/workspace/segments/s1	ok	segment"
pr "ria: mkdir a segment (no segment_creation)" EACCES $RIA mkdir "$S/r1"
has "audited denied create" "$(audit)" "	viewer@example.com	create	/workspace/segments/r1	denied	segment: needs segment_creation"
has "ria's /errors" "$(errors_top $RIA)" "/workspace/segments/r1: mkdir: denied: needs segment_creation"
ok "ria: mkdir a date range" as $RIA mkdir "$W/date-ranges/q1"
pr "lead: mkdir an audience" EACCES $LEAD mkdir "$W/audiences/a0"
ok "mia: mkdir an audience (audience_creation, manage_segments)" as $MIA mkdir "$W/audiences/a1"
ok "mia: mkdir a calculated metric" as $MIA mkdir "$W/calculated-metrics/m1"
ok "mia: mkdir an annotation" as $MIA mkdir "$W/annotations/n1"
pr "a bad name" EINVAL $MIA mkdir "$S/.hidden"

# --- private until shared ---
pr "ria: mia's segment is not there" ENOENT $RIA stat "$S/s1"
pr "ria: nor its files" ENOENT $RIA read "$S/s1/segment.ini"
eq "ria lists no segment" "$(as $RIA ls "$S")" ""
eq "mia lists hers" "$(as $MIA ls "$S")" "s1"
# the kernel keeps nothing one caller's listing made for another
eq "ria again, right after mia" "$(as $RIA ls -a "$S" | tr '\n' ' ')" ". .. "
eq "pa lists everyone's" "$(as $PA ls "$S")" "s1"
pr "the name is taken, though ria cannot see it" EEXIST $RIA mkdir "$W/date-ranges/q1" # her own
ok "mia: a date range of her own" as $MIA mkdir "$W/date-ranges/q2"
pr "ria: a name mia's private date range holds" EEXIST $RIA mkdir "$W/date-ranges/q2"

# --- shares: directly, through a group, all ---
wr "mia: share with a group she is not in" EACCES $MIA "$S/s1/shares" 'group:Analysts\n'
has "why in /errors" "$(errors_top $MIA)" "group:Analysts: you may share only with groups you belong to"
wr "mia: share with all (product admins only, refused at write)" EACCES $MIA "$S/s1/shares" 'user:viewer@example.com\nall\n'
has "errors: all" "$(errors_top $MIA)" "all: only product admins share with all"
# a principal no caller can be: refused at write(2), with its column
wr "mia: share with a login nobody has" EINVAL $MIA "$S/s1/shares" 'user:viewer@example.com\nuser:ghost@example.com\n'
has "errors: line and column" "$(errors_top $MIA)" "/workspace/segments/s1/shares:2: column 6: user: no login 'ghost@example.com' in the configuration ([users])"
wr "mia: a group the configuration does not map" EINVAL $MIA "$S/s1/shares" '  group:Nobody\n'
has "errors: group" "$(errors_top $MIA)" "/workspace/segments/s1/shares:1: column 9: group: no group 'Nobody' in the configuration ([groups])"
has "audited rejected" "$(audit)" "	analyst@example.com	share	/workspace/segments/s1	rejected	segment: user: no login 'ghost@example.com'"
wr "pa: a line longer than 512 bytes" EINVAL $PA "$S/s1/shares" "user:viewer@example.com$(printf '%600s' '')\n"
has "errors: the line" "$(errors_top $PA)" "/workspace/segments/s1/shares:1: a line of shares is at most 512 bytes"
eq "nothing shared yet" "$(as $MIA cat "$S/s1/shares")" ""
ok "mia: share with ria (tee)" sh -c "printf 'user:viewer@example.com\n' | setpriv --reuid=$MIA --regid=$MIA --clear-groups tee '$S/s1/shares' >/dev/null"
has "audited share" "$(audit)" "	analyst@example.com	share	/workspace/segments/s1	ok	segment: user:viewer@example.com"
ok "pa: add the group" sh -c "printf 'user:viewer@example.com\ngroup:Analysts\n' | setpriv --reuid=$PA --regid=$PA --clear-groups tee '$S/s1/shares' >/dev/null"
ok "ria sees it now" as $RIA cat "$S/s1/segment.ini"
ok "gus, through group Analysts" as_g $GUS 3001 cat "$S/s1/segment.ini"
pr "lead: not shared with" ENOENT $LEAD read "$S/s1/segment.ini"
pr "pa: sees everything" OK $PA read "$S/s1/segment.ini"

# --- modes, access(2) and why for each role ---
eq "mia: segment.ini rw" "$(mode $MIA "$S/s1/segment.ini")" "-rw-------"
eq "mia: used_by r" "$(mode $MIA "$S/s1/used_by")" "-r--------"
eq "ria: segment.ini r (no segment_creation)" "$(mode $RIA "$S/s1/segment.ini")" "-r--------"
eq "gus: shares r" "$(as_g $GUS 3001 stat -c %A "$S/s1/shares")" "-r--------"
eq "pa: shares rw" "$(mode $PA "$S/s1/shares")" "-rw-------"
pr "access: mia may write" OK $MIA access-w "$S/s1/segment.ini"
pr "access: ria may read" OK $RIA access-r "$S/s1/segment.ini"
pr "access: ria may not write" EACCES $RIA access-w "$S/s1/segment.ini"
no "access: lead, not there" as $LEAD test -e "$S/s1/segment.ini"
has "why: ria" "$(why $RIA "$S/s1")" "delete: denied: needs segment_creation (it is shared with you)"
has "why: ria, write" "$(why $RIA "$S/s1/segment.ini")" "write: denied: needs segment_creation (it is shared with you)"
has "why: mia" "$(why $MIA "$S/s1")" "delete: allowed
rename: allowed"
ok "mia: the date range q2 is hers" as $MIA test -d "$W/date-ranges/q2"
ok "pa: share q2 with all" sh -c "printf 'all\n' | setpriv --reuid=$PA --regid=$PA --clear-groups tee '$W/date-ranges/q2/shares' >/dev/null"
has "why: ria on q2 (shared with all, she holds P)" "$(why $RIA "$W/date-ranges/q2/daterange.ini")" "write: allowed"
# a list that holds all is the product admins' to change: no w bit, why
# says so, and the write is refused at open
eq "ria: q2/shares r only" "$(mode $RIA "$W/date-ranges/q2/shares")" "-r--------"
eq "ria: q2/daterange.ini rw" "$(mode $RIA "$W/date-ranges/q2/daterange.ini")" "-rw-------"
eq "pa: q2/shares rw" "$(mode $PA "$W/date-ranges/q2/shares")" "-rw-------"
has "why: ria, q2/shares" "$(why $RIA "$W/date-ranges/q2/shares")" "write: denied: shared with all: only product admins change this list"
pr "access: ria may not write it" EACCES $RIA access-w "$W/date-ranges/q2/shares"
wr "ria: take all out of q2/shares" EACCES $RIA "$W/date-ranges/q2/shares" ''
has "ria's /errors" "$(errors_top $RIA)" "/workspace/date-ranges/q2/shares: write: denied: shared with all: only product admins change this list"
eq "q2 still shared with all" "$(as $PA cat "$W/date-ranges/q2/shares")" "all"
# what a write may add depends on its text: why tells the rule
has "why: mia, s1/shares" "$(why $MIA "$S/s1/shares")" "write: allowed
share with all: denied: needs role product admin
add: logins the configuration maps, and groups you belong to; removing and keeping are allowed"
has "why: pa, s1/shares" "$(why $PA "$S/s1/shares")" "write: allowed
share with all: allowed"
# shared with all: with all who may enter the Workspace; sys may not, so
# q2 is not there for her, nor anything in it, as her listing says
ok "ria sees q2" as $RIA stat "$W/date-ranges/q2"
pr "sys: q2 (shared with all, no Workspace for her)" ENOENT $SYS stat "$W/date-ranges/q2"
for f in daterange.ini shares used_by; do
	pr "sys: q2/$f" ENOENT $SYS stat "$W/date-ranges/q2/$f"
done
pr "sys: q2 read" ENOENT $SYS read "$W/date-ranges/q2/daterange.ini"
no "sys: access(F_OK)" as $SYS test -e "$W/date-ranges/q2"
pr "sys: rmdir q2" ENOENT $SYS rmdir "$W/date-ranges/q2"
no "sys lists no date range" as $SYS ls "$W/date-ranges"
eq "who shared with all: one grep" "$(audit | grep -P '\tshare\t' | grep -P '\tok\t.*\ball\b' | cut -f2,4)" "pa@example.com	/workspace/date-ranges/q2"

# --- denied changes change nothing ---
before=$(state)
nau=$(audit | wc -l)
wr "ria: change s1" EACCES $RIA "$S/s1/segment.ini" '[segment]\ndescription = mine\n'
pr "ria: rmdir s1" EACCES $RIA rmdir "$S/s1"
errno_is "ria: mv s1" EACCES as $RIA python3 -c "
import os,sys,errno
try: os.rename('$S/s1', '$S/s9'); print('OK')
except OSError as e: print(errno.errorcode[e.errno])"
wr "ria: reshare s1" EACCES $RIA "$S/s1/shares" 'user:lead@example.com\n'
no "ria: rm -r s1" as $RIA rm -rf "$S/s1"
pr "lead: rmdir s1" ENOENT $LEAD rmdir "$S/s1"
wr "mia: all_dataviews (product admins only)" EACCES $MIA "$W/annotations/n1/annotation.ini" '[annotation]\nall_dataviews = true\n'
wr "mia: a home view she cannot see" EINVAL $MIA "$S/s1/segment.ini" '[segment]\ndataview = secret\n'
has "errors: dataview" "$(errors_top $MIA)" "segment.ini:2: dataview: no data view 'secret' that you can see"
wr "mia: owner = ria is ignored (a no-op)" OK $MIA "$S/s1/segment.ini" "$(as $MIA cat "$S/s1/segment.ini" | sed 's/^owner = .*/owner = viewer@example.com/')"
eq "nothing changed" "$(state)" "$before"
au=$(audit | tail -n +$((nau + 1)))
has "audit: change denied" "$au" "	viewer@example.com	change	/workspace/segments/s1	denied	segment: needs segment_creation (it is shared with you)"
has "audit: delete denied" "$au" "	viewer@example.com	delete	/workspace/segments/s1	denied	segment: needs segment_creation (it is shared with you)"
has "audit: rename denied" "$au" "	viewer@example.com	change	/workspace/segments/s1	denied	segment: needs segment_creation"
has "audit: share denied" "$au" "	viewer@example.com	share	/workspace/segments/s1	denied	segment: needs segment_creation"
has "audit: all_dataviews" "$au" "	analyst@example.com	change	/workspace/annotations/n1	denied	annotation: all_dataviews: only product admins"
hasnt "audit: no change by the no-op" "$au" "	analyst@example.com	change	/workspace/segments/s1	ok"

# --- editors and sed -i, on every file ---
ok "mia: sed -i segment.ini" as $MIA sed -i 's/^rule = .*/rule = page = home/; s/^tags = .*/tags = core, web/' "$S/s1/segment.ini"
has "rule set" "$(as $RIA cat "$S/s1/segment.ini")" "tags = core, web"
has "audited change" "$(audit)" "	analyst@example.com	change	/workspace/segments/s1	ok	segment"
ok "mia: sed -i shares" as $MIA sed -i '$a user:lead@example.com' "$S/s1/shares"
ok "lead sees it now" as $LEAD cat "$S/s1/segment.ini"
ok "mia: ed on metric.ini" sh -c "printf '/^formula = /c\nformula = (revenue - cost) / people\n.\nw\nq\n' | setpriv --reuid=$MIA --regid=$MIA --clear-groups ed -s '$W/calculated-metrics/m1/metric.ini'"
has "formula" "$(as $MIA cat "$W/calculated-metrics/m1/metric.ini")" "formula = (revenue - cost) / people"
home=$(mktemp -d "$MT_DIR/home.XXXXXX"); chown $MIA:$MIA "$home"
ok "mia: vim -es on annotation.ini" env HOME="$home" setpriv --reuid=$MIA --regid=$MIA --clear-groups vim -es -i NONE -c '%s/^color = .*/color = teal/' -c 'wq' "$W/annotations/n1/annotation.ini"
has "color" "$(as $MIA cat "$W/annotations/n1/annotation.ini")" "color = teal"
wr "a rule that does not parse (at write)" EINVAL $MIA "$S/s1/segment.ini" '[segment]\nrule = page = (\n'
wr "a date off the grammar" EINVAL $MIA "$W/date-ranges/q2/daterange.ini" '[date_range]\nstart = someday\n'
ok "ria: her date range (tee)" sh -c "printf '[date_range]\nstart = start-of-month-1m\nend = today\n' | setpriv --reuid=$RIA --regid=$RIA --clear-groups tee '$W/date-ranges/q1/daterange.ini' >/dev/null"
ok "mia: approve (sed -i)" as $MIA sed -i 's/^approved = .*/approved = true/' "$S/s1/segment.ini"
has "audited approve" "$(audit)" "	analyst@example.com	approve	/workspace/segments/s1	ok	segment: approved true"

# --- references: used_by, EBUSY ---
wr "m1 names a segment mia may not use" EINVAL $MIA "$W/calculated-metrics/m1/metric.ini" '[metric]\nsegment = nope\n'
ok "m1 names s1" sh -c "printf '[metric]\nsegment = s1\nformula = a / b\n' | setpriv --reuid=$MIA --regid=$MIA --clear-groups tee '$W/calculated-metrics/m1/metric.ini' >/dev/null"
ok "a1 names s1" sh -c "printf '[audience]\nsegments = s1\nmatch = any\n' | setpriv --reuid=$MIA --regid=$MIA --clear-groups tee '$W/audiences/a1/audience.ini' >/dev/null"
eq "used_by, for mia" "$(as $MIA cat "$S/s1/used_by")" "/workspace/audiences/a1
/workspace/calculated-metrics/m1"
eq "used_by, for ria (who sees neither)" "$(as $RIA cat "$S/s1/used_by")" "# 2 more you cannot see"
pr "rmdir s1: in use" EBUSY $MIA rmdir "$S/s1"
# why and the operations agree: refused while named, not "allowed"
has "why: mia, s1 in use" "$(why $MIA "$S/s1")" "delete: refused: in use by /workspace/audiences/a1, /workspace/calculated-metrics/m1
rename: refused: in use by /workspace/audiences/a1, /workspace/calculated-metrics/m1"
has "why: mia, s1's files too" "$(why $MIA "$S/s1/segment.ini")" "delete: refused: in use by /workspace/audiences/a1, /workspace/calculated-metrics/m1"
has "why: ria, who may not, is told that first" "$(why $RIA "$S/s1")" "delete: denied: needs segment_creation (it is shared with you)"
has "why: pa, who sees every referrer" "$(why $PA "$S/s1")" "rename: refused: in use by /workspace/audiences/a1, /workspace/calculated-metrics/m1"
has "errors: the referrers" "$(errors_top $MIA)" "/workspace/segments/s1: in use by /workspace/audiences/a1, /workspace/calculated-metrics/m1"
no "mv s1: in use" as $MIA mv "$S/s1" "$S/s2"
no "rm -r s1: in use" as $MIA rm -r "$S/s1"
ok "s1 is whole after rm -r" as $MIA cat "$S/s1/segment.ini" "$S/s1/shares"
ok "mv m1 m2 (within its directory)" as $MIA mv "$W/calculated-metrics/m1" "$W/calculated-metrics/m2"
has "used_by follows" "$(as $MIA cat "$S/s1/used_by")" "/workspace/calculated-metrics/m2"
no "mv across kinds" as $MIA mv "$W/calculated-metrics/m2" "$S/m2"
ok "m2 still there" as $MIA test -d "$W/calculated-metrics/m2"
ok "rm -r m2" as $MIA rm -r "$W/calculated-metrics/m2"
has "audited delete" "$(audit)" "	analyst@example.com	delete	/workspace/calculated-metrics/m2	ok	calculated metric"
ok "rmdir a1" as $MIA rmdir "$W/audiences/a1"
eq "used_by empty" "$(as $MIA cat "$S/s1/used_by")" ""
has "why: mia, s1 free again" "$(why $MIA "$S/s1")" "delete: allowed
rename: allowed"
ok "mv s1 s2" as $MIA mv "$S/s1" "$S/s2"
# onto a taken name: EEXIST, which tells only that it is taken, whether
# the caller sees the object there (s10) or not (pa's private s8)
as $PA mkdir "$S/s8"
ok "mia: mkdir s9" as $MIA mkdir "$S/s9"
errno_is "mv -T s9 onto a hidden name" EEXIST as $MIA python3 -c "
import os,errno
try: os.rename('$S/s9', '$S/s8'); print('OK')
except OSError as e: print(errno.errorcode[e.errno])"
pr "mkdir of that name: EEXIST too" EEXIST $MIA mkdir "$S/s8"
ok "mia: mkdir s10" as $MIA mkdir "$S/s10"
errno_is "mv -T s9 onto her own s10" EEXIST as $MIA python3 -c "
import os,errno
try: os.rename('$S/s9', '$S/s10'); print('OK')
except OSError as e: print(errno.errorcode[e.errno])"
errno_is "ria (who may not rename s2) learns nothing of s8" EACCES as $RIA python3 -c "
import os,errno
try: os.rename('$S/s2', '$S/s8'); print('OK')
except OSError as e: print(errno.errorcode[e.errno])"
ok "both still there" as $PA test -d "$S/s9" -a -d "$S/s8" -a -d "$S/s10"
ok "rmdir s9 s10" as $MIA rmdir "$S/s9" "$S/s10"
as $PA rmdir "$S/s8"
has "audited rename" "$(audit)" "	analyst@example.com	change	/workspace/segments/s1	ok	segment: to /workspace/segments/s2"

# --- owner: a transfer, by product admins only ---
wr "pa: owner = a stranger" EINVAL $PA "$S/s2/segment.ini" '[segment]\nowner = ghost@example.com\n'
ok "pa: owner = ria (sed -i)" as $PA sed -i 's/^owner = .*/owner = viewer@example.com/' "$S/s2/segment.ini"
has "audited transfer" "$(audit)" "	pa@example.com	transfer	/workspace/segments/s2	ok	segment: from analyst@example.com to viewer@example.com"
pr "mia no longer sees it (not shared with her)" ENOENT $MIA stat "$S/s2"
eq "ria owns it, without segment_creation: read-only" "$(mode $RIA "$S/s2/segment.ini")" "-r--------"
wr "/admin/transfer: mia may not" EACCES $MIA "$MT/admin/transfer" 'viewer@example.com analyst@example.com\n'
wr "/admin/transfer: to nobody known" EINVAL $PA "$MT/admin/transfer" 'viewer@example.com ghost@example.com\n'
wr "/admin/transfer: ria's to mia" OK $PA "$MT/admin/transfer" 'viewer@example.com analyst@example.com\n'
has "transferred s2" "$(audit)" "	pa@example.com	transfer	/workspace/segments/s2	ok	segment: from viewer@example.com to analyst@example.com"
has "transferred q1" "$(audit)" "	pa@example.com	transfer	/workspace/date-ranges/q1	ok	date range: from viewer@example.com to analyst@example.com"
has "mia owns q1" "$(as $MIA cat "$W/date-ranges/q1/daterange.ini")" "owner = analyst@example.com"
eq "transfer: pa may write it" "$(mode $PA "$MT/admin/transfer")" "-rw-------"
eq "transfer reads as nothing" "$(as $PA cat "$MT/admin/transfer")" ""
eq "sys reads it, as all of /admin" "$(mode $SYS "$MT/admin/transfer")" "-r--------"
nau=$(audit | wc -l)
wr "an empty transfer is a no-op" OK $PA "$MT/admin/transfer" ''
eq "and is not audited" "$(audit | wc -l)" "$nau"

# --- losing the creation permission ---
put $PA "$MT/admin/profiles/creators/profile.ini" '[reporting_tools]\nanalysis_workspace = true\n'
ok "mia still reads s2" as $MIA cat "$S/s2/segment.ini"
eq "but may not change it" "$(mode $MIA "$S/s2/segment.ini")" "-r--------"
wr "mia: change s2" EACCES $MIA "$S/s2/segment.ini" '[segment]\ndescription = x\n'
has "why: mia" "$(why $MIA "$S/s2")" "delete: denied: needs segment_creation (you own it)"
ok "mia: her date range stays hers to change" as $MIA sed -i 's/^description = .*/description = q/' "$W/date-ranges/q1/daterange.ini"

# --- unmapped ---
pr "unmapped: no segment" ENOENT $NOBODY read "$S/s2/segment.ini"
pr "unmapped: no mkdir" ENOENT $NOBODY mkdir "$W/date-ranges/z"

# --- definitions against the home view: PATH:LINE: column N: at write or close ---
# where a write is judged: "write ERRNO" (write(2)), "close ERRNO", or "OK"
wat() { as "$1" python3 -c '
import errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC)
step = "write"
try:
    os.write(fd, sys.argv[2].encode().decode("unicode_escape").encode())
    step = "close"
    os.close(fd)
    print("OK")
except OSError as e:
    print(step, errno.errorcode.get(e.errno, str(e.errno)))
    if step == "write":
        try:
            os.close(fd)
        except OSError:
            pass
' "$2" "$3"; }
err_at() { as "$1" head -n 1 "$MT/errors" | cut -d' ' -f2-; }
V=$MT/dataviews
D=$MT_DIR/data
mkdir -p "$D"
now=$(date +%s)
# p1 and p2 saw home, p3 only cart, p4 blog; p1 twice
printf 'p1,%d,home\np1,%d,cart\np2,%d,home\np3,%d,cart\np4,%d,blog\n' \
	$((now - 86400)) $((now - 2 * 86400)) $((now - 86400)) $((now - 3 * 86400)) \
	$((now - 2 * 86400)) >"$D/hits.csv"
chmod 644 "$D/hits.csv"
as $PA mkdir "$MT/connections/shop" "$MT/connections/shop/datasets/hits"
put $PA "$MT/connections/shop/connection.ini" '[connection]\nsandbox = prod\ndata_window_months = 60\n'
put $PA "$MT/connections/shop/datasets/hits/dataset.ini" '[dataset]\ntype = event\nperson_id = pid\ntimestamp = ts\nfields = pid, ts, page\n'
ok "ingest hits" as $PA cp "$D/hits.csv" "$MT/connections/shop/datasets/hits/records"
put $PA "$V/web/dataview.ini" '[dataview]\nconnection = shop\n'
put $PA "$V/web/components/page.ini" '[component]\nfield = page\n'
put $PA "$V/web/components/visitor.ini" '[component]\nfield = pid\n'
put $PA "$V/web/components/hits.ini" '[component]\nkind = metric\nfield = occurrences\n'
put $PA "$V/web/components/people.ini" '[component]\nkind = metric\nfield = people\n'
# mia: every creation tool and audience_view on web, no full_table_export
put $PA "$MT/admin/profiles/creators/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\nsegment_creation = true\ncalculated_metrics_creation = true\nannotation_creation = true\naudience_creation = true\naudience_view = true\n'

ok "mia: mkdir s5" as $MIA mkdir "$S/s5"
eq "a rule that does not parse: refused at write" "$(wat $MIA "$S/s5/segment.ini" '[segment]\ndataview = web\nrule = page = (\n')" "write EINVAL"
has "errors: its line and column" "$(err_at $MIA)" "/workspace/segments/s5/segment.ini:3: column 15: rule: "
eq "a dimension the view lacks: refused at close" "$(wat $MIA "$S/s5/segment.ini" '[segment]\ndataview = web\nrule = page = home and colour = red\n')" "close EINVAL"
eq "errors: the name's column in the file" "$(err_at $MIA)" "/workspace/segments/s5/segment.ini:3: column 24: rule: unknown dimension 'colour' (a segment names the view's dimension components and day)"
eq "a rule over the view's dimensions" "$(wat $MIA "$S/s5/segment.ini" '[segment]\ndataview = web\nrule = page = home\n')" "OK"
eq "day is a name too" "$(wat $MIA "$S/s5/segment.ini" '[segment]\ndataview = web\nrule = page = home and day >= \"2000-01-01\"\n')" "OK"
ok "mia: mkdir m5" as $MIA mkdir "$W/calculated-metrics/m5"
eq "a metric the view lacks: at close" "$(wat $MIA "$W/calculated-metrics/m5/metric.ini" '[metric]\ndataview = web\nformula = hits / visits\n')" "close EINVAL"
eq "errors: formula column" "$(err_at $MIA)" "/workspace/calculated-metrics/m5/metric.ini:3: column 18: formula: unknown metric 'visits'"
eq "a formula off the grammar: at write" "$(wat $MIA "$W/calculated-metrics/m5/metric.ini" '[metric]\ndataview = web\nformula = (hits / people\n')" "write EINVAL"
has "errors: formula syntax column" "$(err_at $MIA)" "/workspace/calculated-metrics/m5/metric.ini:3: column "
eq "a formula over the view's metrics" "$(wat $MIA "$W/calculated-metrics/m5/metric.ini" '[metric]\ndataview = web\nformula = hits / people\nsegment = s5\n')" "OK"
ok "mia: mkdir q5" as $MIA mkdir "$W/date-ranges/q5"
eq "a bound off the grammar: at write" "$(wat $MIA "$W/date-ranges/q5/daterange.ini" '[date_range]\nstart = today + 3q\n')" "write EINVAL"
has "errors: date column" "$(err_at $MIA)" "/workspace/date-ranges/q5/daterange.ini:2: column 18: start: expected a unit after 3: d, w, m or y"
eq "start after end: at close" "$(wat $MIA "$W/date-ranges/q5/daterange.ini" '[date_range]\nstart = 2026-03-01\nend = 2026-02-01\n')" "close EINVAL"
has "errors: the range" "$(err_at $MIA)" "/workspace/date-ranges/q5/daterange.ini:3: end: "
eq "today - 7d (spaces around the sign)" "$(wat $MIA "$W/date-ranges/q5/daterange.ini" '[date_range]\nstart = today - 7d\nend = today\n')" "OK"
ok "mia: mkdir n5" as $MIA mkdir "$W/annotations/n5"
eq "an annotation's day moves with the clock: at write" "$(wat $MIA "$W/annotations/n5/annotation.ini" '[annotation]\nstart = today\n')" "write EINVAL"
eq "errors: annotation column" "$(err_at $MIA)" "/workspace/annotations/n5/annotation.ini:2: column 9: start: an annotation's days are fixed (YYYY-MM-DD, optionally +N or -N with a unit), not relative to today"
eq "a fixed range" "$(wat $MIA "$W/annotations/n5/annotation.ini" '[annotation]\ndataview = web\nstart = 2026-01-01\nend = 2026-01-01+6d\ntext = launch week\n')" "OK"
# a segment checked against no view names what web lacks; an audience on web refuses it
ok "mia: mkdir s6" as $MIA mkdir "$S/s6"
eq "s6 without a home view: syntax only" "$(wat $MIA "$S/s6/segment.ini" '[segment]\nrule = colour = red\n')" "OK"
ok "mia: mkdir a5" as $MIA mkdir "$W/audiences/a5"
eq "an audience whose segment web cannot read: at close" "$(wat $MIA "$W/audiences/a5/audience.ini" '[audience]\ndataview = web\nsegments = s5, s6\n')" "close EINVAL"
eq "errors: the segment and its rule" "$(err_at $MIA)" "/workspace/audiences/a5/audience.ini:3: segments: segment 's6' on data view 'web': rule: unknown dimension 'colour' (a segment names the view's dimension components and day)"
eq "a metric counting in s6: at close" "$(wat $MIA "$W/calculated-metrics/m5/metric.ini" '[metric]\ndataview = web\nformula = hits\nsegment = s6\n')" "close EINVAL"
eq "errors: its segment" "$(err_at $MIA)" "/workspace/calculated-metrics/m5/metric.ini:4: segment: segment 's6' on data view 'web': rule: unknown dimension 'colour' (a segment names the view's dimension components and day)"

# --- people.csv: the ids of the people the segments keep ---
eq "people.csv is listed" "$(as $MIA ls "$W/audiences/a5" | tr '\n' ' ')" "audience.ini people.csv shares used_by "
pr "an audience with no home view: no people to read" EACCES $MIA read "$W/audiences/a5/people.csv"
has "errors: what is missing" "$(err_at $MIA)" "/workspace/audiences/a5/people.csv: read: denied: the audience has no dataview"
eq "pa, too: EINVAL" "$(as $PA bash -c "$(declare -f probe); probe read '$W/audiences/a5/people.csv'")" "EINVAL"
has "errors: what is missing" "$(err_at $PA)" "/workspace/audiences/a5/people.csv: people.csv: the audience has no dataview"
ok "a5 on web with s5" sh -c "printf '[audience]\ndataview = web\nsegments = s5\n' | setpriv --reuid=$MIA --regid=$MIA --clear-groups tee '$W/audiences/a5/audience.ini' >/dev/null"
eq "mia: people.csv (visitor shows the id unchanged)" "$(as $MIA cat "$W/audiences/a5/people.csv")" "person_id
p1
p2"
eq "mode for mia: r" "$(mode $MIA "$W/audiences/a5/people.csv")" "-r--------"
pr "people.csv is read-only, even to its owner" EACCES $MIA open-w "$W/audiences/a5/people.csv"
ok "s6 excludes home people" sh -c "printf '[segment]\ndataview = web\ncontainer = person\nexclude = true\nrule = page = home\n' | setpriv --reuid=$MIA --regid=$MIA --clear-groups tee '$S/s6/segment.ini' >/dev/null"
ok "a5: s5 or s6" sh -c "printf '[audience]\ndataview = web\nsegments = s5, s6\nmatch = any\n' | setpriv --reuid=$MIA --regid=$MIA --clear-groups tee '$W/audiences/a5/audience.ini' >/dev/null"
eq "match any: everyone" "$(as $MIA cat "$W/audiences/a5/people.csv" | tr '\n' ' ')" "person_id p1 p2 p3 p4 "
ok "share a5 with ria" sh -c "printf 'user:viewer@example.com\n' | setpriv --reuid=$MIA --regid=$MIA --clear-groups tee '$W/audiences/a5/shares' >/dev/null"
ok "ria reads audience.ini" as $RIA cat "$W/audiences/a5/audience.ini"
pr "ria: people.csv (no audience_view on web)" EACCES $RIA read "$W/audiences/a5/people.csv"
eq "ria: mode ---" "$(mode $RIA "$W/audiences/a5/people.csv")" "----------"
has "why: ria" "$(why $RIA "$W/audiences/a5/people.csv")" "read: denied: needs role product admin or a profile granting data view web with analysis_workspace and audience_view"
has "audited: denied" "$(audit)" "	viewer@example.com	read	/workspace/audiences/a5	denied	audience: needs role product admin or a profile granting data view web with analysis_workspace and audience_view"
pr "lead: not shared with" ENOENT $LEAD read "$W/audiences/a5/people.csv"
pr "sys: no Workspace" ENOENT $SYS read "$W/audiences/a5/people.csv"
pr "unmapped" ENOENT $NOBODY read "$W/audiences/a5/people.csv"
eq "pa reads it" "$(as $PA cat "$W/audiences/a5/people.csv" | wc -l)" "5"
# no dimension shows the id unchanged: full_table_export it takes
put $PA "$V/web/components/visitor.ini" '[component]\nfield = pid\n[bucketing]\nbuckets = 0-1:low\n'
pr "mia: the view buckets the id: people.csv refused" EACCES $MIA read "$W/audiences/a5/people.csv"
has "why: mia" "$(why $MIA "$W/audiences/a5/people.csv")" "read: denied: data view web shows the person id through no dimension unchanged: needs a profile granting it with full_table_export"
put $PA "$MT/admin/profiles/creators/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\nsegment_creation = true\ncalculated_metrics_creation = true\nannotation_creation = true\naudience_creation = true\naudience_view = true\n[data_view_tools]\nfull_table_export = true\n'
eq "mia, with full_table_export" "$(as $MIA cat "$W/audiences/a5/people.csv" | tr '\n' ' ')" "person_id p1 p2 p3 p4 "
as $PA rm -f "$V/web/components/visitor.ini"
put $PA "$V/web/components/visitor.ini" '[component]\nfield = pid\n'
# a segment's dimension leaves the view: the read fails, naming it
as $PA rm -f "$V/web/components/page.ini"
eq "a rule the view no longer serves: EINVAL" "$(as $MIA bash -c "$(declare -f probe); probe read '$W/audiences/a5/people.csv'")" "EINVAL"
has "errors: the segment" "$(err_at $MIA)" "people.csv: segment 's5': rule: unknown dimension 'page'"
# a segment un-shared from the reader after the audience named it: the
# reader may no longer use it, so people.csv refuses, never its results
as $PA mkdir "$S/s7"
put $PA "$S/s7/segment.ini" '[segment]\ndataview = web\nrule = visitor = p1\n'
put $PA "$S/s7/shares" 'user:analyst@example.com\n'
ok "mia: mkdir a7" as $MIA mkdir "$W/audiences/a7"
ok "a7 on web with pa's s7" sh -c "printf '[audience]\ndataview = web\nsegments = s7\n' | setpriv --reuid=$MIA --regid=$MIA --clear-groups tee '$W/audiences/a7/audience.ini' >/dev/null"
eq "mia: people.csv of a7" "$(as $MIA cat "$W/audiences/a7/people.csv" | tr '\n' ' ')" "person_id p1 "
put $PA "$S/s7/shares" ''
put $PA "$S/s7/segment.ini" '[segment]\ndataview = web\nrule = visitor = p2\n'
eq "s7 un-shared and changed: people.csv refused" "$(as $MIA bash -c "$(declare -f probe); probe read '$W/audiences/a7/people.csv'")" "EINVAL"
has "errors: the segment she can no longer use" "$(err_at $MIA)" "/workspace/audiences/a7/people.csv: people.csv: no segment 's7' that you can use"
eq "pa still reads it" "$(as $PA cat "$W/audiences/a7/people.csv" | tr '\n' ' ')" "person_id p2 "
# a value the view hides is absent from a segment's rule (as NULL in SQL):
# no comparison on it holds, = "" and != included, negated or not, so no
# segment counts anyone by it; exclude keeps what the segment does not
put $PA "$V/web/components/page.ini" '[component]\nfield = page\n[include_exclude]\nmode = exclude\nrules = equals:blog\n'
seg8() { printf '[segment]\ndataview = web\ncontainer = %s\nexclude = %s\nrule = %s\n' "$1" "$2" "$3" | as $MIA tee "$S/s8/segment.ini" >/dev/null; }
ok "mia: mkdir s8" as $MIA mkdir "$S/s8"
ok "s8: page = \"\"" seg8 person false 'page = ""'
ok "mia: mkdir a8" as $MIA mkdir "$W/audiences/a8"
ok "a8 on web with s8" sh -c "printf '[audience]\ndataview = web\nsegments = s8\n' | setpriv --reuid=$MIA --regid=$MIA --clear-groups tee '$W/audiences/a8/audience.ini' >/dev/null"
eq "page = \"\": not p4, whose only page (blog) is hidden" "$(as $MIA cat "$W/audiences/a8/people.csv" | tr '\n' ' ')" "person_id "
ok "s8: page != home" seg8 person false 'page != home'
eq "page != home: p1 and p3 (cart), not p4" "$(as $MIA cat "$W/audiences/a8/people.csv" | tr '\n' ' ')" "person_id p1 p3 "
ok "s8: not page = cart" seg8 person false 'not page = cart'
eq "not page = cart: p1 and p2 (home), not p4" "$(as $MIA cat "$W/audiences/a8/people.csv" | tr '\n' ' ')" "person_id p1 p2 "
ok "s8: page contains \"\"" seg8 event false 'page contains ""'
eq "contains \"\": every visible page" "$(as $MIA cat "$W/audiences/a8/people.csv" | tr '\n' ' ')" "person_id p1 p2 p3 "
ok "s8: exclude people with any page" seg8 person true 'page = home or page != home'
eq "exclude: the rest, p4" "$(as $MIA cat "$W/audiences/a8/people.csv" | tr '\n' ' ')" "person_id p4 "
eq "rows.csv shows p4's page blank" "$(as $MIA cat "$V/web/rows.csv" | grep p4)" ",p4,1,p4"

# --- a list of shares holds at most 256 principals (257 more logins) ---
mt_unmount
MT_CONFIG_EXTRA="[users]
$(for i in $(seq 0 256); do echo "$((5000 + i)) = u$i@example.com"; done)" mt_write_config
mt_mount || fail "remount with 257 more logins"
wr "pa: 257 principals" EINVAL $PA "$S/s2/shares" "$(for i in $(seq 0 256); do printf 'user:u%d@example.com\\n' $i; done)"
has "errors: how many" "$(errors_top $PA)" "/workspace/segments/s2/shares: 257 principals: a list of shares holds at most 256"
wr "pa: 256" OK $PA "$S/s2/shares" "$(for i in $(seq 0 255); do printf 'user:u%d@example.com\\n' $i; done)"
eq "all 256 kept" "$(as $PA cat "$S/s2/shares" | wc -l)" "256"

# --- [limits] workspace_objects: how many objects one login makes ---
owned() { as $PA sh -c "cat '$W'/*/*/*.ini" | grep -c "^owner = $1\$"; }
n=$(owned analyst@example.com)
mt_unmount
MT_CONFIG_EXTRA="workspace_objects = $((n + 1))" mt_write_config
mt_mount || fail "remount with workspace_objects"
ok "mia: one more object" as $MIA mkdir "$W/annotations/n9"
pr "mia: past [limits] workspace_objects" EDQUOT $MIA mkdir "$W/annotations/n10"
has "errors: the bound" "$(errors_top $MIA)" "/workspace/annotations/n10: you own $((n + 1)) Workspace objects, the most [limits] workspace_objects lets one login make"
has "audited rejected" "$(audit)" "	analyst@example.com	create	/workspace/annotations/n10	rejected	annotation: you own $((n + 1)) Workspace objects"
pr "nothing made" ENOENT $PA stat "$W/annotations/n10"
ok "ria, who owns fewer, still makes one" as $RIA mkdir "$W/date-ranges/q9"
ok "mia: rmdir makes room" as $MIA rmdir "$W/annotations/n9"
ok "mia: and she makes one again" as $MIA mkdir "$W/annotations/n10"
mt_unmount
MT_CONFIG_EXTRA= mt_write_config
mt_mount || fail "remount"
ok "the default bound (10000) lets her" as $MIA mkdir "$W/annotations/n11"
