"""The one exception hierarchy of the ledger.

Every error carries a stable machine-readable ``code`` (never renamed once published)
and a message written for the producer who caused it. Every code is registered, with its
HTTP status and a message template, in ``ledger/core/codes.py``; the web layer answers with
the status the registry gives. Proof and signature errors carry their evidence as fields
(the roots, the index, the key), not only in their words; nothing inspects messages.
"""

from __future__ import annotations

from typing import Self

from ledger.core.codes import lookup


class LedgerError(Exception):
    """Root of every error the ledger raises on purpose."""

    code = "ledger_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        index: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        # The log index the error is about, when there is one (batches, verification reports).
        self.index = index
        # The JSON path of the offending member, e.g. "payload.quantityList[0].quantity".
        self.field = field

    @classmethod
    def of(
        cls, code: str, *, index: int | None = None, field: str | None = None, **params: object
    ) -> Self:
        """The error ``code`` worded by its registered template (``field`` and ``index`` fill
        the template's parameters of those names too)."""
        entry = lookup(code)
        values = dict(params)
        for name, value in (("field", field), ("index", index)):
            if name in entry.params and value is not None:
                values[name] = value
        return cls(entry.message(**values), code=code, index=index, field=field)

    def to_dict(self) -> dict[str, object]:
        """The JSON error body sent to clients: ``{"code", "message"}`` (+ ``index``)."""
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.index is not None:
            body["index"] = self.index
        if self.field is not None:
            body["field"] = self.field
        return body


class MalformedError(LedgerError):
    """The input cannot be parsed: bad JSON, bad base64, wrong types, oversized."""

    code = "malformed"


class ValidationError(LedgerError):
    """The input parses but breaks a rule of the event or statement model."""

    code = "invalid"


class AuthorisationError(LedgerError):
    """The signer may not do this: unknown or revoked key, wrong role, not in custody."""

    code = "forbidden"


class SignatureError(LedgerError):
    """A signature does not verify against the key it names."""

    code = "bad_signature"


class ConflictError(LedgerError):
    """The statement clashes with the log's state (for example an actor registered twice)."""

    code = "conflict"


class NotFoundError(LedgerError):
    """The thing asked for is not in the log."""

    code = "not_found"


class ProofError(LedgerError):
    """A Merkle proof, checkpoint or chain link does not verify."""

    code = "proof_failed"


class RootMismatchError(ProofError):
    """A proof leads to another root than the one it is checked against.

    ``expected_root`` is the root the proof was checked against (a checkpoint's), and
    ``computed_root`` the root the proof and the leaf (or the first root) lead to; ``size``
    is the tree size at which they differ and ``index`` the leaf, for an inclusion proof.
    """

    code = "root_mismatch"

    def __init__(
        self,
        message: str,
        *,
        expected_root: bytes,
        computed_root: bytes,
        size: int,
        index: int | None = None,
    ) -> None:
        super().__init__(message, index=index)
        self.expected_root = expected_root
        self.computed_root = computed_root
        self.size = size


class NoteSignatureError(SignatureError):
    """A signed note fails: a known key's signature does not verify (``key_name`` and
    ``key_id`` name it), or no signature is from a known key (``unverified_note``).
    ``signers`` is every signature line's (key name, key ID), as the note carries them."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        key_name: str | None = None,
        key_id: int | None = None,
        signers: tuple[tuple[str, int], ...] = (),
    ) -> None:
        super().__init__(message, code=code)
        self.key_name = key_name
        self.key_id = key_id
        self.signers = signers


class StoreError(LedgerError):
    """The database is not in the state the ledger expects (corrupt, or not migrated)."""

    code = "store_error"
