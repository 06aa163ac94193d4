"""C2SP signed notes and checkpoints against C2SP, golang.org/x/mod and transparency-dev vectors."""

from __future__ import annotations

import base64
import json

import pytest

from ledger.core.checkpoint import Checkpoint, parse_checkpoint
from ledger.core.errors import LedgerError, MalformedError, SignatureError
from ledger.core.note import NoteSigner, NoteVerifier, open_note, parse_note
from ledger.core.signing import SigningKey
from tests.support.vectors import VECTORS

V = json.loads((VECTORS / "signed_note" / "signed_note_vectors.json").read_text(encoding="utf-8"))
VKEYS = {name: NoteVerifier.parse(vkey) for name, vkey in V["verifier_keys"].items()}


def test_verifier_keys_round_trip() -> None:
    for name, vkey in V["verifier_keys"].items():
        assert VKEYS[name].vkey == vkey
        assert VKEYS[name].name == name


@pytest.mark.parametrize("case", V["bad_verifier_keys"], ids=lambda c: c["why"])
def test_bad_verifier_keys_are_rejected(case: dict) -> None:
    with pytest.raises(MalformedError):
        NoteVerifier.parse(case["vkey"])


@pytest.mark.parametrize("case", V["cases"], ids=lambda c: c["name"])
def test_note_cases(case: dict) -> None:
    known = [VKEYS[name] for name in case["known_verifier_keys"]]
    if case["expect_accept"]:
        opened = open_note(case["note"], known)
        assert sorted(opened.verified_by) == sorted(case["expect_verified_signers"])
    else:
        with pytest.raises(LedgerError):
            open_note(case["note"], known)


@pytest.mark.parametrize("case", V["cases_not_utf8"], ids=lambda c: c["name"])
def test_invalid_utf8_notes_are_rejected(case: dict) -> None:
    with pytest.raises(MalformedError):
        open_note(bytes.fromhex(case["note_hex"]), [VKEYS[n] for n in case["known_verifier_keys"]])


def test_more_than_100_signatures_are_rejected() -> None:
    limit = V["implementation_limits"][0]
    note = limit["note_text"] + "\n" + limit["signature_line"] * limit["copies"]
    with pytest.raises(MalformedError):
        open_note(note, [VKEYS["PeterNeumann"]])
    open_note(limit["note_text"] + "\n" + limit["signature_line"] * 16, [VKEYS["PeterNeumann"]])


def test_signing_reproduces_the_published_signature_byte_for_byte() -> None:
    signer = NoteSigner.parse(V["signer_keys_for_tests_only"]["PeterNeumann"]["skey"])
    peter = next(c for c in V["cases"] if c["name"] == "peter-only")
    text, _ = parse_note(peter["note"])
    assert signer.sign(text) == peter["note"]
    assert signer.verifier.vkey == V["verifier_keys"]["PeterNeumann"]


def test_text_may_contain_empty_lines() -> None:
    example = V["format_only_examples_unverifiable"][0]
    text, sigs = parse_note(example["note"])
    assert text.count("\n\n") == 1 and sigs[0].name == "quasimodo.example/salvatore"


@pytest.mark.parametrize("case", V["checkpoint_body_parsing"]["cases"], ids=lambda c: c["desc"])
def test_checkpoint_body_parsing(case: dict) -> None:
    if case["valid"]:
        cp = parse_checkpoint(case["text"], hash_size=None)
        expected = case["expected"]
        assert cp.origin == expected["origin"] and cp.size == expected["size"]
        if "root_hash_hex" in expected:
            assert cp.root.hex() == expected["root_hash_hex"]
        assert list(cp.extensions) == expected.get("extension_lines", [])
        assert cp.text() == case["text"]
    else:
        with pytest.raises(MalformedError):
            parse_checkpoint(case["text"], hash_size=None)


def test_sumdb_checkpoint_parses() -> None:
    note = next(c for c in V["cases"] if c["name"] == "sum.golang.org checkpoint")["note"]
    text, _ = parse_note(note)
    cp = parse_checkpoint(text)
    fields = V["sumdb_checkpoint_fields"]
    assert (cp.origin, cp.size, base64.b64encode(cp.root).decode()) == (
        fields["origin"],
        fields["size"],
        fields["root_hash_b64"],
    )


def test_own_checkpoint_round_trip_and_tamper() -> None:
    signer = NoteSigner("ledger.example/rice", SigningKey(bytes(32)))
    note = signer.sign(Checkpoint("ledger.example/rice", 5, bytes(range(32))).text())
    opened = open_note(note, [signer.verifier])
    assert parse_checkpoint(opened.text) == Checkpoint("ledger.example/rice", 5, bytes(range(32)))
    with pytest.raises(SignatureError):
        open_note(note.replace("\n5\n", "\n6\n"), [signer.verifier])
