"""The whole Wuchang rice chain through the real pipeline, then verify, export and reindex."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from ledger import samples as ex
from ledger.core.errors import AuthorisationError, ValidationError
from ledger.core.signing import SigningKey
from ledger.core.statements import sign_statement
from ledger.service.ledger import Ledger
from ledger.store.models import CustodyRow, FlagRow
from tests.support.fixed import ORIGIN, StepClock, fixed_key

# The examples are dated 2024; the sequencer's clock must be later for the time rule.
CHAIN_CLOCK_START = datetime(2024, 11, 1, tzinfo=UTC)


def producer_key(actor: str) -> SigningKey:
    return fixed_key(f"producer:{actor}")


def register_all(ledger: Ledger, operator: SigningKey) -> None:
    statements = []
    for payload in ex.actor_payloads():
        statements.append(sign_statement("actor", payload, operator))
        statements.append(
            sign_statement(
                "key",
                {
                    "actor": payload["actor"],
                    "public_key": producer_key(payload["actor"]).public_key.b64,
                },
                operator,
            )
        )
    ledger.append(statements)


@pytest.fixture
def chain_ledger(engine, operator_key) -> Ledger:  # type: ignore[no-untyped-def]
    ledger = Ledger.create(
        engine, operator_key, ORIGIN, clock=StepClock(CHAIN_CLOCK_START), checkpoint_interval=0
    )
    register_all(ledger, operator_key)
    return ledger


def test_the_whole_chain_is_accepted_and_verifies(chain_ledger: Ledger) -> None:
    for actor, payload in ex.wuchang_chain():
        chain_ledger.append([sign_statement("event", payload, producer_key(actor))])
    assert chain_ledger.size() == 1 + 12 + len(ex.wuchang_chain())
    report = chain_ledger.verify()
    assert report.ok, report.failures
    with chain_ledger.engine.connect() as conn:
        flags = conn.execute(select(FlagRow.code)).scalars().all()
        holder = conn.execute(
            select(CustodyRow.holder).where(CustodyRow.object_id.like("%/00/%"))
        ).scalar_one()
    assert flags == ["temperature_excursion"]
    assert holder == "fresh-mart-sh"
    case_history = chain_ledger.history("https://id.gs1.org/00/" + ex.CASE_SSCC)
    assert len(case_history) >= 4

    out = io.StringIO()
    assert chain_ledger.export(out) == chain_ledger.size()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0]["type"] == "header" and lines[0]["tree_size"] == chain_ledger.size()
    assert sum(1 for line in lines if line["type"] == "entry") == chain_ledger.size()

    assert chain_ledger.reindex() == chain_ledger.size()
    with chain_ledger.engine.connect() as conn:
        assert conn.execute(select(FlagRow.code)).scalars().all() == ["temperature_excursion"]
    assert chain_ledger.verify().ok


def test_posting_about_goods_held_by_someone_else_is_rejected(chain_ledger: Ledger) -> None:
    chain = ex.wuchang_chain()
    for actor, payload in chain[:4]:  # up to the harvest: the co-op holds the paddy
        chain_ledger.append([sign_statement("event", payload, producer_key(actor))])
    size = chain_ledger.size()
    # The mill ships the co-op's paddy: the mill may ship, but it does not hold it.
    with pytest.raises(AuthorisationError) as err:
        chain_ledger.append([sign_statement("event", chain[4][1], producer_key("wuchang-mill"))])
    assert err.value.code == "not_in_custody"
    # A lab may not ship at all.
    with pytest.raises(AuthorisationError) as err:
        chain_ledger.append([sign_statement("event", chain[4][1], producer_key("hlj-lab"))])
    assert err.value.code == "role_not_permitted"
    assert chain_ledger.size() == size


def test_events_from_unknown_or_revoked_keys_are_rejected(
    chain_ledger: Ledger, operator_key: SigningKey
) -> None:
    sowing = ex.wuchang_chain()[0][1]
    with pytest.raises(AuthorisationError) as err:
        chain_ledger.append([sign_statement("event", sowing, fixed_key("stranger"))])
    assert err.value.code == "unknown_key"
    coop = producer_key("wuchang-coop")
    chain_ledger.append(
        [
            sign_statement(
                "revoke",
                {
                    "actor": "wuchang-coop",
                    "key_id": coop.public_key.key_id,
                    "effective": "2024-10-01T00:00:00.000Z",
                    "reason": "phone lost",
                },
                operator_key,
            )
        ]
    )
    with pytest.raises(AuthorisationError) as err:
        chain_ledger.append([sign_statement("event", sowing, coop)])
    assert err.value.code == "key_revoked"


def test_an_event_dated_in_the_future_is_rejected(chain_ledger: Ledger) -> None:
    payload = dict(ex.wuchang_chain()[0][1], eventTime="2024-12-20T08:00:00+08:00")
    with pytest.raises(ValidationError) as err:
        chain_ledger.append([sign_statement("event", payload, producer_key("wuchang-coop"))])
    assert err.value.code == "event_in_future"


def test_a_unit_history_is_found_with_or_without_its_lot(chain_ledger: Ledger) -> None:
    for actor, payload in ex.wuchang_chain():
        chain_ledger.append([sign_statement("event", payload, producer_key(actor))])
    with_lot = chain_ledger.history(ex.bag_ids()[0])
    without_lot = chain_ledger.history(ex.bag_keys()[0])
    assert [e.index for e in with_lot] == [e.index for e in without_lot]
    assert len(with_lot) >= 3  # bagged, packed, shipped in its case... and sold
