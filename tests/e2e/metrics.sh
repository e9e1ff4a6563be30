#!/bin/sh
# `ptingest metrics`: valid Prometheus text exposition (every sample under
# a HELP and TYPE of its family, one TYPE per family, cumulative histogram
# buckets ending in +Inf = _count), the families operators need, and
# numbers that agree with what was ingested.
. "$(dirname "$0")/lib.sh"

start_daemon
"$PTINGEST" gen --entities 300 --seed 4 >"$T/in.ndjson"
rows=$(wc -l <"$T/in.ndjson")
"$PTINGEST" ingest "$T/in.ndjson" --no-progress --job m1 2>/dev/null || fail "ingest"
printf '{"rel":"CodeGraph","key":"k","value":1}\nnot json\n' >"$T/bad.ndjson"
"$PTINGEST" ingest "$T/bad.ndjson" --no-progress --job m2 2>/dev/null && fail "bad input accepted"
"$PTINGEST" metrics >"$T/m" || fail "ptingest metrics"
"$PTINGEST" status --json >"$T/status.json" || fail "ptingest status --json"
stop_daemon

awk '
function family(n) { sub(/_(bucket|sum|count)$/, "", n); return n }
/^# HELP / { help[$3] = 1; next }
/^# TYPE / {
    if ($3 in type) { print "duplicate TYPE " $3; bad = 1 }
    if ($4 !~ /^(counter|gauge|histogram|summary|untyped)$/) { print "bad type " $0; bad = 1 }
    type[$3] = $4; next
}
/^#/ { next }
{
    if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? ([-+]?[0-9.]+([eE][-+]?[0-9]+)?|\+Inf|NaN)$/) {
        print "bad sample: " $0; bad = 1; next
    }
    name = $1; sub(/\{.*/, "", name)
    f = (name in type) ? name : family(name)
    if (!(f in type) || !(f in help)) { print "no HELP/TYPE before " name; bad = 1 }
    if (type[f] == "histogram" && name ~ /_bucket$/) {
        if ($2 < last[f]) { print "buckets not cumulative: " $0; bad = 1 }
        last[f] = $2
        if ($1 ~ /le="\+Inf"/) inf[f] = $2
    }
    if (type[f] == "histogram" && name ~ /_count$/ && inf[f] != $2) {
        print "+Inf bucket " inf[f] " != count " $2 " for " f; bad = 1
    }
}
END { exit bad }' "$T/m" >"$T/lint" || fail "not valid exposition format: $(cat "$T/lint")"

val() { # sample (exact name with labels) -> value
    awk -v s="$1" '$1 == s { print $2; f = 1 } END { exit !f }' "$T/m" || fail "no sample $1"
}
for s in ptingestd_queue_chunks ptingestd_queue_bytes ptingestd_queue_capacity_bytes \
         ptingestd_rocksdb_l0_files ptingestd_rocksdb_immutable_memtables \
         ptingestd_rocksdb_pending_compaction_bytes ptingestd_rocksdb_delayed_write_rate \
         ptingestd_rocksdb_write_stopped ptingestd_rocksdb_stall_micros_total \
         ptingestd_writer_stuck_seconds ptingestd_jobs_blocked 'ptingestd_errors_total{kind="write"}' \
         'ptingestd_jobs{state="running"}' "ptingestd_info{version=\"$("$PTINGESTD" --version | cut -d' ' -f2)\"}"; do
    val "$s" >/dev/null
done
[ "$(val ptingestd_rows_written_total)" -eq "$((rows + 1))" ] \
    || fail "rows written $(val ptingestd_rows_written_total), want $((rows + 1))"
[ "$(val ptingestd_bytes_written_total)" -gt "$(wc -c <"$T/in.ndjson" | awk '{ print int($1 / 2) }')" ] \
    || fail "bytes written implausibly low"
[ "$(val ptingestd_bytes_received_total)" -ge "$(val ptingestd_bytes_written_total)" ] \
    || fail "bytes received < bytes written"
chunks=$(val ptingestd_chunks_written_total)
[ "$(val ptingestd_chunk_commit_seconds_count)" -eq "$chunks" ] \
    || fail "commit latency count != chunks written ($chunks)"
# RocksDB's file creates and closes are timed (opening wrote the WAL,
# MANIFEST and OPTIONS files, and closed some); status carries the same
# as percentiles.
[ "$(val ptingestd_rocksdb_file_create_seconds_count)" -ge 2 ] || fail "file creates not counted"
[ "$(val ptingestd_rocksdb_file_close_seconds_count)" -ge 1 ] || fail "file closes not counted"
for k in file_create_us file_close_us; do
    grep -Eq "\"$k\":\{\"count\":[1-9][0-9]*,\"p50\":[0-9]+,\"p90\":[0-9]+,\"p99\":[0-9]+,\"max\":[0-9]+\}" \
        "$T/status.json" || fail "status has no $k percentiles: $(cat "$T/status.json")"
done
[ "$(val 'ptingestd_jobs{state="done"}')" -eq 1 ] || fail "jobs done gauge"
[ "$(val 'ptingestd_jobs_total{result="started"}')" -eq 2 ] || fail "jobs started counter"
[ "$(val 'ptingestd_jobs_total{result="done"}')" -eq 1 ] || fail "jobs done counter"
for k in protocol bad_row store busy write; do val "ptingestd_errors_total{kind=\"$k\"}" >/dev/null; done
[ "$(val ptingestd_connections_total)" -ge 3 ] || fail "connections not counted"
echo "metrics: $(grep -c '^# TYPE' "$T/m") families, $(grep -vc '^#' "$T/m") samples, valid"
