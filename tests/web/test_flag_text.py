"""Flags in words: each code and its parameters worded from the catalogue, in both languages.

The core holds only codes and values (tests/core/test_flags.py); the sentences, the
numbers, dates and times formatted for the reader, are made by ``web.flag_text`` alone.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import force_locale

from ledger import samples as ex
from ledger.core import flags
from ledger.core.event_parser import parse_event
from ledger.core.flags import (
    Flag,
    InspectionFailed,
    MissingInspection,
    OverLimit,
    PreHarvestInterval,
    TemperatureExcursion,
)
from ledger.core.gs1 import party_uri, sscc_uri
from ledger.core.terms import term_name
from tests.core.test_flags import _every_kind_of_flag
from web.flag_text import flag_text

CASE = sscc_uri(ex.CASE_SSCC)
RETAILER = party_uri(ex.RETAILER_GLN)


class Names:
    """Stands in for the scan page's names of parties and things."""

    def party(self, uri: str) -> str:
        return {RETAILER: "五常大米专卖店"}.get(uri, uri)

    def thing(self, uri: str) -> str:
        return {CASE: "箱 069012340000001006"}.get(uri, uri)


def words(app: Flask, flag: Flag, lang: str) -> str:
    with app.test_request_context(), force_locale(lang):
        return flag_text(flag, Names())


def both(app: Flask, flag: Flag) -> tuple[str, str]:
    return words(app, flag, "en"), words(app, flag, "zh")


def test_temperature_excursion(app: Flask) -> None:
    (flag,) = flags.flags(parse_event(ex.transporting()))
    en, zh = both(app, flag)
    # The band, the count, the furthest reading and when, where it happened.
    assert en == (
        "1 temperature reading was outside the allowed 0 to 15 °C: "
        "18.5 °C at Oct 15, 2024, 18:00 UTC+08:00."
    )
    assert zh == (
        "有 1 个温度读数超出允许范围 0～15 °C，"
        "偏离最大的读数为 18.5 °C（2024年10月15日 18:00 UTC+08:00）。"
    )


def test_temperature_excursion_of_many_readings_at_an_unknown_time(app: Flask) -> None:
    flag = Flag(TemperatureExcursion(-1.5, 4, 1200, -3.25, None))
    en, zh = both(app, flag)
    assert en == (
        "1,200 temperature readings were outside the allowed -1.5 to 4 °C; "
        "the furthest was -3.25 °C at an unknown time."
    )
    assert (
        zh == "有 1,200 个温度读数超出允许范围 -1.5～4 °C，偏离最大的读数为 -3.25 °C（时间不明）。"
    )


def test_failed_inspection(app: Flask) -> None:
    assert both(app, Flag(InspectionFailed(()))) == ("The inspection failed.", "检测不合格。")
    over = ex.inspection(analytes=[("cadmium", 0.35, 0.2, "MGKG")])
    (flag,) = flags.flags(parse_event(over))
    assert both(app, flag) == (
        "The inspection failed: cadmium at 0.35 mg/kg (over the limit of 0.2 mg/kg).",
        "检测不合格：镉 0.35 毫克/千克（超过限量 0.2 毫克/千克）。",
    )


def test_failed_inspection_names_every_analyte_over_with_all_its_digits(app: Flask) -> None:
    flag = Flag(
        InspectionFailed(
            (
                OverLimit("tricyclazole", 2.5, 1, "MGM/KGM"),
                OverLimit("lead", 0.0005, 0.0002, "MGKG"),
                OverLimit("x", 3, 2, "ABC"),  # an unit with no symbol keeps its code
            )
        )
    )
    en, zh = both(app, flag)
    assert en == (
        "The inspection failed: tricyclazole at 2.5 mg/kg (over the limit of 1 mg/kg), "
        "lead at 0.0005 mg/kg (over the limit of 0.0002 mg/kg), "
        "and x at 3 ABC (over the limit of 2 ABC)."
    )
    assert zh == (
        "检测不合格：三环唑 2.5 毫克/千克（超过限量 1 毫克/千克）、"
        "铅 0.0005 毫克/千克（超过限量 0.0002 毫克/千克）和x 3 ABC（超过限量 2 ABC）。"
    )


def test_pre_harvest_interval(app: Flask) -> None:
    early = ex.harvest(harvest_date="2024-09-05", time="2024-09-05T18:00:00+08:00")
    (flag,) = flags.history_flags(
        [(0, "c", parse_event(ex.spraying())), (1, "c", parse_event(early))]
    )
    en, zh = both(app, flag)
    # The product is named in each language by the vocabulary of terms (ledger/core/terms.py).
    product = term_name(ex.spraying()["tl:farmInput"]["product"], "zh")
    assert en == (
        "Harvested on Sep 5, 2024, only 16 days after spraying tricyclazole 20% wettable "
        "powder on Aug 20, 2024; "
        "the product's pre-harvest interval is 21 days."
    )
    assert zh == (
        f"2024年9月5日收获，距2024年8月20日喷施“{product}”仅 16 天，未满安全间隔期 21 天。"
    )
    one_day = Flag(PreHarvestInterval("2024-08-21", "2024-08-20", 1, 7, "p"))
    assert "only 1 day after spraying p" in words(app, one_day, "en")


def test_missing_inspection(app: Flask) -> None:
    chain = [(a, p) for a, p in ex.wuchang_chain() if p["bizStep"] != "inspecting"]
    log = [(i, a, parse_event(p)) for i, (a, p) in enumerate(chain)]
    (flag,) = flags.history_flags(log, retailer_glns={ex.RETAILER_GLN})
    assert both(app, flag) == (
        "Shipped to the retailer 五常大米专卖店 with no passing inspection on record for "
        "箱 069012340000001006.",
        "发往零售商五常大米专卖店前，箱 069012340000001006没有检测合格的记录。",
    )
    many = Flag(MissingInspection(3, CASE, RETAILER, to_retailer=False))
    assert both(app, many) == (
        "Shipped to 五常大米专卖店 with no passing inspection on record for 3 items "
        "(for example 箱 069012340000001006).",
        "发往五常大米专卖店前，3 件货物（例如箱 069012340000001006）没有检测合格的记录。",
    )
    nowhere = Flag(MissingInspection(1, "urn:x", None, to_retailer=False))
    assert both(app, nowhere) == (
        "Shipped with no passing inspection on record for urn:x.",
        "发货前，urn:x没有检测合格的记录。",
    )


@pytest.mark.parametrize("flag", _every_kind_of_flag(), ids=lambda f: f.code)
def test_every_flag_has_its_own_chinese_words(app: Flask, flag: Flag) -> None:
    en, zh = both(app, flag)
    assert en and zh and en != zh
    assert any("\u4e00" <= c <= "\u9fff" for c in zh)


def test_outside_an_app_the_words_are_the_english_of_the_catalogue() -> None:
    # What a command-line tool shows: the same messages, untranslated, identifiers as is.
    (flag,) = flags.flags(parse_event(ex.transporting()))
    assert flag_text(flag).startswith("1 temperature reading was outside the allowed 0 to 15 °C")


def test_the_scan_page_shows_the_words_in_the_readers_language(demo_client) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_resolver import UNIT, page

    # The truck's excursion, explained at the top and in the cold chain part: where, who,
    # when, how far, in the reader's language.
    for lang, expected, carrier in (
        ("en", "19.5 °C", "Cold Chain Express Co., Ltd."),  # its registered English name
        ("zh", "19.5 °C", "冷链快运有限公司"),
    ):
        html = page(demo_client, UNIT, lang=lang)
        notes = html[html.index('id="answer"') : html.index('class="journey"')]
        assert expected in notes and carrier in notes
