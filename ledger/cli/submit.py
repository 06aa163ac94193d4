"""Submitting a signed statement: appended to the local database, or POSTed to a server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import click

from ledger.cli.context import Settings, passphrase
from ledger.core.canonical import canonical_bytes
from ledger.core.errors import LedgerError
from ledger.core.statements import Statement, sign_statement
from ledger.service.ledger import Ledger

HTTP_TIMEOUT = 30.0


def post_statement(url: str, statement: Statement) -> dict[str, Any]:
    """POST a statement to a server's API; return its answer. Error answers become LedgerErrors."""
    endpoint = url.rstrip("/") + "/api/v1/statements"
    request = urllib.request.Request(
        endpoint,
        data=canonical_bytes(statement.to_json()),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            answer = _json_object(response.read())
    except urllib.error.HTTPError as exc:
        error = (_json_object(exc.read()) or {}).get("error")
        if not isinstance(error, dict):
            raise LedgerError(
                f"{endpoint} answered {exc.code} {exc.reason}", code="http_error"
            ) from exc
        raise LedgerError(
            str(error.get("message")), code=str(error.get("code", "http_error"))
        ) from exc
    except urllib.error.URLError as exc:
        raise LedgerError(f"cannot reach {endpoint}: {exc.reason}", code="unreachable") from exc
    if answer is None or not {"index", "entry_hash", "created"} <= answer.keys():
        raise LedgerError(f"{endpoint} did not answer like a ledger server", code="bad_answer")
    return answer


def _json_object(data: bytes) -> dict[str, Any] | None:
    """``data`` as a JSON object, or None if it is anything else (an HTML error page, say)."""
    try:
        answer = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return answer if isinstance(answer, dict) else None


def submit(
    settings: Settings, statement: Statement, url: str | None, ledger: Ledger | None = None
) -> None:
    """Append ``statement`` locally (or POST it to ``url``) and say where it is."""
    if url is not None:
        answer = post_statement(url, statement)
        index, entry_hash, created = answer["index"], answer["entry_hash"], answer["created"]
    else:
        appended = (ledger or settings.ledger()).append([statement])[0]
        index, entry_hash, created = appended.index, appended.entry_hash.hex(), appended.created
    echo_appended(index, entry_hash, created)


def echo_appended(index: int, entry_hash: str, created: bool) -> None:
    """Say where a statement is in the log, and whether it was new."""
    if created:
        click.echo(f"appended as entry {index} (entry hash {entry_hash})")
    else:
        click.echo(f"already in the log as entry {index} (entry hash {entry_hash})")


def submit_operator_statement(
    settings: Settings, kind: str, payload: dict[str, Any], key_name: str, url: str | None
) -> None:
    """Sign ``payload`` with the operator's key and submit it."""
    if url is not None:
        key = settings.keystore.load(key_name, passphrase(f"Passphrase for key {key_name!r}"))
        submit(settings, sign_statement(kind, payload, key), url)
        return
    ledger, _ = settings.operator_ledger(key_name)
    appended = ledger.append_operator_statement(kind, payload)
    echo_appended(appended.index, appended.entry_hash.hex(), appended.created)
