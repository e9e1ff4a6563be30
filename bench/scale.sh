#!/bin/sh
# scale.sh - does ptingestd keep its pace and its memory as ingests grow?
# Ingests 10^4, 10^5 and 10^6 rows (and 10^7 with --large) of `ptingest gen`
# data, each into a fresh daemon and data dir, and prints rows/s and the
# daemon's peak RSS (VmHWM) at each size. Expected: RSS flat (bounded by the
# queue + memtables + caches, not by the data), rows/s from 10^5 to 10^6
# down by at most 30%.
#
#   bench/scale.sh [--large] [--reps R] [--sync none|chunk|job]
#     --large   also 10^7 rows (~19.5 GB of NDJSON, ~20 GB of RocksDB; run once)
#     --reps R  runs per size up to 10^6, the median is reported (default 3)
#     --sync    the daemon's ingest.sync (default: its default, chunk)
#
# One data set is generated for the largest size; each size is its first N
# lines, piped in: `head -n N FILE | ptingest ingest -`. Uses the build in
# $PTINGEST_BUILD (default build/). Last line: one JSON object.
set -eu
cd "$(dirname "$0")/.."
B=${PTINGEST_BUILD:-build}
. bench/lib.sh
large=0 reps=3 sync=
T=${PTINGEST_BENCH_TIMEOUT:-1800}
usage() { echo "usage: bench/scale.sh [--large] [--reps R] [--sync none|chunk|job]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
    --large) large=1; shift ;;
    --reps) [ $# -ge 2 ] || usage; reps=$2; shift 2 ;;
    --sync) [ $# -ge 2 ] || usage; sync=$2; shift 2 ;;
    *) usage ;;
    esac
done
case $reps in ''|*[!0-9]*) usage ;; esac
[ "$reps" -gt 0 ] || usage
case $sync in ''|none|chunk|job) ;; *) usage ;; esac
pt_need daemon/ptingestd client/ptingest
sizes="10000 100000 1000000"
[ $large = 1 ] && sizes="$sizes 10000000"
max=1000000; [ $large = 1 ] && max=10000000

w=$(mktemp -d "${TMPDIR:-/var/tmp}/pt-scale.XXXXXX")
dpid=
cleanup() {
    [ -z "$dpid" ] || kill -KILL "$dpid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$w"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pt_private_bin
PT=$B/client/ptingest
die() { echo "scale.sh: $*" >&2; exit 1; }
now() { date +%s.%N; }

echo "generating $max rows ..." >&2
"$PT" gen --entities $((max / 4 + 100)) | head -n "$max" >"$w/in.ndjson"
[ "$(wc -l <"$w/in.ndjson")" -eq "$max" ] || die "gen gave fewer than $max rows"
# The memory bound the daemon's configuration sets: the queue
# (ingest.queue_max_bytes) + per relation max_write_buffer_number x
# write_buffer_size + 64 MiB for the block cache, code and connections.
"$B/daemon/ptingestd" --check-config /dev/null >"$w/effective.txt" 2>&1 || true
bound=$(awk '$1 == "queue_max_bytes:" { q = $2 } $1 == "write_buffer_size:" { wb = $2 }
    $1 == "max_write_buffer_number:" { n = $2 } /^relations:/ { r = 1; next }
    r && /^  [A-Za-z]/ { nrel++ }
    END { if (!q) q = 67108864; if (!wb) wb = 33554432; if (!n) n = 4; if (!nrel) nrel = 5
          printf "%d", (q + nrel * n * wb) / 1048576 + 64 }' "$w/effective.txt")
if [ -n "$sync" ]; then
    printf 'ingest:\n  sync: %s\n' "$sync" >"$w/cfg.yaml"
else
    : >"$w/cfg.yaml"
fi

one() {  # ROWS -> "wall_s rss_kib bytes"
    rm -rf "$w/data" "$w/s"
    pt_start_daemon "$w/cfg.yaml" "$w/data" "$w/s" "$w/daemon.log"
    sync; sleep 1
    t0=$(now)
    head -n "$1" "$w/in.ndjson" |
        timeout "$T" "$PT" --socket "$w/s" ingest - --no-progress 2>"$w/ingest.err" ||
        die "ingest of $1 rows failed: $(cat "$w/ingest.err")"
    t1=$(now)
    rss=$(awk '/^VmHWM/ {print $2}' "/proc/$dpid/status")
    kill -TERM "$dpid"
    wait "$dpid" || die "ptingestd exited with $?"
    dpid=
    got=$(sed -n 's/^ingested \([0-9]*\) rows (\([0-9]*\) bytes).*/\1 \2/p' "$w/ingest.err")
    [ "${got% *}" = "$1" ] || die "ingested ${got% *} of $1 rows"
    rm -rf "$w/data"
    awk -v a="$t0" -v b="$t1" -v r="$rss" -v by="${got#* }" 'BEGIN { printf "%.3f %d %d\n", b - a, r, by }'
}

: >"$w/results"
printf '%10s  %9s  %8s  %12s  %s\n' rows wall_s rows/s "peak RSS MiB" "runs rows/s" >&2
for n in $sizes; do
    r=$reps; [ "$n" -ge 10000000 ] && r=1
    : >"$w/runs"
    k=0
    while [ $k -lt $r ]; do
        one "$n" >>"$w/runs"
        k=$((k + 1))
    done
    # the median run by wall time
    sort -n "$w/runs" | awk -v n="$n" -v m="$r" '
        { wall[NR] = $1; rss[NR] = $2; by[NR] = $3 }
        END {
            md = int((m + 1) / 2)
            spread = ""
            for (i = m; i >= 1; i--) spread = spread sprintf("%s%.0f", i < m ? " " : "", n / wall[i])
            printf "%d %.3f %.0f %.1f %d %s\n", n, wall[md], n / wall[md], rss[md] / 1024, by[md], spread
        }' >>"$w/results"
    tail -1 "$w/results" | awk '{ s = ""; for (i = 6; i <= NF; i++) s = s " " $i
        printf "%10d  %9.2f  %8d  %12.1f  %s\n", $1, $2, $3, $4, s }' >&2
done

awk -v sync="${sync:-chunk}" -v reps="$reps" -v bound="$bound" '
{ n[NR] = $1; rps[$1] = $3; rss[$1] = $4; w[$1] = $2; if ($4 > maxrss) maxrss = $4 }
END {
    drop = 100 * (1 - rps[1000000] / rps[100000])
    growth = rss[1000000] / rss[100000]
    printf "from 10^5 to 10^6 rows: rows/s %+.1f%% (limit -30%%), peak RSS x%.2f; largest peak RSS %.0f MiB (bound %d MiB)\n", -drop, growth, maxrss, bound > "/dev/stderr"
    printf "{\"sync\":\"%s\",\"reps\":%d,\"sizes\":[", sync, reps
    for (i = 1; i <= NR; i++)
        printf "%s{\"rows\":%d,\"wall_s\":%.2f,\"rows_per_s\":%d,\"peak_rss_mib\":%.1f}", (i > 1 ? "," : ""),
            n[i], w[n[i]], rps[n[i]], rss[n[i]]
    printf "],\"drop_1e5_to_1e6_pct\":%.1f,\"rss_ratio_1e6_to_1e5\":%.2f,\"rss_bound_mib\":%d,", drop, growth, bound
    printf "\"throughput_ok\":%s,\"rss_ok\":%s}\n", (drop <= 30 ? "true" : "false"), (maxrss <= bound ? "true" : "false")
}' "$w/results"
