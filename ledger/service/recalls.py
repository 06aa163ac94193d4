"""Recalls and corrections as the log leaves them at a tree size (FORMAT.md 3.7, 3.8).

The derived tables (``recall_statements``, ``recall_objects``, ``recall_products``,
``corrections``) only find entries; what a recall says is read from its latest statement's
own bytes, so a page shows exactly what was signed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, func, select

from ledger.core.correction import Correction, parse_correction
from ledger.core.entries import Entry, parse_entry
from ledger.core.errors import NotFoundError
from ledger.core.recall import RecallNotice, parse_recall
from ledger.store.models import (
    ActorRow,
    CorrectionRow,
    LogEntry,
    RecallObjectRow,
    RecallProductRow,
    RecallRow,
)


@dataclass(frozen=True)
class Recall:
    """A recall as of a tree size: its latest statement, and every statement of it so far."""

    notice: RecallNotice
    actor: str
    actor_name: str
    statements: tuple[Entry, ...]  # in log order; the last one is ``notice``

    @property
    def recall_id(self) -> str:
        return self.notice.recall_id

    @property
    def opened(self) -> Entry:
        return self.statements[0]

    @property
    def latest(self) -> Entry:
        return self.statements[-1]

    def to_json(self) -> dict[str, object]:
        """The recall as the API lists it."""
        notice = self.notice
        return {
            "recall": notice.recall_id,
            "status": notice.status,
            "in_force": notice.in_force,
            "level": notice.level.number,
            "level_name": {"zh": notice.level.name_zh, "en": notice.level.name_en},
            "start_within_hours": notice.level.start_hours,
            "complete_within_working_days": notice.level.complete_working_days,
            "reason": dict(notice.reason),
            "action": dict(notice.action),
            "objects": list(notice.objects),
            "products": [
                {"gtin": p.gtin, "from": p.first.isoformat(), "to": p.last.isoformat()}
                for p in notice.products
            ],
            "note": notice.note,
            "actor": self.actor,
            "actor_name": self.actor_name,
            "opened": self.opened.time,
            "updated": self.latest.time,
            "entries": [e.index for e in self.statements],
        }


@dataclass(frozen=True)
class CorrectionNote:
    """A correction: the erroneous event's entry index, and the correction's entry."""

    target: int
    entry: Entry
    correction: Correction
    by: str | None  # the actor, or None for the operator


def _load(conn: Connection, indices: Iterable[int]) -> dict[int, Entry]:
    wanted = sorted(set(indices))
    if not wanted:
        return {}
    rows = conn.execute(select(LogEntry.leaf).where(LogEntry.idx.in_(wanted)))
    return {(e := parse_entry(row.leaf)).index: e for row in rows}


def _recalls(conn: Connection, recall_ids: Collection[str], tree_size: int) -> list[Recall]:
    if not recall_ids:
        return []
    rows = conn.execute(
        select(RecallRow.entry_idx, RecallRow.recall_id, RecallRow.actor)
        .where(RecallRow.recall_id.in_(sorted(recall_ids)), RecallRow.entry_idx < tree_size)
        .order_by(RecallRow.entry_idx)
    ).all()
    entries = _load(conn, (r.entry_idx for r in rows))
    by_id: dict[str, list[int]] = {}
    opener: dict[str, str] = {}
    for row in rows:
        by_id.setdefault(row.recall_id, []).append(row.entry_idx)
        opener.setdefault(row.recall_id, row.actor)
    names = {
        row.actor: row.name
        for row in conn.execute(
            select(ActorRow.actor, ActorRow.name).where(ActorRow.actor.in_(set(opener.values())))
        )
    }
    out = []
    for recall_id, indices in by_id.items():
        statements = tuple(entries[i] for i in indices)
        notice = parse_recall(statements[-1].statement.payload)
        actor = opener[recall_id]
        out.append(Recall(notice, actor, names.get(actor, actor), statements))
    # Recalls in force first, the most serious level first, then the newest.
    out.sort(key=lambda r: (not r.notice.in_force, r.notice.level.number, -r.latest.index))
    return out


def recalls_reaching(
    conn: Connection,
    object_ids: Collection[str],
    lots: Mapping[str, tuple[str, date]],
    tree_size: int,
) -> list[Recall]:
    """The recalls whose latest statement below ``tree_size`` names one of ``object_ids`` or
    a product range covering one of ``lots`` (lot ID -> (GTIN, production day)); closed ones
    included, in force first (FORMAT.md 3.7, "what a recall reaches")."""
    candidates: set[int] = set()
    if object_ids:
        candidates |= set(
            conn.execute(
                select(RecallObjectRow.entry_idx).where(
                    RecallObjectRow.object_id.in_(sorted(object_ids)),
                    RecallObjectRow.entry_idx < tree_size,
                )
            ).scalars()
        )
    gtins = {gtin for gtin, _ in lots.values()}
    if gtins:
        candidates |= set(
            conn.execute(
                select(RecallProductRow.entry_idx).where(
                    RecallProductRow.gtin.in_(sorted(gtins)),
                    RecallProductRow.entry_idx < tree_size,
                )
            ).scalars()
        )
    if not candidates:
        return []
    ids = set(
        conn.execute(
            select(RecallRow.recall_id).where(RecallRow.entry_idx.in_(sorted(candidates)))
        ).scalars()
    )
    # An update may drop an object: a recall reaches what its latest statement names.
    return [
        r
        for r in _recalls(conn, ids, tree_size)
        if r.notice.names_any(object_ids)
        or any(r.notice.covers_lot(gtin, day) for gtin, day in lots.values())
    ]


def newest_recall_entry(conn: Connection) -> int | None:
    """The index of the newest recall statement in the log, or None (the primary key)."""
    found = conn.execute(select(func.max(RecallRow.entry_idx))).scalar()
    return None if found is None else int(found)


def list_recalls(conn: Connection, tree_size: int, *, in_force: bool | None = None) -> list[Recall]:
    """Every recall as of ``tree_size``; only those in force (or only closed ones) if asked."""
    ids = set(
        conn.execute(
            select(RecallRow.recall_id).where(RecallRow.entry_idx < tree_size).distinct()
        ).scalars()
    )
    found = _recalls(conn, ids, tree_size)
    return [r for r in found if in_force is None or r.notice.in_force == in_force]


def get_recall(conn: Connection, recall_id: str, tree_size: int) -> Recall:
    """One recall as of ``tree_size``; 404 ``unknown_recall`` if no statement opened it."""
    found = _recalls(conn, {recall_id}, tree_size)
    if not found:
        raise NotFoundError(f"no recall {recall_id} is in the log", code="unknown_recall")
    return found[0]


def corrections_of(
    conn: Connection, indices: Collection[int], tree_size: int | None
) -> dict[int, CorrectionNote]:
    """The corrections below ``tree_size`` (None: in the whole log) of the events at
    ``indices``, by event index."""
    if not indices:
        return {}
    query = select(CorrectionRow).where(CorrectionRow.target_idx.in_(sorted(indices)))
    if tree_size is not None:
        query = query.where(CorrectionRow.entry_idx < tree_size)
    rows = conn.execute(query).all()
    entries = _load(conn, (r.entry_idx for r in rows))
    return {
        r.target_idx: CorrectionNote(
            r.target_idx,
            entries[r.entry_idx],
            parse_correction(entries[r.entry_idx].statement.payload),
            r.actor,
        )
        for r in rows
    }
