"""Several processes appending at once never fork or reorder the chain (SQLite and PostgreSQL)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from ledger.core.gs1_syntax import check_digit
from ledger.core.note import NoteSigner
from ledger.core.statements import sign_statement
from ledger.service.ledger import Ledger
from ledger.store.db import make_engine
from tests.support.databases import drop_schema, make_test_engine
from tests.support.fixed import ORIGIN, fixed_key

WRITERS = 4
PER_WRITER = 40


def _writer(url: str, connect_args: dict[str, str], writer: int) -> list[int]:
    engine = make_engine(url, connect_args=connect_args)
    operator = fixed_key("operator")
    ledger = Ledger(engine, signer=NoteSigner(ORIGIN, operator), checkpoint_interval=0)
    indexes = []
    for i in range(PER_WRITER):
        body = f"69{writer:02d}{i:08d}"
        gln = body + str(check_digit(body))
        statement = sign_statement(
            "actor",
            {"actor": f"w{writer}-a{i}", "name": "n", "roles": ["farm"], "region": "r", "gln": gln},
            operator,
        )
        indexes.append(ledger.append([statement])[0].index)
    engine.dispose()
    return indexes


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_concurrent_writers_keep_one_chain(kind: str, tmp_path: Path) -> None:
    engine, schema_name = make_test_engine(kind, tmp_path)
    try:
        ledger = Ledger.create(engine, fixed_key("operator"), ORIGIN, checkpoint_interval=0)
        url = engine.url.render_as_string(hide_password=False)
        connect_args = {} if schema_name is None else {"options": f"-csearch_path={schema_name}"}
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(WRITERS) as pool:
            results = pool.starmap(_writer, [(url, connect_args, w) for w in range(WRITERS)])
        indexes = sorted(i for r in results for i in r)
        assert indexes == list(range(1, 1 + WRITERS * PER_WRITER))
        for r in results:
            assert r == sorted(r)  # each writer's own appends keep their order
        report = ledger.verify()
        assert report.ok, report.failures[:5]
        assert report.entries == 1 + WRITERS * PER_WRITER
        assert report.checkpoints >= 1
    finally:
        engine.dispose()
        if schema_name is not None:
            drop_schema(schema_name)
