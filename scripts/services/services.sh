#!/usr/bin/env bash
# Start or stop the database servers the tests use: PostgreSQL 15, MariaDB 10.11 and ClickHouse 18.16 from
# Debian, on 127.0.0.1 only, non-default ports, state under $BASE, no systemd (recipes and pitfalls:
# ../shared/notes/environment.md §2).
# Usage: services.sh start|stop|status [pg] [maria] [clickhouse]        (default: all three)
# Env: BASE (state folder, default /tmp/datasync-services; it and its parents must be traversable by the
#      postgres, mysql and clickhouse users), PG_PORT (55432), MARIA_PORT (53306), CH_HTTP_PORT (58123),
#      CH_TCP_PORT (59000). Every server has user/password/database synctest.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-}
case "$cmd" in
  start|stop|status) shift ;;
  *) echo "usage: services.sh start|stop|status [pg] [maria] [clickhouse]" >&2; exit 2 ;;
esac
svcs=${*:-pg maria clickhouse}
for s in $svcs; do
  case "$s" in
    pg|maria|clickhouse) ;;
    *) echo "services.sh: unknown server '$s' (allowed: pg, maria, clickhouse)" >&2; exit 2 ;;
  esac
  t0=$(date +%s%N)
  if [ "$cmd" = status ]; then
    bash "$here/$s.sh" status && echo "$s running" || echo "$s stopped"
    continue
  fi
  if ! bash "$here/$s.sh" "$cmd" >/dev/null; then
    echo "$s $cmd FAILED (logs under ${BASE:-/tmp/datasync-services}/$s)" >&2
    [ "$cmd" = start ] && exit 1
  fi
  echo "$s $cmd ok ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
done
