#!/bin/sh
# Socket squatting. Another local user (here `nobody`) listens first on
# a path in a directory everyone may write to; root's ptingest must not
# talk to it: exit 3, a message naming who serves the socket, and nothing
# sent (the squatter never sees a HELLO and stores no row). Trusting that
# user on purpose (--daemon-user, PTINGEST_DAEMON_USER) lets it through.
# The default socket without XDG_RUNTIME_DIR lives in a 0700 directory of
# the daemon's user, /tmp/ptingestd-<uid>/: one another user made first
# is refused with a message saying whose it is, and a fresh one is made
# private and serves the client's default path. Root only (setpriv).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: running a squatter as another user needs root"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: setpriv (util-linux) not installed"; exit 77; }
# a command, not a function: a function in the background forks first and
# $! would not be the daemon's pid
NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"
chmod 755 "$T"
PUB="$T/pub"                      # a shared directory, as /tmp is
mkdir -m 1777 "$PUB"
SQ="$PUB/ptingestd.sock"
mkdir "$T/sqdata" && chown nobody "$T/sqdata"
SQPID=
NDIR=/tmp/ptingestd-65534
stop_all() {
    [ -z "$SQPID" ] || kill -KILL "$SQPID" 2>/dev/null || true
    if [ -n "${made_ndir:-}" ]; then rm -rf "$NDIR"; fi
    cleanup
}
trap stop_all EXIT

# the squatter: a real ptingestd as nobody, logging every client's HELLO
$NOBODY "$PTINGESTD" --data-dir "$T/sqdata/db" --socket "$SQ" --log-level debug \
    >"$T/squat.log" 2>&1 &
SQPID=$!
for _ in $(seq 1 200); do grep -q '^info: ready$' "$T/squat.log" && break; sleep 0.05; done
grep -q '^info: ready$' "$T/squat.log" || fail "squatter did not start: $(cat "$T/squat.log")"

"$PTINGEST" gen --entities 100 --seed 3 >"$T/in.ndjson"
for cmd in status "ingest $T/in.ndjson --no-progress --job stolen"; do
    rc=0
    # shellcheck disable=SC2086
    "$PTINGEST" --socket "$SQ" $cmd >/dev/null 2>"$T/err" || rc=$?
    [ "$rc" -eq 3 ] || fail "root's ptingest $cmd against nobody's socket: exit $rc, want 3"
    grep -q "refusing the server at $SQ: it runs as uid 65534 (nobody, pid $SQPID).*nothing was sent" \
        "$T/err" || fail "refusal does not say who serves the socket: $(cat "$T/err")"
done
grep -q 'hello from' "$T/squat.log" && fail "the squatter was sent a HELLO"
n=$($NOBODY "$PTINGEST" --socket "$SQ" metrics | sed -n 's/^ptingestd_rows_received_total //p')
[ "$n" = 0 ] || fail "the squatter received $n rows"

# trusting that user on purpose
"$PTINGEST" --socket "$SQ" --daemon-user nobody count >/dev/null \
    || fail "--daemon-user nobody did not let the client through"
PTINGEST_DAEMON_USER=65534 "$PTINGEST" --socket "$SQ" count >/dev/null \
    || fail "PTINGEST_DAEMON_USER=65534 did not let the client through"
rc=0
"$PTINGEST" --socket "$SQ" --daemon-user no-such-user-pt count 2>"$T/err" >/dev/null || rc=$?
[ "$rc" -eq 3 ] && grep -q 'daemon.s user "no-such-user-pt" .* does not exist' "$T/err" \
    || fail "unknown --daemon-user: exit $rc: $(cat "$T/err")"
kill -TERM "$SQPID"; wait "$SQPID" || true; SQPID=

# the default path without XDG_RUNTIME_DIR: nobody's daemon, nobody's client
exec 8>/tmp/ptingestd-squat-test.lock
flock -w 300 8 || fail "another run holds /tmp/ptingestd-squat-test.lock"
[ ! -e "$NDIR" ] || fail "$NDIR exists already; remove it to run this test"
made_ndir=1
mkdir -m 0755 "$NDIR"     # made first by someone else (root here)
rc=0
$NOBODY env -u XDG_RUNTIME_DIR -u PTINGEST_SOCKET "$PTINGESTD" --data-dir "$T/sqdata/db" \
    >"$T/dir.log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "daemon started in a directory another user made"
grep -q "$NDIR: not a private directory of ours (a directory, owner uid 0 (root), mode 0755" \
    "$T/dir.log" || fail "refusal does not say whose the directory is: $(cat "$T/dir.log")"
rmdir "$NDIR"
$NOBODY env -u XDG_RUNTIME_DIR -u PTINGEST_SOCKET "$PTINGESTD" --data-dir "$T/sqdata/db" \
    >"$T/dir.log" 2>&1 &
SQPID=$!
for _ in $(seq 1 200); do grep -q '^info: ready$' "$T/dir.log" && break; sleep 0.05; done
grep -q "^info: listening on $NDIR/ptingestd.sock$" "$T/dir.log" \
    || fail "default socket not in $NDIR: $(cat "$T/dir.log")"
[ "$(stat -c '%U %a' "$NDIR")" = "nobody 700" ] || fail "$NDIR is $(stat -c '%U %a' "$NDIR")"
$NOBODY env -u XDG_RUNTIME_DIR -u PTINGEST_SOCKET "$PTINGEST" count >/dev/null 2>"$T/err" \
    || fail "client on the default path: $(cat "$T/err")"
kill -TERM "$SQPID"; wait "$SQPID" || true; SQPID=
echo "squat: ok (root refused nobody's socket twice with nothing sent; private default dir)"
