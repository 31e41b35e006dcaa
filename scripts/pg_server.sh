#!/usr/bin/env bash
# A throw-away PostgreSQL server for tests and benchmarks, from Debian's packages:
#   scripts/pg_server.sh start DIR PORT   initdb into DIR (if new), listen on 127.0.0.1:PORT only, trust auth
#   scripts/pg_server.sh stop DIR         stop it (DIR is left for the caller to remove)
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user in a DIR it owns.
# Connect with postgresql://postgres@127.0.0.1:PORT/postgres.
set -euo pipefail

cmd=${1:?usage: pg_server.sh start DIR PORT | stop DIR}
dir=${2:?usage: pg_server.sh start DIR PORT | stop DIR}

bindir=$(command -v initdb >/dev/null && dirname "$(command -v initdb)" || true)
if [ -z "$bindir" ]; then
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "pg_server.sh: no initdb found: install Debian's postgresql (make install-dev does)" >&2
    exit 2
fi

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
    port=${3:?usage: pg_server.sh start DIR PORT}
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; chmod 700 "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    ;;
*)
    echo "usage: pg_server.sh start DIR PORT | stop DIR" >&2
    exit 2
    ;;
esac
