"""Complaints (维权) on the web (docs/COMPLAINTS.md): the shopper's form and private page,
the operator's console pages, and the producer app's signed inbox.

The shopper's pages have no session (the site's session cookie belongs to /console), so
their forms carry a signed, time-limited form token instead of Flask-WTF's session token,
and a cross-site ``Origin`` is refused. Sending is counted per client with Flask-Limiter,
keyed by a keyed hash of the address under a secret drawn when the app starts, so the
limiter's memory never holds an address.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests

from ledger.core.canonical import parse_json
from ledger.core.complaint import CATEGORIES, OUTCOMES
from ledger.core.complaint_text import MAX_CONTACT, MAX_TEXT
from ledger.core.errors import LedgerError, ValidationError
from ledger.core.gs1 import parse_identifier
from ledger.service.complaint_photo import clean_photo
from ledger.service.complaints import (
    MAX_PHOTO_BYTES,
    ComplaintRecord,
    Complaints,
    inbox_actor,
)
from ledger.service.ledger import Ledger

bp = Blueprint("complaints", __name__)

CATEGORY_WORDS = {
    "quality": _l("Quality or taste"),
    "foreign_matter": _l("Something in it that should not be"),
    "spoiled": _l("Spoiled, or not kept cold"),
    "label": _l("Label wrong, or may be fake"),
    "weight": _l("Weight short"),
    "other": _l("Something else"),
}
STATUS_WORDS = {
    "open": _l("Waiting for an answer"),
    "answered": _l("Answered"),
    "refunded": _l("Refunded"),
    "escalated": _l("Passed on: recall or regulator"),
}
FORM_MAX_AGE = 2 * 3600  # seconds a form may stay open before it must be reloaded
FORM_SLACK = 64 * 1024  # the form's other fields, on top of the photo


def complaints() -> Complaints:
    return current_app.extensions["complaints"]  # type: ignore[no-any-return]


def ledger() -> Ledger:
    return current_app.extensions["ledger"]  # type: ignore[no-any-return]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="complaint-form")


def form_token() -> str:
    """A token the shopper's forms carry instead of a session's CSRF token."""
    return str(_serializer().dumps("complaint"))


def _check_form() -> None:
    # The site's no-referrer policy makes browsers send "Origin: null" on its own forms;
    # Sec-Fetch-Site still tells a cross-site post apart.
    origin = request.headers.get("Origin")
    cross = request.headers.get("Sec-Fetch-Site") == "cross-site"
    if cross or (origin not in (None, "null") and origin != request.host_url.rstrip("/")):
        raise ValidationError.of("bad_complaint", why="the form was sent from another site")
    try:
        _serializer().loads(request.form.get("form_token", ""), max_age=FORM_MAX_AGE)
    except BadSignature as exc:
        raise ValidationError.of(
            "bad_complaint", why="the form has expired: reload the page and send it again"
        ) from exc


def _lang() -> str:
    return str(get_locale() or "zh")


def _page(template: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    lang = _lang()
    args = {**request.args, **(request.view_args or {}), "lang": "en" if lang == "zh" else "zh"}
    html = render_template(
        template,
        lang=lang,
        other_lang_url=url_for(request.endpoint or "complaints.new", **args),
        category_words=CATEGORY_WORDS,
        status_words=STATUS_WORDS,
        max_text=MAX_TEXT,
        max_contact=MAX_CONTACT,
        **context,
    )
    response = Response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _product_words(object_id: str) -> str:
    try:
        ident = parse_identifier(object_id, field="object")
    except LedgerError:
        return object_id
    parts = [ident.lot and f"{_l('lot')} {ident.lot}", ident.serial and f"No. {ident.serial}"]
    return " · ".join(str(p) for p in parts if p) or object_id


def _form_page(status: int = 200, error: LedgerError | None = None) -> ResponseReturnValue:
    object_id = request.values.get("object", "")
    return _page(
        "complaint_new.html",
        status,
        object_id=object_id,
        product=_product_words(object_id),
        form_token=form_token(),
        error=error,
        values=request.form,
    )


@bp.get("/complaints/new")
def new() -> ResponseReturnValue:
    """The complaint form for the scanned object ``?object=``."""
    return _form_page()


def _photo() -> tuple[bytes, str] | None:
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return None
    data = upload.stream.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError.of("too_large", what="photo", size=len(data), limit=MAX_PHOTO_BYTES)
    if not data:
        return None
    return clean_photo(data), "image/jpeg"


@bp.post("/complaints/new")
def send() -> ResponseReturnValue:
    """Keep the complaint and go to its private page, which shows the receipt."""
    request.max_content_length = MAX_PHOTO_BYTES + FORM_SLACK
    try:
        _check_form()
        receipt = complaints().file(
            request.form.get("object", ""),
            request.form.get("category", ""),
            request.form.get("text", ""),
            photo=_photo(),
            contact=request.form.get("contact"),
        )
    except RequestEntityTooLarge:
        error = ValidationError.of(
            "too_large", what="photo", size=request.content_length or 0, limit=MAX_PHOTO_BYTES
        )
        return _form_page(413, error)
    except LedgerError as exc:
        return _form_page(413 if exc.code == "too_large" else 400, exc)
    target = url_for(
        "complaints.private",
        complaint_id=receipt.complaint_id,
        token=receipt.token,
        new="1" if not receipt.text_masked else "masked",
        lang=_lang(),
    )
    return redirect(target, 303)


def _private(complaint_id: str) -> ComplaintRecord:
    token = request.values.get("token", "")
    return complaints().with_token(complaint_id, token)


@bp.get("/complaints/<complaint_id>")
def private(complaint_id: str) -> ResponseReturnValue:
    """The complainant's private page: the receipt, the outcome, the contact to erase."""
    record = _private(complaint_id)
    outcome = record.outcome
    names = {a.actor: a.name for a in ledger().actors()} if outcome else {}
    response = _page(
        "complaint.html",
        record=record,
        token=request.args.get("token", ""),
        fresh=request.args.get("new"),
        product=_product_words(record.object_id),
        answered_by=names.get(outcome.actor, outcome.actor) if outcome else None,
        form_token=form_token(),
    )
    return response


@bp.post("/complaints/<complaint_id>/erase")
def erase(complaint_id: str) -> ResponseReturnValue:
    """The complainant erases their contact details."""
    _check_form()
    record = _private(complaint_id)
    complaints().erase_contact(record.complaint_id)
    return redirect(
        url_for(
            "complaints.private",
            complaint_id=record.complaint_id,
            token=request.form.get("token", ""),
            lang=_lang(),
        ),
        303,
    )


# -- the producer app's inbox ----------------------------------------------------------------


def _record_json(record: ComplaintRecord) -> dict[str, Any]:
    outcome = record.outcome
    return {
        "complaint": record.number,
        "object": record.object_id,
        "concerned": list(record.concerned),
        "category": record.category,
        "text": record.text,
        "photo": record.photo_type is not None,
        "created": record.created,
        "commitment": record.commitment,
        "status": record.status,
        "outcome": None
        if outcome is None
        else {
            "entry": outcome.index,
            "actor": outcome.actor,
            "outcome": outcome.outcome,
            "reply": outcome.reply,
            "recall": outcome.recall,
        },
    }


@bp.post("/api/v1/complaints/inbox")
def inbox() -> Response:
    """The complaints that concern the signing phone's actor, newest first (never the
    complainants' contact details)."""
    document = parse_json(request.get_data(), max_bytes=4096)
    actor = inbox_actor(ledger().engine, document, ledger().clock())
    found = complaints().concerning(actor)
    response = jsonify({"actor": actor, "complaints": [_record_json(r) for r in found]})
    response.headers["Cache-Control"] = "no-store"
    return response


# -- registration -----------------------------------------------------------------------------


def _client_key() -> str:
    """The client as a keyed hash of its address: the limiter's memory holds no address."""
    secret: bytes = current_app.extensions["complaint_limit_secret"]
    address = get_remote_address() or ""
    return hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()[:32]


def _limit() -> str:
    return str(current_app.config["LEDGER_COMPLAINT_LIMIT"])


@bp.errorhandler(TooManyRequests)
def _too_many(error: TooManyRequests) -> ResponseReturnValue:
    if request.path.startswith("/api/"):
        raise error
    exc = LedgerError.of("rate_limited", what="at most a few complaints an hour are taken")
    return _form_page(429, exc)


def register(app: Flask) -> None:
    """Open the complaints store, add the routes, and limit sending per client."""
    app.config.setdefault(
        "LEDGER_COMPLAINT_LIMIT", os.environ.get("LEDGER_COMPLAINT_LIMIT", "5 per hour")
    )
    ledger_ = app.extensions["ledger"]
    app.extensions["complaints"] = Complaints(ledger_.engine, ledger_.clock)
    app.extensions["complaint_limit_secret"] = secrets.token_bytes(32)
    app.register_blueprint(bp)
    limiter = Limiter(_client_key, app=app)
    limited: Any = limiter.limit(_limit, scope="complaints-send")(send)
    app.view_functions["complaints.send"] = limited


__all__ = ["CATEGORIES", "OUTCOMES", "register"]
