#!/usr/bin/env bash
# The command line: --init, configuration errors, store versions, and the
# mount's options as the kernel sees them.
set -u
. "$(dirname "$0")/lib.sh"
MT_DIR=$(mktemp -d /tmp/cjafs-cli.XXXXXX)
chmod 755 "$MT_DIR"
MT="$MT_DIR/mnt"
mkdir "$MT"
trap mt_cleanup EXIT

# run CMD, expect exit status ST and stderr containing MSG
status_msg() {
	local desc=$1 want_st=$2 msg=$3 out st
	shift 3
	# under make valgrind the command-line paths run under it too
	out=$(${CJAFS_WRAP:-} "$@" 2>&1)
	st=$?
	eq "$desc: exit status" "$st" "$want_st"
	has "$desc: message" "$out" "$msg"
}

mt_write_config
status_msg "--init creates" 0 "created" "$CJAFS" --init -c "$MT_DIR/cjafs.ini"
status_msg "--init refuses to overwrite" 2 "store exists; not overwriting" "$CJAFS" --init -c "$MT_DIR/cjafs.ini"
status_msg "no arguments" 2 "usage" "$CJAFS"

cfg="$MT_DIR/bad.ini"
bad() {	# DESC CONTENT MESSAGE
	printf '%b' "$2" >"$cfg"
	status_msg "$1" 2 "cjafs: $cfg:$3" "$CJAFS" -c "$cfg" "$MT"
}
bad "unknown section" '[store]\npath = s.tdb\n[bogus]\nx = 1\n' "3: unknown section [bogus]"
bad "unknown key" '[store]\npath = s.tdb\ncolour = red\n' "3: unknown key 'colour' in [store]"
bad "malformed line" '[store]\npath = s.tdb\njust words\n' "3: malformed line"
bad "uid mapped twice" '[store]\npath = s.tdb\n[users]\n2001 = a@x\n2001 = b@x\n' "5: uid 2001 mapped twice (first on line 4)"
bad "unknown user name" '[store]\npath = s.tdb\n[users]\nno-such-user-here = a@x\n' "4: unknown user 'no-such-user-here'"
bad "bad rows limit" '[store]\npath = s.tdb\n[limits]\nrows = -3\n' "4: rows must be a non-negative integer"
printf '[users]\n2001 = a@x\n' >"$cfg"
status_msg "missing store path" 2 "cjafs: $cfg: missing [store] path" "$CJAFS" -c "$cfg" "$MT"
printf '[store]\npath = nothere.tdb\n' >"$cfg"
status_msg "store that does not exist" 2 "nothere.tdb" "$CJAFS" -c "$cfg" "$MT"

# a TDB that is not a cjafs store, and a store of another version
python3 - "$MT_DIR/other.tdb" <<'PY' || fail "could not write a foreign tdb"
import sys
open(sys.argv[1], "wb").write(b"not a tdb at all\n" * 64)
PY
printf '[store]\npath = other.tdb\n' >"$cfg"
status_msg "not a store" 2 "not a cjafs store" "$CJAFS" -c "$cfg" "$MT"
if command -v tdbtool >/dev/null; then
	cp "$MT_DIR/store.tdb" "$MT_DIR/v2.tdb"
	# tdbtool cannot open mutex files with its defaults: edit through python
	printf '[store]\npath = v2.tdb\n' >"$cfg"
	python3 - "$MT_DIR/v2.tdb" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
old = b"cjafs-store 2"
i = data.find(old)
if i < 0:
    sys.exit("version record not found")
data[i:i + len(old)] = b"cjafs-store 9"
open(sys.argv[1], "wb").write(bytes(data))
PY
	status_msg "unknown version" 2 "unknown store version 'cjafs-store 9'" "$CJAFS" -c "$cfg" "$MT"
else
	fail "tdbtool missing (tdb-tools package)"
fi

# the mount as the kernel sees it: allow_other, no default_permissions
mt_mount || exit 1
opts=$(awk -v m="$MT" '$2 == m { print $4 }' /proc/mounts)
has "mounted with allow_other" "$opts" "allow_other"
hasnt "never default_permissions" "$opts" "default_permissions"
eq "fs type" "$(awk -v m="$MT" '$2 == m { print $3 }' /proc/mounts)" "fuse.cjafs"

# a relative mount point: the daemon leaves its directory once mounted,
# yet SIGTERM still unmounts it
mt_unmount
(cd "$MT_DIR" && exec ${CJAFS_WRAP:-} "$CJAFS" -c "$MT_DIR/cjafs.ini" -f mnt \
	2>>"$MT_DIR/daemon.log") &
rel=$!
for _ in $(seq 1 200); do mountpoint -q "$MT" && break; sleep 0.05; done
ok "mounted at a relative mount point" mountpoint -q "$MT"
kill -TERM $rel
for _ in $(seq 1 600); do kill -0 $rel 2>/dev/null || break; sleep 0.05; done
wait $rel 2>/dev/null
ok "SIGTERM unmounts a relative mount point" sh -c "! awk -v m='$MT' '\$2 == m { f = 1 } END { exit !f }' /proc/mounts"
if mt_mounted; then fusermount3 -u "$MT" 2>/dev/null || umount -l "$MT"; fi
exit 0
