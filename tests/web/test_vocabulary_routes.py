"""``GET /api/v1/vocabulary`` and the CSV templates: the one description, cached by ETag."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid

import pytest
from flask.testing import FlaskClient

from ledger import samples as ex
from ledger.core.batch import BOM, Row, event_id, read_rows, template_rows
from ledger.core.canonical import canonical_bytes
from ledger.core.form_fields import FORMS, describe
from ledger.service.ledger import Ledger
from tests.web.conftest import FARM

VOCABULARY = "/api/v1/vocabulary"


def test_the_vocabulary_is_describe_with_a_strong_etag_over_its_canonical_bytes(
    client: FlaskClient,
) -> None:
    response = client.get(VOCABULARY)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == describe()
    assert response.data == canonical_bytes(describe())
    assert response.headers["ETag"] == f'"{hashlib.sha256(response.data).hexdigest()}"'
    assert "public" in response.headers["Cache-Control"]
    assert "stale-if-error" in response.headers["Cache-Control"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert [form["name"] for form in response.get_json()["forms"]] == list(FORMS)
    assert all(form["fields"] for form in response.get_json()["forms"])


def test_the_vocabulary_answers_304_to_the_etag_it_gave(client: FlaskClient) -> None:
    etag = client.get(VOCABULARY).headers["ETag"]
    again = client.get(VOCABULARY, headers={"If-None-Match": etag})
    assert (again.status_code, again.data) == (304, b"")
    assert again.headers["ETag"] == etag
    other = client.get(VOCABULARY, headers={"If-None-Match": '"' + "0" * 64 + '"'})
    assert other.status_code == 200 and json.loads(other.data) == describe()


@pytest.mark.parametrize("form", list(FORMS))
def test_every_form_has_a_template_excel_can_open(client: FlaskClient, form: str) -> None:
    response = client.get(f"{VOCABULARY}/forms/{form}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{form}.csv"'
    assert response.data.startswith(BOM.encode("utf-8"))
    text = response.data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))
    assert rows == template_rows(FORMS[form])
    assert rows[0] == [spec.name for spec in FORMS[form].fields]
    assert "时间*" in rows[1]  # the Chinese label, marked required
    assert text.endswith("\r\n")
    # The template read back as an import reads it: the label row is not data.
    assert read_rows(text, FORMS[form]) == ([], [])
    etag = response.headers["ETag"]
    assert (
        client.get(f"{VOCABULARY}/forms/{form}.csv", headers={"If-None-Match": etag}).status_code
        == 304
    )


def test_a_template_marks_units(client: FlaskClient) -> None:
    text = client.get(f"{VOCABULARY}/forms/spraying.csv").data.decode("utf-8")
    assert "安全间隔期(天)*（d）" in text
    filled = text + "2024-06-01 08:00,A1,药,1,KGM/HAR,x,5\r\n"
    rows, problems = read_rows(filled, FORMS["spraying"])
    assert problems == [] and len(rows) == 1 and rows[0].line == 3


def test_an_unknown_form_is_the_registered_404(client: FlaskClient) -> None:
    response = client.get(f"{VOCABULARY}/forms/planting-trees.csv")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_form"


def test_row_2_is_data_when_it_is_not_the_templates_labels() -> None:
    form = FORMS["irrigating"]
    rows, problems = read_rows("time,plot\n2024-06-01 08:00,A1\n", form)
    assert (rows, problems) == ([Row(2, {"time": "2024-06-01 08:00", "plot": "A1"})], [])


# -- the key's actor, which a device or `ledger import --url` fills its forms with ----------


def test_a_keys_actor_is_served_and_an_unknown_key_is_404(client: FlaskClient) -> None:
    key_id = FARM.public_key.key_id
    found = client.get(f"/api/v1/keys/{key_id}")
    assert found.status_code == 200
    assert found.get_json() == {
        "key_id": key_id,
        "actor": "wuchang-coop",
        "gln": ex.FARM_GLN,
        "roles": ["farm"],
        "revoked_effective": None,
    }
    missing = client.get("/api/v1/keys/" + "0" * 32)
    assert (missing.status_code, missing.get_json()["error"]["code"]) == (404, "not_found")


def test_a_rows_event_id_is_fixed_by_the_key_the_form_and_the_values() -> None:
    values = {"time": "2024-09-25 18:00", "plot": "A1"}
    first = event_id("a" * 32, "irrigating", values)
    assert first == event_id("a" * 32, "irrigating", dict(reversed(values.items())))
    assert first.startswith("urn:uuid:") and uuid.UUID(first[9:]).version == 5
    assert first != event_id("b" * 32, "irrigating", values)
    assert first != event_id("a" * 32, "sowing", values)
    assert first != event_id("a" * 32, "irrigating", {**values, "plot": "A2"})


def test_a_payload_is_checked_by_the_servers_rules_and_nothing_is_stored(
    client: FlaskClient, ledger: Ledger
) -> None:
    size = ledger.size()
    good = ex.harvest(lot="CHECK-1", eid=ex.event_id("check-1"))
    assert client.post("/api/v1/vocabulary/check", json=good).json == {"valid": True}
    bad = {**good, "quantityList": [{"epcClass": good["quantityList"][0]["epcClass"]}]}
    answer = client.post("/api/v1/vocabulary/check", json=bad)
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "missing_field"
    assert answer.json["error"]["field"] == "payload.quantityList[0].quantity"
    broken = client.post("/api/v1/vocabulary/check", data="[", content_type="application/json")
    assert broken.status_code == 400 and broken.json["error"]["code"] == "bad_json"
    assert ledger.size() == size
