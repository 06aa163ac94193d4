"""``ledger actor``: the operator's registry of actors, their keys and revocations."""

from __future__ import annotations

from datetime import datetime

import click

from ledger.cli.context import Settings, operator_key_option, pass_settings, url_option
from ledger.cli.submit import submit_operator_statement
from ledger.core import policy
from ledger.core.signing import PUBLIC_KEY_SIZE, PublicKey, b64decode
from ledger.core.timefmt import format_time
from ledger.service.sequencer import system_clock


def ledger_time(text: str) -> str:
    """A time given on the command line (ISO 8601 with an offset, or ``now``) in ledger form."""
    if text == "now":
        return format_time(system_clock())
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(
            f"{text!r} is not an ISO 8601 time such as 2026-09-20T08:00:00Z"
        ) from exc
    if moment.tzinfo is None:
        raise click.BadParameter(f"{text!r} has no UTC offset; add Z or +08:00")
    return format_time(moment)


@click.group()
def actor() -> None:
    """The operator's registry: actors, their keys and revocations."""


@actor.command("register")
@click.option("--actor", "actor_id", required=True, help="Actor ID, e.g. wuchang-coop.")
@click.option("--name", required=True, help="Business name (never a person's name).")
@click.option(
    "--role",
    "roles",
    required=True,
    multiple=True,
    type=click.Choice(policy.ROLES),
    help="A role; repeat for several.",
)
@click.option("--name-en", help="The business name for English readers (optional).")
@click.option("--region", required=True, help="Administrative region.")
@click.option("--gln", required=True, help="The actor's party GLN (13 digits).")
@operator_key_option
@url_option
@pass_settings
def actor_register(
    settings: Settings,
    actor_id: str,
    name: str,
    name_en: str | None,
    roles: tuple[str, ...],
    region: str,
    gln: str,
    operator_key: str,
    url: str | None,
) -> None:
    """Register an actor (signed with the operator key)."""
    payload = {"actor": actor_id, "name": name, "roles": list(roles), "region": region, "gln": gln}
    if name_en:
        payload["name_en"] = name_en
    submit_operator_statement(settings, "actor", payload, operator_key, url)


@actor.command("add-key")
@click.option("--actor", "actor_id", required=True, help="The actor the key belongs to.")
@click.option("--key", "key_name", help="A key in the local keystore.")
@click.option("--public-key", help="A public key (base64), for a key held elsewhere.")
@operator_key_option
@url_option
@pass_settings
def actor_add_key(
    settings: Settings,
    actor_id: str,
    key_name: str | None,
    public_key: str | None,
    operator_key: str,
    url: str | None,
) -> None:
    """Add a signing key to an actor (signed with the operator key)."""
    if (key_name is None) == (public_key is None):
        raise click.UsageError("give exactly one of --key and --public-key")
    if key_name is not None:
        key = settings.keystore.info(key_name).public_key
    else:
        key = PublicKey(b64decode(str(public_key), field="--public-key", size=PUBLIC_KEY_SIZE))
    click.echo(f"key id: {key.key_id}")
    submit_operator_statement(
        settings, "key", {"actor": actor_id, "public_key": key.b64}, operator_key, url
    )


@actor.command("revoke-key")
@click.option("--actor", "actor_id", required=True, help="The actor holding the key.")
@click.option("--key-id", required=True, help="The key ID (32 hex digits).")
@click.option(
    "--effective", required=True, help="From when the key is invalid: ISO 8601 time, or 'now'."
)
@click.option("--reason", required=True, help="Why, in a few words.")
@operator_key_option
@url_option
@pass_settings
def actor_revoke_key(
    settings: Settings,
    actor_id: str,
    key_id: str,
    effective: str,
    reason: str,
    operator_key: str,
    url: str | None,
) -> None:
    """Revoke an actor's key from a given time on (signed with the operator key)."""
    payload = {
        "actor": actor_id,
        "key_id": key_id,
        "effective": ledger_time(effective),
        "reason": reason,
    }
    submit_operator_statement(settings, "revoke", payload, operator_key, url)
