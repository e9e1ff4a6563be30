#!/bin/sh
# Hostile and careless clients: answers nobody reads are bounded and
# their client dropped, silent and half-sent connections time out (and
# cannot lock others out), a half-closed client still gets its answers,
# and a drain does not wait for a client that never reads.
. "$(dirname "$0")/lib.sh"
: "${RAWCLIENT:?set by meson}"
cat >"$T/c.yaml" <<YAML
listen:
  max_unsent_bytes: 65536
  handshake_timeout_ms: 500
  frame_timeout_ms: 500
  idle_timeout_ms: 1500
  write_timeout_ms: 1000
ingest:
  shutdown_grace_ms: 0
YAML
start_daemon --config "$T/c.yaml"

expect() { # name, expected output fragment, rawclient args...
    name=$1 want=$2
    shift 2
    "$RAWCLIENT" "$@" >"$T/$name.out" 2>&1 || true
    grep -qF "$want" "$T/$name.out" || fail "$name: got $(cat "$T/$name.out")"
    grep -q '^CLOSED$' "$T/$name.out" || fail "$name: connection not closed"
}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$DPID/status"; }
STATUS=000000001b000000
begin=040000000a00000000000000
one_row=170000000c00000001000000000000010000006107000000 one_row="${one_row}7b2261223a317d"
job_end=080000000f0000000100000000000000

# 1. 100,000 pipelined STATUS requests never read (~300 MB of answers):
# the daemon takes requests only while little is unsent, stays small,
# answers others, and drops the client once it takes nothing.
rss0=$(rss_kb)
"$RAWCLIENT" --no-read 4 --repeat 100000 "$SOCK" hello $STATUS >"$T/pipe.out" 2>&1 &
ppid=$!
sleep 2
t0=$(date +%s%N)
"$PTINGEST" status >/dev/null || fail "status failed beside a client that does not read"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 1000 ] || fail "status took $ms ms beside a client that does not read"
rss1=$(rss_kb)
[ $((rss1 - rss0)) -lt 65536 ] || fail "daemon grew by $((rss1 - rss0)) kB for unread answers"
wait "$ppid" || true
grep -q "took none of .* bytes of answers in .* ms (listen.write_timeout_ms): dropping it" "$LOG" \
    || fail "a client that does not read was not dropped"

# 2. Connections that never say HELLO time out, so they cannot lock out
# everyone (listen.max_clients is 256): 300 of them, then status.
i=0 pids=
while [ $i -lt 300 ]; do
    "$RAWCLIENT" --wait 5 "$SOCK" >"$T/idle.$i.out" 2>&1 &
    pids="$pids $!"
    i=$((i + 1))
done
sleep 1.2
"$PTINGEST" status >/dev/null || fail "300 silent connections locked status out"
for p in $pids; do wait "$p" || true; done
n=$(cat "$T"/idle.*.out | grep -cF 'ERROR code=11 no HELLO within listen.handshake_timeout_ms (500 ms)')
[ "$n" -ge 200 ] || fail "only $n silent connections timed out: $(cat "$T/idle.0.out")"

# 3. A frame sent a byte every 200 ms (a slow-loris) times out.
expect loris 'ERROR code=11 a frame was not finished within listen.frame_timeout_ms (500 ms)' \
    --drip 200 "$SOCK" hello $STATUS
# 4. HELLO, then nothing.
expect idle 'ERROR code=11 nothing was sent within listen.idle_timeout_ms (1500 ms)' \
    "$SOCK" hello

# 5. Half-close after JOB_END: the acknowledgement and JOB_DONE still come.
"$RAWCLIENT" --shutdown "$SOCK" hello $begin $one_row $job_end >"$T/half.out" 2>&1 || true
for f in JOB_STARTED CHUNK_ACK JOB_DONE CLOSED; do
    grep -q "^$f" "$T/half.out" || fail "half-close: no $f in $(cat "$T/half.out")"
done
[ "$("$PTINGEST" get CodeGraph a)" = '{"a":1}' ] || fail "half-closed job's row not stored"

# 6. A drain with a client that never reads (grace 0 = no limit on the
# queue): its shutdown notice is logged once and the daemon still exits,
# once the client took nothing for listen.write_timeout_ms.
"$RAWCLIENT" --no-read 20 --repeat 100000 "$SOCK" hello $begin $one_row $STATUS \
    >"$T/stuck.out" 2>&1 &
spid=$!
sleep 1
t0=$(date +%s)
kill -TERM "$DPID"
rc=0
wait "$DPID" || rc=$?
DPID=
[ "$rc" -eq 0 ] || fail "daemon exited $rc"
[ $(( $(date +%s) - t0 )) -le 6 ] || fail "drain waited $(( $(date +%s) - t0 )) s for a stuck client"
[ "$(grep -c 'error (shutdown): daemon is shutting down' "$LOG")" -eq 1 ] \
    || fail "shutdown notice logged $(grep -c 'error (shutdown)' "$LOG") times"
kill "$spid" 2>/dev/null || true
echo "hostile: ok"
