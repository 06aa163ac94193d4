"""The committed vectors in tests/vectors/traceledger still regenerate byte for byte, and
both verifiers accept the committed export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ledger.core.signing import PublicKey, b64decode
from ledger.core.statements import parse_statement
from tests.vector_gen import OUT, generate

ROOT = Path(__file__).parents[1]


def test_vectors_regenerate_identically(tmp_path: Path) -> None:
    generate(tmp_path)
    for name in ("statements.json", "export.jsonl", "operator.vkey", "README.md"):
        assert (tmp_path / name).read_bytes() == (OUT / name).read_bytes(), (
            f"{name} changed: run python -m tests.vector_gen"
        )


def test_statement_vectors_verify() -> None:
    for vector in json.loads((OUT / "statements.json").read_text(encoding="utf-8")):
        statement = parse_statement(vector["statement"])
        assert statement.message.hex() == vector["signed_message_hex"]
        assert statement.statement_id.hex() == vector["statement_id_hex"]
        statement.verify_signature(
            PublicKey(b64decode(vector["public_key"], field="public_key", size=32))
        )


def test_the_script_accepts_the_committed_export() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "verify_ledger.py"),
            str(OUT / "export.jsonl"),
            "--operator-key",
            str(OUT / "operator.vkey"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
