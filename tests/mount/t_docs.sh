#!/usr/bin/env bash
# The installed documentation renders: cjafs(5) and cjafs(8) through
# man(1) and groff with every warning on; cjafs(5) names each rule the
# README states and every file the kind table declares, cjafs(8) every
# configuration section and key the daemon accepts.
set -u
. "$(dirname "$0")/lib.sh"
MT_DIR=$(mktemp -d /tmp/cjafs-mt.XXXXXX)
MT=$MT_DIR/mnt
trap mt_cleanup EXIT
top=$(cd "$(dirname "$0")/../.." && pwd)
page=$top/etc/cjafs.5
page8=$top/etc/cjafs.8

warn=$(LC_ALL=C.UTF-8 groff -ww -man -Tutf8 "$page" 2>&1 >/dev/null)
eq "groff -ww has no warnings for cjafs(5)" "$warn" ""
text=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$page" 2>&1)
ok "man -l renders cjafs(5)" test -n "$text"
for section in "Protected values" "Spreadsheet-safe CSV" \
	"Regular expressions in rules" "Delegation" "Audit log bounds" \
	"Isolation between callers" "Unlink and restore" \
	"Backups and copies" "Exact sums" "Byte order mark" \
	"Errors at write" "Copying settings" "Backup" "Snapshots" "Row files" \
	"/admin/reporting-activity" "Connections in use"; do
	has "cjafs(5) has $section" "$text" "$section"
done

# word DESC TEXT WORD: WORD appears in TEXT as a whole word
word() {
	if printf '%s\n' "$2" | grep -qwF -- "$3"; then pass; else
		fail "$1: '$3' is not in the page"
	fi
}

warn=$(LC_ALL=C.UTF-8 groff -ww -man -Tutf8 "$page8" 2>&1 >/dev/null)
eq "groff -ww has no warnings for cjafs(8)" "$warn" ""
text8=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$page8" 2>&1)
ok "man -l renders cjafs(8)" test -n "$text8"
for section in SYNOPSIS OPTIONS CONFIGURATION "MOUNTING AND UNMOUNTING" \
	"THE STORE" "EXIT STATUS" SIGNALS FILES "SEE ALSO"; do
	has "cjafs(8) has $section" "$text8" "$section"
done
for section in NAMESPACE FILES GRAMMARS WRITES "WHO MAY DO WHAT" EXAMPLES; do
	has "cjafs(5) has $section" "$text" "$section"
done

# Every file of the kind table: the attribute files of each kind and the
# fixed directories (a named kind's own name is no file name).
kind=$top/model/kind.c
files=$(sed -n 's/^[[:space:]]*{ "\([^"]\{1,\}\)", \(0\|KA_\).*/\1/p' "$kind"
	sed -n 's/.*\[KIND_[A-Z_]*\] = { "\([^"]\{1,\}\)", KIND_[A-Z_]*, 0,.*/\1/p' \
		"$kind")
files=$(printf '%s\n' "$files" | sort -u)
n=$(printf '%s\n' "$files" | grep -c .)
ok "model/kind.c declares files ($n)" test "$n" -ge 20
for f in $files; do
	word "cjafs(5) names $f" "$text" "$f"
done

# Every configuration section and key model/config.c accepts.
config=$top/model/config.c
sections=$(sed -n '/config_sections\[\] = {/,/};/p' "$config" |
	grep -o '"[a-z_]*"' | tr -d '"')
keys=$(sed -n 's/.*strcmp(key, "\([a-z_]\{1,\}\)").*/\1/p' "$config" | sort -u)
n=$(printf '%s\n' $sections $keys | grep -c .)
ok "model/config.c accepts sections and keys ($n)" test "$n" -ge 8
for s in $sections; do
	has "cjafs(8) has [$s]" "$text8" "[$s]"
done
for k in $keys; do
	word "cjafs(8) names $k" "$text8" "$k"
done
exit 0
