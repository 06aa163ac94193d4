"""The regulator's sortable spreadsheet (issue 9): one row per critical tracking event.

After FDA FSMA 204 (21 CFR Part 1 Subpart S, §§ 1.1325-1.1350, and the electronic sortable
spreadsheet of § 1.1455(c)(3)(ii)); China's regulators ask for the same facts. This module
decides which events are critical tracking events (CTEs, ``cte_of``), which of them a
report holds (``included``), what each row says (``Row``, its key data elements), the
columns and their headers in Chinese and English (``COLUMNS``), and the CSV text
(``csv_text``). The service layer (``ledger.service.report``) finds the events through the
object index and names the actors; docs/REPORT.md is the reference.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Literal

from ledger.core.errors import ValidationError
from ledger.core.events import Event
from ledger.core.vocabulary import Label

__all__ = [
    "COLUMNS",
    "COUNT_UNIT",
    "CTES",
    "CTE_NAMES",
    "LANGUAGES",
    "MAX_RANGE_DAYS",
    "Column",
    "Lang",
    "Party",
    "Query",
    "Report",
    "Row",
    "cells",
    "check_date_range",
    "csv_text",
    "cte_of",
    "escape_formula",
    "headers",
    "included",
    "reference_words",
    "unit_words",
]

Cte = Literal["harvesting", "cooling", "initial_packing", "shipping", "receiving", "transformation"]
CTES: tuple[Cte, ...] = (
    "harvesting",
    "cooling",
    "initial_packing",
    "shipping",
    "receiving",
    "transformation",
)
CTE_NAMES: Mapping[str, Label] = MappingProxyType(
    {
        "harvesting": Label("收获", "Harvesting"),
        "cooling": Label("预冷", "Cooling"),
        "initial_packing": Label("初次包装", "Initial packing"),
        "shipping": Label("发运", "Shipping"),
        "receiving": Label("接收", "Receiving"),
        "transformation": Label("加工转化", "Transformation"),
    }
)
# zh: Chinese headers and words; en: English; both: a bilingual header row and words.
LANGUAGES = ("zh", "en", "both")
Lang = Literal["zh", "en", "both"]
# A regulator's request covers an outbreak's season, not the whole history of a ledger.
MAX_RANGE_DAYS = 731

# UN/ECE Recommendation 20 codes the events use, in words. A quantity without a code is a
# count of items (docs/EVENTS.md 3.2): the report writes it with the code EA ("each").
_UNITS: Mapping[str, Label] = MappingProxyType(
    {
        "KGM": Label("千克", "kg"),
        "GRM": Label("克", "g"),
        "TNE": Label("吨", "t"),
        "LTR": Label("升", "L"),
        "MTQ": Label("立方米", "m³"),
        "EA": Label("件", "each"),
        "H87": Label("件", "piece"),
        "CT": Label("箱", "carton"),
    }
)
COUNT_UNIT = "EA"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def unit_words(uom: str, lang: Lang) -> str:
    """A UN/ECE unit code in words (``KGM`` is kg, 千克); an unknown code as itself."""
    label = _UNITS.get(uom)
    return uom if label is None else _say(label, lang)


def _say(label: Label, lang: Lang) -> str:
    if lang == "both":
        return label.zh if label.zh == label.en else f"{label.zh} / {label.en}"
    return label.zh if lang == "zh" else label.en


# ---------------------------------------------------------------------------------------
# Which events are CTEs
# ---------------------------------------------------------------------------------------


def _temperature_controlled(event: Event) -> bool:
    return event.allowed_range is not None or any(
        reading.type == "Temperature" for reading in event.readings()
    )


def cte_of(event: Event, is_raw: Callable[[str], bool]) -> Cte | None:
    """The FSMA 204 critical tracking event ``event`` is, or None when it is none.

    ``is_raw(object_id)`` says whether an object is (or is a unit of) a raw agricultural
    commodity: a lot a harvest created and that no transformation made.
    """
    step = event.biz_step
    if event.is_harvest:
        return "harvesting"
    if step in ("commissioning", "transforming"):
        return "transformation"  # creating or changing a food (§ 1.1350)
    if step == "shipping":
        return "shipping"
    if step == "receiving":
        return "receiving"
    if step == "storing" and _temperature_controlled(event):
        # Cooling is of a raw commodity before it is first packed (§ 1.1325(b)); a cold
        # store of packed, processed goods is holding, not a CTE.
        return "cooling" if any(is_raw(o) for o in event.objects) else None
    if step == "packing" and event.action == "ADD":
        return "initial_packing" if any(is_raw(o) for o in event.children) else None
    return None  # farm work, inspections, transport legs, sales: not CTEs


def included(index: int, event: Event, corrected: Mapping[int, object]) -> bool:
    """Whether the event at log ``index`` belongs in a report: the one place that decides.

    ``corrected`` maps the index of an event a later statement declared erroneous (FORMAT.md
    3.8) to that statement: such an event is left out (the corrected history is reported;
    the report's second sheet names what was left out, and why).
    """
    del event
    return index not in corrected


# ---------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    """A business as the report describes a location: registered name, GLN and region, and
    the contact the operator keeps for it (FSMA's location description)."""

    gln: str
    name: str | None = None
    region: str | None = None
    phone: str | None = None
    address: str | None = None
    place: str | None = None  # a GLN extension (AI 254) inside it: a plot, a line, a store

    def describe(self, lang: Lang) -> str:
        """``name (GLN …), region, tel. …, address``; the GLN alone for an unknown party."""
        gln = f"GLN {self.gln}" + (f"/254/{self.place}" if self.place else "")
        if self.name is None:
            return gln
        parts = [f"{self.name} ({gln})"]
        if self.region:
            parts.append(self.region)
        if self.phone:
            parts.append(("电话 " if lang == "zh" else "tel. ") + self.phone)
        if self.address:
            parts.append(self.address)
        return ", ".join(parts) if lang == "en" else "，".join(parts)


@dataclass(frozen=True)
class Row:
    """One CTE of one traceability lot, with its key data elements."""

    index: int  # the log entry: a regulator can check each row against the log
    event_id: str
    cte: Cte
    event_time: datetime  # aware, in the offset where it happened
    lot_uri: str  # the traceability lot: https://id.gs1.org/01/{gtin}/10/{lot}
    gtin: str
    lot: str
    product: Label  # the catalogue's name (and the variety, when the lot records one)
    quantity: int | float | None
    uom: str | None  # UN/ECE Recommendation 20 code; COUNT_UNIT for a count of items
    location: Party | None  # where it happened
    tlc_source: Party | None  # who assigned the lot code, and where
    previous_source: Party | None = None  # receiving: who shipped it
    recipient: Party | None = None  # shipping: who it was shipped to
    harvest_field: str | None = None  # harvesting: the plot, as the farm names it
    harvest_date: date | None = None
    inputs: tuple[str, ...] = ()  # transformation: lots and items used
    outputs: tuple[str, ...] = ()  # transformation: lots and items made
    containers: tuple[str, ...] = ()  # cases or pallets (SSCC) the lot moved in
    reference_type: str | None = None  # a business transaction's type, or a certificate
    reference: str | None = None
    signer: str | None = None  # the actor whose key signed the event

    @property
    def sort_key(self) -> tuple[datetime, str, int]:
        """Rows sort by date (the instant it happened), then lot, then log entry."""
        return (self.event_time, self.lot_uri, self.index)


_REFERENCE_TYPES: Mapping[str, Label] = MappingProxyType(
    {
        "bol": Label("提单", "bill of lading"),
        "cert": Label("证书", "certificate"),
        "desadv": Label("发货通知单", "despatch advice"),
        "inv": Label("发票", "invoice"),
        "pedigree": Label("谱系文件", "pedigree"),
        "po": Label("采购订单", "purchase order"),
        "poc": Label("采购订单确认", "purchase order confirmation"),
        "prodorder": Label("生产订单", "production order"),
        "recadv": Label("收货通知单", "receiving advice"),
        "rma": Label("退货授权", "return authorisation"),
        "testprd": Label("检测产品", "test product"),
        "testres": Label("检测结果", "test result"),
        "upevt": Label("上游事件", "upstream event"),
        "certificationInfo": Label("证书或报告", "certificate or report"),
        "": Label("业务单据", "business transaction"),
    }
)


def reference_words(kind: str | None, lang: Lang) -> str:
    """A reference document's type in words (``desadv`` is a despatch advice)."""
    if kind is None:
        return ""
    label = _REFERENCE_TYPES.get(kind)
    return kind if label is None else _say(label, lang)


# ---------------------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------------------

Cell = str | int | float | date | datetime | None


@dataclass(frozen=True)
class Column:
    """One column: its header in both languages, its width in characters (XLSX) and how a
    row fills it."""

    key: str
    header: Label
    width: int
    value: Callable[[Row, Lang], Cell]

    def title(self, lang: Lang) -> str:
        """The header in ``lang``; both languages on one line for ``both``."""
        if lang == "both":
            return f"{self.header.zh} {self.header.en}"
        return self.header.zh if lang == "zh" else self.header.en


def _party(get: Callable[[Row], Party | None]) -> Callable[[Row, Lang], Cell]:
    def value(row: Row, lang: Lang) -> Cell:
        party = get(row)
        return None if party is None else party.describe(lang)

    return value


def _joined(values: Iterable[str]) -> str | None:
    return " ".join(values) or None


COLUMNS: tuple[Column, ...] = (
    Column("date", Label("日期", "Date"), 12, lambda r, _: r.event_time.date()),
    Column(
        "time",
        Label("时间(当地)", "Time (local)"),
        26,
        lambda r, _: r.event_time.isoformat(),
    ),
    Column(
        "cte",
        Label("关键追溯事件", "Critical tracking event"),
        16,
        lambda r, lang: _say(CTE_NAMES[r.cte], lang),
    ),
    Column("lot", Label("追溯批次代码", "Traceability lot code"), 16, lambda r, _: r.lot),
    Column("gtin", Label("商品条码(GTIN)", "GTIN"), 16, lambda r, _: r.gtin),
    Column(
        "lot_uri",
        Label("批次标识(GS1数字链接)", "Lot identifier (GS1 Digital Link)"),
        48,
        lambda r, _: r.lot_uri,
    ),
    Column(
        "product",
        Label("产品描述", "Product description"),
        32,
        lambda r, lang: _say(r.product, lang),
    ),
    Column("quantity", Label("数量", "Quantity"), 10, lambda r, _: r.quantity),
    Column(
        "unit",
        Label("单位", "Unit of measure"),
        10,
        lambda r, lang: None if r.uom is None else unit_words(r.uom, lang),
    ),
    Column("uom", Label("单位代码(UN/ECE)", "Unit code (UN/ECE Rec. 20)"), 10, lambda r, _: r.uom),
    Column("location", Label("事件地点", "Location"), 48, _party(lambda r: r.location)),
    Column(
        "tlc_source",
        Label("追溯批次代码来源", "Traceability lot code source"),
        48,
        _party(lambda r: r.tlc_source),
    ),
    Column(
        "previous_source",
        Label("上一来源", "Immediate previous source"),
        40,
        _party(lambda r: r.previous_source),
    ),
    Column(
        "recipient",
        Label("下一接收方", "Immediate subsequent recipient"),
        40,
        _party(lambda r: r.recipient),
    ),
    Column("field", Label("收获地块", "Field or growing area"), 20, lambda r, _: r.harvest_field),
    Column("harvest_date", Label("收获日期", "Harvest date"), 12, lambda r, _: r.harvest_date),
    Column(
        "inputs",
        Label("投入(批次或单品)", "Inputs (lots or items)"),
        48,
        lambda r, _: _joined(r.inputs),
    ),
    Column(
        "outputs",
        Label("产出(批次或单品)", "Outputs (lots or items)"),
        48,
        lambda r, _: _joined(r.outputs),
    ),
    Column(
        "containers",
        Label("物流单元(SSCC)", "Logistic units (SSCC)"),
        30,
        lambda r, _: _joined(r.containers),
    ),
    Column(
        "reference_type",
        Label("参考文件类型", "Reference document type"),
        20,
        lambda r, lang: reference_words(r.reference_type, lang),
    ),
    Column(
        "reference",
        Label("参考文件编号", "Reference document number"),
        40,
        lambda r, _: r.reference,
    ),
    Column("entry", Label("账本条目序号", "Ledger entry"), 10, lambda r, _: r.index),
    Column("event_id", Label("事件标识", "Event ID"), 46, lambda r, _: r.event_id),
    Column("signer", Label("签名者", "Signed by"), 18, lambda r, _: r.signer),
)


def headers(lang: Lang) -> list[str]:
    """The header row in ``lang``."""
    return [column.title(lang) for column in COLUMNS]


def cells(row: Row, lang: Lang) -> list[Cell]:
    """One row's cells, in column order (dates as dates, numbers as numbers)."""
    return [column.value(row, lang) for column in COLUMNS]


# ---------------------------------------------------------------------------------------
# The query and the report
# ---------------------------------------------------------------------------------------


def check_date_range(start: date | None, end: date | None, *, required: bool) -> None:
    """``[start, end)`` must run forwards and span at most ``MAX_RANGE_DAYS`` days;
    ``bad_date_range`` (naming the rule) otherwise."""
    if start is None or end is None:
        if required:
            raise ValidationError.of("bad_date_range", why="a product needs both from and to")
        return
    if end <= start:
        raise ValidationError.of(
            "bad_date_range", why=f"to ({end}) must come after from ({start}); to is exclusive"
        )
    if end - start > timedelta(days=MAX_RANGE_DAYS):
        raise ValidationError.of(
            "bad_date_range",
            why=f"from {start} to {end} is {(end - start).days} days, more than {MAX_RANGE_DAYS}",
        )


@dataclass(frozen=True)
class Query:
    """What a report is of: one traceability lot (``lot``), or every lot of one product
    (``gtin``); and the local dates ``[start, end)`` its events fall on, if limited."""

    lot: str | None = None  # canonical lot URI
    gtin: str | None = None
    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        if (self.lot is None) == (self.gtin is None):
            raise ValidationError.of(
                "bad_parameter", name="the report", words="of one lot or of one product"
            )
        check_date_range(self.start, self.end, required=self.gtin is not None)

    def covers(self, day: date) -> bool:
        """Whether an event on local date ``day`` is inside the range."""
        return (self.start is None or day >= self.start) and (self.end is None or day < self.end)

    def describe(self, lang: Lang) -> str:
        """The query in words, for the report's own sheet."""
        zh = lang == "zh"
        subject = (
            (f"批次 {self.lot}" if zh else f"lot {self.lot}")
            if self.lot is not None
            else (f"产品 GTIN {self.gtin} 的所有批次" if zh else f"every lot of GTIN {self.gtin}")
        )
        if self.start is None and self.end is None:
            return subject
        start = "…" if self.start is None else self.start.isoformat()
        end = "…" if self.end is None else self.end.isoformat()
        return (
            f"{subject}，{start} 至 {end}(不含)"
            if zh
            else f"{subject}, {start} to {end} (exclusive)"
        )


@dataclass(frozen=True)
class Report:
    """The rows of a query as of one tree: its size and root hash (the checkpoint the
    report was made against) and when it was made."""

    query: Query
    tree_size: int
    root_hex: str
    generated: str  # a ledger time (UTC)
    rows: tuple[Row, ...]
    checkpoint_signed: bool = True
    lots: tuple[str, ...] = field(default=())
    # Events left out because they were declared erroneous: (event entry, correction entry).
    corrections: tuple[tuple[int, int], ...] = field(default=())

    def about(self, lang: Lang) -> list[tuple[str, str]]:
        """What the report is, as (label, value) pairs for its second sheet or a header."""
        zh = lang == "zh"

        def pair(zh_label: str, en_label: str, value: str) -> tuple[str, str]:
            label = {"zh": zh_label, "en": en_label}.get(lang, f"{zh_label} {en_label}")
            return label, value

        query = self.query.describe("zh" if zh else "en")
        return [
            pair("查询", "Query", query),
            pair("行数", "Rows", str(len(self.rows))),
            pair("账本树大小", "Tree size", str(self.tree_size)),
            pair("树根哈希(SHA-256)", "Root hash (SHA-256)", self.root_hex),
            pair(
                "检查点",
                "Checkpoint",
                ("已签名" if zh else "signed by the operator")
                if self.checkpoint_signed
                else ("未签名(日志当前大小)" if zh else "none signed: the log's current size"),
            ),
            pair("生成时间(UTC)", "Generated (UTC)", self.generated),
            pair(
                "时区",
                "Time zone",
                "每个事件的日期和时间均为事件发生地的当地时间，带 UTC 偏移；日期范围按当地日期计"
                if zh
                else "each event's date and time are local where it happened, with its UTC "
                "offset; the date range is of those local dates",
            ),
            pair(
                "更正",
                "Corrections",
                (
                    "、".join(f"#{e}（由 #{c} 声明有误，未列入）" for e, c in self.corrections)
                    if zh
                    else "; ".join(
                        f"#{e} (declared erroneous by #{c}, left out)" for e, c in self.corrections
                    )
                )
                or ("无" if zh else "none"),
            ),
            pair(
                "核对",
                "Checking",
                "每行的账本条目序号可用 /api/v1/log/entries 与包含证明核对"
                if zh
                else "each row's ledger entry can be checked with /api/v1/log/entries and "
                "its inclusion proof in the tree above",
            ),
        ]


# ---------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------


def escape_formula(text: str) -> str:
    """A text cell a spreadsheet cannot run: one starting with = + - @, a tab or a carriage
    return gets a leading apostrophe (OWASP's advice against CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # pragma: no cover - no column holds one
        return str(value).lower()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return escape_formula(value)


def csv_text(report: Report, lang: Lang) -> str:
    """The report as CSV (RFC 4180: CRLF line ends, fields quoted where needed), with a
    byte-order mark so that spreadsheet programs read the Chinese as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_formula(h) for h in headers(lang)])
    for row in report.rows:
        writer.writerow([_csv_cell(value) for value in cells(row, lang)])
    return "\ufeff" + out.getvalue()
