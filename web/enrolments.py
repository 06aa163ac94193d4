"""Device enrolment over HTTP (FORMAT.md 11): ``POST /api/v1/enrolments`` takes a phone's
signed request, ``GET /api/v1/enrolments/{key_id}`` tells the phone what became of it.

No session: the request's signature proves the phone holds the key, and the operator's
approval in the console is what adds it to the log. Requests are counted per client address
(Flask-Limiter, ``LEDGER_ENROLMENT_LIMIT``) so that nobody fills the console's list.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from ledger.core.canonical import parse_json
from ledger.core.errors import MalformedError
from ledger.service.enrolments import Enrolments
from web.api import require_json_body

bp = Blueprint("enrolments", __name__, url_prefix="/api/v1/enrolments")


def enrolments() -> Enrolments:
    return current_app.extensions["ledger"].enrolments()  # type: ignore[no-any-return]


@bp.post("")
def submit() -> tuple[Response, int]:
    """Store a phone's signed request: 201 when new, 200 for the same request again."""
    body = parse_json(require_json_body(), max_bytes=4096, reject_lone_surrogates=True)
    state, created = enrolments().submit(body)
    response = jsonify(state.to_json())
    response.headers["Location"] = url_for("enrolments.status", key_id=state.key_id)
    return response, 201 if created else 200


@bp.get("/<key_id>")
def status(key_id: str) -> Response:
    """Where a phone's enrolment stands: pending, approved (with the key's entry),
    rejected, expired or revoked."""
    if len(key_id) != 32 or any(c not in "0123456789abcdef" for c in key_id):
        raise MalformedError(
            "a key ID is 32 lowercase hex digits", code="bad_parameter", field="key_id"
        )
    response = jsonify(enrolments().get(key_id).to_json())
    response.headers["Cache-Control"] = "no-store"  # the phone polls for the decision
    return response


def _limit() -> str:
    return str(current_app.config["LEDGER_ENROLMENT_LIMIT"])


def register(app: Flask) -> None:
    """Add the routes, with a limiter of this app's own on new requests."""
    app.config.setdefault(
        "LEDGER_ENROLMENT_LIMIT", os.environ.get("LEDGER_ENROLMENT_LIMIT", "20 per hour")
    )
    app.register_blueprint(bp)
    limiter = Limiter(get_remote_address, app=app)
    limited: Any = limiter.limit(_limit, scope="enrolment-submit")(submit)
    app.view_functions["enrolments.submit"] = limited
