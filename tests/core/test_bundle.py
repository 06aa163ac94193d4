"""Proof bundle documents (FORMAT.md 9.1): each proof hash written once, in ``nodes``, in
order of first use; what ``bundle_json`` writes is what the bundle reader gives back."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.core.bundle import BundleEntry, _parse_entries, _parse_nodes, bundle_json
from ledger.core.errors import MalformedError
from ledger.core.hashing import leaf_hash
from ledger.core.merkle import inclusion_ranges, root_of, verify_inclusion


def leaves(size: int) -> list[bytes]:
    return [b"entry %d" % i for i in range(size)]


def entry(index: int, size: int) -> BundleEntry:
    hashes = [leaf_hash(leaf) for leaf in leaves(size)]
    proof = tuple(root_of(hashes[start:end]) for start, end in inclusion_ranges(index, size))
    return BundleEntry(index, leaves(size)[index], proof)


def document(entries: list[BundleEntry]) -> dict:
    return json.loads(bundle_json("subject", "vkey", "note", entries))


def read_back(doc: dict) -> list[BundleEntry]:
    return _parse_entries(doc["entries"], _parse_nodes(doc["nodes"]))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def test_the_example_of_format_md() -> None:
    h = [leaf_hash(leaf) for leaf in leaves(8)]
    h67, h0123 = root_of(h[6:8]), root_of(h[0:4])
    doc = document([entry(5, 8), entry(4, 8)])  # any order in, index order out
    assert doc["nodes"] == [b64(h[5]), b64(h67), b64(h0123), b64(h[4])]
    assert [(e["index"], e["proof"]) for e in doc["entries"]] == [(4, [0, 1, 2]), (5, [3, 1, 2])]


@given(
    st.integers(1, 300).flatmap(
        lambda size: st.tuples(
            st.just(size), st.sets(st.integers(0, size - 1), min_size=1, max_size=12)
        )
    )
)
def test_nodes_are_distinct_in_order_of_first_use_and_read_back(case: tuple[int, set[int]]) -> None:
    size, indices = case
    entries = [entry(i, size) for i in sorted(indices)]
    doc = document(entries)
    assert len(set(doc["nodes"])) == len(doc["nodes"])
    numbers = [p for e in doc["entries"] for p in e["proof"]]
    assert list(dict.fromkeys(numbers)) == list(range(len(doc["nodes"])))
    assert read_back(doc) == entries
    root = root_of([leaf_hash(leaf) for leaf in leaves(size)])
    for e in read_back(doc):
        verify_inclusion(e.index, size, leaf_hash(e.leaf), e.proof, root)


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda d: d["nodes"].append(d["nodes"][0]), "same hash twice"),
        (lambda d: d["nodes"].append(b64(bytes(32))), "used by no proof"),
        (lambda d: d["entries"][0]["proof"].__setitem__(0, 1), "order of first use"),
        (lambda d: d["entries"][0]["proof"].__setitem__(0, 99), "number of one of"),
        (lambda d: d["entries"][0]["proof"].__setitem__(0, 0.0), "number of one of"),
        (lambda d: d["entries"][0]["proof"].__setitem__(0, False), "number of one of"),
        (lambda d: d["entries"][0].__setitem__("proof", [0] * 65), "at most 64"),
        (lambda d: d["nodes"].__setitem__(0, d["nodes"][0][:-4] + "AA=="), "32 bytes"),
    ],
)
def test_malformed_nodes_are_refused(edit: object, reason: str) -> None:
    doc = document([entry(4, 8), entry(5, 8)])
    edit(doc)  # type: ignore[operator]
    with pytest.raises(MalformedError, match=reason):
        read_back(doc)
