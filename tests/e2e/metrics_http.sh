#!/bin/bash
# ptingestd-metrics.socket's helper: one HTTP request per connection,
# started the way systemd's Accept=yes socket does (systemd-socket-activate
# --inetd), on a loopback port: GET /metrics is 200 with the Prometheus
# text, another path 404, the daemon gone 503. bash for /dev/tcp.
. "$(dirname "$0")/lib.sh"
: "${METRICS_HTTP:?set by meson}"
command -v systemd-socket-activate >/dev/null || {
    echo "systemd-socket-activate not installed (package systemd): skipped"
    exit 77
}

APID=
trap '[ -z "$APID" ] || kill "$APID" 2>/dev/null || true; cleanup' EXIT
start_daemon
"$PTINGEST" gen --entities 50 --seed 6 >"$T/in.ndjson"
"$PTINGEST" ingest "$T/in.ndjson" --no-progress 2>/dev/null || fail "ingest"
rows=$(wc -l <"$T/in.ndjson")

# a free loopback port: try a few at random
for _ in 1 2 3 4 5 6 7 8; do
    port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
    systemd-socket-activate --inetd -a -l "127.0.0.1:$port" -E PTINGEST -E PTINGEST_SOCKET \
        "$METRICS_HTTP" >"$T/act.log" 2>&1 &
    APID=$!
    for _ in $(seq 1 40); do
        grep -q "Listening on" "$T/act.log" && break
        kill -0 "$APID" 2>/dev/null || break
        sleep 0.05
    done
    grep -q "Listening on" "$T/act.log" && break
    wait "$APID" 2>/dev/null || true
    APID=
done
[ -n "$APID" ] || fail "no free loopback port: $(cat "$T/act.log")"

get() { # path -> the whole response on stdout
    exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "cannot connect to 127.0.0.1:$port"
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n' "$1" >&3
    timeout 10 cat <&3
    exec 3<&-
}
get /metrics >"$T/r1"
head -n 1 "$T/r1" | grep -q '^HTTP/1.0 200 OK' || fail "GET /metrics: $(cat "$T/r1")"
grep -q '^Content-Type: text/plain; version=0.0.4' "$T/r1" || fail "content type"
grep -q "^ptingestd_rows_written_total $rows" "$T/r1" || fail "metrics body: $(tail -n 5 "$T/r1")"
get /other >"$T/r2"
head -n 1 "$T/r2" | grep -q '^HTTP/1.0 404' || fail "GET /other: $(head -n 1 "$T/r2")"
stop_daemon
get /metrics >"$T/r3"
head -n 1 "$T/r3" | grep -q '^HTTP/1.0 503' || fail "daemon gone: $(head -n 1 "$T/r3")"
echo "metrics_http: 200, 404 and 503 on 127.0.0.1:$port"
