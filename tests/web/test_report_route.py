"""GET /api/v1/report and the console's report page: the regulator's spreadsheet of the demo
season as CSV and XLSX, and a clear 4xx naming the rule for every malformed request."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from ledger.service.ledger import Ledger
from tests.web.test_console import PASSWORD, log_in
from web import create_app

STEM = "https://id.gs1.org"
PADDY = f"{STEM}/01/06901234000108/10/WC26-P07"
PADDY_GTIN = "06901234000108"
YEAR = {"from": "2026-01-01", "to": "2027-01-01"}


def test_a_lot_as_csv_with_chinese_headers(demo_client: FlaskClient) -> None:
    answer = demo_client.get("/api/v1/report", query_string={"lot": PADDY, "lang": "zh"})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Tree-Size" in answer.headers["Access-Control-Expose-Headers"]
    disposition = answer.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=") and disposition.endswith('.csv"')
    assert "06901234000108-WC26-P07" in disposition
    assert answer.data.startswith("\ufeff".encode())  # Excel reads the Chinese as UTF-8
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["日期", "时间(当地)", "关键追溯事件"]
    assert [r[2] for r in rows[1:]] == ["收获", "发运", "接收", "加工转化"]
    assert rows[1][8] == "千克" and rows[1][9] == "KGM"


def test_a_lot_in_english_given_as_gtin_and_lot_code(demo_client: FlaskClient) -> None:
    query = {"product": "06901234000122", "lot": "WC26-M07", "lang": "en"}
    rows = list(
        csv.DictReader(
            io.StringIO(demo_client.get("/api/v1/report", query_string=query).text.lstrip("\ufeff"))
        )
    )
    assert rows[0]["Critical tracking event"] == "Transformation"
    shipping = [r for r in rows if r["Critical tracking event"] == "Shipping"]
    assert len(shipping) == 12 and all(r["Quantity"] == "10" for r in shipping)
    assert all(r["Unit code (UN/ECE Rec. 20)"] == "EA" for r in shipping)
    assert all("上海鲜超连锁" in r["Immediate subsequent recipient"] for r in shipping)


def test_a_product_over_dates_as_xlsx(demo_client: FlaskClient) -> None:
    query = {
        "product": "06901234000108",
        "from": "2026-09-25",
        "to": "2026-10-01",
        "format": "xlsx",
        "lang": "both",
    }
    answer = demo_client.get("/api/v1/report", query_string=query)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(answer.data))
    records, about = book.worksheets
    assert records.freeze_panes == "A2" and records.auto_filter.ref.startswith("A1:")
    header = [c.value for c in records[1]]
    assert header[0] == "日期 Date" and "追溯批次代码 Traceability lot code" in header
    values = list(records.iter_rows(min_row=2, values_only=True))
    # plot-07 was harvested on 24 September (before the range) and shipped on the 26th;
    # plot-08 and plot-12 were harvested on the 25th and 26th.
    lot, cte = (
        header.index("追溯批次代码 Traceability lot code"),
        header.index("关键追溯事件 Critical tracking event"),
    )
    assert {(row[lot], row[cte]) for row in values} == {
        ("WC26-P07", "发运 / Shipping"),
        ("WC26-P07", "接收 / Receiving"),
        ("WC26-P08", "收获 / Harvesting"),
        ("WC26-P08", "发运 / Shipping"),
        ("WC26-P08", "接收 / Receiving"),
        ("WC26-P12", "收获 / Harvesting"),
        ("WC26-P12", "发运 / Shipping"),
        ("WC26-P12", "接收 / Receiving"),
    }
    assert all(isinstance(row[0], date) for row in values)  # a real date, sortable
    assert [row[0] for row in values] == sorted(row[0] for row in values)
    facts = {row[0]: row[1] for row in about.iter_rows(values_only=True)}
    assert facts["账本树大小 Tree size"] == str(
        demo_client.get("/api/v1/report", query_string={"lot": PADDY}).headers["X-Tree-Size"]
    )
    assert len(facts["树根哈希(SHA-256) Root hash (SHA-256)"]) == 64


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({}, 400, "bad_parameter"),
        ({"lot": "not a link"}, 400, "bad_parameter"),
        ({"lot": f"{STEM}/01/06901234000122/21/100071"}, 400, "bad_parameter"),
        ({"lot": PADDY, "format": "pdf"}, 400, "bad_parameter"),
        ({"lot": PADDY, "lang": "fr"}, 400, "bad_parameter"),
        ({"lot": [PADDY, PADDY]}, 400, "bad_parameter"),
        ({"lot": PADDY, "from": "2026-13-01"}, 400, "bad_time"),
        ({"lot": PADDY, "from": "yesterday"}, 400, "bad_time"),
        ({"lot": PADDY, "from": "2026-10-01", "to": "2026-09-01"}, 400, "bad_date_range"),
        ({"product": PADDY_GTIN, "from": "2020-01-01", "to": "2026-01-01"}, 400, "bad_date_range"),
        ({"product": "06901234000108"}, 400, "bad_date_range"),
        ({"product": "06901234000109", **YEAR}, 400, "bad_check_digit"),
        ({"product": "abc"}, 400, "bad_identifier"),
        ({"product": "06901234000108", "lot": "bad lot ✗"}, 400, "bad_identifier"),
        ({"lot": f"{STEM}/01/06901234000108/10/NOPE"}, 404, "unknown_object"),
        ({"product": "06901234000139", **YEAR}, 404, "unknown_object"),
    ],
)  # fmt: skip
def test_malformed_and_unknown_requests(
    demo_client: FlaskClient, query: dict[str, object], status: int, code: str
) -> None:
    answer = demo_client.get("/api/v1/report", query_string=query)
    assert answer.status_code == status, answer.text
    assert answer.json is not None and answer.json["error"]["code"] == code
    assert answer.json["error"]["message"]


def test_only_get(demo_client: FlaskClient) -> None:
    answer = demo_client.post("/api/v1/report", query_string={"lot": PADDY})
    assert answer.status_code == 405


@pytest.fixture
def console(demo_ledger_copy: Ledger) -> FlaskClient:
    demo_ledger_copy.accounts().add("operator-1", PASSWORD)
    app: Flask = create_app(
        {"TESTING": True, "LEDGER": demo_ledger_copy, "SECRET_KEY": "test secret"}
    )
    return app.test_client()


def test_the_console_page_downloads_the_report(console: FlaskClient) -> None:
    assert console.get("/console/report").status_code in (302, 401)  # a session is needed
    log_in(console)
    form = console.get("/console/report")
    assert form.status_code == 200 and 'name="lot"' in form.text
    assert 'href="/console/report"' in console.get("/console/").text  # in the nav
    sent = console.get(
        "/console/report", query_string={"lot": PADDY, "format": "xlsx", "send": "1"}
    )
    assert sent.status_code == 200 and sent.headers["Content-Disposition"].endswith('.xlsx"')
    header = [c.value for c in load_workbook(io.BytesIO(sent.data)).worksheets[0][1]]
    assert header[2] == "关键追溯事件"  # the console speaks Chinese unless asked otherwise
    bad = console.get(
        "/console/report",
        query_string={"lot": PADDY, "from": "2026-10-01", "to": "2026-01-01", "send": "1"},
    )
    assert (
        bad.status_code == 400 and "bad_date_range" in bad.text and 'id="report-error"' in bad.text
    )
    unknown = console.get(
        "/console/report",
        query_string={
            "product": "06901234000139",
            "from": "2026-01-01",
            "to": "2027-01-01",
            "send": "1",
        },
    )
    assert unknown.status_code == 404 and "unknown_object" in unknown.text
