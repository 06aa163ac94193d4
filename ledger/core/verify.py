"""Whole-log verification as a pure function of entry bytes, checkpoint notes and the
operator's key. It streams: feed entries and checkpoints in log order, then ``finish``.

Every failure is reported (entry index, check, reason, and where the check compares two
values, both of them); after a bad entry the chain goes on from that entry's own hash, so an
altered entry is named under the rule it breaks and the entry after it under chain_link,
not every entry after it. FORMAT.md 8 says which index each check is reported at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ledger.core.checkpoint import Checkpoint, parse_checkpoint
from ledger.core.entries import GENESIS_PREV, Entry, parse_entry
from ledger.core.errors import LedgerError, RootMismatchError, SignatureError
from ledger.core.hashing import leaf_hash
from ledger.core.merkle import Frontier
from ledger.core.note import NoteVerifier, open_note
from ledger.core.registry import Genesis, Registry, admit
from ledger.core.timefmt import parse_entry_time


@dataclass(frozen=True)
class Failure:
    """One thing that does not hold: where (entry index, or None for the log as a whole),
    which check (a registered code, ledger/core/codes.py), and why.

    Where the check compares two values, both are kept as evidence (FORMAT.md 8 and 9.2 say
    which, per check): ``expected``, what the data checked states or is checked against (a
    signed root, an entry's ``prev`` or ``index``), and ``computed``, what the verifier
    computed from the data (the root of the entries, the hash of the entry before). ``cause``
    is the error a rule or proof raised, with its own fields (a ``RootMismatchError``'s roots,
    a ``NoteSignatureError``'s key)."""

    index: int | None
    check: str
    message: str
    expected: bytes | int | None = None
    computed: bytes | int | None = None
    cause: LedgerError | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of_error(cls, index: int | None, check: str, error: LedgerError) -> Failure:
        """The failure of ``check`` that ``error`` stands for, with the error's evidence."""
        if isinstance(error, RootMismatchError):
            return cls(index, check, error.message, error.expected_root, error.computed_root, error)
        return cls(index, check, error.message, cause=error)

    def __str__(self) -> str:
        where = "log" if self.index is None else f"entry {self.index}"
        return f"{where}: {self.check}: {self.message}"


@dataclass
class Report:
    """The outcome of a verification run."""

    entries: int = 0
    checkpoints: int = 0
    root: bytes = b""
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def check_name(error: LedgerError) -> str:
    """The report's check name for an error raised by the rules (its stable code)."""
    return "signature" if isinstance(error, SignatureError) else error.code


class LogVerifier:
    """Replays a log from its bytes and checks every rule of docs/FORMAT.md."""

    def __init__(self, operator: NoteVerifier, *, since: Checkpoint | None = None) -> None:
        self.operator = operator
        self.since = since
        self.registry = Registry()
        # The auditor got the operator's key out of band: trust that, not entry 0, so a
        # damaged genesis entry is reported once instead of voiding every later check.
        self.registry.apply(Genesis(operator.name, operator.public_key, ""))
        self.frontier = Frontier()
        self.report = Report()
        self._prev: bytes | None = GENESIS_PREV  # None: the entry before could not be read
        self._last_time: datetime | None = None
        self._statement_ids: set[bytes] = set()
        self.last_nodes: list[tuple[tuple[int, int], bytes]] = []

    def _fail(
        self,
        index: int | None,
        check: str,
        message: str,
        expected: bytes | int | None = None,
        computed: bytes | int | None = None,
    ) -> None:
        self.report.failures.append(Failure(index, check, message, expected, computed))

    def add_entry(self, raw: bytes) -> Entry | None:
        """Check the next entry (given as its exact bytes); return it when it parses."""
        position = self.frontier.size
        entry_hash = leaf_hash(raw)
        # The perfect subtrees this entry completes, for callers that audit stored nodes.
        self.last_nodes = self.frontier.append(entry_hash)
        self.report.entries += 1
        # Checked on the tree, before the entry's own checks: an entry that fails them still
        # counts towards the saved checkpoint's size.
        if self.since is not None and self.frontier.size == self.since.size:
            self._check_since()
        try:
            entry = parse_entry(raw)
        except LedgerError as exc:
            check = "canonical_bytes" if exc.code == "not_canonical" else "entry_shape"
            self.report.failures.append(Failure.of_error(position, check, exc))
            self._prev = entry_hash
            return None
        if entry.index != position:
            self._fail(
                position,
                "index_sequence",
                f"the entry says index {entry.index}, but it is entry {position}",
                entry.index,
                position,
            )
        if self._prev is not None and entry.prev != self._prev:
            self._fail(
                position,
                "chain_link",
                f"prev {entry.prev.hex()} does not match the hash of the entry before it, "
                f"{self._prev.hex()}",
                entry.prev,
                self._prev,
            )
        self._prev = entry_hash
        time = parse_entry_time(entry.time, field="time")
        if self._last_time is not None and time < self._last_time:
            self._fail(position, "time_order", "its time is earlier than the entry before it")
        # Compared with the entry just before, not a running maximum: one entry with a
        # wild time is then blamed once instead of making every later entry "too early".
        self._last_time = time
        statement_id = entry.statement.statement_id
        if statement_id in self._statement_ids:
            self._fail(position, "duplicate_statement", "this statement is already in the log")
        self._statement_ids.add(statement_id)
        try:
            admission = admit(entry.statement, index=position, time=time, view=self.registry)
        except LedgerError as exc:
            self.report.failures.append(Failure.of_error(position, check_name(exc), exc))
            return entry
        if isinstance(admission, Genesis) and (
            admission.operator_key != self.operator.public_key
            or admission.origin != self.operator.name
        ):
            self._fail(
                position, "genesis", "the genesis entry names another operator key or origin"
            )
        self.registry.apply(admission)
        return entry

    def skip_entry(self) -> None:
        """Count an entry whose bytes could not be read (its reader reports why): the tree
        gets a hash no checkpoint can match, and the next entry's link goes unchecked."""
        self.last_nodes = self.frontier.append(leaf_hash(b""))
        self.report.entries += 1
        self._prev = None
        if self.since is not None and self.frontier.size == self.since.size:
            self._check_since()

    def _check_since(self) -> None:
        assert self.since is not None
        root = self.frontier.root()
        if root != self.since.root:
            self._fail(
                None,
                "since_root",
                f"the log's first {self.since.size} entries do not reproduce "
                "the saved checkpoint's root",
                self.since.root,
                root,
            )

    def add_checkpoint(self, note: str | bytes) -> Checkpoint | None:
        """Check a signed checkpoint against the entries fed so far (it must be at their size).

        Checkpoint failures carry no entry index: they are about the checkpoint, and the
        message names its size.
        """
        self.report.checkpoints += 1
        size = self.frontier.size
        try:
            checkpoint = parse_checkpoint(open_note(note, [self.operator]).text)
        except LedgerError as exc:
            self.report.failures.append(
                Failure(
                    None,
                    "checkpoint_signature",
                    f"the checkpoint after entry {size - 1}: {exc.message}",
                    cause=exc,
                )
            )
            return None
        if checkpoint.origin != self.operator.name:
            self._fail(
                None,
                "checkpoint_origin",
                f"checkpoint of size {checkpoint.size}: "
                f"origin {checkpoint.origin!r} is not this log's",
            )
        if checkpoint.size != size:
            self._fail(
                None,
                "checkpoint_size",
                f"a checkpoint of size {checkpoint.size} stands where the log has {size} entries",
                checkpoint.size,
                size,
            )
        elif checkpoint.root != (root := self.frontier.root()):
            self._fail(
                None,
                "checkpoint_root",
                f"the root signed for size {checkpoint.size} is not the root of "
                f"the log's first {size} entries",
                checkpoint.root,
                root,
            )
        return checkpoint

    def finish(self) -> Report:
        """End of input: final checks, and the report."""
        if self.since is not None and self.frontier.size < self.since.size:
            self._fail(
                None,
                "since_root",
                f"the log has {self.frontier.size} entries, "
                f"fewer than the saved checkpoint's {self.since.size}",
                self.since.size,
                self.frontier.size,
            )
        self.report.root = self.frontier.root()
        return self.report
