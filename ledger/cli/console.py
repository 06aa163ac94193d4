"""``ledger console-user``: operator accounts for the web console."""

from __future__ import annotations

import click

from ledger.cli.context import Settings, pass_settings


@click.group("console-user")
def console_user() -> None:
    """Operator accounts of the web console (/console)."""


@console_user.command("add")
@click.argument("name")
@click.password_option(
    "--password",
    prompt="Console password",
    help="Asked for without echo, twice (env LEDGER_CONSOLE_PASSWORD).",
    envvar="LEDGER_CONSOLE_PASSWORD",
)
@pass_settings
def console_user_add(settings: Settings, name: str, password: str) -> None:
    """Create the console account NAME (the password is hashed with argon2id)."""
    account = settings.ledger().accounts().add(name, password)
    click.echo(f"console account {account.name!r} created")
