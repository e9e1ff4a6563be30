#!/bin/sh
# deps.sh - install the Debian 12 packages ptingestd needs that are missing.
#   scripts/deps.sh            build and test dependencies
#   scripts/deps.sh --bench    also what bench/ compares against
set -eu

pkgs="gcc g++ meson ninja-build pkg-config librocksdb-dev libuv1-dev libyaml-dev
      libinih-dev libsimdjson-dev"
# the service and packaging tests: systemd-analyze, systemd-socket-activate,
# systemd-sysusers; dpkg-buildpackage, debhelper and build-essential (which
# dpkg-buildpackage checks for) for the .debs; man
pkgs="$pkgs systemd dpkg-dev debhelper build-essential man-db"
# the service under a real systemd (tests/packaging/nspawn.sh): a minimal
# Debian root, booted in a container
pkgs="$pkgs systemd-container debootstrap"
# the fuzz targets (tests/fuzz): clang and its libFuzzer runtime
pkgs="$pkgs clang-14 libclang-rt-14-dev"
# the daemon under memcheck (tests/valgrind)
pkgs="$pkgs valgrind"
[ "${1:-}" = --bench ] && pkgs="$pkgs rocksdb-tools sqlite3 redis-server redis-tools gnuplot-nox time libsqlite3-dev"

missing=
for p in $pkgs; do
    # triggers pending (man-db's, while another dpkg run finishes) is installed
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
        | grep -q 'install ok \(installed\|triggers-pending\|triggers-awaited\)' \
        || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "installing:$missing" >&2
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
