"""The ``ledger`` command line: keys, the operator's registry, posting events, auditing.

Every command goes through the ``Ledger`` facade (or, with ``--url``, a server's HTTP API).
Expected errors are ``LedgerError``s; ``LedgerGroup`` prints them as
``error [code]: message`` and exits 2, so no traceback is shown for them. Other commands
(``ledger demo``) join with one line: ``main.add_command(demo)``.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import Engine

from ledger import labels as label_sheets
from ledger.catalogue import Catalogue
from ledger.core import policy
from ledger.core.canonical import canonical_bytes, parse_json
from ledger.core.errors import LedgerError, MalformedError, NotFoundError
from ledger.core.gs1 import gtin_uri, validate_gtin
from ledger.core.note import NoteSigner
from ledger.core.signing import PUBLIC_KEY_SIZE, PublicKey, SigningKey, b64decode
from ledger.core.statements import MAX_STATEMENT_BYTES, Statement, sign_statement
from ledger.core.timefmt import format_time
from ledger.keystore import DEFAULT_DIR, DEMO_PASSPHRASE, Keystore
from ledger.service.epcis_export import write_epcis
from ledger.service.ledger import Ledger
from ledger.service.sequencer import system_clock
from ledger.store.db import DEFAULT_URL, make_engine

F = TypeVar("F", bound=Callable[..., Any])
Progress = Callable[[int, int], None]
EXIT_FAILED = 1  # the command ran and found a problem (``verify``)
EXIT_ERROR = 2  # the command could not do what was asked
HTTP_TIMEOUT = 30.0


class LedgerGroup(click.Group):
    """A click group that turns ``LedgerError`` into ``error [code]: message`` and exit 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LedgerError as exc:
            click.echo(f"error [{exc.code}]: {exc.message}", err=True)
            ctx.exit(EXIT_ERROR)


@dataclass
class Settings:
    """The global options, and what is opened from them on demand."""

    database: str
    keystore_dir: Path
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def keystore(self) -> Keystore:
        return Keystore(self.keystore_dir)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.database)
        return self._engine

    def close(self) -> None:
        """Release the engine's pooled connections (a test may run many commands in one process)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def ledger(self, signer: NoteSigner | None = None) -> Ledger:
        """The ledger in the database; with ``signer``, able to sign checkpoints."""
        return Ledger(self.engine, signer=signer)

    def operator_ledger(self, key_name: str) -> tuple[Ledger, SigningKey]:
        """The ledger opened with the operator's key, and that key (for signing statements)."""
        reader = self.ledger()
        key = self.keystore.load(key_name, passphrase(f"Passphrase for key {key_name!r}"))
        return self.ledger(NoteSigner(reader.operator.name, key)), key


pass_settings = click.make_pass_decorator(Settings)


def passphrase(prompt: str, *, confirm: bool = False) -> str:
    """The keystore passphrase: ``LEDGER_PASSPHRASE``, or asked for without echo."""
    from_env = os.environ.get("LEDGER_PASSPHRASE")
    if from_env:
        return from_env
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


def operator_key_option(command: F) -> F:
    """The ``--operator-key NAME`` option shared by the operator's commands."""
    return click.option(
        "--operator-key",
        "operator_key",
        envvar="LEDGER_OPERATOR_KEY",
        default="operator",
        show_default=True,
        help="Keystore name of the operator's key.",
    )(command)


def url_option(command: F) -> F:
    """The ``--url`` option: POST to a ledger server instead of appending locally."""
    return click.option(
        "--url", metavar="URL", help="POST to this ledger server instead of the local database."
    )(command)


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Progress]:
    """A progress bar on stderr, driven by the facade's ``(done, total)`` callbacks."""
    with click.progressbar(length=max(total, 1), label=label, file=sys.stderr) as bar:

        def report(done: int, _total: int) -> None:
            bar.update(done - bar.pos)

        yield report


# -- submitting statements ------------------------------------------------------------------


def post_statement(url: str, statement: Statement) -> dict[str, Any]:
    """POST a statement to a server's API; return its answer. Error answers become LedgerErrors."""
    endpoint = url.rstrip("/") + "/api/v1/statements"
    request = urllib.request.Request(
        endpoint,
        data=canonical_bytes(statement.to_json()),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            answer = _json_object(response.read())
    except urllib.error.HTTPError as exc:
        error = (_json_object(exc.read()) or {}).get("error")
        if not isinstance(error, dict):
            raise LedgerError(
                f"{endpoint} answered {exc.code} {exc.reason}", code="http_error"
            ) from exc
        raise LedgerError(
            str(error.get("message")), code=str(error.get("code", "http_error"))
        ) from exc
    except urllib.error.URLError as exc:
        raise LedgerError(f"cannot reach {endpoint}: {exc.reason}", code="unreachable") from exc
    if answer is None or not {"index", "entry_hash", "created"} <= answer.keys():
        raise LedgerError(f"{endpoint} did not answer like a ledger server", code="bad_answer")
    return answer


def _json_object(data: bytes) -> dict[str, Any] | None:
    """``data`` as a JSON object, or None if it is anything else (an HTML error page, say)."""
    try:
        answer = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return answer if isinstance(answer, dict) else None


def submit(
    settings: Settings, statement: Statement, url: str | None, ledger: Ledger | None = None
) -> None:
    """Append ``statement`` locally (or POST it to ``url``) and say where it is."""
    if url is not None:
        answer = post_statement(url, statement)
        index, entry_hash, created = answer["index"], answer["entry_hash"], answer["created"]
    else:
        appended = (ledger or settings.ledger()).append([statement])[0]
        index, entry_hash, created = appended.index, appended.entry_hash.hex(), appended.created
    if created:
        click.echo(f"appended as entry {index} (entry hash {entry_hash})")
    else:
        click.echo(f"already in the log as entry {index} (entry hash {entry_hash})")


def submit_operator_statement(
    settings: Settings, kind: str, payload: dict[str, Any], key_name: str, url: str | None
) -> None:
    """Sign ``payload`` with the operator's key and submit it."""
    if url is not None:
        key = settings.keystore.load(key_name, passphrase(f"Passphrase for key {key_name!r}"))
        submit(settings, sign_statement(kind, payload, key), url)
        return
    ledger, key = settings.operator_ledger(key_name)
    submit(settings, sign_statement(kind, payload, key), None, ledger)


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


# -- the commands ---------------------------------------------------------------------------


@click.group(cls=LedgerGroup)
@click.option(
    "--database",
    envvar="LEDGER_DATABASE_URL",
    default=DEFAULT_URL,
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


@main.command()
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


@main.group()
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


@main.group()
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
@click.option("--region", required=True, help="Administrative region.")
@click.option("--gln", required=True, help="The actor's party GLN (13 digits).")
@operator_key_option
@url_option
@pass_settings
def actor_register(
    settings: Settings,
    actor_id: str,
    name: str,
    roles: tuple[str, ...],
    region: str,
    gln: str,
    operator_key: str,
    url: str | None,
) -> None:
    """Register an actor (signed with the operator key)."""
    payload = {"actor": actor_id, "name": name, "roles": list(roles), "region": region, "gln": gln}
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


@main.command()
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


@main.command()
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


@main.command()
@operator_key_option
@pass_settings
def checkpoint(settings: Settings, operator_key: str) -> None:
    """Sign a checkpoint of the log now (if it grew) and print the latest note."""
    ledger, _key = settings.operator_ledger(operator_key)
    click.echo(ledger.checkpoint().note, nl=False)


@main.command()
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


@main.command()
@click.argument("gtin")
@click.argument("lot")
@click.option(
    "--base-url",
    default="https://id.gs1.org",
    show_default=True,
    envvar="LEDGER_RESOLVER_BASE",
    help="The resolver the QR codes point to (env LEDGER_RESOLVER_BASE).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=Path("labels.html"),
    show_default=True,
    help="The HTML page to write.",
)
@click.option(
    "--catalogue",
    "catalogue_path",
    envvar="LEDGER_CATALOGUE",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Product catalogue JSON (default: the packaged demo one).",
)
@pass_settings
def labels(
    settings: Settings, gtin: str, lot: str, base_url: str, out: Path, catalogue_path: Path | None
) -> None:
    """Write an A4 label sheet (HTML, 3 x 8 labels a page) of every unit of lot LOT of GTIN.

    The stylesheet is written next to it as labels.css; print the page from a browser
    (or `chromium --headless --print-to-pdf`) at 100% scale, no margins.
    """
    gtin14 = validate_gtin(gtin, field="gtin")
    gtin_uri(gtin14, lot=lot, stem=base_url, field="lot")  # the lot's rules and a usable base URL
    if not base_url.startswith(("https://", "http://")):
        raise MalformedError("--base-url must be an http(s) URL", code="bad_option")
    catalogue = Catalogue.load(catalogue_path)
    units = settings.ledger().units_of_lot(gtin14, lot)
    with progress_bar("QR codes", len(units)) as report:
        sheet = label_sheets.make_labels(
            units, catalogue, base_url, report, workers=os.cpu_count() or 1
        )
    css = out.with_name("labels.css")
    title = label_sheets.sheet_title(sheet)
    html = label_sheets.render_sheet(sheet, css_href=css.name, title=title)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")  # renamed when whole, like an export
    partial.write_text(html, encoding="utf-8")
    css.write_bytes(label_sheets.STYLESHEET.read_bytes())
    partial.replace(out)
    pages = len(label_sheets.pages(sheet))
    plural = "s" if pages != 1 else ""
    click.echo(f"wrote {len(sheet)} labels on {pages} A4 page{plural} to {out} (+ {css.name})")


@main.command()
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


@main.command()
@pass_settings
def reindex(settings: Settings) -> None:
    """Rebuild every derived table (registry, custody, object index, Merkle nodes) from the log."""
    ledger = settings.ledger()
    with progress_bar("reindexing", ledger.size()) as report:
        count = ledger.reindex(report)
    click.echo(f"reindexed {count} entries")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@operator_key_option
@pass_settings
def serve(settings: Settings, host: str, port: int, operator_key: str) -> None:
    """Run the web app on Flask's development server (use gunicorn in production)."""
    # Imported here, not at the top: only this command needs the web layer, and the
    # ledger package must stay importable without it.
    from web import create_app

    if not os.environ.get("LEDGER_PASSPHRASE"):
        click.echo(
            "LEDGER_PASSPHRASE is not set: appends work, but no checkpoints are signed", err=True
        )
    app = create_app(
        {
            "LEDGER_DATABASE_URL": settings.database,
            "LEDGER_KEYSTORE": str(settings.keystore_dir),
            "LEDGER_OPERATOR_KEY": operator_key,
        }
    )
    app.run(host=host, port=port)


# -- the demo ---------------------------------------------------------------------------------

DEMO_DATABASE = "sqlite:///instance/demo.sqlite3"


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--serve/--no-serve", default=True, help="Serve the site after building the ledger.")
@click.pass_context
def demo(ctx: click.Context, host: str, port: int, serve: bool) -> None:
    """Build a sample Wuchang rice ledger (SQLite under ./instance) and serve it."""
    from ledger import demo as sample  # the sample chain is only needed here
    from web import create_app

    settings: Settings = ctx.ensure_object(Settings)
    if (
        ctx.parent is not None
        and ctx.parent.get_parameter_source("database") == click.core.ParameterSource.DEFAULT
    ):
        settings.database = DEMO_DATABASE  # keep the demo apart from a real local ledger
    click.echo(
        f"DEMO: throw-away keys in {settings.keystore_dir}/ sealed with the INSECURE passphrase "
        f"{DEMO_PASSPHRASE!r}; never use these keys for anything real."
    )
    keys = sample.DemoKeys.load(settings.keystore, DEMO_PASSPHRASE)
    ledger = Ledger.create(settings.engine, keys.operator, sample.ORIGIN)
    statements = sample.statement_count(keys)
    with progress_bar("appending the sample", statements) as report:
        total, created = sample.build(ledger, keys, report)
    report_ = ledger.verify()
    click.echo(
        f"{ledger.size()} entries ({created} new of {total} sample statements); "
        f"verification: {'all checks pass' if report_.ok else f'{len(report_.failures)} failures'}"
    )
    base = f"http://{host}:{port}"
    gtin, serial = sample.sample_unit_gtin_serial()
    lot_gtin, lot = sample.sample_lot()
    click.echo(
        "\n".join(
            [
                f"Database:        {settings.database}",
                f"Operator key:    {ledger.operator.vkey}",
                f"Site:            {base}/",
                f"Scan page:       {base}{sample.sample_unit_path()}   (what a bag's QR code opens)",
                f"Its proof:       {base}{sample.sample_unit_path()}?format=bundle",
                f"Label sheet:     {base}/labels/01/{lot_gtin}/10/{lot}",
                f"A bag's history: {base}/api/v1/units/{gtin}/{serial}",
                f"Checkpoint:      {base}/api/v1/checkpoint",
                f"Log entries:     {base}/api/v1/log/entries?start=0&end=20",
                f"API description: {base}/api/v1/openapi.json",
                (
                    f"Check the proof: curl -s '{base}{sample.sample_unit_path()}?format=bundle' > proof.json && "
                    f"python scripts/verify_ledger.py --bundle proof.json --operator-key '{ledger.operator.vkey}'"
                ),
                (
                    f"Audit offline:   ledger --database {settings.database} export demo.jsonl && "
                    f"python scripts/verify_ledger.py demo.jsonl --operator-key '{ledger.operator.vkey}'"
                ),
            ]
        )
    )
    if not serve:
        return
    app = create_app(
        {
            "LEDGER_DATABASE_URL": settings.database,
            "LEDGER_KEYSTORE": str(settings.keystore_dir),
            "LEDGER_OPERATOR_KEY": sample.OPERATOR_KEY,
            "LEDGER_PASSPHRASE": DEMO_PASSPHRASE,
        }
    )
    app.run(host=host, port=port)
