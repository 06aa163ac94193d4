"""The tamper vectors (tests/vectors/traceledger/tamper/): they regenerate byte for byte, and
the library's verifiers (ledger.core) and scripts/verify_ledger.py report exactly each
file's ``expected`` set of (index, check) failures. The browser's run is in
tests/browser/verifier_js/test_tamper_vectors_js.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests import tamper_gen
from tests.tamper_gen import OUT, case_input, core_failures
from tests.verifier.test_verify_script import vl

VKEY = (OUT / "operator.vkey").read_text(encoding="utf-8").strip()
BASES = {"export": "base.jsonl", "bundle": "base.json"}


def cases(kind: str) -> list[Path]:
    return sorted(p for p in (OUT / kind).glob("*.json") if p.name != BASES[kind])


def load(kind: str, path: Path) -> tuple[bytes, str, set[tuple[int | None, str]]]:
    """A case's input bytes, the operator key to trust, and its expected failures."""
    case = json.loads(path.read_text(encoding="utf-8"))
    base = (OUT / kind / case.get("base", BASES[kind])).read_bytes()
    expected = {(i, c) for i, c in case["expected"]}
    return case_input(kind, case, base), case.get("operator_key", VKEY), expected


def test_vectors_regenerate_identically(tmp_path: Path) -> None:
    written = {p.relative_to(tmp_path) for p in tamper_gen.generate(tmp_path)}
    committed = {
        p.relative_to(OUT) for p in OUT.rglob("*") if p.is_file() and p.name != "README.md"
    }
    assert written == committed, (
        f"files differ: {sorted(map(str, written ^ committed))}: run python -m tests.tamper_gen"
    )
    for name in sorted(written):
        assert (tmp_path / name).read_bytes() == (OUT / name).read_bytes(), (
            f"{name} changed: run python -m tests.tamper_gen"
        )


# The checks the vectors must keep reaching (README.md lists the ones they cannot).
REACHED = {
    "export": {
        "header",
        "truncated",
        "malformed",
        "canonical_bytes",
        "entry_shape",
        "index_sequence",
        "chain_link",
        "time_order",
        "duplicate_statement",
        "genesis",
        "signature",
        "checkpoint_signature",
        "checkpoint_origin",
        "checkpoint_size",
        "checkpoint_root",
        "not_operator",
        "unknown_key",
        "unknown_actor",
        "key_revoked",
        "role_not_permitted",
        "event_in_future",
        "actor_exists",
        "gln_taken",
        "key_exists",
        "key_already_revoked",
        "misplaced_genesis",
        "bad_value",
        "bad_time",
        "unknown_field",
    },
    "bundle": {
        "bundle",
        "operator_key",
        "checkpoint_signature",
        "checkpoint_origin",
        "genesis",
        "inclusion",
        "canonical_bytes",
        "entry_shape",
        "index",
        "subject",
        "signature",
        "not_operator",
        "unknown_key",
        "unknown_actor",
        "key_revoked",
        "role_not_permitted",
        "event_in_future",
        "key_exists",
        "misplaced_genesis",
        "bad_value",
        "bad_time",
    },
}


@pytest.mark.parametrize("kind", ["export", "bundle"])
def test_the_vectors_reach_every_check(kind: str) -> None:
    """Every check name above is some case's expectation, and the happy path is clean (a
    corpus that expected nothing would agree with a verifier that checks nothing)."""
    named = {c for p in cases(kind) for _, c in load(kind, p)[2]}
    assert REACHED[kind] <= named, sorted(REACHED[kind] - named)
    assert load(kind, OUT / kind / "happy-path.json")[2] == set()


@pytest.mark.parametrize("kind", ["export", "bundle"])
def test_core(kind: str) -> None:
    problems = []
    for path in cases(kind):
        data, vkey, expected = load(kind, path)
        got = {(i, c) for i, c in core_failures(kind, data, vkey)}
        if got != expected:
            problems.append(
                f"{kind}/{path.name}: core {sorted(got, key=str)} != {sorted(expected, key=str)}"
            )
    assert not problems, "\n".join(problems)


def script_failures(
    kind: str, data: bytes, vkey: str, tmp_path: Path
) -> set[tuple[int | None, str]]:
    """What scripts/verify_ledger.py reports: its export failures, or for a bundle its
    bundle failures (index None) and every entry's failures."""
    if kind == "export":
        path = tmp_path / "case.jsonl"
        path.write_bytes(data)
        report = vl.verify_export(str(path), vl.parse_vkey(vkey))
        return {(f.index, f.check) for f in report.failures}
    out: dict[str, Any] = vl.verify_bundle(data, vl.parse_vkey(vkey)).as_dict()
    return _report_pairs(out)


def _report_pairs(report: dict[str, Any]) -> set[tuple[int | None, str]]:
    """The (index, check) set of a bundle report in the browser's shape."""
    pairs: set[tuple[int | None, str]] = {(None, f["check"]) for f in report["bundleFailures"]}
    for index, entry in report["entries"].items():
        pairs |= {(int(index), f["check"]) for f in entry["failures"]}
    return pairs


@pytest.mark.parametrize("kind", ["export", "bundle"])
def test_script(kind: str, tmp_path: Path) -> None:
    problems = []
    for path in cases(kind):
        data, vkey, expected = load(kind, path)
        got = script_failures(kind, data, vkey, tmp_path)
        if got != expected:
            problems.append(
                f"{kind}/{path.name}: script {sorted(got, key=str)} "
                f"!= core {sorted(expected, key=str)}"
            )
    assert not problems, "\n".join(problems)
