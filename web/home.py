"""A plain index page: who runs this ledger and where its API is. Server-rendered, no script."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template

bp = Blueprint("home", __name__)

# What the page lists: (method, path, what it is for).
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


@bp.get("/")
def index() -> str:
    """The index page."""
    operator = current_app.extensions["ledger"].operator
    return render_template("index.html", operator=operator, routes=API_ROUTES)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for this on every page without an icon link (the label sheet, errors)."""
    response = current_app.send_static_file("favicon.svg")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
