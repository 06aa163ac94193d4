"""web/static/verify/page.js on a page written to the contract of docs/SCAN_PAGE.md, under
the site's CSP: it marks each step from the verified bytes, names the true reason of a
failure (the checkpoint's signature, another operator key, a record, a proof node) for the
page and for every step in both languages, shows every check's name in the details, and
where the browser cannot verify, or the verifier itself fails, says so and shows the
server's verdict, labelled as the server's. The tests wait for the attribute the page
sets when its check ends (``main#scan[data-verify-state=done]``), never for a function:
the CSP forbids evaluating strings."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.verifier_js.conftest import StaticSite
from tests.verifier import demo_bundles as bc
from tests.verifier.demo_bundles import (
    TRANSPORT,
    checkpoint_root,
    checkpoint_signature,
    one_entry,
    one_node,
    other_char,
)

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script type="module" src="/static/verify/page.js"></script></head><body>
<main id="scan" data-bundle-url="{bundle_url}" data-verifier-key="{vkey}" data-lang="{lang}">
<p id="verify-status">server-rendered text</p>
<details id="verify-details" hidden><summary>details</summary><ul></ul></details>
<div id="server-verdict" data-state="verified" hidden>server says verified</div>
<ol>{steps}</ol></main></body></html>"""
STEP = (
    '<li class="step" data-index="{index}"><span class="step-status"></span>'
    '<span class="step-verified"></span></li>'
)
DONE = "main#scan[data-verify-state=done]"
OTHER_VKEY = bc.OTHER_VKEY
Tamper = Callable[[dict[str, Any]], None]


def _leaf(entry: dict[str, Any]) -> bytes:
    return base64.b64decode(entry["leaf"])


def scan_page(site: StaticSite, name: str, document: bytes, vkey: str, lang: str = "en") -> str:
    steps = [e for e in json.loads(document)["entries"] if b'"kind":"event"' in _leaf(e)]
    bundle_url = site.put(f"{name}.json", document, "application/json")
    html = PAGE.format(
        bundle_url=bundle_url,
        vkey=vkey,
        lang=lang,
        steps="".join(STEP.format(index=e["index"]) for e in steps),
    )
    return site.put(f"{name}.html", html, "text/html; charset=utf-8")


def open_page(
    browser: Any, url: str, init_script: str | None = None, block: str | None = None
) -> tuple[Any, Any, list[str]]:
    """The page at ``url`` once its check has ended; ``block`` aborts loads of that URL glob."""
    context = browser.new_context()
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    if block is not None:
        page.route(block, lambda route: route.abort())
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector(DONE, state="attached", timeout=20_000)
    return context, page, errors


def status(page: Any) -> tuple[str, str]:
    element = page.locator("#verify-status")
    return element.get_attribute("data-state"), element.text_content()


def steps_state(page: Any) -> list[dict[str, str]]:
    return page.eval_on_selector_all(
        "li.step",
        """(items) => items.map((li) => ({
          index: li.dataset.index, state: li.querySelector('.step-status').dataset.state,
          word: li.querySelector('.step-status').textContent,
          line: li.querySelector('.step-verified').textContent }))""",
    )


def details(page: Any) -> list[str]:
    if page.locator("#verify-details").is_hidden():
        return []
    return page.locator("#verify-details li").all_text_contents()


def tampered(demo_bundle: bc.DemoBundle, tamper: Tamper) -> bytes:
    doc = demo_bundle.doc()
    tamper(doc)
    return json.dumps(doc).encode()


def transport_sig(doc: dict[str, Any]) -> None:
    """One character of the truck step's signature changed."""
    entry = next(e for e in doc["entries"] if e["index"] == TRANSPORT)
    leaf = _leaf(entry)
    at = leaf.index(b'"sig":"') + len(b'"sig":"') + 10
    leaf = leaf[:at] + other_char(chr(leaf[at])).encode() + leaf[at + 1 :]
    entry["leaf"] = base64.b64encode(leaf).decode("ascii")


# -- verified ------------------------------------------------------------------------------


def test_page_marks_every_step_verified(
    browser: Any, site: StaticSite, demo_bundle: bc.DemoBundle
) -> None:
    url = scan_page(site, "good", demo_bundle.document, demo_bundle.vkey)
    context, page, errors = open_page(browser, url)
    state, text = status(page)
    assert state == "verified" and text.startswith("Verified in this browser")
    assert float(page.locator("#verify-status").get_attribute("data-verify-ms")) >= 0
    steps = steps_state(page)
    assert steps and all(s["state"] == "verified" for s in steps)
    assert steps[-1]["line"] == "receiving · 2026-11-10T09:07:00+08:00 · 上海鲜超连锁"
    assert page.locator("#server-verdict").is_hidden()
    assert details(page) == []
    assert errors == []
    context.close()


# -- the checks stop at the bundle: the true reason, for the page and every step ----------

STOPPING: list[tuple[str, Tamper | None, str | None, str, str, str]] = [
    # (name, tamper, trusted key instead of the operator's, check, English words, Chinese)
    (
        "checkpoint-signature",
        checkpoint_signature,
        None,
        "checkpoint_signature",
        "the ledger checkpoint's signature does not verify",
        "账本检查点的签名无效",
    ),
    (
        "checkpoint-root",
        checkpoint_root,
        None,
        "checkpoint_signature",
        "the ledger checkpoint's signature does not verify",
        "账本检查点的签名无效",
    ),
    (
        "wrong-verifier-key",
        None,
        OTHER_VKEY,
        "operator_key",
        "the proof names another operator key than the one this page trusts",
        "证明所用的运营方密钥与本页信任的密钥不符",
    ),
]


@pytest.mark.parametrize(
    ("name", "tamper", "vkey", "check", "english", "chinese"),
    STOPPING,
    ids=[s[0] for s in STOPPING],
)
def test_a_bundle_level_failure_is_named_for_the_page_and_every_step(
    browser: Any,
    site: StaticSite,
    demo_bundle: bc.DemoBundle,
    name: str,
    tamper: Tamper | None,
    vkey: str | None,
    check: str,
    english: str,
    chinese: str,
) -> None:
    document = demo_bundle.document if tamper is None else tampered(demo_bundle, tamper)
    for lang, headline, step_word, step_line in (
        (
            "en",
            f"Verification in this browser failed: {english}, so no step could be checked. "
            "The proof may have been altered.",
            "not checked",
            f"this step could not be checked: {english}",
        ),
        (
            "zh",
            f"本机核验未通过：{chinese}，因此无法核验任何环节。这份证明可能被改动过。",
            "未能核验",
            f"无法核验这一步：{chinese}",
        ),
    ):
        url = scan_page(site, f"{name}-{lang}", document, vkey or demo_bundle.vkey, lang=lang)
        context, page, errors = open_page(browser, url)
        assert status(page) == ("failed", headline)
        steps = steps_state(page)
        assert len(steps) == 15
        assert {(s["state"], s["word"], s["line"]) for s in steps} == {
            ("failed", step_word, step_line)
        }
        where = "whole proof" if lang == "en" else "整份证明"
        [line] = details(page)
        assert line.startswith(f"{where} · {check}: ")
        assert errors == []
        context.close()


# -- records fail: the step-level and the page-level failure are both shown ---------------


def test_one_tampered_entry_fails_its_step_and_says_why(
    browser: Any, site: StaticSite, demo_bundle: bc.DemoBundle
) -> None:
    url = scan_page(site, "one-entry", tampered(demo_bundle, one_entry), demo_bundle.vkey)
    context, page, errors = open_page(browser, url)
    state, text = status(page)
    assert state == "failed"
    assert text.startswith("Verification in this browser failed: 1 step(s) do not hold (")
    by_index = {int(s["index"]): s for s in steps_state(page)}
    broken = by_index.pop(TRANSPORT)
    assert broken["state"] == "failed" and "the signature does not verify" in broken["line"]
    assert {s["state"] for s in by_index.values()} == {"verified"}
    assert any(line.startswith(f"entry #{TRANSPORT} · ") for line in details(page))
    assert errors == []
    context.close()


def test_page_names_the_tampered_step_in_chinese(
    browser: Any, site: StaticSite, demo_bundle: bc.DemoBundle
) -> None:
    url = scan_page(site, "tampered", tampered(demo_bundle, transport_sig), demo_bundle.vkey, "zh")
    context, page, errors = open_page(browser, url)
    state, text = status(page)
    assert state == "failed" and text.startswith("本机核验未通过：1 个环节不符（")
    by_index = {s["index"]: s for s in steps_state(page)}
    assert by_index["128"]["state"] == "failed" and "签名无效" in by_index["128"]["line"]
    assert by_index["127"]["state"] == "verified"
    assert any(line.startswith("记录 #128 · signature: ") for line in details(page))
    assert errors == []
    context.close()


def test_one_tampered_proof_node_fails_every_entry_that_uses_it(
    browser: Any, site: StaticSite, demo_bundle: bc.DemoBundle
) -> None:
    doc = demo_bundle.doc()
    node = next(e for e in doc["entries"] if e["index"] == TRANSPORT)["proof"][0]
    users = bc.users_of(doc, node)
    url = scan_page(site, "one-node", tampered(demo_bundle, one_node), demo_bundle.vkey, "zh")
    context, page, errors = open_page(browser, url)
    state, text = status(page)
    assert state == "failed" and "记录不在账本已签名的检查点中" in text
    for step in steps_state(page):
        if int(step["index"]) in users:
            assert step["state"] == "failed"
            assert step["line"] == "记录不在账本已签名的检查点中"
        else:
            assert step["state"] == "verified"
    assert {line.split(" · ")[0] for line in details(page)} == {f"记录 #{i}" for i in users}
    assert errors == []
    context.close()


# -- the browser cannot verify, or the verifier fails: said so, never a stall -------------


def test_without_webcrypto_the_page_shows_the_servers_verdict(
    browser: Any, site: StaticSite, demo_bundle: bc.DemoBundle
) -> None:
    url = scan_page(site, "fallback", demo_bundle.document, demo_bundle.vkey)
    # Simulates a browser without WebCrypto (as on a plain-http page): crypto.subtle is gone.
    context, page, errors = open_page(
        browser, url, "Object.defineProperty(Crypto.prototype, 'subtle', {get: () => undefined});"
    )
    state, text = status(page)
    assert state == "unsupported"
    assert "cannot verify" in text and "server's verdict" in text and "server: verified" in text
    assert page.locator("#server-verdict").is_visible()
    assert {s["state"] for s in steps_state(page)} == {None}
    assert errors == []
    context.close()


def test_an_insecure_context_reports_unsupported(
    browser: Any, site: StaticSite, demo_bundle: bc.DemoBundle
) -> None:
    url = scan_page(site, "insecure", demo_bundle.document, demo_bundle.vkey, lang="zh")
    # As on a page served over plain http from another host: not a secure context.
    context, page, errors = open_page(
        browser, url, "Object.defineProperty(window, 'isSecureContext', {value: false});"
    )
    state, text = status(page)
    assert state == "unsupported"
    assert "本页不是通过安全连接（https）打开的" in text and "服务器的核验结果" in text
    assert page.locator("#server-verdict").is_visible()
    assert errors == []
    context.close()


def test_a_verifier_module_that_cannot_load_is_reported_not_a_stall(
    browser: Any, site: StaticSite, demo_bundle: bc.DemoBundle
) -> None:
    """Before, a module of the verifier that failed to load left the page as rendered."""
    url = scan_page(site, "no-module", demo_bundle.document, demo_bundle.vkey)
    context, page, _errors = open_page(browser, url, block="**/static/verify/bundle.js")
    state, text = status(page)
    assert state == "error"
    assert text.startswith("Checking in this browser stopped with an error (")
    assert "server's verdict" in text and "server: verified" in text
    assert page.locator("#server-verdict").is_visible()
    context.close()


def test_an_unexpected_verifier_error_is_shown_as_such(
    browser: Any, site: StaticSite, demo_bundle: bc.DemoBundle
) -> None:
    """A malformed trusted key makes verifyBundle throw: the page says the check broke
    off (not that the proof could not be fetched) and shows the server's verdict."""
    url = scan_page(site, "bad-key", demo_bundle.document, "not a key", lang="zh")
    context, page, _errors = open_page(browser, url)
    state, text = status(page)
    assert state == "error"
    assert text.startswith("本机核验出错，未能完成（") and "服务器：已核验" in text
    context.close()


def test_a_proof_that_cannot_be_fetched_says_so(browser: Any, site: StaticSite) -> None:
    html = PAGE.format(bundle_url=f"{site.url}/t/missing.json", vkey="k", lang="en", steps="")
    url = site.put("missing.html", html, "text/html; charset=utf-8")
    context, page, _errors = open_page(browser, url)
    assert status(page) == (
        "error",
        "The proof could not be fetched (HTTP 404). Below is the server's verdict, not "
        "checked by this browser: server: verified",
    )
    context.close()
