#!/usr/bin/env bash
# Hostile input (issue 7, part 3): names with control bytes, 129+ bytes or
# invalid UTF-8 (mkdir, create, rename); .ini and line-list writes that
# are binary, hold NUL bytes, repeat keys or sections, carry unknown keys
# or values with newlines, or pass the 1 MiB cap; CSV with unbalanced
# quotes, 100,000 columns or a 10 MiB line; filters nested 10,000 deep
# and every operator out of place; malformed configuration files.  Each
# case checks its errno, its /errors line, its one audit line and that
# nothing changed; the daemon answers throughout and its memory stays
# bounded.  The cases are tests/torture/hostile.py.
set -u
. "$(dirname "$0")/lib.sh"
MT_DIR=$(mktemp -d /tmp/cjafs-mt.XXXXXX)
chmod 755 "$MT_DIR"
MT="$MT_DIR/mnt"
mkdir "$MT"
trap mt_cleanup EXIT
trap 'exit 1' INT TERM

py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" "$(dirname "$0")/../torture/hostile.py" --cjafs "$CJAFS" \
	--dir "$MT_DIR" --result "$MT_DIR/tally" >/dev/null
read -r MT_PASS MT_FAIL <"$MT_DIR/tally" 2>/dev/null || { MT_PASS=0 MT_FAIL=1; }
