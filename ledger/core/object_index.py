"""The object index: the identifiers under which an event is found (``object_entries``).

Pure, so that the append path, ``ledger reindex`` and the migrations that backfill the
index all compute it the same way.
"""

from __future__ import annotations

from ledger.core.events import Event


def indexed_ids(event: Event) -> tuple[str, ...]:
    """The identifiers an event is found under: the objects it names, and for farm work and
    harvests also the plot, so that a product's page can show how its field was worked."""
    # A unit is keyed by GTIN + serial; the lot it was written with is indexed too, so that
    # a lot's history reaches the events that made its units (label sheets).
    ids = tuple(dict.fromkeys(event.object_ids() + tuple(lot for _, lot in event.unit_lots)))
    plot = event.plot if (event.biz_step.startswith("tl:") or event.is_harvest) else None
    return (*ids, plot) if plot is not None and plot not in ids else ids
