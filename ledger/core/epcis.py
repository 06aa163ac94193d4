"""The EPCIS 2.0 JSON-LD export of ledger events.

`to_epcis_event` maps one of our event payloads (docs/EVENTS.md) to an EPCIS 2.0 JSON-LD
event, `export_event` adds the ledger's annotations (record time, event hash, ledger
index) and `epcis_document` wraps events in an ``EPCISDocument``; `document_frame` lets a
writer stream one. The event hash itself is GS1's algorithm, `ledger.core.event_hash`.

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
    "ANNOTATION_MEMBERS",
    "EPCIS_CONTEXT",
    "EVENT_HASH_MEMBER",
    "EXPORT_CONTEXT",
    "EXPORT_NAMESPACES",
    "LEDGER_INDEX_MEMBER",
    "document_frame",
    "epcis_document",
    "export_event",
    "exported_event_hash",
    "to_epcis_event",
]

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# cbvmda is bound exactly as in the EPCIS 2.0 standard context: re-binding it identically
# keeps JSON-LD processors happy (the standard context protects its terms) and lets tools
# that only read a document's own context (the reference hash generator) see the prefix too.
EXPORT_NAMESPACES: Mapping[str, str] = {"tl": TL_NAMESPACE, "cbvmda": CBVMDA_NAMESPACE}
EXPORT_CONTEXT: tuple[str, Mapping[str, str]] = (EPCIS_CONTEXT, EXPORT_NAMESPACES)

# Members the ledger adds to each exported event so an auditor can map it back. They are
# annotations, not part of the event: the hash is over the event without them.
EVENT_HASH_MEMBER = "tl:eventHash"
LEDGER_INDEX_MEMBER = "tl:ledgerIndex"
ANNOTATION_MEMBERS = (EVENT_HASH_MEMBER, LEDGER_INDEX_MEMBER)

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
    payload: Mapping[str, Any], *, ledger_index: int, record_time: str | None = None
) -> dict[str, Any]:
    """An exported event: `to_epcis_event`, its ``recordTime`` and the ledger annotations.

    ``tl:eventHash`` is the GS1 event hash of the event *without* the two annotation
    members (``tl:eventHash``, ``tl:ledgerIndex``), under `EXPORT_NAMESPACES`;
    ``tl:ledgerIndex`` is the index of the log entry that holds the signed payload.
    """
    if isinstance(ledger_index, bool) or not isinstance(ledger_index, int) or ledger_index < 0:
        raise ValueError("the ledger index is a non-negative integer")
    event = to_epcis_event(payload)
    if record_time is not None:
        event = _with_member_after(event, "recordTime", record_time, "eventTimeZoneOffset")
    event[EVENT_HASH_MEMBER] = event_hash(event, EXPORT_NAMESPACES)
    event[LEDGER_INDEX_MEMBER] = ledger_index
    return event


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
    """Recompute the hash of an exported event: GS1's hash without the annotation members."""
    return event_hash({k: v for k, v in event.items() if k not in ANNOTATION_MEMBERS}, namespaces)


def epcis_document(events: Sequence[Mapping[str, Any]], creation_date: str) -> dict[str, Any]:
    """An ``EPCISDocument`` holding exported events (from `export_event`), in order.

    ``creation_date`` is an RFC 3339 date-time (the caller's clock; the core reads none).
    """
    if not isinstance(creation_date, str) or normalise_time(creation_date) is None:
        raise ValueError(
            "creationDate is a date-time with an offset, like 2024-11-01T00:00:00.000Z"
        )
    for position, event in enumerate(events):
        if EVENT_HASH_MEMBER not in event or LEDGER_INDEX_MEMBER not in event:
            raise ValueError(
                f"event {position} was not made by export_event (no {EVENT_HASH_MEMBER})"
            )
    return {
        "@context": [EPCIS_CONTEXT, dict(EXPORT_NAMESPACES)],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": creation_date,
        "epcisBody": {"eventList": [dict(e) for e in events]},
    }


_EVENT_LIST_HOLE = '"eventList":[]'


def document_frame(creation_date: str) -> tuple[str, str]:
    """The text of an empty export document, split where the events go.

    A writer streams ``head``, the events as JSON separated by commas, then ``tail``; the
    result parses to exactly `epcis_document` of those events.
    """
    text = json.dumps(epcis_document([], creation_date), ensure_ascii=False, separators=(",", ":"))
    cut = text.index(_EVENT_LIST_HOLE) + len(_EVENT_LIST_HOLE) - 1
    return text[:cut], text[cut:]
