"""The GS1 Digital Link resolver: what a phone opens when it scans a label.

``/01/{gtin}/10/{lot}`` names a lot and ``/01/{gtin}/10/{lot}/21/{serial}`` (or
``/01/{gtin}/21/{serial}``) a unit. A person gets the scan page; ``?format=bundle`` or
``Accept: application/json`` gets the proof bundle (FORMAT.md section 9). Bundles and
page contents are cached per checkpoint: for a fixed checkpoint they never change.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from ledger.core.bundle import BundleReport, verify_bundle
from ledger.core.digital_link import CANONICAL_STEM
from ledger.core.errors import LedgerError, NotFoundError, ValidationError
from ledger.core.gs1 import GS1Identifier, parse_identifier
from ledger.service.bundles import Bundle, build_bundle, checkpoint_of_size
from ledger.service.checkpoints import SignedCheckpoint
from ledger.service.ledger import Ledger
from web.catalogue import current_catalogue
from web.errors import error_page, status_for
from web.scan_view import ScanView, report_hashes, scan_view

bp = Blueprint("resolver", __name__)

MAX_PATH = 300  # far longer than any valid GTIN + lot + serial path
IMMUTABLE = "public, max-age=31536000, immutable"
_NOTICES = "<!-- notices -->"  # where a cached page takes its per-scan part


@dataclass(frozen=True)
class Page:
    """A scan page rendered except for its per-scan notices, which go between ``head`` and
    ``tail``."""

    view: ScanView
    head: str
    tail: str


@dataclass(frozen=True)
class Resolved:
    """A bundle with the server's own verdict on it."""

    bundle: Bundle
    report: BundleReport


class ScanCache:
    """Bundles, verdicts and pages per (object, checkpoint), least recently used out, and the
    current checkpoint for ``checkpoint_ttl`` seconds.

    Every new checkpoint makes every cached page stale, so pages move to a new checkpoint at
    most every ``checkpoint_ttl`` seconds: on a busy log a page may lag that long behind, and
    hot codes are rebuilt once per interval instead of once per signed checkpoint.
    """

    def __init__(self, ledger: Ledger, *, size: int = 1024, checkpoint_ttl: float = 10.0) -> None:
        self.ledger = ledger
        self.size = size
        self.checkpoint_ttl = checkpoint_ttl
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._current: tuple[float, SignedCheckpoint] | None = None
        self._lock = threading.Lock()

    def _get(self, key: tuple[Any, ...], make: Any) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def current_checkpoint(self) -> SignedCheckpoint:
        """The latest checkpoint, re-read at most every ``checkpoint_ttl`` seconds."""
        now = time.monotonic()
        cached = self._current
        if cached is None or now - cached[0] > self.checkpoint_ttl:
            latest = self.ledger.latest_checkpoint()
            if latest is None:
                raise NotFoundError(
                    "this ledger has signed no checkpoint yet", code="no_checkpoint"
                )
            cached = self._current = (now, latest)
        return cached[1]

    def checkpoint(self, tree_size: int) -> SignedCheckpoint:
        """The stored checkpoint of exactly ``tree_size`` entries."""

        def load() -> SignedCheckpoint:
            with self.ledger.engine.connect() as conn:
                return checkpoint_of_size(conn, tree_size)

        return self._get(("checkpoint", tree_size), load)  # type: ignore[no-any-return]

    def resolved(self, subject: GS1Identifier, checkpoint: SignedCheckpoint) -> Resolved:
        """The subject's bundle at ``checkpoint`` and the server's verdict on it."""

        def make() -> Resolved:
            with self.ledger.engine.connect() as conn:
                bundle = build_bundle(conn, subject, checkpoint, self.ledger.operator)
            return Resolved(bundle, verify_bundle(bundle.document, self.ledger.operator))

        return self._get(("bundle", subject.object_key(), checkpoint.tree_size), make)  # type: ignore[no-any-return]

    def page(self, resolved: Resolved, lang: str, path: str) -> Page:
        """The page for ``path`` in ``lang``, rendered once per object, checkpoint, language
        and requested path (which the language switch links to)."""
        bundle = resolved.bundle
        # A report stored after the page was cached changes the page: the key says which
        # of the lineage's reports the store holds now (a file test per report, no read).
        documents = current_app.extensions["documents"]
        stored = frozenset(h for h in report_hashes(bundle.lineage) if documents.has(h))
        # A product renamed in the console's catalogue changes the page as well.
        catalogue = current_catalogue()
        key = ("page", path, bundle.checkpoint.tree_size, lang, stored, catalogue.fingerprint)

        def render() -> Page:
            view = scan_view(bundle.lineage, resolved.report, catalogue, lang, stored)
            html = render_template(
                "scan.html",
                view=view,
                lang=lang,
                notices=Markup(_NOTICES),
                bundle_url=bundle_url(bundle),
                verifier_key=current_app.extensions["ledger"].operator.vkey,
                other_lang_url=f"{path}?lang={'en' if lang == 'zh' else 'zh'}",
            )
            head, tail = html.split(_NOTICES)
            return Page(view, head, tail)

        return self._get(key, render)  # type: ignore[no-any-return]


def raw_path() -> str:
    """The request path as sent, percent-encoding intact (a lot may contain an encoded '/')."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
    return raw.split("?", 1)[0]


def _subject() -> GS1Identifier:
    """The lot or unit the path names. A malformed code names nothing here: 404, not 400."""
    path = raw_path()
    try:
        if len(path) > MAX_PATH:
            raise ValidationError(
                _("This code is far longer than any product code."), code="bad_identifier"
            )
        return parse_identifier("https://id.gs1.org" + path, field="code", allowed=("lot", "unit"))
    except ValidationError as error:
        raise NotFoundError(error.message, code=error.code, field="code") from error


def _tree_size() -> int | None:
    raw = request.args.get("tree_size")
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 15:
        raise ValidationError(
            "tree_size must be a whole number", code="bad_parameter", field="tree_size"
        )
    return int(raw)


def wants_bundle() -> bool:
    """``?format=bundle``, or a client that prefers JSON to HTML."""
    accept = request.accept_mimetypes
    return (
        request.args.get("format") == "bundle" or accept["application/json"] > accept["text/html"]
    )


def _bundle_response(resolved: Resolved, pinned: bool) -> Response:
    bundle = resolved.bundle
    response = Response(bundle.document, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Vary"] = "Accept"
    if pinned:
        response.headers["Cache-Control"] = IMMUTABLE
    else:
        response.headers["Cache-Control"] = "public, max-age=60"
        response.headers["Link"] = f'<{bundle_url(bundle)}>; rel="canonical"'
    return response


def bundle_url(bundle: Bundle) -> str:
    """The bundle's immutable URL, on the subject's canonical path (a unit's without its lot)."""
    path = bundle.lineage.subject.object_key().removeprefix(CANONICAL_STEM)
    return f"{path}?format=bundle&tree_size={bundle.checkpoint.tree_size}"


def _lot_warning(subject: GS1Identifier, view: ScanView) -> str | None:
    if (
        subject.serial is not None
        and subject.lot is not None
        and view.lot is not None
        and subject.lot != view.lot
    ):
        return _(
            "The lot printed on this label (%(printed)s) is not the lot this unit was filled from "
            "(%(recorded)s). The label may be copied or wrong.",
            printed=subject.lot,
            recorded=view.lot,
        )
    return None


@bp.get("/01/<path:rest>")
def resolve(rest: str) -> Response:
    """The scan page, or the proof bundle, of the lot or unit the path names."""
    bundle_wanted = wants_bundle()
    try:
        subject = _subject()
        cache: ScanCache = current_app.extensions["scan_cache"]
        pinned = _tree_size()
        checkpoint = cache.current_checkpoint() if pinned is None else cache.checkpoint(pinned)
        resolved = cache.resolved(subject, checkpoint)
    except LedgerError as error:
        if bundle_wanted:
            raise
        return error_page(error, status_for(error))
    if bundle_wanted:
        return _bundle_response(resolved, pinned is not None)

    lang = str(get_locale() or "zh")
    path = raw_path()
    page = cache.page(resolved, lang, path)
    scans = current_app.extensions["scans"]
    now = datetime.now(UTC)
    if request.method == "HEAD":  # link checkers and previews: not a scan
        stats = scans.stats(subject.object_key(), now)
    else:
        stats = scans.record(
            subject.object_key(), request.remote_addr or "", request.user_agent.string, now
        )
    notices = render_template(
        "_scan_notices.html",
        view=page.view,
        stats=stats,
        lot_warning=_lot_warning(subject, page.view),
    )
    html = page.head + notices + page.tail
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-cache"  # the scan count changes on every view
    response.headers["Vary"] = "Accept, Accept-Language"
    return response
