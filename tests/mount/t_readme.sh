#!/usr/bin/env bash
# The README's tour, as written: make run's demo in a directory of its
# own, then every line of the tour's code block from that directory (sudo
# aside: this runs as root).  A line whose comment says "refused" must
# fail; every other line must succeed and print something.
set -u
. "$(dirname "$0")/lib.sh"
MT_DIR=$(mktemp -d /tmp/cjafs-mt.XXXXXX)
chmod 755 "$MT_DIR"
MT=$MT_DIR/run/mnt
trap mt_cleanup EXIT
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -m 755 "$MT_DIR/run"

(cd "$MT_DIR/run" && exec env -u SUDO_USER bash "$top/scripts/run-demo.sh" "$CJAFS") \
	>"$MT_DIR/demo.out" 2>"$MT_DIR/demo.err" &
DEMO=$!
for _ in $(seq 1 300); do
	grep -q '^Press Ctrl-C' "$MT_DIR/demo.out" && break
	kill -0 $DEMO 2>/dev/null || break
	sleep 0.1
done
ok "the demo is up" grep -q '^Press Ctrl-C' "$MT_DIR/demo.out"
eq "the demo populated its store quietly" "$(cat "$MT_DIR/demo.err")" ""

# the first code block after "## A tour"
mapfile -t tour < <(awk '/^## A tour/ { t = 1 } t && /^```sh/ { b = 1; next }
	b && /^```/ { exit } b { print }' "$top/README.md")
ok "the README has a tour" test "${#tour[@]}" -ge 10
for line in "${tour[@]}"; do
	cmd=${line#sudo }
	comment=
	case "$cmd" in *"  #"*) comment=${cmd#*  #}; cmd=${cmd%%  #*} ;; esac
	out=$(cd "$MT_DIR/run" && bash -c "$cmd" 2>&1)
	st=$?
	case "$comment" in
	*refused*)
		[ $st -ne 0 ] && pass || fail "tour: should be refused: $line: $out" ;;
	*)
		[ $st -eq 0 ] && [ -n "$out" ] && pass ||
			fail "tour: fails or says nothing: $line: $out" ;;
	esac
done
has "the refused write is named in /errors" "$(cat "$MT/errors")" "'dev box' is not a valid sandbox name"
has "the report shows revenue on checkout" "$(cat "$MT/dataviews/web/report/page.csv")" "checkout,"

kill -TERM $DEMO
for _ in $(seq 1 100); do kill -0 $DEMO 2>/dev/null || break; sleep 0.1; done
wait $DEMO
eq "the demo exits 0 on SIGTERM" "$?" "0"
exit 0
