#!/usr/bin/env bash
# make run's demo (scripts/run-demo.sh), run non-interactively in a
# directory of its own: every command it prints works as printed (sudo
# aside: this runs as root), including those for the other demo users,
# whose ids exist nowhere but in the demo's config; then SIGTERM (what
# Ctrl-C sends it) unmounts.
set -u
. "$(dirname "$0")/lib.sh"
mt_demo_start
top=$TOP

# the commands: the lines indented by two spaces; vi is interactive
mapfile -t cmds < <(sed -n 's/^  \([a-z].*\)$/\1/p' "$MT_DIR/demo.out" | grep -v '^vi ')
ok "the demo prints commands" test "${#cmds[@]}" -ge 8
n=0
for c in "${cmds[@]}"; do
	c=${c#sudo }
	c=${c%%  #*}
	# a command that writes a file says nothing: the file must not be
	# empty
	case "$c" in
	*" > /tmp/"*)
		f=${c##* > }
		f=${f%% *}
		if out=$(bash -c "$c" 2>&1) && [ -s "$f" ]; then pass; else
			fail "printed command fails or writes nothing: $c: $out"
		fi
		continue ;;
	esac
	if out=$(bash -c "$c" 2>&1) && [ -n "$out" ]; then pass; else
		fail "printed command fails or says nothing: $c: $out"
	fi
	case "$c" in
	*--reuid=2103*)
		n=$((n + 1))
		has "eng's command gives it its group" "$c" "--groups=3101"
		has "eng is in group Engineers" "$out" "Engineers"
		has "eng is a member of marketing through it" "$out" "marketing"
		;;
	*--reuid=2101*whoami*)
		has "ana is ana" "$out" "ana@example.com" ;;
	*--reuid=2102*why*)
		eq "lead's why ends with a newline" \
			"$(bash -c "$c" 2>/dev/null | tail -c 1 | od -An -c | tr -d ' ')" '\n' ;;
	esac
done
eq "a command is printed for eng, the member through a group" "$n" "1"

# the Workspace a newcomer finds: a project shared with ana, its panels
# (one by day, with the annotation), and its slides
tour=$MT/workspace/projects/tour
eq "the tour's panels" "$(ls "$tour/panels" | tr '\n' ' ')" "buyers.csv buyers.ini days.csv days.ini pages.csv pages.ini "
eq "shared with ana" "$(cat "$tour/shares")" "user:ana@example.com"
ana() { setpriv --reuid=2101 --regid=2101 --clear-groups "$@"; }
has "ana reads a table: per person" "$(ana cat "$tour/panels/pages.csv")" "page,events,people,calc:events-per-person"
has "thirty days with the annotation's" "$(ana cat "$tour/panels/days.csv")" ",campaign"
eq "thirty days" "$(ana cat "$tour/panels/days.csv" | wc -l)" "31"
has "buyers: events and revenue" "$(ana cat "$tour/panels/buyers.csv")" "page,events,revenue"
slides=$(ana cat "$tour/slides.html")
eq "ana's slides: three panels" "$(printf '%s\n' "$slides" | grep '^<section class="slide' | tr '\n' ' ')" '<section class="slide" data-panel="buyers"> <section class="slide over-time" data-panel="days"> <section class="slide" data-panel="pages"> '
eq "with captions" "$(printf '%s\n' "$slides" | grep -c '<p class="caption">')" "3"
has "a line by day" "$slides" '<svg class="chart line"'

kill -TERM $DEMO
for _ in $(seq 1 100); do kill -0 $DEMO 2>/dev/null || break; sleep 0.1; done
wait $DEMO
eq "the demo exits 0 on SIGTERM" "$?" "0"
has "the demo unmounted" "$(cat "$MT_DIR/demo.out")" "unmounted $MT"
ok "nothing is mounted there any more" sh -c "! awk -v m='$MT' '\$2 == m { f = 1 } END { exit !f }' /proc/mounts"
exit 0
