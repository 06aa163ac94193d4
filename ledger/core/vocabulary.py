"""The event vocabulary as data: every business step, who may post it, and its forms.

One machine-readable description (docs/EVENTS.md section 12) that the ledger validates with
and the producer app and the CSV templates are generated from: `STEPS` gives each business
step its EPCIS event type and action and the roles that may post it (`ledger.core.policy`
and `ledger.core.event_parser` take their tables from here), `RANGES` and `INSPECTION_RESULTS`
the numeric bounds and enumerations the member readers check, and `ledger.core.forms` the
forms a producer fills. `describe()` is the whole description as JSON, served at
``GET /api/v1/vocabulary``). Pure data: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = [
    "AREA_UNITS",
    "INSPECTION_RESULTS",
    "RANGES",
    "ROLE_NAMES",
    "STEPS",
    "Label",
    "NumberRange",
    "Step",
]


@dataclass(frozen=True)
class Label:
    """A name or a help text in the producer's two languages."""

    zh: str
    en: str

    def to_json(self) -> dict[str, str]:
        """``{"zh": ..., "en": ...}``."""
        return {"zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class NumberRange:
    """The bounds the ledger accepts for one number (inclusive unless ``above``)."""

    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    # True: the number must be more than the minimum (0), not equal to it.
    above: bool = False


@dataclass(frozen=True)
class Step:
    """A business step: how it is posted and who may post it (FORMAT.md 3.6)."""

    biz_step: str
    event_type: str
    action: str | None
    roles: frozenset[str]
    name: Label

    def to_json(self) -> dict[str, Any]:
        """The step as the vocabulary document writes it."""
        return {
            "bizStep": self.biz_step,
            "type": self.event_type,
            "action": self.action,
            "roles": sorted(self.roles),
            "name": self.name.to_json(),
        }


ROLE_NAMES: Mapping[str, Label] = MappingProxyType(
    {
        "farm": Label("农场/合作社", "farm or co-operative"),
        "processor": Label("加工厂", "processor"),
        "packer": Label("包装厂", "packer"),
        "carrier": Label("承运商", "carrier"),
        "warehouse": Label("仓库/冷库", "warehouse"),
        "lab": Label("检测机构", "laboratory"),
        "retailer": Label("零售商", "retailer"),
        "regulator": Label("市场监管部门", "regulator"),
        "brand": Label("品牌方", "brand owner"),
    }
)


def _step(biz_step: str, shape: str, roles: str, zh: str, en: str) -> Step:
    """A step from its shape (``"ObjectEvent ADD"``) and its roles (space-separated)."""
    event_type, _, action = shape.partition(" ")
    return Step(biz_step, event_type, action or None, frozenset(roles.split()), Label(zh, en))


_OBSERVE = "ObjectEvent OBSERVE"

# The FORMAT.md 3.6 table, in its order; policy.STEP_ROLES is read from here.
_STEPS = (
    _step("commissioning", "ObjectEvent ADD", "farm processor packer", "收获/建批", "new lot"),
    _step("tl:sowing", _OBSERVE, "farm", "播种/移栽", "sowing or transplanting"),
    _step("tl:fertilising", _OBSERVE, "farm", "施肥", "fertilising"),
    _step("tl:spraying", _OBSERVE, "farm", "施药", "spraying"),
    _step("tl:irrigating", _OBSERVE, "farm", "灌溉", "irrigating"),
    _step("transforming", "TransformationEvent", "farm processor", "加工", "processing"),
    _step("packing", "AggregationEvent ADD", "processor packer", "装箱", "packing"),
    _step("unpacking", "AggregationEvent DELETE", "processor packer", "拆箱", "unpacking"),
    _step("inspecting", _OBSERVE, "lab", "检测", "inspection"),
    _step("sampling", _OBSERVE, "lab", "抽样", "sampling"),
    _step("storing", _OBSERVE, "farm processor packer warehouse retailer", "入库/贮藏", "storage"),
    _step("shipping", _OBSERVE, "farm processor packer warehouse", "发货", "shipping"),
    _step("loading", _OBSERVE, "carrier", "装车", "loading"),
    _step("transporting", _OBSERVE, "carrier", "运输", "transport"),
    _step("unloading", _OBSERVE, "carrier", "卸车", "unloading"),
    _step("receiving", _OBSERVE, "processor packer warehouse retailer", "收货", "receiving"),
    _step(
        "sensor_reporting",
        _OBSERVE,
        "farm processor packer carrier warehouse retailer",
        "温度记录",
        "sensor readings",
    ),
    _step("retail_selling", _OBSERVE, "retailer", "零售", "retail sale"),
)  # fmt: skip

STEPS: Mapping[str, Step] = MappingProxyType({step.biz_step: step for step in _STEPS})

# Bounds of the numbers the member readers check (docs/EVENTS.md section 5).
RANGES: Mapping[str, NumberRange] = MappingProxyType(
    {
        "quantity": NumberRange(minimum=0, above=True),
        # The area a piece of farm work treated (hectares: the largest farms are ~10^5 ha).
        "area": NumberRange(minimum=0, maximum=1e6, above=True),
        "dose": NumberRange(minimum=0, maximum=1e6, above=True),
        "preHarvestIntervalDays": NumberRange(minimum=0, maximum=3650, integer=True),
        "temperatureBand": NumberRange(minimum=-100, maximum=100),
        "analyte": NumberRange(minimum=0),
    }
)

# tl:inspection.result.
INSPECTION_RESULTS: tuple[str, ...] = ("pass", "fail")

# Units of the area farm work treated (quantityList of a farm step, docs/EVENTS.md 4):
# UN/CEFACT Recommendation 20 hectare and square metre.
AREA_UNITS: tuple[str, ...] = ("HAR", "MTK")
