"""Random input at every endpoint: whatever arrives, the answer is never a 5xx or a traceback."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from ledger.core.errors import MalformedError
from ledger.core.signing import STATEMENT_KINDS, SigningKey
from ledger.core.statements import sign_statement
from tests.web.conftest import FARM, OPERATOR, harvest

API = "/api/v1"
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
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
    "/openapi.json",
]
PARAM_NAMES = ["start", "end", "index", "tree_size", "first", "second", "object"]
param_values = st.one_of(
    st.integers(min_value=-5, max_value=40).map(str),
    st.integers().map(str),
    st.text(max_size=30),
    st.sampled_from(
        ["https://id.gs1.org/01/06901234000108/10/LOT-1", "1e3", "0x10", "", "%", "01"]
    ),
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
