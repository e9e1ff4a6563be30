#!/bin/sh
# sync.sh - what each durability mode costs (ingest.sync none | chunk | job)
# at the default chunk size, on the same generated data, interleaved and
# repeated so that machine noise hits every mode alike; medians reported.
#   bench/sync.sh [--entities N] [--rounds R]     (default 50000, 3)
# Last line: {"none":{...},"chunk":{...},"job":{...},"chunk_vs_none":x}
set -eu
cd "$(dirname "$0")/.."
entities=50000 rounds=3
while [ $# -gt 0 ]; do
    case $1 in
    --entities) entities=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "usage: bench/sync.sh [--entities N] [--rounds R]" >&2; exit 2 ;;
    esac
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
r=0
while [ "$r" -lt "$rounds" ]; do
    r=$((r + 1))
    for mode in none chunk job; do
        line=$(sh bench/ingest.sh --entities "$entities" --sync "$mode" | tail -n 1)
        echo "round $r $mode: $line"
        echo "$mode $line" >>"$out"
    done
done
awk '
function median(a, n,    i, j, t) {
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j > 0 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
    m = $1; match($0, /"rows_per_s":[0-9.]+/); v = substr($0, RSTART + 13, RLENGTH - 13)
    match($0, /"mb_per_s":[0-9.]+/); mb = substr($0, RSTART + 11, RLENGTH - 11)
    n[m]++; rows[m, n[m]] = v; mbs[m, n[m]] = mb
}
END {
    split("none chunk job", modes, " ")
    for (k = 1; k <= 3; k++) {
        m = modes[k]
        for (i = 1; i <= n[m]; i++) { a[i] = rows[m, i]; b[i] = mbs[m, i] }
        med[m] = median(a, n[m]); medmb[m] = median(b, n[m])
        printf "%-5s median %.0f rows/s, %.1f MB/s over %d runs\n", m, med[m], medmb[m], n[m]
    }
    printf "chunk costs %.1f%% against none; job %.1f%%\n", (1 - med["chunk"] / med["none"]) * 100, (1 - med["job"] / med["none"]) * 100
    printf "{\"none\":{\"rows_per_s\":%.0f,\"mb_per_s\":%.1f},\"chunk\":{\"rows_per_s\":%.0f,\"mb_per_s\":%.1f},\"job\":{\"rows_per_s\":%.0f,\"mb_per_s\":%.1f},\"chunk_vs_none\":%.3f}\n", med["none"], medmb["none"], med["chunk"], medmb["chunk"], med["job"], medmb["job"], med["chunk"] / med["none"]
}' "$out"
