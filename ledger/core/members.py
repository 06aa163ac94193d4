"""The members rule every statement payload shares (FORMAT.md 3): the ones it needs, then
no others, each checked by name order so every verifier names the same one first."""

from __future__ import annotations

from collections.abc import Set
from typing import Any

from ledger.core.errors import ValidationError


def check_members(
    payload: dict[str, Any], required: Set[str], kind: str, optional: Set[str] = frozenset()
) -> None:
    """Raise ``missing_field`` for the first required member missing, else ``unknown_field``
    for the first member neither required nor optional."""
    for name in sorted(required - payload.keys()):
        raise ValidationError(
            f"a {kind} statement needs {name!r}", code="missing_field", field=f"payload.{name}"
        )
    for name in sorted(payload.keys() - required - optional):
        raise ValidationError(
            f"{name!r} is not allowed in a {kind} statement",
            code="unknown_field",
            field=f"payload.{name}",
        )
