"""``ledger labels``: a printable A4 sheet of the QR labels of every unit of a lot."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ledger import labels as label_sheets
from ledger.catalogue import Catalogue
from ledger.cli.context import Settings, pass_settings, progress_bar
from ledger.core.errors import MalformedError
from ledger.core.gs1 import gtin_uri, validate_gtin


@click.command()
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
