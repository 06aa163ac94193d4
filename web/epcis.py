"""A subset of the EPCIS 2.0 REST query interface (docs/EVENTS.md 13), at ``/epcis``.

``GET /epcis/events`` with ``MATCH_anyEPC``, ``MATCH_anyEPCClass``, ``EQ_bizStep``,
``GE_eventTime``, ``LT_eventTime``, ``perPage`` and ``nextPageToken``;
``GET /epcis/events/{eventID}``; ``GET /epcis/epcs/{epc}/events``. Answers are
EPCISQueryDocuments whose events are exactly the export's; errors are RFC 7807
``application/problem+json`` with the EPCIS exception type and the ledger's own error
object beside it. Nothing here writes.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from ledger.core import epcis
from ledger.core.epcis_query import EventQuery, epc_key, page_token, parse_query
from ledger.core.errors import LedgerError
from ledger.core.timefmt import format_time
from ledger.service.epcis_query import EventPage, event_by_id, query_events
from ledger.service.ledger import Ledger
from ledger.service.sequencer import system_clock
from web.errors import HTTP_CODES, status_for

bp = Blueprint("epcis", __name__, url_prefix="/epcis")

EPCIS_VERSION = "2.0.0"
CBV_VERSION = "2.0.0"
_EXCEPTIONS = {
    400: "epcisException:QueryParameterException",
    404: "epcisException:NoSuchResourceException",
    405: "epcisException:ImplementationException",
    500: "epcisException:ImplementationException",
}
_TITLES = {400: "Query parameter exception", 404: "No such resource"}
_PATH_PARAMETERS = ("perPage", "nextPageToken", "GE_eventTime", "LT_eventTime", "EQ_bizStep")


def _ledger() -> Ledger:
    return current_app.extensions["ledger"]  # type: ignore[no-any-return]


def _secret() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode()


def _headers(response: Response) -> Response:
    response.headers["GS1-EPCIS-Version"] = EPCIS_VERSION
    response.headers["GS1-CBV-Version"] = CBV_VERSION
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "Link, GS1-EPCIS-Version, GS1-CBV-Version"
    return response


def _answer(page: EventPage, query: EventQuery | None = None) -> Response:
    document = epcis.query_document(page.events, page.annotations, format_time(system_clock()))
    response = Response(
        json.dumps(document, ensure_ascii=False, separators=(",", ":")),
        content_type="application/ld+json; charset=utf-8",
    )
    if page.next_after is not None and query is not None:
        args = {k: v for k, v in request.args.items(multi=True) if k != "nextPageToken"}
        args["nextPageToken"] = page_token(_secret(), page.next_after, query)
        response.headers["Link"] = f'<{request.base_url}?{urlencode(args)}>; rel="next"'
    return _headers(response)


def _problem(status: int, error_code: str, message: str, field: str | None = None) -> Response:
    error: dict[str, object] = {"code": error_code, "message": message}
    if field is not None:
        error["field"] = field
    body = {
        "type": _EXCEPTIONS.get(status, _EXCEPTIONS[500] if status >= 500 else _EXCEPTIONS[400]),
        "title": _TITLES.get(status, "EPCIS exception"),
        "status": status,
        "detail": message,
        "instance": request.path,
        "error": error,
    }
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/problem+json"
    )
    return _headers(response)


@bp.errorhandler(LedgerError)
def ledger_error(error: LedgerError) -> Response:
    """A rejected query: RFC 7807 with the EPCIS exception type and the ledger's code."""
    return _problem(status_for(error), error.code, error.message, error.field)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    """Protocol errors inside /epcis, in the same problem form (a 405 keeps its Allow)."""
    status = error.code or 500
    response = _problem(status, HTTP_CODES.get(status, "http_error"), error.description or "")
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _args() -> dict[str, list[str]]:
    return {name: request.args.getlist(name) for name in request.args}


@bp.get("/events")
def events() -> Response:
    """Events matching the query parameters, a page at a time, in log order."""
    query = parse_query(_args(), secret=_secret())
    return _answer(query_events(_ledger().engine, query), query)


@bp.get("/events/<path:event_id>")
def event(event_id: str) -> Response:
    """One event by its eventID (``urn:uuid:...``, URL-encoded or not)."""
    if request.args:
        parse_query(_args(), secret=_secret(), allowed=())
    return _answer(event_by_id(_ledger().engine, event_id))


@bp.get("/epcs/<path:epc>/events", merge_slashes=False)
def epc_events(epc: str) -> Response:
    """Events naming one instance (a unit or case), a GS1 Digital Link or an EPC URN."""
    key = epc_key(epc, ("unit", "sscc"), field="epc")
    query = parse_query(_args(), secret=_secret(), allowed=_PATH_PARAMETERS)
    # The path's EPC is the query's MATCH_anyEPC; tokens are bound to it through the query.
    query = EventQuery(**{**query.__dict__, "any_epc": (key,), "after": -1})
    if "nextPageToken" in request.args:
        query = parse_query(
            {**_args(), "MATCH_anyEPC": [key]},
            secret=_secret(),
            allowed=(*_PATH_PARAMETERS, "MATCH_anyEPC"),
        )
    return _answer(query_events(_ledger().engine, query), query)
