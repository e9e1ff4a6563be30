#!/bin/sh
# gen -> ingest -> export is byte-identical after sorting (README.md, "The client"),
# and get/count read back what was written.
. "$(dirname "$0")/lib.sh"
start_daemon

"$PTINGEST" gen --entities 300 --seed 7 >"$T/in.ndjson"
rows=$(wc -l <"$T/in.ndjson")
"$PTINGEST" ingest "$T/in.ndjson" --no-progress 2>"$T/ingest.err" || fail "ingest exited $?"
grep -q "^ingested $rows rows ($(wc -c <"$T/in.ndjson") bytes) in [0-9.]* s$" "$T/ingest.err" \
    || fail "summary line: $(cat "$T/ingest.err")"

"$PTINGEST" export >"$T/out.ndjson" || fail "export exited $?"
same_sorted "$T/in.ndjson" "$T/out.ndjson" || fail "sort(export) != sort(gen)"

[ "$("$PTINGEST" count)" -eq "$rows" ] || fail "count"
for rel in CodeGraph DependencyEdges TestEntitiesExcluded FileWordCoverage IgnoredFiles; do
    want=$(grep -c "^{\"rel\":\"$rel\"" "$T/in.ndjson" || true)
    [ "$want" -gt 0 ] || fail "gen wrote no $rel rows"
    got=$("$PTINGEST" count "$rel")
    [ "$got" -eq "$want" ] || fail "count $rel: $got != $want"
    "$PTINGEST" export "$rel" >"$T/rel.ndjson"
    # key order within the relation
    grep -o '"key":"[^"]*"' "$T/rel.ndjson" >"$T/keys" || true
    LC_ALL=C sort -c "$T/keys" 2>/dev/null || true
done

# get: a key with escapes in it, value printed compact
line=$(grep '^{"rel":"CodeGraph"' "$T/in.ndjson" | head -n 1)
key=$(printf '%s' "$line" | sed 's/^{"rel":"CodeGraph","key":"\([^"]*\)".*/\1/')
want=$(printf '%s' "$line" | sed 's/^{"rel":"CodeGraph","key":"[^"]*","value":\(.*\)}$/\1/')
got=$("$PTINGEST" get CodeGraph "$key") || fail "get exited $?"
[ "$got" = "$want" ] || fail "get returned a different value"

# deletes
printf '{"rel":"CodeGraph","key":"%s","op":"del"}\n' "$key" | "$PTINGEST" ingest - --no-progress 2>/dev/null \
    || fail "delete ingest"
rc=0; "$PTINGEST" get CodeGraph "$key" >/dev/null || rc=$?
[ "$rc" -eq 1 ] || fail "get after delete: exit $rc, want 1"

# whitespace in input is removed outside strings, escapes kept verbatim
printf '{ "rel" : "IgnoredFiles", "key" : "a\\u00e9|b", "value" : { "x" : [ 1 , "s p\\u00e9\\n" ] } }\n' \
    | "$PTINGEST" ingest - --no-progress 2>/dev/null || fail "spaced ingest"
[ "$("$PTINGEST" get IgnoredFiles "aé|b")" = '{"x":[1,"s p\u00e9\n"]}' ] || fail "minified value"
"$PTINGEST" export IgnoredFiles | grep -qF '{"rel":"IgnoredFiles","key":"aé|b","value":{"x":[1,"s p\u00e9\n"]}}' \
    || fail "export escaping"

# Keys are stored unescaped and exported with minimal escaping
# (README.md, "The client"): keys written with other escapes ("\/",
# "\u0041", "\u00e9", "\u2028", a surrogate pair) are stored as the
# characters they stand for and come back escaped minimally, so such
# input is not byte-identical to its export; minimally escaped input is.
printf '%s\n' \
    '{"rel":"FileWordCoverage","key":"rt-\/slash","value":1}' \
    '{"rel":"FileWordCoverage","key":"rt-\u0041","value":2}' \
    '{"rel":"FileWordCoverage","key":"rt-\u00e9","value":3}' \
    '{"rel":"FileWordCoverage","key":"rt-\u2028","value":4}' \
    '{"rel":"FileWordCoverage","key":"rt-\ud83d\ude00","value":5}' \
    '{"rel":"FileWordCoverage","key":"rt-\u00E9\u000A","value":6}' >"$T/esc.ndjson"
printf '%s\n' \
    '{"rel":"FileWordCoverage","key":"rt-/slash","value":1}' \
    '{"rel":"FileWordCoverage","key":"rt-A","value":2}' >"$T/esc.want"
printf '{"rel":"FileWordCoverage","key":"rt-\303\251","value":3}\n' >>"$T/esc.want"
printf '{"rel":"FileWordCoverage","key":"rt-\342\200\250","value":4}\n' >>"$T/esc.want"
printf '{"rel":"FileWordCoverage","key":"rt-\360\237\230\200","value":5}\n' >>"$T/esc.want"
printf '{"rel":"FileWordCoverage","key":"rt-\303\251\\n","value":6}\n' >>"$T/esc.want"
"$PTINGEST" ingest "$T/esc.ndjson" --no-progress 2>/dev/null || fail "ingest of escaped keys"
"$PTINGEST" export FileWordCoverage | grep '"key":"rt-' >"$T/esc.out" || true
same_sorted "$T/esc.out" "$T/esc.want" || fail "escaped keys not exported minimally:
$(cat "$T/esc.out")"
! same_sorted "$T/esc.out" "$T/esc.ndjson" || fail "non-minimal escapes came back byte-identical"
# stored as the characters, not the escapes
[ "$("$PTINGEST" get FileWordCoverage "rt-/slash")" = 1 ] || fail "\\/ not stored as /"
[ "$("$PTINGEST" get FileWordCoverage "rt-A")" = 2 ] || fail "\\u0041 not stored as A"
[ "$("$PTINGEST" get FileWordCoverage "$(printf 'rt-\342\200\250')")" = 4 ] \
    || fail "\\u2028 not stored as U+2028"
[ "$("$PTINGEST" get FileWordCoverage "$(printf 'rt-\360\237\230\200')")" = 5 ] \
    || fail "a surrogate pair not stored as its character"
# Minimal escaping round-trips byte for byte: quote, backslash, the short
# escapes, other control characters as lowercase \u00xx, DEL and all
# non-ASCII raw; values keep their escapes as written, minimal or not.
printf '%s\n' \
    '{"rel":"FileWordCoverage","key":"mn-q\"b\\s/","value":"\/\u0041"}' \
    '{"rel":"FileWordCoverage","key":"mn-\b\f\n\r\t","value":[1,{"a":null}]}' \
    '{"rel":"FileWordCoverage","key":"mn-\u0000\u0001\u001f","value":"x"}' >"$T/min.ndjson"
printf '{"rel":"FileWordCoverage","key":"mn-\177\303\251\342\200\250\360\237\230\200","value":"\\u00e9"}\n' \
    >>"$T/min.ndjson"
"$PTINGEST" ingest "$T/min.ndjson" --no-progress 2>/dev/null || fail "ingest of minimal keys"
"$PTINGEST" export FileWordCoverage | grep '"key":"mn-' >"$T/min.out" || true
same_sorted "$T/min.out" "$T/min.ndjson" || fail "minimally escaped keys did not round-trip:
$(cat "$T/min.out")"

stop_daemon
echo "roundtrip: ok ($rows rows)"
