"""Random codes at the resolver, the QR images and the label sheets: never a 5xx or a traceback."""

from __future__ import annotations

from urllib.parse import quote

from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.support.profiles import examples

FUZZ = settings(
    max_examples=examples(200), suppress_health_check=[HealthCheck.function_scoped_fixture]
)

segments = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "06901234000122",
            "6901234000122",
            "06901234000108",
            "01",
            "10",
            "21",
            "22",
            "LOT-1",
            "<script>",
            "%00",
            "..",
            "",
            "9" * 30,
        ]
    ),
)
ai = st.sampled_from(["01", "10", "21", "22", "17", "00", "414", "x"])
paths = st.lists(st.tuples(ai, segments), min_size=1, max_size=4).map(
    lambda parts: "".join(f"/{a}/{quote(v, safe='')}" for a, v in parts)
)


@FUZZ
@example(path="/01/000000000000/10/0", accept="*/*", query="")  # valid: the QR route answers a PNG
@given(
    path=paths,
    accept=st.sampled_from(["text/html", "application/json", "*/*"]),
    query=st.sampled_from(
        ["", "?format=bundle", "?lang=en", "?tree_size=-1&format=bundle", "?lang=%00"]
    ),
)
def test_random_codes(client: FlaskClient, path: str, accept: str, query: str) -> None:
    for prefix in ("", "/qr", "/labels"):
        suffix = ".png" if prefix == "/qr" else ""
        response = client.get(prefix + path + suffix + query, headers={"Accept": accept})
        assert response.status_code < 500
        if response.mimetype.startswith("image/"):
            continue  # a valid code's QR image
        body = response.get_data(as_text=True)
        assert "Traceback" not in body
        if response.mimetype == "text/html":  # JSON may quote it; a page must escape it
            assert "<script>" not in body
