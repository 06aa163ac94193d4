"""``ledger report``: the regulator's sortable spreadsheet of a lot or a product, written to a
file as CSV or XLSX (docs/REPORT.md). The same query as ``GET /api/v1/report``."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import cast

import click

from ledger.catalogue import Catalogue
from ledger.cli.context import Settings, pass_settings
from ledger.core.errors import MalformedError
from ledger.core.gs1 import gtin_uri, parse_identifier, validate_gtin
from ledger.core.report import LANGUAGES, Lang, Query, csv_text
from ledger.service.products import Products
from ledger.service.spreadsheet import xlsx_bytes


@click.command("report")
@click.option("--lot", metavar="LOT", help="a lot's GS1 Digital Link, or its code with --product")
@click.option("--product", metavar="GTIN", help="every lot of this GTIN (needs --from and --to)")
@click.option(
    "--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="first local date, YYYY-MM-DD"
)
@click.option(
    "--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="the date after the last (exclusive)"
)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), help="default: from -o")
@click.option("--lang", type=click.Choice(LANGUAGES), default="both", show_default=True)
@click.option(
    "--catalogue",
    "catalogue_path",
    envvar="LEDGER_CATALOGUE",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Product catalogue JSON (default: the packaged one), under the console's edits.",
)
@click.option(
    "-o", "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="file"
)
@pass_settings
def report(
    settings: Settings,
    lot: str | None,
    product: str | None,
    start: datetime | None,
    end: datetime | None,
    fmt: str | None,
    lang: str,
    catalogue_path: Path | None,
    out: Path,
) -> None:
    """Write the sortable spreadsheet of one lot (--lot), or of a product's lots between two
    dates (--product --from --to): one row per critical tracking event."""
    query = _query(
        lot, product, None if start is None else start.date(), None if end is None else end.date()
    )
    kind = fmt or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
    catalogue = Products(settings.engine, Catalogue.load(catalogue_path)).catalogue()
    found = settings.ledger().report(query, catalogue)
    chosen = cast(Lang, lang)
    data = csv_text(found, chosen).encode() if kind == "csv" else xlsx_bytes(found, chosen)
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, out)  # a reader never sees half a file
    click.echo(
        f"{len(found.rows)} rows of {len(found.lots)} lot(s) as of tree size "
        f"{found.tree_size} written to {out}"
    )


def _query(lot: str | None, product: str | None, start: date | None, end: date | None) -> Query:
    if product is not None:
        gtin = validate_gtin(product, field="product")
        if lot is None:
            return Query(gtin=gtin, start=start, end=end)
        return Query(lot=gtin_uri(gtin, lot=lot, field="lot"), start=start, end=end)
    if lot is None:
        raise MalformedError.of("bad_option", why="give --lot, or --product (and --lot)")
    ident = parse_identifier(lot, field="lot")
    if ident.kind != "lot":
        raise MalformedError.of("bad_option", why=f"--lot names a {ident.kind}, not a lot")
    return Query(lot=ident.canonical(), start=start, end=end)
