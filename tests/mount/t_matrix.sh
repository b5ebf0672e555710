#!/usr/bin/env bash
# The access matrix of SPEC §6 and §7 (issues 7, 18): 15 roles (system admin,
# product admins with and without a permission or the connection's
# sandbox, product profile admins with and without a
# [delegation], members with and without the tools,
# directly and through a group, a mapped user in no profile, an unmapped
# uid, root, a Workspace object's owner and a user it is shared with)
# try 97 actions each on one fixture, every row of §6 and §7 split
# into system calls on paths, some again while a journey_optimizer
# connection exists.  Each cell checks stat and access(2), its errno,
# what an allowed read reads, that a denied change changes nothing and
# leaves its one audit line, and that an allowed change is undone.
# MATRIX_ROLES (all by default) names the columns to run, a bound for a
# daemon under valgrind.  The table and the cases are
# tests/torture/matrix.py.
set -u
. "$(dirname "$0")/lib.sh"
mt_py_suite matrix.py ${MATRIX_ROLES:+--roles "$MATRIX_ROLES"}
