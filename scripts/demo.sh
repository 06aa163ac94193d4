#!/usr/bin/env bash
# Install the project into .venv, build the sample Wuchang rice ledger (SQLite under
# ./instance) and serve the site on 127.0.0.1. Extra arguments go to `ledger demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e .
exec .venv/bin/ledger demo "$@"
