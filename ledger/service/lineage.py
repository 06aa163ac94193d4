"""A product's lineage: every log entry in the journey of one unit or lot, as of a tree size.

Starting from the object a label names, the walk follows the links the events themselves
record, upstream only:

- a transformation's outputs lead to its inputs (a bag to the milled-rice lot it was filled
  from, a milled lot to its paddy lot), up to that transformation, plus every later
  inspection of the input (a lab result may arrive after the bags were filled);
- a unit's lot, as written in its identifier, leads to that lot the same way;
- a lot whose units are written with it (the bags filled from a milled lot) takes, of the
  events that name its units, those that make them and those that inspect them: its own
  making and tests, not each unit's later packing or sale (those are on the unit's page);
- an aggregation leads from a child to its container (a bag to its case) for as long as the
  child was packed in it;
- a harvest leads to the plot it came from, for the farm work done there since the plot's
  previous harvest (farm work is indexed under the plot's location identifier).

Everything is read from the log's entries; the derived tables only find them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Row, select

from ledger.core.canonical import parse_json
from ledger.core.certificate import creation
from ledger.core.entries import Entry, parse_entry
from ledger.core.event_parser import parse_event
from ledger.core.events import Event
from ledger.core.flags import Flag, flag_params, history_flags
from ledger.core.gs1 import GS1Identifier, parse_identifier
from ledger.core.registry import ActorRecord
from ledger.service.queries import object_history
from ledger.service.recalls import CorrectionNote, Recall, corrections_of, recalls_reaching
from ledger.store.models import ActorRow, FlagRow, KeyRow, LogEntry

# Bounds on one walk, so that a pathological log cannot make a page view expensive.
MAX_OBJECTS = 64
MAX_EVENTS = 400
PARSED_CACHE = 4096  # parsed event entries kept per process (a few KB each)
_LOT = re.compile(r"https://id\.gs1\.org/01/([0-9]{14})/10/[^/]+")


@dataclass(frozen=True)
class Step:
    """One event of the lineage, with the actor whose key signed it."""

    entry: Entry
    event: Event
    actor: ActorRecord
    flags: tuple[Flag, ...] = ()

    @property
    def index(self) -> int:
        return self.entry.index


@dataclass(frozen=True)
class Lineage:
    """The steps of one object's journey (log order) and the registration entries behind
    their signers (genesis, actor, key and revoke entries), as of ``tree_size``."""

    subject: GS1Identifier
    tree_size: int
    steps: tuple[Step, ...]
    registrations: tuple[Entry, ...]
    by_gln: dict[str, ActorRecord] = field(default_factory=dict)  # every actor a step names
    recalls: tuple[Recall, ...] = ()  # the recalls reaching the subject (FORMAT.md 3.7)
    corrections: dict[int, CorrectionNote] = field(default_factory=dict)  # by step index

    @property
    def recalls_in_force(self) -> tuple[Recall, ...]:
        return tuple(r for r in self.recalls if r.notice.in_force)

    @property
    def flags(self) -> tuple[Flag, ...]:
        """Every anomaly on the journey, critical ones first, then in log order."""
        found = [f for step in self.steps for f in step.flags]
        return tuple(sorted(found, key=lambda f: (f.severity != "critical", f.index or 0)))

    def entries(self) -> list[Entry]:
        """Every entry a verifier needs, in log order: the steps, the recalls and corrections
        about them, and the registrations behind all their signers."""
        found = {e.index: e for e in self.registrations}
        found.update((s.index, s.entry) for s in self.steps)
        found.update((e.index, e) for r in self.recalls for e in r.statements)
        found.update((c.entry.index, c.entry) for c in self.corrections.values())
        return [found[i] for i in sorted(found)]


@lru_cache(maxsize=PARSED_CACHE)
def parsed_event(leaf: bytes) -> tuple[Entry, Event]:
    """An event entry's bytes, parsed; shared by all walks of the process, because the bags
    of one lot have nearly all their entries in common (entries never change)."""
    entry = parse_entry(leaf)
    return entry, parse_event(entry.statement.payload)


@dataclass
class _Walk:
    conn: Connection
    tree_size: int
    events: dict[int, tuple[Entry, Event]] = field(default_factory=dict)
    histories: dict[str, list[tuple[Entry, Event]]] = field(default_factory=dict)
    queued: set[tuple[str, int, int, bool]] = field(default_factory=set)

    def history(self, object_id: str) -> list[tuple[Entry, Event]]:
        """Entries naming ``object_id`` before ``tree_size``, parsed (memoised per walk)."""
        if object_id not in self.histories:
            found = object_history(self.conn, object_id, limit=MAX_EVENTS, before=self.tree_size)
            self.histories[object_id] = [parsed_event(stored.leaf) for stored in found]
        return self.histories[object_id]

    def visit(self, object_id: str, start: int, end: int, inspections_after: bool) -> None:
        """Take the entries about ``object_id`` with index in [start, end), then follow links."""
        key = (object_id, start, end, inspections_after)
        if key in self.queued or len(self.queued) >= MAX_OBJECTS:
            return
        self.queued.add(key)
        history = self.history(object_id)
        for entry, event in history:
            if object_id not in event.object_ids() and object_id != event.plot:
                # Indexed under a lot because it names some units of the lot: the lot's
                # story takes what makes or tests them, not what happens to a few of them.
                made = creation(object_id, event) is not None
                if not (made or event.biz_step == "inspecting"):
                    continue
            inside = start <= entry.index < end
            if not inside and not (
                inspections_after and entry.index >= end and event.biz_step == "inspecting"
            ):
                continue
            if len(self.events) >= MAX_EVENTS:
                return
            self.events[entry.index] = (entry, event)
            if not inside:
                continue
            made_here = object_id in event.outputs or (
                event.event_type == "TransformationEvent" and creation(object_id, event) is not None
            )
            if made_here:
                for source in event.inputs:
                    self.visit(source, 0, entry.index + 1, True)
            for unit, lot in event.unit_lots:
                if unit == object_id:
                    self.visit(lot, 0, entry.index + 1, True)
            packed = event.event_type == "AggregationEvent" and event.action == "ADD"
            if packed and event.parent_id is not None and object_id in event.children:
                self.visit(
                    event.parent_id,
                    entry.index,
                    self._unpacked(object_id, event.parent_id, entry.index),
                    False,
                )
            if event.is_harvest and event.plot is not None and object_id in event.objects:
                self.visit(
                    event.plot, self._previous_harvest(event.plot, entry.index), entry.index, False
                )

    def objects(self) -> set[str]:
        """Every object the walk reached: the subject and everything upstream of it."""
        return {object_id for object_id, *_ in self.queued}

    def _unpacked(self, child: str, parent: str, packed_at: int) -> int:
        """The index at which ``child`` left ``parent`` (or the end of the tree)."""
        for entry, event in self.history(child):
            if (
                entry.index > packed_at
                and event.event_type == "AggregationEvent"
                and event.action == "DELETE"
                and event.parent_id == parent
            ):
                return entry.index
        return self.tree_size

    def _previous_harvest(self, plot: str, before: int) -> int:
        previous = [e.index for e, ev in self.history(plot) if ev.is_harvest and e.index < before]
        return previous[-1] + 1 if previous else 0


def lineage(conn: Connection, subject: str | GS1Identifier, tree_size: int) -> Lineage:
    """The lineage of the unit or lot ``subject`` names, as of the first ``tree_size`` entries.

    An object with no events gives an empty lineage; the caller decides what that means.
    """
    ident = (
        subject if isinstance(subject, GS1Identifier) else parse_identifier(subject, field="object")
    )
    walk = _Walk(conn, tree_size)
    walk.visit(ident.object_key(), 0, tree_size, True)
    events = sorted(walk.events.values(), key=lambda pair: pair[0].index)
    recalls = recalls_reaching(conn, walk.objects(), lots_made(events), tree_size)
    corrections = corrections_of(conn, [entry.index for entry, _ in events], tree_size)
    extra = [e for r in recalls for e in r.statements] + [c.entry for c in corrections.values()]
    signers = {entry.statement.signer for entry, _ in events}
    signers |= {e.statement.signer for e in extra}
    keys = conn.execute(select(KeyRow).where(KeyRow.key_id.in_(signers))).all() if signers else []
    actor_rows = (
        conn.execute(select(ActorRow).where(ActorRow.actor.in_({k.actor for k in keys}))).all()
        if keys
        else []
    )
    actors = {row.actor: _record(row) for row in actor_rows}
    key_actor = {k.key_id: actors[k.actor] for k in keys}
    wanted = {0} | {a.index for a in actors.values()} | {k.entry_idx for k in keys}
    wanted |= {
        k.revoked_idx for k in keys if k.revoked_idx is not None and k.revoked_idx < tree_size
    }
    registrations = tuple(
        parse_entry(row.leaf)
        for row in conn.execute(
            select(LogEntry.leaf).where(LogEntry.idx.in_(wanted)).order_by(LogEntry.idx)
        )
    )

    indices = [entry.index for entry, _ in events]
    stored = (
        conn.execute(
            select(FlagRow).where(FlagRow.entry_idx.in_(indices)).order_by(FlagRow.id)
        ).all()
        if indices
        else []
    )
    step_flags: dict[int, list[Flag]] = {}
    for row in stored:
        step_flags.setdefault(row.entry_idx, []).append(
            Flag(flag_params(row.code, parse_json(row.params)), index=row.entry_idx)
        )
    retailers = (
        conn.execute(select(ActorRow.gln).where(ActorRow.roles.contains("retailer")))
        .scalars()
        .all()
    )
    triples = [
        (entry.index, key_actor[entry.statement.signer].actor, event) for entry, event in events
    ]
    for flag in history_flags(triples, retailer_glns=set(retailers)):
        if flag.index is not None:
            step_flags.setdefault(flag.index, []).append(flag)

    steps = tuple(
        Step(
            entry, event, key_actor[entry.statement.signer], tuple(step_flags.get(entry.index, ()))
        )
        for entry, event in events
    )
    glns = {gln for _, event in events for gln in _glns(event)}
    named = conn.execute(select(ActorRow).where(ActorRow.gln.in_(glns))).all() if glns else []
    by_gln = {row.gln: _record(row) for row in named}
    return Lineage(ident, tree_size, steps, registrations, by_gln, tuple(recalls), corrections)


def lots_made(events: list[tuple[Entry, Event]]) -> dict[str, tuple[str, date]]:
    """The lots the events made (commissioned or transformed into) -> (GTIN, production day
    in the event's own offset), for recalls of product ranges (FORMAT.md 3.7)."""
    made: dict[str, tuple[str, date]] = {}
    for _, event in events:
        made_here: tuple[str, ...] = ()
        if event.biz_step == "commissioning":
            made_here = event.objects
        elif event.event_type == "TransformationEvent":
            # Units made are made with their lot: a bag lot is produced the day it is filled.
            made_here = (*event.outputs, *(lot for _, lot in event.unit_lots))
        for object_id in made_here:
            match = _LOT.fullmatch(object_id)
            if match is not None:
                made.setdefault(object_id, (match.group(1), event.local_date))
    return made


def _record(row: Row[Any]) -> ActorRecord:
    return ActorRecord(
        row.actor, row.name, tuple(row.roles.split()), row.region, row.gln, row.entry_idx
    )


def _glns(event: Event) -> list[str]:
    """The GLNs of the places and parties an event names (canonical /414/ and /417/ URIs)."""
    uris = [
        event.read_point,
        event.biz_location,
        event.carrier,
        *(p.id for p in event.source_list),
        *(p.id for p in event.destination_list),
    ]
    return [parse_identifier(uri).key for uri in uris if uri is not None]
