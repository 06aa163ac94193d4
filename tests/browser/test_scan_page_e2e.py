"""The demo's scan page in a real browser: it verifies the proof itself, names a tampered
step or checkpoint in plain words, reads well at 360 px, in Chinese and in English, with no
console errors. Waits are for the attribute the page sets when its check ends, never for a
function: the site's CSP forbids evaluating strings."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from ledger import demo
from ledger.service.ledger import Ledger
from web import create_app

UNIT = demo.sample_unit_path()
TRANSPORT = 128  # the sample bag's truck, whose cooling failed


def open_page(
    browser: Any,
    url: str,
    *,
    lang: str = "zh-CN",
    tamper: Callable[[dict[str, Any]], None] | None = None,
) -> Any:
    """A 360 px wide phone-sized page at ``url``; ``tamper`` edits the bundle in flight."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale=lang,
        extra_http_headers={"Accept-Language": lang},
    )
    page = context.new_page()
    if tamper is not None:

        def serve_tampered(route: Any) -> None:
            bundle = json.loads(route.fetch().body())
            tamper(bundle)
            route.fulfill(status=200, content_type="application/json", body=json.dumps(bundle))

        page.route("**/*format=bundle*", serve_tampered)
    return page


def wait_for_verdict(page: Any) -> str:
    """The page's own verdict once its check has ended (docs/SCAN_PAGE.md)."""
    page.wait_for_selector("main#scan[data-verify-state=done]", state="attached")
    return page.eval_on_selector("#verify-status", "e => e.dataset.state")


def step_states(page: Any) -> dict[int, str]:
    return {
        int(k): v
        for k, v in page.eval_on_selector_all(
            "li.step",
            "els => els.map(e => [e.dataset.index, e.querySelector('.step-status').dataset.state])",
        )
    }


def flip_byte(b64: str, position: int) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[position] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def test_the_demo_page_is_verified_in_the_browser(
    browser: Any, live_server: Any, console_errors: Any, demo_ledger: Ledger
) -> None:
    base = live_server(create_app({"TESTING": True, "LEDGER": demo_ledger}))
    page = open_page(browser, base)
    errors = console_errors(page)
    page.goto(base + UNIT)
    assert wait_for_verdict(page) == "verified"
    states = step_states(page)
    assert len(states) == 15 and set(states.values()) == {"verified"}
    assert "冷链运输" in page.inner_text(f'li.step[data-index="{TRANSPORT}"]')
    # What the script shows under a step comes from the verified bytes.
    line = page.text_content(f'li.step[data-index="{TRANSPORT}"] .step-verified') or ""
    assert "transporting" in line  # in the step's collapsed details
    assert float(page.eval_on_selector("#verify-status", "e => e.dataset.verifyMs")) > 0
    # Readable on a 360 px phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.is_visible("svg.chart") and page.is_visible("section#answer")
    assert errors == []


def test_english_renders_and_verifies(
    browser: Any, live_server: Any, console_errors: Any, demo_ledger: Ledger
) -> None:
    base = live_server(create_app({"TESTING": True, "LEDGER": demo_ledger}))
    page = open_page(browser, base, lang="en-US")
    errors = console_errors(page)
    page.goto(base + UNIT)
    assert wait_for_verdict(page) == "verified"
    assert page.inner_text("h1") == "Wuchang rice, Daohuaxiang, 5 kg bag"
    assert "Cold-chain transport" in page.inner_text("section.journey")
    assert page.get_attribute("html", "lang") == "en"
    with page.expect_navigation():
        page.click("a.lang")
    assert page.get_attribute("html", "lang") == "zh-CN" and "冷链运输" in page.inner_text(
        "section.journey"
    )
    assert errors == []


def test_a_byte_changed_in_one_entry_fails_that_step(
    browser: Any, live_server: Any, demo_ledger: Ledger
) -> None:
    base = live_server(create_app({"TESTING": True, "LEDGER": demo_ledger}))

    def tamper(bundle: dict[str, Any]) -> None:
        entry = next(e for e in bundle["entries"] if e["index"] == TRANSPORT)
        entry["leaf"] = flip_byte(entry["leaf"], 300)

    page = open_page(browser, base, tamper=tamper)
    page.goto(base + UNIT)
    assert wait_for_verdict(page) == "failed"
    states = step_states(page)
    assert states.pop(TRANSPORT) == "failed"
    assert set(states.values()) == {"verified"}
    # The server's own verdict on its untampered bundle still stands, labelled as its own.
    assert page.eval_on_selector("#server-verdict", "e => e.dataset.state") == "verified"


def test_a_byte_changed_in_a_proof_or_the_checkpoint(
    browser: Any, live_server: Any, demo_ledger: Ledger
) -> None:
    base = live_server(create_app({"TESTING": True, "LEDGER": demo_ledger}))
    steps = set(step_states_of(browser, base))
    first_step = min(steps)

    users: set[int] = set()

    def proof(bundle: dict[str, Any]) -> None:
        # The node the step's proof names first (the leaf's sibling): every entry whose
        # proof uses that node is then not proven, the step among them.
        node = next(e for e in bundle["entries"] if e["index"] == first_step)["proof"][0]
        bundle["nodes"][node] = flip_byte(bundle["nodes"][node], 0)
        users.update(e["index"] for e in bundle["entries"] if node in e["proof"])

    page = open_page(browser, base, tamper=proof)
    page.goto(base + UNIT)
    assert wait_for_verdict(page) == "failed"
    failed = sorted(i for i, s in step_states(page).items() if s == "failed")
    assert first_step in users and failed == sorted(users & steps)

    def checkpoint(bundle: dict[str, Any]) -> None:
        lines = bundle["checkpoint"].split("\n")
        lines[1] = str(int(lines[1]) - 1)  # the tree size
        bundle["checkpoint"] = "\n".join(lines)

    page = open_page(browser, base, tamper=checkpoint)
    page.goto(base + UNIT)
    assert wait_for_verdict(page) == "failed"
    assert set(step_states(page).values()) == {"failed"}
    # The true reason, not "not in the proof bundle" (issue 7, defect 2).
    assert "账本检查点的签名无效" in page.inner_text("#verify-status")
    assert "证明中没有这一步" not in page.inner_text("section.journey")


def test_a_tampered_checkpoint_is_named_on_the_page_and_every_step(
    browser: Any, live_server: Any, console_errors: Any, demo_ledger: Ledger
) -> None:
    """The checkpoint's signature broken in flight: the phone says so, for the page and for
    every step, in plain words, with the check's name in the details; the server's own
    verdict (on its untampered bundle) stays visible beside it, labelled as the server's."""
    base = live_server(create_app({"TESTING": True, "LEDGER": demo_ledger}))

    def signature(bundle: dict[str, Any]) -> None:
        lines = bundle["checkpoint"].split("\n")
        lines[4] = lines[4][:-6] + ("A" if lines[4][-6] != "A" else "B") + lines[4][-5:]
        bundle["checkpoint"] = "\n".join(lines)

    for lang, headline, step in (
        (
            "zh-CN",
            "本机核验未通过：账本检查点的签名无效，因此无法核验任何环节。这份证明可能被改动过。",
            "无法核验这一步：账本检查点的签名无效",
        ),
        (
            "en-US",
            "Verification in this browser failed: the ledger checkpoint's signature does not "
            "verify, so no step could be checked. The proof may have been altered.",
            "this step could not be checked: the ledger checkpoint's signature does not verify",
        ),
    ):
        page = open_page(browser, base, lang=lang, tamper=signature)
        errors = console_errors(page)
        page.goto(base + UNIT)
        assert wait_for_verdict(page) == "failed"
        assert page.inner_text("#verify-status") == headline
        lines = page.eval_on_selector_all(
            "li.step .step-verified", "els => els.map(e => e.textContent)"
        )
        assert len(lines) == 15 and set(lines) == {step}
        page.click("#verify-details summary")
        assert "checkpoint_signature" in page.inner_text("#verify-details")
        assert page.is_visible("#server-verdict")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert errors == []


def step_states_of(browser: Any, base: str) -> dict[int, str]:
    page = open_page(browser, base)
    page.goto(base + UNIT)
    wait_for_verdict(page)
    return step_states(page)


def test_an_unknown_code_gets_a_readable_page(
    browser: Any, live_server: Any, demo_ledger: Ledger
) -> None:
    base = live_server(create_app({"TESTING": True, "LEDGER": demo_ledger}))
    page = open_page(browser, base)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    response = page.goto(base + "/01/06901234000122/10/WC26-M07/21/999999")
    assert response.status == 404
    assert "没有这件商品的记录" in page.inner_text("h1")
    assert problems == []
