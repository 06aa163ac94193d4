"""Operator accounts of the web console: names and argon2id password hashes.

Accounts live in their own table, outside the log (they are who may use the console, not
facts the ledger attests). Hashing is argon2-cffi's ``PasswordHasher`` (argon2id, its RFC
9106 low-memory profile); a hash made with older parameters is replaced at the next good
login. Throttling of guesses is the web layer's (Flask-Limiter), not this module's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, insert, select, update

from ledger.core.errors import ConflictError, ValidationError
from ledger.core.timefmt import format_time
from ledger.service.sequencer import Clock, system_clock
from ledger.store.models import ConsoleAccount

ACCOUNT_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
MIN_PASSWORD = 12  # characters; a passphrase of a few words passes, a PIN does not

_hasher = PasswordHasher()
# Verified against when the name is unknown, so that an unknown name costs as much time as
# a wrong password and the answer's timing does not tell which names exist.
_DUMMY_HASH = _hasher.hash("not a password of any account")


@dataclass(frozen=True)
class Account:
    """One console account (never its hash)."""

    name: str
    created: str
    last_login: str | None


def check_name(name: str) -> str:
    """``name`` if it is a valid account name, else ``ValidationError`` (bad_account_name)."""
    if not ACCOUNT_NAME.fullmatch(name):
        raise ValidationError(
            "an account name is 2 to 63 lowercase letters, digits or '-'",
            code="bad_account_name",
            field="name",
        )
    return name


class Accounts:
    """The console's accounts in one ledger database."""

    def __init__(self, engine: Engine, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.clock = clock

    def add(self, name: str, password: str) -> Account:
        """Create an account; ``ConflictError`` (account_exists) if the name is taken."""
        check_name(name)
        if len(password) < MIN_PASSWORD:
            raise ValidationError(
                f"a console password needs at least {MIN_PASSWORD} characters",
                code="weak_password",
                field="password",
            )
        created = format_time(self.clock())
        with self.engine.begin() as conn:
            if conn.execute(select(ConsoleAccount.name).where(ConsoleAccount.name == name)).first():
                raise ConflictError(
                    f"console account {name!r} already exists", code="account_exists", field="name"
                )
            conn.execute(
                insert(ConsoleAccount).values(
                    name=name, password_hash=_hasher.hash(password), created=created
                )
            )
        return Account(name, created, None)

    def get(self, name: str) -> Account | None:
        """The account called ``name``, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    ConsoleAccount.name, ConsoleAccount.created, ConsoleAccount.last_login
                ).where(ConsoleAccount.name == name)
            ).first()
        return None if row is None else Account(row.name, row.created, row.last_login)

    def password_hash(self, name: str) -> str | None:
        """The stored PHC string of ``name`` (for tests and audits of the hashing)."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(ConsoleAccount.password_hash).where(ConsoleAccount.name == name)
            ).scalar_one_or_none()

    def authenticate(self, name: str, password: str) -> Account | None:
        """The account if ``password`` is its password, else None (unknown name alike)."""
        stored = self.password_hash(name) if ACCOUNT_NAME.fullmatch(name) else None
        try:
            _hasher.verify(stored or _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if stored is None:
            return None
        now = format_time(self.clock())
        values: dict[str, str] = {"last_login": now}
        if _hasher.check_needs_rehash(stored):
            values["password_hash"] = _hasher.hash(password)
        with self.engine.begin() as conn:
            conn.execute(update(ConsoleAccount).where(ConsoleAccount.name == name).values(values))
        account = self.get(name)
        assert account is not None
        return account
