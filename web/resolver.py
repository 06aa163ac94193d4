"""The GS1 Digital Link resolver: what a phone opens when it scans a label.

``/01/{gtin}/10/{lot}`` names a lot and ``/01/{gtin}/10/{lot}/21/{serial}`` (or
``/01/{gtin}/21/{serial}``) a unit. A person gets the scan page; ``?format=bundle`` or
``Accept: application/json`` gets the proof bundle (FORMAT.md section 9). Bundles and
page contents are cached per checkpoint: for a fixed checkpoint they never change.

It is a GS1-Conformant resolver (FORMAT.md section 13): ``?linkType=linkset`` or ``Accept:
application/linkset+json`` gets the object's RFC 9264 linkset, ``?linkType=gs1:X`` a 307 to
that link, compressed Digital Links resolve as their uncompressed form, and
``/.well-known/gs1resolver`` describes the resolver.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from ledger.core.bundle import BundleReport, verify_bundle
from ledger.core.certificate import creation
from ledger.core.digital_link import CANONICAL_STEM
from ledger.core.dl_compression import decompress_digital_link, looks_compressed
from ledger.core.errors import LedgerError, NotFoundError, ValidationError
from ledger.core.gs1 import GS1Identifier, parse_identifier
from ledger.core.linkset import (
    DEFAULT_LINK,
    GS1_VOC,
    LINKSET_CONTEXT,
    Link,
    link_type_of,
    linkset_document,
)
from ledger.service.bundles import Bundle, build_bundle, checkpoint_of_size
from ledger.service.checkpoints import SignedCheckpoint
from ledger.service.ledger import Ledger
from web.answer import answer as scan_answer
from web.catalogue import current_catalogue
from web.errors import error_page, status_for
from web.scan_view import ScanView, report_hashes, scan_view

bp = Blueprint("resolver", __name__)

MAX_PATH = 300  # far longer than any valid GTIN + lot + serial path
IMMUTABLE = "public, max-age=31536000, immutable"
_NOTICES = "<!-- notices -->"  # where a cached page takes its per-scan part
LINKSET_TYPE = "application/linkset+json"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# The shortest compressed Digital Link (a GLN or a GTIN alone) takes 10 characters; shorter
# single-segment paths are plain unknown addresses.
MIN_COMPRESSED = 10


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
    hot codes are rebuilt once per interval instead of once per signed checkpoint. A recall
    may not wait that long: every ``recall_check`` seconds one indexed query asks whether a
    recall statement newer than the cached checkpoint exists, and if so the latest checkpoint
    is read at once (bench/recall.py measures this).
    """

    def __init__(
        self,
        ledger: Ledger,
        *,
        size: int = 1024,
        checkpoint_ttl: float = 10.0,
        recall_check: float = 1.0,
    ) -> None:
        self.ledger = ledger
        self.size = size
        self.checkpoint_ttl = checkpoint_ttl
        self.recall_check = recall_check
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._current: tuple[float, SignedCheckpoint] | None = None
        self._recall_checked = 0.0
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
        if cached is not None and now - self._recall_checked > self.recall_check:
            self._recall_checked = now
            newest = self.ledger.newest_recall_entry()
            if newest is not None and newest >= cached[1].tree_size:
                cached = None  # a recall since the cached checkpoint: show it now
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


def _subject(path: str) -> GS1Identifier:
    """The lot or unit a Digital Link path names. A code that breaks the Digital Link syntax
    is a 400 (the GS1-Conformant resolver standard); a well-formed GTIN alone names a product
    class, which this ledger does not resolve: 404."""
    if len(path) > MAX_PATH:
        raise ValidationError(
            _("This code is far longer than any product code."), code="bad_identifier", field="code"
        )
    # A trailing slash is tolerated, as the standard asks.
    uri = CANONICAL_STEM + (path[:-1] if path.endswith("/") and len(path) > 1 else path)
    subject = parse_identifier(uri, field="code")
    if subject.kind not in ("lot", "unit"):
        raise NotFoundError(
            "this ledger resolves lots (/01/{gtin}/10/{lot}) and units (…/21/{serial}); "
            f"{subject.object_key()} names neither",
            code="bad_identifier",
            field="code",
        )
    return subject


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


def _link_type_asked() -> str | None:
    """``linkset`` for the linkset, a GS1 link type's local name, or None for the default."""
    asked = request.args.get("linkType")
    if asked is None:
        accept = request.accept_mimetypes
        # An exact media type, at least as wanted as HTML and JSON (not a browser's */*).
        named = LINKSET_TYPE in {value for value, _q in accept}
        linkset = accept.quality(LINKSET_TYPE)
        if (
            named
            and linkset > 0
            and linkset >= max(accept["text/html"], accept["application/json"])
        ):
            return "linkset"
        return None
    if asked in ("linkset", "all"):
        return "linkset"
    return link_type_of(asked)


def _bundle_response(resolved: Resolved, pinned: bool) -> Response:
    bundle = resolved.bundle
    response = Response(bundle.document, mimetype="application/json")
    response.headers["Vary"] = "Accept"
    if pinned:
        response.headers["Cache-Control"] = IMMUTABLE
    else:
        response.headers["Cache-Control"] = "public, max-age=60"
        response.headers.add("Link", f'<{bundle_url(bundle)}>; rel="canonical"')
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


# ---------------------------------------------------------------------------------------
# Links (GS1-Conformant resolver standard): what the resolver knows about one object
# ---------------------------------------------------------------------------------------


def _root() -> str:
    return request.url_root.removesuffix("/")


def _anchor(subject: GS1Identifier) -> str:
    """The uncompressed Digital Link URI of the request on this resolver."""
    return subject.uri(_root())


def object_links(subject: GS1Identifier, resolved: Resolved) -> tuple[list[Link], Link]:
    """Every link this ledger has for ``subject``, and the default (the scan page)."""
    root = _root()
    anchor = _anchor(subject)
    canonical = quote(subject.object_key(), safe="")
    is_lot = subject.serial is None
    pip = Link(
        "pip",
        anchor,
        "Lot journey and proof (scan page)" if is_lot else "Product journey and proof (scan page)",
        "text/html",
        ("zh", "en"),
    )
    links = [
        pip,
        Link(
            "traceability",
            root + bundle_url(resolved.bundle),
            "Proof bundle: every signed entry and inclusion proof",
            "application/json",
        ),
        Link(
            "epcis", f"{root}/epcis/epcs/{canonical}/events", "EPCIS 2.0 events", "application/json"
        ),
        Link(
            "recallStatus",
            f"{root}/api/v1/recalls?object={canonical}",
            "Recall status",
            "application/json",
        ),
    ]
    documents = current_app.extensions["documents"]
    for sha256 in sorted(report_hashes(resolved.bundle.lineage)):
        if documents.has(sha256):
            document = documents.get(sha256)
            links.append(
                Link(
                    "certificationInfo",
                    root + url_for("documents.serve", sha256=sha256),
                    f"Laboratory report {sha256[:12]}",
                    document.media_type,
                )
            )
    if is_lot and any(
        creation(subject.object_key(), s.event) for s in resolved.bundle.lineage.steps
    ):
        links.append(
            Link(
                "certificationInfo",
                root + "/certificates" + subject.uri(""),
                "Compliance certificate (承诺达标合格证)",
                "text/html",
                ("zh", "en"),
            )
        )
    return links, pip


def _description(subject: GS1Identifier) -> str:
    name = current_catalogue().display_name(subject.key, "en")
    if subject.serial is not None:
        return f"{name}, serial {subject.serial}"
    return f"{name}, lot {subject.lot}"


def _linkset_header(subject: GS1Identifier) -> str:
    return f'<{_anchor(subject)}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"'


def _linkset_response(subject: GS1Identifier, links: list[Link], default: Link) -> Response:
    document = linkset_document(_anchor(subject), _description(subject), links, default)
    response = Response(json.dumps(document, ensure_ascii=False, indent=1), mimetype=LINKSET_TYPE)
    response.headers.add(
        "Link",
        f'<{LINKSET_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; '
        'type="application/ld+json"',
    )
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Vary"] = "Accept"
    return response


def _passed_on_query() -> str:
    """The request's query string without ``linkType``, passed on when redirecting."""
    raw = request.query_string.decode("latin-1")
    kept = [p for p in raw.split("&") if p and p.split("=", 1)[0] != "linkType"]
    return "&".join(kept)


def _choose(candidates: list[Link]) -> list[Link]:
    """The links that best match the request's Accept and Accept-Language headers."""
    named = {value for value, _q in request.accept_mimetypes}
    by_type = [c for c in candidates if c.media_type in named]
    if by_type:
        best = max(request.accept_mimetypes.quality(c.media_type or "") for c in by_type)
        candidates = [
            c for c in by_type if request.accept_mimetypes.quality(c.media_type or "") == best
        ]
    languages = [lang.split("-")[0] for lang, _q in request.accept_languages]
    for lang in languages:
        by_lang = [c for c in candidates if lang in c.hreflang]
        if by_lang and len(by_lang) < len(candidates):
            return by_lang
    return candidates


def _redirect(subject: GS1Identifier, link_type: str, links: list[Link], default: Link) -> Response:
    """307 to the link of the requested type (the query string passed on), 300 when several
    fit equally well, 404 (no_link) when the object has none of that type."""
    if link_type == DEFAULT_LINK:
        candidates = [default]
    else:
        candidates = [link for link in links if link.link_type == link_type]
    if not candidates:
        raise NotFoundError.of(
            "no_link", field="linkType", link_type=link_type, object=_anchor(subject)
        )
    chosen = _choose(candidates)
    if len(chosen) > 1:
        body = linkset_document(_anchor(subject), _description(subject), chosen, default)
        response = Response(json.dumps(body, ensure_ascii=False), status=300, mimetype=LINKSET_TYPE)
        return response
    query = _passed_on_query()
    target = chosen[0].href
    if query:
        target += ("&" if "?" in target else "?") + query
    response = Response("", status=307)
    response.headers["Location"] = target
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------------
# The views
# ---------------------------------------------------------------------------------------


@bp.after_request
def _cors(response: Response) -> Response:
    """Every resolver answer may be read by any site's script (the standard asks for CORS),
    and names the methods it supports."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response.headers["Access-Control-Allow-Headers"] = "Accept, Accept-Language"
    response.headers["Access-Control-Expose-Headers"] = "Link, Location, Content-Type, Vary"
    return response


def _options() -> Response:
    response = Response("", status=204)
    response.headers["Allow"] = ALLOWED_METHODS
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _answer(path: str, same_as: str | None = None) -> Response:
    """The answer for the Digital Link ``path`` (uncompressed): the scan page by default, the
    bundle, the linkset, or a redirect to one link."""
    if request.method == "OPTIONS":
        return _options()
    bundle_wanted = wants_bundle()
    link_type: str | None = None
    subject: GS1Identifier | None = None
    try:
        link_type = _link_type_asked()
        subject = _subject(path)
        cache: ScanCache = current_app.extensions["scan_cache"]
        pinned = _tree_size()
        checkpoint = cache.current_checkpoint() if pinned is None else cache.checkpoint(pinned)
        resolved = cache.resolved(subject, checkpoint)
        if link_type is not None:
            links, default = object_links(subject, resolved)
            if link_type == "linkset":
                response = _linkset_response(subject, links, default)
            else:
                response = _redirect(subject, link_type, links, default)
            return _with_links(response, subject, same_as)
    except LedgerError as error:
        if bundle_wanted or link_type is not None or "linkType" in request.args:
            raise
        page = error_page(error, status_for(error), kind=subject.kind if subject else None)
        return page
    if bundle_wanted:
        return _with_links(_bundle_response(resolved, pinned is not None), subject, same_as)

    lang = str(get_locale() or "zh")
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
        answer=scan_answer(page.view, stats, _lot_warning(subject, page.view)),
    )
    html = page.head + notices + page.tail
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-cache"  # the scan count changes on every view
    response.headers["Vary"] = "Accept, Accept-Language"
    return _with_links(response, subject, same_as)


def _with_links(response: Response, subject: GS1Identifier, same_as: str | None) -> Response:
    """The Link header every answer carries: the linkset, and for a compressed request its
    uncompressed URI (``owl:sameAs``)."""
    response.headers.add("Link", _linkset_header(subject))
    if same_as is not None:
        response.headers.add("Link", f'<{same_as}>; rel="owl:sameAs"')
    return response


@bp.route("/01/<path:rest>", methods=["GET", "OPTIONS"], provide_automatic_options=False)
def resolve(rest: str) -> Response:
    """The scan page, proof bundle, linkset or one link of the lot or unit the path names."""
    return _answer(raw_path())


@bp.route("/<segment>", methods=["GET", "OPTIONS"], provide_automatic_options=False)
def resolve_compressed(segment: str) -> Response:
    """A compressed Digital Link (``/AQnYUc1gmiER...``) answered as its uncompressed form,
    which the ``Link`` header names (``owl:sameAs``); anything else in one segment is 404."""
    if len(segment) < MIN_COMPRESSED or not looks_compressed(segment):
        raise NotFoundError("nothing is kept at this address", code="not_found", field="path")
    if request.method == "OPTIONS":
        return _options()
    try:
        try:
            uncompressed = decompress_digital_link(_root() + "/" + segment, field="code")
        except ValidationError as error:
            # One segment that does not decompress is more likely a mistyped address than a
            # damaged code: 404, with the reason.
            raise NotFoundError(
                f"nothing is kept at this address, and it is not a compressed GS1 Digital "
                f"Link: {error.message}",
                code="bad_identifier",
                field="code",
            ) from error
    except LedgerError as error:
        if wants_bundle() or "linkType" in request.args:
            raise
        return error_page(error, status_for(error))
    path = "/" + uncompressed.removeprefix(_root() + "/").split("?", 1)[0]
    return _answer(path, same_as=uncompressed)


@bp.route("/.well-known/gs1resolver", methods=["GET", "OPTIONS"], provide_automatic_options=False)
def description() -> Response:
    """The resolver description file the GS1-Conformant resolver standard asks for."""
    if request.method == "OPTIONS":
        return _options()
    body = {
        "name": "traceledger: a verifiable traceability ledger",
        "resolverRoot": _root(),
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeLinkset": False,
    }
    response = Response(json.dumps(body, indent=1), mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
