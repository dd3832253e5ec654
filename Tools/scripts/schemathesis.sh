#!/usr/bin/env bash
# Tests a live ally-server from outside against Protocol/openapi.yaml with schemathesis (PyPI, in a venv under
# .build). Starts a fresh server on loopback, registers a user through the real `ally` client for a device token,
# fuzzes every operation (DELETE last, as it revokes that token), and fails on any check schemathesis reports.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.build/venv
if [[ ! -x "$venv/bin/st" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q schemathesis openapi-spec-validator
fi
"$venv/bin/openapi-spec-validator" Protocol/openapi.yaml
bin="$(swift build --show-bin-path)"
work="$(mktemp -d)"
ALLY_SERVER_METRICS_TOKEN="schemathesis-metrics-token" "$bin/ally-server" serve --port 0 --database "$work/server.sqlite" --open-registration >"$work/out" 2>"$work/log" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do grep -q "listening on" "$work/out" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/.*listening on //p' "$work/out")"
ALLY_JOURNAL="$work/journal.sqlite" ALLY_PASSPHRASE="schemathesis passphrase" \
    "$bin/ally" account register --server "$url" --username fuzzer >/dev/null 2>&1
token="$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select value from sync_state where key=\"token\"").fetchone()[0])' "$work/journal.sqlite")"
# Every check on the server's answers: no 5xx, documented status codes and content types, responses that match
# their schemas, 405 with Allow for undocumented methods. (The negative-data checks are left out: Swift's decoders
# ignore unknown JSON keys by design.)
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
checks+=,response_headers_conformance,missing_required_header,unsupported_method,ignored_auth,use_after_free
checks+=,ensure_resource_availability
common=(--url "$url" -H "Authorization: Bearer $token" --checks "$checks"
    --max-examples "${ALLY_SCHEMATHESIS_EXAMPLES:-40}" --seed "${ALLY_SCHEMATHESIS_SEED:-20261122}")
"$venv/bin/st" run Protocol/openapi.yaml "${common[@]}" --exclude-method DELETE
"$venv/bin/st" run Protocol/openapi.yaml "${common[@]}" --include-method DELETE
