"""GS1 Application Identifier syntax: which AIs exist and what each may hold.

The rules come from the GS1 Barcode Syntax Dictionary (an excerpt of it,
``gs1_syntax_dictionary.txt`` next to this module, read once at import): each AI's length,
character set and linters (check digits, dates, ...), and which AIs must or may not go
together. On top of them: GS1 check digits, and AI data written as element strings
(``^0109520123456788^10ABC1``) or bracketed (``(01)09520123456788(10)ABC1``).
Digital Link URIs are `ledger.core.digital_link`'s business.

Pure: standard library only; the table is package data, read through importlib.resources.
Every rejection is a `ValidationError` with code ``bad_check_digit`` or ``bad_identifier``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

from ledger.core.errors import ValidationError

__all__ = [
    "AI_TABLE",
    "CSET39",
    "CSET82",
    "DIGITS",
    "AIElement",
    "AIEntry",
    "bad_identifier",
    "check_ai_value",
    "check_associations",
    "check_digit",
    "dedupe_elements",
    "element_string",
    "has_valid_check_digit",
    "is_known_ai",
    "parse_bracketed_ai",
    "parse_element_string",
]

# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
# GS1 AI encodable character set 39 (used by AI 8010).
CSET39 = frozenset("#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
DIGITS = frozenset("0123456789")


def bad_identifier(
    message: str, field: str | None, code: str = "bad_identifier"
) -> ValidationError:
    """The error for AI data, keys and Digital Links that break a GS1 rule."""
    return ValidationError(message, code=code, field=field)


# ---------------------------------------------------------------------------------------
# The AI table
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AIElement:
    """One Application Identifier and its (decoded) value."""

    ai: str
    value: str


@dataclass(frozen=True)
class _Component:
    """One component of an AI's format, e.g. ``N13,csum`` or ``[X..17]``."""

    cset: str
    min_len: int
    max_len: int
    optional: bool
    linters: tuple[str, ...]


@dataclass(frozen=True)
class AIEntry:
    """What the syntax dictionary says about one AI."""

    ai: str
    fixed: bool  # pre-defined length: no FNC1 separator needed after it
    dl_attribute: bool  # may appear as a Digital Link query parameter
    components: tuple[_Component, ...]
    requires: tuple[tuple[tuple[str, ...], ...], ...]  # each: alternatives of AND-groups
    excludes: tuple[str, ...]
    qualifier_alternatives: tuple[tuple[str, ...], ...] | None  # None: not a DL primary key
    title: str

    @property
    def fixed_length(self) -> int:
        """The length of a fixed-length AI's value."""
        return sum(c.max_len for c in self.components)


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


def _load_dictionary(text: str) -> dict[str, AIEntry]:
    table: dict[str, AIEntry] = {}
    for raw in text.splitlines():
        body, _, title = raw.partition("#")
        tokens = body.split()
        if not tokens:
            continue  # a comment or a blank line
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
            table[ai] = AIEntry(
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


# The AIs this ledger knows, by AI ("01", "3103", ...).
AI_TABLE: Mapping[str, AIEntry] = _load_dictionary(
    resources.files("ledger.core").joinpath("gs1_syntax_dictionary.txt").read_text("utf-8")
)


def is_known_ai(ai: str) -> bool:
    """True when this module knows the Application Identifier ``ai``."""
    return ai in AI_TABLE


# ---------------------------------------------------------------------------------------
# Check digits
# ---------------------------------------------------------------------------------------


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for ``body`` (all the digits before the check digit).

    Raises ValueError (a programming error, not bad input) unless ``body`` is digits.
    """
    if not body or not set(body) <= DIGITS:
        raise ValueError("check_digit needs a non-empty string of digits")
    # Weights alternate 3, 1, 3, ... starting from the digit next to the check digit. The
    # digits are summed as bytes (each is its value + 48): every event checks a few keys.
    codes = body.encode("ascii")
    triple, single = codes[::-2], codes[-2::-2]
    total = 3 * (sum(triple) - 48 * len(triple)) + sum(single) - 48 * len(single)
    return (10 - total % 10) % 10


def has_valid_check_digit(digits: str) -> bool:
    """True when ``digits`` (two or more digits) ends with its correct GS1 check digit."""
    if len(digits) < 2 or not set(digits) <= DIGITS:
        return False
    return check_digit(digits[:-1]) == int(digits[-1])


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
        if len(prefix) < 4 or not set(prefix) <= DIGITS:
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
        return set(text) <= DIGITS
    if cset == "X":
        return set(text) <= CSET82
    if cset == "Y":
        return set(text) <= CSET39
    return False


_CSET_WORDS = {
    "N": "digits only",
    "X": "letters, digits and the GS1 punctuation !\"%&'()*+,-./:;<=>?_",
    "Y": "capital letters, digits and # - /",
}


def check_ai_value(entry: AIEntry, value: str, field: str | None) -> None:
    """Check ``value`` against the components of ``entry``; raise on the first problem."""
    label = f"the value {value!r} of AI ({entry.ai}) {entry.title}"
    if not value:
        raise bad_identifier(f"{label} is empty", field)
    position = 0
    for component in entry.components:
        remaining = len(value) - position
        if remaining == 0 and component.optional:
            break
        if component.min_len == component.max_len:
            if remaining < component.min_len:
                raise bad_identifier(f"{label} is too short", field)
            part = value[position : position + component.min_len]
        else:
            part = value[position:]
            if len(part) > component.max_len:
                raise bad_identifier(f"{label} is too long (at most {component.max_len})", field)
            if not part:
                raise bad_identifier(f"{label} is too short", field)
        if not _cset_ok(component.cset, part):
            raise bad_identifier(f"{label} may contain {_CSET_WORDS[component.cset]}", field)
        for linter in component.linters:
            problem = _run_linter(linter, part)
            if problem:
                code = "bad_check_digit" if linter == "csum" else "bad_identifier"
                if linter == "csum":
                    expected = check_digit(part[:-1])
                    problem += f": the last digit should be {expected}"
                raise bad_identifier(f"{label} {problem}", field, code=code)
        position += len(part)
    if position != len(value):
        raise bad_identifier(f"{label} is too long", field)


def _matches(pattern: str, ai: str) -> bool:
    """Dictionary AI patterns: 'n' stands for any digit (``31nn``, ``392n``)."""
    return len(pattern) == len(ai) and all(
        p == "n" or p == a for p, a in zip(pattern, ai, strict=False)
    )


def check_associations(ais: Sequence[str], field: str | None) -> None:
    """Apply the dictionary's ``req=`` (mandatory) and ``ex=`` (forbidden) pairings."""
    present = list(dict.fromkeys(ais))
    for ai in present:
        entry = AI_TABLE[ai]
        for other in present:
            if other != ai and any(_matches(p, other) for p in entry.excludes):
                raise bad_identifier(f"AI ({ai}) may not be used together with AI ({other})", field)
        for alternatives in entry.requires:
            satisfied = any(
                all(any(_matches(p, other) for other in present) for p in group)
                for group in alternatives
            )
            if not satisfied:
                wanted = " or ".join("+".join(f"({p})" for p in g) for g in alternatives)
                raise bad_identifier(f"AI ({ai}) needs {wanted} with it", field)


def dedupe_elements(elements: Sequence[AIElement], field: str | None) -> list[AIElement]:
    """Collapse repeats of an AI with equal values; reject repeats with different values."""
    out: dict[str, AIElement] = {}
    for element in elements:
        earlier = out.get(element.ai)
        if earlier is not None and earlier.value != element.value:
            raise bad_identifier(f"AI ({element.ai}) is given twice with different values", field)
        out.setdefault(element.ai, element)
    return list(out.values())


# ---------------------------------------------------------------------------------------
# Element strings and bracketed AI data
# ---------------------------------------------------------------------------------------


def element_string(elements: Sequence[AIElement]) -> str:
    """The unbracketed element string, ``^`` standing for FNC1 (as the GS1 engine)."""
    out = []
    separator_needed = True
    for element in elements:
        if separator_needed:
            out.append("^")
        out.append(element.ai + element.value)
        separator_needed = not AI_TABLE[element.ai].fixed
    return "".join(out)


def _ai_at(data: str, position: int) -> str | None:
    for width in (2, 3, 4):
        candidate = data[position : position + width]
        if len(candidate) == width and candidate in AI_TABLE:
            return candidate
    return None


def parse_element_string(data: str, *, field: str | None = None) -> tuple[AIElement, ...]:
    """Parse an unbracketed element string; ``^`` or ASCII GS (0x1D) stands for FNC1."""
    text = data.replace("\x1d", "^")
    text = text.removeprefix("^")
    elements: list[AIElement] = []
    position = 0
    if not text:
        raise bad_identifier("the element string is empty", field)
    while position < len(text):
        if text[position] == "^":
            position += 1  # tolerate a separator after a fixed-length AI
            continue
        ai = _ai_at(text, position)
        if ai is None:
            raise bad_identifier(
                f"unknown or unsupported AI at position {position} of {data!r}", field
            )
        entry = AI_TABLE[ai]
        start = position + len(ai)
        if entry.fixed:
            end = start + entry.fixed_length
            if end > len(text):
                raise bad_identifier(f"the value of AI ({ai}) is too short", field)
        else:
            end = text.find("^", start)
            end = len(text) if end < 0 else end
        value = text[start:end]
        check_ai_value(entry, value, field)
        elements.append(AIElement(ai, value))
        position = end
    result = tuple(dedupe_elements(elements, field))
    check_associations([e.ai for e in result], field)
    return result


_BRACKETED = re.compile(r"\((\d{2,4})\)")


def parse_bracketed_ai(data: str, *, field: str | None = None) -> tuple[AIElement, ...]:
    """Parse bracketed AI data such as ``(01)09520123456788(10)ABC1``."""
    if not data.startswith("("):
        raise bad_identifier(f"bracketed AI data must start with '(': {data!r}", field)
    # A "(" inside a value is written "\(" in the GS1 bracketed syntax.
    marker = "\x00"
    protected = data.replace("\\(", marker)
    pieces = _BRACKETED.split(protected)
    if pieces[0]:
        raise bad_identifier(f"bracketed AI data must start with an AI: {data!r}", field)
    elements: list[AIElement] = []
    for ai, raw in zip(pieces[1::2], pieces[2::2], strict=False):
        value = raw.replace(marker, "(")
        if ai not in AI_TABLE:
            raise bad_identifier(f"AI ({ai}) is not a GS1 AI this ledger knows", field)
        check_ai_value(AI_TABLE[ai], value, field)
        elements.append(AIElement(ai, value))
    if not elements:
        raise bad_identifier(f"no AI found in {data!r}", field)
    return tuple(elements)
