#!/usr/bin/env bash
# Sync figures for docs/PERFORMANCE.md (release builds, loopback): first sync of a ~100k-change journal to a fresh
# laptop (time and peak memory of `ally sync`), a 10-change incremental sync, and server requests per second with
# 50 concurrent clients doing push + pull (Python, and wrk with Tools/scripts/load.lua when installed).
# Usage: Tools/sync-bench.sh [entries=14300] [database]
set -euo pipefail
cd "$(dirname "$0")/.."
source Tools/scripts/setup.sh
entries="${1:-14300}"
swift build -c release --product ally --static-swift-stdlib --scratch-path .build-static >/dev/null
swift build -c release --product ally-server >/dev/null
swift build -c release --product AllyBench >/dev/null
ally="$PWD/.build-static/release/ally"
server_bin="$(swift build -c release --show-bin-path)/ally-server"
bench="$(swift build -c release --show-bin-path)/AllyBench"
work="$(mktemp -d)"
database="${2:-$work/server.sqlite}"
"$server_bin" serve --port 0 --database "$database" --open-registration >"$work/out" 2>"$work/log" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$work/out" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/.*listening on //p' "$work/out")"
export ALLY_PASSPHRASE="benchmark passphrase" NO_COLOR=1
user="bench$RANDOM"
a="$work/a.sqlite"
b="$work/b.sqlite"
"$bench" --fill "$a" "$entries" >/dev/null
changes=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from change").fetchone()[0])' "$a")
ALLY_JOURNAL="$a" "$ally" account register --server "$url" --username "$user" >/dev/null
measure() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; }
read -r push_s push_kb < <(ALLY_JOURNAL="$a" measure "$ally" sync)
ALLY_JOURNAL="$b" "$ally" account login --server "$url" --username "$user" >/dev/null 2>&1
read -r pull_s pull_kb < <(ALLY_JOURNAL="$b" measure "$ally" sync)
ALLY_JOURNAL="$a" "$ally" new reflection "ten changes" --title "t" --theme humility --theme agency --tag x --tag y >/dev/null
ALLY_JOURNAL="$a" "$ally" new action "more" --minutes 5 --pledge shout-out >/dev/null
pending=$(ALLY_JOURNAL="$a" "$ally" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pendingChanges"])')
read -r inc_push_s _ < <(ALLY_JOURNAL="$a" measure "$ally" sync)
read -r inc_pull_s _ < <(ALLY_JOURNAL="$b" measure "$ally" sync)
token="$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select value from sync_state where key=\"token\"").fetchone()[0])' "$a")"
load="$(python3 Tools/scripts/load.py "$url" "$token" 50 10)"
if command -v wrk >/dev/null; then
    wrk_load="$(TOKEN="$token" wrk -t2 -c50 -d10s -s Tools/scripts/load.lua "$url" | grep -E 'Requests/sec|Latency|Non-2xx')"
fi
echo "changes=$changes first-push=${push_s}s (peak ${push_kb} KB) first-pull=${pull_s}s (peak ${pull_kb} KB)"
echo "incremental ($pending changes): push+pull on A ${inc_push_s}s, pull on B ${inc_pull_s}s"
echo "load: $load"
if [[ -n "${wrk_load:-}" ]]; then echo "wrk load (50 connections, push + pull): $wrk_load"; fi
