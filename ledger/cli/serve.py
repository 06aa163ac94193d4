"""``ledger serve`` runs the web app; ``ledger demo`` builds the sample ledger and serves it."""

from __future__ import annotations

import os
from pathlib import Path

import click
from sqlalchemy.engine import make_url

from ledger.cli.context import Settings, operator_key_option, pass_settings, progress_bar
from ledger.keystore import DEMO_PASSPHRASE
from ledger.service.documents import DocumentStore
from ledger.service.ledger import Ledger

DEMO_DATABASE = "sqlite:///instance/demo.sqlite3"


@click.command()
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
            "LEDGER_PASSPHRASE is not set: appends work, but no checkpoints are signed and the "
            "console signs no registry statements",
            err=True,
        )
    if not os.environ.get("LEDGER_SECRET_KEY"):
        click.echo(
            "LEDGER_SECRET_KEY is not set: console sessions end when the server stops", err=True
        )
    app = create_app(
        {
            "LEDGER_DATABASE_URL": settings.database,
            "LEDGER_KEYSTORE": str(settings.keystore_dir),
            "LEDGER_OPERATOR_KEY": operator_key,
        }
    )
    app.run(host=host, port=port)


def _demo_documents(database: str) -> Path:
    """Where the demo keeps its lab reports: ``LEDGER_DOCUMENTS_DIR``, else ``documents``
    beside a SQLite database file, else ``instance/documents``."""
    configured = os.environ.get("LEDGER_DOCUMENTS_DIR")
    if configured:
        return Path(configured)
    url = make_url(database)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database)).parent / "documents"
    return Path("instance") / "documents"


@click.command()
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
    sample.ensure_console_account(ledger)
    documents = _demo_documents(settings.database)
    store = DocumentStore(documents)
    stored = sum(store.put([report])[1] for report in sample.lab_reports())
    click.echo(f"Lab reports:     {documents}/ ({stored} new)")
    report_ = ledger.verify()
    click.echo(
        f"{ledger.size()} entries ({created} new of {total} sample statements); "
        f"verification: {'all checks pass' if report_.ok else f'{len(report_.failures)} failures'}"
    )
    base = f"http://{host}:{port}"
    unit_page = f"{base}{sample.sample_unit_path()}"
    gtin, serial = sample.sample_unit_gtin_serial()
    lot_gtin, lot = sample.sample_lot()
    vkey = ledger.operator.vkey
    verifier = "python scripts/verify_ledger.py"
    click.echo(
        "\n".join(
            [
                f"Database:        {settings.database}",
                f"Operator key:    {vkey}",
                f"Site:            {base}/",
                (
                    f"Console:         {base}/console/   (account {sample.CONSOLE_ACCOUNT!r}, "
                    f"INSECURE demo password {sample.CONSOLE_PASSWORD!r})"
                ),
                f"Producer app:    {base}/app/   (enrol a phone: actor ID wuchang-coop)",
                f"Scan page:       {unit_page}   (what a bag's QR code opens)",
                f"Its proof:       {unit_page}?format=bundle",
                f"A recalled bag:  {base}{sample.recalled_unit_path()}",
                f"Recalls:         {base}/recalls   (who holds what a recall reaches)",
                f"A record (信用): {base}/actors/wuchang-mill",
                f"Trace a lot:     {base}/trace?object=https://id.gs1.org/01/{lot_gtin}/10/{lot}",
                f"Label sheet:     {base}/labels/01/{lot_gtin}/10/{lot}",
                f"A bag's history: {base}/api/v1/units/{gtin}/{serial}",
                f"Checkpoint:      {base}/api/v1/checkpoint",
                f"Log entries:     {base}/api/v1/log/entries?start=0&end=20",
                f"API description: {base}/api/v1/openapi.json",
                (
                    f"Check the proof: curl -s '{unit_page}?format=bundle' > proof.json && "
                    f"{verifier} --bundle proof.json --operator-key '{vkey}'"
                ),
                (
                    f"Audit offline:   ledger --database {settings.database} export demo.jsonl"
                    f" && {verifier} demo.jsonl --operator-key '{vkey}'"
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
            # The demo is served over plain HTTP (on a LAN address too): a Secure cookie
            # would never come back, and the console could not be logged in to.
            "LEDGER_COOKIE_SECURE": False,
            "LEDGER_DOCUMENTS_DIR": str(documents),
        }
    )
    app.run(host=host, port=port)
