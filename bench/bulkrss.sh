#!/bin/sh
# bulkrss.sh - one large bulk job: the daemon's peak memory and the bytes
# it writes to disk per byte ingested (issue "Bulk load": a 10 GB job's
# RSS must stay within queue + sort buffer + 64 MiB).
#
#   bench/bulkrss.sh [--entities N] [--sort-buffer BYTES] [--out FILE]
#     --entities N   rows from `ptingest gen --entities N` (default
#                    1300000: about 10 GB of NDJSON), streamed into
#                    `ptingest ingest - --bulk` (no input file on disk)
#
# Reported: wall time, the daemon's peak RSS (VmHWM) beside the budget
# (ingest.queue_max_bytes + bulk.sort_buffer_bytes + 64 MiB), bytes the
# daemon wrote (/proc/PID/io write_bytes: the stage file, sorted runs,
# SST files, WAL) per byte ingested, the sorted runs spilled, and the
# phase timings from the daemon's log. Last line: JSON.
set -eu
cd "$(dirname "$0")/.."
B=${PTINGEST_BUILD:-build}
. bench/lib.sh
entities=1300000 sortbuf=67108864 out=
while [ $# -gt 0 ]; do
    case $1 in
    --entities) entities=$2; shift 2 ;;
    --sort-buffer) sortbuf=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: bench/bulkrss.sh [--entities N] [--sort-buffer BYTES] [--out FILE]" >&2
       exit 2 ;;
    esac
done
pt_need daemon/ptingestd client/ptingest
pt_workdir bulkrss

printf 'ingest:\n  sync: none\nbulk:\n  sort_buffer_bytes: %s\n' "$sortbuf" >"$w/cfg.yaml"
queue=$("$B/daemon/ptingestd" --check-config "$w/cfg.yaml" 2>&1 |
    awk '$1 == "queue_max_bytes:" {print $2; exit}')
[ -n "$queue" ] || queue=67108864
budget=$((queue + sortbuf + 64 * 1048576))

pt_start_daemon "$w/cfg.yaml" "$w/data" "$w/s" "$w/daemon.log"
wb0=$(awk '/^write_bytes/ {print $2}' "/proc/$dpid/io")
load0=$(cut -d' ' -f1 /proc/loadavg)
t0=$(date +%s.%N)
"$B/client/ptingest" gen --entities "$entities" --seed 7 |
    "$B/client/ptingest" --socket "$w/s" ingest - --bulk --no-progress >"$w/ingest.out" 2>&1 ||
    die "ingest failed: $(tail -3 "$w/ingest.out")"
t1=$(date +%s.%N)
load1=$(cut -d' ' -f1 /proc/loadavg)
wb1=$(awk '/^write_bytes/ {print $2}' "/proc/$dpid/io")
hwm=$(awk '/^VmHWM/ {print $2 * 1024}' "/proc/$dpid/status")
kill "$dpid"; wait "$dpid" || true; dpid=
bytes=$(awk '/ingested/ {for (i = 1; i <= NF; i++) if ($i ~ /^\(/) {gsub(/[(]/, "", $i); print $i}}' \
    "$w/ingest.out")
[ -n "$bytes" ] || die "no byte count in: $(cat "$w/ingest.out")"
phases=$(grep -o 'bulk load of .*' "$w/daemon.log" | tail -1)
wall=$(echo "$t1 - $t0" | bc)
res=$(awk -v wall="$wall" -v b="$bytes" -v wb="$((wb1 - wb0))" -v hwm="$hwm" -v budget="$budget" \
    -v q="$queue" -v sb="$sortbuf" -v l0="$load0" -v l1="$load1" 'BEGIN {
    printf "{\"bytes_ingested\":%.0f,\"wall_s\":%.2f,\"mb_per_s\":%.1f,", b, wall, b / 1e6 / wall
    printf "\"peak_rss_mib\":%.1f,\"budget_mib\":%.1f,\"queue_mib\":%.1f,\"sort_buffer_mib\":%.1f,",
        hwm / 1048576, budget / 1048576, q / 1048576, sb / 1048576
    printf "\"rss_within_budget\":%s,", hwm <= budget ? "true" : "false"
    printf "\"bytes_written_per_byte\":%.2f,\"load_before\":%s,\"load_after\":%s}", wb / b, l0, l1
}')
echo "$phases"
echo "$res"
[ -z "$out" ] || { echo "$phases"; echo "$res"; } >>"$out"
