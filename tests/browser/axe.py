"""axe-core in the browser tests: ``serious_violations(page)`` lists what a page breaks.

axe (tests/browser/vendor/axe-core, see its README for the version and source) is injected
as a script tag, which the site's Content-Security-Policy rightly refuses: open the page in a
context made by ``phone(browser, lang)`` (or any context with ``bypass_csp=True``). Only
violations of impact serious or critical are returned; WCAG 2.1 A and AA rules run, colour
contrast (AA) among them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_SHA256 = "880970c081707360e64f34cea25ff91892f5bc95675b0776925b9709dd8a68bb"  # 4.10.3
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def phone(browser: Any, lang: str, **options: Any) -> Any:
    """A 360 x 740 browser context in ``lang`` (e.g. "zh-CN", "en-GB") where axe may run;
    ``options`` add to or replace its settings."""
    settings: dict[str, Any] = {
        "viewport": {"width": 360, "height": 740},
        "locale": lang,
        "extra_http_headers": {"Accept-Language": lang},
        "bypass_csp": True,
    }
    return browser.new_context(**{**settings, **options})


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on ``page``, as "rule: target" lines."""
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256, "axe.min.js changed"
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(f"axe.run(document, {{runOnly: {{type: 'tag', values: {TAGS!r}}}}})")
    # It ran, and checked the text's contrast against WCAG AA.
    assert any(rule["id"] == "color-contrast" for rule in found["passes"])
    return [
        f"{v['id']}: {node['target']}"
        for v in found["violations"]
        if v["impact"] in ("serious", "critical")
        for node in v["nodes"]
    ]
