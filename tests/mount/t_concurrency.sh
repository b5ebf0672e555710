#!/usr/bin/env bash
# Concurrency (issue 7, part 2), bounded for make check: 8 processes as 4
# mapped users commit to shared and to their own objects for
# CONC_SECONDS (10) while reading the shared ones (no mixed writes, no
# torn rows); the audit log has exactly one line per commit and denial;
# then 8 writers append CONC_ROWS (1500) unique rows each to one dataset
# in writes that split lines, and the rows read back are exactly those;
# then 4 writers point Workspace metrics at segments while deleting and
# renaming them, and every segment's used_by names exactly its metrics.
# The driver is tests/torture/concurrency.py (`make torture` runs it
# longer).
set -u
. "$(dirname "$0")/lib.sh"
mt_py_suite concurrency.py --seconds "${CONC_SECONDS:-10}" \
	--rows "${CONC_ROWS:-1500}"
