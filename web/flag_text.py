"""A flag's words in the reader's language: the one place where flags become sentences.

The core records a flag as a code and parameters (``ledger.core.flags``); the sentences are
messages of the Babel catalogue (``web/translations/``), with numbers, dates and times
formatted for the active locale. Inside a request that is the reader's language (or the one
``flask_babel.force_locale`` sets); outside any app it is the English of the messages.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol, assert_never

from babel import Locale
from babel.dates import format_date, get_datetime_format
from babel.lists import format_list
from babel.numbers import format_decimal
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from ledger.core.flags import (
    Flag,
    InspectionFailed,
    MissingInspection,
    PreHarvestInterval,
    TemperatureExcursion,
)
from ledger.core.terms import term_name
from web.units import unit


class Names(Protocol):
    """Readable names for the identifiers a flag carries."""

    def party(self, uri: str) -> str: ...

    def thing(self, uri: str) -> str: ...


class PlainNames:
    """Identifiers shown as they are, where nothing better is known."""

    def party(self, uri: str) -> str:
        return uri

    def thing(self, uri: str) -> str:
        return uri


def flag_text(flag: Flag, names: Names | None = None) -> str:
    """The sentence that tells a reader what ``flag`` records."""
    params = flag.params
    named = names if names is not None else PlainNames()
    match params:
        case TemperatureExcursion():
            return _excursion(params)
        case InspectionFailed():
            return _failed_inspection(params)
        case PreHarvestInterval():
            return _pre_harvest_interval(params)
        case MissingInspection():
            return _missing_inspection(params, named)
        case _:
            assert_never(params)


def _excursion(p: TemperatureExcursion) -> str:
    when = _moment(p.worst_at) if p.worst_at is not None else _("an unknown time")
    return ngettext(
        "%(count)s temperature reading was outside the allowed %(low)s to %(high)s °C: "
        "%(worst)s °C at %(when)s.",
        "%(count)s temperature readings were outside the allowed %(low)s to %(high)s °C; "
        "the furthest was %(worst)s °C at %(when)s.",
        p.outside,
        count=_number(p.outside),
        low=_number(p.minimum),
        high=_number(p.maximum),
        worst=_number(p.worst),
        when=when,
    )


def _failed_inspection(p: InspectionFailed) -> str:
    if not p.over:
        return _("The inspection failed.")
    over = [
        _(
            "%(analyte)s at %(value)s (over the limit of %(limit)s)",
            analyte=term_name(a.analyte, _lang()),
            value=_amount(a.value, a.uom),
            limit=_amount(a.limit, a.uom),
        )
        for a in p.over
    ]
    return _("The inspection failed: %(analytes)s.", analytes=format_list(over, locale=_locale()))


def _pre_harvest_interval(p: PreHarvestInterval) -> str:
    return _(
        "Harvested on %(harvested)s, only %(waited)s after spraying %(product)s on "
        "%(sprayed)s; the product's pre-harvest interval is %(interval)s.",
        harvested=_date(p.harvested),
        waited=_days(p.days_after),
        product=term_name(p.product, _lang()),
        sprayed=_date(p.sprayed),
        interval=_days(p.interval_days),
    )


def _missing_inspection(p: MissingInspection, names: Names) -> str:
    example = names.thing(p.example)
    items = (
        example
        if p.items == 1
        else _("%(count)s items (for example %(example)s)", count=_number(p.items), example=example)
    )
    if p.destination is None:
        return _("Shipped with no passing inspection on record for %(items)s.", items=items)
    party = names.party(p.destination)
    if p.to_retailer:
        return _(
            "Shipped to the retailer %(party)s with no passing inspection on record for %(items)s.",
            party=party,
            items=items,
        )
    return _(
        "Shipped to %(party)s with no passing inspection on record for %(items)s.",
        party=party,
        items=items,
    )


def _locale() -> Locale:
    return get_locale() or Locale("en")


def _lang() -> str:
    return "zh" if _locale().language == "zh" else "en"


def _number(value: float) -> str:
    # Every digit the ledger holds: a limit of 0.0005 mg/kg must not read as 0.001.
    return format_decimal(value, locale=_locale(), decimal_quantization=False)


def _amount(value: float, uom: str) -> str:
    return f"{_number(value)} {unit(uom)}"


def _days(count: int) -> str:
    return ngettext("%(num)s day", "%(num)s days", count)


def _date(iso: str) -> str:
    return format_date(date.fromisoformat(iso), "medium", locale=_locale())


def _moment(iso: str) -> str:
    """A time as it was where it happened, with its offset: ``Oct 15, 2024, 18:00 UTC+08:00``."""
    moment = datetime.fromisoformat(iso)
    locale = _locale()
    day = format_date(moment.date(), "medium", locale=locale)
    # The locale's way of joining a date and a time ("{1}, {0}" in English).
    both = str(get_datetime_format("medium", locale)).format(f"{moment:%H:%M}", day)
    offset = moment.strftime("%z")
    return f"{both} UTC{offset[:3]}:{offset[3:]}" if offset else both
