#!/bin/sh
# Connection limits by user: one user cannot hold more than
# listen.max_clients_per_uid connections, and when listen.max_clients are
# taken, root (or the daemon's own user) still gets one of
# listen.operator_slots, so an operator can always reach status. Clients
# run as `nobody` through setpriv. Root only (skips otherwise).
. "$(dirname "$0")/lib.sh"
: "${RAWCLIENT:?set by meson}"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: running clients as another user needs root"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: setpriv not installed"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }
chmod 755 "$T"
nobody() { setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"; }
cat >"$T/c.yaml" <<YAML
listen:
  mode: "0666"
  max_clients: 3
  max_clients_per_uid: 2
  operator_slots: 1
YAML
start_daemon --config "$T/c.yaml"

held=
hold() { # name, as-whom ("" or nobody): a connection that says HELLO and stays
    $2 "$RAWCLIENT" --wait 6 "$SOCK" hello >"$T/$1.out" 2>&1 &
    held="$held $!"
    sleep 0.3
    grep -q '^HELLO_OK' "$T/$1.out" || fail "$1 not served: $(cat "$T/$1.out")"
}
hold n1 nobody
hold n2 nobody
nobody "$RAWCLIENT" --wait 2 "$SOCK" hello >"$T/n3.out" 2>&1 || true
grep -q "ERROR code=6 too many clients of uid $(id -u nobody) (listen.max_clients_per_uid = 2)" \
    "$T/n3.out" || fail "third connection of one user: $(cat "$T/n3.out")"
hold r1 ""
# three held: listen.max_clients is reached; root still gets status, nobody not
"$PTINGEST" status >/dev/null 2>"$T/root.err" || fail "root locked out: $(cat "$T/root.err")"
rc=0
nobody "$PTINGEST" status >/dev/null 2>"$T/busy.err" || rc=$?
[ "$rc" -eq 4 ] && grep -q "too many clients (listen.max_clients = 3)" "$T/busy.err" \
    || fail "fourth client of a user: exit $rc: $(cat "$T/busy.err")"
for p in $held; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
stop_daemon
echo "limits: ok"
