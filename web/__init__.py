"""The web application: ``create_app`` builds a Flask app around one ``Ledger``.

No app exists at import time. Settings come from the environment (``settings_from_env``),
then from ``test_config``; a test can hand in a ready ledger as ``{"LEDGER": ledger}``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, request, session
from flask_babel import Babel

from ledger.catalogue import Catalogue
from ledger.core.errors import ValidationError
from ledger.keystore import Keystore
from ledger.service.contacts import Contacts
from ledger.service.ledger import Ledger, database_url, open_database
from ledger.service.products import Products
from ledger.service.scans import CloneRule, ScanCounter
from web import (
    api,
    certificates,
    complaints,
    console,
    console_complaints,  # noqa: F401  (adds its routes to the console blueprint)
    documents,
    enrolments,
    epcis,
    errors,
    home,
    labels,
    recalls,
    record,
    resolver,
    trace,
    vocabulary,
)
from web import app as producer_app
from web.console_auth import csrf

DEFAULT_MAX_BODY = 1 << 20  # 1 MiB: a full batch of ordinary events fits easily
SECURITY_HEADERS = {
    # No inline script anywhere: verifier code is served as files from this origin.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


LANGUAGES = ("zh", "en")  # Chinese first: the default for a reader who states no preference


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ValidationError(f"{name} must be a positive whole number", code="bad_config")
    return int(raw)


def settings_from_env() -> dict[str, Any]:
    """The app's settings from ``LEDGER_*`` environment variables, with their defaults."""
    return {
        "LEDGER_DATABASE_URL": database_url(),
        "LEDGER_KEYSTORE": os.environ.get("LEDGER_KEYSTORE", "keys"),
        "LEDGER_OPERATOR_KEY": os.environ.get("LEDGER_OPERATOR_KEY", "operator"),
        "LEDGER_PASSPHRASE": os.environ.get("LEDGER_PASSPHRASE") or None,
        "LEDGER_MAX_BODY": _positive_int("LEDGER_MAX_BODY", DEFAULT_MAX_BODY),
        # When a code's scans suggest a copied label (ledger.service.scans.CloneRule).
        "LEDGER_CLONE_WINDOW_HOURS": _positive_int("LEDGER_CLONE_WINDOW_HOURS", 24),
        "LEDGER_CLONE_MAX_SCANS": _positive_int("LEDGER_CLONE_MAX_SCANS", 30),
        "LEDGER_CLONE_MAX_CLIENTS": _positive_int("LEDGER_CLONE_MAX_CLIENTS", 5),
        # The product catalogue file (None: the demo catalogue packaged with the ledger).
        "LEDGER_CATALOGUE": os.environ.get("LEDGER_CATALOGUE") or None,
        # Where QR codes on labels point (None: the URL the request came to).
        "LEDGER_RESOLVER_BASE": os.environ.get("LEDGER_RESOLVER_BASE") or None,
    }


def open_ledger(config: dict[str, Any]) -> Ledger:
    """Open the configured ledger; with the operator's passphrase, able to sign checkpoints."""
    ledger = Ledger(open_database(config["LEDGER_DATABASE_URL"]))
    # Taken out of the config so that no later dump of it shows the passphrase.
    passphrase = config.pop("LEDGER_PASSPHRASE", None)
    if not passphrase:
        return ledger
    keystore = Keystore(Path(config["LEDGER_KEYSTORE"]))
    return ledger.with_operator_key(keystore.load(config["LEDGER_OPERATOR_KEY"], passphrase))


def add_security_headers(response: Response) -> Response:
    """Set the security headers a view has not set itself."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def select_locale() -> str:
    """``?lang=`` if given, else the console session's choice, else the best of the reader's
    Accept-Language, else Chinese."""
    asked = request.args.get("lang")
    if asked is None and request.path.startswith("/console"):
        asked = session.get("lang")  # only the console has a session
    if asked in LANGUAGES:
        return str(asked)
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


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
    ledger = app.extensions["ledger"]
    catalogue = app.config["LEDGER_CATALOGUE"]
    # The file is the seed; the console's edits, in the database, are laid over it.
    seed = Catalogue.load(None if catalogue is None else Path(catalogue))
    app.extensions["products"] = Products(ledger.engine, seed)
    app.extensions["contacts"] = Contacts(ledger.engine, ledger.clock)
    app.extensions["scan_cache"] = resolver.ScanCache(ledger)
    rule = CloneRule(
        timedelta(hours=app.config["LEDGER_CLONE_WINDOW_HOURS"]),
        app.config["LEDGER_CLONE_MAX_SCANS"],
        app.config["LEDGER_CLONE_MAX_CLIENTS"],
    )
    app.extensions["scans"] = ScanCounter(ledger.engine, rule)
    Babel(app, locale_selector=select_locale, default_locale=LANGUAGES[0])

    errors.register(app)
    console.register(app)
    csrf.exempt(api.bp)  # a statement's signature is its authority; no browser session
    csrf.exempt(documents.bp)  # an upload is content-addressed; no browser session
    documents.register(app)
    csrf.exempt(vocabulary.bp)  # checks a payload, stores nothing; no browser session
    csrf.exempt(enrolments.bp)  # a phone's request is signed by its key; no browser session
    enrolments.register(app)
    # The shopper's forms carry their own signed form token (no session outside /console);
    # the phone's inbox request is signed by its key.
    csrf.exempt(complaints.bp)
    complaints.register(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(epcis.bp)
    app.register_blueprint(vocabulary.bp)
    app.register_blueprint(producer_app.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(labels.bp)
    app.register_blueprint(certificates.bp)
    app.register_blueprint(trace.bp)
    app.register_blueprint(recalls.bp)
    app.register_blueprint(record.bp)
    app.register_blueprint(resolver.bp)
    app.after_request(add_security_headers)
    return app
