"""C2SP tlog-checkpoint bodies: origin, tree size and root hash, one per line."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from ledger.core.errors import MalformedError
from ledger.core.hashing import HASH_SIZE


@dataclass(frozen=True)
class Checkpoint:
    """A log's size and root at one moment, under its origin."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """The checkpoint body as the signed note text (each line ends in a newline)."""
        lines = [
            self.origin,
            str(self.size),
            base64.b64encode(self.root).decode("ascii"),
            *self.extensions,
        ]
        return "".join(line + "\n" for line in lines)


def parse_checkpoint(text: str, *, hash_size: int | None = HASH_SIZE) -> Checkpoint:
    """Parse a checkpoint body; ``hash_size=None`` accepts roots of any length (other logs)."""
    if not text.endswith("\n"):
        raise MalformedError("a checkpoint ends with a newline", code="bad_checkpoint")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise MalformedError("a checkpoint has at least three lines", code="bad_checkpoint")
    origin, size_text, root_b64, *extensions = lines
    if not origin:
        raise MalformedError("a checkpoint's origin line is empty", code="bad_checkpoint")
    if (
        not size_text.isascii()
        or not size_text.isdigit()
        or (size_text != "0" and size_text[0] == "0")
    ):
        raise MalformedError(
            f"tree size {size_text!r} is not a decimal number", code="bad_checkpoint"
        )
    size = int(size_text)
    if size >= 2**64:
        raise MalformedError("tree size does not fit in 64 bits", code="bad_checkpoint")
    try:
        root = base64.b64decode(root_b64.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise MalformedError(
            "the checkpoint's root hash is not base64", code="bad_checkpoint"
        ) from exc
    if hash_size is not None and len(root) != hash_size:
        raise MalformedError(
            f"the checkpoint's root hash is not {hash_size} bytes", code="bad_checkpoint"
        )
    if any(not line for line in extensions):
        raise MalformedError(
            "a checkpoint's extension lines must not be empty", code="bad_checkpoint"
        )
    return Checkpoint(origin, size, root, tuple(extensions))
