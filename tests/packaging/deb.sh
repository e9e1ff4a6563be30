#!/bin/sh
# The Debian packages for real: build them with packaging/build-deb.sh,
# check what each one holds (files, conffile, hardening of the binaries),
# install them (apt-get on the .debs: dpkg -i and any missing dependency),
# and run the INSTALLED /usr/sbin/ptingestd and
# /usr/bin/ptingest through an ingest round trip on a scratch data dir and
# socket; a program built against libptingest-dev with pkg-config talks to
# the same daemon. Afterwards the packages are purged again unless they
# were installed before the test, so the machine is left as it was; the
# build tree's binaries never see the installed ones (absolute paths,
# their own RUNPATH), which the test checks too.
set -eu
: "${SRCDIR:?set by meson}" "${PTINGEST:?set by meson}"
# meson points LD_LIBRARY_PATH at the build tree's library for its
# tests; the installed programs must run on the installed one.
unset LD_LIBRARY_PATH
skip() { echo "skipped: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "installing packages needs root"
for t in dpkg-buildpackage dh flock; do
    command -v "$t" >/dev/null || skip "$t not installed (sh scripts/deps.sh installs it)"
done

T=$(mktemp -d "${TMPDIR:-/tmp}/pt-deb.XXXXXX")
PKGS="ptingestd ptingest libptingest0 libptingest-dev"
DPID=
purge=
cleanup() {
    rc=$?
    if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then kill -KILL "$DPID" || true; fi
    # shellcheck disable=SC2086
    [ -z "$purge" ] || apt_get purge $purge >"$T/purge.log" 2>&1 || {
        echo "WARNING: purging$purge failed:" >&2; cat "$T/purge.log" >&2; rc=1; }
    rm -rf "$T"
    exit "$rc"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    [ -f "$T/daemon.log" ] && tail -n 20 "$T/daemon.log" >&2
    exit 1
}
# apt waits for dpkg's lock (another test run, an unattended upgrade)
# where dpkg itself would fail at once.
apt_get() {
    DEBIAN_FRONTEND=noninteractive apt-get -y -qq -o DPkg::Lock::Timeout=300 "$@"
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# One run at a time on a machine: dpkg has one database.
exec 9>/tmp/ptingestd-deb-test.lock
flock -w 600 9 || fail "another package test holds /tmp/ptingestd-deb-test.lock"

# 1. build (PT_DEBS=DIR: test the packages already in DIR instead)
if [ -n "${PT_DEBS:-}" ]; then
    cp -r "$PT_DEBS" "$T/debs"
else
    t0=$(date +%s)
    sh "$SRCDIR/packaging/build-deb.sh" "$T/debs" >"$T/build.out" 2>&1 \
        || fail "build-deb.sh: $(tail -n 30 "$T/build.out")"
    echo "built in $(($(date +%s) - t0)) s: $(cd "$T/debs" && ls ./*.deb | tr '\n' ' ')"
fi
deb() { echo "$T/debs/${1}_"*"_$(dpkg --print-architecture).deb"; }

# 2. contents
has() { # package path-regex
    dpkg-deb -c "$(deb "$1")" | awk '{ print $6 }' | grep -q "^\./$2\$" \
        || fail "package $1 lacks $2"
}
has ptingestd usr/sbin/ptingestd
has ptingestd lib/systemd/system/ptingestd.service
has ptingestd lib/systemd/system/ptingestd.socket
has ptingestd usr/lib/sysusers.d/ptingestd.conf
has ptingestd etc/ptingestd/ptingestd.yaml
has ptingestd usr/share/man/man8/ptingestd.8.gz
has ptingestd lib/systemd/system/ptingestd-metrics.socket
has ptingestd 'lib/systemd/system/ptingestd-metrics@.service'
has ptingestd usr/libexec/ptingestd-metrics-http
has ptingest usr/bin/ptingest
has ptingest usr/share/man/man1/ptingest.1.gz
has libptingest0 'usr/lib/[^/]*/libptingest.so.0.*'
has libptingest-dev usr/include/libptingest.h
has libptingest-dev 'usr/lib/[^/]*/libptingest.so'
has libptingest-dev 'usr/lib/[^/]*/pkgconfig/libptingest.pc'
dpkg-deb -f "$(deb libptingest-dev)" Depends | grep -q 'libptingest0 (= ' \
    || fail "libptingest-dev does not pin libptingest0"
dpkg-deb -f "$(deb ptingest)" Depends | grep -q 'libptingest0' || fail "ptingest lacks libptingest0"
mkdir "$T/ctl"
dpkg-deb -e "$(deb ptingestd)" "$T/ctl"
grep -qx /etc/ptingestd/ptingestd.yaml "$T/ctl/conffiles" || fail "config is not a conffile"
grep -q 'systemd-sysusers .*ptingestd.conf' "$T/ctl/postinst" || fail "postinst makes no user"
grep -q "deb-systemd-helper enable 'ptingestd.socket'" "$T/ctl/postinst" \
    || fail "postinst does not enable ptingestd.socket"
# metrics over HTTP: kept enabled across upgrades if the admin enabled it, else off
grep -q "debian-installed 'ptingestd-metrics.socket'" "$T/ctl/postinst" \
    && ! grep -q "deb-systemd-invoke .*ptingestd-metrics" "$T/ctl/postinst" \
    || fail "metrics over HTTP on by default"
[ "$(grep -n 'systemd-sysusers' "$T/ctl/postinst" | cut -d: -f1)" -lt \
  "$(grep -n 'deb-systemd-helper enable' "$T/ctl/postinst" | head -n 1 | cut -d: -f1)" ] \
    || fail "postinst enables the units before the user exists"

# hardening=+all: PIE, full RELRO (BIND_NOW), stack protector, fortify
mkdir "$T/x"
dpkg-deb -x "$(deb ptingestd)" "$T/x"
dpkg-deb -x "$(deb ptingest)" "$T/x"
for b in "$T/x/usr/sbin/ptingestd" "$T/x/usr/bin/ptingest"; do
    n=$(basename "$b")
    readelf -h "$b" | grep -q 'Type: *DYN' || fail "$n is not PIE"
    readelf -lW "$b" | grep -q GNU_RELRO || fail "$n has no RELRO"
    readelf -dW "$b" | grep -q 'FLAGS.*BIND_NOW' || fail "$n is not BIND_NOW (full RELRO)"
    readelf -sW --dyn-syms "$b" | grep -q '__stack_chk_fail' || fail "$n has no stack protector"
    readelf -sW --dyn-syms "$b" | grep -q '_chk@' || fail "$n is not fortified"
done
echo "hardening: PIE, full RELRO, stack protector, fortify on ptingestd and ptingest"

# 3. install
purge=
for p in $PKGS; do installed "$p" || purge="$purge $p"; done
# apt-get on the .debs is dpkg -i plus what they depend on (apt-get -f)
# shellcheck disable=SC2046
apt_get install $(for p in $PKGS; do deb "$p"; done) >"$T/install.log" 2>&1 \
    || fail "install: $(tail -n 20 "$T/install.log")"
for p in $PKGS; do installed "$p" || fail "$p not installed: $(tail -n 20 "$T/install.log")"; done
getent passwd ptingestd | grep -q ':/var/lib/ptingestd:' || fail "no ptingestd system user"
getent group ptingestd >/dev/null || fail "no ptingestd group"
D=/usr/sbin/ptingestd
C=/usr/bin/ptingest
ldd "$C" | grep -q 'libptingest.so.0 => /\(usr/\)\{0,1\}lib/' || fail "installed ptingest: $(ldd "$C")"
# the build tree still runs its own library, not the installed one
ldd "$PTINGEST" | grep 'libptingest.so.0 =>' | grep -vq ' /\(usr/\)\{0,1\}lib/' \
    || fail "the build tree's ptingest now loads the installed library: $(ldd "$PTINGEST")"
"$D" --check-config /etc/ptingestd/ptingestd.yaml >/dev/null 2>"$T/check.err" \
    || fail "packaged config: $(cat "$T/check.err")"
man -w ptingestd >/dev/null && man -w ptingest >/dev/null || fail "man pages not found by man"
if command -v systemd-analyze >/dev/null; then
    man=no
    [ -e /usr/share/man/man5/ptingestd.yaml.5.gz ] && man=yes
    systemd-analyze verify --man=$man /lib/systemd/system/ptingestd.service \
        /lib/systemd/system/ptingestd.socket >"$T/verify" 2>&1 && [ ! -s "$T/verify" ] \
        || fail "installed units: $(cat "$T/verify")"
    echo "installed units verify clean (man pages checked: $man)"
fi

# 4. the installed programs, end to end
cat >"$T/c.yaml" <<YAML
data_dir: $T/data
listen:
  path: $T/d.sock
log:
  level: info
YAML
"$D" --config "$T/c.yaml" >"$T/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 1 200); do
    grep -q '^info: ready$' "$T/daemon.log" && break
    kill -0 "$DPID" 2>/dev/null || fail "installed daemon exited"
    sleep 0.05
done
export PTINGEST_SOCKET="$T/d.sock"
"$C" gen --entities 500 --seed 11 >"$T/in.ndjson"
"$C" ingest "$T/in.ndjson" --no-progress --job deb 2>"$T/ingest.err" \
    || fail "installed ingest: $(cat "$T/ingest.err")"
"$C" export >"$T/out.ndjson"
sort "$T/in.ndjson" >"$T/a"
sort "$T/out.ndjson" >"$T/b"
cmp -s "$T/a" "$T/b" || fail "export differs from the input"
rows=$(wc -l <"$T/in.ndjson")
[ "$("$C" count)" -eq "$rows" ] || fail "count is not $rows"
"$C" metrics | grep -q "^ptingestd_rows_written_total $rows$" || fail "metrics: rows written"

# libptingest-dev: a program built with pkg-config against the installed header and .so
cat >"$T/count.c" <<'C'
#include <libptingest.h>
#include <inttypes.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    pti_client *c;
    char err[256];
    uint64_t n = 0;
    if (pti_connect(&c, argv[1], err, sizeof(err)) < 0 ||
        pti_count(c, NULL, &n, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("%" PRIu64 "\n", n);
    pti_close(c);
    return argc > 2;
}
C
# shellcheck disable=SC2046
cc -o "$T/count" "$T/count.c" $(pkg-config --cflags --libs libptingest) 2>"$T/cc.err" \
    || fail "building against libptingest-dev: $(cat "$T/cc.err")"
[ "$("$T/count" "$T/d.sock")" -eq "$rows" ] || fail "libptingest client count"

kill -HUP "$DPID"
for _ in $(seq 1 100); do grep -q 'reloaded configuration' "$T/daemon.log" && break; sleep 0.05; done
grep -q 'reloaded configuration' "$T/daemon.log" || fail "installed daemon did not reload"
kill -TERM "$DPID"
rc=0
wait "$DPID" || rc=$?
DPID=
[ "$rc" -eq 0 ] || fail "installed daemon exited $rc on SIGTERM"
echo "installed ptingestd/ptingest: $rows rows round trip, reload, clean stop"

# 5. purge (the trap does it); check it took the programs along
if [ -n "$purge" ]; then
    # shellcheck disable=SC2086
    apt_get purge $purge >"$T/purge.log" 2>&1 || fail "purge: $(cat "$T/purge.log")"
    purge=
    [ ! -e "$D" ] && [ ! -e "$C" ] && [ ! -e /etc/ptingestd/ptingestd.yaml ] \
        || fail "purge left files behind"
    echo "purged again"
fi
echo "deb: ok"
