#!/bin/sh
# Re-ingesting the same rows must not pile up write-ahead log files. Each
# chunk also writes the job's record (ptingestd:jobs) and rows of the small
# relations, which seldom fill a memtable, so RocksDB kept every WAL file
# they had rows in: 30 re-ingests of 165 MB grew the data dir to 4 GB.
# The built-in max_total_wal_size (one write buffer) bounds the WAL while
# jobs run, and when a job that turned the bulk-ingest profile on ends
# the memtables are flushed, so no WAL file outlives it. Here: 16 runs of
# ~16 MB (the bulk profile on from 1 MB), the WAL sampled throughout: it
# never exceeds three write buffers (without the bound it reaches the
# ~260 MB written), and a moment after each run the data dir is within
# twice its SST files. bench/walgrowth.sh is the full-size version.
. "$(dirname "$0")/lib.sh"
cat >"$T/cfg.yaml" <<YAML
stall:
  bulk_min_bytes: 1048576
YAML
wal_limit=$("$PTINGESTD" --check-config "$T/cfg.yaml" 2>/dev/null \
    | sed -n 's/^ *max_total_wal_size: \([0-9]*\) .*/\1/p')
[ -n "$wal_limit" ] || fail "no built-in max_total_wal_size"
start_daemon --config "$T/cfg.yaml"
"$PTINGEST" gen --entities 2000 --seed 9 >"$T/in.ndjson"

# total sst wal (bytes) of the data dir
sample() {
    ls -l "$DATA" 2>/dev/null | awk '/^-/ { t += $5; if ($9 ~ /\.sst$/) s += $5; if ($9 ~ /\.log$/) w += $5 }
                         END { printf "%.0f %.0f %.0f\n", t, s, w }'
}
: >"$T/samples"
( while :; do sample; sleep 0.1; done ) >>"$T/samples" &
SPID=$!
trap 'kill "$SPID" 2>/dev/null || true; cleanup' EXIT
i=0
while [ "$i" -lt 16 ]; do
    i=$((i + 1))
    "$PTINGEST" ingest "$T/in.ndjson" --job "again-$i" --no-progress 2>"$T/err" \
        || fail "run $i: $(cat "$T/err")"
    # the flush after the job: a moment for it and for compaction to start
    for _ in $(seq 1 50); do
        set -- $(sample)
        awk -v t="$1" -v s="$2" 'BEGIN { exit !(s > 0 && t <= 2 * s) }' && break
        sleep 0.1
    done
    awk -v t="$1" -v s="$2" 'BEGIN { exit !(s > 0 && t <= 2 * s) }' \
        || fail "after run $i the data dir is $1 bytes, SST files $2, WAL $3"
done
kill "$SPID"
peak=$(awk '$3 > m { m = $3 } END { printf "%.0f", m }' "$T/samples")
[ "$peak" -le $((3 * wal_limit)) ] \
    || fail "WAL peaked at $peak bytes, over 3 x max_total_wal_size ($wal_limit)"
[ "$("$PTINGEST" count)" -eq "$(wc -l <"$T/in.ndjson")" ] || fail "count after the re-ingests"
stop_daemon
echo "walbound: ok (16 x $(($(wc -c <"$T/in.ndjson") / 1000000)) MB; WAL peak $((peak / 1000000)) MB, limit $((wal_limit / 1048576)) MiB; data dir <= 2 x SST after each run)"
