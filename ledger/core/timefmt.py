"""The ledger's one time format: UTC ``YYYY-MM-DDTHH:MM:SS.sssZ`` (FORMAT.md conventions)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ledger.core.errors import ValidationError

_LEDGER_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def format_time(moment: datetime) -> str:
    """Render an aware datetime as a ledger time string (milliseconds, UTC)."""
    if moment.tzinfo is None:
        raise ValueError("ledger times must be timezone-aware")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_time(text: object, *, field: str) -> datetime:
    """Parse a ledger time string strictly; raise ValidationError naming ``field``."""
    if not isinstance(text, str) or not _LEDGER_TIME.fullmatch(text):
        raise ValidationError(
            f"{field} must be a UTC time like 2026-09-20T08:00:00.000Z",
            code="bad_time",
            field=field,
        )
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise ValidationError(
            f"{field} is not a real date and time", code="bad_time", field=field
        ) from exc
