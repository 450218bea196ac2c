#!/usr/bin/env bash
# MariaDB on 127.0.0.1:$MARIA_PORT, data under $BASE/maria, mariadbd run directly as the mysql user.
# Usage: maria.sh start|stop|status (services.sh sets BASE and the port). A start that finds the port taken
# exits 98.
# TLS: the server offers TLS with a self-signed certificate for 127.0.0.1/localhost, made with openssl at the
# first start ($BASE/maria/tls/cert.pem, also the CA a client verifies it with). MARIA_TLS=off starts it
# without TLS (a test of clients that must refuse clear text).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"
D=$BASE/maria; SOCK=$D/mysqld.sock
running() { [ -f "$D/mysqld.pid" ] && alive "$(cat "$D/mysqld.pid" 2>/dev/null)"; }
ping_socket() { mariadb-admin --no-defaults --socket="$SOCK" -uroot ping >/dev/null 2>&1; }
case "$1" in
start)
  MARIA_PORT=${MARIA_PORT:?MARIA_PORT is set by services.sh}
  # A private tmpdir: two bootstraps at once in the shared /tmp collide on their temporary tables
  # ("Unknown table 'mysql.tmp_user_sys'"), as two checkouts starting their servers together would.
  mkdir -p "$D/tmp"; chown mysql:mysql "$D" "$D/tmp"
  if [ ! -d "$D/data/mysql" ]; then
    mariadb-install-db --no-defaults --user=mysql --datadir="$D/data" --tmpdir="$D/tmp" \
      --auth-root-authentication-method=socket --skip-test-db >"$D/install.log" 2>&1 ||
      { echo "maria: mariadb-install-db failed; the end of $D/install.log:" >&2; tail -n 20 "$D/install.log" >&2; exit 1; }
  fi
  tls_args=()
  if [ "${MARIA_TLS:-on}" != off ]; then
    if [ ! -f "$D/tls/cert.pem" ]; then
      mkdir -p "$D/tls"
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
        -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$D/tls/key.pem" -out "$D/tls/cert.pem" >"$D/tls/openssl.log" 2>&1 ||
        { echo "maria: openssl could not make the test certificate:" >&2; cat "$D/tls/openssl.log" >&2; exit 1; }
      chown -R mysql:mysql "$D/tls"
      chmod 600 "$D/tls/key.pem"
      chmod 644 "$D/tls/cert.pem"
    fi
    tls_args=(--ssl-cert="$D/tls/cert.pem" --ssl-key="$D/tls/key.pem")
  fi
  if ! running; then
    mark=$(log_mark "$D/error.log")
    # --no-defaults must come first: it keeps /etc/mysql/*.cnf (socket /run/mysqld, port 3306) out.
    # local_infile: the sink may bulk-load with LOAD DATA LOCAL INFILE.
    setsid nohup mariadbd --no-defaults --user=mysql --datadir="$D/data" --tmpdir="$D/tmp" --socket="$SOCK" \
      --port="$MARIA_PORT" --bind-address=127.0.0.1 --pid-file="$D/mysqld.pid" --log-error="$D/error.log" \
      --skip-name-resolve --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=0 \
      --innodb-log-file-size=64M --max-allowed-packet=256M --local-infile=1 --max-connections=300 \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci "${tls_args[@]}" </dev/null >/dev/null 2>&1 &
    pid=$!
    # Ready when it answers on its own socket (which it creates only after binding the TCP port); it exits
    # at once when the port is taken.
    for _ in $(seq 1 600); do
      ping_socket && break
      alive "$pid" || break
      sleep 0.1
    done
    ping_socket || fail_start maria "$D/error.log" "$mark" "$MARIA_PORT"
  fi
  # The test user may create and drop databases: every test works in a database of its own.
  mariadb --no-defaults --socket="$SOCK" -uroot <<SQL
CREATE DATABASE IF NOT EXISTS synctest CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS 'synctest'@'%' IDENTIFIED BY 'synctest';
GRANT ALL PRIVILEGES ON *.* TO 'synctest'@'%';
FLUSH PRIVILEGES;
SQL
  mariadb-admin --no-defaults -h127.0.0.1 -P"$MARIA_PORT" -usynctest -psynctest ping ;;
stop)
  if running; then
    pid=$(cat "$D/mysqld.pid")
    mariadb-admin --no-defaults --socket="$SOCK" -uroot shutdown 2>/dev/null || kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 600); do alive "$pid" || break; sleep 0.1; done
  fi ;;
status) running ;;
*) echo "usage: maria.sh start|stop|status" >&2; exit 2 ;;
esac
