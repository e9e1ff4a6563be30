#!/bin/sh
# The packaged service under a real systemd: a minimal Debian 12 root
# (debootstrap --variant=minbase plus systemd) with the .debs installed,
# booted with systemd-nspawn, and checked from outside with nsenter:
#   1. booted: ptingestd.socket and .service enabled by the package and
#      active (Type=notify: READY=1 came), a status text, the sandbox's
#      `systemd-analyze security` score;
#   2. a member of group ptingestd ingests; another user cannot open the
#      socket (0660); with the socket widened to 0666 in a drop-in,
#      listen.allow (group:ptingestd in the packaged file) refuses them:
#      ERROR denied, exit 4, a warning in the journal;
#   3. systemctl reload: RELOADING=1 then READY=1 (systemd's debug log),
#      the changed ingest.sync live; a broken file makes the reload fail
#      and changes nothing;
#   4. systemctl stop during an ingest: the drain (the client is told
#      how many rows are durable, exit 0), then socket activation: a
#      client's connection starts the daemon again, and the job resumes;
#   5. the watchdog: the data dir's file system frozen (fsfreeze) under an
#      ingest wedges the writer inside a RocksDB write; the daemon stops
#      its pings, systemd's watchdog fires, and once the file system
#      thaws the service is restarted and the job resumes. No test hook is
#      needed: a frozen file system is a real wedged write, so the shipped
#      build is what is tested.
# The container root is cached in build-nspawn/ (PT_NSPAWN_CACHE), made on
# the first run (about 1.5 minutes, needs Debian's mirror) and reused, like
# build-win/deps; each run starts from an overlay of it. The .debs are
# built (packaging/build-deb.sh, unit tests off: they run elsewhere) and
# kept per source content hash, or taken from PT_DEBS. Root only; exits 77
# with the reason wherever nspawn cannot run.
set -eu
: "${SRCDIR:?set by meson}"
unset LD_LIBRARY_PATH
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "booting a container needs root"
for t in systemd-nspawn debootstrap nsenter fsfreeze mkfs.ext4 losetup dpkg-deb flock; do
    command -v "$t" >/dev/null || skip "$t not installed (sh scripts/deps.sh installs it)"
done
CACHE=${PT_NSPAWN_CACHE:-$SRCDIR/build-nspawn}
T=$(mktemp -d /var/tmp/pt-nspawn.XXXXXX)
NSPID= CPID= FROZEN= BG=
t0=$(date +%s)
cleanup() {
    rc=$?
    [ -z "$FROZEN" ] || fsfreeze -u "$T/data" 2>/dev/null || true
    [ -z "$BG" ] || kill "$BG" 2>/dev/null || true
    if [ -n "$NSPID" ] && kill -0 "$NSPID" 2>/dev/null; then
        kill -TERM "$NSPID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$NSPID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$NSPID" 2>/dev/null || true
    fi
    umount "$T/root/proc" 2>/dev/null || true
    umount "$T/root" 2>/dev/null || true
    umount "$T/data" 2>/dev/null || true
    rm -rf "$T"
    exit "$rc"
}
trap cleanup EXIT INT TERM
fail() {
    echo "FAIL: $*" >&2
    if [ -n "$CPID" ]; then
        echo "--- journal of ptingestd ---" >&2
        C journalctl -u ptingestd.service -u ptingestd.socket --no-pager -n 40 >&2 || true
    fi
    exit 1
}
step() { echo "[$(($(date +%s) - t0)) s] $*"; }

# --- the .debs ---------------------------------------------------------------
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock -w 900 9 || fail "another run holds $CACHE/.lock"
if [ -n "${PT_DEBS:-}" ]; then
    DEBS=$PT_DEBS
else
    # the sources as they are, build directories left out (build-deb.sh's rule)
    src=$(cd "$SRCDIR" && find . \( -path './build*' -o -path ./.git -o -path ./debian \
        -o -path ./ptingestd-data \) -prune -o -type f -print | LC_ALL=C sort |
        xargs -d '\n' sha256sum | sha256sum | cut -c1-16)
    DEBS="$CACHE/debs-$src"
    if [ ! -f "$DEBS/.done" ]; then
        step "building the .debs (sources $src)"
        rm -rf "$CACHE"/debs-*
        DEB_BUILD_OPTIONS=nocheck sh "$SRCDIR/packaging/build-deb.sh" "$DEBS" >"$T/deb.log" 2>&1 \
            || fail "build-deb.sh: $(tail -n 30 "$T/deb.log")"
        touch "$DEBS/.done"
    fi
fi
arch=$(dpkg --print-architecture)
set -- "$DEBS"/ptingestd_*_"$arch".deb "$DEBS"/ptingest_*_"$arch".deb \
    "$DEBS"/libptingest0_*_"$arch".deb
for d in "$@"; do [ -f "$d" ] || fail "no $d"; done

# --- the cached root: minbase, systemd, and what the packages depend on -------
deps=$(for d in "$@"; do dpkg-deb -f "$d" Depends; done | tr ',|' '\n\n' |
    sed 's/(.*//; s/[[:space:]]//g' | grep -v -x -e '' -e ptingestd -e ptingest \
    -e libptingest0 -e systemd-standalone-sysusers -e systemd-sysusers | LC_ALL=C sort -u |
    tr '\n' ' ')
key="bookworm minbase systemd systemd-sysv dbus $deps"
BASE="$CACHE/base"
if [ "$(cat "$CACHE/base.key" 2>/dev/null)" != "$key" ]; then
    mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null |
        grep -v security | head -n 1)
    [ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(http[^ ]*\) bookworm .*/\1/p' \
        /etc/apt/sources.list 2>/dev/null | head -n 1)
    [ -n "$mirror" ] || skip "no Debian mirror in /etc/apt to debootstrap from"
    step "making the container root in $BASE (debootstrap from $mirror, once)"
    rm -rf "$BASE" "$CACHE/base.key" "$T/new"
    debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus bookworm "$T/new" \
        "$mirror" >"$T/debootstrap.log" 2>&1 \
        || skip "debootstrap failed (no mirror reachable?): $(tail -n 3 "$T/debootstrap.log")"
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        cp /etc/apt/sources.list.d/debian.sources "$T/new/etc/apt/sources.list.d/"
        rm -f "$T/new/etc/apt/sources.list"
    fi
    mount -t proc proc "$T/new/proc"
    # shellcheck disable=SC2086
    { chroot "$T/new" apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        chroot "$T/new" apt-get install -y -qq --no-install-recommends $deps; } \
        >"$T/apt.log" 2>&1 || { umount "$T/new/proc"; fail "apt-get in the root: $(tail -n 5 "$T/apt.log")"; }
    umount "$T/new/proc"
    chroot "$T/new" apt-get clean
    rm -rf "$T/new/var/lib/apt/lists/"*
    mv "$T/new" "$BASE"
    echo "$key" >"$CACHE/base.key"
fi
flock -u 9

# --- this run's root: an overlay of the cached one ---------------------------
mkdir -p "$T/root" "$T/upper" "$T/work" "$T/data"
mount -t overlay overlay -o "lowerdir=$BASE,upperdir=$T/upper,workdir=$T/work" "$T/root" \
    2>"$T/mount.err" || skip "cannot mount an overlay here: $(cat "$T/mount.err")"
# the data dir on a file system of its own, so that it can be frozen
truncate -s 2G "$T/data.img"
mkfs.ext4 -q -F "$T/data.img" >/dev/null 2>&1 || fail "mkfs.ext4"
mount -o loop "$T/data.img" "$T/data" 2>"$T/mount.err" \
    || skip "cannot loop-mount a file system here: $(cat "$T/mount.err")"
mkdir -p "$T/root/debs"
cp "$@" "$T/root/debs/"
chroot "$T/root" sh -c 'dpkg -i /debs/*.deb' >"$T/dpkg.log" 2>&1 \
    || fail "dpkg -i in the root: $(tail -n 20 "$T/dpkg.log")"
# two users: alice in group ptingestd, bob not
mkdir -p "$T/root/etc/sysusers.d"
cat >"$T/root/etc/sysusers.d/pt-test.conf" <<'EOF'
u alice - "ptingestd test, member of group ptingestd"
m alice ptingestd
u bob - "ptingestd test, not a member"
EOF
chroot "$T/root" systemd-sysusers >/dev/null 2>&1 || fail "systemd-sysusers in the root"
# the test's own drop-in: a short watchdog (the unit's 60 s would make the
# test slow) and no core file from the watchdog's SIGABRT
mkdir -p "$T/root/etc/systemd/system/ptingestd.service.d"
printf '[Service]\nWatchdogSec=4s\nLimitCORE=0\n' \
    >"$T/root/etc/systemd/system/ptingestd.service.d/zz-test.conf"

# --- boot ----------------------------------------------------------------------
step "booting"
systemd-nspawn --register=no --keep-unit --console=read-only -q -D "$T/root" \
    -M "ptingestd-test-$$" --bind="$T/data:/var/lib/ptingestd" -b </dev/null \
    >"$T/console.log" 2>&1 &
NSPID=$!
for _ in $(seq 1 100); do
    CPID=$(awk -v p="$NSPID" '$4 == p { print $1 }' /proc/[0-9]*/stat 2>/dev/null | head -n 1)
    [ -n "$CPID" ] && break
    kill -0 "$NSPID" 2>/dev/null || skip "systemd-nspawn cannot run here: $(tail -n 5 "$T/console.log")"
    sleep 0.1
done
[ -n "$CPID" ] || skip "systemd-nspawn started no container: $(tail -n 5 "$T/console.log")"
C() { nsenter -t "$CPID" -a env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
A() { C setpriv --reuid=alice --regid=alice --init-groups "$@"; }
B() { C setpriv --reuid=bob --regid=bob --init-groups "$@"; }
state=
for _ in $(seq 1 600); do
    state=$(C systemctl is-system-running 2>/dev/null || true)
    case "$state" in running|degraded) break ;; esac
    kill -0 "$NSPID" 2>/dev/null || skip "the container did not boot: $(tail -n 5 "$T/console.log")"
    sleep 0.1
done
case "$state" in running|degraded) ;; *) fail "not booted after 60 s: $state" ;; esac
step "booted ($state)"
export PTINGEST_SOCKET=/run/ptingestd/ptingestd.sock
SOCK=$PTINGEST_SOCKET
show() { C systemctl show -p "$1" --value ptingestd.service; }
wait_active() {
    for _ in $(seq 1 300); do
        [ "$(show ActiveState)" = active ] && return 0
        sleep 0.1
    done
    fail "ptingestd.service not active: $(show ActiveState)/$(show SubState)"
}

# --- 1. started by the package's units, READY, status, sandbox -------------------
for u in ptingestd.socket ptingestd.service; do
    [ "$(C systemctl is-enabled "$u")" = enabled ] || fail "$u not enabled by the package"
done
wait_active
[ "$(C systemctl is-active ptingestd.socket)" = active ] || fail "socket unit not active"
status=$(show StatusText)
case "$status" in ready|idle) ;; *) fail "status text \"$status\"" ;; esac
C journalctl -u ptingestd.service --no-pager -o cat | grep -q 'listening on /run/ptingestd/ptingestd.sock (socket activation)$' \
    || fail "the daemon did not serve the socket unit's socket"
C systemd-analyze security ptingestd.service --no-pager >"$T/security" 2>&1 || true
score=$(sed -n 's/.*Overall exposure level for ptingestd.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' "$T/security")
[ -n "$score" ] || fail "systemd-analyze security: $(tail -n 3 "$T/security")"
awk -v s="${score%% *}" 'BEGIN { exit !(s <= 1.5) }' || fail "exposure $score"
step "1. active (READY), status \"$status\", systemd-analyze security: $score"

# --- 2. who may connect -------------------------------------------------------------
A ptingest gen --entities 300 --seed 5 >"$T/small.ndjson"
C sh -c 'cat >/tmp/small.ndjson' <"$T/small.ndjson"
rows=$(wc -l <"$T/small.ndjson")
A ptingest ingest /tmp/small.ndjson --job small --no-progress 2>"$T/err" \
    || fail "alice (group ptingestd) cannot ingest: $(cat "$T/err")"
[ "$(A ptingest count)" -eq "$rows" ] || fail "count after alice's ingest"
rc=0
B ptingest count >/dev/null 2>"$T/err" || rc=$?
[ "$rc" -eq 3 ] && grep -q 'Permission denied' "$T/err" \
    || fail "bob on a 0660 socket: exit $rc: $(cat "$T/err")"
# a wider socket (and its directory): listen.allow still keeps bob out
mkdir -p "$T/root/etc/systemd/system/ptingestd.socket.d"
printf '[Socket]\nSocketMode=0666\n' >"$T/root/etc/systemd/system/ptingestd.socket.d/zz-test.conf"
printf '[Service]\nRuntimeDirectoryMode=0755\n' \
    >"$T/root/etc/systemd/system/ptingestd.service.d/zz-wide.conf"
C systemctl stop ptingestd.service ptingestd.socket 2>/dev/null # drop-ins changed: yes
C systemctl daemon-reload
C systemctl start ptingestd.socket
C chmod 0755 /run/ptingestd
rc=0
B ptingest count >/dev/null 2>"$T/err" || rc=$?   # its connection starts the daemon
[ "$rc" -eq 4 ] && grep -q 'denied: .* listen.allow "group:ptingestd"' "$T/err" \
    || fail "bob on a 0666 socket with listen.allow: exit $rc: $(cat "$T/err")"
bob=$(C id -u bob)
C journalctl -u ptingestd.service --no-pager -o cat | grep -q "client [0-9]* denied: uid $bob gid [0-9]* pid [0-9]*: " \
    || fail "no warning for bob's refusal in the journal"
A ptingest count >/dev/null || fail "alice refused on the 0666 socket"
C systemctl stop ptingestd.service ptingestd.socket
rm "$T/root/etc/systemd/system/ptingestd.socket.d/zz-test.conf" \
    "$T/root/etc/systemd/system/ptingestd.service.d/zz-wide.conf"
C systemctl daemon-reload
C systemctl start ptingestd.socket ptingestd.service
wait_active
step "2. alice (group ptingestd) ingested $rows rows; bob refused: exit 3 on 0660, ERROR denied (exit 4) on 0666"

# --- 3. reload ------------------------------------------------------------------------
C systemctl log-level debug
since=$(C date '+%Y-%m-%d %H:%M:%S')
sleep 1
C sed -i 's/^  sync: chunk/  sync: none/' /etc/ptingestd/ptingestd.yaml
C systemctl reload ptingestd.service 2>"$T/err" || fail "systemctl reload: $(cat "$T/err")"
A ptingest status --json | grep -q '"sync":"none"' || fail "ingest.sync not applied by the reload"
C journalctl --since "$since" --no-pager -o cat >"$T/journal"
awk '/ptingestd.service: Got notification message from PID .*RELOADING=1/ { r = NR }
     r && NR > r && /ptingestd.service: Got notification message from PID .*READY=1/ { ok = 1 }
     END { exit !ok }' "$T/journal" \
    || fail "no RELOADING=1 then READY=1: $(grep 'notification message' "$T/journal" | tail -n 5)"
C sed -i 's/^  sync: none/  sync: sometimes/' /etc/ptingestd/ptingestd.yaml
rc=0
C systemctl reload ptingestd.service 2>/dev/null || rc=$?
[ "$rc" -ne 0 ] || fail "systemctl reload of a broken file succeeded"
C journalctl -u ptingestd.service --since "$since" --no-pager -o cat | grep -q 'ingest.sync: expected one of' \
    || fail "the broken file's reason is not in the journal"
A ptingest status --json | grep -q '"sync":"none"' || fail "a refused reload changed ingest.sync"
[ "$(show ActiveState)" = active ] || fail "a refused reload stopped the service"
C sed -i 's/^  sync: sometimes/  sync: chunk/' /etc/ptingestd/ptingestd.yaml
C systemctl reload ptingestd.service || fail "reload back to sync: chunk"
C systemctl log-level info
step "3. reload: RELOADING=1, READY=1, ingest.sync none live; a broken file failed the reload, nothing changed"

# --- 4. stop with a drain, then socket activation ---------------------------------------
A sh -c 'ptingest gen --entities 20000 --seed 7 >/tmp/big.ndjson'
big=$(C sh -c 'wc -l </tmp/big.ndjson')
A ptingest ingest /tmp/big.ndjson --job drain --no-progress >"$T/drain.out" 2>&1 &
BG=$!
for _ in $(seq 1 200); do
    A ptingest status --json 2>/dev/null | grep -q '"id":"drain","state":"running","rows":[1-9]' && break
    sleep 0.05
done
C systemctl stop ptingestd.service 2>/dev/null # "can still be activated by the socket": yes
rc=0
wait "$BG" || rc=$?
BG=
[ "$rc" -eq 4 ] && grep -q 'rows of job drain are durable' "$T/drain.out" \
    || fail "the client was not told where the job stands: exit $rc: $(cat "$T/drain.out")"
[ "$(show Result)" = success ] && [ "$(show ExecMainStatus)" = 0 ] \
    || fail "stop: Result=$(show Result) ExecMainStatus=$(show ExecMainStatus)"
C journalctl -u ptingestd.service --no-pager -o cat | grep -q 'draining: no new jobs' \
    || fail "no drain in the journal"
[ "$(C systemctl is-active ptingestd.socket)" = active ] || fail "the socket went with the service"
[ "$(show ActiveState)" = inactive ] || fail "service still $(show ActiveState)"
A ptingest status >/dev/null || fail "no answer through the socket after stop"
wait_active
A ptingest ingest /tmp/big.ndjson --job drain --no-progress 2>"$T/err" \
    || fail "resume after the drain: $(cat "$T/err")"
grep -q 'resuming job drain after its [0-9]* durable rows' "$T/err" || fail "did not resume: $(cat "$T/err")"
step "4. stop during an ingest: drained (exit 0); a connection started it again; job resumed ($big rows)"

# --- 5. the watchdog and a wedged writer --------------------------------------------
restarts=$(show NRestarts)
A ptingest ingest /tmp/big.ndjson --job wedge --no-progress >"$T/wedge.out" 2>&1 &
BG=$!
for _ in $(seq 1 200); do
    A ptingest status --json 2>/dev/null | grep -q '"id":"wedge","state":"running","rows":[1-9]' && break
    sleep 0.05
done
fsfreeze -f "$T/data"
FROZEN=1
since_wd=$(date +%s)
for _ in $(seq 1 300); do
    C journalctl -u ptingestd.service --no-pager -o cat | grep -q 'Watchdog timeout' && break
    sleep 0.1
done
C journalctl -u ptingestd.service --no-pager -o cat | grep -q 'Watchdog timeout' \
    || fail "no watchdog timeout within 30 s of freezing the data dir"
fired=$(($(date +%s) - since_wd))
C journalctl -u ptingestd.service --no-pager -o cat |
    grep -q 'watchdog: the writer is not making progress with chunks waiting' \
    || fail "the daemon did not say why it stopped pinging"
fsfreeze -u "$T/data"
FROZEN=
wait "$BG" || true
BG=
for _ in $(seq 1 300); do
    [ "$(show NRestarts)" -gt "$restarts" ] && [ "$(show ActiveState)" = active ] && break
    sleep 0.1
done
[ "$(show NRestarts)" -gt "$restarts" ] || fail "not restarted after the watchdog: $(show Result)"
wait_active
A ptingest ingest /tmp/big.ndjson --job wedge --no-progress 2>"$T/err" \
    || fail "resume after the watchdog restart: $(cat "$T/err")"
n=$(A ptingest count)
[ "$n" -eq $((big + rows)) ] || fail "count $n after the resumed jobs, want $((big + rows))"
step "5. writer wedged (fsfreeze): watchdog fired after ${fired} s, restarted (NRestarts $(show NRestarts)), job resumed; $n rows"
echo "nspawn: ok in $(($(date +%s) - t0)) s"
