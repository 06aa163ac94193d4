"""What a lot's 承诺达标合格证 (commitment certificate) says, worked out from its log entries.

A certificate is per lot, the lot an event *creates*: a harvest (a commissioning with a
harvest date), a transformation's output (milling, or the bags a packing line fills), or
units commissioned with the lot. Its quantity, production date and issuing business come from
those creating entries of that lot alone, so each output of a transformation that mixes or
splits lots gets a certificate of its own; the input lots are named on it.

Its origin is the registered region of the farms whose harvests the lot comes from (the lot's
own harvest, or the harvests upstream of its inputs). Its commitment basis follows the
inspections: of the lot itself when it has any, else of its inputs (when every input passed
one). A failed inspection leaves the residue commitment unticked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from ledger.core.errors import NotFoundError, ValidationError
from ledger.core.events import Event
from ledger.core.gs1 import GS1Identifier, parse_identifier
from ledger.core.registry import ActorRecord

# The commitments of the national template, in its order; keys are stable, words are the web's.
COMMITMENTS = ("no_banned_inputs", "residues_within_limits", "responsible_for_truth")
# The commitment's basis (承诺依据): the first two follow from the log's inspections; internal
# quality control is not something the log records; a self-commitment is all that is left
# when no inspection is on the log.
BASES = ("entrusted_test", "self_test", "internal_control", "self_commitment")
MAX_PHONE, MAX_ADDRESS = 40, 200


@dataclass(frozen=True)
class Step:
    """One event entry about the lot or upstream of it, with the actor whose key signed it."""

    index: int
    actor: ActorRecord
    event: Event


@dataclass(frozen=True)
class Amount:
    """A quantity: ``uom`` a UN/CEFACT code such as KGM, or None for a count of units."""

    value: float
    uom: str | None


@dataclass(frozen=True)
class InspectionFact:
    """An inspection the basis rests on: which lot it tested, who, when, and the verdict."""

    index: int
    lot: str  # canonical lot URI
    lab: ActorRecord
    day: date
    passed: bool
    own: bool  # of this lot (True) or of an input lot (False)


@dataclass(frozen=True)
class CertificateFacts:
    """Everything a certificate states, as data (the words and layout are the web's)."""

    subject: GS1Identifier
    issuer: ActorRecord
    made_by: str  # "harvest", "transformation" or "commissioning"
    amounts: tuple[Amount, ...]
    units: int  # serialised units the lot was made into (0: the lot is counted in amounts)
    production_dates: tuple[date, ...]
    origins: tuple[str, ...]  # registered regions of the producing farms
    farms: tuple[ActorRecord, ...]
    inputs: tuple[GS1Identifier, ...]
    inspections: tuple[InspectionFact, ...]
    basis: frozenset[str]
    failed: bool  # an inspection this certificate rests on failed
    entries: tuple[int, ...]  # the creating entries
    issued: date

    @property
    def commitments(self) -> frozenset[str]:
        """The commitments ticked: all three, but never residues after a failed test."""
        if self.failed:
            return frozenset(COMMITMENTS) - {"residues_within_limits"}
        return frozenset(COMMITMENTS)


@dataclass(frozen=True)
class Contact:
    """An actor's business contact for certificates: kept off the log (see module doc)."""

    phone: str | None = None
    address: str | None = None


def _contact_text(value: str | None, what: str, field: str, limit: int) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > limit or not value.isprintable():
        raise ValidationError.of("bad_contact", field=field, what=what, limit=limit)
    return value


def check_contact(phone: str | None, address: str | None) -> Contact:
    """A business contact as typed by the operator: each part optional, printable, bounded."""
    return Contact(
        _contact_text(phone, "the phone number", "phone", MAX_PHONE),
        _contact_text(address, "the address", "address", MAX_ADDRESS),
    )


def _lot_of(unit: str, event: Event) -> str | None:
    return dict(event.unit_lots).get(unit)


def creation(lot_key: str, event: Event) -> tuple[tuple[Amount, ...], int] | None:
    """What ``event`` makes of the lot (amounts, units), or None if it does not create it."""
    if event.event_type == "TransformationEvent":
        amounts = tuple(
            Amount(q.quantity, q.uom) for q in event.output_quantity_list if q.epc_class == lot_key
        )
        units = sum(1 for u in event.output_epc_list if _lot_of(u, event) == lot_key)
    elif event.biz_step == "commissioning" and event.action == "ADD":
        amounts = tuple(
            Amount(q.quantity, q.uom) for q in event.quantity_list if q.epc_class == lot_key
        )
        units = sum(1 for u in event.epc_list if _lot_of(u, event) == lot_key)
    else:
        return None
    return (amounts, units) if amounts or units else None


def _input_lots(event: Event) -> list[str]:
    """A transformation's inputs as lots: lot quantities, and the lots of input units."""
    lots = [q.epc_class for q in event.input_quantity_list]
    lots += [lot for u in event.input_epc_list if (lot := _lot_of(u, event)) is not None]
    return [lot for lot in lots if parse_identifier(lot).lot is not None]


def input_lots(lot_key: str, own: Iterable[Step]) -> list[str]:
    """The lots the transformations that create ``lot_key`` took in, first named first."""
    return list(
        dict.fromkeys(
            lot
            for step in own
            if step.event.event_type == "TransformationEvent"
            and creation(lot_key, step.event) is not None
            for lot in _input_lots(step.event)
            if lot != lot_key
        )
    )


def _sum(amounts: Iterable[Amount]) -> tuple[Amount, ...]:
    totals: dict[str | None, float] = {}
    for amount in amounts:
        totals[amount.uom] = totals.get(amount.uom, 0) + amount.value
    return tuple(Amount(value, uom) for uom, value in totals.items())


def _inspections(lot_key: str, steps: Iterable[Step], own: bool) -> list[InspectionFact]:
    """The inspections among ``steps`` that tested ``lot_key`` or one of its units."""
    found = []
    for step in steps:
        event = step.event
        if event.inspection is None:
            continue
        names = set(event.objects) | {lot for _, lot in event.unit_lots}
        if lot_key in names:
            found.append(
                InspectionFact(
                    step.index,
                    lot_key,
                    step.actor,
                    event.local_date,
                    not event.inspection.failed,
                    own,
                )
            )
    return found


def assemble(
    subject: GS1Identifier,
    own: Sequence[Step],
    upstream: Mapping[str, Sequence[Step]],
    issued: date,
) -> CertificateFacts:
    """The certificate of the lot ``subject`` from its own entries (``own``, log order) and the
    lineage of each input lot (``upstream``, by canonical lot URI).

    ``NotFoundError`` (no_certificate) when none of ``own`` creates the lot.
    """
    if subject.ai != "01" or subject.lot is None or subject.serial is not None:
        raise ValidationError.of("bad_identifier", field="lot", why="a certificate names a lot")
    lot_key = subject.object_key()
    made: list[tuple[Step, tuple[Amount, ...], int]] = []
    for step in own:
        created = creation(lot_key, step.event)
        if created is not None:
            made.append((step, *created))
    if not made:
        raise NotFoundError.of("no_certificate", field="lot", gtin=subject.key, lot=subject.lot)

    first = made[0][0]
    inputs = input_lots(lot_key, own)
    dates = sorted(
        {
            step.event.ilmd.harvest_date
            if step.event.is_harvest and step.event.ilmd and step.event.ilmd.harvest_date
            else step.event.local_date
            for step, _, _ in made
        }
    )

    harvests = [s for s, _, _ in made if s.event.is_harvest]
    harvests += [s for lot in inputs for s in upstream.get(lot, ()) if s.event.is_harvest]
    farms = list({s.actor.actor: s.actor for s in harvests}.values())
    if not farms:  # commissioned without a harvest: the lot comes from where it was made
        farms = list({s.actor.actor: s.actor for s, _, _ in made}.values())
    origins = tuple(dict.fromkeys(farm.region for farm in farms))

    tested = _inspections(lot_key, own, own=True)
    if not tested and inputs:
        per_input = [_inspections(lot, upstream.get(lot, ()), own=False) for lot in inputs]
        tested = [fact for facts in per_input for fact in facts]
        # An input's test speaks for the mix only if every input was tested and passed.
        if not all(any(f.passed for f in facts) for facts in per_input) and all(
            f.passed for f in tested
        ):
            tested = []
    failed = any(not f.passed for f in tested)
    basis: set[str] = set()
    if not failed:
        for fact in tested:
            basis.add("self_test" if fact.lab.actor == first.actor.actor else "entrusted_test")
        if not basis:
            basis.add("self_commitment")

    return CertificateFacts(
        subject=subject,
        issuer=first.actor,
        made_by="harvest"
        if first.event.is_harvest
        else "transformation"
        if first.event.event_type == "TransformationEvent"
        else "commissioning",
        amounts=_sum(a for _, amounts, _ in made for a in amounts),
        units=sum(units for _, _, units in made),
        production_dates=tuple(dates),
        origins=origins,
        farms=tuple(farms),
        inputs=tuple(parse_identifier(lot) for lot in inputs),
        inspections=tuple(tested),
        basis=frozenset(basis),
        failed=failed,
        entries=tuple(step.index for step, _, _ in made),
        issued=issued,
    )
