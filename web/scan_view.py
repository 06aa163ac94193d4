"""What the scan page shows, in the reader's language: a lineage turned into plain lines.

Built inside a request (it uses Flask-Babel's ``gettext`` for the active locale). Every
string here is plain text; the template escapes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ledger.catalogue import Catalogue
from ledger.core.bundle import BundleReport
from ledger.core.events import Event, Quantity
from ledger.core.flags import InspectionFailed, TemperatureExcursion
from ledger.core.gs1 import GS1Identifier, parse_identifier
from ledger.core.products import Product
from ledger.core.recall import Level
from ledger.core.terms import term_name
from ledger.core.timefmt import parse_entry_time
from ledger.service.lineage import Lineage, Step
from ledger.service.recalls import CorrectionNote, Recall
from web import proof_words
from web.chart import Chart, Reading, temperature_chart
from web.cold_chain import Excursion, band_of, duration, excursions
from web.flag_text import flag_text
from web.units import unit

STEP_TITLES = {
    "tl:sowing": _l("Sowing and transplanting"),
    "tl:fertilising": _l("Fertilising"),
    "tl:spraying": _l("Plant protection spraying"),
    "tl:irrigating": _l("Irrigation"),
    "commissioning": _l("Harvest"),
    "transforming": _l("Processing"),
    "packing": _l("Packing"),
    "unpacking": _l("Unpacking"),
    "inspecting": _l("Laboratory inspection"),
    "sampling": _l("Sampling"),
    "storing": _l("Storage"),
    "shipping": _l("Shipping"),
    "loading": _l("Loading"),
    "transporting": _l("Cold-chain transport"),
    "unloading": _l("Unloading"),
    "receiving": _l("Receiving"),
    "sensor_reporting": _l("Sensor report"),
    "retail_selling": _l("Sold in store"),
}


@dataclass(frozen=True)
class Detail:
    label: str
    value: str


@dataclass(frozen=True)
class StepView:
    """One line of the timeline."""

    index: int
    title: str
    when: str
    who: str
    region: str
    where: str
    details: tuple[Detail, ...]
    flags: tuple[str, ...]
    critical: bool
    verified: bool
    failure: str
    # An inspection's lab report: its SHA-256 as the event carries it ("" for none), and
    # whether the document store holds the file.
    report_sha256: str = ""
    report_stored: bool = False
    # Set when the event was declared erroneous (FORMAT.md 3.8): what the correction says.
    correction: str = ""
    actor: str = ""  # the signer's actor ID: ``who`` links to its record (/actors/<actor>)


@dataclass(frozen=True)
class RecallView:
    """A recall reaching the product, worded for shoppers, in both languages where given."""

    recall_id: str
    in_force: bool
    headline: str
    level: str
    deadlines: str
    texts: tuple[tuple[str, str, str], ...]  # (language tag, reason, what to do), page's first
    signed_by: str
    since: str
    entries: tuple[int, ...]
    verified: bool


@dataclass(frozen=True)
class ScanView:
    """The whole page's content, except the scan counter (which changes on every view)."""

    subject: GS1Identifier
    product: str
    lot: str | None
    serial: str | None
    origin: str
    variety: str
    farm: str
    steps: tuple[StepView, ...]
    chart: Chart | None
    verified: bool
    verdict: str
    problems: tuple[str, ...]  # every failure with its check's name, for the details
    tree_size: int
    recalls: tuple[RecallView, ...] = ()
    corrected: int = 0  # how many steps were declared erroneous
    failed_tests: tuple[FlagNote, ...] = ()
    excursions: tuple[ExcursionView, ...] = ()
    warnings: tuple[tuple[str, int | None], ...] = ()  # other flags: (words, step index)
    band: str = ""  # the band the product must stay in, in words ("" when none is known)
    cold_chain_meaning: str = ""


@dataclass(frozen=True)
class FlagNote:
    """A flag in words, and the step it was raised at."""

    text: str
    index: int | None


@dataclass(frozen=True)
class ExcursionView:
    """A cold-chain excursion in words: where, who, when, how long, how far."""

    index: int
    step: str
    actor: str
    sentence: str


def local_time(moment: datetime, offset: str | None = None) -> str:
    """``2026-11-09 22:07 (UTC+08:00)``: the time where it happened."""
    if offset is not None:
        sign = -1 if offset.startswith("-") else 1
        hours, minutes = offset[1:].split(":")
        moment = moment.astimezone(
            timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
        )
    text = moment.strftime("%Y-%m-%d %H:%M")
    name = moment.strftime("%z")
    return f"{text} (UTC{name[:3]}:{name[3:]})" if name else text


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) and abs(value) >= 1000 else f"{value:g}"


def _amount(value: float, uom: str | None) -> str:
    return f"{_number(value)} {unit(uom)}" if uom else _number(value)


def _lang(lang: str) -> str:
    return "zh" if lang.startswith("zh") else "en"


def english_names(lineage: Lineage) -> dict[str, str]:
    """Actor ID -> the English business name its registration carries, where it has one."""
    return {
        e.statement.payload["actor"]: e.statement.payload["name_en"]
        for e in lineage.registrations
        if e.statement.kind == "actor" and "name_en" in e.statement.payload
    }


class _Namer:
    """Names for identifiers: products from the catalogue, places and parties from the log."""

    def __init__(self, lineage: Lineage, catalogue: Catalogue, lang: str) -> None:
        self.lineage = lineage
        self.catalogue = catalogue
        self.lang = _lang(lang)
        self.names_en = english_names(lineage) if self.lang == "en" else {}

    def actor(self, actor_id: str, name: str) -> str:
        """An actor's business name in the reader's language, where it has one."""
        return self.names_en.get(actor_id, name)

    def term(self, text: str) -> str:
        return term_name(text, self.lang)

    def party(self, uri: str | None) -> str:
        if uri is None:
            return ""
        place = parse_identifier(uri)
        actor = self.lineage.by_gln.get(place.key)
        name = self.actor(actor.actor, actor.name) if actor is not None else f"GLN {place.key}"
        return f"{name} · {place.extension}" if place.extension else name

    def thing(self, uri: str) -> str:
        ident = parse_identifier(uri)
        if ident.ai == "00":
            return _("case %(sscc)s", sscc=ident.key)
        name = self.catalogue.display_name(ident.key, self.lang)
        parts = [name]
        if ident.lot:
            parts.append(_("lot %(lot)s", lot=ident.lot))
        if ident.serial:
            parts.append(_("no. %(serial)s", serial=ident.serial))
        return " · ".join(parts)

    def quantity(self, q: Quantity) -> str:
        return f"{self.thing(q.epc_class)}: {_amount(q.quantity, q.uom)}"


def _details(event: Event, namer: _Namer) -> list[Detail]:
    out: list[Detail] = []

    def add(label: object, value: str) -> None:
        out.append(Detail(str(label), value))

    if event.farm_input is not None:
        fi = event.farm_input
        add(_("Product"), namer.term(fi.product))
        if fi.active_ingredient:
            add(_("Active ingredient"), namer.term(fi.active_ingredient))
        add(_("Dose"), _amount(fi.dose.value, fi.dose.uom))
        if fi.pre_harvest_interval_days is not None:
            add(_("Pre-harvest interval"), _("%(days)s days", days=fi.pre_harvest_interval_days))
        if fi.method:
            add(_("Method"), namer.term(fi.method))
    if event.ilmd is not None:
        if event.ilmd.variety:
            add(_("Variety"), namer.term(event.ilmd.variety))
        if event.ilmd.plot:
            add(_("Field"), namer.party(event.ilmd.plot))
        if event.ilmd.harvest_date:
            add(_("Harvest date"), event.ilmd.harvest_date.isoformat())
        if event.ilmd.origin_region:
            add(_("Region of origin"), namer.term(event.ilmd.origin_region))
    for q in event.quantity_list:
        add(_("Quantity"), namer.quantity(q))
    if event.event_type == "TransformationEvent":
        for q in event.input_quantity_list:
            add(_("Input"), namer.quantity(q))
        for q in event.output_quantity_list:
            add(_("Output"), namer.quantity(q))
        if event.output_epc_list:
            add(_("Output"), _("%(count)s serialised units", count=len(event.output_epc_list)))
    if event.event_type == "AggregationEvent" and event.parent_id is not None:
        add(_("Case"), namer.thing(event.parent_id))
        add(_("Contents"), _("%(count)s units", count=len(event.child_epcs)))
    elif event.epc_list:
        add(
            _("Goods"),
            ", ".join(namer.thing(e) for e in event.epc_list[:3])
            + (" …" if len(event.epc_list) > 3 else ""),
        )
    if event.inspection is not None:
        result = _("pass") if event.inspection.result == "pass" else _("FAIL")
        add(_("Result"), result)
        for a in event.inspection.analytes:
            add(
                namer.term(a.name),
                _(
                    "%(value)s (limit %(limit)s)",
                    value=_amount(a.value, a.uom),
                    limit=_amount(a.limit, a.uom),
                ),
            )
    for cert in event.certification_info:
        add(_("Certificate"), cert)
    for party in event.source_list:
        if party.type == "owning_party":
            add(_("From"), namer.party(party.id))
    for party in event.destination_list:
        if party.type == "owning_party":
            add(_("To"), namer.party(party.id))
    if event.carrier is not None:
        add(_("Carrier"), namer.party(event.carrier))
    temps = [v for r in event.readings() if r.type == "Temperature" for v in r.values()]
    if temps:
        add(
            _("Temperature"),
            _("%(low)s to %(high)s °C", low=f"{min(temps):g}", high=f"{max(temps):g}"),
        )
    if event.allowed_range is not None:
        band = event.allowed_range
        add(
            _("Allowed band"),
            _("%(low)s to %(high)s °C", low=f"{band.minimum:g}", high=f"{band.maximum:g}"),
        )
    return out


def _where(place: str, who: str) -> str:
    """The place, without repeating the actor's name when the place is the actor's own."""
    if place == who:
        return ""
    return place.removeprefix(f"{who} · ")


def report_hashes(lineage: Lineage) -> frozenset[str]:
    """The SHA-256 of every lab report the lineage's inspections cite."""
    return frozenset(
        s.event.inspection.report_sha256 for s in lineage.steps if s.event.inspection is not None
    )


def _step_view(
    step: Step,
    report: BundleReport,
    namer: _Namer,
    lang: str,
    stored: frozenset[str],
    correction: CorrectionNote | None = None,
) -> StepView:
    event = step.event
    failure = proof_words.step_failure(report, step.index)
    sha256 = event.inspection.report_sha256 if event.inspection is not None else ""
    return StepView(
        index=step.index,
        title=str(STEP_TITLES.get(event.biz_step, event.biz_step)),
        when=local_time(event.event_time, event.event_time_zone_offset),
        who=namer.actor(step.actor.actor, step.actor.name),
        region=namer.term(step.actor.region),
        where=_where(namer.party(event.location) if event.location else "", step.actor.name),
        details=tuple(_details(event, namer)),
        flags=tuple(flag_text(f, namer) for f in step.flags),
        critical=any(f.severity == "critical" for f in step.flags),
        verified=not failure,  # FORMAT.md 9.2: nothing failed here or for the bundle
        failure=failure,
        report_sha256=sha256,
        report_stored=sha256 in stored,
        correction=_correction_words(correction, lang) if correction is not None else "",
        actor=step.actor.actor,
    )


def _correction_words(note: CorrectionNote, lang: str) -> str:
    who = _("the ledger operator") if note.by is None else note.by
    reason = (
        _("it did not happen")
        if note.correction.reason == "did_not_occur"
        else _("its details were wrong")
    )
    return _(
        "Declared erroneous on %(when)s by %(who)s: %(reason)s. “%(explanation)s” "
        "(ledger entry #%(entry)s)",
        when=local_time(parse_entry_time(note.entry.time, field="time"), "+08:00"),
        who=who,
        reason=reason,
        explanation=note.correction.explanation,
        entry=note.entry.index,
    )


def recall_deadlines(level: Level, lang: str) -> str:
    """What China's Food Recall Measures ask of a recall of ``level``, in one sentence."""
    return _(
        "Under China's food recall rules, %(level)s starts within %(hours)s hours and is "
        "completed within %(days)s working days.",
        level=level.name_zh if lang == "zh" else _("a level %(n)s recall", n=level.number),
        hours=level.start_hours,
        days=level.complete_working_days,
    )


def _recall_view(recall: Recall, report: BundleReport, namer: _Namer) -> RecallView:
    lang = namer.lang
    notice = recall.notice
    level = notice.level
    order = ("zh", "en") if lang == "zh" else ("en", "zh")
    texts = tuple(
        (tag, notice.reason.get(tag, ""), notice.action.get(tag, ""))
        for tag in order
        if tag in notice.reason or tag in notice.action
    )
    if notice.in_force:
        headline = _("Recalled: do not eat this product")
    else:
        headline = _("A recall of this product was closed")
    return RecallView(
        recall_id=notice.recall_id,
        in_force=notice.in_force,
        headline=headline,
        level=level.name_zh if lang == "zh" else _("Level %(n)s recall", n=level.number),
        deadlines=recall_deadlines(level, lang),
        texts=texts,
        signed_by=namer.actor(recall.actor, recall.actor_name),
        since=local_time(parse_entry_time(recall.opened.time, field="time"), "+08:00"),
        entries=tuple(e.index for e in recall.statements),
        verified=report.ok,
    )


def _chart(lineage: Lineage) -> Chart | None:
    readings: list[Reading] = []
    band: tuple[float, float] | None = None
    for step in lineage.steps:
        event = step.event
        if event.allowed_range is not None and band is None:
            band = (event.allowed_range.minimum, event.allowed_range.maximum)
        for r in event.readings():
            if r.type == "Temperature" and r.time is not None:
                readings.extend(Reading(r.time, v, step.index) for v in r.values())
    return temperature_chart(readings, band) if band is not None else None


def scan_view(
    lineage: Lineage,
    report: BundleReport,
    catalogue: Catalogue,
    lang: str,
    stored: frozenset[str] = frozenset(),
) -> ScanView:
    """The scan page's content for ``lineage``, with the server's verdict from ``report``;
    ``stored`` holds the hashes of the lab reports the document store has."""
    namer = _Namer(lineage, catalogue, lang)
    subject = lineage.subject
    harvests = [s for s in lineage.steps if s.event.is_harvest]
    ilmd = harvests[0].event.ilmd if harvests else None
    lot = subject.lot
    if subject.serial is not None:
        # What the log records (the event that made the unit) wins over what a label says.
        key = subject.object_key()
        lot = next(
            (
                parse_identifier(lc).lot
                for s in lineage.steps
                for u, lc in s.event.unit_lots
                if u == key
            ),
            lot,
        )
    product = catalogue.get(subject.key)
    band = band_of(lineage, _catalogue_band(product))
    found = excursions(lineage.steps, band, namer.names_en) if band is not None else []
    titles = {
        s.index: str(STEP_TITLES.get(s.event.biz_step, s.event.biz_step)) for s in lineage.steps
    }
    failed_tests = tuple(
        FlagNote(flag_text(f, namer), f.index)
        for f in lineage.flags
        if isinstance(f.params, InspectionFailed)
    )
    warnings = tuple(
        (flag_text(f, namer), f.index)
        for f in lineage.flags
        if not isinstance(f.params, InspectionFailed)
        and not (isinstance(f.params, TemperatureExcursion) and found)
    )
    return ScanView(
        subject=subject,
        product=catalogue.display_name(subject.key, namer.lang),
        lot=lot,
        serial=subject.serial,
        origin=(namer.term(ilmd.origin_region) if ilmd and ilmd.origin_region else ""),
        variety=(namer.term(ilmd.variety) if ilmd and ilmd.variety else ""),
        farm=namer.actor(harvests[0].actor.actor, harvests[0].actor.name) if harvests else "",
        steps=tuple(
            _step_view(s, report, namer, lang, stored, lineage.corrections.get(s.index))
            for s in lineage.steps
        ),
        chart=_chart(lineage),
        verified=report.ok,
        verdict=proof_words.verdict(report, {s.index for s in lineage.steps}),
        problems=proof_words.problems(report),
        tree_size=lineage.tree_size,
        recalls=tuple(_recall_view(r, report, namer) for r in lineage.recalls),
        corrected=len(lineage.corrections),
        failed_tests=failed_tests,
        excursions=tuple(_excursion_view(e, titles[e.index], band) for e in found),
        warnings=warnings,
        band=_band_words(band) if band is not None else "",
        cold_chain_meaning=_meaning(band) if found and band is not None else "",
    )


def _catalogue_band(product: Product | None) -> tuple[float, float] | None:
    if product is None or (product.temp_min_c is None and product.temp_max_c is None):
        return None
    low = product.temp_min_c if product.temp_min_c is not None else -math.inf
    high = product.temp_max_c if product.temp_max_c is not None else math.inf
    return (low, high)


def _band_words(band: tuple[float, float]) -> str:
    low, high = band
    if math.isinf(low):
        return _("at most %(high)s °C", high=f"{high:g}")
    if math.isinf(high):
        return _("at least %(low)s °C", low=f"{low:g}")
    return _("%(low)s to %(high)s °C", low=f"{low:g}", high=f"{high:g}")


def _excursion_view(excursion: Excursion, step: str, band: tuple[float, float]) -> ExcursionView:
    direction = _("above") if excursion.extreme > band[1] else _("below")
    when = local_time(excursion.started, "+08:00")
    if excursion.readings == 1 or excursion.lasted.total_seconds() == 0:
        sentence = _(
            "During “%(step)s” by %(actor)s, one reading on %(when)s was %(direction)s the "
            "allowed %(band)s: %(extreme)s °C.",
            step=step,
            actor=excursion.actor,
            when=when,
            direction=direction,
            band=_band_words(band),
            extreme=f"{excursion.extreme:g}",
        )
    else:
        sentence = _(
            "During “%(step)s” by %(actor)s, from %(when)s, it was %(direction)s the allowed "
            "%(band)s for %(lasted)s, reaching %(extreme)s °C.",
            step=step,
            actor=excursion.actor,
            when=when,
            direction=direction,
            band=_band_words(band),
            lasted=duration(excursion.lasted),
            extreme=f"{excursion.extreme:g}",
        )
    return ExcursionView(excursion.index, step, excursion.actor, sentence)


def _meaning(band: tuple[float, float]) -> str:
    return _(
        "What this means: this product should be kept at %(band)s. Time outside that range "
        "can make it spoil sooner. Look at it and smell it before eating it; if anything seems "
        "wrong, do not eat it, and report a problem or ask the shop.",
        band=_band_words(band),
    )
