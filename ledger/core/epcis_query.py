"""The subset of the EPCIS 2.0 REST query interface the ledger serves (docs/EVENTS.md 13).

`parse_query` reads the query parameters of ``GET /epcis/events`` (``MATCH_anyEPC``,
``MATCH_anyEPCClass``, ``EQ_bizStep``, ``GE_eventTime``, ``LT_eventTime``, ``perPage``,
``nextPageToken``) into an `EventQuery`, or rejects them with a stable code naming the rule;
`matches` is the standard's filter over one event; `page_token` and `read_page_token` make
and check the opaque, tamper-evident page tokens (HMAC-SHA256 under the server's secret,
bound to the query they page through). Pure: no I/O, no clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ledger.core.cbv import BIZ_STEPS as CBV_BIZ_STEPS
from ledger.core.cbv import TL_NAMESPACE
from ledger.core.epc_identifiers import normalise_identifier
from ledger.core.errors import LedgerError, ValidationError
from ledger.core.events import Event
from ledger.core.gs1 import IdentifierKind, parse_identifier
from ledger.core.timefmt import parse_event_time
from ledger.core.vocabulary import STEPS

__all__ = [
    "DEFAULT_PER_PAGE",
    "MAX_PER_PAGE",
    "PARAMETERS",
    "EventQuery",
    "epc_key",
    "matches",
    "page_token",
    "parse_query",
    "read_page_token",
]

DEFAULT_PER_PAGE = 30  # the standard's default
MAX_PER_PAGE = 1000  # the server's upper limit; a larger perPage is served this many
PARAMETERS = (
    "MATCH_anyEPC",
    "MATCH_anyEPCClass",
    "EQ_bizStep",
    "GE_eventTime",
    "LT_eventTime",
    "perPage",
    "nextPageToken",
)
# Times the ledger can hold (docs/EVENTS.md 3.1: years 1970 to 2999), in epoch milliseconds.
_EARLIEST = 0
_LATEST = int(datetime(3000, 1, 1, tzinfo=UTC).timestamp() * 1000)
_INSTANCES: tuple[IdentifierKind, ...] = ("unit", "sscc")
_CLASSES: tuple[IdentifierKind, ...] = ("lot", "product")
_LIST_SEPARATOR = re.compile(r"[|,]")
_MAX_VALUES = 100  # identifiers or steps in one parameter
_CBV_STEP_URIS = ("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,200}\.[A-Za-z0-9_-]{22}")


@dataclass(frozen=True)
class EventQuery:
    """A parsed query: every filter given is a conjunct; values within one are alternatives."""

    any_epc: tuple[str, ...] = ()  # object keys of units and SSCCs
    any_epc_class: tuple[str, ...] = ()  # canonical lot and product classes
    biz_steps: tuple[str, ...] | None = None  # the ledger's step names; None: any
    ge_time: int | None = None  # epoch milliseconds, inclusive
    lt_time: int | None = None  # epoch milliseconds, exclusive
    per_page: int = DEFAULT_PER_PAGE
    after: int = -1  # the ledger index of the last event of the previous page

    def fingerprint(self) -> str:
        """What a page token is bound to: the filters, not the page size or position."""
        shape = [
            sorted(self.any_epc),
            sorted(self.any_epc_class),
            None if self.biz_steps is None else sorted(self.biz_steps),
            self.ge_time,
            self.lt_time,
        ]
        text = json.dumps(shape, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _bad(name: str, why: str) -> ValidationError:
    return ValidationError(f"{name} {why}", code="query_bad_parameter", field=name)


def _one(args: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = args.get(name) or []
    if not values:
        return None
    if len(values) > 1:
        raise _bad(name, f"is given {len(values)} times; give it once (a list is a|b)")
    if not values[0].strip():
        raise _bad(name, "is empty")
    return values[0].strip()


def _items(name: str, text: str) -> list[str]:
    items = [item.strip() for item in _LIST_SEPARATOR.split(text)]
    if any(not item for item in items):
        raise _bad(name, "has an empty item; separate values with | or ,")
    if len(items) > _MAX_VALUES:
        raise _bad(name, f"lists {len(items)} values; at most {_MAX_VALUES}")
    return items


def epc_key(text: str, kinds: tuple[IdentifierKind, ...], *, field: str) -> str:
    """The object key of an identifier written as any GS1 Digital Link or an EPC URN, as the
    object index keys it; `ValidationError` (``query_bad_parameter``) otherwise."""
    uri = text
    if text.startswith("urn:epc:"):
        converted = normalise_identifier(text)
        if converted is None:
            raise _bad(field, f"holds {text!r}, which is not an EPC URI of a GS1 key")
        uri = converted
    # A path segment may have lost one slash of the scheme (https:/id.gs1.org/...).
    uri = re.sub(r"\A(https?):/(?!/)", r"\1://", uri)
    try:
        ident = parse_identifier(uri, field=field, allowed=kinds)
    except LedgerError as exc:
        words = " or ".join(kinds)
        raise _bad(
            field, f"holds {text!r}, which is not a {words} identifier: {exc.message}"
        ) from None
    return ident.object_key()


def _step(text: str) -> str | None:
    """The ledger's name for a business step written as the standard allows, or None for a
    step the ledger never records (it simply matches nothing)."""
    word = text
    for stem in _CBV_STEP_URIS:
        if text.startswith(stem):
            word = text[len(stem) :]
    if text.startswith(TL_NAMESPACE):
        word = "tl:" + text[len(TL_NAMESPACE) :]
    if word == "tl:transforming":  # how the export writes it (CBV 2.0 has no transforming)
        word = "transforming"
    if word in STEPS:
        return word
    if word not in CBV_BIZ_STEPS and ":" not in word:
        raise _bad("EQ_bizStep", f"holds {text!r}, which is neither a CBV step nor a URI")
    return None


def _time(args: Mapping[str, Sequence[str]], name: str) -> int | None:
    text = _one(args, name)
    if text is None:
        return None
    try:
        moment = parse_event_time(text, name)
    except LedgerError:
        raise _bad(
            name, f"is {text!r}, not a date-time with an offset like 2024-10-01T00:00:00Z"
        ) from None
    return int(moment.timestamp() * 1000)


def parse_query(
    args: Mapping[str, Sequence[str]], *, secret: bytes, allowed: Sequence[str] = PARAMETERS
) -> EventQuery:
    """Read the query parameters (name -> values as given) of an events query.

    Raises `ValidationError`: ``query_unknown_parameter`` for a parameter outside ``allowed``,
    ``query_bad_parameter`` for a value of the wrong type, ``query_bad_time_range`` for
    ``LT_eventTime`` not after ``GE_eventTime`` or a time outside 1970 to 2999, and
    ``bad_page_token`` for a page token this server did not make for this query.
    """
    for name in args:
        if name not in allowed:
            raise ValidationError(
                f"{name} is not a query parameter this server knows; it knows "
                + ", ".join(allowed),
                code="query_unknown_parameter",
                field=name,
            )
    epcs = _one(args, "MATCH_anyEPC")
    classes = _one(args, "MATCH_anyEPCClass")
    steps_text = _one(args, "EQ_bizStep")
    steps = None
    if steps_text is not None:
        found = (_step(item) for item in _items("EQ_bizStep", steps_text))
        steps = tuple(dict.fromkeys(s for s in found if s is not None))
    ge, lt = _time(args, "GE_eventTime"), _time(args, "LT_eventTime")
    for name, value in (("GE_eventTime", ge), ("LT_eventTime", lt)):
        if value is not None and not _EARLIEST <= value <= _LATEST:
            raise ValidationError(
                f"{name} lies outside the years 1970 to 2999 that events can have",
                code="query_bad_time_range",
                field=name,
            )
    if ge is not None and lt is not None and lt <= ge:
        raise ValidationError(
            "LT_eventTime must be after GE_eventTime: the range holds no time",
            code="query_bad_time_range",
            field="LT_eventTime",
        )
    per_page_text = _one(args, "perPage")
    per_page = DEFAULT_PER_PAGE
    if per_page_text is not None:
        if not re.fullmatch(r"[0-9]{1,9}", per_page_text) or int(per_page_text) < 1:
            raise _bad("perPage", f"is {per_page_text!r}, not a whole number of at least 1")
        per_page = min(int(per_page_text), MAX_PER_PAGE)
    query = EventQuery(
        any_epc=tuple(
            dict.fromkeys(
                epc_key(item, _INSTANCES, field="MATCH_anyEPC")
                for item in _items("MATCH_anyEPC", epcs or "")
            )
        )
        if epcs
        else (),
        any_epc_class=tuple(
            dict.fromkeys(
                epc_key(item, _CLASSES, field="MATCH_anyEPCClass")
                for item in _items("MATCH_anyEPCClass", classes or "")
            )
        )
        if classes
        else (),
        biz_steps=steps,
        ge_time=ge,
        lt_time=lt,
        per_page=per_page,
    )
    token = _one(args, "nextPageToken")
    if token is None:
        return query
    return EventQuery(**{**query.__dict__, "after": read_page_token(secret, token, query)})


def _mac(secret: bytes, body: bytes) -> str:
    digest = hmac.new(secret, b"traceledger epcis page token\n" + body, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def page_token(secret: bytes, after: int, query: EventQuery) -> str:
    """An opaque token for the page after ledger index ``after`` of ``query``."""
    body = f"1:{after}:{query.fingerprint()}".encode()
    return base64.urlsafe_b64encode(body).decode().rstrip("=") + "." + _mac(secret, body)


def read_page_token(secret: bytes, token: str, query: EventQuery) -> int:
    """The position a token made by `page_token` for this query stands for; anything else
    (altered, truncated, made for another query or by another server) is ``bad_page_token``."""
    bad = ValidationError(
        "nextPageToken was not made by this server for this query: ask again without it, "
        "with the same filters, and follow the Link header",
        code="bad_page_token",
        field="nextPageToken",
    )
    if _TOKEN.fullmatch(token) is None:
        raise bad
    encoded, mac = token.split(".")
    try:
        body = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except ValueError:
        raise bad from None
    # Only the one spelling page_token writes (base64's spare bits are not a second one).
    if base64.urlsafe_b64encode(body).decode().rstrip("=") != encoded:
        raise bad
    if not hmac.compare_digest(_mac(secret, body), mac):
        raise bad
    match = re.fullmatch(rb"1:(\d{1,18}):([0-9a-f]{64})", body)
    if match is None or match[2].decode() != query.fingerprint():
        raise bad
    return int(match[1])


def _instance_ids(event: Event) -> set[str]:
    """Object keys of the instance identifiers an event names where MATCH_anyEPC looks:
    epcList, parentID, childEPCs, inputEPCList, outputEPCList."""
    ids = [*event.epc_list, *event.child_epcs, *event.input_epc_list, *event.output_epc_list]
    if event.parent_id is not None:
        ids.append(event.parent_id)
    return {parse_identifier(i).object_key() for i in ids}


def _class_ids(event: Event) -> set[str]:
    """The classes of its quantity lists, where MATCH_anyEPCClass looks."""
    lists = (
        event.quantity_list,
        event.child_quantity_list,
        event.input_quantity_list,
        event.output_quantity_list,
    )
    return {q.epc_class for quantities in lists for q in quantities}


def matches(query: EventQuery, event: Event) -> bool:
    """True when the event passes every filter of the query (EPCIS 2.0 section 8.2.7.1)."""
    if query.any_epc and not _instance_ids(event) & set(query.any_epc):
        return False
    if query.any_epc_class and not _class_ids(event) & set(query.any_epc_class):
        return False
    if query.biz_steps is not None and event.biz_step not in query.biz_steps:
        return False
    millis = int(event.event_time.timestamp() * 1000)
    if query.ge_time is not None and millis < query.ge_time:
        return False
    return query.lt_time is None or millis < query.lt_time
