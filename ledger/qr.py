"""QR codes of GS1 Digital Link URIs, as SVG and PNG, fast enough for label sheets.

``qrcode`` decides what the symbol holds: the segments (``add_data``'s mode optimisation)
and the version (``best_fit``, remembered per segment shape, since the bit count depends on
nothing else). The rest of ISO/IEC 18004 is done here on integers, ~20x faster than
``qrcode``'s module-by-module code (~60-200 codes/s), with the very same result:

* The codewords: the data bits, terminator and pad codewords as in ``create_data``; the
  Reed-Solomon error correction with a table per generator polynomial (one shift, one XOR
  and one look-up per data codeword), the blocks interleaved as ``create_bytes`` does.
* The layout: for each version, the order in which codeword bits fill the data modules
  (``map_data``'s zig-zag) is computed once, so a symbol is one ``itemgetter`` call; the
  whole symbol is a single integer, bit ``r * size + c`` the module in row r, column c.
* The mask choice (7.8.3): the eight masks are XORs of that integer, and the four penalty
  rules are counted with shifts, ANDs and ``bit_count`` over the whole symbol at once.
  Format (and version) information is left light while scoring, as ``qrcode`` does, so
  the mask chosen is its mask: tests/labels/test_qr.py compares the symbols.
* The image. SVG is one ``<path>``, a stroke along each row; PNG is a 1-bit greyscale image
  written with zlib, so the runtime needs no imaging library.

Results are cached in-process per (uri, format), so repeated page views never rebuild a
code. ``svgs_inline`` (uncached) is what a label sheet's process pool runs.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from functools import cache, lru_cache
from operator import itemgetter

import qrcode
from qrcode import LUT, base, util
from qrcode.constants import ERROR_CORRECT_Q

# Level Q restores up to ~25% of the codewords: a label on a rice bag gets scuffed, folded
# and splashed, and the URIs are short enough that Q costs at most one version (size) step.
ERROR_CORRECTION = ERROR_CORRECT_Q
ERROR_CORRECTION_NAME = "Q"
# The quiet zone the standard requires around a QR code (ISO/IEC 18004, 4 modules).
QUIET_ZONE = 4
CACHE_SIZE = 4096

_ROW_PATH = str.maketrans({"1": "h1", "0": "m1 0"})
_SHORTER = (("h4", "h1" * 4), ("h2", "h1" * 2), ("m4 0", "m1 0" * 4), ("m2 0", "m1 0" * 2))


# -- codewords ------------------------------------------------------------------------------


class _Bits:
    """Enough of ``qrcode.util.BitBuffer`` for ``QRData.write``, collecting a bit string."""

    __slots__ = ("length", "parts")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def put(self, num: int, length: int) -> None:
        self.parts.append(format(num & ((1 << length) - 1), f"0{length}b"))
        self.length += length

    def __len__(self) -> int:
        return self.length


@cache
def _ec_table(ec_count: int) -> tuple[int, ...]:
    """For each factor f, the generator's coefficients 1..n times f, as one big-endian int."""
    if ec_count in LUT.rsPoly_LUT:
        generator = list(LUT.rsPoly_LUT[ec_count])
    else:  # as qrcode.util.create_bytes builds it
        poly = base.Polynomial([1], 0)
        for i in range(ec_count):
            poly = poly * base.Polynomial([1, base.gexp(i)], 0)
        generator = [poly[i] for i in range(len(poly))]
    logs = [base.glog(g) for g in generator[1:]]
    table = [0]
    for factor in range(1, 256):
        lf = base.glog(factor)
        table.append(int.from_bytes(bytes(base.gexp(lg + lf) for lg in logs), "big"))
    return tuple(table)


def _error_correction(block: bytes, ec_count: int) -> bytes:
    """The Reed-Solomon remainder of a data block (the LFSR form of polynomial division)."""
    table = _ec_table(ec_count)
    top = 8 * (ec_count - 1)
    keep = (1 << (8 * ec_count)) - 1
    remainder = 0
    for byte in block:
        remainder = ((remainder << 8) & keep) ^ table[byte ^ (remainder >> top)]
    return remainder.to_bytes(ec_count, "big")


def _codewords(data_list: list[util.QRData], version: int) -> bytes:
    """Data and error correction codewords, interleaved, as ``util.create_data`` makes them."""
    bits = _Bits()
    for data in data_list:
        bits.put(data.mode, 4)
        bits.put(len(data), util.length_in_bits(data.mode, version))
        data.write(bits)
    blocks = base.rs_blocks(version, ERROR_CORRECTION)
    bit_limit = sum(block.data_count * 8 for block in blocks)
    if len(bits) > bit_limit:
        raise qrcode.exceptions.DataOverflowError("data too long for the version")
    stream = "".join(bits.parts)
    stream += "0" * min(bit_limit - len(stream), 4)  # terminator
    stream += "0" * (-len(stream) % 8)
    pads = (bit_limit - len(stream)) // 8
    data_bytes = int(stream, 2).to_bytes(len(stream) // 8, "big") if stream else b""
    data_bytes += bytes((util.PAD0, util.PAD1) * (pads // 2 + 1))[:pads]
    data_blocks, ec_blocks = [], []
    offset = 0
    for block in blocks:
        chunk = data_bytes[offset : offset + block.data_count]
        offset += block.data_count
        data_blocks.append(chunk)
        ec_blocks.append(_error_correction(chunk, block.total_count - block.data_count))
    out = bytearray()
    for group in (data_blocks, ec_blocks):
        for i in range(max(map(len, group))):
            out.extend(chunk[i] for chunk in group if i < len(chunk))
    return bytes(out)


# Segment shapes (mode, length) -> version; qrcode's best_fit depends on nothing else.
_VERSIONS: dict[tuple[tuple[int, int], ...], int] = {}


def _segments(uri: str) -> tuple[list[util.QRData], int]:
    """``qrcode``'s segments of the URI's UTF-8 bytes and the version it would choose."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=0)
    # UTF-8 bytes: a Digital Link is ASCII, but whatever is passed decodes back unchanged.
    code.add_data(uri.encode("utf-8"))
    shape = tuple((data.mode, len(data)) for data in code.data_list)
    version = _VERSIONS.get(shape)
    if version is None:
        version = code.best_fit()
        if len(_VERSIONS) >= 1024:
            _VERSIONS.clear()
        _VERSIONS[shape] = version
    return code.data_list, version


# -- layout ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """What is fixed for a version: sizes, the bit placement, masks, and the penalty masks."""

    size: int
    codeword_bits: int
    place: itemgetter  # type: ignore[type-arg]  # stream + "01" -> the symbol's bits, MSB first
    masks: tuple[int, ...]  # the data modules each mask pattern inverts
    info: tuple[int, ...]  # format (and version) information per mask, dark modules
    full: int
    pairs_h: int  # modules with a right neighbour in the same row
    pairs_v: int  # modules with a neighbour below
    finder_h: int  # where an 11-module pattern fits in the row
    finder_v: int  # where an 11-module pattern fits in the column


@lru_cache(maxsize=64)
def _layout(version: int) -> _Layout:
    size = version * 4 + 17
    probe = qrcode.QRCode(version=version, error_correction=ERROR_CORRECTION)
    probe.modules_count = size
    probe.modules = [[None] * size for _ in range(size)]
    probe.setup_position_probe_pattern(0, 0)
    probe.setup_position_probe_pattern(size - 7, 0)
    probe.setup_position_probe_pattern(0, size - 7)
    probe.setup_position_adjust_pattern()
    probe.setup_timing_pattern()
    probe.setup_type_info(True, 0)  # format information light while masks are scored
    if version >= 7:
        probe.setup_type_number(True)
    modules = probe.modules
    # The order map_data fills the data modules in: two-column strips from the right,
    # up and down in turn, skipping the vertical timing pattern's column.
    order: list[tuple[int, int]] = []
    upward = True
    for strip in range(size - 1, 0, -2):
        right = strip - 1 if strip <= 6 else strip
        rows = range(size - 1, -1, -1) if upward else range(size)
        for r in rows:
            for c in (right, right - 1):
                if modules[r][c] is None:
                    order.append((r, c))
        upward = not upward
    blocks = base.rs_blocks(version, ERROR_CORRECTION)
    codeword_bits = 8 * sum(block.total_count for block in blocks)
    zero, one = codeword_bits, codeword_bits + 1  # indexes of "0" and "1" after the stream
    source = [one if modules[r][c] else zero for r in range(size) for c in range(size)]
    for i, (r, c) in enumerate(order):
        source[r * size + c] = i if i < codeword_bits else zero  # remainder bits are 0
    masks = []
    for pattern in range(8):
        function = util.mask_func(pattern)
        masks.append(sum(1 << (r * size + c) for r, c in order if function(r, c)))
    info = []
    for pattern in range(8):
        probe.modules = [[None] * size for _ in range(size)]
        probe.setup_type_info(False, pattern)
        if version >= 7:
            probe.setup_type_number(False)
        info.append(
            sum(
                1 << (r * size + c) for r in range(size) for c in range(size) if probe.modules[r][c]
            )
        )

    def row(width: int) -> int:
        return (1 << width) - 1

    def every_row(bits: int) -> int:
        return sum(bits << (r * size) for r in range(size))

    return _Layout(
        size=size,
        codeword_bits=codeword_bits,
        place=itemgetter(*reversed(source)),
        masks=tuple(masks),
        info=tuple(info),
        full=row(size * size),
        pairs_h=every_row(row(size - 1)),
        pairs_v=row((size - 1) * size),
        finder_h=every_row(row(size - 10)),
        finder_v=row((size - 10) * size),
    )


def _finder_like(dark: int, light: int, step: int, starts: int) -> int:
    """How many of the two finder-like patterns start at ``starts``, modules ``step`` apart."""
    d = [dark >> (k * step) for k in range(11)]
    lt = [light >> (k * step) for k in range(11)]
    common = starts & lt[1] & d[4] & lt[5] & d[6] & lt[9]  # alike in both patterns
    if not common:
        return 0
    first = common & d[0] & d[2] & d[3] & lt[7] & lt[8] & lt[10]
    second = common & lt[0] & lt[2] & lt[3] & d[7] & d[8] & d[10]
    return first.bit_count() + second.bit_count()


def _penalty(symbol: int, layout: _Layout) -> int:
    size = layout.size
    light = symbol ^ layout.full
    # Neighbours of one colour: bit p set when module p equals the one right of / below it.
    same_h = ~(symbol ^ (symbol >> 1)) & layout.pairs_h
    same_v = ~(symbol ^ (symbol >> size)) & layout.pairs_v
    score = 0
    # N1: a run of 5 + i modules of one colour costs 3 + i, i.e. one point for each window of
    # five alike modules inside it plus two for the run.
    for same, step in ((same_h, 1), (same_v, size)):
        windows = same & (same >> step) & (same >> 2 * step) & (same >> 3 * step)
        starts = windows & ~(same << step)
        score += windows.bit_count() + 2 * starts.bit_count()
    # N2: 3 for each 2 x 2 block of one colour (blocks may overlap).
    score += 3 * (same_h & (same_h >> size) & same_v).bit_count()
    # N3: 40 for each finder-like pattern in a row or a column.
    score += 40 * (
        _finder_like(symbol, light, 1, layout.finder_h)
        + _finder_like(symbol, light, size, layout.finder_v)
    )
    # N4: 10 for each 5% by which the dark share departs from 50% (qrcode's float arithmetic).
    score += int(abs(symbol.bit_count() / size**2 * 100 - 50) / 5) * 10
    return score


def penalty(modules: list[list[bool | None]] | tuple[tuple[bool, ...], ...]) -> int:
    """The ISO/IEC 18004 penalty score of a whole symbol, as ``qrcode.util.lost_point``."""
    size = len(modules)
    version = (size - 17) // 4
    return _penalty(_to_int(modules), _layout(version))


def _to_int(modules: list[list[bool | None]] | tuple[tuple[bool, ...], ...]) -> int:
    """Modules as one integer, bit ``r * size + c`` the module in row r, column c."""
    return int("".join("1" if m else "0" for row in reversed(modules) for m in reversed(row)), 2)


def _symbol(uri: str) -> tuple[int, int]:
    """(size, modules as one integer) of the QR code of ``uri``, exactly qrcode's symbol."""
    data_list, version = _segments(uri)
    layout = _layout(version)
    stream = format(
        int.from_bytes(_codewords(data_list, version), "big"), f"0{layout.codeword_bits}b"
    )
    unmasked = int("".join(layout.place(stream + "01")), 2)
    scores = [_penalty(unmasked ^ mask, layout) for mask in layout.masks]
    pattern = scores.index(min(scores))  # the first of equal scores, as qrcode does
    return layout.size, unmasked ^ layout.masks[pattern] | layout.info[pattern]


def _rows(size: int, symbol: int) -> list[str]:
    """The symbol's rows as strings of "0" and "1", column 0 first."""
    text = format(symbol, f"0{size * size}b")[::-1]
    return [text[r * size : (r + 1) * size] for r in range(size)]


@lru_cache(maxsize=CACHE_SIZE)
def qr_matrix(uri: str) -> tuple[tuple[bool, ...], ...]:
    """The symbol's modules (True = dark) without quiet zone, encoding exactly ``uri``."""
    return tuple(tuple(m == "1" for m in row) for row in _rows(*_symbol(uri)))


def build_svg_inline(uri: str) -> str:
    """``qr_svg_inline`` without the cache (for a pool's workers)."""
    size, symbol = _symbol(uri)
    width = size + 2 * QUIET_ZONE
    # Each row is one stroke 1 module wide along its middle: "h1" over a dark module, "m1 0"
    # over a light one (str.translate, no per-module Python); butt caps end it on the edges.
    path = "".join(
        f"M{QUIET_ZONE} {r + QUIET_ZONE}.5" + row.rstrip("0").translate(_ROW_PATH)
        for r, row in enumerate(_rows(size, symbol))
    )
    for short, long in _SHORTER:  # same path, fewer bytes: "h1h1" is "h2"
        path = path.replace(long, short)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {width}" '
        f'shape-rendering="crispEdges" class="qr" role="img" aria-label="QR code">'
        f'<rect width="{width}" height="{width}" fill="#fff"/>'
        f'<path d="{path}" fill="none" stroke="#000" stroke-width="1"/></svg>'
    )


def svgs_inline(uris: list[str]) -> list[str]:
    """``build_svg_inline`` of each URI: one chunk of a label sheet's process pool."""
    return [build_svg_inline(uri) for uri in uris]


@lru_cache(maxsize=CACHE_SIZE)
def qr_svg_inline(uri: str) -> str:
    """An ``<svg>`` element (no XML declaration) to put inside an HTML page; scales freely."""
    return build_svg_inline(uri)


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
