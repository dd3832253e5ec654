#!/usr/bin/env bash
# Builds in release mode and runs the journal benchmark (Tools/AllyBench). Usage: Tools/bench.sh [sizes]
# e.g. Tools/bench.sh 1000,10000,100000. Prints the Markdown table recorded in docs/PERFORMANCE.md.
# The `ally` binary is built as the README installs it: release, with the Swift runtime linked statically.
set -euo pipefail
cd "$(dirname "$0")/.."
source Tools/scripts/setup.sh
swift build -c release --product ally --static-swift-stdlib --scratch-path .build-static >/dev/null
swift build -c release --product AllyBench >/dev/null
"$(swift build -c release --show-bin-path)/AllyBench" "${1:-1000,10000,100000}" "$PWD/.build-static/release/ally"
