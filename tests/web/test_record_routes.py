"""The record routes on the demo ledger: the page in both languages says what the log says,
each figure links to its entries, the JSON API gives the same figures, and an unknown actor
or figure is a 404 with a stable code (a page for a browser, JSON for a program)."""

from __future__ import annotations

from flask.testing import FlaskClient

from ledger import demo


def test_the_page_in_both_languages(demo_client: FlaskClient) -> None:
    zh = demo_client.get("/actors/wuchang-mill?lang=zh").get_data(as_text=True)
    assert "有 1 项不良记录" in zh and "加入账本" in zh
    assert "1 次召回涉及其生产或经手的产品" in zh and "暂无已在账本上答复的投诉" in zh
    en = demo_client.get("/actors/wuchang-mill?lang=en").get_data(as_text=True)
    assert "1 problem on record" in en and "Member since" in en
    assert "3 laboratory tests of its goods passed" in en
    assert "processor (drying, milling)" in en  # roles in words
    assert "/api/v1/actors/wuchang-mill/record?tree_size=" in en


def test_a_clean_record_says_so(demo_client: FlaskClient) -> None:
    page = demo_client.get("/actors/hlj-lab?lang=en").get_data(as_text=True)
    assert "No problems on record" in page and "3 tests: the goods passed" in page


def test_figures_link_to_their_entries(demo_client: FlaskClient) -> None:
    record = demo_client.get("/api/v1/actors/wuchang-mill/record").get_json()
    (recall,) = record["figures"]["recalls"]["entries"]
    page = demo_client.get("/actors/wuchang-mill?lang=en").get_data(as_text=True)
    assert f"/api/v1/log/entries?start={recall}&amp;end={recall + 1}" in page
    assert "/actors/wuchang-mill/entries/lots_handled" in page
    listed = demo_client.get("/actors/wuchang-mill/entries/inspections_passed?lang=en")
    assert listed.status_code == 200
    text = listed.get_data(as_text=True)
    for index in record["figures"]["inspections_passed"]["entries"]:
        assert f"#{index}" in text
    assert text.count("Laboratory inspection") == 3
    entry = demo_client.get(f"/api/v1/log/entries?start={recall}&end={recall + 1}").get_json()
    assert entry["entries"]


def test_the_api_answers_the_record(demo_client: FlaskClient) -> None:
    response = demo_client.get("/api/v1/actors/wuchang-mill/record")
    assert response.status_code == 200
    body = response.get_json()
    assert body["actor"] == "wuchang-mill" and body["roles"] == ["processor", "packer"]
    assert body["figures"]["recalls"]["count"] == 1
    assert body["recalls_in_force"] == [demo.RECALL_ID]
    assert body["figures"]["lots_made"] == {
        "count": 6,
        "entries": body["figures"]["lots_made"]["entries"],
        "entry_count": 6,
        "complete": True,
    }
    assert body["member_since"]["entry"] >= 1
    early = demo_client.get(
        f"/api/v1/actors/wuchang-mill/record?tree_size={body['member_since']['entry']}"
    )
    assert early.status_code == 404 and early.get_json()["error"]["code"] == "no_such_actor"


def test_unknown_actor_and_figure(demo_client: FlaskClient) -> None:
    api = demo_client.get("/api/v1/actors/nobody/record")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "no_such_actor"
    page = demo_client.get("/actors/nobody", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    figure = demo_client.get("/actors/wuchang-mill/entries/secrets")
    assert figure.status_code == 404
    assert demo_client.post("/api/v1/actors/wuchang-mill/record").status_code == 405
    bad = demo_client.get("/api/v1/actors/wuchang-mill/record?tree_size=abc")
    assert bad.status_code == 400
