#!/bin/sh
# The bulk-ingest profile (stall.bulk_profile): compaction is deferred
# while a job runs that has sent stall.bulk_min_bytes, and resumes when
# it ends; a smaller job never switches it (each switch rewrites RocksDB's
# OPTIONS file once per relation), and neither does any job with the
# profile off.
. "$(dirname "$0")/lib.sh"

profile_lines() { grep -c 'bulk-ingest profile' "$LOG" || true; }
wait_log() { # wait_log TEXT: the daemon logs TEXT within 10 s
    for _ in $(seq 1 200); do
        grep -q "$1" "$LOG" && return 0
        sleep 0.05
    done
    fail "not logged: $1"
}

printf 'stall:\n  bulk_min_bytes: 1000000\n' >"$T/c.yaml"
start_daemon --config "$T/c.yaml"
"$PTINGEST" gen --entities 20 --seed 1 >"$T/small.ndjson"
"$PTINGEST" gen --entities 3000 --seed 2 >"$T/big.ndjson"
[ "$(wc -c <"$T/small.ndjson")" -lt 1000000 ] || fail "the small job is not small"
[ "$(wc -c <"$T/big.ndjson")" -gt 2000000 ] || fail "the big job is not big"

"$PTINGEST" ingest "$T/small.ndjson" --no-progress 2>/dev/null || fail "small ingest"
sleep 0.3 # a switch would be logged by the writer between groups
[ "$(profile_lines)" -eq 0 ] || fail "a small job switched the profile: $(grep bulk "$LOG")"

"$PTINGEST" ingest "$T/big.ndjson" --no-progress 2>/dev/null || fail "big ingest"
wait_log 'bulk-ingest profile on: compaction deferred'
wait_log 'bulk-ingest profile off: compaction catches up'
[ "$(profile_lines)" -eq 2 ] || fail "one job, one switch each way: $(grep bulk "$LOG")"

# Off by a reload: the next big job does not switch.
printf 'stall:\n  bulk_min_bytes: 1000000\n  bulk_profile: 0\n' >"$T/c.yaml"
kill -HUP "$DPID"
wait_log 'reloaded configuration'
"$PTINGEST" ingest "$T/big.ndjson" --job again --no-progress 2>/dev/null || fail "ingest, profile off"
sleep 0.3
[ "$(profile_lines)" -eq 2 ] || fail "the profile switched while off: $(grep bulk "$LOG")"
[ "$("$PTINGEST" count)" -eq "$(cat "$T/small.ndjson" "$T/big.ndjson" | wc -l)" ] || fail "count"
stop_daemon

# A small job right behind a large one on a slow disk: the compaction the
# large job deferred would hold the small one back (level 0 past its
# slowdown trigger) until it caught up; the profile comes back on for it
# instead, and it writes at once.
rm -rf "$DATA"
: >"$LOG"
cat >"$T/c.yaml" <<'EOF'
stall:
  bulk_min_bytes: 1000000
rocksdb:
  rate_limit_bytes_per_sec: 4000000
  cf_options:
    write_buffer_size: 1048576
    level0_file_num_compaction_trigger: 2
    level0_slowdown_writes_trigger: 4
    level0_stop_writes_trigger: 64
EOF
"$PTINGEST" gen --entities 1000 --seed 4 >"$T/large.ndjson"
start_daemon --config "$T/c.yaml"
"$PTINGEST" ingest "$T/large.ndjson" --job large --no-progress 2>/dev/null || fail "large ingest"
"$PTINGEST" ingest "$T/small.ndjson" --job small --no-progress 2>/dev/null || fail "small ingest"
l0=$("$PTINGEST" status --json | tr -d ' \n' | json_num l0_files)
[ "$(grep -c 'bulk-ingest profile on' "$LOG")" -eq 2 ] \
    || fail "the small job waited for compaction instead (level-0 files now $l0): $(grep 'bulk\|paced' "$LOG")"
stop_daemon
echo "bulk: small job never switched; big job on then off; off by reload; a small job behind a large one writes at once: ok"
