"""Printable label sheets: one label per serialised unit, with its QR code.

A sheet is an HTML page for A4 paper, 3 x 8 labels of 70 x 37 mm a page (see
``templates/labels.css``). Each label shows the QR code of the unit's Digital Link on the
resolver's base URL, the product's names in Chinese and English, the lot and serial, and
the GS1 human-readable interpretation ``(01) ... (10) ... (21) ...``. Everything a producer
wrote is escaped (Jinja autoescape); only the QR SVG, built here, is inserted as markup.

The stylesheet is a separate file (``STYLESHEET``), not inline: the web app's
Content-Security-Policy forbids inline style. The web app serves it; the CLI writes it
next to the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ledger.catalogue import Catalogue
from ledger.qr import qr_svg_inline
from ledger.service.units import Unit

TEMPLATES = Path(__file__).with_name("templates")
STYLESHEET = TEMPLATES / "labels.css"
COLUMNS, ROWS = 3, 8
PER_PAGE = COLUMNS * ROWS

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


def make_label(unit: Unit, catalogue: Catalogue, base_url: str) -> Label:
    """The label of one unit; its QR code encodes the unit's Digital Link on ``base_url``."""
    uri = unit.uri_on(base_url)
    product = catalogue.get(unit.gtin)
    return Label(
        uri=uri,
        # Built here from the URI alone (digits and path characters in a path's data).
        svg=Markup(qr_svg_inline(uri)),
        name_zh=product.name_zh if product else catalogue.display_name(unit.gtin, "zh"),
        name_en=product.name_en if product else catalogue.display_name(unit.gtin, "en"),
        gtin=unit.gtin,
        lot=unit.lot,
        serial=unit.serial,
    )


def make_labels(units: Sequence[Unit], catalogue: Catalogue, base_url: str,
                progress: Progress | None = None) -> list[Label]:
    """The labels of ``units``, in order; ``progress(done, total)`` every 100 labels."""
    labels = []
    for n, unit in enumerate(units, 1):
        labels.append(make_label(unit, catalogue, base_url))
        if progress is not None and (n % 100 == 0 or n == len(units)):
            progress(n, len(units))
    return labels


def pages(labels: Sequence[Label]) -> list[Sequence[Label]]:
    """The labels cut into pages of ``PER_PAGE``."""
    return [labels[i:i + PER_PAGE] for i in range(0, len(labels), PER_PAGE)]


def render_sheet(labels: Sequence[Label], *, css_href: str, title: str) -> str:
    """The HTML page of the labels, linking the stylesheet at ``css_href``."""
    return _env.get_template("labels.html").render(
        pages=pages(labels), css_href=css_href, title=title
    )


def sheet_title(labels: Iterable[Label]) -> str:
    """A page title naming the product and lot of the first label."""
    first = next(iter(labels), None)
    if first is None:
        return "Labels"
    return f"{first.name_zh} · {first.name_en} · (01) {first.gtin} (10) {first.lot}"
