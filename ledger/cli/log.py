"""The log itself: ``init`` opens it, ``post`` appends an event, ``show`` and ``checkpoint``
read and sign it; ``export``, ``verify`` and ``reindex`` audit and maintain it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ledger.cli.context import (
    EXIT_FAILED,
    Settings,
    operator_key_option,
    pass_settings,
    passphrase,
    progress_bar,
    url_option,
)
from ledger.cli.submit import submit
from ledger.core.canonical import parse_json
from ledger.core.errors import MalformedError, NotFoundError
from ledger.core.gs1 import parse_identifier
from ledger.core.signing import SigningKey
from ledger.core.statements import MAX_STATEMENT_BYTES, sign_statement
from ledger.core.timefmt import format_time
from ledger.service.epcis_export import write_epcis
from ledger.service.ledger import Ledger
from ledger.service.sequencer import system_clock


@click.command()
@click.option(
    "--origin", required=True, help="The log's origin, e.g. ledger.example.org/wuchang-rice."
)
@operator_key_option
@pass_settings
def init(settings: Settings, origin: str, operator_key: str) -> None:
    """Create the operator key (if missing), the database, the genesis entry and a checkpoint."""
    keystore = settings.keystore
    if keystore.exists(operator_key):
        key = keystore.load(operator_key, passphrase(f"Passphrase for key {operator_key!r}"))
    else:
        key = SigningKey.generate()
        info = keystore.create(
            operator_key, passphrase(f"New passphrase for key {operator_key!r}", confirm=True), key
        )
        click.echo(f"created operator key {operator_key!r} in {info.path}")
    ledger = Ledger.create(settings.engine, key, origin)
    ledger.checkpoint()
    click.echo(f"ledger {origin} is ready with {ledger.size()} entries")
    click.echo("operator verifier key (publish it out of band):")
    click.echo(ledger.operator.vkey)


@click.command()
@click.argument(
    "event_file", metavar="EVENT.json", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--key", "key_name", required=True, help="The local key to sign with.")
@url_option
@pass_settings
def post(settings: Settings, event_file: Path, key_name: str, url: str | None) -> None:
    """Sign the event payload in EVENT.json and append it (or POST it with --url)."""
    payload = parse_json(event_file.read_bytes(), max_bytes=MAX_STATEMENT_BYTES)
    if not isinstance(payload, dict):
        raise MalformedError(
            f"{event_file} must hold one JSON object: the event", code="wrong_type"
        )
    key = settings.keystore.load(key_name, passphrase(f"Passphrase for key {key_name!r}"))
    submit(settings, sign_statement("event", payload, key), url)


@click.command()
@click.argument("index", type=click.IntRange(min=0))
@pass_settings
def show(settings: Settings, index: int) -> None:
    """Print entry INDEX: its hash and its content."""
    found = settings.ledger().entries(index, index + 1)
    if not found:
        raise NotFoundError(f"the log has no entry {index}", code="no_such_entry")
    entry = found[0]
    click.echo(f"entry {entry.index}, entry hash {entry.entry_hash.hex()}")
    click.echo(json.dumps(parse_json(entry.leaf), indent=2, ensure_ascii=False))


@click.command()
@operator_key_option
@pass_settings
def checkpoint(settings: Settings, operator_key: str) -> None:
    """Sign a checkpoint of the log now (if it grew) and print the latest note."""
    ledger, _key = settings.operator_ledger(operator_key)
    click.echo(ledger.checkpoint().note, nl=False)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--epcis", is_flag=True, help="Write the events as an EPCIS 2.0 JSON-LD document instead."
)
@click.option(
    "--object", "object_id", metavar="URI", help="With --epcis: only the events about this object."
)
@pass_settings
def export(settings: Settings, file: Path, epcis: bool, object_id: str | None) -> None:
    """Write the whole log and its checkpoints to FILE (docs/FORMAT.md section 8), or with
    --epcis its events as EPCIS 2.0 JSON-LD with GS1 event hashes (docs/EVENTS.md)."""
    if object_id is not None and not epcis:
        raise MalformedError("--object goes with --epcis", code="bad_option")
    ledger = settings.ledger()
    partial = file.with_name(file.name + ".partial")
    # Written aside and renamed, so FILE is never a half-written export.
    with partial.open("w", encoding="utf-8", newline="\n") as out:
        if epcis:
            count = write_epcis(
                ledger.engine, out, object_id=object_id, creation_date=format_time(system_clock())
            )
        else:
            with progress_bar("exporting", ledger.size()) as report:
                count = ledger.export(out, report)
    partial.replace(file)
    click.echo(f"exported {count} {'events' if epcis else 'entries'} to {file}")


@click.command()
@click.pass_context
def verify(ctx: click.Context) -> None:
    """Verify every entry, checkpoint and stored hash; print every failure."""
    ledger = ctx.obj.ledger()
    with progress_bar("verifying", ledger.size()) as report_progress:
        report = ledger.verify(report_progress)
    for failure in report.failures:
        click.echo(str(failure))
    if not report.ok:
        click.echo(f"FAILED: {len(report.failures)} problems in {report.entries} entries", err=True)
        ctx.exit(EXIT_FAILED)
    click.echo(
        f"ok: {report.entries} entries, {report.checkpoints} checkpoints, root {report.root.hex()}"
    )


@click.command()
@pass_settings
def reindex(settings: Settings) -> None:
    """Rebuild every derived table (registry, custody, object index, Merkle nodes) from the log."""
    ledger = settings.ledger()
    with progress_bar("reindexing", ledger.size()) as report:
        count = ledger.reindex(report)
    click.echo(f"reindexed {count} entries")


@click.command("trace")
@click.argument("object_id", metavar="OBJECT")
@click.option(
    "--direction",
    type=click.Choice(["forward", "backward"]),
    default="forward",
    show_default=True,
    help="forward: everything made from it and where it went; backward: everything it came from",
)
@click.option("--tree-size", type=click.IntRange(min=1), help="as of this tree size")
@click.option("--depth", type=click.IntRange(1, 64), default=64, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print the graph as JSON")
@pass_settings
def trace(
    settings: Settings,
    object_id: str,
    direction: str,
    tree_size: int | None,
    depth: int,
    as_json: bool,
) -> None:
    """Trace OBJECT (a GS1 Digital Link) forward or backward through the log."""
    canonical = parse_identifier(object_id, field="object").object_key()
    found = settings.ledger().trace(canonical, direction, tree_size, depth)
    if as_json:
        click.echo(json.dumps(found.to_json(), indent=2, ensure_ascii=False))
        return
    click.echo(
        f"{direction} from {found.start} as of tree size {found.tree_size}: "
        f"{len(found.nodes)} objects, {len(found.edges)} links"
        + ("" if found.complete else " (more beyond the depth or size asked for)")
    )
    for node in found.nodes:
        held = f"  held by {node.holder}" if node.holder else ""
        click.echo(f"{'  ' * min(node.depth, 8)}{node.object_id}{held}")
