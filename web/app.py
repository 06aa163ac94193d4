"""The producer app (/app): an installable, offline-capable web app for a producer's phone.

The server sends only a shell (this page's words, in the reader's language, and the
product list), the web app manifest and the service worker; the app's ES modules in
``static/app`` do the rest in the browser. The phone makes its own key and signs there
(FORMAT.md 11 and 3); nothing in this blueprint ever sees a private key.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from ledger.core.enrolment import normalise_code
from ledger.qr import qr_svg
from web.catalogue import current_catalogue
from web.complaints import CATEGORY_WORDS
from web.console_complaints import OUTCOME_WORDS

bp = Blueprint("app", __name__, url_prefix="/app")

# The service worker caches these for offline use (besides the shell pages themselves).
SHELL_ASSETS = (
    "app/app.css",
    "app/main.js",
    "app/api.js",
    "app/batch.js",
    "app/builder.js",
    "app/db.js",
    "app/keys.js",
    "app/outbox.js",
    "camera.js",
    "verify/bytes.js",
    "verify/crypto.js",
    "verify/jcs.js",
    "verify/merkle.js",
    "verify/note.js",
    "favicon.svg",
)


def words() -> dict[str, str]:
    """The app's sentences that its script shows, in the reader's language."""
    return {
        "insecure_context": _(
            "This page was not opened over a secure connection (https), so the phone "
            "cannot keep a signing key here. Open the app's https address."
        ),
        "no_webcrypto": _("This browser cannot sign. Update it, or use Chrome or Safari."),
        "no_ed25519": _(
            "This browser cannot make Ed25519 signing keys. Update it (Chrome 113, Safari "
            "17, Firefox 130 or newer). The server never holds your key, so there is no "
            "other way."
        ),
        "waiting": _("Waiting for the operator to approve this phone…"),
        "rejected": _("The operator rejected this phone. Ask them why, then start again."),
        "expired": _("This code is too old. Start again to make a new one."),
        "revoked": _("This phone's key was revoked by the operator: it can no longer sign."),
        "offline_enrol": _("No network: connect to ask for approval."),
        "online": _("online"),
        "offline": _("offline: work is kept on this phone"),
        "state_waiting": _("waiting to be sent"),
        "state_accepted": _("accepted as log entry %(index)s"),
        "state_confirmed": _(
            "in log entry %(index)s, checked on this phone against checkpoint %(size)s"
        ),
        "state_rejected": _("rejected"),
        "state_unproven": _("the log's proof did not check out on this phone: tell the operator"),
        "summary": _("%(waiting)s waiting, %(accepted)s accepted, %(rejected)s rejected"),
        "required": _("This is required."),
        "not_number": _("Write a number, like 12.5."),
        "whole": _("Write a whole number."),
        "more_than": _("Must be more than %(n)s."),
        "at_least": _("Must be at least %(n)s."),
        "at_most": _("Must be at most %(n)s."),
        "too_long": _("At most %(max)s characters."),
        "time": _("Write a date and time, like 2026-09-25 18:00."),
        "date": _("Write a date, like 2026-09-25."),
        "choice": _("Choose one of the options."),
        "gln": _("A GLN is 13 digits."),
        "check_digit": _("The last digit (the check digit) is wrong: check for a typing mistake."),
        "code": _("Scan or pick the code, or write its full link (https://…)."),
        "sha256": _("A SHA-256 is 64 hexadecimal digits."),
        "analyte": _("Write each result as name=value/limit unit, e.g. Cd=0.05/0.2 MGKG."),
        "reading": _("Write each reading as time=temperature, e.g. 2026-10-02 08:00=4.5."),
        "fix_fields": _("Some fields need fixing: see the red notes."),
        "do_key_revoked": _("This phone's key was revoked: ask the operator to enrol a new one."),
        "do_unknown_key": _("This phone is not approved yet: wait for the operator."),
        "do_role_not_permitted": _("Your business may not record this kind of work."),
        "do_other": _("Correct the work and record it again, or ask the operator."),
        "new_lot": _("New lot: product and lot number"),
        "scan": _("Scan"),
        "delete": _("Remove"),
        "signer": _("Signed by"),
        "unknown_column": _("The column %(name)s is not a field of this form."),
        "time_column": _("Add a column time: every row needs its own time."),
        "extra_cells": _("This row has more cells than the header."),
        "line": _("line %(line)s"),
        "batch_summary": _("%(ok)s rows ready to sign, %(bad)s with errors to fix first"),
        "batch_signed": _("%(n)s rows signed; they are in the outbox."),
        "lot_number": _("lot"),
        "certificate": _("Print its 承诺达标合格证 (commitment certificate)"),
        "wrong": _("This record is wrong"),
        "correction_title": _("Correction of log entry %(index)s"),
        "corrected": _("declared wrong by log entry %(index)s"),
        "recall_form": _("Recall a product"),
        "recall_title": _("Recall %(id)s (%(status)s)"),
        "recall_words": _("Write the reason and what shoppers should do, in Chinese or English."),
        "recall_objects": _("Name at least one lot, bag, case or plot (one link per line)."),
        "recall_id": _("A recall ID is 1 to 64 letters, digits, '.', '_' or '-'."),
        "complaints_none": _("No complaints concern your business."),
        "complaints_offline": _("Complaints can only be fetched with a network."),
        "complaint_answer": _("Sign the answer"),
        "complaint_answered_as": _("Answered: %(outcome)s (log entry %(index)s)"),
        "complaint_reply": _("Your reply to the shopper (public: no names or phone numbers)"),
        "complaint_recall": _("The recall it led to (only when passed on to a recall)"),
        "complaint_title": _("Answer to complaint %(number)s"),
        "complaint_queued": _("Signed: it waits in the outbox"),
        **{f"category_{k}": str(v) for k, v in CATEGORY_WORDS.items()},
        **{f"outcome_{k}": str(v) for k, v in OUTCOME_WORDS.items()},
    }


@bp.get("")
def bare() -> ResponseReturnValue:
    return redirect(url_for("app.shell", **request.args))


@bp.get("/")
def shell() -> ResponseReturnValue:
    """The app's one page; the service worker keeps a copy for offline starts."""
    lang = str(get_locale() or "zh")
    products = [{"gtin": p.gtin, "name": p.name(lang)} for p in current_catalogue()]
    html = render_template(
        "app/index.html",
        lang=lang,
        words=words(),
        products=products,
        assets=[url_for("static", filename=a) for a in SHELL_ASSETS],
    )
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, served from /app/ so that its scope is the app."""
    response = current_app.send_static_file("app/sw.js")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    return response


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest: what a phone needs to install the app on its home screen."""
    response = current_app.response_class(
        render_template("app/manifest.json", name=_("Traceability: producer app")),
        content_type="application/manifest+json",
    )
    return response


@bp.get("/qr/<short_code>.svg")
def enrolment_qr(short_code: str) -> Response:
    """The QR code a phone shows while it waits: the console's page for its code."""
    target = url_for("console.device", short_code=normalise_code(short_code), _external=True)
    response = Response(qr_svg(target), content_type="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
