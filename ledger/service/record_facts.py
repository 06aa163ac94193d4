"""The facts behind actors' public records (docs/RECORD.md), derived from the log.

Each accepted event, recall and correction adds rows to ``actor_facts``: which actor a fact
counts for, what kind of fact, the entry it rests on and what it is about. They are written
in the append transaction and rebuilt by ``ledger reindex``, so a record page counts rows
instead of reading the log. Every rule depends only on entries before the one it attaches
to, so a fact never changes as the log grows and appending and replaying give the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, insert, select

from ledger.core import flags
from ledger.core.complaint import ComplaintOutcome
from ledger.core.correction import Correction
from ledger.core.entries import parse_entry
from ledger.core.event_parser import parse_event
from ledger.core.events import Event
from ledger.core.gs1 import parse_identifier
from ledger.core.recall import RecallNotice
from ledger.store.models import ActorFactRow, ContainerLotRow, LogEntry, ObjectEntry

# Fact kinds (docs/RECORD.md has how each is computed). Stable: they are in the API.
MADE = "made"  # a lot it commissioned or processed into; detail: the production day
HANDLED = "handled"  # a lot it received, stored, packed, shipped, carried or sold
INSPECTION_PASSED = "inspection_passed"  # a lab passed a lot it made (or held); detail: lab
INSPECTION_FAILED = "inspection_failed"
TESTED_PASSED = "tested_passed"  # as a lab, it passed goods
TESTED_FAILED = "tested_failed"  # as a lab, it failed goods
EXCURSION = "excursion"  # a temperature reading outside the band while it held the goods
PRE_HARVEST = "pre_harvest_interval"  # it harvested inside a spraying's interval
RECALL = "recall"  # a recall statement named a lot it made or handled; subject: recall ID
CORRECTION = "correction"  # one of its events was declared erroneous; subject: that entry
# A complaint about it answered on the log (FORMAT.md 3.9; subject: the commitment, detail:
# the category), and the outcome when it was a refund or an escalation to a recall.
COMPLAINT = "complaint"
COMPLAINT_REFUNDED = "complaint_refunded"
COMPLAINT_ESCALATED = "complaint_escalated"
KINDS = (
    MADE,
    HANDLED,
    INSPECTION_PASSED,
    INSPECTION_FAILED,
    TESTED_PASSED,
    TESTED_FAILED,
    EXCURSION,
    PRE_HARVEST,
    RECALL,
    CORRECTION,
    COMPLAINT,
    COMPLAINT_REFUNDED,
    COMPLAINT_ESCALATED,
)
OPERATOR = "operator"  # the ``detail`` of a correction the operator declared

# Steps that do not handle goods: a lab never takes custody; farm work names a crop.
_NOT_HANDLING = frozenset({"inspecting", "sampling"})


def lot_id(object_id: str) -> str | None:
    """``object_id`` if it names a lot (``/01/{gtin}/10/{lot}``), else None."""
    found = parse_identifier(object_id, field="object")
    return object_id if found.kind == "lot" else None


def made_lots(event: Event) -> tuple[str, ...]:
    """The lots an event makes: a commissioning's objects, a transformation's outputs and
    the lots its output units were written with (as ``lineage.lots_made`` reads them)."""
    if event.biz_step == "commissioning":
        ids: Iterable[str] = event.objects
    elif event.event_type == "TransformationEvent":
        ids = (*event.outputs, *(lot for _, lot in event.unit_lots))
    else:
        return ()
    return tuple(dict.fromkeys(lot for o in ids if (lot := lot_id(o)) is not None))


@dataclass(frozen=True)
class _Inspection:
    """An inspection whose lots' makers are found at flush (they may be in the same batch)."""

    index: int
    lab: str
    failed: bool
    subjects: tuple[tuple[str | None, str | None], ...]  # (lot, holder) per object named


@dataclass
class RecordFacts:
    """The record facts of one append batch or one reindex, written by ``flush``."""

    conn: Connection
    rows: list[dict[str, object]] = field(default_factory=list)
    _container_rows: list[dict[str, object]] = field(default_factory=list)
    _containers: dict[str, set[str]] = field(default_factory=dict)
    # Each plot's sprayings and harvests so far (index, actor, event), for the interval.
    _plots: dict[str, list[tuple[int, str, Event]]] = field(default_factory=dict)
    _inspections: list[_Inspection] = field(default_factory=list)

    def add(
        self,
        actor: str,
        kind: str,
        index: int,
        subject: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.rows.append(
            {"actor": actor, "kind": kind, "entry_idx": index, "subject": subject, "detail": detail}
        )

    # -- what a case holds ----------------------------------------------------------------

    def lots_in(self, container: str) -> set[str]:
        """The lots whose goods were ever packed in ``container`` (a case or pallet)."""
        if container not in self._containers:
            stored = self.conn.execute(
                select(ContainerLotRow.lot).where(ContainerLotRow.container == container)
            ).scalars()
            self._containers[container] = set(stored)
        return self._containers[container]

    def _pack(self, container: str, lots: Iterable[str]) -> None:
        known = self.lots_in(container)
        for lot in sorted(set(lots) - known):
            known.add(lot)
            self._container_rows.append({"container": container, "lot": lot})

    def lots_of(self, event: Event, object_ids: Iterable[str]) -> list[str]:
        """The lots behind objects an event names: a lot itself, a unit's lot as the event
        wrote it, the lots packed in a case; objects of no known lot are left out."""
        unit_lot = dict(event.unit_lots)
        out: dict[str, None] = {}
        for object_id in object_ids:
            kind = parse_identifier(object_id, field="object").kind
            if kind == "lot":
                out[object_id] = None
            elif kind == "unit" and object_id in unit_lot:
                out[unit_lot[object_id]] = None
            elif kind == "sscc":
                out.update(dict.fromkeys(sorted(self.lots_in(object_id))))
        return list(out)

    # -- facts of one event ---------------------------------------------------------------

    def event(
        self,
        actor: str,
        event: Event,
        index: int,
        holders: Mapping[str, str | None],
        found: Sequence[flags.Flag],
    ) -> None:
        """Record what an accepted event adds to records; ``holders``: who held each object
        it names just before it, ``found``: its own flags (``flags.flags``)."""
        step = event.biz_step
        made = made_lots(event)
        for lot in made:
            self.add(actor, MADE, index, lot, event.local_date.isoformat())
        if event.event_type == "AggregationEvent" and event.action == "ADD" and event.parent_id:
            self._pack(event.parent_id, self.lots_of(event, event.children))
        if step not in _NOT_HANDLING and not step.startswith("tl:"):
            for lot in self.lots_of(event, event.object_ids()):
                if lot not in made:
                    self.add(actor, HANDLED, index, lot)
        inspection = event.inspection
        if step == "inspecting" and inspection is not None:
            failed = inspection.failed
            self.add(actor, TESTED_FAILED if failed else TESTED_PASSED, index)
            subjects = tuple(
                (next(iter(self.lots_of(event, [o])), None), holders.get(o))
                for o in event.object_ids()
            )
            self._inspections.append(_Inspection(index, actor, failed, subjects))
        if any(f.code == flags.TemperatureExcursion.code for f in found):
            # The goods' holder just before the event answers for them: the carrier whose
            # truck it was, even when the receiver's reading is the one that shows it.
            keepers = sorted({h for o in event.object_ids() if (h := holders.get(o))})
            for keeper in keepers or [actor]:
                self.add(keeper, EXCURSION, index, detail=actor)
        self._pre_harvest(actor, event, index)

    def _pre_harvest(self, actor: str, event: Event, index: int) -> None:
        spraying = event.biz_step == "tl:spraying" and event.farm_input is not None
        harvest = event.is_harvest and event.ilmd is not None
        plot = event.plot
        if plot is None or not (spraying or harvest):
            return
        history = self._plot_history(plot, index)
        history.append((index, actor, event))
        if any(f.index == index for f in flags.pre_harvest_flags(history)):
            self.add(actor, PRE_HARVEST, index, plot)

    def _plot_history(self, plot: str, index: int) -> list[tuple[int, str, Event]]:
        """The plot's sprayings and harvests before ``index``, read once per batch: later
        ones of the batch are added as they come, so the list stays complete."""
        if plot not in self._plots:
            rows = self.conn.execute(
                select(LogEntry.idx, LogEntry.leaf)
                .join(ObjectEntry, ObjectEntry.entry_idx == LogEntry.idx)
                .where(ObjectEntry.object_id == plot, LogEntry.idx < index)
                .order_by(LogEntry.idx)
            ).all()
            found = []
            for row in rows:
                event = parse_event(parse_entry(row.leaf).statement.payload)
                if event.biz_step == "tl:spraying" or event.is_harvest:
                    found.append((int(row.idx), "", event))  # the rule needs no actor
            self._plots[plot] = found
        return self._plots[plot]

    # -- facts of recalls and corrections -------------------------------------------------

    def correction(self, index: int, correction: Correction, by: str | None, owner: str) -> None:
        """A correction of ``owner``'s event, declared by ``by`` (None: the operator)."""
        self.add(owner, CORRECTION, index, str(correction.entry), by or OPERATOR)

    def complaint(self, index: int, outcome: ComplaintOutcome) -> None:
        """A complaint the actor concerned answered on the log (FORMAT.md 3.9): one fact
        ``complaint``, and one of its outcome when it was a refund or an escalation."""
        self.add(outcome.actor, COMPLAINT, index, outcome.commitment, outcome.category)
        if outcome.outcome == "refunded":
            self.add(outcome.actor, COMPLAINT_REFUNDED, index, outcome.commitment)
        elif outcome.outcome == "escalated":
            self.add(outcome.actor, COMPLAINT_ESCALATED, index, outcome.commitment, outcome.recall)

    def _recall(self, index: int, notice: RecallNotice) -> None:
        """Count a recall statement for every actor that made or handled a lot it names (a
        lot, a unit's or a case's lot, or a lot of a product range by its production day)."""
        lots: set[str] = set()
        for object_id in notice.objects:
            found = parse_identifier(object_id, field="object")
            if found.kind == "lot":
                lots.add(object_id)
            elif found.kind == "unit" and found.lot is not None:
                lots.add(found.canonical().rsplit("/21/", 1)[0])
            elif found.kind == "sscc":
                lots |= self.lots_in(object_id)
        actors: set[str] = set()
        if lots:
            actors |= set(
                self.conn.execute(
                    select(ActorFactRow.actor).where(
                        ActorFactRow.subject.in_(sorted(lots)),
                        ActorFactRow.kind.in_((MADE, HANDLED)),
                        ActorFactRow.entry_idx < index,
                    )
                ).scalars()
            )
        for product in notice.products:
            made = self.conn.execute(
                select(ActorFactRow.actor, ActorFactRow.subject, ActorFactRow.detail).where(
                    ActorFactRow.subject.startswith(f"https://id.gs1.org/01/{product.gtin}/10/"),
                    ActorFactRow.kind == MADE,
                    ActorFactRow.entry_idx < index,
                )
            ).all()
            covered = {
                row.subject
                for row in made
                if row.detail and product.covers(product.gtin, date.fromisoformat(row.detail))
            }
            actors |= {row.actor for row in made if row.subject in covered}
            if covered:
                actors |= set(
                    self.conn.execute(
                        select(ActorFactRow.actor).where(
                            ActorFactRow.subject.in_(sorted(covered)),
                            ActorFactRow.kind == HANDLED,
                            ActorFactRow.entry_idx < index,
                        )
                    ).scalars()
                )
        for actor in sorted(actors):
            self.add(actor, RECALL, index, notice.recall_id, notice.status)

    def _resolve(self, inspection: _Inspection) -> None:
        """Count an inspection for the maker of each lot it names (else the goods' holder)."""
        owners: set[str] = set()
        for lot, holder in inspection.subjects:
            maker = None
            if lot is not None:
                maker = self.conn.execute(
                    select(ActorFactRow.actor)
                    .where(
                        ActorFactRow.subject == lot,
                        ActorFactRow.kind == MADE,
                        ActorFactRow.entry_idx < inspection.index,
                    )
                    .order_by(ActorFactRow.entry_idx)
                    .limit(1)
                ).scalar()
            if maker is not None or holder is not None:
                owners.add(str(maker or holder))
        kind = INSPECTION_FAILED if inspection.failed else INSPECTION_PASSED
        for owner in sorted(owners):
            self.add(owner, kind, inspection.index, detail=inspection.lab)

    def flush(self, recalls: Sequence[tuple[int, RecallNotice]]) -> None:
        """Write the batch's rows; then the facts that look up earlier rows (inspections'
        makers, recalls' reach), which only ever look below their own entry."""
        if self._container_rows:
            self.conn.execute(insert(ContainerLotRow), self._container_rows)
        self._write()
        for inspection in self._inspections:
            self._resolve(inspection)
        for index, notice in sorted(recalls, key=lambda r: r[0]):
            self._recall(index, notice)
        self._write()
        self._container_rows, self._inspections = [], []

    def _write(self) -> None:
        if self.rows:
            self.conn.execute(insert(ActorFactRow), self.rows)
            self.rows = []
