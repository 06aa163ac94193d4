"""The one reader of docs/FORMAT.md's step-to-role table (section 3.6), for the tests that
hold every verifier's copy of it (the core's, the script's, the browser's) to the document."""

from __future__ import annotations

import re
from pathlib import Path

FORMAT_MD = Path(__file__).resolve().parents[1] / "docs" / "FORMAT.md"


def step_roles() -> dict[str, frozenset[str]]:
    """bizStep -> the roles that may post it, read straight out of FORMAT.md section 3.6."""
    text = FORMAT_MD.read_text(encoding="utf-8")
    section = text.split("### 3.6", 1)[1].split("## 4.", 1)[0]
    table: dict[str, frozenset[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[0].startswith("`"):
            continue
        roles = frozenset(r.strip() for r in cells[1].split(","))
        for step in re.findall(r"`([^`]+)`", cells[0]):
            if step in table:
                raise ValueError(f"FORMAT.md 3.6 lists the step {step!r} twice")
            table[step] = roles
    if not table:
        raise ValueError("FORMAT.md 3.6 has no step table")
    return table
