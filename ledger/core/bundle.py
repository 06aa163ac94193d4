"""Proof bundles (FORMAT.md section 9): one product's lineage, provable offline.

A bundle carries the exact bytes of every entry in the journey and of the registrations
behind their signers, an RFC 9162 inclusion proof for each against one signed checkpoint,
that checkpoint, and the operator's verifier key. Nearby entries share most of their audit
paths, so each proof hash is written once, in the bundle's ``nodes``, and a proof is a list
of positions in it. ``verify_bundle`` is a pure function of
the bundle's bytes and the operator key the verifier trusts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger.core.canonical import parse_json
from ledger.core.checkpoint import Checkpoint, parse_checkpoint
from ledger.core.entries import Entry, parse_entry
from ledger.core.errors import LedgerError, MalformedError
from ledger.core.hashing import HASH_SIZE, leaf_hash
from ledger.core.merkle import verify_inclusion
from ledger.core.note import NoteVerifier, open_note
from ledger.core.registry import Genesis, Registry, admit
from ledger.core.signing import b64decode, b64encode
from ledger.core.timefmt import parse_entry_time
from ledger.core.verify import Failure, check_name

BUNDLE_FORMAT = "traceledger-bundle"
BUNDLE_VERSION = 1
BUNDLE_MEMBERS = frozenset(
    {"format", "v", "subject", "verifier_key", "checkpoint", "nodes", "entries"}
)
ENTRY_MEMBERS = frozenset({"index", "leaf", "proof"})
MAX_BUNDLE_ENTRIES = 2000
MAX_PROOF_LENGTH = 64
MAX_BUNDLE_NODES = MAX_PROOF_LENGTH * MAX_BUNDLE_ENTRIES


@dataclass(frozen=True)
class BundleEntry:
    """One entry of a bundle: its index, exact bytes and inclusion proof (the hashes
    themselves, audit-path order; the document writes them as positions in ``nodes``)."""

    index: int
    leaf: bytes
    proof: tuple[bytes, ...]


def bundle_json(
    subject: str, verifier_key: str, checkpoint_note: str, entries: Sequence[BundleEntry]
) -> bytes:
    """The bundle document's bytes (compact JSON; entries in index order; every distinct
    proof hash once in ``nodes``, in order of first use, FORMAT.md 9.1)."""
    ordered = sorted(entries, key=lambda e: e.index)
    position: dict[bytes, int] = {}
    for e in ordered:
        for h in e.proof:
            position.setdefault(h, len(position))
    doc = {
        "format": BUNDLE_FORMAT,
        "v": BUNDLE_VERSION,
        "subject": subject,
        "verifier_key": verifier_key,
        "checkpoint": checkpoint_note,
        "nodes": [b64encode(h) for h in position],
        "entries": [
            {"index": e.index, "leaf": b64encode(e.leaf), "proof": [position[h] for h in e.proof]}
            for e in ordered
        ],
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class BundleReport:
    """What a bundle proves: the checkpoint, then every entry, each with its failures."""

    subject: str = ""
    checkpoint: Checkpoint | None = None
    entries: list[Entry] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and self.checkpoint is not None

    def failures_at(self, index: int) -> list[Failure]:
        """The failures of the entry at log index ``index``."""
        return [f for f in self.failures if f.index == index]


def _fail(
    report: BundleReport,
    index: int | None,
    check: str,
    message: str,
    expected: int | None = None,
    computed: int | None = None,
) -> BundleReport:
    report.failures.append(Failure(index, check, message, expected, computed))
    return report


def _fail_with(report: BundleReport, index: int | None, check: str, error: LedgerError) -> None:
    report.failures.append(Failure.of_error(index, check, error))


def _parse_nodes(raw: object) -> list[bytes]:
    if not isinstance(raw, list) or len(raw) > MAX_BUNDLE_NODES:
        raise MalformedError(
            f"nodes must be a list of at most {MAX_BUNDLE_NODES} hashes", code="bad_bundle"
        )
    nodes: list[bytes] = []
    for k, h in enumerate(raw):
        if not isinstance(h, str):
            raise MalformedError(f"nodes[{k}] must be base64 text", code="bad_bundle")
        nodes.append(b64decode(h, field=f"nodes[{k}]", size=HASH_SIZE))
    if len(set(nodes)) != len(nodes):
        raise MalformedError("nodes must not hold the same hash twice", code="bad_bundle")
    return nodes


def _parse_entries(raw: object, nodes: list[bytes]) -> list[BundleEntry]:
    if not isinstance(raw, list) or not raw or len(raw) > MAX_BUNDLE_ENTRIES:
        raise MalformedError(
            f"entries must be a list of 1 to {MAX_BUNDLE_ENTRIES} entries", code="bad_bundle"
        )
    out: list[BundleEntry] = []
    first_unused = 0  # nodes are numbered in order of first use (FORMAT.md 9.1)
    for n, item in enumerate(raw):
        where = f"entries[{n}]"
        if not isinstance(item, dict) or item.keys() != ENTRY_MEMBERS:
            raise MalformedError(
                f"{where} must have exactly the members index, leaf, proof", code="bad_bundle"
            )
        index, proof = item["index"], item["proof"]
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise MalformedError(f"{where}.index must be a non-negative integer", code="bad_bundle")
        if out and index <= out[-1].index:
            raise MalformedError(
                f"{where}: entries must be in increasing index order, each once", code="bad_bundle"
            )
        if not isinstance(proof, list) or len(proof) > MAX_PROOF_LENGTH:
            raise MalformedError(
                f"{where}.proof must be a list of at most {MAX_PROOF_LENGTH} node numbers",
                code="bad_bundle",
            )
        leaf = (
            b64decode(item["leaf"], field=f"{where}.leaf")
            if isinstance(item["leaf"], str)
            else None
        )
        if leaf is None:
            raise MalformedError(f"{where}.leaf must be base64 text", code="bad_bundle")
        hashes = []
        for k, p in enumerate(proof):
            if not isinstance(p, int) or isinstance(p, bool) or not 0 <= p < len(nodes):
                raise MalformedError(
                    f"{where}.proof[{k}] must be the number of one of the {len(nodes)} nodes",
                    code="bad_bundle",
                )
            if p > first_unused:
                raise MalformedError(
                    f"{where}.proof[{k}]: nodes must be listed in order of first use",
                    code="bad_bundle",
                )
            if p == first_unused:
                first_unused += 1
            hashes.append(nodes[p])
        out.append(BundleEntry(index, leaf, tuple(hashes)))
    if first_unused != len(nodes):
        raise MalformedError(f"nodes[{first_unused}] is used by no proof", code="bad_bundle")
    return out


def verify_bundle(data: bytes, operator: NoteVerifier) -> BundleReport:
    """Check a bundle against the operator's verifier key; name every entry that fails.

    Entries are checked in index order against a registry built only from the bundle's
    own registration entries, so an event passes only if the bundle proves who signed it.
    """
    report = BundleReport()
    try:
        doc = parse_json(data)
        if not isinstance(doc, dict) or doc.keys() != BUNDLE_MEMBERS:
            raise MalformedError(
                "a bundle has exactly the members " + ", ".join(sorted(BUNDLE_MEMBERS)),
                code="bad_bundle",
            )
        if doc["format"] != BUNDLE_FORMAT or doc["v"] != BUNDLE_VERSION:
            raise MalformedError(
                f"not a {BUNDLE_FORMAT} version {BUNDLE_VERSION} document", code="bad_bundle"
            )
        for name in ("subject", "verifier_key", "checkpoint"):
            if not isinstance(doc[name], str):
                raise MalformedError(f"{name} must be text", code="bad_bundle")
        entries = _parse_entries(doc["entries"], _parse_nodes(doc["nodes"]))
    except LedgerError as exc:
        _fail_with(report, None, "bundle", exc)
        return report
    report.subject = doc["subject"]

    if doc["verifier_key"] != operator.vkey:
        return _fail(
            report,
            None,
            "operator_key",
            "the bundle names another operator key than the one trusted",
        )
    try:
        checkpoint = parse_checkpoint(open_note(doc["checkpoint"], [operator]).text)
    except LedgerError as exc:
        _fail_with(report, None, "checkpoint_signature", exc)
        return report
    if checkpoint.origin != operator.name:
        return _fail(
            report,
            None,
            "checkpoint_origin",
            f"the checkpoint's origin {checkpoint.origin!r} is not this log's",
        )
    report.checkpoint = checkpoint

    # As in a full audit, the operator key the verifier trusts stands for the genesis
    # entry, so one damaged entry is blamed alone; the genesis entry is still checked.
    registry = Registry()
    registry.apply(Genesis(operator.name, operator.public_key, ""))
    if entries[0].index != 0:
        _fail(report, None, "genesis", "the bundle lacks the log's genesis entry (index 0)")
    for item in entries:
        _check_entry(report, registry, item, checkpoint, operator)
    _check_subject(report)
    return report


def _check_entry(
    report: BundleReport,
    registry: Registry,
    item: BundleEntry,
    checkpoint: Checkpoint,
    operator: NoteVerifier,
) -> None:
    index = item.index
    if index >= checkpoint.size:
        _fail(
            report,
            index,
            "inclusion",
            f"entry {index} is beyond the checkpoint's {checkpoint.size} entries",
        )
    else:
        try:
            verify_inclusion(
                index, checkpoint.size, leaf_hash(item.leaf), item.proof, checkpoint.root
            )
        except LedgerError as exc:
            _fail_with(report, index, "inclusion", exc)
    try:
        entry = parse_entry(item.leaf)
    except LedgerError as exc:
        _fail_with(
            report, index, "canonical_bytes" if exc.code == "not_canonical" else "entry_shape", exc
        )
        return
    if entry.index != index:
        _fail(
            report,
            index,
            "index",
            f"the entry says index {entry.index}, the bundle {index}",
            entry.index,
            index,
        )
        return
    report.entries.append(entry)
    try:
        admission = admit(
            entry.statement,
            index=index,
            time=parse_entry_time(entry.time, field="time"),
            view=registry,
        )
    except LedgerError as exc:
        _fail_with(report, index, check_name(exc), exc)
        return
    if isinstance(admission, Genesis) and (
        admission.operator_key != operator.public_key or admission.origin != operator.name
    ):
        _fail(report, index, "genesis", "the genesis entry names another operator key or origin")
    if not report.failures_at(index) and not isinstance(admission, Genesis):
        registry.apply(admission)


_LOT_SEGMENT = re.compile(r"/10/[^/]+(?=/21/)")
_ID_MEMBERS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_CLASS_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


def mentioned_ids(payload: dict[str, Any]) -> set[str]:
    """The identifiers an event payload names (FORMAT.md 9.2 step 6): instance IDs, a unit
    written with its lot as both the unit (lot segment removed) and that lot; parentID; and
    the epcClass of every quantity element."""
    found: set[str] = set()
    for name in _ID_MEMBERS:
        for value in payload.get(name) or ():
            if isinstance(value, str):
                found.update(_instance_names(value))
    if isinstance(payload.get("parentID"), str):
        found.add(payload["parentID"])
    for name in _CLASS_LISTS:
        for element in payload.get(name) or ():
            if isinstance(element, dict) and isinstance(element.get("epcClass"), str):
                found.add(element["epcClass"])
    return found


def _instance_names(value: str) -> tuple[str, ...]:
    # A unit is keyed without its lot, but the lot it was written with is named too: an
    # event that makes or moves the bags of a lot is about that lot (FORMAT.md 9.2).
    lot = _LOT_SEGMENT.search(value)
    if lot is None:
        return (value,)
    return (value[: lot.start()] + value[lot.end() :], value[: lot.end()])


def _check_subject(report: BundleReport) -> None:
    events = [e for e in report.entries if e.statement.kind == "event"]
    if not any(report.subject in mentioned_ids(e.statement.payload) for e in events):
        _fail(report, None, "subject", f"no event in the bundle names {report.subject}")
