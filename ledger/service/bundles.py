"""Assembling a proof bundle (FORMAT.md section 9) at one checkpoint: for one unit or lot's
lineage (the scan page's), or for a trace (FORMAT.md 12)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from ledger.core.bundle import MAX_BUNDLE_ENTRIES, BundleEntry, bundle_json
from ledger.core.entries import Entry, parse_entry
from ledger.core.errors import NotFoundError, ValidationError
from ledger.core.gs1 import GS1Identifier
from ledger.core.merkle import inclusion_ranges, nodes_for, proof_from_nodes
from ledger.core.note import NoteVerifier
from ledger.service.checkpoints import SignedCheckpoint
from ledger.service.lineage import Lineage, lineage
from ledger.service.queries import fetch_nodes
from ledger.service.trace import Trace
from ledger.store.models import ActorRow, CheckpointRecord, KeyRow, LogEntry


@dataclass(frozen=True)
class Bundle:
    """A lineage and its bundle document, pinned to one checkpoint."""

    lineage: Lineage
    checkpoint: SignedCheckpoint
    document: bytes


def checkpoint_of_size(conn: Connection, tree_size: int) -> SignedCheckpoint:
    """The stored checkpoint of exactly ``tree_size`` entries (404 if none was signed)."""
    row = conn.execute(
        select(CheckpointRecord)
        .where(CheckpointRecord.tree_size == tree_size)
        .order_by(CheckpointRecord.id)
        .limit(1)
    ).first()
    if row is None:
        raise NotFoundError.of("no_such_checkpoint", size=tree_size)
    return SignedCheckpoint(row.tree_size, row.root, row.note, row.signed_at)


def build_bundle(
    conn: Connection, subject: GS1Identifier, checkpoint: SignedCheckpoint, operator: NoteVerifier
) -> Bundle:
    """The bundle of ``subject``'s lineage against ``checkpoint``; 404 if it has no events."""
    found = lineage(conn, subject, checkpoint.tree_size)
    if not found.steps:
        raise NotFoundError(
            f"the ledger has no events about {subject.object_key()}", code="unknown_object"
        )
    document = _document(conn, subject.object_key(), found.entries(), checkpoint, operator)
    return Bundle(found, checkpoint, document)


def trace_bundle(
    conn: Connection, found: Trace, checkpoint: SignedCheckpoint, operator: NoteVerifier
) -> bytes:
    """A bundle (FORMAT.md 9) of a trace: every entry of its nodes and edges, and the
    registrations behind their signers, against ``checkpoint`` (of the trace's size)."""
    indices = {i for node in found.nodes for i in node.entries} | {e.index for e in found.edges}
    indices |= set(found.corrected.values())
    events = _entries(conn, indices)
    signers = {entry.statement.signer for entry in events}
    keys = conn.execute(select(KeyRow).where(KeyRow.key_id.in_(signers))).all() if signers else []
    actors = {k.actor for k in keys}
    wanted = {0} | {k.entry_idx for k in keys}
    wanted |= {k.revoked_idx for k in keys if k.revoked_idx is not None}
    if actors:
        wanted |= set(
            conn.execute(select(ActorRow.entry_idx).where(ActorRow.actor.in_(actors))).scalars()
        )
    size = found.tree_size
    registrations = _entries(conn, {i for i in wanted if i < size} - indices)
    entries = sorted([*events, *registrations], key=lambda e: e.index)
    if len(entries) > MAX_BUNDLE_ENTRIES:
        raise ValidationError.of("trace_too_large", count=len(entries), limit=MAX_BUNDLE_ENTRIES)
    return _document(conn, found.start, entries, checkpoint, operator)


def _entries(conn: Connection, indices: set[int]) -> list[Entry]:
    rows = conn.execute(select(LogEntry.leaf).where(LogEntry.idx.in_(indices))) if indices else []
    return [parse_entry(row.leaf) for row in rows]


def _document(
    conn: Connection,
    subject: str,
    entries: list[Entry],
    checkpoint: SignedCheckpoint,
    operator: NoteVerifier,
) -> bytes:
    size = checkpoint.tree_size
    # All proofs' nodes in one query: nearby entries share most of their paths.
    ranges = {e.index: inclusion_ranges(e.index, size) for e in entries}
    nodes = fetch_nodes(conn, set().union(*(nodes_for(r) for r in ranges.values())), size)
    items = [
        BundleEntry(e.index, e.raw, tuple(proof_from_nodes(ranges[e.index], nodes)))
        for e in entries
    ]
    return bundle_json(subject, operator.vkey, checkpoint.note, items)
