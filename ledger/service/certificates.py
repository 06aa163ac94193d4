"""A lot's 承诺达标合格证, assembled from the log (``ledger.core.certificate`` decides what it
says; this module reads the entries it decides from).

The lot's own entries are the object index's entries about it (those naming the lot or its
units); each input lot of its creating transformations brings its lineage
(``ledger.service.lineage``), which holds the harvests it came from and its inspections. The
issuer's English name is read from its registration entry, since the actors table keeps the
Chinese one only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select

from ledger.core.certificate import (
    CertificateFacts,
    Contact,
    Step,
    assemble,
    input_lots,
)
from ledger.core.entries import parse_entry
from ledger.core.gs1 import GS1Identifier
from ledger.core.registry import ActorRecord
from ledger.core.timefmt import offset_timezone
from ledger.service.contacts import Contacts
from ledger.service.lineage import lineage, parsed_event
from ledger.service.queries import log_size, object_history
from ledger.store.models import ActorRow, KeyRow, LogEntry

MAX_INPUTS = 16  # input lots followed upstream; a blend of more is still named, not traced


@dataclass(frozen=True)
class Certificate:
    """What the certificate page prints: the facts from the log and the issuer's contact."""

    facts: CertificateFacts
    contact: Contact


def _actors(conn: Connection, signers: Iterable[str]) -> dict[str, ActorRecord]:
    """The actor behind each signing key, with its English name from its registration."""
    keys = conn.execute(select(KeyRow.key_id, KeyRow.actor).where(KeyRow.key_id.in_(signers)))
    actor_of = {row.key_id: row.actor for row in keys}
    rows = conn.execute(select(ActorRow).where(ActorRow.actor.in_(set(actor_of.values())))).all()
    leaves = dict(
        conn.execute(
            select(LogEntry.idx, LogEntry.leaf).where(LogEntry.idx.in_([r.entry_idx for r in rows]))
        ).all()
    )
    records = {}
    for row in rows:
        name_en = parse_entry(leaves[row.entry_idx]).statement.payload.get("name_en")
        records[row.actor] = ActorRecord(
            row.actor,
            row.name,
            tuple(row.roles.split()),
            row.region,
            row.gln,
            row.entry_idx,
            name_en if isinstance(name_en, str) else None,
        )
    return {key: records[actor] for key, actor in actor_of.items() if actor in records}


def own_steps(conn: Connection, subject: GS1Identifier) -> list[Step]:
    """The event entries about the lot or its units, in log order, with their signers."""
    parsed = [parsed_event(stored.leaf) for stored in object_history(conn, subject.object_key())]
    actors = _actors(conn, {entry.statement.signer for entry, _ in parsed})
    return [
        Step(entry.index, actors[entry.statement.signer], event)
        for entry, event in parsed
        if entry.statement.signer in actors
    ]


def certificate(
    engine: Engine, subject: GS1Identifier, contacts: Contacts, now: datetime
) -> Certificate:
    """The certificate of the lot ``subject`` as of the whole log; ``now`` gives its issue date
    (in the time zone of the lot's first entry). ``NotFoundError`` (no_certificate) when
    nothing in the log creates the lot."""
    lot_key = subject.object_key()
    with engine.connect() as conn:
        own = own_steps(conn, subject)
        size = log_size(conn)
        upstream = {}
        for lot in input_lots(lot_key, own)[:MAX_INPUTS]:
            walked = lineage(conn, lot, size)
            upstream[lot] = [Step(s.index, s.actor, s.event) for s in walked.steps]
    zone = offset_timezone(own[0].event.event_time_zone_offset) if own else UTC
    facts = assemble(subject, own, upstream, now.astimezone(zone).date())
    return Certificate(facts, contacts.get(facts.issuer.actor))
