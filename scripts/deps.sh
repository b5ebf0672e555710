#!/usr/bin/env bash
# Install the Debian packages cjafs needs to build, run and test.
#
#   scripts/deps.sh            build and mount-test packages
#   scripts/deps.sh --editors  also the editors and the browser (chromium,
#                              for slides.html) the mount tests drive
#   scripts/deps.sh --bench    also the benchmark peers and tools
#   scripts/deps.sh --fuzz     also clang's libFuzzer
#
# Idempotent and non-interactive: it asks dpkg what is missing, runs
# apt-get update at most once, and installs only what is missing.
set -euo pipefail

pkgs=(build-essential pkg-config libfuse3-dev fuse3 libinih-dev libtdb-dev libzstd-dev libpcre2-dev libarchive-dev
      tdb-tools check attr util-linux python3 sqlite3 libsqlite3-dev tzdata
      man-db groff-base systemd) # systemd: systemd-analyze verify
for arg in "$@"; do
	case "$arg" in
	--editors) pkgs+=(vim nano emacs-nox ed rsync tmux perl chromium) ;;
	--bench) pkgs+=(hyperfine valgrind sqlite3 linux-perf strace) ;;
	--fuzz) pkgs+=(clang libclang-rt-14-dev llvm-14) ;; # llvm-14: llvm-symbolizer
	--tools) pkgs+=(valgrind strace) ;;
	*) echo "deps.sh: unknown option $arg" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "deps.sh: need root to install: ${missing[*]}" >&2; exit 1; }
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
echo "deps.sh: installing ${missing[*]}"
if ! $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null; then
	$sudo apt-get update -q </dev/null
	$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi
