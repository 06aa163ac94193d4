"""The GS1 Digital Link resolver: scan pages and proof bundles over the demo season."""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient

from ledger.core.bundle import verify_bundle
from ledger.service.ledger import Ledger

UNIT = "/01/06901234000122/10/WC26-M07/21/100071"  # rode the truck whose cooling failed
LOT = "/01/06901234000115/10/WC26-M07"
HTML = {"Accept": "text/html"}


def page(client: FlaskClient, path: str, lang: str = "zh", **headers: str) -> str:
    response = client.get(path, headers={"Accept": "text/html", "Accept-Language": lang, **headers})
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_unit_page_shows_the_whole_journey_in_chinese(demo_client: FlaskClient) -> None:
    html = page(demo_client, UNIT)
    assert '<html lang="zh-CN">' in html
    assert "五常大米 稻花香 5kg" in html and "黑龙江省哈尔滨市五常市" in html
    steps = re.findall(r'<li class="step[^"]*" data-index="(\d+)"', html)
    assert len(steps) == 15
    for title in (
        "播种与插秧",
        "施肥",
        "植保喷药",
        "收获",
        "加工",
        "实验室检测",
        "装箱",
        "仓储",
        "发货",
        "冷链运输",
        "收货",
    ):
        assert f"<h3>{title}</h3>" in html, title
    # Farm work with the product and its pre-harvest interval; the lab's verdict.
    assert "三环唑" in html and "<dt>安全间隔期</dt><dd>21 天</dd>" in html
    assert "<dt>结论</dt><dd>合格</dd>" in html
    # The excursion is the answer at the top, and in the chart, drawn on the server.
    answer = html.index('id="answer"')
    assert answer < html.index('class="product"') < html.index('class="journey"')
    assert "冷链中断" in html[answer : html.index("</section>", answer)]
    assert "19.5 °C" in html[answer : html.index("</section>", answer)]
    assert '<svg class="chart"' in html and 'class="dot outside"' in html
    assert 'id="server-verdict" class="verdict" data-state="verified"' in html
    assert html.count('class="step-status server" data-state="verified"') == 15


def test_english_by_accept_language_or_switch(demo_client: FlaskClient) -> None:
    html = page(demo_client, UNIT, lang="en-GB,en;q=0.9")
    assert '<html lang="en">' in html and "<h3>Cold-chain transport</h3>" in html
    assert "Wuchang rice, Daohuaxiang, 5 kg bag" in html
    assert f'href="{UNIT}?lang=zh"' in html
    switched = page(demo_client, UNIT + "?lang=en", lang="zh-CN")
    assert "<h3>Harvest</h3>" in switched


def test_chinese_is_the_default(demo_client: FlaskClient) -> None:
    assert "<h3>收获</h3>" in page(demo_client, UNIT, lang="")


def test_lot_page_and_unit_without_lot_and_short_gtin(demo_client: FlaskClient) -> None:
    lot = page(demo_client, LOT)
    assert "<h3>实验室检测</h3>" in lot and "<h3>收获</h3>" in lot
    assert "<h3>收获</h3>" in page(demo_client, "/01/06901234000122/21/100071")
    # A GTIN-13 is zero-padded to GTIN-14, as the Digital Link standard allows.
    assert "<h3>收获</h3>" in page(demo_client, "/01/6901234000122/10/WC26-M07/21/100071")


def test_a_label_printed_with_the_wrong_lot_is_called_out(demo_client: FlaskClient) -> None:
    html = page(demo_client, "/01/06901234000122/10/WC26-M08/21/100071")
    assert "标签上印的批次（WC26-M08）与这件商品实际所属的批次（WC26-M07）不符" in html


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/01/06901234000122/10/WC26-M07/21/999999", 404, "unknown_object"),
        ("/01/06901234000123/10/WC26-M07", 400, "bad_check_digit"),
        ("/01/0690123400012X/10/A", 400, "bad_identifier"),
        ("/01/06901234000122/21/100071/10/WC26-M07", 400, "bad_identifier"),  # out of order
        ("/01/06901234000122/10/" + "L" * 21, 400, "bad_identifier"),  # lot longer than 20
        ("/01/06901234000122/10/A%00B", 400, "bad_identifier"),  # control character
        ("/01/06901234000122/10/" + "9" * 400, 400, "bad_identifier"),
        ("/01/06901234000122", 404, "bad_identifier"),  # a product class, not a lot or unit
    ],
)
def test_unreadable_or_unknown_codes_get_a_helpful_4xx(
    demo_client: FlaskClient, path: str, status: int, code: str
) -> None:
    # The GS1-Conformant resolver standard: 400 for a code that breaks the Digital Link
    # syntax, 404 for a well-formed one the resolver knows nothing about.
    for lang, words in (("zh", "商品"), ("en", "product")):
        response = demo_client.get(path, headers={"Accept": "text/html", "Accept-Language": lang})
        assert response.status_code == status
        html = response.get_data(as_text=True)
        assert words in html and f"<code>{code}</code>" in html and "Traceback" not in html
    as_json = demo_client.get(path + "?format=bundle")
    assert as_json.status_code == status and as_json.json["error"]["code"] == code


def test_producer_text_and_codes_are_escaped(demo_client: FlaskClient) -> None:
    response = demo_client.get(
        "/01/06901234000122/10/%3Cscript%3Ealert(1)%3C%2Fscript%3E", headers=HTML
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400  # '<' and '>' may not be in a lot
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_bundle_is_served_for_format_or_accept_and_verifies(
    demo_client: FlaskClient, demo_ledger_copy: Ledger
) -> None:
    by_param = demo_client.get(UNIT + "?format=bundle")
    by_accept = demo_client.get(UNIT, headers={"Accept": "application/json"})
    assert by_param.status_code == by_accept.status_code == 200
    assert by_param.data == by_accept.data and by_param.mimetype == "application/json"
    assert by_param.headers["Access-Control-Allow-Origin"] == "*"
    report = verify_bundle(by_param.data, demo_ledger_copy.operator)
    assert report.ok, report.failures
    doc = json.loads(by_param.data)
    assert doc["subject"] == "https://id.gs1.org/01/06901234000122/21/100071"
    assert len(doc["entries"]) == 26  # 15 steps, genesis, 5 actors, 5 keys
    # The unpinned bundle names its immutable, pinned URL.
    link = by_param.headers["Link"]
    pinned = re.fullmatch(r'<([^>]+)>; rel="canonical"', link).group(1)  # type: ignore[union-attr]
    assert pinned == "/01/06901234000122/21/100071?format=bundle&tree_size=257"
    fixed = demo_client.get(pinned)
    assert fixed.data == by_param.data
    assert fixed.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_the_page_links_the_pinned_bundle_and_names_the_operator_key(
    demo_client: FlaskClient, demo_ledger_copy: Ledger
) -> None:
    html = page(demo_client, UNIT)
    assert 'data-bundle-url="/01/06901234000122/21/100071?format=bundle&amp;tree_size=257"' in html
    assert f'data-verifier-key="{demo_ledger_copy.operator.vkey}"' in html
    assert 'script type="module" src="/static/verify/page.js"' in html


def test_bad_tree_size_is_a_4xx(demo_client: FlaskClient) -> None:
    assert demo_client.get(UNIT + "?format=bundle&tree_size=x").status_code == 400
    assert (
        demo_client.get(UNIT + "?format=bundle&tree_size=7").json["error"]["code"]
        == "no_such_checkpoint"
    )


def test_scans_are_counted_and_a_copied_label_is_flagged(demo_ledger_copy: Ledger) -> None:
    from web import create_app

    app = create_app({"TESTING": True, "LEDGER": demo_ledger_copy, "LEDGER_CLONE_MAX_CLIENTS": 2})
    app.extensions["scans"].flush_interval = 0  # write every scan, so the test sees them
    client = app.test_client()

    def view(address: str) -> str:
        return client.get(
            UNIT,
            headers={"Accept": "text/html", "Accept-Language": "en"},
            environ_base={"REMOTE_ADDR": address},
        ).get_data(as_text=True)

    assert "first time this code has been scanned" in view("10.0.0.1")
    assert "has been scanned 2 times" in view("10.0.0.1")
    assert "copied label" not in view("10.0.0.2")
    assert "scanned 4 times by 3 different phones" in view("10.0.0.3")
    # Another unit of the same lot is not affected.
    assert "copied label" not in page(client, "/01/06901234000122/10/WC26-M07/21/100072", lang="en")


def test_page_and_bundle_on_both_databases(engine, operator_key) -> None:  # type: ignore[no-untyped-def]
    from ledger import samples as ex
    from ledger.core.statements import sign_statement
    from tests.service.test_chain import CHAIN_CLOCK_START, producer_key, register_all
    from tests.support.fixed import ORIGIN, StepClock
    from web import create_app

    ledger = Ledger.create(
        engine, operator_key, ORIGIN, clock=StepClock(CHAIN_CLOCK_START), checkpoint_interval=0
    )
    register_all(ledger, operator_key)
    ledger.append([sign_statement("event", p, producer_key(a)) for a, p in ex.wuchang_chain()])
    client = create_app({"TESTING": True, "LEDGER": ledger}).test_client()
    unit = f"/01/{ex.BAG_GTIN}/10/{ex.RICE_LOT}/21/{ex.SERIALS[0]}"
    html = page(client, unit, lang="en")
    assert html.count('<li class="step') == 15
    bundle = client.get(unit + "?format=bundle")
    assert bundle.status_code == 200 and verify_bundle(bundle.data, ledger.operator).ok
    assert "has been scanned 2 times" in page(client, unit, lang="en")


def test_a_head_request_is_not_a_scan(demo_client: FlaskClient) -> None:
    assert demo_client.head(UNIT, headers=HTML).status_code == 200
    assert "first time this code has been scanned" in page(demo_client, UNIT, lang="en")


def test_favicon_is_served_locally(demo_client: FlaskClient) -> None:
    response = demo_client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"


def test_failed_inspection_and_pre_harvest_interval_are_shown_first(engine, operator_key) -> None:  # type: ignore[no-untyped-def]
    from ledger import samples as ex
    from ledger.core.statements import sign_statement
    from tests.service.test_chain import CHAIN_CLOCK_START, producer_key, register_all
    from tests.support.fixed import ORIGIN, StepClock
    from web import create_app

    events = ex.wuchang_chain()
    for n, (actor, payload) in enumerate(events):
        if payload["bizStep"] == "tl:spraying":  # 5 days before the harvest; its interval is 21
            events[n] = (actor, ex.spraying(time="2024-09-20T16:00:00+08:00", phi_days=21))
        if payload["bizStep"] == "inspecting":
            events[n] = (
                actor,
                ex.inspection(result="fail", analytes=[("tricyclazole", 2.5, 1.0, "MGM/KGM")]),
            )
    ledger = Ledger.create(
        engine, operator_key, ORIGIN, clock=StepClock(CHAIN_CLOCK_START), checkpoint_interval=0
    )
    register_all(ledger, operator_key)
    ledger.append([sign_statement("event", p, producer_key(a)) for a, p in events])
    client = create_app({"TESTING": True, "LEDGER": ledger}).test_client()
    html = page(client, f"/01/{ex.BAG_GTIN}/10/{ex.RICE_LOT}/21/{ex.SERIALS[0]}")
    notes = html[html.index('id="answer"') : html.index('class="journey"')]
    assert 'data-state="danger"' in notes and "检测不合格" in notes  # the answer: a failed test
    assert "未满安全间隔期 21 天" in notes and "检测不合格" in notes and "三环唑 2.5" in notes
    assert "<dt>结论</dt><dd>不合格</dd>" in html
