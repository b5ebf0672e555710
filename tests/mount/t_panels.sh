#!/usr/bin/env bash
# Panels (SPEC §7) on a real mount: panels/PANEL.ini written, checked,
# renamed and removed in a project; panels/PANEL.csv computed for each
# reader, against sqlite3 computing the same from the same CSV (100,000
# events in Europe/Berlin across the spring DST change: joins of the
# view's own rules, sessions, segments of each container, a date range,
# calculated metrics, every time dimension, sort and limit), byte for
# byte; editors (tee, cp, sed -i, vim); who may read and write them;
# the view's filter for every reader; what a panel whose parts are gone
# answers; curation; the bounds (passes a read makes, panels a login
# makes); st_mtime; the tables under /links/TOKEN/panels (with and
# without a login, the token never in the logs); reporting activity and
# cancel.
#
#   2005 mia   (analyst@example.com) owner: creators (analysis_workspace,
#              segment, calculated metric and annotation creation,
#              share_project_links) on view web
#   2006 ria   (viewer@example.com) view recipient: readers
#              (analysis_workspace) on web
#   2003 gus   (pa2@example.com) edit recipient through group 3001
#              (Analysts), a member of readers through it
#   2004 lead  analysis_workspace on view other only, later web without
#              it: a recipient who may not read the tables
#   2001 sys   system admin: no Workspace at all
#   2002 pa    product admin
#   2999       unmapped
#
# Each denied action fails with its errno, changes nothing and, where it
# is refused rather than hidden, leaves its audit line.
set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002 GUS=2003 LEAD=2004 MIA=2005 RIA=2006 NOBODY=2999
W=$MT/workspace
P=$W/projects
V=$MT/dataviews
PN=$P/p1/panels

put() { as "$1" sh -c "printf '$3' >'$2'"; }
put_g() { as_g "$1" 3001 sh -c "printf '$3' >'$2'"; }
# write(2) and close of a file made or truncated: the errno of the
# first that fails
mkw() {
	python3 - "$@" <<'PY'
import errno, os, sys
try:
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, sys.argv[2].encode().decode("unicode_escape").encode())
    finally:
        os.close(fd)
    print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
PY
}
wr() { errno_is "$1" "$2" as "$3" bash -c "$(declare -f mkw); mkw '$4' '$5'"; }
wr_g() { errno_is "$1" "$2" as_g "$3" 3001 bash -c "$(declare -f mkw); mkw '$4' '$5'"; }
pr() { errno_is "$1" "$2" as "$3" bash -c "$(declare -f probe); probe $4 '$5'"; }
pr_g() { errno_is "$1" "$2" as_g "$3" 3001 bash -c "$(declare -f probe); probe $4 '$5'"; }
mode() { as "$1" stat -c %A "$2" 2>&1; }
audit() { as $PA cat "$MT/audit/log"; }
errors_top() { as "$1" head -n 1 "$MT/errors"; }
panel() { as $PA cat "$PN/$1.ini" | grep -v '^modified'; }

# --- the world ---
put $SYS "$MT/admin/product-admins" 'pa@example.com\n'
put $SYS "$MT/admin/sandboxes" 'prod\n'
as $SYS mkdir "$MT/admin/platform/full"
put $SYS "$MT/admin/platform/full/platform.ini" '[platform]\nsandboxes = prod\npermissions = view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces\n'
put $SYS "$MT/admin/platform/full/members" 'pa@example.com\n'
as $PA mkdir "$MT/admin/profiles/creators" "$MT/admin/profiles/readers" \
	"$MT/admin/profiles/otherview" "$MT/admin/profiles/webplain"
put $PA "$MT/admin/profiles/creators/members" 'analyst@example.com\n'
put $PA "$MT/admin/profiles/creators/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\nsegment_creation = true\ncalculated_metrics_creation = true\nannotation_creation = true\nshare_project_links = true\n'
put $PA "$MT/admin/profiles/readers/members" 'viewer@example.com\ngroup:Analysts\n'
put $PA "$MT/admin/profiles/readers/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\n'
put $PA "$MT/admin/profiles/otherview/members" 'lead@example.com\n'
put $PA "$MT/admin/profiles/otherview/profile.ini" '[data_views]\nviews = other\n[reporting_tools]\nanalysis_workspace = true\n'
put $PA "$MT/admin/profiles/webplain/profile.ini" '[data_views]\nviews = web\n'

# 100,000 events of 2,000 people, 2026-03-20..04-10 (Berlin changes to
# summer time on 03-29), in sessions of events 1-10 minutes apart, 20-40
# minutes (around the 30-minute timeout) or hours between sessions;
# pages of which the view hides one, amounts in buckets and not numbers
D=$MT_DIR/data
mkdir -p "$D"
chmod 1777 "$D"
python3 - "$D/ev.csv" <<'PY'
import random, sys
r = random.Random(19)
pages = ["home", "cart", "checkout", "search", "secret", "help"]
lands = ["de", "fr", "us", ""]
rows = []
for p in range(2000):
    t = 1773964800 + r.randrange(86400 * 5)
    n = 0
    while n < 50 and t < 1775779200:
        for _ in range(1 + r.randrange(6)):
            amt = "n/a" if r.randrange(10) == 0 else str(r.randrange(100))
            qty = "n/a" if r.randrange(12) == 0 else str(r.randrange(80))
            rows.append("p%04d,%d,%s,%s,%s,%s\n" % (
                p, t, r.choice(pages), r.choice(lands), amt, qty))
            n += 1
            t += 60 + r.randrange(540)
        t += (1200 + r.randrange(1200)) if r.randrange(3) == 0 else \
             (3600 + r.randrange(200000))
rows = rows[:100000]
while len(rows) < 100000:
    rows.append(rows[len(rows) % 1000])
with open(sys.argv[1], "w") as f:
    f.writelines(rows)
PY
chmod 644 "$D/ev.csv"
eq "100,000 events" "$(wc -l <"$D/ev.csv")" "100000"
as $PA mkdir "$MT/connections/shop" "$MT/connections/shop/datasets/ev"
put $PA "$MT/connections/shop/connection.ini" '[connection]\nsandbox = prod\ndata_window_months = 60\n'
put $PA "$MT/connections/shop/datasets/ev/dataset.ini" '[dataset]\ntype = event\nperson_id = pid\ntimestamp = ts\nfields = pid, ts, page, country, amt, qty\n'
ok "ingest the events" as $PA cp "$D/ev.csv" "$MT/connections/shop/datasets/ev/records"
as $PA mkdir "$V/web" "$V/other"
put $PA "$V/web/dataview.ini" '[dataview]\nconnection = shop\ntimezone = Europe/Berlin\n'
put $PA "$V/other/dataview.ini" '[dataview]\nconnection = shop\n'
put $PA "$V/web/components/page.ini" '[component]\nfield = page\n[include_exclude]\nmode = exclude\nrules = equals:secret\n'
put $PA "$V/web/components/land.ini" '[component]\nfield = country\n'
put $PA "$V/web/components/band.ini" '[component]\nfield = qty\n[bucketing]\nbuckets = 0-10:low, 10-50:mid, 50-:high\n'
put $PA "$V/web/components/hits.ini" '[component]\nkind = metric\nfield = occurrences\n'
put $PA "$V/web/components/rev.ini" '[component]\nkind = metric\nfield = amt\naggregation = sum\n'
put $PA "$V/web/components/visitors.ini" '[component]\nkind = metric\nfield = people\n'
put $PA "$V/web/components/visits.ini" '[component]\nkind = metric\nfield = sessions\n'
put $PA "$V/web/components/pages.ini" '[component]\nkind = metric\nfield = page\naggregation = distinct\n'
put $PA "$V/web/components/landed.ini" '[component]\nkind = metric\nfield = country\naggregation = count\n'
put $PA "$V/web/components/priced.ini" '[component]\nkind = metric\nfield = amt\naggregation = count\n'

# the Workspace objects panels name
as $MIA mkdir "$P/p1" "$W/segments/segde" "$W/segments/segcart" \
	"$W/segments/segnotfr" "$W/calculated-metrics/perv" \
	"$W/calculated-metrics/net" "$W/calculated-metrics/cartrev" \
	"$W/date-ranges/mid" "$W/annotations/a1" "$W/annotations/a2"
put $MIA "$P/p1/project.ini" '[project]\ndataview = web\n'
put_g $MIA "$P/p1/shares" 'user:viewer@example.com\ngroup:Analysts edit\nuser:lead@example.com\nuser:sys@example.com\n'
put $MIA "$W/segments/segde/segment.ini" '[segment]\ndataview = web\ncontainer = session\nrule = land = de\n'
put $MIA "$W/segments/segcart/segment.ini" '[segment]\ndataview = web\ncontainer = person\nrule = page = cart\n'
put $MIA "$W/segments/segnotfr/segment.ini" '[segment]\ndataview = web\nexclude = true\nrule = land = fr\n'
put $MIA "$W/calculated-metrics/perv/metric.ini" '[metric]\ndataview = web\nformula = rev / visits\nprecision = 4\n'
put $MIA "$W/calculated-metrics/net/metric.ini" '[metric]\ndataview = web\nformula = rev - 2 * visits\nprecision = 0\n'
put $MIA "$W/calculated-metrics/cartrev/metric.ini" '[metric]\ndataview = web\nformula = rev\nsegment = segcart\nprecision = 1\n'
put $MIA "$W/date-ranges/mid/daterange.ini" '[date_range]\ndataview = web\nstart = 2026-03-25\nend = 2026-04-02\n'
put $MIA "$W/annotations/a1/annotation.ini" '[annotation]\ndataview = web\nstart = 2026-03-28\nend = 2026-03-30\ntext = spring sale\n'
put $MIA "$W/annotations/a2/annotation.ini" '[annotation]\ndataview = web\nstart = 2026-03-29\nend = 2026-03-29\ncolor = red\n'
as $PA mkdir "$W/annotations/pa-note" "$W/segments/pas"
put $PA "$W/annotations/pa-note/annotation.ini" '[annotation]\ndataview = web\nstart = 2026-03-20\nend = 2026-04-10\n'
put $PA "$W/segments/pas/segment.ini" '[segment]\ndataview = web\nrule = page = home\n'

# --- PANEL.ini: made by writing, checked at write(2) and close ---
eq "panels/ is empty" "$(as $MIA ls -A "$PN" | wc -l)" "0"
eq "mia may create in it (drwx)" "$(mode $MIA "$PN")" "drwx------"
eq "ria (view) may not" "$(mode $RIA "$PN")" "dr-x------"
ok "mia: a panel with tee" as $MIA sh -c "printf '[panel]\ntitle = Pages\ndimension = page\nmetrics = hits, rev, visitors, visits, calc:perv, calc:net\nsegments = segde\ndate_range = mid\n' | tee '$PN/pages.ini' >/dev/null"
eq "its table beside it" "$(as $MIA ls "$PN" | tr '\n' ' ')" "pages.csv pages.ini "
has "canonical, with the defaults" "$(panel pages)" "title = Pages
dimension = page
metrics = hits, rev, visitors, visits, calc:perv, calc:net
segments = segde
date_range = mid
sort = 
order = desc
limit = 400"
has "owner: who made it" "$(panel pages)" "owner = analyst@example.com"
has "audited create" "$(audit)" "	analyst@example.com	create	/workspace/projects/p1/panels/pages.ini	ok	"
eq "the table is read-only" "$(mode $MIA "$PN/pages.csv")" "-r--------"
eq "segde's used_by names the panel" "$(as $MIA cat "$W/segments/segde/used_by")" "/workspace/projects/p1/panels/pages.ini"
eq "so does perv's" "$(as $MIA cat "$W/calculated-metrics/perv/used_by")" "/workspace/projects/p1/panels/pages.ini"
eq "and mid's" "$(as $MIA cat "$W/date-ranges/mid/used_by")" "/workspace/projects/p1/panels/pages.ini"
pr "segde is in use: rmdir" EBUSY $MIA rmdir "$W/segments/segde"
has "errors: by what" "$(errors_top $MIA)" "in use by /workspace/projects/p1/panels/pages.ini"
ok "mia: cp a panel" as $MIA sh -c "printf '[panel]\ndimension = day\nmetrics = hits, visitors\nsegments = segcart, segnotfr\nsort = day\norder = asc\n' >'$D/days.ini' && cp '$D/days.ini' '$PN/days.ini'"
put $MIA "$PN/bands.ini" '[panel]\ndimension = band\nmetrics = visits, hits, landed\nsort = visits\norder = asc\nlimit = 2\n'
put $MIA "$PN/hours.ini" '[panel]\ndimension = hour\nmetrics = hits, pages\ndate_range = mid\nsort = hour\norder = asc\n'
put $MIA "$PN/weeks.ini" '[panel]\ndimension = week\nmetrics = hits, calc:cartrev\nsort = calc:cartrev\n'
put $MIA "$PN/months.ini" '[panel]\ndimension = month\nmetrics = rev, pages, visitors\nsegments = segde\n'
eq "six panels" "$(as $MIA ls "$PN" | grep -c '\.ini$')" "6"

wr "an unknown key: at write(2)" EINVAL $MIA "$PN/bad.ini" '[panel]\ncolour = red\n'
has "errors: the line" "$(errors_top $MIA)" "/workspace/projects/p1/panels/bad.ini:2: "
pr "nothing made" ENOENT $MIA stat "$PN/bad.ini"
wr "a metric that is no name: at write(2)" EINVAL $MIA "$PN/bad.ini" '[panel]\ndimension = page\nmetrics = hits, calc:x y\n'
has "errors: line and column" "$(errors_top $MIA)" "/workspace/projects/p1/panels/bad.ini:3: column 17: metrics: 'calc:x y': a metric is"
wr "limit out of range" EINVAL $MIA "$PN/bad.ini" '[panel]\ndimension = page\nlimit = 50001\n'
wr "a dimension the view lacks: at close" EINVAL $MIA "$PN/bad.ini" '[panel]\ndimension = nope\nmetrics = hits\n'
has "errors: which" "$(errors_top $MIA)" "/workspace/projects/p1/panels/bad.ini:2: dimension: no dimension 'nope' in data view 'web' (nor day, week, month, hour)"
wr "a metric the view lacks" EINVAL $MIA "$PN/bad.ini" '[panel]\ndimension = page\nmetrics = hits, nope\n'
has "errors" "$(errors_top $MIA)" "metrics: no metric 'nope' in data view 'web'"
wr "a dimension is no metric" EINVAL $MIA "$PN/bad.ini" '[panel]\ndimension = page\nmetrics = land\n'
wr "pa's private segment" EINVAL $MIA "$PN/bad.ini" '[panel]\ndimension = page\nmetrics = hits\nsegments = pas\n'
has "errors: the name" "$(errors_top $MIA)" "segments: no segment 'pas' that you can use"
wr "a calculated metric that is not there" EINVAL $MIA "$PN/bad.ini" '[panel]\ndimension = page\nmetrics = calc:nope\n'
has "errors: the name" "$(errors_top $MIA)" "metrics: no calculated metric 'nope' that you can use"
wr "a date range that is not there" EINVAL $MIA "$PN/bad.ini" '[panel]\ndimension = page\nmetrics = hits\ndate_range = nope\n'
has "errors" "$(errors_top $MIA)" "date_range: no date range 'nope' that you can use"
wr "sort by what the panel does not show" EINVAL $MIA "$PN/bad.ini" '[panel]\ndimension = page\nmetrics = hits\nsort = rev\n'
has "errors" "$(errors_top $MIA)" "sort: 'rev' is neither the dimension nor one of the metrics"
wr "a view she cannot see" EINVAL $MIA "$PN/bad.ini" '[panel]\ndataview = other\ndimension = page\n'
has "errors" "$(errors_top $MIA)" "dataview: no data view 'other' that you can see"
pr "none of them made" ENOENT $MIA stat "$PN/bad.ini"
eq "segcart used by days and (through cartrev) nothing else" "$(as $MIA cat "$W/segments/segcart/used_by")" "/workspace/calculated-metrics/cartrev
/workspace/projects/p1/panels/days.ini"

# mv renames, rm deletes; writing it back unchanged is a no-op
ok "mv renames a panel" as $MIA mv "$PN/months.ini" "$PN/monthly.ini"
eq "the table follows" "$(as $MIA ls "$PN" | grep -c '^monthly\.csv$')" "1"
has "used_by follows" "$(as $MIA cat "$W/segments/segde/used_by")" "/workspace/projects/p1/panels/monthly.ini"
ok "mia: a scratch panel" as $MIA sh -c "printf '[panel]\ndimension = page\nmetrics = hits\nsegments = segnotfr\n' >'$PN/gone.ini'"
ok "rm deletes it" as $MIA rm "$PN/gone.ini"
pr "gone" ENOENT $MIA stat "$PN/gone.ini"
pr "its table too" ENOENT $MIA stat "$PN/gone.csv"
has "audited delete" "$(audit)" "	analyst@example.com	unlink	/workspace/projects/p1/panels/gone.ini	ok"
before=$(as $PA cat "$PN/pages.ini")
ok "writing it back unchanged" as $MIA sh -c "cat '$PN/pages.ini' >'$D/same' && cp '$D/same' '$PN/pages.ini'"
eq "a no-op: modified did not move" "$(as $PA cat "$PN/pages.ini")" "$before"

# editors: sed -i writes a temporary file and renames it over the panel
ok "sed -i edits a panel" as $MIA sed -i 's/^title = Pages$/title = Top pages/' "$PN/pages.ini"
has "committed" "$(panel pages)" "title = Top pages"
# vim, in place, and renaming the file away and writing a new one
# (backupcopy=no); HOME for its viminfo
ok "vim -es edits a panel" as $MIA env HOME="$D" vim -es -c 'set backupskip=' -c '%s/^limit = 400$/limit = 401/' -c wq "$PN/pages.ini"
has "committed" "$(panel pages)" "limit = 401"
ok "vim -es with backupcopy=no" as $MIA env HOME="$D" vim -es -c 'set backupskip= backupcopy=no' -c '%s/^limit = 401$/limit = 400/' -c wq "$PN/pages.ini"
has "committed" "$(panel pages)" "limit = 400"
has "segde still lists it" "$(as $MIA cat "$W/segments/segde/used_by")" "/workspace/projects/p1/panels/pages.ini"
ok "no temporary file left" test "$(as $MIA ls -A "$PN" | grep -vc '\.\(ini\|csv\)$')" = 0

# what a read costs is bounded: calculated metrics count in at most 4
# segments of their own (each is a pass over the events)
for i in 1 2 3 4 5; do
	as $MIA mkdir "$W/segments/sx$i" "$W/calculated-metrics/cx$i"
	put $MIA "$W/segments/sx$i/segment.ini" "[segment]\ndataview = web\nrule = land = de\n"
	put $MIA "$W/calculated-metrics/cx$i/metric.ini" "[metric]\ndataview = web\nformula = hits\nsegment = sx$i\n"
done
wr "four are fine" OK $MIA "$PN/many.ini" '[panel]\ndimension = land\nmetrics = calc:cx1, calc:cx2, calc:cx3, calc:cx4\n'
wr "a fifth is refused" EINVAL $MIA "$PN/many.ini" '[panel]\ndimension = land\nmetrics = calc:cx1, calc:cx2, calc:cx3, calc:cx4, calc:cx5\n'
has "errors: why" "$(errors_top $MIA)" "metrics: the calculated metrics of a panel count in at most 4 segments of their own"
ok "rm many.ini" as $MIA rm "$PN/many.ini"

# --- the tables against sqlite3 on the same CSV ---
cat >"$D/oracle.sql" <<'SQL'
CREATE TABLE ev(pid TEXT, ts INTEGER, page TEXT, country TEXT, amt TEXT,
  qty TEXT);
.mode csv
.import ev.csv ev
.mode list
.separator ,
CREATE TABLE v AS SELECT rowid AS r, pid, ts,
  nullif(page, 'secret') AS vpage, country AS vland,
  CASE WHEN amt GLOB '[0-9]*' THEN CAST(amt AS INTEGER) END AS num,
  CASE WHEN qty = 'n/a' THEN 'Other' WHEN CAST(qty AS INTEGER) < 10
       THEN 'low' WHEN CAST(qty AS INTEGER) < 50 THEN 'mid'
       ELSE 'high' END AS vband,
  date(ts, 'unixepoch', 'localtime') AS rday,
  strftime('%H', ts, 'unixepoch', 'localtime') AS rhour,
  date(ts, 'unixepoch', 'localtime', 'weekday 0', '-6 days') AS rweek,
  strftime('%Y-%m', ts, 'unixepoch', 'localtime') AS rmonth,
  CASE WHEN ts - lag(ts) OVER (PARTITION BY pid ORDER BY ts, rowid)
       <= 1800 THEN 0 ELSE 1 END AS starts
  FROM ev;
CREATE TABLE s AS SELECT *, pid || '/' || sum(starts) OVER (PARTITION BY pid
  ORDER BY ts, r ROWS UNBOUNDED PRECEDING) AS sess FROM v;
-- the segments, each in its range
CREATE VIEW mid AS SELECT * FROM s WHERE rday BETWEEN '2026-03-25' AND '2026-04-02';
CREATE VIEW k_pages AS SELECT * FROM mid WHERE sess IN
  (SELECT sess FROM mid WHERE vland = 'de');
CREATE VIEW k_days AS SELECT * FROM s WHERE pid IN
  (SELECT pid FROM s WHERE vpage = 'cart') AND (vland = 'fr') IS NOT TRUE;
CREATE VIEW k_months AS SELECT * FROM s WHERE sess IN
  (SELECT sess FROM s WHERE vland = 'de');
CREATE VIEW k_cart AS SELECT * FROM s WHERE pid IN
  (SELECT pid FROM s WHERE vpage = 'cart');
.print #pages
SELECT vpage, count(*), coalesce(sum(num), 0), count(DISTINCT pid),
  count(DISTINCT sess) FROM k_pages WHERE vpage IS NOT NULL
  GROUP BY vpage ORDER BY count(*) DESC, vpage;
.print #days
SELECT rday, count(*), count(DISTINCT pid) FROM k_days GROUP BY rday
  ORDER BY rday;
.print #bands
SELECT vband, count(DISTINCT sess), count(*), count(nullif(vland, ''))
  FROM s GROUP BY vband ORDER BY count(DISTINCT sess), vband LIMIT 2;
.print #hours
SELECT rhour, count(*), count(DISTINCT vpage) FROM mid GROUP BY rhour
  ORDER BY rhour;
.print #weeks
SELECT w.rweek, w.n, coalesce(c.rev, 0) FROM
  (SELECT rweek, count(*) AS n FROM s GROUP BY rweek) AS w LEFT JOIN
  (SELECT rweek, sum(num) AS rev FROM k_cart GROUP BY rweek) AS c
  USING (rweek) ORDER BY coalesce(c.rev, 0) DESC, w.rweek;
.print #months
SELECT rmonth, coalesce(sum(num), 0), count(DISTINCT vpage),
  count(DISTINCT pid) FROM k_months GROUP BY rmonth
  ORDER BY coalesce(sum(num), 0) DESC, rmonth;
SQL
(cd "$D" && TZ=Europe/Berlin sqlite3 -batch -bail :memory: <oracle.sql) >"$D/oracle.out" 2>&1
# sqlite3 3.40's printf rounds about one half in a thousand away from
# C's and prints 15-16 digits of a double: the few cells a formula
# makes from sqlite3's aggregates (IEEE doubles, as the daemon's) are
# written here with C's rules (Python's % is C's), the rest as sqlite3
# printed them
python3 - "$D/oracle.out" "$D" <<'PY'
import sys
out = {}
cur = None
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("#"):
        cur = line[1:]
        out[cur] = []
    else:
        out[cur].append(line.split(","))
def w(name, head, rows):
    with open("%s/want-%s.csv" % (sys.argv[2], name), "w") as f:
        f.write(head + "\n")
        for r in rows:
            f.write(",".join(r) + "\n")
notes = {"a1": ("2026-03-28", "2026-03-30"), "a2": ("2026-03-29", "2026-03-29")}
def cell(day):
    return ";".join(n for n in sorted(notes) if notes[n][0] <= day <= notes[n][1])
w("pages", "page,hits,rev,visitors,visits,calc:perv,calc:net",
  [r + ["%.4f" % (int(r[2]) / int(r[4])), "%.0f" % (int(r[2]) - 2 * int(r[4]))]
   for r in out["pages"]])
w("days", "day,hits,visitors,annotations", [r + [cell(r[0])] for r in out["days"]])
w("bands", "band,visits,hits,landed", out["bands"])
w("hours", "hour,hits,pages", out["hours"])
w("weeks", "week,hits,calc:cartrev",
  [[r[0], r[1], "%.1f" % float(int(r[2]))] for r in out["weeks"]])
w("months", "month,rev,pages,visitors", out["months"])
PY
# what a read costs, beside sqlite3 computing all six tables (and its
# import of the CSV): a figure for the log, not a check
t0=$(date +%s%N)
as $MIA cat "$PN/pages.csv" >/dev/null
t1=$(date +%s%N)
(cd "$D" && TZ=Europe/Berlin sqlite3 -batch :memory: <oracle.sql) >/dev/null 2>&1
t2=$(date +%s%N)
mt_log "t_panels: pages.csv over 100000 events: $(((t1 - t0) / 1000000)) ms; sqlite3, import and the six tables: $(((t2 - t1) / 1000000)) ms"
for t in pages days bands hours weeks months; do
	[ "$t" = months ] && f=monthly || f=$t
	as $MIA cat "$PN/$f.csv" >"$D/got-$t.csv" 2>"$D/got-$t.err"
	if cmp -s "$D/got-$t.csv" "$D/want-$t.csv" && [ -s "$D/want-$t.csv" ]; then
		pass
	else
		fail "$f.csv differs from sqlite3: $(diff "$D/got-$t.csv" "$D/want-$t.csv" | head -8) $(head -c 300 "$D/got-$t.err") $(head -c 300 "$D/oracle.out")"
	fi
done
eq "the pages table has rows" "$(wc -l <"$D/want-pages.csv")" "6"
has "days: annotations a1 and a2 on the 29th, pa's private one never" "$(cat "$D/got-days.csv")" "2026-03-29,"
has "the DST day" "$(grep '^2026-03-29,' "$D/got-days.csv")" ",a1;a2"
hasnt "no hidden value" "$(cat "$D/got-pages.csv")" "secret"
eq "limit 2" "$(wc -l <"$D/got-bands.csv")" "3"

# st_mtime: the newest commit among what a table is computed from
m0=$(as $MIA stat -c %Y "$PN/pages.csv")
sleep 1.1
put $MIA "$W/date-ranges/mid/daterange.ini" '[date_range]\ndataview = web\nstart = 2026-03-25\nend = 2026-04-02\ndescription = mid\n'
ok "a change to its date range moves pages.csv's mtime" test "$(as $MIA stat -c %Y "$PN/pages.csv")" -gt "$m0"
eq "hours.csv names mid too" "$(as $MIA stat -c %Y "$PN/hours.csv")" "$(as $MIA stat -c %Y "$PN/pages.csv")"
m0=$(as $MIA stat -c %Y "$PN/bands.csv")
sleep 1.1
put $MIA "$W/segments/segcart/segment.ini" '[segment]\ndataview = web\ncontainer = person\nrule = page = cart\ndescription = carts\n'
eq "bands.csv names no segment: unmoved" "$(as $MIA stat -c %Y "$PN/bands.csv")" "$m0"
ok "weeks.csv's calculated metric counts in segcart: moved" test "$(as $MIA stat -c %Y "$PN/weeks.csv")" -gt "$m0"

# --- who reads the tables ---
eq "ria (view) reads the same table" "$(as $RIA cat "$PN/pages.csv")" "$(cat "$D/want-pages.csv")"
eq "ria needs no share of segde or perv" "$(as $RIA ls "$W/segments" "$W/calculated-metrics" | grep -c 'segde\|perv')" "0"
eq "gus (edit, through Analysts) too" "$(as_g $GUS 3001 cat "$PN/pages.csv")" "$(cat "$D/want-pages.csv")"
eq "pa (product admin) too" "$(as $PA cat "$PN/pages.csv")" "$(cat "$D/want-pages.csv")"
has "days: the reader's annotations: pa sees hers" "$(as $PA cat "$PN/days.csv" | grep '^2026-03-29,')" ",a1;a2;pa-note"
has "ria sees none of mia's" "$(as $RIA cat "$PN/days.csv" | grep '^2026-03-29,')" ","
eq "ria: no annotation cell" "$(as $RIA cat "$PN/days.csv" | grep '^2026-03-29,' | awk -F, '{print $4}')" ""
pr "lead (shared, but no view web) may not read it" EACCES $LEAD read "$PN/pages.csv"
has "audited denied" "$(audit)" "	lead@example.com	read	/workspace/projects/p1/panels/pages.csv	denied	"
eq "lead: r-- nowhere" "$(mode $LEAD "$PN/pages.csv")" "----------"
# a table's mtime tells when its view last changed: its readers' alone
m0=$(as $LEAD stat -c %Y "$PN/pages.csv")
sleep 1.1
put $PA "$V/web/components/hits2.ini" '[component]\nkind = metric\nfield = occurrences\n'
ok "a change to the view moves pages.csv's mtime for mia" test "$(as $MIA stat -c %Y "$PN/pages.csv")" -gt "$m0"
eq "not for lead, who may not read web" "$(as $LEAD stat -c %Y "$PN/pages.csv")" "$m0"
ok "hits2 goes" as $PA rm "$V/web/components/hits2.ini"
has "why: the view" "$(as $LEAD getfattr --only-values -n user.cjafs.why "$PN/pages.csv" 2>/dev/null)" "read: denied: needs role product admin or a profile granting data view web with analysis_workspace"
ok "lead reads the panel's .ini (the project is shared with him)" as $LEAD cat "$PN/pages.ini"
put $PA "$MT/admin/profiles/webplain/members" 'lead@example.com\n'
pr "lead sees web, without analysis_workspace on it: refused" EACCES $LEAD read "$PN/pages.csv"
pr "sys (no analysis_workspace at all): nothing" ENOENT $SYS read "$PN/pages.csv"
pr "unmapped: nothing" ENOENT $NOBODY read "$PN/pages.csv"
pr "gus without his group: nothing" ENOENT $GUS read "$PN/pages.csv"
pr "ria may not write a panel" EACCES $RIA open-w "$PN/pages.ini"
before=$(panel pages)
wr "nor create one" EACCES $RIA "$PN/new.ini" '[panel]\ndimension = page\n'
pr "nor delete one" EACCES $RIA unlink "$PN/pages.ini"
no "nor rename one" as $RIA mv "$PN/pages.ini" "$PN/mine.ini"
eq "nothing changed" "$(panel pages)" "$before"
pr "nobody writes a table" EACCES $MIA open-w "$PN/pages.csv"

# --- curation: a curated recipient names only the curated set ---
put $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[curation]\nenabled = true\ncomponents = dimension land, metric hits\n'
has "gus's components: the curated ones and what panels use" "$(as_g $GUS 3001 cat "$P/p1/components")" "dimension land
dimension page
metric hits"
wr_g "gus: a panel of curated components and those panels use" OK $GUS "$PN/g1.ini" '[panel]\ndimension = land\nmetrics = hits, visitors\n'
has "modified_by gus" "$(as $PA cat "$PN/g1.ini")" "modified_by = pa2@example.com"
wr_g "gus: a metric outside the curated set" EACCES $GUS "$PN/g2.ini" '[panel]\ndimension = land\nmetrics = hits, priced\n'
has "errors: the name" "$(errors_top $GUS)" "metric priced: not among the components project 'p1' curates for you"
has "audited" "$(audit)" "	pa2@example.com	write	/workspace/projects/p1/panels/g2.ini	denied	metric priced: not among"
pr_g "nothing made" ENOENT $GUS stat "$PN/g2.ini"
as $MIA mkdir "$W/segments/shared2"
put $MIA "$W/segments/shared2/segment.ini" '[segment]\ndataview = web\nrule = land = us\n'
put_g $MIA "$W/segments/shared2/shares" 'group:Analysts\n'
wr_g "gus: a segment he may use, but not curated" EACCES $GUS "$PN/g1.ini" '[panel]\ndimension = land\nmetrics = hits\nsegments = shared2\n'
has "errors" "$(errors_top $GUS)" "segment shared2: not among"
wr "mia (owner) may" OK $MIA "$PN/g1.ini" '[panel]\ndimension = land\nmetrics = hits\nsegments = shared2\n'
wr_g "now it is used by a panel: gus may name it" OK $GUS "$PN/g1.ini" '[panel]\ndimension = land\nmetrics = hits, visitors\nsegments = shared2\n'
wr_g "but not segde's rule (a segment he cannot use)" EINVAL $GUS "$PN/g1.ini" '[panel]\ndimension = land\nmetrics = hits\nsegments = segde\n'
has "errors" "$(errors_top $GUS)" "segments: no segment 'segde' that you can use"
# the curated names are the project's view's: alike in another view
# gus sees, they are not curated
put $PA "$V/other/components/land.ini" '[component]\nfield = country\n'
put $PA "$V/other/components/hits.ini" '[component]\nkind = metric\nfield = occurrences\n'
put $PA "$MT/admin/profiles/otherview/members" 'lead@example.com\ngroup:Analysts\n'
wr_g "gus: curated names, on another view" EACCES $GUS "$PN/g3.ini" '[panel]\ndataview = other\ndimension = land\nmetrics = hits\n'
has "errors: the view" "$(errors_top $GUS)" "dataview other: not the data view project 'p1' curates for you"
pr_g "nothing made" ENOENT $GUS stat "$PN/g3.ini"
wr_g "nor moved there" EACCES $GUS "$PN/g1.ini" '[panel]\ndataview = other\ndimension = land\nmetrics = hits\n'
has "g1 still on web" "$(panel g1)" "dataview = 
"
# nor by moving the project's view, which its panels without a view of
# their own read: in a curated project that is its owner's to do, and
# in any project the panels must fit the new view as the writer may
# write them (mia's name segde, which gus may not use)
pj=$(as_g $GUS 3001 cat "$P/p1/project.ini" | sed 's/^dataview = web$/dataview = other/')
wr_g "gus: the curated project's view" EACCES $GUS "$P/p1/project.ini" "$pj"
has "errors: why" "$(errors_top $GUS)" "dataview: project 'p1' is curated: its data view is its owner's to change"
has "audited" "$(audit)" "	pa2@example.com	change	/workspace/projects/p1	denied	project: dataview: project 'p1' is curated"
put $MIA "$P/p1/project.ini" '[project]\ndataview = web\n'
pj=$(as_g $GUS 3001 cat "$P/p1/project.ini" | sed 's/^dataview = web$/dataview = other/')
wr_g "gus: the view under mia's panels" EINVAL $GUS "$P/p1/project.ini" "$pj"
has "errors: a panel that does not fit" "$(errors_top $GUS)" "does not fit data view 'other'"
eq "the project still reads web" "$(as $MIA sed -n 's/^dataview = //p' "$P/p1/project.ini")" "web"
eq "its panels too" "$(as_g $GUS 3001 cat "$PN/pages.csv")" "$(cat "$D/want-pages.csv")"
put $PA "$MT/admin/profiles/otherview/members" 'lead@example.com\n'
ok "gus deletes his panel" as_g $GUS 3001 rm "$PN/g1.ini"
put $MIA "$P/p1/project.ini" '[project]\ndataview = web\n'

# hour is finer than day: it shows only where the view shows the
# event's time as it is (a dimension over the timestamp field hiding or
# bucketing it hides the hour too; day is a field of its own)
put $PA "$V/web/components/when.ini" '[component]\nfield = ts\n[include_exclude]\nmode = exclude\nrules = regex:.*\n'
eq "the view hides every time: hours.csv has no rows" "$(as $RIA cat "$PN/hours.csv")" "hour,hits,pages"
put $PA "$V/web/components/when.ini" '[component]\nfield = ts\n[bucketing]\nbuckets = 0-1774500000:early, 1774500000-:late\n'
eq "nor where it buckets it" "$(as $RIA cat "$PN/hours.csv")" "hour,hits,pages"
ok "days.csv keeps its days" test "$(as $RIA cat "$PN/days.csv" | wc -l)" -gt 10
ok "when goes" as $PA rm "$V/web/components/when.ini"
ok "hours.csv has its hours again" test "$(as $RIA cat "$PN/hours.csv" | wc -l)" -eq 25

# --- what a panel uses, gone: EINVAL, /errors names it, no other data ---
ok "pa renames a component a panel uses" as $PA mv "$V/web/components/band.ini" "$V/web/components/bucket.ini"
pr "bands.csv: EINVAL" EINVAL $RIA read "$PN/bands.csv"
has "errors: what is missing" "$(errors_top $RIA)" "/workspace/projects/p1/panels/bands.csv: panel: dimension 'band' is gone from data view 'web'"
ok "and back" as $PA mv "$V/web/components/bucket.ini" "$V/web/components/band.ini"
ok "bands.csv again" as $RIA cat "$PN/bands.csv"
ok "pa deletes a metric component" as $PA rm "$V/web/components/visits.ini"
pr "pages.csv: EINVAL" EINVAL $MIA read "$PN/pages.csv"
has "errors: the metric" "$(errors_top $MIA)" "panel: metric 'visits' is gone from the data view"
put $PA "$V/web/components/visits.ini" '[component]\nkind = metric\nfield = sessions\n'
put $MIA "$W/calculated-metrics/perv/metric.ini" '[metric]\ndataview = web\nformula = rev / visits / hits\nprecision = 4\n'
ok "a formula changed: still reads" as $MIA cat "$PN/pages.csv"
ok "pa renames rev" as $PA mv "$V/web/components/rev.ini" "$V/web/components/revenue.ini"
pr "a formula that no longer binds: EINVAL" EINVAL $MIA read "$PN/weeks.csv"
has "errors: the formula" "$(errors_top $MIA)" "panel: calculated metric 'cartrev': formula: unknown metric 'rev'"
ok "and back" as $PA mv "$V/web/components/revenue.ini" "$V/web/components/rev.ini"
ok "pa renames the data view" as $PA mv "$V/web" "$V/web2"
pr "every table: EINVAL" EINVAL $RIA read "$PN/hours.csv"
has "errors: the view" "$(errors_top $RIA)" "panel: data view 'web' is gone"
ok "and back" as $PA mv "$V/web2" "$V/web"
ok "hours.csv again" as $RIA cat "$PN/hours.csv"

# --- reporting activity: listed from open, cancelled ---
as $MIA bash -c "exec 3<'$PN/pages.csv'; sleep 2; cat <&3 >/dev/null 2>'$D/cancelled'; echo \$? >'$D/cancelled.rc'" &
bg=$!
sleep 1
has "listed while open" "$(as $PA cat "$MT/admin/reporting-activity")" ",analyst@example.com,/workspace/projects/p1/panels/pages.csv,"
ok "pa cancels it" as $PA sh -c "echo 'cancel path:/workspace/projects/p1/panels/pages.csv' >'$MT/admin/reporting-activity'"
wait $bg
eq "the reader's read failed" "$(cat "$D/cancelled.rc")" "1"
has "with ECANCELED" "$(cat "$D/cancelled")" "Operation canceled"
has "her errors say who" "$(as $MIA cat "$MT/errors")" "pa@example.com"
has "audited" "$(audit)" "	pa@example.com	cancel	"
eq "none left" "$(as $PA cat "$MT/admin/reporting-activity" | grep -c 'panels/')" "0"

# --- /links/TOKEN/panels: read-only, as the owner sees them ---
put $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[link]\nenabled = true\n'
T=$(as $MIA sed -n 's/^token = //p' "$P/p1/project.ini")
eq "the link lists the tables" "$(as $RIA ls "$MT/links/$T/panels" | tr '\n' ' ')" "bands.csv days.csv hours.csv monthly.csv pages.csv weeks.csv "
eq "ria reads one as mia would" "$(as $RIA cat "$MT/links/$T/panels/days.csv")" "$(as $MIA cat "$PN/days.csv")"
has "with mia's annotations" "$(as $RIA cat "$MT/links/$T/panels/days.csv" | grep '^2026-03-29,')" ",a1;a2"
eq "read-only" "$(mode $RIA "$MT/links/$T/panels/pages.csv")" "-r--------"
as $RIA bash -c "exec 3<'$MT/links/$T/panels/pages.csv'; sleep 2" &
bg=$!
sleep 1
act=$(as $PA cat "$MT/admin/reporting-activity")
wait $bg
has "reporting activity lists a link's table" "$act" ",viewer@example.com,/links/(withheld)/panels/pages.csv,"
hasnt "without its token" "$act" "$T"
pr "no .ini there" ENOENT $RIA read "$MT/links/$T/panels/pages.ini"
pr "nothing is written there" EACCES $RIA open-w "$MT/links/$T/panels/pages.csv"
has "the refusal is audited" "$(audit)" "	viewer@example.com	write	/links/(withheld)/panels/pages.csv	denied"
hasnt "the token never reaches the audit log" "$(audit)" "$T"
pr "lead (no analysis_workspace on web, but on other) reads the link" OK $LEAD read "$MT/links/$T/panels/pages.csv"
put $PA "$MT/admin/profiles/otherview/members" ''
pr "lead without analysis_workspace: no link" ENOENT $LEAD read "$MT/links/$T/panels/pages.csv"
pr "unmapped: no link" ENOENT $NOBODY read "$MT/links/$T/panels/pages.csv"
ok "mia renames the project" as $MIA mv "$P/p1" "$P/p2"
ok "the link follows it" as $RIA cat "$MT/links/$T/panels/pages.csv"
has "used_by follows the project" "$(as $MIA cat "$W/segments/segde/used_by")" "/workspace/projects/p2/panels/pages.ini"
ok "and back" as $MIA mv "$P/p2" "$P/p1"
put $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[link]\nenabled = false\n'
pr "disabled: gone" ENOENT $RIA read "$MT/links/$T/panels/pages.csv"

# the view's filter applies, whoever reads
put $MIA "$PN/lands.ini" '[panel]\ndimension = land\nmetrics = hits\nsort = land\norder = asc\n'
eq "four lands (one empty)" "$(as $RIA cat "$PN/lands.csv" | cut -d, -f1 | tr '\n' ' ')" "land  de fr us "
put $PA "$V/web/dataview.ini" '[dataview]\nconnection = shop\ntimezone = Europe/Berlin\nfilter = country = de\n'
eq "filtered to de: for ria" "$(as $RIA cat "$PN/lands.csv" | cut -d, -f1 | tr '\n' ' ')" "land de "
eq "and for pa" "$(as $PA cat "$PN/lands.csv" | cut -d, -f1 | tr '\n' ' ')" "land de "
put $PA "$V/web/dataview.ini" '[dataview]\nconnection = shop\ntimezone = Europe/Berlin\n'

# a link without login: any caller, unmapped too, while the
# configuration lets links say so
mt_unmount
MT_CONFIG_EXTRA="[workspace]
anonymous_links = true" mt_write_config
mt_mount || fail "remount with anonymous_links"
put $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[link]\nenabled = true\nrequire_login = false\n'
T=$(as $MIA sed -n 's/^token = //p' "$P/p1/project.ini")
eq "unmapped reads a table as mia sees it" "$(as $NOBODY cat "$MT/links/$T/panels/days.csv")" "$(as $MIA cat "$PN/days.csv")"
pr "unmapped: still nothing in the project" ENOENT $NOBODY read "$PN/days.csv"
put $MIA "$P/p1/project.ini" '[project]\ndataview = web\n'
pr "the link off: gone" ENOENT $NOBODY read "$MT/links/$T/panels/days.csv"
mt_unmount
MT_CONFIG_EXTRA= mt_write_config
mt_mount || fail "remount without anonymous_links"

# panels count toward their maker's [limits] workspace_objects
owned() { as $PA sh -c "cat '$W'/*/*/*.ini '$W'/projects/*/panels/*.ini" | grep -c "^owner = $1\$"; }
n=$(owned analyst@example.com)
mt_unmount
MT_CONFIG_EXTRA="workspace_objects = $n" mt_write_config
mt_mount || fail "remount with workspace_objects"
wr "mia: a panel past [limits] workspace_objects" EDQUOT $MIA "$PN/more.ini" '[panel]\ndimension = land\n'
pr "nothing made" ENOENT $MIA stat "$PN/more.ini"
ok "rm one of hers" as $MIA rm "$PN/lands.ini"
wr "then she may" OK $MIA "$PN/more.ini" '[panel]\ndimension = land\n'
mt_unmount
MT_CONFIG_EXTRA= mt_write_config
mt_mount || fail "remount without the limit"

# --- a project's rmdir takes its panels, and their references ---
ok "mia: rmdir the project" as $MIA rmdir "$P/p1"
eq "segde used by nothing" "$(as $MIA cat "$W/segments/segde/used_by")" ""
ok "segde may go now" as $MIA rmdir "$W/segments/segde"
as $MIA mkdir "$P/p3"
put $MIA "$P/p3/project.ini" '[project]\ndataview = web\n'
put $MIA "$P/p3/panels/a.ini" '[panel]\ndimension = land\nmetrics = hits\nsegments = segcart\n'
put $MIA "$P/p3/panels/b.ini" '[panel]\ndimension = day\nmetrics = visits\n'
ok "rm -r of a project with panels" as $MIA rm -r "$P/p3"
pr "gone" ENOENT $MIA stat "$P/p3"
hasnt "segcart no longer lists its panel" "$(as $MIA cat "$W/segments/segcart/used_by")" "/workspace/projects/p3/"

# --- what a curated recipient's reads cost the others ---
# components of a curated project lists what its panels name: 255
# panels of 50 metrics are one check per distinct name, not one per
# mention (which held everyone else ~0.25 s per read)
as $MIA mkdir "$P/p4"
put $MIA "$P/p4/project.ini" '[project]\ndataview = web\n[curation]\nenabled = true\ncomponents = dimension land\n'
put_g $MIA "$P/p4/shares" 'group:Analysts edit\n'
M=$(python3 -c "print(', '.join((['hits', 'rev', 'visitors', 'visits', 'pages', 'landed', 'priced'] * 8)[:50]))")
for i in $(seq 255); do
	as $MIA sh -c "printf '[panel]\ndimension = land\nmetrics = $M\n' >'$P/p4/panels/p$i.ini'"
done
eq "gus's components: the curated and the used, once each" "$(as_g $GUS 3001 cat "$P/p4/components" | wc -l)" "8"
# the best of five reads (the model's lock is held for each): logged,
# not judged (speed is the benchmark's to measure)
best=$(as_g $GUS 3001 python3 - "$P/p4/components" <<'PY'
import sys, time
best = None
for i in range(5):
    t = time.monotonic()
    open(sys.argv[1]).read()
    d = time.monotonic() - t
    best = d if best is None else min(best, d)
print(int(best * 1000))
PY
)
mt_log "t_panels: gus's components of 255 panels: $best ms"
ok "gus reads them" test -n "$best"
t0=$(date +%s%N)
wr_g "gus: a panel of what they name, checked once" OK $GUS "$P/p4/panels/g.ini" "[panel]\\ndimension = land\\nmetrics = $M\\n"
t1=$(date +%s%N)
mt_log "t_panels: gus's curated commit over 255 panels: $(((t1 - t0) / 1000000)) ms"
ok "mia: rm -r p4" as $MIA rm -r "$P/p4"
