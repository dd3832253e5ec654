#!/usr/bin/env bash
# The process-level tier of the reliability suite (docs/RELIABILITY.md), run by Tools/test.sh after the Swift tests
# on the debug build: I/O errors (an LD_PRELOAD shim failing the Nth write or sync), kill -9 with a ledger of
# acknowledged writes, power-loss snapshots of a frozen writer, the server killed during pushes and pulls, and
# clocks skewed with libfaketime, and a fault proxy between laptops and the server. Each check prints its seed; replay one with ALLY_SEED=<seed>.
# Usage: Tools/reliability/run.sh [--soak]   (--soak tries every N for I/O errors and runs more trials)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v faketime >/dev/null || { echo "ally: Tools/reliability needs faketime (apt-get install faketime)" >&2; exit 1; }
mkdir -p .build/reliability
cc -shared -fPIC -O2 -Wall -o .build/reliability/failnth.so Tools/reliability/failnth.c -ldl
shim="$PWD/.build/reliability/failnth.so"
cd Tools/reliability
if [[ "${1:-}" == "--soak" ]]; then
    python3 -u iofault.py "$shim" --points 0
    python3 -u crash.py 400
    python3 -u powerloss.py 300
    python3 -u servercrash.py 60
    python3 -u skew.py 20
    python3 -u proxy.py 40
else
    python3 -u iofault.py "$shim" --points 16
    python3 -u crash.py 60
    python3 -u powerloss.py 40
    python3 -u servercrash.py 16
    python3 -u skew.py 6
    python3 -u proxy.py 8
fi
