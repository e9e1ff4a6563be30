#!/bin/sh
# The CLI's exit codes and messages (README.md, "The client").
. "$(dirname "$0")/lib.sh"

code() { rc=0; "$@" >"$T/out" 2>"$T/err" || rc=$?; echo "$rc"; }

# 3: no daemon
[ "$(code "$PTINGEST" count)" -eq 3 ] || fail "count without daemon"
grep -q "cannot reach ptingestd at $SOCK" "$T/err" || fail "unreachable message: $(cat "$T/err")"
[ "$(code "$PTINGEST" --socket "$T/nope.sock" status)" -eq 3 ] || fail "--socket"
# 2: usage
[ "$(code "$PTINGEST")" -eq 2 ] || fail "no command"
[ "$(code "$PTINGEST" frobnicate)" -eq 2 ] || fail "unknown command"
[ "$(code "$PTINGEST" gen --entities x)" -eq 2 ] || fail "bad number"
[ "$(code "$PTINGEST" ingest "$T/missing.ndjson")" -eq 2 ] || fail "missing file"
grep -q "$T/missing.ndjson: No such file" "$T/err" || fail "missing file message"
[ "$(code "$PTINGEST" --help)" -eq 0 ] || fail "--help"
grep -q "ingest \[FILE|-\]" "$T/out" || fail "help text"
[ "$(code "$PTINGEST" gen --help)" -eq 0 ] || fail "gen --help"
grep -qi "DependencyEdges" "$T/out" || fail "gen --help tells proportions"

start_daemon
# 1: absent key
[ "$(code "$PTINGEST" get CodeGraph no-such-key)" -eq 1 ] || fail "get absent"
[ ! -s "$T/out" ] || fail "get absent printed something"
# 2: unknown relation (client side)
[ "$(code "$PTINGEST" get Nope k)" -eq 2 ] || fail "get unknown relation"
[ "$(code "$PTINGEST" count Nope)" -eq 2 ] || fail "count unknown relation"
[ "$(code "$PTINGEST" get CodeGraph)" -eq 2 ] || fail "get without key"
# 4: the daemon refuses (a job id already running)
{ echo '{"rel":"IgnoredFiles","key":"a","value":1}'; sleep 1; } \
    | "$PTINGEST" ingest - --job twin --no-progress 2>/dev/null &
cpid=$!
sleep 0.3
[ "$(code "$PTINGEST" ingest "$T/out" --job twin)" -eq 4 ] || fail "duplicate job id: $(cat "$T/err")"
grep -q "job twin is already running" "$T/err" || fail "duplicate job message"
wait "$cpid" || fail "first twin job"
# generated job ids are printed
echo '{"rel":"IgnoredFiles","key":"b","value":2}' >"$T/one.ndjson"
[ "$(code "$PTINGEST" ingest "$T/one.ndjson")" -eq 0 ] || fail "one-row ingest"
grep -q "^ptingest: job job-" "$T/err" || fail "generated job id not printed"
# --progress on a pipe draws the bar; --no-progress and a pipe draw nothing
"$PTINGEST" gen --entities 50 >"$T/g.ndjson"
"$PTINGEST" ingest "$T/g.ndjson" --progress 2>"$T/p.err" || fail "--progress ingest"
grep -q "rows/s" "$T/p.err" || fail "--progress drew no bar"
"$PTINGEST" ingest "$T/g.ndjson" 2>"$T/np.err" || fail "pipe ingest"
! grep -q "rows/s" "$T/np.err" || fail "a bar on a pipe without --progress"
# status and metrics
[ "$(code "$PTINGEST" status --json)" -eq 0 ] || fail "status --json"
for k in '"version":' '"uptime_s":' '"state":"ready"' '"queue":{"chunks":' '"capacity_bytes":' \
         '"writer":{"chunks_written":' '"rows_written":' '"bytes_written":' '"rocksdb":{"l0_files":' \
         '"immutable_memtables":' '"pending_compaction_bytes":' '"delayed_write_rate":' \
         '"is_write_stopped":false' '"stall_micros":' '"jobs":[{"id":'; do
    grep -qF "$k" "$T/out" || fail "status lacks $k"
done
[ "$(code "$PTINGEST" status)" -eq 0 ] || fail "status"
grep -q '"state": "ready"' "$T/out" || fail "human status"
[ "$(code "$PTINGEST" metrics)" -eq 0 ] || fail "metrics"
grep -q '^# TYPE ptingestd_rows_written_total counter$' "$T/out" || fail "metrics format"
grep -q '^ptingestd_chunk_commit_seconds_bucket{le="+Inf"} [0-9]' "$T/out" || fail "histogram"
stop_daemon
echo "cli: ok"
