"""POST /api/v1/documents and GET /documents/{sha256}: types by their first bytes, limits,
the rate limit, and how a stored file is served."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ledger.service.ledger import Ledger
from tests.service.test_documents import JPEG, PDF, PNG, WEBP
from web import create_app

URL = "/api/v1/documents"


@pytest.fixture
def docs_app(ledger: Ledger, tmp_path: Path) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "LEDGER": ledger,
            "LEDGER_DOCUMENTS_DIR": str(tmp_path / "docs"),
            "LEDGER_DOCUMENT_MAX_BYTES": 4096,
            "LEDGER_DOCUMENT_UPLOAD_LIMIT": "5 per hour",
        }
    )


@pytest.fixture
def docs(docs_app: Flask) -> FlaskClient:
    return docs_app.test_client()


def upload(client: FlaskClient, data: bytes, content_type: str | None) -> object:
    headers = {} if content_type is None else {"Content-Type": content_type}
    return client.post(URL, data=data, headers=headers)


@pytest.mark.parametrize(
    ("data", "media_type"),
    [(PDF, "application/pdf"), (JPEG, "image/jpeg"), (PNG, "image/png"), (WEBP, "image/webp")],
)
def test_an_upload_answers_the_hash_the_server_computed(
    docs: FlaskClient, data: bytes, media_type: str
) -> None:
    response = upload(docs, data, media_type)
    digest = hashlib.sha256(data).hexdigest()
    assert response.status_code == 201, response.json
    assert response.json == {
        "sha256": digest,
        "size": len(data),
        "media_type": media_type,
        "url": f"/documents/{digest}",
    }
    assert response.headers["Location"] == f"/documents/{digest}"
    again = upload(docs, data, f"{media_type}; charset=binary")
    assert again.status_code == 200 and again.json == response.json


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b"GIF89a" + bytes(30), "image/png", 415, "unsupported_document"),
        (b"<svg onload='alert(1)'/>", "image/svg+xml", 415, "unsupported_document"),
        (PNG, "image/jpeg", 415, "document_type_mismatch"),
        (PDF, "text/html", 415, "document_type_mismatch"),
        (PDF, None, 415, "document_type_mismatch"),
        (PNG + bytes(5000), "image/png", 413, "too_large"),
    ],
)
def test_refused_uploads(
    docs: FlaskClient,
    docs_app: Flask,
    data: bytes,
    content_type: str | None,
    status: int,
    code: str,
) -> None:
    response = upload(docs, data, content_type)
    assert response.status_code == status and response.json["error"]["code"] == code
    root = Path(docs_app.config["LEDGER_DOCUMENTS_DIR"])
    assert not [p for p in root.rglob("*") if p.is_file()]


def test_a_large_upload_without_a_length_is_cut_off(docs: FlaskClient) -> None:
    """A chunked body (no Content-Length) is counted as it is read."""

    body = io.BytesIO(PNG + bytes(10_000))
    response = docs.post(
        URL,
        input_stream=body,
        headers={"Content-Type": "image/png", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )
    assert response.request.content_length is None
    assert response.status_code == 413 and response.json["error"]["code"] == "too_large"


def test_the_app_body_limit_does_not_cap_documents(ledger: Ledger, tmp_path: Path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "LEDGER": ledger,
            "LEDGER_MAX_BODY": 1000,
            "LEDGER_DOCUMENTS_DIR": str(tmp_path / "docs"),
        }
    )
    response = app.test_client().post(URL, data=PNG + bytes(5000), content_type="image/png")
    assert response.status_code == 201 and response.json["size"] == len(PNG) + 5000


def test_uploads_are_rate_limited_per_client(docs: FlaskClient) -> None:
    answers = [upload(docs, PNG + bytes([n]), "image/png").status_code for n in range(6)]
    assert answers == [201] * 5 + [429]
    refused = upload(docs, PNG, "image/png")
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    other = docs.post(
        URL, data=PNG, content_type="image/png", environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert other.status_code == 201  # another client has its own count


def test_a_stored_image_is_served_inline_with_strict_headers(docs: FlaskClient) -> None:
    digest = upload(docs, PNG, "image/png").json["sha256"]
    response = docs.get(f"/documents/{digest}")
    assert response.status_code == 200 and response.data == PNG
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == f"inline; filename={digest}.png"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    etag = response.headers["ETag"]
    assert docs.get(f"/documents/{digest}", headers={"If-None-Match": etag}).status_code == 304


def test_a_pdf_is_served_as_an_attachment(docs: FlaskClient) -> None:
    digest = upload(docs, PDF, "application/pdf").json["sha256"]
    response = docs.get(f"/documents/{digest}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f"attachment; filename={digest}.pdf"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_unknown_and_malformed_hashes(docs: FlaskClient) -> None:
    unknown = docs.get("/documents/" + "0" * 64)
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "unknown_document"
    for bad in ("A" * 64, "a" * 63, "zz" + "0" * 62):
        answer = docs.get(f"/documents/{bad}")
        assert answer.status_code == 400 and answer.json["error"]["code"] == "bad_sha256"
    page = docs.get("/documents/" + "0" * 64, headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_a_file_whose_bytes_do_not_match_the_hash_sent_is_refused(
    docs: FlaskClient, docs_app: Flask
) -> None:
    import hashlib

    right = hashlib.sha256(PDF).hexdigest()
    wrong = hashlib.sha256(PDF + b"changed on the way").hexdigest()
    headers = {"Content-Type": "application/pdf"}
    refused = docs.post(f"{URL}?sha256={wrong}", data=PDF, headers=headers)
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "document_hash_mismatch"
    root = Path(docs_app.config["LEDGER_DOCUMENTS_DIR"])
    assert not [p for p in root.rglob("*") if p.is_file()]  # nothing stored
    bad = docs.post(f"{URL}?sha256=XYZ", data=PDF, headers=headers)
    assert bad.status_code == 400 and bad.json["error"]["code"] == "bad_sha256"
    stored = docs.post(f"{URL}?sha256={right}", data=PDF, headers=headers)
    assert stored.status_code == 201 and stored.json["sha256"] == right
