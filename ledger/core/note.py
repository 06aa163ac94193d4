"""C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, and verifier-key strings.

A note is text ending in a newline, a blank line, then signature lines
``— <name> <base64(key ID || signature)>``. The signed message is the text, final newline
included. Verifiers ignore signatures from keys they do not know.
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from ledger.core.errors import MalformedError, NoteSignatureError, SignatureError
from ledger.core.hashing import sha256
from ledger.core.signing import PublicKey, SigningKey, b64encode

ED25519_TYPE = 0x01
EM_DASH = "\u2014"
SIGNATURE_PREFIX = EM_DASH + " "
# golang.org/x/mod rejects notes with more signatures than this; C2SP requires at least 16.
MAX_SIGNATURES = 100


def note_key_id(name: str, public_key: bytes) -> int:
    """C2SP key ID: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key), big-endian."""
    digest = sha256(name.encode("utf-8") + b"\n" + bytes([ED25519_TYPE]) + public_key)
    return int.from_bytes(digest[:4], "big")


def _check_key_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise MalformedError(
            f"note key name {name!r} must be non-empty, without spaces or '+'", code="bad_key_name"
        )


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise MalformedError(f"{what} is not valid base64", code="bad_base64") from exc


@dataclass(frozen=True)
class NoteVerifier:
    """A named Ed25519 note key that can check signatures (what a vkey string denotes)."""

    name: str
    key_id: int
    public_key: PublicKey

    @classmethod
    def parse(cls, vkey: str) -> NoteVerifier:
        """Parse ``<name>+<hex key ID>+<base64(0x01 || key)>``, checking the key ID."""
        parts = vkey.split("+", 2)  # at most twice: base64 may itself contain '+'
        if len(parts) != 3:
            raise MalformedError("a verifier key has the form name+keyid+key", code="bad_vkey")
        name, hex_id, key_b64 = parts
        _check_key_name(name)
        if len(hex_id) != 8 or any(c not in "0123456789abcdef" for c in hex_id):
            raise MalformedError("a verifier key's ID is 8 lowercase hex digits", code="bad_vkey")
        raw = _b64(key_b64, "the verifier key")
        if len(raw) != 33 or raw[0] != ED25519_TYPE:
            raise MalformedError(
                "the verifier key is not an Ed25519 (type 0x01) key", code="bad_vkey"
            )
        key_id = int(hex_id, 16)
        if note_key_id(name, raw[1:]) != key_id:
            raise MalformedError(
                "the verifier key's ID does not match its name and key", code="bad_vkey"
            )
        return cls(name, key_id, PublicKey(raw[1:]))

    @classmethod
    def for_key(cls, name: str, public_key: PublicKey) -> NoteVerifier:
        """The verifier for a known public key under ``name``."""
        _check_key_name(name)
        return cls(name, note_key_id(name, public_key.raw), public_key)

    @property
    def vkey(self) -> str:
        """The C2SP verifier key string."""
        key = b64encode(bytes([ED25519_TYPE]) + self.public_key.raw)
        return f"{self.name}+{self.key_id:08x}+{key}"


@dataclass(frozen=True)
class NoteSigner:
    """A named Ed25519 note key that signs."""

    name: str
    key: SigningKey

    @classmethod
    def parse(cls, skey: str) -> NoteSigner:
        """Parse the golang.org/x/mod private key text.

        The text is ``PRIVATE+KEY+name+id+base64(0x01||seed)``.
        """
        parts = skey.split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise MalformedError("not a PRIVATE+KEY note signer key", code="bad_skey")
        raw = _b64(parts[4], "the signer key")
        if len(raw) != 33 or raw[0] != ED25519_TYPE:
            raise MalformedError("the signer key is not an Ed25519 key", code="bad_skey")
        signer = cls(parts[2], SigningKey(raw[1:]))
        if f"{signer.verifier.key_id:08x}" != parts[3]:
            raise MalformedError("the signer key's ID does not match", code="bad_skey")
        return signer

    @property
    def verifier(self) -> NoteVerifier:
        return NoteVerifier.for_key(self.name, self.key.public_key)

    def signature_line(self, text: str) -> str:
        """One ``— name base64`` line (newline included) signing ``text``."""
        sig = self.key.sign(text.encode("utf-8"))
        blob = struct.pack(">I", self.verifier.key_id) + sig
        return f"{SIGNATURE_PREFIX}{self.name} {b64encode(blob)}\n"

    def sign(self, text: str) -> str:
        """The signed note: ``text``, a blank line, this key's signature line."""
        _check_text(text)
        return text + "\n" + self.signature_line(text)


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a note."""

    name: str
    key_id: int
    signature: bytes


@dataclass(frozen=True)
class OpenedNote:
    """A note whose signatures were checked: its text and the names of the keys that verified it."""

    text: str
    signatures: tuple[NoteSignature, ...]
    verified_by: tuple[str, ...]


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise MalformedError("a note's text must end with a newline", code="bad_note")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise MalformedError("a note must not contain control characters", code="bad_note")


def parse_note(note: str | bytes) -> tuple[str, tuple[NoteSignature, ...]]:
    """Split a note into its text and signature lines, enforcing the C2SP syntax."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedError("a note must be valid UTF-8", code="bad_note") from exc
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise MalformedError("a note must not contain control characters", code="bad_note")
    if not note.endswith("\n"):
        raise MalformedError("a note must end with a newline", code="bad_note")
    split = note.rfind("\n\n")
    if split < 0:
        raise MalformedError("a note needs a blank line before its signatures", code="bad_note")
    text = note[: split + 1]
    lines = note[split + 2 :].split("\n")[:-1]
    if not lines:
        raise MalformedError("a note needs at least one signature", code="bad_note")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedError(
            f"a note may carry at most {MAX_SIGNATURES} signatures", code="bad_note"
        )
    signatures = []
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise MalformedError(
                "a signature line must start with an em dash and a space", code="bad_note"
            )
        name, sep, blob_b64 = line[len(SIGNATURE_PREFIX) :].partition(" ")
        if not sep:
            raise MalformedError(
                "a signature line needs a key name and a signature", code="bad_note"
            )
        _check_key_name(name)
        blob = _b64(blob_b64, "a note signature")
        if len(blob) < 5:
            raise MalformedError("a note signature is too short", code="bad_note")
        signatures.append(NoteSignature(name, struct.unpack(">I", blob[:4])[0], blob[4:]))
    return text, tuple(signatures)


def open_note(note: str | bytes, verifiers: Iterable[NoteVerifier]) -> OpenedNote:
    """Check a note against known keys: unknown keys are ignored, any bad known signature or
    no verified signature at all raises SignatureError."""
    text, signatures = parse_note(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified: list[str] = []
    message = text.encode("utf-8")
    signers = tuple((sig.name, sig.key_id) for sig in signatures)
    for sig in signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        try:
            verifier.public_key.verify(message, sig.signature)
        except SignatureError as exc:
            raise NoteSignatureError(
                f"the signature of {sig.name} (key ID {sig.key_id:08x}) on this note "
                "does not verify",
                key_name=sig.name,
                key_id=sig.key_id,
                signers=signers,
            ) from exc
        verified.append(sig.name)
    if not verified:
        raise NoteSignatureError(
            "no signature on this note is from a known key",
            code="unverified_note",
            signers=signers,
        )
    return OpenedNote(text, signatures, tuple(verified))
