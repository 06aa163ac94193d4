"""What a shopper writes in a complaint: the categories it may have, and the contact
details (phone numbers, e-mail and messenger IDs) that must not travel with its text.

A complaint's contact goes in its own erasable field (docs/COMPLAINTS.md); anything that
looks like one in the free text is masked before the text is stored, and a public reply
that holds one is refused, because replies go on the permanent log.
"""

from __future__ import annotations

import re

__all__ = ["MASK", "MAX_CONTACT", "MAX_TEXT", "contact_spans", "mask_contacts"]

MAX_TEXT = 2000
MAX_CONTACT = 200
MASK = "•••"

_PATTERNS = (
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail
    # Mobile numbers (+86 optional, grouped 3-4-4 or not) and landlines (area code, number).
    re.compile(r"(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}"),
    re.compile(r"\(?0\d{2,3}\)?[\s-]?\d{7,8}"),
    re.compile(r"\d{7,}"),  # any other long run of digits: an account or ID number
    # A messenger ID after its name: 微信 / WeChat / QQ / vx ...
    re.compile(
        r"(?i:微信号?|weixin|wechat|vx|wx|qq|电话|手机|tel|phone)[\s:：号]*[A-Za-z0-9_.+-]{5,}"
    ),
)


def contact_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds something that looks like contact details, merged, in order."""
    spans = sorted(m.span() for p in _PATTERNS for m in p.finditer(text))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mask_contacts(text: str) -> tuple[str, bool]:
    """``text`` with every contact-like span replaced by ``MASK``; whether any was."""
    spans = contact_spans(text)
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(MASK)
        last = end
    out.append(text[last:])
    return "".join(out), bool(spans)
