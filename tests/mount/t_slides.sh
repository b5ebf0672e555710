#!/usr/bin/env bash
# A project's slides.html (SPEC §7) on a real mount, and in a real
# browser: who may read it (data_storytelling on the project's view;
# captions only with intelligent_captions), what it holds (a section per
# panel with its title, an inline SVG chart of the first metric, bars or
# a line over day, the table, a caption computed from the data), that
# every value is escaped (items, titles and errors holding <script>,
# quotes, & and ]]>), a panel whose dimension is gone shown as its
# error, the bound on rows shown, /links/TOKEN/slides.html as the owner
# sees it, reporting activity and cancel.
#
# The browser: Debian's chromium, headless, as the reader (uid 2005),
# loads file:// of a copy of the mount's slides.html (chromium reads a
# file as long as its st_size, and a computed file has none until it is
# read), dumps the DOM and takes a
# screenshot; --enable-logging=stderr --v=0 writes every console message
# (a CSP violation, a script error, a blocked load) as a ":CONSOLE"
# line, and there must be none (a page that does violate the policy
# shows the check sees them).  Each chart's bars (and a line's points)
# in the dumped DOM must carry the panel's first metric from PANEL.csv,
# in its order, at heights proportional to it.  Without chromium the
# browser checks fail under CI=true, and say loudly they did not run
# otherwise (scripts/deps.sh --editors installs it).
#
#   2005 mia   (analyst@example.com) owner: analysis_workspace,
#              data_storytelling, intelligent_captions, creation,
#              share_project_links on view web
#   2006 ria   (viewer@example.com) view recipient: analysis_workspace
#              only: the panels, not the slides
#   2003 gus   (pa2@example.com) view recipient with data_storytelling
#              but not intelligent_captions: no captions
#   2004 lead  view recipient with both tools on view other only
#   2002 pa    product admin;  2999 unmapped
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
S=$P/p1/slides.html
here=$(cd "$(dirname "$0")" && pwd)

put() { as "$1" sh -c "printf '$3' >'$2'"; }
pr() { errno_is "$1" "$2" as "$3" bash -c "$(declare -f probe); probe $4 '$5'"; }
audit() { as $PA cat "$MT/audit/log"; }

# --- the world ---
put $SYS "$MT/admin/product-admins" 'pa@example.com\n'
put $SYS "$MT/admin/sandboxes" 'prod\n'
as $SYS mkdir "$MT/admin/platform/full"
put $SYS "$MT/admin/platform/full/platform.ini" '[platform]\nsandboxes = prod\npermissions = view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces\n'
put $SYS "$MT/admin/platform/full/members" 'pa@example.com\n'
as $PA mkdir "$MT/admin/profiles/creators" "$MT/admin/profiles/readers" \
	"$MT/admin/profiles/tellers" "$MT/admin/profiles/otherview"
put $PA "$MT/admin/profiles/creators/members" 'analyst@example.com\n'
put $PA "$MT/admin/profiles/creators/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\nsegment_creation = true\ncalculated_metrics_creation = true\nshare_project_links = true\ndata_storytelling = true\nintelligent_captions = true\n'
put $PA "$MT/admin/profiles/readers/members" 'viewer@example.com\n'
put $PA "$MT/admin/profiles/readers/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\n'
put $PA "$MT/admin/profiles/tellers/members" 'pa2@example.com\n'
put $PA "$MT/admin/profiles/tellers/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\ndata_storytelling = true\n'
put $PA "$MT/admin/profiles/otherview/members" 'lead@example.com\n'
put $PA "$MT/admin/profiles/otherview/profile.ini" '[data_views]\nviews = other\n[reporting_tools]\nanalysis_workspace = true\ndata_storytelling = true\nintelligent_captions = true\n'

# 3,000 events of 60 people over ten days; pages include hostile text
D=$MT_DIR/data
mkdir -p "$D"
chmod 1777 "$D"
python3 - "$D/ev.csv" <<'PY'
import csv, random, sys
r = random.Random(5)
pages = ["home", "cart", "<script>alert(1)</script>", "q\"u'o", "a&b",
         "]]>", "=1+2", "help"]
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    for i in range(3000):
        w.writerow(["p%02d" % r.randrange(60),
                    1775001600 + r.randrange(86400 * 10),
                    pages[min(r.randrange(12), 7)],
                    r.choice(["de", "fr", "us"]), r.randrange(100)])
PY
chmod 644 "$D/ev.csv"
as $PA mkdir "$MT/connections/shop" "$MT/connections/shop/datasets/ev"
put $PA "$MT/connections/shop/connection.ini" '[connection]\nsandbox = prod\ndata_window_months = 60\n'
put $PA "$MT/connections/shop/datasets/ev/dataset.ini" '[dataset]\ntype = event\nperson_id = pid\ntimestamp = ts\nfields = pid, ts, page, country, amt\n'
ok "ingest the events" as $PA cp "$D/ev.csv" "$MT/connections/shop/datasets/ev/records"
as $PA mkdir "$V/web" "$V/other"
put $PA "$V/web/dataview.ini" '[dataview]\nconnection = shop\n'
put $PA "$V/other/dataview.ini" '[dataview]\nconnection = shop\n'
put $PA "$V/web/components/page.ini" '[component]\nfield = page\n'
put $PA "$V/web/components/land.ini" '[component]\nfield = country\n'
put $PA "$V/web/components/who.ini" '[component]\nfield = pid\n'
put $PA "$V/web/components/hits.ini" '[component]\nkind = metric\nfield = occurrences\n'
put $PA "$V/web/components/rev.ini" '[component]\nkind = metric\nfield = amt\naggregation = sum\n'

as $MIA mkdir "$P/p1" "$W/calculated-metrics/perhit"
put $MIA "$P/p1/project.ini" '[project]\ndataview = web\n'
put $MIA "$P/p1/shares" 'user:viewer@example.com\nuser:pa2@example.com\nuser:lead@example.com\n'
put $MIA "$W/calculated-metrics/perhit/metric.ini" '[metric]\ndataview = web\nformula = rev / hits\n'
# the title: every character HTML cares about (printf: %% is %)
TITLE="Top <script>alert(\"t\")</script> & 'pages' ]]>"
as $MIA python3 -c 'import sys; open(sys.argv[1], "w").write("[panel]\ntitle = %s\ndimension = page\nmetrics = hits, rev, calc:perhit\n" % sys.argv[2])' "$PN/pages.ini" "$TITLE"
put $MIA "$PN/days.ini" '[panel]\ntitle = Every day\ndimension = day\nmetrics = rev, hits\nsort = day\norder = asc\n'
put $MIA "$PN/lands.ini" '[panel]\ntitle = Lands\ndimension = land\nmetrics = rev\n'
put $MIA "$PN/people.ini" '[panel]\ntitle = People\ndimension = who\nmetrics = hits\n'

# --- who reads it ---
ok "mia reads slides.html" as $MIA cat "$S"
as $MIA cat "$S" >"$D/mia.html"
pr "ria (no data_storytelling): EACCES" EACCES $RIA read "$S"
has "the refusal is audited (on the project) with why" "$(audit)" "	viewer@example.com	read	/workspace/projects/p1	denied	project: needs role product admin or a profile granting data view web with analysis_workspace and data_storytelling"
ok "ria still reads the panels" as $RIA cat "$PN/pages.csv"
pr "lead (the tools, but not on web): EACCES" EACCES $LEAD read "$S"
pr "unmapped: ENOENT" ENOENT $NOBODY read "$S"
ok "gus (data_storytelling) reads it" as $GUS cat "$S"
ok "pa reads it" as $PA cat "$S"
eq "read-only" "$(as $MIA stat -c %A "$S")" "-r--------"
pr "nothing is written to it" EACCES $MIA open-w "$S"

# --- what it holds ---
page=$(cat "$D/mia.html")
has "the policy" "$page" "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
eq "a section per panel" "$(grep -c '^<section class="slide' "$D/mia.html")" "4"
eq "no script anywhere" "$(grep -ci '<script' "$D/mia.html")" "0"
eq "nothing loaded: no src, href, url( or @import" "$(grep -ciE 'src=|href=|url\(|@import' "$D/mia.html")" "0"
has "the title escaped" "$page" "<h2>Top &lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; &#39;pages&#39; ]]&gt;</h2>"
has "an item escaped" "$page" "<td>q&quot;u&#39;o</td>"
has "a spreadsheet's guard is no part of the value" "$page" "<td>=1+2</td>"
has "days: a line" "$page" '<svg class="chart line"'
has "pages: bars" "$page" '<svg class="chart bars"'
has "people: 50 of 60 rows shown" "$page" '<p class="more">The first 50 of 60 rows; panels/people.csv holds them all.</p>'
# the captions against the tables
for p in pages days lands people; do
	as $MIA cat "$PN/$p.csv" >"$D/$p.csv"
done
as $GUS cat "$S" >"$D/gus.html"
python3 - "$D" <<'PY' >"$D/captions.out"
import csv, html, re, sys
d = sys.argv[1]
page = open(d + "/mia.html").read()
def num(v):
    return "%.0f" % v if v == int(v) else "%.2f" % v
def rows(p):
    return list(csv.reader(open("%s/%s.csv" % (d, p))))
def caption(p):
    m = re.search(r'<section class="slide[^"]*" data-panel="%s">\n<h2>.*?</h2>\n<p class="caption">(.*?)</p>' % p, page, re.S)
    return html.unescape(m.group(1)) if m else None
bad = 0
for p in ("pages", "lands"):
    t = rows(p)
    vals = [(r[0], float(r[1])) for r in t[1:]]
    top = max(vals, key=lambda x: x[1])
    tot = sum(v for _, v in vals)
    want = "%s has the most %s: %s, %.1f%% of the %s summed over all %d rows." % (
        top[0], t[0][1], num(top[1]), top[1] / tot * 100, num(tot), len(vals))
    if caption(p) != want:
        print("%s: %r != %r" % (p, caption(p), want)); bad += 1
t = rows("days")
a, b = float(t[1][1]), float(t[-1][1])
want = "%s went from %s on %s to %s on %s (%+.1f%%)." % (
    t[0][1], num(a), t[1][0], num(b), t[-1][0], (b - a) / abs(a) * 100)
if caption("days") != want:
    print("days: %r != %r" % (caption("days"), want)); bad += 1
if 'class="caption"' in open(d + "/gus.html").read():
    print("gus has captions"); bad += 1
print("ok" if not bad else "bad")
PY
eq "captions: the top item and its share; over time the change" "$(cat "$D/captions.out")" "ok"

# --- the browser ---
# chromium DIR URL: dumps the DOM to DIR/dom.html, the screenshot to
# DIR/shot.png, the console to DIR/console; as mia, from the mount
browse() {
	local dir=$1 url=$2
	mkdir -p "$dir/home"
	chown -R $MIA:$MIA "$dir"
	as $MIA env HOME="$dir/home" timeout 120 chromium --headless \
		--no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
		--enable-logging=stderr --v=0 --window-size=1000,1800 \
		--dump-dom "$url" >"$dir/dom.html" 2>"$dir/stderr" &&
	as $MIA env HOME="$dir/home" timeout 120 chromium --headless \
		--no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
		--enable-logging=stderr --v=0 --window-size=1000,1800 \
		--screenshot="$dir/shot.png" "$url" >/dev/null 2>>"$dir/stderr"
	grep ':CONSOLE' "$dir/stderr" >"$dir/console"
}
if ! command -v chromium >/dev/null; then
	if [ "${CI:-}" = true ]; then
		fail "chromium is missing (scripts/deps.sh --editors installs it)"
	else
		mt_log "SKIP [$MT_NAME] the browser checks: chromium is missing (scripts/deps.sh --editors installs it)"
	fi
else
	# the check sees a page that breaks its policy
	printf '<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src %s"><img src="https://example.invalid/x.png"><p>x</p>' "'none'" >"$D/bad.html"
	chmod 644 "$D/bad.html"
	browse "$D/b0" "file://$D/bad.html"
	has "a blocked load is a console line" "$(cat "$D/b0/console")" "violates the following Content Security Policy"
	# a copy: chromium reads a file:// as long as its st_size, and a
	# computed file has none until it is read
	chmod 644 "$D/mia.html"
	browse "$D/b1" "file://$D/mia.html"
	has "the DOM dumped" "$(cat "$D/b1/dom.html")" '<section class="slide" data-panel="pages">'

	eq "the slides: no console message" "$(cat "$D/b1/console")" ""
	ok "a screenshot" test -s "$D/b1/shot.png"
	eq "a PNG" "$(head -c 8 "$D/b1/shot.png" | od -An -c | tr -d ' ')" "211PNG\r\n032\n"
	python3 - "$D" "$TITLE" <<'PY' >"$D/dom.out"
import csv, sys
from html.parser import HTMLParser
d, title = sys.argv[1], sys.argv[2]
class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sec = {}; self.cur = None; self.text = None; self.h2 = {}
        self.scripts = 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "section":
            self.cur = a.get("data-panel")
            self.sec[self.cur] = {"bars": [], "points": [], "svg": None}
        elif tag == "h2":
            self.text = ""
        elif tag == "svg" and self.cur:
            self.sec[self.cur]["svg"] = a.get("class")
        elif tag == "rect" and "bar" in a.get("class", ""):
            self.sec[self.cur]["bars"].append((a["data-value"], float(a["height"]), float(a["y"])))
        elif tag == "circle" and "point" in a.get("class", ""):
            self.sec[self.cur]["points"].append((a["data-value"], float(a["cy"])))
    def handle_data(self, data):
        if self.text is not None:
            self.text += data
    def handle_endtag(self, tag):
        if tag == "h2" and self.text is not None:
            self.h2[self.cur] = self.text; self.text = None
dom = Dom()
dom.feed(open(d + "/b1/dom.html").read())
bad = []
if dom.scripts:
    bad.append("a script element")
if dom.h2.get("pages") != title:
    bad.append("title %r" % dom.h2.get("pages"))
for p, kind in (("pages", "bars"), ("lands", "bars"), ("people", "bars"), ("days", "line")):
    t = list(csv.reader(open("%s/%s.csv" % (d, p))))[1:51]
    s = dom.sec.get(p)
    if not s or s["svg"] != "chart " + kind:
        bad.append("%s: no %s chart" % (p, kind)); continue
    if kind == "line":
        t.sort(key=lambda r: r[0])
        got = [(v, 210 - cy) for v, cy in s["points"]]
    else:
        got = [(v, h) for v, h, y in s["bars"]]
        if any(abs(y + h - 210) > 0.01 for v, h, y in s["bars"]):
            bad.append("%s: a bar off the axis" % p)
    mx = max(float(r[1]) for r in t)
    if [v for v, _ in got] != [r[1] for r in t]:
        bad.append("%s: values %r" % (p, [v for v, _ in got][:5]))
    for (v, h), r in zip(got, t):
        if abs(h - float(r[1]) / mx * 200) > 0.01:
            bad.append("%s: %s at %.3f" % (p, r[0], h)); break
print("ok" if not bad else "; ".join(bad))
PY
	eq "each chart: the panel's first metric, in proportion" "$(cat "$D/dom.out")" "ok"
fi

# --- a panel whose dimension is gone: its error, in its section ---
ok "pa renames a component lands uses" as $PA mv "$V/web/components/land.ini" "$V/web/components/country.ini"
ok "the slides still read" as $MIA cat "$S"
page=$(as $MIA cat "$S")
has "lands: its error" "$page" "<section class=\"slide failed\" data-panel=\"lands\">
<h2>Lands</h2>
<p class=\"error\">/workspace/projects/p1/panels/lands.csv: panel: dimension &#39;land&#39; is gone from data view &#39;web&#39;</p>
</section>"
eq "the others as they were" "$(printf '%s\n' "$page" | grep -c '<svg class="chart')" "3"
ok "and back" as $PA mv "$V/web/components/country.ini" "$V/web/components/land.ini"

# --- /links/TOKEN/slides.html: as the owner sees it ---
put $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[link]\nenabled = true\n'
T=$(as $MIA sed -n 's/^token = //p' "$P/p1/project.ini")
eq "ria reads the link's slides as mia would" "$(as $RIA cat "$MT/links/$T/slides.html")" "$(cat "$D/mia.html")"
pr "a wrong token: ENOENT" ENOENT $RIA read "$MT/links/0123456789abcdef0123456789abcdef/slides.html"
pr "unmapped: ENOENT" ENOENT $NOBODY read "$MT/links/$T/slides.html"
as $RIA bash -c "exec 3<'$MT/links/$T/slides.html'; sleep 2" &
bg=$!
sleep 1
act=$(as $PA cat "$MT/admin/reporting-activity")
wait $bg
has "reporting activity lists it, the token withheld" "$act" ",viewer@example.com,/links/(withheld)/slides.html,"
hasnt "the token is not in reporting activity" "$act" "$T"
hasnt "the token is not in the audit log" "$(audit)" "$T"
put $PA "$MT/admin/profiles/creators/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\nsegment_creation = true\ncalculated_metrics_creation = true\nshare_project_links = true\nintelligent_captions = true\n'
pr "the owner without data_storytelling: the link's slides EACCES" EACCES $RIA read "$MT/links/$T/slides.html"
ok "its tables still read" as $RIA cat "$MT/links/$T/panels/pages.csv"
put $PA "$MT/admin/profiles/creators/profile.ini" '[data_views]\nviews = web\n[reporting_tools]\nanalysis_workspace = true\nsegment_creation = true\ncalculated_metrics_creation = true\nshare_project_links = true\ndata_storytelling = true\nintelligent_captions = true\n'
ok "with it again: read" as $RIA cat "$MT/links/$T/slides.html"
put $MIA "$P/p1/project.ini" '[project]\ndataview = web\n[link]\nenabled = false\n'
pr "disabled: gone" ENOENT $RIA read "$MT/links/$T/slides.html"

# --- a computation: listed, cancelled ---
as $MIA bash -c "exec 3<'$S'; sleep 2; cat <&3 >/dev/null 2>'$D/cancelled'; echo \$? >'$D/cancelled.rc'" &
bg=$!
sleep 1
has "listed while open" "$(as $PA cat "$MT/admin/reporting-activity")" ",analyst@example.com,/workspace/projects/p1/slides.html,"
ok "pa cancels it" as $PA sh -c "echo 'cancel path:/workspace/projects/p1/slides.html' >'$MT/admin/reporting-activity'"
wait $bg
eq "the reader's read failed" "$(cat "$D/cancelled.rc")" "1"
has "with ECANCELED" "$(cat "$D/cancelled")" "Operation canceled"

# --- a project without panels ---
as $MIA mkdir "$P/p2"
put $MIA "$P/p2/project.ini" '[project]\ndataview = web\n'
has "says so" "$(as $MIA cat "$P/p2/slides.html")" "This project has no panels yet."
