#!/bin/sh
# filelat.sh - the file-latency harness (issue "Bulk load"): every file
# created in the store's directory waits FILELAT_MS at create and again at
# close, as a real-time antivirus scanner makes it on Windows
# (bench/filelat_preload.c, an LD_PRELOAD shim; bench only). The same
# generated ingest, three ways:
#   (a) naive: bench/naive_ingest (RocksDB defaults, one giant batch per
#       relation, as the original tool);
#   (b) ptingestd, memtable path (`ptingest ingest --no-bulk`);
#   (c) ptingestd, bulk mode (`ptingest ingest --bulk`).
# For each: wall time (start to exit of the client, or of naive_ingest),
# samples (every 100 ms) where RocksDB said writes were stopped, and the
# longest time without an acknowledgement.
#
#   bench/filelat.sh [--ms MS] [--entities N] [--rounds R]
# Rounds are interleaved; the medians are reported. Last line: JSON.
set -eu
cd "$(dirname "$0")/.."
B=${PTINGEST_BUILD:-build}
. bench/lib.sh
ms=300 entities=20000 rounds=3
while [ $# -gt 0 ]; do
    case $1 in
    --ms) ms=$2; shift 2 ;;
    --entities) entities=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "usage: bench/filelat.sh [--ms MS] [--entities N] [--rounds R]" >&2; exit 2 ;;
    esac
done
pt_need daemon/ptingestd client/ptingest bench/naive_ingest bench/stall_probe
[ -e "$B/bench/libfilelat.so" ] || { echo "missing $B/bench/libfilelat.so: meson compile -C $B" >&2; exit 2; }
shim=$(cd "$B/bench" && pwd)/libfilelat.so
pt_workdir filelat
pt_input "$entities" 77
echo "data: $rows rows, $mb MB; every new file in the store waits $ms ms at create and close"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

jnum() { printf '%s\n' "$2" | sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" | head -n 1; }

run_naive() {
    rm -rf "$w/naive-db"; mkdir -p "$w/naive-db"; sync
    t0=$(date +%s.%N)
    r=$(LD_PRELOAD="$shim" FILELAT_DIR="$w/naive-db" FILELAT_MS="$ms" \
        "$B/bench/naive_ingest" "$w/naive-db" "$w/in.ndjson" 0)
    t1=$(date +%s.%N)
    echo "naive $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') \
$(jnum stopped_samples "$r") $(jnum max_no_ack_gap_s "$r")"
}

run_pt() {  # memtable|bulk
    rm -rf "$w/pt-db" "$w/stop" "$w/s"; mkdir -p "$w/pt-db"; : >"$w/daemon.log"; sync
    LD_PRELOAD="$shim" FILELAT_DIR="$w/pt-db" FILELAT_MS="$ms" \
        "$B/daemon/ptingestd" --data-dir "$w/pt-db" --socket "$w/s" >"$w/daemon.log" 2>&1 &
    dpid=$!
    until grep -q '^info: ready$' "$w/daemon.log"; do sleep 0.05; done
    "$B/bench/stall_probe" "$w/s" "$w/stop" >"$w/probe.json" &
    ppid=$!
    how=--no-bulk; [ "$1" = bulk ] && how=--bulk
    t0=$(date +%s.%N)
    PTINGEST_SOCKET="$w/s" "$B/client/ptingest" ingest "$w/in.ndjson" $how --no-progress \
        2>"$w/ingest.err" || { cat "$w/ingest.err" >&2; exit 1; }
    t1=$(date +%s.%N)
    touch "$w/stop"; wait $ppid
    kill -TERM $dpid; wait $dpid || true; dpid=
    p=$(cat "$w/probe.json")
    echo "$1 $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') \
$(jnum stopped_samples "$p") $(jnum max_no_ack_gap_s "$p")"
}

: >"$w/runs"
order="naive memtable bulk"
i=1
while [ $i -le "$rounds" ]; do
    for s in $order; do
        # not in a pipe: a subshell's daemon (dpid) would escape the trap
        if [ $s = naive ]; then run_naive; else run_pt $s; fi >"$w/run"
        cat "$w/run"
        cat "$w/run" >>"$w/runs"
    done
    order="${order#* } ${order%% *}"
    i=$((i + 1))
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# medians per system: wall s, stopped samples, longest time without an ack (s)
awk -v ms="$ms" -v rows="$rows" '
{ n[$1]++; w[$1, n[$1]] = $2; st[$1, n[$1]] = $3; g[$1, n[$1]] = $4 }
function med(a, s, m,   i, j, t, v) {
    for (i = 1; i <= m; i++) v[i] = a[s, i]
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return v[int((m + 1) / 2)]
}
END {
    printf "{\"rows\":%d,\"file_ms\":%d", rows, ms
    split("naive memtable bulk", order, " ")
    for (k = 1; k <= 3; k++) {
        s = order[k]
        printf ",\"%s\":{\"wall_s\":%.2f,\"stopped_samples\":%d,\"max_no_ack_gap_s\":%.2f,\"runs\":%d}",
            s, med(w, s, n[s]), med(st, s, n[s]), med(g, s, n[s]), n[s]
    }
    printf "}\n"
}' "$w/runs"
