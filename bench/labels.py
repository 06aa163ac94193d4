"""Label sheets: units/s for a lot of 10,000 fake units, against plain ``qrcode``.

    .venv/bin/python -m bench.labels [--quick] [--units N] [--rounds R]

Per round, interleaved: (a) the baseline, plain ``qrcode`` making the symbol of each URI
(``QRCode(error_correction=Q).add_data(uri); make()``, its own mask evaluation), and
``qrcode.make(uri, image_factory=SvgPathImage).to_string()`` for an SVG as a user of the
package would write it; (b) ``ledger.labels`` building every label (QR SVG included, caches
cleared first) and rendering the A4 sheet. Fresh serials every round, so nothing is cached
across rounds. Prints medians and the median of per-round ratios; no assertions.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial

import qrcode
from qrcode.constants import ERROR_CORRECT_Q
from qrcode.image.svg import SvgPathImage

from ledger import labels, qr
from ledger.catalogue import Catalogue
from ledger.service.units import Unit

BASE = "https://resolver.wuchang-rice.example"
GTIN = "06901234000122"
LOT = "WC26-M07"


def _rate(count: int, work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return count / (time.perf_counter() - start)


def _clear_caches() -> None:
    for cached in (qr.qr_matrix, qr.qr_svg_inline, qr.qr_png):
        cached.cache_clear()


def _plain_symbols(uris: list[str]) -> None:
    for uri in uris:
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q)
        code.add_data(uri)
        code.make()


def _plain_svgs(uris: list[str]) -> None:
    for uri in uris:
        qrcode.make(uri, image_factory=SvgPathImage, error_correction=ERROR_CORRECT_Q).to_string()


def _sheet(units: list[Unit], catalogue: Catalogue) -> None:
    made = labels.make_labels(units, catalogue, BASE)
    labels.render_sheet(made, css_href="labels.css", title=labels.sheet_title(made))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--baseline-sample", type=int, default=1_000,
                        help="URIs the baselines encode per round (they are slow)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1,000 units, 2 rounds")
    args = parser.parse_args()
    if args.quick:
        args.units, args.baseline_sample, args.rounds = 1_000, 300, 2
    catalogue = Catalogue.load()
    plain, plain_svg, sheet_rates, ratios = [], [], [], []
    for round_no in range(args.rounds):
        units = [Unit(GTIN, LOT, f"{round_no}{n:07d}") for n in range(args.units)]
        uris = [u.uri_on(BASE) for u in units[: args.baseline_sample]]
        baseline = partial(_plain_symbols, uris)
        baseline_svg = partial(_plain_svgs, uris)
        sheet = partial(_sheet, units, catalogue)
        plain.append(_rate(len(uris), baseline))
        plain_svg.append(_rate(len(uris), baseline_svg))
        _clear_caches()
        sheet_rates.append(_rate(len(units), sheet))
        ratios.append(sheet_rates[-1] / plain[-1])
        print(f"round {round_no + 1}: qrcode symbols {plain[-1]:.0f}/s, qrcode SVG "
              f"{plain_svg[-1]:.0f}/s, label sheet {sheet_rates[-1]:.0f} units/s "
              f"({args.units} units in {args.units / sheet_rates[-1]:.1f} s)")
    print(f"median: qrcode symbols {statistics.median(plain):.0f}/s, qrcode SVG "
          f"{statistics.median(plain_svg):.0f}/s, label sheet {statistics.median(sheet_rates):.0f} "
          f"units/s; sheet / plain qrcode symbols = {statistics.median(ratios):.2f}x")


if __name__ == "__main__":
    main()
