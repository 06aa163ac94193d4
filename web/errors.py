"""The web layer's one error handler: every error becomes ``{"error": {...}}`` JSON, except
for a person's browser outside the API, which gets a page in the reader's language.

A ledger error is answered with the status its code has in the registry
(``ledger/core/codes.py``), with one rule beside it: a ``NotFoundError`` is a lookup that
found nothing, answered 404 whatever code names why (``unknown_object`` for history asked
of an object the log does not hold, ``bad_identifier`` for a scanned code that names no
product). A ``SignatureError`` is a 403: like an unknown or revoked key, it means the
statement does not prove that its signer made it, so a client can treat every "not accepted
from this signer" alike.
"""

from __future__ import annotations

import logging
from urllib.parse import quote, urlencode

from flask import Flask, Response, jsonify, render_template, request, url_for
from flask_babel import get_locale
from werkzeug.exceptions import HTTPException

from ledger.core import codes
from ledger.core.errors import LedgerError, NotFoundError

# Werkzeug's HTTP errors, named with registered codes like the ledger's own; any other
# status werkzeug raises is answered as ``http_error``.
HTTP_CODES: dict[int, str] = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    416: "requested_range_not_satisfiable",
    429: "rate_limited",
    500: "internal",
}

log = logging.getLogger(__name__)


def status_for(error: LedgerError) -> int:
    """The HTTP status for a ledger error: its code's, from the registry (404 for any lookup
    that found nothing). A code with no status there (a local one) reaching a request is a
    bug: it is logged and answered 500."""
    if isinstance(error, NotFoundError):
        return 404
    status = codes.status(error.code)
    if status is None:
        log.error("code %r has no HTTP status in ledger/core/codes.py", error.code)
        return 500
    return status


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


# Codes of a scanned or typed code that breaks the GS1 rules: the page explains the format.
MALFORMED = frozenset({"bad_identifier", "bad_check_digit"})


def page_case(error: LedgerError, status: int, kind: str | None) -> str:
    """Which explanation the error page gives: what happened, and what the reader can do."""
    if error.code == "no_certificate":
        return "no_certificate"
    if error.code in ("unknown_product", "unknown_actor"):
        return "not_kept"
    generic = error.code in HTTP_CODES.values() or error.code == "http_error"
    if error.code == "unknown_object":
        return "unknown_lot" if kind == "lot" else "unknown_code"
    if error.code in MALFORMED:
        return "malformed"
    if status == 429:
        return "busy"
    if status >= 500:
        return "broken"
    if status == 404:
        # A lookup that named something the ledger does not keep (an unknown lot in the
        # console), or an address that names nothing at all.
        return "no_page" if generic else "not_kept"
    return "refused"


def _other_lang_url(lang: str) -> str:
    """This address in the other language (its query kept, ``lang`` replaced)."""
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    query.append(("lang", "en" if lang == "zh" else "zh"))
    # As sent: a lot may hold an encoded '/', which the decoded request.path would lose.
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    path = raw.split("?", 1)[0] if raw else quote(request.path)
    return path + "?" + urlencode(query)


def error_page(error: LedgerError, status: int, kind: str | None = None) -> Response:
    """The friendly error page (also used by the resolver for unknown codes; ``kind`` says
    whether the code named a lot or a unit): what happened, what to do, in the reader's
    language with a switch to the other. Never a stack trace."""
    lang = str(get_locale() or "zh")
    html = render_template(
        "not_found.html",
        error=error,
        case=page_case(error, status, kind),
        # The rule broken, for the shop or the producer; nothing for a bug or a busy server.
        details=status < 500 and status != 429 and error.code not in HTTP_CODES.values(),
        status=status,
        lang=lang,
        other_lang_url=_other_lang_url(lang),
        home=url_for("home.index", lang=lang),
    )
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


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
    code = HTTP_CODES.get(status, "http_error")
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
    message = codes.lookup("internal").message()
    if wants_page():
        return error_page(LedgerError(message, code="internal"), 500)
    return error_response(500, "internal", message)


def register(app: Flask) -> None:
    """Install the error handlers on ``app``."""
    app.register_error_handler(LedgerError, handle_ledger_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
