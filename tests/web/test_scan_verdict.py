"""The server's own verdict on the scan page, as a reader without JavaScript sees it, when
the proof it checks has been tampered with (issue 7, defect 2): the true reason in plain
words, in both languages, for the page and for every step, with the check's name in the
details. The server checks a bundle built from its database; here the tampering is put
between the two, as a damaged database or replica would."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from flask.testing import FlaskClient

from ledger.core import bundle as core_bundle
from tests.verifier.demo_bundles import (
    TRANSPORT,
    checkpoint_root,
    checkpoint_signature,
    one_entry,
    one_node,
    other_key,
)
from web import resolver

UNIT = "/01/06901234000122/10/WC26-M07/21/100071"
Tamper = Callable[[dict[str, Any]], None]


def served_page(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, tamper: Tamper | None, lang: str
) -> str:
    """The scan page the server renders when its bundle has been tampered with by ``tamper``."""
    if tamper is not None:

        def verify_tampered(document: bytes, operator: Any) -> core_bundle.BundleReport:
            doc = json.loads(document)
            tamper(doc)
            return core_bundle.verify_bundle(json.dumps(doc).encode(), operator)

        monkeypatch.setattr(resolver, "verify_bundle", verify_tampered)
    response = client.get(UNIT, headers={"Accept": "text/html", "Accept-Language": lang})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def text_of(html: str, pattern: str) -> list[str]:
    """The plain text of each match of ``pattern`` (a regex with one group), tags removed."""
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", " ", m)).split())
        for m in re.findall(pattern, html, re.S)
    ]


def verdict(html: str) -> str:
    return text_of(html, r'<div id="server-verdict"[^>]*>\s*<p>(.*?)</p>')[0]


def details(html: str) -> str:
    found = text_of(html, r'<div id="server-verdict".*?<details class="checks">(.*?)</details>')
    return found[0] if found else ""


def step_lines(html: str) -> dict[int, str]:
    blocks = re.findall(r'<li class="step[^"]*" data-index="(\d+)"[^>]*>(.*?)</li>', html, re.S)
    return {
        int(index): text_of(block, r'<p class="step-status server"[^>]*>(.*?)</p>')[0]
        for index, block in blocks
    }


STOPPING: list[tuple[str, Tamper, str, str, str]] = [
    (
        "checkpoint signature",
        checkpoint_signature,
        "checkpoint_signature",
        "the ledger checkpoint's signature does not verify",
        "账本检查点的签名无效",
    ),
    (
        "checkpoint root",
        checkpoint_root,
        "checkpoint_signature",
        "the ledger checkpoint's signature does not verify",
        "账本检查点的签名无效",
    ),
    (
        "another operator key",
        other_key,
        "operator_key",
        "the proof names another operator key than the one this page trusts",
        "证明所用的运营方密钥与本页信任的密钥不符",
    ),
]


@pytest.mark.parametrize(
    ("tamper", "check", "english", "chinese"),
    [s[1:] for s in STOPPING],
    ids=[s[0] for s in STOPPING],
)
def test_a_bundle_level_failure_is_named_for_the_page_and_every_step(
    demo_client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    tamper: Tamper,
    check: str,
    english: str,
    chinese: str,
) -> None:
    html = served_page(demo_client, monkeypatch, tamper, "en")
    assert verdict(html) == (
        f"Server's check: NOT verified: {english}, so no step could be checked. "
        "The ledger's records may have been altered."
    )
    steps = step_lines(html)
    assert len(steps) == 15
    assert set(steps.values()) == {
        f"Not verified (server's check): this step could not be checked: {english}"
    }
    assert f"whole proof · {check}:" in details(html)
    assert "not in the proof bundle" not in html

    zh = served_page(demo_client, monkeypatch, tamper, "zh")
    assert (
        verdict(zh)
        == f"服务器核验: 未通过核验：{chinese}，因此无法核验任何环节。账本记录可能被改动过。"
    )
    assert set(step_lines(zh).values()) == {f"未通过核验（服务器核验）: 无法核验这一步：{chinese}"}
    assert f"整份证明 · {check}:" in details(zh)


def test_one_tampered_entry_fails_its_step_only(
    demo_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = served_page(demo_client, monkeypatch, one_entry, "en")
    assert verdict(html).startswith("Server's check: NOT verified: 1 step(s) do not hold (")
    steps = step_lines(html)
    assert "the signature does not verify" in steps.pop(TRANSPORT)
    assert set(steps.values()) == {"Signed and in the ledger (server's check)"}
    assert f"entry #{TRANSPORT} · " in details(html)
    zh = served_page(demo_client, monkeypatch, one_entry, "zh")
    assert "1 个环节不符" in verdict(zh) and "签名无效" in step_lines(zh)[TRANSPORT]


def test_one_tampered_proof_node_fails_the_entries_that_use_it(
    demo_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = served_page(demo_client, monkeypatch, one_node, "en")
    steps = step_lines(html)
    assert steps[TRANSPORT] == (
        "Not verified (server's check): the record is not in the ledger's signed checkpoint"
    )
    assert "not verified" not in " ".join(v for i, v in steps.items() if i != TRANSPORT).lower()
    assert "the record is not in the ledger's signed checkpoint" in verdict(html)
    assert f"entry #{TRANSPORT} · inclusion:" in details(html)


def test_an_intact_bundle_has_no_details(
    demo_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = served_page(demo_client, monkeypatch, None, "en")
    assert verdict(html).startswith("Server's check: Verified: all 15 steps are signed")
    assert details(html) == ""
    assert set(step_lines(html).values()) == {"Signed and in the ledger (server's check)"}
