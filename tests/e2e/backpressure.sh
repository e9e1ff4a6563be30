#!/bin/sh
# A slow writer fills the bounded queue: the queue never exceeds its bound,
# clients are held back instead, status keeps answering, nothing is lost.
. "$(dirname "$0")/lib.sh"
cat >"$T/slow.yaml" <<YAML
ingest:
  chunk_max_rows: 200
  chunk_max_bytes: 65536
  queue_max_bytes: 262144
  sync: none
stall:
  bulk_profile: 0        # keep level-0 stalls in play: the writer must wait
rocksdb:
  rate_limit_bytes_per_sec: 2000000
  cf_options:
    write_buffer_size: 1048576
    max_write_buffer_number: 2
    level0_slowdown_writes_trigger: 2
    level0_stop_writes_trigger: 3
    level0_file_num_compaction_trigger: 1
YAML
start_daemon --config "$T/slow.yaml"
"$PTINGEST" gen --entities 600 --seed 4 >"$T/in.ndjson"
"$PTINGEST" ingest "$T/in.ndjson" --no-progress 2>"$T/a.err" &
p1=$!
"$PTINGEST" gen --entities 600 --seed 44 | sed 's/"key":"/"key":"b-/' >"$T/in2.ndjson"
"$PTINGEST" ingest "$T/in2.ndjson" --no-progress 2>"$T/b.err" &
p2=$!
samples=0 busy=0
while kill -0 "$p1" 2>/dev/null || kill -0 "$p2" 2>/dev/null; do
    s=$("$PTINGEST" status --json) || fail "status did not answer during ingest"
    q=$(printf '%s' "$s" | grep -o '"queue":{[^}]*}')
    bytes=$(printf '%s' "$q" | json_num bytes)
    cap=$(printf '%s' "$q" | json_num capacity_bytes)
    [ "$bytes" -le "$cap" ] || fail "queue holds $bytes bytes over its bound $cap"
    [ "$bytes" -gt $((cap / 2)) ] && busy=$((busy + 1))
    samples=$((samples + 1))
    sleep 0.05
done
wait "$p1" || fail "client 1: $(cat "$T/a.err")"
wait "$p2" || fail "client 2: $(cat "$T/b.err")"
[ "$samples" -ge 5 ] || fail "only $samples status samples: the writer was not slow enough to test"
[ "$busy" -ge 1 ] || fail "the queue never filled: back-pressure not exercised"
cat "$T/in.ndjson" "$T/in2.ndjson" >"$T/all.ndjson"
"$PTINGEST" export >"$T/out.ndjson"
same_sorted "$T/all.ndjson" "$T/out.ndjson" || fail "rows lost under back-pressure"
stop_daemon
echo "backpressure: ok ($samples status samples, $busy with the queue over half full)"
