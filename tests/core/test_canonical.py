"""RFC 8785 canonical JSON against cyberphone's and the RFC's own vectors, plus properties."""

from __future__ import annotations

import json
import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.core.canonical import MAX_SAFE_INTEGER, canonical_bytes, parse_json
from ledger.core.errors import MalformedError
from tests.support.profiles import examples
from tests.support.vectors import VECTORS

JCS = VECTORS / "jcs"
NAMES = sorted(p.stem for p in (JCS / "input").glob("*.json"))


def _js_parse(text: str) -> object:
    # The vectors are JavaScript's view: every number is a double.
    return json.loads(text, parse_int=float)


@pytest.mark.parametrize("name", NAMES)
def test_cyberphone_vectors(name: str) -> None:
    value = _js_parse((JCS / "input" / f"{name}.json").read_text(encoding="utf-8"))
    expected = (JCS / "output" / f"{name}.json").read_bytes()
    expected_hex = bytes.fromhex(
        (JCS / "outhex" / f"{name}.txt").read_text().replace(" ", "").replace("\n", "")
    )
    assert canonical_bytes(value) == expected.rstrip(b"\n") == expected_hex


def test_rfc8785_number_samples() -> None:
    samples = json.loads((JCS / "rfc8785_number_samples.json").read_text())["samples"]
    assert len(samples) == 33
    for sample in samples:
        value = struct.unpack(">d", bytes.fromhex(sample["ieee754_hex"]))[0]
        if sample["valid"]:
            assert canonical_bytes(value).decode() == sample["expected"], sample
        else:
            with pytest.raises(MalformedError):
                canonical_bytes(value)


def test_derived_number_samples() -> None:
    values = _js_parse((JCS / "derived_numbers_input.json").read_text())
    assert canonical_bytes(values) == (JCS / "derived_numbers_output.json").read_bytes().rstrip(
        b"\n"
    )


def test_property_names_sort_by_utf16_code_units() -> None:
    value = json.loads((JCS / "rfc8785_sorting_sample_input.json").read_text())
    order = json.loads((JCS / "rfc8785_sorting_sample_expected.json").read_text())[
        "expected_value_order"
    ]
    assert list(json.loads(canonical_bytes(value)).values()) == order


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"a": 1, "a": 2}', "duplicate_member"),
        ("[NaN]", "bad_number"),
        ("[Infinity]", "bad_number"),
        ("[1e400]", "bad_number"),
        ("[1" + "0" * 400 + "]", "bad_number"),
        ("{", "bad_json"),
        ("[" * 100_000 + "]" * 100_000, "too_deep"),
        ("[" * 65 + "]" * 65, "too_deep"),
    ],
)
def test_strict_parser_rejects(text: str, code: str) -> None:
    with pytest.raises(MalformedError) as err:
        parse_json(text)
    assert err.value.code == code


def test_nesting_up_to_the_limit_is_fine() -> None:
    text = "[" * 64 + "]" * 64
    assert canonical_bytes(parse_json(text)) == text.encode()


def test_too_deep_values_are_refused_by_the_serialiser() -> None:
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(MalformedError) as err:
        canonical_bytes(deep)
    assert err.value.code == "too_deep"


def test_integers_beyond_2_53_are_read_as_doubles() -> None:
    assert parse_json(f"[{MAX_SAFE_INTEGER}]") == [MAX_SAFE_INTEGER]
    big = parse_json("[9007199254740993]")[0]
    assert isinstance(big, float) and canonical_bytes(big) == b"9007199254740992"


@pytest.mark.parametrize(
    "digits",
    # Regression (issue 7): int() refuses more than 4300 digits with a ValueError, which
    # escaped parse_json and made the API answer 500.
    ["1" + "0" * 4300, "9" * 5000, "-" + "9" * 5000, "7" * 100_000],
)
def test_integers_of_thousands_of_digits_are_out_of_range(digits: str) -> None:
    with pytest.raises(MalformedError) as err:
        parse_json(f"[{digits}]")
    assert err.value.code == "bad_number"
    assert len(err.value.message) < 120  # the literal is quoted by its start only


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("[9999999999999999]", 1e16),  # seventeen characters, sixteen digits: a double
        ("[-9007199254740991]", -MAX_SAFE_INTEGER),
        ("[1234567890123456]", 1234567890123456),
        ("[-0]", 0),
        ("[1" + "0" * 300 + "]", 1e300),
    ],
)
def test_long_integers_read_as_javascript_reads_them(text: str, value: float) -> None:
    assert parse_json(text) == [value]


def test_a_lone_surrogate_in_a_member_name_has_no_canonical_form() -> None:
    # Regression (issue 7): rfc8785 sorts names as UTF-16 and raised UnicodeEncodeError.
    for value in ({"\ud800": 1}, {"a": [{"\udc00x": 1, "b": 2}]}):
        with pytest.raises(MalformedError) as err:
            canonical_bytes(value)
        assert err.value.code == "not_canonicalizable"


@pytest.mark.parametrize(
    "text",
    ['["\\ud800"]', '{"\\udfff":1}', '{"a":{"b\\uDBFFc":[]}}', '["\\udc00\\ud800"]'],
)
def test_lone_surrogates_are_refused_on_request(text: str) -> None:
    parse_json(text)  # verifiers read them, as JSON.parse does, and canonicalising fails later
    with pytest.raises(MalformedError) as err:
        parse_json(text, reject_lone_surrogates=True)
    assert err.value.code == "not_canonicalizable"
    assert "\\u" in err.value.message  # named by its escape, never echoed raw


def test_surrogate_pairs_and_escaped_backslashes_are_not_lone() -> None:
    for text in ('["\\ud83c\\udf3e"]', '["\\\\ud800"]', '["\u7a3b"]'):
        parse_json(text, reject_lone_surrogates=True)


def test_parser_rejects_bad_utf8_and_oversize() -> None:
    with pytest.raises(MalformedError) as err:
        parse_json(b'"\xff"')
    assert err.value.code == "bad_encoding"
    with pytest.raises(MalformedError) as err:
        parse_json(b"[" + b"1," * 100 + b"1]", max_bytes=50)
    assert err.value.code == "too_large"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@given(json_values)
def test_canonical_form_is_a_fixed_point(value: object) -> None:
    once = canonical_bytes(value)
    assert canonical_bytes(parse_json(once)) == once
    assert b"\n" not in once  # FORMAT.md section 1: one document, one line


@given(json_values)
def test_canonical_form_ignores_member_order_and_whitespace(value: object) -> None:
    pretty = json.dumps(value, indent=2, sort_keys=False, ensure_ascii=False)
    reordered = json.dumps(value, sort_keys=True, ensure_ascii=True)
    assert canonical_bytes(parse_json(pretty)) == canonical_bytes(parse_json(reordered))


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_round_trip_exactly(x: float) -> None:
    text = canonical_bytes(x)
    parsed = float(text)
    assert parsed == x or (x == 0 and parsed == 0)
    assert not math.isnan(parsed)


@settings(max_examples=examples(1000))
@given(json_values)
def test_the_fast_path_writes_what_the_general_serialiser_writes(value: object) -> None:
    import rfc8785

    try:
        expected = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError, RecursionError):
        return
    assert canonical_bytes(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        0.0001,
        0.00011,
        123456789012345.6,
        9999999999999998.0,
        1e16,
        1e-5,
        12.0,
        -0.5,
        1e21,
        {"\ue000": 1, "\U0001f600": 2},
        {"é": [1.5, "\u2028", "\x7f", "\x1f"]},
        [12.0, {"a": -0.0}],
        9007199254740992.0,
        9007199254740991.0,
    ],
)
def test_fast_path_boundaries(value: object) -> None:
    import rfc8785

    assert canonical_bytes(value) == rfc8785.dumps(value)
