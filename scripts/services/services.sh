#!/usr/bin/env bash
# Start or stop the database servers the tests use: PostgreSQL 15, MariaDB 10.11 and ClickHouse 18.16 from
# Debian, on 127.0.0.1 only, state under $BASE, no systemd (recipes and pitfalls:
# ../shared/notes/environment.md §2). Every server has user/password/database synctest.
#
# Usage: services.sh start|stop|status|forget|env [pg] [maria] [clickhouse]    (default: all three)
#   start   Starts each server (a running one is left alone) and prints its port. The port is, in this
#           order: the one given in the env (PG_PORT, MARIA_PORT, CH_HTTP_PORT, CH_TCP_PORT); the one
#           recorded in $BASE/ports.env by an earlier start, so a restart keeps the server's URL (if another
#           process holds that port now, start fails and says so); else a free port picked from
#           20000-32767 (below Linux's ephemeral range 32768-60999, so outgoing connections do not take it
#           by chance). A picked port can be taken by another process before the server binds it; the
#           start then retries with another one. The ports are recorded in $BASE/ports.env
#           (PG_PORT=…, sourceable by a shell).
#   stop    Stops the servers; their ports stay recorded.
#   status  Running or stopped, with the recorded ports.
#   forget  Drops the recorded ports of stopped servers, so that the next start picks new ones.
#   env     Prints the tests' settings for the recorded ports, KEY=VALUE (DATASYNC_TEST_PG_URL,
#           DATASYNC_TEST_MYSQL_URL, DATASYNC_TEST_CLICKHOUSE_URL, and DATASYNC_TEST_MYSQL_CA: the test
#           MariaDB's TLS certificate), e.g. export $(services.sh env)
# Env: BASE  the state folder (default /tmp/datasync-services). It and every parent folder must be
#            traversable by the postgres, mysql and clickhouse users, and it should be short: the servers'
#            unix sockets live in it and a socket path has at most 107 bytes.
#      SERVICES_TEST_FIRST_PORT  (for testing this script) the first port to pick, used without checking
#            that it is free, as if another process had taken it after the check.
# Two invocations on one state folder wait for each other (flock on $BASE/.lock).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-}
case "$cmd" in
  start|stop|status|forget|env) shift ;;
  *) echo "usage: services.sh start|stop|status|forget|env [pg] [maria] [clickhouse]" >&2; exit 2 ;;
esac
svcs=${*:-pg maria clickhouse}
for s in $svcs; do
  case "$s" in
    pg|maria|clickhouse) ;;
    *) echo "services.sh: unknown server '$s' (allowed: pg, maria, clickhouse)" >&2; exit 2 ;;
  esac
done

export BASE=${BASE:-/tmp/datasync-services}
mkdir -p "$BASE"
BASE=$(cd "$BASE" && pwd)
chmod 755 "$BASE"
ports_file=$BASE/ports.env
exec 9>>"$BASE/.lock"
flock 9

PORT_KEYS=(PG_PORT MARIA_PORT CH_HTTP_PORT CH_TCP_PORT)
keys_of() {
  case $1 in
    pg) echo PG_PORT ;;
    maria) echo MARIA_PORT ;;
    clickhouse) echo CH_HTTP_PORT CH_TCP_PORT ;;
  esac
}

# Ports given in the env, then the recorded ones.
declare -A given recorded
for k in "${PORT_KEYS[@]}"; do
  if [ -n "${!k:-}" ]; then given[$k]=${!k}; fi
  unset "$k"
done
if [ -f "$ports_file" ]; then
  while IFS='=' read -r k v; do
    if [[ " ${PORT_KEYS[*]} " == *" $k "* && "$v" =~ ^[0-9]+$ ]]; then recorded[$k]=$v; fi
  done <"$ports_file"
fi

save_ports() {
  local k tmp
  if [ ${#recorded[@]} -eq 0 ]; then
    rm -f "$ports_file"
    return
  fi
  tmp=$(mktemp "$ports_file.XXXXXX")
  for k in "${PORT_KEYS[@]}"; do
    if [ -n "${recorded[$k]:-}" ]; then echo "$k=${recorded[$k]}"; fi
  done >"$tmp"
  chmod 644 "$tmp"
  mv "$tmp" "$ports_file"
}

# Run a server's own script without the lock's descriptor, so the daemons it starts do not hold the lock.
server() { bash "$here/$1.sh" "$2" 9>&-; }

first_try=${SERVICES_TEST_FIRST_PORT:-}
picked_now=" "
# Sets `picked` to a port nothing uses (no socket of any state on it) and that this run has not handed out.
pick_port() {
  local p
  if [ -n "$first_try" ]; then
    picked=$first_try first_try=
    picked_now+="$picked "
    return
  fi
  for _ in $(seq 1 500); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
    [[ "$picked_now" == *" $p "* ]] && continue
    [ -n "$(ss -Htan "sport = :$p")" ] && continue
    picked=$p
    picked_now+="$p "
    return
  done
  echo "services.sh: found no free port in 20000-32767" >&2
  exit 1
}

ports_text() {
  local k out=""
  for k in $(keys_of "$1"); do
    out+="${out:+, }$k=${recorded[$k]:-?}"
  done
  echo "$out"
}

recorded_port_taken() {
  echo "services.sh: $1 cannot start: its port $2=$3 (recorded in $ports_file) is taken by another process:" >&2
  ss -Hltnp "sport = :$3" >&2 || true
  echo "  stop that process, or run 'BASE=$BASE $0 forget $1' to give $1 a new port" >&2
}

start_one() {
  local s=$1 k attempt rc t0 pickable=()
  declare -A use
  t0=$(date +%s%N)
  if server "$s" status; then
    # Running: it keeps the port it has.
    for k in $(keys_of "$s"); do
      if [ -n "${given[$k]:-}" ] && [ -n "${recorded[$k]:-}" ] && [ "${given[$k]}" != "${recorded[$k]}" ]; then
        echo "services.sh: $s is running on $k=${recorded[$k]} ($ports_file); stop it before moving it to ${given[$k]}" >&2
        return 1
      fi
      use[$k]=${recorded[$k]:-${given[$k]:-}}
      if [ -z "${use[$k]}" ]; then
        echo "services.sh: $s is running under $BASE but $ports_file does not say on which port; stop it first" >&2
        return 1
      fi
    done
  else
    for k in $(keys_of "$s"); do
      if [ -n "${given[$k]:-}" ]; then
        use[$k]=${given[$k]}
      elif [ -n "${recorded[$k]:-}" ]; then
        use[$k]=${recorded[$k]}
        if [ -n "$(ss -Hltn "sport = :${use[$k]}")" ]; then
          recorded_port_taken "$s" "$k" "${use[$k]}"
          return 1
        fi
      else
        pick_port
        use[$k]=$picked
        pickable+=("$k")
      fi
    done
  fi
  for attempt in 1 2 3 4 5 6; do
    for k in $(keys_of "$s"); do export "$k=${use[$k]}"; done
    rc=0
    server "$s" start >/dev/null || rc=$?
    for k in $(keys_of "$s"); do unset "$k"; done
    [ "$rc" -eq 0 ] && break
    if [ "$rc" -ne 98 ] || [ ${#pickable[@]} -eq 0 ] || [ "$attempt" -eq 6 ]; then
      echo "$s start FAILED (logs under $BASE/$s)" >&2
      if [ "$rc" -eq 98 ]; then
        for k in $(keys_of "$s"); do
          if [ -z "${given[$k]:-}" ] && [ -n "${recorded[$k]:-}" ]; then recorded_port_taken "$s" "$k" "${use[$k]}"; fi
        done
      fi
      return 1
    fi
    # Lost the race for a port we picked: another process bound it between our check and the server's bind.
    local moved=""
    for k in "${pickable[@]}"; do
      pick_port
      use[$k]=$picked
      moved+="${moved:+, }$k=$picked"
    done
    echo "services.sh: $s lost its port to another process; retrying on $moved" >&2
  done
  for k in $(keys_of "$s"); do recorded[$k]=${use[$k]}; done
  save_ports
  echo "$s start ok on 127.0.0.1 ($(ports_text "$s")) ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
}

failed=0
for s in $svcs; do
  case "$cmd" in
    start)
      start_one "$s" || exit 1 ;;
    stop)
      t0=$(date +%s%N)
      if server "$s" stop >/dev/null; then
        echo "$s stop ok ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
      else
        echo "$s stop FAILED (logs under $BASE/$s)" >&2
        failed=1
      fi ;;
    status)
      if server "$s" status; then echo "$s running ($(ports_text "$s"))"; else echo "$s stopped ($(ports_text "$s"))"; fi ;;
    env)
      case $s in
        pg) url_var=DATASYNC_TEST_PG_URL scheme=postgres port=${recorded[PG_PORT]:-} ;;
        maria) url_var=DATASYNC_TEST_MYSQL_URL scheme=mysql port=${recorded[MARIA_PORT]:-} ;;
        clickhouse) url_var=DATASYNC_TEST_CLICKHOUSE_URL scheme=clickhouse port=${recorded[CH_HTTP_PORT]:-} ;;
      esac
      if [ -z "$port" ]; then
        echo "services.sh: no port recorded for $s in $ports_file (start it first)" >&2
        failed=1
        continue
      fi
      echo "$url_var=$scheme://synctest:synctest@127.0.0.1:$port/synctest"
      # The CA that verifies the test MariaDB's self-signed certificate (maria.sh), when it has one.
      if [ "$s" = maria ] && [ -f "$BASE/maria/tls/cert.pem" ]; then
        echo "DATASYNC_TEST_MYSQL_CA=$BASE/maria/tls/cert.pem"
      fi ;;
    forget)
      if server "$s" status; then
        echo "$s is running: its port stays recorded" >&2
      else
        for k in $(keys_of "$s"); do unset "recorded[$k]"; done
      fi ;;
  esac
done
if [ "$cmd" = forget ]; then save_ports; fi
if [ "$cmd" = start ]; then
  echo "ports recorded in $ports_file:"
  sed 's/^/  /' "$ports_file"
fi
exit $failed
