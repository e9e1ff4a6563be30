#!/bin/sh
# ptingestd --check-config on broken and valid files: YAML errors at
# FILE:LINE:COL, RocksDB's rejections at the line of the YAML or of the
# OPTIONS INI file, the INI's comments, the deprecation and contradiction
# warnings, and the relation set a relations map leaves. Last, daemon
# runs: one per relation set over the same database (a relation taken out
# of the set keeps its rows, unserved, until it is enabled again), and one
# whose OPTIONS file shows the option precedence the store opened with.
. "$(dirname "$0")/lib.sh"

# A build without inih (meson -Dini=disabled) has no options files to test.
printf 'rocksdb: {options_file: x.ini}\n' >"$T/probe.yaml"
if "$PTINGESTD" --check-config "$T/probe.yaml" 2>&1 | grep -q "built without INI import"; then
    echo "skipped: built without INI import"
    exit 77
fi

check() { rc=0; "$PTINGESTD" --check-config "$1" >"$T/out" 2>"$T/err" || rc=$?; echo "$rc"; }
has() { grep -qF -- "$2" "$1" || fail "$1 lacks: $2
--- got:
$(cat "$1")"; }

# YAML syntax: line and column of the problem.
printf 'ingest:\n  chunk_max_rows: [1, 2\n' >"$T/syntax.yaml"
[ "$(check "$T/syntax.yaml")" -eq 2 ] || fail "bad YAML syntax accepted"
grep -q "^$T/syntax.yaml:3:1: " "$T/err" || fail "syntax error position: $(cat "$T/err")"

# Unknown key, wrong type (a quoted number, a mapping for a scalar).
printf 'ingest:\n  chunk_max_rowz: 5\n  chunk_max_bytes: "4096"\nlog: {level: {a: 1}}\n' \
    >"$T/keys.yaml"
[ "$(check "$T/keys.yaml")" -eq 2 ] || fail "unknown key accepted"
has "$T/err" "$T/keys.yaml:2:3: unknown key \"ingest.chunk_max_rowz\""
has "$T/err" "$T/keys.yaml:3:20: ingest.chunk_max_bytes: expected an unsigned integer, got the quoted string \"4096\""
has "$T/err" "$T/keys.yaml:4:14: log.level: expected a single value, got a mapping"

# RocksDB rejects a value: reported at the YAML value.
printf 'relations:\n  CodeGraph:\n    cf_options:\n      level0_stop_writes_trigger: soon\n' \
    >"$T/rocks.yaml"
[ "$(check "$T/rocks.yaml")" -eq 2 ] || fail "bad RocksDB value accepted"
has "$T/err" "$T/rocks.yaml:4:35: RocksDB rejected level0_stop_writes_trigger = soon"

# An INI with comments of both kinds, indented keys, a table section.
cat >"$T/OPTIONS.ini" <<'EOF'
# tuning kept by hand
[Version]
  rocksdb_version=7.8.3
[DBOptions]
  max_background_jobs = 3          # three
  bytes_per_sync=2097152 ; 2 MB
[CFOptions "default"]
  level0_slowdown_writes_trigger=24   # earlier than 20? no: later
[CFOptions "CodeGraph"]
  max_write_buffer_number=5
[TableOptions/BlockBasedTable "CodeGraph"]
  block_size=16384 # 16 KB
EOF
printf 'rocksdb:\n  options_file: OPTIONS.ini\n' >"$T/ini.yaml"
[ "$(check "$T/ini.yaml")" -eq 0 ] || fail "INI with comments refused: $(cat "$T/err")"
[ "$(grep -c warning "$T/err")" -eq 0 ] || fail "unexpected warnings: $(cat "$T/err")"
has "$T/out" "#     max_background_jobs: 3  # $T/OPTIONS.ini:5:3"
has "$T/out" "#     bytes_per_sync: 2097152  # $T/OPTIONS.ini:6:3"
has "$T/out" "#     level0_slowdown_writes_trigger: 24  # $T/OPTIONS.ini:8:3"
has "$T/out" "#   relations.CodeGraph.cf_options:"
has "$T/out" "#     block_based_table_factory.block_size: 16384  # $T/OPTIONS.ini:12:3"
has "$T/out" "# max_background_jobs: 6  # <built-in>, replaced by options_file"

# RocksDB rejects a name and a value in the INI: reported at the INI's lines.
cat >"$T/bad.ini" <<'EOF'
[DBOptions]
  max_background_jobz=3
[CFOptions "default"]
  write_buffer_size = lots   # oops
[TableOptions/BlockBasedTable "default"]
  block_size=big
EOF
printf 'rocksdb:\n  options_file: bad.ini\n' >"$T/badini.yaml"
[ "$(check "$T/badini.yaml")" -eq 2 ] || fail "bad INI accepted"
has "$T/err" "$T/bad.ini:2:3: RocksDB rejected max_background_jobz = 3"
has "$T/err" "$T/bad.ini:4:3: RocksDB rejected write_buffer_size = lots"
has "$T/err" "$T/bad.ini:6:3: RocksDB rejected block_based_table_factory.block_size = big"
[ "$(grep -c "bad.ini:4:3" "$T/err")" -eq 1 ] || fail "one error reported per relation: $(cat "$T/err")"

# A missing INI is reported where the YAML names it; a malformed line at its line.
printf 'rocksdb:\n  options_file: nowhere.ini\n' >"$T/missing.yaml"
[ "$(check "$T/missing.yaml")" -eq 2 ] || fail "missing INI accepted"
has "$T/err" "$T/missing.yaml:2:17: rocksdb.options_file: cannot open $T/nowhere.ini"
printf '[DBOptions]\nmax_background_jobs 3\n' >"$T/shape.ini"
printf 'rocksdb: {options_file: shape.ini}\n' >"$T/shape.yaml"
[ "$(check "$T/shape.yaml")" -eq 2 ] || fail "malformed INI accepted"
has "$T/err" "$T/shape.ini:2:1: expected name = value"

# Deprecated and contradictory keys: warnings with FILE:LINE, still valid.
cat >"$T/old.ini" <<'EOF'
[DBOptions]
  max_background_jobs=4
  max_background_compactions=3
  base_background_compactions=1
[CFOptions "default"]
  soft_rate_limit=2.5
[CFOptions "Gone"]
  write_buffer_size=1
EOF
printf 'rocksdb:\n  options_file: old.ini\n  cf_options:\n    purge_redundant_kvs_while_flush: true\n' \
    >"$T/old.yaml"
[ "$(check "$T/old.yaml")" -eq 0 ] || fail "deprecated keys refused: $(cat "$T/err")"
has "$T/err" "$T/old.ini:3:3: warning: max_background_compactions = 3 contradicts max_background_jobs = 4 ($T/old.ini:2)"
has "$T/err" "$T/old.ini:4:3: warning: base_background_compactions is deprecated in RocksDB 7"
has "$T/err" "$T/old.ini:6:3: warning: soft_rate_limit is deprecated in RocksDB 7"
has "$T/err" "$T/old.ini:7:1: warning: no relation named \"Gone\""
has "$T/err" "$T/old.yaml:4:38: warning: purge_redundant_kvs_while_flush is deprecated in RocksDB 7"
has "$T/err" "$T/old.yaml: valid"
# A bad value is an error where it was written, even where a later layer
# overrides it.
printf '[CFOptions "default"]\n  max_write_buffer_number=many\n' >"$T/over.ini"
printf 'rocksdb:\n  options_file: over.ini\n  cf_options: {max_write_buffer_number: 3}\n' \
    >"$T/over.yaml"
[ "$(check "$T/over.yaml")" -eq 2 ] || fail "an overridden bad value accepted"
has "$T/err" "$T/over.ini:2:3: RocksDB rejected max_write_buffer_number = many"

# RocksDB's "Could not find option: " + name reads without a doubled colon.
printf '[TableOptions/BlockBasedTable "default"]\n  block_sizex=4\n' >"$T/unknown.ini"
printf 'rocksdb: {options_file: unknown.ini}\n' >"$T/unknown.yaml"
[ "$(check "$T/unknown.yaml")" -eq 2 ] || fail "an unknown table option accepted"
has "$T/err" "Could not find option: block_based_table_factory.block_sizex"
! grep -qF ': : ' "$T/err" || fail "a doubled colon: $(cat "$T/err")"

# A ';' in a value would hand RocksDB a second option: refused at its line.
printf 'rocksdb:\n  cf_options:\n    write_buffer_size: "1048576;max_write_buffer_number=100"\n' \
    >"$T/smuggle.yaml"
[ "$(check "$T/smuggle.yaml")" -eq 2 ] || fail "a smuggled option accepted"
has "$T/err" "$T/smuggle.yaml:3:24: rocksdb.cf_options.write_buffer_size: value \"1048576;max_write_buffer_number=100\" has a ';' outside braces"
printf '[CFOptions "default"]\n  write_buffer_size=1048576;max_write_buffer_number=100\n' \
    >"$T/smuggle.ini"
printf 'rocksdb: {options_file: smuggle.ini}\n' >"$T/smuggle-ini.yaml"
[ "$(check "$T/smuggle-ini.yaml")" -eq 2 ] || fail "a smuggled INI option accepted"
has "$T/err" "$T/smuggle.ini:2:3: write_buffer_size: value \"1048576;max_write_buffer_number=100\" has unbalanced braces or a ';' outside braces"

# A FIFO is refused at once, as the options file or as the file itself:
# reading one would wait for a writer forever.
mkfifo "$T/fifo.ini" "$T/fifo.yaml"
printf 'rocksdb:\n  options_file: fifo.ini\n' >"$T/fifo-ini.yaml"
rc=0
timeout 20 "$PTINGESTD" --check-config "$T/fifo-ini.yaml" >/dev/null 2>"$T/err" || rc=$?
[ "$rc" -eq 2 ] || fail "options_file a FIFO: exit $rc (124: it hung)"
has "$T/err" "$T/fifo-ini.yaml:2:17: rocksdb.options_file: $T/fifo.ini is a FIFO, not a regular file"
rc=0
timeout 20 "$PTINGESTD" --check-config "$T/fifo.yaml" >/dev/null 2>"$T/err" || rc=$?
[ "$rc" -eq 2 ] || fail "config file a FIFO: exit $rc (124: it hung)"
has "$T/err" "$T/fifo.yaml: a FIFO, not a regular file"

# A socket path over the platform's limit (108 bytes with the NUL on
# Linux) says the limit, in the daemon and in the client, and leaves no
# socket file under a cut-short name.
long="$T/$(printf 's%.0s' $(seq 1 120))"
rc=0
timeout 60 "$PTINGESTD" --data-dir "$T/long-data" --socket "$long" >"$T/out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "a socket path over the limit accepted"
has "$T/out" "$long: socket path too long (max 107 bytes)"
[ -z "$(find "$T" -maxdepth 1 -type s)" ] || fail "a stray socket: $(find "$T" -maxdepth 1 -type s)"
rc=0
"$PTINGEST" --socket "$long" status >"$T/out" 2>&1 || rc=$?
[ "$rc" -eq 3 ] || fail "client on a too long path: exit $rc"
has "$T/out" "socket path too long (max 107 bytes)"

# Tuning one relation keeps the other four; --check-config prints the set.
printf 'relations:\n  CodeGraph:\n    cf_options: {write_buffer_size: 33554432}\n' >"$T/tune.yaml"
[ "$(check "$T/tune.yaml")" -eq 0 ] || fail "tuning one relation refused: $(cat "$T/err")"
grep -qx "relations:  # restart; served: CodeGraph, DependencyEdges, TestEntitiesExcluded, FileWordCoverage, IgnoredFiles" \
    "$T/out" || fail "served set not printed: $(cat "$T/out")"
for rel in DependencyEdges TestEntitiesExcluded FileWordCoverage IgnoredFiles; do
    grep -qx "  $rel: {}" "$T/out" || fail "$rel dropped: $(cat "$T/out")"
done
has "$T/out" "      write_buffer_size: 33554432  # $T/tune.yaml:3:37"

# enabled: false takes one out, and the printed set says so.
printf 'relations:\n  IgnoredFiles: {enabled: false}\n' >"$T/off.yaml"
[ "$(check "$T/off.yaml")" -eq 0 ] || fail "disabling a relation refused: $(cat "$T/err")"
grep -qx "relations:  # restart; served: CodeGraph, DependencyEdges, TestEntitiesExcluded, FileWordCoverage" \
    "$T/out" || fail "served set with one disabled: $(cat "$T/out")"
grep -qx "  IgnoredFiles: {enabled: false}  # not served" "$T/out" || fail "disabled not shown"

# Every relation disabled, or a bad enabled: errors at their lines.
printf 'log: {level: info}\nrelations:\n' >"$T/none.yaml"
for rel in CodeGraph DependencyEdges TestEntitiesExcluded FileWordCoverage IgnoredFiles; do
    printf '  %s: {enabled: false}\n' "$rel" >>"$T/none.yaml"
done
[ "$(check "$T/none.yaml")" -eq 2 ] || fail "no relation at all accepted"
has "$T/err" "$T/none.yaml:2:1: relations: every relation is disabled; at least one is required"
printf 'relations:\n  IgnoredFiles: {enabled: off}\n' >"$T/badon.yaml"
[ "$(check "$T/badon.yaml")" -eq 2 ] || fail "enabled: off accepted"
has "$T/err" "$T/badon.yaml:2:27: relations.IgnoredFiles.enabled: expected true or false, got \"off\""

# A database whose column families no longer match the set: the rows of a
# disabled relation stay on disk, unserved, and come back when it is
# enabled again.
printf '{"rel":"CodeGraph","key":"k1","value":1}\n{"rel":"IgnoredFiles","key":"f1","value":"x"}\n' \
    >"$T/rows.ndjson"
start_daemon
"$PTINGEST" ingest --no-progress "$T/rows.ndjson" >/dev/null || fail "ingest"
stop_daemon
start_daemon --config "$T/off.yaml"
grep -q 'column family "IgnoredFiles" is in the database but not configured' "$LOG" \
    || fail "no warning about the unserved column family"
[ "$("$PTINGEST" count CodeGraph)" -eq 1 ] || fail "CodeGraph not served"
rc=0
"$PTINGEST" count IgnoredFiles >/dev/null 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "a disabled relation is served"
stop_daemon
start_daemon
[ "$("$PTINGEST" get IgnoredFiles f1)" = '"x"' ] || fail "IgnoredFiles rows lost"
stop_daemon

# The store opens with the precedence config_scope_options folds: one
# option from every layer, read back from the OPTIONS file RocksDB writes.
# The INI's create_missing_column_families=false would stop the new
# relation from being created; the daemon's need outranks it.
cat >"$T/prec.ini" <<'EOF'
[DBOptions]
  create_missing_column_families=false
  max_background_jobs=3
[CFOptions "default"]
  max_write_buffer_number=5
  level0_slowdown_writes_trigger=22
[CFOptions "CodeGraph"]
  max_write_buffer_number=6
  level0_slowdown_writes_trigger=23
EOF
cat >"$T/prec.yaml" <<'EOF'
relations:
  CodeGraph: {cf_options: {max_write_buffer_number: 8}}
  Extra: {}
rocksdb:
  options_file: prec.ini
  cf_options: {max_write_buffer_number: 7}
EOF
# opt SECTION KEY: the value RocksDB wrote for KEY in [SECTION].
opt() {
    awk -v sec="[$1]" -v key="$2=" '
        /^\[/ { insec = ($0 == sec) }
        insec { sub(/^[ \t]+/, ""); if (index($0, key) == 1) { print substr($0, length(key) + 1); exit } }
    ' "$(ls "$DATA"/OPTIONS-* | sort | tail -n 1)"
}
want() { [ "$(opt "$1" "$2")" = "$3" ] || fail "[$1] $2 is \"$(opt "$1" "$2")\", want \"$3\""; }
DATA="$T/prec-data"
start_daemon --config "$T/prec.yaml"
stop_daemon
want DBOptions max_background_jobs 3
want DBOptions create_missing_column_families true
want 'CFOptions "CodeGraph"' max_write_buffer_number 8
want 'CFOptions "DependencyEdges"' max_write_buffer_number 7
want 'CFOptions "Extra"' max_write_buffer_number 7
want 'CFOptions "CodeGraph"' level0_slowdown_writes_trigger 23
want 'CFOptions "Extra"' level0_slowdown_writes_trigger 22
want 'CFOptions "default"' level0_slowdown_writes_trigger 22

echo "config_check: ok"
