#!/bin/sh
# A client that sends SCAN and never reads (README.md, "Reads"): the
# daemon holds one page for it, drops it after
# reads.stalled_reader_timeout_ms, and serves every other client meanwhile.
. "$(dirname "$0")/lib.sh"
cat >"$T/cfg.yaml" <<YAML
reads:
  stalled_reader_timeout_ms: 1500
YAML
start_daemon --config "$T/cfg.yaml"

"$PTINGEST" gen --entities 600 --seed 9 >"$T/in.ndjson"
"$PTINGEST" ingest "$T/in.ndjson" --no-progress 2>/dev/null || fail "ingest"
"$PTINGEST" export >"$T/before"

# SCAN of relation 0 (CodeGraph, ~4.5 MB), no bounds: u16 rel, u8 flags,
# three empty strings, u64 limit 0 (docs/protocol.md)
scan=170000001f000000$(printf '0000''00''00000000''00000000''00000000''0000000000000000')
"$RAWCLIENT" --no-read 5 --wait 3 "$SOCK" hello "$scan" >"$T/raw.out" 2>&1 &
rpid=$!
sleep 0.5

# meanwhile every other client is served: a get at once, a whole export
key=$(grep -m 1 -o '^{"rel":"CodeGraph","key":"[^"]*"' "$T/before" | cut -d'"' -f8)
start=$(date +%s%N)
"$PTINGEST" get CodeGraph "$key" >/dev/null || fail "get during the stall"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 1000 ] || fail "get took $ms ms during the stall"
"$PTINGEST" export >"$T/during" || fail "export during the stall"
cmp -s "$T/during" "$T/before" || fail "export during the stall differs"
active=$("$PTINGEST" status --json | grep -o '"reads":{"active":[0-9]*' | grep -o '[0-9]*$')
[ "$active" -eq 1 ] || fail "the stalled scan should be the one read open, status: $active"

# dropped after the timeout (and not long after)
for _ in $(seq 1 60); do
    grep -q 'left its SCAN answer unread for [0-9]* ms (reads.stalled_reader_timeout_ms): dropping it' \
        "$LOG" && break
    sleep 0.1
done
grep -q 'left its SCAN answer unread' "$LOG" || fail "stalled reader not dropped"
wait "$rpid" || true
grep -q '^SLEPT$' "$T/raw.out" || fail "raw client: $(cat "$T/raw.out")"
tail -n 1 "$T/raw.out" | grep -q '^CLOSED$' || fail "connection not closed: $(tail -n 3 "$T/raw.out")"
grep -q '^EXPORT_END$' "$T/raw.out" && fail "the stalled reader got its whole answer"
status=$("$PTINGEST" status --json)
echo "$status" | grep -q '"stalled_dropped":1}' || fail "status: $status"
echo "$status" | grep -q '"reads":{"active":0,' || fail "read still open: $status"
"$PTINGEST" metrics | grep -qx 'ptingestd_reads_stalled_dropped_total 1' || fail "metrics"

# a reader that does read is never dropped, however long its answer
grep '^{"rel":"CodeGraph"' "$T/before" >"$T/cg"
"$PTINGEST" scan CodeGraph | cmp -s - "$T/cg" || fail "scan after the drop"
stop_daemon
echo "stalled_reader: ok"
