#!/usr/bin/env bash
# MariaDB on 127.0.0.1:${MARIA_PORT:-53306}, data under $BASE/maria, mariadbd run directly as the mysql user.
# Usage: maria.sh start|stop|status
set -euo pipefail
BASE=${BASE:-/tmp/datasync-services}; mkdir -p "$BASE"; chmod 755 "$BASE"; MARIA_PORT=${MARIA_PORT:-53306}
D=$BASE/maria; SOCK=$D/mysqld.sock
running() { [ -f "$D/mysqld.pid" ] && kill -0 "$(cat "$D/mysqld.pid")" 2>/dev/null; }
case "$1" in
start)
  mkdir -p "$D"; chown mysql:mysql "$D"
  if [ ! -d "$D/data/mysql" ]; then
    mariadb-install-db --no-defaults --user=mysql --datadir="$D/data" \
      --auth-root-authentication-method=socket --skip-test-db >"$D/install.log" 2>&1
  fi
  if ! running; then
    # --no-defaults must come first: it keeps /etc/mysql/*.cnf (socket /run/mysqld, port 3306) out.
    # local_infile: the sink may bulk-load with LOAD DATA LOCAL INFILE.
    setsid nohup mariadbd --no-defaults --user=mysql --datadir="$D/data" --socket="$SOCK" \
      --port="$MARIA_PORT" --bind-address=127.0.0.1 --pid-file="$D/mysqld.pid" --log-error="$D/error.log" \
      --skip-name-resolve --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=0 \
      --innodb-log-file-size=64M --max-allowed-packet=256M --local-infile=1 --max-connections=300 \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci </dev/null >/dev/null 2>&1 &
  fi
  for _ in $(seq 1 240); do mariadb-admin --no-defaults --socket="$SOCK" -uroot ping >/dev/null 2>&1 && break; sleep 0.25; done
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
    for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi ;;
status) running ;;
*) echo "usage: maria.sh start|stop|status" >&2; exit 2 ;;
esac
