"""The append pipeline: parse -> validate -> authorise -> verify signature -> custody ->
sequence -> store, all in one transaction that holds the sequencer lock (FORMAT.md sections
3 and 4).

A batch is all or nothing: the first statement that breaks a rule rejects the whole batch,
and the error says which one (``index`` = its position in the batch). One durable commit
covers the whole batch, which is what makes batched appends fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, insert, select

from ledger.core.entries import GENESIS_PREV, make_entry
from ledger.core.errors import LedgerError, ValidationError
from ledger.core.merkle import Frontier
from ledger.core.note import NoteSigner
from ledger.core.registry import AcceptedComplaint, AcceptedEvent, Genesis, admit
from ledger.core.statements import Statement
from ledger.core.timefmt import format_time, parse_entry_time
from ledger.service import event_effects
from ledger.service.checkpoints import latest_checkpoint, sign_checkpoint
from ledger.service.complaint_rules import check_outcome
from ledger.service.queries import load_frontier
from ledger.service.state import BatchState
from ledger.store.db import write_transaction
from ledger.store.models import LogEntry, MerkleNode

Clock = Callable[[], datetime]
MAX_BATCH = 1000


def system_clock() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Appended:
    """Where a statement sits in the log. ``created`` is False for an idempotent resubmission."""

    index: int
    entry_hash: bytes
    created: bool


@dataclass(frozen=True)
class Head:
    size: int
    last_hash: bytes
    last_time: str | None


def read_head(conn: Connection) -> Head:
    """The log's size, last entry hash and last time."""
    row = conn.execute(
        select(LogEntry.idx, LogEntry.entry_hash, LogEntry.time)
        .order_by(LogEntry.idx.desc())
        .limit(1)
    ).first()
    if row is None:
        return Head(0, GENESIS_PREV, None)
    return Head(row.idx + 1, row.entry_hash, row.time)


@dataclass(frozen=True)
class _Outcome:
    results: list[Appended]
    frontier: Frontier
    last_hash: bytes
    genesis: Genesis | None


# A statement the batch appends: (position in the batch, log index, the statement, and
# the event it carries when it is one). Plain tuples: this is the append path's inner loop.
_Accepted = tuple[int, int, Statement, AcceptedEvent | None]


@dataclass(frozen=True)
class _Rows:
    """A batch's new entries and Merkle nodes, their hashes by log index, and the last one."""

    entries: list[dict[str, object]]
    nodes: list[dict[str, object]]
    hashes: dict[int, bytes]
    last_hash: bytes


def _entry_time(head: Head, now: datetime) -> str:
    """The batch's entry time: the clock, but never before the last entry's."""
    time = format_time(now)
    if head.last_time is not None and time < head.last_time:
        time = head.last_time  # entry times never go backwards, whatever the clock does
    return time


def _already_logged(conn: Connection, ids: list[bytes]) -> dict[bytes, Appended]:
    """The statements of the batch that are in the log already (idempotent resubmissions)."""
    return {
        row.statement_id: Appended(row.idx, row.entry_hash, False)
        for row in conn.execute(
            select(LogEntry.statement_id, LogEntry.idx, LogEntry.entry_hash).where(
                LogEntry.statement_id.in_(ids)
            )
        )
    }


def _admit(
    statements: Sequence[Statement],
    ids: list[bytes],
    in_log: dict[bytes, Appended],
    state: BatchState,
    size: int,
    moment: datetime,
) -> tuple[list[tuple[int, bool]], list[_Accepted]]:
    """The registry rules, in order (each statement sees the ones before it).

    Returns, per statement, (log index, created by this batch), and the statements to append.
    """
    in_batch: dict[bytes, int] = {}
    plan: list[tuple[int, bool]] = []
    accepted: list[_Accepted] = []
    for position, statement in enumerate(statements):
        sid = ids[position]
        if sid in in_log or sid in in_batch:
            plan.append((in_log[sid].index if sid in in_log else in_batch[sid], False))
            continue
        try:
            admission = admit(statement, index=size, time=moment, view=state)
        except LedgerError as exc:
            exc.index = position
            raise
        if isinstance(admission, AcceptedComplaint):
            try:
                check_outcome(state.conn, admission.outcome)
            except LedgerError as exc:
                exc.index = position
                raise
        state.apply(admission)
        event = admission if isinstance(admission, AcceptedEvent) else None
        accepted.append((position, size, statement, event))
        in_batch[sid] = size
        plan.append((size, True))
        size += 1
    return plan, accepted


def _apply_custody(state: BatchState, accepted: list[_Accepted]) -> None:
    """The custody rules and derived rows of each event, in order."""
    # Every object the batch touches is loaded first, in one query per 500.
    state.prefetch_custody(
        o for _, _, _, event in accepted if event is not None for o in event.event.object_ids()
    )
    for position, index, _, event in accepted:
        if event is not None:
            try:
                event_effects.apply(state, event, index)
            except LedgerError as exc:
                exc.index = position
                raise


def _sequence(
    accepted: list[_Accepted],
    ids: list[bytes],
    time: str,
    prev: bytes,
    frontier: Frontier,
) -> _Rows:
    """Chain the accepted statements into entries after ``prev``; grow ``frontier`` with them."""
    entry_rows: list[dict[str, object]] = []
    node_rows: list[dict[str, object]] = []
    hashes: dict[int, bytes] = {}
    for position, index, statement, _ in accepted:
        entry = make_entry(index, prev, statement, time)
        entry_rows.append(
            {
                "idx": index,
                "leaf": entry.raw,
                "entry_hash": entry.hash,
                "prev_hash": prev,
                "statement_id": ids[position],
                "kind": statement.kind,
                "signer": statement.signer,
                "time": time,
            }
        )
        node_rows.extend(
            {"level": lv, "idx": ix, "hash": h} for (lv, ix), h in frontier.append(entry.hash)
        )
        hashes[index] = entry.hash
        prev = entry.hash
    return _Rows(entry_rows, node_rows, hashes, prev)


class Sequencer:
    """Appends statements to the log held in ``engine``; signs checkpoints if given a signer."""

    def __init__(
        self,
        engine: Engine,
        *,
        signer: NoteSigner | None = None,
        clock: Clock = system_clock,
        checkpoint_interval: float = 1.0,
    ) -> None:
        self.engine = engine
        self.signer = signer
        self.clock = clock
        self.checkpoint_interval = checkpoint_interval
        # The tree's right edge after this process's last append, valid while the head of
        # the log is still that append's entry (no other process appended since).
        self._frontier: tuple[bytes, Frontier] | None = None
        self._genesis: Genesis | None = None  # never changes once written

    def append(self, statements: Sequence[Statement]) -> list[Appended]:
        """Append a batch atomically; return where each statement is."""
        if not statements:
            return []
        if len(statements) > MAX_BATCH:
            raise ValidationError.of("batch_too_large", limit=MAX_BATCH)
        with write_transaction(self.engine) as conn:
            outcome = self._append_locked(conn, statements)
            self._maybe_checkpoint(conn, outcome.frontier)
        # Remembered only once committed: a rolled-back batch must leave no trace here.
        self._frontier = (outcome.last_hash, outcome.frontier)
        self._genesis = outcome.genesis
        return outcome.results

    def _current_frontier(self, conn: Connection, head: Head) -> Frontier:
        cached = self._frontier
        if cached is not None and cached[1].size == head.size and cached[0] == head.last_hash:
            # A copy: a rollback must not touch the cached one.
            return Frontier(cached[1].size, list(cached[1].hashes))
        return load_frontier(conn, head.size)

    def _append_locked(self, conn: Connection, statements: Sequence[Statement]) -> _Outcome:
        """One batch through the pipeline, inside the transaction that holds the write lock."""
        head = read_head(conn)
        time = _entry_time(head, self.clock())
        ids = [s.statement_id for s in statements]
        in_log = _already_logged(conn, ids)
        frontier = self._current_frontier(conn, head)
        state = BatchState(conn) if self._genesis is None else BatchState(conn, self._genesis)
        # Parse, validate, authorise, verify: the registry rules (core.registry.admit).
        moment = parse_entry_time(time, field="time")
        plan, accepted = _admit(statements, ids, in_log, state, head.size, moment)
        # Custody: the rules, and the rows each event derives.
        _apply_custody(state, accepted)
        # Sequence: the entries, chained from the head, and the Merkle nodes they add.
        rows = _sequence(accepted, ids, time, head.last_hash, frontier)
        # Store.
        if rows.entries:
            conn.execute(insert(LogEntry), rows.entries)
            conn.execute(insert(MerkleNode), rows.nodes)
            state.flush()
        hashes = {appended.index: appended.entry_hash for appended in in_log.values()}
        hashes.update(rows.hashes)
        results = [Appended(index, hashes[index], created) for index, created in plan]
        return _Outcome(results, frontier, rows.last_hash, state.genesis())

    def _maybe_checkpoint(
        self, conn: Connection, frontier: Frontier, *, force: bool = False
    ) -> None:
        if self.signer is None:
            return
        latest = latest_checkpoint(conn)
        if latest is not None and latest.tree_size == frontier.size:
            return
        now = self.clock()
        if not force and latest is not None:
            age = (now - parse_entry_time(latest.signed_at, field="signed_at")).total_seconds()
            if age < self.checkpoint_interval:
                return
        sign_checkpoint(conn, self.signer, frontier.size, frontier.root(), format_time(now))

    def checkpoint(self) -> None:
        """Sign a checkpoint now if the log has grown since the last one."""
        with write_transaction(self.engine) as conn:
            self._maybe_checkpoint(conn, load_frontier(conn, read_head(conn).size), force=True)
