#!/bin/sh
# A disk that fills up, with ingest.min_free_bytes: 0, and a start on a
# full disk. Debian's RocksDB aborts (assertion, exit 134) when a WAL
# write or the recovery at open hits ENOSPC; the daemon must never let it:
# - min_free_bytes 0: the writer still keeps the memtables' and the next
#   write's worth free, so the job fails with ENOSPC and the daemon stays
#   up and answers;
# - killed (-9) with unflushed rows, then restarted on a full disk: it
#   refuses before opening RocksDB, "disk full: DIR has N bytes free, need
#   M", exit 3 (the unit's RestartPreventExitStatus), no abort;
# - with space again it recovers every acknowledged row and the job
#   resumes to the exact input.
# Needs a size-limited tmpfs (root with mount rights); skips (77) otherwise.
. "$(dirname "$0")/lib.sh"
small_disk 40m
cat >"$T/cfg.yaml" <<YAML
ingest:
  min_free_bytes: 0
rocksdb:
  cf_options:
    write_buffer_size: 4194304
YAML
no_abort() {
    ! grep -q -i 'assert' "$LOG" || fail "RocksDB asserted: $(grep -i assert "$LOG")"
}

# 1. min_free_bytes 0: refused before RocksDB sees ENOSPC
start_daemon --config "$T/cfg.yaml"
"$PTINGEST" gen --entities 7000 --seed 41 >"$T/in.ndjson"   # ~58 MB: more than fits
rc=0
"$PTINGEST" ingest "$T/in.ndjson" --job fill --no-progress 2>"$T/full.err" || rc=$?
[ "$rc" -eq 4 ] || fail "ingest into a full disk: exit $rc, want 4: $(cat "$T/full.err")"
grep -q "No space left on device: .* below the floor of .* (ingest.min_free_bytes 0.0 MB; memtables" \
    "$T/full.err" || fail "no floor in the error: $(cat "$T/full.err")"
acked=$(sed -n 's/^ptingest: \([0-9][0-9]*\) rows of job fill are durable.*/\1/p' "$T/full.err")
[ -n "$acked" ] || fail "no durable count: $(cat "$T/full.err")"
kill -0 "$DPID" 2>/dev/null || fail "daemon died at ENOSPC (exit $(wait "$DPID"; echo $?))"
"$PTINGEST" status --json | grep -q '"state":"ready"' || fail "not ready after ENOSPC"
no_abort

# 2. killed with rows in the WAL only, the disk filled to the last byte
stop_daemon KILL
ls "$DATA"/*.log >/dev/null 2>&1 || fail "no WAL left to recover"
dd if=/dev/zero of="$T/small/filler" bs=64k 2>/dev/null || true
rc=0
"$PTINGESTD" --config "$T/cfg.yaml" --data-dir "$DATA" --socket "$SOCK" >>"$LOG" 2>&1 || rc=$?
[ "$rc" -eq 3 ] || fail "start on a full disk: exit $rc, want 3"
grep -q "^$DATA: disk full: $DATA has [0-9]* bytes free, need [0-9]* ([0-9]* of write-ahead log" \
    "$LOG" || fail "no disk-full message: $(tail -n 3 "$LOG")"
no_abort

# 3. space again: every acknowledged row is back, the job resumes exactly
rm -f "$T/small/filler"
mount -o remount,size=400m "$T/small" || fail "cannot grow the tmpfs"
start_daemon --config "$T/cfg.yaml"
n=$("$PTINGEST" count)
[ "$n" -ge "$acked" ] || fail "after recovery $n rows, below the $acked acknowledged"
"$PTINGEST" ingest "$T/in.ndjson" --job fill --no-progress 2>"$T/resume.err" \
    || fail "resume: $(cat "$T/resume.err")"
"$PTINGEST" export >"$T/out.ndjson"
same_sorted "$T/in.ndjson" "$T/out.ndjson" || fail "after resume export != input"
stop_daemon
no_abort
echo "diskstart: ok ($acked rows durable at the floor with min_free_bytes 0; full-disk start refused, exit 3; resumed)"
