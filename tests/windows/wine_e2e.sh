#!/bin/sh
# wine_e2e.sh - the Windows binaries (packaging/windows/build.sh) under
# Wine: ptingestd.exe on a temp data dir (parents missing, backslashes)
# and pipe, gen | ingest, export byte-identical after sorting, status;
# a RocksDB OPTIONS INI (rocksdb.options_file) checked and served;
# then the same daemon as a Windows service through Wine's service
# manager: install (with its event log source), start, ingest, PARAMCHANGE
# reloads (a good file, then a broken one: refused, reported to the event
# log), stop (a drain), uninstall; then the MSI: install with msiexec,
# the service it starts answers, uninstall.
#
#   WINDIR_OUT=build-win/out tests/windows/wine_e2e.sh
#
# Exit 77 (skipped) when the cross build or "$WINE" is missing, unless
# PT_WINDOWS_REQUIRED=1. The Wine prefix lives under build-win/ and is
# reused: a new one costs ~10 s.
set -eu
WINE=${WINE:-wine}  # Debian: /usr/bin/wine runs 64-bit programs (wine64 is not on PATH)
out=${WINDIR_OUT:-$(cd "$(dirname "$0")/../.." && pwd)/build-win/out}
# tests/run.sh sets PT_WINDOWS_REQUIRED=1 after it ran the cross build:
# then a missing build or Wine is a failure, not a skip.
missing=77
[ "${PT_WINDOWS_REQUIRED:-0}" = 1 ] && missing=1
[ -f "$out/ptingestd.exe" ] && [ -f "$out/ptingest.exe" ] || {
    echo "no Windows build in $out (packaging/windows/build.sh $out)"; exit "$missing"; }
command -v "$WINE" >/dev/null || { echo "no $WINE"; exit "$missing"; }

export WINEDEBUG=-all
export WINEPREFIX=${WINEPREFIX:-$(dirname "$out")/wineprefix}
mkdir -p "$WINEPREFIX"
T=$(mktemp -d)
D=
K=
M=
cleanup() {
    [ -z "$D" ] || kill "$D" 2>/dev/null || true
    [ -z "$M" ] || "$WINE" msiexec /x "$M" /qn >/dev/null 2>&1 || true
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
# pipe_acl PIPE WHO...: the pipe's DACL names each WHO (SDDL aliases:
# SY, BA, BU) and nobody else but our own account (S-1-5-21-...), so
# never Everyone (WD) or Anonymous (AN). (Wine keeps the ACEs but not
# the "protected" flag of a kernel object's DACL, so that is not checked.)
pipe_acl() {
    p=$1; shift
    "$WINE" "$out/test/wintest.exe" pipe-sddl "$p" >"$T/sddl" 2>&1 || fail "pipe-sddl: $(cat "$T/sddl")"
    sddl=$(tr -d '\r' <"$T/sddl")
    case "$sddl" in D:*\(A\;*) ;; *) fail "pipe has no DACL: $sddl" ;; esac
    for who in "$@"; do
        echo "$sddl" | grep -q ";;;$who)" || fail "pipe DACL lacks $who: $sddl"
    done
    for ace in $(echo "$sddl" | grep -o ';;;[^)]*)' | sed 's/^;;;\(.*\))$/\1/'); do
        case " $* " in *" $ace "*) continue ;; esac
        case "$ace" in S-1-5-21-*) continue ;; esac
        fail "pipe DACL admits $ace: $sddl"
    done
    echo "pipe DACL: $sddl"
}
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
# a data dir whose parents do not exist yet, in Windows' own spelling
wdata=$(winepath -w "$T/new/parents/data")
"$WINE" "$out/ptingestd.exe" --data-dir "$wdata" --socket "$pipe" >"$T/d.log" 2>&1 &
D=$!
wait_log "$T/d.log" "ready" 60 || fail "daemon not ready: $(cat "$T/d.log")"
grep -qF "listening on $pipe" "$T/d.log" || fail "not listening on $pipe"
pipe_acl "$pipe" SY BA

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
[ -d "$T/new/parents/data" ] || fail "data dir $wdata not created"
pipe_acl "$pipe" SY BA # again, after libuv made new instances for the accepts
# memory-mapped RocksDB files stay off on Windows: refused at their line
printf 'rocksdb:\n  db_options:\n    allow_mmap_writes: true\n' >"$T/mmap.yaml"
"$WINE" "$out/ptingestd.exe" --check-config "$(winepath -w "$T/mmap.yaml")" >"$T/mmap.out" 2>&1 \
    && fail "allow_mmap_writes accepted on Windows"
grep -q 'mmap.yaml:3:.*allow_mmap_writes: memory-mapped files stay off on Windows' "$T/mmap.out" \
    || fail "mmap refusal: $(cat "$T/mmap.out")"
echo "console: $rows rows round-tripped byte-identical (sorted); status ok"
# named databases: their own rows, directories safe for Windows names
# (CON, case twins), a checkpoint in Windows' spelling, drop, restore
PT --db Alpha ingest "$T/in.ndjson" --no-progress 2>"$T/alpha.err" \
    || fail "ingest into Alpha: $(cat "$T/alpha.err")"
[ "$(PT --db Alpha count | tr -d '\r')" -eq "$rows" ] || fail "Alpha count"
PT db create CON >/dev/null || fail "db create CON"
PT db create con >/dev/null || fail "db create con"
[ "$(ls "$T/new/parents/data/databases" | wc -l)" -eq 3 ] \
    || fail "databases dir: $(ls "$T/new/parents/data/databases")"
PT db list | grep -q "^Alpha " || fail "db list: $(PT db list)"
PT db checkpoint Alpha "$(winepath -w "$T/cp")" >"$T/cp.out" || fail "checkpoint: $(cat "$T/cp.out")"
PT db drop Alpha >/dev/null || fail "db drop Alpha"
PT --db Alpha count >/dev/null 2>&1 && fail "Alpha answers after its drop"
PT db restore Alpha "$(winepath -w "$T/cp")" >/dev/null || fail "db restore Alpha"
PT --db Alpha export >"$T/alpha.out" || fail "export Alpha"
same_sorted "$T/in.ndjson" "$T/alpha.out" || fail "Alpha: checkpoint, drop, restore != input"
rc=0
PT --db 'a/b' count >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "a bad database name: exit $rc, want 2"
echo "databases: Alpha round-tripped through checkpoint, drop and restore; CON and con apart"
# bulk mode: staged, sorted, written as SST files and ingested at the end
PT --db Bulk ingest "$T/in.ndjson" --bulk --no-progress 2>"$T/bulk.err" \
    || fail "bulk ingest: $(cat "$T/bulk.err")"
PT --db Bulk export >"$T/bulk.out" || fail "export Bulk"
same_sorted "$T/in.ndjson" "$T/bulk.out" || fail "bulk: sort(export) != sort(input)"
echo "bulk: $rows rows loaded as SST files, byte-identical (sorted)"
kill "$D" 2>/dev/null || true
wait "$D" 2>/dev/null || true
D=

# rocksdb.options_file: a RocksDB OPTIONS-style INI, keys indented two
# spaces as RocksDB writes them, named relative to the YAML in Windows'
# spelling. --check-config shows the imported options at their
# FILE:LINE:COL, a bad value is refused at its line, and a daemon started
# on the file serves.
cat >"$T/OPTIONS.ini" <<'EOF'
# written by RocksDB 7.8.3
[Version]
  rocksdb_version=7.8.3
  options_file_version=1.1

[DBOptions]
  max_background_jobs=3
  bytes_per_sync=2097152

[CFOptions "default"]
  level0_slowdown_writes_trigger=24

[TableOptions/BlockBasedTable "default"]
  block_size=16384
EOF
printf 'rocksdb:\n  options_file: OPTIONS.ini\n' >"$T/ini.yaml"
wini=$(winepath -w "$T/OPTIONS.ini")
"$WINE" "$out/ptingestd.exe" --check-config "$(winepath -w "$T/ini.yaml")" >"$T/ini.out" 2>&1 \
    || fail "options_file refused: $(cat "$T/ini.out")"
grep -qF "#     max_background_jobs: 3  # $wini:7:3" "$T/ini.out" \
    || fail "max_background_jobs not imported: $(cat "$T/ini.out")"
grep -qF "#     block_based_table_factory.block_size: 16384  # $wini:14:3" "$T/ini.out" \
    || fail "block_size not imported: $(cat "$T/ini.out")"
printf '[DBOptions]\n  max_background_jobs=3\n[CFOptions "default"]\n  write_buffer_size=lots\n' \
    >"$T/bad.ini"
printf 'rocksdb:\n  options_file: bad.ini\n' >"$T/badini.yaml"
rc=0
"$WINE" "$out/ptingestd.exe" --check-config "$(winepath -w "$T/badini.yaml")" >"$T/badini.out" 2>&1 \
    || rc=$?
[ "$rc" -eq 2 ] || fail "bad INI: exit $rc, not 2: $(cat "$T/badini.out")"
grep -qF "$(winepath -w "$T/bad.ini"):4:3: RocksDB rejected write_buffer_size = lots" "$T/badini.out" \
    || fail "bad INI value not refused at its line: $(cat "$T/badini.out")"
pipe="\\\\.\\pipe\\ptingestd-ini-$$"
"$WINE" "$out/ptingestd.exe" --config "$(winepath -w "$T/ini.yaml")" \
    --data-dir "$(winepath -w "$T/inidata")" --socket "$pipe" >"$T/ini.log" 2>&1 &
D=$!
wait_log "$T/ini.log" "ready" 60 || fail "daemon on the INI not ready: $(cat "$T/ini.log")"
PT gen --entities 40 --seed 5 | PT ingest - --no-progress 2>"$T/ingest.err" \
    || fail "ingest with the INI: $(cat "$T/ingest.err")"
n=$(PT count 2>"$T/count.err" | tr -d '\r') || true
[ "$n" = "$(PT gen --entities 40 --seed 5 | wc -l)" ] \
    || fail "count with the INI: got '$n': $(cat "$T/count.err"); daemon: $(tail -n 5 "$T/ini.log")"
# printf: dash's echo would read the path's backslashes as escapes
printf 'options_file: imported (max_background_jobs at %s:7:3), a bad value refused at its line, served\n' \
    "$wini"
kill "$D" 2>/dev/null || true
wait "$D" 2>/dev/null || true
D=
# Wine prints what a program sends to the event log on its 'eventlog'
# debug channel (its ReportEvent keeps no log). Services inherit the debug
# settings and the stderr of the program that starts Wine's session, so
# end this session and start the next with that channel on.
timeout 30 wineserver -w 2>/dev/null || wineserver -k 2>/dev/null || true

# 2. the service, through Wine's service manager (sc.exe)
# Wine ends its service processes (and so our service) whenever the last
# ordinary program exits, and starts auto-start services again with the
# next one: a long-running program keeps one session for the whole phase.
WINEDEBUG=-all,err+eventlog,warn+eventlog,trace+eventlog \
    "$WINE" ping -n 600 127.0.0.1 >/dev/null 2>"$T/wine.err" &
K=$!
sleep 2
"$WINE" "$out/ptingestd.exe" --uninstall-service >/dev/null 2>&1 || true  # a previous run's
pipe="\\\\.\\pipe\\ptingestd-svc-$$"
cat >"$T/svc.yaml" <<EOF
data_dir: '$(winepath -w "$T/svcdata")'
listen:
  path: '$pipe'
  allow: 'BUILTIN\\Users'
EOF
wcfg=$(winepath -w "$T/svc.yaml")
"$WINE" "$out/ptingestd.exe" --install-service --config "$wcfg" >"$T/svc.out" 2>&1 \
    || fail "install-service: $(cat "$T/svc.out")"
evkey='HKLM\System\CurrentControlSet\Services\EventLog\Application\ptingestd'
"$WINE" reg query "$evkey" /v EventMessageFile 2>/dev/null | grep -qi 'ptingestd.exe' \
    || fail "no event log source registered: $(cat "$T/svc.out")"
"$WINE" sc start ptingestd >"$T/sc.out" 2>&1 || fail "sc start: $(cat "$T/sc.out")"
i=0
until "$WINE" sc query ptingestd 2>/dev/null | grep -q RUNNING; do
    i=$((i + 1)); [ "$i" -le 60 ] || fail "service not RUNNING: $("$WINE" sc query ptingestd 2>&1)"
    sleep 1
done
wait_log "$T/svcdata/ptingestd.log" "info: ready" 30 || fail "service log: $(cat "$T/svcdata/ptingestd.log" 2>&1)"
grep -q "started by the service control manager" "$T/svcdata/ptingestd.log" || fail "service log"
pipe_acl "$pipe" SY BA BU # listen.allow: BUILTIN\Users
PT gen --entities 50 --seed 3 | PT ingest - --no-progress 2>/dev/null || fail "ingest to the service"
n=$(PT gen --entities 50 --seed 3 | wc -l)
[ "$(PT count | tr -d '\r')" -eq "$n" ] || fail "service count"

# PARAMCHANGE is a reload: a changed file is applied, a broken one is
# refused (nothing changes, the service keeps serving) and the refusal
# reaches the event log as an error.
printf 'ingest:\n  sync: none\n' >>"$T/svc.yaml"
"$WINE" "$out/test/wintest.exe" control ptingestd paramchange >"$T/ctl.out" 2>&1 \
    || fail "PARAMCHANGE: $(cat "$T/ctl.out")"
wait_log "$T/svcdata/ptingestd.log" "reloaded configuration from" 30 \
    || fail "PARAMCHANGE did not reload: $(cat "$T/svcdata/ptingestd.log")"
PT status --json >"$T/svc.status" || fail "status after reload"
tr -d ' \r\n' <"$T/svc.status" | grep -q '"sync":"none".*"reloads":1' \
    || fail "reload not applied: $(cat "$T/svc.status")"
echo "ingest: [" >>"$T/svc.yaml"
"$WINE" "$out/test/wintest.exe" control ptingestd paramchange >"$T/ctl.out" 2>&1 \
    || fail "PARAMCHANGE (broken file): $(cat "$T/ctl.out")"
wait_log "$T/svcdata/ptingestd.log" "reload of .* refused" 30 \
    || fail "broken file not refused: $(cat "$T/svcdata/ptingestd.log")"
[ "$(PT count | tr -d '\r')" -eq "$n" ] || fail "service stopped serving after a refused reload"
wait_log "$T/wine.err" "err:eventlog.*reload of .* refused" 10 \
    || fail "refusal not in the event log: $(grep eventlog "$T/wine.err" | head -5)"
grep -q "eventlog.*started by the service control manager" "$T/wine.err" \
    || fail "start not in the event log"
echo "service: PARAMCHANGE reloaded; a broken file refused and logged as an event log error"
"$WINE" sc stop ptingestd >/dev/null 2>&1 || fail "sc stop"
i=0
until "$WINE" sc query ptingestd 2>/dev/null | grep -q STOPPED; do
    i=$((i + 1)); [ "$i" -le 60 ] || fail "service did not stop: $("$WINE" sc query ptingestd 2>&1)"
    sleep 1
done
grep -q "info: stopped" "$T/svcdata/ptingestd.log" || fail "no drain in the service log"
"$WINE" "$out/ptingestd.exe" --uninstall-service >/dev/null 2>&1 || fail "uninstall-service"
"$WINE" sc query ptingestd >/dev/null 2>&1 && fail "service still registered"
grep -q "eventlog.*ptingestd stopped" "$T/wine.err" || fail "stop not in the event log"
"$WINE" reg query "$evkey" >/dev/null 2>&1 && fail "event log source left registered"
echo "service: install, start (RUNNING), $n rows, stop (STOPPED), uninstall: ok"

# 3. the MSI: msiexec installs the programs, the configuration under
# ProgramData, the event log source and the service, and starts it.
msi=$(ls "$out"/ptingestd-*-x64.msi 2>/dev/null | head -n 1)
[ -n "$msi" ] || fail "no MSI in $out"
M=$(winepath -w "$msi")
"$WINE" msiexec /i "$M" /qn >"$T/msi.out" 2>&1 || fail "msiexec /i: $(cat "$T/msi.out")"
pf=$(winepath -u 'C:\Program Files\ptingestd')
pd=$(winepath -u 'C:\ProgramData\ptingestd')
[ -f "$pf/ptingestd.exe" ] && [ -f "$pf/ptingest.exe" ] || fail "MSI: programs not in $pf"
[ -f "$pd/ptingestd.yaml" ] || fail "MSI: no configuration in $pd"
"$WINE" reg query "$evkey" /v EventMessageFile 2>/dev/null | grep -qi 'Program Files.*ptingestd.exe' \
    || fail "MSI: no event log source"
i=0
until "$WINE" sc query ptingestd 2>/dev/null | grep -q RUNNING; do
    i=$((i + 1)); [ "$i" -le 60 ] || fail "MSI's service not RUNNING: $("$WINE" sc query ptingestd 2>&1)"
    sleep 1
done
"$WINE" "$pf/ptingest.exe" --socket '\\.\pipe\ptingestd' status --json >"$T/msi.status" 2>&1 \
    || fail "MSI's service does not answer: $(cat "$T/msi.status")"
tr -d ' \r\n' <"$T/msi.status" | grep -q '"state":"ready"' \
    || fail "MSI's service status: $(cat "$T/msi.status")"
"$WINE" msiexec /x "$M" /qn >"$T/msi.out" 2>&1 || fail "msiexec /x: $(cat "$T/msi.out")"
M=
"$WINE" sc query ptingestd >/dev/null 2>&1 && fail "MSI uninstall left the service"
[ -f "$pf/ptingestd.exe" ] && fail "MSI uninstall left the programs"
[ -f "$pd/ptingestd.yaml" ] || fail "MSI uninstall removed the configuration"
rm -rf "$pd" # the next run's install starts from nothing
echo "msi: installed, service RUNNING and answering, uninstalled: ok"
echo "wine_e2e: ok"
