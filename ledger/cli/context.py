"""What every command shares: the global options (``Settings``), the keystore passphrase,
the options several commands take, the progress bar and the exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import Engine

from ledger.core.signing import SigningKey
from ledger.keystore import Keystore
from ledger.service.ledger import Ledger, open_database

F = TypeVar("F", bound=Callable[..., Any])
Progress = Callable[[int, int], None]
EXIT_FAILED = 1  # the command ran and found a problem (``verify``)
EXIT_ERROR = 2  # the command could not do what was asked


@dataclass
class Settings:
    """The global options, and what is opened from them on demand."""

    database: str
    keystore_dir: Path
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def keystore(self) -> Keystore:
        return Keystore(self.keystore_dir)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = open_database(self.database)
        return self._engine

    def close(self) -> None:
        """Release the engine's pooled connections (a test may run many commands in one process)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def ledger(self) -> Ledger:
        """The ledger in the database."""
        return Ledger(self.engine)

    def operator_ledger(self, key_name: str) -> tuple[Ledger, SigningKey]:
        """The ledger opened with the operator's key, and that key (for signing statements)."""
        reader = self.ledger()
        key = self.keystore.load(key_name, passphrase(f"Passphrase for key {key_name!r}"))
        return reader.with_operator_key(key), key


pass_settings = click.make_pass_decorator(Settings)


def passphrase(prompt: str, *, confirm: bool = False) -> str:
    """The keystore passphrase: ``LEDGER_PASSPHRASE``, or asked for without echo."""
    from_env = os.environ.get("LEDGER_PASSPHRASE")
    if from_env:
        return from_env
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


def operator_key_option(command: F) -> F:
    """The ``--operator-key NAME`` option shared by the operator's commands."""
    return click.option(
        "--operator-key",
        "operator_key",
        envvar="LEDGER_OPERATOR_KEY",
        default="operator",
        show_default=True,
        help="Keystore name of the operator's key.",
    )(command)


def url_option(command: F) -> F:
    """The ``--url`` option: POST to a ledger server instead of appending locally."""
    return click.option(
        "--url", metavar="URL", help="POST to this ledger server instead of the local database."
    )(command)


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Progress]:
    """A progress bar on stderr, driven by the facade's ``(done, total)`` callbacks."""
    with click.progressbar(length=max(total, 1), label=label, file=sys.stderr) as bar:

        def report(done: int, _total: int) -> None:
            bar.update(done - bar.pos)

        yield report
