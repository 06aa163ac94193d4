"""Corrections (FORMAT.md 3.8): an event declared erroneous, as EPCIS 2.0 errorDeclaration.

The log keeps the erroneous event; a later ``correction`` statement names it by its entry
index, says why (CBV 2.0 error reasons) and may name the events that replace it. Pure: the
payload rules are re-checked by every verifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ledger.core.errors import ValidationError
from ledger.core.members import check_members

__all__ = ["REASONS", "Correction", "parse_correction"]

# CBV 2.0 section 8.9 error reason identifiers (EPCIS errorDeclaration.reason).
REASONS = ("did_not_occur", "incorrect_data")
REQUIRED = frozenset({"entry", "reason", "explanation"})
OPTIONAL = frozenset({"corrective_event_ids"})
MAX_EXPLANATION = 1000
MAX_CORRECTIVE = 20
_EVENT_ID = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Correction:
    """One correction statement's payload, read: ``entry`` is the erroneous event's index."""

    entry: int
    reason: str
    explanation: str
    corrective_event_ids: tuple[str, ...]


def _bad(field: str, why: str) -> ValidationError:
    return ValidationError(f"{field} {why}", code="bad_value", field=f"payload.{field}")


def parse_correction(payload: dict[str, Any]) -> Correction:
    """Read a correction payload, raising the first rule it breaks (FORMAT.md 3.8's order)."""
    check_members(payload, REQUIRED, "correction", OPTIONAL)
    entry = payload["entry"]
    if not isinstance(entry, int) or isinstance(entry, bool) or entry < 1:
        raise _bad("entry", "must be the index of the erroneous event's entry (1 or more)")
    reason = payload["reason"]
    if reason not in REASONS:
        raise _bad("reason", "must be did_not_occur or incorrect_data")
    explanation = payload["explanation"]
    if (
        not isinstance(explanation, str)
        or not 1 <= len(explanation) <= MAX_EXPLANATION
        or _CONTROL.search(explanation)
    ):
        raise _bad(
            "explanation",
            f"must be text of 1 to {MAX_EXPLANATION} characters, without control characters",
        )
    corrective = payload.get("corrective_event_ids", [])
    if "corrective_event_ids" in payload and not (
        isinstance(corrective, list)
        and 1 <= len(corrective) <= MAX_CORRECTIVE
        and all(isinstance(e, str) and _EVENT_ID.fullmatch(e) for e in corrective)
        and len(set(corrective)) == len(corrective)
    ):
        raise _bad(
            "corrective_event_ids",
            f"must list 1 to {MAX_CORRECTIVE} different event IDs (urn:uuid: and a lowercase UUID)",
        )
    return Correction(entry, reason, explanation, tuple(corrective))
