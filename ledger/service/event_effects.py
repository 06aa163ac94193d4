"""What an accepted event changes besides the log: custody, the object index and flags."""

from __future__ import annotations

from ledger.core import flags
from ledger.core.custody import custody_effects
from ledger.core.events import Event
from ledger.core.registry import AcceptedEvent
from ledger.service.state import BatchState


def indexed_ids(event: Event) -> tuple[str, ...]:
    """The identifiers an event is found under: the objects it names, and for farm work and
    harvests also the plot, so that a product's page can show how its field was worked."""
    # A unit is keyed by GTIN + serial; the lot it was written with is indexed too, so that
    # a lot's history reaches the events that made its units (label sheets).
    ids = tuple(dict.fromkeys(event.object_ids() + tuple(lot for _, lot in event.unit_lots)))
    plot = event.plot if (event.biz_step.startswith("tl:") or event.is_harvest) else None
    return (*ids, plot) if plot is not None and plot not in ids else ids


def apply(state: BatchState, accepted: AcceptedEvent, index: int) -> None:
    """Check custody (raising the rule broken) and record the event's derived rows."""
    event = accepted.event
    state.prefetch_custody(event.object_ids())

    def actor_by_gln(gln: str) -> str | None:
        found = state.actor_by_gln(gln)
        return None if found is None else found.actor

    state.apply_custody(custody_effects(event, accepted.actor.actor, actor_by_gln, state))
    state.object_rows.extend({"object_id": o, "entry_idx": index} for o in indexed_ids(event))
    # Flags that one event shows by itself (a reading outside its band, a failed test).
    # Flags that need history (pre-harvest interval, missing inspection) are computed
    # where the history is read, from the same log, by flags.history_flags.
    state.flag_rows.extend(
        {
            "entry_idx": index,
            "code": f.code,
            "severity": f.severity,
            "message_en": f.message_en,
            "message_zh": f.message_zh,
        }
        for f in flags.flags(event)
    )
