"""Fixtures for the browser verifier's tests: web/static served on 127.0.0.1 (a secure
context) with test pages and bundles, and a page there to run the ES modules in. Every
response carries the site's own security headers (its CSP forbids evaluating strings), so
the tests meet the page as a phone does.

``browser`` comes from tests/browser/conftest.py (it skips unless chromium and Playwright
are there, or fails under LEDGER_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, abort

from tests.browser.conftest import serve_app
from tests.verifier import demo_bundles as bundles
from web import add_security_headers

STATIC = Path(__file__).resolve().parents[3] / "web" / "static"
BLANK = "<!doctype html><meta charset='utf-8'><title>verifier tests</title>"


class StaticSite:
    """web/static plus test documents registered by path (bundles, scan pages)."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[bytes, str]] = {}
        self.url = ""

    def put(self, path: str, body: bytes | str, content_type: str) -> str:
        """Serve ``body`` at ``path`` (no leading slash); return its absolute URL."""
        self.documents[path] = (
            body.encode("utf-8") if isinstance(body, str) else body,
            content_type,
        )
        return f"{self.url}/t/{path}"

    def app(self) -> Flask:
        app = Flask(__name__, static_folder=str(STATIC), static_url_path="/static")

        @app.get("/")
        def blank() -> str:
            return BLANK

        @app.get("/t/<path:path>")
        def document(path: str) -> Response:
            if path not in self.documents:
                abort(404)
            body, content_type = self.documents[path]
            return Response(body, content_type=content_type)

        app.after_request(add_security_headers)
        return app


@pytest.fixture(scope="session")
def site() -> Iterator[StaticSite]:
    """web/static and test documents on 127.0.0.1 at a free port, for the whole session."""
    found = StaticSite()
    with serve_app(found.app()) as url:
        found.url = url
        yield found


@pytest.fixture(scope="session")
def verifier_page(browser: Any, site: StaticSite) -> Iterator[Any]:
    """One page on the test site (a secure context) for running the modules in."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(site.url + "/")
    yield page
    context.close()


@pytest.fixture(scope="session")
def demo_bundle(demo_template: tuple[Path, Path]) -> bundles.DemoBundle:
    """The demo ledger's bundle for one bag of rice, built once per session."""
    return bundles.demo_bundle(demo_template[0])
