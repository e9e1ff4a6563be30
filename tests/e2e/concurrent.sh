#!/bin/sh
# 8 clients ingest at once (disjoint slices of one data set); the result is
# exactly the union, and each client saw its job finish.
. "$(dirname "$0")/lib.sh"
start_daemon

"$PTINGEST" gen --entities 800 --seed 3 >"$T/in.ndjson"
split -n l/8 -d "$T/in.ndjson" "$T/part."
pids=
for p in "$T"/part.*; do
    "$PTINGEST" ingest "$p" --no-progress 2>"$p.err" &
    pids="$pids $!"
done
for pid in $pids; do
    wait "$pid" || fail "a client exited with $?"
done
for p in "$T"/part.*[0-9]; do
    grep -q "^ingested $(wc -l <"$p") rows" "$p.err" || fail "$p: $(cat "$p.err")"
done
"$PTINGEST" export >"$T/out.ndjson"
same_sorted "$T/in.ndjson" "$T/out.ndjson" || fail "union of 8 clients differs"
"$PTINGEST" status --json >"$T/status.json"
[ "$(grep -o '"state":"done","rows":[0-9]*,"bytes":[0-9]*,"rows_received"' "$T/status.json" | wc -l)" -eq 8 ] \
    || fail "8 done jobs in status"
stop_daemon
echo "concurrent: ok"
