"""The app as gunicorn serves it (``web:create_app()``), plus one route for the baseline of
bench/scan.py: a static Jinja template of the same bytes as the scan page.

    gunicorn -w 2 'bench.scan_app:create()'

``GET /_bench/static`` renders the template file named by ``BENCH_STATIC_TEMPLATE`` (written
by bench/scan.py after fetching the scan page once: that page's HTML inside ``{% raw %}``,
so the output has the scan page's exact size and bytes). The template is read and compiled
once per worker; each request renders it through Flask, with the app's after_request hooks
(security headers), as a view with no data would be. ``BENCH_SCAN_TTL``, if set, replaces
the scan cache's checkpoint TTL (``ScanCache.checkpoint_ttl``, seconds; bench.recall
``--scan-ttl``). No other change to the app.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, Response, current_app

from web import create_app


def create() -> Flask:
    app = create_app()
    if os.environ.get("BENCH_SCAN_TTL"):
        app.extensions["scan_cache"].checkpoint_ttl = float(os.environ["BENCH_SCAN_TTL"])
    compiled: dict[str, Any] = {}

    def static_page() -> Response:
        template = compiled.get("t")
        if template is None:
            with open(os.environ["BENCH_STATIC_TEMPLATE"], encoding="utf-8") as f:
                template = compiled["t"] = current_app.jinja_env.from_string(f.read())
        response = Response(template.render(), mimetype="text/html")
        response.headers["Cache-Control"] = "private, no-cache"
        return response

    app.add_url_rule("/_bench/static", "bench_static", static_page)
    return app
