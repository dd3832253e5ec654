#!/usr/bin/env bash
# Installs what ally needs on Debian: the SQLite headers to build; with ALLY_TEST_PACKAGES=1 also what the
# tests use: headless Chromium (the HTML review), tmux with vim and nano (the editor in a real terminal), mandoc
# and man-db (the manual), openssl (a private CA for PostgreSQL over TLS), faketime (skewed clocks),
# Python 3 with cryptography (the envelope vector check) and venv
# (schemathesis), and PostgreSQL (the server's second backend). Sourced by tour.sh, test.sh, bench.sh and man.sh.
set -euo pipefail

packages=(libsqlite3-dev libcurl4-openssl-dev)
if [[ "${ALLY_TEST_PACKAGES:-0}" == 1 ]]; then packages+=(chromium python3 python3-cryptography python3-venv postgresql openssl tmux vim nano mandoc man-db faketime); fi
need=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || need+=("$package")
done
if ((${#need[@]})); then
    echo "ally: installing ${need[*]} from Debian" >&2
    if [[ $(id -u) -eq 0 ]]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    elif command -v sudo >/dev/null; then
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "ally: please install ${need[*]} (apt-get install ${need[*]}) and run again" >&2
        exit 1
    fi
fi
command -v swift >/dev/null || { echo "ally: Swift 6.1 or newer must be on PATH" >&2; exit 1; }
