#!/bin/sh
# Bulk load (ingest --bulk): rows staged, sorted (spilling sorted runs),
# written as SST files and ingested at once. Round trip, duplicates and
# deletes, all-or-nothing visibility, kill -9 resume while receiving,
# after JOB_END and (its files slowed) while ingesting, and the cleanup of
# abandoned staging.
. "$(dirname "$0")/lib.sh"

# a sort buffer of 64 KiB: every job here spills sorted runs
cat >"$T/cfg.yaml" <<'YAML'
bulk:
  auto_min_bytes: 1000000
  sort_buffer_bytes: 65536
  staging_retention_ms: 86400000
YAML
start_daemon --config "$T/cfg.yaml"

# prefixed P < in > out: every key starts with P (jobs below do not mix)
prefixed() { sed "s/\"key\":\"/\"key\":\"$1/"; }
# rows of export whose key starts with P
exported() { "$PTINGEST" export | grep -F "\"key\":\"$1" || true; }
staging() { find "$DATA" -type d -name ptingestd-bulk; }
bulk_phase() { # the bulk phase of job ID, from status (empty once done)
    "$PTINGEST" status --json | grep -o "\"id\":\"$1\"[^{]*\"bulk\":{\"phase\":\"[a-z-]*" |
        sed 's/.*"phase":"//'
}
job_rows() { # rows acknowledged of job ID, from status
    "$PTINGEST" status --json | grep -o "\"id\":\"$1\",\"state\":\"[a-z]*\",\"rows\":[0-9]*" \
        | head -n 1 | sed 's/.*"rows"://'
}

# 1. round trip through sorted runs: export == input
"$PTINGEST" gen --entities 300 --seed 31 | prefixed rt- >"$T/rt.ndjson"
"$PTINGEST" ingest "$T/rt.ndjson" --bulk --job rt --no-progress 2>"$T/rt.err" \
    || { cat "$T/rt.err"; fail "bulk ingest"; }
grep -q "job rt is loaded in bulk" "$T/rt.err" || fail "client did not report bulk mode"
exported rt- >"$T/rt.out"
same_sorted "$T/rt.ndjson" "$T/rt.out" || fail "bulk round trip differs from the input"
grep -q "job rt: bulk load of .* [1-9][0-9]* sorted runs spilled" "$LOG" \
    || fail "no sorted run was spilled with a 64 KiB sort buffer"
[ -z "$(ls "$(staging)" 2>/dev/null)" ] || fail "staging left behind after a done job"
# the same job again is a no-op
"$PTINGEST" ingest "$T/rt.ndjson" --bulk --job rt --no-progress 2>"$T/rt2.err" \
    || fail "re-run of a done bulk job"
grep -q "already done" "$T/rt2.err" || fail "re-run of a done bulk job not reported as done"

# 2. duplicates (the last row of a key wins) and deletes, also of a row
# stored before the job
old=$(grep -m 1 '"rel":"IgnoredFiles"' "$T/rt.ndjson" | sed 's/.*"key":"\([^"]*\)".*/\1/')
"$PTINGEST" get IgnoredFiles "$old" >/dev/null || fail "row before the job missing"
cat >"$T/dup.ndjson" <<NDJSON
{"rel":"IgnoredFiles","key":"dup/a","value":1}
{"rel":"IgnoredFiles","key":"dup/b","value":1}
{"rel":"IgnoredFiles","key":"dup/a","value":2}
{"rel":"IgnoredFiles","key":"dup/c","value":1}
{"rel":"IgnoredFiles","key":"dup/c","op":"del"}
{"rel":"IgnoredFiles","key":"dup/b","op":"del"}
{"rel":"CodeGraph","key":"dup/a","value":{"x":[1,2]}}
{"rel":"IgnoredFiles","key":"dup/b","value":3}
{"rel":"IgnoredFiles","key":"$old","op":"del"}
NDJSON
"$PTINGEST" ingest "$T/dup.ndjson" --bulk --no-progress 2>/dev/null || fail "bulk dup ingest"
[ "$("$PTINGEST" get IgnoredFiles dup/a)" = 2 ] || fail "dup/a: the last put must win"
[ "$("$PTINGEST" get IgnoredFiles dup/b)" = 3 ] || fail "dup/b: a put after a delete must win"
[ "$("$PTINGEST" get CodeGraph dup/a)" = '{"x":[1,2]}' ] || fail "dup/a of CodeGraph"
if "$PTINGEST" get IgnoredFiles dup/c >/dev/null; then fail "dup/c was deleted last"; fi
if "$PTINGEST" get IgnoredFiles "$old" >/dev/null; then fail "a bulk delete of an older row"; fi
# a memtable write after the bulk job wins over it
echo '{"rel":"IgnoredFiles","key":"dup/a","value":9}' | "$PTINGEST" ingest - --no-progress \
    2>/dev/null || fail "memtable ingest after bulk"
[ "$("$PTINGEST" get IgnoredFiles dup/a)" = 9 ] || fail "a later memtable write must win"

# 3. a reader never sees part of a bulk job: the rows are acknowledged
# (staged) long before they are visible, then all appear at once
"$PTINGEST" gen --entities 200 --seed 33 | prefixed vis- >"$T/vis.ndjson"
n=$(wc -l <"$T/vis.ndjson")
base=$("$PTINGEST" count)
(head -n 500 "$T/vis.ndjson"; sleep 3; tail -n +501 "$T/vis.ndjson") |
    "$PTINGEST" ingest - --bulk --job vis --no-progress 2>"$T/vis.err" &
cpid=$!
seen_acked=0
: >"$T/counts"
while kill -0 "$cpid" 2>/dev/null; do
    c=$("$PTINGEST" count)
    echo "$c" >>"$T/counts"
    r=$(job_rows vis)
    if [ -n "$r" ] && [ "$r" -gt 0 ] && [ "$c" -eq "$base" ]; then seen_acked=1; fi
    sleep 0.05
done
wait "$cpid" || { cat "$T/vis.err"; fail "bulk ingest for visibility"; }
echo "$("$PTINGEST" count)" >>"$T/counts"
bad=$(grep -v -x -e "$base" -e "$((base + n))" "$T/counts" | head -n 1)
[ -z "$bad" ] || fail "a reader saw $bad rows: neither $base (before) nor $((base + n)) (after)"
[ "$seen_acked" = 1 ] || fail "acknowledged (staged) rows never seen invisible"
[ "$(tail -n 1 "$T/counts")" -eq $((base + n)) ] || fail "count after the bulk job"

# 4. kill -9 while receiving: the job resumes from its staged offset, and
# the result is the input exactly
"$PTINGEST" gen --entities 300 --seed 34 | prefixed k1- >"$T/k1.ndjson"
(head -n 800 "$T/k1.ndjson"; sleep 15) 2>/dev/null |
    "$PTINGEST" ingest - --bulk --job k1 --no-progress 2>/dev/null &
cpid=$!
for _ in $(seq 1 100); do
    r=$(job_rows k1)
    [ -n "$r" ] && [ "$r" -gt 0 ] && break
    sleep 0.1
done
[ -n "$r" ] && [ "$r" -gt 0 ] || fail "no row of job k1 acknowledged"
stop_daemon KILL
wait "$cpid" 2>/dev/null || true
[ -n "$(ls "$(staging)")" ] || fail "no staging after kill -9"
start_daemon --config "$T/cfg.yaml"
# resuming in the other mode is refused, naming the job
rc=0
"$PTINGEST" ingest "$T/k1.ndjson" --no-bulk --job k1 --no-progress 2>"$T/k1m.err" || rc=$?
[ "$rc" -eq 4 ] && grep -q "job k1 was begun in bulk mode" "$T/k1m.err" \
    || fail "memtable resume of a bulk job not refused (exit $rc: $(cat "$T/k1m.err"))"
"$PTINGEST" ingest "$T/k1.ndjson" --bulk --job k1 --no-progress 2>"$T/k1.err" \
    || { cat "$T/k1.err"; fail "resume of k1"; }
grep -q "resuming job k1 after its [1-9][0-9]* durable rows" "$T/k1.err" \
    || fail "k1 did not resume from its staged rows: $(cat "$T/k1.err")"
exported k1- >"$T/k1.out"
same_sorted "$T/k1.ndjson" "$T/k1.out" || fail "resumed bulk job differs from its input"

# 5. kill -9 after JOB_END, while the daemon sorts, writes SST files or
# ingests: a resumed job (nothing left to send) finishes from the stage
# file, with the same result.
phases=
for i in 1 2 3 4 5 6; do
    "$PTINGEST" gen --entities 1500 --seed $((40 + i)) | prefixed "k5$i-" >"$T/k5.ndjson"
    "$PTINGEST" ingest "$T/k5.ndjson" --bulk --job "k5$i" --no-progress 2>/dev/null &
    cpid=$!
    # wait until the input is all in (a phase after receiving), then wait
    # a little longer each trial
    p=receiving
    for _ in $(seq 1 400); do
        p=$(bulk_phase "k5$i")
        [ -n "$p" ] && [ "$p" != receiving ] && break
        kill -0 "$cpid" 2>/dev/null || break
        sleep 0.01
    done
    sleep "0.0$((i - 1))"
    seen=$(bulk_phase "k5$i")
    stop_daemon KILL
    wait "$cpid" 2>/dev/null || true
    phases="$phases ${seen:-done}"
    start_daemon --config "$T/cfg.yaml"
    "$PTINGEST" ingest "$T/k5.ndjson" --bulk --job "k5$i" --no-progress 2>"$T/k5.err" \
        || { cat "$T/k5.err"; fail "resume of k5$i (killed in ${seen:-done})"; }
    exported "k5$i-" >"$T/k5.out"
    same_sorted "$T/k5.ndjson" "$T/k5.out" \
        || fail "job k5$i killed in phase ${seen:-done} differs from its input after resume"
done
echo "kill -9 after JOB_END, phases seen at the kill:$phases"
case "$phases" in
*sorting* | *writing-ssts* | *ingesting*) ;;
*) fail "no kill landed while sorting, writing SSTs or ingesting ($phases)" ;;
esac

# 5b. kill -9 while the job ingests. The ingest takes a few milliseconds,
# too short to hit by timing (5. rarely does), so every new file in the
# data dir is held 1.5 s at create and at close (bench's LD_PRELOAD shim,
# the file-latency harness's): the ingest flushes the meta column
# family's memtable, which holds the job's progress records, and that
# flush's new files make the phase last seconds. Killed there, the job is
# in the database whole or not at all, and its resume equals the input.
[ -f "$FILELAT_SHIM" ] || fail "no file-latency shim at $FILELAT_SHIM"
"$PTINGEST" gen --entities 300 --seed 47 | prefixed k6- >"$T/k6.ndjson"
stop_daemon
# (an ASan daemon: the shim comes before its runtime in the library list;
# the files an open makes wait too: about 10 s of start-up under ASan)
DAEMON_ENV="env LD_PRELOAD=$FILELAT_SHIM FILELAT_DIR=$DATA FILELAT_MS=1500
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
DAEMON_READY_S=20
start_daemon --config "$T/cfg.yaml"
DAEMON_ENV= DAEMON_READY_S=
# 5c. meanwhile other jobs go on: a bulk job's end sorts and writes its
# SST files on a thread of its own (here each file held 1.5 s at create
# and at close), not in the writer thread, so a memtable job's chunks are
# written and acknowledged while it runs
"$PTINGEST" gen --entities 300 --seed 48 | prefixed k7- >"$T/k7.ndjson"
"$PTINGEST" ingest "$T/k7.ndjson" --bulk --job k7 --no-progress 2>/dev/null &
cpid=$!
seen=
for _ in $(seq 1 1200); do
    seen=$(bulk_phase k7)
    case "$seen" in sorting | writing-ssts) break ;; esac
    kill -0 "$cpid" 2>/dev/null || break
    sleep 0.02
done
case "$seen" in
sorting | writing-ssts) ;;
*) fail "k7 not seen sorting or writing its SST files (${seen:-done})" ;;
esac
echo '{"rel":"IgnoredFiles","key":"side/1","value":1}' |
    "$PTINGEST" ingest - --job side --no-progress 2>/dev/null || fail "a job beside a bulk job's end"
after=$(bulk_phase k7)
case "$after" in
sorting | writing-ssts) ;;
*) fail "the memtable job waited for the bulk job's end (k7 now: ${after:-done})" ;;
esac
wait "$cpid" || fail "bulk job k7 beside a memtable job"
[ "$("$PTINGEST" get IgnoredFiles side/1)" = 1 ] || fail "the memtable job's row"
exported k7- >"$T/k7.out"
same_sorted "$T/k7.ndjson" "$T/k7.out" || fail "bulk job k7 differs from its input"

"$PTINGEST" ingest "$T/k6.ndjson" --bulk --job k6 --no-progress 2>/dev/null &
cpid=$!
seen=
for _ in $(seq 1 1200); do
    seen=$(bulk_phase k6)
    [ "$seen" = ingesting ] && break
    kill -0 "$cpid" 2>/dev/null || break
    sleep 0.02
done
stop_daemon KILL
wait "$cpid" 2>/dev/null || true
[ "$seen" = ingesting ] || fail "the kill did not land while ingesting (phase: ${seen:-done})"
start_daemon --config "$T/cfg.yaml"
"$PTINGEST" ingest "$T/k6.ndjson" --bulk --job k6 --no-progress 2>"$T/k6.err" \
    || { cat "$T/k6.err"; fail "resume of k6 (killed while ingesting)"; }
exported k6- >"$T/k6.out"
same_sorted "$T/k6.ndjson" "$T/k6.out" || fail "job k6 killed while ingesting differs from its input"
echo "kill -9 while ingesting: resumed, export == input"

# 6. abandoned staging is removed after bulk.staging_retention_ms, and a
# resume of that job then says why it cannot
(head -n 500 "$T/k1.ndjson" | prefixed ab-; sleep 15) 2>/dev/null |
    "$PTINGEST" ingest - --bulk --job ab --no-progress 2>/dev/null &
cpid=$!
for _ in $(seq 1 100); do
    r=$(job_rows ab)
    [ -n "$r" ] && [ "$r" -gt 0 ] && break
    sleep 0.1
done
stop_daemon KILL
wait "$cpid" 2>/dev/null || true
[ -n "$(ls "$(staging)")" ] || fail "no staging of the abandoned job"
sed -i 's/staging_retention_ms: .*/staging_retention_ms: 1000/' "$T/cfg.yaml"
start_daemon --config "$T/cfg.yaml"
for _ in $(seq 1 100); do
    [ -z "$(ls "$(staging)")" ] && break
    sleep 0.1
done
[ -z "$(ls "$(staging)")" ] || fail "abandoned staging not removed"
grep -q "untouched for .* (bulk.staging_retention_ms): removed" "$LOG" \
    || fail "removal of abandoned staging not logged"
rc=0
head -n 500 "$T/k1.ndjson" | prefixed ab- |
    "$PTINGEST" ingest - --bulk --job ab --no-progress 2>"$T/ab.err" || rc=$?
[ "$rc" -ne 0 ] && grep -q "staged rows are missing" "$T/ab.err" \
    || fail "resume without staging: exit $rc, $(cat "$T/ab.err")"

# 7. the automatic choice: a file of at least bulk.auto_min_bytes (1 MB
# here) goes to bulk mode by itself; a job begun on the memtable path
# (a pipe: size unknown) resumes there even from such a file
"$PTINGEST" gen --entities 300 --seed 35 | prefixed au- >"$T/au.ndjson"
[ "$(wc -c <"$T/au.ndjson")" -gt 1000000 ] || fail "test input below 1 MB"
"$PTINGEST" ingest "$T/au.ndjson" --job au --no-progress 2>"$T/au.err" || fail "auto ingest"
grep -q "job au is loaded in bulk" "$T/au.err" || fail "a 2 MB file did not go to bulk mode"
exported au- >"$T/au.out"
same_sorted "$T/au.ndjson" "$T/au.out" || fail "auto bulk job differs from its input"
"$PTINGEST" gen --entities 300 --seed 36 | prefixed mt- >"$T/mt.ndjson"
(head -n 800 "$T/mt.ndjson"; sleep 15) 2>/dev/null |
    "$PTINGEST" ingest - --job mt --no-progress 2>/dev/null &
cpid=$!
for _ in $(seq 1 100); do
    r=$(job_rows mt)
    [ -n "$r" ] && [ "$r" -gt 0 ] && break
    sleep 0.1
done
kill "$cpid"
wait "$cpid" 2>/dev/null || true
"$PTINGEST" ingest "$T/mt.ndjson" --job mt --no-progress 2>"$T/mt.err" \
    || fail "memtable job resumed from a large file: $(cat "$T/mt.err")"
if grep -q "loaded in bulk" "$T/mt.err"; then fail "memtable job resumed in bulk mode"; fi
exported mt- >"$T/mt.out"
same_sorted "$T/mt.ndjson" "$T/mt.out" || fail "resumed memtable job differs from its input"
stop_daemon
echo "bulk_load: ok"
