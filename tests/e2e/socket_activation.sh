#!/bin/sh
# Socket activation as systemd does it (ptingestd.socket), driven by
# systemd-socket-activate: the socket exists before the daemon, a client
# that connects first is served once the daemon is up, the daemon serves
# the inherited socket instead of binding its own and leaves the file to
# its owner on exit.
. "$(dirname "$0")/lib.sh"
command -v systemd-socket-activate >/dev/null || {
    echo "systemd-socket-activate not installed (package systemd): skipped"
    exit 77
}

"$PTINGEST" gen --entities 300 --seed 5 >"$T/in.ndjson"
systemd-socket-activate -l "$SOCK" "$PTINGESTD" --data-dir "$DATA" --socket "$T/other.sock" \
    >>"$LOG" 2>&1 &
DPID=$! # it execs the daemon in place: same pid
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
[ -S "$SOCK" ] || fail "activator did not create the socket"
! grep -q '^info: ready$' "$LOG" || fail "daemon started before anyone connected"

# The first client's connection waits in the socket's backlog.
"$PTINGEST" ingest "$T/in.ndjson" --no-progress --job activated 2>"$T/ingest.err" \
    || fail "ingest through the activated socket: $(cat "$T/ingest.err")"
grep -q '^info: listening on '"$SOCK"' (socket activation)$' "$LOG" || fail "not activated"
grep -q "socket activation: serving $SOCK, not listen.path $T/other.sock" "$LOG" \
    || fail "no warning that --socket is not what is served"
[ ! -e "$T/other.sock" ] || fail "bound --socket as well"
"$PTINGEST" status --json | grep -q "\"socket\":\"$SOCK\"" || fail "status names the wrong socket"
"$PTINGEST" export >"$T/out.ndjson"
same_sorted "$T/in.ndjson" "$T/out.ndjson" || fail "round trip through the activated socket"
stop_daemon
[ -S "$SOCK" ] || fail "daemon removed a socket that belongs to the socket unit"

# Two sockets passed: ptingestd serves exactly one, and says so.
rm -f "$SOCK"
rc=0
systemd-socket-activate -l "$SOCK" -l "$T/second.sock" "$PTINGESTD" \
    --data-dir "$DATA" >"$T/two.log" 2>&1 &
apid=$!
for _ in $(seq 1 100); do [ -S "$T/second.sock" ] && break; sleep 0.05; done
"$PTINGEST" status >/dev/null 2>&1 || true
wait "$apid" || rc=$?
[ "$rc" -ne 0 ] || fail "ran with two activated sockets"
grep -q "socket activation passed 2 sockets" "$T/two.log" || fail "two sockets: $(cat "$T/two.log")"
echo "socket_activation: ok"
