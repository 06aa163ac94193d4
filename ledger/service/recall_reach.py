"""Everything a recall reaches: the forward trace of what it names (FORMAT.md 3.7 and 12),
and who holds those objects now, for the recall page and the regulator."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from ledger.core.errors import NotFoundError
from ledger.service.lineage import lots_made, parsed_event
from ledger.service.recalls import Recall
from ledger.service.trace import trace
from ledger.store.models import ActorRow, LogEntry, ObjectEntry

MAX_LOTS = 200  # lots of a product range followed per recall page


@dataclass(frozen=True)
class Holding:
    """An actor holding recalled objects now, and how many (units, cases, lots)."""

    actor: str
    name: str
    roles: tuple[str, ...]
    objects: tuple[str, ...]

    @property
    def is_store(self) -> bool:
        return "retailer" in self.roles


@dataclass(frozen=True)
class Reach:
    """The objects a recall reaches as of a tree size, and their holders."""

    starts: tuple[str, ...]
    lots: tuple[str, ...]
    objects: int
    holdings: tuple[Holding, ...]
    complete: bool

    def to_json(self) -> dict[str, object]:
        return {
            "named": list(self.starts),
            "lots": list(self.lots),
            "objects": self.objects,
            "complete": self.complete,
            "holders": [
                {"actor": h.actor, "name": h.name, "store": h.is_store, "objects": list(h.objects)}
                for h in self.holdings
            ],
        }


def _range_lots(conn: Connection, recall: Recall, tree_size: int) -> list[str]:
    """The lots of the recall's product ranges: lots of the GTIN made on a day in range."""
    out: list[str] = []
    for product in recall.notice.products:
        prefix = f"https://id.gs1.org/01/{product.gtin}/10/"
        rows = conn.execute(
            select(ObjectEntry.object_id, LogEntry.leaf)
            .join(LogEntry, LogEntry.idx == ObjectEntry.entry_idx)
            .where(ObjectEntry.object_id.startswith(prefix), ObjectEntry.entry_idx < tree_size)
            .order_by(ObjectEntry.entry_idx)
            .limit(MAX_LOTS * 20)
        )
        for lot, (gtin, day) in lots_made([parsed_event(row.leaf) for row in rows]).items():
            if product.covers(gtin, day) and lot not in out:
                out.append(lot)
    return out[:MAX_LOTS]


def reach(conn: Connection, recall: Recall, tree_size: int, *, holders: bool) -> Reach:
    """The forward trace of every object the recall names (and of its product ranges' lots),
    with the current holders when ``holders`` (only true of the log's latest size)."""
    starts = [*recall.notice.objects, *_range_lots(conn, recall, tree_size)]
    reached: dict[str, str | None] = {}
    complete = len(starts) <= MAX_LOTS + len(recall.notice.objects)
    for start in starts:
        try:
            found = trace(conn, start, "forward", tree_size, with_holders=holders)
        except NotFoundError:
            continue  # named, but the log has no entry about it (yet)
        complete = complete and found.complete
        for node in found.nodes:
            reached.setdefault(node.object_id, node.holder)
    by_holder: dict[str, list[str]] = {}
    for object_id, holder in reached.items():
        if holder is not None:
            by_holder.setdefault(holder, []).append(object_id)
    rows = (
        conn.execute(select(ActorRow).where(ActorRow.actor.in_(sorted(by_holder)))).all()
        if by_holder
        else []
    )
    holdings = sorted(
        (Holding(r.actor, r.name, tuple(r.roles.split()), tuple(sorted(by_holder[r.actor])))
         for r in rows),
        key=lambda h: (not h.is_store, h.name),
    )  # fmt: skip
    lots = tuple(sorted(o for o in reached if "/10/" in o and "/21/" not in o))
    return Reach(tuple(starts), lots, len(reached), tuple(holdings), complete)
