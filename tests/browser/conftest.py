"""Fixtures for tests in a real browser: Debian's chromium driven by Playwright.

* ``browser``: one headless chromium per test session (per xdist worker), always
  ``/usr/bin/chromium``, never a downloaded browser. Without Playwright or that binary the
  tests skip, unless LEDGER_REQUIRE_BROWSER=1 (CI), where that is a failure.
* ``live_server``: a factory; ``live_server(app)`` serves a Flask app on 127.0.0.1 at a
  free port in a background thread and returns its base URL (no trailing slash). The
  servers stop when the test ends. ``serve_app`` is the same as a context manager, for
  session-scoped servers.
* ``console_errors``: ``console_errors(page)`` returns a list that fills with the page's
  console errors and uncaught exceptions; assert it is empty at the end.
* ``demo_ledger``: the full demo ledger (``ledger.demo``, three lots of 120 bags), built
  once per session in a temporary directory.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from ledger.service.ledger import Ledger
from ledger.store.db import make_engine

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def browser_required() -> bool:
    """True where a missing browser is a failure rather than a skip (CI)."""
    return os.environ.get("LEDGER_REQUIRE_BROWSER") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip the test for ``reason``, or fail it where the browser is required."""
    if browser_required():
        pytest.fail(f"a browser is required here (LEDGER_REQUIRE_BROWSER=1): {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless chromium (Debian's /usr/bin/chromium) through Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        skip_or_fail(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def serve_app(app: Flask) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 at a free port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def live_server() -> Iterator[Callable[[Flask], str]]:
    """A factory: ``live_server(app)`` serves the app until the test ends, returns its URL."""
    with_servers: list[Any] = []

    def start(app: Flask) -> str:
        context = serve_app(app)
        url = context.__enter__()
        with_servers.append(context)
        return url

    yield start
    for context in reversed(with_servers):
        context.__exit__(None, None, None)


@pytest.fixture
def console_errors() -> Callable[[Any], list[str]]:
    """``console_errors(page)``: a list collecting the page's console errors, uncaught
    exceptions and failed loads (4xx/5xx, with their URL; the browser's own favicon.ico
    request excepted)."""

    def on_console(found: list[str], message: Any) -> None:
        # Chromium words a failed load without its URL; on_response records it with one.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            found.append(f"console: {message.text}")

    def on_response(found: list[str], response: Any) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            found.append(f"load failed: {response.status} {response.url}")

    def watch(page: Any) -> list[str]:
        found: list[str] = []
        page.on("console", lambda message: on_console(found, message))
        page.on("pageerror", lambda error: found.append(f"page error: {error}"))
        page.on("response", lambda response: on_response(found, response))
        return found

    return watch


@pytest.fixture(scope="session")
def demo_ledger(
    demo_template: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Ledger]:
    """The full demo ledger (three lots of 120 bags), one copy per session; its scan pages
    count scans into it, which no test here reads."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    shutil.copyfile(demo_template[0], path)
    engine = make_engine(f"sqlite:///{path}")
    yield Ledger(engine)
    engine.dispose()


# The console password of the producer app tests' operator account.
PASSWORD = "correct horse battery staple"


@pytest.fixture
def app_ledger(tmp_path: Path) -> Iterator[Ledger]:
    """A ledger with one farm registered and an operator console account: what a phone
    enrols against in the producer app tests."""
    from ledger import samples
    from tests.support.fixed import ORIGIN, fixed_key

    engine = make_engine(f"sqlite:///{tmp_path / 'app.sqlite3'}")
    ledger = Ledger.create(engine, fixed_key("operator"), ORIGIN, checkpoint_interval=0)
    ledger.append_operator_statement("actor", samples.actor_payloads()[0])  # wuchang-coop
    ledger.accounts().add("operator-1", PASSWORD)
    yield ledger
    engine.dispose()
