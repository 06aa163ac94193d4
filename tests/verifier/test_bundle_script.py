"""scripts/verify_ledger.py --bundle: the demo bundle verifies, the report's shape, exit
codes, and the tamper corpus (tests/verifier/bundle_corpus.py) judged exactly as the
library's verifier (ledger.core.bundle) judges it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ledger.core.bundle import verify_bundle
from ledger.core.note import NoteVerifier
from tests.verifier import bundle_corpus as bc
from tests.verifier.test_verify_script import SCRIPT, vl


@pytest.fixture(scope="module")
def good(demo_template: tuple[Path, Path]) -> bc.DemoBundle:
    return bc.demo_bundle(demo_template[0])


@pytest.fixture(scope="module")
def bundle_file(good: bc.DemoBundle, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("file") / "bundle.json"
    path.write_bytes(good.document)
    return path


def run_main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = vl.main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_demo_bundle_verifies_with_the_operator_key(good: bc.DemoBundle, bundle_file: Path) -> None:
    status, out, err = run_main("--bundle", str(bundle_file), "--operator-key", good.vkey)
    assert status == 0, out + err
    lines = out.splitlines()
    assert lines[-1].startswith("VERIFIED: ") and f"steps of {bc.SUBJECT} against" in lines[-1]
    # The bag's last step: the retailer received it.
    step = next(line for line in lines if line.split()[0] == "125")
    assert "receiving" in step and "fresh-mart-sh" in step and "2026-11-10T09:07:00+08:00" in step
    assert step.endswith("OK")
    assert "WARNING" not in err


def test_json_report_has_the_browser_verifiers_shape(
    good: bc.DemoBundle, bundle_file: Path
) -> None:
    status, out, _ = run_main("--bundle", str(bundle_file), "--operator-key", good.vkey, "--json")
    report = json.loads(out)
    assert status == 0
    assert report["ok"] is True and report["operator_key_checked"] is True
    assert report["checkpoint"]["ok"] is True and report["checkpoint"]["size"] > 125
    assert report["bundleFailures"] == []
    assert report["steps"][-3:] == [123, 124, 125]  # shipping, transporting, receiving
    entry = report["entries"]["124"]
    assert entry["ok"] is True and entry["kind"] == "event" and entry["failures"] == []
    assert entry["verified"]["bizStep"] == "transporting"
    assert entry["verified"]["actor"] == "coldchain-express"
    assert set(entry["verified"]) >= {"eventTime", "actorName", "actorRegion", "signer", "time"}


def test_without_operator_key_it_warns_that_the_key_was_not_checked(bundle_file: Path) -> None:
    status, out, err = run_main("--bundle", str(bundle_file), "--json")
    assert status == 0
    assert "WARNING" in err and "out of band" in err
    assert json.loads(out)["operator_key_checked"] is False


def test_exit_codes_as_a_subprocess(good: bc.DemoBundle, bundle_file: Path, tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
        )

    assert run("--bundle", str(bundle_file), "--operator-key", good.vkey).returncode == 0
    assert run("--bundle", str(bundle_file), "--operator-key", bc.OTHER_VKEY).returncode == 1
    assert (
        run("--bundle", str(tmp_path / "missing.json"), "--operator-key", good.vkey).returncode == 2
    )
    assert run("--bundle", str(bundle_file), "--operator-key", "not a key").returncode == 2
    assert run("--bundle", str(bundle_file), "export.jsonl").returncode == 2
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{", encoding="utf-8")
    assert run("--bundle", str(garbage)).returncode == 2  # no key to check it with
    assert run("--bundle", str(garbage), "--operator-key", good.vkey).returncode == 1


def script_summary(document: bytes, vkey: str) -> dict[str, Any]:
    report = vl.verify_bundle(document, vl.parse_vkey(vkey)).as_dict()
    return bc.summary_of_js(json.loads(json.dumps(report)))


def core_summary(document: bytes, vkey: str) -> dict[str, Any]:
    return bc.summary_of_core(verify_bundle(document, NoteVerifier.parse(vkey)))


def test_tamper_corpus_script_agrees_with_the_library(good: bc.DemoBundle) -> None:
    problems = []
    variants = bc.variants(good)
    assert len(variants) > 100
    for v in variants:
        vkey = v.trusted_vkey or good.vkey
        core, script = core_summary(v.document, vkey), script_summary(v.document, vkey)
        for who, got in (("library", core), ("script", script)):
            problems += [f"{v.name}: {who}: {p}" for p in bc.expectation_problems(v, got)]
        if bc.comparable(v, core) != bc.comparable(v, script):
            problems.append(f"{v.name}: library {core} != script {script}")
    assert not problems, "\n".join(problems)


def test_node_rules_are_what_refuses_their_variants(good: bc.DemoBundle) -> None:
    problems = []
    for v in bc.variants(good):
        if not v.notes.get("reason"):
            continue
        core = verify_bundle(v.document, NoteVerifier.parse(good.vkey))
        script = vl.verify_bundle(v.document, vl.parse_vkey(good.vkey))
        for who, messages in (
            ("library", [f.message for f in core.failures]),
            ("script", [f.message for f in script.failures_at(None)]),
        ):
            problems += [f"{v.name}: {who} {p}" for p in bc.reason_problems(v, messages)]
    assert not problems, "\n".join(problems)


def test_a_changed_node_fails_exactly_the_entries_that_use_it(good: bc.DemoBundle) -> None:
    doc = good.doc()
    shared = max(range(len(doc["nodes"])), key=lambda k: len(bc.users_of(doc, k)))
    users = bc.users_of(doc, shared)
    assert len(users) > 1
    variant = next(v for v in bc.variants(good) if v.notes.get("node") == shared)
    core = verify_bundle(variant.document, NoteVerifier.parse(good.vkey))
    script = vl.verify_bundle(variant.document, vl.parse_vkey(good.vkey))
    for failures in (
        [(f.index, f.check) for f in core.failures],
        [(f.index, f.check) for f in script.failures],
    ):
        assert {i for i, c in failures if c == "inclusion"} == users


@pytest.mark.parametrize("text", ["[]", "{}", '{"verifier_key": 5}', '{"verifier_key": "no key"}'])
def test_without_operator_key_a_bundle_without_a_usable_key_is_a_usage_error(
    text: str, tmp_path: Path
) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(text, encoding="utf-8")
    status, _, err = run_main("--bundle", str(path))
    assert status == 2 and "no usable verifier_key" in err
