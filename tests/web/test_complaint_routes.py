"""The complaint pages and the producer app's inbox through Flask's test client
(docs/COMPLAINTS.md): a complaint sent and answered in the console, and bad input and
abuse answered plainly with nothing stored (script, huge text, floods, non-images, large
photos, forged forms, contact details in the text)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from ledger import demo
from ledger.core.canonical import canonical_bytes
from ledger.core.signing import b64encode
from ledger.core.timefmt import format_time
from ledger.keystore import DEMO_PASSPHRASE, Keystore
from ledger.service.complaints import INBOX_DOMAIN, MAX_PHOTO_BYTES
from ledger.service.ledger import Ledger
from ledger.store.models import Complaint, LogEntry
from tests.web.test_console import PASSWORD, log_in, post_form
from web import create_app

BAG = "https://id.gs1.org" + demo.sample_unit_path()


@pytest.fixture
def keys(demo_template: tuple[Path, Path]) -> demo.DemoKeys:
    return demo.DemoKeys.load(Keystore(demo_template[1]), DEMO_PASSPHRASE)


@pytest.fixture
def site(demo_ledger_copy: Ledger, keys: demo.DemoKeys) -> Flask:
    ledger = demo_ledger_copy.with_operator_key(keys.operator)
    ledger.accounts().add("operator-1", PASSWORD)
    return create_app(
        {"TESTING": True, "LEDGER": ledger, "SECRET_KEY": "test secret",
         "LEDGER_COMPLAINT_LIMIT": "3 per hour"}
    )  # fmt: skip


def _form(client: FlaskClient, lang: str = "zh") -> dict[str, str]:
    page = client.get("/complaints/new", query_string={"object": BAG, "lang": lang})
    assert page.status_code == 200
    token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert token is not None
    return {"form_token": token.group(1), "object": BAG, "category": "foreign_matter"}


def _send(client: FlaskClient, **fields: Any) -> Any:
    data = {**_form(client), "text": "米里有石子", **fields}
    return client.post("/complaints/new", data=data, content_type="multipart/form-data")


def _stored(site: Flask) -> list[Any]:
    with site.extensions["ledger"].engine.connect() as conn:
        return list(conn.execute(select(Complaint)).all())


def _jpeg(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"
    Image.new("RGB", size, "orange").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_the_scan_page_links_to_the_form_in_both_languages(site: Flask) -> None:
    client = site.test_client()
    for lang, words in (("zh", "反映问题"), ("en", "Report a problem")):
        scan = client.get(demo.sample_unit_path(), query_string={"lang": lang})
        link = re.search(r'id="report-problem" href="([^"]+)"', scan.text)
        assert link is not None
        form = client.get(link.group(1).replace("&amp;", "&"))
        assert form.status_code == 200
        assert f"<h1>{words}</h1>" in form.text
        assert "<script" not in form.text.lower()


def test_a_complaint_is_sent_answered_in_the_console_and_shown_privately(site: Flask) -> None:
    shopper = site.test_client()
    sent = _send(
        shopper,
        text="<script>alert(1)</script> 石子，打我 13912345678",
        contact="微信 shopper_88",
        photo=(io.BytesIO(_jpeg()), "p.jpg", "image/jpeg"),
    )
    assert sent.status_code == 303
    private = sent.headers["Location"]
    page = shopper.get(private)
    assert page.status_code == 200 and "您的投诉已提交" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert" not in page.text
    assert "13912345678" not in page.text  # masked before it was stored
    (row,) = _stored(site)
    assert row.contact == "微信 shopper_88" and b"SecretPhoneMaker" not in row.photo
    assert row.photo.startswith(b"\xff\xd8\xff")
    number = re.search(r'id="complaint-number"><strong>([^<]+)<', page.text).group(1)  # type: ignore[union-attr]

    console = site.test_client()
    log_in(console)
    listed = console.get("/console/complaints")
    assert number in listed.text
    detail_path = f"/console/complaints/{row.complaint_id}"
    detail = console.get(detail_path)
    assert "微信 shopper_88" in detail.text  # the operator sees the contact
    photo = console.get(detail_path + "/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert site.test_client().get(detail_path + "/photo").status_code == 302  # login first
    answered = post_form(
        console,
        detail_path,
        {"actor": "wuchang-mill", "outcome": "refunded", "reply": "已退款，抱歉 (refunded, sorry)"},
    )
    assert answered.status_code == 303
    phone = post_form(
        console, detail_path, {"actor": "wuchang-mill", "outcome": "answered", "reply": "x"}
    )
    assert phone.status_code == 200  # already answered: the form is gone
    assert "已退款" in console.get(detail_path).text

    page = shopper.get(private.replace("lang=zh", "lang=en"))
    assert "Refunded" in page.text and "refunded, sorry" in page.text
    entry = re.search(r'id="outcome-entry" href="([^"]+)"', page.text)
    assert entry is not None
    leaf = shopper.get(entry.group(1).replace("&amp;", "&")).json["entries"][0]["leaf"]
    assert row.commitment in __import__("base64").b64decode(leaf).decode()

    # Erase the contact from the private page; the log never held it.
    token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    secret = re.search(r'name="token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    erased = shopper.post(
        f"/complaints/{row.complaint_id}/erase", data={"form_token": token, "token": secret}
    )
    assert erased.status_code == 303
    assert _stored(site)[0].contact is None
    with site.extensions["ledger"].engine.connect() as conn:
        log = b"".join(conn.execute(select(LogEntry.leaf)).scalars())
    assert b"shopper_88" not in log and "石子".encode() not in log


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"text": "x" * 2001}, 413, "too_large"),
        ({"text": "  "}, 400, "bad_complaint"),
        ({"category": "rude"}, 400, "bad_complaint"),
        ({"contact": "x" * 201}, 400, "bad_contact"),
        ({"object": "https://id.gs1.org/01/06901234000115/10/NOPE"}, 400, "bad_complaint"),
        ({"form_token": "forged"}, 400, "bad_complaint"),
        ({"photo": (io.BytesIO(b"<svg onload=alert(1)>"), "p.jpg", "image/jpeg")}, 400,
         "bad_photo"),
        ({"photo": (io.BytesIO(b"\xff\xd8\xff" + b"\0" * (MAX_PHOTO_BYTES + 10)), "p.jpg",
                    "image/jpeg")}, 413, "too_large"),
    ],
)  # fmt: skip
def test_bad_input_is_answered_plainly_and_nothing_is_stored(
    site: Flask, fields: dict[str, Any], status: int, code: str
) -> None:
    answer = _send(site.test_client(), **fields)
    assert answer.status_code == status
    assert f"<code>{code}</code>" in answer.text and 'role="alert"' in answer.text
    assert _stored(site) == []


def test_a_form_from_another_site_is_refused(site: Flask) -> None:
    client = site.test_client()
    answer = client.post(
        "/complaints/new",
        data={**_form(client), "text": "x"},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 400 and _stored(site) == []


def test_a_flood_from_one_client_is_stopped(site: Flask) -> None:
    client = site.test_client()
    answers = [_send(client).status_code for _ in range(4)]
    assert answers == [303, 303, 303, 429]
    last = _send(client)
    assert last.status_code == 429 and "<code>rate_limited</code>" in last.text
    other = site.test_client()
    assert _send(other, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code in (303, 429)
    limiter_memory = repr(site.extensions["limiter"]) if "limiter" in site.extensions else ""
    assert "127.0.0.1" not in limiter_memory
    assert len(_stored(site)) == 3


def test_the_private_page_needs_its_secret(site: Flask) -> None:
    client = site.test_client()
    location = _send(client).headers["Location"]
    path = location.split("?")[0]
    for query in ("", "?token=wrong"):
        answer = client.get(path + query)
        assert answer.status_code == 404 and answer.json["error"]["code"] == "unknown_complaint"


def _signed_inbox(key: Any, when: str) -> dict[str, Any]:
    req = {"key_id": key.public_key.key_id, "requested": when}
    return {"request": req, "sig": b64encode(key.sign(INBOX_DOMAIN + canonical_bytes(req)))}


def test_the_producer_app_inbox_needs_a_signed_fresh_request(
    site: Flask, keys: demo.DemoKeys
) -> None:
    client = site.test_client()
    _send(client, contact="13800000000")
    now = site.extensions["ledger"].clock()
    mill = keys.producers["wuchang-mill"]
    inbox = client.post("/api/v1/complaints/inbox", json=_signed_inbox(mill, format_time(now)))
    assert inbox.status_code == 200 and inbox.json["actor"] == "wuchang-mill"
    (item,) = inbox.json["complaints"]
    assert item["status"] == "open" and "contact" not in item and len(item["commitment"]) == 64
    lab = keys.producers["hlj-lab"]
    assert (
        client.post("/api/v1/complaints/inbox", json=_signed_inbox(lab, format_time(now))).json[
            "complaints"
        ]
        == []
    )
    stale = _signed_inbox(mill, format_time(now - timedelta(hours=1)))
    forged = {**_signed_inbox(mill, format_time(now)), "sig": _signed_inbox(lab, "x")["sig"]}
    for body, status, code in (
        (stale, 400, "stale_request"),
        (forged, 403, "bad_signature"),
        ({"request": {}}, 400, "bad_inbox_request"),
        (_signed_inbox(keys.operator, format_time(now)), 403, "unknown_key"),
    ):
        answer = client.post("/api/v1/complaints/inbox", json=body)
        assert (answer.status_code, answer.json["error"]["code"]) == (status, code)
    assert client.get("/api/v1/complaints/inbox").status_code == 405
