"""Running the browser verifier's modules from Python tests through a Playwright page."""

from __future__ import annotations

import base64
from typing import Any

# Decodes each base64 document in the page and verifies it with bundle.js; returns the
# reports (plain JSON) in order.
_VERIFY_MANY = """
async (cases) => {
  const { verifyBundle } = await import('/static/verify/bundle.js');
  const out = [];
  for (const { doc, vkey } of cases) {
    const bytes = Uint8Array.from(atob(doc), (c) => c.charCodeAt(0));
    out.push(await verifyBundle(bytes, vkey));
  }
  return out;
}
"""


def verify_in_browser(page: Any, cases: list[tuple[bytes, str]]) -> list[dict[str, Any]]:
    """Verify each (bundle bytes, trusted vkey) with web/static/verify/bundle.js in ``page``."""
    payload = [{"doc": base64.b64encode(doc).decode("ascii"), "vkey": vkey} for doc, vkey in cases]
    return page.evaluate(_VERIFY_MANY, payload)
