"""web/static/verify/page.js on a page written to the contract of docs/SCAN_PAGE.md: it
marks each step from the verified bytes, reports tampering, and where the browser cannot
verify (no crypto.subtle) says so and shows the server's verdict, labelled as the server's."""

from __future__ import annotations

import json
from typing import Any

from tests.browser.verifier_js.conftest import StaticSite
from tests.verifier import bundle_corpus as bc

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script type="module" src="/static/verify/page.js"></script></head><body>
<main id="scan" data-bundle-url="{bundle_url}" data-verifier-key="{vkey}" data-lang="{lang}">
<p id="verify-status">server-rendered text</p>
<div id="server-verdict" data-state="verified" hidden>server says verified</div>
<ol>{steps}</ol></main></body></html>"""
STEP = '<li class="step" data-index="{index}"><span class="step-status"></span><span class="step-verified"></span></li>'


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


def _leaf(entry: dict[str, Any]) -> bytes:
    import base64

    return base64.b64decode(entry["leaf"])


def open_page(browser: Any, url: str, init_script: str | None = None) -> tuple[Any, Any, list[str]]:
    context = browser.new_context()
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function(
        "['verified','failed','unsupported','error'].includes("
        "document.querySelector('#verify-status').dataset.state)"
    )
    return context, page, errors


def steps_state(page: Any) -> list[dict[str, str]]:
    return page.evaluate("""() => [...document.querySelectorAll('li.step')].map((li) => ({
      index: li.dataset.index, state: li.querySelector('.step-status').dataset.state,
      line: li.querySelector('.step-verified').textContent }))""")


def test_page_marks_every_step_verified(
    browser: Any, site: StaticSite, demo_bundle: bc.DemoBundle
) -> None:
    url = scan_page(site, "good", demo_bundle.document, demo_bundle.vkey)
    context, page, errors = open_page(browser, url)
    status = page.locator("#verify-status")
    assert status.get_attribute("data-state") == "verified"
    assert status.text_content().startswith("Verified in this browser")
    assert float(status.get_attribute("data-verify-ms")) >= 0
    steps = steps_state(page)
    assert steps and all(s["state"] == "verified" for s in steps)
    assert steps[-1]["line"] == "receiving · 2026-11-10T09:07:00+08:00 · 上海鲜超连锁"
    assert page.locator("#server-verdict").is_hidden()
    assert errors == []
    context.close()


def test_page_names_the_tampered_step_in_chinese(
    browser: Any, site: StaticSite, demo_bundle: bc.DemoBundle
) -> None:
    variant = next(v for v in bc.variants(demo_bundle) if v.name == "leaf-sig-char@124")
    url = scan_page(site, "tampered", variant.document, demo_bundle.vkey, lang="zh")
    context, page, errors = open_page(browser, url)
    assert page.locator("#verify-status").get_attribute("data-state") == "failed"
    assert "本机核验未通过" in page.locator("#verify-status").text_content()
    by_index = {s["index"]: s for s in steps_state(page)}
    assert by_index["124"]["state"] == "failed" and "签名无效" in by_index["124"]["line"]
    assert by_index["123"]["state"] == "verified"
    assert errors == []
    context.close()


def test_without_webcrypto_the_page_shows_the_servers_verdict(
    browser: Any, site: StaticSite, demo_bundle: bc.DemoBundle
) -> None:
    url = scan_page(site, "fallback", demo_bundle.document, demo_bundle.vkey)
    # Simulates a browser without WebCrypto (as on a plain-http page): crypto.subtle is gone.
    context, page, errors = open_page(
        browser, url, "Object.defineProperty(Crypto.prototype, 'subtle', {get: () => undefined});"
    )
    status = page.locator("#verify-status")
    assert status.get_attribute("data-state") == "unsupported"
    text = status.text_content()
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
    status = page.locator("#verify-status")
    assert status.get_attribute("data-state") == "unsupported"
    assert (
        "页面不是安全连接" in status.text_content() and "服务器的核验结果" in status.text_content()
    )
    assert page.locator("#server-verdict").is_visible()
    assert errors == []
    context.close()
