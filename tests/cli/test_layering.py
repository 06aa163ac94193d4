"""The CLI and the web sit above the service layer: they reach the database only through
``ledger.service`` (``open_database``, the ``Ledger`` facade), never through ``ledger.store``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
ABOVE_SERVICE = sorted((ROOT / "ledger" / "cli").glob("*.py")) + sorted((ROOT / "web").glob("*.py"))


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.update([node.module, *(f"{node.module}.{a.name}" for a in node.names)])
    return found


@pytest.mark.parametrize("path", ABOVE_SERVICE, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_nothing_from_the_store(path: Path) -> None:
    store = {
        m for m in imported_modules(path) if m == "ledger.store" or m.startswith("ledger.store.")
    }
    assert not store, f"{path.relative_to(ROOT)} imports {sorted(store)}: go through ledger.service"
