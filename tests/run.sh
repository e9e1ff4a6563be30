#!/bin/sh
# run.sh - the whole test suite, as CI runs it: install what is missing,
# build with AddressSanitizer and UBSan (warnings are errors), cross-build
# the Windows programs and MSI (packaging/windows/build.sh; suite
# 'windows' runs them under Wine), run every unit, end-to-end and Windows
# test, and end with "N passed, N failed".
#
# PT_SKIP_WINDOWS=1 leaves the Windows stage out (its first run builds
# RocksDB for mingw-w64: about 10 minutes on 2 cores; later runs reuse
# build-win/deps). Extra arguments go to meson test (e.g. a suite).
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh

build=${BUILD_DIR:-build-test}
if [ ! -d "$build" ]; then
    meson setup "$build" -Db_sanitize=address,undefined -Dwerror=true >/dev/null
fi
# The fuzz targets as libFuzzer programs need clang: a build of their own
# beside the gcc one (tests/fuzz/meson.build), run for a fixed number of
# executions each when the whole suite runs.
fuzzbuild="$build-fuzz"
fuzz=0
if [ $# -eq 0 ] && command -v clang-14 >/dev/null 2>&1; then
    if [ ! -d "$fuzzbuild" ]; then
        CC=clang-14 CXX=clang++-14 meson setup "$fuzzbuild" -Dfuzz=true \
            -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
    fi
    fuzz=1
elif [ $# -eq 0 ]; then
    echo "fuzz: clang-14 not found; suite 'fuzz' left out"
fi
# valgrind memcheck needs a build without sanitizers: one of its own, of
# which suite 'valgrind' builds only the two programs it runs.
plainbuild="$build-plain"
if [ $# -eq 0 ] && [ ! -d "$plainbuild" ]; then
    meson setup "$plainbuild" -Dwerror=true >/dev/null
fi
# A sanitizer report is a failure, never a warning.
export ASAN_OPTIONS="abort_on_error=0:detect_leaks=1:exitcode=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
meson compile -C "$build"

if [ "${PT_SKIP_WINDOWS:-0}" != 1 ]; then
    # A failed cross build must fail the Windows test, not skip it.
    export PT_WINDOWS_REQUIRED=1
    t0=$(date +%s)
    rm -rf build-win/out
    mkdir -p build-win
    if sh packaging/windows/build.sh build-win/out >build-win/build.log 2>&1; then
        echo "windows build: $(( $(date +%s) - t0 )) s"
    else
        echo "windows build FAILED after $(( $(date +%s) - t0 )) s:"
        tail -n 40 build-win/build.log
    fi
fi

rc=0
meson test -C "$build" --print-errorlogs "$@" || rc=$?
logs="$build/meson-logs/testlog.json"
if [ "$fuzz" = 1 ]; then
    # builds only what the suite needs: the targets and their libraries
    meson test -C "$fuzzbuild" --suite fuzz --print-errorlogs || rc=$?
    logs="$logs $fuzzbuild/meson-logs/testlog.json"
fi
if [ $# -eq 0 ]; then
    meson test -C "$plainbuild" --suite valgrind --print-errorlogs || rc=$?
    logs="$logs $plainbuild/meson-logs/testlog.json"
fi

# shellcheck disable=SC2086
passed=$(cat $logs | grep -o '"result": "OK"' | wc -l)
# shellcheck disable=SC2086
skipped=$(cat $logs | grep -o '"result": "SKIP"' | wc -l)
# shellcheck disable=SC2086
total=$(cat $logs | grep -o '"result": "[A-Z]*"' | wc -l)
failed=$((total - passed - skipped))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
