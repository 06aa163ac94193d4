"""Unit tests of scripts/verify_ledger.py's one copy of each rule: the step table (against
FORMAT.md 3.6), the time rule, the JCS writer (against the published RFC 8785 vectors),
the registry model (its check names against the core's), and Ed25519 verification that
refuses wrong lengths by name and lets any unexpected library error through."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from ledger import samples as ex
from ledger.core import policy
from ledger.core.errors import LedgerError
from ledger.core.registry import ActorRecord, Genesis, KeyRecord, admit
from ledger.core.registry import Registry as CoreRegistry
from ledger.core.signing import PublicKey
from ledger.core.statements import Statement
from ledger.core.timefmt import parse_entry_time
from tests.format_tables import step_roles
from tests.support.vectors import VECTORS
from tests.verifier import export_builder as eb
from tests.verifier.test_verify_script import vl

JCS = VECTORS / "jcs"
OPERATOR = eb.fixed_key("operator")
OPERATOR_PK = OPERATOR.public_key.raw


# -- the step table -------------------------------------------------------------------------


def test_step_table_is_format_md() -> None:
    assert step_roles() == vl.BIZSTEP_ROLES
    assert set().union(*vl.BIZSTEP_ROLES.values()) == vl.ROLES - vl.RECALL_ROLES
    assert set(policy.ROLES) == vl.ROLES


# -- the time rule --------------------------------------------------------------------------


def test_times_are_read_as_instants() -> None:
    t = vl.ledger_time_ns("2024-11-01T00:00:00.001Z")
    assert t == (1730419200 * 1000 + 1) * 1_000_000
    assert vl.event_time_ns("2024-11-01T08:00:00.001+08:00") == t  # the same instant
    assert vl.event_time_ns("2024-11-01T00:00:00.001000001Z") == t + 1
    for bad in (
        "2024-11-01T00:00:00Z",
        "2024-11-01T00:00:00.001+00:00",
        "2024-02-30T00:00:00.000Z",
    ):
        assert vl.ledger_time_ns(bad) is None
    assert vl.event_time_ns("2024-11-01 00:00:00Z") is None


def test_event_in_future_is_strictly_after_ten_minutes() -> None:
    entry = vl.ledger_time_ns("2024-11-01T00:00:00.000Z")
    at_limit = vl.event_time_ns("2024-11-01T08:10:00+08:00")
    assert not vl.event_in_future(at_limit, entry)
    assert vl.event_in_future(at_limit + 1, entry)
    assert not vl.event_in_future(entry - 10**18, entry)  # long ago is fine


def test_a_revocation_takes_effect_at_its_instant() -> None:
    reg = _registry_with_key()
    kid = vl.key_id(_PRODUCER_PK)
    reg.apply("revoke", _revoke(kid, effective="2024-11-01T00:00:00.000Z"), 3)
    payload = {"eventTime": "2024-11-01T00:00:00Z", "bizStep": "shipping"}
    before = vl.ledger_time_ns("2024-10-31T23:59:59.999Z")
    at = vl.ledger_time_ns("2024-11-01T00:00:00.000Z")
    assert reg.event_rules(kid, payload, before, "before")[0] == []
    assert [c for c, _ in reg.event_rules(kid, payload, at, "at")[0]] == ["key_revoked"]


# -- the JCS writer -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in (JCS / "input").iterdir()))
def test_writer_on_published_vectors(name: str) -> None:
    value, plain = vl.read_json((JCS / "input" / name).read_bytes())
    expected = (JCS / "output" / name).read_bytes()
    assert vl.jcs(value) == expected  # the complete serialiser, always right
    if plain:  # the fast one, where the reader vouches for it
        assert vl.jcs(value, plain=True) == expected


def test_reader_withholds_plain_where_the_fast_writer_would_be_wrong() -> None:
    for text in (
        '{"a":1e-7}',
        '{"a":12.0}',
        '{"a":9007199254740993}',
        '{"\\ud83d\\ude00":1,"\\ue000":2}',
    ):
        value, plain = vl.read_json(text)
        assert not plain, text
        assert vl.jcs(value, plain=True) != vl.jcs(value)  # the reason it is withheld


@pytest.mark.parametrize("value", [float("nan"), {"a": float("inf")}, "\ud800", {"\udc00": 1}])
def test_writer_refuses_what_has_no_canonical_form(value: Any) -> None:
    with pytest.raises(vl.JSONError):
        vl.jcs(value)


def test_reader_refuses_a_lone_surrogate_escape() -> None:
    with pytest.raises(vl.JSONError, match="lone surrogate"):
        vl.read_json('{"a":"x\\ud800"}')
    assert vl.read_json('"\\ud83d\\ude00"')[0] == "\U0001f600"


# -- the registry model: the core's rules, in the core's order --------------------------------

_PRODUCER_PK = eb.fixed_key("producer").public_key.raw
_ACTOR = dict(ex.ACTORS["wuchang-coop"], actor="wuchang-coop")


def _revoke(kid: str, effective: str = "2024-11-01T00:00:00.000Z") -> dict[str, Any]:
    return {"actor": "wuchang-coop", "key_id": kid, "effective": effective, "reason": "lost"}


def _registry_with_key() -> Any:
    reg = vl.Registry(OPERATOR_PK)
    reg.apply("actor", _ACTOR, 1)
    reg.apply("key", {"actor": "wuchang-coop", "public_key": _b64(_PRODUCER_PK)}, 2)
    return reg


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _core_code(kind: str, payload: dict[str, Any], with_key: bool) -> str | None:
    """The core's error code for an operator statement with this payload; None when only
    the (deliberately absent) signature is wrong."""
    reg = CoreRegistry()
    reg.apply(Genesis("ledger.example/wuchang-rice", PublicKey(OPERATOR_PK), ""))
    if with_key:
        producer = PublicKey(_PRODUCER_PK)
        reg.apply(
            ActorRecord(
                "wuchang-coop",
                _ACTOR["name"],
                tuple(_ACTOR["roles"]),
                _ACTOR["region"],
                _ACTOR["gln"],
                1,
            )
        )
        reg.apply(KeyRecord(producer.key_id, "wuchang-coop", producer, 2))
    statement = Statement(kind, payload, OPERATOR.public_key.key_id, b"\0" * 64)
    time = parse_entry_time("2024-11-01T00:00:00.000Z", field="time")
    try:
        admit(statement, index=9, time=time, view=reg)
    except LedgerError as exc:
        return None if exc.code == "bad_signature" else exc.code
    raise AssertionError("an unsigned statement was admitted")


def _script_code(kind: str, payload: dict[str, Any], with_key: bool) -> str | None:
    reg = _registry_with_key() if with_key else vl.Registry(OPERATOR_PK)
    problems = vl.PAYLOAD_CHECKS[kind](payload) or reg.rules(kind, payload)
    return problems[0][0] if problems else None


_OTHER_PK = _b64(eb.fixed_key("other").public_key.raw)
_KID = vl.key_id(_PRODUCER_PK)
REGISTRY_CASES = [
    ("actor", _ACTOR, False),
    ("actor", {k: v for k, v in _ACTOR.items() if k != "gln"}, False),
    ("actor", {**_ACTOR, "extra": 1}, False),
    ("actor", {**_ACTOR, "actor": "Wuchang"}, False),
    ("actor", {**_ACTOR, "name": ""}, False),
    ("actor", {**_ACTOR, "region": "a\x07b"}, False),
    ("actor", {**_ACTOR, "roles": ["farm", "farm"]}, False),
    ("actor", {**_ACTOR, "roles": ["pilot"]}, False),
    ("actor", {**_ACTOR, "gln": 6901234000016}, False),
    ("actor", {**_ACTOR, "gln": "690123400001"}, False),
    ("actor", {**_ACTOR, "gln": "69012340000x6"}, False),
    ("actor", {**_ACTOR, "gln": "6901234000017"}, False),
    ("actor", _ACTOR, True),
    ("actor", {**_ACTOR, "actor": "another-coop"}, True),
    ("key", {"actor": "wuchang-coop", "public_key": _OTHER_PK}, True),
    ("key", {"actor": "nobody", "public_key": _OTHER_PK}, True),
    ("key", {"actor": "wuchang-coop", "public_key": _b64(_PRODUCER_PK)}, True),
    ("key", {"actor": "wuchang-coop", "public_key": _b64(OPERATOR_PK)}, True),
    ("key", {"actor": "wuchang-coop", "public_key": 7}, True),
    ("key", {"actor": "wuchang-coop", "public_key": "not base64!"}, True),
    ("key", {"actor": "wuchang-coop", "public_key": _b64(b"\1" * 31)}, True),
    ("revoke", _revoke(_KID), True),
    ("revoke", _revoke("0" * 32), True),
    ("revoke", {**_revoke(_KID), "actor": "another-coop"}, True),
    ("revoke", _revoke(_KID, effective="2024-11-01"), True),
    ("revoke", {**_revoke(_KID), "key_id": _KID.upper()}, True),
    ("revoke", {**_revoke(_KID), "reason": ""}, True),
]


@pytest.mark.parametrize(("kind", "payload", "with_key"), REGISTRY_CASES)
def test_registry_names_the_rule_broken_as_the_core(
    kind: str, payload: dict[str, Any], with_key: bool
) -> None:
    assert _script_code(kind, payload, with_key) == _core_code(kind, payload, with_key)


def test_the_second_revocation_is_refused() -> None:
    reg = _registry_with_key()
    reg.apply("revoke", _revoke(_KID), 3)
    assert [c for c, _ in reg.revoke_rules(_revoke(_KID))] == ["key_already_revoked"]


def test_event_rules_in_the_core_order() -> None:
    reg = _registry_with_key()
    t = vl.ledger_time_ns("2024-11-01T00:00:00.000Z")
    payload = {"eventTime": "2024-11-01T01:00:00Z", "bizStep": "inspecting"}
    codes = [c for c, _ in reg.event_rules(_KID, payload, t, "t")[0]]
    assert codes == ["role_not_permitted", "event_in_future"]
    reg.apply("revoke", _revoke(_KID), 3)
    codes = [c for c, _ in reg.event_rules(_KID, payload, t, "t")[0]]
    assert codes == ["key_revoked", "role_not_permitted", "event_in_future"]
    by_operator = reg.event_rules(vl.key_id(OPERATOR_PK), payload, t, "t")[0]
    assert by_operator[0][0] == "unknown_key"


# -- Ed25519 --------------------------------------------------------------------------------


def test_ed25519_verify_gives_a_verdict_only_on_the_signature() -> None:
    message = b"traceledger"
    sig = OPERATOR.sign(message)
    assert vl.ed25519_verify(OPERATOR_PK, message, sig) is True
    assert vl.ed25519_verify(OPERATOR_PK, message + b"!", sig) is False
    with pytest.raises(vl.SignatureLengthError):
        vl.ed25519_verify(OPERATOR_PK[:31], message, sig)
    with pytest.raises(vl.SignatureLengthError):
        vl.ed25519_verify(OPERATOR_PK, message, sig + b"\0")


def test_ed25519_verify_does_not_swallow_an_unexpected_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Broken(RuntimeError):
        pass

    def crypto_sign_open(signed: bytes, pk: bytes) -> bytes:
        raise Broken("libsodium went away")

    monkeypatch.setattr(vl, "_crypto_sign_open", crypto_sign_open)
    with pytest.raises(Broken):
        vl.ed25519_verify(OPERATOR_PK, b"m", b"\0" * 64)


def test_a_short_note_signature_is_named_malformed() -> None:
    vkey = vl.parse_vkey(eb.build().vkey)
    name = vkey.name
    blob = base64.b64encode(vkey.key_id.to_bytes(4, "big") + b"\1" * 10).decode()
    note = f"{name}\n1\n{'A' * 43}=\n\n\u2014 {name} {blob}\n"
    with pytest.raises(vl.NoteError, match="malformed signature"):
        vl.verify_note(note, [vkey])
