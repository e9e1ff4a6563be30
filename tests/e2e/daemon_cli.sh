#!/bin/sh
# ptingestd's own command line: --check-config, flags, the socket file.
. "$(dirname "$0")/lib.sh"

code() { rc=0; "$@" >"$T/out" 2>"$T/err" || rc=$?; echo "$rc"; }

[ "$(code "$PTINGESTD" --check-config "$SRCDIR/config/ptingestd.yaml")" -eq 0 ] \
    || fail "example config invalid: $(cat "$T/err")"
grep -q "chunk_max_bytes" "$T/out" || fail "effective config not printed"
printf 'ingest:\n  chunk_max_rows: 0\n  bogus: 1\n' >"$T/bad.yaml"
[ "$(code "$PTINGESTD" --check-config "$T/bad.yaml")" -eq 2 ] || fail "bad config accepted"
grep -q "^$T/bad.yaml:2:19: " "$T/err" || fail "range error position: $(cat "$T/err")"
grep -q "^$T/bad.yaml:3:3: .*bogus" "$T/err" || fail "unknown key position: $(cat "$T/err")"
printf 'rocksdb:\n  cf_options:\n    write_buffer_size: lots\n' >"$T/rocks.yaml"
[ "$(code "$PTINGESTD" --check-config "$T/rocks.yaml")" -eq 2 ] || fail "bad RocksDB value accepted"
grep -q "^$T/rocks.yaml:3:24: RocksDB rejected write_buffer_size = lots" "$T/err" \
    || fail "RocksDB rejection: $(cat "$T/err")"
[ "$(code "$PTINGESTD" --bogus)" -eq 2 ] || fail "unknown flag"
[ "$(code "$PTINGESTD" --version)" -eq 0 ] || fail "--version"
[ "$(code "$PTINGESTD" --config "$T/bad.yaml")" -ne 0 ] || fail "ran with a bad config"

# a stale socket file is replaced; a live one is an error
start_daemon
stop_daemon KILL
[ -S "$SOCK" ] || fail "could not leave a stale socket behind"
start_daemon
grep -q "removing a stale socket" "$LOG" || fail "stale socket not reported"
[ "$(stat -c %a "$SOCK")" = 660 ] || fail "socket mode $(stat -c %a "$SOCK"), want 660"
[ "$(code "$PTINGESTD" --data-dir "$T/data2" --socket "$SOCK")" -eq 1 ] || fail "second daemon on a live socket"
grep -q "another ptingestd is listening" "$T/err" || fail "live socket message: $(cat "$T/err")"
"$PTINGEST" status >/dev/null || fail "first daemon hurt by the second"
stop_daemon
[ ! -e "$SOCK" ] || fail "socket file left after a clean stop"
echo "daemon_cli: ok"
