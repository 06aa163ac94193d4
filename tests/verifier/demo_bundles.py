"""The demo ledger's proof bundle of one bag of rice (FORMAT.md 9), for the tests of the
script's and the browser's bundle verifiers and of the scan page. Tampered bundles are the
committed vectors in tests/vectors/traceledger/tamper/bundle/ (tests/tamper_gen.py)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.core.gs1 import parse_identifier
from ledger.core.note import NoteVerifier
from ledger.service.bundles import build_bundle
from ledger.service.ledger import Ledger
from ledger.store.db import make_engine

SUBJECT = "https://id.gs1.org/01/06901234000122/21/100071"
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


def users_of(doc: dict[str, Any], node: int) -> frozenset[int]:
    """The indices of the entries whose proofs use ``nodes[node]``."""
    return frozenset(e["index"] for e in doc["entries"] if node in e["proof"])


# -- tampering with it, as a damaged database or a forger would --------------------------------

TRANSPORT = 128  # the sample bag's truck: a step of its lineage


def other_char(c: str) -> str:
    """Some other base64 character than ``c``."""
    return "A" if c != "A" else "B"


def _flip(b64: str, position: int) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[position] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def checkpoint_signature(doc: dict[str, Any]) -> None:
    """One character of the checkpoint's signature line changed."""
    lines = doc["checkpoint"].split("\n")
    lines[4] = lines[4][:-6] + other_char(lines[4][-6]) + lines[4][-5:]
    doc["checkpoint"] = "\n".join(lines)


def checkpoint_root(doc: dict[str, Any]) -> None:
    """One character of the checkpoint's root changed (so its signature fails too)."""
    lines = doc["checkpoint"].split("\n")
    lines[2] = other_char(lines[2][0]) + lines[2][1:]
    doc["checkpoint"] = "\n".join(lines)


def other_key(doc: dict[str, Any]) -> None:
    """The bundle names another log's verifier key."""
    doc["verifier_key"] = OTHER_VKEY


def one_entry(doc: dict[str, Any]) -> None:
    """One bit of the truck step's entry flipped."""
    entry = next(e for e in doc["entries"] if e["index"] == TRANSPORT)
    entry["leaf"] = _flip(entry["leaf"], 300)


def one_node(doc: dict[str, Any]) -> None:
    """One bit of the first node of the truck step's inclusion proof flipped."""
    node = next(e for e in doc["entries"] if e["index"] == TRANSPORT)["proof"][0]
    doc["nodes"][node] = _flip(doc["nodes"][node], 0)
