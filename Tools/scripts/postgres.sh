#!/usr/bin/env bash
# Starts a private PostgreSQL cluster for the tests (Debian's postgresql, run as its own postgres user through
# pg_ctlcluster) with TLS on, and prints its URL. Idempotent: a running cluster is reused.
# Usage: postgres.sh start|stop|restart|ca (ca prints the PEM file of the cluster's private certificate authority)
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
    # TLS, as a production database would have it: a private CA and a certificate for localhost/127.0.0.1, so the
    # tests can connect with sslmode=verify-full&sslrootcert=$(postgres.sh ca).
    data="/var/lib/postgresql/$version/$cluster"
    if [[ "$(as_root su postgres -c "psql -p $port -tAc 'SHOW ssl'")" != "on" ]]; then
        as_root su postgres -c "cd '$data' && umask 077 \
            && openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=ally test CA' -keyout ally-ca.key \
                -out ally-ca.pem 2>/dev/null \
            && openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' -keyout ally-server.key -out ally-server.csr \
                2>/dev/null \
            && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > ally-san.ext \
            && openssl x509 -req -in ally-server.csr -CA ally-ca.pem -CAkey ally-ca.key -CAcreateserial -days 3650 \
                -out ally-server.crt -extfile ally-san.ext 2>/dev/null && chmod 644 ally-ca.pem" >&2
        as_root su postgres -c "psql -p $port -q -c \"ALTER SYSTEM SET ssl_cert_file = '$data/ally-server.crt'\" \
            -c \"ALTER SYSTEM SET ssl_key_file = '$data/ally-server.key'\" -c 'ALTER SYSTEM SET ssl = on' \
            -c 'SELECT pg_reload_conf()'" >/dev/null
    fi
    echo "postgres://ally@127.0.0.1:$port/ally"
    ;;
ca)
    echo "/var/lib/postgresql/$version/$cluster/ally-ca.pem"
    ;;
stop)
    as_root pg_ctlcluster "$version" "$cluster" stop || true
    ;;
restart)
    # A fast restart, as an operator's or a crash's: open connections are cut (Tools/reliability/servercrash.py).
    as_root pg_ctlcluster "$version" "$cluster" restart -m fast >&2
    ;;
*)
    echo "usage: postgres.sh start|stop|restart|ca" >&2
    exit 2
    ;;
esac
