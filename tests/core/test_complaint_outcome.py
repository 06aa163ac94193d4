"""Complaint outcome payloads and their admission (FORMAT.md 3.9): the core's reader and
rules, and the script's copy naming the same rule for any payload (the browser's copy is
held to the tamper vectors, tests/browser/verifier_js/test_tamper_vectors_js.py)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import samples as ex
from ledger.core.complaint import COMMITMENT_TAG, commitment, parse_complaint_outcome
from ledger.core.errors import ValidationError
from tests.verifier.test_verify_script import vl


def _code(payload: dict[str, Any]) -> str | None:
    try:
        parse_complaint_outcome(payload)
    except ValidationError as exc:
        return exc.code
    return None


def _script_code(payload: dict[str, Any]) -> str | None:
    problems = vl.check_payload_complaint(payload)
    return problems[0][0] if problems else None


def test_the_commitment_is_the_documented_salted_hash() -> None:
    salt = bytes.fromhex("00112233445566778899aabbccddeeff")
    expected = hashlib.sha256(
        b"traceledger/v1/complaint-commitment\x00" + salt + b"K7Q2M9XD3F4A"
    ).hexdigest()
    assert COMMITMENT_TAG.endswith(b"\x00")
    assert commitment(salt, "K7Q2M9XD3F4A") == expected
    assert commitment(salt, "K7Q2M9XD3F4B") != expected
    assert commitment(bytes(16), "K7Q2M9XD3F4A") != expected


def test_the_sample_outcome_reads() -> None:
    read = parse_complaint_outcome(ex.complaint_outcome(outcome="escalated", recall="R-1"))
    assert (read.actor, read.outcome, read.recall) == ("wuchang-mill", "escalated", "R-1")
    assert read.object_id == "https://id.gs1.org/01/06901234000115/10/WC24-M01"


BAD = [
    ({"commitment": "AB" * 32}, "payload.commitment"),
    ({"commitment": "ab" * 31}, "payload.commitment"),
    ({"actor": "Mill"}, "payload.actor"),
    ({"object": "https://id.gs1.org/01/06901234000116/10/WC24-M01"}, "payload.object"),
    ({"object": "https://example.com/01/06901234000115/10/WC24-M01"}, "payload.object"),
    ({"category": "rude"}, "payload.category"),
    ({"outcome": "ignored"}, "payload.outcome"),
    ({"outcome": ["answered"]}, "payload.outcome"),
    ({"reply": ""}, "payload.reply"),
    ({"reply": "x" * 1001}, "payload.reply"),
    ({"reply": "line\nbreak"}, "payload.reply"),
    ({"recall": "R-1"}, "payload.recall"),
    ({"outcome": "escalated", "recall": "-bad"}, "payload.recall"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "field"), BAD)
def test_a_bad_outcome_names_its_field(change: dict[str, Any], field: str) -> None:
    payload = {**ex.complaint_outcome(), **change}
    with pytest.raises(ValidationError) as caught:
        parse_complaint_outcome(payload)
    assert (caught.value.code, caught.value.field) == ("bad_value", field)
    assert _script_code(payload) == "bad_value"


def test_no_member_may_carry_a_shoppers_contact() -> None:
    payload = {**ex.complaint_outcome(), "contact": "13800138000"}
    assert _code(payload) == _script_code(payload) == "unknown_field"
    missing = {k: v for k, v in ex.complaint_outcome().items() if k != "reply"}
    assert _code(missing) == _script_code(missing) == "missing_field"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 2000) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
_MEMBERS = st.sampled_from(
    ["commitment", "actor", "object", "category", "outcome", "reply", "recall", "contact"]
)
_NEAR = st.sampled_from(
    [
        "escalated",
        "answered",
        "other",
        "HLJ-1",
        "a" * 64,
        "https://id.gs1.org/01/06901234000115/21/1",
        "https://id.gs1.org/00/069012340000000017",
        "ab",
        "x\u0085",
    ]
)


@given(st.dictionaries(_MEMBERS, _JSON | _NEAR), st.booleans())
def test_any_outcome_payload_is_read_or_refused_alike(change: dict[str, Any], drop: bool) -> None:
    payload = {**ex.complaint_outcome(), **change}
    if drop and change:
        payload.pop(next(iter(change)))
    assert _code(payload) == _script_code(payload)
