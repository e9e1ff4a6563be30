#!/bin/sh
# run.sh - the whole test suite, as CI runs it: install what is missing,
# build with AddressSanitizer and UBSan (warnings are errors), run every
# unit and end-to-end test, and end with "N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh

build=${BUILD_DIR:-build-test}
if [ ! -d "$build" ]; then
    meson setup "$build" -Db_sanitize=address,undefined -Dwerror=true >/dev/null
fi
# A sanitizer report is a failure, never a warning.
export ASAN_OPTIONS="abort_on_error=0:detect_leaks=1:exitcode=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
meson compile -C "$build"
rc=0
meson test -C "$build" --print-errorlogs "$@" || rc=$?

log="$build/meson-logs/testlog.json"
passed=$(grep -o '"result": "OK"' "$log" | wc -l)
skipped=$(grep -o '"result": "SKIP"' "$log" | wc -l)
total=$(grep -o '"result": "[A-Z]*"' "$log" | wc -l)
failed=$((total - passed - skipped))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
