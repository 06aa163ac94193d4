"""The trace page (/trace): what a regulator opens to see, in seconds, everything made from
a lot and where it is now, or everything a product came from. Server-rendered from
``Ledger.trace``; the same graph as ``GET /api/v1/trace``, which the page links for download.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ledger.core.errors import MalformedError
from ledger.core.gs1 import parse_identifier
from ledger.core.trace import DIRECTIONS
from web.catalogue import current_catalogue

bp = Blueprint("trace", __name__)

LINK_WORDS = {
    "transformed": _l("processed into"),
    "packed": _l("packed into"),
    "harvested": _l("harvested as"),
    "unit_of_lot": _l("unit of the lot"),
}


def describe(object_id: str, lang: str, businesses: dict[str, str]) -> str:
    """An object in words: the product's name and its lot or serial, a case or pallet, or a
    place by the business whose GLN it is under (``businesses``: GLN to name)."""
    identifier = parse_identifier(object_id, field="object")
    if identifier.ai == "414":
        place = businesses.get(identifier.key, identifier.key)
        if identifier.extension:
            return _("%(place)s, plot %(plot)s", place=place, plot=identifier.extension)
        return place
    if identifier.ai == "00":
        return _("case or pallet %(sscc)s", sscc=identifier.key)
    if identifier.ai == "01":
        parts = [current_catalogue().display_name(identifier.key, lang)]
        if identifier.lot:
            parts.append(_("lot %(lot)s", lot=identifier.lot))
        if identifier.serial:
            parts.append(_("no. %(serial)s", serial=identifier.serial))
        return " · ".join(parts)
    return object_id


@bp.get("/trace")
def trace_page() -> ResponseReturnValue:
    """The trace of ``?object=`` in ``?direction=`` (backward unless forward is asked)."""
    lang = str(get_locale() or "zh")
    object_id = request.args.get("object", "")
    direction = request.args.get("direction", "backward")
    if direction not in DIRECTIONS:
        raise MalformedError(
            "direction is forward or backward", code="bad_parameter", field="direction"
        )
    canonical = parse_identifier(object_id, field="object").object_key()
    ledger = current_app.extensions["ledger"]
    found = ledger.trace(canonical, direction)
    actors = ledger.actors()
    names = {a.actor: a.name for a in actors}  # holders by their business name
    businesses = {a.gln: a.name for a in actors}
    words = {n.object_id: describe(n.object_id, lang, businesses) for n in found.nodes}
    levels: dict[int, list[tuple[str, str, str | None]]] = {}
    for node in found.nodes:
        path = node.object_id.removeprefix("https://id.gs1.org")
        scan = path if path.startswith("/01/") else None
        holder = names.get(node.holder or "", node.holder or "")
        levels.setdefault(node.depth, []).append((words[node.object_id], holder, scan))
    by_depth = [
        (
            _("Where it started")
            if depth == 0
            else ngettext("%(num)s step away", "%(num)s steps away", depth),
            nodes,
        )
        for depth, nodes in sorted(levels.items())
    ]
    other = "forward" if direction == "backward" else "backward"
    return render_template(
        "trace.html",
        lang=lang,
        other_lang_url=url_for(
            "trace.trace_page",
            object=object_id,
            direction=direction,
            lang="en" if lang == "zh" else "zh",
        ),
        subject=words[canonical],
        direction=direction,
        found=found,
        by_depth=by_depth,
        edges=[
            (words[e.source], LINK_WORDS[e.kind], words[e.target], e.index) for e in found.edges
        ],
        other_url=url_for("trace.trace_page", object=object_id, direction=other),
        json_url=url_for(
            "api.trace", object=canonical, direction=direction, tree_size=found.tree_size
        ),
    )
