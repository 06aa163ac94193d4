"""What the operator's console lists: the registry's actors with their keys, and the lots the
log knows. Read from the derived tables, which ``ledger reindex`` rebuilds from the log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from ledger.core.digital_link import CANONICAL_STEM
from ledger.core.entries import parse_entry
from ledger.core.gs1 import GS1Identifier, parse_identifier
from ledger.store.models import ActorRow, KeyRow, LogEntry, ObjectEntry

MAX_LOTS = 1000  # a console page lists at most this many lots, newest first


@dataclass(frozen=True)
class KeySummary:
    """One of an actor's keys; ``revoked_effective`` is None while it is valid."""

    key_id: str
    revoked_effective: str | None


@dataclass(frozen=True)
class ActorSummary:
    """One registered actor, as the registry holds it."""

    actor: str
    name: str
    roles: tuple[str, ...]
    region: str
    gln: str
    entry_idx: int
    keys: tuple[KeySummary, ...]


def actors(conn: Connection) -> list[ActorSummary]:
    """Every registered actor with its keys, in registration order."""
    keys: dict[str, list[KeySummary]] = {}
    key_rows = select(KeyRow.actor, KeyRow.key_id, KeyRow.revoked_effective)
    for row in conn.execute(key_rows.order_by(KeyRow.entry_idx)):
        keys.setdefault(row.actor, []).append(KeySummary(row.key_id, row.revoked_effective))
    return [
        ActorSummary(
            row.actor,
            row.name,
            tuple(row.roles.split()),
            row.region,
            row.gln,
            row.entry_idx,
            tuple(keys.get(row.actor, ())),
        )
        for row in conn.execute(
            select(
                ActorRow.actor,
                ActorRow.name,
                ActorRow.roles,
                ActorRow.region,
                ActorRow.gln,
                ActorRow.entry_idx,
            ).order_by(ActorRow.entry_idx)
        )
    ]


def lots(conn: Connection, limit: int = MAX_LOTS) -> list[GS1Identifier]:
    """The lots (GTIN + lot) the log's events name, the most recently mentioned first."""
    rows = conn.execute(
        select(ObjectEntry.object_id, ObjectEntry.entry_idx)
        .where(ObjectEntry.object_id.like("%/10/%"))
        .where(ObjectEntry.object_id.not_like("%/21/%"))
        .order_by(ObjectEntry.entry_idx.desc())
    )
    found: dict[str, GS1Identifier] = {}
    for object_id, _ in rows:
        if object_id in found:
            continue
        identifier = parse_identifier(object_id, field="object")
        if identifier.kind == "lot":
            found[object_id] = identifier
            if len(found) >= limit:
                break
    return list(found.values())


def recent_lot(conn: Connection, gtin: str) -> GS1Identifier | None:
    """The lot of ``gtin`` (GTIN-14) the log mentioned last, or None: what the home page links
    a product's story to."""
    prefix = f"{CANONICAL_STEM}/01/{gtin}/10/"
    rows = conn.execute(
        select(ObjectEntry.object_id)
        .where(ObjectEntry.object_id.startswith(prefix, autoescape=True))
        .where(ObjectEntry.object_id.not_like("%/21/%"))
        .order_by(ObjectEntry.entry_idx.desc())
        .limit(1)
    ).first()
    if rows is None:
        return None
    return parse_identifier(rows.object_id, field="object")


def english_names(conn: Connection, actor_ids: Iterable[str]) -> dict[str, str]:
    """Actor ID -> the English business name its registration entry carries (FORMAT.md 3.2
    ``name_en``), for the actors that have one; read from the entries themselves."""
    wanted = sorted(set(actor_ids))
    if not wanted:
        return {}
    rows = conn.execute(
        select(ActorRow.actor, LogEntry.leaf)
        .join(LogEntry, LogEntry.idx == ActorRow.entry_idx)
        .where(ActorRow.actor.in_(wanted))
    )
    names = {row.actor: parse_entry(row.leaf).statement.payload.get("name_en") for row in rows}
    return {actor: name for actor, name in names.items() if isinstance(name, str)}
