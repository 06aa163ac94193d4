"""The home page: what this ledger is, a way to scan or type a package's code, and the region's
products with their stories. The API's list of routes is on ``/api``, for developers.

Server-rendered; the only script (``static/home/scan.js``) offers the camera where the
browser can read QR codes, and the page works without it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from ledger.catalogue import Product, Story
from ledger.core.errors import ValidationError
from ledger.core.gs1 import GS1Identifier
from ledger.core.typed_code import read_typed_code
from web.catalogue import current_catalogue

bp = Blueprint("home", __name__)

# What the developers' page lists: (method, path, what it is for).
API_ROUTES = (
    ("POST", "/api/v1/statements", "append a signed statement, or a batch of them"),
    ("GET", "/api/v1/checkpoint", "the latest signed checkpoint (C2SP signed note)"),
    ("GET", "/api/v1/log/entries?start=S&end=E", "log entries S to E-1"),
    ("GET", "/api/v1/log/proof/inclusion?index=I&tree_size=N", "inclusion proof"),
    ("GET", "/api/v1/log/proof/consistency?first=M&second=N", "consistency proof"),
    ("GET", "/api/v1/operator", "the operator's verifier key"),
    ("GET", "/api/v1/history?object=URI", "every entry about one object"),
    ("GET", "/api/v1/lots/GTIN/LOT", "history of a lot"),
    ("GET", "/api/v1/units/GTIN/SERIAL", "history of a serialised unit"),
    ("GET", "/api/v1/openapi.json", "the OpenAPI 3.1 description"),
    (
        "GET",
        "/01/GTIN/10/LOT[/21/SERIAL]",
        "a lot's or unit's scan page (GS1 Digital Link); ?format=bundle: its proof",
    ),
    ("GET", "/qr/01/GTIN/10/LOT[/21/SERIAL].png|.svg", "the QR code for a lot or unit"),
    ("GET", "/labels/01/GTIN/10/LOT", "a printable A4 label sheet of every unit of a lot"),
)


@dataclass(frozen=True)
class Shown:
    """One product on the home page: its names, its story and its most recent lot."""

    product: Product
    story: Story | None
    recent_lot: GS1Identifier | None

    @property
    def lot_href(self) -> str | None:
        """The recent lot's page on this server."""
        return None if self.recent_lot is None else self.recent_lot.uri("")


def _lang() -> str:
    return str(get_locale() or "zh")


def shown_products() -> list[Shown]:
    """The catalogue's products for shoppers: those with a story first, then packages sold as
    they are (with a net content) before produce sold by weight, each by GTIN."""
    catalogue = current_catalogue()
    ledger = current_app.extensions["ledger"]
    out = [Shown(p, catalogue.story(p.gtin), ledger.recent_lot(p.gtin)) for p in catalogue]
    return sorted(
        out, key=lambda s: (s.story is None, s.product.net_content is None, s.product.gtin)
    )


def _home(status: int = 200, problem: str | None = None, detail: str | None = None) -> Response:
    lang = _lang()
    html = render_template(
        "index.html",
        lang=lang,
        other_lang_url=url_for("home.index", lang="en" if lang == "zh" else "zh"),
        operator=current_app.extensions["ledger"].operator,
        products=shown_products(),
        problem=problem,
        detail=detail,
        typed=request.args.get("code", "") if problem else "",
    )
    return Response(html, status=status, mimetype="text/html")


@bp.get("/")
def index() -> Response:
    """The home page."""
    return _home()


def _unreadable() -> str:
    return _(
        "This is not a product code we can read. Type the link under the QR code "
        "(it starts with https://), or the line of numbers below it, like "
        "(01) 06901234000122 (10) WC26-M07 (21) 100071."
    )


@bp.get("/go")
def go() -> ResponseReturnValue:
    """Go to the page of the code a shopper typed (or the home page's camera read); a code
    that is not a lot's or a package's is answered on the home page, saying what to fix."""
    args = request.args
    try:
        subject = read_typed_code(
            args.get("code", ""),
            gtin=args.get("gtin", ""),
            lot=args.get("lot", ""),
            serial=args.get("serial", ""),
        )
    except ValidationError as error:
        if error.code == "bad_check_digit":
            problem = _(
                "One of the digits is wrong: the code's last digit does not match the others. "
                "Check the digits against the package and type them again."
            )
        else:
            problem = _unreadable()
        return _home(400, problem, error.message)
    if subject.kind != "product" and subject.kind not in ("lot", "unit"):
        # A pallet's SSCC or a place's GLN: real GS1 codes, but not on a shopper's package.
        return _home(400, _unreadable(), subject.canonical())
    if subject.kind == "product":
        problem = _(
            "This code names a product, not a lot: add the lot number (after (10) on the "
            "package) and, for a single package, its serial number (after (21))."
        )
        return _home(400, problem, subject.canonical())
    target = subject.uri("")
    if "lang" in args:
        target += "?lang=" + ("en" if args["lang"] == "en" else "zh")
    return redirect(target, 303)


@bp.get("/api")
def developers() -> str:
    """For developers: the API's routes and its OpenAPI description."""
    lang = _lang()
    return render_template(
        "api.html",
        lang=lang,
        other_lang_url=url_for("home.developers", lang="en" if lang == "zh" else "zh"),
        operator=current_app.extensions["ledger"].operator,
        routes=API_ROUTES,
    )


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for this on every page without an icon link (the label sheet, errors)."""
    response = current_app.send_static_file("favicon.svg")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
