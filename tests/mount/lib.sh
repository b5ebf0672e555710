# lib.sh - helpers for the mount tests (sourced by run.sh and each t_*.sh).
#
# Each test file gets a fresh store and mount: mt_setup writes a config that
# maps the test uids below, creates the store, mounts it with the daemon in
# the foreground (in the background of this shell), and waits until the
# mount answers.  A trap unmounts and stops the daemon whatever happens.
#
# Identities (numeric, so no /etc/passwd entries are needed):
#   2001 sys      system admin (config), nothing else
#   2002 pa       product admin with a full platform profile (sandbox prod)
#   2003 pa2      product admin without platform permissions
#   2004 lead     product profile admin of profile "thirdparty"
#   2005 analyst  member of "thirdparty" through group 3001 (Analysts)
#   2006 viewer   member of "viewers" directly
#   2999          unmapped
# Helpers: as UID CMD... runs CMD as that uid (gid = uid, no groups);
# as_g UID GIDS CMD... with supplementary groups GIDS (comma-separated).

MT_PASS=0
MT_FAIL=0
MT_NAME=${MT_NAME:-$(basename "$0" .sh)}

: "${CJAFS:?CJAFS must name the cjafs binary}"

mt_log() { printf '%s\n' "$*" >&2; }

pass() { MT_PASS=$((MT_PASS + 1)); }
fail() {
	MT_FAIL=$((MT_FAIL + 1))
	mt_log "FAIL [$MT_NAME] $*"
}

as() {
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$uid" --clear-groups -- "$@"
}

as_g() {
	local uid=$1 gids=$2
	shift 2
	setpriv --reuid="$uid" --regid="$uid" --groups="$gids" -- "$@"
}

# ok DESC CMD...: CMD must succeed.
ok() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then pass; else fail "$desc: exit $? ($out)"; fi
}

# no DESC CMD...: CMD must fail.
no() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then fail "$desc: succeeded ($out)"; else pass; fi
}

# errno_is DESC ERRNO CMD...: CMD (run through the errno probe) must fail
# with that errno name (EACCES, ENOENT...) or succeed for "OK".
errno_is() {
	local desc=$1 want=$2 got
	shift 2
	got=$("$@" 2>/dev/null | tail -n 1)
	if [ "$got" = "$want" ]; then pass; else fail "$desc: want $want, got '$got'"; fi
}

# eq DESC ACTUAL EXPECTED
eq() {
	if [ "$2" = "$3" ]; then pass; else
		fail "$1: got
---
$2
--- want
$3
---"
	fi
}

# has DESC TEXT NEEDLE: TEXT contains NEEDLE.
has() {
	case "$2" in *"$3"*) pass ;; *) fail "$1: '$3' not in
---
$2
---" ;; esac
}

hasnt() {
	case "$2" in *"$3"*) fail "$1: '$3' found in
---
$2
---" ;; *) pass ;; esac
}

mt_write_config() {
	cat >"$MT_DIR/cjafs.ini" <<CFG
[store]
path = store.tdb

[users]
2001 = sys@example.com
2002 = pa@example.com
2003 = pa2@example.com
2004 = lead@example.com
2005 = analyst@example.com
2006 = viewer@example.com

[groups]
3001 = Analysts

[admin]
system_admins = sys@example.com

[limits]
rows = ${MT_ROWS_LIMIT:-0}
CFG
	# MT_CONFIG_EXTRA: more lines at the end (in [limits] unless they
	# open a section of their own)
	if [ -n "${MT_CONFIG_EXTRA:-}" ]; then
		printf '%s\n' "$MT_CONFIG_EXTRA" >>"$MT_DIR/cjafs.ini"
	fi
}

mt_mount() {
	local i
	${CJAFS_WRAP:-} "$CJAFS" -c "$MT_DIR/cjafs.ini" -f "$MT" \
		2>>"$MT_DIR/daemon.log" &
	MT_PID=$!
	for i in $(seq 1 200); do
		if mountpoint -q "$MT" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$MT_PID" 2>/dev/null; then
			mt_log "daemon exited: $(cat "$MT_DIR/daemon.log")"
			return 1
		fi
		sleep 0.05
	done
	mt_log "mount did not come up"
	return 1
}

# Mounted, alive or not: mountpoint(1) fails on the mount of a daemon that
# died (ENOTCONN), which would stay behind, and rm -rf "$MT_DIR" with it.
mt_mounted() {
	awk -v m="$MT" '$2 == m { f = 1 } END { exit !f }' /proc/mounts
}

mt_unmount() {
	if mt_mounted; then
		fusermount3 -u "$MT" 2>/dev/null || umount -l "$MT" 2>/dev/null
	fi
	if [ -n "${MT_PID:-}" ]; then
		local i
		# a clean unmount ends the daemon; valgrind needs time for
		# its leak check
		for i in $(seq 1 1200); do
			kill -0 "$MT_PID" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$MT_PID" 2>/dev/null; then
			kill -9 "$MT_PID" 2>/dev/null
			fail "daemon did not exit after unmount"
		fi
		wait "$MT_PID" 2>/dev/null
		MT_DAEMON_STATUS=$?
		MT_PID=
		if [ "$MT_DAEMON_STATUS" -ne 0 ] && [ -z "${MT_EXPECT_KILL:-}" ]; then
			fail "daemon exited with status $MT_DAEMON_STATUS: $(tail -c 3000 "$MT_DIR/daemon.log")"
		fi
	fi
}

# What a sanitizer or valgrind prints for an error.  A daemon that was
# SIGKILLed (the torture) has no exit status to tell, so the log is all
# there is: valgrind marks each error (--error-markers in the Makefile);
# the named kinds catch a CJAFS_WRAP without the markers.
MT_REPORT_RE='ERROR|runtime error|Invalid|definitely lost|VALGRIND-ERROR-BEGIN|uninitialised|Syscall param|Source and destination overlap|Mismatched free|fishy value'

mt_cleanup() {
	local log
	mt_unmount
	# every daemon's log, also those the Python drivers keep below
	while IFS= read -r log; do
		if grep -qE "$MT_REPORT_RE" "$log"; then
			fail "daemon reported errors ($log): $(head -c 4000 "$log")"
		fi
	done < <(find "$MT_DIR" -name daemon.log -size +0 2>/dev/null)
	rm -rf "$MT_DIR"
	echo "$MT_PASS $MT_FAIL" >"${MT_RESULT:-/dev/null}"
}

mt_setup() {
	MT_DIR=$(mktemp -d /tmp/cjafs-mt.XXXXXX)
	chmod 755 "$MT_DIR"
	MT="$MT_DIR/mnt"
	mkdir "$MT"
	chmod 755 "$MT"
	trap mt_cleanup EXIT
	trap 'exit 1' INT TERM
	mt_write_config
	if ! ${CJAFS_WRAP:-} "$CJAFS" --init -c "$MT_DIR/cjafs.ini" >/dev/null; then
		fail "cjafs --init failed"
		exit 1
	fi
	if ! mt_mount; then
		fail "mount failed"
		exit 1
	fi
}

# mt_py_suite DRIVER [ARG...]: run a Python driver of tests/torture/ that
# owns its daemons: it gets a directory and --result FILE, and its tally
# ("PASS FAIL") becomes this test's.
mt_py_suite() {
	local driver=$1 py=/usr/bin/python3
	shift
	MT_DIR=$(mktemp -d /tmp/cjafs-mt.XXXXXX)
	chmod 755 "$MT_DIR"
	MT="$MT_DIR/mnt"
	mkdir "$MT"
	trap mt_cleanup EXIT
	trap 'exit 1' INT TERM
	[ -x "$py" ] || py=python3
	"$py" "$(dirname "${BASH_SOURCE[0]}")/../torture/$driver" \
		--cjafs "$CJAFS" --dir "$MT_DIR" --result "$MT_DIR/tally" \
		"$@" >/dev/null
	read -r MT_PASS MT_FAIL <"$MT_DIR/tally" 2>/dev/null ||
		{ MT_PASS=0 MT_FAIL=1; }
}

# pc DESC ERRNO UID PATH CONTENT: create, write (escapes as in printf),
# close; OK or the errno name
pc() {
	errno_is "$1" "$2" as "$3" /usr/bin/python3 -c '
import errno, os, sys
try:
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, sys.argv[2].encode().decode("unicode_escape").encode())
    finally:
        os.close(fd)
    print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))' "$4" "$5"
}

# mt_demo_start: make run's demo (scripts/run-demo.sh) in a directory of
# its own, MT_DIR/run, mounted at MT; sets TOP (the checkout) and DEMO
# (its pid), and checks it came up and populated its store quietly.
mt_demo_start() {
	MT_DIR=$(mktemp -d /tmp/cjafs-mt.XXXXXX)
	chmod 755 "$MT_DIR"
	MT=$MT_DIR/run/mnt
	trap mt_cleanup EXIT
	TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	mkdir -m 755 "$MT_DIR/run"
	(cd "$MT_DIR/run" && exec env -u SUDO_USER bash "$TOP/scripts/run-demo.sh" "$CJAFS") \
		>"$MT_DIR/demo.out" 2>"$MT_DIR/demo.err" &
	DEMO=$!
	for _ in $(seq 1 300); do
		grep -q '^Press Ctrl-C' "$MT_DIR/demo.out" && break
		kill -0 $DEMO 2>/dev/null || break
		sleep 0.1
	done
	ok "the demo mounts and says how to leave" grep -q '^Press Ctrl-C' "$MT_DIR/demo.out"
	eq "the demo populated its store quietly" "$(cat "$MT_DIR/demo.err")" ""
}

# The errno probe: runs one system call and prints OK or the errno name.
# Usage: probe OP PATH [ARG]; OP: read write append mkdir rmdir unlink
# access-r access-w stat listdir truncate.
probe() {
	python3 - "$@" <<'PY'
import errno, os, sys
op, path = sys.argv[1], sys.argv[2]
arg = sys.argv[3] if len(sys.argv) > 3 else ""
try:
    if op == "read":
        with open(path, "rb") as f:
            f.read()
    elif op == "write":
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
        try:
            os.write(fd, arg.encode().decode("unicode_escape").encode())
        finally:
            os.close(fd)
    elif op == "open-w":
        os.close(os.open(path, os.O_WRONLY))
    elif op == "mkdir":
        os.mkdir(path)
    elif op == "rmdir":
        os.rmdir(path)
    elif op == "unlink":
        os.unlink(path)
    elif op == "access-r":
        if not os.access(path, os.R_OK):
            raise OSError(errno.EACCES, "")
    elif op == "access-w":
        if not os.access(path, os.W_OK):
            raise OSError(errno.EACCES, "")
    elif op == "stat":
        os.stat(path)
    elif op == "listdir":
        os.listdir(path)
    elif op == "truncate":
        os.truncate(path, int(arg or "0"))
    elif op == "setxattr":
        os.setxattr(path, "user.x", b"1")
    elif op == "symlink":
        os.symlink("x", path)
    elif op == "link":
        os.link(arg, path)
    elif op == "mknod":
        os.mknod(path)
    else:
        raise SystemExit("probe: unknown op " + op)
    print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
PY
}
