"""The EPCIS 2.0 REST query subset (/epcis, docs/EVENTS.md 13) on the demo season, on SQLite
and PostgreSQL: paging through everything gives the export, each filter agrees with a
brute-force filter over the export, answers are schema-valid EPCISQueryDocuments, and bad
parameters and tampered page tokens are clear 400s that store nothing."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from ledger import demo
from ledger import samples as ex
from ledger.core import epcis
from ledger.core.gs1 import parse_identifier
from ledger.keystore import DEMO_PASSPHRASE, Keystore
from ledger.service.epcis_export import write_epcis
from ledger.service.ledger import Ledger
from tests.support.epcis_schema import assert_schema_valid
from web import create_app

STEM = "https://id.gs1.org"


@pytest.fixture
def season(engine: Engine, demo_template: tuple[Path, Path]) -> Ledger:
    keys = demo.DemoKeys.load(Keystore(demo_template[1]), DEMO_PASSPHRASE)
    ledger = Ledger.create(engine, keys.operator, demo.ORIGIN)
    demo.build(ledger, keys)
    return ledger


@pytest.fixture
def client(season: Ledger) -> FlaskClient:
    return create_app({"TESTING": True, "LEDGER": season, "SECRET_KEY": "s3cret"}).test_client()


def exported(ledger: Ledger) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    out = io.StringIO()
    write_epcis(ledger.engine, out, creation_date="2026-12-01T00:00:00Z")
    document = json.loads(out.getvalue())
    return document["epcisBody"]["eventList"], epcis.ledger_annotations(document)


def follow(client: FlaskClient, url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every page of a query, following its Link headers; each page is checked."""
    events: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for _ in range(1000):
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.headers["GS1-EPCIS-Version"] == "2.0.0"
        assert response.headers["GS1-CBV-Version"] == "2.0.0"
        document = json.loads(response.get_data(as_text=True))
        assert_schema_valid(document)
        events += document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        notes += epcis.ledger_annotations(document)
        link = response.headers.get("Link")
        if link is None:
            return events, notes
        match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
        assert match, link
        parts = urlsplit(match[1])
        url = parts.path + "?" + parts.query
    raise AssertionError("paging did not end")


def test_paging_through_all_events_equals_the_export(season: Ledger, client: FlaskClient) -> None:
    events, notes = exported(season)
    got_events, got_notes = follow(client, "/epcis/events?perPage=7")
    strip = [{k: v for k, v in e.items() if k != "recordTime"} for e in got_events]
    assert strip == [{k: v for k, v in e.items() if k != "recordTime"} for e in events]
    assert got_events == events and got_notes == notes
    # One page of everything, with the standard's default page size of 30.
    first = client.get("/epcis/events").get_json(force=True)
    assert len(first["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 30


def _key(uri: str) -> str:
    return parse_identifier(uri).object_key()


def brute_force(events: list[dict[str, Any]], **query: Any) -> list[str]:
    """The eventIDs the standard's filters select, computed over the exported JSON."""
    out = []
    for e in events:
        epcs = {
            _key(u)
            for m in ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
            for u in e.get(m, [])
        } | ({_key(e["parentID"])} if "parentID" in e else set())
        classes = {
            q["epcClass"]
            for m in (
                "quantityList",
                "childQuantityList",
                "inputQuantityList",
                "outputQuantityList",
            )
            for q in e.get(m, [])
        }
        step = "transforming" if e["bizStep"] == "tl:transforming" else e["bizStep"]
        when = datetime.fromisoformat(e["eventTime"])
        if "epc" in query and _key(query["epc"]) not in epcs:
            continue
        if "epc_class" in query and query["epc_class"] not in classes:
            continue
        if "steps" in query and step not in query["steps"]:
            continue
        if "ge" in query and when < datetime.fromisoformat(query["ge"]):
            continue
        if "lt" in query and when >= datetime.fromisoformat(query["lt"]):
            continue
        out.append(e["eventID"])
    return out


def test_filters_agree_with_a_brute_force_filter(season: Ledger, client: FlaskClient) -> None:
    events, _ = exported(season)
    bag = STEM + demo.sample_unit_path()
    gtin, lot = demo.sample_lot()
    bag_key = _key(bag)
    gtin14, serial = bag_key.split("/")[4], bag_key.split("/")[6]
    urn = f"urn:epc:id:sgtin:{gtin14[1:8]}.{gtin14[0]}{gtin14[8:13]}.{serial}"
    paddy = f"{STEM}/01/{ex.PADDY_GTIN}"
    lot_uri, july = f"{STEM}/01/{gtin}/10/{lot}", "2026-07-01T00:00:00Z"
    cases = [
        ({"MATCH_anyEPC": bag}, {"epc": bag}),
        ({"MATCH_anyEPC": urn}, {"epc": bag}),
        ({"MATCH_anyEPCClass": lot_uri}, {"epc_class": lot_uri}),
        ({"MATCH_anyEPCClass": paddy}, {"epc_class": paddy}),
        ({"EQ_bizStep": "shipping|receiving"}, {"steps": {"shipping", "receiving"}}),
        ({"EQ_bizStep": "https://ref.gs1.org/cbv/BizStep-shipping"}, {"steps": {"shipping"}}),
        ({"EQ_bizStep": "tl:spraying,tl:transforming"}, {"steps": {"tl:spraying", "transforming"}}),
        ({"EQ_bizStep": "urn:example:nothing"}, {"steps": set()}),
        (
            {"GE_eventTime": "2026-06-01T00:00:00+08:00", "LT_eventTime": "2026-09-01T00:00:00Z"},
            {"ge": "2026-06-01T00:00:00+08:00", "lt": "2026-09-01T00:00:00Z"},
        ),
        (
            {"MATCH_anyEPCClass": paddy, "EQ_bizStep": "tl:fertilising", "LT_eventTime": july},
            {"epc_class": paddy, "steps": {"tl:fertilising"}, "lt": july},
        ),
    ]  # fmt: skip
    for params, brute in cases:
        expected = brute_force(events, **brute)
        url = "/epcis/events?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
        got, _ = follow(client, url + "&perPage=4")
        assert [e["eventID"] for e in got] == expected, params
    assert brute_force(events, epc_class=paddy)  # farm work is found by its crop
    # The same instance through its own resource, paged too.
    for spelling in (bag, urn):
        got, _ = follow(client, f"/epcis/epcs/{quote(spelling, safe='')}/events?perPage=3")
        assert [e["eventID"] for e in got] == brute_force(events, epc=bag)


def test_one_event_by_its_id(season: Ledger, client: FlaskClient) -> None:
    events, notes = exported(season)
    for position in (0, len(events) // 2, len(events) - 1):
        event_id = events[position]["eventID"]
        for path in (quote(event_id, safe=""), event_id):
            response = client.get(f"/epcis/events/{path}")
            assert response.status_code == 200
            document = response.get_json(force=True)
            assert_schema_valid(document)
            body = document["epcisBody"]["queryResults"]["resultsBody"]
            assert body["eventList"] == [events[position]]
            assert epcis.ledger_annotations(document) == [notes[position]]
    missing = client.get(
        "/epcis/events/" + quote("urn:uuid:" + "0" * 8 + "-0000-5000-8000-" + "0" * 12)
    )
    assert missing.status_code == 404
    assert missing.content_type == "application/problem+json"
    problem = missing.get_json(force=True)
    assert problem["type"] == "epcisException:NoSuchResourceException"
    assert problem["error"]["code"] == "no_such_event"


BAD = [
    ("colour=red", "query_unknown_parameter"),
    ("perPage=0", "query_bad_parameter"),
    ("perPage=ten", "query_bad_parameter"),
    ("perPage=-3", "query_bad_parameter"),
    ("perPage=3&perPage=4", "query_bad_parameter"),
    ("GE_eventTime=yesterday", "query_bad_parameter"),
    ("GE_eventTime=2026-01-01T00:00:00", "query_bad_parameter"),
    ("LT_eventTime=1969-12-31T00:00:00Z", "query_bad_parameter"),
    ("GE_eventTime=2026-05-01T00:00:00Z&LT_eventTime=2026-05-01T00:00:00Z", "query_bad_time_range"),
    ("GE_eventTime=2026-06-01T00:00:00Z&LT_eventTime=2026-05-01T00:00:00Z", "query_bad_time_range"),
    ("MATCH_anyEPC=" + quote(f"{STEM}/01/{ex.PADDY_GTIN}/10/X", safe=""), "query_bad_parameter"),
    ("MATCH_anyEPC=not-an-epc", "query_bad_parameter"),
    ("MATCH_anyEPC=urn:epc:id:sgtin:bad", "query_bad_parameter"),
    ("MATCH_anyEPCClass=" + quote(f"{STEM}/00/{ex.CASE_SSCC}", safe=""), "query_bad_parameter"),
    ("MATCH_anyEPC=", "query_bad_parameter"),
    ("EQ_bizStep=shipping||receiving", "query_bad_parameter"),
    ("EQ_bizStep=dancing", "query_bad_parameter"),
    ("nextPageToken=abc", "bad_page_token"),
]


@pytest.mark.parametrize(("query", "code"), BAD, ids=[c for _, c in BAD])
def test_bad_parameters_are_clear_400s(
    season: Ledger, client: FlaskClient, query: str, code: str
) -> None:
    size = season.size()
    response = client.get("/epcis/events?" + query)
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    problem = response.get_json(force=True)
    assert problem["type"] == "epcisException:QueryParameterException"
    assert problem["status"] == 400 and problem["error"]["code"] == code
    assert problem["detail"] == problem["error"]["message"]
    assert season.size() == size  # nothing stored


def test_tampered_page_tokens(season: Ledger, client: FlaskClient) -> None:
    response = client.get("/epcis/events?perPage=5&EQ_bizStep=shipping|receiving|storing")
    link = response.headers["Link"]
    token = parse_qs(urlsplit(link[1 : link.index(">")]).query)["nextPageToken"][0]
    good = client.get(
        f"/epcis/events?perPage=5&EQ_bizStep=shipping|receiving|storing&nextPageToken={token}"
    )
    assert good.status_code == 200
    body, mac = token.split(".")
    flipped = [
        ("A" if body[0] != "A" else "B") + body[1:] + "." + mac,
        body + "." + ("A" if mac[0] != "A" else "B") + mac[1:],
        token[:-1],
        token + "A",
        body,
    ]
    for bad in flipped:
        answer = client.get(
            f"/epcis/events?perPage=5&EQ_bizStep=shipping|receiving|storing&nextPageToken={quote(bad)}"
        )
        assert (
            answer.status_code == 400
            and answer.get_json(force=True)["error"]["code"] == "bad_page_token"
        ), bad
    # A genuine token, but for another query or from another server's secret.
    other = client.get(f"/epcis/events?perPage=5&EQ_bizStep=shipping&nextPageToken={token}")
    assert other.get_json(force=True)["error"]["code"] == "bad_page_token"
    elsewhere = create_app({"TESTING": True, "LEDGER": season, "SECRET_KEY": "other"}).test_client()
    answer = elsewhere.get(
        f"/epcis/events?perPage=5&EQ_bizStep=shipping|receiving|storing&nextPageToken={token}"
    )
    assert answer.status_code == 400  # fmt: skip
