"""Printable label sheets: one label per serialised unit, with its QR code.

A sheet is an HTML page for A4 paper, 3 x 8 labels of 70 x 37 mm a page (see
``templates/labels.css``). Each label shows the QR code of the unit's Digital Link on the
resolver's base URL, the product's names in Chinese and English, the lot and serial, and
the GS1 human-readable interpretation ``(01) ... (10) ... (21) ...``. Everything a producer
wrote is escaped (Jinja autoescape); only the QR SVG, built here, is inserted as markup.

The stylesheet is a separate file (``STYLESHEET``), not inline: the web app's
Content-Security-Policy forbids inline style. The web app serves it; the CLI writes it
next to the page.

``make_labels`` makes the QR codes in this process (and its cache) unless asked for
``workers`` > 1, which only ``ledger labels`` does: then a lot of at least ``POOL_MIN_UNITS``
units has its codes made in a pool of processes, in chunks, and the pool is shut down
before it returns. A web request never starts processes.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ledger.catalogue import Catalogue
from ledger.qr import qr_svg_inline, svgs_inline
from ledger.service.units import Unit

TEMPLATES = Path(__file__).with_name("templates")
STYLESHEET = TEMPLATES / "labels.css"
COLUMNS, ROWS = 3, 8
PER_PAGE = COLUMNS * ROWS
# Below this many units a pool costs more (starting processes) than it saves.
POOL_MIN_UNITS = 200
# URIs per task sent to the pool: progress moves on as each chunk comes back.
CHUNK = 250

Progress = Callable[[int, int], None]

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
)


@dataclass(frozen=True)
class Label:
    """What one label shows."""

    uri: str  # what the QR code encodes
    svg: Markup
    name_zh: str
    name_en: str
    gtin: str
    lot: str
    serial: str

    @property
    def elements(self) -> tuple[tuple[str, str], ...]:
        """The GS1 element strings (AI, value) of the human-readable interpretation."""
        return (("01", self.gtin), ("10", self.lot), ("21", self.serial))

    @property
    def hri(self) -> str:
        """The human-readable interpretation, e.g. ``(01) 0690... (10) WC26-M07 (21) 100071``."""
        return " ".join(f"({ai}) {value}" for ai, value in self.elements)


def _label(unit: Unit, uri: str, svg: str, catalogue: Catalogue) -> Label:
    product = catalogue.get(unit.gtin)
    return Label(
        uri=uri,
        svg=Markup(svg),
        name_zh=product.name_zh if product else catalogue.display_name(unit.gtin, "zh"),
        name_en=product.name_en if product else catalogue.display_name(unit.gtin, "en"),
        gtin=unit.gtin,
        lot=unit.lot,
        serial=unit.serial,
    )


def make_labels(
    units: Sequence[Unit],
    catalogue: Catalogue,
    base_url: str,
    progress: Progress | None = None,
    *,
    workers: int = 1,
    pool_min_units: int | None = None,
) -> list[Label]:
    """The labels of ``units``, in order; ``progress(done, total)`` every 100 labels.

    With ``workers`` > 1 and at least ``pool_min_units`` (default ``POOL_MIN_UNITS``) units,
    the QR codes are made in a pool of ``workers`` processes (progress then moves on per
    chunk); the labels are the same either way.
    """
    uris = [unit.uri_on(base_url) for unit in units]
    threshold = POOL_MIN_UNITS if pool_min_units is None else pool_min_units
    if workers > 1 and len(uris) >= max(threshold, 2):
        svgs = _pooled_svgs(uris, workers, progress)
    else:
        svgs = []
        for n, uri in enumerate(uris, 1):
            svgs.append(qr_svg_inline(uri))
            if progress is not None and (n % 100 == 0 or n == len(uris)):
                progress(n, len(uris))
    return [
        _label(unit, uri, svg, catalogue) for unit, uri, svg in zip(units, uris, svgs, strict=False)
    ]


def _start_method() -> str:
    """How the pool starts its processes: "fork" (instant, nothing re-imported) from a
    single-threaded process on Linux, as the CLI is; otherwise "spawn", since forking a
    process with other threads (a test runner, a server) can copy a lock some thread holds.
    """
    return "fork" if sys.platform == "linux" and threading.active_count() == 1 else "spawn"


def _pooled_svgs(uris: list[str], workers: int, progress: Progress | None) -> list[str]:
    """The QR SVGs of ``uris`` made by a pool of ``workers`` processes, in order."""
    size = max(1, min(CHUNK, -(-len(uris) // (4 * workers))))  # >= 4 chunks a worker
    chunks = [uris[i : i + size] for i in range(0, len(uris), size)]
    results: list[list[str]] = [[] for _ in chunks]
    done = 0
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(chunks)),
        mp_context=multiprocessing.get_context(_start_method()),
    )
    try:
        futures = {pool.submit(svgs_inline, chunk): i for i, chunk in enumerate(chunks)}
        for future in as_completed(futures):
            index = futures[future]
            results[index] = future.result()
            done += len(chunks[index])
            if progress is not None:
                progress(done, len(uris))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # no process outlives the sheet
    return [svg for chunk in results for svg in chunk]


def pages(labels: Sequence[Label]) -> list[Sequence[Label]]:
    """The labels cut into pages of ``PER_PAGE``."""
    return [labels[i : i + PER_PAGE] for i in range(0, len(labels), PER_PAGE)]


def render_sheet(
    labels: Sequence[Label],
    *,
    css_href: str,
    title: str,
    guide: Markup | None = None,
    script_href: str | None = None,
) -> str:
    """The HTML page of the labels, linking the stylesheet at ``css_href``; ``guide`` (printing
    instructions, shown on screen only) and the module at ``script_href`` come before them."""
    return _env.get_template("labels.html").render(
        pages=pages(labels), css_href=css_href, title=title, guide=guide, script_href=script_href
    )


def sheet_title(labels: Iterable[Label]) -> str:
    """A page title naming the product and lot of the first label."""
    first = next(iter(labels), None)
    if first is None:
        return "Labels"
    return f"{first.name_zh} · {first.name_en} · (01) {first.gtin} (10) {first.lot}"
