#!/usr/bin/env bash
# Builds in release mode and runs the journal benchmark (Tools/AllyBench). Usage: Tools/bench.sh [sizes]
# e.g. Tools/bench.sh 1000,10000,100000. Prints the Markdown table recorded in docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source Tools/scripts/setup.sh
swift build -c release --product ally >/dev/null
swift build -c release --product AllyBench >/dev/null
bin="$(swift build -c release --show-bin-path)"
"$bin/AllyBench" "${1:-1000,10000,100000}" "$bin/ally"
