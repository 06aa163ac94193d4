"""The layering table of README.md ("How the code is laid out"), enforced on every import.

A module belongs to the row whose module name is the longest prefix of its own; it may
import its own row's modules and those of the layers its row names, nothing else of the
project. Third-party limits of the core and the verifier script live in
tests/core/test_purity.py.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PROJECT = ("ledger", "web", "scripts")


@dataclass(frozen=True)
class Layer:
    name: str
    modules: tuple[str, ...]
    may_import: tuple[str, ...]


def layers_from_readme() -> dict[str, Layer]:
    """The table under "How the code is laid out", read from README.md."""
    section = (
        (ROOT / "README.md").read_text(encoding="utf-8").split("## How the code is laid out")[1]
    )
    table: dict[str, Layer] = {}
    for line in section.split("\n## ")[0].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[1].startswith("`"):
            continue
        allowed = () if cells[2].startswith("(") else tuple(c.strip() for c in cells[2].split(","))
        table[cells[0]] = Layer(cells[0], tuple(re.findall(r"`([^`]+)`", cells[1])), allowed)
    return table


LAYERS = layers_from_readme()


def layer_of(module: str) -> Layer | None:
    """The row of ``module``: the longest module name of the table that prefixes it."""
    best: tuple[int, Layer] | None = None
    for layer in LAYERS.values():
        for name in layer.modules:
            if (module == name or module.startswith(name + ".")) and (
                best is None or len(name) > best[0]
            ):
                best = (len(name), layer)
    return None if best is None else best[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports(path: Path) -> set[str]:
    """Every project module ``path`` imports, anywhere in it (functions included)."""
    found: set[str] = set()
    package = module_name(path).rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing package
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [f"{base}.{alias.name}" for alias in node.names] if base in PROJECT else [base]
        else:
            continue
        found.update(n for n in names if n.split(".")[0] in PROJECT)
    return found


SOURCES = sorted(
    p
    for top in PROJECT
    for p in (ROOT / top).rglob("*.py")
    if ".venv" not in p.parts
    and "__pycache__" not in p.parts
    # The empty root of the package belongs to no layer.
    and p != ROOT / "ledger" / "__init__.py"
)


def violations(module: str, imports: set[str]) -> list[str]:
    """The imports of ``module`` that go against the table, each said in words."""
    own = layer_of(module)
    if own is None:
        return [f"{module} has no row in README's layering table"]
    allowed = {own.name, *own.may_import}
    out = []
    for imported in sorted(imports):
        target = layer_of(imported)
        if target is None or target.name not in allowed:
            out.append(
                f"{module} ({own.name}) imports {imported} "
                f"({target.name if target else 'no layer'}); {own.name} may import "
                f"{', '.join(sorted(allowed))}"
            )
    return out


def test_the_table_is_read() -> None:
    assert set(LAYERS) == {
        "core", "support", "store", "migrations", "migration scripts", "service", "shared",
        "web", "cli", "verifier",
    }  # fmt: skip
    for layer in LAYERS.values():
        assert set(layer.may_import) <= set(LAYERS), layer


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_layers(path: Path) -> None:
    assert violations(module_name(path), project_imports(path)) == []


def test_forbidden_imports_are_caught() -> None:
    """The check itself can fail: the imports the layering exists to prevent."""
    assert violations("web.api", {"ledger.store.db"})
    assert violations("ledger.cli.log", {"ledger.store.models"})
    assert violations("ledger.store.migrations.versions.x", {"ledger.service.event_effects"})
    assert violations("ledger.store.migrations.versions.x", {"ledger.store.models"})
    assert violations("ledger.core.events", {"ledger.service.lineage"})
    assert violations("scripts.verify_ledger", {"ledger.core.canonical"})
    assert violations("ledger.service.queries", {"web.api"})
    assert not violations("web.api", {"ledger.service.ledger", "ledger.core.errors"})
