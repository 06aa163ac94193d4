"""The ledger's derived state as seen from inside one append transaction.

Reads go to the database once and are cached; the effects of statements earlier in the
same batch are kept in memory so later ones see them, and are written in bulk at the end
(``flush``). The same class rebuilds the derived tables in ``reindex``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from ledger.core.custody import CustodyChanges
from ledger.core.entries import parse_entry
from ledger.core.registry import (
    AcceptedComplaint,
    AcceptedCorrection,
    AcceptedEvent,
    AcceptedRecall,
    ActorRecord,
    Admission,
    Genesis,
    KeyRecord,
    RecallState,
    Revocation,
    recall_state,
)
from ledger.core.signing import PublicKey, b64decode
from ledger.core.timefmt import format_time, parse_entry_time
from ledger.service.record_facts import RecordFacts
from ledger.store.models import (
    ActorRow,
    ComplaintOutcomeRow,
    CorrectionRow,
    CustodyRow,
    EpcisEventRow,
    FlagRow,
    KeyRow,
    LogEntry,
    ObjectEntry,
    RecallObjectRow,
    RecallProductRow,
    RecallRow,
)

_MISSING = object()


@dataclass
class Custody:
    """Who holds an object now, who is due to receive it, and what it is packed in."""

    holder: str | None
    pending_receiver: str | None = None
    container: str | None = None


@dataclass
class BatchState:
    """Registry and custody lookups over one connection, with an in-memory overlay."""

    conn: Connection
    _genesis: Genesis | object | None = _MISSING  # pass a known genesis to save a query
    _actors: dict[str, ActorRecord | None] = field(default_factory=dict)
    _glns: dict[str, ActorRecord | None] = field(default_factory=dict)
    _keys: dict[str, KeyRecord | None] = field(default_factory=dict)
    _custody: dict[str, Custody | None] = field(default_factory=dict)
    _custody_in_db: set[str] = field(default_factory=set)
    new_actors: list[ActorRecord] = field(default_factory=list)
    new_keys: list[KeyRecord] = field(default_factory=list)
    revocations: list[Revocation] = field(default_factory=list)
    dirty_custody: set[str] = field(default_factory=set)
    object_rows: list[dict[str, object]] = field(default_factory=list)
    epcis_rows: list[dict[str, object]] = field(default_factory=list)
    flag_rows: list[dict[str, object]] = field(default_factory=list)
    # Recalls, event owners and corrections seen in this batch (they are few: a dict each).
    _recalls: dict[str, RecallState | None] = field(default_factory=dict)
    _event_actors: dict[int, str] = field(default_factory=dict)
    _corrections: dict[int, int] = field(default_factory=dict)
    new_recalls: list[AcceptedRecall] = field(default_factory=list)
    new_corrections: list[AcceptedCorrection] = field(default_factory=list)
    record: RecordFacts = field(init=False)  # actors' record facts (docs/RECORD.md)

    def __post_init__(self) -> None:
        self.record = RecordFacts(self.conn)

    _complaints: dict[str, int] = field(default_factory=dict)
    new_complaints: list[AcceptedComplaint] = field(default_factory=list)

    # -- RegistryView -------------------------------------------------------------------

    def genesis(self) -> Genesis | None:
        if self._genesis is _MISSING:
            row = self.conn.execute(select(LogEntry.leaf).where(LogEntry.idx == 0)).first()
            self._genesis = None if row is None else _genesis_from_leaf(row.leaf)
        return self._genesis  # type: ignore[return-value]

    def actor(self, actor_id: str) -> ActorRecord | None:
        if actor_id not in self._actors:
            row = self.conn.execute(select(ActorRow).where(ActorRow.actor == actor_id)).first()
            self._actors[actor_id] = None if row is None else _actor_record(row)
        return self._actors[actor_id]

    def actor_by_gln(self, gln: str) -> ActorRecord | None:
        if gln not in self._glns:
            row = self.conn.execute(select(ActorRow).where(ActorRow.gln == gln)).first()
            self._glns[gln] = None if row is None else _actor_record(row)
        return self._glns[gln]

    def key(self, key_id: str) -> KeyRecord | None:
        if key_id not in self._keys:
            row = self.conn.execute(select(KeyRow).where(KeyRow.key_id == key_id)).first()
            self._keys[key_id] = None if row is None else _key_record(row)
        return self._keys[key_id]

    def recall(self, recall_id: str) -> RecallState | None:
        if recall_id not in self._recalls:
            rows = self.conn.execute(
                select(RecallRow.actor, RecallRow.status)
                .where(RecallRow.recall_id == recall_id)
                .order_by(RecallRow.entry_idx)
            ).all()
            closed = bool(rows) and rows[-1].status == "closed"
            self._recalls[recall_id] = (
                RecallState(recall_id, rows[0].actor, closed) if rows else None
            )
        return self._recalls[recall_id]

    def event_actor(self, index: int) -> str | None:
        if index in self._event_actors:
            return self._event_actors[index]
        row = self.conn.execute(
            select(KeyRow.actor)
            .join(LogEntry, LogEntry.signer == KeyRow.key_id)
            .where(LogEntry.idx == index, LogEntry.kind == "event")
        ).first()
        return None if row is None else str(row.actor)

    def correction_of(self, index: int) -> int | None:
        if index in self._corrections:
            return self._corrections[index]
        found = self.conn.execute(
            select(CorrectionRow.entry_idx).where(CorrectionRow.target_idx == index)
        ).scalar()
        return None if found is None else int(found)

    def complaint_outcome(self, commitment: str) -> int | None:
        if commitment in self._complaints:
            return self._complaints[commitment]
        found = self.conn.execute(
            select(ComplaintOutcomeRow.entry_idx).where(
                ComplaintOutcomeRow.commitment == commitment
            )
        ).scalar()
        return None if found is None else int(found)

    # -- custody (ledger.core.custody.CustodyState) -------------------------------------

    def prefetch_custody(self, object_ids: Iterable[str]) -> None:
        """Load the custody of many objects in one query per 500."""
        wanted = [o for o in set(object_ids) if o not in self._custody]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self.conn.execute(
                select(CustodyRow).where(CustodyRow.object_id.in_(chunk))
            ).all()
            found = {r.object_id: r for r in rows}
            for object_id in chunk:
                row = found.get(object_id)
                if row is None:
                    self._custody[object_id] = None
                else:
                    self._custody[object_id] = Custody(
                        row.holder, row.pending_receiver, row.container
                    )
                    self._custody_in_db.add(object_id)

    def _get(self, object_id: str) -> Custody | None:
        if object_id not in self._custody:
            self.prefetch_custody([object_id])
        return self._custody[object_id]

    def exists(self, object_id: str) -> bool:
        return self._get(object_id) is not None

    def holder(self, object_id: str) -> str | None:
        found = self._get(object_id)
        return None if found is None else found.holder

    def pending_receiver(self, object_id: str) -> str | None:
        found = self._get(object_id)
        return None if found is None else found.pending_receiver

    def container(self, object_id: str) -> str | None:
        found = self._get(object_id)
        return None if found is None else found.container

    def contents(self, object_id: str) -> tuple[str, ...]:
        stored = self.conn.execute(
            select(CustodyRow.object_id).where(CustodyRow.container == object_id)
        ).scalars()
        candidates = set(stored) | self.dirty_custody
        self.prefetch_custody(candidates)
        return tuple(
            sorted(
                o
                for o in candidates
                if (c := self._custody[o]) is not None and c.container == object_id
            )
        )

    def apply_custody(self, changes: CustodyChanges) -> None:
        """Record the custody changes of one accepted event (in CustodyChanges' field order)."""

        def update(object_id: str, **values: str | None) -> None:
            current = self._get(object_id) or Custody(None)
            self._custody[object_id] = replace(current, **values)
            self.dirty_custody.add(object_id)

        for object_id in changes.created:
            update(object_id)
        for object_id in changes.consumed:
            update(object_id, holder=None, pending_receiver=None)
        for object_id, holder in changes.holders:
            update(object_id, holder=holder)
        for _parent, child in changes.unpacked:
            update(child, container=None)
        for parent, child in changes.packed:
            update(child, container=parent)
        for object_id, receiver in changes.pending:
            update(object_id, pending_receiver=receiver)

    # -- effects ----------------------------------------------------------------------------

    def apply(self, admission: Admission) -> None:
        """Record a registry effect (genesis, actor, key, revocation) in the overlay."""
        if isinstance(admission, Genesis):
            self._genesis = admission
        elif isinstance(admission, ActorRecord):
            self._actors[admission.actor] = admission
            self._glns[admission.gln] = admission
            self.new_actors.append(admission)
        elif isinstance(admission, KeyRecord):
            self._keys[admission.key_id] = admission
            self.new_keys.append(admission)
        elif isinstance(admission, Revocation):
            old = self.key(admission.key_id)
            assert old is not None  # admit() checked it exists
            self._keys[admission.key_id] = KeyRecord(
                old.key_id, old.actor, old.public_key, old.index, admission.effective
            )
            self.revocations.append(admission)
        elif isinstance(admission, AcceptedEvent):
            self._event_actors[admission.index] = admission.actor.actor
        elif isinstance(admission, AcceptedRecall):
            recall_id = admission.notice.recall_id
            self._recalls[recall_id] = recall_state(self.recall(recall_id), admission)
            self.new_recalls.append(admission)
        elif isinstance(admission, AcceptedCorrection):
            target = admission.correction.entry
            owner = self.event_actor(target)
            assert owner is not None  # admit() checked the target is an event
            self.record.correction(admission.index, admission.correction, admission.actor, owner)
            self._corrections[admission.correction.entry] = admission.index
            self.new_corrections.append(admission)
        elif isinstance(admission, AcceptedComplaint):
            self._complaints[admission.outcome.commitment] = admission.index
            self.new_complaints.append(admission)
            self.record.complaint(admission.index, admission.outcome)

    def flush(self) -> None:
        """Write every pending derived row."""
        conn = self.conn
        if self.new_actors:
            conn.execute(
                insert(ActorRow),
                [
                    {
                        "actor": a.actor,
                        "name": a.name,
                        "roles": " ".join(a.roles),
                        "region": a.region,
                        "gln": a.gln,
                        "entry_idx": a.index,
                    }
                    for a in self.new_actors
                ],
            )
        if self.new_keys:
            conn.execute(
                insert(KeyRow),
                [
                    {
                        "key_id": k.key_id,
                        "actor": k.actor,
                        "public_key": k.public_key.raw,
                        "entry_idx": k.index,
                        "revoked_effective": None,
                        "revoked_idx": None,
                    }
                    for k in self.new_keys
                ],
            )
        for r in self.revocations:
            conn.execute(
                update(KeyRow)
                .where(KeyRow.key_id == r.key_id)
                .values(revoked_effective=format_time(r.effective), revoked_idx=r.index)
            )
        if self.dirty_custody:
            existing = sorted(self.dirty_custody & self._custody_in_db)
            if existing:
                conn.execute(delete(CustodyRow).where(CustodyRow.object_id.in_(existing)))
            rows = []
            for object_id in sorted(self.dirty_custody):
                c = self._custody[object_id]
                assert c is not None
                rows.append(
                    {
                        "object_id": object_id,
                        "holder": c.holder,
                        "pending_receiver": c.pending_receiver,
                        "container": c.container,
                    }
                )
            conn.execute(insert(CustodyRow), rows)
            self._custody_in_db |= self.dirty_custody
        if self.object_rows:
            conn.execute(insert(ObjectEntry), self.object_rows)
        if self.epcis_rows:
            conn.execute(insert(EpcisEventRow), self.epcis_rows)
        if self.flag_rows:
            conn.execute(insert(FlagRow), self.flag_rows)
        self.record.flush([(r.index, r.notice) for r in self.new_recalls])
        self._flush_recalls()
        self._event_actors = {}
        self.new_actors, self.new_keys, self.revocations = [], [], []
        self.dirty_custody, self.object_rows, self.flag_rows = set(), [], []
        self.epcis_rows = []

    def _flush_recalls(self) -> None:
        recalls, corrections = self.new_recalls, self.new_corrections
        if recalls:
            self.conn.execute(
                insert(RecallRow),
                [
                    {
                        "entry_idx": r.index,
                        "recall_id": r.notice.recall_id,
                        "actor": r.actor.actor,
                        "status": r.notice.status,
                        "level": r.notice.level.number,
                    }
                    for r in recalls
                ],
            )
            objects = [
                {"object_id": o, "entry_idx": r.index} for r in recalls for o in r.notice.objects
            ]
            if objects:
                self.conn.execute(insert(RecallObjectRow), objects)
            products = [
                {
                    "gtin": p.gtin,
                    "entry_idx": r.index,
                    "first_day": p.first.isoformat(),
                    "last_day": p.last.isoformat(),
                }
                for r in recalls
                for p in r.notice.products
            ]
            if products:
                self.conn.execute(insert(RecallProductRow), products)
        if corrections:
            self.conn.execute(
                insert(CorrectionRow),
                [
                    {
                        "target_idx": c.correction.entry,
                        "entry_idx": c.index,
                        "actor": c.actor,
                        "reason": c.correction.reason,
                    }
                    for c in corrections
                ],
            )
        if self.new_complaints:
            self.conn.execute(
                insert(ComplaintOutcomeRow),
                [
                    {
                        "commitment": c.outcome.commitment,
                        "entry_idx": c.index,
                        "actor": c.outcome.actor,
                        "object_id": c.outcome.object_id,
                        "category": c.outcome.category,
                        "outcome": c.outcome.outcome,
                        "recall_id": c.outcome.recall,
                    }
                    for c in self.new_complaints
                ],
            )
        self.new_recalls, self.new_corrections, self.new_complaints = [], [], []


def _genesis_from_leaf(leaf: bytes) -> Genesis:
    payload = parse_entry(leaf).statement.payload
    key = PublicKey(b64decode(payload["operator_key"], field="operator_key"))
    return Genesis(payload["origin"], key, payload["created"])


def _actor_record(row: Row[Any]) -> ActorRecord:
    return ActorRecord(
        row.actor, row.name, tuple(row.roles.split()), row.region, row.gln, row.entry_idx
    )


def _key_record(row: Row[Any]) -> KeyRecord:
    revoked = (
        None
        if row.revoked_effective is None
        else parse_entry_time(row.revoked_effective, field="revoked_effective")
    )
    return KeyRecord(row.key_id, row.actor, PublicKey(row.public_key), row.entry_idx, revoked)
