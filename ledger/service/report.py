"""The regulator's sortable spreadsheet, read from the log through the object index (issue 9).

For one traceability lot, the entries indexed under the lot (which include every event
naming a unit written with that lot) and, for the cases and pallets its units or
quantities were packed into, the entries of those containers while the lot was inside
them; for a product, every lot of its GTIN (found by a range scan of the object index's
primary key, never of the log). Each level of the walk is one query; nothing scans the log.
The pure rules (which events are CTEs, which are included, what a row says) are in
``ledger.core.report``; docs/REPORT.md is the reference.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from ledger.catalogue import Catalogue
from ledger.core.entries import Entry
from ledger.core.errors import NotFoundError, ValidationError
from ledger.core.events import Event, Quantity
from ledger.core.gs1 import CANONICAL_STEM, GS1Identifier, parse_identifier
from ledger.core.report import COUNT_UNIT, Party, Query, Report, Row, cte_of, included
from ledger.core.vocabulary import Label
from ledger.service.lineage import parsed_event
from ledger.service.recalls import corrections_of
from ledger.store.models import ActorRow, BusinessContact, KeyRow, LogEntry, ObjectEntry

MAX_LOTS = 2_000  # lots of one product in one report
MAX_ROWS = 50_000
MAX_NESTING = 4  # cases on pallets on ...: levels of containers followed
_CHUNK = 500  # identifiers per IN (...) query
# The CTEs whose rows name the field and date of the harvest (§§ 1.1325, 1.1330).
_AT_HARVEST = frozenset({"harvesting", "cooling", "initial_packing"})

Parsed = tuple[Entry, Event]


@dataclass(frozen=True)
class _Actors:
    """The registry and the operator's contacts, read once per report."""

    by_gln: dict[str, Party]
    by_key: dict[str, tuple[str, str]]  # key ID -> (actor, GLN)

    @classmethod
    def read(cls, conn: Connection, signers: set[str]) -> _Actors:
        contacts = {
            row.actor: (row.phone, row.address) for row in conn.execute(select(BusinessContact))
        }
        actors = conn.execute(select(ActorRow)).all()
        by_gln = {
            row.gln: Party(row.gln, row.name, row.region, *contacts.get(row.actor, (None, None)))
            for row in actors
        }
        gln_of = {row.actor: row.gln for row in actors}
        by_key: dict[str, tuple[str, str]] = {}
        wanted = sorted(signers)
        for start in range(0, len(wanted), _CHUNK):
            rows = conn.execute(
                select(KeyRow.key_id, KeyRow.actor).where(
                    KeyRow.key_id.in_(wanted[start : start + _CHUNK])
                )
            )
            by_key.update({key_id: (actor, gln_of.get(actor, "")) for key_id, actor in rows})
        return cls(by_gln, by_key)

    def place(self, uri: str | None) -> Party | None:
        """The business at a place (``/414/``) or party (``/417/``) URI, with the place's
        GLN extension (a plot, a line)."""
        if uri is None:
            return None
        ident = parse_identifier(uri)
        known = self.by_gln.get(ident.key, Party(ident.key))
        return Party(
            known.gln, known.name, known.region, known.phone, known.address, ident.extension
        )

    def signer(self, entry: Entry) -> tuple[str | None, Party | None]:
        actor, gln = self.by_key.get(entry.statement.signer, (None, None))
        return actor, None if gln is None else self.by_gln.get(gln)


def _histories(conn: Connection, objects: list[str], tree_size: int) -> dict[str, list[Parsed]]:
    """The parsed entries indexed under each object, below ``tree_size``, in log order."""
    found: dict[str, list[Parsed]] = defaultdict(list)
    for start in range(0, len(objects), _CHUNK):
        rows = conn.execute(
            select(ObjectEntry.object_id, LogEntry.leaf)
            .join(LogEntry, LogEntry.idx == ObjectEntry.entry_idx)
            .where(
                ObjectEntry.object_id.in_(objects[start : start + _CHUNK]),
                ObjectEntry.entry_idx < tree_size,
            )
            .order_by(ObjectEntry.entry_idx)
        )
        for object_id, leaf in rows:
            found[object_id].append(parsed_event(leaf))
    return found


@dataclass
class _Lot:
    """One traceability lot's events: its own, and its containers' while it was in them."""

    uri: str
    ident: GS1Identifier
    own: list[Parsed]
    # container -> (packed at index, how many of the lot's items (or how much) went in)
    containers: dict[str, tuple[int, float]] = field(default_factory=dict)
    container_events: dict[int, Parsed] = field(default_factory=dict)

    # id(event) -> (the event, kept alive so its id stays its own; the lot's units in it)
    _units: dict[int, tuple[Event, frozenset[str]]] = field(default_factory=dict, repr=False)

    def holds(self, object_id: str, event: Event) -> bool:
        """Whether ``object_id`` in ``event`` is this lot or one of its units."""
        return object_id == self.uri or object_id in self.units_in(event)

    def units_in(self, event: Event) -> frozenset[str]:
        """The units of this lot that ``event`` names, found once per event: asking for each
        of a bagging event's 250 outputs in turn would read its unit list 250 times."""
        known = self._units.get(id(event))
        if known is None or known[0] is not event:
            units = frozenset(unit for unit, lot in event.unit_lots if lot == self.uri)
            known = self._units[id(event)] = (event, units)
        return known[1]

    @property
    def creator(self) -> Parsed | None:
        """The event that assigned the lot code: its harvest, or the transformation or
        commissioning that first made it or units of it."""
        for entry, event in self.own:
            made = event.outputs if event.biz_step == "transforming" else ()
            if event.biz_step == "commissioning":
                made = event.objects
            if any(self.holds(o, event) for o in made):
                return entry, event
        return None

    @property
    def raw(self) -> bool:
        """A raw agricultural commodity: harvested, and never the output of a transformation."""
        creator = self.creator
        return creator is not None and creator[1].is_harvest


def _walk_containers(conn: Connection, lot: _Lot, tree_size: int) -> None:
    """The cases and pallets the lot's items went into, and their events while it was in
    them (until the first unpacking of the container)."""
    level: dict[str, tuple[int, float]] = {}
    for entry, event in lot.own:
        if event.event_type == "AggregationEvent" and event.action == "ADD" and event.parent_id:
            amount = _amount_in(lot, event, event.child_epcs, event.child_quantity_list)
            if amount:
                at, before = level.get(event.parent_id, (entry.index, 0.0))
                level[event.parent_id] = (min(at, entry.index), before + amount)
    for _ in range(MAX_NESTING):
        if not level:
            return
        lot.containers.update(level)
        histories = _histories(conn, sorted(level), tree_size)
        nested: dict[str, tuple[int, float]] = {}
        for container, (packed_at, amount) in level.items():
            for entry, event in histories.get(container, []):
                if entry.index <= packed_at:
                    continue
                if event.event_type == "AggregationEvent" and event.parent_id == container:
                    if event.action == "DELETE":
                        break  # unpacked: what follows may be other goods
                    continue
                lot.container_events[entry.index] = (entry, event)
                packed = event.event_type == "AggregationEvent" and event.action == "ADD"
                if packed and event.parent_id and container in event.children:
                    at, before = nested.get(event.parent_id, (entry.index, 0.0))
                    nested[event.parent_id] = (min(at, entry.index), before + amount)
        level = {c: v for c, v in nested.items() if c not in lot.containers}


def _amount_in(
    lot: _Lot, event: Event, epcs: tuple[str, ...], quantities: tuple[Quantity, ...]
) -> float:
    """How much of the lot the lists name: its units counted, its quantity elements summed."""
    units = sum(1 for o in epcs if o != lot.uri and lot.holds(o, event))
    return units + sum(q.quantity for q in quantities if q.epc_class == lot.uri)


def _quantity(lot: _Lot, event: Event) -> tuple[int | float | None, str | None, tuple[str, ...]]:
    """The quantity of the lot the event concerns, its unit, and the containers it moved in."""
    if event.event_type == "TransformationEvent":
        is_output = any(lot.holds(o, event) for o in event.outputs)
        epcs = event.output_epc_list if is_output else event.input_epc_list
        elements = event.output_quantity_list if is_output else event.input_quantity_list
    elif event.event_type == "AggregationEvent":
        epcs, elements = event.child_epcs, event.child_quantity_list
    else:
        epcs, elements = event.epc_list, event.quantity_list
    mine = [q for q in elements if q.epc_class == lot.uri]
    if mine:
        uoms = {q.uom for q in mine}
        total = sum(q.quantity for q in mine)
        return total, (uoms.pop() or COUNT_UNIT) if len(uoms) == 1 else None, ()
    count = float(sum(1 for o in epcs if lot.holds(o, event)))
    named = [*epcs, *([event.parent_id] if event.parent_id else [])]
    containers = tuple(c for c in dict.fromkeys(named) if c in lot.containers)
    if event.event_type == "AggregationEvent" and event.parent_id:
        containers = (event.parent_id,)
    else:
        count += sum(lot.containers[c][1] for c in containers)
    if not count:
        return None, None, containers
    return (int(count) if count.is_integer() else count), COUNT_UNIT, containers


def _collapse(event: Event, objects: tuple[str, ...]) -> tuple[str, ...]:
    """Identifiers for a cell: the units of one lot as that lot and their count."""
    lot_of = dict(event.unit_lots)
    counts: dict[str, int] = {}
    out: dict[str, None] = {}
    for o in objects:
        lot = lot_of.get(o)
        if lot is None:
            out[o] = None
        else:
            counts[lot] = counts.get(lot, 0) + 1
    return (*out, *(f"{lot} ×{n}" for lot, n in counts.items()))


def _reference(event: Event) -> tuple[str | None, str | None]:
    if event.biz_transactions:
        first = event.biz_transactions[0]
        return first.type or "", first.id
    if event.certification_info:
        return "certificationInfo", event.certification_info[0]
    return None, None


def _product(catalogue: Catalogue, gtin: str, creator: Parsed | None) -> Label:
    product = catalogue.get(gtin)
    zh, en = (f"GTIN {gtin}",) * 2 if product is None else (product.name_zh, product.name_en)
    ilmd = None if creator is None else creator[1].ilmd
    if ilmd is not None and ilmd.variety:
        zh, en = f"{zh}（{ilmd.variety}）", f"{en} ({ilmd.variety})"
    return Label(zh, en)


def _rows(
    lot: _Lot,
    query: Query,
    actors: _Actors,
    catalogue: Catalogue,
    corrected: Mapping[int, object],
) -> list[Row]:
    creator = lot.creator
    raw = lot.raw
    source = None
    harvest: Event | None = None
    if creator is not None:
        source = actors.place(creator[1].location)
        if source is None or source.name is None:
            source = actors.signer(creator[0])[1] or source
        harvest = creator[1] if creator[1].is_harvest else None

    events = {entry.index: (entry, event) for entry, event in lot.own}
    events.update(lot.container_events)
    ordered = [events[i] for i in sorted(events)]
    shipments: list[Parsed] = [p for p in ordered if p[1].biz_step == "shipping"]
    product = _product(catalogue, lot.ident.key, creator)
    rows = []
    for entry, event in ordered:
        cte = cte_of(event, lambda o, event=event: raw and lot.holds(o, event))
        if cte is None or not query.covers(event.local_date):
            continue
        if not included(entry.index, event, corrected):
            continue
        quantity, uom, containers = _quantity(lot, event)
        signer = actors.signer(entry)[0]
        previous = recipient = None
        if cte == "shipping" and event.destination_party is not None:
            recipient = actors.place(event.destination_party.id)
        if cte == "receiving":
            previous = _shipper(shipments, entry.index, event, actors)
        reference_type, reference = _reference(event)
        rows.append(
            Row(
                index=entry.index,
                event_id=event.event_id,
                cte=cte,
                event_time=event.event_time,
                lot_uri=lot.uri,
                gtin=lot.ident.key,
                lot=lot.ident.lot or "",
                product=product,
                quantity=quantity,
                uom=uom,
                location=actors.place(event.location),
                tlc_source=source,
                previous_source=previous,
                recipient=recipient,
                harvest_field=_field_name(harvest) if harvest and cte in _AT_HARVEST else None,
                harvest_date=harvest.ilmd.harvest_date
                if harvest and harvest.ilmd and cte in _AT_HARVEST
                else None,
                inputs=_collapse(event, event.inputs) if cte == "transformation" else (),
                outputs=_collapse(event, event.outputs) if cte == "transformation" else (),
                containers=containers,
                reference_type=reference_type,
                reference=reference,
                signer=signer,
            )
        )
    return rows


def _field_name(harvest: Event) -> str | None:
    plot = harvest.plot
    if plot is None:
        return None
    ident = parse_identifier(plot)
    return ident.extension or f"GLN {ident.key}"


def _shipper(shipments: list[Parsed], index: int, received: Event, actors: _Actors) -> Party | None:
    """Who shipped what a receiving names: the latest earlier shipment of any of its objects."""
    wanted = set(received.object_ids())
    for entry, event in reversed(shipments):
        if entry.index < index and wanted & set(event.object_ids()):
            owner = next((s for s in event.source_list if s.type == "owning_party"), None)
            if owner is not None:
                return actors.place(owner.id)
            return actors.signer(entry)[1]
    return None


def lots_of_product(conn: Connection, gtin: str, tree_size: int) -> list[str]:
    """Every lot of ``gtin`` the object index holds below ``tree_size``: a range of its
    primary key (the lot URIs share the prefix ``…/01/{gtin}/10/``)."""
    prefix = f"{CANONICAL_STEM}/01/{gtin}/10/"
    upper = prefix[:-1] + chr(ord("/") + 1)
    rows = conn.execute(
        select(ObjectEntry.object_id)
        .where(
            ObjectEntry.object_id >= prefix,
            ObjectEntry.object_id < upper,
            ObjectEntry.entry_idx < tree_size,
        )
        .distinct()
        .order_by(ObjectEntry.object_id)
        .limit(MAX_LOTS + 1)
    )
    return [object_id for (object_id,) in rows]


def build_report(
    conn: Connection,
    query: Query,
    catalogue: Catalogue,
    *,
    tree_size: int,
    root_hex: str,
    generated: str,
    signed: bool,
) -> Report:
    """The report of ``query`` as of the first ``tree_size`` entries.

    ``unknown_object`` (404) when the lot, or every lot of the product, is not in the log;
    ``report_too_large`` past ``MAX_LOTS`` lots or ``MAX_ROWS`` rows.
    """
    if query.lot is not None:
        uris = [query.lot]
    else:
        assert query.gtin is not None
        uris = lots_of_product(conn, query.gtin, tree_size)
        if len(uris) > MAX_LOTS:
            raise ValidationError.of(
                "report_too_large", count=f"more than {MAX_LOTS}", what="lots", limit=MAX_LOTS
            )
    histories = _histories(conn, uris, tree_size)
    lots = []
    for uri in uris:
        own = histories.get(uri, [])
        if own:
            lot = _Lot(uri, parse_identifier(uri), own)
            _walk_containers(conn, lot, tree_size)
            lots.append(lot)
    if not lots:
        subject = query.lot if query.lot is not None else f"a lot of GTIN {query.gtin}"
        raise NotFoundError.of("unknown_object", object=subject)
    signers = {entry.statement.signer for lot in lots for entry, _ in lot.own}
    signers |= {
        entry.statement.signer for lot in lots for entry, _ in lot.container_events.values()
    }
    actors = _Actors.read(conn, signers)
    # Events declared erroneous (FORMAT.md 3.8) are left out: the corrected history.
    indices = {e.index for lot in lots for e, _ in lot.own}
    indices |= {e.index for lot in lots for e, _ in lot.container_events.values()}
    found = corrections_of(conn, indices, tree_size)
    corrected = {index: note.entry.index for index, note in found.items()}
    rows: list[Row] = []
    for lot in lots:
        rows.extend(_rows(lot, query, actors, catalogue, corrected))
        if len(rows) > MAX_ROWS:
            raise ValidationError.of(
                "report_too_large", count=f"more than {MAX_ROWS}", what="rows", limit=MAX_ROWS
            )
    rows.sort(key=lambda row: row.sort_key)
    return Report(
        query,
        tree_size,
        root_hex,
        generated,
        tuple(rows),
        checkpoint_signed=signed,
        lots=tuple(lot.uri for lot in lots),
        corrections=tuple(sorted((e, int(c)) for e, c in corrected.items() if isinstance(c, int))),
    )
