#!/usr/bin/env bash
# ClickHouse (Debian's 18.16) HTTP on 127.0.0.1:$CH_HTTP_PORT (native protocol on $CH_TCP_PORT), data under
# $BASE/clickhouse, run as the clickhouse user. Minimal config: the root tag of 18.16 is <yandex>.
# Usage: clickhouse.sh start|stop|status (services.sh sets BASE and the ports). A start that finds a port
# taken exits 98.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"
D=$BASE/clickhouse
running() { [ -f "$D/clickhouse.pid" ] && alive "$(cat "$D/clickhouse.pid" 2>/dev/null)"; }
# Ready when the HTTP port answers and the process listening on it is ours: with a bare ping, a server of
# someone else's on that port would look like ours.
ours_ready() {
  local pid
  pid=$(cat "$D/clickhouse.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && ss -Hltnp "sport = :$CH_HTTP_PORT" | grep -q "pid=$pid," &&
    [ "$(curl -s "http://127.0.0.1:$CH_HTTP_PORT/ping")" = "Ok." ]
}
case "$1" in
start)
  CH_HTTP_PORT=${CH_HTTP_PORT:?CH_HTTP_PORT is set by services.sh}
  CH_TCP_PORT=${CH_TCP_PORT:?CH_TCP_PORT is set by services.sh}
  mkdir -p "$D"/{data,tmp,user_files,format_schemas,log}
  cat >"$D/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$D/log/server.log</log><errorlog>$D/log/err.log</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$CH_HTTP_PORT</http_port>
  <tcp_port>$CH_TCP_PORT</tcp_port>
  <path>$D/data/</path>
  <tmp_path>$D/tmp/</tmp_path>
  <user_files_path>$D/user_files/</user_files_path>
  <format_schema_path>$D/format_schemas/</format_schema_path>
  <users_config>$D/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <mlock_executable>false</mlock_executable>
</yandex>
XML
  cat >"$D/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default>
    <synctest><password>synctest</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></synctest>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
  chown -R clickhouse:clickhouse "$D"
  # A crashed server leaves its pid file behind, and --daemon refuses to start while one exists.
  if ! running; then rm -f "$D/clickhouse.pid"; fi
  if ! running; then
    mark=$(log_mark "$D/log/err.log")
    runuser -u clickhouse -- clickhouse-server --config-file="$D/config.xml" --pid-file="$D/clickhouse.pid" --daemon
    # The daemon writes its pid file before it binds the ports, and exits when a bind fails.
    daemon_pid=
    for _ in $(seq 1 300); do
      ours_ready && break
      p=$(cat "$D/clickhouse.pid" 2>/dev/null || true)
      [ -n "$p" ] && daemon_pid=$p
      [ -n "$daemon_pid" ] && ! alive "$daemon_pid" && break
      sleep 0.1
    done
    ours_ready || fail_start clickhouse "$D/log/err.log" "$mark" "$CH_HTTP_PORT" "$CH_TCP_PORT"
  fi
  curl -sS "http://127.0.0.1:$CH_HTTP_PORT/ping" ;;
stop)
  if running; then
    pid=$(cat "$D/clickhouse.pid"); kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do alive "$pid" || break; sleep 0.1; done
  fi ;;
status) running ;;
*) echo "usage: clickhouse.sh start|stop|status" >&2; exit 2 ;;
esac
