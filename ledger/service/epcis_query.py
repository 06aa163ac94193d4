"""Answering EPCIS 2.0 event queries from the indexes (docs/EVENTS.md 13).

Each page is read in index order after the previous page's last entry: the step and time
filters run on ``epcis_events`` (indexed), the identifier filters on the object index; the
candidates' signed payloads are then checked exactly (`ledger.core.epcis_query.matches`),
because the object index also lists an event under its plot and under the lots of the units
it names. Events come out exactly as the export writes them, with the ledger's annotations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from ledger.core.epcis_query import EventQuery, matches
from ledger.core.errors import NotFoundError
from ledger.service.epcis_export import error_declarations, exported_pair
from ledger.service.lineage import parsed_event
from ledger.store.models import EpcisEventRow, LogEntry, ObjectEntry


@dataclass(frozen=True)
class EventPage:
    """One page of a query's answer: exported events, their annotations, and the ledger
    index to continue after (None on the last page)."""

    events: list[dict[str, Any]]
    annotations: list[dict[str, Any]]
    next_after: int | None


def _candidates(query: EventQuery, after: int, limit: int) -> Any:
    sql = (
        select(EpcisEventRow.entry_idx, LogEntry.leaf)
        .join(LogEntry, LogEntry.idx == EpcisEventRow.entry_idx)
        .where(EpcisEventRow.entry_idx > after)
    )
    if query.biz_steps is not None:
        sql = sql.where(EpcisEventRow.biz_step.in_(query.biz_steps))
    if query.ge_time is not None:
        sql = sql.where(EpcisEventRow.event_time >= query.ge_time)
    if query.lt_time is not None:
        sql = sql.where(EpcisEventRow.event_time < query.lt_time)
    for ids in (query.any_epc, query.any_epc_class):
        if ids:
            named = select(ObjectEntry.entry_idx).where(ObjectEntry.object_id.in_(ids))
            sql = sql.where(EpcisEventRow.entry_idx.in_(named))
    return sql.order_by(EpcisEventRow.entry_idx).limit(limit)


def _page(conn: Connection, query: EventQuery) -> EventPage:
    found: list[tuple[int, bytes]] = []
    after = query.after
    want = query.per_page + 1  # one more tells whether there is a next page
    while len(found) < want:
        rows = conn.execute(_candidates(query, after, want)).all()
        for index, leaf in rows:
            if matches(query, parsed_event(leaf)[1]):
                found.append((index, leaf))
        if len(rows) < want:
            break
        after = rows[-1][0]
    more = len(found) > query.per_page
    found = found[: query.per_page]
    declared = error_declarations(conn, [index for index, _ in found])
    pairs = [exported_pair(index, leaf, declared.get(index)) for index, leaf in found]
    return EventPage(
        [event for event, _ in pairs],
        [note for _, note in pairs],
        found[-1][0] if more and found else None,
    )


def query_events(engine: Engine, query: EventQuery) -> EventPage:
    """The page of events matching ``query`` after its position, in log order."""
    with engine.connect() as conn, conn.begin():
        return _page(conn, query)


def event_by_id(engine: Engine, event_id: str) -> EventPage:
    """The event with this eventID (NotFoundError ``no_such_event`` if the log has none)."""
    with engine.connect() as conn, conn.begin():
        rows = conn.execute(
            select(EpcisEventRow.entry_idx, LogEntry.leaf)
            .join(LogEntry, LogEntry.idx == EpcisEventRow.entry_idx)
            .where(EpcisEventRow.event_id == event_id)
            .order_by(EpcisEventRow.entry_idx)
            .limit(1)
        ).all()
        if not rows:
            raise NotFoundError.of("no_such_event", event_id=event_id)
        index, leaf = rows[0]
        event, note = exported_pair(index, leaf, error_declarations(conn, [index]).get(index))
        return EventPage([event], [note], None)
