"""Log entries: a statement wrapped with its index, the previous entry hash and the
sequencer's time (FORMAT.md section 4). The entry bytes are the Merkle leaves."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ledger.core.canonical import canonical_bytes, parse_json
from ledger.core.errors import MalformedError
from ledger.core.hashing import HASH_SIZE, leaf_hash
from ledger.core.statements import Statement, parse_statement
from ledger.core.timefmt import parse_entry_time

ENTRY_VERSION = 1
ENTRY_MEMBERS = frozenset({"index", "prev", "statement", "time", "v"})
GENESIS_PREV = bytes(HASH_SIZE)
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Entry:
    """One log entry and its exact bytes. ``hash`` is the RFC 9162 leaf hash of ``raw``."""

    index: int
    prev: bytes
    statement: Statement
    time: str
    raw: bytes = field(repr=False)
    hash: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hash", leaf_hash(self.raw))


def make_entry(index: int, prev: bytes, statement: Statement, time: str) -> Entry:
    """Sequence a statement: build the entry's canonical bytes."""
    # JCS by construction: the members are already in sorted order (index < prev <
    # statement < time < v), the statement is canonical and the other values need no
    # escaping. tests/core/test_entries.py checks this against the general serialiser.
    raw = b'{"index":%d,"prev":"%s","statement":%s,"time":"%s","v":%d}' % (
        index,
        prev.hex().encode("ascii"),
        statement.canonical(),
        time.encode("ascii"),
        ENTRY_VERSION,
    )
    return Entry(index, prev, statement, time, raw)


def parse_entry(raw: bytes) -> Entry:
    """Parse entry bytes, checking they are canonical and well-formed (not signatures or rules)."""
    obj = parse_json(raw)
    if not isinstance(obj, dict):
        raise MalformedError("an entry must be a JSON object", code="bad_entry")
    if obj.keys() != ENTRY_MEMBERS:
        raise MalformedError(
            f"an entry has exactly the members {', '.join(sorted(ENTRY_MEMBERS))}", code="bad_entry"
        )
    if canonical_bytes(obj) != raw:
        raise MalformedError(
            "the entry bytes are not in canonical (RFC 8785) form", code="not_canonical"
        )
    index, prev, version, time = obj["index"], obj["prev"], obj["v"], obj["time"]
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise MalformedError(
            "an entry's index is a non-negative integer", code="bad_entry", field="index"
        )
    if version != ENTRY_VERSION or isinstance(version, bool):
        raise MalformedError(f"unsupported entry version {version!r}", code="bad_entry", field="v")
    if not isinstance(prev, str) or not _HEX64.fullmatch(prev):
        raise MalformedError(
            "an entry's prev is 64 lowercase hex digits", code="bad_entry", field="prev"
        )
    parse_entry_time(time, field="time")
    return Entry(index, bytes.fromhex(prev), parse_statement(obj["statement"]), time, raw)
