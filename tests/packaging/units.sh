#!/bin/sh
# The systemd units, sysusers.d file and packaged configuration, checked
# without PID 1 systemd: systemd-analyze verify (the ExecStart= binary
# pointed at the build tree, since nothing is installed), the sandbox's
# exposure score, systemd-sysusers into a scratch root, and that the
# units and the packaged config agree on paths.
set -eu
: "${PTINGESTD:?set by meson}" "${SERVICE_UNIT:?set by meson}" "${SRCDIR:?set by meson}"
command -v systemd-analyze >/dev/null || {
    echo "systemd-analyze not installed (package systemd): skipped"
    exit 77
}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-units.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
P="$SRCDIR/packaging"
CONF="$P/ptingestd.yaml"

exec_path=$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$SERVICE_UNIT")
case "$exec_path" in */sbin/ptingestd) ;; *) fail "ExecStart= runs $exec_path" ;; esac
sed "s|^ExecStart=$exec_path |ExecStart=$PTINGESTD |; s|^ExecReload=$exec_path |ExecReload=$PTINGESTD |" \
    "$SERVICE_UNIT" >"$T/ptingestd.service"
cp "$P/systemd/ptingestd.socket" "$P/systemd/ptingestd-metrics.socket" "$T/"
# the scrape helper: the template beside its socket, verified through an
# instance of it as well
sed "s|^ExecStart=.*|ExecStart=$(dirname "$SERVICE_UNIT")/ptingestd-metrics-http|" \
    "$(dirname "$SERVICE_UNIT")/ptingestd-metrics@.service" >"$T/ptingestd-metrics@.service"
cp "$T/ptingestd-metrics@.service" "$T/ptingestd-metrics@0.service"

# 1. verify: any message at all (unknown keys, bad values) is a failure.
systemd-analyze verify --man=no "$T/ptingestd.service" "$T/ptingestd.socket" \
    "$T/ptingestd-metrics.socket" "$T/ptingestd-metrics@0.service" >"$T/verify" 2>&1 \
    || fail "systemd-analyze verify: $(cat "$T/verify")"
[ ! -s "$T/verify" ] || fail "systemd-analyze verify says: $(cat "$T/verify")"
echo "verify: clean"

# 2. the sandbox
systemd-analyze security --offline=yes "$T/ptingestd.service" >"$T/security" 2>&1 \
    || fail "systemd-analyze security: $(tail -n 5 "$T/security")"
score=$(sed -n 's/.*Overall exposure level for ptingestd.service: \([0-9.]*\).*/\1/p' "$T/security")
echo "security: exposure $score (0 = most locked down, 10 = unprotected)"
awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 1.5) }' || fail "exposure $score > 1.5"
systemd-analyze security --offline=yes "$T/ptingestd-metrics@0.service" >"$T/security" 2>&1 \
    || fail "systemd-analyze security (metrics): $(tail -n 5 "$T/security")"
score=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p' "$T/security")
echo "security: ptingestd-metrics@.service exposure $score"
awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 1.5) }' || fail "metrics exposure $score > 1.5"
grep -q '^ListenStream=127\.0\.0\.1:' "$T/ptingestd-metrics.socket" || fail "metrics socket not on loopback"

# 3. Documentation= names our own man pages
for m in $(sed -n 's/^Documentation=//p' "$T"/*.service "$T"/*.socket | sort -u); do
    page=$(echo "$m" | sed -n 's/^man:\([^(]*\)(\([0-9]\))$/\1.\2/p')
    [ -n "$page" ] || fail "Documentation=$m is not a man page"
    if [ -f "$SRCDIR/docs/$page" ]; then
        man --warnings -l "$SRCDIR/docs/$page" 2>&1 >/dev/null | grep . \
            && fail "docs/$page: groff warnings"
    elif [ "$page" = ptingestd.yaml.5 ]; then
        echo "note: docs/$page not written yet"
    else
        fail "Documentation=$m: no docs/$page"
    fi
done

# 4. sysusers creates the user the unit runs as, homed in the state dir
mkdir -p "$T/root/etc"
systemd-sysusers --root="$T/root" "$P/systemd/ptingestd.sysusers" >/dev/null 2>&1 \
    || fail "systemd-sysusers rejected ptingestd.sysusers"
user=$(sed -n 's/^User=//p' "$T/ptingestd.service")
group=$(sed -n 's/^Group=//p' "$T/ptingestd.service")
grep -q "^$user:x:[0-9]*:[0-9]*:.*:/var/lib/ptingestd:/usr/sbin/nologin$" "$T/root/etc/passwd" \
    || fail "sysusers made no system user $user: $(cat "$T/root/etc/passwd")"
grep -q "^$group:x:" "$T/root/etc/group" || fail "sysusers made no group $group"

# 5. the packaged config is valid and agrees with the units
"$PTINGESTD" --check-config "$CONF" >"$T/eff" 2>"$T/err" || fail "$CONF: $(cat "$T/err")"
listen=$(sed -n 's/^ListenStream=//p' "$T/ptingestd.socket")
grep -q "^  path: $listen\( \|$\)" "$CONF" || fail "listen.path is not the socket unit's $listen"
rundir=$(sed -n 's/^RuntimeDirectory=//p' "$T/ptingestd.service")
statedir=$(sed -n 's/^StateDirectory=//p' "$T/ptingestd.service")
[ "$(dirname "$listen")" = "/run/$rundir" ] || fail "socket $listen not in /run/$rundir"
grep -q "^data_dir: /var/lib/$statedir$" "$CONF" || fail "data_dir is not /var/lib/$statedir"
grep -q "^ExecStart=.* --config .*/ptingestd/ptingestd.yaml$" "$T/ptingestd.service" \
    || fail "ExecStart= does not read ptingestd/ptingestd.yaml"
# reload through the daemon's socket, with nothing from procps (a minimal
# system has no kill(1)); the daemon's own config file
grep -q "^ExecReload=$PTINGESTD --reload --config .*/ptingestd/ptingestd.yaml$" \
    "$T/ptingestd.service" || fail "ExecReload= is not ptingestd --reload: $(grep ExecReload "$T/ptingestd.service")"
# what a restart cannot cure is not restarted into (ptingestd(8), EXIT STATUS)
grep -qx 'RestartPreventExitStatus=2 3' "$T/ptingestd.service" || fail "no RestartPreventExitStatus=2 3"
echo "units: ok"
