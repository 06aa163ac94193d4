"""The web application: ``create_app`` builds a Flask app around one ``Ledger``.

No app exists at import time. Settings come from the environment (``settings_from_env``),
then from ``test_config``; a test can hand in a ready ledger as ``{"LEDGER": ledger}``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response

from ledger.core.errors import ValidationError
from ledger.core.note import NoteSigner
from ledger.keystore import Keystore
from ledger.service.ledger import Ledger
from ledger.store.db import database_url, make_engine
from web import api, errors, home

DEFAULT_MAX_BODY = 1 << 20  # 1 MiB: a full batch of ordinary events fits easily
SECURITY_HEADERS = {
    # No inline script anywhere: verifier code is served as files from this origin.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def settings_from_env() -> dict[str, Any]:
    """The app's settings from ``LEDGER_*`` environment variables, with their defaults."""
    raw_max = os.environ.get("LEDGER_MAX_BODY", str(DEFAULT_MAX_BODY))
    if not raw_max.isascii() or not raw_max.isdigit() or int(raw_max) < 1:
        raise ValidationError("LEDGER_MAX_BODY must be a positive number of bytes", code="bad_config")
    return {
        "LEDGER_DATABASE_URL": database_url(),
        "LEDGER_KEYSTORE": os.environ.get("LEDGER_KEYSTORE", "keys"),
        "LEDGER_OPERATOR_KEY": os.environ.get("LEDGER_OPERATOR_KEY", "operator"),
        "LEDGER_PASSPHRASE": os.environ.get("LEDGER_PASSPHRASE") or None,
        "LEDGER_MAX_BODY": int(raw_max),
    }


def open_ledger(config: dict[str, Any]) -> Ledger:
    """Open the configured ledger; with the operator's passphrase, able to sign checkpoints."""
    engine = make_engine(config["LEDGER_DATABASE_URL"])
    reader = Ledger(engine)  # the genesis entry tells the origin the note key is named after
    # Taken out of the config so that no later dump of it shows the passphrase.
    passphrase = config.pop("LEDGER_PASSPHRASE", None)
    if not passphrase:
        return reader
    keystore = Keystore(Path(config["LEDGER_KEYSTORE"]))
    key = keystore.load(config["LEDGER_OPERATOR_KEY"], passphrase)
    return Ledger(engine, signer=NoteSigner(reader.operator.name, key))


def add_security_headers(response: Response) -> Response:
    """Set the security headers a view has not set itself."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, the ledger, error handlers, blueprints, headers."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(settings_from_env())
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.config["MAX_CONTENT_LENGTH"] = app.config["LEDGER_MAX_BODY"]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese text stays readable
    app.extensions["ledger"] = app.config.pop("LEDGER", None) or open_ledger(app.config)
    app.config.pop("LEDGER_PASSPHRASE", None)

    errors.register(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(home.bp)
    app.after_request(add_security_headers)
    return app
