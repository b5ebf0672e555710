#!/usr/bin/env bash
# Concurrency (issue 7, part 2), bounded for make check: 8 processes as 4
# mapped users commit to shared and to their own objects for
# CONC_SECONDS (10) while reading the shared ones (no mixed writes, no
# torn rows); the audit log has exactly one line per commit and denial;
# then 8 writers append CONC_ROWS (1500) unique rows each to one dataset
# in writes that split lines, and the rows read back are exactly those.
# The driver is tests/torture/concurrency.py (`make torture` runs it
# longer).
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
"$py" "$(dirname "$0")/../torture/concurrency.py" --cjafs "$CJAFS" \
	--dir "$MT_DIR" --seconds "${CONC_SECONDS:-10}" \
	--rows "${CONC_ROWS:-1500}" --result "$MT_DIR/tally" >/dev/null
read -r MT_PASS MT_FAIL <"$MT_DIR/tally" 2>/dev/null || { MT_PASS=0 MT_FAIL=1; }
