"""Writing the log as an export file (FORMAT.md section 8): JSON Lines, streamed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import IO

from sqlalchemy import Connection, Engine, select

from ledger.core.note import NoteVerifier
from ledger.core.signing import b64encode
from ledger.store.models import CheckpointRecord, LogEntry

PAGE = 5000
Progress = Callable[[int, int], None]


def iter_entries(conn: Connection, page: int = PAGE) -> Iterator[tuple[int, bytes]]:
    """Every (index, entry bytes) in order, read a page at a time (flat memory)."""
    start = 0
    while True:
        rows = conn.execute(
            select(LogEntry.idx, LogEntry.leaf)
            .where(LogEntry.idx >= start)
            .order_by(LogEntry.idx)
            .limit(page)
        ).all()
        if not rows:
            return
        for row in rows:
            yield row.idx, row.leaf
        start = rows[-1].idx + 1


def checkpoints_by_size(conn: Connection, upto: int) -> dict[int, list[str]]:
    """Signed notes of every checkpoint up to size ``upto``, grouped by size, in signing order."""
    grouped: dict[int, list[str]] = {}
    rows = conn.execute(
        select(CheckpointRecord.tree_size, CheckpointRecord.note)
        .where(CheckpointRecord.tree_size <= upto)
        .order_by(CheckpointRecord.id)
    )
    for row in rows:
        grouped.setdefault(row.tree_size, []).append(row.note)
    return grouped


def _line(obj: dict[str, object]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_export(
    engine: Engine, operator: NoteVerifier, out: IO[str], progress: Progress | None = None
) -> int:
    """Write the whole log and its checkpoints to ``out``; return the number of entries."""
    # One read transaction: a consistent snapshot even while appends go on.
    with engine.connect() as conn, conn.begin():
        top = conn.execute(select(LogEntry.idx).order_by(LogEntry.idx.desc()).limit(1)).scalar()
        size = 0 if top is None else top + 1
        checkpoints = checkpoints_by_size(conn, size)
        out.write(
            _line(
                {
                    "type": "header",
                    "format": "traceledger-export",
                    "v": 1,
                    "origin": operator.name,
                    "verifier_key": operator.vkey,
                    "tree_size": size,
                }
            )
        )
        for note in checkpoints.get(0, []):
            out.write(_line({"type": "checkpoint", "note": note}))
        for index, leaf in iter_entries(conn):
            if index >= size:
                break
            out.write(_line({"type": "entry", "index": index, "leaf": b64encode(leaf)}))
            for note in checkpoints.get(index + 1, []):
                out.write(_line({"type": "checkpoint", "note": note}))
            if progress is not None and (index + 1) % PAGE == 0:
                progress(index + 1, size)
    if progress is not None:
        progress(size, size)
    return size
