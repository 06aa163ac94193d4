"""The document store: lab reports and photos kept off the log, addressed by their SHA-256.

An event carries only a document's hash (``tl:inspection.reportSha256``, docs/EVENTS.md
5.2); the file lives here, at ``ab/cd/abcd…`` under the store's directory. The store
computes every hash itself and never takes a client's word for one, so a file is always
stored under the hash of its bytes; a put of a file already stored changes nothing.

A file is written to a temporary file in the store's own ``tmp/`` directory (the same file
system), flushed to disk, then renamed into place: a reader sees the whole file or none.
Only PDF, JPEG, PNG and WebP files are taken, recognised by their first bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ledger.core.errors import NotFoundError, ValidationError

# The media types a document may have, each with how its file starts.
MEDIA_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/webp")
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
}
HEAD_SIZE = 12  # enough bytes to tell the four formats apart
DEFAULT_MAX_BYTES = 10 << 20  # 10 MiB: a scanned report or a phone photo fits
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Document:
    """A stored document: its hash, size in bytes, media type and file."""

    sha256: str
    size: int
    media_type: str
    path: Path

    @property
    def filename(self) -> str:
        """A name to offer a reader saving the file: the hash with its type's extension."""
        return f"{self.sha256}.{EXTENSIONS[self.media_type]}"


def media_type_of(head: bytes) -> str | None:
    """The media type the file starting with ``head`` has, of the four accepted; else None."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_sha256(value: str, field: str = "sha256") -> str:
    """``value`` if it is a SHA-256 as the ledger writes one (64 lowercase hex digits)."""
    if not _SHA256.fullmatch(value):
        raise ValidationError.of("bad_sha256", field=field)
    return value


def _describe(head: bytes) -> str:
    """Words for a file of no accepted type, for the error message (no file content)."""
    return "empty" if not head else "of another type"


class DocumentStore:
    """Content-addressed files under ``root`` (created when first written to)."""

    def __init__(self, root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def path(self, sha256: str) -> Path:
        """Where the file of ``sha256`` is (or would be) stored."""
        check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        """Whether a file is stored under ``sha256`` (a malformed hash: never)."""
        return _SHA256.fullmatch(sha256) is not None and self.path(sha256).is_file()

    def get(self, sha256: str) -> Document:
        """The stored document of ``sha256``, its type read from its first bytes as stored."""
        path = self.path(sha256)
        try:
            with path.open("rb") as file:
                head = file.read(HEAD_SIZE)
                size = os.fstat(file.fileno()).st_size
        except FileNotFoundError:
            raise NotFoundError.of("unknown_document", sha256=sha256) from None
        # A file changed on disk since it was stored keeps its place; the reader's hash check
        # tells it apart. One no longer of an accepted type is served as plain bytes.
        return Document(sha256, size, media_type_of(head) or "application/octet-stream", path)

    def put(
        self,
        chunks: Iterable[bytes],
        *,
        claimed_type: str | None = None,
        expected_sha256: str | None = None,
    ) -> tuple[Document, bool]:
        """Store the file whose bytes ``chunks`` yields; return it and whether it is new.

        Refused: a file over ``max_bytes`` (``too_large``), not of an accepted type
        (``unsupported_document``), of another type than ``claimed_type`` when one is
        given (``document_type_mismatch``), or whose SHA-256 is not ``expected_sha256`` when
        one is given (``document_hash_mismatch``: the bytes changed on the way, or are not
        the file the record names). Nothing is left behind by a refused file.
        """
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        head = b""
        size = 0
        handle, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
        temp = Path(name)
        try:
            with os.fdopen(handle, "wb") as file:
                for chunk in chunks:
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise ValidationError.of(
                            "too_large",
                            what="document",
                            size=f"over {self.max_bytes}",
                            limit=self.max_bytes,
                        )
                    if len(head) < HEAD_SIZE:
                        head += chunk[: HEAD_SIZE - len(head)]
                    digest.update(chunk)
                    file.write(chunk)
                file.flush()
                os.fsync(file.fileno())
            media_type = self._checked_type(head, claimed_type)
            sha256 = digest.hexdigest()
            if expected_sha256 is not None and sha256 != expected_sha256:
                raise ValidationError.of(
                    "document_hash_mismatch", expected=expected_sha256, found=sha256
                )
            path = self.path(sha256)
            created = not path.is_file()
            if created:
                path.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(temp, 0o644)
                os.replace(temp, path)  # atomic: readers see the whole file or none
        finally:
            temp.unlink(missing_ok=True)
        return Document(sha256, size, media_type, path), created

    @staticmethod
    def _checked_type(head: bytes, claimed_type: str | None) -> str:
        found = media_type_of(head)
        if found is None:
            raise ValidationError.of("unsupported_document", found=_describe(head))
        if claimed_type is not None and claimed_type != found:
            raise ValidationError.of(
                "document_type_mismatch", found=found, claimed=claimed_type or "(none)"
            )
        return found
