"""Documents off the log: ``POST /api/v1/documents`` stores a lab report, ``GET
/documents/{sha256}`` serves it (docs/SCAN_PAGE.md, "Lab reports").

An upload is the file's raw bytes as the request body, its Content-Type one of
``application/pdf``, ``image/jpeg``, ``image/png`` or ``image/webp``; the type is read from
the file's first bytes and a file of another type than it was sent as is refused. The
answer names the SHA-256 the server computed, which is what an event's
``tl:inspection.reportSha256`` carries. Uploads are counted per client address
(Flask-Limiter, ``LEDGER_DOCUMENT_UPLOAD_LIMIT``); behind a reverse proxy every client has
the proxy's address unless the app is told to trust ``X-Forwarded-For``.

A PDF is served as an attachment, so that a script or form in it never runs at this
origin; the reader's own PDF app opens it. Images are served inline. Both carry a CSP that
allows nothing (``default-src 'none'; sandbox``), ``nosniff``, and immutable caching: the
bytes at a hash never change. The server does not re-check a file's hash when it serves
it: the scan page's script does, in the reader's browser, against the signed record.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request, send_file, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from ledger.core.errors import ValidationError
from ledger.service.documents import DEFAULT_MAX_BYTES, DocumentStore, check_sha256

bp = Blueprint("documents", __name__)

CHUNK = 1 << 16
IMMUTABLE = "public, max-age=31536000, immutable"
DOCUMENT_CSP = "default-src 'none'; sandbox"


def settings_from_env() -> dict[str, Any]:
    """The document store's settings from the environment (None: the default)."""
    raw_max = os.environ.get("LEDGER_DOCUMENT_MAX_BYTES", str(DEFAULT_MAX_BYTES))
    if not raw_max.isascii() or not raw_max.isdigit() or int(raw_max) < 1:
        raise ValidationError(
            "LEDGER_DOCUMENT_MAX_BYTES must be a positive whole number", code="bad_config"
        )
    return {
        # None: ``documents`` in the app's instance directory.
        "LEDGER_DOCUMENTS_DIR": os.environ.get("LEDGER_DOCUMENTS_DIR") or None,
        "LEDGER_DOCUMENT_MAX_BYTES": int(raw_max),
        "LEDGER_DOCUMENT_UPLOAD_LIMIT": os.environ.get(
            "LEDGER_DOCUMENT_UPLOAD_LIMIT", "30 per hour"
        ),
    }


def store() -> DocumentStore:
    """The app's document store."""
    return current_app.extensions["documents"]  # type: ignore[no-any-return]


def _body_chunks(limit: int) -> Iterator[bytes]:
    """The request body, a chunk at a time (the store counts it against ``limit``)."""
    request.max_content_length = limit + 1  # the app's 1 MiB limit is for statements
    stream = request.stream
    while chunk := stream.read(CHUNK):
        yield chunk


@bp.post("/api/v1/documents")
def upload() -> tuple[Response, int]:
    """Store the request body as a document; 201 when new, 200 when already stored."""
    documents = store()
    length = request.content_length
    if length is not None and length > documents.max_bytes:
        raise ValidationError.of(
            "too_large", what="document", size=length, limit=documents.max_bytes
        )
    claimed = request.mimetype or ""  # without parameters; "" when none was sent
    # ?sha256=: the hash the sender computed (the one its record carries) must be the file's.
    expected = request.args.get("sha256")
    document, created = documents.put(
        _body_chunks(documents.max_bytes),
        claimed_type=claimed,
        expected_sha256=None if expected is None else check_sha256(expected, "sha256"),
    )
    url = url_for("documents.serve", sha256=document.sha256)
    response = jsonify(
        {
            "sha256": document.sha256,
            "size": document.size,
            "media_type": document.media_type,
            "url": url,
        }
    )
    if created:
        response.headers["Location"] = url
    return response, 201 if created else 200


@bp.get("/documents/<sha256>")
def serve(sha256: str) -> Response:
    """The stored file of ``sha256``: 400 for a malformed hash, 404 for an unknown one."""
    document = store().get(check_sha256(sha256))
    is_pdf = document.media_type == "application/pdf"
    response = send_file(
        document.path,
        mimetype=document.media_type,
        as_attachment=is_pdf,
        download_name=document.filename,
        conditional=True,
        etag=document.sha256,
        max_age=31536000,
    )
    response.headers["Cache-Control"] = IMMUTABLE
    response.headers["Content-Security-Policy"] = DOCUMENT_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Access-Control-Allow-Origin"] = "*"  # anyone may check the hash
    return response


def _upload_limit() -> str:
    return str(current_app.config["LEDGER_DOCUMENT_UPLOAD_LIMIT"])


def register(app: Flask) -> None:
    """Open the store, add the routes, and count uploads per client with a limiter of this
    app's own (two apps in one process never share counts)."""
    for name, value in settings_from_env().items():
        app.config.setdefault(name, value)
    root = app.config["LEDGER_DOCUMENTS_DIR"] or os.path.join(app.instance_path, "documents")
    app.extensions["documents"] = DocumentStore(
        Path(root), max_bytes=int(app.config["LEDGER_DOCUMENT_MAX_BYTES"])
    )
    app.register_blueprint(bp)
    limiter = Limiter(get_remote_address, app=app)
    limited: Any = limiter.limit(_upload_limit, scope="documents-upload")(upload)
    app.view_functions["documents.upload"] = limited
