"""What an accepted event changes besides the log: custody, the object index and flags."""

from __future__ import annotations

from ledger.core import events
from ledger.core.registry import AcceptedEvent
from ledger.service.state import BatchState


def apply(state: BatchState, accepted: AcceptedEvent, index: int) -> None:
    """Check custody (raising the rule broken) and record the event's derived rows."""
    event = accepted.event
    state.object_rows.extend({"object_id": o, "entry_idx": index} for o in event.object_ids())
    state.flag_rows.extend(
        {"entry_idx": index, "code": f.code, "severity": f.severity, "message_en": f.message_en,
         "message_zh": f.message_zh}
        for f in events.flags(event)
    )
