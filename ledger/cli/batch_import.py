"""``ledger import``: sign each row of a filled CSV template with a local key and submit it.

Every row is read and checked before anything is signed; one bad row and nothing is signed
or sent. The rules that make a re-run add nothing are ``ledger.core.batch``'s
(docs/EVENTS.md section 12).

The actor the key signs for (its GLN, for "self" and short plot codes, and its roles) comes
from the registry through the same facade call in both modes: ``Ledger.actors()`` locally,
and over ``--url`` the API route ``GET /api/v1/keys/{key_id}`` that serves it. The registry is
the authority the server checks against, so the command sees what the server will.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import click

from ledger.cli.context import EXIT_FAILED, Settings, pass_settings, passphrase, url_option
from ledger.cli.submit import HTTP_TIMEOUT, echo_appended, post_statement
from ledger.core.batch import Row, build_rows, read_rows
from ledger.core.errors import AuthorisationError, LedgerError, MalformedError
from ledger.core.form_fields import FORMS
from ledger.core.forms import FormError
from ledger.core.statements import Statement, sign_statement
from ledger.core.vocabulary import STEPS


@dataclass(frozen=True)
class KeyOwner:
    """The registered actor a key signs for."""

    actor: str
    gln: str
    roles: tuple[str, ...]


def key_owner(settings: Settings, key_id: str, url: str | None) -> KeyOwner:
    """The key's actor from the registry: the local database's, or ``url``'s."""
    if url is None:
        for actor in settings.ledger().actors():
            if any(key.key_id == key_id for key in actor.keys):
                return KeyOwner(actor.actor, actor.gln, actor.roles)
        raise AuthorisationError.of("unknown_key", key_id=key_id)
    endpoint = f"{url.rstrip('/')}/api/v1/keys/{quote(key_id)}"
    try:
        with urllib.request.urlopen(endpoint, timeout=HTTP_TIMEOUT) as response:
            found = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise AuthorisationError.of("unknown_key", key_id=key_id) from exc
        raise LedgerError(
            f"{endpoint} answered {exc.code} {exc.reason}", code="http_error"
        ) from exc
    except urllib.error.URLError as exc:
        raise LedgerError(f"cannot reach {endpoint}: {exc.reason}", code="unreachable") from exc
    except json.JSONDecodeError as exc:
        raise LedgerError(f"{endpoint} did not answer JSON", code="bad_answer") from exc
    return KeyOwner(str(found["actor"]), str(found["gln"]), tuple(found["roles"]))


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _echo_error(line: int, error: FormError) -> None:
    where = f"line {line}, field {error.field}" if error.field else f"line {line}"
    click.echo(f"{where}: {error.message} ({error.code})")


def _echo_row(row: Row) -> None:
    click.echo(f"line {row.line}: " + ", ".join(f"{k}={v}" for k, v in row.values.items() if k))


@click.command("import")
@click.argument(
    "csv_file", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--form",
    "form_name",
    required=True,
    type=click.Choice(list(FORMS)),
    help="The form the file fills (its template: /api/v1/vocabulary/forms/FORM.csv).",
)
@click.option("--key", "key_name", required=True, help="The local key to sign with.")
@click.option("--dry-run", is_flag=True, help="Read and check every row; sign and send nothing.")
@url_option
@pass_settings
def import_rows(
    settings: Settings,
    csv_file: Path,
    form_name: str,
    key_name: str,
    url: str | None,
    dry_run: bool,
) -> None:
    """Sign each row of FILE.csv, a filled CSV template, as one event and submit it.

    Every row is checked first; if any has an error, nothing is signed (exit status 1).
    Running the same file again adds nothing: each row is the same statement again."""
    form = FORMS[form_name]
    try:
        text = csv_file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedError.of("bad_encoding") from exc
    rows, problems = read_rows(text, form)
    key = settings.keystore.load(key_name, passphrase(f"Passphrase for key {key_name!r}"))
    owner = key_owner(settings, key.public_key.key_id, url)
    step = STEPS[form.biz_step]
    if not step.roles & set(owner.roles):
        raise AuthorisationError.of(
            "role_not_permitted", actor=owner.actor, roles=" ".join(owner.roles), step=step.biz_step
        )
    # The offset of times written without one: this machine's, as the clerk's clock shows.
    local = datetime.now().astimezone().tzinfo or UTC
    built = build_rows(form, rows, key_id=key.public_key.key_id, gln=owner.gln, local=local)
    for line, problem in problems:
        _echo_error(line, problem)
    for row, result in zip(rows, built, strict=True):
        _echo_row(row)
        for error in result.errors:
            _echo_error(row.line, error)
    bad = sum(1 for result in built if result.errors) + (1 if problems else 0)
    if bad:
        click.echo(f"{_rows(len(rows))} read, {bad} with errors: nothing was signed or sent")
        raise SystemExit(EXIT_FAILED)
    if not rows:
        click.echo(f"{csv_file.name} has no rows of data: nothing to sign")
        return
    click.echo(f"{_rows(len(rows))} read of form {form.name}, no errors")
    if dry_run:
        click.echo("dry run: nothing was signed or sent")
        return
    statements = [sign_statement("event", r.payload or {}, key) for r in built]
    _submit(settings, rows, statements, url)


def _submit(
    settings: Settings, rows: list[Row], statements: list[Statement], url: str | None
) -> None:
    """Submit the rows' statements one by one, saying where each is; stop at a rejection
    (the rows before it stay in the log, and a re-run skips them as already there)."""
    ledger = settings.ledger() if url is None else None
    for row, statement in zip(rows, statements, strict=True):
        click.echo(f"line {row.line}: ", nl=False)
        try:
            if ledger is not None:
                appended = ledger.append([statement])[0]
                index, entry_hash, created = (
                    appended.index,
                    appended.entry_hash.hex(),
                    appended.created,
                )
            else:
                answer = post_statement(url or "", statement)
                index, entry_hash, created = (
                    answer["index"],
                    answer["entry_hash"],
                    answer["created"],
                )
        except LedgerError:
            click.echo("rejected")
            raise
        echo_appended(index, entry_hash, created)
