#!/bin/sh
# crash.sh - kill -9 trials: a row acknowledged is never lost, and an
# interrupted job resumed with the same --job ends exactly as one
# uninterrupted run (no missing, duplicate or stale row).
#
#   crash.sh [TRIALS] [SEED]     TRIALS per victim (daemon, client); default 3
#
# Each trial: fresh data dir, start the daemon, ingest a generated data set
# with --job, SIGKILL the daemon (or the client) at a random moment,
# restart, check every acknowledged row is there, resume the job, and check
# sort(export) == sort(input). RocksDB must open without repair.
#
# Bulk trials: the same with --bulk. Acknowledged rows are staged, not
# yet visible: after the kill the store holds none of the job or all of
# it, and the job resumes (in bulk mode) to the exact input.
#
# Database trials: the same ingest into a named database while create,
# drop, checkpoint and restore run beside it; after the kill every one of
# them either happened whole or not at all (a database is absent or holds
# exactly its rows; a checkpoint is absent or restores to its rows), and
# the job resumes exactly.
. "$(dirname "$0")/../e2e/lib.sh"
trials=${1:-3}
seed=${2:-$(date +%s)}
echo "crash trials: $trials per victim, seed $seed (rerun: $0 $trials $seed)"

cat >"$T/cfg.yaml" <<YAML
ingest:
  chunk_max_bytes: 131072
  sync: chunk
YAML
"$PTINGEST" gen --entities 1500 --seed 17 >"$T/in.ndjson"
total=$(wc -l <"$T/in.ndjson")
sort "$T/in.ndjson" >"$T/in.sorted"

# random delay in ms from a seeded sequence
delay_ms() { awk -v s="$1" 'BEGIN { srand(s); printf "%d", 20 + rand() * 400 }'; }

durable_rows() { # client stderr -> rows it saw acknowledged
    n=$(sed -n 's/^ptingest: \([0-9][0-9]*\) rows of job .* are durable.*/\1/p' "$1" | tail -n 1)
    if [ -z "$n" ] && grep -q "^ingested $total rows" "$1"; then n=$total; fi
    echo "${n:-0}"
}

check_prefix() { # acked rows present
    head -n "$1" "$T/in.ndjson" | sort >"$T/acked"
    "$PTINGEST" export | sort >"$T/have"
    missing=$(comm -23 "$T/acked" "$T/have" | wc -l)
    [ "$missing" -eq 0 ] || fail "trial $2: $missing acknowledged rows missing after the kill"
    stale=$(comm -13 "$T/in.sorted" "$T/have" | wc -l)
    [ "$stale" -eq 0 ] || fail "trial $2: $stale rows in the store that are not in the input"
}

resume_and_compare() { # NAME [--bulk]
    "$PTINGEST" ingest "$T/in.ndjson" --job crash --no-progress ${2:-} 2>"$T/resume.err" \
        || fail "trial $1: resume failed: $(cat "$T/resume.err")"
    "$PTINGEST" export >"$T/out.ndjson"
    sort "$T/out.ndjson" | cmp -s - "$T/in.sorted" \
        || fail "trial $1: after resume sort(export) != sort(input) ($(wc -l <"$T/out.ndjson") of $total rows)"
    "$PTINGEST" ingest "$T/in.ndjson" --job crash --no-progress ${2:-} 2>"$T/again.err" \
        || fail "trial $1: re-run of a finished job failed"
    grep -q "is already done" "$T/again.err" || fail "trial $1: finished job re-run did not say so"
}

i=0 k=0
while [ "$i" -lt "$trials" ]; do
    i=$((i + 1))
    for victim in daemon client; do
        name="$victim-$i"
        k=$((k + 1))
        rm -rf "$DATA"
        start_daemon --config "$T/cfg.yaml"
        "$PTINGEST" ingest "$T/in.ndjson" --job crash --no-progress 2>"$T/client.err" &
        cpid=$!
        ms=$(delay_ms "$((seed + k))")
        sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
        if [ "$victim" = daemon ]; then
            stop_daemon KILL
            wait "$cpid" || true
            acked=$(durable_rows "$T/client.err")
            start_daemon --config "$T/cfg.yaml"
            grep -qi "repair" "$LOG" && fail "$name: RocksDB needed a repair"
        else
            kill -KILL "$cpid" 2>/dev/null || true
            wait "$cpid" || true
            acked=0 # the client died before it could say; check what the job record says
        fi
        check_prefix "$acked" "$name"
        committed=$("$PTINGEST" status --json | grep -o '"id":"crash","state":"[a-z]*","rows":[0-9]*' \
            | tail -n 1 | sed 's/.*"rows"://')
        resume_and_compare "$name"
        echo "$name: killed after ${ms} ms; $acked rows acknowledged, ${committed:-0} committed; resumed to $total: ok"
        stop_daemon
    done
done
# --- bulk trials -------------------------------------------------------------
j=0
while [ "$j" -lt "$trials" ]; do
    j=$((j + 1))
    k=$((k + 1))
    name="bulk-$j"
    rm -rf "$DATA"
    start_daemon --config "$T/cfg.yaml"
    "$PTINGEST" ingest "$T/in.ndjson" --job crash --bulk --no-progress 2>"$T/client.err" &
    cpid=$!
    ms=$(( $(delay_ms "$((seed + k))") / 4 )) # a bulk job is over sooner: 5-105 ms
    sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    stop_daemon KILL
    wait "$cpid" || true
    acked=$(durable_rows "$T/client.err")
    start_daemon --config "$T/cfg.yaml"
    grep -qi "repair" "$LOG" && fail "$name: RocksDB needed a repair"
    n=$("$PTINGEST" count)
    [ "$n" -eq 0 ] || [ "$n" -eq "$total" ] || fail "$name: $n rows visible: part of a bulk job"
    [ "$n" -eq 0 ] || same_sorted "$T/in.ndjson" "$("$PTINGEST" export >"$T/b.out"; echo "$T/b.out")" \
        || fail "$name: the whole job is visible but not exactly the input"
    resume_and_compare "$name" --bulk
    echo "$name: killed after ${ms} ms; $acked rows staged and acknowledged, $n visible;" \
        "resumed in bulk to $total: ok"
    stop_daemon
done

# --- database trials ---------------------------------------------------------
"$PTINGEST" gen --entities 150 --seed 5 >"$T/small.ndjson"
small=$(wc -l <"$T/small.ndjson")

# whole_or_absent DB NAME: absent, or exactly small.ndjson
whole_or_absent() {
    if "$PTINGEST" --db "$1" export >"$T/w.ndjson" 2>"$T/w.err"; then
        same_sorted "$T/small.ndjson" "$T/w.ndjson" \
            || fail "$2: database $1 is partial ($(wc -l <"$T/w.ndjson") of $small rows)"
        echo whole
    else
        grep -q "no database $1" "$T/w.err" || fail "$2: $1: $(cat "$T/w.err")"
        echo absent
    fi
}

j=0
while [ "$j" -lt "$trials" ]; do
    j=$((j + 1))
    k=$((k + 1))
    name="databases-$j"
    rm -rf "$DATA" "$T/cp" "$T/cp.tmp" "$T/cpsrc" "$T/cpcheck"
    start_daemon --config "$T/cfg.yaml"
    "$PTINGEST" --db dropme ingest "$T/small.ndjson" --no-progress 2>/dev/null || fail "$name: dropme"
    "$PTINGEST" --db src ingest "$T/small.ndjson" --no-progress 2>/dev/null || fail "$name: src"
    "$PTINGEST" db checkpoint src "$T/cpsrc" >/dev/null || fail "$name: checkpoint src"
    PTINGEST_DB=crashdb "$PTINGEST" ingest "$T/in.ndjson" --job crash --no-progress \
        2>"$T/client.err" &
    cpid=$!
    { "$PTINGEST" db create made; "$PTINGEST" db drop dropme
      "$PTINGEST" db checkpoint src "$T/cp"; "$PTINGEST" db restore restored "$T/cpsrc"
    } >/dev/null 2>&1 &
    opid=$!
    ms=$(delay_ms "$((seed + k))")
    sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    stop_daemon KILL
    wait "$cpid" || true
    wait "$opid" || true
    acked=$(durable_rows "$T/client.err")
    start_daemon --config "$T/cfg.yaml"
    grep -qi "repair" "$LOG" && fail "$name: RocksDB needed a repair"
    PTINGEST_DB=crashdb check_prefix "$acked" "$name"
    dropme=$(whole_or_absent dropme "$name")
    restored=$(whole_or_absent restored "$name")
    [ "$(whole_or_absent src "$name")" = whole ] || fail "$name: src lost"
    if "$PTINGEST" --db made count >"$T/made" 2>/dev/null; then
        [ "$(cat "$T/made")" -eq 0 ] || fail "$name: made holds rows"
        made=whole
    else
        made=absent
    fi
    cp=absent
    if [ -e "$T/cp" ]; then # a checkpoint that exists is whole
        "$PTINGEST" db restore cpcheck "$T/cp" >/dev/null || fail "$name: checkpoint does not restore"
        [ "$(whole_or_absent cpcheck "$name")" = whole ] || fail "$name: checkpoint lost rows"
        cp=whole
    fi
    PTINGEST_DB=crashdb resume_and_compare "$name"
    # leftovers of an interrupted drop or restore are removed in the background
    for t in $(seq 1 50); do
        ls -a "$DATA/databases" | grep -q '^\.\(dropped\|restore\)-' || break
        sleep 0.1
    done
    ls -a "$DATA/databases" | grep -q '^\.\(dropped\|restore\)-' \
        && fail "$name: leftovers remain: $(ls -a "$DATA/databases")"
    echo "$name: killed after ${ms} ms; $acked rows acknowledged; create $made, drop:" \
        "dropme $dropme, restore $restored, checkpoint $cp; resumed to $total: ok"
    stop_daemon
done
echo "crash: $((trials * 4)) trials, 0 failures"
