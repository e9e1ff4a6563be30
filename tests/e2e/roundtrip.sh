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

stop_daemon
echo "roundtrip: ok ($rows rows)"
