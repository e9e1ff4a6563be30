#!/bin/sh
# e5k.sh - the original tool's workload end to end (issue "Bulk load":
# `ptingest gen --entities 5000`, about 40 MB, from the start of
# `ptingest ingest` to its exit in under 0.15 s on 2 cores).
#
#   bench/e5k.sh [--entities N] [--rounds R] [--sync none|chunk|job]
#     --entities N  the data set (default 5000)
#     --rounds R    interleaved rounds of the memtable path and bulk mode
#                   (default 5); the medians are reported
#     --sync MODE   the daemon's ingest.sync (default: its default, chunk)
#
# Each run starts a fresh daemon on an empty data dir, so every run pays
# what a first ingest pays. Reported per mode: the median wall time, rows/s,
# and the median CPU seconds of the client and of the daemon during the
# ingest (utime + stime from /proc; the daemon's include its RocksDB
# threads). Last line: JSON.
set -eu
cd "$(dirname "$0")/.."
B=${PTINGEST_BUILD:-build}
. bench/lib.sh
entities=5000 rounds=5 sync=
while [ $# -gt 0 ]; do
    case $1 in
    --entities) entities=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --sync) sync=$2; shift 2 ;;
    *) echo "usage: bench/e5k.sh [--entities N] [--rounds R] [--sync none|chunk|job]" >&2
       exit 2 ;;
    esac
done
case $sync in ''|none|chunk|job) ;; *) die "--sync: none, chunk or job" ;; esac
pt_need daemon/ptingestd client/ptingest
[ -x /usr/bin/time ] || die "needs /usr/bin/time (apt-get install time)"
pt_workdir e5k
pt_input "$entities"
if [ -n "$sync" ]; then printf 'ingest:\n  sync: %s\n' "$sync"; else :; fi >"$w/cfg.yaml"
hz=$(getconf CLK_TCK)
echo "data: $rows rows, $mb MB (gen --entities $entities)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

ticks() { # ticks PID: its utime + stime so far
    sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}

# run MODE: one ingest into a fresh daemon; appends "wall daemon_cpu
# client_cpu" (seconds) to $w/MODE.txt
run() {
    rm -rf "$w/data"
    pt_start_daemon "$w/cfg.yaml" "$w/data" "$w/s" "$w/daemon.log"
    d0=$(ticks "$dpid")
    t0=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$w/ctime" "$B/client/ptingest" --socket "$w/s" ingest \
        "$w/in.ndjson" "--$1" --no-progress >"$w/ingest.out" 2>&1 ||
        die "ingest --$1 failed: $(tail -3 "$w/ingest.out")"
    t1=$(date +%s.%N)
    d1=$(ticks "$dpid")
    kill "$dpid"; wait "$dpid" || true; dpid=
    awk -v t0="$t0" -v t1="$t1" -v d="$((d1 - d0))" -v hz="$hz" -v c="$(tail -n 1 "$w/ctime")" \
        'BEGIN { split(c, u, " "); printf "%.3f %.3f %.3f\n", t1 - t0, d / hz, u[1] + u[2] }' \
        >>"$w/$1.txt"
}

: >"$w/no-bulk.txt"
: >"$w/bulk.txt"
for r in $(seq 1 "$rounds"); do
    for mode in no-bulk bulk; do
        run "$mode"
        printf '  round %s %-8s %s s\n' "$r" "$mode" "$(tail -n 1 "$w/$mode.txt" | cut -d' ' -f1)"
    done
done

# median FILE COLUMN
median() {
    cut -d' ' -f"$2" "$1" | sort -n | awk '{v[NR] = $1} END {
        printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
mw=$(median "$w/no-bulk.txt" 1) bw=$(median "$w/bulk.txt" 1)
mc=$(median "$w/no-bulk.txt" 3) bc=$(median "$w/bulk.txt" 3)
md=$(median "$w/no-bulk.txt" 2) bd=$(median "$w/bulk.txt" 2)
echo "memtable path: median ${mw} s; CPU client ${mc} s, daemon ${md} s"
echo "bulk mode:     median ${bw} s; CPU client ${bc} s, daemon ${bd} s"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v rows="$rows" -v mw="$mw" -v bw="$bw" -v mc="$mc" -v bc="$bc" -v md="$md" -v bd="$bd" \
    -v n="$rounds" 'BEGIN {
    printf "{\"rows\":%d,\"rounds\":%d,", rows, n
    printf "\"memtable\":{\"wall_s\":%.3f,\"rows_per_s\":%.0f,\"client_cpu_s\":%.3f,\"daemon_cpu_s\":%.3f},",
        mw, rows / mw, mc, md
    printf "\"bulk\":{\"wall_s\":%.3f,\"rows_per_s\":%.0f,\"client_cpu_s\":%.3f,\"daemon_cpu_s\":%.3f},",
        bw, rows / bw, bc, bd
    printf "\"target_0.15_s\":%s}\n", (mw < 0.15 || bw < 0.15) ? "true" : "false"
}'
