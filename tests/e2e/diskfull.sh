#!/bin/sh
# Disk full: the job fails with a clear error naming the data dir and its
# free space; the daemon stays up and keeps serving reads and status; once
# space is freed the same job resumes and completes exactly.
# Needs a size-limited tmpfs (root with mount rights); skips (77) otherwise.
. "$(dirname "$0")/lib.sh"
small_disk 24m
cat >"$T/cfg.yaml" <<YAML
ingest:
  min_free_bytes: 12000000
rocksdb:
  cf_options:
    write_buffer_size: 4194304
YAML
start_daemon --config "$T/cfg.yaml"
"$PTINGEST" gen --entities 4000 --seed 31 >"$T/in.ndjson"   # ~33 MB: more than fits
rc=0
"$PTINGEST" ingest "$T/in.ndjson" --job big --no-progress 2>"$T/full.err" || rc=$?
[ "$rc" -eq 4 ] || fail "ingest into a full disk: exit $rc, want 4: $(cat "$T/full.err")"
grep -q "No space left on device" "$T/full.err" || fail "no ENOSPC in: $(cat "$T/full.err")"
grep -q "data dir $DATA, [0-9.]* MB free" "$T/full.err" || fail "error does not name the data dir: $(cat "$T/full.err")"
acked=$(sed -n 's/^ptingest: \([0-9][0-9]*\) rows of job big are durable.*/\1/p' "$T/full.err")
[ -n "$acked" ] || fail "no durable count: $(cat "$T/full.err")"

# still up: status, count and get answer
"$PTINGEST" status --json >"$T/status.json" || fail "status after ENOSPC"
grep -q '"state":"ready"' "$T/status.json" || fail "daemon not ready after ENOSPC"
n=$("$PTINGEST" count) || fail "count after ENOSPC"
[ "$n" -ge "$acked" ] || fail "count $n below the $acked acknowledged rows"
key=$(head -n 1 "$T/in.ndjson" | sed 's/^{"rel":"\([^"]*\)","key":"\([^"]*\)".*/\2/')
rel=$(head -n 1 "$T/in.ndjson" | sed 's/^{"rel":"\([^"]*\)".*/\1/')
[ "$acked" -eq 0 ] || "$PTINGEST" get "$rel" "$key" >/dev/null || fail "get after ENOSPC"

# free space, resume the same job
mount -o remount,size=400m "$T/small" || fail "cannot grow the tmpfs"
"$PTINGEST" ingest "$T/in.ndjson" --job big --no-progress 2>"$T/resume.err" \
    || fail "resume after freeing space: $(cat "$T/resume.err")"
grep -q "resuming job big after its [0-9]* durable rows" "$T/resume.err" || fail "did not resume"
"$PTINGEST" export >"$T/out.ndjson"
same_sorted "$T/in.ndjson" "$T/out.ndjson" || fail "after resume export != input"
grep -q "MB free, below the floor of [0-9.]* MB (ingest.min_free_bytes, .*): refusing writes" \
    "$LOG" || fail "refusal not logged"
stop_daemon
echo "diskfull: ok ($acked rows durable at ENOSPC, then resumed to $(wc -l <"$T/in.ndjson"))"
