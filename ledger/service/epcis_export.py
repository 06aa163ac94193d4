"""Writing the ledger's events as one EPCIS 2.0 JSON-LD document (docs/EVENTS.md section 11).

Streamed: the document's head, then one event at a time as the log is read a page at a
time, then the ledger's annotation of each event (epcisHeader, written after the body: JSON
members have no order) and the tail. The annotations wait in a spooled temporary file,
so memory stays flat however long the log. The mapping is `ledger.core.epcis`, the GS1
event hash `ledger.core.event_hash`; this module only reads the store.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from typing import IO, Any

from sqlalchemy import Connection, Engine, select

from ledger.core import epcis, gs1
from ledger.core.entries import parse_entry
from ledger.core.errors import NotFoundError
from ledger.service.recalls import corrections_of
from ledger.store.models import LogEntry, ObjectEntry

PAGE = 1000
_SPOOL = 4 * 1024 * 1024  # annotations kept in memory up to this many characters


def _event_pages(
    conn: Connection, object_id: str | None, page: int
) -> Iterator[list[tuple[int, bytes]]]:
    """Pages of (index, entry bytes) of every event entry, or of those naming ``object_id``,
    in log order.

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
        yield [(row.idx, row.leaf) for row in rows]
        start = rows[-1].idx + 1


def error_declarations(
    conn: Connection, indexes: list[int], tree_size: int | None = None
) -> dict[int, Mapping[str, Any]]:
    """The EPCIS ``errorDeclaration`` of each of these event entries that a ``correction``
    (FORMAT.md 3.8) declared erroneous, by index: the one place corrections plug into the
    export and the query interface. The declaration time is the correction entry's time."""
    out: dict[int, Mapping[str, Any]] = {}
    for index, note in corrections_of(conn, indexes, tree_size).items():
        declaration: dict[str, Any] = {
            "declarationTime": note.entry.time,
            "reason": note.correction.reason,
        }
        if note.correction.corrective_event_ids:
            declaration["correctiveEventIDs"] = list(note.correction.corrective_event_ids)
        declaration["tl:explanation"] = note.correction.explanation
        declaration["tl:correctionIndex"] = note.entry.index
        out[index] = declaration
    return out


def exported_pair(
    index: int, leaf: bytes, declaration: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One event entry as exported: the EPCIS event and the ledger's annotation of it."""
    entry = parse_entry(leaf)
    event = epcis.export_event(
        entry.statement.payload, record_time=entry.time, error_declaration=declaration
    )
    return event, epcis.ledger_annotation(event, ledger_index=index)


def write_epcis(
    engine: Engine, out: IO[str], *, object_id: str | None = None, creation_date: str
) -> int:
    """Write the log's events (or one object's history) to ``out`` as an EPCISDocument.

    Each event is `ledger.core.epcis.export_event` of the entry's signed payload: its own
    ``eventID`` and ``recordTime`` (the entry's time); the document's ``epcisHeader`` maps
    each event to ``tl:ledgerIndex`` (the entry's index) and ``tl:eventHash`` (the GS1 event
    hash). ``creation_date`` is the document's creationDate (RFC 3339; the caller's clock).
    With ``object_id`` (a GS1 Digital Link, canonicalised first) only the entries the object
    index lists for it are written; `NotFoundError` if there are none, before anything is
    written. Returns the number of events written.
    """
    head, middle, tail = epcis.document_frame(creation_date)  # checks creation_date first
    key = (
        None
        if object_id is None
        else gs1.parse_identifier(object_id, field="object_id").object_key()
    )
    # One read transaction: a consistent snapshot while appends go on.
    with (
        engine.connect() as conn,
        conn.begin(),
        tempfile.SpooledTemporaryFile(_SPOOL, mode="w+", encoding="utf-8") as notes,
    ):
        if key is not None:
            known = conn.execute(
                select(ObjectEntry.entry_idx).where(ObjectEntry.object_id == key).limit(1)
            ).first()
            if known is None:
                raise NotFoundError(f"the ledger has no events about {key}", code="unknown_object")
        out.write(head)
        count = 0
        for rows in _event_pages(conn, key, PAGE):
            declared = error_declarations(conn, [index for index, _ in rows])
            for index, leaf in rows:
                event, note = exported_pair(index, leaf, declared.get(index))
                separator = ("," if count else "") + "\n"
                out.write(separator + json.dumps(event, ensure_ascii=False, separators=(",", ":")))
                notes.write(separator + json.dumps(note, ensure_ascii=False, separators=(",", ":")))
                count += 1
        out.write("\n" + middle)
        notes.seek(0)
        shutil.copyfileobj(notes, out)
        out.write("\n" + tail + "\n")
    return count
