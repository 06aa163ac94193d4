"""ledger/core stays pure: standard library, PyNaCl, rfc8785 and itself, nothing else.

No Flask, no SQLAlchemy, no file or network I/O: third parties can use it to verify
without the rest of the system. The verifier script must import nothing from ledger/.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
CORE = ROOT / "ledger" / "core"
ALLOWED_THIRD_PARTY = {"nacl", "rfc8785"}
FORBIDDEN_STDLIB = {"socket", "subprocess", "sqlite3", "urllib", "http", "shutil", "tempfile"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_core_imports_only_stdlib_pynacl_and_itself(path: Path) -> None:
    for module in imported_modules(path):
        top = module.split(".")[0]
        if module.startswith("ledger."):
            assert module.startswith("ledger.core"), f"{path.name} imports {module}"
        elif top in sys.stdlib_module_names:
            assert top not in FORBIDDEN_STDLIB, f"{path.name} does I/O through {module}"
        else:
            assert top in ALLOWED_THIRD_PARTY, f"{path.name} imports third-party {module}"


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_core_does_not_open_files_or_read_the_clock(path: Path) -> None:
    # Time is always a parameter in the core (python-tuf's reference_time habit).
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            assert func.id != "open", f"{path.name}:{node.lineno} opens a file"
        elif isinstance(func, ast.Attribute):
            assert func.attr not in {"now", "utcnow", "today", "time", "monotonic"}, (
                f"{path.name}:{node.lineno} reads the clock ({func.attr})"
            )


def test_verifier_script_is_independent() -> None:
    modules = imported_modules(ROOT / "scripts" / "verify_ledger.py")
    for module in modules:
        top = module.split(".")[0]
        assert top in sys.stdlib_module_names or top == "nacl", f"verify_ledger.py imports {module}"
