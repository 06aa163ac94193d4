"""The scan page's lab report in a real browser (Debian's chromium): the page fetches the
linked report, hashes it with WebCrypto and says it matches the verified ledger record, and
warns when the stored file was altered on disk. Waits are for the attribute the page sets
when its report check ends, never for a function (the site's CSP forbids evaluating
strings)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ledger import demo
from ledger.service.documents import DocumentStore
from ledger.service.ledger import Ledger
from tests.browser.test_scan_page_e2e import UNIT, open_page, wait_for_verdict
from web import create_app


def report_check(page: Any) -> tuple[str, str]:
    """The report's state and words once the page's report check has ended."""
    page.wait_for_selector("main#scan[data-report-state=done]", state="attached")
    state = page.eval_on_selector("p.report", "e => e.dataset.check")
    return state, page.inner_text("p.report .report-check")


def test_the_browser_checks_the_lab_report_and_warns_when_it_was_altered(
    browser: Any, live_server: Any, console_errors: Any, demo_ledger: Ledger, tmp_path: Path
) -> None:
    store = DocumentStore(tmp_path / "docs")
    stored = [store.put([report])[0] for report in demo.lab_reports()]
    app = create_app(
        {"TESTING": True, "LEDGER": demo_ledger, "LEDGER_DOCUMENTS_DIR": str(store.root)}
    )
    base = live_server(app)

    page = open_page(browser, base, lang="en-GB")
    errors = console_errors(page)
    page.goto(base + UNIT)
    assert wait_for_verdict(page) == "verified"
    assert report_check(page) == ("matches", "report matches the ledger")
    href = page.get_attribute("p.report a", "href")
    [document] = [d for d in stored if href == f"/documents/{d.sha256}"]
    assert errors == []
    page.context.close()

    # Someone with access to the server's disk swaps the file; the page still links the
    # hash the signed record names, and the reader's browser sees the difference.
    altered = document.path.read_bytes().replace(b"Result: pass", b"Result: PASS")
    assert hashlib.sha256(altered).hexdigest() != document.sha256
    document.path.write_bytes(altered)
    page = open_page(browser, base, lang="zh-CN")
    page.goto(base + UNIT)
    assert wait_for_verdict(page) == "verified"  # the proof itself still holds
    state, words = report_check(page)
    assert state == "altered" and words.startswith("警告：报告与账本记录不一致")
    page.context.close()


def test_a_step_not_verified_here_is_compared_with_the_page_and_says_so(
    browser: Any, live_server: Any, demo_ledger: Ledger, tmp_path: Path
) -> None:
    """With the proof broken in flight no step is verified in the browser: the report is
    compared with the hash the page shows, and the words say the record was not verified."""
    store = DocumentStore(tmp_path / "docs")
    for report in demo.lab_reports():
        store.put([report])
    app = create_app(
        {"TESTING": True, "LEDGER": demo_ledger, "LEDGER_DOCUMENTS_DIR": str(store.root)}
    )
    base = live_server(app)

    def checkpoint(bundle: dict[str, Any]) -> None:
        lines = bundle["checkpoint"].split("\n")
        lines[1] = str(int(lines[1]) - 1)  # the tree size: its signature no longer holds
        bundle["checkpoint"] = "\n".join(lines)

    page = open_page(browser, base, lang="en-GB", tamper=checkpoint)
    page.goto(base + UNIT)
    assert wait_for_verdict(page) == "failed"
    state, words = report_check(page)
    assert state == "matches_page" and "not verified in this browser" in words
    page.context.close()


def test_without_the_file_the_page_says_so_and_checks_nothing(
    browser: Any, live_server: Any, demo_ledger: Ledger, tmp_path: Path
) -> None:
    app = create_app(
        {"TESTING": True, "LEDGER": demo_ledger, "LEDGER_DOCUMENTS_DIR": str(tmp_path / "none")}
    )
    base = live_server(app)
    page = open_page(browser, base, lang="en-GB")
    page.goto(base + UNIT)
    page.wait_for_selector("main#scan[data-report-state=done]", state="attached")
    assert page.eval_on_selector("p.report", "e => [e.dataset.state, e.dataset.check]") == [
        "missing",
        None,
    ]
    assert "not available on this server" in page.inner_text("p.report")
    page.context.close()


def tiny_png() -> bytes:
    """A valid 2x2 red PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_a_photo_opens_in_the_browser_under_its_strict_policy(
    browser: Any, live_server: Any, demo_ledger: Ledger, tmp_path: Path
) -> None:
    """``default-src 'none'; sandbox`` still shows an image opened on its own."""
    store = DocumentStore(tmp_path / "docs")
    photo, _ = store.put([tiny_png()], claimed_type="image/png")
    app = create_app(
        {"TESTING": True, "LEDGER": demo_ledger, "LEDGER_DOCUMENTS_DIR": str(store.root)}
    )
    base = live_server(app)
    page = open_page(browser, base)
    response = page.goto(f"{base}/documents/{photo.sha256}")
    assert response is not None and response.status == 200
    page.wait_for_selector("img", state="attached")
    assert page.eval_on_selector("img", "e => [e.complete, e.naturalWidth]") == [True, 2]
    page.context.close()
