#!/usr/bin/env bash
# Install the project and its test tools into .venv, then run the whole test suite.
# PostgreSQL tests use LEDGER_TEST_POSTGRES_URL (default: the local server, database test)
# and skip cleanly when no server answers. Browser tests drive Debian's Chromium
# (/usr/bin/chromium, installed here when this runs as root) through Playwright, and skip
# cleanly without it; Playwright never downloads a browser of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq
  # fonts-noto-cjk: so Chinese renders in the page and the printed label sheets.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[test]'
# Two workers: this machine (and CI) has two cores.
exec .venv/bin/python -m pytest -n 2 "$@"
