#!/usr/bin/env bash
# PostgreSQL on 127.0.0.1:$PG_PORT, data under $BASE/pg, run as the postgres user (it refuses root).
# Usage: pg.sh start|stop|status (services.sh sets BASE and the port). A start that finds the port taken
# exits 98.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
D=$BASE/pg
running() { [ -f "$D/data/postmaster.pid" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$D/data" status >/dev/null 2>&1; }
case "$1" in
start)
  PG_PORT=${PG_PORT:?PG_PORT is set by services.sh}
  mkdir -p "$D"; chown postgres:postgres "$D"
  if [ ! -f "$D/data/PG_VERSION" ]; then
    runuser -u postgres -- "$PGBIN/initdb" -D "$D/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$D/initdb.log"
  fi
  if ! running; then
    mark=$(log_mark "$D/server.log")
    # fsync and friends off: a test server, rebuilt from scratch whenever it is lost.
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$D/data" -l "$D/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $D -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start \
      || fail_start pg "$D/server.log" "$mark" "$PG_PORT"
  fi
  # Superuser over the unix socket in $D (trust); the test role over TCP with a password.
  psql -h "$D" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt <<SQL
DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='synctest') THEN CREATE ROLE synctest LOGIN PASSWORD 'synctest'; END IF; END \$\$;
SQL
  psql -h "$D" -p "$PG_PORT" -U postgres -qAt -c "SELECT 1 FROM pg_database WHERE datname='synctest'" | grep -q 1 \
    || psql -h "$D" -p "$PG_PORT" -U postgres -q -c "CREATE DATABASE synctest OWNER synctest"
  pg_isready -h 127.0.0.1 -p "$PG_PORT" ;;
stop)
  if [ -f "$D/data/postmaster.pid" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$D/data" -m fast -w stop || true
  fi ;;
status) running ;;
*) echo "usage: pg.sh start|stop|status" >&2; exit 2 ;;
esac
