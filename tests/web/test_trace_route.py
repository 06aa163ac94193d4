"""GET /api/v1/trace: the graph as JSON, and a clear 4xx for every malformed request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from ledger import demo

BAG = "https://id.gs1.org" + demo.sample_unit_path()


def test_a_bag_traced_backward_and_pinned(demo_client: FlaskClient) -> None:
    answer = demo_client.get("/api/v1/trace", query_string={"object": BAG, "direction": "backward"})
    assert answer.status_code == 200
    graph = answer.json
    assert graph["direction"] == "backward" and graph["complete"] is True
    assert graph["nodes"][0]["depth"] == 0 and len(graph["nodes"]) >= 4
    assert {"from", "to", "kind", "entry"} == set(graph["edges"][0])
    pinned = demo_client.get(
        "/api/v1/trace",
        query_string={"object": BAG, "direction": "backward", "tree_size": graph["tree_size"] - 1},
    )
    assert pinned.status_code == 200 and "immutable" in pinned.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"direction": "forward"}, 400, "bad_parameter"),
        ({"object": "not a link", "direction": "forward"}, 400, "bad_parameter"),
        ({"object": BAG, "direction": "sideways"}, 400, "bad_parameter"),
        ({"object": BAG, "direction": "forward", "depth": "1000"}, 400, "bad_parameter"),
        ({"object": BAG, "direction": "forward", "depth": "-1"}, 400, "bad_parameter"),
        ({"object": BAG, "direction": "forward", "tree_size": "0"}, 400, "bad_parameter"),
        ({"object": BAG, "direction": "forward", "tree_size": "99999999"}, 404, "no_such_tree"),
        (
            {"object": "https://id.gs1.org/01/06901234000122/10/NOPE", "direction": "forward"},
            404,
            "unknown_object",
        ),
    ],
)
def test_malformed_and_unknown_requests(
    demo_client: FlaskClient, query: dict[str, str], status: int, code: str
) -> None:
    answer = demo_client.get("/api/v1/trace", query_string=query)
    assert answer.status_code == status and answer.json["error"]["code"] == code


def test_the_trace_page_shows_a_bag_back_to_its_field_in_words(demo_client: FlaskClient) -> None:
    page = demo_client.get("/trace", query_string={"object": BAG, "lang": "en"})
    assert page.status_code == 200 and "Everything it came from" in page.text
    assert "五常市稻花香水稻种植专业合作社, plot plot-07" in page.text  # the field, by its farm
    assert "Download the graph (JSON)" in page.text and "<script>" not in page.text
    forward = demo_client.get("/trace", query_string={"object": BAG, "direction": "forward"})
    assert forward.status_code == 200
    paddy = demo_client.get("/trace", query_string={"object": BAG, "lang": "en"})
    assert "now held by 五常稻香米业有限公司" in paddy.text  # the mill, by its business name
    zh = demo_client.get("/trace", query_string={"object": BAG})
    assert "来源" in zh.text
    bad = demo_client.get(
        "/trace", query_string={"object": "nonsense"}, headers={"Accept": "text/html"}
    )
    assert bad.status_code == 400 and "<html" in bad.text
    sideways = demo_client.get("/trace", query_string={"object": BAG, "direction": "up"})
    assert sideways.status_code == 400


@pytest.mark.parametrize("direction", ["backward", "forward"])
def test_a_trace_bundle_verifies_in_the_core_and_the_independent_script(
    demo_client: FlaskClient, demo_ledger_copy: Any, direction: str, tmp_path: Path
) -> None:
    from ledger.core.bundle import verify_bundle
    from tests.verifier.test_bundle_script import run_main

    query = {"object": BAG, "direction": direction, "format": "bundle"}
    answer = demo_client.get("/api/v1/trace", query_string=query)
    assert answer.status_code == 200 and "immutable" in answer.headers["Cache-Control"]
    graph = demo_client.get("/api/v1/trace", query_string={**query, "format": None}).json
    report = verify_bundle(answer.data, demo_ledger_copy.operator)
    assert report.ok, report.failures
    named = {i for n in graph["nodes"] for i in n["entries"]} | {e["entry"] for e in graph["edges"]}
    assert named <= {e.index for e in report.entries}  # every entry of the graph, proven
    path = tmp_path / "trace.json"
    path.write_bytes(answer.data)
    status, out, err = run_main(
        "--bundle", str(path), "--operator-key", demo_ledger_copy.operator.vkey
    )
    assert status == 0, out + err


def test_a_trace_bundle_is_refused_where_it_cannot_be_one(demo_client: FlaskClient) -> None:
    plot = next(
        n["id"]
        for n in demo_client.get(
            "/api/v1/trace", query_string={"object": BAG, "direction": "backward"}
        ).json["nodes"]
        if "/414/" in n["id"]
    )
    for query, code in (
        ({"object": plot, "direction": "forward", "format": "bundle"}, "bad_parameter"),
        ({"object": BAG, "direction": "forward", "format": "xml"}, "bad_parameter"),
        ({"object": BAG, "direction": "forward", "format": "bundle", "tree_size": "3"}, None),
    ):
        answer = demo_client.get("/api/v1/trace", query_string=query)
        assert answer.status_code in (400, 404)
        if code:
            assert answer.json["error"]["code"] == code
