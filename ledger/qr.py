"""QR codes of GS1 Digital Link URIs, as SVG and PNG, fast enough for label sheets.

The symbol is built by the ``qrcode`` package; only two things are done here instead:

* The mask choice. ISO/IEC 18004 (7.8.3) picks the data mask with the lowest penalty
  score; ``qrcode`` scores the eight candidates by laying out the whole symbol eight times
  and walking it module by module, which is ~90% of its run time (~170 codes/s). Here the
  data is laid out once, the other seven masks are applied to rows held as integers, and
  the same four penalty rules are counted with bit operations and regular expressions.
  The mask chosen is the one ``qrcode`` itself would choose (tests/labels/test_qr.py
  compares them), so the symbols are identical, only ~4x faster.
* The image. SVG is one ``<path>`` of horizontal runs; PNG is a 1-bit greyscale image
  written with zlib, so the runtime needs no imaging library.

Results are cached in-process per (uri, format), so repeated page views never rebuild a
code.
"""

from __future__ import annotations

import re
import struct
import zlib
from functools import lru_cache
from itertools import pairwise

import qrcode
from qrcode.constants import ERROR_CORRECT_Q
from qrcode.util import mask_func

# Level Q restores up to ~25% of the codewords: a label on a rice bag gets scuffed, folded
# and splashed, and the URIs are short enough that Q costs at most one version (size) step.
ERROR_CORRECTION = ERROR_CORRECT_Q
ERROR_CORRECTION_NAME = "Q"
# The quiet zone the standard requires around a QR code (ISO/IEC 18004, 4 modules).
QUIET_ZONE = 4
CACHE_SIZE = 4096

_RUNS = re.compile(r"0{5,}|1{5,}")
# The finder-like pattern 1:1:3:1:1 with four light modules on one side; the lookahead
# counts overlapping matches, as the standard's rule (and qrcode) does.
_FINDER_LIKE = re.compile(r"(?=10111010000|00001011101)")


def _rows_as_ints(modules: list[list[bool | None]]) -> list[int]:
    """Each row as an integer whose bit ``c`` is the module in column ``c`` (1 = dark)."""
    return [int("".join("1" if m else "0" for m in reversed(row)), 2) for row in modules]


@lru_cache(maxsize=64)
def _layout(version: int) -> tuple[list[int], list[list[int]]]:
    """For a version: which modules hold data (per row) and each mask's bits (per row)."""
    size = version * 4 + 17
    probe = qrcode.QRCode(version=version, error_correction=ERROR_CORRECTION)
    probe.modules_count = size
    probe.modules = [[None] * size for _ in range(size)]
    probe.setup_position_probe_pattern(0, 0)
    probe.setup_position_probe_pattern(size - 7, 0)
    probe.setup_position_probe_pattern(0, size - 7)
    probe.setup_position_adjust_pattern()
    probe.setup_timing_pattern()
    probe.setup_type_info(True, 0)
    if version >= 7:
        probe.setup_type_number(True)
    data = [sum(1 << c for c in range(size) if probe.modules[r][c] is None) for r in range(size)]
    masks = []
    for pattern in range(8):
        function = mask_func(pattern)
        masks.append([sum(1 << c for c in range(size) if function(r, c)) & data[r]
                      for r in range(size)])
    return data, masks


def penalty(rows: list[int], size: int) -> int:
    """The ISO/IEC 18004 penalty score of a symbol given as row integers (as qrcode counts it)."""
    texts = [format(row, f"0{size}b") for row in rows]
    # Rows and columns in one string; the newlines keep matches from spanning two lines.
    lines = "\n".join(texts + ["".join(column) for column in zip(*texts)])
    # N1: a run of 5 + i modules of one colour costs 3 + i.
    runs = _RUNS.findall(lines)
    score = sum(map(len, runs)) - 2 * len(runs)
    # N3: 40 for each finder-like pattern.
    score += 40 * len(_FINDER_LIKE.findall(lines))
    # N2: 3 for each 2 x 2 block of one colour (blocks may overlap).
    inner = (1 << (size - 1)) - 1
    for upper, lower in pairwise(rows):
        same_vertically = ~(upper ^ lower)
        same_horizontally = ~(upper ^ (upper >> 1))
        blocks = same_vertically & (same_vertically >> 1) & same_horizontally & inner
        score += 3 * blocks.bit_count()
    # N4: 10 for each 5% by which the dark share departs from 50% (same float arithmetic).
    dark = sum(row.bit_count() for row in rows)
    score += int(abs(dark / size**2 * 100 - 50) / 5) * 10
    return score


def _masked_rows(code: qrcode.QRCode) -> list[list[int]]:  # type: ignore[type-arg]
    """The symbol's rows under each of the eight masks, format information left light."""
    code.makeImpl(True, 0)  # data laid out once, under mask 0
    _, masks = _layout(code.version)
    base = _rows_as_ints(code.modules)
    return [[row ^ m0 ^ mk for row, m0, mk in zip(base, masks[0], masks[pattern])]
            for pattern in range(8)]


def best_mask(code: qrcode.QRCode) -> int:  # type: ignore[type-arg]
    """The mask pattern qrcode's ``best_mask_pattern`` would pick, found ~10x faster."""
    scores = [penalty(rows, code.modules_count) for rows in _masked_rows(code)]
    return scores.index(min(scores))  # the first of equal scores, as qrcode does


@lru_cache(maxsize=CACHE_SIZE)
def qr_matrix(uri: str) -> tuple[tuple[bool, ...], ...]:
    """The symbol's modules (True = dark) without quiet zone, encoding exactly ``uri``."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=0)
    # UTF-8 bytes: a Digital Link is ASCII, but whatever is passed decodes back unchanged.
    code.add_data(uri.encode("utf-8"))
    code.best_fit()
    candidates = _masked_rows(code)
    size = code.modules_count
    scores = [penalty(rows, size) for rows in candidates]
    mask = scores.index(min(scores))
    # Reuse the masked rows rather than lay the data out again; then write the format
    # (and version) information for the mask chosen, as qrcode's own make() would.
    code.modules = [[bit == "1" for bit in reversed(format(row, f"0{size}b"))]
                    for row in candidates[mask]]
    code.setup_type_info(False, mask)
    if code.version >= 7:
        code.setup_type_number(False)
    return tuple(tuple(row) for row in code.modules)


def _dark_runs(row: tuple[bool, ...]) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    runs = []
    start = None
    for c, dark in enumerate(row + (False,)):
        if dark and start is None:
            start = c
        elif not dark and start is not None:
            runs.append((start, c - start))
            start = None
    return runs


@lru_cache(maxsize=CACHE_SIZE)
def qr_svg_inline(uri: str) -> str:
    """An ``<svg>`` element (no XML declaration) to put inside an HTML page; scales freely."""
    modules = qr_matrix(uri)
    width = len(modules) + 2 * QUIET_ZONE
    path = "".join(
        f"M{c + QUIET_ZONE} {r + QUIET_ZONE}h{n}v1h-{n}z"
        for r, row in enumerate(modules)
        for c, n in _dark_runs(row)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {width}" '
        f'shape-rendering="crispEdges" class="qr" role="img" aria-label="QR code">'
        f'<rect width="{width}" height="{width}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>'
    )


def qr_svg(uri: str) -> str:
    """A standalone SVG document (served as image/svg+xml) of the QR code of ``uri``."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + qr_svg_inline(uri) + "\n"


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@lru_cache(maxsize=CACHE_SIZE)
def qr_png(uri: str, *, box_size: int = 8) -> bytes:
    """A 1-bit greyscale PNG of the QR code of ``uri``, ``box_size`` pixels per module."""
    if not 1 <= box_size <= 64:
        raise ValueError("box_size must be between 1 and 64 pixels")
    modules = qr_matrix(uri)
    width = (len(modules) + 2 * QUIET_ZONE) * box_size
    light_row = b"\x00" + b"\xff" * ((width + 7) // 8)  # filter byte 0, then white pixels
    lines = [light_row] * (QUIET_ZONE * box_size)
    for row in modules:
        bits = "1" * (QUIET_ZONE * box_size)
        bits += "".join(("0" if dark else "1") * box_size for dark in row)
        bits += "1" * (QUIET_ZONE * box_size)
        bits += "1" * (-len(bits) % 8)
        line = b"\x00" + int(bits, 2).to_bytes(len(bits) // 8, "big")
        lines.extend([line] * box_size)
    lines.extend([light_row] * (QUIET_ZONE * box_size))
    header = struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"".join(lines), 9))
        + _png_chunk(b"IEND", b"")
    )
