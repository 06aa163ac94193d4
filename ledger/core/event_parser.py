"""`parse_event`: an event payload (parsed JSON) validated into an `Event`, or rejected.

The payload is read through a path-carrying `Node` (`ledger.core.json_reader`), so every
`ValidationError` has a stable ``code``, the JSON path of the offending member in
``field`` and a message a farmer can act on. `parse_event` reads the members every event
has, then hands over to one reader per event type, then checks the rules that look at
several members together. The members themselves are read by `ledger.core.event_members`.
docs/EVENTS.md is the reference for every member and rule. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.core.cbv import DISPOSITIONS
from ledger.core.event_members import (
    LIMITS,
    UNITS,
    read_allowed_range,
    read_biz_transactions,
    read_certification_info,
    read_epc_list,
    read_event_id,
    read_event_time,
    read_farm_input,
    read_identifier,
    read_ilmd,
    read_inspection,
    read_offset,
    read_party_list,
    read_place,
    read_quantity_list,
    read_sensor_elements,
    read_uri,
)
from ledger.core.events import EVENT_TYPES, Event
from ledger.core.gs1 import parse_identifier
from ledger.core.json_reader import Node, Obj, error, safe_key
from ledger.core.policy import BIZ_STEPS, FARM_STEPS
from ledger.core.vocabulary import AREA_UNITS, RANGES, STEPS

__all__ = ["parse_event"]

# Keyword arguments of `Event`, gathered member by member.
Fields = dict[str, Any]

# Which EPCIS event type (and action) each step is posted as (the step vocabulary).
_STEP_SHAPE: dict[str, tuple[str, str | None]] = {
    step: (spec.event_type, spec.action) for step, spec in STEPS.items()
}

_COMMON_MEMBERS = frozenset(
    {
        "type", "eventID", "eventTime", "eventTimeZoneOffset", "bizStep", "disposition",
        "readPoint", "bizLocation", "bizTransactionList", "sourceList", "destinationList",
        "sensorElementList", "certificationInfo",
        "tl:allowedRange", "tl:farmInput", "tl:inspection", "tl:carrier",
    }
)  # fmt: skip
_TYPE_MEMBERS = {
    "ObjectEvent": frozenset({"action", "epcList", "quantityList", "ilmd"}),
    "AggregationEvent": frozenset({"action", "parentID", "childEPCs", "childQuantityList"}),
    "TransformationEvent": frozenset(
        {"transformationID", "inputEPCList", "inputQuantityList", "outputEPCList",
         "outputQuantityList", "ilmd"}
    ),
}  # fmt: skip
_ALL_MEMBERS = _COMMON_MEMBERS.union(*_TYPE_MEMBERS.values())

# Hints for members people often copy from full EPCIS documents.
_MEMBER_HINTS = {
    "recordTime": "the ledger records the time itself",
    "@context": "send plain JSON, not JSON-LD; the ledger adds the context on export",
    "errorDeclaration": "corrections are new events, the log is never edited",
    "persistentDisposition": "use disposition",
}


def parse_event(payload: object, *, field: str = "payload") -> Event:
    """Validate an event payload (parsed JSON) and return it as an `Event`.

    Raises `ValidationError` naming the member by JSON path (prefixed with ``field``).
    """
    obj = Node(payload, field).object()
    event_type = _event_type(obj)
    fields = _header(obj, event_type)
    fields |= _context_members(obj)
    fields |= _step_members(obj, fields["biz_step"])
    fields |= _TYPE_READERS[event_type](obj)
    event = Event(**fields)
    _check_objects(event, obj)
    _check_step_rules(event, obj)
    return event


# ---------------------------------------------------------------------------------------
# What every event has
# ---------------------------------------------------------------------------------------


def _event_type(obj: Obj) -> str:
    """The event's type, once every member is known to belong to it."""
    if "type" not in obj:
        raise obj.missing("type", " (ObjectEvent, ...)")
    event_type = obj["type"].choice(EVENT_TYPES)
    allowed = _COMMON_MEMBERS | _TYPE_MEMBERS[event_type]
    for key in obj:
        if key in allowed:
            continue
        shown = safe_key(key)
        if key in _ALL_MEMBERS:
            raise obj.unexpected(shown, f"it belongs to another event type than {event_type}")
        hint = _MEMBER_HINTS.get(key)
        extra = f" ({hint})" if hint else " (see docs/EVENTS.md for the members allowed)"
        raise error(
            "unknown_field", obj.path_of(shown), f"{obj.path} has an unknown member {shown}{extra}"
        )
    for key in ("eventID", "eventTime", "eventTimeZoneOffset", "bizStep"):
        if key not in obj:
            raise obj.missing(key)
    return event_type


def _header(obj: Obj, event_type: str) -> Fields:
    """eventID, the time, the step, and the action the step asks for."""
    event_id = read_event_id(obj["eventID"])
    event_time = read_event_time(obj["eventTime"])
    offset = read_offset(obj["eventTimeZoneOffset"])
    step = obj["bizStep"].choice(BIZ_STEPS)
    want_type, want_action = _STEP_SHAPE[step]
    if event_type != want_type:
        raise error(
            "step_mismatch",
            obj.path_of("type"),
            f"the step {step} is posted as a {want_type}, not a {event_type}",
        )
    action = None
    if want_action is not None:
        if "action" not in obj:
            raise obj.missing("action", f" ({want_action})")
        action = obj["action"].choice(("ADD", "OBSERVE", "DELETE"))
        if action != want_action:
            raise error(
                "step_mismatch",
                obj.path_of("action"),
                f"the step {step} needs action {want_action}, not {action}",
            )
    return {
        "event_type": event_type,
        "event_id": event_id,
        "event_time": event_time,
        "event_time_zone_offset": offset,
        "biz_step": step,
        "action": action,
    }


# Optional members any event may carry: (member, field of Event, reader).
_CONTEXT_READERS: tuple[tuple[str, str, Callable[[Node], object]], ...] = (
    ("disposition", "disposition", lambda node: node.choice(DISPOSITIONS)),
    ("readPoint", "read_point", read_place),
    ("bizLocation", "biz_location", read_place),
    ("sourceList", "source_list", lambda node: read_party_list(node, "source")),
    ("destinationList", "destination_list", lambda node: read_party_list(node, "destination")),
    ("bizTransactionList", "biz_transactions", read_biz_transactions),
    ("certificationInfo", "certification_info", read_certification_info),
    ("sensorElementList", "sensor_elements", read_sensor_elements),
)


def _context_members(obj: Obj) -> Fields:
    """Where, in what state, for which business, certified how, and what sensors read."""
    fields: Fields = {}
    for member, name, read in _CONTEXT_READERS:
        node = obj.get(member)
        if node is not None:
            fields[name] = read(node)
    if "tl:allowedRange" in obj:
        if "sensorElementList" not in obj:
            raise error(
                "missing_field",
                obj.path_of("sensorElementList"),
                f"{obj.path}.tl:allowedRange is given but there are no readings "
                "(sensorElementList) to check against it",
            )
        fields["allowed_range"] = read_allowed_range(obj["tl:allowedRange"])
    return fields


def _step_members(obj: Obj, step: str) -> Fields:
    """The members that only some steps carry, and must carry: farm input, inspection,
    carrier, lot master data."""
    fields: Fields = {}
    if "tl:farmInput" in obj:
        if step not in ("tl:sowing", "tl:fertilising", "tl:spraying"):
            raise obj.unexpected(
                "tl:farmInput", "only tl:sowing, tl:fertilising and tl:spraying carry it"
            )
        fields["farm_input"] = read_farm_input(obj["tl:farmInput"], step)
    elif step in ("tl:fertilising", "tl:spraying"):
        raise obj.missing("tl:farmInput", ": say which product was applied and how much")
    if "tl:inspection" in obj:
        if step != "inspecting":
            raise obj.unexpected("tl:inspection", "only an inspecting event carries a result")
        fields["inspection"] = read_inspection(obj["tl:inspection"])
    elif step == "inspecting":
        raise obj.missing("tl:inspection", ": an inspection must give its result")
    if "tl:carrier" in obj:
        if step != "shipping":
            raise obj.unexpected("tl:carrier", "only a shipping event names the carrier")
        fields["carrier"] = read_identifier(obj["tl:carrier"], ("party",))
    if "ilmd" in obj:
        if step not in ("commissioning", "transforming"):
            raise obj.unexpected("ilmd", "lot master data is given when a lot is created")
        fields["ilmd"] = read_ilmd(obj["ilmd"])
    return fields


# ---------------------------------------------------------------------------------------
# One reader per event type: the objects it is about
# ---------------------------------------------------------------------------------------


def _object_event(obj: Obj) -> Fields:
    """ObjectEvent: units (epcList) and quantities of lots or products (quantityList)."""
    fields: Fields = {}
    if "epcList" in obj:
        epcs, unit_lots = read_epc_list(obj["epcList"], UNITS)
        fields.update(epc_list=epcs, unit_lots=tuple(unit_lots.items()))
    if "quantityList" in obj:
        fields["quantity_list"] = read_quantity_list(obj["quantityList"])
    return fields


def _aggregation_event(obj: Obj) -> Fields:
    """AggregationEvent: the case (parentID) and what goes in or out of it."""
    if "parentID" not in obj:
        raise obj.missing("parentID", " (the case)")
    parent = read_identifier(obj["parentID"], UNITS)
    fields: Fields = {"parent_id": parent}
    if "childEPCs" in obj:
        children, unit_lots = read_epc_list(obj["childEPCs"], UNITS)
        fields.update(child_epcs=children, unit_lots=tuple(unit_lots.items()))
    if "childQuantityList" in obj:
        fields["child_quantity_list"] = read_quantity_list(obj["childQuantityList"])
    if parent in fields.get("child_epcs", ()):
        raise error("bad_value", obj.path_of("childEPCs"), f"{parent} cannot be packed into itself")
    return fields


def _transformation_event(obj: Obj) -> Fields:
    """TransformationEvent: inputs and outputs, as units and as quantities."""
    fields: Fields = {}
    if "transformationID" in obj:
        fields["transformation_id"] = read_uri(obj["transformationID"])
    unit_lots: dict[str, str] = {}
    for member, name in (
        ("inputEPCList", "input_epc_list"),
        ("inputQuantityList", "input_quantity_list"),
        ("outputEPCList", "output_epc_list"),
        ("outputQuantityList", "output_quantity_list"),
    ):
        if member not in obj:
            continue
        if member.endswith("EPCList"):
            fields[name], lots = read_epc_list(obj[member], UNITS)
            unit_lots.update(lots)
        else:
            fields[name] = read_quantity_list(obj[member])
    fields["unit_lots"] = tuple(unit_lots.items())
    return fields


_TYPE_READERS: dict[str, Callable[[Obj], Fields]] = {
    "ObjectEvent": _object_event,
    "AggregationEvent": _aggregation_event,
    "TransformationEvent": _transformation_event,
}


# ---------------------------------------------------------------------------------------
# Rules that look at several members together
# ---------------------------------------------------------------------------------------


def _check_objects(event: Event, obj: Obj) -> None:
    """How many objects, and that each type and step names the ones it needs."""
    total = event.object_count()
    if total > LIMITS["objects"]:
        raise obj.node.fail(
            "too_many", f"the event names {total} objects; at most {LIMITS['objects']}"
        )
    step = event.biz_step
    if event.event_type == "TransformationEvent":
        _check_transformation(event, obj)
    elif event.event_type == "AggregationEvent":
        if step == "packing" and not event.children:
            raise error(
                "missing_field",
                obj.path_of("childEPCs"),
                "packing needs the items packed (childEPCs)",
            )
    # What is left are ObjectEvents: without a parent, they name objects when total > 0.
    elif step in FARM_STEPS:
        if event.location is None:
            raise obj.missing("bizLocation", ": farm work must name the plot (/414/ GLN)")
        _check_farm_work(event, obj)
    elif step == "sensor_reporting":
        if not event.sensor_elements:
            raise obj.missing("sensorElementList")
        # EPCIS 2.0: an ObjectEvent with no objects is about the place its readings were
        # taken, its readPoint.
        if total == 0 and event.read_point is None:
            raise error(
                "missing_field",
                obj.path_of("epcList"),
                "sensor readings must be about objects (epcList) or name where they were "
                "read (readPoint)",
            )
    elif total == 0:
        raise error(
            "missing_field",
            obj.path_of("epcList"),
            f"the step {step} must name the objects it is about (epcList or quantityList)",
        )


def _check_farm_work(event: Event, obj: Obj) -> None:
    """Farm work names what it was applied to: the crop growing on the plot, by the product
    class of what will be harvested (``/01/{gtin}``), and the area treated.

    An EPCIS 2.0 ObjectEvent must name objects; before the harvest the only object is the
    crop as a class (the harvest creates the lot), so it goes in ``quantityList``.
    """
    if event.epc_list:
        raise obj.unexpected(
            "epcList", "farm work names its crop by product class in quantityList, not by unit"
        )
    if not event.quantity_list:
        raise error(
            "farm_work_without_crop",
            obj.path_of("quantityList"),
            "farm work must name the crop it was applied to: quantityList with the crop's "
            "product class (https://id.gs1.org/01/{GTIN}) and the area treated in HAR "
            "(hectares)",
        )
    for i, q in enumerate(event.quantity_list):
        if parse_identifier(q.epc_class).kind != "product":
            raise error(
                "bad_identifier",
                obj.path_of(f"quantityList[{i}].epcClass"),
                f"{q.epc_class} is a lot; farm work names the crop by its product class "
                "(https://id.gs1.org/01/{GTIN}, no /10/): the lot is created at the harvest",
            )
        area = RANGES["area"]
        if area.maximum is not None and q.quantity > area.maximum:
            raise error(
                "bad_value",
                obj.path_of(f"quantityList[{i}].quantity"),
                f"an area of {q.quantity:g} is more than the {area.maximum:g} any farm works",
            )
        if q.uom not in AREA_UNITS:
            raise error(
                "bad_value",
                obj.path_of(f"quantityList[{i}].uom" if q.uom else f"quantityList[{i}]"),
                "the quantity of a crop worked is the area treated: uom "
                + " or ".join(AREA_UNITS)
                + " (hectares, square metres)",
            )


def _check_transformation(event: Event, obj: Obj) -> None:
    """A transformation has inputs and outputs, and nothing is both."""
    if not event.inputs:
        raise error(
            "missing_field", obj.path_of("inputQuantityList"), "a transformation needs inputs"
        )
    if not event.outputs:
        raise error(
            "missing_field", obj.path_of("outputQuantityList"), "a transformation needs outputs"
        )
    inputs = set(event.inputs)
    for i, oid in enumerate(event.output_epc_list):
        if oid in inputs:
            raise error(
                "duplicate",
                obj.path_of(f"outputEPCList[{i}]"),
                f"{oid} is both an input and an output of the transformation",
            )
    for i, q in enumerate(event.output_quantity_list):
        if q.epc_class in inputs:
            raise error(
                "duplicate",
                obj.path_of(f"outputQuantityList[{i}].epcClass"),
                f"{q.epc_class} is both an input and an output of the transformation",
            )


def _check_step_rules(event: Event, obj: Obj) -> None:
    """A shipment names its receiver; a harvest is a commissioning, not in the future."""
    step = event.biz_step
    if step == "shipping" and event.destination_party is None:
        raise error(
            "missing_field",
            obj.path_of("destinationList"),
            "a shipment must name who it goes to: destinationList with type owning_party "
            "and the receiver's party GLN (/417/)",
        )
    if event.ilmd is not None and event.ilmd.harvest_date is not None:
        if step != "commissioning":
            raise obj.unexpected("ilmd.tl:harvestDate", "a harvest is recorded by commissioning")
        if event.ilmd.harvest_date > event.local_date:
            raise error(
                "bad_value",
                obj.path_of("ilmd.tl:harvestDate"),
                f"the harvest date {event.ilmd.harvest_date} is after the event's own date "
                f"{event.local_date}",
            )
