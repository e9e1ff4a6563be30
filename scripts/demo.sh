#!/bin/sh
# demo.sh - from a fresh Debian 12 machine to a watched ingest: install
# what is missing, build, start ptingestd on its built-in defaults, and
# ingest generated Parseltongue-shaped data with the progress bar.
#   scripts/demo.sh [ENTITIES]     (default 20000: about 165 MB)
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
[ -d build ] || meson setup build >/dev/null
meson compile -C build >/dev/null

entities=${1:-20000}
work=$(mktemp -d /tmp/ptingestd-demo.XXXXXX)
sock="$work/ptingestd.sock"
echo "== starting ptingestd (built-in defaults; data in $work/data)"
build/daemon/ptingestd --data-dir "$work/data" --socket "$sock" >"$work/daemon.log" 2>&1 &
dpid=$!
trap 'kill -TERM $dpid 2>/dev/null; wait $dpid 2>/dev/null; echo "== daemon log: $work/daemon.log"' EXIT
until grep -q '^info: ready$' "$work/daemon.log"; do
    kill -0 $dpid 2>/dev/null || { cat "$work/daemon.log"; exit 1; }
    sleep 0.1
done
export PTINGEST_SOCKET="$sock"
echo "== generating $entities entities of Parseltongue-shaped data"
build/client/ptingest gen --entities "$entities" >"$work/codebase.ndjson"
ls -lh "$work/codebase.ndjson" | awk '{print "   " $5 " of NDJSON"}'
echo "== ingesting (progress bar: rows, MB, rows/s, ETA, queue fill, stall state)"
build/client/ptingest ingest "$work/codebase.ndjson" --progress --job demo
echo "== reading back"
printf '   rows stored: %s\n' "$(build/client/ptingest count)"
for rel in CodeGraph DependencyEdges TestEntitiesExcluded FileWordCoverage IgnoredFiles; do
    printf '   %-22s %s\n' "$rel" "$(build/client/ptingest count $rel)"
done
build/client/ptingest export IgnoredFiles | head -n 2
echo "== status"
build/client/ptingest status | head -n 40
