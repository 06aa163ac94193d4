"""The step table of FORMAT.md 3.6 and the event-time rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ledger.core import policy
from ledger.core.errors import AuthorisationError, ValidationError
from tests.format_tables import step_roles


def test_table_is_exactly_format_md() -> None:
    expected = step_roles()
    assert len(expected) == 18
    assert dict(policy.STEP_ROLES) == expected
    assert set(policy.BIZ_STEPS) == set(expected)


def test_roles_are_format_md_roles() -> None:
    assert policy.ROLES == (
        "farm",
        "processor",
        "packer",
        "carrier",
        "warehouse",
        "lab",
        "retailer",
        "regulator",
        "brand",
    )
    for roles in policy.STEP_ROLES.values():
        assert roles <= set(policy.ROLES)


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        policy.STEP_ROLES["shipping"] = frozenset({"lab"})  # type: ignore[index]


@pytest.mark.parametrize(("step", "roles"), sorted(step_roles().items()))
def test_every_listed_role_may_post(step: str, roles: frozenset[str]) -> None:
    for role in roles:
        policy.check_step_allowed([role], step)
    for role in set(policy.ROLES) - roles:
        with pytest.raises(AuthorisationError) as info:
            policy.check_step_allowed([role], step)
        assert info.value.code == "role_not_permitted"
        assert role in info.value.message and step in info.value.message


def test_any_one_role_suffices() -> None:
    policy.check_step_allowed({"lab", "retailer"}, "retail_selling")
    policy.check_step_allowed(("carrier", "farm"), "tl:spraying")


def test_message_names_roles_and_step() -> None:
    with pytest.raises(AuthorisationError) as info:
        policy.check_step_allowed(["carrier"], "inspecting")
    assert info.value.message == (
        "an actor with the role carrier may not post the step 'inspecting'; only lab may"
    )
    assert info.value.field == "payload.bizStep"


def test_no_roles_and_unknown_step() -> None:
    with pytest.raises(AuthorisationError) as info:
        policy.check_step_allowed([], "shipping")
    assert "no role" in info.value.message
    with pytest.raises(AuthorisationError) as info:
        policy.check_step_allowed(["farm"], "harvesting")
    assert info.value.code == "role_not_permitted"
    assert "not in the ledger's step table" in info.value.message
    assert policy.roles_for_step("harvesting") == frozenset()


T = datetime(2024, 10, 5, 0, 0, tzinfo=UTC)


def test_event_time_allowance() -> None:
    policy.check_event_time(T + timedelta(minutes=10), T)
    policy.check_event_time(T - timedelta(days=300), T)
    with pytest.raises(ValidationError) as info:
        policy.check_event_time(T + timedelta(minutes=10, milliseconds=1), T)
    assert info.value.code == "event_in_future"
    assert info.value.field == "payload.eventTime"
    with pytest.raises(ValidationError):
        policy.check_event_time(T + timedelta(minutes=2), T, allowance=timedelta(minutes=1))


def test_event_time_compares_instants_not_strings() -> None:
    beijing = timezone(timedelta(hours=8))
    # 07:55 in Beijing is 23:55 UTC the day before: well before the entry time.
    policy.check_event_time(datetime(2024, 10, 5, 7, 55, tzinfo=beijing), T)
    with pytest.raises(ValidationError):
        policy.check_event_time(datetime(2024, 10, 5, 8, 11, tzinfo=beijing), T)


def test_event_time_needs_aware_datetimes() -> None:
    with pytest.raises(ValueError):
        policy.check_event_time(datetime(2024, 10, 5), T)
