"""``ledger keys``: the local keystore."""

from __future__ import annotations

import click

from ledger.cli.context import Settings, pass_settings, passphrase


@click.group()
def keys() -> None:
    """Manage the local keystore (private keys never leave it, and are never printed)."""


@keys.command("new")
@click.argument("name")
@pass_settings
def keys_new(settings: Settings, name: str) -> None:
    """Generate a new key NAME, encrypted with a passphrase."""
    info = settings.keystore.create(
        name, passphrase(f"New passphrase for key {name!r}", confirm=True)
    )
    click.echo(f"created key {name!r} in {info.path}")
    click.echo(f"key id:     {info.public_key.key_id}")
    click.echo(f"public key: {info.public_key.b64}")


@keys.command("list")
@pass_settings
def keys_list(settings: Settings) -> None:
    """List the keys: name, key ID, public key."""
    found = settings.keystore.list()
    if not found:
        click.echo(f"no keys in {settings.keystore_dir}")
    for info in found:
        click.echo(f"{info.name}\t{info.public_key.key_id}\t{info.public_key.b64}")


@keys.command("show")
@click.argument("name")
@pass_settings
def keys_show(settings: Settings, name: str) -> None:
    """Show the public half of key NAME."""
    info = settings.keystore.info(name)
    click.echo(f"name:       {info.name}")
    click.echo(f"key id:     {info.public_key.key_id}")
    click.echo(f"public key: {info.public_key.b64}")
    click.echo(f"file:       {info.path}")
