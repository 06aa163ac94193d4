"""GET /api/v1/recalls[/<id>], the recall pages, and the recall at the top of the scan page
of every bag it reaches, in both languages; a clear 4xx for every malformed request."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from ledger import demo, samples
from ledger.core.statements import sign_statement
from ledger.keystore import DEMO_PASSPHRASE, Keystore
from ledger.service.ledger import Ledger
from web import create_app

RECALLED_BAG = "https://id.gs1.org" + demo.recalled_unit_path()
CLEAN_BAG = "https://id.gs1.org" + demo.sample_unit_path()


def test_the_recalls_in_force_and_those_reaching_a_bag(demo_client: FlaskClient) -> None:
    listed = demo_client.get("/api/v1/recalls")
    assert listed.status_code == 200
    (recall,) = listed.json["recalls"]
    assert recall["recall"] == demo.RECALL_ID and recall["in_force"] is True
    assert recall["level"] == 2 and recall["level_name"]["zh"] == "二级召回"
    assert recall["start_within_hours"] == 48 and recall["complete_within_working_days"] == 20
    assert recall["actor"] == "hlj-samr" and recall["reason"]["en"]
    reaching = demo_client.get("/api/v1/recalls", query_string={"object": RECALLED_BAG})
    assert [r["recall"] for r in reaching.json["recalls"]] == [demo.RECALL_ID]
    clean = demo_client.get("/api/v1/recalls", query_string={"object": CLEAN_BAG})
    assert clean.json["recalls"] == []
    assert demo_client.get("/api/v1/recalls?status=closed").json["recalls"] == []


def test_one_recall_with_its_reach(demo_client: FlaskClient) -> None:
    answer = demo_client.get(f"/api/v1/recalls/{demo.RECALL_ID}")
    assert answer.status_code == 200
    reach = answer.json["reach"]
    assert any(h["store"] and h["actor"] == "fresh-mart-sh" for h in reach["holders"])
    assert any(lot.endswith("/10/WC26-M12") for lot in reach["lots"])


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/recalls?status=bogus", 400, "bad_parameter"),
        ("/api/v1/recalls?object=not-a-link", 400, "bad_parameter"),
        ("/api/v1/recalls?object=https://id.gs1.org/414/6901234000016/254/plot-07", 400,
         "bad_parameter"),
        ("/api/v1/recalls?tree_size=zero", 400, "bad_parameter"),
        ("/api/v1/recalls?tree_size=99999999", 404, "no_such_tree"),
        ("/api/v1/recalls/NO-SUCH-RECALL", 404, "unknown_recall"),
    ],
)  # fmt: skip
def test_malformed_and_unknown_requests(
    demo_client: FlaskClient, url: str, status: int, code: str
) -> None:
    answer = demo_client.get(url)
    assert answer.status_code == status
    assert answer.json["error"]["code"] == code


@pytest.mark.parametrize(
    ("lang", "headline", "store"),
    [
        ("zh", "已被召回：请勿食用", "上海鲜超连锁"),
        ("en", "Recalled: do not eat this product", "Fresh Mart Shanghai"),
    ],
)
def test_the_scan_page_of_a_recalled_bag_says_so_first(
    demo_client: FlaskClient, lang: str, headline: str, store: str
) -> None:
    page = demo_client.get(demo.recalled_unit_path() + f"?lang={lang}").get_data(as_text=True)
    assert headline in page
    assert page.index(headline) < page.index('class="product"')  # before everything else
    assert "镉" in page and "cadmium" in page  # both languages of what the regulator signed
    clean = demo_client.get(demo.sample_unit_path() + f"?lang={lang}").get_data(as_text=True)
    assert headline not in clean
    recall_page = demo_client.get(f"/recalls/{demo.RECALL_ID}?lang={lang}")
    assert recall_page.status_code == 200 and store in recall_page.get_data(as_text=True)
    assert demo.RECALL_ID in demo_client.get(f"/recalls?lang={lang}").get_data(as_text=True)


def test_a_corrected_step_is_marked_on_the_scan_page(demo_client: FlaskClient) -> None:
    # A bag of plot 08, whose second fertilising was declared erroneous by the farm.
    path = demo.sample_unit_path().replace("M07", "M08").replace("/21/100071", "/21/200001")
    page = demo_client.get(path + "?lang=en").get_data(as_text=True)
    assert "A correction was made" in page
    assert "Declared erroneous on" in page and "450" in page


def test_a_new_recall_shows_on_the_next_scan_without_waiting_for_the_page_cache(
    demo_ledger_copy: Ledger, demo_template: tuple[Path, Path]
) -> None:
    # The scan cache keeps its checkpoint 10 s, but a recall since it is shown at once
    # (issue 9: within one checkpoint interval).
    keys = demo.DemoKeys.load(Keystore(demo_template[1]), DEMO_PASSPHRASE)
    ledger = demo_ledger_copy.with_operator_key(keys.operator)
    app = create_app({"TESTING": True, "LEDGER": ledger})
    app.extensions["scan_cache"].recall_check = 0.0
    client = app.test_client()
    headline = "Recalled: do not eat this product"
    assert headline not in client.get(demo.sample_unit_path() + "?lang=en").get_data(as_text=True)
    rice = f"https://id.gs1.org/01/{samples.RICE_GTIN}/10/WC26-M07"
    recall = samples.recall("HLJ-SAMR-2026-099", objects=[rice])
    ledger.append([sign_statement("recall", recall, keys.producers["hlj-samr"])])
    ledger.checkpoint()
    assert headline in client.get(demo.sample_unit_path() + "?lang=en").get_data(as_text=True)


def test_the_english_recall_pages_name_businesses_in_english(demo_client: FlaskClient) -> None:
    page = demo_client.get(f"/recalls/{demo.RECALL_ID}?lang=en").get_data(as_text=True)
    assert "Heilongjiang Administration for Market Regulation" in page  # the issuer
    assert "Fresh Mart Shanghai" in page and "上海鲜超连锁" not in page  # the store
    listed = demo_client.get("/recalls?lang=en").get_data(as_text=True)
    assert "Heilongjiang Administration for Market Regulation" in listed
    record = demo_client.get("/actors/wuchang-mill?lang=en").get_data(as_text=True)
    assert "Wuchang, Harbin, Heilongjiang" in record  # the region, named in English
