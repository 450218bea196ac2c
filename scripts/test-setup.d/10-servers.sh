#!/usr/bin/env bash
# Test set-up hook (scripts/test-setup.d/README.md): starts PostgreSQL, MariaDB and ClickHouse on loopback
# for the database sinks' tests (scripts/services/) and writes their URLs to $DATASYNC_TEST_ENV:
#   DATASYNC_TEST_PG_URL, DATASYNC_TEST_MYSQL_URL, DATASYNC_TEST_CLICKHOUSE_URL
# Usage: 10-servers.sh start|stop. `stop` also forgets the ports, so the next start picks free ones again.
#
# One state folder per build directory, so that two checkouts (or two build directories of one) running
# scripts/test.sh at once never share a server: /tmp/datasync-services-<12 hex digits of the SHA-256 of the
# build directory's physical path>, linked from $DATASYNC_TEST_BUILD_DIR/services. Not inside the build
# directory itself, for two reasons: the postgres, mysql and clickhouse users must traverse every parent
# folder of the state folder, and a checkout under a home directory (mode 0700) does not let them; and the
# servers' unix sockets live in the state folder, whose path must then stay well under the 107 bytes a
# socket path may have, which a deep checkout would exceed. services.sh picks free ports itself and records
# them in the state folder's ports.env.
#
# Env: DATASYNC_TEST_BUILD_DIR (set by scripts/test.sh), DATASYNC_SERVICES_BASE (a state folder of your
# choice instead), DATASYNC_TEST_{PG,MARIA,CH_HTTP,CH_TCP}_PORT (fixed ports instead of picked ones).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=$(cd "${DATASYNC_TEST_BUILD_DIR:?set by scripts/test.sh}" && pwd -P)
export BASE=${DATASYNC_SERVICES_BASE:-/tmp/datasync-services-$(printf %s "$build_dir" | sha256sum | cut -c1-12)}
# Only the DATASYNC_TEST_*_PORT variables fix a port: a PG_PORT left in the caller's shell does not.
unset PG_PORT MARIA_PORT CH_HTTP_PORT CH_TCP_PORT
[ -n "${DATASYNC_TEST_PG_PORT:-}" ] && export PG_PORT=$DATASYNC_TEST_PG_PORT
[ -n "${DATASYNC_TEST_MARIA_PORT:-}" ] && export MARIA_PORT=$DATASYNC_TEST_MARIA_PORT
[ -n "${DATASYNC_TEST_CH_HTTP_PORT:-}" ] && export CH_HTTP_PORT=$DATASYNC_TEST_CH_HTTP_PORT
[ -n "${DATASYNC_TEST_CH_TCP_PORT:-}" ] && export CH_TCP_PORT=$DATASYNC_TEST_CH_TCP_PORT
services=$root/scripts/services/services.sh
case "${1:-}" in
start)
  bash "$services" start pg maria clickhouse
  link=$build_dir/services
  if [ -L "$link" ] || [ ! -e "$link" ]; then ln -sfn "$BASE" "$link"; fi
  bash "$services" env pg maria clickhouse >>"${DATASYNC_TEST_ENV:?set by scripts/test.sh}" ;;
stop)
  bash "$services" stop pg maria clickhouse
  bash "$services" forget pg maria clickhouse ;;
*) echo "usage: 10-servers.sh start|stop" >&2; exit 2 ;;
esac
