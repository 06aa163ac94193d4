"""Random input at every endpoint: whatever arrives, the answer is never a 5xx or a traceback.

Fixed hostile cases, each named, are in test_api_hostile.py; these are their random cousins:
number literals of every shape and size, nesting, encodings, lone surrogates, content types
and batches, placed anywhere in a valid statement. A refused body stores nothing.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from ledger.core.canonical import parse_json
from ledger.core.errors import MalformedError
from ledger.core.signing import STATEMENT_KINDS, SigningKey
from ledger.core.statements import sign_statement
from ledger.service.ledger import Ledger
from tests.support.json_patch import paths, put
from tests.support.profiles import examples
from tests.web.conftest import FARM, OPERATOR, event, harvest

API = "/api/v1"
FUZZ = settings(
    max_examples=examples(150), suppress_health_check=[HealthCheck.function_scoped_fixture]
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)
GET_ROUTES = [
    "/checkpoint",
    "/log/entries",
    "/log/proof/inclusion",
    "/log/proof/consistency",
    "/operator",
    "/history",
    "/epcis",
    "/openapi.json",
]
PARAM_NAMES = ["start", "end", "index", "tree_size", "first", "second", "object"]
param_values = st.one_of(
    st.integers(min_value=-5, max_value=40).map(str),
    st.integers().map(str),
    st.text(max_size=30),
    st.sampled_from(
        [
            "https://id.gs1.org/01/06901234000108/10/LOT-1",
            *("1e3", "0x10", "", "%", "01", "1e400", "-0", "+1", " 1", "1 ", "1_0", "\u0663"),
            *("\x00", "9" * 5000, str(2**63 - 1), str(2**63), str(2**64), "-1", "0.0", "1."),
            *("Infinity", "NaN"),
        ]
    ),
    st.integers(min_value=2**62, max_value=2**70).map(str),
)


def signed(kind: str, payload: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    """The statement as JSON; values with no canonical form (NaN, 2**60) cannot be signed at all."""
    try:
        return sign_statement(kind, payload, key).to_json()
    except MalformedError:
        reject()


def assert_no_crash(response: TestResponse) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    if response.status_code >= 400:
        assert set(response.get_json()["error"]) >= {"code", "message"}


def assert_refused_or_taken(response: TestResponse, ledger: Ledger, size: int) -> None:
    """No crash, and a refusal stores nothing."""
    assert_no_crash(response)
    if response.status_code >= 400:
        assert ledger.size() == size


@FUZZ
@given(value=json_values)
def test_random_json_bodies(client: FlaskClient, value: Any) -> None:
    data = json.dumps(value)  # NaN and Infinity come out as the bare words, which must be refused
    assert_no_crash(client.post(f"{API}/statements", data=data, content_type="application/json"))
    assert_no_crash(
        client.post(
            f"{API}/statements",
            data=json.dumps({"statements": [value]}),
            content_type="application/json",
        )
    )


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes(client: FlaskClient, data: bytes) -> None:
    assert_no_crash(client.post(f"{API}/statements", data=data, content_type="application/json"))


@FUZZ
@given(
    kind=st.sampled_from(STATEMENT_KINDS),
    payload=st.dictionaries(st.text(max_size=12), json_values, max_size=6),
    by_operator=st.booleans(),
)
def test_properly_signed_random_payloads(
    client: FlaskClient, kind: str, payload: dict[str, Any], by_operator: bool
) -> None:
    """Signed correctly, so every rule behind the signature check is reached."""
    key = OPERATOR if by_operator else FARM
    assert_no_crash(client.post(f"{API}/statements", json=signed(kind, payload, key)))


def _replace(value: Any, path: list[int], new: Any) -> Any:
    """``value`` with the member chosen by ``path`` (indices into sorted members) replaced."""
    if not path or not isinstance(value, (dict, list)) or not value:
        return new
    if isinstance(value, dict):
        name = sorted(value)[path[0] % len(value)]
        return {**value, name: _replace(value[name], path[1:], new)}
    position = path[0] % len(value)
    return [*value[:position], _replace(value[position], path[1:], new), *value[position + 1 :]]


@FUZZ
@given(
    path=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=4), new=json_values
)
def test_mutated_valid_events(client: FlaskClient, path: list[int], new: Any) -> None:
    """A valid event with one member anywhere replaced by anything, properly signed."""
    payload = _replace(harvest("FUZZ-1"), path, new)
    if isinstance(payload, dict):
        assert_no_crash(client.post(f"{API}/statements", json=signed("event", payload, FARM)))


@FUZZ
@given(
    route=st.sampled_from(GET_ROUTES),
    params=st.lists(
        st.tuples(st.sampled_from(PARAM_NAMES) | st.text(max_size=8), param_values), max_size=4
    ),
)
def test_random_query_strings(
    client: FlaskClient, route: str, params: list[tuple[str, str]]
) -> None:
    assert_no_crash(client.get(f"{API}{route}?{urlencode(params)}"))


@FUZZ
@given(
    route=st.sampled_from(["lots", "units"]),
    gtin=st.text(max_size=16),
    rest=st.text(min_size=1, max_size=30),
)
def test_random_object_paths(client: FlaskClient, route: str, gtin: str, rest: str) -> None:
    assert_no_crash(
        client.get(f"{API}/{route}/{quote(gtin or '0', safe='')}/{quote(rest, safe='')}")
    )


@FUZZ
@given(query=st.text(max_size=60))
def test_raw_query_text(client: FlaskClient, query: str) -> None:
    for route in GET_ROUTES:
        assert_no_crash(client.get(f"{API}{route}?{quote(query, safe='=&')}"))


# -- hostile JSON text, placed anywhere in a valid statement -------------------------------

DIGITS = st.text("0123456789", min_size=1, max_size=25)
integer_parts = st.one_of(
    st.just("0"),
    st.builds(lambda d, rest: d + rest, st.sampled_from("123456789"), DIGITS),
    # Past Python's 4300-digit limit for int(), and far past the largest double.
    st.integers(min_value=4250, max_value=6000).map(lambda n: "1" + "0" * n),
)
exponents = st.one_of(
    st.just(""),
    st.builds(
        lambda e, sign, d: e + sign + d,
        st.sampled_from("eE"),
        st.sampled_from(["", "+", "-"]),
        DIGITS | st.integers(min_value=300, max_value=10**12).map(str),
    ),
)
number_literals = st.builds(
    lambda sign, whole, fraction, exponent: sign + whole + fraction + exponent,
    st.sampled_from(["", "-"]),
    integer_parts,
    st.just("") | DIGITS.map(lambda d: "." + d),
    exponents,
)
bad_number_literals = st.sampled_from(
    [
        *("01", "-01", "00", "+1", ".5", "1.", "1e", "1e+", "--1", "0x1F", "1_000", "NaN"),
        *("Infinity", "-Infinity", "1.5.5", "\u0661", "\uff11", "1e1e1", "0.e1", "-"),
    ]
)
string_escapes = st.sampled_from(
    [
        *("\\ud800", "\\udfff", "\\udc00\\ud800", "\\ud83c\\udf3e", "\\u0000", "\\"),
        *("\\x41", "\\/", "\\uD800\\u0041", "\\u00", "\\U0041"),
    ]
)
hostile_strings = st.builds(
    lambda a, esc, b: '"' + a + esc + b + '"',
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters='"\\'), max_size=5
    ),
    string_escapes,
    st.text(alphabet="abc", max_size=3),
)


def _nest(depth: int, kinds: list[bool], close: bool) -> str:
    """``depth`` levels of arrays (False) and objects (True), closed or left open."""
    opening = "".join('{"k":' if kinds[i % len(kinds)] else "[" for i in range(depth))
    if not close:
        return opening
    closing = "".join("}" if kinds[i % len(kinds)] else "]" for i in reversed(range(depth)))
    return opening + "0" + closing


nestings = st.builds(
    _nest,
    st.integers(min_value=1, max_value=3000),
    st.lists(st.booleans(), min_size=1, max_size=4),
    st.booleans(),
)
huge_arrays = st.builds(
    lambda n, item: "[" + ",".join([item] * n) + "]",
    st.integers(min_value=1000, max_value=120_000),
    st.sampled_from(["0", "{}", "[]", '"x"', "1e308", "null"]),
)
duplicates = st.builds(
    lambda name, a, b: f'{{"{name}":{a},"{name}":{b}}}',
    st.sampled_from(["a", "kind", "statements", "quantity"]),
    st.sampled_from(["1", "1.0", '"x"']),
    st.sampled_from(["1", "2", "null"]),
)
hostile_fragments = st.one_of(
    number_literals,
    bad_number_literals,
    hostile_strings,
    nestings,
    huge_arrays,
    duplicates,
    json_values.map(json.dumps),
)
MARK = "@@HOSTILE@@"


def _with_fragment(document: Any, path: tuple[Any, ...], fragment: str, as_key: bool) -> str:
    """``document`` as JSON text with the member at ``path`` replaced by raw ``fragment``
    (or, with ``as_key``, a member named by ``fragment`` added beside it)."""
    if as_key and fragment.startswith('"'):
        parent = path[:-1] if path else path
        target: Any = document
        for step in parent:
            target = target[step]
        if isinstance(target, dict):
            marked = put(document, parent, {**target, MARK: 1})
            return json.dumps(marked).replace(f'"{MARK}"', fragment)
    return json.dumps(put(document, path, MARK)).replace(f'"{MARK}"', fragment)


VALID_STATEMENT = event(harvest("HOSTILE-1"))
STATEMENT_PATHS = paths(VALID_STATEMENT)


@FUZZ
@given(
    path=st.sampled_from(STATEMENT_PATHS),
    fragment=hostile_fragments,
    as_key=st.booleans(),
    batch=st.booleans(),
)
def test_hostile_text_anywhere_in_a_valid_statement(
    client: FlaskClient,
    ledger: Ledger,
    path: tuple[Any, ...],
    fragment: str,
    as_key: bool,
    batch: bool,
) -> None:
    body = _with_fragment(VALID_STATEMENT, path, fragment, as_key)
    if batch:
        body = '{"statements":[' + json.dumps(event(harvest("HOSTILE-2"))) + "," + body + "]}"
    size = ledger.size()
    response = client.post(f"{API}/statements", data=body, content_type="application/json")
    assert_refused_or_taken(response, ledger, size)


@FUZZ
@given(path=st.sampled_from(paths(harvest("HOSTILE-3"))), literal=number_literals)
def test_number_literals_signed_for_what_the_server_reads(
    client: FlaskClient, ledger: Ledger, path: tuple[Any, ...], literal: str
) -> None:
    """A properly signed event with a number written any way anywhere: the rules are reached."""
    try:
        value = parse_json(literal)
    except MalformedError:
        value = 0  # the literal itself is refused; sign anything
    statement = signed("event", put(harvest("HOSTILE-3"), path, value), FARM)
    body = _with_fragment(statement, ("payload", *path), literal, as_key=False)
    size = ledger.size()
    response = client.post(f"{API}/statements", data=body, content_type="application/json")
    assert_refused_or_taken(response, ledger, size)


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1"]


@FUZZ
@given(
    encoding=st.sampled_from(ENCODINGS),
    junk=st.binary(max_size=4),
    position=st.integers(min_value=0),
    nul=st.booleans(),
)
def test_encodings_and_stray_bytes(
    client: FlaskClient, ledger: Ledger, encoding: str, junk: bytes, position: int, nul: bool
) -> None:
    text = json.dumps(event(harvest("ENC-2")), ensure_ascii=False)
    data = text.encode(encoding, errors="replace")
    at = position % (len(data) + 1)
    data = data[:at] + (b"\x00" if nul else b"") + junk + data[at:]
    size = ledger.size()
    response = client.post(f"{API}/statements", data=data, content_type="application/json")
    assert_refused_or_taken(response, ledger, size)


content_types = st.one_of(
    st.sampled_from(
        [
            *("", "application/json", "text/plain", "application/x-www-form-urlencoded"),
            *("multipart/form-data; boundary=b", "application/ld+json", "*/*", "application/"),
        ]
    ).flatmap(
        lambda base: st.builds(
            lambda params: base + "".join(params),
            st.lists(
                st.sampled_from(
                    [
                        "; charset=utf-8",
                        "; charset=UTF-16",
                        "; charset=latin-1",
                        "; charset",
                        ";",
                        '; charset="utf-8"',
                        "; boundary=",
                        "; q=0.1",
                        "; charset=utf-8; x=y",
                    ]
                ),
                max_size=3,
            ),
        )
    ),
    st.text(max_size=40),
)


@FUZZ
@given(content_type=content_types, valid=st.booleans())
def test_content_types(client: FlaskClient, ledger: Ledger, content_type: str, valid: bool) -> None:
    body = json.dumps(event(harvest("CT-1"))) if valid else "{}"
    size = ledger.size()
    try:
        response = client.post(f"{API}/statements", data=body, content_type=content_type)
    except ValueError:
        reject()  # a header value the test client itself refuses to send (a newline, say)
    assert_refused_or_taken(response, ledger, size)


@FUZZ
@given(items=st.lists(st.sampled_from(["valid", "empty", "number", "string", "deep"]), max_size=8))
def test_batches_of_mixed_items(client: FlaskClient, ledger: Ledger, items: list[str]) -> None:
    parts = {
        "valid": json.dumps(event(harvest("BATCH-1"))),
        "empty": "{}",
        "number": "1" + "0" * 4400,
        "string": '"\\ud800"',
        "deep": "[" * 2000 + "]" * 2000,
    }
    body = '{"statements":[' + ",".join(parts[i] for i in items) + "]}"
    size = ledger.size()
    response = client.post(f"{API}/statements", data=body, content_type="application/json")
    assert_refused_or_taken(response, ledger, size)
    if set(items) - {"valid"}:
        assert response.status_code >= 400


@FUZZ
@given(
    route=st.sampled_from([*GET_ROUTES, "/lots/06901234000108", "/units/06901234000108"]),
    raw=st.binary(max_size=40),
)
def test_query_strings_of_any_bytes(client: FlaskClient, route: str, raw: bytes) -> None:
    """Percent-encoded bytes of any kind (invalid UTF-8, NUL, surrogates' UTF-8) in the query."""
    for name in PARAM_NAMES:
        assert_no_crash(client.get(f"{API}{route}?{name}={quote(raw, safe='')}"))
