#!/usr/bin/env bash
# The installed documentation renders: cjafs(5) through man(1) and groff
# with every warning on, and names each rule the README states.
set -u
. "$(dirname "$0")/lib.sh"
MT_DIR=$(mktemp -d /tmp/cjafs-mt.XXXXXX)
MT=$MT_DIR/mnt
trap mt_cleanup EXIT
page=$(cd "$(dirname "$0")/../.." && pwd)/etc/cjafs.5

warn=$(LC_ALL=C.UTF-8 groff -ww -man -Tutf8 "$page" 2>&1 >/dev/null)
eq "groff -ww has no warnings for cjafs(5)" "$warn" ""
text=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$page" 2>&1)
ok "man -l renders cjafs(5)" test -n "$text"
for section in "Protected values" "Spreadsheet-safe CSV" \
	"Regular expressions in rules" "Delegation" "Audit log bounds" \
	"Isolation between callers" "Backup"; do
	has "cjafs(5) has $section" "$text" "$section"
done
exit 0
