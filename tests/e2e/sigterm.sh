#!/bin/sh
# SIGTERM during an ingest: the daemon drains and exits 0; every row the
# client saw acknowledged is there after a restart.
. "$(dirname "$0")/lib.sh"
"$PTINGEST" gen --entities 3000 --seed 9 >"$T/in.ndjson"
total=$(wc -l <"$T/in.ndjson")

check_acked() { # err file, output name
    n=$(sed -n 's/.* \([0-9][0-9]*\) rows of job .* are durable.*/\1/p' "$1" | head -n 1)
    [ -n "$n" ] || fail "$2: client did not report durable rows: $(cat "$1")"
    start_daemon
    "$PTINGEST" export >"$T/$2.out"
    stop_daemon
    head -n "$n" "$T/in.ndjson" | sort >"$T/acked"
    sort "$T/$2.out" >"$T/have"
    [ "$(comm -23 "$T/acked" "$T/have" | wc -l)" -eq 0 ] || fail "$2: acknowledged rows lost"
    # nothing that was not sent appears
    [ "$(comm -13 "$T/acked" "$T/have" | wc -l)" -le "$((total - n))" ] || fail "$2: unexpected rows"
    echo "$2: $n of $total rows acknowledged before SIGTERM, all present"
}

# 1. a client paused mid-stream
start_daemon
{ head -n 1500 "$T/in.ndjson"; sleep 2; tail -n +1501 "$T/in.ndjson"; } \
    | "$PTINGEST" ingest - --no-progress --job paused 2>"$T/paused.err" &
cpid=$!
for _ in $(seq 1 100); do
    "$PTINGEST" status --json | grep -q '"id":"paused","state":"running","rows":1500' && break
    sleep 0.05
done
stop_daemon TERM
rc=0; wait "$cpid" || rc=$?
[ "$rc" -eq 4 ] || fail "paused client exit $rc, want 4"
check_acked "$T/paused.err" paused

# 2. a client streaming at full speed
rm -rf "$DATA"
start_daemon
"$PTINGEST" ingest "$T/in.ndjson" --no-progress --job fast 2>"$T/fast.err" &
cpid=$!
for _ in $(seq 1 200); do
    "$PTINGEST" status --json | grep -q '"id":"fast","state":"running","rows":[1-9]' && break
    sleep 0.02
done
stop_daemon TERM
rc=0; wait "$cpid" || rc=$?
if [ "$rc" -eq 0 ]; then
    echo "fast: the ingest finished before SIGTERM landed; checking the whole file"
    start_daemon
    "$PTINGEST" export >"$T/fast.out"
    same_sorted "$T/in.ndjson" "$T/fast.out" || fail "fast: finished ingest incomplete"
    stop_daemon
else
    [ "$rc" -eq 4 ] || fail "fast client exit $rc, want 4 (or 0)"
    check_acked "$T/fast.err" fast
fi
echo "sigterm: ok"
