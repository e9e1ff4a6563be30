# lib.sh - shared by the end-to-end tests: a real ptingestd on a temporary
# socket and data dir, driven by the real ptingest. Sourced, not run.
set -eu

: "${PTINGESTD:?set by meson}" "${PTINGEST:?set by meson}"
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-e2e.XXXXXX")
SOCK="$T/d.sock"
DATA="$T/data"
LOG="$T/daemon.log"
DPID=
export PTINGEST_SOCKET="$SOCK"

SMALL_DISK=
cleanup() {
    if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
        kill -KILL "$DPID" 2>/dev/null || true
        wait "$DPID" 2>/dev/null || true # its files closed: the tmpfs unmounts
    fi
    [ -z "$SMALL_DISK" ] || umount "$SMALL_DISK" 2>/dev/null || true
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    echo "--- daemon log ($LOG) ---" >&2
    tail -n 40 "$LOG" >&2 2>/dev/null || true
    exit 1
}

# start_daemon [extra ptingestd args...]: returns once it logged "ready".
# DAEMON_ENV, when set, goes before the daemon's command (words without
# spaces, e.g. "env LD_PRELOAD=..."): the environment of that daemon only;
# DAEMON_READY_S (default 10) is how long it may take.
start_daemon() {
    ${DAEMON_ENV:-} "$PTINGESTD" --data-dir "$DATA" --socket "$SOCK" "$@" >>"$LOG" 2>&1 &
    DPID=$!
    for _ in $(seq 1 $((${DAEMON_READY_S:-10} * 20))); do
        if grep -q '^info: ready$' "$LOG" 2>/dev/null; then
            return 0
        fi
        kill -0 "$DPID" 2>/dev/null || fail "daemon exited during start-up"
        sleep 0.05
    done
    fail "daemon not ready after ${DAEMON_READY_S:-10} s"
}

# stop_daemon [SIGNAL]: waits for exit and checks the exit code is 0.
stop_daemon() {
    sig=${1:-TERM}
    kill -"$sig" "$DPID"
    rc=0
    wait "$DPID" || rc=$?
    DPID=
    # A new "ready" must be waited for on the next start.
    sed -i 's/^info: ready$/info: ready (earlier run)/' "$LOG"
    [ "$sig" = KILL ] && return 0
    [ "$rc" -eq 0 ] || fail "daemon exited with $rc after SIG$sig"
}

# json_num KEY: first numeric value of "KEY": in stdin (flat enough here).
json_num() {
    grep -o "\"$1\":[0-9]*" | head -n 1 | cut -d: -f2
}

same_sorted() {
    sort "$1" >"$T/a.sorted"
    sort "$2" >"$T/b.sorted"
    cmp -s "$T/a.sorted" "$T/b.sorted"
}

# small_disk SIZE: the data dir moves onto a tmpfs of SIZE (e.g. 24m) at
# $T/small (a test may grow it with mount -o remount), unmounted on exit.
# Skips the test (77) where mounting is not allowed (needs root).
small_disk() {
    mkdir -p "$T/small"
    if ! mount -t tmpfs -o "size=$1" tmpfs "$T/small" 2>"$T/mount.err"; then
        echo "SKIP: cannot mount a size-limited tmpfs here: $(cat "$T/mount.err")"
        exit 77
    fi
    SMALL_DISK="$T/small" # unmounted by cleanup
    DATA="$T/small/data"
}
