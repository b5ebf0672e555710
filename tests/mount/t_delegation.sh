#!/usr/bin/env bash
# [delegation] of profile.ini (SPEC §3.5, §6) on a real mount.
#
# The attack: the admin of a product profile (lead, uid 2004) tries to
# lift every protection by promoting itself: auto_include and
# full_table_export in its own profile.ini, a [delegation] of its own,
# itself as a member, then reading rows.csv and editing the view's
# filter and a component that buckets values.  Every step that needs a
# delegation it does not have is refused (EACCES at close), names what
# is not delegated in /errors and user.cjafs.why, leaves one audit line,
# and changes nothing (profile.ini and the view are diffed before and
# after).  Then the third-party use case of the access-control seed: a
# product admin creates profile thirdparty, delegates its views and
# analysis_workspace to it and names lead its admin; lead grants them to
# its people, edits the view it was given to edit, turns off what it may
# turn off and keeps what a product admin set.
set -u
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002 LEAD=2004 ANALYST=2005
P=$MT/admin/profiles/thirdparty
V=$MT/dataviews
PERMS="view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces"

# wr DESC ERRNO UID PATH CONTENT: open O_TRUNC, write, close (printf
# escapes); OK or the errno name of whichever call failed
wr() { errno_is "$1" "$2" as "$3" bash -c "$(declare -f probe); probe write '$4' '$5'"; }
put() { as "$1" sh -c "printf '$3' >'$2'"; }
audit_lines() { as $PA sh -c "wc -l <'$MT/audit/log'"; }
audit_tail() { as $PA tail -n 1 "$MT/audit/log"; }
errors_tail() { as "$1" head -n 1 "$MT/errors"; }  # newest first
why() { as "$1" getfattr --only-values -n user.cjafs.why "$2" 2>/dev/null; }
state() {
	as $PA sh -c "cat '$P/profile.ini' '$P/members' '$P/admins' \
		'$V/web/dataview.ini' '$V/web/components/amount.ini' \
		'$V/shop/dataview.ini'"
}

# --- the world, as system and product admins ---
put $SYS "$MT/admin/product-admins" 'pa@example.com\n'
put $SYS "$MT/admin/sandboxes" 'prod\n'
as $SYS mkdir "$MT/admin/platform/full"
put $SYS "$MT/admin/platform/full/platform.ini" "[platform]\nsandboxes = prod\npermissions = $PERMS\n"
put $SYS "$MT/admin/platform/full/members" 'pa@example.com\n'
as $PA mkdir "$MT/connections/c1" "$MT/connections/c1/datasets/ev"
put $PA "$MT/connections/c1/connection.ini" '[connection]\nsandbox = prod\n'
put $PA "$MT/connections/c1/datasets/ev/dataset.ini" '[dataset]\ntype = event\nperson_id = pid\ntimestamp = ts\nfields = pid, ts, page, amount\n'
day=$(date -u -d '2 days ago' +%Y-%m-%dT10:00:00Z)
put $PA "$MT/connections/c1/datasets/ev/records" "p1,$day,home,15\np2,$day,cart,250\n"
for v in web shop; do
	as $PA mkdir "$V/$v"
	put $PA "$V/$v/dataview.ini" "[dataview]\nconnection = c1\nfilter = page = home\n"
done
put $PA "$V/web/components/amount.ini" '[component]\nfield = amount\n[bucketing]\nbuckets = 0-100:low, 100-:high\n'
put $PA "$V/web/components/n.ini" '[component]\nkind = metric\nfield = occurrences\n'

# the profile: grants web with analysis_workspace; its admins may grant
# web and shop and analysis_workspace, and edit web (not shop)
as $PA mkdir "$P"
put $PA "$P/admins" 'lead@example.com\n'
put $PA "$P/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\n[delegation]\nviews = web, shop\ntools = analysis_workspace\nedit_views = web\n'
eq "canonical [delegation]" "$(as $PA sed -n '/^\[delegation\]/,$p' "$P/profile.ini")" "[delegation]
views = shop, web
tools = analysis_workspace
auto_include = false
edit_views = web"
ini=$(as $LEAD cat "$P/profile.ini")

# --- the attack, step by step, as lead ---
before=$(state)
nau=$(audit_lines)

wr "lead: auto_include = true" EACCES $LEAD "$P/profile.ini" "${ini/auto_include = false/auto_include = true}"
has "errors: auto_include" "$(errors_tail $LEAD)" "/admin/profiles/thirdparty/profile.ini:2: auto_include is not delegated to this profile's admins"
has "audit: auto_include" "$(audit_tail)" "	lead@example.com	write	/admin/profiles/thirdparty/profile.ini	denied	auto_include is not delegated to this profile's admins"

wr "lead: full_table_export = true" EACCES $LEAD "$P/profile.ini" "${ini/full_table_export = false/full_table_export = true}"
has "errors: full_table_export" "$(errors_tail $LEAD)" "profile.ini:22: tool full_table_export is not delegated to this profile's admins"
has "audit: full_table_export" "$(audit_tail)" "	lead@example.com	write	/admin/profiles/thirdparty/profile.ini	denied	tool full_table_export is not delegated"

wr "lead: a view not delegated" EACCES $LEAD "$P/profile.ini" "${ini/views = web/views = other, web}"
has "errors: view" "$(errors_tail $LEAD)" "profile.ini:3: data view other is not delegated to this profile's admins"

wr "lead: delegate itself full_table_export" EACCES $LEAD "$P/profile.ini" "${ini/tools = analysis_workspace/tools = analysis_workspace, full_table_export}"
has "errors: [delegation]" "$(errors_tail $LEAD)" "[delegation] tools: needs role product admin to change [delegation]"
wr "lead: delegate itself edit_views shop" EACCES $LEAD "$P/profile.ini" "${ini/edit_views = web/edit_views = shop, web}"
wr "lead: drop its own [delegation] explicitly" EACCES $LEAD "$P/profile.ini" "${ini/edit_views = web/edit_views = }"
# the whole attack in one write is refused too, naming the first step
wr "lead: everything at once" EACCES $LEAD "$P/profile.ini" '[data_views]\nauto_include = true\n[data_view_tools]\nfull_table_export = true\n[delegation]\nauto_include = true\ntools = full_table_export\n'
eq "audit: one line per refused write" "$(($(audit_lines) - nau))" 7
eq "attack: profile.ini and the views as they were" "$(state)" "$before"
diff <(echo "$ini") <(as $LEAD cat "$P/profile.ini") >/dev/null && pass || fail "profile.ini changed"

# members are its own: it adds itself, and is then a member
ok "lead: add itself to members" put $LEAD "$P/members" 'lead@example.com\n'
errno_is "lead (member): rows.csv still refused" EACCES as $LEAD bash -c "$(declare -f probe); probe read '$V/web/rows.csv'"
errno_is "lead: shop not granted" ENOENT as $LEAD bash -c "$(declare -f probe); probe read '$V/shop/dataview.ini'"
ok "lead: remove itself from members" put $LEAD "$P/members" ''

# the protections of a view it was not given to edit stay
put $PA "$P/profile.ini" '[data_views]\nviews = web, shop\n[reporting_tools]\nanalysis_workspace = true\n[delegation]\nviews = web, shop\ntools = analysis_workspace\nedit_views = web\n'
before=$(state)
nau=$(audit_lines)
wr "lead: shop's filter (not in edit_views)" EACCES $LEAD "$V/shop/dataview.ini" '[dataview]\nconnection = c1\nfilter = \n'
has "errors: shop" "$(errors_tail $LEAD)" "data view shop is not in [delegation] edit_views of a profile you administer"
has "audit: shop" "$(audit_tail)" "	lead@example.com	write	/dataviews/shop/dataview.ini	denied	data view shop is not in [delegation] edit_views of a profile you administer"
has "why: shop dataview.ini" "$(why $LEAD "$V/shop/dataview.ini")" "write: denied: data view shop is not in [delegation] edit_views of a profile you administer"
pc "lead: new component in shop" EACCES $LEAD "$V/shop/components/x.ini" '[component]\nfield = page\n'
eq "nothing changed" "$(state)" "$before"
eq "audit: refused attempts" "$(($(audit_lines) - nau))" 2

why_ini=$(why $LEAD "$P/profile.ini")
has "why profile.ini: write allowed" "$why_ini" "write: allowed"
has "why profile.ini: [delegation]" "$why_ini" "write [delegation]: denied: needs role product admin to change [delegation]"
has "why profile.ini: what it may turn on" "$why_ini" "turn on: only what [delegation] lists (views = shop, web; tools = analysis_workspace; auto_include = false)"
has "why profile.ini as pa" "$(why $PA "$P/profile.ini")" "write [delegation]: allowed"

# --- the third-party flow ---
put $PA "$P/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\nlabs = true\n[delegation]\nviews = web, shop\ntools = analysis_workspace\nedit_views = web\n'
ini=$(as $LEAD cat "$P/profile.ini")
ok "lead: grants its team" put $LEAD "$P/members" 'analyst@example.com\n'
ok "lead: grants a delegated view" as $LEAD sh -c "sed -i 's/^views = web\$/views = shop, web/' '$P/profile.ini'"
has "analyst sees shop" "$(as $ANALYST ls "$V")" "shop"
ok "lead: keeps labs (set by pa), turns analysis_workspace off" as $LEAD sh -c "sed -i 's/^analysis_workspace = true\$/analysis_workspace = false/' '$P/profile.ini'"
has "labs kept" "$(as $PA cat "$P/profile.ini")" "labs = true"
ok "lead: turns analysis_workspace on again (delegated)" as $LEAD sh -c "sed -i 's/^analysis_workspace = false\$/analysis_workspace = true/' '$P/profile.ini'"
ok "lead: a profile.ini without [delegation] keeps it" put $LEAD "$P/profile.ini" '[data_views]\nviews = shop, web\n[reporting_tools]\nanalysis_workspace = true\nlabs = true\n'
has "[delegation] kept" "$(as $PA cat "$P/profile.ini")" "[delegation]
views = shop, web
tools = analysis_workspace
auto_include = false
edit_views = web"
wr "lead: labs off" OK $LEAD "$P/profile.ini" '[data_views]\nviews = shop, web\n[reporting_tools]\nanalysis_workspace = true\n'
wr "lead: labs on" EACCES $LEAD "$P/profile.ini" '[data_views]\nviews = shop, web\n[reporting_tools]\nanalysis_workspace = true\nlabs = true\n'
has "errors: labs" "$(errors_tail $LEAD)" "profile.ini:5: tool labs is not delegated to this profile's admins"
wr "lead: edits web (in edit_views)" OK $LEAD "$V/web/dataview.ini" '[dataview]\nconnection = c1\ndescription = for the team\nfilter = page = home\n'
has "why: web writable" "$(why $LEAD "$V/web/dataview.ini")" "write: allowed"
has "why: web component writable" "$(why $LEAD "$V/web/components/amount.ini")" "write: allowed"
has "analyst reads web's report" "$(as $ANALYST cat "$V/web/report/amount.csv")" "low"
wr "pa: takes edit_views back" OK $PA "$P/profile.ini" '[data_views]\nviews = shop, web\n[reporting_tools]\nanalysis_workspace = true\n[delegation]\nviews = web, shop\ntools = analysis_workspace\n'
wr "lead: web no longer" EACCES $LEAD "$V/web/components/amount.ini" '[component]\nfield = amount\n'
has "why: web component" "$(why $LEAD "$V/web/components/amount.ini")" "write: denied: data view web is not in [delegation] edit_views of a profile you administer"
wr "pa: the delegation is a product admin's" OK $PA "$P/profile.ini" '[data_views]\nviews = web\n'
eq "pa: [delegation] gone" "$(as $PA sed -n '/^\[delegation\]/,$p' "$P/profile.ini")" "[delegation]
views = 
tools = 
auto_include = false
edit_views = "
wr "lead: shop no longer delegated" EACCES $LEAD "$P/profile.ini" '[data_views]\nviews = shop, web\n'
wr "lead: still turns web off" OK $LEAD "$P/profile.ini" '[data_views]\nviews = \n'
