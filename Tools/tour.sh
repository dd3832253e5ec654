#!/usr/bin/env bash
# The main job end to end on a fresh machine: two laptops' journals write offline, edit the same entries,
# exchange bundles (sync by USB stick), and show a clean merge and a conflict being resolved.
set -euo pipefail
cd "$(dirname "$0")/.."
source Tools/scripts/setup.sh

quiet=false
[[ "${1:-}" == "--quiet" ]] && quiet=true
say() { $quiet || printf '\n\033[1m%s\033[0m\n' "$*"; }
run() {
    $quiet || printf '\033[2m$ %s\033[0m\n' "$*"
    if $quiet; then "$@" >/dev/null; else "$@"; fi
}

swift build --product ally >/dev/null 2>&1 || swift build --product ally
ally_bin="$(swift build --product ally --show-bin-path)/ally"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export NO_COLOR=1 EDITOR=true VISUAL=true
A() { ALLY_JOURNAL="$work/laptop-a.sqlite" "$ally_bin" "$@"; }
B() { ALLY_JOURNAL="$work/laptop-b.sqlite" "$ally_bin" "$@"; }
laptop() { if [[ $1 == A ]]; then shift; A "$@"; else shift; B "$@"; fi; }
run_on() { local who=$1; shift; $quiet || printf '\033[2m[laptop %s]$ ally %s\033[0m\n' "$who" "$*"; if $quiet; then laptop "$who" "$@" >/dev/null; else laptop "$who" "$@"; fi; }

say "1. Laptop A (home) starts a journal and writes."
run_on A init
mistake=$(A new mistake $'What happened: I talked over Dr. K when she raised the staffing gap.\nImpact: her point was lost for the rest of the huddle.\nRepair: none yet.\nLesson: wait, then amplify.' \
    --title "Talked over Dr. K at huddle" --theme integrity --level public --tag huddle)
goal=$(A new goal "Read Athena Rising and discuss one chapter with J." --due "2026-12-31" --theme capability)
A new action "Coffee with J. about her fellowship application." --minutes 30 --pledge mentoring --link "$goal" --theme agency >/dev/null
run_on A list

say "2. Laptop B (work) receives A's journal by bundle."
run_on A bundle export "$work/a.allybundle"
run_on B bundle import "$work/a.allybundle"

say "3. Both laptops edit the same mistake offline."
run_on A edit "$mistake" --body $'What happened: I talked over Dr. K when she raised the staffing gap.\nImpact: her point was lost for the rest of the huddle.\nRepair: apologised to her in private.\nLesson: wait, then amplify.' --add-tag repair
run_on B edit "$mistake" --body $'What happened: I talked over Dr. K when she raised the staffing gap.\nImpact: her point was lost for the rest of the huddle, and the gap was not escalated.\nRepair: none yet.\nLesson: wait, then amplify.' --add-tag staffing
run_on A edit "$goal" --body "Read Athena Rising and discuss chapter 3 with J."
run_on B edit "$goal" --body "Read Athena Rising and discuss chapter 5 with J."

say "4. They exchange bundles, in both directions."
run_on B bundle export "$work/b.allybundle"
run_on A bundle import "$work/b.allybundle"
run_on A bundle export "$work/a2.allybundle"
run_on B bundle import "$work/a2.allybundle"

say "5. The mistake merged cleanly: A's repair and B's impact are both there, with both tags."
run_on A show "$mistake"

say "6. The goal was edited in the same place on both laptops: a conflict, both versions kept."
run_on B conflicts
run_on B show "$goal"

say "7. Laptop B resolves it; after the next exchange the resolution wins on A too."
run_on B resolve "$goal" --body "Read Athena Rising; discuss chapter 3 with J. and chapter 5 with the registrars."
run_on B bundle export "$work/b2.allybundle"
run_on A bundle import "$work/b2.allybundle"
run_on A show "$goal"

say "8. Both journals are identical."
if diff <(A list --json) <(B list --json) >/dev/null && [[ -z "$(A conflicts 2>/dev/null)" ]]; then
    $quiet || echo "identical: $(A list --json | grep -c '"id"') entries, no conflicts"
else
    echo "tour: the two journals differ" >&2
    exit 1
fi
run_on A check
