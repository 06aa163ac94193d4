"""Signed statements: what producers and the operator sign and submit (FORMAT.md section 3)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ledger.core.canonical import canonical_bytes
from ledger.core.errors import MalformedError
from ledger.core.hashing import sha256
from ledger.core.signing import (
    SIGNATURE_SIZE,
    STATEMENT_KINDS,
    PublicKey,
    SigningKey,
    b64decode,
    b64encode,
    domain_prefix,
)

MAX_STATEMENT_BYTES = 65_536
STATEMENT_MEMBERS = frozenset({"kind", "payload", "signer", "sig"})
OPERATOR_KINDS = frozenset({"genesis", "actor", "key", "revoke"})
_KEY_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Statement:
    """A signed statement. ``message`` (what was signed) and ``statement_id`` are derived."""

    kind: str
    payload: dict[str, Any]
    signer: str
    sig: bytes
    message: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        unsigned = {"kind": self.kind, "payload": self.payload, "signer": self.signer}
        object.__setattr__(self, "message", domain_prefix(self.kind) + canonical_bytes(unsigned))

    @property
    def statement_id(self) -> bytes:
        """SHA-256 of the signed message: two statements with one ID are the same statement."""
        return sha256(self.message)

    def to_json(self) -> dict[str, Any]:
        """The statement as a JSON object, as submitted and as held in entries."""
        return {
            "kind": self.kind,
            "payload": self.payload,
            "signer": self.signer,
            "sig": b64encode(self.sig),
        }

    def canonical(self) -> bytes:
        """JCS bytes of the whole statement (signature included)."""
        # Splice "sig" into the already canonical unsigned form instead of serialising the
        # payload twice: members sort kind < payload < sig < signer, and the top-level
        # "signer" is the last member, so its ',"signer":' is the last one in the bytes.
        unsigned = self.message[len(domain_prefix(self.kind)) :]
        cut = unsigned.rfind(b',"signer":')
        return (
            unsigned[:cut]
            + b',"sig":"'
            + b64encode(self.sig).encode("ascii")
            + b'"'
            + unsigned[cut:]
        )

    def verify_signature(self, public_key: PublicKey) -> None:
        """Raise SignatureError unless ``sig`` is ``public_key``'s signature of ``message``."""
        public_key.verify(self.message, self.sig)


def sign_statement(kind: str, payload: dict[str, Any], key: SigningKey) -> Statement:
    """Sign ``payload`` as a statement of ``kind`` with ``key`` (the producer's side)."""
    signer = key.public_key.key_id
    unsigned = {"kind": kind, "payload": payload, "signer": signer}
    sig = key.sign(domain_prefix(kind) + canonical_bytes(unsigned))
    return Statement(kind, payload, signer, sig)


def parse_statement(obj: object) -> Statement:
    """Check a statement's shape (not its signature or its payload's rules) and build it."""
    if not isinstance(obj, dict):
        raise MalformedError(
            "a statement must be a JSON object", code="wrong_type", field="statement"
        )
    missing = STATEMENT_MEMBERS - obj.keys()
    if missing:
        name = min(missing)
        raise MalformedError(
            f"the statement has no {name!r} member", code="missing_field", field=name
        )
    extra = obj.keys() - STATEMENT_MEMBERS
    if extra:
        name = min(extra)
        raise MalformedError(
            f"the statement has a member {name!r} that is not allowed; only kind, payload, "
            "signer and sig are",
            code="unknown_field",
            field=name,
        )
    kind, payload, signer, sig = obj["kind"], obj["payload"], obj["signer"], obj["sig"]
    if not isinstance(kind, str) or kind not in STATEMENT_KINDS:
        raise MalformedError(
            f"kind must be one of {', '.join(STATEMENT_KINDS)}", code="unknown_kind", field="kind"
        )
    if not isinstance(payload, dict):
        raise MalformedError("payload must be a JSON object", code="wrong_type", field="payload")
    if not isinstance(signer, str) or not _KEY_ID.fullmatch(signer):
        raise MalformedError(
            "signer must be a key ID: 32 lowercase hex digits", code="bad_key_id", field="signer"
        )
    if not isinstance(sig, str):
        raise MalformedError("sig must be a base64 string", code="wrong_type", field="sig")
    statement = Statement(kind, payload, signer, b64decode(sig, field="sig", size=SIGNATURE_SIZE))
    size = len(statement.canonical())
    if size > MAX_STATEMENT_BYTES:
        raise MalformedError(
            f"the statement is {size} bytes in canonical form; "
            f"at most {MAX_STATEMENT_BYTES} are accepted",
            code="too_large",
        )
    return statement
