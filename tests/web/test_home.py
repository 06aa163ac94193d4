"""The home page, the typed-code form (/go) and the error pages people's browsers get."""

from __future__ import annotations

import re

import pytest
from flask import Flask, abort
from flask.testing import FlaskClient

from ledger import samples
from ledger.core.dl_compression import compress_digital_link
from ledger.service.ledger import Ledger
from tests.web.conftest import event, harvest
from web import create_app

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
ZH = {**HTML, "Accept-Language": "zh-CN,zh;q=0.9"}
EN = {**HTML, "Accept-Language": "en-GB,en;q=0.9"}
BAG = samples.BAG_GTIN


def headline(html: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert found is not None
    return found.group(1).strip()


def lang_switch(html: str) -> str:
    found = re.search(r'class="lang" href="([^"]+)"', html)
    assert found is not None
    return found.group(1).replace("&amp;", "&")


@pytest.mark.parametrize(
    ("headers", "words", "story", "switch"),
    [
        (ZH, "查一查您买的农产品从哪里来", "黑龙江省五常市", "/?lang=en"),
        (EN, "Check where your food comes from", "Wuchang, Heilongjiang", "/?lang=zh"),
    ],
)
def test_home_page_in_both_languages(
    client: FlaskClient, headers: dict[str, str], words: str, story: str, switch: str
) -> None:
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert headline(html) == words
    assert story in html  # the products' stories, from the catalogue
    assert lang_switch(html) == switch
    assert 'action="/go"' in html and 'name="code"' in html
    assert "/static/home/scan.js" in html and "<script>" not in html  # modules only (CSP)
    assert 'href="/api"' in html  # the developers' page, from the footer


def test_a_products_recent_lot_is_linked(client: FlaskClient) -> None:
    assert "/01/" not in client.get("/", headers=EN).get_data(as_text=True)  # no lot yet
    posted = client.post("/api/v1/statements", json=event(harvest("LOT-7")))
    assert posted.status_code in (200, 201)
    html = client.get("/", headers=EN).get_data(as_text=True)
    assert f'href="/01/{samples.PADDY_GTIN}/10/LOT-7?lang=en"' in html
    assert "See the record of a recent lot (LOT-7)" in html


def test_the_catalogue_story_survives_a_console_edit(ledger: Ledger) -> None:
    """The console overrides a product's names; the story told by the file stays."""
    from ledger.catalogue import Product

    app = create_app({"TESTING": True, "LEDGER": ledger})
    products = app.extensions["products"]
    products.update(Product(BAG, "新名字", "A new name", "5 kg"), by="test")
    catalogue = products.catalogue()
    assert catalogue.display_name(BAG, "en") == "A new name"
    story = catalogue.story(BAG)
    assert story is not None and "Wuchang" in story.origin("en")


UNIT_PATH = f"/01/{BAG}/10/WC26-M07/21/100071"


@pytest.mark.parametrize(
    ("query", "target"),
    [
        ({"code": "https://id.gs1.org" + UNIT_PATH}, UNIT_PATH),
        ({"code": "https://shop.example/01/6901234000122/10/WC26-M07"}, f"/01/{BAG}/10/WC26-M07"),
        ({"code": UNIT_PATH}, UNIT_PATH),
        ({"code": UNIT_PATH.lstrip("/") + "  "}, UNIT_PATH),
        ({"code": compress_digital_link("https://id.gs1.org" + UNIT_PATH)}, UNIT_PATH),
        ({"code": f"(01) {BAG} (10) WC26-M07 (21) 100071"}, UNIT_PATH),
        ({"code": f"（01）{BAG}（10）WC26-M07"}, f"/01/{BAG}/10/WC26-M07"),  # full width
        ({"code": "", "gtin": BAG, "lot": "WC26-M07", "serial": "100071"}, UNIT_PATH),
        ({"code": BAG, "lot": "WC26-M07"}, f"/01/{BAG}/10/WC26-M07"),
        ({"code": UNIT_PATH, "lang": "en"}, UNIT_PATH + "?lang=en"),
    ],
)
def test_a_typed_code_goes_to_its_page(
    client: FlaskClient, query: dict[str, str], target: str
) -> None:
    response = client.get("/go", query_string=query, headers=HTML)
    assert response.status_code == 303
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"code": "hello"}, "This is not a product code we can read"),
        ({"code": ""}, "This is not a product code we can read"),
        ({"code": f"/01/{BAG[:-1]}9/10/X"}, "One of the digits is wrong"),
        ({"code": BAG}, "This code names a product, not a lot"),
        ({"code": "(01) 123 (10) X"}, "This is not a product code we can read"),
        ({"code": "x" * 5000}, "This is not a product code we can read"),
        ({"code": "https://example.org/00/106141411234567897"}, "not a product code"),
    ],
)
def test_a_mistyped_code_is_explained_on_the_home_page(
    client: FlaskClient, query: dict[str, str], words: str
) -> None:
    response = client.get("/go", query_string=query, headers=EN)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert headline(html) == "Check where your food comes from"
    assert 'role="alert"' in html and words in html
    assert 'aria-invalid="true"' in html


def test_a_mistyped_code_in_chinese(client: FlaskClient) -> None:
    html = client.get("/go", query_string={"code": "hello"}, headers=ZH).get_data(as_text=True)
    assert "这不是可识别的商品码" in html


@pytest.fixture
def failing_app(ledger: Ledger) -> Flask:
    """The app with routes that fail as a busy or broken server does."""
    app = create_app({"TESTING": True, "LEDGER": ledger})

    @app.get("/test/busy")
    def busy() -> str:
        abort(429)

    @app.get("/test/broken")
    def broken() -> str:
        raise RuntimeError("secret internal detail")

    return app


CASES = [
    # path, status, Chinese headline, English headline
    (f"/01/{BAG}/10/NO-SUCH", 404, "没有这个批次的记录", "We have no record of this lot"),
    (f"/01/{BAG}/21/999", 404, "没有这件商品的记录", "We have no record of this product"),
    (
        f"/01/{BAG[:-1]}9/10/X",
        400,
        "这不是可识别的商品码",
        "This is not a product code we can read",
    ),
    ("/no/such/page", 404, "这个地址没有页面", "There is no page at this address"),
    ("/test/busy", 429, "同时访问的人太多", "Too many requests at once"),
    ("/test/broken", 500, "我们这边出了问题", "Something went wrong on our side"),
]


@pytest.mark.parametrize(("path", "status", "zh", "en"), CASES)
def test_error_pages_in_both_languages_with_the_switch(
    failing_app: Flask, path: str, status: int, zh: str, en: str
) -> None:
    client = failing_app.test_client()
    for headers, words, other in ((ZH, zh, "en"), (EN, en, "zh")):
        response = client.get(path, headers=headers)
        assert response.status_code == status and response.mimetype == "text/html"
        html = response.get_data(as_text=True)
        assert headline(html) == words
        assert lang_switch(html) == f"{path}?lang={other}"
        assert "secret" not in html and "Traceback" not in html
        assert 'href="/?lang=' in html  # the way home, in the same language
    switched = client.get(f"{path}?lang=en", headers=ZH).get_data(as_text=True)
    assert headline(switched) == en


@pytest.mark.parametrize(("path", "status", "zh", "en"), CASES)
def test_api_clients_still_get_json(
    failing_app: Flask, path: str, status: int, zh: str, en: str
) -> None:
    response = failing_app.test_client().get(path, headers={"Accept": "application/json"})
    assert response.status_code == status and response.is_json
    assert set(response.json["error"]) >= {"code", "message"}  # type: ignore[index]


def test_the_language_switch_keeps_the_query_and_encoded_lot(client: FlaskClient) -> None:
    html = client.get(f"/01/{BAG}/10/A%2FB?tree_size=1", headers=EN).get_data(as_text=True)
    assert lang_switch(html) == f"/01/{BAG}/10/A%2FB?tree_size=1&lang=zh"


def test_label_sheet_guide_in_both_languages(demo_client: FlaskClient) -> None:
    for headers, words, switch in (
        (ZH, "批次 WC26-M07 的标签", "?lang=en"),
        (EN, "Labels for lot WC26-M07", "?lang=zh"),
    ):
        html = demo_client.get(f"/labels/01/{BAG}/10/WC26-M07", headers=headers).text
        assert headline(html) == words
        assert lang_switch(html) == f"/labels/01/{BAG}/10/WC26-M07{switch}"
        assert 'id="print-button"' in html and "/static/labels/print.js" in html
        assert html.count('class="label"') == 120
