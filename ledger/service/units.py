"""The serialised units of one lot, as the log records them (for label sheets).

A unit is keyed by GTIN + serial; the lot it was written with is kept in the event's
``unit_lots``. The object index lists each event under the lot classes of the units it
names too (``event_effects``), so the lot's history holds every event that made its units.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from ledger.core.digital_link import CANONICAL_STEM
from ledger.core.errors import NotFoundError
from ledger.core.gs1 import GS1Identifier, parse_identifier, validate_gtin
from ledger.service.lineage import parsed_event
from ledger.service.queries import object_history

# A lot's label sheet lists all of it: the history is read without the API's page limit.
MAX_HISTORY = 1_000_000


@dataclass(frozen=True)
class Unit:
    """One serialised unit of a lot."""

    gtin: str
    lot: str
    serial: str

    @property
    def identifier(self) -> GS1Identifier:
        """The unit's identifier with its lot: /01/{gtin}/10/{lot}/21/{serial}."""
        return GS1Identifier("01", self.gtin, lot=self.lot, serial=self.serial)

    @property
    def uri(self) -> str:
        """The canonical Digital Link of the unit, lot included."""
        return self.identifier.canonical()

    def uri_on(self, stem: str = CANONICAL_STEM) -> str:
        """The unit's Digital Link on ``stem`` (for example the operator's resolver)."""
        return self.identifier.uri(stem)


def units_of_lot(conn: Connection, gtin: str, lot: str) -> list[Unit]:
    """Every unit the log's events made (outputs, or units written with the lot), by serial.

    ``NotFoundError`` (code ``unknown_lot``) when no event names a unit of the lot.
    """
    gtin14 = validate_gtin(gtin, field="gtin")
    lot_key = GS1Identifier("01", gtin14, lot=lot).object_key()
    serials: set[str] = set()
    for stored in object_history(conn, lot_key, limit=MAX_HISTORY):  # event entries only
        _, event = parsed_event(stored.leaf)
        # A unit belongs to the lot when its event wrote it with that lot; outputs of a
        # transformation are the units it made, and any other mention of a unit with the
        # lot (an epcList, a packing) names a unit of the lot as well.
        for unit_key, lot_class in event.unit_lots:
            if lot_class == lot_key:
                ident = parse_identifier(unit_key)
                if ident.serial is not None:
                    serials.add(ident.serial)
    if not serials:
        raise NotFoundError.of("unknown_lot", gtin=gtin14, lot=lot)
    return [Unit(gtin14, lot, serial) for serial in sorted(serials, key=_serial_order)]


def _serial_order(serial: str) -> tuple[int, str]:
    # Numeric serials in numeric order ("9" before "10"), then the rest as text.
    return (int(serial), serial) if serial.isdigit() else (1 << 80, serial)
