#!/bin/sh
# dataview-report.sh - build a data view on a connection with a bucketed
# numeric dimension (value-level access: readers see bands, never the
# values), then read its reports.
#
# usage: dataview-report.sh MOUNT VIEW CONNECTION FIELD BUCKETS [DIMENSION...]
#   e.g. dataview-report.sh /mnt/cjafs shop-bands shop amount \
#            '0-50:small, 50-200:medium, 200-:large' category page
#
# Creates data view VIEW on CONNECTION with these components:
#   FIELD_band   a dimension over FIELD, bucketed by BUCKETS (LOW-HIGH:LABEL,
#                comma-separated; LOW- is open-ended; other values: Other)
#   DIMENSION    one plain dimension per extra argument (any field of the
#                connection's datasets, lookup fields included, or day)
#   events       metric: occurrences
#   people       metric: distinct people
# and prints report/*.csv.  Run it as a product admin with the platform
# permissions for data views.
#
# Environment (optional): TIMEZONE (default UTC), FILTER (row-level
# filter, SPEC §4), DESCRIPTION.
#
# It checks what it reads: every band is a label of BUCKETS or Other, no
# raw value of FIELD shows, and each report accounts for every event of
# rows.csv.  Exit status 0 when all holds; 1 with a message otherwise.
set -eu

prog=${0##*/}
die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}
say() { printf '%s: %s\n' "$prog" "$*"; }

[ $# -ge 5 ] || {
	sed -n '2,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p}' "$0" >&2
	exit 2
}
MNT=$1 VIEW=$2 CONN=$3 FIELD=$4 BUCKETS=$5
shift 5
TIMEZONE=${TIMEZONE:-UTC}
FILTER=${FILTER:-}
DESCRIPTION=${DESCRIPTION:-}
BAND=${FIELD}_band

ini_get() { sed -n "s/^$2 = //p" "$1"; }
last_error() { head -n 1 "$MNT/errors" 2>/dev/null | cut -d' ' -f2-; }
# put FILE: write stdin to FILE.  cjafs checks a file when it is closed, so
# the writer must be a program that checks close(2): the shell's own echo
# and printf do not.  tee opens FILE itself: after `cat >FILE` the shell
# holds the open, and cat's fstat of a new component file fails (ENOENT).
put() {
	tee "$1" >/dev/null 2>&1 || die "$1 was refused: $(last_error)"
}
# column NAME CSVFILE: NAME's position counted from the end of the header
# (1 = last); metrics come last, so this holds when a dimension value
# carries a quoted comma
col_from_end() {
	head -n 1 "$2" | awk -F, -v n="$1" '{ for (i = 1; i <= NF; i++) if ($i == n) { print NF - i; exit } }'
}

# --- preflight ---
[ -r "$MNT/whoami" ] || die "$MNT is not a cjafs mount"
why=$(ini_get "$MNT/whoami" manage_dataviews)
[ "$why" = allowed ] || die "you may not create data views: $why"
V=$MNT/dataviews/$VIEW
[ ! -e "$V" ] || die "data view $VIEW exists already (remove it with: rm -r $V)"
state=$(ini_get "$MNT/connections/$CONN/status" state 2>/dev/null) || die "no connection $CONN"
[ "$state" = complete ] || die "connection $CONN is $state: it needs an event dataset"
labels=$(echo "$BUCKETS" | tr ',' '\n' | sed -n 's/^ *[0-9.]*-[0-9.]*:\(.*[^ ]\) *$/\1/p')
[ -n "$labels" ] || die "BUCKETS '$BUCKETS' has no LOW-HIGH:LABEL item"

# --- the data view and its components ---
tmp=$(mktemp -d)
made=
on_exit() {
	st=$?
	rm -rf "$tmp"
	if [ "$st" -ne 0 ] && [ -n "$made" ]; then
		printf '%s: data view %s is left as it is; remove it with: rm -r %s\n' "$prog" "$VIEW" "$V" >&2
	fi
}
trap on_exit EXIT
mkdir "$V"
made=1
put "$V/dataview.ini" <<EOF
[dataview]
description = $DESCRIPTION
connection = $CONN
timezone = $TIMEZONE
filter = $FILTER
EOF
ini=$(cat "$V/dataview.ini")
[ "$(echo "$ini" | ini_get - connection)" = "$CONN" ] || die "dataview.ini: connection did not stick"
[ "$(echo "$ini" | ini_get - timezone)" = "$TIMEZONE" ] || die "dataview.ini: timezone did not stick"
say "created data view $VIEW on $CONN (time zone $TIMEZONE${FILTER:+, filter: $FILTER})"

put "$V/components/$BAND.ini" <<EOF
[component]
kind = dimension
field = $FIELD
[bucketing]
buckets = $BUCKETS
EOF
for dim in "$@"; do
	printf '[component]\nkind = dimension\nfield = %s\n' "$dim" | put "$V/components/$dim.ini"
done
printf '[component]\nkind = metric\nfield = occurrences\n' | put "$V/components/events.ini"
printf '[component]\nkind = metric\nfield = people\n' | put "$V/components/people.ini"

# read back: the buckets as stored, the components and reports there are
stored=$(ini_get "$V/components/$BAND.ini" buckets)
[ -n "$stored" ] || die "$BAND.ini has no buckets after the write"
say "component $BAND: $FIELD in buckets $stored"
want_reports=$(printf '%s.csv\n' "$BAND" "$@" | LC_ALL=C sort -u)
got_reports=$(ls "$V/report" | LC_ALL=C sort)
[ "$got_reports" = "$want_reports" ] || die "report/ holds '$(echo "$got_reports" | paste -sd' ' -)', expected '$(echo "$want_reports" | paste -sd' ' -)'"

# --- the reports ---
cat "$V/rows.csv" >"$tmp/rows.csv"
events=$(($(wc -l <"$tmp/rows.csv") - 1))
[ "$events" -ge 0 ] || die "rows.csv is empty: no header"
[ "$events" -gt 0 ] || say "warning: the view shows no events (data window, filter?)"
say "rows.csv: $events events"

for r in $got_reports; do
	cat "$V/report/$r" >"$tmp/$r"
	echo
	echo "== report/$r"
	sed 's/^/   /' "$tmp/$r"
	off=$(col_from_end events "$tmp/$r")
	[ -n "$off" ] || die "report/$r has no events column: $(head -n 1 "$tmp/$r")"
	sum=$(awk -F, -v o="$off" 'NR > 1 { s += $(NF - o) } END { print s + 0 }' "$tmp/$r")
	[ "$sum" -eq "$events" ] || die "report/$r counts $sum events, rows.csv has $events"
done
echo

# value-level access: the band column holds labels (or Other), never values
allowed=$(printf '%s\nOther\n' "$labels")
bad=$(tail -n +2 "$tmp/$BAND.csv" | cut -d, -f1 | grep -vxF "$allowed" || true)
[ -z "$bad" ] || die "report/$BAND.csv shows values that are no band: $(echo "$bad" | paste -sd' ' -)"
bcol=$(head -n 1 "$tmp/rows.csv" | tr ',' '\n' | grep -nx "$BAND" | cut -d: -f1)
[ -n "$bcol" ] || die "rows.csv has no $BAND column"
# (split on commas: when some value is quoted, which it is when it holds
# a comma, the columns cannot be cut that way, and this check is skipped)
if ! grep -q '"' "$tmp/rows.csv"; then
	raw=$(tail -n +2 "$tmp/rows.csv" | cut -d, -f"$bcol" | grep -cvxF "$allowed" || true)
	[ "$raw" -eq 0 ] || die "rows.csv shows $raw raw values of $FIELD"
fi
say "ok: $(tail -n +2 "$tmp/$BAND.csv" | wc -l | tr -d ' ') bands, every report accounts for all $events events"
