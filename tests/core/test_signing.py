"""Ed25519 against RFC 8032 section 7.1, and the ledger's domain separation."""

from __future__ import annotations

import json

import pytest

from ledger.core.errors import MalformedError, SignatureError
from ledger.core.signing import PublicKey, SigningKey, b64decode, domain_prefix, key_id
from tests.support.vectors import VECTORS

ED = json.loads((VECTORS / "ed25519" / "rfc8032_ed25519_vectors.json").read_text())


@pytest.mark.parametrize("vector", ED["vectors"], ids=lambda v: v["name"])
def test_rfc8032_known_answers(vector: dict) -> None:
    key = SigningKey(bytes.fromhex(vector["secret_key"]))
    message = bytes.fromhex(vector["message"])
    assert key.public_key.raw.hex() == vector["public_key"]
    assert key.sign(message).hex() == vector["signature"]
    key.public_key.verify(message, bytes.fromhex(vector["signature"]))


@pytest.mark.parametrize("case", ED["invalid_signatures"], ids=lambda v: v["name"])
def test_rfc8032_rejections(case: dict) -> None:
    with pytest.raises(SignatureError):
        PublicKey(bytes.fromhex(case["public_key"])).verify(
            bytes.fromhex(case["message"]), bytes.fromhex(case["signature"])
        )


def test_domain_prefixes_differ_per_kind_and_contain_nul() -> None:
    prefixes = {domain_prefix(k) for k in ("genesis", "actor", "key", "revoke", "event")}
    assert len(prefixes) == 5
    assert all(p.startswith(b"traceledger/v1/") and p.endswith(b"\x00") for p in prefixes)
    with pytest.raises(MalformedError):
        domain_prefix("checkpoint")


def test_key_id_is_first_16_bytes_of_sha256() -> None:
    pk = bytes.fromhex(ED["vectors"][0]["public_key"])
    assert key_id(pk) == "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9"[:32]


def test_signing_key_repr_hides_the_seed() -> None:
    key = SigningKey(bytes(range(32)))
    assert bytes(range(32)).hex() not in repr(key)
    assert key.public_key.key_id in repr(key)


@pytest.mark.parametrize("text", ["not base64!", "AAA", "AAB=", "QQ=="[:-1]])
def test_b64decode_is_strict(text: str) -> None:
    with pytest.raises(MalformedError):
        b64decode(text, field="x")


def test_b64decode_checks_length() -> None:
    with pytest.raises(MalformedError) as err:
        b64decode("AAAA", field="sig", size=64)
    assert err.value.code == "bad_length"
