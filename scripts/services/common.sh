# Sourced by pg.sh, maria.sh and clickhouse.sh: the state folder and how a start that lost its port is told
# apart from other failures.
# shellcheck shell=bash

BASE=${BASE:?BASE (the state folder) is set by services.sh}
mkdir -p "$BASE"
chmod 755 "$BASE"

# Exit status of a start whose server could not bind its port (98 = EADDRINUSE): services.sh then tries
# another port when it picked this one itself.
PORT_IN_USE=98

# Whether process PID is alive. A killed daemon stays a zombie until init reaps it, which here can take
# seconds, and kill -0 succeeds on a zombie.
alive() { kill -0 "$1" 2>/dev/null && [[ "$(ps -o stat= -p "$1" 2>/dev/null)" != Z* ]]; }

# Whether something listens on 127.0.0.1:PORT (or on every address) now.
port_listened() { [ -n "$(ss -Hltn "sport = :$1")" ]; }

# The size of a log before a start; log_since prints what the start appended.
log_mark() { stat -c %s "$1" 2>/dev/null || echo 0; }
log_since() { if [ -f "$1" ]; then tail -c +"$(($2 + 1))" "$1"; fi; }

# After a failed start: exit PORT_IN_USE if the log says the bind failed or one of the ports is now taken,
# else exit 1. Prints the log lines or listeners that tell why. Usage: fail_start NAME LOG MARK PORT...
fail_start() {
  local name=$1 log=$2 mark=$3 appended p taken=()
  shift 3
  appended=$(log_since "$log" "$mark")
  for p in "$@"; do port_listened "$p" && taken+=("$p"); done
  if [ ${#taken[@]} -gt 0 ] || grep -q "Address already in use" <<<"$appended"; then
    echo "$name: could not bind port ${taken[*]:-$*}: in use by another process" >&2
    for p in "${taken[@]}"; do ss -Hltnp "sport = :$p" >&2 || true; done
    exit "$PORT_IN_USE"
  fi
  echo "$name: the server did not start; the end of $log:" >&2
  tail -n 20 <<<"$appended" >&2
  exit 1
}
