#!/bin/sh
# The systemd notify protocol without systemd: NOTIFY_SOCKET points at a
# datagram socket of ours (notify_listen) and the daemon must say READY=1,
# STATUS= lines with the job and its rate, WATCHDOG=1 at half of
# WATCHDOG_USEC, RELOADING=1 then READY=1 around SIGHUP, STOPPING=1.
. "$(dirname "$0")/lib.sh"
: "${NOTIFY_LISTEN:?set by meson}"

N="$T/notify.out"
"$NOTIFY_LISTEN" "$T/notify.sock" 60 >"$N" &
LPID=$!
trap 'kill "$LPID" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 100); do [ -S "$T/notify.sock" ] && break; sleep 0.02; done
printf 'log:\n  level: info\n' >"$T/c.yaml"

# first line number of a message at or after line $2 (0 if none)
line_of() {
    awk -v pat="$1" -v from="${2:-1}" \
        '{ sub(/^[0-9]+ /, "") } NR >= from && $0 ~ pat { print NR; exit }' "$N" |
        grep . || echo 0
}
wait_for() { # pattern [from-line]
    for _ in $(seq 1 200); do
        [ "$(line_of "$1" "${2:-1}")" -gt 0 ] && return 0
        sleep 0.05
    done
    fail "no $1 from the daemon; got: $(cat "$N")"
}

# A watchdog much shorter than the unit's 60 s keeps the test short; it must
# still outlast a slow RocksDB call such as SetOptions (hundreds of ms).
NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=1000000 start_daemon --config "$T/c.yaml"
wait_for '^READY=1$'
wait_for '^WATCHDOG=1$'
grep -q "watchdog: pinging systemd every 500 ms" "$LOG" || fail "watchdog interval not logged"

# A job that pauses mid-stream is "ingesting" for a while.
"$PTINGEST" gen --entities 400 --seed 3 >"$T/in.ndjson"
{ head -n 300 "$T/in.ndjson"; sleep 2.5; tail -n +301 "$T/in.ndjson"; } |
    "$PTINGEST" ingest - --no-progress --job notifyjob 2>"$T/ingest.err" ||
    fail "ingest: $(cat "$T/ingest.err")"
wait_for '^STATUS=ingesting job notifyjob: 300 rows, [0-9]+ rows/s$'
wait_for '^STATUS=idle$' "$(line_of '^STATUS=ingesting')"

kill -HUP "$DPID"
wait_for '^RELOADING=1$'
reloading=$(line_of '^RELOADING=1$')
wait_for '^READY=1$' "$reloading"
stop_daemon
sleep 0.3 # the last datagram is in flight
kill "$LPID" 2>/dev/null || true
wait "$LPID" 2>/dev/null || true

r1=$(line_of '^READY=1$')
st=$(line_of '^STATUS=')
wd=$(line_of '^WATCHDOG=1$')
r2=$(line_of '^READY=1$' "$reloading")
stop=$(line_of '^STOPPING=1$')
echo "lines: READY $r1, STATUS $st, WATCHDOG $wd, RELOADING $reloading, READY $r2, STOPPING $stop"
[ "$r1" -eq 1 ] || fail "READY=1 is not the first message: $(head -n 3 "$N")"
[ "$st" -gt "$r1" ] && [ "$wd" -gt "$r1" ] && [ "$reloading" -gt "$r1" ] \
    && [ "$r2" -gt "$reloading" ] && [ "$stop" -gt "$r2" ] \
    || fail "message order wrong: $(cat "$N")"
# the drain may take ingest.shutdown_grace_ms (30 s) + 10 s before systemd kills
[ "$(awk 'NR == '"$((stop + 1))"' { print $2 }' "$N")" = EXTEND_TIMEOUT_USEC=40000000 ] \
    || fail "no EXTEND_TIMEOUT_USEC with STOPPING=1: $(tail -n 3 "$N")"
[ "$(awk 'NR > '"$((stop + 1))"' && $2 !~ /^(STATUS=|WATCHDOG=1$)/' "$N" | wc -l)" -eq 0 ] \
    || fail "messages after STOPPING=1 other than STATUS/WATCHDOG: $(cat "$N")"

# Pings at half of WATCHDOG_USEC (500 ms): none of the gaps near 1000 ms.
awk '$2 == "WATCHDOG=1" { if (p) print $1 - p; p = $1 }' "$N" | sort -n >"$T/gaps"
pings=$(wc -l <"$T/gaps")
max=$(tail -n 1 "$T/gaps")
echo "watchdog: $((pings + 1)) pings, median gap $(sed -n "$(( (pings + 1) / 2 ))p" "$T/gaps") ms, max $max ms"
[ "$pings" -ge 4 ] || fail "only $((pings + 1)) watchdog pings"
[ "$max" -lt 950 ] || fail "a watchdog gap of $max ms would have tripped a 1 s WatchdogSec: $(cat "$N")"

# WATCHDOG_PID names another process: the watchdog is not ours to ping.
"$NOTIFY_LISTEN" "$T/notify.sock" 60 >"$N" &
LPID=$!
for _ in $(seq 1 100); do [ -S "$T/notify.sock" ] && break; sleep 0.02; done
NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=100000 WATCHDOG_PID=1 start_daemon
sleep 0.5
stop_daemon
sleep 0.2
kill "$LPID" 2>/dev/null || true
wait "$LPID" 2>/dev/null || true
grep -q 'READY=1' "$N" || fail "no READY=1 on the second run: $(cat "$N")"
! grep -q 'WATCHDOG=1' "$N" || fail "pinged a watchdog meant for pid 1"
echo "notify: ok"
