"""The browser verifier (web/static/verify/bundle.js, in headless chromium) judges the
demo bundle and every variant of the tamper corpus exactly as the library's verifier and
scripts/verify_ledger.py --bundle do: same verdict, same checkpoint verdict, same failing
entry indices, and the same check names where FORMAT.md 9.2 defines them alike."""

from __future__ import annotations

import json
from typing import Any

from ledger.core.bundle import verify_bundle
from ledger.core.note import NoteVerifier
from tests.browser.verifier_js.jsrun import verify_in_browser
from tests.verifier import bundle_corpus as bc
from tests.verifier.test_verify_script import vl


def test_demo_bundle_verifies_in_the_browser(
    verifier_page: Any, demo_bundle: bc.DemoBundle
) -> None:
    [report] = verify_in_browser(verifier_page, [(demo_bundle.document, demo_bundle.vkey)])
    assert report["ok"] is True, report
    assert report["checkpoint"]["ok"] is True and report["bundleFailures"] == []
    last = report["entries"][str(report["steps"][-1])]
    assert last["verified"]["bizStep"] == "receiving"
    assert last["verified"]["actorName"] == "上海鲜超连锁"
    assert last["verified"]["eventTime"] == "2026-11-10T09:07:00+08:00"


def test_tamper_corpus_all_three_verifiers_agree(
    verifier_page: Any, demo_bundle: bc.DemoBundle
) -> None:
    variants = bc.variants(demo_bundle)
    cases = [(v.document, v.trusted_vkey or demo_bundle.vkey) for v in variants]
    js_reports = verify_in_browser(verifier_page, cases)
    problems: list[str] = []
    for v, (document, vkey), js_report in zip(variants, cases, js_reports, strict=True):
        core = bc.summary_of_core(verify_bundle(document, NoteVerifier.parse(vkey)))
        script = bc.summary_of_js(
            json.loads(json.dumps(vl.verify_bundle(document, vl.parse_vkey(vkey)).as_dict()))
        )
        js = bc.summary_of_js(js_report)
        problems += [f"{v.name}: browser: {p}" for p in bc.expectation_problems(v, js)]
        messages = [f["message"] for f in js_report["bundleFailures"]]
        problems += [f"{v.name}: browser: {p}" for p in bc.reason_problems(v, messages)]
        if bc.comparable(v, js) != bc.comparable(v, core):
            problems.append(f"{v.name}: browser {js} != library {core}")
        if bc.comparable(v, js) != bc.comparable(v, script):
            problems.append(f"{v.name}: browser {js} != script {script}")
    assert not problems, "\n".join(problems)
