"""Reading parsed JSON with the path of every value, so each error names its member.

A `Node` is a JSON value and where it was read from (``payload.epcList[2]``). It hands
out its members and items as nodes with extended paths, and reads itself as text, a
choice, a number or a list, raising `ValidationError` with a stable code, the node's
path in ``field`` and a message that starts with that path. Nobody writes a path by hand.

Knows nothing of events (`ledger.core.event_members` reads those). Pure: no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterator
from functools import lru_cache

from ledger.core.errors import ValidationError

__all__ = ["Node", "Obj", "error", "json_type_words", "safe_key"]

_JSON_TYPE_WORDS = {
    dict: "an object",
    list: "a list",
    str: "a text string",
    bool: "true or false",
    int: "a number",
    float: "a number",
    type(None): "null",
}

# C0 and C1 control characters, DEL, and lone surrogates (which UTF-8 cannot encode).
_BAD_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

# Marks a member that is not there (null is a value).
_ABSENT = object()

# The largest integer every JSON reader holds exactly (IEEE 754 doubles).
_MAX_SAFE_INTEGER = 2**53 - 1


def error(code: str, field: str, message: str) -> ValidationError:
    """A rejection of the member at ``field``."""
    return ValidationError(message, code=code, field=field)


def json_type_words(value: object) -> str:
    """What kind of JSON value ``value`` is, in words: "a number", "a list", ..."""
    return _JSON_TYPE_WORDS.get(type(value), type(value).__name__)


def safe_key(key: object) -> str:
    """A member name as it may be shown in a path or message (quoted when it is odd)."""
    text = key if isinstance(key, str) else repr(key)
    if len(text) > 60 or _BAD_CHARS.search(text):
        text = repr(text[:60])
    return text


@lru_cache(maxsize=256)  # a few dozen pairs, fixed by the readers' code
def _allowed(required: tuple[str, ...], optional: tuple[str, ...]) -> frozenset[str]:
    return frozenset(required + optional)


class Node:
    """A JSON value and the path it was read from."""

    # A plain class with slots: parse_event makes one per member it reads, on the append path.
    __slots__ = ("path", "value")

    def __init__(self, value: object, path: str) -> None:
        """``value`` as read from ``path`` (``payload`` for a whole payload)."""
        self.value = value
        self.path = path

    def fail(self, code: str, message: str) -> ValidationError:
        """A rejection of this value (the message names the path itself)."""
        return error(code, self.path, message)

    def want(self, words: str) -> ValidationError:
        """``wrong_type``: this value must be ``words``."""
        return self.fail(
            "wrong_type", f"{self.path} must be {words}, not {json_type_words(self.value)}"
        )

    # -- containers -----------------------------------------------------------------------

    def object(self) -> Obj:
        """This value as a JSON object whose member names are text."""
        value = self.value
        if not isinstance(value, dict):
            raise self.want("an object ({...})")
        for key in value:
            if not isinstance(key, str):
                raise self.fail("wrong_type", f"{self.path} has a member name that is not text")
        return Obj(value, self)

    def members(self, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> Obj:
        """This value as an object with only these members, the ``required`` ones present."""
        return self.object().expect(required, optional)

    def items(self, limit: int, *, allow_empty: bool = False) -> list[Node]:
        """This value as a list of at most ``limit`` items (and at least one, by default)."""
        value = self.value
        if not isinstance(value, list):
            raise self.want("a list ([...])")
        if not value and not allow_empty:
            raise self.fail("empty", f"{self.path} is an empty list; leave it out or add entries")
        if len(value) > limit:
            raise self.fail("too_many", f"{self.path} has {len(value)} entries; at most {limit}")
        return [Node(item, f"{self.path}[{i}]") for i, item in enumerate(value)]

    # -- scalars --------------------------------------------------------------------------

    def text(
        self,
        max_len: int,
        *,
        pattern: re.Pattern[str] | None = None,
        pattern_words: str = "",
    ) -> str:
        """Non-empty text of at most ``max_len`` characters, trimmed, no control characters,
        matching ``pattern`` (described by ``pattern_words``) if given."""
        value = self.value
        if not isinstance(value, str):
            raise self.want("a text string")
        if not value:
            raise self.fail("empty", f"{self.path} is empty")
        if len(value) > max_len:
            raise self.fail(
                "too_long", f"{self.path} is {len(value)} characters long; at most {max_len}"
            )
        bad = _BAD_CHARS.search(value)
        if bad is not None:
            raise self.fail(
                "control_character",
                f"{self.path} contains an invisible control character "
                f"(U+{ord(bad.group()):04X}); remove it",
            )
        if value != value.strip():
            raise self.fail("bad_value", f"{self.path} starts or ends with spaces")
        if pattern is not None and not pattern.fullmatch(value):
            raise self.fail("bad_value", f"{self.path} {value!r} must be {pattern_words}")
        return value

    def choice(self, options: Collection[str]) -> str:
        """Text that is one of ``options`` (listed in the error when there are few)."""
        text = self.text(100)
        if text not in options:
            listed = ", ".join(sorted(options)) if len(options) <= 20 else "see docs/EVENTS.md"
            raise self.fail("bad_value", f"{self.path} {text!r} is not one of: {listed}")
        return text

    def number(
        self,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        positive: bool = False,
        integer: bool = False,
    ) -> int | float:
        """A finite JSON number within 2^53 in size and the bounds given; ``integer``
        requires a whole number and returns an int."""
        value = self.value
        # bool is an int subclass in Python but true/false is not a number in JSON.
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.want("a whole number" if integer else "a number")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail("bad_value", f"{self.path} must be a finite number")
        if abs(value) > _MAX_SAFE_INTEGER:
            raise self.fail("bad_value", f"{self.path} is too large (at most 2^53 - 1 in size)")
        if integer and not (isinstance(value, int) or value.is_integer()):
            raise self.fail("wrong_type", f"{self.path} must be a whole number, not {value}")
        if positive and value <= 0:
            raise self.fail("bad_value", f"{self.path} must be more than zero, not {value}")
        if minimum is not None and value < minimum:
            raise self.fail("bad_value", f"{self.path} must be at least {minimum}, not {value}")
        if maximum is not None and value > maximum:
            raise self.fail("bad_value", f"{self.path} must be at most {maximum}, not {value}")
        return int(value) if integer else value


class Obj:
    """A JSON object read through a `Node`: its members come out as nodes."""

    __slots__ = ("_prefix", "node", "path", "value")

    def __init__(self, value: dict[str, object], node: Node) -> None:
        self.value = value
        self.node = node
        self.path = node.path
        self._prefix = node.path + "."

    def path_of(self, name: str) -> str:
        """The JSON path of the member ``name``, present or not."""
        return self._prefix + name

    def __contains__(self, name: str) -> bool:
        return name in self.value

    def __iter__(self) -> Iterator[str]:
        return iter(self.value)

    def __getitem__(self, name: str) -> Node:
        return Node(self.value[name], self._prefix + name)

    def get(self, name: str) -> Node | None:
        """The member ``name``, or None when it is absent."""
        value = self.value.get(name, _ABSENT)
        return None if value is _ABSENT else Node(value, self._prefix + name)

    def expect(self, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> Obj:
        """Reject unknown members, then report the first missing required one."""
        allowed = _allowed(required, optional)
        if not self.value.keys() <= allowed:
            key = next(key for key in self.value if key not in allowed)
            shown = safe_key(key)
            names = ", ".join(sorted(allowed))
            raise error(
                "unknown_field",
                f"{self.path}.{shown}",
                f"{self.path} has an unknown member {shown}; allowed here: {names}",
            )
        for key in required:
            if key not in self.value:
                raise self.missing(key)
        return self

    def missing(self, name: str, detail: str = "") -> ValidationError:
        """``missing_field``: the member ``name`` is missing (``detail`` says what to give)."""
        path = self.path_of(name)
        return error("missing_field", path, f"{path} is missing{detail}")

    def unexpected(self, name: str, why: str) -> ValidationError:
        """``unexpected_field``: the member ``name`` may not be given here, because ``why``."""
        path = self.path_of(name)
        return error("unexpected_field", path, f"{path} is not used here: {why}")
