"""The event model: documented examples, every rejection path, properties."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import samples as ex
from ledger.core import events, flags
from ledger.core.errors import ValidationError
from ledger.core.event_parser import parse_event
from ledger.core.gs1 import gtin_uri, location_uri, party_uri, sscc_uri
from ledger.core.timefmt import parse_event_time
from tests.support.profiles import examples

EVENTS_MD = Path(__file__).resolve().parents[2] / "docs" / "EVENTS.md"
MISSING = object()  # marker: delete the member instead of setting it


def _doc_examples() -> list[dict[str, Any]]:
    text = EVENTS_MD.read_text(encoding="utf-8")
    section = text.split("## 9. Examples", 1)[1].split("\n## 10.", 1)[0]
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)\n```", section, re.DOTALL)]


def changed(payload: dict[str, Any], path: str, value: object) -> dict[str, Any]:
    """A deep copy of ``payload`` with the member at dotted ``path`` set (or deleted)."""
    out = copy.deepcopy(payload)
    target: Any = out
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    for part in parts[:-1]:
        target = target[int(part[1:-1])] if part.startswith("[") else target[part]
    last = parts[-1]
    key: Any = int(last[1:-1]) if last.startswith("[") else last
    if value is MISSING:
        del target[key]
    else:
        target[key] = value
    return out


def rejects(payload: object, code: str, field: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        parse_event(payload)
    error = info.value
    assert (error.code, error.field) == (code, field), error.message
    assert error.message and "\n" not in error.message
    return error


# --- the documented examples ---------------------------------------------------------------


def test_docs_examples_are_the_builders_output() -> None:
    chain = [payload for _actor, payload in ex.wuchang_chain()]
    assert _doc_examples() == chain


@pytest.mark.parametrize("payload", _doc_examples(), ids=lambda p: p["bizStep"])
def test_docs_examples_parse(payload: dict[str, Any]) -> None:
    event = parse_event(payload)
    assert event.event_id == payload["eventID"]
    assert event.biz_step == payload["bizStep"]
    assert event.event_time.tzinfo is not None
    # Parsing is the same whatever path the JSON took.
    assert parse_event(json.loads(json.dumps(payload))) == event


def test_every_step_kind_in_the_brief_has_an_example() -> None:
    steps = [p["bizStep"] for p in _doc_examples()]
    for step in (
        "tl:sowing",
        "tl:fertilising",
        "tl:spraying",
        "commissioning",
        "transforming",
        "inspecting",
        "packing",
        "storing",
        "shipping",
        "transporting",
        "receiving",
    ):
        assert step in steps  # fmt: skip


def test_harvest_model() -> None:
    event = parse_event(ex.harvest())
    lot = gtin_uri(ex.PADDY_GTIN, lot=ex.PADDY_LOT)
    plot = location_uri(ex.FARM_GLN, ex.PLOT)
    assert event.event_type == "ObjectEvent" and event.action == "ADD"
    assert event.event_time == datetime(2024, 9, 25, 10, 0, tzinfo=UTC)
    assert event.event_time.utcoffset() == timedelta(hours=8)
    assert event.quantity_list == (events.Quantity(lot, 12000, "KGM"),)
    assert event.object_ids() == (lot,)
    assert event.ilmd == events.LotMasterData(
        variety="五优稻4号 (Daohuaxiang No. 2)",
        plot=plot,
        harvest_date=date(2024, 9, 25),
        origin_region="黑龙江省哈尔滨市五常市",
        country_of_origin="CN",
    )
    assert event.is_harvest and event.plot == plot
    assert event.local_date == date(2024, 9, 25)
    assert event.read_point == plot and event.biz_location == location_uri(ex.FARM_GLN)


def test_a_unit_is_one_object_with_or_without_its_lot() -> None:
    with_lot = parse_event(ex.retail_selling(epc=ex.bag_ids()[0]))
    without_lot = parse_event(ex.retail_selling(epc=ex.bag_keys()[0]))
    assert with_lot.object_ids() == without_lot.object_ids() == (ex.bag_keys()[0],)


def test_local_date_uses_the_event_offset() -> None:
    event = parse_event(ex.sowing(time="2024-04-27T23:30:00Z"))  # 07:30 next day in +08:00
    assert event.local_date == date(2024, 4, 28)


def test_transformation_and_aggregation_models() -> None:
    bag = parse_event(ex.bagging())
    assert bag.inputs == (gtin_uri(ex.RICE_GTIN, lot=ex.RICE_LOT),)
    assert bag.outputs == tuple(ex.bag_keys())
    assert bag.action is None
    pack = parse_event(ex.packing())
    assert pack.parent_id == sscc_uri(ex.CASE_SSCC)
    assert pack.children == tuple(ex.bag_keys())
    assert pack.object_ids() == (sscc_uri(ex.CASE_SSCC), *ex.bag_keys())
    assert dict(pack.unit_lots) == {
        key: gtin_uri(ex.BAG_GTIN, lot=ex.RICE_LOT) for key in ex.bag_keys()
    }


def test_object_count_counts_every_list() -> None:
    for _, payload in ex.wuchang_chain():
        event = parse_event(payload)
        lists = event.objects + event.children + event.inputs + event.outputs
        assert event.object_count() == len(lists)
    assert parse_event(ex.bagging()).object_count() > 1


def test_shipping_model() -> None:
    event = parse_event(ex.wuchang_chain()[11][1])
    party = event.destination_party
    assert party == events.PartyRef("owning_party", party_uri(ex.RETAILER_GLN), ex.RETAILER_GLN)
    assert event.carrier == party_uri(ex.CARRIER_GLN)
    assert event.carrier_gln == ex.CARRIER_GLN
    assert event.biz_transactions[0].type == "desadv"
    assert event.source_list[0].gln == ex.MILL_GLN


def test_sensor_model() -> None:
    event = parse_event(ex.transporting())
    readings = event.readings()
    assert [r.value for r in readings] == [12.5, 18.5, 13.0]
    assert readings[1].time == datetime(2024, 10, 15, 10, 0, tzinfo=UTC)
    assert readings[0].device_id == "urn:epc:id:giai:6901234.TRK3821"
    assert event.allowed_range == events.AllowedRange(0.0, 15.0, "CEL")


def test_inspection_and_farm_input_models() -> None:
    insp = parse_event(ex.inspection()).inspection
    assert insp is not None and insp.result == "pass" and not insp.failed
    assert insp.analytes[1] == events.Analyte("cadmium", 0.05, 0.2, "MGKG")
    assert parse_event(ex.inspection()).certification_info == (
        "https://lab.example/reports/2024-WC-0815",
    )
    farm_input = parse_event(ex.spraying()).farm_input
    assert farm_input == events.FarmInput(
        product="20% 三环唑 (tricyclazole 20% WP)",
        dose=events.Dose(1.2, "LTR/HAR"),
        active_ingredient="tricyclazole",
        pre_harvest_interval_days=21,
        method="knapsack sprayer",
    )


def test_optional_members_accepted() -> None:
    payload = dict(ex.storing())
    payload["certificationInfo"] = ["https://cert.example/a", "urn:example:b"]
    payload["sourceList"] = [{"type": "location", "source": location_uri(ex.FARM_GLN)}]
    payload["sensorElementList"] = [
        {
            "sensorMetadata": {
                "startTime": "2024-10-13T00:00:00Z",
                "endTime": "2024-10-13T12:00:00Z",
            },
            "sensorReport": [
                {"type": "Temperature", "minValue": 2, "maxValue": 9, "meanValue": 5, "uom": "CEL"},
                {
                    "type": "RelativeHumidity",
                    "value": 60,
                    "uom": "P1",
                    "time": "2024-10-13T06:00:00Z",
                },
                {"type": "AbsoluteHumidity", "value": 7.1, "uom": "A93"},
            ],
        }
    ]
    event = parse_event(payload)
    assert event.sensor_elements[0].start_time is not None
    assert event.readings()[0].values() == (2, 9, 5)
    sowing = parse_event(changed(ex.sowing(), "tl:farmInput", MISSING))
    assert sowing.farm_input is None
    assert sowing.object_ids() == (gtin_uri(ex.PADDY_GTIN),)  # the crop, class-level
    assert parse_event(ex.bagging() | {"transformationID": "urn:uuid:1"}).transformation_id


def test_time_forms() -> None:
    for text in ("2024-10-05T08:30:00Z", "2024-10-05T08:30:00.123456789+08:00",
                 "2024-10-05T08:30:00.5-03:30", "2024-02-29T00:00:00Z"):  # fmt: skip
        assert parse_event(ex.sowing(time=text)).event_time.tzinfo is not None
    parsed = parse_event_time("2024-10-05T08:30:00.1234567+08:00", "t")
    assert parsed.microsecond == 123456


# --- rejections: one per rule, code and field ------------------------------------------------

SOWING = ex.sowing()
HARVEST = ex.harvest()
SPRAYING = ex.spraying()
STORING = ex.storing()
SHIPPING = ex.wuchang_chain()[11][1]
INSPECTION = ex.inspection()
MILLING = ex.milling()
PACKING = ex.packing()
TRANSPORTING = ex.transporting()
UNIT = ex.bag_ids()[0]

CASES: list[tuple[str, dict[str, Any], str, object, str, str]] = [
    # (id, base payload, path to change, new value, code, field)
    ("type missing", SOWING, "type", MISSING, "missing_field", "payload.type"),
    ("type unknown", SOWING, "type", "FooEvent", "bad_value", "payload.type"),
    ("type not text", SOWING, "type", 5, "wrong_type", "payload.type"),
    ("unknown member", SOWING, "colour", "red", "unknown_field", "payload.colour"),
    (
        "recordTime",
        SOWING,
        "recordTime",
        "2024-01-01T00:00:00Z",
        "unknown_field",
        "payload.recordTime",
    ),
    ("json-ld context", SOWING, "@context", [], "unknown_field", "payload.@context"),
    ("undocumented tl", SOWING, "tl:colour", "red", "unknown_field", "payload.tl:colour"),
    (
        "member of other type",
        SOWING,
        "parentID",
        sscc_uri(ex.CASE_SSCC),
        "unexpected_field",
        "payload.parentID",
    ),
    ("eventID missing", SOWING, "eventID", MISSING, "missing_field", "payload.eventID"),
    ("eventID not uuid", SOWING, "eventID", "urn:uuid:123", "bad_value", "payload.eventID"),
    (
        "eventID upper",
        SOWING,
        "eventID",
        "urn:uuid:" + "A" * 8 + "-aaaa-aaaa-aaaa-" + "a" * 12,
        "bad_value",
        "payload.eventID",
    ),
    ("eventTime missing", SOWING, "eventTime", MISSING, "missing_field", "payload.eventTime"),
    ("eventTime number", SOWING, "eventTime", 1700000000, "wrong_type", "payload.eventTime"),
    (
        "eventTime space",
        SOWING,
        "eventTime",
        "2024-10-05 08:00:00+08:00",
        "bad_time",
        "payload.eventTime",
    ),
    (
        "eventTime no offset",
        SOWING,
        "eventTime",
        "2024-10-05T08:00:00",
        "bad_time",
        "payload.eventTime",
    ),
    (
        "eventTime feb 30",
        SOWING,
        "eventTime",
        "2024-02-30T08:00:00Z",
        "bad_time",
        "payload.eventTime",
    ),
    (
        "eventTime hour 24",
        SOWING,
        "eventTime",
        "2024-10-05T24:00:00Z",
        "bad_time",
        "payload.eventTime",
    ),
    (
        "eventTime leap second",
        SOWING,
        "eventTime",
        "2016-12-31T23:59:60Z",
        "bad_time",
        "payload.eventTime",
    ),
    (
        "eventTime year",
        SOWING,
        "eventTime",
        "1969-12-31T23:59:59Z",
        "bad_time",
        "payload.eventTime",
    ),
    (
        "eventTime offset",
        SOWING,
        "eventTime",
        "2024-10-05T08:00:00+24:00",
        "bad_time",
        "payload.eventTime",
    ),
    (
        "eventTime lower z",
        SOWING,
        "eventTime",
        "2024-10-05t08:00:00z",
        "bad_time",
        "payload.eventTime",
    ),
    (
        "offset missing",
        SOWING,
        "eventTimeZoneOffset",
        MISSING,
        "missing_field",
        "payload.eventTimeZoneOffset",
    ),
    (
        "offset form",
        SOWING,
        "eventTimeZoneOffset",
        "+8:00",
        "bad_time",
        "payload.eventTimeZoneOffset",
    ),
    (
        "offset range",
        SOWING,
        "eventTimeZoneOffset",
        "+15:00",
        "bad_time",
        "payload.eventTimeZoneOffset",
    ),
    ("bizStep missing", SOWING, "bizStep", MISSING, "missing_field", "payload.bizStep"),
    ("bizStep unknown", SOWING, "bizStep", "harvesting", "bad_value", "payload.bizStep"),
    (
        "bizStep urn",
        STORING,
        "bizStep",
        "urn:epcglobal:cbv:bizstep:storing",
        "bad_value",
        "payload.bizStep",
    ),
    (
        "step as wrong type",
        SHIPPING,
        "type",
        "AggregationEvent",
        "unexpected_field",
        "payload.epcList",
    ),
    ("step wrong action", HARVEST, "action", "OBSERVE", "step_mismatch", "payload.action"),
    ("step wrong type", MILLING, "bizStep", "storing", "step_mismatch", "payload.type"),
    ("action missing", STORING, "action", MISSING, "missing_field", "payload.action"),
    ("action unknown", STORING, "action", "MOVE", "bad_value", "payload.action"),
    ("action on transformation", MILLING, "action", "ADD", "unexpected_field", "payload.action"),
    ("disposition", STORING, "disposition", "sold", "bad_value", "payload.disposition"),
    ("readPoint no id", STORING, "readPoint", {}, "missing_field", "payload.readPoint.id"),
    ("readPoint extra", STORING, "readPoint.name", "x", "unknown_field", "payload.readPoint.name"),
    ("readPoint not object", STORING, "readPoint", "x", "wrong_type", "payload.readPoint"),
    (
        "readPoint party",
        STORING,
        "readPoint.id",
        party_uri(ex.MILL_GLN),
        "bad_identifier",
        "payload.readPoint.id",
    ),
    (
        "readPoint check digit",
        STORING,
        "readPoint.id",
        "https://id.gs1.org/414/6901234000024",
        "bad_check_digit",
        "payload.readPoint.id",
    ),
    ("epcList not list", STORING, "epcList", UNIT, "wrong_type", "payload.epcList"),
    ("epcList empty", STORING, "epcList", [], "empty", "payload.epcList"),
    (
        "epcList lot",
        STORING,
        "epcList",
        [gtin_uri(ex.RICE_GTIN, lot="L1")],
        "bad_identifier",
        "payload.epcList[0]",
    ),
    (
        "epcList check digit",
        STORING,
        "epcList",
        ["https://id.gs1.org/00/069012340000001007"],
        "bad_check_digit",
        "payload.epcList[0]",
    ),
    (
        "epcList not canonical",
        STORING,
        "epcList",
        ["https://id.gs1.org/01/6901234000122/21/1"],
        "bad_identifier",
        "payload.epcList[0]",
    ),
    (
        "epcList urn",
        STORING,
        "epcList",
        ["urn:epc:id:sgtin:6901234.000012.1"],
        "bad_identifier",
        "payload.epcList[0]",
    ),
    ("epcList number", STORING, "epcList", [5], "wrong_type", "payload.epcList[0]"),
    ("epcList duplicate", STORING, "epcList", [UNIT, UNIT], "duplicate", "payload.epcList[1]"),
    (
        "quantity zero",
        HARVEST,
        "quantityList[0].quantity",
        0,
        "bad_value",
        "payload.quantityList[0].quantity",
    ),
    (
        "quantity bool",
        HARVEST,
        "quantityList[0].quantity",
        True,
        "wrong_type",
        "payload.quantityList[0].quantity",
    ),
    (
        "quantity text",
        HARVEST,
        "quantityList[0].quantity",
        "5",
        "wrong_type",
        "payload.quantityList[0].quantity",
    ),
    (
        "quantity nan",
        HARVEST,
        "quantityList[0].quantity",
        float("nan"),
        "bad_value",
        "payload.quantityList[0].quantity",
    ),
    (
        "quantity huge",
        HARVEST,
        "quantityList[0].quantity",
        2**60,
        "bad_value",
        "payload.quantityList[0].quantity",
    ),
    (
        "quantity uom",
        HARVEST,
        "quantityList[0].uom",
        "kg",
        "bad_value",
        "payload.quantityList[0].uom",
    ),
    (
        "quantity missing",
        HARVEST,
        "quantityList[0].quantity",
        MISSING,
        "missing_field",
        "payload.quantityList[0].quantity",
    ),
    (
        "epcClass missing",
        HARVEST,
        "quantityList[0].epcClass",
        MISSING,
        "missing_field",
        "payload.quantityList[0].epcClass",
    ),
    (
        "epcClass unit",
        HARVEST,
        "quantityList[0].epcClass",
        UNIT,
        "bad_identifier",
        "payload.quantityList[0].epcClass",
    ),
    (
        "quantity entry extra",
        HARVEST,
        "quantityList[0].lot",
        "x",
        "unknown_field",
        "payload.quantityList[0].lot",
    ),
    (
        "source type",
        SHIPPING,
        "sourceList[0].type",
        "owner",
        "bad_value",
        "payload.sourceList[0].type",
    ),
    (
        "source party is place",
        SHIPPING,
        "sourceList[0].source",
        location_uri(ex.MILL_GLN),
        "bad_identifier",
        "payload.sourceList[0].source",
    ),
    (
        "destination duplicate type",
        SHIPPING,
        "destinationList[1].type",
        "owning_party",
        "duplicate",
        "payload.destinationList[1].type",
    ),
    (
        "destination location is party",
        SHIPPING,
        "destinationList[1].destination",
        party_uri(ex.RETAILER_GLN),
        "bad_identifier",
        "payload.destinationList[1].destination",
    ),
    (
        "shipping no destination",
        SHIPPING,
        "destinationList",
        MISSING,
        "missing_field",
        "payload.destinationList",
    ),
    (
        "shipping no owner",
        SHIPPING,
        "destinationList",
        [{"type": "location", "destination": location_uri(ex.RETAILER_GLN)}],
        "missing_field",
        "payload.destinationList",
    ),
    (
        "carrier bad",
        SHIPPING,
        "tl:carrier",
        location_uri(ex.CARRIER_GLN),
        "bad_identifier",
        "payload.tl:carrier",
    ),
    (
        "carrier elsewhere",
        STORING,
        "tl:carrier",
        party_uri(ex.CARRIER_GLN),
        "unexpected_field",
        "payload.tl:carrier",
    ),
    (
        "bizTransaction type",
        SHIPPING,
        "bizTransactionList[0].type",
        "invoice",
        "bad_value",
        "payload.bizTransactionList[0].type",
    ),
    (
        "bizTransaction uri",
        SHIPPING,
        "bizTransactionList[0].bizTransaction",
        "DA 1",
        "bad_value",
        "payload.bizTransactionList[0].bizTransaction",
    ),
    (
        "farmInput missing",
        SPRAYING,
        "tl:farmInput",
        MISSING,
        "missing_field",
        "payload.tl:farmInput",
    ),
    (
        "farmInput phi missing",
        SPRAYING,
        "tl:farmInput.preHarvestIntervalDays",
        MISSING,
        "missing_field",
        "payload.tl:farmInput.preHarvestIntervalDays",
    ),
    (
        "farmInput ingredient missing",
        SPRAYING,
        "tl:farmInput.activeIngredient",
        MISSING,
        "missing_field",
        "payload.tl:farmInput.activeIngredient",
    ),
    (
        "farmInput phi negative",
        SPRAYING,
        "tl:farmInput.preHarvestIntervalDays",
        -1,
        "bad_value",
        "payload.tl:farmInput.preHarvestIntervalDays",
    ),
    (
        "farmInput phi fraction",
        SPRAYING,
        "tl:farmInput.preHarvestIntervalDays",
        2.5,
        "wrong_type",
        "payload.tl:farmInput.preHarvestIntervalDays",
    ),
    (
        "farmInput dose zero",
        SPRAYING,
        "tl:farmInput.dose.value",
        0,
        "bad_value",
        "payload.tl:farmInput.dose.value",
    ),
    (
        "farmInput dose uom",
        SPRAYING,
        "tl:farmInput.dose.uom",
        "kg per ha",
        "bad_value",
        "payload.tl:farmInput.dose.uom",
    ),
    (
        "farmInput dose missing",
        SPRAYING,
        "tl:farmInput.dose",
        MISSING,
        "missing_field",
        "payload.tl:farmInput.dose",
    ),
    (
        "farmInput on storing",
        STORING,
        "tl:farmInput",
        SPRAYING["tl:farmInput"],
        "unexpected_field",
        "payload.tl:farmInput",
    ),
    ("farm step no plot", SPRAYING, "bizLocation", MISSING, "missing_field", "payload.bizLocation"),
    (
        "inspection missing",
        INSPECTION,
        "tl:inspection",
        MISSING,
        "missing_field",
        "payload.tl:inspection",
    ),
    (
        "inspection result",
        INSPECTION,
        "tl:inspection.result",
        "ok",
        "bad_value",
        "payload.tl:inspection.result",
    ),
    (
        "inspection sha",
        INSPECTION,
        "tl:inspection.reportSha256",
        "abc",
        "bad_value",
        "payload.tl:inspection.reportSha256",
    ),
    (
        "inspection sha upper",
        INSPECTION,
        "tl:inspection.reportSha256",
        ex.REPORT_SHA256.upper(),
        "bad_value",
        "payload.tl:inspection.reportSha256",
    ),
    (
        "analyte limit missing",
        INSPECTION,
        "tl:inspection.analytes[0].limit",
        MISSING,
        "missing_field",
        "payload.tl:inspection.analytes[0].limit",
    ),
    (
        "analyte negative",
        INSPECTION,
        "tl:inspection.analytes[0].value",
        -1,
        "bad_value",
        "payload.tl:inspection.analytes[0].value",
    ),
    (
        "inspection on storing",
        STORING,
        "tl:inspection",
        INSPECTION["tl:inspection"],
        "unexpected_field",
        "payload.tl:inspection",
    ),
    (
        "certification not uri",
        INSPECTION,
        "certificationInfo",
        "report 7",
        "bad_value",
        "payload.certificationInfo",
    ),
    (
        "certification type",
        INSPECTION,
        "certificationInfo",
        5,
        "wrong_type",
        "payload.certificationInfo",
    ),
    (
        "certification list",
        INSPECTION,
        "certificationInfo",
        ["x y"],
        "bad_value",
        "payload.certificationInfo[0]",
    ),
    (
        "sensor type",
        TRANSPORTING,
        "sensorElementList[0].sensorReport[0].type",
        "Pressure",
        "bad_value",
        "payload.sensorElementList[0].sensorReport[0].type",
    ),
    (
        "sensor uom",
        TRANSPORTING,
        "sensorElementList[0].sensorReport[0].uom",
        "FAH",
        "bad_value",
        "payload.sensorElementList[0].sensorReport[0].uom",
    ),
    (
        "sensor uom missing",
        TRANSPORTING,
        "sensorElementList[0].sensorReport[0].uom",
        MISSING,
        "missing_field",
        "payload.sensorElementList[0].sensorReport[0].uom",
    ),
    (
        "sensor value missing",
        TRANSPORTING,
        "sensorElementList[0].sensorReport[0].value",
        MISSING,
        "missing_field",
        "payload.sensorElementList[0].sensorReport[0].value",
    ),
    (
        "sensor value text",
        TRANSPORTING,
        "sensorElementList[0].sensorReport[0].value",
        "12",
        "wrong_type",
        "payload.sensorElementList[0].sensorReport[0].value",
    ),
    (
        "sensor time",
        TRANSPORTING,
        "sensorElementList[0].sensorMetadata.time",
        "noon",
        "bad_time",
        "payload.sensorElementList[0].sensorMetadata.time",
    ),
    (
        "sensor report empty",
        TRANSPORTING,
        "sensorElementList[0].sensorReport",
        [],
        "empty",
        "payload.sensorElementList[0].sensorReport",
    ),
    (
        "sensor metadata extra",
        TRANSPORTING,
        "sensorElementList[0].sensorMetadata.rawData",
        "x",
        "unknown_field",
        "payload.sensorElementList[0].sensorMetadata.rawData",
    ),
    (
        "sensor min above max",
        TRANSPORTING,
        "sensorElementList[0].sensorReport[0]",
        {"type": "Temperature", "minValue": 9, "maxValue": 2, "uom": "CEL"},
        "bad_value",
        "payload.sensorElementList[0].sensorReport[0].minValue",
    ),
    (
        "range without readings",
        TRANSPORTING,
        "sensorElementList",
        MISSING,
        "missing_field",
        "payload.sensorElementList",
    ),
    (
        "range min above max",
        TRANSPORTING,
        "tl:allowedRange.min",
        20,
        "bad_value",
        "payload.tl:allowedRange.min",
    ),
    (
        "range uom",
        TRANSPORTING,
        "tl:allowedRange.uom",
        "FAH",
        "bad_value",
        "payload.tl:allowedRange.uom",
    ),
    (
        "range implausible",
        TRANSPORTING,
        "tl:allowedRange.max",
        1000,
        "bad_value",
        "payload.tl:allowedRange.max",
    ),
    ("ilmd on storing", STORING, "ilmd", {"tl:variety": "x"}, "unexpected_field", "payload.ilmd"),
    ("ilmd empty", HARVEST, "ilmd", {}, "empty", "payload.ilmd"),
    ("ilmd not object", HARVEST, "ilmd", [], "wrong_type", "payload.ilmd"),
    ("ilmd unknown", HARVEST, "ilmd.tl:colour", "gold", "unknown_field", "payload.ilmd.tl:colour"),
    (
        "harvest without plot",
        HARVEST,
        "ilmd.tl:plot",
        MISSING,
        "missing_field",
        "payload.ilmd.tl:plot",
    ),
    (
        "harvest date form",
        HARVEST,
        "ilmd.tl:harvestDate",
        "2024-13-01",
        "bad_time",
        "payload.ilmd.tl:harvestDate",
    ),
    (
        "harvest date later",
        HARVEST,
        "ilmd.tl:harvestDate",
        "2024-09-26",
        "bad_value",
        "payload.ilmd.tl:harvestDate",
    ),
    (
        "harvest date on transform",
        MILLING,
        "ilmd.tl:harvestDate",
        "2024-09-25",
        "missing_field",
        "payload.ilmd.tl:plot",
    ),
    (
        "harvest on transform",
        MILLING,
        "ilmd",
        {"tl:harvestDate": "2024-09-25", "tl:plot": location_uri(ex.FARM_GLN)},
        "unexpected_field",
        "payload.ilmd.tl:harvestDate",
    ),
    (
        "country",
        HARVEST,
        "ilmd.cbvmda:countryOfOrigin",
        "cn",
        "bad_value",
        "payload.ilmd.cbvmda:countryOfOrigin",
    ),
    (
        "country long",
        HARVEST,
        "ilmd.cbvmda:countryOfOrigin",
        "CHN",
        "too_long",
        "payload.ilmd.cbvmda:countryOfOrigin",
    ),
    (
        "control character",
        HARVEST,
        "ilmd.tl:variety",
        "Daohuaxiang\x00",
        "control_character",
        "payload.ilmd.tl:variety",
    ),
    (
        "c1 control",
        HARVEST,
        "ilmd.tl:originRegion",
        "五常\x85",
        "control_character",
        "payload.ilmd.tl:originRegion",
    ),
    (
        "lone surrogate",
        HARVEST,
        "ilmd.tl:variety",
        "rice\ud800",
        "control_character",
        "payload.ilmd.tl:variety",
    ),
    ("leading space", HARVEST, "ilmd.tl:variety", " rice", "bad_value", "payload.ilmd.tl:variety"),
    ("empty text", HARVEST, "ilmd.tl:variety", "", "empty", "payload.ilmd.tl:variety"),
    ("too long", HARVEST, "ilmd.tl:variety", "稻" * 201, "too_long", "payload.ilmd.tl:variety"),
    (
        "transform no inputs",
        MILLING,
        "inputQuantityList",
        MISSING,
        "missing_field",
        "payload.inputQuantityList",
    ),
    (
        "transform no outputs",
        MILLING,
        "outputQuantityList",
        MISSING,
        "missing_field",
        "payload.outputQuantityList",
    ),
    (
        "transform in is out",
        MILLING,
        "outputQuantityList[0].epcClass",
        gtin_uri(ex.PADDY_GTIN, lot=ex.PADDY_LOT),
        "duplicate",
        "payload.outputQuantityList[0].epcClass",
    ),
    (
        "transform id",
        MILLING,
        "transformationID",
        "not a uri",
        "bad_value",
        "payload.transformationID",
    ),
    ("packing no parent", PACKING, "parentID", MISSING, "missing_field", "payload.parentID"),
    (
        "packing parent lot",
        PACKING,
        "parentID",
        gtin_uri(ex.RICE_GTIN, lot="L"),
        "bad_identifier",
        "payload.parentID",
    ),
    ("packing no children", PACKING, "childEPCs", MISSING, "missing_field", "payload.childEPCs"),
    (
        "packing into itself",
        PACKING,
        "childEPCs",
        [sscc_uri(ex.CASE_SSCC)],
        "bad_value",
        "payload.childEPCs",
    ),
    ("packing wrong action", PACKING, "action", "DELETE", "step_mismatch", "payload.action"),
    ("storing no objects", STORING, "epcList", MISSING, "missing_field", "payload.epcList"),
    # Farm work names the crop it was applied to (docs/EVENTS.md 4).
    (
        "farm work, no crop",
        SPRAYING,
        "quantityList",
        MISSING,
        "farm_work_without_crop",
        "payload.quantityList",
    ),
    (
        "farm work on a lot",
        SPRAYING,
        "quantityList",
        [{"epcClass": gtin_uri(ex.PADDY_GTIN, lot=ex.PADDY_LOT), "quantity": 1, "uom": "HAR"}],
        "bad_identifier",
        "payload.quantityList[0].epcClass",
    ),
    (
        "farm work in kg",
        SOWING,
        "quantityList",
        [{"epcClass": gtin_uri(ex.PADDY_GTIN), "quantity": 60, "uom": "KGM"}],
        "bad_value",
        "payload.quantityList[0].uom",
    ),
    (
        "farm work counted",
        SOWING,
        "quantityList",
        [{"epcClass": gtin_uri(ex.PADDY_GTIN), "quantity": 2}],
        "bad_value",
        "payload.quantityList[0]",
    ),
    (
        "farm work, huge area",
        SOWING,
        "quantityList",
        [{"epcClass": gtin_uri(ex.PADDY_GTIN), "quantity": 2e6, "uom": "HAR"}],
        "bad_value",
        "payload.quantityList[0].quantity",
    ),
    ("farm work on units", SPRAYING, "epcList", [UNIT], "unexpected_field", "payload.epcList"),
    # A sensor report about no objects names where it was read (EPCIS 2.0 ObjectEvent).
    (
        "sensor report, no place read",
        {k: v for k, v in ex.storing().items() if k not in ("epcList", "readPoint")}
        | {"bizStep": "sensor_reporting"},
        "disposition",
        MISSING,
        "missing_field",
        "payload.epcList",
    ),
]


@pytest.mark.parametrize(
    ("base", "path", "value", "code", "field"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_rejections(base: dict[str, Any], path: str, value: object, code: str, field: str) -> None:
    rejects(changed(base, path, value), code, field)


def test_rejects_non_objects() -> None:
    for payload in (None, [], "event", 3, True):
        rejects(payload, "wrong_type", "payload")


def test_rejects_non_text_member_names() -> None:
    payload: dict[Any, Any] = dict(SOWING)
    payload[1] = "x"
    rejects(payload, "wrong_type", "payload")


def test_field_prefix_is_configurable() -> None:
    with pytest.raises(ValidationError) as info:
        parse_event(changed(SOWING, "eventTime", "x"), field="statements[3].payload")
    assert info.value.field == "statements[3].payload.eventTime"


def test_sensor_reporting_rules() -> None:
    base = changed(TRANSPORTING, "bizStep", "sensor_reporting")
    parse_event(base)
    no_readings = {
        k: v for k, v in base.items() if k not in ("sensorElementList", "tl:allowedRange")
    }
    rejects(no_readings, "missing_field", "payload.sensorElementList")
    location_only = changed(base, "epcList", MISSING)
    parse_event(location_only)  # a cold room logger names the place only (readPoint)
    rejects(changed(location_only, "readPoint", MISSING), "missing_field", "payload.epcList")


def test_limits() -> None:
    many = [gtin_uri(ex.BAG_GTIN, serial=str(i)) for i in range(1001)]
    rejects(changed(STORING, "epcList", many), "too_many", "payload.epcList")
    half = [gtin_uri(ex.BAG_GTIN, serial=str(i)) for i in range(600)]
    others = [gtin_uri(ex.BAG_GTIN, serial=f"x{i}") for i in range(600)]
    big = changed(ex.bagging(), "outputEPCList", half)
    big = changed(big, "inputEPCList", others)
    rejects(big, "too_many", "payload")
    readings = [("2024-10-13T08:00:00+08:00", 5.0)] * 101
    rejects(ex.storing(readings=readings), "too_many", "payload.sensorElementList")


def test_messages_are_plain_words() -> None:
    error = rejects(changed(STORING, "epcList", ["https://id.gs1.org/00/069012340000001007"]),
                    "bad_check_digit", "payload.epcList[0]")  # fmt: skip
    assert "the last digit should be 6" in error.message
    error = rejects(changed(STORING, "epcList", ["https://id.gs1.org/01/6901234000122/21/1"]),
                    "bad_identifier", "payload.epcList[0]")  # fmt: skip
    assert "https://id.gs1.org/01/06901234000122/21/1" in error.message
    error = rejects(changed(HARVEST, "action", "OBSERVE"), "step_mismatch", "payload.action")
    assert error.message == "the step commissioning needs action ADD, not OBSERVE"
    error = rejects(changed(SOWING, "recordTime", "x"), "unknown_field", "payload.recordTime")
    assert "records the time itself" in error.message


# --- properties --------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=10,
)


def _paths(value: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out += _paths(child, (*prefix, i))
    return out


@st.composite
def mutated_events(draw: st.DrawFn) -> object:
    payload: Any = copy.deepcopy(draw(st.sampled_from(_doc_examples())))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(payload)
        path = draw(st.sampled_from(paths))
        if not path:
            payload = draw(json_values) if draw(st.booleans()) else payload
            continue
        parent: Any = payload
        for step in path[:-1]:
            parent = parent[step]
        if not isinstance(parent, (dict, list)):
            continue
        action = draw(st.sampled_from(["replace", "delete", "add", "text"]))
        key = path[-1]
        if action == "replace":
            parent[key] = draw(json_values)
        elif action == "delete":
            del parent[key]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from([
                "tl:carrier", "action", "ilmd", "parentID", "epcList", "quantityList",
                "tl:inspection", "tl:farmInput", "tl:allowedRange", "sensorElementList",
                "destinationList", "childEPCs", "inputEPCList", "x",
            ]))] = draw(json_values)  # fmt: skip
        elif action == "text" and isinstance(parent[key], str):
            original = parent[key]
            cut = draw(st.integers(0, len(original)))
            parent[key] = original[:cut] + draw(st.text(max_size=5)) + original[cut:]
    return payload


@settings(max_examples=examples(400), suppress_health_check=[HealthCheck.too_slow])
@given(mutated_events())
def test_mutations_raise_only_validation_errors(payload: object) -> None:
    try:
        event = parse_event(payload)
    except ValidationError as error:
        assert isinstance(error.code, str) and re.fullmatch(r"[a-z_]+", error.code)
        assert error.field is not None and error.field.startswith("payload")
        return
    # Whatever was accepted is fully usable.
    event.object_ids()
    flags.flags(event)
    flags.history_flags([(0, "a", event)])


@given(st.sampled_from(_doc_examples()))
def test_parse_is_deterministic(payload: dict[str, Any]) -> None:
    assert parse_event(copy.deepcopy(payload)) == parse_event(payload)
