"""Builders for the example events of the Wuchang rice chain (docs/EVENTS.md).

Each builder returns a fresh payload dict (plain JSON values) for one event kind. The
defaults are the documented example values; pass other GTINs, lots, serials, GLNs and
times to make demo data or store tests. `wuchang_chain()` returns the whole chain in log
order as (actor_id, payload) pairs, and `actor_payloads()` the matching actor
registrations (FORMAT.md section 3.2).
"""

# size: one job, the example data of one chain: a builder per event kind of docs/EVENTS.md 9
# (each a payload literal, most of the lines), plus the chain's recall and correction. The
# documented examples, the demo, the tests and the published vectors all read it, so the
# values stay in one place.

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from ledger.core.complaint import commitment
from ledger.core.gs1 import gtin_uri, location_uri, party_uri, sscc_uri

Payload = dict[str, Any]

TZ = "+08:00"

# Party GLNs of the example actors (all with valid check digits).
FARM_GLN = "6901234000016"  # 五常市稻花香水稻种植专业合作社: farm co-operative
MILL_GLN = "6901234000023"  # 五常稻香米业: mill and packer
LAB_GLN = "6901234000030"  # 黑龙江省农产品质量检验中心: residue lab
CARRIER_GLN = "6901234000047"  # 冷链快运: cold-chain carrier
WAREHOUSE_GLN = "6901234000054"  # 哈尔滨仓储: warehouse
RETAILER_GLN = "6901234000061"  # 上海鲜超: retailer

PLOT = "plot-07"  # GLN extension (AI 254) of the field inside the farm's GLN
PADDY_GTIN = "06901234000108"  # paddy rice in bulk, counted in kilograms
RICE_GTIN = "06901234000115"  # milled rice in bulk
BAG_GTIN = "06901234000122"  # 5 kg bag of Wuchang rice, serialised
PADDY_LOT = "WC24-P07"
PLOT_HECTARES = 1.6  # the area of plot 07: farm work names its crop and the area treated
RICE_LOT = "WC24-M01"
SERIALS = ("000001", "000002", "000003", "000004")
CASE_SSCC = "069012340000001006"
REPORT_SHA256 = "9f2b5c1e0a7d4c3b8e6f1a2d3c4b5a6978877665544332211aabbccddeeff001"

ACTORS: dict[str, dict[str, Any]] = {
    "wuchang-coop": {
        "name": "五常市稻花香水稻种植专业合作社",
        "roles": ["farm"],
        "region": "黑龙江省哈尔滨市五常市",
        "gln": FARM_GLN,
    },
    "wuchang-mill": {
        "name": "五常稻香米业有限公司",
        "roles": ["processor", "packer"],
        "region": "黑龙江省哈尔滨市五常市",
        "gln": MILL_GLN,
    },
    "hlj-lab": {
        "name": "黑龙江省农产品质量检验中心",
        "roles": ["lab"],
        "region": "黑龙江省哈尔滨市",
        "gln": LAB_GLN,
    },
    "coldchain-express": {
        "name": "冷链快运有限公司",
        "roles": ["carrier"],
        "region": "黑龙江省哈尔滨市",
        "gln": CARRIER_GLN,
    },
    "harbin-warehouse": {
        "name": "哈尔滨粮食仓储有限公司",
        "roles": ["warehouse"],
        "region": "黑龙江省哈尔滨市",
        "gln": WAREHOUSE_GLN,
    },
    "fresh-mart-sh": {
        "name": "上海鲜超连锁",
        "roles": ["retailer"],
        "region": "上海市",
        "gln": RETAILER_GLN,
    },
}


def actor_payloads() -> list[Payload]:
    """The `actor` statement payloads (FORMAT.md 3.2) of the example actors."""
    return [{"actor": actor, **details} for actor, details in ACTORS.items()]


def actor_by_gln(gln: str) -> str | None:
    """Resolve an example party GLN to its actor ID."""
    return next((a for a, d in ACTORS.items() if d["gln"] == gln), None)


def event_id(name: str) -> str:
    """A stable ``urn:uuid:`` for an example, so documents and tests agree."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'traceledger-example:' + name)}"


def _place(gln: str, extension: str | None = None) -> dict[str, str]:
    return {"id": location_uri(gln, extension)}


def _quantity(epc_class: str, quantity: float, uom: str | None = "KGM") -> dict[str, Any]:
    out: dict[str, Any] = {"epcClass": epc_class, "quantity": quantity}
    if uom is not None:
        out["uom"] = uom
    return out


def _crop(gtin: str, hectares: float) -> list[dict[str, Any]]:
    """What farm work was applied to: the crop on the plot, by the product class of what
    will be harvested, and the area treated (docs/EVENTS.md 4)."""
    return [_quantity(gtin_uri(gtin), hectares, "HAR")]


def _readings(
    readings: Sequence[tuple[str, float]], device: str = "urn:epc:id:giai:6901234.T001"
) -> list[dict[str, Any]]:
    """One sensor element per reading time: [(time, celsius), ...]."""
    return [
        {
            "sensorMetadata": {"time": when, "deviceID": device},
            "sensorReport": [{"type": "Temperature", "value": value, "uom": "CEL"}],
        }
        for when, value in readings
    ]


def sowing(
    *,
    farm_gln: str = FARM_GLN,
    plot: str = PLOT,
    crop_gtin: str = PADDY_GTIN,
    hectares: float = PLOT_HECTARES,
    time: str = "2024-04-28T07:30:00+08:00",
    seed: str = "五优稻4号 (Daohuaxiang No. 2) seedlings",
    seed_kg_per_ha: float = 60,
    eid: str | None = None,
) -> Payload:
    """tl:sowing (here: transplanting seedlings) on a plot: no lot exists yet, so the crop is
    named by its product class (the paddy GTIN) with the area sown."""
    return {
        "type": "ObjectEvent",
        "eventID": eid or event_id("sowing"),
        "eventTime": time,
        "eventTimeZoneOffset": TZ,
        "action": "OBSERVE",
        "bizStep": "tl:sowing",
        "quantityList": _crop(crop_gtin, hectares),
        "readPoint": _place(farm_gln, plot),
        "bizLocation": _place(farm_gln, plot),
        "tl:farmInput": {"product": seed, "dose": {"value": seed_kg_per_ha, "uom": "KGM/HAR"}},
    }


def fertilising(
    *,
    farm_gln: str = FARM_GLN,
    plot: str = PLOT,
    crop_gtin: str = PADDY_GTIN,
    hectares: float = PLOT_HECTARES,
    time: str = "2024-06-12T06:00:00+08:00",
    product: str = "有机肥 (composted manure)",
    kg_per_ha: float = 1500,
    eid: str | None = None,
) -> Payload:
    """tl:fertilising with the product and dose."""
    return {
        "type": "ObjectEvent",
        "eventID": eid or event_id("fertilising"),
        "eventTime": time,
        "eventTimeZoneOffset": TZ,
        "action": "OBSERVE",
        "bizStep": "tl:fertilising",
        "quantityList": _crop(crop_gtin, hectares),
        "bizLocation": _place(farm_gln, plot),
        "tl:farmInput": {
            "product": product,
            "dose": {"value": kg_per_ha, "uom": "KGM/HAR"},
            "method": "broadcast",
        },
    }


def spraying(
    *,
    farm_gln: str = FARM_GLN,
    plot: str = PLOT,
    crop_gtin: str = PADDY_GTIN,
    hectares: float = PLOT_HECTARES,
    time: str = "2024-08-20T16:00:00+08:00",
    product: str = "20% 三环唑 (tricyclazole 20% WP)",
    active_ingredient: str = "tricyclazole",
    litres_per_ha: float = 1.2,
    phi_days: int = 21,
    eid: str | None = None,
) -> Payload:
    """tl:spraying of a plant-protection product, with its pre-harvest interval."""
    return {
        "type": "ObjectEvent",
        "eventID": eid or event_id("spraying"),
        "eventTime": time,
        "eventTimeZoneOffset": TZ,
        "action": "OBSERVE",
        "bizStep": "tl:spraying",
        "quantityList": _crop(crop_gtin, hectares),
        "bizLocation": _place(farm_gln, plot),
        "tl:farmInput": {
            "product": product,
            "activeIngredient": active_ingredient,
            "dose": {"value": litres_per_ha, "uom": "LTR/HAR"},
            "preHarvestIntervalDays": phi_days,
            "method": "knapsack sprayer",
        },
    }


def harvest(
    *,
    gtin: str = PADDY_GTIN,
    lot: str = PADDY_LOT,
    kg: float = 12000,
    farm_gln: str = FARM_GLN,
    plot: str = PLOT,
    harvest_date: str = "2024-09-25",
    time: str = "2024-09-25T18:00:00+08:00",
    variety: str = "五优稻4号 (Daohuaxiang No. 2)",
    region: str = "黑龙江省哈尔滨市五常市",
    eid: str | None = None,
) -> Payload:
    """commissioning of a harvested paddy lot, with ILMD (variety, plot, date, region)."""
    return {
        "type": "ObjectEvent",
        "eventID": eid or event_id("harvest"),
        "eventTime": time,
        "eventTimeZoneOffset": TZ,
        "action": "ADD",
        "bizStep": "commissioning",
        "disposition": "active",
        "quantityList": [_quantity(gtin_uri(gtin, lot=lot), kg)],
        "readPoint": _place(farm_gln, plot),
        "bizLocation": _place(farm_gln),
        "ilmd": {
            "tl:variety": variety,
            "tl:plot": location_uri(farm_gln, plot),
            "tl:harvestDate": harvest_date,
            "tl:originRegion": region,
            "cbvmda:countryOfOrigin": "CN",
        },
    }


def shipping(
    *,
    epcs: Sequence[str] = (),
    quantities: Sequence[tuple[str, float, str | None]] = (),
    source_gln: str = FARM_GLN,
    destination_gln: str = MILL_GLN,
    carrier_gln: str | None = None,
    time: str = "2024-09-26T08:00:00+08:00",
    despatch_advice: str | None = None,
    eid: str | None = None,
) -> Payload:
    """shipping of objects to another actor (destinationList owning_party)."""
    payload: Payload = {
        "type": "ObjectEvent",
        "eventID": eid or event_id(f"shipping:{source_gln}:{destination_gln}:{time}"),
        "eventTime": time,
        "eventTimeZoneOffset": TZ,
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
    }
    if epcs:
        payload["epcList"] = list(epcs)
    if quantities:
        payload["quantityList"] = [_quantity(c, q, u) for c, q, u in quantities]
    payload["readPoint"] = _place(source_gln)
    payload["sourceList"] = [{"type": "owning_party", "source": party_uri(source_gln)}]
    payload["destinationList"] = [
        {"type": "owning_party", "destination": party_uri(destination_gln)},
        {"type": "location", "destination": location_uri(destination_gln)},
    ]
    if despatch_advice is not None:
        payload["bizTransactionList"] = [{"type": "desadv", "bizTransaction": despatch_advice}]
    if carrier_gln is not None:
        payload["tl:carrier"] = party_uri(carrier_gln)
    return payload


def receiving(
    *,
    epcs: Sequence[str] = (),
    quantities: Sequence[tuple[str, float, str | None]] = (),
    receiver_gln: str = MILL_GLN,
    time: str = "2024-09-26T14:00:00+08:00",
    eid: str | None = None,
) -> Payload:
    """receiving by the actor a shipment was addressed to."""
    payload: Payload = {
        "type": "ObjectEvent",
        "eventID": eid or event_id(f"receiving:{receiver_gln}:{time}"),
        "eventTime": time,
        "eventTimeZoneOffset": TZ,
        "action": "OBSERVE",
        "bizStep": "receiving",
        "disposition": "in_progress",
    }
    if epcs:
        payload["epcList"] = list(epcs)
    if quantities:
        payload["quantityList"] = [_quantity(c, q, u) for c, q, u in quantities]
    payload["readPoint"] = _place(receiver_gln)
    payload["bizLocation"] = _place(receiver_gln)
    return payload


def milling(
    *,
    paddy_gtin: str = PADDY_GTIN,
    paddy_lot: str = PADDY_LOT,
    paddy_kg: float = 12000,
    rice_gtin: str = RICE_GTIN,
    rice_lot: str = RICE_LOT,
    rice_kg: float = 7800,
    mill_gln: str = MILL_GLN,
    time: str = "2024-10-08T10:00:00+08:00",
    eid: str | None = None,
) -> Payload:
    """transforming: drying and milling a paddy lot into a milled-rice lot."""
    return {
        "type": "TransformationEvent",
        "eventID": eid or event_id("milling"),
        "eventTime": time,
        "eventTimeZoneOffset": TZ,
        "bizStep": "transforming",
        "disposition": "active",
        "inputQuantityList": [_quantity(gtin_uri(paddy_gtin, lot=paddy_lot), paddy_kg)],
        "outputQuantityList": [_quantity(gtin_uri(rice_gtin, lot=rice_lot), rice_kg)],
        "readPoint": _place(mill_gln, "line-1"),
        "bizLocation": _place(mill_gln),
        "ilmd": {"tl:variety": "五优稻4号 (Daohuaxiang No. 2)", "cbvmda:countryOfOrigin": "CN"},
    }


def inspection(
    *,
    epc_classes: Sequence[str] = (gtin_uri(RICE_GTIN, lot=RICE_LOT),),
    lab_gln: str = LAB_GLN,
    result: str = "pass",
    analytes: Sequence[tuple[str, float, float, str]] = (
        ("tricyclazole", 0.2, 2.0, "MGKG"),
        ("cadmium", 0.05, 0.2, "MGKG"),
    ),
    report_sha256: str = REPORT_SHA256,
    time: str = "2024-10-10T15:00:00+08:00",
    certificate: str = "https://lab.example/reports/2024-WC-0815",
    eid: str | None = None,
) -> Payload:
    """inspecting: a residue test with its analytes, verdict and report hash."""
    return {
        "type": "ObjectEvent",
        "eventID": eid or event_id(f"inspection:{time}"),
        "eventTime": time,
        "eventTimeZoneOffset": TZ,
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "disposition": "conformant" if result == "pass" else "non_conformant",
        "quantityList": [_quantity(c, 2, "KGM") for c in epc_classes],
        "readPoint": _place(lab_gln),
        "certificationInfo": certificate,
        "tl:inspection": {
            "result": result,
            "analytes": [
                {"name": n, "value": v, "limit": lim, "uom": u} for n, v, lim, u in analytes
            ],
            "reportSha256": report_sha256,
        },
    }


def bag_ids(
    bag_gtin: str = BAG_GTIN, lot: str = RICE_LOT, serials: Sequence[str] = SERIALS
) -> list[str]:
    """Digital Links of serialised 5 kg bags: /01/{gtin}/10/{lot}/21/{serial}."""
    return [gtin_uri(bag_gtin, lot=lot, serial=s) for s in serials]


def bag_keys(bag_gtin: str = BAG_GTIN, serials: Sequence[str] = SERIALS) -> list[str]:
    """The bags' object identities: GTIN + serial (SGTIN), as the ledger keys units."""
    return [gtin_uri(bag_gtin, serial=s) for s in serials]


def bagging(
    *,
    rice_gtin: str = RICE_GTIN,
    rice_lot: str = RICE_LOT,
    bag_gtin: str = BAG_GTIN,
    serials: Sequence[str] = SERIALS,
    kg_per_bag: float = 5,
    mill_gln: str = MILL_GLN,
    time: str = "2024-10-12T09:00:00+08:00",
    eid: str | None = None,
) -> Payload:
    """transforming: filling milled rice into serialised 5 kg bags (the QR-coded units)."""
    return {
        "type": "TransformationEvent",
        "eventID": eid or event_id("bagging"),
        "eventTime": time,
        "eventTimeZoneOffset": TZ,
        "bizStep": "transforming",
        "disposition": "active",
        "inputQuantityList": [
            _quantity(gtin_uri(rice_gtin, lot=rice_lot), kg_per_bag * len(serials))
        ],
        "outputEPCList": bag_ids(bag_gtin, rice_lot, serials),
        "readPoint": _place(mill_gln, "packing-line"),
        "bizLocation": _place(mill_gln),
    }


def packing(
    *,
    sscc: str = CASE_SSCC,
    children: Sequence[str] | None = None,
    mill_gln: str = MILL_GLN,
    time: str = "2024-10-12T09:30:00+08:00",
    eid: str | None = None,
) -> Payload:
    """packing: aggregating bags into a case identified by an SSCC."""
    return {
        "type": "AggregationEvent",
        "eventID": eid or event_id(f"packing:{sscc}"),
        "eventTime": time,
        "eventTimeZoneOffset": TZ,
        "action": "ADD",
        "bizStep": "packing",
        "disposition": "in_progress",
        "parentID": sscc_uri(sscc),
        "childEPCs": list(children if children is not None else bag_ids()),
        "readPoint": _place(mill_gln, "packing-line"),
    }


def storing(
    *,
    epcs: Sequence[str] = (sscc_uri(CASE_SSCC),),
    gln: str = MILL_GLN,
    room: str = "cold-store-2",
    readings: Sequence[tuple[str, float]] = (
        ("2024-10-13T08:00:00+08:00", 11.5),
        ("2024-10-13T14:00:00+08:00", 12.0),
        ("2024-10-13T20:00:00+08:00", 11.8),
    ),
    allowed: tuple[float, float] = (0, 15),
    time: str = "2024-10-13T20:00:00+08:00",
    eid: str | None = None,
) -> Payload:
    """storing in a cold room, with temperature readings and the allowed band."""
    return {
        "type": "ObjectEvent",
        "eventID": eid or event_id(f"storing:{gln}:{time}"),
        "eventTime": time,
        "eventTimeZoneOffset": TZ,
        "action": "OBSERVE",
        "bizStep": "storing",
        "disposition": "sellable_not_accessible",
        "epcList": list(epcs),
        "readPoint": _place(gln, room),
        "bizLocation": _place(gln, room),
        "sensorElementList": _readings(readings),
        "tl:allowedRange": {"min": allowed[0], "max": allowed[1], "uom": "CEL"},
    }


def transporting(
    *,
    epcs: Sequence[str] = (sscc_uri(CASE_SSCC),),
    carrier_gln: str = CARRIER_GLN,
    truck: str = "truck-hl-a3821",
    readings: Sequence[tuple[str, float]] = (
        ("2024-10-15T12:00:00+08:00", 12.5),
        ("2024-10-15T18:00:00+08:00", 18.5),
        ("2024-10-16T00:00:00+08:00", 13.0),
    ),
    allowed: tuple[float, float] = (0, 15),
    time: str = "2024-10-16T00:00:00+08:00",
    eid: str | None = None,
) -> Payload:
    """transporting by the carrier, with truck temperature readings (one out of band)."""
    return {
        "type": "ObjectEvent",
        "eventID": eid or event_id(f"transporting:{time}"),
        "eventTime": time,
        "eventTimeZoneOffset": TZ,
        "action": "OBSERVE",
        "bizStep": "transporting",
        "disposition": "in_transit",
        "epcList": list(epcs),
        "readPoint": _place(carrier_gln, truck),
        "sensorElementList": _readings(readings, device="urn:epc:id:giai:6901234.TRK3821"),
        "tl:allowedRange": {"min": allowed[0], "max": allowed[1], "uom": "CEL"},
    }


def retail_selling(
    *,
    epc: str | None = None,
    retailer_gln: str = RETAILER_GLN,
    time: str = "2024-10-20T19:12:00+08:00",
    eid: str | None = None,
) -> Payload:
    """retail_selling of one bag at the checkout."""
    return {
        "type": "ObjectEvent",
        "eventID": eid or event_id(f"retail_selling:{time}"),
        "eventTime": time,
        "eventTimeZoneOffset": TZ,
        "action": "OBSERVE",
        "bizStep": "retail_selling",
        "disposition": "retail_sold",
        "epcList": [epc or bag_ids()[0]],
        "bizLocation": _place(retailer_gln, "store-021"),
    }


def wuchang_chain() -> list[tuple[str, Payload]]:
    """The whole example chain, in log order, as (actor_id, payload)."""
    paddy = gtin_uri(PADDY_GTIN, lot=PADDY_LOT)
    case = sscc_uri(CASE_SSCC)
    return [
        ("wuchang-coop", sowing()),
        ("wuchang-coop", fertilising()),
        ("wuchang-coop", spraying()),
        ("wuchang-coop", harvest()),
        ("wuchang-coop", shipping(quantities=[(paddy, 12000, "KGM")])),
        ("wuchang-mill", receiving(quantities=[(paddy, 12000, "KGM")])),
        ("wuchang-mill", milling()),
        ("hlj-lab", inspection()),
        ("wuchang-mill", bagging()),
        ("wuchang-mill", packing()),
        ("wuchang-mill", storing()),
        (
            "wuchang-mill",
            shipping(
                epcs=[case],
                source_gln=MILL_GLN,
                destination_gln=RETAILER_GLN,
                carrier_gln=CARRIER_GLN,
                time="2024-10-15T10:00:00+08:00",
                despatch_advice="urn:epcglobal:cbv:bt:6901234000023:DA-2024-1015",
            ),
        ),
        ("coldchain-express", transporting()),
        (
            "fresh-mart-sh",
            receiving(epcs=[case], receiver_gln=RETAILER_GLN, time="2024-10-16T09:00:00+08:00"),
        ),
        ("fresh-mart-sh", retail_selling()),
    ]


# -- recalls and corrections (FORMAT.md 3.7, 3.8) -----------------------------------------

REGULATOR_GLN = "6901234000085"  # 黑龙江省市场监督管理局: market regulator
BRAND_GLN = "6901234000092"  # 五常市大米协会: owner of the 五常大米 geographic-indication mark

RECALLERS: dict[str, dict[str, Any]] = {
    "hlj-samr": {
        "name": "黑龙江省市场监督管理局",
        "name_en": "Heilongjiang Administration for Market Regulation",
        "roles": ["regulator"],
        "region": "黑龙江省",
        "gln": REGULATOR_GLN,
    },
    "wuchang-rice-assoc": {
        "name": "五常市大米协会",
        "name_en": "Wuchang Rice Association",
        "roles": ["brand"],
        "region": "黑龙江省哈尔滨市五常市",
        "gln": BRAND_GLN,
    },
}


def recall(
    recall_id: str = "HLJ-SAMR-2024-017",
    *,
    status: str = "open",
    level: int = 2,
    objects: Sequence[str] = (gtin_uri(RICE_GTIN, lot=RICE_LOT),),
    products: Sequence[dict[str, str]] = (),
    note: str | None = None,
) -> Payload:
    """A recall payload (FORMAT.md 3.7): by default a level-2 recall of the milled lot."""
    payload: Payload = {
        "recall": recall_id,
        "status": status,
        "level": level,
        "reason": {
            "zh": "抽检发现镉含量超过食品安全国家标准限量（0.2 mg/kg）",
            "en": "A sample test found cadmium above the national food safety limit (0.2 mg/kg)",
        },
        "action": {
            "zh": "请停止食用，凭购物小票到购买门店全额退款。",
            "en": "Stop eating it and return it to the store where you bought it for a full "
            "refund.",
        },
        "objects": list(objects),
    }
    if products:
        payload["products"] = list(products)
    if note is not None:
        payload["note"] = note
    return payload


def correction(
    entry: int,
    *,
    reason: str = "incorrect_data",
    explanation: str = "录入的重量有误：应为 11800 千克 (the weight was typed wrong)",
    corrective: Sequence[str] = (),
) -> Payload:
    """A correction payload (FORMAT.md 3.8) declaring the event at ``entry`` erroneous."""
    payload: Payload = {"entry": entry, "reason": reason, "explanation": explanation}
    if corrective:
        payload["corrective_event_ids"] = list(corrective)
    return payload


# -- complaint outcomes (FORMAT.md 3.9) -------------------------------------------------------

COMPLAINT_SALT = bytes(range(16))  # a sample's salt; the service draws 16 random bytes
COMPLAINT_ID = "K7Q2M9XD3F4A"


def complaint_outcome(
    *,
    actor: str = "wuchang-mill",
    outcome: str = "answered",
    category: str = "quality",
    complaint_id: str = COMPLAINT_ID,
    reply: str = "已联系顾客并补发一袋新米 (we called the shopper and sent a new bag)",
    recall: str | None = None,
) -> Payload:
    """A complaint payload (FORMAT.md 3.9): by default the mill answers a complaint about
    the milled lot."""
    payload: Payload = {
        "commitment": commitment(COMPLAINT_SALT, complaint_id),
        "actor": actor,
        "object": gtin_uri(RICE_GTIN, lot=RICE_LOT),
        "category": category,
        "outcome": outcome,
        "reply": reply,
    }
    if recall is not None:
        payload["recall"] = recall
    return payload
