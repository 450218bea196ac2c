#!/usr/bin/env bash
# Test set-up hook (scripts/test-setup.d/README.md): starts PostgreSQL, MariaDB and ClickHouse on loopback
# for the database sinks' tests (scripts/services/) and writes their URLs to $DATASYNC_TEST_ENV:
#   DATASYNC_TEST_PG_URL, DATASYNC_TEST_MYSQL_URL, DATASYNC_TEST_CLICKHOUSE_URL
# Usage: 10-servers.sh start|stop. Env: DATASYNC_SERVICES_BASE (state folder, default
# /tmp/datasync-test-services) and DATASYNC_TEST_{PG,MARIA,CH_HTTP,CH_TCP}_PORT (55432, 53306, 58123, 59000).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export BASE=${DATASYNC_SERVICES_BASE:-/tmp/datasync-test-services}
export PG_PORT=${DATASYNC_TEST_PG_PORT:-55432}
export MARIA_PORT=${DATASYNC_TEST_MARIA_PORT:-53306}
export CH_HTTP_PORT=${DATASYNC_TEST_CH_HTTP_PORT:-58123}
export CH_TCP_PORT=${DATASYNC_TEST_CH_TCP_PORT:-59000}
services=$root/scripts/services/services.sh
case "${1:-}" in
start)
  bash "$services" start pg maria clickhouse
  {
    echo "DATASYNC_TEST_PG_URL=postgres://synctest:synctest@127.0.0.1:$PG_PORT/synctest"
    echo "DATASYNC_TEST_MYSQL_URL=mysql://synctest:synctest@127.0.0.1:$MARIA_PORT/synctest"
    echo "DATASYNC_TEST_CLICKHOUSE_URL=clickhouse://synctest:synctest@127.0.0.1:$CH_HTTP_PORT/synctest"
  } >>"${DATASYNC_TEST_ENV:?set by scripts/test.sh}" ;;
stop) bash "$services" stop pg maria clickhouse ;;
*) echo "usage: 10-servers.sh start|stop" >&2; exit 2 ;;
esac
