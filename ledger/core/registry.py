"""Who may sign what: the actor and key registry replayed from the log (FORMAT.md 3.1-3.6).

``admit`` decides whether one statement may enter the log at a given index and time,
against a read-only ``RegistryView``. The append pipeline gives it a view over the
database; the log verifier gives it the in-memory ``Registry`` below, replayed from the
entries themselves. One rule book, two sources of state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ledger.core import gs1, policy
from ledger.core.complaint import ComplaintOutcome, parse_complaint_outcome
from ledger.core.correction import Correction, parse_correction
from ledger.core.errors import AuthorisationError, ConflictError, ValidationError
from ledger.core.event_parser import parse_event
from ledger.core.events import Event
from ledger.core.members import check_members
from ledger.core.recall import RECALL_ROLES, RecallNotice, parse_recall
from ledger.core.signing import PUBLIC_KEY_SIZE, PublicKey, b64decode
from ledger.core.statements import OPERATOR_KINDS, Statement
from ledger.core.timefmt import parse_entry_time

ACTOR_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
_KEY_ID = re.compile(r"[0-9a-f]{32}")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # FORMAT.md section 3.2


@dataclass(frozen=True)
class Genesis:
    origin: str
    operator_key: PublicKey
    created: str


@dataclass(frozen=True)
class ActorRecord:
    actor: str
    name: str
    roles: tuple[str, ...]
    region: str
    gln: str
    index: int
    name_en: str | None = None


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    actor: str
    public_key: PublicKey
    index: int
    revoked_effective: datetime | None = None

    def valid_at(self, moment: datetime) -> bool:
        """Whether the key may sign at ``moment`` (FORMAT.md 3.6 rule 2)."""
        return self.revoked_effective is None or moment < self.revoked_effective


@dataclass(frozen=True)
class Revocation:
    key_id: str
    actor: str
    effective: datetime
    reason: str
    index: int


@dataclass(frozen=True)
class AcceptedEvent:
    event: Event
    actor: ActorRecord
    key: KeyRecord
    index: int


@dataclass(frozen=True)
class RecallState:
    """A recall as its statements so far leave it: who opened it, and whether it is closed."""

    recall_id: str
    actor: str
    closed: bool


@dataclass(frozen=True)
class AcceptedRecall:
    notice: RecallNotice
    actor: ActorRecord
    index: int


@dataclass(frozen=True)
class AcceptedCorrection:
    correction: Correction
    actor: str | None  # None: declared by the operator
    index: int


@dataclass(frozen=True)
class AcceptedComplaint:
    outcome: ComplaintOutcome
    signer_actor: str | None  # None: signed by the operator
    index: int


Admission = (
    Genesis
    | ActorRecord
    | KeyRecord
    | Revocation
    | AcceptedEvent
    | AcceptedRecall
    | AcceptedCorrection
    | AcceptedComplaint
)


class RegistryView(Protocol):
    """Read access to the registry state as of the entry being admitted."""

    def genesis(self) -> Genesis | None: ...

    def actor(self, actor_id: str) -> ActorRecord | None: ...

    def actor_by_gln(self, gln: str) -> ActorRecord | None: ...

    def key(self, key_id: str) -> KeyRecord | None: ...

    def recall(self, recall_id: str) -> RecallState | None: ...

    def event_actor(self, index: int) -> str | None:
        """The actor whose event is entry ``index``; None when that entry is no event."""
        ...

    def correction_of(self, index: int) -> int | None:
        """The index of the correction of the event at ``index``, if one was made."""
        ...

    def complaint_outcome(self, commitment: str) -> int | None:
        """The index of the outcome already given to the complaint ``commitment``, if any."""
        ...


def _text(payload: dict[str, Any], name: str, max_len: int) -> str:
    value = payload[name]
    if not isinstance(value, str) or not 1 <= len(value) <= max_len or _CONTROL.search(value):
        raise ValidationError(
            f"{name} must be text of 1 to {max_len} characters, without control characters",
            code="bad_value",
            field=f"payload.{name}",
        )
    return value


def _actor_id(payload: dict[str, Any]) -> str:
    value = payload["actor"]
    if not isinstance(value, str) or not ACTOR_ID.fullmatch(value):
        raise ValidationError(
            "actor must be 2 to 63 lowercase letters, digits or '-', "
            "starting with a letter or digit",
            code="bad_value",
            field="payload.actor",
        )
    return value


def _public_key(payload: dict[str, Any], name: str) -> PublicKey:
    value = payload[name]
    if not isinstance(value, str):
        raise ValidationError(
            f"{name} must be base64 text", code="wrong_type", field=f"payload.{name}"
        )
    return PublicKey(b64decode(value, field=f"payload.{name}", size=PUBLIC_KEY_SIZE))


def _genesis(statement: Statement) -> Genesis:
    payload = statement.payload
    check_members(payload, {"origin", "operator_key", "created"}, "genesis")
    origin = _text(payload, "origin", 200)
    if any(c.isspace() for c in origin) or "+" in origin:
        raise ValidationError(
            "the origin has no spaces and no '+'", code="bad_value", field="payload.origin"
        )
    key = _public_key(payload, "operator_key")
    parse_entry_time(payload["created"], field="payload.created")
    if statement.signer != key.key_id:
        raise AuthorisationError(
            "the genesis statement must be signed by the operator key it names", code="not_operator"
        )
    statement.verify_signature(key)
    return Genesis(origin, key, payload["created"])


def _actor(statement: Statement, index: int, view: RegistryView) -> ActorRecord:
    payload = statement.payload
    check_members(
        payload, {"actor", "name", "roles", "region", "gln"}, "actor", frozenset({"name_en"})
    )
    actor_id = _actor_id(payload)
    name = _text(payload, "name", 200)
    # The business name for English readers, where the business has one (FORMAT.md 3.2).
    name_en = _text(payload, "name_en", 200) if "name_en" in payload else None
    region = _text(payload, "region", 200)
    roles = payload["roles"]
    if (
        not isinstance(roles, list)
        or not roles
        or len(set(map(str, roles))) != len(roles)
        or not all(isinstance(r, str) and r in policy.ROLES for r in roles)
    ):
        raise ValidationError(
            "roles must be a non-empty list without repeats, "
            f"each one of {', '.join(policy.ROLES)}",
            code="bad_value",
            field="payload.roles",
        )
    gln = payload["gln"]
    if not isinstance(gln, str):
        raise ValidationError("gln must be a 13-digit text", code="wrong_type", field="payload.gln")
    gs1.validate_gln(gln, field="payload.gln")
    if view.actor(actor_id) is not None:
        raise ConflictError(
            f"actor {actor_id!r} is already registered", code="actor_exists", field="payload.actor"
        )
    if view.actor_by_gln(gln) is not None:
        raise ConflictError(
            f"GLN {gln} already belongs to another actor", code="gln_taken", field="payload.gln"
        )
    return ActorRecord(actor_id, name, tuple(roles), region, gln, index, name_en)


def _key(statement: Statement, index: int, view: RegistryView) -> KeyRecord:
    payload = statement.payload
    check_members(payload, {"actor", "public_key"}, "key")
    actor_id = _actor_id(payload)
    key = _public_key(payload, "public_key")
    if view.actor(actor_id) is None:
        raise ValidationError(
            f"no actor {actor_id!r} is registered", code="unknown_actor", field="payload.actor"
        )
    if view.key(key.key_id) is not None:
        raise ConflictError(
            "this public key is already in the log", code="key_exists", field="payload.public_key"
        )
    genesis = view.genesis()
    if genesis is not None and key.key_id == genesis.operator_key.key_id:
        raise ConflictError(
            "the operator key cannot be a producer key",
            code="key_exists",
            field="payload.public_key",
        )
    return KeyRecord(key.key_id, actor_id, key, index)


def _revoke(statement: Statement, index: int, view: RegistryView) -> Revocation:
    payload = statement.payload
    check_members(payload, {"actor", "key_id", "effective", "reason"}, "revoke")
    actor_id = _actor_id(payload)
    key_id = payload["key_id"]
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
        raise ValidationError(
            "key_id must be 32 lowercase hex digits", code="bad_value", field="payload.key_id"
        )
    effective = parse_entry_time(payload["effective"], field="payload.effective")
    reason = _text(payload, "reason", 500)
    record = view.key(key_id)
    if record is None or record.actor != actor_id:
        raise ValidationError(
            f"actor {actor_id!r} has no key {key_id}", code="unknown_key", field="payload.key_id"
        )
    if record.revoked_effective is not None:
        raise ConflictError(
            f"key {key_id} is already revoked", code="key_already_revoked", field="payload.key_id"
        )
    return Revocation(key_id, actor_id, effective, reason, index)


def _signing_actor(
    statement: Statement, time: datetime, view: RegistryView
) -> tuple[ActorRecord, KeyRecord]:
    """FORMAT.md 3.6 rules 1-2: a registered key, not revoked, and the actor it belongs to."""
    key = view.key(statement.signer)
    if key is None:
        raise AuthorisationError(
            f"key {statement.signer} is not registered: ask the operator to register it first",
            code="unknown_key",
            field="signer",
        )
    if not key.valid_at(time):
        raise AuthorisationError(
            f"key {statement.signer} was revoked; it can no longer sign",
            code="key_revoked",
            field="signer",
        )
    actor = view.actor(key.actor)
    if actor is None:  # a key entry can only name a registered actor; a broken store otherwise
        raise AuthorisationError(
            f"the actor of key {statement.signer} is not registered", code="unknown_actor"
        )
    return actor, key


def _event(statement: Statement, index: int, time: datetime, view: RegistryView) -> AcceptedEvent:
    event = parse_event(statement.payload)
    actor, key = _signing_actor(statement, time, view)
    policy.check_step_allowed(actor.roles, event.biz_step)
    policy.check_event_time(event.event_time, time)
    statement.verify_signature(key.public_key)
    return AcceptedEvent(event, actor, key, index)


def _recall(statement: Statement, index: int, time: datetime, view: RegistryView) -> AcceptedRecall:
    notice = parse_recall(statement.payload)
    actor, key = _signing_actor(statement, time, view)
    if not RECALL_ROLES & set(actor.roles):
        raise AuthorisationError(
            f"actor {actor.actor!r} may not sign a recall: only a regulator or a brand owner may",
            code="role_not_permitted",
            field="signer",
        )
    state = view.recall(notice.recall_id)
    if notice.status == "open":
        if state is not None:
            raise ConflictError(
                f"recall {notice.recall_id} was already opened; update it instead",
                code="recall_exists",
                field="payload.recall",
            )
    elif state is None:
        raise ValidationError(
            f"no recall {notice.recall_id} was opened: the first statement of a recall has "
            "status open",
            code="unknown_recall",
            field="payload.recall",
        )
    elif state.closed:
        raise ConflictError(
            f"recall {notice.recall_id} is closed: open a new recall instead",
            code="recall_closed",
            field="payload.recall",
        )
    elif state.actor != actor.actor and "regulator" not in actor.roles:
        raise AuthorisationError(
            f"recall {notice.recall_id} was opened by {state.actor}: only they or a regulator "
            "may update or close it",
            code="not_recall_owner",
            field="signer",
        )
    statement.verify_signature(key.public_key)
    return AcceptedRecall(notice, actor, index)


def _correction(
    statement: Statement, index: int, time: datetime, view: RegistryView, genesis: Genesis
) -> AcceptedCorrection:
    correction = parse_correction(statement.payload)
    by_operator = statement.signer == genesis.operator_key.key_id
    signer_key = genesis.operator_key
    actor_id: str | None = None
    if not by_operator:
        actor, key = _signing_actor(statement, time, view)
        actor_id, signer_key = actor.actor, key.public_key
    target = correction.entry
    owner = view.event_actor(target) if target < index else None
    if owner is None:
        raise ValidationError(
            f"entry {target} is not an event earlier in the log: only events can be corrected",
            code="unknown_event",
            field="payload.entry",
        )
    if actor_id is not None and owner != actor_id:
        raise AuthorisationError(
            f"entry {target} was posted by {owner}: only they or the operator may correct it",
            code="not_event_owner",
            field="payload.entry",
        )
    earlier = view.correction_of(target)
    if earlier is not None:
        raise ConflictError(
            f"entry {target} was already corrected by entry {earlier}",
            code="already_corrected",
            field="payload.entry",
        )
    statement.verify_signature(signer_key)
    return AcceptedCorrection(correction, actor_id, index)


def _complaint(
    statement: Statement, index: int, time: datetime, view: RegistryView, genesis: Genesis
) -> AcceptedComplaint:
    outcome = parse_complaint_outcome(statement.payload)
    signer_key = genesis.operator_key
    signer_actor: str | None = None
    if statement.signer != genesis.operator_key.key_id:
        actor, key = _signing_actor(statement, time, view)
        signer_actor, signer_key = actor.actor, key.public_key
    if view.actor(outcome.actor) is None:
        raise AuthorisationError(
            f"no actor {outcome.actor!r} is registered", code="unknown_actor", field="payload.actor"
        )
    if signer_actor is not None and signer_actor != outcome.actor:
        raise AuthorisationError(
            f"the complaint is addressed to {outcome.actor}: only they or the operator may "
            "give its outcome",
            code="not_complaint_party",
            field="payload.actor",
        )
    if outcome.recall is not None and view.recall(outcome.recall) is None:
        raise ValidationError(
            f"no recall {outcome.recall} was opened: open the recall first, then name it",
            code="unknown_recall",
            field="payload.recall",
        )
    earlier = view.complaint_outcome(outcome.commitment)
    if earlier is not None:
        raise ConflictError(
            f"this complaint already has its outcome, at entry {earlier}",
            code="complaint_answered",
            field="payload.commitment",
        )
    statement.verify_signature(signer_key)
    return AcceptedComplaint(outcome, signer_actor, index)


def admit(statement: Statement, *, index: int, time: datetime, view: RegistryView) -> Admission:
    """Decide whether ``statement`` may be entry ``index`` at ``time``; raise the rule it breaks."""
    if index == 0 or statement.kind == "genesis":
        if index != 0 or statement.kind != "genesis":
            raise ValidationError(
                "the first entry of a log, and only the first, is its genesis statement",
                code="misplaced_genesis",
                field="kind",
            )
        return _genesis(statement)
    genesis = view.genesis()
    if genesis is None:
        raise ValidationError("the log has no genesis entry", code="no_genesis")
    if statement.kind in OPERATOR_KINDS:
        if statement.signer != genesis.operator_key.key_id:
            raise AuthorisationError(
                f"only the operator may sign {statement.kind} statements",
                code="not_operator",
                field="signer",
            )
        admission: Admission
        if statement.kind == "actor":
            admission = _actor(statement, index, view)
        elif statement.kind == "key":
            admission = _key(statement, index, view)
        else:
            admission = _revoke(statement, index, view)
        statement.verify_signature(genesis.operator_key)
        return admission
    if statement.kind == "recall":
        return _recall(statement, index, time, view)
    if statement.kind == "correction":
        return _correction(statement, index, time, view, genesis)
    if statement.kind == "complaint":
        return _complaint(statement, index, time, view, genesis)
    return _event(statement, index, time, view)


class Registry:
    """The registry held in memory and replayed entry by entry (verifiers, tests)."""

    def __init__(self) -> None:
        self._genesis: Genesis | None = None
        self.actors: dict[str, ActorRecord] = {}
        self.glns: dict[str, str] = {}
        self.keys: dict[str, KeyRecord] = {}
        self.recalls: dict[str, RecallState] = {}
        self.event_actors: dict[int, str] = {}
        self.corrections: dict[int, int] = {}
        self.complaints: dict[str, int] = {}

    def genesis(self) -> Genesis | None:
        return self._genesis

    def actor(self, actor_id: str) -> ActorRecord | None:
        return self.actors.get(actor_id)

    def actor_by_gln(self, gln: str) -> ActorRecord | None:
        actor_id = self.glns.get(gln)
        return None if actor_id is None else self.actors[actor_id]

    def key(self, key_id: str) -> KeyRecord | None:
        return self.keys.get(key_id)

    def recall(self, recall_id: str) -> RecallState | None:
        return self.recalls.get(recall_id)

    def event_actor(self, index: int) -> str | None:
        return self.event_actors.get(index)

    def correction_of(self, index: int) -> int | None:
        return self.corrections.get(index)

    def complaint_outcome(self, commitment: str) -> int | None:
        return self.complaints.get(commitment)

    def apply(self, admission: Admission) -> None:
        """Record the effect of an admitted statement."""
        if isinstance(admission, Genesis):
            self._genesis = admission
        elif isinstance(admission, ActorRecord):
            self.actors[admission.actor] = admission
            self.glns[admission.gln] = admission.actor
        elif isinstance(admission, KeyRecord):
            self.keys[admission.key_id] = admission
        elif isinstance(admission, Revocation):
            old = self.keys[admission.key_id]
            self.keys[admission.key_id] = KeyRecord(
                old.key_id, old.actor, old.public_key, old.index, admission.effective
            )
        elif isinstance(admission, AcceptedEvent):
            self.event_actors[admission.index] = admission.actor.actor
        elif isinstance(admission, AcceptedRecall):
            self.recalls[admission.notice.recall_id] = recall_state(
                self.recalls.get(admission.notice.recall_id), admission
            )
        elif isinstance(admission, AcceptedCorrection):
            self.corrections[admission.correction.entry] = admission.index
        elif isinstance(admission, AcceptedComplaint):
            self.complaints[admission.outcome.commitment] = admission.index


def recall_state(before: RecallState | None, admission: AcceptedRecall) -> RecallState:
    """The state of a recall after an admitted statement of it."""
    notice = admission.notice
    opener = admission.actor.actor if before is None else before.actor
    return RecallState(notice.recall_id, opener, notice.status == "closed")
