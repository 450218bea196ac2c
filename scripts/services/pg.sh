#!/usr/bin/env bash
# PostgreSQL on 127.0.0.1:${PG_PORT:-55432}, data under $BASE/pg, run as the postgres user (it refuses root).
# Usage: pg.sh start|stop|status
set -euo pipefail
BASE=${BASE:-/tmp/datasync-services}; mkdir -p "$BASE"; chmod 755 "$BASE"; PG_PORT=${PG_PORT:-55432}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
D=$BASE/pg
case "$1" in
start)
  mkdir -p "$D"; chown postgres:postgres "$D"
  if [ ! -f "$D/data/PG_VERSION" ]; then
    runuser -u postgres -- "$PGBIN/initdb" -D "$D/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$D/initdb.log"
  fi
  if ! runuser -u postgres -- "$PGBIN/pg_ctl" -D "$D/data" status >/dev/null 2>&1; then
    # fsync and friends off: a test server, rebuilt from scratch whenever it is lost.
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$D/data" -l "$D/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $D -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start
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
status)
  [ -f "$D/data/postmaster.pid" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$D/data" status >/dev/null 2>&1 ;;
*) echo "usage: pg.sh start|stop|status" >&2; exit 2 ;;
esac
