# bench/lib.sh - what the bench scripts share; sourced from the top of the
# tree once B (the build dir) is set.

# die MESSAGE: unless the script has its own
command -v die >/dev/null 2>&1 || die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# pt_need PROGRAM...: each of $B's PROGRAMs (paths inside the build) is
# built, or exit 2 saying how to build it.
pt_need() {
    for _x in "$@"; do
        [ -x "$B/$_x" ] || { echo "missing $B/$_x: meson compile -C $B" >&2; exit 2; }
    done
}

# pt_start_daemon CONFIG DATA_DIR SOCKET LOG: start $B's ptingestd in the
# background (its pid in dpid) and wait until it says it is ready; die
# with its log if it exits or is not ready within 30 s.
pt_start_daemon() {
    rm -f "$4" # an old log's "ready" must not count
    "$B/daemon/ptingestd" --config "$1" --data-dir "$2" --socket "$3" >"$4" 2>&1 &
    dpid=$!
    _i=0
    until grep -q 'ready$' "$4" 2>/dev/null; do
        _i=$((_i + 1))
        [ $_i -lt 600 ] || die "ptingestd did not get ready: $(cat "$4")"
        kill -0 "$dpid" 2>/dev/null || die "ptingestd exited: $(cat "$4")"
        sleep 0.05
    done
}

# pt_workdir NAME: a fresh work dir in w (under $TMPDIR, else /var/tmp),
# removed on exit, with the daemon in dpid (pt_start_daemon) killed first.
pt_workdir() {
    w=$(mktemp -d "${TMPDIR:-/var/tmp}/pt-$1.XXXXXX")
    dpid=
    trap '[ -n "$dpid" ] && kill -KILL $dpid 2>/dev/null; rm -rf "$w"' EXIT
}

# pt_input ENTITIES [SEED]: `ptingest gen` into $w/in.ndjson (gen's own
# default seed without SEED); its row count in rows and its size in whole
# MB in mb.
pt_input() {
    "$B/client/ptingest" gen --entities "$1" ${2:+--seed "$2"} >"$w/in.ndjson"
    rows=$(wc -l <"$w/in.ndjson")
    mb=$(awk -v b="$(wc -c <"$w/in.ndjson")" 'BEGIN { printf "%.0f", b / 1e6 }')
}

# pt_private_bin [BENCH_PROGRAM...]: copy $B's ptingestd, ptingest, its
# library and the named bench/ programs into $w/bin, same layout (their
# RUNPATH is relative), and point B there: a rebuild of the build dir
# during a run must not change the programs between rounds.
pt_private_bin() {
    mkdir -p "$w/bin/daemon" "$w/bin/client" "$w/bin/bench"
    cp "$B/daemon/ptingestd" "$w/bin/daemon/"
    cp "$B/client/ptingest" "$w/bin/client/"
    for _f in "$B"/client/libptingest.so*; do [ -d "$_f" ] || cp -P "$_f" "$w/bin/client/"; done
    for _f in "$@"; do cp "$B/bench/$_f" "$w/bin/bench/"; done
    B=$w/bin
}
