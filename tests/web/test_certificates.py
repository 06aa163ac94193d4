"""The certificate page (/certificates/01/{gtin}/10/{lot}) through Flask's test client, and
the console's product catalogue editor and business contact form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger import demo
from ledger import samples as ex
from ledger.service.ledger import Ledger
from tests.web.test_console import PASSWORD, log_in, post_form
from web import create_app

GTIN, LOT = demo.sample_lot()  # the bags of the demo's first lot
RICE = f"/certificates/01/{ex.RICE_GTIN}/10/{LOT}"
BAGS = f"/certificates/01/{GTIN}/10/{LOT}"
PADDY = f"/certificates/01/{ex.PADDY_GTIN}/10/WC26-P07"


@pytest.fixture
def demo_app(demo_ledger_copy: Ledger) -> Flask:
    demo_ledger_copy.accounts().add("operator-1", PASSWORD)
    return create_app({"TESTING": True, "LEDGER": demo_ledger_copy, "SECRET_KEY": "test"})


@pytest.fixture
def client(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


def text_of(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:dd|p|ul)>', html, re.S)
    assert found, element_id
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_a_packed_batch_certificate_in_chinese(client: FlaskClient) -> None:
    page = client.get(BAGS)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.text
    assert "承诺达标合格证" in html
    assert "不使用禁用农药兽药、停用兽药和非法添加物" in html
    assert "常规农药兽药残留不超标" in html and "对承诺的真实性负责" in html
    assert text_of(html, "product").startswith("五常大米 稻花香 5kg")
    assert text_of(html, "quantity") == "120 件，每件 5 kg"
    assert text_of(html, "origin") == "黑龙江省哈尔滨市五常市"
    assert "五常稻香米业有限公司" in text_of(html, "issuer")
    assert "GLN " + ex.MILL_GLN in text_of(html, "issuer")
    assert text_of(html, "production-date") == "2026-10-11"
    assert "WC26-M07" in text_of(html, "inputs")
    # Its QR code is the lot's Digital Link on this server, as label sheets' are.
    assert f"http://localhost/01/{GTIN}/10/{LOT}" in html
    assert re.search(r'data-key="entrusted_test" class="ticked"', html)
    assert re.search(r'data-key="self_commitment" class="open"', html)
    assert page.headers["X-Robots-Tag"] == "noindex"
    assert "<script>" not in html and "style=" not in html  # the CSP allows neither
    assert '<script type="module" src="/static/certificate.js">' in html


def test_each_lot_of_the_chain_and_english(client: FlaskClient) -> None:
    rice = client.get(RICE + "?lang=en&paper=a4").text
    assert "Certificate of commitment to compliance" in rice and "承诺达标合格证" in rice
    assert text_of(rice, "quantity") == "7,500 kg"
    assert "/static/certificate-a4.css" in rice
    assert "WC26-P07" in text_of(rice, "inputs")
    paddy = client.get(PADDY).text
    assert text_of(paddy, "quantity") == "11,500 kg"
    assert text_of(paddy, "production-date") == "2026-09-24"
    assert re.search(r'data-key="self_commitment" class="ticked"', paddy)
    assert 'id="inputs"' not in paddy


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        (f"/certificates/01/{GTIN}/10/NO-SUCH-LOT", 404, "no_certificate"),
        (f"/certificates/01/{ex.BAG_GTIN}/10/WC26-P07", 404, "no_certificate"),
        ("/certificates/01/06901234000123/10/WC26-M07", 400, "bad_check_digit"),
        ("/certificates/01/not-a-gtin/10/WC26-M07", 400, "bad_identifier"),
    ],
)
def test_a_bad_or_unknown_lot_is_a_clear_page_never_a_500(
    client: FlaskClient, path: str, status: int, code: str
) -> None:
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == status and page.mimetype == "text/html"
    assert f"<code>{code}</code>" in page.text
    if code == "no_certificate":
        assert "这个批次没有合格证" in page.text
    answer = client.get(path, headers={"Accept": "application/json"})
    assert answer.status_code == status and answer.json["error"]["code"] == code


def test_the_console_lot_page_links_the_certificate(client: FlaskClient) -> None:
    log_in(client)
    lot_page = client.get(f"/console/lots/{GTIN}/{LOT}").text
    assert f'href="{BAGS}" id="certificate"' in lot_page
    assert f'href="{PADDY}"' in client.get("/console/lots").text


def test_the_business_contact_is_kept_off_the_log_and_printed(
    client: FlaskClient, demo_ledger_copy: Ledger
) -> None:
    log_in(client)
    size = demo_ledger_copy.size()
    assert 'id="contact"><span class="blank">' in client.get(BAGS).text
    path = "/console/actors/wuchang-mill/contact"
    bad = post_form(client, path, {"phone": "1" * 41, "address": "五常市"})
    assert bad.status_code == 422 and "[bad_contact]" in bad.text
    assert 'id="contact"><span class="blank">' in client.get(BAGS).text  # nothing stored
    done = post_form(client, path, {"phone": "0451-5555 0000", "address": "五常市拉林镇"})
    assert done.status_code == 200 and 'id="saved"' in done.text
    assert text_of(client.get(BAGS).text, "contact") == "0451-5555 0000 · 五常市拉林镇"
    assert demo_ledger_copy.size() == size  # not a single entry on the log
    assert client.get("/console/actors/nobody-here/contact").status_code == 404


def _product(**changes: Any) -> dict[str, Any]:
    return {
        "gtin": "6901234000139",
        "name_zh": "五常大米 10kg",
        "name_en": "Wuchang rice, 10 kg bag",
        "net_content": "10 kg",
        "temp_min_c": "0",
        "temp_max_c": "25",
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"gtin": "6901234000138"}, "gtin", "bad_check_digit"),
        ({"gtin": "69012340"}, "gtin", "bad_check_digit"),
        ({"gtin": "abc"}, "gtin", "bad_identifier"),
        ({"gtin": ex.BAG_GTIN}, "gtin", "product_exists"),
        ({"name_zh": ""}, "name_zh", "bad_product_name"),
        ({"temp_min_c": "cold"}, "temp_min_c", "bad_temperature"),
        ({"temp_min_c": "30"}, "temp_max_c", "bad_temperature_band"),
    ],
)
def test_a_rejected_product_is_shown_on_its_field_and_nothing_is_stored(
    client: FlaskClient, changes: dict[str, Any], field: str, code: str
) -> None:
    log_in(client)
    answer = post_form(client, "/console/products/new", _product(**changes))
    assert answer.status_code == 422
    errors = re.search(
        rf'<div class="field invalid">\s*<label for="{field}".*?'
        r'<p class="error" role="alert">(.*?)</p>',
        answer.text,
        re.S,
    )
    assert errors and f"[{code}]" in errors.group(1), answer.text
    assert "06901234000139" not in client.get("/console/products").text


def test_adding_and_editing_a_product_changes_what_pages_show(client: FlaskClient) -> None:
    log_in(client)
    listing = client.get("/console/products").text
    assert ex.BAG_GTIN in listing and "0 – 15 °C" not in listing
    added = post_form(client, "/console/products/new", _product())
    assert added.status_code == 302
    listing = client.get(added.headers["Location"]).text
    assert 'id="saved"' in listing and "06901234000139" in listing and "0 – 25 °C" in listing

    unit_page = demo.sample_unit_path()
    assert "五常大米 稻花香 5kg" in client.get(unit_page).text  # cached with the old name
    edit = f"/console/products/{ex.BAG_GTIN}/edit"
    assert 'value="五常大米 稻花香 5kg"' in client.get(edit).text
    changed = post_form(
        client,
        edit,
        {
            "name_zh": "五常大米 新包装",
            "name_en": "Wuchang rice, new bag",
            "net_content": "5 kg",
            "temp_min_c": "0",
            "temp_max_c": "15",
        },
    )
    assert changed.status_code == 302
    assert text_of(client.get(BAGS).text, "product").startswith("五常大米 新包装")
    sheet = client.get(f"/labels/01/{GTIN}/10/{LOT}").text
    assert "五常大米 新包装" in sheet
    assert "五常大米 新包装" in client.get(unit_page).text  # the scan page is not stale
    missing = client.get("/console/products/06901234000146/edit", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "<code>unknown_product</code>" in missing.text


def test_catalogue_forms_need_a_session_and_a_csrf_token(client: FlaskClient) -> None:
    for path in ("/console/products", "/console/products/new", "/console/actors/x/contact"):
        assert client.get(path).status_code == 302
    log_in(client)
    assert client.post("/console/products/new", data=_product()).status_code == 400
    assert "06901234000139" not in client.get("/console/products").text
