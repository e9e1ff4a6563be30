#!/bin/sh
# load.sh - hostile and careless clients next to real work, all at once,
# against one daemon on a private Unix socket (bench/load_driver.c says
# who does what): 64 ingesting clients, 8 readers (get, count, export), a
# slow-loris (one byte a second), a pipeliner that never reads, and a
# stream of malformed frames. Checks and prints:
#   - every well-formed job completed, and the export equals what they
#     sent, byte for byte after sorting;
#   - status round trips under load: p99 < 50 ms;
#   - the daemon's peak RSS (VmHWM) within ingest.queue_max_bytes + 256 MiB;
#   - what became of the slow-loris and the pipeliner, the malformed
#     frames' answers, the readers' latencies, the load average.
#   bench/load.sh [--clients N] [--rows N] [--readers N] [--min-seconds S]
# Bounded: the driver stops by itself (and is killed after 10 minutes);
# everything lives under one mktemp -d in /var/tmp, removed on exit.
# Uses the build in $PTINGEST_BUILD (default build/). Exit 0 when every
# check holds. Last line: one JSON object.
set -eu
cd "$(dirname "$0")/.."
B=${PTINGEST_BUILD:-build}
. bench/lib.sh
clients=64 rows=1500 readers=8 minsec=40
while [ $# -gt 0 ]; do
    case $1 in
    --clients) clients=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --readers) readers=$2; shift 2 ;;
    --min-seconds) minsec=$2; shift 2 ;;
    *) echo "usage: bench/load.sh [--clients N] [--rows N] [--readers N] [--min-seconds S]" >&2
       exit 2 ;;
    esac
done
for p in daemon/ptingestd client/ptingest bench/load_driver; do
    [ -x "$B/$p" ] || { echo "build first: meson compile -C $B ($p missing)" >&2; exit 2; }
done
w=$(mktemp -d "${TMPDIR:-/var/tmp}/pt-load.XXXXXX")
dpid= spid=
trap 'kill -KILL $dpid $spid 2>/dev/null || true; rm -rf "$w"' EXIT
# The defaults, except more clients than the test brings.
printf 'listen: {max_clients: 512}\n' >"$w/cfg.yaml"
pt_start_daemon "$w/cfg.yaml" "$w/data" "$w/s" "$w/log"
export PTINGEST_SOCKET="$w/s"
queue=$("$B/daemon/ptingestd" --check-config "$w/cfg.yaml" 2>/dev/null \
    | sed -n 's/^ *queue_max_bytes: *\([0-9]*\).*/\1/p' | head -n 1)
bound_kb=$(( ${queue:-67108864} / 1024 + 256 * 1024 ))

# RSS every 200 ms (VmHWM gives the peak; the series shows its shape)
( while kill -0 "$dpid" 2>/dev/null; do
      awk '/VmRSS/ {print $2}' "/proc/$dpid/status" 2>/dev/null || true
      sleep 0.2
  done >"$w/rss" ) &
spid=$!

load0=$(cut -d' ' -f1-3 /proc/loadavg)
rc=0
timeout 600 "$B/bench/load_driver" --socket "$w/s" --expected "$w/expected.ndjson" \
    --clients "$clients" --rows "$rows" --readers "$readers" --min-seconds "$minsec" \
    >"$w/driver.out" 2>"$w/driver.err" || rc=$?
load1=$(cut -d' ' -f1-3 /proc/loadavg)
cat "$w/driver.out"
[ -s "$w/driver.err" ] && head -n 20 "$w/driver.err" >&2

"$B/client/ptingest" export >"$w/export.ndjson"
LC_ALL=C sort "$w/expected.ndjson" >"$w/a"
LC_ALL=C sort "$w/export.ndjson" >"$w/b"
exact=false
cmp -s "$w/a" "$w/b" && exact=true
hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$dpid/status")
kill -TERM "$dpid"
wait "$dpid" || true
dpid=
kill "$spid" 2>/dev/null || true
wait "$spid" 2>/dev/null || true
spid=
dropped=$(grep -c 'timeout\|too slow\|dropped\|closing' "$w/log" || true)

v() { sed -n "s/.*\\b$1=\\([-0-9.]*\\).*/\\1/p" "$w/driver.out" | head -n 1; }
ok=true
[ "$rc" -eq 0 ] || ok=false
[ "$(v jobs_ok)" = "$clients" ] || ok=false
$exact || ok=false
p99=$(v status_p99_ms)
awk -v p="$p99" 'BEGIN { exit !(p < 50) }' || ok=false
[ "$hwm_kb" -le "$bound_kb" ] || ok=false
echo "---"
echo "export equals what the $clients jobs sent: $exact ($(wc -l <"$w/a") rows expected, $(wc -l <"$w/b") exported)"
echo "status p99: $p99 ms (limit 50)"
echo "daemon peak RSS: $((hwm_kb / 1024)) MiB (limit: queue $(( ${queue:-67108864} / 1048576 )) MiB + 256 MiB = $((bound_kb / 1024)) MiB)"
echo "load average before / after: $load0 / $load1 ($(nproc) cores)"
echo "daemon log lines about dropped or timed-out clients: $dropped"
echo "all checks: $ok"
printf '{"clients":%s,"rows_per_client":%s,"readers":%s,"jobs_ok":%s,"export_exact":%s,"status_p99_ms":%s,"status_max_ms":%s,"peak_rss_mib":%s,"rss_bound_mib":%s,"loris_dropped_after_s":%s,"pipeliner_dropped_after_s":%s,"pipeliner_frames_sent":%s,"malformed_sent":%s,"malformed_answered":%s,"seconds":%s,"load_before":"%s","load_after":"%s","ok":%s}\n' \
    "$clients" "$rows" "$readers" "$(v jobs_ok)" "$exact" "$p99" "$(v status_max_ms)" \
    "$((hwm_kb / 1024))" "$((bound_kb / 1024))" "$(v loris_dropped_after_s)" \
    "$(v pipeliner_dropped_after_s)" "$(v pipeliner_frames_sent)" "$(v malformed_sent)" \
    "$(v malformed_answered)" "$(v seconds)" "$load0" "$load1" "$ok"
$ok
