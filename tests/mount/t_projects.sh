#!/usr/bin/env bash
# Projects (SPEC §7) on a real mount, acting as each role: a project is
# a Workspace object with project.ini ([project], [curation], [link]),
# shares with roles, components and panels/; its link /links/TOKEN.
#
#   2005 mia      (analyst@example.com) member of creators:
#                 analysis_workspace, share_project_links, segment_creation
#                 on view web
#   2006 ria      (viewer@example.com) member of readers
#                 (analysis_workspace only)
#   2003 gus      (pa2@example.com) member of readers through group 3001
#                 (Analysts) alone
#   2004 lead     member of nothing with analysis_workspace; admin of
#                 profile team
#   2001 sys      system admin: no Workspace
#   2002 pa       product admin
#   2999          unmapped
#
# Each allowed action happens; each denied one fails with its errno,
# changes nothing (the files are compared) and leaves its audit line.
# Links both ways: require_login true and false, anonymous_links on and
# off, an unmapped caller; ls /links lists nothing; a link is revoked by
# disabling it, by a transfer and by a change of owner, and lapses when
# it expires; a new enable is a new token.
set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002 GUS=2003 LEAD=2004 MIA=2005 RIA=2006 NOBODY=2999
W=$MT/workspace
P=$W/projects
V=$MT/dataviews

put() { as "$1" sh -c "printf '$3' >'$2'"; }
wr() { errno_is "$1" "$2" as "$3" bash -c "$(declare -f probe); probe write '$4' '$5'"; }
wr_g() { errno_is "$1" "$2" as_g "$3" 3001 bash -c "$(declare -f probe); probe write '$4' '$5'"; }
pr() { errno_is "$1" "$2" as "$3" bash -c "$(declare -f probe); probe $4 '$5'"; }
pr_g() { errno_is "$1" "$2" as_g "$3" 3001 bash -c "$(declare -f probe); probe $4 '$5'"; }
mode() { as "$1" stat -c %A "$2" 2>&1; }
why() { as "$1" getfattr --only-values -n user.cjafs.why "$2" 2>/dev/null; }
why_g() { as_g "$1" 3001 getfattr --only-values -n user.cjafs.why "$2" 2>/dev/null; }
audit() { as $PA cat "$MT/audit/log"; }
errors_top() { as "$1" head -n 1 "$MT/errors"; }
ini() { as $PA cat "$P/$1/project.ini" | grep -v '^modified'; }
token() { as $PA sed -n 's/^token = //p' "$P/$1/project.ini"; }

# --- the world ---
put $SYS "$MT/admin/product-admins" 'pa@example.com\n'
put $SYS "$MT/admin/sandboxes" 'prod\n'
as $SYS mkdir "$MT/admin/platform/full"
put $SYS "$MT/admin/platform/full/platform.ini" '[platform]\nsandboxes = prod\npermissions = view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces\n'
put $SYS "$MT/admin/platform/full/members" 'pa@example.com\n'
as $PA mkdir "$MT/admin/profiles/creators" "$MT/admin/profiles/readers" "$MT/admin/profiles/team"
put $PA "$MT/admin/profiles/creators/members" 'analyst@example.com\n'
put $PA "$MT/admin/profiles/readers/members" 'viewer@example.com\ngroup:Analysts\n'
put $PA "$MT/admin/profiles/readers/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\n'
put $PA "$MT/admin/profiles/team/admins" 'lead@example.com\n'
as $PA mkdir "$V/web" "$V/other"
D=$MT_DIR/data
mkdir -p "$D"
now=$(date +%s)
printf 'p1,%d,home\np2,%d,cart\n' $((now - 86400)) $((now - 86400)) >"$D/hits.csv"
chmod 644 "$D/hits.csv"
as $PA mkdir "$MT/connections/shop" "$MT/connections/shop/datasets/hits"
put $PA "$MT/connections/shop/connection.ini" '[connection]\nsandbox = prod\ndata_window_months = 60\n'
put $PA "$MT/connections/shop/datasets/hits/dataset.ini" '[dataset]\ntype = event\nperson_id = pid\ntimestamp = ts\nfields = pid, ts, page\n'
ok "ingest hits" as $PA cp "$D/hits.csv" "$MT/connections/shop/datasets/hits/records"
put $PA "$V/web/dataview.ini" '[dataview]\nconnection = shop\n'
put $PA "$V/web/components/page.ini" '[component]\nfield = page\n'
put $PA "$V/web/components/hits.ini" '[component]\nkind = metric\nfield = occurrences\n'
put $PA "$MT/admin/profiles/creators/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\nsegment_creation = true\nshare_project_links = true\n'

# --- who makes projects ---
eq "/workspace lists projects" "$(as $MIA ls "$W" | grep -c '^projects$')" "1"
eq "mia may make projects (drwx)" "$(mode $MIA "$P")" "drwx------"
eq "ria too: analysis_workspace is the permission" "$(mode $RIA "$P")" "drwx------"
pr "sys: no analysis_workspace" EACCES $SYS mkdir "$P/x"
pr "lead: none either" EACCES $LEAD mkdir "$P/x"
has "audited denied" "$(audit)" "	lead@example.com	create	/workspace/projects/x	denied	project: "
pr "unmapped: no /workspace" ENOENT $NOBODY mkdir "$P/x"
ok "mia: mkdir a project" as $MIA mkdir "$P/p1"
has "audited create" "$(audit)" "	analyst@example.com	create	/workspace/projects/p1	ok	project"
eq "its files" "$(as $MIA ls "$P/p1" | tr '\n' ' ')" "components panels project.ini shares slides.html "
eq "panels/ is a directory, empty" "$(as $MIA ls -A "$P/p1/panels" | wc -l)" "0"
has "project.ini: the owner" "$(as $MIA cat "$P/p1/project.ini")" "owner = analyst@example.com"
has "[curation] off by default" "$(as $MIA cat "$P/p1/project.ini")" "[curation]
enabled = false"
has "[link] off, require_login on" "$(as $MIA cat "$P/p1/project.ini")" "[link]
enabled = false
require_login = true"
ok "pa: mkdir a project" as $PA mkdir "$P/pa1"
pr "ria: p1 is taken (EEXIST), though she does not see it" EEXIST $RIA mkdir "$P/p1"
pr "nor does she now" ENOENT $RIA stat "$P/p1"

# --- project.ini: validated at write and close ---
wr "mia: set the view and a description" OK $MIA "$P/p1/project.ini" '[project]\ndataview = web\ndescription = launch\n'
has "kept" "$(ini p1)" "description = launch"
wr "a view she cannot see" EINVAL $MIA "$P/p1/project.ini" '[project]\ndataview = other\n'
has "errors: the line" "$(errors_top $MIA)" "/workspace/projects/p1/project.ini:2: dataview: no data view 'other' that you can see"
wr "a component of an unknown kind" EINVAL $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[curation]\ncomponents = dimension page, widget x\n'
has "errors: line and column" "$(errors_top $MIA)" "/workspace/projects/p1/project.ini:4: column 30: components: 'widget x': a component is KIND NAME"
wr "a component the view lacks" EINVAL $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[curation]\ncomponents = dimension nope\n'
has "errors: which" "$(errors_top $MIA)" "/workspace/projects/p1/project.ini:4: column 14: components: no component 'dimension nope' that you can use"
wr "expires off the grammar" EINVAL $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[link]\nexpires = tomorrowish\n'
has "errors: expires" "$(errors_top $MIA)" "/workspace/projects/p1/project.ini:4: column 11: expires: "
wr "require_login = false while anonymous_links is off" EINVAL $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[link]\nrequire_login = false\n'
has "errors: why" "$(errors_top $MIA)" "require_login: false needs [workspace] anonymous_links = true"
has "still the launch description" "$(ini p1)" "description = launch"

# --- shares with roles ---
wr "a role that is not one" EINVAL $MIA "$P/p1/shares" 'user:viewer@example.com admin\n'
has "errors: its column" "$(errors_top $MIA)" "/workspace/projects/p1/shares:1: column 25: 'admin': a role is edit or view"
wr "a role on a segment's shares is refused" EINVAL $MIA "$P/p1/shares" 'user:viewer@example.com edit edit\n'
wr_g "mia (in Analysts) shares: ria views, Analysts edit" OK $MIA "$P/p1/shares" 'user:viewer@example.com\ngroup:Analysts edit\n'
has "audited share" "$(audit)" "	analyst@example.com	share	/workspace/projects/p1	ok	project: group:Analysts edit user:viewer@example.com"
eq "shares as stored" "$(as $MIA cat "$P/p1/shares")" "group:Analysts edit
user:viewer@example.com"
has "ria sees it (view)" "$(as $RIA ls "$P")" "p1"
has "ria reads project.ini" "$(as $RIA cat "$P/p1/project.ini")" "description = launch"
eq "ria: project.ini is read-only (view)" "$(mode $RIA "$P/p1/project.ini")" "-r--------"
has "why: ria's role" "$(why $RIA "$P/p1/project.ini")" "write: denied: it is shared with you to view (role edit changes it)"
has "why: gus may write it" "$(why_g $GUS "$P/p1/project.ini")" "write: allowed"
has "why: shares are the owner's" "$(why_g $GUS "$P/p1/shares")" "write: denied: only its owner and product admins change this"
before=$(ini p1)
wr "ria (view) may not change it" EACCES $RIA "$P/p1/project.ini" '[project]\ndataview = web\ndescription = mine\n'
has "errors: the role" "$(errors_top $RIA)" "it is shared with you to view (role edit changes it)"
has "audited denied" "$(audit)" "	viewer@example.com	change	/workspace/projects/p1	denied	project: "
eq "nothing changed" "$(ini p1)" "$before"
pr "ria may not rename it" EACCES $RIA rmdir "$P/p1"
no "ria may not mv it" as $RIA mv "$P/p1" "$P/p9"
eq "gus (edit through Analysts): rw-" "$(as_g $GUS 3001 stat -c %A "$P/p1/project.ini")" "-rw-------"
wr_g "gus changes the description" OK $GUS "$P/p1/project.ini" '[project]\ndataview = web\ndescription = launch v2\ntags = q3\n'
has "kept" "$(ini p1)" "description = launch v2"
has "modified_by gus" "$(as $PA cat "$P/p1/project.ini")" "modified_by = pa2@example.com"
has "audited change" "$(audit)" "	pa2@example.com	change	/workspace/projects/p1	ok	project"
wr_g "gus approves it" OK $GUS "$P/p1/project.ini" '[project]\ndataview = web\ndescription = launch v2\ntags = q3\napproved = true\n'
has "audited approve" "$(audit)" "	pa2@example.com	approve	/workspace/projects/p1	ok	project: approved true"
eq "gus: shares are the owner's (r--)" "$(as_g $GUS 3001 stat -c %A "$P/p1/shares")" "-r--------"
before=$(as $PA cat "$P/p1/shares")
wr_g "gus may not change the shares" EACCES $GUS "$P/p1/shares" 'user:viewer@example.com edit\ngroup:Analysts edit\n'
has "audited denied share" "$(audit)" "	pa2@example.com	share	/workspace/projects/p1	denied	project: "
eq "shares unchanged" "$(as $PA cat "$P/p1/shares")" "$before"
before=$(ini p1)
wr_g "gus may not turn curation on" EACCES $GUS "$P/p1/project.ini" '[project]\ndataview = web\ndescription = launch v2\ntags = q3\n[curation]\nenabled = true\n'
has "errors: the owner's" "$(errors_top $GUS)" "[curation] enabled: denied: only its owner and product admins change this"
eq "nothing changed" "$(ini p1)" "$before"
wr_g "nor the link" EACCES $GUS "$P/p1/project.ini" '[project]\ndataview = web\n[link]\nenabled = true\n'
eq "nothing changed" "$(ini p1)" "$before"
pr "gus without the group: not shared" ENOENT $GUS stat "$P/p1"
pr "lead: not shared with him" ENOENT $LEAD stat "$P/p1"
pr "sys: no Workspace" ENOENT $SYS stat "$P/p1"
pr "unmapped: nothing" ENOENT $NOBODY stat "$P/p1"
ok "pa sees and reads it" as $PA cat "$P/p1/project.ini"

# --- components, curation, used_by ---
as $MIA mkdir "$W/segments/s1" "$W/segments/s2"
put $MIA "$W/segments/s1/segment.ini" '[segment]\ndataview = web\nrule = page = "home"\n'
put $MIA "$W/segments/s1/shares" 'user:viewer@example.com\n'
eq "mia's components: the view's and her segments" "$(as $MIA cat "$P/p1/components")" "dimension page
metric hits
segment s1
segment s2"
eq "ria's: what she may use" "$(as $RIA cat "$P/p1/components")" "dimension page
metric hits
segment s1"
wr "mia curates: page and s1" OK $MIA "$P/p1/project.ini" '[project]\ndataview = web\ndescription = launch v2\ntags = q3\n[curation]\nenabled = true\ncomponents = dimension page, segment s1\n'
has "audited change" "$(audit)" "	analyst@example.com	change	/workspace/projects/p1	ok	project"
eq "ria (recipient) sees the curated ones" "$(as $RIA cat "$P/p1/components")" "dimension page
segment s1"
eq "gus (edit recipient) too" "$(as_g $GUS 3001 cat "$P/p1/components")" "dimension page"
eq "mia (owner) sees everything" "$(as $MIA cat "$P/p1/components" | wc -l)" "4"
eq "pa (product admin) too" "$(as $PA cat "$P/p1/components" | wc -l)" "4"
eq "s1's used_by names the project" "$(as $MIA cat "$W/segments/s1/used_by")" "/workspace/projects/p1"
pr "s1 is in use: rmdir" EBUSY $MIA rmdir "$W/segments/s1"
has "errors: by what" "$(errors_top $MIA)" "in use by /workspace/projects/p1"
as $PA mkdir "$W/segments/pas"
wr "mia: pa's private segment is none of hers" EINVAL $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[curation]\nenabled = true\ncomponents = segment pas\n'
has "errors" "$(errors_top $MIA)" "components: no component 'segment pas' that you can use"
wr "mia drops s1 from curation" OK $MIA "$P/p1/project.ini" '[project]\ndataview = web\ndescription = launch v2\ntags = q3\n[curation]\nenabled = true\ncomponents = dimension page\n'
eq "s1 used by nothing" "$(as $MIA cat "$W/segments/s1/used_by")" ""

# --- the link ---
eq "no token yet" "$(token p1)" ""
eq "ls /links: nothing" "$(as $MIA ls -A "$MT/links" | wc -l)" "0"
wr "ria may not enable it" EACCES $RIA "$P/p1/project.ini" '[project]\ndataview = web\n[link]\nenabled = true\n'
wr "mia enables the link" OK $MIA "$P/p1/project.ini" '[project]\ndataview = web\ndescription = launch v2\ntags = q3\n[curation]\nenabled = true\ncomponents = dimension page\n[link]\nenabled = true\n'
T1=$(token p1)
eq "a token: 32 hex digits" "$(printf '%s' "$T1" | grep -cE '^[0-9a-f]{32}$')" "1"
eq "mia (owner) sees it" "$(as $MIA sed -n 's/^token = //p' "$P/p1/project.ini")" "$T1"
eq "ria does not" "$(as $RIA sed -n 's/^token = //p' "$P/p1/project.ini")" ""
eq "gus does not" "$(as_g $GUS 3001 sed -n 's/^token = //p' "$P/p1/project.ini")" ""
has "audited: link enabled" "$(audit)" "	analyst@example.com	share	/workspace/projects/p1	ok	project: link enabled"
hasnt "the token is never in the audit log" "$(audit)" "$T1"
eq "ls /links: still nothing" "$(as $MIA ls -A "$MT/links" | wc -l)" "0"
eq "ls /links as pa: nothing" "$(as $PA ls -A "$MT/links" | wc -l)" "0"
eq "/links/TOKEN: panels and slides, read-only" "$(as $RIA ls "$MT/links/$T1")" "panels
slides.html"
eq "mode" "$(mode $RIA "$MT/links/$T1")" "dr-x------"
pr "nothing is made there" EPERM $RIA mkdir "$MT/links/$T1/x"
eq "lead (no analysis_workspace) reads it? no" "$(as $LEAD ls "$MT/links/$T1" 2>&1 | grep -c 'No such file')" "1"
has "the denied lookup is audited" "$(audit)" "	lead@example.com	lookup	/links	denied	link (its name withheld): needs a profile with analysis_workspace"
hasnt "without the token" "$(audit)" "$T1"
pr "unmapped: a login is required" ENOENT $NOBODY stat "$MT/links/$T1"
pr "a wrong token" ENOENT $RIA stat "$MT/links/0123456789abcdef0123456789abcdef"
pr "not a token at all" ENOENT $RIA stat "$MT/links/nope"
pr "no directories in /links" EPERM $MIA mkdir "$MT/links/x"
no "nor files" as $MIA sh -c "echo x >'$MT/links/x'"
eq "ls /links: nothing" "$(as $MIA ls -A "$MT/links" | wc -l)" "0"
wr "ria may not set require_login" EACCES $RIA "$P/p1/project.ini" '[project]\ndataview = web\n[link]\nenabled = true\nrequire_login = false\n'

# expires
wr "mia: expired yesterday" OK $MIA "$P/p1/project.ini" "[project]\ndataview = web\n[curation]\nenabled = true\ncomponents = dimension page\n[link]\nenabled = true\nexpires = $(date -u -d yesterday +%F)\n"
eq "the token stays" "$(token p1)" "$T1"
pr "an expired link is not there" ENOENT $RIA stat "$MT/links/$T1"
wr "mia: expires tomorrow" OK $MIA "$P/p1/project.ini" "[project]\ndataview = web\n[curation]\nenabled = true\ncomponents = dimension page\n[link]\nenabled = true\nexpires = $(date -u -d tomorrow +%F)\n"
pr "there again" OK $RIA stat "$MT/links/$T1"

# disable: revoked at once; enable again: a new token
wr "mia disables it" OK $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[curation]\nenabled = true\ncomponents = dimension page\n[link]\nenabled = false\n'
eq "no token" "$(token p1)" ""
pr "the old token: ENOENT" ENOENT $RIA stat "$MT/links/$T1"
pr "for pa too" ENOENT $PA stat "$MT/links/$T1"
has "audited: disabled" "$(audit)" "	analyst@example.com	share	/workspace/projects/p1	ok	project: link disabled"
wr "mia enables it again" OK $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[curation]\nenabled = true\ncomponents = dimension page\n[link]\nenabled = true\n'
T2=$(token p1)
no "a new token" test "$T1" = "$T2"
pr "the new one works" OK $RIA stat "$MT/links/$T2"
pr "the old one does not" ENOENT $RIA stat "$MT/links/$T1"

# rename keeps the link; mia without share_project_links
ok "mia renames the project" as $MIA mv "$P/p1" "$P/p2"
pr "the link follows it" OK $RIA stat "$MT/links/$T2/panels"
ok "and back" as $MIA mv "$P/p2" "$P/p1"
put $PA "$MT/admin/profiles/creators/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\nsegment_creation = true\n'
wr "mia disables it (no permission needed)" OK $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[link]\nenabled = false\n'
before=$(ini p1)
wr "without share_project_links she may not enable it" EACCES $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[link]\nenabled = true\n'
has "errors: why" "$(errors_top $MIA)" "[link] enabled: denied: needs share_project_links"
eq "nothing changed" "$(ini p1)" "$before"
wr "pa (product admin) enables it" OK $PA "$P/p1/project.ini" '[project]\ndataview = web\n[link]\nenabled = true\n'
T3=$(token p1)
pr "it works" OK $RIA stat "$MT/links/$T3"
put $PA "$MT/admin/profiles/creators/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\nsegment_creation = true\nshare_project_links = true\n'

# a change of owner revokes it
wr "pa: owner = viewer" OK $PA "$P/p1/project.ini" '[project]\ndataview = web\nowner = viewer@example.com\n[link]\nenabled = true\n'
has "transferred" "$(ini p1)" "owner = viewer@example.com"
eq "no token" "$(token p1)" ""
pr "the link is gone" ENOENT $MIA stat "$MT/links/$T3"
has "audited" "$(audit)" "	pa@example.com	share	/workspace/projects/p1	ok	project: link disabled: a new owner"
wr "pa: back to mia" OK $PA "$P/p1/project.ini" '[project]\ndataview = web\nowner = analyst@example.com\n'

# /admin/transfer revokes it
wr "mia enables it" OK $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[link]\nenabled = true\n'
T4=$(token p1)
pr "live" OK $RIA stat "$MT/links/$T4"
ok "pa transfers mia's objects to ria" as $PA sh -c "echo 'analyst@example.com viewer@example.com' >'$MT/admin/transfer'"
has "the project is ria's" "$(ini p1)" "owner = viewer@example.com"
has "link off" "$(ini p1)" "[link]
enabled = false"
pr "the old token: ENOENT" ENOENT $RIA stat "$MT/links/$T4"
has "audited" "$(audit)" "	pa@example.com	share	/workspace/projects/p1	ok	project: link disabled: transferred"
hasnt "no token in the log" "$(audit)" "$T4"

# --- require_login = false and anonymous_links ---
mt_unmount
MT_CONFIG_EXTRA="[workspace]
anonymous_links = true" mt_write_config
mt_mount || fail "remount with anonymous_links"
ok "pa: p1 back to mia" as $PA sh -c "echo 'viewer@example.com analyst@example.com' >'$MT/admin/transfer'"
wr "mia: a link without login" OK $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[link]\nenabled = true\nrequire_login = false\n'
T5=$(token p1)
eq "unmapped: /links is there" "$(as $NOBODY ls -A "$MT/links" | wc -l)" "0"
eq "unmapped reads the link" "$(as $NOBODY ls "$MT/links/$T5")" "panels
slides.html"
eq "lead (no analysis_workspace) too" "$(as $LEAD ls "$MT/links/$T5")" "panels
slides.html"
pr "unmapped: a wrong token" ENOENT $NOBODY stat "$MT/links/0123456789abcdef0123456789abcdef"
pr "unmapped: still nothing else" ENOENT $NOBODY stat "$W"
wr "mia: require_login again" OK $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[link]\nenabled = true\nrequire_login = true\n'
pr "unmapped: refused" ENOENT $NOBODY stat "$MT/links/$T5"
has "audited without the token" "$(audit)" "lookup	/links	denied	link (its name withheld): needs a mapped user"
hasnt "no token" "$(audit)" "$T5"
wr "mia: without login once more" OK $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[link]\nenabled = true\nrequire_login = false\n'
pr "unmapped reads it" OK $NOBODY stat "$MT/links/$T5/panels"
mt_unmount
MT_CONFIG_EXTRA= mt_write_config
mt_mount || fail "remount without anonymous_links"
pr "anonymous_links off: unmapped refused" ENOENT $NOBODY stat "$MT/links/$T5"
pr "unmapped: no /links" ENOENT $NOBODY stat "$MT/links"
pr "ria (mapped, analysis_workspace) still reads it" OK $RIA stat "$MT/links/$T5"
pr "lead (no analysis_workspace) no longer" ENOENT $LEAD stat "$MT/links/$T5"
has "project.ini keeps what she wrote" "$(ini p1)" "require_login = false"
wr "writing it back unchanged is fine" OK $MIA "$P/p1/project.ini" "$(as $MIA cat "$P/p1/project.ini" | sed 's/$/\\n/' | tr -d '\n')"

# --- delete: the link goes with it; [limits] counts projects ---
ok "mia: rmdir the project" as $MIA rmdir "$P/p1"
has "audited delete" "$(audit)" "	analyst@example.com	delete	/workspace/projects/p1	ok	project"
pr "its link is gone" ENOENT $RIA stat "$MT/links/$T5"
owned() { as $PA sh -c "cat '$W'/*/*/*.ini" | grep -c "^owner = $1\$"; }
n=$(owned analyst@example.com)
mt_unmount
MT_CONFIG_EXTRA="workspace_objects = $n" mt_write_config
mt_mount || fail "remount with workspace_objects"
pr "mia: a project past [limits] workspace_objects" EDQUOT $MIA mkdir "$P/p3"
pr "nothing made" ENOENT $PA stat "$P/p3"
