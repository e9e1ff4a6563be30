#!/bin/sh
# fairness.sh - a small job beside a huge one (issue "Hostile and careless
# clients", finding 4: one client must not take the whole queue).
#
# One daemon on a slow disk (flush and compaction limited by
# rocksdb.rate_limit_bytes_per_sec, so the queue fills and clients are
# back-pressured). A small job (--small-rows rows from `gen`) is timed from
# `ptingest ingest` start to exit, R times with the daemon idle, then R
# times while a huge job (--entities) streams in beside it. Medians.
#
#   bench/fairness.sh [--entities N] [--small-rows N] [--reps R] [--rate B/s]
# Last line: {"idle_ms":...,"beside_huge_ms":...,"ratio":...}
set -eu
cd "$(dirname "$0")/.."
B=${PTINGEST_BUILD:-build}
. bench/lib.sh
entities=30000 small=200 reps=7 rate=16000000
while [ $# -gt 0 ]; do
    case $1 in
    --entities) entities=$2; shift 2 ;;
    --small-rows) small=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    *) echo "usage: bench/fairness.sh [--entities N] [--small-rows N] [--reps R] [--rate B/s]" >&2
       exit 2 ;;
    esac
done
pt_need daemon/ptingestd client/ptingest
w=$(mktemp -d "${TMPDIR:-/var/tmp}/pt-fair.XXXXXX")
dpid= bpid=
trap '[ -n "$bpid" ] && kill $bpid 2>/dev/null; [ -n "$dpid" ] && kill -KILL $dpid 2>/dev/null; rm -rf "$w"' EXIT
export PTINGEST_SOCKET="$w/s"
PT="$B/client/ptingest"

"$PT" gen --entities "$entities" --seed 7 >"$w/huge.ndjson"
"$PT" gen --entities $((small / 4 + 10)) --seed 8 | head -n "$small" >"$w/small.ndjson"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "huge job: $(wc -l <"$w/huge.ndjson") rows, $(($(wc -c <"$w/huge.ndjson") / 1000000)) MB;" \
     "small job: $small rows; flush+compaction at $rate bytes/s"
printf 'rocksdb:\n  rate_limit_bytes_per_sec: %s\n' "$rate" >"$w/cfg.yaml"
pt_start_daemon "$w/cfg.yaml" "$w/db" "$w/s" "$w/daemon.log"

small_ms() { # one timed small job, a new id each time
    t0=$(date +%s%N)
    timeout 300 "$PT" ingest "$w/small.ndjson" --job "small-$1" --no-progress 2>>"$w/small.err"
    echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

i=0
while [ $i -lt "$reps" ]; do small_ms "idle-$i"; i=$((i + 1)); done >"$w/idle.ms"
timeout 900 "$PT" ingest "$w/huge.ndjson" --job huge --no-progress 2>"$w/huge.err" &
bpid=$!
sleep 3 # the huge job fills the queue
i=0
while [ $i -lt "$reps" ]; do small_ms "beside-$i"; sleep 0.5; i=$((i + 1)); done >"$w/beside.ms"
busy=$(PTINGEST_SOCKET="$w/s" "$PT" status --json | grep -o '"queue":{[^}]*}')
kill $bpid 2>/dev/null || true
wait $bpid 2>/dev/null || true
bpid=
idle=$(median <"$w/idle.ms")
beside=$(median <"$w/beside.ms")
echo "small job alone:        $(tr '\n' ' ' <"$w/idle.ms")ms (median $idle)"
echo "beside the huge job:    $(tr '\n' ' ' <"$w/beside.ms")ms (median $beside)"
echo "queue while measuring:  $busy"
printf '{"idle_ms":%s,"beside_huge_ms":%s,"ratio":%s}\n' "$idle" "$beside" \
    "$(awk -v a="$beside" -v b="$idle" 'BEGIN { printf "%.2f", a / b }')"
