"""Assembling a proof bundle (FORMAT.md section 9) for one unit or lot at one checkpoint."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from ledger.core.bundle import BundleEntry, bundle_json
from ledger.core.errors import NotFoundError
from ledger.core.gs1 import GS1Identifier
from ledger.core.merkle import inclusion_ranges, nodes_for, proof_from_nodes
from ledger.core.note import NoteVerifier
from ledger.service.checkpoints import SignedCheckpoint
from ledger.service.lineage import Lineage, lineage
from ledger.service.queries import fetch_nodes
from ledger.store.models import CheckpointRecord


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
    entries = found.entries()
    size = checkpoint.tree_size
    # All proofs' nodes in one query: nearby entries share most of their paths.
    ranges = {e.index: inclusion_ranges(e.index, size) for e in entries}
    nodes = fetch_nodes(conn, set().union(*(nodes_for(r) for r in ranges.values())), size)
    items = [
        BundleEntry(e.index, e.raw, tuple(proof_from_nodes(ranges[e.index], nodes)))
        for e in entries
    ]
    document = bundle_json(subject.object_key(), operator.vkey, checkpoint.note, items)
    return Bundle(found, checkpoint, document)
