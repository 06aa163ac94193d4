"""Reproducible export files for the verifier's tests, built with the library (ledger.core).

FORMAT.md section 8: a header line, every entry (base64 of its JCS bytes) and every signed
checkpoint, the latter directly after the entry that brings the log to its size.

Keys are fixed (tests.support.fixed: the seed is SHA-256 of a label) and so is the clock
(one second per entry from START, which is earlier than tests.support.fixed's to suit the
samples' dates), so every build is byte-for-byte the same. `build()` makes a small log with
the Wuchang rice chain of docs/EVENTS.md: the genesis, six actors, a key each, fifteen events,
a revocation, a replacement key and one more event; `build_big()` writes a long one for
speed and memory measurements.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ledger import samples as ex
from ledger.core.canonical import canonical_bytes
from ledger.core.checkpoint import Checkpoint
from ledger.core.entries import GENESIS_PREV, make_entry
from ledger.core.hashing import leaf_hash
from ledger.core.merkle import Frontier
from ledger.core.note import NoteSigner
from ledger.core.signing import SigningKey, b64encode
from ledger.core.statements import Statement, sign_statement
from ledger.core.timefmt import format_time
from tests.support.fixed import ORIGIN, fixed_key

START = datetime(2024, 11, 1, 0, 0, tzinfo=UTC)


def clock_time(i: int) -> str:
    """The fixed clock: entry i is sequenced at START + i seconds."""
    return format_time(START + timedelta(seconds=i))


@dataclass
class Fixture:
    origin: str
    operator: SigningKey
    signer: NoteSigner
    vkey: str
    leaves: list[bytes]
    checkpoints: list[tuple[int, str]]  # (tree size, signed note) in signing order
    keys: dict[str, SigningKey] = field(default_factory=dict)
    at: dict[str, int] = field(default_factory=dict)  # names of interesting entries -> index

    def sign_checkpoint(self, size: int, root: bytes, origin: str | None = None) -> str:
        return self.signer.sign(Checkpoint(origin or self.origin, size, root).text())

    def lines(
        self,
        leaves: list[bytes] | None = None,
        checkpoints: list[tuple[int, str]] | None = None,
        *,
        header: dict[str, Any] | None = None,
        tree_size: int | None = None,
        indexes: list[int] | None = None,
    ) -> list[str]:
        """The export's lines. Checkpoints go after the entry that brings the log to their
        size (or, with tampered lists, after the position with that count)."""
        leaves = self.leaves if leaves is None else leaves
        checkpoints = self.checkpoints if checkpoints is None else checkpoints
        head = {
            "type": "header",
            "format": "traceledger-export",
            "v": 1,
            "origin": self.origin,
            "verifier_key": self.vkey,
            "tree_size": len(leaves) if tree_size is None else tree_size,
        }
        if header:
            head.update(header)
        out = [_line(head)]
        by_size: dict[int, list[str]] = {}
        for size, note in checkpoints:
            by_size.setdefault(size, []).append(note)
        for note in by_size.get(0, []):
            out.append(_line({"type": "checkpoint", "note": note}))
        for pos, leaf in enumerate(leaves):
            idx = indexes[pos] if indexes is not None else _leaf_index(leaf, pos)
            out.append(_line({"type": "entry", "index": idx, "leaf": b64encode(leaf)}))
            for note in by_size.get(pos + 1, []):
                out.append(_line({"type": "checkpoint", "note": note}))
        return out

    def write(self, path: Path, lines: list[str] | None = None, **kw: Any) -> Path:
        path.write_text("".join(self.lines(**kw) if lines is None else lines), encoding="utf-8")
        return path


def _leaf_index(leaf: bytes, pos: int) -> int:
    try:
        idx = json.loads(leaf)["index"]
        return idx if isinstance(idx, int) else pos
    except Exception:  # noqa: BLE001 - deliberately broken leaves
        return pos


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def root_of_leaves(leaves: Iterable[bytes]) -> bytes:
    f = Frontier()
    for leaf in leaves:
        f.append(leaf_hash(leaf))
    return f.root()


class LogBuilder:
    """Sequences statements into entries (hash chain, fixed clock) and signs checkpoints."""

    def __init__(self, origin: str = ORIGIN, operator_label: str = "operator") -> None:
        self.origin = origin
        self.operator = fixed_key(operator_label)
        self.signer = NoteSigner(origin, self.operator)
        self.leaves: list[bytes] = []
        self.prev = GENESIS_PREV
        self.frontier = Frontier()
        self.checkpoints: list[tuple[int, str]] = []
        self.keys: dict[str, SigningKey] = {}
        self.at: dict[str, int] = {}

    def now(self) -> str:
        return clock_time(len(self.leaves))

    def append(
        self, kind: str, payload: dict[str, Any], key: SigningKey, name: str | None = None
    ) -> int:
        index = self.sequence(sign_statement(kind, payload, key))
        if name:
            self.at[name] = index
        return index

    def sequence(self, statement: Statement) -> int:
        """Append an entry for an already signed statement; its index."""
        index = len(self.leaves)
        entry = make_entry(index, self.prev, statement, self.now())
        self.leaves.append(entry.raw)
        self.prev = entry.hash
        self.frontier.append(entry.hash)
        return index

    def checkpoint(self) -> None:
        size = len(self.leaves)
        note = self.signer.sign(Checkpoint(self.origin, size, self.frontier.root()).text())
        self.checkpoints.append((size, note))

    def genesis(self) -> None:
        self.append(
            "genesis",
            {
                "origin": self.origin,
                "operator_key": self.operator.public_key.b64,
                "created": self.now(),
            },
            self.operator,
            "genesis",
        )

    def actor(self, actor: str, details: dict[str, Any]) -> None:
        self.append("actor", {"actor": actor, **details}, self.operator, f"actor:{actor}")

    def add_key(self, actor: str, key: SigningKey, name: str | None = None) -> None:
        self.append(
            "key",
            {"actor": actor, "public_key": key.public_key.b64},
            self.operator,
            name or f"key:{actor}",
        )

    def fixture(self) -> Fixture:
        return Fixture(
            self.origin,
            self.operator,
            self.signer,
            self.signer.verifier.vkey,
            list(self.leaves),
            list(self.checkpoints),
            dict(self.keys),
            dict(self.at),
        )


def build(checkpoint_every: int = 4) -> Fixture:
    """The small scenario log (31 entries) with checkpoints at size 0, every few entries and
    at the end."""
    b = LogBuilder()
    step = [0]

    def tick() -> None:
        step[0] += 1
        if step[0] % checkpoint_every == 0:
            b.checkpoint()

    b.checkpoint()  # size 0, right after the header
    b.genesis()
    tick()
    for actor, details in ex.ACTORS.items():
        b.actor(actor, details)
        tick()
    for actor in ex.ACTORS:
        key = fixed_key(f"actor:{actor}")
        b.keys[actor] = key
        b.add_key(actor, key)
        tick()
    first_event = None
    for n, (actor, payload) in enumerate(ex.wuchang_chain()):
        i = b.append("event", payload, b.keys[actor], f"event:{n}:{payload['bizStep']}")
        if first_event is None:
            first_event = i
        tick()
    # The farm's key is revoked (with effect now) and replaced; it goes on with the new one.
    old = b.keys["wuchang-coop"]
    b.append(
        "revoke",
        {
            "actor": "wuchang-coop",
            "key_id": old.public_key.key_id,
            "effective": b.now(),
            "reason": "key replaced after a phone was lost",
        },
        b.operator,
        "revoke",
    )
    tick()
    new = fixed_key("actor:wuchang-coop:2")
    b.keys["wuchang-coop:old"] = old
    b.keys["wuchang-coop"] = new
    b.add_key("wuchang-coop", new, "key2:wuchang-coop")
    tick()
    b.append(
        "event",
        ex.sowing(time="2024-10-31T08:00:00+08:00", eid=ex.event_id("sowing-2"), plot="plot-08"),
        new,
        "event:last",
    )
    if not b.checkpoints or b.checkpoints[-1][0] != len(b.leaves):
        b.checkpoint()
    b.at["first_event"] = first_event or 0
    return b.fixture()


# -- tampering helpers ------------------------------------------------------------------------


def entry_obj(leaf: bytes) -> dict[str, Any]:
    return json.loads(leaf)


def mutate(leaf: bytes, fn: Callable[[dict[str, Any]], None]) -> bytes:
    """Change a parsed entry and re-canonicalise it (so the bytes stay canonical)."""
    obj = entry_obj(leaf)
    fn(obj)
    return canonical_bytes(obj)


def flip_char(s: str, pos: int | None = None) -> str:
    """Change one character of a string to another of the same class (digit, hex, letter)."""
    if not s:
        return "x"
    i = len(s) // 2 if pos is None else pos
    c = s[i]
    if c.isdigit():
        r = str((int(c) + 1) % 10)
    elif c in "abcdef":
        r = "0" if c != "0" else "1"
    elif c.isascii() and c.isalpha():
        r = "b" if c != "b" else "c"
    else:
        r = "Z" if c != "Z" else "Y"
    return s[:i] + r + s[i + 1 :]


def relink(leaves: list[bytes]) -> list[bytes]:
    """Rewrite prev and index of every entry so the chain is whole again (a rewritten history)."""
    out = []
    prev = GENESIS_PREV
    for i, leaf in enumerate(leaves):
        obj = entry_obj(leaf)
        obj["prev"] = prev.hex()
        obj["index"] = i
        raw = canonical_bytes(obj)
        out.append(raw)
        prev = leaf_hash(raw)
    return out


def build_big(path: Path, n_events: int, checkpoint_every: int = 1000) -> Fixture:
    """A long log for speed and memory tests: the genesis, two actors with a key each, and
    n_events events alternating between them (entries of about 0.8 to 1.3 kB with floats
    and Chinese text), a checkpoint every `checkpoint_every` entries and at the end.
    Written as it is built, in flat memory."""
    b = LogBuilder()
    farm, carrier = fixed_key("big:farm"), fixed_key("big:carrier")
    total = 5 + n_events
    with path.open("w", encoding="utf-8") as out:
        out.write(
            _line(
                {
                    "type": "header",
                    "format": "traceledger-export",
                    "v": 1,
                    "origin": b.origin,
                    "verifier_key": b.signer.verifier.vkey,
                    "tree_size": total,
                }
            )
        )

        def emit() -> None:
            size = len(b.leaves)
            out.write(_line({"type": "entry", "index": size - 1, "leaf": b64encode(b.leaves[-1])}))
            b.leaves[-1] = b""  # keep memory flat: only the chain head and frontier matter
            if size % checkpoint_every == 0 or size == total:
                b.checkpoint()
                out.write(_line({"type": "checkpoint", "note": b.checkpoints.pop()[1]}))

        b.genesis()
        emit()
        for actor, key in (("wuchang-coop", farm), ("coldchain-express", carrier)):
            b.actor(actor, ex.ACTORS[actor])
            emit()
            b.add_key(actor, key)
            emit()
        for i in range(n_events):
            when = (
                (START - timedelta(days=1) + timedelta(seconds=i))
                .astimezone(timezone(timedelta(hours=8)))
                .isoformat(timespec="milliseconds")
            )
            if i % 2 == 0:
                payload = ex.sowing(
                    time=when, eid=ex.event_id(f"big-{i}"), seed_kg_per_ha=55.5 + (i % 7) / 4
                )
                key = farm
            else:
                payload = ex.transporting(time=when, eid=ex.event_id(f"big-{i}"))
                key = carrier
            b.append("event", payload, key)
            emit()
    return b.fixture()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def continued(fx: Fixture, statements: list[Statement]) -> Fixture:
    """``fx``'s log with ``statements`` sequenced after it (chain whole, fixed clock) and a
    checkpoint at the new end: what an operator that accepted them would publish."""
    b = LogBuilder(fx.origin)
    for leaf in fx.leaves:
        b.leaves.append(leaf)
        b.frontier.append(leaf_hash(leaf))
        b.prev = leaf_hash(leaf)
    b.checkpoints = list(fx.checkpoints)
    b.keys = dict(fx.keys)
    b.at = dict(fx.at)
    for statement in statements:
        b.sequence(statement)
    b.checkpoint()
    return b.fixture()
