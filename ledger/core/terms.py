"""The words events carry as free text, named in both languages (docs/EVENTS.md 12).

A producer writes a farm input, a method, an active ingredient, a tested substance, a
variety or a region as it comes; a page shows it in the reader's language when the text is
one this vocabulary knows (by its Chinese or English name, or a spelling producers use),
and as written otherwise. Units of measure (UN/ECE Rec. 20 codes) likewise. Pure data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["TERMS", "UNITS", "Term", "term_name", "unit_name"]


@dataclass(frozen=True)
class Term:
    """A term's names, and the other spellings producers write it with."""

    kind: str  # input, method, substance, variety, region
    zh: str
    en: str
    aliases: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


_TERMS = (
    # Farm inputs as the Wuchang farms write them.
    Term("input", "五优稻4号秧苗", "Wuyoudao No. 4 (Daohuaxiang No. 2) seedlings",
         ("五优稻4号 (Daohuaxiang No. 2) seedlings", "五优稻4号(稻花香2号)秧苗")),
    Term("input", "有机肥（腐熟农家肥）", "organic fertiliser (composted manure)",
         ("有机肥 (composted manure)", "有机肥", "composted manure")),
    Term("input", "复合肥（氮磷钾 15-15-15）", "compound fertiliser (NPK 15-15-15)",
         ("复合肥 (NPK 15-15-15)", "复合肥")),
    Term("input", "20% 三环唑可湿性粉剂", "tricyclazole 20% wettable powder",
         ("20% 三环唑 (tricyclazole 20% WP)", "三环唑可湿性粉剂")),
    # Methods of applying them.
    Term("method", "撒施", "broadcast", ("broadcasting",)),
    Term("method", "背负式喷雾器喷施", "knapsack sprayer", ("背负式喷雾器",)),
    Term("method", "无人机喷施", "drone spraying", ("drone", "植保无人机")),
    Term("method", "机插秧", "machine transplanting", ("插秧机", "transplanting")),
    Term("method", "沟施", "furrow application", ("furrow",)),
    Term("method", "叶面喷施", "foliar spray", ("foliar",)),
    Term("method", "滴灌", "drip irrigation", ("drip",)),
    # Active ingredients and the substances labs test for.
    Term("substance", "三环唑", "tricyclazole"),
    Term("substance", "稻瘟灵", "isoprothiolane"),
    Term("substance", "吡虫啉", "imidacloprid"),
    Term("substance", "镉", "cadmium", ("Cd",)),
    Term("substance", "铅", "lead", ("Pb",)),
    Term("substance", "无机砷", "inorganic arsenic", ("As", "iAs")),
    Term("substance", "总汞", "total mercury", ("Hg",)),
    Term("substance", "黄曲霉毒素B1", "aflatoxin B1", ("AFB1",)),
    # Varieties.
    Term("variety", "五优稻4号（稻花香2号）", "Wuyoudao No. 4 (Daohuaxiang No. 2)",
         ("五优稻4号 (Daohuaxiang No. 2)", "五优稻4号", "稻花香2号")),
    # Regions of origin.
    Term("region", "黑龙江省哈尔滨市五常市", "Wuchang, Harbin, Heilongjiang"),
    Term("region", "黑龙江省哈尔滨市", "Harbin, Heilongjiang"),
    Term("region", "黑龙江省", "Heilongjiang Province"),
    Term("region", "上海市", "Shanghai"),
)  # fmt: skip

UNITS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "KGM": ("千克", "kg"),
        "GRM": ("克", "g"),
        "TNE": ("吨", "t"),
        "LTR": ("升", "L"),
        "HAR": ("公顷", "ha"),
        "MTK": ("平方米", "m²"),
        "KGM/HAR": ("千克/公顷", "kg/ha"),
        "LTR/HAR": ("升/公顷", "L/ha"),
        "MGKG": ("毫克/千克", "mg/kg"),
        "MGM/KGM": ("毫克/千克", "mg/kg"),
        "CEL": ("°C", "°C"),
        "H87": ("件", "pieces"),
    }
)


def _key(text: str) -> str:
    """Case, width and spacing do not make another word."""
    folded = text.casefold().replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", " ", folded).strip()


_INDEX = {_key(spelling): term for term in _TERMS for spelling in (term.zh, term.en, *term.aliases)}
TERMS: tuple[Term, ...] = _TERMS


def term_name(text: str, lang: str) -> str:
    """``text`` in ``lang`` when the vocabulary knows it, else as the producer wrote it."""
    term = _INDEX.get(_key(text))
    return text if term is None else term.name(lang)


def unit_name(uom: str | None, lang: str) -> str:
    """A unit code in words of ``lang`` (``HAR`` is 公顷 or ha); an unknown code as written."""
    if uom is None:
        return ""
    names = UNITS.get(uom)
    if names is None:
        return uom
    return names[0] if lang == "zh" else names[1]
