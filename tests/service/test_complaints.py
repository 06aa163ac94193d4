"""Complaints off the log and their outcomes on it, on SQLite and PostgreSQL
(docs/COMPLAINTS.md, FORMAT.md 3.9): who a complaint concerns, the receipt's commitment,
the operator's admission rule, erasure, counts, and nothing personal on the log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from ledger import demo
from ledger.core.complaint import commitment
from ledger.core.errors import LedgerError
from ledger.core.statements import sign_statement
from ledger.keystore import DEMO_PASSPHRASE, Keystore
from ledger.service.complaints import Complaints, complaint_counts
from ledger.service.ledger import Ledger
from ledger.store.models import Complaint, LogEntry

STEM = "https://id.gs1.org"
BAG = STEM + demo.sample_unit_path()
PHONE = "13912345678"
WORDS = "米里有小石子，硌了牙 <script>alert(1)</script>"


@pytest.fixture
def season(engine: Engine, demo_template: tuple[Path, Path]) -> tuple[Ledger, demo.DemoKeys]:
    keys = demo.DemoKeys.load(Keystore(demo_template[1]), DEMO_PASSPHRASE)
    ledger = Ledger.create(engine, keys.operator, demo.ORIGIN)
    demo.build(ledger, keys)
    return ledger, keys


def _outcome(record: Any, actor: str, **change: Any) -> dict[str, Any]:
    return {
        "commitment": record.commitment,
        "actor": actor,
        "object": record.object_id,
        "category": record.category,
        "outcome": "refunded",
        "reply": "已全额退款，并检查了筛米设备 (refunded in full; the sieve was checked)",
        **change,
    }


def test_a_complaint_is_kept_off_the_log_and_its_outcome_goes_on_it(
    season: tuple[Ledger, demo.DemoKeys],
) -> None:
    ledger, keys = season
    complaints = Complaints(ledger.engine, ledger.clock)
    size_before = ledger.size()
    receipt = complaints.file(
        BAG, "foreign_matter", f"{WORDS} 电话 {PHONE}", contact=f"微信 zhang_{PHONE}"
    )
    assert ledger.size() == size_before  # filing writes nothing to the log
    record = complaints.with_token(receipt.complaint_id, receipt.token)
    assert record.concerned[0] == "wuchang-mill"  # the mill bagged the rice
    assert "fresh-mart-sh" in record.concerned  # the shop that sold it
    assert PHONE not in record.text and receipt.text_masked
    assert record.contact == f"微信 zhang_{PHONE}"
    assert commitment(bytes.fromhex(receipt.salt), receipt.complaint_id) == record.commitment
    assert record.status == "open"

    mill = keys.producers["wuchang-mill"]
    waiting = ledger.record("wuchang-mill", ledger.size())
    assert waiting.complaints_open == 1 and waiting.count("complaints") == 0
    appended = ledger.append([sign_statement("complaint", _outcome(record, "wuchang-mill"), mill)])
    # The mill's public record counts the answer and its outcome, each linked to its entry.
    answered_record = ledger.record("wuchang-mill", ledger.size())
    assert answered_record.complaints_open == 0
    assert answered_record.figures["complaints"].entries == (appended[0].index,)
    assert answered_record.count("complaints_refunded") == 1
    assert answered_record.count("complaints_escalated") == 0
    answered = complaints.with_token(receipt.number, receipt.token)
    assert answered.outcome is not None and answered.outcome.index == appended[0].index
    assert (answered.status, answered.outcome.actor) == ("refunded", "wuchang-mill")

    # A connection closed when read: an open one would hold PostgreSQL's locks and stall
    # the fixture's DROP SCHEMA (CI hung on exactly that).
    with ledger.engine.connect() as conn:
        log = b"".join(conn.execute(select(LogEntry.leaf)).scalars())
    for private in (PHONE.encode(), "石子".encode(), receipt.complaint_id.encode(),
                    receipt.salt.encode(), receipt.token.encode()):  # fmt: skip
        assert private not in log

    complaints.erase_contact(receipt.complaint_id)
    assert complaints.get(receipt.complaint_id).contact is None
    with ledger.engine.connect() as conn:
        stored = conn.execute(select(Complaint.contact, Complaint.text)).one()
        assert stored.contact is None and PHONE not in stored.text
        counts = complaint_counts(conn, "wuchang-mill", ledger.size())
        shop = complaint_counts(conn, "fresh-mart-sh", ledger.size())
    assert counts == {"received": 1, "answered": 0, "refunded": 1, "escalated": 0, "open": 0}
    assert shop == {"received": 1, "answered": 0, "refunded": 0, "escalated": 0, "open": 0}


def test_the_operator_rule_refuses_outcomes_that_answer_no_complaint_here(
    season: tuple[Ledger, demo.DemoKeys],
) -> None:
    ledger, keys = season
    complaints = Complaints(ledger.engine, ledger.clock)
    record = complaints.get(complaints.file(BAG, "quality", "不好吃").complaint_id)
    size = ledger.size()
    cases = [
        (keys.producers["hlj-lab"], _outcome(record, "hlj-lab"), "not_concerned"),
        (keys.operator, _outcome(record, "hlj-lab"), "not_concerned"),
        (keys.producers["wuchang-mill"], _outcome(record, "wuchang-mill", category="weight"),
         "bad_complaint"),
        (keys.producers["wuchang-mill"],
         _outcome(record, "wuchang-mill", reply=f"请拨打 {PHONE}"), "bad_complaint"),
        (keys.producers["wuchang-mill"], _outcome(record, "wuchang-mill", commitment="ab" * 32),
         "unknown_complaint"),
        (keys.producers["fresh-mart-sh"], _outcome(record, "wuchang-mill"),
         "not_complaint_party"),
    ]  # fmt: skip
    for key, payload, expected in cases:
        with pytest.raises(LedgerError) as caught:
            ledger.append([sign_statement("complaint", payload, key)])
        assert caught.value.code == expected
    assert ledger.size() == size
    # The shop answers for itself; then the complaint is closed for everyone.
    shop = keys.producers["fresh-mart-sh"]
    ledger.append([sign_statement("complaint", _outcome(record, "fresh-mart-sh"), shop)])
    with pytest.raises(LedgerError) as caught:
        ledger.append(
            [sign_statement("complaint", _outcome(record, "wuchang-mill"), keys.operator)]
        )
    assert caught.value.code == "complaint_answered"
    assert ledger.verify().ok
    assert ledger.reindex() == ledger.size()  # the derived outcome is rebuilt from the log
    assert complaints.get(record.complaint_id).status == "refunded"


def test_bad_input_is_refused_and_nothing_is_stored(season: tuple[Ledger, demo.DemoKeys]) -> None:
    ledger, _ = season
    complaints = Complaints(ledger.engine, ledger.clock)
    for args, kwargs, expected in [
        ((BAG, "rude", "x"), {}, "bad_complaint"),
        ((BAG, "quality", "   "), {}, "bad_complaint"),
        ((BAG, "quality", "x" * 2001), {}, "too_large"),
        ((BAG, "quality", "a\x00b"), {}, "bad_complaint"),
        ((BAG, "quality", "x"), {"contact": "x" * 201}, "bad_contact"),
        ((BAG, "quality", "x"), {"photo": (b"GIF89a", "image/gif")}, "bad_photo"),
        (("https://id.gs1.org/01/06901234000115/10/NOPE", "quality", "x"), {}, "bad_complaint"),
        (("not a code", "quality", "x"), {}, "bad_complaint"),
    ]:
        with pytest.raises(LedgerError) as caught:
            complaints.file(*args, **kwargs)
        assert caught.value.code == expected
    assert complaints.all() == []
    receipt = complaints.file(BAG, "other", "x")
    with pytest.raises(LedgerError) as caught:
        complaints.with_token(receipt.complaint_id, receipt.token + "x")
    assert caught.value.code == "unknown_complaint"
