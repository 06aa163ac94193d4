"""The links between objects that events record, for tracing forward and backward (issue 9).

Each link runs downstream, from what went in to what came out, and is one log entry:

- ``transformed``: a transformation's inputs to its outputs (paddy to milled rice, milled
  rice to its bags, and to the lot those bags are written with);
- ``packed``: an aggregation ``ADD`` from each child to its container (bags into a case,
  cases onto a pallet);
- ``harvested``: a harvest's plot to the lot it created;
- ``unit_of_lot``: a lot to a unit written with that lot in its identifier.

Pure: the service layer finds the entries and walks the links.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ledger.core.events import Event

__all__ = ["DIRECTIONS", "Link", "links_of"]

LinkKind = Literal["transformed", "packed", "harvested", "unit_of_lot"]
DIRECTIONS = ("forward", "backward")


@dataclass(frozen=True)
class Link:
    """One object-to-object link: ``source`` upstream of ``target``, by entry ``index``."""

    source: str
    target: str
    kind: LinkKind
    index: int

    def to_json(self) -> dict[str, object]:
        return {"from": self.source, "to": self.target, "kind": self.kind, "entry": self.index}


def links_of(index: int, event: Event) -> tuple[Link, ...]:
    """The links the event at log ``index`` records."""
    links: list[Link] = []
    if event.event_type == "TransformationEvent":
        # Units made are also made of their lot: a bag lot comes from the milled rice too.
        made = (*event.outputs, *(lot for unit, lot in event.unit_lots if unit in event.outputs))
        links += [Link(i, o, "transformed", index) for i in event.inputs for o in made]
    if event.event_type == "AggregationEvent" and event.action == "ADD" and event.parent_id:
        links += [Link(child, event.parent_id, "packed", index) for child in event.children]
    if event.is_harvest and event.plot is not None:
        links += [Link(event.plot, lot, "harvested", index) for lot in event.objects]
    links += [Link(lot, unit, "unit_of_lot", index) for unit, lot in event.unit_lots]
    return tuple(dict.fromkeys(links))
