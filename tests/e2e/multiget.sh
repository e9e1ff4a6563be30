#!/bin/sh
# ptingest get with many keys (README.md, "Reads"): one NDJSON row per key
# found, in the order asked; the missing keys and their count on stderr
# and exit 1; keys from a file or stdin, one JSON string a line; one key
# on the command line prints just the value, as before.
. "$(dirname "$0")/lib.sh"
start_daemon

"$PTINGEST" gen --entities 200 --seed 5 >"$T/in.ndjson"
printf '{"rel":"CodeGraph","key":"esc\\"aped\\\\k\\u00e9y","value":{"v":1}}\n' >>"$T/in.ndjson"
"$PTINGEST" ingest "$T/in.ndjson" --no-progress 2>/dev/null || fail "ingest"
"$PTINGEST" export CodeGraph >"$T/all"

key_of() { # line number in $T/all -> its key, as export prints it
    sed -n "$1p" "$T/all" | sed 's/^{"rel":"[^"]*","key":"\(\([^"\\]\|\\.\)*\)".*/\1/'
}
k3=$(key_of 3)
k50=$(key_of 50)
k7=$(key_of 7)
esc=$(grep -F '"key":"esc' "$T/all" | sed 's/^{"rel":"[^"]*","key":"\(\([^"\\]\|\\.\)*\)".*/\1/')
[ "$esc" = 'esc\"aped\\k\u00e9y' ] || [ "$esc" = 'esc\"aped\\kéy' ] || fail "escaped key: $esc"

# the order asked, not key order; a missing key in the middle
rc=0
"$PTINGEST" get CodeGraph "$k50" "no-such-key" "$k3" "$esc" "$k7" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || fail "exit $rc with a key missing, want 1"
{ sed -n 50p "$T/all"; sed -n 3p "$T/all"; grep -F '"key":"esc' "$T/all"; sed -n 7p "$T/all"; } \
    >"$T/want"
cmp -s "$T/out" "$T/want" || fail "rows: $(head -c 300 "$T/out")"
grep -qxF 'ptingest: not found: "no-such-key"' "$T/err" || fail "missing key not named: $(cat "$T/err")"
grep -qxF 'ptingest: 1 of 5 keys not found' "$T/err" || fail "missing count: $(cat "$T/err")"

# every key present: exit 0, nothing on stderr
rc=0
"$PTINGEST" get CodeGraph "$k7" "$k3" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 0 ] || fail "exit $rc with every key present"
[ ! -s "$T/err" ] || fail "stderr: $(cat "$T/err")"
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "two rows"

# --keys FILE and --keys -: one JSON string a line, blank lines skipped
{
    grep -o '"key":"\([^"\\]\|\\.\)*"' "$T/all" | cut -c7- | head -n 120
    echo
    echo '"missing-1"'
    echo '"missing-2"'
} >"$T/keys"
rc=0
"$PTINGEST" get CodeGraph --keys "$T/keys" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || fail "--keys FILE: exit $rc"
head -n 120 "$T/all" | cmp -s - "$T/out" || fail "--keys FILE rows"
grep -qxF 'ptingest: 2 of 122 keys not found' "$T/err" || fail "--keys count: $(cat "$T/err")"
rc=0
grep -v missing "$T/keys" | "$PTINGEST" get CodeGraph --keys - >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 0 ] || fail "--keys -: exit $rc: $(cat "$T/err")"
head -n 120 "$T/all" | cmp -s - "$T/out" || fail "--keys - rows"

# a whole relation's keys at once, as a query server would ask
grep -o '"key":"\([^"\\]\|\\.\)*"' "$T/all" | cut -c7- >"$T/allkeys"
"$PTINGEST" get CodeGraph --keys "$T/allkeys" >"$T/out" || fail "all keys: exit $?"
cmp -s "$T/out" "$T/all" || fail "all keys: rows differ from export"

# one key: the value alone, as before; absent: exit 1, nothing printed
want=$(sed -n 3p "$T/all" | sed 's/.*,"value":\(.*\)}$/\1/')
[ "$("$PTINGEST" get CodeGraph "$k3")" = "$want" ] || fail "single get"
[ "$("$PTINGEST" get CodeGraph "$esc")" = '{"v":1}' ] || fail "single get of an escaped key"
rc=0
"$PTINGEST" get CodeGraph nope >"$T/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && [ ! -s "$T/out" ] || fail "single get of an absent key: exit $rc"

# bad input: exit 2, where and why
bad() { # expected message fragment, args...
    want=$1
    shift
    rc=0
    "$PTINGEST" "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
    [ "$rc" -eq 2 ] || fail "$*: exit $rc, want 2"
    grep -qF -- "$want" "$T/err" || fail "$*: message: $(cat "$T/err")"
}
printf '"ok"\nnot-quoted\n' >"$T/badkeys"
bad "$T/badkeys:2: not a JSON string" get CodeGraph --keys "$T/badkeys"
printf '"ok"\n"bad\\q"\n' >"$T/badkeys"
bad "$T/badkeys:2: not a valid key: bad escape at byte 4" get CodeGraph --keys "$T/badkeys"
bad 'key 2: not a valid key: bad escape' get CodeGraph a 'b\x' c
bad 'KEY: not a valid key' get CodeGraph 'b\x'
bad 'unknown relation "Nope"' get Nope a b
bad 'no-such-file' get CodeGraph --keys "$T/no-such-file"
bad 'usage: ptingest get' get CodeGraph --keys "$T/keys" extra
bad '--keys is an option of get' export --keys "$T/keys"

stop_daemon
echo "multiget: ok"
