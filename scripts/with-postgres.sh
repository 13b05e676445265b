#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server, then stop it (also when the command fails).
#
#   scripts/with-postgres.sh COMMAND [ARGS...]
#
# The server lives in a temporary folder and listens only on a unix socket there, so it cannot
# clash with another server or with TIME-WAIT ports. DATABASE_URL is exported for the command.
# PG_DATA_DIR=path keeps the data folder between runs (the benchmark caches its dataset that way).
set -euo pipefail

find_pg_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
    done
    return 1
}

PG_BIN=$(find_pg_bin || true)
if [ -z "$PG_BIN" ]; then
    echo "with-postgres: PostgreSQL server not found; installing it (apt-get)..." >&2
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    PG_BIN=$(find_pg_bin)
fi

# The server refuses to run as root: run it as the postgres system user when we are root.
if [ "$(id -u)" = 0 ]; then
    AS_PG=(runuser -u postgres --)
else
    AS_PG=()
fi

SOCKET_DIR=$(mktemp -d /tmp/clinic-pg.XXXXXX)
DATA_DIR=${PG_DATA_DIR:-$SOCKET_DIR/data}
mkdir -p "$DATA_DIR"
[ "$(id -u)" = 0 ] && chown -R postgres: "$SOCKET_DIR" "$DATA_DIR"
chmod 700 "$DATA_DIR"

cleanup() {
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DATA_DIR" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$SOCKET_DIR"
}
trap cleanup EXIT INT TERM

if [ ! -f "$DATA_DIR/PG_VERSION" ]; then
    "${AS_PG[@]}" "$PG_BIN/initdb" -D "$DATA_DIR" -A trust -U postgres -E UTF8 >/dev/null
fi
# Durability settings off: this server holds only test or benchmark data.
"${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DATA_DIR" -w -l "$SOCKET_DIR/server.log" \
    -o "-k $SOCKET_DIR -c listen_addresses='' -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off -c max_connections=100 -c shared_buffers=512MB" \
    start >/dev/null

DB_NAME=${PG_DB_NAME:-clinic}
"${AS_PG[@]}" "$PG_BIN/psql" -h "$SOCKET_DIR" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1 \
    || "${AS_PG[@]}" "$PG_BIN/createdb" -h "$SOCKET_DIR" -U postgres "$DB_NAME"

ENCODED_SOCKET=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$SOCKET_DIR")
export DATABASE_URL="postgres://postgres@${ENCODED_SOCKET}/${DB_NAME}"
echo "with-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on $SOCKET_DIR" >&2
"$@"
