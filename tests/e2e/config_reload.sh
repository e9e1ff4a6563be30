#!/bin/sh
# The effective RocksDB options are the ones RocksDB writes into its own
# OPTIONS-NNNNNN file: read it back after start-up (values from the YAML,
# from relations.<Name>.cf_options and from the options INI) and after
# SIGHUPs: a valid reload applies the dynamic options live and lists the
# rest as needing a restart; an invalid one changes nothing and says why.
. "$(dirname "$0")/lib.sh"

# A build without inih (meson -Dini=disabled) has no options files to test.
printf 'rocksdb: {options_file: x.ini}\n' >"$T/probe.yaml"
if "$PTINGESTD" --check-config "$T/probe.yaml" 2>&1 | grep -q "built without INI import"; then
    echo "skipped: built without INI import"
    exit 77
fi

# opt FILE SECTION KEY: the value RocksDB wrote for KEY in [SECTION].
opt() {
    awk -v sec="[$2]" -v key="$3=" '
        /^\[/ { insec = ($0 == sec) }
        insec { sub(/^[ \t]+/, ""); if (index($0, key) == 1) { print substr($0, length(key) + 1); exit } }
    ' "$1"
}
# (RocksDB writes OPTIONS-N.dbtmp and renames it; a reload, or the bulk
# profile switching compaction back on after a job, may be doing so.)
newest() { ls "$DATA"/OPTIONS-* | grep -v '\.dbtmp$' | sort | tail -n 1; }
want() { # want SECTION KEY VALUE
    got=$(opt "$(newest)" "$1" "$2")
    [ "$got" = "$3" ] || fail "[$1] $2 is \"$got\" in $(newest), want \"$3\""
}
# reload: SIGHUP, then wait for the n-th reload outcome in the log.
reloads=0
reload() {
    reloads=$((reloads + 1))
    kill -HUP "$DPID"
    for _ in $(seq 1 100); do
        [ "$(grep -c 'reloaded configuration\|refused, nothing changed' "$LOG")" -ge "$reloads" ] \
            && return 0
        sleep 0.05
    done
    fail "reload $reloads not logged"
}
status_config() { "$PTINGEST" status --json | grep -o '"config":{[^}]*}'; }

cat >"$T/OPTIONS.ini" <<'EOF'
# kept by hand; RocksDB's own files indent keys the same way
[Version]
  rocksdb_version=7.8.3
[DBOptions]
  bytes_per_sync=2097152     # 2 MB, from the INI
  max_background_jobs=2      # the YAML says 5
[CFOptions "default"]
  level0_slowdown_writes_trigger=24 ; every relation
[TableOptions/BlockBasedTable "CodeGraph"]
  block_size=16384
EOF
write_yaml() { # write_yaml CODEGRAPH_WBS JOBS EXTRA_CF_LINE
    cat >"$T/c.yaml" <<EOF
ingest: {chunk_max_rows: 500}
relations:
  CodeGraph: {cf_options: {write_buffer_size: $1}}
  DependencyEdges: {}
  TestEntitiesExcluded: {}
  FileWordCoverage: {}
  IgnoredFiles: {}
rocksdb:
  options_file: OPTIONS.ini
  db_options: {max_background_jobs: $2}
  cf_options:
    write_buffer_size: 8388608
$3
EOF
}
write_yaml 33554432 5 ""
start_daemon --config "$T/c.yaml"
want 'DBOptions' max_background_jobs 5
want 'DBOptions' bytes_per_sync 2097152
want 'CFOptions "CodeGraph"' write_buffer_size 33554432
want 'CFOptions "DependencyEdges"' write_buffer_size 8388608
want 'CFOptions "CodeGraph"' level0_slowdown_writes_trigger 24
want 'CFOptions "IgnoredFiles"' level0_slowdown_writes_trigger 24
want 'TableOptions/BlockBasedTable "CodeGraph"' block_size 16384
want 'TableOptions/BlockBasedTable "DependencyEdges"' block_size 4096
"$PTINGEST" gen --entities 40 >"$T/rows.ndjson"
"$PTINGEST" ingest "$T/rows.ndjson" --no-progress 2>/dev/null || fail "ingest before reload"

# A valid reload: dynamic options change live, num_levels cannot.
first=$(newest)
write_yaml 67108864 3 "    num_levels: 5"
sed -i 's/level0_slowdown_writes_trigger=24/level0_slowdown_writes_trigger=26/' "$T/OPTIONS.ini"
reload
[ "$(newest)" != "$first" ] || fail "no new OPTIONS file after the reload"
want 'DBOptions' max_background_jobs 3
want 'CFOptions "CodeGraph"' write_buffer_size 67108864
want 'CFOptions "DependencyEdges"' level0_slowdown_writes_trigger 26
want 'CFOptions "CodeGraph"' num_levels 7
grep -q "reload: relations.CodeGraph.cf_options.write_buffer_size = 67108864 applied" "$LOG" \
    || fail "applied option not logged"
grep -q "num_levels = 5 .*not applied, needs restart: RocksDB: .*not changeable" "$LOG" \
    || fail "refused option not logged"
status_config >"$T/st1"
grep -q '"needs_restart":\["relations.CodeGraph.cf_options.num_levels"' "$T/st1" \
    || fail "needs_restart in status: $(cat "$T/st1")"
grep -q '"last_reload_error":null' "$T/st1" || fail "error after a good reload: $(cat "$T/st1")"

# Invalid reloads change nothing and say why.
applied=$(newest)
write_yaml 1048576 4 "    num_levels: [5"
reload
grep -q "refused, nothing changed" "$LOG" || fail "bad YAML not refused"
status_config >"$T/st2"
grep -q "\"last_reload_error\":\"$T/c.yaml:" "$T/st2" || fail "no reason in status: $(cat "$T/st2")"
grep -q '"reloads_refused":1' "$T/st2" || fail "refusal not counted: $(cat "$T/st2")"
write_yaml 1048576 4 "    level0_stop_writes_trigger: never"
reload
status_config >"$T/st3"
grep -q "\"last_reload_error\":\"$T/c.yaml:13:33: RocksDB rejected level0_stop_writes_trigger = never" \
    "$T/st3" || fail "RocksDB's reason not in status: $(cat "$T/st3")"
[ "$(newest)" = "$applied" ] || fail "a refused reload wrote new options"
want 'CFOptions "CodeGraph"' write_buffer_size 67108864
want 'DBOptions' max_background_jobs 3
"$PTINGEST" ingest "$T/rows.ndjson" --job again --no-progress 2>/dev/null \
    || fail "ingest after refused reloads"

# An options_file that is a FIFO: refused at once (opened without
# blocking, on the thread pool), and the daemon answers all along.
mkfifo "$T/fifo.ini"
write_yaml 1048576 4 ""
sed -i 's/options_file: OPTIONS.ini/options_file: fifo.ini/' "$T/c.yaml"
reload
timeout 10 "$PTINGEST" status --json >"$T/st5" || fail "status after a FIFO reload"
grep -q "\"last_reload_error\":\"$T/c.yaml:9:17: rocksdb.options_file: $T/fifo.ini is a FIFO, not a regular file\"" \
    "$T/st5" || fail "FIFO not named in status: $(cat "$T/st5")"
want 'CFOptions "CodeGraph"' write_buffer_size 67108864

# Back to the file RocksDB runs: nothing waits for a restart any more.
write_yaml 67108864 3 ""
reload
status_config >"$T/st4"
grep -q '"needs_restart":\[\],"last_reload_error":null' "$T/st4" \
    || fail "stale restart list: $(cat "$T/st4")"

# A burst of SIGHUPs: RocksDB's part of a reload runs off the loop, one
# reload at a time; a newer file waits for the one running (only the
# newest), so the last file is what runs in the end, status answers all
# along, and no more reloads happen than were asked for.
before=$(grep -c 'reloaded configuration' "$LOG")
for wbs in 2097152 4194304 6291456 8388608 10485760; do
    write_yaml $wbs 3 ""
    kill -HUP "$DPID"
    "$PTINGEST" status >/dev/null || fail "status during a burst of reloads"
done
for _ in $(seq 1 200); do
    [ "$(opt "$(newest)" 'CFOptions "CodeGraph"' write_buffer_size)" = 10485760 ] && break
    sleep 0.05
done
want 'CFOptions "CodeGraph"' write_buffer_size 10485760
sleep 0.5 # let a reload that still follows log itself
n=$(( $(grep -c 'reloaded configuration' "$LOG") - before ))
[ "$n" -ge 1 ] && [ "$n" -le 5 ] || fail "$n reloads logged for 5 SIGHUPs"
"$PTINGEST" status --json | grep -q '"state":"ready"' || fail "not ready after the burst"

# SIGTERM right behind a SIGHUP: the reload finishes or is dropped, the
# drain waits for it, and the daemon exits 0 (ASan would see a RocksDB
# handle used after close).
write_yaml 12582912 3 ""
kill -HUP "$DPID"
stop_daemon

# RocksDB's own OPTIONS file is a valid options file as it stands.
cp "$(newest)" "$T/rocks.ini"
printf 'rocksdb:\n  options_file: rocks.ini\n' >"$T/own.yaml"
"$PTINGESTD" --check-config "$T/own.yaml" >/dev/null 2>"$T/own.err" \
    || fail "RocksDB's own OPTIONS file refused: $(cat "$T/own.err")"
start_daemon --config "$T/own.yaml"
want 'CFOptions "CodeGraph"' write_buffer_size "$(opt "$T/rocks.ini" 'CFOptions "CodeGraph"' write_buffer_size)"
want 'TableOptions/BlockBasedTable "CodeGraph"' block_size 16384
[ "$("$PTINGEST" count CodeGraph)" -gt 0 ] || fail "rows lost"
stop_daemon
echo "config_reload: ok"
