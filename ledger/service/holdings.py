"""What an actor holds and where it works, for the producer app's pickers: its lots and
units now in its custody, what is on its way to it, and its own plots and places.

Read from the derived tables (``ledger reindex`` rebuilds them from the log), so all of it
is already public on the log; nothing here is a secret the phone should not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, or_, select

from ledger.core.digital_link import CANONICAL_STEM
from ledger.core.errors import NotFoundError
from ledger.store.models import ActorRow, CustodyRow, ObjectEntry

MAX_LISTED = 500  # per list: a phone's picker, not an export


@dataclass(frozen=True)
class Holdings:
    """Identifiers (canonical Digital Link URIs) an actor's pickers offer."""

    lots: tuple[str, ...]
    units: tuple[str, ...]
    incoming: tuple[str, ...]
    places: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "lots": list(self.lots),
            "units": list(self.units),
            "incoming": list(self.incoming),
            "places": list(self.places),
        }


def _is_lot(uri: str) -> bool:
    return "/10/" in uri and "/21/" not in uri


def holdings(conn: Connection, actor: str) -> Holdings:
    """What ``actor`` holds, receives and works at (``NotFoundError`` if unregistered)."""
    gln = conn.execute(select(ActorRow.gln).where(ActorRow.actor == actor)).scalar_one_or_none()
    if gln is None:
        raise NotFoundError.of("not_found", what=f"actor {actor[:63]!r}")
    held: list[str] = []
    incoming: list[str] = []
    rows = conn.execute(
        select(CustodyRow.object_id, CustodyRow.holder, CustodyRow.pending_receiver)
        .where(or_(CustodyRow.holder == actor, CustodyRow.pending_receiver == actor))
        .order_by(CustodyRow.object_id)
        .limit(4 * MAX_LISTED)
    )
    for object_id, _holder, receiver in rows:
        (incoming if receiver == actor else held).append(object_id)
    prefix = f"{CANONICAL_STEM}/414/{gln}"
    places = conn.execute(
        select(ObjectEntry.object_id)
        .where(or_(ObjectEntry.object_id == prefix, ObjectEntry.object_id.like(prefix + "/254/%")))
        .group_by(ObjectEntry.object_id)
        .order_by(ObjectEntry.object_id)
        .limit(MAX_LISTED)
    ).scalars()
    return Holdings(
        lots=tuple(u for u in held if _is_lot(u))[:MAX_LISTED],
        units=tuple(u for u in held if not _is_lot(u))[:MAX_LISTED],
        incoming=tuple(incoming[:MAX_LISTED]),
        places=tuple(places),
    )
