#!/bin/sh
# ingest.sh - the core figures: `ptingest gen --entities N | ptingest ingest`
# end to end (rows/s, MB/s), the daemon's peak RSS during it, and the
# CLI's NDJSON parse rate alone on the same data.
#   bench/ingest.sh [--entities N] [--sync none|chunk|job]   (default 200000, chunk)
# Uses the build in $PTINGEST_BUILD (default build/). Last line: one JSON object.
set -eu
cd "$(dirname "$0")/.."
B=${PTINGEST_BUILD:-build}
. bench/lib.sh
entities=200000 sync=chunk
while [ $# -gt 0 ]; do
    case $1 in
    --entities) entities=$2; shift 2 ;;
    --sync) sync=$2; shift 2 ;;
    --quick) entities=20000; shift ;;
    *) echo "usage: bench/ingest.sh [--entities N] [--sync MODE] [--quick]" >&2; exit 2 ;;
    esac
done
[ -x "$B/daemon/ptingestd" ] || { echo "build first: meson setup $B && meson compile -C $B" >&2; exit 2; }
w=$(mktemp -d "${TMPDIR:-/var/tmp}/pt-bench.XXXXXX")
trap 'kill -KILL $dpid 2>/dev/null || true; rm -rf "$w"' EXIT
printf 'ingest:\n  sync: %s\n' "$sync" >"$w/cfg.yaml"
pt_start_daemon "$w/cfg.yaml" "$w/data" "$w/s" "$w/log"
export PTINGEST_SOCKET="$w/s"

# End to end, generator piped in as a user would run it.
t0=$(date +%s.%N)
"$B/client/ptingest" gen --entities "$entities" | "$B/client/ptingest" ingest - --no-progress 2>"$w/ingest.err"
t1=$(date +%s.%N)
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$dpid/status")
rows=$(sed -n 's/^ingested \([0-9]*\) rows (\([0-9]*\) bytes).*/\1/p' "$w/ingest.err")
bytes=$(sed -n 's/^ingested \([0-9]*\) rows (\([0-9]*\) bytes).*/\2/p' "$w/ingest.err")
kill -TERM $dpid; wait $dpid || true

# The parser alone, on the same bytes from a file in the page cache.
"$B/client/ptingest" gen --entities "$((entities / 4))" >"$w/in.ndjson"
parse=$("$B/bench/parse_bench" "$w/in.ndjson")
parse_mbs=$(echo "$parse" | sed -n 's/.*: \([0-9.]*\) MB\/s.*/\1/p')

awk -v r="$rows" -v b="$bytes" -v t0="$t0" -v t1="$t1" -v rss="$rss_kb" -v p="$parse_mbs" \
    -v n="$entities" -v s="$sync" 'BEGIN {
    wall = t1 - t0
    printf "entities %d, sync %s: %d rows, %.1f MB in %.2f s\n", n, s, r, b / 1e6, wall
    printf "  end to end: %.0f rows/s, %.1f MB/s\n", r / wall, b / 1e6 / wall
    printf "  daemon peak RSS: %.1f MiB\n", rss / 1024
    printf "  CLI parse alone: %s MB/s\n", p
    printf "{\"entities\":%d,\"sync\":\"%s\",\"rows\":%d,\"bytes\":%d,\"wall_s\":%.2f,\"rows_per_s\":%.0f,\"mb_per_s\":%.1f,\"daemon_peak_rss_mib\":%.1f,\"parse_mb_per_s\":%s}\n",
        n, s, r, b, wall, r / wall, b / 1e6 / wall, rss / 1024, p
}'
