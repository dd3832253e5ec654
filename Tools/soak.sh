#!/usr/bin/env bash
# The soak tier of the reliability suite (docs/RELIABILITY.md): spends a fifth of HOURS fuzzing (Tools/fuzz.sh, the
# time shared between the targets), then runs the seeded simulation (Tests/AllySyncTests/SimulationTests.swift) in
# chunks of 500 seeds until HOURS have passed, and prints seeds, operations, faults and failures, with each failing
# seed's replay command. Usage: Tools/soak.sh [HOURS=1]
set -euo pipefail
cd "$(dirname "$0")/.."
source Tools/scripts/setup.sh
hours="${1:-1}"
swift build --build-tests >/dev/null
deadline=$(( $(date +%s) + $(python3 -c "print(int(float('$hours') * 3600))") ))
fuzzing=0
fuzz_seconds=$(python3 -c "print(max(15, int(float('$hours') * 3600 / 5 / 9)))")
if ! Tools/fuzz.sh "$fuzz_seconds" | tee "${TMPDIR:-/tmp}/ally-soak-fuzz.log"; then fuzzing=1; fi
fuzzed="$(grep -o 'fuzz: 9 targets, [0-9]* inputs' "${TMPDIR:-/tmp}/ally-soak-fuzz.log" | grep -o '[0-9]* inputs' || echo "0 inputs")"
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
echo "soak: fuzzing $fuzzed ($fuzz_seconds s a target), $( ((fuzzing)) && echo "a target FAILED" || echo "no failure")"
echo "soak: $seeds seeds, $operations operations, $faults faults injected, $failures failing chunks in $hours h"
(( failures == 0 && fuzzing == 0 ))
