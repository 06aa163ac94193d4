"""The label sheet and QR routes on bad input: 4xx with a stable code, never a 500."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from ledger import qr

GTIN = "06901234000122"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/labels/01/069012340001/10/L1", 400, "bad_check_digit"),  # a GTIN-12, wrong digit
        ("/labels/01/06901234000/10/L1", 400, "bad_identifier"),  # 11 digits
        ("/labels/01/06901234000123/10/L1", 400, "bad_check_digit"),
        ("/labels/01/0690123400012X/10/L1", 400, "bad_identifier"),
        ("/labels/01/06901234000122/10/" + "L" * 21, 400, "bad_identifier"),
        ("/labels/01/06901234000122/10/A%01B", 400, "bad_identifier"),
        # Werkzeug's path rule does not match a newline: no route, a plain 404.
        ("/labels/01/06901234000122/10/A%0AB", 404, "not_found"),
        ("/labels/01/06901234000122/10/%E4%BA%94", 400, "bad_identifier"),
        ("/labels/01/06901234000122/10/%3Cscript%3E", 404, "unknown_lot"),  # valid cset 82
        ("/labels/01/06901234000122/10/L1", 404, "unknown_lot"),
        ("/qr/01/06901234000123/10/L1.svg", 400, "bad_check_digit"),
        ("/qr/01/06901234000122/10/" + "L" * 21 + ".png", 400, "bad_identifier"),
        ("/qr/01/06901234000122/10/L1/21/" + "S" * 21 + ".svg", 400, "bad_identifier"),
        ("/qr/01/06901234000122/10/L%00.svg", 400, "bad_identifier"),
        ("/qr/01/06901234000122/10/L1.gif", 400, "bad_format"),
        ("/qr/01/06901234000122/10/L1", 400, "bad_format"),
        ("/qr/01/06901234000122/10/.svg", 400, "bad_identifier"),
    ],
)
def test_bad_input(client: FlaskClient, path: str, status: int, code: str) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.is_json and response.json["error"]["code"] == code  # type: ignore[index]
    assert response.json["error"]["message"]  # type: ignore[index]
    assert b"<script>" not in response.data or response.mimetype == "application/json"


@pytest.mark.parametrize(
    ("path", "uri", "mimetype"),
    [
        (
            "/qr/01/06901234000122/10/WC26-M07/21/100071.svg",
            "http://localhost/01/06901234000122/10/WC26-M07/21/100071",
            "image/svg+xml",
        ),
        (
            "/qr/01/6901234000122/10/WC26-M07.png",
            "http://localhost/01/06901234000122/10/WC26-M07",
            "image/png",
        ),
        (
            "/qr/01/06901234000122/10/A%2FB%251/21/7.png",
            "http://localhost/01/06901234000122/10/A%2FB%251/21/7",
            "image/png",
        ),
    ],
)
def test_qr_image_with_cache_headers(
    client: FlaskClient, path: str, uri: str, mimetype: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == mimetype
    expected = qr.qr_svg(uri).encode() if mimetype == "image/svg+xml" else qr.qr_png(uri)
    assert response.data == expected
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    etag = response.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data


def test_resolver_base_from_config(client: FlaskClient) -> None:
    client.application.config["LEDGER_RESOLVER_BASE"] = "https://resolver.example/"
    response = client.get("/qr/01/06901234000122/10/L1.svg")
    assert response.data == qr.qr_svg("https://resolver.example/01/06901234000122/10/L1").encode()


def test_stylesheet(client: FlaskClient) -> None:
    response = client.get("/labels/labels.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert b"@page" in response.data and "max-age" in response.headers["Cache-Control"]


def test_catalogue_in_extensions(client: FlaskClient) -> None:
    catalogue = client.application.extensions["products"].catalogue()
    assert catalogue.display_name(GTIN, "en") == "Wuchang rice, Daohuaxiang, 5 kg bag"
