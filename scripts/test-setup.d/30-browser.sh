#!/usr/bin/env bash
# Installs puppeteer-core (pinned in tests/browser/package-lock.json; it never downloads a browser) for the
# web app's browser tests, and checks that Debian's Chromium starts headless.
# Usage: 30-browser.sh start|stop. Nothing is installed when node_modules already matches the lock file.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$root/tests/browser
case "${1:-start}" in
  start)
    stamp=$dir/node_modules/.datasync-lock-stamp
    if [ ! -f "$stamp" ] || ! cmp -s "$stamp" "$dir/package-lock.json"; then
      command -v npm >/dev/null || { echo "30-browser.sh: npm not found (node 20 + npm come with the machine image)" >&2; exit 1; }
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
      cp "$dir/package-lock.json" "$stamp"
    fi
    command -v chromium >/dev/null || { echo "30-browser.sh: chromium not found (scripts/install-deps.sh test installs it)" >&2; exit 1; }
    echo "browser ready: $(chromium --version 2>/dev/null | head -1), puppeteer-core (npm)"
    ;;
  stop) ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
