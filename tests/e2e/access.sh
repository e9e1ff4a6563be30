#!/bin/sh
# listen.allow on Linux: checked at accept against the credentials the
# kernel recorded at connect. With a socket everyone may open (0666) and a
# list of a user by name, a group and a numeric id: root is always let in,
# the listed user, a member of the group (supplementary) and the id are
# served, `nobody` gets ERROR denied (ptingest exits 4 naming the rule), a
# warning with its uid, gid and pid is logged and metrics count it. An
# unknown name is reported by --check-config (exit 2) and refused at start.
# Clients run as other users through setpriv (util-linux); the test user is
# created here and removed again. Root only (skips otherwise).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: running clients as other users needs root"; exit 77; }
for t in setpriv useradd userdel; do
    command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
U="ptacc$$"
useradd --system --no-create-home --user-group --shell /usr/sbin/nologin "$U" \
    || fail "cannot create test user $U"
trap 'userdel "$U" 2>/dev/null || true; cleanup' EXIT
chmod 755 "$T"

# as USER GROUPS CMD...: the client as another user, in its own primary
# group and the supplementary GROUPS ("-" for none)
as() {
    u=$1 g=$2
    shift 2
    if [ "$g" = - ]; then
        setpriv --reuid="$u" --regid="$(id -g "$u")" --clear-groups "$@"
    else
        setpriv --reuid="$u" --regid="$(id -g "$u")" --groups="$g" "$@"
    fi
}

cat >"$T/cfg.yaml" <<YAML
listen:
  mode: "0666"
  allow: "$U, group:adm, 4242"
YAML
"$PTINGESTD" --check-config "$T/cfg.yaml" >/dev/null 2>"$T/check.err" \
    || fail "valid allow list refused: $(cat "$T/check.err")"

# unknown names: --check-config says which, and the daemon does not start
cat >"$T/bad.yaml" <<YAML
listen:
  allow: "root, no-such-user-pt, group:no-such-group-pt"
YAML
rc=0
"$PTINGESTD" --check-config "$T/bad.yaml" >/dev/null 2>"$T/bad.err" || rc=$?
[ "$rc" -eq 2 ] || fail "--check-config on an unknown user: exit $rc, want 2"
grep -q 'listen.allow: no user "no-such-user-pt"' "$T/bad.err" \
    || fail "--check-config does not name the user: $(cat "$T/bad.err")"
rc=0
"$PTINGESTD" --config "$T/bad.yaml" --data-dir "$DATA" --socket "$SOCK" >"$T/bad.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "daemon on an unknown user: exit $rc, want 2 (invalid configuration)"
grep -q 'no user "no-such-user-pt"' "$T/bad.log" || fail "start: $(cat "$T/bad.log")"
[ ! -e "$SOCK" ] || fail "a socket was left by the refused start"

start_daemon --config "$T/cfg.yaml"
"$PTINGEST" status --json >/dev/null || fail "root refused"

# nobody: not listed, in no listed group
rc=0
# setpriv itself (not the function, which would fork): $! is the client
setpriv --reuid=nobody --regid=nogroup --clear-groups "$PTINGEST" status >"$T/out" \
    2>"$T/denied.err" &
cpid=$!
wait "$cpid" || rc=$?
[ "$rc" -eq 4 ] || fail "nobody: exit $rc, want 4: $(cat "$T/denied.err")"
grep -q "denied: uid 65534, gid 65534: .*listen.allow \"$U, group:adm, 4242\"" "$T/denied.err" \
    || fail "refusal does not name the rule: $(cat "$T/denied.err")"
[ ! -s "$T/out" ] || fail "a denied client got an answer: $(cat "$T/out")"
grep -q "^warn: client [0-9]* denied: uid 65534 gid 65534 pid $cpid: " "$LOG" \
    || fail "no warning with uid, gid and pid $cpid"

# the listed user, a member of group adm (supplementary), uid 4242
as "$U" - "$PTINGEST" status --json >/dev/null 2>"$T/u.err" || fail "$U refused: $(cat "$T/u.err")"
as nobody adm "$PTINGEST" count >/dev/null 2>"$T/g.err" \
    || fail "member of group adm refused: $(cat "$T/g.err")"
setpriv --reuid=4242 --regid=4242 --clear-groups "$PTINGEST" count >/dev/null 2>"$T/i.err" \
    || fail "uid 4242 refused: $(cat "$T/i.err")"
"$PTINGEST" gen --entities 200 --seed 5 >"$T/in.ndjson"
as "$U" - "$PTINGEST" ingest "$T/in.ndjson" --no-progress 2>"$T/ing.err" \
    || fail "$U cannot ingest: $(cat "$T/ing.err")"
[ "$(grep -c '^warn: client [0-9]* denied: ' "$LOG")" -eq 1 ] \
    || fail "allowed peers were logged as denied"

# a denied ingest sends nothing that is stored
n=$("$PTINGEST" count)
rc=0
as nobody - "$PTINGEST" ingest "$T/in.ndjson" --job nope --no-progress 2>/dev/null || rc=$?
[ "$rc" -eq 4 ] || fail "nobody's ingest: exit $rc, want 4"
[ "$("$PTINGEST" count)" -eq "$n" ] || fail "a denied ingest changed the count"

"$PTINGEST" metrics >"$T/metrics"
grep -q '^ptingestd_errors_total{kind="denied"} 2$' "$T/metrics" \
    || fail "metrics: $(grep denied "$T/metrics")"
stop_daemon
echo "access: ok (root, $U, group adm, uid 4242 served; nobody denied twice)"
