"""The regulator's spreadsheet over HTTP: reading a request's parameters into a report query,
and answering the report as a CSV or XLSX download. Shared by ``GET /api/v1/report`` and
the console's report page (docs/REPORT.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import cast

from flask import Response

from ledger.core import gs1
from ledger.core.errors import LedgerError, MalformedError
from ledger.core.report import LANGUAGES, Lang, Query, Report, csv_text
from ledger.core.timefmt import parse_date
from ledger.service.spreadsheet import MEDIA_TYPES, file_name, xlsx_bytes

FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Asked:
    """A report request: the query, the file format and the header language."""

    query: Query
    format: str
    lang: Lang


def _bad(name: str, message: str) -> MalformedError:
    return MalformedError(message, code="bad_parameter", field=name)


def _one(args: Mapping[str, list[str]], name: str) -> str | None:
    """An optional parameter given at most once; empty counts as not given (a form's blank)."""
    values = [v for v in args.get(name, []) if v.strip()]
    if len(values) > 1:
        raise _bad(name, f"give the parameter {name!r} once, not {len(values)} times")
    return values[0].strip() if values else None


def _day(args: Mapping[str, list[str]], name: str) -> date | None:
    raw = _one(args, name)
    return None if raw is None else parse_date(raw, name)


def parse_request(
    args: Mapping[str, list[str]], *, default_lang: Lang = "both", default_format: str = "csv"
) -> Asked:
    """The report a request asks for: ``lot`` (a lot's Digital Link), or ``product`` (a
    GTIN) with an optional ``lot`` code; ``from`` and ``to`` (local dates, ``to``
    exclusive); ``format`` csv or xlsx; ``lang`` zh, en or both."""
    lot, product = _one(args, "lot"), _one(args, "product")
    fmt = _one(args, "format") or default_format
    if fmt not in FORMATS:
        raise _bad("format", "format is csv or xlsx")
    lang = _one(args, "lang") or default_lang
    if lang not in LANGUAGES:
        raise _bad("lang", "lang is zh, en or both")
    start, end = _day(args, "from"), _day(args, "to")
    if product is not None:
        gtin = gs1.validate_gtin(product, field="product")
        if lot is None:
            return Asked(Query(gtin=gtin, start=start, end=end), fmt, cast(Lang, lang))
        lot_uri = gs1.gtin_uri(gtin, lot=lot, field="lot")
    elif lot is not None:
        lot_uri = _lot_uri(lot)
    else:
        raise _bad("lot", "give lot (a lot's GS1 Digital Link) or product (a GTIN)")
    return Asked(Query(lot=lot_uri, start=start, end=end), fmt, cast(Lang, lang))


def _lot_uri(text: str) -> str:
    try:
        ident = gs1.parse_identifier(text, field="lot")
    except LedgerError as exc:
        raise _bad("lot", f"lot is not a GS1 Digital Link: {exc.message}") from exc
    if ident.kind != "lot":
        lot = ident.lot_class()
        hint = f" (this unit's lot is {lot.canonical()})" if lot is not None else ""
        raise _bad("lot", f"lot must name a lot (…/01/GTIN/10/LOT), not a {ident.kind}{hint}")
    return ident.canonical()


def download(report: Report, fmt: str, lang: Lang) -> Response:
    """The report as a file to save: its media type and a Content-Disposition file name."""
    body: bytes | str = csv_text(report, lang) if fmt == "csv" else xlsx_bytes(report, lang)
    response = Response(body, content_type=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(report, fmt)}"'
    # Made against the latest checkpoint: the same request may answer more rows later.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Tree-Size"] = str(report.tree_size)
    # Another origin's page may read the file name and tree size too.
    response.headers["Access-Control-Expose-Headers"] = "Content-Disposition, X-Tree-Size"
    return response
