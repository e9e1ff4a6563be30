#!/bin/sh
# crash.sh - the long kill -9 run: 100 trials (50 killing the daemon, 50
# killing the client), each checked as tests/crash/crash.sh does.
#   bench/crash.sh [TRIALS_PER_VICTIM] [SEED]      (default 50)
# Runs on a private copy of the binaries, so a rebuild meanwhile cannot
# pull them from under a trial.
set -eu
cd "$(dirname "$0")/.."
B=${PTINGEST_BUILD:-build}
bin=$(mktemp -d "${TMPDIR:-/var/tmp}/pt-crash-bin.XXXXXX")
trap 'rm -rf "$bin"' EXIT
cp "$B/daemon/ptingestd" "$B/client/ptingest" "$bin/"
for f in "$B"/client/libptingest.so*; do [ -d "$f" ] || cp -P "$f" "$bin/"; done
LD_LIBRARY_PATH="$bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
PTINGESTD=$bin/ptingestd PTINGEST=$bin/ptingest \
    sh tests/crash/crash.sh "${1:-50}" "${2:-$(date +%s)}"
