"""Label sheets and QR code images.

Routes (lot and serial percent-encoded as in a GS1 Digital Link path):

* ``GET /labels/01/{gtin}/10/{lot}`` - the printable A4 label sheet of every unit of a lot,
  after printing instructions and a print button in the reader's language (screen only)
* ``GET /labels/labels.css`` - its stylesheet (a file: the CSP forbids inline style)
* ``GET /qr/01/{gtin}/10/{lot}.svg|.png`` - the QR code of the lot's Digital Link
* ``GET /qr/01/{gtin}/10/{lot}/21/{serial}.svg|.png`` - the QR code of one unit's

QR codes encode Digital Links on the resolver's base URL: ``LEDGER_RESOLVER_BASE`` when
set, else the URL this request came to. A GTIN-8/12/13 is accepted and padded to 14 digits;
a bad GTIN, lot or serial is a 400 naming the rule broken, an unknown lot a 404.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from markupsafe import Markup

from ledger import labels, qr
from ledger.core.digital_link import CANONICAL_STEM
from ledger.core.errors import MalformedError
from ledger.core.gs1 import GS1Identifier, gtin_uri, parse_identifier, validate_gtin
from web.catalogue import current_catalogue
from web.resolver import raw_path

bp = Blueprint("labels", __name__)

# A QR code is a pure function of its URL (the base URL comes from configuration), so it
# may be cached for a day; not "immutable", since the operator may move the resolver.
QR_CACHE = "public, max-age=86400"
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}


def resolver_base() -> str:
    """The stem QR codes point to: the configured resolver, else this server's root."""
    base: str = current_app.config.get("LEDGER_RESOLVER_BASE") or request.url_root
    return base.removesuffix("/")


def _qr_subject() -> tuple[GS1Identifier, str]:
    """The lot or unit a QR URL names (``/qr`` + its Digital Link path + ``.svg|.png``), parsed
    as the resolver parses scanned codes, and the image format."""
    stem, dot, fmt = raw_path().removeprefix("/qr").rpartition(".")
    if not dot or fmt not in FORMATS:
        raise MalformedError.of("bad_format")
    return parse_identifier(CANONICAL_STEM + stem, field="path", allowed=("lot", "unit")), fmt


@bp.get("/qr/01/<gtin>/10/<path:rest>")
def qr_image(gtin: str, rest: str) -> ResponseReturnValue:
    """The QR code (SVG or PNG) of a lot's or a unit's Digital Link on the resolver."""
    subject, fmt = _qr_subject()
    uri = subject.uri(resolver_base())
    body = qr.qr_svg(uri).encode("utf-8") if fmt == "svg" else qr.qr_png(uri)
    response = Response(body, mimetype=FORMATS[fmt])
    response.headers["Cache-Control"] = QR_CACHE
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    return response.make_conditional(request)


@bp.get("/labels/labels.css")
def stylesheet() -> ResponseReturnValue:
    """The label sheet's stylesheet."""
    response = send_file(labels.STYLESHEET, mimetype="text/css", max_age=86400)
    return response.make_conditional(request)


@bp.get("/labels/01/<gtin>/10/<path:lot>")
def label_sheet(gtin: str, lot: str) -> Response:
    """The printable label sheet of every serialised unit of one lot."""
    gtin14 = validate_gtin(gtin, field="gtin")
    gtin_uri(gtin14, lot=lot, field="lot")  # the lot's rules, before any query
    units = current_app.extensions["ledger"].units_of_lot(gtin14, lot)
    catalogue = current_catalogue()
    sheet = labels.make_labels(units, catalogue, resolver_base())
    lang = str(get_locale() or "zh")
    guide = render_template(
        "label_guide.html",
        lang=lang,
        lot=lot,
        name=catalogue.display_name(gtin14, lang),
        count=len(sheet),
        pages=len(labels.pages(sheet)),
        other_lang_url=f"{raw_path()}?lang={'en' if lang == 'zh' else 'zh'}",
    )
    html = labels.render_sheet(
        sheet,
        css_href="/labels/labels.css",
        title=labels.sheet_title(sheet),
        guide=Markup(guide),
        script_href=url_for("static", filename="labels/print.js"),
    )
    return Response(html, mimetype="text/html")
