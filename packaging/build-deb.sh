#!/bin/sh
# build-deb.sh [OUTDIR] - build the Debian packages ptingestd, ptingest,
# libptingest0 and libptingest-dev with `dpkg-buildpackage -b -us -uc`.
#
# Debian wants debian/ at the top of the source tree; ours lives in
# packaging/debian so the tree stays distribution-neutral. The tree is
# copied (without build directories and .git) to a scratch directory with
# packaging/debian as debian/, built there, and the .debs land in OUTDIR
# (default: build-deb/ in the source tree). Build dependencies:
# `sh scripts/deps.sh`.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/build-deb}
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
version=$(sed -n '1s/^ptingestd (\([^)]*\)).*/\1/p' "$src/packaging/debian/changelog")
work=$(mktemp -d "${TMPDIR:-/tmp}/ptingestd-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT

tree="$work/ptingestd-$version"
mkdir -p "$tree"
# any meson build directory, whatever its name, stays behind, and so does
# everything under build*/ (.gitignore's): the Windows dependencies
# (build-win, ~1 GB) and the cached container root of tests/packaging/
# nspawn.sh are no sources
excl=
for d in "$src"/*/; do
    [ -d "$d/meson-private" ] && excl="$excl --exclude=./$(basename "$d")"
done
# shellcheck disable=SC2086
tar -C "$src" $excl --exclude='./build*' --exclude=./.git --exclude=./ptingestd-data \
    --exclude=./debian \
    -cf - . | tar -C "$tree" -xf -
cp -r "$src/packaging/debian" "$tree/debian"

cd "$tree"
if ! dpkg-checkbuilddeps >"$work/deps.err" 2>&1; then
    cat "$work/deps.err" >&2
    echo "build-deb.sh: install the build dependencies: sh scripts/deps.sh" >&2
    exit 1
fi
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }parallel=${PARALLEL:-2}"
dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1 || {
    tail -n 60 "$work/build.log" >&2
    echo "build-deb.sh: dpkg-buildpackage failed" >&2
    exit 1
}
mkdir -p "$out"
cp "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes "$out"/
cp "$work/build.log" "$out/build.log"
ls "$out"/*.deb
