"""The forms a producer fills, one per kind of work, as data (docs/EVENTS.md section 12).

Each `Form` names its business step (`ledger.core.vocabulary.STEPS`) and lists its fields:
where the value goes in the event payload (``path``: members joined by ``.``, list items
``[n]``, every item ``[*]``), what kind of value it is, whether it is required, its default
and its words in Chinese and English. `ledger.core.forms.build_payload` turns a filled form
into a payload; the app and the CSV templates are generated from `FORMS`. Pure data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ledger.core.cbv import DISPOSITIONS
from ledger.core.vocabulary import (
    INSPECTION_RESULTS,
    RANGES,
    ROLE_NAMES,
    STEPS,
    Label,
    NumberRange,
)

__all__ = ["FIELD_KINDS", "FORMS", "Field", "Form", "Option", "describe"]

# What a field's text holds, and what it becomes in the payload.
FIELD_KINDS: Mapping[str, Label] = MappingProxyType(
    {
        "text": Label("文字", "text"),
        "number": Label("数字", "a number"),
        "datetime": Label("日期时间，如 2024-09-25 18:00", "date and time, e.g. 2024-09-25 18:00"),
        "date": Label("日期，如 2024-09-25", "date, e.g. 2024-09-25"),
        "choice": Label("从选项中选一个", "one of the options"),
        "place": Label("地块/地点：编号、GLN或数字链接", "plot or place: code, GLN or link"),
        "party": Label("企业：13位GLN或数字链接", "business: 13-digit GLN or link"),
        "lot": Label("批次的数字链接 (/01/…/10/…)", "a lot's Digital Link (/01/…/10/…)"),
        "product": Label("产品GTIN或数字链接 (/01/…)", "a product's GTIN or Digital Link (/01/…)"),
        "object": Label("一个箱码或单品码", "one case or unit code"),
        "objects": Label("箱码或单品码，多个用空格分隔", "case or unit codes, separated by spaces"),
        "uri": Label("网址或 urn:", "a URI (https:// or urn:)"),
        "sha256": Label("64位十六进制 SHA-256", "SHA-256, 64 hex digits"),
        "analytes": Label(
            "名称=数值/限量 单位；分号分隔", "name=value/limit unit; separated by ;"
        ),
        "readings": Label(
            "读数：时间=温度；多个用分号分隔", "readings: time=temperature; separated by ;"
        ),
    }
)  # fmt: skip


@dataclass(frozen=True)
class Option:
    """One value of an enumeration, with its words."""

    value: str
    label: Label


@dataclass(frozen=True)
class Field:
    """One field of a form: where its value goes in the payload and how it is read."""

    name: str
    path: str
    kind: str
    label: Label
    required: bool = False
    help: Label | None = None
    # "now", "today", "self" (the actor's own place or party), "last_plot", or a literal.
    default: str | None = None
    options: tuple[Option, ...] = ()
    number: NumberRange | None = None
    unit: str | None = None
    max_length: int | None = None
    # What the app's picker offers: "plots", "places", "lots", "units", "parties".
    picker: str | None = None
    # Fixed members written beside the value when it is given (path -> value).
    sets: Mapping[str, str] = field(default_factory=dict)
    # Only used when this other field is given (a unit goes with its quantity).
    goes_with: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The field as the vocabulary document writes it (empty parts left out)."""
        out: dict[str, Any] = {
            "name": self.name,
            "path": self.path,
            "kind": self.kind,
            "required": self.required,
            "label": self.label.to_json(),
        }
        if self.help is not None:
            out["help"] = self.help.to_json()
        if self.default is not None:
            out["default"] = self.default
        if self.options:
            out["options"] = [{"value": o.value, "label": o.label.to_json()} for o in self.options]
        if self.number is not None:
            n = self.number
            out["range"] = {
                "minimum": n.minimum,
                "maximum": n.maximum,
                "integer": n.integer,
                "exclusiveMinimum": n.above,
            }
        for key, value in (
            ("unit", self.unit),
            ("maxLength", self.max_length),
            ("picker", self.picker),
        ):
            if value is not None:
                out[key] = value
        if self.sets:
            out["sets"] = dict(self.sets)
        if self.goes_with is not None:
            out["goesWith"] = self.goes_with
        return out


@dataclass(frozen=True)
class Form:
    """A kind of work a producer records, posted as one business step."""

    name: str
    biz_step: str
    label: Label
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field | None:
        """The field called ``name``, if the form has one."""
        return next((f for f in self.fields if f.name == name), None)

    def to_json(self) -> dict[str, Any]:
        """The form as the vocabulary document writes it, with its step's shape and roles."""
        step = STEPS[self.biz_step].to_json()
        # The step's own "name" is its label; the form's name is the key the app and CSV use.
        step["stepName"] = step.pop("name")
        return {
            "name": self.name,
            "label": self.label.to_json(),
            **step,
            "fields": [f.to_json() for f in self.fields],
        }


def _opt(value: str, zh: str, en: str) -> Option:
    return Option(value, Label(zh, en))


_MASS = (_opt("KGM", "千克", "kilograms"), _opt("TNE", "吨", "tonnes"), _opt("LTR", "升", "litres"))
# ISO 3166-1 alpha-2 codes offered as the country of origin (the ledger accepts any code).
_COUNTRIES = tuple(
    Option(code, Label(zh, en))
    for code, zh, en in (("CN", "中国", "China"), ("JP", "日本", "Japan"),
                         ("KR", "韩国", "Korea"), ("TH", "泰国", "Thailand"),
                         ("VN", "越南", "Viet Nam"))
)  # fmt: skip
_DOSE_UNITS = (
    _opt("KGM/HAR", "千克/公顷", "kg per hectare"),
    _opt("LTR/HAR", "升/公顷", "litres per hectare"),
    _opt("KGM", "千克", "kilograms"),
    _opt("LTR", "升", "litres"),
)
_DISPOSITION_WORDS = {
    "active": ("在用", "active"),
    "conformant": ("合格", "conformant"),
    "non_conformant": ("不合格", "non-conformant"),
    "in_progress": ("处理中", "in progress"),
    "in_transit": ("在途", "in transit"),
    "sellable_not_accessible": ("可售(库存)", "sellable, in store"),
    "sellable_accessible": ("可售(在架)", "sellable, on shelf"),
    "retail_sold": ("已售出", "sold"),
    "damaged": ("损坏", "damaged"),
    "destroyed": ("已销毁", "destroyed"),
}
# Every CBV disposition is offered; the common ones have words, the rest show their code.
_DISPOSITIONS = tuple(
    _opt(d, *_DISPOSITION_WORDS.get(d, (d, d.replace("_", " ")))) for d in sorted(DISPOSITIONS)
)


def _f(name: str, path: str, kind: str, zh: str, en: str, **more: Any) -> Field:
    return Field(name, path, kind, Label(zh, en), **more)


TIME = _f("time", "eventTime", "datetime", "时间", "When", required=True, default="now")


def _disposition(default: str | None = None) -> Field:
    return _f("disposition", "disposition", "choice", "状态", "State afterwards",
              options=_DISPOSITIONS, default=default)  # fmt: skip


def _place(name: str, path: str, zh: str, en: str, **more: Any) -> Field:
    more.setdefault("picker", "places")
    return _f(name, path, "place", zh, en, **more)


PLOT = _place("plot", "bizLocation.id", "地块", "Plot", required=True, default="last_plot",
              picker="plots")  # fmt: skip
READ_POINT = _place("read_point", "readPoint.id", "记录地点", "Where it was recorded")
LOCATION = _place("location", "bizLocation.id", "货物所在地", "Where the goods are now")


def _quantity(
    prefix: str, path: str, zh: str, en: str, required: bool = False
) -> tuple[Field, ...]:
    lot_en, quantity_en = f"{en} lot".strip().capitalize(), f"{en} quantity".strip().capitalize()
    return (
        _f(f"{prefix}lot", f"{path}[0].epcClass", "lot", f"{zh}批次", lot_en,
           required=required, picker="lots"),
        _f(f"{prefix}quantity", f"{path}[0].quantity", "number", f"{zh}数量", quantity_en,
           required=required, number=RANGES["quantity"]),
        _f(f"{prefix}uom", f"{path}[0].uom", "choice", "单位", "Unit", options=_MASS, default="KGM",
           help=Label("留空表示按件计数", "leave empty to count items"),
           goes_with=f"{prefix}quantity"),
    )  # fmt: skip


def _objects(path: str = "epcList", required: bool = False, zh: str = "箱码/单品码",
             en: str = "Cases or units") -> Field:  # fmt: skip
    return _f("objects", path, "objects", zh, en, required=required, picker="units")


def _farm_input(required: bool) -> tuple[Field, ...]:
    return (
        _f("product", "tl:farmInput.product", "text", "投入品名称", "Product", required=required,
           max_length=200),
        _f("dose", "tl:farmInput.dose.value", "number", "用量", "Dose", required=required,
           number=RANGES["dose"]),
        _f("dose_unit", "tl:farmInput.dose.uom", "choice", "用量单位", "Dose unit",
           options=_DOSE_UNITS, default="KGM/HAR", goes_with="dose"),
    )  # fmt: skip


# What farm work was applied to: the crop on the plot, by the product class of what will be
# harvested, and the area treated (docs/EVENTS.md 4).
_CROP = (
    _f(
        "crop",
        "quantityList[0].epcClass",
        "product",
        "作物（收获产品的GTIN）",
        "Crop (GTIN of what will be harvested)",
        required=True,
        help=Label(
            "如稻谷的GTIN；收获时才建立批次", "e.g. the paddy's GTIN; the lot is made at harvest"
        ),
    ),
    _f(
        "area",
        "quantityList[0].quantity",
        "number",
        "作业面积（公顷）",
        "Area worked (hectares)",
        required=True,
        unit="HAR",
        number=RANGES["area"],
        sets={"quantityList[0].uom": "HAR"},
    ),
)
METHOD = _f("method", "tl:farmInput.method", "text", "施用方式", "Method", max_length=100)
_READINGS = (
    _f("readings", "sensorElementList", "readings", "温度读数", "Temperature readings", unit="CEL"),
    _f("device", "sensorElementList[*].sensorMetadata.deviceID", "uri", "记录仪编号",
       "Logger ID", goes_with="readings"),
    _f("band_min", "tl:allowedRange.min", "number", "允许最低温度", "Lowest allowed temperature",
       unit="CEL", number=RANGES["temperatureBand"], sets={"tl:allowedRange.uom": "CEL"}),
    _f("band_max", "tl:allowedRange.max", "number", "允许最高温度", "Highest allowed temperature",
       unit="CEL", number=RANGES["temperatureBand"], sets={"tl:allowedRange.uom": "CEL"}),
)  # fmt: skip
_MOVING = (TIME, _objects(), *_quantity("", "quantityList", "", ""), READ_POINT, LOCATION)


def _form(name: str, step: str, zh: str, en: str, *fields: Field) -> Form:
    return Form(name, step, Label(zh, en), tuple(fields))


_TRANSFORMING = (
    TIME, *_quantity("input_", "inputQuantityList", "投入", "Input", required=True),
    *_quantity("output_", "outputQuantityList", "产出", "Output"),
    _objects("outputEPCList", zh="产出单品码", en="Output units"),
    READ_POINT, LOCATION,
    _f("variety", "ilmd.tl:variety", "text", "品种", "Variety", max_length=200),
    _f("country", "ilmd.cbvmda:countryOfOrigin", "choice", "原产国", "Country of origin",
        options=_COUNTRIES,
       max_length=2),
    _disposition("active"),
)  # fmt: skip

_FORMS = (
    _form("sowing", "tl:sowing", "播种/移栽", "Sowing or transplanting",
          TIME, PLOT, *_CROP, READ_POINT, *_farm_input(False)),
    _form("fertilising", "tl:fertilising", "施肥", "Fertilising",
          TIME, PLOT, *_CROP, *_farm_input(True), METHOD),
    _form("spraying", "tl:spraying", "施药", "Spraying", TIME, PLOT, *_CROP, *_farm_input(True),
          _f("active_ingredient", "tl:farmInput.activeIngredient", "text", "有效成分",
             "Active ingredient", required=True, max_length=200),
          _f("phi_days", "tl:farmInput.preHarvestIntervalDays", "number", "安全间隔期(天)",
             "Pre-harvest interval (days)", required=True, unit="d",
             number=RANGES["preHarvestIntervalDays"]),
          METHOD),
    _form("irrigating", "tl:irrigating", "灌溉", "Irrigating", TIME, PLOT, *_CROP),
    _form("harvest", "commissioning", "收获", "Harvest", TIME,
          *_quantity("", "quantityList", "", "", required=True),
          _place("plot", "ilmd.tl:plot", "地块", "Plot", required=True, default="last_plot",
                 picker="plots"),
          _f("harvest_date", "ilmd.tl:harvestDate", "date", "收获日期", "Harvest date",
             required=True, default="today"),
          READ_POINT, LOCATION,
          _f("variety", "ilmd.tl:variety", "text", "品种", "Variety", max_length=200),
          _f("region", "ilmd.tl:originRegion", "text", "产地", "Region of origin",
             max_length=200),
          _f("country", "ilmd.cbvmda:countryOfOrigin", "choice", "原产国", "Country of origin",
        options=_COUNTRIES,
             max_length=2, default="CN"),
          _disposition("active")),
    _form("drying", "transforming", "干燥", "Drying", *_TRANSFORMING),
    _form("milling", "transforming", "碾米/加工", "Milling or processing", *_TRANSFORMING),
    _form("bagging", "transforming", "装袋", "Bagging", *_TRANSFORMING),
    _form("inspecting", "inspecting", "检测", "Inspection", *_MOVING,
          _f("certificate", "certificationInfo", "uri", "检测报告链接", "Report link"),
          _f("result", "tl:inspection.result", "choice", "结论", "Result", required=True,
             options=(_opt(INSPECTION_RESULTS[0], "合格", "pass"),
                      _opt(INSPECTION_RESULTS[1], "不合格", "fail"))),
          _f("analytes", "tl:inspection.analytes", "analytes", "检测项目", "Analytes",
             number=RANGES["analyte"]),
          _f("report_sha256", "tl:inspection.reportSha256", "sha256", "报告 SHA-256",
             "Report SHA-256", required=True),
          _disposition()),
    _form("sampling", "sampling", "抽样", "Sampling", *_MOVING),
    _form("packing", "packing", "装箱", "Packing", TIME,
          _f("case", "parentID", "object", "箱码", "Case", required=True, picker="units"),
          _objects("childEPCs", required=True, zh="装入的单品码", en="Units packed"),
          READ_POINT, _disposition("in_progress")),
    _form("unpacking", "unpacking", "拆箱", "Unpacking", TIME,
          _f("case", "parentID", "object", "箱码", "Case", required=True, picker="units"),
          _objects("childEPCs", zh="取出的单品码", en="Units taken out"), READ_POINT),
    _form("storing", "storing", "入库/贮藏", "Storage", *_MOVING, *_READINGS,
          _disposition("sellable_not_accessible")),
    _form("shipping", "shipping", "发货", "Shipping", *_MOVING,
          _f("from_party", "sourceList[0].source", "party", "发货方", "Shipped by",
             picker="parties", sets={"sourceList[0].type": "owning_party"}),
          _f("to_party", "destinationList[0].destination", "party", "收货方", "Shipped to",
             required=True, picker="parties", sets={"destinationList[0].type": "owning_party"}),
          _place("to_place", "destinationList[1].destination", "收货地点", "Delivery place",
                 sets={"destinationList[1].type": "location"}),
          _f("carrier", "tl:carrier", "party", "承运商", "Carrier", picker="parties"),
          _f("despatch_advice", "bizTransactionList[0].bizTransaction", "uri", "发货单号",
             "Despatch advice", sets={"bizTransactionList[0].type": "desadv"}),
          _disposition("in_transit")),
    _form("receiving", "receiving", "收货", "Receiving", *_MOVING, _disposition("in_progress")),
    _form("loading", "loading", "装车", "Loading", *_MOVING, _disposition("in_transit")),
    _form("transporting", "transporting", "运输", "Transport", *_MOVING, *_READINGS,
          _disposition("in_transit")),
    _form("unloading", "unloading", "卸车", "Unloading", *_MOVING, _disposition("in_transit")),
    _form("sensor_reporting", "sensor_reporting", "温度记录", "Temperature log",
          TIME, _objects(), *_READINGS[1:], READ_POINT, LOCATION,
          _f("readings", "sensorElementList", "readings", "温度读数", "Temperature readings",
             unit="CEL", required=True)),
    _form("retail_selling", "retail_selling", "零售", "Retail sale", *_MOVING,
          _disposition("retail_sold")),
)  # fmt: skip

FORMS: Mapping[str, Form] = MappingProxyType({form.name: form for form in _FORMS})


def describe() -> dict[str, Any]:
    """The whole vocabulary as one JSON document (``GET /api/v1/vocabulary``)."""
    return {
        "version": 1,
        "roles": {role: label.to_json() for role, label in ROLE_NAMES.items()},
        "steps": [step.to_json() for step in STEPS.values()],
        "kinds": {kind: label.to_json() for kind, label in FIELD_KINDS.items()},
        "forms": [form.to_json() for form in FORMS.values()],
    }
