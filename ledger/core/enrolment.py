"""A phone's request to have its key added to an actor, and its short code (FORMAT.md 11).

The phone makes an Ed25519 key that never leaves it, and signs an enrolment request with
it: proof that whoever asks holds the private key. The request is not a statement and never
enters the log; the operator's approval does, as a ``key`` statement. The short code is
derived from the signed bytes, so the operator who types (or scans) the code the phone shows
approves exactly the key and actor the phone asked for, and a forged code finds nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from ledger.core.canonical import canonical_bytes
from ledger.core.errors import MalformedError, SignatureError, ValidationError
from ledger.core.hashing import sha256
from ledger.core.signing import (
    DOMAIN_TAG,
    PUBLIC_KEY_SIZE,
    PublicKey,
    SigningKey,
    b64decode,
    b64encode,
)
from ledger.core.timefmt import format_time, parse_entry_time

__all__ = [
    "ENROLMENT_PREFIX",
    "EnrolmentRequest",
    "normalise_code",
    "parse_enrolment",
    "sign_enrolment",
]

# Not a statement kind, so an enrolment signature can never be taken for a statement's.
ENROLMENT_PREFIX = DOMAIN_TAG + b"enrolment\x00"
REQUEST_MEMBERS = ("actor", "public_key", "device", "requested")
MAX_DEVICE = 100
# A request older than this is stale: the phone makes a new one (and shows a new code).
MAX_AGE = timedelta(days=7)
# The phone's clock may be ahead of the server's by this much.
CLOCK_SKEW = timedelta(minutes=10)
# Crockford's base32: no I, L, O or U, so a code read aloud or typed is hard to get wrong.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})
_ACTOR = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")


@dataclass(frozen=True)
class EnrolmentRequest:
    """A checked, signed enrolment request."""

    actor: str
    public_key: PublicKey
    device: str
    requested: datetime
    sig: bytes

    @property
    def message(self) -> bytes:
        """What the phone signed: the prefix and the request's RFC 8785 bytes."""
        return ENROLMENT_PREFIX + canonical_bytes(self.request_json())

    @property
    def code(self) -> str:
        """The short code shown on the phone: 40 bits of the message's SHA-256, ``XXXX-XXXX``."""
        bits = int.from_bytes(sha256(self.message)[:5], "big")
        chars = "".join(_CROCKFORD[(bits >> shift) & 31] for shift in range(35, -1, -5))
        return f"{chars[:4]}-{chars[4:]}"

    def request_json(self) -> dict[str, Any]:
        """The request as the phone signed it."""
        return {
            "actor": self.actor,
            "public_key": self.public_key.b64,
            "device": self.device,
            "requested": format_time(self.requested),
        }

    def to_json(self) -> dict[str, Any]:
        """The submission: the request and its signature."""
        return {"request": self.request_json(), "sig": b64encode(self.sig)}


def _text(value: object, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise MalformedError(f"{field} must be text", code="wrong_type", field=field)
    if not value.strip() or len(value) > limit or not value.isprintable():
        raise ValidationError(
            f"{field} is 1 to {limit} printable characters", code="bad_value", field=field
        )
    return value


def parse_enrolment(body: Any, now: datetime) -> EnrolmentRequest:
    """Check a submitted enrolment (shape, freshness, signature); raise a ``LedgerError``."""
    if not isinstance(body, dict) or set(body) != {"request", "sig"}:
        raise MalformedError(
            "an enrolment is an object with exactly the members request and sig",
            code="bad_enrolment",
        )
    request = body["request"]
    if not isinstance(request, dict) or set(request) != set(REQUEST_MEMBERS):
        raise MalformedError(
            "an enrolment request has exactly the members " + ", ".join(REQUEST_MEMBERS),
            code="bad_enrolment",
            field="request",
        )
    actor = _text(request["actor"], "request.actor", 63)
    if not _ACTOR.fullmatch(actor):
        raise ValidationError(
            "an actor ID is 2 to 63 lowercase letters, digits or '-'",
            code="bad_value",
            field="request.actor",
        )
    public_key = _text(request["public_key"], "request.public_key", 44)
    raw_key = b64decode(public_key, field="request.public_key", size=PUBLIC_KEY_SIZE)
    device = _text(request["device"], "request.device", MAX_DEVICE)
    # A ledger time (what JavaScript's toISOString writes), so the request round-trips.
    requested = parse_entry_time(request["requested"], field="request.requested")
    sig_text = body["sig"]
    if not isinstance(sig_text, str):
        raise MalformedError("sig must be base64 text", code="wrong_type", field="sig")
    sig = b64decode(sig_text, field="sig", size=64)
    if requested > now + CLOCK_SKEW:
        raise ValidationError.of("enrolment_in_future", field="request.requested")
    if requested < now - MAX_AGE:
        raise ValidationError.of("enrolment_expired", days=MAX_AGE.days)
    parsed = EnrolmentRequest(actor, PublicKey(raw_key), device, requested, sig)
    try:
        parsed.public_key.verify(parsed.message, sig)
    except SignatureError as exc:
        raise SignatureError.of("bad_enrolment_signature") from exc
    return parsed


def sign_enrolment(
    key: SigningKey, actor: str, device: str, requested: datetime
) -> EnrolmentRequest:
    """The signed request a device with ``key`` submits (what the app does in the browser)."""
    unsigned = EnrolmentRequest(actor, key.public_key, device, requested, b"")
    return replace(unsigned, sig=key.sign(unsigned.message))


def normalise_code(text: str) -> str:
    """A typed short code in its canonical form ``XXXX-XXXX`` (case, spaces and the letters
    O, I, L forgiven); ``MalformedError`` (bad_code) when it cannot be one."""
    squeezed = re.sub(r"[\s-]", "", text.upper()).translate(_TYPO)
    if len(squeezed) != 8 or any(c not in _CROCKFORD for c in squeezed):
        raise MalformedError.of("bad_code", field="code")
    return f"{squeezed[:4]}-{squeezed[4:]}"
