"""The recall pages (/recalls, /recalls/<id>): what a regulator, a store or a shopper opens
to see which recalls are in force, what each one reaches, and who holds it now. Rendered
from ``Ledger.recall``; the same data as ``GET /api/v1/recalls/<id>``."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from web.scan_view import recall_deadlines
from web.trace import describe

bp = Blueprint("recalls", __name__)


@bp.get("/recalls")
def index() -> ResponseReturnValue:
    """Every recall, those in force first."""
    lang = str(get_locale() or "zh")
    ledger = current_app.extensions["ledger"]
    size, found = ledger.recalls(in_force=None)
    names = ledger.english_names(r.actor for r in found) if lang == "en" else {}
    return render_template(
        "recalls.html",
        recalls=found,
        names=names,
        tree_size=size,
        lang=lang,
        other_lang_url=url_for("recalls.index", lang="en" if lang == "zh" else "zh"),
    )


@bp.get("/recalls/<recall_id>")
def page(recall_id: str) -> ResponseReturnValue:
    """One recall: what it says, its statements, the lots it reaches and who holds them."""
    lang = str(get_locale() or "zh")
    ledger = current_app.extensions["ledger"]
    found, reached = ledger.recall(recall_id)
    actors = ledger.actors()
    names = {a.actor: a.name for a in actors}
    if lang == "en":  # the English business names where the registrations give them
        names |= ledger.english_names(names)
    businesses = {a.gln: names[a.actor] for a in actors}
    return render_template(
        "recall.html",
        recall=found,
        reach=reached,
        names=names,
        lots=[(lot, describe(lot, lang, businesses)) for lot in reached.lots],
        deadlines=recall_deadlines(found.notice.level, lang),
        lang=lang,
        other_lang_url=url_for(
            "recalls.page", recall_id=recall_id, lang="en" if lang == "zh" else "zh"
        ),
    )
