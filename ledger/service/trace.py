"""Trace forward or backward from any object, as of a tree size (issue 9).

A breadth-first walk over the links events record (``ledger.core.trace``): each level's
histories are read in one query, each object is visited once (so a cycle cannot loop), and
the walk stops at ``depth`` levels or ``MAX_NODES`` objects, saying so (``complete``).
Every edge of the answer is a log entry below ``tree_size``; every node lists the entries
about it. The current holder comes from the custody table, which describes the whole log:
it is given only when the trace is of the log's current size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, select

from ledger.core.errors import NotFoundError
from ledger.core.trace import Link, links_of
from ledger.service.lineage import PARSED_CACHE, parsed_event
from ledger.service.recalls import corrections_of
from ledger.store.models import CustodyRow, LogEntry, ObjectEntry

MAX_DEPTH = 64
MAX_NODES = 20_000
_CHUNK = 500  # identifiers per IN (...) query


@dataclass(frozen=True)
class Node:
    """One object reached, how many links away, and the entries about it."""

    object_id: str
    depth: int
    entries: tuple[int, ...]
    holder: str | None = None
    container: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.object_id, "depth": self.depth}
        out["entries"] = list(self.entries)
        if self.holder is not None:
            out["holder"] = self.holder
        if self.container is not None:
            out["container"] = self.container
        return out


@dataclass(frozen=True)
class Trace:
    """The graph a trace found: nodes, and edges that are each a log entry."""

    start: str
    direction: str
    tree_size: int
    nodes: tuple[Node, ...]
    edges: tuple[Link, ...]
    complete: bool
    # Entries declared erroneous (FORMAT.md 3.8) whose links the trace did not follow, and
    # the entries of those corrections: erroneous entry -> correction entry.
    corrected: dict[int, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "object": self.start,
            "direction": self.direction,
            "tree_size": self.tree_size,
            "complete": self.complete,
            "nodes": [n.to_json() for n in self.nodes],
            "edges": [e.to_json() for e in self.edges],
            "corrected": [
                {"entry": index, "correction": by} for index, by in sorted(self.corrected.items())
            ],
        }


@dataclass
class _Walk:
    conn: Connection
    tree_size: int
    forward: bool
    entries: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    corrected: dict[int, int] = field(default_factory=dict)
    known: dict[int, tuple[Link, ...]] = field(default_factory=dict)  # entry -> its links

    def links(self, objects: list[str]) -> list[Link]:
        """The links the entries about ``objects`` record. The index is read first and each
        entry's bytes at most once per walk: a lot's bagging event is about every bag it
        made, and reading its leaf once per bag was most of a 1,000-bag trace's time."""
        indices: set[int] = set()
        for start in range(0, len(objects), _CHUNK):
            rows = self.conn.execute(
                select(ObjectEntry.object_id, ObjectEntry.entry_idx).where(
                    ObjectEntry.object_id.in_(objects[start : start + _CHUNK]),
                    ObjectEntry.entry_idx < self.tree_size,
                )
            )
            for object_id, index in rows:
                self.entries[object_id].append(index)
                indices.add(index)
        new = sorted(indices - self.known.keys() - self.corrected.keys())
        # An event declared erroneous links nothing: the corrected history is traced.
        for index, note in corrections_of(self.conn, new, self.tree_size).items():
            self.corrected[index] = note.entry.index
        wanted = [index for index in new if index not in self.corrected]
        for start in range(0, len(wanted), _CHUNK):
            rows = self.conn.execute(
                select(LogEntry.idx, LogEntry.leaf).where(
                    LogEntry.idx.in_(wanted[start : start + _CHUNK])
                )
            )
            for index, leaf in rows:
                self.known[index] = entry_links(leaf)
        return [link for index in sorted(indices) for link in self.known.get(index, ())]


@lru_cache(maxsize=PARSED_CACHE)
def entry_links(leaf: bytes) -> tuple[Link, ...]:
    """The links an event entry records (memoised like its parse: entries never change)."""
    entry, event = parsed_event(leaf)
    return links_of(entry.index, event)


def trace(
    conn: Connection,
    start: str,
    direction: str,
    tree_size: int,
    *,
    depth: int = MAX_DEPTH,
    with_holders: bool = False,
) -> Trace:
    """Every object ``direction`` of ``start`` within ``depth`` links, as of ``tree_size``."""
    walk = _Walk(conn, tree_size, direction == "forward")
    level_of = {start: 0}
    edges: dict[tuple[str, str, str, int], Link] = {}
    frontier, complete = [start], True
    for level in range(depth + 1):
        if not frontier:
            break
        wanted, reached = set(frontier), []
        for link in walk.links(frontier):
            near, far = (link.source, link.target) if walk.forward else (link.target, link.source)
            if near not in wanted:
                continue
            if far not in level_of and (level == depth or len(level_of) >= MAX_NODES):
                complete = False  # there is more, beyond the depth or the size asked for
                continue
            edges[(link.source, link.target, link.kind, link.index)] = link
            if far not in level_of:
                level_of[far] = level + 1
                reached.append(far)
        frontier = reached
    if not walk.entries.get(start):
        raise NotFoundError.of("unknown_object", object=start)
    holders = _holders(conn, list(level_of)) if with_holders else {}
    nodes = tuple(
        Node(
            object_id,
            level,
            tuple(sorted(set(walk.entries.get(object_id, ())))),
            *holders.get(object_id, (None, None)),
        )
        for object_id, level in sorted(level_of.items(), key=lambda item: (item[1], item[0]))
    )
    ordered = tuple(sorted(edges.values(), key=lambda e: (e.index, e.source, e.target)))
    return Trace(start, direction, tree_size, nodes, ordered, complete, dict(walk.corrected))


def _holders(conn: Connection, objects: list[str]) -> dict[str, tuple[str | None, str | None]]:
    out: dict[str, tuple[str | None, str | None]] = {}
    for start in range(0, len(objects), _CHUNK):
        rows = conn.execute(
            select(CustodyRow.object_id, CustodyRow.holder, CustodyRow.container).where(
                CustodyRow.object_id.in_(objects[start : start + _CHUNK])
            )
        )
        for object_id, holder, container in rows:
            out[object_id] = (holder, container)
    return out
