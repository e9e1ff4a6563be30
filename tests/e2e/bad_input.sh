#!/bin/sh
# Bad NDJSON: FILE:LINE: message, exit 2, the rows before it are in, the
# daemon stays up and keeps serving.
. "$(dirname "$0")/lib.sh"
cat >"$T/small.yaml" <<YAML
ingest:
  max_key_bytes: 200
  max_value_bytes: 4096
YAML
start_daemon --config "$T/small.yaml"

"$PTINGEST" gen --entities 40 --seed 5 | grep -v '^{"rel":"CodeGraph"' >"$T/good.ndjson"
n=$(wc -l <"$T/good.ndjson")

check_bad() { # name, bad line, expected message fragment
    head -n 10 "$T/good.ndjson" >"$T/$1.ndjson"
    printf '%s\n' "$2" >>"$T/$1.ndjson"
    tail -n +11 "$T/good.ndjson" >>"$T/$1.ndjson"
    rc=0
    "$PTINGEST" ingest "$T/$1.ndjson" --no-progress --job "bad-$1" 2>"$T/$1.err" || rc=$?
    [ "$rc" -eq 2 ] || fail "$1: exit $rc, want 2"
    grep -qF "$T/$1.ndjson:11: $3" "$T/$1.err" || fail "$1: message: $(cat "$T/$1.err")"
    grep -q "the 10 rows before it are ingested" "$T/$1.err" || fail "$1: no durable count"
}
check_bad json '{"rel":"IgnoredFiles","key":"x",' 'not valid JSON'
check_bad missing '{"rel":"IgnoredFiles","value":1}' 'missing member "key"'
check_bad relation '{"rel":"NoSuchRel","key":"x","value":1}' 'unknown relation "NoSuchRel"'
check_bad longkey "{\"rel\":\"IgnoredFiles\",\"key\":\"$(printf '%0300d' 0)\",\"value\":1}" 'key of 300 bytes exceeds'
check_bad longvalue "{\"rel\":\"IgnoredFiles\",\"key\":\"v\",\"value\":\"$(printf '%05000d' 0)\"}" 'value of 5002 bytes exceeds'
check_bad utf8 "$(printf '{"rel":"IgnoredFiles","key":"\377","value":1}')" 'not valid JSON'
check_bad notobject '[1,2]' 'line is not a JSON object'

# exactly the 10 rows before the bad line are stored (same 10 each time)
[ "$("$PTINGEST" count)" -eq 10 ] || fail "count after bad inputs: $("$PTINGEST" count)"
# and the daemon still takes a whole good file
"$PTINGEST" ingest "$T/good.ndjson" --no-progress 2>/dev/null || fail "good ingest after bad ones"
[ "$("$PTINGEST" count)" -eq "$n" ] || fail "count after good ingest"
grep -q '"state":"aborted"' <<EOS || fail "aborted jobs in status"
$("$PTINGEST" status --json)
EOS
stop_daemon
echo "bad_input: ok"
