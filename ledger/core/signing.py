"""Ed25519 (RFC 8032) keys and domain-separated signatures over canonical bytes.

PyNaCl's exceptions are translated here and nowhere else.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from functools import cached_property

import nacl.exceptions
import nacl.signing

from ledger.core.errors import MalformedError, SignatureError
from ledger.core.hashing import sha256

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
# FORMAT.md section 2: "traceledger/v1/" || kind || 0x00 || JCS(...).
DOMAIN_TAG = b"traceledger/v1/"
STATEMENT_KINDS = (
    "genesis",
    "actor",
    "key",
    "revoke",
    "event",
    "recall",
    "correction",
    "complaint",
)


def domain_prefix(kind: str) -> bytes:
    """The signature preimage prefix for a statement kind."""
    if kind not in STATEMENT_KINDS:
        raise MalformedError(f"unknown statement kind {kind!r}", code="unknown_kind", field="kind")
    return DOMAIN_TAG + kind.encode("ascii") + b"\x00"


def key_id(public_key: bytes) -> str:
    """Key ID of a raw public key: the first 16 bytes of its SHA-256, as hex."""
    return sha256(public_key)[:16].hex()


def b64encode(data: bytes) -> str:
    """Standard base64 with padding (RFC 4648 section 4), as text."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, *, field: str, size: int | None = None) -> bytes:
    """Strict standard base64 (padding required, no other alphabet), optionally of a fixed size."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise MalformedError(
            f"{field} is not valid base64", code="bad_base64", field=field
        ) from exc
    # b64decode tolerates some non-canonical encodings (stray bits); one byte string, one text.
    if base64.b64encode(data).decode("ascii") != text:
        raise MalformedError(f"{field} is not canonical base64", code="bad_base64", field=field)
    if size is not None and len(data) != size:
        raise MalformedError(
            f"{field} must decode to {size} bytes, not {len(data)}", code="bad_length", field=field
        )
    return data


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key with its key ID."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != PUBLIC_KEY_SIZE:
            raise MalformedError(
                f"an Ed25519 public key is 32 bytes, not {len(self.raw)}", code="bad_key"
            )

    @property
    def key_id(self) -> str:
        return key_id(self.raw)

    @property
    def b64(self) -> str:
        return b64encode(self.raw)

    def verify(self, message: bytes, signature: bytes) -> None:
        """Raise SignatureError unless ``signature`` is this key's Ed25519 signature of
        ``message``."""
        if len(signature) != SIGNATURE_SIZE:
            raise SignatureError(f"an Ed25519 signature is 64 bytes, not {len(signature)}")
        try:
            nacl.signing.VerifyKey(self.raw).verify(message, signature)
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError) as exc:
            raise SignatureError(
                f"the signature does not match key {self.key_id}: the content was changed "
                "after signing, or it was signed with a different key"
            ) from exc


@dataclass(frozen=True, repr=False)
class SigningKey:
    """An Ed25519 private key (RFC 8032 32-byte seed). Its repr never shows the seed."""

    seed: bytes

    def __post_init__(self) -> None:
        if len(self.seed) != 32:
            raise MalformedError("an Ed25519 private key seed is 32 bytes", code="bad_key")

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.public_key.key_id})"

    @classmethod
    def generate(cls) -> SigningKey:
        """A fresh random key."""
        return cls(bytes(nacl.signing.SigningKey.generate()))

    @cached_property
    def _nacl(self) -> nacl.signing.SigningKey:
        # Deriving the key pair costs a scalar multiplication: do it once per key.
        return nacl.signing.SigningKey(self.seed)

    @property
    def public_key(self) -> PublicKey:
        return PublicKey(bytes(self._nacl.verify_key))

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        return self._nacl.sign(message).signature
