"""Label sheets: units/s for a lot of 10,000 fake units, against plain ``qrcode``.

    .venv/bin/python -m bench.labels [--quick] [--units N] [--rounds R] [--workers W]

Per round, interleaved:

(a) the baseline, plain ``qrcode`` making the symbol of each URI of a sample
    (``QRCode(error_correction=Q).add_data(uri); make()``, its own mask evaluation), and
    ``qrcode.make(uri, image_factory=SvgPathImage).to_string()`` for an SVG as a user of
    the package would write it;
(b) what ``ledger labels`` does after reading the lot: ``make_labels`` with a process pool
    of ``--workers`` (default ``os.cpu_count()``, as the CLI), ``render_sheet``, and the
    page written to a file; the total time, pool start-up included, split into codes,
    render and write;
(c) the same in one process (``workers=1``, the web app's path), unless ``--no-inprocess``.

Caches are cleared before (b) and (c), and every round has fresh serials, so nothing is
cached across rounds. Prints medians and the median of per-round ratios; no assertions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import qrcode
from qrcode.constants import ERROR_CORRECT_Q
from qrcode.image.svg import SvgPathImage

from ledger import labels, qr
from ledger.catalogue import Catalogue
from ledger.service.units import Unit

BASE = "https://resolver.wuchang-rice.example"
GTIN = "06901234000122"
LOT = "WC26-M07"


def _seconds(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


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


def _sheet(units: list[Unit], catalogue: Catalogue, workers: int, out: Path) -> dict[str, float]:
    """The CLI's work on a lot: codes, the page, the file; seconds of each and in total."""
    _clear_caches()
    start = time.perf_counter()
    made = labels.make_labels(units, catalogue, BASE, workers=workers)
    coded = time.perf_counter()
    page = labels.render_sheet(made, css_href="labels.css", title=labels.sheet_title(made))
    rendered = time.perf_counter()
    out.write_text(page, encoding="utf-8")
    written = time.perf_counter()
    return {
        "codes": coded - start,
        "render": rendered - coded,
        "write": written - rendered,
        "total": written - start,
        "mb": len(page.encode()) / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument(
        "--baseline-sample",
        type=int,
        default=1_000,
        help="URIs the baselines encode per round (they are slow)",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes of the CLI's pool (default: os.cpu_count())",
    )
    parser.add_argument(
        "--no-inprocess", action="store_true", help="skip (c), the sheet made in one process"
    )
    parser.add_argument("--quick", action="store_true", help="1,000 units, 2 rounds")
    args = parser.parse_args()
    if args.quick:
        args.units, args.baseline_sample, args.rounds = 1_000, 300, 2
    catalogue = Catalogue.load()
    plain, plain_svg, cli_rates, cli_totals, one_rates, ratios = [], [], [], [], [], []
    print(
        f"{args.units} units, {args.workers} workers, os.cpu_count() = {os.cpu_count()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "labels.html"
        for round_no in range(args.rounds):
            units = [Unit(GTIN, LOT, f"{round_no}{n:07d}") for n in range(args.units)]
            uris = [u.uri_on(BASE) for u in units[: args.baseline_sample]]
            plain.append(len(uris) / _seconds(lambda: _plain_symbols(uris)))  # noqa: B023
            plain_svg.append(len(uris) / _seconds(lambda: _plain_svgs(uris)))  # noqa: B023
            cli = _sheet(units, catalogue, args.workers, out)
            cli_totals.append(cli["total"])
            cli_rates.append(args.units / cli["total"])
            ratios.append(cli_rates[-1] / plain[-1])
            line = (
                f"round {round_no + 1}: qrcode symbols {plain[-1]:.0f}/s, qrcode SVG "
                f"{plain_svg[-1]:.0f}/s | CLI path {cli_rates[-1]:.0f} units/s, "
                f"{cli['total']:.1f} s (codes {cli['codes']:.1f}, render "
                f"{cli['render']:.1f}, write {cli['write']:.1f}; {cli['mb']:.0f} MB)"
            )
            if not args.no_inprocess:
                # Fresh serials: nothing from (b) is cached in this process anyway.
                one = _sheet(
                    [Unit(GTIN, LOT, f"9{round_no}{n:07d}") for n in range(args.units)],
                    catalogue,
                    1,
                    out,
                )
                one_rates.append(args.units / one["total"])
                line += f" | one process {one_rates[-1]:.0f} units/s, {one['total']:.1f} s"
            print(line, flush=True)
    summary = (
        f"median: qrcode symbols {statistics.median(plain):.0f}/s, qrcode SVG "
        f"{statistics.median(plain_svg):.0f}/s, CLI path "
        f"{statistics.median(cli_rates):.0f} units/s ({args.units} units in "
        f"{statistics.median(cli_totals):.1f} s)"
    )
    if one_rates:
        summary += f", one process {statistics.median(one_rates):.0f} units/s"
    print(summary + f"; CLI path / plain qrcode symbols = {statistics.median(ratios):.1f}x")


if __name__ == "__main__":
    main()
