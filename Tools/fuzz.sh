#!/usr/bin/env bash
# The fuzzing tier of the reliability suite (issue 11 §3, docs/RELIABILITY.md): builds Tools/AllyFuzz with libFuzzer
# (-sanitize=fuzzer) and runs each target for SECONDS, starting from the committed seed corpus
# (Tools/AllyFuzz/corpus/TARGET, copied, so a run never changes it). A target that crashes or breaks its property
# stops the run: the input is kept under .build/fuzz-artifacts and the command that replays it is printed.
# Usage: Tools/fuzz.sh [SECONDS=15] [TARGET...]
#        Tools/fuzz.sh --update-corpus SECONDS TARGET...   also merges the inputs that add coverage into the corpus
set -euo pipefail
cd "$(dirname "$0")/.."
update=0
if [[ "${1:-}" == "--update-corpus" ]]; then update=1; shift; fi
seconds="${1:-15}"
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a whole number, not '$seconds'" >&2; exit 2; }
shift || true
targets=("$@")
(( ${#targets[@]} )) || targets=(change bundle sealed envelope wire dates config search merge)
for target in "${targets[@]}"; do
    [[ -d "Tools/AllyFuzz/corpus/$target" ]] || { echo "fuzz.sh: no target named '$target'" >&2; exit 2; }
done

echo "fuzz: building Tools/AllyFuzz with -sanitize=fuzzer (.build/fuzz)"
swift build --product AllyFuzz --scratch-path .build/fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DALLY_FUZZ \
    >.build/fuzz-build.log 2>&1 || { tail -30 .build/fuzz-build.log >&2; exit 1; }
binary=".build/fuzz/debug/AllyFuzz"
artifacts=".build/fuzz-artifacts"
mkdir -p "$artifacts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
total=0
for target in "${targets[@]}"; do
    corpus="$work/$target"
    mkdir -p "$corpus"
    cp Tools/AllyFuzz/corpus/"$target"/* "$corpus"/
    log="$work/$target.log"
    seed="${ALLY_FUZZ_SEED:-$(( $(date +%s%N) % 4000000000 ))}"
    if ! SWIFT_BACKTRACE=enable=no ALLY_FUZZ_TARGET="$target" "$binary" -seed="$seed" -max_total_time="$seconds" -timeout=10 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/$target-" "$corpus" >"$log" 2>&1; then
        echo "fuzz: target $target FAILED (seed $seed):" >&2
        grep -E "Fatal error|ERROR|deadly|Test unit written|timeout" "$log" | head -8 >&2
        crash="$(grep -o "Test unit written to [^ ]*" "$log" | tail -1 | cut -d' ' -f5)"
        [[ -n "$crash" ]] && echo "fuzz: replay with: swift build --product AllyFuzz && .build/debug/AllyFuzz $target $crash" >&2
        exit 1
    fi
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)"
    coverage="$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)"
    total=$((total + runs))
    echo "fuzz: $target: $runs inputs in ${seconds} s (seed $seed), coverage $coverage edges, no failure"
    if (( update )); then
        mkdir -p "$work/merged-$target"
        ALLY_FUZZ_TARGET="$target" "$binary" -merge=1 "Tools/AllyFuzz/corpus/$target" "$corpus" >/dev/null 2>&1
        echo "fuzz: $target: corpus now $(ls "Tools/AllyFuzz/corpus/$target" | wc -l) files"
    fi
done
echo "fuzz: ${#targets[@]} targets, $total inputs, no failure"
