#!/usr/bin/env bash
# Regenerates docs/ally.1 (or writes it into the folder given) from the commands' own help, with
# swift-argument-parser's generate-manual tool. Tools/test.sh checks the committed page is current.
set -euo pipefail
cd "$(dirname "$0")/.."
source Tools/scripts/setup.sh
swift build --product ally >/dev/null
# Building the plugin once builds its tool, which runs `ally --experimental-dump-help`.
swift package generate-manual --help >/dev/null 2>&1
bin="$(swift build --show-bin-path)"
out="${1:-docs}"
mkdir -p "$out"
"$bin/generate-manual-tool" "$bin/ally" --date 2026-11-22 --section 1 --authors "the ally developers" -o "$out"
# mandoc -Tlint -W warning must report nothing (Tools/test.sh checks it).
python3 Tools/scripts/mdoc_tidy.py "$out/ally.1"
