"""Complaint outcomes (FORMAT.md 3.9): how a shopper's complaint ended, signed on the log.

The complaint itself (its words, photo and the shopper's contact) stays off the log; the
``complaint`` statement names it only by a salted commitment, so the log shows that a
complaint about an object got an outcome without showing who complained or what they said.
Pure: the payload rules are re-checked by every verifier, so they are wire contract.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from ledger.core.errors import ValidationError
from ledger.core.members import check_members
from ledger.core.recall import OBJECT_PATTERN, check_digit_ok

__all__ = [
    "CATEGORIES",
    "OUTCOMES",
    "ComplaintOutcome",
    "commitment",
    "parse_complaint_outcome",
]

# The kinds of problem a shopper can report; fixed so outcomes can be counted by kind.
CATEGORIES = ("quality", "foreign_matter", "spoiled", "label", "weight", "other")
OUTCOMES = ("answered", "refunded", "escalated")
REQUIRED = frozenset({"commitment", "actor", "object", "category", "outcome", "reply"})
OPTIONAL = frozenset({"recall"})
MAX_REPLY = 1000
COMMITMENT_TAG = b"traceledger/v1/complaint-commitment\x00"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_ACTOR_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
_RECALL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class ComplaintOutcome:
    """One complaint statement's payload, read."""

    commitment: str
    actor: str
    object_id: str
    category: str
    outcome: str
    reply: str
    recall: str | None


def commitment(salt: bytes, complaint_id: str) -> str:
    """The salted commitment to a complaint (FORMAT.md 3.9), as 64 hex digits."""
    return hashlib.sha256(COMMITMENT_TAG + salt + complaint_id.encode("utf-8")).hexdigest()


def _bad(field: str, why: str) -> ValidationError:
    return ValidationError(f"{field} {why}", code="bad_value", field=f"payload.{field}")


def parse_complaint_outcome(payload: dict[str, Any]) -> ComplaintOutcome:
    """Read a complaint payload, raising the first rule it breaks (FORMAT.md 3.9's order)."""
    check_members(payload, REQUIRED, "complaint", OPTIONAL)
    commit = payload["commitment"]
    if not isinstance(commit, str) or not _HEX64.fullmatch(commit):
        raise _bad("commitment", "must be a SHA-256: 64 lowercase hex digits")
    actor = payload["actor"]
    if not isinstance(actor, str) or not _ACTOR_ID.fullmatch(actor):
        raise _bad("actor", "must be an actor ID: 2 to 63 lowercase letters, digits or '-'")
    object_id = payload["object"]
    match = OBJECT_PATTERN.fullmatch(object_id) if isinstance(object_id, str) else None
    if match is None:
        raise _bad("object", "must be a lot, unit, case or plot Digital Link")
    if not check_digit_ok(next(g for g in match.groups() if g is not None)):
        raise _bad("object", "has a wrong check digit")
    category = payload["category"]
    if not isinstance(category, str) or category not in CATEGORIES:
        raise _bad("category", f"must be one of {', '.join(CATEGORIES)}")
    outcome = payload["outcome"]
    if not isinstance(outcome, str) or outcome not in OUTCOMES:
        raise _bad("outcome", f"must be one of {', '.join(OUTCOMES)}")
    reply = payload["reply"]
    if not isinstance(reply, str) or not 1 <= len(reply) <= MAX_REPLY or _CONTROL.search(reply):
        raise _bad(
            "reply", f"must be text of 1 to {MAX_REPLY} characters, without control characters"
        )
    recall = payload.get("recall")
    if "recall" in payload:
        if not isinstance(recall, str) or not _RECALL_ID.fullmatch(recall):
            raise _bad("recall", "must be 1 to 64 letters, digits, '.', '_' or '-'")
        if outcome != "escalated":
            raise _bad("recall", "is named only when the outcome is escalated")
    return ComplaintOutcome(commit, actor, object_id, category, outcome, reply, recall)
