"""The event vocabulary at ``/api/v1/vocabulary`` (docs/EVENTS.md section 12): the one
description the producer app builds its forms from, and a CSV template per form.

Both change only with the code, so each carries a strong ETag over its bytes: the app asks
again with ``If-None-Match`` and gets a 304, and may keep its copy while offline.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, request

from ledger.core.batch import template
from ledger.core.canonical import canonical_bytes, parse_json
from ledger.core.errors import NotFoundError
from ledger.core.event_parser import parse_event
from ledger.core.form_fields import FORMS, describe
from web.api import require_json_body

bp = Blueprint("vocabulary", __name__, url_prefix="/api/v1/vocabulary")

# Revalidate after five minutes; while the network is down, a day-old copy still serves.
CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=86400, stale-if-error=604800"
DOCUMENT = canonical_bytes(describe())  # RFC 8785: the same bytes, the same ETag, everywhere
DOCUMENT_ETAG = hashlib.sha256(DOCUMENT).hexdigest()


@bp.after_request
def allow_cross_origin_reads(response: Response) -> Response:
    """Anyone's page may read the vocabulary, as it may read the log."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _conditional(body: bytes, etag: str, content_type: str) -> Response:
    """``body`` with its strong ETag, or a 304 when the client already holds it."""
    response = Response(body, content_type=content_type)
    response.set_etag(etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.make_conditional(request)  # 304 and no body when If-None-Match matches
    return response


@bp.get("")
def vocabulary() -> Response:
    """Steps, roles, kinds of field and every form, as RFC 8785 JSON."""
    return _conditional(DOCUMENT, DOCUMENT_ETAG, "application/json")


@bp.get("/forms/<form>.csv")
def form_template(form: str) -> Response:
    """The CSV template of one form: field names, then Chinese labels; UTF-8 with a BOM."""
    found = FORMS.get(form)
    if found is None:
        raise NotFoundError.of("unknown_form", name=form)
    body = template(found).encode("utf-8")
    response = _conditional(
        body, hashlib.sha256(body).hexdigest(), "text/csv; charset=utf-8; header=present"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{found.name}.csv"'
    return response


@bp.post("/check")
def check_payload() -> Response:
    """Check an event payload against the event vocabulary (docs/EVENTS.md), storing
    nothing: the app asks before it signs, so that what it signs passes the server's rules.
    Roles and custody are the log's to judge when the statement arrives."""
    parse_event(parse_json(require_json_body(), max_bytes=65_536, reject_lone_surrogates=True))
    response = Response('{"valid":true}', content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
