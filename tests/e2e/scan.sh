#!/bin/sh
# ptingest scan (README.md, "Reads"): prefix, range, reverse, keys only,
# paging with --after and --limit in both directions joining into the
# whole scan, keys with escapes used as bounds exactly as export prints
# them, and bad arguments refused with exit 2 and the argument named.
. "$(dirname "$0")/lib.sh"
start_daemon

"$PTINGEST" gen --entities 300 --seed 11 >"$T/in.ndjson"
"$PTINGEST" ingest "$T/in.ndjson" --no-progress 2>/dev/null || fail "ingest"
# keys with escapes, raw UTF-8 and a control character
cat >"$T/odd.ndjson" <<'EOF'
{"rel":"IgnoredFiles","key":"odd/a\"quote","value":1}
{"rel":"IgnoredFiles","key":"odd/b\\back\tslash","value":2}
{"rel":"IgnoredFiles","key":"odd/c\u0001é","value":3}
{"rel":"IgnoredFiles","key":"odd/d","value":4}
EOF
"$PTINGEST" ingest "$T/odd.ndjson" --no-progress 2>/dev/null || fail "ingest odd keys"

rel=DependencyEdges
"$PTINGEST" export $rel >"$T/all"
n=$(wc -l <"$T/all")
[ "$n" -gt 500 ] || fail "too few $rel rows: $n"

# the whole relation: exactly the export, and reversed
"$PTINGEST" scan $rel >"$T/s" || fail "scan exited $?"
cmp -s "$T/s" "$T/all" || fail "scan != export"
"$PTINGEST" scan $rel --reverse >"$T/r" || fail "scan --reverse exited $?"
tac "$T/r" | cmp -s - "$T/all" || fail "scan --reverse != export reversed"

key_of() { # line number in $T/all -> its key, as export prints it
    sed -n "$1p" "$T/all" | sed 's/^{"rel":"[^"]*","key":"\(\([^"\\]\|\\.\)*\)".*/\1/'
}

# prefix: every edge leaving one entity (DependencyEdges keys start with
# the from-key)
from_key=$(key_of 1 | cut -d'|' -f1)
grep -F "{\"rel\":\"$rel\",\"key\":\"$from_key|" "$T/all" >"$T/want"
[ "$(wc -l <"$T/want")" -ge 1 ] || fail "no edges of $from_key"
"$PTINGEST" scan $rel --prefix "$from_key|" >"$T/s" || fail "scan --prefix exited $?"
cmp -s "$T/s" "$T/want" || fail "scan --prefix"
"$PTINGEST" scan $rel --prefix "$from_key|" --reverse | tac >"$T/s"
cmp -s "$T/s" "$T/want" || fail "scan --prefix --reverse"

# range: --from inclusive, --to exclusive, in either direction
k10=$(key_of 10)
k40=$(key_of 40)
sed -n '10,39p' "$T/all" >"$T/want"
"$PTINGEST" scan $rel --from "$k10" --to "$k40" >"$T/s" || fail "scan --from --to exited $?"
cmp -s "$T/s" "$T/want" || fail "scan --from --to"
"$PTINGEST" scan $rel --from "$k10" --to "$k40" --reverse | tac >"$T/s"
cmp -s "$T/s" "$T/want" || fail "scan --from --to --reverse"
head -n 9 "$T/all" >"$T/want"
"$PTINGEST" scan $rel --to "$k10" | cmp -s - "$T/want" || fail "scan --to alone"
tail -n +40 "$T/all" >"$T/want"
"$PTINGEST" scan $rel --from "$k40" | cmp -s - "$T/want" || fail "scan --from alone"
[ -z "$("$PTINGEST" scan $rel --from "$k10" --to "$k10")" ] || fail "empty range not empty"

# keys only: {"rel":...,"key":...}, the same keys in the same order
"$PTINGEST" scan $rel --keys-only >"$T/s" || fail "scan --keys-only exited $?"
sed 's/^\({"rel":"[^"]*","key":"\([^"\\]\|\\.\)*"\).*/\1}/' "$T/all" >"$T/want"
cmp -s "$T/s" "$T/want" || fail "scan --keys-only"

# paging: --limit N pages, each continued with --after its last key, join
# into the whole scan, forwards and backwards
page_through() { # extra args -> all pages concatenated on stdout
    after=
    pages=0
    : >"$T/pages"
    while :; do
        if [ -n "$after" ]; then
            "$PTINGEST" scan $rel --limit 53 --after "$after" "$@" >"$T/page" || return 9
        else
            "$PTINGEST" scan $rel --limit 53 "$@" >"$T/page" || return 9
        fi
        [ -s "$T/page" ] || break
        [ "$(wc -l <"$T/page")" -le 53 ] || return 8
        cat "$T/page" >>"$T/pages"
        after=$(tail -n 1 "$T/page" | sed 's/^{"rel":"[^"]*","key":"\(\([^"\\]\|\\.\)*\)".*/\1/')
        pages=$((pages + 1))
    done
    cat "$T/pages"
}
page_through >"$T/s" || fail "paging forwards: exit $?"
cmp -s "$T/s" "$T/all" || fail "pages forwards != export"
page_through --reverse >"$T/s" || fail "paging backwards: exit $?"
tac "$T/s" | cmp -s - "$T/all" || fail "pages backwards != export reversed"
# within a range, past an --after outside it
"$PTINGEST" scan $rel --from "$k10" --to "$k40" --after "$k40" --reverse --limit 5 >"$T/s"
sed -n '35,39p' "$T/all" | tac | cmp -s - "$T/s" || fail "--after at --to, reverse"

# keys with escapes: the exported form works as a bound, an --after and a
# get, and names exactly that key
"$PTINGEST" export IgnoredFiles | grep '"key":"odd/' >"$T/odd"
[ "$(wc -l <"$T/odd")" -eq 4 ] || fail "odd keys: $(cat "$T/odd")"
while IFS= read -r line; do
    k=$(printf '%s\n' "$line" | sed 's/^{"rel":"[^"]*","key":"\(\([^"\\]\|\\.\)*\)".*/\1/')
    got=$("$PTINGEST" scan IgnoredFiles --from "$k" --limit 1) || fail "scan --from $k"
    [ "$got" = "$line" ] || fail "--from \"$k\": got $got"
    v=$(printf '%s\n' "$line" | sed 's/.*,"value":\(.*\)}$/\1/')
    [ "$("$PTINGEST" get IgnoredFiles "$k")" = "$v" ] || fail "get \"$k\""
done <"$T/odd"
"$PTINGEST" scan IgnoredFiles --prefix 'odd/' --after 'odd/a\"quote' --limit 1 --keys-only \
    | grep -qxF '{"rel":"IgnoredFiles","key":"odd/b\\back\tslash"}' || fail "--after an escaped key"

# bad arguments: exit 2, the argument named
bad() { # expected message fragment, args...
    want=$1
    shift
    rc=0
    "$PTINGEST" "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "$*: exit $rc, want 2"
    grep -qF -- "$want" "$T/err" || fail "$*: message: $(cat "$T/err")"
    [ ! -s "$T/out" ] || fail "$*: printed rows"
}
bad 'unknown relation "Nope"' scan Nope
bad '--from: not a valid key: bad escape at byte 2' scan $rel --from 'a\q'
bad '--to: not a valid key: not valid UTF-8 at byte 2' scan $rel --to "$(printf 'a\377')"
bad '--after: not a valid key' scan $rel --after 'x\u12'
bad '--prefix: not a valid key' scan $rel --prefix "$(printf 'a\tb')"
bad '--from "b" is after --to "a"' scan $rel --from b --to a
bad '--limit must be a positive integer, not "0"' scan $rel --limit 0
bad '--limit must be a positive integer, not "-5"' scan $rel --limit -5
bad '--limit must be a positive integer' scan $rel --limit many
bad '--prefix cannot be combined with --from or --to' scan $rel --prefix a --to b
bad 'options of scan' export $rel --reverse
bad 'usage: ptingest scan REL' scan
"$PTINGEST" count >/dev/null || fail "daemon gone after bad scans"

stop_daemon
echo "scan: ok ($n $rel rows)"
