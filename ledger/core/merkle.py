"""RFC 9162 section 2.1 Merkle tree math: roots, proofs and their verification.

The tree math never touches storage. A tree is addressed by its *perfect subtrees*:
node ``(level, index)`` covers leaves ``[index * 2**level, (index + 1) * 2**level)``.
Proof generation first plans which ranges of leaves it needs (``inclusion_ranges``,
``consistency_ranges``), the caller fetches the perfect nodes those ranges decompose into
(``nodes_for``), and ``range_hash`` folds them. That keeps every proof at O(log n) reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ledger.core.errors import ProofError, RootMismatchError
from ledger.core.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash

Node = tuple[int, int]  # (level, index)
Range = tuple[int, int]  # leaves [start, end)


def _largest_power_of_two_below(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n > 1): RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over a list of leaf hashes (reference implementation; O(n) memory)."""
    frontier = Frontier()
    for h in leaf_hashes:
        frontier.append(h)
    return frontier.root()


def range_nodes(start: int, end: int) -> list[Node]:
    """The perfect subtrees that tile leaves ``[start, end)``, left to right, largest first."""
    nodes: list[Node] = []
    while start < end:
        level = 0
        # Grow while the next larger subtree is aligned at start and still fits.
        while start % (2 << level) == 0 and start + (2 << level) <= end:
            level += 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def range_hash(start: int, end: int, get: Callable[[Node], bytes]) -> bytes:
    """MTH of leaves ``[start, end)`` for the ranges proofs use.

    ``start`` is aligned as RFC 9162 splits the tree.
    """
    hashes = [get(node) for node in range_nodes(start, end)]
    result = hashes[-1]
    for h in reversed(hashes[:-1]):
        result = node_hash(h, result)
    return result


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The leaf ranges whose MTHs form PATH(index, D[size]) (RFC 9162 2.1.3.1), leaf first."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of size {size}", code="bad_proof_request")
    ranges: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _largest_power_of_two_below(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The leaf ranges whose MTHs form PROOF(first, D[second]) (RFC 9162 2.1.4.1)."""
    if not 0 < first <= second:
        raise ProofError(
            f"no consistency proof exists from size {first} to size {second}",
            code="bad_proof_request",
        )
    ranges: list[Range] = []
    lo, hi, whole_old_tree = 0, second, True
    while True:
        size, rel = hi - lo, first - lo
        if rel == size:
            if not whole_old_tree:
                ranges.append((lo, hi))
            break
        k = _largest_power_of_two_below(size)
        if rel <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            whole_old_tree = False
    ranges.reverse()
    return ranges


def nodes_for(ranges: Iterable[Range]) -> set[Node]:
    """Every perfect node needed to hash the given ranges: what a store must fetch."""
    return {node for start, end in ranges for node in range_nodes(start, end)}


def proof_from_nodes(ranges: Sequence[Range], nodes: Mapping[Node, bytes]) -> list[bytes]:
    """Assemble a proof from the planned ranges and the fetched perfect nodes."""
    return [range_hash(start, end, nodes.__getitem__) for start, end in ranges]


@dataclass
class Frontier:
    """The compact right edge of a growing tree: its perfect subtrees, largest first.

    Appending a leaf returns the perfect nodes it completes, which is all a store needs
    to write to answer any later proof. Memory and work are O(log n).
    """

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    @classmethod
    def from_nodes(cls, size: int, get: Callable[[Node], bytes]) -> Frontier:
        """Rebuild the frontier of a tree of ``size`` leaves from stored perfect nodes."""
        return cls(size, [get(node) for node in range_nodes(0, size)])

    def append(self, leaf: bytes) -> list[tuple[Node, bytes]]:
        """Add a leaf hash; return the perfect nodes (level 0 upward) that now exist."""
        index = self.size
        created: list[tuple[Node, bytes]] = [((0, index), leaf)]
        current = leaf
        level = 0
        # Each trailing 1 bit of the old index means a left sibling of equal size to merge with.
        while (index >> level) & 1:
            current = node_hash(self.hashes.pop(), current)
            level += 1
            created.append(((level, index >> level), current))
        self.hashes.append(current)
        self.size += 1
        return created

    def root(self) -> bytes:
        """MTH of the tree so far."""
        if not self.hashes:
            return EMPTY_ROOT
        result = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            result = node_hash(h, result)
        return result


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes; SHA-256 hashes are 32", code="bad_proof")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof implies (RFC 9162 2.1.3.2 steps 1-5)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}", code="bad_proof")
    _check_hash(leaf, "the leaf hash")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        _check_hash(p, "a proof hash")
        if sn == 0:
            raise ProofError(
                "the inclusion proof is longer than the tree is deep", code="bad_proof"
            )
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is too short for this tree size", code="bad_proof")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ProofError unless ``proof`` shows leaf ``index`` is in the tree with ``root``."""
    _check_hash(root, "the root hash")
    calculated = root_from_inclusion_proof(index, size, leaf, proof)
    if calculated != root:
        raise RootMismatchError(
            f"inclusion proof for leaf {index} leads to root {calculated.hex()}, "
            f"not the expected {root.hex()} of the tree of size {size}",
            expected_root=root,
            computed_root=calculated,
            size=size,
            index=index,
        )


def verify_consistency(
    first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes
) -> None:
    """Raise ProofError unless ``proof`` shows tree ``second`` extends tree ``first``.

    RFC 9162 section 2.1.4.2.
    """
    # Order of checks as in the Go reference verifier (see tests/vectors/README.md).
    if first > second:
        raise ProofError(f"size {first} is larger than size {second}", code="bad_proof")
    if first == 0:
        raise ProofError("no consistency proof exists from the empty tree", code="bad_proof")
    if first == second:
        if proof:
            raise ProofError("a proof between equal sizes must be empty", code="bad_proof")
        if first_root != second_root:
            raise RootMismatchError(
                f"two different roots for the same tree size {first}: "
                f"{second_root.hex()} where {first_root.hex()} was expected",
                expected_root=first_root,
                computed_root=second_root,
                size=first,
            )
        return
    _check_hash(first_root, "the first root")
    _check_hash(second_root, "the second root")
    for p in proof:
        _check_hash(p, "a proof hash")
    if not proof:
        raise ProofError("the consistency proof is empty", code="bad_proof")
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the old root is itself a node
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long", code="bad_proof")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is too short", code="bad_proof")
    # Like transparency-dev's verifier: name the size whose root differs, the first one first.
    for size, expected, computed in ((first, first_root, fr), (second, second_root, sr)):
        if computed != expected:
            raise RootMismatchError(
                f"the consistency proof from {first} to {second} does not lead to both roots: "
                f"at size {size} it leads to {computed.hex()}, not the expected {expected.hex()}",
                expected_root=expected,
                computed_root=computed,
                size=size,
            )


__all__ = [
    "Frontier",
    "consistency_ranges",
    "inclusion_ranges",
    "leaf_hash",
    "nodes_for",
    "proof_from_nodes",
    "range_hash",
    "range_nodes",
    "root_from_inclusion_proof",
    "root_of",
    "verify_consistency",
    "verify_inclusion",
]
