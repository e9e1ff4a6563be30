#!/bin/sh
# databases.sh - what named databases cost (issue 12, Targets): one daemon
# on a private socket and data dir, one RocksDB instance per database.
#
#   bench/databases.sh [--entities N] [--reps R] [--mem-reps R]
#                      [--drop-entities N] [--drop-reps R] [--sync MODE]
#                      [--idle-flush-ms MS] [--only tp|mem|drop] [--out FILE]
#     --entities N       throughput data: `ptingest gen --entities N`
#                        (default 20000, ~85,000 rows, ~160 MB)
#     --reps R           throughput rounds (default 5)
#     --mem-reps R       memory rounds (default 3)
#     --drop-entities N  the database dropped: gen --entities N
#                        (default 260000: 2.1 GB of input, ~1 GB on disk)
#     --drop-reps R      drop rounds (default 2)
#     --sync MODE        ingest.sync for the throughput and memory runs
#                        (default: the daemon's built-in, chunk)
#     --idle-flush-ms MS databases.idle_flush_ms for the memory runs
#                        (default 5000, the daemon's default, written out)
#     --only WHAT        run one part only
#     --out FILE         raw figures (default bench/results/databases.txt)
#
# 1. Throughput: the gen file cut into 4 parts by lines, 4 concurrent
#    `ptingest --db dbN ingest PART` against one `ptingest --db db0 ingest
#    FILE` of the same rows; aggregate rows/s = rows / (first start to last
#    end). Databases created (`db create`) before the clock; a fresh daemon
#    and data dir for every run; rounds alternate which case goes first.
# 2. Memory: 100 databases x 10,000 rows (`databases.max_open: 128`,
#    `idle_close_ms: 0`, all open at the end) against one database of the
#    same 1,000,000 rows; NDJSON {"rel":"CodeGraph","key":"k-N","value":
#    {"n":N}}, the same keys in both cases. The daemon's VmRSS at rest
#    (idle_flush_ms + 3 s after the last ingest, so that every database has
#    had its idle flush; in both cases alike), its RssAnon then, VmRSS 2 s
#    after the last ingest (the figure before idle flushes, rss2_kib) and
#    VmHWM from /proc/PID/status. Alternating order; then, for the fixed
#    cost of a database, 100 empty ones (`db create`).
# 3. Drop: one database from gen --entities N, compaction left to finish,
#    sync; then the wall time of `ptingest db drop`, and the time until the
#    data dir's filesystem (df) has given back 90% of what its directory
#    held (du; `db list` shows less: see bench/README.md), and until the
#    directory is gone. The filesystem is
#    shared: other writers move df too (the 90% leaves room for that).
# The 1-minute load average is recorded before every measurement.
# Uses the build in $PTINGEST_BUILD (default build/), copied first. Data
# under mktemp -d in ${TMPDIR:-/var/tmp} (needs ~3.5 GB), removed on exit.
# Last line of output: one JSON object with the key figures and targets.
set -eu
cd "$(dirname "$0")/.."
B=${PTINGEST_BUILD:-build}
. bench/lib.sh
entities=20000 reps=5 mreps=3 dent=260000 dreps=2 sync= only= out=bench/results/databases.txt
iflush=5000
T=${PTINGEST_BENCH_TIMEOUT:-600}
usage() { echo "usage: bench/databases.sh [--entities N] [--reps R] [--mem-reps R] [--drop-entities N] [--drop-reps R] [--sync MODE] [--idle-flush-ms MS] [--only tp|mem|drop] [--out FILE]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage
    case $1 in
    --entities) entities=$2 ;;
    --reps) reps=$2 ;;
    --mem-reps) mreps=$2 ;;
    --drop-entities) dent=$2 ;;
    --drop-reps) dreps=$2 ;;
    --sync) sync=$2 ;;
    --idle-flush-ms) iflush=$2 ;;
    --only) only=$2 ;;
    --out) out=$2 ;;
    *) usage ;;
    esac
    shift 2
done
case $entities$reps$mreps$dent$dreps$iflush in *[!0-9]*) usage ;; esac
case $sync in ''|none|chunk|job) ;; *) usage ;; esac
case $only in ''|tp|mem|drop) ;; *) usage ;; esac
pt_need daemon/ptingestd client/ptingest

w=$(mktemp -d "${TMPDIR:-/var/tmp}/pt-databases.XXXXXX")
dpid=
jpids=
cleanup() {
    for p in $jpids; do kill "$p" 2>/dev/null || true; done
    [ -z "$dpid" ] || kill -KILL "$dpid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$w"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pt_private_bin
PT="$B/client/ptingest --socket $w/s"

now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
die() { echo "databases.sh: $*" >&2; exit 1; }
note() { echo "$*" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }
kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
dfused() { df -Pk "$1" | awk 'NR == 2 { print $3 }'; }  # KiB used on DIR's filesystem
# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
raw() { echo "$*" >>"$w/raw"; echo "  $*" >&2; }

start_daemon() {   # CONFIG-FILE
    rm -rf "$w/data" "$w/s"
    pt_start_daemon "$1" "$w/data" "$w/s" "$w/daemon.log"
}
stop_daemon() {
    kill -TERM "$dpid"
    wait "$dpid" || die "ptingestd exited with $?: $(tail -5 "$w/daemon.log")"
    dpid=
    rm -rf "$w/data"
}
ingested() { sed -n 's/^ingested \([0-9]*\) rows.*/\1/p' "$1"; }

: >"$w/raw"
{
    printf 'ingest:\n  chunk_linger_ms: 20\n'
    [ -z "$sync" ] || printf '  sync: %s\n' "$sync"
} >"$w/tp.yaml"
{
    cat "$w/tp.yaml"
    printf 'databases:\n  max_open: 128\n  idle_close_ms: 0\n  idle_flush_ms: %s\n' "$iflush"
} >"$w/mem.yaml"
: >"$w/drop.yaml"
note "databases.sh: $(uname -m), $(nproc) cores, binaries from ${PTINGEST_BUILD:-build}, data in $w"
raw "# databases.sh $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores; sync ${sync:-chunk (built-in)}; load at start $(cut -d' ' -f1-3 /proc/loadavg)"

# --- 1. throughput: 4 jobs into 4 databases against 1 into 1 --------------
tp_run() {  # one|four ROUND
    start_daemon "$w/tp.yaml"
    for d in 0 1 2 3; do $PT db create db$d >/dev/null || die "db create db$d failed"; done
    sync; sleep 1
    l=$(load1)
    t0=$(now)
    if [ "$1" = one ]; then
        timeout "$T" $PT --db db0 ingest "$w/tp.ndjson" --job r$2 --no-progress 2>"$w/tp0.err" ||
            die "ingest failed: $(cat "$w/tp0.err")"
        t1=$(now)
        got=$(ingested "$w/tp0.err")
    else
        jpids=
        for d in 0 1 2 3; do
            timeout "$T" $PT --db db$d ingest "$w/part$d" --job r$2-$d --no-progress 2>"$w/tp$d.err" &
            jpids="$jpids $!"
        done
        for p in $jpids; do wait "$p" || die "a concurrent ingest failed: $(cat "$w"/tp?.err)"; done
        jpids=
        t1=$(now)
        got=0
        for d in 0 1 2 3; do got=$((got + $(ingested "$w/tp$d.err"))); done
    fi
    hwm=$(kib "$dpid" VmHWM)
    stop_daemon
    [ "$got" = "$tprows" ] || die "$1: ingested $got of $tprows rows"
    s=$(sub "$t1" "$t0")
    raw "tp $1 round $2 rows $got wall_s $s rows_per_s $(awk -v n="$got" -v s="$s" 'BEGIN { printf "%.0f", n / s }') hwm_kib $hwm load1 $l"
}
if [ -z "$only" ] || [ "$only" = tp ]; then
    note "1. throughput: gen --entities $entities"
    $PT gen --entities "$entities" >"$w/tp.ndjson"
    tprows=$(wc -l <"$w/tp.ndjson")
    per=$(( (tprows + 3) / 4 ))
    split -l "$per" -a 1 -d "$w/tp.ndjson" "$w/part"
    [ -f "$w/part3" ] || die "split gave fewer than 4 parts"
    raw "# tp data: $tprows rows, $(wc -c <"$w/tp.ndjson") bytes; 4 parts of <= $per rows"
    r=1
    while [ $r -le "$reps" ]; do
        if [ $((r % 2)) = 1 ]; then tp_run one $r; tp_run four $r; else tp_run four $r; tp_run one $r; fi
        r=$((r + 1))
    done
    rm -f "$w/tp.ndjson" "$w"/part?
fi

# --- 2. memory: 100 databases x 10,000 rows against one of 1,000,000 -------
mem_run() {  # many|one ROUND
    start_daemon "$w/mem.yaml"
    sleep 0.5
    rss0=$(kib "$dpid" VmRSS)
    l=$(load1)
    t0=$(now)
    if [ "$1" = one ]; then
        timeout "$T" $PT --db one ingest "$w/mem.ndjson" --no-progress 2>"$w/m.err" ||
            die "ingest failed: $(cat "$w/m.err")"
        got=$(ingested "$w/m.err")
    elif [ "$1" = empty ]; then
        got=0 i=0
        while [ $i -lt 100 ]; do $PT db create m$i >/dev/null || die "db create m$i failed"; i=$((i + 1)); done
    else
        got=0 i=0
        while [ $i -lt 100 ]; do
            timeout "$T" $PT --db m$i ingest "$w/m$i.ndjson" --no-progress 2>"$w/m.err" ||
                die "ingest m$i failed: $(cat "$w/m.err")"
            got=$((got + $(ingested "$w/m.err")))
            i=$((i + 1))
        done
    fi
    t1=$(now)
    sleep 2
    rss2=$(kib "$dpid" VmRSS)
    # at rest: the idle flush (idle_flush_ms after a database's last job) has had its chance
    sleep "$(awk -v t1="$t1" -v t="$(now)" -v ms="$iflush" 'BEGIN { s = t1 + ms / 1000 + 3 - t; printf "%.3f", (s > 0 ? s : 0) }')"
    rss=$(kib "$dpid" VmRSS); anon=$(kib "$dpid" RssAnon); hwm=$(kib "$dpid" VmHWM)
    open=$($PT db list --json | grep -o '"state":"open"' | wc -l)
    stop_daemon
    [ "$got" = 1000000 ] || [ "$1" = empty ] || die "$1: ingested $got of 1000000 rows"
    raw "mem $1 round $2 rows $got open_dbs $open rss_idle_kib $rss0 rss2_kib $rss2 rss_kib $rss anon_kib $anon hwm_kib $hwm ingest_s $(sub "$t1" "$t0") load1 $l"
}
if [ -z "$only" ] || [ "$only" = mem ]; then
    note "2. memory: 100 x 10,000 rows against 1 x 1,000,000"
    awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "{\"rel\":\"CodeGraph\",\"key\":\"k-%d\",\"value\":{\"n\":%d}}\n", i, i }' >"$w/mem.ndjson"
    split -l 10000 -a 2 -d "$w/mem.ndjson" "$w/mpart"
    i=0
    while [ $i -lt 100 ]; do mv "$w/mpart$(printf %02d $i)" "$w/m$i.ndjson"; i=$((i + 1)); done
    raw "# mem data: 1000000 rows, $(wc -c <"$w/mem.ndjson") bytes; config databases.max_open 128, idle_close_ms 0, idle_flush_ms $iflush; rss_kib at $iflush ms + 3 s after the last ingest, rss2_kib at 2 s"
    r=1
    while [ $r -le "$mreps" ]; do
        if [ $((r % 2)) = 1 ]; then mem_run one $r; mem_run many $r; else mem_run many $r; mem_run one $r; fi
        mem_run empty $r
        r=$((r + 1))
    done
    rm -f "$w"/m*.ndjson
fi

# --- 3. drop of a ~1 GB database --------------------------------------------
drop_run() {  # ROUND
    start_daemon "$w/drop.yaml"
    timeout "$T" $PT --db big ingest "$w/big.ndjson" --no-progress 2>"$w/b.err" ||
        die "ingest failed: $(cat "$w/b.err")"
    i=0   # compaction left to finish (at most 120 s)
    until $PT status --json | grep -q '"compaction":"idle"'; do
        i=$((i + 1)); [ $i -lt 1200 ] || break
        sleep 0.1
    done
    sync; sleep 1
    bytes=$($PT db list --json | sed -n 's/.*"name":"big","state":"[a-z]*","rows":[0-9]*,"bytes_on_disk":\([0-9]*\).*/\1/p')
    [ -n "$bytes" ] || die "no bytes_on_disk for big: $($PT db list --json)"
    du=$(du -sk "$w/data/databases" | cut -f1)   # all of it is big's (+ a few KiB)
    u0=$(dfused "$w")
    need=$(awk -v b="$bytes" -v d="$du" 'BEGIN { if (b / 1024 > d) d = b / 1024; printf "%.0f", d * 0.9 }')
    l=$(load1)
    t0=$(now)
    timeout 60 $PT db drop big >"$w/drop.out" 2>&1 || die "db drop failed: $(cat "$w/drop.out")"
    t1=$(now)
    space= gone=
    while :; do
        t=$(now)
        [ -n "$space" ] || [ $((u0 - $(dfused "$w"))) -lt "$need" ] || space=$(sub "$t" "$t0")
        [ -n "$gone" ] || [ "$(ls -A "$w/data/databases" | grep -c -e big -e '^\.dropped')" -gt 0 ] || gone=$(sub "$t" "$t0")
        [ -z "$space" ] || [ -z "$gone" ] || break
        [ "$(sub "$t" "$t0" | cut -d. -f1)" -lt 120 ] || break
        sleep 0.05
    done
    freed=$((u0 - $(dfused "$w")))
    stop_daemon
    raw "drop round $1 bytes_on_disk $bytes du_kib $du drop_s $(sub "$t1" "$t0") space_back_s ${space:-timeout} dir_gone_s ${gone:-timeout} df_freed_kib $freed load1 $l"
}
if [ -z "$only" ] || [ "$only" = drop ]; then
    note "3. drop: gen --entities $dent"
    $PT gen --entities "$dent" >"$w/big.ndjson"
    raw "# drop data: $(wc -l <"$w/big.ndjson") rows, $(wc -c <"$w/big.ndjson") bytes; df at start: $(df -Pk "$w" | awk 'NR == 2 { print $4 }') KiB free"
    r=1
    while [ $r -le "$dreps" ]; do drop_run $r; r=$((r + 1)); done
    rm -f "$w/big.ndjson"
fi
raw "# load at end $(cut -d' ' -f1-3 /proc/loadavg)"

# --- results ----------------------------------------------------------------
mkdir -p "$(dirname "$out")"
cp "$w/raw" "$out"
col() {  # KIND CASE FIELD: that field of every matching raw line
    awk -v k="$1" -v c="$2" -v f="$3" '$1 == k && ($2 == c || c == "") { for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }' "$w/raw"
}
ranges() { col "$@" | sort -g | awk 'NR == 1 { a = $1 } { b = $1 } END { printf "%s-%s", a, b }'; }
tp1=$(col tp one rows_per_s | median); tp4=$(col tp four rows_per_s | median)
tpr=$(ratio "$tp4" "$tp1")
# paired: the median over rounds of four / one within the round
tpp=$(awk '$1 == "tp" { v[$2, $4] = $10 } END { for (r = 1; ("one", r) in v; r++) if (("four", r) in v) print v["four", r] / v["one", r] }' "$w/raw" | median | awk '{ printf "%.3f", $1 }')
m1r=$(col mem one rss_kib | median); m100r=$(col mem many rss_kib | median)
m1h=$(col mem one hwm_kib | median); m100h=$(col mem many hwm_kib | median)
memr=$(ratio "$m100r" "$m1r"); memh=$(ratio "$m100h" "$m1h")
m1r2=$(col mem one rss2_kib | median); m100r2=$(col mem many rss2_kib | median)
memr2=$(ratio "$m100r2" "$m1r2")
dropt=$(col drop "" drop_s | median); spc=$(col drop "" space_back_s | median)
dbytes=$(col drop "" bytes_on_disk | median | awk '{ printf "%.0f", $1 }')
ddu=$(col drop "" du_kib | median | awk '{ printf "%.0f", $1 }')
m0r=$(col mem empty rss_kib | median)
note ""
note "throughput: 1 job $tp1 rows/s (runs $(ranges tp one rows_per_s)), 4 jobs $tp4 rows/s (runs $(ranges tp four rows_per_s)); ratio $tpr (paired $tpp)"
note "memory at rest (idle_flush_ms $iflush + 3 s): 1 db VmRSS $m1r KiB, VmHWM $m1h KiB; 100 dbs VmRSS $m100r KiB, VmHWM $m100h KiB; ratio RSS $memr, HWM $memh"
note "memory 2 s after the last ingest: 1 db $m1r2 KiB, 100 dbs $m100r2 KiB; ratio $memr2"
note "100 empty databases: VmRSS $m0r KiB"
note "drop: $dbytes bytes on disk (db list), du $ddu KiB; db drop $dropt s; space back ${spc} s"
lrange=$(grep -o 'load1 [0-9.]*' "$w/raw" | cut -d' ' -f2 | sort -g | awk 'NR == 1 { a = $1 } { b = $1 } END { printf "%s-%s", a, b }')
note "load (1 min) over the measurements: $lrange"
t() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { if (a == "" || a + 0 == 0) { print "null"; exit } if (a == "timeout") { print "false"; exit } r = op == ">=" ? a >= b : a <= b; print r ? "true" : "false" }'; }
printf '{"tp_rows_per_s_1db":%s,"tp_rows_per_s_4db":%s,"tp_ratio":%s,"tp_ratio_paired":%s,"rss_kib_1db":%s,"rss_kib_100db":%s,"rss_ratio":%s,"rss2_ratio":%s,"hwm_kib_1db":%s,"hwm_kib_100db":%s,"hwm_ratio":%s,"rss_kib_100_empty_db":%s,"drop_bytes":%s,"drop_du_kib":%s,"drop_s":%s,"space_back_s":%s,"load1":"%s","targets":{"tp_0.9":%s,"rss_2":%s,"drop_1s":%s,"space_60s":%s}}\n' \
    "${tp1:-0}" "${tp4:-0}" "$tpr" "${tpp:-0}" "${m1r:-0}" "${m100r:-0}" "$memr" "$memr2" "${m1h:-0}" "${m100h:-0}" "$memh" "${m0r:-0}" \
    "${dbytes:-0}" "${ddu:-0}" "${dropt:-0}" "${spc:-0}" "$lrange" "$(t "$tpr" '>=' 0.9)" "$(t "$memr" '<=' 2)" "$(t "$dropt" '<=' 1)" "$(t "$spc" '<=' 60)"
