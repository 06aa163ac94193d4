"""Recall and correction payloads (FORMAT.md 3.7, 3.8): the core's reader, and the script's
copy of it naming the same rule for any payload (the browser's copy is held to the tamper
vectors, tests/browser/verifier_js/test_tamper_vectors_js.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import samples as ex
from ledger.core.correction import parse_correction
from ledger.core.errors import ValidationError
from ledger.core.recall import LEVELS, parse_recall
from tests.verifier.test_verify_script import vl

LOT = "https://id.gs1.org/01/06901234000115/10/WC24-M01"


def _code(payload: dict[str, Any], kind: str) -> str | None:
    try:
        (parse_recall if kind == "recall" else parse_correction)(payload)
    except ValidationError as exc:
        return exc.code
    return None


def _script_code(payload: dict[str, Any], kind: str) -> str | None:
    check = vl.check_payload_recall if kind == "recall" else vl.check_payload_correction
    problems = check(payload)
    return problems[0][0] if problems else None


def test_the_sample_recall_reads_with_its_level_and_deadlines() -> None:
    notice = parse_recall(ex.recall(level=1))
    assert notice.level == LEVELS[1]
    assert (notice.level.name_zh, notice.level.start_hours) == ("一级召回", 24)
    assert notice.level.complete_working_days == 10
    assert notice.objects == (LOT,)
    assert notice.in_force and notice.names_any({LOT, "x"})


def test_a_product_range_covers_the_days_it_names_both_included() -> None:
    rng = {"gtin": ex.BAG_GTIN, "from": "2024-10-01", "to": "2024-10-03"}
    notice = parse_recall(ex.recall(objects=[], products=[rng]))
    assert notice.covers_lot(ex.BAG_GTIN, date(2024, 10, 1))
    assert notice.covers_lot(ex.BAG_GTIN, date(2024, 10, 3))
    assert not notice.covers_lot(ex.BAG_GTIN, date(2024, 10, 4))
    assert not notice.covers_lot(ex.RICE_GTIN, date(2024, 10, 2))


BAD_RECALLS = [
    ({"level": 4}, "payload.level"),
    ({"level": True}, "payload.level"),
    ({"status": "reopened"}, "payload.status"),
    ({"recall": "-leading-dash"}, "payload.recall"),
    ({"reason": {}}, "payload.reason"),
    ({"reason": {"fr": "non"}}, "payload.reason"),
    ({"action": {"zh": "x\u0007"}}, "payload.action.zh"),
    ({"objects": ["https://id.gs1.org/01/06901234000115"]}, "payload.objects[0]"),
    ({"objects": ["https://id.gs1.org/01/06901234000116/10/A"]}, "payload.objects[0]"),
    ({"objects": ["https://id.gs1.org/01/٠٦٩٠١٢٣٤٠٠٠١١٥/10/A"]}, "payload.objects[0]"),
    ({"objects": [LOT, LOT]}, "payload.objects"),
    ({"objects": [], "products": []}, "payload.objects"),
    ({"products": [{"gtin": ex.BAG_GTIN, "from": "2024-02-30", "to": "2024-03-01"}]},
     "payload.products[0].from"),
    ({"note": ""}, "payload.note"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "field"), BAD_RECALLS)
def test_a_bad_recall_names_its_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_recall({**ex.recall(), **change})
    assert (caught.value.code, caught.value.field) == ("bad_value", field)
    assert _script_code({**ex.recall(), **change}, "recall") == "bad_value"


def test_a_recall_without_a_member_or_with_one_more_is_refused() -> None:
    missing = {k: v for k, v in ex.recall().items() if k != "reason"}
    assert _code(missing, "recall") == _script_code(missing, "recall") == "missing_field"
    extra = {**ex.recall(), "deadline": "tomorrow"}
    assert _code(extra, "recall") == _script_code(extra, "recall") == "unknown_field"


def test_corrections_read_and_refuse_as_format_md_says() -> None:
    ok = parse_correction(ex.correction(19, corrective=[ex.event_id("x")]))
    assert (ok.entry, ok.reason, ok.corrective_event_ids) == (
        19,
        "incorrect_data",
        (ex.event_id("x"),),
    )
    for change in (
        {"entry": 0},
        {"entry": "19"},
        {"reason": "typo"},
        {"explanation": ""},
        {"corrective_event_ids": []},
        {"corrective_event_ids": ["urn:uuid:NOT-A-UUID"]},
        {"corrective_event_ids": [ex.event_id("x")] * 2},
    ):
        payload = {**ex.correction(19), **change}
        assert _code(payload, "correction") == _script_code(payload, "correction") == "bad_value"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 2000) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
_RECALL_MEMBERS = st.sampled_from(
    ["recall", "status", "level", "reason", "action", "objects", "products", "note"]
)
_CORRECTION_MEMBERS = st.sampled_from(["entry", "reason", "explanation", "corrective_event_ids"])


@given(st.dictionaries(_RECALL_MEMBERS, _JSON), st.booleans())
def test_any_recall_payload_is_read_or_refused_alike(change: dict[str, Any], drop: bool) -> None:
    payload = {**ex.recall(), **change}
    if drop and change:
        payload.pop(next(iter(change)))
    assert _code(payload, "recall") == _script_code(payload, "recall")


@given(st.dictionaries(_CORRECTION_MEMBERS, _JSON))
def test_any_correction_payload_is_read_or_refused_alike(change: dict[str, Any]) -> None:
    payload = {**ex.correction(19), **change}
    assert _code(payload, "correction") == _script_code(payload, "correction")
