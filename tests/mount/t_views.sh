#!/usr/bin/env bash
# Each role's view of the whole tree: every name it can see and the mode
# bits it gets, as `find -printf '%P %M'` shows them (the golden listings
# below were checked line by line against SPEC §6 and §7).
set -u
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002
as $SYS sh -c "printf 'pa@example.com\npa2@example.com\n' > $MT/admin/product-admins; printf 'dev\nprod\n' > $MT/admin/sandboxes; mkdir $MT/admin/platform/full"
as $PA sh -c "mkdir $MT/admin/profiles/thirdparty; echo lead@example.com > $MT/admin/profiles/thirdparty/admins; printf 'group:Analysts\nviewer@example.com\n' > $MT/admin/profiles/thirdparty/members; printf '[reporting_tools]\naudit_logs_access = true\n' > $MT/admin/profiles/thirdparty/profile.ini"

view() { as_g "$1" "${2:-$1}" find "$MT" -printf '%P %M\n' 2>&1 | sed "s|$MT|MT|" | LC_ALL=C sort; }

eq "view of 2001" "$(view 2001 )" "$(cat <<'EXPECT'
 dr-x------
README -r--------
admin dr-x------
admin/backup -r--------
admin/platform drwx------
admin/platform/full dr-x------
admin/platform/full/members -rw-------
admin/platform/full/platform.ini -rw-------
admin/product-admins -rw-------
admin/profiles dr-x------
admin/profiles/thirdparty dr-x------
admin/profiles/thirdparty/admins -r--------
admin/profiles/thirdparty/members -r--------
admin/profiles/thirdparty/profile.ini -r--------
admin/reporting-activity -r--------
admin/sandboxes -rw-------
admin/transfer -r--------
admin/users dr-x------
admin/users/analyst@example.com -r--------
admin/users/lead@example.com -r--------
admin/users/pa2@example.com -r--------
admin/users/pa@example.com -r--------
admin/users/sys@example.com -r--------
admin/users/viewer@example.com -r--------
audit d---------
connections d---------
dataviews dr-x------
errors -r--------
find: ‘MT/audit’: Permission denied
find: ‘MT/connections’: Permission denied
find: ‘MT/workspace’: Permission denied
links dr-x------
whoami -r--------
workspace d---------
EXPECT
)"
eq "view of 2002" "$(view 2002 )" "$(cat <<'EXPECT'
 dr-x------
README -r--------
admin dr-x------
admin/backup ----------
admin/platform dr-x------
admin/platform/full dr-x------
admin/platform/full/members -r--------
admin/platform/full/platform.ini -r--------
admin/product-admins -r--------
admin/profiles drwx------
admin/profiles/thirdparty dr-x------
admin/profiles/thirdparty/admins -rw-------
admin/profiles/thirdparty/members -rw-------
admin/profiles/thirdparty/profile.ini -rw-------
admin/reporting-activity -rw-------
admin/sandboxes -r--------
admin/transfer -rw-------
admin/users dr-x------
admin/users/analyst@example.com -r--------
admin/users/lead@example.com -r--------
admin/users/pa2@example.com -r--------
admin/users/pa@example.com -r--------
admin/users/sys@example.com -r--------
admin/users/viewer@example.com -r--------
audit dr-x------
audit/log -r--------
audit/log.1 -r--------
connections dr-x------
connections/usage -r--------
dataviews dr-x------
errors -r--------
links dr-x------
whoami -r--------
workspace dr-x------
workspace/annotations drwx------
workspace/audiences drwx------
workspace/calculated-metrics drwx------
workspace/date-ranges drwx------
workspace/projects drwx------
workspace/segments drwx------
EXPECT
)"
eq "view of 2004" "$(view 2004 )" "$(cat <<'EXPECT'
 dr-x------
README -r--------
admin dr-x------
admin/backup ----------
admin/platform d---------
admin/product-admins ----------
admin/profiles dr-x------
admin/profiles/thirdparty dr-x------
admin/profiles/thirdparty/admins -r--------
admin/profiles/thirdparty/members -rw-------
admin/profiles/thirdparty/profile.ini -rw-------
admin/reporting-activity ----------
admin/sandboxes ----------
admin/transfer ----------
admin/users d---------
audit d---------
connections d---------
dataviews dr-x------
errors -r--------
find: ‘MT/admin/platform’: Permission denied
find: ‘MT/admin/users’: Permission denied
find: ‘MT/audit’: Permission denied
find: ‘MT/connections’: Permission denied
find: ‘MT/workspace’: Permission denied
links dr-x------
whoami -r--------
workspace d---------
EXPECT
)"
eq "view of 2005 3001" "$(view 2005 3001)" "$(cat <<'EXPECT'
 dr-x------
README -r--------
admin d---------
audit dr-x------
audit/log -r--------
audit/log.1 -r--------
connections d---------
dataviews dr-x------
errors -r--------
find: ‘MT/admin’: Permission denied
find: ‘MT/connections’: Permission denied
find: ‘MT/workspace’: Permission denied
links dr-x------
whoami -r--------
workspace d---------
EXPECT
)"
eq "view of 2006" "$(view 2006 )" "$(cat <<'EXPECT'
 dr-x------
README -r--------
admin d---------
audit dr-x------
audit/log -r--------
audit/log.1 -r--------
connections d---------
dataviews dr-x------
errors -r--------
find: ‘MT/admin’: Permission denied
find: ‘MT/connections’: Permission denied
find: ‘MT/workspace’: Permission denied
links dr-x------
whoami -r--------
workspace d---------
EXPECT
)"
eq "view of 2999" "$(view 2999 )" "$(cat <<'EXPECT'
 dr-x------
README -r--------
whoami -r--------
EXPECT
)"
