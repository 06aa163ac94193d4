"""What an accepted event changes besides the log: custody, the object index and flags."""

from __future__ import annotations

from ledger.core import flags
from ledger.core.custody import custody_effects
from ledger.core.events import Event
from ledger.core.object_index import indexed_ids
from ledger.core.registry import AcceptedEvent
from ledger.service.state import BatchState


def apply(state: BatchState, accepted: AcceptedEvent, index: int) -> None:
    """Check custody (raising the rule broken) and record the event's derived rows."""
    event = accepted.event
    state.prefetch_custody(event.object_ids())

    def actor_by_gln(gln: str) -> str | None:
        found = state.actor_by_gln(gln)
        return None if found is None else found.actor

    changes = custody_effects(event, accepted.actor.actor, actor_by_gln, state)
    holders = {o: state.holder(o) for o in event.object_ids()}  # before this event
    state.apply_custody(changes)
    state.object_rows.extend({"object_id": o, "entry_idx": index} for o in indexed_ids(event))
    state.epcis_rows.append(epcis_row(event, index))
    # Flags that one event shows by itself (a reading outside its band, a failed test), as
    # a code and its parameters; the words are made where they are shown. Flags that need
    # history (pre-harvest interval, missing inspection) are computed where the history is
    # read, from the same log, by flags.history_flags (the record facts keep the pre-harvest
    # ones per actor, docs/RECORD.md).
    found = flags.flags(event)
    state.flag_rows.extend(
        {"entry_idx": index, "code": f.code, "severity": f.severity, "params": f.params_json()}
        for f in found
    )
    state.record.event(accepted.actor.actor, event, index, holders, found)


def epcis_row(event: Event, index: int) -> dict[str, object]:
    """The event's row of the EPCIS query index (``epcis_events``)."""
    return {
        "entry_idx": index,
        "event_id": event.event_id,
        "event_time": int(event.event_time.timestamp() * 1000),
        "biz_step": event.biz_step,
    }
