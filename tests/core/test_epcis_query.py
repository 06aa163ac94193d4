"""The EPCIS query parameters and page tokens (ledger/core/epcis_query.py): every input is
either read or refused with one of the interface's codes, and a token is accepted only as
this server made it for this query."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.core.epcis_query import (
    PARAMETERS,
    EventQuery,
    page_token,
    parse_query,
    read_page_token,
)
from ledger.core.errors import ValidationError

SECRET = b"secret"
CODES = {"query_unknown_parameter", "query_bad_parameter", "query_bad_time_range", "bad_page_token"}
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "30",
            "0",
            "shipping|tl:sowing",
            "2024-10-01T00:00:00Z",
            "https://id.gs1.org/01/06901234000108",
            "https://id.gs1.org/00/069012340000001006",
            "urn:epc:id:sscc:6901234.0000000100",
        ]
    ),
)


@given(args=st.dictionaries(st.sampled_from([*PARAMETERS, "x"]), st.lists(VALUES, max_size=2)))
def test_parameters_are_read_or_refused_with_a_code(args: dict[str, list[str]]) -> None:
    try:
        query = parse_query(args, secret=SECRET)
    except ValidationError as exc:
        assert exc.code in CODES and exc.field
        return
    assert 1 <= query.per_page <= 1000
    if query.ge_time is not None and query.lt_time is not None:
        assert query.ge_time < query.lt_time


QUERIES = st.builds(
    EventQuery,
    biz_steps=st.one_of(st.none(), st.just(("shipping",))),
    ge_time=st.one_of(st.none(), st.integers(0, 10**12)),
)


@given(query=QUERIES, after=st.integers(0, 10**15), other=QUERIES)
def test_tokens_round_trip_and_bind_to_their_query(
    query: EventQuery, after: int, other: EventQuery
) -> None:
    token = page_token(SECRET, after, query)
    assert read_page_token(SECRET, token, query) == after
    if other.fingerprint() != query.fingerprint():
        with pytest.raises(ValidationError):
            read_page_token(SECRET, token, other)
    with pytest.raises(ValidationError):
        read_page_token(b"another secret", token, query)


@given(query=QUERIES, after=st.integers(0, 10**9), data=st.data())
def test_any_change_to_a_token_is_refused(
    query: EventQuery, after: int, data: st.DataObject
) -> None:
    token = page_token(SECRET, after, query)
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from("AQgw_-.9z"))
    changed = token[:position] + replacement + token[position + 1 :]
    if changed == token:
        return
    with pytest.raises(ValidationError) as err:
        read_page_token(SECRET, changed, query)
    assert err.value.code == "bad_page_token"
