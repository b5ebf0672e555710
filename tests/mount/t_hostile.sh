#!/usr/bin/env bash
# Hostile input (issue 7, part 3): names with control bytes, 129+ bytes or
# invalid UTF-8 (mkdir, create, rename); .ini and line-list writes that
# are binary, hold NUL bytes, repeat keys or sections, carry unknown keys
# or values with newlines, or pass the 1 MiB cap; CSV with unbalanced
# quotes, 100,000 columns or a 10 MiB line; filters nested 10,000 deep
# and every operator out of place; Workspace shares, /admin/transfer
# lines, rules, formulas and dates that do not parse; malformed
# configuration files.  Each
# case checks its errno, its /errors line, its one audit line and that
# nothing changed; the daemon answers throughout and its memory stays
# bounded.  The cases are tests/torture/hostile.py.
set -u
. "$(dirname "$0")/lib.sh"
mt_py_suite hostile.py
