"""Proof and signature errors carry their evidence as fields, not only in words: the roots a
proof was checked against and led to, the leaf and the size, the key whose signature failed."""

from __future__ import annotations

import pytest

from ledger.core.errors import NoteSignatureError, RootMismatchError, ValidationError
from ledger.core.hashing import leaf_hash
from ledger.core.merkle import root_from_inclusion_proof, verify_consistency, verify_inclusion
from ledger.core.note import NoteSigner, NoteVerifier, open_note
from ledger.core.verify import Failure
from tests.core.test_merkle import MemoryTree
from tests.support.fixed import fixed_key

TREE = MemoryTree([b"entry %d" % i for i in range(11)])


def _flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 1]) + h[1:]


def test_a_tampered_inclusion_proof_names_both_roots_the_leaf_and_the_size() -> None:
    proof = TREE.inclusion(5, 11)
    proof[1] = _flip(proof[1])
    leaf = leaf_hash(b"entry 5")
    with pytest.raises(RootMismatchError) as caught:
        verify_inclusion(5, 11, leaf, proof, TREE.root(11))
    error = caught.value
    assert error.code == "root_mismatch"
    assert error.expected_root == TREE.root(11)
    assert error.computed_root == root_from_inclusion_proof(5, 11, leaf, proof)
    assert error.computed_root != error.expected_root
    assert (error.index, error.size) == (5, 11)
    assert error.computed_root.hex() in error.message and error.expected_root.hex() in error.message


# A first size that is a power of two is itself a node of the proof's path: a wrong first
# root then leads the path to a wrong second root, and the mismatch is at the second size.
@pytest.mark.parametrize(
    ("first", "wrong", "at"), [(6, "first", 6), (6, "second", 11), (4, "first", 11)]
)
def test_a_consistency_proof_to_a_wrong_root_names_the_size_that_differs(
    first: int, wrong: str, at: int
) -> None:
    proof = TREE.consistency(first, 11)
    first_root, second_root = TREE.root(first), TREE.root(11)
    bad_first = _flip(first_root) if wrong == "first" else first_root
    bad_second = _flip(second_root) if wrong == "second" else second_root
    with pytest.raises(RootMismatchError) as caught:
        verify_consistency(first, 11, proof, bad_first, bad_second)
    error = caught.value
    assert error.size == at
    if at == first:  # the proof still leads to the true old root
        assert (error.expected_root, error.computed_root) == (bad_first, first_root)
    elif wrong == "second":
        assert (error.expected_root, error.computed_root) == (bad_second, second_root)
    else:
        assert error.expected_root == second_root != error.computed_root


def test_equal_sizes_with_two_roots() -> None:
    with pytest.raises(RootMismatchError) as caught:
        verify_consistency(3, 3, [], TREE.root(3), TREE.root(4))
    assert (caught.value.expected_root, caught.value.computed_root) == (TREE.root(3), TREE.root(4))
    assert caught.value.size == 3


def test_a_bad_note_signature_names_the_key() -> None:
    key = fixed_key("operator")
    signer = NoteSigner("example.org/log", key)
    verifier = NoteVerifier.for_key("example.org/log", key.public_key)
    note = signer.sign("example.org/log\n3\nAAAA\n")
    forged = note.replace("\n3\n", "\n4\n", 1)
    with pytest.raises(NoteSignatureError) as caught:
        open_note(forged, [verifier])
    error = caught.value
    assert (error.code, error.key_name, error.key_id) == (
        "bad_signature",
        "example.org/log",
        verifier.key_id,
    )
    assert error.signers == (("example.org/log", verifier.key_id),)
    stranger = NoteVerifier.for_key("example.org/other", fixed_key("stranger").public_key)
    with pytest.raises(NoteSignatureError) as unknown:
        open_note(note, [stranger])
    assert unknown.value.code == "unverified_note" and unknown.value.key_name is None
    assert unknown.value.signers == (("example.org/log", verifier.key_id),)


def test_a_failure_keeps_a_root_mismatchs_evidence_and_its_cause() -> None:
    error = RootMismatchError("m", expected_root=b"e" * 32, computed_root=b"c" * 32, size=9)
    failure = Failure.of_error(4, "inclusion", error)
    assert (failure.index, failure.check, failure.expected, failure.computed) == (
        4,
        "inclusion",
        b"e" * 32,
        b"c" * 32,
    )
    assert failure.cause is error
    plain = Failure.of_error(4, "unknown_key", ValidationError("no key", code="unknown_key"))
    assert (plain.expected, plain.computed, plain.message) == (None, None, "no key")
