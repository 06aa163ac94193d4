"""The browser verifier (web/static/verify/bundle.js, in Debian's chromium) reports exactly
each bundle vector's ``expected`` set of (index, check) failures (tests/vectors/traceledger/
tamper/bundle/), as the library and scripts/verify_ledger.py must (tests/verifier/
test_tamper_vectors.py)."""

from __future__ import annotations

from typing import Any

from tests.browser.verifier_js.jsrun import verify_in_browser
from tests.verifier.demo_bundles import DemoBundle
from tests.verifier.test_tamper_vectors import _report_pairs, cases, load


def test_browser_reports_every_bundle_vectors_expected_failures(verifier_page: Any) -> None:
    paths = cases("bundle")
    loaded = [load("bundle", p) for p in paths]
    assert len(paths) > 50
    reports = verify_in_browser(verifier_page, [(data, vkey) for data, vkey, _ in loaded])
    problems = []
    for path, (_, _, expected), report in zip(paths, loaded, reports, strict=True):
        got = _report_pairs(report)
        if got != expected:
            problems.append(
                f"bundle/{path.name}: browser {sorted(got, key=str)} "
                f"!= core {sorted(expected, key=str)}"
            )
    assert not problems, "\n".join(problems)


def test_demo_bundle_verifies_in_the_browser(verifier_page: Any, demo_bundle: DemoBundle) -> None:
    [report] = verify_in_browser(verifier_page, [(demo_bundle.document, demo_bundle.vkey)])
    assert report["ok"] is True, report
    assert report["checkpoint"]["ok"] is True and report["bundleFailures"] == []
    last = report["entries"][str(report["steps"][-1])]
    assert last["verified"]["bizStep"] == "receiving"
    assert last["verified"]["actorName"] == "上海鲜超连锁"
    assert last["verified"]["eventTime"] == "2026-11-10T09:07:00+08:00"


def test_a_trace_bundle_verifies_in_the_browser(
    verifier_page: Any, demo_template: tuple[Any, Any], tmp_path: Any
) -> None:
    """A trace's bundle (FORMAT.md 12, `format=bundle`) is an ordinary bundle to bundle.js."""
    import shutil

    from ledger import demo
    from ledger.core.gs1 import parse_identifier
    from ledger.service.ledger import Ledger
    from ledger.store.db import make_engine

    path = tmp_path / "demo.sqlite3"
    shutil.copyfile(demo_template[0], path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        ledger = Ledger(engine)
        bag = parse_identifier("https://id.gs1.org" + demo.sample_unit_path()).object_key()
        documents = [ledger.trace_bundle(ledger.trace(bag, d)) for d in ("backward", "forward")]
        reports = verify_in_browser(verifier_page, [(d, ledger.operator.vkey) for d in documents])
    finally:
        engine.dispose()
    for report in reports:
        assert report["ok"] is True and report["bundleFailures"] == [], report["bundleFailures"]
