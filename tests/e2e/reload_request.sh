#!/bin/sh
# `ptingestd --reload` (the unit's ExecReload=, which must not need kill
# from procps): it asks the running daemon over its socket (RELOAD) and
# returns once the reload is over, so a supervisor sees RELOADING=1 and
# READY=1 before the command exits. Exit 0 with what needs a restart when
# the file is applied; 2 and the reason when it is refused, by the
# command itself (a file that does not load) or by the daemon (RocksDB's
# parser); 1 and ERROR denied for a user other than root or the daemon's.
. "$(dirname "$0")/lib.sh"
: "${NOTIFY_LISTEN:?set by meson}"
N="$T/notify.out"
"$NOTIFY_LISTEN" "$T/notify.sock" 60 >"$N" &
LPID=$!
trap 'kill "$LPID" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 100); do [ -S "$T/notify.sock" ] && break; sleep 0.02; done
chmod 755 "$T"
conf() { # sync mode
    printf 'listen:\n  mode: "%s"\ningest:\n  sync: %s\n' "$2" "$1" >"$T/c.yaml"
}
conf chunk 0666
NOTIFY_SOCKET="$T/notify.sock" start_daemon --config "$T/c.yaml"
reload() { "$PTINGESTD" --reload --config "$T/c.yaml" --socket "$SOCK"; }
sync_now() { "$PTINGEST" status --json | grep -o '"sync":"[a-z]*"' | cut -d'"' -f4; }

# applied: the change is live and the supervisor heard RELOADING, READY
# before the command returned
conf none 0666
rc=0
reload >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 0 ] || fail "--reload: exit $rc: $(cat "$T/err")"
grep -q "^ptingestd --reload: reloaded $T/c.yaml$" "$T/out" || fail "reply: $(cat "$T/out")"
[ "$(sync_now)" = none ] || fail "ingest.sync not applied: $(sync_now)"
sed 's/^[0-9]* //' "$N" | awk '/^RELOADING=1$/ { r = NR } r && NR > r && /^READY=1$/ { ok = 1 }
    END { exit !ok }' || fail "no RELOADING=1 then READY=1 before --reload returned: $(cat "$N")"

# a restart-only key: applied, and the reply says what waits for a restart
conf none 0660
reload >"$T/out" 2>"$T/err" || fail "--reload: $(cat "$T/err")"
grep -q "these need a restart to change: listen.mode" "$T/out" || fail "reply: $(cat "$T/out")"

# refused by the command: the file does not load; nothing changes
printf 'ingest:\n  sync: sometimes\n' >"$T/c.yaml"
rc=0
reload >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 2 ] || fail "--reload of an invalid file: exit $rc, want 2"
grep -q "$T/c.yaml:2:9: ingest.sync" "$T/err" && grep -q "nothing was reloaded" "$T/err" \
    || fail "no reason: $(cat "$T/err")"
[ "$(sync_now)" = none ] || fail "a refused file changed ingest.sync"

# refused by the daemon: RocksDB's parser, which the command does not run
printf 'ingest:\n  sync: chunk\nrocksdb:\n  db_options:\n    max_background_jobs: lots\n' \
    >"$T/c.yaml"
rc=0
reload >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 2 ] || fail "--reload of a file RocksDB refuses: exit $rc, want 2: $(cat "$T/err")"
grep -q "refused, nothing changed" "$T/err" && grep -q "max_background_jobs" "$T/err" \
    || fail "no reason from the daemon: $(cat "$T/err")"
[ "$(sync_now)" = none ] || fail "a refused file changed ingest.sync"
"$PTINGEST" status --json | grep -q '"last_reload_error":".*max_background_jobs' \
    || fail "status does not keep the refusal"

# another user may connect (0666) but not reload
[ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null || {
    stop_daemon; echo "reload_request: ok (the denial needs root and setpriv: not run)"; exit 0; }
conf chunk 0666
rc=0
setpriv --reuid=nobody --regid=nogroup --clear-groups "$PTINGESTD" --reload \
    --config "$T/c.yaml" --socket "$SOCK" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || fail "nobody's --reload: exit $rc, want 1"
grep -q "denied: a reload may be asked by root or the daemon's own user only" "$T/err" \
    || fail "nobody's --reload: $(cat "$T/err")"
[ "$(sync_now)" = none ] || fail "nobody's request reloaded"
stop_daemon
echo "reload_request: ok (applied, restart-only named, refused twice with reasons, denied)"
