"""``ledger reindex``: rebuild every derived table from the log's entry bytes."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, delete, insert

from ledger.core.entries import parse_entry
from ledger.core.errors import LedgerError, StoreError
from ledger.core.merkle import Frontier
from ledger.core.registry import AcceptedEvent, admit
from ledger.core.timefmt import parse_entry_time
from ledger.service import event_effects
from ledger.service.export import PAGE, iter_entries
from ledger.service.state import BatchState
from ledger.store.db import write_transaction
from ledger.store.models import DERIVED_TABLES, MerkleNode

Progress = Callable[[int, int], None]


def reindex(engine: Engine, size: int, progress: Progress | None = None) -> int:
    """Drop and rebuild the derived tables (registry, custody, object index, flags, Merkle
    nodes) by replaying the log; return the number of entries replayed."""
    with write_transaction(engine) as conn:
        for table in DERIVED_TABLES:
            conn.execute(delete(table))
        state = BatchState(conn)
        frontier = Frontier()
        nodes: list[dict[str, object]] = []
        count = 0
        for index, leaf in iter_entries(conn):
            entry = parse_entry(leaf)
            try:
                admission = admit(
                    entry.statement,
                    index=index,
                    time=parse_entry_time(entry.time, field="time"),
                    view=state,
                )
                if isinstance(admission, AcceptedEvent):
                    event_effects.apply(state, admission, index)
            except LedgerError as exc:
                raise StoreError(
                    f"entry {index} breaks the ledger's rules ({exc.message}); run `ledger verify`",
                    index=index,
                ) from exc
            state.apply(admission)
            nodes.extend(
                {"level": lv, "idx": ix, "hash": h} for (lv, ix), h in frontier.append(entry.hash)
            )
            count += 1
            if count % PAGE == 0:
                state.flush()
                conn.execute(insert(MerkleNode), nodes)
                nodes = []
                if progress is not None:
                    progress(count, size)
        state.flush()
        if nodes:
            conn.execute(insert(MerkleNode), nodes)
    if progress is not None:
        progress(count, size)
    return count
