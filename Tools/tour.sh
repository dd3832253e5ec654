#!/usr/bin/env bash
# The main job end to end on a fresh machine: ally-server on loopback with its embedded SQLite file, an account,
# two laptops (two journals) writing offline, a concurrent edit, sync, the merged result, and a conflict resolved.
set -euo pipefail
cd "$(dirname "$0")/.."
source Tools/scripts/setup.sh

quiet=false
[[ "${1:-}" == "--quiet" ]] && quiet=true
say() { $quiet || printf '\n\033[1m%s\033[0m\n' "$*"; }

swift build --product ally >/dev/null 2>&1 || swift build --product ally
swift build --product ally-server >/dev/null 2>&1 || swift build --product ally-server
bin="$(swift build --show-bin-path)"
work="$(mktemp -d)"
"$bin/ally-server" serve --port 0 --database "$work/server.sqlite" >"$work/server.out" 2>"$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$work/server.out" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/.*listening on //p' "$work/server.out")"
[[ -n "$url" ]] || { echo "tour: ally-server did not start" >&2; cat "$work/server.log" >&2; exit 1; }

export NO_COLOR=1 EDITOR=true VISUAL=true ALLY_PASSPHRASE="a long tour passphrase"
laptop() {
    local who=$1; shift
    $quiet || printf '\033[2m[laptop %s]$ ally %s\033[0m\n' "$who" "$*"
    if $quiet; then ALLY_JOURNAL="$work/laptop-$who.sqlite" "$bin/ally" "$@" >/dev/null
    else ALLY_JOURNAL="$work/laptop-$who.sqlite" "$bin/ally" "$@"; fi
}
quietly() { local who=$1; shift; ALLY_JOURNAL="$work/laptop-$who.sqlite" "$bin/ally" "$@"; }

say "0. ally-server runs on $url with its own SQLite file; the admin makes an invite."
invite="$("$bin/ally-server" invite --database "$work/server.sqlite")"

say "1. Laptop A (home) journals before it has an account."
mistake=$(quietly A new mistake $'What happened: I talked over Dr. K when she raised the staffing gap.\nImpact: her point was lost for the rest of the huddle.\nRepair: none yet.\nLesson: wait, then amplify.' \
    --title "Talked over Dr. K at huddle" --theme integrity --level public --tag huddle 2>/dev/null)
goal=$(quietly A new goal "Read Athena Rising and discuss one chapter with J." --due 2026-12-31 --theme capability)
quietly A pledge log mentoring 30 "Coffee with J. about her fellowship application" --goal "$goal" >/dev/null
laptop A list

say "2. A registers (the passphrase never leaves the laptop) and syncs; laptop B (work) logs in and syncs."
laptop A account register --server "$url" --username sam --invite "$invite"
laptop A sync
laptop B account login --server "$url" --username sam
laptop B sync

say "3. Offline, both laptops edit the same entries."
laptop A edit "$mistake" --body $'What happened: I talked over Dr. K when she raised the staffing gap.\nImpact: her point was lost for the rest of the huddle.\nRepair: apologised to her in private.\nLesson: wait, then amplify.' --add-tag repair
laptop B edit "$mistake" --body $'What happened: I talked over Dr. K when she raised the staffing gap.\nImpact: her point was lost for the rest of the huddle, and the gap was not escalated.\nRepair: none yet.\nLesson: wait, then amplify.' --add-tag staffing
laptop A edit "$goal" --body "Read Athena Rising and discuss chapter 3 with J."
laptop B edit "$goal" --body "Read Athena Rising and discuss chapter 5 with J."

say "4. Both sync (twice round, so each sees the other's changes)."
for who in A B A; do laptop "$who" sync; done

say "5. The mistake merged: A's repair and B's impact are both there, with both tags."
laptop B show "$mistake"

say "6. The goal was edited in the same place on both laptops: a conflict, both versions kept."
laptop A conflicts
laptop A show "$goal"

say "7. Laptop A resolves it; after the next sync the resolution wins on B too."
laptop A resolve "$goal" --body "Read Athena Rising; discuss chapter 3 with J. and chapter 5 with the registrars."
laptop A sync
laptop B sync
laptop B show "$goal"

say "8. Both journals are identical, and the server never saw a word."
strip() { python3 -c 'import json,sys; print(json.dumps([{k:v for k,v in e.items() if k!="updatedAt"} for e in json.load(sys.stdin)], sort_keys=True))'; }
if [[ "$(quietly A list --json | strip)" == "$(quietly B list --json | strip)" ]] && [[ -z "$(quietly A conflicts 2>/dev/null)" ]]; then
    $quiet || echo "identical: $(quietly A list --json | grep -c '"id"') entries, no conflicts"
else
    echo "tour: the two journals differ" >&2
    exit 1
fi
if cat "$work"/server.sqlite* | grep -a -q -e "staffing gap" -e "Athena"; then
    echo "tour: the server stores plaintext" >&2
    exit 1
fi
$quiet || echo "the server's database holds no 'staffing gap' and no 'Athena': only encrypted envelopes"
laptop B devices
laptop B status
