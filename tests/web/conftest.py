"""Fixtures for the web tests: a small ledger on a temporary SQLite file, fixed keys and clock.

The ledger holds a genesis entry, three actors (a farm co-operative, a carrier, a mill),
a key for each, and a second farm key that is already revoked.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger import samples as ex
from ledger.core.signing import SigningKey
from ledger.core.statements import Statement, sign_statement
from ledger.core.timefmt import format_time
from ledger.service.ledger import Ledger
from ledger.store.db import make_engine
from tests.support.fixed import ORIGIN, fixed_key
from web import create_app

NOW = datetime(2024, 11, 1, 0, 0, tzinfo=UTC)  # after every example event of the chain


OPERATOR = fixed_key("operator")
FARM = fixed_key("farm")
CARRIER = fixed_key("carrier")
MILL = fixed_key("mill")
REVOKED = fixed_key("farm-old")
STRANGER = fixed_key("stranger")  # never registered


def fixed_clock() -> datetime:
    return NOW


def operator_statement(kind: str, payload: dict[str, Any]) -> Statement:
    """A statement of ``kind`` signed by the operator."""
    return sign_statement(kind, payload, OPERATOR)


def registry_statements() -> list[Statement]:
    """Actors, their keys, and one revoked key."""
    actors = {a["actor"]: a for a in ex.actor_payloads()}
    statements = [
        operator_statement("actor", actors[name])
        for name in ("wuchang-coop", "coldchain-express", "wuchang-mill")
    ]
    for actor, key in (
        ("wuchang-coop", FARM),
        ("coldchain-express", CARRIER),
        ("wuchang-mill", MILL),
        ("wuchang-coop", REVOKED),
    ):
        statements.append(
            operator_statement("key", {"actor": actor, "public_key": key.public_key.b64})
        )
    statements.append(
        operator_statement(
            "revoke",
            {
                "actor": "wuchang-coop",
                "key_id": REVOKED.public_key.key_id,
                "effective": format_time(NOW - timedelta(days=1)),
                "reason": "phone lost",
            },
        )
    )
    return statements


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated ledger file; each test copies it (Alembic once, not per test)."""
    path = tmp_path_factory.mktemp("template") / "ledger.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    ledger = Ledger.create(engine, OPERATOR, ORIGIN, clock=fixed_clock)
    ledger.append(registry_statements())
    ledger.checkpoint()
    engine.dispose()
    return path


@pytest.fixture
def ledger(template_db: Path, tmp_path: Path) -> Iterator[Ledger]:
    """A fresh copy of the template ledger, able to sign checkpoints."""
    path = tmp_path / "ledger.sqlite3"
    shutil.copyfile(template_db, path)
    engine = make_engine(f"sqlite:///{path}")
    opened = Ledger.create(engine, OPERATOR, ORIGIN, clock=fixed_clock)
    yield opened
    engine.dispose()


@pytest.fixture
def app(ledger: Ledger) -> Flask:
    return create_app({"TESTING": True, "LEDGER": ledger})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def event(payload: dict[str, Any], key: SigningKey = FARM) -> dict[str, Any]:
    """An event statement as JSON, signed by ``key``."""
    return sign_statement("event", payload, key).to_json()


def harvest(lot: str = "LOT-1", **changes: Any) -> dict[str, Any]:
    """A commissioning event of a new paddy lot (a fresh event ID per lot)."""
    return ex.harvest(lot=lot, eid=ex.event_id("harvest-" + lot), **changes)


@pytest.fixture
def demo_ledger_copy(demo_template: tuple[Path, Path], tmp_path: Path) -> Iterator[Ledger]:
    """A private copy of the demo ledger (scan pages write scan counts)."""
    path = tmp_path / "demo.sqlite3"
    shutil.copyfile(demo_template[0], path)
    engine = make_engine(f"sqlite:///{path}")
    yield Ledger(engine)
    engine.dispose()


@pytest.fixture
def demo_client(demo_ledger_copy: Ledger) -> FlaskClient:
    return create_app({"TESTING": True, "LEDGER": demo_ledger_copy}).test_client()
