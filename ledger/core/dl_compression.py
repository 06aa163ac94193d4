"""Compressed GS1 Digital Link URIs (``https://id.gs1.org/AQnYUc1gmiER...``): decompress and
compress them as GS1's Digital Link toolkit does.

The path's last segment, in GS1's URI-safe base64 alphabet, is a bit string: each AI as
4-bit hex digits (its length taken from the first two digits), or a two-hex-digit
*optimisation* code that stands for a fixed sequence of AIs, then each value in the AI's
format; ``F`` starts a non-GS1 ``key=value`` pair. Values: fixed-length digits as one binary
number; variable-length digits with a length first; other characters with a 3-bit encoding
(digits, lower or upper hex, base64 alphabet, 7-bit ASCII) and a length.

The AI formats come from `ledger.core.gs1_syntax`'s dictionary (adjacent fixed-length
components of one kind merge, as in GS1's table). One deliberate difference from the
toolkit: an all-digit text value is zero-padded to its encoded length on decompression, so a
lot ``007`` survives the round trip (the toolkit reads it back as ``7``).

Pure: standard library only. Every rejection is a `ValidationError` (``bad_identifier``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from ledger.core.digital_link import build_digital_link, parse_digital_link
from ledger.core.gs1_syntax import AI_TABLE, AIElement, bad_identifier

__all__ = [
    "ALPHABET",
    "Decompressed",
    "compress_digital_link",
    "decompress_digital_link",
    "decompress_segment",
    "looks_compressed",
]

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_HEX = "0123456789ABCDEF"
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")

# How many digits an AI has, by its first two (GS1 DL compression, table P).
_AI_LENGTH = {
    **dict.fromkeys(("00", "01", "02", "10", "11", "12", "13", "15", "16", "17"), 2),
    **dict.fromkeys(("20", "21", "22", "30", "37", "90", "91", "92", "93", "94"), 2),
    **dict.fromkeys(("95", "96", "97", "98", "99"), 2),
    **dict.fromkeys(("23", "24", "25", "40", "41", "42", "71"), 3),
    **dict.fromkeys(("31", "32", "33", "34", "35", "36", "39", "43", "70", "72"), 4),
    **dict.fromkeys(("80", "81", "82"), 4),
}

# Two hex digits outside 00-99 that stand for a sequence of AIs (table Opt), in GS1's order.
_OPTIMISATIONS: dict[str, tuple[str, ...]] = {
    "0A": ("01", "22"),
    "0B": ("01", "10"),
    "0C": ("01", "21"),
    "0D": ("01", "17"),
    "0E": ("01", "7003"),
    "0F": ("01", "30"),
    "1A": ("01", "10", "21", "17"),
    "1B": ("01", "15"),
    "1C": ("01", "11"),
    "1D": ("01", "16"),
    "1E": ("01", "91"),
    "1F": ("01", "10", "15"),
    **{f"2{h}": ("01", f"310{i}") for i, h in enumerate("ABCDEF")},
    **{f"3{h}": ("01", f"320{i}") for i, h in enumerate("ABCDEF")},
    "9A": ("8010", "8011"),
    "9B": ("8017", "8019"),
    "9C": ("8018", "8019"),
    "9D": ("414", "254"),
    **{f"A{i}": ("01", f"392{i}") for i in range(10)},
    **{f"C{i}": ("255", f"390{i}") for i in range(10)},
    **{f"C{h}": ("255", f"394{i}") for i, h in enumerate("ABCD")},
}


@dataclass(frozen=True)
class _Part:
    """One part of an AI's compressed format: digits or text, fixed length or up to a maximum."""

    numeric: bool
    length: int  # the fixed length, or the maximum
    fixed: bool


@cache
def _format(ai: str) -> tuple[_Part, ...]:
    """The compressed format of ``ai``: the dictionary's components, adjacent mandatory
    fixed-length ones of one kind merged (``N1 N13`` of AI 8003 is one 14-digit number)."""
    parts: list[_Part] = []
    for component in AI_TABLE[ai].components:
        numeric = component.cset == "N"
        fixed = component.min_len == component.max_len and not component.optional
        if fixed and parts and parts[-1].fixed and parts[-1].numeric == numeric:
            parts[-1] = _Part(numeric, parts[-1].length + component.max_len, True)
        else:
            parts.append(_Part(numeric, component.max_len, fixed))
    return tuple(parts)


def _value_bits(digits: int) -> int:
    """Bits for a number of ``digits`` decimal digits (GS1: ceil(n·log2 10 + 0.01))."""
    return math.ceil(digits * math.log2(10) + 0.01)


def _length_bits(maximum: int) -> int:
    return math.ceil(math.log2(maximum) + 0.01)


def looks_compressed(segment: str) -> bool:
    """True for a path segment written only in the compression alphabet."""
    return _SEGMENT.fullmatch(segment) is not None


@dataclass(frozen=True)
class Decompressed:
    """What a compressed segment holds: GS1 AI data and any other key=value pairs."""

    elements: tuple[AIElement, ...]
    others: tuple[tuple[str, str], ...]


class _Reader:
    """Bits read left to right; running off the end is a malformed code, not a crash."""

    def __init__(self, bits: str, field: str | None) -> None:
        self.bits = bits
        self.at = 0
        self.field = field

    def left(self) -> int:
        return len(self.bits) - self.at

    def take(self, n: int) -> str:
        if n > self.left():
            raise bad_identifier(
                "the compressed Digital Link ends in the middle of a value", self.field
            )
        chunk = self.bits[self.at : self.at + n]
        self.at += n
        return chunk

    def number(self, n: int) -> int:
        return int(self.take(n), 2) if n else 0

    def digits(self, count: int) -> str:
        value = str(self.number(_value_bits(count))) if count else ""
        if len(value) > count:
            raise bad_identifier(
                f"the compressed Digital Link holds a number longer than {count} digits",
                self.field,
            )
        return value.zfill(count)


def _read_value(reader: _Reader, ai: str) -> str:
    if ai not in AI_TABLE:
        raise bad_identifier(
            f"the compressed Digital Link holds AI ({ai}), which is not a GS1 AI this ledger knows",
            reader.field,
        )
    out = []
    for part in _format(ai):
        if part.numeric and part.fixed:
            out.append(reader.digits(part.length))
        elif part.numeric:
            out.append(reader.digits(reader.number(_length_bits(part.length))))
        elif part.fixed:
            encoding = reader.number(3)
            out.append(_text_with_at(reader, encoding, part.length))
        else:
            encoding = reader.number(3)
            count = reader.number(_length_bits(part.length))
            out.append(_text_with_at(reader, encoding, count))
    return "".join(out)


def decompress_segment(segment: str, *, field: str | None = None) -> Decompressed:
    """The AI data and other pairs in one compressed path segment (no checks of the AIs'
    values and pairings beyond their lengths: `decompress_digital_link` applies those)."""
    if not segment or not looks_compressed(segment):
        raise bad_identifier(
            "a compressed Digital Link is written only in A-Z, a-z, 0-9, '-' and '_'", field
        )
    reader = _Reader("".join(format(_INDEX[c], "06b") for c in segment), field)
    elements: list[AIElement] = []
    others: list[tuple[str, str]] = []
    # Up to 8 bits of padding may follow the last value.
    while reader.left() > 8:
        h1, h2 = _HEX[reader.number(4)], _HEX[reader.number(4)]
        head = h1 + h2
        if head.isdigit():
            length = _AI_LENGTH.get(head)
            if length is None:
                raise bad_identifier(
                    f"the compressed Digital Link names AIs starting {head}, a range GS1 reserves",
                    field,
                )
            ai = head + "".join(str(reader.number(4)) for _ in range(length - 2))
            if not ai.isdigit() or len(ai) != length:
                raise bad_identifier("the compressed Digital Link holds a non-numeric AI", field)
            elements.append(AIElement(ai, _read_value(reader, ai)))
        elif head in _OPTIMISATIONS:
            for ai in _OPTIMISATIONS[head]:
                elements.append(AIElement(ai, _read_value(reader, ai)))
        elif h1 == "F":
            reader.at -= 4  # the key length's 7 bits start right after the F
            key_length = reader.number(7)
            key = "".join(ALPHABET[reader.number(6)] for _ in range(key_length))
            encoding = reader.number(3)
            count = reader.number(7)
            others.append((key, _text_with_at(reader, encoding, count)))
        else:
            raise bad_identifier(
                f"the compressed Digital Link uses code {head}, which GS1 does not define", field
            )
    return Decompressed(tuple(elements), tuple(others))


def _text_with_at(reader: _Reader, encoding: int, count: int) -> str:
    """A text value whose encoding (and length) came before the current position."""
    if encoding == 0:
        return reader.digits(count)
    if encoding in (1, 2):
        text = "".join(_HEX[reader.number(4)] for _ in range(count))
        return text.lower() if encoding == 1 else text
    if encoding == 3:
        return "".join(ALPHABET[reader.number(6)] for _ in range(count))
    if encoding == 4:
        return "".join(chr(reader.number(7)) for _ in range(count))
    raise bad_identifier(
        f"the compressed Digital Link uses value encoding {encoding}, which GS1 does not "
        "define (0 to 4)",
        reader.field,
    )


def decompress_digital_link(uri: str, *, field: str | None = None) -> str:
    """The uncompressed Digital Link URI of a compressed one (same stem; its non-GS1 pairs,
    compressed or in its query string, as query parameters), validated as
    `parse_digital_link` does."""
    base, _, query = uri.partition("?")
    stem, slash, segment = base.rstrip("/").rpartition("/")
    if not slash or "://" not in stem + "/":
        raise bad_identifier("a compressed Digital Link is a URI ending in one segment", field)
    found = decompress_segment(segment, field=field)
    if not found.elements:
        raise bad_identifier("the compressed Digital Link holds no GS1 data", field)
    uncompressed = build_digital_link(found.elements, stem=stem, field=field)
    extra = [f"{k}={_escape(v)}" for k, v in found.others]
    extra += [p for p in query.split("&") if p]
    if extra:
        uncompressed += ("&" if "?" in uncompressed else "?") + "&".join(extra)
    parse_digital_link(uncompressed, field=field)
    return uncompressed


def _escape(value: str) -> str:
    safe = set(ALPHABET) | set(".~")
    return "".join(c if c in safe else "".join(f"%{b:02X}" for b in c.encode()) for c in value)


# ---------------------------------------------------------------------------------------
# Compression (used to test decompression; the ledger prints uncompressed URIs)
# ---------------------------------------------------------------------------------------


def _encode_digits(value: str) -> str:
    return format(int(value), f"0{_value_bits(len(value))}b") if value else ""


def _encoding_of(text: str) -> int:
    if text.isdigit() and text.isascii():
        return 0
    if re.fullmatch(r"[0-9A-F]+", text):
        return 2
    if re.fullmatch(r"[0-9a-f]+", text):
        return 1
    if looks_compressed(text):
        return 3
    return 4


def _encode_text(text: str) -> str:
    """The 3-bit encoding, then the characters (the caller places a length in between)."""
    encoding = _encoding_of(text)
    if encoding == 0:
        body = _encode_digits(text)
    elif encoding in (1, 2):
        body = "".join(format(_HEX.index(c.upper()), "04b") for c in text)
    elif encoding == 3:
        body = "".join(format(_INDEX[c], "06b") for c in text)
    else:
        body = "".join(format(ord(c), "07b") for c in text)
    return format(encoding, "03b") + "\0" + body


def _encode_value(ai: str, value: str) -> str:
    out = []
    at = 0
    for part in _format(ai):
        if part.fixed:
            chunk, at = value[at : at + part.length], at + part.length
        else:
            chunk, at = value[at:], len(value)
        if part.numeric and part.fixed:
            out.append(_encode_digits(chunk))
        elif part.numeric:
            out.append(format(len(chunk), f"0{_length_bits(part.length)}b") + _encode_digits(chunk))
        else:
            encoding, body = _encode_text(chunk).split("\0")
            length = "" if part.fixed else format(len(chunk), f"0{_length_bits(part.length)}b")
            out.append(encoding + length + body)
    return "".join(out)


def _ai_bits(ai: str) -> str:
    return "".join(format(_HEX.index(c), "04b") for c in ai)


def compress_digital_link(uri: str, *, optimise: bool = True, compress_others: bool = False) -> str:
    """The compressed form of a Digital Link URI on its own stem, as GS1's toolkit writes it:
    optimisation codes first (the one saving most AI digits each time), then the other AIs in
    text order; non-GS1 query pairs compressed too, or kept as a query string."""
    link = parse_digital_link(uri)
    values = {e.ai: e.value for e in link.elements}
    keys = sorted(values)
    bits: list[str] = []
    while optimise:
        candidates = {
            code: len("".join(seq))
            for code, seq in _OPTIMISATIONS.items()
            if all(ai in keys for ai in seq)
        }
        if not candidates:
            break
        best = max(candidates, key=lambda c: candidates[c])  # first of the longest, as GS1
        bits.append(_ai_bits(best))
        for ai in _OPTIMISATIONS[best]:
            bits.append(_encode_value(ai, values[ai]))
            keys.remove(ai)
    for ai in keys:
        bits.append(_ai_bits(ai) + _encode_value(ai, values[ai]))
    others = _pairs(link.other_params)
    query = ""
    if compress_others:
        for key, value in others:
            encoding, body = _encode_text(value).split("\0")
            bits.append(
                "1111"
                + format(len(key), "07b")
                + "".join(format(_INDEX[c], "06b") for c in key)
                + encoding
                + format(len(value), "07b")
                + body
            )
    elif link.other_params:
        query = "?" + "&".join(link.other_params)
    joined = "".join(bits)
    joined += "0" * (-len(joined) % 6)
    segment = "".join(ALPHABET[int(joined[i : i + 6], 2)] for i in range(0, len(joined), 6))
    return f"{link.stem}/{segment}{query}"


def _pairs(params: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    for param in params:
        key, _, value = param.partition("=")
        out.append((key, _unquote(value)))
    return out


def _unquote(text: str) -> str:
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), text.replace("+", " "))
