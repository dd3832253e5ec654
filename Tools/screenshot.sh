#!/usr/bin/env bash
# Regenerates docs/review.png: a realistic week (Tools/sample-week.sh) reviewed as HTML and rendered by headless
# Chromium. Usage: Tools/screenshot.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ALLY_TEST_PACKAGES=1 source Tools/scripts/setup.sh
swift build --product ally >/dev/null
ally="$(swift build --product ally --show-bin-path)/ally"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
Tools/sample-week.sh "$work/journal.sqlite" "$ally" 2>/dev/null
ALLY_JOURNAL="$work/journal.sqlite" ALLY_NOW=2026-11-22T18:00:00Z TZ=UTC "$ally" review --html "$work/review.html" >/dev/null
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=820,1900 \
    --screenshot="$PWD/docs/review.png" "file://$work/review.html" 2>/dev/null
ALLY_JOURNAL="$work/journal.sqlite" ALLY_NOW=2026-11-22T18:00:00Z TZ=UTC NO_COLOR=1 "$ally" review > docs/review.txt
echo "wrote docs/review.png and docs/review.txt"
