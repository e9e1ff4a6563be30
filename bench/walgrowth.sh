#!/bin/sh
# walgrowth.sh - does the data dir stay bounded when the same data is
# ingested again and again? Each run rewrites every key, so the live data
# stays one copy; what can grow is the write-ahead log: RocksDB keeps a WAL
# file until every column family with rows in it has flushed, and small
# families (the daemon's ptingestd:jobs, the small relations) seldom fill a
# memtable. The daemon bounds it with RocksDB's max_total_wal_size.
#
#   bench/walgrowth.sh [--entities N] [--runs R] [--config FILE] [--max-ratio X]
#
# Defaults: 20000 entities (~165 MB of NDJSON), 30 runs, the built-in
# configuration. The data dir is sampled every 0.2 s while the runs go
# (total, *.sst, *.log, WAL file count) and after each run; the table
# shows each run's end (a second after the job, compaction under way) and
# its peak; the last line the largest data-dir / SST ratio after a run,
# and during the re-ingests (runs 2 on: in the first the database is
# still being built and has almost no SST files when the WAL is at its
# largest), with the peaks. Exits 1 when a ratio after a run exceeds
# --max-ratio (2). Binaries: $PTINGEST_BUILD (default build/).
set -eu
cd "$(dirname "$0")/.."
entities=20000 runs=30 config= max_ratio=2
while [ $# -gt 0 ]; do
    case $1 in
    --entities) entities=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --max-ratio) max_ratio=$2; shift 2 ;;
    *) echo "usage: bench/walgrowth.sh [--entities N] [--runs R] [--config FILE] [--max-ratio X]" >&2
       exit 2 ;;
    esac
done
build=${PTINGEST_BUILD:-build}
W=$(mktemp -d /var/tmp/pt-walgrowth.XXXXXX)
DPID= SPID=
cleanup() {
    [ -z "$SPID" ] || kill "$SPID" 2>/dev/null || true
    [ -z "$DPID" ] || kill -KILL "$DPID" 2>/dev/null || true
    rm -rf "$W"
}
trap cleanup EXIT INT TERM
# private copies: a rebuild meanwhile cannot change them
cp "$build/daemon/ptingestd" "$build/client/ptingest" "$W/"
cp "$build/client/libptingest.so"* "$W/" 2>/dev/null || true
export LD_LIBRARY_PATH="$W"
D="$W/data"
export PTINGEST_SOCKET="$W/d.sock"
"$W/ptingest" gen --entities "$entities" --seed 7 >"$W/in.ndjson"
mb=$(($(wc -c <"$W/in.ndjson") / 1000000))

set -- --data-dir "$D" --socket "$PTINGEST_SOCKET"
[ -z "$config" ] || set -- "$@" --config "$config"
"$W/ptingestd" "$@" >"$W/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 1 200); do grep -q '^info: ready$' "$W/daemon.log" && break; sleep 0.05; done
grep -q '^info: ready$' "$W/daemon.log" || { cat "$W/daemon.log" >&2; exit 1; }
[ -n "$config" ] || { config="$W/empty.yaml"; : >"$config"; }
"$W/ptingestd" --check-config "$config" 2>/dev/null \
    | grep -E '^ *(max_total_wal_size|write_buffer_size):' | sort -u | sed 's/^ */config: /' || true

# one sample: total sst wal walfiles (bytes), from the directory listing
sample() {
    ls -l "$D" 2>/dev/null | awk '
        /^-/ { t += $5; if ($9 ~ /\.sst$/) s += $5; if ($9 ~ /\.log$/) { w += $5; n++ } }
        END { printf "%.0f %.0f %.0f %d\n", t, s, w, n }'
}
: >"$W/samples"
: >"$W/ends"
( while :; do sample; sleep 0.2; done ) >>"$W/samples" &
SPID=$!

printf '%4s %9s %9s %9s %6s %7s | %9s %9s %7s\n' run data_MB sst_MB wal_MB wals ratio \
    peak_data peak_wal peak_r
t0=$(date +%s)
i=0
while [ "$i" -lt "$runs" ]; do
    i=$((i + 1))
    from=$(wc -l <"$W/samples")
    "$W/ptingest" ingest "$W/in.ndjson" --job "run-$i" --no-progress 2>"$W/ingest.err" \
        || { cat "$W/ingest.err" >&2; exit 1; }
    sleep 1 # compaction catches up once the job ends; sample it too
    sample >>"$W/ends"
    { tail -n 1 "$W/ends"; tail -n +"$((from + 1))" "$W/samples"; } | awk -v i="$i" '
        NR == 1 { t = $1; s = $2; w = $3; n = $4; next }
        $2 > 0 { r = $1 / $2; if (r > pr) pr = r }
        $1 > pd { pd = $1 } $3 > pw { pw = $3 }
        END { printf "%4d %9.1f %9.1f %9.1f %6d %7.2f | %9.1f %9.1f %7.2f\n", i, t / 1e6,
              s / 1e6, w / 1e6, n, s ? t / s : 0, pd / 1e6, pw / 1e6, pr }'
    [ "$i" -gt 1 ] || first=$(wc -l <"$W/samples")
done
elapsed=$(($(date +%s) - t0))
kill "$SPID"; SPID=
end=$(awk '$2 > 0 { r = $1 / $2; if (r > m) m = r } END { printf "%.2f", m }' "$W/ends")
awk -v mb="$mb" -v runs="$runs" -v s="$elapsed" -v lim="$max_ratio" -v first="$first" \
    -v end="$end" '
    NR > first && $2 > 0 { r = $1 / $2; if (r > pr) pr = r }
    $1 > pd { pd = $1 } $3 > pw { pw = $3 } $4 > pn { pn = $4 }
    END {
        printf "%d runs of %d MB in %d s: data dir / SST at most %.2f after a run (limit %s), ", runs, mb, s, end, lim
        printf "%.2f during runs 2-%d; peaks: data dir %.0f MB, WAL %.0f MB in %d files\n", pr, runs, pd / 1e6, pw / 1e6, pn
        exit end > lim
    }' "$W/samples"
