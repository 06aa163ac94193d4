"""The command-line fixtures of ``test_cli.py`` (a ledger, the farm's key, a live server),
shared with the other command-line tests."""

from tests.cli.test_cli import env, farm, run, server, vkey  # noqa: F401
