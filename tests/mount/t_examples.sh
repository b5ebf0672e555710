#!/usr/bin/env bash
# The shell examples of scripts/examples (issue 6) on a real mount, each
# run as the user who would run it: a product admin ingests a connection
# and builds a data view with a bucketed dimension, onboards a third
# party whose lead adds the team and fits the view, and reads who changed
# what in the last hour.  Each example checks its own results; this file
# checks its exit status, a few results computed from the same CSV files,
# and that it fails loudly when something is wrong.
set -u
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002 LEAD=2004 ANALYST=2005 VIEWER=2006
C=$MT/connections
V=$MT/dataviews
PERMS="view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces"

# the examples and their data where every test uid can read them
EX=$MT_DIR/examples
D=$MT_DIR/data
mkdir -p "$EX" "$D/team"
cp "$(dirname "$0")"/../../scripts/examples/*.sh "$EX/"
chmod 755 "$EX" "$EX"/*.sh

# run UID [VAR=VALUE...] SCRIPT ARGS...: an example as that user; its
# stdout and stderr in $out, its exit status in $rc
run() {
	local uid=$1
	shift
	out=$(as "$uid" env "$@" 2>&1)
	rc=$?
}
run_g() {
	local uid=$1 gids=$2
	shift 2
	out=$(as_g "$uid" "$gids" env "$@" 2>&1)
	rc=$?
}
# succeeds DESC / fails DESC NEEDLE: the last run's verdict
succeeds() { if [ "$rc" -eq 0 ]; then pass; else fail "$1: exit $rc
$out"; fi; }
fails() {
	if [ "$rc" -ne 0 ]; then pass; else fail "$1: exit 0
$out"; fi
	has "$1: says why" "$out" "$2"
}

# --- the data: web events (some without an amount, some with a product
# the lookup does not know) and a product lookup, all in the last 3 days ---
awk -v now="$(date +%s)" -v out="$D" 'BEGIN {
	srand(6)
	f = out "/events.csv"
	print "person_id,timestamp,page,product,amount" >f
	split("home search product cart", page, " ")
	for (i = 0; i < 240; i++) {
		t = now - 60 - int(rand() * 3 * 86400)
		amount = rand() < 0.2 ? "" : int(rand() * 400)
		printf "p%02d,%s,%s,sku%d,%s\n", int(rand() * 30),
			strftime("%Y-%m-%dT%H:%M:%SZ", t, 1), page[1 + int(rand() * 4)],
			int(rand() * 10), amount >f
	}
	f = out "/products.csv"
	print "sku,category,price" >f
	split("shoes hats bags", cat, " ")
	for (i = 0; i < 8; i++)
		printf "sku%d,%s,%d\n", i, cat[1 + i % 3], 10 + i >f
}'
# the lead's component: only two categories are the team's business
printf '[component]\nkind = dimension\nfield = category\n[include_exclude]\nmode = include\nrules = equals:shoes, equals:hats\n' >"$D/team/their_category.ini"
# a file with rows that cannot be ingested
{ cat "$D/events.csv"; printf 'p01,yesterday,home,sku1,3\n,2026-01-01T00:00:00Z,home,sku1,3\n'; } >"$D/web.csv"
chmod -R a+rX "$D"
EVENTS=$(($(wc -l <"$D/events.csv") - 1))

# --- the Admin Console: pa is a product admin with the connection rights ---
as $SYS sh -c "printf 'pa@example.com\n' >'$MT/admin/product-admins'"
as $SYS sh -c "printf 'prod\n' >'$MT/admin/sandboxes'"
as $SYS mkdir "$MT/admin/platform/cja"
as $SYS sh -c "printf '[platform]\nsandboxes = prod\npermissions = $PERMS\n' >'$MT/admin/platform/cja/platform.ini'"
as $SYS sh -c "echo pa@example.com >'$MT/admin/platform/cja/members'"
has "setup: pa may manage connections" "$(as $PA cat "$MT/whoami")" "manage_connections = allowed"

# --- (b) connection-ingest.sh ---
run $PA MATCHING_KEY=product DESCRIPTION="web shop" "$EX/connection-ingest.sh" "$MT" shop "$D/events.csv" "$D/products.csv"
succeeds "connection-ingest"
has "ingest: says what it ingested" "$out" "ingested $EVENTS rows into events"
has "ingest: and the lookup" "$out" "ingested 8 rows into products"
st=$(as $PA cat "$C/shop/status")
has "ingest: connection complete" "$st" "state = complete"
has "ingest: every row stored" "$st" "rows = $((EVENTS + 8))"
has "ingest: nothing skipped" "$st" "skipped = 0"
has "ingest: lookup declared" "$(as $PA cat "$C/shop/datasets/products/dataset.ini")" "key = sku
matching_key = product"
has "ingest: description" "$(as $PA cat "$C/shop/connection.ini")" "description = web shop"
eq "ingest: records read back" "$(as $PA cat "$C/shop/datasets/events/records" | md5sum)" "$(md5sum <"$D/events.csv")"
run $PA MATCHING_KEY=product "$EX/connection-ingest.sh" "$MT" shop "$D/events.csv" "$D/products.csv"
fails "ingest: an existing connection" "connection shop exists already"
run $PA MATCHING_KEY=product "$EX/connection-ingest.sh" "$MT" shop2 "$D/web.csv" "$D/products.csv"
fails "ingest: rows skipped" "web: $EVENTS of $((EVENTS + 2)) rows ingested, 2 skipped (the dataset's skips by reason: missing_person_id 1, bad_timestamp 1)"
has "ingest: says what it left" "$out" "connection shop2 is left as it is"
ok "remove shop2" as $PA rm -r "$C/shop2"
run $PA "$EX/connection-ingest.sh" "$MT" shop3 "$D/events.csv" "$D/products.csv"
fails "ingest: a lookup key missing from the events" "events.csv has no column sku (set MATCHING_KEY)"
run $VIEWER "$EX/connection-ingest.sh" "$MT" shop3 "$D/events.csv" "$D/products.csv"
fails "ingest: a plain user" "you may not manage connections: denied: needs role product admin"
no "ingest: the refusals created nothing" as $PA stat "$C/shop3"

# --- (c) dataview-report.sh ---
BUCKETS='0-50:small, 50-200:medium, 200-:large'
run $PA "$EX/dataview-report.sh" "$MT" web shop amount "$BUCKETS" category page
succeeds "dataview-report"
has "report: accounts for every event" "$out" "every report accounts for all $EVENTS events"
has "report: prints the band report" "$out" "== report/amount_band.csv"
eq "report: its files" "$(as $PA ls "$V/web/report" | tr '\n' ' ')" "amount_band.csv category.csv page.csv "
# the bands and their people, from the CSV file: LOW inclusive, HIGH not
want=$(awk -F, 'NR > 1 {
	b = $5 == "" ? "Other" : $5 < 50 ? "small" : $5 < 200 ? "medium" : "large"
	n[b]++; if (!((b, $1) in p)) { p[b, $1] = 1; np[b]++ }
} END { for (b in n) print b "," n[b] "," np[b] }' "$D/events.csv" | LC_ALL=C sort)
band=$(as $PA cat "$V/web/report/amount_band.csv")
eq "report: bands match the CSV" "$(echo "$band" | tail -n +2 | LC_ALL=C sort)" "$want"
eq "report: header" "$(echo "$band" | head -n 1)" "amount_band,events,people"
has "report: the lookup joined" "$(as $PA cat "$V/web/report/category.csv")" "shoes,"
run $PA "$EX/dataview-report.sh" "$MT" web shop amount "$BUCKETS"
fails "report: an existing view" "data view web exists already"
run $PA "$EX/dataview-report.sh" "$MT" web2 shop amount '0-50:a, 40-60:b'
fails "report: overlapping buckets are refused" "amount_band.ini was refused: /dataviews/web2/components/amount_band.ini:5: column 19: buckets: buckets '0-50:a' and '40-60:b' overlap"
ok "remove web2" as $PA rm -r "$V/web2"
run $PA "$EX/dataview-report.sh" "$MT" web3 nope amount "$BUCKETS"
fails "report: no such connection" "no connection nope"

# the audit example below looks at what happened from here on
sleep 1
mid=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# --- (a) onboard-third-party.sh: the product admin, then the lead ---
run $PA "$EX/onboard-third-party.sh" "$MT" admin agency lead@example.com web
succeeds "onboard: admin step"
has "onboard: admin step says what is next" "$out" "lead agency MEMBER..."
eq "onboard: lead administers agency" "$(as $PA sed -n 's/^profile_admin_of = //p' "$MT/admin/users/lead@example.com")" "agency"
run $PA "$EX/onboard-third-party.sh" "$MT" admin agency lead@example.com web
fails "onboard: the profile exists" "profile agency exists already"
run $PA "$EX/onboard-third-party.sh" "$MT" admin agency2 lead@example.com nope
fails "onboard: a view that does not exist" "no data view nope"
run $LEAD "$EX/onboard-third-party.sh" "$MT" admin agency2 lead@example.com web
fails "onboard: the lead may not create profiles" "may not create product profiles: denied: needs role product admin"
run $VIEWER "$EX/onboard-third-party.sh" "$MT" lead agency viewer@example.com
fails "onboard: only the profile's admin runs the lead step" "viewer@example.com is no admin of profile agency"

run $LEAD VIEW_DESCRIPTION="for the agency" VIEW_FILTER="page != cart" COMPONENTS_DIR="$D/team" \
	"$EX/onboard-third-party.sh" "$MT" lead agency group:Analysts viewer@example.com
succeeds "onboard: lead step"
has "onboard: the lead's component" "$out" "view web: component their_category (field category)"
eq "onboard: members" "$(as $PA cat "$MT/admin/profiles/agency/members")" "group:Analysts
viewer@example.com"
ini=$(as $PA cat "$V/web/dataview.ini")
has "onboard: the view's description" "$ini" "description = for the agency"
has "onboard: the view's filter" "$ini" "filter = page != cart"
has "onboard: the connection kept" "$ini" "connection = shop"
run $LEAD VIEW_FILTER="page != cart" "$EX/onboard-third-party.sh" "$MT" lead agency viewer@example.com
succeeds "onboard: the lead step again"
eq "onboard: a second run adds no filter twice" "$(as $PA sed -n 's/^filter = //p' "$V/web/dataview.ini")" "page != cart"
# the team: through the group and directly
want=$(awk -F, 'NR > 1 && $3 != "cart" { c[$4]++ } END {
	print "shoes," c["sku0"] + c["sku3"] + c["sku6"]; print "hats," c["sku1"] + c["sku4"] + c["sku7"] }' "$D/events.csv")
got=$(as_g $ANALYST 3001 cat "$V/web/report/their_category.csv")
eq "onboard: the team reads the lead's report" "$(echo "$got" | tail -n +2 | cut -d, -f1,2 | LC_ALL=C sort)" "$(echo "$want" | LC_ALL=C sort)"
eq "onboard: a direct member reads it too" "$(as $VIEWER cat "$V/web/report/their_category.csv")" "$got"
has "onboard: without the group, no view" "$(as $ANALYST stat "$V/web" 2>&1)" "No such file or directory"

# --- (d) audit-last-hour.sh ---
log=$(as $PA cat "$MT/audit/log")
run $PA "$EX/audit-last-hour.sh" "$MT"
succeeds "audit: last hour"
has "audit: the count of changes" "$out" ": $(echo "$log" | awk -F '\t' '$5 == "ok"' | wc -l) (of $(echo "$log" | wc -l) lines in the log)"
has "audit: sys" "$out" "sys@example.com"
has "audit: the attempts" "$out" "denied or rejected attempts since"
has "audit: a rejected write" "$out" "pa@example.com  write  /dataviews/web2/components/amount_band.ini  rejected"
run $PA "$EX/audit-last-hour.sh" "$MT" "$mid"
succeeds "audit: since the onboarding"
has "audit: the lead's changes" "$out" "lead@example.com"
has "audit: the lead's writes" "$out" "/dataviews/web/dataview.ini"
hasnt "audit: nothing of sys since then" "$out" "sys@example.com"
hasnt "audit: nor the ingest" "$out" "/connections/shop"
n=$(echo "$log" | awk -F '\t' -v m="$mid" '$1 >= m && $5 == "ok" && $2 == "lead@example.com"' | wc -l)
ok "audit: the lead's count" grep -qE "^ +$n  lead@example.com\$" <<<"$out"
run $PA "$EX/audit-last-hour.sh" "$MT" "1 hour"
succeeds "audit: since a time to come"
has "audit: nothing" "$out" ": 0 (of"
run_g $ANALYST 3001 "$EX/audit-last-hour.sh" "$MT"
fails "audit: a member without audit_logs_access" "you may not read $MT/audit/log: read: denied"
