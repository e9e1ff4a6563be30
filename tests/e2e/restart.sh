#!/bin/sh
# Data survives a clean restart and a SIGKILL after acknowledgement.
. "$(dirname "$0")/lib.sh"
start_daemon
"$PTINGEST" gen --entities 300 --seed 21 >"$T/in.ndjson"
"$PTINGEST" ingest "$T/in.ndjson" --no-progress 2>/dev/null || fail "ingest"
stop_daemon TERM
start_daemon
"$PTINGEST" export >"$T/out1.ndjson"
same_sorted "$T/in.ndjson" "$T/out1.ndjson" || fail "after SIGTERM restart"

# sync=chunk (the default): acknowledged means the WAL is fsynced, so a
# SIGKILL right after the client returns loses nothing.
"$PTINGEST" gen --entities 300 --seed 22 >"$T/in2.ndjson"
"$PTINGEST" ingest "$T/in2.ndjson" --no-progress 2>/dev/null || fail "ingest 2"
stop_daemon KILL
start_daemon
"$PTINGEST" export | sort >"$T/out2.sorted"
# The second ingest ran last, so each of its rows is stored as it was sent.
sort "$T/in2.ndjson" >"$T/in2.sorted"
[ "$(comm -23 "$T/in2.sorted" "$T/out2.sorted" | wc -l)" -eq 0 ] \
    || fail "rows of the acknowledged second ingest lost after SIGKILL"
[ "$("$PTINGEST" count)" -ge "$(wc -l <"$T/in2.ndjson")" ] || fail "count after SIGKILL"
stop_daemon
echo "restart: ok"
