"""The console's guards, each from a well-kept Flask extension: Flask-Login sessions,
Flask-WTF CSRF tokens, Flask-Limiter login throttling, and the session cookie's flags.

Sessions expire ``LEDGER_CONSOLE_SESSION_MINUTES`` after the last request (a sliding
lifetime: Flask re-signs the cookie on every request, and refuses one older than the
lifetime whatever the browser keeps). There is no "remember me". The cookie is HttpOnly,
SameSite=Lax, limited to /console, and Secure unless ``LEDGER_COOKIE_SECURE=0`` or the app
runs in debug or testing mode. Failed logins are counted per account and per client in the
process's memory (Flask-Limiter's ``memory://`` storage): a restart forgets them and each
gunicorn worker counts alone; a shared store (``LEDGER_CONSOLE_LIMITER_STORAGE``, any
storage URI the ``limits`` package takes, e.g. ``redis://...``) counts across workers.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin
from flask_wtf.csrf import CSRFProtect

from ledger.service.accounts import Account

csrf = CSRFProtect()  # its state is per app; the instance only holds the exempt blueprints


class ConsoleUser(UserMixin):
    """The logged-in operator, as Flask-Login wants it (its id is the account name)."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.id = account.name


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    return default if raw is None else raw.strip().lower() not in ("0", "false", "no", "off")


def settings_from_env() -> dict[str, Any]:
    """The console's settings from the environment, with their defaults."""
    return {
        # Signs the session cookie; unset, a random one per process (sessions end at restart,
        # and several workers need the same one: set it in production).
        "SECRET_KEY": os.environ.get("LEDGER_SECRET_KEY") or secrets.token_hex(32),
        "LEDGER_CONSOLE_SESSION_MINUTES": int(
            os.environ.get("LEDGER_CONSOLE_SESSION_MINUTES", "30")
        ),
        # None: Secure unless the app is in debug or testing mode.
        "LEDGER_COOKIE_SECURE": (
            None
            if os.environ.get("LEDGER_COOKIE_SECURE") is None
            else _flag("LEDGER_COOKIE_SECURE", True)
        ),
        # Failed logins allowed before a pause, per account and per client address.
        "LEDGER_CONSOLE_ACCOUNT_LIMIT": os.environ.get(
            "LEDGER_CONSOLE_ACCOUNT_LIMIT", "5 per 15 minutes"
        ),
        "LEDGER_CONSOLE_CLIENT_LIMIT": os.environ.get("LEDGER_CONSOLE_CLIENT_LIMIT", "20 per hour"),
        "RATELIMIT_STORAGE_URI": os.environ.get("LEDGER_CONSOLE_LIMITER_STORAGE", "memory://"),
    }


def account_limit() -> str:
    return str(current_app.config["LEDGER_CONSOLE_ACCOUNT_LIMIT"])


def client_limit() -> str:
    return str(current_app.config["LEDGER_CONSOLE_CLIENT_LIMIT"])


def account_key() -> str:
    """The throttling key of the account a login form names."""
    return "account:" + request.form.get("name", "").strip().lower()[:63]


def failed_login(response: Any) -> bool:
    """Only failed logins count towards the limits (the login view answers them 401)."""
    return bool(response.status_code == 401)


def install(app: Flask, load_account: Any) -> None:
    """Configure cookies and sessions, and bind Flask-Login, CSRF and the limiter to ``app``."""
    for name, value in settings_from_env().items():
        if app.config.get(name) is None:  # Flask's own SECRET_KEY default is None
            app.config[name] = value
    secure = app.config["LEDGER_COOKIE_SECURE"]
    if secure is None:
        secure = not (app.debug or app.testing)
    app.config.update(
        SESSION_COOKIE_NAME="ledger_console",
        SESSION_COOKIE_PATH="/console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(secure),
        SESSION_REFRESH_EACH_REQUEST=True,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=app.config["LEDGER_CONSOLE_SESSION_MINUTES"]),
    )
    manager = LoginManager()
    # Not in every template's context: it would read the session on every page of the site
    # (and add "Vary: Cookie" to public ones); the console's pages pass ``current_user``.
    manager.init_app(app, add_context_processor=False)
    manager.login_view = "console.login"
    manager.login_message = ""  # the login page says what it is; no flashed sentence
    # "basic": a session whose client address or browser changes is marked not fresh.
    # Flask-Login's "strong" mode treats permanent sessions (ours) as "basic" anyway, and
    # on a phone moving between networks the address changes while the operator is the same.
    manager.session_protection = "basic"
    manager.user_loader(load_account)
    # Flask-Login's only after-request hook keeps a "remember me" cookie up to date; the
    # console has none, and the hook reads the session on every request of the site, which
    # would add "Vary: Cookie" to the public scan pages and API answers.
    app.after_request_funcs[None].remove(manager._update_remember_cookie)
    csrf.init_app(app)


def throttle_logins(app: Flask, endpoint: str) -> None:
    """Limit failed logins at ``endpoint`` per account and per client, with a limiter (and
    counters) of this app's own, so that two apps in one process never share counts."""
    limiter = Limiter(get_remote_address, app=app)
    view = app.view_functions[endpoint]
    per_account = limiter.limit(
        account_limit,
        key_func=account_key,
        methods=["POST"],
        deduct_when=failed_login,
        scope="console-login-account",
    )
    per_client = limiter.limit(
        client_limit, methods=["POST"], deduct_when=failed_login, scope="console-login-client"
    )
    throttled: Any = per_account(per_client(view))  # the same view, sync as it was
    app.view_functions[endpoint] = throttled
