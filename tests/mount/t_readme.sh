#!/usr/bin/env bash
# The README's tour, as written: make run's demo in a directory of its
# own, then every line of the tour's code block from that directory (sudo
# aside: this runs as root), then the Workspace section's block.  A line
# whose comment says "refused" must fail; every other line must succeed
# and print something, but for writes into the mount and a plain mkdir.
set -u
. "$(dirname "$0")/lib.sh"
mt_demo_start
top=$TOP

# a write into the mount or a plain mkdir says nothing when it works
silent() {
	case "$1" in *" > mnt/"* | "mkdir mnt/"*) return 0 ;; esac
	return 1
}

# the first code block after a heading, each line run from the demo's
# directory
run_block() {
	local line cmd comment out st
	local -a lines
	mapfile -t lines < <(awk -v h="$1" '$0 == h { t = 1 } t && /^```sh/ { b = 1; next }
		b && /^```/ { exit } b { print }' "$top/README.md")
	ok "the README has a block after '$1'" test "${#lines[@]}" -ge "$2"
	for line in "${lines[@]}"; do
		cmd=${line#sudo }
		comment=
		case "$cmd" in *"  #"*) comment=${cmd#*  #}; cmd=${cmd%%  #*} ;; esac
		out=$(cd "$MT_DIR/run" && bash -c "$cmd" 2>&1)
		st=$?
		case "$comment" in
		*refused*)
			[ $st -ne 0 ] && pass || fail "tour: should be refused: $line: $out" ;;
		*)
			if [ $st -ne 0 ]; then
				fail "tour: fails: $line: $out"
			elif [ -z "$out" ] && ! silent "$cmd"; then
				fail "tour: says nothing: $line"
			else
				pass
			fi ;;
		esac
	done
}
run_block "## A tour" 10
has "the refused write is named in /errors" "$(cat "$MT/errors")" "'dev box' is not a valid sandbox name"
has "the report shows revenue on checkout" "$(cat "$MT/dataviews/web/report/page.csv")" "checkout,"

# the Workspace's example, on the tour's segment
run_block "### The Workspace" 5
eq "the metric names the segment" "$(cat "$MT/workspace/segments/checkout/used_by")" "/workspace/calculated-metrics/per-person"
has "/errors names the referrer" "$(cat "$MT/errors")" "/workspace/segments/checkout: in use by /workspace/calculated-metrics/per-person"
has "the transfer moved the segment" "$(cat "$MT/workspace/segments/checkout/segment.ini")" "owner = lead@example.com"
has "and the metric" "$(cat "$MT/workspace/calculated-metrics/per-person/metric.ini")" "owner = lead@example.com"

# the projects' example
run_block "#### Projects" 5
eq "eng sees the curated components" "$(setpriv --reuid=2103 --regid=2103 --groups=3101 cat "$MT/workspace/projects/launch/components")" "dimension page
metric revenue"
has "the link is live" "$(ls "$MT/links/$(sed -n 's/^token = //p' "$MT/workspace/projects/launch/project.ini")")" "panels"
has "the panel's table" "$(cat "$MT/workspace/projects/launch/panels/pages.csv")" "page,revenue,calc:per-person
checkout,"
has "a table by day, with annotations" "$(head -n 1 "$MT/workspace/projects/launch/panels/days.csv")" "day,revenue,annotations"
eq "seven days" "$(wc -l <"$MT/workspace/projects/launch/panels/days.csv")" "8"
has "ana's refusal names what is not curated" "$(setpriv --reuid=2101 --regid=2101 --clear-groups cat "$MT/errors")" "metric people: not among the components project 'launch' curates for you"
has "the slides: a section per panel" "$(cat "$MT/workspace/projects/launch/slides.html")" '<section class="slide over-time" data-panel="days">'
eq "the link serves the tables" "$(ls "$MT/links/$(sed -n 's/^token = //p' "$MT/workspace/projects/launch/project.ini")/panels" | tr '\n' ' ')" "days.csv pages.csv "

kill -TERM $DEMO
for _ in $(seq 1 100); do kill -0 $DEMO 2>/dev/null || break; sleep 0.1; done
wait $DEMO
eq "the demo exits 0 on SIGTERM" "$?" "0"

# "Running it" and "Backup and restore", in a directory laid out like
# the clone (build/cjafs, etc/cjafs.ini), the mount point /mnt/cjafs
# moved below it: mount, back up as the system admin the comment names,
# unmount, restore, mount the restored store again, unmount.
block() {
	awk -v h="$1" '$0 == h { t = 1 } t && /^```sh/ { b = 1; next }
		b && /^```/ { exit } b { print }' "$top/README.md"
}
S=$MT_DIR/clone
mkdir -p "$S/build" "$S/etc" "$S/mnt"
# a daemon left mounted by a failing line is unmounted before cleanup
trap 'mountpoint -q "$S/mnt" && { fusermount3 -u "$S/mnt" || umount -l "$S/mnt"; }; mt_cleanup' EXIT
chmod 777 "$S"
ln -s "$CJAFS" "$S/build/cjafs"
cp "$top/etc/cjafs.ini" "$S/etc/"
mapfile -t run < <(block "## Running it")
mapfile -t bak < <(block "### Backup and restore")
eq "Running it: init, mount, unmount" "${#run[@]}" 3
eq "Backup and restore: back up, unmount, restore" "${#bak[@]}" 3
# each line from the clone's top, as its comment says who runs it
doit() {
	local line=$1 cmd
	cmd=${line%%  #*}
	cmd=${cmd//\/mnt\/cjafs/$S\/mnt}
	case "$line" in
	*"as a system admin (2001"*) (cd "$S" && as 2001 bash -c "$cmd") ;;
	*) (cd "$S" && bash -c "$cmd") ;;
	esac
}
ok "README: ${run[0]}" doit "${run[0]}"
ok "README: ${run[1]}" doit "${run[1]}"
ok "mounted" mountpoint -q "$S/mnt"
as 2001 sh -c "printf 'prod\\n' >'$S/mnt/admin/sandboxes'"
ok "README: ${bak[0]}" doit "${bak[0]}"
ok "the backup is a store" tdbtool "$S/cjafs.backup" check
ok "README: ${bak[1]}" doit "${bak[1]}"
ok "README: ${bak[2]}" doit "${bak[2]}"
ok "README (again): ${run[1]}" doit "${run[1]}"
eq "the restored store has what was written" "$(as 2001 cat "$S/mnt/admin/sandboxes")" "prod"
ok "README: ${run[2]}" doit "${run[2]}"
for _ in $(seq 1 50); do mountpoint -q "$S/mnt" || break; sleep 0.1; done
ok "unmounted" sh -c "! mountpoint -q '$S/mnt'"
exit 0
