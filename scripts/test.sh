#!/usr/bin/env bash
# Install the project and its test tools into .venv, then run the whole test suite.
# PostgreSQL tests use LEDGER_TEST_POSTGRES_URL (default: the local server, database test)
# and skip cleanly when no server answers.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[test]'
# Two workers: this machine (and CI) has two cores.
exec .venv/bin/python -m pytest -n 2 "$@"
