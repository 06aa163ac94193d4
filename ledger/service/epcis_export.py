"""Writing the ledger's events as one EPCIS 2.0 JSON-LD document (docs/EVENTS.md section 11).

Streamed: the document's head, then one event at a time as the log is read a page at a
time, then its tail, so memory stays flat however long the log. The mapping is
`ledger.core.epcis`, the GS1 event hash `ledger.core.event_hash`; this module only reads
the store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO

from sqlalchemy import Connection, Engine, select

from ledger.core import epcis, gs1
from ledger.core.entries import parse_entry
from ledger.core.errors import NotFoundError
from ledger.store.models import LogEntry, ObjectEntry

PAGE = 1000


def _event_leaves(
    conn: Connection, object_id: str | None, page: int
) -> Iterator[tuple[int, bytes]]:
    """(index, entry bytes) of every event entry, or of those naming ``object_id``, in log order.

    Pages are keyed on the index (not OFFSET), so each page is one indexed range read.
    """
    query = select(LogEntry.idx, LogEntry.leaf).where(LogEntry.kind == "event")
    if object_id is not None:
        query = query.join(ObjectEntry, ObjectEntry.entry_idx == LogEntry.idx).where(
            ObjectEntry.object_id == object_id
        )
    start = 0
    while True:
        rows = conn.execute(
            query.where(LogEntry.idx >= start).order_by(LogEntry.idx).limit(page)
        ).all()
        if not rows:
            return
        for row in rows:
            yield row.idx, row.leaf
        start = rows[-1].idx + 1


def write_epcis(
    engine: Engine, out: IO[str], *, object_id: str | None = None, creation_date: str
) -> int:
    """Write the log's events (or one object's history) to ``out`` as an EPCISDocument.

    Each event is `ledger.core.epcis.export_event` of the entry's signed payload: its own
    ``eventID``, ``recordTime`` (the entry's time), ``tl:eventHash`` (the GS1 event hash)
    and ``tl:ledgerIndex`` (the entry's index). ``creation_date`` is the document's
    creationDate (RFC 3339; the caller's clock). With ``object_id`` (a GS1 Digital Link,
    canonicalised first) only the entries the object index lists for it are written;
    `NotFoundError` if there are none, before anything is written. Returns the number of
    events written.
    """
    head, tail = epcis.document_frame(creation_date)  # checks creation_date first
    key = (
        None
        if object_id is None
        else gs1.parse_identifier(object_id, field="object_id").object_key()
    )
    # One read transaction: a consistent snapshot while appends go on.
    with engine.connect() as conn, conn.begin():
        if key is not None:
            known = conn.execute(
                select(ObjectEntry.entry_idx).where(ObjectEntry.object_id == key).limit(1)
            ).first()
            if known is None:
                raise NotFoundError(f"the ledger has no events about {key}", code="unknown_object")
        out.write(head)
        count = 0
        for index, leaf in _event_leaves(conn, key, PAGE):
            entry = parse_entry(leaf)
            event = epcis.export_event(
                entry.statement.payload, ledger_index=index, record_time=entry.time
            )
            out.write(
                ("," if count else "")
                + "\n"
                + json.dumps(event, ensure_ascii=False, separators=(",", ":"))
            )
            count += 1
        out.write("\n" + tail + "\n")
    return count
