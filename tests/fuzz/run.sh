#!/bin/sh
# run.sh SECONDS [TARGET...] - run the libFuzzer targets long, one after
# another, and report executions and crashes per target.
#
# Builds them first in $FUZZ_BUILD (default build-fuzz: clang, ASan and
# UBSan, -Dfuzz=true; made when missing). Each target fuzzes for SECONDS,
# or until $FUZZ_RUNS executions when that is set (e.g. FUZZ_RUNS=10000000),
# whichever comes first, from its seed corpus (tests/fuzz/corpus/TARGET,
# read only) and a working corpus kept in $FUZZ_BUILD/fuzz-work/TARGET,
# so a later run goes on from what an earlier one found. A crash stops
# that target; its input is kept there (crash-*) and named: minimise it
# with `BIN -minimize_crash=1 -runs=100000 FILE`, fix the code, and add
# it to the seed corpus as a regression. Exit 1 when any target crashed.
# Targets: protocol ndjson rowcheck yaml ini (default: all).
set -eu
cd "$(dirname "$0")/../.."
secs=${1:?usage: run.sh SECONDS [TARGET...]}
shift
targets=${*:-protocol ndjson rowcheck yaml ini}
build=${FUZZ_BUILD:-build-fuzz}

if [ ! -d "$build" ]; then
    CC=clang-14 CXX=clang++-14 meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined \
        -Db_lundef=false >/dev/null
fi
for t in $targets; do
    meson compile -C "$build" "tests/fuzz/fuzz_$t" >/dev/null
done

export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
runs_arg=
[ -n "${FUZZ_RUNS:-}" ] && runs_arg="-runs=$FUZZ_RUNS"
summary="$build/fuzz-work/summary-$(echo "$targets" | tr ' ' '-').txt"
mkdir -p "$build/fuzz-work"
printf '%-10s %14s %9s %10s %8s\n' target executions seconds exec/s crashes >"$summary"
failed=0
for t in $targets; do
    work="$build/fuzz-work/$t"
    mkdir -p "$work/corpus"
    log="$work/log"
    t0=$(date +%s)
    rc=0
    # shellcheck disable=SC2086
    "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" $runs_arg -timeout=20 \
        -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
        -artifact_prefix="$work/" "$work/corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
    t1=$(date +%s)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ -z "$execs" ]; then # a crash ends before the final stats
        execs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
    fi
    execs=${execs:-0}
    crashes=0
    if [ "$rc" -ne 0 ]; then
        crashes=1
        failed=1
        grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 5 >&2 || true
    fi
    el=$((t1 - t0))
    [ "$el" -gt 0 ] || el=1
    printf '%-10s %14s %9s %10s %8s\n' "$t" "$execs" "$el" "$((execs / el))" "$crashes" \
        | tee -a "$summary"
done
echo "---"
cat "$summary"
exit "$failed"
