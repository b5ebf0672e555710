#!/bin/sh
# connection-ingest.sh - create a connection with an event dataset and a
# lookup dataset, declare both, ingest their CSV files, check the result.
#
# usage: connection-ingest.sh MOUNT CONNECTION EVENTS.csv LOOKUP.csv
#
# Run it as a product admin whose platform profiles give the connection
# permissions (view_schemas, manage_schemas, view_datasets, manage_datasets,
# manage_sources, view_identity_namespaces) and a sandbox.
#
# Each CSV file starts with a header line naming its columns: they become
# the dataset's fields.  The datasets are named after the files
# (events.csv -> events, products.csv -> products).  One row a line: the
# counts below assume no quoted newlines.
#
# Environment (all optional):
#   SANDBOX       the connection's sandbox     (default: your first one)
#   DESCRIPTION   the connection's description
#   PERSON_ID     the event field naming the person  (default: person_id)
#   TIMESTAMP     the event field holding the time   (default: timestamp)
#   LOOKUP_KEY    the lookup field to match          (default: its first column)
#   MATCHING_KEY  the event field it matches         (default: LOOKUP_KEY)
#
# Exit status 0 when every row was ingested; 1 with a message otherwise.
set -eu

prog=${0##*/}
die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}
say() { printf '%s: %s\n' "$prog" "$*"; }

[ $# -eq 4 ] || {
	sed -n '2,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p}' "$0" >&2
	exit 2
}
MNT=$1 CONN=$2 EVENTS=$3 LOOKUP=$4
PERSON_ID=${PERSON_ID:-person_id}
TIMESTAMP=${TIMESTAMP:-timestamp}
DESCRIPTION=${DESCRIPTION:-}

# ini_get FILE KEY: the value of KEY in a canonical cjafs .ini (or - for stdin)
ini_get() { sed -n "s/^$2 = //p" "$1"; }
# the newest line of /errors, without its time stamp: why a write was refused
last_error() { head -n 1 "$MNT/errors" 2>/dev/null | cut -d' ' -f2-; }
# put FILE: write stdin to FILE.  cjafs checks a file when it is closed, so
# the writer must be a program that checks close(2): the shell's own echo
# and printf do not.  tee opens FILE itself: after `cat >FILE` the shell
# holds the open, and cat's fstat of a new component file fails (ENOENT).
put() {
	tee "$1" >/dev/null 2>&1 || die "$1 was refused: $(last_error)"
}
# csv_header FILE: the header line as a cjafs list ("a, b, c")
csv_header() { head -n 1 "$1" | tr -d '\r' | sed 's/ *, */, /g'; }
# data_lines FILE: the rows after the header
data_lines() { awk 'NR > 1 && $0 !~ /^\r?$/' "$1" | wc -l | tr -d ' '; }

# --- preflight: the mount, the caller, the input ---
[ -r "$MNT/whoami" ] || die "$MNT is not a cjafs mount"
why=$(ini_get "$MNT/whoami" manage_connections)
[ "$why" = allowed ] || die "you may not manage connections: $why"
for f in "$EVENTS" "$LOOKUP"; do
	[ -r "$f" ] || die "cannot read $f"
	[ -n "$(csv_header "$f")" ] || die "$f: no header line"
done
EV=$(basename "$EVENTS" .csv)
LK=$(basename "$LOOKUP" .csv)
[ "$EV" != "$LK" ] || die "both files would make a dataset named $EV"
ev_fields=$(csv_header "$EVENTS")
lk_fields=$(csv_header "$LOOKUP")
LOOKUP_KEY=${LOOKUP_KEY:-${lk_fields%%,*}}
MATCHING_KEY=${MATCHING_KEY:-$LOOKUP_KEY}
has_field() { case ", $1, " in *", $2, "*) return 0 ;; esac; return 1; }
has_field "$ev_fields" "$PERSON_ID" || die "$EVENTS has no column $PERSON_ID (set PERSON_ID)"
has_field "$ev_fields" "$TIMESTAMP" || die "$EVENTS has no column $TIMESTAMP (set TIMESTAMP)"
has_field "$ev_fields" "$MATCHING_KEY" || die "$EVENTS has no column $MATCHING_KEY (set MATCHING_KEY)"
has_field "$lk_fields" "$LOOKUP_KEY" || die "$LOOKUP has no column $LOOKUP_KEY (set LOOKUP_KEY)"

C=$MNT/connections/$CONN
[ ! -e "$C" ] || die "connection $CONN exists already (remove it with: rm -r $C)"

# --- the connection ---
mkdir "$C" || die "cannot create connection $CONN (getfattr --only-values -n user.cjafs.why $MNT/connections says why)"
trap '[ $? -eq 0 ] || printf "%s: connection %s is left as it is; remove it with: rm -r %s\n" "$prog" "$CONN" "$C" >&2' EXIT
SANDBOX=${SANDBOX:-$(ini_get "$C/connection.ini" sandbox)}
put "$C/connection.ini" <<EOF
[connection]
description = $DESCRIPTION
sandbox = $SANDBOX
EOF
ini=$(cat "$C/connection.ini")
[ "$(echo "$ini" | ini_get - sandbox)" = "$SANDBOX" ] || die "connection.ini: sandbox did not stick"
[ "$(echo "$ini" | ini_get - description)" = "$DESCRIPTION" ] || die "connection.ini: description did not stick"
say "created connection $CONN (sandbox $SANDBOX)"
state=$(ini_get "$C/status" state)
[ "$state" = incomplete ] || die "a connection without datasets should be incomplete, status says '$state'"

# --- the datasets ---
mkdir "$C/datasets/$EV" "$C/datasets/$LK"
put "$C/datasets/$EV/dataset.ini" <<EOF
[dataset]
type = event
person_id = $PERSON_ID
timestamp = $TIMESTAMP
fields = $ev_fields
EOF
put "$C/datasets/$LK/dataset.ini" <<EOF
[dataset]
type = lookup
key = $LOOKUP_KEY
matching_key = $MATCHING_KEY
fields = $lk_fields
EOF
# read back what was declared
for d in "$EV:event:$ev_fields" "$LK:lookup:$lk_fields"; do
	name=${d%%:*} rest=${d#*:}
	ini=$(cat "$C/datasets/$name/dataset.ini")
	[ "$(echo "$ini" | ini_get - type)" = "${rest%%:*}" ] || die "dataset $name: type did not stick"
	[ "$(echo "$ini" | ini_get - fields)" = "${rest#*:}" ] || die "dataset $name: fields read back as '$(echo "$ini" | ini_get - fields)'"
	[ "$(ini_get "$C/datasets/$name/status" state)" = complete ] || die "dataset $name is incomplete"
done
say "declared dataset $EV (event: $ev_fields)"
say "declared dataset $LK (lookup: $lk_fields; $LOOKUP_KEY = $MATCHING_KEY)"
state=$(ini_get "$C/status" state)
[ "$state" = complete ] || die "connection should be complete with an event dataset, status says '$state'"

# --- ingest: cp onto records appends the rows; the header is skipped ---
ingest() { # FILE DATASET
	st=$C/datasets/$2/status
	in0=$(ini_get "$st" ingested) sk0=$(ini_get "$st" skipped)
	want=$(data_lines "$1")
	cp "$1" "$C/datasets/$2/records" || die "ingest of $1 into $2 failed: $(last_error)"
	in1=$(ini_get "$st" ingested) sk1=$(ini_get "$st" skipped)
	got=$((in1 - in0)) skipped=$((sk1 - sk0))
	if [ "$skipped" -ne 0 ] || [ "$got" -ne "$want" ]; then
		reasons=$(sed -n 's/^skipped_\(.*\) = \([1-9][0-9]*\)$/\1 \2/p' "$st" | paste -sd, - | sed 's/,/, /g')
		die "$2: $got of $want rows ingested, $skipped skipped (the dataset's skips by reason: $reasons)"
	fi
	say "ingested $got rows into $2"
}
ingest "$EVENTS" "$EV"
ingest "$LOOKUP" "$LK"

# --- the connection's status and usage ---
st=$(cat "$C/status")
rows=$(echo "$st" | ini_get - rows)
want=$(($(data_lines "$EVENTS") + $(data_lines "$LOOKUP")))
[ "$rows" -eq "$want" ] || die "status says $rows rows, expected $want"
[ "$(echo "$st" | ini_get - datasets)" -eq 2 ] || die "status should count 2 datasets"
say "connection $CONN: state $(echo "$st" | ini_get - state), $rows rows, last change by $(echo "$st" | ini_get - last_change_by)"
grep "^$CONN," "$MNT/connections/usage" | sed "s/^/$prog: usage: /"
