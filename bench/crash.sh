#!/bin/sh
# crash.sh - the long kill -9 run: 100 trials (50 killing the daemon, 50
# killing the client), each checked as tests/crash/crash.sh does.
#   bench/crash.sh [TRIALS_PER_VICTIM] [SEED]      (default 50)
set -eu
cd "$(dirname "$0")/.."
B=${PTINGEST_BUILD:-build}
PTINGESTD=$PWD/$B/daemon/ptingestd PTINGEST=$PWD/$B/client/ptingest \
    exec sh tests/crash/crash.sh "${1:-50}" "${2:-$(date +%s)}"
