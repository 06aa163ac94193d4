"""Read-side queries: log pages, Merkle proofs, checkpoints and object histories.

Every proof reads O(log n) stored nodes in one query; nothing here scans the log.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from ledger.core.errors import NotFoundError, ProofError, StoreError, ValidationError
from ledger.core.hashing import EMPTY_ROOT
from ledger.core.merkle import (
    Frontier,
    Node,
    consistency_ranges,
    inclusion_ranges,
    nodes_for,
    proof_from_nodes,
    range_hash,
    range_nodes,
)
from ledger.store.models import LogEntry, ObjectEntry

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
        raise ValidationError.of("bad_range")
    if end - start > MAX_PAGE:
        raise ValidationError.of("page_too_large", limit=MAX_PAGE)
    rows = conn.execute(
        select(LogEntry.idx, LogEntry.leaf, LogEntry.entry_hash)
        .where(LogEntry.idx >= start, LogEntry.idx < end)
        .order_by(LogEntry.idx)
    )
    return [StoredEntry(r.idx, r.leaf, r.entry_hash) for r in rows]


def load_frontier(conn: Connection, size: int) -> Frontier:
    """The tree's right edge at ``size``: its O(log n) perfect subtrees, in one query."""
    nodes = fetch_nodes(conn, set(range_nodes(0, size)), size)
    return Frontier.from_nodes(size, nodes.__getitem__)


def nodes_query(nodes: set[Node]) -> str:
    """SQL selecting the given Merkle nodes by primary key."""
    # A join against a VALUES list: both databases look each node up by primary key. (A
    # row-value "(level, idx) IN (...)" made SQLite scan the whole table.) The integers are
    # inlined: the shape differs from proof to proof, and building and compiling a fresh
    # SQLAlchemy expression each time cost more than the query itself.
    values = ", ".join(f"({int(level)}, {int(index)})" for level, index in nodes)
    return (
        f"WITH wanted(level, idx) AS (VALUES {values}) "
        "SELECT m.level, m.idx, m.hash FROM wanted JOIN merkle_nodes m "
        "ON m.level = wanted.level AND m.idx = wanted.idx"
    )


def fetch_nodes(conn: Connection, wanted: set[Node], tree_size: int) -> dict[Node, bytes]:
    """The stored perfect nodes ``wanted`` of the tree of size ``tree_size``, in one query.

    The last leaf of that tree is fetched too: its absence means the log is smaller than
    ``tree_size`` (404), which saves a separate query for the log's size.
    """
    if tree_size < 0:
        raise NotFoundError.of("no_such_tree", size=tree_size)
    if tree_size == 0:
        return {}
    last_leaf = (0, tree_size - 1)
    found = {
        (level, idx): h for level, idx, h in conn.exec_driver_sql(nodes_query(wanted | {last_leaf}))
    }
    if last_leaf not in found:
        raise NotFoundError(f"the log has fewer than {tree_size} entries", code="no_such_tree")
    if not wanted <= found.keys():
        raise StoreError("Merkle nodes are missing from the store: run `ledger reindex`")
    return found


def inclusion_proof(conn: Connection, index: int, tree_size: int) -> tuple[bytes, list[bytes]]:
    """The leaf hash of entry ``index`` and its RFC 9162 inclusion proof in tree ``tree_size``."""
    if not 0 <= index < tree_size:
        raise ProofError(
            f"entry {index} is not in a tree of size {tree_size}", code="bad_proof_request"
        )
    ranges = inclusion_ranges(index, tree_size)
    nodes = fetch_nodes(conn, nodes_for(ranges) | {(0, index)}, tree_size)
    return nodes[(0, index)], proof_from_nodes(ranges, nodes)


def consistency_proof(conn: Connection, first: int, second: int) -> list[bytes]:
    """The RFC 9162 consistency proof from tree ``first`` to tree ``second``."""
    if first == second:
        fetch_nodes(conn, set(), second)  # still a 404 for a tree the log does not have
        return []
    ranges = consistency_ranges(first, second)
    return proof_from_nodes(ranges, fetch_nodes(conn, nodes_for(ranges), second))


def root_at(conn: Connection, tree_size: int) -> bytes:
    """MTH of the first ``tree_size`` entries, from stored nodes."""
    nodes = fetch_nodes(conn, nodes_for([(0, tree_size)]) if tree_size else set(), tree_size)
    return range_hash(0, tree_size, nodes.__getitem__) if tree_size else EMPTY_ROOT


def object_history(
    conn: Connection, object_id: str, limit: int = MAX_PAGE, before: int | None = None
) -> list[StoredEntry]:
    """Every entry that mentions ``object_id`` (with index below ``before``), in log order."""
    query = (
        select(LogEntry.idx, LogEntry.leaf, LogEntry.entry_hash)
        .join(ObjectEntry, ObjectEntry.entry_idx == LogEntry.idx)
        .where(ObjectEntry.object_id == object_id)
    )
    if before is not None:
        query = query.where(LogEntry.idx < before)
    rows = conn.execute(query.order_by(LogEntry.idx).limit(limit))
    return [StoredEntry(r.idx, r.leaf, r.entry_hash) for r in rows]
