#!/bin/sh
# Named databases end to end: isolation, create/list/drop/checkpoint/
# restore, the round trip ingest -> checkpoint -> drop -> restore -> export,
# bad names (exit 2, nothing created), a drop racing an ingest (refused),
# the same job id in two databases, idle close and reopen, restart.
. "$(dirname "$0")/lib.sh"
cat >"$T/cfg.yaml" <<YAML
databases:
  idle_close_ms: 300
YAML
start_daemon --config "$T/cfg.yaml"
"$PTINGEST" gen --entities 300 --seed 1 >"$T/a.ndjson"
"$PTINGEST" gen --entities 200 --seed 2 >"$T/b.ndjson"

# 1. two databases and the default one, each with its own rows
"$PTINGEST" --db alpha ingest "$T/a.ndjson" --job same --no-progress 2>/dev/null \
    || fail "ingest into alpha"
PTINGEST_DB=Beta "$PTINGEST" ingest "$T/b.ndjson" --job same --no-progress 2>"$T/beta.err" \
    || fail "ingest into Beta (PTINGEST_DB): $(cat "$T/beta.err")"
grep -q "already done" "$T/beta.err" && fail "job id 'same' leaked across databases"
# nothing in default yet: its size is not the others' (they live inside it)
def_bytes=$("$PTINGEST" db list --json | sed 's/.*"name":"default","state":"[a-z]*","rows":[0-9]*,"bytes_on_disk":\([0-9]*\).*/\1/')
[ "$def_bytes" -lt 1000000 ] || fail "default counts the other databases' bytes: $def_bytes"
"$PTINGEST" ingest "$T/b.ndjson" --no-progress 2>/dev/null || fail "ingest into default"
[ "$("$PTINGEST" --db alpha count)" -eq "$(wc -l <"$T/a.ndjson")" ] || fail "alpha count"
[ "$("$PTINGEST" --db Beta count)" -eq "$(wc -l <"$T/b.ndjson")" ] || fail "Beta count"
[ "$("$PTINGEST" count)" -eq "$(wc -l <"$T/b.ndjson")" ] || fail "default count"
"$PTINGEST" --db beta count >/dev/null 2>"$T/case.err" && fail "beta (lower case) found"
grep -q "no database beta" "$T/case.err" || fail "case: $(cat "$T/case.err")"
"$PTINGEST" --db alpha export >"$T/a.out"
same_sorted "$T/a.ndjson" "$T/a.out" || fail "alpha export != its input"
"$PTINGEST" db list >"$T/list.txt"
for n in default alpha Beta; do
    grep -q "^$n " "$T/list.txt" || fail "db list lacks $n: $(cat "$T/list.txt")"
done
"$PTINGEST" db list --json | grep -Eq '"name":"alpha","state":"(open|closing|closed)","rows":1278,"bytes_on_disk":[1-9]' \
    || fail "db list --json: $("$PTINGEST" db list --json)"
"$PTINGEST" --db alpha status --json | grep -q '"database":"alpha"' || fail "status names the db"
"$PTINGEST" metrics | grep -q '^ptingestd_database_open{db="Beta"} [01]$' || fail "metrics db label"

# 2. bad names: exit 2, nothing created
for bad in "" "." ".." "a/b" "x y" "$(printf 'a%.0s' $(seq 1 65))"; do
    rc=0
    "$PTINGEST" --db "$bad" count >/dev/null 2>"$T/bad.err" || rc=$?
    [ "$rc" -eq 2 ] || fail "--db '$bad': exit $rc, want 2"
    grep -q "bad database name" "$T/bad.err" || fail "no rule for '$bad': $(cat "$T/bad.err")"
    rc=0
    "$PTINGEST" db create "$bad" >/dev/null 2>&1 || rc=$?
    [ "$rc" -eq 2 ] || fail "db create '$bad': exit $rc, want 2"
done
[ "$(ls "$DATA/databases" | wc -l)" -eq 2 ] || fail "bad names made directories: $(ls "$DATA/databases")"
# names Windows reserves, and case twins, are fine: their directories differ
"$PTINGEST" db create CON >/dev/null || fail "db create CON"
"$PTINGEST" db create con >/dev/null || fail "db create con"
[ "$(ls "$DATA/databases" | wc -l)" -eq 4 ] || fail "CON and con share a directory"
"$PTINGEST" db create con | grep -q "exists\|already" || fail "second create says nothing"

# 3. checkpoint while an ingest runs, drop, restore, export == input
"$PTINGEST" gen --entities 2000 --seed 3 >"$T/c.ndjson"
# an ingest that pauses half-way: it holds gamma all along
{ head -n 500 "$T/c.ndjson"; sleep 2; tail -n +501 "$T/c.ndjson"; } |
    "$PTINGEST" --db gamma ingest - --job g --no-progress 2>"$T/g.err" &
ING=$!
for i in $(seq 1 100); do
    "$PTINGEST" --db gamma status --json 2>/dev/null | grep -q '"id":"g","state":"running"' && break
    sleep 0.05
done
"$PTINGEST" db checkpoint alpha "$T/cp-alpha" >"$T/cp.out" || fail "checkpoint alpha"
grep -q "hard-linked" "$T/cp.out" || fail "checkpoint output: $(cat "$T/cp.out")"
"$PTINGEST" db checkpoint gamma "$T/cp-gamma" >/dev/null || fail "checkpoint during an ingest"
rc=0
"$PTINGEST" db drop gamma 2>"$T/race.err" || rc=$?
[ "$rc" -eq 4 ] || fail "drop during an ingest: exit $rc, want 4"
grep -q "job(s) write into it" "$T/race.err" || fail "race: $(cat "$T/race.err")"
wait "$ING" || fail "the ingest racing a drop failed: $(cat "$T/g.err")"
[ "$("$PTINGEST" --db gamma count)" -eq "$(wc -l <"$T/c.ndjson")" ] || fail "gamma lost rows"
"$PTINGEST" db drop gamma >/dev/null || fail "drop gamma once its job ended"
rc=0
"$PTINGEST" db checkpoint alpha "$T/cp-alpha" 2>"$T/cp2.err" || rc=$?
[ "$rc" -eq 4 ] && grep -q "exists" "$T/cp2.err" || fail "checkpoint into an existing dir: $rc"
"$PTINGEST" db drop alpha | grep -q "dropped alpha" || fail "drop alpha"
rc=0
"$PTINGEST" --db alpha count >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 4 ] || fail "alpha still answers after the drop (exit $rc)"
"$PTINGEST" db restore alpha "$T/cp-alpha" | grep -q "restored alpha" || fail "restore alpha"
rc=0
"$PTINGEST" db restore alpha "$T/cp-alpha" 2>"$T/re2.err" || rc=$?
[ "$rc" -eq 4 ] && grep -q "exists" "$T/re2.err" || fail "restore onto a name: $rc"
"$PTINGEST" --db alpha export >"$T/a2.out"
same_sorted "$T/a.ndjson" "$T/a2.out" || fail "round trip: export != input"
rc=0
"$PTINGEST" db drop default 2>/dev/null || rc=$?
[ "$rc" -eq 4 ] || fail "dropping default: exit $rc"
ls "$DATA/databases" | grep -q '^\.dropped' && sleep 1
ls -a "$DATA/databases" | grep -q '^\.dropped' && fail "dropped files still there"

# 4. idle databases close, and reopen on demand
# (idle_close_ms is 300; a close takes its time, more under sanitizers)
i=0
until "$PTINGEST" db list --json | grep -q '"name":"Beta","state":"closed"'; do
    i=$((i + 1))
    [ $i -lt 50 ] || fail "Beta not closed when idle: $("$PTINGEST" db list --json)"
    sleep 0.1
done
[ "$("$PTINGEST" --db Beta count)" -eq "$(wc -l <"$T/b.ndjson")" ] || fail "Beta after reopen"
grep -q "database Beta: idle for" "$LOG" || fail "no idle close logged"

# 5. a restart keeps them all
stop_daemon
start_daemon --config "$T/cfg.yaml"
"$PTINGEST" db list >"$T/list2.txt" || fail "db list after a restart"
grep -q "^Beta  *- .* closed$" "$T/list2.txt" || fail "closed since start: $(cat "$T/list2.txt")"
[ "$("$PTINGEST" --db Beta count)" -eq "$(wc -l <"$T/b.ndjson")" ] || fail "Beta after restart"
"$PTINGEST" --db alpha export >"$T/a3.out"
same_sorted "$T/a.ndjson" "$T/a3.out" || fail "alpha after restart"
"$PTINGEST" --db Beta ingest "$T/b.ndjson" --job same --no-progress 2>"$T/again.err" \
    || fail "re-run of a done job"
grep -q "already done" "$T/again.err" || fail "job record of Beta lost: $(cat "$T/again.err")"
stop_daemon
echo "databases: ok"
