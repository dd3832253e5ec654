#!/usr/bin/env bash
# Does prelogin tell who has an account by its time? Starts a release ally-server on SQLite (or the database given),
# registers one account, then times 4,000 prelogins interleaved at random between that name and unknown ones and
# prints the medians and their ratio (issue 9 §3; figure in docs/PRIVACY.md). Usage: Tools/prelogin-bench.sh [database]
set -euo pipefail
cd "$(dirname "$0")/.."
source Tools/scripts/setup.sh
swift build -c release --product ally-server >/dev/null
swift build -c release --product ally >/dev/null
bin="$(swift build -c release --show-bin-path)"
work="$(mktemp -d)"
"$bin/ally-server" serve --port 0 --database "${1:-$work/server.sqlite}" --open-registration >"$work/out" 2>"$work/log" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 300); do grep -q "listening on" "$work/out" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/.*listening on //p' "$work/out")"
name="real$RANDOM$RANDOM"
ALLY_JOURNAL="$work/a.sqlite" ALLY_PASSPHRASE="benchmark passphrase" \
    "$bin/ally" account register --server "$url" --username "$name" >/dev/null 2>&1
python3 - "$url" "$name" <<'PY'
import http.client, json, random, statistics, sys, time, urllib.parse
url, name = urllib.parse.urlparse(sys.argv[1]), sys.argv[2]
connection = http.client.HTTPConnection(url.hostname, url.port)
def once(username):
    started = time.perf_counter()
    connection.request("POST", "/v1/prelogin", body=json.dumps({"username": username}),
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse(); response.read()
    assert response.status == 200, response.status
    return time.perf_counter() - started
for _ in range(200): once(name); once("nobody-warm")
real, unknown = [], []
for index in range(4000):
    if random.random() < 0.5: real.append(once(name))
    else: unknown.append(once(f"nobody-{index % 50}"))
median = lambda values: statistics.median(values) * 1e6
print(f"prelogin median: real {median(real):.0f} µs (n={len(real)}), unknown {median(unknown):.0f} µs "
      f"(n={len(unknown)}), ratio {median(unknown) / median(real):.3f}")
PY
