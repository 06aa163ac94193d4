"""Console accounts: argon2id hashes, checked passwords, names and lengths refused."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import update

from ledger.core.errors import ConflictError, ValidationError
from ledger.service.ledger import Ledger
from ledger.store.models import ConsoleAccount

PASSWORD = "correct horse battery staple"


def test_the_stored_hash_is_argon2id_and_verifies(ledger: Ledger) -> None:
    ledger.accounts().add("operator-1", PASSWORD)
    stored = ledger.accounts().password_hash("operator-1")
    assert stored is not None and stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)
    with pytest.raises(VerifyMismatchError):
        PasswordHasher().verify(stored, PASSWORD + "!")


def test_the_right_password_logs_in_and_a_wrong_one_does_not(ledger: Ledger) -> None:
    accounts = ledger.accounts()
    accounts.add("operator-1", PASSWORD)
    assert accounts.authenticate("operator-1", PASSWORD + "x") is None
    assert accounts.authenticate("operator-1", PASSWORD.upper()) is None
    assert accounts.authenticate("nobody", PASSWORD) is None
    assert accounts.authenticate("NOT A NAME", PASSWORD) is None
    account = accounts.authenticate("operator-1", PASSWORD)
    assert account is not None and account.name == "operator-1"
    assert account.last_login is not None


def test_an_old_hash_is_replaced_at_the_next_good_login(ledger: Ledger) -> None:
    accounts = ledger.accounts()
    accounts.add("operator-1", PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with ledger.engine.begin() as conn:
        conn.execute(update(ConsoleAccount).values(password_hash=weak))
    assert accounts.authenticate("operator-1", PASSWORD) is not None
    renewed = accounts.password_hash("operator-1")
    assert renewed != weak and renewed is not None
    assert not PasswordHasher().check_needs_rehash(renewed)


@pytest.mark.parametrize(
    ("name", "password", "code"),
    [
        ("Operator", PASSWORD, "bad_account_name"),
        ("a", PASSWORD, "bad_account_name"),
        ("op erator", PASSWORD, "bad_account_name"),
        ("operator-1", "short", "weak_password"),
    ],
)
def test_bad_names_and_short_passwords_are_refused(
    ledger: Ledger, name: str, password: str, code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        ledger.accounts().add(name, password)
    assert caught.value.code == code
    assert ledger.accounts().get(name) is None


def test_a_name_is_taken_once(ledger: Ledger) -> None:
    ledger.accounts().add("operator-1", PASSWORD)
    with pytest.raises(ConflictError) as caught:
        ledger.accounts().add("operator-1", "another long password")
    assert caught.value.code == "account_exists"
    assert ledger.accounts().authenticate("operator-1", PASSWORD) is not None
