"""Device enrolments: phones waiting for the operator to add their key (FORMAT.md 11).

A request waits in the ``enrolments`` table. Approving it appends a ``key`` statement signed
with the operator key; from then on the log, not this table, says the key is valid (the
state a phone reads is derived from the registry, so a key revoked later reads as revoked).
Resubmitting the same signed request answers the same enrolment; a request for a key
already on the log is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Row, insert, select, update

from ledger.core.canonical import canonical_bytes
from ledger.core.enrolment import MAX_AGE, EnrolmentRequest, normalise_code, parse_enrolment
from ledger.core.errors import AuthorisationError, ConflictError, NotFoundError
from ledger.core.signing import key_id as key_id_of
from ledger.core.timefmt import format_time, parse_entry_time
from ledger.service.sequencer import Appended, Clock, system_clock
from ledger.store.models import ActorRow, Enrolment, KeyRow

# Appends the ``key`` statement of an approval: (actor, base64 public key) -> its entry.
AppendKey = Callable[[str, str], Appended]
Status = Literal["pending", "approved", "rejected", "expired", "revoked"]
MAX_LISTED = 200  # the console lists at most this many waiting phones


@dataclass(frozen=True)
class EnrolmentState:
    """What a phone (or the console) sees of one enrolment."""

    key_id: str
    code: str
    actor: str
    actor_name: str
    device: str
    requested: str
    status: Status
    key_index: int | None = None  # the ``key`` entry, once approved
    revoked_effective: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The state as ``GET /api/v1/enrolments/{key_id}`` answers it."""
        return {
            "key_id": self.key_id,
            "code": self.code,
            "actor": self.actor,
            "actor_name": self.actor_name,
            "device": self.device,
            "requested": self.requested,
            "status": self.status,
            "key_index": self.key_index,
            "revoked_effective": self.revoked_effective,
        }


class Enrolments:
    """The enrolments of one ledger database."""

    def __init__(self, engine: Engine, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.clock = clock

    def submit(self, body: Any) -> tuple[EnrolmentState, bool]:
        """Check and store a phone's signed request; (its state, True if new).

        Raises a ``LedgerError``: the request is malformed, stale or badly signed, names no
        registered actor, or asks for a key already on the log."""
        request = parse_enrolment(body, self.clock())
        key_id = request.public_key.key_id
        with self.engine.begin() as conn:
            existing = conn.execute(select(Enrolment).where(Enrolment.key_id == key_id)).first()
            if existing is not None:
                if existing.code != request.code:
                    raise ConflictError.of("enrolment_exists", enrolment=existing.code)
                return self._state(conn, existing), False
            if _actor_name(conn, request.actor) is None:
                raise AuthorisationError.of("unknown_actor", actor=request.actor)
            if conn.execute(select(KeyRow.key_id).where(KeyRow.key_id == key_id)).first():
                raise ConflictError.of("key_exists")
            conn.execute(insert(Enrolment).values(_row(request)))
            row = conn.execute(select(Enrolment).where(Enrolment.key_id == key_id)).one()
            return self._state(conn, row), True

    def get(self, key_id: str) -> EnrolmentState:
        """The enrolment of a key; ``NotFoundError`` if the phone never asked."""
        with self.engine.connect() as conn:
            row = conn.execute(select(Enrolment).where(Enrolment.key_id == key_id)).first()
            if row is None:
                raise NotFoundError.of("not_found", what=f"an enrolment of key {key_id[:40]}")
            return self._state(conn, row)

    def by_code(self, short_code: str) -> EnrolmentState:
        """The enrolment a typed or scanned short code names."""
        canonical = normalise_code(short_code)
        with self.engine.connect() as conn:
            row = conn.execute(select(Enrolment).where(Enrolment.code == canonical)).first()
            if row is None:
                raise NotFoundError.of("unknown_enrolment", enrolment=canonical)
            return self._state(conn, row)

    def waiting(self) -> list[EnrolmentState]:
        """Phones waiting for a decision, the oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(Enrolment)
                .where(Enrolment.status == "pending")
                .order_by(Enrolment.requested)
                .limit(MAX_LISTED)
            ).all()
            states = [self._state(conn, row) for row in rows]
        return [state for state in states if state.status == "pending"]

    def device_names(self) -> dict[str, str]:
        """The name each enrolled phone gave itself, by key ID (for the console's key lists)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(Enrolment.key_id, Enrolment.device)).all()
        return {row.key_id: row.device for row in rows}

    def approve(self, short_code: str, operator: str, append_key: AppendKey) -> EnrolmentState:
        """Approve a waiting phone: ``append_key(actor, public_key)`` puts the ``key``
        statement on the log, then the decision is recorded."""
        state = self._decidable(short_code)
        with self.engine.connect() as conn:
            public_key = conn.execute(
                select(Enrolment.public_key).where(Enrolment.key_id == state.key_id)
            ).scalar_one()
        appended = append_key(state.actor, public_key)
        self._decide(state.key_id, "approved", operator, appended.index)
        return self.get(state.key_id)

    def reject(self, short_code: str, operator: str) -> EnrolmentState:
        """Refuse a waiting phone; its code answers 'rejected' from then on."""
        state = self._decidable(short_code)
        self._decide(state.key_id, "rejected", operator, None)
        return self.get(state.key_id)

    # -- inside -----------------------------------------------------------------------------

    def _decidable(self, short_code: str) -> EnrolmentState:
        state = self.by_code(short_code)
        if state.status != "pending":
            raise ConflictError.of("enrolment_decided", enrolment=state.code, status=state.status)
        return state

    def _decide(self, key_id: str, status: str, operator: str, index: int | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(Enrolment)
                .where(Enrolment.key_id == key_id)
                .values(
                    status=status,
                    decided=format_time(self.clock()),
                    decided_by=operator,
                    key_index=index,
                )
            )

    def _state(self, conn: Connection, row: Row[Any]) -> EnrolmentState:
        # The registry is the authority: a key on the log is approved (or revoked) whatever
        # the table says, e.g. when it was added with `ledger actor add-key`.
        key = conn.execute(
            select(KeyRow.entry_idx, KeyRow.revoked_effective).where(KeyRow.key_id == row.key_id)
        ).first()
        status: Status = row.status  # type: ignore[assignment]
        if key is not None:
            status = "revoked" if key.revoked_effective is not None else "approved"
        elif status == "pending" and _is_stale(row.requested, self.clock()):
            status = "expired"
        return EnrolmentState(
            key_id=row.key_id,
            code=row.code,
            actor=row.actor,
            actor_name=_actor_name(conn, row.actor) or "",
            device=row.device,
            requested=row.requested,
            status=status,
            key_index=None if key is None else key.entry_idx,
            revoked_effective=None if key is None else key.revoked_effective,
        )


def _row(request: EnrolmentRequest) -> dict[str, Any]:
    return {
        "key_id": key_id_of(request.public_key.raw),
        "code": request.code,
        "actor": request.actor,
        "public_key": request.public_key.b64,
        "device": request.device,
        "requested": format_time(request.requested),
        "request": canonical_bytes(request.to_json()).decode("utf-8"),
        "status": "pending",
    }


def _actor_name(conn: Connection, actor: str) -> str | None:
    return conn.execute(select(ActorRow.name).where(ActorRow.actor == actor)).scalar_one_or_none()


def _is_stale(requested: str, now: datetime) -> bool:
    return parse_entry_time(requested, field="requested") < now - MAX_AGE
