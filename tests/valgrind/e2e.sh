#!/bin/sh
# e2e.sh - the daemon's whole path under valgrind memcheck: start, ingest,
# export (compared with the input), get, count, status, a reload by
# SIGHUP (a changed file applied, a broken one refused), stop by SIGTERM.
# Passes when memcheck reports no error and no leak (definite, indirect
# or possible) in the daemon, and the run itself is right.
#
# Needs a build without sanitizers (valgrind and ASan do not mix), e.g.
#   meson setup build-vg && meson compile -C build-vg
#   PTINGESTD=build-vg/daemon/ptingestd PTINGEST=build-vg/client/ptingest tests/valgrind/e2e.sh
# (tests/run.sh makes such a build and runs suite 'valgrind' in it).
# No suppressions: the drain closes RocksDB and joins its threads before
# exit, so even RocksDB's allocations are freed (what is left is "still
# reachable": static tables of RocksDB and the C++ runtime, not leaks).
# About 10-20 s on 2 cores.
set -eu
: "${PTINGESTD:?path to ptingestd}" "${PTINGEST:?path to ptingest}"
command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 77; }
if nm -D "$PTINGESTD" 2>/dev/null | grep -q __asan_init; then
    echo "skipped: $PTINGESTD is built with ASan (valgrind needs a plain build)"
    exit 77
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/pt-vg.XXXXXX")
SOCK="$T/d.sock"
LOG="$T/daemon.log"
VG="$T/valgrind.log"
DPID=
export PTINGEST_SOCKET="$SOCK"
cleanup() {
    [ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null || true
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    tail -n 30 "$LOG" >&2 2>/dev/null || true
    tail -n 60 "$VG" >&2 2>/dev/null || true
    exit 1
}
# wait_log PATTERN COUNT: until the daemon logged PATTERN COUNT times.
wait_log() {
    for _ in $(seq 1 600); do
        [ "$(grep -c "$1" "$LOG" 2>/dev/null || true)" -ge "$2" ] && return 0
        kill -0 "$DPID" 2>/dev/null || fail "daemon exited while waiting for: $1"
        sleep 0.1
    done
    fail "not logged in 60 s: $1"
}

cat >"$T/c.yaml" <<EOF2
data_dir: $T/data
listen: {path: $SOCK}
ingest: {chunk_max_rows: 200, sync: chunk}
rocksdb: {cf_options: {write_buffer_size: 4194304}}
EOF2
t0=$(date +%s)
valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 \
    --track-origins=yes --num-callers=30 \
    --log-file="$VG" "$PTINGESTD" --config "$T/c.yaml" >"$LOG" 2>&1 &
DPID=$!
wait_log '^info: ready$' 1

"$PTINGEST" gen --entities 60 --seed 3 >"$T/in.ndjson"
rows=$(wc -l <"$T/in.ndjson")
"$PTINGEST" ingest "$T/in.ndjson" --no-progress 2>/dev/null || fail "ingest"
"$PTINGEST" export >"$T/out.ndjson" || fail "export"
sort "$T/in.ndjson" >"$T/a"
sort "$T/out.ndjson" >"$T/b"
cmp -s "$T/a" "$T/b" || fail "export differs from the input"
[ "$("$PTINGEST" count)" -eq "$rows" ] || fail "count"
key=$(grep '^{"rel":"DependencyEdges"' "$T/in.ndjson" | head -n 1 \
    | sed 's/^{"rel":"DependencyEdges","key":"\([^"]*\)".*/\1/')
"$PTINGEST" get DependencyEdges "$key" >/dev/null || fail "get"
"$PTINGEST" status --json >/dev/null || fail "status"
"$PTINGEST" metrics >/dev/null || fail "metrics"

# a reload that applies, then one that is refused
sed -i 's/write_buffer_size: 4194304/write_buffer_size: 8388608/; s/chunk_max_rows: 200/chunk_max_rows: 300/' \
    "$T/c.yaml"
kill -HUP "$DPID"
wait_log 'reloaded configuration' 1
printf 'ingest: {chunk_max_rows: [\n' >>"$T/c.yaml"
kill -HUP "$DPID"
wait_log 'refused, nothing changed' 1
"$PTINGEST" ingest "$T/in.ndjson" --job again --no-progress 2>/dev/null || fail "ingest after reload"

kill -TERM "$DPID"
rc=0
wait "$DPID" || rc=$?
DPID=
t1=$(date +%s)
grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|suppressed' "$VG" || true
[ "$rc" -eq 0 ] || fail "daemon exited $rc under valgrind (1: memcheck found errors or leaks)"
grep -q 'ERROR SUMMARY: 0 errors' "$VG" || fail "memcheck errors"
echo "valgrind e2e: ok ($rows rows, $((t1 - t0)) s)"
