"""RFC 8785 (JCS) canonical JSON, and the strict parser that feeds it.

Every hash and signature in the ledger is over ``canonical_bytes``; nothing calls
``json.dumps`` before hashing. Parsing is strict so that two parties can never read
the same bytes as different values: duplicate member names and NaN/Infinity are rejected,
and integers beyond 2^53 are read as the double a JavaScript reader would see.
"""

from __future__ import annotations

import json
import re
from typing import Any

import rfc8785

from ledger.core.errors import MalformedError

MAX_SAFE_INTEGER = 2**53 - 1
# Deeper documents are refused: nothing the ledger accepts nests this far, and the
# serialiser recurses once per level.
MAX_DEPTH = 64
# A literal this long is quoted in an error message only by its start.
_QUOTED_LITERAL = 40
# JSON text holds a lone surrogate only as a \u escape (UTF-8 decoding refuses encoded
# ones), so text without such an escape needs no walk; json.loads joins valid pairs.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _plain(value: Any) -> bool | None:
    """Whether Python's C JSON encoder writes ``value`` exactly as RFC 8785 does.

    It does when member names sort the same by code point as by UTF-16 code unit (no
    character at or above U+D800), and every number is an integer in the I-JSON range or
    a double whose shortest form has no exponent in either language (1e-4 up to 1e16).
    Strings are escaped identically. None means "yes, once integral doubles (12.0, which
    RFC 8785 writes 12) are written as integers". Anything else takes the general
    serialiser; tests/core/test_canonical.py checks that the two agree.
    """
    integral = False
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str) or node is None or isinstance(node, bool):
            continue
        if isinstance(node, int):
            if abs(node) > MAX_SAFE_INTEGER:
                return False
        elif isinstance(node, float):
            if node.is_integer():
                if abs(node) > MAX_SAFE_INTEGER:
                    return False
                integral = True
            elif not 1e-4 <= abs(node) < 1e16:
                return False
        elif isinstance(node, dict):
            for key in node:
                if not isinstance(key, str) or (key and max(key) >= "\ud800"):
                    return False
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        else:
            return False
    return None if integral else True


def _integral_as_int(node: Any) -> Any:
    if isinstance(node, float) and node.is_integer():
        return int(node)
    if isinstance(node, dict):
        return {key: _integral_as_int(child) for key, child in node.items()}
    if isinstance(node, list):
        return [_integral_as_int(child) for child in node]
    return node


def canonical_bytes(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value."""
    plain = _plain(value)
    if plain is not False:
        try:
            if plain is None:
                value = _integral_as_int(value)
            return json.dumps(
                value, ensure_ascii=False, sort_keys=True, separators=(",", ":")
            ).encode("utf-8")
        except (UnicodeEncodeError, RecursionError):
            pass  # a lone surrogate, or nesting: the general serialiser says what is wrong
    try:
        return rfc8785.dumps(value)
    except RecursionError as exc:
        raise MalformedError("the value is nested too deeply", code="too_deep") from exc
    except UnicodeEncodeError as exc:
        # rfc8785 sorts member names as UTF-16, which a lone surrogate in a name cannot be.
        raise MalformedError(
            "this value has no canonical JSON form: a member name holds a lone surrogate",
            code="not_canonicalizable",
        ) from exc
    except rfc8785.CanonicalizationError as exc:
        # Translated once, here: callers only ever see the ledger's own errors.
        raise MalformedError(
            f"this value has no canonical JSON form: {exc}", code="not_canonicalizable"
        ) from exc


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise MalformedError(
                f"the JSON object has the member {key!r} twice; each name may appear only once",
                code="duplicate_member",
            )
        obj[key] = value
    return obj


def _reject_constant(name: str) -> Any:
    raise MalformedError(f"{name} is not a JSON number", code="bad_number")


def _parse_int(text: str) -> int | float:
    # Sixteen digits or fewer: at most 2^53 - 1 or near it. Longer ones are doubles anyway,
    # and int() refuses more than 4300 digits (a ValueError the decoder would let escape).
    if len(text.lstrip("-")) > 16:
        return _parse_float(text)
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        # I-JSON (RFC 7493) semantics, as every JavaScript reader sees it: a double.
        return _parse_float(text)
    return value


def _parse_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        shown = text
        if len(text) > _QUOTED_LITERAL:
            shown = f"{text[:_QUOTED_LITERAL]}... ({len(text)} characters)"
        raise MalformedError(f"the number {shown} is out of range", code="bad_number")
    return value


def parse_json(
    data: bytes | str, *, max_bytes: int | None = None, reject_lone_surrogates: bool = False
) -> Any:
    """Parse JSON strictly (UTF-8, no duplicate names, no NaN; numbers as I-JSON doubles).

    ``reject_lone_surrogates`` refuses an escaped lone surrogate (no Unicode character, so
    no canonical form) at once, as input from a client should be. Verifiers leave it to
    ``canonical_bytes``, as the script and the browser do, so that their reports agree.
    """
    if isinstance(data, bytes):
        if max_bytes is not None and len(data) > max_bytes:
            raise MalformedError(
                f"the document is {len(data)} bytes; at most {max_bytes} are accepted",
                code="too_large",
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedError(
                "the document is not valid UTF-8 text", code="bad_encoding"
            ) from exc
    else:
        text = data
    try:
        value = json.loads(
            text,
            object_pairs_hook=_reject_duplicates,
            parse_constant=_reject_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except json.JSONDecodeError as exc:
        raise MalformedError(
            f"the document is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            code="bad_json",
        ) from exc
    except RecursionError as exc:
        raise MalformedError("the document is nested too deeply", code="too_deep") from exc
    surrogates = reject_lone_surrogates and _SURROGATE_ESCAPE.search(text) is not None
    _check_tree(value, surrogates)
    return value


def _check_tree(value: Any, surrogates: bool) -> None:
    """Refuse nesting past MAX_DEPTH and, if asked, strings holding a lone surrogate."""
    # Iterative, so that the check itself cannot overflow the stack.
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if surrogates:
                _check_text(node)
        elif isinstance(node, (dict, list)):
            if depth > MAX_DEPTH:
                raise MalformedError(
                    f"the document nests objects or arrays more than {MAX_DEPTH} levels deep",
                    code="too_deep",
                )
            if isinstance(node, dict):
                if surrogates:
                    for key in node:
                        _check_text(key)
                stack.extend((child, depth + 1) for child in node.values())
            else:
                stack.extend((child, depth + 1) for child in node)


def _check_text(text: str) -> None:
    found = _SURROGATE.search(text)
    if found is not None:
        raise MalformedError(
            f"the document has the escape \\u{ord(found.group()):04x}, a lone surrogate, which is "
            "no Unicode character; the document has no canonical JSON form",
            code="not_canonicalizable",
        )
