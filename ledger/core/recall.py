"""Recalls (FORMAT.md 3.7): what a recall statement says, and which objects it reaches.

A recall is opened, updated and closed by ``recall`` statements sharing one recall ID;
each restates the whole recall, so the latest one in force governs. The levels and their
deadlines are those of China's Food Recall Measures (食品召回管理办法, 2015, art. 13-14).
Pure: the payload rules here are re-checked by every verifier, so they are wire contract.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.core.errors import ValidationError
from ledger.core.members import check_members

__all__ = [
    "LEVELS",
    "RECALL_ROLES",
    "STATUSES",
    "Level",
    "ProductRange",
    "RecallNotice",
    "parse_recall",
]

# Who may sign a recall: a regulator (市场监督管理部门), or the brand owner (品牌方,
# e.g. the geographic-indication association) the operator registered as such.
RECALL_ROLES = frozenset({"regulator", "brand"})
STATUSES = ("open", "update", "closed")
REQUIRED = frozenset({"recall", "status", "level", "reason", "action", "objects"})
OPTIONAL = frozenset({"products", "note"})
MAX_OBJECTS = 1000
MAX_PRODUCTS = 100
MAX_TEXT = 1000
LANGUAGES = ("zh", "en")

_RECALL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# The canonical Digital Link forms the object index holds (FORMAT.md 3.7): a lot, a unit
# (GTIN + serial, no lot), a case or pallet (SSCC), a plot (GLN + extension).
_VALUE = "[A-Za-z0-9!\"$%&'()*+,.:;<=>@_-]{1,80}"
OBJECT_PATTERN = re.compile(
    rf"https://id\.gs1\.org/(?:01/([0-9]{{14}})/(?:10|21)/{_VALUE}|00/([0-9]{{18}})"
    rf"|414/([0-9]{{13}})/254/{_VALUE})"
)
_GTIN = re.compile(r"[0-9]{14}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Level:
    """A recall level: its number, its Chinese name and the deadlines it sets."""

    number: int
    name_zh: str
    name_en: str
    start_hours: int  # the recall starts within this many hours of the risk being known
    complete_working_days: int  # and is completed within this many working days


LEVELS: Mapping[int, Level] = {
    1: Level(1, "一级召回", "level 1 recall", 24, 10),
    2: Level(2, "二级召回", "level 2 recall", 48, 20),
    3: Level(3, "三级召回", "level 3 recall", 72, 30),
}


@dataclass(frozen=True)
class ProductRange:
    """Every lot of ``gtin`` produced from ``first`` to ``last`` (both days included)."""

    gtin: str
    first: date
    last: date

    def covers(self, gtin: str, produced: date) -> bool:
        return gtin == self.gtin and self.first <= produced <= self.last


@dataclass(frozen=True)
class RecallNotice:
    """One recall statement's payload, read."""

    recall_id: str
    status: str
    level: Level
    reason: Mapping[str, str]
    action: Mapping[str, str]
    objects: tuple[str, ...]
    products: tuple[ProductRange, ...]
    note: str | None

    @property
    def in_force(self) -> bool:
        return self.status != "closed"

    def names_any(self, object_ids: Iterable[str]) -> bool:
        """Whether the recall names one of ``object_ids`` itself."""
        return not set(self.objects).isdisjoint(object_ids)

    def covers_lot(self, gtin: str, produced: date) -> bool:
        """Whether a lot of ``gtin`` produced on ``produced`` falls in a named product range."""
        return any(p.covers(gtin, produced) for p in self.products)


def _bad(field: str, why: str) -> ValidationError:
    return ValidationError(f"{field} {why}", code="bad_value", field=f"payload.{field}")


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_TEXT or _CONTROL.search(value):
        raise _bad(field, f"must be text of 1 to {MAX_TEXT} characters, without control characters")
    return value


def _words(payload: dict[str, Any], name: str) -> dict[str, str]:
    value = payload[name]
    if not isinstance(value, dict) or not value or not set(value) <= set(LANGUAGES):
        raise _bad(name, 'must give the text in Chinese, English or both: {"zh": ..., "en": ...}')
    return {lang: _text(value[lang], f"{name}.{lang}") for lang in LANGUAGES if lang in value}


def check_digit_ok(digits: str) -> bool:
    """The GS1 mod-10 check digit (the last digit of a GTIN, GLN or SSCC) holds."""
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _objects(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_OBJECTS:
        raise _bad("objects", f"must be a list of at most {MAX_OBJECTS} identifiers")
    for n, item in enumerate(value):
        match = OBJECT_PATTERN.fullmatch(item) if isinstance(item, str) else None
        if match is None:
            raise _bad(
                f"objects[{n}]",
                "must be a lot, unit, case or plot written as a canonical GS1 Digital Link "
                "(https://id.gs1.org/01/{GTIN}/10/{lot}, .../01/{GTIN}/21/{serial}, "
                ".../00/{SSCC} or .../414/{GLN}/254/{plot})",
            )
        key = next(g for g in match.groups() if g is not None)
        if not check_digit_ok(key):
            raise _bad(f"objects[{n}]", f"has a wrong check digit in {key}")
    if len(set(value)) != len(value):
        raise _bad("objects", "names an identifier twice")
    return tuple(value)


def _date(value: object, field: str) -> date:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass  # a well-shaped date that does not exist: refused below, as a bad value
    raise _bad(field, "must be a date written YYYY-MM-DD")


def _products(value: object) -> tuple[ProductRange, ...]:
    if not isinstance(value, list) or len(value) > MAX_PRODUCTS:
        raise _bad("products", f"must be a list of at most {MAX_PRODUCTS} product ranges")
    out = []
    for n, item in enumerate(value):
        where = f"products[{n}]"
        if not isinstance(item, dict) or item.keys() != {"gtin", "from", "to"}:
            raise _bad(where, "must have exactly the members gtin, from and to")
        gtin = item["gtin"]
        if not isinstance(gtin, str) or not _GTIN.fullmatch(gtin) or not check_digit_ok(gtin):
            raise _bad(f"{where}.gtin", "must be a GTIN of 14 digits with its check digit")
        first, last = _date(item["from"], f"{where}.from"), _date(item["to"], f"{where}.to")
        if last < first:
            raise _bad(f"{where}.to", "is before its from date")
        out.append(ProductRange(gtin, first, last))
    if len(set(out)) != len(out):
        raise _bad("products", "names a product range twice")
    return tuple(out)


def parse_recall(payload: dict[str, Any]) -> RecallNotice:
    """Read a recall payload, raising the first rule it breaks (in FORMAT.md 3.7's order)."""
    check_members(payload, REQUIRED, "recall", OPTIONAL)
    recall_id = payload["recall"]
    if not isinstance(recall_id, str) or not _RECALL_ID.fullmatch(recall_id):
        raise _bad(
            "recall",
            "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    status = payload["status"]
    if status not in STATUSES:
        raise _bad("status", "must be open, update or closed")
    level = payload["level"]
    if not isinstance(level, int) or isinstance(level, bool) or level not in LEVELS:
        raise _bad("level", "must be 1, 2 or 3 (一级, 二级 or 三级召回)")
    reason, action = _words(payload, "reason"), _words(payload, "action")
    objects = _objects(payload["objects"])
    products = _products(payload["products"]) if "products" in payload else ()
    note = _text(payload["note"], "note") if "note" in payload else None
    if not objects and not products:
        raise _bad("objects", "is empty and no products are named: say what is recalled")
    return RecallNotice(recall_id, status, LEVELS[level], reason, action, objects, products, note)
