"""Units of a lot from the log, label sheets (escaping, pages), and `ledger labels`."""

from __future__ import annotations

import html
import multiprocessing
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from ledger import labels, samples
from ledger.catalogue import Catalogue
from ledger.cli import main
from ledger.core.digital_link import CANONICAL_STEM
from ledger.core.errors import NotFoundError
from ledger.core.gs1 import gtin_uri
from ledger.core.signing import SigningKey
from ledger.core.statements import sign_statement
from ledger.service.ledger import Ledger
from ledger.service.units import Unit
from tests.labels.conftest import decode_all
from tests.labels.test_qr import modules_image, svg_modules

SERIALS = [str(n) for n in (10, 9, 100, 2)] + ["A-1"]


@pytest.fixture
def small_ledger(sqlite_engine: Engine, operator_key: SigningKey) -> Ledger:
    """Genesis, the mill with a key, and one bagging event of five bags of lot WC24-M01."""
    ledger = Ledger.create(sqlite_engine, operator_key, "ledger.example/labels")
    mill = SigningKey(bytes(range(32)))
    actor = next(a for a in samples.actor_payloads() if a["actor"] == "wuchang-mill")
    ledger.append(
        [
            sign_statement("actor", actor, operator_key),
            sign_statement(
                "key", {"actor": "wuchang-mill", "public_key": mill.public_key.b64}, operator_key
            ),
        ]
    )
    coop = next(a for a in samples.actor_payloads() if a["actor"] == "wuchang-coop")
    farm = SigningKey(bytes(range(1, 33)))
    ledger.append(
        [
            sign_statement("actor", coop, operator_key),
            sign_statement(
                "key", {"actor": "wuchang-coop", "public_key": farm.public_key.b64}, operator_key
            ),
        ]
    )
    # The milled lot must exist and be the mill's before it can be bagged.
    paddy = [(gtin_uri(samples.PADDY_GTIN, lot=samples.PADDY_LOT), 12000.0, "KGM")]
    for actor_key, payload in (
        (farm, samples.harvest()),
        (farm, samples.shipping(quantities=paddy)),
        (mill, samples.receiving(quantities=paddy)),
        (mill, samples.milling()),
        (mill, samples.bagging(serials=SERIALS)),
    ):
        ledger.append([sign_statement("event", payload, actor_key)])
    return ledger


def test_units_of_lot_sorted_by_serial(small_ledger: Ledger) -> None:
    units = small_ledger.units_of_lot(samples.BAG_GTIN, samples.RICE_LOT)
    assert [u.serial for u in units] == ["2", "9", "10", "100", "A-1"]
    assert units[0] == Unit(samples.BAG_GTIN, samples.RICE_LOT, "2")
    assert units[0].uri == f"{CANONICAL_STEM}/01/{samples.BAG_GTIN}/10/{samples.RICE_LOT}/21/2"
    # GTIN-13 is padded; a lot of another GTIN, or an unknown lot, has no units.
    assert small_ledger.units_of_lot(samples.BAG_GTIN[1:], samples.RICE_LOT) == units
    for gtin, lot in ((samples.BAG_GTIN, "NOPE"), (samples.RICE_GTIN, samples.RICE_LOT)):
        with pytest.raises(NotFoundError) as caught:
            small_ledger.units_of_lot(gtin, lot)
        assert caught.value.code == "unknown_lot"


def test_sheet_escapes_what_producers_wrote() -> None:
    catalogue = Catalogue({})
    unit = Unit("06901234000139", "<b>&'\"", "<script>")
    (label,) = labels.make_labels([unit], catalogue, "http://127.0.0.1:5000")
    page = labels.render_sheet([label], css_href="labels.css", title=labels.sheet_title([label]))
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;&amp;" in page
    assert "GTIN 06901234000139" in page
    assert label.uri == (
        "http://127.0.0.1:5000/01/06901234000139/10/%3Cb%3E%26%27%22/21/%3Cscript%3E"
    )
    assert label.hri == "(01) 06901234000139 (10) <b>&'\" (21) <script>"


def test_sheet_pages_and_contents() -> None:
    units = [Unit(samples.BAG_GTIN, "WC26-M07", f"{n:06d}") for n in range(1, 50)]
    sheet = labels.make_labels(units, Catalogue.load(), "https://resolver.example/")
    page = labels.render_sheet(sheet, css_href="/labels/labels.css", title="t")
    assert page.count('<section class="sheet"') == 3  # 24 + 24 + 1
    assert page.count("<svg ") == 49 and "<style" not in page and "<script" not in page
    assert '<link rel="stylesheet" href="/labels/labels.css">' in page
    assert "(01) 06901234000122</span> <span>(10) WC26-M07</span> <span>(21) 000049" in page
    assert "五常大米 稻花香 5kg" in page and "Wuchang rice, Daohuaxiang, 5 kg bag" in page
    assert sheet[0].uri == "https://resolver.example/01/06901234000122/10/WC26-M07/21/000001"


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_pool_makes_the_same_sheet(monkeypatch: pytest.MonkeyPatch, start_method: str) -> None:
    # 61 units with the pool's threshold lowered: several chunks of 8, and a short last one.
    units = [Unit(samples.BAG_GTIN, "WC26-M07", f"{n:06d}") for n in range(1, 62)]
    catalogue, base = Catalogue.load(), "https://resolver.example"
    alone = labels.make_labels(units, catalogue, base)
    page = labels.render_sheet(alone, css_href="labels.css", title=labels.sheet_title(alone))
    monkeypatch.setattr(labels, "_start_method", lambda: start_method)
    before = set(multiprocessing.active_children())
    seen: list[tuple[int, int]] = []
    pooled = labels.make_labels(
        units, catalogue, base, lambda d, t: seen.append((d, t)), workers=2, pool_min_units=10
    )
    assert set(multiprocessing.active_children()) <= before  # the pool's processes are gone
    assert len(seen) == 8 and seen[-1] == (61, 61)  # a step per chunk, as chunks come back
    assert [d for d, _ in seen] == sorted({d for d, _ in seen})
    assert pooled == alone
    assert (
        labels.render_sheet(pooled, css_href="labels.css", title=labels.sheet_title(pooled)) == page
    )
    for label in pooled[::15]:  # the codes on the sheet decode to exactly their units' URIs
        assert decode_all(modules_image(svg_modules(label.svg))) == [label.uri]
        assert label.uri.endswith(f"/21/{label.serial}")


def test_pool_not_used_for_small_lots_or_one_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object) -> None:
        raise AssertionError("the pool was used")

    monkeypatch.setattr(labels, "_pooled_svgs", no_pool)
    units = [Unit(samples.BAG_GTIN, "WC26-M07", str(n)) for n in range(labels.POOL_MIN_UNITS)]
    catalogue = Catalogue.load()
    assert len(labels.make_labels(units[:-1], catalogue, "http://x.example", workers=2)) == 199
    assert len(labels.make_labels(units, catalogue, "http://x.example")) == 200  # web app


def test_stylesheet_is_a4_three_by_eight() -> None:
    css = labels.STYLESHEET.read_text(encoding="utf-8")
    assert re.search(r"@page\s*\{\s*size:\s*A4", css)
    assert "repeat(3, 70mm)" in css and "repeat(8, 37mm)" in css
    assert labels.PER_PAGE == 24


def _cli(ledger: Ledger, *args: str) -> object:
    url = ledger.engine.url.render_as_string(hide_password=False)
    return CliRunner().invoke(main, ["--database", url, "labels", *args])


def test_cli_writes_sheet_and_stylesheet(small_ledger: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "print" / "sheet.html"
    result = _cli(
        small_ledger,
        samples.BAG_GTIN,
        samples.RICE_LOT,
        "--base-url",
        "http://127.0.0.1:5000",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "wrote 5 labels on 1 A4 page to" in result.output  # type: ignore[attr-defined]
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg ") == 5 and 'href="labels.css"' in page
    assert (tmp_path / "print" / "labels.css").read_bytes() == labels.STYLESHEET.read_bytes()
    assert html.escape("(21) A-1") in page.replace("</span> <span>", " ")
    assert not list(tmp_path.glob("print/*.partial"))


def test_cli_pool_writes_the_same_sheet(
    small_ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pooled_runs = []
    pooled = labels._pooled_svgs
    monkeypatch.setattr(labels, "_pooled_svgs", lambda *a: pooled_runs.append(1) or pooled(*a))
    pages = []
    for threshold in (labels.POOL_MIN_UNITS, 2):  # 5 units: in this process, then the pool
        monkeypatch.setattr(labels, "POOL_MIN_UNITS", threshold)
        monkeypatch.setattr("os.cpu_count", lambda: 2)
        out = tmp_path / f"{threshold}.html"
        result = _cli(small_ledger, samples.BAG_GTIN, samples.RICE_LOT, "--out", str(out))
        assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
        pages.append(out.read_bytes())
    assert pooled_runs == [1]
    assert pages[0] == pages[1] and pages[0].count(b"<svg ") == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((samples.BAG_GTIN[:-1] + "3", samples.RICE_LOT), "error [bad_check_digit]"),
        (("0690123400012X", samples.RICE_LOT), "error [bad_identifier]"),
        ((samples.BAG_GTIN, "L" * 21), "longer than 20 characters"),
        ((samples.BAG_GTIN, "NOPE"), "error [unknown_lot]"),
        ((samples.BAG_GTIN, samples.RICE_LOT, "--base-url", "ftp://x"), "error [bad_option]"),
    ],
)
def test_cli_errors(
    small_ledger: Ledger, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = _cli(small_ledger, *args, "--out", str(tmp_path / "x.html"))
    assert result.exit_code == 2 and message in result.output  # type: ignore[attr-defined]
    assert not (tmp_path / "x.html").exists()
