#!/bin/sh
# wine_e2e.sh - the Windows binaries (packaging/windows/build.sh) under
# Wine: ptingestd.exe on a temp data dir and pipe, gen | ingest, export
# byte-identical after sorting, status; then the same daemon as a Windows
# service through Wine's service manager: install, start, ingest, stop
# (a drain), uninstall.
#
#   WINDIR_OUT=build-win/out tests/windows/wine_e2e.sh
#
# Exit 77 (skipped) when the cross build or "$WINE" is missing. The Wine
# prefix lives under build-win/ and is reused: a new one costs ~10 s.
set -eu
WINE=${WINE:-wine}  # Debian: /usr/bin/wine runs 64-bit programs (wine64 is not on PATH)
out=${WINDIR_OUT:-$(cd "$(dirname "$0")/../.." && pwd)/build-win/out}
[ -f "$out/ptingestd.exe" ] && [ -f "$out/ptingest.exe" ] || {
    echo "no Windows build in $out (packaging/windows/build.sh $out): skipped"; exit 77; }
command -v "$WINE" >/dev/null || { echo "no $WINE: skipped"; exit 77; }

export WINEDEBUG=-all
export WINEPREFIX=${WINEPREFIX:-$(dirname "$out")/wineprefix}
mkdir -p "$WINEPREFIX"
T=$(mktemp -d)
D=
K=
cleanup() {
    [ -z "$D" ] || kill "$D" 2>/dev/null || true
    "$WINE" "$out/ptingestd.exe" --uninstall-service >/dev/null 2>&1 || true
    [ -z "$K" ] || kill "$K" 2>/dev/null || true
    # a clean shutdown saves the registry (wineserver -k would lose the
    # uninstall, and the next run would find the service still there)
    timeout 30 wineserver -w 2>/dev/null || wineserver -k 2>/dev/null || true
    rm -rf "$T"
}
trap cleanup EXIT INT TERM
fail() { echo "wine_e2e: FAIL: $*" >&2; exit 1; }
same_sorted() { LC_ALL=C sort "$1" >"$1.s"; LC_ALL=C sort "$2" >"$2.s"; cmp -s "$1.s" "$2.s"; }
PT() { "$WINE" "$out/ptingest.exe" --socket "$pipe" "$@"; }
wait_log() { # wait_log FILE TEXT SECONDS
    i=0
    while ! grep -q "$2" "$1" 2>/dev/null; do
        i=$((i + 1)); [ "$i" -le $(($3 * 10)) ] || return 1; sleep 0.1
    done
}

t0=$(date +%s)
wineboot -u >/dev/null 2>&1 || true
echo "wine prefix ready in $(( $(date +%s) - t0 )) s"

# 1. console mode
pipe="\\\\.\\pipe\\ptingestd-test-$$"
wdata=$(winepath -w "$T/data")
"$WINE" "$out/ptingestd.exe" --data-dir "$wdata" --socket "$pipe" >"$T/d.log" 2>&1 &
D=$!
wait_log "$T/d.log" "ready" 60 || fail "daemon not ready: $(cat "$T/d.log")"
grep -qF "listening on $pipe" "$T/d.log" || fail "not listening on $pipe"

PT gen --entities 300 --seed 7 >"$T/in.ndjson" || fail "gen exited $?"
rows=$(wc -l <"$T/in.ndjson")
[ "$rows" -gt 1000 ] || fail "gen wrote $rows rows"
grep -q "$(printf '\r')" "$T/in.ndjson" && fail "gen wrote CRLF line ends"
PT gen --entities 300 --seed 7 | PT ingest - --no-progress 2>"$T/ingest.err" \
    || fail "ingest exited $?: $(cat "$T/ingest.err")"
grep -q "^ingested $rows rows" "$T/ingest.err" || fail "summary: $(cat "$T/ingest.err")"
PT export >"$T/out.ndjson" || fail "export exited $?"
same_sorted "$T/in.ndjson" "$T/out.ndjson" || fail "sort(export) != sort(gen)"
[ "$(PT count | tr -d '\r')" -eq "$rows" ] || fail "count"
PT status >"$T/status" || fail "status exited $?"
grep -qi "ready\|running\|rows" "$T/status" || fail "status: $(cat "$T/status")"
echo "console: $rows rows round-tripped byte-identical (sorted); status ok"
kill "$D" 2>/dev/null || true
wait "$D" 2>/dev/null || true
D=

# 2. the service, through Wine's service manager (sc.exe)
# Wine ends its service processes (and so our service) whenever the last
# ordinary program exits, and starts auto-start services again with the
# next one: a long-running program keeps one session for the whole phase.
"$WINE" ping -n 600 127.0.0.1 >/dev/null 2>&1 &
K=$!
sleep 2
"$WINE" "$out/ptingestd.exe" --uninstall-service >/dev/null 2>&1 || true  # a previous run's
pipe="\\\\.\\pipe\\ptingestd-svc-$$"
cat >"$T/svc.yaml" <<EOF
data_dir: '$(winepath -w "$T/svcdata")'
listen:
  path: '$pipe'
EOF
wcfg=$(winepath -w "$T/svc.yaml")
"$WINE" "$out/ptingestd.exe" --install-service --config "$wcfg" >"$T/svc.out" 2>&1 \
    || fail "install-service: $(cat "$T/svc.out")"
"$WINE" sc start ptingestd >"$T/sc.out" 2>&1 || fail "sc start: $(cat "$T/sc.out")"
i=0
until "$WINE" sc query ptingestd 2>/dev/null | grep -q RUNNING; do
    i=$((i + 1)); [ "$i" -le 60 ] || fail "service not RUNNING: $("$WINE" sc query ptingestd 2>&1)"
    sleep 1
done
wait_log "$T/svcdata/ptingestd.log" "info: ready" 30 || fail "service log: $(cat "$T/svcdata/ptingestd.log" 2>&1)"
grep -q "started by the service control manager" "$T/svcdata/ptingestd.log" || fail "service log"
PT gen --entities 50 --seed 3 | PT ingest - --no-progress 2>/dev/null || fail "ingest to the service"
n=$(PT gen --entities 50 --seed 3 | wc -l)
[ "$(PT count | tr -d '\r')" -eq "$n" ] || fail "service count"
"$WINE" sc stop ptingestd >/dev/null 2>&1 || fail "sc stop"
i=0
until "$WINE" sc query ptingestd 2>/dev/null | grep -q STOPPED; do
    i=$((i + 1)); [ "$i" -le 60 ] || fail "service did not stop: $("$WINE" sc query ptingestd 2>&1)"
    sleep 1
done
grep -q "info: stopped" "$T/svcdata/ptingestd.log" || fail "no drain in the service log"
"$WINE" "$out/ptingestd.exe" --uninstall-service >/dev/null 2>&1 || fail "uninstall-service"
"$WINE" sc query ptingestd >/dev/null 2>&1 && fail "service still registered"
echo "service: install, start (RUNNING), $n rows, stop (STOPPED), uninstall: ok"
echo "wine_e2e: ok"
