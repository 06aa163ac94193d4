"""The server's verdict on a proof bundle in plain words, for the scan page without JavaScript.

A shopper reads why (the checkpoint's signature, a record not in the log), not the check's
name; the names and the verifier's own messages go in the page's details. The words match
the browser verifier's (web/static/verify/messages.js), so both verdicts read alike.
Built inside a request: it uses Flask-Babel's ``gettext`` for the active locale.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ledger.core.bundle import BundleReport
from ledger.core.verify import Failure

# FORMAT.md 9.2's check names, in words a shopper understands.
CHECK_WORDS = {
    "inclusion": _l("the record is not in the ledger's signed checkpoint"),
    "canonical_bytes": _l("the record's bytes were altered (not in canonical form)"),
    "entry_shape": _l("the record is damaged and cannot be read"),
    "index": _l("the record number does not match"),
    "signature": _l("the signature does not verify"),
    "unknown_key": _l("the signing key is not registered"),
    "unknown_actor": _l("the signer is not registered"),
    "key_revoked": _l("the signing key was revoked"),
    "role_not_permitted": _l("the signer may not record this step"),
    "event_in_future": _l("the event time is after the time it was recorded"),
    "not_operator": _l("not signed by the operator"),
    "genesis": _l("the ledger's first record does not match"),
    "bundle": _l("the proof file is damaged or malformed"),
    "operator_key": _l("the proof names another operator key than the one this page trusts"),
    "checkpoint_signature": _l("the ledger checkpoint's signature does not verify"),
    "checkpoint_origin": _l("the checkpoint belongs to another ledger"),
    "subject": _l("no event in the proof is about this product"),
}


def check_words(check: str) -> str:
    """Plain words for one check's failure."""
    words = CHECK_WORDS.get(check)
    if words is None:
        return _("a ledger rule is broken (%(check)s)", check=check)
    return str(words)


def reasons(failures: Iterable[Failure]) -> str:
    """The plain words of ``failures``, each distinct one once, joined."""
    return _("; ").join(dict.fromkeys(check_words(f.check) for f in failures))


def _bundle_failures(report: BundleReport) -> list[Failure]:
    return [f for f in report.failures if f.index is None]


def verdict(report: BundleReport, steps: Collection[int]) -> str:
    """The headline: verified, or why not: the bundle's failures, then the failed steps' (of
    log indices ``steps``), then those of the registrations behind them."""
    if report.ok:
        return _(
            "Verified: all %(count)s steps are signed by registered producers and included in the "
            "ledger's signed checkpoint of %(size)s entries.",
            count=len(steps),
            size=report.checkpoint.size if report.checkpoint else 0,
        )
    parts = []
    whole = _bundle_failures(report)
    if whole:
        parts.append(reasons(whole))
    entries = [f for f in report.failures if f.index is not None]
    of_steps = [f for f in entries if f.index in steps]
    of_others = [f for f in entries if f.index not in steps]
    if of_steps:
        parts.append(
            _(
                "%(count)s step(s) do not hold (%(reasons)s)",
                count=len({f.index for f in of_steps}),
                reasons=reasons(of_steps),
            )
        )
    if of_others:
        parts.append(
            _(
                "%(count)s signer registration record(s) do not hold (%(reasons)s)",
                count=len({f.index for f in of_others}),
                reasons=reasons(of_others),
            )
        )
    why = _("; ").join(parts)
    if report.checkpoint is None:  # the checks stopped before any entry (FORMAT.md 9.2, 1-3)
        why = _("%(why)s, so no step could be checked", why=why)
    return _("NOT verified: %(why)s. The ledger's records may have been altered.", why=why)


def step_failure(report: BundleReport, index: int) -> str:
    """Why the step at log ``index`` is not verified, or "" when it is."""
    own = report.failures_at(index)
    if own:
        return reasons(own)
    whole = _bundle_failures(report)
    if report.checkpoint is None:
        return _("this step could not be checked: %(why)s", why=reasons(whole))
    if whole:
        return _("the proof as a whole failed: %(why)s", why=reasons(whole))
    return ""


def problems(report: BundleReport) -> tuple[str, ...]:
    """Every failure with its check's name and the verifier's message, for the details."""
    lines = []
    for f in report.failures:
        where = _("whole proof") if f.index is None else _("entry #%(index)s", index=f.index)
        lines.append(f"{where} · {f.check}: {f.message}")
    return tuple(lines)
