"""A filled form to an event payload, and back: `build_payload` and `form_values`.

A form (`ledger.core.form_fields.FORMS`) is filled as a flat mapping of field name to text,
as a phone's form or a spreadsheet row gives it. `build_payload` reads each value by its
field's kind, writes it at the field's path, adds the step's type and action, and checks
the result with `parse_event`, the server's own rules: what it returns is accepted by the
parser, or comes with per-field errors. Custody and roles are the server's to check.
Pure: the clock and the event ID come in the `ActorContext`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.core.errors import LedgerError
from ledger.core.event_members import CLASSES, UNITS
from ledger.core.event_parser import parse_event
from ledger.core.form_fields import FORMS, Field, Form
from ledger.core.gs1 import IdentifierKind, gtin_uri, location_uri, parse_identifier, party_uri
from ledger.core.timefmt import parse_date, parse_event_time
from ledger.core.vocabulary import STEPS

__all__ = ["ActorContext", "Built", "FormError", "build_payload", "form_values"]

Payload = dict[str, Any]


@dataclass(frozen=True)
class ActorContext:
    """Who fills the form, and what the caller supplies that the core may not read itself."""

    gln: str  # the actor's registered GLN: "self" places and parties, short plot codes
    event_id: str  # urn:uuid:...
    now: datetime  # aware; "now" and "today", and the offset of times written without one
    last_plot: str | None = None


@dataclass(frozen=True)
class FormError:
    """One problem with one field (``field`` empty: the form as a whole)."""

    code: str
    field: str
    message: str


@dataclass(frozen=True)
class Built:
    """The payload a form built, or why it could not (then ``payload`` is None)."""

    payload: Payload | None
    errors: tuple[FormError, ...]


class _Bad(Exception):
    """A value that cannot be read; becomes a FormError for its field."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_LOCAL_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?")
_SPLIT = re.compile(r"[\s,;，；]+")
_ENTRIES = re.compile(r"[;\n；]+")


def build_payload(form_name: str, values: Mapping[str, str], context: ActorContext) -> Built:
    """The event payload of form ``form_name`` filled with ``values``, or per-field errors."""
    form = FORMS.get(form_name)
    if form is None:
        message = f"there is no form {form_name!r}; the forms are {', '.join(FORMS)}"
        return Built(None, (FormError("unknown_form", "", message),))
    errors = [
        FormError("form_unknown_field", name, f"{name} is not a field of the form {form_name}")
        for name in values
        if form.field(name) is None
    ]
    step = STEPS[form.biz_step]
    payload: Payload = {"type": step.event_type, "eventID": context.event_id}
    if step.action is not None:
        payload["action"] = step.action
    payload["bizStep"] = step.biz_step
    # Fields writing into every item of a list ([*]) come after the field making the list.
    given = {f.name for f in form.fields if (values.get(f.name) or "").strip() or f.default}
    for spec in sorted(form.fields, key=lambda f: "[*]" in f.path):
        text = (values.get(spec.name) or "").strip() or _default(spec, context)
        if spec.goes_with is not None and spec.goes_with not in given:
            continue
        if not text:
            if spec.required:
                errors.append(FormError("form_missing", spec.name, f"{spec.name} is required"))
            continue
        try:
            value = _READERS[spec.kind](spec, text, context)
        except _Bad as bad:
            errors.append(FormError(bad.code, spec.name, f"{spec.name}: {bad.message}"))
            continue
        _put(payload, spec.path, value)
        for path, fixed in spec.sets.items():
            _put(payload, path, fixed)
        if spec.path == "eventTime":
            payload["eventTimeZoneOffset"] = _offset_of(value)
    if errors:
        return Built(None, tuple(errors))
    try:
        parse_event(payload)
    except LedgerError as exc:
        return Built(None, (FormError(exc.code, _field_of(form, exc.field), exc.message),))
    return Built(payload, ())


def form_values(form_name: str, payload: Mapping[str, Any]) -> dict[str, str]:
    """The form's field values that ``payload`` holds, as text `build_payload` reads back."""
    form = FORMS[form_name]
    out: dict[str, str] = {}
    for spec in form.fields:
        value = _get(payload, spec.path)
        if value is not None:
            out[spec.name] = _WRITERS.get(spec.kind, _text_of)(value)
    return out


# ---------------------------------------------------------------------------------------
# Reading one value by its kind
# ---------------------------------------------------------------------------------------


def _default(spec: Field, context: ActorContext) -> str:
    if spec.default == "now":
        return context.now.replace(microsecond=0).isoformat()
    if spec.default == "today":
        return context.now.date().isoformat()
    if spec.default == "self":
        return context.gln
    if spec.default == "last_plot":
        return context.last_plot or ""
    return spec.default or ""


def _offset_of(time_text: str) -> str:
    return "+00:00" if time_text.endswith(("Z", "z")) else time_text[-6:]


def _text(spec: Field, text: str, context: ActorContext) -> str:
    if spec.max_length is not None and len(text) > spec.max_length:
        raise _Bad(code="form_bad_value", message=f"at most {spec.max_length} characters")
    return text


def _number(spec: Field, text: str, context: ActorContext) -> int | float:
    if _NUMBER.fullmatch(text) is None:
        raise _Bad(code="form_bad_value", message=f"{text!r} is not a number")
    value: int | float = int(text) if text.lstrip("+-").isdigit() else float(text)
    bounds = spec.number
    if bounds is not None:
        if bounds.integer and not float(value).is_integer():
            raise _Bad(code="form_bad_value", message=f"{text} must be a whole number")
        if bounds.above and bounds.minimum is not None and value <= bounds.minimum:
            raise _Bad(
                code="form_bad_value", message=f"{text} must be more than {bounds.minimum:g}"
            )
        if bounds.minimum is not None and value < bounds.minimum:
            raise _Bad(code="form_bad_value", message=f"{text} must be at least {bounds.minimum:g}")
        if bounds.maximum is not None and value > bounds.maximum:
            raise _Bad(code="form_bad_value", message=f"{text} must be at most {bounds.maximum:g}")
    return value


def _time(spec: Field, text: str, context: ActorContext) -> str:
    local = _LOCAL_TIME.fullmatch(text)
    if local is not None:
        # Written without an offset, as people write times: the actor's own offset.
        offset = context.now.isoformat()[-6:]
        text = f"{local[1]}T{local[2]}{local[3] or ':00'}{offset}"
    _checked(parse_event_time, text)
    return text


def _date(spec: Field, text: str, context: ActorContext) -> str:
    _checked(parse_date, text)
    return text


def _checked(parse: Callable[[object, str], object], text: str) -> None:
    try:
        parse(text, "value")
    except LedgerError as exc:
        raise _Bad(exc.code, exc.message.replace("value ", "", 1)) from None


def _choice(spec: Field, text: str, context: ActorContext) -> str:
    for option in spec.options:
        # The clerk may type the code or either language's word for it.
        if text in (option.value, option.label.zh, option.label.en):
            return option.value
    shown = ", ".join(o.value for o in spec.options)
    raise _Bad(code="form_bad_value", message=f"{text!r} is not one of {shown}")


def _identifier(text: str, kinds: tuple[IdentifierKind, ...]) -> str:
    try:
        return parse_identifier(text, field="value", allowed=kinds).canonical()
    except LedgerError as exc:
        raise _Bad(exc.code, exc.message) from None


def _place(spec: Field, text: str, context: ActorContext) -> str:
    try:
        if text.isdigit():
            return location_uri(text, field="value")
        if "/" not in text:  # a plot or room code inside the actor's own GLN
            return location_uri(context.gln, text, field="value")
    except LedgerError as exc:
        raise _Bad(exc.code, exc.message) from None
    return _identifier(text, ("location",))


def _party(spec: Field, text: str, context: ActorContext) -> str:
    if text.isdigit():
        try:
            return party_uri(text, field="value")
        except LedgerError as exc:
            raise _Bad(exc.code, exc.message) from None
    return _identifier(text, ("party",))


def _lot(spec: Field, text: str, context: ActorContext) -> str:
    return _identifier(text, CLASSES)


def _product(spec: Field, text: str, context: ActorContext) -> str:
    if text.isdigit():  # a bare GTIN, as printed under a barcode
        try:
            return gtin_uri(text, field="value")
        except LedgerError as exc:
            raise _Bad(exc.code, exc.message) from None
    return _identifier(text, ("product",))


def _object(spec: Field, text: str, context: ActorContext) -> str:
    if text.isdigit() and len(text) == 18:
        text = "https://id.gs1.org/00/" + text
    return _identifier(text, UNITS)


def _objects(spec: Field, text: str, context: ActorContext) -> list[str]:
    return [_object(spec, item, context) for item in _SPLIT.split(text) if item]


def _analytes(spec: Field, text: str, context: ActorContext) -> list[dict[str, Any]]:
    out = []
    for entry in (e.strip() for e in _ENTRIES.split(text)):
        match = re.fullmatch(r"(.+?)\s*=\s*(\S+)\s*/\s*(\S+)\s+(\S+)", entry) if entry else None
        if entry and match is None:
            raise _Bad(code="form_bad_value", message=f"{entry!r} is not name=value/limit unit")
        if match is not None:
            value, limit = (_number(spec, match[i], context) for i in (2, 3))
            out.append({"name": match[1], "value": value, "limit": limit, "uom": match[4]})
    return out


def _readings(spec: Field, text: str, context: ActorContext) -> list[dict[str, Any]]:
    out = []
    for entry in (e.strip() for e in _ENTRIES.split(text)):
        if not entry:
            continue
        when, sep, value = entry.rpartition("=")
        if not sep:
            raise _Bad(code="form_bad_value", message=f"{entry!r} is not time=temperature")
        reading = {"type": "Temperature", "value": _number(spec, value.strip(), context)}
        reading["uom"] = "CEL"
        meta = {"time": _time(spec, when.strip(), context)}
        out.append({"sensorMetadata": meta, "sensorReport": [reading]})
    return out


def _sha256(spec: Field, text: str, context: ActorContext) -> str:
    return text.lower()


_READERS: dict[str, Callable[[Field, str, ActorContext], Any]] = {
    "text": _text,
    "uri": _text,
    "sha256": _sha256,
    "number": _number,
    "datetime": _time,
    "date": _date,
    "choice": _choice,
    "place": _place,
    "party": _party,
    "lot": _lot,
    "product": _product,
    "object": _object,
    "objects": _objects,
    "analytes": _analytes,
    "readings": _readings,
}


# ---------------------------------------------------------------------------------------
# Writing a payload's value back as a field's text
# ---------------------------------------------------------------------------------------


def _text_of(value: Any) -> str:
    if isinstance(value, list) and len(value) == 1:
        return _text_of(value[0])
    return value if isinstance(value, str) else repr(value)


_WRITERS: dict[str, Callable[[Any], str]] = {
    "objects": " ".join,
    "analytes": lambda items: "; ".join(
        f"{a['name']}={a['value']!r}/{a['limit']!r} {a['uom']}" for a in items
    ),
    "readings": lambda items: "; ".join(
        f"{e['sensorMetadata']['time']}={e['sensorReport'][0]['value']!r}" for e in items
    ),
}


# ---------------------------------------------------------------------------------------
# Paths: "a.b[0].c", "list[*].member"
# ---------------------------------------------------------------------------------------

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+|\*)\]")


def _tokens(path: str) -> list[str | int]:
    return [
        name if name else (-1 if index == "*" else int(index))
        for name, index in _TOKEN.findall(path)
    ]


def _put(target: Any, path: str, value: Any) -> None:
    _put_tokens(target, _tokens(path), value)


def _put_tokens(target: Any, tokens: list[str | int], value: Any) -> None:
    head, rest = tokens[0], tokens[1:]
    if head == -1:  # every item of an existing list
        for item in target:
            _put_tokens(item, rest, value)
        return
    if isinstance(head, int):
        while len(target) <= head:
            target.append({})
    if not rest:
        target[head] = value
        return
    if isinstance(head, str) and head not in target:
        target[head] = [] if isinstance(rest[0], int) else {}
    _put_tokens(target[head], rest, value)


def _get(source: Any, path: str) -> Any:
    for token in _tokens(path):
        if token == -1:
            found = {_get(item, path.split("[*].", 1)[1]) for item in source}
            return found.pop() if len(found) == 1 else None
        if isinstance(token, int):
            if not isinstance(source, list) or len(source) <= token:
                return None
        elif not isinstance(source, dict) or token not in source:
            return None
        source = source[token]
    return source


def _field_of(form: Form, error_field: str | None) -> str:
    """The form field a parser error's JSON path falls in ("" if none does)."""
    where = re.sub(r"\[\d+\]", "", (error_field or "").removeprefix("payload").lstrip("."))
    best, name = "", ""
    for spec in form.fields:
        path = re.sub(r"\[(\d+|\*)\]", "", spec.path)
        inside = where == path or where.startswith(path + ".") or path.startswith(where + ".")
        if where and inside and len(path) > len(best):
            best, name = path, spec.name
    return name
