#!/bin/sh
# audit-last-hour.sh - who changed what in the last hour, from /audit/log.
#
# usage: audit-last-hour.sh MOUNT [SINCE]
#   SINCE: any time GNU date -d understands (default: "1 hour ago"),
#   e.g. "30 minutes ago", "today 00:00", "2026-01-31T12:00:00Z"
#
# Reads MOUNT/audit/log (product admins, and members of a profile with
# audit_logs_access), one line per change or denied attempt:
#   TIME<TAB>LOGIN<TAB>ACTION<TAB>PATH<TAB>RESULT<TAB>DETAIL
# with TIME in ISO-8601 UTC (2026-01-31T12:00:00Z), so that comparing the
# strings compares the times.  Prints the changes (RESULT ok) since SINCE
# counted by login, by action and by path, then the attempts that were
# denied or rejected.  Exit status 1 with a message when the log cannot be
# read or holds a line it does not understand.
set -eu

prog=${0##*/}
die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	sed -n '2,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p}' "$0" >&2
	exit 2
fi
MNT=$1
SINCE=${2:-1 hour ago}
LOG=$MNT/audit/log

[ -r "$MNT/whoami" ] || die "$MNT is not a cjafs mount"
[ -r "$LOG" ] || die "you may not read $LOG: $(getfattr --only-values -n user.cjafs.why "$LOG" 2>/dev/null | grep '^read' || echo 'needs product admin, or a profile with audit_logs_access')"
since=$(date -u -d "$SINCE" +%Y-%m-%dT%H:%M:%SZ) || die "cannot read '$SINCE' as a time"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# one pass over the log: the lines since SINCE, split into changes and
# attempts; a malformed line stops everything (its number is printed)
cat "$LOG" >"$tmp/log"
awk -F '\t' -v since="$since" -v ok="$tmp/ok" -v no="$tmp/no" '
	NF < 5 || $1 !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z$/ {
		printf "line %d: not an audit line: %s\n", NR, $0 > "/dev/stderr"
		exit 1
	}
	$1 < since { next }
	$5 == "ok" { print $2 "\t" $3 "\t" $4 > ok; next }
	{ print $2 "\t" $3 "\t" $4 "\t" $5 > no }
' "$tmp/log" || die "$LOG: unexpected content (see above)"
touch "$tmp/ok" "$tmp/no"

total=$(wc -l <"$tmp/log" | tr -d ' ')
changes=$(wc -l <"$tmp/ok" | tr -d ' ')
attempts=$(wc -l <"$tmp/no" | tr -d ' ')
[ $((changes + attempts)) -le "$total" ] || die "counted more lines than the log holds"

# count FIELD FILE: "N  value" lines, most frequent first
count() {
	cut -f "$1" "$2" | LC_ALL=C sort | uniq -c | sort -k1,1nr -k2 |
		awk '{ n = $1; sub(/^ *[0-9]+ /, ""); printf "  %6d  %s\n", n, $0 }'
}

echo "changes since $since: $changes (of $total lines in the log)"
if [ "$changes" -gt 0 ]; then
	echo
	echo "by login:"
	count 1 "$tmp/ok"
	echo "by action:"
	count 2 "$tmp/ok"
	echo "by path:"
	count 3 "$tmp/ok"
fi
echo
echo "denied or rejected attempts since $since: $attempts"
if [ "$attempts" -gt 0 ]; then
	# login, action, path, result
	LC_ALL=C sort "$tmp/no" | uniq -c | sort -k1,1nr |
		awk '{ n = $1; sub(/^ *[0-9]+ /, ""); gsub(/\t/, "  "); printf "  %6d  %s\n", n, $0 }'
fi
