"""The report's pure rules: which events are CTEs, headers in both languages, the date range,
and CSV that is RFC 4180, opens in Excel as UTF-8 and cannot run a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import samples as s
from ledger.core.errors import LedgerError
from ledger.core.event_parser import parse_event
from ledger.core.gs1 import gtin_uri, sscc_uri
from ledger.core.report import (
    COLUMNS,
    MAX_RANGE_DAYS,
    Party,
    Query,
    Report,
    Row,
    csv_text,
    cte_of,
    escape_formula,
    headers,
    included,
    unit_words,
)
from ledger.core.vocabulary import Label

PADDY = gtin_uri(s.PADDY_GTIN, lot=s.PADDY_LOT)


def never_raw(_: str) -> bool:
    return False


def always_raw(_: str) -> bool:
    return True


@pytest.mark.parametrize(
    ("payload", "cte"),
    [
        (s.harvest(), "harvesting"),
        (s.shipping(quantities=[(PADDY, 12000, "KGM")]), "shipping"),
        (s.receiving(quantities=[(PADDY, 12000, "KGM")]), "receiving"),
        (s.milling(), "transformation"),
        (s.bagging(), "transformation"),
        (s.sowing(), None),
        (s.spraying(), None),
        (s.fertilising(), None),
        (s.inspection(), None),
        (s.transporting(), None),
        (s.retail_selling(), None),
    ],
)
def test_business_steps_map_to_ctes(payload: dict[str, object], cte: str | None) -> None:
    assert cte_of(parse_event(payload), never_raw) == cte


def test_cooling_and_initial_packing_are_of_raw_commodities_only() -> None:
    cold = parse_event(s.storing(epcs=[sscc_uri(s.CASE_SSCC)]))
    assert cte_of(cold, always_raw) == "cooling"
    assert cte_of(cold, never_raw) is None  # a cold store of packed rice is holding
    packed = parse_event(s.packing())
    assert cte_of(packed, always_raw) == "initial_packing"
    assert cte_of(packed, never_raw) is None


def test_an_event_declared_erroneous_is_left_out() -> None:
    event = parse_event(s.harvest())
    assert included(7, event, {}) and included(7, event, {8: 9})
    assert not included(7, event, {7: 12})


def test_headers_in_chinese_english_and_both() -> None:
    zh, en, both = headers("zh"), headers("en"), headers("both")
    assert len(zh) == len(en) == len(both) == len(COLUMNS)
    assert zh[3] == "追溯批次代码" and en[3] == "Traceability lot code"
    assert both[3] == "追溯批次代码 Traceability lot code"
    assert len(set(zh)) == len(zh) and len(set(en)) == len(en)
    assert unit_words("KGM", "en") == "kg" and unit_words("KGM", "zh") == "千克"
    assert unit_words("XYZ", "en") == "XYZ"


def test_a_date_range_runs_forwards_over_at_most_two_years() -> None:
    start = date(2026, 1, 1)
    Query(gtin=s.PADDY_GTIN, start=start, end=start + timedelta(days=MAX_RANGE_DAYS))
    Query(lot=PADDY)  # a lot needs no range
    for end in (start, start - timedelta(days=1), start + timedelta(days=MAX_RANGE_DAYS + 1)):
        with pytest.raises(LedgerError) as caught:
            Query(gtin=s.PADDY_GTIN, start=start, end=end)
        assert caught.value.code == "bad_date_range"
    with pytest.raises(LedgerError) as caught:
        Query(gtin=s.PADDY_GTIN, start=start)
    assert caught.value.code == "bad_date_range"
    with pytest.raises(LedgerError) as caught:
        Query(lot=PADDY, gtin=s.PADDY_GTIN)
    assert caught.value.code == "bad_parameter"
    query = Query(lot=PADDY, start=date(2026, 9, 1), end=date(2026, 10, 1))
    assert query.covers(date(2026, 9, 1)) and not query.covers(date(2026, 10, 1))


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("五常 = good", "五常 = good"),
        ("plot-07", "plot-07"),
    ],
)
def test_formula_injection_is_escaped(text: str, escaped: str) -> None:
    assert escape_formula(text) == escaped


def row(**changes: object) -> Row:
    base: dict[str, object] = {
        "index": 17,
        "event_id": "urn:uuid:4d3fddb7-af2d-50bd-8109-a33242d78283",
        "cte": "harvesting",
        "event_time": datetime(2026, 9, 24, 18, tzinfo=timezone(timedelta(hours=8))),
        "lot_uri": PADDY,
        "gtin": s.PADDY_GTIN,
        "lot": s.PADDY_LOT,
        "product": Label("稻谷", "Paddy rice"),
        "quantity": 11500,
        "uom": "KGM",
        "location": Party(s.FARM_GLN, "五常市稻花香水稻种植专业合作社", "黑龙江省"),
        "tlc_source": Party(s.FARM_GLN, "五常市稻花香水稻种植专业合作社", "黑龙江省"),
        "harvest_field": "plot-07",
        "harvest_date": date(2026, 9, 24),
    }
    return Row(**{**base, **changes})  # type: ignore[arg-type]


def report_of(*rows: Row) -> Report:
    return Report(Query(lot=PADDY), 40, "ab" * 32, "2026-11-01T00:00:00.000Z", rows)


def test_csv_has_a_byte_order_mark_crlf_and_typed_cells() -> None:
    text = csv_text(report_of(row(), row(cte="shipping", quantity=0.5, index=18)), "en")
    assert text.startswith("\ufeffDate,Time (local),Critical tracking event,")
    assert text.count("\r\n") == 3 and "\n" not in text.replace("\r\n", "")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert lines[1][:4] == ["2026-09-24", "2026-09-24T18:00:00+08:00", "Harvesting", "WC24-P07"]
    assert lines[1][7:10] == ["11500", "kg", "KGM"]
    assert lines[2][7] == "0.5" and lines[2][2] == "Shipping"
    assert "五常市稻花香水稻种植专业合作社 (GLN 6901234000016), 黑龙江省" in lines[1]


_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


@given(
    names=st.lists(_text, min_size=1, max_size=5),
    reference=_text,
    quantity=st.one_of(st.integers(1, 10**12), st.floats(0.001, 1e9, allow_nan=False)),
)
def test_csv_round_trips_through_the_csv_module(
    names: list[str], reference: str, quantity: float
) -> None:
    rows = [
        row(
            product=Label(name, name),
            reference=reference or None,
            quantity=quantity,
            index=i,
            location=Party(s.FARM_GLN, name or None),
        )
        for i, name in enumerate(names)
    ]
    text = csv_text(report_of(*rows), "zh")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert len(parsed) == len(rows) + 1
    product, ref, qty = (headers("zh").index(h) for h in ("产品描述", "参考文件编号", "数量"))
    for line, name in zip(parsed[1:], names, strict=True):
        assert len(line) == len(COLUMNS)
        assert line[product] == escape_formula(name)
        assert line[ref] == escape_formula(reference)
        assert float(line[qty]) == pytest.approx(quantity)
        # No cell a spreadsheet would run as a formula.
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in line)


def test_the_report_says_what_it_was_made_against() -> None:
    facts = dict(report_of(row()).about("en"))
    assert facts["Tree size"] == "40" and facts["Root hash (SHA-256)"] == "ab" * 32
    assert "UTC offset" in facts["Time zone"]
    assert "批次" in dict(report_of(row()).about("zh"))["查询"]
    assert datetime.fromisoformat(report_of().generated.replace("Z", "+00:00")).tzinfo == UTC
