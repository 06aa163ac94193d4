"""Signing and reading checkpoints (C2SP signed notes over the tree size and root)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from ledger.core.checkpoint import Checkpoint
from ledger.core.note import NoteSigner
from ledger.store.models import CheckpointRecord


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint as stored: its size, root, the exact signed note and when it was signed."""

    tree_size: int
    root: bytes
    note: str
    signed_at: str


def sign_checkpoint(
    conn: Connection, signer: NoteSigner, size: int, root: bytes, signed_at: str
) -> SignedCheckpoint:
    """Sign the tree at ``size`` with the operator's note key and keep the note."""
    note = signer.sign(Checkpoint(signer.name, size, root).text())
    conn.execute(
        insert(CheckpointRecord).values(tree_size=size, root=root, note=note, signed_at=signed_at)
    )
    return SignedCheckpoint(size, root, note, signed_at)


def latest_checkpoint(conn: Connection) -> SignedCheckpoint | None:
    """The most recently signed checkpoint, or None before the first."""
    row = conn.execute(
        select(CheckpointRecord).order_by(CheckpointRecord.id.desc()).limit(1)
    ).first()
    return (
        None if row is None else SignedCheckpoint(row.tree_size, row.root, row.note, row.signed_at)
    )
