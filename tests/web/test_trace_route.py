"""GET /api/v1/trace: the graph as JSON, and a clear 4xx for every malformed request."""

from __future__ import annotations

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
    assert "place 6901234000016 plot-07" in page.text  # the field the rice grew on
    assert "Download the graph (JSON)" in page.text and "<script>" not in page.text
    forward = demo_client.get("/trace", query_string={"object": BAG, "direction": "forward"})
    assert forward.status_code == 200
    zh = demo_client.get("/trace", query_string={"object": BAG})
    assert "来源" in zh.text
    bad = demo_client.get(
        "/trace", query_string={"object": "nonsense"}, headers={"Accept": "text/html"}
    )
    assert bad.status_code == 400 and "<html" in bad.text
    sideways = demo_client.get("/trace", query_string={"object": BAG, "direction": "up"})
    assert sideways.status_code == 400
