#!/bin/sh
# stall.sh - the slow-disk harness (issue "Stall control").
#
# The same generated ingest, twice, under the same RocksDB rate limit on
# flush and compaction I/O (rocksdb.rate_limit_bytes_per_sec; simulates a
# slow disk on any machine):
#   (a) naive: RocksDB defaults (64 MiB memtable, 2 memtables, 2 background
#       jobs) and one giant WriteBatch per relation, as the original tool;
#   (b) ptingestd with its defaults (the memtable path);
#   (c) ptingestd in bulk mode (ingest --bulk: staged, sorted, SST files
#       ingested at the end: flush and compaction are not in its way).
# For each: wall time, rows/s, samples (every 100 ms) where RocksDB said
# writes were stopped, RocksDB's cumulative stall time, the longest time
# without an acknowledged chunk, and p50/p99/max latency of status.
#
#   bench/stall.sh [--quick] [--entities N] [--rate BYTES_PER_SEC]
# Last line: {"naive":{...},"ptingestd":{...},"bulk":{...}}
set -eu
cd "$(dirname "$0")/.."
B=${PTINGEST_BUILD:-build}
. bench/lib.sh
entities=100000 rate=8000000 extra= skip_naive=0
while [ $# -gt 0 ]; do
    case $1 in
    --quick) entities=100000 rate=16000000; shift ;;
    --entities) entities=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --config-extra) extra=$2; shift 2 ;;  # YAML appended to ptingestd's config
    --skip-naive) skip_naive=1; shift ;;  # when tuning ptingestd alone
    *) echo "usage: bench/stall.sh [--quick] [--entities N] [--rate B/s]" >&2; exit 2 ;;
    esac
done
pt_need daemon/ptingestd client/ptingest bench/naive_ingest bench/stall_probe
pt_workdir stall
pt_input "$entities" 99
echo "data: $rows rows, $mb MB; flush+compaction limited to $rate bytes/s"

echo "(a) naive: RocksDB defaults, one giant batch per relation"
if [ "$skip_naive" = 1 ]; then naive=null; else
naive=$("$B/bench/naive_ingest" "$w/naive-db" "$w/in.ndjson" "$rate"); fi
echo "    $naive"

# run_ptingestd DIR INGEST_FLAG: one ptingestd run; prints its JSON
run_ptingestd() {
    printf 'rocksdb:\n  rate_limit_bytes_per_sec: %s\n%s' "$rate" "$extra" >"$w/cfg.yaml"
    rm -f "$w/stop"
    pt_start_daemon "$w/cfg.yaml" "$w/$1" "$w/s" "$w/daemon.log"
    "$B/bench/stall_probe" "$w/s" "$w/stop" >"$w/probe.json" &
    ppid=$!
    t0=$(date +%s.%N)
    PTINGEST_SOCKET="$w/s" "$B/client/ptingest" ingest "$w/in.ndjson" --no-progress "$2" \
        2>"$w/ingest.err"
    t1=$(date +%s.%N)
    touch "$w/stop"
    wait $ppid
    kill -TERM $dpid; wait $dpid || true; dpid=
    probe=$(cat "$w/probe.json")
    awk -v t0="$t0" -v t1="$t1" -v r="$rows" -v p="$probe" 'BEGIN {
        sub(/^\{/, "", p)
        printf "{\"wall_s\":%.2f,\"rows_per_s\":%.0f,%s\n", t1 - t0, r / (t1 - t0), p }'
}

echo "(b) ptingestd, its defaults (the memtable path)"
run_ptingestd pt-db --no-bulk >"$w/pt.json" # not in $(): its dpid must reach the trap
pt=$(cat "$w/pt.json")
echo "    $pt"
grep -E "pacing|stall" "$w/daemon.log" | tail -n 3 || true
[ -n "${STALL_KEEP_LOG:-}" ] && cp "$w/daemon.log" "$STALL_KEEP_LOG"

echo "(c) ptingestd, bulk mode (ingest --bulk)"
run_ptingestd pt-bulk --bulk >"$w/bulk.json"
bulk=$(cat "$w/bulk.json")
echo "    $bulk"
grep -o 'bulk load of .*' "$w/daemon.log" | tail -n 1 || true
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
wall() { echo "$1" | sed 's/.*"wall_s":\([0-9.]*\).*/\1/'; }
if [ "$naive" != null ]; then
    nw=$(wall "$naive")
    echo "wall vs naive: memtable $(ratio "$(wall "$pt")" "$nw"), bulk $(ratio "$(wall "$bulk")" "$nw")"
fi
printf '{"rows":%s,"rate_bytes_per_sec":%s,"naive":%s,"ptingestd":%s,"bulk":%s}\n' \
    "$rows" "$rate" "$naive" "$pt" "$bulk"
