"""The one exception hierarchy of the ledger.

Every error carries a stable machine-readable ``code`` (never renamed once published)
and a message written for the producer who caused it. The web layer maps the classes
below to HTTP statuses; nothing else inspects messages.
"""

from __future__ import annotations


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


class StoreError(LedgerError):
    """The database is not in the state the ledger expects (corrupt, or not migrated)."""

    code = "store_error"
