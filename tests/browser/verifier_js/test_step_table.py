"""The browser verifier's step table (web/static/verify/rules.js) is FORMAT.md 3.6's, read
by the same reader as the core's and the script's (tests/format_tables.py)."""

from __future__ import annotations

from typing import Any

from ledger.core import policy
from tests.format_tables import step_roles

_STEP_ROLES = """
async () => {
  const { STEP_ROLES, ROLES } = await import('/static/verify/rules.js');
  return { table: STEP_ROLES, roles: ROLES };
}
"""


def test_rules_js_step_table_is_format_md(verifier_page: Any) -> None:
    got = verifier_page.evaluate(_STEP_ROLES)
    table = {step: frozenset(roles) for step, roles in got["table"].items()}
    assert table == step_roles()
    assert all(len(set(roles)) == len(roles) for roles in got["table"].values())
    # Every role but the two that recall (FORMAT.md 3.7) posts some step.
    assert set().union(*table.values()) == set(got["roles"]) - {"regulator", "brand"}
    assert got["roles"] == list(policy.ROLES)
