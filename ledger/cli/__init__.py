"""The ``ledger`` command line: keys, the operator's registry, posting events, auditing.

Every command goes through the ``Ledger`` facade (or, with ``--url``, a server's HTTP API).
Expected errors are ``LedgerError``s; ``LedgerGroup`` prints them as
``error [code]: message`` and exits 2, so no traceback is shown for them. Each module holds
one job's commands and joins ``main`` here with one line: ``main.add_command(demo)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ledger.cli.actors import actor
from ledger.cli.batch_import import import_rows
from ledger.cli.console import console_user
from ledger.cli.context import EXIT_ERROR, Settings
from ledger.cli.keys import keys
from ledger.cli.labels import labels
from ledger.cli.log import checkpoint, export, init, post, reindex, show, trace, verify
from ledger.cli.report import report
from ledger.cli.serve import demo, serve
from ledger.core.errors import LedgerError
from ledger.keystore import DEFAULT_DIR
from ledger.service.ledger import DEFAULT_DATABASE_URL

__all__ = ["main"]


class LedgerGroup(click.Group):
    """A click group that turns ``LedgerError`` into ``error [code]: message`` and exit 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LedgerError as exc:
            click.echo(f"error [{exc.code}]: {exc.message}", err=True)
            ctx.exit(EXIT_ERROR)


@click.group(cls=LedgerGroup)
@click.option(
    "--database",
    envvar="LEDGER_DATABASE_URL",
    default=DEFAULT_DATABASE_URL,
    show_default=True,
    metavar="URL",
    help="SQLAlchemy database URL (env LEDGER_DATABASE_URL).",
)
@click.option(
    "--keystore",
    "keystore_dir",
    envvar="LEDGER_KEYSTORE",
    default=str(DEFAULT_DIR),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Key directory (env LEDGER_KEYSTORE).",
)
@click.version_option(package_name="traceledger")
@click.pass_context
def main(ctx: click.Context, database: str, keystore_dir: Path) -> None:
    """A verifiable traceability ledger for regional agricultural products."""
    ctx.obj = Settings(database, keystore_dir)
    ctx.call_on_close(ctx.obj.close)


main.add_command(init)
main.add_command(keys)
main.add_command(actor)
main.add_command(post)
main.add_command(import_rows)
main.add_command(show)
main.add_command(trace)
main.add_command(report)
main.add_command(checkpoint)
main.add_command(export)
main.add_command(labels)
main.add_command(verify)
main.add_command(reindex)
main.add_command(serve)
main.add_command(demo)
main.add_command(console_user)
