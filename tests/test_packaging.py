"""Every file the app needs at run time is packaged: a wheel without the Chinese catalogue
would serve English pages, one without the verifier script would not verify."""

from __future__ import annotations

import subprocess
import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_data_file_in_the_packages_matches_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["*"]
    tracked = subprocess.run(
        ["git", "ls-files", "ledger", "web"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    data = [f for f in tracked if not f.endswith(".py")]
    assert data, "no data files found: is this a git checkout?"
    missing = [f for f in data if not any(fnmatch(Path(f).name, g) for g in globs)]
    assert not missing, f"add globs to [tool.setuptools.package-data] for: {missing}"
