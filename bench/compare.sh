#!/bin/sh
# compare.sh - ptingestd side by side with the other ways to store the same
# code-graph rows: RocksDB written directly, SQLite, Redis. One data set
# (`ptingest gen`), every system measured one after another in the same
# run, each measurement repeated and the median run reported.
#
#   bench/compare.sh [--rows N] [--reps R] [--quick] [--out DIR]
#     --rows N   rows in the data set (default 200000, ~390 MB of NDJSON;
#                1000000 with --small, ~240 MB)
#     --reps R   runs per system, the median is reported (default 5)
#     --quick    0.3 x the default rows, --reps 1, results to DIR/quick
#                (about a minute)
#     --small    only the small-row relations (no CodeGraph: ~240-byte rows,
#                the shape of the issue's reference figures); results to
#                DIR/small unless --out is given
#     --out DIR  where the table, plot and raw figures go (bench/results)
#
# Measured (all on the same pre-generated file, in the page cache):
#   ptingestd sync none / sync chunk  `ptingest ingest FILE --no-bulk`, end to end
#   ptingestd bulk                    `ptingest ingest FILE --bulk` (sync none; the
#                                     stage file is fdatasync'ed per chunk): rows
#                                     staged, sorted, written as SSTs, ingested
#   ptingestd via libptingest         bench/lib_ingest: rows pre-parsed, only
#                                     pti_job_put/pti_job_end timed (sync none)
#   RocksDB direct                    bench/direct_rocksdb: same rows, one
#                                     WriteBatch per chunk, one CF per relation,
#                                     the daemon's RocksDB options and chunk
#                                     bounds (from `ptingestd --check-config`),
#                                     WAL unsynced; compaction deferred while
#                                     writing as the daemon's bulk-ingest
#                                     profile does, and once more without that
#   db_bench fillrandom               Debian's db_bench, mean key/value sizes of
#                                     the data, --batch_size = mean rows/chunk,
#                                     the daemon's option values as flags
#   SQLite                            bench/sqlite_ingest: table per relation,
#                                     WAL, synchronous=NORMAL, 1 tx per chunk
#   Redis                             redis-server on a private Unix socket,
#                                     appendonly yes, appendfsync everysec,
#                                     `redis-cli --pipe` of SET commands
# For each: wall time, rows/s, MB/s (key+value bytes, 10^6), peak RSS of the
# server (ptingestd, redis-server; for in-process programs their own peak
# growth from the moment the rows were loaded), on-disk size once the store is closed, and
# ptingestd's ratio to it. Then one more sampled ptingestd run (sync none)
# for the time-series plot: its status (`ptingest status --json`) every
# 150 ms, by bench/status_sampler over one connection.
# Writes DIR/compare.md, compare.png, compare.json, compare.dat,
# timeline.dat. Uses the build in $PTINGEST_BUILD (default build/).
# Last line of output: one JSON object (rows, ratios, targets).
set -eu
cd "$(dirname "$0")/.."
B=${PTINGEST_BUILD:-build}
. bench/lib.sh
rows= reps=5 out= quick=0 small=0
T=${PTINGEST_BENCH_TIMEOUT:-600}   # seconds, per measured command
usage() { echo "usage: bench/compare.sh [--rows N] [--reps R] [--quick] [--small] [--out DIR]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
    --rows) [ $# -ge 2 ] || usage; rows=$2; shift 2 ;;
    --reps) [ $# -ge 2 ] || usage; reps=$2; shift 2 ;;
    --quick) quick=1; reps=1; shift ;;
    --small) small=1; shift ;;
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    *) usage ;;
    esac
done
# default sizes: ~390 MB of NDJSON (~240 MB with --small)
if [ -z "$rows" ]; then
    rows=200000; [ $small = 1 ] && rows=1000000
    [ $quick = 1 ] && rows=$((rows * 3 / 10))
fi
case $rows$reps in *[!0-9]*) usage ;; esac
[ "$rows" -gt 0 ] && [ "$reps" -gt 0 ] || usage
[ -n "$out" ] || { out=bench/results; [ $quick = 1 ] && out=$out/quick; [ $small = 1 ] && out=$out/small; }
cmdline="bench/compare.sh --rows $rows --reps $reps"
[ $small = 1 ] && cmdline="$cmdline --small"

for f in daemon/ptingestd client/ptingest bench/lib_ingest bench/direct_rocksdb \
         bench/sqlite_ingest bench/resp_gen bench/status_sampler; do
    [ -x "$B/$f" ] || { echo "missing $B/$f: meson setup $B && meson compile -C $B" >&2; exit 2; }
done
for t in db_bench redis-server redis-cli; do
    command -v $t >/dev/null || { echo "missing $t: sh scripts/deps.sh --bench" >&2; exit 2; }
done
havetime=0; [ -x /usr/bin/time ] && havetime=1
haveplot=0; command -v gnuplot >/dev/null && haveplot=1

w=$(mktemp -d "${TMPDIR:-/var/tmp}/pt-compare.XXXXXX")
dpid= rpid= spid=
cleanup() {
    [ -z "$spid" ] || kill "$spid" 2>/dev/null || true
    [ -z "$dpid" ] || kill -KILL "$dpid" 2>/dev/null || true
    [ -z "$rpid" ] || kill -KILL "$rpid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$w"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
Bsrc=$B
pt_private_bin lib_ingest direct_rocksdb sqlite_ingest resp_gen status_sampler
PT=$B/client/ptingest

# The daemon's own defaults, so the peers get the same RocksDB options and
# chunk bounds whatever the daemon's current built-ins are.
: >"$w/empty.yaml"
"$B/daemon/ptingestd" --check-config "$w/empty.yaml" >"$w/effective.txt" 2>&1 ||
    { echo "compare.sh: ptingestd --check-config failed: $(cat "$w/effective.txt")" >&2; exit 1; }
rocks_opts=$(awk '/^  (db|cf)_options:/ { on = 1; next }
    on && /^    [A-Za-z0-9_]+:/ { v = $2; gsub(/"/, "", v); printf "%s%s=%s", n++ ? ";" : "", substr($1, 1, length($1) - 1), v; next }
    { on = 0 }' "$w/effective.txt")
cfg_get() { awk -v k="$1:" '$1 == k { v = $2; gsub(/"/, "", v); print v; exit }' "$w/effective.txt"; }
chunk_max_rows=$(cfg_get chunk_max_rows); chunk_max_rows=${chunk_max_rows:-8192}
chunk_max_bytes=$(cfg_get chunk_max_bytes); chunk_max_bytes=${chunk_max_bytes:-1048576}
bulk=$(cfg_get bulk_profile); bulk=${bulk:-0}
chunkargs="--chunk-rows $chunk_max_rows --chunk-bytes $chunk_max_bytes"
# db_bench takes the same names as flags; keep those it knows.
db_bench --help >"$w/db_bench.help" 2>&1 || true
dbb_flags=$(printf '%s\n' "$rocks_opts" | tr ';' '\n' | while IFS='=' read -r k v; do
    [ -n "$k" ] && grep -q -- "^ *-$k (" "$w/db_bench.help" && printf -- '--%s=%s ' "$k" "$v"
done; [ "$bulk" = 1 ] && printf -- '--disable_auto_compactions=1')

now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
# jget KEY JSON: a number member of a one-line JSON object
jget() { printf '%s\n' "$2" | sed -n "s/.*\"$1\":\([-0-9.eE+]*\).*/\1/p"; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
tck=$(getconf CLK_TCK 2>/dev/null || echo 100)
# pcpu PID: CPU seconds (user + system, all threads) the process has used
pcpu() { sed 's/^.*) //' "/proc/$1/stat" | awk -v t="$tck" '{ printf "%.2f", ($12 + $13) / t }'; }
# tcpu FILE: seconds from /usr/bin/time -f "%U %S" (0 without it)
tcpu() { [ -s "$1" ] && tail -1 "$1" | awk '{ printf "%.2f", $1 + $2 }' || echo 0; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }
disk() { du -sb "$@" 2>/dev/null | awk '{s += $1} END {print s + 0}'; }
die() { echo "compare.sh: $*" >&2; exit 1; }
note() { echo "$*" >&2; }
# record SYSTEM REP WALL_S RSS_KIB DISK_BYTES CPU_S
record() {
    echo "$1 $2 $3 $4 $5 $6" >>"$w/runs"
    awk -v s="$1" -v r="$2" -v t="$3" -v m="$4" -v d="$5" -v c="$6" -v n="$rows" 'BEGIN {
        printf "  %-18s run %d: %8.2f s %9.0f rows/s  RSS %6.0f MiB  disk %6.0f MB  CPU %6.2f s\n",
            s, r, t, n / t, m / 1024, d / 1e6, c }' >&2
}
timed() {  # FILE CMD...: run CMD, its CPU time to FILE when /usr/bin/time exists
    f=$1; shift
    rm -f "$f"
    if [ $havetime = 1 ]; then /usr/bin/time -f '%U %S' -o "$f" "$@"; else "$@"; fi
}
settle() { sync; sleep 1; }

start_daemon() {   # MODE
    rm -rf "$w/data" "$w/s"
    printf 'ingest:\n  sync: %s\n' "$1" >"$w/cfg.yaml"
    pt_start_daemon "$w/cfg.yaml" "$w/data" "$w/s" "$w/daemon.log"
}
stop_daemon() {
    kill -TERM "$dpid"
    wait "$dpid" || die "ptingestd exited with $?: $(tail -5 "$w/daemon.log")"
    dpid=
}

run_ptingestd() {  # MODE REP [timeline]: MODE none, chunk (sync), or bulk
    how=--no-bulk
    if [ "$1" = bulk ]; then start_daemon none; how=--bulk; else start_daemon "$1"; fi
    settle
    c0=$(pcpu "$dpid")
    t0=$(now)
    if [ "${3:-}" = timeline ]; then
        "$B/bench/status_sampler" --socket "$w/s" --interval-ms 150 --max-s "$T" \
            >"$w/timeline.raw" &
        spid=$!
    fi
    timed "$w/cli.time" timeout "$T" "$PT" --socket "$w/s" ingest "$w/in.ndjson" --no-progress $how \
        2>"$w/ingest.err" || die "ptingest ingest failed: $(cat "$w/ingest.err")"
    t1=$(now)
    rss=$(hwm "$dpid")
    cpu=$(add "$(tcpu "$w/cli.time")" "$(awk -v a="$(pcpu "$dpid")" -v b="$c0" 'BEGIN { print a - b }')")
    if [ -n "$spid" ]; then
        sleep 0.3
        kill "$spid" 2>/dev/null || true
        wait "$spid" 2>/dev/null || true
        spid=
    fi
    stop_daemon
    got=$(sed -n 's/^ingested \([0-9]*\) rows.*/\1/p' "$w/ingest.err")
    [ "$got" = "$rows" ] || die "ptingest ingested ${got:-?} of $rows rows: $(cat "$w/ingest.err")"
    sys=ptingestd-$1; [ "${3:-}" = timeline ] && sys=ptingestd-sampled
    record "$sys" "$2" "$(sub "$t1" "$t0")" "$rss" "$(disk "$w/data")" "$cpu"
    rm -rf "$w/data"
}

run_lib() {  # REP
    start_daemon none
    settle
    c0=$(pcpu "$dpid")
    r=$(timeout "$T" "$B/bench/lib_ingest" --socket "$w/s" "$w/in.ndjson") || die "lib_ingest failed"
    rss=$(hwm "$dpid")
    cpu=$(add "$(jget cpu_s "$r")" "$(awk -v a="$(pcpu "$dpid")" -v b="$c0" 'BEGIN { print a - b }')")
    stop_daemon
    record ptingestd-lib "$1" "$(jget wall_s "$r")" "$rss" "$(disk "$w/data")" "$cpu"
    rm -rf "$w/data"
}

run_direct() {  # REP bulk|compacting
    rm -rf "$w/rdb"
    settle
    sys=rocksdb-direct; b=
    if [ "$2" = bulk ] && [ "$bulk" = 1 ]; then b=--bulk; else sys=rocksdb-direct-compacting; fi
    # shellcheck disable=SC2086
    r=$(timeout "$T" "$B/bench/direct_rocksdb" ${rocks_opts:+--no-defaults --opt "$rocks_opts"} \
        $chunkargs $b "$w/in.ndjson" "$w/rdb") || die "direct_rocksdb failed"
    record "$sys" "$1" "$(jget wall_s "$r")" \
        "$(( $(jget peak_rss_kib "$r") - $(jget preload_rss_kib "$r") ))" "$(disk "$w/rdb")" \
        "$(jget cpu_s "$r")"
    rm -rf "$w/rdb"
}

run_db_bench() {  # REP
    rm -rf "$w/dbb"
    settle
    tm=
    [ $havetime = 1 ] && tm="/usr/bin/time -f %M_%U_%S -o $w/time.out"
    # shellcheck disable=SC2086
    $tm timeout "$T" db_bench --benchmarks=fillrandom --db="$w/dbb" --use_existing_db=0 \
        --num="$rows" --key_size="$mean_key" --value_size="$mean_value" \
        --batch_size="$chunk_rows" --threads=1 --compression_type=snappy \
        --compression_ratio=0.5 --sync=0 --disable_wal=0 --enable_pipelined_write=0 \
        $dbb_flags >"$w/db_bench.out" 2>&1 ||
        die "db_bench failed: $(tail -5 "$w/db_bench.out")"
    secs=$(awk '/^fillrandom/ { for (i = 1; i < NF; i++) if ($(i + 1) == "seconds") print $i }' \
        "$w/db_bench.out")
    [ -n "$secs" ] || die "no fillrandom line from db_bench: $(tail -5 "$w/db_bench.out")"
    rss=0 cpu=0
    if [ $havetime = 1 ]; then
        rss=$(tail -1 "$w/time.out" | cut -d_ -f1)
        cpu=$(tail -1 "$w/time.out" | awk -F_ '{ printf "%.2f", $2 + $3 }')
    fi
    record db_bench "$1" "$secs" "$rss" "$(disk "$w/dbb")" "$cpu"
    rm -rf "$w/dbb"
}

run_sqlite() {  # REP
    rm -f "$w"/sq.db*
    settle
    # shellcheck disable=SC2086
    r=$(timeout "$T" "$B/bench/sqlite_ingest" $chunkargs "$w/in.ndjson" "$w/sq.db") || die "sqlite_ingest failed"
    record sqlite "$1" "$(jget wall_s "$r")" \
        "$(( $(jget peak_rss_kib "$r") - $(jget preload_rss_kib "$r") ))" "$(disk "$w"/sq.db*)" \
        "$(jget cpu_s "$r")"
    rm -f "$w"/sq.db*
}

run_redis() {  # REP
    rm -rf "$w/redis" "$w/redis.sock"
    mkdir "$w/redis"
    redis-server --port 0 --unixsocket "$w/redis.sock" --unixsocketperm 700 \
        --dir "$w/redis" --appendonly yes --appendfsync everysec --save '' \
        --daemonize no --logfile "$w/redis.log" &
    rpid=$!
    i=0
    until [ "$(redis-cli -s "$w/redis.sock" ping 2>/dev/null)" = PONG ]; do
        i=$((i + 1)); [ $i -lt 200 ] || die "redis-server did not start: $(tail -5 "$w/redis.log")"
        sleep 0.05
    done
    settle
    c0=$(pcpu "$rpid")
    t0=$(now)
    timed "$w/cli.time" timeout "$T" redis-cli -s "$w/redis.sock" --pipe <"$w/in.resp" >"$w/pipe.out" 2>&1 ||
        die "redis-cli --pipe failed: $(tail -3 "$w/pipe.out")"
    t1=$(now)
    grep -q "errors: 0, replies: $rows" "$w/pipe.out" || die "redis: $(tail -2 "$w/pipe.out")"
    rss=$(hwm "$rpid")
    cpu=$(add "$(tcpu "$w/cli.time")" "$(awk -v a="$(pcpu "$rpid")" -v b="$c0" 'BEGIN { print a - b }')")
    kill -TERM "$rpid"
    wait "$rpid" || true
    rpid=
    record redis "$1" "$(sub "$t1" "$t0")" "$rss" "$(disk "$w/redis")" "$cpu"
    rm -rf "$w/redis"
}

# --- the data set ---------------------------------------------------------
note "generating $rows rows ..."
if [ $small = 1 ]; then
    # about 3.3 small rows per entity
    "$PT" gen --entities $((rows / 3 + 100)) | grep -v '^{"rel":"CodeGraph"' | head -n "$rows" >"$w/in.ndjson"
else
    "$PT" gen --entities $((rows / 4 + 100)) | head -n "$rows" >"$w/in.ndjson"
fi
[ "$(wc -l <"$w/in.ndjson")" -eq "$rows" ] || die "gen gave fewer than $rows rows"
stats=$("$B/bench/resp_gen" "$w/in.ndjson" "$w/in.resp" "$chunk_max_rows" "$chunk_max_bytes") ||
    die "resp_gen failed"
bytes=$(( $(jget key_bytes "$stats") + $(jget value_bytes "$stats") ))
mean_key=$(jget mean_key "$stats")
mean_value=$(jget mean_value "$stats")
chunk_rows=$(jget mean_chunk_rows "$stats")
ndjson_bytes=$(wc -c <"$w/in.ndjson")
note "$rows rows, $ndjson_bytes bytes of NDJSON, key+value $bytes bytes (mean key $mean_key, value $mean_value; $chunk_rows rows per chunk)"
note "RocksDB options (the daemon's): $rocks_opts; bulk-ingest profile $bulk"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
tstart=$(now)

# --- the runs, interleaved so drift hits every system alike ---------------
# Each round starts one system later than the one before, so no system is
# always first (right after data generation) or always after the same one.
one_run() {  # NAME REP
    case $1 in
    none|chunk|bulk) run_ptingestd "$1" "$2" ;;
    lib) run_lib "$2" ;;
    direct) run_direct "$2" bulk ;;
    direct-compacting) [ "$bulk" = 1 ] && run_direct "$2" compacting || true ;;
    db_bench) run_db_bench "$2" ;;
    sqlite) run_sqlite "$2" ;;
    redis) run_redis "$2" ;;
    esac
}
order="none chunk bulk lib direct direct-compacting db_bench sqlite redis"
: >"$w/runs"
rep=1
while [ $rep -le "$reps" ]; do
    note "round $rep of $reps"
    for name in $order; do one_run "$name" $rep; done
    order="${order#* } ${order%% *}"
    rep=$((rep + 1))
done
note "sampled run for the time series"
run_ptingestd none 1 timeline
load1=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(sub "$(now)" "$tstart")

# --- results ---------------------------------------------------------------
mkdir -p "$out"
# Median run per system (by wall time), with the spread over runs.
awk -v n="$rows" -v b="$bytes" '
{ sys[$1]++; k = $1 SUBSEP sys[$1]; wall[k] = $3; rss[k] = $4; dsk[k] = $5; cpu[k] = $6 }
END {
    for (s in sys) {
        m = sys[s]
        for (i = 1; i <= m; i++) idx[i] = i
        for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
            if (wall[s SUBSEP idx[j]] < wall[s SUBSEP idx[i]]) { t = idx[i]; idx[i] = idx[j]; idx[j] = t }
        md = idx[int((m + 1) / 2)]
        printf "%s %d %.3f %.0f %.1f %.1f %.1f %.0f %.0f %.2f\n", s, m, wall[s SUBSEP md],
            n / wall[s SUBSEP md], b / 1e6 / wall[s SUBSEP md], rss[s SUBSEP md] / 1024,
            dsk[s SUBSEP md] / 1e6, n / wall[s SUBSEP idx[m]], n / wall[s SUBSEP idx[1]], cpu[s SUBSEP md]
    }
}' "$w/runs" >"$w/summary"
rps() { awk -v s="$1" '$1 == s { print $4 }' "$w/summary"; }
# paired A B: the median over rounds of A's rows/s / B's rows/s in the same
# round (neighbours in time share the machine's state better than medians
# taken apart)
paired() {
    awk -v a="$1" -v b="$2" '$1 == a { ta[$2] = $3 } $1 == b { tb[$2] = $3 }
    END {
        n = 0
        for (k in ta) if (k in tb) r[++n] = tb[k] / ta[k]
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
        if (n == 0) print 0; else if (n % 2) printf "%.2f", r[(n + 1) / 2]; else printf "%.2f", (r[n / 2] + r[n / 2 + 1]) / 2
    }' "$w/runs"
}
none=$(rps ptingestd-none); chunk=$(rps ptingestd-chunk)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

label() {
    case $1 in
    ptingestd-none) echo "ptingestd, \`ptingest ingest\`|sync none: WAL written, not fsynced" ;;
    ptingestd-chunk) echo "ptingestd, \`ptingest ingest\`|sync chunk: WAL fsynced per ack (group commit)" ;;
    ptingestd-bulk) echo "ptingestd bulk mode, \`ptingest ingest --bulk\`|stage file fdatasynced per ack; SSTs synced, ingested at the end" ;;
    ptingestd-lib) echo "ptingestd via libptingest (rows pre-parsed)|sync none" ;;
    rocksdb-direct) echo "RocksDB direct (bench/direct_rocksdb), compaction deferred as ptingestd does|WAL, not fsynced" ;;
    rocksdb-direct-compacting) echo "RocksDB direct, compaction on while writing|WAL, not fsynced" ;;
    db_bench) echo "db_bench fillrandom (synthetic rows)|WAL, not fsynced" ;;
    sqlite) echo "SQLite (bench/sqlite_ingest)|WAL, synchronous=NORMAL" ;;
    redis) echo "Redis \`redis-cli --pipe\`|AOF, appendfsync everysec" ;;
    ptingestd-sampled) echo "ptingestd, \`ptingest ingest\`, status sampled every 150 ms (the plot's run)|sync none" ;;
    esac
}
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
deb=$(cat /etc/debian_version 2>/dev/null || echo '?')
rver=$(sed -n 's/^RocksDB:[[:space:]]*version \([0-9.]*\).*/\1/p' "$w/db_bench.out" | head -1)
{
    echo "# ptingestd vs RocksDB direct, SQLite, Redis"
    echo
    echo "\`$cmdline\` on $(date -u +%Y-%m-%d), $(git rev-parse --short HEAD 2>/dev/null || echo '?')" \
        "(build: \`$Bsrc\`). Machine: $(nproc) cores ($cpu), $mem RAM, Debian $deb," \
        "kernel $(uname -r), RocksDB ${rver:-7.8.3} (Debian), $(redis-server --version | cut -d' ' -f1-3)," \
        "SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1)."
    echo
    echo "Data: \`ptingest gen\`$([ $small = 1 ] && echo " without CodeGraph rows"), $rows rows, $(awk -v b="$ndjson_bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB of NDJSON," \
        "$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB of keys+values" \
        "(mean key $mean_key B, mean value $mean_value B); $chunk_rows rows per chunk" \
        "(the daemon's bounds: $chunk_max_rows rows or $chunk_max_bytes bytes) — every store writes batches or transactions of one chunk." \
        "RocksDB options everywhere (the daemon's defaults): \`$rocks_opts\`, snappy;" \
        "the daemon's bulk-ingest profile $([ "$bulk" = 1 ] && echo on: compaction deferred while jobs run || echo off)."
    echo "Median of $reps run(s) per system, runs interleaved; load average $load0 before, $load1 after;" \
        "$(awk -v e="$elapsed" 'BEGIN { printf "%.0f", e }') s in all."
    echo
    echo "| system | durability | wall s | rows/s | MB/s | peak RSS MiB | on disk MB | CPU s | ptingestd sync none ÷ this | rows/s over runs |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
    for s in ptingestd-none ptingestd-chunk ptingestd-bulk ptingestd-lib rocksdb-direct rocksdb-direct-compacting db_bench sqlite redis ptingestd-sampled; do
        awk -v s="$s" -v l="$(label "$s")" -v none="$none" '$1 == s {
            split(l, p, "|")
            printf "| %s | %s | %.2f | %.0f | %.1f | %.0f | %.0f | %.1f | %s | %.0f–%.0f |\n", p[1], p[2], $3, $4, $5,
                $6, $7, $10, (s == "ptingestd-none" ? "1" : sprintf("%.2f", none / $4)), $8, $9 }' "$w/summary"
    done
    echo
    echo "MB/s counts key+value bytes (10^6). Peak RSS: of the server process for ptingestd and" \
        "Redis; for the in-process programs the growth of their peak RSS from the moment the rows were loaded; db_bench its peak (synthetic values are generated, not loaded)." \
        "On disk: \`du\` of the store once closed (RocksDB: SSTs + WAL, nothing forced to flush)." \
        "CPU: user+system seconds while the rows went in, every thread: ptingestd + the client" \
        "(\`ptingest\` or lib_ingest), redis-server + redis-cli, the whole program for the others" \
        "(RocksDB's flush and compaction threads included); $(nproc) cores give $(nproc) CPU-seconds per second." \
        "Only \`ptingest ingest\` and \`redis-cli --pipe\` read and parse their input on the clock;" \
        "the C programs parse the NDJSON into memory first."
    echo
    echo "![throughput and time series](compare.png)"
} >"$out/compare.md"

# Raw figures.
{
    printf '{"rows":%s,"bytes":%s,"ndjson_bytes":%s,"mean_key":%s,"mean_value":%s,"chunk_rows":%s,"reps":%s,"runs":[' \
        "$rows" "$bytes" "$ndjson_bytes" "$mean_key" "$mean_value" "$chunk_rows" "$reps"
    awk 'NR > 1 { printf "," } { printf "{\"system\":\"%s\",\"run\":%d,\"wall_s\":%s,\"peak_rss_kib\":%s,\"disk_bytes\":%s,\"cpu_s\":%s}", $1, $2, $3, $4, $5, $6 }' "$w/runs"
    printf ']}\n'
} >"$out/compare.json"
for s in ptingestd-none ptingestd-chunk ptingestd-bulk ptingestd-lib rocksdb-direct rocksdb-direct-compacting db_bench sqlite redis; do
    awk -v s="$s" '$1 == s { printf "\"%s\" %s %s %s %d\n", s, $4, $8, $9, (s ~ /^ptingestd/ ? 1 : 2) }' "$w/summary"
done >"$out/compare.dat"
# Time series: t, rows/s written (over the last ~0.6 s: the writer counts
# rows once per group of chunks, so single intervals are lumpy), queue MB,
# queue chunks, L0 files.
awk 'NF >= 5 && $2 >= 0 {
    n++; t[n] = $1; r[n] = $2
    k = n > 4 ? n - 4 : 1
    if (n > 1 && t[n] > t[k]) printf "%.2f %.0f %.2f %s %s\n", t[n], (r[n] - r[k]) / (t[n] - t[k]), $3 / 1048576, $4, $5
}' "$w/timeline.raw" >"$out/timeline.dat"

if [ $haveplot = 1 ] && [ -s "$out/timeline.dat" ]; then
    gnuplot <<EOF || note "gnuplot failed; no plot"
set terminal pngcairo size 1400,560 font ",10"
set output "$out/compare.png"
set multiplot layout 1,2 title "ptingestd vs peers, $rows code-graph rows ($(nproc) cores, median of $reps)"
set style fill solid 0.8 border -1
set boxwidth 0.7
set ylabel "rows/s"
set yrange [0:*]
set xtics rotate by -30 noenhanced
set grid ytics
set title "throughput (bars: median; whiskers: min–max over runs)"
plot "$out/compare.dat" using 0:2:(\$5 == 1 ? 0x4477aa : 0xbbbbbb):xtic(1) with boxes lc rgb variable notitle, \
     "" using 0:2:3:4 with yerrorbars lc rgb "black" pt 0 notitle
set title "ptingestd sync none over time (status every 150 ms)"
set xlabel "s"
set ylabel "rows/s written"
set y2label "queue MB"
set ytics nomirror
set y2tics
set y2range [0:*]
set xtics norotate
plot "$out/timeline.dat" using 1:2 with lines lw 2 lc rgb "#4477aa" title "rows/s written", \
     "" using 1:3 axes x1y2 with lines lw 2 lc rgb "#cc6677" title "queue MB (capacity 64)"
unset multiplot
EOF
else
    note "no gnuplot (or no samples): no plot"
fi

cat "$out/compare.md" >&2
# The targets (issue): end to end >= 0.9x RocksDB direct, >= 5x SQLite, >= 1x Redis.
awk -v n="$rows" -v none="$none" -v chunk="$chunk" -v d="$(rps rocksdb-direct)" -v dc="$(rps rocksdb-direct-compacting)" \
    -v db="$(rps db_bench)" -v q="$(rps sqlite)" -v r="$(rps redis)" -v l="$(rps ptingestd-lib)" \
    -v pd="$(paired ptingestd-none rocksdb-direct)" -v pq="$(paired ptingestd-none sqlite)" \
    -v pr="$(paired ptingestd-none redis)" -v bk="$(rps ptingestd-bulk)" \
    -v pbd="$(paired ptingestd-bulk rocksdb-direct)" -v pbm="$(paired ptingestd-bulk ptingestd-none)" 'BEGIN {
    printf "{\"rows\":%d,\"ptingestd_none_rows_per_s\":%.0f,\"ptingestd_chunk_rows_per_s\":%.0f,", n, none, chunk
    printf "\"ptingestd_lib_rows_per_s\":%.0f,\"rocksdb_direct_rows_per_s\":%.0f,\"db_bench_rows_per_s\":%.0f,", l, d, db
    printf "\"sqlite_rows_per_s\":%.0f,\"redis_rows_per_s\":%.0f,", q, r
    printf "\"vs_rocksdb_direct\":%.2f,\"vs_rocksdb_direct_chunk\":%.2f,\"vs_db_bench\":%.2f,", none / d, chunk / d, none / db
    if (dc > 0) printf "\"rocksdb_direct_compacting_rows_per_s\":%.0f,\"vs_rocksdb_direct_compacting\":%.2f,", dc, none / dc
    printf "\"vs_sqlite\":%.2f,\"vs_sqlite_chunk\":%.2f,\"vs_redis\":%.2f,\"vs_redis_chunk\":%.2f,", none / q, chunk / q, none / r, chunk / r
    printf "\"lib_vs_rocksdb_direct\":%.2f,", l / d
    printf "\"bulk_rows_per_s\":%.0f,\"bulk_vs_rocksdb_direct\":%.2f,\"bulk_vs_memtable\":%.2f,", bk, bk / d, bk / none
    printf "\"paired\":{\"vs_rocksdb_direct\":%s,\"vs_sqlite\":%s,\"vs_redis\":%s,\"bulk_vs_rocksdb_direct\":%s,\"bulk_vs_memtable\":%s},", pd, pq, pr, pbd, pbm
    printf "\"targets\":{\"rocksdb_direct_0.9\":%s,\"sqlite_5\":%s,\"redis_1\":%s}}\n",
        (none / d >= 0.9 ? "true" : "false"), (none / q >= 5 ? "true" : "false"), (none / r >= 1 ? "true" : "false")
}'
