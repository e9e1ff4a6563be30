#!/bin/sh
# ci.sh BIN CORPUS RUNS - one libFuzzer target for the suite: RUNS
# executions from the seed corpus, same seed every time, nothing written
# into the source tree (the seeds go in as -seed_inputs; what the run
# finds stays in memory); a crash fails the test and its input is kept
# in the build directory and printed.
set -eu
bin=$1 corpus=$2 runs=$3
out=$(dirname "$bin")/fuzz-ci-$(basename "$bin")
rm -rf "$out"
mkdir -p "$out"
seeds=$(find "$corpus" -type f | sort | tr '\n' ',' | sed 's/,$//')
printf '%s' "$seeds" >"$out/seeds"
rc=0
"$bin" -runs="$runs" -seed=1 -max_len=4096 -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/" -seed_inputs=@"$out/seeds" \
    >"$out/log" 2>&1 || rc=$?
grep -E '^(Done|stat::number_of_executed_units)' "$out/log" || true
if [ "$rc" -ne 0 ]; then
    tail -n 60 "$out/log"
    for f in "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-*; do
        [ -f "$f" ] && echo "input kept: $f ($(wc -c <"$f") bytes)"
    done
    exit 1
fi
