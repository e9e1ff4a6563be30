#!/bin/sh
# reads.sh - reads through ptingestd set against the same reads made
# straight on RocksDB, on one generated code-graph database:
#
#   bench/reads.sh [--entities N] [--reps R] [--samples S] [--out DIR]
#     --entities N  entities generated (default 333334: 1,000,002
#                   DependencyEdges rows, 333,334 CodeGraph rows of ~7.5 KB,
#                   ~2.8 GB of NDJSON; the busy phase adds N/3 more)
#     --reps R      rounds of the scan and multi-get pairs (default 5)
#     --samples S   gets of the idle latency measurement (default 20000)
#     --out DIR     where reads.json and reads.md go (bench/results)
#
# Measured, each round alternating which system goes first:
#   scan      every row of DependencyEdges, then of CodeGraph:
#             bench/lib_reads scan (pti_scan) against bench/direct_reads
#             scan (an iterator on a snapshot, the daemon's read options),
#             the daemon idle and compaction finished
#   multiget  10,000 random existing CodeGraph keys: pti_multiget against
#             one RocksDB MultiGet (batched) on a snapshot
#   get       single-key gets of random CodeGraph keys, one at a time on
#             one connection: S idle, then as many as fit while a
#             full-speed ingest of N/3 more entities and a full export
#             run at the same time (from the start of both to the end of
#             the ingest)
#   memory    the daemon's RSS (VmRSS every 50 ms) while it serves a full
#             export and a pti_scan of CodeGraph at once, against its RSS
#             when idle before it and after the ingest, before any read
# Ratios are direct's time over ptingestd's (1 = as fast as RocksDB
# direct), medians over the rounds. The load average is printed with each
# figure: other work on the machine changes them (bench/README.md, Noise).
# Uses the build in $PTINGEST_BUILD (default build/), copied first. Last
# line of output: one JSON object with the figures and the targets.
set -eu
cd "$(dirname "$0")/.."
B=${PTINGEST_BUILD:-build}
entities=333334 reps=5 samples=20000 out=bench/results
usage() { echo "usage: bench/reads.sh [--entities N] [--reps R] [--samples S] [--out DIR]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
    --entities) [ $# -ge 2 ] || usage; entities=$2; shift 2 ;;
    --reps) [ $# -ge 2 ] || usage; reps=$2; shift 2 ;;
    --samples) [ $# -ge 2 ] || usage; samples=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    *) usage ;;
    esac
done
for p in daemon/ptingestd client/ptingest bench/lib_reads bench/direct_reads; do
    [ -x "$B/$p" ] || { echo "reads.sh: $B/$p missing: meson compile -C $B" >&2; exit 2; }
done
mkdir -p "$out"
W=$(mktemp -d /var/tmp/pt-reads.XXXXXX)
DPID=
cleanup() {
    [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT INT TERM
# private copies: a rebuild meanwhile cannot change what is measured
mkdir "$W/bin"
cp "$B/daemon/ptingestd" "$B/client/ptingest" "$B/bench/lib_reads" "$B/bench/direct_reads" "$W/bin/"
cp -P "$B"/client/libptingest.so* "$W/bin/" 2>/dev/null || true
export LD_LIBRARY_PATH="$W/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
P="$W/bin/ptingest"
SOCK="$W/d.sock"
export PTINGEST_SOCKET="$SOCK"
J="$W/reads.json"
: >"$J"
load() { cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/'; }
say() { echo "reads.sh: $*" >&2; }
record() { # a JSON line from a program -> $J with the load added
    sed "s|}\$|,\"load\":\"$(load)\"}|" | tee -a "$J"
}
status_field() { "$P" status --json | grep -o "\"$1\":\"[a-z-]*\"" | cut -d'"' -f4; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$DPID/status"; }

say "load before: $(load), $(nproc) cores"
say "generating $entities entities"
"$P" gen --entities "$entities" --seed 1 >"$W/data.ndjson"
"$P" gen --entities $((entities / 3)) --seed 2 | sed 's/"key":"/"key":"busy-/' >"$W/busy.ndjson"
"$W/bin/ptingestd" --data-dir "$W/db" --socket "$SOCK" >"$W/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 1 200); do grep -q '^info: ready$' "$W/daemon.log" && break; sleep 0.05; done
"$P" ingest "$W/data.ndjson" --no-progress 2>"$W/ingest.err"
say "$(tail -n 1 "$W/ingest.err")"
# scans measure reading, not compaction: wait until RocksDB has caught up
t0=$(date +%s)
while [ "$(status_field compaction)" != idle ] && [ $(($(date +%s) - t0)) -lt 900 ]; do sleep 2; done
say "compaction $(status_field compaction) after $(($(date +%s) - t0)) s"
sleep 2
fresh_rss=$(rss_kib) # before any read: the daemon's RSS after the ingest
# the keys asked for: 10,000 random existing CodeGraph keys, as JSON strings
"$P" scan CodeGraph --keys-only | sed 's/^{"rel":"[^"]*","key":\(.*\)}$/\1/' >"$W/cg.keys"
shuf -n 10000 --random-source="$W/cg.keys" "$W/cg.keys" >"$W/mget.keys"
shuf -n "$samples" -r --random-source="$W/cg.keys" "$W/cg.keys" >"$W/get.keys"
DB="$W/db"

say "scans and multi-gets, $reps rounds"
for r in $(seq 1 "$reps"); do
    for what in "scan DependencyEdges" "scan CodeGraph" "mget CodeGraph $W/mget.keys"; do
        # shellcheck disable=SC2086
        set -- $what
        if [ $((r % 2)) -eq 1 ]; then
            "$W/bin/lib_reads" "$@" | record
            "$W/bin/direct_reads" "$1" "$DB" "$2" ${3:+"$3"} | record
        else
            "$W/bin/direct_reads" "$1" "$DB" "$2" ${3:+"$3"} | record
            "$W/bin/lib_reads" "$@" | record
        fi
    done
done

say "get latency, idle"
"$W/bin/lib_reads" getlat CodeGraph "$W/get.keys" "$samples" idle | record

say "memory: idle, then during a full export and a CodeGraph scan"
idle_rss=$(rss_kib)
peak=$idle_rss
"$P" export >/dev/null &
epid=$!
"$W/bin/lib_reads" scan CodeGraph >/dev/null &
spid=$!
while kill -0 "$epid" 2>/dev/null || kill -0 "$spid" 2>/dev/null; do
    now=$(rss_kib)
    [ "$now" -gt "$peak" ] && peak=$now
    sleep 0.05
done
wait "$epid" "$spid"
echo "{\"system\":\"ptingestd\",\"mode\":\"rss\",\"before_reads_kib\":$fresh_rss,\"idle_kib\":$idle_rss,\"peak_kib\":$peak,\"growth_kib\":$((peak - idle_rss))}" | record

say "get latency during a full-speed ingest and a full export"
# gets from the moment both run until the ingest ends (the export, of
# the whole database, outlasts it)
"$P" export >/dev/null &
epid=$!
"$P" ingest "$W/busy.ndjson" --no-progress 2>"$W/busy.err" &
ipid=$!
sleep 0.5
LIB_READS_STOP_FILE="$W/ingest.done" \
    "$W/bin/lib_reads" getlat CodeGraph "$W/get.keys" 10000000 busy >"$W/busy.json" &
gpid=$!
wait "$ipid" || say "busy ingest failed: $(cat "$W/busy.err")"
export_alive=0
kill -0 "$epid" 2>/dev/null && export_alive=1
: >"$W/ingest.done"
wait "$gpid"
sed "s|}\$|,\"export_running_at_end\":$export_alive}|" "$W/busy.json" | record
wait "$epid"
say "busy ingest: $(tail -n 1 "$W/busy.err")"
kill "$DPID"
wait "$DPID" || true
DPID=
say "load after: $(load)"

# medians and ratios
python3 - "$J" "$out" "$entities" "$reps" <<'EOF'
import json, statistics, sys
path, out, entities, reps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
runs = [json.loads(l) for l in open(path) if l.strip()]
def med(system, mode, rel):
    xs = [r for r in runs if r['system'] == system and r['mode'] == mode and r['rel'] == rel]
    return statistics.median(r['secs'] for r in xs), xs
res, rows_md = {}, []
for mode, rel in [('scan', 'DependencyEdges'), ('scan', 'CodeGraph'), ('mget', 'CodeGraph')]:
    lt, lx = med('ptingestd', mode, rel)
    dt, dx = med('rocksdb-direct', mode, rel)
    n = lx[0]['rows']
    mb = (lx[0]['key_bytes'] + lx[0]['value_bytes']) / 1e6
    paired = statistics.median(d['secs'] / l['secs'] for l, d in zip(lx, dx))
    key = f'{mode}_{rel}'
    res[key] = {'rows': n, 'mb': round(mb, 1), 'ptingestd_s': round(lt, 3),
                'direct_s': round(dt, 3), 'ratio': round(dt / lt, 2),
                'paired_ratio': round(paired, 2),
                'ptingestd_range_s': [round(min(r['secs'] for r in lx), 3),
                                      round(max(r['secs'] for r in lx), 3)],
                'loads': sorted({r['load'] for r in lx + dx})}
    rows_md.append(f"| {mode} {rel} | {n:,} | {mb:,.0f} | {lt:.3f} | {dt:.3f} | "
                   f"{dt / lt:.2f} (paired {paired:.2f}) | {n / lt:,.0f} | {n / dt:,.0f} | "
                   f"{min(r['secs'] for r in lx):.3f}–{max(r['secs'] for r in lx):.3f} | "
                   f"{', '.join(sorted({r['load'] for r in lx + dx}))} |")
lat = {r['label']: r for r in runs if r['mode'] == 'getlat'}
rss = [r for r in runs if r['mode'] == 'rss'][0]
res['get_idle'] = {k: lat['idle'][k] for k in ('n', 'p50_ms', 'p90_ms', 'p99_ms', 'p999_ms', 'max_ms', 'load')}
res['get_busy'] = {k: lat['busy'][k] for k in ('n', 'p50_ms', 'p90_ms', 'p99_ms', 'p999_ms', 'max_ms', 'load',
                                                'export_running_at_end')}
res['rss'] = {'before_reads_mib': round(rss['before_reads_kib'] / 1024, 1),
              'idle_mib': round(rss['idle_kib'] / 1024, 1), 'peak_mib': round(rss['peak_kib'] / 1024, 1),
              'growth_mib': round(rss['growth_kib'] / 1024, 1),
              'growth_from_before_reads_mib': round((rss['peak_kib'] - rss['before_reads_kib']) / 1024, 1),
              'load': rss['load']}
res['targets'] = {
    'scan_0.8': min(res['scan_DependencyEdges']['ratio'], res['scan_CodeGraph']['ratio']) >= 0.8,
    'mget_0.5': res['mget_CodeGraph']['ratio'] >= 0.5,
    'get_idle_p50_0.3ms_p99_1ms': lat['idle']['p50_ms'] < 0.3 and lat['idle']['p99_ms'] < 1,
    'get_busy_p50_2ms_p99_20ms': lat['busy']['p50_ms'] < 2 and lat['busy']['p99_ms'] < 20,
    'rss_within_64MiB': max(rss['growth_kib'], rss['peak_kib'] - rss['before_reads_kib']) < 64 * 1024,
}
with open(f'{out}/reads.json', 'w') as f:
    json.dump({'entities': entities, 'reps': reps, 'results': res, 'runs': runs}, f, indent=1)
md = ["| read | rows | MB | ptingestd s | direct s | direct ÷ ptingestd | ptingestd rows/s | direct rows/s | ptingestd s over runs | load (1/5/15 min) |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"] + rows_md
md += ["", "| get latency, ms | n | p50 | p90 | p99 | p99.9 | max | load |", "|---|---:|---:|---:|---:|---:|---:|---|"]
for label, what in (('idle', 'idle'), ('busy', 'during a full-speed ingest and a full export')):
    l = lat[label]
    md.append(f"| {what} | {l['n']} | {l['p50_ms']:.3f} | {l['p90_ms']:.3f} | {l['p99_ms']:.3f} | "
              f"{l['p999_ms']:.3f} | {l['max_ms']:.3f} | {l['load']} |")
md += ["", f"Daemon RSS: {res['rss']['before_reads_mib']} MiB after the ingest, before any read; idle "
       f"{res['rss']['idle_mib']} MiB after the rounds above; peak {res['rss']['peak_mib']} MiB during a "
       f"full export and a CodeGraph scan at once (+{res['rss']['growth_mib']} MiB over idle, "
       f"+{res['rss']['growth_from_before_reads_mib']} MiB over before any read; load {rss['load']})."]
open(f'{out}/reads.md', 'w').write('\n'.join(md) + '\n')
print('\n'.join(md))
print(json.dumps({'entities': entities, **{k: v for k, v in res.items()}}))
EOF
