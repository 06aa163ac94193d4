"""The path-carrying JSON reader: every error names the member it is about."""

from __future__ import annotations

import re

import pytest

from ledger.core.errors import ValidationError
from ledger.core.json_reader import Node, safe_key

DOC = {"a": {"b": [{"c": 1}, {"c": "x"}]}, "t": " padded", "n": True}


def fails(call: object) -> tuple[str, str | None, str]:
    assert callable(call)
    with pytest.raises(ValidationError) as info:
        call()
    return info.value.code, info.value.field, info.value.message


def test_children_extend_the_path() -> None:
    root = Node(DOC, "payload")
    items = root.object()["a"].members(required=("b",))["b"].items(10)
    assert [item.path for item in items] == ["payload.a.b[0]", "payload.a.b[1]"]
    c = items[1].members(required=("c",))["c"]
    assert (c.path, c.value) == ("payload.a.b[1].c", "x")
    assert fails(c.number) == (
        "wrong_type",
        "payload.a.b[1].c",
        "payload.a.b[1].c must be a number, not a text string",
    )
    assert root.object().get("zzz") is None


def test_member_rules() -> None:
    obj = Node(DOC, "p").object()
    assert fails(lambda: obj.expect(optional=("a", "n"))) == (
        "unknown_field",
        "p.t",
        "p has an unknown member t; allowed here: a, n",
    )
    assert fails(lambda: obj.expect(required=("a", "x"), optional=("n", "t"))) == (
        "missing_field",
        "p.x",
        "p.x is missing",
    )
    missing, unexpected = obj.missing("y", " (the case)"), obj.unexpected("y", "why")
    assert (missing.code, missing.field, missing.message) == (
        "missing_field",
        "p.y",
        "p.y is missing (the case)",
    )
    assert (unexpected.code, unexpected.field, unexpected.message) == (
        "unexpected_field",
        "p.y",
        "p.y is not used here: why",
    )
    assert fails(lambda: Node({1: 2}, "p").object())[:2] == ("wrong_type", "p")
    assert safe_key("a\x00b") == "'a\\x00b'" and safe_key("x" * 61) == repr("x" * 60)


def test_scalar_rules() -> None:
    assert fails(lambda: Node(" padded", "p.t").text(10))[:2] == ("bad_value", "p.t")
    assert fails(lambda: Node("", "p").text(10))[0] == "empty"
    assert fails(lambda: Node("abc", "p").text(2))[0] == "too_long"
    assert fails(lambda: Node("a\u0085", "p").text(5))[0] == "control_character"
    pattern = re.compile("[a-z]+")
    assert fails(lambda: Node("A", "p").text(5, pattern=pattern, pattern_words="lower"))[2] == (
        "p 'A' must be lower"
    )
    assert fails(lambda: Node("x", "p").choice(("a", "b")))[2] == "p 'x' is not one of: a, b"
    assert fails(lambda: Node(True, "p").number())[0] == "wrong_type"
    assert fails(lambda: Node(float("nan"), "p").number())[0] == "bad_value"
    assert fails(lambda: Node(2**53, "p").number())[0] == "bad_value"
    assert fails(lambda: Node(1.5, "p").number(integer=True))[0] == "wrong_type"
    assert fails(lambda: Node(0, "p").number(positive=True))[0] == "bad_value"
    assert Node(2.0, "p").number(integer=True) == 2
    assert fails(lambda: Node([], "p").items(3))[0] == "empty"
    assert Node([], "p").items(3, allow_empty=True) == []
    assert fails(lambda: Node([1, 2], "p").items(1))[:2] == ("too_many", "p")
    assert fails(lambda: Node({}, "p").items(1))[2] == "p must be a list ([...]), not an object"
