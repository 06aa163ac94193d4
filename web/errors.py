"""The web layer's one error handler: every error becomes ``{"error": {...}}`` JSON, except
for a person's browser outside the API, which gets a page in the reader's language.

Ledger errors map to statuses by class (``STATUS_BY_CLASS``). A ``SignatureError`` is a
403: like an unknown or revoked key, it means the statement does not prove that its
signer made it, so a client can treat every "not accepted from this signer" alike.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request, url_for
from flask_babel import get_locale
from werkzeug.exceptions import HTTPException

from ledger.core.errors import (
    AuthorisationError,
    ConflictError,
    LedgerError,
    MalformedError,
    NotFoundError,
    ProofError,
    SignatureError,
    StoreError,
    ValidationError,
)

STATUS_BY_CLASS: dict[type[LedgerError], int] = {
    MalformedError: 400,
    ValidationError: 400,
    ProofError: 400,
    AuthorisationError: 403,
    SignatureError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    StoreError: 503,
    # A LedgerError of no subclass is still a deliberate rejection of the request.
    LedgerError: 400,
}
# Codes whose status does not follow from the class: an oversized statement or body.
STATUS_BY_CODE: dict[str, int] = {"too_large": 413}

# Werkzeug's HTTP errors, named with the same kind of stable codes as the ledger's.
HTTP_CODES: dict[int, str] = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}

log = logging.getLogger(__name__)


def status_for(error: LedgerError) -> int:
    """The HTTP status for a ledger error: by code first, then by the nearest class."""
    if error.code in STATUS_BY_CODE:
        return STATUS_BY_CODE[error.code]
    for cls in type(error).__mro__:
        if cls in STATUS_BY_CLASS:
            return STATUS_BY_CLASS[cls]
    return 400  # unreachable: every LedgerError has LedgerError in its MRO


def error_response(status: int, code: str, message: str, **extra: object) -> Response:
    """A JSON error response ``{"error": {"code", "message", ...}}``."""
    body: dict[str, object] = {"code": code, "message": message}
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify({"error": body})
    response.status_code = status
    return response


def wants_page() -> bool:
    """A browser asking for a page outside the API (it lists HTML before JSON)."""
    if request.path.startswith("/api/"):
        return False
    accept = request.accept_mimetypes
    return accept["text/html"] > accept["application/json"]


def error_page(error: LedgerError, status: int) -> Response:
    """The friendly error page (also used by the resolver for unknown codes)."""
    html = render_template(
        "not_found.html", error=error, lang=str(get_locale() or "zh"), home=url_for("home.index")
    )
    return Response(html, status=status, mimetype="text/html")


def handle_ledger_error(error: LedgerError) -> Response:
    """Answer a deliberate rejection with its status and stable code."""
    if wants_page():
        return error_page(error, status_for(error))
    response = jsonify({"error": error.to_dict()})
    response.status_code = status_for(error)
    return response


def handle_http_exception(error: HTTPException) -> Response:
    """Answer werkzeug's routing and protocol errors (404, 405, 413, ...) as JSON."""
    status = error.code or 500
    code = HTTP_CODES.get(status) or (error.name or "http_error").lower().replace(" ", "_")
    if wants_page():
        response = error_page(LedgerError(error.description or error.name, code=code), status)
    else:
        response = error_response(status, code, error.description or error.name)
    # Keep protocol headers such as Allow (405), but not werkzeug's HTML content type.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_unexpected(error: Exception) -> Response:
    """Last resort: log the bug with its traceback here, tell the client nothing about it."""
    log.error("unhandled error while serving a request", exc_info=error)
    message = "the server met an unexpected error; it has been logged"
    if wants_page():
        return error_page(LedgerError(message, code="internal"), 500)
    return error_response(500, "internal", message)


def register(app: Flask) -> None:
    """Install the error handlers on ``app``."""
    app.register_error_handler(LedgerError, handle_ledger_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
