#!/bin/sh
# onboard-third-party.sh - give a third party (an agency, a partner) access
# to some data views, run by the lead of that third party: the third-party
# use case of the Access Control document, in two steps by two people.
#
# usage:
#   onboard-third-party.sh MOUNT admin PROFILE LEAD_LOGIN VIEW...
#       As a product admin: create product profile PROFILE granting the
#       data views VIEW... with Analysis Workspace, delegate them (and
#       analysis_workspace) to its admins, to grant and to edit, and make
#       LEAD_LOGIN its product profile admin.
#   onboard-third-party.sh MOUNT lead PROFILE MEMBER...
#       As the lead (PROFILE's admin): add the team to PROFILE (MEMBER is
#       a login or group:NAME), then fit each data view PROFILE grants to
#       the team's needs, as set in the environment:
#         VIEW_DESCRIPTION  the views' new description
#         VIEW_FILTER       a row-level filter ANDed to the views' filter
#         COMPONENTS_DIR    a directory of NAME.ini components to add
#                           (or replace) in each view
#
# A product profile admin may change the profile's members, and in
# profile.ini and the data views only what the profile's [delegation]
# hands it (views to grant, tools to turn on, views to edit); it may not
# create a view, point one at another connection, or read reports (it is
# no member).  Each step reads back what it wrote; exit status 0 when all
# went through, 1 with a message otherwise.
set -eu

prog=${0##*/}
die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}
say() { printf '%s: %s\n' "$prog" "$*"; }
usage() {
	sed -n '2,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p}' "$0" >&2
	exit 2
}

[ $# -ge 3 ] || usage
MNT=$1 STEP=$2 PROFILE=$3
shift 3

ini_get() { sed -n "s/^$2 = //p" "$1"; }
# ini_sec FILE SECTION KEY: KEY of SECTION only (profile.ini has views and
# auto_include in [data_views] and in [delegation])
ini_sec() { sed -n "/^\[$2\]\$/,/^\[/s/^$3 = //p" "$1"; }
last_error() { head -n 1 "$MNT/errors" 2>/dev/null | cut -d' ' -f2-; }
# put FILE: write stdin to FILE (replacing it).  cjafs checks a file when it
# is closed: tee reports a refusal there, the shell's echo/printf do not.
put() {
	tee "$1" >/dev/null 2>&1 || die "$1 was refused: $(last_error)"
}
# in_list LIST ITEM: ITEM is in the comma-separated LIST
in_list() { case ", $1, " in *", $2, "*) return 0 ;; esac; return 1; }

[ -r "$MNT/whoami" ] || die "$MNT is not a cjafs mount"
P=$MNT/admin/profiles/$PROFILE
me=$(ini_get "$MNT/whoami" login)

# --- step 1: the product admin ---------------------------------------------
admin_step() {
	lead=$1
	shift
	why=$(ini_get "$MNT/whoami" manage_profiles)
	[ "$why" = allowed ] || die "$me may not create product profiles: $why"
	[ ! -e "$P" ] || die "profile $PROFILE exists already"
	for v in "$@"; do
		[ -d "$MNT/dataviews/$v" ] || die "no data view $v"
	done
	views=$(printf '%s\n' "$@" | LC_ALL=C sort -u | paste -sd, - | sed 's/,/, /g')

	mkdir "$P"
	trap '[ $? -eq 0 ] || printf "%s: profile %s is left as it is; remove it with: rm -r %s\n" "$prog" "$PROFILE" "$P" >&2' EXIT
	put "$P/profile.ini" <<EOF
[data_views]
auto_include = false
views = $views
[reporting_tools]
analysis_workspace = true
[delegation]
views = $views
tools = analysis_workspace
edit_views = $views
EOF
	echo "$lead" | put "$P/admins"

	# read back
	got=$(ini_sec "$P/profile.ini" data_views views)
	[ "$got" = "$views" ] || die "profile.ini: views read back as '$got', wrote '$views'"
	grep -qxF "$lead" "$P/admins" || die "$lead is not in $P/admins after the write"
	roles=$(ini_get "$MNT/admin/users/$lead" profile_admin_of)
	in_list "$roles" "$PROFILE" || die "/admin/users/$lead: profile_admin_of = $roles, without $PROFILE"
	say "created profile $PROFILE granting $views (analysis_workspace)"
	say "its admins may grant and edit $views and turn on analysis_workspace"
	say "$lead administers it; next, as $lead:"
	say "  $0 $MNT lead $PROFILE MEMBER..."
}

# --- step 2: the third party's lead ----------------------------------------
lead_step() {
	of=$(ini_get "$MNT/whoami" profile_admin_of)
	in_list "$of" "$PROFILE" || die "$me is no admin of profile $PROFILE (profile_admin_of = $of)"
	[ -z "${COMPONENTS_DIR:-}" ] || [ -d "$COMPONENTS_DIR" ] || die "COMPONENTS_DIR $COMPONENTS_DIR is no directory"

	# the team: append to members (the file keeps one entry a line,
	# sorted, without duplicates), then check each one is there
	for m in "$@"; do
		case $m in
		group:?* | ?*@?*) ;;
		*) die "'$m' is neither a login nor group:NAME" ;;
		esac
	done
	printf '%s\n' "$@" | tee -a "$P/members" >/dev/null 2>&1 ||
		die "$P/members was refused: $(last_error)"
	for m in "$@"; do
		grep -qxF "$m" "$P/members" || die "$m is not in $P/members after the write"
	done
	say "profile $PROFILE members: $(paste -sd, "$P/members" | sed 's/,/, /g')"

	if [ "$(ini_sec "$P/profile.ini" data_views auto_include)" = true ]; then
		say "profile $PROFILE grants every data view (auto_include): no view adjusted"
		return 0
	fi
	views=$(ini_sec "$P/profile.ini" data_views views | tr -d ',')
	[ -n "$views" ] || say "profile $PROFILE grants no data view yet"
	for v in $views; do
		adjust_view "$v"
	done
}

# adjust_view VIEW: description, filter, components, as the environment says
adjust_view() {
	V=$MNT/dataviews/$1
	[ -d "$V" ] || {
		say "data view $1 (granted by name) does not exist yet: skipped"
		return 0
	}
	[ -w "$V/dataview.ini" ] || die "may not edit data view $1: $(getfattr --only-values -n user.cjafs.why "$V/dataview.ini" 2>/dev/null | grep '^write' || true)"

	old_filter=$(ini_get "$V/dataview.ini" filter)
	filter=$old_filter
	if [ -n "${VIEW_FILTER:-}" ]; then
		case $old_filter in
		"") filter=$VIEW_FILTER ;;
		*"$VIEW_FILTER"*) ;; # there already: a second run adds nothing
		*) filter="($old_filter) and ($VIEW_FILTER)" ;;
		esac
	fi
	description=${VIEW_DESCRIPTION-$(ini_get "$V/dataview.ini" description)}
	# dataview.ini is replaced whole: keep every other key as it is
	new=$(NEW_D=$description NEW_F=$filter awk '
		/^description = / { print "description = " ENVIRON["NEW_D"]; next }
		/^filter = / { print "filter = " ENVIRON["NEW_F"]; next }
		{ print }' "$V/dataview.ini")
	printf '%s\n' "$new" | put "$V/dataview.ini"
	[ "$(ini_get "$V/dataview.ini" description)" = "$description" ] || die "view $1: description did not stick"
	[ "$(ini_get "$V/dataview.ini" filter)" = "$filter" ] || die "view $1: filter read back as '$(ini_get "$V/dataview.ini" filter)', wrote '$filter'"
	say "view $1: description '$description'"
	say "view $1: filter '$filter'"

	if [ -n "${COMPONENTS_DIR:-}" ]; then
		for c in "$COMPONENTS_DIR"/*.ini; do
			[ -e "$c" ] || continue
			n=${c##*/}
			cp "$c" "$V/components/$n" || die "view $1: component $n was refused: $(last_error)"
			want=$(sed -n 's/^ *field *= *//p' "$c")
			[ "$(ini_get "$V/components/$n" field)" = "$want" ] || die "view $1: component $n does not read back field $want"
			say "view $1: component ${n%.ini} (field $want)"
		done
	fi
	say "view $1: components $(ls "$V/components" | sed 's/\.ini$//' | paste -sd' ' -)"
}

case $STEP in
admin) [ $# -ge 2 ] || usage; admin_step "$@" ;;
lead) [ $# -ge 1 ] || usage; lead_step "$@" ;;
*) usage ;;
esac
