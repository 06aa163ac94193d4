"""Device enrolment: a phone's signed request waits, the operator approves it with a ``key``
statement or rejects it, and forged, stale, replayed or misdirected requests are refused
with nothing stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from ledger import samples
from ledger.core.enrolment import normalise_code, parse_enrolment, sign_enrolment
from ledger.core.errors import LedgerError
from ledger.core.signing import b64encode
from ledger.service.ledger import Ledger
from ledger.store.models import Enrolment
from tests.support.fixed import StepClock, fixed_key

PHONE = fixed_key("phone-of-the-coop")


@pytest.fixture
def registered(ledger: Ledger) -> Ledger:
    ledger.append_operator_statement("actor", samples.actor_payloads()[0])
    return ledger


def request_of(ledger: Ledger, key: Any = PHONE, actor: str = "wuchang-coop") -> dict[str, Any]:
    now = ledger.clock()
    return sign_enrolment(key, actor, "Li's phone", now).to_json()


def stored(ledger: Ledger) -> int:
    with ledger.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Enrolment)).scalar_one())


def test_a_request_waits_then_approval_adds_the_key_to_the_log(registered: Ledger) -> None:
    state, created = registered.enrolments().submit(request_of(registered))
    assert created and state.status == "pending" and state.actor_name.startswith("五常")
    assert [s.code for s in registered.enrolments().waiting()] == [state.code]
    size = registered.size()
    approved = registered.approve_enrolment(state.code.lower().replace("-", " "), "demo")
    assert approved.status == "approved" and approved.key_index == size
    assert registered.size() == size + 1
    owner = {k.key_id: a.actor for a in registered.actors() for k in a.keys}
    assert owner[PHONE.public_key.key_id] == "wuchang-coop"
    assert registered.enrolments().waiting() == []


def test_the_same_request_again_is_the_same_enrolment(registered: Ledger) -> None:
    body = request_of(registered)
    first, _ = registered.enrolments().submit(body)
    again, created = registered.enrolments().submit(body)
    assert not created and again == first and stored(registered) == 1
    registered.approve_enrolment(first.code, "demo")
    # Replayed after approval: still one enrolment, and it says approved.
    replayed, created = registered.enrolments().submit(body)
    assert not created and replayed.status == "approved"


def test_a_code_approves_once(registered: Ledger) -> None:
    state, _ = registered.enrolments().submit(request_of(registered))
    registered.approve_enrolment(state.code, "demo")
    size = registered.size()
    with pytest.raises(LedgerError) as caught:
        registered.approve_enrolment(state.code, "demo")
    assert caught.value.code == "enrolment_decided" and registered.size() == size


def test_a_rejected_phone_reads_rejected_and_cannot_be_approved(registered: Ledger) -> None:
    state, _ = registered.enrolments().submit(request_of(registered))
    assert registered.enrolments().reject(state.code, "demo").status == "rejected"
    with pytest.raises(LedgerError, match="already rejected"):
        registered.approve_enrolment(state.code, "demo")
    assert registered.enrolments().get(PHONE.public_key.key_id).status == "rejected"


def test_a_revoked_key_reads_revoked(registered: Ledger) -> None:
    state, _ = registered.enrolments().submit(request_of(registered))
    registered.approve_enrolment(state.code, "demo")
    registered.append_operator_statement(
        "revoke",
        {
            "actor": "wuchang-coop",
            "key_id": state.key_id,
            "effective": "2026-09-01T00:00:00.000Z",
            "reason": "phone lost",
        },
    )
    assert registered.enrolments().get(state.key_id).status == "revoked"


def reject(ledger: Ledger, body: Any) -> str:
    before = (stored(ledger), ledger.size())
    with pytest.raises(LedgerError) as caught:
        ledger.enrolments().submit(body)
    assert (stored(ledger), ledger.size()) == before  # nothing stored
    return caught.value.code


def test_forged_and_misdirected_requests_are_refused(registered: Ledger) -> None:
    body = request_of(registered)
    forged = {**body, "request": {**body["request"], "actor": "wuchang-mill"}}
    assert reject(registered, forged) == "bad_enrolment_signature"
    other_key = {
        **body,
        "request": {**body["request"], "public_key": fixed_key("x").public_key.b64},
    }
    assert reject(registered, other_key) == "bad_enrolment_signature"
    assert reject(registered, request_of(registered, actor="nobody-here")) == "unknown_actor"
    assert reject(registered, {**body, "extra": 1}) == "bad_enrolment"
    assert reject(registered, {**body, "sig": "AAAA"}) == "bad_length"
    assert reject(registered, []) == "bad_enrolment"


def test_a_key_already_on_the_log_cannot_enrol(registered: Ledger) -> None:
    registered.append_operator_statement(
        "key", {"actor": "wuchang-coop", "public_key": PHONE.public_key.b64}
    )
    assert reject(registered, request_of(registered)) == "key_exists"


def test_stale_and_future_requests_are_refused(registered: Ledger, clock: StepClock) -> None:
    old = sign_enrolment(PHONE, "wuchang-coop", "old", clock.now - timedelta(days=8))
    assert reject(registered, old.to_json()) == "enrolment_expired"
    ahead = sign_enrolment(PHONE, "wuchang-coop", "ahead", clock.now + timedelta(hours=1))
    assert reject(registered, ahead.to_json()) == "enrolment_in_future"


def test_a_waiting_request_expires(registered: Ledger, clock: StepClock) -> None:
    state, _ = registered.enrolments().submit(request_of(registered))
    clock.now += timedelta(days=8)
    assert registered.enrolments().get(state.key_id).status == "expired"
    assert registered.enrolments().waiting() == []


def test_another_request_for_a_waiting_key_is_a_conflict(registered: Ledger) -> None:
    registered.enrolments().submit(request_of(registered))
    again = sign_enrolment(PHONE, "wuchang-coop", "renamed", registered.clock())
    assert reject(registered, again.to_json()) == "enrolment_exists"


def test_an_unknown_or_malformed_code_is_named(registered: Ledger) -> None:
    with pytest.raises(LedgerError) as caught:
        registered.approve_enrolment("ZZZZ-ZZZZ", "demo")
    assert caught.value.code == "unknown_enrolment"
    with pytest.raises(LedgerError) as caught:
        registered.approve_enrolment("12", "demo")
    assert caught.value.code == "bad_code"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [("7kq2m9xd", "7KQ2-M9XD"), (" 7KQ2 - M9XD ", "7KQ2-M9XD"), ("OIL0-0000", "0110-0000")],
)
def test_typed_codes_are_forgiven_case_spaces_and_lookalikes(typed: str, canonical: str) -> None:
    assert normalise_code(typed) == canonical


def test_the_code_is_bound_to_the_signed_bytes(clock: StepClock) -> None:
    one = sign_enrolment(PHONE, "wuchang-coop", "a", clock.now)
    two = sign_enrolment(PHONE, "wuchang-coop", "b", clock.now)
    assert one.code != two.code
    parsed = parse_enrolment(one.to_json(), clock.now)
    assert parsed.code == one.code and b64encode(parsed.sig) == one.to_json()["sig"]
