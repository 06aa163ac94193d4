"""The ledger's two time grammars, each parsed by a function named after it.

Entry times (`format_time`, `parse_entry_time`): the one format the ledger writes, UTC
``YYYY-MM-DDTHH:MM:SS.sssZ`` (FORMAT.md conventions). Event times (`parse_event_time`,
with `parse_offset` and `parse_date`): what producers write in events, RFC 3339 with ``Z``
or a numeric offset (docs/EVENTS.md). Pure: no clock; errors are `ValidationError`
``bad_time`` (or ``wrong_type``) naming the field.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache

from ledger.core.errors import ValidationError
from ledger.core.json_reader import error, json_type_words

__all__ = [
    "format_time",
    "offset_timezone",
    "parse_date",
    "parse_entry_time",
    "parse_event_time",
    "parse_offset",
]

# ---------------------------------------------------------------------------------------
# Entry times
# ---------------------------------------------------------------------------------------

_LEDGER_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def format_time(moment: datetime) -> str:
    """Render an aware datetime as a ledger time string (milliseconds, UTC)."""
    if moment.tzinfo is None:
        raise ValueError("ledger times must be timezone-aware")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_entry_time(text: object, *, field: str) -> datetime:
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


# ---------------------------------------------------------------------------------------
# Event times
# ---------------------------------------------------------------------------------------

_EVENT_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})"
)
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@lru_cache(maxsize=2 * 24 * 60)  # every offset parse_event_time lets through, at most
def offset_timezone(offset: str) -> timezone:
    """The fixed-offset zone of a validated offset such as ``+08:00`` (UTC for ``Z``)."""
    match = _OFFSET.fullmatch(offset)
    if match is None:  # callers validated; Z only reaches here from parse_event_time
        return UTC
    sign = -1 if match.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


def parse_event_time(value: object, field: str) -> datetime:
    """Parse an RFC 3339 date-time with ``Z`` or a numeric offset into an aware datetime.

    Fractions beyond microseconds are truncated; years must lie in 1970-2999.
    """
    if not isinstance(value, str):
        words = "a date-time text like 2024-10-05T08:30:00+08:00"
        raise error("wrong_type", field, f"{field} must be {words}, not {json_type_words(value)}")
    match = _EVENT_TIME.fullmatch(value)
    example = "2024-10-05T08:30:00+08:00 or 2024-10-05T00:30:00.000Z"
    if match is None:
        raise error("bad_time", field, f"{field} {value!r} is not a date-time like {example}")
    *numbers, fraction, zone = match.groups("")
    year, month, day, hour, minute, second = map(int, numbers)
    if not 1970 <= year <= 2999:
        raise error("bad_time", field, f"{field} {value!r} has a year outside 1970-2999")
    if zone != "Z" and (int(zone[1:3]) > 23 or int(zone[4:6]) > 59):
        raise error("bad_time", field, f"{field} {value!r} has an impossible offset")
    try:
        return datetime(
            year,
            month,
            day,
            hour,
            minute,
            second,
            int(fraction[:6].ljust(6, "0")),
            tzinfo=UTC if zone == "Z" else offset_timezone(zone),
        )
    except ValueError:
        raise error(
            "bad_time", field, f"{field} {value!r} is not a real date and time of day"
        ) from None


def parse_offset(value: object, field: str) -> str:
    """Check a time-zone offset such as ``+08:00`` (at most 14 hours) and return it."""
    if not isinstance(value, str) or _OFFSET.fullmatch(value) is None:
        raise error("bad_time", field, f"{field} must be an offset like +08:00")
    hours, minutes = int(value[1:3]), int(value[4:6])
    if minutes > 59 or hours * 60 + minutes > 14 * 60:
        raise error("bad_time", field, f"{field} {value!r} is not a real time-zone offset")
    return value


def parse_date(value: object, field: str) -> date:
    """Parse a calendar date ``YYYY-MM-DD``."""
    if not isinstance(value, str) or _DATE.fullmatch(value) is None:
        raise error("bad_time", field, f"{field} must be a date like 2024-10-05")
    year, month, day = (int(part) for part in value.split("-"))
    if not 1970 <= year <= 2999:
        raise error("bad_time", field, f"{field} {value!r} has a year outside 1970-2999")
    try:
        return date(year, month, day)
    except ValueError:
        raise error("bad_time", field, f"{field} {value!r} is not a real date") from None
