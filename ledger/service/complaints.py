"""Shoppers' complaints, kept off the log (docs/COMPLAINTS.md), and their outcomes, on it
(FORMAT.md 3.9).

A complaint is filed against a scanned object; the server works out from the object's
lineage which actors it concerns (the maker of the lot, the retailers that held it), keeps
the words, photo and optional contact in the ``complaints`` table, and hands the shopper a
receipt: the complaint number, a secret for the private link (only its hash is kept) and the
salt of the commitment the outcome will name. A concerned actor (or the operator) gives the
outcome as a signed ``complaint`` statement; this module's ``check_outcome`` is the
operator's own admission rule on top of the log's (the statement must answer a complaint
filed here, for an actor it concerns, and its public reply must hold no contact details).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, func, insert, select, update

from ledger.core.canonical import canonical_bytes
from ledger.core.complaint import CATEGORIES, commitment
from ledger.core.complaint_text import MAX_CONTACT, MAX_TEXT, mask_contacts
from ledger.core.entries import parse_entry
from ledger.core.errors import AuthorisationError, NotFoundError, ValidationError
from ledger.core.gs1 import GS1Identifier, parse_identifier
from ledger.core.signing import SIGNATURE_SIZE, b64decode
from ledger.core.timefmt import format_time, parse_entry_time
from ledger.service.complaint_rules import check_outcome, display_number
from ledger.service.lineage import lineage
from ledger.service.queries import log_size
from ledger.service.sequencer import Clock, system_clock
from ledger.service.state import BatchState
from ledger.store.models import Complaint, ComplaintOutcomeRow, LogEntry

__all__ = [
    "ID_ALPHABET",
    "MAX_PHOTO_BYTES",
    "ComplaintRecord",
    "Complaints",
    "Outcome",
    "Receipt",
    "check_outcome",
    "complaint_counts",
    "concerned_actors",
    "normalise_number",
]

# Crockford's base 32: no I, L, O or U, so a number read aloud or copied by hand survives.
ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_LENGTH = 12  # 60 random bits
SALT_BYTES = 16
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_CONCERNED = 6
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
_CONTROL = frozenset(chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))


@dataclass(frozen=True)
class Receipt:
    """What the shopper is shown once: the number, the private link's secret, the salt."""

    complaint_id: str
    token: str
    salt: str  # hex
    commitment: str
    text_masked: bool  # contact details were found in the text and hidden

    @property
    def number(self) -> str:
        """The complaint number as shown: three groups of four."""
        return display_number(self.complaint_id)


@dataclass(frozen=True)
class Outcome:
    """A complaint's outcome as the log holds it."""

    index: int
    actor: str
    outcome: str
    reply: str
    recall: str | None
    time: str


@dataclass(frozen=True)
class ComplaintRecord:
    """One complaint as its readers may see it (the contact only where asked for)."""

    complaint_id: str
    object_id: str
    concerned: tuple[str, ...]
    category: str
    text: str
    photo_type: str | None
    contact: str | None
    salt: str
    commitment: str
    created: str
    outcome: Outcome | None

    @property
    def number(self) -> str:
        return display_number(self.complaint_id)

    @property
    def status(self) -> str:
        return "open" if self.outcome is None else self.outcome.outcome


def normalise_number(text: str) -> str | None:
    """A complaint number as typed (dashes, spaces, lower case, Crockford's look-alikes)
    -> its stored form, or None when it cannot be one."""
    cleaned = text.strip().upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    if len(cleaned) != ID_LENGTH or any(c not in ID_ALPHABET for c in cleaned):
        return None
    return cleaned


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def _object(object_id: str) -> GS1Identifier:
    try:
        ident = parse_identifier(object_id, field="object")
    except ValidationError as exc:
        raise ValidationError.of(
            "bad_complaint", why="the code scanned is not a product's code"
        ) from exc
    if ident.kind not in ("lot", "unit", "sscc"):
        raise ValidationError.of("bad_complaint", why="the code scanned is not a product's code")
    return ident


def concerned_actors(conn: Connection, object_id: str) -> tuple[str, ...]:
    """The actors a complaint about ``object_id`` concerns, the maker first: the actor whose
    commissioning or transformation made the object's lot last, then the retailers that
    held it, then the other makers upstream."""
    walked = lineage(conn, object_id, log_size(conn))
    makers = [
        step.actor.actor
        for step in walked.steps
        if step.event.biz_step == "commissioning" or step.event.event_type == "TransformationEvent"
    ]
    retailers = [step.actor.actor for step in walked.steps if "retailer" in step.actor.roles]
    ordered = [*reversed(makers[-1:]), *retailers, *reversed(makers[:-1])]
    if not ordered:
        ordered = [step.actor.actor for step in reversed(walked.steps)]
    return tuple(dict.fromkeys(ordered))[:MAX_CONCERNED]


def _check_text(text: str, contact: str | None) -> None:
    if not text.strip():
        raise ValidationError.of("bad_complaint", why="say in a few words what is wrong")
    if len(text) > MAX_TEXT:
        raise ValidationError.of("too_large", what="complaint text", size=len(text), limit=MAX_TEXT)
    if any(c in _CONTROL for c in text):
        raise ValidationError.of("bad_complaint", why="the text holds control characters")
    if contact is not None and (len(contact) > MAX_CONTACT or any(c in _CONTROL for c in contact)):
        raise ValidationError.of("bad_contact", what="the contact", limit=MAX_CONTACT)


class Complaints:
    """The complaints of one ledger database."""

    def __init__(self, engine: Engine, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.clock = clock

    def file(
        self,
        object_id: str,
        category: str,
        text: str,
        *,
        photo: tuple[bytes, str] | None = None,
        contact: str | None = None,
    ) -> Receipt:
        """Keep a complaint; raise the rule its input breaks (nothing is stored then)."""
        ident = _object(object_id)
        if category not in CATEGORIES:
            raise ValidationError.of("bad_complaint", why="choose what kind of problem it is")
        text = text.replace("\r\n", "\n").strip()
        contact = (contact or "").strip() or None
        _check_text(text, contact)
        if photo is not None and (photo[1] not in PHOTO_TYPES or len(photo[0]) > MAX_PHOTO_BYTES):
            raise ValidationError.of("bad_photo", found=photo[1])
        masked, was_masked = mask_contacts(text)
        with self.engine.begin() as conn:
            key = ident.object_key()
            concerned = concerned_actors(conn, key)
            if not concerned:
                raise ValidationError.of(
                    "bad_complaint", why="the ledger holds no record of this code"
                )
            complaint_id = "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))
            salt = secrets.token_bytes(SALT_BYTES)
            token = secrets.token_urlsafe(18)
            commit = commitment(salt, complaint_id)
            conn.execute(
                insert(Complaint).values(
                    complaint_id=complaint_id,
                    object_id=key,
                    concerned=" ".join(concerned),
                    category=category,
                    text=masked,
                    photo=None if photo is None else photo[0],
                    photo_type=None if photo is None else photo[1],
                    contact=contact,
                    salt=salt,
                    commitment=commit,
                    token_hash=_token_hash(token),
                    created=format_time(self.clock()),
                )
            )
        return Receipt(complaint_id, token, salt.hex(), commit, was_masked)

    def _rows(self, conn: Connection, where: object) -> list[ComplaintRecord]:
        rows = conn.execute(
            select(Complaint).where(where).order_by(Complaint.created.desc())  # type: ignore[arg-type]
        ).all()
        outcomes = _outcomes(conn, [r.commitment for r in rows])
        return [
            ComplaintRecord(
                r.complaint_id,
                r.object_id,
                tuple(r.concerned.split()),
                r.category,
                r.text,
                r.photo_type,
                r.contact,
                r.salt.hex(),
                r.commitment,
                r.created,
                outcomes.get(r.commitment),
            )
            for r in rows
        ]

    def get(self, complaint_id: str) -> ComplaintRecord:
        """A complaint by its number (for the operator and the actors it concerns)."""
        normal = normalise_number(complaint_id)
        with self.engine.connect() as conn:
            found = self._rows(conn, Complaint.complaint_id == (normal or ""))
        if not found:
            raise NotFoundError.of("unknown_complaint", complaint=complaint_id)
        return found[0]

    def with_token(self, complaint_id: str, token: str) -> ComplaintRecord:
        """A complaint for the holder of its private link; ``unknown_complaint`` otherwise
        (the same answer whether the number or the secret is wrong)."""
        normal = normalise_number(complaint_id) or ""
        with self.engine.connect() as conn:
            stored = conn.execute(
                select(Complaint.token_hash).where(Complaint.complaint_id == normal)
            ).scalar()
        if stored is None or not hmac.compare_digest(bytes(stored), _token_hash(token)):
            raise NotFoundError.of("unknown_complaint", complaint=complaint_id)
        return self.get(normal)

    def erase_contact(self, complaint_id: str) -> None:
        """Forget the complaint's contact details (the caller checked who may)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(Complaint).where(Complaint.complaint_id == complaint_id).values(contact=None)
            )

    def concerning(self, actor: str) -> list[ComplaintRecord]:
        """The complaints that concern ``actor``, newest first."""
        with self.engine.connect() as conn:
            found = self._rows(conn, Complaint.concerned.contains(actor))
        return [c for c in found if actor in c.concerned]

    def all(self, limit: int = 200) -> list[ComplaintRecord]:
        """The newest complaints (the operator's console)."""
        with self.engine.connect() as conn:
            return self._rows(conn, Complaint.complaint_id.is_not(None))[:limit]

    def photo(self, complaint_id: str) -> tuple[bytes, str]:
        """The complaint's photo and its type; ``unknown_complaint`` when it has none."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(Complaint.photo, Complaint.photo_type).where(
                    Complaint.complaint_id == complaint_id
                )
            ).first()
        if row is None or row.photo is None:
            raise NotFoundError.of("unknown_complaint", complaint=complaint_id)
        return bytes(row.photo), str(row.photo_type)


def _outcomes(conn: Connection, commitments: list[str]) -> dict[str, Outcome]:
    if not commitments:
        return {}
    rows = conn.execute(
        select(ComplaintOutcomeRow.commitment, LogEntry.idx, LogEntry.leaf)
        .join(LogEntry, LogEntry.idx == ComplaintOutcomeRow.entry_idx)
        .where(ComplaintOutcomeRow.commitment.in_(commitments))
    ).all()
    out = {}
    for row in rows:
        entry = parse_entry(row.leaf)
        p = entry.statement.payload
        out[row.commitment] = Outcome(
            row.idx, p["actor"], p["outcome"], p["reply"], p.get("recall"), entry.time
        )
    return out


def complaint_counts(conn: Connection, actor: str, tree_size: int) -> dict[str, int]:
    """For an actor's public record: complaints received (the table, those concerning it)
    and still open, and the outcomes it gave, counted from the log below ``tree_size``."""
    counts = dict.fromkeys(("received", "answered", "refunded", "escalated", "open"), 0)
    for outcome, n in conn.execute(
        select(ComplaintOutcomeRow.outcome, func.count())
        .where(ComplaintOutcomeRow.actor == actor, ComplaintOutcomeRow.entry_idx < tree_size)
        .group_by(ComplaintOutcomeRow.outcome)
    ):
        counts[outcome] = int(n)
    rows = conn.execute(
        select(Complaint.concerned, Complaint.commitment).where(Complaint.concerned.contains(actor))
    ).all()
    mine = [r.commitment for r in rows if actor in r.concerned.split()]
    counts["received"] = len(mine)
    answered = set(_outcomes(conn, mine)) if mine else set()
    counts["open"] = len([c for c in mine if c not in answered])
    return counts


INBOX_DOMAIN = b"traceledger/v1/complaint-inbox\x00"
INBOX_SKEW = timedelta(minutes=10)


def inbox_actor(engine: Engine, document: object, now: datetime) -> str:
    """The actor a phone's signed complaints request speaks for (docs/COMPLAINTS.md):
    ``{"request": {"key_id", "requested"}, "sig"}``, signed by a registered, unrevoked key
    over ``INBOX_DOMAIN || JCS(request)``, made within 10 minutes of ``now``."""

    def bad(why: str) -> ValidationError:
        return ValidationError.of("bad_inbox_request", why=why)

    if not isinstance(document, dict) or set(document) != {"request", "sig"}:
        raise bad("send exactly the members request and sig")
    req, sig = document["request"], document["sig"]
    if not isinstance(req, dict) or set(req) != {"key_id", "requested"}:
        raise bad("the request has exactly the members key_id and requested")
    if not isinstance(req["key_id"], str) or not isinstance(sig, str):
        raise bad("key_id and sig are text")
    requested = parse_entry_time(req["requested"], field="request.requested")
    if abs(requested - now) > INBOX_SKEW:
        raise ValidationError.of("stale_request", requested=req["requested"])
    signature = b64decode(sig, field="sig", size=SIGNATURE_SIZE)
    with engine.connect() as conn:
        key = BatchState(conn).key(req["key_id"])
    if key is None:
        raise AuthorisationError.of("unknown_key", key_id=req["key_id"][:40])
    if not key.valid_at(now):
        raise AuthorisationError.of(
            "key_revoked", key_id=key.key_id, effective=format_time(key.revoked_effective or now)
        )
    key.public_key.verify(INBOX_DOMAIN + canonical_bytes(req), signature)
    return key.actor
