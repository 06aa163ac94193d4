"""The resolver against the GS1-Conformant resolver standard 1.2: each conformance criterion
that GS1's own test suite (gs1/GS1DL-resolver-testsuite, tests/vectors/gs1_resolver) checks,
on SQLite and PostgreSQL, plus the ledger's own link types."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import demo, samples
from ledger.core.bundle import verify_bundle
from ledger.core.dl_compression import compress_digital_link
from ledger.keystore import DEMO_PASSPHRASE, Keystore
from ledger.service.documents import DocumentStore
from ledger.service.ledger import Ledger
from web import create_app

VECTORS = Path(__file__).parents[1] / "vectors" / "gs1_resolver"
LINKSET_SCHEMA = json.loads((VECTORS / "gs1-linkset-schema.json").read_text(encoding="utf-8"))
VOC = "https://gs1.org/voc/"
ROOT = "http://localhost"
BAG_GTIN, LOT_NO = demo.sample_lot()
GTIN = samples.RICE_GTIN
LOT = f"/01/{GTIN}/10/{LOT_NO}"  # milled rice: a lot its events name
BAG_LOT = f"/01/{BAG_GTIN}/10/{LOT_NO}"  # the bags filled from it: serialised units
UNIT = demo.sample_unit_path()
UNIT_KEY = "https://id.gs1.org" + re.sub(r"/10/[^/]+", "", UNIT)
HTML = {"Accept": "text/html"}


def _client(ledger: Ledger, documents: Path) -> FlaskClient:
    """The resolver over ``ledger``, with the demo's lab reports stored."""
    store = DocumentStore(documents)
    for report in demo.lab_reports():
        store.put([report])
    config = {"TESTING": True, "LEDGER": ledger, "LEDGER_DOCUMENTS_DIR": str(documents)}
    return create_app(config).test_client()


@pytest.fixture
def resolver(demo_ledger_copy: Ledger, tmp_path: Path) -> FlaskClient:
    """The demo season (SQLite); `test_conformance_on_both_databases` repeats the core on
    PostgreSQL."""
    return _client(demo_ledger_copy, tmp_path / "docs")


def linkset(client: FlaskClient, path: str) -> dict[str, Any]:
    response = client.get(path + "?linkType=linkset")
    assert response.status_code == 200 and response.mimetype == "application/linkset+json"
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    return body


def test_vendored_schema_rejects_gs1s_invalid_example() -> None:
    invalid = json.loads((VECTORS / "invalid-gs1-example.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(invalid, LINKSET_SCHEMA)


@pytest.mark.parametrize("path", [LOT, BAG_LOT, UNIT])
def test_linkset_validates_and_names_every_link_type(resolver: FlaskClient, path: str) -> None:
    # "SHALL respond to linkType=linkset ... as per RFC 9264"; "SHALL validate against the
    # linkset schema"; "The URI used as the subject SHALL be the uncompressed version".
    body = linkset(resolver, path)
    jsonschema.validate(body, LINKSET_SCHEMA)
    [context] = body["linkset"]
    assert context["anchor"] == ROOT + path
    for link_type in ("pip", "traceability", "epcis", "recallStatus", "certificationInfo"):
        links = context[VOC + link_type]
        # "All links SHALL include the target URL, the link type and a title".
        assert all(link["href"].startswith(ROOT + "/") and link["title"] for link in links)
    # "exactly one default link ... with a title but no other attributes".
    assert context[VOC + "defaultLink"] == [
        {"href": ROOT + path, "title": context[VOC + "pip"][0]["title"]}
    ]
    assert context[VOC + "pip"][0]["hreflang"] == ["zh", "en"]
    canonical = quote("https://id.gs1.org" + path if path != UNIT else UNIT_KEY, safe="")
    assert context[VOC + "epcis"] == [
        {
            "href": f"{ROOT}/epcis/epcs/{canonical}/events",
            "title": "EPCIS 2.0 events",
            "type": "application/json",
        }
    ]
    assert context[VOC + "recallStatus"][0]["href"] == f"{ROOT}/api/v1/recalls?object={canonical}"


def test_certification_info_is_the_lab_reports_and_a_lots_certificate(
    resolver: FlaskClient,
) -> None:
    reports = {
        link["href"] for link in linkset(resolver, UNIT)["linkset"][0][VOC + "certificationInfo"]
    }
    assert reports and all(h.startswith(ROOT + "/documents/") for h in reports)
    lot = linkset(resolver, LOT)["linkset"][0][VOC + "certificationInfo"]
    assert f"{ROOT}/certificates{LOT}" in {link["href"] for link in lot}


def test_linkset_by_accept_header_with_context_link(resolver: FlaskClient) -> None:
    response = resolver.get(LOT, headers={"Accept": "application/linkset+json"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/linkset+json")
    links = response.headers.getlist("Link")
    assert any(
        'rel="http://www.w3.org/ns/json-ld#context"' in h and 'type="application/ld+json"' in h
        for h in links
    )
    assert response.json == resolver.get(LOT + "?linkType=all").json  # the deprecated form


def test_every_answer_links_its_linkset_and_no_legacy_gs1_links(resolver: FlaskClient) -> None:
    for path, headers in (
        (LOT, HTML),
        (UNIT + "?format=bundle", {}),
        (LOT + "?linkType=gs1:epcis", {}),
    ):
        links = ", ".join(resolver.get(path, headers=headers).headers.getlist("Link"))
        assert f'<{ROOT}{path.split("?")[0]}?linkType=linkset>; rel="linkset"' in links
        assert 'rel="gs1:' not in links


@pytest.mark.parametrize(
    ("link_type", "target"),
    [
        ("gs1:traceability", "?format=bundle&tree_size="),
        (f"{VOC}traceability", "?format=bundle&tree_size="),
        ("https://ref.gs1.org/voc/epcis", "/epcis/epcs/"),
        ("gs1:recallStatus", "/api/v1/recalls?object="),
        ("gs1:pip", LOT),
        ("gs1:defaultLink", LOT),
    ],
)
def test_a_requested_link_type_redirects_with_the_query_passed_on(
    resolver: FlaskClient, link_type: str, target: str
) -> None:
    response = resolver.get(f"{LOT}?linkType={link_type}&foo=bar")
    assert response.status_code == 307
    location = response.headers["Location"]
    assert location.startswith(ROOT) and target in location
    assert location.endswith("foo=bar") and "linkType" not in location


def test_several_links_of_one_type_are_chosen_by_accept_or_offered_with_300(
    resolver: FlaskClient,
) -> None:
    chosen = resolver.get(LOT + "?linkType=gs1:certificationInfo", headers=HTML)
    assert chosen.status_code == 307 and chosen.headers["Location"] == f"{ROOT}/certificates{LOT}"
    both = resolver.get(LOT + "?linkType=gs1:certificationInfo", headers={"Accept": "*/*"})
    assert both.status_code == 300 and both.mimetype == "application/linkset+json"
    jsonschema.validate(both.json, LINKSET_SCHEMA)


def test_no_link_of_the_type_is_404_naming_the_rule(resolver: FlaskClient) -> None:
    response = resolver.get(LOT + "?linkType=gs1:nosuchlt")
    assert response.status_code == 404 and response.json["error"]["code"] == "no_link"
    assert "gs1:nosuchlt" in response.json["error"]["message"]
    assert resolver.get(UNIT + "?linkType=gs1:certificate").status_code == 404


@pytest.mark.parametrize(
    "value", ["", "pip", "gs1:", "gs1:a b", "https://example.com/pip", "x" * 200]
)
def test_a_malformed_link_type_is_400(resolver: FlaskClient, value: str) -> None:
    response = resolver.get(LOT + "?linkType=" + quote(value))
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_parameter"
    assert response.json["error"]["field"] == "linkType"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (LOT + "/foo", 400),  # the test suite's own probe: a valid DL with /foo appended
        (UNIT + "/foo", 400),
        (f"/01/{GTIN[:-1]}{(int(GTIN[-1]) + 1) % 10}/10/X", 400),  # a wrong check digit
        (f"/01/{GTIN}/10/NO-SUCH-LOT", 404),  # well formed, unknown
        (f"{LOT}/21/999999", 404),
    ],
)
def test_400_for_malformed_404_for_unknown_never_200(
    resolver: FlaskClient, path: str, status: int
) -> None:
    for headers in (HTML, {"Accept": "application/json"}, {"Accept": "application/linkset+json"}):
        assert resolver.get(path, headers=headers).status_code == status


def test_an_unknown_lot_gets_a_lot_page_not_a_fake_label_warning(resolver: FlaskClient) -> None:
    html = resolver.get(
        f"/01/{GTIN}/10/NO-SUCH-LOT", headers={**HTML, "Accept-Language": "en"}
    ).text
    assert "We have no record of this lot" in html and "may not be genuine" not in html


def test_a_known_lot_opens_its_lot_page(resolver: FlaskClient) -> None:
    response = resolver.get(LOT, headers={**HTML, "Accept-Language": "en"})
    assert response.status_code == 200
    assert f"The whole lot {LOT_NO}" in response.text and "may not be genuine" not in response.text
    assert "Lot journey" in response.text
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    bundle = resolver.get(LOT + "?format=bundle")
    assert bundle.status_code == 200 and bundle.json["subject"].endswith(LOT)


def test_trailing_slash_is_tolerated(resolver: FlaskClient) -> None:
    plain, slash = resolver.get(LOT, headers=HTML), resolver.get(LOT + "/", headers=HTML)
    assert plain.status_code == slash.status_code == 200
    a = resolver.get(LOT + "?linkType=gs1:epcis").headers["Location"]
    b = resolver.get(LOT + "/?linkType=gs1:epcis").headers["Location"]
    assert a == b


def test_cors_head_and_options(resolver: FlaskClient) -> None:
    options = resolver.options(
        LOT, headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
    )
    assert options.status_code == 204
    for response in (
        options,
        resolver.get(LOT, headers=HTML),
        resolver.get(LOT + "?linkType=gs1:pip"),
    ):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        methods = response.headers["Access-Control-Allow-Methods"]
        assert all(m in methods for m in ("GET", "HEAD", "OPTIONS"))
        assert {"Link", "Location"} <= set(
            response.headers["Access-Control-Expose-Headers"].split(", ")
        )
    head = resolver.head(LOT, headers=HTML)
    assert head.status_code == 200 and head.data == b""
    assert resolver.head(LOT + "?linkType=gs1:epcis").status_code == 307


def test_compressed_uri_resolves_as_its_uncompressed_form(resolver: FlaskClient) -> None:
    compressed = compress_digital_link(ROOT + UNIT).removeprefix(ROOT)
    response = resolver.get(compressed, headers=HTML)
    assert response.status_code == 200 and "<h3>" in response.text
    assert f'<{ROOT}{UNIT}>; rel="owl:sameAs"' in response.headers.getlist("Link")
    body = linkset(resolver, compressed)
    assert body["linkset"][0]["anchor"] == ROOT + UNIT  # the uncompressed URI is the subject
    redirect = resolver.get(compressed + "?linkType=gs1:traceability&x=1")
    assert redirect.status_code == 307 and redirect.headers["Location"].endswith("&x=1")
    assert resolver.get("/ARHKVAdpQg", headers=HTML).status_code == 404  # a GTIN alone
    assert resolver.get("/nonexistentpage", headers=HTML).status_code == 404
    assert resolver.get("/short").status_code == 404


def test_resolver_description_file(resolver: FlaskClient) -> None:
    response = resolver.get("/.well-known/gs1resolver")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.json
    assert body["resolverRoot"] == ROOT and body["supportedPrimaryKeys"] == ["01"]
    assert body["supportedLinkType"] == [{"namespace": VOC, "prefix": "gs1:"}]
    assert body["linkTypeDefaultCanBeLinkset"] is False and body["name"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_conformance_on_both_databases(  # type: ignore[no-untyped-def]
    engine, demo_template: tuple[Path, Path], tmp_path: Path
) -> None:
    """The core criteria on the demo season built on SQLite and on PostgreSQL."""
    keys = demo.DemoKeys.load(Keystore(demo_template[1]), DEMO_PASSPHRASE)
    ledger = Ledger.create(engine, keys.operator, demo.ORIGIN)
    demo.build(ledger, keys)
    client = _client(ledger, tmp_path / "docs")
    for path in (LOT, BAG_LOT, UNIT):
        jsonschema.validate(linkset(client, path), LINKSET_SCHEMA)
        assert client.get(path, headers=HTML).status_code == 200
        assert client.get(path + "?format=bundle").status_code == 200
        assert client.get(path + "?linkType=gs1:traceability").status_code == 307
        assert client.get(path + "?linkType=gs1:nosuchlt").status_code == 404
        assert client.get(path + "/foo", headers=HTML).status_code == 400
    assert client.get(f"/01/{GTIN}/10/NO-SUCH-LOT", headers=HTML).status_code == 404
    compressed = compress_digital_link(ROOT + LOT).removeprefix(ROOT)
    assert client.get(compressed, headers=HTML).status_code == 200


def test_a_lot_of_serialised_units_opens_its_verified_lot_page(resolver: FlaskClient) -> None:
    # No event names the bags' lot alone, but each names bags written with it, and so names
    # the lot (FORMAT.md 9.2 step 6): the lot has a page and a bundle like any other lot.
    page = resolver.get(BAG_LOT, headers=HTML)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'id="server-verdict" class="verdict" data-state="verified"' in html
    assert f'data-bundle-url="{BAG_LOT}?format=bundle&amp;tree_size=' in html
    bundle = resolver.get(BAG_LOT + "?format=bundle")
    assert bundle.status_code == 200
    doc = json.loads(bundle.data)
    assert doc["subject"] == "https://id.gs1.org" + BAG_LOT
    ledger = resolver.application.extensions["ledger"]
    report = verify_bundle(bundle.data, ledger.operator)
    assert report.ok, report.failures
    # Its making and where it came from; what happened to single bags is on their pages.
    steps = [
        e.statement.payload.get("bizStep") for e in report.entries if e.statement.kind == "event"
    ]
    assert "commissioning" in steps and "transforming" in steps
    assert "packing" not in steps and "retail_selling" not in steps
    context = linkset(resolver, BAG_LOT)["linkset"][0]
    assert context[VOC + "defaultLink"][0]["href"] == ROOT + BAG_LOT
    [trace] = context[VOC + "traceability"]
    assert trace["href"].startswith(f"{ROOT}{BAG_LOT}?format=bundle&tree_size=")
    assert f"{ROOT}/certificates{BAG_LOT}" in {
        link["href"] for link in context[VOC + "certificationInfo"]
    }
    redirect = resolver.get(BAG_LOT + "?linkType=gs1:traceability")
    assert redirect.status_code == 307 and redirect.headers["Location"] == trace["href"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    link_type=st.text(max_size=40),
    segment=st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        min_size=10,
        max_size=40,
    ),
)
def test_hostile_link_types_and_segments_get_a_4xx_never_a_500(
    resolver: FlaskClient, link_type: str, segment: str
) -> None:
    asked = resolver.get(LOT + "?linkType=" + quote(link_type))
    assert asked.status_code in (200, 300, 307, 400, 404)
    if asked.status_code >= 400:
        assert asked.json["error"]["code"] in ("bad_parameter", "no_link")
    assert resolver.get("/" + segment, headers=HTML).status_code in (200, 307, 400, 404)
