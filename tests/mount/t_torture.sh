#!/usr/bin/env bash
# Crash safety (issue 7, part 1), bounded for make check: TORTURE_KILLS
# (10) rounds of mapped users committing at random while the daemon is
# killed with SIGKILL; after each kill the store passes `tdbtool check`,
# the daemon mounts it again, every acknowledged commit is there with its
# audit line, nothing refused is, and what was in flight is whole or
# absent; the row files (STORE.rows) are exactly those the records name
# (what a kill left without a record is removed by the next open) and
# rows read back exactly.  The driver is tests/torture/torture.py (`make
# torture` runs it with 200 kills); it owns the daemon, so this file only
# gives it a directory and reads back its tally.
set -u
. "$(dirname "$0")/lib.sh"
mt_py_suite torture.py --kills "${TORTURE_KILLS:-10}" --max-delay 0.6
