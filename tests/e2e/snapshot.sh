#!/bin/sh
# Every read sees one snapshot (README.md, "Reads"): a scan and an export
# held open across an ingest that overwrites, deletes and adds rows return
# the rows as of their start; reads made while an ingest runs see whole
# chunks only, in order; a read after it sees every acknowledged row.
. "$(dirname "$0")/lib.sh"
cat >"$T/cfg.yaml" <<YAML
ingest:
  chunk_max_rows: 100
  chunk_linger_ms: 60000
YAML
start_daemon --config "$T/cfg.yaml"

# enough CodeGraph rows (~11 MB) that a reader who stops is mid-scan:
# far more than the socket, the pipe and the client's buffers hold
"$PTINGEST" gen --entities 1500 --seed 21 >"$T/base.ndjson"
"$PTINGEST" ingest "$T/base.ndjson" --no-progress 2>/dev/null || fail "base ingest"
"$PTINGEST" export >"$T/before" || fail "export"
grep '^{"rel":"CodeGraph"' "$T/before" >"$T/before.cg"

# the change: overwrite every 10th CodeGraph row, delete every 7th edge,
# add 20000 rows in 200 chunks of 100
awk 'NR % 10 == 1' "$T/before.cg" | sed 's/,"value":.*}$/,"value":{"changed":true}}/' \
    >"$T/mod.ndjson"
grep '^{"rel":"DependencyEdges"' "$T/before" | awk 'NR % 7 == 3' \
    | sed 's/,"value":.*}$/,"op":"del"}/' >>"$T/mod.ndjson"
awk 'BEGIN { for (i = 0; i < 20000; i++)
             printf "{\"rel\":\"IgnoredFiles\",\"key\":\"zz-new-%06d\",\"value\":%d}\n", i, i }' \
    >>"$T/mod.ndjson"
changed=$(grep -c '"changed":true' "$T/mod.ndjson")
pre=$(grep -vc zz-new- "$T/mod.ndjson") # rows of the job before the new ones

# two readers that take one row, then stop reading until the change is in
slow_reader() { # name, ptingest args...
    name=$1
    shift
    ( "$PTINGEST" "$@"; echo $? >"$T/$name.rc" ) | {
        IFS= read -r first
        printf '%s\n' "$first" >"$T/$name.out"
        : >"$T/$name.started"
        while [ ! -e "$T/go" ]; do sleep 0.05; done
        cat >>"$T/$name.out"
    } &
    readers="$readers $!"
}
readers=
slow_reader scan scan CodeGraph
slow_reader export export
for _ in $(seq 1 200); do
    [ -e "$T/scan.started" ] && [ -e "$T/export.started" ] && break
    sleep 0.05
done
[ -e "$T/scan.started" ] && [ -e "$T/export.started" ] || fail "readers did not start"
active=$("$PTINGEST" status --json | grep -o '"reads":{"active":[0-9]*' | grep -o '[0-9]*$')
[ "$active" -eq 2 ] || fail "two reads should be open mid-answer, status says $active"

# the change goes in while both are open; meanwhile more reads see whole
# chunks, in order
"$PTINGEST" ingest "$T/mod.ndjson" --no-progress 2>"$T/mod.err" &
ipid=$!
mid=0
while kill -0 "$ipid" 2>/dev/null; do
    "$PTINGEST" scan IgnoredFiles --prefix zz-new- --keys-only >"$T/mid" || fail "scan mid-ingest"
    n=$(wc -l <"$T/mid")
    [ "$n" -eq 0 ] || [ $(((pre + n) % 100)) -eq 0 ] || [ "$n" -eq 20000 ] \
        || fail "a read saw $n new rows after $pre others: part of a chunk"
    if [ "$n" -gt 0 ]; then
        last=$(tail -n 1 "$T/mid" | grep -o 'zz-new-[0-9]*' | cut -c8-)
        [ "$((1$last - 1000000 + 1))" -eq "$n" ] || fail "a read saw $n rows ending at $last"
    fi
    [ "$n" -gt 0 ] && [ "$n" -lt 20000 ] && mid=$((mid + 1))
done
wait "$ipid" || fail "change ingest: $(cat "$T/mod.err")"
echo "snapshot: $mid reads saw the change in part"

# acknowledged rows are seen by a read that starts after
"$PTINGEST" export >"$T/after" || fail "export after"
[ "$(grep -c '"key":"zz-new-' "$T/after")" -eq 20000 ] || fail "new rows not all seen"
[ "$(grep -c '"changed":true' "$T/after")" -eq "$changed" ] || fail "overwrites not seen"
cmp -s "$T/after" "$T/before" && fail "nothing changed?"

# the held reads: exactly as of their start
: >"$T/go"
for p in $readers; do
    wait "$p"
done
for _ in $(seq 1 100); do # the writer's half of each pipeline
    [ -e "$T/scan.rc" ] && [ -e "$T/export.rc" ] && break
    sleep 0.05
done
[ "$(cat "$T/scan.rc")" = 0 ] || fail "held scan exited $(cat "$T/scan.rc")"
[ "$(cat "$T/export.rc")" = 0 ] || fail "held export exited $(cat "$T/export.rc")"
cmp -s "$T/scan.out" "$T/before.cg" || fail "held scan differs from the state at its start"
cmp -s "$T/export.out" "$T/before" || fail "held export differs from the state at its start"

stop_daemon
echo "snapshot: ok ($changed overwrites, 20000 new rows in 200 chunks)"
