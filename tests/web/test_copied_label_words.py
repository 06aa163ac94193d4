"""The copied-label answer in Chinese: its reason, not only its headline, in Chinese.

web/answer.py once picked the sentence's English template into a variable and passed that
to gettext, so pybabel could not extract it and the Chinese page showed it in English (found
by tests/browser/test_shopper_states.py's screenshots): the test that would have caught it."""

from __future__ import annotations

import re

from ledger import demo
from ledger.service.ledger import Ledger
from web import create_app

GTIN, LOT = demo.sample_lot()
COPIED = f"/01/{GTIN}/10/{LOT}/21/100002"


def test_the_copied_labels_reason_is_in_chinese(demo_ledger_copy: Ledger) -> None:
    app = create_app({"TESTING": True, "LEDGER": demo_ledger_copy, "LEDGER_CLONE_MAX_CLIENTS": 1})
    app.extensions["scans"].flush_interval = 0
    client = app.test_client()
    for address in ("10.0.0.1", "10.0.0.2"):
        html = client.get(
            COPIED,
            headers={"Accept": "text/html", "Accept-Language": "zh"},
            environ_base={"REMOTE_ADDR": address},
        ).get_data(as_text=True)
    assert '<strong id="answer-headline">疑似仿冒标签</strong>' in html
    why = re.search(r'<p id="answer-why" class="answer-why">(.*?)</p>', html, re.S)
    assert why is not None
    assert "Genuine labels" not in why.group(1) and "不同" in why.group(1)
