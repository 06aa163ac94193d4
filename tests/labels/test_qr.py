"""QR codes: exactly the URI back from a real decoder, level Q, a 4-module quiet zone, and
the very symbols the qrcode package makes."""

from __future__ import annotations

import random
import re

import pytest
import qrcode
from qrcode.constants import ERROR_CORRECT_Q
from qrcode.util import lost_point

from ledger import qr
from ledger.core.gs1 import gtin_uri
from tests.labels.conftest import decode_all, png_image

URIS = [
    gtin_uri("06901234000122", lot="WC26-M07", serial="100071", stem="http://127.0.0.1:5000"),
    # GS1 character set 82 allows "/" and "%" in a lot: both percent-encoded in the path.
    gtin_uri("06901234000122", lot="A/B%1", serial="7", stem="https://resolver.example"),
    gtin_uri(
        "06901234000122",
        lot="Z" * 20,
        serial="!\"%&'()*+,-./:;<=>?_"[:20],
        stem="https://traceability.wuchang-rice.example.cn/resolver",
    ),
    gtin_uri("06901234000108", lot="WC26-P07"),
]


def test_uris_need_percent_encoding() -> None:
    assert "/10/A%2FB%251/" in URIS[1]
    assert len(URIS[2]) > 100


@pytest.mark.parametrize("uri", URIS)
def test_png_decodes_to_exactly_the_uri(uri: str) -> None:
    assert decode_all(png_image(qr.qr_png(uri))) == [uri]


@pytest.mark.parametrize("uri", URIS)
def test_small_png_still_decodes(uri: str) -> None:
    assert decode_all(png_image(qr.qr_png(uri, box_size=3))) == [uri]


def test_symbol_is_qrcodes_own_at_level_q() -> None:
    rng = random.Random(7)
    alphabet = "abcXYZ0123456789/%-._:?"
    texts = URIS + [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 300))) for _ in range(60)
    ]
    for text in texts:
        reference = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=0)
        reference.add_data(text.encode("utf-8"))
        reference.make()
        assert qr.qr_matrix(text) == tuple(tuple(bool(m) for m in row) for row in reference.modules)


def test_penalty_equals_qrcodes_for_every_mask() -> None:
    rng = random.Random(11)
    texts = URIS + [
        "".join(rng.choice("0123456789AB%") for _ in range(rng.randint(1, 400))) for _ in range(8)
    ]
    for text in texts:
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q)
        code.add_data(text.encode("utf-8"))
        code.best_fit()
        for mask in range(8):
            code.makeImpl(True, mask)
            assert qr.penalty(code.modules) == lost_point(code.modules)


def test_symbol_is_qrcodes_own_in_every_mode_and_large_versions() -> None:
    # Numeric, alphanumeric and byte segments (qrcode mixes them), multi-byte UTF-8, and
    # versions 7+ (version information) up to 20.
    rng = random.Random(3)
    texts = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 700)))
        for alphabet in ("0123456789", "ABC0123 $%*+-./:", "ab0123456789012345678901")
        for _ in range(6)
    ] + ["稻花香 é" * 30]
    versions = set()
    for text in texts:
        reference = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=0)
        reference.add_data(text.encode("utf-8"))
        reference.make()
        versions.add(reference.version)
        assert qr.qr_matrix(text) == tuple(tuple(bool(m) for m in row) for row in reference.modules)
    assert min(versions) < 7 and max(versions) >= 20


def _format_bits(matrix: tuple[tuple[bool, ...], ...]) -> int:
    # Format information next to the top-left finder: row 8, columns 0-5, 7, 8, then
    # column 8, rows 7, 5-0 (ISO/IEC 18004 figure 25), masked with 101010000010010.
    cells = [(8, c) for c in (0, 1, 2, 3, 4, 5, 7, 8)] + [(r, 8) for r in (7, 5, 4, 3, 2, 1, 0)]
    bits = 0
    for r, c in cells:
        bits = (bits << 1) | matrix[r][c]
    return bits ^ 0b101010000010010


@pytest.mark.parametrize("uri", URIS)
def test_error_correction_level_is_q(uri: str) -> None:
    # The two top bits of the format information: L=01, M=00, Q=11, H=10.
    assert _format_bits(qr.qr_matrix(uri)) >> 13 == 0b11
    assert qr.ERROR_CORRECTION_NAME == "Q"


@pytest.mark.parametrize("uri", URIS[:2])
def test_png_quiet_zone_is_four_modules(uri: str) -> None:
    box = 5
    image = png_image(qr.qr_png(uri, box_size=box)).convert("L")
    width, height = image.size
    modules = len(qr.qr_matrix(uri))
    assert width == height == (modules + 8) * box
    pixels = image.load()
    dark = [(x, y) for y in range(height) for x in range(width) if pixels[x, y] < 128]
    assert min(x for x, _ in dark) == min(y for _, y in dark) == 4 * box
    assert max(x for x, _ in dark) == max(y for _, y in dark) == width - 4 * box - 1


def svg_modules(svg: str) -> list[list[bool]]:
    """The modules an inline SVG's path paints: a stroke along each row, "h" dark, "m" light."""
    size = int(re.search(r'viewBox="0 0 (\d+) ', svg)[1])  # type: ignore[index]
    path = re.search(r' d="([^"]*)"', svg)[1]  # type: ignore[index]
    grid = [[False] * size for _ in range(size)]
    x = y = 0
    for command, a, b in re.findall(r"([Mhm])(\d+)(?: ([\d.]+))?", path):
        if command == "M":
            x, y = int(a), int(float(b) - 0.5)
        elif command == "h":
            for c in range(x, x + int(a)):
                grid[y][c] = True
            x += int(a)
        else:
            assert b == "0"
            x += int(a)
    return grid


def test_svg_paints_the_symbol_with_quiet_zone() -> None:
    uri = URIS[0]
    inline = qr.qr_svg_inline(uri)
    size = len(qr.qr_matrix(uri)) + 8
    assert inline.startswith("<svg ") and f'viewBox="0 0 {size} {size}"' in inline
    assert "<?xml" not in inline and 'fill="none" stroke="#000" stroke-width="1"' in inline
    assert qr.qr_svg(uri).startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    for text in URIS:
        grid = svg_modules(qr.qr_svg_inline(text))
        matrix = qr.qr_matrix(text)
        width = len(matrix)
        assert [row[4 : 4 + width] for row in grid[4 : 4 + width]] == [list(r) for r in matrix]
        assert sum(map(sum, grid)) == sum(map(sum, matrix))  # nothing in the quiet zone
        assert decode_all(modules_image(grid)) == [text]


def modules_image(grid: list[list[bool]], box: int = 4) -> object:
    """A PIL image of modules (True = dark), ``box`` pixels each."""
    image_module = pytest.importorskip("PIL.Image", reason="Pillow is not installed")
    size = len(grid)
    image = image_module.new("L", (size, size), 255)
    image.putdata([0 if dark else 255 for row in grid for dark in row])
    return image.resize((size * box, size * box), image_module.NEAREST)


def test_cached() -> None:
    assert qr.qr_svg_inline(URIS[0]) is qr.qr_svg_inline(URIS[0])
    assert qr.qr_png(URIS[0]) is qr.qr_png(URIS[0])


def test_bad_box_size() -> None:
    with pytest.raises(ValueError):
        qr.qr_png(URIS[0], box_size=0)
