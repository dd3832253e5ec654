#!/usr/bin/env bash
# The soak tier of the reliability suite (docs/RELIABILITY.md): runs the seeded simulation (Tests/AllySyncTests/
# SimulationTests.swift) in chunks of 500 seeds until HOURS have passed, then prints seeds, operations, faults and
# failures, with each failing seed's replay command. Usage: Tools/soak.sh [HOURS=1]
set -euo pipefail
cd "$(dirname "$0")/.."
source Tools/scripts/setup.sh
hours="${1:-1}"
swift build --build-tests >/dev/null
deadline=$(( $(date +%s) + $(python3 -c "print(int(float('$hours') * 3600))") ))
seeds=0 operations=0 faults=0 failures=0
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
while (( $(date +%s) < deadline )); do
    ALLY_SIM_SEEDS=500 swift test --skip-build --filter SimulationTests >"$log" 2>&1 || true
    if line="$(grep -o 'SimulationTests: [0-9]* seeds, [0-9]* operations, [0-9]* faults, all converged' "$log")"; then
        read -r _ s _ o _ f _ <<<"$(echo "$line" | tr -d ',')"
        seeds=$((seeds + s)) operations=$((operations + o)) faults=$((faults + f))
    else
        failures=$((failures + 1))
        grep -E 'failed:|replay:' "$log" | head -3
    fi
done
echo "soak: $seeds seeds, $operations operations, $faults faults injected, $failures failing chunks in $hours h"
(( failures == 0 ))
