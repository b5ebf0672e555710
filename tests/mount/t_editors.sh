#!/usr/bin/env bash
# Editors, scripts and scratch files on a real mount (SPEC §2, §5; issue 6).
#
# 1. Each attribute file in the table below is saved with the real
#    programs (vim -es, vim and nano driven through tmux, emacs --batch,
#    sed -i, ed, perl -pi, cp, cp -p, mv from another filesystem, install,
#    rsync, tee, write-temp-then-rename in sh and Python): a valid save
#    commits exactly one change (one audit line) with the intended
#    canonical content; a save the validator rejects makes the program
#    report an error (exit status, or the message on the editor's screen)
#    and leaves the attribute and the store as they were.  A lone rm of
#    an attribute changes nothing and says why in /errors.
# 2. Scratch files: private per caller, in memory for the life of the
#    mount; renames between them and attributes; chmod, chown, utimensat,
#    link, symlink, mknod, setxattr.
# 3. Objects: made by a script; rmdir, rm -r, rm -rf, find -delete and
#    shutil.rmtree delete one whole, in one transaction; a denied rm -r
#    leaves everything whole.
# 4. Two callers rewriting one file at once while a third reads it.
#
# The programs come from scripts/deps.sh --editors (make check runs it); a
# missing one is a failure, never a skip.  Interactive editors run in a
# private tmux server, as the test uid, watched by polling capture-pane.
# The mount lives under /tmp, which vim ('backupskip') and emacs
# ('backup-enable-predicate') exclude from backups by default: both run
# with that exclusion lifted, as their defaults are on any other mount.
# Audit lines are counted by the caller itself: sys is also a product
# admin here, lead a member of a profile with audit_logs_access.
#
# While working on one part: MT_ROWS="4 6" runs only those table rows,
# MT_EDITORS="vim-tmux nano-tmux" only those editors, MT_EDITORS_ALL=1
# every editor on every row (by default they take turns; see below).
set -u
# the test uids cannot run what root's PATH may find first (pyenv shims)
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
. "$(dirname "$0")/lib.sh"
mt_setup

SYS=2001 PA=2002 PA2=2003 LEAD=2004

missing=
for p in vim nano emacs ed rsync tmux perl sed install tee find python3 \
	setpriv mktemp truncate; do
	command -v "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	fail "programs missing:$missing (scripts/deps.sh --editors installs them; make check runs it)"
	exit 1
fi

# --- helpers ---

# A home per uid for the editors (vim's viminfo, emacs), owned by that uid.
declare -A HOMES
for u in $SYS $PA $PA2 $LEAD; do
	HOMES[$u]=$(mktemp -d "$MT_DIR/home.$u.XXXXXX")
	chown "$u:$u" "${HOMES[$u]}"
done
run_as() {
	local u=$1
	shift
	HOME=${HOMES[$u]} TERM=xterm as "$u" "$@"
}

# A private tmux server; remain-on-exit keeps a pane's last words.
TMUX_SOCK=$MT_DIR/tmux.sock
tm() { TERM=xterm tmux -S "$TMUX_SOCK" -f /dev/null "$@"; }
tm new-session -d -s keep -x 80 -y 24 'sleep 100000'
tm set-option -g remain-on-exit on
trap 'tm kill-server 2>/dev/null; mt_cleanup' EXIT

# tm_wait SESSION REGEX: poll the pane every 100 ms until a line of it
# matches the extended REGEX; give up after 10 s.  (Matched in bash: the
# poll runs often and a grep each time would cost a process.)
tm_wait() {
	local s=$1 re="(^|"$'\n'")$2" end=$((SECONDS + 10)) screen
	while [ $SECONDS -lt $end ]; do
		screen=$(tm capture-pane -p -t "$s" 2>/dev/null)
		[[ $screen =~ $re ]] && return 0
		sleep 0.1
	done
	return 1
}

# tm_start SESSION UID PROGRAM ARGS...: a new session running the program
# as UID; its exit status lands in $MT_DIR/SESSION.status.
tm_start() {
	local s=$1 u=$2
	shift 2
	tm new-session -d -s "$s" -x 160 -y 50 \
		"$(printf '%q ' setpriv --reuid="$u" --regid="$u" --clear-groups \
			env HOME="${HOMES[$u]}" "$@"); echo \$? >'$MT_DIR/$s.status'"
}

# tm_end SESSION [PANE-REGEX]: wait until the program has exited (0) or
# the pane shows PANE-REGEX, an error message (1); 2 after 10 s.
tm_end() {
	local s=$1 re=${2:-} end=$((SECONDS + 10)) screen
	while [ $SECONDS -lt $end ]; do
		[ -s "$MT_DIR/$s.status" ] && return 0
		if [ -n "$re" ]; then
			screen=$(tm capture-pane -p -t "$s" 2>/dev/null)
			[[ $screen =~ $re ]] && return 1
		fi
		sleep 0.1
	done
	return 2
}

# tm_done SESSION: the program's exit status; the session goes.
tm_done() {
	local st
	st=$(cat "$MT_DIR/$1.status" 2>/dev/null)
	tm kill-session -t "$1" 2>/dev/null
	rm -f "$MT_DIR/$1.status"
	return "${st:-98}"
}

# exact UID FILE: the bytes FILE reads as for UID, then <EOF>.
exact() { as "$1" sh -c 'cat -- "$1" && printf "<EOF>"' _ "$2" 2>&1; }
audit_lines() { as $PA sh -c "wc -l <'$MT/audit/log'"; }
errors_of() { as "$1" cat "$MT/errors"; }
# listed UID DIR NAME: DIR lists NAME for UID
listed() { as "$1" ls -A "$2" | grep -Fxq -- "$3"; }
# audit lines after the first N
audit_since() { as $PA sh -c "tail -n +$(($1 + 1)) '$MT/audit/log'"; }
# act UID OP...: one process, as UID, makes each system call OP ("NAME
# PATH [ARG]", ARG with \n escapes) and prints a line for it: OK or the
# errno name, and for read the bytes (newlines as \n), for stat "SIZE
# MODE", for meta "MODE UID GID SIZE MTIME", for listed (ARG: a name in
# the directory PATH) yes or no, for lines the number of lines, for last
# the last line, for dump every file in the directory PATH (NAME=BYTES|...).
# Perl: it starts in a few milliseconds, and the tests call it often.
# (mknod and setxattr, which perl lacks, go through lib.sh's probe.)
act() {
	local u=$1
	shift
	as "$u" perl -e '
use strict;
use Fcntl;
use Errno;
sub esc { my $s = shift; $s =~ s/\n/\\n/g; return $s }
sub slurp {
	my $p = shift;
	open(my $h, "<", $p) or die "$!\n";
	local $/;
	my $s = <$h>;
	return defined $s ? $s : "";
}
sub put {
	my ($p, $arg, $flags) = @_;
	sysopen(my $h, $p, O_WRONLY | O_CREAT | $flags, 0644) or die "$!\n";
	$arg =~ s/\\n/\n/g;
	defined syswrite($h, $arg) or die "$!\n";
	close($h) or die "$!\n";
}
sub mode {
	my $m = shift;
	my $s = ($m & 0040000) ? "d" : "-";
	for my $i (0 .. 8) {
		$s .= ($m & (0400 >> $i)) ? substr("rwxrwxrwx", $i, 1) : "-";
	}
	return $s;
}
sub ok { $_[0] or die "$!\n"; "OK" }
for my $spec (@ARGV) {
	my ($op, $path, $arg) = split / /, $spec, 3;
	$arg = "" unless defined $arg;
	my $out = eval {
		if ($op eq "read") { esc(slurp($path)) }
		elsif ($op eq "lines") { my $s = slurp($path); ($s =~ tr/\n//) . "" }
		elsif ($op eq "last") { my @l = split /\n/, slurp($path); esc($l[-1] // "") }
		elsif ($op eq "dump") {
			opendir(my $d, $path) or die "$!\n";
			my @n = sort grep { !/^\.\.?$/ } readdir($d);
			join "|", map { "$_=" . esc(slurp("$path/$_")) } @n;
		}
		elsif ($op eq "write") { put($path, $arg, O_TRUNC); "OK" }
		elsif ($op eq "append") { put($path, $arg, O_APPEND); "OK" }
		elsif ($op eq "truncate") { ok(truncate($path, $arg)) }
		elsif ($op eq "stat" || $op eq "meta") {
			my @st = stat($path) or die "$!\n";
			$op eq "stat" ? "$st[7] " . mode($st[2]) :
				join " ", mode($st[2]), @st[4, 5, 7, 9];
		}
		elsif ($op eq "listed") {
			opendir(my $d, $path) or die "$!\n";
			(grep { $_ eq $arg } readdir($d)) ? "yes" : "no";
		}
		elsif ($op eq "rename") { ok(rename($path, $arg)) }
		elsif ($op eq "unlink") { ok(unlink($path)) }
		elsif ($op eq "mkdir") { ok(mkdir($path)) }
		elsif ($op eq "rmdir") { ok(rmdir($path)) }
		elsif ($op eq "chmod") { ok(chmod(oct($arg), $path)) }
		elsif ($op eq "chown") { ok(chown((split /:/, $arg), $path)) }
		elsif ($op eq "utime") {
			ok($arg eq "" ? utime(undef, undef, $path) : utime($arg, $arg, $path));
		}
		elsif ($op eq "link") { ok(link($arg, $path)) }
		elsif ($op eq "symlink") { ok(symlink($arg || "x", $path)) }
		else { "act: unknown op $op" }
	};
	if (!defined $out) {
		my ($name) = sort grep { $!{$_} } keys %!;
		$out = $name // $@;
		chomp $out;
	}
	print "$out\n";
}' "$@"
}
probe_as() {	# probe_as UID OP PATH [ARG]: lib.sh's errno probe as UID
	local u=$1
	shift
	as "$u" bash -c "$(declare -f probe); probe \"\$@\"" _ "$@"
}

# state UID FILE [SINCE [RESTORE]]: one look, as UID, at FILE and what
# surrounds it: ST_TEXT (FILE's bytes), ST_ERRORS (UID's /errors), ST_LS
# (FILE's directory), ST_AUDIT (audit log lines) and, with SINCE, ST_NEW
# (the audit lines after the first SINCE).  With RESTORE, it then writes
# those bytes to FILE (bash's printf >) and looks again into RS_TEXT,
# RS_ERRORS, RS_LS and RS_AUDIT.  One process and bash builtins only: the
# loop below runs it often.
state() {
	local out
	out=$(as "$1" bash -c '
		F=$1 E=$2 D=$3 A=$4 S=$5 R=$6
		shopt -s dotglob nullglob
		slurp() { V=; IFS= read -r -d "" V <"$1"; }
		look() {
			slurp "$F"; printf "%s<EOF>\n" "$V"
			slurp "$E"; printf "%s<ERRORS>\n" "$V"
			for n in "$D"/*; do printf "%s\n" "${n##*/}"; done
			printf "<LS>\n"
			mapfile -t L <"$A"
			printf "%s\n<AUDIT>\n" ${#L[@]}
			[ -z "$S" ] || printf "%s\n" "${L[@]:S}"
			printf "<END>\n"
		}
		look
		[ -n "$R" ] || exit 0
		printf "%s" "$R" >"$F"
		S=
		look' _ "$2" "$MT/errors" "$(dirname "$2")" "$MT/audit/log" \
		"${3:-}" "${4:-}" 2>&1)
	st_parse "${out%%<END>*}"
	ST_TEXT=$P_TEXT ST_ERRORS=$P_ERRORS ST_LS=$P_LS ST_AUDIT=$P_AUDIT
	ST_NEW=$P_NEW
	[ -n "${4:-}" ] || return 0
	st_parse "${out#*<END>$'\n'}"
	RS_TEXT=$P_TEXT RS_ERRORS=$P_ERRORS RS_LS=$P_LS RS_AUDIT=$P_AUDIT
}

st_parse() {
	local rest
	P_TEXT=${1%%<EOF>*}
	rest=${1#*<EOF>$'\n'}
	P_ERRORS=${rest%%<ERRORS>*}
	rest=${rest#*<ERRORS>$'\n'}
	P_LS=${rest%%<LS>*}
	rest=${rest#*<LS>$'\n'}
	P_AUDIT=${rest%%$'\n'*}
	rest=${rest#*<AUDIT>$'\n'}
	P_NEW=${rest%%<END>*}
}

# leftovers UID DIR BEFORE AFTER: remove the names AFTER lists and BEFORE
# did not (an editor's backups and temp files: the caller's scratch).
leftovers() {
	local n extra=()
	while IFS= read -r n; do
		[ -n "$n" ] || continue
		case $'\n'"$3" in *$'\n'"$n"$'\n'*) ;; *) extra+=("$2/$n") ;; esac
	done <<<"$4"
	[ ${#extra[@]} -eq 0 ] || as "$1" rm -f -- "${extra[@]}"
}

# Everything under /admin as a product admin who never edits (and so has
# no scratch files): the store's state, to prove a change did not happen.
# Not backup: only system admins read it, and it holds the audit log.
store_snapshot() {
	as $PA2 bash -c 'shopt -s globstar dotglob nullglob
		cd "$1" || exit 1
		for f in **; do
			[ -f "$f" ] && [ "$f" != backup ] || continue
			V=
			IFS= read -r -d "" V <"$f"
			printf "== %s\n%s" "$f" "$V"
		done' _ "$MT/admin"
}

# --- the editors: edit_NAME UID FILE SRC replaces FILE's whole content
# with SRC's, the way that program saves; the exit status is the
# program's (for the tmux-driven ones: 0 after a clean save and exit, 1
# when the editor showed a write error). ---

VIM_REPLACE=":let n=line('\$')|silent \$r %s|silent exe '1,'.n.'d'"

edit_vim_es() {
	run_as "$1" vim -es -c 'set backupskip=' \
		-c 'let n=line("$")' -c "\$r $3" -c 'exe "1,".n."d"' -c wq "$2" \
		</dev/null
}

# backupcopy=no: rename the file to FILE~, write a new FILE, drop FILE~
edit_vim_es_rename() {
	run_as "$1" vim -es -c 'set backupskip= backupcopy=no' \
		-c 'let n=line("$")' -c "\$r $3" -c 'exe "1,".n."d"' -c wq "$2" \
		</dev/null
}

edit_vim_tmux() {
	local u=$1 f=$2 src=$3 s=vim$BASHPID
	tm_start "$s" "$u" vim -c 'set backupskip=' "$f"
	if ! tm_wait "$s" '.*[0-9]+L, [0-9]+B'; then
		echo "vim did not show $f:"
		tm capture-pane -p -t "$s"
		tm_done "$s"
		return 99
	fi
	# shellcheck disable=SC2059
	tm send-keys -t "$s" -l "$(printf "$VIM_REPLACE" "$src")"
	tm send-keys -t "$s" Enter
	if ! tm_wait "$s" "$(tail -n 1 "$src" | sed 's/[][\.*^$+?(){}|]/\\&/g')"$'\n'; then
		echo "vim does not show the new content:"
		tm capture-pane -p -t "$s"
	fi
	tm send-keys -t "$s" -l ':wq'
	tm send-keys -t "$s" Enter
	case $(tm_end "$s" 'E667:|E512:|E212:|E514:'; echo $?) in
	0) tm_done "$s"; return ;;
	1)	# the error vim shows; then quit without saving
		tm capture-pane -p -t "$s" | grep -E 'E[0-9]+:'
		tm send-keys -t "$s" -l ':q!'
		tm send-keys -t "$s" Enter
		tm_end "$s" || echo "vim did not quit after :q!"
		tm_done "$s"
		return 1 ;;
	*)	echo "vim did not exit after :wq:"
		tm capture-pane -p -t "$s"
		tm_done "$s"
		return 98 ;;
	esac
}

edit_nano_tmux() {
	local u=$1 f=$2 src=$3 s=nano$BASHPID
	tm_start "$s" "$u" nano "$f"
	if ! tm_wait "$s" '.*\^X Exit'; then
		echo "nano did not start:"
		tm capture-pane -p -t "$s"
		tm_done "$s"
		return 99
	fi
	tm send-keys -t "$s" M-t	# cut from the cursor (top) to the end
	tm send-keys -t "$s" C-r
	tm_wait "$s" '.*File to insert' || echo "nano: no insert prompt"
	tm send-keys -t "$s" -l "$src"
	tm send-keys -t "$s" Enter
	tm_wait "$s" '.*\[ Read [0-9]+ lines? \]' || echo "nano: did not read $src"
	tm send-keys -t "$s" C-s
	tm_wait "$s" '.*(\[ Wrote [0-9]+ lines? \]|Error writing)'
	if tm capture-pane -p -t "$s" | grep 'Error writing'; then
		tm send-keys -t "$s" C-x
		tm_wait "$s" '.*Save modified buffer' && tm send-keys -t "$s" n
		tm_end "$s" || echo "nano did not quit"
		tm_done "$s"
		return 1
	fi
	tm send-keys -t "$s" C-x
	if ! tm_end "$s"; then
		echo "nano did not exit:"
		tm capture-pane -p -t "$s"
	fi
	tm_done "$s"
}

# backup-enable-predicate: emacs backs up files outside /tmp by default
edit_emacs() {
	run_as "$1" emacs --batch \
		--eval '(setq backup-enable-predicate (lambda (name) t))' "$2" --eval \
		"(progn (erase-buffer) (insert-file-contents \"$3\") (save-buffer))"
}

edit_sed() { run_as "$1" sed -i -e "1r $3" -e d "$2"; }

edit_ed() { printf ',d\nr %s\nw\nq\n' "$3" | run_as "$1" ed -s "$2"; }

edit_perl() {
	SRC=$3 run_as "$1" perl -0777 -pi -e \
		'BEGIN { open my $h, "<", $ENV{SRC} or die "$ENV{SRC}: $!"; local $/; $new = <$h> } $_ = $new' \
		"$2"
}

edit_cp() { run_as "$1" cp "$3" "$2"; }
edit_cp_p() { run_as "$1" cp -p "$3" "$2"; }

# mv from another filesystem: rename fails with EXDEV, mv unlinks the
# target and creates it
edit_mv_xfs() {
	run_as "$1" sh -c 'cp "$2" "$HOME/mv.src" && mv "$HOME/mv.src" "$1"; st=$?; rm -f "$HOME/mv.src"; exit $st' _ "$2" "$3"
}

edit_install() { run_as "$1" install -m 644 "$3" "$2"; }

# rsync writes .NAME.XXXXXX and renames it over; -I: never skip on
# size and mtime
edit_rsync() { run_as "$1" rsync -I "$3" "$2"; }

edit_tee() { run_as "$1" sh -c 'tee "$1" <"$2" >/dev/null' _ "$2" "$3"; }

# the script pattern: write a temp file next to the target, rename it over
edit_script_rename() {
	run_as "$1" sh -c 't=$(mktemp "$(dirname "$1")/.$(basename "$1").XXXXXX") && cat "$2" >"$t" && mv -f "$t" "$1"' _ "$2" "$3"
}

edit_python_replace() {
	run_as "$1" python3 -c '
import os, sys, tempfile
path, src = sys.argv[1], sys.argv[2]
fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
with os.fdopen(fd, "wb") as f:
    f.write(open(src, "rb").read())
    f.flush()
    os.fsync(f.fileno())
try:
    os.replace(tmp, path)
except OSError:
    os.unlink(tmp)
    raise
' "$2" "$3"
}

# Every row runs the four ways a save reaches a file: written in place
# with O_TRUNC (cp), in place with ftruncate next to a swap file (vim -es),
# a temp file renamed over it (script-rename), unlinked then created
# (mv-xfs).  The other batch editors take turns in three groups, and the
# three interactive ones (a second or two each) run on the first three
# rows of each file type, one a row: each turn counts rows of the same
# type (.ini or line list), so every editor meets both types.
# MT_EDITORS_ALL=1 runs every editor on every row; MT_EDITORS="nano-tmux"
# runs only those named (while debugging one).
CORE_EDITORS="cp vim-es script-rename mv-xfs"
MORE_EDITORS=("sed cp-p rsync" "perl tee install" "ed vim-es-rename python-replace")
SLOW_EDITORS=(vim-tmux nano-tmux emacs)
declare -A TURN
row_editors() {	# row_editors FILE: sets ROW_EDITORS
	local t=lines k
	case $1 in *.ini) t=ini ;; esac
	k=${TURN[$t]:-0}
	TURN[$t]=$((k + 1))
	if [ -n "${MT_EDITORS:-}" ]; then
		ROW_EDITORS=$MT_EDITORS
	elif [ -n "${MT_EDITORS_ALL:-}" ]; then
		ROW_EDITORS="$CORE_EDITORS ${MORE_EDITORS[*]} ${SLOW_EDITORS[*]}"
	else
		ROW_EDITORS="$CORE_EDITORS ${MORE_EDITORS[k % 3]} ${SLOW_EDITORS[k]:-}"
	fi
}

# --- the world: the Admin Console as the table's rows expect it ---

# every row's caller reads the audit log: sys as a product admin too, lead
# as a member of "auditors" (audit_logs_access)
ok "sys writes product-admins" as $SYS sh -c "printf 'pa@example.com\npa2@example.com\nsys@example.com\n' >'$MT/admin/product-admins'"
ok "sys writes sandboxes" as $SYS sh -c "printf 'prod\ndev\n' >'$MT/admin/sandboxes'"
ok "sys mkdir platform profile" as $SYS mkdir "$MT/admin/platform/full"
ok "sys writes platform.ini" as $SYS sh -c "printf '[platform]\nsandboxes = prod\npermissions = view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces\n' >'$MT/admin/platform/full/platform.ini'"
ok "sys writes platform members" as $SYS sh -c "echo pa@example.com >'$MT/admin/platform/full/members'"
ok "pa mkdir profile" as $PA mkdir "$MT/admin/profiles/thirdparty"
ok "pa sets admins" as $PA sh -c "echo lead@example.com >'$MT/admin/profiles/thirdparty/admins'"
ok "pa sets members" as $PA sh -c "printf 'group:Analysts\n' >'$MT/admin/profiles/thirdparty/members'"
ok "pa sets profile.ini" as $PA sh -c "printf '[reporting_tools]\naudit_logs_access = true\n[delegation]\nauto_include = true\ntools = full_table_export\n' >'$MT/admin/profiles/thirdparty/profile.ini'"
ok "pa mkdir auditors" as $PA mkdir "$MT/admin/profiles/auditors"
ok "pa sets auditors members" as $PA sh -c "echo lead@example.com >'$MT/admin/profiles/auditors/members'"
ok "pa sets auditors profile.ini" as $PA sh -c "printf '[reporting_tools]\naudit_logs_access = true\n' >'$MT/admin/profiles/auditors/profile.ini'"
for u in $SYS $PA $LEAD; do
	ok "$u reads the audit log" as $u test -r "$MT/audit/log"
done

# --- the table: caller, file, new valid content, its canonical form,
# invalid content.  A new attribute kind is one row (and, if its object
# does not exist yet, a line above that creates it). ---

R_WHO=() R_FILE=() R_NEW=() R_CANON=() R_BAD=()
row() {
	R_WHO+=("$1") R_FILE+=("$2") R_NEW+=("$3") R_CANON+=("$4") R_BAD+=("$5")
}

# profile_ini AUTO_INCLUDE VIEWS ANALYSIS_WORKSPACE AUDIT_LOGS FULL_EXPORT
# [DELEGATED_TOOLS DELEGATED_AUTO_INCLUDE]: the canonical profile.ini
# (less its last newline, as $( ) drops it)
profile_ini() {
	printf '[data_views]\nauto_include = %s\nviews = %s\n\n[reporting_tools]\nanalysis_workspace = %s\nguided_analysis = false\ncalculated_metrics_creation = false\nsegment_creation = false\nlabs = false\nannotation_creation = false\naudience_view = false\naudience_creation = false\ndata_storytelling = false\naudit_logs_access = %s\nshare_project_links = false\nforecasting = false\nai_assistant = false\nintelligent_captions = false\n\n[data_view_tools]\nfull_table_export = %s\nbi_extension = false\n\n[delegation]\nviews = \ntools = %s\nauto_include = %s\nedit_views = \n' "$1" "$2" "$3" "$4" "$5" "${6:-}" "${7:-false}"
}
PLAT_NEW=$'; all of them\n[platform]\nsandboxes = prod, dev, prod\npermissions = view_schemas, manage_schemas, view_datasets, manage_datasets, manage_sources, view_identity_namespaces, view_journeys\n'
PLAT_CANON=$'[platform]\nsandboxes = dev, prod\npermissions = manage_datasets, manage_schemas, manage_sources, view_datasets, view_identity_namespaces, view_journeys, view_schemas\n'
PROF_PA_NEW=$'# web and app\n[data_views]\nviews = web, app, web\n[reporting_tools]\nanalysis_workspace = yes\naudit_logs_access = true\n'
PROF_LEAD_NEW=$'[data_views]\nauto_include = true\n[reporting_tools]\naudit_logs_access = true\n[data_view_tools]\nfull_table_export = true\n'

row $SYS  admin/product-admins $'sys@example.com\npa@example.com\n\npa2@example.com\npa@example.com\nviewer@example.com\n' $'pa2@example.com\npa@example.com\nsys@example.com\nviewer@example.com\n' $'pa@example.com\nsys@example.com\ngroup:Analysts\n'
row $SYS  admin/sandboxes $'prod\n# staging too\nstage\ndev\n' $'dev\nprod\nstage\n' $'prod\n.hidden\n'
row $SYS  admin/platform/full/platform.ini "$PLAT_NEW" "$PLAT_CANON" $'[platform]\nsandboxes = prod, moon\n'
row $SYS  admin/platform/full/members $'pa@example.com\npa2@example.com\n' $'pa2@example.com\npa@example.com\n' $'pa@example.com\nbad login\n'
row $PA   admin/profiles/thirdparty/profile.ini "$PROF_PA_NEW" "$(profile_ini false 'app, web' true true false)"$'\n' $'[data_views]\nauto_include = true\nbogus = 1\n'
row $LEAD admin/profiles/thirdparty/profile.ini "$PROF_LEAD_NEW" "$(profile_ini true '' false true true full_table_export true)"$'\n' $'[reporting_tools]\nlabs = maybe\n'
row $PA   admin/profiles/thirdparty/members $'viewer@example.com\ngroup:Analysts\n' $'group:Analysts\nviewer@example.com\n' $'group:Analysts\ngroup:\n'
row $LEAD admin/profiles/thirdparty/members $'group:Analysts\nanalyst@example.com\n# me too\nlead@example.com\n' $'analyst@example.com\ngroup:Analysts\nlead@example.com\n' $'group:Analysts\nlead@example.com,viewer@example.com\n'
row $PA   admin/profiles/thirdparty/admins $'viewer@example.com\nlead@example.com\n' $'lead@example.com\nviewer@example.com\n' $'lead@example.com\ngroup:Analysts\n'

SRC=$MT_DIR/src
mkdir "$SRC"
chmod 755 "$SRC"

# --- 1. the editors on every row of the table ---

for i in ${MT_ROWS:-"${!R_WHO[@]}"}; do
	u=${R_WHO[$i]} rel=${R_FILE[$i]} f=$MT/${R_FILE[$i]}
	dir=$(dirname "$f") path=/${R_FILE[$i]} canon=${R_CANON[$i]}
	printf '%s' "${R_NEW[$i]}" >"$SRC/$i.new"
	printf '%s' "${R_BAD[$i]}" >"$SRC/$i.bad"
	state "$u" "$f"
	orig=$ST_TEXT
	chmod 644 "$SRC/$i.new" "$SRC/$i.bad"
	if [ "$orig" = "$canon" ]; then
		fail "row $i ($u $rel): the new content is already there; the table needs a change"
		continue
	fi
	snap=$(store_snapshot)
	row_editors "$rel"
	for e in $ROW_EDITORS; do
		fn=edit_${e//-/_}
		tag="$e as $u: $rel"

		# a valid save: one commit, the canonical content, no /errors line
		ls0=$ST_LS errors0=$ST_ERRORS audit0=$ST_AUDIT
		out=$($fn "$u" "$f" "$SRC/$i.new" 2>&1)
		st=$?
		if [ $st -eq 0 ]; then pass; else fail "$tag: valid save exited $st: $out"; fi
		state "$u" "$f" "$audit0" "$orig"
		eq "$tag: canonical content" "$ST_TEXT" "$canon"
		if [ "$ST_AUDIT" = $((audit0 + 1)) ]; then pass; else
			fail "$tag: want one audit line, got:
$ST_NEW"
		fi
		eq "$tag: no /errors line for a good save" "$ST_ERRORS" "$errors0"
		eq "$tag: restored" "$RS_TEXT" "$orig"
		leftovers "$u" "$dir" "$ls0" "$RS_LS"

		# an invalid save: an error, nothing changes, /errors says why
		errors0=$RS_ERRORS audit0=$RS_AUDIT
		out=$($fn "$u" "$f" "$SRC/$i.bad" 2>&1)
		st=$?
		if [ $st -ne 0 ]; then pass; else fail "$tag: invalid save exited 0 ($out)"; fi
		state "$u" "$f" "$audit0"
		eq "$tag: attribute unchanged after a rejected save" "$ST_TEXT" "$orig"
		hasnt "$tag: no committed write for a rejected save" "$ST_NEW" "	write	$path	ok	"
		if [ "$ST_ERRORS" != "$errors0" ]; then pass; else fail "$tag: no new /errors line"; fi
		has "$tag: /errors says why" "${ST_ERRORS%%$'\n'*}" " $path:"
		if [ "$ST_LS" != "$ls0" ]; then
			leftovers "$u" "$dir" "$ls0" "$ST_LS"
			state "$u" "$f"
		fi
	done
	# each save was restored, so the store is as it was
	eq "row $i ($u $rel): store unchanged after all saves" "$(store_snapshot)" "$snap"

	# a lone rm of the attribute changes nothing and says why
	state "$u" "$f"
	audit0=$ST_AUDIT
	ok "rm as $u: $rel succeeds" as "$u" rm "$f"
	state "$u" "$f"
	eq "rm as $u: $rel still there" "$ST_TEXT" "$orig"
	eq "rm as $u: $rel changes nothing" "$ST_AUDIT" "$audit0"
	has "rm as $u: $rel: /errors names it" "${ST_ERRORS%%$'\n'*}" " $path: "
	has "rm as $u: $rel: /errors says why" "${ST_ERRORS%%$'\n'*}" "attribute files go with their object"
	eq "rm as $u: $rel: store unchanged" "$(store_snapshot)" "$snap"
done

# After a rejected save, vim keeps the buffer: fix it and save again, and
# that save is the one commit.
f=$MT/admin/profiles/thirdparty/members
orig=$(exact $PA "$f")
audit0=$(audit_lines)
s=vimfix$$
tm_start "$s" $PA vim -c 'set backupskip=' "$f"
ok "vim fix-and-save: vim is up" tm_wait "$s" '.*[0-9]+L, [0-9]+B'
tm send-keys -t "$s" -l 'Obad login'
tm send-keys -t "$s" Escape
tm send-keys -t "$s" -l ':w'
tm send-keys -t "$s" Enter
# the bad line is refused at write(2), after vim's ftruncate(0): write,
# fsync and close fail, and vim names the last (E512)
ok "vim fix-and-save: the rejected :w shows E512" tm_wait "$s" '.*(E512: Close failed|E667: Fsync failed)'
eq "vim fix-and-save: nothing committed yet" "$(exact $PA "$f")" "$orig"
tm send-keys -t "$s" Enter
tm send-keys -t "$s" -l ':s/bad login/viewer@example.com/'
tm send-keys -t "$s" Enter
tm send-keys -t "$s" -l ':wq'
tm send-keys -t "$s" Enter
ok "vim fix-and-save: :wq exits" tm_end "$s"
ok "vim fix-and-save: exit status 0" tm_done "$s"
eq "vim fix-and-save: the fixed buffer is committed" "$(exact $PA "$f")" $'group:Analysts\nviewer@example.com\n<EOF>'
new=$(audit_since "$audit0")
has "vim fix-and-save: the rejected save is audited" "$new" "/thirdparty/members	rejected	"
eq "vim fix-and-save: then one commit" "$(grep -c '	write	/admin/profiles/thirdparty/members	ok	' <<<"$new")" 1
ok "vim fix-and-save: restore" as $PA sh -c "printf '%s' '${orig%<EOF>}' >'$f'"

# --- 2. scratch files: private, in memory, never in the store ---

D=$MT/admin/profiles/thirdparty
snap=$(store_snapshot)
audit0=$(audit_lines)
lead_ls=$(as $LEAD ls -A "$D")
for n in .draft draft~ draft.swp draft.swx draft.tmp draft; do
	p=$D/$n
	eq "scratch $n: pa creates, writes, reads, truncates it" "$(act $PA \
		"write $p one\ntwo\n" "read $p" "append $p three\n" "read $p" \
		"truncate $p 4" "read $p" "stat $p" "listed $D $n")" \
		"OK
one\ntwo\n
OK
one\ntwo\nthree\n
OK
one\n
4 -rw-------
yes"
	eq "scratch $n: lead does not see pa's, has its own" "$(act $LEAD \
		"listed $D $n" "stat $p" "read $p" "write $p lead\n" "read $p")" \
		"no
ENOENT
ENOENT
OK
lead\n"
	eq "scratch $n: pa2 does not see them" "$(act $PA2 "listed $D $n" "stat $p")" "no
ENOENT"
	eq "scratch $n: pa renames and unlinks its own" "$(act $PA \
		"read $p" "rename $p $p.tmp" "stat $p" "read $p.tmp" \
		"unlink $p.tmp" "stat $p.tmp")" \
		"one\n
OK
ENOENT
one\n
OK
ENOENT"
	eq "scratch $n: lead's is its own still" "$(act $LEAD "read $p" "unlink $p" "stat $p")" "lead\n
OK
ENOENT"
done
# a real editor's scratch files are private too: pa's vim keeps its swap
# file next to members, and lead does not see it
s=vimswap$$
tm_start "$s" $PA vim "$D/members"
ok "pa's vim is up" tm_wait "$s" '.*[0-9]+L, [0-9]+B'
eq "pa's vim has its swap file" "$(act $PA "listed $D .members.swp")" yes
eq "lead does not see pa's swap file" "$(act $LEAD "listed $D .members.swp" "stat $D/.members.swp")" "no
ENOENT"
tm send-keys -t "$s" -l ':q'
tm send-keys -t "$s" Enter
ok "pa's vim quits" tm_end "$s"
ok "pa's vim exit status" tm_done "$s"
eq "pa's vim removed its swap file" "$(act $PA "listed $D .members.swp")" no
eq "scratch in /admin: sys makes one" "$(act $SYS "write $MT/admin/.product-admins.swp x\n" "listed $MT/admin .product-admins.swp")" "OK
yes"
eq "scratch in /admin: pa does not see it" "$(act $PA "listed $MT/admin .product-admins.swp" "stat $MT/admin/.product-admins.swp")" "no
ENOENT"
eq "scratch files: lead's listing is as it was" "$(as $LEAD ls -A "$D")" "$lead_ls"
eq "scratch files leave no audit line" "$(audit_lines)" "$audit0"
eq "scratch files leave the store alone" "$(store_snapshot)" "$snap"

# renaming a scratch file over an attribute commits it as one write
ok "scratch for members" as $PA sh -c "printf 'viewer@example.com\ngroup:Analysts\n' >'$D/members.tmp'"
ok "mv scratch over members" as $PA mv "$D/members.tmp" "$D/members"
eq "members holds it" "$(exact $LEAD "$D/members")" $'group:Analysts\nviewer@example.com\n<EOF>'
new=$(audit_since "$audit0")
eq "one commit" "$(printf '%s\n' "$new" | wc -l)" 1
has "the commit is a write" "$new" "	pa@example.com	write	/admin/profiles/thirdparty/members	ok	"
eq "the scratch file went" "$(act $PA "stat $D/members.tmp")" ENOENT

# renaming an attribute away leaves it where it is; the scratch name gets a copy
audit0=$(audit_lines)
snap=$(store_snapshot)
members=$(exact $PA "$D/members")
ok "mv members away" as $PA mv "$D/members" "$D/members.old"
eq "members still there" "$(exact $PA "$D/members")" "$members"
eq "members still there for lead" "$(exact $LEAD "$D/members")" "$members"
eq "the scratch copy" "$(exact $PA "$D/members.old")" "$members"
eq "lead does not see the copy" "$(act $LEAD "listed $D members.old")" no

# chmod, chown and utimensat succeed and change nothing, so cp -p,
# install and mv work; links, symlinks and device nodes are EPERM, xattrs
# ENOTSUP; nothing changes
for p in "$D/members" "$D/members.old"; do
	before=$(act $PA "meta $p" "read $p")
	eq "${p##*/}: chmod, chown, utimensat succeed" "$(act $PA "chmod $p 644" \
		"chmod $p 000" "chown $p $PA:$PA" "chown $p $PA2:$PA2" \
		"utime $p 1000000000" "utime $p")" "OK
OK
OK
OK
OK
OK"
	eq "${p##*/}: ... and change nothing" "$(act $PA "meta $p" "read $p")" "$before"
	eq "${p##*/}: links and symlinks" "$(act $PA "link $D/hard $p" \
		"symlink $D/sym" "stat $D/hard" "stat $D/sym")" "EPERM
EPERM
ENOENT
ENOENT"
	errno_is "${p##*/}: setxattr" ENOTSUP probe_as $PA setxattr "$p"
done
errno_is "mknod" EPERM probe_as $PA mknod "$D/node"
eq "no node" "$(act $PA "stat $D/node")" ENOENT
printf 'copied\n' >"$SRC/copy"
chmod 644 "$SRC/copy"
ok "cp -p, install and mv onto scratch names" run_as $PA sh -c "set -e
	cp -p '$SRC/copy' '$D/cp.tmp'
	install -m 644 '$SRC/copy' '$D/install.tmp'
	cp '$SRC/copy' \"\$HOME/x\" && mv \"\$HOME/x\" '$D/mv.tmp'"
eq "cp -p, install and mv copied" "$(act $PA "read $D/cp.tmp" "read $D/install.tmp" "read $D/mv.tmp")" "copied\n
copied\n
copied\n"
eq "none of it leaves an audit line" "$(audit_lines)" "$audit0"
eq "none of it changes the store" "$(store_snapshot)" "$snap"

# --- 3. objects: made by a script, deleted whole ---

# a fresh object of each kind: the defaults a new one must have
prof_defaults=$(act $PA "mkdir $MT/admin/profiles/fresh" "dump $MT/admin/profiles/fresh")
plat_defaults=$(act $SYS "mkdir $MT/admin/platform/fresh" "dump $MT/admin/platform/fresh")
eq "mkdir a fresh profile and platform profile" "${prof_defaults%%$'\n'*} ${plat_defaults%%$'\n'*}" "OK OK"
prof_defaults=${prof_defaults#*$'\n'}
plat_defaults=${plat_defaults#*$'\n'}
has "a new profile has its files" "$prof_defaults" "|profile.ini=[data_views]"
has "a new platform profile has its files" "$plat_defaults" "|platform.ini=[platform]"

# make_object UID DIR: a profile or platform profile with every file
# set, written by a script, and a scratch file of its maker inside
make_object() {
	local u=$1 d=$2
	case $d in
	*/profiles/*)
		ok "script makes $d" as "$u" sh -c "set -e; mkdir '$d'
			printf '[reporting_tools]\nlabs = true\n' >'$d/profile.ini'
			printf 'viewer@example.com\ngroup:Analysts\n' >'$d/members'
			echo lead@example.com >'$d/admins'
			echo notes >'$d/.notes.swp'"
		eq "$d: set by the script" "$(act "$u" "dump $d" | sed 's/profile.ini=.*labs = true.*/profile.ini=(labs)/')" \
			'.notes.swp=notes\n|admins=lead@example.com\n|members=group:Analysts\nviewer@example.com\n|profile.ini=(labs)' ;;
	*)
		ok "script makes $d" as "$u" sh -c "set -e; mkdir '$d'
			printf '[platform]\nsandboxes = dev\npermissions = view_schemas\n' >'$d/platform.ini'
			echo pa2@example.com >'$d/members'
			echo notes >'$d/.notes.swp'"
		eq "$d: set by the script" "$(act "$u" "dump $d")" \
			'.notes.swp=notes\n|members=pa2@example.com\n|platform.ini=[platform]\nsandboxes = dev\npermissions = view_schemas\n' ;;
	esac
}

del_rmdir() { as "$1" rmdir "$2"; }
del_rm_r() { as "$1" rm -r "$2"; }
del_rm_rf() { as "$1" rm -rf "$2"; }
del_find_delete() { as "$1" find "$2" -delete; }
del_rmtree() { as "$1" python3 -c 'import shutil, sys; shutil.rmtree(sys.argv[1])' "$2"; }

for m in rmdir rm-r rm-rf find-delete rmtree; do
	for obj in "$PA admin/profiles/doomed" "$SYS admin/platform/doomed"; do
		read -r u rel <<<"$obj"
		d=$MT/$rel
		case $rel in
		*/profiles/*) defs=$prof_defaults ;;
		*) defs=$plat_defaults ;;
		esac
		s="$m as $u: $rel"
		make_object "$u" "$d"
		before=$(act "$u" "read $MT/errors" "lines $MT/audit/log")
		ok "$s succeeds" del_${m//-/_} "$u" "$d"
		after=$(act "$u" "stat $d" "read $MT/errors" "lines $MT/audit/log" "last $MT/audit/log")
		eq "$s: gone, no /errors line, one audit line" "${after%$'\n'*}" "ENOENT
${before%$'\n'*}
$((${before##*$'\n'} + 1))"
		has "$s: the audit line is the rmdir" "${after##*$'\n'}" "	rmdir	/$rel	ok"
		eq "$s: gone for pa2" "$(act $PA2 "stat $d")" ENOENT
		eq "$s: made again, nothing left behind (scratch files included)" \
			"$(act "$u" "mkdir $d" "dump $d" "rmdir $d")" "OK
$defs
OK"
	done
done

# a denied rm -r (lead may not delete profiles) leaves everything whole
snap=$(store_snapshot)
members=$(exact $LEAD "$D/members")
no "lead rm -r its profile fails" as $LEAD rm -r "$D"
no "lead rm -rf its profile fails" as $LEAD rm -rf "$D"
eq "denied rm -r: store unchanged" "$(store_snapshot)" "$snap"
eq "denied rm -r: lead still reads members" "$(exact $LEAD "$D/members")" "$members"
ok "denied rm -r: lead still edits members" as $LEAD sh -c "printf 'group:Analysts\n' >'$D/members'"
eq "denied rm -r: the edit landed" "$(exact $LEAD "$D/members")" $'group:Analysts\n<EOF>'

# --- 4. two editors at once and a reader: whole versions only ---

F=$D/members
gen() {	# gen TAG I: the content TAG writes the I-th time (canonical)
	local k
	for k in 0 1 2 3 4 5 6 7 8 9; do
		printf '%s-%02d-%d@example.com\n' "$1" "$2" "$k"
	done
}
audit0=$(audit_lines)
orig=$(as $PA cat "$F")
rm -f "$MT_DIR/stop"
as $PA2 python3 - "$F" "$MT_DIR/stop" "$orig" >"$MT_DIR/reader.out" 2>&1 <<'PY' &
import os, sys
path, stop, orig = sys.argv[1], sys.argv[2], sys.argv[3] + "\n"
def gen(tag, i):
    return "".join("%s-%02d-%d@example.com\n" % (tag, i, k) for k in range(10))
ok = {orig} | {gen(t, i) for t in ("pa", "lead") for i in range(1, 51)}
reads = bad = 0
sample = ""
while not os.path.exists(stop):
    with open(path) as f:
        text = f.read()
    reads += 1
    if text not in ok:
        bad += 1
        sample = sample or text
print("reads=%d bad=%d" % (reads, bad))
if sample:
    print("a mixed read:\n" + sample)
PY
reader=$!
as $PA sh -c '
	f=$1 i=1
	while [ $i -le 50 ]; do
		t=$(mktemp "$(dirname "$f")/.members.XXXXXX") || exit 1
		k=0
		while [ $k -lt 10 ]; do
			printf "pa-%02d-%d@example.com\n" $i $k
			k=$((k + 1))
		done >"$t"
		mv -f "$t" "$f" || exit 1
		i=$((i + 1))
	done' _ "$F" >"$MT_DIR/pa.out" 2>&1 &
pa_loop=$!
as $LEAD python3 -c '
import sys
for i in range(1, 51):
    with open(sys.argv[1], "w") as f:
        f.write("".join("lead-%02d-%d@example.com\n" % (i, k) for k in range(10)))
' "$F" >"$MT_DIR/lead.out" 2>&1 &
lead_loop=$!
wait $pa_loop
eq "pa's 50 renames succeed" "$? $(cat "$MT_DIR/pa.out")" "0 "
wait $lead_loop
eq "lead's 50 writes succeed" "$? $(cat "$MT_DIR/lead.out")" "0 "
touch "$MT_DIR/stop"
wait $reader
read_out=$(cat "$MT_DIR/reader.out")
has "the reader never saw a mix" "$read_out" " bad=0"
reads=$(sed -n 's/^reads=\([0-9]*\).*/\1/p' <<<"$read_out")
if [ "${reads:-0}" -ge 10 ]; then pass; else fail "the reader read only ${reads:-0} times: $read_out"; fi
new=$(audit_since "$audit0")
eq "100 commits, 100 audit lines" "$(printf '%s\n' "$new" | wc -l)" 100
eq "pa's 50 are in the audit log" "$(grep -c '	pa@example.com	write	/admin/profiles/thirdparty/members	ok	' <<<"$new")" 50
eq "lead's 50 are in the audit log" "$(grep -c '	lead@example.com	write	/admin/profiles/thirdparty/members	ok	' <<<"$new")" 50
last=$(grep '	write	/admin/profiles/thirdparty/members	ok	' <<<"$new" | tail -n 1 | cut -f 2)
last=${last%@example.com}
eq "the later commit wins" "$(exact $PA2 "$F")" "$(gen "$last" 50)
<EOF>"

# --- every program as a denied caller: lead may read admins, not write it ---

DSRC=$MT_DIR/denied.src
printf 'intruder@example.com\n' >"$DSRC"
chmod 644 "$DSRC"
for e in vim_es sed ed perl cp cp_p mv_xfs install rsync tee script_rename \
	 python_replace emacs; do
	snap=$(store_snapshot)
	before=$(exact $LEAD "$D/admins")
	denied_before=$(audit_lines)
	if edit_$e $LEAD "$D/admins" "$DSRC" >/dev/null 2>&1; then
		fail "denied $e: the program reported success"
	else
		pass
	fi
	eq "denied $e: admins unchanged" "$(exact $LEAD "$D/admins")" "$before"
	eq "denied $e: store unchanged" "$(store_snapshot)" "$snap"
	# vim and emacs read the mode bits and refuse before they write, so
	# no attempt reaches cjafs; the others try and are refused
	case $e in
	vim_es | emacs) ;;
	*) has "denied $e: the attempt is audited" \
		"$(audit_since "$denied_before")" "	lead@example.com	" ;;
	esac
done

# --- scratch files live only as long as the mount ---

ok "pa has scratch files" listed $PA "$D" members.old
ok "sys has scratch files" listed $SYS "$MT/admin" .product-admins.swp
mt_unmount
mt_mount || fail "remount"
no "after a remount pa's are gone" listed $PA "$D" members.old
no "after a remount pa's cp -p copy is gone" listed $PA "$D" cp.tmp
eq "after a remount: stat says so" "$(act $PA "stat $D/members.old")" ENOENT
no "after a remount sys's are gone" listed $SYS "$MT/admin" .product-admins.swp
eq "after a remount the attributes stay" "$(exact $PA2 "$F")" "$(gen "$last" 50)
<EOF>"
