#!/usr/bin/env bash
# make install (SPEC §10): the daemon, cjafs(8) and cjafs(5), the example
# config and the systemd unit land where Debian users look, under DESTDIR
# and PREFIX; each page renders without groff warnings, the unit passes
# systemd-analyze verify, and --help and --version answer.
set -u
. "$(dirname "$0")/lib.sh"
MT_DIR=$(mktemp -d /tmp/cjafs-mt.XXXXXX)
MT=$MT_DIR/mnt
trap mt_cleanup EXIT
top=$(cd "$(dirname "$0")/../.." && pwd)
# the build directory of the binary under test (build, build/asan...)
build=$(dirname "$CJAFS")
version=$(sed -n 's/^VERSION *= *//p' "$top/Makefile")
# install the binary under test as it is: make must not relink it (a
# sanitizer build relinked with the default flags would not link at all)
mk() { make -s -C "$top" -o all -o "$CJAFS" -o "$build/cjafs" BUILD="$build" "$@"; }

# --- staged: DESTDIR and the default PREFIX ---
stage=$MT_DIR/stage
ok "make install DESTDIR" mk install DESTDIR="$stage"
for f in bin/cjafs share/man/man8/cjafs.8 share/man/man5/cjafs.5 \
	share/doc/cjafs/cjafs.ini.example lib/systemd/system/cjafs@.service; do
	ok "installed /usr/local/$f" test -f "$stage/usr/local/$f"
done
eq "the daemon is executable" "$(stat -c %a "$stage/usr/local/bin/cjafs")" "755"
eq "the pages are readable" "$(stat -c %a "$stage/usr/local/share/man/man8/cjafs.8" "$stage/usr/local/share/man/man5/cjafs.5" | sort -u)" "644"
has "the unit runs the installed daemon" "$(cat "$stage/usr/local/lib/systemd/system/cjafs@.service")" \
	"ExecStart=/usr/local/bin/cjafs -f -c /etc/cjafs/%i.ini %f"
eq "nothing outside DESTDIR" "$(find "$stage" -mindepth 1 -maxdepth 1)" "$stage/usr"
ok "make uninstall DESTDIR" mk uninstall DESTDIR="$stage"
eq "uninstall leaves no file" "$(find "$stage" -type f)" ""

# --- a real PREFIX: what the unit names exists ---
p=$MT_DIR/prefix
ok "make install PREFIX" mk install PREFIX="$p"
for page in man8/cjafs.8 man5/cjafs.5; do
	warn=$(LC_ALL=C.UTF-8 groff -ww -man -Tutf8 "$p/share/man/$page" 2>&1 >/dev/null)
	eq "groff -ww has no warnings for $page" "$warn" ""
	text=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$p/share/man/$page" 2>&1)
	ok "man -l renders $page" test -n "$text"
	hasnt "man -l $page has no complaint" "$text" "warning"
done
text=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$p/share/man/man8/cjafs.8" 2>&1)
for o in -c -f -d -o --init --restore --force --help --version /admin/backup cjafs@.service; do
	has "cjafs(8) documents $o" "$text" "$o"
done
unit=$p/lib/systemd/system
out=$(cd "$MT_DIR" && MANPATH=$p/share/man systemd-analyze verify \
	"$unit/cjafs@srv-analytics.service" 2>&1)
eq "systemd-analyze verify cjafs@srv-analytics.service: status" "$?" "0"
eq "systemd-analyze verify cjafs@srv-analytics.service: silent" "$out" ""
unitt=$(cat "$unit/cjafs@.service")
for line in "Type=simple" "After=local-fs.target" "Restart=on-failure" \
	"ExecStop=/usr/bin/fusermount3 -u %f" "WantedBy=multi-user.target"; do
	has "the unit has $line" "$unitt" "$line"
done
ok "the example config loads" sh -c "cp '$p/share/doc/cjafs/cjafs.ini.example' '$MT_DIR/ex.ini' && '$p/bin/cjafs' --init -c '$MT_DIR/ex.ini' >/dev/null"

# --- --version and --help ---
eq "--version" "$("$p/bin/cjafs" --version)" "cjafs $version"
ok "the Makefile has a VERSION" test -n "$version"
help=$("$p/bin/cjafs" --help)
eq "--help exits 0" "$?" "0"
for o in "-c, --config" "-f, --foreground" "-d, --debug" "-o OPT" "--init" \
	"--restore FILE" "--force" "-h, --help" "-V, --version" "Exit status"; do
	has "--help explains $o" "$help" "$o"
done
"$p/bin/cjafs" --force -c "$MT_DIR/ex.ini" >/dev/null 2>&1
eq "--force without --restore is a usage error" "$?" "2"
exit 0
