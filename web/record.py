"""The producer's record page (/actors/<actor>, 信用): what the log says about one business,
in figures a shopper or a distant buyer reads in seconds, each linked to the entries behind
it. Rendered from ``Ledger.record`` (derived rows, docs/RECORD.md); the same data as
``GET /api/v1/actors/{actor}/record``.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel.dates import format_date
from flask import Blueprint, current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ledger.core.entries import Entry
from ledger.core.errors import NotFoundError
from ledger.core.event_parser import parse_event
from ledger.core.terms import term_name
from ledger.core.timefmt import parse_entry_time
from ledger.service.record import FIGURES, Record
from web.console import ROLE_WORDS
from web.scan_view import STEP_TITLES

bp = Blueprint("record", __name__)

MAKERS = frozenset({"farm", "processor", "packer"})
# Figures that say something went wrong: they make the page's headline.
PROBLEMS = (
    "inspections_failed",
    "cold_chain_excursions",
    "pre_harvest_intervals",
    "recalls",
)
LIST_TITLES = {
    "lots_made": _l("Lots it made"),
    "lots_handled": _l("Lots it handled"),
    "inspections_passed": _l("Inspections of its goods that passed"),
    "inspections_failed": _l("Inspections of its goods that failed"),
    "tests_passed": _l("Tests it made that passed"),
    "tests_failed": _l("Tests it made that failed"),
    "cold_chain_excursions": _l("Temperatures outside the allowed range while in its care"),
    "pre_harvest_intervals": _l("Harvests too soon after spraying"),
    "recalls": _l("Recalls of goods it made or handled"),
    "corrections": _l("Its records declared erroneous"),
    "complaints": _l("Complaints answered"),
    "complaints_refunded": _l("Complaints refunded"),
    "complaints_escalated": _l("Complaints escalated to a recall"),
}


@dataclass(frozen=True)
class Line:
    """One figure in words, with where its entries are listed; ``bad``: it is a problem."""

    name: str
    label: str
    words: str
    count: int
    url: str | None
    bad: bool = False


def _lang() -> str:
    return str(get_locale() or "zh")


def _entries_url(record: Record, name: str) -> str | None:
    figure = record.figures[name]
    if not figure.entry_count:
        return None
    if figure.entry_count == 1:
        index = figure.entries[0]
        return url_for("api.log_entries", start=index, end=index + 1)
    return url_for("record.entries", actor=record.actor, figure=name, lang=_lang())


def lines(record: Record) -> list[Line]:
    """The record's figures in plain words, those that matter for its roles (and any that
    is not zero)."""
    count = record.count
    roles = set(record.roles)
    makes = bool(roles & MAKERS)
    out: list[Line] = []

    def add(name: str, label: str, words: str, bad: bool = False) -> None:
        out.append(Line(name, label, words, count(name), _entries_url(record, name), bad))

    if makes or count("lots_made"):
        add(
            "lots_made",
            _("Lots made"),
            ngettext("%(num)s lot", "%(num)s lots", count("lots_made")),
        )
    if roles - {"lab", "regulator", "brand"} or count("lots_handled"):
        add(
            "lots_handled",
            _("Lots handled"),
            ngettext(
                "%(num)s lot received, stored, shipped, carried or sold",
                "%(num)s lots received, stored, shipped, carried or sold",
                count("lots_handled"),
            ),
        )
    if makes or count("inspections_passed") or count("inspections_failed"):
        add(
            "inspections_passed",
            _("Inspections passed"),
            ngettext(
                "%(num)s laboratory test of its goods passed",
                "%(num)s laboratory tests of its goods passed",
                count("inspections_passed"),
            ),
        )
        add(
            "inspections_failed",
            _("Inspections failed"),
            ngettext(
                "%(num)s laboratory test of its goods failed",
                "%(num)s laboratory tests of its goods failed",
                count("inspections_failed"),
            ),
            bad=count("inspections_failed") > 0,
        )
    if "lab" in roles or count("tests_passed") or count("tests_failed"):
        add(
            "tests_passed",
            _("Tests made as a laboratory"),
            ngettext(
                "%(num)s test: the goods passed",
                "%(num)s tests: the goods passed",
                count("tests_passed"),
            ),
        )
        add(
            "tests_failed",
            _("Tests that found a problem"),
            ngettext(
                "%(num)s test: the goods failed",
                "%(num)s tests: the goods failed",
                count("tests_failed"),
            ),
        )
    add(
        "cold_chain_excursions",
        _("Cold chain"),
        ngettext(
            "%(num)s time the temperature left the allowed range while in its care",
            "%(num)s times the temperature left the allowed range while in its care",
            count("cold_chain_excursions"),
        )
        if count("cold_chain_excursions")
        else _("No temperature outside the allowed range while in its care"),
        bad=count("cold_chain_excursions") > 0,
    )
    if "farm" in roles or count("pre_harvest_intervals"):
        add(
            "pre_harvest_intervals",
            _("Waiting time after spraying"),
            ngettext(
                "%(num)s harvest too soon after spraying",
                "%(num)s harvests too soon after spraying",
                count("pre_harvest_intervals"),
            )
            if count("pre_harvest_intervals")
            else _("Every harvest waited the time its spraying required"),
            bad=count("pre_harvest_intervals") > 0,
        )
    in_force = len(record.recalls_in_force)
    recall_words = (
        ngettext(
            "%(num)s recall of goods it made or handled",
            "%(num)s recalls of goods it made or handled",
            count("recalls"),
        )
        if count("recalls")
        else _("No recall of goods it made or handled")
    )
    if in_force:
        recall_words += _(" (%(num)s still in force)", num=in_force)
    add("recalls", _("Recalls"), recall_words, bad=count("recalls") > 0)
    add(
        "corrections",
        _("Corrections"),
        ngettext(
            "%(num)s of its records declared erroneous (the log keeps both)",
            "%(num)s of its records declared erroneous (the log keeps both)",
            count("corrections"),
        )
        if count("corrections")
        else _("None of its records declared erroneous"),
    )
    complaint_words = (
        ngettext(
            "%(num)s complaint answered on the log (%(refunded)s refunded, %(escalated)s "
            "escalated to a recall)",
            "%(num)s complaints answered on the log (%(refunded)s refunded, %(escalated)s "
            "escalated to a recall)",
            count("complaints"),
            refunded=count("complaints_refunded"),
            escalated=count("complaints_escalated"),
        )
        if count("complaints")
        else _("No complaint answered on the log")
    )
    if record.complaints_open:
        complaint_words += ngettext(
            "; %(num)s waiting for an answer",
            "; %(num)s waiting for an answer",
            record.complaints_open,
        )
    add("complaints", _("Complaints"), complaint_words)
    return out


def headline(items: list[Line]) -> tuple[str, str]:
    """The page's first words and its state: ``clean`` or ``problems``."""
    problems = sum(line.count for line in items if line.name in PROBLEMS)
    if not problems:
        return _("No problems on record"), "clean"
    return (
        ngettext("%(num)s problem on record", "%(num)s problems on record", problems),
        "problems",
    )


def display_name(record: Record, lang: str) -> str:
    """The business name in the reader's language, where the registration gives one."""
    return record.name_en if lang == "en" and record.name_en else record.name


@bp.get("/actors/<actor>")
def page(actor: str) -> ResponseReturnValue:
    """One actor's record, as of the latest checkpoint."""
    lang = _lang()
    record = current_app.extensions["ledger"].record(actor)
    items = lines(record)
    title, state = headline(items)
    since = parse_entry_time(record.member_since, field="time").date()
    return render_template(
        "record.html",
        lang=lang,
        other_lang_url=url_for("record.page", actor=actor, lang="en" if lang == "zh" else "zh"),
        record=record,
        name=display_name(record, lang),
        region=term_name(record.region, lang),
        roles=[str(ROLE_WORDS.get(role, role)) for role in record.roles],
        since=format_date(since, "long", locale=get_locale()),
        headline=title,
        state=state,
        lines=items,
        json_url=url_for("api.actor_record", actor=actor, tree_size=record.tree_size),
    )


@bp.get("/actors/<actor>/entries/<figure>")
def entries(actor: str, figure: str) -> ResponseReturnValue:
    """The log entries behind one figure of an actor's record, each linked to its bytes."""
    if figure not in FIGURES:
        raise NotFoundError.of("not_found", what=f"a figure {figure[:40]!r} of a record")
    lang = _lang()
    ledger = current_app.extensions["ledger"]
    record = ledger.record(actor)
    found = record.figures[figure]
    listed = ledger.entries_at(found.entries)
    rows = [(e.index, *_entry_words(e)) for e in listed]
    return render_template(
        "record_entries.html",
        lang=lang,
        other_lang_url=url_for(
            "record.entries", actor=actor, figure=figure, lang="en" if lang == "zh" else "zh"
        ),
        record=record,
        name=display_name(record, lang),
        title=LIST_TITLES[figure],
        figure=found,
        rows=rows,
    )


def _entry_words(entry: Entry) -> tuple[str, str]:
    """The day an entry is about (an event's own local date, else the entry's) and what it
    is, in a few words."""
    kind, payload = entry.statement.kind, entry.statement.payload
    day = entry.time[:10]
    if kind == "event":
        event = parse_event(payload)
        return event.local_date.isoformat(), str(STEP_TITLES.get(event.biz_step, event.biz_step))
    if kind == "recall":
        return day, _("Recall %(id)s", id=payload.get("recall"))
    if kind == "correction":
        return day, _("Correction of entry %(index)s", index=payload.get("entry"))
    return day, kind
