"""Who may post which business step, and how far in the future an event may lie.

The table is exactly docs/FORMAT.md section 3.6; a log verifier re-checks it, so it is
part of the wire contract and must not drift. Pure: no clock reads, time is a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType

from ledger.core.errors import AuthorisationError, ValidationError
from ledger.core.vocabulary import STEPS

__all__ = [
    "BIZ_STEPS",
    "FARM_STEPS",
    "FUTURE_ALLOWANCE",
    "ROLES",
    "STEP_ROLES",
    "check_event_time",
    "check_step_allowed",
    "roles_for_step",
]

ROLES: tuple[str, ...] = (
    "farm",
    "processor",
    "packer",
    "carrier",
    "warehouse",
    "lab",
    "retailer",
    # May sign recalls (FORMAT.md 3.7), not events: a market regulator, and a brand owner
    # (the association behind a geographic-indication mark).
    "regulator",
    "brand",
)

FARM_STEPS: tuple[str, ...] = ("tl:sowing", "tl:fertilising", "tl:spraying", "tl:irrigating")

# The table lives with the rest of the step vocabulary (ledger.core.vocabulary), so the
# forms the producer app offers and the roles checked here cannot drift apart.
_TABLE: dict[str, frozenset[str]] = {step: spec.roles for step, spec in STEPS.items()}

# bizStep -> roles that may post it (FORMAT.md 3.6), read-only.
STEP_ROLES: Mapping[str, frozenset[str]] = MappingProxyType(_TABLE)

BIZ_STEPS: tuple[str, ...] = tuple(_TABLE)

# FORMAT.md 3.6 rule 4: an event may be stamped at most this far after its entry's time.
FUTURE_ALLOWANCE = timedelta(minutes=10)


def roles_for_step(biz_step: str) -> frozenset[str]:
    """The roles that may post ``biz_step``; empty for a step the table does not know."""
    return STEP_ROLES.get(biz_step, frozenset())


def _words(items: Iterable[str]) -> str:
    items = sorted(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def check_step_allowed(roles: Iterable[str], biz_step: str) -> None:
    """Raise AuthorisationError ``role_not_permitted`` unless a role may post ``biz_step``."""
    held = frozenset(roles)
    permitted = roles_for_step(biz_step)
    if held & permitted:
        return
    held_words = _words(held) if held else "no role"
    if not permitted:
        message = f"no role may post the step {biz_step!r}: it is not in the ledger's step table"
    else:
        message = (
            f"an actor with the role {held_words} may not post the step {biz_step!r}; "
            f"only {_words(permitted)} may"
        )
    raise AuthorisationError(message, code="role_not_permitted", field="payload.bizStep")


def check_event_time(
    event_time: datetime,
    entry_time: datetime,
    allowance: timedelta = FUTURE_ALLOWANCE,
) -> None:
    """Raise ValidationError ``event_in_future`` if ``event_time`` > ``entry_time`` + allowance.

    Both times must be timezone-aware; instants are compared, not wall-clock strings.
    """
    if event_time.tzinfo is None or entry_time.tzinfo is None:
        raise ValueError("check_event_time needs timezone-aware datetimes")
    if event_time > entry_time + allowance:
        ahead = event_time - entry_time
        minutes = int(ahead.total_seconds() // 60)
        raise ValidationError(
            f"the event time {event_time.isoformat()} is {minutes} minutes after the ledger "
            f"received it ({entry_time.isoformat()}); an event cannot be reported before it "
            f"happens (allowance {int(allowance.total_seconds() // 60)} minutes for clock skew)",
            code="event_in_future",
            field="payload.eventTime",
        )
