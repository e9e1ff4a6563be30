#!/bin/sh
# Logging: one line per event with its level, --log-level, log.level
# applied by SIGHUP (the flag still wins over the file on reload), and
# syslog priorities when stderr is systemd's journal.
. "$(dirname "$0")/lib.sh"

"$PTINGEST" gen --entities 40 --seed 2 >"$T/in.ndjson"
# start DAEMON-ARGS...: like start_daemon, but "ready" may not be logged
start() {
    "$PTINGESTD" --data-dir "$DATA" --socket "$SOCK" "$@" >>"$LOG" 2>&1 &
    DPID=$!
    for _ in $(seq 1 200); do
        "$PTINGEST" status >/dev/null 2>&1 && return 0
        kill -0 "$DPID" 2>/dev/null || fail "daemon exited during start-up"
        sleep 0.05
    done
    fail "daemon not answering after 10 s"
}
ingest() { "$PTINGEST" ingest "$T/in.ndjson" --no-progress --job "$1" 2>/dev/null || fail "ingest $1"; }
hup_and_wait() { # a line that the reload must log
    kill -HUP "$DPID"
    for _ in $(seq 1 100); do grep -q "$1" "$LOG" && return 0; sleep 0.05; done
    fail "reload did not log $1"
}
conf() { printf 'log:\n  level: %s\nlisten:\n  max_clients: %s\n' "$1" "$2" >"$T/c.yaml"; }

# 1. --log-level warn: no info lines at all; debug: the debug lines too
start --log-level warn
ingest quiet
stop_daemon
! grep -q '^info:' "$LOG" || fail "info lines at --log-level warn: $(grep '^info:' "$LOG" | head -n 3)"
: >"$LOG"
start --log-level debug
ingest chatty
stop_daemon
grep -q '^debug: client [0-9]* connected$' "$LOG" || fail "no debug lines at --log-level debug"
grep -q '^info: job chatty: done' "$LOG" || fail "no info lines at --log-level debug"

# 2. log.level from the file, changed by SIGHUP. A restart-only key changes
#    along, so each reload logs a warning whatever the level.
: >"$LOG"
conf info 256
start --config "$T/c.yaml"
ingest before
grep -q '^info: job before: done' "$LOG" || fail "info not logged at level info"
conf warn 255
hup_and_wait 'max_clients'
ingest during
! grep -q '^info: job during' "$LOG" || fail "reload to warn did not silence info"
conf debug 254
hup_and_wait 'reloaded configuration'
ingest after
grep -q '^info: job after: done' "$LOG" || fail "reload to debug did not bring info back"
grep -q '^debug: client [0-9]* connected$' "$LOG" || fail "reload to debug: no debug lines"
stop_daemon

# 3. --log-level wins over the file, on reload too
: >"$LOG"
conf debug 256
start --config "$T/c.yaml" --log-level error
conf info 250
kill -HUP "$DPID"
sleep 0.5
ingest flag
stop_daemon
! grep -q '^\(info\|debug\|warn\):' "$LOG" || fail "--log-level error overridden: $(head -n 3 "$LOG")"

# 4. one event, one line: a reload refused for several errors is one line
: >"$LOG"
conf info 256
start --config "$T/c.yaml"
printf 'ingest:\n  chunk_max_rows: 0\n  bogus: 1\n' >"$T/c.yaml"
hup_and_wait 'refused'
stop_daemon
grep -q "^error: reload of $T/c.yaml refused, nothing changed: .*:2:.*; .*:3:.*bogus" "$LOG" \
    || fail "refused reload not one line: $(grep -A3 refused "$LOG")"
bad=$(grep -cv '^\(error\|warn\|info\|debug\): ' "$LOG" || true)
[ "$bad" -eq 0 ] || fail "$bad log lines without a level: $(grep -v '^\(error\|warn\|info\|debug\): ' "$LOG" | head -n 3)"

# 5. stderr is the journal (JOURNAL_STREAM names it): syslog priorities
: >"$LOG"
JOURNAL_STREAM=$(stat -c '%d:%i' "$LOG") start --log-level debug
ingest journal
stop_daemon
grep -q '^<6>info: ready$' "$LOG" || fail "no <6> on info lines: $(head -n 3 "$LOG")"
grep -q '^<7>debug: ' "$LOG" || fail "no <7> on debug lines"
[ "$(grep -cv '^<[3467]>' "$LOG")" -eq 0 ] || fail "lines without a priority under the journal"
# ... and not when stderr went elsewhere
: >"$LOG"
JOURNAL_STREAM=1:1 start
stop_daemon
grep -q '^info: ready' "$LOG" || fail "priority prefix for a JOURNAL_STREAM that is not stderr"

# 6. a bad --log-level is refused
rc=0
"$PTINGESTD" --data-dir "$DATA" --socket "$SOCK" --log-level loud >"$T/bad.out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "--log-level loud accepted"
grep -q 'loud' "$T/bad.out" || fail "bad level not named: $(cat "$T/bad.out")"
echo "logging: ok"
