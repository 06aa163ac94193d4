"""An actor's public record (信用) as of a tree size: counts of its facts, each with the log
entries behind it (docs/RECORD.md).

Read from ``actor_facts`` (kept on append, rebuilt by ``ledger reindex``): a page view costs
a few indexed queries, never a scan of the log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, distinct, func, select

from ledger.core.entries import Entry, parse_entry
from ledger.core.errors import NotFoundError
from ledger.service import record_facts as facts
from ledger.service.complaints import complaint_counts
from ledger.store.models import ActorFactRow, ActorRow, LogEntry, RecallRow

MAX_LISTED = 500  # entries listed per figure (the newest); the count is always complete

# Each figure: the fact kind it counts, and whether it counts distinct subjects (lots,
# recalls) rather than entries.
FIGURES: dict[str, tuple[str, bool]] = {
    "lots_made": (facts.MADE, True),
    "lots_handled": (facts.HANDLED, True),
    "inspections_passed": (facts.INSPECTION_PASSED, False),
    "inspections_failed": (facts.INSPECTION_FAILED, False),
    "tests_passed": (facts.TESTED_PASSED, False),
    "tests_failed": (facts.TESTED_FAILED, False),
    "cold_chain_excursions": (facts.EXCURSION, False),
    "pre_harvest_intervals": (facts.PRE_HARVEST, False),
    "recalls": (facts.RECALL, True),
    "corrections": (facts.CORRECTION, False),
    "complaints": (facts.COMPLAINT, False),  # answered on the log, by outcome below
    "complaints_refunded": (facts.COMPLAINT_REFUNDED, False),
    "complaints_escalated": (facts.COMPLAINT_ESCALATED, False),
}


@dataclass(frozen=True)
class Figure:
    """One figure of a record: how many, and the newest entries behind it (log order)."""

    count: int
    entries: tuple[int, ...]
    entry_count: int  # how many entries are behind it (``entries`` lists at most MAX_LISTED)

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "entries": list(self.entries),
            "entry_count": self.entry_count,
            "complete": len(self.entries) == self.entry_count,
        }


@dataclass(frozen=True)
class Record:
    """An actor's public record as of ``tree_size``: who it is and its figures."""

    actor: str
    name: str
    name_en: str | None
    roles: tuple[str, ...]
    region: str
    gln: str
    registered: int  # the entry that registered it
    member_since: str  # that entry's time (UTC, RFC 3339)
    tree_size: int
    figures: dict[str, Figure]
    recalls_in_force: tuple[str, ...]  # recall IDs among ``recalls`` still in force
    # Complaints concerning it that wait for an answer: kept off the log (docs/COMPLAINTS.md),
    # so this is the one figure not read from the log; answered ones are (``complaints``).
    complaints_open: int = 0

    def count(self, name: str) -> int:
        return self.figures[name].count

    def to_json(self) -> dict[str, Any]:
        """The record as ``GET /api/v1/actors/{actor}/record`` answers it."""
        return {
            "actor": self.actor,
            "name": self.name,
            "name_en": self.name_en,
            "roles": list(self.roles),
            "region": self.region,
            "gln": self.gln,
            "member_since": {"time": self.member_since, "entry": self.registered},
            "tree_size": self.tree_size,
            "figures": {name: figure.to_json() for name, figure in self.figures.items()},
            "recalls_in_force": list(self.recalls_in_force),
            "complaints_open": self.complaints_open,
        }


def actor_record(conn: Connection, actor: str, tree_size: int) -> Record:
    """The record of ``actor`` from the facts below ``tree_size``; 404 ``no_such_actor`` if
    it was not registered by then."""
    row = conn.execute(
        select(
            ActorRow.actor,
            ActorRow.name,
            ActorRow.roles,
            ActorRow.region,
            ActorRow.gln,
            ActorRow.entry_idx,
            LogEntry.time,
            LogEntry.leaf,
        )
        .join(LogEntry, LogEntry.idx == ActorRow.entry_idx)
        .where(ActorRow.actor == actor, ActorRow.entry_idx < tree_size)
    ).first()
    if row is None:
        raise NotFoundError.of("no_such_actor", actor=actor[:63])
    name_en = parse_entry(row.leaf).statement.payload.get("name_en")
    mine = (ActorFactRow.actor == actor, ActorFactRow.entry_idx < tree_size)
    totals = {
        r.kind: (int(r.subjects), int(r.entries))
        for r in conn.execute(
            select(
                ActorFactRow.kind,
                func.count(distinct(ActorFactRow.subject)).label("subjects"),
                func.count(distinct(ActorFactRow.entry_idx)).label("entries"),
            )
            .where(*mine)
            .group_by(ActorFactRow.kind)
        )
    }
    figures = {}
    for name, (kind, by_subject) in FIGURES.items():
        subjects, entry_count = totals.get(kind, (0, 0))
        listed: tuple[int, ...] = ()
        if entry_count:
            newest = conn.execute(
                select(ActorFactRow.entry_idx)
                .distinct()
                .where(*mine, ActorFactRow.kind == kind)
                .order_by(ActorFactRow.entry_idx.desc())
                .limit(MAX_LISTED)
            ).scalars()
            listed = tuple(sorted(int(i) for i in newest))
        figures[name] = Figure(subjects if by_subject else entry_count, listed, entry_count)
    return Record(
        actor=row.actor,
        name=row.name,
        name_en=name_en if isinstance(name_en, str) else None,
        roles=tuple(row.roles.split()),
        region=row.region,
        gln=row.gln,
        registered=row.entry_idx,
        member_since=row.time,
        tree_size=tree_size,
        figures=figures,
        recalls_in_force=_in_force(conn, actor, tree_size),
        complaints_open=complaint_counts(conn, actor, tree_size)["open"],
    )


def _in_force(conn: Connection, actor: str, tree_size: int) -> tuple[str, ...]:
    """The recalls on the actor's record whose latest statement below ``tree_size`` is not
    a closing one."""
    ids = {
        recall_id
        for recall_id in conn.execute(
            select(ActorFactRow.subject).where(
                ActorFactRow.actor == actor,
                ActorFactRow.kind == facts.RECALL,
                ActorFactRow.entry_idx < tree_size,
            )
        ).scalars()
        if recall_id is not None
    }
    if not ids:
        return ()
    latest: dict[str, str] = {}
    for recall_id, status in conn.execute(
        select(RecallRow.recall_id, RecallRow.status)
        .where(RecallRow.recall_id.in_(sorted(ids)), RecallRow.entry_idx < tree_size)
        .order_by(RecallRow.entry_idx)
    ):
        latest[recall_id] = status
    return tuple(sorted(r for r, status in latest.items() if status != "closed"))


def entries_at(conn: Connection, indices: Iterable[int]) -> list[Entry]:
    """The entries at ``indices`` (those the log holds), parsed, in log order."""
    wanted = sorted(set(indices))
    if not wanted:
        return []
    rows = conn.execute(
        select(LogEntry.leaf).where(LogEntry.idx.in_(wanted)).order_by(LogEntry.idx)
    )
    return [parse_entry(row.leaf) for row in rows]
