"""GS1 identifiers: check digits, GTIN/GLN/SSCC, and GS1 Digital Link URIs.

Two levels live here. The *engine* (`parse_digital_link`, `build_digital_link`,
`parse_element_string`, `parse_bracketed_ai`) follows the GS1 Digital Link URI Syntax
standard and the GS1 Barcode Syntax Dictionary for the subset of Application Identifiers
in `_AI_DICTIONARY` below. The *identifier* level (`GS1Identifier`, `parse_identifier`,
`gtin_uri`, ...) is what the ledger uses for objects and places: a GTIN (optionally with
lot and/or serial), an SSCC, or a GLN for a location (414, optional 254 extension) or a
party (417), always written canonically on ``https://id.gs1.org``.

Pure: standard library only, no I/O. Every rejection is a `ValidationError` with code
``bad_check_digit`` or ``bad_identifier`` and a message in plain words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from ledger.core.errors import ValidationError

__all__ = [
    "CANONICAL_HOST",
    "CANONICAL_STEM",
    "CSET82",
    "AIElement",
    "DigitalLink",
    "GS1Identifier",
    "IdentifierKind",
    "build_digital_link",
    "check_digit",
    "gtin_uri",
    "has_valid_check_digit",
    "is_known_ai",
    "location_uri",
    "parse_bracketed_ai",
    "parse_digital_link",
    "parse_element_string",
    "parse_identifier",
    "party_uri",
    "sscc_uri",
    "validate_gln",
    "validate_gtin",
    "validate_sscc",
]

CANONICAL_HOST = "id.gs1.org"
CANONICAL_STEM = "https://id.gs1.org"

# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
# GS1 AI encodable character set 39 (used by AI 8010).
CSET39 = frozenset("#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")

# ---------------------------------------------------------------------------------------
# The AI table: an excerpt of the GS1 Barcode Syntax Dictionary (release 2026-01-27,
# tests/vectors/gs1_digital_link/gs1-syntax-dictionary.txt), in its own syntax. Only AIs
# whose linters are implemented below are included; any other numeric AI is reported as
# "not supported by this ledger". Flags: "*" fixed length (no FNC1 after it), "?" allowed
# as a Digital Link data attribute (query parameter).
# ---------------------------------------------------------------------------------------
_AI_DICTIONARY = """
00         *?  N18,csum,gcppos2                  dlpkey                                   # SSCC
01         *?  N14,csum,gcppos2                  ex=255,37 dlpkey=22,10,21|235            # GTIN
02         *?  N14,csum,gcppos2                  ex=01,03 req=37                          # CONTENT
03         *   N14,csum,gcppos2                  ex=01,02,37                              # MTO GTIN
10          ?  X..20                             req=01,02,03,8006,8026                   # BATCH/LOT
11         *?  N6,yymmd0                         req=01,02,03,8006,8026                   # PROD DATE
13         *?  N6,yymmd0                         req=01,02,03,8006,8026                   # PACK DATE
15         *?  N6,yymmd0                         req=01,02,03,8006,8026                   # BEST BEFORE
16         *?  N6,yymmd0                         req=01,02,03,8006,8026                   # SELL BY
17         *?  N6,yymmd0                         req=01,02,03,255,8006,8026               # USE BY or EXPIRY
20         *?  N2                                req=01,02,8006,8026                      # VARIANT
21             X..20                             req=01,03,8006 ex=235                    # SERIAL
22             X..20                             req=01                                   # CPV
235            X..28                             req=01                                   # TPX
240         ?  X..30                             req=01,02,8006,8026                      # ADDITIONAL ID
241         ?  X..30                             req=01,02,8006,8026                      # CUST. PART No.
250         ?  X..30                             req=01,8006 req=21                       # SECONDARY SERIAL
251         ?  X..30                             req=01,8006                              # REF. TO SOURCE
253         ?  N13,csum,gcppos1 [X..17]          dlpkey                                   # GDTI
254            X..20                             req=414                                  # GLN EXTENSION COMPONENT
255         ?  N13,csum,gcppos1 [N..12]          dlpkey ex=01,02,415,8006,8020,8026       # GCN
30          ?  N..8                              req=01,02                                # VAR. COUNT
3100-3105  *?  N6                                req=01,02 ex=310n                        # NET WEIGHT (kg)
3110-3115  *?  N6                                req=01,02 ex=311n                        # LENGTH (m)
3120-3125  *?  N6                                req=01,02 ex=312n                        # WIDTH (m)
3130-3135  *?  N6                                req=01,02 ex=313n                        # HEIGHT (m)
3140-3145  *?  N6                                req=01,02 ex=314n                        # AREA (m2)
3150-3155  *?  N6                                req=01,02 ex=315n                        # NET VOLUME (l)
3160-3165  *?  N6                                req=01,02 ex=316n                        # NET VOLUME (m3)
3200-3205  *?  N6                                req=01,02 ex=320n                        # NET WEIGHT (lb)
3300-3305  *?  N6                                req=00,01 ex=330n                        # GROSS WEIGHT (kg)
3310-3315  *?  N6                                req=00,01 ex=331n                        # LENGTH (m), log
3320-3325  *?  N6                                req=00,01 ex=332n                        # WIDTH (m), log
3330-3335  *?  N6                                req=00,01 ex=333n                        # HEIGHT (m), log
3340-3345  *?  N6                                req=00,01 ex=334n                        # AREA (m2), log
3350-3355  *?  N6                                req=00,01 ex=335n                        # VOLUME (l), log
3360-3365  *?  N6                                req=00,01 ex=336n                        # VOLUME (m3), log
37          ?  N..8                              req=00 req=02,8026                       # COUNT
3920-3929   ?  N..15                             req=01 req=30,31nn,32nn,35nn,36nn ex=392n,393n  # PRICE
400         ?  X..30                                                                      # ORDER NUMBER
401         ?  X..30,gcppos1                     dlpkey                                   # GINC
402         ?  N17,csum,gcppos1                  dlpkey                                   # GSIN
403         ?  X..30                             req=00                                   # ROUTE
410        *?  N13,csum,gcppos1                                                           # SHIP TO LOC
411        *?  N13,csum,gcppos1                                                           # BILL TO
412        *?  N13,csum,gcppos1                                                           # PURCHASE FROM
413        *?  N13,csum,gcppos1                                                           # SHIP FOR LOC
414        *?  N13,csum,gcppos1                  dlpkey=254|7040                          # LOC No.
415        *?  N13,csum,gcppos1                  req=8020 dlpkey=8020                     # PAY TO
416        *?  N13,csum,gcppos1                                                           # PROD/SERV LOC
417        *?  N13,csum,gcppos1                  dlpkey=7040                              # PARTY
7003        ?  N6,yymmdd N4,hhmi                 req=01,02                                # EXPIRY TIME
7007        ?  N6,yymmdd [N6],yymmdd             req=01,02                                # HARVEST DATE
8003        ?  N1,zero N13,csum,gcppos1 [X..16]  dlpkey                                   # GRAI
8004        ?  X..30,gcppos1                     dlpkey=7040                              # GIAI
8010        ?  Y..30,gcppos1                     dlpkey=8011                              # CPID
8011           N..12,nozeroprefix                req=8010                                 # CPID SERIAL
8017        ?  N18,csum,gcppos1                  ex=8018 dlpkey=8019                      # GSRN - PROVIDER
8018        ?  N18,csum,gcppos1                  ex=8017 dlpkey=8019                      # GSRN - RECIPIENT
8019           N..10                             req=8017,8018                            # SRIN
8020           X..25                             req=415                                  # REF No.
8200           X..70                             req=01                                   # PRODUCT URL
90          ?  X..30                                                                      # INTERNAL
91-99       ?  X..90                                                                      # INTERNAL
"""

# Deprecated Digital Link 1.x short names ("convenience alphas"), accepted only on request.
_CONVENIENCE_ALPHAS = {
    "cpid": "8010",
    "cpsn": "8011",
    "cpv": "22",
    "gcn": "255",
    "gdti": "253",
    "giai": "8004",
    "ginc": "401",
    "gln": "414",
    "glnx": "254",
    "grai": "8003",
    "gsin": "402",
    "gsrn": "8018",
    "gsrnp": "8017",
    "gtin": "01",
    "lot": "10",
    "party": "417",
    "refno": "8020",
    "ser": "21",
    "srin": "8019",
    "sscc": "00",
}
_ALPHA_OF_AI = {ai: alpha for alpha, ai in _CONVENIENCE_ALPHAS.items()}


@dataclass(frozen=True)
class _Component:
    """One component of an AI's format, e.g. ``N13,csum`` or ``[X..17]``."""

    cset: str
    min_len: int
    max_len: int
    optional: bool
    linters: tuple[str, ...]


@dataclass(frozen=True)
class _AIEntry:
    """What the syntax dictionary says about one AI."""

    ai: str
    fixed: bool  # pre-defined length: no FNC1 separator needed after it
    dl_attribute: bool  # may appear as a Digital Link query parameter
    components: tuple[_Component, ...]
    requires: tuple[tuple[tuple[str, ...], ...], ...]  # each: alternatives of AND-groups
    excludes: tuple[str, ...]
    qualifier_alternatives: tuple[tuple[str, ...], ...] | None  # None: not a DL primary key
    title: str


def _parse_component(text: str) -> _Component:
    optional = False
    spec, *linters = text.split(",")
    if spec.startswith("["):
        optional = True
        spec = spec.strip("[]")
    cset, length = spec[0], spec[1:]
    if length.startswith(".."):
        return _Component(cset, 1, int(length[2:]), optional, tuple(linters))
    return _Component(cset, int(length), int(length), optional, tuple(linters))


def _load_dictionary(text: str) -> dict[str, _AIEntry]:
    table: dict[str, _AIEntry] = {}
    for raw in text.strip().splitlines():
        body, _, title = raw.partition("#")
        tokens = body.split()
        ais = tokens.pop(0)
        flags = tokens.pop(0) if tokens and set(tokens[0]) <= set("*?") else ""
        components: list[_Component] = []
        requires: list[tuple[tuple[str, ...], ...]] = []
        excludes: list[str] = []
        qualifiers: tuple[tuple[str, ...], ...] | None = None
        for token in tokens:
            if token.startswith("req="):
                requires.append(tuple(tuple(g.split("+")) for g in token[4:].split(",")))
            elif token.startswith("ex="):
                excludes.extend(token[3:].split(","))
            elif token == "dlpkey":
                qualifiers = ((),)
            elif token.startswith("dlpkey="):
                qualifiers = tuple(tuple(alt.split(",")) for alt in token[7:].split("|"))
            else:
                components.append(_parse_component(token))
        first, _, last = ais.partition("-")
        width = len(first)
        for number in range(int(first), int(last or first) + 1):
            ai = str(number).zfill(width)
            table[ai] = _AIEntry(
                ai=ai,
                fixed="*" in flags,
                dl_attribute="?" in flags,
                components=tuple(components),
                requires=tuple(requires),
                excludes=tuple(excludes),
                qualifier_alternatives=qualifiers,
                title=title.strip(),
            )
    return table


_AI_TABLE = _load_dictionary(_AI_DICTIONARY)

_KEY_NAMES = {"00": "SSCC", "01": "GTIN", "414": "GLN", "417": "GLN"}


def is_known_ai(ai: str) -> bool:
    """True when this module knows the Application Identifier ``ai``."""
    return ai in _AI_TABLE


def _fail(message: str, field: str | None, code: str = "bad_identifier") -> ValidationError:
    return ValidationError(message, code=code, field=field)


# ---------------------------------------------------------------------------------------
# Check digits
# ---------------------------------------------------------------------------------------


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for ``body`` (all the digits before the check digit).

    Raises ValueError (a programming error, not bad input) unless ``body`` is digits.
    """
    if not body or not set(body) <= _DIGITS:
        raise ValueError("check_digit needs a non-empty string of digits")
    # Weights alternate 3, 1, 3, ... starting from the digit next to the check digit.
    digits = body[::-1]
    total = 3 * sum(map(int, digits[0::2])) + sum(map(int, digits[1::2]))
    return (10 - total % 10) % 10


def has_valid_check_digit(digits: str) -> bool:
    """True when ``digits`` (two or more digits) ends with its correct GS1 check digit."""
    if len(digits) < 2 or not set(digits) <= _DIGITS:
        return False
    return check_digit(digits[:-1]) == int(digits[-1])


def _check_key(value: str, name: str, lengths: Iterable[int], field: str | None) -> None:
    lengths = tuple(lengths)
    if not isinstance(value, str):
        raise _fail(f"the {name} must be written as text of digits", field)
    if not value:
        raise _fail(f"the {name} is empty; it must have {_lengths_words(lengths)} digits", field)
    if not set(value) <= _DIGITS:
        raise _fail(f"the {name} {value!r} must contain digits only", field)
    if len(value) not in lengths:
        raise _fail(
            f"the {name} {value} has {len(value)} digits; it must have {_lengths_words(lengths)}",
            field,
        )
    expected = check_digit(value[:-1])
    if int(value[-1]) != expected:
        raise _fail(
            f"the {name} {value} has a wrong check digit: the last digit should be {expected}",
            field,
            code="bad_check_digit",
        )


def _lengths_words(lengths: tuple[int, ...]) -> str:
    if len(lengths) == 1:
        return str(lengths[0])
    return ", ".join(str(n) for n in lengths[:-1]) + f" or {lengths[-1]}"


def validate_gtin(gtin: str, *, field: str | None = None) -> str:
    """Check a GTIN-8/12/13/14 and return it as a GTIN-14 (left-padded with zeros)."""
    _check_key(gtin, "GTIN", (8, 12, 13, 14), field)
    return gtin.zfill(14)


def validate_gln(gln: str, *, field: str | None = None) -> str:
    """Check a 13-digit GLN (digits and check digit) and return it."""
    _check_key(gln, "GLN", (13,), field)
    return gln


def validate_sscc(sscc: str, *, field: str | None = None) -> str:
    """Check an 18-digit SSCC (digits and check digit) and return it."""
    _check_key(sscc, "SSCC", (18,), field)
    return sscc


# ---------------------------------------------------------------------------------------
# AI values: length, character set and linters
# ---------------------------------------------------------------------------------------

_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _lint_date(text: str, allow_day_zero: bool) -> str | None:
    month, day = int(text[2:4]), int(text[4:6])
    if not 1 <= month <= 12:
        return "has a month that does not exist"
    if day == 0 and allow_day_zero:
        return None
    limit = _DAYS_IN_MONTH[month - 1]
    # Two-digit years: treat YY divisible by 4 as a leap year (2000-2099); the full year
    # would need today's date to resolve GS1's sliding century window, and core reads no clock.
    if month == 2 and int(text[0:2]) % 4 != 0:
        limit = 28
    if not 1 <= day <= limit:
        return "has a day that does not exist"
    return None


def _run_linter(name: str, text: str) -> str | None:
    """Return a plain description of what is wrong with ``text``, or None."""
    if name == "csum":
        if not has_valid_check_digit(text):
            return "has a wrong check digit"
    elif name in ("gcppos1", "gcppos2"):
        start = 0 if name == "gcppos1" else 1
        prefix = text[start : start + 4]
        if len(prefix) < 4 or not set(prefix) <= _DIGITS:
            return "does not start with a GS1 Company Prefix"
    elif name == "yymmd0":
        return _lint_date(text, allow_day_zero=True)
    elif name == "yymmdd":
        return _lint_date(text, allow_day_zero=False)
    elif name == "hhmi":
        if int(text[0:2]) > 23 or int(text[2:4]) > 59:
            return "has a time of day that does not exist"
    elif name == "zero":
        if text != "0":
            return "must start with the digit 0"
    elif name == "nozeroprefix":
        if len(text) > 1 and text.startswith("0"):
            return "must not start with a zero"
    else:  # pragma: no cover - the table above only names the linters handled here
        raise AssertionError(f"linter {name} is not implemented")
    return None


def _cset_ok(cset: str, text: str) -> bool:
    if cset == "N":
        return set(text) <= _DIGITS
    if cset == "X":
        return set(text) <= CSET82
    if cset == "Y":
        return set(text) <= CSET39
    return False


def _check_ai_value(entry: _AIEntry, value: str, field: str | None) -> None:
    """Check ``value`` against the components of ``entry``; raise on the first problem."""
    label = f"the value {value!r} of AI ({entry.ai}) {entry.title}"
    if not value:
        raise _fail(f"{label} is empty", field)
    position = 0
    for component in entry.components:
        remaining = len(value) - position
        if remaining == 0 and component.optional:
            break
        if component.min_len == component.max_len:
            if remaining < component.min_len:
                raise _fail(f"{label} is too short", field)
            part = value[position : position + component.min_len]
        else:
            part = value[position:]
            if len(part) > component.max_len:
                raise _fail(f"{label} is too long (at most {component.max_len})", field)
            if not part:
                raise _fail(f"{label} is too short", field)
        if not _cset_ok(component.cset, part):
            allowed = {
                "N": "digits only",
                "X": "letters, digits and the GS1 punctuation !\"%&'()*+,-./:;<=>?_",
                "Y": "capital letters, digits and # - /",
            }[component.cset]
            raise _fail(f"{label} may contain {allowed}", field)
        for linter in component.linters:
            problem = _run_linter(linter, part)
            if problem:
                code = "bad_check_digit" if linter == "csum" else "bad_identifier"
                if linter == "csum":
                    expected = check_digit(part[:-1])
                    problem += f": the last digit should be {expected}"
                raise _fail(f"{label} {problem}", field, code=code)
        position += len(part)
    if position != len(value):
        raise _fail(f"{label} is too long", field)


def _matches(pattern: str, ai: str) -> bool:
    """Dictionary AI patterns: 'n' stands for any digit (``31nn``, ``392n``)."""
    return len(pattern) == len(ai) and all(p == "n" or p == a for p, a in zip(pattern, ai, strict=False))


def _check_associations(ais: Sequence[str], field: str | None) -> None:
    """Apply the dictionary's ``req=`` (mandatory) and ``ex=`` (forbidden) pairings."""
    present = list(dict.fromkeys(ais))
    for ai in present:
        entry = _AI_TABLE[ai]
        for other in present:
            if other != ai and any(_matches(p, other) for p in entry.excludes):
                raise _fail(f"AI ({ai}) may not be used together with AI ({other})", field)
        for alternatives in entry.requires:
            satisfied = any(
                all(any(_matches(p, other) for other in present) for p in group)
                for group in alternatives
            )
            if not satisfied:
                wanted = " or ".join("+".join(f"({p})" for p in g) for g in alternatives)
                raise _fail(f"AI ({ai}) needs {wanted} with it", field)


# ---------------------------------------------------------------------------------------
# The Digital Link engine
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AIElement:
    """One Application Identifier and its (decoded) value."""

    ai: str
    value: str


@dataclass(frozen=True)
class DigitalLink:
    """A parsed GS1 Digital Link URI: stem, path elements and query attributes."""

    stem: str  # scheme, host and any custom path before the primary key
    path: tuple[AIElement, ...]  # primary key first, then its qualifiers
    attributes: tuple[AIElement, ...] = ()  # AIs given as query parameters
    other_params: tuple[str, ...] = ()  # non-AI query parameters, undecoded, in order

    @property
    def elements(self) -> tuple[AIElement, ...]:
        """Path elements then attributes, in URI order."""
        return self.path + self.attributes

    def element_string(self) -> str:
        """The unbracketed element string, ``^`` standing for FNC1 (as the GS1 engine)."""
        out = []
        separator_needed = True
        for element in self.elements:
            if separator_needed:
                out.append("^")
            out.append(element.ai + element.value)
            separator_needed = not _AI_TABLE[element.ai].fixed
        return "".join(out)

    def hri(self) -> str:
        """Human-readable form: ``(01)09520123456788(10)ABC1``."""
        return "".join(f"({e.ai}){e.value}" for e in self.elements)

    def to_uri(self, stem: str | None = None, *, short_names: bool = False) -> str:
        """Render again, keeping which AIs sit in the path and which in the query."""
        base = _normalise_stem(stem if stem is not None else self.stem)
        return _render(base, self.path, self.attributes, short_names)


def _normalise_stem(stem: str) -> str:
    return stem.removesuffix("/")


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _escape(value: str, query: bool) -> str:
    out = []
    for char in value:
        if char in _UNRESERVED:
            out.append(char)
        elif char == " " and query:
            out.append("+")
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def _unescape(text: str, query: bool, field: str | None) -> str:
    """Reverse percent-encoding; in a query '+' means a space. Raises on a NUL."""
    out = bytearray()
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%" and i + 2 < len(text) and _is_hex(text[i + 1 : i + 3]):
            out.append(int(text[i + 1 : i + 3], 16))
            i += 3
            continue
        out.extend(b" " if (query and char == "+") else char.encode("utf-8"))
        i += 1
    if 0 in out:
        raise _fail("the identifier contains an encoded NUL character (%00)", field)
    # Bytes outside ASCII can never be valid AI values; latin-1 keeps them visible for
    # the character-set check instead of failing to decode.
    return out.decode("latin-1")


def _is_hex(pair: str) -> bool:
    return len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair)


def _render(
    base: str,
    path: Sequence[AIElement],
    attributes: Sequence[AIElement],
    short_names: bool,
) -> str:
    parts = [base]
    for element in path:
        name = _ALPHA_OF_AI.get(element.ai, element.ai) if short_names else element.ai
        parts.append(f"/{name}/{_escape(element.value, query=False)}")
    uri = "".join(parts)
    if attributes:
        uri += "?" + "&".join(f"{e.ai}={_escape(e.value, query=True)}" for e in attributes)
    return uri


def _valid_path_sequence(ais: Sequence[str]) -> bool:
    """A primary key followed by an in-order selection of one of its qualifier lists."""
    if not ais or ais[0] not in _AI_TABLE:
        return False
    alternatives = _AI_TABLE[ais[0]].qualifier_alternatives
    if alternatives is None:
        return False
    for alternative in alternatives:
        remaining = iter(alternative)
        # "q in remaining" consumes the iterator up to q, so order is enforced.
        if all(q in remaining for q in ais[1:]):
            return True
    return False


_URI_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"
)
_BAD_DOMAIN_CHARACTERS = frozenset("_~?#@!$&'()*+,;=%")
_SCHEMES = ("https://", "HTTPS://", "http://", "HTTP://")


def _lookup_path_ai(name: str, convenience_alphas: bool) -> str | None:
    # Short names are 3 to 5 letters; a digit first means an AI.
    if convenience_alphas and 3 <= len(name) <= 5 and name in _CONVENIENCE_ALPHAS:
        return _CONVENIENCE_ALPHAS[name]
    return name if name in _AI_TABLE else None


def parse_digital_link(
    uri: str,
    *,
    zero_suppressed_gtin: bool = False,
    convenience_alphas: bool = False,
    validate_associations: bool = True,
    field: str | None = None,
) -> DigitalLink:
    """Parse and validate a GS1 Digital Link URI (the GS1 engine's rules, default options).

    ``zero_suppressed_gtin`` pads a GTIN-8/12/13 in AI (01) to 14 digits;
    ``convenience_alphas`` accepts DL 1.x names such as ``/gtin/``; both are off in GS1's
    engine by default. ``validate_associations`` applies the dictionary's req/ex rules.
    """
    if not isinstance(uri, str):
        raise _fail("a GS1 Digital Link must be a text string", field)
    shown = uri if len(uri) <= 120 else uri[:117] + "..."
    if not uri:
        raise _fail("the GS1 Digital Link is empty", field)
    if not set(uri) <= _URI_CHARACTERS:
        bad = next(c for c in uri if c not in _URI_CHARACTERS)
        raise _fail(f"{shown!r} contains the character {bad!r}, which a URI cannot hold", field)
    scheme = next((s for s in _SCHEMES if uri.startswith(s)), None)
    if scheme is None:
        raise _fail(f"{shown!r} must start with https:// (or http://)", field)
    rest = uri[len(scheme) :]
    slash = rest.find("/")
    if slash < 1:
        raise _fail(f"{shown!r} has no host name and path", field)
    domain = rest[:slash]
    if set(domain) & _BAD_DOMAIN_CHARACTERS:
        raise _fail(f"the host name {domain!r} contains characters a host cannot hold", field)
    path_and_query = rest[slash:].split("#", 1)[0]
    path, _, query = path_and_query.partition("?")

    segments = path.split("/")  # segments[0] is "" because the path starts with "/"
    key_at: int | None = None
    k = len(segments) - 1
    # Walk back over "/AI/value" pairs to the rightmost primary key; anything before it is
    # the stem (which may itself contain look-alike AIs).
    while k - 1 >= 1:
        ai = _lookup_path_ai(segments[k - 1], convenience_alphas)
        if ai is None:
            break
        entry = _AI_TABLE[ai]
        if entry.qualifier_alternatives is not None:
            key_at = k - 1
            break
        k -= 2
    if key_at is None:
        raise _fail(
            f"{shown!r} has no GS1 key (such as /01/ for a GTIN or /00/ for an SSCC) in its path",
            field,
        )
    stem = scheme + domain + "/".join(segments[:key_at])

    path_elements: list[AIElement] = []
    for i in range(key_at, len(segments), 2):
        ai = _lookup_path_ai(segments[i], convenience_alphas)
        assert ai is not None  # walked over above
        raw_value = segments[i + 1]
        if not raw_value:
            raise _fail(f"the value of AI ({ai}) in {shown!r} is empty", field)
        value = _unescape(raw_value, query=False, field=field)
        if zero_suppressed_gtin and ai == "01" and len(value) in (8, 12, 13):
            value = value.zfill(14)
        _check_ai_value(_AI_TABLE[ai], value, field)
        path_elements.append(AIElement(ai, value))

    path_ais = [e.ai for e in path_elements]
    if not _valid_path_sequence(path_ais):
        order = "/".join(path_ais)
        raise _fail(
            f"the AIs in the path of {shown!r} ({order}) are not a valid key and qualifier "
            "sequence: for a GTIN the order is /01/, then optional /22/, /10/, /21/",
            field,
        )

    attributes: list[AIElement] = []
    others: list[str] = []
    for param in query.split("&"):
        if not param:
            continue
        name, equals, raw_value = param.partition("=")
        if not equals or not (name and set(name) <= _DIGITS):
            others.append(param)  # singletons and non-numeric keys are not AI data
            continue
        if name not in _AI_TABLE:
            raise _fail(f"the query parameter {name} is not a GS1 AI this ledger knows", field)
        if not raw_value:
            raise _fail(f"the value of AI ({name}) in the query is empty", field)
        value = _unescape(raw_value, query=True, field=field)
        if zero_suppressed_gtin and name == "01" and len(value) in (8, 12, 13):
            value = value.zfill(14)
        _check_ai_value(_AI_TABLE[name], value, field)
        attributes.append(AIElement(name, value))

    seen = set(path_ais)
    for element in attributes:
        if element.ai in seen:
            raise _fail(f"AI ({element.ai}) appears more than once in {shown!r}", field)
        seen.add(element.ai)
        if not _AI_TABLE[element.ai].dl_attribute:
            raise _fail(f"AI ({element.ai}) may not be given as a query parameter", field)
        for j in range(1, len(path_ais) + 1):
            trial = [*path_ais[:j], element.ai, *path_ais[j:]]
            if _valid_path_sequence(trial):
                raise _fail(
                    f"AI ({element.ai}) qualifies the key and belongs in the path, not the query",
                    field,
                )

    if validate_associations:
        _check_associations(path_ais + [e.ai for e in attributes], field)
    return DigitalLink(stem, tuple(path_elements), tuple(attributes), tuple(others))


def _dedupe(elements: Sequence[AIElement], field: str | None) -> list[AIElement]:
    out: dict[str, AIElement] = {}
    for element in elements:
        earlier = out.get(element.ai)
        if earlier is not None and earlier.value != element.value:
            raise _fail(f"AI ({element.ai}) is given twice with different values", field)
        out.setdefault(element.ai, element)
    return list(out.values())


def build_digital_link(
    elements: Sequence[AIElement] | Sequence[tuple[str, str]],
    *,
    stem: str | None = None,
    short_names: bool = False,
    field: str | None = None,
) -> str:
    """Generate a Digital Link URI from AI data, as the GS1 engine does.

    The first primary-key AI becomes the key; its qualifiers go into the path in the
    standard order (for AI 01: 22, 10, 21), everything else into the query, fixed-length
    AIs first. Repeated AIs with equal values collapse into one.
    """
    items = [e if isinstance(e, AIElement) else AIElement(e[0], e[1]) for e in elements]
    for element in items:
        if element.ai not in _AI_TABLE:
            raise _fail(f"AI ({element.ai}) is not a GS1 AI this ledger knows", field)
        _check_ai_value(_AI_TABLE[element.ai], element.value, field)
    items = _dedupe(items, field)
    _check_associations([e.ai for e in items], field)

    key = next((e for e in items if _AI_TABLE[e.ai].qualifier_alternatives is not None), None)
    if key is None:
        raise _fail("a Digital Link needs a GS1 key such as a GTIN (01) or SSCC (00)", field)
    present = {e.ai for e in items}
    best: tuple[str, ...] = ()
    alternatives = _AI_TABLE[key.ai].qualifier_alternatives or ((),)
    # Choose the qualifier list matching most AIs; ties go to the sequence whose text sorts
    # first, which is what GS1's engine does with its sorted table of sequences.
    candidates = sorted(
        (tuple(q for q in alt if q in present) for alt in alternatives),
        key=lambda seq: (-len(seq), " ".join((key.ai, *seq))),
    )
    if candidates:
        best = candidates[0]
    by_ai = {e.ai: e for e in items}
    path = [key] + [by_ai[q] for q in best]
    in_path = {e.ai for e in path}
    rest = [e for e in items if e.ai not in in_path]
    for element in rest:
        if not _AI_TABLE[element.ai].dl_attribute:
            raise _fail(
                f"AI ({element.ai}) cannot be written in this Digital Link: it is neither a "
                f"qualifier of AI ({key.ai}) nor allowed as a query parameter",
                field,
            )
    ordered = [e for e in rest if _AI_TABLE[e.ai].fixed] + [
        e for e in rest if not _AI_TABLE[e.ai].fixed
    ]
    base = _normalise_stem(stem if stem is not None else CANONICAL_STEM)
    return _render(base, path, ordered, short_names)


def _ai_at(data: str, position: int) -> str | None:
    for width in (2, 3, 4):
        candidate = data[position : position + width]
        if len(candidate) == width and candidate in _AI_TABLE:
            return candidate
    return None


def _fixed_length(entry: _AIEntry) -> int:
    return sum(c.max_len for c in entry.components)


def parse_element_string(data: str, *, field: str | None = None) -> tuple[AIElement, ...]:
    """Parse an unbracketed element string; ``^`` or ASCII GS (0x1D) stands for FNC1."""
    text = data.replace("\x1d", "^")
    text = text.removeprefix("^")
    elements: list[AIElement] = []
    position = 0
    if not text:
        raise _fail("the element string is empty", field)
    while position < len(text):
        if text[position] == "^":
            position += 1  # tolerate a separator after a fixed-length AI
            continue
        ai = _ai_at(text, position)
        if ai is None:
            raise _fail(f"unknown or unsupported AI at position {position} of {data!r}", field)
        entry = _AI_TABLE[ai]
        start = position + len(ai)
        if entry.fixed:
            end = start + _fixed_length(entry)
            if end > len(text):
                raise _fail(f"the value of AI ({ai}) is too short", field)
        else:
            end = text.find("^", start)
            end = len(text) if end < 0 else end
        value = text[start:end]
        _check_ai_value(entry, value, field)
        elements.append(AIElement(ai, value))
        position = end
    result = tuple(_dedupe(elements, field))
    _check_associations([e.ai for e in result], field)
    return result


_BRACKETED = re.compile(r"\((\d{2,4})\)")


def parse_bracketed_ai(data: str, *, field: str | None = None) -> tuple[AIElement, ...]:
    """Parse bracketed AI data such as ``(01)09520123456788(10)ABC1``."""
    if not data.startswith("("):
        raise _fail(f"bracketed AI data must start with '(': {data!r}", field)
    # A "(" inside a value is written "\(" in the GS1 bracketed syntax.
    marker = "\x00"
    protected = data.replace("\\(", marker)
    pieces = _BRACKETED.split(protected)
    if pieces[0]:
        raise _fail(f"bracketed AI data must start with an AI: {data!r}", field)
    elements: list[AIElement] = []
    for ai, raw in zip(pieces[1::2], pieces[2::2], strict=False):
        value = raw.replace(marker, "(")
        if ai not in _AI_TABLE:
            raise _fail(f"AI ({ai}) is not a GS1 AI this ledger knows", field)
        _check_ai_value(_AI_TABLE[ai], value, field)
        elements.append(AIElement(ai, value))
    if not elements:
        raise _fail(f"no AI found in {data!r}", field)
    return tuple(elements)


# ---------------------------------------------------------------------------------------
# The ledger's identifiers
# ---------------------------------------------------------------------------------------

IdentifierKind = Literal["product", "lot", "unit", "sscc", "location", "party"]


@dataclass(frozen=True)
class GS1Identifier:
    """A GTIN (with optional lot/serial), an SSCC, or a location/party GLN."""

    ai: str  # "01", "00", "414" or "417"
    key: str  # GTIN-14, SSCC-18 or GLN-13
    lot: str | None = None  # AI 10, with a GTIN only
    serial: str | None = None  # AI 21, with a GTIN only
    extension: str | None = None  # AI 254 GLN extension, with a location only

    @property
    def kind(self) -> IdentifierKind:
        """product, lot, unit (serialised), sscc, location or party."""
        if self.ai == "01":
            if self.serial is not None:
                return "unit"
            return "lot" if self.lot is not None else "product"
        return {"00": "sscc", "414": "location", "417": "party"}[self.ai]  # type: ignore[return-value]

    @property
    def is_instance(self) -> bool:
        """True for one physical thing (a serialised unit or an SSCC)."""
        return self.kind in ("unit", "sscc")

    @property
    def is_class(self) -> bool:
        """True for a product class or a lot (counted by quantity, not one by one)."""
        return self.kind in ("product", "lot")

    def elements(self) -> tuple[AIElement, ...]:
        """The AI elements in Digital Link path order."""
        out = [AIElement(self.ai, self.key)]
        if self.lot is not None:
            out.append(AIElement("10", self.lot))
        if self.serial is not None:
            out.append(AIElement("21", self.serial))
        if self.extension is not None:
            out.append(AIElement("254", self.extension))
        return tuple(out)

    def uri(self, stem: str = CANONICAL_STEM) -> str:
        """The Digital Link URI on ``stem`` (for example the operator's resolver)."""
        return _render(_normalise_stem(stem), self.elements(), (), short_names=False)

    def canonical(self) -> str:
        """The canonical URI on ``https://id.gs1.org``: the ledger's object key."""
        return self.uri(CANONICAL_STEM)

    def object_key(self) -> str:
        """The ledger's key for the thing named: canonical, and for a unit GTIN + serial only
        (a unit is one object whether or not its lot is written)."""
        if self.kind == "unit" and self.lot is not None:
            return GS1Identifier("01", self.key, serial=self.serial).canonical()
        return self.canonical()

    def lot_class(self) -> GS1Identifier | None:
        """For a unit or lot: the lot it belongs to (GTIN + lot), when the lot is known."""
        if self.ai == "01" and self.lot is not None:
            return GS1Identifier("01", self.key, lot=self.lot)
        return None


def _check_lot_or_serial(value: str, what: str, field: str | None) -> None:
    if not isinstance(value, str) or not value:
        raise _fail(f"the {what} is empty", field)
    if len(value) > 20:
        raise _fail(f"the {what} {value!r} is longer than 20 characters", field)
    if not set(value) <= CSET82:
        bad = next(c for c in value if c not in CSET82)
        raise _fail(
            f"the {what} {value!r} contains {bad!r}; use letters, digits and "
            "!\"%&'()*+,-./:;<=>?_ only",
            field,
        )


def gtin_uri(
    gtin: str,
    lot: str | None = None,
    serial: str | None = None,
    *,
    stem: str = CANONICAL_STEM,
    field: str | None = None,
) -> str:
    """Build ``/01/{gtin14}[/10/{lot}][/21/{serial}]``, padding a GTIN-8/12/13 to 14."""
    gtin14 = validate_gtin(gtin, field=field)
    if lot is not None:
        _check_lot_or_serial(lot, "lot number", field)
    if serial is not None:
        _check_lot_or_serial(serial, "serial number", field)
    return GS1Identifier("01", gtin14, lot=lot, serial=serial).uri(stem)


def sscc_uri(sscc: str, *, stem: str = CANONICAL_STEM, field: str | None = None) -> str:
    """Build ``/00/{sscc}`` for a pallet or case."""
    return GS1Identifier("00", validate_sscc(sscc, field=field)).uri(stem)


def location_uri(
    gln: str,
    extension: str | None = None,
    *,
    stem: str = CANONICAL_STEM,
    field: str | None = None,
) -> str:
    """Build ``/414/{gln}[/254/{extension}]`` for a place (a site, a plot, a cold room)."""
    validate_gln(gln, field=field)
    if extension is not None:
        _check_lot_or_serial(extension, "GLN extension", field)
    return GS1Identifier("414", gln, extension=extension).uri(stem)


def party_uri(gln: str, *, stem: str = CANONICAL_STEM, field: str | None = None) -> str:
    """Build ``/417/{gln}`` for a party (a registered actor)."""
    return GS1Identifier("417", validate_gln(gln, field=field)).uri(stem)


def parse_identifier(
    uri: str,
    *,
    field: str | None = None,
    canonical_only: bool = False,
    allowed: Iterable[IdentifierKind] | None = None,
) -> GS1Identifier:
    """Parse a Digital Link naming a GTIN (+lot/serial), SSCC or GLN into a `GS1Identifier`.

    Lenient by default (any host, zero-suppressed GTINs, DL 1.x short names, query
    attributes ignored). With ``canonical_only`` the URI must be exactly the canonical form;
    ``allowed`` limits the kinds accepted.
    """
    if not isinstance(uri, str):
        raise _fail("an identifier must be a text string (a GS1 Digital Link URI)", field)
    ident = _parse_plain_canonical(uri)
    if ident is None:
        ident = _parse_general(uri, field=field, canonical_only=canonical_only)
    if allowed is not None:
        kinds = tuple(allowed)
        if ident.kind not in kinds:
            raise _fail(
                f"{uri!r} names a {_KIND_WORDS[ident.kind]}, but here it must name "
                + " or ".join(_KIND_WORDS[k] for k in kinds),
                field,
            )
    return ident


# The canonical form of the identifiers the ledger uses, when lot, serial and extension
# need no percent-encoding (letters, digits, '.', '_', '-': all in GS1's character set 82).
# Nearly every identifier in an event looks like this, and the general Digital Link engine
# is costly on the append path; anything else takes the general route.
_PLAIN_CANONICAL = re.compile(
    r"https://id\.gs1\.org/(?:"
    r"01/(?P<gtin>\d{14})(?:/10/(?P<lot>[A-Za-z0-9._-]{1,20}))?(?:/21/(?P<serial>[A-Za-z0-9._-]{1,20}))?"
    r"|00/(?P<sscc>\d{18})"
    r"|(?P<gln_ai>41[47])/(?P<gln>\d{13})(?:/254/(?P<ext>[A-Za-z0-9._-]{1,20}))?"
    r")"
)


def _parse_plain_canonical(uri: str) -> GS1Identifier | None:
    match = _PLAIN_CANONICAL.fullmatch(uri)
    if match is None:
        return None
    groups = match.groupdict()
    if groups["gtin"] is not None:
        ai, key = "01", groups["gtin"]
    elif groups["sscc"] is not None:
        ai, key = "00", groups["sscc"]
    else:
        ai, key = groups["gln_ai"], groups["gln"]
    if groups["ext"] is not None and ai != "414":
        return None  # a party GLN takes no extension: let the general parser explain
    if not has_valid_check_digit(key):
        return None  # the general parser words the check-digit error
    return GS1Identifier(
        ai, key, lot=groups["lot"], serial=groups["serial"], extension=groups["ext"]
    )


def _parse_general(uri: str, *, field: str | None, canonical_only: bool) -> GS1Identifier:
    # Parse leniently even in canonical_only mode, so that the error can spell out the
    # canonical form of a valid but differently written link.
    link = parse_digital_link(uri, zero_suppressed_gtin=True, convenience_alphas=True, field=field)
    values = {e.ai: e.value for e in link.path}
    key_ai = link.path[0].ai
    supported = {"01": {"10", "21"}, "00": set(), "414": {"254"}, "417": set()}
    extra = set(values) - {key_ai} - supported.get(key_ai, set())
    if key_ai not in supported or extra:
        used = ", ".join(f"({e.ai})" for e in link.path)
        raise _fail(
            f"{uri!r} is a valid Digital Link with AIs {used}, but the ledger only uses "
            "GTINs (01) with lot (10) and serial (21), SSCCs (00) and GLNs (414, 417)",
            field,
        )
    ident = GS1Identifier(
        key_ai,
        values[key_ai],
        lot=values.get("10"),
        serial=values.get("21"),
        extension=values.get("254"),
    )
    if canonical_only and uri != ident.canonical():
        raise _fail(
            f"write the identifier exactly as {ident.canonical()} (canonical form on "
            f"id.gs1.org, no query or fragment), not {uri!r}",
            field,
        )
    return ident


_KIND_WORDS = {
    "product": "product (a GTIN without lot or serial)",
    "lot": "lot (a GTIN with a lot number, /01/../10/..)",
    "unit": "serialised unit (/01/../21/..)",
    "sscc": "case or pallet (an SSCC, /00/..)",
    "location": "place (a GLN, /414/..)",
    "party": "party (a GLN, /417/..)",
}
