"""GS1 Digital Link URIs: parse, validate and generate them as GS1's engine does.

Follows the GS1 Digital Link URI Syntax standard for the AIs `ledger.core.gs1_syntax`
knows: a primary key and its qualifiers in the path (``/01/{gtin}/10/{lot}``), other AIs
as query parameters, percent-encoding, DL 1.x short names on request. What the ledger
identifies with these URIs is `ledger.core.gs1`'s business.

Pure: standard library only, no I/O. Every rejection is a `ValidationError` with code
``bad_check_digit`` or ``bad_identifier`` and a message in plain words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.core.gs1_syntax import (
    AI_TABLE,
    DIGITS,
    AIElement,
    bad_identifier,
    check_ai_value,
    check_associations,
    dedupe_elements,
    element_string,
)

__all__ = [
    "CANONICAL_HOST",
    "CANONICAL_STEM",
    "DigitalLink",
    "build_digital_link",
    "parse_digital_link",
    "render_uri",
]

CANONICAL_HOST = "id.gs1.org"
CANONICAL_STEM = "https://id.gs1.org"

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
        return element_string(self.elements)

    def hri(self) -> str:
        """Human-readable form: ``(01)09520123456788(10)ABC1``."""
        return "".join(f"({e.ai}){e.value}" for e in self.elements)


# ---------------------------------------------------------------------------------------
# Rendering and percent-encoding
# ---------------------------------------------------------------------------------------

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
        raise bad_identifier("the identifier contains an encoded NUL character (%00)", field)
    # Bytes outside ASCII can never be valid AI values; latin-1 keeps them visible for
    # the character-set check instead of failing to decode.
    return out.decode("latin-1")


def _is_hex(pair: str) -> bool:
    return len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair)


def render_uri(
    stem: str,
    path: Sequence[AIElement],
    attributes: Sequence[AIElement] = (),
    *,
    short_names: bool = False,
) -> str:
    """Write ``path`` (key, then qualifiers) and query ``attributes`` on ``stem``, escaped."""
    parts = [stem.removesuffix("/")]
    for element in path:
        name = _ALPHA_OF_AI.get(element.ai, element.ai) if short_names else element.ai
        parts.append(f"/{name}/{_escape(element.value, query=False)}")
    uri = "".join(parts)
    if attributes:
        uri += "?" + "&".join(f"{e.ai}={_escape(e.value, query=True)}" for e in attributes)
    return uri


def _valid_path_sequence(ais: Sequence[str]) -> bool:
    """A primary key followed by an in-order selection of one of its qualifier lists."""
    if not ais or ais[0] not in AI_TABLE:
        return False
    alternatives = AI_TABLE[ais[0]].qualifier_alternatives
    if alternatives is None:
        return False
    for alternative in alternatives:
        remaining = iter(alternative)
        # "q in remaining" consumes the iterator up to q, so order is enforced.
        if all(q in remaining for q in ais[1:]):
            return True
    return False


# ---------------------------------------------------------------------------------------
# Parsing, step by step
# ---------------------------------------------------------------------------------------

_URI_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"
)
_BAD_DOMAIN_CHARACTERS = frozenset("_~?#@!$&'()*+,;=%")
_SCHEMES = ("https://", "HTTPS://", "http://", "HTTP://")


def _lookup_path_ai(name: str, convenience_alphas: bool) -> str | None:
    # Short names are 3 to 5 letters; a digit first means an AI.
    if convenience_alphas and 3 <= len(name) <= 5 and name in _CONVENIENCE_ALPHAS:
        return _CONVENIENCE_ALPHAS[name]
    return name if name in AI_TABLE else None


def _split_uri(uri: str, shown: str, field: str | None) -> tuple[str, str, str]:
    """Check the characters, scheme and host; return (scheme + host, path, query)."""
    if not uri:
        raise bad_identifier("the GS1 Digital Link is empty", field)
    if not set(uri) <= _URI_CHARACTERS:
        bad = next(c for c in uri if c not in _URI_CHARACTERS)
        raise bad_identifier(
            f"{shown!r} contains the character {bad!r}, which a URI cannot hold", field
        )
    scheme = next((s for s in _SCHEMES if uri.startswith(s)), None)
    if scheme is None:
        raise bad_identifier(f"{shown!r} must start with https:// (or http://)", field)
    rest = uri[len(scheme) :]
    slash = rest.find("/")
    if slash < 1:
        raise bad_identifier(f"{shown!r} has no host name and path", field)
    domain = rest[:slash]
    if set(domain) & _BAD_DOMAIN_CHARACTERS:
        raise bad_identifier(
            f"the host name {domain!r} contains characters a host cannot hold", field
        )
    path, _, query = rest[slash:].split("#", 1)[0].partition("?")
    return scheme + domain, path, query


def _key_position(
    segments: list[str], convenience_alphas: bool, shown: str, field: str | None
) -> int:
    """The index of the primary key's segment: the rightmost key after "/AI/value" pairs.

    Anything before it is the stem, which may itself contain look-alike AIs.
    """
    k = len(segments) - 1
    while k - 1 >= 1:
        ai = _lookup_path_ai(segments[k - 1], convenience_alphas)
        if ai is None:
            break
        if AI_TABLE[ai].qualifier_alternatives is not None:
            return k - 1
        k -= 2
    raise bad_identifier(
        f"{shown!r} has no GS1 key (such as /01/ for a GTIN or /00/ for an SSCC) in its path",
        field,
    )


def _decoded(ai: str, raw: str, query: bool, zero_suppressed_gtin: bool, field: str | None) -> str:
    """The value of ``ai`` as written in the URI, unescaped and checked."""
    value = _unescape(raw, query=query, field=field)
    if zero_suppressed_gtin and ai == "01" and len(value) in (8, 12, 13):
        value = value.zfill(14)
    check_ai_value(AI_TABLE[ai], value, field)
    return value


def _path_elements(
    segments: list[str],
    key_at: int,
    options: tuple[bool, bool],
    shown: str,
    field: str | None,
) -> list[AIElement]:
    """The key and its qualifiers, in a valid key-qualifier order."""
    zero_suppressed_gtin, convenience_alphas = options
    elements: list[AIElement] = []
    for i in range(key_at, len(segments), 2):
        ai = _lookup_path_ai(segments[i], convenience_alphas)
        assert ai is not None  # walked over by _key_position
        if not segments[i + 1]:
            raise bad_identifier(f"the value of AI ({ai}) in {shown!r} is empty", field)
        value = _decoded(ai, segments[i + 1], False, zero_suppressed_gtin, field)
        elements.append(AIElement(ai, value))
    ais = [e.ai for e in elements]
    if not _valid_path_sequence(ais):
        raise bad_identifier(
            f"the AIs in the path of {shown!r} ({'/'.join(ais)}) are not a valid key and "
            "qualifier sequence: for a GTIN the order is /01/, then optional /22/, /10/, /21/",
            field,
        )
    return elements


def _query_elements(
    query: str, zero_suppressed_gtin: bool, field: str | None
) -> tuple[list[AIElement], list[str]]:
    """The AIs of the query string, and its other parameters as written."""
    attributes: list[AIElement] = []
    others: list[str] = []
    for param in query.split("&"):
        if not param:
            continue
        name, equals, raw_value = param.partition("=")
        if not equals or not (name and set(name) <= DIGITS):
            others.append(param)  # singletons and non-numeric keys are not AI data
            continue
        if name not in AI_TABLE:
            raise bad_identifier(
                f"the query parameter {name} is not a GS1 AI this ledger knows", field
            )
        if not raw_value:
            raise bad_identifier(f"the value of AI ({name}) in the query is empty", field)
        value = _decoded(name, raw_value, True, zero_suppressed_gtin, field)
        attributes.append(AIElement(name, value))
    return attributes, others


def _check_attributes(
    path_ais: list[str], attributes: list[AIElement], shown: str, field: str | None
) -> None:
    """Query AIs appear once, may be attributes, and are not qualifiers of the key."""
    seen = set(path_ais)
    for element in attributes:
        if element.ai in seen:
            raise bad_identifier(f"AI ({element.ai}) appears more than once in {shown!r}", field)
        seen.add(element.ai)
        if not AI_TABLE[element.ai].dl_attribute:
            raise bad_identifier(f"AI ({element.ai}) may not be given as a query parameter", field)
        for j in range(1, len(path_ais) + 1):
            if _valid_path_sequence([*path_ais[:j], element.ai, *path_ais[j:]]):
                raise bad_identifier(
                    f"AI ({element.ai}) qualifies the key and belongs in the path, not the query",
                    field,
                )


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
        raise bad_identifier("a GS1 Digital Link must be a text string", field)
    shown = uri if len(uri) <= 120 else uri[:117] + "..."
    origin, path, query = _split_uri(uri, shown, field)
    segments = path.split("/")  # segments[0] is "" because the path starts with "/"
    key_at = _key_position(segments, convenience_alphas, shown, field)
    stem = origin + "/".join(segments[:key_at])
    options = (zero_suppressed_gtin, convenience_alphas)
    path_elements = _path_elements(segments, key_at, options, shown, field)
    attributes, others = _query_elements(query, zero_suppressed_gtin, field)
    path_ais = [e.ai for e in path_elements]
    _check_attributes(path_ais, attributes, shown, field)
    if validate_associations:
        check_associations(path_ais + [e.ai for e in attributes], field)
    return DigitalLink(stem, tuple(path_elements), tuple(attributes), tuple(others))


# ---------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------


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
        if element.ai not in AI_TABLE:
            raise bad_identifier(f"AI ({element.ai}) is not a GS1 AI this ledger knows", field)
        check_ai_value(AI_TABLE[element.ai], element.value, field)
    items = dedupe_elements(items, field)
    check_associations([e.ai for e in items], field)

    key = next((e for e in items if AI_TABLE[e.ai].qualifier_alternatives is not None), None)
    if key is None:
        raise bad_identifier(
            "a Digital Link needs a GS1 key such as a GTIN (01) or SSCC (00)", field
        )
    present = {e.ai for e in items}
    best: tuple[str, ...] = ()
    alternatives = AI_TABLE[key.ai].qualifier_alternatives or ((),)
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
        if not AI_TABLE[element.ai].dl_attribute:
            raise bad_identifier(
                f"AI ({element.ai}) cannot be written in this Digital Link: it is neither a "
                f"qualifier of AI ({key.ai}) nor allowed as a query parameter",
                field,
            )
    ordered = [e for e in rest if AI_TABLE[e.ai].fixed] + [
        e for e in rest if not AI_TABLE[e.ai].fixed
    ]
    return render_uri(
        stem if stem is not None else CANONICAL_STEM, path, ordered, short_names=short_names
    )
