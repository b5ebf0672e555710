#!/usr/bin/env bash
# Audit log bounds: an unmapped caller hammering one denied attempt leaves
# its first line and one "(repeated N more times)" line with the right N;
# a mapped caller without roles trying ever new names is held to its rate
# (AUDIT_BURST lines, then AUDIT_RATE a second) and the rest is counted in
# one "suppressed" line; the store grows by little.  Fields hold no line
# break of any kind (U+2028 and NEL in a login and in a detail).  user.cjafs.why names
# an unmapped caller.  With a small [limits] audit_bytes the live log and
# /audit/log.1 stay within it, and log.1 reads as the log does (product
# admin yes, viewer no, unmapped not even its name).
set -u
. "$(dirname "$0")/lib.sh"

SYS=2001 PA=2002 VIEWER=2006 NOBODY=2999 ODD=2007
U2028=$(printf '\342\200\250')
NEL=$(printf '\302\205')
ODD_LOGIN="od${U2028}d${NEL}x@example.com"
MT_CONFIG_EXTRA="[users]
$ODD = $ODD_LOGIN"
mt_setup
STORE="$MT_DIR/store.tdb"
BURST=200 RATE=20
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

ok "sys makes pa a product admin" as $SYS sh -c "printf 'pa@example.com\n' >'$MT/admin/product-admins'"

# flood UID MODE LIMIT: denied attempts as UID, as fast as it can, for
# LIMIT seconds (MODE readme: open /README for writing) or LIMIT attempts
# (MODE mkdir: mkdir /connections/fN, a new name each time); prints
# "ATTEMPTS SECONDS".
flood() {
	as "$1" "$PY" - "$MT" "$2" "$3" <<'PY'
import os, sys, time
mnt, mode, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
t0 = time.monotonic()
n = 0
while True:
    if mode == "readme":
        if time.monotonic() - t0 >= limit:
            break
        try:
            os.close(os.open(mnt + "/README", os.O_WRONLY))
        except PermissionError:
            pass
    else:
        if n >= limit:
            break
        try:
            os.mkdir("%s/connections/f%d" % (mnt, n))
        except PermissionError:
            pass
    n += 1
print(n, int(time.monotonic() - t0) + 1)
PY
}

log() { as $PA cat "$MT/audit/log"; }
size0=$(stat -c %s "$STORE")

# --- one denied attempt, hammered by an unmapped caller ---
read -r n _ < <(flood $NOBODY readme 3)
text=$(log)
mine=$(printf '%s\n' "$text" | grep -c "	uid:$NOBODY	")
eq "unmapped flood of $n attempts: two lines" "$mine" 2
has "the first line is written" "$text" "	uid:$NOBODY	write	/README	denied	read-only file
"
has "the repeats are one line with their count" "$text" "	uid:$NOBODY	write	/README	denied	read-only file (repeated $((n - 1)) more times)"

# --- ever new names, by a mapped caller without roles ---
read -r n secs < <(flood $VIEWER mkdir 1000)
text=$(log)
written=$(printf '%s\n' "$text" | grep -c "	viewer@example.com	mkdir	/connections/f")
over=$(printf '%s\n' "$text" | sed -n "s/.*	viewer@example.com	suppressed	-	denied	\([0-9]*\) denied attempts over the rate.*/\1/p")
if [ "$written" -ge $BURST ] && [ "$written" -le $((BURST + RATE * secs)) ]; then pass; else
	fail "viewer's $n distinct denials in ${secs}s: $written lines, want $BURST..$((BURST + RATE * secs))"
fi
eq "the rest is counted in one suppressed line" "$((written + ${over:-0}))" "$n"
has "the suppressed line names the first one" "$text" "(first: mkdir /connections/f"

grown=$(($(stat -c %s "$STORE") - size0))
if [ "$grown" -le $((256 * 1024)) ]; then pass; else
	fail "the store grew by $grown bytes during the floods"
fi

# --- no line break inside a field: U+2028 and NEL in a login ---
errno_is "the odd login is denied mkdir" EACCES as $ODD bash -c "$(declare -f probe); probe mkdir '$MT/connections/odd'"
# and in a DETAIL: a rejected profile.ini quotes the key it refuses
ok "pa makes a profile" as $PA mkdir "$MT/admin/profiles/p"
errno_is "a key with U+2028 and NEL is rejected" EINVAL as $PA bash -c "$(declare -f probe); probe write '$MT/admin/profiles/p/profile.ini' '[data_views]\\nk\\u2028e\\x85y = 1\\n'"
has "the detail's line breaks are spaces" "$(log)" "k e y"
bad=$(as $PA "$PY" -c '
import sys
text = open(sys.argv[1], "rb").read().decode("utf-8")
print(sum(1 for l in text.splitlines() if len(l.split("\t")) != 6))
' "$MT/audit/log")
eq "every line has six fields for a Unicode line splitter" "$bad" 0
has "the login's line breaks are spaces" "$(log)" "	od d x@example.com	mkdir	/connections/odd	denied	"

# --- why, for an unmapped caller ---
why=$(as $NOBODY getfattr --only-values -n user.cjafs.why "$MT/whoami" 2>/dev/null)
has "why names the unmapped caller" "$why" "login: none (uid $NOBODY is not mapped)"
hasnt "why prints no (null)" "$why" "(null)"

# --- rotation: a small audit_bytes ---
mt_unmount
MT_CONFIG_EXTRA="$MT_CONFIG_EXTRA
[limits]
audit_bytes = 8192"
mt_write_config
mt_mount || { fail "remount with audit_bytes"; exit 1; }
size1=$(stat -c %s "$STORE")
# changes by the system admin: never held back, ~80 bytes a line
as $SYS sh -c "for i in \$(seq 1 300); do printf 'x%s\n' \$i >'$MT/admin/sandboxes'; done" 2>/dev/null
live=$(as $PA cat "$MT/audit/log")
arch=$(as $PA cat "$MT/audit/log.1")
lsz=$(printf '%s\n' "$live" | wc -c) asz=$(printf '%s\n' "$arch" | wc -c)
if [ "$lsz" -gt 1 ] && [ "$lsz" -le $((4096 + 512)) ]; then pass; else fail "live log of $lsz bytes"; fi
if [ "$asz" -gt 3000 ] && [ "$asz" -le $((4096 + 512)) ]; then pass; else fail "archive of $asz bytes"; fi
hasnt "the oldest lines are gone" "$live$arch" "	init	"
has "the newest line is live" "$(printf '%s\n' "$live" | tail -n 1)" "	sys@example.com	write	/admin/sandboxes	ok	"
as $SYS sh -c "for i in \$(seq 1 300); do printf 'y%s\n' \$i >'$MT/admin/sandboxes'; done" 2>/dev/null
grown=$(($(stat -c %s "$STORE") - size1))
if [ "$grown" -le $((64 * 1024)) ]; then pass; else
	fail "the store grew by $grown bytes for 600 lines at audit_bytes 8192"
fi
errno_is "the viewer may not read log.1" EACCES as $VIEWER bash -c "$(declare -f probe); probe read '$MT/audit/log.1'"
errno_is "the unmapped caller does not see log.1" ENOENT as $NOBODY bash -c "$(declare -f probe); probe stat '$MT/audit/log.1'"
has "ls /audit shows both" "$(as $PA ls "$MT/audit" | tr '\n' ' ')" "log log.1"
