"""`ledger verify` catches direct edits of the database and names the entry.

The ledger is built once (the whole Wuchang chain) and copied for each case, so every
tamper starts from the same honest state.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from ledger import samples as ex
from ledger.core.statements import sign_statement
from ledger.service.ledger import Ledger
from ledger.store.db import make_engine
from tests.service.test_chain import CHAIN_CLOCK_START, producer_key, register_all
from tests.support.fixed import ORIGIN, StepClock, fixed_key

TARGET = 20  # an event entry in the middle of the chain (the carrier's transport)


@pytest.fixture(scope="module")
def honest_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("honest") / "ledger.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    ledger = Ledger.create(
        engine,
        fixed_key("operator"),
        ORIGIN,
        clock=StepClock(CHAIN_CLOCK_START),
        checkpoint_interval=0,
    )
    register_all(ledger, fixed_key("operator"))
    for actor, payload in ex.wuchang_chain():
        ledger.append([sign_statement("event", payload, producer_key(actor))])
    assert ledger.verify().ok
    engine.dispose()
    return path


def flip_in_leaf(conn: Connection, index: int, needle: bytes) -> None:
    leaf = conn.execute(
        text("SELECT leaf FROM log_entries WHERE idx = :i"), {"i": index}
    ).scalar_one()
    at = leaf.index(needle) + len(needle)
    tampered = leaf[:at] + bytes([leaf[at] ^ 0x01]) + leaf[at + 1 :]
    conn.execute(
        text("UPDATE log_entries SET leaf = :l WHERE idx = :i"), {"l": tampered, "i": index}
    )


def sql(statement: str) -> Callable[[Connection], None]:
    return lambda conn: conn.execute(text(statement), {"i": TARGET})


CASES: dict[str, tuple[Callable[[Connection], None], int | None]] = {
    # Each stored column of the log table, edited directly.
    "column idx": (sql("UPDATE log_entries SET idx = 1000 WHERE idx = :i"), TARGET),
    "column entry_hash": (
        sql("UPDATE log_entries SET entry_hash = randomblob(32) WHERE idx = :i"),
        TARGET,
    ),
    "column prev_hash": (
        sql("UPDATE log_entries SET prev_hash = randomblob(32) WHERE idx = :i"),
        TARGET,
    ),
    "column statement_id": (
        sql("UPDATE log_entries SET statement_id = randomblob(32) WHERE idx = :i"),
        TARGET,
    ),
    "column kind": (sql("UPDATE log_entries SET kind = 'actor' WHERE idx = :i"), TARGET),
    "column signer": (
        sql("UPDATE log_entries SET signer = '00000000000000000000000000000000' WHERE idx = :i"),
        TARGET,
    ),
    "column time": (
        sql("UPDATE log_entries SET time = '2030-01-01T00:00:00.000Z' WHERE idx = :i"),
        TARGET,
    ),
    "column leaf as text": (
        sql("UPDATE log_entries SET leaf = CAST(leaf AS TEXT) WHERE idx = :i"),
        TARGET,
    ),
    # A flipped byte in each field of the entry bytes, for each kind of entry.
    "genesis origin": (lambda c: flip_in_leaf(c, 0, b'"origin":"'), 0),
    "actor name": (lambda c: flip_in_leaf(c, 1, b'"name":"'), 1),
    "actor roles": (lambda c: flip_in_leaf(c, 1, b'"roles":["'), 1),
    "key public_key": (lambda c: flip_in_leaf(c, 2, b'"public_key":"'), 2),
    "event eventTime": (lambda c: flip_in_leaf(c, TARGET, b'"eventTime":"'), TARGET),
    "event reading": (lambda c: flip_in_leaf(c, TARGET, b'"value":'), TARGET),
    "entry index": (lambda c: flip_in_leaf(c, TARGET, b'"index":'), TARGET),
    "entry prev": (lambda c: flip_in_leaf(c, TARGET, b'"prev":"'), TARGET),
    "entry time": (lambda c: flip_in_leaf(c, TARGET, b'"time":"2'), TARGET),
    "entry v": (lambda c: flip_in_leaf(c, TARGET, b'"v":'), TARGET),
    "statement kind": (lambda c: flip_in_leaf(c, TARGET, b'"kind":"'), TARGET),
    "statement signer": (lambda c: flip_in_leaf(c, TARGET, b'"signer":"'), TARGET),
    "statement sig": (lambda c: flip_in_leaf(c, TARGET, b'"sig":"'), TARGET),
    # Whole entries dropped, reordered, duplicated or inserted.
    "dropped entry": (sql("DELETE FROM log_entries WHERE idx = :i"), TARGET),
    "duplicated entry": (
        sql(
            "UPDATE log_entries SET leaf = (SELECT leaf FROM log_entries WHERE idx = :i - 1) "
            "WHERE idx = :i"
        ),
        TARGET,
    ),
    "swapped entries": (
        lambda c: (
            c.execute(text("UPDATE log_entries SET idx = -1 WHERE idx = :i"), {"i": TARGET}),
            c.execute(text("UPDATE log_entries SET idx = :i WHERE idx = :i + 1"), {"i": TARGET}),
            c.execute(text("UPDATE log_entries SET idx = :i + 1 WHERE idx = -1"), {"i": TARGET}),
        ),
        TARGET,
    ),
    "truncated log": (sql("DELETE FROM log_entries WHERE idx >= :i"), None),
    "Merkle node": (
        sql("UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 1 AND idx = :i / 2"),
        TARGET,
    ),
    "checkpoint note": (
        lambda c: c.execute(
            text(
                "UPDATE checkpoints SET note = replace(note, char(10) || '2', char(10) || '3') "
                "WHERE id = (SELECT max(id) FROM checkpoints)"
            )
        ),
        None,
    ),
}


# Where blame rightly spreads: entries after a removed one are out of place, and events
# signed by a key whose registration was damaged are no longer authorised.
SPREADING = {
    "dropped entry",
    "truncated log",
    "column idx",
    "swapped entries",
    "actor name",
    "actor roles",
    "key public_key",
}


@pytest.mark.parametrize("name", list(CASES))
def test_verify_names_the_tampered_entry(name: str, honest_db: Path, tmp_path: Path) -> None:
    tamper, index = CASES[name]
    path = tmp_path / "tampered.sqlite3"
    shutil.copy(honest_db, path)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        tamper(conn)
    report = Ledger(engine).verify()
    engine.dispose()
    assert not report.ok, name
    if index is None:
        return
    blamed = sorted({f.index for f in report.failures if f.index is not None})
    if name in SPREADING:
        assert blamed[0] == index, report.failures
    else:
        # One tampered entry is blamed on itself (and at most its successor's chain link),
        # not on the rest of the log.
        assert index in blamed and set(blamed) <= {index, index + 1}, report.failures
