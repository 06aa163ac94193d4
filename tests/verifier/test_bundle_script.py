"""scripts/verify_ledger.py --bundle: the demo bundle verifies, the report's shape and the
exit codes. Tampered bundles are the committed vectors, run by test_tamper_vectors.py."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.verifier import demo_bundles as bc
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
    step = next(line for line in lines if line.split()[0] == "129")
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
    assert report["checkpoint"]["ok"] is True and report["checkpoint"]["size"] > 129
    assert report["bundleFailures"] == []
    assert report["steps"][-3:] == [127, 128, 129]  # shipping, transporting, receiving
    entry = report["entries"]["128"]
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


@pytest.mark.parametrize("text", ["[]", "{}", '{"verifier_key": 5}', '{"verifier_key": "no key"}'])
def test_without_operator_key_a_bundle_without_a_usable_key_is_a_usage_error(
    text: str, tmp_path: Path
) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(text, encoding="utf-8")
    status, _, err = run_main("--bundle", str(path))
    assert status == 2 and "no usable verifier_key" in err
