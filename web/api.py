"""The producer and verifier HTTP API at ``/api/v1`` (docs/FORMAT.md section 7).

Views only translate between HTTP and the ``Ledger`` facade: parse and check the request,
call one facade method, shape the JSON. Every rule lives below, in ``ledger``.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from ledger.core import gs1
from ledger.core.canonical import parse_json
from ledger.core.errors import LedgerError, MalformedError, NotFoundError
from ledger.core.signing import b64encode
from ledger.core.statements import Statement, parse_statement
from ledger.core.timefmt import format_time
from ledger.core.trace import DIRECTIONS
from ledger.service.epcis_export import write_epcis
from ledger.service.ledger import Ledger
from ledger.service.queries import MAX_PAGE, StoredEntry
from ledger.service.sequencer import MAX_BATCH, Appended, system_clock
from ledger.service.trace import MAX_DEPTH
from web.catalogue import current_catalogue
from web.reports import download, parse_request

bp = Blueprint("api", __name__, url_prefix="/api/v1")

OPENAPI_PATH = Path(__file__).parent / "openapi.json"
IMMUTABLE = "public, max-age=31536000, immutable"
# Query integers are plain ASCII digits: int() alone would also take "1_0", " 7" or "٣".
_UINT = re.compile(r"[0-9]{1,19}")
MAX_INT = 2**63 - 1  # the database's BIGINT; larger values could only overflow it


def ledger() -> Ledger:
    """The app's one Ledger."""
    return current_app.extensions["ledger"]  # type: ignore[no-any-return]


@bp.after_request
def allow_cross_origin_reads(response: Response) -> Response:
    """Let anyone's page read the log and its proofs (DESIGN: verify at the edge)."""
    if request.method in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# -- parameters -----------------------------------------------------------------------------


def bad_parameter(name: str, message: str) -> MalformedError:
    """The error for a missing or malformed query parameter."""
    return MalformedError(message, code="bad_parameter", field=name)


def int_param(name: str, *, default: int | None = None, minimum: int = 0) -> int:
    """A non-negative integer query parameter, at least ``minimum``."""
    values = request.args.getlist(name)
    if not values:
        if default is None:
            raise bad_parameter(name, f"the query parameter {name!r} is required")
        return default
    if len(values) > 1:
        raise bad_parameter(
            name, f"give the query parameter {name!r} once, not {len(values)} times"
        )
    raw = values[0]
    if not _UINT.fullmatch(raw) or not minimum <= int(raw) <= MAX_INT:
        raise bad_parameter(
            name, f"{name} must be a whole number from {minimum} to {MAX_INT}, not {raw[:40]!r}"
        )
    return int(raw)


def str_param(name: str) -> str:
    """A required text query parameter, given once."""
    values = request.args.getlist(name)
    if len(values) != 1 or not values[0]:
        raise bad_parameter(name, f"the query parameter {name!r} is required, once")
    return values[0]


# -- JSON shapes ----------------------------------------------------------------------------


def entry_json(entry: StoredEntry) -> dict[str, Any]:
    """One log entry as FORMAT.md section 7 shows it."""
    return {"index": entry.index, "leaf": b64encode(entry.leaf), "hash": entry.entry_hash.hex()}


def appended_json(appended: Appended) -> dict[str, Any]:
    """Where an accepted statement sits in the log."""
    return {
        "index": appended.index,
        "entry_hash": appended.entry_hash.hex(),
        "created": appended.created,
    }


def immutable(response: Response) -> Response:
    """Mark a response about a fixed tree size as cacheable forever."""
    response.headers["Cache-Control"] = IMMUTABLE
    return response


# -- appending ------------------------------------------------------------------------------


def require_json_body() -> bytes:
    """The request body, if it is declared as UTF-8 JSON."""
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if request.mimetype != "application/json" or charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            "send statements as JSON with the header Content-Type: application/json (UTF-8)"
        )
    # Werkzeug answers 413 itself when Content-Length is too large; a chunked body is
    # only cut off at the limit, silently, so a chunked body that fills it is too large.
    data = request.get_data(cache=False)
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is None and len(data) >= limit:
        raise RequestEntityTooLarge(
            f"a request body may be at most {limit - 1} bytes when sent chunked"
        )
    return data


def parse_body(body: Any) -> tuple[list[Statement], bool]:
    """Statements from a single statement object or ``{"statements": [...]}``; True for a batch."""
    if not (isinstance(body, dict) and "statements" in body):
        return [parse_statement(body)], False
    extra = sorted(body.keys() - {"statements"})
    if extra:
        raise MalformedError(
            f"a batch has only the member 'statements', not {extra[0]!r}",
            code="unknown_field",
            field=extra[0],
        )
    items = body["statements"]
    if not isinstance(items, list):
        raise MalformedError(
            "statements must be a JSON array", code="wrong_type", field="statements"
        )
    if not 1 <= len(items) <= MAX_BATCH:
        raise MalformedError.of(
            "bad_batch_size", limit=MAX_BATCH, count=len(items), field="statements"
        )
    statements = []
    for position, item in enumerate(items):
        try:
            statements.append(parse_statement(item))
        except LedgerError as exc:
            exc.index = position  # the client needs to know which statement to fix
            raise
    return statements, True


@bp.post("/statements")
def post_statements() -> tuple[Response, int]:
    """Append one statement or an all-or-nothing batch; resubmissions answer the same entry."""
    body = parse_json(
        require_json_body(),
        max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
        reject_lone_surrogates=True,  # else a member name could carry one into an error body
    )
    statements, batch = parse_body(body)
    try:
        results = ledger().append(statements)
    except LedgerError as exc:
        if not batch:
            exc.index = None  # the sequencer numbers batch positions; one statement has none
        raise
    status = 201 if any(r.created for r in results) else 200
    if batch:
        return jsonify({"entries": [appended_json(r) for r in results]}), status
    response = jsonify(appended_json(results[0]))
    response.headers["Location"] = url_for(
        "api.log_entries", start=results[0].index, end=results[0].index + 1
    )
    return response, status


# -- the log and its proofs -----------------------------------------------------------------


@bp.get("/checkpoint")
def checkpoint() -> Response:
    """The latest signed checkpoint note, exactly as signed."""
    latest = ledger().latest_checkpoint()
    if latest is None:
        raise NotFoundError.of("no_checkpoint")
    response = Response(latest.note, content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/log/entries")
def log_entries() -> Response:
    """Entries ``[start, end)``, at most MAX_PAGE of them; fewer past the end of the log."""
    start = int_param("start")
    end = int_param("end", default=start + MAX_PAGE)
    if end < start:
        raise bad_parameter("end", "end must not be smaller than start")
    if end - start > MAX_PAGE:
        raise bad_parameter("end", f"ask for at most {MAX_PAGE} entries at a time")
    size = ledger().size()
    found = ledger().entries(start, min(end, size)) if start < size else []
    response = jsonify({"entries": [entry_json(e) for e in found]})
    # A full page never changes; a page that reaches past the log's end will grow.
    return immutable(response) if end <= size else response


@bp.get("/log/proof/inclusion")
def inclusion_proof() -> Response:
    """The RFC 9162 inclusion proof of entry ``index`` in the tree of size ``tree_size``."""
    index = int_param("index")
    tree_size = int_param("tree_size", minimum=1)
    if index >= tree_size:
        raise bad_parameter("index", f"entry {index} is not in a tree of size {tree_size}")
    leaf_hash, proof = ledger().inclusion_proof(index, tree_size)
    return immutable(
        jsonify(
            {
                "index": index,
                "tree_size": tree_size,
                "leaf_hash": leaf_hash.hex(),
                "proof": [p.hex() for p in proof],
            }
        )
    )


@bp.get("/log/proof/consistency")
def consistency_proof() -> Response:
    """The RFC 9162 consistency proof from tree ``first`` to tree ``second``."""
    first = int_param("first", minimum=1)  # no proof exists from the empty tree
    second = int_param("second", minimum=1)
    if first > second:
        raise bad_parameter("first", "first must not be larger than second")
    proof = ledger().consistency_proof(first, second)
    return immutable(jsonify({"first": first, "second": second, "proof": [p.hex() for p in proof]}))


@bp.get("/operator")
def operator() -> Response:
    """The operator's identity: origin, C2SP verifier key and raw public key."""
    verifier = ledger().operator
    return jsonify(
        {
            "origin": verifier.name,
            "verifier_key": verifier.vkey,
            "public_key": verifier.public_key.b64,
        }
    )


@bp.get("/keys/<key_id>")
def key_owner(key_id: str) -> Response:
    """The registered actor a key signs for: what a device or ``ledger import --url`` needs to
    fill its forms (the actor's GLN and roles). All of it is on the log already."""
    for actor in ledger().actors():
        for key in actor.keys:
            if key.key_id == key_id:
                return jsonify(
                    {
                        "key_id": key.key_id,
                        "actor": actor.actor,
                        "gln": actor.gln,
                        "roles": list(actor.roles),
                        "revoked_effective": key.revoked_effective,
                    }
                )
    raise NotFoundError.of("not_found", what=f"key {key_id[:40]}")


@bp.get("/actors/<actor>/holdings")
def actor_holdings(actor: str) -> Response:
    """The lots and units an actor holds, what is on its way to it, and its places: what
    the producer app's pickers offer (all of it derived from the public log)."""
    response = jsonify(ledger().holdings(actor).to_json())
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/actors/<actor>/record")
def actor_record(actor: str) -> Response:
    """An actor's public record (docs/RECORD.md) as of ``tree_size`` (default: the latest
    checkpoint's): its figures, each with the log entries behind it."""
    tree_size = int_param("tree_size", minimum=1) if "tree_size" in request.args else None
    response = jsonify(ledger().record(actor, tree_size).to_json())
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/trace")
def trace() -> Response:
    """Every object forward (downstream) or backward (upstream) of one, as of a tree size:
    a graph whose every edge is a log entry (docs/FORMAT.md 12)."""
    object_id = str_param("object")
    try:
        identifier = gs1.parse_identifier(object_id, field="object")
    except LedgerError as exc:
        raise bad_parameter("object", f"object is not a GS1 Digital Link: {exc.message}") from exc
    canonical = identifier.object_key()
    direction = str_param("direction")
    if direction not in DIRECTIONS:
        raise bad_parameter("direction", "direction is forward or backward")
    tree_size = int_param("tree_size", minimum=1) if "tree_size" in request.args else None
    depth = int_param("depth", default=MAX_DEPTH, minimum=1)
    if depth > MAX_DEPTH:
        raise bad_parameter("depth", f"depth is at most {MAX_DEPTH} links")
    found = ledger().trace(canonical, direction, tree_size, depth)
    if request.args.get("format", "bundle") != "bundle":
        raise bad_parameter("format", "format is bundle, or left out for the graph as JSON")
    if request.args.get("format") == "bundle":
        if identifier.ai not in ("01", "00"):
            raise bad_parameter("format", "a bundle is of a lot, a unit, a case or a pallet")
        response = Response(ledger().trace_bundle(found), content_type="application/json")
        return immutable(response)  # pinned to the checkpoint of the trace's size
    response = jsonify(found.to_json())
    # Pinned below the log's size, a trace never changes (holders are given only at the top).
    pinned = tree_size is not None and tree_size < ledger().size()
    return immutable(response) if pinned else response


# -- recalls (FORMAT.md 3.7) -------------------------------------------------------------------

RECALL_STATUSES = {"in_force": True, "closed": False, "all": None}


@bp.get("/recalls")
def recalls() -> Response:
    """The recalls as of a tree size: those in force (default), closed or all; with
    ``object``, those that reach that unit or lot (the GS1 resolver's gs1:recallStatus)."""
    status = request.args.get("status", "in_force")
    if status not in RECALL_STATUSES:
        raise bad_parameter("status", "status is in_force, closed or all")
    tree_size = int_param("tree_size", minimum=1) if "tree_size" in request.args else None
    if "object" in request.args:
        try:
            identifier = gs1.parse_identifier(str_param("object"), field="object")
        except LedgerError as exc:
            raise bad_parameter(
                "object", f"object is not a GS1 Digital Link: {exc.message}"
            ) from exc
        if identifier.ai != "01" or (identifier.lot is None and identifier.serial is None):
            raise bad_parameter("object", "object is a lot or a unit")
        size, found = ledger().recalls_reaching(identifier.object_key(), tree_size)
        wanted = RECALL_STATUSES[status]
        found = [r for r in found if wanted is None or r.notice.in_force == wanted]
    else:
        size, found = ledger().recalls(in_force=RECALL_STATUSES[status], tree_size=tree_size)
    response = jsonify({"tree_size": size, "recalls": [r.to_json() for r in found]})
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/recalls/<recall_id>")
def recall(recall_id: str) -> Response:
    """One recall, its statements, and what it reaches: lots downstream and who holds them."""
    tree_size = int_param("tree_size", minimum=1) if "tree_size" in request.args else None
    found, reached = ledger().recall(recall_id, tree_size)
    response = jsonify({**found.to_json(), "reach": reached.to_json()})
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/report")
def report() -> Response:
    """The regulator's sortable spreadsheet of one lot, or of a product's lots over a date
    range: one row per critical tracking event, as CSV or XLSX (docs/REPORT.md)."""
    asked = parse_request(request.args.to_dict(flat=False))
    found = ledger().report(asked.query, current_catalogue())
    return download(found, asked.format, asked.lang)


# -- object histories -----------------------------------------------------------------------


def history_response(object_id: str) -> Response:
    """Every entry about one object, each with its statement decoded for convenience."""
    found = ledger().history(object_id)
    entries = [{**entry_json(e), "statement": parse_json(e.leaf)["statement"]} for e in found]
    return jsonify({"object": object_id, "entries": entries})


@bp.get("/history")
def history() -> Response:
    """History of the object named by a GS1 Digital Link URI (any host; normalised)."""
    uri = str_param("object")
    return history_response(gs1.parse_identifier(uri, field="object").object_key())


@bp.get("/lots/<gtin>/<path:lot>")
def lot_history(gtin: str, lot: str) -> Response:
    """History of a lot: GTIN plus lot number."""
    gtin14 = gs1.validate_gtin(gtin, field="gtin")
    return history_response(gs1.gtin_uri(gtin14, lot=lot, field="lot"))


@bp.get("/units/<gtin>/<path:serial>")
def unit_history(gtin: str, serial: str) -> Response:
    """History of a serialised unit: GTIN plus serial number."""
    gtin14 = gs1.validate_gtin(gtin, field="gtin")
    return history_response(gs1.gtin_uri(gtin14, serial=serial, field="serial"))


@bp.get("/epcis")
def epcis() -> Response:
    """One object's events as an EPCIS 2.0 JSON-LD document (the whole log: the CLI)."""
    object_id = str_param("object")
    out = io.StringIO()
    write_epcis(
        ledger().engine, out, object_id=object_id, creation_date=format_time(system_clock())
    )
    return Response(out.getvalue(), content_type="application/ld+json; charset=utf-8")


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API, served as written."""
    response = Response(OPENAPI_PATH.read_bytes(), content_type="application/json")
    response.headers["Cache-Control"] = "no-cache"
    return response
