#!/usr/bin/env bash
# Run every mount test file (tests/mount/t_*.sh) against a real kernel FUSE
# mount and print "N passed, N failed".  Needs root (setpriv to the test
# uids, allow_other); with CI=true a missing /dev/fuse is a failure.
set -u
CJAFS=$(realpath "${1:-build/cjafs}")
export CJAFS
here=$(cd "$(dirname "$0")" && pwd)
pass=0 failed=0

if [ ! -c /dev/fuse ]; then
	echo "mount tests: /dev/fuse is missing" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "mount tests: must run as root (setpriv to test uids)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
# MT_FIRST (names, e.g. "posix hostile") runs those files before the
# rest.  MT_QUEUE (a directory) lets several runners share the files:
# each runs only the files it claims first (mkdir is atomic), and prints
# its own tally.
files=()
for f in ${MT_FIRST:-}; do
	[ -f "$here/t_$f.sh" ] && files+=("$here/t_$f.sh")
done
for t in "$here"/t_*.sh; do
	case " ${MT_FIRST:-} " in *" $(basename "$t" .sh | cut -c3-) "*) continue ;; esac
	files+=("$t")
done
for t in "${files[@]}"; do
	[ -n "${MT_ONLY:-}" ] && case "$t" in *"$MT_ONLY"*) ;; *) continue ;; esac
	if [ -n "${MT_QUEUE:-}" ]; then
		mkdir "$MT_QUEUE/$(basename "$t" .sh)" 2>/dev/null || continue
	fi
	res=$(mktemp)
	t0=$SECONDS
	MT_RESULT=$res MT_NAME=$(basename "$t" .sh) timeout "${MT_TIMEOUT:-600}" bash "$t"
	st=$?
	read -r p f <"$res" 2>/dev/null || { p=0; f=1; }
	[ -n "$p" ] || { p=0; f=1; }
	if [ $st -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		echo "FAIL [$(basename "$t")] exited with status $st" >&2
		f=1
	fi
	rm -f "$res"
	echo "  $(basename "$t" .sh): $p passed, $f failed ($((SECONDS - t0)) s)" >&2
	pass=$((pass + p)) failed=$((failed + f))
done
echo "$pass passed, $failed failed"
# a runner of a shared queue may find every file claimed
[ "$failed" -eq 0 ] && { [ "$pass" -gt 0 ] || [ -n "${MT_QUEUE:-}" ]; }
