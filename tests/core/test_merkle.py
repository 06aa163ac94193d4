"""RFC 9162 Merkle math against transparency-dev/merkle's published vectors and properties."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.core.errors import ProofError
from ledger.core.hashing import leaf_hash, node_hash
from ledger.core.merkle import (
    Frontier,
    consistency_ranges,
    inclusion_ranges,
    nodes_for,
    proof_from_nodes,
    range_nodes,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from tests.support.vectors import VECTORS

TREE = json.loads((VECTORS / "merkle" / "rfc6962_tree_8leaves.json").read_text())
INCLUSION = json.loads((VECTORS / "merkle" / "inclusion_proofs.json").read_text())
CONSISTENCY = json.loads((VECTORS / "merkle" / "consistency_proofs.json").read_text())
LEAVES = [bytes.fromhex(h) for h in TREE["leaves_hex"]]
ROOTS = {int(k): bytes.fromhex(v) for k, v in TREE["roots_by_tree_size"].items()}


class MemoryTree:
    """A tree kept as a dict of perfect nodes, filled the way the store fills its table."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.frontier = Frontier()
        self.nodes: dict[tuple[int, int], bytes] = {}
        for leaf in leaves:
            self.nodes.update(self.frontier.append(leaf_hash(leaf)))

    def inclusion(self, index: int, size: int) -> list[bytes]:
        ranges = inclusion_ranges(index, size)
        return proof_from_nodes(ranges, {n: self.nodes[n] for n in nodes_for(ranges)})

    def consistency(self, first: int, second: int) -> list[bytes]:
        ranges = consistency_ranges(first, second)
        return proof_from_nodes(ranges, {n: self.nodes[n] for n in nodes_for(ranges)})

    def root(self, size: int) -> bytes:
        return root_of([self.nodes[(0, i)] for i in range(size)])


def test_hasher_vectors() -> None:
    for case in TREE["hasher_vectors"]["cases"]:
        expected = bytes.fromhex(case["expected"])
        if case.get("empty_tree"):
            assert root_of([]) == expected
        elif "leaf_data_hex" in case:
            assert leaf_hash(bytes.fromhex(case["leaf_data_hex"])) == expected
        else:
            left, right = (
                bytes.fromhex(case["node_left_hex"]),
                bytes.fromhex(case["node_right_hex"]),
            )
            assert node_hash(left, right) == expected


def test_roots_for_every_size() -> None:
    for size, root in ROOTS.items():
        assert root_of([leaf_hash(x) for x in LEAVES[:size]]) == root


def test_all_node_hashes_match_the_reference_tree() -> None:
    tree = MemoryTree(LEAVES)
    for level, hashes in enumerate(TREE["node_hashes_by_level"]["levels"]):
        for index, h in enumerate(hashes):
            assert tree.nodes[(level, index)] == bytes.fromhex(h)


def test_reference_inclusion_proofs_are_reproduced_and_verify() -> None:
    tree = MemoryTree(LEAVES)
    for case in TREE["reference_inclusion_proofs"]["cases"]:
        proof = [bytes.fromhex(p) for p in case["proof"]]
        assert tree.inclusion(case["index"], case["size"]) == proof
        verify_inclusion(
            case["index"],
            case["size"],
            leaf_hash(LEAVES[case["index"]]),
            proof,
            ROOTS[case["size"]],
        )


def test_reference_consistency_proofs_are_reproduced_and_verify() -> None:
    tree = MemoryTree(LEAVES)
    for case in TREE["reference_consistency_proofs"]["cases"]:
        proof = [bytes.fromhex(p) for p in case["proof"]]
        if case["size1"] < case["size2"]:
            assert tree.consistency(case["size1"], case["size2"]) == proof
        verify_consistency(
            case["size1"], case["size2"], proof, ROOTS[case["size1"]], ROOTS[case["size2"]]
        )


@pytest.mark.parametrize("probe", INCLUSION["probes"], ids=lambda p: p["source"])
def test_inclusion_probes(probe: dict) -> None:
    args = (
        probe["leaf_index"],
        probe["tree_size"],
        bytes.fromhex(probe["leaf_hash"]),
        [bytes.fromhex(p) for p in probe["proof"]],
        bytes.fromhex(probe["root"]),
    )
    if probe["valid"]:
        verify_inclusion(*args)
    else:
        with pytest.raises(ProofError):
            verify_inclusion(*args)


@pytest.mark.parametrize("probe", CONSISTENCY["probes"], ids=lambda p: p["source"])
def test_consistency_probes(probe: dict) -> None:
    args = (
        probe["size1"],
        probe["size2"],
        [bytes.fromhex(p) for p in probe["proof"]],
        bytes.fromhex(probe["root1"]),
        bytes.fromhex(probe["root2"]),
    )
    if probe["valid"]:
        verify_consistency(*args)
    else:
        with pytest.raises(ProofError):
            verify_consistency(*args)


def test_counts_of_probes_match_the_vector_files() -> None:
    assert len(INCLUSION["probes"]) == INCLUSION["count"] == 98
    assert len(CONSISTENCY["probes"]) == CONSISTENCY["count"] == 98


@given(st.integers(min_value=1, max_value=70), st.data())
def test_inclusion_proofs_verify_and_resist_mutation(size: int, data: st.DataObject) -> None:
    tree = MemoryTree([i.to_bytes(4, "big") for i in range(size)])
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    root = tree.root(size)
    proof = tree.inclusion(index, size)
    verify_inclusion(index, size, tree.nodes[(0, index)], proof, root)
    if proof:
        k = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bit = data.draw(st.integers(min_value=0, max_value=255))
        mutated = list(proof)
        mutated[k] = bytes(
            b ^ (1 << (bit % 8)) if i == bit // 8 else b for i, b in enumerate(proof[k])
        )
        with pytest.raises(ProofError):
            verify_inclusion(index, size, tree.nodes[(0, index)], mutated, root)
        with pytest.raises(ProofError):
            verify_inclusion(index, size, tree.nodes[(0, index)], proof[:-1], root)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, tree.nodes[(0, index)], [*proof, root], root)


@given(st.integers(min_value=1, max_value=70), st.data())
def test_consistency_proofs_verify_between_any_two_sizes(second: int, data: st.DataObject) -> None:
    first = data.draw(st.integers(min_value=1, max_value=second))
    tree = MemoryTree([i.to_bytes(4, "big") for i in range(second)])
    proof = tree.consistency(first, second)
    verify_consistency(first, second, proof, tree.root(first), tree.root(second))
    if first < second:
        wrong_root = bytes(32)
        with pytest.raises(ProofError):
            verify_consistency(first, second, proof, wrong_root, tree.root(second))
        with pytest.raises(ProofError):
            verify_consistency(first, second, proof[1:], tree.root(first), tree.root(second))


@given(st.integers(min_value=0, max_value=2000), st.integers(min_value=0, max_value=2000))
def test_range_nodes_tile_the_range_exactly(a: int, b: int) -> None:
    start, end = min(a, b), max(a, b)
    covered = []
    for level, index in range_nodes(start, end):
        covered.extend(range(index << level, (index + 1) << level))
    assert covered == list(range(start, end))


def test_proofs_read_logarithmically_many_nodes() -> None:
    size = 1_000_000
    assert len(nodes_for(inclusion_ranges(123_456, size))) <= 2 * size.bit_length()
    assert len(nodes_for(consistency_ranges(654_321, size))) <= 2 * size.bit_length()
