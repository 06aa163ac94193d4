"""``ledger verify``: check the database against the rules and against itself.

The log is replayed through the pure ``LogVerifier`` (the same checks an auditor's export
verification makes), and every stored column that is derived from the entry bytes (hashes,
chain links, statement IDs, Merkle nodes) is recomputed and compared, so a direct edit of
any column of the log table is caught and named.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, func, select

from ledger.core.entries import GENESIS_PREV
from ledger.core.hashing import leaf_hash, node_hash
from ledger.core.note import NoteVerifier
from ledger.core.verify import Failure, LogVerifier, Report
from ledger.service.export import PAGE, checkpoints_by_size
from ledger.service.queries import log_size
from ledger.store.models import LogEntry, MerkleNode

Progress = Callable[[int, int], None]


def verify_database(
    engine: Engine, operator: NoteVerifier, progress: Progress | None = None
) -> Report:
    """Verify every entry, checkpoint and stored Merkle node; report every failure."""
    verifier = LogVerifier(operator)
    with engine.connect() as conn, conn.begin():
        size = log_size(conn)
        checkpoints = checkpoints_by_size(conn, size)
        for note in checkpoints.get(0, []):
            verifier.add_checkpoint(note)
        expected_nodes = 0
        prev_hash = GENESIS_PREV
        position = 0
        start = 0
        while True:
            rows = conn.execute(
                select(LogEntry.__table__)
                .where(LogEntry.idx >= start)
                .order_by(LogEntry.idx)
                .limit(PAGE)
            ).all()
            if not rows:
                break
            created: dict[tuple[int, int], bytes] = {}
            for row in rows:
                problems = []
                if not isinstance(row.leaf, bytes):
                    # Edited by hand (e.g. as TEXT in a SQL shell): the type itself is the tamper.
                    problems.append("the stored entry is not a byte string")
                    leaf = str(row.leaf).encode("utf-8")
                else:
                    leaf = row.leaf
                if row.idx != position:
                    problems.append(
                        f"stored index {row.idx} where {position} was expected "
                        "(a gap or a duplicate)"
                    )
                entry_hash = leaf_hash(leaf)
                if row.entry_hash != entry_hash:
                    problems.append("the stored entry hash is not the hash of the entry bytes")
                if row.prev_hash != prev_hash:
                    problems.append("the stored prev hash is not the previous entry's hash")
                entry = verifier.add_entry(leaf)
                created.update(verifier.last_nodes)
                if entry is not None:
                    s = entry.statement
                    if (row.statement_id, row.kind, row.signer, row.time) != (
                        s.statement_id,
                        s.kind,
                        s.signer,
                        entry.time,
                    ):
                        problems.append(
                            "a stored column (statement id, kind, signer or time) "
                            "differs from the entry bytes"
                        )
                for problem in problems:
                    verifier.report.failures.append(Failure(position, "stored_column", problem))
                prev_hash = entry_hash
                position += 1
                for note in checkpoints.get(position, []):
                    verifier.add_checkpoint(note)
                if progress is not None and position % PAGE == 0:
                    progress(position, size)
            expected_nodes += len(created)
            _check_nodes(conn, created, verifier)
            start = rows[-1].idx + 1
        total_nodes = conn.execute(select(func.count()).select_from(MerkleNode)).scalar() or 0
        if total_nodes != expected_nodes:
            verifier.report.failures.append(
                Failure(
                    None,
                    "merkle_nodes",
                    f"the store holds {total_nodes} Merkle nodes; the log implies {expected_nodes}",
                )
            )
    if progress is not None:
        progress(position, size)
    return verifier.finish()


def _check_nodes(
    conn: Connection, created: dict[tuple[int, int], bytes], verifier: LogVerifier
) -> None:
    """Check the stored nodes a page of entries implies: a leaf node must be the hash of the
    stored entry, any higher node the hash of its two stored children. Checking each node
    against its own children (not against a recomputation from the leaves) blames a
    tampered entry or node once, not every ancestor above it."""
    by_level: dict[int, list[int]] = {}
    for level, index in created:
        by_level.setdefault(level, []).append(index)
    wanted: dict[int, tuple[int, int]] = {}
    for level, indexes in by_level.items():
        wanted[level] = (min(indexes), max(indexes))
        if level > 0:
            low, high = wanted.get(level - 1, (2 * min(indexes), 2 * max(indexes) + 1))
            wanted[level - 1] = (min(low, 2 * min(indexes)), max(high, 2 * max(indexes) + 1))
    stored: dict[tuple[int, int], bytes] = {}
    for level, (low, high) in wanted.items():
        rows = conn.execute(
            select(MerkleNode.idx, MerkleNode.hash).where(
                MerkleNode.level == level, MerkleNode.idx >= low, MerkleNode.idx <= high
            )
        )
        stored.update(((level, r.idx), r.hash) for r in rows)
    for (level, index), leaf_or_node in sorted(created.items()):
        if level == 0:
            expected: bytes | None = leaf_or_node
        else:
            left, right = stored.get((level - 1, 2 * index)), stored.get((level - 1, 2 * index + 1))
            expected = None if left is None or right is None else node_hash(left, right)
        if stored.get((level, index)) != expected or expected is None:
            verifier.report.failures.append(
                Failure(
                    index << level,
                    "merkle_nodes",
                    f"stored Merkle node (level {level}, index {index}) is wrong or missing",
                )
            )
