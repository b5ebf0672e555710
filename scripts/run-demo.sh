#!/usr/bin/env bash
# make run: mount a demo store at ./mnt in the foreground; Ctrl-C unmounts.
#
# The demo lives in ./demo (not tracked): a config that maps the person
# running this (SUDO_USER when run through sudo, else the current user) as
# system admin and product admin "you@example.com", a few demo users
# (uids 2101-2104) and a group (gid 3101), and a store populated on first
# run through the mount itself, with the same files you will edit: a
# connection and two data views, and in the Workspace a project (tour,
# shared with ana) with three panels, a segment, a calculated metric, a
# date range and an annotation.
set -euo pipefail
CJAFS=$(realpath "${1:-build/cjafs}")
top=$(pwd)
demo="$top/demo"
mnt="$top/mnt"

if [ -n "${SUDO_USER:-}" ] && [ "$(id -u)" -eq 0 ]; then
	me=$SUDO_USER
else
	me=$(id -un)
fi
me_uid=$(id -u "$me")
me_gid=$(id -g "$me")

if [ "$(id -u)" -ne 0 ] && ! grep -qs '^user_allow_other' /etc/fuse.conf; then
	echo "run-demo: cjafs mounts with allow_other; as a non-root user that" >&2
	echo "needs 'user_allow_other' in /etc/fuse.conf (or run: sudo make run)" >&2
	exit 1
fi

mkdir -p "$demo" "$mnt"
if mountpoint -q "$mnt"; then
	echo "run-demo: $mnt is already mounted (fusermount3 -u $mnt)" >&2
	exit 1
fi
if [ ! -f "$demo/cjafs.ini" ]; then
	cat >"$demo/cjafs.ini" <<CFG
; demo configuration written by scripts/run-demo.sh
[store]
path = demo.tdb

[users]
$me_uid = you@example.com
2101 = ana@example.com      ; analyst, member of profile "marketing"
2102 = lead@example.com     ; admin of profile "partner"
2103 = eng@example.com      ; member through group Engineers
2104 = ops@example.com      ; product admin without platform rights

[groups]
3101 = Engineers

[admin]
system_admins = you@example.com

[limits]
rows = 0
CFG
fi

fresh=0
if [ ! -f "$demo/demo.tdb" ]; then
	"$CJAFS" --init -c "$demo/cjafs.ini"
	fresh=1
fi

"$CJAFS" -c "$demo/cjafs.ini" -f "$mnt" &
pid=$!
# A background job of a script starts with SIGINT ignored, and libfuse
# keeps that; so on Ctrl-C the script tells the daemon with SIGTERM, on
# which it unmounts and exits.
trap 'kill -TERM $pid 2>/dev/null' INT TERM
for _ in $(seq 1 100); do
	mountpoint -q "$mnt" && break
	kill -0 $pid 2>/dev/null || { echo "run-demo: mount failed" >&2; exit 1; }
	sleep 0.05
done

# act as the mapped user (when run through sudo, drop to that user)
asme() {
	if [ "$(id -u)" -ne "$me_uid" ]; then
		setpriv --reuid="$me_uid" --regid="$me_gid" --init-groups -- "$@"
	else
		"$@"
	fi
}

if [ $fresh -eq 1 ]; then
	asme sh -c "
		printf 'you@example.com\nops@example.com\n' >'$mnt/admin/product-admins' &&
		printf 'prod\ndev\n' >'$mnt/admin/sandboxes' &&
		mkdir '$mnt/admin/platform/AEP-Default-All-Users' &&
		printf '[platform]\nsandboxes = prod, dev\npermissions = view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces\n' \
			>'$mnt/admin/platform/AEP-Default-All-Users/platform.ini' &&
		echo you@example.com >'$mnt/admin/platform/AEP-Default-All-Users/members' &&
		mkdir '$mnt/admin/profiles/marketing' &&
		printf '[data_views]\nauto_include = false\nviews = web, mobile\n\n[reporting_tools]\nanalysis_workspace = true\ndata_storytelling = true\nintelligent_captions = true\n' \
			>'$mnt/admin/profiles/marketing/profile.ini' &&
		printf 'ana@example.com\ngroup:Engineers\n' >'$mnt/admin/profiles/marketing/members' &&
		mkdir '$mnt/admin/profiles/partner' &&
		printf '[data_views]\nviews = web\n\n[delegation]\nviews = web, mobile\ntools = analysis_workspace\nedit_views = web\n' \
			>'$mnt/admin/profiles/partner/profile.ini' &&
		echo lead@example.com >'$mnt/admin/profiles/partner/admins' &&
		mkdir '$mnt/connections/shop' '$mnt/connections/shop/datasets/events' &&
		printf '[connection]\ndescription = the web shop\nsandbox = prod\n' \
			>'$mnt/connections/shop/connection.ini' &&
		printf '[dataset]\ntype = event\nperson_id = person_id\ntimestamp = ts\nfields = person_id, ts, page, amount\n' \
			>'$mnt/connections/shop/datasets/events/dataset.ini' &&
		awk -v now=\$(date +%s) 'BEGIN {
			split(\"home search product cart checkout app\", page, \" \")
			srand(7)
			for (i = 0; i < 570; i++) {
				p = page[1 + int(rand() * 6)]
				amt = p == \"checkout\" ? sprintf(\"%.2f\", 5 + rand() * 95) : \"\"
				printf \"p%02d,%d,%s,%s\\n\", int(rand() * 40), now - int(rand() * 86400 * 90), p, amt
			}
			# and a visit on each of the last 30 days, whatever the hour
			for (d = 0; d < 30; d++)
				printf \"p%02d,%d,home,\\n\", d, now - d * 86400
		}' >>'$mnt/connections/shop/datasets/events/records' &&
		mkdir '$mnt/dataviews/web' '$mnt/dataviews/mobile' &&
		printf '[dataview]\ndescription = every event\nconnection = shop\ntimezone = Europe/Berlin\n' \
			>'$mnt/dataviews/web/dataview.ini' &&
		printf '[dataview]\ndescription = the app only\nconnection = shop\nfilter = page = app\n' \
			>'$mnt/dataviews/mobile/dataview.ini' &&
		for v in web mobile; do
			printf '[component]\nfield = page\n' >\"$mnt/dataviews/\$v/components/page.ini\" &&
			printf '[component]\nkind = metric\nfield = occurrences\n' >\"$mnt/dataviews/\$v/components/events.ini\" &&
			printf '[component]\nkind = metric\nfield = people\n' >\"$mnt/dataviews/\$v/components/people.ini\" &&
			printf '[component]\nkind = metric\nfield = amount\naggregation = sum\n' >\"$mnt/dataviews/\$v/components/revenue.ini\" || exit 1
		done &&
		ws='$mnt/workspace' &&
		mkdir \"\$ws/segments/buyers\" \"\$ws/calculated-metrics/events-per-person\" \
			\"\$ws/date-ranges/last-30-days\" \"\$ws/annotations/campaign\" \
			\"\$ws/projects/tour\" &&
		printf '[segment]\ndescription = everyone who checked out\ndataview = web\ncontainer = person\nrule = page = checkout\n' \
			>\"\$ws/segments/buyers/segment.ini\" &&
		printf '[metric]\ndataview = web\nformula = events / people\nprecision = 1\n' \
			>\"\$ws/calculated-metrics/events-per-person/metric.ini\" &&
		printf '[date_range]\ndataview = web\nstart = today-29d\nend = today\n' \
			>\"\$ws/date-ranges/last-30-days/daterange.ini\" &&
		printf '[annotation]\ndataview = web\nstart = %s\nend = %s\ncolor = orange\ntext = spring campaign\n' \
			\$(date -d '-12 days' +%F) \$(date -d '-10 days' +%F) >\"\$ws/annotations/campaign/annotation.ini\" &&
		echo user:ana@example.com >\"\$ws/annotations/campaign/shares\" &&
		printf '[project]\ndescription = a first look at the shop\ndataview = web\n' >\"\$ws/projects/tour/project.ini\" &&
		echo user:ana@example.com >\"\$ws/projects/tour/shares\" &&
		printf '[panel]\ntitle = Events by page\ndimension = page\nmetrics = events, people, calc:events-per-person\n' \
			>\"\$ws/projects/tour/panels/pages.ini\" &&
		printf '[panel]\ntitle = The last 30 days\ndimension = day\nmetrics = events, revenue\ndate_range = last-30-days\nsort = day\norder = asc\n' \
			>\"\$ws/projects/tour/panels/days.ini\" &&
		printf '[panel]\ntitle = Where buyers go\ndimension = page\nmetrics = events, revenue\nsegments = buyers\n' \
			>\"\$ws/projects/tour/panels/buyers.ini\"
	" || echo "run-demo: populating the demo store failed (see $mnt/errors)" >&2
fi

# Commands for the other demo users: setpriv takes numeric ids, so they
# need no accounts; --groups gives eng its group (gid 3101, Engineers),
# through which it is a member of profile marketing.
cat <<MSG

cjafs is mounted at $mnt (store: $demo/demo.tdb).  Try, in another terminal:

  cat $mnt/README
  cat $mnt/whoami
  ls -lR $mnt/admin
  cat $mnt/admin/profiles/marketing/profile.ini
  getfattr --only-values -n user.cjafs.why $mnt/admin/product-admins
  cat $mnt/audit/log
  vi $mnt/admin/profiles/marketing/members      # saved on :w, checked first

The Workspace: project tour, shared with ana, with three panels (one by
day, one through segment buyers, one with calculated metric
events-per-person) and annotation campaign:
  ls $mnt/workspace/projects/tour/panels
  cat $mnt/workspace/projects/tour/panels/days.csv
  cat $mnt/workspace/projects/tour/slides.html > /tmp/tour-slides.html   # open it in a browser

As the other demo users (numeric ids: no accounts needed):
  sudo setpriv --reuid=2101 --regid=2101 --clear-groups cat $mnt/workspace/projects/tour/panels/pages.csv
  sudo setpriv --reuid=2101 --regid=2101 --clear-groups cat $mnt/whoami
  sudo setpriv --reuid=2101 --regid=2101 --clear-groups ls -l $mnt/dataviews
  sudo setpriv --reuid=2103 --regid=2103 --groups=3101 cat $mnt/whoami
  sudo setpriv --reuid=2104 --regid=2104 --clear-groups ls $mnt/admin/profiles
As lead, the admin of profile partner (its [delegation]: it may grant web
and mobile, turn on analysis_workspace and edit web; nothing else):
  sudo setpriv --reuid=2102 --regid=2102 --clear-groups getfattr --only-values -n user.cjafs.why $mnt/admin/profiles/partner/profile.ini
Press Ctrl-C here to unmount.
MSG
wait $pid || true
wait $pid 2>/dev/null || true
mountpoint -q "$mnt" && fusermount3 -u "$mnt"
echo "unmounted $mnt"
