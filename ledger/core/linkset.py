"""GS1 link types and RFC 9264 linksets as a GS1-Conformant resolver serves them.

A linkset is ``{"linkset": [{"anchor": <Digital Link URI>, "itemDescription": ...,
"https://gs1.org/voc/pip": [{"href", "title", "type", "hreflang"}], ...}]}``; exactly one
link is the default, listed again under ``https://gs1.org/voc/defaultLink`` with its href and
title only (GS1-Conformant resolver standard 1.2, and its linkset schema).

Pure: standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.core.errors import ValidationError

__all__ = [
    "DEFAULT_LINK",
    "GS1_VOC",
    "LINKSET_CONTEXT",
    "Link",
    "link_type_of",
    "linkset_document",
]

GS1_VOC = "https://gs1.org/voc/"
# Namespaces GS1 publishes its vocabulary under; requests may use any of them.
_VOC_FORMS = (
    GS1_VOC,
    "http://gs1.org/voc/",
    "https://www.gs1.org/voc/",
    "http://www.gs1.org/voc/",
    "https://ref.gs1.org/voc/",
    "http://ref.gs1.org/voc/",
)
DEFAULT_LINK = "defaultLink"
# The JSON-LD context that turns a GS1 linkset into JSON-LD (the standard's artefact).
LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
_MAX_LINK_TYPE = 100


@dataclass(frozen=True)
class Link:
    """One link: its GS1 link type's local name (``pip``), target and attributes."""

    link_type: str
    href: str
    title: str
    media_type: str | None = None
    hreflang: tuple[str, ...] = ()

    def target_object(self) -> dict[str, Any]:
        """The RFC 9264 target object."""
        out: dict[str, Any] = {"href": self.href, "title": self.title}
        if self.media_type:
            out["type"] = self.media_type
        if self.hreflang:
            out["hreflang"] = list(self.hreflang)
        return out


def link_type_of(value: str, *, field: str = "linkType") -> str:
    """The local name of a GS1 link type written as ``gs1:pip`` or a vocabulary URI.

    A ValidationError (``bad_parameter``) names the forms a link type may take.
    """
    if 0 < len(value) <= _MAX_LINK_TYPE:
        name = None
        if value.startswith("gs1:"):
            name = value[4:]
        else:
            name = next((value[len(f) :] for f in _VOC_FORMS if value.startswith(f)), None)
        if name and name.isascii() and name.isalnum() and name[0].isalpha():
            return name
    raise ValidationError(
        "linkType must be 'linkset', 'all', or a GS1 link type such as gs1:pip or "
        "https://gs1.org/voc/pip",
        code="bad_parameter",
        field=field,
    )


def linkset_document(
    anchor: str, description: str, links: Sequence[Link], default: Link
) -> dict[str, Any]:
    """The linkset of one identified item: each link under its link type's URI, and the
    default again under ``gs1:defaultLink`` with its href and title only."""
    context: dict[str, Any] = {"anchor": anchor, "itemDescription": description}
    for link in links:
        context.setdefault(GS1_VOC + link.link_type, []).append(link.target_object())
    context[GS1_VOC + DEFAULT_LINK] = [{"href": default.href, "title": default.title}]
    return {"linkset": [context]}
