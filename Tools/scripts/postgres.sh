#!/usr/bin/env bash
# Starts a private PostgreSQL cluster for the tests (Debian's postgresql, run as its own postgres user through
# pg_ctlcluster) and prints its URL. Idempotent: a running cluster is reused. Usage: postgres.sh start|stop
# Only the URL goes to stdout: callers capture it with $(...), and pg_ctlcluster likes to chat ("Removed stale pid
# file." after a reboot), so everything the tools say is sent to stderr.
set -euo pipefail
port="${ALLY_TEST_POSTGRES_PORT:-55432}"
cluster=allytest
action="${1:-start}"

if ! command -v pg_createcluster >/dev/null; then
    echo "ally: installing postgresql from Debian" >&2
    if [[ $(id -u) -eq 0 ]]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
fi
version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

case "$action" in
start)
    if ! as_root pg_lsclusters -h | awk '{print $2}' | grep -qx "$cluster"; then
        as_root pg_createcluster "$version" "$cluster" -p "$port" -- --auth=trust >&2
    fi
    if ! as_root pg_lsclusters -h | awk -v c="$cluster" '$2 == c {print $4}' | grep -qx online; then
        as_root pg_ctlcluster "$version" "$cluster" start >&2
    fi
    as_root su postgres -c "psql -p $port -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'ally'\"" | grep -q 1 \
        || as_root su postgres -c "createuser -p $port -s ally" >&2
    as_root su postgres -c "psql -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname = 'ally'\"" | grep -q 1 \
        || as_root su postgres -c "createdb -p $port -O ally ally" >&2
    echo "postgres://ally@127.0.0.1:$port/ally"
    ;;
stop)
    as_root pg_ctlcluster "$version" "$cluster" stop || true
    ;;
*)
    echo "usage: postgres.sh start|stop" >&2
    exit 2
    ;;
esac
