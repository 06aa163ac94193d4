"""The producer app on a 360 px phone in Chromium: a farm declares its own accepted record
wrong, and a regulator's phone signs a recall (FORMAT.md 3.8, 3.7); both land in the log,
signed on the phone, and what the server refuses is shown with its reason."""

from __future__ import annotations

from typing import Any

import pytest

from ledger import samples
from ledger.core.entries import parse_entry
from ledger.core.gs1 import gtin_uri
from ledger.service.ledger import Ledger
from tests.browser.test_producer_app_e2e import (
    WAIT_MS,
    enrol,
    phone_context,
    record_harvest,
)
from web import create_app

LOT = gtin_uri(samples.PADDY_GTIN, lot="WC26-P99")


def statements(ledger: Ledger, kind: str) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for entry in ledger.entries(0, ledger.size()):
        parsed = parse_entry(entry.leaf)
        if parsed.statement.kind == kind:
            out.append((parsed.index, parsed.statement.payload))
    return out


@pytest.mark.parametrize("lang", ["zh-CN", "en-GB"])
def test_a_farm_declares_its_own_record_wrong(
    browser: Any,
    live_server: Any,
    console_errors: Any,
    app_ledger: Ledger,
    lang: str,
) -> None:
    base = live_server(create_app({"LEDGER": app_ledger, "SECRET_KEY": "browser test"}))
    context = phone_context(browser, lang)
    page = context.new_page()
    errors = console_errors(page)
    enrol(page, base, app_ledger)
    record_harvest(page, LOT)
    page.wait_for_selector("#outbox-list li[data-state=confirmed] button.wrong", timeout=WAIT_MS)
    ((harvest_index, _),) = statements(app_ledger, "event")
    page.click("#outbox-list li[data-state=confirmed] button.wrong")
    page.wait_for_selector("#view-correct:not([hidden])")
    assert str(harvest_index) in page.inner_text("#correct-what")
    page.click("#correct-sign")  # no explanation yet: refused on the phone, nothing signed
    assert page.inner_text("#correct-error")
    page.fill("#correct-explanation", "重量录错了 / the weight was typed wrong")
    page.click("#correct-sign")
    page.wait_for_selector("#view-home:not([hidden])")
    page.wait_for_selector(
        "#outbox-list li[data-state=confirmed] + li, #outbox-list li:nth-child(2)"
    )
    for _ in range(60):
        if statements(app_ledger, "correction"):
            break
        page.wait_for_timeout(500)
    ((_, correction),) = statements(app_ledger, "correction")
    assert correction["entry"] == harvest_index and correction["reason"] == "incorrect_data"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []
    context.close()


def test_a_regulators_phone_signs_a_recall(
    browser: Any,
    live_server: Any,
    console_errors: Any,
    app_ledger: Ledger,
) -> None:
    app_ledger.append_operator_statement(
        "actor", {"actor": "hlj-samr", **samples.RECALLERS["hlj-samr"]}
    )
    base = live_server(create_app({"LEDGER": app_ledger, "SECRET_KEY": "browser test"}))
    context = phone_context(browser, "zh-CN")
    page = context.new_page()
    errors = console_errors(page)
    enrol(page, base, app_ledger, actor="hlj-samr")
    assert page.locator("button[data-form=harvest]").count() == 0  # a regulator records no work
    page.click("button[data-form=recall]")
    page.wait_for_selector("#view-recall:not([hidden])")
    page.fill("#recall-id", "HLJ-SAMR-2026-040")
    page.fill("#recall-objects", LOT)
    page.click("#recall-sign")  # no reason and no action yet: refused on the phone
    assert page.inner_text("#recall-error")
    page.fill("#recall-reason-zh", "镉超标")
    page.fill("#recall-action-zh", "请停止食用，到购买门店退款。")
    page.select_option("#recall-level", "1")
    page.click("#recall-sign")
    page.wait_for_selector("#view-home:not([hidden])")
    page.wait_for_selector("#outbox-list li[data-state=confirmed]", timeout=WAIT_MS)
    ((_, recall),) = statements(app_ledger, "recall")
    assert recall["recall"] == "HLJ-SAMR-2026-040" and recall["level"] == 1
    assert recall["objects"] == [LOT] and recall["reason"] == {"zh": "镉超标"}
    assert errors == []
    context.close()
