#!/usr/bin/env bash
# Runs every test from a fresh clone: installs build dependencies, checks formatting, builds, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
ALLY_TEST_PACKAGES=1 source Tools/scripts/setup.sh

echo "== format check (swift format lint --strict)"
swift format lint --strict -r Sources Tools Package.swift

echo "== PostgreSQL for the server tests (Tools/scripts/postgres.sh)"
ALLY_TEST_POSTGRES_URL="$(Tools/scripts/postgres.sh start)"
if [[ ! "$ALLY_TEST_POSTGRES_URL" =~ ^postgres://[^[:space:]]+$ ]]; then
    echo "ally: Tools/scripts/postgres.sh printed something other than one URL:" >&2
    printf '%s\n' "$ALLY_TEST_POSTGRES_URL" >&2
    exit 1
fi
ALLY_TEST_POSTGRES_CA="$(Tools/scripts/postgres.sh ca)"
export ALLY_TEST_POSTGRES_URL ALLY_TEST_POSTGRES_CA
echo "$ALLY_TEST_POSTGRES_URL"

echo "== envelope and sealed-bundle vectors against an independent Python implementation of SPEC §7 and §6"
python3 Tools/scripts/check_envelope_vectors.py

echo "== build"
swift build --build-tests

echo "== tests"
swift test --skip-build 2>&1 | tee .build/test-output.txt | grep -E "^(✔|✘) (Suite|Test run)|✘ Test|seed [0-9]+" || true
if ! grep -q "^✔ Test run with" .build/test-output.txt || grep -q "^✘ Test run" .build/test-output.txt; then
    echo "== tests FAILED; full output in .build/test-output.txt" >&2
    grep -E "✘|error" .build/test-output.txt | head -50 >&2
    exit 1
fi

echo "== reliability: I/O errors, kill -9, power-loss snapshots, server kills, skewed clocks (Tools/reliability)"
Tools/reliability/run.sh

echo "== fuzzing: each libFuzzer target for 15 s from the committed corpus (Tools/fuzz.sh)"
Tools/fuzz.sh 15

echo "== the live server against Protocol/openapi.yaml (schemathesis)"
Tools/scripts/schemathesis.sh

echo "== man page is current (Tools/man.sh)"
manual="$(mktemp -d)"
Tools/man.sh "$manual"
diff -q "$manual/ally.1" docs/ally.1 || { echo "docs/ally.1 is stale: run Tools/man.sh" >&2; exit 1; }
rm -rf "$manual"

echo "== the manual has no mandoc warnings, and Tools/install.sh installs a working ally and man ally"
lint="$(mandoc -Tlint -W warning docs/ally.1 2>&1 || true)"
[[ -z "$lint" ]] || { echo "$lint" >&2; echo "docs/ally.1 has mandoc warnings (Tools/scripts/mdoc_tidy.py)" >&2; exit 1; }
prefix="$(mktemp -d)"
Tools/install.sh --prefix "$prefix" --binary .build/debug/ally 2>/dev/null
"$prefix/bin/ally" --version >/dev/null
MANPATH="$prefix/share/man" man -w ally | grep -q "$prefix/share/man/man1/ally.1"
MANPATH="$prefix/share/man" MANPAGER=cat man ally 2>/dev/null | grep -q "offline-first" || { echo "man ally does not show the manual" >&2; exit 1; }
[[ -s "$prefix/share/bash-completion/completions/ally" ]]
rm -rf "$prefix"

echo "== tour (the README's first command, end to end)"
Tools/tour.sh --quiet

echo "== all tests passed"
