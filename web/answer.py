"""The one answer at the top of a scan page: is this genuine, and is it safe?

One headline, a colour and an icon, from the most serious thing the page knows: a recall
in force, a failed verification (naming the step), a failed lab test, a suspected copied
label, a broken cold chain, another warning; else "genuine and checked". Everything else
the page knows follows as a short list under it. Built inside a request (Flask-Babel).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from flask_babel import gettext as _
from flask_babel import ngettext

from ledger.service.scans import ScanStats
from web.scan_view import ScanView

State = Literal["ok", "warning", "danger"]
ICONS: dict[State, str] = {"ok": "✓", "warning": "!", "danger": "✕"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong, in a sentence, with the part of the page that shows it."""

    state: State
    headline: str
    why: str
    href: str = ""


@dataclass(frozen=True)
class Answer:
    state: State
    icon: str
    headline: str
    why: str
    href: str  # where the page shows the problem ("" for none)
    more: tuple[Problem, ...]  # the other problems, most serious first
    phone_ok: str  # the headline once the phone's own check passes (a genuine product)


def _problems(view: ScanView, stats: ScanStats | None, lot_warning: str | None) -> list[Problem]:
    found: list[Problem] = []
    for recall in view.recalls:
        if recall.in_force:
            action = next((a for _tag, _r, a in recall.texts if a), "")
            found.append(Problem("danger", recall.headline, action, f"#recall-{recall.recall_id}"))
    if not view.verified:
        failed = next((s for s in view.steps if not s.verified), None)
        if failed is not None:
            position = view.steps.index(failed) + 1
            found.append(
                Problem(
                    "danger",
                    _(
                        "Check failed at step %(n)s, %(title)s",
                        n=position,
                        title=failed.title,
                    ),
                    _("This record may have been altered: do not rely on this page."),
                    f"#step-{failed.index}",
                )
            )
        else:
            found.append(
                Problem(
                    "danger",
                    _("Check failed"),
                    _("This record may have been altered: do not rely on this page."),
                    "#proof",
                )
            )
    for test in view.failed_tests:
        found.append(Problem("danger", _("Failed a lab test"), test.text, f"#step-{test.index}"))
    if lot_warning:
        found.append(Problem("danger", _("This label may be copied"), lot_warning))
    if stats is not None and stats.suspicious:
        if stats.at_least:
            words = _(
                "This code has been scanned at least %(scans)s times by at least %(clients)s "
                "different phones in the last day. Genuine labels are rarely scanned this "
                "often: it may be a copied label. Check the package and where you bought it.",
                scans=stats.recent_scans,
                clients=stats.recent_clients,
            )
        else:
            words = _(
                "This code has been scanned %(scans)s times by %(clients)s different phones in "
                "the last day. Genuine labels are rarely scanned this often: it may be a copied "
                "label. Check the package and where you bought it.",
                scans=stats.recent_scans,
                clients=stats.recent_clients,
            )
        found.append(Problem("danger", _("This label may be copied"), words))
    for excursion in view.excursions:
        found.append(
            Problem(
                "warning",
                _("Cold chain broken"),
                excursion.sentence,
                "#cold-chain",
            )
        )
    for text, index in view.warnings:
        found.append(Problem("warning", _("Please note"), text, f"#step-{index}" if index else ""))
    return found


def answer(view: ScanView, stats: ScanStats | None, lot_warning: str | None) -> Answer:
    """The page's answer: the most serious problem, or that the product is genuine."""
    problems = _problems(view, stats, lot_warning)
    phone_ok = _("Genuine: checked on your phone")
    if not problems:
        return Answer(
            "ok",
            ICONS["ok"],
            _("Genuine: every step is on record"),
            ngettext(
                "Its %(num)s step, from the field to the shop, is signed by the business that "
                "did it and kept in the ledger.",
                "All %(num)s steps, from the field to the shop, are signed by the businesses "
                "that did them and kept in the ledger.",
                len(view.steps),
            ),
            "",
            (),
            phone_ok,
        )
    first, *rest = problems
    return Answer(
        first.state,
        ICONS[first.state],
        first.headline,
        first.why,
        first.href,
        tuple(rest),
        phone_ok,
    )
