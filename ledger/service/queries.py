"""Read-side queries: log pages, Merkle proofs, checkpoints and object histories.

Every proof reads O(log n) stored nodes in one query; nothing here scans the log.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select, tuple_

from ledger.core.errors import NotFoundError, ProofError, StoreError, ValidationError
from ledger.core.hashing import EMPTY_ROOT
from ledger.core.merkle import (
    Frontier,
    Node,
    Range,
    consistency_ranges,
    inclusion_ranges,
    nodes_for,
    proof_from_nodes,
    range_hash,
    range_nodes,
)
from ledger.store.models import LogEntry, MerkleNode, ObjectEntry

MAX_PAGE = 1000


@dataclass(frozen=True)
class StoredEntry:
    """One entry as the log holds it: index, exact bytes, entry hash."""

    index: int
    leaf: bytes
    entry_hash: bytes


def log_size(conn: Connection) -> int:
    """The number of entries in the log."""
    top = conn.execute(select(func.max(LogEntry.idx))).scalar()
    return 0 if top is None else top + 1


def entries(conn: Connection, start: int, end: int) -> list[StoredEntry]:
    """Entries ``[start, end)``, at most ``MAX_PAGE`` of them."""
    if start < 0 or end < start:
        raise ValidationError("start and end must satisfy 0 <= start <= end", code="bad_range")
    if end - start > MAX_PAGE:
        raise ValidationError(f"ask for at most {MAX_PAGE} entries at a time", code="page_too_large")
    rows = conn.execute(
        select(LogEntry.idx, LogEntry.leaf, LogEntry.entry_hash)
        .where(LogEntry.idx >= start, LogEntry.idx < end)
        .order_by(LogEntry.idx)
    )
    return [StoredEntry(r.idx, r.leaf, r.entry_hash) for r in rows]


def load_frontier(conn: Connection, size: int) -> Frontier:
    """The tree's right edge at ``size``: its O(log n) perfect subtrees, in one query."""
    nodes = _fetch_nodes(conn, set(range_nodes(0, size)))
    return Frontier.from_nodes(size, nodes.__getitem__)


def _fetch_nodes(conn: Connection, wanted: set[Node]) -> dict[Node, bytes]:
    if not wanted:
        return {}
    rows = conn.execute(
        select(MerkleNode.level, MerkleNode.idx, MerkleNode.hash).where(
            tuple_(MerkleNode.level, MerkleNode.idx).in_(sorted(wanted))
        )
    )
    found = {(r.level, r.idx): r.hash for r in rows}
    if len(found) != len(wanted):
        raise StoreError("Merkle nodes are missing from the store: run `ledger reindex`")
    return found


def _proof(conn: Connection, ranges: list[Range]) -> list[bytes]:
    return proof_from_nodes(ranges, _fetch_nodes(conn, nodes_for(ranges)))


def _check_size(conn: Connection, tree_size: int) -> None:
    size = log_size(conn)
    if not 0 <= tree_size <= size:
        raise NotFoundError(f"the log has {size} entries; there is no tree of size {tree_size}", code="no_such_tree")


def inclusion_proof(conn: Connection, index: int, tree_size: int) -> tuple[bytes, list[bytes]]:
    """The leaf hash of entry ``index`` and its RFC 9162 inclusion proof in tree ``tree_size``."""
    _check_size(conn, tree_size)
    if not 0 <= index < tree_size:
        raise ProofError(f"entry {index} is not in a tree of size {tree_size}", code="bad_proof_request")
    ranges = inclusion_ranges(index, tree_size)
    nodes = _fetch_nodes(conn, nodes_for(ranges) | {(0, index)})
    return nodes[(0, index)], proof_from_nodes(ranges, nodes)


def consistency_proof(conn: Connection, first: int, second: int) -> list[bytes]:
    """The RFC 9162 consistency proof from tree ``first`` to tree ``second``."""
    _check_size(conn, second)
    if first == second:
        return []
    return _proof(conn, consistency_ranges(first, second))


def root_at(conn: Connection, tree_size: int) -> bytes:
    """MTH of the first ``tree_size`` entries, from stored nodes."""
    _check_size(conn, tree_size)
    if tree_size == 0:
        return EMPTY_ROOT
    nodes = _fetch_nodes(conn, nodes_for([(0, tree_size)]))
    return range_hash(0, tree_size, nodes.__getitem__)


def object_history(conn: Connection, object_id: str, limit: int = MAX_PAGE) -> list[StoredEntry]:
    """Every entry that mentions ``object_id``, in log order."""
    rows = conn.execute(
        select(LogEntry.idx, LogEntry.leaf, LogEntry.entry_hash)
        .join(ObjectEntry, ObjectEntry.entry_idx == LogEntry.idx)
        .where(ObjectEntry.object_id == object_id)
        .order_by(LogEntry.idx)
        .limit(limit)
    )
    return [StoredEntry(r.idx, r.leaf, r.entry_hash) for r in rows]
