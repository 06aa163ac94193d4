"""The scan page's lab report: linked when the document store holds the file the inspection
cites, "not available" when it does not; the link works without JavaScript."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask.testing import FlaskClient

from ledger import demo
from ledger.service.documents import DocumentStore
from ledger.service.ledger import Ledger
from tests.web.test_resolver import UNIT, page
from web import create_app


def client_with_documents(ledger: Ledger, root: Path) -> FlaskClient:
    app = create_app({"TESTING": True, "LEDGER": ledger, "LEDGER_DOCUMENTS_DIR": str(root)})
    return app.test_client()


def report_boxes(html: str) -> list[str]:
    return re.findall(r'<p class="report".*?</p>', html, flags=re.DOTALL)


def test_the_demo_inspection_cites_its_generated_report() -> None:
    reports = demo.lab_reports()
    assert len(set(reports)) == 3 and all(r.startswith(b"%PDF-1.4\n") for r in reports)
    cited = {
        p["tl:inspection"]["reportSha256"]
        for _, p in demo.chain_events()
        if p["bizStep"] == "inspecting"
    }
    assert cited == {hashlib.sha256(r).hexdigest() for r in reports}


def test_a_missing_report_is_said_to_be_missing(demo_ledger_copy: Ledger, tmp_path: Path) -> None:
    client = client_with_documents(demo_ledger_copy, tmp_path / "docs")
    [box] = report_boxes(page(client, UNIT, lang="en"))
    assert 'data-state="missing"' in box and "not available on this server" in box
    assert "<a " not in box


def test_a_stored_report_is_linked_once_it_is_stored(
    demo_ledger_copy: Ledger, tmp_path: Path
) -> None:
    client = client_with_documents(demo_ledger_copy, tmp_path / "docs")
    assert 'data-state="missing"' in page(client, UNIT, lang="zh")  # cached before the put
    store = DocumentStore(tmp_path / "docs")
    for report in demo.lab_reports():
        store.put([report])
    html = page(client, UNIT, lang="zh")
    [box] = report_boxes(html)
    digest = re.search(r'data-sha256="([0-9a-f]{64})"', box)
    assert digest is not None and 'data-state="stored"' in box
    assert f'<a href="/documents/{digest[1]}">检测报告</a>' in box
    served = client.get(f"/documents/{digest[1]}")
    assert served.status_code == 200 and hashlib.sha256(served.data).hexdigest() == digest[1]
    # The box sits inside the inspection's step.
    step = html[: html.index(box)].rsplit('<li class="step', 1)[1]
    assert "<h3>实验室检测</h3>" in step


def test_steps_without_an_inspection_have_no_report(
    demo_ledger_copy: Ledger, tmp_path: Path
) -> None:
    client = client_with_documents(demo_ledger_copy, tmp_path / "docs")
    html = page(client, UNIT, lang="en")
    assert html.count('class="report"') == 1 == html.count("Laboratory inspection")
