"""The content-addressed document store: hashes it computes, idempotent and atomic puts,
types by their first bytes."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.core.errors import LedgerError, NotFoundError, ValidationError
from ledger.service.documents import DocumentStore, media_type_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(40)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(40)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("data", "media_type"),
    [(PNG, "image/png"), (PDF, "application/pdf"), (JPEG, "image/jpeg"), (WEBP, "image/webp")],
)
def test_types_are_read_from_the_first_bytes(data: bytes, media_type: str) -> None:
    assert media_type_of(data[:12]) == media_type


@pytest.mark.parametrize(
    "data", [b"", b"GIF89a" + bytes(10), b"<html><script>", b"RIFF\x00\x00\x00\x00WAVE"]
)
def test_other_files_have_no_accepted_type(data: bytes) -> None:
    assert media_type_of(data[:12]) is None


def test_put_stores_the_file_under_the_hash_it_computes(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    document, created = store.put([PNG[:5], PNG[5:]], claimed_type="image/png")
    digest = sha(PNG)
    assert created and document.sha256 == digest and document.size == len(PNG)
    assert document.path == tmp_path / digest[:2] / digest[2:4] / digest
    assert document.path.read_bytes() == PNG
    assert store.has(digest) and store.get(digest).media_type == "image/png"
    assert files_under(tmp_path) == [f"{digest[:2]}/{digest[2:4]}/{digest}"]  # no temp left


def test_put_is_idempotent(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    first, created = store.put([PDF])
    before = first.path.stat()
    again, created_again = store.put([PDF[:3], PDF[3:]])
    assert created and not created_again
    assert again == first and first.path.stat().st_ino == before.st_ino
    assert len(files_under(tmp_path)) == 1


@pytest.mark.parametrize(
    ("data", "claimed", "code"),
    [
        (b"GIF89a" + bytes(20), None, "unsupported_document"),
        (b"", None, "unsupported_document"),
        (PNG, "image/jpeg", "document_type_mismatch"),
        (PDF, "", "document_type_mismatch"),
        (PNG + bytes(100), None, "too_large"),
    ],
)
def test_refused_files_leave_nothing_behind(
    tmp_path: Path, data: bytes, claimed: str | None, code: str
) -> None:
    store = DocumentStore(tmp_path, max_bytes=len(PNG) + 50)
    with pytest.raises(ValidationError) as caught:
        store.put([data[i : i + 7] for i in range(0, len(data), 7)], claimed_type=claimed)
    assert caught.value.code == code
    assert files_under(tmp_path) == []


def test_a_failed_write_leaves_no_file_in_place(tmp_path: Path) -> None:
    """A writer that dies part way (here: the body's source fails) leaves nothing a reader
    could take for the document."""

    def broken() -> Iterator[bytes]:
        yield PNG[:10]
        raise OSError("connection reset")

    store = DocumentStore(tmp_path)
    with pytest.raises(OSError, match="connection reset"):
        store.put(broken())
    assert files_under(tmp_path) == []
    assert not store.has(sha(PNG[:10]))


def test_a_client_cannot_choose_where_a_file_goes(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    for bad in ("../" + "a" * 61, "A" * 64, "a" * 63, "g" * 64, ""):
        assert not store.has(bad)
        with pytest.raises(ValidationError) as caught:
            store.get(bad)
        assert caught.value.code == "bad_sha256"


def test_unknown_hash_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError) as caught:
        DocumentStore(tmp_path).get("0" * 64)
    assert caught.value.code == "unknown_document"
    assert isinstance(caught.value, LedgerError)


def test_a_file_changed_on_disk_is_served_as_it_now_is(tmp_path: Path) -> None:
    """The store does not hide tampering: the reader's hash check sees it."""
    store = DocumentStore(tmp_path)
    document, _ = store.put([PNG])
    os.chmod(document.path, 0o644)
    document.path.write_bytes(b"not a png any more")
    found = store.get(document.sha256)
    assert found.media_type == "application/octet-stream" and found.size == 18
