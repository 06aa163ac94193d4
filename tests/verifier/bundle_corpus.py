"""A tamper corpus of proof bundles (FORMAT.md 9), made from one good demo bundle.

Every variant says which entry indices must fail and whether the checkpoint and the
bundle as a whole must hold; the tests run it through the Python library, the script and
the browser verifier and require all three to agree with that and with each other.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.core.gs1 import parse_identifier
from ledger.core.note import NoteVerifier
from ledger.service.bundles import build_bundle
from ledger.service.ledger import Ledger
from ledger.store.db import make_engine

SUBJECT = "https://id.gs1.org/01/06901234000122/21/100071"
# Check names FORMAT.md 9.2 defines alike for every verifier; other names (the server's
# full-check vocabulary, e.g. bad_value) may differ between the log and the full check.
SHARED_CHECKS = frozenset(
    {
        "inclusion",
        "canonical_bytes",
        "entry_shape",
        "index",
        "signature",
        "unknown_key",
        "unknown_actor",
        "key_revoked",
        "role_not_permitted",
        "event_in_future",
        "not_operator",
        "genesis",
        "bundle",
        "operator_key",
        "checkpoint_signature",
        "checkpoint_origin",
        "subject",
    }
)
# A verifier key of another log (C2SP's example key), for key swaps.
OTHER_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"


@dataclass(frozen=True)
class DemoBundle:
    """The demo bundle of one bag of rice, and the operator key that signed it."""

    document: bytes
    operator: NoteVerifier

    @property
    def vkey(self) -> str:
        return self.operator.vkey

    def doc(self) -> dict[str, Any]:
        return json.loads(self.document)


def demo_bundle(database: Path) -> DemoBundle:
    """The bundle of one bag at the latest checkpoint of the demo ledger in ``database``
    (the session's ``demo_template``; opened read-only in effect: nothing is appended)."""
    engine = make_engine(f"sqlite:///{database}")
    try:
        ledger = Ledger(engine)
        checkpoint = ledger.latest_checkpoint()
        assert checkpoint is not None
        with engine.connect() as conn:
            bundle = build_bundle(conn, parse_identifier(SUBJECT), checkpoint, ledger.operator)
        return DemoBundle(bundle.document, ledger.operator)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Variant:
    """One tampered (or intact) bundle and what a verifier must say about it."""

    name: str
    document: bytes
    ok: bool
    checkpoint_ok: bool
    must_fail: frozenset[int] = frozenset()  # indices that must be among the failing ones
    exact: bool = False  # must_fail is the whole set of failing indices
    bundle_checks: frozenset[str] = frozenset()
    trusted_vkey: str | None = None  # None: the demo operator's key
    compare_checks: bool = True  # compare check names (SHARED_CHECKS) across verifiers
    notes: dict[str, Any] = field(default_factory=dict)


def _dump(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _other_char(c: str) -> str:
    return "A" if c != "A" else "B"


def _leaf(doc: dict[str, Any], n: int) -> bytes:
    return base64.b64decode(doc["entries"][n]["leaf"])


def _with_leaf(good: dict[str, Any], n: int, leaf: bytes) -> bytes:
    doc = json.loads(json.dumps(good))
    doc["entries"][n]["leaf"] = _b64(leaf)
    return _dump(doc)


def _signers(doc: dict[str, Any]) -> dict[int, str]:
    out = {}
    for e in doc["entries"]:
        st = json.loads(base64.b64decode(e["leaf"]))["statement"]
        out[e["index"]] = st["signer"] if st["kind"] == "event" else ""
    return out


def variants(good: DemoBundle) -> list[Variant]:
    """The corpus: the intact bundle, then every kind of tampering, each named."""
    base = good.doc()
    indices = [e["index"] for e in base["entries"]]
    out = [Variant("intact", good.document, ok=True, checkpoint_ok=True, exact=True)]
    tampered_nodes: set[int] = set()

    for n, index in enumerate(indices):
        leaf = _leaf(base, n)
        # One character of the signature changed: the entry fails (inclusion, signature);
        # a registration that fails takes the steps that depend on it along.
        at = leaf.index(b'"sig":"') + len(b'"sig":"') + 10
        sig_leaf = leaf[:at] + _other_char(chr(leaf[at])).encode() + leaf[at + 1 :]
        out.append(
            Variant(
                f"leaf-sig-char@{index}",
                _with_leaf(base, n, sig_leaf),
                ok=False,
                checkpoint_ok=True,
                must_fail=frozenset({index}),
                exact=(_signers(base)[index] != ""),
            )
        )
        # One byte in the middle of the leaf flipped: wherever it lands, entry `index` fails.
        mid = len(leaf) // 2
        flipped = leaf[:mid] + bytes([leaf[mid] ^ 0x01]) + leaf[mid + 1 :]
        out.append(
            Variant(
                f"leaf-mid-byte@{index}",
                _with_leaf(base, n, flipped),
                ok=False,
                checkpoint_ok=True,
                must_fail=frozenset({index}),
                exact=(_signers(base)[index] != ""),
                compare_checks=False,
            )
        )
        # A proof hash (a node) with one byte changed: the inclusion of every entry whose
        # proof uses that node fails, and only theirs. The nodes of every element of the
        # last entry's proof, of the first and the last of the others' (the corpus runs in
        # three verifiers, one of them a browser); each node once.
        proof = base["entries"][n]["proof"]
        for k, node in enumerate(proof):
            if (n != len(indices) - 1 and k not in (0, len(proof) - 1)) or node in tampered_nodes:
                continue
            tampered_nodes.add(node)
            raw = bytearray(base64.b64decode(base["nodes"][node]))
            raw[3] ^= 0x80
            doc = json.loads(good.document)
            doc["nodes"][node] = _b64(bytes(raw))
            users = users_of(base, node)
            out.append(
                Variant(
                    f"node[{node}]=proof[{k}]@{index}",
                    _dump(doc),
                    ok=False,
                    checkpoint_ok=True,
                    must_fail=users,
                    exact=all(_signers(base)[i] for i in users),
                    notes={"node": node, "users": sorted(users)},
                )
            )

    note = base["checkpoint"]
    origin, size, root, _blank, sig_line, _end = note.split("\n")
    for name, lines in (
        ("checkpoint-root", [origin, size, _other_char(root[0]) + root[1:]]),
        ("checkpoint-size-minus-1", [origin, str(int(size) - 1), root]),
        ("checkpoint-size-plus-1", [origin, str(int(size) + 1), root]),
        (
            "checkpoint-signature",
            [origin, size, root, "", sig_line[:-6] + _other_char(sig_line[-6]) + sig_line[-5:]],
        ),
        ("checkpoint-unsigned", [origin, size, root, ""]),
    ):
        doc = dict(base)
        doc["checkpoint"] = (
            "\n".join(lines + ([] if name == "checkpoint-signature" else ["", sig_line])) + "\n"
        )
        if name == "checkpoint-unsigned":
            doc["checkpoint"] = f"{origin}\n{size}\n{root}\n\n"
        out.append(
            Variant(
                name,
                _dump(doc),
                ok=False,
                checkpoint_ok=False,
                bundle_checks=frozenset({"checkpoint_signature"}),
            )
        )

    doc = dict(base, verifier_key=OTHER_VKEY)
    out.append(
        Variant(
            "bundle-names-other-key",
            _dump(doc),
            ok=False,
            checkpoint_ok=False,
            bundle_checks=frozenset({"operator_key"}),
        )
    )
    out.append(
        Variant(
            "trusted-key-is-another",
            good.document,
            ok=False,
            checkpoint_ok=False,
            bundle_checks=frozenset({"operator_key"}),
            trusted_vkey=OTHER_VKEY,
        )
    )

    signers = _signers(base)
    by_kind = {}
    for e in base["entries"]:
        entry = json.loads(base64.b64decode(e["leaf"]))
        by_kind.setdefault(entry["statement"]["kind"], []).append((e["index"], entry))
    key_entry = next(
        i for i, e in by_kind["key"] if e["statement"]["payload"]["actor"] == "fresh-mart-sh"
    )
    key_pk = next(
        e["statement"]["payload"]["public_key"] for i, e in by_kind["key"] if i == key_entry
    )
    signed_by_key = frozenset(i for i, s in signers.items() if s and s == _key_id(key_pk))
    actor_entry = key_entry - 1
    out.append(
        Variant(
            "drop-key-registration",
            _drop(base, {key_entry}),
            ok=False,
            checkpoint_ok=True,
            must_fail=signed_by_key,
            exact=True,
        )
    )
    out.append(
        Variant(
            "drop-actor-registration",
            _drop(base, {actor_entry}),
            ok=False,
            checkpoint_ok=True,
            must_fail=signed_by_key | {key_entry},
            exact=True,
        )
    )
    steps = [i for i, s in signers.items() if s]
    out.append(
        Variant("drop-a-step", _drop(base, {steps[0]}), ok=True, checkpoint_ok=True, exact=True)
    )
    out.append(
        Variant(
            "drop-genesis",
            _drop(base, {0}),
            ok=False,
            checkpoint_ok=True,
            exact=True,
            bundle_checks=frozenset({"genesis"}),
        )
    )

    doc = json.loads(good.document)
    proofs = _proofs(doc)
    doc["entries"][13], doc["entries"][14] = doc["entries"][14], doc["entries"][13]
    proofs[13], proofs[14] = proofs[14], proofs[13]
    out.append(
        Variant(
            "entries-reordered",
            _dump(_renumber(doc, proofs)),
            ok=False,
            checkpoint_ok=False,
            bundle_checks=frozenset({"bundle"}),
        )
    )
    out += _node_variants(base, indices, _signers(base))

    text = good.document.decode("utf-8")
    dup = text.replace(
        '"format":"traceledger-bundle",',
        '"format":"traceledger-bundle","format":"traceledger-bundle",',
        1,
    )
    out.append(
        Variant(
            "duplicate-member-in-bundle",
            dup.encode("utf-8"),
            ok=False,
            checkpoint_ok=False,
            bundle_checks=frozenset({"bundle"}),
        )
    )
    target = steps[-2]
    n = indices.index(target)
    head = b'"index":%d,' % target
    dup_leaf = _leaf(base, n).replace(head, head + head, 1)
    out.append(
        Variant(
            f"duplicate-member-in-leaf@{target}",
            _with_leaf(base, n, dup_leaf),
            ok=False,
            checkpoint_ok=True,
            must_fail=frozenset({target}),
            exact=True,
        )
    )

    doc = dict(base, subject="https://id.gs1.org/01/06901234000122/21/999999")
    out.append(
        Variant(
            "subject-named-by-no-event",
            _dump(doc),
            ok=False,
            checkpoint_ok=True,
            exact=True,
            bundle_checks=frozenset({"subject"}),
        )
    )
    return out


def _key_id(public_key_b64: str) -> str:
    import hashlib

    return hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()[:32]


def _drop(base: dict[str, Any], indices: set[int]) -> bytes:
    doc = json.loads(json.dumps(base))
    keep = [n for n, e in enumerate(base["entries"]) if e["index"] not in indices]
    proofs = _proofs(base)
    doc["entries"] = [doc["entries"][n] for n in keep]
    return _dump(_renumber(doc, [proofs[n] for n in keep]))


def users_of(doc: dict[str, Any], node: int) -> frozenset[int]:
    """The indices of the entries whose proofs use ``nodes[node]``."""
    return frozenset(e["index"] for e in doc["entries"] if node in e["proof"])


def _proofs(doc: dict[str, Any]) -> list[list[str]]:
    """Every entry's proof as its base64 hashes, in document order."""
    return [[doc["nodes"][p] for p in e["proof"]] for e in doc["entries"]]


def _renumber(
    doc: dict[str, Any], proofs: list[list[str]], fresh: frozenset[tuple[int, int]] = frozenset()
) -> dict[str, Any]:
    """``doc`` with ``nodes`` and every proof rewritten from ``proofs`` as FORMAT.md 9.1
    numbers them (order of first use in document order); the hash at each (entry, k) in
    ``fresh`` gets a node of its own even if another node holds the same hash."""
    nodes: list[str] = []
    position: dict[str, int] = {}
    for n, (entry, proof) in enumerate(zip(doc["entries"], proofs, strict=True)):
        numbers = []
        for k, h in enumerate(proof):
            if (n, k) in fresh:
                nodes.append(h)
                numbers.append(len(nodes) - 1)
                continue
            if h not in position:
                position[h] = len(nodes)
                nodes.append(h)
            numbers.append(position[h])
        entry["proof"] = numbers
    doc["nodes"] = nodes
    return doc


_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _pad_bit_set(text: str) -> str:
    """The base64 of 32 bytes with a padding bit flipped: the same bytes, not canonical."""
    last = _B64_ALPHABET.index(text[42])
    return text[:42] + _B64_ALPHABET[last ^ 1] + text[43:]


def _node_variants(
    base: dict[str, Any], indices: list[int], signers: dict[int, str]
) -> list[Variant]:
    """The ways ``nodes`` and the proofs' node numbers can be malformed (FORMAT.md 9.1),
    and a proof that names the wrong node."""
    out = []

    def shape(name: str, doc: dict[str, Any], reason: str = "") -> None:
        out.append(
            Variant(
                name,
                _dump(doc),
                ok=False,
                checkpoint_ok=False,
                bundle_checks=frozenset({"bundle"}),
                notes={"reason": reason} if reason else {},
            )
        )

    def edited(edit: Any) -> dict[str, Any]:
        doc = json.loads(json.dumps(base))
        edit(doc)
        return doc

    last = len(indices) - 1
    count = len(base["nodes"])

    def set_proof(value: Any, at: int | None = 0) -> dict[str, Any]:
        def edit(d: dict[str, Any]) -> None:
            if at is None:
                d["entries"][last]["proof"] = value
            else:
                d["entries"][last]["proof"][at] = value

        return edited(edit)

    def set_nodes(value: Any) -> dict[str, Any]:
        return edited(lambda d: d.__setitem__("nodes", value))

    for name, value in (
        ("string", "0"),
        ("fraction", 0.5),
        ("negative", -1),
        ("true", True),
        ("null", None),
        ("out-of-range", count),
        ("far-out-of-range", 2**53),
    ):
        shape(f"proof-number-{name}", set_proof(value), "must be the number of one of the")
    shape("proof-65-numbers", set_proof([0] * 65, at=None), "at most 64")
    shape("proof-not-a-list", set_proof(0, at=None))
    shape("nodes-missing", edited(lambda d: d.pop("nodes")))
    shape("nodes-not-a-list", set_nodes({}))
    shape("nodes-too-many", set_nodes(base["nodes"][:1] * (64 * 2000 + 1)))
    # Not canonical base64 of 32 bytes (pad-bits-set: the same bytes, another spelling).
    node = base64.b64decode(base["nodes"][0])
    for name, text in (
        ("31-bytes", _b64(node[:31])),
        ("33-bytes", _b64(node + b"\0")),
        ("hex", node.hex()),
        ("not-base64", "!" + base["nodes"][0][1:]),
        ("unpadded", base["nodes"][0].rstrip("=")),
        ("number", 0),
        ("pad-bits-set", _pad_bit_set(base["nodes"][0])),
    ):
        shape(f"node-{name}", edited(lambda d, t=text: d["nodes"].__setitem__(0, t)))
    # Every proof still leads to its root; only a rule about nodes is broken.
    shape("node-unused", set_nodes([*base["nodes"], _b64(bytes(range(32)))]), "used by no proof")
    proofs = _proofs(base)
    first_use: dict[str, tuple[int, int]] = {}
    for n, proof in enumerate(proofs):
        for k, h in enumerate(proof):
            first_use.setdefault(h, (n, k))
    # One occurrence (not a first use) of a hash gets a node of its own, at its place.
    n, k = next(
        (n, k)
        for n in range(last, -1, -1)
        for k, h in enumerate(proofs[n])
        if first_use[h] != (n, k)
    )
    twice = _renumber(json.loads(json.dumps(base)), proofs, fresh=frozenset({(n, k)}))
    shape("node-duplicate", twice, "the same hash twice")

    def swap_first_two(d: dict[str, Any]) -> None:
        d["nodes"][0], d["nodes"][1] = d["nodes"][1], d["nodes"][0]
        for e in d["entries"]:
            e["proof"] = [{0: 1, 1: 0}.get(p, p) for p in e["proof"]]

    shape("nodes-not-in-order-of-first-use", edited(swap_first_two), "order of first use")
    # A proof naming one node twice where it should name two: that entry alone is not
    # proven (the node it should have named is still used by an earlier entry).
    n = next(
        n
        for n in range(last, -1, -1)
        if any(first_use[h] != (n, k) for k, h in enumerate(proofs[n]) if k)
    )
    k = max(k for k, h in enumerate(proofs[n]) if k and first_use[h] != (n, k))
    doc = json.loads(json.dumps(base))
    doc["entries"][n]["proof"][k] = doc["entries"][n]["proof"][k - 1]
    out.append(
        Variant(
            f"proof-number-repeated@{indices[n]}",
            _dump(doc),
            ok=False,
            checkpoint_ok=True,
            must_fail=frozenset({indices[n]}),
            exact=bool(signers[indices[n]]),
        )
    )
    return out


def summary(
    ok: bool, checkpoint_ok: bool, bundle_checks: list[str], entry_checks: dict[int, list[str]]
) -> dict[str, Any]:
    """A verdict in the terms every verifier can be compared on."""
    return {
        "ok": ok,
        "checkpoint_ok": checkpoint_ok,
        "bundle_checks": sorted(set(bundle_checks)),
        "failing": sorted(i for i, checks in entry_checks.items() if checks),
        "checks": {i: sorted(set(c) & SHARED_CHECKS) for i, c in entry_checks.items() if c},
    }


def summary_of_js(report: dict[str, Any]) -> dict[str, Any]:
    """The summary of a report from web/static/verify/bundle.js (or the script's --json)."""
    return summary(
        report["ok"],
        report["checkpoint"]["ok"],
        [f["check"] for f in report["bundleFailures"]],
        {int(i): [f["check"] for f in e["failures"]] for i, e in report["entries"].items()},
    )


def summary_of_core(report: Any) -> dict[str, Any]:
    """The summary of a ``ledger.core.bundle.BundleReport``."""
    entry_checks: dict[int, list[str]] = {}
    for f in report.failures:
        if f.index is not None:
            entry_checks.setdefault(f.index, []).append(f.check)
    return summary(
        report.ok,
        report.checkpoint is not None,
        [f.check for f in report.failures if f.index is None],
        entry_checks,
    )


def reason_problems(variant: Variant, messages: list[str]) -> list[str]:
    """Whether a variant made to break one rule of FORMAT.md 9.1 was refused for that rule
    (``messages``: the verifier's bundle failure messages)."""
    reason = variant.notes.get("reason")
    if reason and not any(reason in m for m in messages):
        return [f"refused for {messages}, not for {reason!r}"]
    return []


def expectation_problems(variant: Variant, got: dict[str, Any]) -> list[str]:
    """How a verifier's summary departs from what ``variant`` says it must be (empty: none)."""
    problems = []
    if got["ok"] != variant.ok:
        problems.append(f"ok is {got['ok']}, expected {variant.ok}")
    if got["checkpoint_ok"] != variant.checkpoint_ok:
        problems.append(
            f"checkpoint ok is {got['checkpoint_ok']}, expected {variant.checkpoint_ok}"
        )
    if set(got["bundle_checks"]) != set(variant.bundle_checks):
        problems.append(
            f"bundle checks {got['bundle_checks']}, expected {sorted(variant.bundle_checks)}"
        )
    failing = set(got["failing"])
    if variant.exact and failing != set(variant.must_fail):
        problems.append(
            f"failing indices {sorted(failing)}, expected exactly {sorted(variant.must_fail)}"
        )
    elif not variant.must_fail <= failing:
        problems.append(
            f"failing indices {sorted(failing)} lack {sorted(variant.must_fail - failing)}"
        )
    return problems


def comparable(variant: Variant, got: dict[str, Any]) -> dict[str, Any]:
    """The part of a summary all verifiers must agree on for ``variant``."""
    out = dict(got)
    if not variant.compare_checks:
        out["checks"] = {
            i: [c for c in checks if c in STRUCTURAL_CHECKS] for i, checks in got["checks"].items()
        }
    return out


# Names fixed by the bytes alone, whatever byte was changed (the rest depends on which
# rule a verifier meets first, and the log and full checks have different rule books).
STRUCTURAL_CHECKS = frozenset({"inclusion", "canonical_bytes", "entry_shape", "index"})
