"""The console's complaint pages (/console/complaints): every complaint, its photo and the
contact the shopper left, and the outcome, signed with the operator key for one of the
actors the complaint concerns (FORMAT.md 3.9). Routes on the console's blueprint, so they
share its login, CSRF and language."""

from __future__ import annotations

from flask import Response, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField

from ledger.core.complaint import OUTCOMES
from ledger.core.errors import LedgerError
from web.complaints import CATEGORY_WORDS, STATUS_WORDS, complaints
from web.console import bp, ledger, page
from web.console_words import rule_message

OUTCOME_WORDS = {
    "answered": _l("Answered: explained or put right"),
    "refunded": _l("Refunded or replaced"),
    "escalated": _l("Escalated: a recall, or passed to the regulator"),
}


class OutcomeForm(FlaskForm):
    actor = SelectField(_l("Answer for"), validate_choice=False)
    outcome = RadioField(
        _l("Outcome"),
        choices=[SelectChoice(o, OUTCOME_WORDS[o]) for o in OUTCOMES],
        default="answered",
        validate_choice=False,
    )
    reply = TextAreaField(_l("Public reply (no names, phone numbers or addresses)"))
    recall = StringField(_l("Recall ID (when escalated to a recall)"))


class EraseForm(FlaskForm):
    pass


def _names() -> dict[str, str]:
    return {a.actor: a.name for a in ledger().actors()}


@bp.get("/complaints")
@login_required
def complaints_list() -> ResponseReturnValue:
    """Every complaint, newest first, with its status."""
    return page(
        "console/complaints.html",
        complaints=complaints().all(),
        names=_names(),
        category_words=CATEGORY_WORDS,
        complaint_status=STATUS_WORDS,
    )


@bp.route("/complaints/<complaint_id>", methods=["GET", "POST"])
@login_required
def complaint(complaint_id: str) -> ResponseReturnValue:
    """One complaint; POST signs its outcome with the operator key."""
    record = complaints().get(complaint_id)
    names = _names()
    form = OutcomeForm()
    form.actor.choices = [SelectChoice(a, f"{names.get(a, a)} ({a})") for a in record.concerned]
    status = 200
    if record.outcome is None and form.validate_on_submit():
        payload = {
            "commitment": record.commitment,
            "actor": form.actor.data or record.concerned[0],
            "object": record.object_id,
            "category": record.category,
            "outcome": form.outcome.data,
            "reply": (form.reply.data or "").strip(),
        }
        if form.outcome.data == "escalated" and (form.recall.data or "").strip():
            payload["recall"] = (form.recall.data or "").strip()
        try:
            ledger().append_operator_statement("complaint", payload)
        except LedgerError as exc:
            form.form_errors.append(rule_message(exc))
            status = 422
        else:
            return redirect(url_for("console.complaint", complaint_id=record.complaint_id), 303)
    return page(
        "console/complaint.html",
        status,
        record=record,
        form=form,
        erase_form=EraseForm(),
        names=names,
        category_words=CATEGORY_WORDS,
        complaint_status=STATUS_WORDS,
        user=current_user.id,
    )


@bp.post("/complaints/<complaint_id>/erase")
@login_required
def complaint_erase(complaint_id: str) -> ResponseReturnValue:
    """The operator erases the complainant's contact (asked to, or no longer needed)."""
    record = complaints().get(complaint_id)
    if EraseForm().validate_on_submit():
        complaints().erase_contact(record.complaint_id)
    return redirect(url_for("console.complaint", complaint_id=record.complaint_id), 303)


@bp.get("/complaints/<complaint_id>/photo")
@login_required
def complaint_photo(complaint_id: str) -> Response:
    """The complaint's photo (re-encoded when it was sent), for the operator only."""
    data, media_type = complaints().photo(complaint_id)
    response = Response(data, mimetype=media_type)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
