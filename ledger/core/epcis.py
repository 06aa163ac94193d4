"""The EPCIS 2.0 JSON-LD export of ledger events.

`to_epcis_event` maps one of our event payloads (docs/EVENTS.md) to an EPCIS 2.0 JSON-LD
event, `export_event` adds its record time, `ledger_annotation` says where the ledger holds
it and what it hashes to, and `epcis_document` (an export) or `query_document` (an answer of
the REST query interface) wrap events and annotations; `document_frame` lets a writer
stream an export. The event hash itself is GS1's algorithm, `ledger.core.event_hash`.

Pure: no I/O, no clock (times are parameters).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ledger.core.cbv import BIZ_STEPS, CBVMDA_NAMESPACE, TL_NAMESPACE
from ledger.core.event_hash import TYPED_LISTS, event_hash, normalise_time

__all__ = [
    "EPCIS_CONTEXT",
    "EVENT_HASH_MEMBER",
    "EXPORT_CONTEXT",
    "EXPORT_NAMESPACES",
    "LEDGER_ENTRIES_MEMBER",
    "LEDGER_INDEX_MEMBER",
    "QUERY_NAME",
    "document_frame",
    "epcis_document",
    "export_event",
    "exported_event_hash",
    "ledger_annotation",
    "ledger_annotations",
    "query_document",
    "to_epcis_event",
]

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# cbvmda is bound exactly as in the EPCIS 2.0 standard context: re-binding it identically
# keeps JSON-LD processors happy (the standard context protects its terms) and lets tools
# that only read a document's own context (the reference hash generator) see the prefix too.
EXPORT_NAMESPACES: Mapping[str, str] = {"tl": TL_NAMESPACE, "cbvmda": CBVMDA_NAMESPACE}
EXPORT_CONTEXT: tuple[str, Mapping[str, str]] = (EPCIS_CONTEXT, EXPORT_NAMESPACES)

# What the ledger says about each exported event so an auditor can map it back. It sits in
# the document, not in the events (epcisHeader of an EPCISDocument, resultsBody of a query
# answer), one entry per event: {"eventID", "tl:ledgerIndex", "tl:eventHash"}. The events
# are then exactly what GS1's reference hash generator reads, with nothing to delete first.
# The EPCIS context maps eventID to @id, so in JSON-LD each entry states its facts about
# the event node itself.
LEDGER_ENTRIES_MEMBER = "tl:ledgerEntries"
EVENT_HASH_MEMBER = "tl:eventHash"
LEDGER_INDEX_MEMBER = "tl:ledgerIndex"
# queryName of the answers of the REST query interface (EPCIS 2.0 section 8.2.7).
QUERY_NAME = "SimpleEventQuery"

# Member order of exported events: the usual EPCIS 2.0 order, then extensions.
_EXPORT_ORDER = (
    "type", "eventID", "eventTime", "eventTimeZoneOffset", "recordTime",
    "epcList", "parentID", "childEPCs", "childQuantityList",
    "inputEPCList", "inputQuantityList", "outputEPCList", "outputQuantityList",
    "transformationID", "quantityList", "action", "bizStep", "disposition",
    "readPoint", "bizLocation", "bizTransactionList", "sourceList", "destinationList",
    "sensorElementList", "certificationInfo", "ilmd",
)  # fmt: skip
_TL = "tl:"


def _export_biz_step(step: str) -> str:
    """CBV words stay bare; ours are ``tl:`` terms (CBV 2.0 has no `transforming`)."""
    if step in BIZ_STEPS or ":" in step:
        return step
    return _TL + step


def _tl_members(value: Any) -> Any:
    """Prefix every member name inside a ``tl:`` object with ``tl:``.

    JSON-LD drops members whose names no context defines, so the members of our
    extension objects are named in the ledger's namespace too (``tl:dose`` etc.).
    """
    if isinstance(value, dict):
        return {(k if ":" in k else _TL + k): _tl_members(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tl_members(v) for v in value]
    return value


def _type_first(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Source, destination and business transaction entries with ``type`` first.

    The reference generator reads these members in document order while the algorithm
    wants the type first, so writing it first makes both hash the same.
    """
    return [dict(sorted(e.items(), key=lambda kv: kv[0] != "type")) for e in entries]


def to_epcis_event(payload: Mapping[str, Any]) -> dict[str, Any]:
    """One ledger event payload (validated by ``event_parser.parse_event``) as EPCIS 2.0 JSON-LD.

    The payload is already EPCIS 2.0 JSON with bare CBV words and canonical Digital Link
    identifiers, so most members are copied. Three changes make it valid JSON-LD under
    `EXPORT_CONTEXT`: a bizStep that is not a CBV word becomes a ``tl:`` term
    (``transforming`` -> ``tl:transforming``), members inside ``tl:`` objects are
    prefixed ``tl:``, and typed list entries put ``type`` first.
    """
    if not isinstance(payload, Mapping) or "type" not in payload:
        raise ValueError("an event payload is a JSON object with a type")
    source = copy.deepcopy(dict(payload))
    event: dict[str, Any] = {}
    for key in (*_EXPORT_ORDER, *sorted(source)):
        if key not in source or key in event:
            continue
        value = source[key]
        if key == "bizStep":
            value = _export_biz_step(value)
        elif key in TYPED_LISTS:
            value = _type_first(value)
        elif key.startswith(_TL):
            value = _tl_members(value)
        event[key] = value
    return event


def export_event(
    payload: Mapping[str, Any],
    *,
    record_time: str | None = None,
    error_declaration: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An exported event: `to_epcis_event` and its ``recordTime`` (the entry's time).

    ``error_declaration`` is the one place an event declared erroneous gets its EPCIS 2.0
    ``errorDeclaration`` member (``declarationTime``, ``reason``, ``correctiveEventIDs``);
    like ``recordTime`` it is outside the event hash. The ledger declares none yet.
    """
    event = to_epcis_event(payload)
    if record_time is not None:
        event = _with_member_after(event, "recordTime", record_time, "eventTimeZoneOffset")
    if error_declaration is not None:
        event["errorDeclaration"] = dict(error_declaration)
    return event


def ledger_annotation(event: Mapping[str, Any], *, ledger_index: int) -> dict[str, Any]:
    """The ledger's entry about one exported event: its ``eventID``, the index of the log
    entry that holds its signed payload and its GS1 event hash (under `EXPORT_NAMESPACES`)."""
    if isinstance(ledger_index, bool) or not isinstance(ledger_index, int) or ledger_index < 0:
        raise ValueError("the ledger index is a non-negative integer")
    return {
        "eventID": event["eventID"],
        LEDGER_INDEX_MEMBER: ledger_index,
        EVENT_HASH_MEMBER: event_hash(event, EXPORT_NAMESPACES),
    }


def _with_member_after(event: dict[str, Any], key: str, value: Any, after: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in event.items():
        out[k] = v
        if k == after:
            out[key] = value
    out.setdefault(key, value)
    return out


def exported_event_hash(
    event: Mapping[str, Any], namespaces: Mapping[str, str] = EXPORT_NAMESPACES
) -> str:
    """The hash of an exported event, as GS1's reference generator computes it from the
    document: nothing to remove (``recordTime`` and ``errorDeclaration`` are outside it)."""
    return event_hash(event, namespaces)


def _check_pairs(
    events: Sequence[Mapping[str, Any]], annotations: Sequence[Mapping[str, Any]]
) -> None:
    if len(events) != len(annotations):
        raise ValueError("one ledger annotation per event, in the same order")
    for position, (event, note) in enumerate(zip(events, annotations, strict=True)):
        if note.get("eventID") != event.get("eventID") or EVENT_HASH_MEMBER not in note:
            raise ValueError(f"annotation {position} was not made by ledger_annotation for it")


def _check_creation_date(creation_date: str) -> None:
    if not isinstance(creation_date, str) or normalise_time(creation_date) is None:
        raise ValueError(
            "creationDate is a date-time with an offset, like 2024-11-01T00:00:00.000Z"
        )


def epcis_document(
    events: Sequence[Mapping[str, Any]],
    creation_date: str,
    annotations: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """An ``EPCISDocument`` holding exported events (`export_event`), in order, and in its
    ``epcisHeader`` the ledger's annotation of each (`ledger_annotation`), in the same order.

    ``creation_date`` is an RFC 3339 date-time (the caller's clock; the core reads none).
    """
    _check_creation_date(creation_date)
    _check_pairs(events, annotations)
    return {
        "@context": [EPCIS_CONTEXT, dict(EXPORT_NAMESPACES)],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": creation_date,
        "epcisBody": {"eventList": [dict(e) for e in events]},
        "epcisHeader": {LEDGER_ENTRIES_MEMBER: [dict(a) for a in annotations]},
    }


def query_document(
    events: Sequence[Mapping[str, Any]],
    annotations: Sequence[Mapping[str, Any]],
    creation_date: str,
) -> dict[str, Any]:
    """An ``EPCISQueryDocument``: the answer of the REST query interface (EPCIS 2.0 section
    12), its events under ``epcisBody.queryResults.resultsBody.eventList`` and the ledger's
    annotations beside them in ``resultsBody`` (the query document has no header)."""
    _check_creation_date(creation_date)
    _check_pairs(events, annotations)
    return {
        "@context": [EPCIS_CONTEXT, dict(EXPORT_NAMESPACES)],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": creation_date,
        "epcisBody": {
            "queryResults": {
                "queryName": QUERY_NAME,
                "resultsBody": {
                    "eventList": [dict(e) for e in events],
                    LEDGER_ENTRIES_MEMBER: [dict(a) for a in annotations],
                },
            }
        },
    }


def ledger_annotations(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ledger's annotations of an exported document or a query answer, in event order."""
    if document.get("type") == "EPCISQueryDocument":
        holder = document["epcisBody"]["queryResults"]["resultsBody"]
    else:
        holder = document.get("epcisHeader", {})
    return [dict(a) for a in holder.get(LEDGER_ENTRIES_MEMBER, [])]


_EVENT_LIST_HOLE = '"eventList":[]'
_ANNOTATION_HOLE = f'"{LEDGER_ENTRIES_MEMBER}":[]'


def document_frame(creation_date: str) -> tuple[str, str, str]:
    """The text of an empty export document, split where the events and then the
    annotations go.

    A writer streams ``head``, the events as JSON separated by commas, ``middle``, the
    annotations likewise, then ``tail``; the result parses to exactly `epcis_document` of
    those events and annotations.
    """
    text = json.dumps(epcis_document([], creation_date), ensure_ascii=False, separators=(",", ":"))
    cut = text.index(_EVENT_LIST_HOLE) + len(_EVENT_LIST_HOLE) - 1
    second = text.index(_ANNOTATION_HOLE) + len(_ANNOTATION_HOLE) - 1
    return text[:cut], text[cut:second], text[second:]
